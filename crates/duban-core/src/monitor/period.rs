//! Statistical periods: `2020-03` (month), `2020-Q3` (quarter), `2020` (year).

use std::fmt;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// How often an indicator is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        [Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly]
            .into_iter()
            .find(|f| f.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Frequency::Monthly => "月度",
            Frequency::Quarterly => "季度",
            Frequency::Yearly => "年度",
        }
    }

    /// Periods per year.
    fn per_year(self) -> u32 {
        match self {
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
            Frequency::Yearly => 1,
        }
    }
}

/// One period of one frequency. Ordered by frequency first, then in time, so periods of one
/// series (one frequency) sort chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    frequency: Frequency,
    year: i32,
    /// Month 1–12, quarter 1–4, or 1 for a year.
    sub: u32,
}

/// Years outside this range are refused (dates stay far from chrono's limits).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// A period text that is not `YYYY`, `YYYY-MM` or `YYYY-Qn`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是统计期（应为 2020、2020-03 或 2020-Q3）")]
pub struct PeriodError(pub String);

impl Period {
    pub fn month(year: i32, month: u32) -> Option<Period> {
        (YEARS.contains(&year) && (1..=12).contains(&month)).then_some(Period {
            frequency: Frequency::Monthly,
            year,
            sub: month,
        })
    }

    pub fn quarter(year: i32, quarter: u32) -> Option<Period> {
        (YEARS.contains(&year) && (1..=4).contains(&quarter)).then_some(Period {
            frequency: Frequency::Quarterly,
            year,
            sub: quarter,
        })
    }

    pub fn year(year: i32) -> Option<Period> {
        YEARS.contains(&year).then_some(Period {
            frequency: Frequency::Yearly,
            year,
            sub: 1,
        })
    }

    /// Parse `2020`, `2020-03` or `2020-Q3` (surrounding spaces ignored; `q` accepted).
    /// Months need two digits, so `2020-3` is refused rather than guessed.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let err = || PeriodError(text.to_string());
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (y, rest) = match t.split_once('-') {
            Some((y, rest)) => (y, Some(rest)),
            None => (t, None),
        };
        if y.len() != 4 || !digits(y) {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        let p = match rest {
            None => Period::year(year),
            Some(r) if r.len() == 2 && (r.starts_with('Q') || r.starts_with('q')) => {
                let q = &r[1..];
                if !digits(q) {
                    return Err(err());
                }
                Period::quarter(year, q.parse().map_err(|_| err())?)
            }
            Some(m) if m.len() == 2 && digits(m) => {
                Period::month(year, m.parse().map_err(|_| err())?)
            }
            Some(_) => None,
        };
        p.ok_or_else(err)
    }

    pub fn frequency(self) -> Frequency {
        self.frequency
    }

    pub fn year_number(self) -> i32 {
        self.year
    }

    /// Month, quarter, or 1 for a year.
    pub fn sub(self) -> u32 {
        self.sub
    }

    /// The first period of its year (January, Q1, or the year itself).
    pub fn is_first_of_year(self) -> bool {
        self.sub == 1
    }

    fn index(self) -> i64 {
        i64::from(self.year) * i64::from(self.frequency.per_year()) + i64::from(self.sub - 1)
    }

    fn from_index(frequency: Frequency, index: i64) -> Option<Period> {
        let n = i64::from(frequency.per_year());
        let year = i32::try_from(index.div_euclid(n)).ok()?;
        let sub = u32::try_from(index.rem_euclid(n)).ok()? + 1;
        YEARS.contains(&year).then_some(Period {
            frequency,
            year,
            sub,
        })
    }

    /// The period `k` steps later (negative: earlier); `None` outside [`YEARS`].
    pub fn shift(self, k: i64) -> Option<Period> {
        Period::from_index(self.frequency, self.index() + k)
    }

    /// The period just before (December 2019 before January 2020).
    pub fn prev(self) -> Option<Period> {
        self.shift(-1)
    }

