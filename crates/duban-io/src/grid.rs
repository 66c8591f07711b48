//! A table as rows of cells, written as CSV (UTF-8 with BOM, so Excel opens it as UTF-8) or
//! as an xlsx workbook (numbers as numbers, a bold header row). Text that a spreadsheet
//! would run as a formula is neutralised in both (see [`crate::formula`]). Used by every
//! "表格下载" of duban: monitor wide tables, public portal tables.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

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
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => crate::formula::neutralise(s).into_owned(),
            // Whole numbers as integers (序号 1, not 1.0); others shortest round-trip.
            Cell::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", *v as i64),
            Cell::Number(v) => {
                let mut b = zmij::Buffer::new();
                b.format(*v).to_string()
            }
            Cell::Empty => String::new(),
        }
    }
}

/// The rows as CSV bytes (UTF-8 BOM first).
pub fn grid_csv(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    for row in rows {
        w.write_record(row.iter().map(Cell::text))
            .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The rows as an xlsx workbook with one sheet named `sheet` (the first row bold).
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
}
