//! The 督办表 round trip on the platform: the export fills duban-io's `SheetSpec` from the
//! database; the import reads the filled workbook with `read_supervision_sheet` and saves
//! every row as a draft report in one transaction (`Store::save_drafts`), or nothing.
//!
//! Stable codes (format `duban.sheet/1`, see duban-io): a task row is keyed `T` + the task
//! number (two digits at least: `T05`), the i-th target of the task (in the task's target
//! order, 1-based) `T05-1`, `T05-2` …; the plan code is the plan's database id, the period
//! code its key (`2020-Q2`), the unit code the unit's code. Re-sorting the rows in Excel is
//! harmless; a plan whose targets changed since the export refuses the file (export again).

use std::collections::HashMap;

use chrono::NaiveDate;
use duban_core::report::ReportState;
use duban_io::supervision_sheet::{
    FilledSheet, SheetErrorKind, SheetErrors, SheetSpec, column_letters, row_for_task,
};
use duban_store::deliver::period::PeriodRow;
use duban_store::deliver::report::{ReportActor, ReportContent, ReportKey, ValueInput};
use duban_store::unit::Unit;
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

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

/// File name of an export, e.g. `督办表_2020-Q2_fgw.xlsx` (ASCII fallback in the header).
pub fn file_name(s: &PlanSheet) -> String {
    format!(
        "duban-{}-{}-{}.xlsx",
        s.spec.plan_code, s.period.key, s.unit.code
    )
}

/// Resolves the period (by key) and the unit (by code; default the user's own unit) and
/// checks the rule: a reporter only for its own unit.
pub async fn resolve(
    state: &AppState,
    auth: &Auth,
    plan_id: i64,
    period: Option<&str>,
    unit: Option<&str>,
) -> Result<(PeriodRow, Unit), AppError> {
    let periods = state.store.plan_periods(plan_id).await?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(k) => periods
            .into_iter()
            .find(|p| p.key == k)
            .ok_or_else(|| AppError::BadRequest(format!("报送周期 {k} 不存在")))?,
        None => return Err(AppError::BadRequest("请指定报送周期（period）".into())),
    };
    let code = match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(c) => c.to_string(),
        None => auth
            .user
            .unit_code
            .clone()
            .ok_or_else(|| AppError::BadRequest("请指定单位（unit）".into()))?,
    };
    // PostgreSQL refuses a NUL in text (a 500 before this check).
    if code.chars().count() > 100 || code.chars().any(char::is_control) {
        return Err(AppError::BadRequest("单位代码无效".into()));
    }
    let unit = state
        .store
        .unit_by_code(&code)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("单位 {code} 不存在")))?;
    if auth.role() == duban_store::user::Role::Reporter && !auth.can_act_for(unit.id) {
        return Err(AppError::Forbidden);
    }
    Ok((period, unit))
}

/// Builds the sheet of `unit` for `period`: one row per task the unit leads whose cadence
/// has this period, pre-filled with the unit's report for the period (if any) and the
/// task's light at `as_of` — the plan's as-of date (`deliver::PlanAsOf`), the same date
/// and the same computation as the task list, the status page and the dashboards. Report
/// content is pre-filled only where `reader` may read it (`access::can_read_report`).
pub async fn build(
    state: &AppState,
    reader: &duban_store::user::User,
    plan_id: i64,
    period: PeriodRow,
    unit: Unit,
    as_of: NaiveDate,
) -> Result<PlanSheet, AppError> {
    let pd = duban_app::status::plan_deliver(&state.store, plan_id, as_of).await?;
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
        row.deadline = task.deadline.clone().unwrap_or_default();
        row.status_label = lights
            .get(&task.number)
            .map(|l| crate::deliver::light_label(*l).to_string())
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
    pd: &duban_app::status::PlanDeliver,
    reader: &duban_store::user::User,
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
        let report = pd
            .reports
            .iter()
            .find(|r| r.task_id == task.id && r.period_id == period_id && r.unit_id == d.unit_id)
            .filter(|r| crate::access::can_read_report(reader, r.unit_id, r.state));
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
        // As of the overview's date, as the overdue lists count it.
        let submitted = crate::deliver::submitted_by(d, as_of);
        let state = d.state.map_or("未报", ReportState::label_zh);
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
            deadline: task.deadline.clone().unwrap_or_default(),
            report_state,
            submitted,
            progress: report.map(|r| r.progress.clone()).unwrap_or_default(),
            problems: report.map(|r| r.problems.clone()).unwrap_or_default(),
            next_steps: report.map(|r| r.next_steps.clone()).unwrap_or_default(),
            light,
            light_label: light
                .map(crate::deliver::light_label)
                .unwrap_or_default()
                .to_string(),
        });
    }
    rows
}

/// One problem of an import, for the page and the JSON `details`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportProblem {
    /// `K5`, or empty when the problem is not about one cell.
    pub cell: String,
    /// 1-based sheet row, if any.
    pub row: Option<u32>,
    /// Column letters, if any.
    pub column: Option<String>,
    /// `第5行 K列`, `第5行` or empty.
    pub location: String,
    pub message: String,
}

