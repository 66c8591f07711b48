//! JSON API v1 of the deliver workflow: periods, reports (draft, submit, accept, return,
//! reopen) and the plan status at an as-of date. Same authentication and error shape as
//! the rest of `/api/v1`; a reporter acting for another unit gets 403.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use duban_app::status::PlanDeliver;
use duban_core::report::ReportAction;
use duban_core::status::{Forecast, LightCounts, RollUp, TargetStatus, Timeliness};
use duban_store::deliver::period::PeriodRow;
use duban_store::deliver::report::{
    MilestoneInput, ReportActor, ReportContent, ReportKey, ReportRow, ValueInput,
};
use serde::{Deserialize, Serialize};

use super::{Body, JsonBody, OptionalBody, read_optional_body, sorted};
use crate::auth::Auth;
use crate::deliver::value_of;
use crate::error::AppError;
use crate::state::AppState;

/// The deliver routes: (method, path as in OpenAPI).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/plans/{id}/periods"),
    ("get", "/api/v1/plans/{id}/status"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/{id}"),
    ("post", "/api/v1/reports/{id}/submit"),
    ("post", "/api/v1/reports/{id}/accept"),
    ("post", "/api/v1/reports/{id}/return"),
    ("post", "/api/v1/reports/{id}/reopen"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans/{id}/periods", get(periods))
        .route("/api/v1/plans/{id}/status", get(status))
        .route("/api/v1/reports", post(create))
        .route("/api/v1/reports/{id}", get(read))
        .route("/api/v1/reports/{id}/submit", post(submit))
        .route("/api/v1/reports/{id}/accept", post(accept))
        .route("/api/v1/reports/{id}/return", post(return_report))
        .route("/api/v1/reports/{id}/reopen", post(reopen))
}

/// The typed JSON bodies of this module's routes: (method, path as in OpenAPI, the body's
/// fields), checked against `openapi.json` (`api::tests::request_bodies_match_the_document`).
#[cfg(test)]
pub(super) const REQUEST_BODIES: &[super::RequestBody] = &[
    ("post", "/api/v1/reports", ReportBody::FIELDS),
    ("post", "/api/v1/reports/{id}/accept", CommentBody::FIELDS),
    ("post", "/api/v1/reports/{id}/return", CommentBody::FIELDS),
    ("post", "/api/v1/reports/{id}/reopen", ReopenBody::FIELDS),
];

async fn periods(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Vec<PeriodJson>>, AppError> {
    let ps = state.store.plan_periods(id).await?;
    Ok(Json(ps.into_iter().map(PeriodJson::from).collect()))
}

// Response fields are declared in alphabetical order: the wire order `json!` gave them
// (checked by `tests::responses_keep_sorted_keys`).

/// A reporting period (`GET /api/v1/plans/{id}/periods`).
#[derive(Serialize, Default)]
pub struct PeriodJson {
    cadence: &'static str,
    due: NaiveDate,
    end: NaiveDate,
    id: i64,
    key: String,
    label: String,
    start: NaiveDate,
}

impl From<PeriodRow> for PeriodJson {
    fn from(p: PeriodRow) -> Self {
        PeriodJson {
            cadence: p.cadence.as_str(),
            due: p.due,
            end: p.end,
            id: p.id,
            key: p.key,
            label: p.label,
            start: p.start,
        }
    }
}

/// A report as the API shows it (`Report` in the OpenAPI document).
#[derive(Serialize, Default)]
pub struct ReportJson<'a> {
    demo: bool,
    due: NaiveDate,
    first_submitted_at: Option<&'a str>,
    id: i64,
    milestone: Option<&'static str>,
    milestone_share: Option<f64>,
    next_steps: &'a str,
    period: &'a str,
    period_id: i64,
    plan_id: i64,
    problems: &'a str,
    progress: &'a str,
    review_comment: Option<&'a str>,
    reviewed_at: Option<&'a str>,
    reviewed_by: Option<&'a str>,
    state: &'static str,
    submitted_at: Option<&'a str>,
    submitted_by: Option<&'a str>,
    task: i64,
    task_id: i64,
    unit: &'a str,
    unit_name: &'a str,
    values: Vec<ReportValueJson>,
    version: i64,
}

/// One reported value of a [`ReportJson`].
#[derive(Serialize, Default)]
pub struct ReportValueJson {
    as_of: NaiveDate,
    target_id: i64,
    value: Option<f64>,
}

impl<'a> From<&'a ReportRow> for ReportJson<'a> {
    fn from(r: &'a ReportRow) -> Self {
        ReportJson {
            demo: r.demo,
            due: r.due,
            first_submitted_at: r.first_submitted_at.as_deref(),
            id: r.id,
            milestone: r.milestone.map(MilestoneInput::as_str),
            milestone_share: r.milestone_share,
            next_steps: &r.next_steps,
            period: &r.period_key,
            period_id: r.period_id,
            plan_id: r.plan_id,
            problems: &r.problems,
            progress: &r.progress,
            review_comment: r.review_comment.as_deref(),
            reviewed_at: r.reviewed_at.as_deref(),
            reviewed_by: r.reviewed_by.as_deref(),
            state: r.state.as_str(),
            submitted_at: r.submitted_at.as_deref(),
            submitted_by: r.submitted_by.as_deref(),
            task: r.task_number,
            task_id: r.task_id,
            unit: &r.unit_code,
            unit_name: &r.unit_name,
            values: r
                .values
                .iter()
                .map(|v| ReportValueJson {
                    as_of: v.as_of,
                    target_id: v.target_id,
                    value: v.value,
                })
                .collect(),
            version: r.version,
        }
    }
}

