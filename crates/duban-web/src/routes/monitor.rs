//! Monitor pages (监测预警, issue 13): the overview, an indicator across the eleven cities
//! (small multiples with rule thresholds and targets, ranking bars, the table), a region's
//! indicators, the office's import of a wide statistics table or a series CSV (all or
//! nothing, the error names its cell), and alerts with their lifecycle (raised → 已确认 →
//! 约谈 → 关闭; a 约谈 raises a 约谈 record on the escalation ladder for the unit talked to).
//! Everyone signed in reads; the office (admin) imports, runs and acts.

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duban_core::monitor::{AlertAction, Indicator, InterviewRecord, Measure};
use duban_store::monitor::alert_state_str;
use minijinja::context;
use serde::Deserialize;

use crate::auth::{Auth, Office};
use crate::error::AppError;
use crate::form_fields::FormFields;
use crate::monitor::{
    MAX_UPLOAD_BYTES, UploadSpec, cities, import_upload, line_chart, parse_as_of, parse_measure,
    points, ranking_chart, rule_lines, run_rules, stored_rules,
};
use crate::render::{Page, render, render_with_status, url_encode};
use crate::state::AppState;

type Q = Query<HashMap<String, String>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monitor", get(overview))
        .route("/monitor/indicators/{name}", get(indicator_page))
        .route("/monitor/regions/{code}", get(region_page))
        .route("/monitor/import", get(import_form).post(import))
        .route("/monitor/alerts", get(alerts))
        .route("/monitor/alerts/run", post(run_now))
        .route("/monitor/alerts/{id}", get(alert_page))
        .route("/monitor/alerts/{id}/{action}", post(act))
        .route("/monitor/bindings", get(bindings_page).post(bind))
        .route("/monitor/rules", get(rules_page).post(save_rules))
}

fn measures(selected: Measure) -> Vec<minijinja::Value> {
    Measure::ALL
        .iter()
        .map(|m| context! { code => m.as_str(), label => m.label_zh(), selected => *m == selected })
        .collect()
}

fn indicator_href(name: &str) -> String {
    format!("/monitor/indicators/{}", url_encode(name))
}

async fn overview(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Q,
) -> Result<Response, AppError> {
    let as_of = parse_as_of(q.get("as_of"))?;
    let catalogue = state.store.monitor_indicators().await?;
    let values = state.store.monitor_values(None).await?;
    let regions = state.store.monitor_regions().await?;
    let indicators: Vec<minijinja::Value> = catalogue
        .iter()
        .map(|i| {
            let n = values.iter().filter(|v| v.indicator == i.name).count();
            let demo = values.iter().any(|v| v.indicator == i.name && v.demo);
            context! {
                name => i.name, unit => i.unit, kind => i.kind.label_zh(),
                frequency => i.frequency.map(|f| f.label_zh()),
                source => i.source, formula => i.formula.is_some(), values => n, demo => demo,
                href => indicator_href(&i.name),
            }
        })
        .collect();
    let open: Vec<_> = state
        .store
        .monitor_alerts(None)
        .await?
        .into_iter()
        .filter(|a| a.state != duban_core::monitor::AlertState::Closed)
        .collect();
    let rules = state.store.monitor_rules().await?;
    let imports = state.store.monitor_imports().await?;
    Ok(render(
        &state,
        &page,
        "monitor/index.html",
        context! {
            as_of => as_of.to_string(), indicators => indicators,
            regions => regions.all(), open_alerts => open,
            rules => rules, imports => imports.into_iter().take(10).collect::<Vec<_>>(),
            is_admin => auth.is_admin(), message => q.get("message"),
        },
    )?
    .into_response())
}

