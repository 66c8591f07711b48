//! Monitor (监测预警, issue 13) in the browser at a desk (1366 × 768) and on a phone
//! (390 × 844): the office runs the seeded rules as of 2020-10-31 (示例数据), the alerts list
//! fills, an alert is acknowledged and its 约谈 recorded (a 约谈 record on the escalation
//! ladder for the city, shown on the alert and on its escalation page, whose 约谈通知
//! downloads), and the indicator
//! page draws eleven small multiples with
//! the rules' threshold lines and the ranking bars. Every page fits the screen and is kept
//! as a screenshot under `artifacts/screenshots/monitor-*`.

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::Locator;

use super::helpers::{body_text, browser, click, js, log_in, type_in, wait_for};
use super::walk::{assert_cards, check_page, set_viewport};

const INDICATOR: &str = "/monitor/indicators/%E6%9C%8D%E5%8A%A1%E4%B8%9A%E5%A2%9E%E5%8A%A0%E5%80%BC?as_of=2020-10-31&measure=yoy";

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_monitor_pages_at_desk_and_phone() {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    let plan = app.state.store.list_plans().await.unwrap()[0].id;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;
    set_viewport(c, 1366, 768).await;

    // Run the stored rules as of 2020-10-31 from the overview.
    click(c, Locator::Id("nav-monitor")).await;
    wait_for(c, Locator::Id("run-form")).await;
    js(
        c,
        "document.getElementById('run-as-of').value = '2020-10-31';",
    )
    .await;
    click(c, Locator::Id("run-submit")).await;
    let msg = wait_for(c, Locator::Id("alerts-message")).await;
    assert!(msg.text().await.unwrap().contains("新发出 6 条"));
    let rows = c
        .find_all(Locator::Css("#alerts tbody tr.alert"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);
    assert!(body_text(c).await.contains("示例数据"));

    // Acknowledge one, record the 约谈.
    click(c, Locator::Css("#alerts tbody tr.alert a")).await;
    wait_for(c, Locator::Id("ack-form")).await;
    click(c, Locator::Id("ack-submit")).await;
    let state = wait_for(c, Locator::Css("#alert-state[data-state='acknowledged']")).await;
    assert_eq!(state.text().await.unwrap(), "已确认");
    // The 约谈: the day defaults to today, the city's unit is chosen for it.
    let unit = js(c, "var s = document.getElementById('interview-unit'); return s.options[s.selectedIndex].text;").await;
    let region = js(
        c,
        "return document.getElementById('alert-title').textContent;",
    )
    .await;
    let unit = unit.as_str().unwrap().to_string();
    assert!(
        region.as_str().unwrap().contains(&unit),
        "{unit} in {region}"
    );
    type_in(c, Locator::Id("interview-held-by"), "省发展改革委副主任").await;
    type_in(
        c,
        Locator::Id("interview-attendees"),
        "市政府分管副市长、市发展改革委主任",
    )
    .await;
    type_in(
        c,
        Locator::Id("interview-text"),
        "约谈该市发展改革委，要求一个月内报送整改措施",
    )
    .await;
    click(c, Locator::Id("interview-submit")).await;
    wait_for(c, Locator::Css("#alert-state[data-state='interviewed']")).await;
    let alert_url = c.current_url().await.unwrap().path().to_string();
    let link = wait_for(c, Locator::Id("alert-escalation-link")).await;
    assert!(link.text().await.unwrap().starts_with("督办事项 #"));
    assert!(body_text(c).await.contains("市政府分管副市长"));
    click(c, Locator::Id("alert-escalation-link")).await;
    wait_for(c, Locator::Id("escalation-interview")).await;
    let escalation_url = c.current_url().await.unwrap().path().to_string();
    let text = body_text(c).await;
    assert!(text.contains("约谈") && text.contains(&unit), "{text}");
    assert!(text.contains("待反馈"));
    // Its 约谈通知 downloads as a task's notice does (GB/T 9704 .docx).
    let docx = wait_for(c, Locator::Id("notice-docx")).await;
    let href = docx.attr("href").await.unwrap().unwrap();
    assert!(href.ends_with("/notice/docx"), "{href}");
    let got = c
        .execute(
            "return fetch(arguments[0]).then(function (r) { return r.status + ' ' + r.headers.get('content-type'); });",
            vec![href.into()],
        )
        .await
        .unwrap();
    assert!(
        got.as_str()
            .unwrap()
            .starts_with("200 application/vnd.openxmlformats-officedocument.wordprocessingml"),
        "{got}"
    );

    // The indicator page: 11 small multiples drawn, threshold lines in 杭州's chart, ranking.
    c.goto(&format!("{}{INDICATOR}", app.base)).await.unwrap();
    wait_for(c, Locator::Id("multiples")).await;
    let drawn = js(c, "return Array.from(document.querySelectorAll('#multiples .chart')).filter(function (el) { return window.echarts && echarts.getInstanceByDom(el); }).length;").await;
    assert_eq!(drawn, 11);
    let marks = js(c, "var el = document.querySelector(\"[data-region='330100'] .chart\"); var o = echarts.getInstanceByDom(el).getOption(); return o.series[0].markLine.data.length;").await;
    assert!(
        marks.as_u64().unwrap() >= 2,
        "杭州's own bar and the severe one: {marks}"
    );
    let bars = js(c, "var o = echarts.getInstanceByDom(document.getElementById('ranking-chart')).getOption(); return o.yAxis[0].data.length;").await;
    assert_eq!(bars, 11);

    // An alert still raised shows the whole 约谈 form.
    let raised = app
        .state
        .store
        .monitor_alerts(Some(duban_core::monitor::AlertState::Raised))
        .await
        .unwrap()[0]
        .id;
    let pages = [
        format!("/monitor/alerts/{raised}"),
        "/monitor".to_string(),
        INDICATOR.to_string(),
        "/monitor/regions/330100?as_of=2020-10-31&measure=yoy".to_string(),
        "/monitor/regions/330000?as_of=2024-12-31".to_string(),
        "/monitor/alerts".to_string(),
        alert_url.clone(),
        escalation_url.clone(),
        "/escalations?level=interview".to_string(),
        "/monitor/regions/330200?as_of=2021-12-31".to_string(),
        "/monitor/import".to_string(),
        format!("/monitor/bindings?plan={plan}"),
        "/monitor/rules".to_string(),
        format!("/plans/{plan}/status?as_of=2020-07-15"),
    ];
    let mut problems = Vec::new();
    for (size, w, h) in [("desk", 1366, 768), ("phone", 390, 844)] {
        set_viewport(c, w, h).await;
        for p in &pages {
            problems.extend(check_page(c, &app.base, "monitor", size, p).await);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The alerts list reads as cards on a phone (the viewport is still 390 px).
    assert_cards(c, &app.base, "/monitor/alerts", "alerts").await;

    // The province's real figures say so and name their bulletin (phone width).
    c.goto(&format!(
        "{}/monitor/regions/330000?as_of=2024-12-31",
        app.base
    ))
    .await
    .unwrap();
    let sources = wait_for(c, Locator::Css(".sources")).await;
    let text = sources.text().await.unwrap();
    assert!(
        text.contains("2023年浙江省国民经济和社会发展统计公报"),
        "{text}"
    );
    assert!(body_text(c).await.contains("真实数据"));
    js(
        c,
        "document.querySelector('.sources').scrollIntoView({block: 'center'});",
    )
    .await;
    let png = c.screenshot().await.unwrap();
    let shots =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("monitor-phone-real-sources.png"), png).unwrap();
    // The 约谈 form on a phone.
    c.goto(&format!("{}/monitor/alerts/{raised}", app.base))
        .await
        .unwrap();
    wait_for(c, Locator::Id("interview-form")).await;
    js(
        c,
        "document.getElementById('interview-form').scrollIntoView({block: 'start'});",
    )
    .await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots.join("monitor-phone-interview-form.png"), png).unwrap();

    // An import with a bad cell names it and stores nothing.
    set_viewport(c, 1366, 768).await;
    c.goto(&format!("{}/monitor/import", app.base))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("duban-monitor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cities.csv");
    std::fs::write(&file, "地区,2020年1-3月累计值\n杭州市,835.8\n宁波市,六百\n").unwrap();
    let before = app.state.store.monitor_values(None).await.unwrap().len();
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(c, Locator::Id("import-submit")).await;
    let err = wait_for(c, Locator::Id("import-error")).await;
    let text = err.text().await.unwrap();
    assert!(
        text.contains("B3") && text.contains("未保存任何内容"),
        "{text}"
    );
    assert_eq!(
        app.state.store.monitor_values(None).await.unwrap().len(),
        before
    );
    b.client.clone().close().await.unwrap();
}
