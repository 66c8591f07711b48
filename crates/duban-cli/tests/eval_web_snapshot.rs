//! A snapshot published on the web platform, downloaded over HTTP (API, bearer token),
//! verifies with `duban eval verify`; a tampered copy does not.

use std::io::{Read, Write};

use duban_store::evaluation::NewEvalRun;
use duban_store::user::{NewUser, Role};
use duban_web::evaluation::{DEMO_DATASET_NAME, DEMO_METHOD_NAME, compute, ensure_demo};
use duban_web::testing::spawn_app;

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::eval_verify as verify;

/// GET with a bearer token over a plain socket (HTTP/1.0: the server closes after answering).
fn get(addr: std::net::SocketAddr, path: &str, token: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn web_snapshot_verifies_with_the_cli() {
    let app = spawn_app().await;
    let store = &app.state.store;
    store
        .create_user(&NewUser {
            name: "office".into(),
            password: "office-password".into(),
            role: Role::Admin,
            unit_code: None,
        })
        .await
        .unwrap();
    ensure_demo(store).await.unwrap();
    let d = store
        .eval_datasets()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == DEMO_DATASET_NAME)
        .unwrap();
    let m = store
        .eval_methods()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == DEMO_METHOD_NAME)
        .unwrap();
    // What the run page does: compute off the runtime, store the run, publish it.
    let bytes = store.eval_dataset_bytes(&d).await.unwrap();
    let c = compute(
        m.spec.clone(),
        bytes,
        duban_io::eval_format::DataKind::Csv,
        None,
    )
    .await
    .unwrap();
    let run = store
        .create_eval_run(&NewEvalRun {
            dataset_id: d.id,
            method_id: Some(m.id),
            method_name: &m.name,
            spec: &m.spec,
            previous_run_id: None,
            snapshot: &c.snapshot_text,
            engine: duban_engine::ENGINE_VERSION,
            data_hash: &c.data_hash,
            method_hash: &c.method_hash,
            units: c.units,
            millis: c.millis,
            demo: true,
            created_by: None,
        })
        .await
        .unwrap();
    let snap = store.publish_eval_run(run, "示例", None).await.unwrap();
    let (_, token) = store.create_token("office", "cli-test").await.unwrap();
    let addr = app.addr;
    let path = format!("/api/v1/evaluations/snapshots/{}", snap.id);
    let (status, body) = tokio::task::spawn_blocking(move || get(addr, &path, &token))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    std::fs::write(&file, &body).unwrap();
    let (ok, out) = verify(&file);
    assert!(ok && out.starts_with("ok: 11 units, 9 indicators"), "{out}");
    // One score changed in the last digit: named, refused.
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let s = v["result"]["units"][0]["score"].as_f64().unwrap();
    let tampered = body.replacen(
        &format!("\"score\": {s}"),
        &format!("\"score\": {}", f64::from_bits(s.to_bits() + 1)),
        1,
    );
    assert_ne!(tampered, body);
    std::fs::write(&file, &tampered).unwrap();
    let (ok, out) = verify(&file);
    assert!(!ok && out.contains("result.units[0].score"), "{out}");
}
