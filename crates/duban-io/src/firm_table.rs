//! A CSV file → [`Table`] of the columns a firm-level spec reads (亩均效益).
//!
//! Interim reader, kept apart so the product reader (parallel CSV, Parquet, Arrow IPC) can
//! replace it: [`read_csv_table`] is the only entry point. Rules as [`crate::eval_data`]: UTF-8
//! (BOM allowed) or GB18030, first row the header, cells trimmed, empty cells and the usual
//! marks (NA, -, —, …) missing, number columns must hold finite numbers. Files without
//! quotes are split at line ends and parsed in parallel; quoted files go through the `csv`
//! crate. Errors name the line (header = 1), the column letter and name.

use std::borrow::Cow;

use duban_engine::firm::ColumnUse;
use duban_engine::table::{Column, Table, TextColumn};
use rayon::prelude::*;

use crate::eval_data::{EvalDataError, column_letter, parse_number};

enum Builder {
    Number(Vec<f64>),
    Text(TextColumn),
}

/// Column builders for one stretch of rows.
struct Sink<'a> {
    /// For each header column: the builder slot it fills, if wanted.
    slots: &'a [Option<usize>],
    header: &'a [String],
    cols: Vec<Builder>,
    rows: usize,
}

impl<'a> Sink<'a> {
    fn new(slots: &'a [Option<usize>], header: &'a [String], uses: &[ColumnUse]) -> Self {
        let cols = uses
            .iter()
            .map(|u| match u {
                ColumnUse::Number => Builder::Number(Vec::new()),
                ColumnUse::Text => Builder::Text(TextColumn::new()),
            })
            .collect();
        Sink {
            slots,
            header,
            cols,
            rows: 0,
        }
    }

    /// One data row; `line` is its 1-based line number for errors.
    fn push<'s>(
        &mut self,
        fields: impl Iterator<Item = &'s str>,
        line: usize,
    ) -> Result<(), EvalDataError> {
        let mut found = 0;
        for (j, cell) in fields.enumerate() {
            found += 1;
            let Some(Some(slot)) = self.slots.get(j) else {
                continue;
            };
            match &mut self.cols[*slot] {
                Builder::Text(t) => t.push(cell.trim()),
                Builder::Number(v) => {
                    let x = cell
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .or_else(|| parse_number(cell))
                        .ok_or_else(|| EvalDataError::NotANumber {
                            row: line,
                            col: column_letter(j),
                            name: self.header[j].clone(),
                            text: cell.trim().to_string(),
                        })?;
                    v.push(x);
                }
            }
        }
        if found != self.slots.len() {
            return Err(EvalDataError::RaggedRow {
                row: line,
                found,
                expected: self.slots.len(),
            });
        }
        self.rows += 1;
        Ok(())
    }

    fn append(&mut self, other: Sink) {
        for (a, b) in self.cols.iter_mut().zip(other.cols) {
            match (a, b) {
                (Builder::Number(a), Builder::Number(b)) => a.extend(b),
                (Builder::Text(a), Builder::Text(b)) => a.extend(&b),
                _ => unreachable!("same column uses"),
            }
        }
        self.rows += other.rows;
    }
}

/// Reads the wanted columns (name, how) of CSV bytes into a table, in the order asked.
pub fn read_csv_table(
    bytes: &[u8],
    wanted: &[(String, ColumnUse)],
) -> Result<Table, EvalDataError> {
    let text: Cow<str> = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(_) => Cow::Owned(encoding_rs::GB18030.decode(bytes).0.into_owned()),
    };
    let text: &str = &text;
    let quoted = text.contains('"');
    let (header, body, body_line) = if quoted {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        if !rdr
            .read_record(&mut rec)
            .map_err(|e| EvalDataError::Csv(e.to_string()))?
        {
            return Err(EvalDataError::Empty);
        }
        let h: Vec<String> = rec.iter().map(|s| s.trim().to_string()).collect();
        (h, "", 2)
    } else {
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        let first = first.strip_suffix('\r').unwrap_or(first);
        if first.trim().is_empty() {
            return Err(EvalDataError::Empty);
        }
        (
            first.split(',').map(|s| s.trim().to_string()).collect(),
            rest,
            2,
        )
    };
    for (j, h) in header.iter().enumerate() {
        if !h.is_empty() && header[..j].contains(h) {
            return Err(EvalDataError::DuplicateColumn {
                col: column_letter(j),
                name: h.clone(),
            });
        }
    }
    let mut slots = vec![None; header.len()];
    for (k, (name, _)) in wanted.iter().enumerate() {
        let j = header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| EvalDataError::UnknownColumn(name.clone()))?;
        slots[j] = Some(k);
    }
    let uses: Vec<ColumnUse> = wanted.iter().map(|(_, u)| *u).collect();
    let mut sink = Sink::new(&slots, &header, &uses);

    if quoted {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line() as usize);
                    if rec.len() == 1 && rec[0].trim().is_empty() {
                        continue; // a blank line
                    }
                    sink.push(rec.iter(), line)?;
                }
                Err(e) => return Err(EvalDataError::Csv(e.to_string())),
            }
        }
    } else {
        // Pieces of about equal size, cut after a line end; line numbers are added after.
        let body = body.trim_end_matches(['\n', '\r']);
        let pieces = split_lines(body, rayon::current_num_threads() * 8);
        let parsed: Vec<(usize, PieceResult)> = pieces
            .par_iter()
            .map(|piece| {
                let mut s = Sink::new(&slots, &header, &uses);
                let mut lines = 0;
                for (k, line) in piece.split('\n').enumerate() {
                    lines = k + 1;
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    if let Err(e) = s.push(line.split(','), k) {
                        return (lines, Err((k, e)));
                    }
                }
                (lines, Ok(s))
            })
            .collect();
        let mut before = body_line;
        for (lines, part) in parsed {
            match part {
                Ok(s) => sink.append(s),
                Err((k, e)) => return Err(shift(e, before + k)),
            }
            before += lines;
        }
    }
    let Sink { cols, .. } = sink;
    Table::new(
        wanted.iter().map(|(n, _)| n.clone()).collect(),
        cols.into_iter()
            .map(|b| match b {
                Builder::Number(v) => Column::Number(v),
                Builder::Text(t) => Column::Text(t),
            })
            .collect(),
    )
    .map_err(|e| EvalDataError::Io(e.to_string()))
}