/// The report as JSON.
fn report_json(r: &ReportRow) -> ReportJson<'_> {
    ReportJson::from(r)
}

/// The gate of every report write through the API, as an extractor (before the body is
/// read): a write the session or token may make, by a user who may act on reports.
struct Writer {
    auth: Auth,
    by: ReportActor,
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let auth = Auth::from_request_parts(parts, state).await?;
        auth.check_api_write(&parts.headers)?;
        let by = ReportActor::of(&auth.user).ok_or(AppError::Forbidden)?;
        Ok(Writer { auth, by })
    }
}

/// The body of `POST /api/v1/reports`: which report (plan, task, period, unit), the
/// version it was read at, and its content. Every field has one JSON type; any other type
/// is a 422 naming the field (nothing is silently dropped).
#[derive(Deserialize)]
pub struct ReportBody {
    plan_id: i64,
    /// The task's number in the plan.
    task: i64,
    period: PeriodRef,
    /// The unit's code; default the user's own unit.
    unit: Option<String>,
    /// As read from GET: a save into an existing report made against an older version is
    /// refused with 409, like the form.
    version: Option<i64>,
    progress: Option<String>,
    problems: Option<String>,
    next_steps: Option<String>,
    /// `not_started`, `in_progress` or `done`.
    milestone: Option<String>,
    milestone_share: Option<f64>,
    values: Option<Vec<ValueBody>>,
}

impl Body for ReportBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("plan_id", "须为整数"),
        ("task", "须为任务序号（整数）"),
        ("period", "须为周期键（如 2020-Q1）或周期 id"),
        ("unit", "须为字符串"),
        ("version", "须为整数"),
        ("progress", "须为字符串"),
        ("problems", "须为字符串"),
        ("next_steps", "须为字符串"),
        ("milestone", "须为字符串"),
        ("milestone_share", "须为数字"),
        ("values", "须为数组"),
        ("values[]", "须为对象"),
        ("values[].target_id", "须为整数"),
        ("values[].value", "须为数字或数字文本"),
        ("values[].as_of", "须为字符串"),
    ];
}

/// A period by its key (`2020-Q1`) or its id.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum PeriodRef {
    Key(String),
    Id(i64),
}

/// Which report of the task a [`ReportBody`] is about (the plan and task are read from the
/// body first, to find the targets' units).
struct ReportWhere {
    period: PeriodRef,
    unit: Option<String>,
    version: Option<i64>,
}

/// One value of a report body.
#[derive(Deserialize)]
pub struct ValueBody {
    target_id: i64,
    value: Option<Number>,
    /// `YYYY-MM-DD`; default the period's last day.
    as_of: Option<String>,
}

/// A JSON number, or a string in the syntax of the report form (`1,234.5`, `１２３`, `3万`).
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Number {
    Json(serde_json::Number),
    Text(String),
}

