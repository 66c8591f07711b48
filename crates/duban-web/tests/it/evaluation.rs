//! Composite evaluation on the platform: demo on first use, upload → run → compare → publish
//! → download → verify (server and library, the code `duban eval verify` runs), bad data
//! refused with row and column and nothing saved, the method form and text, the API, and the
//! role × route rule (admin runs/publishes; viewer reads; reporter reads snapshots only).

use axum::http::{Method, StatusCode};
use duban_store::deliver::evidence::sha256_hex;
use duban_web::evaluation::{DEMO_CSV, DEMO_DATASET_NAME, DEMO_METHOD_NAME, DEMO_SPEC};
use duban_web::testing::TestApp;
use serde_json::json;

use crate::client::{Client, as_refs, form_fields, set};
use crate::{app_with_users, login};

async fn demo_ids(app: &TestApp) -> (i64, i64) {
    let d = app.state.store.eval_datasets().await.unwrap();
    let m = app.state.store.eval_methods().await.unwrap();
    let d = d
        .iter()
        .find(|d| d.name == DEMO_DATASET_NAME)
        .expect("demo data set");
    let m = m
        .iter()
        .find(|m| m.name == DEMO_METHOD_NAME)
        .expect("demo method");
    assert!(d.demo && m.demo);
    (d.id, m.id)
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} !~ {prefix}"))
        .parse()
        .unwrap()
}

