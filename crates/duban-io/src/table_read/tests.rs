use proptest::prelude::*;

use super::csv_fast::{CsvPath, decode, decode_with, utf8_parallel};
use super::*;
use duban_engine::Column;

fn spec() -> ReadSpec {
    ReadSpec {
        columns: vec![
            ColumnSpec::text("id"),
            ColumnSpec::text("区县"),
            ColumnSpec::number("a"),
            ColumnSpec::number("b"),
        ],
        key: Some(0),
    }
}

/// A comparable form of a read (NaN == NaN: number cells as bits; row numbers per row).
fn canon(r: &Result<SourceTable, EvalDataError>) -> Result<Vec<String>, String> {
    let t = r.as_ref().map_err(|e| e.to_string())?;
    let mut out: Vec<String> = t
        .table
        .columns()
        .iter()
        .map(|c| match c {
            Column::Number(v) => format!("{:?}", v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
            Column::Text(t) => format!("{:?}", t.iter().collect::<Vec<_>>()),
        })
        .collect();
    out.push(format!(
        "{:?} {:?}",
        (0..t.table.rows())
            .map(|i| t.row_number(i))
            .collect::<Vec<_>>(),
        t.source_cols
    ));
    Ok(out)
}

fn both(text: &str, spec: &ReadSpec) -> Result<SourceTable, EvalDataError> {
    let par = read_csv_table_with(text, spec, CsvPath::Auto { min_part: 7 });
    let seq = read_csv_table_with(text, spec, CsvPath::Sequential);
    assert_eq!(
        canon(&par),
        canon(&seq),
        "parallel and sequential differ on {text:?}"
    );
    par
}

fn numbers(t: &SourceTable, name: &str) -> Vec<f64> {
    t.table.number(name).unwrap().to_vec()
}

#[test]
fn reads_columns_blank_rows_and_missing_marks() {
    let text = "x,id,区县,b,a\r\n1,u1,甲, NA ,1.5\r\n\r\n2,u2,乙,-,2\n,,,,\n3,u3, 甲 ,1e3,nan\n";
    let t = both(text, &spec()).unwrap();
    assert_eq!(t.table.rows(), 3);
    assert_eq!(
        t.table.text("id").unwrap().iter().collect::<Vec<_>>(),
        ["u1", "u2", "u3"]
    );
    assert_eq!(
        t.table.text("区县").unwrap().iter().collect::<Vec<_>>(),
        ["甲", "乙", "甲"]
    );
    let a = numbers(&t, "a");
    assert_eq!(a[..2], [1.5, 2.0]);
    assert!(a[2].is_nan());
    let b = numbers(&t, "b");
    assert!(b[0].is_nan() && b[1].is_nan());
    assert_eq!(b[2], 1000.0);
    // Empty lines are not records; the all-blank record ",,,," keeps its row number.
    assert_eq!(
        (0..3).map(|i| t.row_number(i)).collect::<Vec<_>>(),
        [2, 3, 5]
    );
    assert_eq!(t.column_letter(0), "B");
}

/// Text written by duban's own exports with a leading apostrophe (`'=HYPERLINK(…)`) reads
/// back as the text it was; other apostrophes stay.
#[test]
fn an_exported_apostrophe_reads_back_as_the_text_it_was() {
    let text = "id,区县,a,b\n'=HYPERLINK(1),'+甲,1,2\n'plain,乙,3,4\n";
    let t = both(text, &spec()).unwrap();
    assert_eq!(
        t.table.text("id").unwrap().iter().collect::<Vec<_>>(),
        ["=HYPERLINK(1)", "'plain"]
    );
    assert_eq!(
        t.table.text("区县").unwrap().iter().collect::<Vec<_>>(),
        ["+甲", "乙"]
    );
}

#[test]
fn errors_name_row_and_column_on_both_paths() {
    let s = spec();
    let e = |text: &str| both(text, &s).unwrap_err().to_string();
    assert_eq!(
        e("id,区县,a,b\nu1,甲,1,2\n\nu2,乙,1.2.3,2\n"),
        "row 3, column C ('a'): '1.2.3' is not a number"
    );
    assert_eq!(
        e("id,区县,a,b\nu1,甲,1,2\nu2,乙,inf,2\n"),
        "row 3, column C ('a'): 'inf' is not a number"
    );
    assert_eq!(
        e("id,区县,a,b\nu1,甲,1,2\nu1,乙,1,2\n"),
        "row 3, column A ('id'): duplicate id 'u1' (first at row 2)"
    );
    // A duplicate before a bad number is reported first, as a sequential reader would.
    assert_eq!(
        e("id,区县,a,b\nu1,甲,1,2\nu1,乙,1,2\nu3,乙,x,2\n"),
        "row 3, column A ('id'): duplicate id 'u1' (first at row 2)"
    );
    assert_eq!(
        e("id,区县,a,b\n ,甲,1,2\n"),
        "row 2, column A ('id'): empty id"
    );
    assert_eq!(
        e("id,区县,a,b\nu1,甲,1\n"),
        "row 2: 3 cells, the header has 4"
    );
    assert_eq!(
        e("id,区县,a\nu1,甲,1\n"),
        "row 1: no column named 'b' in the header (unknown indicator or id/class column)"
    );
    assert_eq!(
        e("id,a,区县,a,b\n"),
        "row 1, column D: column name 'a' appears twice"
    );
    assert_eq!(e(""), "the file has no header row");
    assert_eq!(e("\n\r\n"), "the file has no header row");
}

#[test]
fn header_only_and_no_trailing_newline() {
    let t = both("id,区县,a,b", &spec()).unwrap();
    assert_eq!(t.table.rows(), 0);
    let t = both("id,区县,a,b\nu1,甲,1,2", &spec()).unwrap();
    assert_eq!(numbers(&t, "b"), [2.0]);
}

#[test]
fn quoted_fields_read_as_the_csv_crate_reads_them() {
    let text = "\"id\",区县,a,b\r\n\"u,1\",\"甲\n乙\",\"1\",2\r\n\"u\"\"2\",丙,3,4\n";
    let t = both(text, &spec()).unwrap();
    assert_eq!(
        t.table.text("id").unwrap().iter().collect::<Vec<_>>(),
        ["u,1", "u\"2"]
    );
    assert_eq!(t.table.text("区县").unwrap().get(0), "甲\n乙");
    assert_eq!(numbers(&t, "a"), [1.0, 3.0]);
    // Quoting the csv crate reads leniently: the same table on both paths.
    for text in [
        "id,区县,a,b\nu\"1,x,1,2\n",
        "id,区县,a,b\n\"u1\"x,x,1,2\n",
        "id,区县,a,b\n\"u1,x,1,2\n",
    ] {
        let _ = both(text, &spec());
    }
    // A lone \r ends a record in the csv crate: the fast path must not be taken.
    let t = read_csv_table(b"id,\xe5\x8c\xba\xe5\x8e\xbf,a,b\ru1,x,1,2\r", &spec()).unwrap();
    assert_eq!(t.table.rows(), 1);
}

#[test]
fn gb18030_and_bom() {
    let (bytes, _, _) = encoding_rs::GB18030.encode("id,区县,a,b\nu1,杭州,1,2\n");
    let t = read_csv_table(&bytes, &spec()).unwrap();
    assert_eq!(t.table.text("区县").unwrap().get(0), "杭州");
    let t = read_csv_table("\u{feff}id,区县,a,b\nu1,杭州,1,2\n".as_bytes(), &spec()).unwrap();
    assert_eq!(t.table.rows(), 1);
    assert_eq!(decode(b"ab"), "ab");
}

proptest! {
    /// Parallel UTF-8 validation gives `std::str::from_utf8`'s verdict whatever the cuts hit:
    /// multi-byte characters, stray continuation bytes, truncated sequences, GB18030 text.
    #[test]
    fn utf8_in_parts_as_std(
        pieces in prop::collection::vec(prop_oneof![
            Just(b"a,1\n".to_vec()),
            Just("杭州".as_bytes().to_vec()),
            Just("𝄞".as_bytes().to_vec()),
            Just(vec![0xe6, 0x9d]),
            Just(vec![0x80]),
            Just(vec![0xff]),
            Just(encoding_rs::GB18030.encode("区县").0.into_owned()),
        ], 0..40),
        min_part in 1usize..9,
    ) {
        let bytes = pieces.concat();
        prop_assert_eq!(utf8_parallel(&bytes, min_part), std::str::from_utf8(&bytes).ok());
        prop_assert_eq!(decode_with(&bytes, min_part), decode_with(&bytes, usize::MAX));
    }
}

#[test]
fn utf8_in_parts_invalid_at_a_cut() {
    // A character split across every possible cut, then a broken one in the last part.
    let mut text = "id,区县,a,b\n".repeat(50).into_bytes();
    assert_eq!(
        utf8_parallel(&text, 7),
        Some(std::str::from_utf8(&text).unwrap())
    );
    let len = text.len();
    text[len - 3] = 0xe5;
    assert_eq!(utf8_parallel(&text, 7), None);
    // Not UTF-8 → read as GB18030, as before, in parts or not.
    let src = "id,区县,a,b\nu1,杭州,1,2\n".repeat(3);
    let (gb, _, _) = encoding_rs::GB18030.encode(&src);
    assert_eq!(decode_with(&gb, 5), decode_with(&gb, usize::MAX));
    assert!(decode_with(&gb, 5).contains("杭州"));
}

fn xlsx(cells: &[(u32, u16, &str)], numbers: &[(u32, u16, f64)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for &(r, c, s) in cells {
        ws.write_string(r, c, s).unwrap();
    }
    for &(r, c, v) in numbers {
        ws.write_number(r, c, v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_rows_are_sheet_rows() {
    let bytes = xlsx(
        &[
            (2, 0, "id"),
            (2, 1, "区县"),
            (2, 2, "a"),
            (2, 3, "b"),
            (3, 0, "u1"),
            (3, 1, "甲"),
            (6, 0, "u2"),
            (6, 3, "NA"),
            (7, 0, "u3"),
            (7, 2, "abc"),
        ],
        &[(3, 2, 1.5), (3, 3, 2.0), (6, 2, 3.0), (6, 1, 7.0)],
    );
    let e = read_xlsx_table(&bytes, &spec()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 8, column C ('a'): 'abc' is not a number"
    );
    let ok = xlsx(
        &[
            (2, 0, "id"),
            (2, 1, "区县"),
            (2, 2, "a"),
            (2, 3, "b"),
            (3, 0, "u1"),
            (6, 0, "u2"),
            (6, 3, "NA"),
        ],
        &[(3, 2, 1.5), (6, 2, 3.0), (6, 1, 7.0)],
    );
    let t = read_xlsx_table(&ok, &spec()).unwrap();
    assert_eq!(t.table.rows(), 2);
    assert_eq!(t.row_number(0), 4);
    assert_eq!(t.row_number(1), 7);
    assert_eq!(t.table.text("区县").unwrap().get(1), "7");
    assert!(numbers(&t, "b").iter().all(|v| v.is_nan()));
    let dup = xlsx(
        &[
            (0, 0, "id"),
            (0, 1, "区县"),
            (0, 2, "a"),
            (0, 3, "b"),
            (1, 0, "u"),
            (5, 0, "u"),
        ],
        &[],
    );
    assert_eq!(
        read_xlsx_table(&dup, &spec()).unwrap_err().to_string(),
        "row 6, column A ('id'): duplicate id 'u' (first at row 2)"
    );
}

/// Issue 9 item 1: one far-away cell must not make the reader build a dense range.
#[test]
fn xlsx_stray_far_cells_are_refused_quickly() {
    let header = [
        (0, 0, "id"),
        (0, 1, "区县"),
        (0, 2, "a"),
        (0, 3, "b"),
        (1, 0, "u1"),
    ];
    let mut cells = header.to_vec();
    cells.push((1_048_575, 16_383, "x"));
    let bytes = xlsx(&cells, &[]);
    assert!(bytes.len() < 10_000, "{}", bytes.len());
    let started = std::time::Instant::now();
    let e = read_xlsx_table(&bytes, &spec()).unwrap_err().to_string();
    assert!(started.elapsed().as_secs_f64() < 2.0);
    assert_eq!(
        e,
        "XLSX: cell XFD1048576: beyond the limit of 1000 columns and 1048576 rows \
         (delete the stray cells or the columns after the data)"
    );
    let mut cells = header.to_vec();
    cells.push((199_999, 199, "x"));
    let bytes = xlsx(&cells, &[]);
    let started = std::time::Instant::now();
    let e = read_xlsx_table(&bytes, &spec()).unwrap_err().to_string();
    assert!(started.elapsed().as_secs_f64() < 2.0);
    assert_eq!(e, "row 200000, column A ('id'): empty id");
}

#[test]
fn xlsx_refuses_other_containers() {
    let e = read_xlsx_table(b"not a zip", &spec()).unwrap_err();
    assert!(matches!(e, EvalDataError::Xlsx(_)), "{e}");
}

#[test]
fn row_numbers_append() {
    let mut a = RowNumbers {
        first: 2,
        jumps: vec![],
    };
    a.skip(1, 1);
    let mut b = RowNumbers::default();
    b.skip(0, 2);
    b.skip(3, 1);
    a.append(&b, 4);
    // kept 0 → 2, kept 1..4 → one skipped, kept 4.. → three, kept 7.. → four.
    assert_eq!([0, 1, 3, 4, 6, 7].map(|i| a.get(i)), [2, 4, 6, 9, 11, 13]);
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (-1e6f64..1e6).prop_map(|v| v.to_string()),
        1 => Just(String::new()),
        1 => Just(" ".to_string()),
        1 => Just("NA".to_string()),
        1 => Just("-".to_string()),
        1 => Just("1e400".to_string()),
        1 => Just("x1".to_string()),
        1 => "[a-c甲]{1,3}",
        // Quoting: RFC 4180 (read by the parallel parts) …
        1 => Just("\"u,1\"".to_string()),
        1 => Just("\"a\"\"b\"".to_string()),
        1 => Just("\"甲\n乙\"".to_string()),
        1 => Just("\" 1.5 \"".to_string()),
        1 => Just("\"\"".to_string()),
        // … and what the `csv` crate reads leniently (the whole text goes to it).
        1 => Just("a\"b".to_string()),
        1 => Just("\"x\"y".to_string()),
        1 => Just("\"open".to_string()),
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    let row = prop_oneof![
        8 => prop::collection::vec(cell(), 4),
        1 => prop::collection::vec(cell(), 1..6),
        1 => Just(vec![]),
    ];
    (
        prop::collection::vec(row, 0..40),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(rows, crlf, trailing)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = format!("id,区县,a,b{nl}");
            for (i, r) in rows.iter().enumerate() {
                s.push_str(&r.join(","));
                if i + 1 < rows.len() || trailing {
                    s.push_str(nl);
                }
            }
            s
        })
}

proptest! {
    #[test]
    fn parallel_and_sequential_parsing_agree(text in csv_text(), key in prop::bool::ANY) {
        let mut s = spec();
        if !key {
            s.key = None;
        }
        for min_part in [1, 5, 64] {
            let par = read_csv_table_with(&text, &s, CsvPath::Auto { min_part });
            let seq = read_csv_table_with(&text, &s, CsvPath::Sequential);
            prop_assert_eq!(canon(&par), canon(&seq));
            if let Ok(t) = par {
                for c in t.table.columns() {
                    if let Column::Number(v) = c {
                        prop_assert!(v.iter().all(|x| !x.is_infinite()));
                    }
                }
            }
        }
    }
}

/// A NUL in a text cell is an error naming its row and column (PostgreSQL cannot store it,
/// issue 9), in every chunking of the CSV reader; a NUL elsewhere in a number cell is "not a
/// number".
#[test]
fn a_nul_in_a_text_cell_names_its_row_and_column() {
    let csv = "id,区县,a,b\nx1,甲,1,2\nx2,乙\0县,3,4\n";
    let e = read_csv_table(csv.as_bytes(), &spec()).unwrap_err();
    assert!(
        matches!(&e, EvalDataError::NulText { row: 3, col, name } if col == "B" && name == "区县"),
        "{e:?}"
    );
    assert!(e.to_string().contains("row 3, column B"), "{e}");
    let e = read_csv_table(b"id,\xe5\x8c\xba\xe5\x8e\xbf,a,b\nx\0,q,1,2\n", &spec()).unwrap_err();
    assert!(matches!(e, EvalDataError::NulText { row: 2, .. }), "{e:?}");
}

/// The same table as Parquet and as Arrow IPC bytes (written with the arrow crates).
fn columnar_files(ids: &[&str], counties: &[&str], a: &[Option<f64>]) -> (Vec<u8>, Vec<u8>) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(StringArray::from(ids.to_vec()))),
        ("区县", Arc::new(StringArray::from(counties.to_vec()))),
        ("a", Arc::new(Float64Array::from(a.to_vec()))),
        ("b", Arc::new(StringArray::from(vec!["1234.5"; ids.len()]))),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let mut parquet = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut parquet, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mut arrow = Vec::new();
    let mut w = arrow_ipc::writer::FileWriter::try_new(&mut arrow, &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    drop(w);
    (parquet, arrow)
}

/// Parquet and Arrow IPC read like the CSV of the same cells: nulls missing, numbers in text
/// columns read as CSV cells are; a NUL in a text cell names its row and column there too (issue 9).
#[test]
fn parquet_and_arrow_read_like_csv_and_refuse_nul_text() {
    let (pq, ipc) = columnar_files(&["x1", "x2"], &["甲", " 乙 "], &[Some(1.5), None]);
    let csv = read_csv_table(
        "id,区县,a,b\nx1,甲,1.5,1234.5\nx2,乙,,1234.5\n".as_bytes(),
        &spec(),
    );
    assert_eq!(numbers(csv.as_ref().unwrap(), "b"), [1234.5, 1234.5]);
    for bytes in [
        read_table(&pq, DataKind::Parquet, &spec()),
        read_table(&ipc, DataKind::Arrow, &spec()),
    ] {
        assert_eq!(canon(&bytes), canon(&csv));
    }
    let (pq, ipc) = columnar_files(&["x1", "x2", "x3"], &["甲", "乙", "丙\0县"], &[None; 3]);
    for e in [
        read_table(&pq, DataKind::Parquet, &spec()).unwrap_err(),
        read_table(&ipc, DataKind::Arrow, &spec()).unwrap_err(),
    ] {
        assert!(
            matches!(&e, EvalDataError::NulText { row: 4, col, name } if col == "B" && name == "区县"),
            "{e:?}"
        );
    }
}

/// A table as Parquet with row groups of `group` rows, and as Arrow IPC with batches of the
/// same rows (read one batch after the other, column after column).
fn grouped_files(ids: &[&str], counties: &[&str], b: &[&str], group: usize) -> (Vec<u8>, Vec<u8>) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let n = ids.len();
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(StringArray::from(ids.to_vec()))),
        ("区县", Arc::new(StringArray::from(counties.to_vec()))),
        (
            "a",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| i as f64 + 0.5),
            )),
        ),
        ("b", Arc::new(StringArray::from(b.to_vec()))),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let mut pq = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut pq, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mut ipc = Vec::new();
    let mut w = arrow_ipc::writer::FileWriter::try_new(&mut ipc, &batch.schema()).unwrap();
    for start in (0..n).step_by(group) {
        w.write(&batch.slice(start, group.min(n - start))).unwrap();
    }
    w.finish().unwrap();
    drop(w);
    (pq, ipc)
}