impl ReportBody {
    /// Which report, and the content to store: numbers read and bounded like the 督办表's
    /// (|x| ≤ 1e15), dates and the milestone parsed; a 422 naming the field otherwise.
    /// `unit_of(target_id)`: the target's unit, which a value typed as text may carry
    /// (`5个`), as on the report form.
    fn into_parts(
        self,
        unit_of: &dyn Fn(i64) -> Option<String>,
    ) -> Result<(ReportWhere, ReportContent), AppError> {
        let values = self
            .values
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let unit = unit_of(v.target_id);
                v.into_input(i, unit.as_deref())
            })
            .collect::<Result<_, _>>()?;
        let milestone = match self.milestone {
            None => None,
            Some(m) => Some(MilestoneInput::parse(&m).ok_or_else(|| {
                AppError::Invalid("milestone 须为 not_started、in_progress 或 done".into())
            })?),
        };
        let content = ReportContent {
            progress: self.progress.unwrap_or_default(),
            problems: self.problems.unwrap_or_default(),
            next_steps: self.next_steps.unwrap_or_default(),
            milestone,
            milestone_share: self.milestone_share,
            values,
        };
        let at = ReportWhere {
            period: self.period,
            unit: self.unit,
            version: self.version,
        };
        Ok((at, content))
    }
}

impl ValueBody {
    /// The value to store; `i` is its index in `values` (for the message).
    fn into_input(self, i: usize, unit: Option<&str>) -> Result<ValueInput, AppError> {
        let value = match self.value {
            None => None,
            Some(Number::Text(s)) => value_of(&s, unit)
                .map_err(|e| AppError::Invalid(format!("values[{i}].value：{e}")))?,
            Some(Number::Json(n)) => Some(n.as_f64().ok_or_else(|| {
                AppError::Invalid(format!("values[{i}].value 须为数字或数字文本"))
            })?),
        };
        if value.is_some_and(|x| !duban_store::deliver::report::value_in_range(x)) {
            return Err(AppError::Invalid(format!(
                "values[{i}].value 超出范围（绝对值不超过 1e15）"
            )));
        }
        let as_of = match self.as_of {
            None => None,
            Some(s) => Some(
                duban_core::period::parse_iso_date(&format!("values[{i}].as_of "), &s)
                    .map_err(AppError::Invalid)?,
            ),
        };
        Ok(ValueInput {
            target_id: self.target_id,
            value,
            as_of,
        })
    }
}

/// `POST /api/v1/reports`: creates the draft of (task, period, unit), or saves into it
/// while it is editable (200 instead of 201).
async fn create(
    State(state): State<AppState>,
    Writer { auth, by }: Writer,
    JsonBody(body): JsonBody<ReportBody>,
) -> Result<Response, AppError> {
    // The task and the period by their indexed keys: a save does not load the whole plan.
    let plan = state.store.plan(body.plan_id).await?;
    let number = body.task;
    let task = state
        .store
        .task_by_number(plan.id, number)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("计划中没有第 {number} 项任务")))?;
    // A value typed as text may carry its target's unit; JSON numbers need no lookup.
    let typed_as_text = body
        .values
        .iter()
        .flatten()
        .any(|v| matches!(v.value, Some(Number::Text(_))));
    let units: std::collections::HashMap<i64, Option<String>> = if typed_as_text {
        state
            .store
            .task_target_units(task.id)
            .await?
            .into_iter()
            .collect()
    } else {
        Default::default()
    };
    let (at, content) = body.into_parts(&|t| units.get(&t).cloned().flatten())?;
    let period = match &at.period {
        PeriodRef::Key(key) => state.store.period_by_key(plan.id, key).await?,
        PeriodRef::Id(id) => match state.store.period(*id).await {
            Ok(p) => Some(p).filter(|p| p.plan_id == plan.id),
            Err(duban_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
    }
    .ok_or_else(|| AppError::Invalid("报送周期不存在".into()))?;
    let unit_id = match &at.unit {
        Some(code) => {
            state
                .store
                .unit_by_code(code)
                .await?
                .ok_or_else(|| AppError::Invalid(format!("单位代码 {code} 不存在")))?
                .id
        }
        None => auth
            .user
            .unit_id
            .ok_or_else(|| AppError::Invalid("请指定 unit（单位代码）".into()))?,
    };
    if !auth.can_act_for(unit_id) {
        return Err(AppError::Forbidden);
    }
    let key = ReportKey {
        task_id: task.id,
        period_id: period.id,
        unit_id,
    };
    // With `version` the save is checked against it (409 when someone saved since); without
    // it the API creates the report or saves over its current text (a client's deliberate
    // last-writer-wins, as documented in openapi.json).
    let existing = match at.version {
        Some(_) => state.store.report_by_key(key).await?,
        None => None,
    };
    let (id, created) = match existing {
        Some(r) => {
            state
                .store
                .save_report(r.id, at.version, &content, &by)
                .await?;
            (r.id, false)
        }
        None => state.store.create_report(key, &content, &by).await?,
    };
    let r = state.store.report(id).await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(report_json(&r))).into_response())
}

