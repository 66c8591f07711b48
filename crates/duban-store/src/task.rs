//! Tasks (重点工作) and their edits under optimistic locking: every edit names the version
//! it was made against; if someone saved in between, the edit is refused (`Conflict`) and
//! nothing is overwritten. Edits of an adopted plan need a reason and leave an adjustment.

use chrono::NaiveDate;
use duban_core::period::Cadence;

use crate::deliver::{fmt_date, opt_date};
use duban_core::{Commitment, Comparator};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::assignment::AssignRole;
use crate::column::parse_column;
use crate::target::commitment_str;
use crate::{Result, Store, StoreError};
use duban_core::curve::{CurveChoice, Milestone};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub pillar_id: Option<i64>,
    pub number: i64,
    pub label: String,
    pub title: String,
    /// The clause text.
    pub body: String,
    /// Char offset of `body` in the plan's source text, when found there.
    pub text_start: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub cadence: Cadence,
    pub leads_separately: bool,
    /// Last year's task this one carries over (任务延续).
    pub carried_from: Option<i64>,
    pub version: i64,
}

pub(crate) fn task_from_row(r: &AnyRow) -> Result<TaskRow> {
    Ok(TaskRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        pillar_id: r.try_get("pillar_id")?,
        number: r.try_get("number")?,
        label: r.try_get("label")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        text_start: r.try_get("text_start")?,
        deadline: opt_date(r, "deadline")?,
        cadence: parse_column(r, "cadence", "cadence", Cadence::parse)?,
        leads_separately: r.try_get::<i64, _>("leads_separately")? != 0,
        carried_from: r.try_get("carried_from")?,
        version: r.try_get("version")?,
    })
}

/// Binds a target's editable fields, in the column order both the UPDATE and the INSERT
/// of `save_task` list them (phrase … milestones).
fn bind_target_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    t: &'q TargetEdit,
    normalized: Option<f64>,
    milestones: String,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&t.phrase)
        .bind(t.metric.trim())
        .bind(t.comparator.as_str())
        .bind(t.value)
        .bind(t.low)
        .bind(t.high)
        .bind(t.unit.as_deref())
        .bind(normalized)
        .bind(commitment_str(t.commitment))
        .bind(t.baseline)
        .bind(t.deadline.map(fmt_date))
        .bind(t.curve.as_str())
        .bind(milestones)
}

/// One target in a task edit: an existing one (`id`) changed or deleted, or a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEdit {
    pub id: Option<i64>,
    pub delete: bool,
    pub phrase: String,
    pub metric: String,
    pub comparator: Comparator,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub unit: Option<String>,
    pub commitment: Option<Commitment>,
    pub baseline: Option<f64>,
    pub deadline: Option<NaiveDate>,
    pub curve: CurveChoice,
    pub milestones: Vec<Milestone>,
}

/// A full edit of a task as the workspace form submits it.
#[derive(Debug, Clone)]
pub struct TaskEdit {
    pub task_id: i64,
    /// The version the editor loaded.
    pub version: i64,
    pub title: String,
    pub body: String,
    pub pillar_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub cadence: Cadence,
    pub leads_separately: bool,
    pub carried_from: Option<i64>,
    /// Unit ids, in order.
    pub leads: Vec<i64>,
    pub cos: Vec<i64>,
    pub targets: Vec<TargetEdit>,
    /// Required when the plan is adopted.
    pub reason: String,
}

impl Store {
    pub async fn task(&self, id: i64) -> Result<TaskRow> {
        let query = sqlx::query(
            "SELECT id, plan_id, pillar_id, number, label, title, body, text_start, deadline, cadence, leads_separately, carried_from, version
             FROM task WHERE id = $1",
        )
        .bind(id);
        self.fetch_row(query, task_from_row).await
    }

    /// The task numbered `number` in plan `plan_id`, if there is one (one indexed row: the
    /// API's report save names tasks by number and need not load the whole plan).
    pub async fn task_by_number(&self, plan_id: i64, number: i64) -> Result<Option<TaskRow>> {
        let query = sqlx::query(
            "SELECT id, plan_id, pillar_id, number, label, title, body, text_start, deadline, cadence, leads_separately, carried_from, version
             FROM task WHERE plan_id = $1 AND number = $2",
        )
        .bind(plan_id)
        .bind(number);
        self.fetch_optional_row(query, task_from_row).await
    }

