//! Plan targets tracked from indicator series (issue 13): a target bound to a series gets
//! its observations for the status method (`crate::status`, `duban.status/3`) from the
//! series as known on the as-of date, instead of from reports.
//!
//! * 稳步上升 / 下降 (`increase` / `decrease` without an amount): the latest known period
//!   against **the same period a year earlier** — two observations, so the method's
//!   direction rule compares exactly those two;
//! * `higher_than` / `in_step_with`: every period of the series that the bound reference
//!   series also has, with the reference value of that same period;
//! * any other comparator: every known period's value.
//!
//! Each observation is dated at the end of its period (the date the figure refers to) and
//! `reported_on` its publication date, so a replay sees only what was published by then;
//! values are rounded to four decimals.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalogue::{Formula, Indicator, Kind};
use super::derive::{Measure, measure, share};
use super::period::Period;
use super::series::Series;
use crate::plan::Comparator;
use crate::status::Observation;

/// One figure of a series as known on a date: the value and when it became known (for a
/// share, the latest publication among its inputs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnownPoint {
    pub period: Period,
    pub value: Option<f64>,
    pub published: Option<NaiveDate>,
}

/// The measure `m` of an indicator for one region at every period known on `as_of`
/// (oldest first). A share indicator (占比) is computed from its numerator and denominator
/// at the numerator's periods; a value that cannot be computed is `None`.
pub fn known_points(
    series: &Series,
    catalogue: &[Indicator],
    ind: &Indicator,
    region: &str,
    as_of: NaiveDate,
    m: Measure,
) -> Vec<KnownPoint> {
    let kind_of = |name: &str| {
        catalogue
            .iter()
            .find(|i| i.name == name)
            .map_or(Kind::Period, |i| i.kind)
    };
    let point = |period: Period, d: Option<super::derive::Derived>| KnownPoint {
        period,
        value: d.as_ref().map(|d| d.value),
        published: d.and_then(|d| d.inputs.iter().map(|k| k.published).max()),
    };
    match &ind.formula {
        Some(Formula::Share {
            numerator,
            denominator,
        }) => {
            let n = series.as_of(region, numerator, as_of);
            let d = series.as_of(region, denominator, as_of);
            let (kn, kd) = (kind_of(numerator), kind_of(denominator));
            let level = match m {
                Measure::PeriodValue | Measure::PeriodYoy => Measure::PeriodValue,
                Measure::Value | Measure::Yoy => Measure::Value,
            };
            n.known()
                .map(|k| point(k.period, share((&n, kn), (&d, kd), level, k.period)))
                .collect()
        }
        None => {
            let view = series.as_of(region, &ind.name, as_of);
            view.known()
                .map(|k| point(k.period, measure(&view, ind.kind, m, k.period)))
                .collect()
        }
    }
}

/// Values are rounded to four decimals (a share 54.50000000000001 % is 54.5 %), as
/// statistics are published; the status method then reads them as reported values.
pub fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn observation(p: &KnownPoint, v: f64) -> Observation {
    Observation {
        reported_on: p.published,
        ..Observation::value(p.period.last_day(), round4(v))
    }
}