async fn run(c: &mut Client, dataset: i64, method: i64, previous: Option<i64>) -> i64 {
    let (d, m, p) = (
        dataset.to_string(),
        method.to_string(),
        previous.map(|p| p.to_string()).unwrap_or_default(),
    );
    let r = c
        .post_csrf(
            "/evaluations/runs",
            &[
                ("dataset_id", &d),
                ("method_id", &m),
                ("previous_run_id", &p),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_after(r.location(), "/evaluations/runs/")
}

#[tokio::test]
async fn upload_run_compare_publish_download_verify() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let page = c.get("/evaluations").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("示例数据") && page.body.contains(DEMO_DATASET_NAME),
        "demo loaded on first use"
    );
    let (_, method) = demo_ids(&app).await;

    // Upload the demo CSV again as a user file.
    let m = method.to_string();
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[
                ("csrf", &c.csrf.clone()),
                ("name", "上传的城市数据"),
                ("method_id", &m),
            ],
            Some(("cities.csv", DEMO_CSV)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let dataset = id_after(r.location(), "/evaluations/datasets/");
    let d = app.state.store.eval_dataset(dataset).await.unwrap();
    assert_eq!(d.sha256, sha256_hex(DEMO_CSV));
    assert_eq!((d.units, d.kind.as_str(), d.demo), (11, "csv", false));
    let page = c.get(&format!("/evaluations/datasets/{dataset}")).await;
    assert!(
        page.body.contains(&d.sha256) && page.body.contains("舟山") && page.body.contains("缺失")
    );
    assert_eq!(
        c.get(&format!("/evaluations/datasets/{dataset}/file"))
            .await
            .body
            .as_bytes(),
        DEMO_CSV
    );

    // The same data as a Parquet extract: stored as sent, downloaded as Parquet (not read
    // as CSV).
    let parquet = csv_as_parquet(DEMO_CSV);
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &c.csrf.clone()), ("name", ""), ("method_id", &m)],
            Some(("cities.parquet", &parquet)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pq_set = id_after(r.location(), "/evaluations/datasets/");
    let d = app.state.store.eval_dataset(pq_set).await.unwrap();
    assert_eq!((d.units, d.kind.as_str()), (11, "parquet"));
    assert_eq!(
        c.get(&format!("/evaluations/datasets/{pq_set}"))
            .await
            .status,
        StatusCode::OK
    );
    let file = c.get(&format!("/evaluations/datasets/{pq_set}/file")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(
        file.headers["content-type"],
        "application/vnd.apache.parquet"
    );
    assert_eq!(file.bytes, parquet);

    // Run, then run again compared with the first.
    let first = run(&mut c, dataset, method, None).await;
    let page = c.get(&format!("/evaluations/runs/{first}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<tr data-unit=").count(),
        11,
        "ranking table has the 11 cities"
    );
    assert!(
        page.body.contains("id=\"score-chart\"") && page.body.contains("id=\"interval-chart\"")
    );
    assert!(page.body.contains("/assets/vendor/echarts.min.js"));
    // A unit scored on what it has: said in Chinese with the indicator it misses (the
    // engine's English text only as the tooltip).
    let diagnostics = page.body.split("id=\"diagnostics\"").nth(1).unwrap();
    assert!(
        diagnostics.contains("权重在组内重新归一（缺：服务业从业人员占比(%)）</li>"),
        "{diagnostics}"
    );
    let second = run(&mut c, dataset, method, Some(first)).await;
    let page = c.get(&format!("/evaluations/runs/{second}")).await;
    assert!(
        page.body.contains("名次变化") && page.body.contains("class=\"change same\""),
        "same data → no rank change"
    );

    // Publish: the snapshot is the run's bytes, immutable, downloadable, verifiable.
    let r = c
        .post_csrf(
            &format!("/evaluations/runs/{second}/publish"),
            &[("title", "2026 示例评价")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sid = id_after(r.location(), "/evaluations/snapshots/");
    let again = c
        .post_csrf(&format!("/evaluations/runs/{second}/publish"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let dl = c
        .get(&format!("/evaluations/snapshots/{sid}/download"))
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(
        dl.body,
        app.state.store.eval_run_snapshot(second).await.unwrap()
    );
    // The ranking also as a table (issue 10): CSV with one row per unit, xlsx.
    let table = c
        .get(&format!("/evaluations/snapshots/{sid}/table/csv"))
        .await;
    assert_eq!(table.status, StatusCode::OK);
    assert!(table.body.starts_with("\u{feff}名次,对象,得分\n"));
    assert_eq!(table.body.lines().count(), 12, "a header and 11 units");
    let table_xlsx = format!("/evaluations/snapshots/{sid}/table/xlsx");
    crate::oversight::get_xlsx(&c, &app.base, &table_xlsx).await;
    let pq = c
        .get(&format!("/evaluations/snapshots/{sid}/table/parquet"))
        .await;
    assert_eq!(pq.headers["content-type"], "application/vnd.apache.parquet");
    let batches = duban_io::testing::columnar_batches(
        pq.bytes,
        duban_io::columnar_write::ColumnarFormat::Parquet,
    );
    let schema = batches[0].schema();
    let names: Vec<(&str, String)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type().to_string()))
        .collect();
    assert_eq!(
        names,
        [
            ("名次", "Int64".into()),
            ("对象", "Utf8".into()),
            ("得分", "Float64".into())
        ]
    );
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 11);
    let verdict = duban_io::eval_format::verify_snapshot(&dl.body)
        .expect("the library `duban eval verify` runs accepts it")
        .to_string();
    assert!(
        verdict.starts_with("ok: 11 units, 9 indicators"),
        "{verdict}"
    );
    let snap: serde_json::Value = serde_json::from_str(&dl.body).unwrap();
    assert_eq!(snap["schema"], "duban.eval.snapshot/1");
    assert_eq!(
        snap["previous"].as_object().unwrap().len(),
        11,
        "the compared ranks travel with the snapshot"
    );
    let api = c.get(&format!("/api/v1/evaluations/snapshots/{sid}")).await;
    assert_eq!(api.body, dl.body);
    let v = c
        .post_csrf(&format!("/evaluations/snapshots/{sid}/verify"), &[])
        .await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(
        v.body.contains("核验通过：11个评价对象、9项指标") && v.body.contains("逐位一致"),
        "{}",
        v.body
    );
    let list = c.get("/evaluations/snapshots").await;
    assert!(list.body.contains("2026 示例评价"));
    let runs = c.get("/evaluations").await;
    assert!(runs.body.contains(&format!("/evaluations/snapshots/{sid}")));
}

#[tokio::test]
async fn bad_data_is_refused_with_row_and_column_and_nothing_saved() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    c.get("/evaluations").await;
    let (_, method) = demo_ids(&app).await;
    let m = method.to_string();
    let before = app.state.store.eval_datasets().await.unwrap().len();
    let csrf = c.csrf.clone();
    let bad = String::from_utf8(DEMO_CSV.to_vec())
        .unwrap()
        .replacen("4300,6.8", "4300,六点八", 1);
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &csrf), ("method_id", &m)],
            Some(("bad.csv", bad.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("row 4, column C")
            && r.body.contains("六点八")
            && r.body.contains("未保存任何内容"),
        "{}",
        r.body
    );
    let dup = String::from_utf8(DEMO_CSV.to_vec())
        .unwrap()
        .replace("宁波,", "杭州,");
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &csrf), ("method_id", &m)],
            Some(("dup.csv", dup.as_bytes())),
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            && r.body.contains("row 3, column A")
            && r.body.contains("duplicate id"),
        "{}",
        r.body
    );
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &csrf), ("method_id", &m)],
            Some(("x.xls", b"whatever")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing_col = "城市,服务业增加值(亿元)\n杭州,1\n";
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &csrf), ("method_id", &m)],
            Some(("m.csv", missing_col.as_bytes())),
        )
        .await;
    assert!(
        r.body.contains("row 1") && r.body.contains("服务业增加值增速(%)"),
        "{}",
        r.body
    );
    // XLSX: the cell is named as in the spreadsheet.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in ["城市", "a"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "甲").unwrap();
    ws.write_string(1, 1, "n/a?").unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    let spec = "id = \"城市\"\n[[indicator]]\nname = \"a\"\n";
    let mid = app
        .state
        .store
        .create_eval_method("a-only", spec, false, None)
        .await
        .unwrap()
        .id
        .to_string();
    let r = c
        .post_multipart(
            "/evaluations/datasets",
            &[("csrf", &csrf), ("method_id", &mid)],
            Some(("d.xlsx", &xlsx)),
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("row 2, column B"),
        "{}",
        r.body
    );
    assert_eq!(
        app.state.store.eval_datasets().await.unwrap().len(),
        before,
        "nothing saved"
    );
    // A run whose method does not fit the data shows the engine's message and stores nothing.
    let (demo_data, _) = demo_ids(&app).await;
    let r = c
        .post_csrf(
            "/evaluations/runs",
            &[("dataset_id", &demo_data.to_string()), ("method_id", &mid)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"run-error\"") && r.body.contains("no column named"),
        "{}",
        r.body
    );
    assert!(app.state.store.eval_runs().await.unwrap().is_empty());
}

