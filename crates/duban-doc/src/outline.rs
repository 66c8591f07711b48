//! The numbering model: every numbered line of the document as a tree of any depth, with
//! a diagnostic wherever a sequence breaks, and the document kind.
//!
//! Levels are found by a stack of numbering styles: a style already open continues (or
//! restarts) its level; a new style opens a level below every open style of a finer
//! conventional rank (一、 > （一） > 1./1、/一要 > （1） > 1） > ①). A number that does
//! not follow its predecessor is still read as an item, with a `sequence_break`
//! diagnostic, so nothing after it is lost. A label glued to a number that starts a name
//! (`11.121人才梯队项目`, `7.135工程`) is read as a label only when its number is the one
//! expected next.

use crate::structure::{self, Style};
use crate::text::{Line, View, is_cn_numeral, parse_cn_number};
use duban_core::{Diagnostic, DocKind, Item, Span};

/// A numbering style of the tree: the recogniser's styles plus 一要/二要.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Style(Style),
    /// 一要 / 二要, 一是 / 二是 at the start of a paragraph (news summaries, reports).
    Yao,
}

impl Mark {
    /// Conventional rank: smaller is outer.
    fn rank(self) -> u8 {
        match self {
            Mark::Style(Style::CnComma) => 0,
            Mark::Style(Style::CnParen) => 1,
            Mark::Yao | Mark::Style(Style::ArDot) | Mark::Style(Style::ArComma) => 2,
            Mark::Style(Style::ArParen) => 3,
            Mark::Style(Style::ArHalfParen) => 4,
            Mark::Style(Style::Circled) => 5,
        }
    }
}

/// A numbered line read for the tree.
#[derive(Debug, Clone, Copy)]
pub struct Label {
    pub mark: Mark,
    pub number: u32,
    pub label_end: usize,
    /// `11.121…`: only a label when `number` is the expected one.
    pub glued: bool,
}

/// Reads the label at the start of a line, including glued and 一要 labels.
pub fn label(view: &View, line: &Line) -> Option<Label> {
    let numbered = structure::classify(view, line)
        .map(|n| (n, false))
        .or_else(|| structure::classify_glued(view, line).map(|n| (n, true)));
    if let Some((n, glued)) = numbered {
        return Some(Label {
            mark: Mark::Style(n.style),
            number: n.number,
            label_end: n.label_end,
            glued,
        });
    }
    if let Some(l) = bare_label(view, line) {
        return Some(l);
    }
    yao(view, line.start, line.end).map(|(number, label_end)| Label {
        mark: Mark::Yao,
        number,
        label_end,
        glued: false,
    })
}

/// A Chinese label alone on its line (`（三）`, `四、`): a table cell whose heading is the
/// next cell (`（三）` / `合理用药`). The title is taken from the next line by `tree`.
fn bare_label(view: &View, line: &Line) -> Option<Label> {
    let (s, e) = view.trim(line.start, line.end);
    let t = view.norm_str(s, e);
    let (inner, style) = if let Some(x) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        (x, Style::CnParen)
    } else if let Some(x) = t.strip_suffix('、') {
        (x, Style::CnComma)
    } else {
        return None;
    };
    if inner.is_empty() || inner.chars().count() > 3 || !inner.chars().all(is_cn_numeral) {
        return None;
    }
    let number = u32::try_from(parse_cn_number(inner)?).ok()?;
    Some(Label {
        mark: Mark::Style(style),
        number,
        label_end: e,
        glued: false,
    })
}

/// `一要` / `二要` (or `一是` / `二是`) at `at`: the number and where the label ends; not
/// the words 要求, 要素, 要点, 是否 ….
pub fn yao(view: &View, at: usize, end: usize) -> Option<(u32, usize)> {
    let mut k = at;
    while k < end && k - at < 3 && is_cn_numeral(view.at(k)) {
        k += 1;
    }
    let mark = view.at(k);
    if k == at || !matches!(mark, '要' | '是') || k + 1 >= end {
        return None;
    }
    // 要求, 要素, 要点 …; 是否, 是指 …: words, not labels.
    let next = view.at(k + 1);
    if mark == '要' && matches!(next, '求' | '素' | '点' | '件' | '闻' | '务')
        || mark == '是' && matches!(next, '否' | '指' | '非' | '的')
    {
        return None;
    }
    let n = parse_cn_number(&view.norm_str(at, k))?;
    let n = u32::try_from(n).ok().filter(|n| (1..=30).contains(n))?;
    Some((n, k + 1))
}

