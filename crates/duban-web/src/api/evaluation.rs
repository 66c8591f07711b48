//! JSON API v1 of composite evaluation: the list of runs and published snapshots, a
//! stateless run (data set id or inline CSV + method TOML → `duban.eval.result/1`), and a
//! published snapshot (`duban.eval.snapshot/1`, the exact bytes `duban eval verify` reads).
//! Access as on the pages (`crate::evaluation`): runs for admin and viewer, snapshots for
//! everyone signed in, running for admin.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_io::eval_format::DataKind;
use duban_store::evaluation::{EvalRun, EvalSnapshot, MAX_DATASET_BYTES};
use duban_store::user::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Body, JsonBody, OfficeWrite};

use crate::auth::Auth;
use crate::error::AppError;
use crate::evaluation::compute;
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

/// The typed JSON bodies of this module's routes: (method, path as in OpenAPI, the body's
/// fields), checked against `openapi.json` (`api::tests::request_bodies_match_the_document`).
#[cfg(test)]
pub(super) const REQUEST_BODIES: &[super::RequestBody] =
    &[("post", "/api/v1/evaluations/run", RunBody::FIELDS)];

// Response fields are declared in alphabetical order: the wire order `json!` gave them
// (checked by `tests::responses_keep_sorted_keys`).

/// `GET /api/v1/evaluations`: published snapshots, and the runs (not for reporters, who
/// read published snapshots only: the key is then absent).
#[derive(Serialize, Default)]
struct EvaluationsJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    runs: Option<Vec<RunJson<'a>>>,
    snapshots: Vec<SnapshotJson<'a>>,
}

/// A published snapshot.
#[derive(Serialize, Default)]
struct SnapshotJson<'a> {
    data_hash: &'a str,
    demo: bool,
    engine: &'a str,
    id: i64,
    method_hash: &'a str,
    published_at: &'a str,
    published_by: Option<&'a str>,
    run_id: i64,
    sha256: &'a str,
    title: &'a str,
}

impl<'a> From<&'a EvalSnapshot> for SnapshotJson<'a> {
    fn from(s: &'a EvalSnapshot) -> Self {
        SnapshotJson {
            data_hash: &s.data_hash,
            demo: s.demo,
            engine: &s.engine,
            id: s.id,
            method_hash: &s.method_hash,
            published_at: &s.published_at,
            published_by: s.published_by.as_deref(),
            run_id: s.run_id,
            sha256: &s.sha256,
            title: &s.title,
        }
    }
}

/// A stored evaluation run.
#[derive(Serialize, Default)]
struct RunJson<'a> {
    created_at: &'a str,
    created_by: Option<&'a str>,
    data_hash: &'a str,
    dataset: &'a str,
    dataset_id: i64,
    demo: bool,
    engine: &'a str,
    id: i64,
    method: &'a str,
    method_hash: &'a str,
    method_id: Option<i64>,
    millis: i64,
    previous_run_id: Option<i64>,
    snapshot_id: Option<i64>,
    units: i64,
}

impl<'a> From<&'a EvalRun> for RunJson<'a> {
    fn from(r: &'a EvalRun) -> Self {
        RunJson {
            created_at: &r.created_at,
            created_by: r.created_by.as_deref(),
            data_hash: &r.data_hash,
            dataset: &r.dataset_name,
            dataset_id: r.dataset_id,
            demo: r.demo,
            engine: &r.engine,
            id: r.id,
            method: &r.method_name,
            method_hash: &r.method_hash,
            method_id: r.method_id,
            millis: r.millis,
            previous_run_id: r.previous_run_id,
            snapshot_id: r.snapshot_id,
            units: r.units,
        }
    }
}

async fn list(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let snapshots = state.store.eval_snapshots().await?;
    let runs = match auth.role() {
        Role::Reporter => None,
        _ => Some(state.store.eval_runs().await?),
    };
    let out = EvaluationsJson {
        runs: runs
            .as_ref()
            .map(|rs| rs.iter().map(RunJson::from).collect()),
        snapshots: snapshots.iter().map(SnapshotJson::from).collect(),
    };
    Ok(Json(out).into_response())
}

/// The body of `POST /api/v1/evaluations/run`: the method (`spec`, a `duban.eval/1` TOML
/// text, or a stored `method_id`), the data (`csv` text or a stored `dataset_id`) and the
/// previous ranks (`{"unit": rank, …}`).
#[derive(Deserialize)]
struct RunBody {
    spec: Option<String>,
    method_id: Option<i64>,
    csv: Option<String>,
    dataset_id: Option<i64>,
    previous: Option<HashMap<String, f64>>,
}

impl Body for RunBody {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("spec", "须为字符串（duban.eval/1 文本）"),
        ("method_id", "须为整数"),
        ("csv", "须为字符串（CSV 文本）"),
        ("dataset_id", "须为整数"),
        ("previous", "须为 {单位: 名次}"),
    ];
}

/// `{"dataset_id": 1 | "csv": "…", "spec": "<duban.eval/1 TOML>" | "method_id": 1,
///   "previous": {"unit": rank, …}}` → the result JSON. Nothing is stored.
async fn run(
    State(state): State<AppState>,
    _: OfficeWrite,
    JsonBody(b): JsonBody<RunBody>,
) -> Result<Json<Value>, AppError> {
    let spec = match (b.spec, b.method_id) {
        (Some(s), _) => s,
        (None, Some(id)) => state.store.eval_method(id).await?.spec,
        _ => {
            return Err(AppError::Invalid(
                "须提供 spec（duban.eval/1 文本）或 method_id".into(),
            ));
        }
    };
    let (bytes, kind) = match (b.csv, b.dataset_id) {
        (Some(csv), _) => {
            if csv.len() > MAX_DATASET_BYTES {
                // The data set's own limit, named as such (not the 20 MB body limit).
                return Err(AppError::TooLargeFor(MAX_DATASET_BYTES / 1024 / 1024));
            }
            (csv.into_bytes(), DataKind::Csv)
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
    let c = compute(spec, bytes, kind, b.previous).await?;
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

/// The run body read from `bytes` (see [`super::parse_bodies`]).
pub(crate) fn parse_bodies(bytes: &[u8], out: &mut Vec<(&'static str, Result<(), AppError>)>) {
    out.push((
        "POST /api/v1/evaluations/run",
        super::read_body::<RunBody>(bytes).map(drop),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::keys_sorted;

    /// The wire order of every response's keys is the sorted order `json!` gave them.
    #[test]
    fn responses_keep_sorted_keys() {
        keys_sorted(&EvaluationsJson {
            runs: Some(vec![RunJson::default()]),
            snapshots: vec![SnapshotJson::default()],
        });
        keys_sorted(&EvaluationsJson::default());
    }

    #[test]
    fn run_body_names_the_field() {
        let e = crate::api::typed::<RunBody>(serde_json::json!({"previous": {"甲": "一"}}))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "previous.甲 须为 {单位: 名次}");
        let e = crate::api::typed::<RunBody>(serde_json::json!({"dataset_id": "3"}))
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "dataset_id 须为整数");
    }
}
