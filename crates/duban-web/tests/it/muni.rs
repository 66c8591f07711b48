//! 亩均效益评价 against the real app (SQLite, or PostgreSQL with DUBAN_TEST_DATABASE_URL):
//! schemes (errors named, nothing stored), data uploads (cell-precise errors, the size
//! limit's message), runs as jobs (progress to done, cancel), the paged and filtered result,
//! the charts, the policy table, a firm's 体检报告, and who may do what.

use std::time::Duration;

use axum::http::StatusCode;
use duban_store::muni::{FirmFilter, MAX_MUNI_BYTES, RunState};
use duban_web::testing::TestApp;

use crate::client::{Client, Resp, as_refs};
use crate::{app_with_users, login};

/// The small 亩均 scheme of duban-io's own tests.
const SPEC: &str = include_str!("../../../../data/fixtures/eval/firm-small.spec.toml");

const DATA: &str = "firm_id,county,land_mu,税收,energy,name\n\
    f1,甲,10,150,5,甲一厂\nf2,甲,2,50,1,甲二厂\nf3,甲,5,25,NA,甲三厂\nf4,乙,4,8,2,乙一厂\n";

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} !~ {prefix}"))
        .split(['#', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits until the job has ended.
async fn wait_run(app: &TestApp, id: i64) -> duban_store::muni::Run {
    for _ in 0..600 {
        let r = app.state.store.muni_run(id).await.unwrap();
        if r.state.is_final() {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not end");
}

async fn upload(c: &mut Client, scheme: i64, name: &str, bytes: Vec<u8>) -> Resp {
    let csrf = c.csrf.clone();
    let path = format!("/muni/schemes/{scheme}/datasets");
    c.post_multipart(
        &path,
        &[("csrf", &csrf), ("name", "")],
        Some((name, &bytes)),
    )
    .await
}

/// Queues a run of `scheme` over its first data set (not started: no worker is spawned):
/// the data set's id and the run's.
async fn queue_run(store: &duban_store::Store, scheme: i64) -> (i64, i64) {
    let ds = store.muni_datasets(Some(scheme)).await.unwrap()[0].id;
    let run = store.queue_muni_run(scheme, ds, None, None).await.unwrap();
    (ds, run.id)
}

/// Posts the form that starts a run of `scheme` over data set `dataset`.
async fn post_run(c: &mut Client, scheme: i64, dataset: i64) -> Resp {
    c.post_csrf(
        "/muni/runs",
        &[
            ("scheme_id", &scheme.to_string()),
            ("dataset_id", &dataset.to_string()),
        ],
    )
    .await
}

/// Uploads `DATA` to `scheme`, runs the scheme over it through the form and waits until the
/// run is done: the run's id.
async fn upload_and_run(app: &TestApp, c: &mut Client, scheme: i64) -> i64 {
    let r = upload(c, scheme, "firms.csv", DATA.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ds = app.state.store.muni_datasets(Some(scheme)).await.unwrap()[0].id;
    let r = post_run(c, scheme, ds).await;
    let run = id_after(r.location(), "/muni/runs/");
    assert_eq!(wait_run(app, run).await.state, RunState::Done);
    run
}

/// Whether no data set at all is stored.
async fn no_datasets(app: &TestApp) -> bool {
    app.state
        .store
        .muni_datasets(None)
        .await
        .unwrap()
        .is_empty()
}

async fn create_scheme(c: &mut Client, name: &str, spec: &str) -> Resp {
    let csrf = c.csrf.clone();
    c.post_multipart(
        "/muni/schemes",
        &[
            ("csrf", &csrf),
            ("name", name),
            ("spec", spec),
            ("region_column", "county"),
            ("name_column", "name"),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn schemes_and_uploads_are_checked_before_anything_is_stored() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let page = c.get("/muni/schemes/new").await;
    assert_eq!(page.status, StatusCode::OK);

    // A scheme with a wrong grade split: the engine's message, nothing stored.
    let r = create_scheme(&mut c, "错误方案", &SPEC.replace("D = 5", "D = 6")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A + B + C + D = 101"), "{}", r.body);
    assert!(r.body.contains("错误方案"), "the form comes back filled in");
    let r = create_scheme(&mut c, "坏文本", "id = \"x\"\n[[indicator\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("line 2"), "{}", r.body);
    assert!(app.state.store.muni_schemes().await.unwrap().is_empty());

    // An uploaded scheme file wins over the text box.
    let csrf = c.csrf.clone();
    let r = c
        .post_multipart(
            "/muni/schemes",
            &[
                ("csrf", &csrf),
                ("name", "县域方案"),
                ("spec", "ignored"),
                ("region_column", "county"),
                ("name_column", "name"),
            ],
            Some(("scheme.toml", SPEC.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let scheme = id_after(r.location(), "/muni/schemes/");
    let r = create_scheme(&mut c, "县域方案", SPEC).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("已有名为“县域方案”的评价方案"),
        "{}",
        r.body
    );

    let page = c.get(&format!("/muni/schemes/{scheme}")).await;
    assert!(page.body.contains("亩均税收") && page.body.contains("land_mu"));
    // Refused uploads, each with what its message must name: a bad cell (row and column), a
    // duplicated firm id (both rows), a missing name column, a file neither CSV nor XLSX,
    // a file over the limit (the limit).
    let mut big = DATA.as_bytes().to_vec();
    big.resize(MAX_MUNI_BYTES + 1, b'\n');
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let refused: [(&str, Vec<u8>, StatusCode, &[&str]); 5] = [
        (
            "firms.csv",
            DATA.replace("f4,乙,4,8,2", "f4,乙,4,八,2").into_bytes(),
            unprocessable,
            &[
                "firms.csv：数据有误：row 5, column D (&#x27;税收&#x27;): &#x27;八&#x27; is not a number",
            ],
        ),
        (
            "firms.csv",
            DATA.replace("f3,", "f1,").into_bytes(),
            unprocessable,
            &["row 4", "row 2"],
        ),
        (
            "firms.csv",
            DATA.replace(",name\n", ",名称\n").into_bytes(),
            unprocessable,
            &["name"],
        ),
        (
            "firms.pdf",
            DATA.as_bytes().to_vec(),
            unprocessable,
            &["只接受 .csv、.xlsx、.parquet 或 .arrow 文件"],
        ),
        (
            "big.csv",
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            &["big.csv：文件超过 16 MB 上限"],
        ),
    ];
    for (name, bytes, status, says) in refused {
        let r = upload(&mut c, scheme, name, bytes).await;
        assert_eq!(r.status, status, "{name}: {}", r.body);
        for said in says {
            assert!(r.body.contains(said), "{name}: {said}: {}", r.body);
        }
    }
    assert!(no_datasets(&app).await);
    // Without a CSRF token: refused, nothing stored.
    let r = c
        .post_multipart(
            &format!("/muni/schemes/{scheme}/datasets"),
            &[("csrf", "wrong")],
            Some(("firms.csv", DATA.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(no_datasets(&app).await);

    let r = upload(&mut c, scheme, "firms.csv", DATA.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ds = &app.state.store.muni_datasets(Some(scheme)).await.unwrap()[0];
    assert_eq!((ds.firms, ds.name.as_str()), (4, "firms.csv"));

    // Run it: a job, then the result by class with the hand-computed scores.
    let r = post_run(&mut c, scheme, ds.id).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let run = id_after(r.location(), "/muni/runs/");
    let done = wait_run(&app, run).await;
    assert_eq!(done.state, RunState::Done, "{:?}", done.message);
    assert_eq!((done.firms, done.evaluated), (Some(4), Some(3)));
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "no refresh once done"
    );
    // 甲: f1 130 (A), f3 30 (B); 乙: f4 100 (A); f2 excluded.
    assert!(
        page.body.contains("甲一厂") && page.body.contains("130.00"),
        "{}",
        page.body
    );
    assert!(page.body.contains("不参评：用地面积不足3亩"));
    assert!(page.body.contains("<svg class=\"grade-chart\""));
    let only_b = c.get(&format!("/muni/runs/{run}?grade=B")).await;
    assert!(only_b.body.contains("甲三厂") && !only_b.body.contains("甲一厂"));
    let report = c.get(&format!("/muni/runs/{run}/report?firm=f3")).await;
    assert_eq!(report.status, StatusCode::OK);
    // f3: 亩均税收 5 vs 10 (ratio .5, 30 points, gain 30); 亩均能耗 missing (gain 40).
    assert!(
        report.body.contains("id=\"report-best\">亩均能耗"),
        "{}",
        report.body
    );
    assert!(report.body.contains("该项数据缺失"));
    assert!(report.body.contains("B 类企业适用的差别化政策"));
    // The scale of a score: weights 60 + 40 at the benchmark, ratios capped at 3.
    assert!(
        report
            .body
            .contains("各项指标都等于本类基准时得 100 分；每项比值最高按 3 倍计"),
        "{}",
        report.body
    );
    let none = c.get(&format!("/muni/runs/{run}/report?firm=nobody")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_runs_as_a_job_and_pages_by_fifty() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let page = c.get("/muni").await;
    assert!(page.body.contains("载入示例数据"));
    let r = c.post_csrf("/muni/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let scheme = id_after(r.location(), "/muni/schemes/");
    // Once only.
    let r = c.post_csrf("/muni/demo", &[]).await;
    assert_eq!(id_after(r.location(), "/muni/schemes/"), scheme);
    let page = c.get(&format!("/muni/schemes/{scheme}")).await;
    assert!(page.body.contains("示例数据"));
    let ds = app.state.store.muni_datasets(Some(scheme)).await.unwrap()[0].clone();
    assert!(ds.demo && ds.firms == 1200);

    let r = post_run(&mut c, scheme, ds.id).await;
    let run = id_after(r.location(), "/muni/runs/");
    let first = c.get(&format!("/muni/runs/{run}")).await;
    assert_eq!(first.status, StatusCode::OK);
    let done = wait_run(&app, run).await;
    assert_eq!(done.state, RunState::Done, "{:?}", done.message);
    assert!(done.demo);
    let store = &app.state.store;
    let all = store
        .muni_firm_count(run, &FirmFilter::default())
        .await
        .unwrap();
    assert_eq!(all, 1200);
    let p1 = c.get(&format!("/muni/runs/{run}")).await;
    assert_eq!(p1.body.matches("/report?firm=").count(), 50);
    assert!(p1.body.contains("共 1200 家") && p1.body.contains("第 1 页，共 24 页"));
    assert!(p1.body.contains("示例数据"));
    assert!(p1.body.contains("按乡镇街道的等级分布") && p1.body.contains("按行业的等级分布"));
    // Filters: one grade within one region, counted by the store.
    let f = FirmFilter {
        region: Some("城关街道".into()),
        grade: Some("A".into()),
        ..Default::default()
    };
    let n = store.muni_firm_count(run, &f).await.unwrap();
    assert!(n > 0);
    let page = c
        .get(&format!(
            "/muni/runs/{run}?region=%E5%9F%8E%E5%85%B3%E8%A1%97%E9%81%93&grade=A"
        ))
        .await;
    assert!(page.body.contains(&format!("共 {n} 家")), "{n}");
    assert!(!page.body.contains("grade-b"));
    let last = c.get(&format!("/muni/runs/{run}?page=24")).await;
    assert!(last.body.contains("不参评"), "excluded firms come last");
    assert!(!last.body.contains("pager-next"));

    // The policy table: edited, then shown on the run page.
    let mut fields: Vec<(String, String)> = Vec::new();
    for g in ["A", "B", "C", "D"] {
        for k in ["land", "power", "water", "credit"] {
            fields.push((format!("{k}_{g}"), format!("{g}类{k}政策")));
        }
    }
    let r = c
        .post_csrf(&format!("/muni/schemes/{scheme}/policy"), &as_refs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let p = c.get(&format!("/muni/runs/{run}")).await;
    assert!(p.body.contains("D类credit政策"));
    fields[0].1 = "长".repeat(501);
    let r = c
        .post_csrf(&format!("/muni/schemes/{scheme}/policy"), &as_refs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("land_A：不能超过 500 字"));
}

#[tokio::test]
async fn a_queued_run_is_cancelled_and_others_may_not_touch_the_pages() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let scheme = duban_web::muni::ensure_demo(store, None).await.unwrap();
    // Queued but not started (no worker was spawned): the cancel is immediate.
    let (ds, run) = queue_run(store, scheme).await;
    let mut c = login(&app, "admin").await;
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(page.body.contains("http-equiv=\"refresh\"") && page.body.contains("取消运行"));
    let r = c.post_csrf(&format!("/muni/runs/{run}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        store.muni_run(run).await.unwrap().state,
        RunState::Cancelled
    );
    // A worker started afterwards does nothing.
    duban_web::muni::spawn_run(store.clone(), run)
        .await
        .unwrap();
    assert_eq!(
        store.muni_run(run).await.unwrap().state,
        RunState::Cancelled
    );
    let r = c.post_csrf(&format!("/muni/runs/{run}/cancel"), &[]).await;
    assert!(r.status.is_client_error() || r.status == StatusCode::SEE_OTHER);
    assert_eq!(
        store.muni_run(run).await.unwrap().state,
        RunState::Cancelled
    );

    for who in ["viewer", "rep_fgw"] {
        let mut o = login(&app, who).await;
        // (A viewer's /muni is the final results: see the finals test.)
        for path in [
            format!("/muni/schemes/{scheme}"),
            format!("/muni/runs/{run}"),
        ] {
            assert_eq!(
                o.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{who} {path}"
            );
        }
        let r = post_run(&mut o, scheme, ds).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let menu = o.get("/plans").await;
        if who == "viewer" {
            assert!(menu.body.contains("href=\"/muni/finals\" id=\"nav-muni\""));
        } else {
            assert!(!menu.body.contains("nav-muni"), "{who} sees no 亩均 menu");
        }
    }
    assert_eq!(store.muni_runs(None).await.unwrap().len(), 1);
}

/// 公示 for 0 days, an objection accepted, the re-run on corrected data, its own 公示, the
/// final snapshot (verified as `duban eval verify` does), read by a viewer, not a reporter.
#[tokio::test]
async fn publicity_objection_rerun_and_final_snapshot() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let mut c = login(&app, "admin").await;
    let r = create_scheme(&mut c, "县域方案", SPEC).await;
    let scheme = id_after(r.location(), "/muni/schemes/");
    let run = upload_and_run(&app, &mut c, scheme).await;

    // Not before the 公示.
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(page.body.contains("须先公示"));
    let r = c
        .post_csrf(&format!("/muni/runs/{run}/final"), &[("title", "t")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = c
        .post_csrf(
            &format!("/muni/runs/{run}/objections"),
            &[("firm", "f3"), ("body", "x"), ("raised_by", "y")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", "31")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(c.get(r.location()).await.body.contains("已开始公示"));

    // An objection: f3's energy was not reported; accepted with a note. The firm is named
    // as people name it (甲三厂), and recorded by its code.
    let r = c
        .post_csrf(
            &format!("/muni/runs/{run}/objections"),
            &[
                ("firm", "甲三厂"),
                ("body", "能耗数据漏报，实际 10 吨标煤"),
                ("raised_by", "甲三厂 王某"),
                ("raised_at", "2026-12-06"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.get(r.location()).await.body.contains("已登记异议"));
    let r = c
        .post_csrf(
            &format!("/muni/runs/{run}/objections"),
            &[
                ("firm", "nobody"),
                ("body", "补报的能耗"),
                ("raised_by", "乙厂 李某"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The refused form comes back with what was typed.
    assert!(
        r.body.contains("value=\"nobody\"")
            && r.body.contains(">补报的能耗</textarea>")
            && r.body.contains("value=\"乙厂 李某\""),
        "{}",
        r.body
    );
    let o = store.muni_objections(run).await.unwrap()[0].clone();
    assert_eq!(o.firm, "f3");
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(page.body.contains("尚有未处理的异议") && page.body.contains("甲三厂 王某"));
    let r = c
        .post_csrf(
            &format!("/muni/objections/{}/decide", o.id),
            &[("decision", "rejected"), ("note", "")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refusal needs its reason"
    );
    let r = c
        .post_csrf(
            &format!("/muni/objections/{}/decide", o.id),
            &[("decision", "accepted"), ("note", "经核实属实")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(page.body.contains("已采纳异议") && page.body.contains("rerun-form"));

    // The re-run on corrected data (bad file first: nothing made).
    let csrf = c.csrf.clone();
    let bad = DATA.replace("f3,甲,5,25,NA", "f3,甲,5,25,十");
    let r = c
        .post_multipart(
            &format!("/muni/runs/{run}/rerun"),
            &[("csrf", &csrf)],
            Some(("fixed.csv", bad.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("row 4, column E"), "{}", r.body);
    assert_eq!(store.muni_runs(None).await.unwrap().len(), 1);
    let fixed = DATA.replace("f3,甲,5,25,NA", "f3,甲,5,25,10");
    let r = c
        .post_multipart(
            &format!("/muni/runs/{run}/rerun"),
            &[("csrf", &csrf)],
            Some(("fixed.csv", fixed.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rerun = id_after(r.location(), "/muni/runs/");
    let done = wait_run(&app, rerun).await;
    assert_eq!(
        (done.state, done.previous_run_id),
        (RunState::Done, Some(run))
    );
    let ds2 = store.muni_dataset(done.dataset_id).await.unwrap();
    assert_eq!(ds2.corrects_run_id, Some(run));
    // The first run can no longer be published; the re-run after its own 公示 can.
    let r = c
        .post_csrf(&format!("/muni/runs/{run}/final"), &[("title", "t")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    c.post_csrf(&format!("/muni/runs/{rerun}/publicity"), &[("days", "0")])
        .await;
    let r = c
        .post_csrf(
            &format!("/muni/runs/{rerun}/final"),
            &[("title", "2026年度亩均效益评价结果")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fin = id_after(r.location(), "/muni/finals/");
    let r = c
        .post_csrf(&format!("/muni/runs/{rerun}/final"), &[("title", "again")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The downloaded snapshot recomputes bit for bit (duban eval verify's check).
    let dl = c.get(&format!("/muni/finals/{fin}/download")).await;
    assert_eq!(dl.status, StatusCode::OK);
    let snap: serde_json::Value = serde_json::from_str(&dl.body).unwrap();
    let ok = duban_io::firm_format::verify_firm_snapshot(&snap)
        .unwrap()
        .to_string();
    assert!(ok.starts_with("ok: 4 firms"), "{ok}");
    assert_eq!(
        snap["result"]["data_hash"].as_str(),
        done.data_hash.as_deref(),
        "the snapshot is of the data the run evaluated"
    );
    // f3's corrected energy counts now: 亩均能耗 2 vs f1's 0.5 → mean 1.25.
    let f3 = &snap["result"]["firms"][2];
    assert_eq!(f3["values"]["亩均能耗"], 2.0);

    // Viewers read final results (and the menu leads there); reporters do not.
    let mut v = login(&app, "viewer").await;
    assert_eq!(v.get("/muni/finals").await.status, StatusCode::OK);
    let p = v.get(&format!("/muni/finals/{fin}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("2026年度亩均效益评价结果") && p.body.contains("甲三厂"));
    assert!(
        !p.body.contains("/report?firm="),
        "no links viewers cannot follow"
    );
    assert!(
        v.get("/plans")
            .await
            .body
            .contains("href=\"/muni/finals\" id=\"nav-muni\"")
    );
    assert_eq!(
        v.get(&format!("/muni/finals/{fin}/download")).await.status,
        StatusCode::OK
    );
    assert!(
        p.body
            .contains(&format!("{fin}/firms/xlsx\" id=\"firms-xlsx\""))
    );
    let table = v
        .get(&format!(
            "/muni/finals/{fin}/firms/csv?q=%E7%94%B2%E4%B8%89"
        ))
        .await;
    assert_eq!(table.status, StatusCode::OK);
    assert!(
        table.body.contains("甲三厂") && table.body.lines().count() == 2,
        "{}",
        table.body
    );
    // A leader's 亩均效益评价 is the list of final results; a reporter has none.
    let mut viewer = login(&app, "viewer").await;
    let r = viewer.get("/muni").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/muni/finals");
    let mut rep = login(&app, "rep_fgw").await;
    assert_eq!(rep.get("/muni").await.status, StatusCode::FORBIDDEN);
    for path in [
        "/muni/finals".to_string(),
        format!("/muni/finals/{fin}"),
        format!("/muni/finals/{fin}/download"),
        format!("/muni/finals/{fin}/firms/csv"),
    ] {
        assert_eq!(rep.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// The demo's final snapshot feeds the 领跑者 publication when asked.
#[tokio::test]
async fn the_final_snapshot_publishes_the_leader_list() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let scheme = duban_web::muni::ensure_demo(store, None).await.unwrap();
    let (_, run) = queue_run(store, scheme).await;
    duban_web::muni::spawn_run(store.clone(), run)
        .await
        .unwrap();
    assert_eq!(store.muni_run(run).await.unwrap().state, RunState::Done);
    let mut c = login(&app, "admin").await;
    c.post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", "0")])
        .await;
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert!(page.body.contains("final-leaders"));
    let r = c
        .post_csrf(
            &format!("/muni/runs/{run}/final"),
            &[("title", "示例县亩均效益评价"), ("leaders", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pubs = store.publications().await.unwrap();
    let p = pubs
        .iter()
        .find(|p| p.title == "示例县亩均效益评价（领跑者名单）")
        .expect("published");
    assert!(p.demo, "the demo's list is marked 示例数据");
    // The public list names its firms (the scheme's 企业名称 column), and the names, labels
    // from the run's data, do not stop the list from verifying.
    let public = Client::new(&app)
        .get(&format!("/public/p/{}.html", p.id))
        .await;
    assert!(public.body.contains("企业名称"), "{}", public.body);
    assert!(public.body.contains("示例企业"), "{}", public.body);
    let r = c
        .post_csrf(&format!("/publications/{}/verify", p.id), &[])
        .await;
    assert!(r.body.contains("复算一致"), "{}", r.body);
}

/// 生成示例数据: a seeded county of N firms, checked by the demo scheme, stored as demo data;
/// the count is bounded.
#[tokio::test]
async fn a_generated_demo_county_is_stored_as_demo_data() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let mut c = login(&app, "admin").await;
    let r = c
        .post_csrf("/muni/demo/generate", &[("firms", "3000"), ("seed", "5")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let scheme = id_after(r.location(), "/muni/schemes/");
    let sets = store.muni_datasets(Some(scheme)).await.unwrap();
    let g = sets.iter().find(|d| d.firms == 3000).expect("generated");
    assert!(g.demo && g.name.contains("示例数据"));
    let bytes = store.muni_dataset_content(g.id).await.unwrap();
    assert_eq!(
        bytes,
        duban_io::firm_demo::demo_firms_csv(3000, 5).into_bytes()
    );
    for bad in ["0", "50001", "x"] {
        let r = c.post_csrf("/muni/demo/generate", &[("firms", bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(store.muni_datasets(None).await.unwrap().len(), 2);
    let page = c.get(&format!("/muni/schemes/{scheme}")).await;
    assert!(page.body.contains("某县 3000 家企业（示例数据，种子 5）"));
}

/// An XLSX data file is read like a CSV: a bad cell is named by row and column letter.
#[tokio::test]
async fn xlsx_and_parquet_uploads_are_checked_and_stored() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let r = create_scheme(&mut c, "县域方案", SPEC).await;
    let scheme = id_after(r.location(), "/muni/schemes/");
    let book = |tax_f4: Option<&str>| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (i, line) in DATA.lines().enumerate() {
            for (j, cell) in line.split(',').enumerate() {
                let (row, col) = (i as u32, j as u16);
                match cell.parse::<f64>() {
                    Ok(x) if i > 0 => ws.write_number(row, col, x).unwrap(),
                    _ => ws.write_string(row, col, cell).unwrap(),
                };
            }
        }
        if let Some(t) = tax_f4 {
            ws.write_string(4, 3, t).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    // Firm data also arrive as extracts: a Parquet file is checked and evaluated alike.
    let parquet = crate::evaluation::csv_as_parquet(DATA.as_bytes());
    let cases = [
        (
            "firms.xlsx",
            book(Some("八")),
            "row 5, column D",
            book(None),
        ),
        (
            "firms.parquet",
            b"PAR1 not really".to_vec(),
            "firms.parquet",
            parquet,
        ),
    ];
    for (name, bad, says, good) in cases {
        let r = upload(&mut c, scheme, name, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.body.contains(says), "{}", r.body);
        let before = app.state.store.muni_datasets(Some(scheme)).await.unwrap();
        let r = upload(&mut c, scheme, name, good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let after = app.state.store.muni_datasets(Some(scheme)).await.unwrap();
        assert_eq!(
            after.len(),
            before.len() + 1,
            "{name}: the bad file left nothing"
        );
        let ds = after.into_iter().find(|d| d.file_name == name).unwrap();
        assert_eq!((ds.kind.as_str(), ds.firms), (&name[6..], 4));
        let r = post_run(&mut c, scheme, ds.id).await;
        let run = id_after(r.location(), "/muni/runs/");
        let done = wait_run(&app, run).await;
        assert_eq!(
            (done.state, done.evaluated),
            (RunState::Done, Some(3)),
            "{name}: {:?}",
            done.message
        );
        let csv = c.get(&format!("/muni/runs/{run}/firms/csv?grade=A")).await;
        assert!(
            csv.body.contains("\n1,A,f1,甲一厂,甲,甲,130,"),
            "{}",
            csv.body
        );
    }
}

/// A run whose worker died (lease passed, partial rows left) is taken over when the office
/// opens its page, and ends with each firm once.
#[tokio::test]
async fn a_run_left_by_a_dead_worker_is_resumed() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let mut c = login(&app, "admin").await;
    let r = create_scheme(&mut c, "县域方案", SPEC).await;
    let scheme = id_after(r.location(), "/muni/schemes/");
    upload(&mut c, scheme, "firms.csv", DATA.as_bytes().to_vec()).await;
    let (_, run) = queue_run(store, scheme).await;
    assert!(
        store
            .claim_muni_run(run, chrono::Duration::seconds(-1))
            .await
            .unwrap()
    );
    let partial = duban_store::muni::FirmRow {
        seq: 0,
        ord: 0,
        firm: "f1".into(),
        name: None,
        region: None,
        class: "甲".into(),
        score: Some(1.0),
        adjust: 0.0,
        rank: Some(1),
        grade: Some("A".into()),
        excluded: None,
        leader: 0,
        vals: "[]".into(),
    };
    store
        .insert_muni_firms(run, std::slice::from_ref(&partial))
        .await
        .unwrap();
    let page = c.get(&format!("/muni/runs/{run}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let done = wait_run(&app, run).await;
    assert_eq!(done.state, RunState::Done, "{:?}", done.message);
    assert_eq!(
        store
            .muni_firm_count(run, &FirmFilter::default())
            .await
            .unwrap(),
        4
    );
}

/// Probe (issue 9): numbers out of range and broken text in a data file are refused with
/// 422 and store nothing; a finished run is not cancelled, 公示 is not opened twice, and
/// unknown ids are 404 — never a 500.
#[tokio::test]
async fn probe_bad_numbers_states_and_unknown_ids_are_refused() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let mut c = login(&app, "admin").await;
    let r = create_scheme(&mut c, "探测方案", SPEC).await;
    let scheme = id_after(r.location(), "/muni/schemes/");
    // ("NaN" is one of the marks of a missing value, like "NA".)
    for bad in ["inf", "-inf", "1e309", "Infinity", "0x10", "1,5"] {
        let data = DATA.replace("f1,甲,10,150,5", &format!("f1,甲,10,{bad},5"));
        let r = upload(&mut c, scheme, "firms.csv", data.into_bytes()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let mut broken = DATA.as_bytes().to_vec();
    broken.extend_from_slice(b"f5,\xff\xfe,4,8,2,x\n");
    let r = upload(&mut c, scheme, "firms.csv", broken).await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert!(store.muni_datasets(Some(scheme)).await.unwrap().is_empty());

    let run = upload_and_run(&app, &mut c, scheme).await;
    let r = c.post_csrf(&format!("/muni/runs/{run}/cancel"), &[]).await;
    assert!(r.status != StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(store.muni_run(run).await.unwrap().state, RunState::Done);
    for days in ["-1", "1e3", "NaN", ""] {
        let r = c
            .post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", days)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
    }
    c.post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", "5")])
        .await;
    let until = store.muni_run(run).await.unwrap().publicity_until;
    c.post_csrf(&format!("/muni/runs/{run}/publicity"), &[("days", "0")])
        .await;
    assert_eq!(store.muni_run(run).await.unwrap().publicity_until, until);
    // The 公示 runs for 5 days: no final yet.
    let r = c
        .post_csrf(&format!("/muni/runs/{run}/final"), &[("title", "t")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for path in [
        "/muni/runs/999999/cancel",
        "/muni/runs/999999/publicity",
        "/muni/runs/999999/objections",
        "/muni/objections/999999/decide",
        "/muni/runs/999999/final",
    ] {
        let r = c
            .post_csrf(
                path,
                &[
                    ("days", "1"),
                    ("firm", "f1"),
                    ("body", "x"),
                    ("raised_by", "y"),
                    ("decision", "accepted"),
                    ("title", "t"),
                ],
            )
            .await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::SEE_OTHER,
            "{path}: {}",
            r.status
        );
    }
    // Without the token, nothing changes.
    let r = c
        .post_form(
            &format!("/muni/runs/{run}/objections"),
            &[("firm", "f1"), ("body", "x"), ("raised_by", "y")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(store.muni_objections(run).await.unwrap().is_empty());
}

/// 企业结果 download: every firm (or the filtered ones) in page order, as CSV, Excel, Parquet
/// and Arrow, numbers as numbers; the office for a run, viewers for a final result only.
#[tokio::test]
async fn firm_results_download_in_four_formats_with_the_filter() {
    use arrow_array::{Array, Float64Array, StringArray};
    use calamine::{Data, Reader, Xlsx};
    use duban_io::columnar_write::ColumnarFormat;
    use duban_io::testing::columnar_batches;
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let r = create_scheme(&mut c, "县域方案", SPEC).await;
    let scheme = id_after(r.location(), "/muni/schemes/");
    let run = upload_and_run(&app, &mut c, scheme).await;
    let page = c.get(&format!("/muni/runs/{run}")).await;
    // (minijinja escapes the path's slashes as &#x2f;, which a browser reads as "/")
    assert!(
        page.body.contains("1/firms/parquet\" id=\"firms-parquet\""),
        "{}",
        page.body
    );

    // Hand-computed (mean benchmarks, cap 3): 甲 f1 = 60·15/10 + 40·0.5/0.5 = 130 (A),
    // f3 = 60·5/10 + 0 (energy missing) = 30 (B); 乙 f4 = 60 + 40 = 100 (A); f2 excluded.
    let csv = c.get(&format!("/muni/runs/{run}/firms/csv")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "名次,等级,企业代码,企业名称,county,county,得分,加减分,领跑者名次,不参评原因,亩均税收,亩均能耗"
    );
    let mut body: Vec<&str> = lines[1..].to_vec();
    assert_eq!(
        body.pop(),
        Some(",,f2,甲二厂,甲,甲,,,,用地面积不足3亩,25,0.5")
    );
    body.sort();
    assert_eq!(
        body,
        [
            "1,A,f1,甲一厂,甲,甲,130,,,,15,0.5",
            "1,A,f4,乙一厂,乙,乙,100,,,,2,0.5",
            "2,B,f3,甲三厂,甲,甲,30,,,,5,"
        ]
    );
    // The page's filter applies; the same rows in the same order as the pages.
    let only_a = c
        .get(&format!(
            "/muni/runs/{run}/firms/csv?grade=A&class=%E7%94%B2"
        ))
        .await;
    assert_eq!(only_a.body.lines().count(), 2, "{}", only_a.body);
    assert!(
        only_a.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("muni-run-{run}-firms-filtered.csv"))
    );
    assert!(only_a.body.contains("\n1,A,f1,"), "{}", only_a.body);

    let xlsx = c.get(&format!("/muni/runs/{run}/firms/xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let sheet = book.worksheet_range("企业结果").unwrap();
    assert_eq!(sheet.height(), 5);
    assert_eq!(sheet.get((0, 6)), Some(&Data::String("得分".into())));
    let scores: Vec<Option<&Data>> = (1..5).map(|r| sheet.get((r, 6))).collect();
    assert!(scores.contains(&Some(&Data::Float(130.0))), "{scores:?}");

    for (format, kind, media) in [
        (
            "parquet",
            ColumnarFormat::Parquet,
            "application/vnd.apache.parquet",
        ),
        (
            "arrow",
            ColumnarFormat::ArrowIpc,
            "application/vnd.apache.arrow.file",
        ),
    ] {
        let r = c.get(&format!("/muni/runs/{run}/firms/{format}")).await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.body);
        assert_eq!(r.headers["content-type"], media);
        let batches = columnar_batches(r.bytes, kind);
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 4, "{format}");
        let b = &batches[0];
        assert_eq!(
            b.schema().field(0).data_type().to_string(),
            "Int64",
            "名次 is a whole number"
        );
        let score = b.column(6).as_any().downcast_ref::<Float64Array>().unwrap();
        let firm = b.column(2).as_any().downcast_ref::<StringArray>().unwrap();
        let reason = b.column(9).as_any().downcast_ref::<StringArray>().unwrap();
        let by_firm: Vec<(String, Option<f64>, Option<String>)> = (0..b.num_rows())
            .map(|i| {
                (
                    firm.value(i).to_string(),
                    (!score.is_null(i)).then(|| score.value(i)),
                    (!reason.is_null(i)).then(|| reason.value(i).to_string()),
                )
            })
            .collect();
        assert!(
            by_firm.contains(&("f1".into(), Some(130.0), None)),
            "{by_firm:?}"
        );
        assert!(
            by_firm.contains(&("f2".into(), None, Some("用地面积不足3亩".into()))),
            "{by_firm:?}"
        );
    }
    assert_eq!(
        c.get(&format!("/muni/runs/{run}/firms/pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    // A reporter is not the office; a viewer reads only a final result.
    for name in ["rep_fgw", "viewer"] {
        let mut other = login(&app, name).await;
        let r = other.get(&format!("/muni/runs/{run}/firms/csv")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
    }
}
