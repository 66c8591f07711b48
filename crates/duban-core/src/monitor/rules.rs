//! Warning rules and their evaluation as of a date (`duban.monitor/1`, alerts
//! `duban.alerts/1`). The reading of the contract is in `docs/monitor-method.md`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalogue::{Direction, Indicator};
use super::derive::{Measure, measure};
use super::period::Period;
use super::series::Series;

/// Alert levels, mildest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum Level {
    #[serde(rename = "提示")]
    Hint,
    #[default]
    #[serde(rename = "预警")]
    Warning,
    #[serde(rename = "严重")]
    Severe,
}

impl Level {
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Hint => "提示",
            Level::Warning => "预警",
            Level::Severe => "严重",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::Hint, Level::Warning, Level::Severe]
            .into_iter()
            .find(|l| l.label_zh() == s)
    }
}

/// Strict bounds on a measure: alert when `measure < below` / `measure > above`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Threshold {
    pub below: Option<f64>,
    pub above: Option<f64>,
}

impl Threshold {
    fn is_empty(&self) -> bool {
        self.below.is_none() && self.above.is_none()
    }

    /// Every bound given holds.
    fn holds(&self, v: f64) -> bool {
        self.below.is_none_or(|b| v < b) && self.above.is_none_or(|a| v > a)
    }
}

/// Gap to the plan's target: alert when the measure falls short of `target` by more than
/// `max_gap` (shortfall judged by the indicator's direction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetGap {
    pub target: f64,
    pub max_gap: f64,
}

/// One warning rule. Every condition it states must hold for an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub indicator: String,
    pub measure: Measure,
    pub threshold: Threshold,
    /// 一城一策: a region's own bounds replace `threshold` for that region.
    pub region_thresholds: BTreeMap<String, Threshold>,
    pub consecutive_declines: Option<u32>,
    pub bottom: Option<u32>,
    /// With `bottom`: rank a period only when at least this many regions have a computed
    /// measure for it (two cities reported of eleven are not "the two lowest"). None: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_peers: Option<u32>,
    pub target_gap: Option<TargetGap>,
    pub level: Level,
}

impl Rule {
    /// A rule with no condition yet.
    pub fn new(id: &str, indicator: &str, measure: Measure) -> Rule {
        Rule {
            id: id.to_string(),
            indicator: indicator.to_string(),
            measure,
            threshold: Threshold::default(),
            region_thresholds: BTreeMap::new(),
            consecutive_declines: None,
            bottom: None,
            min_peers: None,
            target_gap: None,
            level: Level::Warning,
        }
    }

    /// The rule's conditions for `region` as an office reads them, e.g. "同比增速低于 2；全省末 2
    /// 位（至少 6 个地区有数时）" (一城一策 bounds replace the general ones for their region).
    pub fn condition_zh(&self, region: &str) -> String {
        let measure = self.measure.label_zh();
        let unit = if self.measure.is_percent() { "%" } else { "" };
        let t = self
            .region_thresholds
            .get(region)
            .unwrap_or(&self.threshold);
        let mut parts = Vec::new();
        match (t.below, t.above) {
            (Some(b), Some(a)) => parts.push(format!("{measure}在 {a}{unit} 与 {b}{unit} 之间")),
            (Some(b), None) => parts.push(format!("{measure}低于 {b}{unit}")),
            (None, Some(a)) => parts.push(format!("{measure}高于 {a}{unit}")),
            (None, None) => {}
        }
        if let Some(n) = self.consecutive_declines {
            parts.push(format!("{measure}连续 {n} 期下降"));
        }
        if let Some(k) = self.bottom {
            let floor = self
                .min_peers
                .map(|m| format!("（至少 {m} 个地区有数时）"))
                .unwrap_or_default();
            parts.push(format!("{measure}居末 {k} 位{floor}"));
        }
        if let Some(g) = self.target_gap {
            parts.push(format!(
                "{measure}低于目标 {}{unit} 超过 {}{unit}",
                g.target, g.max_gap
            ));
        }
        parts.join("；")
    }

    fn has_condition(&self) -> bool {
        !self.threshold.is_empty()
            || !self.region_thresholds.is_empty()
            || self.consecutive_declines.is_some()
            || self.bottom.is_some()
            || self.target_gap.is_some()
    }
}

/// One alert, as the `duban.alerts/1` JSON lists it (field order = output order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub rule: String,
    pub region: String,
    pub indicator: String,
    pub period: Period,
    pub level: Level,
    /// The rule's measure at `period`.
    pub value: f64,
}

