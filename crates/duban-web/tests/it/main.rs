//! Integration tests: the real app on 127.0.0.1:0, its own database per test (SQLite, or
//! PostgreSQL when DUBAN_TEST_DATABASE_URL is set), driven over real sockets.

mod api;
mod auth;
mod client;
mod deliver;
mod evaluation;
mod forms;
mod golden;
mod lights;
mod metrics;
mod monitor;
mod muni;
mod numbers;
mod openapi_drift;
mod oversight;
mod pages;
mod publish;
mod reads;
mod roles;
mod route_access;
mod security;
mod security_files;
mod security_text;
mod workspace;

use client::{Client, Resp};
use duban_store::deliver::report::{ReportActor, ReportContent, ReportKey};
use duban_store::user::Role;
use duban_web::testing::{TestApp, spawn_app};

/// The seeded app with one user per role: `admin`, `viewer`, `rep_fgw` (reporter of
/// 省发展改革委), `rep_swt` (reporter of 省商务厅). Passwords are `{name}-password`.
pub async fn app_with_users() -> TestApp {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    app.add_user("viewer", Role::Viewer, None).await;
    app.add_user("rep_fgw", Role::Reporter, Some("fgw")).await;
    app.add_user("rep_swt", Role::Reporter, Some("swt")).await;
    app
}

/// The app of [`app_with_users`] with the labelled demo reports (示例数据) loaded, and the
/// seed plan's id.
pub async fn app_with_demo() -> (TestApp, i64) {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    duban_web::demo::load_demo(&app.state.store).await.unwrap();
    (app, plan)
}

pub async fn login(app: &TestApp, name: &str) -> Client {
    let mut c = Client::new(app);
    c.login(name, &format!("{name}-password")).await;
    c
}

/// A client authenticated by a fresh API token of user `user` (no session).
pub async fn bearer(app: &TestApp, user: &str) -> Client {
    let (_, secret) = app.state.store.create_token(user, "test").await.unwrap();
    let mut c = Client::new(app);
    c.bearer = Some(secret);
    c
}

/// The seed plan's id.
pub async fn seed_plan_id(app: &TestApp) -> i64 {
    app.state.store.list_plans().await.unwrap()[0].id
}

/// The id of task `number` of plan `plan_id`.
pub async fn task_id(app: &TestApp, plan_id: i64, number: i64) -> i64 {
    let d = app.state.store.plan_detail(plan_id).await.unwrap();
    d.tasks
        .iter()
        .find(|t| t.number == number)
        .expect("task")
        .id
}

/// The id of unit `code`.
pub async fn unit_id(app: &TestApp, code: &str) -> i64 {
    app.state
        .store
        .unit_by_code(code)
        .await
        .unwrap()
        .expect("unit")
        .id
}

/// The id of period `key` (`2020-Q1`) of plan `plan_id` (its periods made when missing).
pub async fn period_id(app: &TestApp, plan_id: i64, key: &str) -> i64 {
    let periods = app.state.store.ensure_periods(plan_id).await.unwrap();
    periods.iter().find(|p| p.key == key).expect("period").id
}

/// Posts the form `/reports/new` for (task, period, unit) as `c`; the response as it is.
pub async fn post_new_report(c: &mut Client, task: i64, period: i64, unit: i64) -> client::Resp {
    c.post_csrf(
        "/reports/new",
        &[
            ("task_id", &task.to_string()),
            ("period_id", &period.to_string()),
            ("unit_id", &unit.to_string()),
        ],
    )
    .await
}

/// Opens the draft report of (task, period, unit) through the form `/reports/new` as `c`:
/// the redirect to the report's page is checked; the report's id.
pub async fn open_report(c: &mut Client, task: i64, period: i64, unit: i64) -> i64 {
    let r = post_new_report(c, task, period, unit).await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.body);
    let page = r
        .location()
        .strip_prefix("/reports/")
        .expect("the report's page");
    // `?done=carried` when it starts from last period's text.
    page.split('?').next().unwrap().parse().unwrap()
}

/// Uploads the plan document `text` as file `name` through the form `/plans` as `c`: the
/// redirect to its review is checked; the new plan's id (the largest).
pub async fn upload_plan(app: &TestApp, c: &mut Client, name: &str, text: &str) -> i64 {
    let csrf = c.csrf.clone();
    let r = c
        .post_multipart("/plans", &[("csrf", &csrf)], Some((name, text.as_bytes())))
        .await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.body);
    let plans = app.state.store.list_plans().await.unwrap();
    plans.iter().map(|p| p.id).max().unwrap()
}

/// Posts `value` to the form of unit `unit` that sets `field` (`alias`, `kind`) as `c`.
pub async fn post_unit_field(c: &mut Client, unit: i64, field: &str, value: &str) -> Resp {
    c.post_csrf(&format!("/admin/units/{unit}/{field}"), &[(field, value)])
        .await
}

/// Creates the draft report `key` with `progress` straight through the store as `by`: its id.
pub async fn draft_report_in_store(
    store: &duban_store::Store,
    key: ReportKey,
    progress: &str,
    by: &ReportActor,
) -> i64 {
    let content = ReportContent {
        progress: progress.into(),
        ..Default::default()
    };
    store.create_report(key, &content, by).await.unwrap().0
}

/// Creates the report `key` with `progress` straight through the store as `by` and submits
/// it: its id.
pub async fn submit_report_in_store(
    store: &duban_store::Store,
    key: ReportKey,
    progress: &str,
    by: &ReportActor,
) -> i64 {
    let id = draft_report_in_store(store, key, progress, by).await;
    duban_app::report::act(store, id, &duban_core::report::ReportAction::Submit, by)
        .await
        .unwrap();
    id
}

/// Posts `action` (`respond`, `close`) with `text` on the 督办事项 `id` through its form as `c`.
pub async fn post_escalation_action(c: &mut Client, id: i64, action: &str, text: &str) -> Resp {
    c.post_csrf(&format!("/escalations/{id}/{action}"), &[("text", text)])
        .await
}

/// Panics unless each of `actions` (`task.merge`) is among the last 1000 entries of the
/// audit chain.
pub async fn assert_audited(app: &TestApp, actions: &[&str]) {
    assert_in_audit(app, None, 1000, actions).await;
}

/// Panics unless each of `actions` is among the last 50 audit entries about `subject`
/// (`plan:3`, `monitor-alert:7`).
pub async fn assert_audited_about(app: &TestApp, subject: &str, actions: &[&str]) {
    assert_in_audit(app, Some(subject), 50, actions).await;
}

async fn assert_in_audit(app: &TestApp, subject: Option<&str>, last: i64, actions: &[&str]) {
    let log = app.state.store.audit_entries(subject, last).await.unwrap();
    let logged: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in actions {
        assert!(logged.contains(a), "{a} is not audited: {logged:?}");
    }
}

/// A small plan document in the style of the seed (for upload tests).
pub const SMALL_PLAN: &str = "2021年某市服务业发展工作要点\n\n一、强化规划引领\n\n1.编制服务业专项规划\n完成3项专项规划编制，新建50个社区服务中心。\n\n2.推进消费升级\n社会消费品零售总额增长8%以上。\n\n二、优化营商环境\n\n3.深化放管服改革\n培育10家以上服务业领军企业。\n";
