//! Reads plan documents (工作要点, 重点工作任务分解) into `duban_core::Plan`.
//!
//! The pipeline: bytes → [`decode`] (BOM, UTF-8, GBK/GB18030, Big5) or DOCX/HTML to text
//! → page chrome removed (`chrome`) → that text becomes `Plan::text`, never altered again
//! → a char-for-char normalised view (`text`) → lines → the structure recogniser
//! (`structure`, or `table` for task tables) → per task: title, lead units (`units`) and
//! typed targets (`targets`).
//!
//! Alongside, `outline` reads every numbered line (一、 （一） 1. （1） ① 一要/一是, labels
//! glued to a number like `11.121人才`) into a tree of any depth, with a `sequence_break`
//! diagnostic where numbering jumps (never a silent loss), and detects the document kind;
//! `report` applies the 政府工作报告 rules (tasks and targets only from the year's sections,
//! headline targets only from the 主要预期目标 paragraph). A kind can be forced
//! ([`ParseOptions`]). All of it lands in `Plan::outline` with meta evidence spans.
//!
//! Invariants: no function panics on any input (proptest and a fuzz target check it);
//! every `Target::span` indexes `Plan::text` in chars and slices to exactly `phrase`.

mod cells;
mod chrome;
mod columns;
mod deadline;
mod decode;
mod docx;
mod error;
mod html;
mod lexicon;
mod markdown;
mod meta;
mod outline;
mod report;
mod structure;
mod table;
mod targets;
mod text;
mod units;
mod wrap;
mod xlsx;

pub use decode::decode;
pub use error::{DocError, MAX_BYTES};

use duban_core::{
    Diagnostic, DocKind, MetaEvidence, Outline, PLAN_SCHEMA, Pillar, Plan, Span, Target, Task,
};
use text::View;

/// Reads a document: detects DOCX, HTML or plain text from the name and the bytes,
/// decodes it, strips page chrome and parses the plan.
pub fn parse_document(bytes: &[u8], file_name: &str) -> Result<Plan, DocError> {
    parse_document_with(bytes, file_name, &ParseOptions::default())
}

/// How to read a document: a person can force the document kind (then its rules apply
/// whatever the detector would say) and re-run the parse.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    pub kind: Option<DocKind>,
}

/// `parse_document` with options.
pub fn parse_document_with(
    bytes: &[u8],
    file_name: &str,
    options: &ParseOptions,
) -> Result<Plan, DocError> {
    let text = document_text(bytes, file_name)?;
    parse_named(&text, &file_stem(file_name), options)
}

/// The document's text before chrome removal: DOCX paragraphs, HTML blocks or the decoded
/// text file.
fn document_text(bytes: &[u8], file_name: &str) -> Result<String, DocError> {
    if bytes.len() > MAX_BYTES {
        return Err(DocError::TooLarge { size: bytes.len() });
    }
    if bytes.is_empty() {
        return Err(DocError::Empty);
    }
    let lower = file_name.to_ascii_lowercase();
    if docx::is_zip(bytes) && (lower.ends_with(".xlsx") || xlsx::is_workbook(bytes)) {
        return xlsx::xlsx_to_text(bytes);
    }
    if docx::is_zip(bytes) || lower.ends_with(".docx") {
        if !docx::is_zip(bytes) {
            return Err(DocError::CorruptDocx("not a zip archive".into()));
        }
        return docx::docx_to_text(bytes);
    }
    if bytes.starts_with(b"%PDF") || lower.ends_with(".pdf") {
        return Err(DocError::Unsupported("PDF".into()));
    }
    if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) || lower.ends_with(".doc") {
        return Err(DocError::Unsupported("Word 97-2003 (.doc)".into()));
    }
    if html::looks_like_html(bytes, file_name) {
        // Valid UTF-8 wins over a stale <meta charset> (pages re-saved as UTF-8 keep it).
        let declared = if std::str::from_utf8(bytes).is_ok() {
            None
        } else {
            html::declared_charset(bytes).and_then(|label| decode::decode_with_label(bytes, &label))
        };
        let decoded = match declared {
            Some(t) => t,
            None => decode(bytes)?,
        };
        return Ok(html::html_to_text(&decoded));
    }
    decode(bytes)
}

