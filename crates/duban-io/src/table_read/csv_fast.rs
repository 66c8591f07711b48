//! CSV → table: parallel parts split at record ends, or the `csv` crate (sequential) for the
//! few texts the parallel parser does not read exactly as the `csv` crate does. Both give the
//! same table and the same errors (property-tested).
//!
//! The parallel parser reads RFC 4180 quoting (a field that starts with `"` ends at a `"` not
//! followed by another; `""` inside it is one `"`; it may hold `,` and line breaks). Parts are
//! split at line ends outside quotes, found from the parity of the quotes before them (counted
//! in parallel). A quote the `csv` crate reads leniently (inside an unquoted field, text after
//! a closing quote, a quote never closed) or a lone `\r` (a record end for the `csv` crate)
//! sends the whole text to the `csv` crate: when no part meets one, every part began at a real
//! record start (by induction from the first), so the parts read exactly as the whole would.

use std::borrow::Cow;

use memchr::{memchr, memchr_iter, memchr2, memchr3};
use rayon::prelude::*;

use super::sink::{CellRef, Resolved, Sink, resolve, shift_rows};
use super::{ReadSpec, SourceTable};
use crate::eval_data::{EvalDataError, trim_cell};

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

/// Below this many bytes per part, one thread validates UTF-8 faster than several.
const MIN_UTF8_PART: usize = 8 << 20;

/// The text of CSV bytes (borrowed when it is UTF-8).
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    decode_with(bytes, MIN_UTF8_PART)
}

/// [`decode`] with UTF-8 validated in parts of at least `min_part` bytes (tests force parts).
pub(crate) fn decode_with(bytes: &[u8], min_part: usize) -> Cow<'_, str> {
    match utf8_parallel(bytes, min_part) {
        Some(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        None => encoding_rs::GB18030.decode(bytes).0,
    }
}

/// `bytes` as text when they are UTF-8, validated in parallel parts (the same verdict as
/// `std::str::from_utf8`, property-tested). Each cut is moved forward past continuation bytes
/// (`10xxxxxx`), so in valid UTF-8 every cut is a character boundary and every part is valid;
/// conversely, parts that are each valid concatenate to valid UTF-8.
pub(crate) fn utf8_parallel(bytes: &[u8], min_part: usize) -> Option<&str> {
    let n = (bytes.len() / min_part.max(1)).clamp(1, 4 * rayon::current_num_threads());
    if n == 1 {
        return std::str::from_utf8(bytes).ok();
    }
    let mut cuts = Vec::with_capacity(n + 1);
    cuts.push(0);
    for k in 1..n {
        let mut c = (bytes.len() / n * k).max(cuts[k - 1]);
        while c < bytes.len() && bytes[c] & 0xC0 == 0x80 {
            c += 1;
        }
        cuts.push(c);
    }
    cuts.push(bytes.len());
    let valid = cuts
        .par_windows(2)
        .all(|w| std::str::from_utf8(&bytes[w[0]..w[1]]).is_ok());
    // SAFETY: the parts `bytes[cuts[k]..cuts[k + 1]]` cover `bytes` end to end and each was
    // just validated as UTF-8; a concatenation of valid UTF-8 sequences is valid UTF-8.
    valid.then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

pub(crate) fn read_csv_table_with(
    text: &str,
    spec: &ReadSpec,
    path: CsvPath,
) -> Result<SourceTable, EvalDataError> {
    match path {
        CsvPath::Auto { min_part } if no_lone_cr(text.as_bytes()) => {
            read_parallel(text, spec, min_part)
                .unwrap_or_else(|Irregular| read_sequential(text, spec))
        }
        _ => read_sequential(text, spec),
    }
}

/// [`no_lone_cr`] checks blocks of this many bytes in parallel (one thread would scan a 1 GB
/// file alone).
const CR_BLOCK: usize = 1 << 22;

/// Every `\r` ends a line with `\n` (or the text): the `csv` crate also ends records at a lone
/// `\r`, which the parallel parser does not.
fn no_lone_cr(b: &[u8]) -> bool {
    (0..b.len().div_ceil(CR_BLOCK)).into_par_iter().all(|k| {
        let start = k * CR_BLOCK;
        let block = &b[start..(start + CR_BLOCK).min(b.len())];
        memchr_iter(b'\r', block).all(|i| matches!(b.get(start + i + 1), None | Some(b'\n')))
    })
}

/// Quoting the `csv` crate reads leniently (see the module doc): read sequentially instead.
#[derive(Debug)]
struct Irregular;

/// The next record of `s` from `*pos` (a record start) into `cells`, unquoted; `Ok(false)` at
/// the end. Empty lines are not records (as in the `csv` crate).
fn next_record<'t>(
    s: &'t str,
    pos: &mut usize,
    cells: &mut Vec<Cow<'t, str>>,
) -> Result<bool, Irregular> {
    let b = s.as_bytes();
    let mut i = *pos;
    loop {
        match b.get(i) {
            None => {
                *pos = i;
                return Ok(false);
            }
            Some(b'\n') => i += 1,
            Some(b'\r') if matches!(b.get(i + 1), None | Some(b'\n')) => i += 1,
            Some(_) => break,
        }
    }
    cells.clear();
    loop {
        // `i` is a field start; `end` will be the byte after the field.
        let end;
        if b.get(i) == Some(&b'"') {
            let mut j = i + 1;
            let mut owned: Option<String> = None;
            loop {
                let q = j + memchr(b'"', &b[j..]).ok_or(Irregular)?;
                if b.get(q + 1) == Some(&b'"') {
                    owned.get_or_insert_with(String::new).push_str(&s[j..=q]);
                    j = q + 2;
                } else {
                    cells.push(match owned {
                        Some(mut o) => {
                            o.push_str(&s[j..q]);
                            Cow::Owned(o)
                        }
                        None => Cow::Borrowed(&s[i + 1..q]),
                    });
                    end = q + 1;
                    break;
                }
            }
        } else {
            end = match memchr3(b',', b'\n', b'"', &b[i..]) {
                Some(k) if b[i + k] == b'"' => return Err(Irregular),
                Some(k) => i + k,
                None => b.len(),
            };
            let field = &s[i..end];
            cells.push(Cow::Borrowed(match b.get(end) {
                Some(b',') => field,
                _ => field.strip_suffix('\r').unwrap_or(field),
            }));
        }
        match b.get(end) {
            Some(b',') => i = end + 1,
            Some(b'\n') => {
                *pos = end + 1;
                return Ok(true);
            }
            None => {
                *pos = end;
                return Ok(true);
            }
            // After a closing quote: "\r\n", or "\r" at the end.
            Some(b'\r') => match b.get(end + 1) {
                Some(b'\n') => {
                    *pos = end + 2;
                    return Ok(true);
                }
                None => {
                    *pos = end + 1;
                    return Ok(true);
                }
                Some(_) => return Err(Irregular),
            },
            Some(_) => return Err(Irregular),
        }
    }
}

