//! The 督办表 page of a plan: pick a period (and, for the office, a unit), download the
//! workbook, upload it filled. The upload saves drafts all or nothing; errors are listed
//! with their cells (第5行 K列).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duban_store::user::Role;
use minijinja::context;

use crate::auth::Auth;
use crate::error::AppError;
use crate::render::{Page, render, url_encode};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans/{id}/sheet", get(sheet_page))
        .route("/plans/{id}/sheet/import", post(upload))
}

/// The page's context: periods, units the user may choose, the current choice.
async fn choices(
    state: &AppState,
    auth: &Auth,
    plan_id: i64,
    q: &HashMap<String, String>,
) -> Result<minijinja::Value, AppError> {
    let plan = state.store.plan(plan_id).await?;
    let periods = state.store.plan_periods(plan_id).await?;
    // The plan's as-of date (the demo date for the demo plan): the default period is the
    // one being reported at that date, and the download's lights are computed at it.
    let at = crate::deliver::PlanAsOf::of(&state.store, plan_id, q.get("as_of")).await?;
    let today = at.date;
    let period = q
        .get("period")
        .cloned()
        .filter(|p| periods.iter().any(|x| &x.key == p))
        .or_else(|| {
            periods
                .iter()
                .find(|p| p.start <= today && today <= p.due)
                .or(periods.first())
                .map(|p| p.key.clone())
        })
        .unwrap_or_default();
    let units: Vec<(String, String)> = if auth.role() == Role::Reporter {
        auth.user
            .unit_code
            .clone()
            .into_iter()
            .zip(auth.user.unit_name.clone())
            .collect()
    } else {
        let mut leads: Vec<(String, String)> = state
            .store
            .plan_assignments(plan_id)
            .await?
            .into_iter()
            .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
            .map(|a| (a.unit_code, a.unit_name))
            .collect();
        leads.sort();
        leads.dedup();
        leads
    };
    let unit = q
        .get("unit")
        .cloned()
        .filter(|u| units.iter().any(|x| &x.0 == u))
        .or_else(|| units.first().map(|u| u.0.clone()))
        .unwrap_or_default();
    let download = format!(
        "/api/v1/plans/{plan_id}/export.xlsx?period={}&unit={}&as_of={}",
        url_encode(&period),
        url_encode(&unit),
        at.date
    );
    Ok(context! {
        as_of => at.date.to_string(), demo_banner => at.banner(),
        plan => plan, periods => periods, period => period, download => download,
        units => units.iter().map(|(c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
        unit => unit, can_import => auth.role() != Role::Viewer,
    })
}

async fn sheet_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let ctx = choices(&state, &auth, id, &q).await?;
    Ok(render(&state, &page, "oversight/sheet.html", ctx)?.into_response())
}

async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, AppError> {
    if auth.role() == Role::Viewer {
        return Err(AppError::Forbidden);
    }
    let (bytes, fields) = crate::sheet::upload(req, &state).await?;
    auth.check_csrf(super::field(&fields, "csrf"))?;
    let get = |k: &str| fields.get(k).map(String::as_str);
    let (period, unit) =
        crate::sheet::resolve(&state, &auth, id, get("period"), get("unit")).await?;
    let q: HashMap<String, String> = [
        ("period".to_string(), period.key.clone()),
        ("unit".to_string(), unit.code.clone()),
    ]
    .into();
    let as_of = crate::deliver::PlanAsOf::of(&state.store, id, None)
        .await?
        .date;
    let sheet = crate::sheet::build(&state, &auth.user, id, period, unit, as_of).await?;
    let outcome = crate::sheet::import(&state, &auth, &sheet, &bytes).await?;
    let ctx = choices(&state, &auth, id, &q).await?;
    let (status, ctx) = match outcome {
        Ok(saved) => (
            StatusCode::OK,
            context! { imported => saved, imported_ok => true, ..ctx },
        ),
        Err(refused) => (
            refused.status(),
            context! { refused => refused.message, problems => refused.problems, ..ctx },
        ),
    };
    Ok((status, render(&state, &page, "oversight/sheet.html", ctx)?).into_response())
}