/// One open level of the stack.
struct Open {
    mark: Mark,
    last: u32,
    item: usize,
}

/// The tree of numbered items and the diagnostics of its sequences. `line_of[i]` is the
/// line index of item `i`.
pub struct Tree {
    pub items: Vec<Item>,
    pub line_of: Vec<usize>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds the item tree over `lines`.
pub fn tree(view: &View, lines: &[Line]) -> Tree {
    let mut items: Vec<Item> = Vec::new();
    let mut line_of = Vec::new();
    let mut diagnostics = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // The last number of each mark anywhere (numbering that runs on across sections).
    let mut global: Vec<(Mark, u32)> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let Some(l) = label(view, line) else {
            // An address to the audience (各位代表，…) opens a new passage of the current
            // top-level section: the items under it are closed.
            let (s, _) = view.trim(line.start, line.end);
            if view.starts_with(s, "各位代表") {
                stack.truncate(1);
            }
            // Notes (注： / 说明：) stand apart from the items above them.
            let head = view.norm_str(s, line.end.min(s + 4));
            if ["注:", "说明:", "备注:"]
                .iter()
                .any(|w| head.starts_with(w))
            {
                stack.clear();
            }
            continue;
        };
        let open_at = stack.iter().rposition(|o| o.mark == l.mark);
        let global_last = global.iter().find(|(m, _)| *m == l.mark).map_or(0, |g| g.1);
        let expected_here = match open_at {
            Some(k) => stack[k].last + 1,
            None => 1,
        };
        let in_sequence =
            l.number == expected_here || (open_at.is_none() && l.number == global_last + 1);
        if l.glued && !in_sequence {
            continue;
        }
        let span_here = Span {
            start: line.start,
            end: l.label_end,
        };
        if !in_sequence {
            let message = if open_at.is_some() && l.number == 1 {
                format!(
                    "编号“{}”在同级内重新从1开始（上一项为{}），请核对层级",
                    label_text(view, line, &l),
                    expected_here - 1
                )
            } else {
                format!(
                    "编号“{}”不连续（此处应为{}），已按编号项读入，请核对",
                    label_text(view, line, &l),
                    if open_at.is_some() {
                        expected_here
                    } else {
                        global_last + 1
                    }
                )
            };
            diagnostics.push(Diagnostic {
                code: "sequence_break".into(),
                message,
                span: Some(span_here),
            });
        }
        match open_at {
            Some(k) => stack.truncate(k + 1),
            None => {
                while stack.last().is_some_and(|o| o.mark.rank() >= l.mark.rank()) {
                    stack.pop();
                }
            }
        }
        let parent = match open_at {
            Some(k) if k > 0 => Some(stack[k - 1].item),
            Some(_) => None,
            None => stack.last().map(|o| o.item),
        };
        let depth = match open_at {
            Some(k) => k,
            None => stack.len(),
        };
        let index = items.len();
        items.push(Item {
            label: label_text(view, line, &l),
            number: l.number,
            depth: u32::try_from(depth).unwrap_or(u32::MAX),
            parent,
            title: {
                let own = item_title(view, l.label_end, line.end);
                // A label alone on its line (a table cell): the next line is its heading.
                match lines[li + 1..].iter().find(|n| !n.is_blank()) {
                    Some(next) if own.is_empty() => item_title(view, next.start, next.end),
                    _ => own,
                }
            },
            span: Span {
                start: line.start,
                end: line.end,
            },
            task: None,
        });
        line_of.push(li);
        match open_at {
            Some(k) => {
                stack[k].last = l.number;
                stack[k].item = index;
            }
            None => stack.push(Open {
                mark: l.mark,
                last: l.number,
                item: index,
            }),
        }
        match global.iter_mut().find(|(m, _)| *m == l.mark) {
            Some(g) => g.1 = l.number,
            None => global.push((l.mark, l.number)),
        }
    }
    // An item's own text runs to the next item at any level.
    for (i, item) in items.iter_mut().enumerate() {
        let end = match line_of.get(i + 1) {
            Some(&next) => lines[next].raw_start,
            None => lines.last().map_or(0, |l| l.end),
        };
        let (_, e) = view.trim(item.span.start, end);
        item.span.end = e.max(item.span.start);
    }
    Tree {
        items,
        line_of,
        diagnostics,
    }
}

