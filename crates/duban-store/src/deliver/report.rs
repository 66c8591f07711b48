//! Reports (督办报送): one per (task, period, unit), the template 进展情况 / 存在问题 /
//! 下步打算, the current value of each quantitative target with its as-of date, the task's
//! qualitative milestone, and the workflow state.
//!
//! Whether an action is allowed is decided by `duban_core::report::transition` (role, own
//! unit, state, lock, comment), never here. Every write runs in one transaction that ends
//! in [`record_event`]: the single place a report change is recorded (workflow history,
//! and the hook for the audit log).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use duban_core::report::{Actor, ReportAction, ReportState, transition};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{DeliverResult, china_date, fmt_date, parse_date, stored_china_date};
use crate::column::{parse_column, parse_stored};
use crate::db::format_time;
use crate::user::User;
use crate::{Result, Store, StoreError};

/// Longest text accepted in one template field (characters).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Who acts on a report: the account (stamped on every change) and its workflow role.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportActor {
    pub user_id: i64,
    pub actor: Actor,
}

impl ReportActor {
    /// The workflow actor of an account: the office for admins, a reporter of its unit for
    /// reporters; viewers take no part in the workflow (`None`).
    pub fn of(user: &User) -> Option<ReportActor> {
        Some(ReportActor {
            user_id: user.id,
            actor: Actor {
                role: user.role.workflow_role()?,
                unit: user.unit_code.clone(),
            },
        })
    }
}

/// The state of the task's qualitative milestone as a unit reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneInput {
    NotStarted,
    InProgress,
    Done,
}

impl MilestoneInput {
    pub const ALL: [MilestoneInput; 3] = [
        MilestoneInput::NotStarted,
        MilestoneInput::InProgress,
        MilestoneInput::Done,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneInput::NotStarted => "not_started",
            MilestoneInput::InProgress => "in_progress",
            MilestoneInput::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<MilestoneInput> {
        MilestoneInput::ALL.into_iter().find(|m| m.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MilestoneInput::NotStarted => "未启动",
            MilestoneInput::InProgress => "推进中",
            MilestoneInput::Done => "已完成",
        }
    }
}

/// One reported target value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportValue {
    pub target_id: i64,
    pub value: Option<f64>,
    /// The date the value refers to (数据截至日期).
    pub as_of: NaiveDate,
}

/// A value as entered; `as_of` defaults to the period's last day.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInput {
    pub target_id: i64,
    pub value: Option<f64>,
    pub as_of: Option<NaiveDate>,
}

/// The editable content of a report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportContent {
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub milestone: Option<MilestoneInput>,
    /// Share done (0..=1) when the milestone is in progress.
    pub milestone_share: Option<f64>,
    pub values: Vec<ValueInput>,
}

/// Which report: task, period and unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportKey {
    pub task_id: i64,
    pub period_id: i64,
    pub unit_id: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_number: i64,
    pub task_title: String,
    pub period_id: i64,
    pub period_key: String,
    pub period_label: String,
    pub period_end: NaiveDate,
    pub due: NaiveDate,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub state: ReportState,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub milestone: Option<MilestoneInput>,
    pub milestone_share: Option<f64>,
    /// Row version (optimistic locking of edits).
    pub version: i64,
    pub first_submitted_at: Option<String>,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    /// The return comment or reopen reason in force.
    pub review_comment: Option<String>,
    /// Demonstration data (示例数据).
    pub demo: bool,
    pub created_at: String,
    pub updated_at: String,
    pub values: Vec<ReportValue>,
}

impl ReportRow {
    /// The China date of the first submission (punctuality counts the first one).
    pub fn first_submitted_on(&self) -> Option<NaiveDate> {
        stored_china_date(self.first_submitted_at.as_deref())
    }
    /// The China date of the review in force (acceptance, return or reopening).
    pub fn reviewed_on(&self) -> Option<NaiveDate> {
        stored_china_date(self.reviewed_at.as_deref())
    }
    pub fn value_of(&self, target_id: i64) -> Option<&ReportValue> {
        self.values.iter().find(|v| v.target_id == target_id)
    }
}

/// A frozen submitted version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportVersion {
    pub number: i64,
    pub user_name: Option<String>,
    pub at: String,
    pub content: serde_json::Value,
}

