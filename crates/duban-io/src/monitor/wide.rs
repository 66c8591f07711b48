//! Wide tables as statistics bureaus publish them: one indicator, regions down, periods
//! across, a 累计值 and/or 累计增速 column per period; xlsx (first sheet) or csv.
//!
//! ```text
//! 2020年各市服务业增加值            ← title rows above the header are skipped
//! 地区 | 2020年1-3月累计值(亿元) | 2020年1-3月累计增速(%) | 2020-Q2 累计值 | …
//! 杭州市 | 1234.5 | -3.2 | …
//! 注：…                             ← reading stops at a 注/资料来源/数据来源 line
//! ```
//!
//! - The header row is the first whose first non-empty cell is 地区, 地区名称, 区域, 城市,
//!   市别 or `region`; that column holds the regions (spaces, also full-width, removed).
//! - A column header is a period followed by a measure word. Periods: `2020-03`, `2020-Q3`,
//!   `2020`, `2020年1-9月` (`—`, `–`, `~`, `至` also), `2020年9月`, `2020年一季度`/
//!   `第一季度`/`1季度`, `上半年`, `前三季度`, `全年`/`2020年`. Cumulative periods end at a
//!   month and are mapped to the indicator's frequency (1-9月 → `2020-09` monthly, `2020-Q3`
//!   quarterly; a yearly indicator takes only full years). Measure words: 累计值, 当期值,
//!   绝对值, 总量, 数值, 值 → the indicator itself; 累计增速, 累计增长, 同比增速, 同比增长,
//!   比上年同期增长, 比上年增长, 增速, 增幅, 增长 → the indicator named `<name>累计增速`
//!   (bureaus compute growth at comparable prices, so it is kept, not recomputed).
//!   A parenthesised unit (`(亿元)`, `（%）`) is ignored.
//! - Values: numbers, or text numbers (full-width digits, `1,234.5`); blank, `-`, `—`, `…`,
//!   `/`, `x` are missing. Anything else is an error naming its cell (`C5`).
//! - Every observation gets the `published` date given by the caller (the bulletin's date),
//!   or none (known from the day after its period).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use duban_core::monitor::{Frequency, Observation, Period, Series};

use super::{MonitorIoError, Place, Result, decode_text};
use crate::supervision_sheet::{column_letters, parse_number};

/// Suffix of the indicator that holds a table's growth columns.
pub const GROWTH_SUFFIX: &str = "累计增速";

/// Largest wide table read (bytes).
pub const MAX_WIDE_BYTES: usize = 10 * 1024 * 1024;
/// At most this many data rows.
pub const MAX_WIDE_ROWS: usize = 10_000;

const REGION_HEADERS: [&str; 7] = ["地区", "地区名称", "区域", "城市", "市别", "地市", "region"];
const VALUE_WORDS: [&str; 6] = ["累计值", "当期值", "绝对值", "总量", "数值", "值"];
const GROWTH_WORDS: [&str; 9] = [
    "比上年同期增长",
    "比上年增长",
    "累计增速",
    "累计增长",
    "同比增速",
    "同比增长",
    "增速",
    "增幅",
    "增长",
];
const MISSING: [&str; 8] = ["-", "--", "—", "——", "…", "...", "/", "x"];

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Number(f64),
    Text(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Number(v) => v.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }
}

fn cell_ref(row: usize, col: usize) -> String {
    format!("{}{}", column_letters(col as u32), row + 1)
}

fn at_cell(row: usize, col: usize, message: impl Into<String>) -> MonitorIoError {
    MonitorIoError {
        place: Place::Cell(cell_ref(row, col)),
        message: message.into(),
    }
}