    /// Applies an edit atomically. `Conflict` if the task's version moved on; `Invalid`
    /// when it breaks a rule only the stored rows can tell (an adopted plan without a
    /// reason, a pillar or carried task of the wrong plan). The edit's own values are
    /// checked before, by `duban_app::plan::check_task_edit`.
    #[tracing::instrument(skip_all, fields(task_id = edit.task_id))]
    pub async fn update_task(&self, edit: &TaskEdit, user_id: i64) -> Result<TaskRow> {
        let mut tx = self.begin_write().await?;
        let before = task_json(&mut tx, edit.task_id).await?;
        let plan_id = before["plan_id"].as_i64().ok_or(StoreError::NotFound)?;
        let (state,): (String,) = sqlx::query_as("SELECT state FROM plan WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let adopted = state == "adopted";
        duban_core::adoption::check_adopted_edit(adopted, &edit.reason, None)
            .map_err(StoreError::Invalid)?;
        if let Some(p) = edit.pillar_id {
            let ok: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM pillar WHERE id = $1 AND plan_id = $2")
                    .bind(p)
                    .bind(plan_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid("所选板块不属于该计划".into()));
            }
        }
        if let Some(c) = edit.carried_from {
            let other: Option<(i64,)> = sqlx::query_as("SELECT plan_id FROM task WHERE id = $1")
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
            match other {
                None => return Err(StoreError::Invalid("延续的任务不存在".into())),
                Some((p,)) if p == plan_id => {
                    return Err(StoreError::Invalid("延续的任务须属于另一个计划".into()));
                }
                _ => {}
            }
        }
        let r = sqlx::query(
            "UPDATE task SET title = $1, body = $2, pillar_id = $3, deadline = $4, cadence = $5,
                 leads_separately = $6, carried_from = $7, version = version + 1
             WHERE id = $8 AND version = $9",
        )
        .bind(edit.title.trim())
        .bind(&edit.body)
        .bind(edit.pillar_id)
        .bind(edit.deadline.map(fmt_date))
        .bind(edit.cadence.as_str())
        .bind(edit.leads_separately as i64)
        .bind(edit.carried_from)
        .bind(edit.task_id)
        .bind(edit.version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }

        // Targets.
        let mut next_pos: i64 = before["targets"].as_array().map_or(0, |a| a.len() as i64);
        for t in &edit.targets {
            match (t.id, t.delete) {
                (Some(id), true) => {
                    sqlx::query("DELETE FROM target WHERE id = $1 AND task_id = $2")
                        .bind(id)
                        .bind(edit.task_id)
                        .execute(&mut *tx)
                        .await?;
                }
                (None, true) => {}
                (id, false) => {
                    let normalized = t
                        .value
                        .or(t.high)
                        .map(|v| v * duban_core::number::unit_multiplier(t.unit.as_deref()));
                    let milestones = serde_json::to_string(&t.milestones)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                    match id {
                        Some(id) => {
                            let q = sqlx::query(
                                "UPDATE target SET phrase = $1, metric = $2, comparator = $3, value = $4, low = $5, high = $6,
                                     unit = $7, normalized = $8, commitment = $9, baseline = $10, deadline = $11, curve = $12, milestones = $13
                                 WHERE id = $14 AND task_id = $15",
                            )
    // Not a cached statement: sqlx's Any driver types a NULL f64 as FLOAT4 on
    // PostgreSQL, which breaks a cached statement when a later call binds a value.
    .persistent(false);
                            let r = bind_target_fields(q, t, normalized, milestones)
                                .bind(id)
                                .bind(edit.task_id)
                                .execute(&mut *tx)
                                .await?;
                            if r.rows_affected() == 0 {
                                return Err(StoreError::Invalid(format!("目标 {id} 不属于该任务")));
                            }
                        }
                        None => {
                            next_pos += 1;
                            let q = sqlx::query(
                                "INSERT INTO target (plan_id, task_id, position, phrase, span_start, span_end, metric, comparator,
                                     value, low, high, unit, normalized, commitment, baseline, deadline, curve, milestones)
                                 VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                            )
    // Not a cached statement: sqlx's Any driver types a NULL f64 as FLOAT4 on
    // PostgreSQL, which breaks a cached statement when a later call binds a value.
    .persistent(false)
                            .bind(plan_id)
                            .bind(edit.task_id)
                            .bind(next_pos);
                            bind_target_fields(q, t, normalized, milestones)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
            }
        }

        // Assignments: rewritten only when they changed, so an untouched demo assignment
        // stays marked as such.
        let current: Vec<(i64, String)> = sqlx::query_as(
            "SELECT unit_id, role FROM task_unit WHERE task_id = $1
             ORDER BY CASE role WHEN 'lead' THEN 0 ELSE 1 END, position",
        )
        .bind(edit.task_id)
        .fetch_all(&mut *tx)
        .await?;
        let wanted: Vec<(i64, String)> = edit
            .leads
            .iter()
            .map(|u| (*u, AssignRole::Lead.as_str().to_string()))
            .chain(
                edit.cos
                    .iter()
                    .map(|u| (*u, AssignRole::Co.as_str().to_string())),
            )
            .collect();
        if current != wanted {
            sqlx::query("DELETE FROM task_unit WHERE task_id = $1")
                .bind(edit.task_id)
                .execute(&mut *tx)
                .await?;
            for (pos, (unit_id, role)) in wanted.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO task_unit (task_id, unit_id, role, position, demo) VALUES ($1, $2, $3, $4, 0)",
                )
                .bind(edit.task_id)
                .bind(unit_id)
                .bind(role)
                .bind(pos as i64 + 1)
                .execute(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Duplicate(_) => StoreError::Invalid("同一单位重复出现".into()),
                    StoreError::Db(_) => StoreError::Invalid("所选单位不存在".into()),
                    other => other,
                })?;
            }
        }
        let after = task_json(&mut tx, edit.task_id).await?;
        if adopted {
            crate::adjustment::insert_adjustment(
                &mut tx,
                plan_id,
                Some(edit.task_id),
                edit.reason.trim(),
                user_id,
                &before,
                &after,
            )
            .await?;
        }
        let payload = serde_json::json!({"plan_id": plan_id, "before": before, "after": after, "reason": edit.reason.trim()});
        crate::audit::commit_audited(tx, "task.edit", &format!("task:{}", edit.task_id), &payload)
            .await?;
        let task = self.task(edit.task_id).await?;
        // The cadence may have changed: periods follow (nothing written when current).
        self.refresh_periods(task.plan_id).await?;
        Ok(task)
    }
}

