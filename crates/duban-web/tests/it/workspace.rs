//! The office's workspace: upload, review, edit, conflicts, adoption and adjustments, bad
//! input that saves nothing, CSRF on writes, the 20 MB limit.

use axum::http::StatusCode;

use crate::client::{Client, Resp, as_refs, form_fields, set};
use crate::{SMALL_PLAN, app_with_users, login, seed_plan_id, task_id, upload_plan};

/// The edit form of task `t` as the page fills it.
async fn task_form(c: &mut Client, t: i64) -> Vec<(String, String)> {
    form_fields(&c.get(&format!("/tasks/{t}/edit")).await.body, "task-form")
}

/// Posts the edit form of task `t`.
async fn save_task(c: &mut Client, t: i64, fields: &[(String, String)]) -> Resp {
    c.post_form(&format!("/tasks/{t}/edit"), &as_refs(fields))
        .await
}

/// How many adjustments of plan `plan` are recorded.
async fn adjustment_count(app: &duban_web::testing::TestApp, plan: i64) -> usize {
    app.state
        .store
        .list_adjustments(Some(plan))
        .await
        .unwrap()
        .len()
}

/// Whether some unit assignment of plan `plan` is still the demo's guess.
async fn has_demo_assignment(app: &duban_web::testing::TestApp, plan: i64) -> bool {
    app.state
        .store
        .plan_assignments(plan)
        .await
        .unwrap()
        .iter()
        .any(|a| a.demo)
}

/// Adopts plan `plan` as `c` (the office); it is adopted then.
async fn adopt(app: &duban_web::testing::TestApp, c: &mut Client, plan: i64) {
    c.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(
        app.state.store.plan(plan).await.unwrap().state,
        duban_store::plan::PlanState::Adopted
    );
}

async fn plan_count(app: &duban_web::testing::TestApp) -> usize {
    app.state.store.list_plans().await.unwrap().len()
}

#[tokio::test]
async fn upload_a_document_then_review_it_with_targets_marked() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let csrf = c.csrf.clone();
    let r = c
        .post_multipart(
            "/plans",
            &[("csrf", &csrf), ("region", "某市")],
            Some(("plan-2021.txt", SMALL_PLAN.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let review = r.location().to_string();
    assert!(review.ends_with("/review"));
    let r = c.get(&review).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("2021年某市服务业发展工作要点"));
    assert!(
        r.body.matches("<mark class=\"target\"").count() >= 1,
        "targets marked in the source"
    );
    let plans = app.state.store.list_plans().await.unwrap();
    assert_eq!(plans.len(), 2, "several plans side by side");
    let new = plans.iter().find(|p| p.title.contains("2021")).unwrap();
    assert_eq!(new.region.as_deref(), Some("某市"));
    assert_eq!(new.state, duban_store::plan::PlanState::Draft);
    let d = app.state.store.plan_detail(new.id).await.unwrap();
    assert_eq!(d.tasks.len(), 3);
}

/// A 任务分解表 kept in Excel is uploaded like any document and lands as a draft plan with its
/// tasks and units.
#[tokio::test]
async fn upload_a_task_table_workbook() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["序号", "重点任务", "牵头单位", "配合单位"],
        ["1", "新增规上工业企业100家", "市经济和信息化局", "市统计局"],
        [
            "2",
            "新开工重大项目50个以上",
            "市发展改革委",
            "各区人民政府",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    ws.write_string(0, 0, "2022年某区重点工作任务分解表")
        .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let app = app_with_users().await;
    let before = plan_count(&app).await;
    let mut c = login(&app, "admin").await;
    let csrf = c.csrf.clone();
    let r = c
        .post_multipart("/plans", &[("csrf", &csrf)], Some(("分解表.xlsx", &bytes)))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(plan_count(&app).await, before + 1);
    let plans = app.state.store.list_plans().await.unwrap();
    let new = plans
        .iter()
        .find(|p| p.title.contains("任务分解表"))
        .unwrap();
    let d = app.state.store.plan_detail(new.id).await.unwrap();
    assert_eq!(d.tasks.len(), 2);
    assert_eq!(d.task_targets(d.tasks[0].id).count(), 1);
}

/// Uploads the `export.json` of plan `id` as a new plan, as `c` (the office): the export
/// and the new plan's id.
async fn copy_plan(app: &duban_web::testing::TestApp, c: &mut Client, id: i64) -> (Resp, i64) {
    let export = c.get(&format!("/plans/{id}/export.json")).await;
    assert_eq!(export.status, StatusCode::OK);
    let copy = upload_plan(app, c, "copy.json", &export.body).await;
    (export, copy)
}

#[tokio::test]
async fn upload_a_plan_json_exported_from_another() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    let (export, copy) = copy_plan(&app, &mut c, id).await;
    let v = export.json();
    assert_eq!(v["schema"], "duban.plan/1");
    assert_eq!(v["tasks"].as_array().unwrap().len(), 30);
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 2);
    let d = app.state.store.plan_detail(copy).await.unwrap();
    assert_eq!(d.tasks.len(), 30);
    assert_eq!(d.pillars.len(), 4);
    let original = app.state.store.plan_detail(id).await.unwrap();
    assert_eq!(d.targets.len(), original.targets.len());
    // The round trip keeps the model.
    let mut a = original.to_model();
    let mut b = d.to_model();
    a.title.clear();
    b.title.clear();
    assert_eq!(a.tasks.len(), b.tasks.len());
    for (x, y) in a.tasks.iter().zip(&b.tasks) {
        assert_eq!(x.targets, y.targets);
        assert_eq!(x.lead_units, y.lead_units);
    }
}

