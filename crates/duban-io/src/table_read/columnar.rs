//! Parquet and Arrow IPC → table. Columns are found by field name (the header); numbers may be
//! any integer or float type, or text read like a CSV cell; text columns may be strings, or
//! numbers printed as Rust prints them. Nulls are missing (NaN / empty text); infinities are
//! refused. There is no header row in these formats, but rows are numbered as in the same
//! data written as CSV (record i is row i + 2), so messages read alike. Every record is a row
//! (no blank-record skipping). Parquet row groups are decoded in parallel, only the wanted
//! columns (projection).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use bytes::Bytes;
use duban_engine::{Column, TextColumn};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;

use super::sink::{Resolved, resolve};
use super::{ColumnKind, ReadSpec, RowNumbers, SourceTable};
use crate::eval_data::{EvalDataError, column_letter, parse_number};

fn pq_err(e: impl std::fmt::Display) -> EvalDataError {
    EvalDataError::Parquet(e.to_string())
}

fn ipc_err(e: impl std::fmt::Display) -> EvalDataError {
    EvalDataError::Arrow(e.to_string())
}

/// Rows per decoded batch.
const BATCH: usize = 1 << 16;

/// Reads a Parquet file (any codec duban is built with: snappy, zstd, lz4, uncompressed).
/// Every (row group, wanted column) pair is decoded on its own (in parallel: a file of one row
/// group still uses every core), and the error reported is the one a reader going through the
/// row groups, their batches and the columns in order would meet first.
pub fn read_parquet_table(bytes: Bytes, spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    let meta = ArrowReaderMetadata::load(&bytes, Default::default()).map_err(pq_err)?;
    let header: Vec<String> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let res = resolve(&header, spec)?;
    let groups = meta.metadata().row_groups();
    let mut starts = Vec::with_capacity(groups.len());
    let mut total = 0usize;
    for g in groups {
        starts.push(total);
        total += g.num_rows().max(0) as usize;
    }
    let width = res.kinds.len();
    let parts: Vec<Result<Column, Located>> = (0..groups.len() * width)
        .into_par_iter()
        .map(|task| {
            let (g, k) = (task / width, task % width);
            let at = |row0: usize, decoding: bool, error: EvalDataError| Located {
                at: (g, row0, !decoding, k),
                error,
            };
            let mask = ProjectionMask::roots(meta.parquet_schema(), [res.src[k]]);
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), meta.clone())
                    .with_projection(mask)
                    .with_row_groups(vec![g])
                    .with_batch_size(BATCH)
                    .build()
                    .map_err(|e| at(starts[g], true, pq_err(e)))?;
            let mut col = empty_column(res.kinds[k], groups[g].num_rows().max(0) as usize);
            let mut row0 = starts[g];
            for batch in reader {
                let batch = batch.map_err(|e| at(row0, true, pq_err(e)))?;
                let a = wanted_array(&batch, &res, k).map_err(|e| at(row0, false, e))?;
                append_array(&mut col, a, &res, k, row0).map_err(|e| at(row0, false, e))?;
                row0 += batch.num_rows();
            }
            Ok(col)
        })
        .collect();
    let mut by_column: Vec<Vec<Column>> = (0..width).map(|_| Vec::new()).collect();
    let mut first: Option<Located> = None;
    for (task, part) in parts.into_iter().enumerate() {
        match part {
            Ok(col) => by_column[task % width].push(col),
            Err(l) if first.as_ref().is_none_or(|f| l.at < f.at) => first = Some(l),
            Err(_) => {}
        }
    }
    if let Some(l) = first {
        return Err(l.error);
    }
    let cols = by_column
        .into_par_iter()
        .zip(res.kinds.par_iter())
        .map(|(parts, &kind)| concat_parts(kind, parts, total))
        .collect();
    finish(&res, cols)
}

/// An error with where a sequential reader would meet it: (row group, first row of the
/// batch, after the batch was decoded, column).
struct Located {
    at: (usize, usize, bool, usize),
    error: EvalDataError,
}

