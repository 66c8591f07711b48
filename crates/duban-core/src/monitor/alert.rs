//! Alert lifecycle, a pure state machine: raised → acknowledged → 约谈 → closed with a note.
//! 约谈 is the same rung as the escalation ladder's (`EscalationLevel::Interview`): recording
//! it raises a 约谈 record on the ladder for the unit that was talked to (the store links the
//! two), so the unit answers it with its 整改 measures like any 督办 record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::escalation::EscalationLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Raised,
    Acknowledged,
    /// 约谈 held and recorded.
    Interviewed,
    Closed,
}

impl AlertState {
    pub fn label_zh(self) -> &'static str {
        match self {
            AlertState::Raised => "已发出",
            AlertState::Acknowledged => "已确认",
            AlertState::Interviewed => "已约谈",
            AlertState::Closed => "已关闭",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AlertAction {
    /// The region's office has seen the alert (Raised → Acknowledged).
    Acknowledge,
    /// 约谈 held, with its record (Raised or Acknowledged → Interviewed).
    Interview { record: InterviewRecord },
    /// Closed with a note on what was done (any open state → Closed).
    Close { note: String },
}

impl AlertAction {
    /// The escalation rung an action corresponds to, for linking to the ladder.
    pub fn escalation_level(&self) -> Option<EscalationLevel> {
        matches!(self, AlertAction::Interview { .. }).then_some(EscalationLevel::Interview)
    }
}

/// What a 约谈 was: when, who held it, which officials of the unit or region attended and
/// what came of it. The unit talked to is the caller's (a stored unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewRecord {
    /// The day it was held.
    pub held_on: NaiveDate,
    /// Who held it (e.g. 省发展改革委副主任).
    pub held_by: String,
    /// The unit's or region's officials talked to (e.g. 市政府分管副市长、市发展改革委主任).
    pub attendees: String,
    /// What was said and agreed (约谈记录).
    pub outcome: String,
}

impl InterviewRecord {
    /// Every text is required and a 约谈 cannot be recorded before it is held.
    pub fn check(&self, today: NaiveDate) -> Result<(), AlertError> {
        for (text, what) in [
            (&self.held_by, "约谈人"),
            (&self.attendees, "被约谈对象"),
            (&self.outcome, "约谈记录"),
        ] {
            if text.trim().is_empty() {
                return Err(AlertError::TextRequired(what));
            }
        }
        if self.held_on > today {
            return Err(AlertError::HeldInFuture(self.held_on));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("预警当前为“{}”，不能进行该操作", .0.label_zh())]
    InvalidState(AlertState),
    #[error("必须填写{0}")]
    TextRequired(&'static str),
    #[error("约谈日期 {0} 晚于今天：约谈须在举行后记录")]
    HeldInFuture(NaiveDate),
}

/// Validates an action on an alert; returns the new state.
pub fn alert_transition(state: AlertState, action: &AlertAction) -> Result<AlertState, AlertError> {
    use AlertState as S;
    match action {
        AlertAction::Interview { record } if record.outcome.trim().is_empty() => {
            return Err(AlertError::TextRequired("约谈记录"));
        }
        AlertAction::Close { note } if note.trim().is_empty() => {
            return Err(AlertError::TextRequired("关闭说明"));
        }
        _ => {}
    }
    match (action, state) {
        (AlertAction::Acknowledge, S::Raised) => Ok(S::Acknowledged),
        (AlertAction::Interview { .. }, S::Raised | S::Acknowledged) => Ok(S::Interviewed),
        (AlertAction::Close { .. }, S::Raised | S::Acknowledged | S::Interviewed) => Ok(S::Closed),
        _ => Err(AlertError::InvalidState(state)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(outcome: &str) -> InterviewRecord {
        InterviewRecord {
            held_on: NaiveDate::from_ymd_opt(2020, 8, 3).unwrap(),
            held_by: "省发展改革委副主任".into(),
            attendees: "市政府分管副市长".into(),
            outcome: outcome.into(),
        }
    }

    #[test]
    fn interview_record_checks() {
        let today = NaiveDate::from_ymd_opt(2020, 8, 3).unwrap();
        assert_eq!(record("约谈区长").check(today), Ok(()));
        let mut r = record("x");
        r.attendees = "  ".into();
        assert_eq!(r.check(today), Err(AlertError::TextRequired("被约谈对象")));
        let mut r = record("x");
        r.held_by = String::new();
        assert_eq!(r.check(today), Err(AlertError::TextRequired("约谈人")));
        assert_eq!(
            record("").check(today),
            Err(AlertError::TextRequired("约谈记录"))
        );
        let tomorrow = today.succ_opt().unwrap();
        let mut r = record("x");
        r.held_on = tomorrow;
        assert_eq!(r.check(today), Err(AlertError::HeldInFuture(tomorrow)));
        assert_eq!(
            AlertError::HeldInFuture(tomorrow).to_string(),
            "约谈日期 2020-08-04 晚于今天：约谈须在举行后记录"
        );
    }

    #[test]
    fn lifecycle() {
        let s = alert_transition(AlertState::Raised, &AlertAction::Acknowledge).unwrap();
        let s = alert_transition(
            s,
            &AlertAction::Interview {
                record: record("约谈区长"),
            },
        )
        .unwrap();
        assert_eq!(s, AlertState::Interviewed);
        assert_eq!(
            alert_transition(s, &AlertAction::Acknowledge),
            Err(AlertError::InvalidState(AlertState::Interviewed))
        );
        assert_eq!(
            alert_transition(s, &AlertAction::Close { note: " ".into() }),
            Err(AlertError::TextRequired("关闭说明"))
        );
        let s = alert_transition(
            s,
            &AlertAction::Close {
                note: "已整改".into(),
            },
        )
        .unwrap();
        assert_eq!(s, AlertState::Closed);
        for a in [
            AlertAction::Acknowledge,
            AlertAction::Interview {
                record: record("x"),
            },
            AlertAction::Close { note: "x".into() },
        ] {
            assert!(alert_transition(AlertState::Closed, &a).is_err());
        }
        assert_eq!(
            AlertAction::Interview {
                record: record("x")
            }
            .escalation_level(),
            Some(EscalationLevel::Interview)
        );
    }
}
