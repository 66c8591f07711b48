//! Evaluation (综合评价) in the browser: open the page, run the 11-city demo (示例数据), see
//! the ranking table and both charts drawn by the embedded ECharts, publish, verify.

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::Locator;

use super::helpers::{body_text, browser, click, click_and_confirm, log_in, wait_for};

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_evaluation() {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;

    click(c, Locator::Id("nav-evaluations")).await;
    wait_for(c, Locator::Id("run-form")).await;
    assert!(
        c.find(Locator::Id("demo-notice"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("示例数据")
    );
    // The demo data set and method are preselected (newest first): run at once.
    click(c, Locator::Id("run-submit")).await;
    wait_for(c, Locator::Id("ranking")).await;
    let rows = c.find_all(Locator::Css("#ranking tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 11);
    assert_eq!(
        rows[0]
            .find(Locator::Css("td.rank"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    assert!(body_text(c).await.contains("示例数据"));

    // Both charts are drawn; their options carry the 11 cities.
    for (id, series) in [("score-chart", 1), ("interval-chart", 4)] {
        let opt = c
            .execute(
                "var el = document.getElementById(arguments[0]); var ch = window.echarts && echarts.getInstanceByDom(el); if (!ch) return null; var o = ch.getOption(); return {cats: (o.xAxis[0].data || o.yAxis[0].data).length, series: o.series.length};",
                vec![serde_json::json!(id)],
            )
            .await
            .unwrap();
        assert_eq!(opt["cats"], 11, "{id}: {opt}");
        assert_eq!(opt["series"], series, "{id}: {opt}");
    }

    // Publish, then ask the server to recompute the snapshot.
    click_and_confirm(c, Locator::Id("publish-submit")).await;
    wait_for(c, Locator::Id("snapshot-download")).await;
    click(c, Locator::Id("verify-submit")).await;
    let verdict = c
        .wait()
        .for_element(Locator::Id("verify-result"))
        .await
        .unwrap();
    let text = verdict.text().await.unwrap();
    assert!(
        text.contains("核验通过") && text.contains("逐位一致"),
        "{text}"
    );
}
