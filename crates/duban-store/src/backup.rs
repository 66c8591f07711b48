//! Backup and restore of a whole duban database (`duban backup` / `duban restore`).
//!
//! A backup file is a SQLite database with duban's schema, whatever the engine it came
//! from: on SQLite it is `VACUUM INTO` (a consistent snapshot while servers keep writing);
//! on PostgreSQL every table of the migrated schema is copied row by row, in one
//! `REPEATABLE READ` read-only transaction, into a fresh SQLite file migrated by this
//! binary. Evidence files live in the database (`evidence_blob`), so they are included.
//!
//! Restore copies every table of a backup (first migrated, on a private copy, to this
//! binary's schema) into the target database in one write transaction — all or nothing —
//! after deleting what the target holds (refused unless `force` when it holds plans, users
//! or reports), resets PostgreSQL identity sequences, then recomputes the audit chain.
//!
//! Table and column names in the copy statements come from the database's own catalogue
//! (`sqlite_master`, `pragma_table_info`) and are checked to be plain lowercase
//! identifiers before they are quoted into SQL; every value is a bind parameter.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::audit::AuditSummary;
use crate::{Backend, MIGRATIONS, Result, Store, StoreError};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySummary {
    /// Rows per table (tables in copy order).
    pub tables: Vec<(String, u64)>,
}

impl CopySummary {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }

    pub fn rows_of(&self, table: &str) -> u64 {
        self.tables.iter().find(|t| t.0 == table).map_or(0, |t| t.1)
    }
}

/// What a restore did: the rows loaded and the verified audit chain.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub copied: CopySummary,
    pub audit: AuditSummary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Blob,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
    /// Primary-key columns: rows are copied in key order (parents before self-references).
    key: Vec<String>,
}

enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

/// Tables never copied: the migration ledger (each side has its own).
const SKIPPED: &[&str] = &["schema_migration"];

fn plain_identifier(name: &str) -> Result<&str> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(name)
    } else {
        Err(StoreError::Corrupt(format!(
            "unexpected table or column name {name:?} in the schema"
        )))
    }
}

/// SQLite affinity of a declared type (https://sqlite.org/datatype3.html §3.1).
fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Kind::Int
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Kind::Text
    } else if t.contains("BLOB") || t.is_empty() {
        Kind::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Kind::Real
    } else {
        Kind::Text
    }
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Removes a SQLite file and its companions (`-wal`, `-shm`, `.lock`).
fn remove_sqlite_files(file: &Path) {
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut p = file.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The tables of a SQLite duban database, parents before children.
async fn sqlite_tables(conn: &mut AnyConnection) -> Result<Vec<Table>> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = BTreeMap::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name,) in names {
        if SKIPPED.contains(&name.as_str()) {
            continue;
        }
        plain_identifier(&name)?;
        let cols: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        let mut key: Vec<(i64, String)> = Vec::new();
        let mut columns = Vec::new();
        for (col, declared, pk) in cols {
            plain_identifier(&col)?;
            if pk > 0 {
                key.push((pk, col.clone()));
            }
            columns.push(Column {
                name: col,
                kind: kind_of(&declared),
            });
        }
        key.sort();
        let fks: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        parents.insert(
            name.clone(),
            fks.into_iter()
                .map(|f| f.0)
                .filter(|p| *p != name)
                .collect(),
        );
        tables.insert(
            name.clone(),
            Table {
                name,
                columns,
                key: key.into_iter().map(|k| k.1).collect(),
            },
        );
    }
    // Topological order over the foreign keys (self-references are handled by key order).
    let mut ordered: Vec<Table> = Vec::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    while placed.len() < tables.len() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|t| !placed.contains(*t))
            .filter(|t| parents[*t].iter().all(|p| placed.contains(p)))
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Corrupt(
                "the schema's foreign keys form a cycle".into(),
            ));
        }
        for t in ready {
            placed.insert(t.clone());
            ordered.push(tables[&t].clone());
        }
    }
    Ok(ordered)
}

