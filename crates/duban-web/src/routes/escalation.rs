//! Escalations (督办事项): the list (filter by level, state, unit), a record's page with the
//! unit's response (整改措施) and the office's rejection or closure (销号), the office's rules
//! page with the "run now" button, and the in-app message inbox (消息) of every user.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duban_core::escalation::{
    EscalationAction, EscalationLevel, EscalationRules, OverdueRule, RedStreakRule,
};
use duban_core::report::Role as CoreRole;
use duban_store::escalation::state_str;
use duban_store::user::Role;
use minijinja::context;

use crate::api::oversight::escalation_filter;
use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::form_fields::FormFields;
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/escalations", get(list))
        .route("/escalations/batch-close", post(batch_close))
        .route("/escalations/{id}", get(detail))
        .route("/escalations/{id}/{action}", post(act))
        .route("/escalations/{id}/notice/{format}", get(notice))
        .route("/admin/escalations", get(rules_page).post(save_rules))
        .route("/admin/escalations/run", post(run_now))
        .route("/messages", get(messages))
        .route("/messages/read", post(mark_read))
}

fn levels() -> Vec<minijinja::Value> {
    EscalationLevel::ALL
        .iter()
        .map(|l| context! { code => l.as_str(), label => l.label_zh() })
        .collect()
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let f = escalation_filter(&state, &auth, &q).await?;
    let mut all = state.store.list_escalations(&f, 10_000).await?;
    // 排序: newest first (the store's order), or by response deadline, level or unit.
    match q.get("sort").map(String::as_str) {
        Some("respond_by") => all.sort_by_key(|e| (e.respond_by, e.id)),
        Some("level") => {
            all.sort_by(|a, b| b.level.cmp(&a.level).then(b.raised_on.cmp(&a.raised_on)))
        }
        Some("unit") => all.sort_by(|a, b| {
            a.unit_name
                .cmp(&b.unit_name)
                .then(b.raised_on.cmp(&a.raised_on))
        }),
        _ => {}
    }
    let pager = crate::paging::Pager::from_query(&q);
    let rows = pager.slice(&all);
    let has_next = pager.offset() + rows.len() < all.len();
    let units = if auth.role() == Role::Reporter {
        Vec::new()
    } else {
        state.store.list_units().await?
    };
    let plans = state.store.list_plans().await?;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    Ok(render(
        &state,
        &page,
        "oversight/escalations.html",
        context! {
            // The batch box only where a row on this page can be ticked (answered ones).
            any_answered => rows.iter().any(|e| state_str(e.state) == "responded"),
            rows => rows, levels => levels(), units => units, plans => plans,
            f_level => get("level"), f_state => get("state"), f_unit => get("unit"), f_plan => get("plan"), f_sort => get("sort"),
            is_admin => auth.is_admin(),
            pager => pager.view("/escalations", &q, has_next, Some(all.len())),
            closed => q.get("closed").and_then(|v| v.parse::<u32>().ok()),
            skipped => q.get("skipped").and_then(|v| v.parse::<u32>().ok()),
        },
    )?
    .into_response())
}

async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    // What the last step did, said once after its redirect (`?done=`).
    let done = match q.get("done").map(String::as_str) {
        Some("respond") => Some("已提交整改反馈，待办公室审核销号。"),
        Some("close") => Some("已销号。"),
        Some("reject") => Some("已退回：单位须重新反馈。"),
        _ => None,
    };
    let e = state.store.escalation(id).await?;
    if auth.role() == Role::Reporter && auth.user.unit_id != Some(e.unit_id) {
        return Err(AppError::Forbidden);
    }
    let history = state.store.audit_entries(Some(&e.subject()), 100).await?;
    // What the page offers is what the core would accept (viewers take no part).
    let offered: Vec<&str> = auth
        .role()
        .workflow_role()
        .map(|role| duban_core::escalation::allowed_escalation_actions(e.state, role))
        .unwrap_or_default()
        .iter()
        .map(EscalationAction::name)
        .collect();
    let overdue = duban_core::escalation::response_overdue(
        e.respond_by,
        e.responded_at
            .as_deref()
            .and_then(|s| duban_store::deliver::stored_china_date(Some(s))),
        duban_store::deliver::report::today(),
    );
    Ok(render(
        &state,
        &page,
        "oversight/escalation.html",
        context! { e => e, entries => history.iter().map(crate::routes::audit::entry_view).collect::<Vec<_>>(), can_respond => offered.contains(&"respond"), can_close => offered.contains(&"close"), can_reject => offered.contains(&"reject"), overdue => overdue, done => done },
    )?
    .into_response())
}

