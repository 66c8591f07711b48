//! The escalation ladder 提醒 → 催办 → 督办通知 → 约谈 → 通报.
//!
//! Rules (configurable, defaults below) turn the reporting record of a (task, unit) pair —
//! due dates, submission dates, the light of each period — into the escalations that
//! should exist at an as-of date. [`required_escalations`] is pure and idempotent: the
//! same inputs give the same records with the same identities and dates, so the caller
//! diffs them with what it has stored and inserts only the new ones.
//!
//! Default rules, traceable to `domain-methods.md` §4.3 (sources S39–S50):
//! * a report 3 working days overdue → 提醒, 6 → 催办, 10 → 督办通知 (late and missing
//!   reports are followed up and counted: 鄂温克旗 S39, 盘锦 S40; reminder → warning with a
//!   fixed deadline → red notice: 三明 三色督查单 S47);
//! * red in 1 period → 催办, 2 consecutive → 督办通知 (S45 红灯, S47 橙/红单),
//!   3 consecutive → 约谈 (隆昌: 3 consecutive 红牌 → 约谈 main leader, S48),
//!   4 consecutive → 通报 (public 红黄黑榜 / 亮屏: S49, S50).
//!
//! The day counts (3/6/10) and response deadlines are design defaults (no public source
//! fixes them), in working days.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::report::Role;
use crate::status::Light;

/// The rungs of the ladder, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    /// 提醒
    Reminder,
    /// 催办
    Urge,
    /// 督办通知
    Notice,
    /// 约谈
    Interview,
    /// 通报
    Circular,
}

impl EscalationLevel {
    pub const ALL: [EscalationLevel; 5] = [
        EscalationLevel::Reminder,
        EscalationLevel::Urge,
        EscalationLevel::Notice,
        EscalationLevel::Interview,
        EscalationLevel::Circular,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EscalationLevel::Reminder => "reminder",
            EscalationLevel::Urge => "urge",
            EscalationLevel::Notice => "notice",
            EscalationLevel::Interview => "interview",
            EscalationLevel::Circular => "circular",
        }
    }

    pub fn parse(s: &str) -> Option<EscalationLevel> {
        EscalationLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EscalationLevel::Reminder => "提醒",
            EscalationLevel::Urge => "催办",
            EscalationLevel::Notice => "督办通知",
            EscalationLevel::Interview => "约谈",
            EscalationLevel::Circular => "通报",
        }
    }
}

/// "A report `working_days` working days overdue raises `level`."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRule {
    pub working_days: u32,
    pub level: EscalationLevel,
}

/// "Red for `periods` consecutive periods raises `level`."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedStreakRule {
    pub periods: u32,
    pub level: EscalationLevel,
}

/// The configurable ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRules {
    pub overdue: Vec<OverdueRule>,
    pub red_streak: Vec<RedStreakRule>,
    /// Working days the unit has to respond, per level (提醒, 催办, 督办通知, 约谈, 通报).
    pub response_working_days: [u32; 5],
}

impl Default for EscalationRules {
    fn default() -> Self {
        use EscalationLevel as L;
        EscalationRules {
            overdue: vec![
                OverdueRule {
                    working_days: 3,
                    level: L::Reminder,
                },
                OverdueRule {
                    working_days: 6,
                    level: L::Urge,
                },
                OverdueRule {
                    working_days: 10,
                    level: L::Notice,
                },
            ],
            red_streak: vec![
                RedStreakRule {
                    periods: 1,
                    level: L::Urge,
                },
                RedStreakRule {
                    periods: 2,
                    level: L::Notice,
                },
                RedStreakRule {
                    periods: 3,
                    level: L::Interview,
                },
                RedStreakRule {
                    periods: 4,
                    level: L::Circular,
                },
            ],
            response_working_days: [3, 5, 10, 10, 15],
        }
    }
}

impl EscalationRules {
    pub fn response_days(&self, level: EscalationLevel) -> u32 {
        self.response_working_days[level as usize]
    }
}