/// The parts of one column (row groups in order) as one column; a single part is moved.
fn concat_parts(kind: ColumnKind, mut parts: Vec<Column>, rows: usize) -> Column {
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    let mut all = empty_column(kind, rows);
    for part in parts {
        match (&mut all, part) {
            (Column::Number(a), Column::Number(b)) => a.extend_from_slice(&b),
            (Column::Text(a), Column::Text(b)) => a.extend(&b),
            _ => unreachable!("same kinds"),
        }
    }
    all
}

/// Reads Arrow IPC: the file format (`ARROW1` magic, .arrow / .feather v2) or the stream format.
pub fn read_arrow_table(bytes: &[u8], spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    let cursor = std::io::Cursor::new(bytes);
    let (schema, batches): (
        arrow_schema::SchemaRef,
        Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>>>,
    ) = if bytes.starts_with(b"ARROW1") {
        let r = arrow_ipc::reader::FileReader::try_new(cursor, None).map_err(ipc_err)?;
        (r.schema(), Box::new(r))
    } else {
        let r = arrow_ipc::reader::StreamReader::try_new(cursor, None).map_err(ipc_err)?;
        (r.schema(), Box::new(r))
    };
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let res = resolve(&header, spec)?;
    let mut cols: Vec<Column> = res.kinds.iter().map(|&k| empty_column(k, 0)).collect();
    let mut row0 = 0;
    for batch in batches {
        let batch = batch.map_err(ipc_err)?;
        for (k, col) in cols.iter_mut().enumerate() {
            append_array(col, wanted_array(&batch, &res, k)?, &res, k, row0)?;
        }
        row0 += batch.num_rows();
    }
    finish(&res, cols)
}

fn empty_column(kind: ColumnKind, rows: usize) -> Column {
    match kind {
        ColumnKind::Number => Column::Number(Vec::with_capacity(rows)),
        ColumnKind::Text => Column::Text(TextColumn::with_capacity(rows, rows * 8)),
    }
}

/// Row number of record `i` (0-based), as in the same data written as CSV.
fn row_of(i: usize) -> usize {
    i + 2
}

fn wrong_type(res: &Resolved, k: usize, t: &DataType) -> EvalDataError {
    EvalDataError::Io(format!(
        "column {} ('{}'): type {t} cannot be read as {}",
        column_letter(res.src[k]),
        res.names[k],
        match res.kinds[k] {
            ColumnKind::Number => "numbers",
            ColumnKind::Text => "text",
        }
    ))
}

/// Wanted column `k` of a batch (found by name, as projection may reorder columns).
fn wanted_array<'b>(
    batch: &'b RecordBatch,
    res: &Resolved,
    k: usize,
) -> Result<&'b Arc<dyn Array>, EvalDataError> {
    batch
        .column_by_name(&res.names[k])
        .ok_or_else(|| EvalDataError::UnknownColumn(res.names[k].clone()))
}

