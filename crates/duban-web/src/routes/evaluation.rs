//! Evaluation (综合评价) pages: data sets (upload CSV/XLSX, or built from accepted report
//! values), methods (`duban.eval/1`, as a form or as text), runs (ranking, charts, weights,
//! diagnostics, rank change), publishing (an immutable snapshot), download and server-side
//! verification. Who may do what: see `crate::evaluation`.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use duban_io::columnar_write::ColumnarFormat;
use duban_io::eval_format::DataKind;
use duban_io::grid::TableFormat;
use duban_store::StoreError;
use duban_store::evaluation::{
    EvalDataset, EvalRun, MAX_DATASET_BYTES, NewEvalDataset, NewEvalRun,
};
use minijinja::{Value as J, context};
use serde::Deserialize;
use serde_json::Value;

use super::attachment;
use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::evaluation::{
    self as ev, ComputeError, check_data_blocking, check_spec, compute, form_choices,
    require_reader, result_view, spec_form, spec_from_form, spec_to_text,
};
use crate::form_fields::FormFields;
use crate::render::{Page, render, render_with_status};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations", get(index))
        .route("/evaluations/datasets/new", get(new_dataset_form))
        .route("/evaluations/datasets", post(upload_dataset))
        .route(
            "/evaluations/datasets/from-reports",
            post(dataset_from_reports),
        )
        .route("/evaluations/datasets/{id}", get(dataset_page))
        .route("/evaluations/datasets/{id}/file", get(dataset_file))
        .route("/evaluations/methods/new", get(new_method_form))
        .route("/evaluations/methods", post(create_method))
        .route(
            "/evaluations/methods/{id}",
            get(method_page).post(update_method),
        )
        .route("/evaluations/runs", post(run))
        .route("/evaluations/runs/{id}", get(run_page))
        .route("/evaluations/runs/{id}/publish", post(publish))
        .route("/evaluations/snapshots", get(snapshots))
        .route("/evaluations/snapshots/{id}", get(snapshot_page))
        .route(
            "/evaluations/snapshots/{id}/download",
            get(download_snapshot),
        )
        .route("/evaluations/snapshots/{id}/verify", post(verify_snapshot))
        .route(
            "/evaluations/snapshots/{id}/table/{format}",
            get(snapshot_table),
        )
}

fn dataset_view(d: &EvalDataset) -> J {
    context! {
        id => d.id, name => d.name, file_name => d.file_name, kind => d.kind, source => d.source,
        source_label => match d.source.as_str() { "demo" => "示例数据", "reports" => "督办报送数据", _ => "上传" },
        sha256 => d.sha256, size => d.size, units => d.units, method_id => d.method_id, demo => d.demo,
        created_by => d.created_by, created_at => d.created_at,
    }
}

fn run_view(r: &EvalRun) -> J {
    context! {
        id => r.id, dataset_id => r.dataset_id, dataset_name => r.dataset_name, method_id => r.method_id,
        method_name => r.method_name, previous_run_id => r.previous_run_id, engine => r.engine,
        data_hash => r.data_hash, method_hash => r.method_hash, units => r.units, millis => r.millis,
        demo => r.demo, created_by => r.created_by, created_at => r.created_at, snapshot_id => r.snapshot_id,
    }
}

async fn index_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let datasets = state.store.eval_datasets().await?;
    let methods = state.store.eval_methods().await?;
    let runs = state.store.eval_runs().await?;
    let snapshots = state.store.eval_snapshots().await?;
    render_with_status(
        state,
        page,
        status,
        "evaluation/index.html",
        context! {
            error => error,
            datasets => datasets.iter().map(dataset_view).collect::<Vec<_>>(),
            methods => methods.iter().map(|m| context! { id => m.id, name => m.name, demo => m.demo, version => m.version, updated_at => m.updated_at }).collect::<Vec<_>>(),
            runs => runs.iter().map(run_view).collect::<Vec<_>>(),
            snapshot_count => snapshots.len(),
        },
    )
}

async fn index(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    if auth.role() == duban_store::user::Role::Reporter {
        return Ok(Redirect::to("/evaluations/snapshots").into_response());
    }
    index_page(&state, &page, StatusCode::OK, None).await
}

// ---- data sets ----