/// The escalation as an official notice to the unit (催办通知书 … 约谈通知, a task's or a
/// monitor alert's) in .docx or PDF, laid out to GB/T 9704; who may read the escalation may
/// download it.
async fn notice(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, format)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let e = state.store.escalation(id).await?;
    if auth.role() == Role::Reporter && auth.user.unit_id != Some(e.unit_id) {
        return Err(AppError::Forbidden);
    }
    let doc = duban_app::escalation::escalation_notice(&state.store, &e)
        .await?
        .ok_or(AppError::NotFound)?;
    let stem = format!("{}-{id}", doc.title.replace(['/', '\\'], "_"));
    crate::routes::publish::official_download(&doc, &format, &stem)
}

/// The forms of these pages, typed: every field defaults to empty, so a missing CSRF token
/// is a 403 and a missing value the page's own message.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ActForm {
    csrf: String,
    /// The unit's measures, the office's comment or closing note.
    text: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct RunNowForm {
    csrf: String,
    plan: String,
    as_of: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct MarkReadForm {
    csrf: String,
    /// One message; empty marks all read.
    item: String,
    next: String,
}

async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let e = state.store.escalation(id).await?;
    let text = form.text;
    let (action, role) = match action.as_str() {
        "respond" => {
            auth.require_unit(e.unit_id)?;
            if auth.role() != Role::Reporter {
                return Err(AppError::Forbidden);
            }
            (
                EscalationAction::Respond { measures: text },
                CoreRole::Reporter,
            )
        }
        "reject" => {
            auth.require_admin()?;
            (EscalationAction::Reject { comment: text }, CoreRole::Office)
        }
        "close" => {
            auth.require_admin()?;
            (EscalationAction::Close { note: text }, CoreRole::Office)
        }
        _ => return Err(AppError::NotFound),
    };
    let name = action.name();
    match state
        .store
        .act_on_escalation(id, &action, role, auth.user.id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/escalations/{id}?done={name}")).into_response()),
        Err(e) => Ok(AppError::from(e).with_back(format!("/escalations/{id}"))),
    }
}

