//! An [`OfficialDoc`] as PDF: the GB/T 9704 page (A4, 版心 156 × 225 mm at 37 mm / 28 mm),
//! body text on a grid of 22 lines × 28 characters, fonts embedded as CID-keyed subsets
//! (only the glyphs used) with a ToUnicode map, so the text can be searched and copied.
//!
//! Fonts: offices' 方正小标宋 / 仿宋_GB2312 / 黑体 are commercial and rarely on a server, so
//! the PDF uses free substitutes found on the machine ([`FontSet::discover`]): Noto Serif CJK
//! SC Bold (title and red head), Noto Serif CJK SC Regular (body, signature, page numbers),
//! Noto Sans CJK SC Regular (headings). All are under the SIL Open Font License, which allows
//! embedding. Nothing is fetched from a network.

use std::path::{Path, PathBuf};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use super::geometry::*;
use super::{Block, Head, OfficialDoc};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "PDF 需要中文字体 {0}（Debian/Ubuntu 软件包 fonts-noto-cjk；或以 DUBAN_FONT_DIR 指定字体目录），已查找：{1}"
    )]
    FontMissing(String, String),
    #[error("字体 {0} 无法读取：{1}")]
    Font(String, String),
}

/// One face of a font file (a face of a collection for .ttc/.otc).
#[derive(Debug, Clone, PartialEq)]
pub struct FontFace {
    pub path: PathBuf,
    pub index: u32,
    /// The name written into the PDF (PostScript name).
    pub name: String,
}

/// The three faces a document uses.
#[derive(Debug, Clone, PartialEq)]
pub struct FontSet {
    /// 小标宋 substitute: titles and the red head.
    pub title: FontFace,
    /// 仿宋 substitute: body text.
    pub body: FontFace,
    /// 黑体 substitute: first-level headings.
    pub heading: FontFace,
}

const SEARCH_DIRS: &[&str] = &[
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/truetype/noto",
    "/usr/local/share/fonts",
];

impl FontSet {
    /// Finds the faces in `DUBAN_FONT_DIR` (when set) and the usual system font folders.
    pub fn discover() -> Result<FontSet, PdfError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(d) = std::env::var_os("DUBAN_FONT_DIR") {
            dirs.push(PathBuf::from(d));
        }
        dirs.extend(SEARCH_DIRS.iter().map(PathBuf::from));
        Self::discover_in(&dirs)
    }

    /// As [`FontSet::discover`], in the given folders only.
    pub fn discover_in(dirs: &[PathBuf]) -> Result<FontSet, PdfError> {
        let find = |files: &[&str]| -> Result<FontFace, PdfError> {
            for dir in dirs {
                for f in files {
                    let path = dir.join(f);
                    if path.is_file() {
                        return face_in(&path, "SC");
                    }
                }
            }
            Err(PdfError::FontMissing(
                files.join(" / "),
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join("、"),
            ))
        };
        Ok(FontSet {
            title: find(&[
                "NotoSerifCJK-Bold.ttc",
                "NotoSerifCJKsc-Bold.otf",
                "NotoSerifSC-Bold.otf",
            ])?,
            body: find(&[
                "NotoSerifCJK-Regular.ttc",
                "NotoSerifCJKsc-Regular.otf",
                "NotoSerifSC-Regular.otf",
            ])?,
            heading: find(&[
                "NotoSansCJK-Regular.ttc",
                "NotoSansCJKsc-Regular.otf",
                "NotoSansSC-Regular.otf",
            ])?,
        })
    }
}

/// The face of a font file (or collection) whose family name carries `tag` ("SC"), else the
/// first face.
fn face_in(path: &Path, tag: &str) -> Result<FontFace, PdfError> {
    let shown = path.display().to_string();
    let data = std::fs::read(path).map_err(|e| PdfError::Font(shown.clone(), e.to_string()))?;
    let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let mut first = None;
    for index in 0..count {
        let Ok(face) = ttf_parser::Face::parse(&data, index) else {
            continue;
        };
        let name = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME && n.is_unicode())
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| format!("Font{index}"));
        let family = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
            .filter_map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let found = FontFace {
            path: path.to_path_buf(),
            index,
            name,
        };
        if family.split_whitespace().any(|w| w == tag) {
            return Ok(found);
        }
        first.get_or_insert(found);
    }
    first.ok_or_else(|| PdfError::Font(shown, "不是可用的 OpenType 字体".into()))
}

