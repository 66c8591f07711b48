//! Writing a result as Parquet or Arrow IPC (the formats firm data arrive in from tax,
//! statistics and land systems, and that DuckDB, polars and pyarrow read without parsing
//! text). Rows are built into record batches in parallel, a group of batches ahead of the
//! writing, and written in order, as [`crate::pipeline::write_parts`] does for text.

use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

/// Rows per record batch (and Parquet row group at most 1,048,576 rows, the crate's default).
pub const BATCH_ROWS: usize = 65_536;

/// The binary table formats a result can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnarFormat {
    /// Apache Parquet, Snappy-compressed (what pyarrow writes by default).
    Parquet,
    /// Arrow IPC file format (`.arrow`, also called Feather v2), uncompressed.
    ArrowIpc,
}

#[derive(Debug, thiserror::Error)]
pub enum ColumnarWriteError {
    #[error("Parquet: {0}")]
    Parquet(#[from] ParquetError),
    #[error("Arrow: {0}")]
    Arrow(#[from] ArrowError),
}

/// A column's type in the written file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text; nullable.
    Text,
    /// 64-bit float; NaN is written as null.
    Number,
    /// 64-bit integer (名次, counts); nullable.
    Integer,
}

/// The schema of `columns` (name, type), every column nullable.
pub fn schema(columns: &[(String, ColumnType)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, t)| {
                let dt = match t {
                    ColumnType::Text => DataType::Utf8,
                    ColumnType::Number => DataType::Float64,
                    ColumnType::Integer => DataType::Int64,
                };
                Field::new(name, dt, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// A number column; NaN (missing) becomes null.
pub fn number_array(values: Vec<f64>) -> ArrayRef {
    if values.iter().any(|v| v.is_nan()) {
        Arc::new(Float64Array::from_iter(
            values.into_iter().map(|v| (!v.is_nan()).then_some(v)),
        ))
    } else {
        Arc::new(Float64Array::from(values))
    }
}

/// An integer column; `None` becomes null.
pub fn integer_array(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from_iter(values))
}

/// A text column; `None` becomes null.
pub fn text_array<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

/// Writes `rows` rows with `schema` in `format`: `batch(range)` gives the columns of the rows
/// in `range`, in schema order. Batches are built in parallel, two per thread a group, one
/// group ahead of the writing.
pub fn write_columnar<W: Write + Send>(
    out: W,
    format: ColumnarFormat,
    schema: SchemaRef,
    rows: usize,
    batch: impl Fn(Range<usize>) -> Vec<ArrayRef> + Sync,
) -> Result<(), ColumnarWriteError> {
    let mut sink = match format {
        ColumnarFormat::Parquet => {
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            Sink::Parquet(parquet::arrow::ArrowWriter::try_new(
                out,
                schema.clone(),
                Some(props),
            )?)
        }
        ColumnarFormat::ArrowIpc => {
            Sink::Ipc(arrow_ipc::writer::FileWriter::try_new(out, &schema)?)
        }
    };
    let batches = rows.div_ceil(BATCH_ROWS);
    let per_group = rayon::current_num_threads().max(1) * 2;
    let make = |b: usize| -> Result<RecordBatch, ArrowError> {
        let range = b * BATCH_ROWS..((b + 1) * BATCH_ROWS).min(rows);
        RecordBatch::try_new(schema.clone(), batch(range))
    };
    std::thread::scope(|s| -> Result<(), ColumnarWriteError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Result<RecordBatch, ArrowError>>>(1);
        let make = &make;
        s.spawn(move || {
            for first in (0..batches).step_by(per_group) {
                let group = (first..(first + per_group).min(batches))
                    .into_par_iter()
                    .map(make)
                    .collect();
                if tx.send(group).is_err() {
                    return; // the writer stopped on an error: nothing more to build
                }
            }
        });
        for group in rx {
            for b in group {
                sink.write(&b?)?;
            }
        }
        Ok(())
    })?;
    sink.finish()
}

enum Sink<W: Write + Send> {
    Parquet(parquet::arrow::ArrowWriter<W>),
    Ipc(arrow_ipc::writer::FileWriter<W>),
}

impl<W: Write + Send> Sink<W> {
    fn write(&mut self, b: &RecordBatch) -> Result<(), ColumnarWriteError> {
        match self {
            Sink::Parquet(w) => w.write(b)?,
            Sink::Ipc(w) => w.write(b)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<(), ColumnarWriteError> {
        match self {
            Sink::Parquet(w) => {
                w.close()?;
            }
            Sink::Ipc(mut w) => w.finish()?,
        }
        Ok(())
    }
}

/// Checks that a written file holds the cells of `csv` (header and rows in order): text as
/// text, numbers equal to the CSV's, empty cells as nulls (tests of the writers).
#[cfg(test)]
pub(crate) fn assert_same_cells(csv: &str, bytes: Vec<u8>, format: ColumnarFormat) {
    use arrow_array::Array;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let head: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let batches = crate::testing::columnar_batches(bytes, format);
    let names: Vec<String> = batches[0]
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, head, "{format:?}");
    let mut r = 0;
    for b in &batches {
        for i in 0..b.num_rows() {
            for (c, cell) in rows[r].iter().enumerate() {
                let col = b.column(c);
                if col.is_null(i) {
                    assert_eq!(cell, "", "{format:?} row {r} column {c}");
                } else if let Some(t) = col.as_any().downcast_ref::<StringArray>() {
                    assert_eq!(t.value(i), cell, "{format:?} row {r} column {c}");
                } else if let Some(n) = col.as_any().downcast_ref::<Int64Array>() {
                    assert_eq!(
                        Ok(n.value(i)),
                        cell.parse::<i64>(),
                        "{format:?} row {r} column {c}"
                    );
                } else {
                    let v = col
                        .as_any()
                        .downcast_ref::<Float64Array>()
                        .unwrap()
                        .value(i);
                    assert_eq!(Ok(v), cell.parse::<f64>(), "{format:?} row {r} column {c}");
                }
            }
            r += 1;
        }
    }
    assert_eq!(r, rows.len(), "{format:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    /// Batches built in parallel groups are written in row order, in both formats.
    #[test]
    fn rows_in_order_across_batches_and_groups() {
        let rows = 3 * BATCH_ROWS + 5;
        let fields = [
            ("n".to_string(), ColumnType::Number),
            ("t".to_string(), ColumnType::Text),
        ];
        for format in [ColumnarFormat::Parquet, ColumnarFormat::ArrowIpc] {
            let mut bytes = Vec::new();
            write_columnar(&mut bytes, format, schema(&fields), rows, |range| {
                vec![
                    number_array(
                        range
                            .clone()
                            .map(|i| if i % 7 == 0 { f64::NAN } else { i as f64 })
                            .collect(),
                    ),
                    text_array(range.map(|i| (i % 5 != 0).then_some("文"))),
                ]
            })
            .unwrap();
            let batches = crate::testing::columnar_batches(bytes, format);
            let mut i = 0;
            for b in &batches {
                let n = b.column(0).as_any().downcast_ref::<Float64Array>().unwrap();
                let t = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
                for r in 0..b.num_rows() {
                    assert_eq!(n.is_null(r), i % 7 == 0, "{format:?} row {i}");
                    if !n.is_null(r) {
                        assert_eq!(n.value(r), i as f64);
                    }
                    assert_eq!(t.is_null(r), i % 5 == 0);
                    i += 1;
                }
            }
            assert_eq!(i, rows, "{format:?}");
        }
    }
}
