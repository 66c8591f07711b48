//! Deliver (督办) pages: the reporting inbox (`/deliver`), the status dashboard of a plan
//! with as-of replay, due/overdue lists and the unit ranking (`/plans/{id}/status`), a
//! task's reports, consolidated view, history with version diffs and trend charts
//! (`/tasks/{id}/deliver`), the report form and review (`/reports/{id}`), evidence files,
//! the status-method page and the office's calendar editor (`/admin/calendar`).
//! Writes are CSRF-checked; who may do what is decided by `duban_core::report::transition`
//! inside the store.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use duban_app::status::PlanDeliver;
use duban_core::WorkCalendar;
use duban_core::escalation::EscalationState;
use duban_core::report::{ReportAction, ReportState};
use duban_store::StoreError;
use duban_store::deliver::DeliverError;
use duban_store::deliver::evidence::{MAX_EVIDENCE_BYTES, MAX_EVIDENCE_PER_REPORT};
use duban_store::deliver::report::{
    MilestoneInput, ReportActor, ReportContent, ReportDuty, ReportKey, ReportRow, ValueInput,
    version_text,
};
use duban_store::target::TargetRow;
use minijinja::{Value, context};
use serde::Deserialize;

use super::plan::{plan_view, target_view};
use crate::auth::{Auth, Office};
use crate::deliver::{
    PlanAsOf, diff_lines, due_lists, duty_view, methods_html, roll_up_view, target_status_view,
    unit_ranking, value_of,
};
use crate::error::AppError;
use crate::render::{Page, render, render_with_status};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deliver", get(inbox))
        .route("/plans/{id}/status", get(dashboard))
        .route("/plans/{id}/status/download/{file}", get(status_download))
        .route("/tasks/{id}/deliver", get(task_page))
        .route("/reports/new", post(new_report))
        .route("/reports/batch-accept", post(batch_accept))
        .route("/reports/{id}", get(report_page).post(save_report))
        .route("/reports/{id}/evidence", post(upload_evidence))
        .route("/reports/{id}/{action}", post(report_action))
        .route("/evidence/{id}", get(download_evidence))
        .route("/evidence/{id}/delete", post(delete_evidence))
        .route("/methods/status", get(methods))
        .route("/admin/calendar", get(calendar_page).post(save_calendar))
}

use crate::form_fields::FormFields;
type Q = Query<HashMap<String, String>>;

fn actor(auth: &Auth) -> Result<ReportActor, AppError> {
    ReportActor::of(&auth.user).ok_or(AppError::Forbidden)
}

fn report_view(r: &ReportRow) -> Value {
    context! {
        id => r.id,
        plan_id => r.plan_id,
        task_id => r.task_id,
        task_number => r.task_number,
        task_title => r.task_title,
        period_key => r.period_key,
        period_label => r.period_label,
        period_end => r.period_end.to_string(),
        due => r.due.to_string(),
        unit_code => r.unit_code,
        unit_name => r.unit_name,
        state => r.state.as_str(),
        state_label => r.state.label_zh(),
        editable => r.state.is_editable(),
        progress => r.progress,
        problems => r.problems,
        next_steps => r.next_steps,
        milestone => r.milestone.map(MilestoneInput::as_str),
        milestone_label => r.milestone.map(MilestoneInput::label_zh),
        milestone_pct => r.milestone_share.map(|s| (s * 1000.0).round() / 10.0),
        version => r.version,
        submitted_at => r.submitted_at,
        first_submitted_at => r.first_submitted_at,
        submitted_by => r.submitted_by,
        reviewed_at => r.reviewed_at,
        reviewed_by => r.reviewed_by,
        review_comment => r.review_comment,
        demo => r.demo,
    }
}

/// Period shortcuts for the as-of picker: each period's end and due date.
fn shortcuts(pd: &PlanDeliver) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for p in pd
        .periods
        .iter()
        .filter(|p| p.cadence == duban_core::period::Cadence::Quarterly)
    {
        for (d, label) in [
            (p.end, format!("{}末", p.label)),
            (p.due, format!("{}报送截止", p.label)),
        ] {
            if seen.insert(d) {
                out.push(context! { date => d.to_string(), label => label });
            }
        }
    }
    out
}

