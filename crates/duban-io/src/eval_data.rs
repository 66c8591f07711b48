//! Evaluation data sets (units × indicators) from CSV or XLSX.
//!
//! The first row is the header; one column holds the unit id, the indicators are looked up by
//! name, other columns are ignored. Empty cells and the usual "no data" marks (NA, -, —, …)
//! are missing; anything else must be a finite number. Every error names the row (1-based, the
//! header is row 1) and the column (letter and name), as a spreadsheet user would look for it.

use std::path::Path;

use duban_engine::{Dataset, Matrix, TextColumn};
use rayon::prelude::*;

use crate::table_read::{
    ColumnSpec, ReadSpec, SourceTable, read_csv_table, read_table_path, read_xlsx_table,
};

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
    /// A NUL character in a text cell (PostgreSQL cannot store it; never a real name).
    #[error("row {row}, column {col} ('{name}'): the text holds a NUL character")]
    NulText {
        row: usize,
        col: String,
        name: String,
    },
    #[error("row 1: no column named '{0}' in the header (unknown indicator or id/class column)")]
    UnknownColumn(String),
    /// [`EvalDataError::UnknownColumn`] with the part of a firm spec that names it.
    #[error("row 1: no column named '{name}' in the header ({user} of the spec names it)")]
    UnknownColumnOf { name: String, user: String },
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
    #[error("unsupported file type '{0}': use .csv, .xlsx, .parquet or .arrow")]
    Format(String),
    #[error("Parquet: {0}")]
    Parquet(String),
    #[error("Arrow IPC: {0}")]
    Arrow(String),
    #[error("CSV: {0}")]
    Csv(String),
    #[error("XLSX: {0}")]
    Xlsx(String),
    #[error("{0}")]
    Io(String),
}

/// Which columns an evaluation reads.
pub struct Columns<'a> {
    pub id: &'a str,
    pub indicators: &'a [String],
    pub class: Option<&'a str>,
}

