//! Status of a whole plan at an as-of date: every target evaluated with the status
//! method, rolled up to tasks, pillars and the plan, in one call.
//!
//! Roll-up structure (part of `duban.status/3`):
//! * task = its targets (weights as given, default 1) plus, when supplied, the task's own
//!   qualitative milestone ([`TargetRef::TaskMilestone`]);
//! * pillar = its tasks, one share each;
//! * headline = the plan's headline targets;
//! * plan = every task, one share each, plus the headline roll-up as one more share.
//!
//! Grey (no data) and not-applicable children are skipped at every level.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::status::{
    EvalContext, Observation, ReportDue, RollUp, RollUpChild, STATUS_METHOD_VERSION, TargetSpec,
    TargetStatus, evaluate_target, roll_up,
};

/// Where a target sits in the plan model (by position): how [`plan_status`] asks for its
/// input. Results also carry the caller's stable id ([`TargetInput::id`]), so callers look
/// stored targets up by id, not by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetRef {
    /// `Plan::headline_targets[index]`.
    Headline { index: usize },
    /// `task(number).targets[index]`.
    Task { number: u32, index: usize },
    /// The task's own qualitative progress (for tasks tracked as a milestone).
    TaskMilestone { number: u32 },
}

/// Everything the method needs for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInput {
    /// The target's stable id where the caller keeps it (a database id), named again in the
    /// result; `None` for what has no id of its own (a task's milestone).
    pub id: Option<i64>,
    pub spec: TargetSpec,
    pub observations: Vec<Observation>,
    pub reports: Vec<ReportDue>,
    /// Weight within its task (default 1).
    pub weight: f64,
}

/// The status of a plan at one date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStatus {
    pub method: String,
    pub as_of: chrono::NaiveDate,
    pub targets: Vec<TargetResult>,
    /// Per task number, in plan order.
    pub tasks: Vec<(u32, RollUp)>,
    /// Per pillar index.
    pub pillars: Vec<(usize, RollUp)>,
    pub headline: RollUp,
    pub plan: RollUp,
}

/// One evaluated target: where it sits, its stable id and its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    pub at: TargetRef,
    pub id: Option<i64>,
    pub status: TargetStatus,
}

impl PlanStatus {
    pub fn target(&self, r: TargetRef) -> Option<&TargetStatus> {
        self.targets.iter().find(|t| t.at == r).map(|t| &t.status)
    }

    /// The status of the target the caller gave this id ([`TargetInput::id`]).
    pub fn target_by_id(&self, id: i64) -> Option<&TargetStatus> {
        self.targets
            .iter()
            .find(|t| t.id == Some(id))
            .map(|t| &t.status)
    }

    pub fn task(&self, number: u32) -> Option<&RollUp> {
        self.tasks
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, r)| r)
    }
}

