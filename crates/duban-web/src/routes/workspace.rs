//! The office's plan workspace: upload a document or a `duban.plan/1` JSON, edit the plan
//! and its pillars, edit tasks (targets, units, deadline, cadence, curve, carry-over),
//! confirm the demo assignment, adopt. After adoption every edit needs a reason and is
//! recorded as an adjustment. All of it is admin-only and CSRF-checked.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use duban_core::curve::{CurveChoice, parse_milestones};
use duban_core::period::{Cadence, parse_iso_date};
use duban_core::{Commitment, Comparator, Plan};
use duban_store::StoreError;
use duban_store::plan::{ImportMeta, PlanMetaEdit};
use duban_store::task::{TargetEdit, TaskEdit};
use minijinja::{Value, context};

use super::plan::{plan_view, target_view};
use crate::auth::Office;
use crate::error::AppError;
use crate::form_fields::FormFields;
use crate::render::{Page, render, render_with_status};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans/new", get(new_form))
        .route("/plans", post(upload))
        .route("/plans/{id}/edit", get(edit_plan_form).post(edit_plan))
        .route("/plans/{id}/adopt", get(adopt_page).post(adopt))
        .route("/plans/{id}/unadopt", post(unadopt))
        .route("/plans/{id}/confirm-assignment", post(confirm_assignment))
        .route("/tasks/{id}/edit", get(edit_task_form).post(edit_task))
        .route("/plans/{id}/tasks/new", post(add_task))
        .route("/tasks/{id}/delete", post(delete_task))
        .route("/tasks/{id}/merge", post(merge_task))
        .route("/tasks/{id}/split", post(split_task))
        .route("/targets/{id}/move", post(move_target))
        .route("/plans/{id}/pillars/new", post(add_pillar))
        .route("/plans/{id}/pillars/{pillar}/delete", post(delete_pillar))
}

/// [`read_plan`] off the async workers (a document of megabytes parses for a second or two;
/// other requests keep being served meanwhile).
pub async fn read_plan_blocking(bytes: Vec<u8>, file_name: String) -> Result<Plan, String> {
    tokio::task::spawn_blocking(move || read_plan(&bytes, &file_name))
        .await
        .map_err(|e| format!("解析中断：{e}"))?
}

/// Reads an uploaded plan: a `duban.plan/1` JSON (by extension or content) or a document
/// (txt/html/docx, any Chinese encoding). The plan is validated; the error is one line.
pub fn read_plan(bytes: &[u8], file_name: &str) -> Result<Plan, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("文件为空".into());
    }
    let looks_json = file_name.to_ascii_lowercase().ends_with(".json")
        || bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
    let plan = if looks_json {
        serde_json::from_slice::<Plan>(bytes)
            .map_err(|e| format!("不是有效的 duban.plan/1 JSON：{e}"))?
    } else {
        crate::seed::parse_document(bytes, file_name).map_err(|e| format!("文档无法解析：{e}"))?
    };
    plan.validate().map_err(|e| format!("计划结构无效：{e}"))?;
    Ok(plan)
}

/// The import form; after a refusal, with its reason and the pasted text and region typed
/// (a file input cannot be refilled: the user picks the file again).
fn upload_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    message: Option<String>,
    typed: (&str, &str),
) -> Result<Response, AppError> {
    let (pasted, region) = typed;
    render_with_status(
        state,
        page,
        status,
        "plans/new.html",
        context! { message => message, pasted => pasted, region => region },
    )
}

async fn new_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    upload_page(&state, &page, StatusCode::OK, None, ("", ""))
}