async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = state.store.report(id).await?;
    crate::access::require_read_report(&auth.user, r.unit_id, r.state)?;
    Ok(Json(report_json(&r)).into_response())
}

/// `action` on report `id` by the writer; the report as it is after.
async fn act(
    state: &AppState,
    by: &ReportActor,
    id: i64,
    action: ReportAction,
) -> Result<Response, AppError> {
    duban_app::report::act(&state.store, id, &action, by).await?;
    let r = state.store.report(id).await?;
    Ok(Json(report_json(&r)).into_response())
}

/// The (optional) body of `POST /api/v1/reports/{id}/accept` (审核意见, optional) and
/// `/return` (退回意见, required by the workflow).
#[derive(Deserialize)]
struct CommentBody {
    comment: Option<String>,
}

impl Body for CommentBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[("comment", "须为字符串")];
}

/// The (optional) body of `POST /api/v1/reports/{id}/reopen`.
#[derive(Deserialize)]
struct ReopenBody {
    reason: Option<String>,
}

impl Body for ReopenBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[("reason", "须为字符串")];
}

async fn submit(
    State(state): State<AppState>,
    Writer { by, .. }: Writer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    act(&state, &by, id, ReportAction::Submit).await
}

async fn accept(
    State(state): State<AppState>,
    Writer { by, .. }: Writer,
    Path(id): Path<i64>,
    JsonBody(b): OptionalBody<CommentBody>,
) -> Result<Response, AppError> {
    let comment = b.comment.unwrap_or_default();
    act(&state, &by, id, ReportAction::Accept { comment }).await
}

async fn return_report(
    State(state): State<AppState>,
    Writer { by, .. }: Writer,
    Path(id): Path<i64>,
    JsonBody(b): OptionalBody<CommentBody>,
) -> Result<Response, AppError> {
    let comment = b.comment.unwrap_or_default();
    act(&state, &by, id, ReportAction::Return { comment }).await
}

async fn reopen(
    State(state): State<AppState>,
    Writer { by, .. }: Writer,
    Path(id): Path<i64>,
    JsonBody(b): OptionalBody<ReopenBody>,
) -> Result<Response, AppError> {
    let reason = b.reason.unwrap_or_default();
    act(&state, &by, id, ReportAction::Reopen { reason }).await
}

/// The status of one target (or of a task's milestone) at the as-of date.
#[derive(Serialize, Default)]
pub struct TargetStatusJson<'a> {
    achieved: bool,
    expected: Option<f64>,
    explanation: &'a [String],
    #[serde(serialize_with = "sorted")]
    forecast: Option<&'a Forecast>,
    id: i64,
    latest_date: Option<NaiveDate>,
    latest_value: Option<f64>,
    light: &'static str,
    method: &'a str,
    metric: &'a str,
    progress: Option<f64>,
    raw_progress: Option<f64>,
    #[serde(serialize_with = "sorted")]
    timeliness: Option<&'a Timeliness>,
}

impl<'a> TargetStatusJson<'a> {
    fn of(id: i64, metric: &'a str, s: &'a TargetStatus) -> Self {
        TargetStatusJson {
            achieved: s.achieved,
            expected: s.expected,
            explanation: &s.explanation,
            forecast: s.forecast.as_ref(),
            id,
            latest_date: s.latest_date,
            latest_value: s.latest_value,
            light: s.light.as_str(),
            method: &s.method,
            metric,
            progress: s.progress,
            raw_progress: s.raw_progress,
            timeliness: s.timeliness.as_ref(),
        }
    }
}

/// A roll-up (plan, headline targets): its light, progress and counts of lights.
#[derive(Serialize, Default)]
pub struct RollUpJson<'a> {
    counted: usize,
    #[serde(serialize_with = "sorted")]
    counts: LightCounts,
    light: &'static str,
    method: &'a str,
    progress: Option<f64>,
}

