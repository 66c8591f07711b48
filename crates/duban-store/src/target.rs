//! Targets as stored: the typed fields of `duban_core::Target` plus what the office sets
//! (baseline, deadline, expected-progress curve with milestones).

use chrono::NaiveDate;
use duban_core::period::parse_iso_date;
use duban_core::{Commitment, Comparator, Span, Target};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

/// The expected-progress curve (序时进度) a target is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// Evenly through the period.
    Linear,
    /// Slow start, most of the work late in the year.
    BackLoaded,
    /// Dated milestones (date → expected percentage).
    Milestones,
}

impl Curve {
    pub const ALL: [Curve; 3] = [Curve::Linear, Curve::BackLoaded, Curve::Milestones];
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::Linear => "linear",
            Curve::BackLoaded => "back_loaded",
            Curve::Milestones => "milestones",
        }
    }
    pub fn parse(s: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Curve::Linear => "均匀推进",
            Curve::BackLoaded => "前缓后快",
            Curve::Milestones => "按节点",
        }
    }
}

/// One dated milestone: by `date` the target should be `percent` % done (stored in the
/// target's `milestones` JSON as `{"date": "2020-06-30", "percent": 50.0}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Milestone {
    pub date: NaiveDate,
    pub percent: f64,
}

/// Parses milestones written as `2020-06-30=50; 2020-12-31=100` (also `，`/`,`/newlines,
/// `:` or `：` for `=`); dates must be valid and increasing, percentages in 0..=100.
pub fn parse_milestones(s: &str) -> std::result::Result<Vec<Milestone>, String> {
    let mut out: Vec<Milestone> = Vec::new();
    for part in s.split([';', '；', ',', '，', '\n']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let (d, p) = part
            .split_once(['=', ':', '：'])
            .ok_or_else(|| format!("节点“{part}”应写成 日期=百分比，如 2020-06-30=50"))?;
        let (d, p) = (d.trim(), p.trim().trim_end_matches('%'));
        let date = parse_iso_date("节点日期", d)?;
        let percent: f64 = p
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && (0.0..=100.0).contains(v))
            .ok_or_else(|| format!("节点百分比“{p}”应为 0–100 的数"))?;
        if let Some(prev) = out.last()
            && prev.date >= date
        {
            return Err(format!("节点日期须递增：{} 之后是 {d}", prev.date));
        }
        out.push(Milestone { date, percent });
    }
    Ok(out)
}

pub fn format_milestones(m: &[Milestone]) -> String {
    m.iter()
        .map(|m| format!("{}={}", m.date, m.percent))
        .collect::<Vec<_>>()
        .join("; ")
}

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
    pub curve: Curve,
    pub milestones: Vec<Milestone>,
}

pub(crate) fn target_from_row(r: &AnyRow) -> Result<TargetRow> {
    let comparator: String = r.try_get("comparator")?;
    let commitment: Option<String> = r.try_get("commitment")?;
    let curve: String = r.try_get("curve")?;
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
            comparator: Comparator::parse(&comparator)
                .ok_or_else(|| StoreError::Corrupt(format!("comparator {comparator:?}")))?,
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
        curve: Curve::parse(&curve)
            .ok_or_else(|| StoreError::Corrupt(format!("curve {curve:?}")))?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_parse_and_validate() {
        let m = parse_milestones("2020-06-30=50；2020-12-31：100%").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].percent, 100.0);
        assert_eq!(format_milestones(&m), "2020-06-30=50; 2020-12-31=100");
        assert!(parse_milestones("2020-13-01=5").is_err());
        assert!(parse_milestones("2020-06-30=150").is_err());
        assert!(parse_milestones("2020-06-30=50; 2020-03-01=60").is_err());
        assert!(parse_milestones("tomorrow").is_err());
        assert_eq!(parse_milestones("  ").unwrap(), vec![]);
    }
}