/// Which face a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Title,
    Body,
    Heading,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
    Justify,
}

/// A laid-out line: text, face, size, where it goes.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    role: Role,
    size: f64,
    red: bool,
    x: f64,
    baseline: f64,
    /// Extra space between characters (Tc), so a full line fills the 版心 (grid of 28).
    spacing: f64,
}

#[derive(Debug, Default)]
struct Page {
    lines: Vec<Line>,
    /// Red rules: (y, from x, to x).
    rules: Vec<(f64, f64, f64)>,
    /// Filled rectangles (chart bars): x, y, width, height, grey (true) or blue.
    rects: Vec<(f64, f64, f64, f64, bool)>,
}

/// A loaded face: bytes, metrics, used glyphs.
struct Loaded {
    data: Vec<u8>,
    index: u32,
    name: String,
    units: f64,
}

impl Loaded {
    fn load(f: &FontFace) -> Result<Loaded, PdfError> {
        let shown = f.path.display().to_string();
        let data =
            std::fs::read(&f.path).map_err(|e| PdfError::Font(shown.clone(), e.to_string()))?;
        let units = ttf_parser::Face::parse(&data, f.index)
            .map_err(|e| PdfError::Font(shown, e.to_string()))?
            .units_per_em() as f64;
        Ok(Loaded {
            data,
            index: f.index,
            name: f.name.clone(),
            units,
        })
    }

    fn face(&self) -> ttf_parser::Face<'_> {
        ttf_parser::Face::parse(&self.data, self.index).expect("parsed when loaded")
    }

    /// Advance of `c` in em (1.0 for a CJK ideograph).
    fn advance(&self, c: char) -> f64 {
        let face = self.face();
        face.glyph_index(c)
            .and_then(|g| face.glyph_hor_advance(g))
            .map_or(1.0, |a| a as f64 / self.units)
    }
}

/// The three faces read into memory (tens of MB): load once with [`FontSet::load`] and render
/// many documents with [`render_with`].
pub struct Fonts {
    title: Loaded,
    body: Loaded,
    heading: Loaded,
}

impl FontSet {
    /// Reads the three faces.
    pub fn load(&self) -> Result<Fonts, PdfError> {
        Ok(Fonts {
            title: Loaded::load(&self.title)?,
            body: Loaded::load(&self.body)?,
            heading: Loaded::load(&self.heading)?,
        })
    }
}

impl Fonts {
    fn get(&self, r: Role) -> &Loaded {
        match r {
            Role::Title => &self.title,
            Role::Body => &self.body,
            Role::Heading => &self.heading,
        }
    }

    fn width(&self, r: Role, size: f64, spacing: f64, text: &str) -> f64 {
        let f = self.get(r);
        text.chars().map(|c| f.advance(c) * size + spacing).sum()
    }
}

/// Characters that must not begin a line (避头).
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』”’…—·%,.;:?!)".contains(c)
}

/// Characters of a number or a Latin word, kept on one line.
fn in_number(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.'
}

