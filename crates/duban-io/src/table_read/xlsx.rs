//! XLSX → table, streamed and bounded (issue 9): the container is checked by the 督办表's zip
//! guard (upload size, per-entry and total decompressed size, entry count) before calamine
//! opens it, and the first worksheet's cells are streamed in document order straight into the
//! column buffers: no dense range is ever built, so a stray cell at XFD1048576 costs nothing
//! and is refused by the column cap before anything is allocated for it. Memory is the wanted
//! columns of the rows read, plus calamine's shared-string table (bounded by the entry cap).

use calamine::{Data, DataRef, Reader, Xlsx};

use super::sink::{CellRef, Sink, resolve};
use super::{ReadSpec, SourceTable};
use crate::eval_data::{EvalDataError, column_letter};
use crate::supervision_sheet::guard::{self, Limits};

/// Columns beyond this (0-based index ≥ the cap, i.e. past column ALL) are refused.
pub const XLSX_MAX_COLUMNS: u32 = 1_000;
/// Rows of a worksheet (Excel's own limit; every row index is checked against it).
pub const XLSX_MAX_ROWS: u32 = 1_048_576;
/// Non-empty cells read from one sheet (time bound: 1e6 rows × 50 columns).
pub const XLSX_MAX_CELLS: u64 = 50_000_000;

/// Container caps for evaluation workbooks.
const LIMITS: Limits = Limits {
    upload: 64 << 20,
    entry: 256 << 20,
    total: 512 << 20,
    entries: 2_000,
};

fn xlsx_err(e: impl std::fmt::Display) -> EvalDataError {
    EvalDataError::Xlsx(e.to_string())
}

/// An owned wanted cell of the current row.
#[derive(Debug, Clone)]
enum Owned {
    Text(String),
    Number(f64),
    Empty,
}

impl Owned {
    /// The same mapping as the earlier (dense) reader: numbers stay numbers, everything else is
    /// its text.
    fn of(d: Data) -> Owned {
        match d {
            Data::Empty => Owned::Empty,
            Data::Float(v) => Owned::Number(v),
            Data::Int(v) => Owned::Number(v as f64),
            Data::String(s) => Owned::Text(s),
            Data::Bool(b) => Owned::Text(b.to_string()),
            Data::Error(e) => Owned::Text(format!("#{e:?}")),
            other => Owned::Text(other.to_string()),
        }
    }

    fn blank(&self) -> bool {
        match self {
            Owned::Empty => true,
            Owned::Text(s) => s.trim().is_empty(),
            Owned::Number(_) => false,
        }
    }

    fn as_ref(&self) -> CellRef<'_> {
        match self {
            Owned::Text(s) => CellRef::Text(s),
            Owned::Number(v) => CellRef::Number(*v),
            Owned::Empty => CellRef::Empty,
        }
    }
}

/// Reads the first worksheet of XLSX bytes.
pub fn read_xlsx_table(bytes: &[u8], spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    guard::check_with(bytes, &LIMITS).map_err(|e| EvalDataError::Xlsx(e.message))?;
    guard::contained(
        || read_checked(bytes, spec),
        || xlsx_err("the file is damaged (the parser failed); save it again and retry"),
    )
}

fn read_checked(bytes: &[u8], spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(xlsx_err)?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| xlsx_err("no worksheet"))?;
    let mut cells = wb.worksheet_cells_reader(&name).map_err(xlsx_err)?;
    let mut count: u64 = 0;
    #[allow(clippy::type_complexity)]
    let mut next = || -> Result<Option<((u32, u32), Owned)>, EvalDataError> {
        let Some(cell) = cells.next_cell().map_err(xlsx_err)? else {
            return Ok(None);
        };
        let (r, c) = cell.get_position();
        if c >= XLSX_MAX_COLUMNS || r >= XLSX_MAX_ROWS {
            return Err(xlsx_err(format!(
                "cell {}{}: beyond the limit of {XLSX_MAX_COLUMNS} columns and {XLSX_MAX_ROWS} rows \
                 (delete the stray cells or the columns after the data)",
                column_letter(c as usize),
                r as u64 + 1
            )));
        }
        count += 1;
        if count > XLSX_MAX_CELLS {
            return Err(xlsx_err(format!(
                "more than {XLSX_MAX_CELLS} cells in the sheet"
            )));
        }
        let v: &DataRef = cell.get_value();
        Ok(Some(((r, c), Owned::of(Data::from(v.clone())))))
    };

    // The header is the first row with a non-empty cell.
    let mut pending = None;
    let mut header: Vec<String> = Vec::new();
    let mut header_row = None;
    while let Some(((r, c), v)) = next()? {
        match header_row {
            None if matches!(v, Owned::Empty) => continue,
            None => header_row = Some(r),
            Some(h) if r != h => {
                pending = Some(((r, c), v));
                break;
            }
            Some(_) => {}
        }
        let c = c as usize;
        if header.len() <= c {
            header.resize(c + 1, String::new());
        }
        header[c] = match v {
            Owned::Text(s) => s.trim().to_string(),
            Owned::Number(x) => x.to_string(),
            Owned::Empty => String::new(),
        };
    }
    let header_row = header_row.ok_or(EvalDataError::Empty)?;
    let res = resolve(&header, spec)?;
    // Source column → wanted column.
    let mut wanted: Vec<Option<usize>> = vec![None; res.width];
    for (k, &j) in res.src.iter().enumerate() {
        wanted[j] = Some(k);
    }

    let mut sink = Sink::new(&res, 0);
    sink.rows.first = header_row as usize + 2;
    let mut row_cells: Vec<Owned> = vec![Owned::Empty; res.src.len()];
    let mut row_blank = true;
    // The sheet row (0-based) the next kept or skipped row would have.
    let mut expected = header_row + 1;
    let mut current: Option<u32> = None;
    let flush = |sink: &mut Sink,
                 r: u32,
                 cells: &mut Vec<Owned>,
                 blank: bool,
                 expected: &mut u32|
     -> Result<(), EvalDataError> {
        sink.skip_rows((r - *expected) as usize);
        *expected = r + 1;
        if blank {
            sink.skip();
        } else {
            let row = r as usize + 1;
            if let Err(e) = sink.push(row, |k| cells[k].as_ref()) {
                return Err(sink.duplicate_key().unwrap_or(e));
            }
        }
        cells.iter_mut().for_each(|c| *c = Owned::Empty);
        Ok(())
    };
    let mut item = pending;
    while let Some(((r, c), v)) = item {
        if r < expected.max(current.unwrap_or(0)) {
            return Err(xlsx_err(format!(
                "cell {}{}: cells are out of row order (the file was not written by a spreadsheet program)",
                column_letter(c as usize),
                r as u64 + 1
            )));
        }
        if current != Some(r) {
            if let Some(cr) = current {
                flush(&mut sink, cr, &mut row_cells, row_blank, &mut expected)?;
            }
            current = Some(r);
            row_blank = true;
        }
        row_blank &= v.blank();
        if let Some(Some(k)) = wanted.get(c as usize) {
            row_cells[*k] = v;
        }
        item = next()?;
    }
    if let Some(cr) = current {
        flush(&mut sink, cr, &mut row_cells, row_blank, &mut expected)?;
    }
    sink.finish()
}
