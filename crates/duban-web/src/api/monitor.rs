//! JSON API v1 of the monitor (监测预警, issue 13): the catalogue, series (every vintage,
//! or as known on a date), imports (a wide statistics table or a series CSV, all or
//! nothing: 422 `invalid_file` naming the cell or line), alerts (list, one, run the stored
//! rules, lifecycle actions). Everyone signed in reads; the office (admin) writes.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_store::monitor::{MonitorAlertRow, StoredValue, alert_state_str};
use serde::{Deserialize, Serialize};

use super::{AsOfBody, Body, JsonBody, OfficeWrite, OptionalBody, Sorted, sorted};

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

/// The typed JSON bodies of this module's routes: (method, path as in OpenAPI, the body's
/// fields), checked against `openapi.json` (`api::tests::request_bodies_match_the_document`).
#[cfg(test)]
pub(super) const REQUEST_BODIES: &[super::RequestBody] = &[
    ("post", "/api/v1/monitor/bindings", BindBody::FIELDS),
    ("post", "/api/v1/monitor/alerts/run", AsOfBody::FIELDS),
    // One body for every action; each action documents the fields it reads.
    (
        "post",
        "/api/v1/monitor/alerts/{id}/acknowledge",
        ActBody::FIELDS,
    ),
    (
        "post",
        "/api/v1/monitor/alerts/{id}/interview",
        ActBody::FIELDS,
    ),
    ("post", "/api/v1/monitor/alerts/{id}/close", ActBody::FIELDS),
];

async fn bindings(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let plan: i64 = q
        .get("plan")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("缺少参数 plan".into()))?;
    state.store.plan(plan).await?;
    let rows = state.store.monitor_bindings(plan).await?;
    Ok(Json(Sorted(rows)).into_response())
}

/// The body of `POST /api/v1/monitor/bindings`.
#[derive(Deserialize)]
struct BindBody {
    target_id: Option<i64>,
    /// `true`: unbind the target.
    remove: Option<bool>,
    indicator: Option<String>,
    region: Option<String>,
    reference_indicator: Option<String>,
    reference_region: Option<String>,
}

impl Body for BindBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("target_id", "须为整数"),
        ("remove", "须为 true 或 false"),
        ("indicator", "须为字符串"),
        ("region", "须为字符串"),
        ("reference_indicator", "须为字符串"),
        ("reference_region", "须为字符串"),
    ];
}

impl BindBody {
    /// The binding of `target_id` this body describes.
    fn binding(&self, target_id: i64) -> Result<duban_store::monitor::MonitorBinding, AppError> {
        let fields = crate::routes::monitor::BindingFields {
            indicator: self.indicator.clone(),
            region: self.region.clone(),
            reference_indicator: self.reference_indicator.clone(),
            reference_region: self.reference_region.clone(),
        };
        crate::routes::monitor::binding_of(target_id, &fields)
    }
}

/// The answer to an unbinding.
#[derive(Serialize, Default)]
struct RemovedJson {
    removed: bool,
    target_id: i64,
}

/// `{"target_id", "indicator", "region", "reference_indicator"?, "reference_region"?}`;
/// `{"target_id", "remove": true}` unbinds.
async fn bind(
    State(state): State<AppState>,
    _: OfficeWrite,
    JsonBody(v): JsonBody<BindBody>,
) -> Result<Response, AppError> {
    let target_id = v.target_id.ok_or_else(|| AppError::InvalidField {
        field: "target_id".into(),
        message: "缺少 target_id".into(),
    })?;
    if v.remove == Some(true) {
        state.store.remove_monitor_binding(target_id).await?;
        let body = RemovedJson {
            removed: true,
            target_id,
        };
        return Ok(Json(body).into_response());
    }
    let b = v.binding(target_id)?;
    state.store.set_monitor_binding(&b).await?;
    Ok(Json(Sorted(b)).into_response())
}

// Response fields are declared in alphabetical order: the wire order `json!` gave them
// (checked by `tests::responses_keep_sorted_keys`).

/// `GET /api/v1/monitor/catalogue`.
#[derive(Serialize)]
struct CatalogueJson<'a> {
    #[serde(serialize_with = "sorted")]
    indicators: &'a [duban_core::monitor::Indicator],
    #[serde(serialize_with = "sorted")]
    regions: &'a [duban_core::monitor::Region],
}

async fn catalogue(State(state): State<AppState>, _auth: Auth) -> Result<Response, AppError> {
    let indicators = state.store.monitor_indicators().await?;
    let regions = state.store.monitor_regions().await?;
    let body = CatalogueJson {
        indicators: &indicators,
        regions: regions.all(),
    };
    Ok(Json(body).into_response())
}

