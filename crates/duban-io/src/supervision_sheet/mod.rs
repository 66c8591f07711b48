//! The supervision table (督办表): export a plan's tasks for one unit and one reporting period
//! as an `.xlsx` workbook, and read the filled workbook back, all or nothing.
//!
//! # Format `duban.sheet/1`
//!
//! The workbook has two sheets:
//!
//! * **`督办表`** (visible): row 1 is the title (merged across the used columns), row 2 names
//!   the unit and the period, row 3 is the header, and every following row is one task
//!   (**one row per task**). The columns, in order:
//!
//!   | col | header | filled by | on import |
//!   |---|---|---|---|
//!   | A | 序号 | export | ignored |
//!   | B | 工作任务 | export | ignored |
//!   | C | 目标 | export: the task's targets, numbered ①②③… one per line | ignored |
//!   | D | 牵头单位 | export | ignored |
//!   | E | 配合单位 | export | ignored |
//!   | F | 时间节点 | export | ignored |
//!   | G | 进展情况 | the unit | text, at most [`MAX_TEXT_CHARS`] characters |
//!   | H | 存在问题 | the unit | text, idem |
//!   | I | 下步打算 | the unit | text, idem |
//!   | J | 状态 | export (the light at export time) | ignored |
//!   | K… | 目标值① … 目标值ⓚ | the unit: current value of the task's i-th target | number or empty |
//!   | next | 数据截至日期 | the unit (optional) | date or empty |
//!   | next | 任务编码 (hidden) | export, e.g. `T05` | the row's key |
//!   | next | 目标编码 (hidden) | export, e.g. `T05-1|T05-2` | must match the plan |
//!
//!   *Why one row per task with k value columns* (k = the largest number of targets of any
//!   task in the sheet) rather than one row per target: a report is per task (进展情况 …
//!   are written once per task), so one row per task keeps the text in one place, survives
//!   sorting and filtering without merged cells, and maps 1:1 to a draft report. Value column
//!   ⓘ holds the value of the i-th target listed in the 目标 cell of the same row (the same
//!   circled number); the cell's input message (data validation) repeats that target, and
//!   value cells of a task with fewer targets are greyed out and must stay empty.
//!
//!   Rows are keyed by the hidden **任务编码** (`T` + the task number, two digits at least),
//!   never by position: rows may be re-sorted or filtered freely. A row without a code (an
//!   inserted row) that holds anything is refused; a task whose row is missing (a deleted row)
//!   is refused; a code that appears twice is refused. The hidden **目标编码** lists the
//!   target codes of the row in column order, separated by `|`: when the plan's targets changed
//!   since the export the file is refused (export again).
//!
//! * **`_duban`** (hidden): metadata, one `key | value` pair per row: `schema`
//!   ([`SHEET_SCHEMA`]), `plan_code`, `plan_title`, `period_code`, `period_label`,
//!   `unit_code`, `unit_name`. A file whose schema, plan, period or unit differs from the
//!   expected one is refused, naming both.
//!
//! # Values
//!
//! A value cell may be a number cell, or text that is unambiguously one number:
//! full-width digits (`３５０`), thousands separators in groups of three (`1,234.5`), a
//! leading sign, and a trailing unit equal to the target's unit (`350家`, `12.5%`). Anything
//! else is refused with the cell reference: Chinese numerals (`三百五十`), approximations
//! (`约350`, `350左右`), another unit (`3.5万` for a target in 家), a comma that is not a
//! thousands separator (`1,5`), dates, booleans and formula errors. An empty cell means "not
//! reported". Value columns are text-formatted in the export so that typing `12%` keeps the
//! text (Excel would otherwise store 0.12); a *number* cell is taken as it is, so a percent
//! *formatted* number typed elsewhere would be read as its fraction: that is the one case
//! the reader cannot see.
//!
//! # Text
//!
//! Line breaks are normalised to `\n` and leading/trailing white space is trimmed. A number
//! or date typed into a text column is kept as its text (`2020-06-30` for a date).
//!
//! # Limits
//!
//! Uploads above [`MAX_UPLOAD_BYTES`] are refused before parsing; zip containers (xlsx, ods)
//! are checked entry by entry by *decompressing* with a cap ([`MAX_ENTRY_BYTES`],
//! [`MAX_TOTAL_BYTES`]), so a zip bomb or a lying size header is refused before calamine
//! reads it. At most [`MAX_ROWS`] data rows, [`MAX_TARGETS_PER_TASK`] targets per task and
//! [`MAX_ERRORS`] reported errors. xlsx cells are streamed, so a stray cell at XFD1048576
//! costs nothing. calamine expands `.ods` sheets into a dense grid: the guard measures that
//! grid from `content.xml` (repeated rows/columns) and refuses more than 2 million cells.
//! Panics inside calamine are contained and reported as a damaged file.
//!
//! CSV is not accepted: it cannot carry the metadata sheet, so a file for another unit or
//! period could not be told apart.
//!
//! # Accepted files
//!
//! `.xlsx` (Excel, WPS, LibreOffice: shared or inline strings, numbers as text, dates as
//! serials or typed, merged title cells, extra empty rows/columns) and `.ods`, through
//! calamine. The format is sniffed from the bytes, not the file name. Legacy `.xls` is
//! refused with a message asking to save as `.xlsx`: fuzzing found 13 KB inputs on which
//! calamine's compound-file reader panics or grows past 2 GB, with no way to bound it from
//! outside.

