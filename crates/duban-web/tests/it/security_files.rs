//! Invalid text inside uploaded files (issue 9): a NUL byte or bytes that are not UTF-8 in
//! a cell of a monitor series, an evaluation data set or a 亩均 firm file are a 422 naming
//! the file (and for a NUL the row and column), never a 500 — PostgreSQL refuses NUL in
//! `text` (a NUL firm name was accepted, and its run failed on PostgreSQL). A CSV that is
//! not UTF-8 is read as GB18030 by the readers' rule and refused by its content. Nothing is
//! stored. Runs on SQLite and PostgreSQL.

use axum::http::StatusCode;

use crate::client::Resp;
use crate::{app_with_users, login};

/// A 422 that names `file` and `place` (row, column), never a 5xx.
fn refused(what: &str, r: &Resp, file: &str, place: &str) -> Option<String> {
    let m = message_of(&r.body);
    (r.status != StatusCode::UNPROCESSABLE_ENTITY || !m.contains(file) || !m.contains(place))
        .then(|| format!("{what}: {} {}", r.status, message_of(&r.body)))
}

/// The page's error message (the text of its `class="error"` element), else its start.
fn message_of(body: &str) -> String {
    let text = body
        .split("class=\"error\"")
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .map(|(_, s)| s.split('<').next().unwrap_or(""))
        .unwrap_or(body);
    text.chars().take(300).collect()
}

/// The place the message names for the cell `bad`: only a NUL has one (bytes that are not
/// UTF-8 spoil the whole file).
fn place_of(bad: &[u8], nul_place: &'static str) -> &'static str {
    if bad.contains(&0) { nul_place } else { "" }
}

/// `text` with its `n`-th line's first cell after the first comma replaced by `cell`.
fn with_cell(text: &[u8], line: usize, cell: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in text.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if i == line {
            let comma = l.iter().position(|b| *b == b',').unwrap();
            let rest = &l[comma + 1..];
            let next = rest.iter().position(|b| *b == b',').unwrap();
            out.extend_from_slice(&l[..=comma]);
            out.extend_from_slice(cell);
            out.extend_from_slice(&rest[next..]);
        } else {
            out.extend_from_slice(l);
        }
    }
    out
}

#[tokio::test]
async fn invalid_text_in_uploaded_files_is_a_422() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let csrf = c.csrf.clone();
    let mut failures = Vec::new();
    let monitor = include_bytes!("../../../../data/monitor/services-2019-2020-示例数据.csv");
    let before = app.state.store.monitor_imports().await.unwrap().len();
    c.get("/evaluations").await; // loads the demo method
    let method = app.state.store.eval_methods().await.unwrap()[0]
        .id
        .to_string();
    let datasets = app.state.store.eval_datasets().await.unwrap().len();
    for bad in ["服务\0业".as_bytes(), b"\xff\xfe"] {
        // Monitor series: the indicator cell of data row 2.
        let file = with_cell(monitor, 2, bad);
        let r = c
            .post_multipart(
                "/monitor/import",
                &[("csrf", &csrf), ("format", "series")],
                Some(("series.csv", &file)),
            )
            .await;
        // A non-UTF-8 CSV is read as GB18030 (the reader's rule): refused all the same.
        let place = place_of(bad, "第2条");
        failures.extend(refused("monitor", &r, "series.csv", place));

        // Evaluation data set: the first indicator of the second city.
        let file = with_cell(duban_web::evaluation::DEMO_CSV, 2, bad);
        let r = c
            .post_multipart(
                "/evaluations/datasets",
                &[("csrf", &csrf), ("name", "坏数据"), ("method_id", &method)],
                Some(("cities.csv", &file)),
            )
            .await;
        let place = place_of(bad, "row 3, column B");
        failures.extend(refused("evaluation", &r, "cities.csv", place));
    }
    assert_eq!(
        app.state.store.monitor_imports().await.unwrap().len(),
        before
    );
    assert_eq!(
        app.state.store.eval_datasets().await.unwrap().len(),
        datasets
    );
    // The same in the `note` column, which the reader does not read: accepted or
    // refused, never a 5xx.
    let text = String::from_utf8_lossy(monitor).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    let noted = lines[2].replace("示例数据", "示例\0数据");
    lines[2] = &noted;
    let file = lines.join("\n");
    let r = c
        .post_multipart(
            "/monitor/import",
            &[("csrf", &csrf), ("format", "series")],
            Some(("noted.csv", file.as_bytes())),
        )
        .await;
    if r.status.is_server_error() {
        failures.push(format!("monitor note: {}", r.status));
    }

    // 亩均: the firm name of the second firm, into the demo scheme.
    let r = c.post_csrf("/muni/demo", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let scheme = r
        .location()
        .trim_start_matches("/muni/schemes/")
        .to_string();
    let firms_before = app.state.store.muni_datasets(None).await.unwrap().len();
    for bad in ["企业\0".as_bytes(), b"\xff\xfe"] {
        let file = with_cell(duban_web::muni::DEMO_CSV, 2, bad);
        let r = c
            .post_multipart(
                &format!("/muni/schemes/{scheme}/datasets"),
                &[("csrf", &csrf), ("name", "")],
                Some(("firms.csv", &file)),
            )
            .await;
        let place = place_of(bad, "row 3, column B");
        failures.extend(refused("muni", &r, "firms.csv", place));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        app.state.store.muni_datasets(None).await.unwrap().len(),
        firms_before
    );
}