async fn upload(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut form = crate::upload::read_form(multipart, Some(crate::MAX_UPLOAD_BYTES)).await?;
    auth.check_csrf(form.text("csrf"))?;
    let region = form.text("region").trim().to_string();
    let pasted = form.text("pasted").to_string();
    let file = form.take_file("upload.txt");
    // A refused upload shows the form again with the reason and what was typed; nothing is
    // stored.
    let refuse = |message: String| {
        upload_page(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
            (&pasted, &region),
        )
    };
    let (name, bytes) = match file {
        Some(f) => f,
        None if !pasted.trim().is_empty() => {
            ("pasted.txt".to_string(), pasted.clone().into_bytes())
        }
        None => return refuse("请选择一个文件，或粘贴文本/JSON".into()),
    };
    let plan = match read_plan_blocking(bytes, name.clone()).await {
        Ok(p) => p,
        Err(msg) => return refuse(format!("{name}：{msg}。未保存任何内容。")),
    };
    let id = match state
        .store
        .import_plan(
            &plan,
            &ImportMeta {
                region: Some(region.clone()).filter(|r| !r.is_empty()),
                source_name: Some(name.clone()),
            },
            &[],
        )
        .await
    {
        Ok(id) => id,
        Err(StoreError::Invalid(msg)) => return refuse(format!("{name}：{msg}。未保存任何内容。")),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/plans/{id}/review")).into_response())
}

/// A number field, read by the one number rule of the core (the report form's, the API's
/// and the 督办表's): full-width digits, thousands groups, "1,5" refused; the target's
/// `unit` may follow the number (`5百亿元` when the unit is 百亿元).
fn number(
    form: &FormFields,
    key: &str,
    what: &str,
    unit: Option<&str>,
) -> Result<Option<f64>, AppError> {
    let v = form.text(key);
    duban_core::number::parse_number(v, unit)
        .map_err(|e| AppError::Invalid(format!("{what}：{}", e.about(v))))
}

/// An optional date field (`YYYY-MM-DD`).
fn date(form: &FormFields, key: &str, what: &str) -> Result<Option<NaiveDate>, AppError> {
    form.non_blank(key)
        .map(|d| parse_iso_date(what, &d).map_err(AppError::Invalid))
        .transpose()
}

fn int(form: &FormFields, key: &str) -> Result<Option<i64>, AppError> {
    match form.non_blank(key) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("字段 {key} 应为整数"))),
    }
}

async fn edit_plan_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    Ok(render(
        &state,
        &page,
        "plans/edit.html",
        context! {
            plan => plan_view(&d),
            pillars => d.pillars.iter().map(|p| context! { id => p.id, heading => p.heading, subtitle => p.subtitle }).collect::<Vec<_>>(),
        },
    )?
    .into_response())
}

async fn edit_plan(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.text("csrf"))?;
    let d = state.store.plan_detail(id).await?;
    let mut pillars = Vec::new();
    for p in &d.pillars {
        if let Some(h) = form.get(&format!("pillar_{}_heading", p.id)) {
            pillars.push((
                p.id,
                h.to_string(),
                form.non_blank(&format!("pillar_{}_subtitle", p.id)),
            ));
        }
    }
    let edit = PlanMetaEdit {
        plan_id: id,
        version: int(&form, "version")?.ok_or_else(|| AppError::BadRequest("缺少版本号".into()))?,
        title: form.text("title").to_string(),
        year: int(&form, "year")?,
        issuer: form.non_blank("issuer"),
        region: form.non_blank("region"),
        pillars,
        reason: form.text("reason").to_string(),
    };
    match duban_app::plan::update_plan_meta(&state.store, &edit, auth.user.id).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(duban_app::Error::Store(StoreError::Conflict)) => Ok(AppError::Conflict(
            "该计划已被他人修改，您的修改未保存。请重新打开编辑页面，在最新版本上修改。".into(),
        )
        .with_back(format!("/plans/{id}/edit"))),
        Err(e) => Ok(AppError::from(e).with_back(format!("/plans/{id}/edit"))),
    }
}

