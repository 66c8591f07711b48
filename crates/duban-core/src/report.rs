//! The report workflow: Draft → Submitted → Accepted | Returned(comment) → (edit) →
//! Submitted …; accepted reports are locked; the office can reopen one with a reason.
//!
//! [`transition`] is the single place that decides whether an action is allowed, for
//! which role, and what the new state is. Storage records the returned [`Transition`]
//! (who, when, comment) and the audit log; the web layer maps [`ReportError`] to 403/409.

use serde::{Deserialize, Serialize};

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Being written by the unit; editable.
    Draft,
    /// Sent to the office; waits for review. Not editable.
    Submitted,
    /// Accepted by the office: locked.
    Accepted,
    /// Sent back with a comment (or reopened); the unit edits and resubmits.
    Returned,
}

impl ReportState {
    pub const ALL: [ReportState; 4] = [
        ReportState::Draft,
        ReportState::Submitted,
        ReportState::Accepted,
        ReportState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReportState::Draft => "草稿",
            ReportState::Submitted => "已报送",
            ReportState::Accepted => "已审核通过",
            ReportState::Returned => "已退回",
        }
    }

    /// Whether the unit may change the report's content.
    pub fn is_editable(self) -> bool {
        matches!(self, ReportState::Draft | ReportState::Returned)
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A reporter of a responsible unit (acts only on its own unit's reports).
    Reporter,
    /// An administrator of the coordinating office (督办 office).
    Office,
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Reporter => "填报人",
            Role::Office => "办公室管理员",
        }
    }
}

/// The person acting: role and, for reporters, the unit they report for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    /// Unit code the actor belongs to (required for reporters).
    pub unit: Option<String>,
}

/// What someone wants to do to a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReportAction {
    /// Change the content (reporter; Draft or Returned).
    Edit,
    /// Send to the office (reporter; from Draft or Returned).
    Submit,
    /// Take a submitted report back before review (reporter; Submitted → Draft).
    Withdraw,
    /// Accept (office; Submitted → Accepted, locked), with an optional 审核意见.
    Accept {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        comment: String,
    },
    /// Return with a comment (office; Submitted → Returned).
    Return { comment: String },
    /// Reopen an accepted report with a reason (office; Accepted → Returned).
    Reopen { reason: String },
}

/// Who hears of a report change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The reporting unit's users.
    Unit,
    /// The office (administrators).
    Office,
}

/// The notification a report change sends: recipient, event name and what happened (in
/// the subject "第N项任务 2020年第二季度 报告{what}"); none for edits and withdrawals.
pub fn report_notice(action_name: &str) -> Option<(Recipient, &'static str, &'static str)> {
    match action_name {
        "submit" => Some((Recipient::Office, "report.submitted", "已报送，请审核")),
        "return" => Some((
            Recipient::Unit,
            "report.returned",
            "被退回，请修改后重新报送",
        )),
        "accept" => Some((Recipient::Unit, "report.accepted", "已审核通过")),
        "reopen" => Some((
            Recipient::Unit,
            "report.reopened",
            "已被重新打开，请修改后重新报送",
        )),
        _ => None,
    }
}

impl ReportAction {
    /// 审核通过 without a comment.
    pub fn accept() -> ReportAction {
        ReportAction::Accept {
            comment: String::new(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ReportAction::Edit => "edit",
            ReportAction::Submit => "submit",
            ReportAction::Withdraw => "withdraw",
            ReportAction::Accept { .. } => "accept",
            ReportAction::Return { .. } => "return",
            ReportAction::Reopen { .. } => "reopen",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            ReportAction::Edit => "修改",
            ReportAction::Submit => "报送",
            ReportAction::Withdraw => "撤回",
            ReportAction::Accept { .. } => "审核通过",
            ReportAction::Return { .. } => "退回",
            ReportAction::Reopen { .. } => "重新打开",
        }
    }

    /// The role allowed to take this action.
    pub fn allowed_role(&self) -> Role {
        match self {
            ReportAction::Edit | ReportAction::Submit | ReportAction::Withdraw => Role::Reporter,
            ReportAction::Accept { .. }
            | ReportAction::Return { .. }
            | ReportAction::Reopen { .. } => Role::Office,
        }
    }
}

/// A validated state change, for storage and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: ReportState,
    pub to: ReportState,
    pub action: String,
    pub role: Role,
    /// The return comment, reopen reason or acceptance comment.
    pub comment: Option<String>,
}

/// Why an action on a report is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The actor's role may not take this action at all (HTTP 403).
    #[error("{}无权{action}", .role.label_zh())]
    RoleNotAllowed { role: Role, action: String },
    /// A reporter acting on another unit's report (HTTP 403).
    #[error("不能代其他单位（{report_unit}）操作报告")]
    WrongUnit { report_unit: String },
    /// The action does not apply in this state (HTTP 409).
    #[error("报告当前为“{}”，不能{action}", .state.label_zh())]
    InvalidState { state: ReportState, action: String },
    /// Accepted reports are locked (HTTP 409).
    #[error("报告已审核通过并锁定，须由办公室重新打开后才能修改")]
    Locked,
    /// Return and reopen need a comment (HTTP 422).
    #[error("{0}必须填写理由")]
    CommentRequired(&'static str),
}

