//! `duban backup` / `duban restore` (issue 9, finding 9) with the real binary, on the engine
//! chosen by `DUBAN_TEST_DATABASE_URL` (PostgreSQL when set, else SQLite data dirs): a demo
//! database (plans, reports, audit entries) with an admin and an evidence file is backed up
//! while its server runs, restored into a fresh empty database, and every row of the
//! compared tables is equal, evidence bytes included; `duban audit verify` passes on the
//! copy; a restore into a database holding data is refused without `--force` and changes
//! nothing, and replaces it with `--force`. With PostgreSQL the backup also goes to SQLite
//! and back (PostgreSQL → SQLite → PostgreSQL).

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::db::{Db, pg_server, rt, sql};
use sqlx::{Column, Row};

/// The compared tables, ordered by their key.
const TABLES: &[(&str, &str)] = &[
    ("plan", "id"),
    ("task", "id"),
    ("report", "id"),
    ("report_value", "report_id, target_id"),
    ("evidence", "id"),
    ("evidence_blob", "sha256"),
    ("audit_log", "seq"),
    ("audit_head", "id"),
    ("app_user", "id"),
    ("unit", "id"),
];

/// Every row of the compared tables, each column rendered by name (so the column order of
/// the engine does not matter): table → rows.
fn snapshot(url: &str) -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let mut out = BTreeMap::new();
        for (table, key) in TABLES {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM {table} ORDER BY {key}"
            )))
            .fetch_all(&pool)
            .await
            .unwrap();
            let rendered = rows
                .iter()
                .map(|row| {
                    row.columns()
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let v = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                                format!("{v:?}")
                            } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                                format!("{v:?}")
                            } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                                format!("{v:?}")
                            } else {
                                format!("{:?}", row.try_get::<Option<Vec<u8>>, _>(i).unwrap())
                            };
                            (c.name().to_string(), v)
                        })
                        .collect()
                })
                .collect();
            out.insert(table.to_string(), rendered);
        }
        pool.close().await;
        out
    })
}

/// The demo's returned report (editable by its unit): (id, unit code).
fn returned_report(url: &str) -> (i64, String) {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let row = sqlx::query_as(
            "SELECT r.id, u.code FROM report r JOIN unit u ON u.id = r.unit_id WHERE r.state = 'returned'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        row
    })
}

/// Attaches one evidence file (as reporter `rep` of its unit) to report `id`.
fn add_evidence(url: &str, id: i64, bytes: &[u8]) {
    rt().block_on(async {
        let store = duban_store::Store::connect(url).await.unwrap();
        let rep = store.user_by_name("rep").await.unwrap().unwrap();
        let by = duban_store::deliver::report::ReportActor::of(&rep).unwrap();
        store
            .add_evidence(id, "佐证材料.pdf", bytes, &by)
            .await
            .unwrap();
        store.close().await;
    });
}

fn restore_into(db: &Db, file: &Path) -> String {
    let out = db.ok(&["restore", "--from", file.to_str().unwrap()], None);
    assert!(out.contains("audit chain OK"), "{out}");
    let verified = db.ok(&["audit", "verify"], None);
    assert!(verified.starts_with("audit chain OK"), "{verified}");
    out
}

#[test]
fn backup_then_restore_into_an_empty_database_gives_the_same_rows() {
    let src = Db::fresh();
    let server = src.serve_demo();
    src.ok(
        &[
            "user",
            "add",
            "office",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("office-password-4711\n"),
    );
    let (report, unit) = returned_report(&src.url());
    src.ok(
        &common::add_reporter("rep", &unit),
        Some("rep-password-4711\n"),
    );
    // A PDF header, then binary content (every byte value).
    let pdf: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..70_000u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    add_evidence(&src.url(), report, &pdf);

    // Backed up while the server runs.
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("duban-backup.db");
    let out = src.ok(&["backup", "--to", file.to_str().unwrap()], None);
    assert!(out.contains("1 evidence files"), "{out}");
    let mut server = server;
    server.kill().unwrap();
    server.wait().unwrap();
    // Never over an existing file.
    let again = src.run(&["backup", "--to", file.to_str().unwrap()], None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let before = snapshot(&src.url());
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the demo database has {table} rows");
    }
    assert!(before["report"].len() >= 10);
    assert_eq!(before["evidence"].len(), 1);
    assert_eq!(before["evidence_blob"].len(), 1);
    assert!(
        before["evidence_blob"][0]
            .values()
            .any(|v| v == &format!("{:?}", Some(pdf.clone()))),
        "the evidence bytes are stored in the database"
    );
    assert!(before["audit_log"].len() > 10);

    let dst = Db::fresh();
    restore_into(&dst, &file);
    assert_eq!(snapshot(&dst.url()), before);

    // The restored database keeps working: new rows get fresh ids (sequences reset).
    dst.ok(
        &[
            "user",
            "add",
            "later",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("later-password-4711\n"),
    );
    let after_add = snapshot(&dst.url());
    assert_eq!(after_add["app_user"].len(), before["app_user"].len() + 1);
    assert!(
        dst.ok(&["audit", "verify"], None)
            .starts_with("audit chain OK")
    );

    // A database holding data is not replaced without --force, and nothing changes.
    let refused = dst.run(&["restore", "--from", file.to_str().unwrap()], None);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(snapshot(&dst.url()), after_add);

    // With --force it is replaced by exactly the backup.
    dst.ok(
        &["restore", "--from", file.to_str().unwrap(), "--force"],
        None,
    );
    assert_eq!(snapshot(&dst.url()), before);
    assert!(
        dst.ok(&["audit", "verify"], None)
            .starts_with("audit chain OK")
    );

    // Across engines: PostgreSQL → SQLite → PostgreSQL.
    if let Some(server) = pg_server() {
        let lite = Db::Sqlite(tempfile::tempdir().unwrap());
        restore_into(&lite, &file);
        assert_eq!(snapshot(&lite.url()), before);
        let second = work.path().join("from-sqlite.db");
        lite.ok(&["backup", "--to", second.to_str().unwrap()], None);
        let pg = Db::fresh_postgres(&server);
        restore_into(&pg, &second);
        assert_eq!(snapshot(&pg.url()), before);
    }
}

#[test]
fn a_broken_audit_chain_in_the_backup_is_refused() {
    let src = Db::fresh();
    let mut server = src.serve_demo();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b.db");
    src.ok(&["backup", "--to", file.to_str().unwrap()], None);
    server.kill().unwrap();
    server.wait().unwrap();
    // Tamper with the backup file itself (a SQLite database): drop the guard, edit an entry.
    let url = format!("sqlite://{}", file.display());
    sql(&url, "DROP TRIGGER audit_log_no_update");
    sql(&url, "UPDATE audit_log SET action = 'forged' WHERE seq = 2");
    let dst = Db::fresh();
    let out = dst.run(&["restore", "--from", file.to_str().unwrap()], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit chain"), "{err}");
    // Nothing was loaded.
    let users = snapshot(&dst.url());
    assert!(users["plan"].is_empty() && users["report"].is_empty());
}
