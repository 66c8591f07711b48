//! Report workflow use-cases: a workflow action (submit, withdraw, accept, return, reopen)
//! and who hears of it. The rule of who is told is the core's
//! (`duban_core::report::report_notice`: submit → the office; return, accept, reopen → the
//! unit); this module turns it into the notification sent in the change's transaction
//! (`duban_store::notification::Notice`), so the store only stores.

use chrono::{DateTime, Utc};
use duban_core::report::{Recipient, ReportAction, ReportState, report_notice};
use duban_store::Store;
use duban_store::deliver::DeliverResult;
use duban_store::deliver::report::{ReportActor, ReportRow};
use duban_store::notification::{Audience, NewNotification, Notice};
use duban_store::user::Role;

/// The notification a workflow action on report `r` sends, if any (pure).
pub fn notice_of(r: &ReportRow, action: &ReportAction) -> Option<Notice> {
    let name = action.name();
    let (recipient, event, what) = report_notice(name)?;
    let audience = match recipient {
        Recipient::Unit => Audience::Unit(r.unit_id),
        Recipient::Office => Audience::Role(Role::Admin.as_str().to_string()),
    };
    let comment = match action {
        ReportAction::Return { comment } => comment.trim(),
        ReportAction::Reopen { reason } => reason.trim(),
        _ => "",
    };
    let (number, period, report_id) = (r.task_number, &r.period_label, r.id);
    Some(Notice {
        audience,
        notification: NewNotification {
            event: event.to_string(),
            subject: format!("第{number}项任务 {period} 报告{what}"),
            body_text: if comment.is_empty() {
                format!("第{number}项任务 {period} 报告{what}。")
            } else {
                format!("第{number}项任务 {period} 报告{what}。\n意见：{comment}")
            },
            link: Some(format!("/reports/{report_id}")),
            payload: serde_json::json!({
                "report_id": report_id, "task_id": r.task_id, "unit_id": r.unit_id, "action": name,
            }),
        },
    })
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

/// Applies a workflow action at `at` (the demo loader replays 2020): the store checks the
/// transition under its guard and records it; the notification decided here goes in the
/// same transaction.
#[tracing::instrument(skip(store, by))]
pub async fn act_at(
    store: &Store,
    id: i64,
    action: &ReportAction,
    by: &ReportActor,
    at: DateTime<Utc>,
) -> DeliverResult<ReportState> {
    let r = store.report(id).await?;
    let notice = notice_of(&r, action);
    store
        .report_action_at(id, action, by, at, notice.as_ref())
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
            "第3项任务 2020年第二季度 报告已报送，请审核"
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
            "第3项任务 2020年第二季度 报告被退回，请修改后重新报送。\n意见：数据不全"
        );
        assert_eq!(n.notification.link.as_deref(), Some("/reports/42"));
        assert_eq!(n.notification.payload["action"], "return");
        assert!(notice_of(&r, &ReportAction::Withdraw).is_none());
        assert!(notice_of(&r, &ReportAction::Edit).is_none());
    }
}
