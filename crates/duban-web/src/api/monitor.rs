//! JSON API v1 of the monitor (监测预警, issue 13): the catalogue, series (every vintage,
//! or as known on a date), imports (a wide statistics table or a series CSV, all or
//! nothing: 422 `invalid_file` naming the cell or line), alerts (list, one, run the stored
//! rules, lifecycle actions). Everyone signed in reads; the office (admin) writes.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_store::monitor::{MonitorAlertRow, StoredValue, alert_state_str};
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::monitor::{MAX_UPLOAD_BYTES, UploadSpec, import_upload, parse_as_of, run_rules};
use crate::state::AppState;

/// The monitor routes: (method, path as in OpenAPI).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/monitor/catalogue"),
    ("get", "/api/v1/monitor/series"),
    ("get", "/api/v1/monitor/export"),
    ("get", "/api/v1/monitor/imports"),
    ("post", "/api/v1/monitor/imports"),
    ("get", "/api/v1/monitor/alerts"),
    ("post", "/api/v1/monitor/alerts/run"),
    ("get", "/api/v1/monitor/alerts/{id}"),
    ("post", "/api/v1/monitor/alerts/{id}/acknowledge"),
    ("post", "/api/v1/monitor/alerts/{id}/interview"),
    ("post", "/api/v1/monitor/alerts/{id}/close"),
    ("get", "/api/v1/monitor/bindings"),
    ("post", "/api/v1/monitor/bindings"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/monitor/catalogue", get(catalogue))
        .route("/api/v1/monitor/series", get(series))
        .route("/api/v1/monitor/export", get(export))
        .route("/api/v1/monitor/imports", get(imports).post(import))
        .route("/api/v1/monitor/alerts", get(alerts))
        .route("/api/v1/monitor/alerts/run", post(run))
        .route("/api/v1/monitor/alerts/{id}", get(alert))
        .route("/api/v1/monitor/alerts/{id}/{action}", post(act))
        .route("/api/v1/monitor/bindings", get(bindings).post(bind))
}

async fn bindings(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let plan: i64 = q
        .get("plan")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("缺少参数 plan".into()))?;
    state.store.plan(plan).await?;
    Ok(Json(json!(state.store.monitor_bindings(plan).await?)))
}

/// `{"target_id", "indicator", "region", "reference_indicator"?, "reference_region"?}`;
/// `{"target_id", "remove": true}` unbinds.
async fn bind(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    super::require_admin_write(&auth, &headers)?;
    let v = super::parse_body(&body)?;
    let target_id =
        v.get("target_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| AppError::InvalidField {
                field: "target_id".into(),
                message: "缺少 target_id".into(),
            })?;
    if v.get("remove").and_then(Value::as_bool) == Some(true) {
        state.store.remove_monitor_binding(target_id).await?;
        return Ok(Json(json!({"target_id": target_id, "removed": true})));
    }
    let b = crate::routes::monitor::binding_of(target_id, |k| {
        v.get(k).and_then(Value::as_str).map(str::to_string)
    })?;
    state.store.set_monitor_binding(&b).await?;
    Ok(Json(json!(b)))
}

async fn catalogue(State(state): State<AppState>, _auth: Auth) -> Result<Json<Value>, AppError> {
    let indicators = state.store.monitor_indicators().await?;
    let regions = state.store.monitor_regions().await?;
    Ok(Json(
        json!({"indicators": indicators, "regions": regions.all()}),
    ))
}

fn value_json(v: &StoredValue) -> Value {
    json!({
        "region": v.region, "indicator": v.indicator, "period": v.period,
        "value": v.value, "published": v.published, "demo": v.demo, "import_id": v.import_id,
    })
}

async fn series(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let indicator =
        get("indicator").ok_or_else(|| AppError::BadRequest("缺少参数 indicator".into()))?;
    state.store.monitor_indicator(indicator).await?;
    let values = match (get("as_of"), get("region")) {
        (Some(_), Some(region)) => {
            let as_of = parse_as_of(q.get("as_of"))?;
            state.store.monitor_known(indicator, region, as_of).await?
        }
        (Some(_), None) => {
            return Err(AppError::BadRequest(
                "as_of 须与 region 同时给出（某地区截至该日所知的序列）".into(),
            ));
        }
        (None, region) => state
            .store
            .monitor_values(Some(indicator))
            .await?
            .into_iter()
            .filter(|v| region.is_none_or(|r| v.region == r))
            .collect(),
    };
    Ok(Json(json!({
        "indicator": indicator, "region": get("region"), "as_of": get("as_of"),
        "values": values.iter().map(value_json).collect::<Vec<_>>(),
    })))
}