/// One workflow event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportEvent {
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub user_name: Option<String>,
    pub at: String,
    pub comment: Option<String>,
}

/// One report owed: a lead unit of a task, for one period of the task's cadence, with the
/// report (if any) and its dates. The list escalation rules and punctuality work from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportDuty {
    pub task_id: i64,
    pub task_number: i64,
    pub task_title: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// 0 for the first lead unit (who consolidates), 1, 2 … for the others.
    pub lead_rank: usize,
    pub period_id: i64,
    pub period_key: String,
    pub period_label: String,
    pub period_end: NaiveDate,
    pub due: NaiveDate,
    pub report_id: Option<i64>,
    pub state: Option<ReportState>,
    pub first_submitted: Option<NaiveDate>,
    /// Date of the acceptance in force, if accepted.
    pub accepted_on: Option<NaiveDate>,
    /// How many times the report was returned.
    pub returned_times: i64,
    pub demo: bool,
}

const REPORT_SELECT: &str = "SELECT r.id, r.plan_id, r.task_id, t.number AS task_number, t.title AS task_title,
    r.period_id, p.key AS period_key, p.label AS period_label, p.end_date AS period_end, p.due_date AS due,
    r.unit_id, u.code AS unit_code, u.name AS unit_name, r.state, r.progress, r.problems, r.next_steps,
    r.milestone, r.milestone_share, r.version, r.first_submitted_at, r.submitted_at, su.name AS submitted_by,
    r.reviewed_at, ru.name AS reviewed_by, r.review_comment, r.demo, r.created_at, r.updated_at
    FROM report r JOIN task t ON t.id = r.task_id JOIN period p ON p.id = r.period_id
    JOIN unit u ON u.id = r.unit_id LEFT JOIN app_user su ON su.id = r.submitted_by
    LEFT JOIN app_user ru ON ru.id = r.reviewed_by";

fn report_from_row(r: &AnyRow) -> Result<ReportRow> {
    let milestone: Option<String> = r.try_get("milestone")?;
    Ok(ReportRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        task_id: r.try_get("task_id")?,
        task_number: r.try_get("task_number")?,
        task_title: r.try_get("task_title")?,
        period_id: r.try_get("period_id")?,
        period_key: r.try_get("period_key")?,
        period_label: r.try_get("period_label")?,
        period_end: parse_date(&r.try_get::<String, _>("period_end")?)?,
        due: parse_date(&r.try_get::<String, _>("due")?)?,
        unit_id: r.try_get("unit_id")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        state: parse_column(r, "state", "report state", ReportState::parse)?,
        progress: r.try_get("progress")?,
        problems: r.try_get("problems")?,
        next_steps: r.try_get("next_steps")?,
        milestone: milestone
            .map(|m| parse_stored(&m, "milestone", MilestoneInput::parse))
            .transpose()?,
        milestone_share: r.try_get("milestone_share")?,
        version: r.try_get("version")?,
        first_submitted_at: r.try_get("first_submitted_at")?,
        submitted_at: r.try_get("submitted_at")?,
        submitted_by: r.try_get("submitted_by")?,
        reviewed_at: r.try_get("reviewed_at")?,
        reviewed_by: r.try_get("reviewed_by")?,
        review_comment: r.try_get("review_comment")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        values: Vec::new(),
    })
}

/// Records one change of a report, inside the transaction that makes it: the workflow
/// history row (who, when, from → to, comment). `action` is `create`, `edit`, an action
/// name of `duban_core::report` (`submit`, `accept`, `return` …), `evidence_add` or
/// `evidence_remove`. This is the one write path every report change goes through, so the
/// audit log append belongs here too. Returns the report's content after the change (what
/// a submission freezes as its version).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    report_id: i64,
    action: &str,
    from: ReportState,
    to: ReportState,
    user_id: i64,
    at: &str,
    comment: Option<&str>,
    notice: Option<&crate::notification::Notice>,
) -> Result<serde_json::Value> {
    sqlx::query(
        "INSERT INTO report_event (report_id, action, from_state, to_state, user_id, at, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(report_id)
    .bind(action)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(user_id)
    .bind(at)
    .bind(comment)
    .execute(&mut **tx)
    .await?;
    let s = snapshot(tx, report_id, user_id).await?;
    crate::audit::report_changed(
        tx,
        &crate::audit::ReportChange {
            report_id,
            task_id: s.task_id,
            unit_id: s.unit_id,
            action,
            from: from.as_str(),
            to: to.as_str(),
            actor: s.actor,
            comment,
            content: &s.content,
        },
        notice,
    )
    .await?;
    Ok(s.content)
}

fn check_text(name: &str, s: &str) -> Result<()> {
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::Invalid(format!(
            "{name}超过 {MAX_TEXT_CHARS} 字"
        )));
    }
    Ok(())
}

