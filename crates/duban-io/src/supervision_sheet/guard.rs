//! Checks on untrusted bytes before a parser sees them: size, container type, zip bombs.

use std::io::{Cursor, Read};

use super::{
    MAX_ENTRY_BYTES, MAX_TOTAL_BYTES, MAX_UPLOAD_BYTES, MAX_ZIP_ENTRIES, SheetError, SheetErrorKind,
};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Byte caps of a workbook container, checked before calamine reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub upload: usize,
    pub entry: u64,
    pub total: u64,
    pub entries: usize,
}

/// The 督办表's caps.
pub(crate) const SHEET_LIMITS: Limits = Limits {
    upload: MAX_UPLOAD_BYTES,
    entry: MAX_ENTRY_BYTES,
    total: MAX_TOTAL_BYTES,
    entries: MAX_ZIP_ENTRIES,
};

/// Refuses oversize or unknown input and legacy `.xls`; for zips (xlsx, ods), decompresses
/// every entry with a cap so that neither a high ratio nor a lying size header gets past
/// (calamine trusts the headers).
///
/// `.xls` (an OLE compound file) is refused: fuzzing found inputs on which calamine 0.38's
/// compound-file reader panics or grows without bound (over 2 GB from a 13 KB file), and
/// there is no cheap way to bound it from outside.
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    check_with(bytes, &SHEET_LIMITS)
}

/// [`check`] with other caps (evaluation data sets).
pub(crate) fn check_with(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    if bytes.len() > limits.upload {
        return Err(SheetError::new(
            SheetErrorKind::TooLarge,
            format!(
                "文件过大（{:.1} MB），上限为 {} MB",
                bytes.len() as f64 / 1_048_576.0,
                limits.upload / 1_048_576
            ),
        ));
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(SheetError::new(
            SheetErrorKind::Unreadable,
            "不支持旧版 .xls（Excel 97-2003）文件：请在 Excel、WPS 或 LibreOffice 中“另存为” .xlsx 后上传",
        ));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(unreadable());
    }
    check_zip(bytes, limits)
}

/// Runs a calamine call, turning a panic into the caller's "damaged file" error. calamine has
/// panicked on damaged files (found by fuzzing); an upload must give an error, never take the
/// caller down. Only parser calls are wrapped, so a bug in our own checks still surfaces.
pub(crate) fn contained<T, E>(
    f: impl FnOnce() -> Result<T, E>,
    damaged: impl FnOnce() -> E,
) -> Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| Err(damaged()))
}

fn unreadable() -> SheetError {
    SheetError::new(
        SheetErrorKind::Unreadable,
        "无法识别的文件：请上传 Excel（.xlsx/.xls）或 LibreOffice（.ods）表格（CSV 不含元数据，不能导入）",
    )
}

fn too_large_inside(limits: &Limits) -> SheetError {
    SheetError::new(
        SheetErrorKind::TooLarge,
        format!(
            "压缩包解压后过大（单个部件上限 {} MB，合计上限 {} MB），已拒绝",
            limits.entry / 1_048_576,
            limits.total / 1_048_576
        ),
    )
}

fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if archive.len() > limits.entries {
        return Err(SheetError::new(
            SheetErrorKind::TooLarge,
            format!("压缩包内部件过多（{}个）", archive.len()),
        ));
    }
    // Declared sizes first: cheap, and refuses honest bombs without inflating anything.
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let size = archive.by_index_raw(i).map_err(|_| unreadable())?.size();
        if size > limits.entry {
            return Err(too_large_inside(limits));
        }
        declared = declared.saturating_add(size);
    }
    if declared > limits.total {
        return Err(too_large_inside(limits));
    }
    // Then the real sizes, with a cap: headers can lie.
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let mut ods_content: Option<Vec<u8>> = None;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| unreadable())?;
        let keep = entry.name().map(|n| n == "content.xml").unwrap_or(false);
        let mut kept = Vec::new();
        let mut entry_total: u64 = 0;
        loop {
            let n = entry.read(&mut buf).map_err(|_| unreadable())?;
            if n == 0 {
                break;
            }
            entry_total += n as u64;
            total += n as u64;
            if entry_total > limits.entry || total > limits.total {
                return Err(too_large_inside(limits));
            }
            if keep {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        if keep {
            ods_content = Some(kept);
        }
    }
    if let Some(xml) = ods_content
        && ods_dense_cells(&xml) > MAX_ODS_DENSE_CELLS
    {
        return Err(SheetError::new(
            SheetErrorKind::TooLarge,
            "表格的使用范围过大（重复的行或列过多），已拒绝",
        ));
    }
    Ok(())
}

/// calamine expands an ODS sheet into a dense grid; beyond this many cells we refuse
/// (a 1000-row sheet uses ~60 000).
const MAX_ODS_DENSE_CELLS: u64 = 2_000_000;

