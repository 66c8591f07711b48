//! Task tables extracted from PDF (`pdftotext -layout`, or copied from a viewer) with
//! space-aligned columns:
//!
//! ```text
//! 序号  重点任务                        牵头单位        配合单位
//! 1     推进重大项目建设，全年完成固定  县发展改革局    县财政局、县自然
//!       投资120亿元以上。                               资源局
//! ```
//!
//! Cells are separated by runs of two or more spaces; a long cell wraps onto continuation
//! lines, indented past the number column, whose pieces belong to the cell above them in
//! the same column. This stage rewrites such a table as one tab-separated line per row
//! (the wrapped pieces appended to their cells), which the table reader (`table`) then
//! reads like any tab table. Category rows (`一、扩大有效投资` alone on a line) stay lines
//! of their own. Text outside the table is kept as it is; a document without such a table
//! is returned unchanged.

/// A piece of a line: its column position (display columns: a Han or full-width char is
/// two, as the table looks in an editor or a `-layout` extraction) and its text.
#[derive(Debug, Clone)]
struct Seg {
    pos: usize,
    text: String,
}

/// Splits a line at runs of two or more spaces (or a tab, or a full-width space).
fn segments(line: &str) -> Vec<Seg> {
    let chars: Vec<char> = line.chars().collect();
    // Display column of each char.
    let mut col = Vec::with_capacity(chars.len() + 1);
    let mut w = 0;
    for &c in &chars {
        col.push(w);
        w += if c == '\t' { 8 - w % 8 } else { width(c) };
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        while k < chars.len() && is_gap_char(chars[k]) {
            k += 1;
        }
        if k >= chars.len() {
            break;
        }
        let start = k;
        let mut end = k;
        while k < chars.len() {
            let c = chars[k];
            if c == '\t' || c == '\u{3000}' {
                break;
            }
            if c == ' ' && chars.get(k + 1).is_some_and(|&n| is_gap_char(n)) {
                break;
            }
            if c == ' ' && k + 1 == chars.len() {
                break;
            }
            k += 1;
            if c != ' ' {
                end = k;
            }
        }
        out.push(Seg {
            pos: col[start],
            text: chars[start..end].iter().collect(),
        });
    }
    out
}

/// Display width: two for Han, kana, Hangul and full-width forms.
fn width(c: char) -> usize {
    let u = c as u32;
    if matches!(u, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
    {
        2
    } else {
        1
    }
}

fn is_gap_char(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{3000}'
}

/// Column starts of a space-aligned header row (序号 … 牵头/责任 …), or `None`.
fn header(line: &str) -> Option<Vec<usize>> {
    if line.contains(['\t', '|']) {
        return None;
    }
    let segs = segments(line);
    if segs.len() < 3 {
        return None;
    }
    // Compared on the normalised view: 序號 / 牽頭單位 in Traditional script.
    let name = |s: &Seg| -> String {
        s.text
            .chars()
            .filter(|&c| c != ' ')
            .map(crate::text::norm_char)
            .collect()
    };
    let first = name(&segs[0]);
    if first != "序号" && first != "编号" {
        return None;
    }
    let has = |words: &[&str]| {
        segs.iter()
            .any(|s| words.iter().any(|w| name(s).contains(w)))
    };
    if !has(&["任务", "工作", "内容", "措施", "事项", "举措"]) || !has(&["牵头", "责任", "负责"])
    {
        return None;
    }
    Some(segs.iter().map(|s| s.pos).collect())
}

/// A row number in the number column: `1`, `12`, `3.`, `3、`; and the rest of the
/// segment when the number is glued to the first words by one space (`1 推进…`).
fn row_number(seg: &Seg) -> Option<(String, Option<Seg>)> {
    let t = seg.text.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let rest = &t[digits.len()..];
    let rest = rest.trim_start_matches(['.', '、', '．']);
    let label_len = t.len() - rest.len();
    if rest.is_empty() {
        return Some((t.to_string(), None));
    }
    // `1 推进…`: one space between the number and the words.
    if rest.starts_with(' ') {
        let body = rest.trim_start();
        let offset: usize = t[..t.len() - body.len()].chars().map(width).sum();
        return Some((
            t[..label_len].to_string(),
            Some(Seg {
                pos: seg.pos + offset,
                text: body.to_string(),
            }),
        ));
    }
    None
}

/// A category row: one short piece opened by a Chinese label (`一、扩大有效投资`,
/// `（二）保障民生`), at the left margin or centred over the table, not ending mid-sentence.
fn is_category(segs: &[Seg]) -> bool {
    if segs.len() != 1 {
        return false;
    }
    let t = segs[0].text.trim();
    if t.chars().count() > 40 || t.contains('。') || t.ends_with(['，', '；', ',', ';']) {
        return false;
    }
    let cn = |c: char| crate::text::is_cn_numeral(c);
    if let Some(rest) = t.strip_prefix(['(', '（']) {
        let after: String = rest.chars().skip_while(|&c| cn(c)).collect();
        return rest.starts_with(cn) && after.starts_with([')', '）']);
    }
    let after: String = t.chars().skip_while(|&c| cn(c)).collect();
    t.starts_with(cn) && after.starts_with('、') && after.chars().count() > 1
}

/// A page number line inside a PDF table (`— 3 —`, `- 12 -`, `3`) to drop.
fn is_page_number(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '—' | '–' | ' ' | '第' | '页'))
        && t.chars().count() <= 12
        && t.starts_with(['-', '—', '–'])
}

