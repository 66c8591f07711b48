//! The unit directory and each unit's tasks.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use crate::auth::Auth;
use crate::error::AppError;
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(list))
        .route("/units/{code}", get(detail))
}

pub fn kind_label(kind: duban_core::UnitKind) -> &'static str {
    kind.label()
}

async fn list(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    let mut units = Vec::new();
    for u in state.store.list_units().await? {
        let tasks = state.store.unit_tasks(u.id).await?;
        units.push(context! {
            code => u.code, name => u.name, kind => u.kind.as_str(), kind_label => kind_label(u.kind),
            lead => tasks.iter().filter(|t| t.role == duban_store::assignment::AssignRole::Lead).count(),
            co => tasks.iter().filter(|t| t.role == duban_store::assignment::AssignRole::Co).count(),
        });
    }
    Ok(render(
        &state,
        &page,
        "units/list.html",
        context! { units => units },
    )?
    .into_response())
}

async fn detail(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let unit = state
        .store
        .unit_by_code(&code)
        .await?
        .ok_or(AppError::NotFound)?;
    let tasks = state.store.unit_tasks(unit.id).await?;
    Ok(render(
        &state,
        &page,
        "units/detail.html",
        context! {
            unit => context! { code => unit.code, name => unit.name, kind_label => kind_label(unit.kind) },
            tasks => tasks.iter().map(|t| context! {
                plan_id => t.plan_id, plan_title => t.plan_title, task_id => t.task_id, number => t.number,
                title => t.title, role_label => t.role.label_zh(), demo => t.demo,
            }).collect::<Vec<_>>(),
        },
    )?
    .into_response())
}