/// One period of a (task, unit) pair's reporting record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRecord {
    /// Period key (`2020-Q1`).
    pub period: String,
    pub due: NaiveDate,
    pub submitted: Option<NaiveDate>,
    /// The period's light, once known.
    pub light: Option<Light>,
    /// When the light was fixed (e.g. the report's acceptance); defaults to `due`. Lights
    /// fixed after the as-of date are ignored.
    pub light_on: Option<NaiveDate>,
}

/// The reporting record of one (task, unit) pair; `K` is the caller's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty<K> {
    pub key: K,
    /// In chronological order.
    pub periods: Vec<PeriodRecord>,
}

/// Why an escalation exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// The period's report was (or is) this many working days overdue.
    Overdue { period: String, working_days: u32 },
    /// Red in these consecutive periods.
    RedStreak { periods: Vec<String> },
    /// A 约谈 held on a monitor alert (监测预警): the office records it, no rule computes it.
    MonitorAlert {
        alert_id: i64,
        /// e.g. 杭州市 服务业增加值 2020年第一季度
        subject: String,
        /// The alert's level (提示 / 预警 / 严重).
        level: String,
    },
}

impl Trigger {
    /// A one-line Chinese reason for notices.
    pub fn reason_zh(&self) -> String {
        match self {
            Trigger::Overdue {
                period,
                working_days,
            } => format!("{}报告逾期{working_days}个工作日未报送", label(period)),
            Trigger::RedStreak { periods } => {
                let labels: Vec<String> = periods.iter().map(|p| label(p)).collect();
                format!("连续 {} 期红灯（{}）", periods.len(), labels.join("、"))
            }
            Trigger::MonitorAlert {
                alert_id,
                subject,
                level,
            } => format!("监测{level}：{subject}（预警 #{alert_id}）"),
        }
    }
}

/// An escalation that should exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation<K> {
    pub key: K,
    pub level: EscalationLevel,
    pub trigger: Trigger,
    /// The day the rule fired (deterministic, so replays give the same record).
    pub raised_on: NaiveDate,
    /// Response deadline: `raised_on` + the level's working days.
    pub respond_by: NaiveDate,
    /// Identity within the key, stable across runs: `overdue:2020-Q1:reminder`,
    /// `red:2020-Q2:interview` (the streak's first period).
    pub ident: String,
}

impl<K> Escalation<K> {
    /// A one-line Chinese reason for notices.
    pub fn reason_zh(&self) -> String {
        self.trigger.reason_zh()
    }
}

/// A period key as people read it (`2020-Q2` → 2020年第二季度).
fn label(key: &str) -> String {
    crate::period::period_label(key).unwrap_or_else(|| key.to_string())
}

/// The escalations that should exist on `as_of`, for every duty, in input order (per duty:
/// overdue ones by period, then red streaks).
pub fn required_escalations<K: Clone>(
    rules: &EscalationRules,
    cal: &WorkCalendar,
    as_of: NaiveDate,
    duties: &[Duty<K>],
) -> Vec<Escalation<K>> {
    let mut out = Vec::new();
    for duty in duties {
        let mut push = |level: EscalationLevel, trigger: Trigger, raised_on: NaiveDate, ident| {
            out.push(Escalation {
                key: duty.key.clone(),
                level,
                trigger,
                raised_on,
                respond_by: cal.add_working_days(raised_on, rules.response_days(level)),
                ident,
            });
        };
        for p in &duty.periods {
            let submitted = p.submitted.filter(|s| *s <= as_of);
            for rule in &rules.overdue {
                // The day the report becomes `working_days` overdue; submitting before that
                // day (or on it) averts the rule.
                let fires = cal.add_working_days(p.due, rule.working_days);
                if fires <= as_of && submitted.is_none_or(|s| s > fires) {
                    push(
                        rule.level,
                        Trigger::Overdue {
                            period: p.period.clone(),
                            working_days: rule.working_days,
                        },
                        fires,
                        format!("overdue:{}:{}", p.period, rule.level.as_str()),
                    );
                }
            }
        }
        let mut streak: Vec<&PeriodRecord> = Vec::new();
        for p in &duty.periods {
            let on = p.light_on.unwrap_or(p.due);
            let known = on <= as_of;
            if known && p.light == Some(Light::Red) {
                streak.push(p);
                for rule in &rules.red_streak {
                    if rule.periods as usize == streak.len() {
                        push(
                            rule.level,
                            Trigger::RedStreak {
                                periods: streak.iter().map(|s| s.period.clone()).collect(),
                            },
                            cal.working_day_on_or_after(on),
                            format!("red:{}:{}", streak[0].period, rule.level.as_str()),
                        );
                    }
                }
            } else {
                streak.clear();
            }
        }
    }
    out
}