/// The home of a signed-in user (工作台). Reporter: what its unit must report now (due
/// within 20 days, overdue, or returned), the rest folded away. Office: the review queue
/// (new since the previous sign-in marked), overdue reports per plan, 督办事项 waiting for a
/// response past their date or for 销号. Each plan is read as of its own date (the demo
/// plan as of its demo date).
async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Q,
) -> Result<Response, AppError> {
    let mut todo = Vec::new();
    let mut returned = Vec::new();
    let mut later = Vec::new();
    let mut review = Vec::new();
    let mut overdue_by_plan = Vec::new();
    let mut overdue_total = 0;
    let since = if auth.is_admin() {
        state.store.previous_sign_in(&auth.user.name).await?
    } else {
        None
    };
    let plans = state.store.list_plans().await?;
    let mut open_plans = Vec::new();
    for p in plans.iter().filter(|p| p.year.is_some()) {
        let plan_as_of = PlanAsOf::of(&state.store, p.id, q.get("as_of")).await?;
        let as_of = plan_as_of.date;
        // A draft plan sets no duties yet (its tasks and units may still change): reports
        // fall due once the office adopts it. The labelled demo plan shows its demo duties.
        let open = p.state == duban_store::plan::PlanState::Adopted || plan_as_of.demo.is_some();
        let duties = if open {
            open_plans.push(p.id);
            state.store.report_duties(p.id).await?
        } else {
            Vec::new()
        };
        let plan_ctx = context! { plan_id => p.id, plan_title => p.title };
        if let Some(unit) = auth.user.unit_id.filter(|_| !auth.is_admin()) {
            let mine: Vec<ReportDuty> = duties
                .iter()
                .filter(|d| d.unit_id == unit)
                .cloned()
                .collect();
            let (due, overdue) = due_lists(&mine, as_of, 20);
            let now: std::collections::BTreeSet<(i64, i64)> = due
                .iter()
                .chain(&overdue)
                .map(|d| (d.task_id, d.period_id))
                .chain(
                    mine.iter()
                        .filter(|d| d.state == Some(ReportState::Returned))
                        .map(|d| (d.task_id, d.period_id)),
                )
                .collect();
            for d in &mine {
                let view = context! { ..duty_view(d, as_of), ..plan_ctx.clone() };
                if d.state == Some(ReportState::Returned) {
                    // A returned report waits on the unit: first in its list.
                    returned.push(view);
                } else if now.contains(&(d.task_id, d.period_id)) {
                    todo.push(view);
                } else {
                    later.push(view);
                }
            }
        }
        if auth.is_admin() {
            review.extend(
                state
                    .store
                    .plan_reports(p.id)
                    .await?
                    .iter()
                    .filter(|r| r.state == ReportState::Submitted)
                    .map(|r| {
                        let new = since.as_deref().is_some_and(|s| {
                            r.submitted_at.as_deref().is_some_and(|at| at > s)
                        });
                        context! { ..report_view(r), ..context! { plan_title => p.title, new => new } }
                    }),
            );
            let (_, overdue) = due_lists(&duties, as_of, 0);
            overdue_total += overdue.len();
            if !overdue.is_empty() {
                overdue_by_plan.push(context! {
                    plan_id => p.id, plan_title => p.title, as_of => as_of.to_string(),
                    count => overdue.len(),
                    first => overdue.iter().take(8).map(|d| duty_view(d, as_of)).collect::<Vec<_>>(),
                });
            }
        }
    }
    let escalations = if auth.is_admin() {
        let today = duban_store::deliver::report::today();
        let open = |st| duban_store::escalation::EscalationFilter {
            state: Some(st),
            ..Default::default()
        };
        let late = state
            .store
            .list_escalations(&open(EscalationState::Raised), 500)
            .await?
            .into_iter()
            .filter(|e| e.respond_by < today)
            .count();
        let to_close = state
            .store
            .list_escalations(&open(EscalationState::Responded), 500)
            .await?
            .len();
        Some(context! { late => late, to_close => to_close })
    } else {
        None
    };
    // A unit's 督办事项 waiting for its feedback (整改措施), on its home page.
    let awaiting_feedback = match auth.user.unit_id.filter(|_| !auth.is_admin()) {
        Some(unit) => state
            .store
            .list_escalations(
                &duban_store::escalation::EscalationFilter {
                    state: Some(EscalationState::Raised),
                    unit_id: Some(unit),
                    ..Default::default()
                },
                500,
            )
            .await?
            .len(),
        None => 0,
    };
    let new_count = review
        .iter()
        .filter(|r| r.get_attr("new").is_ok_and(|v| v.is_true()))
        .count();
    Ok(render(
        &state,
        &page,
        "deliver/inbox.html",
        context! {
            duties => returned.into_iter().chain(todo).collect::<Vec<_>>(),
            awaiting_feedback => awaiting_feedback,
            later => later,
            review => review,
            new_count => new_count,
            since => since,
            overdue_by_plan => overdue_by_plan,
            overdue_total => overdue_total,
            escalations => escalations,
            plans => plans.iter().map(|p| context! { id => p.id, title => p.title, state => p.state, open => open_plans.contains(&p.id) }).collect::<Vec<_>>(),
            can_report => auth.user.unit_id.is_some() && !auth.is_admin() && ReportActor::of(&auth.user).is_some(),
            accepted => q.get("accepted").and_then(|v| v.parse::<u32>().ok()),
            skipped => q.get("skipped").and_then(|v| v.parse::<u32>().ok()),
        },
    )?
    .into_response())
}

