//! Publish (发布): what a publication freezes and how a bulletin (通报) is composed.
//!
//! A publication is immutable: it carries its content as it was shown on the day it was
//! published ([`PlanSnapshot`], a bulletin, or an evaluation snapshot's table), the method
//! version and a hash of that content, so a copy carried to a public site can be checked and
//! `duban publish verify` can recompute it. Pure: the caller passes the computed status,
//! duties and rankings; nothing here reads a clock or a database.
//!
//! Public content never names a person: only organisations, tasks, figures and dates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::period::zh_date;
use crate::status::Light;

/// Schema tag of a publication's content.
pub const PUBLICATION_SCHEMA: &str = "duban.publication/1";

/// What is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicationKind {
    /// A plan with its lights as of a date.
    Plan,
    /// A numbered bulletin (通报 第N期).
    Bulletin,
    /// A published evaluation snapshot (综合评价 ranking).
    Evaluation,
    /// A 亩均 领跑者 list from a firm-level evaluation snapshot.
    Leaders,
}

impl PublicationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Bulletin => "bulletin",
            Self::Evaluation => "evaluation",
            Self::Leaders => "leaders",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Plan, Self::Bulletin, Self::Evaluation, Self::Leaders]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Plan => "工作进展",
            Self::Bulletin => "通报",
            Self::Evaluation => "评价结果",
            Self::Leaders => "领跑者名单",
        }
    }
}

/// One task as published: its number, title, lead units and status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskLine {
    pub number: u32,
    pub title: String,
    pub leads: Vec<String>,
    pub light: Light,
    /// Progress in percent (one decimal), when known.
    pub progress: Option<f64>,
}

/// A pillar (板块) and its tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PillarLine {
    pub heading: String,
    pub light: Light,
    pub progress: Option<f64>,
    pub tasks: Vec<TaskLine>,
}

/// A report past due and not submitted at the as-of date (逾期未报).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub task_number: u32,
    pub task_title: String,
    pub unit: String,
    pub period: String,
    pub due: NaiveDate,
    pub days: i64,
}

/// One unit's punctuality (部门排名).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankLine {
    pub unit: String,
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub on_time_pct: Option<f64>,
    pub returned_pct: Option<f64>,
    /// 已报 and 被退回 (the review counts behind 退回率): in the status page's download, not
    /// in publications (whose frozen text and hash predate them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<usize>,
}

impl RankLine {
    /// What orders the ranking (按时报送率 first, then 退回率): lines equal in it share a
    /// place.
    pub fn standing(&self) -> (Option<f64>, Option<f64>) {
        (self.on_time_pct, self.returned_pct)
    }
}

/// The places of an ordered list (competition ranking, 1, 2, 2, 4): an item equal to the
/// one before it in `key` shares its place.
pub fn shared_places<T, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<usize> {
    let mut places: Vec<usize> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let place = match i.checked_sub(1) {
            Some(prev) if key(&items[prev]) == key(item) => places[prev],
            _ => i + 1,
        };
        places.push(place);
    }
    places
}

/// A plan's progress frozen as of a date: what the public portal and a bulletin show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSnapshot {
    pub plan_id: i64,
    pub title: String,
    pub year: Option<i32>,
    pub issuer: Option<String>,
    pub as_of: NaiveDate,
    /// The status method version (`duban.status/2`).
    pub method: String,
    pub light: Light,
    pub progress: Option<f64>,
    pub pillars: Vec<PillarLine>,
    /// Tasks outside any pillar.
    pub loose: Vec<TaskLine>,
    pub overdue: Vec<OverdueLine>,
    pub ranking: Vec<RankLine>,
    /// The plan carries demonstration reports (示例数据): shown on every page.
    pub demo: bool,
}

impl PlanSnapshot {
    /// Every task, pillar by pillar, then the loose ones.
    pub fn tasks(&self) -> impl Iterator<Item = &TaskLine> {
        self.pillars
            .iter()
            .flat_map(|p| p.tasks.iter())
            .chain(self.loose.iter())
    }

