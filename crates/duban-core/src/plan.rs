//! The structure of an annual work plan (工作要点): plan → pillars → numbered tasks → targets.
//!
//! These types are also duban's plan exchange format, `duban.plan/1` (JSON): the parser
//! produces them, `duban plan export`/`import` and the API speak them. Field names are the
//! schema; change them only with a new schema version.

use serde::{Deserialize, Serialize};

/// The schema tag written into every exported plan.
pub const PLAN_SCHEMA: &str = "duban.plan/1";

/// A whole plan as extracted from (or exchanged as) a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub schema: String,
    pub title: String,
    /// The issuing body, e.g. 省现代服务业发展工作领导小组办公室.
    pub issuer: Option<String>,
    pub year: Option<i32>,
    /// Plan-level goals stated before the numbered tasks.
    pub headline_targets: Vec<Target>,
    pub pillars: Vec<Pillar>,
    pub tasks: Vec<Task>,
    /// The plan's text after decoding and removal of page chrome. Every `Span` indexes into
    /// it, in `char`s (Unicode scalar values), so the UI can highlight a phrase. Absent in
    /// hand-written exchange files; then spans are meaningless and must be ignored.
    #[serde(default)]
    pub text: String,
    /// How the document was read: its kind, every numbered item as a tree, where each meta
    /// field came from, and the low-confidence decisions to check. Absent in older exchange
    /// files (then empty).
    #[serde(default, skip_serializing_if = "Outline::is_empty")]
    pub outline: Outline,
}

/// The kind of plan document; each has its own reading rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 工作要点.
    WorkPoints,
    /// 任务分解 / 责任分工 (tables and lists).
    TaskDivision,
    /// 实施意见 / 行动计划 / 方案.
    Implementation,
    /// 政府工作报告: only the 主要预期目标 and the year's tasks carry targets.
    GovernmentReport,
    /// A news summary of a plan (一要…二要…).
    NewsSummary,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::WorkPoints,
        DocKind::TaskDivision,
        DocKind::Implementation,
        DocKind::GovernmentReport,
        DocKind::NewsSummary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::WorkPoints => "work_points",
            DocKind::TaskDivision => "task_division",
            DocKind::Implementation => "implementation",
            DocKind::GovernmentReport => "government_report",
            DocKind::NewsSummary => "news_summary",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Chinese label for the UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            DocKind::WorkPoints => "工作要点",
            DocKind::TaskDivision => "任务分解/责任分工",
            DocKind::Implementation => "实施意见/行动计划/方案",
            DocKind::GovernmentReport => "政府工作报告",
            DocKind::NewsSummary => "新闻摘要",
        }
    }
}

/// The parser's account of a document (see [`Plan::outline`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outline {
    /// The kind the rules were applied for.
    #[serde(default)]
    pub kind: Option<DocKind>,
    /// True when the kind was given by a person, not detected.
    #[serde(default)]
    pub kind_forced: bool,
    /// Every numbered item (一、 （一） 1. （1） ① 一要 …) in document order.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Where each meta field (title, issuer, year, document number) was read from.
    #[serde(default)]
    pub meta: Vec<MetaEvidence>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

impl Outline {
    pub fn is_empty(&self) -> bool {
        self == &Outline::default()
    }
}

/// One numbered item of the document tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The label as written: `一、`, `（一）`, `1.`, `一要`.
    pub label: String,
    /// The printed number.
    pub number: u32,
    /// 0 for the outermost level.
    pub depth: u32,
    /// Index into `Outline::items` of the enclosing item.
    pub parent: Option<usize>,
    /// The item's heading: its text up to the first sentence break.
    pub title: String,
    /// The item's own text (label to the next item at any level).
    pub span: Span,
    /// The number of the `Task` this item became, if any.
    #[serde(default)]
    pub task: Option<u32>,
}

/// A meta field and the span it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaEvidence {
    /// `title`, `issuer`, `year`, `doc_number`.
    pub field: String,
    pub value: String,
    pub span: Option<Span>,
}

/// A low-confidence decision for a person to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// A stable code: `sequence_break`, `unknown_kind`, `meta_missing`, …
    pub code: String,
    /// What was decided, in Chinese.
    pub message: String,
    pub span: Option<Span>,
}

/// A grouping of tasks under a heading (一、… or a banner heading such as 着力谋规划促改革).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pillar {
    pub heading: String,
    pub subtitle: Option<String>,
    /// Numbers of the tasks in this pillar, in document order.
    pub tasks: Vec<u32>,
}