async fn dashboard(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Q,
) -> Result<Response, AppError> {
    let at = PlanAsOf::of(&state.store, id, q.get("as_of")).await?;
    let as_of = at.date;
    let pd = duban_app::status::plan_deliver(&state.store, id, as_of).await?;
    let d = &pd.detail;
    let task_row = |t: &duban_store::task::TaskRow| {
        let r = pd.status.task(t.number as u32);
        let units: Vec<String> = d
            .task_assignments(t.id)
            .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
            .map(|a| a.unit_name.clone())
            .collect();
        context! {
            id => t.id, number => t.number, title => t.title, leads => units,
            status => r.map(roll_up_view),
        }
    };
    let pillars: Vec<Value> = pd
        .pillar_statuses()
        .map(|(p, r)| {
            let tasks: Vec<Value> = d
                .tasks
                .iter()
                .filter(|t| t.pillar_id == Some(p.id))
                .map(task_row)
                .collect();
            context! { id => p.id, heading => p.heading, status => roll_up_view(r), tasks => tasks }
        })
        .collect();
    let loose: Vec<Value> = d
        .tasks
        .iter()
        .filter(|t| t.pillar_id.is_none())
        .map(task_row)
        .collect();
    // Headline goals: tracked only when bound to an indicator series (monitor, issue 13).
    let bindings = state.store.monitor_bindings(id).await?;
    // Whether a bound series' figures are 示例数据 or real, as on the monitor pages.
    let (values, imports, catalogue, regions) = if bindings.is_empty() {
        (Vec::new(), Vec::new(), Vec::new(), None)
    } else {
        (
            state.store.monitor_values(None).await?,
            state.store.monitor_imports().await?,
            state.store.monitor_indicators().await?,
            Some(state.store.monitor_regions().await?),
        )
    };
    let headline: Vec<Value> = d
        .targets
        .iter()
        .filter(|t| t.task_id.is_none())
        .map(|t| {
            let s = pd.status.target_by_id(t.id);
            let b = bindings.iter().find(|b| b.target_id == t.id);
            context! {
                id => t.id, phrase => t.target.phrase, metric => t.target.metric,
                status => s.map(crate::deliver::target_status_view),
                series => b.map(|b| {
                    let p = catalogue
                        .iter()
                        .find(|i| i.name == b.indicator)
                        .map(|i| crate::monitor::provenance(&values, &imports, i, &b.region, as_of))
                        .unwrap_or_default();
                    context! {
                        indicator => b.indicator,
                        // The region as people name it (浙江省), not its GB/T 2260 code.
                        region => regions.as_ref().and_then(|r| r.get(&b.region)).map_or(b.region.as_str(), |r| r.name.as_str()),
                        href => format!("/monitor/regions/{}?as_of={as_of}", b.region),
                        demo => p.demo, real => p.real,
                    }
                }),
            }
        })
        .collect();
    let (due, overdue) = due_lists(&pd.duties, as_of, 15);
    let ranking = unit_ranking(&pd.duties, as_of);
    let places =
        duban_core::publication::shared_places(&ranking, |u| (u.on_time_pct, u.returned_pct));
    // 进度趋势: the plan at each quarter's end up to the date, and at the date.
    let mut dates: Vec<NaiveDate> = pd
        .periods
        .iter()
        .filter(|p| p.cadence == duban_core::period::Cadence::Quarterly && p.end < as_of)
        .map(|p| p.end)
        .collect();
    dates.sort();
    dates.dedup();
    let mut points = duban_app::status::plan_status_at(&state.store, &pd, &dates).await?;
    points.push((as_of, pd.status.clone()));
    let trend: Vec<Value> = points
        .iter()
        .map(|(date, s)| {
            context! {
                date => duban_core::period::zh_date(*date), progress => crate::deliver::pct(s.plan.progress),
                red => s.plan.counts.red, yellow => s.plan.counts.yellow,
                green => s.plan.counts.green + s.plan.counts.blue, light_label => s.plan.light.short_zh(),
            }
        })
        .collect();
    let trend_chart = serde_json::json!({
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {"type": "category", "data": points.iter().map(|(d, _)| duban_core::period::zh_date(*d)).collect::<Vec<_>>()},
        "yAxis": [{"type": "value", "max": 100, "name": "进度 %"}, {"type": "value", "name": "红灯数", "minInterval": 1}],
        "series": [
            {"name": "总体进度", "type": "line", "data": points.iter().map(|(_, s)| crate::deliver::pct(s.plan.progress)).collect::<Vec<_>>()},
            {"name": "红灯", "type": "bar", "yAxisIndex": 1, "itemStyle": {"color": "#b91c1c"}, "data": points.iter().map(|(_, s)| s.plan.counts.red).collect::<Vec<_>>()},
        ],
    });
    // Horizontal bars: a pillar's whole name stays readable beside its bar, also on a phone
    // (under vertical bars ECharts drops every other long name).
    let chart = serde_json::json!({
        "tooltip": {},
        "grid": {"containLabel": true, "left": 8, "right": 24},
        "yAxis": {"type": "category", "inverse": true, "data": d.pillars.iter().map(|p| p.heading.clone()).collect::<Vec<_>>(), "axisLabel": {"interval": 0, "width": 150, "overflow": "break"}},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [{"name": "进度", "type": "bar", "label": {"show": true, "position": "right", "formatter": "{c}%"}, "data": pd.status.pillars.iter().map(|(_, r)| r.progress.map(|p| (p * 1000.0).round() / 10.0)).collect::<Vec<_>>()}],
    });
    Ok(render(
        &state,
        &page,
        "deliver/dashboard.html",
        context! {
            plan => plan_view(d),
            as_of => as_of.to_string(),
            method => pd.status.method,
            plan_status => roll_up_view(&pd.status.plan),
            headline => headline,
            headline_status => roll_up_view(&pd.status.headline),
            pillars => pillars,
            loose => loose,
            due => due.iter().map(|x| duty_view(x, as_of)).collect::<Vec<_>>(),
            overdue => overdue.iter().map(|x| duty_view(x, as_of)).collect::<Vec<_>>(),
            ranking => ranking,
            places => places,
            shortcuts => shortcuts(&pd),
            has_demo => pd.reports.iter().any(|r| r.demo),
            demo_banner => at.banner(),
            chart => chart.to_string(),
            trend => trend,
            trend_chart => trend_chart.to_string(),
        },
    )?
    .into_response())
}

