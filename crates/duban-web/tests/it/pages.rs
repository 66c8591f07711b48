//! The pages: overview, task list and filters, task detail with highlighted targets,
//! units, 简/繁, and that nothing refers to another host.

use axum::http::StatusCode;

use crate::{app_with_users, login, seed_plan_id, task_id};

#[tokio::test]
async fn overview_shows_four_pillars_and_thirty_tasks_without_fake_progress() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = login(&app, "viewer").await;
    let r = c.get(&format!("/plans/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("2020年浙江省服务业发展工作要点"));
    assert_eq!(r.body.matches("class=\"card pillar\"").count(), 4);
    assert_eq!(r.body.matches("class=\"task-row\"").count(), 30);
    assert!(r.body.contains("暂无数据"));
    assert!(
        r.body.contains("示例分工"),
        "the demo assignment is labelled"
    );
    assert!(r.body.contains("id=\"pillar-count\">4<"));
    assert!(r.body.contains("id=\"task-count\">30<"));
    // The plan list shows it too.
    let r = c.get("/plans").await;
    assert!(r.body.contains("30 项任务"));
}

#[tokio::test]
async fn task_list_filters_by_pillar_unit_and_text() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let d = app.state.store.plan_detail(id).await.unwrap();
    let mut c = login(&app, "rep_swt").await;
    let all = c.get(&format!("/plans/{id}/tasks")).await;
    assert_eq!(all.body.matches("<tr class=\"task-row\"").count(), 30);
    let p1 = d.pillars[0].id;
    let in_p1 = d.tasks.iter().filter(|t| t.pillar_id == Some(p1)).count();
    let r = c.get(&format!("/plans/{id}/tasks?pillar={p1}")).await;
    assert_eq!(r.body.matches("<tr class=\"task-row\"").count(), in_p1);
    assert!(in_p1 > 0 && in_p1 < 30);
    // 省民政厅 (mzt) leads task 15 only in the demo assignment (plus task 2's several leads).
    let r = c.get(&format!("/plans/{id}/tasks?unit=mzt")).await;
    let n = r.body.matches("<tr class=\"task-row\"").count();
    let expected = d
        .assignments
        .iter()
        .filter(|a| a.unit_code == "mzt")
        .count();
    assert_eq!(n, expected);
    assert!(r.body.contains("data-number=\"15\""));
    let r = c
        .get(&format!("/plans/{id}/tasks?q={}", "%E5%85%BB%E8%80%81"))
        .await; // 养老
    assert!(r.body.contains("data-number=\"15\""));
    assert!(r.body.matches("<tr class=\"task-row\"").count() < 30);
    let r = c
        .get(&format!(
            "/plans/{id}/tasks?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D"
        ))
        .await;
    assert!(r.body.contains("没有符合条件的任务"));
}

#[tokio::test]
async fn task_page_highlights_its_targets() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let d = app.state.store.plan_detail(id).await.unwrap();
    // Pick the task with the most targets.
    let (task, n) = d
        .tasks
        .iter()
        .map(|t| (t, d.task_targets(t.id).count()))
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n > 0, "the seed has targets");
    let mut c = login(&app, "viewer").await;
    let r = c.get(&format!("/tasks/{}", task.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    let clause = &r.body[r.body.find("id=\"clause\"").unwrap()..];
    let clause = &clause[..clause.find("</div>").unwrap()];
    let marks = clause.matches("<mark class=\"target\"").count();
    assert!(marks >= 1, "targets highlighted in the clause");
    for t in d.task_targets(task.id) {
        assert!(r.body.contains(&format!("id=\"target-{}\"", t.id)));
    }
    assert!(r.body.contains("均匀推进"), "curve shown");
    // Task 15 (居家养老) carries the 350 centres of the product brief.
    let t15 = task_id(&app, id, 15).await;
    let r = c.get(&format!("/tasks/{t15}")).await;
    assert!(
        r.body.contains("<mark class=\"target\""),
        "{}",
        &r.body[..200]
    );
}

#[tokio::test]
async fn unit_directory_lists_units_and_their_tasks() {
    let app = app_with_users().await;
    let mut c = login(&app, "rep_fgw").await;
    let r = c.get("/units").await;
    for city in [
        "杭州市",
        "宁波市",
        "温州市",
        "嘉兴市",
        "湖州市",
        "绍兴市",
        "金华市",
        "衢州市",
        "舟山市",
        "台州市",
        "丽水市",
    ] {
        assert!(r.body.contains(city), "{city}");
    }
    assert!(r.body.contains("省现代服务业发展工作领导小组办公室"));
    let r = c.get("/units/fgw").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("省发展改革委"));
    assert!(
        r.body.contains("统筹推进年度促消费十件实事"),
        "task 10 led by 省发展改革委"
    );
    assert_eq!(
        c.get("/units/no-such-unit").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn traditional_toggle_converts_text_only_and_is_remembered() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = login(&app, "viewer").await;
    let r = c.get(&format!("/plans/{id}?lang=zh-Hant")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("服務業發展工作要點"), "converted");
    assert!(r.body.contains("lang=\"zh-Hant\""));
    assert!(r.body.contains("暫無數據"));
    // Links and form values are untouched.
    assert!(
        r.body
            .contains(&format!("href=\"&#x2f;plans&#x2f;{id}&#x2f;tasks\""))
            || r.body.contains(&format!("href=\"/plans/{id}/tasks\""))
    );
    assert!(c.cookies.get("lang").map(String::as_str) == Some("zh-Hant"));
    // Remembered without the parameter.
    let r = c.get("/units").await;
    assert!(r.body.contains("單位名錄"));
    // And back.
    let r = c.get("/units?lang=zh-Hans").await;
    assert!(r.body.contains("单位名录"));
    let r = c.get("/units").await;
    assert!(r.body.contains("单位名录"));
    // Error pages and the login page convert too.
    let mut anon = crate::client::Client::new(&app);
    let r = anon.get("/login?lang=zh-Hant").await;
    assert!(r.body.contains("登錄督辦"), "{}", r.body);
}

/// Every page and asset the app serves, as an admin sees them: no reference to another
/// host (only XML namespace identifiers inside the vendored chart library are allowed).
#[tokio::test]
async fn no_page_or_asset_refers_to_another_host() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 15).await;
    let mut c = login(&app, "admin").await;
    let mut urls: Vec<String> = [
        "/login",
        "/plans",
        "/plans/new",
        "/units",
        "/units/fgw",
        "/admin/users",
        "/admin/units",
        "/admin/tokens",
        "/admin/adjustments",
        "/api/openapi.json",
        "/api/v1/plans",
        "/api/v1/units",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in [
        format!("/plans/{id}"),
        format!("/plans/{id}/tasks"),
        format!("/plans/{id}/review"),
        format!("/plans/{id}/edit"),
        format!("/plans/{id}/export.json"),
        format!("/tasks/{t}"),
        format!("/tasks/{t}/edit"),
        format!("/api/v1/plans/{id}"),
        "/no-such-page".to_string(),
    ] {
        urls.push(p);
    }
    let mut assets = std::collections::BTreeSet::new();
    for u in &urls {
        let r = c.get(u).await;
        check_hosts(u, &r.body);
        for part in r.body.split("/assets/").skip(1) {
            let end = part.find(['"', '\'', ')', ' ']).unwrap_or(part.len());
            assets.insert(format!("/assets/{}", &part[..end]));
        }
        for h in [
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        ] {
            assert!(r.headers.contains_key(h), "{u}: missing {h}");
        }
    }
    assert!(assets.contains("/assets/vendor/echarts.min.js"));
    for (name, _) in duban_web::assets::Assets::iter().map(|n| (n.to_string(), ())) {
        assets.insert(format!("/assets/{name}"));
    }
    for a in &assets {
        let r = c.get(a).await;
        assert_eq!(r.status, StatusCode::OK, "{a}");
        check_hosts(a, &r.body);
    }
}

