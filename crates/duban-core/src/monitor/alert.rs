//! Alert lifecycle, a pure state machine: raised → acknowledged → 约谈 → closed with a note.
//! 约谈 is the same rung as the escalation ladder's (`EscalationLevel::Interview`).

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
    Interview { record: String },
    /// Closed with a note on what was done (any open state → Closed).
    Close { note: String },
}

impl AlertAction {
    /// The escalation rung an action corresponds to, for linking to the ladder.
    pub fn escalation_level(&self) -> Option<EscalationLevel> {
        matches!(self, AlertAction::Interview { .. }).then_some(EscalationLevel::Interview)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("预警当前为“{}”，不能进行该操作", .0.label_zh())]
    InvalidState(AlertState),
    #[error("必须填写{0}")]
    TextRequired(&'static str),
}

/// Validates an action on an alert; returns the new state.
pub fn alert_transition(state: AlertState, action: &AlertAction) -> Result<AlertState, AlertError> {
    use AlertState as S;
    match action {
        AlertAction::Interview { record } if record.trim().is_empty() => {
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

    #[test]
    fn lifecycle() {
        let s = alert_transition(AlertState::Raised, &AlertAction::Acknowledge).unwrap();
        let s = alert_transition(
            s,
            &AlertAction::Interview {
                record: "约谈区长".into(),
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
            AlertAction::Interview { record: "x".into() },
            AlertAction::Close { note: "x".into() },
        ] {
            assert!(alert_transition(AlertState::Closed, &a).is_err());
        }
        assert_eq!(
            AlertAction::Interview { record: "x".into() }.escalation_level(),
            Some(EscalationLevel::Interview)
        );
    }
}