/// The largest dense grid (rows × columns up to the last non-empty cell) calamine would
/// build from an ODS `content.xml`, honouring `number-rows-repeated` and
/// `number-columns-repeated`. A byte scan, not a parser: tags and attributes only.
pub(crate) fn ods_dense_cells(xml: &[u8]) -> u64 {
    fn attr(tag: &[u8], name: &[u8]) -> Option<u64> {
        let pos = tag.windows(name.len()).position(|w| w == name)?;
        let rest = &tag[pos + name.len()..];
        let rest = rest.strip_prefix(b"=\"")?;
        let end = rest.iter().position(|&b| b == b'"')?;
        std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
    }
    let mut worst: u64 = 0;
    let (mut row_pos, mut rows_end, mut max_cols) = (0u64, 0u64, 0u64);
    let (mut row_rep, mut col_pos, mut row_last_col) = (1u64, 0u64, 0u64);
    let mut i = 0;
    while let Some(off) = xml[i..].iter().position(|&b| b == b'<') {
        let start = i + off;
        let Some(len) = xml[start..].iter().position(|&b| b == b'>') else {
            break;
        };
        let tag = &xml[start + 1..start + len];
        i = start + len + 1;
        // The name ends at white space or a self-closing '/' (a leading '/' is an end tag).
        let name_end = tag
            .iter()
            .skip(1)
            .position(|&b| b == b' ' || b == b'/' || b == b'\t' || b == b'\n' || b == b'\r')
            .map_or(tag.len(), |p| p + 1);
        let self_closing = tag.ends_with(b"/");
        match &tag[..name_end] {
            b"table:table" => (row_pos, rows_end, max_cols) = (0, 0, 0),
            b"/table:table" => worst = worst.max(rows_end.saturating_mul(max_cols)),
            b"table:table-row" => {
                row_rep = attr(tag, b"table:number-rows-repeated").unwrap_or(1);
                (col_pos, row_last_col) = (0, 0);
            }
            b"/table:table-row" => {
                if row_last_col > 0 {
                    rows_end = row_pos.saturating_add(row_rep);
                    max_cols = max_cols.max(row_last_col);
                }
                row_pos = row_pos.saturating_add(row_rep);
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let rep = attr(tag, b"table:number-columns-repeated").unwrap_or(1);
                col_pos = col_pos.saturating_add(rep);
                let filled = !self_closing || attr_present(tag, b"office:value-type");
                if filled {
                    row_last_col = col_pos;
                }
            }
            _ => {}
        }
    }
    worst
}

fn attr_present(tag: &[u8], name: &[u8]) -> bool {
    tag.windows(name.len()).any(|w| w == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_with(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        // Level 1: these tests deflate tens of MB in a debug build.
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn refuses_unknown_and_oversize() {
        assert_eq!(
            check(b"hello").unwrap_err().kind,
            SheetErrorKind::Unreadable
        );
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert_eq!(check(&big).unwrap_err().kind, SheetErrorKind::TooLarge);
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend([0; 100]);
        let e = check(&cfb).unwrap_err();
        assert_eq!(e.kind, SheetErrorKind::Unreadable);
        assert!(e.message.contains("另存为” .xlsx"), "{e}");
    }

    #[test]
    fn refuses_a_zip_bomb() {
        // 70 MB of zeros deflates to ~70 KB.
        let bomb = zip_with(&[("xl/worksheets/sheet1.xml", vec![0u8; 70 * 1024 * 1024])]);
        assert!(bomb.len() < 1024 * 1024);
        let e = check(&bomb).unwrap_err();
        assert_eq!(e.kind, SheetErrorKind::TooLarge);
        assert!(e.message.contains("解压后过大"), "{e}");
    }

    #[test]
    fn refuses_a_bomb_with_lying_headers() {
        let mut bomb = zip_with(&[("a.xml", vec![b'a'; 66 * 1024 * 1024])]);
        // Patch every recorded uncompressed size (local header offset 22, central 24) to 1.
        let patch = |b: &mut Vec<u8>, sig: &[u8], off: usize| {
            let mut i = 0;
            while i + 4 <= b.len() {
                if &b[i..i + 4] == sig {
                    b[i + off..i + off + 4].copy_from_slice(&1u32.to_le_bytes());
                }
                i += 1;
            }
        };
        patch(&mut bomb, b"PK\x03\x04", 22);
        patch(&mut bomb, b"PK\x01\x02", 24);
        let e = check(&bomb).unwrap_err();
        // Either the inflating cap or the reader's own consistency check stops it.
        assert!(
            matches!(
                e.kind,
                SheetErrorKind::TooLarge | SheetErrorKind::Unreadable
            ),
            "{e:?}"
        );
    }

    #[test]
    fn measures_the_dense_size_of_ods_sheets() {
        let sheet = |rows: &str| {
            format!("<office:body><table:table table:name=\"a\">{rows}</table:table></office:body>")
        };
        // LibreOffice's own trailing empty rows and columns do not count.
        let lo = sheet(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert_eq!(ods_dense_cells(lo.as_bytes()), 1);
        let bomb = sheet(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="100"/></table:table-row>"#,
        );
        assert_eq!(ods_dense_cells(bomb.as_bytes()), 100_000_000);
        let z = zip_with(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            ),
            ("content.xml", bomb.into_bytes()),
        ]);
        assert_eq!(check(&z).unwrap_err().kind, SheetErrorKind::TooLarge);
    }

    #[test]
    fn accepts_a_small_zip() {
        let z = zip_with(&[("a.xml", b"<a/>".to_vec())]);
        assert_eq!(check(&z), Ok(()));
    }
}