/// Parses already-decoded text. Page chrome lines are removed first; the rest becomes
/// `Plan::text` verbatim. A plan with no recognisable title is called 未命名计划.
pub fn parse_text(text: &str) -> Result<Plan, DocError> {
    parse_named(text, "未命名计划", &ParseOptions::default())
}

/// `parse_text` with options.
pub fn parse_text_with(text: &str, options: &ParseOptions) -> Result<Plan, DocError> {
    parse_named(text, "未命名计划", options)
}

/// `parse_text` with the title to use when the document shows none.
fn parse_named(text: &str, fallback_title: &str, options: &ParseOptions) -> Result<Plan, DocError> {
    if text.len() > MAX_BYTES {
        return Err(DocError::TooLarge { size: text.len() });
    }
    let text = decode::normalise_newlines(text);
    if text.trim().is_empty() {
        return Err(DocError::Empty);
    }
    let text = chrome::strip_chrome(&text);
    if text.trim().is_empty() {
        return Err(DocError::Empty);
    }
    // Markdown markup around the numbering is removed.
    let text = markdown::strip(&text).unwrap_or(text);
    // A table with space-aligned columns (from a PDF) becomes tab-separated rows.
    let text = columns::reflow(&text).unwrap_or(text);
    // Hard line breaks of a PDF page (full lines of one width) are joined.
    let text = wrap::join(&text).unwrap_or(text);
    // A page copied as one paragraph is broken before its headings and items.
    let text = wrap::split_flattened(&text).unwrap_or(text);
    let view = View::new(&text);
    let lines = view.lines();
    let quoted = quoted_mask(&view);

    let tree = outline::tree(&view, &lines);
    let table_layout = table::recognise(&view, &lines);
    let guess_title = meta::title_line(&view, &lines)
        .map(|i| view.norm_str(lines[i].start, lines[i].end))
        .unwrap_or_default();
    let detected = outline::detect_kind(&view, &lines, &guess_title, table_layout.is_some());
    let kind = options.kind.or(detected);
    let mut headline_ranges: Option<Vec<(usize, usize)>> = None;
    // Whether the tasks are the rows of a table (their numbers are cells, not labels).
    let mut from_table = table_layout.is_some();
    let mut layout = match table_layout {
        Some(layout) => layout,
        None => {
            let numbered = if kind == Some(DocKind::GovernmentReport) {
                let r = report::layout(&view, &lines, &tree);
                headline_ranges = Some(r.headline);
                table::Layout::from_skeleton(&view, &lines, r.skeleton)
            } else {
                let title_line = meta::title_line(&view, &lines);
                let sk = structure::recognise(&view, &lines, title_line);
                table::Layout::from_skeleton(&view, &lines, sk)
            };
            // A table pasted one cell per line wins when it holds more tasks.
            match table::recognise_vertical(&view, &lines) {
                Some(t) if t.tasks.len() > numbered.tasks.len() => {
                    headline_ranges = None;
                    from_table = true;
                    t
                }
                _ => numbered,
            }
        }
    };
    // A summary written as 一要…二要… (or 一是…) in running text: read when nothing else
    // was, or, in a news summary, when it holds more items than the numbered lines (a
    // `1.` in a list of related links).
    let mut inline_diagnostics = Vec::new();
    let mut from_inline = false;
    if layout.tasks.len() <= 1 || kind == Some(DocKind::NewsSummary) && !from_table {
        let run = outline::inline_sequence(&view, 0, view.len());
        if run.len() > layout.tasks.len() {
            inline_diagnostics = outline::inline_breaks(&view, &run);
            layout = table::Layout::from_inline(&view, run);
            from_table = false;
            from_inline = true;
            headline_ranges = None;
        }
    }
    if layout.tasks.is_empty() {
        return Err(DocError::NoTasks);
    }
    let first_struct = layout.first_offset();
    let first_task = layout
        .tasks
        .iter()
        .map(|t| t.label_start)
        .min()
        .unwrap_or(0);
    let struct_line = lines.partition_point(|l| l.start < first_struct);
    let title_line = meta::title_line_before(&view, &lines, struct_line);
    let (title, title_issuer) = match title_line {
        Some(i) => {
            let first = meta::official_title_top(&view, &lines, i)
                .or_else(|| meta::title_first_half(&view, &lines, i))
                .unwrap_or(i);
            let mut raw = String::new();
            for l in &lines[first..=i] {
                if !l.is_blank() {
                    raw.push_str(&view.orig(l.start, l.end));
                }
            }
            if first == i
                && let Some(second) = meta::title_second_half(&view, &lines, i)
            {
                raw.push_str(&view.orig(lines[second].start, lines[second].end));
            }
            meta::clean_title(&raw)
        }
        None => (String::new(), None),
    };
    let title = if title.trim().is_empty() {
        fallback_title.to_string()
    } else {
        title
    };
    let head_start = title_line.map_or(0, |i| lines[i].end);
    let issuer = match title_issuer {
        Some(short) => {
            Some(meta::fuller_issuer(&view, &lines, first_struct, &short).unwrap_or(short))
        }
        None => meta::issuer(&view, &lines, first_struct),
    };
    // The title's year, else the year of the document's own number (国发〔2018〕42号 on
    // its own line), else the first year in the head.
    let year = meta::year(&title)
        .or_else(|| {
            (kind == Some(DocKind::GovernmentReport))
                .then(|| report::report_year(&view, &lines))
                .flatten()
        })
        .or_else(|| meta::own_number_year(&view, &lines, struct_line))
        .or_else(|| meta::year(&view.orig(0, first_struct)));

    let mut headline_targets: Vec<Target> = Vec::new();
    // Plan-level goals: everything between the title and the first task (an introduction,
    // a banner of goals, a 一、主要目标 section).
    if let Some(ranges) = &headline_ranges {
        for &(s, e) in ranges {
            headline_targets.extend(targets::extract(&view, s, e, &quoted));
            headline_targets.extend(meta::headline_directions(&view, &lines, s, e));
        }
        headline_targets.sort_by_key(|t| t.span.start);
        headline_targets.dedup_by_key(|t| t.span);
    } else if head_start < first_task {
        headline_targets = targets::extract(&view, head_start, first_task, &quoted);
        headline_targets.extend(meta::headline_directions(
            &view, &lines, head_start, first_task,
        ));
        headline_targets.sort_by_key(|t| t.span.start);
        headline_targets.dedup_by_key(|t| t.span);
    }

    let pillars: Vec<Pillar> = layout
        .pillars
        .iter()
        .enumerate()
        .map(|(p, pl)| Pillar {
            heading: pl.heading.clone(),
            subtitle: pl.subtitle.clone(),
            tasks: layout
                .tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| t.pillar == Some(p))
                .map(|(i, t)| task_number(&layout, i, t.number))
                .collect(),
        })
        .collect();
    let first_leads = units::first_listed_leads(view.norm());
    let tasks: Vec<Task> = layout
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| build_task(&view, &quoted, &layout, i, t, year, first_leads))
        .collect();
    let mut items = tree.items;
    // Table rows and inline items (一要… inside a paragraph) are not lines the tree read.
    if from_table || from_inline {
        items = outline::with_table_rows(&view, items, &layout.tasks, &layout.categories);
    }
    // A report's glossary (名词解释) explains terms: its numbered entries are not items.
    let mut glossary_note = None;
    let mut glossary_range = None;
    if kind == Some(DocKind::GovernmentReport)
        && !from_table
        && !from_inline
        && let Some(range) = report::glossary_span(&view, &lines)
    {
        let dropped = report::drop_items_in(&mut items, range);
        if dropped > 0 {
            glossary_range = Some(range);
            glossary_note = Some(Diagnostic {
                code: "glossary".into(),
                message: format!("名词解释中的{dropped}条编号解释不是工作任务，未作为事项读入"),
                span: Some(Span {
                    start: range.0,
                    end: range.1,
                }),
            });
        }
    }
    for (t, span) in layout.tasks.iter().enumerate() {
        if let Some(item) = items.iter_mut().find(|i| i.span.start == span.label_start) {
            item.task = Some(tasks[t].number);
        }
    }
    let mut diagnostics = tree.diagnostics;
    diagnostics.extend(inline_diagnostics);
    // Sequence breaks inside the glossary concern entries that are no longer items.
    if let Some((gs, ge)) = glossary_range {
        diagnostics.retain(|d| !d.span.is_some_and(|s| s.start >= gs && s.start < ge));
    }
    diagnostics.extend(glossary_note);
    diagnostics.append(&mut layout.diagnostics);
    // A document whose tasks are the rows of a table divides tasks among units.
    let kind = kind.or(from_table.then_some(DocKind::TaskDivision));
    if kind.is_none() {
        diagnostics.push(Diagnostic {
            code: "unknown_kind".into(),
            message: "未能判断文档类型（工作要点、任务分解、实施意见/行动计划、政府工作报告、新闻摘要），请选择后重新解析".into(),
            span: None,
        });
    }
    let meta = meta_evidence(
        &view,
        &lines,
        &title,
        title_line,
        issuer.as_deref(),
        year,
        first_struct,
    );
    // A government report or a news summary carries no document number (文号).
    let numbered = !matches!(kind, Some(DocKind::GovernmentReport | DocKind::NewsSummary));
    for field in ["title", "issuer", "year", "doc_number"] {
        if !meta.iter().any(|m| m.field == field) && (field != "doc_number" || numbered) {
            diagnostics.push(Diagnostic {
                code: "meta_missing".into(),
                message: format!("未在文中找到{}，请补填", meta_label(field)),
                span: None,
            });
        }
    }
    diagnostics.sort_by_key(|d| d.span.map_or(usize::MAX, |s| s.start));
    let outline = Outline {
        kind,
        kind_forced: options.kind.is_some(),
        items,
        meta,
        diagnostics,
    };
    Ok(Plan {
        schema: PLAN_SCHEMA.to_string(),
        title,
        issuer,
        year,
        headline_targets,
        pillars,
        tasks,
        outline,
        text,
    })
}

