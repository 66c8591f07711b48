//! DOCX → plain text: paragraphs are lines, table cells are tab-separated.

use crate::cells::CellTable;
use crate::error::DocError;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::Read;

/// The largest XML part of a DOCX or XLSX we inflate (a zip bomb guard).
const MAX_XML_BYTES: u64 = 64 * 1024 * 1024;

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// One XML part of an Office archive, inflated at most [`MAX_XML_BYTES`]; `None` when absent.
pub(crate) fn read_part<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, std::io::Error> {
    let Ok(entry) = archive.by_name(name) else {
        return Ok(None);
    };
    let mut xml = String::new();
    entry.take(MAX_XML_BYTES).read_to_string(&mut xml)?;
    Ok(Some(xml))
}

pub fn docx_to_text(bytes: &[u8]) -> Result<String, DocError> {
    let corrupt = |e: &dyn std::fmt::Display| DocError::CorruptDocx(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    let read = |archive: &mut zip::ZipArchive<_>, name: &str| -> Result<Option<String>, DocError> {
        read_part(archive, name).map_err(|e| corrupt(&e))
    };
    let Some(xml) = read(&mut archive, "word/document.xml")? else {
        // A whole archive without the Word part: another format, not a damaged DOCX.
        let kind = if archive.by_name("ppt/presentation.xml").is_ok() {
            "PowerPoint (.pptx)"
        } else {
            "a zip archive without word/document.xml"
        };
        return Err(DocError::Unsupported(kind.into()));
    };
    // Word's automatic list numbering is not in the text: rebuild the labels from it.
    let numbering = match read(&mut archive, "word/numbering.xml") {
        Ok(Some(n)) => Numbering::parse(&n),
        _ => Numbering::default(),
    };
    document_xml_to_text(&xml, &numbering)
}

/// One list level: number format, label template (`%1.`), start value.
#[derive(Debug, Clone)]
struct Level {
    format: String,
    text: String,
    start: u32,
}

/// `word/numbering.xml`: numId → abstract definition → levels.
#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    nums: HashMap<String, String>,
}

pub(crate) fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| match a.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
        })
}

impl Numbering {
    /// Best effort: a malformed numbering part just means no rebuilt labels.
    fn parse(xml: &str) -> Numbering {
        let mut n = Numbering::default();
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut abstract_id: Option<String> = None;
        let mut num_id: Option<String> = None;
        let mut level: Option<(usize, Level)> = None;
        while let Ok(event) = reader.read_event() {
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    b"abstractNum" => abstract_id = attr(&e, b"abstractNumId"),
                    b"num" => num_id = attr(&e, b"numId"),
                    b"abstractNumId" => {
                        if let (Some(id), Some(a)) = (&num_id, attr(&e, b"val")) {
                            n.nums.insert(id.clone(), a);
                        }
                    }
                    b"lvl" => {
                        let ilvl = attr(&e, b"ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                        level = Some((
                            ilvl,
                            Level {
                                format: "decimal".into(),
                                text: String::new(),
                                start: 1,
                            },
                        ));
                    }
                    b"numFmt" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, b"val")) {
                            l.format = v;
                        }
                    }
                    b"lvlText" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, b"val")) {
                            l.text = v;
                        }
                    }
                    b"start" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, b"val")) {
                            l.start = v.parse().unwrap_or(1);
                        }
                    }
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref() == b"lvl" => {
                    if let (Some((ilvl, l)), Some(a)) = (level.take(), &abstract_id)
                        && ilvl < 9
                    {
                        let levels = n.abstracts.entry(a.clone()).or_default();
                        if levels.len() <= ilvl {
                            levels.resize(ilvl + 1, l.clone());
                        }
                        levels[ilvl] = l;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        n
    }

    fn levels(&self, num_id: &str) -> Option<&Vec<Level>> {
        self.abstracts.get(self.nums.get(num_id)?)
    }
}

/// The counters of the lists met so far, to label each numbered paragraph.
#[derive(Default)]
struct Counters(HashMap<String, [u32; 9]>);

impl Counters {
    fn label(&mut self, numbering: &Numbering, num_id: &str, ilvl: usize) -> String {
        let Some(levels) = numbering.levels(num_id) else {
            return String::new();
        };
        let ilvl = ilvl.min(8);
        let counts = self.0.entry(num_id.to_string()).or_insert([0; 9]);
        let start = |k: usize| levels.get(k).map_or(1, |l| l.start);
        counts[ilvl] = if counts[ilvl] == 0 {
            start(ilvl)
        } else {
            counts[ilvl].saturating_add(1)
        };
        for deeper in counts.iter_mut().skip(ilvl + 1) {
            *deeper = 0;
        }
        let Some(level) = levels.get(ilvl) else {
            return String::new();
        };
        if level.format == "bullet" || level.format == "none" {
            return String::new();
        }
        let mut label = level.text.clone();
        for k in (0..=ilvl).rev() {
            let fmt = levels.get(k).map_or("decimal", |l| l.format.as_str());
            let value = if counts[k] == 0 { start(k) } else { counts[k] };
            label = label.replace(&format!("%{}", k + 1), &format_number(value, fmt));
        }
        label
    }
}

fn format_number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographTraditional"
        | "taiwaneseCounting"
        | "chineseLegalSimplified"
        | "ideographDigital" => chinese(n),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xfee0).unwrap_or(c))
            .collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32('①' as u32 + n - 1).map_or_else(|| n.to_string(), String::from)
        }
        "lowerLetter" => letter(n, b'a'),
        "upperLetter" => letter(n, b'A'),
        _ => n.to_string(),
    }
}

