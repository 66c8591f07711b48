//! Publish (issue 14). The office (admin) decides what is public, item by item: a plan with
//! its lights as of a date, an evaluation snapshot, a bulletin (通报 第N期, drafted →
//! reviewed → issued). Publications are immutable; withdrawal is recorded. Two publications
//! of a plan can be compared; a publication can be re-computed and checked.
//!
//! The public portal (`/public/…`, no login, no cookies) serves [`crate::publish::Portal`],
//! the same files `duban publish export` writes.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use duban_core::publication::{
    BulletinHead, Content, DEFAULT_REQUIREMENTS, compare, content_hash, zh_date,
};
use duban_io::official_doc::{OfficialDoc, pdf as official_pdf};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Office;
use crate::deliver::{PlanAsOf, parse_as_of};
use crate::error::AppError;
use crate::publish::{compose, evaluation_table, pdf_fonts, plan_snapshot};
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/publications", get(index))
        .route("/publications/plan", post(publish_plan))
        .route("/publications/evaluation", post(publish_evaluation))
        .route("/publications/leaders", post(publish_leaders))
        .route("/publications/compare", get(compare_page))
        .route("/publications/{id}", get(detail))
        .route("/publications/{id}/withdraw", post(withdraw))
        .route("/publications/{id}/verify", post(verify))
        .route("/bulletins", post(new_bulletin))
        .route("/bulletins/{id}", get(bulletin_page))
        .route("/bulletins/{id}/advance", post(advance))
        .route("/bulletins/{id}/download/{format}", get(bulletin_download))
        .route("/public", get(|| async { Redirect::permanent("/public/") }))
        .route("/public/", get(public_index))
        .route("/public/{*path}", get(public_file))
}

