//! `duban audit verify` with the real binary, on SQLite (or on PostgreSQL when
//! DUBAN_TEST_DATABASE_URL is set): an intact chain passes; an entry left unsealed is
//! reported; one tampered row makes it fail and name that entry (seq and action).

use std::process::Command;

use duban_store::testing::TestDb;
use duban_store::user::{NewUser, Role};

fn verify(url: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["audit", "verify", "--database-url", url])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run duban");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn tampering_with_one_audit_row_is_named() {
    let db = TestDb::fresh().await.expect("test database");
    let s = &db.store;
    s.create_user(&NewUser {
        name: "admin".into(),
        password: "admin-password".into(),
        role: Role::Admin,
        unit_code: None,
    })
    .await
    .unwrap();
    s.record_login_attempt("admin", "127.0.0.1", true)
        .await
        .unwrap();
    s.record_login_attempt("admin", "127.0.0.1", false)
        .await
        .unwrap();
    let (token, _) = s.create_token("admin", "sync").await.unwrap();
    s.revoke_token(token.id).await.unwrap();

    let (ok, stdout, stderr) = verify(&db.url);
    assert!(ok, "intact chain must verify: {stdout} {stderr}");
    assert!(stdout.contains("audit chain OK: 5 entries"), "{stdout}");
    assert!(!stdout.contains("not sealed"), "{stdout}");

    // An entry its writer left unsealed, and no server sealed since: reported, not hidden.
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, payload)
         VALUES ('2020-01-01T00:00:00Z', 'x', 'test.unsealed', 'x', '{}')",
    )
    .execute(s.pool())
    .await
    .unwrap();
    let (ok, stdout, stderr) = verify(&db.url);
    assert!(ok, "the sealed chain is intact: {stdout} {stderr}");
    assert!(
        stdout.contains("audit chain OK: 5 entries")
            && stdout.contains("1 newer entries not sealed yet"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning") && stderr.contains("2020-01-01T00:00:00Z"),
        "{stderr}"
    );

    // The log refuses updates; someone with database access removes the guard first.
    let tamper =
        "UPDATE audit_log SET payload = '{\"user\":\"mallory\",\"ip\":\"10.0.0.1\"}' WHERE seq = 2";
    assert!(sqlx::query(tamper).execute(s.pool()).await.is_err());
    let drop = if db.is_postgres() {
        "DROP TRIGGER audit_log_no_change ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    sqlx::query(drop).execute(s.pool()).await.unwrap();
    sqlx::query(tamper).execute(s.pool()).await.unwrap();

    let (ok, stdout, stderr) = verify(&db.url);
    assert!(!ok, "a tampered chain must fail: {stdout}");
    assert!(
        stderr.contains("seq 2") && stderr.contains("auth.login"),
        "names the entry: {stderr}"
    );
    assert!(stderr.contains("内容哈希不符"), "says why: {stderr}");
}