#[tokio::test]
async fn malformed_uploads_show_a_message_and_save_nothing() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let csrf = c.csrf.clone();
    let before = plan_count(&app).await;
    let units_before = app.state.store.list_units().await.unwrap().len();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("broken.json", b"{\"schema\": \"duban.plan/1\", \"title\": ".to_vec()),
        ("wrong-schema.json", br#"{"schema":"other/9","title":"x","issuer":null,"year":null,"headline_targets":[],"pillars":[],"tasks":[]}"#.to_vec()),
        ("empty.txt", b"   ".to_vec()),
        ("notes.txt", "只是一段没有编号任务的文字。".as_bytes().to_vec()),
        ("binary.docx", vec![0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x13]),
    ];
    for (name, bytes) in cases {
        let r = c
            .post_multipart("/plans", &[("csrf", &csrf)], Some((name, &bytes)))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(
            r.body.contains("id=\"upload-error\""),
            "{name}: message on the page"
        );
        assert!(r.body.contains("未保存任何内容"), "{name}");
        assert_eq!(plan_count(&app).await, before, "{name}: nothing saved");
    }
    assert_eq!(
        app.state.store.list_units().await.unwrap().len(),
        units_before
    );
    // No file at all.
    let r = c.post_multipart("/plans", &[("csrf", &csrf)], None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Pasted text that is not a plan comes back in the form, with the region: nothing
    // typed is lost.
    let r = c
        .post_multipart(
            "/plans",
            &[
                ("csrf", &csrf),
                ("pasted", "只是一段<没有>编号任务的文字。"),
                ("region", "宁波市"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains(">只是一段&lt;没有&gt;编号任务的文字。</textarea>")
            && r.body.contains("value=\"宁波市\""),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn uploads_over_20_mb_are_refused_with_413() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let csrf = c.csrf.clone();
    let big = vec![b'a'; 21 * 1024 * 1024];
    let r = c
        .post_multipart("/plans", &[("csrf", &csrf)], Some(("big.txt", &big)))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("20 MB"));
    // The API says the same in JSON.
    c.bearer = None;
    let mut api = crate::bearer(&app, "admin").await;
    let r = api.post_json_bytes("/api/v1/plans", &[], big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");
    assert_eq!(plan_count(&app).await, 1);
}

#[tokio::test]
async fn writes_without_the_csrf_token_are_refused() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 1).await;
    let mut c = login(&app, "admin").await;
    let mut fields = task_form(&mut c, t).await;
    set(&mut fields, "title", "被伪造的标题");
    fields.retain(|(k, _)| k != "csrf");
    let r = save_task(&mut c, t, &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    set(&mut fields, "csrf", "0000");
    let r = save_task(&mut c, t, &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_ne!(app.state.store.task(t).await.unwrap().title, "被伪造的标题");
    for path in [
        format!("/plans/{id}/adopt"),
        "/admin/users".to_string(),
        "/admin/units".to_string(),
    ] {
        let r = c.post_form(&path, &[("csrf", "forged")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.state.store.plan(id).await.unwrap().state,
        duban_store::plan::PlanState::Draft
    );
    let r = c
        .post_multipart(
            "/plans",
            &[("csrf", "forged")],
            Some(("p.txt", crate::SMALL_PLAN.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(plan_count(&app).await, 1);
}

#[tokio::test]
async fn editing_a_task_saves_targets_units_deadline_cadence_and_curve() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 15).await;
    let mut c = login(&app, "admin").await;
    let page = c.get(&format!("/tasks/{t}/edit")).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut f = form_fields(&page.body, "task-form");
    let d = app.state.store.plan_detail(id).await.unwrap();
    let first = d.task_targets(t).next().expect("task 15 has a target").id;
    set(&mut f, "deadline", "2020-12-31");
    set(&mut f, "cadence", "monthly");
    set(&mut f, "unit_mzt", "lead");
    set(&mut f, "unit_hangzhou", "lead");
    set(&mut f, "unit_czt", "co");
    set(&mut f, "leads_separately", "on");
    set(&mut f, &format!("t{first}_curve"), "milestones");
    set(
        &mut f,
        &format!("t{first}_milestones"),
        "2020-06-30=40; 2020-12-31=100",
    );
    set(&mut f, &format!("t{first}_baseline"), "120");
    set(&mut f, "tnew_metric", "示范性居家养老服务中心");
    set(&mut f, "tnew_comparator", "at_least");
    // The unit may be typed after the number, as on the report form.
    set(&mut f, "tnew_value", "20个");
    set(&mut f, "tnew_unit", "个");
    set(&mut f, &format!("t{first}_value"), "5百亿元");
    set(&mut f, &format!("t{first}_unit"), "百亿元");
    let r = save_task(&mut c, t, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = app.state.store.plan_detail(id).await.unwrap();
    let task = d.task(t).unwrap();
    assert_eq!(
        task.deadline.map(|d| d.to_string()).as_deref(),
        Some("2020-12-31")
    );
    assert_eq!(task.cadence, duban_core::period::Cadence::Monthly);
    assert!(task.leads_separately);
    let leads: Vec<&str> = d
        .task_assignments(t)
        .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
        .map(|a| a.unit_code.as_str())
        .collect();
    assert_eq!(leads.len(), 2, "several leads: {leads:?}");
    assert!(
        d.task_assignments(t).all(|a| !a.demo),
        "confirmed by the edit"
    );
    let target = d.targets.iter().find(|x| x.id == first).unwrap();
    assert_eq!(target.curve, duban_core::curve::CurveChoice::Milestones);
    assert_eq!(target.milestones.len(), 2);
    assert_eq!(target.baseline, Some(120.0));
    assert_eq!(
        (target.target.value, target.target.normalized),
        (Some(5.0), Some(5e10)),
        "5 百亿元 by the one multiplier table"
    );
    assert!(
        d.task_targets(t)
            .any(|x| x.target.metric == "示范性居家养老服务中心" && x.target.value == Some(20.0))
    );
    // The task page shows it.
    let page = c.get(&format!("/tasks/{t}")).await;
    assert!(page.body.contains("按节点"));
    assert!(page.body.contains("2020-06-30=40"));
    assert!(page.body.contains("分别牵头"));
    // A draft plan's edits leave no adjustment.
    assert_eq!(adjustment_count(&app, id).await, 0);
}

#[tokio::test]
async fn malformed_task_edits_save_nothing() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 15).await;
    let before = app.state.store.plan_detail(id).await.unwrap();
    let mut c = login(&app, "admin").await;
    let base = task_form(&mut c, t).await;
    let first = before.task_targets(t).next().unwrap().id;
    let bad: Vec<(String, String, &str)> = vec![
        (format!("t{first}_value"), "三百五十".into(), "不是数字"),
        (
            format!("t{first}_baseline"),
            "1,5".into(),
            "“1,5” 中的逗号含义不明确（千位分隔符须每三位一组；小数请用小数点，如 1.5）",
        ),
        (
            format!("t{first}_milestones"),
            "2020-13-40=50".into(),
            "节点",
        ),
        (format!("t{first}_comparator"), "bogus".into(), "比较方式"),
        (
            "deadline".into(),
            "明年".into(),
            "完成时限“明年”无效（格式 YYYY-MM-DD）",
        ),
        ("title".into(), "  ".into(), "标题"),
        ("cadence".into(), "yearly".into(), "报送频次"),
    ];
    for (key, value, needle) in bad {
        let mut f = base.clone();
        set(&mut f, "title", "会被丢弃的新标题");
        set(&mut f, &key, &value);
        let r = save_task(&mut c, t, &f).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}={value}: {}",
            r.body
        );
        assert!(r.body.contains(needle), "{key}: message mentions {needle}");
        let after = app.state.store.plan_detail(id).await.unwrap();
        assert_eq!(after.task(t), before.task(t), "{key}: task unchanged");
        assert_eq!(after.targets, before.targets, "{key}: targets unchanged");
    }
}

#[tokio::test]
async fn the_second_of_two_concurrent_editors_gets_a_conflict() {
    let app = app_with_users().await;
    app.add_user("admin2", duban_store::user::Role::Admin, None)
        .await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 3).await;
    let mut a = login(&app, "admin").await;
    let mut b = login(&app, "admin2").await;
    let fa = task_form(&mut a, t).await;
    let fb = task_form(&mut b, t).await;
    let mut fa = fa;
    set(&mut fa, "title", "甲的标题");
    let r = save_task(&mut a, t, &fa).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut fb = fb;
    set(&mut fb, "title", "乙的标题");
    let r = save_task(&mut b, t, &fb).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("编辑冲突"), "{}", r.body);
    assert!(r.body.contains("未保存"));
    assert!(
        r.body.contains(&format!("tasks&#x2f;{t}&#x2f;edit"))
            || r.body.contains(&format!("/tasks/{t}/edit"))
    );
    assert_eq!(app.state.store.task(t).await.unwrap().title, "甲的标题");
    // Reloading and saving again works.
    let mut fb = task_form(&mut b, t).await;
    set(&mut fb, "title", "乙的标题");
    let r = save_task(&mut b, t, &fb).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.store.task(t).await.unwrap().title, "乙的标题");
}

