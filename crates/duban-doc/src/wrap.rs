//! Text copied from a PDF keeps the page's hard line breaks: every full line ends where
//! the page did, in the middle of a word, a unit name (`市发展改` / `革委`) or a target
//! (`完` / `成投资300亿元`). When most long lines share one width, a line of that width is
//! joined with the next unless the next opens a numbered item or a new paragraph; the
//! result is `Plan::text`. Text without such a width (web pages, Word documents) is left
//! as it is.

/// Display width: two for Han and full-width forms, one otherwise.
fn width(line: &str) -> usize {
    line.trim_end()
        .chars()
        .map(|c| {
            let u = c as u32;
            if matches!(u, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Lines shorter than this are headings, signatures or paragraph ends, never full lines.
const MIN_FULL: usize = 30;

/// Whether `line` opens a numbered item (`一、` `（一）` `1.` `1、` `（1）` `①` `第一条`) or a
/// labelled line (`附件`), so it is not the continuation of the line before.
fn opens_item(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t', '\u{3000}']);
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    let second = chars.next();
    let cn = |c: char| "一二三四五六七八九十百零〇".contains(c);
    if first == '(' || first == '（' {
        return second.is_some_and(|c| cn(c) || c.is_ascii_digit() || ('０'..='９').contains(&c));
    }
    if ('①'..='⑳').contains(&first) {
        return true;
    }
    if cn(first) {
        let rest: String = t.chars().skip_while(|&c| cn(c)).take(1).collect();
        return matches!(rest.as_str(), "、" | "是" | "要");
    }
    if first == '第' {
        let rest: String = t.chars().skip(1).skip_while(|&c| cn(c)).take(1).collect();
        return matches!(rest.as_str(), "条" | "章" | "节" | "，" | "、");
    }
    if first.is_ascii_digit() || ('０'..='９').contains(&first) {
        let mut rest = t
            .chars()
            .skip_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c));
        let after = rest.next();
        let next = rest.next();
        return matches!(after, Some('.' | '．' | '、' | ')' | '）'))
            && next.is_some_and(|c| !c.is_ascii_digit() && !('０'..='９').contains(&c));
    }
    t.starts_with("附件")
}

/// The common width of the page's full lines, if the text has one.
fn page_width(lines: &[&str]) -> Option<usize> {
    let mut widths: Vec<usize> = lines
        .iter()
        .filter(|l| !l.contains(['\t', '|']))
        .map(|l| width(l))
        .filter(|&w| w >= MIN_FULL)
        .collect();
    if widths.len() < 3 {
        return None;
    }
    widths.sort_unstable();
    // The width whose window [w-2, w] holds the most lines (sorted: two binary searches).
    let (best, count) = widths
        .iter()
        .map(|&w| {
            let lo = widths.partition_point(|&x| x + 2 < w);
            let hi = widths.partition_point(|&x| x <= w);
            (w, hi - lo)
        })
        .max_by_key(|&(w, c)| (c, w))?;
    (count >= 3 && count * 10 >= widths.len() * 4).then_some(best)
}

/// The text with hard line breaks joined, or `None` when it has no page width.
pub fn join(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let w = page_width(&lines)?;
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (k, line) in lines.iter().enumerate() {
        out.push_str(line);
        let Some(next) = lines.get(k + 1) else {
            break;
        };
        let full = {
            let lw = width(line);
            lw + 3 >= w && lw <= w + 2
        };
        let joins = full
            && !line.contains(['\t', '|'])
            && !next.trim().is_empty()
            && !next.contains(['\t', '|'])
            && !opens_item(next)
            // A paragraph's first line is indented.
            && !next.starts_with(['\u{3000}', ' ']);
        if joins {
            // Trailing spaces of the broken line go with the break.
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            changed = true;
        } else {
            out.push('\n');
        }
    }
    changed.then_some(out)
}

/// A line at least this long (chars) may be a whole document flattened into one paragraph.
const FLAT_MIN: usize = 300;

/// The opposite of a PDF's hard breaks: a web page copied as one paragraph, every heading
/// and item run together (` 一、总体要求 … (一)强化… 1、数字经济…`). A line of at least
/// [`FLAT_MIN`] chars holding four or more item openings after a space or a sentence end,
/// one of them a `一、` heading, is broken before each opening; `None` when no line is.
pub fn split_flattened(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for (k, line) in text.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let cuts = flat_item_starts(line);
        if cuts.len() < 4 || !cuts.iter().any(|&c| opens_heading(&line[c..])) {
            out.push_str(line);
            continue;
        }
        changed = true;
        let mut from = 0;
        for c in cuts {
            out.push_str(line[from..c].trim_end());
            out.push('\n');
            from = c;
        }
        out.push_str(&line[from..]);
    }
    changed.then_some(out)
}

/// Byte offsets in a long `line` where an item opens after a space or a sentence end.
fn flat_item_starts(line: &str) -> Vec<usize> {
    if line.chars().count() < FLAT_MIN {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        let after_break = matches!(prev, Some(' ' | '\u{3000}' | '。' | '；' | ';'));
        if i > 0 && after_break && opens_flat_item(&line[i..]) {
            cuts.push(i);
        }
        prev = Some(c);
    }
    cuts
}

/// `一、` (not `一是`): a heading of the first level.
fn opens_heading(t: &str) -> bool {
    let cn = |c: char| "一二三四五六七八九十".contains(c);
    let n = t.chars().take_while(|&c| cn(c)).count();
    n > 0 && t.chars().nth(n) == Some('、')
}

/// `一、`, `（一）`, `(1)`, `1、`, `1.` before a Han char: item openings safe to break before
/// (not `一是`, nor a decimal).
fn opens_flat_item(t: &str) -> bool {
    if opens_heading(t) {
        return true;
    }
    let mut chars = t.chars();
    match chars.next() {
        Some('(' | '（') => {
            // At most three numerals, then the close: read no further (a line of unclosed
            // brackets must not be read to its end at every one).
            let label: Vec<char> = chars.take(4).collect();
            let close = label.iter().position(|&c| c == ')' || c == '）');
            close.is_some_and(|n| {
                (1..=3).contains(&n)
                    && label[..n]
                        .iter()
                        .all(|&c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
            })
        }
        Some(d) if d.is_ascii_digit() => {
            let rest: String = t
                .chars()
                .skip_while(|c| c.is_ascii_digit())
                .take(2)
                .collect();
            let mut r = rest.chars();
            matches!(r.next(), Some('、' | '.' | '．')) && r.next().is_some_and(crate::text::is_han)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_flattened_page_is_broken_before_its_items() {
        let body = "根据有关文件精神，结合我区实际，制定本工作要点。".repeat(14);
        let line = format!(
            "{body} 一、总体要求 做好全年工作。 二、重点任务 (一)强化重点领域信息公开 1、数字经济发展领域。加大公开力度。(责任单位:区政府办公室) 2、营商环境领域。持续公开。(责任单位:区发展改革委)"
        );
        let out = split_flattened(&line).expect("split");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "{out}");
        assert!(lines[1].starts_with("一、总体要求"));
        assert!(lines[3].starts_with("(一)强化"));
        assert!(lines[4].starts_with("1、数字经济"));
        // Ordinary prose keeps its lines: 一是, decimals, a short line, few openings.
        let prose = format!("{body} 一是加强领导，二是增长1.5%。");
        assert_eq!(split_flattened(&prose), None);
        assert_eq!(
            split_flattened("一、总则 (一)目的 1、范围。 2、定义。"),
            None
        );
    }
    use super::*;

    #[test]
    fn full_lines_are_joined_and_items_kept_apart() {
        let text = "一、总体任务\n\
                    1.推进重大项目建设。全年实施市级重点项目一百二十个，完\n\
                    成投资三百亿元以上，新开工项目不少于八十个。（牵头单\n\
                    位：市发展改革委）\n\
                    2.加快城市更新。改造城镇老旧小区五十个，惠及居民两万\n\
                    户。\n\
                    3.新增城镇就业。";
        let out = join(text).expect("wrapped");
        assert_eq!(
            out,
            "一、总体任务\n\
             1.推进重大项目建设。全年实施市级重点项目一百二十个，完成投资三百亿元以上，新开工项目不少于八十个。（牵头单位：市发展改革委）\n\
             2.加快城市更新。改造城镇老旧小区五十个，惠及居民两万户。\n\
             3.新增城镇就业。"
        );
    }

    #[test]
    fn text_with_free_line_lengths_is_left_alone() {
        let text = "一、总体要求\n1.做事。\n2.推进重大项目建设，全年完成投资三百亿元以上，确保按期开工。\n3.新增就业。";
        assert_eq!(join(text), None);
    }

    #[test]
    fn labels() {
        for l in [
            "一、总体",
            "（一）做",
            "1.推进",
            "2、推进",
            "（1）做",
            "①做",
            "第一条",
            "一是做",
            "附件1",
        ] {
            assert!(opens_item(l), "{l}");
        }
        for l in ["成投资", "2024年", "3.5%以上", "位：市发展", "万户。"] {
            assert!(!opens_item(l), "{l}");
        }
    }
}
