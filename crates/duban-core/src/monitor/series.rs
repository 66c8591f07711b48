//! Indicator series per region with vintages: every value keeps its publication date, a
//! revision is a new vintage (never an overwrite), and "what did we know on date D" is a query.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::period::{Frequency, Period};

/// One published figure, as read from a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub region: String,
    pub indicator: String,
    pub period: Period,
    pub value: f64,
    /// `None`: known from the day after the period ends.
    pub published: Option<NaiveDate>,
}

impl Observation {
    /// The date from which the value is known.
    pub fn known_from(&self) -> NaiveDate {
        self.published
            .unwrap_or_else(|| self.period.default_published())
    }
}

/// One vintage of one (region, indicator, period).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vintage {
    pub value: f64,
    pub published: NaiveDate,
}

/// A value as known on some date, with the period and vintage it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Known {
    pub period: Period,
    pub value: f64,
    pub published: NaiveDate,
}

/// Observations that cannot form a series. `index` counts into the slice given to
/// [`Series::new`], so a reader can name the file line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeriesError {
    #[error("数值不是有限数")]
    NotFinite { index: usize },
    #[error("指标“{indicator}”混用了{first}和{found}统计期")]
    MixedFrequency {
        index: usize,
        indicator: String,
        first: &'static str,
        found: &'static str,
    },
    #[error("{region} {indicator} {period} 在同一发布日期有两个不同的数值")]
    Conflict {
        index: usize,
        other: usize,
        region: String,
        indicator: String,
        period: Period,
    },
}

impl SeriesError {
    pub fn index(&self) -> usize {
        match self {
            SeriesError::NotFinite { index }
            | SeriesError::MixedFrequency { index, .. }
            | SeriesError::Conflict { index, .. } => *index,
        }
    }
}

type Vintages = BTreeMap<Period, Vec<Vintage>>;

/// All series: (region, indicator) → period → vintages in publication order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    map: BTreeMap<(String, String), Vintages>,
    frequency: BTreeMap<String, Frequency>,
}

impl Series {
    /// Build from observations, all or nothing. Two vintages of one (region, indicator,
    /// period) with the same publication date must agree (identical rows are one vintage).
    pub fn new(observations: &[Observation]) -> Result<Series, SeriesError> {
        let mut s = Series::default();
        // Which observation made each (key, period, date) vintage, for conflict messages.
        let mut origin: BTreeMap<(&str, &str, Period, NaiveDate), usize> = BTreeMap::new();
        for (index, o) in observations.iter().enumerate() {
            if !o.value.is_finite() {
                return Err(SeriesError::NotFinite { index });
            }
            let f = *s
                .frequency
                .entry(o.indicator.clone())
                .or_insert(o.period.frequency());
            if f != o.period.frequency() {
                return Err(SeriesError::MixedFrequency {
                    index,
                    indicator: o.indicator.clone(),
                    first: f.label_zh(),
                    found: o.period.frequency().label_zh(),
                });
            }
            let published = o.known_from();
            let vintages = s
                .map
                .entry((o.region.clone(), o.indicator.clone()))
                .or_default()
                .entry(o.period)
                .or_default();
            let at = vintages.partition_point(|v| v.published <= published);
            if at > 0 && vintages[at - 1].published == published {
                if vintages[at - 1].value.to_bits() != o.value.to_bits() {
                    let other =
                        origin[&(o.region.as_str(), o.indicator.as_str(), o.period, published)];
                    return Err(SeriesError::Conflict {
                        index,
                        other,
                        region: o.region.clone(),
                        indicator: o.indicator.clone(),
                        period: o.period,
                    });
                }
                continue;
            }
            vintages.insert(
                at,
                Vintage {
                    value: o.value,
                    published,
                },
            );
            origin.insert(
                (o.region.as_str(), o.indicator.as_str(), o.period, published),
                index,
            );
        }
        Ok(s)
    }

    /// The frequency an indicator's periods use, if it has any.
    pub fn frequency(&self, indicator: &str) -> Option<Frequency> {
        self.frequency.get(indicator).copied()
    }

    /// Regions that have any figure of the indicator, in code/name order.
    pub fn regions<'a>(&'a self, indicator: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.map
            .keys()
            .filter(move |(_, i)| i == indicator)
            .map(|(r, _)| r.as_str())
    }

    /// Every (region, indicator) pair.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.keys().map(|(r, i)| (r.as_str(), i.as_str()))
    }

    /// All vintages of one (region, indicator), by period.
    pub fn vintages(
        &self,
        region: &str,
        indicator: &str,
    ) -> Option<&BTreeMap<Period, Vec<Vintage>>> {
        self.map.get(&(region.to_string(), indicator.to_string()))
    }

    /// One series as known on `as_of`.
    pub fn as_of<'a>(&'a self, region: &str, indicator: &str, as_of: NaiveDate) -> View<'a> {
        View {
            periods: self.vintages(region, indicator),
            as_of,
        }
    }
}

/// Which rows of a file, read in order, are vintages: of rows with the same (region,
/// indicator, period) and the same known-from date, the **last** one ("the latest published
/// row is its value", issue 13; a correction written below the row it corrects). Indices of
/// the rows kept, in file order. A file may therefore not make a [`SeriesError::Conflict`];
/// [`Series::new`] still refuses one across files (a stored vintage against an import).
pub fn last_row_per_vintage(observations: &[Observation]) -> Vec<usize> {
    let mut last: BTreeMap<(&str, &str, Period, NaiveDate), usize> = BTreeMap::new();
    for (i, o) in observations.iter().enumerate() {
        last.insert((&o.region, &o.indicator, o.period, o.known_from()), i);
    }
    observations
        .iter()
        .enumerate()
        .filter(|(i, o)| {
            last[&(
                o.region.as_str(),
                o.indicator.as_str(),
                o.period,
                o.known_from(),
            )] == *i
        })
        .map(|(i, _)| i)
        .collect()
}

