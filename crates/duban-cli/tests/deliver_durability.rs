//! A report acknowledged to the user (HTTP 2xx) survives `kill -9` of the server: the real
//! `duban serve` binary on a SQLite data dir, a user and token made with the CLI, a report
//! posted over HTTP, SIGKILL right after the answer, a restart on the same data dir, and
//! the report is there — created, then submitted, each acknowledged write checked.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::{duban, kill9, serve};
use serde_json::{Value, json};

/// One HTTP/1.1 request with a bearer token and a JSON body; returns (status, JSON body).
fn http(addr: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let headers = format!("Authorization: Bearer {token}\r\nContent-Type: application/json\r\n");
    let (status, _, text) = common::http(addr, method, path, &headers, &payload);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn an_acknowledged_report_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    // The seed (units, plan) is loaded on the first start.
    let (first, _) = serve(dir.path());
    kill9(first);
    duban(
        dir.path(),
        &common::add_reporter("rep", "fgw"),
        Some("rep-password-123\n"),
    );
    let out = duban(dir.path(), &["token", "create", "rep"], None);
    let token = out.lines().last().unwrap().trim().to_string();

    let (server, addr) = serve(dir.path());
    let (st, plans) = http(&addr, "GET", "/api/v1/plans", &token, None);
    assert_eq!(st, 200);
    let plan_id = plans[0]["id"].as_i64().unwrap();
    let (_, plan) = http(
        &addr,
        "GET",
        &format!("/api/v1/plans/{plan_id}"),
        &token,
        None,
    );
    let task = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["unit_code"] == "fgw" && a["role"] == "lead")
        })
        .expect("a task led by fgw");
    let draft = json!({
        "plan_id": plan_id, "task": task["number"], "period": "2020-Q1",
        "progress": "一季度进展：kill -9 之前已确认", "problems": "无", "next_steps": "继续",
    });
    let (st, created) = http(&addr, "POST", "/api/v1/reports", &token, Some(&draft));
    assert_eq!(st, 201, "{created}");
    kill9(server); // immediately after the acknowledgement
    let id = created["id"].as_i64().unwrap();

    let (server, addr) = serve(dir.path());
    let (st, got) = http(&addr, "GET", &format!("/api/v1/reports/{id}"), &token, None);
    assert_eq!(st, 200, "{got}");
    assert_eq!(got["progress"], "一季度进展：kill -9 之前已确认");
    assert_eq!(got["state"], "draft");
    let (st, submitted) = http(
        &addr,
        "POST",
        &format!("/api/v1/reports/{id}/submit"),
        &token,
        None,
    );
    assert_eq!(st, 200, "{submitted}");
    kill9(server);

    let (server, addr) = serve(dir.path());
    let (st, got) = http(&addr, "GET", &format!("/api/v1/reports/{id}"), &token, None);
    assert_eq!(st, 200);
    assert_eq!(got["state"], "submitted");
    assert!(got["submitted_at"].as_str().is_some());
    kill9(server);
}