#[tokio::test]
async fn adoption_freezes_the_plan_and_later_edits_are_adjustments() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 13).await;
    let mut c = login(&app, "admin").await;
    let r = c.post_csrf(&format!("/plans/{id}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&format!("/plans/{id}")).await;
    assert!(page.body.contains("已通过"));
    assert!(!page.body.contains("id=\"adopt\""));
    // Adopting twice is refused.
    let r = c.post_csrf(&format!("/plans/{id}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // An edit without a reason is refused and changes nothing.
    let mut f = task_form(&mut c, t).await;
    assert!(
        f.iter().any(|(k, _)| k == "reason"),
        "the form asks for a reason"
    );
    set(&mut f, "title", "调整后的标题");
    set(&mut f, "reason", "");
    let r = save_task(&mut c, t, &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("调整理由"));
    assert_eq!(adjustment_count(&app, id).await, 0);
    // With a reason it is saved and recorded with who, when, before and after.
    set(&mut f, "reason", "省政府常务会议要求调整");
    let r = save_task(&mut c, t, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let adj = app.state.store.list_adjustments(Some(id)).await.unwrap();
    assert_eq!(adj.len(), 1);
    assert_eq!(adj[0].reason, "省政府常务会议要求调整");
    assert_eq!(adj[0].user_name, "admin");
    assert_eq!(adj[0].task_id, Some(t));
    assert_eq!(adj[0].after["title"], "调整后的标题");
    assert_ne!(adj[0].before["title"], "调整后的标题");
    let page = c.get("/admin/adjustments").await;
    assert!(page.body.contains("省政府常务会议要求调整"));
    assert!(page.body.contains("调整后的标题"));
    // Plan-level edits of an adopted plan are adjustments too.
    let mut f = form_fields(&c.get(&format!("/plans/{id}/edit")).await.body, "plan-form");
    set(&mut f, "region", "浙江省（全省）");
    set(&mut f, "reason", "规范地区名称");
    let r = c
        .post_form(&format!("/plans/{id}/edit"), &as_refs(&f))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(adjustment_count(&app, id).await, 2);
}

#[tokio::test]
async fn the_demo_assignment_is_marked_until_confirmed_and_tasks_link_to_last_year() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    // Upload next year's plan and link its task 1 to the seed's task 1.
    let new_id = upload_plan(&app, &mut c, "p.txt", SMALL_PLAN).await;
    let new_t1 = task_id(&app, new_id, 1).await;
    let old_t1 = task_id(&app, id, 1).await;
    let mut f = form_fields(
        &c.get(&format!("/tasks/{new_t1}/edit")).await.body,
        "task-form",
    );
    set(&mut f, "carried_from", &old_t1.to_string());
    let r = c
        .post_form(&format!("/tasks/{new_t1}/edit"), &as_refs(&f))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("/tasks/{new_t1}")).await;
    assert!(page.body.contains("延续自"));
    assert!(
        page.body.contains(&format!("tasks&#x2f;{old_t1}"))
            || page.body.contains(&format!("/tasks/{old_t1}"))
    );
    // Demo assignment: marked, then confirmed.
    assert!(has_demo_assignment(&app, id).await);
    let r = c
        .post_csrf(&format!("/plans/{id}/confirm-assignment"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!has_demo_assignment(&app, id).await);
    assert!(
        !c.get(&format!("/plans/{id}"))
            .await
            .body
            .contains("id=\"demo-notice\"")
    );
}

/// The shape of a draft plan (issue 10): the office adds a pillar and a task (numbered next),
/// merges one task into another (text, targets and units follow), deletes a task and a
/// pillar (its tasks stay); each step is audited; an adopted plan refuses all of it, and a
/// reporter cannot do any of it.
#[tokio::test]
async fn the_office_adds_merges_and_deletes_tasks_and_pillars_of_a_draft() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let s = &app.state.store;
    let mut c = login(&app, "admin").await;
    let before = s.plan_detail(plan).await.unwrap();
    let n = before.tasks.len() as i64;

    // A reporter cannot change the shape.
    let mut rep = login(&app, "rep_fgw").await;
    let r = rep
        .post_csrf(&format!("/plans/{plan}/tasks/new"), &[("title", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A new pillar and a task in it.
    let r = c
        .post_csrf(
            &format!("/plans/{plan}/pillars/new"),
            &[("heading", "五、强化保障")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    let pillar = d
        .pillars
        .iter()
        .find(|p| p.heading == "五、强化保障")
        .unwrap()
        .id;
    let r = c
        .post_csrf(
            &format!("/plans/{plan}/tasks/new"),
            &[
                ("pillar_id", &pillar.to_string()),
                ("title", "建立服务业统计监测制度"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    let added = d
        .tasks
        .iter()
        .find(|t| t.title == "建立服务业统计监测制度")
        .unwrap();
    assert_eq!(added.number, n + 1, "numbered after the last task");
    assert_eq!(added.pillar_id, Some(pillar));
    let r = c
        .post_csrf(&format!("/plans/{plan}/tasks/new"), &[("title", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Merge task 2 into task 1: its targets and units follow, task 2 is gone.
    let t1 = d.tasks.iter().find(|t| t.number == 1).unwrap().id;
    let t2 = d.tasks.iter().find(|t| t.number == 2).unwrap().id;
    let targets = d.task_targets(t1).count() + d.task_targets(t2).count();
    let units: std::collections::BTreeSet<i64> = d
        .task_assignments(t1)
        .chain(d.task_assignments(t2))
        .map(|a| a.unit_id)
        .collect();
    let r = c
        .post_csrf(&format!("/tasks/{t2}/merge"), &[("into", &t1.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    assert!(d.tasks.iter().all(|t| t.id != t2));
    assert_eq!(d.task_targets(t1).count(), targets);
    let merged_units: std::collections::BTreeSet<i64> =
        d.task_assignments(t1).map(|a| a.unit_id).collect();
    assert_eq!(merged_units, units);

    // Delete needs the confirmation box; then the task goes.
    let r = c
        .post_csrf(&format!("/tasks/{}/delete", added.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_csrf(
            &format!("/tasks/{}/delete", added.id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Deleting a pillar keeps its tasks.
    let first_pillar = d.pillars[0].id;
    let in_first = d
        .tasks
        .iter()
        .filter(|t| t.pillar_id == Some(first_pillar))
        .count();
    let r = c
        .post_csrf(&format!("/plans/{plan}/pillars/{first_pillar}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = s.plan_detail(plan).await.unwrap();
    assert_eq!(
        d.tasks.len() as i64,
        n - 1,
        "one merged away, one added and deleted"
    );
    assert_eq!(
        d.tasks.iter().filter(|t| t.pillar_id.is_none()).count(),
        in_first
    );

    crate::assert_audited(
        &app,
        &[
            "pillar.create",
            "task.create",
            "task.merge",
            "task.delete",
            "pillar.delete",
        ],
    )
    .await;

    // An adopted plan is frozen.
    adopt(&app, &mut c, plan).await;
    let r = c
        .post_csrf(
            &format!("/plans/{plan}/tasks/new"),
            &[("title", "晚到的任务")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("计划已通过"), "{}", r.body);
}

/// Splitting a task and moving targets (issue 10): the new task takes the ticked targets,
/// the units and the pillar; a target moves to another task or to the plan's headline
/// targets; a target of another task cannot be split off; all audited; a reporter may not.
#[tokio::test]
async fn the_office_splits_a_task_and_moves_targets() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let s = &app.state.store;
    let mut c = login(&app, "admin").await;
    let d = s.plan_detail(plan).await.unwrap();
    // A task with at least two targets.
    let task = d
        .tasks
        .iter()
        .find(|t| d.task_targets(t.id).count() >= 2)
        .unwrap();
    let targets: Vec<i64> = d.task_targets(task.id).map(|t| t.id).collect();
    let other = d.tasks.iter().find(|t| t.id != task.id).unwrap();
    let foreign = d.task_targets(other.id).map(|t| t.id).next();

    let mut rep = login(&app, "rep_fgw").await;
    let r = rep
        .post_csrf(
            &format!("/tasks/{}/split", task.id),
            &[("split_title", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let page = c.get(&format!("/tasks/{}/edit", task.id)).await;
    assert!(
        page.body.contains("id=\"split-form\""),
        "split form offered"
    );
    assert!(
        page.body.contains("id=\"move-targets\""),
        "move forms offered"
    );

    if let Some(f) = foreign {
        let r = c
            .post_csrf(
                &format!("/tasks/{}/split", task.id),
                &[("split_title", "拆出的任务"), ("target", &f.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("不属于被拆分的任务"), "{}", r.body);
    }
    let r = c
        .post_csrf(
            &format!("/tasks/{}/split", task.id),
            &[
                ("split_title", "拆出的任务"),
                ("target", &targets[1].to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    let new = d.tasks.iter().find(|t| t.title == "拆出的任务").unwrap();
    assert_eq!(new.pillar_id, task.pillar_id);
    assert_eq!(
        d.task_targets(new.id).map(|t| t.id).collect::<Vec<_>>(),
        vec![targets[1]]
    );
    assert_eq!(d.task_targets(task.id).count(), targets.len() - 1);
    let units = |id: i64| {
        d.task_assignments(id)
            .map(|a| (a.unit_id, a.role.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(units(new.id), units(task.id), "same units and roles");

    // Move it back, then to the plan's headline targets.
    let r = c
        .post_csrf(
            &format!("/targets/{}/move", targets[1]),
            &[("to", &task.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    assert_eq!(
        d.task_targets(task.id).last().map(|t| t.id),
        Some(targets[1]),
        "moved to the end of the task"
    );
    let r = c
        .post_csrf(&format!("/targets/{}/move", targets[0]), &[("to", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = s.plan_detail(plan).await.unwrap();
    assert!(d.task_targets(task.id).all(|t| t.id != targets[0]));
    assert!(
        d.targets
            .iter()
            .any(|t| t.id == targets[0] && t.task_id.is_none()),
        "now a headline target"
    );
    let actions: Vec<String> = s
        .audit_entries(None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "task.split"));
    assert!(actions.iter().any(|a| a == "target.move"));

    // Frozen once adopted.
    adopt(&app, &mut c, plan).await;
    let r = c
        .post_csrf(
            &format!("/targets/{}/move", targets[1]),
            &[("to", &new.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The review page shows the document's item tree (issue 11): every numbered item with its
/// level, the items that became tasks marked, and the reader's structure notes.
#[tokio::test]
async fn the_review_page_shows_the_item_tree() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    let page = c.get(&format!("/plans/{plan}/review")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"outline\""));
    let items = page.body.matches("<li class=\"depth-").count();
    let tasks = page.body.matches("<span class=\"tag\">任务 ").count();
    assert_eq!(tasks, 30, "the seed's 30 tasks are marked in the tree");
    assert!(items >= 30, "{items} items");
}

/// Probe (issue 9): ids of another plan cannot be used — a target of plan A is not moved
/// into a task of plan B, a task of A is not split with B's targets; bad ids are 4xx, never
/// 500; without the token nothing moves.
#[tokio::test]
async fn probe_moves_and_splits_stay_inside_their_plan() {
    let app = app_with_users().await;
    let a = seed_plan_id(&app).await;
    let s = &app.state.store;
    let mut c = login(&app, "admin").await;
    let (_, b) = copy_plan(&app, &mut c, a).await;
    let (da, db) = (
        s.plan_detail(a).await.unwrap(),
        s.plan_detail(b).await.unwrap(),
    );
    let ta = da
        .tasks
        .iter()
        .find(|t| da.task_targets(t.id).count() >= 1)
        .unwrap();
    let target_a = da.task_targets(ta.id).next().unwrap().id;
    let tb = db
        .tasks
        .iter()
        .find(|t| db.task_targets(t.id).count() >= 1)
        .unwrap();
    let target_b = db.task_targets(tb.id).next().unwrap().id;

    let r = c
        .post_csrf(
            &format!("/targets/{target_a}/move"),
            &[("to", &tb.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = c
        .post_csrf(
            &format!("/tasks/{}/split", ta.id),
            &[("split_title", "越界"), ("target", &target_b.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for (path, fields) in [
        ("/targets/999999/move".to_string(), vec![("to", "")]),
        (format!("/targets/{target_a}/move"), vec![("to", "999999")]),
        (
            format!("/targets/{target_a}/move"),
            vec![("to", "x; DROP TABLE target")],
        ),
        (
            "/tasks/999999/split".to_string(),
            vec![("split_title", "x")],
        ),
        (
            format!("/tasks/{}/split", ta.id),
            vec![("split_title", "x"), ("target", "-1")],
        ),
        (
            format!("/tasks/{}/split", ta.id),
            vec![
                ("split_title", ""),
                ("target", &*target_a.to_string().leak()),
            ],
        ),
    ] {
        let r = c.post_csrf(&path, &fields).await;
        assert!(
            r.status.is_client_error(),
            "{path} {fields:?}: {}",
            r.status
        );
    }
    let r = c
        .post_form(
            &format!("/targets/{target_a}/move"),
            &[("csrf", "forged"), ("to", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (da2, db2) = (
        s.plan_detail(a).await.unwrap(),
        s.plan_detail(b).await.unwrap(),
    );
    assert_eq!(da2.tasks.len(), da.tasks.len());
    assert_eq!(db2.tasks.len(), db.tasks.len());
    assert_eq!(da2.task_targets(ta.id).next().map(|t| t.id), Some(target_a));
    assert_eq!(db2.task_targets(tb.id).next().map(|t| t.id), Some(target_b));
}

/// Probe (issue 9): the 一页汇总 and the 督办总表 answer bad queries with 4xx (never 500),
/// for every role, and an unknown plan is 404.
#[tokio::test]
async fn probe_summary_and_overview_refuse_bad_queries() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    for who in ["admin", "viewer", "rep_fgw"] {
        let mut c = login(&app, who).await;
        for q in [
            "period=nope",
            "period=2020-Q9",
            "as_of=9999-99-99",
            "as_of=262143-01-01",
            "as_of=-1",
            "unit=%00%ff",
            "period=2020-Q2&as_of=1900-01-01",
            "period=2020-Q2&as_of=9999-12-31",
        ] {
            for path in [
                format!("/plans/{plan}/summary?{q}"),
                format!("/plans/{plan}/sheet/all.xlsx?{q}"),
                format!("/plans/{plan}/sheet?{q}"),
                format!("/api/v1/plans/{plan}/export.xlsx?period=2020-Q2&{q}"),
            ] {
                let r = c.get(&path).await;
                assert!(
                    r.status.is_success() || r.status.is_client_error(),
                    "{who} {path}: {}",
                    r.status
                );
            }
        }
        for path in ["/plans/999999/summary", "/plans/999999/sheet/all.xlsx"] {
            assert_eq!(
                c.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{who} {path}"
            );
        }
    }
}

/// Walk 6: target values in the edit form read as written (350, not 350.0); saving says so.
#[tokio::test]
async fn the_edit_form_shows_whole_numbers_and_saving_is_confirmed() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = login(&app, "admin").await;
    let mut values = Vec::new();
    for n in 1..=30 {
        let t = task_id(&app, id, n).await;
        values.extend(
            task_form(&mut c, t)
                .await
                .into_iter()
                .filter(|(k, v)| k.ends_with("_value") && !v.is_empty())
                .map(|(_, v)| v),
        );
    }
    assert!(values.iter().any(|v| v == "350"), "{values:?}");
    assert!(!values.iter().any(|v| v.ends_with(".0")), "{values:?}");
    let t = task_id(&app, id, 1).await;
    let fields = task_form(&mut c, t).await;
    let r = save_task(&mut c, t, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.headers["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/tasks/{t}?done=saved"));
    assert!(c.get(&to).await.body.contains("已保存"));
}