async fn indicator_page(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(name): Path<String>,
    Query(q): Q,
) -> Result<Response, AppError> {
    let as_of = parse_as_of(q.get("as_of"))?;
    let m = parse_measure(q.get("measure"))?;
    let catalogue = state.store.monitor_indicators().await?;
    let ind: Indicator = catalogue
        .iter()
        .find(|i| i.name == name)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let series = state.store.monitor_series(None).await?;
    let rules = stored_rules(&state.store)
        .await?
        .map(|r| r.rules)
        .unwrap_or_default();
    let regions = state.store.monitor_regions().await?;
    let unit = if matches!(m, Measure::Yoy | Measure::PeriodYoy) {
        "%".to_string()
    } else {
        ind.unit.clone()
    };
    let values = state.store.monitor_values(None).await?;
    let imports = state.store.monitor_imports().await?;
    let (mut demo, mut real) = (false, false);
    let mut panels = Vec::new();
    let mut ranking: Vec<(String, f64, String)> = Vec::new();
    let mut table_periods: Vec<String> = Vec::new();
    // Period key → its Chinese label (2020-Q3 → 2020年第三季度), as the points carry it.
    let mut labels: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut rows = Vec::new();
    let mut all: Vec<(String, String)> = regions
        .all()
        .iter()
        .filter(|r| r.parent.is_none())
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect();
    let city_list = cities(&regions);
    all.extend(city_list.iter().cloned());
    for (code, rname) in &all {
        let pts = points(&series, &catalogue, &ind, code, as_of, m);
        for p in &pts {
            if !table_periods.contains(&p.period) {
                table_periods.push(p.period.clone());
                labels.insert(p.period.clone(), p.label.clone());
            }
        }
        let latest = pts.iter().rev().find(|p| p.value.is_some()).cloned();
        let is_city = city_list.iter().any(|c| &c.0 == code);
        if is_city && let Some(l) = &latest {
            ranking.push((rname.clone(), l.value.unwrap_or_default(), l.period.clone()));
        }
        let lines = rule_lines(&rules, &ind.name, m, code);
        let provenance = crate::monitor::provenance(&values, &imports, &ind, code, as_of);
        demo |= provenance.demo;
        real |= provenance.real;
        if is_city || !pts.is_empty() {
            panels.push(context! {
                code => code, name => rname, href => format!("/monitor/regions/{code}?as_of={as_of}&measure={}", m.as_str()),
                chart => line_chart(rname, &unit, &pts, &lines, true), has_data => !pts.is_empty(),
                city => is_city, demo => provenance.demo, real => provenance.real,
            });
        }
        if !pts.is_empty() {
            rows.push((code.clone(), rname.clone(), pts));
        }
    }
    table_periods.sort();
    let table: Vec<minijinja::Value> = rows
        .iter()
        .map(|(code, rname, pts)| {
            let cells: Vec<Option<f64>> = table_periods
                .iter()
                .map(|p| pts.iter().find(|x| &x.period == p).and_then(|x| x.value))
                .collect();
            context! { code => code, name => rname, cells => cells }
        })
        .collect();
    // Ranking at the period most cities have reached (the latest common one).
    let top_period = ranking.iter().map(|r| r.2.clone()).max();
    let mut ranked: Vec<(String, f64)> = ranking
        .iter()
        .filter(|r| Some(&r.2) == top_period.as_ref())
        .map(|r| (r.0.clone(), r.1))
        .collect();
    let lower_better = ind.direction == duban_core::monitor::Direction::LowerBetter;
    ranked.sort_by(|a, b| {
        let o = b.1.total_cmp(&a.1);
        if lower_better { o.reverse() } else { o }
    });
    let label_of = |p: &String| labels.get(p).cloned().unwrap_or_else(|| p.clone());
    let ranking_title = format!(
        "{} {}（{}）",
        top_period.as_ref().map(label_of).unwrap_or_default(),
        m.label_zh(),
        unit
    );
    Ok(render(
        &state,
        &page,
        "monitor/indicator.html",
        context! {
            ind => context! { name => ind.name, unit => ind.unit, kind => ind.kind.label_zh(), source => ind.source,
                frequency => ind.frequency.map(|f| f.label_zh()), formula => ind.formula.is_some() },
            as_of => as_of.to_string(), measure => m.as_str(), measure_label => m.label_zh(),
            measures => measures(m), unit => unit, demo => demo, real => real,
            panels => panels, ranking => ranked.iter().map(|(n, v)| context! { name => n, value => v }).collect::<Vec<_>>(),
            ranking_chart => (!ranked.is_empty()).then(|| ranking_chart(&ranking_title, &ranked)),
            ranking_title => ranking_title,
            periods => table_periods.iter().map(label_of).collect::<Vec<_>>(), table => table, href => indicator_href(&ind.name),
            export_xlsx => format!("/api/v1/monitor/export?indicator={}&as_of={as_of}", url_encode(&ind.name)),
            export_csv => format!("/api/v1/monitor/export?indicator={}&as_of={as_of}&format=csv", url_encode(&ind.name)),
        },
    )?
    .into_response())
}

