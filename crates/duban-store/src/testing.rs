//! Test support: a fresh, migrated database per test.
//!
//! By default a new SQLite file in the temp dir (removed on drop). When
//! `DUBAN_TEST_DATABASE_URL` names a PostgreSQL server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), a new database `duban_test_<unique>` is
//! created on that server and dropped on drop, so the same tests run on both engines.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Result, Store};

pub const TEST_DATABASE_ENV: &str = "DUBAN_TEST_DATABASE_URL";

/// A user for rule tests that need no database: id 1, named "u", of `role` and `unit`.
pub fn user(role: crate::user::Role, unit: Option<i64>) -> crate::user::User {
    crate::user::User {
        id: 1,
        name: "u".into(),
        role,
        unit_id: unit,
        unit_code: None,
        unit_name: None,
        created_at: String::new(),
    }
}

/// The password of every account [`account`] creates (long and uncommon enough to pass the
/// password rules).
pub const TEST_PASSWORD: &str = "督办-correct-horse-7";

/// Creates a test account `name` of `role`, in the unit with `unit_code` if any, with
/// [`TEST_PASSWORD`].
pub async fn account(
    store: &Store,
    name: &str,
    role: crate::user::Role,
    unit_code: Option<&str>,
) -> Result<crate::user::User> {
    store
        .create_user(&crate::user::NewUser {
            name: name.into(),
            password: TEST_PASSWORD.into(),
            role,
            unit_code: unit_code.map(str::to_string),
        })
        .await
}

/// The actions of a report's workflow events, oldest first (`create`, `submit` …): what
/// workflow tests compare against the steps they took.
pub async fn report_actions(store: &Store, report_id: i64) -> Result<Vec<String>> {
    let events = store.report_events(report_id).await?;
    Ok(events.into_iter().map(|e| e.action).collect())
}

/// A database that exists for one test.
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with (for a second connection, e.g. a CLI process).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { server_url: String, name: String },
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Replaces the database name (the path) of a PostgreSQL URL, keeping any query.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// A fresh database on the backend chosen by `DUBAN_TEST_DATABASE_URL`.
    pub async fn fresh() -> Result<TestDb> {
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(server) if !server.trim().is_empty() => Self::fresh_postgres(server.trim()).await,
            _ => Self::fresh_sqlite().await,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }

    /// A fresh SQLite database, whatever `DUBAN_TEST_DATABASE_URL` says.
    pub async fn fresh_sqlite() -> Result<TestDb> {
        let path = std::env::temp_dir().join(format!("duban_test_{}.db", unique_suffix()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&url).await?;
        Ok(TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        })
    }

    /// A fresh database on the PostgreSQL server at `server_url`.
    pub async fn fresh_postgres(server_url: &str) -> Result<TestDb> {
        sqlx::any::install_default_drivers();
        let name = format!("duban_test_{}", unique_suffix());
        // A database name cannot be a bind parameter; `name` is generated above from
        // digits and underscores only, never from input.
        debug_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let admin = sqlx::AnyPool::connect(server_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        let url = with_database(server_url, &name);
        let store = match Store::connect(&url).await {
            Ok(store) => store,
            Err(e) => {
                // Do not leave the half-made database behind.
                if let Ok(admin) = sqlx::AnyPool::connect(server_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
                return Err(e);
            }
        };
        Ok(TestDb {
            store,
            url,
            cleanup: Cleanup::Postgres {
                server_url: server_url.to_string(),
                name,
            },
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            Cleanup::Postgres { server_url, name } => {
                let (server_url, name) = (server_url.clone(), name.clone());
                // Drop runs inside (or outside) a runtime; use a thread with its own. The
                // store's pool belongs to the test's runtime (which is blocked here), so it
                // is not touched: `WITH (FORCE)` ends its connections.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(admin) = sqlx::AnyPool::connect(&server_url).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&admin)
                            .await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://", "x"), "postgres:///x");
    }
}