async fn new_dataset_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let methods = state.store.eval_methods().await?;
    let targets = state.store.reported_targets().await?;
    render_with_status(
        state,
        page,
        status,
        "evaluation/dataset_new.html",
        context! {
            error => error,
            max_mb => MAX_DATASET_BYTES / 1024 / 1024,
            methods => methods.iter().map(|m| context! { id => m.id, name => m.name }).collect::<Vec<_>>(),
            targets => targets,
        },
    )
}

async fn new_dataset_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    new_dataset_page(&state, &page, StatusCode::OK, None).await
}

async fn upload_dataset(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut form = crate::upload::read_form(multipart, None).await?;
    auth.check_csrf(form.text("csrf"))?;
    let name = form.text("name").trim().to_string();
    let method_id = form.text("method_id").trim().to_string();
    let file = form.take_file("data.csv");
    let fail = |msg: String| async {
        new_dataset_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await
    };
    let Some((file_name, bytes)) = file else {
        return fail("请选择一个数据文件（CSV、XLSX、Parquet 或 Arrow）".into()).await;
    };
    if bytes.len() > MAX_DATASET_BYTES {
        return fail(format!(
            "{file_name}：超过 {} MB 上限。未保存任何内容。",
            MAX_DATASET_BYTES / 1024 / 1024
        ))
        .await;
    }
    let Some(kind) = DataKind::of_name(&file_name) else {
        return fail(format!(
            "{file_name}：只接受 .csv、.xlsx、.parquet 或 .arrow 文件。未保存任何内容。"
        ))
        .await;
    };
    let Ok(method_id) = method_id.parse::<i64>() else {
        return fail("请选择用于校验数据的评价方法".into()).await;
    };
    let method = state.store.eval_method(method_id).await?;
    let (bytes, checked) = match check_spec(&method.spec) {
        Ok(spec) => check_data_blocking(bytes, kind, spec).await,
        Err(e) => (bytes, Err(e)),
    };
    let ds = match checked {
        Ok(ds) => ds,
        Err(ComputeError(msg)) => {
            return fail(format!("{file_name}：{msg}。未保存任何内容。")).await;
        }
    };
    let name = if name.is_empty() {
        file_name.clone()
    } else {
        name
    };
    let saved = state
        .store
        .create_eval_dataset(&NewEvalDataset {
            name: &name,
            file_name: &file_name,
            kind: kind.as_str(),
            source: "upload",
            bytes: &bytes,
            units: ds.ids.len() as i64,
            method_id: Some(method.id),
            demo: false,
            created_by: Some(auth.user.id),
        })
        .await;
    match saved {
        Ok(d) => Ok(Redirect::to(&format!("/evaluations/datasets/{}", d.id)).into_response()),
        Err(StoreError::Invalid(m)) => fail(format!("{file_name}：{m}。未保存任何内容。")).await,
        Err(e) => Err(e.into()),
    }
}