/// One stored value of a series.
#[derive(Serialize)]
struct ValueJson<'a> {
    demo: bool,
    import_id: i64,
    indicator: &'a str,
    #[serde(serialize_with = "sorted")]
    period: &'a duban_core::monitor::Period,
    published: chrono::NaiveDate,
    region: &'a str,
    value: f64,
}

impl<'a> From<&'a StoredValue> for ValueJson<'a> {
    fn from(v: &'a StoredValue) -> Self {
        ValueJson {
            demo: v.demo,
            import_id: v.import_id,
            indicator: &v.indicator,
            period: &v.period,
            published: v.published,
            region: &v.region,
            value: v.value,
        }
    }
}

/// `GET /api/v1/monitor/series`: the query, and the values.
#[derive(Serialize, Default)]
struct SeriesJson<'a> {
    as_of: Option<&'a str>,
    indicator: &'a str,
    region: Option<&'a str>,
    values: Vec<ValueJson<'a>>,
}

async fn series(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
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
    let body = SeriesJson {
        as_of: get("as_of"),
        indicator,
        region: get("region"),
        values: values.iter().map(ValueJson::from).collect(),
    };
    Ok(Json(body).into_response())
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

async fn imports(State(state): State<AppState>, _auth: Auth) -> Result<Response, AppError> {
    let rows = state.store.monitor_imports().await?;
    Ok(Json(Sorted(rows)).into_response())
}

/// A done import, and the rule run at `as_of` when asked.
#[derive(Serialize)]
struct ImportDoneJson {
    #[serde(serialize_with = "sorted")]
    import: duban_store::monitor::MonitorImport,
    #[serde(serialize_with = "sorted")]
    run: Option<crate::monitor::RunOutcome>,
}

/// Raw body (query: `format`, `indicator`, `frequency`, `published`, `source`, `file_name`,
/// `as_of`) or multipart with a `file` part and the same fields.
async fn import(
    State(state): State<AppState>,
    auth: OfficeWrite,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Result<Response, AppError> {
    let (bytes, fields) = crate::sheet::upload(req, &state).await?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::TooLargeFor(MAX_UPLOAD_BYTES / 1024 / 1024));
    }
    let pick = |k: &str| {
        q.get(k)
            .map(String::as_str)
            .or_else(|| fields.get(k))
            .map(str::to_string)
    };
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
            let body = ImportDoneJson { import: done, run };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(Ok(refusal)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(refusal.json())).into_response())
        }
        Err(Err(e)) => Err(e),
    }
}

/// A monitor alert: the stored row, with `state` as its code and `level` as its Chinese
/// label.
#[derive(Serialize, Default)]
pub struct AlertJson<'a> {
    acknowledged_at: Option<&'a str>,
    acknowledged_by: Option<&'a str>,
    as_of: &'a str,
    close_note: Option<&'a str>,
    closed_at: Option<&'a str>,
    closed_by: Option<&'a str>,
    created_at: &'a str,
    demo: bool,
    escalation: Option<AlertEscalationJson<'a>>,
    id: i64,
    indicator: &'a str,
    interview_record: Option<&'a str>,
    interviewed_at: Option<&'a str>,
    interviewed_by: Option<&'a str>,
    level: &'static str,
    level_label: &'static str,
    period: &'a str,
    period_label: &'a str,
    region: &'a str,
    region_name: &'a str,
    rule: &'a str,
    state: &'static str,
    state_label: &'static str,
    value: f64,
}

/// The 约谈 record an alert raised on the escalation ladder.
#[derive(Serialize, Default)]
pub struct AlertEscalationJson<'a> {
    attendees: &'a str,
    held_by: &'a str,
    held_on: &'a str,
    id: i64,
    respond_by: &'a str,
    state: &'static str,
    state_label: &'static str,
    unit_id: i64,
    unit_name: &'a str,
}

impl<'a> From<&'a MonitorAlertRow> for AlertJson<'a> {
    fn from(a: &'a MonitorAlertRow) -> Self {
        AlertJson {
            escalation: a.escalation.as_ref().map(|e| AlertEscalationJson {
                attendees: &e.attendees,
                held_by: &e.held_by,
                held_on: &e.held_on,
                id: e.id,
                respond_by: &e.respond_by,
                state: duban_store::escalation::state_str(e.state),
                state_label: e.state_label,
                unit_id: e.unit_id,
                unit_name: &e.unit_name,
            }),
            acknowledged_at: a.acknowledged_at.as_deref(),
            acknowledged_by: a.acknowledged_by.as_deref(),
            as_of: &a.as_of,
            close_note: a.close_note.as_deref(),
            closed_at: a.closed_at.as_deref(),
            closed_by: a.closed_by.as_deref(),
            created_at: &a.created_at,
            demo: a.demo,
            id: a.id,
            indicator: &a.indicator,
            interview_record: a.interview_record.as_deref(),
            interviewed_at: a.interviewed_at.as_deref(),
            interviewed_by: a.interviewed_by.as_deref(),
            level: a.level.label_zh(),
            level_label: a.level_label,
            period: &a.period,
            period_label: &a.period_label,
            region: &a.region,
            region_name: &a.region_name,
            rule: &a.rule,
            state: alert_state_str(a.state),
            state_label: a.state_label,
            value: a.value,
        }
    }
}

