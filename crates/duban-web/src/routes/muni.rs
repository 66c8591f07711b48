//! 亩均效益评价 pages (issue 12, part 3): schemes (TOML pasted or uploaded, checked by the
//! engine's parser), firm data sets (CSV/XLSX streamed to a spool file, bounded, checked
//! row by row before anything is stored), runs as background jobs (progress, cancel), the
//! paged result (filters: class, region, grade, text), charts per class and region, the
//! policy table by grade, a firm's printable 体检报告, 公示 with objections (异议) and a re-run
//! on corrected data, and the final snapshot (`duban eval verify` recomputes it).
//!
//! Access: everything under `/muni` is the office's (admin), except `/muni/finals…`, which
//! viewers (leaders) read too. Reporters read nothing here.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use duban_io::columnar_write::ColumnType;
use duban_io::grid::{Cell, TableFormat};
use duban_io::table_read::DataKind;
use duban_store::StoreError;
use duban_store::deliver::report::today;
use duban_store::muni::{
    Dataset, FirmFilter, FirmRow, MAX_MUNI_BYTES, NewDataset, NewScheme, PAGE, Run, RunState,
    Scheme,
};
use minijinja::{Value as J, context};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::form_fields::FormFields;
use crate::muni::{
    self as m, MuniError, Summary, check_data, check_scheme, default_policy, grade_chart,
    policy_from_form, policy_of,
};
use crate::render::{Page, render, render_with_status};
use crate::state::AppState;
use duban_store::user::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/muni", get(index))
        .route("/muni/demo", post(load_demo))
        .route("/muni/demo/generate", post(generate_demo))
        .route("/muni/schemes/new", get(new_scheme_form))
        .route("/muni/schemes", post(create_scheme))
        .route("/muni/schemes/{id}", get(scheme_page))
        .route("/muni/schemes/{id}/policy", post(save_policy))
        .route("/muni/schemes/{id}/datasets", post(upload_dataset))
        .route("/muni/runs", post(start_run))
        .route("/muni/runs/{id}", get(run_page))
        .route("/muni/runs/{id}/cancel", post(cancel_run))
        .route("/muni/runs/{id}/report", get(firm_report))
        .route("/muni/runs/{id}/firms/{format}", get(run_firms_download))
        .route("/muni/runs/{id}/publicity", post(open_publicity))
        .route("/muni/runs/{id}/objections", post(record_objection))
        .route("/muni/objections/{id}/decide", post(decide_objection))
        .route("/muni/runs/{id}/rerun", post(rerun))
        .route("/muni/runs/{id}/final", post(finalise))
        .route("/muni/finals", get(finals))
        .route("/muni/finals/{id}", get(final_page))
        .route("/muni/finals/{id}/download", get(final_download))
        .route(
            "/muni/finals/{id}/firms/{format}",
            get(final_firms_download),
        )
}

const MAX_MB: usize = MAX_MUNI_BYTES / 1024 / 1024;
/// A scheme text (pasted or uploaded) is at most this long.
const MAX_SCHEME_BYTES: usize = 256 * 1024;

fn opt_text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn scheme_view(s: &Scheme) -> J {
    context! {
        id => s.id, name => s.name, demo => s.demo, region_column => s.region_column,
        name_column => s.name_column, created_at => s.created_at, updated_at => s.updated_at,
    }
}

fn dataset_view(d: &Dataset) -> J {
    context! {
        id => d.id, scheme_id => d.scheme_id, name => d.name, file_name => d.file_name,
        kind => d.kind, sha256 => d.sha256, size => d.size, firms => d.firms, demo => d.demo,
        corrects_run_id => d.corrects_run_id, created_by => d.created_by, created_at => d.created_at,
    }
}

fn run_view(r: &Run) -> J {
    context! {
        id => r.id, scheme_id => r.scheme_id, scheme_name => r.scheme_name, dataset_id => r.dataset_id,
        dataset_name => r.dataset_name, state => r.state.as_str(), state_label => r.state.label(),
        ended => r.state.is_final(), progress => r.progress, stage => r.stage, message => r.message,
        cancel => r.cancel, firms => r.firms, evaluated => r.evaluated, engine => r.engine,
        data_hash => r.data_hash, method_hash => r.method_hash, millis => r.millis, demo => r.demo,
        previous_run_id => r.previous_run_id, publicity_from => r.publicity_from,
        publicity_until => r.publicity_until, created_by => r.created_by, created_at => r.created_at,
        started_at => r.started_at, finished_at => r.finished_at, final_id => r.final_id,
    }
}

// ---- index, demo ----

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    // Leaders read the final results: their 亩均效益评价 is that list.
    if auth.role() == Role::Viewer {
        return Ok(Redirect::to("/muni/finals").into_response());
    }
    auth.require_admin()?;
    m::resume_stale(&state.store)
        .await
        .map_err(|e| AppError::Internal(e.0))?;
    let schemes = state.store.muni_schemes().await?;
    let runs = state.store.muni_runs(None).await?;
    Ok(render(
        &state,
        &page,
        "muni/index.html",
        context! {
            schemes => schemes.iter().map(scheme_view).collect::<Vec<_>>(),
            runs => runs.iter().take(30).map(run_view).collect::<Vec<_>>(),
            has_demo => schemes.iter().any(|s| s.demo && s.name == m::DEMO_NAME),
        },
    )?
    .into_response())
}

/// 载入示例数据: the demo scheme and its county's firms (示例数据), once.
async fn load_demo(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = m::ensure_demo(&state.store, Some(auth.user.id))
        .await
        .map_err(|e| AppError::Internal(e.0))?;
    Ok(Redirect::to(&format!("/muni/schemes/{id}")).into_response())
}

