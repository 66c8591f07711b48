//! Liveness and readiness probes (no login).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::metrics))
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 `ready` after a real write and read of the database; otherwise 503 with the reason
/// (disk full, read-only, file deleted, database recreated empty …).
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    match state.store.readiness().await {
        Ok(()) => (StatusCode::OK, "ready".into()),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}"),
        ),
    }
}
