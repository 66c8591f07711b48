//! Import: filled workbook bytes → [`FilledSheet`] or every error found.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, DataType, Ods, Reader, Xlsx};
use chrono::NaiveDate;

use super::guard;
use super::{
    FilledRow, FilledSheet, FilledValue, Layout, MAIN_SHEET, MAX_ERRORS, MAX_ROWS, MAX_TEXT_CHARS,
    META_SHEET, SHEET_SCHEMA, SheetError, SheetErrorKind, SheetErrors, SheetSpec, SheetTaskRow,
    column_letters, normalize_text, value_columns,
};
use duban_core::number::{NumberError, parse_number};

/// Most non-empty cells read from one sheet (a filled sheet of [`MAX_ROWS`] rows and the
/// maximum columns stays far below).
const MAX_CELLS: usize = 200_000;
/// Rows above the header searched for it (title rows, notes added by users).
const HEADER_SEARCH_ROWS: u32 = 30;

/// Reads a filled supervision table and checks it against `expected` (the spec the file was
/// exported from, rebuilt by the caller for the same plan, period and unit).
///
/// All or nothing: `Ok` holds one [`FilledRow`] per expected task, in `expected` order;
/// `Err` lists every problem found (up to [`MAX_ERRORS`]), each with its cell when there is
/// one. See the [module docs](super) for the format and the accepted values.
pub fn read_supervision_sheet(
    bytes: &[u8],
    expected: &SheetSpec,
) -> Result<FilledSheet, SheetErrors> {
    guard::check(bytes).map_err(SheetErrors::one)?;
    let mut book = contained(|| Book::open(bytes)).map_err(SheetErrors::one)?;
    let names = book.sheet_names();
    if !names.iter().any(|n| n == META_SHEET) {
        return Err(SheetErrors::one(SheetError::new(
            SheetErrorKind::MissingMetadata,
            format!(
                "缺少隐藏的元数据工作表“{META_SHEET}”：请在本系统下载督办表后填写并上传，不要复制到新文件"
            ),
        )));
    }
    let meta = contained(|| book.grid(META_SHEET)).map_err(SheetErrors::one)?;
    check_meta(&meta, expected).map_err(|errors| SheetErrors { errors, more: 0 })?;

    let main_name = if names.iter().any(|n| n == MAIN_SHEET) {
        MAIN_SHEET.to_string()
    } else {
        match names.iter().find(|n| *n != META_SHEET) {
            Some(n) => n.clone(),
            None => {
                return Err(SheetErrors::one(SheetError::new(
                    SheetErrorKind::MissingMetadata,
                    format!("找不到工作表“{MAIN_SHEET}”"),
                )));
            }
        }
    };
    let grid = contained(|| book.grid(&main_name)).map_err(SheetErrors::one)?;
    read_main(&grid, expected)
}

fn contained<T>(f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    guard::contained(f, || {
        unreadable("文件已损坏，解析器无法处理；请重新保存后上传")
    })
}

/// The workbook, opened by container type.
enum Book {
    Xlsx(Box<Xlsx<Cursor<Vec<u8>>>>),
    Ods(Ods<Cursor<Vec<u8>>>),
}

fn unreadable(detail: impl std::fmt::Display) -> SheetError {
    SheetError::new(
        SheetErrorKind::Unreadable,
        format!("无法读取表格文件：{detail}"),
    )
}

impl Book {
    /// A zip that passed the guard: xlsx first (streamed), else ods.
    fn open(bytes: &[u8]) -> Result<Book, SheetError> {
        let cursor = Cursor::new(bytes.to_vec());
        if let Ok(x) = calamine::open_workbook_from_rs::<Xlsx<_>, _>(cursor.clone()) {
            return Ok(Book::Xlsx(Box::new(x)));
        }
        calamine::open_workbook_from_rs::<Ods<_>, _>(cursor)
            .map(Book::Ods)
            .map_err(unreadable)
    }

    fn sheet_names(&self) -> Vec<String> {
        match self {
            Book::Xlsx(x) => x.sheet_names(),
            Book::Ods(s) => s.sheet_names(),
        }
    }

