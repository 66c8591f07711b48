//! Invalid text on every route (issue 9): a NUL byte or a byte that is not UTF-8 in the
//! path, the query string, a form field, a multipart field or file name, or a JSON string
//! is refused with 400 naming the field (`security::text_guard`), on every route of
//! `route_access.rs`'s table, before it can reach a handler or the database (PostgreSQL
//! answered 500 on a NUL in text it stores or filters by). Valid writes still work.
//! Runs on SQLite, and on PostgreSQL when DUBAN_TEST_DATABASE_URL is set.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::client::{Client, Resp};
use crate::deliver::api_draft;
use crate::route_access::{ROUTES, concrete};
use crate::{app_with_users, login, seed_plan_id};

/// The two kinds of invalid text, percent-encoded.
const BAD: [&str; 2] = ["%00", "%FF"];

/// The routes that read a multipart upload form (with placeholder ids some answer 404
/// before reading it; never 5xx).
const MULTIPART: &[&str] = &[
    "/plans",
    "/plans/{id}/sheet/import",
    "/reports/{id}/evidence",
    "/evaluations/datasets",
    "/muni/schemes",
    "/muni/schemes/{id}/datasets",
    "/muni/runs/{id}/rerun",
    "/publications/leaders",
    "/monitor/import",
];

/// The text fields of a multipart form.
type Fields<'a> = Vec<(&'a str, &'a [u8])>;

fn message(field: &str) -> String {
    format!("字段“{field}”含有无效字符（NUL 或非 UTF-8）")
}

/// A 400 naming `needle` (the field's message, or the path's), never a 5xx.
fn expect_refused(failures: &mut Vec<String>, what: &str, r: &Resp, needle: &str) {
    if r.status != StatusCode::BAD_REQUEST || !r.body.contains(needle) {
        failures.push(format!(
            "{what}: {} {}",
            r.status,
            &r.body.chars().take(160).collect::<String>()
        ));
    }
}

/// A request of `method` to `url` as the office user, with `body` of `content_type`
/// (the CSRF header on every request: the API reads it, the pages ignore it).
async fn send(c: &mut Client, method: &str, url: &str, ct: Option<&str>, body: Vec<u8>) -> Resp {
    let csrf = c.csrf.clone();
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    c.send(m, url, ct, &[("x-csrf-token", &csrf)], body).await
}

fn form_body(csrf: &str, value: &str) -> Vec<u8> {
    format!("csrf={csrf}&q=a{value}b").into_bytes()
}

