//! Deliver (督办) storage: the office's working-day calendar, reporting periods, reports
//! with their values, submitted versions, workflow events and evidence files, and the
//! assembly of the status method's inputs from them.
//!
//! Every rule comes from `duban-core`: periods from `period::periods`, the workflow from
//! `report::transition`, lights from `plan_status::plan_status`. This module only stores
//! and loads. All report writes go through [`report`]'s transaction helpers and end in
//! `report::record_event`, the one place where a report change is recorded (and where the
//! audit log append belongs).

pub mod calendar;
pub mod evidence;
pub mod period;
pub mod report;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use duban_core::report::ReportError;

use crate::StoreError;

/// Errors of the deliver workflow: storage, or a workflow rule refusing the action.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Workflow(#[from] ReportError),
}

impl From<sqlx::Error> for DeliverError {
    fn from(e: sqlx::Error) -> Self {
        DeliverError::Store(e.into())
    }
}

pub type DeliverResult<T> = std::result::Result<T, DeliverError>;

/// The office's time zone (China Standard Time, UTC+8, no DST): a report submitted at
/// 00:30 Beijing time on the due day's next day is late, whatever the server's zone.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    t.with_timezone(&cst).date_naive()
}

/// The China date of a stored timestamp (`None` when absent or unreadable).
pub fn stored_china_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| crate::parse_time(s).ok()).map(china_date)
}

pub(crate) fn parse_date(s: &str) -> crate::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
}

/// An optional date column (`YYYY-MM-DD` text on both engines).
pub(crate) fn opt_date(r: &sqlx::any::AnyRow, column: &str) -> crate::Result<Option<NaiveDate>> {
    use sqlx::Row;
    r.try_get::<Option<String>, _>(column)?
        .as_deref()
        .map(parse_date)
        .transpose()
}

pub(crate) fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_taken_in_china_time() {
        let t = crate::parse_time("2020-04-08T16:30:00Z").unwrap();
        assert_eq!(china_date(t), NaiveDate::from_ymd_opt(2020, 4, 9).unwrap());
        let t = crate::parse_time("2020-04-08T15:59:59Z").unwrap();
        assert_eq!(china_date(t), NaiveDate::from_ymd_opt(2020, 4, 8).unwrap());
    }
}
