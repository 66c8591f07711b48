//! Accounts: a name, an argon2id password hash, a role and (for reporters) a unit.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::column::parse_column;
use crate::secret::{dummy_hash, hash_password, verify_password};
use crate::{Result, Store, StoreError, now};

/// What a user may do. Enforced by the web layer on every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The office (办公室): everything.
    Admin,
    /// A member unit: reads the plan, acts only for its own unit.
    Reporter,
    /// A leader: reads everything internal.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "reporter" => Role::Reporter,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }

    /// The account's part in the report and escalation workflows: the office for admins, a
    /// reporter for reporters; viewers take no part (`None`).
    pub fn workflow_role(self) -> Option<duban_core::report::Role> {
        match self {
            Role::Admin => Some(duban_core::report::Role::Office),
            Role::Reporter => Some(duban_core::report::Role::Reporter),
            Role::Viewer => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "办公室（管理员）",
            Role::Reporter => "责任单位（填报）",
            Role::Viewer => "领导（查看）",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub password: String,
    pub role: Role,
    /// Unit code; required for reporters.
    pub unit_code: Option<String>,
}

/// `SELECT` of a user with its unit, followed by a literal tail (compile-time text only).
macro_rules! select_user {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.name, u.role, u.unit_id, u.created_at, n.code AS unit_code, n.name AS unit_name
             FROM app_user u LEFT JOIN unit n ON n.id = u.unit_id ",
            $tail
        )
    };
}
pub(crate) use select_user;

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: parse_column(r, "role", "role", Role::parse)?,
        unit_id: r.try_get("unit_id")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Minimum password length accepted anywhere (CLI, admin page, API).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Common passwords (lower case, ≥ 8 characters) that are refused whatever their length;
/// origin in `data/security/README.md`.
const COMMON_PASSWORDS: &str = include_str!("../../../data/security/common-passwords.txt");

/// Fewest different characters a password must have (`aaaaaaaa`, `11112222` are refused).
const MIN_DISTINCT_CHARS: usize = 4;

/// The password rule, checked on the password as a user would read it (full-width forms
/// folded to ASCII, spaces around it removed): at least [`MIN_PASSWORD_CHARS`] characters
/// and [`MIN_DISTINCT_CHARS`] different ones, not the user name (nor the name with only
/// digits or symbols around it, `admin123`), not a common password (compared
/// case-insensitively, also with digits, symbols or spaces around it: `password123`,
/// `!12345678`, `１２３４５６７８`).
pub fn check_password_policy(name: &str, password: &str) -> Result<()> {
    let folded = duban_core::number::fold(password);
    let folded = folded.trim();
    if folded.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(format!(
            "密码至少需要 {MIN_PASSWORD_CHARS} 个字符（首尾空格不计）"
        )));
    }
    let mut distinct: Vec<char> = folded.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Err(StoreError::Invalid(format!(
            "密码过于简单：至少需要 {MIN_DISTINCT_CHARS} 个不同的字符"
        )));
    }
    let lower = folded.to_lowercase();
    let name = name.trim().to_lowercase();
    let reversed: String = name.chars().rev().collect();
    let only_name = |form: &str| {
        lower.contains(form) && !lower.replace(form, "").chars().any(char::is_alphabetic)
    };
    if !name.is_empty() && (only_name(&name) || only_name(&reversed)) {
        return Err(StoreError::Invalid(
            "密码不能是用户名（或用户名加数字）".into(),
        ));
    }
    // A common password with digits or symbols around it (`password123`, `qwerty2020!`) is
    // as weak as the word itself.
    let letters = lower.trim_matches(|c: char| !c.is_alphabetic());
    let letters_and_digits = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if COMMON_PASSWORDS.lines().any(|w| {
        w == lower
            || (!letters.is_empty() && w == letters)
            || (!letters_and_digits.is_empty() && w == letters_and_digits)
    }) {
        return Err(StoreError::Invalid(
            "密码过于常见（在常用密码列表中），请换一个".into(),
        ));
    }
    Ok(())
}

fn valid_user_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && !name.chars().any(|c| c.is_control() || c.is_whitespace())
}