/// The status method's observations of a target bound to `own` (and, for comparisons, to
/// `reference`), as described in the module documentation.
pub fn bound_observations(
    comparator: Comparator,
    has_amount: bool,
    own: &[KnownPoint],
    reference: &[KnownPoint],
) -> Vec<Observation> {
    let valued = || own.iter().filter_map(|p| p.value.map(|v| (p, v)));
    match comparator {
        Comparator::Increase | Comparator::Decrease if !has_amount => {
            let Some((latest, v)) = valued().next_back() else {
                return vec![];
            };
            let before = latest
                .period
                .year_ago()
                .and_then(|y| valued().find(|(p, _)| p.period == y));
            match before {
                Some((p0, v0)) => vec![observation(p0, v0), observation(latest, v)],
                None => vec![observation(latest, v)],
            }
        }
        Comparator::HigherThan | Comparator::InStepWith => valued()
            .filter_map(|(p, v)| {
                let r = reference
                    .iter()
                    .find(|r| r.period == p.period)
                    .and_then(|r| r.value)?;
                Some(Observation {
                    reference: Some(round4(r)),
                    ..observation(p, v)
                })
            })
            .collect(),
        _ => valued().map(|(p, v)| observation(p, v)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::series::Observation as SeriesObs;
    use crate::monitor::test_support::{d, observation};

    fn obs(region: &str, ind: &str, period: &str, value: f64, published: &str) -> SeriesObs {
        observation(region, ind, period, value, Some(published))
    }

    fn close(v: Option<f64>, want: f64) -> bool {
        v.is_some_and(|v| (v - want).abs() < 1e-9)
    }

    fn catalogue() -> Vec<Indicator> {
        let mut gdp = Indicator::new("地区生产总值", None, Kind::Cumulative);
        gdp.unit = "亿元".into();
        let tertiary = Indicator::new("第三产业增加值", None, Kind::Cumulative);
        let mut share = Indicator::new("占比", None, Kind::Period);
        share.formula = Some(Formula::Share {
            numerator: "第三产业增加值".into(),
            denominator: "地区生产总值".into(),
        });
        vec![gdp, tertiary, share]
    }

    fn series() -> Series {
        Series::new(&[
            obs("330000", "地区生产总值", "2018", 200.0, "2019-02-28"),
            obs("330000", "第三产业增加值", "2018", 100.0, "2019-02-28"),
            obs("330000", "地区生产总值", "2019", 200.0, "2020-02-28"),
            obs("330000", "第三产业增加值", "2019", 110.0, "2020-02-28"),
            // A revision of 2019 published later.
            obs("330000", "第三产业增加值", "2019", 90.0, "2020-09-01"),
        ])
        .unwrap()
    }

    /// The points of the share (第三产业 / 地区生产总值) in 330000 as known on `as_of`.
    fn share_known(as_of: &str) -> Vec<KnownPoint> {
        let cat = catalogue();
        known_points(&series(), &cat, &cat[2], "330000", d(as_of), Measure::Value)
    }

    #[test]
    fn share_points_and_their_publication() {
        let pts = share_known("2020-07-15");
        assert_eq!(pts.len(), 2);
        assert_eq!(pts[0].value, Some(50.0));
        assert!(close(pts[1].value, 55.0));
        assert_eq!(pts[1].published, Some(d("2020-02-28")));
        // After the revision: 90 / 200.
        let later = share_known("2020-12-31");
        assert!(close(later[1].value, 45.0));
        assert_eq!(later[1].published, Some(d("2020-09-01")));
    }

    #[test]
    fn rising_is_judged_against_the_same_period_a_year_earlier() {
        let own = share_known("2020-07-15");
        let o = bound_observations(Comparator::Increase, false, &own, &[]);
        assert_eq!(o.len(), 2);
        assert_eq!(
            (o[0].value, o[1].value),
            (Some(50.0), Some(55.0)),
            "rounded"
        );
        assert_eq!(o[1].date, d("2019-12-31"));
        assert_eq!(o[1].reported_on, Some(d("2020-02-28")));
        // Only one year known: one observation (the method then has nothing to compare).
        assert_eq!(
            bound_observations(Comparator::Increase, false, &own[1..], &[]).len(),
            1
        );
    }

    #[test]
    fn comparisons_take_the_reference_of_the_same_period() {
        let p = |s: &str, v: Option<f64>| KnownPoint {
            period: Period::parse(s).unwrap(),
            value: v,
            published: None,
        };
        let own = [
            p("2020-Q1", Some(3.0)),
            p("2020-Q2", Some(5.0)),
            p("2020-Q3", Some(6.0)),
        ];
        let reference = [
            p("2020-Q1", Some(2.0)),
            p("2020-Q2", None),
            p("2020-Q3", Some(6.5)),
        ];
        let o = bound_observations(Comparator::HigherThan, false, &own, &reference);
        assert_eq!(o.len(), 2, "Q2 has no reference value");
        assert_eq!((o[1].value, o[1].reference), (Some(6.0), Some(6.5)));
        let all = bound_observations(Comparator::AtLeast, true, &own, &[]);
        assert_eq!(all.len(), 3);
    }
}