/// Remove every kind of space (bureaus pad 杭　州 with full-width spaces).
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Read a wide table (xlsx by its zip magic, else csv) for `indicator`.
pub fn read_wide(
    bytes: &[u8],
    indicator: &str,
    frequency: Frequency,
    published: Option<NaiveDate>,
) -> Result<Vec<Observation>> {
    if bytes.len() > MAX_WIDE_BYTES {
        return Err(MonitorIoError::file(format!(
            "文件超过 {} MB",
            MAX_WIDE_BYTES / 1024 / 1024
        )));
    }
    let grid = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        xlsx_grid(bytes)?
    } else {
        csv_grid(bytes)?
    };
    read_grid(&grid, indicator, frequency, published)
}

fn csv_grid(bytes: &[u8]) -> Result<Vec<Vec<Cell>>> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(super::csv_error)?;
        rows.push(
            rec.iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        );
        if rows.len() > MAX_WIDE_ROWS + 50 {
            return Err(MonitorIoError::file(format!("超过 {MAX_WIDE_ROWS} 行")));
        }
    }
    Ok(rows)
}

/// The most columns a wide table may span (years or months across).
const MAX_WIDE_COLUMNS: usize = 1_000;
/// The most grid cells (filled or not) the rows may span together: one far cell per row
/// must not make every row a thousand cells wide.
const MAX_WIDE_CELLS: usize = 2_000_000;

/// The first worksheet's cells at their sheet positions, streamed: a stray cell far away
/// (XFD1048576) is refused by its position before anything is allocated for it.
fn xlsx_grid(bytes: &[u8]) -> Result<Vec<Vec<Cell>>> {
    use calamine::{Data, Reader, Xlsx};
    // Same guard as the 督办表: size, legacy .xls, zip bombs, before calamine sees the bytes.
    crate::supervision_sheet::guard::check(bytes)
        .map_err(|e| MonitorIoError::file(e.message.clone()))?;
    let unreadable =
        |e: &dyn std::fmt::Display| MonitorIoError::file(format!("无法读取 xlsx：{e}"));
    let read = || -> Result<Vec<Vec<Cell>>> {
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
        let name = wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| unreadable(&"没有工作表"))?;
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(&e))?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        let mut spanned = 0usize;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            if r > MAX_WIDE_ROWS + 50 {
                return Err(MonitorIoError::file(format!("超过 {MAX_WIDE_ROWS} 行")));
            }
            if c >= MAX_WIDE_COLUMNS {
                return Err(MonitorIoError::file(format!("超过 {MAX_WIDE_COLUMNS} 列")));
            }
            let value = match Data::from(cell.get_value().clone()) {
                Data::Empty => continue,
                Data::Float(v) => Cell::Number(v),
                Data::Int(v) => Cell::Number(v as f64),
                Data::String(s) if s.trim().is_empty() => continue,
                Data::String(s) => Cell::Text(s),
                other => Cell::Text(other.to_string()),
            };
            if rows.len() <= r {
                rows.resize_with(r + 1, Vec::new);
            }
            let row = &mut rows[r];
            if row.len() <= c {
                spanned += c + 1 - row.len();
                if spanned > MAX_WIDE_CELLS {
                    return Err(MonitorIoError::file(format!(
                        "表格过大（超过 {MAX_WIDE_CELLS} 个单元格）"
                    )));
                }
                row.resize_with(c + 1, || Cell::Empty);
            }
            row[c] = value;
        }
        Ok(rows)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err(unreadable(&"文件已损坏")))
}

/// What a value column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Value(Period),
    Growth(Period),
}

