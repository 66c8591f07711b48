//! Rules for a 政府工作报告: only the year's part carries tasks and targets.
//!
//! A report's top-level sections (一、…) are the review of last year (回顾, 过去一年),
//! sometimes a five-year outlook (今后五年, 十五五时期), and the year's work (目标任务,
//! 工作安排, 重点工作, 政府自身建设). Tasks are the second-level items (（一）…) of the
//! year's sections; a numbered list introduced by a 民生实事 paragraph (in the text or in
//! an annex) is a task list of its own. Headline targets come only from the 主要预期目标
//! paragraph (and its 一一/—— continuation lines). Glossaries and annexes of terms end
//! the task text.

use crate::outline::Tree;
use crate::structure::{PillarAt, Skeleton, TaskAt};
use crate::text::{Line, View};

/// Section headings of the past: no tasks, no targets.
const REVIEW: &[&str] = &[
    "回顾",
    "过去一年",
    "过去五年",
    "工作总结",
    "过去的一年",
    "上年工作",
];
/// Words that open a review of the past in a section's first paragraphs, whatever its
/// heading says (`一、牢记殷殷嘱托…` then `一年来，我们…`, `初步统计，2024年…`).
const REVIEW_OPENING: &[&str] = &[
    "一年来",
    "初步统计",
    "过去一年",
    "过去的一年",
    "过去五年",
    "回顾",
];
/// Words of the year's work that outweigh a review word in the same opening.
const YEAR_OPENING: &[&str] = &["今年政府工作", "今年工作", "今年经济社会发展", "今年是"];

/// Section headings of a multi-year outlook.
const OUTLOOK: &[&str] = &[
    "今后五年",
    "未来五年",
    "五年目标",
    "五年主要目标",
    "十四五时期",
    "十五五时期",
    "十四五”时期",
    "十五五”时期",
];
/// Lines that open a glossary or annex of terms (not tasks).
const GLOSSARY: &[&str] = &["名词解释", "注释", "词语解释", "名词注释", "本报告"];
/// Words that introduce the headline goals.
const HEADLINE: &[&str] = &["主要预期目标", "主要目标是", "预期目标是"];

/// Whether the opening of top-level section `item` (the text from its heading to its
/// first sub-item, at most 2,000 chars) reviews the past year.
fn opening_reviews(view: &View, lines: &[Line], tree: &Tree, item: usize) -> bool {
    let items = &tree.items;
    let start = lines[tree.line_of[item]].end;
    let next = items[item + 1..]
        .iter()
        .map(|it| it.span.start)
        .find(|&s| s >= start)
        .unwrap_or(view.len());
    let end = next.min(start + 2000).min(view.len());
    if start >= end {
        return false;
    }
    let opening = view.norm_str(start, end);
    REVIEW_OPENING.iter().any(|w| opening.contains(w))
        && !YEAR_OPENING.iter().any(|w| opening.contains(w))
}

/// A report's skeleton and the char ranges of its headline goal paragraphs.
pub struct ReportLayout {
    pub skeleton: Skeleton,
    pub headline: Vec<(usize, usize)>,
}