/// A table of the status page as of its date (任务状态, 逾期未报, 部门排名) as .xlsx or .csv:
/// `tasks.xlsx`, `overdue.csv`, `ranking.xlsx` … — the same tables the public portal offers.
async fn status_download(
    State(state): State<AppState>,
    _auth: Auth,
    Path((id, file)): Path<(i64, String)>,
    Query(q): Q,
) -> Result<Response, AppError> {
    let at = PlanAsOf::of(&state.store, id, q.get("as_of")).await?;
    let (name, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    if !matches!(name, "tasks" | "overdue" | "ranking") {
        return Err(AppError::NotFound);
    }
    let pd = duban_app::status::plan_deliver(&state.store, id, at.date).await?;
    let snapshot = crate::publish::plan_snapshot_of(&pd, id, at.date, true);
    let prefix = format!("plan{id}-{}", at.date);
    let table = crate::publish::plan_tables(&prefix, &snapshot, true)
        .into_iter()
        .find(|t| t.stem.ends_with(&format!("-{name}")))
        .ok_or(AppError::NotFound)?;
    super::table_download(table.caption, &table.stem, &table.rows, ext)
}

/// Trend data of one target: accepted values by date (the chart) and every reported value
/// with its report's state (the table, which is also the no-JavaScript fallback).
fn trend(pd: &PlanDeliver, t: &TargetRow, as_of: NaiveDate) -> (Vec<Value>, Option<String>) {
    let mut rows: Vec<(NaiveDate, &ReportRow, Option<f64>)> = pd
        .reports
        .iter()
        .filter(|r| Some(r.task_id) == t.task_id)
        .filter_map(|r| r.value_of(t.id).map(|v| (v.as_of, r, v.value)))
        .collect();
    rows.sort_by_key(|(d, r, _)| (*d, r.unit_id));
    // The chart: the values that count (the one rule), by date and unit.
    let mut counted: Vec<_> = duban_app::status::accepted_values(&pd.reports, t.id)
        .filter(|v| v.counts_at(as_of))
        .collect();
    counted.sort_by_key(|v| (v.as_of, v.report.unit_id));
    let accepted: Vec<(String, f64)> = counted
        .iter()
        .map(|v| (v.as_of.to_string(), v.value))
        .collect();
    let mut series = vec![serde_json::json!({
        "name": "报送值（已审核）", "type": "line",
        "data": accepted.iter().map(|(_, v)| v).collect::<Vec<_>>(),
    })];
    if let Some(goal) = t.target.value.or(t.target.low) {
        series.push(serde_json::json!({
            "name": "目标值", "type": "line", "lineStyle": {"type": "dashed"}, "symbol": "none",
            "data": accepted.iter().map(|_| goal).collect::<Vec<_>>(),
        }));
    }
    let chart = serde_json::json!({
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {"type": "category", "data": accepted.iter().map(|(d, _)| d).collect::<Vec<_>>()},
        "yAxis": {"type": "value", "name": t.target.unit.clone().unwrap_or_default()},
        "series": series,
    });
    // Every reported value is listed; those that do not count as of the page's date (not
    // yet accepted then, or about a later date) say so, so the light above and the list
    // below never seem to disagree.
    let counts = |r: &ReportRow| counted.iter().any(|v| v.report.id == r.id);
    let table = rows
        .iter()
        .map(|(d, r, v)| context! { date => d.to_string(), value => v, unit => r.unit_name, state_label => r.state.label_zh(), report_id => r.id, counted => counts(r) })
        .collect();
    // No chart without a value that counts: an empty axis says nothing.
    (table, (!accepted.is_empty()).then(|| chart.to_string()))
}

async fn task_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Q,
) -> Result<Response, AppError> {
    let task = state.store.task(id).await?;
    let at = PlanAsOf::of(&state.store, task.plan_id, q.get("as_of")).await?;
    let as_of = at.date;
    let mut pd = duban_app::status::plan_deliver(&state.store, task.plan_id, as_of).await?;
    // Status is computed above from accepted values; the reports shown are those readable.
    pd.reports
        .retain(|r| crate::access::can_read_report(&auth.user, r.unit_id, r.state));
    let d = &pd.detail;
    let number = task.number as u32;
    let targets: Vec<Value> = d
        .task_targets(task.id)
        .map(|t| {
            let s = pd.status.target_by_id(t.id);
            let (table, chart) = trend(&pd, t, as_of);
            context! { ..target_view(t), ..context! { status => s.map(target_status_view), trend => table, chart => chart } }
        })
        .collect();
    let milestone = pd
        .status
        .target(duban_core::plan_status::TargetRef::TaskMilestone { number })
        .map(target_status_view);
    let leads = state.store.task_leads(task.id).await?;
    let reports: Vec<&ReportRow> = pd.reports.iter().filter(|r| r.task_id == task.id).collect();
    let reporter =
        ReportActor::of(&auth.user).filter(|a| a.actor.role == duban_core::report::Role::Reporter);
    let cadence = task.cadence;
    let grid: Vec<Value> = pd
        .periods
        .iter()
        .filter(|p| p.cadence == cadence)
        .map(|p| {
            let cells: Vec<Value> = leads
                .iter()
                .map(|(uid, code, name)| {
                    let r = reports.iter().find(|r| r.period_id == p.id && r.unit_id == *uid);
                    context! {
                        unit_id => uid, unit_code => code, unit_name => name,
                        report => r.map(|r| report_view(r)),
                        can_create => r.is_none() && reporter.as_ref().is_some_and(|a| a.actor.unit.as_deref() == Some(code.as_str())),
                    }
                })
                .collect();
            let parts: Vec<Value> = reports
                .iter()
                .filter(|r| r.period_id == p.id)
                .map(|r| context! { ..report_view(r), ..context! { values => values_view(d, r) } })
                .collect();
            context! { id => p.id, key => p.key, label => p.label, due => p.due.to_string(), cells => cells, parts => parts }
        })
        .collect();
    let mut history = Vec::new();
    for r in &reports {
        let versions = state.store.report_versions(r.id).await?;
        let events = state.store.report_events(r.id).await?;
        history.push(context! {
            report => report_view(r),
            versions => versions_view(&versions),
            events => events_view(&events),
        });
    }
    Ok(render(
        &state,
        &page,
        "deliver/task.html",
        context! {
            plan => plan_view(d),
            task => context! { id => task.id, number => task.number, title => task.title, leads_separately => task.leads_separately, cadence_label => task.cadence.label_zh() },
            as_of => as_of.to_string(),
            demo_banner => at.banner(),
            status => pd.status.task(number).map(roll_up_view),
            method => pd.status.method,
            targets => targets,
            milestone => milestone,
            leads => leads.iter().map(|(_, c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
            first_lead => leads.first().map(|(_, _, n)| n.clone()),
            grid => grid,
            history => history,
            shortcuts => shortcuts(&pd),
        },
    )?
    .into_response())
}

fn values_view(d: &duban_store::plan::PlanDetail, r: &ReportRow) -> Vec<Value> {
    d.task_targets(r.task_id)
        .map(|t| {
            let v = r.value_of(t.id);
            let value = v.and_then(|v| v.value);
            // A value ten times its target or more is usually a unit slip (元 for 亿元):
            // the reviewer is told to check it, nothing is refused.
            let goal = t.target.value.or(t.target.high).or(t.target.low);
            let implausible = matches!((value, goal), (Some(x), Some(g)) if g != 0.0 && (x / g).abs() >= 10.0);
            context! {
                target_id => t.id, metric => t.target.metric, phrase => t.target.phrase, unit => t.target.unit,
                value => value, as_of => v.map(|v| v.as_of.to_string()), implausible => implausible,
            }
        })
        .collect()
}

fn versions_view(versions: &[duban_store::deliver::report::ReportVersion]) -> Vec<Value> {
    let mut prev = String::new();
    versions
        .iter()
        .map(|v| {
            let text = version_text(&v.content);
            let diff = diff_lines(&prev, &text);
            prev = text;
            context! { number => v.number, user_name => v.user_name, at => v.at, diff => diff, first => v.number == 1 }
        })
        .collect()
}

fn action_label(a: &str) -> &'static str {
    match a {
        "create" => "创建草稿",
        "edit" => "保存修改",
        "submit" => "报送",
        "withdraw" => "撤回",
        "accept" => "审核通过",
        "return" => "退回",
        "reopen" => "重新打开",
        "evidence_add" => "上传佐证材料",
        "evidence_remove" => "删除佐证材料",
        _ => "其他",
    }
}

fn events_view(events: &[duban_store::deliver::report::ReportEvent]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            context! {
                action => e.action, action_label => action_label(&e.action),
                from_label => ReportState::parse(&e.from_state).map(|s| s.label_zh()),
                to_label => ReportState::parse(&e.to_state).map(|s| s.label_zh()),
                user_name => e.user_name, at => e.at, comment => e.comment,
            }
        })
        .collect()
}

