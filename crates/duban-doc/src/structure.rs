//! The structure recogniser: which lines are pillar headings, which are numbered tasks.
//!
//! Lines are classified by their numbering (一、 （一） 1. 1、 （1） ①). The task style is
//! the Arabic style whose first item comes first in the document (Chinese styles only when
//! there is no Arabic one); pillars are the outer Chinese style, or, in documents without
//! one, unnumbered banner headings (a short line, optionally with a subtitle line, just
//! before a task). Numbers must run in sequence (restarting at 1 after a pillar), so a
//! `1.` inside a task's text is not a new task.

use crate::text::{Line, View, is_han, parse_cn_number};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// 一、
    CnComma,
    /// （一）
    CnParen,
    /// 1.
    ArDot,
    /// 1、
    ArComma,
    /// （1）
    ArParen,
    /// 1）
    ArHalfParen,
    /// ①
    Circled,
}

impl Style {
    fn is_arabic(self) -> bool {
        matches!(
            self,
            Style::ArDot | Style::ArComma | Style::ArParen | Style::ArHalfParen | Style::Circled
        )
    }
}

/// A numbered line: its style, number and where the label ends.
#[derive(Debug, Clone, Copy)]
pub struct Numbered {
    pub style: Style,
    pub number: u32,
    /// Char offset just past the label (`1.`, `（一）`).
    pub label_end: usize,
}

/// Reads the numbering at the start of a line.
pub fn classify(view: &View, line: &Line) -> Option<Numbered> {
    let s = line.start;
    let e = line.end;
    if s >= e {
        return None;
    }
    let c = view.at(s);
    let numbered = |style, number: u64, label_end: usize| {
        let number = u32::try_from(number)
            .ok()
            .filter(|n| (1..=999).contains(n))?;
        // The label must be followed by text.
        (label_end < e).then_some(Numbered {
            style,
            number,
            label_end,
        })
    };
    if ('①'..='⑳').contains(&c) {
        return numbered(Style::Circled, c as u64 - '①' as u64 + 1, s + 1);
    }
    if c.is_ascii_digit() {
        let mut k = s;
        while k < e && k - s < 3 && view.at(k).is_ascii_digit() {
            k += 1;
        }
        let number: u64 = view.norm_str(s, k).parse().ok()?;
        let mut j = k;
        while view.at(j) == ' ' {
            j += 1;
        }
        return match view.at(j) {
            '.' if !view.at(j + 1).is_ascii_digit() => numbered(Style::ArDot, number, j + 1),
            '、' => numbered(Style::ArComma, number, j + 1),
            ')' => numbered(Style::ArHalfParen, number, j + 1),
            _ => None,
        };
    }
    if c == '(' {
        let mut k = s + 1;
        while k < e && k - s < 5 && view.at(k) != ')' {
            k += 1;
        }
        if view.at(k) != ')' || k == s + 1 {
            return None;
        }
        let inner = view.norm_str(s + 1, k);
        let mut label_end = k + 1;
        if view.at(label_end) == '、' {
            label_end += 1;
        }
        if inner.chars().all(|c| c.is_ascii_digit()) {
            return numbered(Style::ArParen, inner.parse().ok()?, label_end);
        }
        return numbered(Style::CnParen, parse_cn_number(&inner)?, label_end);
    }
    if crate::text::is_cn_numeral(c) {
        let mut k = s;
        while k < e && k - s < 4 && crate::text::is_cn_numeral(view.at(k)) {
            k += 1;
        }
        if view.at(k) == '、' {
            return numbered(
                Style::CnComma,
                parse_cn_number(&view.norm_str(s, k))?,
                k + 1,
            );
        }
    }
    None
}

