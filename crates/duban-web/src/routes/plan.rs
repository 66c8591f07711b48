//! Plan pages: the list of plans, the overview, the task list with filters, the source text
//! review with highlighted targets, and the `duban.plan/1` download.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duban_store::plan::PlanDetail;
use duban_store::target::TargetRow;
use minijinja::{Value, context};

use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::highlight::{Mark, highlight};
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list))
        .route("/plans/{id}", get(overview))
        .route("/plans/{id}/tasks", get(tasks))
        .route("/plans/{id}/review", get(review))
        .route("/plans/{id}/export.json", get(export))
}

/// A target as the templates show it.
pub fn target_view(t: &TargetRow) -> Value {
    context! {
        id => t.id,
        phrase => t.target.phrase,
        metric => t.target.metric,
        comparator => t.target.comparator.as_str(),
        comparator_label => t.target.comparator.label_zh(),
        value => t.target.value,
        low => t.target.low,
        high => t.target.high,
        unit => t.target.unit,
        commitment => t.target.commitment.map(|c| match c {
            duban_core::Commitment::Firm => "确保",
            duban_core::Commitment::Stretch => "力争",
        }),
        commitment_key => t.target.commitment.map(|c| match c {
            duban_core::Commitment::Firm => "firm",
            duban_core::Commitment::Stretch => "stretch",
        }),
        baseline => t.baseline,
        deadline => t.deadline,
        curve => t.curve.as_str(),
        curve_label => t.curve.label_zh(),
        milestones => duban_core::curve::format_milestones(&t.milestones),
    }
}

/// A task row for lists: number, title, pillar, units, target count.
pub fn task_summary(d: &PlanDetail, task: &duban_store::task::TaskRow) -> Value {
    let units: Vec<Value> = d
        .task_assignments(task.id)
        .map(|a| {
            context! { code => a.unit_code, name => a.unit_name, role => a.role.as_str(), role_label => a.role.label_zh(), demo => a.demo }
        })
        .collect();
    context! {
        id => task.id,
        number => task.number,
        label => task.label,
        title => task.title,
        pillar_id => task.pillar_id,
        units => units,
        targets => d.task_targets(task.id).count(),
        deadline => task.deadline,
        cadence_label => task.cadence.label_zh(),
    }
}

pub fn plan_view(d: &PlanDetail) -> Value {
    let p = &d.plan;
    context! {
        id => p.id,
        title => p.title,
        year => p.year,
        issuer => p.issuer,
        region => p.region,
        state => p.state.as_str(),
        state_label => p.state.label_zh(),
        adopted => p.state == duban_store::plan::PlanState::Adopted,
        adopted_at => p.adopted_at,
        source_name => p.source_name,
        version => p.version,
        assignment_confirmed => p.assignment_confirmed,
        has_demo => d.assignments.iter().any(|a| a.demo),
        task_count => d.tasks.len(),
        target_count => d.targets.len(),
    }
}

async fn list(State(state): State<AppState>, auth: Auth, page: Page) -> Result<Response, AppError> {
    let _ = auth;
    let mut plans = Vec::new();
    for p in state.store.list_plans().await? {
        let d = state.store.plan_detail(p.id).await?;
        plans.push(plan_view(&d));
    }
    Ok(render(
        &state,
        &page,
        "plans/list.html",
        context! { plans => plans },
    )?
    .into_response())
}

async fn overview(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    let at = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of")).await?;
    let pillars: Vec<Value> = d
        .pillars
        .iter()
        .map(|p| {
            let tasks: Vec<Value> = d
                .tasks
                .iter()
                .filter(|t| t.pillar_id == Some(p.id))
                .map(|t| task_summary(&d, t))
                .collect();
            let targets: usize = d
                .tasks
                .iter()
                .filter(|t| t.pillar_id == Some(p.id))
                .map(|t| d.task_targets(t.id).count())
                .sum();
            context! { id => p.id, heading => p.heading, subtitle => p.subtitle, tasks => tasks, task_count => tasks.len(), target_count => targets }
        })
        .collect();
    let loose: Vec<Value> = d
        .tasks
        .iter()
        .filter(|t| t.pillar_id.is_none())
        .map(|t| task_summary(&d, t))
        .collect();
    let headline: Vec<Value> = d
        .targets
        .iter()
        .filter(|t| t.task_id.is_none())
        .map(target_view)
        .collect();
    // Chart data: task and target counts per pillar (real counts, no progress yet).
    let chart = serde_json::json!({
        "tooltip": {},
        "legend": {"data": ["任务数", "量化目标数"]},
        "xAxis": {"type": "category", "data": d.pillars.iter().map(|p| p.heading.clone()).collect::<Vec<_>>()},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "任务数", "type": "bar", "data": d.pillars.iter().map(|p| d.tasks.iter().filter(|t| t.pillar_id == Some(p.id)).count()).collect::<Vec<_>>()},
            {"name": "量化目标数", "type": "bar", "data": d.pillars.iter().map(|p| d.tasks.iter().filter(|t| t.pillar_id == Some(p.id)).map(|t| d.task_targets(t.id).count()).sum::<usize>()).collect::<Vec<_>>()},
        ]
    });
    Ok(render(
        &state,
        &page,
        "plans/overview.html",
        context! {
            plan => plan_view(&d),
            pillars => pillars,
            loose => loose,
            headline => headline,
            chart => chart.to_string(),
            status => crate::deliver::overview_status(&state.store, id, at.date).await,
            demo_banner => at.banner(),
        },
    )?
    .into_response())
}