    /// Non-empty cells of a sheet. For xlsx the cells are streamed, so a stray cell far away
    /// (XFD1048576) costs nothing; ods goes through calamine's dense range (bounded by the
    /// guard).
    fn grid(&mut self, name: &str) -> Result<Grid, SheetError> {
        let mut cells = BTreeMap::new();
        let mut push = |pos: (u32, u32), v: Data| -> Result<(), SheetError> {
            if !is_blank(&v) {
                cells.insert(pos, v);
                if cells.len() > MAX_CELLS {
                    return Err(SheetError::new(
                        SheetErrorKind::TooManyRows,
                        format!("工作表“{name}”的内容过多（超过{MAX_CELLS}个非空单元格）"),
                    ));
                }
            }
            Ok(())
        };
        match self {
            Book::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(name).map_err(unreadable)?;
                while let Some(cell) = reader.next_cell().map_err(unreadable)? {
                    let pos = cell.get_position();
                    push(pos, Data::from(cell.get_value().clone()))?;
                }
            }
            Book::Ods(s) => {
                let range = s.worksheet_range(name).map_err(unreadable)?;
                for (r, c, v) in range.used_cells() {
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    push((r0 + r as u32, c0 + c as u32), v.clone())?;
                }
            }
        }
        Ok(Grid { cells })
    }
}

fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Sparse cells of one sheet, absolute (row, col), 0-based; blanks left out.
struct Grid {
    cells: BTreeMap<(u32, u32), Data>,
}

impl Grid {
    fn get(&self, row: u32, col: u32) -> Option<&Data> {
        self.cells.get(&(row, col))
    }

    fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Data)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|(&(_, c), v)| (c, v))
    }

    fn rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.cells.keys().map(|&(r, _)| r).collect();
        rows.dedup();
        rows
    }
}

/// The text of a cell as a user sees it (numbers without a trailing `.0`, dates ISO).
fn cell_text(v: &Data) -> Result<String, String> {
    Ok(match v {
        Data::Empty => String::new(),
        // PostgreSQL cannot store a NUL (issue 9): named at its cell instead.
        Data::String(s) if s.contains('\0') => {
            return Err("单元格含有 NUL 字符（不可见的控制字符），请删除后重新上传".into());
        }
        Data::String(s) => crate::formula::strip_neutralised(s).to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("单元格是公式错误（{e}），请改为文字")),
    })
}

/// Quoted short form of a cell for messages.
fn quote(v: &Data) -> String {
    let t = cell_text(v).unwrap_or_else(|_| "#错误".into());
    let t: String = t.chars().take(30).collect();
    format!("“{t}”")
}

