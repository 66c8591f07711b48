//! The Chinese working-day calendar: weekends, public holidays and make-up working days
//! (调休上班日), as published each year by the State Council's General Office
//! (《国务院办公厅关于20XX年部分节假日安排的通知》).
//!
//! The calendar is data, not code: [`WorkCalendar::china`] parses the file shipped in
//! `data/calendar/cn-2019-2027.txt`, and [`WorkCalendar::parse`] parses an office-edited
//! copy in the same line format (the platform stores the override; parsing a string is not
//! I/O). Deadlines everywhere in duban (report due dates, escalation response deadlines)
//! count working days with this calendar.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The calendar data shipped with duban (2019–2027).
pub const CHINA_CALENDAR_DATA: &str = include_str!("../../../data/calendar/cn-2019-2027.txt");

/// Whether a year's data comes from the published notice or is provisional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// Entered from the State Council notice for that year.
    Confirmed,
    /// No notice (yet): statutory holidays only, no 调休. Deadlines may be off by days.
    Provisional,
}

/// One year's block in the calendar data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarYear {
    pub year: i32,
    pub status: YearStatus,
    /// The notice the year's data comes from, as written in the data file.
    pub source: String,
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, no holiday.
    Workday,
    /// Saturday or Sunday, no make-up working day.
    Weekend,
    /// A public holiday (or a weekend day inside a holiday run), with the festival's name.
    Holiday(String),
    /// A Saturday or Sunday that is a working day (调休上班), with the note.
    MakeupWorkday(String),
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday(_))
    }
}

/// Errors in calendar data (an office-edited override, or the shipped file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("第{line}行: {reason}")]
    Parse { line: usize, reason: String },
}

/// Working-day calendar: weekends plus listed holidays and make-up working days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkCalendar {
    years: BTreeMap<i32, CalendarYear>,
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
}

impl WorkCalendar {
    /// The shipped Chinese calendar, 2019–2027. The data is checked by the unit tests, so
    /// this cannot fail at run time.
    /// Parsed once per process and cloned.
    pub fn china() -> WorkCalendar {
        static CHINA: std::sync::OnceLock<WorkCalendar> = std::sync::OnceLock::new();
        CHINA
            .get_or_init(|| {
                WorkCalendar::parse(CHINA_CALENDAR_DATA).expect("shipped calendar data parses")
            })
            .clone()
    }

    /// A calendar with weekends only (no holidays): for tests and for jurisdictions
    /// without data.
    pub fn weekends_only() -> WorkCalendar {
        WorkCalendar::default()
    }

