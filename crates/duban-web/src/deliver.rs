//! Deliver (督办) helpers shared by the pages and the API: error mapping of the workflow,
//! the as-of date, views of lights and roll-ups, the version diff and the methods page.
//! Every status comes from `duban_app::status` (which calls `duban_core::plan_status`);
//! the due/overdue lists and the unit ranking (部门排名) from `duban_app::ranking`; nothing
//! here computes a light or a rank.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duban_core::report::ReportError;
use duban_core::status::{RollUp, TargetStatus, Timeliness};
use duban_store::Store;
use duban_store::deliver::DeliverError;
use duban_store::deliver::report::{ReportDuty, today};
use minijinja::{Value, context};

use crate::error::AppError;

pub use duban_app::ranking::{UnitRank, due_lists, submitted_by, unit_ranking};

/// The published method text (`docs/status-method.md`), rendered on `/methods/status`.
pub const STATUS_METHOD_MD: &str = include_str!("../../../docs/status-method.md");

impl From<DeliverError> for AppError {
    fn from(e: DeliverError) -> Self {
        match e {
            DeliverError::Store(s) => s.into(),
            DeliverError::Workflow(w) => match w {
                ReportError::RoleNotAllowed { .. } | ReportError::WrongUnit { .. } => {
                    AppError::Forbidden
                }
                ReportError::CommentRequired(_) => AppError::Invalid(w.to_string()),
                other => AppError::Conflict(other.to_string()),
            },
        }
    }
}

impl From<duban_app::Error> for AppError {
    fn from(e: duban_app::Error) -> Self {
        match e {
            duban_app::Error::Store(s) => s.into(),
            duban_app::Error::Workflow(w) => DeliverError::Workflow(w).into(),
            duban_app::Error::Invalid(m) => AppError::Invalid(m),
            duban_app::Error::Internal(m) => AppError::Internal(m),
        }
    }
}

/// A reported value typed as text (form field or API string), read by the one core rule
/// (`duban_core::number`); the error is the core's message. Empty = no value.
pub fn value_of(text: &str, unit: Option<&str>) -> Result<Option<f64>, String> {
    duban_core::number::parse_number(text, unit).map_err(|e| e.about(text))
}

/// The as-of date of a request: `as_of=YYYY-MM-DD`, default today (China time).
pub fn parse_as_of(v: Option<&String>) -> Result<NaiveDate, AppError> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(today()),
        Some(s) => match duban_core::period::parse_iso_date("截至日期", s) {
            Ok(d) if (1900..=2200).contains(&chrono::Datelike::year(&d)) => Ok(d),
            Ok(_) => Err(AppError::BadRequest(format!(
                "截至日期“{s}”超出范围（1900—2200 年）"
            ))),
            Err(_) => Err(AppError::BadRequest(format!(
                "截至日期“{s}”无效（格式 YYYY-MM-DD）"
            ))),
        },
    }
}

/// The as-of date a plan's pages and API show: `as_of=` when given, else the plan's own
/// default — today, or for a plan carrying the demonstration reports (示例数据) the demo
/// date in the plan's year, so a 2020 demo does not greet users with years of overdue
/// reports. Every view of a plan (task list, status page and API, 督办表, dashboards)
/// takes its date from here, so they agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanAsOf {
    pub date: NaiveDate,
    /// The demo date, when the plan carries the demo reports.
    pub demo: Option<NaiveDate>,
}

impl PlanAsOf {
    pub async fn of(store: &Store, plan_id: i64, q: Option<&String>) -> Result<PlanAsOf, AppError> {
        let demo = demo_as_of(store, plan_id).await?;
        let given = q.map(|s| s.trim()).filter(|s| !s.is_empty());
        let date = match (given, demo) {
            (None, Some(d)) => d,
            _ => parse_as_of(q)?,
        };
        Ok(PlanAsOf { date, demo })
    }

    /// The page context of the demo banner (`demo_banner` in templates), or none.
    pub fn banner(&self) -> Value {
        match self.demo {
            None => Value::from(()),
            Some(d) => context! {
                demo_date => d.to_string(),
                demo_label => zh_date(d),
                as_of_label => zh_date(self.date),
                at_demo_date => self.date == d,
                today => today().to_string(),
            },
        }
    }
}

pub use duban_core::period::zh_date;

/// The demo date of a plan: set when the demo was loaded (its marker in `meta`) and the
/// plan carries reports flagged as demonstration data; the date is the demo's month and
/// day ([`crate::demo::DEMO_AS_OF`]) in the plan's own year.
pub async fn demo_as_of(store: &Store, plan_id: i64) -> Result<Option<NaiveDate>, AppError> {
    if store.meta_get(crate::demo::MARKER).await?.is_none() {
        return Ok(None);
    }
    let plan = store.plan(plan_id).await?;
    let Some(year) = plan.year.and_then(|y| i32::try_from(y).ok()) else {
        return Ok(None);
    };
    if !store.plan_has_demo_reports(plan_id).await? {
        return Ok(None);
    }
    let (_, m, d) = crate::demo::DEMO_AS_OF;
    Ok(NaiveDate::from_ymd_opt(year, m, d))
}

/// A share (0..1) as a percentage with one decimal, as every page and publication shows it.
pub fn pct(x: Option<f64>) -> Option<f64> {
    x.map(|p| (p * 1000.0).round() / 10.0)
}

