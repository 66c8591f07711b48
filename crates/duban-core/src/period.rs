//! Reporting periods generated from a plan year and a cadence, with due dates counted on
//! the working-day calendar.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;

/// How often units report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Cadence {
    pub const ALL: [Cadence; 4] = [
        Cadence::Monthly,
        Cadence::Quarterly,
        Cadence::HalfYearly,
        Cadence::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::HalfYearly => "half_yearly",
            Cadence::Yearly => "yearly",
        }
    }

    pub fn parse(s: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Cadence::Monthly => "按月",
            Cadence::Quarterly => "按季",
            Cadence::HalfYearly => "按半年",
            Cadence::Yearly => "按年",
        }
    }

    /// Months per period.
    pub fn months(self) -> u32 {
        match self {
            Cadence::Monthly => 1,
            Cadence::Quarterly => 3,
            Cadence::HalfYearly => 6,
            Cadence::Yearly => 12,
        }
    }
}

/// When a period's report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum DueRule {
    /// N working days after the period's last day (default: 5).
    WorkingDaysAfterEnd { days: u32 },
    /// A fixed day of the month after the period (e.g. the 5th), moved to the next working
    /// day when it is not one; clamped to the month's last day.
    DayOfNextMonth { day: u32 },
    /// A fixed day of the period's last month (每月25日前报送), moved to the next working day.
    DayOfLastMonth { day: u32 },
}

impl Default for DueRule {
    fn default() -> Self {
        DueRule::WorkingDaysAfterEnd { days: 5 }
    }
}

impl DueRule {
    pub fn due_date(self, end: NaiveDate, cal: &WorkCalendar) -> NaiveDate {
        match self {
            DueRule::WorkingDaysAfterEnd { days } => cal.add_working_days(end, days),
            DueRule::DayOfNextMonth { day } => {
                let (y, m) = if end.month() == 12 {
                    (end.year() + 1, 1)
                } else {
                    (end.year(), end.month() + 1)
                };
                cal.working_day_on_or_after(clamped_date(y, m, day))
            }
            DueRule::DayOfLastMonth { day } => {
                cal.working_day_on_or_after(clamped_date(end.year(), end.month(), day))
            }
        }
    }
}

/// One reporting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Stable key: `2020-M03`, `2020-Q1`, `2020-H1`, `2020-Y`.
    pub key: String,
    /// Label for people: 2020年3月, 2020年第一季度, 2020年上半年, 2020年度.
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// The periods of plan year `year` for `cadence`, in order, due dates by `rule`.
pub fn periods(year: i32, cadence: Cadence, rule: DueRule, cal: &WorkCalendar) -> Vec<Period> {
    let step = cadence.months();
    (0..12 / step)
        .map(|i| {
            let first_month = i * step + 1;
            let last_month = first_month + step - 1;
            let start = NaiveDate::from_ymd_opt(year, first_month, 1).expect("valid month");
            let end = last_day(year, last_month);
            let key = match cadence {
                Cadence::Monthly => format!("{year}-M{first_month:02}"),
                Cadence::Quarterly => format!("{year}-Q{}", i + 1),
                Cadence::HalfYearly => format!("{year}-H{}", i + 1),
                Cadence::Yearly => format!("{year}-Y"),
            };
            let label = label_of(year, cadence, i);
            Period {
                key,
                label,
                start,
                end,
                due: rule.due_date(end, cal),
            }
        })
        .collect()
}

/// The label people read for period `index` (0-based) of `cadence` in `year`.
fn label_of(year: i32, cadence: Cadence, index: u32) -> String {
    match cadence {
        Cadence::Monthly => format!("{year}年{}月", index + 1),
        Cadence::Quarterly => format!("{year}年第{}季度", ["一", "二", "三", "四"][index as usize]),
        Cadence::HalfYearly => format!("{year}年{}半年", ["上", "下"][index as usize]),
        Cadence::Yearly => format!("{year}年度"),
    }
}

/// The label of a period key (`2020-Q2` → 2020年第二季度); `None` for a malformed key.
pub fn period_label(key: &str) -> Option<String> {
    parse_period_key(key).map(|(year, cadence, index)| label_of(year, cadence, index))
}

/// Parses a period key (`2020-M03`, `2020-Q1`, `2020-H2`, `2020-Y`) back into its year and
/// cadence and index (0-based).
pub fn parse_period_key(key: &str) -> Option<(i32, Cadence, u32)> {
    let (year, rest) = key.split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let (cadence, idx) = match rest.as_bytes().first()? {
        b'M' => (Cadence::Monthly, rest[1..].parse::<u32>().ok()?),
        b'Q' => (Cadence::Quarterly, rest[1..].parse::<u32>().ok()?),
        b'H' => (Cadence::HalfYearly, rest[1..].parse::<u32>().ok()?),
        b'Y' if rest.len() == 1 => (Cadence::Yearly, 1),
        _ => return None,
    };
    let count = 12 / cadence.months();
    if idx == 0 || idx > count || !(1900..=2200).contains(&year) {
        return None;
    }
    Some((year, cadence, idx - 1))
}