/// 批量销号: the office closes the ticked escalations (those the units answered) with one
/// note; each closing is its own audited step; one no longer waiting is skipped and counted.
async fn batch_close(
    State(state): State<AppState>,
    auth: Office,
    f: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(f.text("csrf"))?;
    let note = f.trimmed("note").to_string();
    if note.is_empty() {
        return Err(AppError::InvalidField {
            field: "note".into(),
            message: "销号须填写说明".into(),
        });
    }
    let ids = f.ticked_ids("escalation", "督办事项")?;
    let (mut closed, mut skipped) = (0, 0);
    for id in ids {
        // In bulk only what the units answered; a waiting one is closed from its own page.
        match state.store.escalation(id).await {
            Ok(e) if state_str(e.state) == "responded" => {}
            Ok(_) | Err(duban_store::StoreError::NotFound) => {
                skipped += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let action = EscalationAction::Close { note: note.clone() };
        match state
            .store
            .act_on_escalation(id, &action, CoreRole::Office, auth.user.id)
            .await
        {
            Ok(_) => closed += 1,
            Err(duban_store::StoreError::Invalid(_))
            | Err(duban_store::StoreError::NotFound)
            | Err(duban_store::StoreError::Conflict) => skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/escalations?closed={closed}&skipped={skipped}")).into_response())
}

async fn rules_page(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let rules = state.store.escalation_rules().await?;
    let plans = state.store.list_plans().await?;
    let failures = state
        .store
        .job_failures(crate::oversight::ESCALATION_JOB, 20)
        .await?;
    let response_days: Vec<minijinja::Value> = EscalationLevel::ALL
        .iter()
        .map(|l| context! { code => l.as_str(), label => l.label_zh(), days => rules.response_days(*l) })
        .collect();
    Ok(render(
        &state,
        &page,
        "oversight/rules.html",
        context! {
            rules => rules, levels => levels(), response_days => response_days, plans => plans,
            message => q.get("message"), defaults => EscalationRules::default(),
            failures => failures,
        },
    )?
    .into_response())
}

/// Parses the rules form: `overdue_days_N`/`overdue_level_N`, `red_periods_N`/`red_level_N`
/// (empty rows ignored) and `respond_LEVEL`.
fn rules_from_form(form: &FormFields) -> Result<EscalationRules, AppError> {
    let level = |k: &str| -> Result<EscalationLevel, AppError> {
        let v = form.text(k);
        EscalationLevel::parse(v).ok_or_else(|| AppError::Invalid(format!("级别“{v}”无效")))
    };
    let num = |k: &str| -> Result<Option<u32>, AppError> {
        match Some(form.trimmed(k)).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=400).contains(n))
                .map(Some)
                .ok_or_else(|| AppError::Invalid(format!("“{s}”不是 1–400 之间的整数"))),
        }
    };
    let mut rules = EscalationRules {
        overdue: Vec::new(),
        red_streak: Vec::new(),
        response_working_days: [0; 5],
    };
    for i in 0..6 {
        if let Some(d) = num(&format!("overdue_days_{i}"))? {
            rules.overdue.push(OverdueRule {
                working_days: d,
                level: level(&format!("overdue_level_{i}"))?,
            });
        }
        if let Some(p) = num(&format!("red_periods_{i}"))? {
            rules.red_streak.push(RedStreakRule {
                periods: p,
                level: level(&format!("red_level_{i}"))?,
            });
        }
    }
    for l in EscalationLevel::ALL {
        rules.response_working_days[l as usize] = num(&format!("respond_{}", l.as_str()))?
            .ok_or_else(|| AppError::Invalid(format!("请填写{}的反馈期限", l.label_zh())))?;
    }
    rules.overdue.sort_by_key(|r| r.working_days);
    rules.red_streak.sort_by_key(|r| r.periods);
    Ok(rules)
}

async fn save_rules(
    State(state): State<AppState>,
    auth: Office,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.text("csrf"))?;
    let rules = if form.has("reset") {
        EscalationRules::default()
    } else {
        match rules_from_form(&form) {
            Ok(r) => r,
            Err(e) => return Ok(e.with_back("/admin/escalations")),
        }
    };
    state.store.set_escalation_rules(&rules).await?;
    Ok(Redirect::to("/admin/escalations?message=%E5%B7%B2%E4%BF%9D%E5%AD%98").into_response())
}

async fn run_now(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<RunNowForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let plan_id: i64 = form
        .plan
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("请选择计划".into()))?;
    let as_of = crate::deliver::parse_as_of(Some(&form.as_of))?;
    let run = duban_app::escalation::run_escalations(&state.store, plan_id, as_of).await?;
    let msg = format!(
        "已按 {} 运行督办规则：应有 {} 条，新增 {} 条",
        run.as_of,
        run.required,
        run.created.len()
    );
    Ok(Redirect::to(&format!(
        "/admin/escalations?message={}",
        crate::render::url_encode(&msg)
    ))
    .into_response())
}

async fn messages(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    let items = state
        .store
        .inbox(auth.user.id, auth.user.unit_id, auth.role().as_str(), 200)
        .await?;
    let unread = items.iter().filter(|i| !i.read).count();
    Ok(render(
        &state,
        &page,
        "oversight/messages.html",
        context! { items => items, unread => unread },
    )?
    .into_response())
}

async fn mark_read(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<MarkReadForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let item = form.item.trim().parse::<i64>().ok();
    state
        .store
        .mark_inbox_read(auth.user.id, auth.user.unit_id, auth.role().as_str(), item)
        .await?;
    let next = crate::security::same_site_path(&form.next).unwrap_or("/messages");
    Ok(Redirect::to(next).into_response())
}
