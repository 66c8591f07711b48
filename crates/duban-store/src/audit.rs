//! The append-only, hash-chained audit log (`duban.audit/1`, hashing in `duban_core::audit`).
//!
//! **Invariant:** an entry is appended by [`append`] inside the *same* transaction as the
//! change it records, so a change and its entry commit or roll back together. `append`
//! first updates the single-row `audit_head` (seq + 1): that row lock (PostgreSQL) or the
//! write lock (SQLite) queues concurrent appenders, so the chain stays linear — seq 1, 2, 3 …
//! without gaps, each `prev_hash` the hash of the entry before. `audit_log` refuses UPDATE and
//! DELETE by trigger; [`Store::verify_audit`] recomputes everything (`duban audit verify`).
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

use crate::{Result, Store, StoreError, now};

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

/// Appends one entry in the caller's transaction (pass `&mut *tx`). The payload is stored
/// and hashed as its compact JSON text.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<AuditEntry> {
    // Taking the head row first serialises appenders (see the module invariant).
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let prev_hash: String = row.try_get("hash")?;
    let seq = u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?;
    // `AuditEntry::next` links to its predecessor by (seq, hash) only.
    let prev = (seq > 1).then(|| AuditEntry {
        seq: seq - 1,
        at: String::new(),
        actor: String::new(),
        action: String::new(),
        subject: String::new(),
        payload_json: String::new(),
        prev_hash: String::new(),
        hash: prev_hash.clone(),
    });
    if prev.is_none() && prev_hash != GENESIS_HASH {
        return Err(StoreError::Corrupt("audit head: seq 0 with a hash".into()));
    }
    let entry = AuditEntry::next(
        prev.as_ref(),
        now(),
        actor,
        action,
        subject,
        payload.to_string(),
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, payload, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.seq as i64)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.payload_json)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await?;
    Ok(entry)
}

/// [`append`] with the [`current_actor`].
pub async fn append_current(
    conn: &mut AnyConnection,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<AuditEntry> {
    append(conn, &current_actor(), action, subject, payload).await
}

/// The audit entry (and the notification the application decided on, if any:
/// `duban_app::report`) of one report change; called by `deliver::report::record_event` in
/// the change's transaction. The payload carries the report's content after the change, so
/// the chain commits to it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn report_changed(
    conn: &mut AnyConnection,
    report_id: i64,
    action: &str,
    from: &str,
    to: &str,
    user_id: i64,
    comment: Option<&str>,
    content: &Value,
    notice: Option<&crate::notification::Notice>,
) -> Result<()> {
    let (task_id, unit_id): (i64, i64) =
        sqlx::query_as("SELECT r.task_id, r.unit_id FROM report r WHERE r.id = $1")
            .bind(report_id)
            .fetch_one(&mut *conn)
            .await?;
    let actor: Option<(String,)> = sqlx::query_as("SELECT name FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let actor = actor.map_or_else(current_actor, |a| a.0);
    let payload = serde_json::json!({
        "report_id": report_id, "task_id": task_id, "unit_id": unit_id, "from": from, "to": to,
        "comment": comment, "content": content,
    });
    append(
        conn,
        &actor,
        &format!("report.{action}"),
        &report_subject(task_id, report_id),
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
    pub entries: u64,
    pub head_hash: String,
}

const SELECT: &str =
    "SELECT seq, at, actor, action, subject, payload, prev_hash, hash FROM audit_log";

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    let seq: i64 = r.try_get("seq")?;
    Ok(AuditEntry {
        seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        payload_json: r.try_get("payload")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Entries read per page while verifying (bounded memory on long logs).
const VERIFY_PAGE: i64 = 5_000;

impl Store {
    /// Appends one entry in a transaction of its own, for events that change nothing else
    /// (e.g. an export).
    pub async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        payload: &Value,
    ) -> Result<AuditEntry> {
        let mut tx = self.begin_write().await?;
        let e = append(&mut tx, actor, action, subject, payload).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Recomputes the whole chain, page by page, and checks that it ends at the stored head.
    /// `Ok(Err(…))` names the first broken entry.
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
                "{SELECT} WHERE seq > $1 ORDER BY seq LIMIT {VERIFY_PAGE}"
            )))
            .bind(after)
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
        Ok(Ok(AuditSummary {
            entries,
            head_hash: prev,
        }))
    }

    /// The newest entries first (at most `limit`), optionally only those about `subject` and
    /// everything under it (`task:12` also finds `task:12/report:40`).
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
            Some(s) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} WHERE subject = $1 OR subject LIKE $2 ORDER BY seq DESC LIMIT $3 OFFSET $4"
                )))
                .bind(s)
                .bind(format!("{}/%", s.replace(['%', '_'], "")))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{SELECT} ORDER BY seq DESC LIMIT $1 OFFSET $2"
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
        let ok = store.verify_audit().await.unwrap().unwrap();
        assert_eq!(ok.entries, 40);
        // A rolled-back change leaves no entry and no gap.
        let mut tx = store.begin_write().await.unwrap();
        append(&mut tx, "t", "test.rollback", "x", &json!({}))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(store.verify_audit().await.unwrap().unwrap().entries, 40);
        let e = with_actor("alice", async {
            store
                .record_audit(&current_actor(), "a", "task:3/report:9", &json!({}))
                .await
        })
        .await
        .unwrap();
        assert_eq!((e.seq, e.actor.as_str()), (41, "alice"));
        assert_eq!(current_actor(), "system");
        let h = store.task_history(3, 100).await.unwrap();
        assert_eq!(h.len(), 6);
        assert_eq!(h[0].seq, 41);
        // Updates are refused by the trigger …
        assert!(
            sqlx::query("UPDATE audit_log SET payload = '{}' WHERE seq = 7")
                .execute(store.pool())
                .await
                .is_err()
        );
        // … and detected once someone removes it.
        let drop = if db.is_postgres() {
            "DROP TRIGGER audit_log_no_change ON audit_log"
        } else {
            "DROP TRIGGER audit_log_no_update"
        };
        sqlx::query(drop).execute(store.pool()).await.unwrap();
        sqlx::query("UPDATE audit_log SET payload = '{\"j\":99}' WHERE seq = 7")
            .execute(store.pool())
            .await
            .unwrap();
        let b = store.verify_audit().await.unwrap().unwrap_err();
        assert_eq!((b.seq, b.action.as_deref()), (7, Some("test.append")));
    }
}