fn strip_parens(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `2020-03`, `2020年1-9月`, `2020年一季度` … → a period of `frequency`.
pub fn parse_period_label(text: &str, frequency: Frequency) -> Option<Period> {
    let t = squeeze(text);
    let t = t.trim_end_matches(['_', '-', ':', '：']);
    if let Ok(p) = Period::parse(t) {
        return (p.frequency() == frequency).then_some(p);
    }
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let year: i32 = digits.parse().ok()?;
    let rest = &t[4..];
    let rest = rest.strip_prefix('年').unwrap_or(rest);
    let end_month: u32 = match rest {
        "" | "全年" | "1-12月" => 12,
        "一季度" | "第一季度" | "1季度" | "1季" => 3,
        "二季度" | "第二季度" | "2季度" | "上半年" | "1-2季度" => 6,
        "三季度" | "第三季度" | "3季度" | "前三季度" | "1-3季度" => 9,
        "四季度" | "第四季度" | "4季度" | "1-4季度" => 12,
        _ => {
            let m = rest.strip_suffix('月')?;
            let m = m
                .strip_prefix("1")
                .and_then(|r| r.strip_prefix(['-', '—', '–', '~', '～', '至']))
                .unwrap_or(m);
            let n: u32 = m.parse().ok()?;
            if !(1..=12).contains(&n) {
                return None;
            }
            n
        }
    };
    match frequency {
        Frequency::Monthly => Period::month(year, end_month),
        Frequency::Quarterly => end_month
            .is_multiple_of(3)
            .then(|| Period::quarter(year, end_month / 3))
            .flatten(),
        Frequency::Yearly => (end_month == 12).then(|| Period::year(year)).flatten(),
    }
}

fn parse_header(text: &str, frequency: Frequency) -> Option<Column> {
    let t = squeeze(&strip_parens(text));
    if let Some(w) = GROWTH_WORDS.iter().find(|w| t.ends_with(**w)) {
        let p = parse_period_label(&t[..t.len() - w.len()], frequency)?;
        return Some(Column::Growth(p));
    }
    let w = VALUE_WORDS.iter().find(|w| t.ends_with(**w))?;
    parse_period_label(&t[..t.len() - w.len()], frequency).map(Column::Value)
}

fn is_note(s: &str) -> bool {
    ["注", "资料来源", "数据来源", "说明"]
        .iter()
        .any(|w| s.starts_with(w))
}

fn read_grid(
    grid: &[Vec<Cell>],
    indicator: &str,
    frequency: Frequency,
    published: Option<NaiveDate>,
) -> Result<Vec<Observation>> {
    let growth_name = format!("{indicator}{GROWTH_SUFFIX}");
    // The header: the first row whose first non-empty cell names the region column.
    let (h, region_col) = grid
        .iter()
        .enumerate()
        .take(50)
        .find_map(|(i, row)| {
            let (j, c) = row.iter().enumerate().find(|(_, c)| **c != Cell::Empty)?;
            let t = squeeze(&c.text()).to_lowercase();
            REGION_HEADERS.contains(&t.as_str()).then_some((i, j))
        })
        .ok_or_else(|| {
            MonitorIoError::file(
                "找不到表头：表头行的第一格应为“地区”（或 地区名称、城市、region）",
            )
        })?;
    let mut columns: Vec<(usize, Column)> = Vec::new();
    let mut seen = BTreeMap::new();
    for (j, c) in grid[h].iter().enumerate().skip(region_col + 1) {
        if *c == Cell::Empty {
            continue;
        }
        let text = c.text();
        let col = parse_header(&text, frequency).ok_or_else(|| {
            at_cell(
                h,
                j,
                format!(
                    "表头“{}”不是“统计期+累计值/累计增速”（如 2020年1-9月累计值；指标为{}）",
                    text.trim(),
                    frequency.label_zh()
                ),
            )
        })?;
        if let Some(first) = seen.insert(col, j) {
            return Err(at_cell(
                h,
                j,
                format!("与 {} 列重复", column_letters(first as u32)),
            ));
        }
        columns.push((j, col));
    }
    if columns.is_empty() {
        return Err(at_cell(h, region_col, "表头没有数据列"));
    }
    let mut out = Vec::new();
    let mut regions: BTreeMap<String, usize> = BTreeMap::new();
    for (i, row) in grid.iter().enumerate().skip(h + 1) {
        let get = |j: usize| row.get(j).cloned().unwrap_or(Cell::Empty);
        let region = squeeze(&get(region_col).text());
        if region.is_empty() {
            if columns.iter().all(|(j, _)| get(*j) == Cell::Empty) {
                continue;
            }
            return Err(at_cell(i, region_col, "地区为空"));
        }
        if is_note(&region) {
            break;
        }
        if let Some(first) = regions.insert(region.clone(), i) {
            return Err(at_cell(
                i,
                region_col,
                format!("地区“{region}”与第 {} 行重复", first + 1),
            ));
        }
        for (j, col) in &columns {
            let value = match get(*j) {
                Cell::Empty => continue,
                Cell::Number(v) if v.is_finite() => v,
                Cell::Number(_) => return Err(at_cell(i, *j, "不是有限数")),
                Cell::Text(s) => {
                    let t = squeeze(&s);
                    if MISSING.iter().any(|m| t.eq_ignore_ascii_case(m)) {
                        continue;
                    }
                    match parse_number(&s, None) {
                        Ok(None) => continue,
                        Ok(Some(v)) => v,
                        Err(e) => return Err(at_cell(i, *j, format!("“{}” {e}", s.trim()))),
                    }
                }
            };
            let (name, period) = match col {
                Column::Value(p) => (indicator, *p),
                Column::Growth(p) => (growth_name.as_str(), *p),
            };
            out.push(Observation {
                region: region.clone(),
                indicator: name.to_string(),
                period,
                value,
                published,
            });
        }
    }
    if regions.len() > MAX_WIDE_ROWS {
        return Err(MonitorIoError::file(format!("超过 {MAX_WIDE_ROWS} 行")));
    }
    Ok(out)
}

/// The grid of a wide table for `indicator` as known on `as_of`: header row, one row per
/// region, a 累计值 column per period (and a 累计增速 column where `<indicator>累计增速` has
/// figures). Periods are written as `2020-Q3`, so the table reads back exactly.
pub fn wide_grid(series: &Series, indicator: &str, as_of: NaiveDate) -> Vec<Vec<String>> {
    let growth = format!("{indicator}{GROWTH_SUFFIX}");
    let mut regions = BTreeSet::new();
    let mut periods = BTreeSet::new();
    let mut cells: BTreeMap<(String, Period, bool), f64> = BTreeMap::new();
    for (g, name) in [(false, indicator), (true, growth.as_str())] {
        for region in series.regions(name) {
            for k in series.as_of(region, name, as_of).known() {
                regions.insert(region.to_string());
                periods.insert((k.period, g));
                cells.insert((region.to_string(), k.period, g), k.value);
            }
        }
    }
    let mut header = vec!["地区".to_string()];
    header.extend(
        periods
            .iter()
            .map(|(p, g)| format!("{p} {}", if *g { GROWTH_SUFFIX } else { "累计值" })),
    );
    let mut grid = vec![header];
    for r in &regions {
        let mut row = vec![r.clone()];
        row.extend(periods.iter().map(|(p, g)| {
            cells
                .get(&(r.clone(), *p, *g))
                .map(|v| v.to_string())
                .unwrap_or_default()
        }));
        grid.push(row);
    }
    grid
}

/// [`wide_grid`] as CSV (UTF-8 with BOM, so Excel opens it as UTF-8).
pub fn write_wide_csv(series: &Series, indicator: &str, as_of: NaiveDate) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    for row in wide_grid(series, indicator, as_of) {
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// [`wide_grid`] as an xlsx workbook (numbers as numbers).
pub fn write_wide_xlsx(series: &Series, indicator: &str, as_of: NaiveDate) -> Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let err = |e: rust_xlsxwriter::XlsxError| MonitorIoError::file(e.to_string());
    for (i, row) in wide_grid(series, indicator, as_of).iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let (r, c) = (i as u32, j as u16);
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if i > 0 && j > 0 => sheet.write_number(r, c, v).map_err(err)?,
                _ => sheet
                    .write_string(r, c, crate::formula::neutralise(cell))
                    .map_err(err)?,
            };
        }
    }
    book.save_to_buffer().map_err(err)
}
