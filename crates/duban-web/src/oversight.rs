//! Oversight machinery that is not a page: who acts (for the audit log, a layer), and the
//! background jobs of `duban serve`, which live in `duban_app::workers` (re-exported here;
//! [`spawn_workers`] feeds their outcomes to `/metrics`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use duban_store::Store;

use crate::auth::Auth;
use crate::request_log::RequestUser;
use crate::state::AppState;

/// Layer: runs the request with the signed-in user's name as the actor of every audit entry
/// the store appends while serving it (`duban_store::audit::with_actor`).
pub async fn audit_actor(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Static assets change nothing: no session lookup for them.
    if req.uri().path().starts_with("/assets/") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let auth = <Auth as axum::extract::OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    .ok()
    .flatten();
    if let (Some(a), Some(u)) = (&auth, parts.extensions.get::<RequestUser>()) {
        u.set(a.user.id);
    }
    let req = Request::from_parts(parts, body);
    match auth {
        Some(a) => duban_store::audit::with_actor(a.user.name, next.run(req)).await,
        None => next.run(req).await,
    }
}

pub use duban_app::workers::{
    DEFAULT_OUTBOX_LEASE, ESCALATION_JOB, MONITOR_JOB, NotifierSetupError, OUTBOX_JOB, OutboxPass,
    WorkerConfig, deliver_outbox, escalation_tick, monitor_tick, notification_of, notifier_for,
    worker_id,
};

/// Starts the background jobs (`duban_app::workers::spawn_workers`), each tick's outcome
/// counted in `/metrics`.
pub fn spawn_workers(store: Store, cfg: WorkerConfig) -> Vec<tokio::task::JoinHandle<()>> {
    duban_app::workers::spawn_workers(store, cfg, crate::metrics::worker_ran)
}
