//! The columns a firm-level spec reads (亩均效益), as a [`Table`], through the one evaluation
//! table reader ([`crate::table_read`]: parallel CSV, streamed bounded XLSX, Parquet, Arrow
//! IPC). Rules as [`crate::eval_data`]: UTF-8 (BOM allowed) or GB18030, first row the header,
//! cells trimmed, empty cells and the usual marks (NA, -, —, …) missing, number columns must
//! hold finite numbers; errors name the row (header = 1), the column letter and name. Firm
//! ids are checked by the engine (duplicates name both rows), so no key column is asked for.

use duban_engine::firm::ColumnUse;
use duban_engine::table::Table;

use crate::eval_data::EvalDataError;
use crate::table_read::{ColumnSpec, DataKind, ReadSpec, read_table};

fn read_spec(wanted: &[(String, ColumnUse)]) -> ReadSpec {
    ReadSpec {
        columns: wanted
            .iter()
            .map(|(name, how)| match how {
                ColumnUse::Number => ColumnSpec::number(name.as_str()),
                ColumnUse::Text => ColumnSpec::text(name.as_str()),
            })
            .collect(),
        key: None,
    }
}

/// Reads the wanted columns of a CSV file's bytes.
pub fn read_csv_table(
    bytes: &[u8],
    wanted: &[(String, ColumnUse)],
) -> Result<Table, EvalDataError> {
    read_table(bytes, DataKind::Csv, &read_spec(wanted)).map(|t| t.table)
}

/// Reads the wanted columns of a CSV or XLSX (or Parquet, Arrow) file's bytes.
pub fn read_firm_table(
    bytes: &[u8],
    kind: DataKind,
    wanted: &[(String, ColumnUse)],
) -> Result<Table, EvalDataError> {
    read_table(bytes, kind, &read_spec(wanted)).map(|t| t.table)
}

/// Reads the columns `spec` needs; a missing column is named with the part of the spec
/// that asks for it.
pub fn read_firm_table_for(
    bytes: &[u8],
    kind: DataKind,
    spec: &duban_engine::firm::FirmSpec,
    wanted: &[(String, ColumnUse)],
) -> Result<Table, EvalDataError> {
    read_firm_table(bytes, kind, wanted).map_err(|e| match e {
        EvalDataError::UnknownColumn(name) => match spec.column_user(&name) {
            Some(user) => EvalDataError::UnknownColumnOf { name, user },
            None => EvalDataError::UnknownColumn(name),
        },
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> Vec<(String, ColumnUse)> {
        vec![
            ("id".into(), ColumnUse::Text),
            ("tax".into(), ColumnUse::Number),
        ]
    }

    #[test]
    fn reads_plain_and_quoted_files_alike() {
        let plain = "\u{feff}id,county,tax\r\na, 甲 ,1.5\nb,乙,NA\nc,丙,\n\n";
        let t = read_csv_table(plain.as_bytes(), &wanted()).unwrap();
        assert_eq!(t.rows(), 3);
        assert_eq!(t.text("id").unwrap().get(2), "c");
        let tax = t.number("tax").unwrap();
        assert_eq!(tax[0], 1.5);
        assert!(tax[1].is_nan() && tax[2].is_nan());
        let quoted = "id,county,tax\n\"a,1\",甲,1.5\nb,\"乙\",NA\nc,丙,\n";
        let q = read_csv_table(quoted.as_bytes(), &wanted()).unwrap();
        assert_eq!(q.text("id").unwrap().get(0), "a,1");
        assert_eq!(q.rows(), 3);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = "id,county,tax\na,甲,1\nb,乙,abc\n";
        let e = read_csv_table(bad.as_bytes(), &wanted()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3, column C ('tax'): 'abc' is not a number"
        );
        let ragged = "id,county,tax\na,甲,1\nb,乙\n";
        let e = read_csv_table(ragged.as_bytes(), &wanted()).unwrap_err();
        assert_eq!(e.to_string(), "row 3: 2 cells, the header has 3");
        let e = read_csv_table(b"id,county\na,b\n", &wanted()).unwrap_err();
        let x = read_firm_table(bad.as_bytes(), DataKind::Csv, &wanted()).unwrap_err();
        assert_eq!(
            x.to_string(),
            "row 3, column C ('tax'): 'abc' is not a number"
        );
        assert!(matches!(e, EvalDataError::UnknownColumn(n) if n == "tax"));
        let inf = "id,tax\n\"a\",inf\n";
        assert!(read_csv_table(inf.as_bytes(), &wanted()).is_err());
    }

    #[test]
    fn many_pieces_keep_order_and_line_numbers() {
        let mut text = String::from("id,tax\n");
        for i in 0..100_000 {
            text += &format!("企{i},{i}\n");
        }
        text += "x,oops\n";
        let e = read_csv_table(text.as_bytes(), &wanted()).unwrap_err();
        assert!(e.to_string().starts_with("row 100002,"), "{e}");
        let ok = text.replace("x,oops\n", "");
        let t = read_csv_table(ok.as_bytes(), &wanted()).unwrap();
        assert_eq!(t.rows(), 100_000);
        assert_eq!(t.number("tax").unwrap()[99_999], 99_999.0);
        assert_eq!(t.text("id").unwrap().get(54_321), "企54321");
    }
}
