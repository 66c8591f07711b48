//! Plans (工作要点) as stored: a plan row, its pillars, tasks, targets and assignments.
//! Import turns a `duban_core::Plan` into rows in one transaction; `PlanDetail::to_model`
//! turns them back into the `duban.plan/1` shape.

use duban_core::{PLAN_SCHEMA, Pillar, Plan, Task};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::assignment::{AssignRole, Assignment};
use crate::column::parse_column;
use crate::deliver::fmt_date;
use crate::target::{TargetRow, commitment_str, target_from_row};
use crate::task::{TaskRow, task_from_row};
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// Being reviewed and edited by the office.
    Draft,
    /// Frozen; changes go through adjustments (调整).
    Adopted,
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::Adopted => "adopted",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            PlanState::Draft => "草稿",
            PlanState::Adopted => "已通过",
        }
    }
    pub fn parse(s: &str) -> Option<PlanState> {
        [PlanState::Draft, PlanState::Adopted]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub issuer: Option<String>,
    pub region: Option<String>,
    pub state: PlanState,
    pub source_name: Option<String>,
    pub version: i64,
    /// False while the unit assignment is demonstration data (示例分工).
    pub assignment_confirmed: bool,
    pub created_at: String,
    pub adopted_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PillarRow {
    pub id: i64,
    pub plan_id: i64,
    pub position: i64,
    pub heading: String,
    pub subtitle: Option<String>,
}

/// Everything about one plan, loaded at once (a plan has tens of tasks, not thousands).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanDetail {
    pub plan: PlanRow,
    pub source_text: String,
    pub pillars: Vec<PillarRow>,
    pub tasks: Vec<TaskRow>,
    /// All targets of the plan, headline ones (task_id None) included, in order.
    pub targets: Vec<TargetRow>,
    pub assignments: Vec<Assignment>,
}

/// What the importer knows besides the document.
#[derive(Debug, Clone, Default)]
pub struct ImportMeta {
    pub region: Option<String>,
    pub source_name: Option<String>,
}

/// A lead/co assignment to load with an import, e.g. the seed's demo assignment.
#[derive(Debug, Clone)]
pub struct PresetAssignment {
    pub task_number: u32,
    pub unit_code: String,
    pub role: AssignRole,
    pub demo: bool,
}

fn plan_from_row(r: &AnyRow) -> Result<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        year: r.try_get("year")?,
        issuer: r.try_get("issuer")?,
        region: r.try_get("region")?,
        state: parse_column(r, "state", "plan state", PlanState::parse)?,
        source_name: r.try_get("source_name")?,
        version: r.try_get("version")?,
        assignment_confirmed: r.try_get::<i64, _>("assignment_confirmed")? != 0,
        created_at: r.try_get("created_at")?,
        adopted_at: r.try_get("adopted_at")?,
    })
}

/// Char offset of `needle` in `hay`, if present.
fn char_offset(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.find(needle).map(|b| hay[..b].chars().count())
}