/// The (optional) body of an alert action: the closing note (`text`), or for a 约谈 its
/// record (`text`), day (`held_on`, default today), who held it (`held_by`), whom
/// (`attendees`) and the code of the unit talked to (`unit`).
#[derive(Deserialize)]
struct ActBody {
    text: Option<String>,
    held_on: Option<String>,
    held_by: Option<String>,
    attendees: Option<String>,
    unit: Option<String>,
}

impl Body for ActBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("text", "须为字符串"),
        ("held_on", "须为字符串（YYYY-MM-DD）"),
        ("held_by", "须为字符串"),
        ("attendees", "须为字符串"),
        ("unit", "须为字符串（单位代码）"),
    ];
}

impl ActBody {
    fn field(&self, k: &str) -> Option<String> {
        match k {
            "text" => self.text.clone(),
            "held_on" => self.held_on.clone(),
            "held_by" => self.held_by.clone(),
            "attendees" => self.attendees.clone(),
            "unit" => self.unit.clone(),
            _ => None,
        }
    }
}

async fn alerts(
    State(state): State<AppState>,
    _auth: Auth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let filter = crate::monitor::state_filter(q.get("state"))?;
    let rows = state.store.monitor_alerts(filter).await?;
    let rows: Vec<AlertJson> = rows.iter().map(AlertJson::from).collect();
    Ok(Json(rows).into_response())
}

async fn alert(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = state.store.monitor_alert(id).await?;
    Ok(Json(AlertJson::from(&a)).into_response())
}

async fn run(
    State(state): State<AppState>,
    _: OfficeWrite,
    JsonBody(b): OptionalBody<AsOfBody>,
) -> Result<Response, AppError> {
    let out = run_rules(&state.store, b.date()?).await?;
    Ok(Json(Sorted(out)).into_response())
}

async fn act(
    State(state): State<AppState>,
    auth: OfficeWrite,
    Path((id, action)): Path<(i64, String)>,
    JsonBody(b): OptionalBody<ActBody>,
) -> Result<Response, AppError> {
    let today = duban_store::deliver::report::today();
    let (action, unit) = crate::routes::monitor::alert_action(&action, |k| b.field(k), today)?;
    let a =
        crate::routes::monitor::act_on_alert(&state, &auth, id, &action, unit.as_deref()).await?;
    Ok(Json(AlertJson::from(&a)).into_response())
}

/// The monitor bodies read from `bytes` the way their handlers read them (see
/// [`super::parse_bodies`]).
pub(crate) fn parse_bodies(bytes: &[u8], out: &mut Vec<(&'static str, Result<(), AppError>)>) {
    out.push((
        "POST /api/v1/monitor/bindings",
        super::read_body::<BindBody>(bytes).and_then(|v| {
            let Some(target_id) = v.target_id else {
                return Ok(());
            };
            v.binding(target_id).map(drop)
        }),
    ));
    out.push((
        "POST /api/v1/monitor/alerts/run",
        super::read_optional_body::<AsOfBody>(bytes).and_then(|b| b.date().map(drop)),
    ));
    for action in ["acknowledge", "interview", "close"] {
        out.push((
            "POST /api/v1/monitor/alerts/{id}/{action}",
            super::read_optional_body::<ActBody>(bytes).and_then(|b| {
                let today = chrono::NaiveDate::from_ymd_opt(2020, 7, 15).unwrap_or_default();
                crate::routes::monitor::alert_action(action, |k| b.field(k), today).map(drop)
            }),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::keys_sorted;

    /// The wire order of every response's keys is the sorted order `json!` gave them.
    #[test]
    fn responses_keep_sorted_keys() {
        keys_sorted(&AlertJson::default());
        keys_sorted(&AlertEscalationJson::default());
        keys_sorted(&RemovedJson::default());
        keys_sorted(&SeriesJson::default());
    }

    #[test]
    fn bodies_name_the_field() {
        let e = crate::api::typed::<BindBody>(serde_json::json!({"remove": "yes"}))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "remove 须为 true 或 false");
        let e = crate::api::typed::<ActBody>(serde_json::json!({"text": 1}))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "text 须为字符串");
    }
}