/// Breaks `text` into lines of at most `width` points (CJK: any character is a break).
/// A character that must not begin a line is never pushed past the 版心 either: it moves
/// down with the character before it (so the right edge stays inside the 版心).
fn wrap(
    fonts: &Fonts,
    role: Role,
    size: f64,
    spacing: f64,
    text: &str,
    first_indent: f64,
    width: f64,
) -> Vec<String> {
    let f = fonts.get(role);
    let w = |c: char| f.advance(c) * size + spacing;
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut used = first_indent;
    for c in text.chars() {
        if used + w(c) > width + 0.01 && !cur.is_empty() {
            let mut carry = String::new();
            if no_line_start(c) {
                // Take back the closing marks before c and one character more.
                while let Some(last) = cur.pop() {
                    carry.insert(0, last);
                    if !no_line_start(last) {
                        break;
                    }
                }
                if cur.is_empty() {
                    // Nothing to break before: keep the run whole on this line.
                    cur = std::mem::take(&mut carry);
                }
            } else if in_number(c) && cur.chars().next_back().is_some_and(in_number) {
                // A number (2020, 12.5) is not split: it moves down whole.
                while carry.chars().count() < 16
                    && let Some(last) = cur.pop()
                {
                    if !in_number(last) {
                        cur.push(last);
                        break;
                    }
                    carry.insert(0, last);
                }
                if cur.is_empty() {
                    cur = std::mem::take(&mut carry);
                }
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
                cur = carry;
                used = cur.chars().map(w).sum();
            }
        }
        cur.push(c);
        used += w(c);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Page>,
    /// Top of the next line, in PDF points from the bottom of the page.
    y: f64,
    left: f64,
    width: f64,
    top: f64,
    bottom: f64,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page")
    }

    fn ensure(&mut self, height: f64) {
        if self.y - height < self.bottom - 0.01 {
            self.pages.push(Page::default());
            self.y = self.top;
        }
    }

    /// Places one line at the cursor.
    fn line(&mut self, text: String, st: &Style) {
        self.ensure(st.height);
        let w = self.fonts.width(st.role, st.size, st.spacing, &text);
        let x = match st.align {
            Align::Left | Align::Justify => self.left + st.indent,
            Align::Center => self.left + (self.width - w) / 2.0,
            Align::Right => self.left + self.width - st.right_gap - w,
        };
        // Glyph body centred in the line: CJK faces sit about 0.12 em under the baseline.
        let baseline = self.y - st.height / 2.0 - st.size * 0.38;
        self.page().lines.push(Line {
            text,
            role: st.role,
            size: st.size,
            red: st.red,
            x,
            baseline,
            spacing: st.spacing,
        });
        self.y -= st.height;
    }

    /// Wraps `text` into lines; `st.indent` applies to the first line only.
    fn paragraph(&mut self, text: &str, st: &Style) {
        let width = self.width - st.right_gap;
        let lines = wrap(
            self.fonts, st.role, st.size, st.spacing, text, st.indent, width,
        );
        for (i, l) in lines.into_iter().enumerate() {
            let indent = if i == 0 { st.indent } else { 0.0 };
            self.line(l, &Style { indent, ..*st });
        }
    }

    /// A horizontal bar chart: the caption centred, then one row per bar (label in a column
    /// of eight characters, the bar scaled to 100 %, the value after it).
    fn chart(&mut self, caption: &str, bars: &[(String, Option<f64>)], body: &Style, cell: f64) {
        let small = Style {
            size: 12.0,
            spacing: 0.0,
            ..*body
        };
        // The chart stays on one page when a page can hold it (caption and every bar), else
        // its caption keeps at least its first bar.
        let whole = body.height * (bars.len() + 1) as f64;
        self.ensure(if whole <= self.top - self.bottom {
            whole
        } else {
            body.height * 2.0
        });
        self.line(
            caption.to_string(),
            &Style {
                align: Align::Center,
                ..small
            },
        );
        let label_w = 8.0 * cell;
        let bar_x = self.left + label_w + cell * 0.5;
        let bar_w = self.width - label_w - 4.0 * cell;
        for (label, value) in bars {
            self.ensure(body.height);
            let mut label = label.clone();
            while self.fonts.width(Role::Body, small.size, 0.0, &label) > label_w
                && label.chars().count() > 2
            {
                label.pop();
                label.pop();
                label.push('…');
            }
            let top = self.y;
            self.line(
                label,
                &Style {
                    align: Align::Left,
                    indent: 0.0,
                    ..small
                },
            );
            let h = body.height * 0.45;
            let y = top - (body.height + h) / 2.0;
            let share = value.map(|v| v.clamp(0.0, 100.0) / 100.0);
            let page = self.page();
            page.rects.push((bar_x, y, bar_w, h, true));
            if let Some(s) = share {
                page.rects.push((bar_x, y, bar_w * s, h, false));
            }
            let text = value.map_or_else(|| "暂无数据".to_string(), |v| format!("{v}%"));
            let saved = self.y;
            self.y = top;
            self.line(
                text,
                &Style {
                    align: Align::Left,
                    indent: label_w + cell * 0.5 + bar_w + cell * 0.3,
                    ..small
                },
            );
            self.y = saved;
        }
        self.y -= body.height * 0.5;
    }

    fn rule(&mut self, gap: f64) {
        self.ensure(gap);
        let y = self.y - gap / 2.0;
        let (l, w) = (self.left, self.width);
        self.page().rules.push((y, l, l + w));
        self.y -= gap;
    }
}

