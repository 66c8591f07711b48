//! The deliver journey in the browser (issue 4): report, return, fix, resubmit, accept, the
//! light changing, and the 督办表 downloaded and re-imported through the page.

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::{Client, Locator};

use super::helpers::{body_text, browser, click, log_in, log_out, type_in, wait_for};

/// The deliver journey (issue 4): a reporter fills and submits the 督办 template; the office
/// returns it with a comment; the reporter fixes and resubmits; the office accepts; the
/// task's light changes from red (reports overdue, nothing accepted: duban.status/2) to
/// blue (every target achieved).
/// Waits for the report page to show `state`: waiting for the new state (not just the
/// element) avoids reading the page being left.
async fn report_state(c: &Client, state: &str) {
    let css = format!("#report-state .rstate[data-state='{state}']");
    wait_for(c, Locator::Css(&css)).await;
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_deliver_journey() {
    let app = spawn_app().await;
    let admin = app.add_user("admin", Role::Admin, None).await;
    app.add_user("rep", Role::Reporter, Some("fgw")).await;
    let plan = app.state.store.list_plans().await.unwrap()[0].id;
    app.adopt(plan, &admin).await;
    let d = app.state.store.plan_detail(plan).await.unwrap();
    // A task fgw leads alone whose targets all count up to a number.
    let (task, targets) = d
        .tasks
        .iter()
        .find_map(|t| {
            let leads: Vec<_> = d
                .task_assignments(t.id)
                .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
                .collect();
            let ts: Vec<_> = d.task_targets(t.id).collect();
            (leads.len() == 1
                && leads[0].unit_code == "fgw"
                && !ts.is_empty()
                && ts.iter().all(|x| {
                    matches!(
                        x.target.comparator,
                        duban_core::Comparator::AtLeast
                            | duban_core::Comparator::Equal
                            | duban_core::Comparator::Reach
                    ) && x.target.value.is_some_and(|v| v > 0.0)
                }))
            .then(|| {
                (
                    t.clone(),
                    ts.iter()
                        .map(|x| (x.id, x.target.value.unwrap()))
                        .collect::<Vec<_>>(),
                )
            })
        })
        .expect("a countable task led by fgw");
    let b = browser().await;
    let c = &b.client;
    // The task's light on its deliver page (as of today).
    async fn light(c: &Client, base: &str, task_id: i64) -> String {
        c.goto(&format!("{base}/tasks/{task_id}/deliver"))
            .await
            .unwrap();
        wait_for(c, Locator::Css("#task-light .light"))
            .await
            .attr("data-light")
            .await
            .unwrap()
            .unwrap()
    }

    // The reporter fills the 2020 Q1 report from the 督办 inbox and submits it.
    log_in(c, &app, "rep").await;
    click(c, Locator::Id("nav-deliver")).await;
    let row = format!(
        "tr.duty-row[data-task='{}'][data-period='2020-Q1'] button.fill-report",
        task.number
    );
    wait_for(c, Locator::Css(&row)).await.click().await.unwrap();
    wait_for(c, Locator::Id("report-form")).await;
    type_in(c, Locator::Id("progress"), "一季度推进顺利").await;
    type_in(c, Locator::Id("problems"), "无").await;
    type_in(c, Locator::Id("next-steps"), "继续推进").await;
    // 保存并报送 with the values still empty asks first; declining sends nothing.
    if !targets.is_empty() {
        click(c, Locator::Id("submit-report")).await;
        let mut asked = String::new();
        for _ in 0..20 {
            if let Ok(text) = c.get_alert_text().await {
                asked = text;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(asked.contains("项目标未填写本期数值"), "asked: {asked:?}");
        c.dismiss_alert().await.unwrap();
        wait_for(c, Locator::Id("report-form")).await;
    }
    for (id, v) in &targets {
        type_in(
            c,
            Locator::Id(&format!("value-{id}")),
            &format!("{}", v * 0.2),
        )
        .await;
    }
    click(c, Locator::Id("submit-report")).await;
    report_state(c, "submitted").await;
    let report_url = c.current_url().await.unwrap().to_string();
    assert_eq!(
        light(c, &app.base, task.id).await,
        "red",
        "nothing accepted yet"
    );
    log_out(c).await;

    // The office returns it with a comment, from its review queue.
    log_in(c, &app, "admin").await;
    c.goto(&format!("{}/deliver", app.base)).await.unwrap();
    wait_for(c, Locator::Css("#review-queue .review-row a"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(c, Locator::Id("return-text"))
        .await
        .send_keys("请填报截至一季度末的全年累计数")
        .await
        .unwrap();
    click(c, Locator::Id("return-report")).await;
    report_state(c, "returned").await;
    log_out(c).await;

    // The reporter sees the comment, fixes the values and resubmits.
    log_in(c, &app, "rep").await;
    c.goto(&report_url).await.unwrap();
    let comment = c
        .wait()
        .for_element(Locator::Id("return-comment"))
        .await
        .unwrap();
    assert!(comment.text().await.unwrap().contains("全年累计数"));
    for (id, v) in &targets {
        let input = c.find(Locator::Id(&format!("value-{id}"))).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(&format!("{}", v * 1.1)).await.unwrap();
    }
    click(c, Locator::Id("submit-report")).await;
    report_state(c, "submitted").await;
    log_out(c).await;

    // The office accepts; the light turns blue; the history shows both versions.
    log_in(c, &app, "admin").await;
    assert_eq!(light(c, &app.base, task.id).await, "red");
    c.goto(&report_url).await.unwrap();
    wait_for(c, Locator::Id("accept-report"))
        .await
        .click()
        .await
        .unwrap();
    report_state(c, "accepted").await;
    assert_eq!(
        c.find(Locator::Id("reviewer"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "admin"
    );
    assert_eq!(
        light(c, &app.base, task.id).await,
        "blue",
        "the light changed"
    );
    assert!(body_text(c).await.contains("第 2 版"));
    // The dashboard shows it too.
    c.goto(&format!("{}/plans/{plan}/status", app.base))
        .await
        .unwrap();
    let row = format!("#task-lights tr[data-number='{}'] .light", task.number);
    let l = wait_for(c, Locator::Css(&row)).await;
    assert_eq!(l.attr("data-light").await.unwrap().as_deref(), Some("blue"));
    log_out(c).await;

    // The 督办表 round trip: the reporter downloads the workbook of the next quarter and
    // uploads it back; it is imported as drafts.
    log_in(c, &app, "rep").await;
    c.goto(&format!(
        "{}/plans/{plan}/sheet?period=2020-Q2&unit=fgw",
        app.base
    ))
    .await
    .unwrap();
    wait_for(c, Locator::Id("download-sheet")).await;
    let bytes = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('download-sheet').href, {credentials: 'same-origin'})
               .then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status))
               .then(b => done(Array.from(new Uint8Array(b))), e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    let bytes: Vec<u8> = serde_json::from_value(bytes).expect("the workbook downloads");
    assert!(bytes.starts_with(b"PK"), "an .xlsx (zip) file");
    let file = std::env::temp_dir().join(format!("duban-e2e-sheet-{}.xlsx", std::process::id()));
    std::fs::write(&file, &bytes).unwrap();
    type_in(
        c,
        Locator::Css("#upload-sheet input[type=file]"),
        file.to_str().unwrap(),
    )
    .await;
    click(c, Locator::Css("#upload-sheet button[type=submit]")).await;
    let result = c
        .wait()
        .for_element(Locator::Css("#import-result, #import-errors"))
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        result.attr("id").await.unwrap().as_deref(),
        Some("import-result"),
        "{}",
        result.text().await.unwrap()
    );
    b.client.clone().close().await.unwrap();
}