/// One record: the ragged check, blank records, then the wanted cells.
fn record<S: AsRef<str>>(sink: &mut Sink, cells: &[S], row: usize) -> Result<(), EvalDataError> {
    let res: &Resolved = sink.res;
    if cells.len() != res.width && !(cells.len() == 1 && cells[0].as_ref().trim().is_empty()) {
        return Err(EvalDataError::RaggedRow {
            row,
            found: cells.len(),
            expected: res.width,
        });
    }
    if cells.iter().all(|c| trim_cell(c.as_ref()).is_empty()) {
        sink.skip();
        return Ok(());
    }
    sink.push(row, |k| CellRef::Text(cells[res.src[k]].as_ref()))
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

/// A part's table, its number of records, and the first error (row relative to the part).
type Part<'r> = (Sink<'r>, usize, Option<EvalDataError>);

fn parse_part<'r>(part: &str, res: &'r Resolved) -> Result<Part<'r>, Irregular> {
    let mut sink = Sink::new(res, records_hint(part.as_bytes()));
    let mut cells = Vec::with_capacity(res.width);
    let mut records = 0;
    let mut pos = 0;
    while next_record(part, &mut pos, &mut cells)? {
        records += 1;
        if let Err(e) = record(&mut sink, &cells, records) {
            return Ok((sink, records, Some(e)));
        }
    }
    Ok((sink, records, None))
}

/// About how many records a part holds, from its first 64 KB (the columns' capacity: an
/// estimate too low only makes them grow), instead of counting every line end.
fn records_hint(b: &[u8]) -> usize {
    let sample = &b[..b.len().min(1 << 16)];
    let lines = memchr_iter(b'\n', sample).count() + 1;
    (b.len() as f64 * lines as f64 / sample.len().max(1) as f64 * 1.05) as usize + 1
}

