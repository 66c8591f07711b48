//! The status method's inputs, assembled from stored rows, and the computation itself
//! (`duban_core::plan_status::plan_status`, method `duban.status/3`) at an as-of date.
//! Nothing is computed when data is saved: every status is computed here, on request,
//! from the stored targets, baselines, curves, deadlines, reports and the calendar, so a
//! past date can be replayed.
//!
//! Platform rules (published on the methods page):
//! * a reported value counts once its report is **accepted**, from the acceptance date
//!   on (`reported_on`); drafts, submitted and returned reports do not move a light;
//! * timeliness counts each lead unit's **first** submission against the period's due
//!   date; a missing report of any lead unit turns the task's not-yet-achieved green
//!   lights yellow, and red when nothing was ever reported (`duban.status/2`);
//! * with several lead units, each files its part; for a target the first lead's value
//!   for a date is used (the first lead consolidates), another lead's value only when the
//!   first lead reported none for that date;
//! * a task with no quantitative target is tracked by its qualitative milestone;
//! * a target bound to an indicator series (`monitor_binding`, issue 13) takes its
//!   observations from the series as known on the as-of date
//!   (`duban_core::monitor::bound_observations`), not from reports; headline targets are
//!   tracked only this way.

use std::collections::HashMap;

use chrono::NaiveDate;
use duban_core::WorkCalendar;
use duban_core::curve::Curve as CoreCurve;
use duban_core::plan_status::{PlanStatus, TargetInput, TargetRef, plan_status};
use duban_core::report::ReportState;
use duban_core::status::{
    EvalContext, LightRules, Measure, MilestoneState, Observation, QuantityTarget, ReportDue,
    TargetSpec,
};

use super::period::PeriodRow;
use super::report::{MilestoneInput, ReportDuty, ReportRow, duties_of};
use crate::plan::PlanDetail;
use crate::target::{Curve, TargetRow};
use crate::{Result, Store};

/// Everything the deliver pages need about a plan at one as-of date.
#[derive(Debug, Clone)]
pub struct PlanDeliver {
    pub detail: PlanDetail,
    pub periods: Vec<PeriodRow>,
    pub reports: Vec<ReportRow>,
    pub duties: Vec<ReportDuty>,
    pub status: PlanStatus,
}

impl PlanDeliver {
    /// The status reference of a stored target (by position in its task).
    pub fn target_ref(&self, t: &TargetRow) -> Option<TargetRef> {
        target_ref(&self.detail, t)
    }
}

/// Where a stored target sits in the plan model.
pub fn target_ref(d: &PlanDetail, t: &TargetRow) -> Option<TargetRef> {
    match t.task_id {
        None => d
            .targets
            .iter()
            .filter(|x| x.task_id.is_none())
            .position(|x| x.id == t.id)
            .map(|index| TargetRef::Headline { index }),
        Some(task_id) => {
            let task = d.task(task_id)?;
            let index = d.task_targets(task_id).position(|x| x.id == t.id)?;
            Some(TargetRef::Task {
                number: task.number as u32,
                index,
            })
        }
    }
}

fn year_bounds(d: &PlanDetail) -> Option<(NaiveDate, NaiveDate)> {
    let y = i32::try_from(d.plan.year?).ok()?;
    Some((
        NaiveDate::from_ymd_opt(y, 1, 1)?,
        NaiveDate::from_ymd_opt(y, 12, 31)?,
    ))
}

