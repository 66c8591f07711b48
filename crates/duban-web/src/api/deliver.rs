//! JSON API v1 of the deliver workflow: periods, reports (draft, submit, accept, return,
//! reopen) and the plan status at an as-of date. Same authentication and error shape as
//! the rest of `/api/v1`; a reporter acting for another unit gets 403.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use duban_core::report::ReportAction;
use duban_core::status::TargetStatus;
use duban_store::deliver::report::{
    MilestoneInput, ReportActor, ReportContent, ReportKey, ReportRow, ValueInput,
};
use serde_json::{Value, json};

use super::{parse_body, parse_optional_body};
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

async fn periods(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let ps = state.store.plan_periods(id).await?;
    Ok(Json(Value::Array(
        ps.iter()
            .map(|p| json!({"id": p.id, "key": p.key, "label": p.label, "cadence": p.cadence.as_str(), "start": p.start, "end": p.end, "due": p.due}))
            .collect(),
    )))
}

pub fn report_json(r: &ReportRow) -> Value {
    json!({
        "id": r.id, "plan_id": r.plan_id, "task": r.task_number, "task_id": r.task_id,
        "period": r.period_key, "period_id": r.period_id, "due": r.due,
        "unit": r.unit_code, "unit_name": r.unit_name,
        "state": r.state.as_str(), "progress": r.progress, "problems": r.problems, "next_steps": r.next_steps,
        "milestone": r.milestone.map(MilestoneInput::as_str), "milestone_share": r.milestone_share,
        "values": r.values.iter().map(|v| json!({"target_id": v.target_id, "value": v.value, "as_of": v.as_of})).collect::<Vec<_>>(),
        "version": r.version,
        "first_submitted_at": r.first_submitted_at, "submitted_at": r.submitted_at, "submitted_by": r.submitted_by,
        "reviewed_at": r.reviewed_at, "reviewed_by": r.reviewed_by, "review_comment": r.review_comment,
        "demo": r.demo,
    })
}

/// The gate of every report write through the API: a write the session or token may make,
/// by a user who may act on reports.
fn writer(auth: &Auth, headers: &HeaderMap) -> Result<ReportActor, AppError> {
    auth.check_api_write(headers)?;
    ReportActor::of(&auth.user).ok_or(AppError::Forbidden)
}

fn text(v: &Value, k: &str) -> Result<String, AppError> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(AppError::Invalid(format!("{k} 须为字符串"))),
    }
}

/// A field that must be a JSON string when present (`null` = absent).
fn opt_str<'a>(v: &'a Value, path: &str) -> Result<Option<&'a str>, AppError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(AppError::Invalid(format!("{path} 须为字符串"))),
    }
}

/// A field that must be a JSON number when present (`null` = absent).
fn opt_f64(v: &Value, path: &str) -> Result<Option<f64>, AppError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| AppError::Invalid(format!("{path} 须为数字"))),
        _ => Err(AppError::Invalid(format!("{path} 须为数字"))),
    }
}

/// The report content of an API body. Every field has one JSON type; any other type is a
/// 422 naming the field (nothing is silently dropped), and numbers are bounded like the
/// 督办表's (|x| ≤ 1e15).
fn content_of(v: &Value) -> Result<ReportContent, AppError> {
    let items = match v.get("values").unwrap_or(&Value::Null) {
        Value::Null => &[][..],
        Value::Array(a) => &a[..],
        _ => return Err(AppError::Invalid("values 须为数组".into())),
    };
    let mut values = Vec::new();
    for (i, x) in items.iter().enumerate() {
        if !x.is_object() {
            return Err(AppError::Invalid(format!("values[{i}] 须为对象")));
        }
        let target_id = x
            .get("target_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| AppError::Invalid(format!("values[{i}].target_id 须为整数")))?;
        let field = |k: &str| x.get(k).unwrap_or(&Value::Null);
        let value = match field("value") {
            Value::Null => None,
            // A JSON number, or a string in the syntax of the report form.
            Value::String(s) => value_of(s, None)
                .map_err(|e| AppError::Invalid(format!("values[{i}].value：{e}")))?,
            Value::Number(n) => Some(n.as_f64().ok_or_else(|| {
                AppError::Invalid(format!("values[{i}].value 须为数字或数字文本"))
            })?),
            _ => {
                return Err(AppError::Invalid(format!(
                    "values[{i}].value 须为数字或数字文本"
                )));
            }
        };
        if value.is_some_and(|x| !duban_store::deliver::report::value_in_range(x)) {
            return Err(AppError::Invalid(format!(
                "values[{i}].value 超出范围（绝对值不超过 1e15）"
            )));
        }
        let as_of = match opt_str(field("as_of"), &format!("values[{i}].as_of"))? {
            None => None,
            Some(s) => Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| AppError::Invalid(format!("values[{i}].as_of 须为 YYYY-MM-DD")))?,
            ),
        };
        values.push(ValueInput {
            target_id,
            value,
            as_of,
        });
    }
    let get = |k: &str| v.get(k).unwrap_or(&Value::Null);
    let milestone = match opt_str(get("milestone"), "milestone")? {
        None => None,
        Some(m) => Some(MilestoneInput::parse(m).ok_or_else(|| {
            AppError::Invalid("milestone 须为 not_started、in_progress 或 done".into())
        })?),
    };
    Ok(ReportContent {
        progress: text(v, "progress")?,
        problems: text(v, "problems")?,
        next_steps: text(v, "next_steps")?,
        milestone,
        milestone_share: opt_f64(get("milestone_share"), "milestone_share")?,
        values,
    })
}