/// The adoption check-list (every problem that blocks adoption), answered with `status`.
async fn adopt_render(
    state: &AppState,
    page: &Page,
    id: i64,
    status: StatusCode,
) -> Result<Response, AppError> {
    let d = state.store.plan_detail(id).await?;
    let problems = state.store.adoption_problems(id).await?;
    // What adoption sets off, said before it is done: reports fall due at once, and those
    // whose due date has passed are overdue from the first day.
    let today = duban_store::deliver::report::today();
    // A plan without a year has no periods yet: its check-list says so, nothing is due.
    let overdue_at_once = match state.store.report_duties_of(&d).await {
        Ok(duties) => duties
            .iter()
            .filter(|x| x.due < today && x.report_id.is_none())
            .count(),
        Err(_) => 0,
    };
    render_with_status(
        state,
        page,
        status,
        "plans/adopt.html",
        context! {
            plan => plan_view(&d),
            problems => problems,
            tasks => d.tasks.len(),
            targets => d.targets.len(),
            overdue_at_once => overdue_at_once,
            demo_assignment => d.assignments.iter().any(|a| a.demo),
        },
    )
}

async fn adopt_page(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if state.store.plan(id).await?.state == duban_store::plan::PlanState::Adopted {
        return Ok(Redirect::to(&format!("/plans/{id}")).into_response());
    }
    adopt_render(&state, &page, id, StatusCode::OK).await
}