fn meta_label(field: &str) -> &'static str {
    match field {
        "title" => "标题",
        "issuer" => "发文机关",
        "year" => "年度",
        _ => "文号",
    }
}

/// Each meta field with the span it was read from: the title line(s), the first
/// occurrence of the issuer and of the year before the tasks (or in the title), the
/// document number (〔2021〕12号) in the head.
fn meta_evidence(
    view: &View,
    lines: &[text::Line],
    title: &str,
    title_line: Option<usize>,
    issuer: Option<&str>,
    year: Option<i32>,
    first_struct: usize,
) -> Vec<MetaEvidence> {
    let mut out = Vec::new();
    if let Some(i) = title_line {
        out.push(MetaEvidence {
            field: "title".into(),
            value: title.to_string(),
            span: Some(Span {
                start: lines[i].start,
                end: lines[i].end,
            }),
        });
    }
    let norm_find = |pat: &str| {
        let pat: String = pat.chars().map(text::norm_char).collect();
        view.find(0, view.len(), &pat)
    };
    if let Some(name) = issuer
        && let Some(at) = norm_find(name)
    {
        out.push(MetaEvidence {
            field: "issuer".into(),
            value: name.to_string(),
            span: Some(Span {
                start: at,
                end: at + name.chars().count(),
            }),
        });
    }
    if let Some(y) = year {
        let pat = y.to_string();
        let at = title_line
            .and_then(|i| view.find(lines[i].start, lines[i].end, &pat))
            .or_else(|| view.find(0, first_struct.max(1), &pat));
        if let Some(at) = at {
            out.push(MetaEvidence {
                field: "year".into(),
                value: pat.clone(),
                span: Some(Span {
                    start: at,
                    end: at + pat.len(),
                }),
            });
        }
    }
    if let Some((s, e)) = meta::doc_number(view, first_struct.max(view.len().min(600))) {
        out.push(MetaEvidence {
            field: "doc_number".into(),
            value: view.orig(s, e),
            span: Some(Span { start: s, end: e }),
        });
    }
    out
}

