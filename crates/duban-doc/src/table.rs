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

/// Where a closing signature block starts (issuer line + date line at the very end), or the
/// end of the text.
fn trailing_block_start(view: &View, lines: &[Line]) -> usize {
    let nonblank: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_blank()).collect();
    let Some(&last) = nonblank.last() else {
        return view.len();
    };
    if !crate::meta::is_date_line(view, &lines[last]) {
        return view.len();
    }
    let mut start = lines[last].raw_start;
    if nonblank.len() >= 2 {
        let prev = &lines[nonblank[nonblank.len() - 2]];
        if prev.len() <= 30 && !view.norm_str(prev.start, prev.end).contains('。') {
            start = prev.raw_start;
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
    number: usize,
    content: usize,
    lead: Option<usize>,
    responsible: bool,
    co: Option<usize>,
}

fn header(view: &View, line: &Line) -> Option<Columns> {
    let cs = cells(view, line);
    if cs.len() < 3 {
        return None;
    }
    let names: Vec<String> = cs.iter().map(|&(s, e)| view.norm_str(s, e)).collect();
    let number = names.iter().position(|n| n == "序号" || n == "编号")?;
    let content = names.iter().position(|n| {
        ["任务", "工作", "内容", "措施", "事项"]
            .iter()
            .any(|k| n.contains(k))
            && !n.contains("单位")
            && !n.contains("部门")
    })?;
    let lead = names.iter().position(|n| {
        n.contains("牵头") || n.contains("责任单位") || n.contains("责任部门") || n.contains("负责")
    });
    let co = names.iter().position(|n| {
        n.contains("配合") || n.contains("参与") || n.contains("协同") || n.contains("协助")
    });
    let responsible = lead.is_some_and(|l| names[l].contains("责任"));
    Some(Columns {
        number,
        content,
        lead,
        responsible,
        co,
    })
}

/// Recognises a task table; `None` when the document is not one.
pub fn recognise(view: &View, lines: &[Line]) -> Option<Layout> {
    let (h, cols) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| header(view, l).map(|c| (i, c)))?;
    let mut layout = Layout::default();
    let mut last = 0u32;
    for line in &lines[h + 1..] {
        if line.is_blank() {
            continue;
        }
        let cs = cells(view, line);
        let non_empty = cs.iter().filter(|(s, e)| e > s).count();
        let num_cell = cs.get(cols.number).copied();
        let number = num_cell.and_then(|(s, e)| {
            let t = view.norm_str(s, e);
            let t = t.trim_end_matches(['.', '、']);
            t.parse::<u32>()
                .ok()
                .or_else(|| parse_cn_number(t).and_then(|n| u32::try_from(n).ok()))
        });
        if let (Some(n), Some(&(cs_s, cs_e))) = (number, cs.get(cols.content))
            && cs_e > cs_s
        {
            if n != last + 1 && n != 1 {
                continue;
            }
            if n == 1 && last != 0 {
                layout.restarts = true;
            }
            last = n;
            let (ls, le) = num_cell.unwrap_or((cs_s, cs_s));
            let cell = |i: Option<usize>| i.and_then(|i| cs.get(i).copied()).filter(|(s, e)| e > s);
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
                }),
            });
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
        }
    }
    (!layout.tasks.is_empty()).then_some(layout)
}