/// Appends a batch's cells of wanted column `k` (its first row is record `row0`).
fn append_array(
    col: &mut Column,
    a: &Arc<dyn Array>,
    res: &Resolved,
    k: usize,
    row0: usize,
) -> Result<(), EvalDataError> {
    let bad = |i: usize, text: String| EvalDataError::NotANumber {
        row: row_of(row0 + i),
        col: column_letter(res.src[k]),
        name: res.names[k].clone(),
        text,
    };
    match col {
        Column::Number(v) => {
            let start = v.len();
            macro_rules! numbers {
                ($t:ty) => {{
                    let p = a.as_primitive::<$t>();
                    if p.null_count() == 0 {
                        v.extend(p.values().iter().map(|&x| x as f64));
                    } else {
                        v.extend(p.iter().map(|x| x.map_or(f64::NAN, |x| x as f64)));
                    }
                }};
            }
            match a.data_type() {
                DataType::Float64 => {
                    let p = a.as_primitive::<Float64Type>();
                    if p.null_count() == 0 {
                        v.extend_from_slice(p.values());
                    } else {
                        v.extend(p.iter().map(|x| x.unwrap_or(f64::NAN)));
                    }
                }
                DataType::Float32 => numbers!(Float32Type),
                DataType::Int8 => numbers!(Int8Type),
                DataType::Int16 => numbers!(Int16Type),
                DataType::Int32 => numbers!(Int32Type),
                DataType::Int64 => numbers!(Int64Type),
                DataType::UInt8 => numbers!(UInt8Type),
                DataType::UInt16 => numbers!(UInt16Type),
                DataType::UInt32 => numbers!(UInt32Type),
                DataType::UInt64 => numbers!(UInt64Type),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    for (i, s) in strings(a).enumerate() {
                        let s = s.unwrap_or("");
                        v.push(parse_number(s).ok_or_else(|| bad(i, s.to_string()))?);
                    }
                }
                t => return Err(wrong_type(res, k, t)),
            }
            if let Some(i) = v[start..].iter().position(|x| x.is_infinite()) {
                return Err(bad(i, v[start + i].to_string()));
            }
        }
        Column::Text(t) => match a.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                for (i, s) in strings(a).enumerate() {
                    let s = s.unwrap_or("");
                    // As in the CSV and XLSX readers: PostgreSQL cannot store a NUL.
                    if s.contains('\0') {
                        return Err(EvalDataError::NulText {
                            row: row_of(row0 + i),
                            col: column_letter(res.src[k]),
                            name: res.names[k].clone(),
                        });
                    }
                    t.push(s.trim());
                }
            }
            dt if dt.is_integer() || dt.is_floating() => {
                let f = arrow_cast_f64(a);
                for (i, x) in f.into_iter().enumerate() {
                    match x {
                        Some(x) if a.is_valid(i) => t.push(&x.to_string()),
                        _ => t.push(""),
                    }
                }
            }
            dt => return Err(wrong_type(res, k, dt)),
        },
    }
    Ok(())
}

/// Any string array's cells.
fn strings(a: &dyn Array) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match a.data_type() {
        DataType::Utf8 => Box::new(a.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Box::new(a.as_string::<i64>().iter()),
        _ => Box::new(a.as_string_view().iter()),
    }
}

/// Integer or float cells as f64 (integers as printed: an id 1001 reads "1001").
fn arrow_cast_f64(a: &dyn Array) -> Vec<Option<f64>> {
    macro_rules! conv {
        ($t:ty) => {
            a.as_primitive::<$t>()
                .iter()
                .map(|x| x.map(|x| x as f64))
                .collect()
        };
    }
    match a.data_type() {
        DataType::Float64 => conv!(Float64Type),
        DataType::Float32 => conv!(Float32Type),
        DataType::Int8 => conv!(Int8Type),
        DataType::Int16 => conv!(Int16Type),
        DataType::Int32 => conv!(Int32Type),
        DataType::Int64 => conv!(Int64Type),
        DataType::UInt8 => conv!(UInt8Type),
        DataType::UInt16 => conv!(UInt16Type),
        DataType::UInt32 => conv!(UInt32Type),
        DataType::UInt64 => conv!(UInt64Type),
        _ => vec![None; a.len()],
    }
}

/// The key column: non-empty and unique; then the table.
fn finish(res: &Resolved, cols: Vec<Column>) -> Result<SourceTable, EvalDataError> {
    let rows = RowNumbers {
        first: 2,
        jumps: Vec::new(),
    };
    if let Some(k) = res.key
        && let Column::Text(ids) = &cols[k]
        && let Some(i) = ids.iter().position(str::is_empty)
    {
        return Err(EvalDataError::EmptyId {
            row: row_of(i),
            col: column_letter(res.src[k]),
            name: res.names[k].clone(),
        });
    }
    super::sink::finish_columns(res, cols, rows)
}
