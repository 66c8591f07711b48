//! Evaluation data sets (units × indicators) from CSV or XLSX.
//!
//! The first row is the header; one column holds the unit id, the indicators are looked up by
//! name, other columns are ignored. Empty cells and the usual "no data" marks (NA, -, —, …)
//! are missing; anything else must be a finite number. Every error names the row (1-based, the
//! header is row 1) and the column (letter and name), as a spreadsheet user would look for it.

use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EvalDataError {
    #[error("row {row}, column {col} ('{name}'): '{text}' is not a number")]
    NotANumber {
        row: usize,
        col: String,
        name: String,
        text: String,
    },
    #[error("row {row}, column {col} ('{name}'): duplicate id '{id}' (first at row {first})")]
    DuplicateId {
        row: usize,
        col: String,
        name: String,
        id: String,
        first: usize,
    },
    #[error("row {row}, column {col} ('{name}'): empty id")]
    EmptyId {
        row: usize,
        col: String,
        name: String,
    },
    #[error("row 1: no column named '{0}' in the header (unknown indicator or id/class column)")]
    UnknownColumn(String),
    #[error("row 1, column {col}: column name '{name}' appears twice")]
    DuplicateColumn { col: String, name: String },
    #[error("row {row}: {found} cells, the header has {expected}")]
    RaggedRow {
        row: usize,
        found: usize,
        expected: usize,
    },
    #[error("the file has no header row")]
    Empty,
    #[error("unsupported file type '{0}': use .csv or .xlsx")]
    Format(String),
    #[error("CSV: {0}")]
    Csv(String),
    #[error("XLSX: {0}")]
    Xlsx(String),
    #[error("{0}")]
    Io(String),
}

/// The table, ready for the engine: values column-major (`values[j * ids.len() + i]`), NaN =
/// missing.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalTable {
    pub ids: Vec<String>,
    pub columns: Vec<String>,
    pub values: Vec<f64>,
    pub classes: Option<Vec<String>>,
}

/// Which columns to read.
pub struct Columns<'a> {
    pub id: &'a str,
    pub indicators: &'a [String],
    pub class: Option<&'a str>,
}

/// Spreadsheet column letters: 0 → A, 26 → AA.
pub fn column_letter(mut j: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (j % 26) as u8);
        if j < 26 {
            break;
        }
        j = j / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

const MISSING: &[&str] = &[
    "",
    "na",
    "n/a",
    "nan",
    "null",
    "-",
    "—",
    "--",
    "..",
    "…",
    "无数据",
];

