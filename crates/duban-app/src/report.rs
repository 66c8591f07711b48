//! Report workflow use-cases: a workflow action (submit, withdraw, accept, return, reopen)
//! and who hears of it. The rule of who is told is the core's
//! (`duban_core::report::report_notice`: submit → the office; return, accept, reopen → the
//! unit); this module turns it into the notification sent in the change's transaction
//! (`duban_store::notification::Notice`), so the store only stores.

use chrono::{DateTime, Utc};
use duban_core::report::{Recipient, ReportAction, ReportState, report_notice, transition};
use duban_store::deliver::DeliverResult;
use duban_store::deliver::report::{ReportActor, ReportRow};
use duban_store::notification::{Audience, NewNotification, Notice};
use duban_store::user::Role;
use duban_store::{Store, StoreError};

/// The notification a workflow action on report `r` sends, if any (pure).
pub fn notice_of(r: &ReportRow, action: &ReportAction) -> Option<Notice> {
    let name = action.name();
    let (recipient, event, what) = report_notice(name)?;
    let audience = match recipient {
        Recipient::Unit => Audience::Unit(r.unit_id),
        Recipient::Office => Audience::Role(Role::Admin.as_str().to_string()),
    };
    let comment = match action {
        ReportAction::Return { comment } | ReportAction::Accept { comment } => comment.trim(),
        ReportAction::Reopen { reason } => reason.trim(),
        _ => "",
    };
    let (period, report_id) = (&r.period_label, r.id);
    // The task by number and (shortened) title: a number alone is ambiguous once an office
    // runs several plans.
    let title: String = r.task_title.chars().take(16).collect();
    let ellipsis = if r.task_title.chars().count() > 16 {
        "…"
    } else {
        ""
    };
    let task = format!("第{}项任务“{title}{ellipsis}”", r.task_number);
    // A demo report's messages say so: they are not work to do.
    let demo = if r.demo { "（示例数据）" } else { "" };
    Some(Notice {
        audience,
        notification: NewNotification {
            event: event.to_string(),
            subject: format!("{task} {period} 报告{what}{demo}"),
            body_text: if comment.is_empty() {
                format!("{task} {period} 报告{what}。")
            } else {
                format!("{task} {period} 报告{what}。\n意见：{comment}")
            },
            link: Some(format!("/reports/{report_id}")),
            payload: serde_json::json!({
                "report_id": report_id, "task_id": r.task_id, "unit_id": r.unit_id, "action": name,
            }),
        },
    })
}

/// A submission needs its 进展情况 (progress) filled in.
pub fn submittable(r: &ReportRow, action: &ReportAction) -> Result<(), StoreError> {
    if matches!(action, ReportAction::Submit) && r.progress.trim().is_empty() {
        return Err(StoreError::Invalid("请先填写进展情况再报送".into()));
    }
    Ok(())
}

/// Applies a workflow action now (see [`act_at`]).
pub async fn act(
    store: &Store,
    id: i64,
    action: &ReportAction,
    by: &ReportActor,
) -> DeliverResult<ReportState> {
    act_at(store, id, action, by, Utc::now()).await
}

/// Applies a workflow action at `at` (the demo loader replays 2020): the workflow rule and
/// the platform's rule ([`submittable`]) are checked here; the store re-checks the
/// transition under its guard (a concurrent change is a conflict) and records it; the
/// notification decided here goes in the same transaction.
#[tracing::instrument(skip(store, by))]
pub async fn act_at(
    store: &Store,
    id: i64,
    action: &ReportAction,
    by: &ReportActor,
    at: DateTime<Utc>,
) -> DeliverResult<ReportState> {
    let r = store.report(id).await?;
    if !matches!(action, ReportAction::Edit) {
        // The workflow rule first (a wrong role or state says so before anything else),
        // then the platform's: a report is submitted with its 进展 filled in.
        transition(r.state, action, &by.actor, &r.unit_code)?;
        submittable(&r, action)?;
    }
    let notice = notice_of(&r, action);
    store
        .report_action_at(&r, action, by, at, notice.as_ref())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d, report};

    #[test]
    fn who_hears_of_what() {
        let r = report(42, 9, "u", ReportState::Submitted, d(6, 30), None);
        let n = notice_of(&r, &ReportAction::Submit).unwrap();
        assert_eq!(n.audience, Audience::Role("admin".into()));
        assert_eq!(n.notification.event, "report.submitted");
        assert_eq!(
            n.notification.subject,
            "第3项任务“任务” 2020年第二季度 报告已报送，请审核"
        );
        let n = notice_of(
            &r,
            &ReportAction::Return {
                comment: " 数据不全 ".into(),
            },
        )
        .unwrap();
        assert_eq!(n.audience, Audience::Unit(9));
        assert_eq!(
            n.notification.body_text,
            "第3项任务“任务” 2020年第二季度 报告被退回，请修改后重新报送。\n意见：数据不全"
        );
        assert_eq!(n.notification.link.as_deref(), Some("/reports/42"));
        assert_eq!(n.notification.payload["action"], "return");
        assert!(notice_of(&r, &ReportAction::Withdraw).is_none());
        let mut empty = report(1, 9, "u", ReportState::Draft, d(6, 30), None);
        empty.progress = "  ".into();
        assert!(matches!(
            submittable(&empty, &ReportAction::Submit),
            Err(StoreError::Invalid(m)) if m.contains("进展情况")
        ));
        assert!(submittable(&empty, &ReportAction::Withdraw).is_ok());
        assert!(submittable(&r, &ReportAction::Submit).is_ok());
        assert!(notice_of(&r, &ReportAction::Edit).is_none());
        // A demo report's message says so.
        let mut demo = r.clone();
        demo.demo = true;
        let n = notice_of(&demo, &ReportAction::Submit).unwrap();
        assert!(
            n.notification.subject.ends_with("（示例数据）"),
            "{}",
            n.notification.subject
        );
    }
}
