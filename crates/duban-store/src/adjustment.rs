//! Adjustments (调整): every change to an adopted plan, with reason, who, when, and the
//! record before and after (JSON).

use crate::{Result, Store, now};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Adjustment {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub task_id: Option<i64>,
    pub reason: String,
    pub user_name: String,
    pub at: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

pub(crate) async fn insert_adjustment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan_id: i64,
    task_id: Option<i64>,
    reason: &str,
    user_id: i64,
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO adjustment (plan_id, task_id, reason, user_id, at, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(plan_id)
    .bind(task_id)
    .bind(reason)
    .bind(user_id)
    .bind(now())
    .bind(before.to_string())
    .bind(after.to_string())
    .execute(&mut **tx)
    .await?;
    let subject = task_id.map_or_else(|| format!("plan:{plan_id}"), |t| format!("task:{t}"));
    let payload = serde_json::json!({"plan_id": plan_id, "task_id": task_id, "reason": reason});
    crate::audit::append_current(tx, "plan.adjust", &subject, &payload).await?;
    Ok(())
}

/// (id, plan id, plan title, task id, reason, user, at, before, after)
type AdjustmentRow = (
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
);

impl Store {
    /// Adjustments, newest first; of one plan when `plan_id` is given.
    pub async fn list_adjustments(&self, plan_id: Option<i64>) -> Result<Vec<Adjustment>> {
        let rows: Vec<AdjustmentRow> =
            sqlx::query_as(
                "SELECT a.id, a.plan_id, p.title, a.task_id, a.reason, u.name, a.at, a.before_json, a.after_json
                 FROM adjustment a JOIN plan p ON p.id = a.plan_id JOIN app_user u ON u.id = a.user_id
                 WHERE ($1 IS NULL OR a.plan_id = $1) ORDER BY a.id DESC",
            )
            .bind(plan_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, plan_id, plan_title, task_id, reason, user_name, at, before, after)| {
                    Adjustment {
                        id,
                        plan_id,
                        plan_title,
                        task_id,
                        reason,
                        user_name,
                        at,
                        before: serde_json::from_str(&before).unwrap_or(serde_json::Value::Null),
                        after: serde_json::from_str(&after).unwrap_or(serde_json::Value::Null),
                    }
                },
            )
            .collect())
    }
}