/// A cell's text as a value: `Some(NaN)` for missing, `None` when not a finite number.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if MISSING.iter().any(|m| t.eq_ignore_ascii_case(m)) {
        return Some(f64::NAN);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Cells as text or numbers, from either format.
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn build(rows: Vec<Vec<Cell>>, want: &Columns) -> Result<EvalTable, EvalDataError> {
    let mut it = rows.into_iter();
    let header: Vec<String> = it
        .next()
        .ok_or(EvalDataError::Empty)?
        .into_iter()
        .map(|c| match c {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(v) => v.to_string(),
            Cell::Empty => String::new(),
        })
        .collect();
    let mut seen = HashMap::new();
    for (j, h) in header.iter().enumerate() {
        if !h.is_empty() && seen.insert(h.as_str(), j).is_some() {
            return Err(EvalDataError::DuplicateColumn {
                col: column_letter(j),
                name: h.clone(),
            });
        }
    }
    let find = |name: &str| {
        seen.get(name)
            .copied()
            .ok_or_else(|| EvalDataError::UnknownColumn(name.to_string()))
    };
    let id_col = find(want.id)?;
    let class_col = want.class.map(find).transpose()?;
    let ind_cols: Vec<usize> = want
        .indicators
        .iter()
        .map(|n| find(n))
        .collect::<Result<_, _>>()?;

    let mut ids = Vec::new();
    let mut classes = Vec::new();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); ind_cols.len()];
    let mut first: HashMap<String, usize> = HashMap::new();
    for (k, row) in it.enumerate() {
        let r = k + 2;
        if row
            .iter()
            .all(|c| matches!(c, Cell::Empty) || matches!(c, Cell::Text(s) if s.trim().is_empty()))
        {
            continue; // blank line
        }
        let text = |j: usize| -> String {
            match row.get(j) {
                Some(Cell::Text(s)) => s.trim().to_string(),
                Some(Cell::Number(v)) => v.to_string(),
                _ => String::new(),
            }
        };
        let id = text(id_col);
        if id.is_empty() {
            return Err(EvalDataError::EmptyId {
                row: r,
                col: column_letter(id_col),
                name: want.id.to_string(),
            });
        }
        if let Some(&f) = first.get(&id) {
            return Err(EvalDataError::DuplicateId {
                row: r,
                col: column_letter(id_col),
                name: want.id.to_string(),
                id,
                first: f,
            });
        }
        first.insert(id.clone(), r);
        for (c, &j) in cols.iter_mut().zip(&ind_cols) {
            let v = match row.get(j) {
                Some(Cell::Number(v)) if v.is_finite() => *v,
                Some(Cell::Number(v)) => {
                    return Err(EvalDataError::NotANumber {
                        row: r,
                        col: column_letter(j),
                        name: header[j].clone(),
                        text: v.to_string(),
                    });
                }
                Some(Cell::Text(s)) => {
                    parse_number(s).ok_or_else(|| EvalDataError::NotANumber {
                        row: r,
                        col: column_letter(j),
                        name: header[j].clone(),
                        text: s.clone(),
                    })?
                }
                Some(Cell::Empty) | None => f64::NAN,
            };
            c.push(v);
        }
        ids.push(id);
        if let Some(cc) = class_col {
            classes.push(text(cc));
        }
    }
    Ok(EvalTable {
        ids,
        columns: want.indicators.to_vec(),
        values: cols.concat(),
        classes: class_col.map(|_| classes),
    })
}

/// Read CSV bytes (UTF-8 with or without BOM, else GB18030 as exported by Chinese Excel).
pub fn read_csv(bytes: &[u8], want: &Columns) -> Result<EvalTable, EvalDataError> {
    let text: String = match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut width = None;
    for (k, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| EvalDataError::Csv(format!("row {}: {e}", k + 1)))?;
        let w = *width.get_or_insert(rec.len());
        if rec.len() != w && !(rec.len() == 1 && rec[0].trim().is_empty()) {
            return Err(EvalDataError::RaggedRow {
                row: k + 1,
                found: rec.len(),
                expected: w,
            });
        }
        rows.push(rec.iter().map(|s| Cell::Text(s.to_string())).collect());
    }
    build(rows, want)
}

/// Read the first worksheet of XLSX bytes.
pub fn read_xlsx(bytes: &[u8], want: &Columns) -> Result<EvalTable, EvalDataError> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| EvalDataError::Xlsx(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| EvalDataError::Xlsx("no worksheet".into()))?
        .map_err(|e| EvalDataError::Xlsx(e.to_string()))?;
    // Rows are placed by their sheet position so row numbers match what the user sees.
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<Cell>> = (0..r0).map(|_| Vec::new()).collect();
    for row in range.rows() {
        let mut cells: Vec<Cell> = (0..c0).map(|_| Cell::Empty).collect();
        cells.extend(row.iter().map(|d| match d {
            Data::Empty => Cell::Empty,
            Data::Float(v) => Cell::Number(*v),
            Data::Int(v) => Cell::Number(*v as f64),
            Data::String(s) => Cell::Text(s.clone()),
            Data::Bool(b) => Cell::Text(b.to_string()),
            Data::Error(e) => Cell::Text(format!("#{e:?}")),
            other => Cell::Text(other.to_string()),
        }));
        rows.push(cells);
    }
    // Leading empty rows before the header are skipped.
    let skip = rows
        .iter()
        .take_while(|r| r.iter().all(|c| matches!(c, Cell::Empty)))
        .count();
    let offset_rows: Vec<Vec<Cell>> = rows.into_iter().skip(skip).collect();
    build(offset_rows, want).map_err(|e| shift_rows(e, skip))
}