fn label_text(view: &View, line: &Line, l: &Label) -> String {
    view.orig(line.start, l.label_end).trim().to_string()
}

/// The item's heading: up to the first sentence break or colon, at most 40 chars.
fn item_title(view: &View, start: usize, end: usize) -> String {
    let mut e = start;
    while e < end && e - start < 40 && !matches!(view.at(e), '。' | ':' | ';' | '!' | '?') {
        e += 1;
    }
    let (s, e) = view.trim(start, e);
    view.orig(s, e)
}

/// Title words that name each kind, strongest first.
const KIND_WORDS: &[(&str, DocKind)] = &[
    ("任务分解", DocKind::TaskDivision),
    ("责任分解", DocKind::TaskDivision),
    ("任务分工", DocKind::TaskDivision),
    ("责任分工", DocKind::TaskDivision),
    ("分工方案", DocKind::TaskDivision),
    ("责任清单", DocKind::TaskDivision),
    ("任务清单", DocKind::TaskDivision),
    ("政府工作报告", DocKind::GovernmentReport),
    ("工作要点", DocKind::WorkPoints),
    ("要点", DocKind::WorkPoints),
    ("实施意见", DocKind::Implementation),
    ("行动计划", DocKind::Implementation),
    ("行动方案", DocKind::Implementation),
    ("实施方案", DocKind::Implementation),
    ("工作方案", DocKind::Implementation),
    ("工作计划", DocKind::Implementation),
    ("若干措施", DocKind::Implementation),
    ("政策措施", DocKind::Implementation),
    ("意见", DocKind::Implementation),
    ("方案", DocKind::Implementation),
    ("计划", DocKind::Implementation),
];

/// Words of a news report about a plan.
const NEWS_WORDS: &[&str] = &[
    "记者",
    "日前",
    "近日",
    "会议强调",
    "会议指出",
    "会议要求",
    "新华社",
];

/// The tree with the rows of a task table added: a row's number is a cell, not a label,
/// so the tree did not read it. Each row becomes an item under the nearest item above it
/// that the tree read (a category row `一、知识产权保护方面（共5项）`), in document order.
pub fn with_table_rows(
    view: &View,
    items: Vec<Item>,
    rows: &[crate::table::TaskSpan],
    categories: &[crate::table::CategoryRow],
) -> Vec<Item> {
    let known: std::collections::HashSet<usize> = items.iter().map(|i| i.span.start).collect();
    let mut merged: Vec<(Item, bool)> = items.into_iter().map(|i| (i, false)).collect();
    // Where the added category items start, to nest `（一）` categories under `一、` ones.
    let mut added_categories = std::collections::HashSet::new();
    // Category rows the tree did not read (their label is a cell after `|`).
    for c in categories {
        let line_start = {
            let mut k = c.label_start;
            while k > 0 && view.at(k - 1) != '\n' {
                k -= 1;
            }
            k
        };
        if known.contains(&c.label_start) || known.contains(&line_start) {
            continue;
        }
        added_categories.insert(c.label_start);
        merged.push((
            Item {
                label: view.orig(c.label_start, c.label_end).trim().to_string(),
                number: c.number,
                depth: 0,
                parent: None,
                title: item_title(view, c.heading_start, c.heading_end),
                span: Span {
                    start: c.label_start,
                    end: c.heading_end,
                },
                task: None,
            },
            false,
        ));
    }
    for row in rows {
        if known.contains(&row.label_start) {
            continue;
        }
        // The title: the first cell after the number (up to its line end).
        let (ts, _) = view.trim(row.body_start, row.end);
        let mut te = ts;
        while te < row.end && view.at(te) != '\n' {
            te += 1;
        }
        merged.push((
            Item {
                label: view.orig(row.label_start, row.label_end).trim().to_string(),
                number: row.number,
                depth: 0,
                parent: None,
                title: item_title(view, ts, te),
                span: Span {
                    start: row.label_start,
                    end: row.end,
                },
                task: None,
            },
            true,
        ));
    }
    // Old parent indices, to be remapped after sorting.
    let mut order: Vec<usize> = (0..merged.len()).collect();
    order.sort_by_key(|&i| (merged[i].0.span.start, merged[i].1));
    let mut new_of_old = vec![0usize; merged.len()];
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new;
    }
    let mut out: Vec<Item> = Vec::with_capacity(merged.len());
    let mut last_read: Option<usize> = None;
    // The last outer category (`一、…`) added from the table.
    let mut last_outer: Option<usize> = None;
    for &old in &order {
        let (mut item, is_row) = merged[old].clone();
        if is_row {
            item.parent = last_read;
            item.depth = last_read.map_or(0, |p| out[p].depth + 1);
        } else if added_categories.contains(&item.span.start) {
            // `（一）` under the `一、` category above it; `一、` at the top.
            let inner = item.label.starts_with(['(', '（']);
            item.parent = if inner { last_outer } else { None };
            item.depth = item.parent.map_or(0, |p| out[p].depth + 1);
            if !inner {
                last_outer = Some(out.len());
            }
            last_read = Some(out.len());
        } else {
            item.parent = item.parent.map(|p| new_of_old[p]);
            last_read = Some(out.len());
        }
        out.push(item);
    }
    out
}