    /// Tasks per light.
    pub fn count(&self, light: Light) -> usize {
        self.tasks().filter(|t| t.light == light).count()
    }
}

/// One ranked unit of a published evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationLine {
    pub unit: String,
    pub score: Option<f64>,
    pub rank: Option<f64>,
}

/// A published evaluation snapshot: its ranking table and the hashes `duban eval verify`
/// checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationTable {
    pub snapshot_id: i64,
    pub title: String,
    pub engine: String,
    pub data_hash: String,
    pub method_hash: String,
    pub lines: Vec<EvaluationLine>,
    pub demo: bool,
}

/// One firm of a 领跑者 list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderLine {
    pub firm: String,
    /// The firm's name (企业名称) from the run's data, where the scheme names that column: a
    /// label, not part of the recomputed result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The benchmark class (e.g. the county).
    pub class: String,
    /// The group the list ranks within (e.g. the industry).
    pub group: String,
    /// 1 = first in its group.
    pub position: u32,
    pub score: Option<f64>,
    pub grade: String,
}

/// A published 亩均 领跑者 list: its lines and the firm-level evaluation snapshot it comes
/// from (kept whole, so anyone can recompute it with `duban eval verify`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderList {
    pub title: String,
    pub engine: String,
    pub data_hash: String,
    pub method_hash: String,
    pub lines: Vec<LeaderLine>,
    /// The snapshot text (`duban.eval.snapshot/1` of a firm-level evaluation).
    pub snapshot: String,
    pub demo: bool,
}

impl LeaderList {
    /// Gives each firm the name `names` holds for it (names are labels from the run's data:
    /// a list recomputed from its snapshot gets them from the published list).
    pub fn name_firms<'a>(&mut self, names: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let names: std::collections::HashMap<&str, &str> = names.into_iter().collect();
        for line in &mut self.lines {
            line.name = names.get(line.firm.as_str()).map(|n| n.to_string());
        }
    }

    /// The names this list gives its firms, as [`LeaderList::name_firms`] takes them.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines
            .iter()
            .filter_map(|l| Some((l.firm.as_str(), l.name.as_deref()?)))
    }
}

/// The heading block of a bulletin as GB/T 9704 lays it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinHead {
    /// 发文机关标志 (the red heading), e.g. 浙江省发展和改革委员会.
    pub issuer: String,
    /// Series name, e.g. 服务业发展工作通报.
    pub series: String,
    pub year: i32,
    /// 第N期 within the year and series.
    pub number: u32,
    pub title: String,
    /// 成文日期.
    pub date: NaiveDate,
}

impl BulletinHead {
    /// `2020年第3期`.
    pub fn issue_label(&self) -> String {
        format!("{}年第{}期", self.year, self.number)
    }
}

/// A section of a bulletin: a heading (一、总体进展) and paragraphs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// A bulletin: its head, sections and the plan snapshot it was composed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    pub head: BulletinHead,
    pub sections: Vec<Section>,
    pub plan: PlanSnapshot,
    /// How the sections were composed ([`compose_bulletin`]): 0, the first layout (部门排名
    /// numbered by row, 逾期未报 one line per report); 1 ([`BULLETIN_LAYOUT`]), equal rates
    /// sharing a place and 逾期未报 one line per unit. A bulletin is recomputed in its own.
    #[serde(default, skip_serializing_if = "is_first_layout")]
    pub layout: u32,
}

/// The layout new bulletins are composed in.
pub const BULLETIN_LAYOUT: u32 = 1;

fn is_first_layout(layout: &u32) -> bool {
    *layout == 0
}

impl Bulletin {
    /// The sections with their numbered headings (一、总体进展, 二、红黄灯任务, …).
    pub fn numbered_sections(&self) -> Vec<(String, &[String])> {
        self.sections
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    format!("{}、{}", cn_number(i as u32 + 1), s.heading),
                    s.paragraphs.as_slice(),
                )
            })
            .collect()
    }
}