async fn region_page(
    State(state): State<AppState>,
    _auth: Auth,
    page: Page,
    Path(code): Path<String>,
    Query(q): Q,
) -> Result<Response, AppError> {
    let as_of = parse_as_of(q.get("as_of"))?;
    let m = parse_measure(q.get("measure"))?;
    let regions = state.store.monitor_regions().await?;
    let region = regions.get(&code).cloned().ok_or(AppError::NotFound)?;
    let catalogue = state.store.monitor_indicators().await?;
    let series = state.store.monitor_series(None).await?;
    let values = state.store.monitor_values(None).await?;
    let imports = state.store.monitor_imports().await?;
    let rules = stored_rules(&state.store)
        .await?
        .map(|r| r.rules)
        .unwrap_or_default();
    let charts: Vec<minijinja::Value> = catalogue
        .iter()
        .filter_map(|ind| {
            let pts = points(&series, &catalogue, ind, &code, as_of, m);
            if pts.iter().all(|p| p.value.is_none()) {
                return None;
            }
            let unit = if matches!(m, Measure::Yoy | Measure::PeriodYoy) {
                "%"
            } else {
                ind.unit.as_str()
            };
            let lines = rule_lines(&rules, &ind.name, m, &code);
            let provenance = crate::monitor::provenance(&values, &imports, ind, &code, as_of);
            Some(context! {
                name => ind.name, unit => unit, href => indicator_href(&ind.name),
                chart => line_chart(&ind.name, unit, &pts, &lines, false),
                points => pts, lines => lines,
                demo => provenance.demo, real => provenance.real, sources => provenance.sources,
                mixed => provenance.demo && provenance.real, demo_periods => provenance.demo_periods,
            })
        })
        .collect();
    let children: Vec<_> = regions.children(&code).cloned().collect();
    let parent = region
        .parent
        .as_deref()
        .and_then(|p| regions.get(p))
        .cloned();
    Ok(render(
        &state,
        &page,
        "monitor/region.html",
        context! {
            region => region, parent => parent, children => children,
            as_of => as_of.to_string(), measure => m.as_str(), measures => measures(m),
            charts => charts,
        },
    )?
    .into_response())
}

async fn import_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, AppError> {
    let catalogue = state.store.monitor_indicators().await?;
    let ctx = context! {
        indicators => catalogue.iter().filter(|i| i.formula.is_none()).map(|i| context! { name => i.name, frequency => i.frequency.map(|f| f.as_str()) }).collect::<Vec<_>>(),
        max_mb => MAX_UPLOAD_BYTES / 1024 / 1024,
        ..extra
    };
    render_with_status(state, page, status, "monitor/import.html", ctx)
}

async fn import_form(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    import_page(&state, &page, StatusCode::OK, context! {}).await
}

async fn import(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let mut form = crate::upload::read_form(multipart, Some(MAX_UPLOAD_BYTES))
        .await
        .map_err(|e| match e {
            AppError::TooLarge => AppError::TooLargeFor(MAX_UPLOAD_BYTES / 1024 / 1024),
            e => e,
        })?;
    auth.check_csrf(form.text("csrf"))?;
    let spec = UploadSpec::from_fields(|k| form.has(k).then(|| form.text(k).to_string()))?;
    let as_of = parse_as_of(Some(&form.text("as_of").to_string()))?;
    let typed = context! {
        f_format => form.text("format"), f_indicator => form.text("indicator"),
        f_frequency => form.text("frequency"), f_published => form.text("published"),
        f_source => form.text("source"), f_as_of => form.text("as_of"),
    };
    let Some((file_name, bytes)) = form.take_file("upload.csv") else {
        return import_page(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { error => "请选择一个文件（.xlsx 或 .csv）", ..typed },
        )
        .await;
    };
    match import_upload(
        &state.store,
        &spec,
        &file_name,
        &bytes,
        false,
        Some(auth.user.id),
    )
    .await
    {
        Ok(done) => {
            let run = run_rules(&state.store, as_of).await;
            let run_msg = match run {
                Ok(r) => format!(
                    "；按 {} 运行预警规则：{} 条预警，新发出 {} 条",
                    r.as_of,
                    r.found,
                    r.created.len()
                ),
                Err(e) => format!("；预警规则未运行：{e}"),
            };
            let msg = format!(
                "已导入 {}：读取 {} 条，新增 {} 条{run_msg}",
                done.file_name, done.rows_read, done.rows_added
            );
            Ok(Redirect::to(&format!("/monitor?message={}", url_encode(&msg))).into_response())
        }
        Err(Ok(refusal)) => {
            import_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { error => refusal.message, cell => refusal.cell, line => refusal.line, ..typed },
            )
            .await
        }
        Err(Err(e)) => Err(e),
    }
}