/// Detects the document kind from its title (or opening lines) and its shape.
pub fn detect_kind(view: &View, lines: &[Line], title: &str, is_table: bool) -> Option<DocKind> {
    let opening: String = lines
        .iter()
        .filter(|l| !l.is_blank())
        .take(8)
        .map(|l| view.norm_str(l.start, l.end.min(l.start + 80)))
        .collect::<Vec<_>>()
        .join("\n");
    // A plan that divides a report's tasks (政府工作报告重点工作责任分工方案) is a division,
    // so the division words are looked for first.
    let word_kind = |source: &str| {
        KIND_WORDS
            .iter()
            .filter(|(_, k)| *k == DocKind::TaskDivision)
            .chain(KIND_WORDS.iter())
            .find(|(w, _)| source.contains(w))
            .map(|(_, k)| *k)
    };
    // 关于印发2022年区政府工作报告目标任务的通知: the report's tasks, divided.
    let divides_report = |t: &str| {
        t.contains("政府工作报告")
            && ["印发", "目标任务", "重点工作", "责任", "落实"]
                .iter()
                .any(|w| t.contains(w))
    };
    if divides_report(title) {
        return Some(DocKind::TaskDivision);
    }
    if let Some(k) = word_kind(title) {
        return Some(if is_table { DocKind::TaskDivision } else { k });
    }
    let head = view.len().min(3000);
    if view.find(0, head, "各位代表").is_some() && view.find(0, head, "报告").is_some() {
        return Some(DocKind::GovernmentReport);
    }
    if is_table {
        return Some(DocKind::TaskDivision);
    }
    let news = NEWS_WORDS.iter().any(|w| opening.contains(w));
    let yao_lines = lines
        .iter()
        .filter(|l| yao(view, l.start, l.end).is_some())
        .count();
    if news || yao_lines >= 2 && structure_free(view, lines) {
        return Some(DocKind::NewsSummary);
    }
    if is_division_list(view, lines) {
        return Some(DocKind::TaskDivision);
    }
    if let Some(k) = word_kind(&opening) {
        return Some(k);
    }
    if yao_lines >= 2 {
        return Some(DocKind::NewsSummary);
    }
    // A work notice (关于抓好…工作的通知) sets work to be done.
    if title.ends_with("工作的通知") {
        return Some(DocKind::Implementation);
    }
    // A work notice (关于开展…工作的通知) whose sections set tasks and measures.
    let work_sections = [
        "工作任务",
        "重点任务",
        "主要任务",
        "工作措施",
        "实施步骤",
        "工作步骤",
    ];
    if lines.iter().any(|l| {
        structure::classify(view, l).is_some() && {
            let head = view.norm_str(l.start, l.end.min(l.start + 12));
            work_sections.iter().any(|w| head.contains(w))
        }
    }) {
        return Some(DocKind::Implementation);
    }
    None
}

