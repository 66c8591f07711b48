//! Reporting periods of a plan: generated with `duban_core::period::periods` for every
//! cadence the plan's tasks use, due dates on the working-day calendar in force, stored
//! one row per (plan, key) so reports can reference them.

use chrono::NaiveDate;
use duban_core::period::{Cadence, DueRule, periods};

use super::{fmt_date, parse_date};
use crate::column::parse_stored;
use crate::{Result, Store, StoreError};

/// The due rule used for every plan (5 working days after the period ends).
pub const DUE_RULE: DueRule = DueRule::WorkingDaysAfterEnd { days: 5 };

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeriodRow {
    pub id: i64,
    pub plan_id: i64,
    /// Stable key: `2020-Q1`, `2020-M03`.
    pub key: String,
    pub cadence: Cadence,
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

type PeriodTuple = (i64, i64, String, String, String, String, String, String);

fn period_from(t: PeriodTuple) -> Result<PeriodRow> {
    let (id, plan_id, key, cadence, label, start, end, due) = t;
    Ok(PeriodRow {
        id,
        plan_id,
        cadence: parse_stored(&cadence, "cadence", Cadence::parse)?,
        key,
        label,
        start: parse_date(&start)?,
        end: parse_date(&end)?,
        due: parse_date(&due)?,
    })
}

/// The plan's year as periods need it.
fn period_year(plan: &crate::plan::PlanRow) -> Result<i32> {
    plan.year
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(|| StoreError::Invalid("计划未设年份，无法生成报送周期".into()))
}

impl Store {
    /// Creates the plan's missing periods and refreshes due dates that the calendar moved;
    /// writes nothing when all is current. Returns every period of the plan, in order.
    ///
    /// Called by the writes that change what the periods are — import, adoption, a task's
    /// cadence, the plan's year, the calendar, seed/demo load and startup — never by a read:
    /// reads use [`Store::plan_periods`].
    #[tracing::instrument(skip(self))]
    pub async fn ensure_periods(&self, plan_id: i64) -> Result<Vec<PeriodRow>> {
        let plan = self.plan(plan_id).await?;
        let year = period_year(&plan)?;
        let cadences: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT cadence FROM task WHERE plan_id = $1")
                .bind(plan_id)
                .fetch_all(self.pool())
                .await?;
        let cal = self.work_calendar().await?;
        let existing = self.stored_periods(plan_id).await?;
        let mut wanted = Vec::new();
        for (c,) in cadences {
            let c = parse_stored(&c, "cadence", Cadence::parse)?;
            wanted.extend(periods(year, c, DUE_RULE, &cal).into_iter().map(|p| (c, p)));
        }
        let current = |p: &duban_core::period::Period| {
            existing
                .iter()
                .any(|e| e.key == p.key && e.start == p.start && e.end == p.end && e.due == p.due)
        };
        if wanted.iter().all(|(_, p)| current(p)) {
            return Ok(existing);
        }
        let mut tx = self.begin_write().await?;
        for (c, p) in wanted.iter().filter(|(_, p)| !current(p)) {
            sqlx::query(
                "INSERT INTO period (plan_id, key, cadence, label, start_date, end_date, due_date)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (plan_id, key) DO UPDATE SET label = excluded.label,
                   start_date = excluded.start_date, end_date = excluded.end_date, due_date = excluded.due_date",
            )
            .bind(plan_id)
            .bind(&p.key)
            .bind(c.as_str())
            .bind(&p.label)
            .bind(fmt_date(p.start))
            .bind(fmt_date(p.end))
            .bind(fmt_date(p.due))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.stored_periods(plan_id).await
    }

    /// Brings the periods of every plan with a year up to date (startup, calendar edits).
    pub async fn ensure_all_periods(&self) -> Result<()> {
        for plan in self.list_plans().await? {
            if plan.year.is_some() {
                self.ensure_periods(plan.id).await?;
            }
        }
        Ok(())
    }

    /// The plan's periods, read only (GET handlers and status use this). Like
    /// [`Store::ensure_periods`], `Invalid` when the plan has no year.
    pub async fn plan_periods(&self, plan_id: i64) -> Result<Vec<PeriodRow>> {
        period_year(&self.plan(plan_id).await?)?;
        self.stored_periods(plan_id).await
    }

    /// The plan's periods as stored (call [`Store::ensure_periods`] to generate them).
    pub async fn stored_periods(&self, plan_id: i64) -> Result<Vec<PeriodRow>> {
        let rows: Vec<PeriodTuple> = sqlx::query_as(
            "SELECT id, plan_id, key, cadence, label, start_date, end_date, due_date
             FROM period WHERE plan_id = $1 ORDER BY start_date, end_date, key",
        )
        .bind(plan_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(period_from).collect()
    }

    /// The plan's period with this key (`2020-Q1`), if there is one.
    pub async fn period_by_key(&self, plan_id: i64, key: &str) -> Result<Option<PeriodRow>> {
        let row: Option<PeriodTuple> = sqlx::query_as(
            "SELECT id, plan_id, key, cadence, label, start_date, end_date, due_date FROM period
             WHERE plan_id = $1 AND key = $2",
        )
        .bind(plan_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.map(period_from).transpose()
    }

    pub async fn period(&self, id: i64) -> Result<PeriodRow> {
        let row: PeriodTuple = sqlx::query_as(
            "SELECT id, plan_id, key, cadence, label, start_date, end_date, due_date FROM period WHERE id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        period_from(row)
    }
}
