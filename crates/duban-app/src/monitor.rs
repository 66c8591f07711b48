//! Monitor (监测预警) use-cases: running the office's stored warning rules
//! (`duban_core::monitor::check`) over the stored series as of a date and raising the new
//! alerts (stored once per rule, region, indicator and period by `duban_store::monitor`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use duban_core::monitor::{Observation, Series, check};
use duban_io::monitor::{RulesFile, parse_rules};
use duban_store::Store;
use serde::Serialize;

use crate::{Error, Result};

/// The stored rules file, parsed (`None` when the office has not set one).
pub async fn stored_rules(store: &Store) -> Result<Option<RulesFile>, Error> {
    match store.monitor_rules().await? {
        None => Ok(None),
        Some(r) => parse_rules(&r.body)
            .map(Some)
            .map_err(|e| Error::Internal(format!("stored monitor rules: {e}"))),
    }
}

/// What running the rules did.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub as_of: NaiveDate,
    /// Alerts the rules give at that date (stored before or now).
    pub found: usize,
    /// Ids of the alerts raised by this run.
    pub created: Vec<i64>,
}

/// Runs the stored rules over the stored series as of a date and raises the new alerts
/// (an alert on 示例数据 series is flagged demo).
pub async fn run_rules(store: &Store, as_of: NaiveDate) -> Result<RunOutcome, Error> {
    run_stored_rules(store, as_of)
        .await?
        .ok_or_else(|| Error::Invalid("尚未设置预警规则".into()))
}

/// [`run_rules`], or `None` when the office has set no rules yet (the background tick).
#[tracing::instrument(skip(store))]
pub async fn run_stored_rules(store: &Store, as_of: NaiveDate) -> Result<Option<RunOutcome>> {
    let Some(rules) = stored_rules(store).await? else {
        return Ok(None);
    };
    let values = store.monitor_values(None).await?;
    let demo_keys: BTreeSet<(String, String)> = values
        .iter()
        .filter(|v| v.demo)
        .map(|v| (v.region.clone(), v.indicator.clone()))
        .collect();
    let obs: Vec<Observation> = values.iter().map(|v| v.observation()).collect();
    let series = Series::new(&obs).map_err(|e| Error::Internal(e.to_string()))?;
    let alerts = check(&rules.indicators, &series, &rules.rules, as_of)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let (demo, real): (Vec<_>, Vec<_>) = alerts
        .iter()
        .cloned()
        .partition(|a| demo_keys.contains(&(a.region.clone(), a.indicator.clone())));
    let mut created = store.raise_monitor_alerts(as_of, &real, false).await?;
    created.extend(store.raise_monitor_alerts(as_of, &demo, true).await?);
    Ok(Some(RunOutcome {
        as_of,
        found: alerts.len(),
        created,
    }))
}
