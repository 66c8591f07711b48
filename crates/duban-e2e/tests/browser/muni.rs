//! 亩均效益评价 (issue 12, part 3) in the browser at a desk (1366 × 768) and on a phone
//! (390 × 844): the office loads the demo county (示例数据) with one button, runs it (a
//! background job; the page refreshes itself until done), filters the result, opens a firm's
//! 体检报告, opens a 0-day 公示, records and refuses an objection, publishes the final result
//! with its 领跑者 list; a viewer reads the final result. Every page fits the screen and is
//! kept as a screenshot under `artifacts/screenshots/muni-*`.

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::Locator;

use super::helpers::{
    body_text, browser, click, click_and_confirm, click_to_navigate, js, log_in, log_out, type_in,
    wait_for,
};
use super::walk::{check_page, set_viewport};

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_muni_pages_at_desk_and_phone() {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    app.add_user("boss", Role::Viewer, None).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;
    set_viewport(c, 1366, 768).await;

    click(c, Locator::Id("nav-muni")).await;
    click(c, Locator::Id("load-demo")).await;
    wait_for(c, Locator::Id("run-form")).await;
    assert!(body_text(c).await.contains("示例数据"));
    let scheme_path = c.current_url().await.unwrap().path().to_string();
    click(c, Locator::Id("run-submit")).await;
    // The run page refreshes itself until the job is done.
    let state = c
        .wait()
        .at_most(std::time::Duration::from_secs(60))
        .for_element(Locator::Css("#run-state[data-state='done']"))
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "已完成");
    let run_path = c.current_url().await.unwrap().path().to_string();
    let rows = c
        .find_all(Locator::Css("#firm-table tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    let bars = c
        .find_all(Locator::Css("#class-chart svg rect.g-a"))
        .await
        .unwrap();
    assert!(bars.len() > 5, "grade A bars drawn: {}", bars.len());

    // Filter: grade D only.
    js(
        c,
        "document.querySelector('#firm-filter select[name=grade]').value = 'D';",
    )
    .await;
    click_to_navigate(c, Locator::Id("filter-submit")).await;
    wait_for(c, Locator::Id("firm-table")).await;
    let grades = js(c, "return Array.from(document.querySelectorAll('#firm-table .grade')).map(function (e) { return e.textContent; });").await;
    let grades = grades.as_array().unwrap();
    assert!(
        !grades.is_empty() && grades.iter().all(|g| g == "D"),
        "{grades:?}"
    );
    // A D firm's 体检报告 names the indicator to lift.
    click(c, Locator::Css("#firm-table a[href*='/report?firm=']")).await;
    wait_for(c, Locator::Id("report-lines")).await;
    let report_url = c.current_url().await.unwrap();
    let report_path = format!(
        "{}?{}",
        report_url.path(),
        report_url.query().unwrap_or_default()
    );
    assert!(c.find(Locator::Id("report-best")).await.is_ok());
    assert!(body_text(c).await.contains("D 类企业适用的差别化政策"));

    // 公示 (0 days), an objection refused with its reason, then the final publication.
    c.goto(&format!("{}{run_path}", app.base)).await.unwrap();
    js(c, "document.getElementById('publicity-days').value = '0';").await;
    click_and_confirm(c, Locator::Id("publicity-submit")).await;
    wait_for(c, Locator::Id("publicity-period")).await;
    let firm = js(
        c,
        "return document.querySelector('#firm-table tbody tr td:nth-child(3) .muted').textContent;",
    )
    .await;
    type_in(c, Locator::Id("objection-firm"), firm.as_str().unwrap()).await;
    type_in(c, Locator::Id("objection-body"), "认为研发经费少计").await;
    type_in(c, Locator::Id("objection-by"), "企业财务负责人").await;
    click(c, Locator::Id("objection-submit")).await;
    wait_for(c, Locator::Css(".decide-form")).await;
    click(c, Locator::Css(".decide-form input[value=rejected]")).await;
    type_in(
        c,
        Locator::Css(".decide-form input[name=note]"),
        "经核对税务与统计数据，原数据无误",
    )
    .await;
    click(c, Locator::Css(".decide-form button")).await;
    wait_for(c, Locator::Id("final-form")).await;
    assert!(body_text(c).await.contains("不采纳"));
    click(c, Locator::Id("final-leaders")).await;
    click_and_confirm(c, Locator::Id("final-submit")).await;
    wait_for(c, Locator::Id("final-sha")).await;
    let final_path = c.current_url().await.unwrap().path().to_string();
    assert_eq!(app.state.store.muni_finals().await.unwrap().len(), 1);

    let pages = [
        "/muni".to_string(),
        "/muni/schemes/new".to_string(),
        scheme_path.clone(),
        run_path.clone(),
        format!("{run_path}#class-chart"),
        format!("{run_path}#firms"),
        format!("{run_path}#publicity"),
        format!("{run_path}?grade=A&page=2"),
        report_path.clone(),
        "/muni/finals".to_string(),
        final_path.clone(),
    ];
    let mut problems = Vec::new();
    for (size, w, h) in [("desk", 1366, 768), ("phone", 390, 844)] {
        set_viewport(c, w, h).await;
        for p in &pages {
            problems.extend(check_page(c, &app.base, "muni", size, p).await);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    log_out(c).await;
    wait_for(c, Locator::Id("login-submit")).await;

    // A viewer: the menu leads to the final results, readable at both sizes.
    log_in(c, &app, "boss").await;
    set_viewport(c, 1366, 768).await;
    click(c, Locator::Id("nav-muni")).await;
    wait_for(c, Locator::Id("final-list")).await;
    let mut problems = Vec::new();
    for (size, w, h) in [("desk", 1366, 768), ("phone", 390, 844)] {
        set_viewport(c, w, h).await;
        problems.extend(check_page(c, &app.base, "muni-viewer", size, &final_path).await);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    b.client.clone().close().await.unwrap();
}