fn header_key(v: &Data) -> String {
    cell_text(v)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn check_meta(meta: &Grid, expected: &SheetSpec) -> Result<(), Vec<SheetError>> {
    let mut kv: HashMap<String, String> = HashMap::new();
    for r in meta.rows() {
        let key = meta.get(r, 0).map(header_key).unwrap_or_default();
        let val = meta
            .get(r, 1)
            .and_then(|v| cell_text(v).ok())
            .unwrap_or_default();
        kv.entry(key).or_insert_with(|| val.trim().to_string());
    }
    let get = |k: &str| kv.get(k).map(String::as_str).unwrap_or("");
    let wrong = |m: String| SheetError::new(SheetErrorKind::WrongMetadata, m);
    let schema = get("schema");
    if schema != SHEET_SCHEMA {
        return Err(vec![wrong(format!(
            "文件格式版本为“{schema}”，本系统需要“{SHEET_SCHEMA}”：请重新下载督办表"
        ))]);
    }
    let mut errors = Vec::new();
    if get("plan_code") != expected.plan_code {
        errors.push(wrong(format!(
            "此文件属于计划“{}”，不是“{}”",
            get("plan_title"),
            expected.plan_title
        )));
    }
    if get("period_code") != expected.period_code {
        errors.push(wrong(format!(
            "此文件的报告期是“{}”（{}），不是“{}”（{}）",
            get("period_label"),
            get("period_code"),
            expected.period_label,
            expected.period_code
        )));
    }
    if get("unit_code") != expected.unit_code {
        errors.push(wrong(format!(
            "此文件的填报单位是“{}”，不是“{}”",
            get("unit_name"),
            expected.unit_name
        )));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Collects errors up to the cap.
struct Errors {
    list: Vec<SheetError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, e: SheetError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }
}

/// Column positions found in the header row.
struct Columns {
    header_row: u32,
    progress: u32,
    problems: u32,
    next_steps: u32,
    values: Vec<u32>,
    as_of: u32,
    task_code: u32,
    target_codes: u32,
}

fn find_columns(grid: &Grid, layout: Layout) -> Result<Columns, Vec<SheetError>> {
    let first = grid.cells.keys().next().map(|&(r, _)| r).unwrap_or(0);
    let header_row = (first..first.saturating_add(HEADER_SEARCH_ROWS)).find(|&r| {
        grid.row(r)
            .any(|(_, v)| header_key(v) == super::TASK_CODE_HEADER)
    });
    let Some(header_row) = header_row else {
        return Err(vec![SheetError::new(
            SheetErrorKind::MissingHeader,
            format!(
                "找不到表头行（应含“进展情况”“存在问题”“下步打算”“{}”等列）：请使用本系统导出的督办表",
                super::TASK_CODE_HEADER
            ),
        )]);
    };
    let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
    for (c, v) in grid.row(header_row) {
        by_name.entry(header_key(v)).or_default().push(c);
    }
    let mut errors = Vec::new();
    let mut find = |name: &str, hint: &str| -> u32 {
        match by_name.get(name).map(Vec::as_slice) {
            Some([c]) => *c,
            Some(cs) if cs.len() > 1 => {
                errors.push(SheetError::at(
                    SheetErrorKind::MissingHeader,
                    header_row,
                    None,
                    format!(
                        "表头“{name}”出现{}次（{}列）",
                        cs.len(),
                        cs.iter()
                            .map(|&c| column_letters(c))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ));
                u32::MAX
            }
            _ => {
                errors.push(SheetError::at(
                    SheetErrorKind::MissingHeader,
                    header_row,
                    None,
                    format!("缺少表头“{name}”{hint}"),
                ));
                u32::MAX
            }
        }
    };
    let progress = find("进展情况", "");
    let problems = find("存在问题", "");
    let next_steps = find("下步打算", "");
    let values = (0..layout.values)
        .map(|i| {
            find(
                &super::value_header(i),
                "：计划的目标可能已变更，请重新下载督办表",
            )
        })
        .collect();
    let as_of = find(super::AS_OF_HEADER, "");
    let task_code = find(super::TASK_CODE_HEADER, "");
    let target_codes = find(super::TARGET_CODES_HEADER, "");
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Columns {
        header_row,
        progress,
        problems,
        next_steps,
        values,
        as_of,
        task_code,
        target_codes,
    })
}

fn read_main(grid: &Grid, expected: &SheetSpec) -> Result<FilledSheet, SheetErrors> {
    let layout = Layout {
        values: value_columns(expected),
    };
    let cols = find_columns(grid, layout).map_err(|errors| SheetErrors { errors, more: 0 })?;
    let data_rows: Vec<u32> = grid
        .rows()
        .into_iter()
        .filter(|&r| r > cols.header_row)
        .collect();
    if data_rows.len() > MAX_ROWS {
        return Err(SheetErrors::one(SheetError::new(
            SheetErrorKind::TooManyRows,
            format!("数据行过多（{}行），上限为{MAX_ROWS}行", data_rows.len()),
        )));
    }
    let by_code: HashMap<&str, &SheetTaskRow> = expected
        .rows
        .iter()
        .map(|r| (r.task_code.as_str(), r))
        .collect();
    let input_cols: Vec<u32> = [cols.progress, cols.problems, cols.next_steps, cols.as_of]
        .into_iter()
        .chain(cols.values.iter().copied())
        .collect();

    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
    };
    let mut found: HashMap<String, (u32, FilledRow)> = HashMap::new();
    for r in data_rows {
        let code = grid
            .get(r, cols.task_code)
            .and_then(|v| cell_text(v).ok())
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if code.is_empty() {
            // Only cells a unit fills matter: a note typed under the table in a read-only
            // column is harmless, a value in a row without a code would be lost.
            if let Some(&c) = input_cols.iter().find(|&&c| grid.get(r, c).is_some()) {
                errs.push(SheetError::at(
                    SheetErrorKind::InsertedRow,
                    r,
                    Some(c),
                    "此行没有任务编码（隐藏列），像是新插入的行：请把内容填到对应任务的行中，不要插入行"
                        .into(),
                ));
            }
            continue;
        }
        let Some(task) = by_code.get(code.as_str()) else {
            errs.push(SheetError::at(
                SheetErrorKind::UnknownTask,
                r,
                Some(cols.task_code),
                format!("未知的任务编码“{code}”：此任务不在本单位本期的督办表中"),
            ));
            continue;
        };
        if let Some((first_row, _)) = found.get(&code) {
            errs.push(SheetError::at(
                SheetErrorKind::DuplicateTask,
                r,
                Some(cols.task_code),
                format!(
                    "任务编码“{code}”重复（第{}行已有此任务）：请删除复制出的行",
                    first_row + 1
                ),
            ));
            continue;
        }
        if let Some(row) = read_row(grid, r, &cols, task, &mut errs) {
            found.insert(code, (r, row));
        } else {
            found.insert(code, (r, placeholder(task)));
        }
    }
    for task in &expected.rows {
        if !found.contains_key(&task.task_code) {
            errs.push(SheetError::new(
                SheetErrorKind::MissingTask,
                format!(
                    "缺少任务行 {}（序号{} {}）：请勿删除行",
                    task.task_code,
                    task.number,
                    task.title.chars().take(30).collect::<String>()
                ),
            ));
        }
    }
    if !errs.list.is_empty() {
        return Err(SheetErrors {
            errors: errs.list,
            more: errs.more,
        });
    }
    let rows = expected
        .rows
        .iter()
        .filter_map(|t| found.remove(&t.task_code).map(|(_, row)| row))
        .collect();
    Ok(FilledSheet {
        plan_code: expected.plan_code.clone(),
        period_code: expected.period_code.clone(),
        unit_code: expected.unit_code.clone(),
        rows,
    })
}

fn placeholder(task: &SheetTaskRow) -> FilledRow {
    FilledRow {
        task_code: task.task_code.clone(),
        progress: String::new(),
        problems: String::new(),
        next_steps: String::new(),
        as_of: None,
        values: Vec::new(),
    }
}

/// Reads one task row; pushes its errors and returns `None` if there were any.
fn read_row(
    grid: &Grid,
    r: u32,
    cols: &Columns,
    task: &SheetTaskRow,
    errs: &mut Errors,
) -> Option<FilledRow> {
    let before = errs.list.len() + errs.more;
    // Target codes: the plan must not have changed since the export.
    let codes_text = grid
        .get(r, cols.target_codes)
        .and_then(|v| cell_text(v).ok())
        .unwrap_or_default();
    let file_codes: Vec<&str> = codes_text
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let want: Vec<&str> = task
        .targets
        .iter()
        .map(|t| t.target_code.as_str())
        .collect();
    if file_codes != want {
        errs.push(SheetError::at(
            SheetErrorKind::TargetsChanged,
            r,
            Some(cols.target_codes),
            format!(
                "任务 {} 的目标已变更（文件中为“{}”，现为“{}”）：请重新下载督办表",
                task.task_code,
                file_codes.join("|"),
                want.join("|")
            ),
        ));
        return None;
    }

    let mut text = |c: u32| -> String {
        let Some(v) = grid.get(r, c) else {
            return String::new();
        };
        match cell_text(v) {
            Ok(t) => {
                let t = normalize_text(&t);
                let n = t.chars().count();
                if n > MAX_TEXT_CHARS {
                    errs.push(SheetError::at(
                        SheetErrorKind::TextTooLong,
                        r,
                        Some(c),
                        format!("文字过长（{n}字），上限为{MAX_TEXT_CHARS}字"),
                    ));
                }
                t
            }
            Err(m) => {
                errs.push(SheetError::at(SheetErrorKind::NotANumber, r, Some(c), m));
                String::new()
            }
        }
    };
    let progress = text(cols.progress);
    let problems = text(cols.problems);
    let next_steps = text(cols.next_steps);

    let mut values = Vec::with_capacity(task.targets.len());
    for (i, &c) in cols.values.iter().enumerate() {
        let cell = grid.get(r, c);
        match task.targets.get(i) {
            Some(t) => {
                let v = match cell {
                    None => None,
                    Some(v) => match read_value(v, t.unit.as_deref()) {
                        Ok(x) => x,
                        Err(m) => {
                            errs.push(SheetError::at(SheetErrorKind::NotANumber, r, Some(c), m));
                            None
                        }
                    },
                };
                values.push(FilledValue {
                    target_code: t.target_code.clone(),
                    value: v,
                });
            }
            None => {
                if let Some(v) = cell {
                    errs.push(SheetError::at(
                        SheetErrorKind::UnexpectedValue,
                        r,
                        Some(c),
                        format!(
                            "{} 填在了本任务没有的目标列（本任务有{}个目标）：请留空",
                            quote(v),
                            task.targets.len()
                        ),
                    ));
                }
            }
        }
    }

    let as_of = match grid.get(r, cols.as_of) {
        None => None,
        Some(v) => match read_date(v) {
            Ok(d) => Some(d),
            Err(m) => {
                errs.push(SheetError::at(
                    SheetErrorKind::NotADate,
                    r,
                    Some(cols.as_of),
                    m,
                ));
                None
            }
        },
    };

    if errs.list.len() + errs.more > before {
        return None;
    }
    Some(FilledRow {
        task_code: task.task_code.clone(),
        progress,
        problems,
        next_steps,
        as_of,
        values,
    })
}

fn read_value(v: &Data, unit: Option<&str>) -> Result<Option<f64>, String> {
    let check = |x: f64| {
        if x.is_finite() && x.abs() <= super::MAX_ABS_VALUE {
            Ok(Some(x))
        } else {
            Err(format!("{} {}", quote(v), NumberError::OutOfRange))
        }
    };
    match v {
        Data::Empty => Ok(None),
        Data::Int(i) => check(*i as f64),
        Data::Float(f) => check(*f),
        Data::String(s) => parse_number(s, unit).map_err(|e| e.about(s)),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("{} 是日期或时间，不是数字", quote(v)))
        }
        Data::Bool(_) => Err(format!("{} 不是数字", quote(v))),
        Data::Error(e) => Err(format!("单元格是公式错误（{e}），请填写数字")),
    }
}