    /// Parses the line format of `data/calendar/cn-2019-2027.txt`:
    ///
    /// ```text
    /// year 2020 confirmed 国务院办公厅关于2020年部分节假日安排的通知（…）
    /// holiday 2020-01-24 2020-02-02 春节
    /// holiday 2020-01-01 元旦
    /// workday 2020-01-19 春节调休上班
    /// ```
    ///
    /// `#` starts a comment. Every `holiday`/`workday` line belongs to the last `year`
    /// line. A date may not be both a holiday and a make-up working day, a make-up working
    /// day must fall on a Saturday or Sunday, and a holiday run is at most 31 days.
    pub fn parse(text: &str) -> Result<WorkCalendar, CalendarError> {
        let mut cal = WorkCalendar::default();
        let mut current: Option<i32> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let err = |reason: String| CalendarError::Parse {
                line: line_no,
                reason,
            };
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let keyword = parts.next().unwrap_or("");
            let rest: Vec<&str> = parts.collect();
            match keyword {
                "year" => {
                    let [year, status, source @ ..] = rest.as_slice() else {
                        return Err(err(
                            "year 行需要: year <年份> <confirmed|provisional> <来源>".into(),
                        ));
                    };
                    let year: i32 = year
                        .parse()
                        .ok()
                        .filter(|y| (1949..=2200).contains(y))
                        .ok_or_else(|| err(format!("年份“{year}”无效")))?;
                    let status = match *status {
                        "confirmed" => YearStatus::Confirmed,
                        "provisional" => YearStatus::Provisional,
                        other => {
                            return Err(err(format!(
                                "状态“{other}”无效（应为 confirmed 或 provisional）"
                            )));
                        }
                    };
                    if source.is_empty() {
                        return Err(err("year 行必须写明来源通知".into()));
                    }
                    if cal.years.contains_key(&year) {
                        return Err(err(format!("{year} 年重复")));
                    }
                    cal.years.insert(
                        year,
                        CalendarYear {
                            year,
                            status,
                            source: source.join(" "),
                        },
                    );
                    current = Some(year);
                }
                "holiday" | "workday" => {
                    if current.is_none() {
                        return Err(err("日期行之前必须先有 year 行".into()));
                    }
                    let date = |s: &str| {
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| err(format!("日期“{s}”无效（应为 YYYY-MM-DD）")))
                    };
                    let Some(first) = rest.first() else {
                        return Err(err(format!("{keyword} 行缺少日期")));
                    };
                    let start = date(first)?;
                    let (end, name_from) = match rest.get(1).map(|s| date(s)) {
                        Some(Ok(end)) => (end, 2),
                        _ => (start, 1),
                    };
                    let name = rest[name_from.min(rest.len())..].join(" ");
                    if name.is_empty() {
                        return Err(err(format!("{keyword} 行缺少名称")));
                    }
                    if keyword == "workday" {
                        if end != start {
                            return Err(err("调休上班日每行只写一个日期".into()));
                        }
                        if !is_weekend(start) {
                            return Err(err(format!("{start} 不是周六或周日，不能作为调休上班日")));
                        }
                        if cal.holidays.contains_key(&start) {
                            return Err(err(format!("{start} 已列为假日")));
                        }
                        cal.workdays.insert(start, name);
                    } else {
                        if end < start {
                            return Err(err("结束日期早于起始日期".into()));
                        }
                        if (end - start).num_days() > 30 {
                            return Err(err("一段假期不能超过31天".into()));
                        }
                        let mut d = start;
                        while d <= end {
                            if cal.workdays.contains_key(&d) {
                                return Err(err(format!("{d} 已列为调休上班日")));
                            }
                            cal.holidays.insert(d, name.clone());
                            d = d.succ_opt().ok_or_else(|| err("日期越界".into()))?;
                        }
                    }
                }
                other => {
                    return Err(err(format!(
                        "无法识别“{other}”（应为 year、holiday 或 workday）"
                    )));
                }
            }
        }
        Ok(cal)
    }

    /// The years the data covers, with their source notices.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// The data block for `year`, if any. `None` means only weekends are known for it.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Whether the calendar's data for the year of `date` is confirmed by a notice.
    pub fn is_confirmed(&self, date: NaiveDate) -> bool {
        self.years
            .get(&date.year())
            .is_some_and(|y| y.status == YearStatus::Confirmed)
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            DayKind::Holiday(name.clone())
        } else if let Some(note) = self.workdays.get(&date) {
            DayKind::MakeupWorkday(note.clone())
        } else if is_weekend(date) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.holidays.contains_key(&date) {
            false
        } else {
            self.workdays.contains_key(&date) || !is_weekend(date)
        }
    }

    /// The `n`-th working day strictly after `date` (`n = 0` gives the first working day on
    /// or after `date`). "Due 5 working days after the period ends" is
    /// `add_working_days(end, 5)`.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.working_day_on_or_after(date);
        }
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = next_day(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first working day on or after `date` (a deadline falling on a holiday moves to
    /// the next working day).
    pub fn working_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        while !self.is_working_day(d) {
            d = next_day(d);
        }
        d
    }

    /// Working days in `(from, to]`: how many working days `to` lies after `from`.
    /// Negative when `to` is before `from` (counts the working days in `(to, from]`).
    /// So a report submitted on `s` with due date `d` is `working_days_between(d, s)`
    /// working days late when positive.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = next_day(d);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The calendar in the same line format it parses (for the office's editor).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for y in self.years.values() {
            let status = match y.status {
                YearStatus::Confirmed => "confirmed",
                YearStatus::Provisional => "provisional",
            };
            out.push_str(&format!("year {} {} {}\n", y.year, status, y.source));
            // Holidays and make-up days are listed under the year whose block holds them;
            // a block's dates may spill into the neighbouring year (元旦), so assign by the
            // nearest block: a date belongs to its own year if that block exists.
            let owns = |d: &NaiveDate| self.block_for(*d) == Some(y.year);
            let mut runs: Vec<(NaiveDate, NaiveDate, &str)> = Vec::new();
            for (d, name) in self.holidays.iter().filter(|(d, _)| owns(d)) {
                match runs.last_mut() {
                    Some((_, end, n)) if *n == name.as_str() && next_day(*end) == *d => *end = *d,
                    _ => runs.push((*d, *d, name)),
                }
            }
            for (s, e, name) in runs {
                if s == e {
                    out.push_str(&format!("holiday {s} {name}\n"));
                } else {
                    out.push_str(&format!("holiday {s} {e} {name}\n"));
                }
            }
            for (d, note) in self.workdays.iter().filter(|(d, _)| owns(d)) {
                out.push_str(&format!("workday {d} {note}\n"));
            }
            out.push('\n');
        }
        out
    }

    /// The year block a listed date is written under: its own year if present, else the
    /// following year's (a 元旦 run starting on 12-30), else the previous year's.
    fn block_for(&self, d: NaiveDate) -> Option<i32> {
        let y = d.year();
        [y, y + 1, y - 1]
            .into_iter()
            .find(|c| self.years.contains_key(c))
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1))
        .expect("date within chrono's range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    #[test]
    fn shipped_data_parses_and_covers_2019_to_2027() {
        let cal = WorkCalendar::china();
        let years: Vec<i32> = cal.years().map(|y| y.year).collect();
        assert_eq!(years, (2019..=2027).collect::<Vec<_>>());
        for y in cal.years() {
            assert!(y.source.contains(&y.year.to_string()), "{y:?}");
        }
        assert_eq!(cal.year(2027).unwrap().status, YearStatus::Provisional);
        assert!(cal.is_confirmed(d("2020-06-01")));
        assert!(!cal.is_confirmed(d("2027-06-01")));
    }

    #[test]
    fn spring_festival_2020_extended_to_feb_2() {
        let cal = WorkCalendar::china();
        // 国办发明电〔2020〕1号: holiday extended to 2020-02-02.
        for day in [
            "2020-01-24",
            "2020-01-30",
            "2020-01-31",
            "2020-02-01",
            "2020-02-02",
        ] {
            assert!(!cal.is_working_day(d(day)), "{day}");
        }
        assert_eq!(
            cal.day_kind(d("2020-01-31")),
            DayKind::Holiday("春节".into())
        );
        // 2020-01-19 (Sunday) stayed a make-up working day.
        assert!(cal.is_working_day(d("2020-01-19")));
        assert!(matches!(
            cal.day_kind(d("2020-01-19")),
            DayKind::MakeupWorkday(_)
        ));
        assert!(cal.is_working_day(d("2020-02-03")));
    }

    #[test]
    fn labour_day_and_national_day_2020() {
        let cal = WorkCalendar::china();
        for day in 1..=5 {
            assert!(!cal.is_working_day(d(&format!("2020-05-0{day}"))));
        }
        assert!(cal.is_working_day(d("2020-04-26"))); // Sunday
        assert!(cal.is_working_day(d("2020-05-09"))); // Saturday
        for day in 1..=8 {
            assert!(!cal.is_working_day(d(&format!("2020-10-0{day}"))));
        }
        assert!(cal.is_working_day(d("2020-09-27"))); // Sunday
        assert!(cal.is_working_day(d("2020-10-10"))); // Saturday
        assert!(!cal.is_working_day(d("2020-04-04"))); // 清明
        assert!(!cal.is_working_day(d("2020-04-06")));
        assert!(cal.is_working_day(d("2020-06-28"))); // 端午 make-up Sunday
    }

    #[test]
    fn other_well_known_days() {
        let cal = WorkCalendar::china();
        assert!(!cal.is_working_day(d("2019-05-03"))); // 2019 Labour Day, extended to 4 days
        assert!(cal.is_working_day(d("2019-05-05")));
        assert!(cal.is_working_day(d("2024-02-09"))); // 除夕 2024: a working day
        assert!(!cal.is_working_day(d("2025-01-28"))); // 除夕 2025: statutory since 2025
        assert!(cal.is_working_day(d("2023-10-07")));
        assert!(!cal.is_working_day(d("2023-09-29")));
        assert!(!cal.is_working_day(d("2021-01-01")));
        assert!(cal.is_working_day(d("2021-01-04")));
        assert!(cal.is_working_day(d("2021-02-07"))); // Sunday before 春节 2021
        assert!(cal.is_working_day(d("2021-02-20"))); // Saturday after
        assert!(cal.is_working_day(d("2021-09-18"))); // 中秋 2021 make-up Saturday
        assert!(cal.is_working_day(d("2022-04-02"))); // 清明 2022 make-up Saturday
        assert!(!cal.is_working_day(d("2022-01-31"))); // 除夕 2022
        assert!(cal.is_working_day(d("2023-01-28"))); // 春节 2023 make-up Saturday
        assert!(!cal.is_working_day(d("2023-06-23"))); // 端午 2023 (Friday)
        assert!(cal.is_working_day(d("2024-04-07"))); // 清明 2024 make-up Sunday
        assert!(cal.is_working_day(d("2025-04-27"))); // 劳动节 2025 make-up Sunday
        assert!(!cal.is_working_day(d("2025-10-08"))); // 国庆中秋 2025, 8 days
        assert!(!cal.is_working_day(d("2026-02-23"))); // 春节 2026, 9 days
        assert!(cal.is_working_day(d("2026-01-04"))); // 元旦 2026 make-up Sunday
        // Years without data fall back to weekends.
        assert!(cal.is_working_day(d("2030-10-01")));
        assert!(cal.year(2030).is_none());
    }

    #[test]
    fn make_up_days_are_weekends_and_holiday_counts_per_year() {
        let cal = WorkCalendar::china();
        for d in cal.workdays.keys() {
            assert!(is_weekend(*d), "{d}");
        }
        // Holiday days inside each calendar year (runs include the weekend days they span).
        let count = |y: i32| cal.holidays.keys().filter(|d| d.year() == y).count();
        // 2020: 1 + 10 + 3 + 5 + 3 + 8 = 30
        assert_eq!(count(2020), 30);
        // 2021: 3 + 7 + 3 + 5 + 3 + 3 + 7 = 31
        assert_eq!(count(2021), 31);
        // Working days in 2020: 366 − weekends − holiday weekdays + make-up days.
        let wd = cal.working_days_between(d("2019-12-31"), d("2020-12-31"));
        assert_eq!(wd, 249);
    }

    #[test]
    fn adding_and_counting_working_days() {
        let cal = WorkCalendar::china();
        // Period ending 2020-09-30 (Wed), due 5 working days later: 10-01..08 are holidays,
        // 10-09 (Fri) is day 1, 10-10 (make-up Sat) day 2, 10-12 day 3, 10-13 day 4, 10-14 day 5.
        assert_eq!(cal.add_working_days(d("2020-09-30"), 5), d("2020-10-14"));
        assert_eq!(
            cal.working_days_between(d("2020-09-30"), d("2020-10-14")),
            5
        );
        assert_eq!(
            cal.working_days_between(d("2020-10-14"), d("2020-09-30")),
            -5
        );
        assert_eq!(
            cal.working_days_between(d("2020-10-14"), d("2020-10-14")),
            0
        );
        // n = 0: the date itself if working, else the next working day.
        assert_eq!(cal.add_working_days(d("2020-10-01"), 0), d("2020-10-09"));
        assert_eq!(cal.add_working_days(d("2020-10-09"), 0), d("2020-10-09"));
        // Spring Festival 2020: after Friday 2020-01-23, the next working day is 02-03.
        assert_eq!(cal.add_working_days(d("2020-01-23"), 1), d("2020-02-03"));
        let plain = WorkCalendar::weekends_only();
        assert_eq!(plain.add_working_days(d("2020-01-23"), 1), d("2020-01-24"));
    }

    proptest::proptest! {
        #[test]
        fn adding_then_counting_working_days_agrees(offset in 0i64..3300, n in 1u32..40) {
            let cal = WorkCalendar::china();
            let start = d("2019-01-01") + chrono::Duration::days(offset);
            let due = cal.add_working_days(start, n);
            proptest::prop_assert!(cal.is_working_day(due));
            proptest::prop_assert!(due > start);
            proptest::prop_assert_eq!(cal.working_days_between(start, due), i64::from(n));
            // The day before `due` is still short of n working days.
            proptest::prop_assert_eq!(
                cal.working_days_between(start, due.pred_opt().unwrap()),
                i64::from(n) - 1
            );
        }
    }

    #[test]
    fn round_trips_through_text() {
        let cal = WorkCalendar::china();
        let again = WorkCalendar::parse(&cal.to_text()).unwrap();
        assert_eq!(cal, again);
    }

    #[test]
    fn bad_data_names_the_line() {
        let e =
            WorkCalendar::parse("year 2020 confirmed 通知\nworkday 2020-01-20 调休\n").unwrap_err();
        assert_eq!(
            e,
            CalendarError::Parse {
                line: 2,
                reason: "2020-01-20 不是周六或周日，不能作为调休上班日".into()
            }
        );
        assert!(WorkCalendar::parse("holiday 2020-01-01 元旦").is_err());
        assert!(WorkCalendar::parse("year 2020 confirmed x\nholiday 2020-13-01 元旦").is_err());
        assert!(WorkCalendar::parse("year 2020 maybe x").is_err());
        assert!(WorkCalendar::parse("year 2020 confirmed x\nholiday 2020-01-01").is_err());
        // An office override: one extra holiday.
        let cal =
            WorkCalendar::parse("year 2020 confirmed 本地通知\nholiday 2020-03-02 临时放假\n")
                .unwrap();
        assert!(!cal.is_working_day(d("2020-03-02")));
        assert!(cal.is_working_day(d("2020-03-03")));
    }
}
