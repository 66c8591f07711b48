//! The 督办表 round trip as use-cases: a unit's sheet for a period (built from the plan's
//! status, so its lights are every view's lights), the import policy (which rows become
//! drafts, which are refused), and the rows of the whole-plan 督办总表. The workbook
//! itself is duban-io's (`supervision_sheet`); HTTP (upload, error pages) is duban-web's.
//!
//! Stable codes (format `duban.sheet/1`, see duban-io): a task row is keyed `T` + the task
//! number (two digits at least: `T05`), the i-th target of the task (in the task's target
//! order, 1-based) `T05-1`, `T05-2` …; the plan code is the plan's database id, the period
//! code its key (`2020-Q2`), the unit code the unit's code. Re-sorting the rows in Excel is
//! harmless; a plan whose targets changed since the export refuses the file (export again).

use std::collections::HashMap;

use chrono::NaiveDate;
use duban_core::report::ReportState;
use duban_io::supervision_sheet::{FilledSheet, SheetErrors, SheetSpec, row_for_task};
use duban_store::deliver::DeliverError;
use duban_store::deliver::period::PeriodRow;
use duban_store::deliver::report::{ReportActor, ReportContent, ReportKey, ValueInput};
use duban_store::unit::Unit;
use duban_store::user::User;
use duban_store::{Store, StoreError};

use crate::Result;

/// A sheet for one plan, period and unit, with the ids its codes stand for.
#[derive(Debug, Clone)]
pub struct PlanSheet {
    pub spec: SheetSpec,
    pub period: PeriodRow,
    pub unit: Unit,
    /// task code → task id
    pub tasks: HashMap<String, i64>,
    /// target code → target id
    pub targets: HashMap<String, i64>,
}