/// `11.121人才梯队项目`: an Arabic `N.` label glued to a number that begins a name. Only a
/// label when `N` is the number expected next (the caller checks); `1.5万个` stays text.
pub fn classify_glued(view: &View, line: &Line) -> Option<Numbered> {
    let s = line.start;
    let e = line.end;
    let mut k = s;
    while k < e && k - s < 3 && view.at(k).is_ascii_digit() {
        k += 1;
    }
    if k == s || view.at(k) != '.' || !view.at(k + 1).is_ascii_digit() {
        return None;
    }
    // A decimal is followed by a measure (1.5万个, 2.3%); a glued label by a name whose
    // own number ends in a Han char or a quote (121人才, 135工程).
    let mut j = k + 1;
    while j < e && view.at(j).is_ascii_digit() {
        j += 1;
    }
    let after = view.at(j);
    if !crate::text::is_han(after) || crate::targets::quantity_word_at(view, j) {
        return None;
    }
    let number: u32 = view.norm_str(s, k).parse().ok()?;
    ((1..=999).contains(&number)).then_some(Numbered {
        style: Style::ArDot,
        number,
        label_end: k + 1,
    })
}

/// Headings whose numbered items state principles, not tasks (一、总体要求 → （二）基本原则 →
/// 1.服务国家战略…).
const PRINCIPLE_HEADINGS: &[&str] = &[
    "指导思想",
    "基本原则",
    "工作原则",
    "总体思路",
    "指導思想",
    "基本原則",
    "工作原則",
];

/// What the recogniser found, by line index.
#[derive(Debug, Default)]
pub struct Skeleton {
    /// Pillar headings: first line and, for banners, the subtitle line.
    pub pillars: Vec<PillarAt>,
    pub tasks: Vec<TaskAt>,
    /// Lines that end the task before them (every outer heading, used or not).
    pub boundaries: Vec<usize>,
    /// Whether task numbers restart (then tasks are numbered by their order).
    pub restarts: bool,
}

#[derive(Debug, Clone)]
pub struct PillarAt {
    pub line: usize,
    /// Where the heading text starts (after any label).
    pub text_start: usize,
    pub subtitle_line: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct TaskAt {
    pub line: usize,
    pub number: u32,
    pub label_end: usize,
    /// Index into `Skeleton::pillars`.
    pub pillar: Option<usize>,
}

/// Finds pillars and tasks among `lines`.
///
/// Outer headings are the Chinese-numbered lines above the task style (一、 and （一） over
/// Arabic tasks, 一、 over （一） tasks). A pillar is the nearest outer heading above a task,
/// so with 一、/（一）/1. the （一） sections are the pillars, and an 一、 section holding
/// tasks directly is one too; a heading with no task under it (一、主要目标) is none.
///
/// When the Arabic items are all principles (`（三）基本原则` → `1.坚持正确导向`), the plan's
/// tasks are the Chinese-numbered items: the recogniser falls back to the inner Chinese
/// style rather than finding no task at all.
pub fn recognise(view: &View, lines: &[Line], title_line: Option<usize>) -> Skeleton {
    let mut numbered: Vec<Option<Numbered>> = lines.iter().map(|l| classify(view, l)).collect();
    // An annex of indicators (附件 / 三级公立医院绩效考核指标 / 1.门诊人次数…) lists what is
    // measured, not tasks: its numbered lines are left out of the task structure.
    if let Some(annex) = indicator_annex(view, lines) {
        for n in &mut numbered[annex..] {
            *n = None;
        }
    }
    let Some(style) = task_style(&numbered) else {
        return Skeleton::default();
    };
    let sk = recognise_as(view, lines, title_line, &numbered, style);
    if !sk.tasks.is_empty() || !style.is_arabic() {
        return sk;
    }
    let first_one = |style: Style| {
        numbered
            .iter()
            .any(|n| n.is_some_and(|n| n.style == style && n.number == 1))
    };
    match [Style::CnParen, Style::CnComma]
        .into_iter()
        .find(|&s| first_one(s))
    {
        Some(inner) => recognise_as(view, lines, title_line, &numbered, inner),
        None => sk,
    }
}

/// The line where an annex of indicators starts: a line that is just `附件` (or `附件1`)
/// whose title, within the next three lines, names 指标 (考核指标, 指标体系).
fn indicator_annex(view: &View, lines: &[Line]) -> Option<usize> {
    let nb: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_blank()).collect();
    nb.iter().enumerate().find_map(|(k, &i)| {
        let (s, e) = view.trim(lines[i].start, lines[i].end);
        let t = view.norm_str(s, e);
        let annex = t
            .strip_prefix("附件")
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()));
        let titled = nb[k + 1..].iter().take(3).any(|&j| {
            let u = view.norm_str(lines[j].start, lines[j].end);
            u.contains("指标") && u.chars().count() <= 30
        });
        (annex && titled && k > 0).then_some(i)
    })
}

