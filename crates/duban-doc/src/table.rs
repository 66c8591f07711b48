//! The layout a plan resolves to (pillars and task regions), from either the numbered-line
//! recogniser (`structure`) or a task table flattened to lines: a header row such as
//! `序号 ⇥ 重点任务 ⇥ 牵头单位 ⇥ 配合单位 ⇥ 完成时限`, one tab-separated row per task, and
//! pillar rows of a single cell between them.

use crate::structure::Skeleton;
use crate::text::{Line, View, parse_cn_number};
use crate::units::{self, Units};

/// Pillars and task regions, as char offsets into the plan text.
#[derive(Debug, Default)]
pub struct Layout {
    pub pillars: Vec<PillarOut>,
    pub tasks: Vec<TaskSpan>,
    pub restarts: bool,
    /// Category rows of a table (`| 一、扩大有效投资 | | |`, `| 一 | 扩大有效投资 | |`):
    /// items of the tree, parents of the rows below them.
    pub categories: Vec<CategoryRow>,
    /// Sequence breaks found while reading table rows.
    pub diagnostics: Vec<duban_core::Diagnostic>,
}

/// A category row of a task table.
#[derive(Debug)]
pub struct CategoryRow {
    pub label_start: usize,
    pub label_end: usize,
    pub number: u32,
    /// The category's name (the cell after the label).
    pub heading_start: usize,
    pub heading_end: usize,
}

#[derive(Debug)]
pub struct PillarOut {
    pub heading: String,
    pub subtitle: Option<String>,
    pub start: usize,
}

#[derive(Debug)]
pub struct TaskSpan {
    pub number: u32,
    pub label_start: usize,
    pub label_end: usize,
    /// Where the title and text start (after the label).
    pub body_start: usize,
    pub end: usize,
    pub pillar: Option<usize>,
    /// For table rows: the unit columns.
    pub unit_cells: Option<UnitCells>,
}

/// The unit columns of one table row.
#[derive(Debug)]
pub struct UnitCells {
    pub lead: Option<(usize, usize)>,
    /// The lead column is 责任单位: the first unit leads.
    pub responsible: bool,
    pub co: Option<(usize, usize)>,
    /// The 完成时限 cell.
    pub deadline: Option<(usize, usize)>,
}

impl UnitCells {
    pub fn units(&self, view: &View) -> Units {
        let cell =
            |r: Option<(usize, usize)>| r.map(|(s, e)| (view.norm_str(s, e), view.orig(s, e)));
        units::from_cells(cell(self.lead), self.responsible, cell(self.co))
    }
}

impl Layout {
    /// Where the structured part of the document starts.
    pub fn first_offset(&self) -> usize {
        let p = self.pillars.iter().map(|p| p.start);
        let t = self.tasks.iter().map(|t| t.label_start);
        p.chain(t).min().unwrap_or(0)
    }

