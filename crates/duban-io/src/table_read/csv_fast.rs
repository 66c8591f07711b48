//! CSV → table: parallel parts split at line ends when the text has no quotes, the `csv` crate
//! (sequential) otherwise. Both give the same table and the same errors (property-tested).

use std::borrow::Cow;

use memchr::{memchr, memchr_iter};
use rayon::prelude::*;

use super::sink::{CellRef, Resolved, Sink, resolve, shift_rows};
use super::{ReadSpec, SourceTable};
use crate::eval_data::EvalDataError;

/// Below this many bytes per part, threads cost more than they save.
const MIN_PART_BYTES: usize = 1 << 20;

/// How to split the text (tests force each path).
#[derive(Debug, Clone, Copy)]
pub(crate) enum CsvPath {
    /// Parallel parts of at least this many bytes when the text allows it, else sequential.
    Auto { min_part: usize },
    /// Always the `csv` crate, one record after the other (tests compare the paths).
    #[cfg_attr(not(test), allow(dead_code))]
    Sequential,
}

/// Reads CSV bytes: UTF-8 (with or without BOM), else GB18030 as Chinese Excel exports it.
pub fn read_csv_table(bytes: &[u8], spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    read_csv_table_with(
        &decode(bytes),
        spec,
        CsvPath::Auto {
            min_part: MIN_PART_BYTES,
        },
    )
}

/// The text of CSV bytes (borrowed when it is UTF-8).
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    }
}

pub(crate) fn read_csv_table_with(
    text: &str,
    spec: &ReadSpec,
    path: CsvPath,
) -> Result<SourceTable, EvalDataError> {
    match path {
        CsvPath::Auto { min_part } if splittable(text.as_bytes()) => {
            read_parallel(text, spec, min_part)
        }
        _ => read_sequential(text, spec),
    }
}

/// Lines are records exactly when there is no quote (a quoted field may hold a line break)
/// and every `\r` ends a line with `\n` (the `csv` crate also ends records at a lone `\r`).
fn splittable(b: &[u8]) -> bool {
    memchr(b'"', b).is_none()
        && memchr_iter(b'\r', b).all(|i| matches!(b.get(i + 1), None | Some(b'\n')))
}

/// One record: the ragged check, blank records, then the wanted cells.
fn record(sink: &mut Sink, cells: &[&str], row: usize) -> Result<(), EvalDataError> {
    let res: &Resolved = sink.res;
    if cells.len() != res.width && !(cells.len() == 1 && cells[0].trim().is_empty()) {
        return Err(EvalDataError::RaggedRow {
            row,
            found: cells.len(),
            expected: res.width,
        });
    }
    if cells.iter().all(|c| c.trim().is_empty()) {
        sink.skip();
        return Ok(());
    }
    sink.push(row, |k| CellRef::Text(cells[res.src[k]]))
}

fn read_sequential(text: &str, spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let csv_err = |row: usize, e: csv::Error| EvalDataError::Csv(format!("row {row}: {e}"));
    if !rdr.read_record(&mut rec).map_err(|e| csv_err(1, e))? {
        return Err(EvalDataError::Empty);
    }
    let header: Vec<String> = rec.iter().map(str::to_string).collect();
    let res = resolve(&header, spec)?;
    let mut sink = Sink::new(&res, 0);
    sink.rows.first = 2;
    let mut row = 1;
    loop {
        row += 1;
        if !rdr.read_record(&mut rec).map_err(|e| csv_err(row, e))? {
            break;
        }
        let cells: Vec<&str> = rec.iter().collect();
        if let Err(e) = record(&mut sink, &cells, row) {
            // Rows before the error come first: a duplicate among them is reported instead.
            return Err(sink.duplicate_key().unwrap_or(e));
        }
    }
    sink.finish()
}

/// Lines without their `\n` / `\r\n`; empty lines are not records (as in the `csv` crate).
fn for_each_line<'t>(text: &'t str, mut f: impl FnMut(&'t str) -> bool) {
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut emit = |a: usize, b: usize| -> bool {
        let line = &text[a..b];
        let line = line.strip_suffix('\r').unwrap_or(line);
        line.is_empty() || f(line)
    };
    for nl in memchr_iter(b'\n', bytes) {
        if !emit(start, nl) {
            return;
        }
        start = nl + 1;
    }
    if start < bytes.len() {
        emit(start, bytes.len());
    }
}

fn split_cells<'t>(line: &'t str, cells: &mut Vec<&'t str>) {
    cells.clear();
    let mut a = 0;
    for i in memchr_iter(b',', line.as_bytes()) {
        cells.push(&line[a..i]);
        a = i + 1;
    }
    cells.push(&line[a..]);
}

/// A part's table, its number of records, and the first error (row relative to the part).
type Part<'r> = (Sink<'r>, usize, Option<EvalDataError>);

fn parse_part<'r>(part: &str, res: &'r Resolved) -> Part<'r> {
    let lines = memchr_iter(b'\n', part.as_bytes()).count() + 1;
    let mut sink = Sink::new(res, lines);
    let mut cells = Vec::with_capacity(res.width);
    let mut records = 0;
    let mut error = None;
    for_each_line(part, |line| {
        records += 1;
        split_cells(line, &mut cells);
        match record(&mut sink, &cells, records) {
            Ok(()) => true,
            Err(e) => {
                error = Some(e);
                false
            }
        }
    });
    (sink, records, error)
}

fn read_parallel(
    text: &str,
    spec: &ReadSpec,
    min_part: usize,
) -> Result<SourceTable, EvalDataError> {
    // The header is the first non-empty line.
    let mut first_line = None;
    for_each_line(text, |line| {
        first_line = Some(line);
        false
    });
    let line = first_line.ok_or(EvalDataError::Empty)?;
    let header_end = line.as_ptr() as usize - text.as_ptr() as usize + line.len();
    let mut header = Vec::new();
    split_cells(line, &mut header);
    let res = resolve(&header, spec)?;

    let body = &text[header_end..];
    let parts = split_parts(body, min_part);
    let parsed: Vec<Part> = parts.par_iter().map(|p| parse_part(p, &res)).collect();

    let total: usize = parsed.iter().map(|(s, _, _)| s.kept).sum();
    let mut all = Sink::new(&res, total);
    all.rows.first = 2;
    let mut records_before = 0;
    for (sink, records, error) in parsed {
        all.append(sink);
        if let Some(e) = error {
            return Err(all
                .duplicate_key()
                .unwrap_or_else(|| shift_rows(e, 1 + records_before)));
        }
        records_before += records;
    }
    all.finish()
}

/// Splits at line ends into about equal parts of at least `min_part` bytes.
fn split_parts(body: &str, min_part: usize) -> Vec<&str> {
    let len = body.len();
    let n = (len / min_part.max(1))
        .min(rayon::current_num_threads() * 4)
        .max(1);
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    for p in 1..n {
        let target = (len * p / n).max(start);
        match memchr(b'\n', &body.as_bytes()[target..]) {
            Some(off) => {
                let end = target + off + 1;
                parts.push(&body[start..end]);
                start = end;
            }
            None => break,
        }
    }
    parts.push(&body[start..]);
    parts
}