fn task_number(layout: &table::Layout, index: usize, printed: u32) -> u32 {
    if layout.restarts {
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    } else {
        printed
    }
}

fn build_task(
    view: &View,
    quoted: &[bool],
    layout: &table::Layout,
    index: usize,
    t: &table::TaskSpan,
    year: Option<i32>,
    first_leads: bool,
) -> Task {
    let (title, text_start) = meta::task_title(view, t.body_start, t.end);
    let (ts, te) = view.trim(text_start, t.end);
    let units = match &t.unit_cells {
        Some(cells) => cells.units(view),
        None => {
            let norm = view.norm_str(t.body_start, t.end);
            let orig = view.orig(t.body_start, t.end);
            units::find_units(&norm, &orig, first_leads)
        }
    };
    // The 完成时限 cell of a table row, else the latest phrase of the text.
    let deadline = t
        .unit_cells
        .as_ref()
        .and_then(|c| c.deadline)
        .map(|(s, e)| view.orig(s, e).trim().to_string())
        .filter(|d| !d.is_empty() && d.chars().count() <= 40)
        .or_else(|| deadline::in_text(view, t.body_start, t.end, year));
    Task {
        number: task_number(layout, index, t.number),
        label: view.orig(t.label_start, t.label_end).trim().to_string(),
        title,
        text: view.orig(ts, te),
        pillar: t.pillar,
        lead_units: units.lead,
        co_units: units.co,
        leads_separately: units.separately,
        targets: targets::extract(view, t.body_start, t.end, quoted),
        due: deadline
            .as_deref()
            .and_then(|d| duban_core::deadline::due_date(d, year)),
        deadline,
    }
}

