//! Targets as stored: the typed fields of `duban_core::Target` plus what the office sets
//! (baseline, deadline, expected-progress curve with milestones).

use chrono::NaiveDate;
use duban_core::curve::{CurveChoice, Milestone};
use duban_core::{Commitment, Comparator, Span, Target};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::column::parse_column;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub plan_id: i64,
    /// `None` for a plan-level (headline) target.
    pub task_id: Option<i64>,
    pub position: i64,
    pub target: Target,
    pub baseline: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub curve: CurveChoice,
    pub milestones: Vec<Milestone>,
}

pub(crate) fn target_from_row(r: &AnyRow) -> Result<TargetRow> {
    let commitment: Option<String> = r.try_get("commitment")?;
    let milestones: String = r.try_get("milestones")?;
    Ok(TargetRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        task_id: r.try_get("task_id")?,
        position: r.try_get("position")?,
        target: Target {
            phrase: r.try_get("phrase")?,
            span: Span {
                start: r.try_get::<i64, _>("span_start")?.max(0) as usize,
                end: r.try_get::<i64, _>("span_end")?.max(0) as usize,
            },
            metric: r.try_get("metric")?,
            comparator: parse_column(r, "comparator", "comparator", Comparator::parse)?,
            value: r.try_get("value")?,
            low: r.try_get("low")?,
            high: r.try_get("high")?,
            unit: r.try_get("unit")?,
            normalized: r.try_get("normalized")?,
            commitment: match commitment.as_deref() {
                None => None,
                Some("firm") => Some(Commitment::Firm),
                Some("stretch") => Some(Commitment::Stretch),
                Some(other) => return Err(StoreError::Corrupt(format!("commitment {other:?}"))),
            },
        },
        baseline: r.try_get("baseline")?,
        deadline: crate::deliver::opt_date(r, "deadline")?,
        curve: parse_column(r, "curve", "curve", CurveChoice::parse)?,
        milestones: serde_json::from_str(&milestones)
            .map_err(|e| StoreError::Corrupt(format!("milestones: {e}")))?,
    })
}

pub(crate) fn commitment_str(c: Option<Commitment>) -> Option<&'static str> {
    c.map(|c| match c {
        Commitment::Firm => "firm",
        Commitment::Stretch => "stretch",
    })
}
