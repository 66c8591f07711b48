//! Test helpers: a sample spec, a cell grid read from a workbook, and two writers that
//! imitate other producers (rust_xlsxwriter with shared strings; hand-written XML with inline
//! strings, numbers stored as text and date serials, like WPS and some online tools).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use duban_io::supervision_sheet::{
    FilledRow, FilledSheet, FilledValue, SheetSpec, SheetTarget, SheetTaskRow, normalize_text,
};

/// A cell as a producer writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum C {
    S(String),
    N(f64),
    /// A date: serial with a date number format.
    D(f64),
}

pub fn s(x: &str) -> C {
    C::S(x.to_string())
}

pub type Grid = BTreeMap<(u32, u32), C>;

/// A workbook as two grids (sheet names fixed to the exported ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub main: Grid,
    pub meta: Grid,
    /// Write the `_duban` sheet at all.
    pub with_meta: bool,
}

/// 示例数据: four tasks of the seed plan (2020年浙江省服务业发展工作要点), sample values.
pub fn sample_spec() -> SheetSpec {
    let t = |code: &str, label: &str, unit: Option<&str>, v: Option<f64>| SheetTarget {
        target_code: code.into(),
        label: label.into(),
        unit: unit.map(String::from),
        current_value: v,
    };
    let row = |code: &str, number: &str, title: &str, targets: Vec<SheetTarget>| SheetTaskRow {
        task_code: code.into(),
        number: number.into(),
        title: title.into(),
        targets,
        lead_units: vec!["省民政厅".into()],
        co_units: vec!["省发展改革委".into(), "省财政厅".into()],
        deadline: "2020年底前".into(),
        progress: String::new(),
        problems: String::new(),
        next_steps: String::new(),
        status_label: "无数据".into(),
        as_of: None,
    };
    let mut rows = vec![
        row("T08", "8", "加快推进年度服务业重大项目", vec![]),
        row(
            "T13",
            "13",
            "全面推进教育现代化工程",
            vec![
                t(
                    "T13-1",
                    "城镇小区配套幼儿园治理 完成 218 所",
                    Some("所"),
                    None,
                ),
                t(
                    "T13-2",
                    "改扩建农村普惠性幼儿园 完成 100 所",
                    Some("所"),
                    None,
                ),
                t(
                    "T13-3",
                    "省级“互联网+义务教育”实验区 不少于 10 个",
                    Some("个"),
                    None,
                ),
            ],
        ),
        row(
            "T15",
            "15",
            "加强居家养老工程建设",
            vec![
                t(
                    "T15-1",
                    "乡镇（街道）居家养老服务中心 完成 350 个",
                    Some("个"),
                    Some(120.0),
                ),
                t("T15-2", "乡镇（街道）覆盖面 达到 70%", Some("%"), None),
            ],
        ),
        row(
            "T30",
            "30",
            "建立完善推进服务业高质量发展协调联动机制",
            vec![t("T30-1", "服务业发展综合评价 完成", None, None)],
        ),
    ];
    rows[2].progress = "已建成120个（示例数据）".into();
    rows[2].as_of = NaiveDate::from_ymd_opt(2020, 3, 31);
    SheetSpec {
        plan_code: "plan-1".into(),
        plan_title: "2020年浙江省服务业发展工作要点".into(),
        period_code: "2020-Q2".into(),
        period_label: "2020年第二季度".into(),
        unit_code: "unit-7".into(),
        unit_name: "省民政厅".into(),
        rows,
    }
}

