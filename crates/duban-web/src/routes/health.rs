//! Liveness and readiness probes (no login).

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::error::AppError;
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
/// (disk full, read-only, file deleted, database recreated empty …). The reason travels as an
/// [`AppError::Unavailable`] so the error layer shows it instead of its generic 5xx text.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    match state.store.readiness().await {
        Ok(()) => Ok("ready"),
        Err(reason) => Err(AppError::Unavailable(format!(
            "数据库未就绪（not ready: {reason}）"
        ))),
    }
}