/// One numbered task (一项重点工作).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// The task number, unique within the plan (1, 2, … as printed).
    pub number: u32,
    /// The label exactly as written: `1.`, `1、`, `（1）`.
    pub label: String,
    pub title: String,
    /// The full clause text (without the title line).
    pub text: String,
    /// Index into `Plan::pillars`, or `None` for a task outside any pillar.
    pub pillar: Option<usize>,
    pub lead_units: Vec<String>,
    pub co_units: Vec<String>,
    /// True when the text says the lead units lead their own parts (分别牵头).
    #[serde(default)]
    pub leads_separately: bool,
    pub targets: Vec<Target>,
    /// The completion time as the document writes it (6月底前, 2022年10月底前, 持续推进), in
    /// the task's text or its table's 完成时限 column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// That time as a date (`deadline::due_date` in the plan's year); `None` when it names
    /// no date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<chrono::NaiveDate>,
}

/// Character offsets `[start, end)` into `Plan::text`, counted in `char`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The text this span covers, or `None` if it lies outside `text`.
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        if self.start > self.end {
            return None;
        }
        let mut indices = text.char_indices().map(|(i, _)| i).chain([text.len()]);
        let start = indices.nth(self.start)?;
        let end = if self.end == self.start {
            start
        } else {
            indices.nth(self.end - self.start - 1)?
        };
        text.get(start..end)
    }
}

/// How the reported value is compared with the target value. A closed vocabulary: the
/// status method (序时进度, lights) has one rule per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// 完成/新建/再建 N: exactly N more (or N in all).
    Equal,
    /// N以上, 不少于, 不低于, 超过.
    AtLeast,
    /// 控制在N以内, 不超过.
    AtMost,
    /// N左右.
    About,
    /// 2-3家, 3—5个: `low`..=`high`.
    Range,
    /// 达/达到/提升至 N: a level to reach.
    Reach,
    /// 增长N%.
    Growth,
    /// 增长N%以上.
    GrowthAtLeast,
    /// 增长N%左右.
    GrowthAbout,
    /// Direction only: 稳步上升, 提高.
    Increase,
    /// Direction only: 下降, 减少.
    Decrease,
    /// Higher than another quantity (高于GDP增速).
    HigherThan,
    /// In step with another quantity (与经济增长同步).
    InStepWith,
}

impl Comparator {
    pub const ALL: [Comparator; 13] = [
        Comparator::Equal,
        Comparator::AtLeast,
        Comparator::AtMost,
        Comparator::About,
        Comparator::Range,
        Comparator::Reach,
        Comparator::Growth,
        Comparator::GrowthAtLeast,
        Comparator::GrowthAbout,
        Comparator::Increase,
        Comparator::Decrease,
        Comparator::HigherThan,
        Comparator::InStepWith,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Equal => "equal",
            Comparator::AtLeast => "at_least",
            Comparator::AtMost => "at_most",
            Comparator::About => "about",
            Comparator::Range => "range",
            Comparator::Reach => "reach",
            Comparator::Growth => "growth",
            Comparator::GrowthAtLeast => "growth_at_least",
            Comparator::GrowthAbout => "growth_about",
            Comparator::Increase => "increase",
            Comparator::Decrease => "decrease",
            Comparator::HigherThan => "higher_than",
            Comparator::InStepWith => "in_step_with",
        }
    }

    pub fn parse(s: &str) -> Option<Comparator> {
        Comparator::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Chinese label for the UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            Comparator::Equal => "完成",
            Comparator::AtLeast => "不少于",
            Comparator::AtMost => "不超过",
            Comparator::About => "左右",
            Comparator::Range => "区间",
            Comparator::Reach => "达到",
            Comparator::Growth => "增长",
            Comparator::GrowthAtLeast => "增长不低于",
            Comparator::GrowthAbout => "增长左右",
            Comparator::Increase => "上升",
            Comparator::Decrease => "下降",
            Comparator::HigherThan => "高于",
            Comparator::InStepWith => "同步",
        }
    }

    /// Whether the target needs a number (`value`, or `low`/`high` for a range).
    pub fn needs_value(self) -> bool {
        !matches!(
            self,
            Comparator::Increase
                | Comparator::Decrease
                | Comparator::HigherThan
                | Comparator::InStepWith
        )
    }
}

/// 确保 (firm) or 力争 (stretch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Commitment {
    Firm,
    Stretch,
}

/// One quantitative (or direction-only) target, typed and traceable to its phrase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The exact text it came from.
    pub phrase: String,
    pub span: Span,
    /// What is counted or measured, e.g. 乡镇（街道）居家养老服务中心.
    pub metric: String,
    pub comparator: Comparator,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The unit as written: 个, 所, 亿元, 万个, %, 个百分点 …
    pub unit: Option<String>,
    /// `value` (or `high` for a range) times the unit's multiplier (万 = 1e4, 亿 = 1e8).
    pub normalized: Option<f64>,
    pub commitment: Option<Commitment>,
}