async fn index(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
) -> Result<Response, AppError> {
    let publications = state.store.publications().await?;
    let drafts = state.store.bulletin_drafts().await?;
    let plans = state.store.list_plans().await?;
    let snapshots = state.store.eval_snapshots().await?;
    let default_as_of = match plans.first() {
        Some(p) => PlanAsOf::of(&state.store, p.id, None).await?.date,
        None => duban_store::deliver::report::today(),
    };
    Ok(render(
        &state,
        &page,
        "publish/index.html",
        context! {
            publications => publications,
            drafts => drafts.iter().map(|d| context! {
                id => d.id, plan_id => d.plan_id, series => d.series, year => d.year,
                state => d.state.as_str(), state_label => d.state.label_zh(), drafted_at => d.drafted_at,
                title => serde_json::from_str::<Content>(&d.content).ok().and_then(|c| match c {
                    Content::Bulletin(b) => Some(b.head.title), _ => None }),
            }).collect::<Vec<_>>(),
            plans => plans,
            snapshots => snapshots,
            default_as_of => default_as_of.to_string(),
            default_requirements => DEFAULT_REQUIREMENTS,
        },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct PlanForm {
    csrf: String,
    plan_id: i64,
    as_of: String,
    #[serde(default)]
    title: String,
}

async fn publish_plan(
    State(state): State<AppState>,
    auth: Office,
    axum::Form(f): axum::Form<PlanForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let as_of = as_of_field(&f.as_of)?;
    let p =
        crate::publish::publish_plan(&state.store, f.plan_id, as_of, &f.title, Some(auth.user.id))
            .await?;
    Ok(Redirect::to(&format!("/publications/{}", p.id)).into_response())
}

fn as_of_field(s: &str) -> Result<NaiveDate, AppError> {
    parse_as_of(Some(&s.to_string())).map_err(|e| AppError::InvalidField {
        field: "as_of".into(),
        message: e.to_string(),
    })
}

#[derive(Debug, Deserialize)]
struct EvaluationForm {
    csrf: String,
    snapshot_id: i64,
}

async fn publish_evaluation(
    State(state): State<AppState>,
    auth: Office,
    axum::Form(f): axum::Form<EvaluationForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let table = evaluation_table(&state.store, f.snapshot_id).await?;
    let title = table.title.clone();
    let method = table.engine.clone();
    let p = state
        .store
        .publish(&duban_store::publication::NewPublication {
            title: &title,
            content: &Content::Evaluation(table),
            snapshot_id: Some(f.snapshot_id),
            method: &method,
            by: Some(auth.user.id),
        })
        .await?;
    Ok(Redirect::to(&format!("/publications/{}", p.id)).into_response())
}

/// 公开领跑者名单: an uploaded firm-level evaluation snapshot (`duban eval run --snapshot`),
/// recomputed before anything is stored; its 领跑者 list is published with it.
async fn publish_leaders(
    State(state): State<AppState>,
    auth: Office,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let mut form = crate::upload::read_form(multipart, None).await?;
    auth.check_csrf(form.text("csrf"))?;
    let title = form.text("title").trim().to_string();
    let demo = form.text("demo") == "yes";
    let Some((name, bytes)) = form.take_file("snapshot.json") else {
        return Err(AppError::InvalidField {
            field: "file".into(),
            message: "请选择评价快照文件（duban eval run --snapshot 生成的 .json）".into(),
        });
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::Invalid(format!("{name}：不是 UTF-8 文本的评价快照")))?;
    let list = duban_io::firm_format::leader_list(&text, &title, demo)
        .map_err(|e| AppError::Invalid(format!("{name}：{e}")))?;
    let method = list.engine.clone();
    let p = state
        .store
        .publish(&duban_store::publication::NewPublication {
            title: &title,
            content: &Content::Leaders(list),
            snapshot_id: None,
            method: &method,
            by: Some(auth.user.id),
        })
        .await
        .map_err(|e| AppError::from(e).on_field("title"))?;
    Ok(Redirect::to(&format!("/publications/{}", p.id)).into_response())
}

async fn detail(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    detail_render(&state, &page, id, None).await
}

async fn detail_render(
    state: &AppState,
    page: &Page,
    id: i64,
    verified: Option<(bool, String)>,
) -> Result<Response, AppError> {
    let p = state.store.publication(id).await?;
    // Other publications of the same plan, to compare with.
    let siblings: Vec<_> = match p.plan_id {
        Some(plan) => state
            .store
            .publications()
            .await?
            .into_iter()
            .filter(|x| x.plan_id == Some(plan) && x.id != id)
            .collect(),
        None => vec![],
    };
    Ok(render(
        state,
        page,
        "publish/detail.html",
        context! {
            p => p,
            siblings => siblings,
            verify_ok => verified.as_ref().map(|v| v.0),
            verify_message => verified.map(|v| v.1),
        },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct WithdrawForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn withdraw(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<WithdrawForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    if f.reason.trim().is_empty() {
        return Err(AppError::InvalidField {
            field: "reason".into(),
            message: "撤回须说明理由".into(),
        });
    }
    match state
        .store
        .withdraw_publication(id, &f.reason, Some(auth.user.id))
        .await
    {
        Ok(()) => {}
        Err(duban_store::StoreError::Conflict) => {
            return Err(AppError::Conflict("该发布件已撤回".into()));
        }
        Err(e) => return Err(e.into()),
    }
    state.portal.invalidate().await;
    Ok(Redirect::to(&format!("/publications/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// Recomputes a publication from the data as it stands and compares it with what was
/// published: a plan's status as of its date, or the evaluation snapshot's hashes.
pub async fn recompute(state: &AppState, id: i64) -> Result<(bool, String), AppError> {
    let p = state.store.publication(id).await?;
    let content = state.store.publication_content(id).await?;
    let now = match &content {
        Content::Plan(s) => Content::Plan(plan_snapshot(&state.store, s.plan_id, s.as_of).await?),
        Content::Bulletin(b) => {
            let mut again = b.clone();
            again.plan = plan_snapshot(&state.store, b.plan.plan_id, b.plan.as_of).await?;
            again.sections = duban_core::publication::compose_bulletin(
                &again.plan,
                &b.sections
                    .last()
                    .map(|s| s.paragraphs.join("\n\n"))
                    .unwrap_or_default(),
                b.layout,
            );
            Content::Bulletin(again)
        }
        Content::Leaders(l) => {
            match duban_io::firm_format::leader_list(&l.snapshot, &l.title, l.demo) {
                Ok(mut again) => {
                    again.name_firms(l.names());
                    Content::Leaders(again)
                }
                Err(err) => return Ok((false, format!("领跑者名单的评价快照复算不一致：{err}"))),
            }
        }
        Content::Evaluation(e) => {
            let snap = state.store.eval_snapshot(e.snapshot_id).await?;
            let body = state.store.eval_snapshot_body(&snap).await?;
            if let Err(err) = duban_io::eval_format::verify_snapshot(&body) {
                return Ok((false, format!("评价快照复算不一致：{err}")));
            }
            Content::Evaluation(evaluation_table(&state.store, e.snapshot_id).await?)
        }
    };
    let text = serde_json::to_string(&now).map_err(|e| AppError::Internal(e.to_string()))?;
    if content_hash(&text) == p.data_hash {
        Ok((true, format!("复算一致：数据摘要 {}", p.data_hash)))
    } else {
        let detail = match (content.plan(), now.plan()) {
            (Some(a), Some(b)) => {
                let changed = compare(a, b);
                if changed.is_empty() {
                    "任务灯色与进度相同，其他内容（逾期名单、部门排名等）有变化".to_string()
                } else {
                    format!(
                        "{} 项任务的灯色或进度与发布时不同（如第{}项）",
                        changed.len(),
                        changed[0].number
                    )
                }
            }
            _ => "内容不同".to_string(),
        };
        Ok((
            false,
            format!("复算不一致：发布后数据有变动（如报告被重新打开或修改）。{detail}"),
        ))
    }
}

async fn verify(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let result = recompute(&state, id).await?;
    detail_render(&state, &page, id, Some(result)).await
}

#[derive(Debug, Deserialize)]
struct CompareQuery {
    a: i64,
    b: i64,
}

async fn compare_page(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Query(q): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let (pa, pb) = (
        state.store.publication(q.a).await?,
        state.store.publication(q.b).await?,
    );
    let (ca, cb) = (
        state.store.publication_content(q.a).await?,
        state.store.publication_content(q.b).await?,
    );
    let (Some(sa), Some(sb)) = (ca.plan(), cb.plan()) else {
        return Err(AppError::BadRequest("只能比较工作进展或通报".into()));
    };
    if sa.plan_id != sb.plan_id {
        return Err(AppError::BadRequest("只能比较同一计划的两次发布".into()));
    }
    let side = |x: Option<(duban_core::Light, Option<f64>)>| {
        x.map(|(l, p)| context! { light => l.as_str(), light_label => l.short_zh(), progress => p })
    };
    let changes: Vec<_> = compare(sa, sb)
        .into_iter()
        .map(|c| context! { number => c.number, title => c.title, before => side(c.before), after => side(c.after) })
        .collect();
    Ok(render(
        &state,
        &page,
        "publish/compare.html",
        context! {
            a => pa, b => pb, changes => changes,
            progress_a => sa.progress, progress_b => sb.progress,
            overdue_a => sa.overdue.len(), overdue_b => sb.overdue.len(),
        },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct BulletinForm {
    csrf: String,
    plan_id: i64,
    as_of: String,
    series: String,
    issuer: String,
    title: String,
    #[serde(default)]
    requirements: String,
}

async fn new_bulletin(
    State(state): State<AppState>,
    auth: Office,
    axum::Form(f): axum::Form<BulletinForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let as_of = as_of_field(&f.as_of)?;
    for (field, value, label) in [
        ("series", &f.series, "通报名称"),
        ("issuer", &f.issuer, "编发单位"),
        ("title", &f.title, "标题"),
    ] {
        if value.trim().is_empty() || value.chars().count() > 100 {
            return Err(AppError::InvalidField {
                field: field.into(),
                message: format!("{label}须为 1–100 个字"),
            });
        }
    }
    if f.requirements.chars().count() > 5000 {
        return Err(AppError::InvalidField {
            field: "requirements".into(),
            message: "下步要求不超过 5000 字".into(),
        });
    }
    let head = BulletinHead {
        issuer: f.issuer.trim().to_string(),
        series: f.series.trim().to_string(),
        year: chrono::Datelike::year(&as_of),
        number: 0,
        title: f.title.trim().to_string(),
        date: as_of,
    };
    // Browsers send a textarea's line breaks as CRLF; paragraphs are split at blank lines.
    let requirements = f.requirements.replace("\r\n", "\n");
    let bulletin = compose(&state.store, f.plan_id, as_of, head, &requirements).await?;
    let d = state
        .store
        .draft_bulletin(f.plan_id, &Content::Bulletin(bulletin), Some(auth.user.id))
        .await?;
    Ok(Redirect::to(&format!("/bulletins/{}", d.id)).into_response())
}

/// A bulletin's text: the issued one (numbered 第N期) once issued, else the draft (审核稿).
async fn bulletin_text(
    state: &AppState,
    d: &duban_store::publication::BulletinDraft,
) -> Result<duban_core::publication::Bulletin, AppError> {
    let content = match d.publication_id {
        Some(p) => state.store.publication_content(p).await?,
        None => serde_json::from_str::<Content>(&d.content)
            .map_err(|e| AppError::Internal(format!("bulletin {}: {e}", d.id)))?,
    };
    match content {
        Content::Bulletin(b) => Ok(b),
        _ => Err(AppError::Internal(format!("bulletin {}", d.id))),
    }
}

async fn bulletin_page(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    // What the last step did, said once after its redirect (`?done=`).
    let done = match q.get("done").map(String::as_str) {
        Some("reviewed") => Some("已审核通过，待签发。"),
        Some("issued") => Some("已签发：本期通报已编号并公开发布。"),
        _ => None,
    };
    let d = state.store.bulletin_draft(id).await?;
    let b = bulletin_text(&state, &d).await?;
    let doc = OfficialDoc::of_bulletin(&b);
    Ok(render(
        &state,
        &page,
        "publish/bulletin.html",
        context! {
            d => d,
            state_label => d.state.label_zh(),
            head => context! { issuer => b.head.issuer, series => b.head.series, title => b.head.title, date => zh_date(b.head.date) },
            issue => match &doc.head { duban_io::official_doc::Head::Series { issue, .. } => issue.clone(), _ => String::new() },
            sections => b.numbered_sections().into_iter().map(|(heading, paragraphs)| context! { heading => heading, paragraphs => paragraphs }).collect::<Vec<_>>(),
            pdf_error => pdf_fonts().err(),
            done => done,
            demo => b.plan.demo,
        },
    )?
    .into_response())
}

async fn advance(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let d = match state
        .store
        .advance_bulletin(id, f.version, Some(auth.user.id))
        .await
    {
        Ok(d) => d,
        Err(duban_store::StoreError::Conflict) => {
            return Ok(
                AppError::Conflict("该期通报已被他人处理，请刷新后查看".into())
                    .with_back(format!("/bulletins/{id}")),
            );
        }
        Err(e) => return Err(e.into()),
    };
    if d.publication_id.is_some() {
        state.portal.invalidate().await;
    }
    let done = d.state.as_str();
    Ok(Redirect::to(&format!("/bulletins/{id}?done={done}")).into_response())
}

/// The bulletin as .docx or PDF: the issued text when issued, else the draft (审核稿).
async fn bulletin_download(
    State(state): State<AppState>,
    _auth: Office,
    Path((id, format)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let d = state.store.bulletin_draft(id).await?;
    let b = bulletin_text(&state, &d).await?;
    // Saved under its name: 服务业发展工作通报2020年第1期 (审核稿 before it is issued).
    let stem = if b.head.number == 0 {
        format!("{}（审核稿）", b.head.series)
    } else {
        format!("{}{}", b.head.series, b.head.issue_label())
    };
    official_download(&OfficialDoc::of_bulletin(&b), &format, &stem)
}

/// An official document as a download: `docx` or `pdf` (503 naming the fonts when the
/// machine has none), saved as `{stem}.{format}`.
pub fn official_download(
    doc: &OfficialDoc,
    format: &str,
    stem: &str,
) -> Result<Response, AppError> {
    let file = format!("{stem}.{format}");
    match format {
        "docx" => Ok(super::attachment(
            duban_io::official_doc::docx::write(doc)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &file,
        )),
        "pdf" => {
            let fonts = pdf_fonts().map_err(AppError::Unavailable)?;
            Ok(super::attachment(
                official_pdf::render(doc, fonts)
                    .map_err(|e| AppError::Unavailable(e.to_string()))?,
                "application/pdf",
                &file,
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

// ---- the public portal ----

async fn public_index(State(state): State<AppState>) -> Result<Response, AppError> {
    serve_public(&state, "index.html").await
}

async fn public_file(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    serve_public(&state, &path).await
}

async fn serve_public(state: &AppState, path: &str) -> Result<Response, AppError> {
    let portal = state.portal.get(&state.store, &state.templates).await?;
    let Some(f) = portal.files.get(path) else {
        return Err(AppError::NotFound);
    };
    let mut r = Response::new(Body::from(f.bytes.clone()));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.content_type),
    );
    // Public content changes only by a new publication or a withdrawal: a minute of caching
    // by browsers and proxies is safe and takes load off the server.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    let download = [".xlsx", ".csv", ".docx", ".pdf"];
    if let Some(name) = path.rsplit('/').next()
        && download.iter().any(|ext| name.ends_with(ext))
    {
        h.insert(
            header::CONTENT_DISPOSITION,
            super::content_disposition(name),
        );
    }
    Ok(r)
}
