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
        .route("/plans/{id}/sheet/all.xlsx", get(overview_download))
        .route("/plans/{id}/summary", get(summary_page))
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
    auth.check_csrf(fields.text("csrf"))?;
    let get = |k: &str| fields.get(k);
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
    let sheet = crate::sheet::build(&state.store, &auth.user, id, period, unit, as_of).await?;
    let outcome = crate::sheet::import(&state, &auth, &sheet, &bytes).await?;
    let ctx = choices(&state, &auth, id, &q).await?;
    let (status, ctx) = match outcome {
        Ok(saved) => {
            // Each report by its task's 序号 and title, as the sheet shows them.
            let imported: Vec<minijinja::Value> = saved
                .iter()
                .map(|r| {
                    let row = sheet.spec.rows.iter().find(|x| x.task_code == r.task_code);
                    context! {
                        report_id => r.report_id, created => r.created, task_code => r.task_code,
                        task_number => row.map(|x| x.number.clone()),
                        task_title => row.map(|x| x.title.clone()),
                    }
                })
                .collect();
            (
                StatusCode::OK,
                context! { imported => imported, imported_ok => true, ..ctx },
            )
        }
        Err(refused) => (
            refused.status(),
            context! { refused => refused.message, problems => refused.problems, ..ctx },
        ),
    };
    Ok((status, render(&state, &page, "oversight/sheet.html", ctx)?).into_response())
}

/// The period asked for (by key), else the last one ended by `at`, else the first.
fn pick_period(
    periods: &[duban_store::deliver::period::PeriodRow],
    asked: Option<&String>,
    at: chrono::NaiveDate,
) -> Result<duban_store::deliver::period::PeriodRow, AppError> {
    if let Some(k) = asked.map(|k| k.trim()).filter(|k| !k.is_empty()) {
        return periods
            .iter()
            .find(|p| p.key == k)
            .cloned()
            .ok_or_else(|| AppError::BadRequest(format!("报送周期 {k} 不存在")));
    }
    // The last period that has ended (the one being reported and checked), the longer
    // one when a month and a quarter end on the same day; before the first ends, the first.
    periods
        .iter()
        .filter(|p| p.end <= at)
        .max_by_key(|p| (p.end, p.end - p.start))
        .or(periods.first())
        .cloned()
        .ok_or_else(|| AppError::Invalid("计划尚无报送周期（计划通过后生成）".into()))
}

/// What the 督办总表 and the 督办情况一览 read: the plan's date (`?as_of`, else its own), its
/// periods, the chosen one (`?period`), the plan's deliver state at that date.
async fn overview_of(
    state: &AppState,
    id: i64,
    q: &HashMap<String, String>,
) -> Result<
    (
        crate::deliver::PlanAsOf,
        Vec<duban_store::deliver::period::PeriodRow>,
        duban_store::deliver::period::PeriodRow,
        duban_app::status::PlanDeliver,
    ),
    AppError,
> {
    let at = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of")).await?;
    let periods = state.store.plan_periods(id).await?;
    let period = pick_period(&periods, q.get("period"), at.date)?;
    let pd = duban_app::status::plan_deliver(&state.store, id, at.date).await?;
    Ok((at, periods, period, pd))
}

/// 督办总表: every lead unit's row of one period in one workbook (read-only, for meetings and
/// the file), lights as of the plan's date; report texts only where the reader may read them.
async fn overview_download(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (at, _, period, pd) = overview_of(&state, id, &q).await?;
    let spec = duban_io::supervision_sheet::PlanOverview {
        plan_title: pd.detail.plan.title.clone(),
        period_label: period.label.clone(),
        as_of_label: duban_core::period::zh_date(at.date),
        rows: crate::sheet::overview_rows(&pd, &auth.user, period.id, at.date, None),
    };
    let bytes = duban_io::supervision_sheet::write_plan_overview(&spec)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(super::attachment(
        bytes,
        crate::api::oversight::XLSX,
        &format!("duban-{id}-{}-all.xlsx", period.key),
    ))
}