impl Plan {
    pub fn task(&self, number: u32) -> Option<&Task> {
        self.tasks.iter().find(|t| t.number == number)
    }

    /// All targets, headline ones first, then by task.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.headline_targets
            .iter()
            .chain(self.tasks.iter().flat_map(|t| t.targets.iter()))
    }

    /// Structural checks for a plan that arrives from outside (an exchange file, an edit):
    /// numbered tasks exist, numbers are unique, pillar references are in range and
    /// consistent, every target carries the numbers its comparator needs.
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.schema != PLAN_SCHEMA {
            return Err(PlanError::Schema(self.schema.clone()));
        }
        if self.title.trim().is_empty() {
            return Err(PlanError::Invalid {
                field: "title".into(),
                reason: "标题不能为空".into(),
            });
        }
        if self.tasks.is_empty() {
            return Err(PlanError::NoTasks);
        }
        let mut seen = std::collections::HashSet::new();
        for (i, task) in self.tasks.iter().enumerate() {
            if !seen.insert(task.number) {
                return Err(PlanError::Invalid {
                    field: format!("tasks[{i}].number"),
                    reason: format!("任务编号 {} 重复", task.number),
                });
            }
            if task.title.trim().is_empty() {
                return Err(PlanError::Invalid {
                    field: format!("tasks[{i}].title"),
                    reason: "任务标题不能为空".into(),
                });
            }
            if let Some(p) = task.pillar
                && p >= self.pillars.len()
            {
                return Err(PlanError::Invalid {
                    field: format!("tasks[{i}].pillar"),
                    reason: format!("板块序号 {p} 不存在"),
                });
            }
            for (j, target) in task.targets.iter().enumerate() {
                target.validate().map_err(|reason| PlanError::Invalid {
                    field: format!("tasks[{i}].targets[{j}]"),
                    reason,
                })?;
            }
        }
        for (j, target) in self.headline_targets.iter().enumerate() {
            target.validate().map_err(|reason| PlanError::Invalid {
                field: format!("headline_targets[{j}]"),
                reason,
            })?;
        }
        for (p, pillar) in self.pillars.iter().enumerate() {
            for n in &pillar.tasks {
                match self.task(*n) {
                    Some(t) if t.pillar == Some(p) => {}
                    _ => {
                        return Err(PlanError::Invalid {
                            field: format!("pillars[{p}].tasks"),
                            reason: format!("任务 {n} 不属于该板块"),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

impl Target {
    /// Checks that the numbers match the comparator.
    pub fn validate(&self) -> Result<(), String> {
        let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
        if !(finite(self.value) && finite(self.low) && finite(self.high)) {
            return Err("目标值必须是有限数".into());
        }
        match self.comparator {
            Comparator::Range => match (self.low, self.high) {
                (Some(l), Some(h)) if l <= h => Ok(()),
                (Some(_), Some(_)) => Err("区间下限大于上限".into()),
                _ => Err("区间目标需要下限和上限".into()),
            },
            c if c.needs_value() && self.value.is_none() => {
                Err(format!("“{}”类目标需要目标值", c.label_zh()))
            }
            _ => Ok(()),
        }
    }
}

/// Why a plan is not acceptable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown plan schema {0:?} (expected \"duban.plan/1\")")]
    Schema(String),
    #[error("the plan has no numbered tasks")]
    NoTasks,
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_slices_by_chars() {
        let text = "再建350个乡镇";
        assert_eq!(Span { start: 2, end: 6 }.slice(text), Some("350个"));
        assert_eq!(Span { start: 0, end: 0 }.slice(text), Some(""));
        assert_eq!(Span { start: 8, end: 8 }.slice(text), Some(""));
        assert_eq!(Span { start: 7, end: 9 }.slice(text), None);
        assert_eq!(Span { start: 3, end: 2 }.slice(text), None);
    }

    #[test]
    fn comparator_names_round_trip() {
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    #[test]
    fn range_needs_ordered_bounds() {
        let mut t = Target {
            phrase: "3—5个".into(),
            span: Span { start: 0, end: 4 },
            metric: "国家级全域旅游示范县".into(),
            comparator: Comparator::Range,
            value: None,
            low: Some(5.0),
            high: Some(3.0),
            unit: Some("个".into()),
            normalized: None,
            commitment: None,
        };
        assert!(t.validate().is_err());
        t.low = Some(3.0);
        t.high = Some(5.0);
        assert!(t.validate().is_ok());
    }
}
