//! The append-only, hash-chained audit log (`duban.audit/1`, hashing in `duban_core::audit`).
//!
//! **Invariant:** an entry is appended by [`append`] inside the *same* transaction as the
//! change it records, so a change and its entry commit or roll back together. It is
//! appended **unsealed** (an `id` in append order, no `seq`, `prev_hash` or `hash`) and
//! sealed after its transaction has committed: [`seal_pending`] links the committed
//! unsealed entries, in `id` order, to the chain head (`audit_head`) — seq n + 1, n + 2 …
//! without gaps, each `prev_hash` the hash of the entry before — and moves the head. One
//! sealer at a time: on PostgreSQL the transaction-scoped advisory lock [`SEAL_LOCK_KEY`]
//! (a sealer that cannot take it leaves the work to the one holding it), on SQLite the
//! write lock every write transaction already holds.
//!
//! Who seals: [`append`] itself, in the writer's transaction, whenever it gets the sealer
//! lock — it seals every committed unsealed entry and its own (they commit together; a
//! rollback undoes the seal with the entry). On SQLite that is every append, so entries
//! never stay unsealed; on PostgreSQL concurrent writers no longer queue on the head row:
//! the one holding the lock seals for the others, and [`Store::seal_audit`] (the server's
//! background worker, every second) seals whatever the last writers of a burst left.
//! `audit_log` refuses DELETE and every UPDATE except sealing an unsealed entry once, by
//! trigger; [`Store::verify_audit`] recomputes the sealed chain (`duban audit verify`) and
//! reports the entries still unsealed.
//!
//! Who acts: store write paths that are not handed an actor take it from the task-local set
//! by [`with_actor`] (the web layer wraps every request in it; background jobs say
//! `system`); see [`current_actor`].
//!
//! Subjects are hierarchical so a task's history is one prefix query: `plan:3`, `task:12`,
//! `task:12/report:40`, `task:12/escalation:7`, `user:5`, `token:2`, `unit:4`.

use std::future::Future;

use duban_core::audit::{AuditEntry, ChainBreak, GENESIS_HASH, verify_segment};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, Store, StoreError, now};

tokio::task_local! {
    static ACTOR: String;
}

/// Runs `f` with `actor` as the acting user of every audit entry appended inside it.
pub async fn with_actor<F: Future>(actor: impl Into<String>, f: F) -> F::Output {
    ACTOR.scope(actor.into(), f).await
}

/// The actor set by [`with_actor`], or `system` outside of one (background jobs, CLI).
pub fn current_actor() -> String {
    ACTOR
        .try_with(|a| a.clone())
        .unwrap_or_else(|_| "system".to_string())
}

/// Subject of a task's report (under the task, so the task's history finds it).
pub fn report_subject(task_id: i64, report_id: i64) -> String {
    format!("task:{task_id}/report:{report_id}")
}

/// Subject of an escalation record (under its task).
pub fn escalation_subject(task_id: i64, escalation_id: i64) -> String {
    format!("task:{task_id}/escalation:{escalation_id}")
}

/// The PostgreSQL advisory-lock key of the audit sealer ("duban" + 2); see the module notes.
pub const SEAL_LOCK_KEY: i64 = 0x6475_6261_6e00_0002;

/// An unsealed entry (id, at, actor, action, subject, payload) and the chain head (seq, hash).
type PendingRow = (i64, String, String, String, String, String, i64, String);

/// Entries sealed per round at most (a backlog is sealed over several rounds).
const SEAL_BATCH: i64 = 1_000;

/// How long an entry may stay unsealed before [`Store::verify_audit`] reports it as late.
pub const UNSEALED_GRACE_SECONDS: i64 = 10;

/// Appends one entry, unsealed, in the caller's transaction (pass `&mut *tx`), then seals
/// what it may (see the module notes). The payload is stored and hashed as its compact
/// JSON text. Returns the entry's id.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_log (at, actor, action, subject, payload) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(payload.to_string())
    .fetch_one(&mut *conn)
    .await?;
    seal_pending(conn).await?;
    Ok(id)
}