/// Most firms a generated demo data set may have (its CSV stays under the upload limit).
const MAX_DEMO_FIRMS: usize = 50_000;

/// The demo data form: how many firms, and the seed (blank: the default).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DemoForm {
    csrf: String,
    firms: String,
    seed: String,
}

/// 生成示例数据: `firms` invented firms of one county (seeded), checked against the demo
/// scheme and stored as a demo data set of it.
async fn generate_demo(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<DemoForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let firms = super::whole_in(&form.firms, 1..=MAX_DEMO_FIRMS, "firms", "企业数")?;
    let seed: u64 = match form.seed.trim() {
        "" => 27,
        v => v.parse().map_err(|_| AppError::InvalidField {
            field: "seed".into(),
            message: format!("随机种子“{v}”应为非负整数"),
        })?,
    };
    let scheme_id = m::ensure_demo(&state.store, Some(auth.user.id))
        .await
        .map_err(|e| AppError::Internal(e.0))?;
    let (csv, checked) = tokio::task::spawn_blocking(move || {
        let csv = duban_io::firm_demo::demo_firms_csv(firms, seed);
        let checked = check_scheme(m::DEMO_SPEC).and_then(|spec| {
            check_data(
                csv.as_bytes(),
                DataKind::Csv,
                &spec,
                Some("乡镇街道"),
                Some("企业名称"),
            )
        });
        (csv, checked)
    })
    .await
    .map_err(|e| AppError::Internal(format!("demo: {e}")))?;
    let n = checked.map_err(|e| AppError::Internal(e.0))?;
    state
        .store
        .create_muni_dataset(&NewDataset {
            scheme_id,
            name: &format!("某县 {n} 家企业（示例数据，种子 {seed}）"),
            file_name: &format!("firms-{n}-{seed}-示例数据.csv"),
            kind: "csv",
            bytes: csv.as_bytes(),
            firms: n as i64,
            demo: true,
            corrects_run_id: None,
            created_by: Some(auth.user.id),
        })
        .await?;
    Ok(Redirect::to(&format!("/muni/schemes/{scheme_id}#datasets")).into_response())
}

// ---- schemes ----

async fn new_scheme_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    error: Option<String>,
    typed: J,
) -> Result<Response, AppError> {
    render_with_status(
        state,
        page,
        status,
        "muni/scheme_new.html",
        context! { error => error, typed => typed, example => m::DEMO_SPEC },
    )
}

async fn new_scheme_form(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
) -> Result<Response, AppError> {
    new_scheme_page(&state, &page, StatusCode::OK, None, J::UNDEFINED).await
}

async fn create_scheme(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut form = crate::upload::read_form(multipart, Some(MAX_SCHEME_BYTES))
        .await
        .map_err(|e| match e {
            AppError::TooLarge => {
                AppError::Invalid(format!("方案文本不能超过 {} KB", MAX_SCHEME_BYTES / 1024))
            }
            e => e,
        })?;
    auth.check_csrf(form.text("csrf"))?;
    let name = form.text("name").trim().to_string();
    let region = opt_text(form.text("region_column"));
    let firm_name = opt_text(form.text("name_column"));
    let mut text = form.text("spec").to_string();
    let mut source = "粘贴的文本".to_string();
    if let Some((file_name, bytes)) = form.take_file("scheme.toml") {
        text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                return new_scheme_page(
                    &state,
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(format!("{file_name}：不是 UTF-8 文本。未保存任何内容。")),
                    context! { name => name, region_column => region, name_column => firm_name },
                )
                .await;
            }
        };
        source = file_name;
    }
    let typed =
        context! { name => name, spec => text, region_column => region, name_column => firm_name };
    let fail = |msg: String| {
        new_scheme_page(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            typed.clone(),
        )
    };
    if name.is_empty() {
        return fail("请填写方案名称。未保存任何内容。".into()).await;
    }
    if let Err(MuniError(e)) = check_scheme(&text) {
        return fail(format!("{source}：{e}。未保存任何内容。")).await;
    }
    let policy = serde_json::to_string(&default_policy()).expect("policy serialises");
    let saved = state
        .store
        .create_muni_scheme(&NewScheme {
            name: &name,
            spec: &text,
            region_column: region.as_deref(),
            name_column: firm_name.as_deref(),
            policy: &policy,
            demo: false,
            created_by: Some(auth.user.id),
        })
        .await;
    match saved {
        Ok(s) => Ok(Redirect::to(&format!("/muni/schemes/{}", s.id)).into_response()),
        Err(StoreError::Invalid(msg)) => fail(format!("{msg}。未保存任何内容。")).await,
        Err(e) => Err(e.into()),
    }
}

async fn scheme_render(
    state: &AppState,
    page: &Page,
    id: i64,
    status: StatusCode,
    error: Option<(&str, String)>,
) -> Result<Response, AppError> {
    let s = state.store.muni_scheme(id).await?;
    let spec = check_scheme(&s.spec).ok();
    let columns: Vec<J> = spec
        .as_ref()
        .and_then(|sp| sp.columns().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(n, how)| {
            context! { name => n, number => how == duban_engine::firm::ColumnUse::Number }
        })
        .collect();
    let datasets = state.store.muni_datasets(Some(id)).await?;
    let runs = state.store.muni_runs(Some(id)).await?;
    let (error_at, error) = match error {
        Some((at, e)) => (Some(at.to_string()), Some(e)),
        None => (None, None),
    };
    render_with_status(
        state,
        page,
        status,
        "muni/scheme.html",
        context! {
            s => scheme_view(&s),
            spec_text => s.spec,
            indicators => spec.as_ref().map(|sp| sp.indicators.iter().map(|i| context! {
                name => i.name, formula => i.formula, weight => i.weight,
                cost => i.direction == duban_engine::spec::Direction::Cost,
            }).collect::<Vec<_>>()),
            class => spec.as_ref().and_then(|sp| sp.class.as_ref()).map(|k| k.names().join("、")),
            grades => spec.as_ref().map(|sp| context! { a => sp.grades.A, b => sp.grades.B, c => sp.grades.C, d => sp.grades.D }),
            columns => columns,
            policy => policy_of(&s.policy),
            datasets => datasets.iter().map(dataset_view).collect::<Vec<_>>(),
            runs => runs.iter().map(run_view).collect::<Vec<_>>(),
            max_mb => MAX_MB,
            error => error,
            error_at => error_at,
        },
    )
}

