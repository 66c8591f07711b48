//! Data sets from reports (use-case): for an evaluation, each unit's latest accepted value
//! of a target (`crate::status::accepted_values`, the one rule of which values count).

use chrono::NaiveDate;
use duban_store::Store;
use duban_store::evaluation::ReportedTarget;

use crate::Result;
use crate::status::{accepted_values, latest_by_unit};

/// One unit's latest accepted value of a target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnitValue {
    pub target_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub value: f64,
    pub as_of: NaiveDate,
    pub period_key: String,
}

/// For one target, each unit's value in its latest accepted report (latest period end,
/// then latest `as_of`), by unit code.
pub async fn unit_values(store: &Store, t: &ReportedTarget) -> Result<Vec<UnitValue>> {
    let reports = store.plan_reports(t.plan_id).await?;
    Ok(latest_by_unit(accepted_values(&reports, t.target_id))
        .into_iter()
        .map(|v| UnitValue {
            target_id: t.target_id,
            unit_code: v.report.unit_code.clone(),
            unit_name: v.report.unit_name.clone(),
            value: v.value,
            as_of: v.as_of,
            period_key: v.report.period_key.clone(),
        })
        .collect())
}
