//! JSON API v1 of oversight: the 督办表 export/import (xlsx), escalations (list, run the
//! rules on demand). Same authentication and error shape as the rest of `/api/v1`; an
//! invalid workbook answers 422 `{"error":{"code":"invalid_workbook","message","details"}}`
//! with one detail per problem and its cell.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_core::escalation::EscalationLevel;
use duban_store::escalation::{EscalationFilter, EscalationRow, parse_state};
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// The oversight routes: (method, path as in OpenAPI).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/plans/{id}/export.xlsx"),
    ("post", "/api/v1/plans/{id}/import"),
    ("post", "/api/v1/plans/{id}/escalations/run"),
    ("get", "/api/v1/escalations"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans/{id}/export.xlsx", get(export))
        .route("/api/v1/plans/{id}/import", post(import))
        .route("/api/v1/plans/{id}/escalations/run", post(run_escalations))
        .route("/api/v1/escalations", get(list_escalations))
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook as a download response.
pub fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Result<Response, AppError> {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
            .map_err(|e| AppError::Internal(e.to_string()))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    state.store.plan(id).await?;
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of"))
        .await?
        .date;
    let (period, unit) = crate::sheet::resolve(
        &state,
        &auth,
        id,
        q.get("period").map(String::as_str),
        q.get("unit").map(String::as_str),
    )
    .await?;
    let sheet = crate::sheet::build(&state, &auth.user, id, period, unit, as_of).await?;
    let bytes = duban_io::supervision_sheet::write_supervision_sheet(&sheet.spec)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    xlsx_response(bytes, &crate::sheet::file_name(&sheet))
}

async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Result<Response, AppError> {
    auth.check_api_write(req.headers())?;
    if auth.role() == duban_store::user::Role::Viewer {
        return Err(AppError::Forbidden);
    }
    state.store.plan(id).await?;
    let (bytes, fields) = crate::sheet::upload(req, &state).await?;
    let pick = |k: &str| q.get(k).or_else(|| fields.get(k)).map(String::as_str);
    let (period, unit) =
        crate::sheet::resolve(&state, &auth, id, pick("period"), pick("unit")).await?;
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, None)
        .await?
        .date;
    let sheet = crate::sheet::build(&state, &auth.user, id, period, unit, as_of).await?;
    match crate::sheet::import(&state, &auth, &sheet, &bytes).await? {
        Ok(saved) => Ok((
            StatusCode::OK,
            Json(json!({
                "plan_id": id, "period": sheet.period.key, "unit": sheet.unit.code,
                "reports": saved,
            })),
        )
            .into_response()),
        Err(refused) => Ok((refused.status(), Json(refused.json())).into_response()),
    }
}

async fn run_escalations(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    super::require_admin_write(&auth, &headers)?;
    let v = super::parse_optional_body(&body)?;
    let as_of = v.get("as_of").and_then(Value::as_str).map(str::to_string);
    let as_of = crate::deliver::parse_as_of(as_of.as_ref())?;
    state.store.plan(id).await?;
    let run = state.store.run_escalations(id, as_of).await?;
    Ok(Json(json!({
        "plan_id": run.plan_id, "as_of": run.as_of, "required": run.required, "created": run.created,
    })))
}

pub fn escalation_json(e: &EscalationRow) -> Value {
    json!({
        "id": e.id, "plan_id": e.plan_id, "task": e.task_number, "task_id": e.task_id,
        "unit_id": e.unit_id, "unit_name": e.unit_name, "ident": e.ident,
        "level": e.level.as_str(), "level_label": e.level_label, "reason": e.reason,
        "raised_on": e.raised_on, "respond_by": e.respond_by,
        "state": duban_store::escalation::state_str(e.state), "state_label": e.state_label,
        "response": e.response, "responded_by": e.responded_by, "responded_at": e.responded_at,
        "office_note": e.office_note, "closed_by": e.closed_by, "closed_at": e.closed_at,
        "demo": e.demo,
    })
}

/// The filter of an escalation list from query parameters; reporters see their unit only.
pub async fn escalation_filter(
    state: &AppState,
    auth: &Auth,
    q: &HashMap<String, String>,
) -> Result<EscalationFilter, AppError> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut f = EscalationFilter {
        plan_id: get("plan").and_then(|s| s.parse().ok()),
        level: match get("level") {
            Some(l) => Some(
                EscalationLevel::parse(l)
                    .ok_or_else(|| AppError::BadRequest(format!("level {l} 无效")))?,
            ),
            None => None,
        },
        state: match get("state") {
            Some(s) => Some(
                parse_state(s).ok_or_else(|| AppError::BadRequest(format!("state {s} 无效")))?,
            ),
            None => None,
        },
        unit_id: match get("unit") {
            Some(code) => Some(
                state
                    .store
                    .unit_by_code(code)
                    .await?
                    .ok_or_else(|| AppError::BadRequest(format!("单位 {code} 不存在")))?
                    .id,
            ),
            None => None,
        },
    };
    if auth.role() == duban_store::user::Role::Reporter {
        if f.unit_id.is_some_and(|u| Some(u) != auth.user.unit_id) {
            return Err(AppError::Forbidden);
        }
        f.unit_id = Some(auth.user.unit_id.unwrap_or(-1));
    }
    Ok(f)
}

async fn list_escalations(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let f = escalation_filter(&state, &auth, &q).await?;
    let rows = state.store.list_escalations(&f, 1000).await?;
    Ok(Json(Value::Array(
        rows.iter().map(escalation_json).collect(),
    )))
}