/// One CSV field: formula-like text neutralised (`duban_io::formula`), then quoted if needed.
fn csv_cell(s: &str) -> String {
    let s = duban_io::formula::neutralise(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Builds a data set (and an equal-weight method over it) from the latest accepted reported
/// value of each chosen target, per unit.
async fn dataset_from_reports(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.trimmed("csrf"))?;
    let chosen: Vec<i64> = form.all("target").filter_map(|v| v.parse().ok()).collect();
    let name = form.trimmed("name");
    if chosen.is_empty() || name.is_empty() {
        return new_dataset_page(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("请填写名称并至少选择一个指标".into()),
        )
        .await;
    }
    let targets = state.store.reported_targets().await?;
    let mut columns = Vec::new();
    let mut cells: BTreeMap<(String, String), HashMap<usize, f64>> = BTreeMap::new();
    for (j, id) in chosen.iter().enumerate() {
        let t = targets
            .iter()
            .find(|t| t.target_id == *id)
            .ok_or(AppError::NotFound)?;
        let unit = t
            .unit
            .as_deref()
            .map(|u| format!("({u})"))
            .unwrap_or_default();
        columns.push(format!(
            "{}-{} {}{unit}",
            t.task_number,
            t.position + 1,
            t.metric
        ));
        for v in duban_app::dataset::unit_values(&state.store, t).await? {
            cells
                .entry((v.unit_code, v.unit_name))
                .or_default()
                .insert(j, v.value);
        }
    }
    let mut csv = String::from("单位");
    for c in &columns {
        csv.push(',');
        csv.push_str(&csv_cell(c));
    }
    csv.push('\n');
    for ((_, unit_name), vals) in &cells {
        csv.push_str(&csv_cell(unit_name));
        for j in 0..columns.len() {
            csv.push(',');
            if let Some(v) = vals.get(&j) {
                csv.push_str(&v.to_string());
            }
        }
        csv.push('\n');
    }
    let inds: Vec<(&str, duban_engine::spec::Direction)> = columns
        .iter()
        .map(|c| (c.as_str(), duban_engine::spec::Direction::Benefit))
        .collect();
    let spec = duban_engine::Spec::flat("单位", &inds);
    let text = spec_to_text(&spec).map_err(AppError::Invalid)?;
    let method = state
        .store
        .create_eval_method(
            &format!("{name}（等权方法）"),
            &text,
            false,
            Some(auth.user.id),
        )
        .await?;
    let d = state
        .store
        .create_eval_dataset(&NewEvalDataset {
            name,
            file_name: "reports.csv",
            kind: "csv",
            source: "reports",
            bytes: csv.as_bytes(),
            units: cells.len() as i64,
            method_id: Some(method.id),
            demo: false,
            created_by: Some(auth.user.id),
        })
        .await?;
    Ok(Redirect::to(&format!("/evaluations/datasets/{}", d.id)).into_response())
}

async fn dataset_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reader(&auth)?;
    let d = state.store.eval_dataset(id).await?;
    let bytes = state.store.eval_dataset_bytes(&d).await?;
    // The table as the checking method reads it.
    let mut table = None;
    let mut error = None;
    if let Some(mid) = d.method_id {
        let m = state.store.eval_method(mid).await?;
        let kind = DataKind::parse(&d.kind).unwrap_or(DataKind::Csv);
        let checked = match check_spec(&m.spec) {
            Ok(spec) => check_data_blocking(bytes, kind, spec).await.1,
            Err(e) => Err(e),
        };
        match checked {
            Ok(ds) => {
                let rows: Vec<J> = (0..ds.ids.len())
                    .map(|i| {
                        context! {
                            id => ds.ids[i],
                            class => ds.classes.as_ref().map(|c| c[i].clone()),
                            values => (0..ds.columns.len()).map(|j| { let v = ds.values.get(i, j); if v.is_nan() { None } else { Some(v) } }).collect::<Vec<_>>(),
                        }
                    })
                    .collect();
                table = Some(
                    context! { method_id => m.id, method_name => m.name, columns => ds.columns, has_class => ds.classes.is_some(), rows => rows },
                );
            }
            Err(ComputeError(m)) => error = Some(m),
        }
    }
    Ok(render(
        &state,
        &page,
        "evaluation/dataset.html",
        context! { d => dataset_view(&d), table => table, error => error },
    )?
    .into_response())
}

async fn dataset_file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reader(&auth)?;
    let d = state.store.eval_dataset(id).await?;
    let mut bytes = state.store.eval_dataset_bytes(&d).await?;
    let ct = match DataKind::parse(&d.kind) {
        Some(DataKind::Xlsx) => TableFormat::Xlsx,
        Some(DataKind::Parquet) => TableFormat::Columnar(ColumnarFormat::Parquet),
        Some(DataKind::Arrow) => TableFormat::Columnar(ColumnarFormat::ArrowIpc),
        Some(DataKind::Csv) | None => {
            // Formula-like cells leave as text (OWASP CSV injection); the stored bytes and
            // their hash are unchanged. (Parquet and Arrow files are not run by
            // spreadsheets: they leave as stored.)
            bytes = duban_io::formula::neutralise_csv(&bytes)
                .map_err(|e| AppError::Internal(format!("数据集 CSV 无法读取：{e}")))?;
            TableFormat::Csv
        }
    }
    .media_type();
    Ok(attachment(
        bytes,
        ct,
        &format!("dataset-{}.{}", d.id, d.kind),
    ))
}

// ---- methods ----

/// The method form again (422) with what was typed and why it was not saved.
async fn method_refused(
    state: &AppState,
    page: &Page,
    method: Option<&duban_store::evaluation::EvalMethod>,
    name: &str,
    text: &str,
    e: impl std::fmt::Display,
) -> Result<Response, AppError> {
    let error = Some(format!("{e}。未保存。"));
    method_page_with(
        state,
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        method,
        name,
        text,
        error,
    )
    .await
}