/// The task with its targets and assignments as JSON (for adjustment records).
async fn task_json(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    task_id: i64,
) -> Result<serde_json::Value> {
    let row = sqlx::query(
        "SELECT id, plan_id, pillar_id, number, label, title, body, text_start, deadline, cadence, leads_separately, carried_from, version
         FROM task WHERE id = $1",
    )
    .bind(task_id)
    .fetch_one(&mut **tx)
    .await?;
    let task = task_from_row(&row)?;
    let targets = sqlx::query(
        "SELECT id, plan_id, task_id, position, phrase, span_start, span_end, metric, comparator, value, low, high, unit, normalized, commitment, baseline, deadline, curve, milestones
         FROM target WHERE task_id = $1 ORDER BY position, id",
    )
    .bind(task_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(crate::target::target_from_row)
    .collect::<Result<Vec<_>>>()?;
    let units: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.code, u.name, a.role FROM task_unit a JOIN unit u ON u.id = a.unit_id
         WHERE a.task_id = $1 ORDER BY CASE a.role WHEN 'lead' THEN 0 ELSE 1 END, a.position",
    )
    .bind(task_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut v = serde_json::to_value(&task).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    v["targets"] =
        serde_json::to_value(&targets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    v["units"] = serde_json::Value::Array(
        units
            .into_iter()
            .map(|(code, name, role)| serde_json::json!({"code": code, "name": name, "role": role}))
            .collect(),
    );
    Ok(v)
}
