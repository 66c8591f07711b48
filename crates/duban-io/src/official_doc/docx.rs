//! An [`OfficialDoc`] as a .docx (WordprocessingML): page and margins of GB/T 9704, a
//! line-and-character grid of 22 × 28, odd and even page-number footers.

use std::io::{Cursor, Write};

use duban_core::publication::Bulletin;
use zip::write::SimpleFileOptions;

use super::geometry::*;
use super::{Block, Head, OfficialDoc};

/// A bulletin as .docx bytes.
pub fn bulletin_docx(b: &Bulletin) -> Result<Vec<u8>, zip::result::ZipError> {
    write(&OfficialDoc::of_bulletin(b))
}

fn twips(mm: f64) -> i64 {
    (mm / 25.4 * 1440.0).round() as i64
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const TITLE_FONT: &str = "方正小标宋简体";
const BODY_FONT: &str = "仿宋_GB2312";
const HEADING_FONT: &str = "黑体";
const FOLIO_FONT: &str = "宋体";
const RED: &str = "E60012";

/// A run of text in `font` at `pt` points (half-points in OOXML).
fn run(text: &str, font: &str, pt: f64, color: Option<&str>, bold: bool) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\" w:eastAsia=\"{font}\" w:cs=\"{font}\"/>{}{}<w:sz w:val=\"{hp}\"/><w:szCs w:val=\"{hp}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:b/>" } else { "" },
        color.map_or(String::new(), |c| format!("<w:color w:val=\"{c}\"/>")),
        esc(text),
        hp = (pt * 2.0).round() as i64,
    )
}

/// A paragraph: `jc` alignment, first-line indent and right indent in characters, and
/// `before` — properties that the schema orders before the indent (`w:pBdr`, then
/// `w:tabs`). OOXML requires the children of `w:pPr` in schema order; Word refuses others.
fn para_with(runs: &str, jc: &str, first_chars: u32, right_chars: u32, before: &str) -> String {
    let mut ind = String::new();
    if first_chars > 0 {
        // firstLineChars for Word and WPS, firstLine (twips of 3号) for LibreOffice.
        ind.push_str(&format!(
            " w:firstLineChars=\"{}\" w:firstLine=\"{}\"",
            first_chars * 100,
            (f64::from(first_chars) * BODY_PT * 20.0).round() as i64
        ));
    }
    if right_chars > 0 {
        ind.push_str(&format!(
            " w:rightChars=\"{}\" w:right=\"{}\"",
            right_chars * 100,
            (f64::from(right_chars) * BODY_PT * 20.0).round() as i64
        ));
    }
    let ind = if ind.is_empty() {
        String::new()
    } else {
        format!("<w:ind{ind}/>")
    };
    format!("<w:p><w:pPr>{before}{ind}<w:jc w:val=\"{jc}\"/></w:pPr>{runs}</w:p>")
}

/// [`para_with`] without right indent.
fn para(runs: &str, jc: &str, first_chars: u32, before: &str) -> String {
    para_with(runs, jc, first_chars, 0, before)
}

/// A paragraph with a red rule under it (the 版头 separator).
fn red_rule() -> &'static str {
    "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"4\" w:color=\"E60012\"/></w:pBdr>"
}