/// Marks the chars inside 《…》, “…” and 「…」 (numbers there belong to names). Quotes do
/// not run past the end of a line.
pub(crate) fn quoted_mask(view: &View) -> Vec<bool> {
    let mut mask = vec![false; view.len()];
    let mut book = 0i32;
    let mut quote = 0i32;
    let mut quote_start = 0;
    // Straight quotes ("…", typed on a Western keyboard) pair up within a line.
    let mut straight = false;
    for (i, &c) in view.norm().iter().enumerate() {
        if c == '"' {
            straight = !straight;
        }
        match c {
            '《' | '「' => book += 1,
            '》' | '」' => book = (book - 1).max(0),
            '“' => {
                if quote == 0 {
                    quote_start = i;
                }
                quote += 1;
            }
            '”' => {
                // Only a quote that was open closes (a stray ” re-reading from an old “
                // made the mask quadratic).
                let closes = quote > 0;
                quote = (quote - 1).max(0);
                // A quoted statement of goals (实现“…达到2000名左右，…达到40%”的目标)
                // is not a name: its numbers stay readable.
                if closes
                    && quote == 0
                    && book == 0
                    && quoted_statement(&view.norm()[quote_start..i])
                {
                    mask[quote_start..i].fill(false);
                    continue;
                }
            }
            '\n' => {
                book = 0;
                quote = 0;
                straight = false;
            }
            _ => {}
        }
        mask[i] = book > 0 || quote > 0 || straight;
    }
    mask
}

/// A quotation long enough and with clause breaks, holding a goal verb: a statement.
fn quoted_statement(inner: &[char]) -> bool {
    let s: String = inner.iter().collect();
    inner.len() > 16 && s.contains([',', '，']) && s.contains("达到")
}

fn file_stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    if stem.trim().is_empty() {
        "未命名计划".to_string()
    } else {
        stem.trim().to_string()
    }
}