/// Seals, in the caller's write transaction, the unsealed entries it can see — those of
/// committed transactions and its own — oldest id first, if it gets the sealer lock
/// (PostgreSQL: [`SEAL_LOCK_KEY`], held to the end of the transaction; SQLite: the write
/// lock the transaction holds). Returns how many it sealed (0 when another transaction
/// holds the lock: that one, or the next, seals them).
pub async fn seal_pending(conn: &mut AnyConnection) -> Result<u64> {
    if backend_of(conn) == Backend::Postgres {
        let (locked,): (i64,) = sqlx::query_as(
            "SELECT CAST(CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END AS BIGINT)",
        )
        .bind(SEAL_LOCK_KEY)
        .fetch_one(&mut *conn)
        .await?;
        if locked == 0 {
            return Ok(0);
        }
    }
    // The unsealed entries with the head they follow, in one round trip.
    let pending: Vec<PendingRow> = sqlx::query_as(
        "SELECT l.id, l.at, l.actor, l.action, l.subject, l.payload, h.seq, h.hash
         FROM audit_log l, audit_head h WHERE h.id = 1 AND l.seq IS NULL ORDER BY l.id LIMIT $1",
    )
    .bind(SEAL_BATCH)
    .fetch_all(&mut *conn)
    .await?;
    let Some((.., head_seq, head_hash)) = pending.first() else {
        return Ok(0);
    };
    let mut seq = u64::try_from(*head_seq)
        .map_err(|_| StoreError::Corrupt(format!("audit head seq {head_seq}")))?;
    if seq == 0 && head_hash != GENESIS_HASH {
        return Err(StoreError::Corrupt("audit head: seq 0 with a hash".into()));
    }
    let mut hash = head_hash.clone();
    for (id, at, actor, action, subject, payload, ..) in &pending {
        let e = AuditEntry::after(seq, hash, at, actor, action, subject, payload);
        let done = sqlx::query(
            "UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4 AND seq IS NULL",
        )
        .bind(e.seq as i64)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!(
                "audit entry {id} was sealed by someone else"
            )));
        }
        seq = e.seq;
        hash = e.hash;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq as i64)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(pending.len() as u64)
}

/// The engine behind a connection of the `Any` driver.
fn backend_of(conn: &AnyConnection) -> Backend {
    // `<Postgres as sqlx::Database>::NAME`.
    if conn.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// [`append`] with the [`current_actor`].
pub async fn append_current(
    conn: &mut AnyConnection,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<i64> {
    append(conn, &current_actor(), action, subject, payload).await
}

/// Appends the current actor's entry for the change made in `tx`, then commits both: the
/// last step of every audited write, so no change commits without its entry.
pub(crate) async fn commit_audited(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<()> {
    append_current(&mut tx, action, subject, payload).await?;
    tx.commit().await?;
    Ok(())
}

/// One report change as its audit entry records it (read by `deliver::report::record_event`
/// in the change's transaction).
pub(crate) struct ReportChange<'a> {
    pub report_id: i64,
    pub task_id: i64,
    pub unit_id: i64,
    /// `create`, `edit`, `submit` … (the entry's action is `report.{action}`).
    pub action: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    /// The acting user's name; `None` (account gone) = the [`current_actor`].
    pub actor: Option<String>,
    pub comment: Option<&'a str>,
    /// The report's content after the change, so the chain commits to it.
    pub content: &'a Value,
}

/// The audit entry (and the notification the application decided on, if any:
/// `duban_app::report`) of one report change, in the change's transaction.
pub(crate) async fn report_changed(
    conn: &mut AnyConnection,
    c: &ReportChange<'_>,
    notice: Option<&crate::notification::Notice>,
) -> Result<()> {
    let actor = c.actor.clone().unwrap_or_else(current_actor);
    let payload = serde_json::json!({
        "report_id": c.report_id, "task_id": c.task_id, "unit_id": c.unit_id, "from": c.from,
        "to": c.to, "comment": c.comment, "content": c.content,
    });
    append(
        conn,
        &actor,
        &format!("report.{}", c.action),
        &report_subject(c.task_id, c.report_id),
        &payload,
    )
    .await?;
    if let Some(n) = notice {
        crate::notification::notify(conn, &n.audience, &n.notification).await?;
    }
    Ok(())
}

/// The first broken entry found by [`Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: u64,
    /// The stored action of that entry, when the entry exists.
    pub action: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit chain broken at seq {} (action {}): {}",
            self.seq,
            self.action.as_deref().unwrap_or("-"),
            self.reason
        )
    }
}