fn document_xml(doc: &OfficialDoc) -> String {
    let mut body = String::new();
    match &doc.head {
        Head::Series {
            series,
            issue,
            editor,
            date,
        } => {
            body.push_str(&para(
                &run(series, TITLE_FONT, 36.0, Some(RED), false),
                "center",
                0,
                "",
            ));
            body.push_str(&para(
                &run(issue, BODY_FONT, BODY_PT, None, false),
                "center",
                0,
                "",
            ));
            // editor left, date right: one paragraph with a right tab at the 版心 edge.
            let tab = format!(
                "{}<w:tabs><w:tab w:val=\"right\" w:pos=\"{}\"/></w:tabs>",
                red_rule(),
                twips(BODY_W_MM)
            );
            body.push_str(&para(
                &format!(
                    "{}<w:r><w:tab/></w:r>{}",
                    run(editor, BODY_FONT, BODY_PT, None, false),
                    run(date, BODY_FONT, BODY_PT, None, false)
                ),
                "left",
                0,
                &tab,
            ));
        }
        Head::Office { mark, number } => {
            body.push_str(&para(
                &run(mark, TITLE_FONT, 36.0, Some(RED), false),
                "center",
                0,
                "",
            ));
            body.push_str(&para(
                &run(number, BODY_FONT, BODY_PT, None, false),
                "center",
                0,
                red_rule(),
            ));
        }
    }
    body.push_str(&para("", "left", 0, ""));
    body.push_str(&para(
        &run(&doc.title, TITLE_FONT, TITLE_PT, None, false),
        "center",
        0,
        "",
    ));
    body.push_str(&para("", "left", 0, ""));
    if let Some(a) = &doc.addressee {
        body.push_str(&para(
            &run(a, BODY_FONT, BODY_PT, None, false),
            "both",
            0,
            "",
        ));
    }
    for b in &doc.body {
        match b {
            Block::Heading(h) => body.push_str(&para(
                &run(h, HEADING_FONT, BODY_PT, None, false),
                "both",
                2,
                "",
            )),
            Block::Chart { caption, bars } => body.push_str(&chart_xml(caption, bars)),
            Block::Para(p) => body.push_str(&para(
                &run(p, BODY_FONT, BODY_PT, None, false),
                "both",
                2,
                "",
            )),
        }
    }
    body.push_str(&para("", "left", 0, ""));
    for s in &doc.signature {
        // 右空四字 (GB/T 9704 §7.3.5.1)
        body.push_str(&para_with(
            &run(s, BODY_FONT, BODY_PT, None, false),
            "right",
            0,
            4,
            "",
        ));
    }
    let line_pitch = (pt(BODY_H_MM) / LINES as f64 * 20.0).round() as i64;
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">",
            "<w:body>{body}<w:sectPr>",
            "<w:footerReference w:type=\"default\" r:id=\"rIdFooterOdd\"/>",
            "<w:footerReference w:type=\"even\" r:id=\"rIdFooterEven\"/>",
            "<w:pgSz w:w=\"{w}\" w:h=\"{h}\"/>",
            "<w:pgMar w:top=\"{top}\" w:right=\"{right}\" w:bottom=\"{bottom}\" w:left=\"{left}\" w:header=\"851\" w:footer=\"{footer}\" w:gutter=\"0\"/>",
            "<w:docGrid w:type=\"linesAndChars\" w:linePitch=\"{pitch}\" w:charSpace=\"0\"/>",
            "</w:sectPr></w:body></w:document>"
        ),
        body = body,
        w = twips(PAGE_W_MM),
        h = twips(PAGE_H_MM),
        top = twips(TOP_MM),
        left = twips(LEFT_MM),
        right = twips(PAGE_W_MM - LEFT_MM - BODY_W_MM),
        bottom = twips(PAGE_H_MM - TOP_MM - BODY_H_MM),
        footer = twips(PAGE_H_MM - TOP_MM - BODY_H_MM - FOLIO_GAP_MM - 5.0),
        pitch = line_pitch,
    )
}

/// A bar chart drawn with a table (Word, WPS and LibreOffice show it without an image
/// part): each row is a label and 20 cells of 5 %, the first `value / 5` shaded.
fn chart_xml(caption: &str, bars: &[(String, Option<f64>)]) -> String {
    const CELLS: usize = 20;
    let small = |t: &str| run(t, BODY_FONT, 12.0, None, false);
    let mut out = para(&small(caption), "center", 0, "");
    let label_w = twips(40.0);
    let cell_w = (twips(BODY_W_MM) - label_w - twips(22.0)) / CELLS as i64;
    out.push_str("<w:tbl><w:tblPr><w:jc w:val=\"center\"/><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>");
    out.push_str(&format!("<w:gridCol w:w=\"{label_w}\"/>"));
    for _ in 0..CELLS {
        out.push_str(&format!("<w:gridCol w:w=\"{cell_w}\"/>"));
    }
    out.push_str(&format!("<w:gridCol w:w=\"{}\"/></w:tblGrid>", twips(22.0)));
    for (label, value) in bars {
        let filled = value.map_or(0, |v| ((v.clamp(0.0, 100.0) / 5.0).round()) as usize);
        out.push_str("<w:tr><w:trPr><w:trHeight w:val=\"300\"/></w:trPr>");
        out.push_str(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{label_w}\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>",
            para(&small(label), "right", 0, "")
        ));
        for i in 0..CELLS {
            let fill = if i < filled { "0B4EA2" } else { "E6E6E6" };
            out.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{cell_w}\" w:type=\"dxa\"/><w:tcBorders><w:top w:val=\"single\" w:sz=\"18\" w:color=\"FFFFFF\"/><w:bottom w:val=\"single\" w:sz=\"18\" w:color=\"FFFFFF\"/></w:tcBorders><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/></w:tcPr><w:p/></w:tc>"
            ));
        }
        let text = value.map_or_else(|| "暂无数据".to_string(), |v| format!("{v}%"));
        out.push_str(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/></w:tcPr>{}</w:tc></w:tr>",
            twips(22.0),
            para(&small(&text), "left", 0, "")
        ));
    }
    out.push_str("</w:tbl>");
    out.push_str(&para("", "left", 0, ""));
    out
}

