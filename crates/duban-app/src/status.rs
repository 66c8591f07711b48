//! The status of a plan (use-case): the status method's inputs, assembled from stored rows, and the computation itself
//! (`duban_core::plan_status::plan_status`, method `duban.status/3`) at an as-of date,
//! assembled from the store's rows.
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
use duban_core::curve::Curve;
use duban_core::plan_status::{PlanStatus, TargetInput, TargetRef};
use duban_core::report::ReportState;
use duban_core::status::{
    EvalContext, LightRules, Measure, MilestoneState, Observation, QuantityTarget, ReportDue,
    RollUp, TargetSpec,
};

use duban_store::Store;
use duban_store::deliver::period::PeriodRow;
use duban_store::deliver::report::{MilestoneInput, ReportDuty, ReportRow, duties_of};
use duban_store::plan::{PillarRow, PlanDetail};
use duban_store::target::TargetRow;

use crate::Result;

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
    /// Each pillar's row with its rolled-up status (the status names pillars by their
    /// position in the plan).
    pub fn pillar_statuses(&self) -> impl Iterator<Item = (&PillarRow, &RollUp)> {
        self.status
            .pillars
            .iter()
            .filter_map(|(i, r)| Some((self.detail.pillars.get(*i)?, r)))
    }
}

fn year_bounds(d: &PlanDetail) -> Option<(NaiveDate, NaiveDate)> {
    let y = i32::try_from(d.plan.year?).ok()?;
    Some((
        NaiveDate::from_ymd_opt(y, 1, 1)?,
        NaiveDate::from_ymd_opt(y, 12, 31)?,
    ))
}

/// The status method's curve for a stored target's curve.
/// A quantity target's spec: its own deadline, else `fallback` (the task's, or the year end
/// for a headline target).
fn quantity_spec(t: &TargetRow, start: NaiveDate, fallback: NaiveDate) -> TargetSpec {
    TargetSpec {
        measure: Measure::Quantity(QuantityTarget::from_target(&t.target, t.baseline)),
        start,
        deadline: t.deadline.unwrap_or(fallback),
        curve: t.curve.curve(&t.milestones),
    }
}

/// Observations of series-bound targets, by target id (see [`bound_observations`]).
pub type Bound = HashMap<i64, Vec<Observation>>;

/// One reported value that counts: a value of a target in an **accepted** report, from
/// the acceptance date on (`accepted_on`). This is the one rule of which reported values
/// count; the status ([`compute_status`]), a target's trend chart and the data sets built
/// from reports ([`crate::dataset`]) all start from [`accepted_values`].
#[derive(Debug, Clone, Copy)]
pub struct AcceptedValue<'a> {
    pub report: &'a ReportRow,
    /// The date the value refers to (数据截至日期).
    pub as_of: NaiveDate,
    pub value: f64,
    /// The China date of the acceptance in force.
    pub accepted_on: Option<NaiveDate>,
}

impl AcceptedValue<'_> {
    /// Whether this value counts in a status as of `as_of` (the core's rule,
    /// [`Observation::known_at`]): accepted by then, and about a date not after it.
    pub fn counts_at(&self, as_of: NaiveDate) -> bool {
        let mut o = Observation::value(self.as_of, self.value);
        o.reported_on = self.accepted_on;
        o.known_at(as_of)
    }
}

/// Every accepted value of a target among `reports`, in the reports' order.
pub fn accepted_values(
    reports: &[ReportRow],
    target_id: i64,
) -> impl Iterator<Item = AcceptedValue<'_>> {
    reports
        .iter()
        .filter(|r| r.state == ReportState::Accepted)
        .filter_map(move |r| {
            let v = r.value_of(target_id)?;
            Some(AcceptedValue {
                report: r,
                as_of: v.as_of,
                value: v.value?,
                accepted_on: r.reviewed_on(),
            })
        })
}

/// One value per date, by date: with several lead units the first lead's value for a
/// date is used (the first lead consolidates), another lead's only when the first lead
/// reported none for that date. `lead_rank` gives 0 for the first lead.
pub fn consolidated<'a>(
    values: impl Iterator<Item = AcceptedValue<'a>>,
    lead_rank: impl Fn(&ReportRow) -> usize,
) -> Vec<AcceptedValue<'a>> {
    let mut points: Vec<(usize, AcceptedValue<'a>)> =
        values.map(|v| (lead_rank(v.report), v)).collect();
    points.sort_by_key(|(rank, v)| (v.as_of, *rank));
    points.dedup_by_key(|(_, v)| v.as_of);
    points.into_iter().map(|(_, v)| v).collect()
}

