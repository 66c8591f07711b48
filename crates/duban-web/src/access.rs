//! Read checks at the HTTP edge: the rule of who may read what is
//! `duban_app::access` (one home); here it becomes a 403.

use duban_core::report::ReportState;
use duban_store::user::User;

pub use duban_app::access::{can_read_audit_entry, can_read_escalation, can_read_report};

use crate::error::AppError;

/// 403 unless [`can_read_report`]. Not found and not allowed differ (ids are sequential
/// anyway; the answer reveals nothing of the content).
pub fn require_read_report(user: &User, unit_id: i64, state: ReportState) -> Result<(), AppError> {
    if can_read_report(user, unit_id, state) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_store::user::Role;

    #[test]
    fn another_units_draft_is_forbidden() {
        let other = duban_store::testing::user(Role::Reporter, Some(8));
        assert!(require_read_report(&other, 7, ReportState::Draft).is_err());
        assert!(require_read_report(&other, 7, ReportState::Accepted).is_ok());
    }
}
