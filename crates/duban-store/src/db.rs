use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Connection, Executor};

use crate::{Result, StoreError};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The embedded migrations: (name, SQLite text, PostgreSQL text), applied in order. To add
/// one, create `migrations/{sqlite,postgres}/NNNN_name.sql` and append a line here; a test
/// checks that this list and both folders agree.
pub const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "0001_platform.sql",
        include_str!("../migrations/sqlite/0001_platform.sql"),
        include_str!("../migrations/postgres/0001_platform.sql"),
    ),
    (
        "0100_deliver.sql",
        include_str!("../migrations/sqlite/0100_deliver.sql"),
        include_str!("../migrations/postgres/0100_deliver.sql"),
    ),
    (
        "0200_oversight.sql",
        include_str!("../migrations/sqlite/0200_oversight.sql"),
        include_str!("../migrations/postgres/0200_oversight.sql"),
    ),
    (
        "0300_evaluation.sql",
        include_str!("../migrations/sqlite/0300_evaluation.sql"),
        include_str!("../migrations/postgres/0300_evaluation.sql"),
    ),
    (
        "0450_hardening.sql",
        include_str!("../migrations/sqlite/0450_hardening.sql"),
        include_str!("../migrations/postgres/0450_hardening.sql"),
    ),
    (
        "0500_multi_server.sql",
        include_str!("../migrations/sqlite/0500_multi_server.sql"),
        include_str!("../migrations/postgres/0500_multi_server.sql"),
    ),
    (
        "0510_unit_alias.sql",
        include_str!("../migrations/sqlite/0510_unit_alias.sql"),
        include_str!("../migrations/postgres/0510_unit_alias.sql"),
    ),
    (
        "0600_monitor.sql",
        include_str!("../migrations/sqlite/0600_monitor.sql"),
        include_str!("../migrations/postgres/0600_monitor.sql"),
    ),
    (
        "0610_monitor_interview.sql",
        include_str!("../migrations/sqlite/0610_monitor_interview.sql"),
        include_str!("../migrations/postgres/0610_monitor_interview.sql"),
    ),
    (
        "0700_publication.sql",
        include_str!("../migrations/sqlite/0700_publication.sql"),
        include_str!("../migrations/postgres/0700_publication.sql"),
    ),
    (
        "0800_muni.sql",
        include_str!("../migrations/sqlite/0800_muni.sql"),
        include_str!("../migrations/postgres/0800_muni.sql"),
    ),
    (
        "0900_audit_seal.sql",
        include_str!("../migrations/sqlite/0900_audit_seal.sql"),
        include_str!("../migrations/postgres/0900_audit_seal.sql"),
    ),
];

/// The handle every part of duban uses to reach the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: the file locked while a server starts (`duban.db.lock`).
    lock_file: Option<std::path::PathBuf>,
}

/// The PostgreSQL advisory-lock key of start-up work ("duban" + 1); any constant works as
/// long as every server uses the same one.
const STARTUP_LOCK_KEY: i64 = 0x6475_6261_6e00_0001;

/// Held while one server does start-up work (migrations, the seed plan) so that any number
/// of servers can start at once on one database: on PostgreSQL a session advisory lock on a
/// connection of its own, on SQLite an exclusive lock on `duban.db.lock` beside the file.
/// Release it with [`StartupLock::release`]; dropped without it, the PostgreSQL connection is
/// closed (which ends the lock) and the file lock ends with the file handle.
pub struct StartupLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    file: Option<std::fs::File>,
}

impl StartupLock {
    pub async fn release(mut self) -> Result<()> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_unlock($1)) AS released")
                .bind(STARTUP_LOCK_KEY)
                .execute(&mut *conn)
                .await?;
        }
        if let Some(file) = self.file.take() {
            file.unlock().map_err(|e| {
                StoreError::Invalid(format!("cannot unlock the start-up lock: {e}"))
            })?;
        }
        Ok(())
    }
}

impl Drop for StartupLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Not back into the pool with the lock still held: closing the session frees it.
            drop(conn.detach());
        }
    }
}

/// The lock file of a SQLite URL (`sqlite://path?…` → `path.lock`); `None` for in-memory
/// databases.
fn sqlite_lock_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(format!("{path}.lock")))
}

/// A query as `sqlx::query` builds it on the `Any` driver, ready for [`Store::fetch_row`] and
/// its siblings.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, AnyArguments>;

