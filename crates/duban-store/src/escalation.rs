//! Escalation records (提醒 → 催办 → 督办通知 → 约谈 → 通报) and the office's rules.
//!
//! Which records should exist is computed by `duban_core::escalation::required_escalations`
//! (the caller gathers the duties); [`Store::insert_escalations`] stores the missing ones
//! idempotently (unique `(task, unit, ident)`), each with its audit entry and notification
//! in the same transaction. Responses and closure go through
//! `duban_core::escalation::escalation_transition`, guarded by the stored state.

use crate::deliver::parse_date;
use chrono::NaiveDate;
use duban_core::escalation::{
    Escalation, EscalationAction, EscalationLevel, EscalationRules, EscalationState,
    escalation_transition,
};
use duban_core::report::Role as CoreRole;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{append_current, commit_audited, escalation_subject};
use crate::column::parse_column;
use crate::notification::{Audience, NewNotification, notify};
use crate::settings::{ESCALATION_RULES, put_settings};
use crate::{Result, Store, StoreError, now};

/// The duty an escalation is about: one unit's reports on one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DutyKey {
    pub task_id: i64,
    pub unit_id: i64,
}

/// A 约谈 as recorded (on a monitor alert's escalation record).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterviewRow {
    pub held_on: NaiveDate,
    pub held_by: String,
    pub attendees: String,
    pub outcome: String,
    pub recorded_by: Option<String>,
    pub recorded_at: String,
}

/// An escalation record: about a plan task's duty (`task_id`, raised by the rules) or about
/// a monitor alert (`alert_id`, a 约谈 the office recorded; no plan or task).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationRow {
    pub id: i64,
    pub plan_id: Option<i64>,
    pub task_id: Option<i64>,
    pub task_number: Option<i64>,
    pub task_title: Option<String>,
    pub alert_id: Option<i64>,
    pub interview: Option<InterviewRow>,
    pub unit_id: i64,
    pub unit_name: String,
    pub ident: String,
    pub level: EscalationLevel,
    pub level_label: &'static str,
    pub reason: String,
    pub raised_on: NaiveDate,
    pub respond_by: NaiveDate,
    pub state: EscalationState,
    pub state_label: &'static str,
    pub response: Option<String>,
    pub responded_by: Option<String>,
    pub responded_at: Option<String>,
    pub office_note: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub demo: bool,
    pub created_at: String,
}

/// Filters of the escalation list; `None` = any.
#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    pub plan_id: Option<i64>,
    pub level: Option<EscalationLevel>,
    pub state: Option<EscalationState>,
    pub unit_id: Option<i64>,
}

pub fn state_str(s: EscalationState) -> &'static str {
    match s {
        EscalationState::Raised => "raised",
        EscalationState::Responded => "responded",
        EscalationState::Closed => "closed",
    }
}

pub fn parse_state(s: &str) -> Option<EscalationState> {
    [
        EscalationState::Raised,
        EscalationState::Responded,
        EscalationState::Closed,
    ]
    .into_iter()
    .find(|x| state_str(*x) == s)
}

impl EscalationRow {
    /// Its audit subject: under its task, or under its monitor alert.
    pub fn subject(&self) -> String {
        match (self.task_id, self.alert_id) {
            (Some(task), _) => escalation_subject(task, self.id),
            (None, Some(alert)) => alert_escalation_subject(alert, self.id),
            (None, None) => format!("escalation:{}", self.id),
        }
    }

    /// What it is about, for messages: 第3项任务 or 监测预警 #7.
    pub fn about(&self) -> String {
        match (self.task_number, self.alert_id) {
            (Some(n), _) => format!("第{n}项任务"),
            (None, Some(a)) => format!("监测预警 #{a}"),
            (None, None) => String::new(),
        }
    }
}

/// Audit subject of the escalation record of a monitor alert's 约谈 (under the alert, so the
/// alert's history finds it).
pub fn alert_escalation_subject(alert_id: i64, escalation_id: i64) -> String {
    format!("monitor-alert:{alert_id}/escalation:{escalation_id}")
}