impl Columns<'_> {
    /// The table to read: the id (the key: non-empty, unique), the class, the indicators
    /// (a name listed twice is read once).
    pub fn read_spec(&self) -> Result<ReadSpec, EvalDataError> {
        let mut columns: Vec<ColumnSpec> = Vec::with_capacity(self.indicators.len() + 2);
        let mut add = |c: ColumnSpec| -> Result<(), EvalDataError> {
            match columns.iter().find(|d| d.name == c.name) {
                Some(d) if d.kind == c.kind => Ok(()),
                Some(_) => Err(EvalDataError::Io(format!(
                    "column '{}' cannot be both the id/class and an indicator",
                    c.name
                ))),
                None => {
                    columns.push(c);
                    Ok(())
                }
            }
        };
        add(ColumnSpec::text(self.id))?;
        if let Some(c) = self.class {
            add(ColumnSpec::text(c))?;
        }
        for i in self.indicators {
            add(ColumnSpec::number(i.as_str()))?;
        }
        Ok(ReadSpec {
            columns,
            key: Some(0),
        })
    }

    /// The engine's data set from a table read with [`Columns::read_spec`]: the indicator
    /// columns are copied once into the column-major matrix.
    pub fn dataset(&self, src: SourceTable) -> Result<Dataset, EvalDataError> {
        let t = &src.table;
        let n = t.rows();
        let text = |name: &str| {
            t.text(name)
                .ok_or_else(|| EvalDataError::UnknownColumn(name.to_string()))
        };
        let ids: Vec<String> = text(self.id)?.par_iter_strings();
        let classes = match self.class {
            Some(c) => Some(text(c)?.par_iter_strings()),
            None => None,
        };
        let cols = self
            .indicators
            .iter()
            .map(|name| {
                t.number(name)
                    .ok_or_else(|| EvalDataError::UnknownColumn(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut values = vec![0.0; n * cols.len()];
        if n > 0 {
            values
                .par_chunks_mut(n)
                .zip(cols)
                .for_each(|(dst, src)| dst.copy_from_slice(src));
        }
        drop(src);
        Ok(Dataset {
            values: Matrix::from_columns(n, self.indicators.len(), values)
                .map_err(|e| EvalDataError::Io(e.to_string()))?,
            ids,
            columns: self.indicators.to_vec(),
            classes,
        })
    }
}

/// Owned strings of a text column, made in parallel (1e6 small allocations).
trait ParStrings {
    fn par_iter_strings(&self) -> Vec<String>;
}

impl ParStrings for TextColumn {
    fn par_iter_strings(&self) -> Vec<String> {
        (0..self.len())
            .into_par_iter()
            .with_min_len(4096)
            .map(|i| self.get(i).to_string())
            .collect()
    }
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

/// `s.trim()`, without decoding a character at either end when both end bytes are printable
/// ASCII (no white space can be there): the common cell.
#[inline]
pub(crate) fn trim_cell(s: &str) -> &str {
    let b = s.as_bytes();
    let printable = |c: u8| c > b' ' && c < 0x7f;
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if printable(f) && printable(l) => s,
        _ => s.trim(),
    }
}

/// A cell's text as a value: `Some(NaN)` for missing, `None` when not a finite number.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = trim_cell(text);
    // Short cells first by one exact division. A longer cell (17 significant digits, as most
    // exporters write doubles) would fail that path after scanning every digit, so it goes
    // straight to `fast_float2`: both give `str::parse`'s bits, only the speed differs.
    if t.len() <= PLAIN_MAX_LEN
        && let Some(v) = parse_plain_decimal(t.as_bytes())
    {
        return Some(v);
    }
    // Numbers first (the common cell): no mark is a finite number, so the order of the two
    // checks does not change any result. `fast_float2` is correctly rounded and reads Rust's
    // float grammar, so it gives `str::parse`'s bits (proptest below) at a fraction of the cost
    // for long decimals (17 significant digits, exponents).
    if let Ok(v) = fast_float2::parse::<f64, _>(t.as_bytes())
        && v.is_finite()
    {
        return Some(v);
    }
    if MISSING.iter().any(|m| t.eq_ignore_ascii_case(m)) {
        return Some(f64::NAN);
    }
    // Only cells that are neither numbers nor marks get here (the error path): `str::parse`
    // keeps the old verdict should the two grammars ever differ.
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Longest cell tried by [`parse_plain_decimal`] first: a sign, 15 digits and a point.
const PLAIN_MAX_LEN: usize = 17;

/// Exact powers of ten as f64 (10^22 is the largest one a double holds exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common cell `[-+]digits[.digits]` (at most 19 digits, mantissa ≤ 2⁵³, at most 22
/// after the point) without the general parser: the mantissa and 10^k are exact doubles, so
/// one IEEE division gives the correctly rounded value, the same bits as `str::parse`
/// (Clinger's fast path). `None` for anything else (the caller then tries `fast_float2`).
#[inline]
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut count = 0usize;
    let mut frac: Option<usize> = None;
    for (k, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                count += 1;
                if count > 19 {
                    return None;
                }
                m = m * 10 + u64::from(c - b'0');
            }
            b'.' if frac.is_none() => frac = Some(k + 1),
            _ => return None,
        }
    }
    if count == 0 || m > 1 << 53 {
        return None;
    }
    let scale = frac.map_or(0, |f| digits.len() - f);
    let v = m as f64 / *POW10.get(scale)?;
    Some(if neg { -v } else { v })
}

/// Reads an evaluation's columns from CSV bytes.
pub fn read_csv(bytes: &[u8], want: &Columns) -> Result<Dataset, EvalDataError> {
    want.dataset(read_csv_table(bytes, &want.read_spec()?)?)
}

/// Reads an evaluation's columns from the first worksheet of XLSX bytes (streamed, bounded).
pub fn read_xlsx(bytes: &[u8], want: &Columns) -> Result<Dataset, EvalDataError> {
    want.dataset(read_xlsx_table(bytes, &want.read_spec()?)?)
}