/// A list of measures each closed by its responsible units (`…。（商务部负责）`), with no
/// 总体要求 / 指导思想 / 基本原则 section of an implementation plan: a division of
/// responsibilities whatever its title says.
fn is_division_list(view: &View, lines: &[Line]) -> bool {
    let numbered: Vec<&Line> = lines
        .iter()
        .filter(|l| structure::classify(view, l).is_some())
        .collect();
    let framing = ["总体要求", "指导思想", "基本原则", "总体目标", "主要目标"];
    if numbered.iter().any(|l| {
        let head = view.norm_str(l.start, l.end.min(l.start + 12));
        framing.iter().any(|w| head.contains(w))
    }) {
        return false;
    }
    let closed = numbered
        .iter()
        .filter(|l| {
            let t = view.norm_str(l.start, l.end);
            let t = t.trim_end_matches(['。', ' ']);
            let Some(open) = t.rfind(['(', '（']) else {
                return false;
            };
            let last = &t[open..];
            (last.ends_with(')') || last.ends_with('）'))
                && (last.contains("负责") || last.contains("牵头"))
        })
        .count();
    closed >= 5 && closed * 3 >= numbered.len() * 2
}

/// No 一、 or 1. numbering at all (a 一要… summary).
fn structure_free(view: &View, lines: &[Line]) -> bool {
    !lines.iter().any(|l| structure::classify(view, l).is_some())
}

/// Inline 一要…二要… (or 一是…二是…, 第一，…第二，…) in running text, as `(number, label
/// start, label end)`, when they run 1, 2, 3… from the first; needs at least two. One mark
/// is read:
/// the one with the longer run (一是/二是 inside 一要 items are the items' own points). A
/// number may skip ahead by up to two (a gap, reported by [`inline_breaks`]); once the
/// run is open, a label followed by a word char (`六要务实`) still counts.
pub fn inline_sequence(view: &View, start: usize, end: usize) -> Vec<(u32, usize, usize)> {
    // The longest run; of equal runs, the one that starts first.
    let mut best: Vec<(u32, usize, usize)> = Vec::new();
    for mark in ['要', '是', '第'] {
        let run = inline_run(view, start, end, mark);
        if run.len() > best.len()
            || run.len() == best.len() && run.first().map(|x| x.1) < best.first().map(|x| x.1)
        {
            best = run;
        }
    }
    if best.len() >= 2 { best } else { Vec::new() }
}

