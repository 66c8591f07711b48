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
/// Words of the year's work in an unnumbered section heading (`2025年工作安排建议`).
const YEAR_HEADING: &[&str] = &[
    "工作安排",
    "重点工作",
    "工作任务",
    "工作建议",
    "自身建设",
    "总体要求",
    "主要目标",
    "目标任务",
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

/// Unnumbered section headings (`2024年工作回顾` / `2025年工作安排建议` / `加强政府自身建设`
/// on lines of their own, the 一、 lost in the copy): short lines without sentence
/// punctuation, not items, naming a review, an outlook or the year's work. They are the
/// report's sections when one of them is a review and no numbered top-level item is one:
/// the numbered items then sit under them. Returns (line, whether it is the year's).
fn banner_sections(view: &View, lines: &[Line], tree: &Tree, end: usize) -> Vec<(usize, bool)> {
    let items = &tree.items;
    if items
        .iter()
        .any(|it| it.depth == 0 && REVIEW.iter().chain(OUTLOOK).any(|w| it.title.contains(w)))
    {
        return Vec::new();
    }
    let mut is_item = vec![false; lines.len()];
    for &li in &tree.line_of {
        if let Some(x) = is_item.get_mut(li) {
            *x = true;
        }
    }
    let mut out = Vec::new();
    for (li, l) in lines.iter().enumerate().take(end) {
        if l.is_blank() || is_item[li] || l.len() > 24 {
            continue;
        }
        let t = view.norm_str(l.start, l.end);
        if t.chars().any(|c| "。，；：:,;！!？?".contains(c)) {
            continue;
        }
        let past = REVIEW.iter().chain(OUTLOOK).any(|w| t.contains(w));
        if past || YEAR_HEADING.iter().any(|w| t.contains(w)) {
            out.push((li, !past));
        }
    }
    if out.iter().any(|b| !b.1) {
        out
    } else {
        Vec::new()
    }
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
    // Top-level sections, their lines and whether they are the year's. A heading naming an
    // earlier year than the one planned for (一、2025年主要工作和“十四五”发展成就 in a 2026
    // report) is a review whatever its words.
    let planned = report_year(view, lines);
    let earlier_year =
        |title: &str| matches!((crate::meta::year(title), planned), (Some(y), Some(p)) if y < p);
    let sections: Vec<(usize, bool)> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.depth == 0)
        .map(|(i, it)| {
            let past = REVIEW.iter().chain(OUTLOOK).any(|w| it.title.contains(w))
                || earlier_year(&it.title)
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
    let glossary = glossary_line(view, lines);
    // Unnumbered section headings, when the numbered items sit under them.
    let banners = banner_sections(view, lines, tree, glossary);
    let banner_over = |li: usize| banners.iter().rev().find(|b| b.0 < li).copied();
    // Whether line `li` lies in a section of the past (review, outlook).
    let past_line = |li: usize| -> bool {
        if !banners.is_empty() {
            return banner_over(li).is_some_and(|b| !b.1);
        }
        tree.line_of
            .iter()
            .rposition(|&x| x <= li)
            .is_some_and(|b| matches!(section_of(b), Some((_, false))))
    };
    for &(i, _) in &sections {
        sk.boundaries.push(tree.line_of[i]);
    }
    for &(li, _) in &banners {
        sk.boundaries.push(li);
    }
    if glossary < lines.len() {
        sk.boundaries.push(glossary);
    }
    for (i, l) in lines.iter().enumerate() {
        // 各位代表 turns to the deputies; 以上民生实事，我们将… sums a list up: neither is
        // the text of the item before it.
        if view.starts_with(l.start, "各位代表") || view.starts_with(l.start, "以上") {
            sk.boundaries.push(i);
        }
    }
    // Second-level items of the year's sections (top-level items under an unnumbered
    // heading of the year's work): the heading's line and where its text starts.
    let mut pillar_of_section: Vec<(usize, usize)> = Vec::new();
    let mut taken = vec![false; items.len()];
    for (i, it) in items.iter().enumerate() {
        let li = tree.line_of[i];
        if li >= glossary {
            continue;
        }
        let heading = if banners.is_empty() {
            match section_of(i) {
                Some((sec, true)) if it.depth == 1 => {
                    (tree.line_of[sec], label_end_of(view, lines, tree, sec))
                }
                _ => continue,
            }
        } else {
            match banner_over(li) {
                Some((bl, true)) if it.depth == 0 => (bl, lines[bl].start),
                _ => continue,
            }
        };
        let pillar = match pillar_of_section.iter().find(|p| p.0 == heading.0) {
            Some(p) => p.1,
            None => {
                let p = sk.pillars.len();
                sk.pillars.push(PillarAt {
                    line: heading.0,
                    text_start: heading.1,
                    subtitle_line: None,
                });
                pillar_of_section.push((heading.0, p));
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
    for (li, l) in lines.iter().enumerate().take(glossary) {
        // The list's own line (今年将办好十件民生实事：), not a paragraph that says 干实事.
        let text = line_text(li);
        let names_list = text.contains("民生实事")
            || text.contains("实事项目")
            || (text.contains("实事") && text.chars().count() <= 40);
        if l.is_blank() || item_at_line(li).is_some() || !names_list {
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
        if taken[first] || past_line(tree.line_of[first]) || tree.line_of[first] >= glossary {
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
        if past_line(li) {
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

/// The line opening a glossary or annex of terms (`名词解释`, `附件2 名词解释`), else the
/// number of lines.
fn glossary_line(view: &View, lines: &[Line]) -> usize {
    for (i, l) in lines.iter().enumerate() {
        let mut s = l.start;
        // An annex label before the glossary's name: 附件2 / 附件二： / 附件 2
        if view.starts_with(s, "附件") {
            s += 2;
            while s < l.end
                && (view.at(s).is_ascii_digit()
                    || "一二三四五六七八九十：:、. ".contains(view.at(s))
                    || view.at(s) == '\u{3000}')
            {
                s += 1;
            }
        }
        let t = view.norm_str(s, l.end.min(s + 12));
        if GLOSSARY.iter().any(|g| t.starts_with(g)) && !t.contains("实事") {
            return i;
        }
    }
    lines.len()
}

/// The year a report plans for, read from its section headings when its title gives none:
/// the year of a heading of the year's work (`三、2019年政府工作任务`), else the year after
/// a review's (`一、2018年工作回顾` → 2019). Headings are short lines without sentence
/// punctuation (numbered or not).
pub fn report_year(view: &View, lines: &[Line]) -> Option<i32> {
    let mut after_review = None;
    for l in lines {
        if l.is_blank() || l.len() > 40 {
            continue;
        }
        let t = view.norm_str(l.start, l.end);
        if t.chars().any(|c| "。，；:,;".contains(c)) {
            continue;
        }
        let Some(y) = crate::meta::year(&t) else {
            continue;
        };
        if REVIEW.iter().any(|w| t.contains(w)) {
            after_review = after_review.or(Some(y + 1));
        } else if YEAR_HEADING
            .iter()
            .chain(&["政府工作任务", "经济社会发展", "政策取向"])
            .any(|w| t.contains(w))
        {
            return Some(y);
        }
    }
    after_review
}

/// The char range of a glossary (`名词解释` to the next `附件` line or the end), if any.
pub fn glossary_span(view: &View, lines: &[Line]) -> Option<(usize, usize)> {
    let g = glossary_line(view, lines);
    let start = lines.get(g)?.start;
    let end = lines[g + 1..]
        .iter()
        .find(|l| view.starts_with(l.start, "附件"))
        .map_or(view.len(), |l| l.raw_start);
    Some((start, end))
}

/// Removes the items whose label lies in `range` (a glossary's numbered entries explain
/// terms; they are not items of the plan). Parents are re-indexed; returns how many went.
pub fn drop_items_in(items: &mut Vec<duban_core::Item>, range: (usize, usize)) -> usize {
    let inside = |it: &duban_core::Item| it.span.start >= range.0 && it.span.start < range.1;
    let mut new_index = Vec::with_capacity(items.len());
    let mut kept = 0;
    for it in items.iter() {
        if inside(it) {
            new_index.push(None);
        } else {
            new_index.push(Some(kept));
            kept += 1;
        }
    }
    let before = items.len();
    let old = std::mem::take(items);
    for mut it in old {
        if inside(&it) {
            continue;
        }
        it.parent = it.parent.and_then(|p| new_index.get(p).copied().flatten());
        items.push(it);
    }
    before - items.len()
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

    fn headline(text: &str) -> Vec<String> {
        let view = View::new(text);
        let lines = view.lines();
        let tree = outline::tree(&view, &lines);
        layout(&view, &lines, &tree)
            .headline
            .iter()
            .map(|&(s, e)| view.norm_str(s, e))
            .collect()
    }

    #[test]
    fn unnumbered_section_headings_keep_the_review_out_of_the_tasks() {
        // The copy lost the 一、二、三、 of the sections: their headings stand alone, and
        // （一） restarts under each.
        let text = "各位代表：\n2024年工作回顾\n过去一年，经济运行稳中向好。\n（一）巩固增强经济回升向好态势。新增规上企业2157家。\n（二）大力推动科技创新。新增高新技术企业28家。\n2025年工作安排建议\n今年发展主要预期目标是：地区生产总值增长5.5%以上。\n（一）全方位扩大内需。新建5G基站1万个。\n（二）深化改革开放。\n加强政府自身建设\n（一）树牢正确政绩观。\n";
        let tasks = task_lines(text);
        assert_eq!(tasks.len(), 3, "{tasks:?}");
        assert!(tasks[0].contains("全方位扩大内需"));
        assert!(tasks[2].contains("树牢正确政绩观"));
        let h = headline(text);
        assert_eq!(h.len(), 1);
        assert!(h[0].contains("5.5%以上"));
        // Headings without a review among them, or a review already numbered, do not
        // make the unnumbered lines sections.
        let banners = |t: &str| {
            let view = View::new(t);
            let lines = view.lines();
            let tree = outline::tree(&view, &lines);
            banner_sections(&view, &lines, &tree, lines.len()).len()
        };
        assert_eq!(banners(text), 3);
        assert_eq!(banners(&text.replace("2024年工作回顾\n", "")), 0);
        assert_eq!(
            banners(&text.replace("2024年工作回顾\n", "一、2024年工作回顾\n")),
            0
        );
        // A sentence is not a heading.
        assert_eq!(
            banners(&text.replace("2024年工作回顾\n", "2024年工作回顾，成绩来之不易。\n")),
            0
        );
    }

    #[test]
    fn a_glossary_in_an_annex_ends_the_tasks() {
        let text = "二、2025年工作安排\n（一）扩大内需\n新建充电桩1000个。\n附件2 名词解释\n1.“岳山造林”：上世纪70年代发动万人造林。\n2.“四新”产业：发展3个产业。\n";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(glossary_line(&view, &lines), 3);
        let (s, e) = glossary_span(&view, &lines).unwrap();
        assert!(view.norm_str(s, e).starts_with("附件2 名词解释"));
        assert_eq!(e, view.len());
        // A 民生实事 annex is not a glossary; a glossary runs to the next annex.
        let view = View::new("附件1 十件民生实事\n一、新建学位1万个。\n");
        let lines = view.lines();
        assert_eq!(glossary_line(&view, &lines), lines.len());
        let view = View::new("名词解释\n1.两重：重大战略。\n附件3\n一、新增就业1万人。\n");
        let (s, e) = glossary_span(&view, &view.lines()).unwrap();
        assert_eq!(view.orig(s, e).trim_end(), "名词解释\n1.两重：重大战略。");
    }

    #[test]
    fn a_report_plans_for_the_year_of_its_work_headings() {
        let year = |t: &str| {
            let view = View::new(t);
            report_year(&view, &view.lines())
        };
        assert_eq!(
            year(
                "一、2018年工作回顾\n过去一年，增长6.6%。\n二、2019年经济社会发展总体要求和政策取向\n"
            ),
            Some(2019)
        );
        // Only a review heading: the year after it.
        assert_eq!(year("2024年工作回顾\n过去一年。\n今年工作\n"), Some(2025));
        // A year inside a sentence is not a heading.
        assert_eq!(
            year("2024年是实现“十四五”规划目标任务的关键一年，成绩来之不易。\n"),
            None
        );
    }

    #[test]
    fn glossary_entries_leave_the_item_tree() {
        use duban_core::Item;
        let item = |label: &str, parent: Option<usize>, start: usize| Item {
            label: label.into(),
            number: 1,
            depth: u32::from(parent.is_some()),
            parent,
            title: String::new(),
            span: duban_core::Span {
                start,
                end: start + 1,
            },
            task: None,
        };
        let mut items = vec![
            item("一、", None, 0),
            item("1.", Some(0), 10),
            item("2.", Some(0), 20),
            item("二、", None, 30),
            item("（一）", Some(3), 40),
        ];
        assert_eq!(drop_items_in(&mut items, (10, 25)), 2);
        assert_eq!(items.len(), 3);
        assert_eq!(items[2].label, "（一）");
        assert_eq!(items[2].parent, Some(1));
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
