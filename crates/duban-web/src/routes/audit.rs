//! The audit log on the web: the office's view of the latest entries with a verification of
//! the whole chain, and each task's history (its own entries and those of its reports and
//! escalations; report version diffs are on the report pages).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/tasks/{id}/history", get(task_history))
}

/// An entry as shown: the payload pretty-printed; an entry not sealed into the chain yet
/// (seq 0) has no 序号 and hash.
pub fn entry_view(e: &duban_core::audit::AuditEntry) -> minijinja::Value {
    let pretty = serde_json::from_str::<serde_json::Value>(&e.payload_json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| e.payload_json.clone());
    context! {
        seq => (e.seq > 0).then_some(e.seq), at => e.at, actor => e.actor, action => e.action, subject => e.subject,
        payload => pretty, hash => e.hash.get(..12).unwrap_or(""),
    }
}

async fn audit_page(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let subject = q.get("subject").map(|s| s.trim()).filter(|s| !s.is_empty());
    let pager = crate::paging::Pager::from_query(&q);
    let mut entries = state
        .store
        .audit_entries_page(subject, pager.per as i64 + 1, pager.offset() as i64)
        .await?;
    let has_next = entries.len() > pager.per;
    entries.truncate(pager.per);
    let verify = if q.contains_key("verify") {
        Some(match state.store.verify_audit().await? {
            Ok(s) => context! {
                ok => true, entries => s.entries, head => s.head_hash,
                unsealed => s.unsealed, late => s.late_note(),
            },
            Err(b) => {
                context! { ok => false, seq => b.seq, action => b.action, reason => b.reason }
            }
        })
    } else {
        None
    };
    Ok(render(
        &state,
        &page,
        "oversight/audit.html",
        context! {
            entries => entries.iter().map(entry_view).collect::<Vec<_>>(),
            verify => verify, subject => subject,
            pager => pager.view("/admin/audit", &q, has_next, None),
        },
    )?
    .into_response())
}

async fn task_history(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let task = state.store.task(id).await?;
    let mut entries = state.store.task_history(id, 500).await?;
    entries.retain(|e| crate::access::can_read_audit_entry(&auth.user, e));
    Ok(render(
        &state,
        &page,
        "oversight/task_history.html",
        context! { task => task, entries => entries.iter().map(entry_view).collect::<Vec<_>>() },
    )?
    .into_response())
}