pub(crate) mod guard;
mod overview;
mod read;
mod write;

use chrono::NaiveDate;

pub use duban_core::number::{NumberError, parse_number};
pub use overview::{OverviewRow, PlanOverview, write_plan_overview};
pub use read::read_supervision_sheet;
pub use write::write_supervision_sheet;

/// Schema tag stored in the metadata sheet.
pub const SHEET_SCHEMA: &str = "duban.sheet/1";
/// Name of the visible sheet.
pub const MAIN_SHEET: &str = "督办表";
/// Name of the hidden metadata sheet.
pub const META_SHEET: &str = "_duban";
/// Largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest uncompressed zip entry accepted.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// Largest total uncompressed size of a zip container.
pub const MAX_TOTAL_BYTES: u64 = 160 * 1024 * 1024;
/// Largest number of entries in a zip container.
pub const MAX_ZIP_ENTRIES: usize = 2_000;
/// Most task rows in one sheet.
pub const MAX_ROWS: usize = 1_000;
/// Most targets per task (value columns).
pub const MAX_TARGETS_PER_TASK: usize = 50;
/// Longest text (in characters) accepted in 进展情况, 存在问题 and 下步打算.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Longest text in the read-only columns and codes written by the export.
pub const MAX_LABEL_CHARS: usize = 4_000;
/// Most errors listed; the rest are counted.
pub const MAX_ERRORS: usize = 200;
/// Largest absolute value accepted (beyond it f64 stops holding integers exactly).
pub use duban_core::number::MAX_ABS_VALUE;

/// Header texts of the fixed columns, in order (A..J).
pub const FIXED_HEADERS: [&str; 10] = [
    "序号",
    "工作任务",
    "目标",
    "牵头单位",
    "配合单位",
    "时间节点",
    "进展情况",
    "存在问题",
    "下步打算",
    "状态",
];
/// Header of the as-of date column.
pub const AS_OF_HEADER: &str = "数据截至日期";
/// Header of the hidden task-code column.
pub const TASK_CODE_HEADER: &str = "任务编码";
/// Header of the hidden target-codes column.
pub const TARGET_CODES_HEADER: &str = "目标编码";