/// `POST /api/v1/reports`: creates the draft of (task, period, unit), or saves into it
/// while it is editable (200 instead of 201).
async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let by = writer(&auth, &headers)?;
    let v = parse_body(&body)?;
    let plan_id = v
        .get("plan_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| AppError::Invalid("plan_id 须为整数".into()))?;
    let number = v
        .get("task")
        .and_then(Value::as_i64)
        .ok_or_else(|| AppError::Invalid("task 须为任务序号（整数）".into()))?;
    let detail = state.store.plan_detail(plan_id).await?;
    let task = detail
        .tasks
        .iter()
        .find(|t| t.number == number)
        .ok_or_else(|| AppError::Invalid(format!("计划中没有第 {number} 项任务")))?;
    let periods = state.store.plan_periods(plan_id).await?;
    let period = match v.get("period") {
        Some(Value::String(k)) => periods.iter().find(|p| &p.key == k),
        Some(Value::Number(n)) => periods.iter().find(|p| Some(p.id) == n.as_i64()),
        _ => {
            return Err(AppError::Invalid(
                "period 须为周期键（如 2020-Q1）或周期 id".into(),
            ));
        }
    }
    .ok_or_else(|| AppError::Invalid("报送周期不存在".into()))?;
    let unit_id = match opt_str(v.get("unit").unwrap_or(&Value::Null), "unit")? {
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
    let content = content_of(&v)?;
    let key = ReportKey {
        task_id: task.id,
        period_id: period.id,
        unit_id,
    };
    // `version` (optional, as read from GET): a save into an existing report made against
    // an older version is refused with 409, like the form.
    let version = match v.get("version").unwrap_or(&Value::Null) {
        Value::Null => None,
        x => Some(
            x.as_i64()
                .ok_or_else(|| AppError::Invalid("version 须为整数".into()))?,
        ),
    };
    let existing = match version {
        Some(_) => state.store.report_by_key(key).await?,
        None => None,
    };
    let (id, created) = match existing {
        Some(r) => {
            state
                .store
                .save_report(r.id, version, &content, &by)
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
) -> Result<Json<Value>, AppError> {
    let r = state.store.report(id).await?;
    crate::access::require_read_report(&auth.user, r.unit_id, r.state)?;
    Ok(Json(report_json(&r)))
}

async fn act(
    state: &AppState,
    auth: &Auth,
    headers: &HeaderMap,
    id: i64,
    action: ReportAction,
) -> Result<Json<Value>, AppError> {
    let by = writer(auth, headers)?;
    state.store.report_action(id, &action, &by).await?;
    Ok(Json(report_json(&state.store.report(id).await?)))
}

fn comment_of(body: &[u8], key: &str) -> Result<String, AppError> {
    text(&parse_optional_body(body)?, key)
}

async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    act(&state, &auth, &headers, id, ReportAction::Submit).await
}

async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    act(&state, &auth, &headers, id, ReportAction::Accept).await
}

async fn return_report(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let comment = comment_of(&body, "comment")?;
    act(
        &state,
        &auth,
        &headers,
        id,
        ReportAction::Return { comment },
    )
    .await
}

async fn reopen(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let reason = comment_of(&body, "reason")?;
    act(&state, &auth, &headers, id, ReportAction::Reopen { reason }).await
}

fn target_json(id: i64, metric: &str, s: &TargetStatus) -> Value {
    json!({
        "id": id, "metric": metric, "light": s.light.as_str(), "progress": s.progress, "raw_progress": s.raw_progress,
        "expected": s.expected, "achieved": s.achieved, "latest_value": s.latest_value, "latest_date": s.latest_date,
        "timeliness": s.timeliness, "forecast": s.forecast, "explanation": s.explanation, "method": s.method,
    })
}

fn roll_json(r: &duban_core::status::RollUp) -> Value {
    json!({"light": r.light.as_str(), "progress": r.progress, "counted": r.counted, "counts": r.counts, "method": r.method})
}

async fn status(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of"))
        .await?
        .date;
    let pd = state.store.plan_deliver(id, as_of).await?;
    let d = &pd.detail;
    let tasks: Vec<Value> = d
        .tasks
        .iter()
        .map(|t| {
            let number = t.number as u32;
            let targets: Vec<Value> = d
                .task_targets(t.id)
                .filter_map(|x| {
                    let s = pd.status.target(pd.target_ref(x)?)?;
                    Some(target_json(x.id, &x.target.metric, s))
                })
                .collect();
            let milestone = pd
                .status
                .target(duban_core::plan_status::TargetRef::TaskMilestone { number })
                .map(|s| target_json(t.id, "节点", s));
            let mut v = pd.status.task(number).map(roll_json).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("id".into(), json!(t.id));
                o.insert("number".into(), json!(t.number));
                o.insert("title".into(), json!(t.title));
                o.insert("targets".into(), Value::Array(targets));
                o.insert("milestone".into(), milestone.unwrap_or(Value::Null));
            }
            v
        })
        .collect();
    let pillars: Vec<Value> = pd
        .status
        .pillars
        .iter()
        .filter_map(|(i, r)| {
            let p = d.pillars.get(*i)?;
            let mut v = roll_json(r);
            v["id"] = json!(p.id);
            v["heading"] = json!(p.heading);
            Some(v)
        })
        .collect();
    Ok(Json(json!({
        "plan_id": id, "as_of": as_of, "method": pd.status.method,
        "plan": roll_json(&pd.status.plan), "headline": roll_json(&pd.status.headline),
        "pillars": pillars, "tasks": tasks,
    })))
}
