//! The per-record logic every table reader shares: header resolution, blank records, key
//! cells, number cells, and the column buffers a (chunk of a) file is read into.

use std::collections::HashMap;

use duban_engine::{Column, Table, TextColumn};
use rayon::prelude::*;

use super::{ColumnKind, ReadSpec, RowNumbers, SourceTable};
use crate::eval_data::{EvalDataError, column_letter, parse_number, trim_cell};

/// The wanted columns found in a header.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Number of cells in the header record (CSV: every record must have as many).
    pub width: usize,
    /// Source column of each wanted column.
    pub src: Vec<usize>,
    pub kinds: Vec<ColumnKind>,
    /// Header names of the wanted columns (as trimmed).
    pub names: Vec<String>,
    pub key: Option<usize>,
}

/// Finds the wanted columns in the header cells.
pub(crate) fn resolve<S: AsRef<str>>(
    header: &[S],
    spec: &ReadSpec,
) -> Result<Resolved, EvalDataError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (j, h) in header.iter().enumerate() {
        let h = h.as_ref().trim();
        if !h.is_empty() && seen.insert(h, j).is_some() {
            return Err(EvalDataError::DuplicateColumn {
                col: column_letter(j),
                name: h.to_string(),
            });
        }
    }
    let mut src = Vec::with_capacity(spec.columns.len());
    for (k, c) in spec.columns.iter().enumerate() {
        if spec.columns[..k].iter().any(|d| d.name == c.name) {
            return Err(EvalDataError::Io(format!(
                "column '{}' is asked for twice",
                c.name
            )));
        }
        src.push(
            *seen
                .get(c.name.as_str())
                .ok_or_else(|| EvalDataError::UnknownColumn(c.name.clone()))?,
        );
    }
    Ok(Resolved {
        width: header.len(),
        src,
        kinds: spec.columns.iter().map(|c| c.kind).collect(),
        names: spec.columns.iter().map(|c| c.name.clone()).collect(),
        key: spec.key,
    })
}

/// A cell as a reader sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CellRef<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

/// A number cell's text as shown in an error (numbers as Rust prints them, like the old reader).
fn number_text(v: f64) -> String {
    v.to_string()
}

/// Column buffers of one part of a file.
#[derive(Debug)]
pub(crate) struct Sink<'r> {
    pub res: &'r Resolved,
    pub cols: Vec<Column>,
    pub kept: usize,
    pub rows: RowNumbers,
}

impl<'r> Sink<'r> {
    pub fn new(res: &'r Resolved, rows_hint: usize) -> Self {
        let cols = res
            .kinds
            .iter()
            .map(|k| match k {
                ColumnKind::Number => Column::Number(Vec::with_capacity(rows_hint)),
                ColumnKind::Text => {
                    Column::Text(TextColumn::with_capacity(rows_hint, rows_hint * 8))
                }
            })
            .collect();
        Self {
            res,
            cols,
            kept: 0,
            rows: RowNumbers::default(),
        }
    }

    /// A record whose cells are all blank: skipped, but it keeps its row number.
    pub fn skip(&mut self) {
        self.rows.skip(self.kept, 1);
    }

    /// Rows of the source with no record at all (XLSX rows without cells).
    pub fn skip_rows(&mut self, n: usize) {
        if n > 0 {
            self.rows.skip(self.kept, n);
        }
    }