async fn alerts(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Q,
) -> Result<Response, AppError> {
    let filter = crate::monitor::state_filter(q.get("state"))?;
    let rows = state.store.monitor_alerts(filter).await?;
    let (names, units) = rule_labels(&state).await?;
    Ok(render(
        &state,
        &page,
        "monitor/alerts.html",
        context! {
            rows => rows, rule_names => names, rule_units => units, f_state => filter.map(alert_state_str).unwrap_or(""),
            is_admin => auth.is_admin(), today => duban_store::deliver::report::today().to_string(),
            message => q.get("message"),
        },
    )?
    .into_response())
}

/// Rule id → its description in the stored rules file (the alert pages name a rule by it; a
/// rule without one, or one since removed, by its id), and rule id → the unit of its
/// measure ("%" for a growth rate).
async fn rule_labels(
    state: &AppState,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, &'static str>), AppError> {
    let Some(file) = duban_app::monitor::stored_rules(&state.store).await? else {
        return Ok(Default::default());
    };
    let units = file
        .rules
        .iter()
        .map(|r| (r.id.clone(), if r.measure.is_percent() { "%" } else { "" }))
        .collect();
    Ok((file.descriptions, units))
}

async fn alert_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = state.store.monitor_alert(id).await?;
    let history = state
        .store
        .audit_entries(Some(&format!("monitor-alert:{id}")), 100)
        .await?;
    let history: Vec<minijinja::Value> = history
        .iter()
        .rev()
        .map(|e| {
            context! {
                at => e.at, actor => e.actor,
                action => duban_core::audit::action_label(&e.action).unwrap_or(&e.action),
            }
        })
        .collect();
    // The stored rules, read once: the rule's name and its condition for this region.
    let rules = duban_app::monitor::stored_rules(&state.store).await?;
    // The 约谈 form offers every unit, the one named like the region first chosen.
    let units = if auth.is_admin() {
        state.store.list_units().await?
    } else {
        Vec::new()
    };
    let default_unit = duban_app::monitor::unit_for_region(&units, &a.region_name)
        .and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| u.code.clone())
        .unwrap_or_default();
    Ok(render(
        &state,
        &page,
        "monitor/alert.html",
        context! {
            a => a, state => alert_state_str(a.state), history => history, is_admin => auth.is_admin(),
            rule_name => rules.as_ref().and_then(|r| r.descriptions.get(&a.rule)),
            condition => rules.as_ref().and_then(|r| {
                r.rules.iter().find(|x| x.id == a.rule).map(|x| x.condition_zh(&a.region))
            }),
            value_unit => rules.as_ref().and_then(|r| r.rules.iter().find(|x| x.id == a.rule))
                .map_or("", |x| if x.measure.is_percent() { "%" } else { "" }),
            region_href => format!("/monitor/regions/{}", a.region),
            indicator_href => indicator_href(&a.indicator),
            units => units, default_unit => default_unit,
            today => duban_store::deliver::report::today().to_string(),
        },
    )?
    .into_response())
}

/// The lifecycle action named in a path, from the fields the form or body sent: `text` (the
/// closing note, or the 约谈记录), and for a 约谈 `held_on` (default today), `held_by`,
/// `attendees` and `unit` (the code of the unit talked to). Returns the action and the
/// unit code.
pub fn alert_action(
    action: &str,
    get: impl Fn(&str) -> Option<String>,
    today: chrono::NaiveDate,
) -> Result<(AlertAction, Option<String>), AppError> {
    let text = || get("text").unwrap_or_default();
    match action {
        "acknowledge" => Ok((AlertAction::Acknowledge, None)),
        "interview" => {
            let held_on = match get("held_on").map(|s| s.trim().to_string()) {
                None => today,
                Some(s) if s.is_empty() => today,
                Some(s) => {
                    duban_io::monitor::parse_date(&s).ok_or_else(|| AppError::InvalidField {
                        field: "held_on".into(),
                        message: format!("约谈日期“{s}”无效（YYYY-MM-DD）"),
                    })?
                }
            };
            let unit = get("unit")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            let record = InterviewRecord {
                held_on,
                held_by: get("held_by").unwrap_or_default(),
                attendees: get("attendees").unwrap_or_default(),
                outcome: text(),
            };
            Ok((AlertAction::Interview { record }, unit))
        }
        "close" => Ok((AlertAction::Close { note: text() }, None)),
        _ => Err(AppError::NotFound),
    }
}

