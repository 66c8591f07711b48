//! Escalation runs (use-case): which records (提醒 → 催办 → 督办通知 → 约谈 → 通报) the
//! office's rules require for a plan at a date, from the plan's duties and its task lights
//! at each due date, and storing the missing ones. The ladder is
//! `duban_core::escalation::required_escalations`; the rows are
//! `duban_store::escalation` (`insert_escalations`, idempotent by unique key).

use chrono::NaiveDate;
use duban_core::escalation::Escalation;
use duban_store::Store;
use duban_store::escalation::DutyKey;
use serde::Serialize;

use crate::Result;

/// What one run of the escalation rules did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EscalationRun {
    pub plan_id: i64,
    pub as_of: NaiveDate,
    /// Records the rules require at `as_of` (stored before or now).
    pub required: usize,
    /// Ids of the records created by this run.
    pub created: Vec<i64>,
}

/// Computes the records the office's rules require for a plan at `as_of` —
/// `required_escalations` over every (task, lead unit) duty: due dates and first
/// submissions from the stored periods and reports, and the task's light at each
/// period's due date (computed by the status method as of that date) — and stores the
/// missing ones. Idempotent: a second run at the same date creates nothing.
#[tracing::instrument(skip(store))]
pub async fn run_escalations(
    store: &Store,
    plan_id: i64,
    as_of: NaiveDate,
) -> Result<EscalationRun> {
    use duban_core::escalation::{Duty, PeriodRecord, required_escalations};
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    let rules = store.escalation_rules().await?;
    let pd = crate::status::plan_deliver(store, plan_id, as_of).await?;
    let cal = store.work_calendar().await?;
    // The task lights at every due date that has passed (one status per date).
    let dues: BTreeSet<NaiveDate> = pd
        .duties
        .iter()
        .map(|d| d.due)
        .filter(|d| *d <= as_of)
        .collect();
    let mut lights: HashMap<(NaiveDate, i64), duban_core::Light> = HashMap::new();
    for due in dues {
        let bound = crate::status::bound_observations(store, &pd.detail, due).await?;
        let st =
            crate::status::compute_status(&pd.detail, &pd.reports, &pd.duties, &cal, due, &bound);
        for (number, roll) in &st.tasks {
            lights.insert((due, i64::from(*number)), roll.light);
        }
    }
    let mut duties: BTreeMap<(i64, i64), Duty<DutyKey>> = BTreeMap::new();
    let mut demo: HashMap<(i64, i64), bool> = HashMap::new();
    let mut ordered: Vec<_> = pd.duties.iter().collect();
    ordered.sort_by_key(|d| (d.task_id, d.unit_id, d.due, d.period_key.clone()));
    for d in ordered {
        let key = (d.task_id, d.unit_id);
        let assignment_demo = pd
            .detail
            .task_assignments(d.task_id)
            .any(|a| a.unit_id == d.unit_id && a.demo);
        *demo.entry(key).or_default() |= d.demo || assignment_demo;
        duties
            .entry(key)
            .or_insert_with(|| Duty {
                key: DutyKey {
                    task_id: d.task_id,
                    unit_id: d.unit_id,
                },
                periods: Vec::new(),
            })
            .periods
            .push(PeriodRecord {
                period: d.period_key.clone(),
                due: d.due,
                submitted: d.first_submitted,
                light: lights.get(&(d.due, d.task_number)).copied(),
                light_on: (d.due <= as_of).then_some(d.due),
            });
    }
    let duties: Vec<Duty<DutyKey>> = duties.into_values().collect();
    let required = required_escalations(&rules, &cal, as_of, &duties);
    let mut created = Vec::new();
    // Demo and real records are stored in separate calls so each carries its label.
    for flag in [false, true] {
        let part: Vec<Escalation<DutyKey>> = required
            .iter()
            .filter(|e| {
                demo.get(&(e.key.task_id, e.key.unit_id))
                    .copied()
                    .unwrap_or(false)
                    == flag
            })
            .cloned()
            .collect();
        created.extend(store.insert_escalations(plan_id, &part, flag).await?);
    }
    created.sort_unstable();
    Ok(EscalationRun {
        plan_id,
        as_of,
        required: required.len(),
        created,
    })
}

/// The issuer of a notice when its plan names none (and of an alert's 约谈通知).
pub const DEFAULT_ISSUER: &str = "督办办公室";

/// An escalation record as an official notice to its unit (催办通知书, 督办通知, 约谈通知,
/// 通报), laid out to GB/T 9704 by `duban_io::official_doc`; one path for both kinds of
/// record: a task's notice names the plan and the task, the 约谈通知 of a monitor alert
/// names the region, indicator, period and the rule's measure that raised the alert, and
/// the 约谈 (when, by whom). `None` for a record about neither (or an alert's record
/// without its 约谈).
pub async fn escalation_notice(
    store: &Store,
    e: &duban_store::escalation::EscalationRow,
) -> Result<Option<duban_io::official_doc::OfficialDoc>> {
    use duban_core::escalation::{AlertFacts, NoticeFacts, NoticeSubject, notice_text};
    let facts = |subject| NoticeFacts {
        level: e.level,
        unit: &e.unit_name,
        subject,
        reason: &e.reason,
        raised_on: e.raised_on,
        respond_by: e.respond_by,
        demo: e.demo,
    };
    let (text, issuer) = match (e.plan_id, e.task_number, e.task_title.as_deref()) {
        (Some(plan_id), Some(number), Some(title)) => {
            let plan = store.plan_detail(plan_id).await?.plan;
            let text = notice_text(&facts(NoticeSubject::Task {
                plan_title: &plan.title,
                number,
                title,
            }));
            let issuer = plan.issuer.unwrap_or_else(|| DEFAULT_ISSUER.to_string());
            (text, issuer)
        }
        _ => {
            let (Some(alert_id), Some(interview)) = (e.alert_id, e.interview.as_ref()) else {
                return Ok(None);
            };
            let a = store.monitor_alert(alert_id).await?;
            // The measure of the rule that raised it, while the rule is in force.
            let rules = crate::monitor::stored_rules(store).await?;
            let measure = rules
                .as_ref()
                .and_then(|f| f.rules.iter().find(|r| r.id == a.rule))
                .map(|r| r.measure);
            let rule_description = rules
                .as_ref()
                .and_then(|f| f.descriptions.get(&a.rule))
                .map(String::as_str);
            let unit = store
                .monitor_indicators()
                .await?
                .into_iter()
                .find(|i| i.name == a.indicator)
                .map(|i| i.unit)
                .unwrap_or_default();
            let text = notice_text(&facts(NoticeSubject::Alert(AlertFacts {
                alert_id,
                region: &a.region_name,
                indicator: &a.indicator,
                period: &a.period_label,
                level: a.level_label,
                rule: &a.rule,
                rule_description,
                measure,
                value: a.value,
                unit: &unit,
                held_on: interview.held_on,
                held_by: &interview.held_by,
            })));
            (text, DEFAULT_ISSUER.to_string())
        }
    };
    let number = format!("督办〔{}〕{}号", chrono::Datelike::year(&e.raised_on), e.id);
    Ok(Some(duban_io::official_doc::OfficialDoc::notice(
        &issuer,
        &number,
        &text,
        e.raised_on,
    )))
}