/// Lifecycle of an escalation record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    /// Raised; waits for the unit's response.
    Raised,
    /// The unit responded with its 整改 measures.
    Responded,
    /// Closed (销号) by the office.
    Closed,
}

impl EscalationState {
    pub fn label_zh(self) -> &'static str {
        match self {
            EscalationState::Raised => "待反馈",
            EscalationState::Responded => "已反馈整改措施",
            EscalationState::Closed => "已销号",
        }
    }
}

/// Actions on an escalation record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EscalationAction {
    /// The unit states its 整改 measures (reporter; Raised → Responded).
    Respond { measures: String },
    /// The office sends the response back (office; Responded → Raised).
    Reject { comment: String },
    /// The office closes the record (销号) (office; Raised or Responded → Closed).
    Close { note: String },
}

impl EscalationAction {
    pub fn name(&self) -> &'static str {
        match self {
            EscalationAction::Respond { .. } => "respond",
            EscalationAction::Reject { .. } => "reject",
            EscalationAction::Close { .. } => "close",
        }
    }
}

/// What `role` may do to an escalation record in `state`: the actions
/// [`escalation_transition`] accepts once their text is written. The page offers exactly these.
pub fn allowed_escalation_actions(state: EscalationState, role: Role) -> Vec<EscalationAction> {
    let text = || "…".to_string();
    [
        EscalationAction::Respond { measures: text() },
        EscalationAction::Reject { comment: text() },
        EscalationAction::Close { note: text() },
    ]
    .into_iter()
    .filter(|a| escalation_transition(state, a, role).is_ok())
    .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    #[error("该操作须由{}进行", .0.label_zh())]
    RoleNotAllowed(Role),
    #[error("督办事项当前为“{}”，不能进行该操作", .0.label_zh())]
    InvalidState(EscalationState),
    #[error("必须填写{0}")]
    TextRequired(&'static str),
}

/// Validates an action on an escalation record; returns the new state.
pub fn escalation_transition(
    state: EscalationState,
    action: &EscalationAction,
    role: Role,
) -> Result<EscalationState, EscalationError> {
    use EscalationState as S;
    let (needed, text, what) = match action {
        EscalationAction::Respond { measures } => (Role::Reporter, measures, "整改措施"),
        EscalationAction::Reject { comment } => (Role::Office, comment, "退回理由"),
        EscalationAction::Close { note } => (Role::Office, note, "销号说明"),
    };
    if role != needed {
        return Err(EscalationError::RoleNotAllowed(needed));
    }
    if text.trim().is_empty() {
        return Err(EscalationError::TextRequired(what));
    }
    match (action, state) {
        (EscalationAction::Respond { .. }, S::Raised) => Ok(S::Responded),
        (EscalationAction::Reject { .. }, S::Responded) => Ok(S::Raised),
        (EscalationAction::Close { .. }, S::Raised | S::Responded) => Ok(S::Closed),
        _ => Err(EscalationError::InvalidState(state)),
    }
}

/// Whether the response deadline has passed without a response, as of a date.
pub fn response_overdue(
    respond_by: NaiveDate,
    responded_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> bool {
    match responded_on.filter(|r| *r <= as_of) {
        Some(r) => r > respond_by,
        None => as_of > respond_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    #[test]
    fn allowed_escalation_actions_follow_the_transition_rules() {
        use EscalationState as S;
        let names = |s, r| -> Vec<&'static str> {
            allowed_escalation_actions(s, r)
                .iter()
                .map(EscalationAction::name)
                .collect()
        };
        assert_eq!(names(S::Raised, Role::Reporter), ["respond"]);
        assert!(names(S::Responded, Role::Reporter).is_empty());
        assert!(names(S::Closed, Role::Reporter).is_empty());
        assert_eq!(names(S::Raised, Role::Office), ["close"]);
        assert_eq!(names(S::Responded, Role::Office), ["reject", "close"]);
        assert!(names(S::Closed, Role::Office).is_empty());
    }

    fn rec(period: &str, due: &str, submitted: Option<&str>, light: Option<Light>) -> PeriodRecord {
        PeriodRecord {
            period: period.into(),
            due: d(due),
            submitted: submitted.map(d),
            light,
            light_on: None,
        }
    }

    #[test]
    fn monitor_alert_reason() {
        let t = Trigger::MonitorAlert {
            alert_id: 7,
            subject: "杭州市 服务业增加值 2020年第一季度".into(),
            level: "预警".into(),
        };
        assert_eq!(
            t.reason_zh(),
            "监测预警：杭州市 服务业增加值 2020年第一季度（预警 #7）"
        );
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["kind"], "monitor_alert");
        assert_eq!(json["alert_id"], 7);
    }

    #[test]
    fn overdue_ladder_counts_working_days() {
        let cal = WorkCalendar::china();
        let rules = EscalationRules::default();
        // Q3 2020 due 10-14 (after the National Day holiday); never submitted.
        let duty = Duty {
            key: (5u32, "省商务厅"),
            periods: vec![rec("2020-Q3", "2020-10-14", None, None)],
        };
        let at = |s: &str| required_escalations(&rules, &cal, d(s), std::slice::from_ref(&duty));
        assert!(at("2020-10-16").is_empty()); // 2 working days overdue
        let e = at("2020-10-19"); // 3 working days: 15, 16, 19
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].level, EscalationLevel::Reminder);
        assert_eq!(e[0].raised_on, d("2020-10-19"));
        assert_eq!(e[0].respond_by, d("2020-10-22"));
        assert_eq!(e[0].ident, "overdue:2020-Q3:reminder");
        let e = at("2020-10-28");
        let levels: Vec<_> = e.iter().map(|e| e.level).collect();
        assert_eq!(
            levels,
            [
                EscalationLevel::Reminder,
                EscalationLevel::Urge,
                EscalationLevel::Notice
            ]
        );
        assert_eq!(e[2].raised_on, d("2020-10-28"));
        assert!(e[1].reason_zh().contains("逾期6个工作日"));
        // Idempotent: same inputs, same output.
        assert_eq!(at("2020-10-28"), e);
    }

    #[test]
    fn submission_stops_the_ladder_but_history_stays() {
        let cal = WorkCalendar::china();
        let rules = EscalationRules::default();
        let duty = Duty {
            key: 1,
            periods: vec![rec("2020-Q3", "2020-10-14", Some("2020-10-21"), None)],
        };
        // Submitted 5 working days late: the reminder (day 3) happened, 催办 (day 6) did not.
        let e = required_escalations(&rules, &cal, d("2020-12-01"), std::slice::from_ref(&duty));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].level, EscalationLevel::Reminder);
        // Replaying a date before the submission shows the open ladder at that time.
        let e = required_escalations(&rules, &cal, d("2020-10-20"), std::slice::from_ref(&duty));
        assert_eq!(e.len(), 1);
        // On time: nothing.
        let ok = Duty {
            key: 1,
            periods: vec![rec("2020-Q3", "2020-10-14", Some("2020-10-14"), None)],
        };
        assert!(required_escalations(&rules, &cal, d("2020-12-01"), &[ok]).is_empty());
    }

    #[test]
    fn red_streaks_escalate_to_interview() {
        let cal = WorkCalendar::china();
        let rules = EscalationRules::default();
        let r = Some(Light::Red);
        let duty = Duty {
            key: "t7/u1",
            periods: vec![
                rec("2020-M01", "2020-02-07", Some("2020-02-05"), r),
                rec(
                    "2020-M02",
                    "2020-03-06",
                    Some("2020-03-05"),
                    Some(Light::Yellow),
                ),
                rec("2020-M03", "2020-04-08", Some("2020-04-08"), r),
                rec("2020-M04", "2020-05-08", Some("2020-05-08"), r),
                rec("2020-M05", "2020-06-05", Some("2020-06-05"), r),
            ],
        };
        let e = required_escalations(&rules, &cal, d("2020-06-30"), std::slice::from_ref(&duty));
        let got: Vec<(&str, EscalationLevel)> =
            e.iter().map(|e| (e.ident.as_str(), e.level)).collect();
        assert_eq!(
            got,
            [
                ("red:2020-M01:urge", EscalationLevel::Urge),
                ("red:2020-M03:urge", EscalationLevel::Urge),
                ("red:2020-M03:notice", EscalationLevel::Notice),
                ("red:2020-M03:interview", EscalationLevel::Interview),
            ]
        );
        assert_eq!(e[3].raised_on, d("2020-06-05"));
        assert_eq!(
            e[3].trigger,
            Trigger::RedStreak {
                periods: vec!["2020-M03".into(), "2020-M04".into(), "2020-M05".into()]
            }
        );
        // Before the third red is known, no 约谈.
        let e = required_escalations(&rules, &cal, d("2020-06-04"), std::slice::from_ref(&duty));
        assert!(e.iter().all(|e| e.level != EscalationLevel::Interview));
    }

    #[test]
    fn record_lifecycle() {
        use EscalationAction as A;
        use EscalationState as S;
        let respond = A::Respond {
            measures: "已召开专题会，下月完成".into(),
        };
        let s = escalation_transition(S::Raised, &respond, Role::Reporter).unwrap();
        assert_eq!(s, S::Responded);
        assert_eq!(
            escalation_transition(S::Raised, &respond, Role::Office),
            Err(EscalationError::RoleNotAllowed(Role::Reporter))
        );
        let reject = A::Reject {
            comment: "措施不具体".into(),
        };
        assert_eq!(
            escalation_transition(s, &reject, Role::Office),
            Ok(S::Raised)
        );
        let close = A::Close {
            note: "已整改到位".into(),
        };
        assert_eq!(
            escalation_transition(s, &close, Role::Office),
            Ok(S::Closed)
        );
        assert_eq!(
            escalation_transition(S::Closed, &respond, Role::Reporter),
            Err(EscalationError::InvalidState(S::Closed))
        );
        assert_eq!(
            escalation_transition(
                S::Raised,
                &A::Respond {
                    measures: " ".into()
                },
                Role::Reporter
            ),
            Err(EscalationError::TextRequired("整改措施"))
        );
        assert!(response_overdue(d("2020-10-22"), None, d("2020-10-23")));
        assert!(!response_overdue(
            d("2020-10-22"),
            Some(d("2020-10-21")),
            d("2020-10-23")
        ));
        assert!(!response_overdue(d("2020-10-22"), None, d("2020-10-22")));
    }
}