async fn scheme_page(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    scheme_render(&state, &page, id, StatusCode::OK, None).await
}

async fn save_policy(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.text("csrf"))?;
    state.store.muni_scheme(id).await?;
    match policy_from_form(&form) {
        Ok(p) => {
            let text = serde_json::to_string(&p).expect("policy serialises");
            state.store.set_muni_policy(id, &text).await?;
            Ok(Redirect::to(&format!("/muni/schemes/{id}#policy")).into_response())
        }
        Err(MuniError(e)) => {
            scheme_render(
                &state,
                &page,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("policy", format!("{e}。未保存。"))),
            )
            .await
        }
    }
}

// ---- data sets: streamed to a spool file ----

/// A spool file removed when dropped.
struct Spool(std::path::PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn spool_path() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "duban-muni-upload-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ))
}

/// An upload form whose `file` part went to disk chunk by chunk, at most `MAX_MUNI_BYTES`.
struct SpooledForm {
    fields: FormFields,
    file: Option<(String, Spool, usize)>,
}

enum SpoolError {
    TooLarge(String),
    App(AppError),
}

async fn spool_form(mut multipart: Multipart) -> Result<SpooledForm, SpoolError> {
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            SpoolError::TooLarge(String::new())
        } else {
            SpoolError::App(AppError::BadRequest(format!("表单读取失败：{e}")))
        }
    };
    let io = |e: std::io::Error| SpoolError::App(AppError::Internal(format!("spool: {e}")));
    let mut form = SpooledForm {
        fields: FormFields::default(),
        file: None,
    };
    while let Some(mut f) = multipart.next_field().await.map_err(read_error)? {
        let name = f.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = f.file_name().unwrap_or("data.csv").to_string();
            let spool = Spool(spool_path());
            let mut out = tokio::fs::File::create(&spool.0).await.map_err(io)?;
            let mut size = 0usize;
            while let Some(chunk) = f.chunk().await.map_err(read_error)? {
                size += chunk.len();
                if size > MAX_MUNI_BYTES {
                    return Err(SpoolError::TooLarge(file_name));
                }
                out.write_all(&chunk).await.map_err(io)?;
            }
            out.flush().await.map_err(io)?;
            if size > 0 {
                form.file = Some((file_name, spool, size));
            }
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = f.chunk().await.map_err(read_error)? {
                text.extend_from_slice(&chunk);
                if text.len() > 64 * 1024 {
                    return Err(SpoolError::App(AppError::BadRequest(format!(
                        "表单字段 {name} 过长"
                    ))));
                }
            }
            let text = crate::security::field_text(&name, &text).map_err(SpoolError::App)?;
            form.fields.push(name, text);
        }
    }
    Ok(form)
}

/// A data file checked against a scheme, ready to store.
struct CheckedUpload {
    file_name: String,
    kind: DataKind,
    bytes: Vec<u8>,
    firms: usize,
}

/// Reads a spooled data file and checks it against the scheme; the error is the message
/// the office sees (file name, row, column).
async fn check_upload(
    scheme: &Scheme,
    file: Option<(String, Spool, usize)>,
) -> Result<CheckedUpload, String> {
    let Some((file_name, spool, _)) = file else {
        return Err("请选择一个数据文件（CSV、XLSX、Parquet 或 Arrow）。未保存任何内容。".into());
    };
    let Some(kind) = DataKind::of_name(&file_name) else {
        return Err(format!(
            "{file_name}：只接受 .csv、.xlsx、.parquet 或 .arrow 文件。未保存任何内容。"
        ));
    };
    let bytes = tokio::fs::read(&spool.0)
        .await
        .map_err(|e| format!("{file_name}：读取失败（{e}）"))?;
    drop(spool);
    let spec_text = scheme.spec.clone();
    let region = scheme.region_column.clone();
    let name = scheme.name_column.clone();
    let (bytes, checked) = tokio::task::spawn_blocking(move || {
        let r = check_scheme(&spec_text)
            .and_then(|spec| check_data(&bytes, kind, &spec, region.as_deref(), name.as_deref()));
        (bytes, r)
    })
    .await
    .map_err(|e| format!("校验中断：{e}"))?;
    match checked {
        Ok(firms) => Ok(CheckedUpload {
            file_name,
            kind,
            bytes,
            firms,
        }),
        Err(MuniError(e)) => Err(format!("{file_name}：{e}。未保存任何内容。")),
    }
}

