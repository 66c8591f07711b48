//! A table as rows of cells, written as CSV (UTF-8 with BOM, so Excel opens it as UTF-8) or
//! as an xlsx workbook (numbers as numbers, a bold header row). Text that a spreadsheet
//! would run as a formula is neutralised in both (see [`crate::formula`]). Used by every
//! "表格下载" of duban: monitor wide tables, public portal tables. A download in any of its
//! formats ([`TableFormat`]: also Parquet or Arrow IPC, for DuckDB, polars or pyarrow) is
//! [`table_bytes`] for a table held as rows, [`write_table`] for a long one given a row at a
//! time.

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::columnar_write::{
    ColumnType, ColumnarFormat, ColumnarWriteError, integer_array, number_array, schema,
    text_array, write_columnar,
};

/// One cell of a table to download.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Cell {
        v.filter(|x| x.is_finite())
            .map_or(Cell::Empty, Cell::Number)
    }
}

impl Cell {
    /// The cell as a spreadsheet should show it: formula-like text neutralised.
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => crate::formula::neutralise(s).into_owned(),
            _ => self.plain().unwrap_or_default(),
        }
    }

    /// The cell's text as it is (`None` when empty); numbers whole as integers (序号 1, not
    /// 1.0), others in shortest round-trip form.
    fn plain(&self) -> Option<String> {
        match self {
            Cell::Text(s) => Some(s.clone()),
            Cell::Number(v) => Some(number_text(*v)),
            Cell::Empty => None,
        }
    }
}

/// `v` as an integer when it is a whole number that a float holds exactly.
fn whole_number(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

/// A number as an office reads it: whole numbers without a decimal point (序号 1, not 1.0),
/// others in shortest round-trip form.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let mut b = zmij::Buffer::new();
        b.format(v).to_string()
    }
}

/// The rows as CSV bytes (UTF-8 BOM first).
pub fn grid_csv(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    append_csv_rows(&mut out, rows);
    out
}

/// Appends rows as CSV lines (no BOM): a long table is written a chunk of rows at a time.
fn append_csv_rows(out: &mut Vec<u8>, rows: &[Vec<Cell>]) {
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.write_record(row.iter().map(Cell::text))
            .expect("in-memory write");
    }
    w.flush().expect("in-memory write");
}

/// The file formats of a table download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
    Columnar(ColumnarFormat),
}

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TableWriteError {
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    #[error(transparent)]
    Columnar(#[from] ColumnarWriteError),
}

impl TableFormat {
    /// By the file extension a download names: csv, xlsx, parquet, arrow.
    pub fn parse(extension: &str) -> Option<TableFormat> {
        match extension {
            "csv" => Some(TableFormat::Csv),
            "xlsx" => Some(TableFormat::Xlsx),
            "parquet" => Some(TableFormat::Columnar(ColumnarFormat::Parquet)),
            "arrow" => Some(TableFormat::Columnar(ColumnarFormat::ArrowIpc)),
            _ => None,
        }
    }

    /// The media type of such a file (as registered with IANA).
    pub const fn media_type(self) -> &'static str {
        match self {
            TableFormat::Csv => "text/csv; charset=utf-8",
            TableFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            TableFormat::Columnar(ColumnarFormat::Parquet) => "application/vnd.apache.parquet",
            TableFormat::Columnar(ColumnarFormat::ArrowIpc) => "application/vnd.apache.arrow.file",
        }
    }
}