/// Acts on an alert for the office (pages and API): the unit named by its code, the use-case
/// `duban_app::monitor::act_on_alert`.
pub async fn act_on_alert(
    state: &AppState,
    auth: &Auth,
    id: i64,
    action: &AlertAction,
    unit: Option<&str>,
) -> Result<duban_store::monitor::MonitorAlertRow, AppError> {
    let unit_id = match unit {
        None => None,
        Some(code) => Some(
            state
                .store
                .unit_by_code(code)
                .await?
                .ok_or_else(|| AppError::InvalidField {
                    field: "unit".into(),
                    message: format!("单位“{code}”不存在"),
                })?
                .id,
        ),
    };
    Ok(duban_app::monitor::act_on_alert(
        &state.store,
        id,
        action,
        unit_id,
        auth.user.id,
        duban_store::deliver::report::today(),
    )
    .await?)
}

async fn act(
    State(state): State<AppState>,
    auth: Office,
    Path((id, action)): Path<(i64, String)>,
    form: FormFields,
) -> Result<Response, AppError> {
    auth.check_csrf(form.text("csrf"))?;
    let today = duban_store::deliver::report::today();
    let (action, unit) = alert_action(&action, |k| form.get(k).map(str::to_string), today)?;
    let done = act_on_alert(&state, &auth, id, &action, unit.as_deref()).await;
    Ok(super::redirect_back(done, format!("/monitor/alerts/{id}")))
}

/// The "run the rules now" button: the as-of date (absent: today).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RunNowForm {
    csrf: String,
    as_of: Option<String>,
}

async fn run_now(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<RunNowForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let as_of = parse_as_of(form.as_of.as_ref())?;
    let run = run_rules(&state.store, as_of).await?;
    let msg = format!(
        "已按 {} 运行预警规则：{} 条预警，新发出 {} 条",
        run.as_of,
        run.found,
        run.created.len()
    );
    Ok(Redirect::to(&format!("/monitor/alerts?message={}", url_encode(&msg))).into_response())
}

async fn bindings_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Q,
) -> Result<Response, AppError> {
    let plans = state.store.list_plans().await?;
    let plan_id = match q.get("plan").and_then(|p| p.parse::<i64>().ok()) {
        Some(p) => p,
        None => plans.first().map(|p| p.id).ok_or(AppError::NotFound)?,
    };
    let d = state.store.plan_detail(plan_id).await?;
    let bindings = state.store.monitor_bindings(plan_id).await?;
    let catalogue = state.store.monitor_indicators().await?;
    let regions = state.store.monitor_regions().await?;
    let task_number = |task_id: Option<i64>| {
        task_id.and_then(|id| d.tasks.iter().find(|t| t.id == id).map(|t| t.number))
    };
    let mut targets: Vec<_> = d.targets.iter().collect();
    targets.sort_by_key(|t| (t.task_id.is_some(), task_number(t.task_id), t.position));
    let rows: Vec<minijinja::Value> = targets
        .iter()
        .map(|t| {
            let b = bindings.iter().find(|b| b.target_id == t.id);
            context! {
                id => t.id, phrase => t.target.phrase, metric => t.target.metric,
                comparator => t.target.comparator.label_zh(),
                compares => matches!(t.target.comparator, duban_core::Comparator::HigherThan | duban_core::Comparator::InStepWith),
                task => task_number(t.task_id), binding => b,
            }
        })
        .collect();
    Ok(render(
        &state,
        &page,
        "monitor/bindings.html",
        context! {
            plans => plans.iter().map(|p| context! { id => p.id, title => p.title }).collect::<Vec<_>>(),
            plan_id => plan_id, rows => rows, is_admin => auth.is_admin(),
            indicators => catalogue.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
            regions => regions.all(), status_href => format!("/plans/{plan_id}/status"),
        },
    )?
    .into_response())
}

/// The series a form or a JSON body binds a target to: the indicator and region, and
/// optionally a reference series (blank = none).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BindingFields {
    pub indicator: Option<String>,
    pub region: Option<String>,
    pub reference_indicator: Option<String>,
    pub reference_region: Option<String>,
}

