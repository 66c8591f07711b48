//! Numbers typed as text, and unit multipliers: the one rule used by the report form, the
//! API, the 督办表 reader, the workspace editor and the document parser.
//!
//! Accept what is unambiguous, refuse the rest with a reason: full-width digits (`１２３`),
//! thousands separators only in groups of three (`1,234,567`, `1,234.5`; `1,5` is refused),
//! a leading sign, no exponent, no words (`约350`, `350左右`).

/// Largest absolute value accepted (beyond it f64 stops holding integers exactly).
pub const MAX_ABS_VALUE: f64 = 1e15;

/// Multipliers written before a unit (万个, 亿元, 千万元), longest first so that a lookup
/// taking the first match is a longest match (千万 is 1e7, not 千 then 万). 千 alone is not a
/// multiplier: 千瓦, 千米 and 千克 are units of their own.
pub const MULTIPLIERS: &[(&str, f64)] = &[
    ("万亿", 1e12),
    ("千亿", 1e11),
    ("百亿", 1e10),
    ("千万", 1e7),
    ("百万", 1e6),
    ("亿", 1e8),
    ("万", 1e4),
];

/// The multiplier a unit starts with (`千万元` → 1e7, `亿元` → 1e8, `家` → 1), and the rest of
/// the unit after it.
pub fn split_multiplier(unit: &str) -> (f64, &str) {
    let unit = unit.trim();
    MULTIPLIERS
        .iter()
        .find_map(|(m, f)| unit.strip_prefix(m).map(|rest| (*f, rest)))
        .unwrap_or((1.0, unit))
}

/// The multiplier of a target's unit (`None` or a unit without one → 1).
pub fn unit_multiplier(unit: Option<&str>) -> f64 {
    unit.map_or(1.0, |u| split_multiplier(u).0)
}

/// Why a text is not accepted as a number. `Display` gives the Chinese reason that follows
/// the quoted text; [`NumberError::about`] gives the whole message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("不是数字")]
    NotANumber,
    #[error("中的逗号含义不明确（千位分隔符须每三位一组；小数请用小数点，如 1.5）")]
    AmbiguousComma,
    #[error("的单位“{found}”与目标单位“{expected}”不一致，请只填数字")]
    WrongUnit { found: String, expected: String },
    #[error("带有单位“{found}”，但该目标没有单位，请只填数字")]
    UnexpectedUnit { found: String },
    #[error("超出可接受范围（绝对值不超过10的15次方）")]
    OutOfRange,
    #[error("是科学计数法，请写出完整的数字（如 150000）")]
    Exponent,
}

impl NumberError {
    /// The one message for a refused text: `“1,5” 中的逗号含义不明确（千位分隔符须每三位一组；小数请用小数点，如 1.5）`.
    /// The text is trimmed and cut at 30 characters.
    pub fn about(&self, text: &str) -> String {
        let t: String = text.trim().chars().take(30).collect();
        format!("“{t}” {self}")
    }
}

/// Folds full-width forms to ASCII, the ideographic and no-break spaces to a space and the
/// various minus signs to `-` (what a Chinese input method types for the ASCII characters).
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            '\u{2212}' | '\u{2013}' | '\u{FE63}' => '-',
            _ => c,
        })
        .collect()
}

/// Parses a number typed as text. `unit` is the target's unit: a trailing unit equal to it
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
    if is_exponent(tail) {
        return Err(NumberError::Exponent);
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

/// `e5`, `E+08`, `e-3`: what a spreadsheet shows for a large or small number.
fn is_exponent(tail: &str) -> bool {
    let Some(rest) = tail.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
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
        assert_eq!(err("1e5", None), NumberError::Exponent);
        assert_eq!(err("1e308", Some("家")), NumberError::Exponent);
        assert_eq!(err("2.5E+08", None), NumberError::Exponent);
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

#[cfg(test)]
mod multiplier_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn longest_multiplier_wins() {
        assert_eq!(unit_multiplier(Some("千万元")), 1e7);
        assert_eq!(unit_multiplier(Some("百亿元")), 1e10);
        assert_eq!(unit_multiplier(Some("万亿元")), 1e12);
        assert_eq!(unit_multiplier(Some("亿元")), 1e8);
        assert_eq!(unit_multiplier(Some("万个")), 1e4);
        assert_eq!(unit_multiplier(Some("千瓦")), 1.0);
        assert_eq!(unit_multiplier(Some("家")), 1.0);
        assert_eq!(unit_multiplier(None), 1.0);
        assert_eq!(split_multiplier("千万元"), (1e7, "元"));
        // Longest first: no entry is a prefix of an entry after it.
        for (i, (a, _)) in MULTIPLIERS.iter().enumerate() {
            for (b, _) in &MULTIPLIERS[i + 1..] {
                assert!(!b.starts_with(a), "{a} listed before {b}");
            }
        }
    }

    #[test]
    fn one_message_for_a_bad_comma() {
        let e = parse_number("1,5", None).unwrap_err();
        assert_eq!(
            e.about(" 1,5 "),
            "“1,5” 中的逗号含义不明确（千位分隔符须每三位一组；小数请用小数点，如 1.5）"
        );
    }

    /// `n` written with thousands separators.
    fn grouped(n: u64) -> String {
        let d = n.to_string();
        let mut out = String::new();
        for (i, c) in d.chars().enumerate() {
            if i > 0 && (d.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                c => c,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_in_range(s in "\\PC{0,40}") {
            if let Ok(Some(v)) = parse_number(&s, None) {
                prop_assert!(v.is_finite() && v.abs() <= MAX_ABS_VALUE);
            }
        }

        #[test]
        fn grouped_and_full_width_integers_read_back(n in 0u64..999_999_999_999_999, neg: bool) {
            let sign = if neg { "-" } else { "" };
            let want = if neg { -(n as f64) } else { n as f64 };
            for text in [format!("{sign}{n}"), format!("{sign}{}", grouped(n))] {
                prop_assert_eq!(parse_number(&text, None), Ok(Some(want)));
                prop_assert_eq!(parse_number(&full_width(&text), None), Ok(Some(want)));
            }
        }

        #[test]
        fn decimals_read_back(n in 0u64..999_999_999, frac in 0u32..1000) {
            let text = format!("{}.{frac:03}", grouped(n));
            let want: f64 = format!("{n}.{frac:03}").parse().unwrap();
            prop_assert_eq!(parse_number(&text, None), Ok(Some(want)));
        }

        #[test]
        fn bad_groupings_are_refused(head in 1u64..1000, group in "[0-9]{1,2}|[0-9]{4,6}") {
            let text = format!("{head},{group}");
            prop_assert_eq!(parse_number(&text, None), Err(NumberError::AmbiguousComma));
        }

        #[test]
        fn a_unit_multiplier_is_a_table_entry(unit in "\\PC{0,6}") {
            let (f, rest) = split_multiplier(&unit);
            prop_assert!(f == 1.0 || MULTIPLIERS.iter().any(|(m, g)| *g == f && unit.trim().strip_prefix(m) == Some(rest)));
        }
    }
}
