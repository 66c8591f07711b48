//! Notifications: the in-app inbox and the durable outbox.
//!
//! [`notify`] is called inside the transaction of the event that causes it (an escalation
//! raised, a report returned or accepted): it writes one inbox item (seen by the unit's users
//! or by a role) and one outbox row, so an event and its notification commit together. The
//! web layer's worker then expands each outbox row into one delivery per target
//! ([`Store::dispatch_notification`]), delivers with `duban-notify`, and records every
//! attempt ([`Store::record_delivery`]); failed retryable deliveries come back after a
//! back-off. Everything lives in the database, so a restart loses nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::db::format_time;
use crate::settings::{NOTIFY_SETTINGS, put_settings};
use crate::{Result, Store, now};

/// Who sees an inbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The users of a unit.
    Unit(i64),
    /// Every user with this role (`admin` = the office).
    Role(String),
}

/// A notification as the event describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub event: String,
    pub subject: String,
    pub body_text: String,
    /// In-app link, e.g. `/escalations/7`.
    pub link: Option<String>,
    pub payload: Value,
}

/// A notification to send with a change, as the application decided it (who hears of
/// what is not the store's to decide).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub audience: Audience,
    pub notification: NewNotification,
}

/// Writes the inbox item and the outbox row in the caller's transaction. The e-mail
/// recipients are the audience unit's contact address and the office address (if set).
/// Returns the outbox id (`uid`, the idempotency key of every delivery).
pub async fn notify(
    conn: &mut AnyConnection,
    audience: &Audience,
    n: &NewNotification,
) -> Result<String> {
    let at = now();
    let (unit_id, role) = match audience {
        Audience::Unit(u) => (Some(*u), None),
        Audience::Role(r) => (None, Some(r.clone())),
    };
    sqlx::query(
        "INSERT INTO inbox_item (unit_id, role, event, title, body, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(unit_id)
    .bind(role)
    .bind(&n.event)
    .bind(&n.subject)
    .bind(&n.body_text)
    .bind(n.link.as_deref())
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    let mut recipients: Vec<String> = Vec::new();
    if let Some(u) = unit_id {
        let r: Option<(String,)> =
            sqlx::query_as("SELECT email FROM unit_contact WHERE unit_id = $1")
                .bind(u)
                .fetch_optional(&mut *conn)
                .await?;
        recipients.extend(r.map(|r| r.0));
    }
    let office: Option<(String,)> =
        sqlx::query_as("SELECT config_json FROM notify_settings WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(email) = office
        .and_then(|c| serde_json::from_str::<NotifySettings>(&c.0).ok())
        .and_then(|s| s.office_email)
        .filter(|e| !e.is_empty())
        && !recipients.contains(&email)
    {
        recipients.push(email);
    }
    let uid = format!(
        "dbn-{}",
        crate::secret::random_token()
            .chars()
            .take(24)
            .collect::<String>()
    );
    let mut payload = n.payload.clone();
    if let (Some(obj), Some(link)) = (payload.as_object_mut(), &n.link) {
        obj.insert("link".into(), Value::String(link.clone()));
    }
    sqlx::query(
        "INSERT INTO notification (uid, event, subject, body_text, recipients_json, payload_json, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&uid)
    .bind(&n.event)
    .bind(&n.subject)
    .bind(&n.body_text)
    .bind(serde_json::to_string(&recipients).unwrap_or_else(|_| "[]".into()))
    .bind(payload.to_string())
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(uid)
}

/// The office's delivery settings, stored as JSON. The `notifier` part is duban-notify's
/// `NotifierConfig` (kept opaque here: the store does not depend on duban-notify).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotifySettings {
    /// Address that receives a copy of every notification.
    #[serde(default)]
    pub office_email: Option<String>,
    #[serde(default)]
    pub notifier: Value,
}

/// One inbox item as a user sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxItem {
    pub id: i64,
    pub event: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: String,
    pub read: bool,
}

/// An outbox row with its deliveries' state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub uid: String,
    pub event: String,
    pub subject: String,
    pub body_text: String,
    pub recipients: Vec<String>,
    pub payload: Value,
    pub created_at: String,
    pub dispatched: bool,
}