/// How a line or paragraph is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    role: Role,
    size: f64,
    red: bool,
    align: Align,
    /// From the left edge (first line of a paragraph).
    indent: f64,
    /// From the right edge (right-aligned text, 右空四字).
    right_gap: f64,
    /// Tc: extra space after each character.
    spacing: f64,
    /// Vertical advance of a line.
    height: f64,
}

fn lay_out(doc: &OfficialDoc, fonts: &Fonts) -> Vec<Page> {
    let width = pt(BODY_W_MM);
    let pitch = pt(BODY_H_MM) / LINES as f64;
    let cell = width / CHARS as f64;
    let top = pt(PAGE_H_MM - TOP_MM);
    let mut l = Layout {
        fonts,
        pages: vec![Page::default()],
        y: top,
        left: pt(LEFT_MM),
        width,
        top,
        bottom: top - pt(BODY_H_MM),
    };
    // 28 characters of 3号 in 156 mm: a grid cell is slightly narrower than 16 pt.
    let body = Style {
        role: Role::Body,
        size: BODY_PT,
        red: false,
        align: Align::Justify,
        indent: 0.0,
        right_gap: 0.0,
        spacing: cell - BODY_PT,
        height: pitch,
    };
    let centred = Style {
        align: Align::Center,
        ..body
    };
    let red_mark = |text: &str| {
        let size = (width / text.chars().count().max(1) as f64).min(36.0);
        Style {
            role: Role::Title,
            size,
            red: true,
            spacing: 0.0,
            height: size * 1.7,
            ..centred
        }
    };
    match &doc.head {
        Head::Series {
            series,
            issue,
            editor,
            date,
        } => {
            l.paragraph(series, &red_mark(series));
            l.line(issue.clone(), &centred);
            // editor at the left, date at the right, on one line
            let y = l.y;
            let left = Style {
                align: Align::Left,
                indent: cell,
                ..body
            };
            l.line(editor.clone(), &left);
            l.y = y;
            let right = Style {
                align: Align::Right,
                right_gap: cell,
                ..body
            };
            l.line(date.clone(), &right);
            l.rule(6.0);
        }
        Head::Office { mark, number } => {
            l.paragraph(mark, &red_mark(mark));
            l.y -= pitch;
            l.line(number.clone(), &centred);
            l.rule(6.0);
        }
    }
    l.y -= pitch;
    let title = Style {
        role: Role::Title,
        size: TITLE_PT,
        spacing: 0.0,
        height: pitch * 1.2,
        ..centred
    };
    l.paragraph(&doc.title, &title);
    l.y -= pitch;
    if let Some(a) = &doc.addressee {
        l.paragraph(a, &body);
    }
    for b in &doc.body {
        let (text, role) = match b {
            Block::Heading(h) => (h, Role::Heading),
            Block::Para(p) => (p, Role::Body),
            Block::Chart { caption, bars } => {
                l.chart(caption, bars, &body, cell);
                continue;
            }
        };
        l.paragraph(
            text,
            &Style {
                role,
                indent: 2.0 * cell,
                ..body
            },
        );
    }
    l.y -= pitch;
    // 右空四字
    let signature = Style {
        align: Align::Right,
        right_gap: 4.0 * cell,
        ..body
    };
    for s in &doc.signature {
        l.line(s.clone(), &signature);
    }
    l.pages
}

/// The document as PDF bytes.
pub fn render(doc: &OfficialDoc, set: &FontSet) -> Result<Vec<u8>, PdfError> {
    render_with(doc, &set.load()?)
}

/// [`render`] with faces already loaded.
pub fn render_with(doc: &OfficialDoc, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let mut pages = lay_out(doc, fonts);
    // Page numbers: "— N —" in 4号, 7 mm under the 版心, odd right / even left, one character in.
    let folio_y = pt(PAGE_H_MM - TOP_MM - BODY_H_MM - FOLIO_GAP_MM) - FOLIO_PT * 0.88;
    let left = pt(LEFT_MM);
    let right = left + pt(BODY_W_MM);
    for (i, p) in pages.iter_mut().enumerate() {
        let text = format!("— {} —", i + 1);
        let w = fonts.width(Role::Body, FOLIO_PT, 0.0, &text);
        let x = if i % 2 == 0 {
            right - FOLIO_PT - w
        } else {
            left + FOLIO_PT
        };
        p.lines.push(Line {
            text,
            role: Role::Body,
            size: FOLIO_PT,
            red: false,
            x,
            baseline: folio_y,
            spacing: 0.0,
        });
    }
    write_pdf(&pages, fonts, &doc.title)
}