/// Validates `action` by `actor` on a report of `report_unit` in `state`; returns the
/// transition (new state) or why it is refused. Edits leave the state unchanged.
pub fn transition(
    state: ReportState,
    action: &ReportAction,
    actor: &Actor,
    report_unit: &str,
) -> Result<Transition, ReportError> {
    use ReportState as S;
    let role = action.allowed_role();
    if actor.role != role {
        return Err(ReportError::RoleNotAllowed {
            role: actor.role,
            action: action.label_zh().to_string(),
        });
    }
    if role == Role::Reporter && actor.unit.as_deref() != Some(report_unit) {
        return Err(ReportError::WrongUnit {
            report_unit: report_unit.to_string(),
        });
    }
    let invalid = || ReportError::InvalidState {
        state,
        action: action.label_zh().to_string(),
    };
    let (to, comment) = match (action, state) {
        (ReportAction::Edit, S::Draft | S::Returned) => (state, None),
        (ReportAction::Edit | ReportAction::Submit | ReportAction::Withdraw, S::Accepted) => {
            return Err(ReportError::Locked);
        }
        (ReportAction::Submit, S::Draft | S::Returned) => (S::Submitted, None),
        (ReportAction::Withdraw, S::Submitted) => (S::Draft, None),
        (ReportAction::Accept { comment }, S::Submitted) => (S::Accepted, optional(comment)),
        (ReportAction::Return { comment }, S::Submitted) => {
            (S::Returned, Some(required(comment, "退回")?))
        }
        (ReportAction::Reopen { reason }, S::Accepted) => {
            (S::Returned, Some(required(reason, "重新打开")?))
        }
        _ => return Err(invalid()),
    };
    Ok(Transition {
        from: state,
        to,
        action: action.name().to_string(),
        role,
        comment,
    })
}

