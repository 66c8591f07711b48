//! The status method `duban.status/3`: progress, expected progress (序时进度), light and
//! forecast per target, and roll-ups to task, pillar and plan.
//!
//! Everything here is a pure function of its inputs (target definition, reported values,
//! report due/submission dates, calendar, as-of date, rules), so any status can be
//! recomputed and replayed for a past date. The method is published in
//! `docs/status-method.md`; every result carries [`STATUS_METHOD_VERSION`]. Change the
//! rules only with a new version.
//!
//! Lights: 蓝 achieved, 绿 on track, 黄 behind within the band or report late/missing
//! (never for an achieved target), 红 behind beyond the band, deadline passed unmet, or a
//! report overdue with nothing reported at all, 灰 no data (nothing due yet); "not applicable"
//! targets are excluded. Roll-ups take the worst light of the children that have one and
//! the weighted mean of their progress (weights normalised, each child capped at 100%).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::curve::Curve;
use crate::plan::{Comparator, Target};

/// The version of the status method implemented here; stored with every computed status.
pub const STATUS_METHOD_VERSION: &str = "duban.status/3";

/// The status light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// 蓝灯: achieved.
    Blue,
    /// 绿灯: on track (at or ahead of 序时进度).
    Green,
    /// 黄灯: behind within the band, or the report is late or missing.
    Yellow,
    /// 红灯: behind beyond the band, or the deadline passed unmet.
    Red,
    /// 灰色: no data.
    Grey,
    /// Not applicable: excluded from status and roll-ups.
    NotApplicable,
}

impl Light {
    pub const ALL: [Light; 6] = [
        Light::Blue,
        Light::Green,
        Light::Yellow,
        Light::Red,
        Light::Grey,
        Light::NotApplicable,
    ];

    /// Badness for roll-ups: blue 0 < green 1 < yellow 2 < red 3; `None` for the lights
    /// roll-ups skip (grey, not applicable).
    pub fn severity(self) -> Option<u8> {
        match self {
            Light::Blue => Some(0),
            Light::Green => Some(1),
            Light::Yellow => Some(2),
            Light::Red => Some(3),
            Light::Grey | Light::NotApplicable => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Light::Blue => "blue",
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
            Light::Grey => "grey",
            Light::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        Light::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The short name shown beside a light on every page, sheet and table ("绿灯").
    pub fn short_zh(self) -> &'static str {
        match self {
            Light::Blue => "蓝灯",
            Light::Green => "绿灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
            Light::Grey => "无数据",
            Light::NotApplicable => "不适用",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Light::Blue => "蓝灯（已完成）",
            Light::Green => "绿灯（正常推进）",
            Light::Yellow => "黄灯（滞后）",
            Light::Red => "红灯（严重滞后）",
            Light::Grey => "灰色（无数据）",
            Light::NotApplicable => "不适用",
        }
    }
}

/// The configurable thresholds of the method. Defaults are the published ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LightRules {
    /// Green while progress ≥ expected − tolerance (share, default 0: on or ahead of 序时进度).
    pub green_tolerance: f64,
    /// Yellow while the gap is at most tolerance + band (share, default 0.10 = 10 个百分点);
    /// red beyond.
    pub yellow_band: f64,
    /// "N左右": achieved within this share of N (default 0.05 = 5%).
    pub about_tolerance: f64,
    /// "增长N%左右": achieved within this many percentage points (default 0.5).
    pub growth_about_pp: f64,
    /// "与…同步": achieved when at most this many percentage points below the reference
    /// (default 0.5).
    pub in_step_pp: f64,
    /// A late or missing report turns green (and grey) into yellow (default true).
    pub late_report_yellow: bool,
    /// Yellow when the deadline is at most this many working days away and the target is
    /// not achieved, even if on track (宿迁 蓝单/黄单 practice). 0 = off (default).
    #[serde(default)]
    pub deadline_warning_working_days: u32,
}

impl Default for LightRules {
    fn default() -> Self {
        LightRules {
            green_tolerance: 0.0,
            yellow_band: 0.10,
            about_tolerance: 0.05,
            growth_about_pp: 0.5,
            in_step_pp: 0.5,
            late_report_yellow: true,
            deadline_warning_working_days: 0,
        }
    }
}

/// What is being tracked for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    /// A number compared with the target by its comparator.
    Quantity(QuantityTarget),
    /// A qualitative milestone (done / in progress / not started).
    Milestone,
    /// Excluded from status (e.g. a target handled elsewhere).
    NotApplicable,
}

/// A quantitative target in the units reporters use (the target's unit as written: 个,
/// 亿元, %). Growth targets take and report rates in percent (6 means 6%).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityTarget {
    pub comparator: Comparator,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The level at `start` (基数). Without it, level targets count from zero and
    /// "控制在N以内" is a ceiling rather than a reduction.
    pub baseline: Option<f64>,
    /// The target is an amount to add (新建/再建/新增 N): reports give the amount added
    /// since `start`, and progress is reported ÷ N.
    #[serde(default)]
    pub increment: bool,
    /// 提高/下降 N% of a level (单位GDP能耗下降3%): N is a share of the baseline, not an
    /// amount in the level's own unit, so the level to reach is 基数 × (1 ± N/100).
    /// Guessed from the unit `%` (个百分点 stays an amount).
    #[serde(default)]
    pub relative: bool,
}

impl QuantityTarget {
    /// From a plan target, with an optional baseline. `increment` is guessed from the
    /// phrase (新建, 再建, 新增, 新培育, 新创建, 新认定, 新开工); the office can override it.
    pub fn from_target(target: &Target, baseline: Option<f64>) -> QuantityTarget {
        const INCREMENT_WORDS: [&str; 7] = [
            "新建",
            "再建",
            "新增",
            "新培育",
            "新创建",
            "新认定",
            "新开工",
        ];
        QuantityTarget {
            comparator: target.comparator,
            value: target.value,
            low: target.low,
            high: target.high,
            baseline,
            increment: INCREMENT_WORDS.iter().any(|w| target.phrase.contains(w)),
            relative: matches!(
                target.comparator,
                Comparator::Increase | Comparator::Decrease
            ) && matches!(target.unit.as_deref().map(str::trim), Some("%" | "％")),
        }
    }
}

/// A target as the status method sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub measure: Measure,
    /// When the work starts (usually 1 January of the plan year).
    pub start: NaiveDate,
    /// When it must be done (时间节点; usually 31 December).
    pub deadline: NaiveDate,
    /// Expected progress over `[start, deadline]`.
    #[serde(default)]
    pub curve: Curve,
}

/// State of a qualitative milestone as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MilestoneState {
    NotStarted,
    /// In progress, optionally with the reporter's estimate of the share done (0..=1).
    InProgress {
        share: Option<f64>,
    },
    Done {
        on: Option<NaiveDate>,
    },
}