/// A footer with "— N —", right (odd pages) or left (even pages), one character in.
fn footer_xml(jc: &str) -> String {
    let r = |t: &str| run(t, FOLIO_FONT, FOLIO_PT, None, false);
    let field = format!(
        "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
        r("1")
    );
    let side = if jc == "right" {
        "rightChars"
    } else {
        "leftChars"
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:ftr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:p><w:pPr><w:jc w:val=\"{jc}\"/><w:ind w:{side}=\"100\"/></w:pPr>{}{field}{}</w:p></w:ftr>",
        r("— "),
        r(" —")
    )
}

const CONTENT_TYPES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>",
    "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>",
    "<Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>",
    "<Override PartName=\"/word/footer2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>",
    "</Types>"
);

const ROOT_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>",
    "</Relationships>"
);

const DOCUMENT_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rIdSettings\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>",
    "<Relationship Id=\"rIdFooterOdd\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/>",
    "<Relationship Id=\"rIdFooterEven\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer2.xml\"/>",
    "</Relationships>"
);

const SETTINGS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
    "<w:evenAndOddHeaders/>",
    "</w:settings>"
);

/// The document as .docx bytes.
pub fn write(doc: &OfficialDoc) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, String); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/settings.xml", SETTINGS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/footer1.xml", footer_xml("right")),
        ("word/footer2.xml", footer_xml("left")),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> OfficialDoc {
        OfficialDoc {
            head: Head::Series {
                series: "服务业发展工作通报".into(),
                issue: "2020年第3期".into(),
                editor: "省发展改革委编".into(),
                date: "2020年7月15日".into(),
            },
            title: "关于2020年上半年<服务业>工作进展的通报".into(),
            addressee: None,
            body: vec![
                Block::Heading("一、总体进展".into()),
                Block::Para("正文 & 内容".into()),
            ],
            signature: vec!["省发展改革委".into(), "2020年7月15日".into()],
        }
    }

    #[test]
    fn page_and_margins_follow_gb_t_9704() {
        let xml = document_xml(&doc());
        // A4 in twips; 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm.
        assert!(xml.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"));
        assert!(xml.contains("w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\""));
        // 22 lines in 225 mm.
        assert!(xml.contains("w:linePitch=\"580\""));
        // 3号 = 16 pt = 32 half-points, 2号 = 22 pt.
        assert!(xml.contains("w:eastAsia=\"仿宋_GB2312\""));
        assert!(xml.contains("<w:sz w:val=\"32\"/>"));
        assert!(xml.contains("<w:sz w:val=\"44\"/>"));
        // text is escaped
        assert!(xml.contains("&lt;服务业&gt;"));
        assert!(xml.contains("正文 &amp; 内容"));
    }

    #[test]
    fn the_package_opens_as_a_zip_with_its_parts() {
        let bytes = write(&doc()).unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        for name in [
            "[Content_Types].xml",
            "word/document.xml",
            "word/footer1.xml",
            "word/footer2.xml",
            "word/settings.xml",
        ] {
            assert!(z.by_name(name).is_ok(), "{name}");
        }
    }
}