fn letter(n: u32, base: u8) -> String {
    let i = u8::try_from((n.max(1) - 1) % 26).unwrap_or(0);
    char::from(base + i).to_string()
}

/// 1 → 一, 12 → 十二, 20 → 二十, 105 → 105 (lists that long are not headings).
fn chinese(n: u32) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                String::new()
            } else {
                D[(n % 10) as usize].to_string()
            }
        ),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if n.is_multiple_of(10) {
                String::new()
            } else {
                D[(n % 10) as usize].to_string()
            }
        ),
        _ => n.to_string(),
    }
}

fn document_xml_to_text(xml: &str, numbering: &Numbering) -> Result<String, DocError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut para = String::new();
    let mut in_text = false;
    let mut num: (Option<String>, usize) = (None, 0);
    let mut counters = Counters::default();
    let mut tables: Vec<CellTable> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocError::CorruptDocx(format!("bad XML: {e}")))?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"tab" => para.push('\t'),
                b"p" => {
                    para.clear();
                    num = (None, 0);
                }
                b"tbl" => {
                    if let Some(t) = tables.last_mut() {
                        t.mark_nested();
                    }
                    tables.push(CellTable::default());
                }
                b"tc" => {
                    if let Some(t) = tables.last_mut() {
                        t.open_cell(out.len());
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => para.push('\t'),
                b"br" | b"cr" => para.push('\n'),
                b"numId" => num.0 = attr(&e, b"val").filter(|v| v != "0"),
                b"ilvl" => num.1 = attr(&e, b"val").and_then(|v| v.parse().ok()).unwrap_or(0),
                b"p" => out.push('\n'),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    if let Some(id) = &num.0 {
                        out.push_str(&counters.label(numbering, id, num.1));
                    }
                    out.push_str(&para);
                    para.clear();
                    num = (None, 0);
                    out.push('\n');
                }
                b"tc" => {
                    // A cell's last paragraph already ended the line: turn it into a tab.
                    if out.ends_with('\n') {
                        out.pop();
                    }
                    let recorded = tables.last_mut().is_some_and(|t| t.close_cell(&mut out));
                    if !recorded {
                        out.push('\t');
                    }
                }
                b"tr" => {
                    if let Some(t) = tables.last_mut() {
                        t.end_row();
                    }
                    if out.ends_with('\t') {
                        out.pop();
                    }
                    out.push('\n');
                }
                b"tbl" => {
                    if let Some(t) = tables.pop() {
                        t.finish(&mut out);
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t
                    .unescape()
                    .map_err(|e| DocError::CorruptDocx(format!("bad XML text: {e}")))?;
                para.push_str(&s);
            }
            Event::Eof => {
                while let Some(t) = tables.pop() {
                    t.finish(&mut out);
                }
                break;
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_cells() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>一、总体要求</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>
            <w:tc><w:p><w:r><w:t xml:space="preserve">任务 &amp; 说明</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        assert_eq!(
            document_xml_to_text(xml, &Numbering::default()).unwrap(),
            "一、总体要求\n1\t任务 & 说明\n"
        );
    }

    #[test]
    fn a_task_table_cell_of_several_paragraphs_stays_one_line() {
        let cell = |ps: &[&str]| {
            let body: String = ps
                .iter()
                .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
                .collect();
            format!("<w:tc>{body}</w:tc>")
        };
        let row = |cells: &[&[&str]]| {
            let body: String = cells.iter().map(|c| cell(c)).collect();
            format!("<w:tr>{body}</w:tr>")
        };
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body><w:tbl>{}{}{}</w:tbl></w:body></w:document>"#,
            row(&[&["序号"], &["重点任务"], &["牵头单位"], &["配合单位"]]),
            row(&[
                &["1"],
                &["推进重大项目建设，", "完成投资200亿元。"],
                &["市发展改革委"],
                &["市财政局", "市自然资源局"]
            ]),
            row(&[&["2"], &["新增就业3万人。"], &["市人社局"], &[]]),
        );
        assert_eq!(
            document_xml_to_text(&xml, &Numbering::default()).unwrap(),
            "序号\t重点任务\t牵头单位\t配合单位\n\
             1\t推进重大项目建设， 完成投资200亿元。\t市发展改革委\t市财政局 市自然资源局\n\
             2\t新增就业3万人。\t市人社局\t\n"
        );
    }

    #[test]
    fn automatic_numbering_is_rebuilt() {
        let numbering = Numbering::parse(
            r#"<w:numbering xmlns:w="x">
            <w:abstractNum w:abstractNumId="3">
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
            </w:abstractNum>
            <w:num w:numId="7"><w:abstractNumId w:val="3"/></w:num></w:numbering>"#,
        );
        let p = |lvl: u8, t: &str| {
            format!(
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{lvl}"/><w:numId w:val="7"/></w:numPr></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"#
            )
        };
        let xml = format!(
            r#"<w:document xmlns:w="x"><w:body>{}{}{}{}{}</w:body></w:document>"#,
            p(0, "着力谋规划"),
            p(1, "编制规划"),
            p(1, "推进改革"),
            p(0, "着力抓项目"),
            p(1, "推进项目")
        );
        assert_eq!(
            document_xml_to_text(&xml, &numbering).unwrap(),
            "一、着力谋规划\n1.编制规划\n2.推进改革\n二、着力抓项目\n1.推进项目\n"
        );
        assert_eq!(chinese(10), "十");
        assert_eq!(chinese(21), "二十一");
    }

    #[test]
    fn not_a_zip() {
        assert!(matches!(
            docx_to_text(b"PK\x03\x04garbage"),
            Err(DocError::CorruptDocx(_))
        ));
    }
}