/// Rules that cannot be checked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("规则 {0} 重复")]
    DuplicateRule(String),
    #[error("规则 {rule} 的指标“{indicator}”未在 [[indicator]] 中定义")]
    UnknownIndicator { rule: String, indicator: String },
    #[error("指标“{0}”重复定义")]
    DuplicateIndicator(String),
    #[error("规则 {0} 没有任何条件（below、above、consecutive_declines、bottom 或 target）")]
    NoCondition(String),
    #[error("规则 {rule} 的 {field} 必须至少为 1")]
    ZeroCount { rule: String, field: &'static str },
    #[error("规则 {rule} 的 {field} 不是有限数")]
    NotFinite { rule: String, field: &'static str },
    #[error("指标“{indicator}”定义为{declared}，但数据是{found}")]
    FrequencyMismatch {
        indicator: String,
        declared: &'static str,
        found: &'static str,
    },
}

/// Check that rules and catalogue fit together (before any data is read).
pub fn validate(catalogue: &[Indicator], rules: &[Rule]) -> Result<(), RuleError> {
    let mut names = BTreeSet::new();
    for i in catalogue {
        if !names.insert(i.name.as_str()) {
            return Err(RuleError::DuplicateIndicator(i.name.clone()));
        }
    }
    let mut ids = BTreeSet::new();
    for r in rules {
        if !ids.insert(r.id.as_str()) {
            return Err(RuleError::DuplicateRule(r.id.clone()));
        }
        if !names.contains(r.indicator.as_str()) {
            return Err(RuleError::UnknownIndicator {
                rule: r.id.clone(),
                indicator: r.indicator.clone(),
            });
        }
        if !r.has_condition() {
            return Err(RuleError::NoCondition(r.id.clone()));
        }
        for (field, n) in [
            ("consecutive_declines", r.consecutive_declines),
            ("bottom", r.bottom),
            ("min_peers", r.min_peers),
        ] {
            if n == Some(0) {
                return Err(RuleError::ZeroCount {
                    rule: r.id.clone(),
                    field,
                });
            }
        }
        let bounds = std::iter::once(&r.threshold).chain(r.region_thresholds.values());
        let mut numbers: Vec<(&'static str, f64)> = bounds
            .flat_map(|t| [("below", t.below), ("above", t.above)])
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .collect();
        if let Some(g) = r.target_gap {
            numbers.extend([("target", g.target), ("max_gap", g.max_gap)]);
        }
        if let Some((field, _)) = numbers.iter().find(|(_, v)| !v.is_finite()) {
            return Err(RuleError::NotFinite {
                rule: r.id.clone(),
                field,
            });
        }
    }
    Ok(())
}

/// Every rule, for every region, at that region's latest period known on `as_of`; alerts
/// sorted by rule id, then region.
pub fn check(
    catalogue: &[Indicator],
    series: &Series,
    rules: &[Rule],
    as_of: NaiveDate,
) -> Result<Vec<Alert>, RuleError> {
    validate(catalogue, rules)?;
    for ind in catalogue {
        if let (Some(declared), Some(found)) = (ind.frequency, series.frequency(&ind.name))
            && declared != found
        {
            return Err(RuleError::FrequencyMismatch {
                indicator: ind.name.clone(),
                declared: declared.label_zh(),
                found: found.label_zh(),
            });
        }
    }
    let mut alerts = Vec::new();
    for rule in rules {
        let ind = catalogue
            .iter()
            .find(|i| i.name == rule.indicator)
            .expect("validated");
        alerts.extend(check_rule(ind, series, rule, as_of));
    }
    alerts.sort_by(|a, b| (&a.rule, &a.region).cmp(&(&b.rule, &b.region)));
    Ok(alerts)
}

/// What one region shows for one rule: its latest known period and the measure there.
struct Subject<'a> {
    region: &'a str,
    period: Period,
    value: Option<f64>,
}

fn check_rule(ind: &Indicator, series: &Series, rule: &Rule, as_of: NaiveDate) -> Vec<Alert> {
    let at = |region: &str, p: Period| {
        measure(
            &series.as_of(region, &ind.name, as_of),
            ind.kind,
            rule.measure,
            p,
        )
        .map(|d| d.value)
    };
    let subjects: Vec<Subject> = series
        .regions(&ind.name)
        .filter_map(|region| {
            let period = series.as_of(region, &ind.name, as_of).latest()?;
            Some(Subject {
                region,
                period,
                value: at(region, period),
            })
        })
        .collect();
    // The K-th lowest computed measure among the regions at each period.
    let cutoff: BTreeMap<Period, f64> = match rule.bottom {
        None => BTreeMap::new(),
        Some(k) => {
            let mut by_period: BTreeMap<Period, Vec<f64>> = BTreeMap::new();
            for s in &subjects {
                if let Some(v) = s.value {
                    by_period.entry(s.period).or_default().push(v);
                }
            }
            let enough = |n: usize| rule.min_peers.is_none_or(|m| n >= m as usize);
            by_period
                .into_iter()
                .filter(|(_, vs)| enough(vs.len()))
                .map(|(p, mut vs)| {
                    vs.sort_by(f64::total_cmp);
                    let kth = vs[(k as usize).min(vs.len()) - 1];
                    (p, kth)
                })
                .collect()
        }
    };
    let mut out = Vec::new();
    for s in &subjects {
        let Some(v) = s.value else { continue };
        let threshold = rule
            .region_thresholds
            .get(s.region)
            .unwrap_or(&rule.threshold);
        // A rule whose only conditions are other regions' bounds says nothing about this one.
        let only_bounds = rule.consecutive_declines.is_none()
            && rule.bottom.is_none()
            && rule.target_gap.is_none();
        if !threshold.holds(v) || (only_bounds && threshold.is_empty()) {
            continue;
        }
        if rule.bottom.is_some() && cutoff.get(&s.period).is_none_or(|c| v > *c) {
            continue;
        }
        if let Some(n) = rule.consecutive_declines
            && !declined(|p| at(s.region, p), s.period, n)
        {
            continue;
        }
        if let Some(g) = rule.target_gap {
            let shortfall = match ind.direction {
                Direction::HigherBetter => g.target - v,
                Direction::LowerBetter => v - g.target,
            };
            if shortfall <= g.max_gap {
                continue;
            }
        }
        out.push(Alert {
            rule: rule.id.clone(),
            region: s.region.to_string(),
            indicator: ind.name.clone(),
            period: s.period,
            level: rule.level,
            value: v,
        });
    }
    out
}

/// The measure fell in each of the last `n` steps: the `n + 1` consecutive periods ending at
/// `p` (no gap, across year ends) are all computed and each strictly lower than the one before.
fn declined(at: impl Fn(Period) -> Option<f64>, p: Period, n: u32) -> bool {
    let mut later = match at(p) {
        Some(v) => v,
        None => return false,
    };
    for k in 1..=i64::from(n) {
        let Some(earlier) = p.shift(-k).and_then(&at) else {
            return false;
        };
        if earlier <= later {
            return false;
        }
        later = earlier;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::catalogue::Kind;
    use crate::monitor::period::Frequency;
    use crate::monitor::series::Observation;
    use crate::monitor::test_support::{d, observation};

    fn obs(region: &str, period: &str, value: f64, published: Option<&str>) -> Observation {
        observation(region, "服务业增加值", period, value, published)
    }

    fn cat(kind: Kind) -> Vec<Indicator> {
        vec![Indicator::new(
            "服务业增加值",
            Some(Frequency::Quarterly),
            kind,
        )]
    }

    fn rule(id: &str, m: Measure) -> Rule {
        Rule::new(id, "服务业增加值", m)
    }

    #[test]
    fn threshold_uses_the_latest_known_vintage() {
        // yoy 2020-Q3: first vintage 104/100 → 4 % (< 5 → alert); the revision to 106,
        // published after the as-of date, must not count.
        let s = Series::new(&[
            obs("杭州", "2019-Q3", 100.0, None),
            obs("杭州", "2020-Q3", 104.0, Some("2020-10-20")),
            obs("杭州", "2020-Q3", 106.0, Some("2020-11-20")),
        ])
        .unwrap();
        let mut r = rule("growth-low", Measure::Yoy);
        r.threshold.below = Some(5.0);
        let a = check(
            &cat(Kind::Period),
            &s,
            std::slice::from_ref(&r),
            d("2020-10-31"),
        )
        .unwrap();
        assert_eq!(a.len(), 1);
        assert!((a[0].value - 4.0).abs() < 1e-9);
        assert_eq!(a[0].level, Level::Warning);
        assert_eq!(a[0].period.to_string(), "2020-Q3");
        assert!(
            check(&cat(Kind::Period), &s, &[r], d("2020-11-20"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn threshold_is_strict_and_per_region() {
        let s = Series::new(&[
            obs("a", "2019", 100.0, None),
            obs("a", "2020", 105.0, None),
            obs("b", "2019", 100.0, None),
            obs("b", "2020", 104.0, None),
        ])
        .unwrap();
        let cat = vec![Indicator::new("服务业增加值", None, Kind::Period)];
        let mut r = rule("v", Measure::Value);
        r.threshold.below = Some(105.0);
        let a = check(&cat, &s, std::slice::from_ref(&r), d("2021-01-01")).unwrap();
        assert_eq!(
            a.iter().map(|a| a.region.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        r.region_thresholds.insert(
            "a".into(),
            Threshold {
                below: Some(106.0),
                above: None,
            },
        );
        r.region_thresholds.insert(
            "b".into(),
            Threshold {
                below: None,
                above: Some(104.0),
            },
        );
        let a = check(&cat, &s, std::slice::from_ref(&r), d("2021-01-01")).unwrap();
        assert_eq!(
            a.iter().map(|a| a.region.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
        // Only a region's own bounds: the other regions get no alert.
        r.threshold = Threshold::default();
        r.region_thresholds.remove("b");
        let a = check(&cat, &s, &[r], d("2021-01-01")).unwrap();
        assert_eq!(
            a.iter().map(|a| a.region.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
    }

    #[test]
    fn consecutive_declines_need_n_plus_one_periods_in_a_row() {
        // 当期 of a cumulative series, crossing a year: 2019-Q4 = 130, then 120, 110, 100.
        let rows = [
            ("2019-Q3", 330.0),
            ("2019-Q4", 460.0),
            ("2020-Q1", 120.0),
            ("2020-Q2", 230.0),
            ("2020-Q3", 330.0),
        ];
        let obs_all: Vec<Observation> = rows.iter().map(|(p, v)| obs("a", p, *v, None)).collect();
        let s = Series::new(&obs_all).unwrap();
        let mut r = rule("three-declines", Measure::PeriodValue);
        r.consecutive_declines = Some(3);
        let cat = cat(Kind::Cumulative);
        let a = check(&cat, &s, std::slice::from_ref(&r), d("2020-10-31")).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].value, 100.0);
        // 2019-Q3's 当期 needs 2019-Q2: four declines are not computed.
        r.consecutive_declines = Some(4);
        assert!(
            check(&cat, &s, std::slice::from_ref(&r), d("2020-10-31"))
                .unwrap()
                .is_empty()
        );
        // A missing quarter breaks the run.
        let gap: Vec<Observation> = obs_all
            .iter()
            .filter(|o| o.period.to_string() != "2020-Q1")
            .cloned()
            .collect();
        let s2 = Series::new(&gap).unwrap();
        r.consecutive_declines = Some(1);
        let a = check(&cat, &s2, std::slice::from_ref(&r), d("2020-10-31")).unwrap();
        assert!(a.is_empty(), "{a:?}");
        // Equal is not lower.
        let flat = Series::new(&[
            obs("a", "2020-Q1", 10.0, None),
            obs("a", "2020-Q2", 20.0, None),
            obs("a", "2020-Q3", 30.0, None),
        ])
        .unwrap();
        let a = check(&cat, &flat, &[r], d("2020-10-31")).unwrap();
        assert!(a.is_empty());
    }

    #[test]
    fn conditions_read_in_chinese_with_the_regions_own_bounds() {
        let mut r = rule("growth-low", Measure::Yoy);
        r.threshold.below = Some(0.0);
        r.region_thresholds.insert(
            "330100".into(),
            Threshold {
                below: Some(2.0),
                above: None,
            },
        );
        assert_eq!(r.condition_zh("330200"), "同比增速低于 0%");
        assert_eq!(r.condition_zh("330100"), "同比增速低于 2%");
        let mut b = rule("bottom-two", Measure::Yoy);
        b.bottom = Some(2);
        b.min_peers = Some(6);
        assert_eq!(
            b.condition_zh("x"),
            "同比增速居末 2 位（至少 6 个地区有数时）"
        );
    }

    #[test]
    fn bottom_k_includes_ties_and_only_peers_at_the_same_period() {
        let mut rows = Vec::new();
        // yoy at 2020-Q3: a 2, b 3, c 3, d 8; e's latest is 2020-Q2 (not a peer).
        for (r, v) in [("a", 102.0), ("b", 103.0), ("c", 103.0), ("d", 108.0)] {
            rows.push(obs(r, "2019-Q3", 100.0, None));
            rows.push(obs(r, "2020-Q3", v, None));
        }
        rows.push(obs("e", "2019-Q2", 100.0, None));
        rows.push(obs("e", "2020-Q2", 50.0, None));
        // f's 2020-Q3 is known but its base is not: not computed, not a peer.
        rows.push(obs("f", "2020-Q3", 1.0, None));
        let s = Series::new(&rows).unwrap();
        let mut r = rule("bottom-two", Measure::Yoy);
        r.bottom = Some(2);
        r.level = Level::Hint;
        let a = check(&cat(Kind::Period), &s, &[r.clone()], d("2020-10-31")).unwrap();
        let got: Vec<(&str, String)> = a
            .iter()
            .map(|a| (a.region.as_str(), a.period.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "2020-Q3".into()),
                ("b", "2020-Q3".into()),
                ("c", "2020-Q3".into()),
                ("e", "2020-Q2".into())
            ]
        );
        assert!(a.iter().all(|a| a.level == Level::Hint));
        // min_peers: a period ranked by fewer regions than that raises no 末位 alert (e's
        // 2020-Q2 has one; 2020-Q3 has four).
        let mut few = r.clone();
        few.min_peers = Some(4);
        let a = check(&cat(Kind::Period), &s, &[few.clone()], d("2020-10-31")).unwrap();
        assert_eq!(a.len(), 3, "{a:?}");
        assert!(a.iter().all(|a| a.period.to_string() == "2020-Q3"));
        few.min_peers = Some(5);
        assert!(
            check(&cat(Kind::Period), &s, &[few], d("2020-10-31"))
                .unwrap()
                .is_empty()
        );
        // K larger than the group: everyone at that period.
        r.bottom = Some(10);
        assert_eq!(
            check(&cat(Kind::Period), &s, &[r], d("2020-10-31"))
                .unwrap()
                .len(),
            5
        );
    }

    #[test]
    fn alerts_are_sorted_and_rules_validated() {
        let s = Series::new(&[
            obs("b", "2020-Q3", 1.0, None),
            obs("a", "2020-Q3", 1.0, None),
        ])
        .unwrap();
        let mut r1 = rule("z", Measure::Value);
        r1.threshold.above = Some(0.0);
        let mut r2 = rule("a", Measure::Value);
        r2.threshold.below = Some(2.0);
        let a = check(
            &cat(Kind::Period),
            &s,
            &[r1.clone(), r2.clone()],
            d("2020-10-31"),
        )
        .unwrap();
        let got: Vec<(&str, &str)> = a
            .iter()
            .map(|a| (a.rule.as_str(), a.region.as_str()))
            .collect();
        assert_eq!(got, [("a", "a"), ("a", "b"), ("z", "a"), ("z", "b")]);
        assert!(matches!(
            check(
                &cat(Kind::Period),
                &s,
                &[r2.clone(), r2.clone()],
                d("2020-10-31")
            ),
            Err(RuleError::DuplicateRule(_))
        ));
        let empty = rule("e", Measure::Value);
        assert!(matches!(
            validate(&cat(Kind::Period), &[empty]),
            Err(RuleError::NoCondition(_))
        ));
        let mut other = rule("o", Measure::Value);
        other.indicator = "GDP".into();
        other.bottom = Some(1);
        assert!(matches!(
            validate(&cat(Kind::Period), &[other]),
            Err(RuleError::UnknownIndicator { .. })
        ));
        let monthly = vec![Indicator::new(
            "服务业增加值",
            Some(Frequency::Monthly),
            Kind::Period,
        )];
        assert!(matches!(
            check(&monthly, &s, &[r1], d("2020-10-31")),
            Err(RuleError::FrequencyMismatch { .. })
        ));
    }

    #[test]
    fn gap_to_target_follows_direction() {
        let s = Series::new(&[obs("a", "2020", 5.0, None), obs("b", "2020", 6.5, None)]).unwrap();
        let mut r = rule("gap", Measure::Value);
        r.target_gap = Some(TargetGap {
            target: 7.0,
            max_gap: 1.0,
        });
        let mut cat = vec![Indicator::new("服务业增加值", None, Kind::Period)];
        let a = check(&cat, &s, std::slice::from_ref(&r), d("2021-01-01")).unwrap();
        assert_eq!(
            a.iter().map(|a| a.region.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
        cat[0].direction = Direction::LowerBetter;
        r.target_gap = Some(TargetGap {
            target: 5.0,
            max_gap: 1.0,
        });
        let a = check(&cat, &s, &[r], d("2021-01-01")).unwrap();
        assert_eq!(
            a.iter().map(|a| a.region.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
    }
}