/// Running a query and decoding its rows with a module's row function; a missing row is
/// [`StoreError::NotFound`] whichever module asks.
impl Store {
    /// The one row `query` returns, decoded; [`StoreError::NotFound`] when there is none.
    pub(crate) async fn fetch_row<T>(
        &self,
        query: AnyQuery<'_>,
        decode: impl FnOnce(&AnyRow) -> Result<T>,
    ) -> Result<T> {
        decode(&query.fetch_one(self.pool()).await?)
    }

    /// The row `query` returns, decoded, if there is one.
    pub(crate) async fn fetch_optional_row<T>(
        &self,
        query: AnyQuery<'_>,
        decode: impl FnOnce(&AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        match query.fetch_optional(self.pool()).await? {
            Some(row) => decode(&row).map(Some),
            None => Ok(None),
        }
    }

    /// Every row `query` returns, decoded, in order.
    pub(crate) async fn fetch_rows<T>(
        &self,
        query: AnyQuery<'_>,
        decode: impl FnMut(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(decode)
            .collect()
    }
}

/// Now, as stored: ISO-8601 UTC with seconds, e.g. `2026-11-27T17:40:00Z` (sorts as text).
pub fn now() -> String {
    format_time(Utc::now())
}

pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a stored timestamp.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

impl Store {
    /// Opens (creating if needed) the SQLite database `duban.db` in `data_dir`.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let file = data_dir.join("duban.db");
        Store::connect(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL (expected sqlite:// or postgres://): {}",
                redact(url)
            )));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // No ping before handing out a connection: an SQLite connection is an in-process
            // handle on a local file that nothing can close under it, and the ping is one more
            // round trip to the connection's worker thread for every query (measured: a large
            // part of a write request's CPU, BENCHMARKS.md "Writes").
            pool = pool.test_before_acquire(false);
            // Durability first: nothing acknowledged may be lost on kill -9 (WAL + FULL sync).
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        // A connection still inside a transaction when it comes back is not reused. A full
        // disk (or another error that makes the database roll back by itself) ends the
        // transaction inside the database, so the ROLLBACK of the dropped transaction fails
        // and sqlx keeps counting one open transaction: every later BEGIN on that
        // connection would fail. The ping first runs a rollback still queued by a drop.
        pool = pool.after_release(|conn, _meta| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    conn.ping().await?;
                }
                Ok(!conn.is_in_transaction())
            })
        });
        let pool = pool.connect_with(options).await?;
        let lock_file = match backend {
            Backend::Sqlite => sqlite_lock_file(url),
            Backend::Postgres => None,
        };
        let store = Store {
            pool,
            backend,
            lock_file,
        };
        let lock = store.startup_lock().await?;
        let migrated = store.migrate().await;
        lock.release().await?;
        migrated?;
        Ok(store)
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken
    /// at the start, so concurrent writers queue on `busy_timeout` instead of failing with
    /// "database is locked" when a deferred transaction that has read tries to write. Every
    /// transaction of the store that writes begins here; caps and checks read inside it see
    /// a state no other writer can change before the commit (PostgreSQL: see the row locks
    /// taken by the writers, e.g. `evidence::add_evidence`).
    pub async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Readiness, as `/readyz` reports it: a real write (the heartbeat row, in a write
    /// transaction) and a read (that row back, and the applied migrations); on SQLite the
    /// database file must also still be on disk (a deleted file keeps accepting writes into
    /// the unlinked inode). The error is a one-line reason.
    pub async fn readiness(&self) -> std::result::Result<(), String> {
        let stamp = format!("{}#{}", now(), crate::secret::random_token());
        let reason = |e: StoreError| {
            e.unavailable_reason()
                .map_or_else(|| e.to_string(), str::to_string)
        };
        let write = async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO heartbeat (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            )
            .bind(&stamp)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        };
        write
            .await
            .map_err(|e| format!("write failed: {}", reason(e)))?;
        let read = async {
            let (at,): (String,) = sqlx::query_as("SELECT at FROM heartbeat WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM schema_migration")
                .fetch_one(&self.pool)
                .await?;
            Ok::<_, StoreError>((at, n))
        };
        let (at, n) = read
            .await
            .map_err(|e| format!("read failed: {}", reason(e)))?;
        if at != stamp {
            return Err("read failed: the heartbeat just written is not there".into());
        }
        if n < MIGRATIONS.len() as i64 {
            return Err(format!(
                "database incomplete: {n} of {} migrations applied",
                MIGRATIONS.len()
            ));
        }
        if self.backend == Backend::Sqlite {
            let files: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
                .fetch_all(&self.pool)
                .await
                .map_err(|e| format!("read failed: {e}"))?;
            if let Some((_, _, file)) = files.iter().find(|f| f.1 == "main")
                && !file.is_empty()
                && !Path::new(file).exists()
            {
                // The path goes to the log only: /readyz answers without a login.
                tracing::warn!(file = %file, "readiness: the database file no longer exists");
                return Err("the database file no longer exists".into());
            }
        }
        Ok(())
    }

    /// Waits for, then takes, the database's start-up lock (see [`StartupLock`]). `connect`
    /// takes it around the migrations; `serve` takes it again around loading the seed plan.
    pub async fn startup_lock(&self) -> Result<StartupLock> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = self.pool.acquire().await?;
                sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1)) AS locked")
                    .bind(STARTUP_LOCK_KEY)
                    .execute(&mut *conn)
                    .await?;
                Ok(StartupLock {
                    conn: Some(conn),
                    file: None,
                })
            }
            Backend::Sqlite => {
                let Some(path) = self.lock_file.clone() else {
                    return Ok(StartupLock {
                        conn: None,
                        file: None,
                    });
                };
                let file = tokio::task::spawn_blocking(move || {
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)
                        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                    file.lock()
                        .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
                    Ok::<_, String>(file)
                })
                .await
                .map_err(|e| StoreError::Invalid(format!("start-up lock: {e}")))?
                .map_err(StoreError::Invalid)?;
                Ok(StartupLock {
                    conn: None,
                    file: Some(file),
                })
            }
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies pending migrations; the caller holds the start-up lock.
    async fn migrate(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        for (name, sqlite, postgres) in MIGRATIONS {
            let mut tx = self.begin_write().await?;
            let done: Option<(String,)> =
                sqlx::query_as("SELECT name FROM schema_migration WHERE name = $1")
                    .bind(*name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => *sqlite,
                Backend::Postgres => *postgres,
            };
            sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await
                .map_err(|source| StoreError::Migration { name, source })?;
            let inserted = sqlx::query(
                "INSERT INTO schema_migration (name, applied_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(*name)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                tx.commit().await?;
                tracing::info!(migration = name, "applied migration");
            }
        }
        Ok(())
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/readyz` fails with a reason on a read-only connection and on a database whose
    /// tables are gone (e.g. PostgreSQL recreated empty), and passes on a healthy one.
    #[tokio::test]
    async fn readiness_needs_a_real_write_and_read() {
        let db = crate::testing::TestDb::fresh().await.unwrap();
        assert_eq!(db.store.readiness().await, Ok(()));

        // A read-only connection to the same database (not migrated: built directly).
        let ro_url = if db.is_postgres() {
            format!(
                "{}?options=-c%20default_transaction_read_only%3Don",
                db.url.split('?').next().unwrap()
            )
        } else {
            format!("{}?mode=ro", db.url.split('?').next().unwrap())
        };
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(AnyConnectOptions::from_str(&ro_url).unwrap())
            .await
            .unwrap();
        let ro = Store {
            pool,
            backend: db.store.backend(),
            lock_file: None,
        };
        let err = ro.readiness().await.unwrap_err();
        assert!(err.starts_with("write failed"), "{err}");
        ro.close().await;

        sqlx::query("DROP TABLE heartbeat")
            .execute(db.store.pool())
            .await
            .unwrap();
        let err = db.store.readiness().await.unwrap_err();
        assert!(
            err.starts_with("write failed") && err.contains("结构不完整"),
            "{err}"
        );
    }

    #[test]
    fn migration_folders_match_the_list() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |sub: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| m.0.to_string()).collect();
        assert_eq!(names("sqlite"), listed);
        assert_eq!(names("postgres"), listed);
    }

    #[test]
    fn sqlite_lock_files() {
        assert_eq!(
            sqlite_lock_file("sqlite:///tmp/d/duban.db?mode=rwc"),
            Some("/tmp/d/duban.db.lock".into())
        );
        assert_eq!(sqlite_lock_file("sqlite::memory:"), None);
        assert_eq!(sqlite_lock_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_lock_file("postgres://h/db"), None);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://…@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
