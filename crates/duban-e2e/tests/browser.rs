//! Browser journeys in headless Chromium (Debian `chromium` + `chromium-driver`), driven by
//! fantoccini against the real app (`duban_web::testing::spawn_app`) on 127.0.0.1:0.
//! Each test starts its own chromedriver and browser profile. They are `#[ignore]`d in a
//! plain `cargo test`; run them with
//! `cargo test -p duban-e2e -- --ignored --test-threads=1` (as `.ci/run` does).

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::Locator;

#[path = "browser/helpers.rs"]
mod helpers;
use helpers::{body_text, browser, click, js, log_in, log_out, type_in, wait_for};

/// A small plan whose tasks name their lead units (units already in the list), so the
/// adoption check-list passes once it is reviewed.
const SMALL_PLAN: &str = "2021年某市服务业发展工作要点\n\n一、强化规划引领\n\n1.编制服务业专项规划\n完成3项专项规划编制，新建50个社区服务中心。（牵头单位：省发展改革委）\n\n2.推进消费升级\n社会消费品零售总额增长8%以上。（牵头单位：省商务厅）\n\n二、优化营商环境\n\n3.深化放管服改革\n培育10家以上服务业领军企业。（牵头单位：省发展改革委）\n";

#[path = "browser/evaluation.rs"]
mod evaluation;

#[path = "browser/oversight.rs"]
mod oversight;

#[path = "browser/deliver.rs"]
mod deliver;

#[path = "browser/walk.rs"]
mod walk;

#[path = "browser/monitor.rs"]
mod monitor;
#[path = "browser/muni.rs"]
mod muni;
#[path = "browser/publish.rs"]
mod publish;

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_admin_reviews_the_seed_plan_uploads_and_adopts_another() {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;
    // The office's home is its 督办 inbox; the plans are one click away.
    assert!(c.current_url().await.unwrap().path().ends_with("/deliver"));
    click(c, Locator::Css("a[href='/plans']")).await;

    // The seed plan: 4 pillars, 30 tasks, no invented progress.
    click(c, Locator::LinkText("2020年浙江省服务业发展工作要点")).await;
    wait_for(c, Locator::Id("pillars")).await;
    assert_eq!(
        c.find_all(Locator::Css("#pillars .pillar"))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        c.find_all(Locator::Css("#pillars .task-row"))
            .await
            .unwrap()
            .len(),
        30
    );
    assert!(body_text(c).await.contains("暂无数据"));
    // The chart is drawn by the embedded ECharts.
    let drawn = js(c, "return !!(window.echarts && echarts.getInstanceByDom(document.getElementById('pillar-chart')));").await;
    assert_eq!(drawn, serde_json::Value::Bool(true));

    // A task with its targets highlighted in the clause.
    click(c, Locator::Css(".task-row[data-number='15'] a")).await;
    wait_for(c, Locator::Id("clause")).await;
    let marks = c
        .find_all(Locator::Css("#clause mark.target"))
        .await
        .unwrap();
    assert!(!marks.is_empty(), "targets highlighted");
    assert!(!marks[0].text().await.unwrap().is_empty());

    // 繁體 and back.
    click(c, Locator::Id("lang-toggle")).await;
    wait_for(c, Locator::Css("html[lang='zh-Hant']")).await;
    let text = body_text(c).await;
    assert!(text.contains("條文") || text.contains("責任單位"), "{text}");
    click(c, Locator::Id("lang-toggle")).await;
    wait_for(c, Locator::Css("html[lang='zh-Hans']")).await;
    assert!(body_text(c).await.contains("责任单位"));

    // Upload another plan (pasted text), review it, adopt it.
    c.goto(&format!("{}/plans/new", app.base)).await.unwrap();
    type_in(c, Locator::Id("pasted"), SMALL_PLAN).await;
    type_in(c, Locator::Id("region"), "某市").await;
    click(c, Locator::Id("upload-submit")).await;
    wait_for(c, Locator::Id("source-text")).await;
    assert!(c.current_url().await.unwrap().path().ends_with("/review"));
    assert!(
        !c.find_all(Locator::Css("#source-text mark.target"))
            .await
            .unwrap()
            .is_empty()
    );
    // Adoption goes through its check-list page: nothing to fix in this plan, then confirm.
    click(c, Locator::Id("adopt")).await;
    let ok = wait_for(c, Locator::Id("adopt-check")).await;
    assert!(
        c.find(Locator::Id("adopt-ok")).await.is_ok(),
        "no problems listed: {}",
        ok.text().await.unwrap()
    );
    click(c, Locator::Id("adopt-confirm")).await;
    let state = c
        .wait()
        .for_element(Locator::Id("plan-state"))
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "已通过");
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 2);

    // Log out.
    log_out(c).await;
    wait_for(c, Locator::Id("login-submit")).await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_a_reporter_is_refused_the_admin_pages() {
    let app = spawn_app().await;
    app.add_user("rep", Role::Reporter, Some("fgw")).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "rep").await;
    // No admin entry in the navigation.
    assert!(
        c.find_all(Locator::LinkText("管理"))
            .await
            .unwrap()
            .is_empty()
    );
    for path in ["/admin/users", "/plans/new", "/admin/tokens"] {
        c.goto(&format!("{}{path}", app.base)).await.unwrap();
        let err = wait_for(c, Locator::Id("error")).await;
        assert_eq!(
            err.attr("data-code").await.unwrap().as_deref(),
            Some("forbidden"),
            "{path}"
        );
    }
    // But the plan is readable.
    c.goto(&format!("{}/plans", app.base)).await.unwrap();
    assert!(
        body_text(c)
            .await
            .contains("2020年浙江省服务业发展工作要点")
    );
    b.client.clone().close().await.unwrap();
}
