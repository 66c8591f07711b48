//! Derivations: 当期 from 累计, 同比, 环比, 占比, 两年平均增速. Each derived figure lists the
//! inputs (period, value, vintage) it was computed from. A derivation that needs a value not
//! known on the view's date, or that would divide by a zero base, gives `None`.

use serde::{Deserialize, Serialize};

use super::catalogue::Kind;
use super::period::Period;
use super::series::{Known, View};

/// A computed figure and what it was computed from (oldest period first, numerator before
/// denominator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub value: f64,
    pub inputs: Vec<Known>,
}

impl Derived {
    fn of(k: Known) -> Derived {
        Derived {
            value: k.value,
            inputs: vec![k],
        }
    }

    fn with(mut self, value: f64, mut earlier: Derived) -> Derived {
        earlier.inputs.append(&mut self.inputs);
        Derived {
            value,
            inputs: earlier.inputs,
        }
    }
}

/// What a rule or chart reads off a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The value as stored (累计值 for a cumulative indicator).
    Value,
    /// 当期值: for a cumulative indicator the period's own value.
    PeriodValue,
    /// 同比 (%) on `value`.
    Yoy,
    /// 同比 (%) on `period_value`.
    PeriodYoy,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::Value,
        Measure::PeriodValue,
        Measure::Yoy,
        Measure::PeriodYoy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Value => "value",
            Measure::PeriodValue => "period_value",
            Measure::Yoy => "yoy",
            Measure::PeriodYoy => "period_yoy",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// A growth rate in percent (the others are in the indicator's own unit).
    pub fn is_percent(self) -> bool {
        matches!(self, Measure::Yoy | Measure::PeriodYoy)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Measure::Value => "数值",
            Measure::PeriodValue => "当期值",
            Measure::Yoy => "同比增速",
            Measure::PeriodYoy => "当期同比增速",
        }
    }

    /// The level this measure is taken on (`Value` or `PeriodValue`).
    fn level(self) -> Measure {
        match self {
            Measure::Value | Measure::Yoy => Measure::Value,
            Measure::PeriodValue | Measure::PeriodYoy => Measure::PeriodValue,
        }
    }
}

/// The stored value of `p`.
pub fn value(view: &View, p: Period) -> Option<Derived> {
    view.get(p).map(Derived::of)
}

/// 当期值. Cumulative: the first period of a year is its cumulative value, a later one the
/// difference from the previous period of the same year (Q2 = H1 − Q1). Period kind: the value.
pub fn period_value(view: &View, kind: Kind, p: Period) -> Option<Derived> {
    let this = value(view, p)?;
    if kind == Kind::Period || p.is_first_of_year() {
        return Some(this);
    }
    let before = value(view, p.prev()?)?;
    let v = this.value - before.value;
    Some(this.with(v, before))
}

/// (a / b − 1) × 100; `None` for a zero base.
pub fn growth(a: Derived, b: Derived) -> Option<Derived> {
    if b.value == 0.0 {
        return None;
    }
    let v = (a.value / b.value - 1.0) * 100.0;
    v.is_finite().then(|| a.with(v, b))
}

fn level(view: &View, kind: Kind, m: Measure, p: Period) -> Option<Derived> {
    match m.level() {
        Measure::PeriodValue => period_value(view, kind, p),
        _ => value(view, p),
    }
}

/// A measure of `p`: `value`, `period_value`, `yoy` or `period_yoy`.
pub fn measure(view: &View, kind: Kind, m: Measure, p: Period) -> Option<Derived> {
    match m {
        Measure::Value | Measure::PeriodValue => level(view, kind, m, p),
        Measure::Yoy | Measure::PeriodYoy => yoy(view, kind, m, p),
    }
}

/// 同比: against the same period a year earlier, on the same level (累计 or 当期) as `m`.
pub fn yoy(view: &View, kind: Kind, m: Measure, p: Period) -> Option<Derived> {
    let now = level(view, kind, m, p)?;
    let then = level(view, kind, m, p.year_ago()?)?;
    growth(now, then)
}