/// `recognise` with the task style given.
fn recognise_as(
    view: &View,
    lines: &[Line],
    title_line: Option<usize>,
    numbered: &[Option<Numbered>],
    task_style: Style,
) -> Skeleton {
    let outer: &[Style] = if task_style.is_arabic() {
        &[Style::CnComma, Style::CnParen]
    } else if task_style == Style::CnParen {
        &[Style::CnComma]
    } else {
        &[]
    };

    let mut sk = Skeleton::default();
    // Accepted outer headings (line, label end) and which of them hold tasks.
    let mut headings: Vec<(usize, usize)> = Vec::new();
    let mut parents: Vec<Option<usize>> = Vec::new();
    let mut last_outer = [0u32; 2];
    // The last number of each level, not reset by a heading above it: 一、（一）（二）二、（三）
    // numbers its sub-headings through the document.
    let mut last_seen = [0u32; 2];
    let mut last_task = 0u32;
    let mut heading_since_task = false;
    for (i, n) in numbered.iter().enumerate() {
        // A label glued to a number inside a name, read only when it is the next task.
        let glued = match n {
            None if task_style == Style::ArDot => classify_glued(view, &lines[i])
                .filter(|g| g.number == last_task + 1 && !sk.tasks.is_empty()),
            _ => None,
        };
        let Some(n) = n.or(glued) else { continue };
        if let Some(level) = outer.iter().position(|&s| s == n.style) {
            // In sequence, restarting at 1 under a new outer heading, or continuing the
            // numbers of the previous outer heading.
            if n.number == last_outer[level] + 1
                || n.number == 1
                || (last_outer[level] == 0 && n.number == last_seen[level] + 1)
            {
                last_outer[level] = n.number;
                last_seen[level] = n.number;
                for deeper in last_outer.iter_mut().skip(level + 1) {
                    *deeper = 0;
                }
                headings.push((i, n.label_end));
                heading_since_task = true;
            }
            continue;
        }
        if n.style != task_style {
            continue;
        }
        let first = sk.tasks.is_empty();
        // A small gap (a number skipped in the printed document) continues the
        // sequence; the tree reports it as a diagnostic.
        let next = n.number > last_task && n.number <= last_task + 3 && !first
            || n.number == last_task + 1;
        let restart = n.number == 1 && heading_since_task && !first;
        if first || next || restart {
            if restart && !next {
                sk.restarts = true;
            }
            last_task = n.number;
            heading_since_task = false;
            parents.push(headings.len().checked_sub(1));
            sk.tasks.push(TaskAt {
                line: i,
                number: n.number,
                label_end: n.label_end,
                pillar: None,
            });
        }
    }
    // Numbered items under 指导思想 / 基本原则 are principles, not trackable tasks.
    let principle = |h: usize| {
        let (line, label_end) = headings[h];
        let text = view.norm_str(label_end, lines[line].end);
        let text = text.trim().trim_end_matches(['。', ':', ';']);
        PRINCIPLE_HEADINGS.contains(&text)
    };
    // `（一）指导思想。以…为指导` states principles in its own paragraph: not a task either.
    let states_principles = |task: &TaskAt| {
        let text = view.norm_str(task.label_end, lines[task.line].end);
        let head = text.split(['。', ':', '：']).next().unwrap_or("").trim();
        PRINCIPLE_HEADINGS.contains(&head)
    };
    let mut t = 0;
    while t < sk.tasks.len() {
        if parents[t].is_some_and(principle) || states_principles(&sk.tasks[t]) {
            sk.tasks.remove(t);
            parents.remove(t);
        } else {
            t += 1;
        }
    }
    sk.boundaries = headings.iter().map(|h| h.0).collect();
    // Pillars: the headings that hold tasks, in order.
    let mut pillar_of_heading = vec![None; headings.len()];
    for (t, parent) in parents.iter().enumerate() {
        if let Some(h) = *parent {
            if pillar_of_heading[h].is_none() {
                pillar_of_heading[h] = Some(sk.pillars.len());
                sk.pillars.push(PillarAt {
                    line: headings[h].0,
                    text_start: headings[h].1,
                    subtitle_line: None,
                });
            }
            sk.tasks[t].pillar = pillar_of_heading[h];
        }
    }
    if headings.is_empty() {
        find_banners(view, lines, title_line, &mut sk);
    }
    sk
}

