//! Reading a [`duban_engine::Table`] from an uploaded or local data file: CSV (UTF-8 or
//! GB18030), XLSX (streamed, bounded), Parquet and Arrow IPC. One reader for every evaluation
//! method: composite evaluation builds its `Dataset` from the table, firm evaluations (亩均效益)
//! use the table as it is.
//!
//! The caller names the columns it wants and their kind ([`ColumnSpec`]); other columns are
//! ignored. The first record is the header (names trimmed; a non-empty name may appear once).
//! Records whose cells are all blank are skipped. Text cells are trimmed. A number cell is a
//! finite number or one of the "no data" marks of [`crate::eval_data::parse_number`]
//! (missing = NaN). The optional key column must be non-empty and unique. Every error names
//! the row (1-based, as a spreadsheet shows it: the header is row 1) and the column (letter
//! and name).
//!
//! CSV is parsed in parallel chunks split at line ends when the file holds no `"` (and no lone
//! `\r`); otherwise it goes through the `csv` crate sequentially, so quoted fields with commas,
//! quotes and line breaks read exactly as before. Both paths share the per-record logic
//! ([`sink`]) and are checked against each other by a property test.

mod columnar;
mod csv_fast;
mod sink;
mod xlsx;

use duban_engine::Table;

use crate::eval_data::{EvalDataError, column_letter};
pub use columnar::{read_arrow_table, read_parquet_table};
pub use csv_fast::read_csv_table;
#[cfg(test)]
pub(crate) use csv_fast::read_csv_table_with;
pub use xlsx::{XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, read_xlsx_table};

/// The kind of a wanted column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Number,
}

/// A wanted column, by its header name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub kind: ColumnKind,
}

impl ColumnSpec {
    pub fn text(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ColumnKind::Text,
        }
    }

    pub fn number(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ColumnKind::Number,
        }
    }
}

/// What to read: distinct column names, and optionally which of them (a text column) is the
/// key: non-empty and unique (the unit or firm id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadSpec {
    pub columns: Vec<ColumnSpec>,
    pub key: Option<usize>,
}

/// A table with where its rows and columns came from, for error messages after reading.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTable {
    pub table: Table,
    /// Source column (0-based) of each table column.
    pub(crate) source_cols: Vec<usize>,
    pub(crate) rows: RowNumbers,
}

impl SourceTable {
    /// The row (1-based, header = row 1 for CSV; the sheet row for XLSX) of table row `i`.
    pub fn row_number(&self, i: usize) -> usize {
        self.rows.get(i)
    }

    /// The column letter (A, B, …, AA) of table column `j` in the source.
    pub fn column_letter(&self, j: usize) -> String {
        column_letter(self.source_cols[j])
    }
}

/// Maps kept (non-blank) record `i` to its row number: `first + i + skipped rows before it`,
/// stored as jumps so a sheet with a stray far-away row costs one entry, not a million.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RowNumbers {
    pub first: usize,
    /// (kept index from which it applies, rows skipped so far), non-decreasing in both.
    pub jumps: Vec<(usize, usize)>,
}

impl RowNumbers {
    pub fn get(&self, i: usize) -> usize {
        let k = self.jumps.partition_point(|&(at, _)| at <= i);
        let skipped = if k == 0 { 0 } else { self.jumps[k - 1].1 };
        self.first + i + skipped
    }

    /// Records `n` rows skipped before kept row `kept` (kept rows are numbered in order).
    pub fn skip(&mut self, kept: usize, n: usize) {
        let total = self.jumps.last().map_or(0, |j| j.1) + n;
        self.set(kept, total);
    }

    fn set(&mut self, kept: usize, total: usize) {
        match self.jumps.last_mut() {
            Some(last) if last.0 == kept => last.1 = total,
            _ => self.jumps.push((kept, total)),
        }
    }

    /// Appends the numbering of the part that directly follows this one (its `first` is
    /// ignored: the rows are contiguous) and has `kept_before` kept rows before it.
    pub fn append(&mut self, other: &RowNumbers, kept_before: usize) {
        let base = self.jumps.last().map_or(0, |j| j.1);
        for &(at, n) in &other.jumps {
            self.set(kept_before + at, base + n);
        }
    }
}

/// File kinds a table may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    Csv,
    Xlsx,
    Parquet,
    /// Arrow IPC, file or stream format.
    Arrow,
}

impl DataKind {
    /// By file name extension (.csv/.txt, .xlsx/.xlsm, .parquet/.pq, .arrow/.arrows/.ipc/.feather).
    pub fn of_name(name: &str) -> Option<DataKind> {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" | "txt" => Some(DataKind::Csv),
            "xlsx" | "xlsm" => Some(DataKind::Xlsx),
            "parquet" | "pq" => Some(DataKind::Parquet),
            "arrow" | "arrows" | "ipc" | "feather" => Some(DataKind::Arrow),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Csv => "csv",
            DataKind::Xlsx => "xlsx",
            DataKind::Parquet => "parquet",
            DataKind::Arrow => "arrow",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        [
            DataKind::Csv,
            DataKind::Xlsx,
            DataKind::Parquet,
            DataKind::Arrow,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Reads the wanted columns from file bytes of a known kind.
pub fn read_table(
    bytes: &[u8],
    kind: DataKind,
    spec: &ReadSpec,
) -> Result<SourceTable, EvalDataError> {
    match kind {
        DataKind::Csv => read_csv_table(bytes, spec),
        DataKind::Xlsx => read_xlsx_table(bytes, spec),
        DataKind::Parquet => read_parquet_table(bytes::Bytes::copy_from_slice(bytes), spec),
        DataKind::Arrow => read_arrow_table(bytes, spec),
    }
}

/// A data file's bytes, mapped rather than read: no copy of a large file is made, and the
/// reader's threads fault its pages in in parallel instead of one thread copying them first.
/// Files that cannot be mapped (empty ones, pipes, …) are read into memory instead.
///
/// The file must not be changed while it is read: a file truncated meanwhile ends the process
/// (SIGBUS), as for any program reading a mapped file.
pub struct FileBytes(FileData);

enum FileData {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl FileBytes {
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() > 0 {
            // SAFETY: the map is only read; the type's documentation states that the file
            // must not change while it is read.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes(FileData::Mapped(map)));
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        Ok(FileBytes(FileData::Read(bytes)))
    }

    /// The bytes as a shared buffer (for the Parquet reader), without a copy.
    pub fn into_bytes(self) -> bytes::Bytes {
        match self.0 {
            FileData::Mapped(map) => bytes::Bytes::from_owner(map),
            FileData::Read(v) => bytes::Bytes::from(v),
        }
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            FileData::Mapped(map) => map,
            FileData::Read(v) => v,
        }
    }
}

/// Reads a file by its extension.
pub fn read_table_path(
    path: &std::path::Path,
    spec: &ReadSpec,
) -> Result<SourceTable, EvalDataError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = DataKind::of_name(name).ok_or_else(|| {
        EvalDataError::Format(
            path.extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase(),
        )
    })?;
    let bytes =
        FileBytes::open(path).map_err(|e| EvalDataError::Io(format!("{}: {e}", path.display())))?;
    match kind {
        // Handed over without a copy.
        DataKind::Parquet => read_parquet_table(bytes.into_bytes(), spec),
        _ => read_table(&bytes, kind, spec),
    }
}

#[cfg(test)]
mod tests;
