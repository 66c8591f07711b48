//! HTML saved from a portal → plain text lines. A small tag stripper: block elements end
//! lines, table cells are separated by tabs, non-content elements (script, style, head,
//! nav …) are dropped, entities are decoded; a task table's cells keep one line each
//! (`cells`).

use crate::cells::CellTable;

/// Elements whose whole content is dropped.
const SKIP: &[&str] = &[
    "script", "style", "head", "noscript", "iframe", "select", "template", "svg", "object",
    "button", "textarea", "nav", "footer",
];
/// Elements that start or end a line.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "blockquote",
    "pre",
    "hr",
    "dt",
    "dd",
    "dl",
    "form",
    "center",
    "main",
    "aside",
    "tbody",
    "thead",
    "caption",
    "title",
    "body",
];

/// Whether the bytes or name look like an HTML page.
pub fn looks_like_html(bytes: &[u8], file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    if [
        ".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
    {
        return true;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    ["<!doctype html", "<html", "<body", "<head>", "<meta "]
        .iter()
        .any(|m| head.contains(m))
}

/// The charset an HTML page declares in its first bytes (`<meta charset=…>`).
pub fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(2048)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let rest = head[at..].trim_start_matches(['"', '\'', ' ']);
    let label: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!label.is_empty()).then_some(label)
}

/// Converts decoded HTML to text: one line per block, cells tab-separated, lines trimmed,
/// runs of blank lines collapsed to one.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut tables: Vec<CellTable> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // An unterminated tag: drop the rest.
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if !closing && SKIP.contains(&name.as_str()) && !tag.ends_with('/') {
            rest = skip_element(rest, &name);
            if name == "head" {
                out.push('\n');
            }
            continue;
        }
        match (name.as_str(), tables.last_mut()) {
            ("td" | "th", Some(t)) => {
                // An open cell ends where the next starts (`</td>` may be omitted).
                let was_open = t.close_cell(&mut out);
                if closing && !was_open {
                    out.push('\t');
                }
                if !closing {
                    t.open_cell(out.len());
                }
            }
            ("td" | "th", None) if closing => out.push('\t'),
            ("tr", Some(t)) => {
                t.close_cell(&mut out);
                t.end_row();
                out.push('\n');
            }
            ("table", _) if !closing => {
                if let Some(t) = tables.last_mut() {
                    t.mark_nested();
                }
                tables.push(CellTable::default());
                out.push('\n');
            }
            ("table", Some(_)) => {
                if let Some(t) = tables.pop() {
                    t.finish(&mut out);
                }
                out.push('\n');
            }
            (n, _) if BLOCK.contains(&n) => out.push('\n'),
            _ => {}
        }
    }
    push_text(&mut out, rest);
    while let Some(t) = tables.pop() {
        t.finish(&mut out);
    }
    tidy_lines(&out)
}

/// Skips past `</name>` (case-insensitive); the rest of the page if it is missing.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let close = format!("</{name}");
    let lower = rest.to_ascii_lowercase();
    match lower.find(&close) {
        Some(i) => {
            let after = &rest[i..];
            after.find('>').map_or("", |g| &after[g + 1..])
        }
        None => "",
    }
}

/// Appends a text node: entities decoded, source whitespace collapsed to one space.
fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let decoded = html_escape::decode_html_entities(raw);
    let mut last_space = out.ends_with([' ', '\n', '\t']);
    for c in decoded.chars() {
        let c = if c == '\u{a0}' { ' ' } else { c };
        if c.is_whitespace() && c != '\u{3000}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_matches(|c: char| c == ' ' || c == '\t');
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_scripts_and_entities() {
        let html = "<html><head><title>t</title><script>var a='<p>';</script></head>\
            <body><div class=nav>首页 &gt; 政策</div><p>1.&nbsp;编制规划&ldquo;十四五&rdquo;</p>\
            <!-- c --><table><tr><td>1</td><td>任务</td></tr></table></body></html>";
        let text = html_to_text(html);
        assert_eq!(text, "首页 > 政策\n\n1. 编制规划“十四五”\n\n1\t任务");
    }

    #[test]
    fn charset_and_detection() {
        let b =
            b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">";
        assert_eq!(declared_charset(b).as_deref(), Some("gb2312"));
        assert!(looks_like_html(b, "x.bin"));
        assert!(looks_like_html(b"plain", "a.HTM"));
        assert!(!looks_like_html("一、总体要求".as_bytes(), "a.txt"));
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for s in [
            "<",
            "<p",
            "<!--",
            "</>",
            "<script>",
            "a<b>c</b",
            "<<>>",
            "&#xffffff;&",
        ] {
            let _ = html_to_text(s);
        }
    }
}