/// Parquet row groups and columns are decoded in parallel, yet the table is the one of the
/// sequential reader, and of several errors the one it meets first is reported: the earliest
/// row group, then the first wanted column with an error in it (not the earliest row).
#[test]
fn parquet_row_groups_read_in_parallel_as_in_order() {
    let ids = ["x1", "x2", "x3", "x4", "x5", "x6", "x7"];
    let ok = ["1", "2", "3", "4", "5", "6", "7"];
    let (pq, ipc) = grouped_files(&ids, &["甲"; 7], &ok, 2);
    let meta = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&bytes::Bytes::from(pq.clone()))
        .unwrap();
    assert_eq!(meta.num_row_groups(), 4);
    let t = read_table(&pq, DataKind::Parquet, &spec());
    assert_eq!(
        canon(&t),
        canon(&read_table(&ipc, DataKind::Arrow, &spec()))
    );
    assert_eq!(numbers(t.as_ref().unwrap(), "a")[6], 6.5);
    // Row group 1 (rows 4 and 5): 'b' is wrong on row 4, '区县' on row 5; row group 2 has
    // another error. Column B comes before column D: row 5 is reported.
    let counties = ["甲", "甲", "甲", "乙\0", "甲", "甲", "甲"];
    let b = ["1", "2", "oops", "4", "5", "bad", "7"];
    let (pq, ipc) = grouped_files(&ids, &counties, &b, 2);
    let e = read_table(&pq, DataKind::Parquet, &spec()).unwrap_err();
    assert!(
        matches!(&e, EvalDataError::NulText { row: 5, col, .. } if col == "B"),
        "{e:?}"
    );
    assert_eq!(
        format!("{e:?}"),
        format!(
            "{:?}",
            read_table(&ipc, DataKind::Arrow, &spec()).unwrap_err()
        )
    );
    // Only the later row group is wrong: its error.
    let (pq, _) = grouped_files(
        &ids,
        &["甲"; 7],
        &b.map(|c| if c == "oops" { "3" } else { c }),
        2,
    );
    let e = read_table(&pq, DataKind::Parquet, &spec()).unwrap_err();
    assert!(
        matches!(&e, EvalDataError::NotANumber { row: 7, .. }),
        "{e:?}"
    );
}