/// 环比: against the period just before (across the year end), on the level of `m`.
pub fn mom(view: &View, kind: Kind, m: Measure, p: Period) -> Option<Derived> {
    let now = level(view, kind, m, p)?;
    let then = level(view, kind, m, p.prev()?)?;
    growth(now, then)
}

/// 两年平均增速: ((x / x two years earlier)^(1/2) − 1) × 100 on the level of `m`;
/// `None` when the ratio is not positive.
pub fn two_year_average_growth(view: &View, kind: Kind, m: Measure, p: Period) -> Option<Derived> {
    let now = level(view, kind, m, p)?;
    let then = level(view, kind, m, p.year_ago()?.year_ago()?)?;
    if then.value == 0.0 || now.value / then.value <= 0.0 {
        return None;
    }
    let v = ((now.value / then.value).sqrt() - 1.0) * 100.0;
    Some(now.with(v, then))
}

/// 占比: numerator / denominator × 100 for one period, each on the level of `m`
/// (so a share of 当期 values is computed from both 当期 values).
pub fn share(
    numerator: (&View, Kind),
    denominator: (&View, Kind),
    m: Measure,
    p: Period,
) -> Option<Derived> {
    let n = level(numerator.0, numerator.1, m, p)?;
    let d = level(denominator.0, denominator.1, m, p)?;
    if d.value == 0.0 {
        return None;
    }
    let v = n.value / d.value * 100.0;
    let mut inputs = n.inputs;
    inputs.extend(d.inputs);
    v.is_finite().then_some(Derived { value: v, inputs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::series::{Observation, Series};
    use crate::test_support::d;
    use proptest::prelude::*;
    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn series(rows: &[(&str, f64)]) -> Series {
        let obs: Vec<Observation> = rows
            .iter()
            .map(|(per, v)| Observation {
                region: "r".into(),
                indicator: "x".into(),
                period: p(per),
                value: *v,
                published: None,
            })
            .collect();
        Series::new(&obs).unwrap()
    }

    #[test]
    fn cumulative_series_crossing_a_year() {
        // 累计: 2019 Q1..Q4 = 100, 210, 330, 460; 2020 Q1..Q3 = 90, 200, 320.
        let s = series(&[
            ("2019-Q1", 100.0),
            ("2019-Q2", 210.0),
            ("2019-Q3", 330.0),
            ("2019-Q4", 460.0),
            ("2020-Q1", 90.0),
            ("2020-Q2", 200.0),
            ("2020-Q3", 320.0),
        ]);
        let v = s.as_of("r", "x", d("2020-12-31"));
        let k = Kind::Cumulative;
        // Q1 2020 is its own cumulative value, not 90 − 460.
        assert_eq!(period_value(&v, k, p("2020-Q1")).unwrap().value, 90.0);
        assert_eq!(period_value(&v, k, p("2020-Q3")).unwrap().value, 120.0);
        assert_eq!(period_value(&v, k, p("2019-Q4")).unwrap().value, 130.0);
        // 同比 on 累计: 320/330 − 1; on 当期: 120/120 − 1 = 0.
        let y = measure(&v, k, Measure::Yoy, p("2020-Q3")).unwrap();
        assert!((y.value - (320.0 / 330.0 - 1.0) * 100.0).abs() < 1e-12);
        assert_eq!(
            y.inputs.iter().map(|i| i.period).collect::<Vec<_>>(),
            [p("2019-Q3"), p("2020-Q3")]
        );
        let py = measure(&v, k, Measure::PeriodYoy, p("2020-Q3")).unwrap();
        assert_eq!(py.value, 0.0);
        assert_eq!(py.inputs.len(), 4);
        // 环比 of 当期 across the year: Q1 2020 (90) against Q4 2019 (130).
        let m = mom(&v, k, Measure::PeriodValue, p("2020-Q1")).unwrap();
        assert!((m.value - (90.0 / 130.0 - 1.0) * 100.0).abs() < 1e-12);
        // A period indicator's period value is its value.
        assert_eq!(
            period_value(&v, Kind::Period, p("2020-Q3")).unwrap().value,
            320.0
        );
    }

    #[test]
    fn missing_quarter_means_not_computed() {
        let s = series(&[("2019-Q3", 330.0), ("2020-Q1", 90.0), ("2020-Q3", 320.0)]);
        let v = s.as_of("r", "x", d("2020-12-31"));
        assert!(period_value(&v, Kind::Cumulative, p("2020-Q3")).is_none());
        assert!(measure(&v, Kind::Cumulative, Measure::PeriodYoy, p("2020-Q3")).is_none());
        assert!(measure(&v, Kind::Cumulative, Measure::Yoy, p("2020-Q3")).is_some());
        assert!(measure(&v, Kind::Cumulative, Measure::Yoy, p("2020-Q1")).is_none());
    }

    #[test]
    fn zero_base_is_not_computed() {
        let s = series(&[("2019", 0.0), ("2020", 5.0)]);
        let v = s.as_of("r", "x", d("2021-06-30"));
        assert!(measure(&v, Kind::Period, Measure::Yoy, p("2020")).is_none());
    }

    #[test]
    fn share_and_two_year_average() {
        let obs = |ind: &str, per: &str, value: f64| Observation {
            region: "r".into(),
            indicator: ind.into(),
            period: p(per),
            value,
            published: Some(d("2021-03-01")),
        };
        let s = Series::new(&[
            obs("服务业", "2018", 100.0),
            obs("服务业", "2020", 121.0),
            obs("GDP", "2020", 220.0),
        ])
        .unwrap();
        let a = s.as_of("r", "服务业", d("2021-03-01"));
        let g = s.as_of("r", "GDP", d("2021-03-01"));
        let sh = share(
            (&a, Kind::Period),
            (&g, Kind::Period),
            Measure::Value,
            p("2020"),
        )
        .unwrap();
        assert!((sh.value - 55.0).abs() < 1e-12);
        assert_eq!(sh.inputs.len(), 2);
        let t = two_year_average_growth(&a, Kind::Period, Measure::Value, p("2020")).unwrap();
        assert!((t.value - 10.0).abs() < 1e-9);
        assert_eq!(t.inputs[0].period, p("2018"));
        // Not known yet the day before publication.
        let early = s.as_of("r", "服务业", d("2021-02-28"));
        assert!(two_year_average_growth(&early, Kind::Period, Measure::Value, p("2020")).is_none());
    }

    proptest! {
        /// Summing the 当期 values of a year gives back the last cumulative value.
        #[test]
        fn period_values_sum_to_the_cumulative(vals in proptest::collection::vec(-1e6f64..1e6, 1..13)) {
            let mut cum = 0.0;
            let rows: Vec<(String, f64)> = vals.iter().enumerate().map(|(i, v)| {
                cum += v;
                (format!("2020-{:02}", i + 1), cum)
            }).collect();
            let refs: Vec<(&str, f64)> = rows.iter().map(|(a, b)| (a.as_str(), *b)).collect();
            let s = series(&refs);
            let view = s.as_of("r", "x", d("2021-01-01"));
            let total: f64 = rows.iter().map(|(per, _)| period_value(&view, Kind::Cumulative, p(per)).unwrap().value).sum();
            prop_assert!((total - cum).abs() <= 1e-6 * (1.0 + cum.abs()));
        }

        /// 同比 then back: base × (1 + yoy/100) is the value.
        #[test]
        fn yoy_inverts(base in 0.1f64..1e6, now in 0.0f64..1e6) {
            let s = series(&[("2019-05", base), ("2020-05", now)]);
            let view = s.as_of("r", "x", d("2021-01-01"));
            let y = measure(&view, Kind::Period, Measure::Yoy, p("2020-05")).unwrap();
            prop_assert!((base * (1.0 + y.value / 100.0) - now).abs() <= 1e-9 * (1.0 + now));
        }
    }
}