/// The rows (the first is the header) in `format`, the xlsx sheet named `caption`. In
/// Parquet and Arrow a column whose cells below the header are all whole numbers (or empty)
/// is an integer column (名次, counts), all numbers a number column, any other a text column.
pub fn table_bytes(
    format: TableFormat,
    caption: &str,
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, TableWriteError> {
    match format {
        TableFormat::Csv => Ok(grid_csv(rows)),
        TableFormat::Xlsx => Ok(grid_xlsx(caption, rows)?),
        TableFormat::Columnar(_) => {
            let (head, body) = rows
                .split_first()
                .map_or((&[][..], &[][..]), |(h, b)| (&h[..], b));
            write_table(
                format,
                caption,
                &column_types(head, body),
                body.len(),
                |i| body[i].clone(),
            )
        }
    }
}

/// Each column's name and the narrowest type that holds its cells below the header.
fn column_types(head: &[Cell], body: &[Vec<Cell>]) -> Vec<(String, ColumnType)> {
    head.iter()
        .enumerate()
        .map(|(j, h)| {
            let numeric = body
                .iter()
                .all(|r| matches!(r.get(j), Some(Cell::Number(_) | Cell::Empty) | None));
            let whole = body.iter().all(|r| match r.get(j) {
                Some(Cell::Number(v)) => whole_number(*v).is_some(),
                _ => true,
            });
            let t = match (numeric, whole) {
                (true, true) => ColumnType::Integer,
                (true, false) => ColumnType::Number,
                _ => ColumnType::Text,
            };
            (h.plain().unwrap_or_default(), t)
        })
        .collect()
}

/// Rows given a row at a time before the CSV text of a long table is appended.
const CSV_CHUNK: usize = 10_000;

/// A table of `rows` rows under `columns` (name, type) in `format`, row `i` given by
/// `row(i)`: CSV a chunk of rows at a time, Parquet and Arrow a batch at a time (a long
/// table is never held as cells); an xlsx sheet (named `caption`) holds every row anyway.
pub fn write_table(
    format: TableFormat,
    caption: &str,
    columns: &[(String, ColumnType)],
    rows: usize,
    row: impl Fn(usize) -> Vec<Cell> + Sync,
) -> Result<Vec<u8>, TableWriteError> {
    let head = || {
        columns
            .iter()
            .map(|(n, _)| Cell::from(n.as_str()))
            .collect()
    };
    match format {
        TableFormat::Csv => {
            let mut out = grid_csv(&[head()]);
            for start in (0..rows).step_by(CSV_CHUNK) {
                let chunk: Vec<Vec<Cell>> =
                    (start..(start + CSV_CHUNK).min(rows)).map(&row).collect();
                append_csv_rows(&mut out, &chunk);
            }
            Ok(out)
        }
        TableFormat::Xlsx => {
            let all: Vec<Vec<Cell>> = std::iter::once(head()).chain((0..rows).map(row)).collect();
            Ok(grid_xlsx(caption, &all)?)
        }
        TableFormat::Columnar(c) => {
            let mut out = Vec::new();
            write_grid_columnar(&mut out, c, columns, rows, row)?;
            Ok(out)
        }
    }
}

/// Writes `rows` rows of `columns` (name, type) as Parquet or Arrow IPC, row `i` given by
/// `row(i)` (built a batch at a time): a number in a text column is written as its text,
/// text in a number column as null. Text is written as it is: these files are read by
/// programs, not run as spreadsheets.
fn write_grid_columnar<W: Write + Send>(
    out: W,
    format: ColumnarFormat,
    columns: &[(String, ColumnType)],
    rows: usize,
    row: impl Fn(usize) -> Vec<Cell> + Sync,
) -> Result<(), ColumnarWriteError> {
    write_columnar(out, format, schema(columns), rows, |range| {
        let cells: Vec<Vec<Cell>> = range.map(&row).collect();
        columns
            .iter()
            .enumerate()
            .map(|(j, (_, t))| match t {
                ColumnType::Number => number_array(
                    cells
                        .iter()
                        .map(|r| match r.get(j) {
                            Some(Cell::Number(v)) => *v,
                            _ => f64::NAN,
                        })
                        .collect(),
                ),
                ColumnType::Integer => integer_array(cells.iter().map(|r| match r.get(j) {
                    Some(Cell::Number(v)) => whole_number(*v),
                    _ => None,
                })),
                ColumnType::Text => {
                    let texts: Vec<Option<String>> = cells
                        .iter()
                        .map(|r| r.get(j).and_then(Cell::plain))
                        .collect();
                    text_array(texts.iter().map(Option::as_deref))
                }
            })
            .collect()
    })
}

/// The rows as an xlsx workbook with one sheet named `sheet` (the first row bold and frozen,
/// columns fitted to their text).
pub fn grid_xlsx(sheet: &str, rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    for (i, row) in rows.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let (r, c) = (i as u32, j as u16);
            match cell {
                Cell::Number(v) => {
                    ws.write_number(r, c, *v)?;
                }
                Cell::Text(s) if i == 0 => {
                    ws.write_string_with_format(r, c, crate::formula::neutralise(s), &bold)?;
                }
                Cell::Text(s) => {
                    ws.write_string(r, c, crate::formula::neutralise(s))?;
                }
                Cell::Empty => {}
            }
        }
    }
    // The header stays in view while scrolling; columns as wide as their text (judged on
    // the first rows, so a long table costs no more), within reason.
    ws.set_freeze_panes(1, 0)?;
    ws.set_autofit_max_row(2_000);
    ws.set_autofit_max_width(360);
    ws.autofit();
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_and_neutralises_formulas() {
        let rows = vec![
            vec![Cell::from("单位"), Cell::from("进度")],
            vec![Cell::from("=cmd()"), Cell::Number(59.5)],
            vec![Cell::from("省商务厅"), Cell::Empty],
            vec![Cell::from("a,b"), Cell::Number(3.0)],
        ];
        let text = String::from_utf8(grid_csv(&rows)).unwrap();
        assert_eq!(
            text,
            "\u{feff}单位,进度\n'=cmd(),59.5\n省商务厅,\n\"a,b\",3\n"
        );
    }

    #[test]
    fn columnar_holds_the_cells_with_number_columns_typed() {
        use crate::columnar_write::assert_same_cells;
        use crate::testing::columnar_batches;
        let rows = vec![
            vec![Cell::from("名次"), Cell::from("对象"), Cell::from("得分")],
            vec![Cell::Number(1.0), Cell::from("=杭州"), Cell::Number(0.75)],
            vec![Cell::Number(2.0), Cell::Number(3.5), Cell::Empty],
        ];
        let csv = "名次,对象,得分\n1,=杭州,0.75\n2,3.5,\n";
        for format in [ColumnarFormat::Parquet, ColumnarFormat::ArrowIpc] {
            let bytes = table_bytes(TableFormat::Columnar(format), "", &rows).unwrap();
            let schema = columnar_batches(bytes.clone(), format)[0].schema();
            let types: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| f.data_type().to_string())
                .collect();
            assert_eq!(types, ["Int64", "Utf8", "Float64"]);
            assert_same_cells(csv, bytes, format);
        }
    }

    #[test]
    fn csv_chunks_append_to_one_file() {
        let head = vec![vec![Cell::from("a"), Cell::from("b")]];
        let mut out = grid_csv(&head);
        append_csv_rows(&mut out, &[vec![Cell::Number(1.0), Cell::from("x")]]);
        append_csv_rows(&mut out, &[vec![Cell::Empty, Cell::from("@y")]]);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{feff}a,b\n1,x\n,'@y\n");
    }

    #[test]
    fn xlsx_reads_back_with_numbers_as_numbers() {
        use calamine::{Data, Reader, Xlsx};
        let rows = vec![
            vec![Cell::from("任务"), Cell::from("进度")],
            vec![Cell::from("1"), Cell::Number(40.0)],
        ];
        let bytes = grid_xlsx("工作进展", &rows).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("工作进展").unwrap();
        assert_eq!(range.get((1, 1)), Some(&Data::Float(40.0)));
        assert_eq!(range.get((0, 0)), Some(&Data::String("任务".into())));
    }

    #[test]
    fn xlsx_header_frozen_and_columns_fitted() {
        use std::io::Read;
        let rows = vec![
            vec![Cell::from("单位"), Cell::from("按时报送率（%）")],
            vec![
                Cell::from("省发展和改革委员会（省能源局）"),
                Cell::Number(95.5),
            ],
        ];
        let bytes = grid_xlsx("部门排名", &rows).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(
            xml.contains("state=\"frozen\"") && xml.contains("ySplit=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<cols>") && xml.contains("customWidth=\"1\""),
            "{xml}"
        );
    }
}