/// The text of a 督办/催办 notice to a unit about one escalation (laid out as an official
/// document by `duban-io::official_doc`): title, addressee and paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub title: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
}

/// What a notice says: what it is about, why it is raised and by when the unit answers.
pub struct NoticeFacts<'a> {
    pub level: EscalationLevel,
    pub unit: &'a str,
    pub subject: NoticeSubject<'a>,
    /// The record's reason (a task's; an alert's is written from its facts).
    pub reason: &'a str,
    pub raised_on: chrono::NaiveDate,
    pub respond_by: chrono::NaiveDate,
    /// Raised on demonstration data (示例数据): the notice says so.
    pub demo: bool,
}

/// What an escalation is about: a plan task's duty (raised by the rules), or a monitor
/// alert the office held a 约谈 on.
pub enum NoticeSubject<'a> {
    Task {
        plan_title: &'a str,
        number: i64,
        title: &'a str,
    },
    Alert(AlertFacts<'a>),
}

/// The monitor alert behind a 约谈: region, indicator, period, the rule and its measure.
pub struct AlertFacts<'a> {
    pub alert_id: i64,
    /// 杭州市
    pub region: &'a str,
    /// 服务业增加值
    pub indicator: &'a str,
    /// 2020年第三季度
    pub period: &'a str,
    /// The alert's level (提示 / 预警 / 严重).
    pub level: &'a str,
    pub rule: &'a str,
    /// The rule's description for people (累计同比负增长), when the rules file gives one.
    pub rule_description: Option<&'a str>,
    /// The rule's measure; `None` when the rule is no longer in the office's rules file.
    pub measure: Option<crate::monitor::Measure>,
    pub value: f64,
    /// The indicator's unit (亿元), for a measure that is a level rather than a rate.
    pub unit: &'a str,
    /// The 约谈: when and by whom.
    pub held_on: chrono::NaiveDate,
    pub held_by: &'a str,
}

