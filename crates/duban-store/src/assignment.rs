//! Who leads and who co-operates on a task (牵头 / 配合).

use sqlx::Row;

use crate::column::parse_column;
use crate::{Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignRole {
    Lead,
    Co,
}

impl AssignRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignRole::Lead => "lead",
            AssignRole::Co => "co",
        }
    }
    pub fn parse(s: &str) -> Option<AssignRole> {
        match s {
            "lead" => Some(AssignRole::Lead),
            "co" => Some(AssignRole::Co),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            AssignRole::Lead => "牵头",
            AssignRole::Co => "配合",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assignment {
    pub task_id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub role: AssignRole,
    pub position: i64,
    /// Demonstration assignment (示例分工) not yet confirmed by the office.
    pub demo: bool,
}

impl Store {
    pub async fn plan_assignments(&self, plan_id: i64) -> Result<Vec<Assignment>> {
        let query = sqlx::query(
            "SELECT a.task_id, a.unit_id, u.code, u.name, a.role, a.position, a.demo
             FROM task_unit a JOIN task t ON t.id = a.task_id JOIN unit u ON u.id = a.unit_id
             WHERE t.plan_id = $1 ORDER BY a.task_id, CASE a.role WHEN 'lead' THEN 0 ELSE 1 END, a.position",
        )
        .bind(plan_id);
        self.fetch_rows(query, |r| {
            Ok(Assignment {
                task_id: r.try_get("task_id")?,
                unit_id: r.try_get("unit_id")?,
                unit_code: r.try_get("code")?,
                unit_name: r.try_get("name")?,
                role: parse_column(r, "role", "assignment role", AssignRole::parse)?,
                position: r.try_get("position")?,
                demo: r.try_get::<i64, _>("demo")? != 0,
            })
        })
        .await
    }

    /// (plan id, plan title, task id, task number, task title, role) for every task a
    /// unit is assigned to, across plans.
    pub async fn unit_tasks(&self, unit_id: i64) -> Result<Vec<UnitTask>> {
        let rows: Vec<(i64, String, i64, i64, String, String, i64)> = sqlx::query_as(
            "SELECT p.id, p.title, t.id, t.number, t.title, a.role, a.demo
             FROM task_unit a JOIN task t ON t.id = a.task_id JOIN plan p ON p.id = t.plan_id
             WHERE a.unit_id = $1 ORDER BY p.id, t.number",
        )
        .bind(unit_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(plan_id, plan_title, task_id, number, title, role, demo)| UnitTask {
                    plan_id,
                    plan_title,
                    task_id,
                    number,
                    title,
                    role: AssignRole::parse(&role).unwrap_or(AssignRole::Co),
                    demo: demo != 0,
                },
            )
            .collect())
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitTask {
    pub plan_id: i64,
    pub plan_title: String,
    pub task_id: i64,
    pub number: i64,
    pub title: String,
    pub role: AssignRole,
    pub demo: bool,
}
