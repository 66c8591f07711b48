//! The 督办表 round trip in the browser: a reporter opens the sheet page, the page's download
//! link is fetched inside the browser (session cookie), the workbook is filled (duban-io's
//! test helpers) and uploaded back through the page's upload form; the drafts exist.

use fantoccini::Locator;

use super::helpers::{browser, click, log_in, wait_for};
use duban_store::user::Role;
use duban_web::testing::spawn_app;

#[path = "../../../duban-io/tests/common/mod.rs"]
#[allow(unused_imports)]
mod io_common;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = B64.iter().position(|&b| b == c) else {
            continue; // padding
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_export_import() {
    let app = spawn_app().await;
    app.add_user("rep", Role::Reporter, Some("fgw")).await;
    let plan = app.state.store.list_plans().await.unwrap()[0].id;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "rep").await;
    c.goto(&format!("{}/plans/{plan}/sheet?period=2020-Q1", app.base))
        .await
        .unwrap();
    wait_for(c, Locator::Id("download-sheet")).await;

    // Download: the page's own link, fetched by the page (its session cookie).
    let got = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const href = document.getElementById('download-sheet').getAttribute('href');
               fetch(href, {credentials: 'same-origin'}).then(async r => {
                 const buf = new Uint8Array(await r.arrayBuffer());
                 let bin = '';
                 for (let i = 0; i < buf.length; i++) bin += String.fromCharCode(buf[i]);
                 done({status: r.status, type: r.headers.get('content-type'),
                       disposition: r.headers.get('content-disposition'), b64: btoa(bin)});
               }).catch(e => done({error: String(e)}));"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(got["status"], 200, "{got}");
    assert!(got["type"].as_str().unwrap().contains("spreadsheetml"));
    assert!(got["disposition"].as_str().unwrap().contains("attachment"));
    let bytes = b64_decode(got["b64"].as_str().unwrap());
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) file");

    // Fill it the way a unit would: texts and a value in the task rows.
    let mut book = io_common::load(&bytes);
    let task_col = book.col("任务编码");
    let codes: Vec<String> = book
        .data_rows()
        .into_iter()
        .filter_map(|r| match book.main.get(&(r, task_col)) {
            Some(io_common::C::S(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(!codes.is_empty(), "fgw leads tasks in 2020-Q1");
    for code in &codes {
        book.set(code, "进展情况", io_common::s("浏览器导入测试：按计划推进"));
        book.set(code, "下步打算", io_common::s("继续推进"));
    }
    let filled = b64_encode(&book.save_xlsxwriter());

    // Upload through the form: the file input gets the workbook, the form is submitted.
    c.execute(
        r#"const bin = atob(arguments[0]);
           const buf = new Uint8Array(bin.length);
           for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
           const dt = new DataTransfer();
           dt.items.add(new File([buf], '督办表.xlsx', {type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'}));
           const input = document.querySelector('#upload-sheet input[type=file]');
           input.files = dt.files;
           document.getElementById('upload-sheet').submit();"#,
        vec![serde_json::Value::String(filled)],
    )
    .await
    .unwrap();
    let result = c
        .wait()
        .for_element(Locator::Id("import-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        result.contains(&format!("已导入 {} 份草稿报告", codes.len())),
        "{result}"
    );

    // The drafts exist, by the reporter, with the text from the workbook.
    let reports = app.state.store.plan_reports(plan).await.unwrap();
    let mine: Vec<_> = reports
        .iter()
        .filter(|r| r.unit_code == "fgw" && r.period_key == "2020-Q1")
        .collect();
    assert_eq!(mine.len(), codes.len());
    assert!(
        mine.iter()
            .all(|r| r.state.as_str() == "draft" && r.progress == "浏览器导入测试：按计划推进")
    );
    // And the link to a draft opens it.
    click(c, Locator::Css("#import-result a")).await;
    wait_for(c, Locator::Id("report-form")).await;
}

/// 督办情况一览 (issue 10) printed from Chromium: the plan's page and a unit's page each fit
/// on one A4 page (the print styles hide the menu and the filters, shrink the type).
#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_the_summary_prints_on_one_a4_page() {
    let app = spawn_app().await;
    duban_web::demo::load_demo(&app.state.store).await.unwrap();
    app.add_user("admin", Role::Admin, None).await;
    let plan = app.state.store.list_plans().await.unwrap()[0].id;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;
    for query in ["", "&unit=fgw"] {
        c.goto(&format!(
            "{}/plans/{plan}/summary?as_of=2020-07-15{query}",
            app.base
        ))
        .await
        .unwrap();
        wait_for(c, Locator::Css("#summary-rows")).await;
        let pdf = c
            .print(fantoccini::wd::PrintConfiguration::default())
            .await
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let pages = count_pdf_pages(&pdf);
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../artifacts/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("summary{}.pdf", query.replace(['&', '='], "_"))),
            &pdf,
        )
        .unwrap();
        assert_eq!(pages, 1, "summary{query} prints on {pages} A4 pages");
    }
}

/// Page objects of a PDF (`/Type /Page`, not `/Pages`), as Chromium writes them.
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, _)| !text[i + 11..].starts_with('s'))
        .count()
        + text
            .match_indices("/Type/Page")
            .filter(|(i, _)| !text[i + 10..].starts_with('s'))
            .count()
}