/// The "填报" button of a task's period: which report to open (or create).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewReportForm {
    csrf: String,
    task_id: String,
    period_id: String,
    unit_id: String,
}

impl TryFrom<&NewReportForm> for ReportKey {
    type Error = AppError;

    fn try_from(f: &NewReportForm) -> Result<ReportKey, AppError> {
        let num = |v: &str, k: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("缺少 {k}")))
        };
        Ok(ReportKey {
            task_id: num(&f.task_id, "task_id")?,
            period_id: num(&f.period_id, "period_id")?,
            unit_id: num(&f.unit_id, "unit_id")?,
        })
    }
}

async fn new_report(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<NewReportForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let by = actor(&auth)?;
    let key = ReportKey::try_from(&f)?;
    if !auth.can_act_for(key.unit_id) {
        return Err(AppError::Forbidden);
    }
    let start = previous_content(&state.store, key).await?;
    let carried =
        !(start.progress.is_empty() && start.problems.is_empty() && start.next_steps.is_empty());
    let (id, _) = state.store.create_report(key, &start, &by).await?;
    // A start from last period's text says so: it is to be updated, not sent as it is.
    let done = if carried { "?done=carried" } else { "" };
    Ok(Redirect::to(&format!("/reports/{id}{done}")).into_response())
}

