//! Plans exported or pasted as Markdown (from a wiki, a note app, a chat tool): `#`
//! headings, `**bold**` labels, `- ` list markers and `> ` quotes around the official
//! numbering. The markup is removed line by line so that `## 一、扩大有效投资` and
//! `**1. 推进重大项目建设。**` read as the numbered lines they are; `|` tables are kept
//! (the table reader reads them) apart from their bold markers. Text that is not Markdown
//! is returned unchanged.

/// A line's Markdown prefix: ATX heading marks, a quote mark, a list marker.
fn prefix_len(line: &str) -> usize {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let indent = line.len() - trimmed.len();
    let mut rest = trimmed;
    let hashes = rest.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&hashes) && rest[hashes..].starts_with(' ') {
        rest = rest[hashes..].trim_start_matches(' ');
    } else if let Some(r) = rest.strip_prefix("> ") {
        rest = r;
    }
    for marker in ["- ", "* ", "+ "] {
        if let Some(r) = rest.strip_prefix(marker) {
            rest = r.trim_start_matches(' ');
            break;
        }
    }
    indent + (trimmed.len() - rest.len())
}

/// Whether the text is Markdown: an ATX heading, or at least two lines opened by a list
/// marker or bold markup.
fn is_markdown(text: &str) -> bool {
    let mut marked = 0;
    for line in text.lines() {
        let t = line.trim_start_matches([' ', '\t']);
        let hashes = t.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            return true;
        }
        if t.starts_with("**") || t.starts_with("- ") || t.starts_with("* ") {
            marked += 1;
            if marked >= 2 {
                return true;
            }
        }
    }
    false
}

/// The text without Markdown markup, or `None` when it is not Markdown.
pub fn strip(text: &str) -> Option<String> {
    if !is_markdown(text) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for (k, line) in text.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || line.trim_start().starts_with('|') {
            out.push_str(&line.replace("**", ""));
            continue;
        }
        let body = &line[prefix_len(line)..];
        out.push_str(&body.replace("**", ""));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_bold_and_lists_are_unmarked() {
        let text = "# 标题\n\n## 一、扩大投资\n**1. 推进建设。**全年完成。\n- 2. 新增就业。\n> 注：说明\n| 序号 | **任务** |";
        assert_eq!(
            strip(text).as_deref(),
            Some(
                "标题\n\n一、扩大投资\n1. 推进建设。全年完成。\n2. 新增就业。\n注：说明\n| 序号 | 任务 |"
            )
        );
    }

    #[test]
    fn plain_text_is_left_alone() {
        assert_eq!(strip("一、总体要求\n1.做事。\n#话题#"), None);
        assert_eq!(strip("一、总体要求\n- 只有一项"), None);
    }
}
