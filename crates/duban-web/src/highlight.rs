//! Target phrases highlighted in their clause: text escaped for HTML with `<mark>` around
//! each span (spans are `char` offsets, as in `duban_core::Span`).

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One phrase to mark: `[start, end)` in chars, and the target id it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub id: i64,
}

/// `text` as HTML with every (valid, non-overlapping) mark wrapped in
/// `<mark class="target" id="t{id}">`. Overlapping or out-of-range marks are skipped.
pub fn highlight(text: &str, marks: &[Mark]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut marks: Vec<Mark> = marks
        .iter()
        .copied()
        .filter(|m| m.start < m.end && m.end <= chars.len())
        .collect();
    marks.sort_by_key(|m| (m.start, m.end));
    let mut out = String::with_capacity(text.len() * 2);
    let mut pos = 0;
    for m in marks {
        if m.start < pos {
            continue;
        }
        out.push_str(&escape(&chars[pos..m.start].iter().collect::<String>()));
        out.push_str(&format!("<mark class=\"target\" id=\"t{}\">", m.id));
        out.push_str(&escape(&chars[m.start..m.end].iter().collect::<String>()));
        out.push_str("</mark>");
        pos = m.end;
    }
    out.push_str(&escape(&chars[pos..].iter().collect::<String>()));
    out
}

/// Marks for a clause: a span is used when it lies inside the clause (offset by the
/// clause's position in the plan text); otherwise the phrase is searched in the clause.
pub fn clause_marks(
    clause: &str,
    clause_start: Option<usize>,
    targets: &[(i64, &str, usize, usize)],
) -> Vec<Mark> {
    let len = clause.chars().count();
    let mut out = Vec::new();
    for &(id, phrase, start, end) in targets {
        if let Some(cs) = clause_start
            && start >= cs
            && end <= cs + len
            && start < end
        {
            out.push(Mark {
                start: start - cs,
                end: end - cs,
                id,
            });
            continue;
        }
        if !phrase.is_empty()
            && let Some(b) = clause.find(phrase)
        {
            let s = clause[..b].chars().count();
            out.push(Mark {
                start: s,
                end: s + phrase.chars().count(),
                id,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_escapes() {
        let html = highlight(
            "再建350个<中心>",
            &[Mark {
                start: 2,
                end: 6,
                id: 9,
            }],
        );
        assert_eq!(
            html,
            "再建<mark class=\"target\" id=\"t9\">350个</mark>&lt;中心&gt;"
        );
    }

    #[test]
    fn bad_marks_are_skipped() {
        let html = highlight(
            "abcdef",
            &[
                Mark {
                    start: 0,
                    end: 2,
                    id: 1,
                },
                Mark {
                    start: 1,
                    end: 3,
                    id: 2,
                },
                Mark {
                    start: 4,
                    end: 99,
                    id: 3,
                },
            ],
        );
        assert_eq!(html, "<mark class=\"target\" id=\"t1\">ab</mark>cdef");
    }

    #[test]
    fn clause_marks_use_span_or_phrase() {
        let clause = "建设350个中心";
        let m = clause_marks(clause, Some(10), &[(1, "350个", 12, 16), (2, "中心", 0, 0)]);
        assert_eq!(
            m[0],
            Mark {
                start: 2,
                end: 6,
                id: 1
            }
        );
        assert_eq!(
            m[1],
            Mark {
                start: 6,
                end: 8,
                id: 2
            }
        );
    }
}