/// The largest magnitude a reported value may have (the 督办表's number range: beyond it
/// a workbook cell cannot hold the value exactly and the export would fail).
pub const MAX_ABS_VALUE: f64 = 1e15;

/// Whether a reported value is a finite number within ±[`MAX_ABS_VALUE`].
pub fn value_in_range(x: f64) -> bool {
    x.is_finite() && x.abs() <= MAX_ABS_VALUE
}

/// Checks content against the task: known targets of this task, numbers within
/// [`MAX_ABS_VALUE`], value dates within `dates` (the plan's periods, first start to last
/// due date), shares.
fn check_content(
    c: &ReportContent,
    task_targets: &[i64],
    dates: Option<(NaiveDate, NaiveDate)>,
) -> Result<()> {
    check_text("进展情况", &c.progress)?;
    check_text("存在问题", &c.problems)?;
    check_text("下步打算", &c.next_steps)?;
    let mut seen = Vec::new();
    for v in &c.values {
        if !task_targets.contains(&v.target_id) {
            return Err(StoreError::Invalid(format!(
                "目标 {} 不属于本任务",
                v.target_id
            )));
        }
        if seen.contains(&v.target_id) {
            return Err(StoreError::Invalid(format!(
                "目标 {} 重复填报",
                v.target_id
            )));
        }
        seen.push(v.target_id);
        if v.value.is_some_and(|x| !value_in_range(x)) {
            return Err(StoreError::Invalid(format!(
                "目标 {} 的数值无效或超出范围（绝对值不超过 1e15）",
                v.target_id
            )));
        }
        if let (Some(d), Some((first, last))) = (v.as_of, dates)
            && !(first..=last).contains(&d)
        {
            return Err(StoreError::Invalid(format!(
                "目标 {} 的数据截至日期 {d} 不在计划的报送期间（{first} 至 {last}）内",
                v.target_id
            )));
        }
    }
    if let Some(s) = c.milestone_share
        && !(s.is_finite() && (0.0..=1.0).contains(&s))
    {
        return Err(StoreError::Invalid(
            // The form takes percent, the API a share: say both.
            "节点完成比例须在 0 到 100% 之间（API 中 milestone_share 为 0 到 1 的小数）".into(),
        ));
    }
    Ok(())
}

