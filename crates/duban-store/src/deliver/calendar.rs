//! The working-day calendar in force: the shipped Chinese calendar
//! (`WorkCalendar::china()`), or the office's edited copy (same text format, validated
//! with `WorkCalendar::parse` before it is stored). Saving refreshes every plan's period
//! due dates.

use duban_core::WorkCalendar;
use duban_core::calendar::CHINA_CALENDAR_DATA;

use crate::{Result, Store, StoreError, now};

/// The office's calendar text as stored, with who saved it and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalendarOverride {
    pub body: String,
    pub user_name: Option<String>,
    pub at: String,
}

impl Store {
    /// The newest office override, if any (an empty body means "back to the shipped one").
    pub async fn calendar_override(&self) -> Result<Option<CalendarOverride>> {
        let row: Option<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT c.body, u.name, c.at FROM work_calendar c LEFT JOIN app_user u ON u.id = c.user_id
             ORDER BY c.id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .filter(|(body, _, _)| !body.trim().is_empty())
            .map(|(body, user_name, at)| CalendarOverride {
                body,
                user_name,
                at,
            }))
    }

    /// The calendar text in force (the override, else the shipped data).
    pub async fn calendar_text(&self) -> Result<String> {
        Ok(self
            .calendar_override()
            .await?
            .map_or_else(|| CHINA_CALENDAR_DATA.to_string(), |o| o.body))
    }

    /// The calendar in force.
    pub async fn work_calendar(&self) -> Result<WorkCalendar> {
        match self.calendar_override().await? {
            None => Ok(WorkCalendar::china()),
            Some(o) => WorkCalendar::parse(&o.body)
                .map_err(|e| StoreError::Corrupt(format!("stored calendar: {e}"))),
        }
    }

    /// Stores the office's calendar text (empty = revert to the shipped calendar) after
    /// validating it; a parse error is `Invalid("第N行: …")` and nothing is stored. Due
    /// dates of every plan's periods follow the new calendar.
    pub async fn set_calendar_override(&self, body: &str, user_id: i64) -> Result<()> {
        if !body.trim().is_empty() {
            WorkCalendar::parse(body).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO work_calendar (body, user_id, at) VALUES ($1, $2, $3)")
            .bind(body)
            .bind(user_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let payload =
            serde_json::json!({"lines": body.lines().count(), "reverted": body.trim().is_empty()});
        crate::audit::commit_audited(tx, "calendar.edit", "settings:calendar", &payload).await?;
        self.ensure_all_periods().await
    }
}