/// A parsed piece, or the piece-local line of its first error.
type PieceResult<'a> = Result<Sink<'a>, (usize, EvalDataError)>;

/// Sets the line number of an error made with a piece-local line.
fn shift(e: EvalDataError, line: usize) -> EvalDataError {
    match e {
        EvalDataError::NotANumber {
            col, name, text, ..
        } => EvalDataError::NotANumber {
            row: line,
            col,
            name,
            text,
        },
        EvalDataError::RaggedRow {
            found, expected, ..
        } => EvalDataError::RaggedRow {
            row: line,
            found,
            expected,
        },
        other => other,
    }
}

/// About `n` pieces of `text`, each a run of whole lines (without the final '\n').
fn split_lines(text: &str, n: usize) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let target = text.len().div_ceil(n.max(1)).max(1 << 16);
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > target {
        // Bytes, not chars: `target` may fall inside a multi-byte character; '\n' never does.
        match rest.as_bytes()[target..].iter().position(|&b| b == b'\n') {
            Some(k) => {
                out.push(&rest[..target + k]);
                rest = &rest[target + k + 1..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> Vec<(String, ColumnUse)> {
        vec![
            ("id".into(), ColumnUse::Text),
            ("tax".into(), ColumnUse::Number),
        ]
    }

    #[test]
    fn reads_plain_and_quoted_files_alike() {
        let plain = "\u{feff}id,county,tax\r\na, 甲 ,1.5\nb,乙,NA\nc,丙,\n\n";
        let t = read_csv_table(plain.as_bytes(), &wanted()).unwrap();
        assert_eq!(t.rows(), 3);
        assert_eq!(t.text("id").unwrap().get(2), "c");
        let tax = t.number("tax").unwrap();
        assert_eq!(tax[0], 1.5);
        assert!(tax[1].is_nan() && tax[2].is_nan());
        let quoted = "id,county,tax\n\"a,1\",甲,1.5\nb,\"乙\",NA\nc,丙,\n";
        let q = read_csv_table(quoted.as_bytes(), &wanted()).unwrap();
        assert_eq!(q.text("id").unwrap().get(0), "a,1");
        assert_eq!(q.rows(), 3);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = "id,county,tax\na,甲,1\nb,乙,abc\n";
        let e = read_csv_table(bad.as_bytes(), &wanted()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3, column C ('tax'): 'abc' is not a number"
        );
        let ragged = "id,county,tax\na,甲,1\nb,乙\n";
        let e = read_csv_table(ragged.as_bytes(), &wanted()).unwrap_err();
        assert_eq!(e.to_string(), "row 3: 2 cells, the header has 3");
        let e = read_csv_table(b"id,county\na,b\n", &wanted()).unwrap_err();
        assert!(matches!(e, EvalDataError::UnknownColumn(n) if n == "tax"));
        let inf = "id,tax\n\"a\",inf\n";
        assert!(read_csv_table(inf.as_bytes(), &wanted()).is_err());
    }

    #[test]
    fn many_pieces_keep_order_and_line_numbers() {
        let mut text = String::from("id,tax\n");
        for i in 0..100_000 {
            text += &format!("企{i},{i}\n");
        }
        text += "x,oops\n";
        let e = read_csv_table(text.as_bytes(), &wanted()).unwrap_err();
        assert!(e.to_string().starts_with("row 100002,"), "{e}");
        let ok = text.replace("x,oops\n", "");
        let t = read_csv_table(ok.as_bytes(), &wanted()).unwrap();
        assert_eq!(t.rows(), 100_000);
        assert_eq!(t.number("tax").unwrap()[99_999], 99_999.0);
        assert_eq!(t.text("id").unwrap().get(54_321), "企54321");
    }
}