/// The gaps of an inline run, as `sequence_break` diagnostics.
pub fn inline_breaks(view: &View, run: &[(u32, usize, usize)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut last = 0;
    for &(n, s, e) in run {
        if n != last + 1 {
            out.push(Diagnostic {
                code: "sequence_break".into(),
                message: format!(
                    "编号“{}”不连续（此处应为{}），已按编号项读入，请核对",
                    view.orig(s, e),
                    last + 1
                ),
                span: Some(Span { start: s, end: e }),
            });
        }
        last = n;
    }
    out
}

/// One run of labels with the mark `mark` (要 or 是).
fn inline_run(view: &View, start: usize, end: usize, mark: char) -> Vec<(u32, usize, usize)> {
    let mut found: Vec<(u32, usize, usize)> = Vec::new();
    let mut i = start;
    while i < end {
        let boundary = i == start
            || matches!(
                view.at(i.saturating_sub(1)),
                '。' | ';' | '\n' | ':' | '!' | ',' | ' ' | '　'
            );
        if boundary && mark == '第' && view.at(i) == '第' {
            let last = found.last().map_or(0, |x| x.0);
            if let Some((n, label_end)) = di_label(view, i, end)
                && (n == last + 1 || !found.is_empty() && n > last + 1 && n <= last + 3)
            {
                found.push((n, i, label_end));
                i = label_end;
                continue;
            }
        }
        if boundary && mark != '第' && is_cn_numeral(view.at(i)) {
            let last = found.last().map_or(0, |x| x.0);
            let label = yao(view, i, end).or_else(|| {
                // Inside an open run the word check is relaxed: 六要务实 is 六要.
                if found.is_empty() {
                    None
                } else {
                    yao_label(view, i, end)
                }
            });
            if let Some((n, label_end)) = label
                && view.at(label_end - 1) == mark
                && (n == last + 1 || !found.is_empty() && n > last + 1 && n <= last + 3)
            {
                found.push((n, i, label_end));
                i = label_end;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// `第一，` / `第二、` at `at` (a speech or news summary counting its points): the number
/// and where the label ends (after the comma). `第一批`, `第一次` are words, not labels.
fn di_label(view: &View, at: usize, end: usize) -> Option<(u32, usize)> {
    let mut k = at + 1;
    while k < end && k - at <= 3 && is_cn_numeral(view.at(k)) {
        k += 1;
    }
    if k == at + 1 || k >= end || !matches!(view.at(k), ',' | '、') {
        return None;
    }
    let n = parse_cn_number(&view.norm_str(at + 1, k))?;
    let n = u32::try_from(n).ok().filter(|n| (1..=30).contains(n))?;
    Some((n, k + 1))
}

/// `一要` / `二是` at `at` without the word check of [`yao`].
fn yao_label(view: &View, at: usize, end: usize) -> Option<(u32, usize)> {
    let mut k = at;
    while k < end && k - at < 3 && is_cn_numeral(view.at(k)) {
        k += 1;
    }
    if k == at || !matches!(view.at(k), '要' | '是') || k + 1 >= end {
        return None;
    }
    let n = parse_cn_number(&view.norm_str(at, k))?;
    let n = u32::try_from(n).ok().filter(|n| (2..=30).contains(n))?;
    Some((n, k + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_to_the_audience_closes_the_items_of_its_section() {
        let text = "一、回顾\n正文。\n二、今年工作\n（一）稳增长\n正文。\n（二）惠民生\n正文。\n各位代表，今年继续办好十方面民生实事：\n1.医疗卫生方面。\n2.养老帮困方面。\n三、政府建设\n";
        let view = View::new(text);
        let t = tree(&view, &view.lines());
        let one = t.items.iter().find(|i| i.label.starts_with('1')).unwrap();
        assert_eq!(t.items[one.parent.unwrap()].label, "二、");
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    }

    #[test]
    fn a_label_alone_on_its_line_is_an_item_titled_by_the_next_line() {
        let text = "一、医疗质量\n（一）功能定位\n1.门诊人次数\n（二）\n合理用药\n2.点评处方比例\n";
        let view = View::new(text);
        let t = tree(&view, &view.lines());
        let two = t.items.iter().position(|i| i.label == "（二）").unwrap();
        assert_eq!(t.items[two].title, "合理用药");
        assert_eq!(t.items[t.items[two].parent.unwrap()].label, "一、");
        let last = t.items.last().unwrap();
        assert_eq!(t.items[last.parent.unwrap()].label, "（二）");
        // Notes after 注： stand apart, without a sequence break.
        let text = format!("{text}注：\n1.考核应采用全部指标。\n2.标记的指标为监测指标。\n");
        let view = View::new(&text);
        let t = tree(&view, &view.lines());
        let note = t.items.last().unwrap();
        assert_eq!((note.label.as_str(), note.parent), ("2.", None));
    }

    #[test]
    fn table_rows_join_the_tree_under_their_category_row() {
        let text = "附件\n序号\n工作任务\n牵头单位\n一、产业方面\n1\n建平台\n市发改委\n2\n引项目\n市商务局\n";
        let view = View::new(text);
        let lines = view.lines();
        let t = tree(&view, &lines);
        let layout = crate::table::recognise_vertical(&view, &lines).unwrap();
        let items = with_table_rows(&view, t.items, &layout.tasks, &layout.categories);
        let labels: Vec<(&str, Option<&str>)> = items
            .iter()
            .map(|i| (i.label.as_str(), i.parent.map(|p| items[p].label.as_str())))
            .collect();
        assert_eq!(
            labels,
            vec![("一、", None), ("1", Some("一、")), ("2", Some("一、"))]
        );
        assert_eq!(items[2].title, "引项目");
    }

    #[test]
    fn a_list_of_measures_closed_by_units_is_a_division() {
        let mut text = String::from("关于加大激励支持力度的通知\n各省人民政府：\n");
        for (i, n) in ["一", "二", "三", "四", "五", "六"].iter().enumerate() {
            text.push_str(&format!(
                "{n}、对成效明显的地方给予支持{i}。（商务部、财政部负责）\n"
            ));
        }
        let view = View::new(&text);
        let lines = view.lines();
        assert_eq!(
            detect_kind(&view, &lines, "关于加大激励支持力度的通知", false),
            Some(DocKind::TaskDivision)
        );
        // A work notice whose sections set tasks is an implementation plan.
        let notice = "关于开展幼儿园治理工作的通知\n各省人民政府：\n一、充分认识意义\n正文。\n二、工作任务\n1.严格配建。正文。\n2.如期移交。正文。\n";
        let v = View::new(notice);
        assert_eq!(
            detect_kind(&v, &v.lines(), "关于开展幼儿园治理工作的通知", false),
            Some(DocKind::Implementation)
        );
        let v = View::new("关于抓好文件贯彻落实工作的通知\n一、充分认识意义\n正文。\n");
        assert_eq!(
            detect_kind(&v, &v.lines(), "关于抓好文件贯彻落实工作的通知", false),
            Some(DocKind::Implementation)
        );
        // Titled as 若干措施, the same list is an implementation plan.
        assert_eq!(
            detect_kind(
                &view,
                &lines,
                "国务院关于支持自由贸易试验区深化改革创新若干措施的通知",
                false
            ),
            Some(DocKind::Implementation)
        );
        // The same items under an implementation plan's 总体要求 are not a division list.
        let text = format!("一、总体要求\n{}", text.replace("一、", "七、"));
        let view = View::new(&text);
        assert!(!is_division_list(&view, &view.lines()));
    }

    fn shape(text: &str) -> (Vec<(String, u32, Option<usize>)>, usize) {
        let view = View::new(text);
        let lines = view.lines();
        let t = tree(&view, &lines);
        (
            t.items
                .iter()
                .map(|i| (i.label.clone(), i.depth, i.parent))
                .collect(),
            t.diagnostics.len(),
        )
    }

    #[test]
    fn tree_of_any_depth_with_running_numbers() {
        let text = "意见\n一、总体目标\n1.目标。增长。\n二、计划\n（一）产业\n2.项目。\n（1）子项\n（2）子项\n①细项\n3.项目。\n11.121工程不是标签\n4.项目\n（二）科技\n5.项目\n三、保障\n6.加强";
        let (items, diags) = shape(text);
        let want: Vec<(&str, u32, Option<usize>)> = vec![
            ("一、", 0, None),
            ("1.", 1, Some(0)),
            ("二、", 0, None),
            ("（一）", 1, Some(2)),
            ("2.", 2, Some(3)),
            ("（1）", 3, Some(4)),
            ("（2）", 3, Some(4)),
            ("①", 4, Some(6)),
            ("3.", 2, Some(3)),
            ("4.", 2, Some(3)),
            ("（二）", 1, Some(2)),
            ("5.", 2, Some(10)),
            ("三、", 0, None),
            ("6.", 1, Some(12)),
        ];
        let got: Vec<(&str, u32, Option<usize>)> =
            items.iter().map(|(l, d, p)| (l.as_str(), *d, *p)).collect();
        assert_eq!(got, want);
        assert_eq!(diags, 0);
    }

    #[test]
    fn glued_label_in_sequence_is_read_and_breaks_are_diagnosed() {
        let (items, diags) = shape("方案\n1.项目\n2.121人才梯队项目\n3.项目\n6.项目\n7.项目");
        let labels: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(labels, ["1.", "2.", "3.", "6.", "7."]);
        assert_eq!(diags, 1);
    }

    #[test]
    fn yao_items() {
        let (items, _) = shape("会议要求\n一要抓好落实。\n二要强化保障。\n要求如下");
        let labels: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(labels, ["一要", "二要"]);
        let text = "会议强调，一要抓项目。二要优环境。三要惠民生。";
        let view = View::new(text);
        let seq = inline_sequence(&view, 0, view.len());
        assert_eq!(seq.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn kinds_from_titles() {
        let kind = |t: &str| {
            let view = View::new(t);
            let lines = view.lines();
            detect_kind(&view, &lines, t.lines().next().unwrap_or(""), false)
        };
        assert_eq!(
            kind("2025年浙江省政府工作报告\n各位代表："),
            Some(DocKind::GovernmentReport)
        );
        assert_eq!(
            kind("2023年全市重点工作任务分解方案"),
            Some(DocKind::TaskDivision)
        );
        assert_eq!(
            kind("2023年政府工作报告重点工作责任分工方案"),
            Some(DocKind::TaskDivision)
        );
        assert_eq!(kind("2021年数字经济工作要点"), Some(DocKind::WorkPoints));
        assert_eq!(
            kind("关于印发2022年区政府工作报告目标任务的通知"),
            Some(DocKind::TaskDivision)
        );
        assert_eq!(
            kind("关于推进人才集聚工程的实施意见"),
            Some(DocKind::Implementation)
        );
        assert_eq!(kind("杂项\n一些文字"), None);
    }
}
