//! Editing a plan in the workspace. The edit's own values are checked here, before anything
//! is written (a title, no unit both leading and co-operating, targets whose type fits their
//! values, valid dates, milestones where the curve needs them); the rules that need the
//! stored plan (an adopted plan's edit needs a reason, `duban_core::adoption`) are applied by
//! the store inside its transaction.

use duban_core::curve::CurveChoice;
use duban_core::period::Cadence;
use duban_core::{Span, Target};
use duban_store::Store;
use duban_store::plan::PlanMetaEdit;
use duban_store::task::{TaskEdit, TaskRow};

use crate::{Error, Result};

/// What a task edit with another reporting cadence is told.
pub const CADENCE_MESSAGE: &str = "报送频次须为按月或按季";

/// Checks a task edit's own values; `Error::Invalid` names the first problem.
pub fn check_task_edit(edit: &TaskEdit) -> Result<()> {
    if edit.title.trim().is_empty() {
        return Err(invalid("任务标题不能为空"));
    }
    if edit.leads.iter().any(|u| edit.cos.contains(u)) {
        return Err(invalid("同一单位不能既牵头又配合"));
    }
    // The core knows half-yearly and yearly periods too; the 督办 pages (as-of shortcuts,
    // trend, 督办表) are built on months and quarters, so a task reports on those.
    if !matches!(edit.cadence, Cadence::Monthly | Cadence::Quarterly) {
        return Err(invalid(CADENCE_MESSAGE));
    }
    for (i, t) in edit.targets.iter().enumerate().filter(|(_, t)| !t.delete) {
        let n = i + 1;
        let probe = Target {
            phrase: t.phrase.clone(),
            span: Span { start: 0, end: 0 },
            metric: t.metric.clone(),
            comparator: t.comparator,
            value: t.value,
            low: t.low,
            high: t.high,
            unit: t.unit.clone(),
            normalized: None,
            commitment: t.commitment,
        };
        probe
            .validate()
            .map_err(|e| Error::Invalid(format!("第 {n} 个目标：{e}")))?;
        if t.metric.trim().is_empty() {
            return Err(Error::Invalid(format!("第 {n} 个目标：指标不能为空")));
        }
        if t.curve == CurveChoice::Milestones && t.milestones.is_empty() {
            return Err(Error::Invalid(format!(
                "第 {n} 个目标：按节点推进需要至少一个节点"
            )));
        }
    }
    Ok(())
}

/// Checks an edit of a plan's own fields: a title, and a heading for every pillar.
pub fn check_plan_meta_edit(edit: &PlanMetaEdit) -> Result<()> {
    if edit.title.trim().is_empty() {
        return Err(invalid("标题不能为空"));
    }
    if edit.pillars.iter().any(|(_, h, _)| h.trim().is_empty()) {
        return Err(invalid("板块标题不能为空"));
    }
    Ok(())
}

/// Saves a task edit (checked first). `Store(Conflict)` when the task moved on since the
/// editor loaded it.
pub async fn update_task(store: &Store, edit: &TaskEdit, user_id: i64) -> Result<TaskRow> {
    check_task_edit(edit)?;
    Ok(store.update_task(edit, user_id).await?)
}

/// Saves an edit of the plan's own fields (checked first). `Store(Conflict)` when the plan
/// moved on since the editor loaded it.
pub async fn update_plan_meta(store: &Store, edit: &PlanMetaEdit, user_id: i64) -> Result<()> {
    check_plan_meta_edit(edit)?;
    Ok(store.update_plan_meta(edit, user_id).await?)
}

fn invalid(m: &str) -> Error {
    Error::Invalid(m.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_core::Comparator;
    use duban_store::task::TargetEdit;

    fn target() -> TargetEdit {
        TargetEdit {
            id: None,
            delete: false,
            phrase: "增长6%".into(),
            metric: "服务业增加值增速".into(),
            comparator: Comparator::AtLeast,
            value: Some(6.0),
            low: None,
            high: None,
            unit: Some("%".into()),
            commitment: None,
            baseline: None,
            deadline: None,
            curve: CurveChoice::Linear,
            milestones: vec![],
        }
    }

    fn edit() -> TaskEdit {
        TaskEdit {
            task_id: 1,
            version: 1,
            title: "编制规划".into(),
            body: String::new(),
            pillar_id: None,
            deadline: "2020-12-31".parse().ok(),
            cadence: Cadence::Quarterly,
            leads_separately: false,
            carried_from: None,
            leads: vec![1],
            cos: vec![2],
            targets: vec![target()],
            reason: String::new(),
        }
    }

    fn message(r: Result<()>) -> String {
        match r {
            Err(Error::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_sound_edit_passes() {
        assert!(check_task_edit(&edit()).is_ok());
    }

    #[test]
    fn each_rule_names_its_problem() {
        let mut e = edit();
        e.title = "  ".into();
        assert_eq!(message(check_task_edit(&e)), "任务标题不能为空");
        let mut e = edit();
        e.cos = vec![1];
        assert_eq!(message(check_task_edit(&e)), "同一单位不能既牵头又配合");
        let mut e = edit();
        e.targets.push(TargetEdit {
            metric: " ".into(),
            ..target()
        });
        assert_eq!(message(check_task_edit(&e)), "第 2 个目标：指标不能为空");
        let mut e = edit();
        e.targets[0].curve = CurveChoice::Milestones;
        assert!(message(check_task_edit(&e)).contains("至少一个节点"));
        for cadence in [Cadence::HalfYearly, Cadence::Yearly] {
            let e = TaskEdit { cadence, ..edit() };
            assert_eq!(message(check_task_edit(&e)), CADENCE_MESSAGE);
        }
        let e = TaskEdit {
            cadence: Cadence::Monthly,
            ..edit()
        };
        assert!(check_task_edit(&e).is_ok());
    }

    #[test]
    fn a_deleted_target_is_not_checked() {
        let mut e = edit();
        e.targets.push(TargetEdit {
            delete: true,
            metric: String::new(),
            ..target()
        });
        assert!(check_task_edit(&e).is_ok());
    }

    #[test]
    fn plan_meta_needs_a_title_and_pillar_headings() {
        let mut m = PlanMetaEdit {
            plan_id: 1,
            version: 1,
            title: "2020年工作要点".into(),
            year: Some(2020),
            issuer: None,
            region: None,
            pillars: vec![(1, "一、".into(), None)],
            reason: String::new(),
        };
        assert!(check_plan_meta_edit(&m).is_ok());
        m.pillars[0].1 = " ".into();
        assert_eq!(message(check_plan_meta_edit(&m)), "板块标题不能为空");
        m.title = String::new();
        assert_eq!(message(check_plan_meta_edit(&m)), "标题不能为空");
    }
}