/// The content of a publication, as stored and hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    Plan(PlanSnapshot),
    Bulletin(Bulletin),
    Evaluation(EvaluationTable),
    Leaders(LeaderList),
}

impl Content {
    pub fn kind(&self) -> PublicationKind {
        match self {
            Content::Plan(_) => PublicationKind::Plan,
            Content::Bulletin(_) => PublicationKind::Bulletin,
            Content::Evaluation(_) => PublicationKind::Evaluation,
            Content::Leaders(_) => PublicationKind::Leaders,
        }
    }

    /// The plan snapshot a plan publication or a bulletin carries.
    pub fn plan(&self) -> Option<&PlanSnapshot> {
        match self {
            Content::Plan(p) => Some(p),
            Content::Bulletin(b) => Some(&b.plan),
            Content::Evaluation(_) | Content::Leaders(_) => None,
        }
    }

    pub fn is_demo(&self) -> bool {
        match self {
            Content::Plan(p) => p.demo,
            Content::Bulletin(b) => b.plan.demo,
            Content::Evaluation(e) => e.demo,
            Content::Leaders(l) => l.demo,
        }
    }
}

/// SHA-256 (hex) of a publication's stored content text: the data hash it carries.
pub fn content_hash(content_json: &str) -> String {
    crate::hash::sha256_hex(content_json.as_bytes())
}

/// 一, 二, … 九十九 (section numbers of an official document).
pub fn cn_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

fn light_word(l: Light) -> &'static str {
    match l {
        Light::Blue => "蓝灯（已完成）",
        Light::Green => "绿灯",
        Light::Yellow => "黄灯",
        Light::Red => "红灯",
        Light::Grey => "暂无数据",
        Light::NotApplicable => "不适用",
    }
}

fn pct_text(p: Option<f64>) -> String {
    p.map_or_else(|| "暂无数据".to_string(), |p| format!("{p}%"))
}

/// The default 下步要求 of a bulletin (the office edits it before 签发).
pub const DEFAULT_REQUIREMENTS: &str = "请各牵头单位对照红灯、黄灯任务逐项分析原因，明确整改措施和完成时限；逾期未报的单位请于5个工作日内补报进展。";