/// Dates: typed date cells, serial numbers (1900 system), or text such as 2020-06-30,
/// 2020/6/30, 2020.6.30, 2020年6月30日.
fn read_date(v: &Data) -> Result<NaiveDate, String> {
    let bad = || format!("{} 不是日期（请写成 2020-06-30）", quote(v));
    let date = match v {
        Data::DateTime(dt) => dt.as_datetime().map(|d| d.date()),
        Data::Int(_) | Data::Float(_) => v.as_f64().and_then(serial_to_date),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        Data::String(s) => parse_date_text(s),
        _ => None,
    };
    match date {
        Some(d) if (1949..=2199).contains(&chrono::Datelike::year(&d)) => Ok(d),
        _ => Err(bad()),
    }
}

/// Excel 1900-system serial (integral) to a date; serials before 1900-03-01 are refused
/// (Excel's fictitious 1900-02-29 makes them ambiguous).
fn serial_to_date(x: f64) -> Option<NaiveDate> {
    if x.fract() != 0.0 || !(61.0..=2_958_465.0).contains(&x) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(x as u64))
}

fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let folded: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '年' | '月' | '/' | '.' | '－' | '／' | '．' => '-',
            '日' | '号' => ' ',
            _ => c,
        })
        .collect();
    let t = folded.trim();
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    if !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) || parts[0].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(parse_date_text("2020-06-30"), Some(d(2020, 6, 30)));
        assert_eq!(parse_date_text("2020/6/30"), Some(d(2020, 6, 30)));
        assert_eq!(parse_date_text("2020.6.30"), Some(d(2020, 6, 30)));
        assert_eq!(parse_date_text("2020年6月30日"), Some(d(2020, 6, 30)));
        assert_eq!(
            parse_date_text("２０２０年６月３０日"),
            Some(d(2020, 6, 30))
        );
        assert_eq!(parse_date_text("2020-02-30"), None);
        assert_eq!(parse_date_text("6/30/2020"), None);
        assert_eq!(parse_date_text("上半年"), None);
        assert_eq!(serial_to_date(44012.0), Some(d(2020, 6, 30)));
        assert_eq!(serial_to_date(44012.5), None);
        assert_eq!(read_date(&Data::Float(44012.0)), Ok(d(2020, 6, 30)));
        assert!(read_date(&Data::Float(100.0)).is_err());
        assert!(read_date(&Data::String("明天".into())).is_err());
    }

    #[test]
    fn values() {
        assert_eq!(read_value(&Data::Int(350), None), Ok(Some(350.0)));
        assert_eq!(read_value(&Data::Float(12.5), None), Ok(Some(12.5)));
        assert_eq!(
            read_value(&Data::String("三百五十".into()), None),
            Err("“三百五十” 不是数字".into())
        );
        assert!(read_value(&Data::Float(f64::INFINITY), None).is_err());
        assert!(read_value(&Data::Bool(true), None).is_err());
    }
}