/// The column a piece starting at `pos` belongs to: the last whose start is at or before
/// it (two columns of slack for centred cells), else the first.
fn nearest(cols: &[usize], pos: usize) -> usize {
    cols.iter().rposition(|&c| c <= pos + 2).unwrap_or(0)
}

/// Rewrites every space-aligned task table of `text` as tab-separated rows; `None` when
/// there is none (the text is then used as it is).
pub fn reflow(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    if !lines.iter().any(|l| header(l).is_some()) {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut changed = false;
    let mut i = 0;
    while i < lines.len() {
        let Some(mut cols) = header(lines[i]) else {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        };
        let mut head: Vec<String> = segments(lines[i]).into_iter().map(|s| s.text).collect();
        let header_at = out.len();
        out.push(head.join("\t"));
        i += 1;
        let width = cols.len();
        let mut row: Option<Vec<String>> = None;
        // Lines of a row read before its number: cells centred vertically put the number
        // on a middle line (`推进…` / `1  …` / `…`). Held here until the number comes.
        let mut pending: Vec<(usize, String)> = Vec::new();
        // The table centres its cells: its first row had lines before its number.
        let mut centred = false;
        let flush = |row: &mut Option<Vec<String>>,
                     pending: &mut Vec<(usize, String)>,
                     out: &mut Vec<String>| {
            if let Some(mut cells) = row.take() {
                // Lines held for a next row that never came belong to this one.
                for (c, t) in pending.drain(..) {
                    if let Some(cell) = cells.get_mut(c) {
                        cell.push_str(&t);
                    }
                }
                out.push(cells.join("\t"));
            } else if !pending.is_empty() {
                // No row at all: keep the text as a line of its own.
                out.push(
                    pending
                        .drain(..)
                        .map(|(_, t)| t)
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        };
        while i < lines.len() {
            let line = lines[i];
            if line.trim().is_empty() || is_page_number(line) {
                i += 1;
                continue;
            }
            // A header repeated on the next page.
            if header(line).is_some() {
                i += 1;
                continue;
            }
            if line.contains(['\t', '|']) {
                break;
            }
            let mut segs = segments(line);
            let first = &segs[0];
            let number_col = nearest(&cols, first.pos) == 0;
            if number_col && let Some((label, rest)) = row_number(first) {
                // The held lines open this row when the row before is complete.
                let held = std::mem::take(&mut pending);
                flush(&mut row, &mut pending, &mut out);
                let mut cells = vec![String::new(); width];
                cells[0] = label;
                for (c, t) in held {
                    if let Some(cell) = cells.get_mut(c) {
                        cell.push_str(&t);
                    }
                }
                let mut pieces: Vec<Seg> = Vec::new();
                pieces.extend(rest);
                pieces.extend(segs.drain(1..));
                if pieces.len() == width - 1 {
                    // A full row: its positions are the columns from here on.
                    for (k, p) in pieces.iter().enumerate() {
                        cols[k + 1] = p.pos;
                    }
                }
                for p in pieces {
                    let c = nearest(&cols[1..], p.pos) + 1;
                    cells[c].push_str(&p.text);
                }
                row = Some(cells);
                changed = true;
                i += 1;
                continue;
            }
            if is_category(&segs) {
                flush(&mut row, &mut pending, &mut out);
                out.push(line.trim().to_string());
                i += 1;
                continue;
            }
            let indented = line.starts_with([' ', '\u{3000}']) && !number_col;
            if !indented {
                break;
            }
            let pieces: Vec<(usize, String)> = segs
                .into_iter()
                .map(|p| (nearest(&cols, p.pos).max(1), p.text))
                .collect();
            match row.as_mut() {
                // A header cell wrapped onto the next line (`完成` / `时限`): short pieces
                // without punctuation right under the header.
                None if out.len() == header_at + 1
                    && pending.is_empty()
                    && pieces
                        .iter()
                        .all(|(_, t)| t.chars().count() <= 8 && !t.contains(['，', '。', ','])) =>
                {
                    for (c, t) in pieces {
                        if let Some(h) = head.get_mut(c) {
                            h.push_str(&t);
                        }
                    }
                    out[header_at] = head.join("\t");
                }
                // Before the first row: the first row's cells are centred.
                None => {
                    centred = true;
                    pending.extend(pieces);
                }
                Some(cells) => {
                    // In a centred table, a line after a row whose text is complete opens
                    // the next row; otherwise it continues the row above.
                    let complete = cells.get(1).is_some_and(|c| c.ends_with(['。', '；', ';']));
                    if centred && (complete || !pending.is_empty()) {
                        pending.extend(pieces);
                    } else {
                        for (c, t) in pieces {
                            cells[c].push_str(&t);
                        }
                    }
                }
            }
            i += 1;
        }
        flush(&mut row, &mut pending, &mut out);
    }
    changed.then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_at_two_spaces() {
        let s = segments("1     推进 建设  市发改委　市财政局");
        let t: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(t, vec!["1", "推进 建设", "市发改委", "市财政局"]);
        assert_eq!(s[1].pos, 6);
        assert_eq!(s[2].pos, 6 + 9 + 2);
    }

    #[test]
    fn wrapped_cells_are_appended() {
        let text = "序号  任务                牵头单位    配合单位\n\
                    1     推进重大项目建设，  市发改委    市财政局、\n\
                    \x20     完成投资。                      市自然资源局\n\
                    2     新增就业。          市人社局    \n\
                    正文继续。";
        let out = reflow(text).expect("a table");
        assert_eq!(
            out,
            "序号\t任务\t牵头单位\t配合单位\n\
             1\t推进重大项目建设，完成投资。\t市发改委\t市财政局、市自然资源局\n\
             2\t新增就业。\t市人社局\t\n\
             正文继续。"
        );
    }

    #[test]
    fn a_wrapped_header_cell_is_joined() {
        let text = "序号  任务                牵头        完成\n\
                    \x20                         单位        时限\n\
                    1     推进项目建设。      市发改委    年底";
        let out = reflow(text).expect("a table");
        assert_eq!(
            out,
            "序号\t任务\t牵头单位\t完成时限\n1\t推进项目建设。\t市发改委\t年底"
        );
    }

    #[test]
    fn centred_cells_put_lines_before_the_number_into_its_row() {
        let text = "序号  任务                    牵头单位\n\
                    \x20     推进重大项目建设，\n\
                    1     全年完成投资100亿元。   市发改委\n\
                    \x20     新增就业岗位，\n\
                    2     全年新增就业3万人。     市人社局\n\
                    正文。";
        let out = reflow(text).expect("a table");
        assert_eq!(
            out,
            "序号\t任务\t牵头单位\n\
             1\t推进重大项目建设，全年完成投资100亿元。\t市发改委\n\
             2\t新增就业岗位，全年新增就业3万人。\t市人社局\n\
             正文。"
        );
    }

    #[test]
    fn text_without_an_aligned_table_is_left_alone() {
        assert!(reflow("序号\t任务\t牵头单位\n1\t做事\t市发改委").is_none());
        assert!(reflow("一、总体要求\n1.做事。").is_none());
    }
}