impl<'a> From<&'a RollUp> for RollUpJson<'a> {
    fn from(r: &'a RollUp) -> Self {
        RollUpJson {
            counted: r.counted,
            counts: r.counts,
            light: r.light.as_str(),
            method: &r.method,
            progress: r.progress,
        }
    }
}

/// The roll-up of a pillar, with its id and heading.
#[derive(Serialize, Default)]
pub struct PillarStatusJson<'a> {
    counted: usize,
    #[serde(serialize_with = "sorted")]
    counts: LightCounts,
    heading: &'a str,
    id: i64,
    light: &'static str,
    method: &'a str,
    progress: Option<f64>,
}

/// The roll-up of a task, with its targets and milestone.
#[derive(Serialize, Default)]
pub struct TaskStatusJson<'a> {
    counted: usize,
    #[serde(serialize_with = "sorted")]
    counts: LightCounts,
    id: i64,
    light: &'static str,
    method: &'a str,
    milestone: Option<TargetStatusJson<'a>>,
    number: i64,
    progress: Option<f64>,
    targets: Vec<TargetStatusJson<'a>>,
    title: &'a str,
}

/// `GET /api/v1/plans/{id}/status`. A task without a roll-up is `null`.
#[derive(Serialize, Default)]
pub struct PlanStatusJson<'a> {
    as_of: NaiveDate,
    headline: RollUpJson<'a>,
    method: &'a str,
    pillars: Vec<PillarStatusJson<'a>>,
    plan: RollUpJson<'a>,
    plan_id: i64,
    tasks: Vec<Option<TaskStatusJson<'a>>>,
}

impl<'a> PlanStatusJson<'a> {
    fn of(id: i64, as_of: NaiveDate, pd: &'a PlanDeliver) -> Self {
        let d = &pd.detail;
        let tasks = d
            .tasks
            .iter()
            .map(|t| {
                let number = t.number as u32;
                let r = pd.status.task(number)?;
                let targets = d
                    .task_targets(t.id)
                    .filter_map(|x| {
                        let s = pd.status.target_by_id(x.id)?;
                        Some(TargetStatusJson::of(x.id, &x.target.metric, s))
                    })
                    .collect();
                let milestone = pd
                    .status
                    .target(duban_core::plan_status::TargetRef::TaskMilestone { number })
                    .map(|s| TargetStatusJson::of(t.id, "节点", s));
                Some(TaskStatusJson {
                    counted: r.counted,
                    counts: r.counts,
                    id: t.id,
                    light: r.light.as_str(),
                    method: &r.method,
                    milestone,
                    number: t.number,
                    progress: r.progress,
                    targets,
                    title: &t.title,
                })
            })
            .collect();
        let pillars = pd
            .pillar_statuses()
            .map(|(p, r)| PillarStatusJson {
                counted: r.counted,
                counts: r.counts,
                heading: &p.heading,
                id: p.id,
                light: r.light.as_str(),
                method: &r.method,
                progress: r.progress,
            })
            .collect();
        PlanStatusJson {
            as_of,
            headline: RollUpJson::from(&pd.status.headline),
            method: &pd.status.method,
            pillars,
            plan: RollUpJson::from(&pd.status.plan),
            plan_id: id,
            tasks,
        }
    }
}

async fn status(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of"))
        .await?
        .date;
    let pd = duban_app::status::plan_deliver(&state.store, id, as_of).await?;
    Ok(Json(PlanStatusJson::of(id, as_of, &pd)).into_response())
}

