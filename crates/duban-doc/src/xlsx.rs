//! XLSX → plain text: a 任务分解表 kept as an Excel workbook. The first worksheet's rows become
//! lines with their cells tab-separated, the same text a DOCX or HTML table gives, so the one
//! table reader (`table.rs`) reads all three. Cells are streamed from the sheet's XML: rows are
//! emitted as they come, never as a dense range, so a stray cell at XFD1048576 costs nothing
//! (columns past [`MAX_COLUMNS`] are ignored). Parts are inflated at most 64 MB each (`docx::read_part`).
//! A merged cell's text stands in its first cell, the others are empty (as Word's `vMerge`).
//! A cell typed as an Excel date (its style's number format is a date) reads as people write
//! it, `2023年12月31日`.

use std::collections::HashMap;
use std::io::Cursor;

use quick_xml::events::Event;

use crate::cells::CellTable;
use crate::docx::attr;
use crate::error::DocError;

/// Columns read per row (A … GR); a task table has a handful.
const MAX_COLUMNS: usize = 200;

fn corrupt(e: impl std::fmt::Display) -> DocError {
    DocError::CorruptXlsx(e.to_string())
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn read_part(archive: &mut Archive<'_>, name: &str) -> Result<Option<String>, DocError> {
    crate::docx::read_part(archive, name).map_err(corrupt)
}

/// Whether the archive is a workbook.
pub fn is_workbook(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|mut a| a.by_name("xl/workbook.xml").is_ok())
}

pub fn xlsx_to_text(bytes: &[u8]) -> Result<String, DocError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let sheet = first_sheet_part(&mut archive)?;
    let strings = match read_part(&mut archive, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let dates = match read_part(&mut archive, "xl/styles.xml")? {
        Some(xml) => date_styles(&xml)?,
        None => Vec::new(),
    };
    let xml = read_part(&mut archive, &sheet)?
        .ok_or_else(|| corrupt(format!("the workbook names {sheet}, which is missing")))?;
    sheet_to_text(&xml, &strings, &dates)
}