/// Everything the export needs, filled by the caller (the platform reads it from the
/// database). Plain data: duban-io knows nothing of storage.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSpec {
    /// Stable plan identifier (e.g. the database id as text).
    pub plan_code: String,
    pub plan_title: String,
    /// Stable period identifier, e.g. `2020-Q2`.
    pub period_code: String,
    /// Human label, e.g. 2020年第二季度.
    pub period_label: String,
    /// Stable unit identifier.
    pub unit_code: String,
    pub unit_name: String,
    /// One row per task, in the order they are written.
    pub rows: Vec<SheetTaskRow>,
}

/// One task of the sheet, with the current draft (if any) pre-filled.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetTaskRow {
    /// Stable key, e.g. `T05` (see [`task_code`]). Unique in the sheet.
    pub task_code: String,
    /// The task number as shown in 序号, e.g. `5`.
    pub number: String,
    pub title: String,
    pub targets: Vec<SheetTarget>,
    pub lead_units: Vec<String>,
    pub co_units: Vec<String>,
    /// 时间节点, free text (e.g. 2020年底前).
    pub deadline: String,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    /// 状态 as shown (e.g. 绿灯 正常推进); read-only in the sheet.
    pub status_label: String,
    /// Date the values refer to.
    pub as_of: Option<NaiveDate>,
}

/// One target of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetTarget {
    /// Stable key, e.g. `T05-2` (see [`target_code`]). Must not contain `|`.
    pub target_code: String,
    /// What the unit reads, e.g. 新增养老机构床位 不少于 5000 张.
    pub label: String,
    /// The target's unit (个, 亿元, %): a value written with this suffix is accepted.
    pub unit: Option<String>,
    /// Value already reported for this period, if any.
    pub current_value: Option<f64>,
}

/// The content of a valid filled sheet, rows in the order of the expected spec (not of the
/// file), so re-sorting the file does not change the result.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledSheet {
    pub plan_code: String,
    pub period_code: String,
    pub unit_code: String,
    pub rows: Vec<FilledRow>,
}

/// One task's report as read from the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledRow {
    pub task_code: String,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub as_of: Option<NaiveDate>,
    /// One entry per target of the task, in the task's order; `None` = not reported.
    pub values: Vec<FilledValue>,
}

/// One reported value.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledValue {
    pub target_code: String,
    pub value: Option<f64>,
}

/// Errors of the export (the spec breaks a documented bound).
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("督办表数据不合规：{0}")]
    InvalidSpec(String),
    #[error("生成 xlsx 失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// What went wrong, for callers that react to the kind (the message is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetErrorKind {
    /// Upload larger than the bound, or a zip entry/total over its bound.
    TooLarge,
    /// Not a workbook we can read.
    Unreadable,
    /// No `_duban` sheet or no `督办表` sheet.
    MissingMetadata,
    /// Another schema, plan, period or unit.
    WrongMetadata,
    /// Header row missing or a required column missing/duplicated.
    MissingHeader,
    TooManyRows,
    UnknownTask,
    DuplicateTask,
    /// A task row was deleted.
    MissingTask,
    /// A non-empty row without a task code (an inserted row).
    InsertedRow,
    /// The plan's targets differ from the exported ones.
    TargetsChanged,
    NotANumber,
    NotADate,
    TextTooLong,
    /// A value in a column the task has no target for.
    UnexpectedValue,
}

/// One validation error, with the cell it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.display())]
pub struct SheetError {
    pub kind: SheetErrorKind,
    /// 0-based sheet row, if the error concerns a row or cell.
    pub row: Option<u32>,
    /// 0-based column, if the error concerns a cell.
    pub col: Option<u32>,
    /// The message in Chinese, without the location.
    pub message: String,
}