fn shift_rows(e: EvalDataError, by: usize) -> EvalDataError {
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
        other => other,
    }
}

/// Read a file by its extension (.csv or .xlsx).
pub fn read_path(path: &Path, want: &Columns) -> Result<EvalTable, EvalDataError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes =
        std::fs::read(path).map_err(|e| EvalDataError::Io(format!("{}: {e}", path.display())))?;
    match ext.as_str() {
        "csv" | "txt" => read_csv(&bytes, want),
        "xlsx" | "xlsm" => read_xlsx(&bytes, want),
        other => Err(EvalDataError::Format(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(inds: &[&str]) -> Vec<String> {
        inds.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_reads_missing_and_classes() {
        let inds = cols(&["GDP", "税收"]);
        let want = Columns {
            id: "城市",
            indicators: &inds,
            class: Some("类别"),
        };
        let t = read_csv(
            "\u{feff}城市,类别,GDP,税收,备注\n杭州,Ⅰ,1.5,NA,x\n宁波,Ⅱ, 2 ,3,\n".as_bytes(),
            &want,
        )
        .unwrap();
        assert_eq!(t.ids, vec!["杭州", "宁波"]);
        assert_eq!(t.values[0..2], [1.5, 2.0]);
        assert!(t.values[2].is_nan());
        assert_eq!(t.classes.unwrap(), vec!["Ⅰ", "Ⅱ"]);
    }

    #[test]
    fn errors_name_row_and_column() {
        let inds = cols(&["GDP"]);
        let want = Columns {
            id: "城市",
            indicators: &inds,
            class: None,
        };
        let e = read_csv("城市,GDP\n杭州,1\n宁波,1.2.3\n".as_bytes(), &want).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3, column B ('GDP'): '1.2.3' is not a number"
        );
        let e = read_csv("城市,GDP\n杭州,1\n杭州,2\n".as_bytes(), &want).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3, column A ('城市'): duplicate id '杭州' (first at row 2)"
        );
        let e = read_csv("城市,GDP\n杭州,inf\n".as_bytes(), &want).unwrap_err();
        assert!(e.to_string().starts_with("row 2, column B"));
        let other = cols(&["人口"]);
        let e = read_csv(
            "城市,GDP\n杭州,1\n".as_bytes(),
            &Columns {
                id: "城市",
                indicators: &other,
                class: None,
            },
        )
        .unwrap_err();
        assert_eq!(e, EvalDataError::UnknownColumn("人口".into()));
    }

    #[test]
    fn gb18030_csv() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("城市,GDP\n杭州,1\n");
        let inds = cols(&["GDP"]);
        let t = read_csv(
            &bytes,
            &Columns {
                id: "城市",
                indicators: &inds,
                class: None,
            },
        )
        .unwrap();
        assert_eq!(t.ids, vec!["杭州"]);
    }

    #[test]
    fn xlsx_round_trip() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "城市").unwrap();
        ws.write_string(0, 1, "GDP").unwrap();
        ws.write_string(1, 0, "杭州").unwrap();
        ws.write_number(1, 1, 18753.0).unwrap();
        ws.write_string(2, 0, "宁波").unwrap();
        ws.write_string(2, 1, "abc").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let inds = cols(&["GDP"]);
        let want = Columns {
            id: "城市",
            indicators: &inds,
            class: None,
        };
        let e = read_xlsx(&bytes, &want).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3, column B ('GDP'): 'abc' is not a number"
        );
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