/// One delivery (notification × target) and its attempts so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub notification_id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    /// The address or URL.
    pub target: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: String,
}

/// Outbox-level attempts before a delivery is given up (each attempt is itself retried
/// a few times by duban-notify).
pub const MAX_OUTBOX_ATTEMPTS: i64 = 8;

/// Back-off before outbox attempt `attempts + 1`: 30 s doubling, capped at one hour.
pub fn outbox_backoff(attempts: i64) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 16));
    chrono::Duration::seconds(secs.min(3600))
}

const INBOX_WHERE: &str = "(i.unit_id = $1 OR i.role = $2)";

fn outbox_from_row(r: &sqlx::any::AnyRow) -> Result<OutboxRow> {
    let recipients: String = r.try_get("recipients_json")?;
    let payload: String = r.try_get("payload_json")?;
    let dispatched: Option<String> = r.try_get("dispatched_at")?;
    Ok(OutboxRow {
        id: r.try_get("id")?,
        uid: r.try_get("uid")?,
        event: r.try_get("event")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        created_at: r.try_get("created_at")?,
        dispatched: dispatched.is_some(),
    })
}

fn delivery_from_row(r: &sqlx::any::AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get("id")?,
        notification_id: r.try_get("notification_id")?,
        channel: r.try_get("channel")?,
        target: r.try_get("target")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const OUTBOX_COLS: &str =
    "id, uid, event, subject, body_text, recipients_json, payload_json, created_at, dispatched_at";
const DELIVERY_COLS: &str = "id, notification_id, channel, target, state, attempts, next_attempt_at, last_status, last_error, updated_at";

impl Store {
    /// The inbox of a user (unit items for reporters, role items for the role), newest first.
    pub async fn inbox(
        &self,
        user_id: i64,
        unit_id: Option<i64>,
        role: &str,
        limit: i64,
    ) -> Result<Vec<InboxItem>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT i.id, i.event, i.title, i.body, i.link, i.created_at, r.read_at
             FROM inbox_item i LEFT JOIN inbox_read r ON r.item_id = i.id AND r.user_id = $3
             WHERE {INBOX_WHERE} ORDER BY i.id DESC LIMIT $4"
        )))
        .bind(unit_id.unwrap_or(-1))
        .bind(role)
        .bind(user_id)
        .bind(limit);
        self.fetch_rows(query, |r| {
            let read: Option<String> = r.try_get("read_at")?;
            Ok(InboxItem {
                id: r.try_get("id")?,
                event: r.try_get("event")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
                created_at: r.try_get("created_at")?,
                read: read.is_some(),
            })
        })
        .await
    }

    pub async fn inbox_unread(
        &self,
        user_id: i64,
        unit_id: Option<i64>,
        role: &str,
    ) -> Result<i64> {
        let n: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM inbox_item i
             WHERE {INBOX_WHERE} AND NOT EXISTS (SELECT 1 FROM inbox_read r WHERE r.item_id = i.id AND r.user_id = $3)"
        )))
        .bind(unit_id.unwrap_or(-1))
        .bind(role)
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n.0)
    }

    /// Marks items read for a user (only items the user can see; `None` = all of them).
    pub async fn mark_inbox_read(
        &self,
        user_id: i64,
        unit_id: Option<i64>,
        role: &str,
        item: Option<i64>,
    ) -> Result<u64> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO inbox_read (item_id, user_id, read_at)
             SELECT i.id, $3, $4 FROM inbox_item i
             WHERE {INBOX_WHERE} AND ($5 < 0 OR i.id = $5)
             ON CONFLICT (item_id, user_id) DO NOTHING"
        )))
        .bind(unit_id.unwrap_or(-1))
        .bind(role)
        .bind(user_id)
        .bind(now())
        .bind(item.unwrap_or(-1))
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected())
    }

    pub async fn notify_settings(&self) -> Result<NotifySettings> {
        Ok(self
            .settings_json(&NOTIFY_SETTINGS)
            .await?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Saves the settings (audited without secrets: only which channels are configured).
    pub async fn set_notify_settings(&self, s: &NotifySettings) -> Result<()> {
        let mut tx = self.begin_write().await?;
        put_settings(&mut tx, &NOTIFY_SETTINGS, s).await?;
        let summary = serde_json::json!({
            "office_email": s.office_email,
            "smtp": s.notifier.get("smtp").is_some_and(|v| !v.is_null()),
            "webhooks": s.notifier.get("webhooks").and_then(Value::as_array).map_or(0, Vec::len),
        });
        crate::audit::commit_audited(tx, "notify.settings", "settings:notify", &summary).await
    }

    pub async fn unit_contacts(&self) -> Result<Vec<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT unit_id, email FROM unit_contact ORDER BY unit_id")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Sets (or with an empty address removes) a unit's e-mail contact.
    pub async fn set_unit_contact(&self, unit_id: i64, email: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if email.trim().is_empty() {
            sqlx::query("DELETE FROM unit_contact WHERE unit_id = $1")
                .bind(unit_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO unit_contact (unit_id, email) VALUES ($1, $2)
                 ON CONFLICT (unit_id) DO UPDATE SET email = excluded.email",
            )
            .bind(unit_id)
            .bind(email.trim())
            .execute(&mut *tx)
            .await?;
        }
        crate::audit::commit_audited(
            tx,
            "unit.contact",
            &format!("unit:{unit_id}"),
            &serde_json::json!({"email": email.trim()}),
        )
        .await
    }

    /// Outbox rows not yet expanded into deliveries, oldest first.
    pub async fn undispatched_notifications(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLS} FROM notification WHERE dispatched_at IS NULL ORDER BY id LIMIT $1"
        )))
        .bind(limit);
        self.fetch_rows(query, outbox_from_row).await
    }

    pub async fn notification(&self, id: i64) -> Result<OutboxRow> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLS} FROM notification WHERE id = $1"
        )))
        .bind(id);
        self.fetch_row(query, outbox_from_row).await
    }

    /// Creates the deliveries of a notification (one per (channel, target); idempotent) and
    /// marks it dispatched, in one transaction.
    pub async fn dispatch_notification(&self, id: i64, targets: &[(String, String)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let at = now();
        for (channel, target) in targets {
            sqlx::query(
                "INSERT INTO notification_delivery (notification_id, channel, target, next_attempt_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (notification_id, channel, target) DO NOTHING",
            )
            .bind(id)
            .bind(channel)
            .bind(target)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE notification SET dispatched_at = $1 WHERE id = $2 AND dispatched_at IS NULL",
        )
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Pending deliveries whose next attempt is due, oldest first.
    pub async fn due_deliveries(&self, limit: i64) -> Result<Vec<Delivery>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM notification_delivery
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        )))
        .bind(now())
        .bind(limit);
        self.fetch_rows(query, delivery_from_row).await
    }

    /// Claims up to `limit` due deliveries for `worker` for `lease`: each is given to one
    /// server only (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the write lock), and a
    /// claim whose lease ran out (its server died mid-delivery) can be claimed again.
    /// [`Store::record_delivery`] ends the claim.
    pub async fn claim_deliveries(
        &self,
        worker: &str,
        limit: i64,
        lease: std::time::Duration,
    ) -> Result<Vec<Delivery>> {
        let at = now();
        let lease = chrono::Duration::from_std(lease)
            .map_err(|e| crate::StoreError::Invalid(format!("lease: {e}")))?;
        let until = format_time(chrono::Utc::now() + lease);
        let lock = match self.backend() {
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE notification_delivery SET claimed_by = $1, lease_until = $2
             WHERE id IN (SELECT id FROM notification_delivery
                 WHERE state = 'pending' AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until <= $3)
                 ORDER BY next_attempt_at, id LIMIT $4 {lock})
             RETURNING {DELIVERY_COLS}"
        )))
        .bind(worker)
        .bind(&until)
        .bind(&at)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut claimed: Vec<Delivery> =
            rows.iter().map(delivery_from_row).collect::<Result<_>>()?;
        claimed.sort_by(|a, b| (&a.next_attempt_at, a.id).cmp(&(&b.next_attempt_at, b.id)));
        Ok(claimed)
    }

    /// Pending deliveries: how many, and the oldest one's due time (metrics).
    pub async fn delivery_queue(&self) -> Result<(i64, Option<String>)> {
        let row: (i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(next_attempt_at) FROM notification_delivery WHERE state = 'pending'",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row)
    }

    /// All deliveries, newest first (admin page, tests).
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<Delivery>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM notification_delivery ORDER BY id DESC LIMIT $1"
        )))
        .bind(limit);
        self.fetch_rows(query, delivery_from_row).await
    }

    /// Records one attempt: delivered → `sent`; a retryable failure → `pending` again after
    /// [`outbox_backoff`] (until [`MAX_OUTBOX_ATTEMPTS`]); otherwise `failed`.
    pub async fn record_delivery(
        &self,
        id: i64,
        ok: bool,
        retryable: bool,
        status: Option<i64>,
        error: Option<&str>,
    ) -> Result<Delivery> {
        let mut tx = self.begin_write().await?;
        let (attempts,): (i64,) =
            sqlx::query_as("SELECT attempts FROM notification_delivery WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let attempts = attempts + 1;
        let state = if ok {
            "sent"
        } else if retryable && attempts < MAX_OUTBOX_ATTEMPTS {
            "pending"
        } else {
            "failed"
        };
        let next = format_time(chrono::Utc::now() + outbox_backoff(attempts - 1));
        sqlx::query(
            "UPDATE notification_delivery SET state = $1, attempts = $2, next_attempt_at = $3,
                 last_status = $4, last_error = $5, updated_at = $6, claimed_by = NULL,
                 lease_until = NULL WHERE id = $7",
        )
        .bind(state)
        .bind(attempts)
        .bind(next)
        .bind(status)
        .bind(error)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM notification_delivery WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        delivery_from_row(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use serde_json::json;

    async fn unit_u1(s: &Store) -> crate::unit::Unit {
        s.create_unit(&crate::unit::NewUnit {
            code: "u1".into(),
            name: "一号单位".into(),
            kind: duban_core::UnitKind::Department,
            demo: false,
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn outbox_inbox_and_backoff() {
        let db = TestDb::fresh().await.unwrap();
        let s = &db.store;
        let unit = unit_u1(s).await;
        s.set_unit_contact(unit.id, "u1@example.org").await.unwrap();
        let uid = s
            .create_user(&crate::user::NewUser {
                name: "r1".into(),
                password: "r1-password".into(),
                role: crate::user::Role::Reporter,
                unit_code: Some("u1".into()),
            })
            .await
            .unwrap()
            .id;
        s.set_notify_settings(&NotifySettings {
            office_email: Some("office@example.org".into()),
            notifier: json!({}),
        })
        .await
        .unwrap();
        let mut tx = s.begin_write().await.unwrap();
        let n = NewNotification {
            event: "escalation.raised".into(),
            subject: "提醒".into(),
            body_text: "请报送".into(),
            link: Some("/escalations/1".into()),
            payload: json!({"id": 1}),
        };
        notify(&mut tx, &Audience::Unit(unit.id), &n).await.unwrap();
        tx.rollback().await.unwrap();
        assert!(s.undispatched_notifications(10).await.unwrap().is_empty());
        let mut tx = s.begin_write().await.unwrap();
        notify(&mut tx, &Audience::Unit(unit.id), &n).await.unwrap();
        tx.commit().await.unwrap();
        let out = s.undispatched_notifications(10).await.unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].recipients, ["u1@example.org", "office@example.org"]);
        assert_eq!(out[0].payload["link"], "/escalations/1");
        assert_eq!(
            s.inbox_unread(uid, Some(unit.id), "reporter")
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.inbox_unread(uid, None, "viewer").await.unwrap(), 0);
        s.mark_inbox_read(uid, Some(unit.id), "reporter", None)
            .await
            .unwrap();
        assert_eq!(
            s.inbox_unread(uid, Some(unit.id), "reporter")
                .await
                .unwrap(),
            0
        );
        let targets = vec![("email".to_string(), "u1@example.org".to_string())];
        s.dispatch_notification(out[0].id, &targets).await.unwrap();
        s.dispatch_notification(out[0].id, &targets).await.unwrap();
        let due = s.due_deliveries(10).await.unwrap();
        assert_eq!(due.len(), 1);
        let d = s
            .record_delivery(due[0].id, false, true, None, Some("timeout"))
            .await
            .unwrap();
        assert_eq!((d.state.as_str(), d.attempts), ("pending", 1));
        assert!(s.due_deliveries(10).await.unwrap().is_empty(), "backs off");
        let d = s
            .record_delivery(due[0].id, true, false, Some(250), None)
            .await
            .unwrap();
        assert_eq!(d.state, "sent");
        assert_eq!(outbox_backoff(0).num_seconds(), 30);
        assert_eq!(outbox_backoff(20).num_seconds(), 3600);
    }

    #[tokio::test]
    async fn claims_are_exclusive_and_expire() {
        let db = TestDb::fresh().await.unwrap();
        let s = &db.store;
        let unit = unit_u1(s).await;
        let mut tx = s.begin_write().await.unwrap();
        for i in 0..6 {
            let n = NewNotification {
                event: "escalation.raised".into(),
                subject: format!("提醒{i}"),
                body_text: "请报送".into(),
                link: None,
                payload: json!({"id": i}),
            };
            notify(&mut tx, &Audience::Unit(unit.id), &n).await.unwrap();
        }
        tx.commit().await.unwrap();
        for n in s.undispatched_notifications(10).await.unwrap() {
            let targets = vec![("webhook".to_string(), "http://127.0.0.1:9/".to_string())];
            s.dispatch_notification(n.id, &targets).await.unwrap();
        }
        let long = std::time::Duration::from_secs(600);
        // Two servers claiming at once get disjoint batches.
        let (a, b) = tokio::join!(
            s.claim_deliveries("server-a", 4, long),
            s.claim_deliveries("server-b", 4, long)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 6, "every due delivery claimed once");
        assert!(a.iter().all(|d| b.iter().all(|e| e.id != d.id)), "disjoint");
        assert!(
            s.claim_deliveries("server-c", 10, long)
                .await
                .unwrap()
                .is_empty()
        );
        // A recorded outcome ends the claim; a retry comes back only after its back-off.
        s.record_delivery(a[0].id, true, false, Some(200), None)
            .await
            .unwrap();
        assert!(
            s.claim_deliveries("server-c", 10, long)
                .await
                .unwrap()
                .is_empty()
        );
        // A server that dies: its short lease runs out and another server takes the work.
        let mut tx = s.begin_write().await.unwrap();
        let n = NewNotification {
            event: "escalation.raised".into(),
            subject: "提醒".into(),
            body_text: "请报送".into(),
            link: None,
            payload: json!({"id": 99}),
        };
        notify(&mut tx, &Audience::Unit(unit.id), &n).await.unwrap();
        tx.commit().await.unwrap();
        let late = s.undispatched_notifications(10).await.unwrap();
        let targets = vec![("webhook".to_string(), "http://127.0.0.1:9/".to_string())];
        s.dispatch_notification(late[0].id, &targets).await.unwrap();
        let dying = s
            .claim_deliveries("server-dead", 10, std::time::Duration::from_millis(1))
            .await
            .unwrap();
        assert_eq!(dying.len(), 1);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let taken = s.claim_deliveries("server-b", 10, long).await.unwrap();
        assert_eq!(
            taken.iter().map(|d| d.id).collect::<Vec<_>>(),
            [dying[0].id]
        );
    }
}
