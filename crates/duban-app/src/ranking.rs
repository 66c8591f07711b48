//! Unit rankings (部门排名) and the due/overdue lists of a plan's duties at an as-of date:
//! punctuality counts each duty's **first** submission against its due date; quality counts
//! the submitted reports returned at least once. Pure functions of the duties
//! (`duban_store::deliver::report::ReportDuty`) and the date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duban_store::deliver::report::ReportDuty;

/// Whether a duty's report was submitted by `as_of`.
pub fn submitted_by(d: &ReportDuty, as_of: NaiveDate) -> bool {
    d.first_submitted.is_some_and(|s| s <= as_of)
}

/// Duties due within `days` calendar days after `as_of` and not yet submitted (待报), and
/// those past due and still unsubmitted at `as_of` (逾期).
pub fn due_lists(
    duties: &[ReportDuty],
    as_of: NaiveDate,
    days: i64,
) -> (Vec<&ReportDuty>, Vec<&ReportDuty>) {
    let horizon = as_of + chrono::Duration::days(days);
    let mut due: Vec<&ReportDuty> = duties
        .iter()
        .filter(|d| !submitted_by(d, as_of) && d.due >= as_of && d.due <= horizon)
        .collect();
    due.sort_by_key(|d| (d.due, d.task_number));
    let mut overdue: Vec<&ReportDuty> = duties
        .iter()
        .filter(|d| !submitted_by(d, as_of) && d.due < as_of)
        .collect();
    overdue.sort_by_key(|d| (d.due, d.task_number));
    (due, overdue)
}

/// Punctuality and quality per unit at `as_of` (部门排名): of the reports due by then, how
/// many came in on time (first submission on or before the due date), and of those
/// submitted, how many were returned at least once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitRank {
    pub unit_code: String,
    pub unit_name: String,
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub submitted: usize,
    pub returned: usize,
    pub on_time_pct: Option<f64>,
    pub returned_pct: Option<f64>,
}

pub fn unit_ranking(duties: &[ReportDuty], as_of: NaiveDate) -> Vec<UnitRank> {
    let mut by_unit: BTreeMap<String, UnitRank> = BTreeMap::new();
    for d in duties
        .iter()
        .filter(|d| d.due < as_of || submitted_by(d, as_of))
    {
        let u = by_unit
            .entry(d.unit_code.clone())
            .or_insert_with(|| UnitRank {
                unit_code: d.unit_code.clone(),
                unit_name: d.unit_name.clone(),
                due: 0,
                on_time: 0,
                late: 0,
                missing: 0,
                submitted: 0,
                returned: 0,
                on_time_pct: None,
                returned_pct: None,
            });
        u.due += 1;
        match d.first_submitted.filter(|s| *s <= as_of) {
            Some(s) if s <= d.due => u.on_time += 1,
            Some(_) => u.late += 1,
            None => u.missing += 1,
        }
        if submitted_by(d, as_of) {
            u.submitted += 1;
            if d.returned_times > 0 {
                u.returned += 1;
            }
        }
    }
    let mut out: Vec<UnitRank> = by_unit
        .into_values()
        .map(|mut u| {
            u.on_time_pct =
                (u.due > 0).then(|| (u.on_time as f64 * 1000.0 / u.due as f64).round() / 10.0);
            u.returned_pct = (u.submitted > 0)
                .then(|| (u.returned as f64 * 1000.0 / u.submitted as f64).round() / 10.0);
            u
        })
        .collect();
    out.sort_by(|a, b| {
        b.on_time_pct
            .unwrap_or(-1.0)
            .total_cmp(&a.on_time_pct.unwrap_or(-1.0))
            .then(
                a.returned_pct
                    .unwrap_or(0.0)
                    .total_cmp(&b.returned_pct.unwrap_or(0.0)),
            )
            .then(a.unit_code.cmp(&b.unit_code))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d, duty};

    #[test]
    fn punctuality_then_returns_then_code() {
        let as_of = d(7, 20);
        let duties = vec![
            // a: two due, one on time, one late and returned.
            duty("a", d(7, 10), Some(d(7, 9)), 0),
            duty("a", d(7, 15), Some(d(7, 16)), 1),
            // b: one due, on time.
            duty("b", d(7, 10), Some(d(7, 10)), 0),
            // c: one due, missing; one not yet due and not submitted (not counted).
            duty("c", d(7, 10), None, 0),
            duty("c", d(8, 10), None, 0),
            // d: submitted after as_of counts as missing at as_of.
            duty("d", d(7, 10), Some(d(7, 25)), 0),
        ];
        let r = unit_ranking(&duties, as_of);
        let codes: Vec<&str> = r.iter().map(|u| u.unit_code.as_str()).collect();
        assert_eq!(codes, vec!["b", "a", "c", "d"]);
        let a = &r[1];
        assert_eq!((a.due, a.on_time, a.late, a.missing), (2, 1, 1, 0));
        assert_eq!((a.on_time_pct, a.returned_pct), (Some(50.0), Some(50.0)));
        assert_eq!((r[2].missing, r[2].due, r[2].returned_pct), (1, 1, None));
    }

    #[test]
    fn due_and_overdue_lists() {
        let as_of = d(7, 20);
        let duties = vec![
            duty("a", d(7, 25), None, 0),
            duty("a", d(9, 1), None, 0),
            duty("b", d(7, 10), None, 0),
            duty("c", d(7, 10), Some(d(7, 1)), 0),
        ];
        let (due, overdue) = due_lists(&duties, as_of, 7);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].due, d(7, 25));
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0].unit_code, "b");
    }
}
