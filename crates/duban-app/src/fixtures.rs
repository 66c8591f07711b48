//! Rows for the unit tests of the use-cases (test builds only).

use chrono::NaiveDate;
use duban_core::report::ReportState;
use duban_store::deliver::report::{ReportDuty, ReportRow, ReportValue};

pub fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

/// A report of unit `unit` (id `unit_id`) for the period ending `end`, with one value.
pub fn report(
    id: i64,
    unit_id: i64,
    unit: &str,
    state: ReportState,
    end: NaiveDate,
    value: Option<(i64, Option<f64>, NaiveDate)>,
) -> ReportRow {
    ReportRow {
        id,
        plan_id: 1,
        task_id: 10,
        task_number: 3,
        task_title: "任务".into(),
        period_id: 100,
        period_key: format!("2020-{}", end.format("%m")),
        period_label: "2020年第二季度".into(),
        period_end: end,
        due: end,
        unit_id,
        unit_code: unit.into(),
        unit_name: format!("{unit}名"),
        state,
        progress: "进展".into(),
        problems: String::new(),
        next_steps: String::new(),
        milestone: None,
        milestone_share: None,
        version: 1,
        first_submitted_at: None,
        submitted_at: None,
        submitted_by: None,
        reviewed_at: Some("2020-07-10T02:00:00Z".into()),
        reviewed_by: None,
        review_comment: None,
        demo: false,
        created_at: "2020-07-01T00:00:00Z".into(),
        updated_at: "2020-07-01T00:00:00Z".into(),
        values: value
            .map(|(target_id, value, as_of)| {
                vec![ReportValue {
                    target_id,
                    value,
                    as_of,
                }]
            })
            .unwrap_or_default(),
    }
}

/// A duty of `unit` due on `due`, first submitted on `submitted`, returned `returned` times.
pub fn duty(unit: &str, due: NaiveDate, submitted: Option<NaiveDate>, returned: i64) -> ReportDuty {
    ReportDuty {
        task_id: 10,
        task_number: 3,
        task_title: "任务".into(),
        unit_id: 1,
        unit_code: unit.into(),
        unit_name: format!("{unit}名"),
        lead_rank: 0,
        period_id: 100,
        period_key: due.to_string(),
        period_label: due.to_string(),
        period_end: due,
        due,
        report_id: None,
        state: None,
        first_submitted: submitted,
        accepted_on: None,
        returned_times: returned,
        demo: false,
    }
}