/// On PostgreSQL: every table and column of the current schema must be one the SQLite
/// schema knows, and the other way round — otherwise a copy would silently drop data.
async fn check_postgres_schema(conn: &mut AnyConnection, tables: &[Table]) -> Result<()> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    let pg: BTreeSet<(String, String)> = rows
        .into_iter()
        .filter(|(t, _)| !SKIPPED.contains(&t.as_str()))
        .collect();
    let lite: BTreeSet<(String, String)> = tables
        .iter()
        .flat_map(|t| t.columns.iter().map(|c| (t.name.clone(), c.name.clone())))
        .collect();
    if let Some((t, c)) = pg.difference(&lite).next() {
        return Err(StoreError::Invalid(format!(
            "the PostgreSQL database has {t}.{c}, which this duban's SQLite schema does not"
        )));
    }
    if let Some((t, c)) = lite.difference(&pg).next() {
        return Err(StoreError::Invalid(format!(
            "the PostgreSQL database lacks {t}.{c}"
        )));
    }
    Ok(())
}

/// The identity columns of the PostgreSQL schema: (table, column).
async fn postgres_identities(conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1, 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (t, c) in &rows {
        plain_identifier(t)?;
        plain_identifier(c)?;
    }
    Ok(rows)
}

fn decode(row: &AnyRow, i: usize, kind: Kind) -> Result<Value> {
    let first = match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(i).map(Value::Int),
        Kind::Real => row.try_get::<Option<f64>, _>(i).map(Value::Real),
        Kind::Text => row.try_get::<Option<String>, _>(i).map(Value::Text),
        Kind::Blob => row.try_get::<Option<Vec<u8>>, _>(i).map(Value::Blob),
    };
    if let Ok(v) = first {
        return Ok(v);
    }
    // SQLite stores what it is given: a value of another type than the declared one.
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return Ok(Value::Int(v));
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return Ok(Value::Real(v));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return Ok(Value::Text(v));
    }
    row.try_get::<Option<Vec<u8>>, _>(i)
        .map(Value::Blob)
        .map_err(StoreError::from)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Copies every row of `table` from `src` to `dst` (both already in their transactions).
async fn copy_table(
    src: &mut AnyConnection,
    dst: &mut AnyConnection,
    table: &Table,
    overriding: bool,
) -> Result<u64> {
    let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let mut select = format!("SELECT {} FROM \"{}\"", quoted(&names), table.name);
    if !table.key.is_empty() {
        select.push_str(&format!(" ORDER BY {}", quoted(&table.key)));
    }
    let placeholders = (1..=names.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT INTO \"{}\" ({}){} VALUES ({placeholders})",
        table.name,
        quoted(&names),
        if overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    );
    let rows = sqlx::query(AssertSqlSafe(select))
        .fetch_all(&mut *src)
        .await?;
    let mut n = 0u64;
    for row in &rows {
        let mut q = sqlx::query(AssertSqlSafe(insert.clone()));
        for (i, col) in table.columns.iter().enumerate() {
            q = match decode(row, i, col.kind)? {
                Value::Int(v) => q.bind(v),
                Value::Real(Some(v)) => q.bind(v),
                // sqlx 0.9's Any driver sends a NULL `f64` to PostgreSQL as `float4` (and a
                // NULL `f32` as `float8`); a cached statement first run with a NULL would
                // then reject the next row's 8-byte value. `f32` NULL binds as float8.
                Value::Real(None) => q.bind(None::<f32>),
                Value::Text(v) => q.bind(v),
                Value::Blob(v) => q.bind(v),
            };
        }
        q.execute(&mut *dst).await?;
        n += 1;
    }
    Ok(n)
}

/// Deletes every row of `tables` (children first). The append-only guards (`audit_log`,
/// `eval_snapshot` triggers) are lifted for this transaction only: on PostgreSQL the user
/// triggers are disabled and enabled again, on SQLite dropped and re-created from their
/// stored definitions — both inside the transaction, so a failure leaves them in place.
async fn clear(dst: &mut AnyConnection, tables: &[Table], backend: Backend) -> Result<()> {
    let triggers: Vec<(String, String)> = match backend {
        Backend::Sqlite => {
            sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
            )
            .fetch_all(&mut *dst)
            .await?
        }
        Backend::Postgres => Vec::new(),
    };
    for (name, _) in &triggers {
        plain_identifier(name)?;
        sqlx::query(AssertSqlSafe(format!("DROP TRIGGER \"{name}\"")))
            .execute(&mut *dst)
            .await?;
    }
    for t in tables.iter().rev() {
        let delete = format!("DELETE FROM \"{}\"", t.name);
        let statements = match backend {
            // The table's own triggers (append-only guards) are off for the DELETE only.
            Backend::Postgres => vec![
                format!("ALTER TABLE \"{}\" DISABLE TRIGGER USER", t.name),
                delete,
                format!("ALTER TABLE \"{}\" ENABLE TRIGGER USER", t.name),
            ],
            Backend::Sqlite => vec![delete],
        };
        for sql in statements {
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *dst).await?;
        }
    }
    for (_, sql) in triggers {
        // The trigger's own definition, as this database stored it.
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *dst).await?;
    }
    Ok(())
}

