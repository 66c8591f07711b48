//! Forms never lose work (issue 10): a rejected form comes back filled in with the message
//! next to the field (not a dead-end error page); an evidence upload from inside the report
//! form saves the draft first; a plan is adopted only through its check-list, and can be
//! un-adopted while no report exists.

use axum::http::StatusCode;
use duban_store::plan::PlanState;

use crate::client::{Client, as_refs, form_fields, input_value, set};
use crate::deliver::countable_task;
use crate::{
    app_with_users, login, open_report, period_id, post_escalation_action, post_unit_field,
    seed_plan_id, task_id, unit_id, upload_plan,
};
use duban_web::testing::TestApp;

/// A new draft report of 省发展改革委 for 2020-Q1 on a countable task: its page path, id and
/// the first target's id.
/// Posts the form of report `id` as its page does: `fields` and the version the report is
/// at (a hidden field of the form).
pub(crate) async fn post_report(
    app: &TestApp,
    c: &mut Client,
    id: i64,
    fields: &[(&str, &str)],
) -> crate::client::Resp {
    let version = report_version(app, id).await;
    let mut all = fields.to_vec();
    all.push(("version", &version));
    c.post_csrf(&format!("/reports/{id}"), &all).await
}

async fn report_version(app: &TestApp, id: i64) -> String {
    let r = app.state.store.report(id).await.unwrap();
    r.version.to_string()
}

pub(crate) async fn draft_report(app: &TestApp, rep: &mut Client) -> (String, i64, i64) {
    let plan = seed_plan_id(app).await;
    let (task, _, values) = countable_task(app, plan, "fgw", true).await;
    let q1 = period_id(app, plan, "2020-Q1").await;
    let id = open_report(rep, task, q1, unit_id(app, "fgw").await).await;
    (format!("/reports/{id}"), id, values[0].0)
}

