//! JSON API v1 of composite evaluation: the list of runs and published snapshots, a
//! stateless run (data set id or inline CSV + method TOML → `duban.eval.result/1`), and a
//! published snapshot (`duban.eval.snapshot/1`, the exact bytes `duban eval verify` reads).
//! Access as on the pages (`crate::evaluation`): runs for admin and viewer, snapshots for
//! everyone signed in, running for admin.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_io::eval_format::DataKind;
use duban_store::evaluation::MAX_DATASET_BYTES;
use duban_store::user::Role;
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::evaluation::{compute, ensure_demo};
use crate::state::AppState;

/// The evaluation routes: (method, path as in OpenAPI).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/evaluations"),
    ("post", "/api/v1/evaluations/run"),
    ("get", "/api/v1/evaluations/snapshots/{id}"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/evaluations", get(list))
        .route("/api/v1/evaluations/run", post(run))
        .route("/api/v1/evaluations/snapshots/{id}", get(snapshot))
}

async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<Value>, AppError> {
    ensure_demo(&state.store).await?;
    let snapshots: Vec<Value> = state
        .store
        .eval_snapshots()
        .await?
        .iter()
        .map(|s| {
            json!({"id": s.id, "run_id": s.run_id, "title": s.title, "sha256": s.sha256, "engine": s.engine,
                   "data_hash": s.data_hash, "method_hash": s.method_hash, "demo": s.demo,
                   "published_by": s.published_by, "published_at": s.published_at})
        })
        .collect();
    let mut out = json!({"snapshots": snapshots});
    // Reporters read published snapshots only.
    if auth.role() != Role::Reporter {
        let runs: Vec<Value> = state
            .store
            .eval_runs()
            .await?
            .iter()
            .map(|r| {
                json!({"id": r.id, "dataset_id": r.dataset_id, "dataset": r.dataset_name, "method_id": r.method_id,
                       "method": r.method_name, "previous_run_id": r.previous_run_id, "engine": r.engine,
                       "data_hash": r.data_hash, "method_hash": r.method_hash, "units": r.units, "millis": r.millis,
                       "demo": r.demo, "created_by": r.created_by, "created_at": r.created_at, "snapshot_id": r.snapshot_id})
            })
            .collect();
        out["runs"] = Value::Array(runs);
    }
    Ok(Json(out))
}

/// `{"dataset_id": 1 | "csv": "…", "spec": "<duban.eval/1 TOML>" | "method_id": 1,
///   "previous": {"unit": rank, …}}` → the result JSON. Nothing is stored.
async fn run(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    super::require_admin_write(&auth, &headers)?;
    let v = super::parse_body(&body)?;
    ensure_demo(&state.store).await?;
    let spec = match (
        v.get("spec").and_then(Value::as_str),
        v.get("method_id").and_then(Value::as_i64),
    ) {
        (Some(s), _) => s.to_string(),
        (None, Some(id)) => state.store.eval_method(id).await?.spec,
        _ => {
            return Err(AppError::Invalid(
                "须提供 spec（duban.eval/1 文本）或 method_id".into(),
            ));
        }
    };
    let (bytes, kind) = match (
        v.get("csv").and_then(Value::as_str),
        v.get("dataset_id").and_then(Value::as_i64),
    ) {
        (Some(csv), _) => {
            if csv.len() > MAX_DATASET_BYTES {
                // The data set's own limit, named as such (not the 20 MB body limit).
                return Err(AppError::TooLargeFor(MAX_DATASET_BYTES / 1024 / 1024));
            }
            (csv.as_bytes().to_vec(), DataKind::Csv)
        }
        (None, Some(id)) => {
            let d = state.store.eval_dataset(id).await?;
            let kind = DataKind::parse(&d.kind).unwrap_or(DataKind::Csv);
            (state.store.eval_dataset_bytes(&d).await?, kind)
        }
        _ => {
            return Err(AppError::Invalid(
                "须提供 csv（CSV 文本）或 dataset_id".into(),
            ));
        }
    };
    let previous = match v.get("previous") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            serde_json::from_value(p.clone())
                .map_err(|e| AppError::Invalid(format!("previous 须为 {{单位: 名次}}：{e}")))?,
        ),
    };
    let c = compute(spec, bytes, kind, previous).await?;
    Ok(Json(c.result))
}

async fn snapshot(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s = state.store.eval_snapshot(id).await?;
    let body = state.store.eval_snapshot_body(&s).await?;
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}
