//! Monitor (监测预警, issue 13): the indicator catalogue, regions (GB/T 2260), indicator
//! series with vintages, the office's warning rules and alerts with their lifecycle.
//!
//! Rules live in duban-core (`duban_core::monitor`): which vintage is known on a date, the
//! derivations, the rules and the alert lifecycle. This module stores and loads:
//! - values are **appended** (a revision is a new row with its publication date; a trigger
//!   refuses UPDATE); an import is checked together with what is stored (`Series::new` over
//!   both: two values for one period on one date, or mixed frequencies, refuse the whole
//!   file) and written in one transaction with its audit entry;
//! - "as known on D" is [`Store::monitor_known`]: per period the latest vintage published on
//!   or before D;
//! - the rules file is kept as its `duban.monitor/1` text (newest in force), parsed by the
//!   caller (duban-io), so the store does not read file formats;
//! - alerts are unique per (rule, region, indicator, period): running the rules again raises
//!   nothing new; each new alert is audited and notified (the office's inbox and outbox) in
//!   its transaction; actions go through `alert_transition`, guarded by the stored state.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use duban_core::escalation::{EscalationLevel, EscalationState, Trigger};
use duban_core::monitor::{
    Alert, AlertAction, AlertState, Direction, Formula, Frequency, Indicator, Kind, Level,
    Observation, Period, Region, RegionLevel, Regions, Series, SeriesError, alert_transition,
    builtin_indicators,
};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{append_current, commit_audited};
use crate::deliver::evidence::sha256_hex;
use crate::notification::{Audience, NewNotification, notify};
use crate::{Result, Store, StoreError, now};

/// One stored vintage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredValue {
    pub region: String,
    pub indicator: String,
    pub period: Period,
    pub value: f64,
    pub published: NaiveDate,
    pub demo: bool,
    pub import_id: i64,
}

impl StoredValue {
    pub fn observation(&self) -> Observation {
        Observation {
            region: self.region.clone(),
            indicator: self.indicator.clone(),
            period: self.period,
            value: self.value,
            published: Some(self.published),
        }
    }
}

/// An import to store: the file's name, format and bytes (for its SHA-256), the values read.
#[derive(Debug, Clone)]
pub struct NewMonitorImport<'a> {
    pub file_name: &'a str,
    /// `series_csv`, `wide_csv` or `wide_xlsx`.
    pub format: &'a str,
    pub bytes: &'a [u8],
    pub source: &'a str,
    pub demo: bool,
    pub created_by: Option<i64>,
    /// Catalogue entries the file needs that are not stored yet (e.g. `X累计增速`).
    pub new_indicators: &'a [Indicator],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorImport {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub sha256: String,
    pub rows_read: i64,
    pub rows_added: i64,
    pub source: String,
    pub demo: bool,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// The rules file in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorRules {
    pub id: i64,
    pub body: String,
    pub demo: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorAlertRow {
    pub id: i64,
    pub rule: String,
    pub region: String,
    pub region_name: String,
    pub indicator: String,
    pub period: String,
    pub period_label: String,
    pub level: Level,
    pub level_label: &'static str,
    pub value: f64,
    pub as_of: String,
    pub state: AlertState,
    pub state_label: &'static str,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub interview_record: Option<String>,
    pub interviewed_by: Option<String>,
    pub interviewed_at: Option<String>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub demo: bool,
    pub created_at: String,
    /// The 约谈's record on the escalation ladder, once recorded.
    pub escalation: Option<AlertEscalation>,
}

/// The escalation record a 约谈 on an alert raised: the unit talked to, the record's state
/// (the unit answers it with its 整改 measures) and the 约谈 itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEscalation {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub state: EscalationState,
    pub state_label: &'static str,
    pub respond_by: String,
    pub held_on: String,
    pub held_by: String,
    pub attendees: String,
}

/// Where a 约谈 goes on the ladder: the unit talked to and its response deadline (the
/// caller computes it from the office's rules and the work calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LadderLink {
    pub unit_id: i64,
    pub respond_by: NaiveDate,
}

/// A plan target bound to an indicator series (and, for comparisons, a reference series).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitorBinding {
    pub target_id: i64,
    pub indicator: String,
    pub region: String,
    pub reference_indicator: Option<String>,
    pub reference_region: Option<String>,
}