#[tokio::test]
async fn methods_by_form_and_by_text_use_the_cli_parser() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let page = c.get("/evaluations/methods/new").await;
    assert_eq!(page.status, StatusCode::OK);
    // Text: a TOML error is shown and nothing saved.
    let r = c
        .post_csrf(
            "/evaluations/methods",
            &[
                ("mode", "text"),
                ("name", "坏方法"),
                ("spec", "id = \"城市\"\n[[indicator]]\nname = 3\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("方法文本有误") && r.body.contains("未保存"),
        "{}",
        r.body
    );
    let r = c
        .post_csrf(
            "/evaluations/methods",
            &[
                ("mode", "text"),
                ("name", "坏方法"),
                (
                    "spec",
                    "id = \"x\"\n[[indicator]]\nname = \"a\"\n[method]\nweights = \"magic\"\n",
                ),
            ],
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("magic"),
        "{}",
        r.body
    );
    assert!(
        app.state
            .store
            .eval_methods()
            .await
            .unwrap()
            .iter()
            .all(|m| m.name != "坏方法")
    );
    // Text: saved verbatim.
    let text = DEMO_SPEC.replace("draws = 2000", "draws = 300");
    let r = c
        .post_csrf(
            "/evaluations/methods",
            &[("mode", "text"), ("name", "文本方法"), ("spec", &text)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = id_after(r.location(), "/evaluations/methods/");
    assert_eq!(app.state.store.eval_method(id).await.unwrap().spec, text);
    // Form: resubmit the form as the browser would, with a changed weight method.
    let page = c.get(&format!("/evaluations/methods/{id}")).await;
    let mut fields = form_fields(&page.body, "method-form");
    // (the helper posts "on" for checkboxes; these carry values)
    fields.retain(|(k, _)| !k.starts_with("unc_aggregate") && !k.starts_with("unc_normalise"));
    for v in ["efficacy", "minmax", "rank"] {
        fields.push(("unc_normalise".into(), v.into()));
    }
    for v in ["sum", "geometric"] {
        fields.push(("unc_aggregate".into(), v.into()));
    }
    set(&mut fields, "weights", "entropy");
    let r = c
        .post_form(&format!("/evaluations/methods/{id}"), &as_refs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = app.state.store.eval_method(id).await.unwrap();
    let spec = duban_io::eval_format::parse_spec(&m.spec).unwrap();
    assert_eq!(
        spec.method.weights,
        duban_engine::spec::WeightMethod::Entropy
    );
    assert_eq!(spec.indicators.len(), 9);
    assert_eq!(spec.uncertainty.as_ref().unwrap().draws, 300);
    assert_eq!(m.version, 2);
    // A stale form (old version) is a conflict.
    let r = c
        .post_form(&format!("/evaluations/methods/{id}"), &as_refs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Form: a bad number names the field; nothing changes.
    let mut bad = form_fields(
        &c.get(&format!("/evaluations/methods/{id}")).await.body,
        "method-form",
    );
    set(&mut bad, "ind_0_weight", "二十");
    let r = c
        .post_form(&format!("/evaluations/methods/{id}"), &as_refs(&bad))
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("二十"),
        "{}",
        r.body
    );
    assert_eq!(app.state.store.eval_method(id).await.unwrap().version, 2);
}

#[tokio::test]
async fn api_lists_runs_and_snapshots() {
    let app = app_with_users().await;
    let mut admin = login(&app, "admin").await;
    let csrf = admin.csrf.clone();
    let spec = "id = \"城市\"\n[[indicator]]\nname = \"a\"\n[[indicator]]\nname = \"b\"\ndirection = \"cost\"\n[uncertainty]\ndraws = 200\nseed = 3\n";
    let r = admin
        .post_json("/api/v1/evaluations/run", &json!({"csv": "城市,a,b\n甲,1,5\n乙,3,4\n丙,2,1\n", "spec": spec, "previous": {"甲": 1}}), &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["schema"], "duban.eval.result/1");
    assert_eq!(v["units"].as_array().unwrap().len(), 3);
    assert_eq!(v["uncertainty"].as_array().unwrap().len(), 3);
    assert!(
        v["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "甲" && u["rank_change"].is_number())
    );
    let r = admin
        .post_json(
            "/api/v1/evaluations/run",
            &json!({"csv": "城市,a,b\n甲,1,x\n", "spec": spec}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.error_message().contains("row 2, column C"), "{}", r.body);
    let (dataset, method) = {
        admin.get("/evaluations").await;
        demo_ids(&app).await
    };
    let r = admin
        .post_json(
            "/api/v1/evaluations/run",
            &json!({"dataset_id": dataset, "method_id": method}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["units"].as_array().unwrap().len(), 11);
    assert!(
        app.state.store.eval_runs().await.unwrap().is_empty(),
        "the API run stores nothing"
    );
    let id = run(&mut admin, dataset, method, None).await;
    admin
        .post_csrf(&format!("/evaluations/runs/{id}/publish"), &[])
        .await;
    let list = admin.get("/api/v1/evaluations").await.json();
    assert_eq!(list["runs"].as_array().unwrap().len(), 1);
    assert_eq!(list["snapshots"].as_array().unwrap().len(), 1);
    assert_eq!(list["snapshots"][0]["demo"], true);
    let mut rep = login(&app, "rep_fgw").await;
    let list = rep.get("/api/v1/evaluations").await.json();
    assert!(
        list.get("runs").is_none(),
        "reporters see published snapshots only"
    );
    assert_eq!(list["snapshots"].as_array().unwrap().len(), 1);
    let mut viewer = login(&app, "viewer").await;
    let vcsrf = viewer.csrf.clone();
    let r = viewer
        .post_json(
            "/api/v1/evaluations/run",
            &json!({"dataset_id": dataset, "method_id": method}),
            &[("x-csrf-token", &vcsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Role × route for evaluation: anonymous, admin, viewer, reporter.
#[tokio::test]
async fn role_by_route() {
    let app = app_with_users().await;
    let mut admin = login(&app, "admin").await;
    admin.get("/evaluations").await;
    let (d, m) = demo_ids(&app).await;
    let r = run(&mut admin, d, m, None).await;
    let r2 = run(&mut admin, d, m, None).await;
    admin
        .post_csrf(&format!("/evaluations/runs/{r}/publish"), &[])
        .await;
    let s = app.state.store.eval_snapshots().await.unwrap()[0].id;
    let g = Method::GET;
    let p = Method::POST;
    // anonymous, admin, viewer, reporter
    let cases: Vec<(Method, String, [u16; 4])> = vec![
        (g.clone(), "/evaluations".into(), [303, 200, 200, 303]),
        (
            g.clone(),
            "/evaluations/datasets/new".into(),
            [303, 200, 403, 403],
        ),
        (
            g.clone(),
            format!("/evaluations/datasets/{d}"),
            [303, 200, 200, 403],
        ),
        (
            g.clone(),
            format!("/evaluations/datasets/{d}/file"),
            [303, 200, 200, 403],
        ),
        (
            g.clone(),
            "/evaluations/methods/new".into(),
            [303, 200, 403, 403],
        ),
        (
            g.clone(),
            format!("/evaluations/methods/{m}"),
            [303, 200, 200, 403],
        ),
        (
            g.clone(),
            format!("/evaluations/runs/{r}"),
            [303, 200, 200, 403],
        ),
        (
            g.clone(),
            "/evaluations/snapshots".into(),
            [303, 200, 200, 200],
        ),
        (
            g.clone(),
            format!("/evaluations/snapshots/{s}"),
            [303, 200, 200, 200],
        ),
        (
            g.clone(),
            format!("/evaluations/snapshots/{s}/download"),
            [303, 200, 200, 200],
        ),
        (
            g.clone(),
            "/api/v1/evaluations".into(),
            [401, 200, 200, 200],
        ),
        (
            g.clone(),
            format!("/api/v1/evaluations/snapshots/{s}"),
            [401, 200, 200, 200],
        ),
        (
            p.clone(),
            format!("/evaluations/snapshots/{s}/verify"),
            [303, 200, 200, 200],
        ),
        (p.clone(), "/evaluations/runs".into(), [303, 303, 403, 403]),
        (
            p.clone(),
            format!("/evaluations/runs/{r2}/publish"),
            [303, 303, 403, 403],
        ),
        (
            p.clone(),
            "/evaluations/methods".into(),
            [303, 422, 403, 403],
        ),
        (
            p.clone(),
            format!("/evaluations/methods/{m}"),
            [303, 400, 403, 403],
        ),
        (
            p.clone(),
            "/evaluations/datasets/from-reports".into(),
            [303, 422, 403, 403],
        ),
        (
            p.clone(),
            "/api/v1/evaluations/run".into(),
            [401, 422, 403, 403],
        ),
    ];
    let names = ["", "admin", "viewer", "rep_fgw"];
    // Admin last: its writes change state.
    let mut failures = Vec::new();
    for who in [0usize, 2, 3, 1] {
        let mut c = if who == 0 {
            Client::new(&app)
        } else {
            login(&app, names[who]).await
        };
        let csrf = c.csrf.clone();
        for (method, path, expect) in &cases {
            let status = if *method == Method::GET {
                c.get(path).await.status
            } else if path.starts_with("/api/") {
                c.post_json(path, &json!({}), &[("x-csrf-token", &csrf)])
                    .await
                    .status
            } else if path == "/evaluations/runs" {
                c.post_csrf(
                    path,
                    &[
                        ("dataset_id", &d.to_string()),
                        ("method_id", &m.to_string()),
                    ],
                )
                .await
                .status
            } else {
                c.post_csrf(path, &[]).await.status
            };
            if status.as_u16() != expect[who] {
                failures.push(format!(
                    "{method} {path} as {}: expected {}, got {status}",
                    if who == 0 { "anonymous" } else { names[who] },
                    expect[who]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// "Use indicator data already in duban": the latest accepted value of chosen targets per
/// unit. In the seed plan each target belongs to one department, so such a table has one
/// value per column; the engine then says plainly that nothing is left to compare.
#[tokio::test]
async fn a_data_set_from_accepted_reports() {
    let app = app_with_users().await;
    duban_web::demo::load_demo(&app.state.store)
        .await
        .expect("deliver demo loads");
    let targets = app.state.store.reported_targets().await.unwrap();
    // One target of each of three different units.
    let mut chosen = Vec::new();
    let mut units = Vec::new();
    for t in &targets {
        let v = duban_app::dataset::unit_values(&app.state.store, t)
            .await
            .unwrap();
        assert_eq!(v.len() as i64, t.units);
        if !units.contains(&v[0].unit_name) && chosen.len() < 3 {
            units.push(v[0].unit_name.clone());
            chosen.push((t.target_id.to_string(), v[0].value));
        }
    }
    assert_eq!(
        chosen.len(),
        3,
        "the deliver demo has accepted values of three units"
    );
    let mut c = login(&app, "admin").await;
    let page = c.get("/evaluations/datasets/new").await;
    assert!(page.body.contains(&format!("value=\"{}\"", chosen[0].0)));
    let mut fields = vec![("name", "报送数据")];
    fields.extend(chosen.iter().map(|(id, _)| ("target", id.as_str())));
    let r = c
        .post_csrf("/evaluations/datasets/from-reports", &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let dataset = id_after(r.location(), "/evaluations/datasets/");
    let d = app.state.store.eval_dataset(dataset).await.unwrap();
    assert_eq!((d.source.as_str(), d.units), ("reports", 3));
    let page = c.get(&format!("/evaluations/datasets/{dataset}")).await;
    for (u, (_, v)) in units.iter().zip(&chosen) {
        assert!(
            page.body.contains(u.as_str()) && page.body.contains(&v.to_string()),
            "{u} {v}"
        );
    }
    assert_eq!(page.body.matches("缺失").count(), 6, "one value per unit");
    let r = c
        .post_csrf(
            "/evaluations/runs",
            &[
                ("dataset_id", &dataset.to_string()),
                ("method_id", &d.method_id.unwrap().to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nothing left to evaluate"), "{}", r.body);
}

/// A CSV file as Parquet, written by the arrow crates: a column whose cells all parse as
/// numbers (or are empty or `NA`) is Float64 with nulls, any other UTF-8.
pub fn csv_as_parquet(csv: &[u8]) -> Vec<u8> {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let mut reader = csv::Reader::from_reader(csv);
    let head: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let missing = |c: &str| c.is_empty() || c == "NA";
    let columns = head.iter().enumerate().map(|(j, name)| {
        let cells = || rows.iter().map(move |r| r.get(j).unwrap_or(""));
        let numeric = cells().all(|c| missing(c) || c.parse::<f64>().is_ok());
        let array: ArrayRef = if numeric {
            Arc::new(Float64Array::from_iter(
                cells().map(|c| c.parse::<f64>().ok()),
            ))
        } else {
            Arc::new(StringArray::from_iter_values(cells()))
        };
        (name.clone(), array)
    });
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}