/// The Arabic style whose item 1 comes first; else the inner Chinese style.
fn task_style(numbered: &[Option<Numbered>]) -> Option<Style> {
    let first_one = |style: Style| {
        numbered
            .iter()
            .position(|n| n.is_some_and(|n| n.style == style && n.number == 1))
    };
    let arabic = [
        Style::ArDot,
        Style::ArComma,
        Style::ArParen,
        Style::ArHalfParen,
        Style::Circled,
    ]
    .into_iter()
    .filter_map(|s| first_one(s).map(|p| (p, s)))
    .min();
    if let Some((_, s)) = arabic {
        return Some(s);
    }
    [Style::CnParen, Style::CnComma]
        .into_iter()
        .find(|&s| first_one(s).is_some())
}

/// The longest line a banner heading can be, in chars.
const BANNER_MAX: usize = 30;

/// Unnumbered banner headings (着力谋规划促改革 / 构建服务业发展新格局): one or two short,
/// unpunctuated lines just before a task, not directly after the previous task's label
/// line. Two or more are needed for the document to count as banner-structured.
fn find_banners(view: &View, lines: &[Line], title_line: Option<usize>, sk: &mut Skeleton) {
    let task_lines: Vec<usize> = sk.tasks.iter().map(|t| t.line).collect();
    let mut banners: Vec<(usize, Vec<usize>)> = Vec::new(); // (task index, banner lines)
    for (ti, &tl) in task_lines.iter().enumerate() {
        let floor = if ti == 0 {
            title_line.map_or(0, |t| t + 1)
        } else {
            task_lines[ti - 1] + 1
        };
        let mut group = Vec::new();
        let mut k = tl;
        let mut stop_line = None;
        while k > floor {
            k -= 1;
            let line = &lines[k];
            if line.is_blank() {
                continue;
            }
            if group.len() < 2 && banner_like(view, line) {
                group.push(k);
                continue;
            }
            stop_line = Some(k);
            break;
        }
        if group.is_empty() {
            continue;
        }
        // Directly after the previous task's label line: that task's own text.
        if ti > 0 && stop_line.is_none() {
            continue;
        }
        // At the top of the document, the first short line is the title.
        if ti == 0 && stop_line.is_none() {
            continue;
        }
        group.reverse();
        banners.push((ti, group));
    }
    if banners.len() < 2 {
        return;
    }
    for (ti, group) in banners {
        let p = sk.pillars.len();
        sk.boundaries.push(group[0]);
        sk.pillars.push(PillarAt {
            line: group[0],
            text_start: lines[group[0]].start,
            subtitle_line: group.get(1).copied(),
        });
        for t in &mut sk.tasks[ti..] {
            t.pillar = Some(p);
        }
    }
}