/// One reported value (from an accepted, or at least submitted, report: the caller
/// decides which reports count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The date the value refers to (数据截止日期), not the submission date.
    pub date: NaiveDate,
    pub value: Option<f64>,
    /// The comparison value for 高于/同步 targets (e.g. GDP growth), in the same units.
    #[serde(default)]
    pub reference: Option<f64>,
    #[serde(default)]
    pub milestone: Option<MilestoneState>,
    /// When the value reached the office (the report's submission date). Values reported
    /// after the as-of date are ignored, so replays see only what was known then.
    #[serde(default)]
    pub reported_on: Option<NaiveDate>,
}

impl Observation {
    pub fn value(date: NaiveDate, value: f64) -> Observation {
        Observation {
            date,
            value: Some(value),
            reference: None,
            milestone: None,
            reported_on: None,
        }
    }

    /// The same value, marked as reported on `date`.
    pub fn reported(mut self, date: NaiveDate) -> Observation {
        self.reported_on = Some(date);
        self
    }

    /// Whether the value was known on `as_of`: it refers to a date on or before it and had
    /// reached the office by then. Only such values count in a status as of that date.
    pub fn known_at(&self, as_of: NaiveDate) -> bool {
        self.date <= as_of && self.reported_on.is_none_or(|r| r <= as_of)
    }
}

/// A report obligation: due date and, if any, when it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDue {
    pub period: String,
    pub due: NaiveDate,
    pub submitted: Option<NaiveDate>,
}

/// Whether a report came in on time, as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Timeliness {
    /// Not submitted, not yet due.
    NotDue,
    OnTime,
    /// Submitted after the due date; `working_days` after it (0 when only non-working days
    /// passed).
    Late {
        working_days: i64,
    },
    /// Not submitted and past due by `working_days`.
    Missing {
        working_days: i64,
    },
}

impl Timeliness {
    pub fn is_late_or_missing(self) -> bool {
        matches!(self, Timeliness::Late { .. } | Timeliness::Missing { .. })
    }
}

/// A report due on `due` and submitted on `submitted` (if at all), seen on `as_of`.
/// Late means submitted on a date after `due`; missing means not submitted by `as_of`
/// when `as_of` is after `due`. Submissions after `as_of` are ignored (replay).
pub fn timeliness(
    due: NaiveDate,
    submitted: Option<NaiveDate>,
    as_of: NaiveDate,
    cal: &WorkCalendar,
) -> Timeliness {
    match submitted.filter(|s| *s <= as_of) {
        Some(s) if s <= due => Timeliness::OnTime,
        Some(s) => Timeliness::Late {
            working_days: cal.working_days_between(due, s),
        },
        None if as_of <= due => Timeliness::NotDue,
        None => Timeliness::Missing {
            working_days: cal.working_days_between(due, as_of),
        },
    }
}

/// Inputs common to every evaluation.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    pub as_of: NaiveDate,
    pub calendar: &'a WorkCalendar,
    pub rules: &'a LightRules,
}

/// How the forecast was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// `ols_linear`: least-squares straight line through the reported values (plus the
    /// baseline at `start` when known), extended to the deadline.
    pub method: String,
    /// Number of points the line was fitted to.
    pub points: usize,
    pub deadline: NaiveDate,
    pub projected_value: f64,
    pub projected_achieved: bool,
}

/// The computed status of one target at one as-of date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetStatus {
    /// Always [`STATUS_METHOD_VERSION`].
    pub method: String,
    pub as_of: NaiveDate,
    pub light: Light,
    /// Progress toward the target, capped to `[0, 1]`.
    pub progress: Option<f64>,
    /// Progress before capping (may exceed 1 or be negative).
    pub raw_progress: Option<f64>,
    /// The share that should be done (序时进度) at the latest value's date.
    pub expected: Option<f64>,
    pub achieved: bool,
    pub latest_value: Option<f64>,
    pub latest_date: Option<NaiveDate>,
    pub timeliness: Option<Timeliness>,
    pub forecast: Option<Forecast>,
    /// Why, in Chinese, one sentence per step.
    pub explanation: Vec<String>,
}

/// How the gap to the target is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Progress accumulates: compare with 序时进度; achieved is final (提前完成 = blue).
    Cumulative,
    /// Rates, ceilings and comparisons hold or not at each report: compare with 100%;
    /// blue only once the data covers the deadline.
    Standing,
    /// Direction-only: right direction or not.
    Direction,
}

struct Assessment {
    raw: Option<f64>,
    achieved: bool,
    mode: Mode,
    /// Achievement test for a forecast value (None: no forecast for this kind).
    test: Option<Box<dyn Fn(f64) -> bool>>,
    /// Anchor at `start` for the forecast line.
    anchor: Option<f64>,
    note: String,
}