fn multipart(fields: &[(&str, &[u8])], file: Option<(&[u8], &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----dubanTextGuard9";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(v);
        body.extend_from_slice(b"\r\n");
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
                .as_bytes(),
        );
        body.extend_from_slice(name);
        body.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn invalid_text_is_refused_on_every_route() {
    let app = app_with_users().await;
    let mut office = login(&app, "admin").await;
    let csrf = office.csrf.clone();
    let mut failures = Vec::new();
    let mut checked = 0;
    // `/logout` last: should a request get through to it, the rest would run signed out.
    let routes = ROUTES
        .iter()
        .filter(|r| r.1 != "/logout")
        .chain(ROUTES.iter().filter(|r| r.1 == "/logout"));
    for (method, path, _) in routes {
        if *method == "ANY" {
            continue;
        }
        let url = concrete(path);
        let post = *method == "POST";
        let empty = || {
            if post {
                Some("application/x-www-form-urlencoded")
            } else {
                None
            }
        };
        for bad in BAD {
            // The query string.
            let sep = if url.contains('?') { '&' } else { '?' };
            let u = format!("{url}{sep}x=1&q=a{bad}b");
            let body = if post {
                form_body(&csrf, "")
            } else {
                Vec::new()
            };
            let r = send(&mut office, method, &u, empty(), body).await;
            expect_refused(&mut failures, &format!("{method} {u}"), &r, &message("q"));

            // A path segment: the first parameter, or the last segment.
            let segs: Vec<&str> = path.split('/').collect();
            let at = segs
                .iter()
                .position(|s| s.starts_with('{'))
                .unwrap_or(segs.len() - 1);
            let u: String = url
                .split('/')
                .enumerate()
                .map(|(i, s)| {
                    if i == at {
                        format!("{s}{bad}")
                    } else {
                        s.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let body = if post {
                form_body(&csrf, "")
            } else {
                Vec::new()
            };
            let r = send(&mut office, method, &u, empty(), body).await;
            expect_refused(
                &mut failures,
                &format!("{method} {u}"),
                &r,
                "路径含有无效字符",
            );
            checked += 2;
            if !post {
                continue;
            }

            // A form field.
            let r = send(&mut office, method, &url, empty(), form_body(&csrf, bad)).await;
            expect_refused(
                &mut failures,
                &format!("{method} {url} form {bad}"),
                &r,
                &message("q"),
            );

            // A JSON string (escaped NUL), nested; raw non-UTF-8 bytes in a JSON string.
            let body = if bad == "%00" {
                json!({"plan_id": 1, "values": [{"note": "ok"}, {"note": "a\u{0}b"}]})
                    .to_string()
                    .into_bytes()
            } else {
                b"{\"plan_id\":1,\"progress\":\"a\xffb\"}".to_vec()
            };
            let needle = if bad == "%00" {
                message("values[1].note")
            } else {
                "请求内容不是有效的 UTF-8 编码".to_string()
            };
            // The API reads its body as JSON whatever the Content-Type says (found by a probe:
            // a JSON body sent as text/plain passed the guard).
            let types: &[&str] = if path.starts_with("/api/") && post {
                &["application/json", "text/plain"]
            } else {
                &["application/json"]
            };
            for ct in types {
                let r = send(&mut office, method, &url, Some(ct), body.clone()).await;
                let what = format!("{method} {url} {ct} {bad}");
                // A route that does not take JSON (an upload, a missing record) refuses the
                // body its own way; none may store it or fail.
                let other = *ct == "text/plain" && url != "/api/v1/reports";
                if !other {
                    expect_refused(&mut failures, &what, &r, &needle);
                } else if r.status.is_server_error() || r.status.is_success() {
                    failures.push(format!("{what}: {}", r.status));
                }
            }

            // A multipart text field: refused once the handler reads it; never a 5xx.
            if *path != "/logout" && *path != "/login" {
                let raw: &[u8] = if bad == "%00" { b"a\0b" } else { b"a\xffb" };
                let (ct, body) = multipart(&[("csrf", csrf.as_bytes()), ("q", raw)], None);
                let r = send(&mut office, method, &url, Some(&ct), body).await;
                let what = format!("{method} {url} multipart {bad}");
                if MULTIPART.contains(path) {
                    if r.status != StatusCode::NOT_FOUND {
                        expect_refused(&mut failures, &what, &r, &message("q"));
                    }
                } else if r.status.is_server_error() || r.status.is_success() {
                    failures.push(format!("{what}: {}", r.status));
                }
            }
            checked += 3;
        }
    }
    assert!(checked > 600, "{checked} requests");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Still signed in: nothing above logged the office out.
    assert_eq!(office.get("/plans").await.status, StatusCode::OK);
}

/// Multipart forms that reach their handler: a bad text field, field name or file name is
/// a 400 naming the field; the valid upload still works; nothing is stored.
#[tokio::test]
async fn multipart_fields_and_file_names_are_checked() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let id = api_draft(&app, "按计划推进").await;
    let mut web = login(&app, "rep_fgw").await;
    let csrf = web.csrf.clone();
    let url = format!("/reports/{id}/evidence");
    let pdf: &[u8] = b"%PDF-1.4 evidence \x00\xff binary is fine in a file";
    let cases: Vec<(Fields, &[u8], String)> = vec![
        (
            vec![("csrf", csrf.as_bytes()), ("note", b"a\0b")],
            b"ok.pdf",
            message("note"),
        ),
        (
            vec![("note", b"a\xffb"), ("csrf", csrf.as_bytes())],
            b"ok.pdf",
            message("note"),
        ),
        (
            vec![("csrf", csrf.as_bytes())],
            "佐证\u{0}.pdf".as_bytes(),
            "字段“file”的文件名含有无效字符（NUL 或非 UTF-8）".to_string(),
        ),
        (
            vec![("csrf", csrf.as_bytes())],
            b"\xff\xfe.pdf",
            "字段“file”的文件名含有无效字符（NUL 或非 UTF-8）".to_string(),
        ),
        (
            vec![("csrf", csrf.as_bytes()), ("n\0te", b"x")],
            b"ok.pdf",
            message("n\\0te"),
        ),
    ];
    for (fields, name, needle) in &cases {
        let (ct, body) = multipart(fields, Some((name, pdf)));
        let r = web.send(Method::POST, &url, Some(&ct), &[], body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{needle}: {}", r.body);
        assert!(r.body.contains(needle.as_str()), "{needle}: {}", r.body);
    }
    // A text field declared binary (no file name) is still a field: checked by the handler
    // that reads it (found by a probe: it was stored as a lossy copy, a 500 on PostgreSQL).
    let (ct, body) = multipart(
        &[
            ("csrf", csrf.as_bytes()),
            ("note", b"MPZ \xff\xfe \x00 nul"),
        ],
        Some((b"ok.pdf", pdf)),
    );
    let mut body = body;
    let head = b"name=\"note\"\r\n";
    let at = body.windows(head.len()).position(|w| w == head).unwrap() + head.len();
    body.splice(
        at..at,
        b"Content-Type: application/octet-stream\r\n"
            .iter()
            .copied(),
    );
    let r = web.send(Method::POST, &url, Some(&ct), &[], body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains(&message("note")), "{}", r.body);
    assert!(
        app.state
            .store
            .report_evidence(id)
            .await
            .unwrap()
            .is_empty()
    );

    // The valid upload (binary content, a Chinese file name) is stored.
    let (ct, body) = multipart(
        &[("csrf", csrf.as_bytes())],
        Some(("佐证材料.pdf".as_bytes(), pdf)),
    );
    let r = web.send(Method::POST, &url, Some(&ct), &[], body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = app.state.store.report_evidence(id).await.unwrap();
    assert_eq!(stored.len(), 1);

    // The seed plan's 督办表 import reads its form first: a bad field is named.
    let mut office = login(&app, "admin").await;
    let csrf = office.csrf.clone();
    let (ct, body) = multipart(
        &[("csrf", csrf.as_bytes()), ("mode", b"\0")],
        Some((b"sheet.xlsx", b"PK")),
    );
    let r = office
        .send(
            Method::POST,
            &format!("/plans/{plan}/sheet/import"),
            Some(&ct),
            &[],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains(&message("mode")), "{}", r.body);
}

/// Valid text (Chinese, escapes other than NUL, `+` and `%20`) still goes through on the
/// same paths: a query, a form save, a JSON save.
#[tokio::test]
async fn valid_text_still_works() {
    let app = app_with_users().await;
    let id = api_draft(&app, "进展\t“引号”\\ 😀").await;
    assert!(
        app.state
            .store
            .report(id)
            .await
            .unwrap()
            .progress
            .contains("“引号”")
    );
    let mut web = login(&app, "rep_fgw").await;
    let r = web.get("/search?q=%E4%B8%AD+%E6%96%87%20x").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = web.get(&format!("/reports/{id}")).await;
    let version = crate::client::input_value(&page.body, "version").expect("version field");
    let r = web
        .post_csrf(
            &format!("/reports/{id}"),
            &[("version", &version), ("progress", "表单保存的中文进展")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.state.store.report(id).await.unwrap().progress,
        "表单保存的中文进展"
    );
}