async fn method_page_with(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    method: Option<&duban_store::evaluation::EvalMethod>,
    name: &str,
    text: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let spec = check_spec(text)
        .or_else(|_| check_spec(ev::DEMO_SPEC))
        .map_err(|e| AppError::Internal(e.0))?;
    render_with_status(
        state,
        page,
        status,
        "evaluation/method.html",
        context! {
            method => method.map(|m| context! { id => m.id, version => m.version, demo => m.demo, updated_at => m.updated_at }),
            name => name,
            text => text,
            f => spec_form(&spec),
            choices => form_choices(),
            error => error,
        },
    )
}

async fn new_method_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    method_page_with(&state, &page, StatusCode::OK, None, "", ev::DEMO_SPEC, None).await
}

async fn method_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reader(&auth)?;
    let m = state.store.eval_method(id).await?;
    method_page_with(
        &state,
        &page,
        StatusCode::OK,
        Some(&m),
        &m.name,
        &m.spec,
        None,
    )
    .await
}

/// The method text submitted: the TOML itself (`mode=text`) or built from the form.
fn submitted_text(form: &FormFields, stored: Option<&str>) -> Result<String, String> {
    if form.trimmed("mode") == "text" {
        let text = form.text("spec").replace("\r\n", "\n");
        check_spec(&text).map_err(|e| e.0)?;
        Ok(text)
    } else {
        let base = stored.and_then(|t| check_spec(t).ok());
        let spec = spec_from_form(form, base.as_ref())?;
        let text = spec_to_text(&spec)?;
        check_spec(&text).map_err(|e| e.0)?;
        Ok(text)
    }
}

async fn create_method(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.trimmed("csrf"))?;
    let name = form.trimmed("name").to_string();
    let raw = form.text("spec").to_string();
    let text = match submitted_text(&form, None) {
        Ok(t) => t,
        Err(e) => {
            return method_refused(&state, &page, None, &name, &raw, e).await;
        }
    };
    match state
        .store
        .create_eval_method(&name, &text, false, Some(auth.user.id))
        .await
    {
        Ok(m) => Ok(Redirect::to(&format!("/evaluations/methods/{}", m.id)).into_response()),
        Err(StoreError::Invalid(e) | StoreError::Duplicate(e)) => {
            method_refused(&state, &page, None, &name, &text, e).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn update_method(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.trimmed("csrf"))?;
    let m = state.store.eval_method(id).await?;
    let name = form.trimmed("name").to_string();
    let version: i64 = form
        .trimmed("version")
        .parse()
        .map_err(|_| AppError::BadRequest("缺少版本号".into()))?;
    let raw = form.get("spec").unwrap_or(&m.spec).to_string();
    let text = match submitted_text(&form, Some(&m.spec)) {
        Ok(t) => t,
        Err(e) => {
            return method_refused(&state, &page, Some(&m), &name, &raw, e).await;
        }
    };
    match state
        .store
        .update_eval_method(id, version, &name, &text)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/evaluations/methods/{id}")).into_response()),
        Err(StoreError::Conflict) => Ok(AppError::Conflict(
            "该方法已被他人修改，您的修改未保存。请重新打开页面。".into(),
        )
        .with_back(format!("/evaluations/methods/{id}"))),
        Err(StoreError::Invalid(e) | StoreError::Duplicate(e)) => {
            method_refused(&state, &page, Some(&m), &name, &text, e).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- runs ----

async fn run(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.trimmed("csrf"))?;
    let dataset_id = form
        .optional_id("dataset_id", "数据集")?
        .ok_or_else(|| AppError::BadRequest("请选择数据集".into()))?;
    let method_id = form
        .optional_id("method_id", "评价方法")?
        .ok_or_else(|| AppError::BadRequest("请选择评价方法".into()))?;
    let previous_run_id = form.optional_id("previous_run_id", "对比的评价")?;
    let d = state.store.eval_dataset(dataset_id).await?;
    let m = state.store.eval_method(method_id).await?;
    let bytes = state.store.eval_dataset_bytes(&d).await?;
    let previous = match previous_run_id {
        Some(p) => Some(ev::ranks_of_snapshot(
            &state.store.eval_run_snapshot(p).await?,
        )?),
        None => None,
    };
    let kind = DataKind::parse(&d.kind).unwrap_or(DataKind::Csv);
    let c = match compute(m.spec.clone(), bytes, kind, previous).await {
        Ok(c) => c,
        Err(ComputeError(msg)) => {
            return index_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("“{}” × “{}”：{msg}", d.name, m.name)),
            )
            .await;
        }
    };
    let id = state
        .store
        .create_eval_run(&NewEvalRun {
            dataset_id,
            method_id: Some(m.id),
            method_name: &m.name,
            spec: &m.spec,
            previous_run_id,
            snapshot: &c.snapshot_text,
            engine: duban_engine::ENGINE_VERSION,
            data_hash: &c.data_hash,
            method_hash: &c.method_hash,
            units: c.units,
            millis: c.millis,
            demo: d.demo || m.demo,
            created_by: Some(auth.user.id),
        })
        .await?;
    Ok(Redirect::to(&format!("/evaluations/runs/{id}")).into_response())
}