/// Evaluates one target at `ctx.as_of` from its reported values and report deadlines.
/// Observations dated or reported after `as_of`, and submissions after it, are ignored,
/// so a past date can be replayed exactly.
pub fn evaluate_target(
    spec: &TargetSpec,
    observations: &[Observation],
    reports: &[ReportDue],
    ctx: &EvalContext<'_>,
) -> TargetStatus {
    let as_of = ctx.as_of;
    let rules = ctx.rules;
    let mut obs: Vec<&Observation> = observations.iter().filter(|o| o.known_at(as_of)).collect();
    obs.sort_by_key(|o| o.date);

    let latest_report = reports
        .iter()
        .filter(|r| r.due <= as_of || r.submitted.is_some_and(|s| s <= as_of))
        .max_by_key(|r| r.due);
    let timeliness = latest_report.map(|r| timeliness(r.due, r.submitted, as_of, ctx.calendar));

    let mut status = TargetStatus {
        method: STATUS_METHOD_VERSION.to_string(),
        as_of,
        light: Light::Grey,
        progress: None,
        raw_progress: None,
        expected: None,
        achieved: false,
        latest_value: None,
        latest_date: None,
        timeliness,
        forecast: None,
        explanation: Vec::new(),
    };

    // True when the target has no reported value (or milestone state) at all.
    let mut nothing_reported = false;
    let assessment = match &spec.measure {
        Measure::NotApplicable => {
            status.light = Light::NotApplicable;
            status.explanation.push("该目标不适用，不计入汇总".into());
            return status;
        }
        Measure::Quantity(q) => {
            let with_value: Vec<&Observation> = obs
                .iter()
                .copied()
                .filter(|o| o.value.is_some_and(f64::is_finite))
                .collect();
            if let Some(last) = with_value.last() {
                status.latest_value = last.value;
                status.latest_date = Some(last.date);
            }
            nothing_reported = with_value.is_empty();
            match assess_quantity(q, &with_value, rules) {
                Ok(a) => Some((a, with_value)),
                Err(why) => {
                    status.explanation.push(why);
                    None
                }
            }
        }
        Measure::Milestone => {
            let last = obs
                .iter()
                .rev()
                .find_map(|o| o.milestone.map(|m| (o.date, m)));
            match last {
                None => {
                    nothing_reported = true;
                    status.explanation.push("尚未报送节点完成情况".into());
                    None
                }
                Some((date, m)) => {
                    status.latest_date = Some(date);
                    Some((assess_milestone(m), Vec::new()))
                }
            }
        }
    };

    if let Some((a, points)) = assessment {
        let data_date = status.latest_date.unwrap_or(as_of);
        let after_deadline = as_of > spec.deadline;
        let data_final = data_date >= spec.deadline;
        let progress = a.raw.map(|p| p.clamp(0.0, 1.0));
        status.raw_progress = a.raw;
        status.progress = progress;
        status.achieved = a.achieved;
        status.explanation.push(a.note.clone());
        let expected = match a.mode {
            Mode::Cumulative => spec
                .curve
                .expected_share(spec.start, spec.deadline, data_date),
            Mode::Standing | Mode::Direction => 1.0,
        };
        if a.mode == Mode::Cumulative {
            status.expected = Some(expected);
        }

        status.light = if a.achieved {
            if a.mode == Mode::Cumulative || data_final {
                status.explanation.push("目标已完成".into());
                Light::Blue
            } else {
                status
                    .explanation
                    .push("目前达到目标要求；以截至时间节点的数据为准确认完成".into());
                Light::Green
            }
        } else if after_deadline {
            status
                .explanation
                .push(format!("已过时间节点（{}）仍未完成", spec.deadline));
            Light::Red
        } else if a.mode == Mode::Direction {
            status
                .explanation
                .push("变动方向与目标要求相反或持平".into());
            Light::Yellow
        } else if let Some(p) = progress {
            let gap = expected - p;
            let label = if a.mode == Mode::Cumulative {
                format!("序时进度 {}", pct(expected))
            } else {
                "应达 100%".to_string()
            };
            if gap <= rules.green_tolerance + 1e-12 {
                status
                    .explanation
                    .push(format!("完成进度 {}，{label}，不落后", pct(p)));
                Light::Green
            } else if gap <= rules.green_tolerance + rules.yellow_band + 1e-12 {
                status.explanation.push(format!(
                    "完成进度 {}，{label}，落后 {:.1} 个百分点（黄灯区间 {:.1} 个百分点以内）",
                    pct(p),
                    gap * 100.0,
                    (rules.green_tolerance + rules.yellow_band) * 100.0
                ));
                Light::Yellow
            } else {
                status.explanation.push(format!(
                    "完成进度 {}，{label}，落后 {:.1} 个百分点（超过 {:.1} 个百分点）",
                    pct(p),
                    gap * 100.0,
                    (rules.green_tolerance + rules.yellow_band) * 100.0
                ));
                Light::Red
            }
        } else {
            // In progress without a reported share: on track until the deadline.
            status
                .explanation
                .push("进行中（未报完成比例），按正常推进计".into());
            Light::Green
        };

        if let Some(test) = &a.test {
            status.forecast = forecast(spec, &points, a.anchor, test.as_ref());
        }
    }

    if rules.deadline_warning_working_days > 0
        && status.light == Light::Green
        && !status.achieved
        && as_of <= spec.deadline
        && ctx.calendar.working_days_between(as_of, spec.deadline)
            <= i64::from(rules.deadline_warning_working_days)
    {
        status.light = Light::Yellow;
        status.explanation.push(format!(
            "距时间节点（{}）不足 {} 个工作日仍未完成，按黄灯提示",
            spec.deadline, rules.deadline_warning_working_days
        ));
    }

    // Overdue with nothing reported: red, however long ago (a report missing for
    // years must not stay yellow). Only when there is no value at all: a target
    // that is grey because its definition is incomplete stays grey.
    if status.light == Light::Grey && nothing_reported {
        if let Some(Timeliness::Missing { working_days }) = timeliness {
            status.light = Light::Red;
            status.explanation.push(format!(
                "报告已逾期 {working_days} 个工作日未报送，且尚无任何填报，按红灯计"
            ));
        } else if as_of > spec.deadline && !reports.is_empty() {
            status.light = Light::Red;
            status.explanation.push(format!(
                "已过时间节点（{}）仍无任何填报，按红灯计",
                spec.deadline
            ));
        }
    }

    // A late or missing report turns an on-track light yellow — never an achieved one
    // (nor one at 100%): what is done stays blue or green.
    if rules.late_report_yellow
        && let Some(t) = timeliness
        && t.is_late_or_missing()
        && status.light == Light::Green
        && !status.achieved
        && status.progress.is_none_or(|p| p < 1.0)
    {
        status.light = Light::Yellow;
        status.explanation.push(match t {
            Timeliness::Late { working_days } => {
                format!("本期报告逾期报送（晚 {working_days} 个工作日），按黄灯计")
            }
            Timeliness::Missing { working_days } => {
                format!("本期报告未按时报送（已逾期 {working_days} 个工作日），按黄灯计")
            }
            _ => unreachable!("late or missing"),
        });
    }
    status
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    if den.abs() < 1e-12 {
        None
    } else {
        Some(num / den)
    }
}

fn assess_milestone(m: MilestoneState) -> Assessment {
    let (raw, achieved, note) = match m {
        MilestoneState::Done { on } => (
            Some(1.0),
            true,
            match on {
                Some(d) => format!("节点已完成（{d}）"),
                None => "节点已完成".to_string(),
            },
        ),
        MilestoneState::InProgress { share } => {
            let share = share.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 1.0));
            (share, false, "节点推进中".to_string())
        }
        MilestoneState::NotStarted => (Some(0.0), false, "节点尚未启动".to_string()),
    };
    Assessment {
        raw,
        achieved,
        mode: Mode::Cumulative,
        test: None,
        anchor: None,
        note,
    }
}

