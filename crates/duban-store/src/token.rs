//! API bearer tokens: random, shown once, stored hashed, revocable, expiring (default
//! [`DEFAULT_TOKEN_DAYS`]); revoked when the user's password changes or it is disabled.

use crate::secret::{hash_token, random_token};
use crate::user::User;
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub user_name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub expires_at: Option<String>,
}

/// Days a token lives unless created with another term.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest term a token may be given.
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// Tokens carry this prefix so they are recognisable in logs and leak scanners.
pub const TOKEN_PREFIX: &str = "duban_";

impl Store {
    /// Creates a token for `user_name`; returns the record and the secret (shown once).
    pub async fn create_token(&self, user_name: &str, label: &str) -> Result<(ApiToken, String)> {
        self.create_token_for_days(user_name, label, DEFAULT_TOKEN_DAYS)
            .await
    }

    /// [`Store::create_token`] with a term of `days` (1 ..= [`MAX_TOKEN_DAYS`]).
    pub async fn create_token_for_days(
        &self,
        user_name: &str,
        label: &str,
        days: i64,
    ) -> Result<(ApiToken, String)> {
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(StoreError::Invalid(format!(
                "令牌有效期须为 1–{MAX_TOKEN_DAYS} 天"
            )));
        }
        let expires = crate::db::format_time(chrono::Utc::now() + chrono::Duration::days(days));
        let user = self
            .user_by_name(user_name)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("用户 {user_name} 不存在")))?;
        // A disabled account gets no token (enabling it gives none back either).
        let (disabled,): (Option<String>,) =
            sqlx::query_as("SELECT disabled_at FROM app_user WHERE id = $1")
                .bind(user.id)
                .fetch_one(self.pool())
                .await?;
        if disabled.is_some() {
            return Err(StoreError::Invalid(format!(
                "用户 {user_name} 已停用，不能创建令牌"
            )));
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let mut tx = self.begin_write().await?;
        let id: (i64,) = sqlx::query_as(
            "INSERT INTO api_token (token_hash, name, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(hash_token(&secret))
        .bind(label)
        .bind(user.id)
        .bind(now())
        .bind(&expires)
        .fetch_one(&mut *tx)
        .await?;
        let payload = serde_json::json!({"id": id.0, "name": label, "user": user_name, "expires_at": expires});
        crate::audit::commit_audited(tx, "token.create", &format!("token:{}", id.0), &payload)
            .await?;
        let token = self
            .list_tokens()
            .await?
            .into_iter()
            .find(|t| t.id == id.0)
            .ok_or(StoreError::NotFound)?;
        Ok((token, secret))
    }

    /// The user a bearer token belongs to, if the token exists, is neither revoked nor
    /// expired, and its user is not disabled.
    pub async fn user_for_token(&self, secret: &str) -> Result<Option<User>> {
        // One query: every API request asks this.
        let sql = crate::user::select_user!(
            "JOIN api_token t ON t.user_id = u.id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
        );
        self.fetch_optional_row(
            sqlx::query(sql).bind(hash_token(secret)).bind(now()),
            crate::user::user_from_row,
        )
        .await
    }

    #[allow(clippy::type_complexity)]
    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows: Vec<(
            i64,
            String,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
        )> = sqlx::query_as(
            "SELECT t.id, t.name, t.user_id, u.name, t.created_at, t.revoked_at, t.expires_at
             FROM api_token t JOIN app_user u ON u.id = t.user_id ORDER BY t.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, user_id, user_name, created_at, revoked_at, expires_at)| ApiToken {
                    id,
                    name,
                    user_id,
                    user_name,
                    created_at,
                    revoked_at,
                    expires_at,
                },
            )
            .collect())
    }

    /// Revokes a token by id. Revoking twice is not an error; an unknown id is.
    pub async fn revoke_token(&self, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r =
            sqlx::query("UPDATE api_token SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let payload = serde_json::json!({"id": id});
        crate::audit::commit_audited(tx, "token.revoke", &format!("token:{id}"), &payload).await
    }
}