async fn run_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_reader(&auth)?;
    let r = state.store.eval_run(id).await?;
    let text = state.store.eval_run_snapshot(id).await?;
    let snap: Value =
        serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("run {id}: {e}")))?;
    let spec = state.store.eval_run_spec(id).await?;
    Ok(render(
        &state,
        &page,
        "evaluation/result.html",
        context! { run => run_view(&r), v => result_view(&snap)?, spec => spec, snapshot => J::UNDEFINED },
    )?
    .into_response())
}

/// Publishing a run: its title (blank: "data set · method").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PublishForm {
    csrf: String,
    title: String,
}

async fn publish(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let r = state.store.eval_run(id).await?;
    let title = match form.title.trim() {
        "" => format!("{} · {}", r.dataset_name, r.method_name),
        t => t.to_string(),
    };
    match state
        .store
        .publish_eval_run(id, &title, Some(auth.user.id))
        .await
    {
        Ok(s) => Ok(Redirect::to(&format!("/evaluations/snapshots/{}", s.id)).into_response()),
        Err(StoreError::Duplicate(m)) => {
            Ok(AppError::Conflict(m).with_back(format!("/evaluations/runs/{id}")))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- snapshots ----

async fn snapshots(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
) -> Result<Response, AppError> {
    let list = state.store.eval_snapshots().await?;
    Ok(render(
        &state,
        &page,
        "evaluation/snapshots.html",
        context! { snapshots => list },
    )?
    .into_response())
}

async fn snapshot_view(
    state: &AppState,
    page: &Page,
    id: i64,
    verified: Option<(bool, String)>,
) -> Result<Response, AppError> {
    let s = state.store.eval_snapshot(id).await?;
    let body = state.store.eval_snapshot_body(&s).await?;
    let snap: Value = serde_json::from_str(&body)
        .map_err(|e| AppError::Internal(format!("snapshot {id}: {e}")))?;
    let r = state.store.eval_run(s.run_id).await?;
    Ok(render(
        state,
        page,
        "evaluation/result.html",
        context! {
            run => run_view(&r),
            v => result_view(&snap)?,
            snapshot => s,
            verify_ok => verified.as_ref().map(|v| v.0),
            verify_message => verified.map(|v| v.1),
        },
    )?
    .into_response())
}

async fn snapshot_page(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    snapshot_view(&state, &page, id, None).await
}

async fn download_snapshot(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s = state.store.eval_snapshot(id).await?;
    let body = state.store.eval_snapshot_body(&s).await?;
    Ok(attachment(
        body,
        "application/json",
        &format!("duban-eval-snapshot-{id}.json"),
    ))
}

/// The snapshot's ranking (名次, 对象, 得分) as .xlsx or .csv, the table the public portal
/// offers for a published evaluation.
async fn snapshot_table(
    State(state): State<AppState>,
    _auth: Auth,
    Path((id, format)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let table = crate::publish::evaluation_table(&state.store, id).await?;
    let rows = crate::publish::evaluation_rows(&table);
    super::table_download(
        "评价结果",
        &format!("duban-eval-snapshot-{id}"),
        &rows,
        &format,
    )
}

async fn verify_snapshot(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let s = state.store.eval_snapshot(id).await?;
    let body = state.store.eval_snapshot_body(&s).await?;
    let outcome = match ev::verify(body).await {
        Ok(msg) => (true, msg),
        Err(msg) => (false, msg),
    };
    snapshot_view(&state, &page, id, Some(outcome)).await
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_neutralised_and_quoted() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"a,b\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\""
        );
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-3.5"), "-3.5");
        assert_eq!(csv_cell("杭州"), "杭州");
    }
}
