//! A task's completion time (完成时限): the cell of a table's 完成时限 column, else the
//! latest deadline phrase written in the task's text (6月底前, 2022年10月底前, 9月30日前,
//! 年底前). The date it stands for is the core's (`duban_core::deadline::due_date`).

use crate::text::View;

/// The latest deadline phrase in `[start, end)` of the view (as written), given the plan's
/// year to order phrases; `None` when the text names none.
pub fn in_text(view: &View, start: usize, end: usize, year: Option<i32>) -> Option<String> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut k = start;
    while k < end {
        match phrase_at(view, k, end) {
            Some(e) => {
                found.push((k, e));
                k = e;
            }
            None => k += 1,
        }
    }
    found
        .into_iter()
        .map(|(s, e)| view.orig(s, e))
        .enumerate()
        // The latest date; of equal dates (or none known), the last written.
        .max_by_key(|(i, p)| (duban_core::deadline::due_date(p, year), *i))
        .map(|(_, p)| p)
}

/// The end of a deadline phrase starting at `k` (not inside a longer number):
/// `[YYYY年]M月(底|末|D日)前?`, `[YYYY年]年底前?`, `YYYY年底`, `年内`.
fn phrase_at(view: &View, k: usize, end: usize) -> Option<usize> {
    if k > 0 && view.at(k - 1).is_ascii_digit() {
        return None;
    }
    let digits = |from: usize| {
        (from..end)
            .take_while(|&j| view.at(j).is_ascii_digit())
            .count()
    };
    let mut j = k;
    let year_digits = digits(j);
    if year_digits == 4 && view.at(j + 4) == '年' {
        j += 5;
        if view.starts_with(j, "底") || view.starts_with(j, "年底") {
            j += if view.at(j) == '底' { 1 } else { 2 };
            return Some(j + usize::from(view.at(j) == '前'));
        }
    } else if view.starts_with(j, "年底前") {
        return Some(j + 3);
    } else if view.starts_with(j, "年内")
        && (k == 0 || !crate::text::is_han(view.at(k - 1)) || view.at(k - 1) == '在')
    {
        return Some(j + 2);
    }
    let month = digits(j);
    if !(1..=2).contains(&month) || view.at(j + month) != '月' {
        return None;
    }
    j += month + 1;
    let day = digits(j);
    if (1..=2).contains(&day) && matches!(view.at(j + day), '日' | '号') {
        j += day + 1;
        return (view.at(j) == '前').then_some(j + 1);
    }
    if matches!(view.at(j), '底' | '末') {
        j += 1;
        return Some(j + usize::from(view.at(j) == '前'));
    }
    (view.at(j) == '前').then_some(j + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest(text: &str, year: Option<i32>) -> Option<String> {
        let view = View::new(text);
        in_text(&view, 0, view.len(), year)
    }

    #[test]
    fn the_latest_phrase_is_the_tasks_deadline() {
        assert_eq!(
            latest("6月底前出台实施方案。", Some(2022)).as_deref(),
            Some("6月底前")
        );
        assert_eq!(
            latest("2022年10月底前编制方案，12月底前完成建设。", Some(2022)).as_deref(),
            Some("12月底前")
        );
        assert_eq!(
            latest("2023年底前建成，6月底前启动。", Some(2022)).as_deref(),
            Some("2023年底前")
        );
        assert_eq!(
            latest("9月30日前报送。", Some(2022)).as_deref(),
            Some("9月30日前")
        );
        assert_eq!(latest("年底前全部完成。", None).as_deref(), Some("年底前"));
    }

    #[test]
    fn dates_that_are_not_deadlines_are_not_taken() {
        assert_eq!(latest("6月召开推进会，增长6%。", Some(2022)), None);
        assert_eq!(latest("2020年实现增长。", Some(2022)), None);
        assert_eq!(latest("于12月16日召开。", Some(2022)), None);
        assert_eq!(latest("116月底前", Some(2022)), None);
    }
}
