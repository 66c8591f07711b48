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

#[cfg(test)]
mod tests {
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