impl SheetError {
    pub(crate) fn new(kind: SheetErrorKind, message: impl Into<String>) -> Self {
        SheetError {
            kind,
            row: None,
            col: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(kind: SheetErrorKind, row: u32, col: Option<u32>, message: String) -> Self {
        SheetError {
            kind,
            row: Some(row),
            col,
            message,
        }
    }

    /// The location as users read it: `第5行 H列`, `第5行` or empty.
    pub fn location(&self) -> String {
        match (self.row, self.col) {
            (Some(r), Some(c)) => format!("第{}行 {}列", r + 1, column_letters(c)),
            (Some(r), None) => format!("第{}行", r + 1),
            (None, Some(c)) => format!("{}列", column_letters(c)),
            (None, None) => String::new(),
        }
    }

    fn display(&self) -> String {
        let loc = self.location();
        if loc.is_empty() {
            self.message.clone()
        } else {
            format!("{loc}：{}", self.message)
        }
    }
}

/// All errors of one upload (never empty), in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.display())]
pub struct SheetErrors {
    pub errors: Vec<SheetError>,
    /// Errors found beyond [`MAX_ERRORS`], not listed.
    pub more: usize,
}

impl SheetErrors {
    pub(crate) fn one(e: SheetError) -> Self {
        SheetErrors {
            errors: vec![e],
            more: 0,
        }
    }

    fn display(&self) -> String {
        let mut s = self
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        if self.more > 0 {
            s.push_str(&format!("\n……另有{}处错误未列出", self.more));
        }
        s
    }
}

/// The stable code of task `number`: `T05`, `T28`, `T105`.
pub fn task_code(number: u32) -> String {
    format!("T{number:02}")
}

/// The stable code of the `index`-th (0-based) target of task `number`: `T05-1`.
pub fn target_code(number: u32, index: usize) -> String {
    format!("T{number:02}-{}", index + 1)
}

/// A readable label for a plan target: metric, comparator, value, unit.
pub fn target_label(t: &duban_core::plan::Target) -> String {
    use duban_core::plan::Comparator;
    let unit = t.unit.as_deref().unwrap_or("");
    let num = |v: f64| format!("{v}");
    match t.comparator {
        Comparator::Range => match (t.low, t.high) {
            (Some(l), Some(h)) => format!("{} {}—{}{unit}", t.metric, num(l), num(h)),
            _ => t.phrase.clone(),
        },
        Comparator::About | Comparator::GrowthAbout => match t.value {
            Some(v) => format!("{} {}{unit}左右", t.metric, num(v)),
            None => t.phrase.clone(),
        },
        c => match t.value {
            Some(v) => format!("{} {} {}{unit}", t.metric, c.label_zh(), num(v)),
            None => format!("{} {}", t.metric, c.label_zh()),
        },
    }
}

/// Builds an export row for a plan task (texts empty, no values): the caller fills the
/// draft and the status.
pub fn row_for_task(task: &duban_core::plan::Task) -> SheetTaskRow {
    SheetTaskRow {
        task_code: task_code(task.number),
        number: task.number.to_string(),
        title: task.title.clone(),
        targets: task
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| SheetTarget {
                target_code: target_code(task.number, i),
                label: target_label(t),
                unit: t.unit.clone(),
                current_value: None,
            })
            .collect(),
        lead_units: task.lead_units.clone(),
        co_units: task.co_units.clone(),
        deadline: String::new(),
        progress: String::new(),
        problems: String::new(),
        next_steps: String::new(),
        status_label: String::new(),
        as_of: None,
    }
}

/// Spreadsheet column letters of a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push((b'A' + r) as char);
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Header of the i-th (0-based) value column: 目标值① … 目标值⑳, then 目标值(21).
pub fn value_header(i: usize) -> String {
    format!("目标值{}", circled(i + 1))
}

/// ①..⑳ for 1..=20, then (21), (22) ….
pub fn circled(n: usize) -> String {
    if (1..=20).contains(&n) {
        char::from_u32(0x2460 + n as u32 - 1)
            .map(String::from)
            .unwrap_or_default()
    } else {
        format!("({n})")
    }
}

/// The number of value columns of a spec: the most targets of any row, at least 1.
pub(crate) fn value_columns(spec: &SheetSpec) -> usize {
    spec.rows
        .iter()
        .map(|r| r.targets.len())
        .max()
        .unwrap_or(0)
        .max(1)
}

/// Column layout shared by writer and reader (0-based).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub values: usize,
}