/// Each unit's latest accepted value (latest period end, then latest `as_of`, then the
/// latest report), by unit code.
pub fn latest_by_unit<'a>(
    values: impl Iterator<Item = AcceptedValue<'a>>,
) -> Vec<AcceptedValue<'a>> {
    let mut latest: std::collections::BTreeMap<&'a str, AcceptedValue<'a>> =
        std::collections::BTreeMap::new();
    for v in values {
        let key = (v.report.period_end, v.as_of, v.report.id);
        match latest.get(v.report.unit_code.as_str()) {
            Some(l) if (l.report.period_end, l.as_of, l.report.id) >= key => {}
            _ => {
                latest.insert(v.report.unit_code.as_str(), v);
            }
        }
    }
    latest.into_values().collect()
}

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
    let task_by_number: HashMap<u32, &duban_store::task::TaskRow> =
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
                    id: Some(t.id),
                    spec: quantity_spec(t, start, year_end),
                    observations: bound.get(&t.id)?.clone(),
                    reports: vec![],
                    weight: 1.0,
                });
            }
            TargetRef::Task { number, .. } | TargetRef::TaskMilestone { number } => number,
        };
        let task = *task_by_number.get(&number)?;
        let task_deadline = task.deadline.unwrap_or(year_end);
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
                let points = consolidated(accepted_values(reports, t.id), lead_rank);
                if task_duties.is_empty() && points.is_empty() && !bound.contains_key(&t.id) {
                    return None;
                }
                let observations = match bound.get(&t.id) {
                    Some(series) => series.clone(),
                    None => points
                        .into_iter()
                        .map(|v| Observation {
                            reported_on: v.accepted_on,
                            ..Observation::value(v.as_of, v.value)
                        })
                        .collect(),
                };
                Some(TargetInput {
                    id: Some(t.id),
                    spec: quantity_spec(t, start, task_deadline),
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
                    id: None,
                    spec: TargetSpec {
                        measure: Measure::Milestone,
                        start,
                        deadline: task_deadline,
                        curve: Curve::Linear,
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
    duban_core::plan_status::plan_status(&model, input, &ctx)
}

/// Loads the plan's deliver data and computes its status at `as_of`.
#[tracing::instrument(skip(store))]
pub async fn plan_deliver(store: &Store, plan_id: i64, as_of: NaiveDate) -> Result<PlanDeliver> {
    let periods = store.plan_periods(plan_id).await?;
    let detail = store.plan_detail(plan_id).await?;
    let reports = store.plan_reports(plan_id).await?;
    let returns = store.return_counts(plan_id).await?;
    let duties = duties_of(&detail, &periods, &reports, &returns);
    let cal = store.work_calendar().await?;
    let bound = bound_observations(store, &detail, as_of).await?;
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
/// `pd`: the same computation as [`plan_deliver`] at each date.
pub async fn plan_status_at(
    store: &Store,
    pd: &PlanDeliver,
    dates: &[NaiveDate],
) -> Result<Vec<(NaiveDate, PlanStatus)>> {
    let cal = store.work_calendar().await?;
    let mut out = Vec::with_capacity(dates.len());
    for &date in dates {
        let bound = bound_observations(store, &pd.detail, date).await?;
        let status = compute_status(&pd.detail, &pd.reports, &pd.duties, &cal, date, &bound);
        out.push((date, status));
    }
    Ok(out)
}

/// The observations of the plan's targets bound to indicator series, as known on
/// `as_of` (own series and, for 高于/同步, the reference series; measure `value`).
pub async fn bound_observations(store: &Store, d: &PlanDetail, as_of: NaiveDate) -> Result<Bound> {
    use duban_core::monitor::{Measure as M, bound_observations, known_points};
    let bindings = store.monitor_bindings(d.plan.id).await?;
    let mut out = Bound::new();
    if bindings.is_empty() {
        return Ok(out);
    }
    let catalogue = store.monitor_indicators().await?;
    let values = store.monitor_values(None).await?;
    let series_of = |keep: &dyn Fn(&duban_store::monitor::StoredValue) -> bool| {
        let obs: Vec<_> = values
            .iter()
            .filter(|v| keep(v))
            .map(|v| v.observation())
            .collect();
        duban_core::monitor::series::Series::new(&obs)
            .map_err(|e| crate::Error::Internal(e.to_string()))
    };
    let all = series_of(&|_| true)?;
    let real = series_of(&|v| !v.demo)?;
    // Real figures when any are known at the date, else the labelled 示例数据: never a
    // comparison of an invented year with a real one.
    let points = |ind: &str, region: &str| {
        catalogue
            .iter()
            .find(|i| i.name == ind)
            .map(|i| {
                let known = known_points(&real, &catalogue, i, region, as_of, M::Value);
                if known.iter().any(|p| p.value.is_some()) {
                    known
                } else {
                    known_points(&all, &catalogue, i, region, as_of, M::Value)
                }
            })
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
pub async fn plan_status(store: &Store, plan_id: i64, as_of: NaiveDate) -> Result<PlanStatus> {
    Ok(plan_deliver(store, plan_id, as_of).await?.status)
}

#[cfg(test)]
mod tests {
    use duban_core::report::ReportState as S;

    use super::*;
    use crate::fixtures::{d, report};

    /// A report of unit 1 ("a") or 2 ("b") with one value of target `target`.
    fn r(
        id: i64,
        unit: i64,
        state: ReportState,
        end: NaiveDate,
        target: i64,
        value: Option<f64>,
        as_of: NaiveDate,
    ) -> ReportRow {
        let code = if unit == 1 { "a" } else { "b" };
        report(id, unit, code, state, end, Some((target, value, as_of)))
    }

    #[test]
    fn only_accepted_reports_with_a_value_count() {
        let reports = vec![
            r(1, 1, S::Accepted, d(6, 30), 7, Some(5.0), d(6, 30)),
            r(2, 1, S::Submitted, d(9, 30), 7, Some(9.0), d(9, 30)),
            r(3, 2, S::Returned, d(6, 30), 7, Some(4.0), d(6, 30)),
            r(4, 2, S::Accepted, d(6, 30), 7, None, d(6, 30)),
            r(5, 2, S::Accepted, d(6, 30), 8, Some(1.0), d(6, 30)),
        ];
        let v: Vec<_> = accepted_values(&reports, 7).collect();
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].report.id, v[0].value), (1, 5.0));
        // Counted from the acceptance date, in China time.
        assert_eq!(v[0].accepted_on, Some(d(7, 10)));
    }

    #[test]
    fn the_first_lead_wins_a_date_and_another_lead_fills_a_gap() {
        let reports = vec![
            r(1, 2, S::Accepted, d(6, 30), 7, Some(4.0), d(6, 30)),
            r(2, 1, S::Accepted, d(6, 30), 7, Some(5.0), d(6, 30)),
            r(3, 2, S::Accepted, d(9, 30), 7, Some(8.0), d(9, 30)),
        ];
        let rank = |r: &ReportRow| if r.unit_id == 1 { 0 } else { 1 };
        let v = consolidated(accepted_values(&reports, 7), rank);
        let got: Vec<(NaiveDate, f64)> = v.iter().map(|v| (v.as_of, v.value)).collect();
        assert_eq!(got, vec![(d(6, 30), 5.0), (d(9, 30), 8.0)]);
    }

    #[test]
    fn each_unit_keeps_its_latest_period_then_date_then_report() {
        let reports = vec![
            r(1, 1, S::Accepted, d(9, 30), 7, Some(9.0), d(9, 15)),
            r(2, 1, S::Accepted, d(6, 30), 7, Some(5.0), d(6, 30)),
            r(3, 1, S::Accepted, d(9, 30), 7, Some(10.0), d(9, 30)),
            r(4, 2, S::Accepted, d(6, 30), 7, Some(4.0), d(6, 30)),
            r(5, 2, S::Accepted, d(6, 30), 7, Some(6.0), d(6, 30)),
        ];
        let v = latest_by_unit(accepted_values(&reports, 7));
        let got: Vec<(&str, f64)> = v
            .iter()
            .map(|v| (v.report.unit_code.as_str(), v.value))
            .collect();
        assert_eq!(got, vec![("a", 10.0), ("b", 6.0)]);
    }
}
