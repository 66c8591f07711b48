//! A 亩均效益 result finalised on the web platform (the demo county run as a job, its final
//! snapshot written by `duban_web::muni::final_snapshot`, the code behind 正式发布) verifies
//! with the real `duban eval verify`; a copy with one grade changed does not.

use duban_web::muni::{ensure_demo, final_snapshot, spawn_run};
use duban_web::testing::spawn_app;

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::eval_verify as verify;

#[tokio::test(flavor = "multi_thread")]
async fn web_final_snapshot_verifies_with_the_cli() {
    let app = spawn_app().await;
    let store = &app.state.store;
    let scheme = ensure_demo(store, None).await.unwrap();
    let ds = store.muni_datasets(Some(scheme)).await.unwrap()[0].clone();
    let run = store
        .queue_muni_run(scheme, ds.id, None, None)
        .await
        .unwrap();
    spawn_run(store.clone(), run.id).await.unwrap();
    let run = store.muni_run(run.id).await.unwrap();
    assert_eq!(
        run.state,
        duban_store::muni::RunState::Done,
        "{:?}",
        run.message
    );
    let bytes = store.muni_dataset_content(ds.id).await.unwrap();
    let body = final_snapshot(
        &run.spec,
        &bytes,
        duban_io::table_read::DataKind::Csv,
        run.data_hash.as_deref().unwrap(),
        run.method_hash.as_deref().unwrap(),
    )
    .unwrap();
    let f = store
        .create_muni_final(
            run.id,
            "示例县亩均效益评价",
            &body,
            run.data_hash.as_deref().unwrap(),
            run.method_hash.as_deref().unwrap(),
            true,
            None,
        )
        .await
        .unwrap();
    let stored = store.muni_final_body(f.id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("final.json");
    std::fs::write(&file, &stored).unwrap();
    let (ok, out) = verify(&file);
    assert!(
        ok && out.starts_with("ok: 1200 firms, 6 indicators"),
        "{out}"
    );
    // One grade changed: named, refused.
    let tampered = stored.replacen("\"grade\": \"A\"", "\"grade\": \"B\"", 1);
    assert_ne!(tampered, stored);
    std::fs::write(&file, &tampered).unwrap();
    let (ok, out) = verify(&file);
    assert!(!ok && out.contains(".grade"), "{out}");
}
