//! HTML routes, one module per noun. Each module exposes `router()`; a new feature adds a
//! module here and merges it below.

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

pub mod admin;
pub mod audit;
pub mod deliver;
pub mod escalation;
pub mod evaluation;
pub mod health;
pub mod monitor;
pub mod notify;
pub mod plan;
pub mod publish;
pub mod search;
pub mod session;
pub mod sheet;
pub mod task;
pub mod unit;
pub mod workspace;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/{*path}", get(crate::assets::serve_asset))
        .merge(session::router())
        .merge(health::router())
        .merge(plan::router())
        .merge(task::router())
        .merge(unit::router())
        .merge(workspace::router())
        .merge(admin::router())
        .merge(deliver::router())
        .merge(escalation::router())
        .merge(audit::router())
        .merge(notify::router())
        .merge(sheet::router())
        .merge(evaluation::router())
        .merge(publish::router())
        .merge(search::router())
        .merge(monitor::router())
}

/// Each role's home: the office and the units start at their 督办 inbox (what is due, what
/// waits for review); a leader (viewer) at the status page of the newest adopted plan.
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    auth: Auth,
) -> Result<Response, AppError> {
    use duban_store::user::Role;
    let to = match auth.role() {
        Role::Admin | Role::Reporter => "/deliver".to_string(),
        Role::Viewer => {
            let plans = state.store.list_plans().await?;
            let adopted = plans
                .iter()
                .filter(|p| p.state == duban_store::plan::PlanState::Adopted)
                .max_by_key(|p| (p.year, p.id));
            match adopted {
                Some(p) => format!("/plans/{}/status", p.id),
                None => "/plans".to_string(),
            }
        }
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The answer to a form post: back to `back` when it worked, else the error page with a
/// link back there.
pub fn redirect_back<T, E: Into<AppError>>(result: Result<T, E>, back: String) -> Response {
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => e.into().with_back(back),
    }
}

/// A posted HTML form, field name → value (the last of a repeated name).
pub type FormMap = axum::Form<std::collections::HashMap<String, String>>;

/// A form/query field as posted ("" when absent).
pub fn field<'a>(f: &'a std::collections::HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or("")
}

/// Parses an optional form/query field: empty → None.
pub fn opt(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}