fn banner_like(view: &View, line: &Line) -> bool {
    let n = line.len();
    if n == 0 || n > BANNER_MAX {
        return false;
    }
    let text = view.norm_str(line.start, line.end);
    let han = text.chars().filter(|&c| is_han(c)).count();
    han * 2 >= n
        && !text.contains(['。', ';', '!', '?', ':', '，', ','])
        && classify(view, line).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(text: &str) -> Vec<Option<(Style, u32)>> {
        let view = View::new(text);
        view.lines()
            .iter()
            .map(|l| classify(&view, l).map(|n| (n.style, n.number)))
            .collect()
    }

    /// What `recognise` finds in `text` (title on its first line).
    fn skeleton(text: &str) -> Skeleton {
        let view = View::new(text);
        recognise(&view, &view.lines(), Some(0))
    }

    /// The labels of the tasks found in `text` (title on its first line), normalised.
    fn task_labels(text: &str) -> Vec<String> {
        let view = View::new(text);
        let lines = view.lines();
        let sk = recognise(&view, &lines, Some(0));
        sk.tasks
            .iter()
            .map(|t| view.norm_str(lines[t.line].start, t.label_end))
            .collect()
    }

    #[test]
    fn numbering_styles() {
        assert_eq!(
            styles(
                "一、总体\n（二）任务\n3.编制\n４、建设\n（5）推进\n6）完善\n⑦开展\n2020年\n1.5万个\n十三五"
            ),
            vec![
                Some((Style::CnComma, 1)),
                Some((Style::CnParen, 2)),
                Some((Style::ArDot, 3)),
                Some((Style::ArComma, 4)),
                Some((Style::ArParen, 5)),
                Some((Style::ArHalfParen, 6)),
                Some((Style::Circled, 7)),
                None,
                None,
                None,
            ]
        );
    }

    #[test]
    fn sub_headings_numbered_through_the_document_each_hold_their_tasks() {
        let text = "工作要点\n一、培育引擎\n（一）创新高地\n1.攻关。正文。\n（二）数据要素\n2.制度。正文。\n二、数字经济\n（三）产业能级\n3.集群。正文。\n（四）产业转型\n4.转型。正文。\n";
        let sk = skeleton(text);
        assert_eq!(sk.tasks.len(), 4);
        assert_eq!(sk.pillars.len(), 4);
        let pillars: Vec<Option<usize>> = sk.tasks.iter().map(|t| t.pillar).collect();
        assert_eq!(pillars, [Some(0), Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn a_paragraph_of_principles_is_not_a_task() {
        let text = "指导意见\n一、总体要求\n（一）指导思想。以新发展理念为指导，推动产业升级。\n（二）基本原则。坚持市场驱动。\n（三）发展目标。到2025年，产业总规模达到2万亿元。\n二、重点任务\n（四）大力发展职业赛事。着力发展联赛。（体育总局负责）\n";
        assert_eq!(task_labels(text), vec!["(三)", "(四)"]);
    }

    #[test]
    fn when_the_only_arabic_items_are_principles_the_chinese_items_are_the_tasks() {
        let text = "意见\n一、总体要求\n（一）指导思想。以新发展理念为指导。\n（二）工作目标。到2022年建成体系。\n（三）基本原则。\n1.坚持正确导向。正文。\n2.坚持需求引领。正文。\n二、加强功能建设\n（一）推进信息发布。正文。\n（二）加强解读回应。正文。\n";
        assert_eq!(task_labels(text), vec!["(二)", "(一)", "(二)"]);
    }

    #[test]
    fn an_annex_of_indicators_holds_no_tasks() {
        let text = "意见\n一、总体要求\n（一）指导思想。正文。\n二、考核方式\n（二）医院自评。正文。\n（三）省级考核。正文。\n附件\n三级公立医院绩效考核指标\n一、医疗质量\n1.门诊人次数与出院人次数比\n2.下转患者人次数\n";
        assert_eq!(task_labels(text), vec!["(二)", "(三)"]);
    }

    #[test]
    fn principles_are_not_tasks() {
        let text = "行动计划\n一、总体要求\n（一）指导思想\n正文。\n（二）基本原则\n1.服务国家战略。正文\n2.坚持改革创新。正文\n二、重点任务\n（一）产业\n1.建平台。\n2.攻技术。";
        let sk = skeleton(text);
        let tasks: Vec<(usize, Option<usize>)> =
            sk.tasks.iter().map(|t| (t.line, t.pillar)).collect();
        assert_eq!(tasks, [(9, Some(0)), (10, Some(0))]);
        assert_eq!(sk.pillars.len(), 1);
        let view = View::new(text);
        let only = recognise(&view, &view.lines()[..8], Some(0));
        assert!(only.tasks.is_empty());
    }

    #[test]
    fn sequence_and_pillars() {
        let text = "2021年工作要点\n一、主要目标\n增长6%。\n二、重点任务\n（一）创新\n1.建平台\n正文。\n1.不是任务\n2.攻技术\n（二）产业\n3.育集群\n三、保障\n4.强统计";
        let sk = skeleton(text);
        let tasks: Vec<(u32, Option<usize>)> =
            sk.tasks.iter().map(|t| (t.number, t.pillar)).collect();
        assert_eq!(
            tasks,
            [(1, Some(0)), (2, Some(0)), (3, Some(1)), (4, Some(2))]
        );
        let pillar_lines: Vec<usize> = sk.pillars.iter().map(|p| p.line).collect();
        assert_eq!(pillar_lines, [4, 9, 11]);
        assert!(!sk.restarts);
    }
}
