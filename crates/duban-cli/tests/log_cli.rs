//! `duban serve --log-format json`: one JSON object per line on stderr, a request line per
//! request (method, matched route, status, latency, user id) without the query string,
//! cookies or tokens, and no ANSI colours when stderr is not a terminal.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{http, kill9, spawn_serve};

#[test]
fn json_request_log_without_secrets_or_colours() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, _stdout) = spawn_serve(
        Command::new(env!("CARGO_BIN_EXE_duban"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--data-dir",
            ])
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info,sqlx=warn")
            .stderr(Stdio::piped()),
    );
    let (status, _, _) = http(
        &addr,
        "GET",
        "/api/v1/plans/1/status?token=s3cret-query",
        "Authorization: Bearer not-a-real-token-xyz\r\nCookie: duban_session=cookie-abc\r\n",
        "",
    );
    assert_eq!(status, 401);
    let (status, _, _) = http(&addr, "GET", "/healthz", "", "");
    assert_eq!(status, 200);
    let mut stderr = child.stderr.take().unwrap();
    kill9(child);
    let mut text = String::new();
    stderr.read_to_string(&mut text).unwrap();
    assert!(!text.contains('\u{1b}'), "ANSI escapes in a pipe: {text}");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["target"] == "duban::request")
        .map(|l| &l["fields"])
        .collect();
    assert_eq!(requests.len(), 2, "{text}");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["route"], "/api/v1/plans/{id}/status");
    assert_eq!(requests[0]["status"], 401);
    assert!(requests[0]["latency_ms"].is_number());
    assert_eq!(requests[1]["route"], "/healthz");
    for secret in ["s3cret-query", "not-a-real-token-xyz", "cookie-abc"] {
        assert!(!text.contains(secret), "{secret} logged: {text}");
    }
}