fn check_hosts(what: &str, body: &str) {
    for scheme in ["http://", "https://"] {
        for (i, _) in body.match_indices(scheme) {
            let rest = &body[i + scheme.len()..];
            let host: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-' || *c == ':')
                .collect();
            let path = &rest[host.len()..];
            // XML namespace identifiers are names, not fetched; the vendored library's
            // licence header names its licence. Nothing else may mention another host.
            let namespace = host == "www.w3.org"
                && [
                    "/2000/svg",
                    "/2000/xmlns/",
                    "/1999/xlink",
                    "/XML/1998/namespace",
                ]
                .iter()
                .any(|p| path.starts_with(p));
            let licence = what.starts_with("/assets/vendor/")
                && (host == "www.apache.org"
                    || (host == "github.com"
                        && (path.starts_with("/ecomfe/zrender/blob/master/LICENSE")
                            || path.starts_with("/d3/d3"))));
            let allowed = host.starts_with("127.0.0.1") || namespace || licence;
            assert!(allowed, "{what} refers to {scheme}{host}");
        }
    }
}

#[tokio::test]
async fn health_probes_answer_without_login() {
    let app = app_with_users().await;
    let mut c = crate::client::Client::new(&app);
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    app.state.store.close().await;
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // The reason is shown, not the generic 5xx text of the error layer (probe of issue 9).
    assert!(r.body.contains("数据库未就绪（not ready: "), "{}", r.body);
    assert!(!r.body.contains("服务器内部错误"), "{}", r.body);
}

#[tokio::test]
async fn loading_the_seed_twice_does_nothing_the_second_time() {
    let app = app_with_users().await;
    let units = app.state.store.list_units().await.unwrap().len();
    let again = duban_web::seed::ensure_seed(&app.state.store)
        .await
        .unwrap();
    assert_eq!(again, duban_web::seed::SeedOutcome::AlreadyLoaded);
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 1);
    assert_eq!(app.state.store.list_units().await.unwrap().len(), units);
    // The seed as loaded: 4 pillars, 30 tasks, every task with a lead, demo-marked except
    // where the document names the lead (tasks 10 and 30: 省发展改革委).
    let id = seed_plan_id(&app).await;
    let d = app.state.store.plan_detail(id).await.unwrap();
    assert_eq!((d.pillars.len(), d.tasks.len()), (4, 30));
    for t in &d.tasks {
        let leads: Vec<_> = d
            .task_assignments(t.id)
            .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
            .collect();
        assert!(!leads.is_empty(), "task {} has a lead", t.number);
        let from_text = t.number == 10 || t.number == 30;
        assert_eq!(
            leads.iter().all(|a| !a.demo),
            from_text,
            "task {}",
            t.number
        );
    }
    assert!(!d.plan.assignment_confirmed);
}

/// An error page keeps a signed-in user's menu and names the error in the tab's title.
#[tokio::test]
async fn error_pages_keep_the_menu() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let r = rep.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"who\""), "{}", r.body);
    assert!(r.body.contains("<title>无权访问"), "{}", r.body);
    let r = rep.get("/plans/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("id=\"who\""));
    // Signed out: no menu, no account.
    let mut anon = crate::client::Client::new(&app);
    let r = anon.get("/public/p/999999.html").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("id=\"who\""));
}
