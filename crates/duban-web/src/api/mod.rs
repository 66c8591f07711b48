//! JSON API v1 (`/api/v1/…`), same authentication as the pages (session cookie, or
//! `Authorization: Bearer <token>`). Errors are `{"error":{"code","message"}}`.
//!
//! The routes of this module are listed once in [`API_ROUTES`]; the router is built from
//! that list. Every API route of every module must be in the hand-written OpenAPI
//! document (`openapi.json`): a test checks that each `API_ROUTES` entry is documented and
//! that each documented operation is served (never `no_such_route`/405).

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use duban_core::Plan;
use duban_store::plan::{ImportMeta, PlanDetail};
use duban_store::user::{NewUser, Role};
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

pub mod deliver;
pub mod evaluation;
pub mod monitor;
pub mod oversight;

pub const OPENAPI: &str = include_str!("openapi.json");

/// Every API route: (method, path as in OpenAPI).
pub const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/openapi.json"),
    ("get", "/api/v1/plans"),
    ("post", "/api/v1/plans"),
    ("get", "/api/v1/plans/{id}"),
    ("get", "/api/v1/units"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
];

fn handler(method: &str, path: &str) -> MethodRouter<AppState> {
    match (method, path) {
        ("get", "/api/openapi.json") => get(openapi),
        ("get", "/api/v1/plans") => get(list_plans),
        ("post", "/api/v1/plans") => post(create_plan),
        ("get", "/api/v1/plans/{id}") => get(get_plan),
        ("get", "/api/v1/units") => get(list_units),
        ("get", "/api/v1/users") => get(list_users),
        ("post", "/api/v1/users") => post(create_user),
        _ => unreachable!("API route {method} {path} has no handler"),
    }
}

pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for (method, path) in API_ROUTES {
        r = r.route(path, handler(method, path));
    }
    r.merge(deliver::router())
        .merge(oversight::router())
        .merge(evaluation::router())
        .merge(monitor::router())
        .route("/api/{*rest}", axum::routing::any(no_such_route))
}

/// An API path nobody serves (distinct from a missing record, which is `not_found`).
async fn no_such_route() -> Response {
    let body = json!({"error": {"code": "no_such_route", "message": "没有这个接口"}});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn openapi(_auth: Auth) -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn list_plans(State(state): State<AppState>, _auth: Auth) -> Result<Json<Value>, AppError> {
    let plans: Vec<Value> = state
        .store
        .list_plans()
        .await?
        .into_iter()
        .map(|p| json!({"id": p.id, "title": p.title, "year": p.year, "state": p.state.as_str(), "region": p.region}))
        .collect();
    Ok(Json(Value::Array(plans)))
}

/// The plan in the `duban.plan/1` shape, with ids, state and assignments added.
pub fn plan_json(d: &PlanDetail) -> Result<Value, AppError> {
    let mut v =
        serde_json::to_value(d.to_model()).map_err(|e| AppError::Internal(e.to_string()))?;
    v["id"] = json!(d.plan.id);
    v["state"] = json!(d.plan.state.as_str());
    v["region"] = json!(d.plan.region);
    v["version"] = json!(d.plan.version);
    v["assignment_confirmed"] = json!(d.plan.assignment_confirmed);
    let extra = |t: &duban_store::target::TargetRow| json!({"id": t.id, "baseline": t.baseline, "deadline": t.deadline, "curve": t.curve.as_str(), "milestones": t.milestones});
    if let Some(arr) = v["headline_targets"].as_array_mut() {
        for (j, t) in d.targets.iter().filter(|t| t.task_id.is_none()).enumerate() {
            merge(&mut arr[j], extra(t));
        }
    }
    if let Some(pillars) = v["pillars"].as_array_mut() {
        for (p, row) in pillars.iter_mut().zip(&d.pillars) {
            p["id"] = json!(row.id);
        }
    }
    if let Some(tasks) = v["tasks"].as_array_mut() {
        for (tv, task) in tasks.iter_mut().zip(&d.tasks) {
            tv["id"] = json!(task.id);
            tv["version"] = json!(task.version);
            tv["deadline"] = json!(task.deadline);
            tv["cadence"] = json!(task.cadence.as_str());
            tv["carried_from"] = json!(task.carried_from);
            tv["assignments"] = Value::Array(
                d.task_assignments(task.id)
                    .map(|a| json!({"unit_code": a.unit_code, "unit_name": a.unit_name, "role": a.role.as_str(), "demo": a.demo}))
                    .collect(),
            );
            if let Some(targets) = tv["targets"].as_array_mut() {
                for (tt, row) in targets.iter_mut().zip(d.task_targets(task.id)) {
                    merge(tt, extra(row));
                }
            }
        }
    }
    Ok(v)
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

async fn get_plan(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let d = state.store.plan_detail(id).await?;
    Ok(Json(plan_json(&d)?))
}

/// The JSON request body, or 400 with the parser's message.
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))
}