    /// One non-blank record; `cell(k)` gives wanted column k's cell, `row` its row number
    /// (relative to whatever the caller shifts errors by).
    pub fn push<'a>(
        &mut self,
        row: usize,
        cell: impl Fn(usize) -> CellRef<'a>,
    ) -> Result<(), EvalDataError> {
        let res = self.res;
        if let Some(k) = res.key {
            let empty = match cell(k) {
                CellRef::Text(s) => trim_cell(s).is_empty(),
                CellRef::Number(_) => false,
                CellRef::Empty => true,
            };
            if empty {
                return Err(EvalDataError::EmptyId {
                    row,
                    col: column_letter(res.src[k]),
                    name: res.names[k].clone(),
                });
            }
        }
        for (k, col) in self.cols.iter_mut().enumerate() {
            match col {
                Column::Number(v) => {
                    let x = match cell(k) {
                        CellRef::Number(x) if x.is_finite() => x,
                        CellRef::Number(x) => {
                            return Err(not_a_number(res, k, row, number_text(x)));
                        }
                        CellRef::Text(s) => match parse_number(s) {
                            Some(x) => x,
                            None => return Err(not_a_number(res, k, row, s.to_string())),
                        },
                        CellRef::Empty => f64::NAN,
                    };
                    v.push(x);
                }
                Column::Text(t) => match cell(k) {
                    CellRef::Text(s) if s.contains('\0') => {
                        return Err(EvalDataError::NulText {
                            row,
                            col: column_letter(res.src[k]),
                            name: res.names[k].clone(),
                        });
                    }
                    // `'=…` written by duban's own exports reads as `=…` (formula.rs).
                    CellRef::Text(s) => t.push(crate::formula::strip_neutralised(trim_cell(s))),
                    CellRef::Number(x) => t.push(&number_text(x)),
                    CellRef::Empty => t.push(""),
                },
            }
        }
        self.kept += 1;
        Ok(())
    }

    /// Parts of one file, in order, as one: the columns concatenated in parallel, each into
    /// one allocation of its final size; each part's column is freed as soon as it is copied,
    /// so the parts and the whole are not all held at once.
    pub fn concat(res: &'r Resolved, parts: Vec<Sink<'r>>) -> Self {
        let mut rows = RowNumbers {
            first: 2,
            jumps: Vec::new(),
        };
        let mut kept = 0;
        for p in &parts {
            rows.append(&p.rows, kept);
            kept += p.kept;
        }
        // Column-wise: `by_col[k]` holds column k of every part, in order.
        let mut by_col: Vec<Vec<Column>> = res.kinds.iter().map(|_| Vec::new()).collect();
        for p in parts {
            for (k, c) in p.cols.into_iter().enumerate() {
                by_col[k].push(c);
            }
        }
        let text = |c: Column| match c {
            Column::Text(t) => t,
            Column::Number(_) => unreachable!("same kinds"),
        };
        let cols = by_col
            .into_par_iter()
            .zip(res.kinds.par_iter())
            .map(|(pieces, kind)| match kind {
                ColumnKind::Text => {
                    let bytes = pieces
                        .iter()
                        .map(|c| match c {
                            Column::Text(t) => t.byte_len(),
                            Column::Number(_) => unreachable!("same kinds"),
                        })
                        .sum();
                    let mut t = TextColumn::with_capacity(kept, bytes);
                    for piece in pieces {
                        t.extend(&text(piece));
                    }
                    Column::Text(t)
                }
                ColumnKind::Number => {
                    let mut v = Vec::with_capacity(kept);
                    for piece in pieces {
                        match piece {
                            Column::Number(x) => v.extend_from_slice(&x),
                            Column::Text(_) => unreachable!("same kinds"),
                        }
                    }
                    Column::Number(v)
                }
            })
            .collect();
        Sink {
            res,
            cols,
            kept,
            rows,
        }
    }

    /// The key column's first duplicate, as an error.
    pub fn duplicate_key(&self) -> Option<EvalDataError> {
        duplicate_key(self.res, &self.cols, &self.rows)
    }

    /// The table; the key checked for duplicates.
    pub fn finish(self) -> Result<SourceTable, EvalDataError> {
        finish_columns(self.res, self.cols, self.rows)
    }
}

/// The key column's first duplicate (in row order), as an error.
pub(crate) fn duplicate_key(
    res: &Resolved,
    cols: &[Column],
    rows: &RowNumbers,
) -> Option<EvalDataError> {
    let k = res.key?;
    let Column::Text(ids) = &cols[k] else {
        return None;
    };
    if !may_repeat(ids) {
        return None;
    }
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(&f) = first.get(id) {
            return Some(EvalDataError::DuplicateId {
                row: rows.get(i),
                col: column_letter(res.src[k]),
                name: res.names[k].clone(),
                id: id.to_string(),
                first: rows.get(f),
            });
        }
        first.insert(id, i);
    }
    None
}

/// Whether some text may appear twice (false: certainly not): the cells' 64-bit hashes
/// (seeded `foldhash`), made and sorted in parallel; two equal hashes answer "maybe" (a real
/// repeat, or a collision). The exact first duplicate is then found in row order by
/// [`duplicate_key`] (1e6 ids: a fraction of its time).
fn may_repeat(ids: &TextColumn) -> bool {
    use std::hash::BuildHasher;
    if ids.len() < 1 << 12 {
        return true;
    }
    let hasher = foldhash::quality::RandomState::default();
    let mut h: Vec<u64> = (0..ids.len())
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(|i| hasher.hash_one(ids.get(i)))
        .collect();
    h.par_sort_unstable();
    h.par_windows(2).any(|w| w[0] == w[1])
}

/// Checks the key for duplicates and makes the table.
pub(crate) fn finish_columns(
    res: &Resolved,
    cols: Vec<Column>,
    rows: RowNumbers,
) -> Result<SourceTable, EvalDataError> {
    if let Some(e) = duplicate_key(res, &cols, &rows) {
        return Err(e);
    }
    let table =
        Table::new(res.names.clone(), cols).map_err(|e| EvalDataError::Io(e.to_string()))?;
    Ok(SourceTable {
        table,
        source_cols: res.src.clone(),
        rows,
    })
}

fn not_a_number(res: &Resolved, k: usize, row: usize, text: String) -> EvalDataError {
    EvalDataError::NotANumber {
        row,
        col: column_letter(res.src[k]),
        name: res.names[k].clone(),
        text,
    }
}

/// Adds `by` to the row numbers of an error found in a part of a file.
pub(crate) fn shift_rows(e: EvalDataError, by: usize) -> EvalDataError {
    match e {
        EvalDataError::NotANumber {
            row,
            col,
            name,
            text,
        } => EvalDataError::NotANumber {
            row: row + by,
            col,
            name,
            text,
        },
        EvalDataError::DuplicateId {
            row,
            col,
            name,
            id,
            first,
        } => EvalDataError::DuplicateId {
            row: row + by,
            col,
            name,
            id,
            first: first + by,
        },
        EvalDataError::EmptyId { row, col, name } => EvalDataError::EmptyId {
            row: row + by,
            col,
            name,
        },
        EvalDataError::NulText { row, col, name } => EvalDataError::NulText {
            row: row + by,
            col,
            name,
        },
        EvalDataError::RaggedRow {
            row,
            found,
            expected,
        } => EvalDataError::RaggedRow {
            row: row + by,
            found,
            expected,
        },
        other => other,
    }
}