/// Why an import was refused; nothing was saved.
#[derive(Debug, Clone)]
pub struct ImportRefused {
    pub too_large: bool,
    pub message: String,
    pub problems: Vec<ImportProblem>,
}

impl ImportRefused {
    fn of(errors: &SheetErrors) -> ImportRefused {
        let problems: Vec<ImportProblem> = errors
            .errors
            .iter()
            .map(|e| ImportProblem {
                cell: match (e.row, e.col) {
                    (Some(r), Some(c)) => format!("{}{}", column_letters(c), r + 1),
                    _ => String::new(),
                },
                row: e.row.map(|r| r + 1),
                column: e.col.map(column_letters),
                location: e.location(),
                message: e.message.clone(),
            })
            .collect();
        let mut message = format!(
            "督办表有 {} 处错误，未导入任何内容",
            problems.len() + errors.more
        );
        if let Some(first) = errors.errors.first() {
            message.push_str(&format!("：{first}"));
        }
        ImportRefused {
            too_large: errors
                .errors
                .iter()
                .any(|e| e.kind == SheetErrorKind::TooLarge),
            message,
            problems,
        }
    }

    fn single(message: String) -> ImportRefused {
        ImportRefused {
            too_large: false,
            problems: vec![ImportProblem {
                cell: String::new(),
                row: None,
                column: None,
                location: String::new(),
                message: message.clone(),
            }],
            message: format!("导入失败，未保存任何内容：{message}"),
        }
    }

    /// `{"error":{"code":"invalid_workbook","message":…,"details":[…]}}`
    pub fn json(&self) -> Value {
        json!({"error": {
            "code": if self.too_large { "payload_too_large" } else { "invalid_workbook" },
            "message": self.message,
            "details": self.problems,
        }})
    }

    pub fn status(&self) -> axum::http::StatusCode {
        if self.too_large {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }
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
pub async fn import(
    state: &AppState,
    auth: &Auth,
    sheet: &PlanSheet,
    bytes: &[u8],
) -> Result<Result<Vec<ImportedReport>, ImportRefused>, AppError> {
    let by = ReportActor::of(&auth.user).ok_or(AppError::Forbidden)?;
    let filled: FilledSheet =
        match duban_io::supervision_sheet::read_supervision_sheet(bytes, &sheet.spec) {
            Ok(f) => f,
            Err(e) => return Ok(Err(ImportRefused::of(&e))),
        };
    let mut items: Vec<(ReportKey, ReportContent)> = Vec::new();
    let mut codes = Vec::new();
    for row in &filled.rows {
        let Some(&task_id) = sheet.tasks.get(&row.task_code) else {
            return Ok(Err(ImportRefused::single(format!(
                "未知任务编码 {}",
                row.task_code
            ))));
        };
        let key = ReportKey {
            task_id,
            period_id: sheet.period.id,
            unit_id: sheet.unit.id,
        };
        let existing = state.store.report_by_key(key).await?;
        let mut values = Vec::new();
        for v in &row.values {
            let Some(&target_id) = sheet.targets.get(&v.target_code) else {
                return Ok(Err(ImportRefused::single(format!(
                    "未知目标编码 {}",
                    v.target_code
                ))));
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
                return Ok(Err(ImportRefused::single(format!(
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
    match state.store.save_drafts(&items, &by).await {
        Ok(saved) => Ok(Ok(codes
            .into_iter()
            .zip(saved)
            .map(|(task_code, (report_id, created))| ImportedReport {
                task_code,
                report_id,
                created,
            })
            .collect())),
        Err(duban_store::deliver::DeliverError::Workflow(e)) => {
            Ok(Err(ImportRefused::single(e.to_string())))
        }
        Err(duban_store::deliver::DeliverError::Store(duban_store::StoreError::Invalid(m))) => {
            Ok(Err(ImportRefused::single(m)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The bytes of an uploaded workbook: the `file` field of a multipart form (other text
/// fields returned too), or the raw body.
pub async fn upload(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<(Vec<u8>, HashMap<String, String>), AppError> {
    use axum::extract::FromRequest;
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut fields = HashMap::new();
    if is_multipart {
        let mut mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无效：{e}")))?;
        let mut file = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无效：{e}")))?
        {
            let name = field.name().unwrap_or("").to_string();
            let data = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("上传中断：{e}")))?;
            if name == "file" {
                file = Some(data.to_vec());
            } else {
                fields.insert(name, String::from_utf8_lossy(&data).into_owned());
            }
        }
        let file = file.ok_or_else(|| AppError::BadRequest("请选择要上传的督办表文件".into()))?;
        Ok((file, fields))
    } else {
        let body = axum::body::to_bytes(req.into_body(), crate::MAX_BODY_BYTES)
            .await
            .map_err(|_| AppError::TooLarge)?;
        Ok((body.to_vec(), fields))
    }
}