/// A new report starts from the unit's report on the same task for the latest earlier
/// period (its texts and milestone state; never its figures, which must be reported anew),
/// so a unit updates last period's account instead of retyping it.
async fn previous_content(
    store: &duban_store::Store,
    key: ReportKey,
) -> Result<ReportContent, AppError> {
    let period = store.period(key.period_id).await?;
    let previous = store
        .plan_reports(period.plan_id)
        .await?
        .into_iter()
        .filter(|r| {
            r.task_id == key.task_id && r.unit_id == key.unit_id && r.period_end < period.start
        })
        .max_by_key(|r| r.period_end);
    Ok(
        previous.map_or_else(ReportContent::default, |r| ReportContent {
            // A demo report's label is not carried into the next period's own text.
            progress: without_demo_label(&r.progress),
            problems: without_demo_label(&r.problems),
            next_steps: without_demo_label(&r.next_steps),
            milestone: r.milestone,
            milestone_share: r.milestone_share,
            values: Vec::new(),
        }),
    )
}

/// `（示例数据）2020年第二季度：…` → `2020年第二季度：…`.
fn without_demo_label(text: &str) -> String {
    text.trim_start()
        .strip_prefix("（示例数据）")
        .unwrap_or(text)
        .to_string()
}

async fn report_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Q,
) -> Result<Response, AppError> {
    // What the last save did, said once after its redirect (`?done=`).
    let done = match q.get("done").map(String::as_str) {
        Some("saved") => Some("草稿已保存。"),
        Some("submitted" | "submit") => Some("已保存并报送，等待督办办公室审核。"),
        Some("accept") => Some("已审核通过，报送单位已收到通知。"),
        Some("return") => Some("已退回，报送单位已收到退回意见。"),
        Some("reopen") => Some("已重新打开，报送单位可修改后重新报送。"),
        Some("withdraw") => Some("已撤回，报告回到草稿，可修改后重新报送。"),
        Some("evidence") => Some("佐证材料已上传，填写的内容已一并保存为草稿。"),
        Some("evidence_removed") => Some("佐证材料已删除。"),
        Some("nofile_saved") => Some("填写的内容已保存为草稿；未选择文件，没有上传佐证材料。"),
        Some("nofile") => Some("未选择文件，没有上传佐证材料。"),
        Some("carried") => Some(
            "已沿用本单位上期报告的文字（进展情况、存在问题、下步打算）作为起点：请逐项更新为本期情况后再报送；本期数值须重新填写。",
        ),
        _ => None,
    };
    report_render(&state, &auth, &page, id, StatusCode::OK, done).await
}

/// The report page (the form when the user may edit it), answered with `status`.
async fn report_render(
    state: &AppState,
    auth: &Auth,
    page: &Page,
    id: i64,
    status: StatusCode,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let r = state.store.report(id).await?;
    crate::access::require_read_report(&auth.user, r.unit_id, r.state)?;
    let d = state.store.plan_detail(r.plan_id).await?;
    let versions = state.store.report_versions(id).await?;
    let events = state.store.report_events(id).await?;
    let evidence = state.store.report_evidence(id).await?;
    // What the page offers is what the core would accept (viewers take no part).
    let allowed: Vec<&str> = ReportActor::of(&auth.user)
        .map(|by| duban_core::report::allowed_actions(r.state, &by.actor, &r.unit_code))
        .unwrap_or_default()
        .iter()
        .map(ReportAction::name)
        .collect();
    let may = |action: &str| allowed.contains(&action);
    render_with_status(
        state,
        page,
        status,
        "deliver/report.html",
        context! {
            plan => plan_view(&d),
            report => report_view(&r),
            done => done,
            values => values_view(&d, &r),
            has_targets => d.task_targets(r.task_id).next().is_some(),
            milestones => MilestoneInput::ALL.iter().map(|m| context! { key => m.as_str(), label => m.label_zh() }).collect::<Vec<_>>(),
            can_edit => may("edit"),
            can_withdraw => may("withdraw"),
            can_review => may("accept") || may("return"),
            can_reopen => may("reopen"),
            versions => versions_view(&versions),
            events => events_view(&events),
            evidence => evidence.iter().map(|e| context! { id => e.id, file_name => e.file_name, size => file_size(e.size), content_type => duban_store::deliver::evidence::kind_label(&e.content_type), user_name => e.user_name, at => e.at, sha256 => e.sha256 }).collect::<Vec<_>>(),
            max_evidence => MAX_EVIDENCE_PER_REPORT,
            max_mb => MAX_EVIDENCE_BYTES / 1024 / 1024,
        },
    )
}