/// Adopts the plan when its check-list is empty; otherwise 422 with the list shown again.
async fn adopt(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let plan = state.store.plan(id).await?;
    if plan.state == duban_store::plan::PlanState::Draft
        && !state.store.adoption_problems(id).await?.is_empty()
    {
        return adopt_render(&state, &page, id, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.store.adopt_plan(id, auth.user.id).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(StoreError::Invalid(m)) if plan.state != duban_store::plan::PlanState::Draft => {
            Err(AppError::Conflict(m))
        }
        Err(e) => Err(e.into()),
    }
}

/// Returns an adopted plan to draft while no report of it exists (office only, audited).
async fn unadopt(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    match state.store.unadopt_plan(id, auth.user.id).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(StoreError::Invalid(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

async fn confirm_assignment(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    state.store.confirm_assignment(id).await?;
    Ok(Redirect::to(&format!("/plans/{id}")).into_response())
}

async fn edit_task_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let task = state.store.task(id).await?;
    let d = state.store.plan_detail(task.plan_id).await?;
    let assigned: HashMap<i64, &'static str> = d
        .task_assignments(id)
        .map(|a| (a.unit_id, a.role.as_str()))
        .collect();
    let units: Vec<Value> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .map(|u| context! { code => u.code, name => u.name, role => assigned.get(&u.id).copied().unwrap_or("none") })
        .collect();
    // Tasks of the other plans, for 延续 (carry-over) links.
    let mut others = Vec::new();
    for p in state.store.list_plans().await? {
        if p.id == task.plan_id {
            continue;
        }
        let od = state.store.plan_detail(p.id).await?;
        for t in &od.tasks {
            others.push(
                context! { id => t.id, label => format!("{}｜{}. {}", p.title, t.number, t.title) },
            );
        }
    }
    let comparators: Vec<Value> = Comparator::ALL
        .iter()
        .map(|c| context! { key => c.as_str(), label => c.label_zh() })
        .collect();
    let curves: Vec<Value> = CurveChoice::ALL
        .iter()
        .map(|c| context! { key => c.as_str(), label => c.label_zh() })
        .collect();
    Ok(render(
        &state,
        &page,
        "tasks/edit.html",
        context! {
            plan => plan_view(&d),
            task => context! {
                id => task.id, number => task.number, title => task.title, body => task.body,
                pillar_id => task.pillar_id, deadline => task.deadline, cadence => task.cadence.as_str(),
                leads_separately => task.leads_separately, carried_from => task.carried_from, version => task.version,
            },
            targets => d.task_targets(id).map(target_view).collect::<Vec<_>>(),
            pillars => d.pillars.iter().map(|p| context! { id => p.id, heading => p.heading }).collect::<Vec<_>>(),
            units => units,
            others => others,
            siblings => d.tasks.iter().filter(|t| t.id != id).map(|t| context! { id => t.id, label => format!("{}. {}", t.number, t.title) }).collect::<Vec<_>>(),
            comparators => comparators,
            curves => curves,
        },
    )?
    .into_response())
}

/// Reads one target row of the task form (`{prefix}_metric` …).
fn target_from_form(
    form: &FormFields,
    prefix: &str,
    id: Option<i64>,
    n: usize,
) -> Result<TargetEdit, AppError> {
    let what = |f: &str| format!("第 {n} 个目标的{f}");
    let comparator = form
        .non_blank(&format!("{prefix}_comparator"))
        .and_then(|c| Comparator::parse(&c))
        .ok_or_else(|| AppError::Invalid(what("比较方式无效")))?;
    let curve = form
        .non_blank(&format!("{prefix}_curve"))
        .map(|c| CurveChoice::parse(&c).ok_or_else(|| AppError::Invalid(what("推进曲线无效"))))
        .transpose()?
        .unwrap_or(CurveChoice::Linear);
    let unit = form.non_blank(&format!("{prefix}_unit"));
    let number =
        |f: &str, w: &str| number(form, &format!("{prefix}_{f}"), &what(w), unit.as_deref());
    let milestones = parse_milestones(form.text(&format!("{prefix}_milestones")))
        .map_err(|e| AppError::Invalid(format!("{}：{e}", what("节点"))))?;
    Ok(TargetEdit {
        id,
        delete: form.has(&format!("{prefix}_delete")),
        phrase: form.text(&format!("{prefix}_phrase")).to_string(),
        metric: form.text(&format!("{prefix}_metric")).to_string(),
        comparator,
        value: number("value", "目标值")?,
        low: number("low", "下限")?,
        high: number("high", "上限")?,
        commitment: match form.non_blank(&format!("{prefix}_commitment")).as_deref() {
            Some("firm") => Some(Commitment::Firm),
            Some("stretch") => Some(Commitment::Stretch),
            None => None,
            Some(_) => return Err(AppError::Invalid(what("承诺类型无效"))),
        },
        baseline: number("baseline", "基数")?,
        unit,
        deadline: date(form, &format!("{prefix}_deadline"), &what("完成时限"))?,
        curve,
        milestones,
    })
}

async fn edit_task(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.text("csrf"))?;
    let back = format!("/tasks/{id}/edit");
    let edit = match task_edit_from_form(&state, id, &form).await {
        Ok(e) => e,
        Err(e) => return Ok(e.with_back(back)),
    };
    match duban_app::plan::update_task(&state.store, &edit, auth.user.id).await {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?done=saved")).into_response()),
        Err(duban_app::Error::Store(StoreError::Conflict)) => {
            let current = state.store.task(id).await?;
            Ok(AppError::Conflict(format!(
                "编辑冲突：您打开的是第 {} 版，此后已有人保存了第 {} 版。您的修改未保存，也没有覆盖他人的修改。请重新打开编辑页面，在最新版本上修改。",
                edit.version, current.version
            ))
            .with_back(back))
        }
        Err(e) => Ok(AppError::from(e).with_back(back)),
    }
}

async fn task_edit_from_form(
    state: &AppState,
    id: i64,
    form: &FormFields,
) -> Result<TaskEdit, AppError> {
    let task = state.store.task(id).await?;
    let d = state.store.plan_detail(task.plan_id).await?;
    let mut targets = Vec::new();
    for (n, t) in d.task_targets(id).enumerate() {
        let prefix = format!("t{}", t.id);
        if form.has(&format!("{prefix}_metric")) {
            targets.push(target_from_form(form, &prefix, Some(t.id), n + 1)?);
        }
    }
    if form.non_blank("tnew_metric").is_some() {
        targets.push(target_from_form(form, "tnew", None, targets.len() + 1)?);
    }
    let (mut leads, mut cos) = (Vec::new(), Vec::new());
    for u in state.store.list_units().await? {
        match form.get(&format!("unit_{}", u.code)) {
            Some("lead") => leads.push(u.id),
            Some("co") => cos.push(u.id),
            _ => {}
        }
    }
    Ok(TaskEdit {
        task_id: id,
        version: int(form, "version")?.ok_or_else(|| AppError::BadRequest("缺少版本号".into()))?,
        title: form.text("title").to_string(),
        body: form.text("body").to_string(),
        pillar_id: int(form, "pillar_id")?,
        deadline: date(form, "deadline", "完成时限")?,
        cadence: form
            .non_blank("cadence")
            .and_then(|c| Cadence::parse(&c))
            .ok_or_else(|| AppError::Invalid(duban_app::plan::CADENCE_MESSAGE.into()))?,
        leads_separately: form.has("leads_separately"),
        carried_from: int(form, "carried_from")?,
        leads,
        cos,
        targets,
        reason: form.text("reason").to_string(),
    })
}

// ---- the shape of a draft plan: tasks and pillars added, deleted, merged ----

#[derive(Debug, serde::Deserialize)]
struct NewTaskForm {
    csrf: String,
    #[serde(default)]
    pillar_id: String,
    title: String,
}

async fn add_task(
    State(state): State<AppState>,
    auth: Office,
    Path(plan_id): Path<i64>,
    Form(f): Form<NewTaskForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let pillar = super::optional_id(&f.pillar_id, "板块")?;
    let id = state
        .store
        .add_task(plan_id, pillar, &f.title)
        .await
        .map_err(|e| AppError::from(e).on_field("title"))?;
    Ok(Redirect::to(&format!("/tasks/{id}/edit")).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct ConfirmForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn delete_task(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    if f.confirm != "yes" {
        return Err(AppError::InvalidField {
            field: "confirm".into(),
            message: "请勾选“确认删除”".into(),
        });
    }
    let plan_id = state.store.delete_task(id).await?;
    Ok(Redirect::to(&format!("/plans/{plan_id}/tasks")).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct MergeForm {
    csrf: String,
    into: i64,
}

/// Merges this task INTO the chosen one (this one disappears).
async fn merge_task(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    state
        .store
        .merge_tasks(f.into, id)
        .await
        .map_err(|e| AppError::from(e).on_field("into"))?;
    Ok(Redirect::to(&format!("/tasks/{}/edit", f.into)).into_response())
}

/// Splits this task: a new task (numbered after the last, same pillar and units) takes the
/// ticked targets.
async fn split_task(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    f: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(f.text("csrf"))?;
    let targets = if f.has("target") {
        f.ticked_ids("target", "目标")?
    } else {
        Vec::new()
    };
    let new = state
        .store
        .split_task(id, f.text("split_title"), &targets)
        .await
        .map_err(|e| AppError::from(e).on_field("split_title"))?;
    Ok(Redirect::to(&format!("/tasks/{new}/edit")).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct MoveTargetForm {
    csrf: String,
    /// A task id, or "" for the plan's headline targets (总体目标).
    to: String,
}

/// Moves one target of a draft plan to another task (or to the plan's headline targets).
async fn move_target(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<MoveTargetForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let to = super::optional_id(&f.to, "任务")?;
    let plan = state
        .store
        .move_target(id, to)
        .await
        .map_err(|e| AppError::from(e).on_field("move_to"))?;
    let back = to.map_or(format!("/plans/{plan}/edit"), |t| {
        format!("/tasks/{t}/edit")
    });
    Ok(Redirect::to(&back).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct NewPillarForm {
    csrf: String,
    heading: String,
}

async fn add_pillar(
    State(state): State<AppState>,
    auth: Office,
    Path(plan_id): Path<i64>,
    Form(f): Form<NewPillarForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    state
        .store
        .add_pillar(plan_id, &f.heading)
        .await
        .map_err(|e| AppError::from(e).on_field("heading"))?;
    Ok(Redirect::to(&format!("/plans/{plan_id}/edit")).into_response())
}

async fn delete_pillar(
    State(state): State<AppState>,
    auth: Office,
    Path((plan_id, pillar)): Path<(i64, i64)>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    state.store.delete_pillar(plan_id, pillar).await?;
    Ok(Redirect::to(&format!("/plans/{plan_id}/edit")).into_response())
}