async fn upload_dataset(
    State(state): State<AppState>,
    page: Page,
    auth: Office,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let scheme = state.store.muni_scheme(id).await?;
    let fail = |status: StatusCode, msg: String| {
        scheme_render(&state, &page, id, status, Some(("dataset", msg)))
    };
    let form = match spool_form(multipart).await {
        Ok(f) => f,
        Err(SpoolError::TooLarge(name)) => {
            let who = if name.is_empty() {
                String::new()
            } else {
                format!("{name}：")
            };
            return fail(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{who}文件超过 {MAX_MB} MB 上限。未保存任何内容。"),
            )
            .await;
        }
        Err(SpoolError::App(e)) => return Err(e),
    };
    auth.check_csrf(form.fields.text("csrf"))?;
    let name = form.fields.text("name").to_string();
    let checked = match check_upload(&scheme, form.file).await {
        Ok(c) => c,
        Err(msg) => return fail(StatusCode::UNPROCESSABLE_ENTITY, msg).await,
    };
    let name = opt_text(&name).unwrap_or_else(|| checked.file_name.clone());
    let saved = state
        .store
        .create_muni_dataset(&NewDataset {
            scheme_id: id,
            name: &name,
            file_name: &checked.file_name,
            kind: checked.kind.as_str(),
            bytes: &checked.bytes,
            firms: checked.firms as i64,
            demo: false,
            corrects_run_id: None,
            created_by: Some(auth.user.id),
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/muni/schemes/{id}#datasets")).into_response()),
        Err(StoreError::Invalid(msg)) => {
            fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{msg}。未保存任何内容。"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- runs ----

/// 开始运行: a scheme over one of its data sets.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StartRunForm {
    csrf: String,
    scheme_id: String,
    dataset_id: String,
}

async fn start_run(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<StartRunForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id_of = |v: &str, k: &str| -> Result<i64, AppError> {
        v.trim().parse().map_err(|_| AppError::InvalidField {
            field: k.into(),
            message: "请选择评价方案和数据集".into(),
        })
    };
    let scheme_id = id_of(&form.scheme_id, "scheme_id")?;
    let dataset_id = id_of(&form.dataset_id, "dataset_id")?;
    let run = state
        .store
        .queue_muni_run(scheme_id, dataset_id, None, Some(auth.user.id))
        .await?;
    m::spawn_run(state.store.clone(), run.id);
    Ok(Redirect::to(&format!("/muni/runs/{}", run.id)).into_response())
}

async fn cancel_run(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let back = format!("/muni/runs/{id}");
    Ok(super::redirect_back(
        state.store.cancel_muni_run(id).await,
        back,
    ))
}

fn summary_of(r: &Run) -> Option<Summary> {
    r.summary
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
}

const GRADES: [&str; 4] = ["A", "B", "C", "D"];

/// The filter and page asked for in the query.
fn filter_of(q: &HashMap<String, String>) -> (FirmFilter, i64) {
    let get = |k: &str| q.get(k).and_then(|v| opt_text(v));
    let grade = get("grade").filter(|g| GRADES.contains(&g.as_str()) || g == "excluded");
    let page = q
        .get("page")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(1_000_000);
    (
        FirmFilter {
            class: get("class"),
            region: get("region"),
            grade,
            text: get("q").map(|t| t.chars().take(100).collect()),
        },
        page,
    )
}

fn firm_view(f: &FirmRow) -> J {
    context! {
        seq => f.seq, firm => f.firm, name => f.name, region => f.region, class => f.class,
        score => f.score.map(|s| format!("{s:.2}")), adjust => f.adjust, rank => f.rank,
        grade => f.grade, excluded => f.excluded, leader => f.leader,
    }
}

/// The result view of a finished run (the run page, and the final page that viewers read).
pub(crate) async fn result_context(
    state: &AppState,
    run: &Run,
    q: &HashMap<String, String>,
    base: &str,
) -> Result<J, AppError> {
    let Some(summary) = summary_of(run) else {
        return Ok(J::UNDEFINED);
    };
    let (filter, page) = filter_of(q);
    let total = state.store.muni_firm_count(run.id, &filter).await?;
    let rows = state.store.muni_firms(run.id, &filter, page - 1).await?;
    let pager = crate::paging::Pager {
        page: page as usize,
        per: PAGE as usize,
    }
    .view(base, q, page * PAGE < total, Some(total as usize));
    let class_rows: Vec<(String, [u64; 5])> = summary
        .classes
        .iter()
        .map(|c| (c.name.clone(), c.grades))
        .collect();
    let class_label = if summary.class_columns.is_empty() {
        "分类".to_string()
    } else {
        summary.class_columns.join("、")
    };
    let region_label = summary.region_column.clone();
    let download_query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(filter_query(&filter))
        .finish();
    Ok(context! {
        total => total,
        download_query => download_query,
        firms => rows.iter().map(firm_view).collect::<Vec<_>>(),
        pager => pager,
        filter => context! {
            class => filter.class, region => filter.region, grade => filter.grade, q => filter.text,
        },
        classes => summary.classes.iter().map(|c| context! {
            name => c.name, size => c.size, a => c.grades[0], b => c.grades[1], c => c.grades[2],
            d => c.grades[3], x => c.grades[4],
            benchmarks => c.benchmarks.iter().map(|b| b.map(|v| format!("{v:.2}"))).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        regions => summary.regions.iter().map(|(n, g)| context! {
            name => n, a => g[0], b => g[1], c => g[2], d => g[3], x => g[4],
        }).collect::<Vec<_>>(),
        totals => context! { a => summary.grades[0], b => summary.grades[1], c => summary.grades[2], d => summary.grades[3], x => summary.grades[4] },
        indicators => summary.indicators.iter().map(|i| context! { name => i.name, weight => i.weight, cost => i.cost, unit => i.unit }).collect::<Vec<_>>(),
        class_label => class_label.clone(),
        region_label => region_label.clone(),
        class_chart => grade_chart(&format!("按{class_label}的等级分布"), &class_rows),
        region_chart => region_label.as_ref().map(|l| grade_chart(&format!("按{l}的等级分布"), &summary.regions)),
    })
}

async fn run_page(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut run = state.store.muni_run(id).await?;
    if !run.state.is_final() && state.store.stale_muni_runs().await?.contains(&id) {
        m::spawn_run(state.store.clone(), id);
        run = state.store.muni_run(id).await?;
    }
    let scheme = state.store.muni_scheme(run.scheme_id).await?;
    let result = if run.state == RunState::Done {
        result_context(&state, &run, &q, &format!("/muni/runs/{id}")).await?
    } else {
        J::UNDEFINED
    };
    let objections = state.store.muni_objections(id).await?;
    // Each objection's firm by its name too (objections may be entered by either).
    let objected: Vec<&str> = objections.iter().map(|o| o.firm.as_str()).collect();
    let firm_names = state.store.muni_firm_names(id, &objected).await?;
    let blocker = final_blocker(&run, &objections, today());
    let accepted = objections
        .iter()
        .any(|o| o.decision.as_deref() == Some("accepted"));
    let has_leaders = check_scheme(&run.spec)
        .map(|sp| sp.leaders.is_some())
        .unwrap_or(false);
    // What the last step did, said once after its redirect (`?done=`).
    let done = match q.get("done").map(String::as_str) {
        Some("publicity") => {
            Some("已开始公示。公示期内可登记企业的异议；期满且异议处理完毕后方可正式发布。")
        }
        Some("objection") => Some("已登记异议，请在下方作出处理决定。"),
        Some("decided") => Some("已记录异议处理决定。"),
        _ => None,
    };
    Ok(render(
        &state,
        &page,
        "muni/run.html",
        context! {
            r => run_view(&run),
            done => done,
            s => scheme_view(&scheme),
            result => result,
            policy => policy_of(&scheme.policy),
            refresh => !run.state.is_final(),
            objections => objections.iter().map(|o| context! {
                id => o.id, firm => o.firm, firm_name => firm_names.get(&o.firm),
                body => o.body, raised_by => o.raised_by, raised_at => o.raised_at,
                recorded_by => o.recorded_by, decision => o.decision, note => o.note,
                decided_by => o.decided_by, decided_at => o.decided_at,
            }).collect::<Vec<_>>(),
            blocker => blocker,
            accepted => accepted,
            has_leaders => has_leaders,
            today => today().to_string(),
            max_mb => MAX_MB,
        },
    )?
    .into_response())
}

/// A firm's 体检报告 (printable): its indicators against its class's benchmarks, the ratio and
/// contribution of each, its rank and grade, and the indicator that would lift it most.
async fn firm_report(
    State(state): State<AppState>,
    _auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let run = state.store.muni_run(id).await?;
    let firm_id = q.get("firm").map(String::as_str).unwrap_or("");
    let summary = summary_of(&run).ok_or(AppError::NotFound)?;
    let firm = state.store.muni_firm(id, firm_id).await?;
    let scheme = state.store.muni_scheme(run.scheme_id).await?;
    let class = summary
        .classes
        .iter()
        .find(|c| c.name == firm.class)
        .ok_or(AppError::NotFound)?;
    let values: Vec<f64> = serde_json::from_str::<Vec<Option<f64>>>(&firm.vals)
        .map_err(|e| AppError::Internal(format!("firm values: {e}")))?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let weights: Vec<f64> = summary.indicators.iter().map(|i| i.weight).collect();
    let directions: Vec<duban_engine::spec::Direction> = summary
        .indicators
        .iter()
        .map(|i| {
            if i.cost {
                duban_engine::spec::Direction::Cost
            } else {
                duban_engine::spec::Direction::Benefit
            }
        })
        .collect();
    let benchmarks: Vec<f64> = class
        .benchmarks
        .iter()
        .map(|b| b.unwrap_or(f64::NAN))
        .collect();
    let (lines, best) = duban_engine::firm::checkup::checkup(
        &weights,
        &directions,
        &values,
        &benchmarks,
        summary.cap,
    );
    let num = |x: f64, d: usize| finite_fmt(x, d);
    let policy = policy_of(&scheme.policy);
    let grade_policy = firm
        .grade
        .as_ref()
        .and_then(|g| policy.iter().find(|p| &p.grade == g).cloned());
    Ok(render(
        &state,
        &page,
        "muni/report.html",
        context! {
            r => run_view(&run),
            f => firm_view(&firm),
            class_size => class.size,
            lines => lines.iter().zip(&summary.indicators).enumerate().map(|(j, (l, i))| context! {
                name => i.name, weight => i.weight, cost => i.cost, unit => i.unit,
                value => num(l.value, 2), benchmark => num(l.benchmark, 2),
                ratio => format!("{:.3}", l.ratio), contribution => format!("{:.2}", l.contribution),
                gain => format!("{:.2}", l.gain), best => best == Some(j),
            }).collect::<Vec<_>>(),
            best => best.map(|j| context! {
                name => summary.indicators[j].name, gain => format!("{:.2}", lines[j].gain),
                missing => lines[j].value.is_nan(), cost => summary.indicators[j].cost,
            }),
            policy => grade_policy,
            // What a score means: the sum of the weights for a firm at its class's
            // benchmark on every indicator, at most `cap` times that.
            at_benchmark => weights.iter().sum::<f64>(),
            cap => summary.cap,
        },
    )?
    .into_response())
}

fn finite_fmt(x: f64, digits: usize) -> Option<String> {
    x.is_finite().then(|| format!("{x:.digits$}"))
}

// ---- 公示, objections, re-run, final ----

/// Longest 公示期 accepted (days).
const MAX_PUBLICITY_DAYS: i64 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PublicityForm {
    csrf: String,
    days: String,
}

/// 公示: the result of a finished run is shown as a draft for N days (0–30) from today.
async fn open_publicity(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<PublicityForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let days = super::whole_in(&form.days, 0..=MAX_PUBLICITY_DAYS, "days", "公示天数")?;
    let from = today();
    let until = from + chrono::Duration::days(days);
    Ok(super::redirect_done(
        state
            .store
            .open_muni_publicity(id, &from.to_string(), &until.to_string())
            .await,
        &format!("/muni/runs/{id}"),
        "publicity",
        "publicity",
    ))
}

/// An objection (异议) as the form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ObjectionForm {
    csrf: String,
    firm: String,
    body: String,
    raised_by: String,
    raised_at: String,
}

/// An objection read from its form: every text present and at most 2,000 characters, the
/// date a date (today when left empty).
struct Objection {
    firm: String,
    body: String,
    raised_by: String,
    raised_at: chrono::NaiveDate,
}

impl TryFrom<ObjectionForm> for Objection {
    type Error = AppError;
    fn try_from(f: ObjectionForm) -> Result<Self, AppError> {
        let text = |k: &str, v: &str, what: &str| -> Result<String, AppError> {
            let v = v.trim();
            if v.is_empty() {
                return Err(AppError::InvalidField {
                    field: k.into(),
                    message: format!("请填写{what}"),
                });
            }
            if v.chars().count() > 2000 {
                return Err(AppError::InvalidField {
                    field: k.into(),
                    message: format!("{what}不能超过 2000 字"),
                });
            }
            Ok(v.to_string())
        };
        Ok(Objection {
            firm: text("firm", &f.firm, "企业代码")?,
            body: text("body", &f.body, "异议内容")?,
            raised_by: text("raised_by", &f.raised_by, "提出人")?,
            raised_at: match f.raised_at.trim() {
                "" => today(),
                d => duban_core::period::parse_iso_date("提出日期", d).map_err(|message| {
                    AppError::InvalidField {
                        field: "raised_at".into(),
                        message,
                    }
                })?,
            },
        })
    }
}

/// Records an objection (异议) raised during the 公示: which firm, what, who and when.
async fn record_objection(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let run = state.store.muni_run(id).await?;
    if run.publicity_from.is_none() {
        return Err(AppError::Invalid("该结果尚未公示，不能登记异议".into()));
    }
    let o = Objection::try_from(form)?;
    Ok(super::redirect_done(
        state
            .store
            .add_muni_objection(
                id,
                &o.firm,
                &o.body,
                &o.raised_by,
                &o.raised_at.to_string(),
                Some(auth.user.id),
            )
            .await,
        &format!("/muni/runs/{id}"),
        "objections",
        "objection",
    ))
}

/// The decision on an objection as the form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DecisionForm {
    csrf: String,
    decision: String,
    note: String,
}

/// A decision read from its form: 采纳 or 不采纳, a note of at most 2,000 characters,
/// required when the objection is not accepted.
struct Decision {
    accepted: bool,
    note: String,
}

impl TryFrom<DecisionForm> for Decision {
    type Error = AppError;
    fn try_from(f: DecisionForm) -> Result<Self, AppError> {
        let accepted = match f.decision.trim() {
            "accepted" => true,
            "rejected" => false,
            _ => {
                return Err(AppError::InvalidField {
                    field: "decision".into(),
                    message: "请选择采纳或不采纳".into(),
                });
            }
        };
        let note = f.note.trim().to_string();
        if note.chars().count() > 2000 {
            return Err(AppError::InvalidField {
                field: "note".into(),
                message: "说明不能超过 2000 字".into(),
            });
        }
        if !accepted && note.is_empty() {
            return Err(AppError::InvalidField {
                field: "note".into(),
                message: "不采纳时请写明理由".into(),
            });
        }
        Ok(Decision { accepted, note })
    }
}

/// The decision on an objection: 采纳 (accepted) or 不采纳 (rejected), with a note.
async fn decide_objection(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let o = state.store.muni_objection(id).await?;
    let d = Decision::try_from(form)?;
    Ok(super::redirect_done(
        state
            .store
            .decide_muni_objection(id, d.accepted, &d.note, Some(auth.user.id))
            .await,
        &format!("/muni/runs/{}", o.run_id),
        "objections",
        "decided",
    ))
}

/// After accepted objections: the corrected data file (streamed and checked like any
/// upload) becomes a new data set and a new run of the same scheme.
async fn rerun(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let run = state.store.muni_run(id).await?;
    let back = format!("/muni/runs/{id}#objections");
    let form = match spool_form(multipart).await {
        Ok(f) => f,
        Err(SpoolError::TooLarge(_)) => {
            return Ok(AppError::TooLargeFor(MAX_MB).with_back(back));
        }
        Err(SpoolError::App(e)) => return Err(e),
    };
    auth.check_csrf(form.fields.text("csrf"))?;
    let accepted = state
        .store
        .muni_objections(id)
        .await?
        .iter()
        .filter(|o| o.decision.as_deref() == Some("accepted"))
        .count();
    if accepted == 0 {
        return Ok(AppError::Invalid("没有已采纳的异议，无需重新运行".into()).with_back(back));
    }
    let scheme = state.store.muni_scheme(run.scheme_id).await?;
    let checked = match check_upload(&scheme, form.file).await {
        Ok(c) => c,
        Err(msg) => return Ok(AppError::Invalid(msg).with_back(back)),
    };
    let ds = state
        .store
        .create_muni_dataset(&NewDataset {
            scheme_id: scheme.id,
            name: &format!("{}（按异议更正）", run.dataset_name),
            file_name: &checked.file_name,
            kind: checked.kind.as_str(),
            bytes: &checked.bytes,
            firms: checked.firms as i64,
            demo: run.demo,
            corrects_run_id: Some(id),
            created_by: Some(auth.user.id),
        })
        .await?;
    let new = state
        .store
        .queue_muni_run(scheme.id, ds.id, Some(id), Some(auth.user.id))
        .await?;
    m::spawn_run(state.store.clone(), new.id);
    Ok(Redirect::to(&format!("/muni/runs/{}", new.id)).into_response())
}

/// Whether a run may be published as final, and why not.
fn final_blocker(
    run: &Run,
    objections: &[duban_store::muni::Objection],
    today: chrono::NaiveDate,
) -> Option<String> {
    if run.state != RunState::Done {
        return Some("只有已完成的运行可以发布".into());
    }
    if run.final_id.is_some() {
        return Some("该结果已正式发布".into());
    }
    let Some(until) = run.publicity_until.as_deref() else {
        return Some("须先公示".into());
    };
    if until > today.to_string().as_str() {
        return Some(format!("公示期至 {until}，期满后方可正式发布"));
    }
    if objections.iter().any(|o| o.decision.is_none()) {
        return Some("尚有未处理的异议".into());
    }
    if objections
        .iter()
        .any(|o| o.decision.as_deref() == Some("accepted"))
    {
        return Some("已采纳异议：请用更正后的数据重新运行，公示后发布新结果".into());
    }
    None
}

/// The final publication: its title, and `leaders=yes` to publish the 领跑者 list too.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FinalForm {
    csrf: String,
    title: String,
    leaders: String,
}

/// 正式发布: the final snapshot, written by the same code as `duban eval run --snapshot`
/// (the data set read again and evaluated; refused unless its hashes are the run's). With
/// `leaders` ticked and a scheme with `[leaders]`, the 领跑者 list is published too.
async fn finalise(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<FinalForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let run = state.store.muni_run(id).await?;
    let objections = state.store.muni_objections(id).await?;
    let back = format!("/muni/runs/{id}#final");
    if let Some(why) = final_blocker(&run, &objections, today()) {
        return Ok(AppError::Invalid(why).with_back(back));
    }
    let title = form.title.trim();
    if title.is_empty() {
        return Ok(AppError::InvalidField {
            field: "title".into(),
            message: "请填写发布标题".into(),
        }
        .with_back(back));
    }
    let ds = state.store.muni_dataset(run.dataset_id).await?;
    let bytes = state.store.muni_dataset_content(ds.id).await?;
    let kind = DataKind::of_name(&ds.file_name).ok_or(AppError::NotFound)?;
    let (spec, dh, mh) = (
        run.spec.clone(),
        run.data_hash.clone().unwrap_or_default(),
        run.method_hash.clone().unwrap_or_default(),
    );
    let body =
        tokio::task::spawn_blocking(move || m::final_snapshot(&spec, &bytes, kind, &dh, &mh))
            .await
            .map_err(|e| AppError::Internal(format!("snapshot: {e}")))?
            .map_err(|e| AppError::Invalid(e.0))?;
    let f = state
        .store
        .create_muni_final(
            id,
            title,
            &body,
            run.data_hash.as_deref().unwrap_or_default(),
            run.method_hash.as_deref().unwrap_or_default(),
            run.demo,
            Some(auth.user.id),
        )
        .await?;
    if form.leaders.trim() == "yes" {
        let mut list = duban_io::firm_format::leader_list(&body, title, run.demo)
            .map_err(|e| AppError::Invalid(format!("领跑者名单：{e}")))?;
        let firms: Vec<&str> = list.lines.iter().map(|l| l.firm.as_str()).collect();
        let names = state.store.muni_firm_names(id, &firms).await?;
        list.name_firms(names.iter().map(|(f, n)| (f.as_str(), n.as_str())));
        let method = list.engine.clone();
        state
            .store
            .publish(&duban_store::publication::NewPublication {
                title: &format!("{title}（领跑者名单）"),
                content: &duban_core::publication::Content::Leaders(list),
                snapshot_id: None,
                method: &method,
                by: Some(auth.user.id),
            })
            .await?;
    }
    Ok(Redirect::to(&format!("/muni/finals/{}", f.id)).into_response())
}

/// Final results are read by the office and by viewers (leaders); reporters read none.
fn require_final_reader(auth: &Auth) -> Result<(), AppError> {
    match auth.role() {
        Role::Admin | Role::Viewer => Ok(()),
        Role::Reporter => Err(AppError::Forbidden),
    }
}

async fn finals(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    require_final_reader(&auth)?;
    let list = state.store.muni_finals().await?;
    Ok(render(
        &state,
        &page,
        "muni/finals.html",
        context! { finals => list.iter().map(|f| context! {
            id => f.id, run_id => f.run_id, title => f.title, sha256 => f.sha256, demo => f.demo,
            published_by => f.published_by, published_at => f.published_at,
        }).collect::<Vec<_>>() },
    )?
    .into_response())
}

async fn final_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_final_reader(&auth)?;
    let f = state.store.muni_final(id).await?;
    let run = state.store.muni_run(f.run_id).await?;
    let scheme = state.store.muni_scheme(run.scheme_id).await?;
    let result = result_context(&state, &run, &q, &format!("/muni/finals/{id}")).await?;
    Ok(render(
        &state,
        &page,
        "muni/final.html",
        context! {
            f => context! { id => f.id, title => f.title, sha256 => f.sha256, data_hash => f.data_hash,
                method_hash => f.method_hash, demo => f.demo, published_by => f.published_by,
                published_at => f.published_at },
            r => run_view(&run),
            s => scheme_view(&scheme),
            result => result,
            policy => policy_of(&scheme.policy),
        },
    )?
    .into_response())
}

/// 企业结果 of a run as a file, for the office.
async fn run_firms_download(
    State(state): State<AppState>,
    _auth: Office,
    Path((id, format)): Path<(i64, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let run = state.store.muni_run(id).await?;
    firms_download(&state, &run, &q, &format!("muni-run-{id}-firms"), &format).await
}

/// 企业结果 of a published final result as a file, for whoever may read it.
async fn final_firms_download(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, format)): Path<(i64, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require_final_reader(&auth)?;
    let f = state.store.muni_final(id).await?;
    let run = state.store.muni_run(f.run_id).await?;
    firms_download(&state, &run, &q, &format!("muni-final-{id}-firms"), &format).await
}

/// Firms read per query while a download gathers a run.
const DOWNLOAD_CHUNK: i64 = 10_000;
/// Excel's last row, less the header.
const XLSX_MAX_FIRMS: usize = 1_048_575;

/// Every firm of a finished run that passes the page's filter (`class`, `region`, `grade`,
/// `q`), in page order, as CSV, XLSX, Parquet or Arrow IPC: 名次, 等级, code, name, class,
/// region, score, 加减分, 领跑者, the reason a firm was not evaluated, then each indicator's
/// value. Numbers stay numbers in XLSX, Parquet and Arrow.
async fn firms_download(
    state: &AppState,
    run: &Run,
    q: &HashMap<String, String>,
    stem: &str,
    format: &str,
) -> Result<Response, AppError> {
    let kind = TableFormat::parse(format).ok_or(AppError::NotFound)?;
    let Some(summary) = summary_of(run) else {
        return Err(AppError::Invalid("这次评价还没有结果，无法下载".into()));
    };
    let (filter, _) = filter_of(q);
    // A filtered table is not the whole result: its file says so.
    let file_name = if filter_query(&filter).is_empty() {
        format!("{stem}.{format}")
    } else {
        format!("{stem}-filtered.{format}")
    };
    let mut firms: Vec<FirmRow> = Vec::new();
    let mut after = -1; // positions start at 0
    loop {
        let chunk = state
            .store
            .muni_firms_after(run.id, &filter, after, DOWNLOAD_CHUNK)
            .await?;
        let Some(last) = chunk.last() else { break };
        after = last.ord;
        firms.extend(chunk);
    }
    if kind == TableFormat::Xlsx && firms.len() > XLSX_MAX_FIRMS {
        return Err(AppError::Invalid(format!(
            "共 {} 家企业，超过 Excel 每表 {XLSX_MAX_FIRMS} 行的上限：请筛选后再下载，或下载 CSV、Parquet",
            firms.len()
        )));
    }
    let columns = firm_columns(&summary);
    let bytes = tokio::task::spawn_blocking(move || {
        let width = columns.len();
        duban_io::grid::write_table(kind, "企业结果", &columns, firms.len(), |i| {
            firm_cells(&firms[i], width)
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("download: {e}")))?
    .map_err(|e| AppError::Internal(format!("{file_name}: {e}")))?;
    Ok(super::attachment(bytes, kind.media_type(), &file_name))
}

/// The page's filter as query pairs (empty: every firm), for links that keep it.
fn filter_query(filter: &FirmFilter) -> Vec<(&'static str, &str)> {
    [
        ("class", &filter.class),
        ("region", &filter.region),
        ("grade", &filter.grade),
        ("q", &filter.text),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    .collect()
}

/// The columns of a firm download (name, type), in [`firm_cells`]' order.
fn firm_columns(summary: &Summary) -> Vec<(String, ColumnType)> {
    let class_label = if summary.class_columns.is_empty() {
        "分类".to_string()
    } else {
        summary.class_columns.join("、")
    };
    let text = |n: &str| (n.to_string(), ColumnType::Text);
    let number = |n: &str| (n.to_string(), ColumnType::Number);
    let integer = |n: &str| (n.to_string(), ColumnType::Integer);
    let mut columns = vec![
        integer("名次"),
        text("等级"),
        text("企业代码"),
        text("企业名称"),
        text(&class_label),
        text(summary.region_column.as_deref().unwrap_or("区域")),
        number("得分"),
        number("加减分"),
        integer("领跑者名次"),
        text("不参评原因"),
    ];
    columns.extend(summary.indicators.iter().map(|i| number(&i.name)));
    columns
}

/// One firm's cells in [`firm_columns`]' order (`width` columns in all).
fn firm_cells(f: &FirmRow, width: usize) -> Vec<Cell> {
    let text = |t: &Option<String>| t.clone().map_or(Cell::Empty, Cell::Text);
    let mut cells = vec![
        Cell::from(f.rank.map(|r| r as f64)),
        text(&f.grade),
        Cell::from(f.firm.as_str()),
        text(&f.name),
        Cell::from(f.class.as_str()),
        text(&f.region),
        Cell::from(f.score),
        Cell::from((f.adjust != 0.0).then_some(f.adjust)),
        Cell::from((f.leader > 0).then_some(f.leader as f64)),
        text(&f.excluded),
    ];
    let values: Vec<Option<f64>> = serde_json::from_str(&f.vals).unwrap_or_default();
    cells.extend(values.into_iter().map(Cell::from));
    cells.resize(width, Cell::Empty);
    cells
}

/// The final snapshot's bytes, as `duban eval verify` reads them.
async fn final_download(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_final_reader(&auth)?;
    let body = state.store.muni_final_body(id).await?;
    Ok(super::attachment(
        body,
        "application/json",
        &format!("muni-final-{id}.json"),
    ))
}