fn content_from_form(
    f: &FormFields,
    d: &duban_store::plan::PlanDetail,
    task_id: i64,
) -> Result<ReportContent, AppError> {
    let mut values = Vec::new();
    for t in d.task_targets(task_id) {
        let value = value_of(f.text(&format!("value_{}", t.id)), t.target.unit.as_deref())
            .map_err(|e| AppError::InvalidField {
                field: format!("value_{}", t.id),
                message: format!("目标“{}”的数值：{e}", t.target.metric),
            })?;
        let as_of = match f.trimmed(&format!("asof_{}", t.id)) {
            "" => None,
            s => Some(
                duban_core::period::parse_iso_date(
                    &format!("目标“{}”的数据截至日期", t.target.metric),
                    s,
                )
                .map_err(|message| AppError::InvalidField {
                    field: format!("asof_{}", t.id),
                    message,
                })?,
            ),
        };
        if value.is_some() {
            values.push(ValueInput {
                target_id: t.id,
                value,
                as_of,
            });
        }
    }
    let milestone = match f.text("milestone") {
        "" => None,
        m => Some(
            MilestoneInput::parse(m).ok_or_else(|| AppError::InvalidField {
                field: "milestone".into(),
                message: "节点状态无效".into(),
            })?,
        ),
    };
    let share = value_of(f.text("milestone_pct"), Some("%"))
        .map_err(|e| AppError::InvalidField {
            field: "milestone_pct".into(),
            message: format!("节点完成比例：{e}"),
        })?
        .map(|p| p / 100.0);
    Ok(ReportContent {
        progress: f.text("progress").to_string(),
        problems: f.text("problems").to_string(),
        next_steps: f.text("next_steps").to_string(),
        milestone,
        milestone_share: share.filter(|_| milestone == Some(MilestoneInput::InProgress)),
        values,
    })
}

async fn save_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    f: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(f.text("csrf"))?;
    let by = actor(&auth)?;
    let back = format!("/reports/{id}");
    let r = state.store.report(id).await?;
    let d = state.store.plan_detail(r.plan_id).await?;
    let content = match content_from_form(&f, &d, r.task_id) {
        Ok(c) => c,
        Err(e) => return Ok(e.with_back(back)),
    };
    let version = match form_version(f.text("version")) {
        Ok(v) => v,
        Err(e) => return Ok(e.with_back(back)),
    };
    if let Err(e) = state
        .store
        .save_report(id, Some(version), &content, &by)
        .await
    {
        return Ok(AppError::from(e).with_back(back));
    }
    let submit = f.text("then") == "submit";
    if submit
        && let Err(e) = duban_app::report::act(&state.store, id, &ReportAction::Submit, &by).await
    {
        return Ok(AppError::from(e).with_back(back));
    }
    let done = if submit { "submitted" } else { "saved" };
    Ok(Redirect::to(&format!("{back}?done={done}")).into_response())
}

/// The version a report form was loaded at (a hidden field): a save without it could
/// overwrite what another user saved since, so it is required.
fn form_version(v: &str) -> Result<i64, AppError> {
    v.trim().parse::<i64>().map_err(|_| {
        AppError::BadRequest("表单缺少有效的版本号（version），请刷新页面后重新填写保存".into())
    })
}

/// A report workflow button: the CSRF token and, for 审核通过 (optional), 退回 and 重新打开,
/// the comment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    csrf: String,
    comment: String,
}

async fn report_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ActionForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let by = actor(&auth)?;
    let comment = f.comment;
    let action = match action.as_str() {
        "submit" => ReportAction::Submit,
        "withdraw" => ReportAction::Withdraw,
        "accept" => ReportAction::Accept { comment },
        "return" => ReportAction::Return { comment },
        "reopen" => ReportAction::Reopen { reason: comment },
        _ => return Err(AppError::NotFound),
    };
    let back = format!("/reports/{id}");
    let with_comment = matches!(
        action,
        ReportAction::Return { .. } | ReportAction::Reopen { .. }
    );
    match duban_app::report::act(&state.store, id, &action, &by).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?done={}", action.name())).into_response()),
        Err(e) if with_comment => Ok(AppError::from(e).on_field("comment").with_back(back)),
        Err(e) => Ok(AppError::from(e).with_back(back)),
    }
}

