//! Several servers on one database (issue 15): three `duban serve` processes started at
//! the same moment on one fresh database (PostgreSQL when `DUBAN_TEST_DATABASE_URL` is set,
//! else one SQLite data dir) all become ready; escalation runs on all three fill the outbox,
//! one server is killed with SIGKILL while delivering, and a local webhook receiver still
//! gets every notification id — once, apart from at most one claimed batch of the killed
//! server that it may have sent before dying (the receiver drops those by `Idempotency-Key`).

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::db::{Db, rt};
use serde_json::Value;

fn ids(url: &str, query: &'static str) -> Vec<i64> {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let rows: Vec<(i64,)> = sqlx::query_as(query).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    })
}

/// (report id, unit code) of every report.
fn report_units(url: &str) -> Vec<(i64, String)> {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let rows =
            sqlx::query_as("SELECT r.id, u.code FROM report r JOIN unit u ON u.id = r.unit_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        pool.close().await;
        rows
    })
}

fn notification_uids(url: &str) -> BTreeSet<String> {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT uid FROM notification")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows.into_iter().map(|r| r.0).collect()
    })
}

/// A webhook receiver: counts the posts per `Idempotency-Key` (and checks that
/// `X-Duban-Delivery` carries the same id).
fn receiver() -> (String, Arc<Mutex<BTreeMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let shared = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let seen = shared.clone();
            std::thread::spawn(move || serve_posts(stream, &seen));
        }
    });
    (url, seen)
}

fn serve_posts(stream: TcpStream, seen: &Mutex<BTreeMap<String, usize>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut key = None;
        let mut delivery = None;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "idempotency-key" => key = Some(v.trim().to_string()),
                    "x-duban-delivery" => delivery = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let key = key.expect("webhook carries Idempotency-Key");
        assert_eq!(
            Some(&key),
            delivery.as_ref(),
            "both headers name the notification"
        );
        *seen.lock().unwrap().entry(key).or_default() += 1;
        if out
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// Starts one server; returns it and its address once it printed it.
fn start(db: &Db, hook: &str) -> (Child, String) {
    let (child, addr, lines) = common::spawn_serve(
        db.command(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--webhook-url",
            hook,
            "--webhook-secret",
            "cluster-test-secret",
            "--outbox-seconds",
            "1",
            "--outbox-lease-seconds",
            "5",
            "--demo",
        ])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped()),
    );
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    (child, addr)
}

fn api(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    let headers = format!("Authorization: Bearer {token}\r\nContent-Type: application/json\r\n");
    let (status, _, text) = common::http(addr, method, path, &headers, body);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn three_servers_start_together_and_deliver_each_notification_once() {
    let db = Arc::new(Db::fresh());
    let (hook, seen) = receiver();

    // Started at the same moment on a database nobody has migrated yet.
    let servers: Vec<(Child, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let db = &db;
                let hook = &hook;
                s.spawn(move || start(db, hook))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (_, addr) in &servers {
        let (status, _, body) = common::http(addr, "GET", "/readyz", "", "");
        assert_eq!(status, 200, "{addr}: {body}");
    }
    let url = db.url();
    let plans = ids(&url, "SELECT id FROM plan");
    assert_eq!(
        plans.len(),
        1,
        "the seed plan is loaded once, not three times"
    );
    let plan = plans[0];

    db.ok(
        &["user", "add", "boss", "--role", "admin", "--password-stdin"],
        Some("cluster-admin-password-9\n"),
    );
    let token = db
        .ok(&["token", "create", "boss"], None)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();

    // The escalation rules run on all three servers at once, as of three dates.
    let created: usize = std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .zip(["2020-05-15", "2020-08-14", "2020-11-13"])
            .map(|((_, addr), as_of)| {
                let token = &token;
                s.spawn(move || {
                    let (st, run) = api(
                        addr,
                        "POST",
                        &format!("/api/v1/plans/{plan}/escalations/run"),
                        token,
                        &format!("{{\"as_of\":\"{as_of}\"}}"),
                    );
                    assert_eq!(st, 200, "{run}");
                    run["created"].as_array().map_or(0, Vec::len)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert!(created > 10, "the rules raised records ({created})");

    // A burst of report returns, spread over the three servers at once: the demo's reports
    // are reopened (accepted → returned), submitted again by their unit's reporter and
    // returned.
    let accepted = ids(&url, "SELECT id FROM report WHERE state = 'accepted'");
    let submitted = ids(
        &url,
        "SELECT id FROM report WHERE state IN ('accepted', 'returned')",
    );
    assert!(submitted.len() >= 3, "the demo has reviewed reports");
    let mut reporter_token = BTreeMap::new();
    for (report, unit) in report_units(&url) {
        let name = format!("rep_{unit}").replace('-', "_");
        if !reporter_token
            .values()
            .any(|(n, _): &(String, String)| *n == name)
        {
            db.ok(
                &common::add_reporter(&name, &unit),
                Some("cluster-reporter-password-9\n"),
            );
        }
        let token = db
            .ok(&["token", "create", &name], None)
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_string();
        reporter_token.insert(report, (name, token));
    }
    let returned: usize = std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .enumerate()
            .map(|(i, (_, addr))| {
                let token = &token;
                let mine: Vec<i64> = submitted.iter().copied().skip(i).step_by(3).collect();
                let accepted = &accepted;
                let reporter_token = &reporter_token;
                s.spawn(move || {
                    for id in &mine {
                        if accepted.contains(id) {
                            let (st, body) = api(
                                addr,
                                "POST",
                                &format!("/api/v1/reports/{id}/reopen"),
                                token,
                                "{\"reason\":\"数据口径需核对\"}",
                            );
                            assert_eq!(st, 200, "{body}");
                        }
                        let (st, body) = api(
                            addr,
                            "POST",
                            &format!("/api/v1/reports/{id}/submit"),
                            &reporter_token[id].1,
                            "",
                        );
                        assert_eq!(st, 200, "{body}");
                        let (st, body) = api(
                            addr,
                            "POST",
                            &format!("/api/v1/reports/{id}/return"),
                            token,
                            "{\"comment\":\"请补充佐证材料\"}",
                        );
                        assert_eq!(st, 200, "{body}");
                    }
                    mine.len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(returned, submitted.len());

    // One server dies while the outbox is being delivered.
    let mut servers = servers;
    std::thread::sleep(Duration::from_millis(1500));
    let (mut victim, _) = servers.pop().unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();

    let expected = notification_uids(&url);
    assert!(!expected.is_empty());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: BTreeSet<String> = seen.lock().unwrap().keys().cloned().collect();
        if got.is_superset(&expected) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let seen = seen.lock().unwrap().clone();
    let missing: Vec<&String> = expected.iter().filter(|u| !seen.contains_key(*u)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} notifications never arrived",
        missing.len(),
        expected.len()
    );
    let unknown: Vec<&String> = seen.keys().filter(|k| !expected.contains(*k)).collect();
    assert!(unknown.is_empty(), "unknown ids {unknown:?}");
    let repeated: usize = seen.values().map(|n| n - 1).sum();
    eprintln!(
        "cluster: {} notifications ({created} escalation records, {returned} returns), {} posts received, {repeated} repeated",
        expected.len(),
        seen.values().sum::<usize>()
    );
    // Only the killed server's last claimed batch (10 at most) can have been sent before
    // its outcome was recorded; everything else arrives exactly once.
    assert!(
        repeated <= 10,
        "{repeated} repeated posts for {} notifications",
        expected.len()
    );
    for (mut child, _) in servers {
        child.kill().ok();
        child.wait().ok();
    }
}