/// The last day of `month` (1–12) of `year`.
pub(crate) fn last_day(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .expect("valid month")
}

fn clamped_date(year: i32, month: u32, day: u32) -> NaiveDate {
    let last = last_day(year, month);
    NaiveDate::from_ymd_opt(year, month, day.clamp(1, last.day())).unwrap_or(last)
}

/// A date as forms and files write it (`2020-06-30`); the error names what the date is
/// (`完成时限`, `节点日期` …) and the text, as every form shows it.
pub fn parse_iso_date(what: &str, text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what}“{}”无效（格式 YYYY-MM-DD）", text.trim()))
}

/// A date as prose writes it: `2020年7月15日`.
pub fn zh_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    #[test]
    fn iso_dates_parse_and_name_what_is_wrong() {
        assert_eq!(parse_iso_date("日期", " 2020-06-30 "), Ok(d("2020-06-30")));
        assert_eq!(
            parse_iso_date("完成时限", "2020-02-30"),
            Err("完成时限“2020-02-30”无效（格式 YYYY-MM-DD）".to_string())
        );
        assert!(parse_iso_date("日期", "明年").is_err());
    }

    #[test]
    fn quarterly_2020_with_five_working_days() {
        let cal = WorkCalendar::china();
        let ps = periods(2020, Cadence::Quarterly, DueRule::default(), &cal);
        assert_eq!(ps.len(), 4);
        assert_eq!(ps[0].key, "2020-Q1");
        assert_eq!(ps[0].label, "2020年第一季度");
        assert_eq!(ps[0].start, d("2020-01-01"));
        assert_eq!(ps[0].end, d("2020-03-31"));
        // 03-31 Tue → Apr 1,2,3 (W-F), 04-04..06 清明, 04-07 day 4, 04-08 day 5.
        assert_eq!(ps[0].due, d("2020-04-08"));
        // Q3 ends 09-30; National Day holiday to 10-08; make-up Saturday 10-10 counts.
        assert_eq!(ps[2].due, d("2020-10-14"));
        // Q4 ends 12-31 (Thu) → 2021-01-01..03 元旦 → 01-04..08.
        assert_eq!(ps[3].due, d("2021-01-08"));
        assert_eq!(ps[3].label, "2020年第四季度");
        assert_eq!(period_label("2020-Q2").as_deref(), Some("2020年第二季度"));
        assert_eq!(period_label("2020-M03").as_deref(), Some("2020年3月"));
        assert_eq!(period_label("2020-H2").as_deref(), Some("2020年下半年"));
        assert_eq!(period_label("2020-Y").as_deref(), Some("2020年度"));
        assert_eq!(period_label("2020-Q5"), None);
    }

    #[test]
    fn monthly_half_yearly_yearly() {
        let cal = WorkCalendar::china();
        let m = periods(
            2020,
            Cadence::Monthly,
            DueRule::DayOfNextMonth { day: 5 },
            &cal,
        );
        assert_eq!(m.len(), 12);
        assert_eq!(m[1].label, "2020年2月");
        assert_eq!(m[1].end, d("2020-02-29"));
        // 2020-03-05 is a Thursday.
        assert_eq!(m[1].due, d("2020-03-05"));
        // April's report: 2020-05-05 is a holiday → 05-06.
        assert_eq!(m[3].due, d("2020-05-06"));
        let m25 = periods(
            2020,
            Cadence::Monthly,
            DueRule::DayOfLastMonth { day: 25 },
            &cal,
        );
        // 2020-01-25 is in the Spring Festival holiday → 02-03.
        assert_eq!(m25[0].due, d("2020-02-03"));
        let h = periods(2020, Cadence::HalfYearly, DueRule::default(), &cal);
        assert_eq!(h[1].label, "2020年下半年");
        assert_eq!(h[1].start, d("2020-07-01"));
        let y = periods(2020, Cadence::Yearly, DueRule::default(), &cal);
        assert_eq!(y.len(), 1);
        assert_eq!(y[0].label, "2020年度");
        assert!(y[0].contains(d("2020-07-01")));
    }

    #[test]
    fn period_keys_round_trip() {
        let cal = WorkCalendar::weekends_only();
        for c in Cadence::ALL {
            for (i, p) in periods(2021, c, DueRule::default(), &cal)
                .iter()
                .enumerate()
            {
                assert_eq!(parse_period_key(&p.key), Some((2021, c, i as u32)));
            }
            assert_eq!(Cadence::parse(c.as_str()), Some(c));
        }
        assert_eq!(parse_period_key("2020-Q5"), None);
        assert_eq!(parse_period_key("2020-M00"), None);
        assert_eq!(parse_period_key("x-Y"), None);
    }
}