/// 批量审核通过: the office accepts the reports ticked in its review queue. Each acceptance is
/// its own workflow step (audited, the unit notified); a report that is no longer waiting
/// (withdrawn, or reviewed by someone else meanwhile) is skipped and counted, not an error
/// for the others. Back to the inbox with the counts.
async fn batch_accept(
    State(state): State<AppState>,
    auth: Office,
    f: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(f.text("csrf"))?;
    let by = actor(&auth)?;
    let ids = f.ticked_ids("report", "报告")?;
    let (mut accepted, mut skipped) = (0, 0);
    for id in ids {
        match duban_app::report::act(&state.store, id, &ReportAction::accept(), &by).await {
            Ok(_) => accepted += 1,
            // No longer waiting, gone, or being reviewed by someone else this moment.
            Err(DeliverError::Workflow(_))
            | Err(DeliverError::Store(StoreError::NotFound | StoreError::Conflict)) => skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/deliver?accepted={accepted}&skipped={skipped}")).into_response())
}

/// A file's size as people read it: 6 字节, 12.5 KB, 3.2 MB.
fn file_size(bytes: i64) -> String {
    match bytes {
        ..1024 => format!("{bytes} 字节"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// Stores an evidence file. Sent from inside the report form, the upload carries the
/// report's fields: they are saved as a draft first, so nothing typed is lost (an invalid
/// field shows the form again, filled in, and no file is stored).
async fn upload_evidence(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let by = actor(&auth)?;
    let mut form = crate::upload::read_form(multipart, None).await?;
    auth.check_csrf(form.text("csrf"))?;
    let file = form.take_file("file");
    let back = format!("/reports/{id}");
    if form.has("version") {
        let fields = form.fields().clone();
        let r = state.store.report(id).await?;
        let d = state.store.plan_detail(r.plan_id).await?;
        let saved = match content_from_form(&fields, &d, r.task_id) {
            Ok(content) => match form_version(fields.text("version")) {
                Ok(version) => state
                    .store
                    .save_report(id, Some(version), &content, &by)
                    .await
                    .map_err(AppError::from),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = saved {
            if e.status() != StatusCode::UNPROCESSABLE_ENTITY {
                return Ok(e.with_back(back));
            }
            let field = match &e {
                AppError::InvalidField { field, .. } => Some(field.clone()),
                _ => None,
            };
            let refused = Refused {
                field,
                message: e.to_string(),
                draft_saved: false,
            };
            return upload_refused(&state, &auth, page, id, &fields, refused).await;
        }
    }
    let Some((name, bytes)) = file else {
        // Nothing to upload: what was typed is saved above, so the page simply says so.
        let done = if form.has("version") {
            "nofile_saved"
        } else {
            "nofile"
        };
        return Ok(Redirect::to(&format!("{back}?done={done}")).into_response());
    };
    match state.store.add_evidence(id, &name, &bytes, &by).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}?done=evidence")).into_response()),
        // A refused file (a program, too large, too many): the form again, as it was saved.
        Err(DeliverError::Store(StoreError::Invalid(message))) => {
            let fields = form.fields().clone();
            let refused = Refused {
                field: Some("file".into()),
                message,
                draft_saved: form.has("version"),
            };
            upload_refused(&state, &auth, page, id, &fields, refused).await
        }
        Err(e) => Ok(AppError::from(e).with_back(back)),
    }
}

/// Why an upload was refused: the field, the message, and whether the form's fields were
/// saved as a draft before the file was refused.
struct Refused {
    field: Option<String>,
    message: String,
    draft_saved: bool,
}

/// The report page again (422) with what the refused upload carried and why.
async fn upload_refused(
    state: &AppState,
    auth: &Auth,
    mut page: Page,
    id: i64,
    fields: &crate::form_fields::FormFields,
    refused: Refused,
) -> Result<Response, AppError> {
    let mut prefill = crate::form_replay::FormPrefill::with(
        fields.pairs().iter().cloned().collect(),
        refused.field,
        refused.message,
        &format!("/reports/{id}/evidence"),
    );
    prefill.draft_saved = refused.draft_saved;
    page.form = Some(prefill);
    report_render(
        state,
        auth,
        &page,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
    )
    .await
}

async fn delete_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let by = actor(&auth)?;
    let e = state.store.evidence(id).await?;
    state.store.remove_evidence(id, &by).await?;
    Ok(Redirect::to(&format!("/reports/{}?done=evidence_removed", e.report_id)).into_response())
}

/// Serves a stored file as an attachment with its sniffed type (never inline).
pub async fn download_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let e = state.store.evidence(id).await?;
    let r = state.store.report(e.report_id).await?;
    crate::access::require_read_report(&auth.user, r.unit_id, r.state)?;
    let bytes = state.store.evidence_bytes(&e).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&e.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        super::content_disposition(&e.file_name),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

async fn methods(State(state): State<AppState>, page: Page) -> Result<Response, AppError> {
    Ok(render(
        &state,
        &page,
        "deliver/methods.html",
        context! {
            body => Value::from_safe_string(methods_html()),
            method => duban_core::STATUS_METHOD_VERSION,
        },
    )?
    .into_response())
}

async fn calendar_render(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    text: Option<String>,
    message: Option<String>,
) -> Result<Response, AppError> {
    let over = state.store.calendar_override().await?;
    let cal = state.store.work_calendar().await?;
    let years: Vec<Value> = cal
        .years()
        .map(|y| context! { year => y.year, confirmed => y.status == duban_core::calendar::YearStatus::Confirmed, source => y.source })
        .collect();
    let body = match text {
        Some(t) => t,
        None => state.store.calendar_text().await?,
    };
    render_with_status(
        state,
        page,
        status,
        "deliver/calendar.html",
        context! {
            body => body,
            overridden => over.is_some(),
            saved_by => over.as_ref().and_then(|o| o.user_name.clone()),
            saved_at => over.as_ref().map(|o| o.at.clone()),
            years => years,
            message => message,
        },
    )
}

async fn calendar_page(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    calendar_render(&state, &page, StatusCode::OK, None, None).await
}

/// The office's calendar overrides (节假日/调休 lines), or `reset=1` for the built-in calendar.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CalendarForm {
    csrf: String,
    reset: String,
    body: String,
}

async fn save_calendar(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Form(f): Form<CalendarForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let body = if f.reset == "1" {
        String::new()
    } else {
        f.body.replace("\r\n", "\n")
    };
    if !body.trim().is_empty()
        && let Err(e) = WorkCalendar::parse(&body)
    {
        return calendar_render(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(body),
            Some(format!("未保存：{e}")),
        )
        .await;
    }
    state
        .store
        .set_calendar_override(&body, auth.user.id)
        .await?;
    Ok(Redirect::to("/admin/calendar").into_response())
}