fn assess_quantity(
    q: &QuantityTarget,
    obs: &[&Observation],
    rules: &LightRules,
) -> Result<Assessment, String> {
    use Comparator as C;
    let Some(last) = obs.last() else {
        return Err("尚无报送数值".into());
    };
    let v = last.value.expect("filtered to values");
    let need = |x: Option<f64>, what: &str| {
        x.filter(|x| x.is_finite())
            .ok_or_else(|| format!("目标缺少{what}，无法计算进度"))
    };
    let base = q.baseline.filter(|b| b.is_finite());

    match q.comparator {
        C::Equal | C::Reach | C::AtLeast | C::About | C::Range => {
            let target = if q.comparator == C::Range {
                need(q.low, "区间下限")?
            } else {
                need(q.value, "目标值")?
            };
            let about = q.comparator == C::About;
            let tol = if about {
                target.abs() * rules.about_tolerance
            } else {
                0.0
            };
            if q.increment {
                let achieved = v >= target - tol;
                let raw = ratio(v, target).unwrap_or(if achieved { 1.0 } else { 0.0 });
                return Ok(Assessment {
                    raw: Some(raw),
                    achieved,
                    mode: Mode::Cumulative,
                    test: Some(Box::new(move |x| x >= target - tol)),
                    anchor: Some(0.0),
                    note: format!("累计新增 {v}，目标新增 {target}"),
                });
            }
            let b = base.unwrap_or(0.0);
            let up = target >= b;
            let achieved = if up {
                v >= target - tol
            } else {
                v <= target + tol
            };
            let raw = ratio(v - b, target - b).unwrap_or(if achieved { 1.0 } else { 0.0 });
            let note = match base {
                Some(b) => format!("当前 {v}，基数 {b}，目标 {target}"),
                None => format!("当前 {v}，目标 {target}（未设基数，按从零起算）"),
            };
            Ok(Assessment {
                raw: Some(raw),
                achieved,
                mode: Mode::Cumulative,
                test: Some(Box::new(move |x| {
                    if up {
                        x >= target - tol
                    } else {
                        x <= target + tol
                    }
                })),
                anchor: Some(b),
                note,
            })
        }
        C::AtMost => {
            let cap = need(q.value, "目标值")?;
            match base {
                // A reduction: from the baseline down to the cap. Lower is better.
                Some(b) if b > cap => {
                    let raw = (b - v) / (b - cap);
                    Ok(Assessment {
                        raw: Some(raw),
                        achieved: v <= cap,
                        mode: Mode::Cumulative,
                        test: Some(Box::new(move |x| x <= cap)),
                        anchor: Some(b),
                        note: format!("当前 {v}，基数 {b}，须降至 {cap} 以内"),
                    })
                }
                // A ceiling to stay under at every report.
                _ => {
                    let raw = if v <= cap {
                        1.0
                    } else if v > 0.0 && cap >= 0.0 {
                        cap / v
                    } else {
                        0.0
                    };
                    Ok(Assessment {
                        raw: Some(raw),
                        achieved: v <= cap,
                        mode: Mode::Standing,
                        test: Some(Box::new(move |x| x <= cap)),
                        anchor: base,
                        note: format!("当前 {v}，须控制在 {cap} 以内"),
                    })
                }
            }
        }
        C::Growth | C::GrowthAtLeast | C::GrowthAbout => {
            let r = need(q.value, "目标增速")?;
            let tol = if q.comparator == C::GrowthAbout {
                rules.growth_about_pp
            } else {
                0.0
            };
            let meets = move |g: f64| if r >= 0.0 { g >= r - tol } else { g <= r + tol };
            let achieved = meets(v);
            let raw = ratio(v, r).unwrap_or(if achieved { 1.0 } else { 0.0 });
            Ok(Assessment {
                raw: Some(raw),
                achieved,
                mode: Mode::Standing,
                test: Some(Box::new(meets)),
                anchor: None,
                note: format!("累计增速 {v}%，目标增速 {r}%"),
            })
        }
        C::Increase | C::Decrease => {
            let up = q.comparator == C::Increase;
            // With an amount and a baseline: a level target base ± amount.
            if let (Some(n), Some(b)) = (q.value.filter(|x| x.is_finite()), base) {
                let amount = if q.relative {
                    b.abs() * n.abs() / 100.0
                } else {
                    n.abs()
                };
                let target = if up { b + amount } else { b - amount };
                let achieved = if up { v >= target } else { v <= target };
                let raw = ratio(v - b, target - b).unwrap_or(0.0);
                return Ok(Assessment {
                    raw: Some(raw),
                    achieved,
                    mode: Mode::Cumulative,
                    test: Some(Box::new(
                        move |x| if up { x >= target } else { x <= target },
                    )),
                    anchor: Some(b),
                    note: format!(
                        "当前 {v}，基数 {b}，目标{}{}至 {target}",
                        if up { "提高" } else { "降低" },
                        if q.relative {
                            format!(" {}% ", n.abs())
                        } else {
                            String::new()
                        }
                    ),
                });
            }
            let prev = if obs.len() >= 2 {
                obs[obs.len() - 2].value
            } else {
                base
            };
            let Some(prev) = prev else {
                return Err("只有一个数值且无基数，无法判断变动方向".into());
            };
            let right = if up { v > prev } else { v < prev };
            Ok(Assessment {
                raw: Some(if right { 1.0 } else { 0.0 }),
                achieved: right,
                mode: Mode::Direction,
                test: Some(Box::new(move |x| if up { x > prev } else { x < prev })),
                anchor: base,
                note: format!(
                    "最近一次变动：{prev} → {v}（要求{}）",
                    if up { "上升" } else { "下降" }
                ),
            })
        }
        C::HigherThan | C::InStepWith => {
            let Some(reference) = last.reference.or(q.value).filter(|x| x.is_finite()) else {
                return Err("缺少对比指标的数值，无法比较".into());
            };
            let achieved = if q.comparator == C::HigherThan {
                v > reference
            } else {
                v >= reference - rules.in_step_pp
            };
            let raw = if achieved {
                1.0
            } else if reference > 0.0 {
                v / reference
            } else {
                0.0
            };
            Ok(Assessment {
                raw: Some(raw),
                achieved,
                mode: Mode::Standing,
                test: None,
                anchor: None,
                note: format!("当前 {v}，对比值 {reference}"),
            })
        }
    }
}

/// Least-squares line through the points (x = days since `start`), plus the anchor at
/// `start` when given, extended to the deadline. Needs two distinct dates.
fn forecast(
    spec: &TargetSpec,
    points: &[&Observation],
    anchor: Option<f64>,
    test: &dyn Fn(f64) -> bool,
) -> Option<Forecast> {
    let day = |d: NaiveDate| (d - spec.start).num_days() as f64;
    let mut xy: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|o| o.value.map(|v| (day(o.date), v)))
        .collect();
    if let Some(a) = anchor
        && !xy.iter().any(|(x, _)| *x <= 0.0)
    {
        xy.insert(0, (0.0, a));
    }
    let n = xy.len() as f64;
    if xy.len() < 2 {
        return None;
    }
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx < 1e-9 {
        return None;
    }
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let projected = my + slope * (day(spec.deadline) - mx);
    if !projected.is_finite() {
        return None;
    }
    Some(Forecast {
        method: "ols_linear".into(),
        points: xy.len(),
        deadline: spec.deadline,
        projected_value: projected,
        projected_achieved: test(projected),
    })
}

/// One child in a roll-up: a target's (or a sub-roll-up's) light and progress, weighted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RollUpChild {
    pub light: Light,
    pub progress: Option<f64>,
    /// Relative weight (default 1). Non-positive or non-finite weights leave the child out
    /// of the progress average (its light still counts).
    pub weight: f64,
}

impl RollUpChild {
    pub fn of_target(status: &TargetStatus, weight: f64) -> RollUpChild {
        RollUpChild {
            light: status.light,
            progress: status.progress,
            weight,
        }
    }

    pub fn of_roll_up(r: &RollUp, weight: f64) -> RollUpChild {
        RollUpChild {
            light: r.light,
            progress: r.progress,
            weight,
        }
    }
}

/// Counts of children per light.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightCounts {
    pub blue: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
    pub grey: usize,
    pub not_applicable: usize,
}

impl LightCounts {
    fn add(&mut self, l: Light) {
        match l {
            Light::Blue => self.blue += 1,
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
            Light::Grey => self.grey += 1,
            Light::NotApplicable => self.not_applicable += 1,
        }
    }
}