/// Builds the sheet of `unit` for `period`: one row per task the unit leads whose cadence
/// has this period, pre-filled with the unit's report for the period (if any) and the
/// task's light at `as_of` — the plan's as-of date (`deliver::PlanAsOf`), the same date
/// and the same computation as the task list, the status page and the dashboards. Report
/// content is pre-filled only where `reader` may read it (`access::can_read_report`).
pub async fn build(
    store: &Store,
    reader: &User,
    plan_id: i64,
    period: PeriodRow,
    unit: Unit,
    as_of: NaiveDate,
) -> Result<PlanSheet> {
    let pd = crate::status::plan_deliver(store, plan_id, as_of).await?;
    let model = pd.detail.to_model();
    let lights: HashMap<i64, duban_core::Light> = pd
        .status
        .tasks
        .iter()
        .map(|(n, r)| (i64::from(*n), r.light))
        .collect();
    let mut rows = Vec::new();
    let mut tasks = HashMap::new();
    let mut targets = HashMap::new();
    let mut duties: Vec<_> = pd
        .duties
        .iter()
        .filter(|d| d.unit_id == unit.id && d.period_id == period.id)
        .collect();
    duties.sort_by_key(|d| d.task_number);
    for d in duties {
        let Some(task) = pd.detail.tasks.iter().find(|t| t.id == d.task_id) else {
            continue;
        };
        let Some(core) = model
            .tasks
            .iter()
            .find(|t| i64::from(t.number) == task.number)
        else {
            continue;
        };
        let mut row = row_for_task(core);
        row.deadline = task.deadline.map(|d| d.to_string()).unwrap_or_default();
        row.status_label = lights
            .get(&task.number)
            .map(|l| l.short_zh().to_string())
            .unwrap_or_default();
        let stored: Vec<i64> = pd.detail.task_targets(task.id).map(|t| t.id).collect();
        for (t, id) in row.targets.iter().zip(&stored) {
            targets.insert(t.target_code.clone(), *id);
        }
        if let Some(r) = pd
            .reports
            .iter()
            .find(|r| r.task_id == task.id && r.period_id == period.id && r.unit_id == unit.id)
            .filter(|r| crate::access::can_read_report(reader, r.unit_id, r.state))
        {
            row.progress = r.progress.clone();
            row.problems = r.problems.clone();
            row.next_steps = r.next_steps.clone();
            for (t, id) in row.targets.iter_mut().zip(&stored) {
                t.current_value = r.value_of(*id).and_then(|v| v.value);
            }
            row.as_of = r.values.iter().map(|v| v.as_of).max();
        }
        tasks.insert(row.task_code.clone(), task.id);
        rows.push(row);
    }
    let spec = SheetSpec {
        plan_code: plan_id.to_string(),
        plan_title: pd.detail.plan.title.clone(),
        period_code: period.key.clone(),
        period_label: period.label.clone(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        rows,
    };
    Ok(PlanSheet {
        spec,
        period,
        unit,
        tasks,
        targets,
    })
}

/// The rows of the whole-plan 督办总表 for `period` (every task × lead unit that reports in
/// it, in task order), or only those of `unit`: targets with the values reported this
/// period, the report's state (逾期 once past due and not yet submitted), its texts where
/// `reader` may read them, and the task's light at `as_of` — the same light as every view.
pub fn overview_rows(
    pd: &crate::status::PlanDeliver,
    reader: &User,
    period_id: i64,
    as_of: NaiveDate,
    unit: Option<i64>,
) -> Vec<duban_io::supervision_sheet::OverviewRow> {
    use duban_store::assignment::AssignRole;
    let model = pd.detail.to_model();
    let mut duties: Vec<_> = pd
        .duties
        .iter()
        .filter(|d| d.period_id == period_id && unit.is_none_or(|u| d.unit_id == u))
        .collect();
    duties.sort_by_key(|d| (d.task_number, d.lead_rank));
    let mut rows = Vec::new();
    for d in duties {
        let Some(task) = pd.detail.tasks.iter().find(|t| t.id == d.task_id) else {
            continue;
        };
        let core = model
            .tasks
            .iter()
            .find(|t| i64::from(t.number) == task.number);
        // As of the overview's date, as the overdue lists count it.
        let submitted = crate::ranking::submitted_by(d, as_of);
        // A report first sent after that date shows neither its state nor its texts and
        // values of today: on that date there was nothing to read.
        let sent_later = d.first_submitted.is_some() && !submitted;
        let report = pd
            .reports
            .iter()
            .find(|r| r.task_id == task.id && r.period_id == period_id && r.unit_id == d.unit_id)
            .filter(|r| crate::access::can_read_report(reader, r.unit_id, r.state))
            .filter(|_| !sent_later);
        let stored: Vec<i64> = pd.detail.task_targets(task.id).map(|t| t.id).collect();
        let targets = core
            .map(|c| {
                c.targets
                    .iter()
                    .zip(&stored)
                    .enumerate()
                    .map(|(i, (t, id))| {
                        let value = report
                            .and_then(|r| r.value_of(*id))
                            .and_then(|v| v.value)
                            .map(|v| format!("：本期 {v}{}", t.unit.as_deref().unwrap_or("")))
                            .unwrap_or_default();
                        format!(
                            "{}{}{value}",
                            duban_io::supervision_sheet::circled(i + 1),
                            duban_io::supervision_sheet::target_label(t)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let co_units = pd
            .detail
            .task_assignments(task.id)
            .filter(|a| a.role == AssignRole::Co)
            .map(|a| a.unit_name.clone())
            .collect::<Vec<_>>()
            .join("、");
        // A report first sent after the overview's date was not there yet on that date: its
        // state of today (已报送, 已审核) would contradict the overdue mark of the replay.
        let state = match d.state {
            Some(_) if sent_later => "未报",
            state => state.map_or("未报", ReportState::label_zh),
        };
        let report_state = if !submitted && d.due < as_of {
            format!("{state}（逾期）")
        } else {
            state.to_string()
        };
        let light = pd.status.task(task.number as u32).map(|r| r.light);
        rows.push(duban_io::supervision_sheet::OverviewRow {
            number: task.number.to_string(),
            task: task.title.clone(),
            targets,
            lead_unit: d.unit_name.clone(),
            co_units,
            deadline: task.deadline.map(|d| d.to_string()).unwrap_or_default(),
            report_state,
            submitted,
            progress: report.map(|r| r.progress.clone()).unwrap_or_default(),
            problems: report.map(|r| r.problems.clone()).unwrap_or_default(),
            next_steps: report.map(|r| r.next_steps.clone()).unwrap_or_default(),
            light,
            light_label: light.map(|l| l.short_zh()).unwrap_or_default().to_string(),
        });
    }
    rows
}

/// Why an import was refused; nothing was saved.
#[derive(Debug, Clone)]
pub enum ImportRefusal {
    /// The workbook does not read against the sheet (cells named).
    Sheet(SheetErrors),
    /// A row breaks a rule (unknown code, a submitted or accepted report changed, the
    /// workflow refuses the edit); the message is shown as is.
    Rule(String),
}

/// One saved draft.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportedReport {
    pub task_code: String,
    pub report_id: i64,
    pub created: bool,
}

/// Reads `bytes` against the sheet and saves the drafts, all or nothing. Rows left empty
/// with no report yet are skipped; rows of reports already submitted or accepted must be
/// unchanged (they are skipped), otherwise the import is refused.
/// The id a code of the sheet stands for (`what`: 任务, 目标); an unknown code refuses the
/// import.
fn id_of_code(ids: &HashMap<String, i64>, code: &str, what: &str) -> Result<i64, ImportRefusal> {
    ids.get(code)
        .copied()
        .ok_or_else(|| ImportRefusal::Rule(format!("未知{what}编码 {code}")))
}

pub async fn import(
    store: &Store,
    by: &ReportActor,
    sheet: &PlanSheet,
    bytes: &[u8],
) -> Result<Result<Vec<ImportedReport>, ImportRefusal>> {
    let filled: FilledSheet =
        match duban_io::supervision_sheet::read_supervision_sheet(bytes, &sheet.spec) {
            Ok(f) => f,
            Err(e) => return Ok(Err(ImportRefusal::Sheet(e))),
        };
    let mut items: Vec<(ReportKey, ReportContent)> = Vec::new();
    let mut codes = Vec::new();
    for row in &filled.rows {
        let task_id = match id_of_code(&sheet.tasks, &row.task_code, "任务") {
            Ok(id) => id,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let key = ReportKey {
            task_id,
            period_id: sheet.period.id,
            unit_id: sheet.unit.id,
        };
        let existing = store.report_by_key(key).await?;
        let mut values = Vec::new();
        for v in &row.values {
            let target_id = match id_of_code(&sheet.targets, &v.target_code, "目标") {
                Ok(id) => id,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if v.value.is_some() {
                values.push(ValueInput {
                    target_id,
                    value: v.value,
                    as_of: row.as_of,
                });
            }
        }
        let empty = row.progress.is_empty()
            && row.problems.is_empty()
            && row.next_steps.is_empty()
            && values.is_empty();
        let content = ReportContent {
            progress: row.progress.clone(),
            problems: row.problems.clone(),
            next_steps: row.next_steps.clone(),
            milestone: existing.as_ref().and_then(|r| r.milestone),
            milestone_share: existing.as_ref().and_then(|r| r.milestone_share),
            values,
        };
        match &existing {
            None if empty => continue,
            Some(r) if matches!(r.state, ReportState::Submitted | ReportState::Accepted) => {
                let same_values = content
                    .values
                    .iter()
                    .all(|v| r.value_of(v.target_id).and_then(|x| x.value) == v.value)
                    && r.values.iter().filter(|x| x.value.is_some()).count()
                        == content.values.len();
                if r.progress == content.progress
                    && r.problems == content.problems
                    && r.next_steps == content.next_steps
                    && same_values
                {
                    continue;
                }
                return Ok(Err(ImportRefusal::Rule(format!(
                    "任务 {}（{}）的报告{}，不能通过导入修改；请先撤回或由办公室退回",
                    row.task_code,
                    r.task_title,
                    if r.state == ReportState::Accepted {
                        "已审核通过"
                    } else {
                        "已报送待审核"
                    }
                ))));
            }
            _ => {}
        }
        codes.push(row.task_code.clone());
        items.push((key, content));
    }
    match store.save_drafts(&items, by).await {
        Ok(saved) => Ok(Ok(codes
            .into_iter()
            .zip(saved)
            .map(|(task_code, (report_id, created))| ImportedReport {
                task_code,
                report_id,
                created,
            })
            .collect())),
        Err(DeliverError::Workflow(e)) => Ok(Err(ImportRefusal::Rule(e.to_string()))),
        Err(DeliverError::Store(StoreError::Invalid(m))) => Ok(Err(ImportRefusal::Rule(m))),
        Err(e) => Err(e.into()),
    }
}