fn date(s: Option<&String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// The status method's curve for a stored target's curve.
pub fn core_curve(t: &TargetRow) -> CoreCurve {
    match t.curve {
        Curve::Linear => CoreCurve::Linear,
        // 前缓后快: quadratic, the method's standard back-loaded shape.
        Curve::BackLoaded => CoreCurve::BackLoaded { exponent: 2.0 },
        Curve::Milestones => CoreCurve::Milestones {
            points: t
                .milestones
                .iter()
                .filter_map(|m| {
                    Some((
                        NaiveDate::parse_from_str(&m.date, "%Y-%m-%d").ok()?,
                        m.percent / 100.0,
                    ))
                })
                .collect(),
        },
    }
}

/// Observations of series-bound targets, by target id (see [`Store::bound_observations`]).
pub type Bound = HashMap<i64, Vec<Observation>>;

/// Computes the plan's status at `as_of` from loaded rows (pure). `bound` holds the
/// observations of targets bound to indicator series, as known on `as_of`.
pub fn compute_status(
    d: &PlanDetail,
    reports: &[ReportRow],
    duties: &[ReportDuty],
    cal: &WorkCalendar,
    as_of: NaiveDate,
    bound: &Bound,
) -> PlanStatus {
    let rules = LightRules::default();
    let ctx = EvalContext {
        as_of,
        calendar: cal,
        rules: &rules,
    };
    let model = d.to_model();
    let bounds = year_bounds(d);
    // Lead rank per (task, unit): 0 = the consolidating first lead.
    let rank: HashMap<(i64, i64), usize> = duties
        .iter()
        .map(|x| ((x.task_id, x.unit_id), x.lead_rank))
        .collect();
    let accepted: Vec<&ReportRow> = reports
        .iter()
        .filter(|r| r.state == ReportState::Accepted)
        .collect();
    let task_by_number: HashMap<u32, &crate::task::TaskRow> =
        d.tasks.iter().map(|t| (t.number as u32, t)).collect();

    let input = |r: TargetRef| -> Option<TargetInput> {
        let (start, year_end) = bounds?;
        let number = match r {
            // Headline targets have no report path: only a bound series tracks them.
            TargetRef::Headline { index } => {
                let t = d
                    .targets
                    .iter()
                    .filter(|x| x.task_id.is_none())
                    .nth(index)?;
                return Some(TargetInput {
                    spec: TargetSpec {
                        measure: Measure::Quantity(QuantityTarget::from_target(
                            &t.target, t.baseline,
                        )),
                        start,
                        deadline: date(t.deadline.as_ref()).unwrap_or(year_end),
                        curve: core_curve(t),
                    },
                    observations: bound.get(&t.id)?.clone(),
                    reports: vec![],
                    weight: 1.0,
                });
            }
            TargetRef::Task { number, .. } | TargetRef::TaskMilestone { number } => number,
        };
        let task = *task_by_number.get(&number)?;
        let task_deadline = date(task.deadline.as_ref()).unwrap_or(year_end);
        let task_duties: Vec<&ReportDuty> =
            duties.iter().filter(|x| x.task_id == task.id).collect();
        let dues: Vec<ReportDue> = task_duties
            .iter()
            .map(|x| ReportDue {
                period: format!("{}/{}", x.period_key, x.unit_code),
                due: x.due,
                submitted: x.first_submitted,
            })
            .collect();
        let task_reports: Vec<&&ReportRow> =
            accepted.iter().filter(|x| x.task_id == task.id).collect();
        let lead_rank = |x: &ReportRow| {
            rank.get(&(task.id, x.unit_id))
                .copied()
                .unwrap_or(usize::MAX)
        };
        match r {
            TargetRef::Task { index, .. } => {
                let t = d.task_targets(task.id).nth(index)?;
                // (date, lead rank, value, accepted on)
                let mut points: Vec<(NaiveDate, usize, f64, Option<NaiveDate>)> = task_reports
                    .iter()
                    .filter_map(|x| {
                        let v = x.value_of(t.id)?;
                        Some((v.as_of, lead_rank(x), v.value?, x.reviewed_on()))
                    })
                    .collect();
                if task_duties.is_empty() && points.is_empty() && !bound.contains_key(&t.id) {
                    return None;
                }
                points.sort_by_key(|p| (p.0, p.1));
                points.dedup_by_key(|p| p.0);
                let observations = match bound.get(&t.id) {
                    Some(series) => series.clone(),
                    None => points
                        .into_iter()
                        .map(|(date, _, value, on)| Observation {
                            reported_on: on,
                            ..Observation::value(date, value)
                        })
                        .collect(),
                };
                Some(TargetInput {
                    spec: TargetSpec {
                        measure: Measure::Quantity(QuantityTarget::from_target(
                            &t.target, t.baseline,
                        )),
                        start,
                        deadline: date(t.deadline.as_ref()).unwrap_or(task_deadline),
                        curve: core_curve(t),
                    },
                    observations,
                    reports: dues,
                    weight: 1.0,
                })
            }
            TargetRef::TaskMilestone { .. } => {
                let mut points: Vec<(NaiveDate, usize, MilestoneState, Option<NaiveDate>)> =
                    task_reports
                        .iter()
                        .filter_map(|x| {
                            let m = match x.milestone? {
                                MilestoneInput::NotStarted => MilestoneState::NotStarted,
                                MilestoneInput::InProgress => MilestoneState::InProgress {
                                    share: x.milestone_share,
                                },
                                MilestoneInput::Done => MilestoneState::Done {
                                    on: Some(x.period_end),
                                },
                            };
                            Some((x.period_end, lead_rank(x), m, x.reviewed_on()))
                        })
                        .collect();
                let has_targets = d.task_targets(task.id).next().is_some();
                if points.is_empty() && (has_targets || task_duties.is_empty()) {
                    return None;
                }
                points.sort_by_key(|p| (p.0, p.1));
                points.dedup_by_key(|p| p.0);
                Some(TargetInput {
                    spec: TargetSpec {
                        measure: Measure::Milestone,
                        start,
                        deadline: task_deadline,
                        curve: CoreCurve::Linear,
                    },
                    observations: points
                        .into_iter()
                        .map(|(date, _, m, on)| Observation {
                            date,
                            value: None,
                            reference: None,
                            milestone: Some(m),
                            reported_on: on,
                        })
                        .collect(),
                    reports: dues,
                    weight: 1.0,
                })
            }
            TargetRef::Headline { .. } => None,
        }
    };
    plan_status(&model, input, &ctx)
}

impl Store {
    /// Loads the plan's deliver data and computes its status at `as_of`.
    #[tracing::instrument(skip(self))]
    pub async fn plan_deliver(&self, plan_id: i64, as_of: NaiveDate) -> Result<PlanDeliver> {
        let periods = self.plan_periods(plan_id).await?;
        let detail = self.plan_detail(plan_id).await?;
        let reports = self.plan_reports(plan_id).await?;
        let returns = self.return_counts(plan_id).await?;
        let duties = duties_of(&detail, &periods, &reports, &returns);
        let cal = self.work_calendar().await?;
        let bound = self.bound_observations(&detail, as_of).await?;
        let status = compute_status(&detail, &reports, &duties, &cal, as_of, &bound);
        Ok(PlanDeliver {
            detail,
            periods,
            reports,
            duties,
            status,
        })
    }

    /// The plan's status at each of `dates` (a trend), from the reports already loaded in
    /// `pd`: the same computation as [`Store::plan_deliver`] at each date.
    pub async fn plan_status_at(
        &self,
        pd: &PlanDeliver,
        dates: &[NaiveDate],
    ) -> Result<Vec<(NaiveDate, PlanStatus)>> {
        let cal = self.work_calendar().await?;
        let mut out = Vec::with_capacity(dates.len());
        for &date in dates {
            let bound = self.bound_observations(&pd.detail, date).await?;
            let status = compute_status(&pd.detail, &pd.reports, &pd.duties, &cal, date, &bound);
            out.push((date, status));
        }
        Ok(out)
    }

    /// The observations of the plan's targets bound to indicator series, as known on
    /// `as_of` (own series and, for 高于/同步, the reference series; measure `value`).
    pub async fn bound_observations(&self, d: &PlanDetail, as_of: NaiveDate) -> Result<Bound> {
        use duban_core::monitor::{Measure as M, bound_observations, known_points};
        let bindings = self.monitor_bindings(d.plan.id).await?;
        let mut out = Bound::new();
        if bindings.is_empty() {
            return Ok(out);
        }
        let catalogue = self.monitor_indicators().await?;
        let series = self.monitor_series(None).await?;
        let points = |ind: &str, region: &str| {
            catalogue
                .iter()
                .find(|i| i.name == ind)
                .map(|i| known_points(&series, &catalogue, i, region, as_of, M::Value))
                .unwrap_or_default()
        };
        for b in &bindings {
            let Some(t) = d.targets.iter().find(|t| t.id == b.target_id) else {
                continue;
            };
            let own = points(&b.indicator, &b.region);
            let reference = match (&b.reference_indicator, &b.reference_region) {
                (Some(i), r) => points(i, r.as_deref().unwrap_or(&b.region)),
                (None, _) => vec![],
            };
            out.insert(
                t.id,
                bound_observations(
                    t.target.comparator,
                    t.target.value.is_some(),
                    &own,
                    &reference,
                ),
            );
        }
        Ok(out)
    }

    /// The plan's status at `as_of` (method `duban.status/3`).
    pub async fn plan_status(&self, plan_id: i64, as_of: NaiveDate) -> Result<PlanStatus> {
        Ok(self.plan_deliver(plan_id, as_of).await?.status)
    }
}
