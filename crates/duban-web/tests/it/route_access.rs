//! Every route of the router has a row (issue 8): the routes are read from the source of
//! `src/routes/` and `src/api/` (each `.route("PATH", get(..).post(..))`), and each
//! (method, path) must be classified below. A route added without its row fails this test.
//! Each class is then checked for every route in it, with placeholder ids: anonymous
//! requests are sent to the login page (pages) or answered 401 (API, metrics); admin-only
//! routes answer 403 to a viewer and to a reporter (CSRF token valid), before any lookup.
//! The detailed role × route × outcome cases stay in `roles.rs`.

use std::collections::BTreeSet;

use axum::http::Method;

use crate::client::Client;
use crate::{app_with_users, login};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Access {
    /// Anyone, no login (login page, health, assets, the public portal).
    Public,
    /// Any signed-in user (the handler may narrow by role or unit).
    Signed,
    /// The office (administrators) only.
    Admin,
}
use Access::*;

/// (method, path as written in the router, class). Shared with `security_text.rs`, which
/// sends invalid text to every route.
pub(crate) const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/", Signed),
    ("GET", "/assets/{*path}", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Signed),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Signed),
    ("GET", "/plans", Signed),
    ("POST", "/plans", Admin),
    ("GET", "/plans/new", Admin),
    ("GET", "/plans/{id}", Signed),
    ("GET", "/plans/{id}/tasks", Signed),
    ("GET", "/plans/{id}/review", Admin),
    ("GET", "/plans/{id}/export.json", Signed),
    ("GET", "/plans/{id}/edit", Admin),
    ("POST", "/plans/{id}/edit", Admin),
    ("GET", "/plans/{id}/adopt", Admin),
    ("POST", "/plans/{id}/adopt", Admin),
    ("POST", "/plans/{id}/unadopt", Admin),
    ("POST", "/plans/{id}/confirm-assignment", Admin),
    ("POST", "/plans/{id}/tasks/new", Admin),
    ("POST", "/plans/{id}/pillars/new", Admin),
    ("POST", "/plans/{id}/pillars/{pillar}/delete", Admin),
    ("GET", "/plans/{id}/status", Signed),
    ("GET", "/plans/{id}/status/download/{file}", Signed),
    ("GET", "/plans/{id}/sheet", Signed),
    ("POST", "/plans/{id}/sheet/import", Signed),
    ("GET", "/plans/{id}/sheet/all.xlsx", Signed),
    ("GET", "/plans/{id}/summary", Signed),
    ("GET", "/tasks/{id}", Signed),
    ("GET", "/tasks/{id}/edit", Admin),
    ("POST", "/tasks/{id}/edit", Admin),
    ("POST", "/tasks/{id}/delete", Admin),
    ("POST", "/tasks/{id}/merge", Admin),
    ("POST", "/tasks/{id}/split", Admin),
    ("POST", "/targets/{id}/move", Admin),
    ("GET", "/tasks/{id}/deliver", Signed),
    ("GET", "/tasks/{id}/history", Signed),
    ("GET", "/units", Signed),
    ("GET", "/units/{code}", Signed),
    ("GET", "/admin/users", Admin),
    ("POST", "/admin/users", Admin),
    ("POST", "/admin/users/{id}/disable", Admin),
    ("POST", "/admin/users/{id}/enable", Admin),
    ("POST", "/admin/users/{id}/password", Admin),
    ("GET", "/admin/units", Admin),
    ("POST", "/admin/units", Admin),
    ("POST", "/admin/units/{id}/kind", Admin),
    ("POST", "/admin/units/{id}/confirm", Admin),
    ("POST", "/admin/units/{id}/merge", Admin),
    ("POST", "/admin/units/{id}/alias", Admin),
    ("GET", "/admin/tokens", Admin),
    ("POST", "/admin/tokens", Admin),
    ("POST", "/admin/tokens/{id}/revoke", Admin),
    ("GET", "/admin/adjustments", Admin),
    ("GET", "/admin/audit", Admin),
    ("GET", "/admin/calendar", Admin),
    ("POST", "/admin/calendar", Admin),
    ("GET", "/admin/escalations", Admin),
    ("POST", "/admin/escalations", Admin),
    ("POST", "/admin/escalations/run", Admin),
    ("GET", "/admin/notifications", Admin),
    ("POST", "/admin/notifications", Admin),
    ("POST", "/admin/notifications/contact", Admin),
    ("POST", "/admin/notifications/deliver", Admin),
    ("GET", "/deliver", Signed),
    ("POST", "/reports/new", Signed),
    ("POST", "/reports/batch-accept", Admin),
    ("GET", "/reports/{id}", Signed),
    ("POST", "/reports/{id}", Signed),
    ("POST", "/reports/{id}/evidence", Signed),
    ("POST", "/reports/{id}/{action}", Signed),
    ("GET", "/evidence/{id}", Signed),
    ("POST", "/evidence/{id}/delete", Signed),
    ("GET", "/methods/status", Public),
    ("GET", "/escalations", Signed),
    ("POST", "/escalations/batch-close", Admin),
    ("GET", "/escalations/{id}", Signed),
    ("POST", "/escalations/{id}/{action}", Signed),
    ("GET", "/escalations/{id}/notice/{format}", Signed),
    ("GET", "/messages", Signed),
    ("GET", "/search", Signed),
    ("POST", "/messages/read", Signed),
    ("GET", "/evaluations", Signed),
    ("GET", "/evaluations/datasets/new", Admin),
    ("POST", "/evaluations/datasets", Admin),
    ("POST", "/evaluations/datasets/from-reports", Admin),
    ("GET", "/evaluations/datasets/{id}", Signed),
    ("GET", "/evaluations/datasets/{id}/file", Signed),
    ("GET", "/evaluations/methods/new", Admin),
    ("POST", "/evaluations/methods", Admin),
    ("GET", "/evaluations/methods/{id}", Signed),
    ("POST", "/evaluations/methods/{id}", Admin),
    ("POST", "/evaluations/runs", Admin),
    ("GET", "/evaluations/runs/{id}", Signed),
    ("POST", "/evaluations/runs/{id}/publish", Admin),
    ("GET", "/evaluations/snapshots", Signed),
    ("GET", "/evaluations/snapshots/{id}", Signed),
    ("GET", "/evaluations/snapshots/{id}/download", Signed),
    ("POST", "/evaluations/snapshots/{id}/verify", Signed),
    ("GET", "/evaluations/snapshots/{id}/table/{format}", Signed),
    // 亩均效益评价: the office's (reads too); viewers read final results only.
    ("GET", "/muni", Signed),
    ("POST", "/muni/demo", Admin),
    ("POST", "/muni/demo/generate", Admin),
    ("GET", "/muni/schemes/new", Admin),
    ("POST", "/muni/schemes", Admin),
    ("GET", "/muni/schemes/{id}", Admin),
    ("POST", "/muni/schemes/{id}/policy", Admin),
    ("POST", "/muni/schemes/{id}/datasets", Admin),
    ("POST", "/muni/runs", Admin),
    ("GET", "/muni/runs/{id}", Admin),
    ("POST", "/muni/runs/{id}/cancel", Admin),
    ("GET", "/muni/runs/{id}/report", Admin),
    ("GET", "/muni/runs/{id}/firms/{format}", Admin),
    ("POST", "/muni/runs/{id}/publicity", Admin),
    ("POST", "/muni/runs/{id}/objections", Admin),
    ("POST", "/muni/objections/{id}/decide", Admin),
    ("POST", "/muni/runs/{id}/rerun", Admin),
    ("POST", "/muni/runs/{id}/final", Admin),
    // Final results: the office and viewers (reporters 403, in muni.rs).
    ("GET", "/muni/finals", Signed),
    ("GET", "/muni/finals/{id}", Signed),
    ("GET", "/muni/finals/{id}/download", Signed),
    ("GET", "/muni/finals/{id}/firms/{format}", Signed),
    ("GET", "/publications", Admin),
    ("POST", "/publications/plan", Admin),
    ("POST", "/publications/evaluation", Admin),
    ("POST", "/publications/leaders", Admin),
    ("GET", "/publications/compare", Admin),
    ("GET", "/publications/{id}", Admin),
    ("POST", "/publications/{id}/withdraw", Admin),
    ("POST", "/publications/{id}/verify", Admin),
    ("POST", "/bulletins", Admin),
    ("GET", "/bulletins/{id}", Admin),
    ("POST", "/bulletins/{id}/advance", Admin),
    ("GET", "/bulletins/{id}/download/{format}", Admin),
    ("GET", "/public", Public),
    ("GET", "/public/", Public),
    ("GET", "/public/{*path}", Public),
    ("GET", "/monitor", Signed),
    ("GET", "/monitor/indicators/{name}", Signed),
    ("GET", "/monitor/regions/{code}", Signed),
    ("GET", "/monitor/alerts", Signed),
    ("GET", "/monitor/alerts/{id}", Signed),
    ("GET", "/monitor/import", Admin),
    ("POST", "/monitor/import", Admin),
    ("GET", "/monitor/rules", Signed),
    ("POST", "/monitor/rules", Admin),
    ("GET", "/monitor/bindings", Signed),
    ("POST", "/monitor/bindings", Admin),
    ("POST", "/monitor/alerts/run", Admin),
    ("POST", "/monitor/alerts/{id}/{action}", Admin),
    ("GET", "/api/v1/monitor/catalogue", Signed),
    ("GET", "/api/v1/monitor/series", Signed),
    ("GET", "/api/v1/monitor/export", Signed),
    ("GET", "/api/v1/monitor/imports", Signed),
    ("POST", "/api/v1/monitor/imports", Admin),
    ("GET", "/api/v1/monitor/alerts", Signed),
    ("GET", "/api/v1/monitor/alerts/{id}", Signed),
    ("POST", "/api/v1/monitor/alerts/run", Admin),
    ("POST", "/api/v1/monitor/alerts/{id}/{action}", Admin),
    ("GET", "/api/v1/monitor/bindings", Signed),
    ("POST", "/api/v1/monitor/bindings", Admin),
    // JSON API (bearer token or session + CSRF header). Accept, return and reopen are the
    // office's: the report workflow refuses other actors once the report is found
    // (deliver.rs, roles.rs); here a missing report is a 404 for everyone.
    ("ANY", "/api/{*rest}", Signed),
    ("GET", "/api/v1/plans/{id}/periods", Signed),
    ("GET", "/api/v1/plans/{id}/status", Signed),
    ("POST", "/api/v1/reports", Signed),
    ("GET", "/api/v1/reports/{id}", Signed),
    ("POST", "/api/v1/reports/{id}/submit", Signed),
    ("POST", "/api/v1/reports/{id}/accept", Signed),
    ("POST", "/api/v1/reports/{id}/return", Signed),
    ("POST", "/api/v1/reports/{id}/reopen", Signed),
    ("GET", "/api/v1/evaluations", Signed),
    ("POST", "/api/v1/evaluations/run", Signed),
    ("GET", "/api/v1/evaluations/snapshots/{id}", Signed),
    ("GET", "/api/v1/plans/{id}/export.xlsx", Signed),
    ("POST", "/api/v1/plans/{id}/import", Signed),
    ("POST", "/api/v1/plans/{id}/escalations/run", Admin),
    ("GET", "/api/v1/escalations", Signed),
    ("GET", "/api/v1/escalations/{id}", Signed),
];

