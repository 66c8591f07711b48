//! JSON API v1 of oversight: the 督办表 export/import (xlsx), escalations (list, run the
//! rules on demand). Same authentication and error shape as the rest of `/api/v1`; an
//! invalid workbook answers 422 `{"error":{"code":"invalid_workbook","message","details"}}`
//! with one detail per problem and its cell.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_core::escalation::EscalationLevel;
use duban_store::escalation::{EscalationFilter, EscalationRow, parse_state};
use serde::Serialize;

use super::{AsOfBody, JsonBody, OfficeWrite, OptionalBody, sorted};

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// The oversight routes: (method, path as in OpenAPI).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/plans/{id}/export.xlsx"),
    ("post", "/api/v1/plans/{id}/import"),
    ("post", "/api/v1/plans/{id}/escalations/run"),
    ("get", "/api/v1/escalations"),
    ("get", "/api/v1/escalations/{id}"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans/{id}/export.xlsx", get(export))
        .route("/api/v1/plans/{id}/import", post(import))
        .route("/api/v1/plans/{id}/escalations/run", post(run_escalations))
        .route("/api/v1/escalations", get(list_escalations))
        .route("/api/v1/escalations/{id}", get(one_escalation))
}

/// The typed JSON bodies of this module's routes: (method, path as in OpenAPI, the body's
/// fields), checked against `openapi.json` (`api::tests::request_bodies_match_the_document`).
#[cfg(test)]
pub(super) const REQUEST_BODIES: &[super::RequestBody] = &[(
    "post",
    "/api/v1/plans/{id}/escalations/run",
    <AsOfBody as super::Body>::FIELDS,
)];

pub const XLSX: &str = duban_io::grid::TableFormat::Xlsx.media_type();

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
    let sheet = crate::sheet::build(&state.store, &auth.user, id, period, unit, as_of).await?;
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
    let pick = |k: &str| q.get(k).map(String::as_str).or_else(|| fields.get(k));
    let (period, unit) =
        crate::sheet::resolve(&state, &auth, id, pick("period"), pick("unit")).await?;
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, None)
        .await?
        .date;
    let sheet = crate::sheet::build(&state.store, &auth.user, id, period, unit, as_of).await?;
    match crate::sheet::import(&state, &auth, &sheet, &bytes).await? {
        Ok(saved) => {
            let body = ImportJson {
                period: &sheet.period.key,
                plan_id: id,
                reports: &saved,
                unit: &sheet.unit.code,
            };
            Ok((StatusCode::OK, Json(body)).into_response())
        }
        Err(refused) => Ok((refused.status(), Json(refused.json())).into_response()),
    }
}

// Response fields are declared in alphabetical order: the wire order `json!` gave them
// (checked by `tests::responses_keep_sorted_keys`).

/// The drafts a 督办表 import saved.
#[derive(Serialize, Default)]
struct ImportJson<'a> {
    period: &'a str,
    plan_id: i64,
    #[serde(serialize_with = "sorted")]
    reports: &'a [crate::sheet::ImportedReport],
    unit: &'a str,
}

/// What an escalation run found and created.
#[derive(Serialize, Default)]
struct EscalationRunJson<'a> {
    as_of: chrono::NaiveDate,
    created: &'a [i64],
    plan_id: i64,
    required: usize,
}

async fn run_escalations(
    State(state): State<AppState>,
    _: OfficeWrite,
    Path(id): Path<i64>,
    JsonBody(b): OptionalBody<AsOfBody>,
) -> Result<Response, AppError> {
    let as_of = b.date()?;
    state.store.plan(id).await?;
    let run = duban_app::escalation::run_escalations(&state.store, id, as_of).await?;
    Ok(Json(EscalationRunJson {
        as_of: run.as_of,
        created: &run.created,
        plan_id: run.plan_id,
        required: run.required,
    })
    .into_response())
}

/// A 约谈 as recorded on an escalation record (`Interview` in the OpenAPI document).
#[derive(Serialize, Default)]
pub struct InterviewJson<'a> {
    attendees: &'a str,
    held_by: &'a str,
    held_on: chrono::NaiveDate,
    outcome: &'a str,
    recorded_at: &'a str,
    recorded_by: Option<&'a str>,
}