async fn write_content(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    report_id: i64,
    c: &ReportContent,
    period_end: NaiveDate,
) -> Result<()> {
    sqlx::query("DELETE FROM report_value WHERE report_id = $1")
        .bind(report_id)
        .execute(&mut **tx)
        .await?;
    for v in &c.values {
        sqlx::query(
            "INSERT INTO report_value (report_id, target_id, value, as_of) VALUES ($1, $2, $3, $4)",
        )
        .bind(report_id)
        .bind(v.target_id)
        .bind(v.value)
        .bind(fmt_date(v.as_of.unwrap_or(period_end)))
        // NULL f64 on PostgreSQL through sqlx 0.9 `Any`: see `plan::insert_target`.
        .persistent(false)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// (target id, metric, value, as-of date, unit) of a value in a snapshot.
type SnapshotValue = (i64, String, Option<f64>, String, Option<String>);
/// (action, from, to, user name, at, comment) of a stored event.
type EventTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

/// A report as a change leaves it, read in the change's transaction: its content as frozen
/// in a version (and compared between versions), its task and unit, and the name of the
/// acting user (`None` when that account is gone).
struct Snapshot {
    content: serde_json::Value,
    task_id: i64,
    unit_id: i64,
    actor: Option<String>,
}

/// (progress, problems, next steps, milestone, share, task id, unit id, actor name).
type SnapshotRow = (
    String,
    String,
    String,
    Option<String>,
    Option<f64>,
    i64,
    i64,
    Option<String>,
);

async fn snapshot(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    report_id: i64,
    user_id: i64,
) -> Result<Snapshot> {
    let (progress, problems, next_steps, milestone, share, task_id, unit_id, actor): SnapshotRow =
        sqlx::query_as(
            "SELECT r.progress, r.problems, r.next_steps, r.milestone, r.milestone_share, r.task_id, r.unit_id, u.name
             FROM report r LEFT JOIN app_user u ON u.id = $2 WHERE r.id = $1",
        )
        .bind(report_id)
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    let values: Vec<SnapshotValue> = sqlx::query_as(
        "SELECT v.target_id, t.metric, v.value, v.as_of, t.unit FROM report_value v JOIN target t ON t.id = v.target_id
         WHERE v.report_id = $1 ORDER BY t.position, t.id",
    )
    .bind(report_id)
    .fetch_all(&mut **tx)
    .await?;
    let content = json!({
        "progress": progress, "problems": problems, "next_steps": next_steps,
        "milestone": milestone, "milestone_share": share,
        "values": values.iter().map(|(id, metric, value, as_of, unit)| json!({
            "target_id": id, "metric": metric, "value": value, "as_of": as_of, "unit": unit,
        })).collect::<Vec<_>>(),
    });
    Ok(Snapshot {
        content,
        task_id,
        unit_id,
        actor,
    })
}

/// The text of a version's content, one field per line, for diffs and display.
pub fn version_text(content: &serde_json::Value) -> String {
    let s = |k: &str| content[k].as_str().unwrap_or("").to_string();
    let mut out = format!(
        "进展情况：{}\n存在问题：{}\n下步打算：{}\n",
        s("progress"),
        s("problems"),
        s("next_steps")
    );
    if let Some(m) = content["milestone"]
        .as_str()
        .and_then(MilestoneInput::parse)
    {
        out.push_str(&format!("节点状态：{}", m.label_zh()));
        if let Some(share) = content["milestone_share"].as_f64() {
            out.push_str(&format!("（约 {:.0}%）", share * 100.0));
        }
        out.push('\n');
    }
    for v in content["values"].as_array().into_iter().flatten() {
        let value = v["value"]
            .as_f64()
            .map_or_else(|| "未填".to_string(), |x| format!("{x}"));
        out.push_str(&format!(
            "目标值 {}：{}{}（截至 {}）\n",
            v["metric"].as_str().unwrap_or(""),
            value,
            v["unit"].as_str().unwrap_or(""),
            v["as_of"]
                .as_str()
                .map(|d| d
                    .parse::<chrono::NaiveDate>()
                    .map_or_else(|_| d.to_string(), duban_core::period::zh_date))
                .unwrap_or_default()
        ));
    }
    out
}

impl Store {
    pub async fn report(&self, id: i64) -> Result<ReportRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        let mut r = report_from_row(&row)?;
        r.values = self.report_values(id).await?;
        Ok(r)
    }

    async fn report_values(&self, report_id: i64) -> Result<Vec<ReportValue>> {
        let rows: Vec<(i64, Option<f64>, String)> = sqlx::query_as(
            "SELECT v.target_id, v.value, v.as_of FROM report_value v JOIN target t ON t.id = v.target_id
             WHERE v.report_id = $1 ORDER BY t.position, t.id",
        )
        .bind(report_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(target_id, value, as_of)| {
                Ok(ReportValue {
                    target_id,
                    value,
                    as_of: parse_date(&as_of)?,
                })
            })
            .collect()
    }

    pub async fn report_by_key(&self, key: ReportKey) -> Result<Option<ReportRow>> {
        let id: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM report WHERE task_id = $1 AND period_id = $2 AND unit_id = $3",
        )
        .bind(key.task_id)
        .bind(key.period_id)
        .bind(key.unit_id)
        .fetch_optional(self.pool())
        .await?;
        match id {
            Some((id,)) => Ok(Some(self.report(id).await?)),
            None => Ok(None),
        }
    }

    /// Every report of a plan with its values, ordered by task, period, unit.
    /// Whether any report of the plan is demonstration data (示例数据).
    pub async fn plan_has_demo_reports(&self, plan_id: i64) -> Result<bool> {
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM report WHERE plan_id = $1 AND demo = 1 LIMIT 1")
                .bind(plan_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    pub async fn plan_reports(&self, plan_id: i64) -> Result<Vec<ReportRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} WHERE r.plan_id = $1 ORDER BY t.number, p.start_date, p.key, r.unit_id"
        )))
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        let mut reports = rows
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?;
        let values: Vec<(i64, i64, Option<f64>, String)> = sqlx::query_as(
            "SELECT v.report_id, v.target_id, v.value, v.as_of FROM report_value v
             JOIN report r ON r.id = v.report_id JOIN target t ON t.id = v.target_id
             WHERE r.plan_id = $1 ORDER BY t.position, t.id",
        )
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        let mut by_report: HashMap<i64, Vec<ReportValue>> = HashMap::new();
        for (report_id, target_id, value, as_of) in values {
            by_report.entry(report_id).or_default().push(ReportValue {
                target_id,
                value,
                as_of: parse_date(&as_of)?,
            });
        }
        for r in &mut reports {
            r.values = by_report.remove(&r.id).unwrap_or_default();
        }
        Ok(reports)
    }

    /// The task's lead units in order (first = consolidating lead): (unit id, code, name).
    pub async fn task_leads(&self, task_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.code, u.name FROM task_unit a JOIN unit u ON u.id = a.unit_id
             WHERE a.task_id = $1 AND a.role = 'lead' ORDER BY a.position, a.id",
        )
        .bind(task_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The targets of a task with their units (`个`, `亿元` …), as a value typed with its
    /// unit is read against them.
    pub async fn task_target_units(&self, task_id: i64) -> Result<Vec<(i64, Option<String>)>> {
        Ok(
            sqlx::query_as("SELECT id, unit FROM target WHERE task_id = $1 ORDER BY position")
                .bind(task_id)
                .fetch_all(self.pool())
                .await?,
        )
    }

    async fn task_target_ids(&self, task_id: i64) -> Result<Vec<i64>> {
        let targets = self.task_target_units(task_id).await?;
        Ok(targets.into_iter().map(|(id, _)| id).collect())
    }

    /// Creates the draft for `key` (or, when it exists and is editable, saves into it).
    /// The unit must lead the task and the period must be one of the task's cadence.
    /// Returns the report id and whether it was created.
    pub async fn create_report(
        &self,
        key: ReportKey,
        content: &ReportContent,
        by: &ReportActor,
    ) -> DeliverResult<(i64, bool)> {
        self.create_report_at(key, content, by, Utc::now(), false)
            .await
    }

    /// [`Store::create_report`] at a given time, optionally flagged as demonstration data
    /// (示例数据); for the demo loader only.
    pub async fn create_report_at(
        &self,
        key: ReportKey,
        content: &ReportContent,
        by: &ReportActor,
        at: DateTime<Utc>,
        demo: bool,
    ) -> DeliverResult<(i64, bool)> {
        let w = self.prepare_draft(key, content, by, demo).await?;
        let mut tx = self.begin_write().await?;
        let id = apply_draft(&mut tx, &w, content, by, &format_time(at)).await?;
        tx.commit().await?;
        Ok((id, matches!(w, DraftWrite::Insert { .. })))
    }

    /// Saves several drafts (create, or save into the existing editable report) all or
    /// nothing: every item is checked first, then all are written in one transaction.
    /// Returns (report id, created) per item. Used by the 督办表 import.
    pub async fn save_drafts(
        &self,
        items: &[(ReportKey, ReportContent)],
        by: &ReportActor,
    ) -> DeliverResult<Vec<(i64, bool)>> {
        let mut writes = Vec::with_capacity(items.len());
        for (key, content) in items {
            writes.push(self.prepare_draft(*key, content, by, false).await?);
        }
        let at = format_time(Utc::now());
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(items.len());
        for (w, (_, content)) in writes.iter().zip(items) {
            let id = apply_draft(&mut tx, w, content, by, &at).await?;
            out.push((id, matches!(w, DraftWrite::Insert { .. })));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Checks a draft write for `key` (the unit leads the task, the period is of the task's
    /// cadence, the workflow allows the edit, the content fits the task) without writing.
    async fn prepare_draft(
        &self,
        key: ReportKey,
        content: &ReportContent,
        by: &ReportActor,
        demo: bool,
    ) -> DeliverResult<DraftWrite> {
        let task = self.task(key.task_id).await?;
        let period = self.period(key.period_id).await?;
        if period.plan_id != task.plan_id {
            return Err(StoreError::Invalid("报送周期不属于该任务所在计划".into()).into());
        }
        if period.cadence != task.cadence {
            return Err(StoreError::Invalid(format!(
                "任务 {} 按{}报送，周期 {} 不适用",
                task.number,
                task.cadence.label_zh(),
                period.key
            ))
            .into());
        }
        let leads = self.task_leads(task.id).await?;
        let Some((_, unit_code, _)) = leads.iter().find(|(id, _, _)| *id == key.unit_id) else {
            return Err(StoreError::Invalid("该单位不是本任务的牵头单位，无需报送".into()).into());
        };
        if let Some(existing) = self.report_by_key(key).await? {
            return self.prepare_save(&existing, None, content, by).await;
        }
        transition(
            ReportState::Draft,
            &ReportAction::Edit,
            &by.actor,
            unit_code,
        )?;
        let dates = self.value_date_range(task.plan_id).await?;
        check_content(content, &self.task_target_ids(task.id).await?, dates)?;
        Ok(DraftWrite::Insert {
            plan_id: task.plan_id,
            key,
            period_end: period.end,
            demo,
        })
    }

    async fn prepare_save(
        &self,
        r: &ReportRow,
        expected_version: Option<i64>,
        content: &ReportContent,
        by: &ReportActor,
    ) -> DeliverResult<DraftWrite> {
        transition(r.state, &ReportAction::Edit, &by.actor, &r.unit_code)?;
        let dates = self.value_date_range(r.plan_id).await?;
        check_content(content, &self.task_target_ids(r.task_id).await?, dates)?;
        Ok(DraftWrite::Update {
            id: r.id,
            state: r.state,
            version: expected_version.unwrap_or(r.version),
            period_end: r.period_end,
        })
    }

    /// The dates a reported value may be "as of": the first period's start to the last
    /// period's due date of the plan (`None` while the plan has no periods).
    async fn value_date_range(&self, plan_id: i64) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let row: (Option<String>, Option<String>) =
            sqlx::query_as("SELECT MIN(start_date), MAX(due_date) FROM period WHERE plan_id = $1")
                .bind(plan_id)
                .fetch_one(self.pool())
                .await?;
        let parse = |s: Option<String>| s.as_deref().map(super::parse_date).transpose();
        Ok(parse(row.0)?.zip(parse(row.1)?))
    }

    /// Saves new content into an editable report (Draft or Returned). With
    /// `expected_version`, refuses (`Conflict`) if someone saved since it was loaded.
    pub async fn save_report(
        &self,
        id: i64,
        expected_version: Option<i64>,
        content: &ReportContent,
        by: &ReportActor,
    ) -> DeliverResult<()> {
        let r = self.report(id).await?;
        let w = self.prepare_save(&r, expected_version, content, by).await?;
        let mut tx = self.begin_write().await?;
        apply_draft(&mut tx, &w, content, by, &format_time(Utc::now())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a workflow action (submit, withdraw, accept, return, reopen) as decided by
    /// `duban_core::report::transition` at `at` (the demo loader replays 2020); stamps who
    /// and when; a submission freezes a new version; `notice` (decided by the caller,
    /// `duban_app::report::act`) is sent in the same transaction. `r` is the report as the
    /// caller has just read it; its state is re-checked under the write (a concurrent
    /// change is a `Conflict`). Returns the new state.
    pub async fn report_action_at(
        &self,
        r: &ReportRow,
        action: &ReportAction,
        by: &ReportActor,
        at: DateTime<Utc>,
        notice: Option<&crate::notification::Notice>,
    ) -> DeliverResult<ReportState> {
        if matches!(action, ReportAction::Edit) {
            return Err(StoreError::Invalid("修改内容请使用保存".into()).into());
        }
        let id = r.id;
        let t = transition(r.state, action, &by.actor, &r.unit_code)?;
        let at = format_time(at);
        let mut tx = self.begin_write().await?;
        let (to, from) = (t.to.as_str(), t.from.as_str());
        let q = match action {
            ReportAction::Submit => sqlx::query(
                "UPDATE report SET state = $1, submitted_at = $2, first_submitted_at = COALESCE(first_submitted_at, $2),
                   submitted_by = $3, version = version + 1, updated_at = $2
                 WHERE id = $4 AND state = $5",
            )
            .bind(to)
            .bind(&at)
            .bind(by.user_id)
            .bind(id)
            .bind(from),
            ReportAction::Withdraw => sqlx::query(
                "UPDATE report SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(to)
            .bind(&at)
            .bind(id)
            .bind(from),
            _ => sqlx::query(
                "UPDATE report SET state = $1, reviewed_at = $2, reviewed_by = $3, review_comment = $4,
                   version = version + 1, updated_at = $2
                 WHERE id = $5 AND state = $6",
            )
            .bind(to)
            .bind(&at)
            .bind(by.user_id)
            .bind(t.comment.as_deref())
            .bind(id)
            .bind(from),
        };
        if q.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::Conflict.into());
        }
        let content = record_event(
            &mut tx,
            id,
            &t.action,
            t.from,
            t.to,
            by.user_id,
            &at,
            t.comment.as_deref(),
            notice,
        )
        .await?;
        if matches!(action, ReportAction::Submit) {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM report_version WHERE report_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO report_version (report_id, number, user_id, at, content) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(n)
            .bind(by.user_id)
            .bind(&at)
            .bind(content.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(t.to)
    }

    /// Every submitted version of a report, oldest first.
    pub async fn report_versions(&self, report_id: i64) -> Result<Vec<ReportVersion>> {
        let rows: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
            "SELECT v.number, u.name, v.at, v.content FROM report_version v LEFT JOIN app_user u ON u.id = v.user_id
             WHERE v.report_id = $1 ORDER BY v.number",
        )
        .bind(report_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(number, user_name, at, content)| {
                Ok(ReportVersion {
                    number,
                    user_name,
                    at,
                    content: serde_json::from_str(&content)
                        .map_err(|e| StoreError::Corrupt(format!("report version: {e}")))?,
                })
            })
            .collect()
    }

    /// The workflow history of a report, oldest first.
    pub async fn report_events(&self, report_id: i64) -> Result<Vec<ReportEvent>> {
        let rows: Vec<EventTuple> = sqlx::query_as(
            "SELECT e.action, e.from_state, e.to_state, u.name, e.at, e.comment FROM report_event e
             LEFT JOIN app_user u ON u.id = e.user_id WHERE e.report_id = $1 ORDER BY e.id",
        )
        .bind(report_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(action, from_state, to_state, user_name, at, comment)| ReportEvent {
                    action,
                    from_state,
                    to_state,
                    user_name,
                    at,
                    comment,
                },
            )
            .collect())
    }

    /// Every report owed in a plan — each lead unit of each task, for each period of the
    /// task's cadence — with the report's state and dates.
    pub async fn report_duties(&self, plan_id: i64) -> Result<Vec<ReportDuty>> {
        let detail = self.plan_detail(plan_id).await?;
        self.report_duties_of(&detail).await
    }

    /// [`Store::report_duties`] of a plan already loaded.
    pub async fn report_duties_of(
        &self,
        detail: &crate::plan::PlanDetail,
    ) -> Result<Vec<ReportDuty>> {
        let plan_id = detail.plan.id;
        let periods = self.plan_periods(plan_id).await?;
        let reports = self.plan_reports(plan_id).await?;
        let returns = self.return_counts(plan_id).await?;
        Ok(duties_of(detail, &periods, &reports, &returns))
    }

    /// How many times each report of a plan was returned, by report id.
    pub async fn return_counts(&self, plan_id: i64) -> Result<HashMap<i64, i64>> {
        let returns: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT e.report_id, COUNT(*) FROM report_event e JOIN report r ON r.id = e.report_id
             WHERE r.plan_id = $1 AND e.action = 'return' GROUP BY e.report_id",
        )
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        Ok(returns.into_iter().collect())
    }
}

/// A checked draft write (see `Store::prepare_draft`), applied in a caller's transaction.
#[derive(Debug, Clone)]
enum DraftWrite {
    Insert {
        plan_id: i64,
        key: ReportKey,
        period_end: NaiveDate,
        demo: bool,
    },
    Update {
        id: i64,
        state: ReportState,
        version: i64,
        period_end: NaiveDate,
    },
}

/// Writes a checked draft in `tx`; an update refuses (`Conflict`) if the report's state or
/// version moved since it was checked. Returns the report id.
async fn apply_draft(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    w: &DraftWrite,
    content: &ReportContent,
    by: &ReportActor,
    at: &str,
) -> DeliverResult<i64> {
    match *w {
        DraftWrite::Insert {
            plan_id,
            key,
            period_end,
            demo,
        } => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO report (plan_id, task_id, period_id, unit_id, state, progress, problems, next_steps,
                   milestone, milestone_share, demo, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(plan_id)
            .bind(key.task_id)
            .bind(key.period_id)
            .bind(key.unit_id)
            .bind(content.progress.trim())
            .bind(content.problems.trim())
            .bind(content.next_steps.trim())
            .bind(content.milestone.map(MilestoneInput::as_str))
            .bind(content.milestone_share)
            .bind(demo as i64)
            .bind(by.user_id)
            .bind(at)
            .persistent(false) // NULL f64 on PostgreSQL: see `plan::insert_target`
            .fetch_one(&mut **tx)
            .await?;
            write_content(tx, id, content, period_end).await?;
            record_event(
                tx,
                id,
                "create",
                ReportState::Draft,
                ReportState::Draft,
                by.user_id,
                at,
                None,
                None,
            )
            .await?;
            Ok(id)
        }
        DraftWrite::Update {
            id,
            state,
            version,
            period_end,
        } => {
            let done = sqlx::query(
                "UPDATE report SET progress = $1, problems = $2, next_steps = $3, milestone = $4, milestone_share = $5,
                   version = version + 1, updated_at = $6
                 WHERE id = $7 AND state = $8 AND version = $9",
            )
            .bind(content.progress.trim())
            .bind(content.problems.trim())
            .bind(content.next_steps.trim())
            .bind(content.milestone.map(MilestoneInput::as_str))
            .bind(content.milestone_share)
            .bind(at)
            .bind(id)
            .bind(state.as_str())
            .bind(version)
            .persistent(false) // NULL f64 on PostgreSQL: see `plan::insert_target`
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict.into());
            }
            write_content(tx, id, content, period_end).await?;
            record_event(tx, id, "edit", state, state, by.user_id, at, None, None).await?;
            Ok(id)
        }
    }
}