pub fn alert_state_str(s: AlertState) -> &'static str {
    match s {
        AlertState::Raised => "raised",
        AlertState::Acknowledged => "acknowledged",
        AlertState::Interviewed => "interviewed",
        AlertState::Closed => "closed",
    }
}

pub fn parse_alert_state(s: &str) -> Option<AlertState> {
    [
        AlertState::Raised,
        AlertState::Acknowledged,
        AlertState::Interviewed,
        AlertState::Closed,
    ]
    .into_iter()
    .find(|x| alert_state_str(*x) == s)
}

fn alert_subject(id: i64) -> String {
    format!("monitor-alert:{id}")
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v}"))
}

fn value_from_row(r: &AnyRow) -> Result<StoredValue> {
    let period: String = r.try_get("period")?;
    let published: String = r.try_get("published")?;
    Ok(StoredValue {
        region: r.try_get("region")?,
        indicator: r.try_get("indicator")?,
        period: Period::parse(&period).map_err(|_| corrupt("monitor period", &period))?,
        value: r.try_get("value")?,
        published: crate::deliver::parse_date(&published)?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        import_id: r.try_get("import_id")?,
    })
}

fn indicator_from_row(r: &AnyRow) -> Result<Indicator> {
    let frequency: Option<String> = r.try_get("frequency")?;
    let kind: String = r.try_get("kind")?;
    let direction: String = r.try_get("direction")?;
    let numerator: Option<String> = r.try_get("numerator")?;
    let denominator: Option<String> = r.try_get("denominator")?;
    let lag: Option<i64> = r.try_get("release_lag_days")?;
    Ok(Indicator {
        name: r.try_get("name")?,
        unit: r.try_get("unit")?,
        frequency: match frequency {
            None => None,
            Some(f) => Some(Frequency::parse(&f).ok_or_else(|| corrupt("frequency", &f))?),
        },
        kind: Kind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        source: r.try_get("source")?,
        release_lag_days: lag.and_then(|l| u32::try_from(l).ok()),
        formula: match (numerator, denominator) {
            (Some(numerator), Some(denominator)) => Some(Formula::Share {
                numerator,
                denominator,
            }),
            _ => None,
        },
    })
}

fn alert_from_row(r: &AnyRow) -> Result<MonitorAlertRow> {
    let escalation = match r.try_get::<Option<i64>, _>("esc_id")? {
        None => None,
        Some(id) => {
            let state: String = r.try_get("esc_state")?;
            let state = crate::escalation::parse_state(&state)
                .ok_or_else(|| corrupt("escalation state", &state))?;
            Some(AlertEscalation {
                id,
                unit_id: r.try_get("esc_unit_id")?,
                unit_name: r.try_get("esc_unit_name")?,
                state,
                state_label: state.label_zh(),
                respond_by: r.try_get("esc_respond_by")?,
                held_on: r.try_get("esc_held_on")?,
                held_by: r.try_get("esc_held_by")?,
                attendees: r.try_get("esc_attendees")?,
            })
        }
    };
    let level: String = r.try_get("level")?;
    let level = Level::parse(&level).ok_or_else(|| corrupt("alert level", &level))?;
    let state: String = r.try_get("state")?;
    let state = parse_alert_state(&state).ok_or_else(|| corrupt("alert state", &state))?;
    let period: String = r.try_get("period")?;
    Ok(MonitorAlertRow {
        id: r.try_get("id")?,
        rule: r.try_get("rule")?,
        region: r.try_get("region")?,
        region_name: r.try_get("region_name")?,
        indicator: r.try_get("indicator")?,
        period_label: Period::parse(&period)
            .map(Period::label_zh)
            .unwrap_or_else(|_| period.clone()),
        period,
        level,
        level_label: level.label_zh(),
        value: r.try_get("value")?,
        as_of: r.try_get("as_of")?,
        state,
        state_label: state.label_zh(),
        acknowledged_by: r.try_get("acknowledged_by")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        interview_record: r.try_get("interview_record")?,
        interviewed_by: r.try_get("interviewed_by")?,
        interviewed_at: r.try_get("interviewed_at")?,
        close_note: r.try_get("close_note")?,
        closed_by: r.try_get("closed_by")?,
        closed_at: r.try_get("closed_at")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_at: r.try_get("created_at")?,
        escalation,
    })
}