/// An escalation record (`Escalation` in the OpenAPI document): about a plan task
/// (`task_id`) or, for a 约谈 recorded on a monitor alert, about the alert (`alert_id`).
#[derive(Serialize, Default)]
pub struct EscalationJson<'a> {
    alert_id: Option<i64>,
    closed_at: Option<&'a str>,
    closed_by: Option<&'a str>,
    demo: bool,
    id: i64,
    ident: &'a str,
    interview: Option<InterviewJson<'a>>,
    level: &'static str,
    level_label: &'static str,
    office_note: Option<&'a str>,
    plan_id: Option<i64>,
    raised_on: chrono::NaiveDate,
    reason: &'a str,
    respond_by: chrono::NaiveDate,
    responded_at: Option<&'a str>,
    responded_by: Option<&'a str>,
    response: Option<&'a str>,
    state: &'static str,
    state_label: &'static str,
    task: Option<i64>,
    task_id: Option<i64>,
    unit_id: i64,
    unit_name: &'a str,
}

impl<'a> From<&'a EscalationRow> for EscalationJson<'a> {
    fn from(e: &'a EscalationRow) -> Self {
        EscalationJson {
            alert_id: e.alert_id,
            closed_at: e.closed_at.as_deref(),
            closed_by: e.closed_by.as_deref(),
            demo: e.demo,
            id: e.id,
            ident: &e.ident,
            interview: e.interview.as_ref().map(|i| InterviewJson {
                attendees: &i.attendees,
                held_by: &i.held_by,
                held_on: i.held_on,
                outcome: &i.outcome,
                recorded_at: &i.recorded_at,
                recorded_by: i.recorded_by.as_deref(),
            }),
            level: e.level.as_str(),
            level_label: e.level_label,
            office_note: e.office_note.as_deref(),
            plan_id: e.plan_id,
            raised_on: e.raised_on,
            reason: &e.reason,
            respond_by: e.respond_by,
            responded_at: e.responded_at.as_deref(),
            responded_by: e.responded_by.as_deref(),
            response: e.response.as_deref(),
            state: duban_store::escalation::state_str(e.state),
            state_label: e.state_label,
            task: e.task_number,
            task_id: e.task_id,
            unit_id: e.unit_id,
            unit_name: &e.unit_name,
        }
    }
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
) -> Result<Response, AppError> {
    let f = escalation_filter(&state, &auth, &q).await?;
    let rows = state.store.list_escalations(&f, 1000).await?;
    let rows: Vec<EscalationJson> = rows.iter().map(EscalationJson::from).collect();
    Ok(Json(rows).into_response())
}

/// One escalation record, read as its page reads it (`access::can_read_escalation`).
async fn one_escalation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = state.store.escalation(id).await?;
    if !crate::access::can_read_escalation(&auth.user, e.unit_id) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(EscalationJson::from(&e)).into_response())
}

/// The escalation run body read from `bytes` (see [`super::parse_bodies`]).
pub(crate) fn parse_bodies(bytes: &[u8], out: &mut Vec<(&'static str, Result<(), AppError>)>) {
    out.push((
        "POST /api/v1/plans/{id}/escalations/run",
        super::read_optional_body::<AsOfBody>(bytes).and_then(|b| b.date().map(drop)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::keys_sorted;

    /// The wire order of every response's keys is the sorted order `json!` gave them.
    #[test]
    fn responses_keep_sorted_keys() {
        let saved = [crate::sheet::ImportedReport {
            task_code: "1".into(),
            report_id: 1,
            created: true,
        }];
        keys_sorted(&ImportJson {
            reports: &saved,
            ..Default::default()
        });
        keys_sorted(&EscalationRunJson::default());
        keys_sorted(&EscalationJson::default());
        keys_sorted(&InterviewJson::default());
    }

    #[test]
    fn run_body_names_the_field() {
        let e = crate::api::typed::<AsOfBody>(serde_json::json!({"as_of": 20200101}))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "as_of 须为字符串");
    }
}