/// The status of a task, pillar or plan from its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollUp {
    pub method: String,
    /// The worst light among children that have one (grey and not applicable skipped);
    /// grey when none has, not applicable when all children are.
    pub light: Light,
    /// Weighted mean of the children's progress (weights normalised over the children that
    /// count, each progress capped to `[0, 1]`); `None` when no child counts.
    pub progress: Option<f64>,
    pub counts: LightCounts,
    /// Children in the progress average.
    pub counted: usize,
}

/// Rolls children up: worst light, weighted mean progress. Grey ("no data") and not
/// applicable children are skipped for both, so they never drag the average.
pub fn roll_up(children: &[RollUpChild]) -> RollUp {
    let mut counts = LightCounts::default();
    let mut worst: Option<Light> = None;
    let (mut sum_w, mut sum_wp, mut counted) = (0.0, 0.0, 0);
    for c in children {
        counts.add(c.light);
        let Some(sev) = c.light.severity() else {
            continue;
        };
        if worst.is_none_or(|w| w.severity().is_some_and(|ws| sev > ws)) {
            worst = Some(c.light);
        }
        if let Some(p) = c.progress.filter(|p| p.is_finite())
            && c.weight.is_finite()
            && c.weight > 0.0
        {
            sum_w += c.weight;
            sum_wp += c.weight * p.clamp(0.0, 1.0);
            counted += 1;
        }
    }
    let light = match worst {
        Some(l) => l,
        None if !children.is_empty() && counts.not_applicable == children.len() => {
            Light::NotApplicable
        }
        None => Light::Grey,
    };
    RollUp {
        method: STATUS_METHOD_VERSION.to_string(),
        light,
        progress: (sum_w > 0.0).then(|| (sum_wp / sum_w).clamp(0.0, 1.0)),
        counts,
        counted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Span;
    use crate::test_support::d;
    use proptest::prelude::*;

    #[test]
    fn short_light_names_are_distinct_and_start_the_long_ones() {
        let short: std::collections::BTreeSet<_> =
            Light::ALL.iter().map(|l| l.short_zh()).collect();
        assert_eq!(short.len(), Light::ALL.len());
        assert_eq!(Light::Blue.short_zh(), "蓝灯");
        for l in [Light::Blue, Light::Green, Light::Yellow, Light::Red] {
            assert!(l.label_zh().starts_with(l.short_zh()), "{l:?}");
        }
    }

    fn qty(c: Comparator, value: Option<f64>, baseline: Option<f64>) -> TargetSpec {
        TargetSpec {
            measure: Measure::Quantity(QuantityTarget {
                comparator: c,
                value,
                low: None,
                high: None,
                baseline,
                increment: false,
                relative: false,
            }),
            start: d("2020-01-01"),
            deadline: d("2020-12-31"),
            curve: Curve::Linear,
        }
    }

    fn eval(spec: &TargetSpec, obs: &[Observation], as_of: &str) -> TargetStatus {
        eval_with(spec, obs, &[], as_of)
    }

    fn eval_with(
        spec: &TargetSpec,
        obs: &[Observation],
        reports: &[ReportDue],
        as_of: &str,
    ) -> TargetStatus {
        let cal = WorkCalendar::china();
        let rules = LightRules::default();
        let ctx = EvalContext {
            as_of: d(as_of),
            calendar: &cal,
            rules: &rules,
        };
        evaluate_target(spec, obs, reports, &ctx)
    }

    fn ob(date: &str, v: f64) -> Observation {
        Observation::value(d(date), v)
    }

    /// Checks the light after one observation, case by case: (observed on, value, as of,
    /// expected light).
    fn assert_lights(spec: &TargetSpec, cases: &[(&str, f64, &str, Light)]) {
        for &(date, value, as_of, light) in cases {
            assert_eq!(
                eval(spec, &[ob(date, value)], as_of).light,
                light,
                "{value} observed {date}, as of {as_of}"
            );
        }
    }

    #[test]
    fn increment_target_new_centres() {
        // 再建350个乡镇（街道）居家养老服务中心: reports give the number built this year.
        let mut spec = qty(Comparator::Equal, Some(350.0), None);
        if let Measure::Quantity(q) = &mut spec.measure {
            q.increment = true;
        }
        // Mid-year (06-30: 序时进度 182/366 = 49.7%): 175 built = 50% → green.
        let s = eval(&spec, &[ob("2020-06-30", 175.0)], "2020-07-10");
        assert_eq!(s.light, Light::Green, "{:?}", s.explanation);
        assert!((s.progress.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(s.method, STATUS_METHOD_VERSION);
        // 150 built = 42.9%: behind by 6.9 points → yellow.
        let s = eval(&spec, &[ob("2020-06-30", 150.0)], "2020-07-10");
        assert_eq!(s.light, Light::Yellow);
        // 100 built = 28.6%: behind by 21 points → red.
        let s = eval(&spec, &[ob("2020-06-30", 100.0)], "2020-07-10");
        assert_eq!(s.light, Light::Red);
        // 350 built in September: achieved early → blue.
        let s = eval(&spec, &[ob("2020-09-30", 352.0)], "2020-10-10");
        assert_eq!(s.light, Light::Blue);
        assert_eq!(s.progress, Some(1.0));
        assert!(s.raw_progress.unwrap() > 1.0);
        // Deadline passed with 340 → red.
        let s = eval(&spec, &[ob("2020-12-31", 340.0)], "2021-01-15");
        assert_eq!(s.light, Light::Red);
    }

    #[test]
    fn level_target_with_baseline() {
        // 服务业增加值占比达到 56%, from 54.5 at the start of the year.
        let spec = qty(Comparator::Reach, Some(56.0), Some(54.5));
        let s = eval(&spec, &[ob("2020-06-30", 55.25)], "2020-07-20");
        assert!((s.raw_progress.unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(s.light, Light::Green);
        let s = eval(&spec, &[ob("2020-06-30", 54.0)], "2020-07-20");
        assert_eq!(s.progress, Some(0.0));
        assert!(s.raw_progress.unwrap() < 0.0);
        assert_eq!(s.light, Light::Red);
        // At-least target reached.
        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        assert_lights(&spec, &[("2020-03-31", 120.0, "2020-04-10", Light::Blue)]);
    }

    #[test]
    fn about_target_has_a_tolerance() {
        let spec = qty(Comparator::About, Some(1000.0), None);
        assert_lights(
            &spec,
            &[
                ("2020-12-31", 960.0, "2021-01-05", Light::Blue),
                ("2020-12-31", 940.0, "2021-01-05", Light::Red),
            ],
        );
    }

    #[test]
    fn reduce_target_lower_is_better() {
        // 控制在 8 以内, from 10: going down is progress (the classic bug in peers).
        let spec = qty(Comparator::AtMost, Some(8.0), Some(10.0));
        let s = eval(&spec, &[ob("2020-06-30", 9.0)], "2020-07-10");
        assert!((s.progress.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(s.light, Light::Green);
        // Going up is negative progress, capped at 0 → red.
        let s = eval(&spec, &[ob("2020-06-30", 10.5)], "2020-07-10");
        assert_eq!(s.progress, Some(0.0));
        assert_eq!(s.light, Light::Red);
        // Reaching 7.5 (below the cap) early is achieved.
        let s = eval(&spec, &[ob("2020-09-30", 7.5)], "2020-10-20");
        assert_eq!(s.light, Light::Blue);
        assert!(s.achieved);
        // Forecast: 10 → 9.5 (Mar) → 9.0 (Jun) projects to ~8.0 by December.
        let s = eval(
            &spec,
            &[ob("2020-03-31", 9.5), ob("2020-06-30", 9.0)],
            "2020-07-10",
        );
        let f = s.forecast.unwrap();
        assert!(f.projected_value < 8.3 && f.projected_value > 7.7, "{f:?}");
        assert_eq!(f.points, 3);
    }

    #[test]
    fn ceiling_without_baseline_must_hold() {
        let spec = qty(Comparator::AtMost, Some(5.0), None);
        assert_lights(
            &spec,
            &[
                ("2020-06-30", 4.0, "2020-07-10", Light::Green),
                // Slightly over (5.2: 96%) → yellow; well over → red.
                ("2020-06-30", 5.2, "2020-07-10", Light::Yellow),
                ("2020-06-30", 7.0, "2020-07-10", Light::Red),
                // Within at year end → blue.
                ("2020-12-31", 4.9, "2021-01-10", Light::Blue),
            ],
        );
    }

    #[test]
    fn a_percent_decrease_is_a_share_of_the_baseline() {
        // 单位GDP能耗下降3%: from 0.50 the level to reach is 0.485, not 0.50 − 3.
        let mut t = Target {
            phrase: "单位GDP能耗下降3%".into(),
            span: Span { start: 0, end: 0 },
            metric: "单位GDP能耗".into(),
            comparator: Comparator::Decrease,
            value: Some(3.0),
            low: None,
            high: None,
            unit: Some("%".into()),
            normalized: Some(3.0),
            commitment: None,
        };
        let q = QuantityTarget::from_target(&t, Some(0.5));
        assert!(q.relative);
        let spec = TargetSpec {
            measure: Measure::Quantity(q),
            ..qty(Comparator::Decrease, None, None)
        };
        let s = eval(&spec, &[ob("2020-12-31", 0.485)], "2021-01-10");
        assert_eq!(s.light, Light::Blue, "{s:?}");
        let s = eval(&spec, &[ob("2020-12-31", 0.4925)], "2021-01-10");
        assert!((s.progress.unwrap() - 0.5).abs() < 1e-9, "{s:?}");
        assert_eq!(s.light, Light::Red);
        // 失业率下降0.5个百分点 stays an amount in the level's own unit.
        t.unit = Some("个百分点".into());
        assert!(!QuantityTarget::from_target(&t, Some(5.0)).relative);
        // 提高5%: 200 → 210.
        t.comparator = Comparator::Increase;
        t.value = Some(5.0);
        t.unit = Some("%".into());
        let spec = TargetSpec {
            measure: Measure::Quantity(QuantityTarget::from_target(&t, Some(200.0))),
            ..qty(Comparator::Increase, None, None)
        };
        let s = eval(&spec, &[ob("2020-12-31", 210.0)], "2021-01-10");
        assert_eq!(s.light, Light::Blue, "{s:?}");
    }

    #[test]
    fn decrease_by_an_amount_and_direction_only() {
        let mut spec = qty(Comparator::Decrease, Some(2.0), Some(10.0));
        let s = eval(&spec, &[ob("2020-06-30", 9.0)], "2020-07-10");
        assert!((s.progress.unwrap() - 0.5).abs() < 1e-12);
        spec = qty(Comparator::Decrease, None, None);
        // One value, no baseline: direction unknown → grey.
        let s = eval(&spec, &[ob("2020-03-31", 9.0)], "2020-04-10");
        assert_eq!(s.light, Light::Grey);
        let s = eval(
            &spec,
            &[ob("2020-03-31", 9.0), ob("2020-06-30", 8.5)],
            "2020-07-10",
        );
        assert_eq!(s.light, Light::Green);
        let s = eval(
            &spec,
            &[ob("2020-03-31", 9.0), ob("2020-06-30", 9.5)],
            "2020-07-10",
        );
        assert_eq!(s.light, Light::Yellow);
        let up = qty(Comparator::Increase, None, Some(3.0));
        assert_lights(
            &up,
            &[
                ("2020-12-31", 3.4, "2021-01-10", Light::Blue),
                ("2020-12-31", 2.9, "2021-01-10", Light::Red),
            ],
        );
        // No data → grey.
        assert_eq!(eval(&up, &[], "2020-07-10").light, Light::Grey);
    }

    #[test]
    fn growth_targets_compare_rates() {
        let spec = qty(Comparator::Growth, Some(6.0), None);
        assert_lights(
            &spec,
            &[
                // Cumulative growth 6.2% in Q3 meets the rate: green until the year's data is in.
                ("2020-09-30", 6.2, "2020-10-15", Light::Green),
                ("2020-12-31", 6.2, "2021-01-15", Light::Blue),
                // 5.5% is 91.7% of 6%: behind within the band → yellow.
                ("2020-09-30", 5.5, "2020-10-15", Light::Yellow),
                // 3% → red; −1% → red with progress 0.
                ("2020-09-30", 3.0, "2020-10-15", Light::Red),
            ],
        );
        let s = eval(&spec, &[ob("2020-09-30", -1.0)], "2020-10-15");
        assert_eq!((s.light, s.progress), (Light::Red, Some(0.0)));
        // 增长7%左右: 6.6% is within 0.5 points.
        let about = qty(Comparator::GrowthAbout, Some(7.0), None);
        assert!(eval(&about, &[ob("2020-12-31", 6.6)], "2021-01-15").achieved);
        assert!(!eval(&about, &[ob("2020-12-31", 6.4)], "2021-01-15").achieved);
        // A decline target (增长 −2%): −3% is better than −2%.
        let decline = qty(Comparator::GrowthAtLeast, Some(-2.0), None);
        assert!(eval(&decline, &[ob("2020-12-31", -3.0)], "2021-01-15").achieved);
    }

    #[test]
    fn range_achieved_at_low() {
        let mut spec = qty(Comparator::Range, None, None);
        if let Measure::Quantity(q) = &mut spec.measure {
            q.low = Some(3.0);
            q.high = Some(5.0);
            q.increment = true;
        }
        assert_lights(&spec, &[("2020-11-30", 3.0, "2020-12-10", Light::Blue)]);
        let s = eval(&spec, &[ob("2020-06-30", 1.0)], "2020-07-10");
        assert!((s.progress.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.light, Light::Red);
    }

    #[test]
    fn comparisons_with_a_reference() {
        let spec = qty(Comparator::HigherThan, None, None);
        let o = |v: f64, r: Option<f64>| Observation {
            date: d("2020-09-30"),
            value: Some(v),
            reference: r,
            milestone: None,
            reported_on: None,
        };
        let step = qty(Comparator::InStepWith, None, None);
        for (spec, value, reference, light) in [
            (&spec, 6.5, Some(6.1), Light::Green),
            (&spec, 5.9, Some(6.1), Light::Yellow),
            (&spec, 5.9, None, Light::Grey),
            (&step, 5.8, Some(6.1), Light::Green),
        ] {
            assert_eq!(
                eval(spec, &[o(value, reference)], "2020-10-10").light,
                light,
                "{value} against {reference:?}"
            );
        }
    }

    #[test]
    fn milestones() {
        let spec = TargetSpec {
            measure: Measure::Milestone,
            start: d("2020-01-01"),
            deadline: d("2020-06-30"),
            curve: Curve::Linear,
        };
        let m = |date: &str, m: MilestoneState| Observation {
            date: d(date),
            value: None,
            reference: None,
            milestone: Some(m),
            reported_on: None,
        };
        assert_eq!(eval(&spec, &[], "2020-03-31").light, Light::Grey);
        let s = eval(
            &spec,
            &[m(
                "2020-03-31",
                MilestoneState::InProgress { share: Some(0.5) },
            )],
            "2020-04-05",
        );
        assert_eq!(s.light, Light::Green);
        let s = eval(
            &spec,
            &[m("2020-03-31", MilestoneState::NotStarted)],
            "2020-04-05",
        );
        assert_eq!(s.light, Light::Red);
        let s = eval(
            &spec,
            &[m(
                "2020-05-20",
                MilestoneState::Done {
                    on: Some(d("2020-05-20")),
                },
            )],
            "2020-06-01",
        );
        assert_eq!(s.light, Light::Blue);
        let s = eval(
            &spec,
            &[m("2020-06-30", MilestoneState::InProgress { share: None })],
            "2020-07-05",
        );
        assert_eq!(s.light, Light::Red);
    }

    #[test]
    fn late_and_missing_reports_turn_green_yellow() {
        let cal = WorkCalendar::china();
        let due = d("2020-04-08");
        assert_eq!(
            timeliness(due, Some(d("2020-04-08")), d("2020-05-01"), &cal),
            Timeliness::OnTime
        );
        assert_eq!(
            timeliness(due, Some(d("2020-04-10")), d("2020-05-01"), &cal),
            Timeliness::Late { working_days: 2 }
        );
        assert_eq!(
            timeliness(due, None, d("2020-04-08"), &cal),
            Timeliness::NotDue
        );
        assert_eq!(
            timeliness(due, None, d("2020-04-15"), &cal),
            Timeliness::Missing { working_days: 5 }
        );
        // A submission after the as-of date is not seen.
        assert_eq!(
            timeliness(due, Some(d("2020-04-20")), d("2020-04-15"), &cal),
            Timeliness::Missing { working_days: 5 }
        );

        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        let late = [ReportDue {
            period: "2020-Q1".into(),
            due,
            submitted: Some(d("2020-04-10")),
        }];
        let s = eval_with(&spec, &[ob("2020-03-31", 30.0)], &late, "2020-04-20");
        assert_eq!(s.light, Light::Yellow, "{:?}", s.explanation);
        assert_eq!(s.timeliness, Some(Timeliness::Late { working_days: 2 }));
        // Missing with no data at all: red (duban.status/2), neither grey nor yellow.
        let missing = [ReportDue {
            period: "2020-Q1".into(),
            due,
            submitted: None,
        }];
        let s = eval_with(&spec, &[], &missing, "2020-04-20");
        assert_eq!(s.light, Light::Red, "{:?}", s.explanation);
        assert!(s.explanation.last().unwrap().contains("按红灯计"));
        // Missing with an earlier value on track: yellow.
        assert_eq!(
            eval_with(&spec, &[ob("2020-03-31", 30.0)], &missing, "2020-04-20").light,
            Light::Yellow
        );
        // Red stays red; an on-time report leaves green alone.
        assert_eq!(
            eval_with(&spec, &[ob("2020-03-31", 5.0)], &late, "2020-04-20").light,
            Light::Red
        );
        let on_time = [ReportDue {
            period: "2020-Q1".into(),
            due,
            submitted: Some(d("2020-04-07")),
        }];
        assert_eq!(
            eval_with(&spec, &[ob("2020-03-31", 30.0)], &on_time, "2020-04-20").light,
            Light::Green
        );
    }

    #[test]
    fn overdue_for_years_with_nothing_reported_is_red() {
        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        let missing = [ReportDue {
            period: "2020-Q1".into(),
            due: d("2020-04-08"),
            submitted: None,
        }];
        // Six years later: red, not "按黄灯计".
        let s = eval_with(&spec, &[], &missing, "2026-12-05");
        assert_eq!(s.light, Light::Red, "{:?}", s.explanation);
        assert!(!s.explanation.iter().any(|e| e.contains("按黄灯计")));
        // A milestone never reported, overdue: red as well.
        let ms = TargetSpec {
            measure: Measure::Milestone,
            ..spec.clone()
        };
        assert_eq!(
            eval_with(&ms, &[], &missing, "2020-04-20").light,
            Light::Red
        );
        // Not yet due, nothing reported: grey.
        assert_eq!(
            eval_with(&spec, &[], &missing, "2020-04-01").light,
            Light::Grey
        );
        // Grey because the definition is incomplete (a value was reported): not red.
        let incomplete = qty(Comparator::AtLeast, None, None);
        let late = [ReportDue {
            submitted: Some(d("2020-04-10")),
            ..missing[0].clone()
        }];
        assert_eq!(
            eval_with(&incomplete, &[ob("2020-03-31", 3.0)], &late, "2020-04-20").light,
            Light::Grey
        );
    }

    #[test]
    fn achieved_or_full_progress_is_never_yellow_for_a_late_report() {
        let late = [ReportDue {
            period: "2020-Q2".into(),
            due: d("2020-07-08"),
            submitted: Some(d("2020-07-14")),
        }];
        // Cumulative target reached: blue despite the late report.
        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        let s = eval_with(&spec, &[ob("2020-06-30", 100.0)], &late, "2020-07-15");
        assert_eq!(s.light, Light::Blue, "{:?}", s.explanation);
        // A rate met mid-year (standing target, not yet final): green, not yellow.
        let growth = qty(Comparator::GrowthAtLeast, Some(6.0), None);
        let s = eval_with(&growth, &[ob("2020-06-30", 6.5)], &late, "2020-07-15");
        assert!(s.achieved);
        assert_eq!(s.light, Light::Green, "{:?}", s.explanation);
        // A milestone reported in progress at 100%: not yellow either.
        let ms = TargetSpec {
            measure: Measure::Milestone,
            ..spec.clone()
        };
        let o = Observation {
            date: d("2020-06-30"),
            value: None,
            reference: None,
            milestone: Some(MilestoneState::InProgress { share: Some(1.0) }),
            reported_on: None,
        };
        assert_eq!(
            eval_with(&ms, &[o], &late, "2020-07-15").light,
            Light::Green
        );
        // Behind and late: still yellow.
        let s = eval_with(&spec, &[ob("2020-06-30", 45.0)], &late, "2020-07-15");
        assert_eq!(s.light, Light::Yellow, "{:?}", s.explanation);
    }

    #[test]
    fn deadline_warning_is_optional() {
        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        let obs = [ob("2020-12-20", 97.0)];
        // On track (97% vs 96.9%) in late December: green by default…
        assert_eq!(eval(&spec, &obs, "2020-12-22").light, Light::Green);
        // …yellow when the office turns on a 10-working-day warning.
        let cal = WorkCalendar::china();
        let rules = LightRules {
            deadline_warning_working_days: 10,
            ..LightRules::default()
        };
        let ctx = EvalContext {
            as_of: d("2020-12-22"),
            calendar: &cal,
            rules: &rules,
        };
        let s = evaluate_target(&spec, &obs, &[], &ctx);
        assert_eq!(s.light, Light::Yellow);
        assert!(s.explanation.last().unwrap().contains("不足 10 个工作日"));
    }

    #[test]
    fn inputs_and_outputs_serialise() {
        let mut spec = qty(Comparator::AtMost, Some(8.0), Some(10.0));
        spec.curve = Curve::Milestones {
            points: vec![(d("2020-06-30"), 0.4)],
        };
        let json = serde_json::to_string(&spec).unwrap();
        assert!(json.contains("\"kind\":\"quantity\""), "{json}");
        assert_eq!(serde_json::from_str::<TargetSpec>(&json).unwrap(), spec);
        let rules = LightRules::default();
        let back: LightRules =
            serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
        assert_eq!(back, rules);
        let m = Observation {
            date: d("2020-06-30"),
            value: None,
            reference: None,
            milestone: Some(MilestoneState::InProgress { share: Some(0.4) }),
            reported_on: Some(d("2020-07-03")),
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Observation>(&json).unwrap(), m);
        // Minimal JSON from an API client: optional fields may be left out.
        let o: Observation = serde_json::from_str(r#"{"date":"2020-03-31","value":12.5}"#).unwrap();
        assert_eq!(o, Observation::value(d("2020-03-31"), 12.5));
        for l in Light::ALL {
            assert_eq!(Light::parse(l.as_str()), Some(l));
        }
    }

    #[test]
    fn replay_ignores_later_data() {
        let spec = qty(Comparator::AtLeast, Some(100.0), None);
        let obs = [ob("2020-03-31", 30.0), ob("2020-12-31", 100.0)];
        assert_eq!(eval(&spec, &obs, "2020-04-10").light, Light::Green);
        assert_eq!(eval(&spec, &obs, "2021-01-10").light, Light::Blue);
    }

    #[test]
    fn incomplete_targets_are_grey_and_na_is_na() {
        let spec = qty(Comparator::AtLeast, None, None);
        let s = eval(&spec, &[ob("2020-03-31", 30.0)], "2020-04-10");
        assert_eq!(s.light, Light::Grey);
        assert!(s.explanation[0].contains("目标值"));
        let na = TargetSpec {
            measure: Measure::NotApplicable,
            ..spec
        };
        assert_eq!(eval(&na, &[], "2020-04-10").light, Light::NotApplicable);
    }

    #[test]
    fn from_plan_target_detects_increments() {
        let t = Target {
            phrase: "再建350个乡镇（街道）居家养老服务中心".into(),
            span: crate::plan::Span { start: 0, end: 1 },
            metric: "乡镇（街道）居家养老服务中心".into(),
            comparator: Comparator::Equal,
            value: Some(350.0),
            low: None,
            high: None,
            unit: Some("个".into()),
            normalized: Some(350.0),
            commitment: None,
        };
        assert!(QuantityTarget::from_target(&t, None).increment);
    }

    #[test]
    fn roll_up_worst_light_and_weighted_progress() {
        let c = |light, progress, weight| RollUpChild {
            light,
            progress,
            weight,
        };
        let r = roll_up(&[
            c(Light::Green, Some(0.5), 1.0),
            c(Light::Yellow, Some(1.5), 3.0), // capped at 1
            c(Light::Grey, None, 1.0),
            c(Light::NotApplicable, Some(0.0), 1.0),
        ]);
        assert_eq!(r.light, Light::Yellow);
        assert!((r.progress.unwrap() - (0.5 + 3.0) / 4.0).abs() < 1e-12);
        assert_eq!(r.counted, 2);
        assert_eq!(r.counts.grey, 1);
        assert_eq!(roll_up(&[c(Light::Grey, None, 1.0)]).light, Light::Grey);
        assert_eq!(roll_up(&[]).light, Light::Grey);
        assert_eq!(
            roll_up(&[c(Light::NotApplicable, None, 1.0)]).light,
            Light::NotApplicable
        );
        assert_eq!(
            roll_up(&[c(Light::Blue, Some(1.0), 1.0)]).light,
            Light::Blue
        );
    }

    fn any_light() -> impl Strategy<Value = Light> {
        prop::sample::select(Light::ALL.to_vec())
    }

    fn any_child() -> impl Strategy<Value = RollUpChild> {
        (
            any_light(),
            prop::option::of(prop_oneof![
                -5.0f64..5.0,
                Just(f64::NAN),
                Just(f64::INFINITY)
            ]),
            prop_oneof![0.0f64..10.0, Just(-1.0), Just(f64::NAN)],
        )
            .prop_map(|(light, progress, weight)| RollUpChild {
                light,
                progress,
                weight,
            })
    }

    proptest! {
        #[test]
        fn roll_up_is_never_better_than_its_worst_child(
            children in prop::collection::vec(any_child(), 0..12),
            nested in prop::collection::vec(any_child(), 0..6),
        ) {
            let inner = roll_up(&nested);
            let mut all = children.clone();
            all.push(RollUpChild::of_roll_up(&inner, 1.0));
            for set in [&children, &all] {
                let r = roll_up(set);
                let worst = set.iter().filter_map(|c| c.light.severity()).max();
                match worst {
                    Some(w) => prop_assert_eq!(r.light.severity(), Some(w)),
                    None => prop_assert!(r.light.severity().is_none()),
                }
                if let Some(p) = r.progress {
                    prop_assert!((0.0..=1.0).contains(&p));
                }
            }
        }

        #[test]
        fn progress_is_capped_and_light_is_set(
            value in 1.0f64..1000.0,
            reported in -2000.0f64..2000.0,
            baseline in prop::option::of(-100.0f64..100.0),
            comparator in prop::sample::select(Comparator::ALL.to_vec()),
            month in 1u32..=12,
        ) {
            let spec = qty(comparator, Some(value), baseline);
            let date = NaiveDate::from_ymd_opt(2020, month, 28).unwrap();
            let s = eval(&spec, &[Observation::value(date, reported)], "2020-12-31");
            if let Some(p) = s.progress {
                prop_assert!((0.0..=1.0).contains(&p));
            }
            if s.achieved {
                prop_assert!(matches!(s.light, Light::Blue | Light::Green));
            }
            prop_assert_eq!(s.method.as_str(), STATUS_METHOD_VERSION);
        }
    }
}
