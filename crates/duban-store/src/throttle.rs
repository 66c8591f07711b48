//! Login throttling: failed attempts per (user name, client address) and per client address
//! across names, in a sliding window. The records are bounded: attempts older than the
//! window are pruned on every write, throttled attempts are not recorded, and failures for
//! names that are no account reach neither the audit chain nor any other table.

use chrono::{Duration, Utc};

use crate::db::format_time;
use crate::{Result, Store, now};

/// Failures allowed in the window before further attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// Failures allowed from one address in the window, whatever the names.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failures allowed for one name in the window, whatever the addresses: guessing spread
/// over many addresses (or forged X-Forwarded-For behind a trusted proxy) stops too. Higher
/// than the per-address limit, so locking someone out takes many tries and lasts one window.
pub const MAX_FAILURES_PER_NAME: i64 = 30;
/// The window, in minutes.
pub const WINDOW_MINUTES: i64 = 15;

impl Store {
    /// Records an attempt (the caller checked [`Store::login_throttled`] first). Failures
    /// for unknown names are kept only in `login_attempt` (needed for the per-address
    /// limit, pruned after the window), never in the audit chain.
    pub async fn record_login_attempt(
        &self,
        user_name: &str,
        ip: &str,
        success: bool,
    ) -> Result<()> {
        let since = format_time(Utc::now() - Duration::minutes(WINDOW_MINUTES));
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_attempt WHERE at <= $1")
            .bind(&since)
            .execute(&mut *tx)
            .await?;
        let name: String = user_name.chars().take(64).collect();
        sqlx::query(
            "INSERT INTO login_attempt (user_name, ip, at, success) VALUES ($1, $2, $3, $4)",
        )
        .bind(&name)
        .bind(ip)
        .bind(now())
        .bind(success as i64)
        .execute(&mut *tx)
        .await?;
        let known: Option<(i64,)> = sqlx::query_as("SELECT id FROM app_user WHERE name = $1")
            .bind(user_name)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_some() {
            let action = if success {
                "auth.login"
            } else {
                "auth.login_failed"
            };
            let payload = serde_json::json!({"user": user_name, "ip": ip});
            crate::audit::append(
                &mut tx,
                user_name,
                action,
                &format!("user:{user_name}"),
                &payload,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// When `user_name` signed in before the current sign-in (the audit chain's
    /// second-latest `auth.login` of that user): "since your last visit" on the home page.
    pub async fn previous_sign_in(&self, user_name: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT at FROM audit_log WHERE subject = $1 AND action = 'auth.login'
             ORDER BY id DESC LIMIT 1 OFFSET 1",
        )
        .bind(format!("user:{user_name}"))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(at,)| at))
    }

    /// True when this name and address have used up their failures in the window, or the
    /// address has across all names, or the name has across all addresses.
    pub async fn login_throttled(&self, user_name: &str, ip: &str) -> Result<bool> {
        let since = format_time(Utc::now() - Duration::minutes(WINDOW_MINUTES));
        let name: String = user_name.chars().take(64).collect();
        // One read: this name from this address, this address, this name anywhere.
        let (per_name, per_address, everywhere): (i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN user_name = $1 AND ip = $2 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN ip = $2 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN user_name = $1 THEN 1 ELSE 0 END), 0)
             FROM login_attempt
             WHERE (ip = $2 OR user_name = $1) AND at > $3 AND success = 0",
        )
        .bind(&name)
        .bind(ip)
        .bind(&since)
        .fetch_one(self.pool())
        .await?;
        Ok(per_name >= MAX_FAILURES
            || per_address >= MAX_FAILURES_PER_ADDRESS
            || everywhere >= MAX_FAILURES_PER_NAME)
    }

    /// A successful login clears the user's failures from that address.
    pub async fn clear_login_failures(&self, user_name: &str, ip: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_attempt WHERE user_name = $1 AND ip = $2 AND success = 0")
            .bind(user_name)
            .bind(ip)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