macro_rules! alert_select {
    () => {
        "SELECT a.id, a.rule, a.region, g.name AS region_name, a.indicator,
        a.period, a.level, a.value, a.as_of, a.state,
        ua.name AS acknowledged_by, a.acknowledged_at, a.interview_record,
        ui.name AS interviewed_by, a.interviewed_at, a.close_note,
        uc.name AS closed_by, a.closed_at, a.demo, a.created_at,
        e.id AS esc_id, e.unit_id AS esc_unit_id, eu.name AS esc_unit_name, e.state AS esc_state,
        e.respond_by AS esc_respond_by, ei.held_on AS esc_held_on, ei.held_by AS esc_held_by,
        ei.attendees AS esc_attendees
   FROM monitor_alert a
   JOIN monitor_region g ON g.code = a.region
   LEFT JOIN app_user ua ON ua.id = a.acknowledged_by
   LEFT JOIN app_user ui ON ui.id = a.interviewed_by
   LEFT JOIN app_user uc ON uc.id = a.closed_by
   LEFT JOIN escalation e ON e.alert_id = a.id
   LEFT JOIN unit eu ON eu.id = e.unit_id
   LEFT JOIN escalation_interview ei ON ei.escalation_id = e.id"
    };
}

async fn insert_indicator(conn: &mut sqlx::AnyConnection, i: &Indicator, at: &str) -> Result<()> {
    let (numerator, denominator) = match &i.formula {
        Some(Formula::Share {
            numerator,
            denominator,
        }) => (Some(numerator.as_str()), Some(denominator.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO monitor_indicator (name, unit, frequency, kind, direction, source,
            release_lag_days, numerator, denominator, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (name) DO UPDATE SET unit = excluded.unit, frequency = excluded.frequency,
            kind = excluded.kind, direction = excluded.direction, source = excluded.source,
            release_lag_days = excluded.release_lag_days, numerator = excluded.numerator,
            denominator = excluded.denominator, updated_at = excluded.updated_at",
    )
    .bind(&i.name)
    .bind(&i.unit)
    .bind(i.frequency.map(Frequency::as_str))
    .bind(i.kind.as_str())
    .bind(i.direction.as_str())
    .bind(&i.source)
    .bind(i.release_lag_days.map(i64::from))
    .bind(numerator)
    .bind(denominator)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Where an import's problem is: its `index` counts into the new observations (1-based in
/// the message), as the reader produced them.
fn series_problem(e: &SeriesError, stored: usize) -> String {
    let idx = e.index();
    match e {
        SeriesError::Conflict { other, .. } if *other < stored => format!(
            "第{}条数据：{e}（已存有同一发布日期的另一数值；修订请给出新的发布日期）",
            idx - stored + 1
        ),
        _ if idx >= stored => format!("第{}条数据：{e}", idx - stored + 1),
        _ => e.to_string(),
    }
}

impl Store {
    /// Stores the core's built-in regions (浙江省 and its eleven 设区市) and indicators that
    /// are missing; an existing entry is left as the office changed it. Idempotent.
    pub async fn ensure_monitor_catalogue(&self) -> Result<()> {
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM monitor_region")
            .fetch_one(self.pool())
            .await?;
        let have_ind: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM monitor_indicator")
            .fetch_one(self.pool())
            .await?;
        if have > 0 && have_ind > 0 {
            return Ok(());
        }
        let at = now();
        let mut tx = self.begin_write().await?;
        for r in Regions::zhejiang().all() {
            sqlx::query(
                "INSERT INTO monitor_region (code, name, level, parent, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
            )
            .bind(&r.code)
            .bind(&r.name)
            .bind(r.level.as_str())
            .bind(r.parent.as_deref())
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        let builtin = builtin_indicators();
        for i in &builtin {
            let exists: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM monitor_indicator WHERE name = $1")
                    .bind(&i.name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                insert_indicator(&mut tx, i, &at).await?;
            }
        }
        commit_audited(
            tx,
            "monitor.catalogue",
            "settings:monitor-catalogue",
            &json!({
                "regions": Regions::zhejiang().all().iter().map(|r| &r.code).collect::<Vec<_>>(),
                "indicators": builtin.iter().map(|i| &i.name).collect::<Vec<_>>(),
            }),
        )
        .await
    }

    pub async fn monitor_regions(&self) -> Result<Regions> {
        let rows = sqlx::query(
            "SELECT code, name, level, parent FROM monitor_region
             ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, code",
        )
        .fetch_all(self.pool())
        .await?;
        let mut regions = Regions::default();
        for r in &rows {
            let level: String = r.try_get("level")?;
            let level = RegionLevel::parse(&level).ok_or_else(|| corrupt("level", &level))?;
            let code: String = r.try_get("code")?;
            let parent: Option<String> = r.try_get("parent")?;
            regions
                .add(
                    &code,
                    &r.try_get::<String, _>("name")?,
                    level,
                    parent.as_deref(),
                )
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        Ok(regions)
    }

    /// Adds a county (or city) under a stored region.
    pub async fn add_monitor_region(&self, region: &Region) -> Result<()> {
        let mut regions = self.monitor_regions().await?;
        regions
            .add(
                &region.code,
                &region.name,
                region.level,
                region.parent.as_deref(),
            )
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO monitor_region (code, name, level, parent, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&region.code)
        .bind(&region.name)
        .bind(region.level.as_str())
        .bind(region.parent.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        commit_audited(
            tx,
            "monitor.catalogue",
            "settings:monitor-catalogue",
            &json!({"region": region}),
        )
        .await
    }

    pub async fn monitor_indicators(&self) -> Result<Vec<Indicator>> {
        self.fetch_rows(
            sqlx::query("SELECT * FROM monitor_indicator ORDER BY id"),
            indicator_from_row,
        )
        .await
    }

    pub async fn monitor_indicator(&self, name: &str) -> Result<Indicator> {
        self.fetch_row(
            sqlx::query("SELECT * FROM monitor_indicator WHERE name = $1").bind(name),
            indicator_from_row,
        )
        .await
    }

    /// Every stored vintage (of one indicator, or all), by indicator, region, period, date.
    pub async fn monitor_values(&self, indicator: Option<&str>) -> Result<Vec<StoredValue>> {
        let rows = match indicator {
            Some(i) => {
                sqlx::query(
                    "SELECT region, indicator, period, value, published, demo, import_id
                     FROM monitor_value WHERE indicator = $1
                     ORDER BY indicator, region, period, published",
                )
                .bind(i)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT region, indicator, period, value, published, demo, import_id
                     FROM monitor_value ORDER BY indicator, region, period, published",
                )
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(value_from_row).collect()
    }

    /// The stored vintages as a core [`Series`] (stored values always form one).
    pub async fn monitor_series(&self, indicator: Option<&str>) -> Result<Series> {
        let obs: Vec<Observation> = self
            .monitor_values(indicator)
            .await?
            .iter()
            .map(StoredValue::observation)
            .collect();
        Series::new(&obs).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// One series as known on `as_of`: per period, the latest vintage published on or
    /// before that date (periods with nothing published yet are absent).
    pub async fn monitor_known(
        &self,
        indicator: &str,
        region: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<StoredValue>> {
        let rows = sqlx::query(
            "SELECT region, indicator, period, value, published, demo, import_id
             FROM monitor_value WHERE indicator = $1 AND region = $2 AND published <= $3
             ORDER BY period, published",
        )
        .bind(indicator)
        .bind(region)
        .bind(as_of.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut by_period: BTreeMap<Period, StoredValue> = BTreeMap::new();
        for r in &rows {
            let v = value_from_row(r)?;
            by_period.insert(v.period, v);
        }
        Ok(by_period.into_values().collect())
    }

    /// Stores the values of one file, all or nothing. Regions and indicators must be in the
    /// catalogue (or among `new_indicators`); together with what is stored the values must
    /// form a series (`Series::new`). Identical vintages already stored are skipped; a
    /// different value for a stored (region, indicator, period, published) is refused.
    pub async fn import_monitor_values(
        &self,
        import: &NewMonitorImport<'_>,
        observations: &[Observation],
    ) -> Result<MonitorImport> {
        if observations.is_empty() {
            return Err(StoreError::Invalid("文件中没有数据".into()));
        }
        let regions = self.monitor_regions().await?;
        let mut catalogue = self.monitor_indicators().await?;
        catalogue.extend(import.new_indicators.iter().cloned());
        for (k, o) in observations.iter().enumerate() {
            if regions.get(&o.region).is_none() {
                return Err(StoreError::Invalid(format!(
                    "第{}条数据：地区代码“{}”不在地区表中",
                    k + 1,
                    o.region
                )));
            }
            let Some(ind) = catalogue.iter().find(|i| i.name == o.indicator) else {
                return Err(StoreError::Invalid(format!(
                    "第{}条数据：指标“{}”不在指标目录中",
                    k + 1,
                    o.indicator
                )));
            };
            if ind.formula.is_some() {
                return Err(StoreError::Invalid(format!(
                    "第{}条数据：指标“{}”由公式计算，不能导入",
                    k + 1,
                    o.indicator
                )));
            }
            if let Some(f) = ind.frequency
                && f != o.period.frequency()
            {
                return Err(StoreError::Invalid(format!(
                    "第{}条数据：指标“{}”为{}数据，{} 不是",
                    k + 1,
                    o.indicator,
                    f.label_zh(),
                    o.period
                )));
            }
        }
        let names: BTreeSet<&str> = observations.iter().map(|o| o.indicator.as_str()).collect();
        let mut all: Vec<Observation> = Vec::new();
        for n in &names {
            all.extend(
                self.monitor_values(Some(n))
                    .await?
                    .iter()
                    .map(StoredValue::observation),
            );
        }
        let stored = all.len();
        all.extend(observations.iter().map(|o| Observation {
            published: Some(o.known_from()),
            ..o.clone()
        }));
        Series::new(&all).map_err(|e| StoreError::Invalid(series_problem(&e, stored)))?;

        let at = now();
        let sha = sha256_hex(import.bytes);
        let mut tx = self.begin_write().await?;
        for i in import.new_indicators {
            insert_indicator(&mut tx, i, &at).await?;
        }
        let import_id: i64 = sqlx::query_scalar(
            "INSERT INTO monitor_import (file_name, format, sha256, rows_read, rows_added,
                source, demo, created_by, created_at)
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8) RETURNING id",
        )
        .bind(import.file_name)
        .bind(import.format)
        .bind(&sha)
        .bind(observations.len() as i64)
        .bind(import.source)
        .bind(i64::from(import.demo))
        .bind(import.created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let mut added = 0i64;
        for o in &all[stored..] {
            let r = sqlx::query(
                "INSERT INTO monitor_value (region, indicator, period, value, published,
                    import_id, demo, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (region, indicator, period, published) DO NOTHING",
            )
            .bind(&o.region)
            .bind(&o.indicator)
            .bind(o.period.to_string())
            .bind(o.value)
            .bind(o.known_from().to_string())
            .bind(import_id)
            .bind(i64::from(import.demo))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            added += r.rows_affected() as i64;
        }
        sqlx::query("UPDATE monitor_import SET rows_added = $1 WHERE id = $2")
            .bind(added)
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            "monitor.import",
            &format!("monitor-import:{import_id}"),
            &json!({
                "file": import.file_name, "format": import.format, "sha256": sha,
                "rows": observations.len(), "added": added, "indicators": names,
                "demo": import.demo,
            }),
        )
        .await?;
        self.monitor_import(import_id).await
    }

    pub async fn monitor_import(&self, id: i64) -> Result<MonitorImport> {
        self.monitor_imports()
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Imports, newest first.
    pub async fn monitor_imports(&self) -> Result<Vec<MonitorImport>> {
        let query = sqlx::query(
            "SELECT i.id, i.file_name, i.format, i.sha256, i.rows_read, i.rows_added, i.source,
                    i.demo, u.name AS created_by, i.created_at
             FROM monitor_import i LEFT JOIN app_user u ON u.id = i.created_by
             ORDER BY i.id DESC",
        );
        self.fetch_rows(query, |r| {
            Ok(MonitorImport {
                id: r.try_get("id")?,
                file_name: r.try_get("file_name")?,
                format: r.try_get("format")?,
                sha256: r.try_get("sha256")?,
                rows_read: r.try_get("rows_read")?,
                rows_added: r.try_get("rows_added")?,
                source: r.try_get("source")?,
                demo: r.try_get::<i64, _>("demo")? != 0,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .await
    }

    /// The rules file in force (the newest), if any.
    pub async fn monitor_rules(&self) -> Result<Option<MonitorRules>> {
        let row = sqlx::query(
            "SELECT id, body, demo, created_at FROM monitor_rules ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(MonitorRules {
                id: r.try_get("id")?,
                body: r.try_get("body")?,
                demo: r.try_get::<i64, _>("demo")? != 0,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Saves a rules file (already parsed and validated by the caller) and the indicators
    /// it defines into the catalogue, in one transaction.
    pub async fn set_monitor_rules(
        &self,
        body: &str,
        indicators: &[Indicator],
        demo: bool,
        by: Option<i64>,
    ) -> Result<MonitorRules> {
        let at = now();
        let mut tx = self.begin_write().await?;
        for i in indicators {
            insert_indicator(&mut tx, i, &at).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO monitor_rules (body, demo, created_by, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(body)
        .bind(i64::from(demo))
        .bind(by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        commit_audited(
            tx,
            "monitor.rules",
            "settings:monitor",
            &json!({"id": id, "sha256": sha256_hex(body.as_bytes()), "body": body}),
        )
        .await?;
        Ok(MonitorRules {
            id,
            body: body.to_string(),
            demo,
            created_at: at,
        })
    }

    /// Stores the alerts a run of the rules found that are not stored yet (unique per rule,
    /// region, indicator and period), each with its audit entry and the office's
    /// notification in one transaction. Returns the ids created.
    /// `describe` gives the notification's text of an alert (its region's name given).
    pub async fn raise_monitor_alerts(
        &self,
        as_of: NaiveDate,
        alerts: &[Alert],
        demo: bool,
        describe: impl Fn(&Alert, &str) -> String,
    ) -> Result<Vec<i64>> {
        let regions = self.monitor_regions().await?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let mut created = Vec::new();
        for a in alerts {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO monitor_alert (rule, region, indicator, period, level, value, as_of,
                    state, demo, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'raised', $8, $9)
                 ON CONFLICT (rule, region, indicator, period) DO NOTHING RETURNING id",
            )
            .bind(&a.rule)
            .bind(&a.region)
            .bind(&a.indicator)
            .bind(a.period.to_string())
            .bind(a.level.label_zh())
            .bind(a.value)
            .bind(as_of.to_string())
            .bind(i64::from(demo))
            .bind(&at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else { continue };
            let region = regions
                .get(&a.region)
                .map_or(a.region.as_str(), |r| &r.name);
            let payload = json!({
                "id": id, "rule": a.rule, "region": a.region, "indicator": a.indicator,
                "period": a.period.to_string(), "level": a.level.label_zh(), "value": a.value,
                "as_of": as_of.to_string(), "demo": demo,
            });
            append_current(&mut tx, "monitor.alert.raise", &alert_subject(id), &payload).await?;
            notify(
                &mut tx,
                &Audience::Role("admin".into()),
                &NewNotification {
                    event: "monitor.alert.raised".into(),
                    // An alert on 示例数据 says so, as a demo report's messages do.
                    subject: format!(
                        "【监测{}】{region} {} {}{}",
                        a.level.label_zh(),
                        a.indicator,
                        a.period.label_zh(),
                        if demo { "（示例数据）" } else { "" }
                    ),
                    body_text: if demo {
                        format!("{}（基于示例数据，并非统计数据。）", describe(a, region))
                    } else {
                        describe(a, region)
                    },
                    link: Some(format!("/monitor/alerts/{id}")),
                    payload,
                },
            )
            .await?;
            created.push(id);
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Alerts, newest first; `state` filters.
    pub async fn monitor_alerts(&self, state: Option<AlertState>) -> Result<Vec<MonitorAlertRow>> {
        let rows = match state {
            Some(s) => {
                sqlx::query(concat!(
                    alert_select!(),
                    " WHERE a.state = $1 ORDER BY a.id DESC"
                ))
                .bind(alert_state_str(s))
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(concat!(alert_select!(), " ORDER BY a.id DESC"))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(alert_from_row).collect()
    }

    pub async fn monitor_alert(&self, id: i64) -> Result<MonitorAlertRow> {
        self.fetch_row(
            sqlx::query(concat!(alert_select!(), " WHERE a.id = $1")).bind(id),
            alert_from_row,
        )
        .await
    }

    /// Acknowledge, record the 约谈 or close with a note (the office; the caller checks the
    /// role), through `alert_transition`; a concurrent change gives `Conflict`.
    ///
    /// A 约谈 needs its place on the ladder (`ladder`: the unit talked to and its response
    /// deadline): in the same transaction it raises a 约谈 escalation record for that unit
    /// (linked to the alert, with the 约谈's who/when/whom/outcome), audited under the alert
    /// and notified to the unit, as the escalation rules' records are.
    pub async fn act_on_monitor_alert(
        &self,
        id: i64,
        action: &AlertAction,
        user_id: i64,
        ladder: Option<LadderLink>,
    ) -> Result<MonitorAlertRow> {
        let current = self.monitor_alert(id).await?;
        let next = alert_transition(current.state, action)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let unit = match (action, ladder) {
            (AlertAction::Interview { .. }, None) => {
                return Err(StoreError::Invalid("约谈须指明被约谈单位".into()));
            }
            (AlertAction::Interview { .. }, Some(l)) => match self.unit(l.unit_id).await {
                Ok(u) => Some(u),
                Err(StoreError::NotFound) => {
                    return Err(StoreError::Invalid("被约谈单位不存在".into()));
                }
                Err(e) => return Err(e),
            },
            _ => None,
        };
        let at = now();
        let (text, name, event, what) = match action {
            AlertAction::Acknowledge => (
                "",
                "monitor.alert.acknowledge",
                "monitor.alert.acknowledged",
                "已确认",
            ),
            AlertAction::Interview { record } => (
                record.outcome.trim(),
                "monitor.alert.interview",
                "monitor.alert.interviewed",
                "已记录约谈",
            ),
            AlertAction::Close { note } => (
                note.trim(),
                "monitor.alert.close",
                "monitor.alert.closed",
                "已关闭",
            ),
        };
        let mut tx = self.begin_write().await?;
        let (from, to) = (alert_state_str(current.state), alert_state_str(next));
        // Each step stamps its own columns; the interview record and the close note go in $6.
        let sql = match action {
            AlertAction::Acknowledge => {
                "UPDATE monitor_alert SET state = $1, acknowledged_by = $2, acknowledged_at = $3
                 WHERE id = $4 AND state = $5"
            }
            AlertAction::Interview { .. } => {
                "UPDATE monitor_alert SET state = $1, interviewed_by = $2, interviewed_at = $3,
                    interview_record = $6 WHERE id = $4 AND state = $5"
            }
            AlertAction::Close { .. } => {
                "UPDATE monitor_alert SET state = $1, closed_by = $2, closed_at = $3,
                    close_note = $6 WHERE id = $4 AND state = $5"
            }
        };
        let mut query = sqlx::query(sql)
            .bind(to)
            .bind(user_id)
            .bind(&at)
            .bind(id)
            .bind(from);
        if !matches!(action, AlertAction::Acknowledge) {
            query = query.bind(text);
        }
        let r = query.execute(&mut *tx).await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        let subject_line = format!(
            "{} {} {}",
            current.region_name, current.indicator, current.period_label
        );
        let mut escalation_id = None;
        if let (AlertAction::Interview { record }, Some(unit), Some(link)) = (action, &unit, ladder)
        {
            let trigger = Trigger::MonitorAlert {
                alert_id: id,
                subject: subject_line.clone(),
                level: current.level_label.to_string(),
            };
            let reason = trigger.reason_zh();
            let level = EscalationLevel::Interview;
            let eid: i64 = sqlx::query_scalar(
                "INSERT INTO escalation (plan_id, task_id, alert_id, unit_id, ident, level, level_rank,
                     trigger_json, reason, raised_on, respond_by, demo, created_at)
                 VALUES (NULL, NULL, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(id)
            .bind(unit.id)
            .bind(format!("monitor-alert:{id}:{}", level.as_str()))
            .bind(level.as_str())
            .bind(level as i64)
            .bind(serde_json::to_string(&trigger).unwrap_or_else(|_| "{}".into()))
            .bind(&reason)
            .bind(record.held_on.to_string())
            .bind(link.respond_by.to_string())
            .bind(i64::from(current.demo))
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO escalation_interview (escalation_id, held_on, held_by, attendees,
                    outcome, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(eid)
            .bind(record.held_on.to_string())
            .bind(record.held_by.trim())
            .bind(record.attendees.trim())
            .bind(text)
            .bind(user_id)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            let payload = json!({
                "id": eid, "alert_id": id, "unit_id": unit.id, "level": level.as_str(),
                "reason": reason, "raised_on": record.held_on.to_string(),
                "respond_by": link.respond_by.to_string(), "demo": current.demo,
                "interview": {
                    "held_on": record.held_on.to_string(), "held_by": record.held_by.trim(),
                    "attendees": record.attendees.trim(), "outcome": text,
                },
            });
            append_current(
                &mut tx,
                "escalation.raise",
                &crate::escalation::alert_escalation_subject(id, eid),
                &payload,
            )
            .await?;
            notify(
                &mut tx,
                &Audience::Unit(unit.id),
                &NewNotification {
                    event: "escalation.raised".into(),
                    subject: format!("【约谈】{reason}"),
                    body_text: format!(
                        "{}，{} 就{}约谈{}（{}）。\n约谈记录：{text}\n请于 {} 前反馈整改措施。{}",
                        duban_core::period::zh_date(record.held_on),
                        record.held_by.trim(),
                        subject_line,
                        unit.name,
                        record.attendees.trim(),
                        duban_core::period::zh_date(link.respond_by),
                        if current.demo {
                            "（示例数据）"
                        } else {
                            ""
                        }
                    ),
                    link: Some(format!("/escalations/{eid}")),
                    payload,
                },
            )
            .await?;
            escalation_id = Some(eid);
        }
        let payload = json!({
            "id": id, "from": alert_state_str(current.state), "to": alert_state_str(next),
            "text": text, "escalation_level": action.escalation_level().map(|l| l.as_str()),
            "escalation_id": escalation_id,
        });
        append_current(&mut tx, name, &alert_subject(id), &payload).await?;
        notify(
            &mut tx,
            &Audience::Role("admin".into()),
            &NewNotification {
                event: event.into(),
                subject: format!("【监测{}】{subject_line}：{what}", current.level_label),
                body_text: text.to_string(),
                link: Some(format!("/monitor/alerts/{id}")),
                payload,
            },
        )
        .await?;
        tx.commit().await?;
        self.monitor_alert(id).await
    }

    /// Binds a plan target to an indicator series (replacing an earlier binding).
    pub async fn set_monitor_binding(&self, b: &MonitorBinding) -> Result<()> {
        let target: Option<(i64,)> = sqlx::query_as("SELECT id FROM target WHERE id = $1")
            .bind(b.target_id)
            .fetch_optional(self.pool())
            .await?;
        if target.is_none() {
            return Err(StoreError::NotFound);
        }
        let regions = self.monitor_regions().await?;
        let catalogue = self.monitor_indicators().await?;
        for (ind, reg) in [
            (Some(&b.indicator), Some(&b.region)),
            (b.reference_indicator.as_ref(), b.reference_region.as_ref()),
        ] {
            if let Some(i) = ind
                && !catalogue.iter().any(|c| &c.name == i)
            {
                return Err(StoreError::Invalid(format!("指标“{i}”不在指标目录中")));
            }
            if let Some(r) = reg
                && regions.get(r).is_none()
            {
                return Err(StoreError::Invalid(format!("地区代码“{r}”不在地区表中")));
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO monitor_binding (target_id, indicator, region, reference_indicator,
                reference_region, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (target_id) DO UPDATE SET indicator = excluded.indicator,
                region = excluded.region, reference_indicator = excluded.reference_indicator,
                reference_region = excluded.reference_region, created_at = excluded.created_at",
        )
        .bind(b.target_id)
        .bind(&b.indicator)
        .bind(&b.region)
        .bind(b.reference_indicator.as_deref())
        .bind(b.reference_region.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        commit_audited(
            tx,
            "monitor.bind",
            &format!("target:{}", b.target_id),
            &json!(b),
        )
        .await
    }

    /// Unbinds a target (its light comes from reports again; a headline goal is untracked).
    pub async fn remove_monitor_binding(&self, target_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM monitor_binding WHERE target_id = $1")
            .bind(target_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        commit_audited(
            tx,
            "monitor.bind",
            &format!("target:{target_id}"),
            &json!({"target_id": target_id, "removed": true}),
        )
        .await
    }

    /// The bindings of a plan's targets.
    pub async fn monitor_bindings(&self, plan_id: i64) -> Result<Vec<MonitorBinding>> {
        let query = sqlx::query(
            "SELECT b.target_id, b.indicator, b.region, b.reference_indicator, b.reference_region
             FROM monitor_binding b JOIN target t ON t.id = b.target_id
             WHERE t.plan_id = $1 ORDER BY b.target_id",
        )
        .bind(plan_id);
        self.fetch_rows(query, |r| {
            Ok(MonitorBinding {
                target_id: r.try_get("target_id")?,
                indicator: r.try_get("indicator")?,
                region: r.try_get("region")?,
                reference_indicator: r.try_get("reference_indicator")?,
                reference_region: r.try_get("reference_region")?,
            })
        })
        .await
    }
}
