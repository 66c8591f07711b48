//! Formula text in exports (OWASP "CSV injection"): a cell whose text starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return (or their full-width forms, which CJK spreadsheet
//! programs also accept) may be run as a formula when the file is opened or the cell is
//! edited. Every export writes such text with a leading apostrophe (`'=1+1`), so it stays
//! text; plain numbers (`-3.5`, `+12`) are left alone. Readers of duban's own files drop
//! that one apostrophe again ([`strip_neutralised`]), so a round trip keeps the text.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// Whether `s` would be taken for a formula (a plain number is not).
pub fn is_formula_like(s: &str) -> bool {
    // A finite number only: `-inf`, `-nan`, `+infinity` parse as f64 but a spreadsheet
    // reads them as formulas (=-inf).
    s.starts_with(TRIGGERS) && !s.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether `s` gets the apostrophe: formula-like, or an apostrophe before something that
/// does (so that text which itself starts with `'=` survives the round trip).
fn needs_prefix(s: &str) -> bool {
    is_formula_like(s) || s.strip_prefix('\'').is_some_and(needs_prefix)
}

/// `s`, prefixed with an apostrophe when it would be taken for a formula.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if needs_prefix(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The text as written before [`neutralise`]: one leading apostrophe is dropped when what
/// follows would have needed it.
pub fn strip_neutralised(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_prefix(rest) => rest,
        _ => s,
    }
}

/// A CSV file (UTF-8, with or without BOM, or GB18030: both keep ASCII bytes as ASCII)
/// with every formula-like cell prefixed, as duban's readers read it. Cells are otherwise unchanged; quoting is
/// redone where a cell needs it. Unreadable CSV is returned as an error.
pub fn neutralise_csv(bytes: &[u8]) -> Result<Vec<u8>, csv::Error> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => (&b""[..], bytes),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut out = bom.to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let mut cell = Vec::new();
        for record in reader.byte_records() {
            let record = record?;
            let mut fields: Vec<Vec<u8>> = Vec::with_capacity(record.len());
            for field in record.iter() {
                cell.clear();
                let text = String::from_utf8_lossy(field);
                // A cell already led by an apostrophe is what duban's readers read without
                // it ([`strip_neutralised`]): it stays as it is, so a download of an uploaded
                // download does not gain a second apostrophe.
                if is_formula_like(&text) {
                    cell.push(b'\'');
                }
                cell.extend_from_slice(field);
                fields.push(cell.clone());
            }
            writer.write_record(&fields)?;
        }
        writer.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_prefixed_numbers_are_not() {
        for f in [
            "=1+1",
            "+cmd",
            "-inf",
            "-nan",
            "+infinity",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\r=x",
            "＝HYPERLINK(\"x\")",
        ] {
            assert_eq!(neutralise(f), format!("'{f}"), "{f:?}");
            assert_eq!(strip_neutralised(&neutralise(f)), f);
        }
        assert_eq!(neutralise("'=x"), "''=x");
        for t in ["-3.5", "+12", "完成", "", "'plain", "a=b"] {
            assert_eq!(neutralise(t), t, "{t:?}");
        }
        assert_eq!(strip_neutralised("'plain"), "'plain");
    }

    #[test]
    fn csv_cells_are_prefixed() {
        let src = "\u{feff}id,name,x\n1,=HYPERLINK(\"http://e.x\"),-3\n2,\"a,b\",@x\n";
        let out = String::from_utf8(neutralise_csv(src.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            out,
            "\u{feff}id,name,x\n1,\"'=HYPERLINK(\"\"http://e.x\"\")\",-3\n2,\"a,b\",'@x\n"
        );
    }

    /// A downloaded file uploaded and downloaded again is the same file (issue 9 probe: the
    /// apostrophe used to double on each round).
    #[test]
    fn a_csv_download_of_a_download_is_unchanged() {
        let once = neutralise_csv(b"id,name\n1,=HYPERLINK(1)\n").unwrap();
        assert_eq!(neutralise_csv(&once).unwrap(), once);
        assert_eq!(
            String::from_utf8(once).unwrap(),
            "id,name\n1,'=HYPERLINK(1)\n"
        );
    }

    proptest! {
        #[test]
        fn round_trip(s in ".*") {
            let n = neutralise(&s);
            prop_assert_eq!(strip_neutralised(&n), s.as_str());
            prop_assert!(!is_formula_like(&neutralise(&s)));
        }
    }
}