/// The report bodies read from `bytes` the way their handlers read them (see
/// [`super::parse_bodies`]).
pub(crate) fn parse_bodies(bytes: &[u8], out: &mut Vec<(&'static str, Result<(), AppError>)>) {
    out.push((
        "POST /api/v1/reports",
        super::read_body::<ReportBody>(bytes).and_then(|b| b.into_parts(&|_| None).map(drop)),
    ));
    out.push((
        "POST /api/v1/reports/{id}/accept or /return",
        read_optional_body::<CommentBody>(bytes).map(drop),
    ));
    out.push((
        "POST /api/v1/reports/{id}/reopen",
        read_optional_body::<ReopenBody>(bytes).map(drop),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::keys_sorted;

    /// The wire order of every response's keys is the sorted order `json!` gave them.
    #[test]
    fn responses_keep_sorted_keys() {
        keys_sorted(&PeriodJson::default());
        keys_sorted(&ReportJson {
            values: vec![ReportValueJson::default()],
            ..Default::default()
        });
        keys_sorted(&PlanStatusJson {
            pillars: vec![PillarStatusJson::default()],
            tasks: vec![
                None,
                Some(TaskStatusJson {
                    milestone: Some(TargetStatusJson::default()),
                    targets: vec![TargetStatusJson::default()],
                    ..Default::default()
                }),
            ],
            ..Default::default()
        });
    }

    fn report(v: serde_json::Value) -> Result<ReportBody, AppError> {
        crate::api::typed(v)
    }

    fn message(r: Result<impl Sized, AppError>) -> String {
        match r {
            Err(AppError::Invalid(m)) => m,
            Err(e) => panic!("not a 422: {e:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    /// Each wrong JSON type is a 422 naming the field, in Chinese.
    #[test]
    fn wrong_types_name_the_field() {
        let ok = serde_json::json!({"plan_id": 1, "task": 2, "period": "2020-Q1"});
        for (k, bad, want) in [
            ("plan_id", serde_json::json!("1"), "plan_id 须为整数"),
            ("plan_id", serde_json::Value::Null, "plan_id 须为整数"),
            ("task", serde_json::json!(1.5), "task 须为任务序号（整数）"),
            (
                "period",
                serde_json::json!([1]),
                "period 须为周期键（如 2020-Q1）或周期 id",
            ),
            ("unit", serde_json::json!(3), "unit 须为字符串"),
            ("version", serde_json::json!("1"), "version 须为整数"),
            ("progress", serde_json::json!(1), "progress 须为字符串"),
            (
                "milestone_share",
                serde_json::json!("half"),
                "milestone_share 须为数字",
            ),
            ("values", serde_json::json!("x"), "values 须为数组"),
            (
                "values",
                serde_json::json!([{"target_id": 1}, 3]),
                "values[1] 须为对象",
            ),
            (
                "values",
                serde_json::json!([{}]),
                "values[0].target_id 须为整数",
            ),
            (
                "values",
                serde_json::json!([{"target_id": "1"}]),
                "values[0].target_id 须为整数",
            ),
            (
                "values",
                serde_json::json!([{"target_id": 1, "value": true}]),
                "values[0].value 须为数字或数字文本",
            ),
            (
                "values",
                serde_json::json!([{"target_id": 1, "as_of": 20200101}]),
                "values[0].as_of 须为字符串",
            ),
        ] {
            let mut b = ok.clone();
            b[k] = bad;
            assert_eq!(message(report(b)), want, "{k}");
        }
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove("task");
        assert_eq!(message(report(b)), "task 须为任务序号（整数）");
        assert_eq!(
            message(report(serde_json::json!([1]))),
            "请求体须为 JSON 对象"
        );
    }

    /// Values are parsed into the content: numbers in either form, bounds, dates.
    #[test]
    fn values_are_parsed() {
        let b = report(serde_json::json!({
            "plan_id": 1, "task": 2, "period": 7, "extra": "ignored",
            "values": [
                {"target_id": 1, "value": 12.5},
                {"target_id": 2, "value": "1,234.5", "as_of": "2020-03-01"},
                {"target_id": 3, "value": null},
            ],
        }))
        .unwrap();
        let (at, content) = b.into_parts(&|_| None).unwrap();
        assert!(matches!(at.period, PeriodRef::Id(7)));
        let got: Vec<_> = content.values.iter().map(|v| v.value).collect();
        assert_eq!(got, [Some(12.5), Some(1234.5), None]);
        assert_eq!(content.values[1].as_of, NaiveDate::from_ymd_opt(2020, 3, 1));
        for (value, want) in [
            (serde_json::json!(1e16), "values[0].value 超出范围"),
            (serde_json::json!("x"), "values[0].value："),
        ] {
            let b = report(serde_json::json!({
                "plan_id": 1, "task": 2, "period": "2020-Q1",
                "values": [{"target_id": 1, "value": value}],
            }))
            .unwrap();
            let m = message(b.into_parts(&|_| None));
            assert!(m.starts_with(want), "{m}");
        }
        let b = report(serde_json::json!({
            "plan_id": 1, "task": 2, "period": "2020-Q1",
            "values": [{"target_id": 1, "as_of": "2020-13-01"}],
        }))
        .unwrap();
        assert_eq!(
            message(b.into_parts(&|_| None)),
            "values[0].as_of “2020-13-01”无效（格式 YYYY-MM-DD）"
        );
    }
}