fn row_to_escalation(r: &AnyRow) -> Result<EscalationRow> {
    let level = parse_column(r, "level", "escalation level", EscalationLevel::parse)?;
    let state = parse_column(r, "state", "escalation state", parse_state)?;
    let raised: String = r.try_get("raised_on")?;
    let respond: String = r.try_get("respond_by")?;
    let held_on: Option<String> = r.try_get("i_held_on")?;
    let interview = match held_on {
        None => None,
        Some(h) => Some(InterviewRow {
            held_on: parse_date(&h)?,
            held_by: r.try_get("i_held_by")?,
            attendees: r.try_get("i_attendees")?,
            outcome: r.try_get("i_outcome")?,
            recorded_by: r.try_get("i_recorded_by")?,
            recorded_at: r.try_get("i_recorded_at")?,
        }),
    };
    Ok(EscalationRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        task_id: r.try_get("task_id")?,
        task_number: r.try_get("task_number")?,
        task_title: r.try_get("task_title")?,
        alert_id: r.try_get("alert_id")?,
        interview,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        ident: r.try_get("ident")?,
        level,
        level_label: level.label_zh(),
        reason: r.try_get("reason")?,
        raised_on: parse_date(&raised)?,
        respond_by: parse_date(&respond)?,
        state,
        state_label: state.label_zh(),
        response: r.try_get("response")?,
        responded_by: r.try_get("responded_name")?,
        responded_at: r.try_get("responded_at")?,
        office_note: r.try_get("office_note")?,
        closed_by: r.try_get("closed_name")?,
        closed_at: r.try_get("closed_at")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

const SELECT: &str = "SELECT e.id, e.plan_id, e.task_id, t.number AS task_number, t.title AS task_title,
        e.alert_id, e.unit_id, u.name AS unit_name, e.ident, e.level, e.reason, e.raised_on, e.respond_by, e.state,
        e.response, ru.name AS responded_name, e.responded_at, e.office_note, cu.name AS closed_name,
        e.closed_at, e.demo, e.created_at, i.held_on AS i_held_on, i.held_by AS i_held_by,
        i.attendees AS i_attendees, i.outcome AS i_outcome, iu.name AS i_recorded_by,
        i.recorded_at AS i_recorded_at
    FROM escalation e LEFT JOIN task t ON t.id = e.task_id JOIN unit u ON u.id = e.unit_id
    LEFT JOIN app_user ru ON ru.id = e.responded_by LEFT JOIN app_user cu ON cu.id = e.closed_by
    LEFT JOIN escalation_interview i ON i.escalation_id = e.id
    LEFT JOIN app_user iu ON iu.id = i.recorded_by";

impl Store {
    /// The office's rules, or duban-core's defaults when none are saved.
    pub async fn escalation_rules(&self) -> Result<EscalationRules> {
        match self.settings_json(&ESCALATION_RULES).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("escalation rules: {e}"))),
            None => Ok(EscalationRules::default()),
        }
    }

    pub async fn set_escalation_rules(&self, rules: &EscalationRules) -> Result<()> {
        let mut tx = self.begin_write().await?;
        put_settings(&mut tx, &ESCALATION_RULES, rules).await?;
        commit_audited(
            tx,
            "escalation.rules",
            "settings:escalation",
            &serde_json::to_value(rules).unwrap_or_default(),
        )
        .await
    }

    /// Stores the records that do not exist yet (by `(task, unit, ident)`); each new one
    /// gets its audit entry, inbox item and outbox notification in the same transaction.
    /// Returns the ids of the new records.
    pub async fn insert_escalations(
        &self,
        plan_id: i64,
        required: &[Escalation<DutyKey>],
        demo: bool,
    ) -> Result<Vec<i64>> {
        let mut created = Vec::new();
        for e in required {
            let mut tx = self.begin_write().await?;
            let trigger = serde_json::to_string(&e.trigger).unwrap_or_else(|_| "{}".into());
            let reason = e.reason_zh();
            let id: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO escalation (plan_id, task_id, unit_id, ident, level, level_rank, trigger_json,
                     reason, raised_on, respond_by, demo, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (task_id, unit_id, ident) DO NOTHING RETURNING id",
            )
            .bind(plan_id)
            .bind(e.key.task_id)
            .bind(e.key.unit_id)
            .bind(&e.ident)
            .bind(e.level.as_str())
            .bind(e.level as i64)
            .bind(&trigger)
            .bind(&reason)
            .bind(e.raised_on.to_string())
            .bind(e.respond_by.to_string())
            .bind(demo as i64)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((id,)) = id else {
                continue; // already stored
            };
            let (number, title): (i64, String) =
                sqlx::query_as("SELECT number, title FROM task WHERE id = $1")
                    .bind(e.key.task_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let payload = json!({
                "id": id, "plan_id": plan_id, "task_id": e.key.task_id, "task_number": number,
                "unit_id": e.key.unit_id, "level": e.level.as_str(), "ident": e.ident,
                "reason": reason, "raised_on": e.raised_on.to_string(),
                "respond_by": e.respond_by.to_string(), "demo": demo,
            });
            append_current(
                &mut tx,
                "escalation.raise",
                &escalation_subject(e.key.task_id, id),
                &payload,
            )
            .await?;
            let label = e.level.label_zh();
            notify(
                &mut tx,
                &Audience::Unit(e.key.unit_id),
                &NewNotification {
                    event: "escalation.raised".into(),
                    subject: format!("【{label}】第{number}项任务：{reason}"),
                    body_text: format!(
                        "{label}：第{number}项任务“{title}”，{reason}。请于 {} 前反馈整改措施。{}",
                        duban_core::period::zh_date(e.respond_by),
                        if demo { "（示例数据）" } else { "" }
                    ),
                    link: Some(format!("/escalations/{id}")),
                    payload,
                },
            )
            .await?;
            tx.commit().await?;
            created.push(id);
        }
        Ok(created)
    }

    pub async fn list_escalations(
        &self,
        f: &EscalationFilter,
        limit: i64,
    ) -> Result<Vec<EscalationRow>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 < 0 OR e.plan_id = $1) AND ($2 = '' OR e.level = $2)
               AND ($3 = '' OR e.state = $3) AND ($4 < 0 OR e.unit_id = $4)
             ORDER BY e.raised_on DESC, e.level_rank DESC, e.id DESC LIMIT $5"
        )))
        .bind(f.plan_id.unwrap_or(-1))
        .bind(f.level.map_or("", EscalationLevel::as_str))
        .bind(f.state.map_or("", state_str))
        .bind(f.unit_id.unwrap_or(-1))
        .bind(limit);
        self.fetch_rows(query, row_to_escalation).await
    }

    pub async fn escalation(&self, id: i64) -> Result<EscalationRow> {
        self.fetch_row(
            sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE e.id = $1"))).bind(id),
            row_to_escalation,
        )
        .await
    }

    /// Applies a response (by a reporter of the unit), a rejection of the response or a
    /// closure (销号, by the office) through duban-core's lifecycle. The caller checks that
    /// a reporter belongs to the record's unit. Concurrent changes give `Conflict`.
    pub async fn act_on_escalation(
        &self,
        id: i64,
        action: &EscalationAction,
        role: CoreRole,
        user_id: i64,
    ) -> Result<EscalationRow> {
        let current = self.escalation(id).await?;
        let next = escalation_transition(current.state, action, role)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let (sql, text, name, audience) = match action {
            EscalationAction::Respond { measures } => (
                "UPDATE escalation SET state = $1, response = $2, responded_by = $3, responded_at = $4
                 WHERE id = $5 AND state = $6",
                measures,
                "escalation.respond",
                Audience::Role("admin".into()),
            ),
            EscalationAction::Reject { comment } => (
                "UPDATE escalation SET state = $1, office_note = $2, closed_by = $3, closed_at = $4
                 WHERE id = $5 AND state = $6",
                comment,
                "escalation.reject",
                Audience::Unit(current.unit_id),
            ),
            EscalationAction::Close { note } => (
                "UPDATE escalation SET state = $1, office_note = $2, closed_by = $3, closed_at = $4
                 WHERE id = $5 AND state = $6",
                note,
                "escalation.close",
                Audience::Unit(current.unit_id),
            ),
        };
        let r = sqlx::query(sql)
            .bind(state_str(next))
            .bind(text.trim())
            .bind(user_id)
            .bind(&at)
            .bind(id)
            .bind(state_str(current.state))
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        // A rejection reopens the record: it is not closed.
        if matches!(action, EscalationAction::Reject { .. }) {
            sqlx::query("UPDATE escalation SET closed_by = NULL, closed_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let payload = json!({
            "id": id, "from": state_str(current.state), "to": state_str(next), "text": text.trim(),
            "level": current.level.as_str(), "unit_id": current.unit_id,
        });
        append_current(&mut tx, name, &current.subject(), &payload).await?;
        let what = match action {
            EscalationAction::Respond { .. } => "已反馈整改措施",
            EscalationAction::Reject { .. } => "整改措施被退回，请重新反馈",
            EscalationAction::Close { .. } => "已销号",
        };
        let event = match action {
            EscalationAction::Respond { .. } => "escalation.responded",
            EscalationAction::Reject { .. } => "escalation.rejected",
            EscalationAction::Close { .. } => "escalation.closed",
        };
        notify(
            &mut tx,
            &audience,
            &NewNotification {
                event: event.into(),
                subject: format!(
                    "【{}】{} {}：{what}",
                    current.level.label_zh(),
                    current.about(),
                    current.unit_name
                ),
                body_text: format!("{}\n\n{}", current.reason, text.trim()),
                link: Some(format!("/escalations/{id}")),
                payload,
            },
        )
        .await?;
        tx.commit().await?;
        self.escalation(id).await
    }
}