pub fn roll_up_view(r: &RollUp) -> Value {
    context! {
        light => r.light.as_str(),
        light_label => r.light.short_zh(),
        light_title => r.light.label_zh(),
        progress => pct(r.progress),
        counted => r.counted,
        counts => context! { blue => r.counts.blue, green => r.counts.green, yellow => r.counts.yellow, red => r.counts.red, grey => r.counts.grey },
        method => r.method,
    }
}

pub fn timeliness_label(t: Option<Timeliness>) -> Option<String> {
    t.map(|t| match t {
        Timeliness::NotDue => "未到报送期限".to_string(),
        Timeliness::OnTime => "按时报送".to_string(),
        Timeliness::Late { working_days } => format!("迟报 {working_days} 个工作日"),
        Timeliness::Missing { working_days } => format!("逾期未报 {working_days} 个工作日"),
    })
}

pub fn target_status_view(s: &TargetStatus) -> Value {
    context! {
        light => s.light.as_str(),
        light_label => s.light.short_zh(),
        light_title => s.light.label_zh(),
        progress => pct(s.progress),
        expected => pct(s.expected),
        achieved => s.achieved,
        latest_value => s.latest_value,
        latest_date => s.latest_date.map(|d| d.to_string()),
        timeliness => timeliness_label(s.timeliness),
        forecast => s.forecast.as_ref().map(|f| context! {
            value => (f.projected_value * 100.0).round() / 100.0,
            achieved => f.projected_achieved,
            deadline => f.deadline.to_string(),
            points => f.points,
        }),
        explanation => s.explanation,
        method => s.method,
    }
}

pub fn duty_view(d: &ReportDuty, as_of: NaiveDate) -> Value {
    context! {
        task_id => d.task_id,
        task_number => d.task_number,
        task_title => d.task_title,
        unit_id => d.unit_id,
        unit_code => d.unit_code,
        unit_name => d.unit_name,
        lead_rank => d.lead_rank,
        period_id => d.period_id,
        period_key => d.period_key,
        period_label => d.period_label,
        due => d.due.to_string(),
        report_id => d.report_id,
        state => d.state.map(|s| s.as_str()),
        state_label => d.state.map_or("未填报", |s| s.label_zh()),
        first_submitted => d.first_submitted.map(|s| s.to_string()),
        overdue_days => (!submitted_by(d, as_of) && d.due < as_of).then(|| (as_of - d.due).num_days()),
        returned_times => d.returned_times,
        demo => d.demo,
    }
}

/// One line of a version diff.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiffLine {
    /// `equal`, `delete` or `insert`.
    pub tag: &'static str,
    pub text: String,
}

/// Line diff between two version texts (`similar`, Myers).
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                similar::ChangeTag::Equal => "equal",
                similar::ChangeTag::Delete => "delete",
                similar::ChangeTag::Insert => "insert",
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// The methods page body: `docs/status-method.md` as HTML (our own text; raw HTML in it
/// is escaped all the same).
pub fn methods_html() -> String {
    use pulldown_cmark::{Event, Options, Parser, html};
    // The page is for offices: the Chinese method only; the English summary at the end of
    // the file is for developers and peers.
    let chinese = STATUS_METHOD_MD
        .split("\n## English summary")
        .next()
        .unwrap_or(STATUS_METHOD_MD)
        .trim_end()
        .trim_end_matches("---");
    let parser = Parser::new_ext(chinese, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// Status of a plan's pillars and tasks for the plan overview's progress bars:
/// (pillar id → view, task id → view), at `as_of`. Errors (e.g. a plan without a year)
/// give empty maps so the overview still renders.
pub async fn overview_status(store: &Store, plan_id: i64, as_of: NaiveDate) -> Value {
    let Ok(pd) = duban_app::status::plan_deliver(store, plan_id, as_of).await else {
        return Value::from(());
    };
    let pillars: BTreeMap<String, Value> = pd
        .pillar_statuses()
        .map(|(p, r)| (p.id.to_string(), roll_up_view(r)))
        .collect();
    let tasks: BTreeMap<String, Value> = pd
        .detail
        .tasks
        .iter()
        .filter_map(|t| {
            Some((
                t.id.to_string(),
                roll_up_view(pd.status.task(t.number as u32)?),
            ))
        })
        .collect();
    context! {
        as_of => as_of.to_string(),
        method => pd.status.method,
        plan => roll_up_view(&pd.status.plan),
        pillars => pillars,
        tasks => tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines() {
        let d = diff_lines("进展情况：a\n存在问题：b\n", "进展情况：a\n存在问题：c\n");
        let tags: Vec<_> = d.iter().map(|l| l.tag).collect();
        assert_eq!(tags, ["equal", "delete", "insert"]);
        assert_eq!(d[2].text, "存在问题：c");
    }

    #[test]
    fn methods_page_renders_tables_and_escapes_html() {
        let h = methods_html();
        assert!(h.contains("<table>") && h.contains("duban.status/3"));
        assert!(h.contains("<h2>"));
        assert!(
            !h.contains("English summary"),
            "the page shows the Chinese method only"
        );
    }

    #[test]
    fn as_of_parsing() {
        assert_eq!(
            parse_as_of(Some(&"2020-06-30".to_string())).unwrap(),
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
        );
        assert!(parse_as_of(Some(&"2020-13-01".to_string())).is_err());
        assert!(parse_as_of(None).is_ok());
    }
}
