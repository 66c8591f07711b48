//! Official documents laid out to GB/T 9704-2012 (党政机关公文格式): A4, 版心 156 × 225 mm
//! (天头 37 mm, 订口 28 mm), 22 lines of 28 characters of 3号 (16 pt) body text, a red
//! 版头 with the 发文机关标志 or series name and a red separator line, the title in 2号
//! (22 pt), first-level headings 一、 in 黑体, 页码 "— 1 —" in 4号 (14 pt) under the 版心, odd
//! pages right and even pages left.
//!
//! Written as .docx ([`docx`]) and PDF ([`pdf`]) from one [`OfficialDoc`]. Fonts named in the
//! .docx are the ones offices have (方正小标宋简体, 仿宋_GB2312, 黑体); the PDF embeds free
//! substitutes found on the machine (Noto Serif CJK for 小标宋/仿宋, Noto Sans CJK for 黑体;
//! SIL Open Font License, embedding allowed), subset to the characters used.

pub mod docx;
pub mod pdf;

use duban_core::publication::{Bulletin, zh_date};

pub use docx::bulletin_docx;

/// Millimetres of the page and the 版心 (GB/T 9704-2012 §5.2).
pub mod geometry {
    pub const PAGE_W_MM: f64 = 210.0;
    pub const PAGE_H_MM: f64 = 297.0;
    pub const TOP_MM: f64 = 37.0;
    pub const LEFT_MM: f64 = 28.0;
    pub const BODY_W_MM: f64 = 156.0;
    pub const BODY_H_MM: f64 = 225.0;
    pub const LINES: usize = 22;
    pub const CHARS: usize = 28;
    /// 3号.
    pub const BODY_PT: f64 = 16.0;
    /// 2号.
    pub const TITLE_PT: f64 = 22.0;
    /// 4号 (page numbers).
    pub const FOLIO_PT: f64 = 14.0;
    /// The page number's rule sits 7 mm under the 版心.
    pub const FOLIO_GAP_MM: f64 = 7.0;

    pub fn pt(mm: f64) -> f64 {
        mm / 25.4 * 72.0
    }
}

/// The red head of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Head {
    /// A numbered series (通报 第N期): series name in red, the issue, the editor and date.
    Series {
        series: String,
        issue: String,
        editor: String,
        date: String,
    },
    /// A document of an office: 发文机关标志 (“…文件”) and 发文字号.
    Office { mark: String, number: String },
}

/// A block of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// 一、… (黑体).
    Heading(String),
    /// A paragraph, first line indented two characters.
    Para(String),
    /// A horizontal bar chart of percentages (e.g. progress per pillar): a caption and
    /// (label, value in percent) bars; a missing value is drawn as "暂无数据".
    Chart {
        caption: String,
        bars: Vec<(String, Option<f64>)>,
    },
}

/// A document in the form GB/T 9704 lays out.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDoc {
    pub head: Head,
    pub title: String,
    /// 主送机关, e.g. 各有关单位：
    pub addressee: Option<String>,
    pub body: Vec<Block>,
    /// 发文机关署名 and 成文日期 (right-aligned under the body).
    pub signature: Vec<String>,
}

impl OfficialDoc {
    /// A bulletin as an official document.
    pub fn of_bulletin(b: &Bulletin) -> OfficialDoc {
        let mut body = Vec::new();
        // A bulletin drawn from demonstration reports says so wherever it travels: a PDF
        // or .docx copied out of duban must not read as a real 通报.
        if b.plan.demo {
            body.push(Block::Para(DEMO_NOTE.to_string()));
        }
        for (i, (heading, paragraphs)) in b.numbered_sections().into_iter().enumerate() {
            body.push(Block::Heading(heading));
            body.extend(paragraphs.iter().map(|p| Block::Para(p.clone())));
            // The overall progress is followed by its chart: progress per pillar.
            if i == 0 && !b.plan.pillars.is_empty() {
                body.push(Block::Chart {
                    caption: format!("图1 各板块工作进度（截至{}）", zh_date(b.plan.as_of)),
                    bars: b
                        .plan
                        .pillars
                        .iter()
                        .map(|p| (short_heading(&p.heading), p.progress))
                        .collect(),
                });
            }
        }
        let date = zh_date(b.head.date);
        OfficialDoc {
            head: Head::Series {
                series: b.head.series.clone(),
                issue: if b.head.number == 0 {
                    format!("{}年第　期（审核稿）", b.head.year)
                } else {
                    b.head.issue_label()
                },
                editor: format!("{}编", b.head.issuer),
                date: date.clone(),
            },
            title: if b.plan.demo {
                format!("{}（示例数据）", b.head.title)
            } else {
                b.head.title.clone()
            },
            addressee: None,
            body,
            signature: vec![b.head.issuer.clone(), date],
        }
    }
}

/// The first paragraph of a bulletin drawn from demonstration reports.
pub const DEMO_NOTE: &str = "【示例数据】本通报根据演示数据生成，仅供试用和培训，不反映真实工作情况，不得作为正式文件使用。";

/// A pillar heading without its number ("一、着力谋规划促改革" → "着力谋规划促改革").
fn short_heading(h: &str) -> String {
    let h = h.trim();
    match h.split_once('、') {
        Some((n, rest)) if n.chars().count() <= 3 => rest.to_string(),
        _ => h.to_string(),
    }
}

impl OfficialDoc {
    /// A notice of the office to a unit (催办通知书, 督办通知 …): 发文机关标志 and 发文字号 in
    /// the red head, 主送机关, body, signature and date.
    pub fn notice(
        issuer: &str,
        number: &str,
        text: &duban_core::escalation::NoticeText,
        date: chrono::NaiveDate,
    ) -> OfficialDoc {
        OfficialDoc {
            head: Head::Office {
                mark: issuer.to_string(),
                number: number.to_string(),
            },
            title: text.title.clone(),
            addressee: Some(text.addressee.clone()),
            body: text.paragraphs.iter().cloned().map(Block::Para).collect(),
            signature: vec![issuer.to_string(), zh_date(date)],
        }
    }
}

/// A bulletin as PDF bytes, with faces already loaded (see [`pdf::FontSet::load`]).
pub fn bulletin_pdf(b: &Bulletin, fonts: &pdf::Fonts) -> Result<Vec<u8>, pdf::PdfError> {
    pdf::render_with(&OfficialDoc::of_bulletin(b), fonts)
}
