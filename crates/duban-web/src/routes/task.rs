//! The task page: the clause with its targets highlighted, the targets (type, value, unit,
//! deadline, curve), the responsible units, and the task it carries over.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::{Value, context};

use super::plan::{plan_view, target_view, task_summary};
use crate::auth::Auth;
use crate::error::AppError;
use crate::highlight::{clause_marks, highlight};
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/tasks/{id}", get(detail))
}

async fn detail(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let task = state.store.task(id).await?;
    let d = state.store.plan_detail(task.plan_id).await?;
    let targets: Vec<_> = d.task_targets(task.id).collect();
    let probes: Vec<(i64, &str, usize, usize)> = targets
        .iter()
        .map(|t| {
            (
                t.id,
                t.target.phrase.as_str(),
                t.target.span.start,
                t.target.span.end,
            )
        })
        .collect();
    let marks = clause_marks(
        &task.body,
        task.text_start.and_then(|s| usize::try_from(s).ok()),
        &probes,
    );
    let clause_html = Value::from_safe_string(highlight(&task.body, &marks));
    let pillar = d
        .pillars
        .iter()
        .find(|p| Some(p.id) == task.pillar_id)
        .map(|p| context! { id => p.id, heading => p.heading });
    let carried = match task.carried_from {
        Some(cid) => match state.store.task(cid).await {
            Ok(t) => {
                let p = state.store.plan(t.plan_id).await?;
                Some(
                    context! { id => t.id, number => t.number, title => t.title, plan_title => p.title },
                )
            }
            Err(_) => None,
        },
        None => None,
    };
    Ok(render(
        &state,
        &page,
        "tasks/detail.html",
        context! {
            plan => plan_view(&d),
            task => context! { ..task_summary(&d, &task), ..context! { body => task.body, version => task.version, leads_separately => task.leads_separately } },
            clause_html => clause_html,
            marked => marks.len(),
            targets => targets.iter().map(|t| target_view(t)).collect::<Vec<_>>(),
            pillar => pillar,
            carried => carried,
            saved => q.get("done").is_some_and(|d| d == "saved"),
        },
    )?
    .into_response())
}