impl Layout {
    pub const PROGRESS: u32 = 6;
    pub const PROBLEMS: u32 = 7;
    pub const NEXT_STEPS: u32 = 8;
    pub const STATUS: u32 = 9;
    pub const FIRST_VALUE: u32 = 10;
    pub const HEADER_ROW: u32 = 2;

    pub fn value_col(&self, i: usize) -> u32 {
        Self::FIRST_VALUE + i as u32
    }
    pub fn as_of_col(&self) -> u32 {
        Self::FIRST_VALUE + self.values as u32
    }
    pub fn task_code_col(&self) -> u32 {
        self.as_of_col() + 1
    }
    pub fn target_codes_col(&self) -> u32 {
        self.as_of_col() + 2
    }
    pub fn last_col(&self) -> u32 {
        self.target_codes_col()
    }
    /// All header texts in column order.
    pub fn headers(&self) -> Vec<String> {
        let mut h: Vec<String> = FIXED_HEADERS.iter().map(|s| s.to_string()).collect();
        h.extend((0..self.values).map(value_header));
        h.push(AS_OF_HEADER.into());
        h.push(TASK_CODE_HEADER.into());
        h.push(TARGET_CODES_HEADER.into());
        h
    }
}

/// Trim and normalise line breaks: the canonical form of every text cell.
pub fn normalize_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(7), "H");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn codes_and_headers() {
        assert_eq!(task_code(5), "T05");
        assert_eq!(task_code(105), "T105");
        assert_eq!(target_code(5, 1), "T05-2");
        assert_eq!(value_header(0), "目标值①");
        assert_eq!(value_header(19), "目标值⑳");
        assert_eq!(value_header(20), "目标值(21)");
    }

    #[test]
    fn rows_from_plan_tasks() {
        use duban_core::plan::{Comparator, Span, Target, Task};
        let target = |metric: &str, c, value, low, high, unit: &str| Target {
            phrase: String::new(),
            span: Span { start: 0, end: 0 },
            metric: metric.into(),
            comparator: c,
            value,
            low,
            high,
            unit: Some(unit.into()),
            normalized: None,
            commitment: None,
        };
        let task = Task {
            number: 15,
            label: "15.".into(),
            title: "加强居家养老工程建设".into(),
            text: String::new(),
            pillar: None,
            lead_units: vec!["省民政厅".into()],
            co_units: vec![],
            leads_separately: false,
            deadline: None,
            due: None,
            targets: vec![
                target(
                    "乡镇（街道）居家养老服务中心",
                    Comparator::Equal,
                    Some(350.0),
                    None,
                    None,
                    "个",
                ),
                target("覆盖面", Comparator::AtLeast, Some(70.0), None, None, "%"),
                target(
                    "专业机构",
                    Comparator::Range,
                    None,
                    Some(2.0),
                    Some(3.0),
                    "家",
                ),
            ],
        };
        let row = row_for_task(&task);
        assert_eq!(row.task_code, "T15");
        let labels: Vec<&str> = row.targets.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "乡镇（街道）居家养老服务中心 完成 350个",
                "覆盖面 不少于 70%",
                "专业机构 2—3家"
            ]
        );
        assert_eq!(row.targets[1].target_code, "T15-2");
        assert_eq!(row.targets[1].unit.as_deref(), Some("%"));
    }

    #[test]
    fn error_display_names_the_cell() {
        let e = SheetError::at(
            SheetErrorKind::NotANumber,
            4,
            Some(7),
            "“三百五十” 不是数字".into(),
        );
        assert_eq!(e.to_string(), "第5行 H列：“三百五十” 不是数字");
    }
}
