//! Fuzz the evaluation table reader (untrusted uploads and extracts): any bytes, read as CSV
//! (parallel or `csv`-crate path, picked by the content), XLSX, Parquet or Arrow IPC, must give
//! a table or an error, never a panic, a hang or an unbounded allocation. The first byte picks
//! the format.
#![no_main]

use duban_io::table_read::{ColumnSpec, DataKind, ReadSpec, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let kind = [DataKind::Csv, DataKind::Xlsx, DataKind::Parquet, DataKind::Arrow][mode as usize % 4];
    let spec = ReadSpec {
        columns: vec![
            ColumnSpec::text("id"),
            ColumnSpec::text("区县"),
            ColumnSpec::number("a"),
            ColumnSpec::number("b"),
        ],
        key: Some(0),
    };
    if let Ok(t) = read_table(bytes, kind, &spec) {
        assert_eq!(t.table.names().len(), 4);
        for i in 0..t.table.rows() {
            assert!(t.row_number(i) >= 2);
        }
    }
});
