//! Settings kept as one JSON row (`id = 1`) of their own table: the escalation rules and the
//! notification settings. One reader and one writer serve both; what a missing or unreadable
//! row means stays with each caller.

use serde::Serialize;
use sqlx::AnyConnection;

use crate::{Result, Store, StoreError, now};

/// A one-row settings table, named by its two static statements.
pub(crate) struct Settings {
    select: &'static str,
    upsert: &'static str,
}

pub(crate) const ESCALATION_RULES: Settings = Settings {
    select: "SELECT rules_json FROM escalation_rules WHERE id = 1",
    upsert: "INSERT INTO escalation_rules (id, rules_json, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET rules_json = excluded.rules_json, updated_at = excluded.updated_at",
};

pub(crate) const NOTIFY_SETTINGS: Settings = Settings {
    select: "SELECT config_json FROM notify_settings WHERE id = 1",
    upsert: "INSERT INTO notify_settings (id, config_json, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, updated_at = excluded.updated_at",
};

impl Store {
    /// The stored JSON text; None while the settings were never saved.
    pub(crate) async fn settings_json(&self, s: &Settings) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(s.select).fetch_optional(self.pool()).await?;
        Ok(row.map(|(json,)| json))
    }
}

/// Saves `value` as the row's JSON in the caller's transaction (the caller audits it).
pub(crate) async fn put_settings(
    conn: &mut AnyConnection,
    s: &Settings,
    value: &impl Serialize,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))?;
    sqlx::query(s.upsert)
        .bind(json)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