/// Builds the duty list from loaded rows (pure; see [`Store::report_duties`]).
pub fn duties_of(
    detail: &crate::plan::PlanDetail,
    periods: &[super::period::PeriodRow],
    reports: &[ReportRow],
    returns: &HashMap<i64, i64>,
) -> Vec<ReportDuty> {
    let mut out = Vec::new();
    for task in &detail.tasks {
        let cadence = task.cadence;
        let leads: Vec<_> = detail
            .task_assignments(task.id)
            .filter(|a| a.role == crate::assignment::AssignRole::Lead)
            .collect();
        for p in periods.iter().filter(|p| p.cadence == cadence) {
            for (rank, a) in leads.iter().enumerate() {
                let report = reports.iter().find(|r| {
                    r.task_id == task.id && r.period_id == p.id && r.unit_id == a.unit_id
                });
                out.push(ReportDuty {
                    task_id: task.id,
                    task_number: task.number,
                    task_title: task.title.clone(),
                    unit_id: a.unit_id,
                    unit_code: a.unit_code.clone(),
                    unit_name: a.unit_name.clone(),
                    lead_rank: rank,
                    period_id: p.id,
                    period_key: p.key.clone(),
                    period_label: p.label.clone(),
                    period_end: p.end,
                    due: p.due,
                    report_id: report.map(|r| r.id),
                    state: report.map(|r| r.state),
                    first_submitted: report.and_then(ReportRow::first_submitted_on),
                    accepted_on: report
                        .filter(|r| r.state == ReportState::Accepted)
                        .and_then(ReportRow::reviewed_on),
                    returned_times: report
                        .and_then(|r| returns.get(&r.id).copied())
                        .unwrap_or(0),
                    demo: report.is_some_and(|r| r.demo),
                });
            }
        }
    }
    out
}

/// Today's date in China (for defaults such as the as-of date).
pub fn today() -> NaiveDate {
    china_date(Utc::now())
}
