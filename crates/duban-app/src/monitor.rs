//! Monitor (监测预警) use-cases: running the office's stored warning rules
//! (`duban_core::monitor::check`) over the stored series as of a date and raising the new
//! alerts (stored once per rule, region, indicator and period by `duban_store::monitor`),
//! and the office's actions on an alert (a 约谈 goes on the escalation ladder).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use duban_core::calendar::WorkCalendar;
use duban_core::escalation::{EscalationLevel, EscalationRules};
use duban_core::monitor::{Alert, AlertAction, Observation, Series, check};
use duban_io::monitor::{RulesFile, parse_rules};
use duban_store::Store;
use duban_store::monitor::{LadderLink, MonitorAlertRow};
use duban_store::unit::Unit;
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

/// The office's message of an alert: the rule by its description, the value with its unit
/// and two decimals, the condition it met and the date in Chinese, e.g. "增速过低预警：舟山市
/// 服务业增加值 2020年第三季度 同比增速为 -0.93%（条件：同比增速低于 2%）。监测日期 2020年10月31日。"
pub fn alert_text(rules: &RulesFile, a: &Alert, region: &str, as_of: NaiveDate) -> String {
    let name = rules.descriptions.get(&a.rule).unwrap_or(&a.rule);
    let rule = rules.rules.iter().find(|r| r.id == a.rule);
    let (measure, unit) = rule.map_or(("度量值", ""), |r| {
        let unit = if r.measure.is_percent() { "%" } else { "" };
        (r.measure.label_zh(), unit)
    });
    let condition = rule
        .map(|r| format!("（条件：{}）", r.condition_zh(&a.region)))
        .unwrap_or_default();
    format!(
        "{name}：{region} {} {} {measure}为 {:.2}{unit}{condition}。监测日期 {}。",
        a.indicator,
        a.period.label_zh(),
        a.value,
        duban_core::period::zh_date(as_of)
    )
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
    let describe = |a: &Alert, region: &str| alert_text(&rules, a, region, as_of);
    let mut created = store
        .raise_monitor_alerts(as_of, &real, false, describe)
        .await?;
    created.extend(
        store
            .raise_monitor_alerts(as_of, &demo, true, describe)
            .await?,
    );
    Ok(Some(RunOutcome {
        as_of,
        found: alerts.len(),
        created,
    }))
}

/// The response deadline of a 约谈 record: the office's working days for 约谈 on the ladder,
/// counted from the day it is recorded (a 约谈 recorded late still leaves the unit its days).
pub fn interview_deadline(
    rules: &EscalationRules,
    cal: &WorkCalendar,
    today: NaiveDate,
) -> NaiveDate {
    cal.add_working_days(today, rules.response_days(EscalationLevel::Interview))
}

/// The unit a region's 约谈 goes to by default: the unit named like the region (杭州市).
pub fn unit_for_region(units: &[Unit], region_name: &str) -> Option<i64> {
    units.iter().find(|u| u.name == region_name).map(|u| u.id)
}

/// The office acts on an alert: acknowledge, record the 约谈 (with the unit talked to: a
/// 约谈 record on the escalation ladder, its deadline from the office's rules and the work
/// calendar) or close with a note. `today` is the caller's date in China.
#[tracing::instrument(skip(store, action))]
pub async fn act_on_alert(
    store: &Store,
    id: i64,
    action: &AlertAction,
    unit_id: Option<i64>,
    user_id: i64,
    today: NaiveDate,
) -> Result<MonitorAlertRow> {
    let ladder = match action {
        AlertAction::Interview { record } => {
            record
                .check(today)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            let unit_id = unit_id.ok_or_else(|| Error::Invalid("请选择被约谈单位".into()))?;
            let rules = store.escalation_rules().await?;
            let cal = store.work_calendar().await?;
            Some(LadderLink {
                unit_id,
                respond_by: interview_deadline(&rules, &cal, today),
            })
        }
        _ => None,
    };
    Ok(store
        .act_on_monitor_alert(id, action, user_id, ladder)
        .await?)
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_alert_reads_as_the_office_writes_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read_to_string(root.join("data/monitor/rules-seed.toml")).unwrap();
        let rules = parse_rules(&text).unwrap();
        let alert = Alert {
            rule: "growth-low".into(),
            region: "330900".into(),
            indicator: "服务业增加值".into(),
            period: duban_core::monitor::Period::parse("2020-Q3").unwrap(),
            level: duban_core::monitor::Level::Warning,
            value: -0.933237616654714,
        };
        let day = NaiveDate::from_ymd_opt(2020, 10, 31).unwrap();
        assert_eq!(
            alert_text(&rules, &alert, "舟山市", day),
            "累计同比负增长：舟山市 服务业增加值 2020年第三季度 同比增速为 -0.93%（条件：同比增速低于 0%）。监测日期 2020年10月31日。"
        );
    }
    use super::*;
    use duban_core::UnitKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn interview_deadline_counts_working_days_from_today() {
        let cal = WorkCalendar::china();
        let rules = EscalationRules::default();
        // 约谈 answers in 10 working days; Friday 2020-07-31 + 10 → Friday 2020-08-14.
        assert_eq!(rules.response_days(EscalationLevel::Interview), 10);
        assert_eq!(
            interview_deadline(&rules, &cal, d("2020-07-31")),
            d("2020-08-14")
        );
        // Across 国庆/中秋 2020 (10-01 … 10-08 off, Saturday 10-10 worked): from 09-30,
        // the 10 working days are 10-09, 10-10, 10-12 … 10-16, 10-19, 10-20, 10-21.
        assert_eq!(
            interview_deadline(&rules, &cal, d("2020-09-30")),
            d("2020-10-21")
        );
    }

    #[test]
    fn a_region_goes_to_the_unit_of_its_name() {
        let unit = |id, name: &str, kind| Unit {
            id,
            code: format!("u{id}"),
            name: name.into(),
            kind,
            demo: false,
        };
        let units = vec![
            unit(1, "省发展改革委", UnitKind::Department),
            unit(2, "杭州市", UnitKind::City),
            unit(3, "宁波市", UnitKind::City),
        ];
        assert_eq!(unit_for_region(&units, "宁波市"), Some(3));
        assert_eq!(unit_for_region(&units, "浙江省"), None);
    }
}