/// Glyphs used per face, remapped to consecutive ids (the subset's CIDs).
struct Used {
    remapper: subsetter::GlyphRemapper,
    /// (new id, char) for the ToUnicode map and widths.
    chars: Vec<(u16, char, f64)>,
}

fn write_pdf(pages: &[Page], fonts: &Fonts, title: &str) -> Result<Vec<u8>, PdfError> {
    let roles = [Role::Title, Role::Body, Role::Heading];
    let mut used: Vec<Used> = roles
        .iter()
        .map(|_| Used {
            remapper: subsetter::GlyphRemapper::new(),
            chars: Vec::new(),
        })
        .collect();
    let slot = |r: Role| roles.iter().position(|x| *x == r).expect("a role");
    // Encode every line's text as 2-byte CIDs, collecting glyphs.
    let mut encoded: Vec<Vec<Vec<u8>>> = Vec::new();
    for p in pages {
        let mut page_lines = Vec::new();
        for l in &p.lines {
            let f = fonts.get(l.role);
            let face = f.face();
            let u = &mut used[slot(l.role)];
            let mut bytes = Vec::with_capacity(l.text.len() * 2);
            for c in l.text.chars() {
                let gid = face.glyph_index(c).map_or(0, |g| g.0);
                let new = u.remapper.remap(gid);
                if !u.chars.iter().any(|(g, _, _)| *g == new) {
                    u.chars.push((new, c, f.advance(c) * 1000.0));
                }
                bytes.extend_from_slice(&new.to_be_bytes());
            }
            page_lines.push(bytes);
        }
        encoded.push(page_lines);
    }

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<Ref> = roles.iter().map(|_| alloc()).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(title))
        .producer(pdf_writer::TextStr("duban"));
    const SYSTEM: SystemInfo = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    for (i, role) in roles.iter().enumerate() {
        let f = fonts.get(*role);
        let u = &used[i];
        let (cid, desc, file, cmap_ref) = (alloc(), alloc(), alloc(), alloc());
        // Subset tag: six letters from the face slot, as PDF requires for subsets.
        let base = format!("{}+{}", ["DBNAAA", "DBNAAB", "DBNAAC"][i], f.name);
        let base_name = Name(base.as_bytes());
        pdf.type0_font(font_refs[i])
            .base_font(base_name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_ref);
        let sub = subsetter::subset(&f.data, f.index, &u.remapper)
            .map_err(|e| PdfError::Font(f.name.clone(), e.to_string()))?;
        let sub_face = ttf_parser::RawFace::parse(&sub, 0)
            .map_err(|e| PdfError::Font(f.name.clone(), e.to_string()))?;
        let cff = sub_face.table(ttf_parser::Tag::from_bytes(b"CFF "));
        let face = f.face();
        let scale = 1000.0 / f.units;
        let bbox = face.global_bounding_box();
        {
            let mut c = pdf.cid_font(cid);
            c.subtype(if cff.is_some() {
                CidFontType::Type0
            } else {
                CidFontType::Type2
            })
            .base_font(base_name)
            .system_info(SYSTEM)
            .font_descriptor(desc)
            .default_width(1000.0);
            if cff.is_none() {
                c.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            let mut w = c.widths();
            for (g, _, adv) in &u.chars {
                w.consecutive(*g, [*adv as f32]);
            }
        }
        let file_data = match cff {
            Some(cff) => zlib(cff),
            None => zlib(&sub),
        };
        {
            let mut d = pdf.font_descriptor(desc);
            d.name(base_name)
                .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
                .bbox(Rect::new(
                    (bbox.x_min as f64 * scale) as f32,
                    (bbox.y_min as f64 * scale) as f32,
                    (bbox.x_max as f64 * scale) as f32,
                    (bbox.y_max as f64 * scale) as f32,
                ))
                .italic_angle(0.0)
                .ascent((face.ascender() as f64 * scale) as f32)
                .descent((face.descender() as f64 * scale) as f32)
                .cap_height(
                    (face.capital_height().unwrap_or(face.ascender()) as f64 * scale) as f32,
                )
                .stem_v(80.0);
            if cff.is_some() {
                d.font_file3(file);
            } else {
                d.font_file2(file);
            }
        }
        {
            let mut stream = pdf.stream(file, &file_data);
            stream.filter(Filter::FlateDecode);
            if cff.is_some() {
                stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            }
        }
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM);
        for (g, c, _) in &u.chars {
            cmap.pair(*g, *c);
        }
        pdf.cmap(cmap_ref, &cmap.finish());
    }

    let mut page_refs = Vec::new();
    let (w, h) = (pt(PAGE_W_MM) as f32, pt(PAGE_H_MM) as f32);
    for (p, lines) in pages.iter().zip(&encoded) {
        let (page_ref, content_ref) = (alloc(), alloc());
        page_refs.push(page_ref);
        let mut c = Content::new();
        for (x, y, w, h, grey) in &p.rects {
            if *grey {
                c.set_fill_gray(0.9);
            } else {
                c.set_fill_rgb(0.043, 0.306, 0.635);
            }
            c.rect(*x as f32, *y as f32, *w as f32, *h as f32);
            c.fill_nonzero();
        }
        for (y, x0, x1) in &p.rules {
            c.set_stroke_rgb(0.902, 0.0, 0.071);
            c.set_line_width(1.0);
            c.move_to(*x0 as f32, *y as f32);
            c.line_to(*x1 as f32, *y as f32);
            c.stroke();
        }
        for (l, bytes) in p.lines.iter().zip(lines) {
            if l.red {
                c.set_fill_rgb(0.902, 0.0, 0.071);
            } else {
                c.set_fill_gray(0.0);
            }
            c.begin_text();
            let name = format!("F{}", slot(l.role));
            c.set_font(Name(name.as_bytes()), l.size as f32);
            c.set_char_spacing(l.spacing as f32);
            c.next_line(l.x as f32, l.baseline as f32);
            c.show(Str(bytes));
            c.end_text();
        }
        let data = c.finish();
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, w, h));
        page.parent(tree);
        page.contents(content_ref);
        let mut res = page.resources();
        let mut fonts_dict = res.fonts();
        for (i, r) in font_refs.iter().enumerate() {
            let name = format!("F{i}");
            fonts_dict.pair(Name(name.as_bytes()), *r);
        }
        fonts_dict.finish();
        res.finish();
        page.finish();
        pdf.stream(content_ref, &data);
    }
    let count = page_refs.len() as i32;
    pdf.pages(tree).kids(page_refs).count(count);
    Ok(pdf.finish())
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory write")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fonts of this machine, or `None` (then the test says so) unless CI requires them
    /// (`DUBAN_REQUIRE_FONTS=1`, set by `.ci/run`, which installs fonts-noto-cjk).
    pub(crate) fn fonts() -> Option<FontSet> {
        match FontSet::discover() {
            Ok(f) => Some(f),
            Err(e) if std::env::var_os("DUBAN_REQUIRE_FONTS").is_none() => {
                eprintln!("skipped: {e}");
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    pub(crate) fn sample() -> OfficialDoc {
        let long = "请各牵头单位对照红灯、黄灯任务逐项分析原因（第5项，牵头单位：省地方金融监管局）：明确整改措施和完成时限；逾期未报的单位请于5个工作日内补报进展。".repeat(3);
        let mut body = vec![Block::Heading("一、总体进展".into())];
        for _ in 0..30 {
            body.push(Block::Para(long.clone()));
        }
        OfficialDoc {
            head: Head::Series {
                series: "服务业发展工作通报".into(),
                issue: "2020年第3期".into(),
                editor: "省发展改革委编".into(),
                date: "2020年7月15日".into(),
            },
            title: "关于2020年上半年服务业发展工作进展情况的通报".into(),
            addressee: None,
            body,
            signature: vec!["省发展改革委".into(), "2020年7月15日".into()],
        }
    }

    /// A chart that would straddle a page break starts on the next page, whole.
    #[test]
    fn a_chart_stays_on_one_page() {
        let Some(set) = fonts() else { return };
        let fonts = set.load().unwrap();
        let bars: Vec<(String, Option<f64>)> = (1..=6)
            .map(|k| (format!("板块{k}"), Some(10.0 * k as f64)))
            .collect();
        for filler in 0..22 {
            let mut doc = sample();
            doc.body = (0..filler).map(|_| Block::Para("一段。".into())).collect();
            doc.body.push(Block::Chart {
                caption: "图1 各板块工作进度".into(),
                bars: bars.clone(),
            });
            let pages = lay_out(&doc, &fonts);
            let page_of = |text: &str| {
                pages
                    .iter()
                    .position(|p| p.lines.iter().any(|l| l.text == text))
            };
            let caption = page_of("图1 各板块工作进度");
            for (label, _) in &bars {
                assert_eq!(page_of(label), caption, "{filler} paragraphs: {label}");
            }
        }
    }

    #[test]
    fn a4_pages_with_embedded_subset_fonts() {
        let Some(set) = fonts() else { return };
        let bytes = render(&sample(), &set).unwrap();
        // DUBAN_PDF_OUT=file keeps the sample to look at (pdftoppm).
        if let Some(out) = std::env::var_os("DUBAN_PDF_OUT") {
            std::fs::write(out, &bytes).unwrap();
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-"));
        // A4 in points.
        assert!(
            text.contains("/MediaBox [0 0 595.2756 841.8898]"),
            "media box"
        );
        // Fonts are embedded (CFF subsets) and searchable (ToUnicode).
        assert!(text.contains("/FontFile3") || text.contains("/FontFile2"));
        assert!(text.contains("/ToUnicode"));
        assert!(text.contains("+NotoSerifCJKsc-Regular"), "subset name");
        // 30 paragraphs of 3 × 52 characters do not fit one page: several pages.
        assert!(text.matches("/Type /Page\n").count() + text.matches("/Type /Page/").count() >= 1);
        assert!(
            bytes.len() < 2_000_000,
            "subset, not the whole font: {}",
            bytes.len()
        );
    }

    #[test]
    fn body_lines_hold_28_characters() {
        let Some(set) = fonts() else { return };
        let fonts = set.load().unwrap();
        let width = pt(BODY_W_MM);
        let spacing = width / CHARS as f64 - BODY_PT;
        let text = "一".repeat(60);
        let lines = wrap(&fonts, Role::Body, BODY_PT, spacing, &text, 0.0, width);
        assert_eq!(
            lines.iter().map(|l| l.chars().count()).collect::<Vec<_>>(),
            [28, 28, 4]
        );
        // A closing mark never starts a line, nor passes the 版心: it goes down with the
        // character before it.
        let text = format!("{}）。二", "一".repeat(28));
        let lines = wrap(&fonts, Role::Body, BODY_PT, spacing, &text, 0.0, width);
        assert_eq!(lines[0].chars().count(), 27);
        assert_eq!(lines[1], "一）。二");
        // A number is not split at the line's end: 2020 moves down whole.
        let text = format!("{}应于2020年7月7日前报送", "一".repeat(24));
        let lines = wrap(&fonts, Role::Body, BODY_PT, spacing, &text, 0.0, width);
        assert!(lines[1].starts_with("2020年"), "{lines:?}");
        assert!(lines[0].ends_with("应于"), "{lines:?}");
        // Every line stays inside the 版心 (28 mm from the left, 156 mm wide, 37 mm from the
        // top, 225 mm high).
        let pages = lay_out(&sample(), &fonts);
        let (left, right) = (pt(LEFT_MM), pt(LEFT_MM + BODY_W_MM));
        let (top, bottom) = (pt(PAGE_H_MM - TOP_MM), pt(PAGE_H_MM - TOP_MM - BODY_H_MM));
        for p in &pages {
            for l in &p.lines {
                let w = fonts.width(l.role, l.size, l.spacing, &l.text);
                assert!(l.x >= left - 0.01, "{:?} starts left of the 版心", l.text);
                assert!(
                    l.x + w - l.spacing <= right + 0.5,
                    "{:?} passes the 版心",
                    l.text
                );
                assert!(l.baseline < top && l.baseline > bottom, "{:?}", l.text);
            }
        }
        // 22 lines per page.
        let second: Vec<f64> = pages[1].lines.iter().map(|l| l.baseline).collect();
        assert_eq!(second.len(), LINES);
    }
}