impl AlertFacts<'_> {
    /// "同比增速为-2.35%", "当期值为903.6亿元", or, the rule gone, "度量值为-2.35".
    fn measured(&self) -> String {
        use crate::monitor::Measure;
        let v = self.value;
        // Two decimals, no trailing zeros: -2.35, 903.6, 0.
        let n = format!("{v:.2}");
        let n = n.trim_end_matches('0').trim_end_matches('.');
        let n = if n == "-0" { "0" } else { n };
        match self.measure {
            Some(m @ (Measure::Yoy | Measure::PeriodYoy)) => format!("{}为{n}%", m.label_zh()),
            Some(m) => format!("{}为{n}{}", m.label_zh(), self.unit),
            None => format!("度量值为{n}"),
        }
    }
}

/// The notice of an escalation: 催办通知书 for a reminder or an urge, else the level's name
/// (督办通知, 约谈通知, 通报). A task's names the plan and the task; an alert's 约谈通知
/// names the region, indicator, period and the measure that raised the alert, and the 约谈.
pub fn notice_text(f: &NoticeFacts<'_>) -> NoticeText {
    let date = crate::period::zh_date;
    let kind = match f.level {
        EscalationLevel::Reminder | EscalationLevel::Urge => "催办通知书",
        EscalationLevel::Interview => "约谈通知",
        other => other.label_zh(),
    };
    let (title, first) = match &f.subject {
        NoticeSubject::Task {
            plan_title,
            number,
            title,
        } => {
            let task = title.trim_end_matches(['。', '；', ';']);
            (
                format!("关于第{number}项任务“{task}”的{kind}"),
                format!(
                    "根据《{plan_title}》分工，你单位牵头负责第{number}项任务“{task}”。{}，现予{}。",
                    f.reason.trim_end_matches(['。', '；']),
                    f.level.label_zh()
                ),
            )
        }
        NoticeSubject::Alert(a) => (
            format!(
                "关于{}{}{}监测{}的{kind}",
                a.region, a.indicator, a.period, a.level
            ),
            format!(
                "经运行监测，{}{}{}{}，触发预警规则{}{}级，预警 #{}）。{}，{}已就此约谈你单位，现予{}。",
                a.region,
                a.indicator,
                a.period,
                a.measured(),
                // “累计同比负增长”（growth-low，… or “growth-low”（…
                match a.rule_description {
                    Some(d) => format!("“{d}”（{}，", a.rule),
                    None => format!("“{}”（", a.rule),
                },
                a.level,
                a.alert_id,
                date(a.held_on),
                a.held_by.trim(),
                f.level.label_zh()
            ),
        ),
    };
    let mut paragraphs = vec![
        first,
        format!(
            "请于{}前通过督办系统报送整改措施和进展情况，逾期未报的将按规定升级督办。",
            date(f.respond_by)
        ),
        format!("特此通知。（督办日期：{}）", date(f.raised_on)),
    ];
    if f.demo {
        paragraphs.push("（本通知由示例数据生成，仅供演示，并非正式文书。）".into());
    }
    NoticeText {
        title,
        addressee: format!("{}：", f.unit),
        paragraphs,
    }
}

