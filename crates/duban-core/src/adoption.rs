//! The check-list before a plan is adopted (通过/冻结): every problem that would make the
//! adopted plan unusable (no reporting periods, a task nobody leads, a target that cannot be
//! judged, a deadline outside the plan year). Adoption is refused while the list is not
//! empty. Pure: the store gathers the facts, this decides.

use chrono::{Datelike, NaiveDate};

/// The years a plan may have (periods and calendars are generated for them).
pub const YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

/// The rules for editing a plan once it is adopted: every change needs a reason (it is
/// recorded as an adjustment 调整), and the year stays valid (the periods come from it).
/// The store applies them inside the edit's transaction, where the plan's state is read
/// under the write lock, so an adoption cannot slip between the check and the write.
pub fn check_adopted_edit(
    adopted: bool,
    reason: &str,
    year_after: Option<Option<i64>>,
) -> Result<(), String> {
    if !adopted {
        return Ok(());
    }
    if reason.trim().is_empty() {
        return Err("计划已通过，修改须填写调整理由".to_string());
    }
    match year_after {
        Some(year) if !year.is_some_and(|y| YEARS.contains(&y)) => {
            Err("计划已通过，年份不能清空或设为无效年份（报送周期依年份生成）".to_string())
        }
        _ => Ok(()),
    }
}

/// One task as the check needs it.
#[derive(Debug, Clone)]
pub struct TaskFacts {
    pub number: i64,
    pub title: String,
    /// Lead units that exist in the unit list.
    pub leads: usize,
    /// The task deadline, if any.
    pub deadline: Option<NaiveDate>,
    /// Its units created from the uploaded document and not yet reviewed by the office.
    pub unreviewed_units: Vec<String>,
}

/// One target as the check needs it.
#[derive(Debug, Clone)]
pub struct TargetFacts {
    /// The task number, `None` for a headline target.
    pub task_number: Option<i64>,
    pub metric: String,
    /// Why its type does not fit its values (`Target::validate`), if it does not.
    pub type_error: Option<String>,
    pub deadline: Option<NaiveDate>,
}

/// Everything that blocks adoption, in a stable order (plan, then tasks, then targets).
pub fn problems(year: Option<i64>, tasks: &[TaskFacts], targets: &[TargetFacts]) -> Vec<String> {
    let mut out = Vec::new();
    let year = match year {
        None => {
            out.push("计划未设年份：无法生成报送周期，请先在“编辑计划”中填写年份".to_string());
            None
        }
        Some(y) if !YEARS.contains(&y) => {
            out.push(format!(
                "计划年份 {y} 无效（应在 {}–{} 之间），无法生成报送周期",
                YEARS.start(),
                YEARS.end()
            ));
            None
        }
        Some(y) => Some(y),
    };
    if tasks.is_empty() {
        out.push("计划没有任务".to_string());
    }
    let outside = |what: &str, d: NaiveDate| -> Option<String> {
        match year {
            Some(y) if i64::from(d.year()) != y => {
                Some(format!("{what}的完成时限 {d} 不在计划年度 {y} 年内"))
            }
            _ => None,
        }
    };
    for t in tasks {
        let what = format!("任务 {}（{}）", t.number, t.title);
        if t.leads == 0 {
            out.push(format!("{what}没有牵头单位（或牵头单位已不在单位名录中）"));
        }
        if let Some(p) = t.deadline.and_then(|d| outside(&what, d)) {
            out.push(p);
        }
        for u in &t.unreviewed_units {
            out.push(format!(
                "{what}的单位“{u}”是上传时新建的单位，尚未核对（在“单位管理”中确认或合并）"
            ));
        }
    }
    for (i, t) in targets.iter().enumerate() {
        let what = match t.task_number {
            Some(n) => format!("任务 {n} 的目标“{}”", t.metric),
            None => format!("总体目标 {}（{}）", i + 1, t.metric),
        };
        if t.metric.trim().is_empty() {
            out.push(format!("{what}未指明指标"));
        }
        if let Some(e) = &t.type_error {
            out.push(format!("{what}类型与数值不符：{e}"));
        }
        if let Some(p) = t.deadline.and_then(|d| outside(&what, d)) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adopted_edits_need_a_reason_and_keep_a_valid_year() {
        assert_eq!(check_adopted_edit(false, "", Some(None)), Ok(()));
        assert!(
            check_adopted_edit(true, "  ", None)
                .unwrap_err()
                .contains("调整理由")
        );
        assert_eq!(check_adopted_edit(true, "口径调整", None), Ok(()));
        assert_eq!(
            check_adopted_edit(true, "口径调整", Some(Some(2020))),
            Ok(())
        );
        for bad in [None, Some(1999), Some(2101)] {
            assert!(
                check_adopted_edit(true, "口径调整", Some(bad))
                    .unwrap_err()
                    .contains("年份")
            );
        }
    }

    fn task(leads: usize, deadline: Option<&str>) -> TaskFacts {
        TaskFacts {
            number: 1,
            title: "甲".into(),
            leads,
            deadline: deadline.map(|d| d.parse().unwrap()),
            unreviewed_units: vec![],
        }
    }

    #[test]
    fn a_complete_plan_has_no_problems() {
        assert!(problems(Some(2020), &[task(1, Some("2020-06-30"))], &[]).is_empty());
    }

    #[test]
    fn every_problem_is_listed() {
        let target = TargetFacts {
            task_number: Some(1),
            metric: "新建学校".into(),
            type_error: Some("缺少目标值".into()),
            deadline: Some("2021-03-01".parse().unwrap()),
        };
        let p = problems(Some(2020), &[task(0, Some("2019-12-31"))], &[target]);
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p[0].contains("没有牵头单位"));
        assert!(p[1].contains("不在计划年度 2020 年内"));
        assert!(p[2].contains("类型与数值不符"));
        assert!(p[3].contains("2021-03-01"));
    }

    #[test]
    fn unreviewed_units_are_listed() {
        let mut t = task(1, None);
        t.unreviewed_units = vec!["市发改委".into()];
        let p = problems(Some(2020), &[t], &[]);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("市发改委"));
    }

    #[test]
    fn no_year_is_a_problem() {
        let p = problems(None, &[task(1, None)], &[]);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("未设年份"));
        assert!(problems(Some(20), &[task(1, None)], &[])[0].contains("无效"));
    }
}
