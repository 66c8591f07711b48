//! A report acknowledged to the user (HTTP 2xx) survives `kill -9` of the server: the real
//! `duban serve` binary on a SQLite data dir, a user and token made with the CLI, a report
//! posted over HTTP, SIGKILL right after the answer, a restart on the same data dir, and
//! the report is there — created, then submitted, each acknowledged write checked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn duban(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run duban");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "duban {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts `duban serve` on a free port; returns the child and its address.
fn serve(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
        ])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start duban serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("stdout readable");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// One HTTP/1.1 request; returns (status, JSON body).
fn http(addr: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn kill9(mut child: Child) {
    // std's Child::kill sends SIGKILL on Unix: no shutdown handler runs.
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
}

#[test]
fn an_acknowledged_report_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    // The seed (units, plan) is loaded on the first start.
    let (first, _) = serve(dir.path());
    kill9(first);
    duban(
        dir.path(),
        &[
            "user",
            "add",
            "rep",
            "--role",
            "reporter",
            "--unit",
            "fgw",
            "--password-stdin",
        ],
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