/// A file read by path is mapped and reads as its bytes do; an empty file is read, not mapped.
#[test]
fn files_read_by_path_read_as_their_bytes() {
    let dir = std::env::temp_dir().join(format!("duban-file-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("单位.csv");
    let text = "id,区县,a,b\nx1,甲,1.5,2\nx2,乙,NA,3\n";
    std::fs::write(&path, text).unwrap();
    assert_eq!(&*FileBytes::open(&path).unwrap(), text.as_bytes());
    assert_eq!(
        canon(&read_table_path(&path, &spec())),
        canon(&read_csv_table(text.as_bytes(), &spec()))
    );
    let empty = dir.join("空.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(FileBytes::open(&empty).unwrap().is_empty());
    assert!(matches!(
        read_table_path(&empty, &spec()),
        Err(EvalDataError::Empty)
    ));
    let missing = FileBytes::open(&dir.join("无.csv")).err().unwrap();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Past the small-table shortcut the key goes through the hash check first: unique ids read,
/// and a repeat is still named with both rows.
#[test]
fn many_ids_are_checked_for_repeats() {
    let mut rows: Vec<String> = (0..10_000).map(|i| format!("u{i},甲,{i},1\n")).collect();
    let text = |rows: &[String]| format!("id,区县,a,b\n{}", rows.concat());
    let t = read_csv_table(text(&rows).as_bytes(), &spec()).unwrap();
    assert_eq!(t.table.rows(), 10_000);
    rows[9000] = "u5000,乙,1,2\n".into();
    let e = read_csv_table(text(&rows).as_bytes(), &spec()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 9002, column A ('id'): duplicate id 'u5000' (first at row 5002)"
    );
}
