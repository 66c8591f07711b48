//! A task's completion time as plans write it (6月底前, 2022年10月底前, 年底前, 上半年,
//! 三季度末, 9月30日前) and the date it stands for in the plan's year: the last day of the
//! month, quarter, half or year it names. Phrases that name no time (持续推进, 长期坚持)
//! have none.

use chrono::{Datelike, NaiveDate};

use crate::period::last_day;

/// The date a completion phrase names, in `year` unless it states its own year; `None` when
/// it names no date or no year is known.
pub fn due_date(phrase: &str, year: Option<i32>) -> Option<NaiveDate> {
    let text: String = phrase.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(d) = numeric_date(&text) {
        return Some(d);
    }
    // A span (2023.01-2023.12, 2023年1月—12月, 2023年至2024年): due at its end, in the
    // year its start states when the end states none. Each end is read once, without
    // looking for spans again, so a line of separators stays linear.
    for (at, sep) in text.char_indices().rev() {
        if at > 0 && matches!(sep, '-' | '—' | '–' | '－' | '~' | '～' | '至') {
            let end = &text[at + sep.len_utf8()..];
            let start_year = leading_year(&text[..at])
                .0
                .or_else(|| numeric_year(&text[..at]));
            if let Some(d) = numeric_date(end).or_else(|| single_date(end, start_year.or(year))) {
                return Some(d);
            }
        }
    }
    single_date(&text, year)
}

/// One date phrase (no span): `6月底前`, `2023年底`, `三季度末`.
fn single_date(text: &str, year: Option<i32>) -> Option<NaiveDate> {
    let (stated_year, rest) = leading_year(text);
    let year = stated_year.or(year)?;
    // A year a date can hold (`last_day` below expects one).
    NaiveDate::from_ymd_opt(year, 1, 1)?;
    let rest = rest.trim_start_matches(['到', '至']);
    if rest.starts_with("年底")
        || rest.starts_with("年末")
        || rest.starts_with("年内")
        || rest.starts_with("底")
    {
        return NaiveDate::from_ymd_opt(year, 12, 31);
    }
    if rest.starts_with("上半年") {
        return NaiveDate::from_ymd_opt(year, 6, 30);
    }
    if rest.starts_with("下半年") {
        return NaiveDate::from_ymd_opt(year, 12, 31);
    }
    let quarter = rest.strip_prefix('第').unwrap_or(rest);
    for (q, month) in [("一季度", 3), ("二季度", 6), ("三季度", 9), ("四季度", 12)] {
        if quarter.starts_with(q) {
            return Some(last_day(year, month));
        }
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let month: u32 = digits.parse().ok().filter(|m| (1..=12).contains(m))?;
    let after = &rest[digits.len()..];
    let after = after.strip_prefix('月')?;
    let day_digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    if !day_digits.is_empty() && after[day_digits.len()..].starts_with(['日', '号']) {
        let day: u32 = day_digits.parse().ok()?;
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    if after.starts_with("上旬") {
        return NaiveDate::from_ymd_opt(year, month, 10);
    }
    if after.starts_with("中旬") {
        return NaiveDate::from_ymd_opt(year, month, 20);
    }
    Some(last_day(year, month))
}

/// A date written in digits: `2023.12`, `2023-12`, `2023/12/31` (the month's last day when
/// no day is given).
fn numeric_date(text: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = text.split(['.', '-', '/']).collect();
    if !(2..=3).contains(&parts.len())
        || parts[0].len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let year: i32 = parts[0]
        .parse()
        .ok()
        .filter(|y| (1949..=2200).contains(y))?;
    let month: u32 = parts[1].parse().ok().filter(|m| (1..=12).contains(m))?;
    match parts.get(2) {
        Some(day) => NaiveDate::from_ymd_opt(year, month, day.parse().ok()?),
        None => Some(last_day(year, month)),
    }
}

/// The year a digits-only date starts with (`2023.01` → 2023).
fn numeric_year(text: &str) -> Option<i32> {
    numeric_date(text).map(|d| d.year())
}

/// `2022年…` → (2022, the rest); else (None, the text).
fn leading_year(text: &str) -> (Option<i32>, &str) {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() == 4
        && let Some(rest) = text[4..].strip_prefix('年')
        && let Ok(y) = digits.parse::<i32>()
        && (1949..=2200).contains(&y)
    {
        return (Some(y), if rest.is_empty() { "底" } else { rest });
    }
    (None, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn phrases_name_the_last_day_of_their_time() {
        let y = Some(2022);
        assert_eq!(due_date("6月底前", y), d(2022, 6, 30));
        assert_eq!(due_date("2月底", y), d(2022, 2, 28));
        assert_eq!(due_date("2024年2月底前", y), d(2024, 2, 29));
        assert_eq!(due_date("2023年10月底前", y), d(2023, 10, 31));
        assert_eq!(due_date("年底前", y), d(2022, 12, 31));
        assert_eq!(due_date("2023年底", y), d(2023, 12, 31));
        assert_eq!(due_date("2023年", y), d(2023, 12, 31));
        assert_eq!(due_date("上半年", y), d(2022, 6, 30));
        assert_eq!(due_date("三季度末", y), d(2022, 9, 30));
        assert_eq!(due_date("9月30日前", y), d(2022, 9, 30));
        assert_eq!(due_date("11月中旬", y), d(2022, 11, 20));
        assert_eq!(due_date("12月", y), d(2022, 12, 31));
        // Table cells (probe: 建设起止年限).
        assert_eq!(due_date("2023.01-2023.12", y), d(2023, 12, 31));
        assert_eq!(due_date("2023.12", y), d(2023, 12, 31));
        assert_eq!(due_date("2023-06-15", y), d(2023, 6, 15));
        assert_eq!(due_date("2023年1月—6月", y), d(2023, 6, 30));
        assert_eq!(due_date("2023年至2024年", y), d(2024, 12, 31));
        assert_eq!(due_date("3月-9月", y), d(2022, 9, 30));
    }

    #[test]
    fn phrases_without_a_time_or_a_year_have_no_date() {
        assert_eq!(due_date("持续推进", Some(2022)), None);
        assert_eq!(due_date("长期坚持", Some(2022)), None);
        assert_eq!(due_date("6月底前", None), None);
        assert_eq!(due_date("13月底前", Some(2022)), None);
        assert_eq!(due_date("2月30日前", Some(2022)), None);
        assert_eq!(due_date("", Some(2022)), None);
        assert_eq!(due_date("6月底前", Some(i32::MAX)), None);
    }
}