async fn tasks(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    let at = crate::deliver::PlanAsOf::of(&state.store, id, q.get("as_of")).await?;
    let status = crate::deliver::overview_status(&state.store, id, at.date).await;
    let pillar: Option<i64> = q.get("pillar").and_then(|v| v.parse().ok());
    let unit = super::opt(q.get("unit"));
    let text = super::opt(q.get("q"));
    let rows: Vec<Value> = d
        .tasks
        .iter()
        .filter(|t| pillar.is_none() || t.pillar_id == pillar)
        .filter(|t| {
            unit.as_ref()
                .is_none_or(|u| d.task_assignments(t.id).any(|a| &a.unit_code == u))
        })
        .filter(|t| {
            text.as_ref().is_none_or(|s| {
                t.title.contains(s.as_str())
                    || t.body.contains(s.as_str())
                    || t.number.to_string() == *s
            })
        })
        .map(|t| task_summary(&d, t))
        .collect();
    let mut unit_options: Vec<(String, String)> = d
        .assignments
        .iter()
        .map(|a| (a.unit_code.clone(), a.unit_name.clone()))
        .collect();
    unit_options.sort();
    unit_options.dedup();
    let pillars: Vec<Value> = d
        .pillars
        .iter()
        .map(|p| context! { id => p.id, heading => p.heading })
        .collect();
    Ok(render(
        &state,
        &page,
        "plans/tasks.html",
        context! {
            plan => plan_view(&d),
            tasks => rows,
            pillars => pillars,
            units => unit_options.iter().map(|(c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
            f_pillar => pillar,
            f_unit => unit,
            f_q => text,
            pillar_names => d.pillars.iter().map(|p| (p.id.to_string(), p.heading.clone())).collect::<HashMap<_, _>>(),
            status => status,
            as_of => at.date.to_string(),
            demo_banner => at.banner(),
        },
    )?
    .into_response())
}

/// The whole source text beside the parsed structure, every target phrase marked.
async fn review(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    let text_len = d.source_text.chars().count();
    let marks: Vec<Mark> = d
        .targets
        .iter()
        .filter(|t| t.target.span.end > t.target.span.start && t.target.span.end <= text_len)
        .map(|t| Mark {
            start: t.target.span.start,
            end: t.target.span.end,
            id: t.id,
        })
        .collect();
    let source_html = Value::from_safe_string(highlight(&d.source_text, &marks));
    let tasks: Vec<Value> = d
        .tasks
        .iter()
        .map(|t| {
            let targets: Vec<Value> = d.task_targets(t.id).map(target_view).collect();
            context! { ..task_summary(&d, t), ..context! { target_list => targets } }
        })
        .collect();
    // The document's item tree and what the reader noticed (sequence breaks, a kind it
    // could not tell): read again from the stored text, the same text the spans index.
    let source = d.source_text.clone();
    let outline = tokio::task::spawn_blocking(move || duban_doc::parse_text(&source))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|p| p.outline)
        .unwrap_or_default();
    let items: Vec<Value> = outline
        .items
        .iter()
        .map(|i| context! { label => i.label, title => i.title, depth => i.depth, task => i.task })
        .collect();
    let diagnostics: Vec<Value> = outline
        .diagnostics
        .iter()
        .map(|x| context! { code => x.code, message => x.message })
        .collect();
    Ok(render(
        &state,
        &page,
        "plans/review.html",
        context! {
            outline_items => items,
            diagnostics => diagnostics,
            doc_kind => outline.kind.map(|k| k.label_zh()),
            plan => plan_view(&d),
            source_html => source_html,
            marked => marks.len(),
            tasks => tasks,
            pillars => d.pillars.iter().map(|p| context! { id => p.id, heading => p.heading, subtitle => p.subtitle }).collect::<Vec<_>>(),
            headline => d.targets.iter().filter(|t| t.task_id.is_none()).map(target_view).collect::<Vec<_>>(),
        },
    )?
    .into_response())
}

async fn export(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    let body = serde_json::to_string_pretty(&d.to_model())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(super::attachment(
        body,
        "application/json; charset=utf-8",
        &format!("plan-{id}.json"),
    ))
}
