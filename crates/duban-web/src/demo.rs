//! Demonstration reports (示例数据) for the seed plan, loaded by `duban serve --demo`: a
//! newcomer sees every colour of light when replaying 2020 (as of 2020-07-15: 蓝, 绿, 黄,
//! 红 and 灰), a returned report, a late one, and the escalations the office's rules raise
//! for the reports still missing. Every report is flagged `demo` and shown with a
//! 示例数据 badge; the acting account is a dedicated locked user `示例数据`. Idempotent: a
//! marker in `meta` records the load, and tasks that already have reports are skipped.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use duban_core::Comparator;
use duban_core::report::{Actor, ReportAction, Role as CoreRole};
use duban_store::deliver::DeliverError;
use duban_store::deliver::report::{ReportActor, ReportContent, ReportKey, ValueInput};
use duban_store::user::{NewUser, Role};
use duban_store::{Store, StoreError};

/// The `meta` key recording that the demo was loaded (pages of a plan carrying demo
/// reports then open as of the demo date: `deliver::demo_as_of`).
pub const MARKER: &str = "demo.deliver.zhejiang-2020";
const DEMO_USER: &str = "示例数据";
/// The date at which the demo shows every colour (its month and day, in the demo plan's
/// year, is the default as-of date of the demo plan's pages).
pub const DEMO_AS_OF: (i32, u32, u32) = (2020, 7, 15);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("seed plan not loaded")]
    NoSeed,
    #[error("the seed plan has too few suitable tasks for the demo")]
    TooFewTasks,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Deliver(#[from] DeliverError),
    #[error(transparent)]
    App(#[from] duban_app::Error),
}

/// What `load_demo` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { reports: usize, escalations: usize },
    AlreadyLoaded,
}

/// Beijing 10:00 on a date, as UTC.
fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0)
        .single()
        .expect("valid date")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// One demo storyline: a task, the share of its targets reported at Q1 and Q2 (None: text
/// only), and what happens to the Q2 report.
struct Story {
    q1: Option<f64>,
    q2: Option<f64>,
    q2_submitted: (i32, u32, u32),
    q2_returned: Option<&'static str>,
    note: &'static str,
}

const STORIES: [Story; 6] = [
    // 蓝: target reached by mid-year.
    Story {
        q1: Some(0.6),
        q2: Some(1.05),
        q2_submitted: (2020, 7, 3),
        q2_returned: None,
        note: "已提前完成全年目标",
    },
    // 绿: ahead of 序时进度 (49.7% at 30 June).
    Story {
        q1: Some(0.3),
        q2: Some(0.62),
        q2_submitted: (2020, 7, 2),
        q2_returned: None,
        note: "按序时进度推进",
    },
    // 黄: a little behind.
    Story {
        q1: Some(0.2),
        q2: Some(0.45),
        q2_submitted: (2020, 7, 6),
        q2_returned: None,
        note: "略慢于序时进度",
    },
    // 红: far behind, and the Q2 report came in late.
    Story {
        q1: Some(0.05),
        q2: Some(0.18),
        q2_submitted: (2020, 7, 13),
        q2_returned: None,
        note: "受疫情影响进度滞后",
    },
    // 灰: reports on time but no values yet (统计数据尚未发布).
    Story {
        q1: None,
        q2: None,
        q2_submitted: (2020, 7, 3),
        q2_returned: None,
        note: "统计数据尚未发布，暂无数值",
    },
    // Returned: the Q2 report was sent back with a comment and is waiting for a fix.
    Story {
        q1: Some(0.3),
        q2: Some(0.5),
        q2_submitted: (2020, 7, 3),
        q2_returned: Some("请补充数据来源和口径说明后重新报送"),
        note: "已完成半年任务",
    },
];

