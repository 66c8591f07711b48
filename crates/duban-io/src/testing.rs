//! Test support shared with the crates that use duban-io: reading back what the writers
//! wrote, with the arrow crates themselves (not duban's own readers).

use arrow_array::RecordBatch;

use crate::columnar_write::ColumnarFormat;

/// The record batches of a Parquet or Arrow IPC file; panics when it is not one.
pub fn columnar_batches(bytes: Vec<u8>, format: ColumnarFormat) -> Vec<RecordBatch> {
    match format {
        ColumnarFormat::Parquet => {
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                bytes::Bytes::from(bytes),
            )
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
        }
        ColumnarFormat::ArrowIpc => {
            arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
    }
}