    /// Tasks from labels inside running text (`一要…二要…`): each runs to the next label,
    /// the last to the end of its paragraph.
    pub fn from_inline(view: &View, labels: Vec<(u32, usize, usize)>) -> Layout {
        let tasks = labels
            .iter()
            .enumerate()
            .map(|(k, &(number, start, label_end))| {
                let end = match labels.get(k + 1) {
                    Some(next) => next.1,
                    None => {
                        let mut e = label_end;
                        while e < view.len() && view.at(e) != '\n' {
                            e += 1;
                        }
                        e
                    }
                };
                TaskSpan {
                    number,
                    label_start: start,
                    label_end,
                    body_start: label_end,
                    end,
                    pillar: None,
                    unit_cells: None,
                }
            })
            .collect();
        Layout {
            pillars: Vec::new(),
            tasks,
            restarts: false,
            categories: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    pub fn from_skeleton(view: &View, lines: &[Line], sk: Skeleton) -> Layout {
        // Every line where a new block starts, to end the task before it.
        let mut bounds: Vec<usize> = sk.tasks.iter().map(|t| t.line).collect();
        bounds.extend(sk.boundaries.iter().copied());
        bounds.sort_unstable();
        let doc_end = trailing_block_start(view, lines);
        let pillars = sk
            .pillars
            .iter()
            .map(|p| {
                let line = &lines[p.line];
                PillarOut {
                    heading: heading_text(view, p.text_start, line.end),
                    subtitle: p
                        .subtitle_line
                        .map(|s| view.orig(lines[s].start, lines[s].end)),
                    start: line.start,
                }
            })
            .collect();
        let tasks = sk
            .tasks
            .iter()
            .map(|t| {
                let line = &lines[t.line];
                let next = bounds.get(bounds.partition_point(|&b| b <= t.line));
                let end = match next {
                    Some(&b) => lines[b].raw_start,
                    None => doc_end.max(line.end),
                };
                TaskSpan {
                    number: t.number,
                    label_start: line.start,
                    label_end: t.label_end,
                    body_start: t.label_end,
                    end,
                    pillar: t.pillar,
                    unit_cells: None,
                }
            })
            .collect();
        Layout {
            pillars,
            tasks,
            restarts: sk.restarts,
            categories: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// A pillar heading's text: up to the first sentence or colon break, without trailing
/// punctuation.
fn heading_text(view: &View, start: usize, end: usize) -> String {
    let mut e = start;
    while e < end && !matches!(view.at(e), '。' | ';' | ':') {
        e += 1;
    }
    let (s, e) = view.trim(start, e);
    view.orig(s, e)
}

/// Where a closing signature block starts (issuer lines over a date at the very end, then
/// notes such as （此件公开发布）), or the end of the text. A closing instruction to the
/// units just above the signature (各有关部门…于12月31日前报送…) goes with it: it
/// addresses every unit, not the last task.
fn trailing_block_start(view: &View, lines: &[Line]) -> usize {
    let nonblank: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_blank()).collect();
    let text = |i: usize| view.norm_str(lines[i].start, lines[i].end);
    let mut k = nonblank.len();
    while k > 0 && crate::meta::is_closing_note(&text(nonblank[k - 1])) {
        k -= 1;
    }
    if k == 0 || !crate::meta::is_date_line(view, &lines[nonblank[k - 1]]) {
        return view.len();
    }
    k -= 1;
    let mut start = lines[nonblank[k]].raw_start;
    // Up to six signing organs, one per line.
    let mut signers = 0;
    while k > 0 && signers < 6 {
        let prev = &lines[nonblank[k - 1]];
        let t = text(nonblank[k - 1]);
        if prev.len() > 30
            || t.contains(['。', ':', '、', ',', ';'])
            || !crate::meta::looks_like_org(t.trim())
        {
            break;
        }
        k -= 1;
        signers += 1;
        start = prev.raw_start;
    }
    if signers == 0
        && k > 0
        && lines[nonblank[k - 1]].len() <= 30
        && !text(nonblank[k - 1]).contains('。')
    {
        k -= 1;
        start = lines[nonblank[k]].raw_start;
    }
    if k > 0 {
        let t = text(nonblank[k - 1]);
        let to_all = ["各地区", "各有关部门", "各部门", "各地", "各单位", "各级"]
            .iter()
            .any(|w| t.starts_with(w));
        if to_all
            && ["报送", "报告", "抄送", "请示"]
                .iter()
                .any(|w| t.contains(w))
        {
            start = lines[nonblank[k - 1]].raw_start;
        }
    }
    start
}

/// A cell of a tab-separated row: `[start, end)`, trimmed.
fn cells(view: &View, line: &Line) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = line.start;
    for k in line.start..=line.end {
        if k == line.end || matches!(view.at(k), '\t' | '|') {
            out.push(view.trim(s, k));
            s = k + 1;
        }
    }
    out
}

/// Column roles from a header row.
struct Columns {
    /// How many cells the header has.
    width: usize,
    number: usize,
    content: usize,
    /// A second text column right after the content (重点任务 ⇥ 具体举措): the row's task
    /// is both cells, or the detail alone under a content cell merged over several rows.
    detail: Option<usize>,
    /// A name column right before the content (项目名称 ⇥ 建设内容): the task's title.
    name: Option<usize>,
    lead: Option<usize>,
    responsible: bool,
    co: Option<usize>,
    /// A column that reports on the task (进展情况, 完成情况): not the task, no targets.
    progress: Option<usize>,
    /// The completion time (完成时限, 时间节点).
    deadline: Option<usize>,
}

/// Whether a column name states the completion time.
fn is_deadline_column(name: &str) -> bool {
    [
        "时限",
        "完成时间",
        "时间节点",
        "时间要求",
        "完成期限",
        "起止年限",
        "建设年限",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// Whether a column name reports on the task rather than states it.
fn is_progress_column(name: &str) -> bool {
    ["进展", "完成情况", "落实情况", "推进情况", "执行情况"]
        .iter()
        .any(|w| name.contains(w))
}

/// A header cell's name as matched: spaced-out letters (`主 要 工 作 任 务`) and a line
/// break inside the cell (`责任<br>单位`) joined.
fn column_name(view: &View, (s, e): (usize, usize)) -> String {
    view.norm_str(s, e)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn header(view: &View, line: &Line) -> Option<Columns> {
    let cs = cells(view, line);
    if cs.len() < 3 {
        return None;
    }
    let names: Vec<String> = cs.iter().map(|&c| column_name(view, c)).collect();
    columns_from_names(&names)
}

/// A header over two rows: a spanning `责任单位` cell over `牵头单位` / `配合单位` on the
/// next line. The second line's names replace the spanning one.
fn two_row_header(view: &View, first: &Line, second: &Line) -> Option<Columns> {
    let names: Vec<String> = cells(view, first)
        .iter()
        .map(|&c| column_name(view, c))
        .collect();
    let subs: Vec<String> = cells(view, second)
        .iter()
        .map(|&c| column_name(view, c))
        .filter(|n| !n.is_empty())
        .collect();
    let unit_word = |n: &str| {
        ["牵头", "配合", "协同", "参与", "协助", "责任"]
            .iter()
            .any(|w| n.contains(w))
    };
    if subs.len() < 2
        || subs.len() > 4
        || !subs.iter().all(|n| n.chars().count() <= 8 && unit_word(n))
    {
        return None;
    }
    let span = names.iter().position(|n| {
        n.contains("责任单位") || n.contains("责任部门") || n == "单位" || n.contains("责任分工")
    })?;
    let mut merged: Vec<String> = names[..span].to_vec();
    merged.extend(subs);
    merged.extend(names[span + 1..].iter().cloned());
    columns_from_names(&merged)
}

fn columns_from_names(names: &[String]) -> Option<Columns> {
    let cs = names;
    let number = names.iter().position(|n| n == "序号" || n == "编号")?;
    let content = names.iter().position(|n| {
        ["任务", "工作", "内容", "措施", "事项"]
            .iter()
            .any(|k| n.contains(k))
            && !n.contains("单位")
            && !n.contains("部门")
    })?;
    // 牵头市领导 / 责任领导 / 分管领导 name leaders, not units.
    let leader = |n: &str| n.contains("领导");
    let lead = names.iter().position(|n| {
        !leader(n)
            && (n.contains("牵头")
                || n.contains("责任单位")
                || n.contains("责任部门")
                || n.contains("负责"))
    });
    let co = names
        .iter()
        .position(|n| {
            !leader(n)
                && (n.contains("配合")
                    || n.contains("参与")
                    || n.contains("协同")
                    || n.contains("协助"))
        })
        // 牵头单位 beside 责任单位: the 责任单位 share the work.
        .or_else(|| {
            let l = lead?;
            if !names[l].contains("牵头") {
                return None;
            }
            names.iter().enumerate().position(|(k, n)| {
                k != l && !leader(n) && (n.contains("责任单位") || n.contains("责任部门"))
            })
        });
    let responsible = lead.is_some_and(|l| names[l].contains("责任"));
    let detail = Some(content + 1).filter(|&k| {
        names.get(k).is_some_and(|n| {
            [
                "举措", "措施", "内容", "目标", "指标", "任务", "工作", "具体",
            ]
            .iter()
            .any(|w| n.contains(w))
                && !["单位", "部门", "领导", "牵头", "配合", "责任"]
                    .iter()
                    .any(|w| n.contains(w))
                && !is_progress_column(n)
                && !is_deadline_column(n)
        })
    });
    let name = content
        .checked_sub(1)
        .filter(|&k| k != number && (names[k].contains("名称") || names[k] == "项目"));
    Some(Columns {
        width: cs.len(),
        number,
        content,
        detail,
        name,
        lead,
        responsible,
        co,
        progress: names.iter().position(|n| is_progress_column(n)),
        deadline: names.iter().position(|n| is_deadline_column(n)),
    })
}

/// Recognises a task table; `None` when the document is not one.
pub fn recognise(view: &View, lines: &[Line]) -> Option<Layout> {
    let (mut h, mut cols) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| header(view, l).map(|c| (i, c)))?;
    // A second header row under a spanning 责任单位 cell.
    if let Some(next) = (h + 1..lines.len()).find(|&k| !lines[k].is_blank())
        && let Some(c) = two_row_header(view, &lines[h], &lines[next])
    {
        cols = c;
        h = next;
    }
    let mut layout = Layout::default();
    let mut last = 0u32;
    for line in &lines[h + 1..] {
        if line.is_blank() {
            continue;
        }
        let mut cs = cells(view, line);
        let non_empty = cs.iter().filter(|(s, e)| e > s).count();
        let parse_number = |cs: &[(usize, usize)]| {
            cs.get(cols.number).copied().and_then(|(s, e)| {
                let t = view.norm_str(s, e);
                // 1, 1., 1、, (1)
                let t = t.trim_end_matches(['.', '、']).trim_matches(['(', ')']);
                t.parse::<u32>()
                    .ok()
                    .or_else(|| parse_cn_number(t).and_then(|n| u32::try_from(n).ok()))
            })
        };
        let mut number = parse_number(&cs);
        // A row under a category cell spanning several rows (`rowspan`) lacks the leading
        // cells: its cells are shifted right by what is missing.
        if number.is_none() && cs.len() < cols.width && cols.number > 0 {
            let shift = (cols.width - cs.len()).min(cols.number);
            let mut shifted = vec![(line.start, line.start); shift];
            shifted.extend(cs.iter().copied());
            if let Some(n) = parse_number(&shifted) {
                number = Some(n);
                cs = shifted;
            }
        }
        let num_cell = cs.get(cols.number).copied();
        let cell = |i: Option<usize>| i.and_then(|i| cs.get(i).copied()).filter(|(s, e)| e > s);
        // `| 一 | 扩大有效投资 | | |`: a Chinese numeral in the number column, a short name
        // and no units is a category row, not a task.
        if let (Some(n), Some((ns, ne)), Some((hs, he))) =
            (number, num_cell, cell(Some(cols.content)))
            && view
                .norm_str(ns, ne)
                .trim_end_matches(['.', '、'])
                .chars()
                .all(crate::text::is_cn_numeral)
            && cell(cols.lead).is_none()
            && cell(cols.co).is_none()
            && he - hs <= 30
            && !view.norm_str(hs, he).contains('。')
        {
            layout.pillars.push(PillarOut {
                heading: view.orig(hs, he),
                subtitle: None,
                start: line.start,
            });
            layout.categories.push(CategoryRow {
                label_start: ns,
                label_end: ne,
                number: n,
                heading_start: hs,
                heading_end: he,
            });
            continue;
        }
        let body = match (cell(Some(cols.content)), cell(cols.detail)) {
            (Some((s, _)), Some((_, e))) => Some((s, e)),
            (content, detail) => content.or(detail),
        };
        let body = match (cell(cols.name), body) {
            (Some((s, _)), Some((_, e))) => Some((s, e)),
            (name, body) => body.or(name),
        };
        if let (Some(n), Some((cs_s, cs_e))) = (number, body) {
            // A number out of sequence (a row missing from the copy, a typo) is still a
            // row: the break is reported, the rest of the table is not lost.
            if n != last + 1 && n != 1 {
                layout.diagnostics.push(duban_core::Diagnostic {
                    code: "sequence_break".into(),
                    message: format!(
                        "表格序号“{}”不连续（此处应为{}），已按任务行读入，请核对",
                        view.orig(
                            num_cell.map_or(cs_s, |c| c.0),
                            num_cell.map_or(cs_s, |c| c.1)
                        ),
                        last + 1
                    ),
                    span: num_cell.map(|(s, e)| duban_core::Span { start: s, end: e }),
                });
                // A repeated or backward number: tasks are numbered by position so that
                // numbers stay unique.
                if n <= last {
                    layout.restarts = true;
                }
            }
            if n == 1 && last != 0 {
                layout.restarts = true;
            }
            last = n;
            // The first row under a spanning category cell: the category is a pillar.
            if cols.number > 0
                && let Some((gs, ge)) = cell(Some(0))
                && ge - gs <= 30
                && view.norm_str(gs, ge).parse::<u32>().is_err()
            {
                let heading = view.orig(gs, ge);
                if layout.pillars.last().is_none_or(|p| p.heading != heading) {
                    layout.pillars.push(PillarOut {
                        heading,
                        subtitle: None,
                        start: line.start,
                    });
                }
            }
            let (ls, le) = num_cell.unwrap_or((cs_s, cs_s));
            layout.tasks.push(TaskSpan {
                number: n,
                label_start: ls,
                label_end: le,
                body_start: cs_s,
                end: cs_e,
                pillar: layout.pillars.len().checked_sub(1),
                unit_cells: Some(UnitCells {
                    lead: cell(cols.lead),
                    responsible: cols.responsible,
                    co: cell(cols.co),
                    deadline: cell(cols.deadline),
                }),
            });
        } else if non_empty >= 2
            && header(view, line).is_none()
            && !cs.iter().all(|&(s, e)| {
                view.norm_str(s, e)
                    .chars()
                    .all(|c| matches!(c, '-' | ':' | ' ' | '—'))
            })
            && let Some(prev) = layout.tasks.last_mut()
        {
            // A row without a number under a task (its cells merged over two rows, a
            // second line of units): part of the task above, so its text is not lost.
            prev.end = prev.end.max(line.end);
        } else if non_empty == 1 && line.len() <= 40 {
            let &(s, e) = cs.iter().find(|(s, e)| e > s)?;
            let text = view.norm_str(s, e);
            if text.contains('。') {
                continue;
            }
            // 一、着力谋规划促改革: drop the label.
            let label_end = text
                .char_indices()
                .find(|&(_, c)| c == '、' || c == ')')
                .filter(|&(i, _)| i <= 12)
                .map_or(0, |(i, c)| text[..i + c.len_utf8()].chars().count());
            let (hs, he) = view.trim(s + label_end, e);
            layout.pillars.push(PillarOut {
                heading: view.orig(hs, he),
                subtitle: None,
                start: line.start,
            });
            let label: String = text.chars().take(label_end).collect();
            let numeral = label.trim_matches(['、', ')', '(']);
            if label_end > 0
                && let Some(n) = parse_cn_number(numeral).and_then(|n| u32::try_from(n).ok())
            {
                layout.categories.push(CategoryRow {
                    label_start: s,
                    label_end: s + label_end,
                    number: n,
                    heading_start: hs,
                    heading_end: he,
                });
            }
        }
    }
    (!layout.tasks.is_empty()).then_some(layout)
}

/// The most columns a one-cell-per-line header can have.
const VERTICAL_MAX_COLUMNS: usize = 8;

/// A header written one cell per line (`序号` / `工作任务` / `牵头单位` / `配合单位`, a table
/// pasted from a web page or a PDF): the column names, from the `序号` line on.
fn vertical_header(view: &View, lines: &[Line], nb: &[usize], at: usize) -> Option<Columns> {
    // Header cells are often spaced out for layout: `主 要 内 容`.
    let name = |k: usize| {
        let l = &lines[nb[k]];
        view.norm_str(l.start, l.end).replace([' ', '　'], "")
    };
    let first = name(at);
    if first != "序号" && first != "编号" {
        return None;
    }
    let mut names = vec![first];
    for k in at + 1..nb.len().min(at + VERTICAL_MAX_COLUMNS) {
        let n = name(k);
        // A row number or a category row (一、知识产权保护方面) ends the header.
        if n.chars().count() > 16
            || n.chars().all(|c| c.is_ascii_digit())
            || n.contains(['、', '(', '（'])
        {
            break;
        }
        names.push(n);
    }
    let content = names.iter().position(|n| {
        [
            "任务", "工作", "内容", "措施", "举措", "事项", "目标", "指标",
        ]
        .iter()
        .any(|k| n.contains(k))
            && !n.contains("单位")
            && !n.contains("部门")
    })?;
    // The header ends where the content column's header is followed by unit columns.
    let lead = names.iter().position(|n| {
        !n.contains("领导")
            && [
                "牵头",
                "责任单位",
                "责任部门",
                "指导部门",
                "主管部门",
                "负责部门",
                "责任处室",
            ]
            .iter()
            .any(|w| n.contains(w))
    });
    let co = names.iter().position(|n| {
        !n.contains("领导") && (n.contains("配合") || n.contains("参与") || n.contains("协同"))
    });
    let mut last = lead.into_iter().chain(co).chain([content]).max()?;
    // Further short column names (推广范围, 完成时限, 备注) belong to the header too.
    while last + 1 < names.len() && names[last + 1].chars().count() <= 8 {
        last += 1;
    }
    names.truncate(last + 1);
    let responsible = lead.is_some_and(|l| names[l].contains("责任"));
    Some(Columns {
        width: names.len(),
        number: names.len(),
        content,
        detail: None,
        name: None,
        lead,
        responsible,
        co,
        progress: names.iter().position(|n| is_progress_column(n)),
        deadline: names.iter().position(|n| is_deadline_column(n)),
    })
}

/// Recognises task tables flattened one cell per line: a header of cell lines (see
/// `vertical_header`), then rows that each start with a line holding only the next number.
/// Cells are matched to columns by position when the row has all of them; otherwise (an
/// empty cell, a cell broken over lines) a line goes to a unit column only if it reads as
/// a list of units, else it continues the task text. With two or more tables, the caption
/// line above each header becomes a pillar. `None` when fewer than two rows are found.
pub fn recognise_vertical(view: &View, lines: &[Line]) -> Option<Layout> {
    let nb: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_blank()).collect();
    let bare_number = |k: usize| -> Option<u32> {
        let l = &lines[*nb.get(k)?];
        let t = view.norm_str(l.start, l.end);
        let t = t.trim_end_matches(['.', '、']);
        (t.len() <= 3 && !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let mut layout = Layout::default();
    let mut tables = Vec::new(); // (caption line, first task index)
    let mut k = 0;
    while k < nb.len() {
        let Some(cols) = vertical_header(view, lines, &nb, k) else {
            k += 1;
            continue;
        };
        let caption = k.checked_sub(1).map(|c| nb[c]);
        tables.push((caption, layout.tasks.len()));
        let width = cols.number; // names kept
        k += width;
        let mut expect = 1u32;
        // A category row (一、知识产权保护方面（共5项）) between rows becomes a pillar once
        // a row follows it; rows under a category may skip numbers a portal left out.
        let category = |k: usize| {
            nb.get(k).is_some_and(|&i| {
                let l = &lines[i];
                l.len() <= 40
                    && !view.norm_str(l.start, l.end).contains('。')
                    && crate::structure::classify(view, l)
                        .is_some_and(|n| n.style == crate::structure::Style::CnComma)
            })
        };
        let mut pending: Option<usize> = None;
        let mut current: Option<usize> = None;
        // The row before had all its cells: a number right after it opens a row even when
        // it skips (a row missing from the copy), with a diagnostic.
        let mut last_full = false;
        loop {
            let mut after_category = false;
            while category(k) {
                pending = Some(nb[k]);
                after_category = true;
                k += 1;
            }
            let number = match bare_number(k) {
                Some(n)
                    if n == expect
                        || (after_category && n > expect && n <= expect + 20)
                        || (last_full && n > expect && n <= expect + 3) =>
                {
                    n
                }
                _ => break,
            };
            if number != expect {
                let l = &lines[nb[k]];
                layout.diagnostics.push(duban_core::Diagnostic {
                    code: "sequence_break".into(),
                    message: format!(
                        "表格序号“{}”不连续（此处应为{}），已按任务行读入，请核对",
                        view.orig(l.start, l.end).trim(),
                        expect
                    ),
                    span: Some(duban_core::Span {
                        start: l.start,
                        end: l.end,
                    }),
                });
            }
            if let Some(c) = pending.take() {
                let l = &lines[c];
                current = Some(layout.pillars.len());
                layout.pillars.push(PillarOut {
                    heading: view.orig(l.start, l.end),
                    subtitle: None,
                    start: l.start,
                });
            }
            expect = number;
            let label = &lines[nb[k]];
            // Cells: up to the next row number, the next header or `width - 1` lines.
            let mut cells = Vec::new();
            let mut j = k + 1;
            while j < nb.len()
                && cells.len() < width - 1
                && bare_number(j) != Some(expect + 1)
                && !category(j)
                && vertical_header(view, lines, &nb, j).is_none()
            {
                cells.push(nb[j]);
                j += 1;
            }
            if cells.is_empty() {
                break;
            }
            let unit_like = |i: usize| {
                let l = &lines[i];
                let t = view.norm_str(l.start, l.end);
                t.chars().count() <= 80
                    && !t.contains('。')
                    && t.split(['、', ',', '，'])
                        .map(|n| n.trim().trim_end_matches('等'))
                        .all(crate::units::looks_like_unit)
            };
            let positional = cells.len() == width - 1;
            last_full = positional;
            let mut content_end = lines[cells[0]].end;
            let (mut lead, mut co, mut deadline) = (None, None, None);
            // Column of each remaining cell: by position, or the next free unit column.
            let unit_cols: Vec<usize> = cols.lead.into_iter().chain(cols.co).collect();
            let mut free = unit_cols.iter().copied().filter(|&c| c > cols.content);
            for (n, &ci) in cells.iter().enumerate().skip(1) {
                let column = if positional {
                    Some(cols.content + n).filter(|c| unit_cols.contains(c))
                } else if unit_like(ci) {
                    free.next()
                } else {
                    None
                };
                let span = Some((lines[ci].start, lines[ci].end));
                // In a full row, the cell under 进展情况 reports on the task: left out; the
                // one under 完成时限 is its deadline.
                let progress = positional && Some(cols.content + n) == cols.progress;
                if positional && Some(cols.content + n) == cols.deadline {
                    deadline = span;
                    continue;
                }
                match column {
                    Some(c) if Some(c) == cols.lead => lead = span,
                    Some(c) if Some(c) == cols.co => co = span,
                    Some(_) => {}
                    None if progress => {}
                    None if !positional || n == 1 => content_end = lines[ci].end,
                    None => {}
                }
            }
            if expect == 1 && !layout.tasks.is_empty() {
                layout.restarts = true;
            }
            layout.tasks.push(TaskSpan {
                number: expect,
                label_start: label.start,
                label_end: label.end,
                body_start: lines[cells[0]].start,
                end: content_end,
                pillar: current,
                unit_cells: Some(UnitCells {
                    lead,
                    responsible: cols.responsible,
                    co,
                    deadline,
                }),
            });
            expect += 1;
            k = j;
        }
    }
    if layout.tasks.len() < 2 {
        return None;
    }
    if tables.len() >= 2 && layout.pillars.is_empty() {
        for (t, &(caption, first)) in tables.iter().enumerate() {
            let last = tables.get(t + 1).map_or(layout.tasks.len(), |n| n.1);
            let Some(c) = caption.filter(|_| last > first) else {
                continue;
            };
            let l = &lines[c];
            if l.len() > 40 || view.norm_str(l.start, l.end).contains('。') {
                continue;
            }
            let p = layout.pillars.len();
            layout.pillars.push(PillarOut {
                heading: view.orig(l.start, l.end),
                subtitle: None,
                start: l.start,
            });
            for task in &mut layout.tasks[first..last] {
                task.pillar = Some(p);
            }
        }
    }
    Some(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_table_with_category_rows_spaced_headers_and_omitted_rows() {
        let text = "推广清单\n序号\n改革举措\n主 要 内 容\n指导部门\n推广范围\n一、知识产权保护方面（共2项）\n1\n三合一审判\n整合审判资源。\n最高人民法院、国家知识产权局\n全国\n2\n专利保险机制\n开发保险产品。\n国家知识产权局\n全国\n二、军民深度融合方面（共3项）\n三、管理体制创新方面（共1项）\n6\n高校自主评审\n允许自主开展职称评审。\n教育部\n8个改革试验区域\n";
        let view = View::new(text);
        let lines = view.lines();
        let layout = recognise_vertical(&view, &lines).expect("a table");
        let numbers: Vec<u32> = layout.tasks.iter().map(|t| t.number).collect();
        assert_eq!(numbers, vec![1, 2, 6]);
        let headings: Vec<&str> = layout.pillars.iter().map(|p| p.heading.as_str()).collect();
        assert_eq!(
            headings,
            vec![
                "一、知识产权保护方面（共2项）",
                "三、管理体制创新方面（共1项）"
            ]
        );
        assert_eq!(layout.tasks[2].pillar, Some(1));
        let lead = layout.tasks[0].unit_cells.as_ref().unwrap().lead.unwrap();
        assert_eq!(view.orig(lead.0, lead.1), "最高人民法院、国家知识产权局");
        // The 推广范围 cell stays in its row: the next row is still found.
        assert_eq!(layout.tasks.len(), 3);
    }

    #[test]
    fn one_cell_per_line_tables() {
        let text = "附件1\n\n预期目标分解表\n\n序号\n\n预期目标\n\n责任单位\n\n1\n\n地区生产总值增长5.5%左右\n\n区发展改革委\n\n2\n\n空气质量完成年度目标任务\n\n区生态环境局\n\n附件2\n\n重点工作任务分解表\n\n序号\n\n工作任务\n\n牵头单位\n\n配合单位\n\n1\n\n联动共建科学城\n\n推动实验室落地,引进研发机构\n";
        let view = View::new(text);
        let lines = view.lines();
        let layout = recognise_vertical(&view, &lines).expect("a table");
        assert_eq!(layout.tasks.len(), 3);
        assert!(layout.restarts);
        let headings: Vec<&str> = layout.pillars.iter().map(|p| p.heading.as_str()).collect();
        assert_eq!(headings, ["预期目标分解表", "重点工作任务分解表"]);
        let first = &layout.tasks[0];
        assert_eq!(
            view.orig(first.body_start, first.end),
            "地区生产总值增长5.5%左右"
        );
        let units = first.unit_cells.as_ref().unwrap().units(&view);
        assert_eq!(units.lead, ["区发展改革委"]);
        // A truncated row: the long second cell is task text, not a unit column.
        let last = &layout.tasks[2];
        assert!(
            view.orig(last.body_start, last.end)
                .ends_with("引进研发机构")
        );
        assert!(
            last.unit_cells
                .as_ref()
                .unwrap()
                .units(&view)
                .lead
                .is_empty()
        );
        // Not a table: a 序号 line without rows.
        let view = View::new("序号\n任务\n牵头单位\n正文。\n");
        assert!(recognise_vertical(&view, &view.lines()).is_none());
    }

    /// A progress table (进展情况 beside the task): the report on the task is not the task.
    #[test]
    fn a_progress_column_is_not_task_text() {
        let text = "一季度进展情况表\n\n序号\n\n内容与要求\n\n进展情况\n\n责任单位\n\n1\n\n确保地区生产总值增长7%左右。\n\n1-2月，全市固定资产投资同比下降12.7%。\n\n市发改委\n\n2\n\n市县长项目落地率50%以上。\n\n已安排36个项目，总投资882.1亿元。\n\n市发改委\n";
        let view = View::new(text);
        let layout = recognise_vertical(&view, &view.lines()).expect("a table");
        assert_eq!(layout.tasks.len(), 2);
        for (t, expected) in layout
            .tasks
            .iter()
            .zip(["确保地区生产总值增长7%左右。", "市县长项目落地率50%以上。"])
        {
            assert_eq!(view.orig(t.body_start, t.end), expected);
            let units = t.unit_cells.as_ref().unwrap().units(&view);
            assert_eq!(units.lead, ["市发改委"]);
        }
    }
}
