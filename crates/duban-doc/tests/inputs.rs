//! Encodings, formats and errors: the seed in GBK and GB18030 parses to the same plan as
//! UTF-8; DOCX works and a truncated one is a clear error; bad input gives the right
//! `DocError` and never a panic.

use duban_doc::{DocError, MAX_BYTES, parse_document, parse_text};
use std::io::Write;
use std::path::Path;

fn seed() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/seed/zhejiang-2020-services.txt");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn seed_in_gbk_and_gb18030_parses_like_utf8() {
    let text = seed();
    let utf8 = parse_document(text.as_bytes(), "seed.txt").unwrap();
    // GB18030 maps every char: the very same plan.
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert_ne!(bytes.as_ref(), text.as_bytes());
    assert_eq!(parse_document(&bytes, "seed.txt").unwrap(), utf8);
    // GBK has no no-break space (the seed has some): a GBK save turns it into a space.
    // Same plan, offsets and all; only those chars of `text` differ.
    let gbk_text = text.replace('\u{a0}', " ");
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&gbk_text);
    assert!(!unmappable);
    let gbk = parse_document(&bytes, "seed.txt").unwrap();
    assert_eq!(
        gbk,
        parse_document(gbk_text.as_bytes(), "seed.txt").unwrap()
    );
    assert_eq!(gbk.text.chars().count(), utf8.text.chars().count());
    let without_text = |p: &duban_core::Plan| duban_core::Plan {
        text: String::new(),
        ..p.clone()
    };
    assert_eq!(without_text(&gbk), without_text(&utf8));
    // With a UTF-8 BOM and Windows line ends too.
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend_from_slice(text.replace('\n', "\r\n").as_bytes());
    assert_eq!(parse_document(&bom, "seed.txt").unwrap(), utf8);
}

#[test]
fn seed_chrome_is_left_out() {
    let plan = parse_text(&seed()).unwrap();
    for chrome in ["今天是", "加入收藏", "繁體中文", "当前位置", "访问次数"] {
        assert!(!plan.text.contains(chrome), "{chrome}");
    }
    assert!(plan.text.starts_with("2020年浙江省服务业发展工作要点"));
}

/// A minimal DOCX holding `paragraphs` (a table row for lines with tabs).
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
        if p.contains('\t') {
            body.push_str("<w:tbl><w:tr>");
            for cell in p.split('\t') {
                body.push_str(&format!(
                    "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>",
                    esc(cell)
                ));
            }
            body.push_str("</w:tr></w:tbl>");
        } else {
            body.push_str(&format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(p)
            ));
        }
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", opts).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", opts).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    out.into_inner()
}

#[test]
fn docx_paragraphs_and_tables() {
    let bytes = docx(&[
        "2021年全市重点工作任务分解",
        "序号\t重点任务\t牵头单位\t配合单位",
        "1\t建设城市书房。新建城市书房20家。\t市文化广电旅游局\t市财政局",
        "2\t推进文化惠民。开展送戏下乡演出不少于1000场。\t市委宣传部\t市文化广电旅游局",
    ]);
    let plan = parse_document(&bytes, "任务分解.docx").unwrap();
    assert_eq!(plan.title, "2021年全市重点工作任务分解");
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.tasks[0].title, "建设城市书房");
    assert_eq!(plan.tasks[0].lead_units, ["市文化广电旅游局"]);
    assert_eq!(plan.tasks[1].targets[0].value, Some(1000.0));

    let bytes = docx(&[
        "2020年工作要点",
        "1.编制规划",
        "完成218所幼儿园治理。",
        "2.建设平台",
        "新建10家。",
    ]);
    let plan = parse_document(&bytes, "plan.docx").unwrap();
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(plan.tasks[1].targets.len(), 1);
}

#[test]
fn truncated_docx() {
    let bytes = docx(&["2020年工作要点", "1.编制规划"]);
    for cut in [bytes.len() / 2, bytes.len() - 10, 30, 4] {
        let err = parse_document(&bytes[..cut], "plan.docx").unwrap_err();
        assert!(matches!(err, DocError::CorruptDocx(_)), "cut {cut}: {err}");
    }
    let err = parse_document(b"not a zip", "plan.docx").unwrap_err();
    assert!(matches!(err, DocError::CorruptDocx(_)));
}