/// The first worksheet in the workbook's order (`xl/workbook.xml` → its relationship).
fn first_sheet_part(archive: &mut Archive<'_>) -> Result<String, DocError> {
    let fallback = "xl/worksheets/sheet1.xml".to_string();
    let Some(workbook) = read_part(archive, "xl/workbook.xml")? else {
        return Ok(fallback);
    };
    let mut reader = quick_xml::Reader::from_str(&workbook);
    let mut rel_id = None;
    loop {
        match reader.read_event().map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                rel_id = attr(&e, b"id");
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (Some(rel_id), Some(rels)) = (rel_id, read_part(archive, "xl/_rels/workbook.xml.rels")?)
    else {
        return Ok(fallback);
    };
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event().map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == b"Relationship"
                    && attr(&e, b"Id").as_deref() == Some(rel_id.as_str()) =>
            {
                let target = attr(&e, b"Target").unwrap_or_default();
                return Ok(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => return Ok(fallback),
            _ => {}
        }
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text runs joined (phonetic `<rPh>` runs left out).
fn shared_strings(xml: &str) -> Result<Vec<String>, DocError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut current, mut in_text, mut in_phonetic) = (String::new(), false, false);
    loop {
        match reader.read_event().map_err(corrupt)? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => current.clear(),
                b"t" => in_text = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => out.push(std::mem::take(&mut current)),
                b"t" => in_text = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_text && !in_phonetic => {
                current.push_str(&t.unescape().map_err(corrupt)?);
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// Per cell style (`<cellXfs>` in order): whether its number format shows a date.
fn date_styles(xml: &str) -> Result<Vec<bool>, DocError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut out = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match reader.read_event().map_err(corrupt)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if let Some(id) = attr(&e, b"numFmtId").and_then(|v| v.parse().ok()) {
                        let code = attr(&e, b"formatCode").unwrap_or_default();
                        custom.insert(id, is_date_format(&code));
                    }
                }
                b"cellXfs" => in_cell_xfs = true,
                b"xf" if in_cell_xfs => {
                    let id: u32 = attr(&e, b"numFmtId")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    // Built-in date formats: 14–17, 22, and the East Asian 27–36, 50–58.
                    let builtin = matches!(id, 14..=17 | 22 | 27..=36 | 50..=58);
                    out.push(custom.get(&id).copied().unwrap_or(builtin));
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_xfs = false,
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// A custom number format shows a date when, outside quoted text and `[...]`, it has a year
/// or day code (`yyyy"年"m"月"d"日"`, `yyyy/mm/dd`), not only hours and minutes.
fn is_date_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'y' | 'Y' | 'd' | 'D' | 'e' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// An Excel date serial (days since 1899-12-30, the 1900 system) as prose writes it.
fn serial_date(text: &str) -> Option<String> {
    let serial: f64 = text.trim().parse().ok()?;
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let date = epoch.checked_add_days(chrono::Days::new(serial.floor() as u64))?;
    Some(duban_core::period::zh_date(date))
}

/// `B12` → column index 1 (`None` for a reference without letters).
fn column_of(reference: &str) -> Option<usize> {
    let letters = reference.bytes().take_while(u8::is_ascii_alphabetic);
    let mut col = 0usize;
    let mut any = false;
    for b in letters {
        any = true;
        col = col
            .checked_mul(26)?
            .checked_add(usize::from(b.to_ascii_uppercase() - b'A' + 1))?;
    }
    any.then(|| col - 1)
}

/// The worksheet's rows as lines: cells in column order, tab-separated, trailing empty cells
/// dropped, empty rows skipped; a task table's multi-line cells joined (`cells.rs`).
fn sheet_to_text(xml: &str, strings: &[String], dates: &[bool]) -> Result<String, DocError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut table = CellTable::default();
    let mut row: HashMap<usize, String> = HashMap::new();
    let mut next_col = 0usize;
    // The open cell: its column, type and whether its style shows a date; the text of its
    // <v> or inline <t>.
    let mut cell: Option<(usize, String, bool)> = None;
    let mut value = String::new();
    let mut in_value = false;
    loop {
        match reader.read_event().map_err(corrupt)? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"row" => {
                    row.clear();
                    next_col = 0;
                }
                b"c" => {
                    let col = attr(&e, b"r")
                        .and_then(|r| column_of(&r))
                        .unwrap_or(next_col);
                    next_col = col.saturating_add(1);
                    let date = attr(&e, b"s")
                        .and_then(|s| s.parse::<usize>().ok())
                        .and_then(|s| dates.get(s).copied())
                        .unwrap_or(false);
                    cell = Some((col, attr(&e, b"t").unwrap_or_default(), date));
                    value.clear();
                }
                b"v" | b"t" => in_value = cell.is_some(),
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                next_col = attr(&e, b"r")
                    .and_then(|r| column_of(&r))
                    .unwrap_or(next_col)
                    .saturating_add(1);
            }
            Event::Text(t) if in_value => value.push_str(&t.unescape().map_err(corrupt)?),
            Event::End(e) => match e.local_name().as_ref() {
                b"v" | b"t" => in_value = false,
                b"c" => {
                    if let Some((col, kind, date)) = cell.take()
                        && col < MAX_COLUMNS
                    {
                        let text = match kind.as_str() {
                            "s" => value
                                .trim()
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| strings.get(i).cloned())
                                .unwrap_or_default(),
                            "e" => String::new(),
                            "" | "n" if date => {
                                serial_date(&value).unwrap_or_else(|| std::mem::take(&mut value))
                            }
                            _ => std::mem::take(&mut value),
                        };
                        if !text.trim().is_empty() {
                            row.insert(col, text);
                        }
                    }
                }
                b"row" => write_row(&mut out, &mut table, &row),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    table.finish(&mut out);
    Ok(out)
}

fn write_row(out: &mut String, table: &mut CellTable, row: &HashMap<usize, String>) {
    let Some(&last) = row.keys().max() else {
        return;
    };
    for col in 0..=last {
        table.open_cell(out.len());
        if let Some(text) = row.get(&col) {
            // Lines inside a cell (Alt+Enter) stay lines; a task table joins them at the end.
            out.push_str(text.trim().replace("\r\n", "\n").as_str());
        }
        table.close_cell(out);
    }
    table.end_row();
    if out.ends_with('\t') {
        out.pop();
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cells_read_as_dates() {
        let styles = r#"<styleSheet><numFmts><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="177" formatCode="[h]:mm"/><numFmt numFmtId="178" formatCode="0.0&quot;d&quot;"/></numFmts>
            <cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="177"/><xf numFmtId="178"/></cellXfs></styleSheet>"#;
        assert_eq!(
            date_styles(styles).unwrap(),
            [false, true, true, false, false]
        );
        let xml = r#"<worksheet><sheetData><row r="1">
            <c r="A1" s="1"><v>45291</v></c><c r="B1" s="2"><v>43921.5</v></c><c r="C1" s="0"><v>45291</v></c><c r="D1" s="1" t="s"><v>0</v></c>
            </row></sheetData></worksheet>"#;
        let strings = vec!["2023年底".to_string()];
        let dates = date_styles(styles).unwrap();
        assert_eq!(
            sheet_to_text(xml, &strings, &dates).unwrap(),
            "2023年12月31日\t2020年3月31日\t45291\t2023年底\n"
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("Z9"), Some(25));
        assert_eq!(column_of("AA3"), Some(26));
        assert_eq!(column_of("XFD1048576"), Some(16383));
        assert_eq!(column_of("12"), None);
    }

    #[test]
    fn shared_strings_join_runs_and_skip_phonetics() {
        let xml = r#"<sst><si><t>序号</t></si><si><r><t>牵头</t></r><r><t>单位</t></r><rPh><t>ぴ</t></rPh></si><si/></sst>"#;
        assert_eq!(shared_strings(xml).unwrap(), ["序号", "牵头单位", ""]);
    }

    #[test]
    fn rows_become_tab_lines_and_far_cells_are_ignored() {
        let strings: Vec<String> = ["序号", "任务", "牵头单位", "甲局"]
            .map(String::from)
            .to_vec();
        let xml = r#"<worksheet><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>
            <row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>建设&amp;改造</t></is></c><c r="D2" t="s"><v>3</v></c></row>
            <row r="3"/>
            <row r="1048576"><c r="XFD1048576" t="s"><v>3</v></c></row>
            </sheetData></worksheet>"#;
        assert_eq!(
            sheet_to_text(xml, &strings, &[]).unwrap(),
            "序号\t任务\t牵头单位\n1\t建设&改造\t\t甲局\n"
        );
    }
}