/// A save on a version someone else changed first is not lost either: the form comes back
/// (409) at the newer version with what was typed, and saving again succeeds.
#[tokio::test]
async fn a_stale_report_save_comes_back_with_what_was_typed() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let (_, id, t0) = draft_report(&app, &mut rep).await;
    let key = format!("value_{t0}");
    let stale = app
        .state
        .store
        .report(id)
        .await
        .unwrap()
        .version
        .to_string();
    let r = crate::forms::post_report(&app, &mut rep, id, &[("progress", "先保存的内容")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = rep
        .post_csrf(
            &format!("/reports/{id}"),
            &[
                ("progress", "后来者填写的进展"),
                (&key, "1500"),
                ("then", "save"),
                ("version", &stale),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("id=\"report-form\""), "{}", r.body);
    assert!(r.body.contains("页面已更新为最新版本"));
    // The form shows the version saved first (a second save cannot silently undo it);
    // what was typed is listed beside it, nothing lost.
    let form = r.body.split("id=\"report-form\"").nth(1).unwrap();
    let form = form.split("</form>").next().unwrap();
    assert!(form.contains(">先保存的内容</textarea>"), "{form}");
    assert!(!form.contains("value=\"1500\""));
    let unsaved = r.body.split("id=\"unsaved-input\"").nth(1).unwrap();
    let unsaved = unsaved.split("</section>").next().unwrap();
    assert!(
        unsaved.contains("后来者填写的进展") && unsaved.contains("1500"),
        "{unsaved}"
    );
    assert_eq!(r.body.matches("未保存：").count(), 1, "said once");
    assert_eq!(
        app.state.store.report(id).await.unwrap().progress,
        "先保存的内容"
    );
    // The page carries the newer version: saving from it goes through.
    let current = app
        .state
        .store
        .report(id)
        .await
        .unwrap()
        .version
        .to_string();
    assert!(
        r.body
            .contains(&format!("name=\"version\" value=\"{current}\"")),
        "{}",
        r.body
    );
}

/// Sent meanwhile from another window: the report can no longer be edited, and what was
/// typed in this one is still shown, to copy.
#[tokio::test]
async fn a_save_after_the_report_was_sent_elsewhere_keeps_what_was_typed() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let (_, id, _) = draft_report(&app, &mut rep).await;
    let stale = report_version(&app, id).await;
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[("progress", "另一个窗口报送的进展"), ("then", "submit")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = rep
        .post_csrf(
            &format!("/reports/{id}"),
            &[
                ("progress", "这个窗口写了一半的进展"),
                ("then", "save"),
                ("version", &stale),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let unsaved = r
        .body
        .split("id=\"unsaved-input\"")
        .nth(1)
        .expect("the typed text");
    assert!(unsaved.contains("这个窗口写了一半的进展"), "{unsaved}");
    assert!(unsaved.contains("不能修改"));
}

#[tokio::test]
async fn a_rejected_report_comes_back_with_what_was_typed() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let (_, id, t0) = draft_report(&app, &mut rep).await;
    let key = format!("value_{t0}");
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "一季度完成立项审批，开工两处"),
            ("problems", "征地进度偏慢"),
            ("next_steps", "二季度全面开工"),
            (&key, "三十"),
            ("then", "save"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The page is the form, not a dead end; everything typed is there.
    assert!(r.body.contains("id=\"report-form\""), "{}", r.body);
    assert!(!r.body.contains("id=\"error-back\""));
    assert!(r.body.contains("一季度完成立项审批，开工两处"));
    assert!(r.body.contains("征地进度偏慢"));
    assert!(r.body.contains("二季度全面开工"));
    assert!(r.body.contains("value=\"三十\""));
    // The message sits next to the field it is about.
    assert!(
        r.body.contains(&format!("data-field=\"{key}\"")),
        "{}",
        r.body
    );
    assert!(r.body.contains("不是数字"));
    // Nothing was saved.
    assert_eq!(app.state.store.report(id).await.unwrap().progress, "");
    // Correcting the value saves the same text.
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "一季度完成立项审批，开工两处"),
            (&key, "30"),
            ("then", "save"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = app.state.store.report(id).await.unwrap();
    assert_eq!(saved.progress, "一季度完成立项审批，开工两处");
    assert_eq!(saved.value_of(t0).and_then(|v| v.value), Some(30.0));
}

#[tokio::test]
async fn returning_without_a_comment_shows_the_review_form_again() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let mut office = login(&app, "admin").await;
    let (path, id, t0) = draft_report(&app, &mut rep).await;
    let r = crate::forms::post_report(
        &app,
        &mut rep,
        id,
        &[
            ("progress", "推进中"),
            (&format!("value_{t0}"), "5"),
            ("then", "submit"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post_csrf(&format!("{path}/return"), &[("comment", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"review\""), "{}", r.body);
    assert!(r.body.contains("id=\"return-text\""));
    assert!(r.body.contains("data-field=\"comment\""), "{}", r.body);
    assert!(r.body.contains("必须填写理由"));
    assert_eq!(
        app.state.store.report(id).await.unwrap().state.as_str(),
        "submitted"
    );
}

#[tokio::test]
async fn a_rejected_task_edit_keeps_the_typed_fields() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let t = task_id(&app, plan, 13).await;
    let mut c = login(&app, "admin").await;
    let before = app.state.store.task(t).await.unwrap();
    let mut f = form_fields(&c.get(&format!("/tasks/{t}/edit")).await.body, "task-form");
    set(&mut f, "title", "改写后的任务标题（未保存）");
    set(&mut f, "body", "改写后的条文内容");
    set(&mut f, "deadline", "2020-02-30");
    let r = c.post_form(&format!("/tasks/{t}/edit"), &as_refs(&f)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"task-form\""), "{}", r.body);
    assert!(r.body.contains("改写后的任务标题（未保存）"));
    assert!(r.body.contains("改写后的条文内容"));
    assert!(r.body.contains("id=\"form-error\""));
    assert_eq!(app.state.store.task(t).await.unwrap().title, before.title);
}

/// Uploads `file` (or none) from the report form at `path` with only 进展情况 typed.
async fn upload_with_text(
    rep: &mut Client,
    path: &str,
    version: &str,
    progress: &str,
    file: Option<(&str, &[u8])>,
) -> crate::client::Resp {
    let csrf = rep.csrf.clone();
    rep.post_multipart(
        &format!("{path}/evidence"),
        &[
            ("csrf", &csrf),
            ("version", version),
            ("progress", progress),
        ],
        file,
    )
    .await
}

#[tokio::test]
async fn an_evidence_upload_saves_the_typed_draft_first() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let (path, id, t0) = draft_report(&app, &mut rep).await;
    let page = rep.get(&path).await;
    // The upload button belongs to the report form.
    assert!(page.body.contains("form=\"report-form\""));
    let version = input_value(&page.body, "version").expect("version field");
    let key = format!("value_{t0}");
    let csrf = rep.csrf.clone();
    let r = rep
        .post_multipart(
            &format!("{path}/evidence"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("progress", "上传佐证前写下的进展"),
                ("problems", "暂无"),
                (&key, "12"),
            ],
            Some(("佐证.pdf", b"%PDF-1.4 evidence")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = app.state.store.report(id).await.unwrap();
    assert_eq!(saved.progress, "上传佐证前写下的进展");
    assert_eq!(saved.problems, "暂无");
    assert_eq!(saved.value_of(t0).and_then(|v| v.value), Some(12.0));
    assert_eq!(app.state.store.report_evidence(id).await.unwrap().len(), 1);
    let page = rep.get(&path).await;
    assert!(page.body.contains("上传佐证前写下的进展"));

    // An invalid value: the form comes back filled in and no file is stored.
    let version = input_value(&page.body, "version").expect("version field");
    let r = rep
        .post_multipart(
            &format!("{path}/evidence"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("progress", "第二次填写的进展"),
                (&key, "十二"),
            ],
            Some(("佐证2.pdf", b"%PDF-1.4 evidence 2")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"report-form\""));
    assert!(r.body.contains("第二次填写的进展"));
    assert!(r.body.contains("value=\"十二\""));
    assert_eq!(app.state.store.report_evidence(id).await.unwrap().len(), 1);
    assert_eq!(
        app.state.store.report(id).await.unwrap().progress,
        "上传佐证前写下的进展"
    );

    // No file chosen: the draft is saved and the page says so, not a dead end.
    let r = upload_with_text(&mut rep, &path, &version, "没选文件时写下的进展", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = rep.get(r.location()).await;
    assert!(
        page.body.contains("填写的内容已保存为草稿；未选择文件"),
        "{}",
        page.body
    );
    assert!(page.body.contains("没选文件时写下的进展"));
    assert_eq!(
        app.state.store.report(id).await.unwrap().progress,
        "没选文件时写下的进展"
    );
    // Sizes read as people read them.
    assert!(page.body.contains("17 字节"), "{}", page.body);

    // A program is refused on the form, with what was typed saved and shown.
    let version = input_value(&page.body, "version").expect("version field");
    let program = Some(("工具.exe", &b"MZ\x90\x00"[..]));
    let r = upload_with_text(&mut rep, &path, &version, "附上程序前写下的进展", program).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"report-form\""), "{}", r.body);
    assert!(r.body.contains("是程序或脚本文件"));
    assert!(r.body.contains("附上程序前写下的进展"));
    // The banner says what happened: the text was saved, the file was not.
    assert!(r.body.contains("未完成："), "{}", r.body);
    assert!(r.body.contains("（填写的内容已保存为草稿）"));
    // The same file twice is refused, and a picture named .pdf too.
    let version = input_value(&r.body, "version").expect("version field");
    let again = Some(("再传一次.pdf", &b"%PDF-1.4 evidence"[..]));
    let r = upload_with_text(&mut rep, &path, &version, "再传一次", again).await;
    assert!(r.body.contains("内容相同，无需重复上传"), "{}", r.body);
    let version = input_value(&r.body, "version").expect("version field");
    let png = Some(("伪装.pdf", &b"\x89PNG\r\n\x1a\n.."[..]));
    let r = upload_with_text(&mut rep, &path, &version, "伪装", png).await;
    assert!(r.body.contains("实为PNG 图片"), "{}", r.body);
    assert_eq!(app.state.store.report_evidence(id).await.unwrap().len(), 1);
}

/// Sets the seed plan's year through the plan edit form ("" clears it).
async fn set_year(c: &mut Client, plan: i64, year: &str) {
    let mut f = form_fields(
        &c.get(&format!("/plans/{plan}/edit")).await.body,
        "plan-form",
    );
    set(&mut f, "year", year);
    let r = c
        .post_form(&format!("/plans/{plan}/edit"), &as_refs(&f))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_plan_without_a_year_cannot_be_adopted() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    set_year(&mut c, plan, "").await;
    assert_eq!(app.state.store.plan(plan).await.unwrap().year, None);
    let overview = c.get(&format!("/plans/{plan}")).await;
    assert!(
        overview
            .body
            .contains(&format!("href=\"/plans/{plan}/adopt\""))
    );
    let page = c.get(&format!("/plans/{plan}/adopt")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"adopt-problems\""), "{}", page.body);
    assert!(page.body.contains("计划未设年份"));
    assert!(!page.body.contains("id=\"adopt-confirm\""));
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"adopt-problems\""));
    assert!(r.body.contains("计划未设年份"));
    assert_eq!(
        app.state.store.plan(plan).await.unwrap().state,
        PlanState::Draft
    );
    // Not through the store either.
    let admin = app
        .state
        .store
        .user_by_name("admin")
        .await
        .unwrap()
        .unwrap();
    assert!(app.state.store.adopt_plan(plan, admin.id).await.is_err());
    // Fixed, the check-list is clear and adoption works.
    set_year(&mut c, plan, "2020").await;
    let page = c.get(&format!("/plans/{plan}/adopt")).await;
    assert!(page.body.contains("id=\"adopt-confirm\""), "{}", page.body);
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.state.store.plan(plan).await.unwrap().state,
        PlanState::Adopted
    );
    // Once adopted, the year cannot be cleared; the edit form comes back filled in.
    let mut f = form_fields(
        &c.get(&format!("/plans/{plan}/edit")).await.body,
        "plan-form",
    );
    set(&mut f, "year", "");
    set(&mut f, "issuer", "改过的印发单位");
    set(&mut f, "reason", "误填");
    let r = c
        .post_form(&format!("/plans/{plan}/edit"), &as_refs(&f))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"plan-form\""));
    assert!(r.body.contains("改过的印发单位"));
    assert!(r.body.contains("误填"));
    assert_eq!(app.state.store.plan(plan).await.unwrap().year, Some(2020));
}