#[cfg(test)]
mod notice_tests {
    use super::*;

    #[test]
    fn an_urge_is_a_催办通知书_naming_task_reason_and_deadline() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2020, m, day).unwrap();
        let n = notice_text(&NoticeFacts {
            level: EscalationLevel::Urge,
            unit: "省商务厅",
            subject: NoticeSubject::Task {
                plan_title: "2020年浙江省服务业发展工作要点",
                number: 8,
                title: "推动生活性服务业提质扩容。",
            },
            reason: "2020年第二季度进展逾期未报10个工作日",
            raised_on: d(7, 15),
            respond_by: d(7, 22),
            demo: false,
        });
        assert_eq!(
            n.title,
            "关于第8项任务“推动生活性服务业提质扩容”的催办通知书"
        );
        assert_eq!(n.addressee, "省商务厅：");
        assert!(n.paragraphs[0].ends_with("2020年第二季度进展逾期未报10个工作日，现予催办。"));
        assert!(n.paragraphs[1].starts_with("请于2020年7月22日前"));
    }

    fn alert_notice(
        measure: Option<crate::monitor::Measure>,
        value: f64,
        rule_description: Option<&str>,
    ) -> NoticeText {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2020, m, day).unwrap();
        notice_text(&NoticeFacts {
            level: EscalationLevel::Interview,
            unit: "杭州市",
            subject: NoticeSubject::Alert(AlertFacts {
                alert_id: 12,
                region: "杭州市",
                indicator: "服务业增加值",
                period: "2020年第三季度",
                level: "预警",
                rule: "growth-low",
                rule_description,
                measure,
                value,
                unit: "亿元",
                held_on: d(11, 2),
                held_by: " 省发展改革委副主任 ",
            }),
            reason: "监测预警：杭州市 服务业增加值 2020年第三季度（预警 #12）",
            raised_on: d(11, 2),
            respond_by: d(11, 16),
            demo: measure.is_none(),
        })
    }

    #[test]
    fn an_alert_约谈_notice_names_region_indicator_period_and_measure() {
        use crate::monitor::Measure;
        let n = alert_notice(Some(Measure::Yoy), -2.3456, None);
        assert_eq!(
            n.title,
            "关于杭州市服务业增加值2020年第三季度监测预警的约谈通知"
        );
        assert_eq!(n.addressee, "杭州市：");
        assert_eq!(
            n.paragraphs[0],
            "经运行监测，杭州市服务业增加值2020年第三季度同比增速为-2.35%，触发预警规则“growth-low”（预警级，预警 #12）。2020年11月2日，省发展改革委副主任已就此约谈你单位，现予约谈。"
        );
        assert!(n.paragraphs[1].starts_with("请于2020年11月16日前"));
        assert_eq!(n.paragraphs[2], "特此通知。（督办日期：2020年11月2日）");
        assert_eq!(n.paragraphs.len(), 3, "real data: no demo note");
        // A level measure carries the indicator's unit; a rule no longer in force, none.
        let v = alert_notice(Some(Measure::PeriodValue), 903.60, None);
        assert!(
            v.paragraphs[0].contains("当期值为903.6亿元，"),
            "{:?}",
            v.paragraphs
        );
        let gone = alert_notice(None, 0.0, None);
        assert!(
            gone.paragraphs[0].contains("度量值为0，"),
            "{:?}",
            gone.paragraphs
        );
        // A record on 示例数据 says so.
        assert_eq!(gone.paragraphs.len(), 4);
        assert!(
            gone.paragraphs[3].contains("示例数据"),
            "{:?}",
            gone.paragraphs
        );
        // A rule described in the rules file is named by its description.
        let d = alert_notice(Some(Measure::Yoy), -0.7, Some("累计同比负增长"));
        assert!(
            d.paragraphs[0].contains(
                "同比增速为-0.7%，触发预警规则“累计同比负增长”（growth-low，预警级，预警 #12）。"
            ),
            "{:?}",
            d.paragraphs
        );
    }
}