    /// The same period one year earlier.
    pub fn year_ago(self) -> Option<Period> {
        self.shift(-i64::from(self.frequency.per_year()))
    }

    /// Steps from `self` to `later` (same frequency assumed).
    pub fn steps_to(self, later: Period) -> i64 {
        later.index() - self.index()
    }

    pub fn first_day(self) -> NaiveDate {
        let month = match self.frequency {
            Frequency::Monthly => self.sub,
            Frequency::Quarterly => 3 * self.sub - 2,
            Frequency::Yearly => 1,
        };
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("year within YEARS")
    }

    /// The last day of the period.
    pub fn last_day(self) -> NaiveDate {
        let next = Period::from_index(self.frequency, self.index() + 1)
            .map(Period::first_day)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(YEARS.end() + 1, 1, 1).expect("valid"));
        next.pred_opt().expect("valid")
    }

    /// When a value without a publication date becomes known: the day after the period ends.
    pub fn default_published(self) -> NaiveDate {
        self.last_day()
            .checked_add_days(Days::new(1))
            .expect("year within YEARS")
    }

    /// 2020年3月, 2020年第三季度, 2020年.
    pub fn label_zh(self) -> String {
        const Q: [&str; 4] = ["一", "二", "三", "四"];
        match self.frequency {
            Frequency::Monthly => format!("{}年{}月", self.year, self.sub),
            Frequency::Quarterly => format!("{}年第{}季度", self.year, Q[self.sub as usize - 1]),
            Frequency::Yearly => format!("{}年", self.year),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frequency {
            Frequency::Monthly => write!(f, "{}-{:02}", self.year, self.sub),
            Frequency::Quarterly => write!(f, "{}-Q{}", self.year, self.sub),
            Frequency::Yearly => write!(f, "{}", self.year),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;
    use proptest::prelude::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(p("2020-03"), Period::month(2020, 3).unwrap());
        assert_eq!(p("2020-Q3"), Period::quarter(2020, 3).unwrap());
        assert_eq!(p(" 2020 "), Period::year(2020).unwrap());
        for bad in [
            "2020-3",
            "2020-13",
            "2020-Q5",
            "2020-Q0",
            "20-03",
            "2020-00",
            "2020-",
            "",
            "2020-H1",
            "二〇二〇",
            "+202-03",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn steps_cross_the_year() {
        assert_eq!(p("2020-01").prev(), Some(p("2019-12")));
        assert_eq!(p("2020-Q1").prev(), Some(p("2019-Q4")));
        assert_eq!(p("2020").prev(), Some(p("2019")));
        assert_eq!(p("2020-Q3").year_ago(), Some(p("2019-Q3")));
        assert_eq!(p("2020-03").year_ago(), Some(p("2019-03")));
        assert_eq!(p("2019-Q3").steps_to(p("2020-Q2")), 3);
    }

    #[test]
    fn ends_and_default_publication() {
        assert_eq!(p("2020-02").last_day(), d("2020-02-29"));
        assert_eq!(p("2020-Q3").last_day(), d("2020-09-30"));
        assert_eq!(p("2020-Q3").default_published(), d("2020-10-01"));
        assert_eq!(p("2020").default_published(), d("2021-01-01"));
        assert_eq!(p("2999-12").default_published(), d("3000-01-01"));
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1900i32..3000, m in 1u32..13, q in 1u32..5) {
            for per in [Period::month(y, m).unwrap(), Period::quarter(y, q).unwrap(), Period::year(y).unwrap()] {
                prop_assert_eq!(Period::parse(&per.to_string()).unwrap(), per);
                if let Some(prev) = per.prev() {
                    prop_assert_eq!(prev.steps_to(per), 1);
                    prop_assert!(prev < per);
                    prop_assert_eq!(prev.default_published(), per.first_day());
                }
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = Period::parse(&s);
        }
    }
}