/// A verified chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSummary {
    /// Sealed entries, all verified.
    pub entries: u64,
    pub head_hash: String,
    /// Entries appended but not sealed yet (not covered by the chain).
    pub unsealed: u64,
    /// Of those, how many are older than [`UNSEALED_GRACE_SECONDS`] (no sealer ran since),
    /// and the time of the oldest.
    pub late: u64,
    pub oldest_unsealed: Option<String>,
}

impl AuditSummary {
    /// A line about the unsealed entries, when there are late ones.
    pub fn late_note(&self) -> Option<String> {
        (self.late > 0).then(|| {
            format!(
                "{} 条审计条目超过 {UNSEALED_GRACE_SECONDS} 秒仍未封存（最早 {}）：尚未纳入哈希链，请确认服务在运行（它每秒封存）",
                self.late,
                self.oldest_unsealed.as_deref().unwrap_or("-")
            )
        })
    }
}

/// Columns of an entry as read back; `seq`, `prev_hash` and `hash` are NULL until sealed.
const SELECT: &str =
    "SELECT id, seq, at, actor, action, subject, payload, prev_hash, hash FROM audit_log";

/// An entry as stored; an unsealed one has seq 0 and empty hashes.
fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    let seq: Option<i64> = r.try_get("seq")?;
    let seq = seq.unwrap_or(0);
    Ok(AuditEntry {
        seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        payload_json: r.try_get("payload")?,
        prev_hash: r
            .try_get::<Option<String>, _>("prev_hash")?
            .unwrap_or_default(),
        hash: r.try_get::<Option<String>, _>("hash")?.unwrap_or_default(),
    })
}

/// Entries read per page while verifying (bounded memory on long logs).
const VERIFY_PAGE: i64 = 5_000;

