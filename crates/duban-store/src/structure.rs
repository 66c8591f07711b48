//! The shape of a plan in review (issue 10): pillars (板块) and tasks added, deleted and
//! merged by the office while the plan is a draft. An adopted plan is frozen — its shape
//! changes only after 撤销通过 (possible until the first report), so reports, periods and
//! status never refer to a task that moved under them. Every change is one transaction with
//! its audit entry.

use serde_json::json;
use sqlx::Row;

use crate::audit::commit_audited;
use crate::plan::PlanState;
use crate::{Result, Store, StoreError};

/// Refuses a change of shape unless plan `plan_id` is a draft.
async fn require_draft(conn: &mut sqlx::AnyConnection, plan_id: i64) -> Result<()> {
    let (state,): (String,) = sqlx::query_as("SELECT state FROM plan WHERE id = $1")
        .bind(plan_id)
        .fetch_one(&mut *conn)
        .await?;
    if PlanState::parse(&state) == Some(PlanState::Adopted) {
        return Err(StoreError::Invalid(
            "计划已通过（冻结），不能增删或合并任务、板块；如需调整，请先撤销通过（尚无报告时可撤销）".into(),
        ));
    }
    Ok(())
}

fn check_text(text: &str, what: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(StoreError::Invalid(format!("{what}须为 1–{max} 个字")));
    }
    Ok(t.to_string())
}

/// Inserts a task numbered after the plan's last one; returns its id and number.
async fn insert_task(
    conn: &mut sqlx::AnyConnection,
    plan_id: i64,
    pillar_id: Option<i64>,
    title: &str,
) -> Result<(i64, i64)> {
    let (number,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(number), 0) + 1 FROM task WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *conn)
            .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO task (plan_id, pillar_id, number, label, title, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(plan_id)
    .bind(pillar_id)
    .bind(number)
    .bind(format!("{number}."))
    .bind(title)
    .bind(title)
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, number))
}