/// Loads the demo reports into the seed plan (see the module docs).
pub async fn load_demo(store: &Store) -> Result<DemoOutcome, DemoError> {
    if store.meta_get(MARKER).await?.is_some() {
        return Ok(DemoOutcome::AlreadyLoaded);
    }
    let plan_id: i64 = store
        .meta_get("seed.zhejiang-2020")
        .await?
        .and_then(|v| v.parse().ok())
        .ok_or(DemoError::NoSeed)?;
    let user = match store.user_by_name(DEMO_USER).await? {
        Some(u) => u,
        None => {
            store
                .create_user(&NewUser {
                    name: DEMO_USER.into(),
                    // Never used to log in: a random secret nobody knows.
                    password: duban_store::secret::random_token(),
                    role: Role::Viewer,
                    unit_code: None,
                })
                .await?
        }
    };
    let periods = store.ensure_periods(plan_id).await?;
    let detail = store.plan_detail(plan_id).await?;
    let quarter = |k: &str| periods.iter().find(|p| p.key == k).cloned();
    let (Some(q1), Some(q2)) = (quarter("2020-Q1"), quarter("2020-Q2")) else {
        return Err(DemoError::TooFewTasks);
    };
    let existing = store.plan_reports(plan_id).await?;
    // A target that counts up to a stated number: its demo value is a share of it.
    let countable = |x: &duban_store::target::TargetRow| {
        matches!(
            x.target.comparator,
            Comparator::Equal | Comparator::AtLeast | Comparator::Reach
        ) && x.target.value.is_some_and(|v| v > 0.0)
            && x.baseline.is_none()
    };
    // Quarterly tasks with such a target and no reports yet. Their other targets get no
    // value (grey, which roll-ups skip), so the task shows the storyline's colour.
    let suitable: Vec<&duban_store::task::TaskRow> = detail
        .tasks
        .iter()
        .filter(|t| t.cadence == duban_core::period::Cadence::Quarterly)
        .filter(|t| !existing.iter().any(|r| r.task_id == t.id))
        .filter(|t| detail.task_targets(t.id).any(countable))
        .collect();
    if suitable.len() < STORIES.len() {
        return Err(DemoError::TooFewTasks);
    }
    let office = ReportActor {
        user_id: user.id,
        actor: Actor {
            role: CoreRole::Office,
            unit: None,
        },
    };
    let mut reports = 0;
    for (task, story) in suitable.iter().zip(&STORIES) {
        let Some(lead) = detail
            .task_assignments(task.id)
            .find(|a| a.role == duban_store::assignment::AssignRole::Lead)
        else {
            continue;
        };
        let reporter = ReportActor {
            user_id: user.id,
            actor: Actor {
                role: CoreRole::Reporter,
                unit: Some(lead.unit_code.clone()),
            },
        };
        for (period, share, submitted, returned) in [
            (&q1, story.q1, (2020, 4, 3), None),
            (&q2, story.q2, story.q2_submitted, story.q2_returned),
        ] {
            let content = ReportContent {
                progress: format!("（示例数据）{}：{}。", period.label, story.note),
                problems: "（示例数据）无重大问题。".into(),
                next_steps: "（示例数据）按计划继续推进。".into(),
                milestone: None,
                milestone_share: None,
                values: match share {
                    None => Vec::new(),
                    Some(s) => detail
                        .task_targets(task.id)
                        .filter(|t| countable(t))
                        .map(|t| ValueInput {
                            target_id: t.id,
                            value: t.target.value.map(|v| (v * s * 100.0).round() / 100.0),
                            as_of: Some(period.end),
                        })
                        .collect(),
                },
            };
            let key = ReportKey {
                task_id: task.id,
                period_id: period.id,
                unit_id: lead.unit_id,
            };
            let (s_y, s_m, s_d) = submitted;
            let (id, _) = store
                .create_report_at(key, &content, &reporter, at(s_y, s_m, s_d - 1), true)
                .await?;
            duban_app::report::act_at(
                store,
                id,
                &ReportAction::Submit,
                &reporter,
                at(s_y, s_m, s_d),
            )
            .await?;
            let review = at(s_y, s_m, s_d) + chrono::Duration::days(3);
            let action = match returned {
                Some(comment) => ReportAction::Return {
                    comment: comment.into(),
                },
                None => ReportAction::accept(),
            };
            duban_app::report::act_at(store, id, &action, &office, review).await?;
            reports += 1;
        }
    }
    let (y, m, d) = DEMO_AS_OF;
    let escalations = duban_app::escalation::run_escalations(store, plan_id, date(y, m, d))
        .await
        .map(|run| run.created.len())?;
    store.meta_set(MARKER, "1").await?;
    Ok(DemoOutcome::Loaded {
        reports,
        escalations,
    })
}
