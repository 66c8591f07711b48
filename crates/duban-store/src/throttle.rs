//! Login throttling: failed attempts per (user name, client address) in a sliding window.

use chrono::{Duration, Utc};

use crate::db::format_time;
use crate::{Result, Store, now};

/// Failures allowed in the window before further attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// The window, in minutes.
pub const WINDOW_MINUTES: i64 = 15;

impl Store {
    pub async fn record_login_attempt(
        &self,
        user_name: &str,
        ip: &str,
        success: bool,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO login_attempt (user_name, ip, at, success) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_name)
        .bind(ip)
        .bind(now())
        .bind(success as i64)
        .execute(&mut *tx)
        .await?;
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
        tx.commit().await?;
        Ok(())
    }

    /// True when this name and address have used up their failures in the window.
    pub async fn login_throttled(&self, user_name: &str, ip: &str) -> Result<bool> {
        let since = format_time(Utc::now() - Duration::minutes(WINDOW_MINUTES));
        let n: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM login_attempt WHERE user_name = $1 AND ip = $2 AND at > $3 AND success = 0",
        )
        .bind(user_name)
        .bind(ip)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(n.0 >= MAX_FAILURES)
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