/// Reads a file by its extension.
pub fn read_path(path: &Path, want: &Columns) -> Result<Dataset, EvalDataError> {
    want.dataset(read_table_path(path, &want.read_spec()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path gives `str::parse`'s bits or declines, never another value.
    #[test]
    fn plain_decimals_read_as_str_parse_does() {
        for t in [
            "0",
            "-0",
            "+0",
            "1.",
            ".5",
            "-.5",
            "007.50",
            "0.1",
            "0.3",
            "123456.789",
            "9007199254740992",
            "9007199254740993",
            "1234567890123456789",
            "0.0000000000000000000001",
            "1.7976931348623157",
            "-12.25",
            "1e5",
            ".",
            "-",
            "+",
            "1.2.3",
            "1,5",
            " 1",
            "",
        ] {
            let fast = parse_plain_decimal(t.as_bytes());
            if let Some(v) = fast {
                assert_eq!(v.to_bits(), t.parse::<f64>().unwrap().to_bits(), "{t}");
            }
        }
        assert_eq!(parse_plain_decimal(b"1e5"), None);
        assert_eq!(parse_plain_decimal(b"9007199254740993"), None);
        assert_eq!(parse_plain_decimal(b"."), None);
        assert!(parse_number("-").unwrap().is_nan());
        assert_eq!(parse_number(" -0.5 "), Some(-0.5));
    }

    /// The shortcut trims exactly as `str::trim`.
    #[test]
    fn cells_trim_as_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}县\u{3000}",
            "1.5\r",
            "\u{a0}x",
            "x\u{85}",
            "\u{1c}7",
            "7\u{7f}",
            "中",
            "a b",
        ] {
            assert_eq!(trim_cell(s), s.trim(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_cell_trims_as_str_trim(s in "[ \t\r\u{1c}-\u{21}\u{7e}-\u{a0}\u{3000}a县0-9.]{0,6}") {
            proptest::prop_assert_eq!(trim_cell(&s), s.trim());
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_decimals_match_str_parse(
            sign in proptest::sample::select(vec!["", "-", "+"]),
            int in "[0-9]{0,12}",
            point in proptest::bool::ANY,
            frac in "[0-9]{0,12}",
        ) {
            let t = format!("{sign}{int}{}{frac}", if point { "." } else { "" });
            let want = t.parse::<f64>().ok();
            match parse_plain_decimal(t.as_bytes()) {
                Some(v) => proptest::prop_assert_eq!(Some(v.to_bits()), want.map(f64::to_bits)),
                None => proptest::prop_assert!(
                    want.is_none() || int.len() + frac.len() > 15,
                    "declined {}", t
                ),
            }
            proptest::prop_assert_eq!(
                parse_number(&t).map(f64::to_bits),
                want.filter(|v| v.is_finite()).map(f64::to_bits)
                    .or_else(|| (t == "-" || t.is_empty()).then_some(f64::NAN.to_bits()))
            );
        }
    }

    proptest::proptest! {
        /// Long decimals (17–20 significant digits, signs, leading zeros, exponents) and
        /// near-numbers read exactly as `str::parse` reads them, or are refused as it refuses.
        #[test]
        fn long_decimals_match_str_parse(
            sign in proptest::sample::select(vec!["", "-", "+"]),
            zeros in "0{0,3}",
            int in "[0-9]{0,20}",
            point in proptest::bool::ANY,
            frac in "[0-9]{0,20}",
            exp in proptest::option::of((
                proptest::sample::select(vec!["e", "E"]),
                proptest::sample::select(vec!["", "-", "+"]),
                "[0-9]{0,3}",
            )),
        ) {
            let exp = exp.map(|(e, s, d)| format!("{e}{s}{d}")).unwrap_or_default();
            let t = format!("{sign}{zeros}{int}{}{frac}{exp}", if point { "." } else { "" });
            let want = t.parse::<f64>().ok();
            let got = fast_float2::parse::<f64, _>(t.as_bytes()).ok();
            proptest::prop_assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{}", t);
            let finite = want.filter(|v| v.is_finite());
            if let Some(w) = finite {
                proptest::prop_assert_eq!(parse_number(&t).map(f64::to_bits), Some(w.to_bits()));
            }
        }

        /// Arbitrary short strings over the float alphabet: the same verdict and bits.
        #[test]
        fn float_alphabet_matches_str_parse(t in "[-+.eE0-9infatyINFATY_ ]{0,12}") {
            let want = t.parse::<f64>().ok();
            let got = fast_float2::parse::<f64, _>(t.as_bytes()).ok();
            proptest::prop_assert_eq!(
                got.map(|v| if v.is_nan() { 1 } else { v.to_bits() }),
                want.map(|v| if v.is_nan() { 1 } else { v.to_bits() }),
                "{:?}", t
            );
        }
    }

    /// Cells of the bench's eval file (17 significant digits) and bad cells.
    #[test]
    fn long_decimal_cells() {
        for t in [
            "0.12345678901234567",
            "1234567.8901234567",
            "-0.000012345678901234567",
            "1.2345678901234567e-300",
            "4.9e-324",
            "2.2250738585072011e-308",
            "1.7976931348623157e308",
            "9007199254740993",
            "00000.10000000000000000555",
        ] {
            assert_eq!(
                parse_number(t).map(f64::to_bits),
                Some(t.parse::<f64>().unwrap().to_bits()),
                "{t}"
            );
        }
        for t in [
            "1e400", "-1e400", "inf", "infinity", "1e", "1e+", "e5", ".e1", "0x10", "1_000",
        ] {
            assert_eq!(parse_number(t), None, "{t}");
        }
        assert!(parse_number("NaN").unwrap().is_nan());
    }

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
        assert_eq!(t.values.as_slice()[0..2], [1.5, 2.0]);
        assert!(t.values.as_slice()[2].is_nan());
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