/// One indicator as the wide table bureaus publish (regions × periods, as known on `as_of`),
/// xlsx (default) or csv; `duban monitor import` and the import page read it back.
async fn export(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    use duban_io::monitor::wide::{write_wide_csv, write_wide_xlsx};
    let indicator = q
        .get("indicator")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::BadRequest("缺少参数 indicator".into()))?;
    let ind = state.store.monitor_indicator(indicator).await?;
    if ind.formula.is_some() {
        return Err(AppError::Invalid(format!(
            "指标“{indicator}”由公式计算，请导出其分子、分母"
        )));
    }
    let as_of = parse_as_of(q.get("as_of"))?;
    let series = state.store.monitor_series(Some(indicator)).await?;
    match q.get("format").map(String::as_str) {
        None | Some("xlsx") => {
            let bytes = write_wide_xlsx(&series, indicator, as_of)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            super::oversight::xlsx_response(bytes, &format!("monitor-{as_of}.xlsx"))
        }
        Some("csv") => {
            let mut r = write_wide_csv(&series, indicator, as_of).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            Ok(r)
        }
        Some(f) => Err(AppError::BadRequest(format!(
            "format“{f}”无效：应为 xlsx 或 csv"
        ))),
    }
}

async fn imports(State(state): State<AppState>, _auth: Auth) -> Result<Json<Value>, AppError> {
    Ok(Json(json!(state.store.monitor_imports().await?)))
}

/// Raw body (query: `format`, `indicator`, `frequency`, `published`, `source`, `file_name`,
/// `as_of`) or multipart with a `file` part and the same fields.
async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Result<Response, AppError> {
    super::require_admin_write(&auth, req.headers())?;
    let (bytes, fields) = crate::sheet::upload(req, &state).await?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::TooLargeFor(MAX_UPLOAD_BYTES / 1024 / 1024));
    }
    let pick = |k: &str| q.get(k).or_else(|| fields.get(k)).cloned();
    let spec = UploadSpec::from_fields(pick)?;
    let file_name = pick("file_name").unwrap_or_else(|| "upload".into());
    match import_upload(
        &state.store,
        &spec,
        &file_name,
        &bytes,
        false,
        Some(auth.user.id),
    )
    .await
    {
        Ok(done) => {
            let run = match pick("as_of") {
                Some(d) => Some(run_rules(&state.store, parse_as_of(Some(&d))?).await?),
                None => None,
            };
            Ok((
                StatusCode::CREATED,
                Json(json!({"import": done, "run": run})),
            )
                .into_response())
        }
        Err(Ok(refusal)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(refusal.json())).into_response())
        }
        Err(Err(e)) => Err(e),
    }
}

pub fn alert_json(a: &MonitorAlertRow) -> Value {
    let mut v = json!(a);
    v["state"] = json!(alert_state_str(a.state));
    v["level"] = json!(a.level.label_zh());
    v
}

async fn alerts(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let filter = crate::monitor::state_filter(q.get("state"))?;
    let rows = state.store.monitor_alerts(filter).await?;
    Ok(Json(Value::Array(rows.iter().map(alert_json).collect())))
}

async fn alert(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(alert_json(&state.store.monitor_alert(id).await?)))
}

async fn run(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    super::require_admin_write(&auth, &headers)?;
    let v = super::parse_optional_body(&body)?;
    let as_of = v.get("as_of").and_then(Value::as_str).map(str::to_string);
    let out = run_rules(&state.store, parse_as_of(as_of.as_ref())?).await?;
    Ok(Json(json!(out)))
}

async fn act(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    super::require_admin_write(&auth, &headers)?;
    let v = super::parse_optional_body(&body)?;
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let action = crate::routes::monitor::alert_action(&action, text)?;
    let a = state
        .store
        .act_on_monitor_alert(id, &action, auth.user.id)
        .await?;
    Ok(Json(alert_json(&a)))
}