#[test]
fn errors_are_typed_and_one_line() {
    type Case = (Vec<u8>, &'static str, fn(&DocError) -> bool);
    let cases: Vec<Case> = vec![
        (Vec::new(), "a.txt", |e| *e == DocError::Empty),
        (b"  \n\r\n\t".to_vec(), "a.txt", |e| *e == DocError::Empty),
        (
            vec![0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00],
            "a.bin",
            |e| *e == DocError::Binary,
        ),
        (
            "这是一段普通的文字，没有任何编号的任务。只是说明情况。"
                .as_bytes()
                .to_vec(),
            "note.txt",
            |e| *e == DocError::NoTasks,
        ),
        (
            encoding_rs::WINDOWS_1252
                .encode("Le café à côté de l'école, déjà vu à Genève.")
                .0
                .into_owned(),
            "fr.txt",
            |e| matches!(e, DocError::UnknownEncoding { .. }),
        ),
        (b"%PDF-1.7\n...".to_vec(), "plan.pdf", |e| {
            matches!(e, DocError::Unsupported(_))
        }),
        (vec![b'a'; MAX_BYTES + 1], "big.txt", |e| {
            matches!(e, DocError::TooLarge { .. })
        }),
        (
            b"<html><body><script>x</script></body></html>".to_vec(),
            "a.html",
            |e| *e == DocError::Empty,
        ),
    ];
    for (bytes, name, ok) in cases {
        let err = parse_document(&bytes, name).unwrap_err();
        assert!(ok(&err), "{name}: {err:?}");
        let msg = err.to_string();
        assert!(!msg.contains('\n') && !msg.is_empty(), "{msg}");
    }
    assert_eq!(parse_text(""), Err(DocError::Empty));
    assert_eq!(parse_text("一些文字"), Err(DocError::NoTasks));
}

/// A 任务分解表 kept as an Excel workbook: a merged title row, a header, category rows, a cell
/// of two lines (Alt+Enter), numbers as numbers, a stray far cell — read like the same table
/// in DOCX or HTML, the first worksheet only.
#[test]
fn a_task_table_in_an_xlsx_workbook() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 4, "2023年重点工作任务分解表", &Format::new())
        .unwrap();
    for (c, h) in ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.write_string(2, 0, "一、扩大有效投资").unwrap();
    let rows: [(f64, &str, &str, &str, &str); 3] = [
        (
            1.0,
            "新开工重大项目50个以上，完成投资300亿元",
            "市发展改革委",
            "市财政局、市自然资源局",
            "2023年12月底",
        ),
        (
            2.0,
            "推进老旧小区改造\n完成改造小区120个",
            "市住房城乡建设局",
            "各区人民政府",
            "2023年11月底",
        ),
        (3.0, "新增规上工业企业100家", "市经济和信息化局", "", ""),
    ];
    for (i, (n, task, lead, co, due)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, *n).unwrap();
        for (c, v) in [task, lead, co, due].iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, 1 + c as u16, **v).unwrap();
            }
        }
    }
    // 完成时限 typed as an Excel date (serial 45291 = 2023-12-31).
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_number_with_format(5, 4, 45291.0, &date).unwrap();
    ws.write_string(1_048_575, 16_383, "远处的单元格").unwrap();
    wb.add_worksheet()
        .write_string(0, 0, "第二张表不读")
        .unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    let plan = parse_document(&bytes, "分解表.xlsx").unwrap();
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    let t2 = &plan.tasks[1];
    assert_eq!(t2.number, 2);
    let whole = format!("{} {}", t2.title, t2.text);
    assert!(whole.contains("完成改造小区120个"), "{whole}");
    assert_eq!(t2.lead_units, ["市住房城乡建设局"]);
    assert_eq!(plan.tasks[0].co_units, ["市财政局", "市自然资源局"]);
    assert!(
        plan.tasks[0]
            .targets
            .iter()
            .any(|t| t.phrase.contains("300亿元")),
        "{:#?}",
        plan.tasks[0].targets
    );
    assert!(!plan.text.contains("第二张表不读"));
    assert!(plan.text.contains("2023年12月31日"), "{}", plan.text);
    assert_eq!(plan.title, "2023年重点工作任务分解表");
    assert_eq!(plan.pillars.len(), 1, "{:?}", plan.pillars);
    assert!(plan.tasks.iter().all(|t| t.pillar == Some(0)));
    // The same workbook under another name is still a workbook; a damaged one is a clear error.
    assert_eq!(parse_document(&bytes, "upload.bin").unwrap().tasks.len(), 3);
    let err = parse_document(&bytes[..bytes.len() / 2], "分解表.xlsx").unwrap_err();
    assert!(err.to_string().contains("XLSX"), "{err}");
    // Damaged bytes anywhere: an error or a plan, never a panic.
    let mut seed = 0x2545_f491_u32;
    for _ in 0..1000 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let mut damaged = bytes.clone();
        let at = seed as usize % damaged.len();
        damaged[at] = (seed >> 8) as u8;
        let _ = parse_document(&damaged, "分解表.xlsx");
    }
}