fn read_parallel(
    text: &str,
    spec: &ReadSpec,
    min_part: usize,
) -> Result<Result<SourceTable, EvalDataError>, Irregular> {
    let mut pos = 0;
    let mut header = Vec::new();
    if !next_record(text, &mut pos, &mut header)? {
        return Ok(Err(EvalDataError::Empty));
    }
    let res = match resolve(&header, spec) {
        Ok(res) => res,
        Err(e) => return Ok(Err(e)),
    };
    let body = &text[pos..];
    let parts = split_parts(body, min_part);
    let parsed: Vec<Result<Part, Irregular>> =
        parts.par_iter().map(|p| parse_part(p, &res)).collect();

    let mut records_before = 0;
    let mut sinks = Vec::with_capacity(parsed.len());
    for part in parsed {
        let (sink, records, error) = part?;
        sinks.push(sink);
        if let Some(e) = error {
            let all = Sink::concat(&res, sinks);
            return Ok(Err(all
                .duplicate_key()
                .unwrap_or_else(|| shift_rows(e, 1 + records_before))));
        }
        records_before += records;
    }
    Ok(Sink::concat(&res, sinks).finish())
}

/// Splits at line ends outside quotes into about equal parts of at least `min_part` bytes.
/// (With irregular quoting the parity may be wrong; the parts' parser then finds the quote.)
fn split_parts(body: &str, min_part: usize) -> Vec<&str> {
    let b = body.as_bytes();
    let len = b.len();
    let n = (len / min_part.max(1))
        .min(rayon::current_num_threads() * 4)
        .max(1);
    let bounds: Vec<usize> = (0..=n).map(|p| len * p / n).collect();
    // Quotes in each stretch, counted in parallel: the parity before each target.
    let odd: Vec<bool> = (0..n - 1)
        .into_par_iter()
        .map(|p| memchr_iter(b'"', &b[bounds[p]..bounds[p + 1]]).count() % 2 == 1)
        .collect();
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    let mut quoted = false;
    for (p, &target) in bounds[1..n].iter().enumerate() {
        quoted ^= odd[p];
        let mut inside = quoted;
        let mut k = target;
        let end = loop {
            match memchr2(b'"', b'\n', &b[k..]) {
                None => break None,
                Some(off) if b[k + off] == b'"' => {
                    inside = !inside;
                    k += off + 1;
                }
                Some(off) if inside => k += off + 1,
                Some(off) => break Some(k + off + 1),
            }
        };
        match end {
            Some(end) if end > start => {
                parts.push(&body[start..end]);
                start = end;
            }
            Some(_) => {}
            None => break,
        }
    }
    parts.push(&body[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table_read::ColumnSpec;

    /// A `\r` at the end of a block is judged by the byte after it, in the next block.
    #[test]
    fn lone_cr_is_found_across_blocks() {
        let mut b = vec![b'x'; 2 * CR_BLOCK];
        assert!(no_lone_cr(&b));
        b[CR_BLOCK - 1] = b'\r';
        assert!(!no_lone_cr(&b));
        b[CR_BLOCK] = b'\n';
        assert!(no_lone_cr(&b));
        b.push(b'\r');
        assert!(no_lone_cr(&b));
        b.push(b'\r');
        assert!(!no_lone_cr(&b));
    }

    /// Quoted files (as pyarrow and Excel write them) are read in parallel parts, not handed
    /// to the `csv` crate; lenient quoting is.
    #[test]
    fn quoted_text_takes_the_parallel_path() {
        let spec = ReadSpec {
            columns: vec![ColumnSpec::text("id"), ColumnSpec::number("x")],
            key: Some(0),
        };
        let mut text = String::from("\"id\",\"x\"\r\n");
        for i in 0..200 {
            text.push_str(&format!("\"u{i}\",{i}.5\r\n\"a,\n\"\"{i}\"\"\",1\r\n"));
        }
        let t = read_parallel(&text, &spec, 64).unwrap().unwrap();
        assert!(split_parts(&text, 64).len() > 1);
        assert_eq!(t.table.rows(), 400);
        assert_eq!(t.table.text("id").unwrap().get(1), "a,\n\"0\"");
        assert_eq!(t.table.number("x").unwrap()[2], 1.5);
        for lenient in ["id,x\nu\"1,1\n", "id,x\n\"u\" 1,1\n", "id,x\n\"u1,1\n"] {
            assert!(read_parallel(lenient, &spec, 1).is_err(), "{lenient:?}");
        }
    }
}
