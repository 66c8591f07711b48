//! Server-side sessions. The cookie carries a random id; the table stores only its SHA-256
//! hash, the user, a CSRF synchronizer token and the expiry.

use chrono::{Duration, Utc};

use crate::db::format_time;
use crate::secret::{hash_token, random_token};
use crate::user::User;
use crate::{Result, Store, now};

/// How long a session lives without logging in again.
pub const SESSION_HOURS: i64 = 12;

/// A freshly created session: the cookie value (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
}

/// A live session found from its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

impl Store {
    pub async fn create_session(&self, user_id: i64) -> Result<NewSession> {
        let cookie_value = random_token();
        let csrf_token = random_token();
        let expires = format_time(Utc::now() + Duration::hours(SESSION_HOURS));
        sqlx::query(
            "INSERT INTO session (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_token(&cookie_value))
        .bind(user_id)
        .bind(&csrf_token)
        .bind(now())
        .bind(expires)
        .execute(self.pool())
        .await?;
        Ok(NewSession {
            cookie_value,
            csrf_token,
        })
    }

    /// The session for a cookie value, if it exists and has not expired.
    pub async fn session(&self, cookie_value: &str) -> Result<Option<Session>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT s.user_id, s.csrf_token FROM session s JOIN app_user u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(hash_token(cookie_value))
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some((user_id, csrf_token)) => Ok(Some(Session {
                user: self.user(user_id).await?,
                csrf_token,
            })),
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, cookie_value: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let user: Option<(i64,)> =
            sqlx::query_as("DELETE FROM session WHERE id_hash = $1 RETURNING user_id")
                .bind(hash_token(cookie_value))
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((user_id,)) = user {
            let (name,): (String,) = sqlx::query_as("SELECT name FROM app_user WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            let payload = serde_json::json!({"user": name});
            crate::audit::append(
                &mut tx,
                &name,
                "auth.logout",
                &format!("user:{name}"),
                &payload,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let r = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }
}
