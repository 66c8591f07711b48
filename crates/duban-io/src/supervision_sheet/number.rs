//! Numbers typed as text: accept what is unambiguous, refuse the rest with a reason.

use super::MAX_ABS_VALUE;

/// Why a text is not accepted as a number. `Display` gives the Chinese reason that follows
/// the quoted cell text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("不是数字")]
    NotANumber,
    #[error("中的逗号含义不明确（千位分隔符须每三位一组）")]
    AmbiguousComma,
    #[error("的单位“{found}”与目标单位“{expected}”不一致，请只填数字")]
    WrongUnit { found: String, expected: String },
    #[error("带有单位“{found}”，但该目标没有单位，请只填数字")]
    UnexpectedUnit { found: String },
    #[error("超出可接受范围（绝对值不超过10的15次方）")]
    OutOfRange,
}

/// Folds full-width forms to ASCII and the various minus signs to `-`.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            '\u{2212}' | '\u{2013}' | '\u{FE63}' => '-',
            _ => c,
        })
        .collect()
}

/// Parses the text of a value cell. `unit` is the target's unit: a trailing unit equal to it
/// (full-width folded, spaces ignored) is accepted. Returns `Ok(None)` for an empty text.
pub fn parse_number(text: &str, unit: Option<&str>) -> Result<Option<f64>, NumberError> {
    let folded = fold(text);
    let s = folded.trim();
    if s.is_empty() {
        return Ok(None);
    }
    // Split into the numeric head and the rest.
    let head_len = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | ',')))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (head, tail) = s.split_at(head_len);
    let tail = tail.trim();
    if head.is_empty() || !head.chars().any(|c| c.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    if !tail.is_empty() {
        let unit = unit.map(|u| fold(u).trim().to_string()).unwrap_or_default();
        if unit.is_empty() {
            return Err(if looks_like_unit(tail) {
                NumberError::UnexpectedUnit {
                    found: tail.to_string(),
                }
            } else {
                NumberError::NotANumber
            });
        }
        if tail != unit {
            return Err(if looks_like_unit(tail) {
                NumberError::WrongUnit {
                    found: tail.to_string(),
                    expected: unit,
                }
            } else {
                NumberError::NotANumber
            });
        }
    }
    let v = parse_plain(head)?;
    if !v.is_finite() || v.abs() > MAX_ABS_VALUE {
        return Err(NumberError::OutOfRange);
    }
    Ok(Some(v))
}

/// A suffix that reads as a unit (CJK or `%` or letters), not as a qualifier like 左右/以上.
fn looks_like_unit(tail: &str) -> bool {
    const QUALIFIERS: [&str; 8] = ["左右", "以上", "以下", "以内", "多", "余", "+", "-"];
    !QUALIFIERS.iter().any(|q| tail.contains(q))
        && tail.chars().count() <= 6
        && tail
            .chars()
            .all(|c| c == '%' || c == '‰' || c.is_alphabetic() || c == '/' || c == '²' || c == '³')
}

/// `[+-]digits[.digits]` with optional thousands separators in groups of three.
fn parse_plain(s: &str) -> Result<f64, NumberError> {
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(if f.contains(',') {
            NumberError::AmbiguousComma
        } else {
            NumberError::NotANumber
        });
    }
    let digits: String = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok || !int.bytes().all(|b| b.is_ascii_digit() || b == b',') {
            return Err(NumberError::AmbiguousComma);
        }
        groups.concat()
    } else {
        int.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.is_empty() && frac.is_none()) {
        return Err(NumberError::NotANumber);
    }
    let mut text = String::with_capacity(s.len() + 2);
    if neg {
        text.push('-');
    }
    text.push_str(if digits.is_empty() { "0" } else { &digits });
    if let Some(f) = frac {
        text.push('.');
        text.push_str(f);
    }
    text.parse::<f64>().map_err(|_| NumberError::NotANumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str, unit: Option<&str>) -> f64 {
        parse_number(s, unit).unwrap().unwrap()
    }

    #[test]
    fn accepts_unambiguous_forms() {
        assert_eq!(ok("350", None), 350.0);
        assert_eq!(ok(" 350 ", None), 350.0);
        assert_eq!(ok("３５０", None), 350.0);
        assert_eq!(ok("１，２３４．５", None), 1234.5);
        assert_eq!(ok("1,234,567", None), 1_234_567.0);
        assert_eq!(ok("-3.5", None), -3.5);
        assert_eq!(ok("−3.5", None), -3.5);
        assert_eq!(ok("+2", None), 2.0);
        assert_eq!(ok(".5", None), 0.5);
        assert_eq!(ok("350家", Some("家")), 350.0);
        assert_eq!(ok("350 家", Some("家")), 350.0);
        assert_eq!(ok("12.5%", Some("%")), 12.5);
        assert_eq!(ok("12.5％", Some("%")), 12.5);
        assert_eq!(ok("3.5亿元", Some("亿元")), 3.5);
        assert_eq!(ok("0.1", None), 0.1);
        assert_eq!(parse_number("", None), Ok(None));
        assert_eq!(parse_number("  \u{3000}", None), Ok(None));
    }

    #[test]
    fn refuses_ambiguous_forms() {
        let err = |s: &str, u: Option<&str>| parse_number(s, u).unwrap_err();
        assert_eq!(err("三百五十", None), NumberError::NotANumber);
        assert_eq!(err("约350", None), NumberError::NotANumber);
        assert_eq!(err("350左右", Some("家")), NumberError::NotANumber);
        assert_eq!(err("350以上", Some("家")), NumberError::NotANumber);
        assert_eq!(err("1,5", None), NumberError::AmbiguousComma);
        assert_eq!(err("1,2345", None), NumberError::AmbiguousComma);
        assert_eq!(err("1.234,5", None), NumberError::AmbiguousComma);
        assert_eq!(
            err("3.5万", Some("家")),
            NumberError::WrongUnit {
                found: "万".into(),
                expected: "家".into()
            }
        );
        assert_eq!(
            err("12%", None),
            NumberError::UnexpectedUnit { found: "%".into() }
        );
        assert_eq!(err("1e5", None), NumberError::NotANumber);
        assert_eq!(err("--3", None), NumberError::NotANumber);
        assert_eq!(err("3.", None), NumberError::NotANumber);
        assert_eq!(err("1.2.3", None), NumberError::NotANumber);
        assert_eq!(err("-", None), NumberError::NotANumber);
        assert_eq!(err("—", None), NumberError::NotANumber);
        assert_eq!(err("2020-06-30", None), NumberError::NotANumber);
        assert_eq!(err("1".repeat(20).as_str(), None), NumberError::OutOfRange);
    }

    #[test]
    fn messages_read_well() {
        let e = parse_number("3.5万", Some("家")).unwrap_err();
        assert_eq!(
            format!("“3.5万” {e}"),
            "“3.5万” 的单位“万”与目标单位“家”不一致，请只填数字"
        );
    }
}