/// Composes a bulletin's five sections (总体进展, 红黄灯任务, 逾期未报, 部门排名, 下步要求)
/// from a plan snapshot. `requirements` is the office's 下步要求 text (paragraphs split on
/// blank lines); empty uses [`DEFAULT_REQUIREMENTS`].
pub fn compose_bulletin(plan: &PlanSnapshot, requirements: &str, layout: u32) -> Vec<Section> {
    let total = plan.tasks().count();
    let mut overall = format!(
        "截至{}，《{}》确定的{}项任务中，",
        zh_date(plan.as_of),
        plan.title,
        total
    );
    let counts: Vec<String> = [
        Light::Blue,
        Light::Green,
        Light::Yellow,
        Light::Red,
        Light::Grey,
    ]
    .into_iter()
    .filter_map(|l| {
        let n = plan.count(l);
        (n > 0).then(|| format!("{}{}项", light_word(l), n))
    })
    .collect();
    overall.push_str(&counts.join("，"));
    overall.push_str(&format!("；总体进度{}。", pct_text(plan.progress)));
    let mut paragraphs = vec![overall];
    for p in &plan.pillars {
        paragraphs.push(format!(
            "{}：进度{}，{}。",
            p.heading,
            pct_text(p.progress),
            light_word(p.light)
        ));
    }
    let mut sections = vec![Section {
        heading: "总体进展".into(),
        paragraphs,
    }];

    let mut flagged: Vec<&TaskLine> = plan
        .tasks()
        .filter(|t| matches!(t.light, Light::Red | Light::Yellow))
        .collect();
    // Red first, then by number.
    flagged.sort_by_key(|t| (t.light != Light::Red, t.number));
    sections.push(listing_section(
        "红黄灯任务",
        flagged
            .iter()
            .map(|t| {
                format!(
                    "{}（第{}项，牵头单位：{}）：{}，进度{}。",
                    t.title.trim_end_matches(['。', '；']),
                    t.number,
                    if t.leads.is_empty() {
                        "未明确".to_string()
                    } else {
                        t.leads.join("、")
                    },
                    light_word(t.light),
                    pct_text(t.progress)
                )
            })
            .collect(),
        "本期无红灯、黄灯任务。",
    ));
    let overdue: Vec<String> = if layout == 0 {
        plan.overdue
            .iter()
            .map(|o| {
                format!(
                    "{}：第{}项任务{}进展逾期未报（应于{}前报送，逾期{}天）。",
                    o.unit,
                    o.task_number,
                    o.period,
                    zh_date(o.due),
                    o.days
                )
            })
            .collect()
    } else {
        overdue_by_unit(&plan.overdue)
    };
    sections.push(listing_section("逾期未报", overdue, "本期无逾期未报情况。"));
    // Layout 1: units equal in both rates share their place (1, 2, 2, 4), as in the
    // ranking table published beside the bulletin.
    let places: Vec<usize> = if layout == 0 {
        (1..=plan.ranking.len()).collect()
    } else {
        shared_places(&plan.ranking, RankLine::standing)
    };
    sections.push(listing_section(
        "部门排名",
        plan.ranking
            .iter()
            .zip(places)
            .map(|(r, place)| {
                // Layout 1 also states the 退回率 that orders units equal in punctuality.
                let returned = if layout == 0 {
                    String::new()
                } else {
                    format!("，退回率{}", pct_text(r.returned_pct))
                };
                format!(
                    "{}. {}：应报{}份，按时{}份，迟报{}份，未报{}份，按时报送率{}{returned}。",
                    place,
                    r.unit,
                    r.due,
                    r.on_time,
                    r.late,
                    r.missing,
                    pct_text(r.on_time_pct)
                )
            })
            .collect(),
        "本期尚无到期的报送任务。",
    ));

    let text = if requirements.trim().is_empty() {
        DEFAULT_REQUIREMENTS
    } else {
        requirements
    };
    sections.push(Section {
        heading: "下步要求".into(),
        paragraphs: text
            .split("\n\n")
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(""))
            .filter(|p| !p.is_empty())
            .collect(),
    });
    sections
}

/// A section of one paragraph per listed item, or the single sentence `when_none` when the
/// list is empty (a bulletin says so rather than leaving a heading bare).
/// 逾期未报 one paragraph per unit, in the order units first appear: 省商务厅（2项）：第3项任务
/// 2020年第二季度（应于2020年7月7日前报送，逾期8天）；第5项任务……。
fn overdue_by_unit(lines: &[OverdueLine]) -> Vec<String> {
    let mut units: Vec<(&str, Vec<&OverdueLine>)> = Vec::new();
    for o in lines {
        match units.iter_mut().find(|(u, _)| *u == o.unit) {
            Some((_, list)) => list.push(o),
            None => units.push((&o.unit, vec![o])),
        }
    }
    units
        .into_iter()
        .map(|(unit, list)| {
            let items: Vec<String> = list
                .iter()
                .map(|o| {
                    format!(
                        "第{}项任务{}（应于{}前报送，逾期{}天）",
                        o.task_number,
                        o.period,
                        zh_date(o.due),
                        o.days
                    )
                })
                .collect();
            format!("{unit}（{}项）：{}。", list.len(), items.join("；"))
        })
        .collect()
}

fn listing_section(heading: &str, paragraphs: Vec<String>, when_none: &str) -> Section {
    Section {
        heading: heading.into(),
        paragraphs: if paragraphs.is_empty() {
            vec![when_none.to_string()]
        } else {
            paragraphs
        },
    }
}

/// What changed for one task between two publications of the same plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskChange {
    pub number: u32,
    pub title: String,
    pub before: Option<(Light, Option<f64>)>,
    pub after: Option<(Light, Option<f64>)>,
}