const HOLDS_DATA: &str = "SELECT (SELECT COUNT(*) FROM plan) + (SELECT COUNT(*) FROM app_user) + (SELECT COUNT(*) FROM report)";

fn refused() -> StoreError {
    StoreError::Invalid(
        "the target database already holds data (plans, users or reports); pass --force to replace all of it".into(),
    )
}

impl Store {
    /// True when the database holds any plan, user or report (restore refuses to replace
    /// such a database without `force`).
    pub async fn holds_data(&self) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(HOLDS_DATA).fetch_one(self.pool()).await?;
        Ok(n > 0)
    }

    /// Writes a backup of the whole database to `file` (which must not exist): a SQLite
    /// database with duban's schema. Consistent while servers keep writing. The file
    /// appears only when complete (written as `FILE.partial`, synced, then renamed).
    pub async fn backup_to(&self, file: &Path) -> Result<CopySummary> {
        if file.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; choose a new file name",
                file.display()
            )));
        }
        let partial = with_suffix(file, ".partial");
        remove_sqlite_files(&partial);
        let made = self.write_backup(&partial).await;
        let made = match made {
            Ok(m) => m,
            Err(e) => {
                remove_sqlite_files(&partial);
                return Err(e);
            }
        };
        // Everything must be in the main file (the WAL was checkpointed and removed on close).
        let wal = with_suffix(&partial, "-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            remove_sqlite_files(&partial);
            return Err(StoreError::Invalid(format!(
                "the backup was not checkpointed ({} remains); nothing was written",
                wal.display()
            )));
        }
        let io = |e: std::io::Error| {
            StoreError::Invalid(format!("cannot write {}: {e}", file.display()))
        };
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&partial, file).map_err(io)?;
        remove_sqlite_files(&partial);
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(made)
    }

    async fn write_backup(&self, partial: &Path) -> Result<CopySummary> {
        match self.backend() {
            Backend::Sqlite => {
                let path = partial.to_str().ok_or_else(|| {
                    StoreError::Invalid(format!("{} is not UTF-8", partial.display()))
                })?;
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(self.pool())
                    .await?;
                // Count what the snapshot holds (the live database may have moved on).
                let out = Store::connect(&sqlite_url(partial)).await?;
                let summary = count_rows(&out).await;
                let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(out.pool())
                    .await;
                out.close().await;
                checkpoint?;
                let _ = std::fs::remove_file(with_suffix(partial, ".lock"));
                summary
            }
            Backend::Postgres => {
                let out = Store::connect(&sqlite_url(partial)).await?;
                let copied = async {
                    let mut dst = out.begin_write().await?;
                    let tables = sqlite_tables(&mut dst).await?;
                    let mut src = self.pool().begin().await?;
                    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        .execute(&mut *src)
                        .await?;
                    check_postgres_schema(&mut src, &tables).await?;
                    clear(&mut dst, &tables, Backend::Sqlite).await?;
                    let mut summary = CopySummary { tables: Vec::new() };
                    for t in &tables {
                        let n = copy_table(&mut src, &mut dst, t, false).await?;
                        summary.tables.push((t.name.clone(), n));
                    }
                    src.commit().await?;
                    dst.commit().await?;
                    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(out.pool())
                        .await?;
                    Ok::<_, StoreError>(summary)
                }
                .await;
                out.close().await;
                let _ = std::fs::remove_file(with_suffix(partial, ".lock"));
                copied
            }
        }
    }

    /// Replaces this database's content with the backup in `file`, in one transaction, then
    /// verifies the audit chain. Refused when this database holds plans, users or reports,
    /// unless `force`. Run it with every server of this database stopped.
    pub async fn restore_from(&self, file: &Path, force: bool) -> Result<RestoreSummary> {
        if !file.is_file() {
            return Err(StoreError::Invalid(format!(
                "no backup file {}",
                file.display()
            )));
        }
        if !force && self.holds_data().await? {
            return Err(refused());
        }
        // Work on a private copy: the backup file itself is never written, and an older
        // backup is migrated to this binary's schema first.
        let work = std::env::temp_dir().join(format!(
            "duban-restore-{}.db",
            crate::secret::random_token()
        ));
        std::fs::copy(file, &work)
            .map_err(|e| StoreError::Invalid(format!("cannot copy {}: {e}", file.display())))?;
        let loaded = self.load_backup(file, &work, force).await;
        remove_sqlite_files(&work);
        let copied = loaded?;
        match self.verify_audit().await? {
            Ok(audit) => Ok(RestoreSummary { copied, audit }),
            Err(b) => Err(StoreError::Corrupt(format!(
                "restored, but the audit chain does not verify: {b}"
            ))),
        }
    }

    async fn load_backup(&self, file: &Path, work: &Path, force: bool) -> Result<CopySummary> {
        let src = Store::connect(&sqlite_url(work)).await.map_err(|e| {
            StoreError::Invalid(format!("{} is not a duban backup: {e}", file.display()))
        })?;
        let loaded = async {
            let applied: Vec<(String,)> = sqlx::query_as("SELECT name FROM schema_migration")
                .fetch_all(src.pool())
                .await?;
            if let Some((newer,)) = applied
                .iter()
                .find(|(n,)| !MIGRATIONS.iter().any(|m| m.0 == n))
            {
                return Err(StoreError::Invalid(format!(
                    "{} was made by a newer duban (migration {newer}); restore it with that version",
                    file.display()
                )));
            }
            if let Err(b) = src.verify_audit().await? {
                return Err(StoreError::Corrupt(format!(
                    "the backup's audit chain does not verify: {b}"
                )));
            }
            let mut s = src.pool().begin().await?;
            let tables = sqlite_tables(&mut s).await?;
            let mut d = self.begin_write().await?;
            // Checked again under the write lock: nothing may have arrived since.
            let (held,): (i64,) = sqlx::query_as(HOLDS_DATA).fetch_one(&mut *d).await?;
            if held > 0 && !force {
                return Err(refused());
            }
            let identities = match self.backend() {
                Backend::Postgres => {
                    check_postgres_schema(&mut d, &tables).await?;
                    postgres_identities(&mut d).await?
                }
                Backend::Sqlite => Vec::new(),
            };
            clear(&mut d, &tables, self.backend()).await?;
            let mut summary = CopySummary { tables: Vec::new() };
            for t in &tables {
                let overriding = identities.iter().any(|(it, _)| *it == t.name);
                let n = copy_table(&mut s, &mut d, t, overriding).await?;
                summary.tables.push((t.name.clone(), n));
            }
            for (t, c) in &identities {
                let (max,): (Option<i64>,) =
                    sqlx::query_as(AssertSqlSafe(format!("SELECT MAX(\"{c}\") FROM \"{t}\"")))
                        .fetch_one(&mut *d)
                        .await?;
                sqlx::query("SELECT 1 FROM (SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)) AS s")
                    .bind(t)
                    .bind(c)
                    .bind(max.unwrap_or(1))
                    .bind(max.is_some())
                    .execute(&mut *d)
                    .await?;
            }
            d.commit().await?;
            s.commit().await?;
            Ok(summary)
        }
        .await;
        src.close().await;
        loaded
    }
}

/// Rows per table of a store (SQLite schema order).
async fn count_rows(store: &Store) -> Result<CopySummary> {
    let mut conn = store.pool().acquire().await?;
    let tables = sqlite_tables(&mut conn).await?;
    let mut summary = CopySummary { tables: Vec::new() };
    for t in &tables {
        let (n,): (i64,) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM \"{}\"",
            t.name
        )))
        .fetch_one(&mut *conn)
        .await?;
        summary.tables.push((t.name.clone(), n as u64));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinities() {
        assert_eq!(kind_of("INTEGER"), Kind::Int);
        assert_eq!(kind_of("BIGINT"), Kind::Int);
        assert_eq!(kind_of("TEXT"), Kind::Text);
        assert_eq!(kind_of("REAL"), Kind::Real);
        assert_eq!(kind_of("BLOB"), Kind::Blob);
        assert_eq!(kind_of(""), Kind::Blob);
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(plain_identifier("evidence_blob").is_ok());
        assert!(plain_identifier("a\"b").is_err());
        assert!(plain_identifier("").is_err());
        assert!(plain_identifier("Plan").is_err());
    }
}