/// Like [`parse_body`], but an empty (or blank) body is `{}`: for actions whose fields are
/// all optional.
pub(crate) fn parse_optional_body(body: &[u8]) -> Result<Value, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        parse_body(body)
    }
}

/// The gate of every admin write through the API: an admin, and a write the session or
/// token may make.
pub(crate) fn require_admin_write(auth: &Auth, headers: &HeaderMap) -> Result<(), AppError> {
    auth.require_admin()?;
    auth.check_api_write(headers)
}

async fn create_plan(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    require_admin_write(&auth, &headers)?;
    if body.len() > crate::MAX_UPLOAD_BYTES {
        return Err(AppError::TooLarge);
    }
    let v = parse_body(&body)?;
    let region = v.get("region").and_then(Value::as_str).map(str::to_string);
    let (plan, source_name) = if let Some(doc) = v.get("document") {
        let text = doc
            .as_str()
            .ok_or_else(|| AppError::Invalid("document 须为字符串".into()))?;
        let name = v
            .get("file_name")
            .and_then(Value::as_str)
            .unwrap_or("document.txt")
            .to_string();
        let plan = crate::routes::workspace::read_plan(text.as_bytes(), &name)
            .map_err(AppError::Invalid)?;
        (plan, name)
    } else {
        let plan: Plan = serde_json::from_value(v)
            .map_err(|e| AppError::Invalid(format!("不是有效的 duban.plan/1：{e}")))?;
        plan.validate()
            .map_err(|e| AppError::Invalid(format!("计划结构无效：{e}")))?;
        (plan, "plan.json".to_string())
    };
    let id = state
        .store
        .import_plan(
            &plan,
            &ImportMeta {
                region,
                source_name: Some(source_name),
            },
            &[],
        )
        .await?;
    let d = state.store.plan_detail(id).await?;
    Ok((StatusCode::CREATED, Json(plan_json(&d)?)).into_response())
}

async fn list_units(State(state): State<AppState>, _auth: Auth) -> Result<Json<Value>, AppError> {
    let units: Vec<Value> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .map(|u| json!({"code": u.code, "name": u.name, "kind": u.kind.as_str()}))
        .collect();
    Ok(Json(Value::Array(units)))
}

fn user_json(u: &duban_store::user::User) -> Value {
    json!({"id": u.id, "name": u.name, "role": u.role.as_str(), "unit": u.unit_code})
}

async fn list_users(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, AppError> {
    auth.require_admin()?;
    let users = state.store.list_users().await?;
    Ok(Json(Value::Array(users.iter().map(user_json).collect())))
}

async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    require_admin_write(&auth, &headers)?;
    let v = parse_body(&body)?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let role = Role::parse(&s("role"))
        .ok_or_else(|| AppError::Invalid("role 须为 admin、reporter 或 viewer".into()))?;
    let user = state
        .store
        .create_user(&NewUser {
            name: s("name"),
            password: s("password"),
            role,
            unit_code: Some(s("unit")).filter(|u| !u.is_empty()),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}