#[tokio::test]
async fn a_task_deadline_outside_the_year_is_listed() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let t = task_id(&app, plan, 13).await;
    let mut c = login(&app, "admin").await;
    let mut f = form_fields(&c.get(&format!("/tasks/{t}/edit")).await.body, "task-form");
    set(&mut f, "deadline", "2021-03-31");
    let r = c.post_form(&format!("/tasks/{t}/edit"), &as_refs(&f)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("2021-03-31 不在计划年度 2020 年内"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn unadopt_while_no_report_exists() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Not for a reporter.
    let mut rep = login(&app, "rep_fgw").await;
    let r = rep.post_csrf(&format!("/plans/{plan}/unadopt"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let overview = c.get(&format!("/plans/{plan}")).await;
    assert!(overview.body.contains("id=\"unadopt\""));
    let r = c.post_csrf(&format!("/plans/{plan}/unadopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = app.state.store.plan(plan).await.unwrap();
    assert_eq!(p.state, PlanState::Draft);
    assert_eq!(p.adopted_at, None);
    crate::assert_audited_about(&app, &format!("plan:{plan}"), &["plan.unadopt"]).await;
    // Adopted again, then a report exists: un-adopting is refused.
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    draft_report(&app, &mut rep).await;
    let r = c.post_csrf(&format!("/plans/{plan}/unadopt"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("不能撤销通过"));
    assert_eq!(
        app.state.store.plan(plan).await.unwrap().state,
        PlanState::Adopted
    );
}

#[tokio::test]
async fn unit_aliases_match_plan_names_and_kinds_are_editable() {
    let app = app_with_users().await;
    let fgw = app.state.store.unit_by_code("fgw").await.unwrap().unwrap();
    let count = app.state.store.list_units().await.unwrap().len();
    let mut c = login(&app, "admin").await;
    let r = post_unit_field(&mut c, fgw.id, "alias", "省发改委").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Back on the list, the change is confirmed once.
    let page = c.get(r.location()).await;
    assert!(page.body.contains("已添加别名。"), "{}", page.body);
    let page = c.get("/admin/units").await;
    assert!(page.body.contains("省发改委"));
    assert!(!page.body.contains("done-notice"));
    // A plan naming the unit by its alias (or with stray spaces) links the existing unit.
    for name in ["省发改委", " 省发展改革委 "] {
        let u = app.state.store.unit_for_name(name).await.unwrap();
        assert_eq!(u.id, fgw.id, "{name}");
    }
    assert_eq!(app.state.store.list_units().await.unwrap().len(), count);
    // An alias that already names a unit is refused.
    let r = post_unit_field(&mut c, fgw.id, "alias", "省发改委").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Kinds are editable (office only).
    let r = post_unit_field(&mut c, fgw.id, "kind", "city").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.get(r.location()).await.body.contains("已修改单位类型。"));
    assert_eq!(
        app.state.store.unit(fgw.id).await.unwrap().kind,
        duban_core::UnitKind::City
    );
    let mut rep = login(&app, "rep_fgw").await;
    let r = post_unit_field(&mut rep, fgw.id, "kind", "department").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.state.store.unit(fgw.id).await.unwrap().kind,
        duban_core::UnitKind::City
    );
}

#[tokio::test]
async fn unmatched_units_of_an_upload_are_offered_for_review() {
    let app = app_with_users().await;
    let fgw = app.state.store.unit_by_code("fgw").await.unwrap().unwrap();
    let swt = app.state.store.unit_by_code("swt").await.unwrap().unwrap();
    let mut c = login(&app, "admin").await;
    let r = post_unit_field(&mut c, fgw.id, "alias", "省发改委").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = app.state.store.list_units().await.unwrap().len();
    let doc = "2021年某市服务业发展工作要点\n\n一、强化规划引领\n\n1.编制服务业专项规划\n完成3项专项规划编制。（牵头单位：省发改委、各区、县级市政府）\n\n2.推进消费升级\n社会消费品零售总额增长8%以上。（牵头单位：市新设服务局）\n";
    let plan = upload_plan(&app, &mut c, "p.txt", doc).await;
    let d = app.state.store.plan_detail(plan).await.unwrap();
    let leads = |n: i64| -> Vec<String> {
        let t = d.tasks.iter().find(|t| t.number == n).unwrap();
        d.task_assignments(t.id)
            .map(|a| a.unit_name.clone())
            .collect()
    };
    // The alias matched; "各区、县级市政府" is one unit.
    assert_eq!(leads(1), ["省发展改革委", "各区、县级市政府"]);
    assert_eq!(leads(2), ["市新设服务局"]);
    let review: Vec<String> = app
        .state
        .store
        .units_to_review()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(review, ["各区、县级市政府", "市新设服务局"]);
    assert_eq!(
        app.state.store.list_units().await.unwrap().len(),
        before + 2
    );
    // Listed for review, and adoption waits for it.
    let page = c.get("/admin/units").await;
    assert!(page.body.contains("id=\"units-review\""));
    let r = c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("市新设服务局"), "{}", r.body);
    // Merge one into an existing unit, keep the other as a county-level unit.
    let units = app.state.store.units_to_review().await.unwrap();
    let r = c
        .post_csrf(
            &format!("/admin/units/{}/merge", units[1].id),
            &[("into", &swt.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_csrf(
            &format!("/admin/units/{}/confirm", units[0].id),
            &[("kind", "county")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.state.store.units_to_review().await.unwrap().is_empty());
    assert_eq!(
        app.state.store.unit(units[0].id).await.unwrap().kind,
        duban_core::UnitKind::County
    );
    let d = app.state.store.plan_detail(plan).await.unwrap();
    let t2 = d.tasks.iter().find(|t| t.number == 2).unwrap();
    let l2: Vec<i64> = d.task_assignments(t2.id).map(|a| a.unit_id).collect();
    assert_eq!(l2, [swt.id]);
    // The merged name now means that unit.
    assert_eq!(
        app.state
            .store
            .unit_for_name("市新设服务局")
            .await
            .unwrap()
            .id,
        swt.id
    );
    let problems = app.state.store.adoption_problems(plan).await.unwrap();
    assert!(
        problems.iter().all(|p| !p.contains("尚未核对")),
        "{problems:?}"
    );
}

/// Posts the 新建用户 form with `fields` as a browser does from /admin/users (with the
/// Referer the form replay goes back to).
async fn new_user_from_its_page(
    app: &TestApp,
    c: &mut Client,
    fields: &[(&str, &str)],
) -> crate::client::Resp {
    let csrf = c.csrf.clone();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let referer = format!("{}/admin/users", app.base);
    c.send(
        axum::http::Method::POST,
        "/admin/users",
        Some("application/x-www-form-urlencoded"),
        &[("Referer", &referer)],
        crate::client::encode_form(&all).into_bytes(),
    )
    .await
}

#[tokio::test]
async fn without_a_named_page_the_form_it_came_from_is_shown_again() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let r = new_user_from_its_page(
        &app,
        &mut c,
        &[
            ("name", "新来的科员"),
            ("role", "bogus"),
            ("password", "secret-password-1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"form-error\""), "{}", r.body);
    assert!(r.body.contains("角色无效"));
    assert!(r.body.contains("value=\"新来的科员\""));
    assert!(!r.body.contains("secret-password-1"));
    // Without the Referer it stays the error page (nothing to go back to).
    let r = c
        .post_csrf("/admin/users", &[("name", "新来的科员"), ("role", "bogus")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error\""));
    // A Referer the text guard would refuse (NUL in its query) is not shown again either:
    // the page is never rendered from text no request could send.
    let csrf = c.csrf.clone();
    let referer = format!("{}/search?q=%00", app.base);
    let r = c
        .send(
            axum::http::Method::POST,
            "/admin/users",
            Some("application/x-www-form-urlencoded"),
            &[("Referer", &referer)],
            crate::client::encode_form(&[("csrf", &csrf), ("name", "x"), ("role", "bogus")])
                .into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error\""), "{}", r.body);
}

/// The office manages accounts on the web as with `duban user`: a refused new user comes back
/// with what was typed; 停用 ends the user's access and 启用 restores it; 重置密码 follows the
/// password policy; the office cannot disable itself.
#[tokio::test]
async fn the_office_disables_enables_and_resets_accounts_on_the_web() {
    let app = app_with_users().await;
    let mut admin = login(&app, "admin").await;
    let r = new_user_from_its_page(
        &app,
        &mut admin,
        &[
            ("name", "新来的科员"),
            ("role", "viewer"),
            ("password", "12345678"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"新来的科员\""), "{}", r.body);
    assert!(!r.body.contains("12345678"));

    let viewer = app
        .state
        .store
        .user_by_name("viewer")
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post_csrf(&format!("/admin/users/{}/disable", viewer.id), &[])
        .await;
    assert_eq!(r.location(), "/admin/users?done=disabled");
    let page = admin.get(r.location()).await;
    assert!(page.body.contains("已停用") && page.body.contains("id=\"done-notice\""));
    let mut v = Client::new(&app);
    let refused = v.try_login("viewer", "viewer-password").await;
    assert_ne!(
        refused.status,
        StatusCode::SEE_OTHER,
        "a disabled user cannot log in"
    );
    admin
        .post_csrf(&format!("/admin/users/{}/enable", viewer.id), &[])
        .await;
    let r = admin
        .post_csrf(
            &format!("/admin/users/{}/password", viewer.id),
            &[("password", "password")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a common password"
    );
    let r = admin
        .post_csrf(
            &format!("/admin/users/{}/password", viewer.id),
            &[("password", "新的口令-2026-春")],
        )
        .await;
    assert_eq!(r.location(), "/admin/users?done=password");
    let again = v.try_login("viewer", "新的口令-2026-春").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);

    let me = app
        .state
        .store
        .user_by_name("admin")
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post_csrf(&format!("/admin/users/{}/disable", me.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_empty_escalation_response_shows_its_form_again() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut admin = crate::bearer(&app, "admin").await;
    let r = admin
        .post_json(
            &format!("/api/v1/plans/{plan}/escalations/run"),
            &serde_json::json!({"as_of": "2020-05-15"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut api = crate::bearer(&app, "rep_fgw").await;
    let id = api.get("/api/v1/escalations").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let mut web = login(&app, "rep_fgw").await;
    let r = post_escalation_action(&mut web, id, "respond", "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"respond-form\""), "{}", r.body);
    assert!(r.body.contains("id=\"form-error\""));
}