impl Store {
    pub async fn create_user(&self, u: &NewUser) -> Result<User> {
        if !valid_user_name(&u.name) {
            return Err(StoreError::Invalid(
                "用户名须为 1–64 个字符，且不含空白".into(),
            ));
        }
        check_password_policy(&u.name, &u.password)?;
        let unit_id = match (&u.unit_code, u.role) {
            (Some(code), _) if !code.is_empty() => Some(
                self.unit_by_code(code)
                    .await?
                    .ok_or_else(|| StoreError::Invalid(format!("单位代码 {code} 不存在")))?
                    .id,
            ),
            (_, Role::Reporter) => {
                return Err(StoreError::Invalid("填报用户必须指定所属单位".into()));
            }
            _ => None,
        };
        let hash = hash_password(&u.password)?;
        let mut tx = self.begin_write().await?;
        let id: (i64,) = sqlx::query_as(
            "INSERT INTO app_user (name, password_hash, role, unit_id, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&u.name)
        .bind(hash)
        .bind(u.role.as_str())
        .bind(unit_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!("用户 {} 已存在", u.name)),
            other => other,
        })?;
        let payload =
            serde_json::json!({"name": u.name, "role": u.role.as_str(), "unit": u.unit_code});
        crate::audit::commit_audited(tx, "user.create", &format!("user:{}", u.name), &payload)
            .await?;
        self.user(id.0).await
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let sql = select_user!("WHERE u.id = $1");
        let row = sqlx::query(sql).bind(id).fetch_one(self.pool()).await?;
        user_from_row(&row)
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let sql = select_user!("WHERE u.name = $1");
        self.fetch_optional_row(sqlx::query(sql).bind(name), user_from_row)
            .await
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = select_user!("ORDER BY u.id");
        self.fetch_rows(sqlx::query(sql), user_from_row).await
    }

    pub async fn count_users(&self) -> Result<i64> {
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM app_user")
            .fetch_one(self.pool())
            .await?;
        Ok(n.0)
    }

    /// Admin accounts; `serve` hints at creating the first one while this is 0 (`--demo`
    /// creates a locked viewer, so the user count alone is not enough).
    pub async fn count_admins(&self) -> Result<i64> {
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM app_user WHERE role = $1")
            .bind(Role::Admin.as_str())
            .fetch_one(self.pool())
            .await?;
        Ok(n.0)
    }

    /// Checks a name and password. Unknown names cost the same time as wrong passwords.
    pub async fn authenticate(&self, name: &str, password: &str) -> Result<Option<User>> {
        // A disabled account answers like a wrong password (same time, same message).
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, password_hash FROM app_user WHERE name = $1 AND disabled_at IS NULL",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let (id, hash) = match row {
            Some(r) => r,
            None => {
                let _ = verify_password(password, dummy_hash());
                return Ok(None);
            }
        };
        let password = password.to_string();
        let ok = verify_password(&password, &hash);
        if ok {
            Ok(Some(self.user(id).await?))
        } else {
            Ok(None)
        }
    }

    /// Sets a new password, ends the user's sessions and revokes its API tokens.
    pub async fn set_password(&self, name: &str, password: &str) -> Result<()> {
        check_password_policy(name, password)?;
        let hash = hash_password(password)?;
        let mut tx = self.begin_write().await?;
        let set = "UPDATE app_user SET password_hash = $1 WHERE name = $2";
        let revoked = update_account(&mut tx, set, Some(hash), name, true).await?;
        let payload = serde_json::json!({"name": name, "tokens_revoked": revoked});
        crate::audit::commit_audited(tx, "user.password", &format!("user:{name}"), &payload).await
    }

    /// Disables (or enables again) an account. Disabling ends its sessions and revokes its
    /// API tokens; a disabled user cannot log in. Enabling gives no token back.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let set = "UPDATE app_user SET disabled_at = $1 WHERE name = $2";
        let revoked = update_account(&mut tx, set, disabled.then(now), name, disabled).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let payload = serde_json::json!({"name": name, "tokens_revoked": revoked});
        crate::audit::commit_audited(tx, action, &format!("user:{name}"), &payload).await
    }

    /// Every account with the time it was disabled (`None` = active).
    pub async fn list_accounts(&self) -> Result<Vec<(User, Option<String>)>> {
        let users = self.list_users().await?;
        let rows: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, disabled_at FROM app_user ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let d = rows.iter().find(|r| r.0 == u.id).and_then(|r| r.1.clone());
                (u, d)
            })
            .collect())
    }
}

/// Revokes every live token of `name`; returns how many.
/// Sets one column of the account `name` (`set`: `$1` the value, `$2` the name) and, when
/// `end_access`, ends its sessions and revokes its API tokens; answers how many tokens were
/// revoked. NotFound when there is no such account.
async fn update_account(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    set: &'static str,
    value: Option<String>,
    name: &str,
    end_access: bool,
) -> Result<u64> {
    let r = sqlx::query(set)
        .bind(value)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    if !end_access {
        return Ok(0);
    }
    sqlx::query("DELETE FROM session WHERE user_id = (SELECT id FROM app_user WHERE name = $1)")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    let r = sqlx::query(
        "UPDATE api_token SET revoked_at = $1
         WHERE revoked_at IS NULL AND user_id = (SELECT id FROM app_user WHERE name = $2)",
    )
    .bind(now())
    .bind(name)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

#[cfg(test)]
mod policy_tests {
    use super::check_password_policy;

    #[test]
    fn password_rule() {
        for (name, bad) in [
            ("u", "1234567"),
            ("u", "12345678"),
            ("u", "password"),
            ("u", "PassWord1"),
            ("u", "woaini1314"),
            ("u", "password123"),
            ("u", "!Password2020"),
            ("u", "football99"),
            ("zhangsan", "zhangsan"),
            ("zhangsan", "ZhangSan2024"),
            ("zhangsan", "nasgnahz"),
            // Found by a probe: spaces, symbols around a common one, full-width digits.
            ("u", "        "),
            ("u", " 12345678 "),
            ("u", "12345678!"),
            ("u", "!12345678"),
            ("u", "１２３４５６７８"),
            ("u", "aaaaaaaaaaaa"),
            ("u", "11112222"),
        ] {
            assert!(check_password_policy(name, bad).is_err(), "{bad}");
        }
        for (name, ok) in [
            ("zhangsan", "zhangsan-password"),
            ("u", "correct horse battery"),
            ("u", "督办平台2026年口令"),
            ("u", "password-manager-2026"),
        ] {
            assert!(check_password_policy(name, ok).is_ok(), "{ok}");
        }
    }
}