pub fn layout(view: &View, lines: &[Line], tree: &Tree) -> ReportLayout {
    let items = &tree.items;
    let line_text = |i: usize| view.norm_str(lines[i].start, lines[i].end);
    let mut sk = Skeleton {
        restarts: true,
        ..Skeleton::default()
    };
    // Top-level sections, their lines and whether they are the year's.
    let sections: Vec<(usize, bool)> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.depth == 0)
        .map(|(i, it)| {
            let past = REVIEW.iter().chain(OUTLOOK).any(|w| it.title.contains(w))
                || opening_reviews(view, lines, tree, i);
            (i, !past)
        })
        .collect();
    let section_of = |item: usize| -> Option<(usize, bool)> {
        let mut k = item;
        while let Some(p) = items[k].parent {
            k = p;
        }
        sections.iter().copied().find(|s| s.0 == k)
    };
    // Where the report body ends: a glossary or annex of terms.
    let mut glossary = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let t = view.norm_str(l.start, l.end.min(l.start + 12));
        if GLOSSARY.iter().any(|g| t.starts_with(g)) && !t.contains("实事") {
            glossary = i;
            break;
        }
    }
    for &(i, _) in &sections {
        sk.boundaries.push(tree.line_of[i]);
    }
    if glossary < lines.len() {
        sk.boundaries.push(glossary);
    }
    for (i, l) in lines.iter().enumerate() {
        if view.starts_with(l.start, "各位代表") {
            sk.boundaries.push(i);
        }
    }
    // Second-level items of the year's sections.
    let mut pillar_of_section: Vec<(usize, usize)> = Vec::new();
    let mut taken = vec![false; items.len()];
    for (i, it) in items.iter().enumerate() {
        let li = tree.line_of[i];
        if it.depth != 1 || li >= glossary {
            continue;
        }
        let Some((sec, true)) = section_of(i) else {
            continue;
        };
        let pillar = match pillar_of_section.iter().find(|p| p.0 == sec) {
            Some(p) => p.1,
            None => {
                let p = sk.pillars.len();
                sk.pillars.push(PillarAt {
                    line: tree.line_of[sec],
                    text_start: label_end_of(view, lines, tree, sec),
                    subtitle_line: None,
                });
                pillar_of_section.push((sec, p));
                p
            }
        };
        taken[i] = true;
        sk.tasks.push(TaskAt {
            line: li,
            number: it.number,
            label_end: label_end_of(view, lines, tree, i),
            pillar: Some(pillar),
        });
    }
    // 民生实事 lists: an unnumbered line naming them, then a run of numbered items.
    let item_at_line = |li: usize| tree.line_of.iter().position(|&l| l == li);
    for (li, l) in lines.iter().enumerate() {
        if l.is_blank() || item_at_line(li).is_some() || !line_text(li).contains("实事") {
            continue;
        }
        // The first item within the next three non-blank lines.
        let Some(first) = lines[li + 1..]
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_blank())
            .take(3)
            .find_map(|(k, _)| item_at_line(li + 1 + k))
        else {
            continue;
        };
        if taken[first] {
            continue;
        }
        if let Some((_, false)) = section_of(first) {
            continue;
        }
        let p = sk.pillars.len();
        sk.pillars.push(PillarAt {
            line: li,
            text_start: l.start,
            subtitle_line: None,
        });
        sk.boundaries.push(li);
        let (depth, parent) = (items[first].depth, items[first].parent);
        for k in first..items.len() {
            if items[k].depth < depth {
                break;
            }
            if items[k].depth != depth || items[k].parent != parent || taken[k] {
                continue;
            }
            taken[k] = true;
            sk.tasks.push(TaskAt {
                line: tree.line_of[k],
                number: items[k].number,
                label_end: label_end_of(view, lines, tree, k),
                pillar: Some(p),
            });
        }
    }
    sk.tasks.sort_by_key(|t| t.line);
    sk.boundaries.sort_unstable();
    sk.boundaries.dedup();
    // Pillars in document order, tasks pointing at the new indices.
    let mut order: Vec<usize> = (0..sk.pillars.len()).collect();
    order.sort_by_key(|&p| sk.pillars[p].line);
    let rank: Vec<usize> = (0..order.len())
        .map(|p| order.iter().position(|&o| o == p).unwrap_or(p))
        .collect();
    let pillars = order.iter().map(|&p| sk.pillars[p].clone()).collect();
    sk.pillars = pillars;
    for t in &mut sk.tasks {
        t.pillar = t.pillar.map(|p| rank[p]);
    }
    // Headline goals: the paragraph naming them, in a year's section, and its dash lines.
    let mut headline = Vec::new();
    for (li, l) in lines.iter().enumerate().take(glossary) {
        let text = line_text(li);
        if !HEADLINE.iter().any(|h| text.contains(h)) {
            continue;
        }
        let before = tree.line_of.iter().rposition(|&x| x <= li);
        if before.is_some_and(|b| matches!(section_of(b), Some((_, false)))) {
            continue;
        }
        let mut end = l.end;
        for next in &lines[li + 1..] {
            if next.is_blank() {
                continue;
            }
            if matches!(view.at(next.start), '—' | '-' | '一')
                && view.at(next.start + 1) == view.at(next.start)
            {
                end = next.end;
            } else {
                break;
            }
        }
        headline.push((l.start, end));
        break;
    }
    ReportLayout {
        skeleton: sk,
        headline,
    }
}

fn label_end_of(view: &View, lines: &[Line], tree: &Tree, item: usize) -> usize {
    let line = &lines[tree.line_of[item]];
    crate::outline::label(view, line).map_or(line.start, |l| l.label_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outline;

    fn task_lines(text: &str) -> Vec<String> {
        let view = View::new(text);
        let lines = view.lines();
        let tree = outline::tree(&view, &lines);
        layout(&view, &lines, &tree)
            .skeleton
            .tasks
            .iter()
            .map(|t| view.norm_str(lines[t.line].start, lines[t.line].end))
            .collect()
    }

    #[test]
    fn a_review_is_found_by_its_opening_when_the_heading_does_not_say_so() {
        let text = "各位代表：\n一、牢记嘱托，在接续奋斗中取得新成效\n一年来，我们坚持稳中求进。初步统计，地区生产总值增长5.5%。\n（一）产业体系进一步提升\n实施2205项技改项目。\n（二）改革开放取得突破\n新增外资企业100家。\n二、牢记使命，奋勇争先\n今年是十四五规划收官之年。\n（一）加快建设现代化产业体系\n力争新增规上企业1000家。\n（二）深化改革开放\n实际使用外资增长5%。\n";
        let tasks = task_lines(text);
        assert_eq!(tasks.len(), 2, "{tasks:?}");
        assert!(tasks[0].ends_with("加快建设现代化产业体系"));
        assert!(tasks[1].ends_with("深化改革开放"));
        // The year's section may recall the past year in passing; it stays the year's.
        let text = text.replace(
            "今年是十四五规划收官之年。",
            "今年是收官之年，过去一年的成绩来之不易。",
        );
        assert_eq!(task_lines(&text).len(), 2);
    }
}