/// Every (method, path) routed in `src/routes/` and `src/api/` (test modules left out).
fn routed() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["routes", "api"] {
        for e in std::fs::read_dir(src.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap();
        for chunk in text.split(".route(").skip(1) {
            let Some(path) = chunk.trim_start().strip_prefix('"') else {
                continue;
            };
            let path = path.split('"').next().unwrap();
            // The method router: up to the parenthesis that closes `.route(`.
            let (mut depth, mut end) = (1, 0);
            for (i, c) in chunk.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            let expr = &chunk[..end];
            let mut methods = Vec::new();
            for m in ["get", "post", "put", "delete", "patch", "any"] {
                let pat = format!("{m}(");
                let mut rest = expr;
                while let Some(i) = rest.find(&pat) {
                    let before = rest[..i].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        methods.push(m.to_uppercase());
                    }
                    rest = &rest[i + pat.len()..];
                }
            }
            if methods.is_empty() {
                methods.push("ANY".to_string());
            }
            for m in methods {
                out.insert((m, path.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_routed_path_has_a_row() {
    let routed = routed();
    assert!(routed.len() > 100, "the router was read: {}", routed.len());
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    // Both ways: a route nobody classified, and a row for a route that is gone.
    for (from, not_in, what) in [
        (&routed, &table, "routes without a row in route_access.rs"),
        (&table, &routed, "rows for routes that are gone"),
    ] {
        let extra: Vec<String> = from
            .difference(not_in)
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        assert!(extra.is_empty(), "{what}:\n{}", extra.join("\n"));
    }
}

/// The path with its parameters filled by placeholders that exist nowhere.
pub(crate) fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{*path}" => "app.css",
            "{*rest}" => "v1/nothing",
            "{code}" => "fgw",
            "{name}" => "nothing",
            "{action}" => "accept",
            "{file}" => "tasks.csv",
            "{format}" => "docx",
            s if s.starts_with('{') => "999999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn each_class_is_enforced_on_every_route_in_it() {
    let app = app_with_users().await;
    let mut anon = Client::new(&app);
    let mut viewer = login(&app, "viewer").await;
    let mut reporter = login(&app, "rep_fgw").await;
    let mut failures = Vec::new();
    for (method, path, access) in ROUTES {
        if *method == "ANY" {
            continue;
        }
        let url = concrete(path);
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let api = duban_web::auth::is_machine_path(&url);
        let r = anon.send(m.clone(), &url, None, &[], Vec::new()).await;
        let to_login = r.status.as_u16() == 303 && r.location().starts_with("/login");
        match access {
            Public => {
                if r.status.as_u16() == 401 || to_login {
                    failures.push(format!(
                        "{method} {path}: public, but anonymous got {}",
                        r.status
                    ));
                }
            }
            Signed | Admin => {
                let ok = if api {
                    r.status.as_u16() == 401
                } else {
                    to_login
                };
                if !ok {
                    failures.push(format!(
                        "{method} {path}: anonymous got {} {}",
                        r.status,
                        r.location()
                    ));
                }
            }
        }
        if *access == Admin {
            for (who, c) in [("viewer", &mut viewer), ("rep_fgw", &mut reporter)] {
                let csrf = c.csrf.clone();
                let r = if m == Method::GET {
                    c.get(&url).await
                } else if api {
                    c.send(
                        m.clone(),
                        &url,
                        Some("application/json"),
                        &[("x-csrf-token", &csrf)],
                        b"{}".to_vec(),
                    )
                    .await
                } else {
                    c.post_csrf(&url, &[]).await
                };
                if r.status.as_u16() != 403 {
                    failures.push(format!("{method} {path}: {who} got {}", r.status));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