/// One (region, indicator) series as known on a date.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    periods: Option<&'a Vintages>,
    as_of: NaiveDate,
}

impl<'a> View<'a> {
    pub fn as_of_date(&self) -> NaiveDate {
        self.as_of
    }

    /// The value of `period` known on the date: its latest vintage published on or before it.
    pub fn get(&self, period: Period) -> Option<Known> {
        let vintages = self.periods?.get(&period)?;
        let at = vintages.partition_point(|v| v.published <= self.as_of);
        let v = vintages[..at].last()?;
        Some(Known {
            period,
            value: v.value,
            published: v.published,
        })
    }

    /// The latest period with a value known on the date.
    pub fn latest(&self) -> Option<Period> {
        self.periods?
            .iter()
            .rev()
            .find(|(_, vs)| vs.first().is_some_and(|v| v.published <= self.as_of))
            .map(|(p, _)| *p)
    }

    /// Every period known on the date, oldest first.
    pub fn known(&self) -> impl Iterator<Item = Known> + 'a {
        let view = *self;
        self.periods
            .into_iter()
            .flat_map(|m| m.keys())
            .filter_map(move |p| view.get(*p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::test_support::{d, observation};

    fn obs(region: &str, period: &str, value: f64, published: Option<&str>) -> Observation {
        observation(region, "x", period, value, published)
    }

    /// The value of 2020-Q3 in `region` as known on `as_of`.
    fn q3_on(s: &Series, region: &str, as_of: &str) -> Option<f64> {
        let q3 = Period::parse("2020-Q3").unwrap();
        s.as_of(region, "x", d(as_of)).get(q3).map(|k| k.value)
    }

    #[test]
    fn revision_after_as_of_is_not_seen() {
        let s = Series::new(&[
            obs("杭州", "2020-Q3", 100.0, Some("2020-10-20")),
            obs("杭州", "2020-Q3", 104.0, Some("2020-11-15")),
        ])
        .unwrap();
        assert_eq!(q3_on(&s, "杭州", "2020-10-31"), Some(100.0));
        assert_eq!(q3_on(&s, "杭州", "2020-11-15"), Some(104.0));
        assert_eq!(q3_on(&s, "杭州", "2020-10-19"), None);
        assert_eq!(s.as_of("杭州", "x", d("2020-10-19")).latest(), None);
    }

    #[test]
    fn without_a_date_known_the_day_after_the_period() {
        let s = Series::new(&[
            obs("a", "2020-Q3", 1.0, None),
            obs("a", "2020-Q4", 2.0, None),
        ])
        .unwrap();
        let v = s.as_of("a", "x", d("2020-10-01"));
        assert_eq!(v.latest(), Some(Period::parse("2020-Q3").unwrap()));
        assert_eq!(s.as_of("a", "x", d("2020-09-30")).latest(), None);
        assert_eq!(
            s.as_of("a", "x", d("2021-01-01")).latest(),
            Period::parse("2020-Q4").ok()
        );
    }

    #[test]
    fn in_a_file_the_last_row_of_a_vintage_wins() {
        // Two rows published the same day (2020-10-20): the one written later is the value;
        // without a date both are known from 2020-10-01 (the day after Q3): the later wins.
        let rows = [
            obs("a", "2020-Q3", 1.0, Some("2020-10-20")),
            obs("b", "2020-Q3", 7.0, None),
            obs("a", "2020-Q3", 2.0, Some("2020-10-20")),
            obs("a", "2020-Q3", 3.0, Some("2020-10-25")),
            obs("b", "2020-Q3", 8.0, None),
            obs("b", "2020-Q3", 9.0, Some("2020-10-01")),
        ];
        assert_eq!(last_row_per_vintage(&rows), vec![2, 3, 5]);
        let kept: Vec<Observation> = [2, 3, 5].iter().map(|&i| rows[i].clone()).collect();
        let s = Series::new(&kept).unwrap();
        assert_eq!(q3_on(&s, "a", "2020-10-24"), Some(2.0));
        assert_eq!(q3_on(&s, "a", "2020-10-25"), Some(3.0));
        assert_eq!(q3_on(&s, "b", "2020-10-01"), Some(9.0));
    }

    #[test]
    fn conflicts_and_mixed_frequencies_are_errors() {
        let e = Series::new(&[
            obs("a", "2020-Q3", 1.0, Some("2020-10-20")),
            obs("a", "2020-Q3", 1.0, Some("2020-10-20")),
            obs("a", "2020-Q3", 2.0, Some("2020-10-20")),
        ])
        .unwrap_err();
        assert!(
            matches!(
                e,
                SeriesError::Conflict {
                    index: 2,
                    other: 0,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = Series::new(&[
            obs("a", "2020-Q3", 1.0, None),
            obs("b", "2020-09", 1.0, None),
        ])
        .unwrap_err();
        assert_eq!(e.index(), 1);
        let e = Series::new(&[obs("a", "2020-Q3", f64::NAN, None)]).unwrap_err();
        assert_eq!(e, SeriesError::NotFinite { index: 0 });
    }
}
