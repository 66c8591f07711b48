//! The deliver workflow over the API and the pages: periods, draft → submit → return →
//! resubmit → accept, the light changing with it (and not before the as-of date of its
//! acceptance), another unit's reporter refused, the lock and the reopen reason, several
//! lead units, evidence files, the calendar editor, and the demo data.

use axum::http::StatusCode;
use duban_core::Comparator;
use serde_json::{Value, json};

use crate::client::{Client, Resp};
use crate::{
    app_with_demo, app_with_users, bearer, draft_report_in_store, login, open_report, period_id,
    seed_plan_id, submit_report_in_store, unit_id,
};
use duban_web::testing::TestApp;

/// A draft report of 省发展改革委 for 2020-Q1 on a countable task of the seed plan, made
/// through the API (`rep_fgw`'s token) with `progress`: its id.
pub(crate) async fn api_draft(app: &TestApp, progress: &str) -> i64 {
    let plan = seed_plan_id(app).await;
    let (_, number, _) = countable_task(app, plan, "fgw", true).await;
    let mut rep = bearer(app, "rep_fgw").await;
    let r = rep
        .post_json(
            "/api/v1/reports",
            &json!({"plan_id": plan, "task": number, "period": "2020-Q1", "progress": progress}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// A quarterly task whose first lead is `unit` and whose targets all count up to a number,
/// with the values that achieve every target (×1.1).
pub(crate) async fn countable_task(
    app: &TestApp,
    plan_id: i64,
    unit: &str,
    sole_lead: bool,
) -> (i64, i64, Vec<(i64, f64)>) {
    let d = app.state.store.plan_detail(plan_id).await.unwrap();
    for t in &d.tasks {
        let leads: Vec<_> = d
            .task_assignments(t.id)
            .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
            .collect();
        if leads.first().map(|a| a.unit_code.as_str()) != Some(unit)
            || (sole_lead && leads.len() != 1)
        {
            continue;
        }
        let targets: Vec<_> = d.task_targets(t.id).collect();
        if !targets.is_empty()
            && targets.iter().all(|x| {
                matches!(
                    x.target.comparator,
                    Comparator::AtLeast | Comparator::Equal | Comparator::Reach
                ) && x.target.value.is_some_and(|v| v > 0.0)
            })
        {
            let values = targets
                .iter()
                .map(|x| (x.id, x.target.value.unwrap() * 1.1))
                .collect();
            return (t.id, t.number, values);
        }
    }
    panic!("no countable task led by {unit}");
}

/// Posts `action` (`submit`, `accept`, `return`, `reopen`) on report `id` over the API.
async fn report_action(c: &mut Client, id: i64, action: &str, body: Value) -> Resp {
    c.post_json(&format!("/api/v1/reports/{id}/{action}"), &body, &[])
        .await
}

/// The due date of period 2020-Q2 of plan `plan` as stored.
async fn q2_due(app: &TestApp, plan: i64) -> String {
    let periods = app.state.store.stored_periods(plan).await.unwrap();
    let q2 = periods.iter().find(|p| p.key == "2020-Q2").unwrap();
    q2.due.to_string()
}

async fn task_light(c: &mut Client, plan_id: i64, number: i64, as_of: &str) -> (String, Value) {
    let r = c
        .get(&format!("/api/v1/plans/{plan_id}/status?as_of={as_of}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json();
    assert_eq!(s["method"], "duban.status/3");
    let t = s["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == number)
        .unwrap()
        .clone();
    (t["light"].as_str().unwrap().to_string(), t)
}

#[tokio::test]
async fn periods_have_working_day_due_dates() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = bearer(&app, "viewer").await;
    let r = c.get(&format!("/api/v1/plans/{id}/periods")).await;
    assert_eq!(r.status, StatusCode::OK);
    let ps = r.json();
    let q = |k: &str| {
        ps.as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == k)
            .cloned()
            .unwrap()
    };
    // Q1 ends Tue 03-31; 04-04..06 清明 → 5th working day is 04-08.
    assert_eq!(q("2020-Q1")["due"], "2020-04-08");
    assert_eq!(q("2020-Q1")["start"], "2020-01-01");
    assert_eq!(q("2020-Q2")["due"], "2020-07-07");
    // National Day holiday to 10-08, make-up Saturday 10-10 counts.
    assert_eq!(q("2020-Q3")["due"], "2020-10-14");
    assert!(q("2020-Q4")["id"].as_i64().is_some());
    // Unknown plan: the JSON error shape.
    let r = c.get("/api/v1/plans/999999/periods").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn report_workflow_over_the_api_changes_the_light() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (task_id, number, values) = countable_task(&app, plan, "fgw", true).await;
    let mut rep = bearer(&app, "rep_fgw").await;
    let mut other = bearer(&app, "rep_swt").await;
    let mut office = bearer(&app, "admin").await;
    let today = duban_store::deliver::report::today().to_string();

    // Nothing reported: at 2020-07-15 the Q1 and Q2 reports are missing and nothing was
    // ever reported → red (duban.status/2; it was yellow under duban.status/1), and it
    // stays red years later (no "按黄灯计" after years of silence).
    let (before, _) = task_light(&mut office, plan, number, "2020-07-15").await;
    assert_eq!(before, "red");
    let (before_today, _) = task_light(&mut office, plan, number, &today).await;
    assert_eq!(before_today, "red");

    let vals = |factor: f64| -> Value {
        Value::Array(
            values
                .iter()
                .map(|(id, v)| json!({"target_id": id, "value": v * factor}))
                .collect(),
        )
    };
    let draft = json!({
        "plan_id": plan, "task": number, "period": "2020-Q2",
        "progress": "上半年完成情况良好", "problems": "无", "next_steps": "继续推进",
        "values": vals(0.5),
    });
    // Another unit's reporter cannot file for fgw.
    let mut foreign = draft.clone();
    foreign["unit"] = json!("fgw");
    let r = other.post_json("/api/v1/reports", &foreign, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "forbidden");

    let r = rep.post_json("/api/v1/reports", &draft, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let report = r.json();
    let id = report["id"].as_i64().unwrap();
    assert_eq!(report["state"], "draft");
    assert_eq!(report["unit"], "fgw");
    assert_eq!(report["period"], "2020-Q2");
    assert_eq!(report["values"].as_array().unwrap().len(), values.len());
    assert_eq!(report["values"][0]["as_of"], "2020-06-30");

    // Only the report's own unit may submit; the office may not submit for it.
    let r = report_action(&mut other, id, "submit", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = report_action(&mut office, id, "submit", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = report_action(&mut rep, id, "submit", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "submitted");
    // A reporter cannot accept; a submitted report cannot be edited.
    let r = report_action(&mut rep, id, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = rep.post_json("/api/v1/reports", &draft, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Submitted values do not move the light (still nothing accepted: red).
    assert_eq!(task_light(&mut office, plan, number, &today).await.0, "red");

    // Return needs a comment.
    let r = report_action(&mut office, id, "return", json!({"comment": "  "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = report_action(
        &mut office,
        id,
        "return",
        json!({"comment": "请补充全年数据"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let returned = r.json();
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["review_comment"], "请补充全年数据");
    assert_eq!(returned["reviewed_by"], "admin");

    // The unit fixes the values (saved into the returned report: 200) and resubmits.
    let mut fixed = draft.clone();
    fixed["values"] = vals(1.0);
    fixed["progress"] = json!("上半年已完成全年目标");
    let r = rep.post_json("/api/v1/reports", &fixed, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["id"], id);
    assert_eq!(r.json()["state"], "returned");
    let r = report_action(&mut rep, id, "submit", json!({})).await;
    assert_eq!(r.json()["state"], "submitted");
    // An acceptance may carry a 审核意见 (optional): kept as the review comment.
    let r = report_action(
        &mut office,
        id,
        "accept",
        json!({"comment": " 数据已核实 "}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let accepted = r.json();
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["reviewed_by"], "admin");
    assert_eq!(accepted["review_comment"], "数据已核实");
    assert!(accepted["reviewed_at"].as_str().is_some());

    // The light changes: every target achieved → blue today …
    let (after, t) = task_light(&mut office, plan, number, &today).await;
    assert_eq!(after, "blue", "{t}");
    for target in t["targets"].as_array().unwrap() {
        assert_eq!(target["light"], "blue");
        assert_eq!(target["progress"], 1.0);
        assert_eq!(target["method"], "duban.status/3");
    }
    // … but replaying 2020-07-15 ignores a value accepted years later (nothing known
    // then: red, as before the report).
    assert_eq!(
        task_light(&mut office, plan, number, "2020-07-15").await.0,
        "red"
    );
    let _ = task_id;

    // Accepted reports are locked; reopening needs a reason.
    let r = rep.post_json("/api/v1/reports", &fixed, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = report_action(&mut office, id, "reopen", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = report_action(&mut office, id, "reopen", json!({"reason": "数据口径更正"})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["state"], "returned");
    // Reopened: the value no longer counts (nothing accepted, reports overdue: red).
    assert_eq!(task_light(&mut office, plan, number, &today).await.0, "red");

    // History: two submitted versions and every transition stamped.
    let versions = app.state.store.report_versions(id).await.unwrap();
    assert_eq!(versions.len(), 2);
    let actions: Vec<String> = app
        .state
        .store
        .report_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "create", "submit", "return", "edit", "submit", "accept", "reopen"
        ]
    );

    // Reopened, it is back with its unit: viewers do not read it (access::can_read_report);
    // bad input gets the JSON error shape.
    let mut viewer = bearer(&app, "viewer").await;
    let r = viewer.get(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer.post_json("/api/v1/reports", &draft, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = rep
        .post_json(
            "/api/v1/reports",
            &json!({"plan_id": plan, "task": 999, "period": "2020-Q2"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.error_message().contains("999"), "{}", r.body);
    let r = rep
        .get(&format!("/api/v1/plans/{plan}/status?as_of=2020-02-30"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_value_for_a_foreign_target_or_a_non_lead_unit_is_refused() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (_, number, _) = countable_task(&app, plan, "fgw", true).await;
    let mut rep = bearer(&app, "rep_fgw").await;
    let r = rep
        .post_json(
            "/api/v1/reports",
            &json!({"plan_id": plan, "task": number, "period": "2020-Q1", "values": [{"target_id": 987654, "value": 1}]}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // swt does not lead this task.
    let mut swt = bearer(&app, "rep_swt").await;
    let r = swt
        .post_json(
            "/api/v1/reports",
            &json!({"plan_id": plan, "task": number, "period": "2020-Q1"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(app.state.store.plan_reports(plan).await.unwrap().is_empty());
}

#[tokio::test]
async fn pages_journey_with_evidence_history_and_dashboard() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (task_id, number, values) = countable_task(&app, plan, "fgw", true).await;
    let mut rep = login(&app, "rep_fgw").await;
    let mut office = login(&app, "admin").await;

    let inbox = rep.get("/deliver").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("id=\"duties\""));
    let q1_id = period_id(&app, plan, "2020-Q1").await;
    let unit_fgw = unit_id(&app, "fgw").await;
    let (q1, unit) = (q1_id.to_string(), unit_fgw.to_string());
    let swt_unit = unit_id(&app, "swt").await.to_string();
    let tid = task_id.to_string();
    // Acting for another unit from the form: 403.
    let r = rep
        .post_csrf(
            "/reports/new",
            &[
                ("task_id", &tid),
                ("period_id", &q1),
                ("unit_id", &swt_unit),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the CSRF token: refused.
    let r = rep
        .post_form(
            "/reports/new",
            &[("task_id", &tid), ("period_id", &q1), ("unit_id", &unit)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let id = open_report(&mut rep, task_id, q1_id, unit_fgw).await;
    let path = format!("/reports/{id}");
    let page = rep.get(&path).await;
    assert!(page.body.contains("id=\"report-form\""));

    // A malformed number is refused with the target named; nothing saved.
    let (t0, v0) = values[0];
    let key0 = format!("value_{t0}");
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "一季度推进"),
            (&key0, "三百五十"),
            ("then", "save"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是数字"));
    // Save and submit in one go.
    let quarter = format!("{}", v0 * 0.3);
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "一季度推进顺利"),
            ("problems", "无"),
            ("next_steps", "加快"),
            (&key0, &quarter),
            ("then", "submit"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The page after the save says what happened.
    assert_eq!(r.location(), format!("/reports/{id}?done=submitted"));
    let done = rep.get(r.location()).await;
    assert!(done.body.contains("id=\"done-notice\""), "{}", done.body);
    assert!(done.body.contains("已保存并报送"));
    assert_eq!(
        app.state.store.report(id).await.unwrap().state.as_str(),
        "submitted"
    );

    // Evidence: refused once submitted (locked for the unit until returned).
    let r = rep
        .post_multipart(
            &format!("{path}/evidence"),
            &[("csrf", &rep.csrf.clone())],
            Some(("说明.pdf", b"%PDF-1.4 test")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // The office returns it with a comment; the page shows the comment.
    let review = office.get(&path).await;
    assert!(review.body.contains("id=\"accept-report\""));
    // The reviewer sees each value beside its target; a plausible value is not flagged.
    let values_table = review.body.split("id=\"report-values\"").nth(1).unwrap();
    assert!(
        values_table.contains("<span class=\"muted\">目标："),
        "{values_table}"
    );
    assert!(!values_table.contains("implausible"));
    let r = office
        .post_csrf(&format!("{path}/return"), &[("comment", "请上传佐证材料")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = rep.get(&path).await;
    assert!(page.body.contains("请上传佐证材料"));

    // Evidence upload while returned; served as an attachment with the sniffed type.
    let csrf = rep.csrf.clone();
    let r = rep
        .post_multipart(
            &format!("{path}/evidence"),
            &[("csrf", &csrf)],
            Some(("佐证.pdf", b"%PDF-1.4 test evidence")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = rep.get(r.location()).await;
    assert!(
        after.body.contains("佐证材料已上传"),
        "the upload is confirmed"
    );
    let ev = app.state.store.report_evidence(id).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].content_type, "application/pdf");
    let r = office.get(&format!("/evidence/{}", ev[0].id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(r.body, "%PDF-1.4 test evidence");

    // Fix and resubmit, then accept.
    let full = format!("{}", v0 * 0.6);
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "一季度推进顺利，已补充数据来源"),
            (&key0, &full),
            ("then", "submit"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = office
        .post_csrf(
            &format!("{path}/accept"),
            &[("comment", "同意，请按计划推进")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("{path}?done=accept"));
    let page = office.get(r.location()).await;
    assert!(page.body.contains("data-state=\"accepted\""));
    assert!(
        page.body.contains("id=\"done-notice\""),
        "the acceptance is confirmed"
    );
    assert!(
        page.body.contains("审核意见：同意，请按计划推进"),
        "the acceptance comment is shown"
    );
    let inbox = rep.get("/messages").await;
    assert!(
        inbox
            .body
            .contains("报告已审核通过。\n意见：同意，请按计划推进"),
        "the unit hears of the acceptance with its comment"
    );
    assert!(page.body.contains("id=\"reopen-report\""));
    // Version diff: the second version shows the changed line.
    assert!(
        page.body
            .contains("class=\"insert\">进展情况：一季度推进顺利，已补充数据来源"),
        "diff shown"
    );
    // Reopen without a reason: refused, nothing changes.
    let r = office
        .post_csrf(&format!("{path}/reopen"), &[("comment", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was typed: the page does not claim to have kept it.
    assert!(r.body.contains("（请填写后重新提交）"), "{}", r.body);
    assert!(!r.body.contains("已保留您填写的内容"));
    let r = office
        .post_csrf(
            &format!("{path}/reopen"),
            &[("comment", "  "), ("note", "x")],
        )
        .await;
    assert!(r.body.contains("已保留您填写的内容"), "{}", r.body);

    // The task page: lights, trend table, history with diff.
    let task_page = rep
        .get(&format!("/tasks/{task_id}/deliver?as_of=2020-04-30"))
        .await;
    assert_eq!(task_page.status, StatusCode::OK);
    assert!(task_page.body.contains("id=\"report-grid\""));
    assert!(task_page.body.contains("trend-table"));
    // Replayed before the acceptance, the accepted value is listed but marked as not
    // counted (the light above says 尚无报送数值); today it counts and is charted.
    let later = rep.get(&format!("/tasks/{task_id}/deliver")).await;
    let marks = |body: &str| body.matches(">未计入</span>").count();
    assert!(
        marks(&task_page.body) > marks(&later.body),
        "{}",
        task_page.body
    );
    assert!(later.body.contains("class=\"chart trend\""));
    assert!(task_page.body.contains("第 2 版"));
    // Dashboard with replay, ranking and overdue list; methods page.
    let dash = office
        .get(&format!("/plans/{plan}/status?as_of=2020-07-15"))
        .await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("id=\"ranking\"") && dash.body.contains("id=\"method-version\""));
    assert!(dash.body.contains(&format!("data-number=\"{number}\"")));
    let r = office
        .get(&format!("/plans/{plan}/status?as_of=yesterday"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let m = Client::new(&app).get("/methods/status").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("<table>") && m.body.contains("序时进度"));
    let inbox = office.get("/deliver").await;
    assert!(inbox.body.contains("id=\"review-queue\""));
}

#[tokio::test]
async fn several_lead_units_each_file_their_part() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let d = app.state.store.plan_detail(plan).await.unwrap();
    let task = d
        .tasks
        .iter()
        .find(|t| {
            let leads: Vec<_> = d
                .task_assignments(t.id)
                .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
                .map(|a| a.unit_code.as_str())
                .collect();
            leads.len() > 1 && leads[0] == "fgw" && leads.contains(&"swt")
        })
        .expect("a task led by fgw and swt");
    for (user, text) in [("rep_fgw", "发改委部分"), ("rep_swt", "商务厅部分")] {
        let mut c = bearer(&app, user).await;
        let r = c
            .post_json(
                "/api/v1/reports",
                &json!({"plan_id": plan, "task": task.number, "period": "2020-Q1", "progress": text}),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let r = report_action(&mut c, id, "submit", json!({})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let mut fgw = login(&app, "rep_fgw").await;
    let page = fgw.get(&format!("/tasks/{}/deliver", task.id)).await;
    let consolidated = &page.body[page
        .body
        .find("id=\"consolidated\"")
        .expect("consolidated view")..];
    // Another unit's part shows once accepted (access::can_read_report); the office sees all.
    assert!(consolidated.contains("发改委部分") && !consolidated.contains("商务厅部分"));
    let mut office = login(&app, "admin").await;
    let page = office.get(&format!("/tasks/{}/deliver", task.id)).await;
    assert!(page.body.contains("发改委部分") && page.body.contains("商务厅部分"));
    let duties = app.state.store.report_duties(plan).await.unwrap();
    let q1: Vec<_> = duties
        .iter()
        .filter(|x| x.task_id == task.id && x.period_key == "2020-Q1")
        .collect();
    assert!(q1.len() > 1);
    assert_eq!(q1[0].lead_rank, 0);
    assert_eq!(q1[0].unit_code, "fgw");
}

#[tokio::test]
async fn the_office_edits_the_calendar_and_due_dates_follow() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut rep = login(&app, "rep_fgw").await;
    assert_eq!(
        rep.get("/admin/calendar").await.status,
        StatusCode::FORBIDDEN
    );
    let mut office = login(&app, "admin").await;
    let page = office.get("/admin/calendar").await;
    assert_eq!(page.status, StatusCode::OK);
    let bad = "year 2020 confirmed 测试\nholiday 2020-13-01 坏日期\n";
    let r = office.post_csrf("/admin/calendar", &[("body", bad)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("第2行"),
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    assert!(app.state.store.calendar_override().await.unwrap().is_none());
    // The shipped text with a local holiday on 2020-07-01 added to the 2020 block: Q2's
    // due date moves by a working day.
    let shipped = duban_core::calendar::CHINA_CALENDAR_DATA;
    let pos = shipped.find("year 2021").expect("2021 block");
    let text = format!(
        "{}holiday 2020-07-01 地方假日\n{}",
        &shipped[..pos],
        &shipped[pos..]
    );
    let r = office
        .post_csrf("/admin/calendar", &[("body", &text)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        &r.body[..r.body.len().min(500)]
    );
    assert!(app.state.store.calendar_override().await.unwrap().is_some());
    assert_eq!(q2_due(&app, plan).await, "2020-07-08");
    // Back to the shipped calendar.
    let r = office.post_csrf("/admin/calendar", &[("reset", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(q2_due(&app, plan).await, "2020-07-07");
}

#[tokio::test]
async fn demo_data_shows_every_colour_and_is_idempotent() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let out = duban_web::demo::load_demo(&app.state.store).await.unwrap();
    assert!(
        matches!(
            out,
            duban_web::demo::DemoOutcome::Loaded { reports: 12, .. }
        ),
        "{out:?}"
    );
    assert_eq!(
        duban_web::demo::load_demo(&app.state.store).await.unwrap(),
        duban_web::demo::DemoOutcome::AlreadyLoaded
    );
    let reports = app.state.store.plan_reports(plan).await.unwrap();
    assert_eq!(reports.len(), 12);
    assert!(
        reports
            .iter()
            .all(|r| r.demo && r.progress.contains("示例数据"))
    );
    assert!(
        reports
            .iter()
            .any(|r| r.state.as_str() == "returned" && r.review_comment.is_some())
    );
    let status = duban_app::status::plan_status(
        &app.state.store,
        plan,
        chrono::NaiveDate::from_ymd_opt(2020, 7, 15).unwrap(),
    )
    .await
    .unwrap();
    let lights: std::collections::BTreeSet<&str> =
        status.tasks.iter().map(|(_, r)| r.light.as_str()).collect();
    for l in ["blue", "green", "yellow", "red", "grey"] {
        assert!(lights.contains(l), "{l} missing from {lights:?}");
    }
    let mut office = login(&app, "admin").await;
    let dash = office
        .get(&format!("/plans/{plan}/status?as_of=2020-07-15"))
        .await;
    // The demo plan shows one notice: its banner (which says the reports are 示例数据).
    assert!(dash.body.contains("id=\"demo-banner\""));
    assert!(!dash.body.contains("id=\"demo-notice\""));
    let esc = app
        .state
        .store
        .list_escalations(&Default::default(), 100)
        .await;
    assert!(
        esc.map(|v| !v.is_empty()).unwrap_or(false),
        "demo escalations raised"
    );
}

/// 批量审核通过 (issue 10): the office ticks several submitted reports and accepts them at
/// once; a report no longer waiting is skipped and counted; units hear of each acceptance;
/// reporters cannot use it; nothing ticked is a clear 422.
#[tokio::test]
async fn the_office_accepts_several_reports_at_once() {
    use duban_core::report::ReportState;
    let (app, plan) = app_with_demo().await;
    // Two fresh reports of 省发展改革委, submitted.
    let s = &app.state.store;
    let fgw = s.unit_by_code("fgw").await.unwrap().unwrap();
    let rep_user = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let by = duban_store::deliver::report::ReportActor::of(&rep_user).unwrap();
    let duties = s.report_duties(plan).await.unwrap();
    let mut fresh = Vec::new();
    for d in duties
        .iter()
        .filter(|d| d.unit_id == fgw.id && d.report_id.is_none())
        .take(2)
    {
        let key = duban_store::deliver::report::ReportKey {
            task_id: d.task_id,
            period_id: d.period_id,
            unit_id: fgw.id,
        };
        fresh.push(submit_report_in_store(s, key, "按计划推进", &by).await);
    }
    assert_eq!(fresh.len(), 2);
    let reports = s.plan_reports(plan).await.unwrap();
    let waiting: Vec<&duban_store::deliver::report::ReportRow> =
        reports.iter().filter(|r| fresh.contains(&r.id)).collect();
    let done = reports
        .iter()
        .find(|r| r.state == ReportState::Accepted)
        .expect("an accepted demo report");
    let mut office = login(&app, "admin").await;
    let page = office.get("/deliver").await;
    assert!(page.body.contains("id=\"batch-accept-form\""));
    let (a, b) = (waiting[0].id.to_string(), waiting[1].id.to_string());
    let done_id = done.id.to_string();

    let mut rep = login(&app, "rep_fgw").await;
    let r = rep
        .post_csrf("/reports/batch-accept", &[("report", &a)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = office.post_csrf("/reports/batch-accept", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = office
        .post_csrf(
            "/reports/batch-accept",
            &[("report", &a), ("report", &b), ("report", &done_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/deliver?accepted=2&skipped=1");
    for id in [waiting[0].id, waiting[1].id] {
        let r = app.state.store.report(id).await.unwrap();
        assert_eq!(r.state, ReportState::Accepted);
    }
    let page = office.get(r.location()).await;
    assert!(page.body.contains("已审核通过 2 份；1 份已不在待审核状态"));
    let unit_inbox = app
        .state
        .store
        .inbox(0, Some(waiting[0].unit_id), "reporter", 200)
        .await
        .unwrap();
    assert!(unit_inbox.iter().any(|i| i.event == "report.accepted"));
}

/// A new report starts from the unit's report of the previous period on the same task
/// (issue 10): texts carried over, figures not.
#[tokio::test]
async fn a_new_report_starts_from_the_previous_period() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (task_id, _, _) = countable_task(&app, plan, "fgw", true).await;
    let s = &app.state.store;
    let unit = unit_id(&app, "fgw").await;
    let mut rep = login(&app, "rep_fgw").await;
    let q1 = period_id(&app, plan, "2020-Q1").await;
    let q1 = open_report(&mut rep, task_id, q1, unit).await;
    let rep_user = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let by = duban_store::deliver::report::ReportActor::of(&rep_user).unwrap();
    let content = duban_store::deliver::report::ReportContent {
        progress: "一季度完成规划初稿".into(),
        problems: "部分数据尚未汇总".into(),
        next_steps: "二季度征求意见".into(),
        ..Default::default()
    };
    s.save_report(q1, None, &content, &by).await.unwrap();
    let q2 = period_id(&app, plan, "2020-Q2").await;
    let r = crate::post_new_report(&mut rep, task_id, q2, unit).await;
    assert!(r.location().ends_with("?done=carried"), "{}", r.location());
    // The page says the text is last period's, to be updated.
    let page = rep.get(r.location()).await;
    assert!(page.body.contains("已沿用本单位上期报告的文字"));
    let q2: i64 = r.location()[9..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = s.report(q2).await.unwrap();
    assert_eq!(r.progress, "一季度完成规划初稿");
    assert_eq!(r.problems, "部分数据尚未汇总");
    assert_eq!(r.next_steps, "二季度征求意见");
    assert!(r.values.is_empty(), "figures are not carried");
}

/// The home per role (issue 10): a reporter sees what is due now (due within 20 days,
/// overdue or returned) and the other periods folded away; the office sees the review queue
/// with the reports submitted since its previous sign-in marked 新, the overdue reports
/// counted per plan (as of each plan's own date), and the 督办事项 waiting for it.
#[tokio::test]
async fn each_role_lands_on_what_it_has_to_do() {
    let (app, plan) = app_with_demo().await;
    let s = &app.state.store;

    // The office signs in once; then a unit submits a report; then the office comes back.
    let _first = login(&app, "admin").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let fgw = s.unit_by_code("fgw").await.unwrap().unwrap();
    let (rid, by) = new_fgw_report(s, plan, "按计划推进").await;
    duban_app::report::act(s, rid, &duban_core::report::ReportAction::Submit, &by)
        .await
        .unwrap();
    let mut office = login(&app, "admin").await;
    let home = office.get("/deliver").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("id=\"office-today\""));
    let number_after = |body: &str, id: &str| -> usize {
        body.split(&format!("id=\"{id}\">"))
            .nth(1)
            .and_then(|t| t.split('<').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    assert_eq!(
        number_after(&home.body, "new-since"),
        1,
        "one new submission"
    );
    assert_eq!(
        home.body
            .matches("<span class=\"tag new\">新</span>")
            .count(),
        1
    );
    // Overdue as of the demo plan's own date, the same count as its status page.
    let (y, m, d) = duban_web::demo::DEMO_AS_OF;
    let as_of = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let duties = s.report_duties(plan).await.unwrap();
    let (_, overdue) = duban_web::deliver::due_lists(&duties, as_of, 0);
    assert_eq!(number_after(&home.body, "overdue-total"), overdue.len());
    number_after(&home.body, "esc-late");
    number_after(&home.body, "esc-to-close");

    // The reporter: due now above, the rest folded.
    let mut rep = login(&app, "rep_fgw").await;
    let home = rep.get("/deliver").await;
    assert!(home.body.contains("本期待办"));
    let mine: Vec<_> = duties
        .iter()
        .filter(|d| d.unit_id == fgw.id)
        .cloned()
        .collect();
    let now = home.body.matches("class=\"duty-row\"").count();
    let (due, overdue) = duban_web::deliver::due_lists(&mine, as_of, 20);
    let returned = mine
        .iter()
        .filter(|d| d.state == Some(duban_core::report::ReportState::Returned))
        .filter(|d| {
            !due.iter()
                .chain(&overdue)
                .any(|x| x.task_id == d.task_id && x.period_id == d.period_id)
        })
        .count();
    assert_eq!(now, due.len() + overdue.len() + returned);
    assert!(now < mine.len(), "not every period is due now");
    assert!(home.body.contains("id=\"later-duties\""));
}

/// A submission needs its 进展情况 (the application's rule, `duban_app::report::submittable`),
/// checked after the workflow rule: the office submitting is refused for its role first.
#[tokio::test]
async fn a_report_is_submitted_with_its_progress_and_the_role_is_checked_first() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let s = &app.state.store;
    let (rid, by) = new_fgw_report(s, plan, "  ").await;
    let submit = duban_core::report::ReportAction::Submit;
    let office_user = s.user_by_name("admin").await.unwrap().unwrap();
    let office = duban_store::deliver::report::ReportActor::of(&office_user).unwrap();
    assert!(matches!(
        duban_app::report::act(s, rid, &submit, &office).await,
        Err(duban_store::deliver::DeliverError::Workflow(
            duban_core::report::ReportError::RoleNotAllowed { .. }
        ))
    ));
    match duban_app::report::act(s, rid, &submit, &by).await {
        Err(duban_store::deliver::DeliverError::Store(duban_store::StoreError::Invalid(m))) => {
            assert_eq!(m, "请先填写进展情况再报送")
        }
        other => panic!("expected the 进展 rule, got {other:?}"),
    }
    assert_eq!(
        s.report(rid).await.unwrap().state,
        duban_core::report::ReportState::Draft
    );
}

/// A new draft report of 发改委 (fgw) on its first duty without a report, with `progress`;
/// returns the report id and its reporter.
async fn new_fgw_report(
    s: &duban_store::Store,
    plan: i64,
    progress: &str,
) -> (i64, duban_store::deliver::report::ReportActor) {
    let fgw = s.unit_by_code("fgw").await.unwrap().unwrap();
    let rep_user = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let by = duban_store::deliver::report::ReportActor::of(&rep_user).unwrap();
    let duty = s
        .report_duties(plan)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.unit_id == fgw.id && d.report_id.is_none())
        .unwrap();
    let key = duban_store::deliver::report::ReportKey {
        task_id: duty.task_id,
        period_id: duty.period_id,
        unit_id: fgw.id,
    };
    (draft_report_in_store(s, key, progress, &by).await, by)
}

/// Walk 6: a draft plan sets no duties (its tasks and units may still change); the reporter
/// is told why, and the duties appear once the office adopts the plan.
#[tokio::test]
async fn reports_fall_due_once_the_plan_is_adopted() {
    let app = crate::app_with_users().await;
    let plan = crate::seed_plan_id(&app).await;
    let mut rep = crate::login(&app, "rep_fgw").await;
    let page = rep.get("/deliver").await.body;
    assert!(
        !page.contains("class=\"duty-row\""),
        "a draft plan set duties"
    );
    assert!(page.contains("尚未通过（草稿）"));
    let admin = app
        .state
        .store
        .user_by_name("admin")
        .await
        .unwrap()
        .unwrap();
    app.adopt(plan, &admin).await;
    let page = rep.get("/deliver").await.body;
    assert!(page.contains("class=\"duty-row\""));
    assert!(!page.contains("尚未通过（草稿）"));
}

/// Walk 7: a unit sees on its home page how many 督办事项 wait for its feedback.
#[tokio::test]
async fn a_unit_sees_the_escalations_awaiting_its_feedback() {
    let (app, _) = crate::app_with_demo().await;
    let unit = app.state.store.unit_by_code("fgw").await.unwrap().unwrap();
    let raised = app
        .state
        .store
        .list_escalations(
            &duban_store::escalation::EscalationFilter {
                state: Some(duban_core::escalation::EscalationState::Raised),
                unit_id: Some(unit.id),
                ..Default::default()
            },
            500,
        )
        .await
        .unwrap()
        .len();
    assert!(raised > 0, "the demo raises escalations for fgw");
    let page = crate::login(&app, "rep_fgw")
        .await
        .get("/deliver")
        .await
        .body;
    assert!(
        page.contains(&format!("督办事项待反馈 {raised} 件")),
        "{raised}"
    );
}
