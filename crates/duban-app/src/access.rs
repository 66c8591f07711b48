//! Who may READ what (writes are ruled by `duban_core::report::transition` and `Auth`).
//! One rule, used by every page, API route, download, export and history view:
//!
//! - the office (admin) reads everything;
//! - a reporter reads its own unit's reports, evidence and escalations in every state, and
//!   another unit's report (and its evidence) only once **accepted** — never another unit's
//!   escalations;
//! - a viewer reads reports that were sent to the office (submitted or accepted), never a
//!   draft or a returned report (back with its unit for rework), and every escalation.
//!
//! Audit entries of a report or an escalation carry its `unit_id` (and for reports the state
//! after the change, `to`) in the payload, so history views filter entries by the same rule.

use duban_core::audit::AuditEntry;
use duban_core::report::ReportState;
use duban_store::user::{Role, User};

/// Whether `user` may read a report of `unit_id` in `state`.
pub fn can_read_report(user: &User, unit_id: i64, state: ReportState) -> bool {
    match user.role {
        Role::Admin => true,
        Role::Reporter => user.unit_id == Some(unit_id) || state == ReportState::Accepted,
        Role::Viewer => matches!(state, ReportState::Submitted | ReportState::Accepted),
    }
}

/// Whether `user` may read an escalation addressed to `unit_id` (and its response text).
pub fn can_read_escalation(user: &User, unit_id: i64) -> bool {
    match user.role {
        Role::Admin | Role::Viewer => true,
        Role::Reporter => user.unit_id == Some(unit_id),
    }
}

/// Whether `user` may see an audit entry: report and escalation entries by the rules above
/// (from the payload's `unit_id` and `to` state); entries that carry no unit (plan edits,
/// adjustments) are readable by whoever may read the page that lists them. An entry whose
/// payload cannot be read is shown to the office only.
pub fn can_read_audit_entry(user: &User, e: &AuditEntry) -> bool {
    if user.role == Role::Admin {
        return true;
    }
    let is_report = e.action.starts_with("report.");
    let is_escalation = e.action.starts_with("escalation.") && e.action != "escalation.rules";
    if !is_report && !is_escalation {
        return true;
    }
    let Ok(payload) = serde_json::from_str::<serde_json::Value>(&e.payload_json) else {
        return false;
    };
    let Some(unit_id) = payload.get("unit_id").and_then(serde_json::Value::as_i64) else {
        return false;
    };
    if is_escalation {
        return can_read_escalation(user, unit_id);
    }
    match payload
        .get("to")
        .and_then(serde_json::Value::as_str)
        .and_then(ReportState::parse)
    {
        Some(state) => can_read_report(user, unit_id, state),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use duban_store::testing::user;

    fn entry(action: &str, payload: &str) -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: String::new(),
            actor: "a".into(),
            action: action.into(),
            subject: "task:1".into(),
            payload_json: payload.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn report_rule_per_role_and_state() {
        use ReportState::*;
        let admin = user(Role::Admin, None);
        let own = user(Role::Reporter, Some(7));
        let other = user(Role::Reporter, Some(8));
        let viewer = user(Role::Viewer, None);
        for s in ReportState::ALL {
            assert!(can_read_report(&admin, 7, s));
            assert!(can_read_report(&own, 7, s));
            assert_eq!(can_read_report(&other, 7, s), s == Accepted);
            assert_eq!(
                can_read_report(&viewer, 7, s),
                matches!(s, Submitted | Accepted)
            );
        }
    }

    #[test]
    fn audit_entries_follow_the_same_rule() {
        let other = user(Role::Reporter, Some(8));
        let viewer = user(Role::Viewer, None);
        let draft = entry("report.edit", r#"{"unit_id":7,"to":"draft"}"#);
        let accepted = entry("report.accept", r#"{"unit_id":7,"to":"accepted"}"#);
        let respond = entry("escalation.respond", r#"{"unit_id":7,"text":"x"}"#);
        let plan = entry("plan.edit", r#"{"title":"t"}"#);
        let broken = entry("report.edit", "not json");
        assert!(!can_read_audit_entry(&other, &draft));
        assert!(can_read_audit_entry(&other, &accepted));
        assert!(!can_read_audit_entry(&other, &respond));
        assert!(can_read_audit_entry(&other, &plan));
        assert!(!can_read_audit_entry(&other, &broken));
        assert!(!can_read_audit_entry(&viewer, &draft));
        assert!(can_read_audit_entry(&viewer, &respond));
        assert!(can_read_audit_entry(
            &user(Role::Reporter, Some(7)),
            &respond
        ));
    }
}