/// Evaluates every target for which `input` gives data (it is asked for each headline
/// target, each task target and each task's milestone; `None` = not tracked, skipped) and
/// rolls the results up.
pub fn plan_status(
    plan: &Plan,
    mut input: impl FnMut(TargetRef) -> Option<TargetInput>,
    ctx: &EvalContext<'_>,
) -> PlanStatus {
    let mut targets = Vec::new();
    let mut eval = |at: TargetRef, targets: &mut Vec<TargetResult>| {
        input(at).map(|i| {
            let status = evaluate_target(&i.spec, &i.observations, &i.reports, ctx);
            let child = RollUpChild::of_target(&status, i.weight);
            targets.push(TargetResult {
                at,
                id: i.id,
                status,
            });
            child
        })
    };

    let headline_children: Vec<RollUpChild> = (0..plan.headline_targets.len())
        .filter_map(|index| eval(TargetRef::Headline { index }, &mut targets))
        .collect();
    let headline = roll_up(&headline_children);

    let mut tasks = Vec::with_capacity(plan.tasks.len());
    for task in &plan.tasks {
        let mut children: Vec<RollUpChild> = (0..task.targets.len())
            .filter_map(|index| {
                eval(
                    TargetRef::Task {
                        number: task.number,
                        index,
                    },
                    &mut targets,
                )
            })
            .collect();
        if let Some(c) = eval(
            TargetRef::TaskMilestone {
                number: task.number,
            },
            &mut targets,
        ) {
            children.push(c);
        }
        tasks.push((task.number, roll_up(&children)));
    }

    let pillars = (0..plan.pillars.len())
        .map(|p| {
            let children: Vec<RollUpChild> = plan
                .tasks
                .iter()
                .zip(&tasks)
                .filter(|(t, _)| t.pillar == Some(p))
                .map(|(_, (_, r))| RollUpChild::of_roll_up(r, 1.0))
                .collect();
            (p, roll_up(&children))
        })
        .collect();

    let mut plan_children: Vec<RollUpChild> = tasks
        .iter()
        .map(|(_, r)| RollUpChild::of_roll_up(r, 1.0))
        .collect();
    if !headline_children.is_empty() {
        plan_children.push(RollUpChild::of_roll_up(&headline, 1.0));
    }

    PlanStatus {
        method: STATUS_METHOD_VERSION.to_string(),
        as_of: ctx.as_of,
        targets,
        tasks,
        pillars,
        headline,
        plan: roll_up(&plan_children),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::curve::Curve;
    use crate::plan::{Comparator, PLAN_SCHEMA, Pillar, Span, Target, Task};
    use crate::status::{Light, LightRules, Measure, QuantityTarget};
    use crate::test_support::d;

    fn target(value: f64) -> Target {
        Target {
            phrase: format!("不少于{value}个"),
            span: Span { start: 0, end: 0 },
            metric: "示例指标".into(),
            comparator: Comparator::AtLeast,
            value: Some(value),
            low: None,
            high: None,
            unit: Some("个".into()),
            normalized: Some(value),
            commitment: None,
        }
    }

    fn task(number: u32, pillar: Option<usize>, targets: Vec<Target>) -> Task {
        Task {
            number,
            label: format!("{number}."),
            title: format!("任务{number}"),
            text: String::new(),
            pillar,
            lead_units: vec![],
            co_units: vec![],
            leads_separately: false,
            deadline: None,
            due: None,
            targets,
        }
    }

    #[test]
    fn rolls_targets_up_to_tasks_pillars_and_plan() {
        let plan = Plan {
            schema: PLAN_SCHEMA.into(),
            outline: Default::default(),
            title: "示例数据：工作要点".into(),
            issuer: None,
            year: Some(2020),
            headline_targets: vec![],
            pillars: vec![Pillar {
                heading: "一、示例".into(),
                subtitle: None,
                tasks: vec![1, 2],
            }],
            tasks: vec![
                task(1, Some(0), vec![target(100.0), target(10.0)]),
                task(2, Some(0), vec![]),
                task(3, None, vec![target(4.0)]),
            ],
            text: String::new(),
        };
        let cal = WorkCalendar::china();
        let rules = LightRules::default();
        let ctx = EvalContext {
            as_of: d("2020-07-10"),
            calendar: &cal,
            rules: &rules,
        };
        let values = |r: TargetRef| -> Option<f64> {
            match r {
                TargetRef::Task {
                    number: 1,
                    index: 0,
                } => Some(60.0), // 60% vs ~50% → green
                TargetRef::Task {
                    number: 1,
                    index: 1,
                } => Some(4.6), // 46% vs 49.7% → yellow
                TargetRef::Task { number: 3, .. } => Some(4.0), // achieved → blue
                _ => None,
            }
        };
        let status = plan_status(
            &plan,
            |r| {
                let TargetRef::Task { number, index } = r else {
                    return None;
                };
                let t = &plan.task(number)?.targets[index];
                Some(TargetInput {
                    id: Some(i64::from(number) * 100 + index as i64),
                    spec: TargetSpec {
                        measure: Measure::Quantity(QuantityTarget::from_target(t, None)),
                        start: d("2020-01-01"),
                        deadline: d("2020-12-31"),
                        curve: Curve::Linear,
                    },
                    observations: values(r)
                        .map(|v| vec![Observation::value(d("2020-06-30"), v)])
                        .unwrap_or_default(),
                    reports: vec![],
                    weight: 1.0,
                })
            },
            &ctx,
        );
        assert_eq!(status.targets.len(), 3);
        // The caller's ids come back with the results.
        assert_eq!(
            status.target_by_id(101),
            status.target(TargetRef::Task {
                number: 1,
                index: 1
            })
        );
        assert!(status.target_by_id(101).is_some());
        assert_eq!(status.target_by_id(300).map(|s| s.light), Some(Light::Blue));
        assert!(status.target_by_id(200).is_none());
        let t1 = status.task(1).unwrap();
        assert_eq!(t1.light, Light::Yellow);
        assert!((t1.progress.unwrap() - 0.53).abs() < 1e-9);
        // Task 2 has nothing tracked: grey, and skipped by the pillar.
        assert_eq!(status.task(2).unwrap().light, Light::Grey);
        assert_eq!(status.pillars[0].1.light, Light::Yellow);
        assert_eq!(status.pillars[0].1.counted, 1);
        assert_eq!(status.task(3).unwrap().light, Light::Blue);
        assert_eq!(status.plan.light, Light::Yellow);
        assert!((status.plan.progress.unwrap() - (0.53 + 1.0) / 2.0).abs() < 1e-9);
        assert_eq!(status.method, STATUS_METHOD_VERSION);
        assert_eq!(status.headline.light, Light::Grey);
    }
}
