//! One number rule (`duban_core::number`) behind the report form, the API and the 督办表:
//! `1,5` is refused with the same message by all three; `1,234.5` and `１２３` are accepted.

use axum::http::StatusCode;
use duban_core::number::NumberError;
use serde_json::json;

use crate::deliver::countable_task;
use crate::forms::draft_report;
use crate::oversight::{
    FgwSheet, first_row_with_target, get_bytes, import_xlsx, io_common, task_code,
};
use crate::{app_with_users, bearer, login, seed_plan_id};

/// The message every entry point gives for `1,5`.
fn bad_comma() -> String {
    NumberError::AmbiguousComma.about("1,5")
}

const ACCEPTED: [(&str, f64); 2] = [("1,234.5", 1234.5), ("１２３", 123.0)];

#[tokio::test]
async fn the_api_reads_numbers_by_the_core_rule() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (_, number, values) = countable_task(&app, plan, "fgw", true).await;
    let mut rep = bearer(&app, "rep_fgw").await;
    let target = values[0].0;
    let body = |value: serde_json::Value| {
        json!({
            "plan_id": plan, "task": number, "period": "2020-Q2", "progress": "推进",
            "values": [{"target_id": target, "value": value}],
        })
    };
    let r = rep
        .post_json("/api/v1/reports", &body(json!("1,5")), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let message = r.error_message();
    assert!(message.contains(&bad_comma()), "{message}");
    for (text, want) in ACCEPTED {
        let r = rep
            .post_json("/api/v1/reports", &body(json!(text)), &[])
            .await;
        assert!(r.status.is_success(), "{text}: {}", r.body);
        assert_eq!(r.json()["values"][0]["value"], want, "{text}");
    }
    // A JSON number still works.
    let r = rep
        .post_json("/api/v1/reports", &body(json!(7.5)), &[])
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(r.json()["values"][0]["value"], 7.5);
    // The target's own unit may follow the number, as on the form; another unit is named
    // (found by a probe: "5个" on a target in 个 was refused as "该目标没有单位").
    let unit = app
        .state
        .store
        .plan_detail(plan)
        .await
        .unwrap()
        .targets
        .into_iter()
        .find(|t| t.id == target)
        .and_then(|t| t.target.unit.clone())
        .expect("the countable target has a unit");
    let r = rep
        .post_json("/api/v1/reports", &body(json!(format!("5{unit}"))), &[])
        .await;
    assert!(r.status.is_success(), "5{unit}: {}", r.body);
    assert_eq!(r.json()["values"][0]["value"], 5.0);
    let r = rep
        .post_json("/api/v1/reports", &body(json!("5公顷")), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error_message().contains(&unit), "{}", r.body);
}

#[tokio::test]
async fn the_report_form_reads_numbers_by_the_core_rule() {
    let app = app_with_users().await;
    let mut rep = login(&app, "rep_fgw").await;
    let (_, id, target) = draft_report(&app, &mut rep).await;
    let key = format!("value_{target}");
    let save = |v: &'static str| [("progress", "推进"), (key.as_str(), v), ("then", "save")];
    let r = crate::forms::post_report(&app, &mut rep, id, &save("1,5")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&bad_comma()), "{}", r.body);
    for (text, want) in ACCEPTED {
        let r = crate::forms::post_report(&app, &mut rep, id, &save(text)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{text}: {}", r.body);
        let saved = app.state.store.report(id).await.unwrap();
        assert_eq!(saved.values[0].value, Some(want), "{text}");
    }
}

#[tokio::test]
async fn the_supervision_sheet_reads_numbers_by_the_core_rule() {
    let app = app_with_users().await;
    let FgwSheet {
        mut rep,
        export,
        import,
        ..
    } = FgwSheet::of_seed_plan(&app).await;
    let (_, _, bytes) = get_bytes(&rep, &app.base, &export).await;
    let mut book = io_common::load(&bytes);
    let task = task_code(&book, first_row_with_target(&book));
    book.set(&task, "进展情况", io_common::s("推进"));
    book.set(&task, "目标值①", io_common::s("1,5"));
    let r = import_xlsx(&mut rep, &import, book.save_xlsxwriter()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let detail = r.json()["error"]["details"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains(&bad_comma()), "{detail}");
    for (text, want) in ACCEPTED {
        book.set(&task, "目标值①", io_common::s(text));
        let r = import_xlsx(&mut rep, &import, book.save_xlsxwriter()).await;
        assert_eq!(r.status, StatusCode::OK, "{text}: {}", r.body);
        let id = r.json()["reports"][0]["report_id"].as_i64().unwrap();
        let report = rep.get(&format!("/api/v1/reports/{id}")).await.json();
        assert_eq!(report["values"][0]["value"], want, "{text}");
    }
}