impl Store {
    /// Appends one entry in a transaction of its own, for events that change nothing else
    /// (e.g. an export). Returns the entry's id.
    pub async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        payload: &Value,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = append(&mut tx, actor, action, subject, payload).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Seals the committed unsealed entries, in a transaction of its own (the server's
    /// background worker calls it every second; see the module notes). Returns how many
    /// it sealed; 0 when there were none or another transaction holds the sealer lock.
    pub async fn seal_audit(&self) -> Result<u64> {
        let any: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM audit_log WHERE seq IS NULL LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        if any.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let n = seal_pending(&mut tx).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Recomputes the sealed chain, page by page, up to the head as read at the start, and
    /// checks that it ends at that head; counts the unsealed entries. `Ok(Err(…))` names
    /// the first broken entry. Reads only (a sealer may run meanwhile).
    pub async fn verify_audit(&self) -> Result<std::result::Result<AuditSummary, AuditBreak>> {
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        let mut expected_seq = 1u64;
        let mut prev = GENESIS_HASH.to_string();
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT {VERIFY_PAGE}"
            )))
            .bind(after)
            .bind(head_seq)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            let page: Vec<AuditEntry> = rows.iter().map(entry_from_row).collect::<Result<_>>()?;
            if let Err(ChainBreak { seq, reason }) =
                verify_segment(&page, expected_seq, &prev, None)
            {
                let action = page.iter().find(|e| e.seq == seq).map(|e| e.action.clone());
                return Ok(Err(AuditBreak {
                    seq,
                    action,
                    reason,
                }));
            }
            let last = page.last().expect("non-empty page");
            expected_seq = last.seq + 1;
            prev = last.hash.clone();
            after = last.seq as i64;
        }
        let entries = expected_seq - 1;
        if entries as i64 != head_seq || prev != head_hash {
            return Ok(Err(AuditBreak {
                seq: expected_seq,
                action: None,
                reason: format!(
                    "链尾与 audit_head 不符（日志有 {entries} 条，链头记录为第 {head_seq} 条）：尾部条目被删除或替换"
                ),
            }));
        }
        let late_before = crate::db::format_time(
            chrono::Utc::now() - chrono::Duration::seconds(UNSEALED_GRACE_SECONDS),
        );
        let (unsealed, late, oldest): (i64, i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN at < $1 THEN 1 ELSE 0 END), 0), MIN(at)
             FROM audit_log WHERE seq IS NULL",
        )
        .bind(late_before)
        .fetch_one(self.pool())
        .await?;
        Ok(Ok(AuditSummary {
            entries,
            head_hash: prev,
            unsealed: unsealed as u64,
            late: late as u64,
            oldest_unsealed: oldest,
        }))
    }

    /// The newest entries first (at most `limit`), optionally only those about `subject` and
    /// everything under it (`task:12` also finds `task:12/report:40`). Unsealed entries
    /// are included (seq 0).
    pub async fn audit_entries(
        &self,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        self.audit_entries_page(subject, limit, 0).await
    }

    /// [`Store::audit_entries`] after skipping the `offset` newest (paging).
    pub async fn audit_entries_page(
        &self,
        subject: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = match subject {
            Some(s) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE subject = $1 OR subject LIKE $2 ORDER BY id DESC LIMIT $3 OFFSET $4"
            )))
            .bind(s)
            .bind(format!("{}/%", s.replace(['%', '_'], "")))
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?,
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} ORDER BY id DESC LIMIT $1 OFFSET $2"
                )))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(entry_from_row).collect()
    }

    /// The history of a task: its own entries and those of its reports and escalations.
    pub async fn task_history(&self, task_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_entries(Some(&format!("task:{task_id}")), limit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use serde_json::json;

    /// Whether the database refuses `sql` (the append-only trigger).
    async fn refused(store: &Store, sql: &str) -> bool {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(store.pool())
            .await
            .is_err()
    }

    /// What someone with write access to the database does first: drop the UPDATE guard.
    async fn drop_update_guard(db: &TestDb) {
        let drop = if db.is_postgres() {
            "DROP TRIGGER audit_log_no_change ON audit_log"
        } else {
            "DROP TRIGGER audit_log_no_update"
        };
        sqlx::query(drop).execute(db.store.pool()).await.unwrap();
    }

    #[tokio::test]
    async fn chain_is_linear_under_concurrency_and_tampering_is_named() {
        let db = TestDb::fresh().await.unwrap();
        let store = db.store.clone();
        let mut handles = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                for j in 0..5 {
                    let mut tx = store.begin_write().await.unwrap();
                    append(
                        &mut tx,
                        "t",
                        "test.append",
                        &format!("task:{i}"),
                        &json!({"j": j}),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        // PostgreSQL: the last writers of the burst may have left their entries to the
        // background sealer.
        store.seal_audit().await.unwrap();
        let ok = store.verify_audit().await.unwrap().unwrap();
        assert_eq!((ok.entries, ok.unsealed), (40, 0));
        // A rolled-back change leaves no entry and no gap.
        let mut tx = store.begin_write().await.unwrap();
        append(&mut tx, "t", "test.rollback", "x", &json!({}))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(store.verify_audit().await.unwrap().unwrap().entries, 40);
        with_actor("alice", async {
            store
                .record_audit(&current_actor(), "a", "task:3/report:9", &json!({}))
                .await
        })
        .await
        .unwrap();
        assert_eq!(current_actor(), "system");
        let h = store.task_history(3, 100).await.unwrap();
        assert_eq!(h.len(), 6);
        assert_eq!((h[0].seq, h[0].actor.as_str()), (41, "alice"));
        // Updates are refused by the trigger, sealed entries included …
        assert!(refused(&store, "UPDATE audit_log SET payload = '{}' WHERE seq = 7").await);
        assert!(
            refused(
                &store,
                "UPDATE audit_log SET seq = 99, prev_hash = 'x', hash = 'y' WHERE seq = 7"
            )
            .await
        );
        assert!(refused(&store, "DELETE FROM audit_log WHERE seq = 41").await);
        // … and detected once someone removes it.
        drop_update_guard(&db).await;
        sqlx::query("UPDATE audit_log SET payload = '{\"j\":99}' WHERE seq = 7")
            .execute(store.pool())
            .await
            .unwrap();
        let b = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((b.seq, b.action.as_deref()), (7, Some("test.append")));
    }

    /// An entry left unsealed (its writer did not get the sealer lock) is listed at once,
    /// reported by verify while unsealed, sealed by `seal_audit` in append order, and may be
    /// sealed only once; unsealing a sealed entry (triggers dropped) breaks the chain.
    #[tokio::test]
    async fn unsealed_entries_are_reported_then_sealed_once() {
        let db = TestDb::fresh().await.unwrap();
        let store = db.store.clone();
        store
            .record_audit("a", "test.first", "task:1", &json!({}))
            .await
            .unwrap();
        // As a writer that did not get the lock leaves it: inserted, not sealed.
        for (at, action) in [
            ("2020-01-01T00:00:00Z", "test.old"),
            (&now()[..], "test.new"),
        ] {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, subject, payload) VALUES ($1, 'b', $2, 'task:1', '{}')",
            )
            .bind(at)
            .bind(action)
            .execute(store.pool())
            .await
            .unwrap();
        }
        let listed = store.task_history(1, 10).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|e| (e.seq, e.action.as_str()))
                .collect::<Vec<_>>(),
            [(0, "test.new"), (0, "test.old"), (1, "test.first")]
        );
        let s = store.verify_audit().await.unwrap().unwrap();
        assert_eq!((s.entries, s.unsealed, s.late), (1, 2, 1));
        assert_eq!(s.oldest_unsealed.as_deref(), Some("2020-01-01T00:00:00Z"));
        assert!(s.late_note().unwrap().contains("2020-01-01"));
        // Changing an unsealed entry's content is refused as well.
        assert!(
            refused(
                &store,
                "UPDATE audit_log SET payload = '{\"x\":1}' WHERE action = 'test.old'"
            )
            .await
        );
        assert_eq!(store.seal_audit().await.unwrap(), 2);
        assert_eq!(store.seal_audit().await.unwrap(), 0);
        let s = store.verify_audit().await.unwrap().unwrap();
        assert_eq!((s.entries, s.unsealed, s.late_note()), (3, 0, None));
        let h = store.task_history(1, 10).await.unwrap();
        assert_eq!(
            h.iter()
                .map(|e| (e.seq, e.action.as_str()))
                .collect::<Vec<_>>(),
            [(3, "test.new"), (2, "test.old"), (1, "test.first")]
        );
        // A sealed entry cannot be sealed again.
        assert!(
            refused(
                &store,
                "UPDATE audit_log SET seq = 9, prev_hash = 'x', hash = 'y' WHERE seq = 2"
            )
            .await
        );
        drop_update_guard(&db).await;
        sqlx::query("UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 2")
            .execute(store.pool())
            .await
            .unwrap();
        // The entry after the gap is named.
        let b = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!(b.seq, 3, "{b}");
        assert!(b.reason.contains("缺失"), "{b}");
    }

    /// PostgreSQL: a writer whose transaction is still open (holding the sealer lock after
    /// its append) does not hold up other writers: they append and commit meanwhile, and
    /// their entries are sealed after it, in order.
    #[tokio::test]
    async fn writers_do_not_wait_for_each_other_on_the_chain() {
        let db = TestDb::fresh().await.unwrap();
        if !db.is_postgres() {
            return; // SQLite has one writer at a time by design.
        }
        let store = db.store.clone();
        let mut slow = store.begin_write().await.unwrap();
        append(&mut slow, "slow", "test.slow", "task:1", &json!({}))
            .await
            .unwrap();
        for i in 0..3 {
            let other = async {
                let mut tx = store.begin_write().await.unwrap();
                append(&mut tx, "fast", "test.fast", "task:1", &json!({ "i": i }))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            };
            tokio::time::timeout(std::time::Duration::from_secs(5), other)
                .await
                .expect("a writer waited for another writer's open transaction");
        }
        let s = store.verify_audit().await.unwrap().unwrap();
        assert_eq!((s.entries, s.unsealed), (0, 3));
        slow.commit().await.unwrap();
        assert_eq!(store.seal_audit().await.unwrap(), 3);
        let s = store.verify_audit().await.unwrap().unwrap();
        assert_eq!((s.entries, s.unsealed), (4, 0));
        let h = store.task_history(1, 10).await.unwrap();
        assert_eq!(
            h.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [4, 3, 2, 1],
            "sealed in append order"
        );
    }
}