/// Tasks whose light or progress differ between two snapshots (by task number), in number
/// order; a task in only one of them appears with the other side `None`.
pub fn compare(before: &PlanSnapshot, after: &PlanSnapshot) -> Vec<TaskChange> {
    use std::collections::BTreeMap;
    let mut by_number: BTreeMap<u32, TaskChange> = BTreeMap::new();
    for t in before.tasks() {
        by_number.insert(
            t.number,
            TaskChange {
                number: t.number,
                title: t.title.clone(),
                before: Some((t.light, t.progress)),
                after: None,
            },
        );
    }
    for t in after.tasks() {
        let e = by_number.entry(t.number).or_insert_with(|| TaskChange {
            number: t.number,
            title: t.title.clone(),
            before: None,
            after: None,
        });
        e.after = Some((t.light, t.progress));
        e.title = t.title.clone();
    }
    by_number
        .into_values()
        .filter(|c| c.before != c.after)
        .collect()
}

/// Sign-off of a bulletin: 起草 → 审核 → 签发. Only an issued bulletin is public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOff {
    Drafted,
    Reviewed,
    Issued,
}

impl SignOff {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drafted => "drafted",
            Self::Reviewed => "reviewed",
            Self::Issued => "issued",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Drafted, Self::Reviewed, Self::Issued]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Drafted => "起草",
            Self::Reviewed => "已审核",
            Self::Issued => "已签发",
        }
    }

    /// The next step. Who did each step is recorded (audit chain, and on the bulletin);
    /// offices decide who may sign, so one person may carry all three in a small office.
    pub fn advance(self) -> Result<SignOff, SignOffError> {
        match self {
            Self::Drafted => Ok(Self::Reviewed),
            Self::Reviewed => Ok(Self::Issued),
            Self::Issued => Err(SignOffError::AlreadyIssued),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignOffError {
    #[error("该期通报已签发，不能再修改")]
    AlreadyIssued,
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_standings_share_their_place() {
        let keys = [
            (Some(100.0), Some(0.0)),
            (Some(50.0), Some(0.0)),
            (Some(50.0), Some(0.0)),
            (Some(50.0), Some(10.0)),
            (None, None),
        ];
        assert_eq!(shared_places(&keys, |k| *k), [1, 2, 2, 4, 5]);
        assert!(shared_places(&[] as &[u8], |k| *k).is_empty());
    }

    use super::*;

    fn task(number: u32, light: Light, progress: Option<f64>) -> TaskLine {
        TaskLine {
            number,
            title: format!("任务{number}。"),
            leads: vec!["省发展改革委".into()],
            light,
            progress,
        }
    }

    fn snapshot() -> PlanSnapshot {
        PlanSnapshot {
            plan_id: 1,
            title: "2020年服务业发展工作要点".into(),
            year: Some(2020),
            issuer: None,
            as_of: NaiveDate::from_ymd_opt(2020, 7, 15).unwrap(),
            method: "duban.status/2".into(),
            light: Light::Red,
            progress: Some(59.5),
            pillars: vec![PillarLine {
                heading: "一、做强".into(),
                light: Light::Red,
                progress: Some(50.0),
                tasks: vec![
                    task(1, Light::Green, Some(60.0)),
                    task(2, Light::Yellow, Some(40.0)),
                    task(3, Light::Red, None),
                ],
            }],
            loose: vec![],
            overdue: vec![OverdueLine {
                task_number: 3,
                task_title: "任务3".into(),
                unit: "省商务厅".into(),
                period: "2020年第二季度".into(),
                due: NaiveDate::from_ymd_opt(2020, 7, 7).unwrap(),
                days: 8,
            }],
            ranking: vec![],
            demo: false,
        }
    }

    #[test]
    fn bulletin_sections_follow_the_template() {
        let s = compose_bulletin(&snapshot(), "", 0);
        let headings: Vec<&str> = s.iter().map(|x| x.heading.as_str()).collect();
        assert_eq!(
            headings,
            ["总体进展", "红黄灯任务", "逾期未报", "部门排名", "下步要求"]
        );
        assert_eq!(
            s[0].paragraphs[0],
            "截至2020年7月15日，《2020年服务业发展工作要点》确定的3项任务中，绿灯1项，黄灯1项，红灯1项；总体进度59.5%。"
        );
        // red before yellow
        assert!(s[1].paragraphs[0].starts_with("任务3（第3项"));
        assert!(s[1].paragraphs[1].starts_with("任务2（第2项"));
        assert_eq!(
            s[2].paragraphs[0],
            "省商务厅：第3项任务2020年第二季度进展逾期未报（应于2020年7月7日前报送，逾期8天）。"
        );
        assert_eq!(s[3].paragraphs, ["本期尚无到期的报送任务。"]);
        assert_eq!(s[4].paragraphs, [DEFAULT_REQUIREMENTS]);
        let own = compose_bulletin(&snapshot(), "第一段\n要求。\n\n第二段。", 0);
        assert_eq!(own[4].paragraphs, ["第一段要求。", "第二段。"]);
    }

    /// Layout 1: a unit's overdue reports on one line, equal rates sharing a place; a
    /// bulletin of layout 0 keeps composing as it was issued (its verification).
    #[test]
    fn the_second_layout_groups_by_unit_and_shares_places() {
        let mut plan = snapshot();
        let mut second = plan.overdue[0].clone();
        second.task_number = 5;
        plan.overdue.push(second);
        let rank = |unit: &str, pct: f64| RankLine {
            unit: unit.into(),
            due: 4,
            on_time: 2,
            late: 2,
            missing: 0,
            on_time_pct: Some(pct),
            returned_pct: Some(0.0),
            submitted: None,
            returned: None,
        };
        plan.ranking = vec![
            rank("省教育厅", 50.0),
            rank("省科技厅", 50.0),
            rank("省商务厅", 25.0),
        ];
        let s = compose_bulletin(&plan, "", BULLETIN_LAYOUT);
        assert_eq!(
            s[2].paragraphs,
            [
                "省商务厅（2项）：第3项任务2020年第二季度（应于2020年7月7日前报送，逾期8天）；第5项任务2020年第二季度（应于2020年7月7日前报送，逾期8天）。"
            ]
        );
        let places: Vec<&str> = s[3].paragraphs.iter().map(|p| &p[..2]).collect();
        assert_eq!(places, ["1.", "1.", "3."]);
        assert!(
            s[3].paragraphs[0].ends_with("按时报送率50%，退回率0%。"),
            "{}",
            s[3].paragraphs[0]
        );
        let first = compose_bulletin(&plan, "", 0);
        assert_eq!(first[2].paragraphs.len(), 2);
        let places: Vec<&str> = first[3].paragraphs.iter().map(|p| &p[..2]).collect();
        assert_eq!(places, ["1.", "2.", "3."]);
    }

    #[test]
    fn compare_names_changed_tasks_only() {
        let a = snapshot();
        let mut b = snapshot();
        b.pillars[0].tasks[1].light = Light::Green;
        b.pillars[0].tasks[1].progress = Some(70.0);
        b.loose.push(task(4, Light::Grey, None));
        let c = compare(&a, &b);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].number, 2);
        assert_eq!(c[0].before, Some((Light::Yellow, Some(40.0))));
        assert_eq!(c[0].after, Some((Light::Green, Some(70.0))));
        assert_eq!(c[1].number, 4);
        assert_eq!(c[1].before, None);
    }

    #[test]
    fn sign_off_runs_in_order_once() {
        let s = SignOff::Drafted.advance().unwrap();
        assert_eq!(s, SignOff::Reviewed);
        let s = s.advance().unwrap();
        assert_eq!(s, SignOff::Issued);
        assert_eq!(s.advance(), Err(SignOffError::AlreadyIssued));
    }

    #[test]
    fn chinese_section_numbers() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(12), "十二");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(35), "三十五");
    }

    #[test]
    fn content_round_trips_with_its_kind_tag() {
        let c = Content::Plan(snapshot());
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.starts_with("{\"kind\":\"plan\""));
        let back: Content = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(content_hash("abc").len(), 64);
    }
}