/// 督办情况一览: one A4 page per plan, or per unit (`?unit=CODE`), for the period being
/// reported at the plan's date: lights, what was reported, what is overdue, and (for the
/// plan) the units' punctuality.
async fn summary_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (at, periods, period, pd) = overview_of(&state, id, &q).await?;
    let unit = match q.get("unit").map(|u| u.trim()).filter(|u| !u.is_empty()) {
        // A control character or an overlong code names no unit (and PostgreSQL refuses a
        // NUL in text: a 500 before this check).
        Some(code) if code.chars().count() > 100 || code.chars().any(char::is_control) => {
            return Err(AppError::BadRequest("单位代码无效".into()));
        }
        Some(code) => Some(
            state
                .store
                .unit_by_code(code)
                .await?
                .ok_or_else(|| AppError::BadRequest(format!("单位 {code} 不存在")))?,
        ),
        None => None,
    };
    let rows = crate::sheet::overview_rows(
        &pd,
        &auth.user,
        period.id,
        at.date,
        unit.as_ref().map(|u| u.id),
    );
    let overdue = rows
        .iter()
        .filter(|r| r.report_state.ends_with("（逾期）"))
        .count();
    let reported = rows
        .iter()
        .filter(|r| !r.report_state.starts_with("未报"))
        .count();
    // Lights of the plan, or of the tasks the unit leads.
    let task_numbers: std::collections::BTreeSet<i64> = match &unit {
        Some(u) => pd
            .duties
            .iter()
            .filter(|d| d.unit_id == u.id)
            .map(|d| d.task_number)
            .collect(),
        None => pd.detail.tasks.iter().map(|t| t.number).collect(),
    };
    let children: Vec<duban_core::status::RollUpChild> = pd
        .status
        .tasks
        .iter()
        .filter(|(n, _)| task_numbers.contains(&i64::from(*n)))
        .map(|(_, r)| duban_core::status::RollUpChild {
            light: r.light,
            progress: r.progress,
            weight: 1.0,
        })
        .collect();
    // Light counts over the tasks listed; the plan's own light and progress for the plan
    // (the status page's figures), the unit's tasks rolled up the same way for a unit.
    let task_counts = duban_core::status::roll_up(&children);
    let status = match unit {
        Some(_) => task_counts.clone(),
        None => pd.status.plan.clone(),
    };
    let ranking = if unit.is_none() {
        crate::deliver::unit_ranking(&pd.duties, at.date)
    } else {
        Vec::new()
    };
    let units: Vec<(String, String)> = {
        let mut v: Vec<(String, String)> = pd
            .duties
            .iter()
            .map(|d| (d.unit_code.clone(), d.unit_name.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let due = rows.len();
    let rows: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| {
            context! {
                number => r.number, task => r.task, lead_unit => r.lead_unit,
                report_state => r.report_state, overdue => r.report_state.ends_with("（逾期）"),
                light => r.light.map(|l| l.as_str()), light_label => r.light_label,
            }
        })
        .collect();
    Ok(render(
        &state,
        &page,
        "oversight/summary.html",
        context! {
            plan => context! { id => id, title => pd.detail.plan.title },
            unit => unit.as_ref().map(|u| context! { code => u.code, name => u.name }),
            units => units.iter().map(|(c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
            period => context! { key => period.key, label => period.label },
            periods => periods.iter().map(|p| context! { key => p.key, label => p.label }).collect::<Vec<_>>(),
            as_of => at.date.to_string(),
            as_of_label => duban_core::period::zh_date(at.date),
            demo_banner => at.banner(),
            status => crate::deliver::roll_up_view(&status),
            task_counts => crate::deliver::roll_up_view(&task_counts),
            tasks => task_numbers.len(),
            rows => rows,
            due => due,
            reported => reported,
            overdue => overdue,
            ranking => ranking,
        },
    )?
    .into_response())
}