/// What `actor` may do to a report of `report_unit` in `state`: every action [`transition`]
/// accepts, a missing return or reopen reason aside (the form asks for it). The pages offer
/// exactly these, so the offer and the refusal cannot drift apart.
pub fn allowed_actions(state: ReportState, actor: &Actor, report_unit: &str) -> Vec<ReportAction> {
    [
        ReportAction::Edit,
        ReportAction::Submit,
        ReportAction::Withdraw,
        ReportAction::accept(),
        ReportAction::Return {
            comment: String::new(),
        },
        ReportAction::Reopen {
            reason: String::new(),
        },
    ]
    .into_iter()
    .filter(|a| {
        matches!(
            transition(state, a, actor, report_unit),
            Ok(_) | Err(ReportError::CommentRequired(_))
        )
    })
    .collect()
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn required(text: &str, what: &'static str) -> Result<String, ReportError> {
    let t = text.trim();
    if t.is_empty() {
        Err(ReportError::CommentRequired(what))
    } else {
        Ok(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reporter(unit: &str) -> Actor {
        Actor {
            role: Role::Reporter,
            unit: Some(unit.into()),
        }
    }

    fn office() -> Actor {
        Actor {
            role: Role::Office,
            unit: Some("office".into()),
        }
    }

    fn names(state: ReportState, actor: &Actor, unit: &str) -> Vec<&'static str> {
        allowed_actions(state, actor, unit)
            .iter()
            .map(ReportAction::name)
            .collect()
    }

    #[test]
    fn allowed_actions_follow_the_transition_rules() {
        use ReportState as S;
        let own = reporter("省民政厅");
        let other = reporter("省商务厅");
        let o = office();
        let u = "省民政厅";
        assert_eq!(names(S::Draft, &own, u), ["edit", "submit"]);
        assert_eq!(names(S::Returned, &own, u), ["edit", "submit"]);
        assert_eq!(names(S::Submitted, &own, u), ["withdraw"]);
        assert!(names(S::Accepted, &own, u).is_empty());
        for s in [S::Draft, S::Submitted, S::Returned, S::Accepted] {
            assert!(names(s, &other, u).is_empty(), "{s:?}");
        }
        assert!(names(S::Draft, &o, u).is_empty());
        assert_eq!(names(S::Submitted, &o, u), ["accept", "return"]);
        assert_eq!(names(S::Accepted, &o, u), ["reopen"]);
        // Every offered action is one `transition` takes (with a reason where one is needed).
        for s in [S::Draft, S::Submitted, S::Returned, S::Accepted] {
            for actor in [&own, &other, &o] {
                for a in allowed_actions(s, actor, u) {
                    let a = match a {
                        ReportAction::Return { .. } => ReportAction::Return {
                            comment: "理由".into(),
                        },
                        ReportAction::Reopen { .. } => ReportAction::Reopen {
                            reason: "理由".into(),
                        },
                        a => a,
                    };
                    assert!(transition(s, &a, actor, u).is_ok(), "{s:?} {a:?}");
                }
            }
        }
    }

    #[test]
    fn the_full_journey() {
        let r = reporter("省民政厅");
        let o = office();
        let u = "省民政厅";
        let mut s = ReportState::Draft;
        s = transition(s, &ReportAction::Edit, &r, u).unwrap().to;
        assert_eq!(s, ReportState::Draft);
        s = transition(s, &ReportAction::Submit, &r, u).unwrap().to;
        assert_eq!(s, ReportState::Submitted);
        let t = transition(
            s,
            &ReportAction::Return {
                comment: " 请补充数据来源 ".into(),
            },
            &o,
            u,
        )
        .unwrap();
        assert_eq!(t.comment.as_deref(), Some("请补充数据来源"));
        s = t.to;
        assert_eq!(s, ReportState::Returned);
        s = transition(s, &ReportAction::Edit, &r, u).unwrap().to;
        s = transition(s, &ReportAction::Submit, &r, u).unwrap().to;
        let blank = transition(s, &ReportAction::accept(), &o, u).unwrap();
        assert_eq!(blank.comment, None, "an acceptance needs no comment");
        let commented = ReportAction::Accept {
            comment: " 数据已核实 ".into(),
        };
        let t = transition(s, &commented, &o, u).unwrap();
        assert_eq!(t.comment.as_deref(), Some("数据已核实"));
        s = t.to;
        assert_eq!(s, ReportState::Accepted);
        assert_eq!(
            transition(s, &ReportAction::Edit, &r, u),
            Err(ReportError::Locked)
        );
        s = transition(
            s,
            &ReportAction::Reopen {
                reason: "数据口径更正".into(),
            },
            &o,
            u,
        )
        .unwrap()
        .to;
        assert_eq!(s, ReportState::Returned);
        assert!(s.is_editable());
    }

    #[test]
    fn forbidden_transitions_are_typed() {
        let r = reporter("A");
        let o = office();
        // Reporters cannot accept; the office cannot submit for a unit.
        assert!(matches!(
            transition(ReportState::Submitted, &ReportAction::accept(), &r, "A"),
            Err(ReportError::RoleNotAllowed {
                role: Role::Reporter,
                ..
            })
        ));
        assert!(matches!(
            transition(ReportState::Draft, &ReportAction::Submit, &o, "A"),
            Err(ReportError::RoleNotAllowed {
                role: Role::Office,
                ..
            })
        ));
        // Acting for another unit.
        assert_eq!(
            transition(ReportState::Draft, &ReportAction::Submit, &r, "B"),
            Err(ReportError::WrongUnit {
                report_unit: "B".into()
            })
        );
        // Wrong state.
        assert!(matches!(
            transition(ReportState::Draft, &ReportAction::accept(), &o, "A"),
            Err(ReportError::InvalidState { .. })
        ));
        assert!(matches!(
            transition(ReportState::Submitted, &ReportAction::Edit, &r, "A"),
            Err(ReportError::InvalidState { .. })
        ));
        assert!(matches!(
            transition(
                ReportState::Submitted,
                &ReportAction::Reopen { reason: "x".into() },
                &o,
                "A"
            ),
            Err(ReportError::InvalidState { .. })
        ));
        // Empty comments.
        assert_eq!(
            transition(
                ReportState::Submitted,
                &ReportAction::Return {
                    comment: "  ".into()
                },
                &o,
                "A"
            ),
            Err(ReportError::CommentRequired("退回"))
        );
        // Withdraw before review.
        assert_eq!(
            transition(ReportState::Submitted, &ReportAction::Withdraw, &r, "A")
                .unwrap()
                .to,
            ReportState::Draft
        );
        let msg = ReportError::InvalidState {
            state: ReportState::Draft,
            action: "审核通过".into(),
        }
        .to_string();
        assert_eq!(msg, "报告当前为“草稿”，不能审核通过");
    }

    #[test]
    fn every_pair_is_decided() {
        // Exhaustive table: every (state, action, role) either succeeds or gives an error,
        // and success always comes from the action's own role.
        let actions = [
            ReportAction::Edit,
            ReportAction::Submit,
            ReportAction::Withdraw,
            ReportAction::accept(),
            ReportAction::Return {
                comment: "c".into(),
            },
            ReportAction::Reopen { reason: "r".into() },
        ];
        let mut ok = 0;
        for s in ReportState::ALL {
            for a in &actions {
                for actor in [reporter("A"), office()] {
                    if let Ok(t) = transition(s, a, &actor, "A") {
                        assert_eq!(t.role, actor.role);
                        assert_eq!(t.from, s);
                        ok += 1;
                    }
                }
            }
            assert_eq!(ReportState::parse(s.as_str()), Some(s));
        }
        // Edit×2, Submit×2, Withdraw, Accept, Return, Reopen.
        assert_eq!(ok, 8);
    }
}