/// The binding of target `target_id` that `b` describes (blank reference fields = none).
pub fn binding_of(
    target_id: i64,
    b: &BindingFields,
) -> Result<duban_store::monitor::MonitorBinding, AppError> {
    let f = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let need = |v: &Option<String>, k: &str, label: &str| {
        f(v).ok_or_else(|| AppError::InvalidField {
            field: k.into(),
            message: format!("请选择{label}"),
        })
    };
    Ok(duban_store::monitor::MonitorBinding {
        target_id,
        indicator: need(&b.indicator, "indicator", "指标")?,
        region: need(&b.region, "region", "地区")?,
        reference_indicator: f(&b.reference_indicator),
        reference_region: f(&b.reference_region),
    })
}

/// The binding form of the bindings page: the target, the plan to come back to, and the
/// series (or `remove` to unbind).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BindForm {
    csrf: String,
    target_id: String,
    plan: String,
    remove: Option<String>,
    #[serde(flatten)]
    binding: BindingFields,
}

async fn bind(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<BindForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let target_id: i64 = form
        .target_id
        .parse()
        .map_err(|_| AppError::BadRequest("target_id 无效".into()))?;
    let back = format!("/monitor/bindings?plan={}", url_encode(&form.plan));
    let done = if form.remove.is_some() {
        state.store.remove_monitor_binding(target_id).await
    } else {
        let b = binding_of(target_id, &form.binding)?;
        state.store.set_monitor_binding(&b).await
    };
    Ok(super::redirect_back(done, back))
}

/// The office's rules text as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RulesForm {
    csrf: String,
    body: String,
}

async fn rules_page(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Q,
) -> Result<Response, AppError> {
    let rules = state.store.monitor_rules().await?;
    // The rules as the office reads them: one line each, the 一城一策 regions by name.
    let regions = state.store.monitor_regions().await?;
    let readable: Vec<minijinja::Value> = rules
        .as_ref()
        .and_then(|r| duban_io::monitor::parse_rules(&r.body).ok())
        .map(|file| {
            file.rules
                .iter()
                .map(|r| {
                    let own: Vec<String> = r
                        .region_thresholds
                        .keys()
                        .map(|code| {
                            let name = regions.get(code).map_or(code.as_str(), |x| &x.name);
                            format!("{name}：{}", r.condition_zh(code))
                        })
                        .collect();
                    context! {
                        id => r.id, name => file.descriptions.get(&r.id), indicator => r.indicator,
                        level => r.level.label_zh(), condition => r.condition_zh(""), own => own,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let failures = if auth.is_admin() {
        state
            .store
            .job_failures(crate::oversight::MONITOR_JOB, 10)
            .await?
    } else {
        Vec::new()
    };
    Ok(render(
        &state,
        &page,
        "monitor/rules.html",
        context! { rules => rules, readable => readable, is_admin => auth.is_admin(), message => q.get("message"), failures => failures },
    )?
    .into_response())
}

/// Saves the office's rules text after the CLI's parser and `validate` accept it; an error
/// shows the form again with what was typed.
async fn save_rules(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<RulesForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let body = form.body.replace("\r\n", "\n");
    let invalid = |message: String| {
        AppError::InvalidField {
            field: "body".into(),
            message,
        }
        .with_back("/monitor/rules")
    };
    let parsed = match duban_io::monitor::parse_rules(&body) {
        Ok(p) => p,
        Err(e) => return Ok(invalid(e.to_string())),
    };
    if let Err(e) = duban_core::monitor::validate(&parsed.indicators, &parsed.rules) {
        return Ok(invalid(e.to_string()));
    }
    // 一城一策 bounds for a region the platform does not know would silently never apply.
    let regions = state.store.monitor_regions().await?;
    for rule in &parsed.rules {
        if let Some(code) = rule
            .region_thresholds
            .keys()
            .find(|c| regions.get(c).is_none())
        {
            let shown: String = code.chars().take(20).collect();
            return Ok(invalid(format!(
                "规则 {} 的地区代码“{shown}”不在地区名录中，请核对",
                rule.id
            )));
        }
    }
    state
        .store
        .set_monitor_rules(&body, &parsed.indicators, false, Some(auth.user.id))
        .await?;
    let msg = format!("已保存预警规则：{} 条", parsed.rules.len());
    Ok(Redirect::to(&format!("/monitor/rules?message={}", url_encode(&msg))).into_response())
}