/// Moves targets (each checked to belong to plan `plan_id` and to have no reported value)
/// to the end of task `to_task`, or to the plan's headline targets when `None`.
async fn move_targets(
    conn: &mut sqlx::AnyConnection,
    plan_id: i64,
    target_ids: &[i64],
    to_task: Option<i64>,
) -> Result<()> {
    for &target in target_ids {
        let owner: Option<(i64,)> = sqlx::query_as("SELECT plan_id FROM target WHERE id = $1")
            .bind(target)
            .fetch_optional(&mut *conn)
            .await?;
        if owner.map(|(p,)| p) != Some(plan_id) {
            return Err(StoreError::Invalid(format!("目标 {target} 不属于该计划")));
        }
        let (values,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM report_value WHERE target_id = $1")
                .bind(target)
                .fetch_one(&mut *conn)
                .await?;
        if values > 0 {
            return Err(StoreError::Invalid(format!(
                "目标 {target} 已有 {values} 个报送值，不能移动"
            )));
        }
        let (position,): (i64,) = match to_task {
            Some(task) => {
                sqlx::query_as(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM target WHERE task_id = $1",
                )
                .bind(task)
                .fetch_one(&mut *conn)
                .await?
            }
            None => {
                sqlx::query_as(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM target WHERE plan_id = $1 AND task_id IS NULL",
                )
                .bind(plan_id)
                .fetch_one(&mut *conn)
                .await?
            }
        };
        sqlx::query("UPDATE target SET task_id = $1, position = $2 WHERE id = $3")
            .bind(to_task)
            .bind(position)
            .bind(target)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Adds a pillar at the end of the plan; returns its id.
    pub async fn add_pillar(&self, plan_id: i64, heading: &str) -> Result<i64> {
        let heading = check_text(heading, "板块标题", 200)?;
        let mut tx = self.begin_write().await?;
        require_draft(&mut tx, plan_id).await?;
        let (position,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(position), -1) + 1 FROM pillar WHERE plan_id = $1")
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO pillar (plan_id, position, heading) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(plan_id)
        .bind(position)
        .bind(&heading)
        .fetch_one(&mut *tx)
        .await?;
        commit_audited(
            tx,
            "pillar.create",
            &format!("plan:{plan_id}/pillar:{id}"),
            &json!({ "heading": heading }),
        )
        .await?;
        Ok(id)
    }

    /// Deletes a pillar; its tasks stay in the plan, outside any pillar.
    pub async fn delete_pillar(&self, plan_id: i64, pillar_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        require_draft(&mut tx, plan_id).await?;
        let row = sqlx::query("SELECT heading FROM pillar WHERE id = $1 AND plan_id = $2")
            .bind(pillar_id)
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let heading: String = row.try_get("heading")?;
        sqlx::query("UPDATE task SET pillar_id = NULL WHERE pillar_id = $1")
            .bind(pillar_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM pillar WHERE id = $1")
            .bind(pillar_id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            "pillar.delete",
            &format!("plan:{plan_id}/pillar:{pillar_id}"),
            &json!({ "heading": heading }),
        )
        .await
    }

    /// Adds a task (the next number of the plan) under `pillar_id`; returns its id.
    pub async fn add_task(&self, plan_id: i64, pillar_id: Option<i64>, title: &str) -> Result<i64> {
        let title = check_text(title, "任务标题", 500)?;
        let mut tx = self.begin_write().await?;
        require_draft(&mut tx, plan_id).await?;
        if let Some(p) = pillar_id {
            sqlx::query("SELECT id FROM pillar WHERE id = $1 AND plan_id = $2")
                .bind(p)
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(|_| StoreError::Invalid(format!("板块 {p} 不属于该计划")))?;
        }
        let (id, number) = insert_task(&mut tx, plan_id, pillar_id, &title).await?;
        commit_audited(
            tx,
            "task.create",
            &format!("task:{id}"),
            &json!({ "plan_id": plan_id, "number": number, "title": title }),
        )
        .await?;
        Ok(id)
    }

    /// Deletes a task of a draft plan with its targets and unit assignment. Refused when
    /// reports were filed for it.
    pub async fn delete_task(&self, task_id: i64) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT plan_id, number, title FROM task WHERE id = $1")
            .bind(task_id)
            .fetch_one(&mut *tx)
            .await?;
        let plan_id: i64 = row.try_get("plan_id")?;
        require_draft(&mut tx, plan_id).await?;
        let (reports,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM report WHERE task_id = $1")
            .bind(task_id)
            .fetch_one(&mut *tx)
            .await?;
        if reports > 0 {
            return Err(StoreError::Invalid(format!(
                "该任务已有 {reports} 份报告，不能删除"
            )));
        }
        sqlx::query("DELETE FROM task WHERE id = $1")
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            "task.delete",
            &format!("task:{task_id}"),
            &json!({
                "plan_id": plan_id,
                "number": row.try_get::<i64, _>("number")?,
                "title": row.try_get::<String, _>("title")?,
            }),
        )
        .await?;
        Ok(plan_id)
    }

    /// Merges task `from_id` into `into_id` (same draft plan): the text is appended, the
    /// targets move after the kept task's, lead and co-units are united (a unit keeps the
    /// stronger role), and `from_id` is deleted.
    pub async fn merge_tasks(&self, into_id: i64, from_id: i64) -> Result<()> {
        if into_id == from_id {
            return Err(StoreError::Invalid("不能把任务合并到它自己".into()));
        }
        let mut tx = self.begin_write().await?;
        let load = |id: i64| {
            sqlx::query("SELECT plan_id, number, title, body FROM task WHERE id = $1").bind(id)
        };
        let into = load(into_id).fetch_one(&mut *tx).await?;
        let from = load(from_id).fetch_one(&mut *tx).await?;
        let plan_id: i64 = into.try_get("plan_id")?;
        if from.try_get::<i64, _>("plan_id")? != plan_id {
            return Err(StoreError::Invalid("只能合并同一计划的任务".into()));
        }
        require_draft(&mut tx, plan_id).await?;
        let (reports,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM report WHERE task_id = $1")
            .bind(from_id)
            .fetch_one(&mut *tx)
            .await?;
        if reports > 0 {
            return Err(StoreError::Invalid(format!(
                "被合并的任务已有 {reports} 份报告，不能合并"
            )));
        }
        let body = format!(
            "{}\n{}",
            into.try_get::<String, _>("body")?,
            from.try_get::<String, _>("body")?
        );
        sqlx::query("UPDATE task SET body = $1, version = version + 1 WHERE id = $2")
            .bind(&body)
            .bind(into_id)
            .execute(&mut *tx)
            .await?;
        let (offset,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(position), -1) + 1 FROM target WHERE task_id = $1")
                .bind(into_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE target SET task_id = $1, position = position + $2 WHERE task_id = $3")
            .bind(into_id)
            .bind(offset)
            .bind(from_id)
            .execute(&mut *tx)
            .await?;
        // Units: a unit on both tasks keeps the kept task's row unless the merged one leads.
        let moved = sqlx::query("SELECT unit_id, role, demo FROM task_unit WHERE task_id = $1")
            .bind(from_id)
            .fetch_all(&mut *tx)
            .await?;
        let (mut next,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM task_unit WHERE task_id = $1",
        )
        .bind(into_id)
        .fetch_one(&mut *tx)
        .await?;
        for r in moved {
            let unit: i64 = r.try_get("unit_id")?;
            let role: String = r.try_get("role")?;
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT role FROM task_unit WHERE task_id = $1 AND unit_id = $2")
                    .bind(into_id)
                    .bind(unit)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                Some(_) if role == "lead" => {
                    sqlx::query(
                        "UPDATE task_unit SET role = 'lead' WHERE task_id = $1 AND unit_id = $2",
                    )
                    .bind(into_id)
                    .bind(unit)
                    .execute(&mut *tx)
                    .await?;
                }
                Some(_) => {}
                None => {
                    sqlx::query(
                        "INSERT INTO task_unit (task_id, unit_id, role, position, demo) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(into_id)
                    .bind(unit)
                    .bind(&role)
                    .bind(next)
                    .bind(r.try_get::<i64, _>("demo")?)
                    .execute(&mut *tx)
                    .await?;
                    next += 1;
                }
            }
        }
        sqlx::query("DELETE FROM task WHERE id = $1")
            .bind(from_id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            "task.merge",
            &format!("task:{into_id}"),
            &json!({
                "merged": from_id,
                "merged_number": from.try_get::<i64, _>("number")?,
                "merged_title": from.try_get::<String, _>("title")?,
            }),
        )
        .await
    }

    /// Splits task `task_id` of a draft plan: a new task titled `title`, numbered after the
    /// last, in the same pillar with the same units, cadence and deadline, takes the chosen
    /// targets (which must be the task's own). Returns the new task's id.
    pub async fn split_task(&self, task_id: i64, title: &str, target_ids: &[i64]) -> Result<i64> {
        let title = check_text(title, "新任务标题", 500)?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT plan_id, pillar_id, number, deadline, cadence, leads_separately FROM task WHERE id = $1",
        )
        .bind(task_id)
        .fetch_one(&mut *tx)
        .await?;
        let plan_id: i64 = row.try_get("plan_id")?;
        require_draft(&mut tx, plan_id).await?;
        for &t in target_ids {
            let owner: Option<(Option<i64>,)> =
                sqlx::query_as("SELECT task_id FROM target WHERE id = $1")
                    .bind(t)
                    .fetch_optional(&mut *tx)
                    .await?;
            if owner.and_then(|(o,)| o) != Some(task_id) {
                return Err(StoreError::Invalid(format!("目标 {t} 不属于被拆分的任务")));
            }
        }
        let (id, number) = insert_task(&mut tx, plan_id, row.try_get("pillar_id")?, &title).await?;
        sqlx::query(
            "UPDATE task SET deadline = $1, cadence = $2, leads_separately = $3 WHERE id = $4",
        )
        .bind(row.try_get::<Option<String>, _>("deadline")?)
        .bind(row.try_get::<String, _>("cadence")?)
        .bind(row.try_get::<i64, _>("leads_separately")?)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO task_unit (task_id, unit_id, role, position, demo) SELECT $1, unit_id, role, position, demo FROM task_unit WHERE task_id = $2",
        )
        .bind(id)
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
        move_targets(&mut tx, plan_id, target_ids, Some(id)).await?;
        commit_audited(
            tx,
            "task.split",
            &format!("task:{task_id}"),
            &json!({
                "new_task": id, "new_number": number, "title": title, "targets": target_ids,
                "from_number": row.try_get::<i64, _>("number")?,
            }),
        )
        .await?;
        Ok(id)
    }

    /// Moves target `target_id` of a draft plan to task `to_task` of the same plan (or to
    /// the plan's headline targets when `None`). Refused once a value was reported for it.
    pub async fn move_target(&self, target_id: i64, to_task: Option<i64>) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (plan_id, from_task): (i64, Option<i64>) =
            sqlx::query_as("SELECT plan_id, task_id FROM target WHERE id = $1")
                .bind(target_id)
                .fetch_one(&mut *tx)
                .await?;
        require_draft(&mut tx, plan_id).await?;
        if let Some(task) = to_task {
            let owner: Option<(i64,)> = sqlx::query_as("SELECT plan_id FROM task WHERE id = $1")
                .bind(task)
                .fetch_optional(&mut *tx)
                .await?;
            if owner.map(|(p,)| p) != Some(plan_id) {
                return Err(StoreError::Invalid(format!("任务 {task} 不属于该计划")));
            }
        }
        if to_task == from_task {
            return Err(StoreError::Invalid("目标已在所选任务下".into()));
        }
        move_targets(&mut tx, plan_id, &[target_id], to_task).await?;
        commit_audited(
            tx,
            "target.move",
            &format!("plan:{plan_id}/target:{target_id}"),
            &json!({ "from_task": from_task, "to_task": to_task }),
        )
        .await?;
        Ok(plan_id)
    }
}