/// The FilledSheet an unchanged export must read back as.
pub fn filled_from_spec(spec: &SheetSpec) -> FilledSheet {
    FilledSheet {
        plan_code: spec.plan_code.clone(),
        period_code: spec.period_code.clone(),
        unit_code: spec.unit_code.clone(),
        rows: spec
            .rows
            .iter()
            .map(|r| FilledRow {
                task_code: r.task_code.clone(),
                progress: normalize_text(&r.progress),
                problems: normalize_text(&r.problems),
                next_steps: normalize_text(&r.next_steps),
                as_of: r.as_of,
                values: r
                    .targets
                    .iter()
                    .map(|t| FilledValue {
                        target_code: t.target_code.clone(),
                        value: t.current_value,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn to_c(v: &Data) -> Option<C> {
    match v {
        Data::Empty => None,
        Data::String(x) => Some(C::S(x.clone())),
        Data::Int(i) => Some(C::N(*i as f64)),
        Data::Float(f) => Some(C::N(*f)),
        Data::DateTime(d) => Some(C::D(d.as_f64())),
        Data::Bool(b) => Some(C::S(b.to_string())),
        other => Some(C::S(other.to_string())),
    }
}

fn grid_of(x: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Grid {
    let range = x.worksheet_range(name).expect("sheet");
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut g = Grid::new();
    for (r, c, v) in range.used_cells() {
        if let Some(cell) = to_c(v) {
            g.insert((r0 + r as u32, c0 + c as u32), cell);
        }
    }
    g
}

/// Reads an xlsx (ours or any producer's) into grids.
pub fn load(bytes: &[u8]) -> Book {
    let mut x: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let main = grid_of(&mut x, "督办表");
    let with_meta = x.sheet_names().iter().any(|n| n == "_duban");
    let meta = if with_meta {
        grid_of(&mut x, "_duban")
    } else {
        Grid::new()
    };
    Book {
        main,
        meta,
        with_meta,
    }
}

impl Book {
    /// Column index of a header text in row 3.
    pub fn col(&self, header: &str) -> u32 {
        self.main
            .iter()
            .find(|(k, v)| k.0 == 2 && **v == C::S(header.into()))
            .map(|(&(_, c), _)| c)
            .unwrap_or_else(|| panic!("no header {header}"))
    }

    /// Row index of a task code.
    pub fn row(&self, code: &str) -> u32 {
        let cc = self.col("任务编码");
        self.main
            .iter()
            .find(|(k, v)| k.1 == cc && **v == C::S(code.into()))
            .map(|(&(r, _), _)| r)
            .unwrap_or_else(|| panic!("no row {code}"))
    }

    pub fn set(&mut self, code: &str, header: &str, v: C) {
        let (r, c) = (self.row(code), self.col(header));
        self.main.insert((r, c), v);
    }

    pub fn clear(&mut self, code: &str, header: &str) {
        let (r, c) = (self.row(code), self.col(header));
        self.main.remove(&(r, c));
    }

    pub fn data_rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self
            .main
            .keys()
            .map(|&(r, _)| r)
            .filter(|&r| r > 2)
            .collect();
        rows.dedup();
        rows
    }

    /// Moves whole rows: `perm[i]` is the new position (index into data rows) of data row i.
    pub fn permute_rows(&mut self, perm: &[usize]) {
        let rows = self.data_rows();
        let mut out = Grid::new();
        for ((r, c), v) in std::mem::take(&mut self.main) {
            let new_r = match rows.iter().position(|&x| x == r) {
                Some(i) => rows[perm[i]],
                None => r,
            };
            out.insert((new_r, c), v);
        }
        self.main = out;
    }

    pub fn delete_row(&mut self, r: u32) {
        let mut out = Grid::new();
        for ((rr, c), v) in std::mem::take(&mut self.main) {
            if rr == r {
                continue;
            }
            out.insert((if rr > r { rr - 1 } else { rr }, c), v);
        }
        self.main = out;
    }

    pub fn insert_row_before(&mut self, r: u32, cells: &[(u32, C)]) {
        let mut out = Grid::new();
        for ((rr, c), v) in std::mem::take(&mut self.main) {
            out.insert((if rr >= r { rr + 1 } else { rr }, c), v);
        }
        for (c, v) in cells {
            out.insert((r, *c), v.clone());
        }
        self.main = out;
    }

    pub fn set_meta(&mut self, key: &str, value: &str) {
        let r = self
            .meta
            .iter()
            .find(|(k, v)| k.1 == 0 && **v == C::S(key.into()))
            .map(|(&(r, _), _)| r)
            .unwrap();
        self.meta.insert((r, 1), s(value));
    }

    /// Saves with rust_xlsxwriter (shared strings, styles, typed dates).
    pub fn save_xlsxwriter(&self) -> Vec<u8> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let mut sheets = vec![("督办表", &self.main)];
        if self.with_meta {
            sheets.push(("_duban", &self.meta));
        }
        for (name, grid) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for (&(r, c), v) in grid {
                let c = c as u16;
                match v {
                    C::S(x) => ws.write_string(r, c, x).map(|_| ()),
                    C::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                    C::D(n) => ws.write_number_with_format(r, c, *n, &date).map(|_| ()),
                }
                .unwrap();
            }
            if name == "_duban" {
                ws.set_hidden(true);
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// Saves by writing the OOXML parts by hand: every string inline (`t="inlineStr"`),
    /// numbers as `<v>`, dates as serials with style 1 (numFmt 14), a merged title, no
    /// shared-strings part, and `extra` blank-string cells (like producers that write
    /// formatted empty cells) far from the table.
    pub fn save_inline(&self, extra_blank_cells: &[(u32, u32)]) -> Vec<u8> {
        let mut main = self.main.clone();
        for &(r, c) in extra_blank_cells {
            main.insert((r, c), C::S(String::new()));
        }
        let mut parts: Vec<(String, String)> = vec![
            (
                "[Content_Types].xml".into(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>"#,
                    if self.with_meta {
                        r#"<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
                    } else {
                        ""
                    }
                ),
            ),
            (
                "_rels/.rels".into(),
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                    .into(),
            ),
            (
                "xl/workbook.xml".into(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="督办表" sheetId="1" r:id="rId1"/>{}</sheets></workbook>"#,
                    if self.with_meta {
                        r#"<sheet name="_duban" sheetId="2" state="hidden" r:id="rId2"/>"#
                    } else {
                        ""
                    }
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels".into(),
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
                    .into(),
            ),
            (
                "xl/styles.xml".into(),
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
                    .into(),
            ),
            (
                "xl/worksheets/sheet1.xml".into(),
                sheet_xml(&main, Some("A1:J1")),
            ),
        ];
        if self.with_meta {
            parts.push((
                "xl/worksheets/sheet2.xml".into(),
                sheet_xml(&self.meta, None),
            ));
        }
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in parts {
            w.start_file(name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }
}

fn esc(x: &str) -> String {
    x.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn col_letters(c: u32) -> String {
    duban_io::supervision_sheet::column_letters(c)
}

fn sheet_xml(grid: &Grid, merge: Option<&str>) -> String {
    let mut rows: BTreeMap<u32, Vec<(u32, &C)>> = BTreeMap::new();
    for (&(r, c), v) in grid {
        rows.entry(r).or_default().push((c, v));
    }
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, cells) in rows {
        x.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in cells {
            let a1 = format!("{}{}", col_letters(c), r + 1);
            match v {
                C::S(t) => x.push_str(&format!(
                    r#"<c r="{a1}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    esc(t)
                )),
                C::N(n) => x.push_str(&format!(r#"<c r="{a1}"><v>{n}</v></c>"#)),
                C::D(n) => x.push_str(&format!(r#"<c r="{a1}" s="1"><v>{n}</v></c>"#)),
            }
        }
        x.push_str("</row>");
    }
    x.push_str("</sheetData>");
    if let Some(m) = merge {
        x.push_str(&format!(
            r#"<mergeCells count="1"><mergeCell ref="{m}"/></mergeCells>"#
        ));
    }
    x.push_str("</worksheet>");
    x
}