impl Store {
    /// Stores a validated plan as a new draft. Lead/co units named in the document are
    /// linked (units created by name when new); `preset` adds assignments for tasks whose
    /// text names none. Nothing is written if any step fails.
    #[tracing::instrument(skip_all, fields(title = %plan.title))]
    pub async fn import_plan(
        &self,
        plan: &Plan,
        meta: &ImportMeta,
        preset: &[PresetAssignment],
    ) -> Result<i64> {
        plan.validate()
            .map_err(|e| StoreError::Invalid(format!("计划结构无效：{e}")))?;
        // Resolve unit names first (these are reference data, not part of the plan).
        let mut named: Vec<(u32, i64, AssignRole)> = Vec::new();
        for t in &plan.tasks {
            for name in &t.lead_units {
                named.push((
                    t.number,
                    self.unit_for_name(name).await?.id,
                    AssignRole::Lead,
                ));
            }
            for name in &t.co_units {
                named.push((t.number, self.unit_for_name(name).await?.id, AssignRole::Co));
            }
        }
        let mut preset_ids = Vec::new();
        for p in preset {
            let unit = self
                .unit_by_code(&p.unit_code)
                .await?
                .ok_or_else(|| StoreError::Invalid(format!("单位代码 {} 不存在", p.unit_code)))?;
            preset_ids.push((p.task_number, unit.id, p.role, p.demo));
        }

        let mut tx = self.begin_write().await?;
        let (plan_id,): (i64,) = sqlx::query_as(
            "INSERT INTO plan (title, year, issuer, region, state, source_name, source_text, created_at)
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7) RETURNING id",
        )
        .bind(plan.title.trim())
        .bind(plan.year.map(i64::from))
        .bind(plan.issuer.as_deref())
        .bind(meta.region.as_deref())
        .bind(meta.source_name.as_deref())
        .bind(&plan.text)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let mut pillar_ids = Vec::new();
        for (i, p) in plan.pillars.iter().enumerate() {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO pillar (plan_id, position, heading, subtitle) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(plan_id)
            .bind(i as i64)
            .bind(&p.heading)
            .bind(p.subtitle.as_deref())
            .fetch_one(&mut *tx)
            .await?;
            pillar_ids.push(id);
        }
        for (i, t) in plan.headline_targets.iter().enumerate() {
            insert_target(&mut tx, plan_id, None, i as i64, t).await?;
        }
        let mut task_ids = std::collections::HashMap::new();
        for t in &plan.tasks {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO task (plan_id, pillar_id, number, label, title, body, text_start, leads_separately, deadline)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(plan_id)
            .bind(t.pillar.map(|p| pillar_ids[p]))
            .bind(i64::from(t.number))
            .bind(&t.label)
            .bind(t.title.trim())
            .bind(&t.text)
            .bind(char_offset(&plan.text, &t.text).map(|o| o as i64))
            .bind(t.leads_separately as i64)
            .bind(t.due.map(fmt_date))
            .fetch_one(&mut *tx)
            .await?;
            task_ids.insert(t.number, id);
            for (j, target) in t.targets.iter().enumerate() {
                insert_target(&mut tx, plan_id, Some(id), j as i64, target).await?;
            }
        }
        let mut positions = std::collections::HashMap::new();
        let named_iter = named.iter().map(|&(n, u, r)| (n, u, r, false));
        let with_text: std::collections::HashSet<u32> = named.iter().map(|a| a.0).collect();
        let preset_iter = preset_ids
            .iter()
            .filter(|p| !with_text.contains(&p.0))
            .copied();
        for (number, unit_id, role, demo) in named_iter.chain(preset_iter) {
            let Some(&task_id) = task_ids.get(&number) else {
                return Err(StoreError::Invalid(format!("分工中的任务 {number} 不存在")));
            };
            let pos = positions.entry(task_id).or_insert(0i64);
            *pos += 1;
            sqlx::query(
                "INSERT INTO task_unit (task_id, unit_id, role, position, demo) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (task_id, unit_id) DO NOTHING",
            )
            .bind(task_id)
            .bind(unit_id)
            .bind(role.as_str())
            .bind(*pos)
            .bind(demo as i64)
            .execute(&mut *tx)
            .await?;
        }
        let any_demo = preset_ids.iter().any(|p| p.3 && !with_text.contains(&p.0));
        sqlx::query("UPDATE plan SET assignment_confirmed = $1 WHERE id = $2")
            .bind((!any_demo) as i64)
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"title": plan.title, "year": plan.year, "tasks": plan.tasks.len(), "source_name": meta.source_name});
        crate::audit::commit_audited(tx, "plan.import", &format!("plan:{plan_id}"), &payload)
            .await?;
        self.refresh_periods(plan_id).await?;
        Ok(plan_id)
    }

    pub async fn list_plans(&self) -> Result<Vec<PlanRow>> {
        let query = sqlx::query(
            "SELECT id, title, year, issuer, region, state, source_name, version, assignment_confirmed, created_at, adopted_at
             FROM plan ORDER BY year DESC, id",
        );
        self.fetch_rows(query, plan_from_row).await
    }

    pub async fn plan(&self, id: i64) -> Result<PlanRow> {
        let query = sqlx::query(
            "SELECT id, title, year, issuer, region, state, source_name, version, assignment_confirmed, created_at, adopted_at
             FROM plan WHERE id = $1",
        )
        .bind(id);
        self.fetch_row(query, plan_from_row).await
    }

    pub async fn plan_detail(&self, id: i64) -> Result<PlanDetail> {
        let plan = self.plan(id).await?;
        let (source_text,): (String,) =
            sqlx::query_as("SELECT source_text FROM plan WHERE id = $1")
                .bind(id)
                .fetch_one(self.pool())
                .await?;
        let pillars = sqlx::query(
            "SELECT id, plan_id, position, heading, subtitle FROM pillar WHERE plan_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(PillarRow {
                id: r.try_get("id")?,
                plan_id: r.try_get("plan_id")?,
                position: r.try_get("position")?,
                heading: r.try_get("heading")?,
                subtitle: r.try_get("subtitle")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let tasks = sqlx::query(
            "SELECT id, plan_id, pillar_id, number, label, title, body, text_start, deadline, cadence, leads_separately, carried_from, version
             FROM task WHERE plan_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(task_from_row)
        .collect::<Result<Vec<_>>>()?;
        let targets = sqlx::query(
            "SELECT id, plan_id, task_id, position, phrase, span_start, span_end, metric, comparator, value, low, high, unit, normalized, commitment, baseline, deadline, curve, milestones
             FROM target WHERE plan_id = $1 ORDER BY task_id, position, id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(target_from_row)
        .collect::<Result<Vec<_>>>()?;
        let assignments = self.plan_assignments(id).await?;
        Ok(PlanDetail {
            plan,
            source_text,
            pillars,
            tasks,
            targets,
            assignments,
        })
    }

    /// Regenerates the plan's periods after a write that may change them; a plan without a
    /// year has none (not an error here).
    pub(crate) async fn refresh_periods(&self, plan_id: i64) -> Result<()> {
        if self.plan(plan_id).await?.year.is_some() {
            self.ensure_periods(plan_id).await?;
        }
        Ok(())
    }

    /// What blocks the plan's adoption (`duban_core::adoption`): empty when it may be adopted.
    pub async fn adoption_problems(&self, id: i64) -> Result<Vec<String>> {
        let d = self.plan_detail(id).await?;
        let review: Vec<i64> = self.units_to_review().await?.iter().map(|u| u.id).collect();
        let tasks: Vec<duban_core::adoption::TaskFacts> = d
            .tasks
            .iter()
            .map(|t| duban_core::adoption::TaskFacts {
                number: t.number,
                title: t.title.clone(),
                leads: d
                    .assignments
                    .iter()
                    .filter(|a| a.task_id == t.id && a.role == crate::assignment::AssignRole::Lead)
                    .count(),
                deadline: t.deadline,
                unreviewed_units: d
                    .task_assignments(t.id)
                    .filter(|a| review.contains(&a.unit_id))
                    .map(|a| a.unit_name.clone())
                    .collect(),
            })
            .collect();
        let number = |task_id: i64| d.tasks.iter().find(|t| t.id == task_id).map(|t| t.number);
        let targets: Vec<duban_core::adoption::TargetFacts> = d
            .targets
            .iter()
            .map(|t| duban_core::adoption::TargetFacts {
                task_number: t.task_id.and_then(number),
                metric: t.target.metric.clone(),
                type_error: t.target.validate().err(),
                deadline: t.deadline,
            })
            .collect();
        Ok(duban_core::adoption::problems(
            d.plan.year,
            &tasks,
            &targets,
        ))
    }

    /// Freezes a draft plan. Adopting twice is an error (nothing changes); so is adopting a
    /// plan with a problem on its check-list ([`Store::adoption_problems`]), e.g. no year.
    pub async fn adopt_plan(&self, id: i64, user_id: i64) -> Result<()> {
        if self.plan(id).await?.state == PlanState::Draft {
            let problems = self.adoption_problems(id).await?;
            if !problems.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "计划尚不能通过：{}",
                    problems.join("；")
                )));
            }
        }
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE plan SET state = 'adopted', adopted_at = $1, adopted_by = $2, version = version + 1
             WHERE id = $3 AND state = 'draft'",
        )
        .bind(now())
        .bind(user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let refused = "该计划已通过，无需重复操作";
        self.commit_adoption(tx, r, id, user_id, "plan.adopt", refused)
            .await?;
        self.refresh_periods(id).await
    }

    /// Returns an adopted plan to draft (撤销通过), allowed only while no report of it exists.
    /// Audited as `plan.unadopt`.
    pub async fn unadopt_plan(&self, id: i64, user_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (reports,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM report WHERE plan_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if reports > 0 {
            drop(tx);
            self.plan(id).await?;
            return Err(StoreError::Invalid(format!(
                "该计划已有 {reports} 份报告，不能撤销通过"
            )));
        }
        let r = sqlx::query(
            "UPDATE plan SET state = 'draft', adopted_at = NULL, adopted_by = NULL, version = version + 1
             WHERE id = $1 AND state = 'adopted'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.commit_adoption(tx, r, id, user_id, "plan.unadopt", "该计划尚未通过")
            .await
    }

    /// Ends an adoption or its undoing: when the UPDATE `done` changed no row, NotFound for a
    /// missing plan and `refused` otherwise (the plan was not in the state it left); when it
    /// did, the change is audited as `action` and committed.
    async fn commit_adoption(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        done: sqlx::any::AnyQueryResult,
        id: i64,
        user_id: i64,
        action: &str,
        refused: &str,
    ) -> Result<()> {
        if done.rows_affected() == 0 {
            drop(tx);
            self.plan(id).await?; // NotFound if missing
            return Err(StoreError::Invalid(refused.into()));
        }
        let payload = serde_json::json!({"user_id": user_id});
        crate::audit::commit_audited(tx, action, &format!("plan:{id}"), &payload).await
    }

    /// Confirms the plan's demonstration assignment (示例分工) as the real one.
    pub async fn confirm_assignment(&self, plan_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE task_unit SET demo = 0 WHERE task_id IN (SELECT id FROM task WHERE plan_id = $1)")
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("UPDATE plan SET assignment_confirmed = 1 WHERE id = $1")
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let payload = serde_json::json!({});
        crate::audit::commit_audited(
            tx,
            "plan.confirm_assignment",
            &format!("plan:{plan_id}"),
            &payload,
        )
        .await
    }

    /// Edits the plan's own fields and pillar headings, guarded by the plan version. On an
    /// adopted plan a reason is required and an adjustment is recorded. The edit's own
    /// values are checked before, by `duban_app::plan::check_plan_meta_edit`.
    pub async fn update_plan_meta(&self, edit: &PlanMetaEdit, user_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = plan_meta_json(&mut tx, edit.plan_id).await?;
        let adopted = before["state"] == "adopted";
        duban_core::adoption::check_adopted_edit(adopted, &edit.reason, Some(edit.year))
            .map_err(StoreError::Invalid)?;
        let r = sqlx::query(
            "UPDATE plan SET title = $1, year = $2, issuer = $3, region = $4, version = version + 1
             WHERE id = $5 AND version = $6",
        )
        .bind(edit.title.trim())
        .bind(edit.year)
        .bind(edit.issuer.as_deref())
        .bind(edit.region.as_deref())
        .bind(edit.plan_id)
        .bind(edit.version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        for (pillar_id, heading, subtitle) in &edit.pillars {
            let r = sqlx::query(
                "UPDATE pillar SET heading = $1, subtitle = $2 WHERE id = $3 AND plan_id = $4",
            )
            .bind(heading.trim())
            .bind(subtitle.as_deref())
            .bind(pillar_id)
            .bind(edit.plan_id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::Invalid(format!(
                    "板块 {pillar_id} 不属于该计划"
                )));
            }
        }
        let after = plan_meta_json(&mut tx, edit.plan_id).await?;
        if adopted {
            crate::adjustment::insert_adjustment(
                &mut tx,
                edit.plan_id,
                None,
                edit.reason.trim(),
                user_id,
                &before,
                &after,
            )
            .await?;
        }
        let payload =
            serde_json::json!({"before": before, "after": after, "reason": edit.reason.trim()});
        crate::audit::commit_audited(tx, "plan.edit", &format!("plan:{}", edit.plan_id), &payload)
            .await?;
        self.refresh_periods(edit.plan_id).await
    }
}

/// An edit of a plan's own fields and pillar headings.
#[derive(Debug, Clone)]
pub struct PlanMetaEdit {
    pub plan_id: i64,
    pub version: i64,
    pub title: String,
    pub year: Option<i64>,
    pub issuer: Option<String>,
    pub region: Option<String>,
    /// (pillar id, heading, subtitle)
    pub pillars: Vec<(i64, String, Option<String>)>,
    pub reason: String,
}

async fn plan_meta_json(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan_id: i64,
) -> Result<serde_json::Value> {
    let row = sqlx::query(
        "SELECT id, title, year, issuer, region, state, source_name, version, assignment_confirmed, created_at, adopted_at
         FROM plan WHERE id = $1",
    )
    .bind(plan_id)
    .fetch_one(&mut **tx)
    .await?;
    let plan = plan_from_row(&row)?;
    let pillars: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, heading, subtitle FROM pillar WHERE plan_id = $1 ORDER BY position",
    )
    .bind(plan_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(serde_json::json!({
        "title": plan.title, "year": plan.year, "issuer": plan.issuer, "region": plan.region,
        "state": plan.state.as_str(),
        "pillars": pillars.iter().map(|(id, h, s)| serde_json::json!({"id": id, "heading": h, "subtitle": s})).collect::<Vec<_>>(),
    }))
}

pub(crate) async fn insert_target(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan_id: i64,
    task_id: Option<i64>,
    position: i64,
    t: &duban_core::Target,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO target (plan_id, task_id, position, phrase, span_start, span_end, metric, comparator, value, low, high, unit, normalized, commitment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    // Not a cached statement: sqlx's Any driver types a NULL f64 as FLOAT4 on
    // PostgreSQL, which breaks a cached statement when a later call binds a value.
    .persistent(false)
    .bind(plan_id)
    .bind(task_id)
    .bind(position)
    .bind(&t.phrase)
    .bind(t.span.start as i64)
    .bind(t.span.end as i64)
    .bind(&t.metric)
    .bind(t.comparator.as_str())
    .bind(t.value)
    .bind(t.low)
    .bind(t.high)
    .bind(t.unit.as_deref())
    .bind(t.normalized)
    .bind(commitment_str(t.commitment))
    // sqlx 0.9 `Any` declares a NULL f64 as float4 on PostgreSQL; a cached statement then
    // refuses a later non-NULL f64 ("incorrect binary data format"). Not caching fixes it.
    .persistent(false)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

impl PlanDetail {
    pub fn task(&self, id: i64) -> Option<&TaskRow> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub fn task_targets(&self, task_id: i64) -> impl Iterator<Item = &TargetRow> {
        self.targets
            .iter()
            .filter(move |t| t.task_id == Some(task_id))
    }

    pub fn task_assignments(&self, task_id: i64) -> impl Iterator<Item = &Assignment> {
        self.assignments
            .iter()
            .filter(move |a| a.task_id == task_id)
    }

    /// The plan in the `duban.plan/1` exchange shape.
    pub fn to_model(&self) -> Plan {
        let pillar_index =
            |pid: Option<i64>| pid.and_then(|p| self.pillars.iter().position(|x| x.id == p));
        Plan {
            schema: PLAN_SCHEMA.to_string(),
            outline: Default::default(),
            title: self.plan.title.clone(),
            issuer: self.plan.issuer.clone(),
            year: self.plan.year.and_then(|y| i32::try_from(y).ok()),
            headline_targets: self
                .targets
                .iter()
                .filter(|t| t.task_id.is_none())
                .map(|t| t.target.clone())
                .collect(),
            pillars: self
                .pillars
                .iter()
                .map(|p| Pillar {
                    heading: p.heading.clone(),
                    subtitle: p.subtitle.clone(),
                    tasks: self
                        .tasks
                        .iter()
                        .filter(|t| t.pillar_id == Some(p.id))
                        .map(|t| t.number as u32)
                        .collect(),
                })
                .collect(),
            tasks: self
                .tasks
                .iter()
                .map(|t| {
                    let units = |role| {
                        self.task_assignments(t.id)
                            .filter(|a| a.role == role)
                            .map(|a| a.unit_name.clone())
                            .collect()
                    };
                    Task {
                        number: t.number as u32,
                        label: t.label.clone(),
                        title: t.title.clone(),
                        text: t.body.clone(),
                        pillar: pillar_index(t.pillar_id),
                        lead_units: units(AssignRole::Lead),
                        co_units: units(AssignRole::Co),
                        leads_separately: t.leads_separately,
                        targets: self.task_targets(t.id).map(|x| x.target.clone()).collect(),
                        deadline: None,
                        due: t.deadline,
                    }
                })
                .collect(),
            text: self.source_text.clone(),
        }
    }
}
