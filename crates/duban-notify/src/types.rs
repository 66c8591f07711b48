//! The notification, its addresses, delivery targets and outcomes.

use std::fmt;
use std::str::FromStr;

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::NotifyError;

/// Well-known event names. Events are lower-case dotted tokens; receivers route on them.
pub mod events {
    /// An escalation record was raised or moved up the ladder (提醒 → 催办 → 督办通知 → 约谈 → 通报).
    pub const ESCALATION_RAISED: &str = "escalation.raised";
    /// A unit answered an escalation (整改 measures).
    pub const ESCALATION_RESPONDED: &str = "escalation.responded";
    /// The office closed an escalation (销号).
    pub const ESCALATION_CLOSED: &str = "escalation.closed";
    /// A report was returned to its unit with a comment.
    pub const REPORT_RETURNED: &str = "report.returned";
    /// A unit submitted a report (to the office, for review).
    pub const REPORT_SUBMITTED: &str = "report.submitted";
    /// The office accepted a report.
    pub const REPORT_ACCEPTED: &str = "report.accepted";
    /// The office reopened an accepted report.
    pub const REPORT_REOPENED: &str = "report.reopened";
    /// A report is due soon or overdue.
    pub const REPORT_DUE: &str = "report.due";
}

/// One notification, the unit the platform persists (outbox) *before* any delivery attempt.
///
/// It is plain data (serde), so it can be stored as JSON, sent later and re-sent on retry: the
/// same `id` travels with every attempt (webhook header `X-Duban-Delivery`, e-mail
/// `Message-ID`), which lets receivers drop duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Stable id chosen by the caller (e.g. the outbox row's id): 1–128 chars of `A–Z a–z 0–9 . _ -`.
    pub id: String,
    /// Event name, e.g. [`events::ESCALATION_RAISED`].
    pub event: String,
    /// Subject line, in Chinese for people (e-mail subject, webhook `subject`).
    pub subject: String,
    /// Plain-text body, in Chinese for people.
    pub body_text: String,
    /// E-mail recipients (each gets his own message). Webhooks receive the list in the body.
    #[serde(default)]
    pub recipients: Vec<EmailAddress>,
    /// Machine-readable details for webhook receivers (plan, task, unit, level, links…).
    #[serde(default)]
    pub payload: serde_json::Value,
}

impl Notification {
    pub fn new(
        id: impl Into<String>,
        event: impl Into<String>,
        subject: impl Into<String>,
        body_text: impl Into<String>,
    ) -> Self {
        Notification {
            id: id.into(),
            event: event.into(),
            subject: subject.into(),
            body_text: body_text.into(),
            recipients: Vec::new(),
            payload: serde_json::Value::Null,
        }
    }

    pub fn with_recipient(mut self, to: EmailAddress) -> Self {
        self.recipients.push(to);
        self
    }

    pub fn with_payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Check what the channels rely on: the id and event end up in mail and HTTP headers.
    pub fn validate(&self) -> Result<(), NotifyError> {
        let token_ok = |s: &str, extra: &[u8], max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
        };
        if !token_ok(&self.id, b"._-", 128) {
            return Err(NotifyError::InvalidNotification(format!(
                "id `{}` must be 1-128 chars of A-Z a-z 0-9 . _ -",
                self.id
            )));
        }
        if !token_ok(&self.event, b"._-", 64) || self.event.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(NotifyError::InvalidNotification(format!(
                "event `{}` must be a lower-case dotted token",
                self.event
            )));
        }
        if self.subject.contains(['\r', '\n']) {
            return Err(NotifyError::InvalidNotification(
                "subject must be one line".into(),
            ));
        }
        Ok(())
    }
}

/// An e-mail address with an optional display name: `zhang@example.org` or
/// `张三 <zhang@example.org>`. Serialised as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress {
    name: Option<String>,
    address: String,
}

impl EmailAddress {
    /// The bare `user@domain` part.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn to_mailbox(&self) -> Mailbox {
        // Parsed by lettre in `from_str`, so this re-parse cannot fail.
        Mailbox::new(
            self.name.clone(),
            self.address.parse().expect("validated on construction"),
        )
    }
}

impl FromStr for EmailAddress {
    type Err = NotifyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mailbox: Mailbox = s
            .trim()
            .parse()
            .map_err(|_| NotifyError::InvalidAddress(s.to_owned()))?;
        Ok(EmailAddress {
            name: mailbox.name.filter(|n| !n.trim().is_empty()),
            address: mailbox.email.to_string(),
        })
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = NotifyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.to_string()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            // Quote names that would not survive a re-parse unquoted.
            Some(n) if n.contains(['"', ',', '<', '>', '@', '(', ')', ';', ':', '\\']) => {
                write!(
                    f,
                    "\"{}\" <{}>",
                    n.replace('\\', "\\\\").replace('"', "\\\""),
                    self.address
                )
            }
            Some(n) => write!(f, "{n} <{}>", self.address),
            None => f.write_str(&self.address),
        }
    }
}

/// A delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Webhook,
}

/// One place a notification goes. The platform can store one outbox row per
/// (notification, target) and retry each on its own with [`crate::Notifier::deliver_to`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "lowercase")]
pub enum DeliveryTarget {
    /// One e-mail to one recipient through the configured SMTP server.
    Email { to: EmailAddress },
    /// One POST to a configured webhook, identified by its URL.
    Webhook { url: String },
}

impl DeliveryTarget {
    pub fn channel(&self) -> Channel {
        match self {
            DeliveryTarget::Email { .. } => Channel::Email,
            DeliveryTarget::Webhook { .. } => Channel::Webhook,
        }
    }
}

impl fmt::Display for DeliveryTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveryTarget::Email { to } => write!(f, "email:{}", to.address()),
            DeliveryTarget::Webhook { url } => write!(f, "webhook:{url}"),
        }
    }
}

/// What one delivery (with its retries) came to; the platform records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryOutcome {
    pub channel: Channel,
    pub target: DeliveryTarget,
    /// Delivered: HTTP 2xx, or the SMTP server accepted the message (250).
    pub ok: bool,
    /// The last status seen: the HTTP status, or the SMTP reply code.
    pub status: Option<u16>,
    /// The last error when not `ok`.
    #[serde(serialize_with = "error_as_string")]
    pub error: Option<NotifyError>,
    /// Whether a later retry may help (false when `ok`).
    pub retryable: bool,
    /// Attempts made in this call, at least 1 unless the delivery was rejected before sending.
    pub attempts: u32,
}

impl DeliveryOutcome {
    pub(crate) fn rejected(target: DeliveryTarget, error: NotifyError) -> Self {
        DeliveryOutcome {
            channel: target.channel(),
            target,
            ok: false,
            status: None,
            retryable: error.is_retryable(),
            error: Some(error),
            attempts: 0,
        }
    }
}

fn error_as_string<S: Serializer>(e: &Option<NotifyError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_address_parses_and_round_trips() {
        let a: EmailAddress = "张三 <zhang.san@example.org>".parse().unwrap();
        assert_eq!(a.name(), Some("张三"));
        assert_eq!(a.address(), "zhang.san@example.org");
        assert_eq!(a.to_string(), "张三 <zhang.san@example.org>");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<EmailAddress>(&json).unwrap(), a);

        let b: EmailAddress = "office@example.org".parse().unwrap();
        assert_eq!(b.name(), None);
        assert_eq!(b.to_string(), "office@example.org");

        let c: EmailAddress = "\"Li, Si\" <li@example.org>".parse().unwrap();
        assert_eq!(c.name(), Some("Li, Si"));
        assert_eq!(c.to_string().parse::<EmailAddress>().unwrap(), c);

        for bad in ["", "not an address", "a@", "@b.org", "张三 <>"] {
            assert!(bad.parse::<EmailAddress>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn notification_validation() {
        let ok = Notification::new("esc-42", events::ESCALATION_RAISED, "督办通知", "正文");
        assert_eq!(ok.validate(), Ok(()));
        let mut n = ok.clone();
        n.id = "has space".into();
        assert!(n.validate().is_err());
        let mut n = ok.clone();
        n.event = "Escalation".into();
        assert!(n.validate().is_err());
        let mut n = ok.clone();
        n.subject = "一\r\nBcc: x@y.z".into();
        assert!(n.validate().is_err());
    }

    #[test]
    fn notification_and_target_serialise_for_the_outbox() {
        let n = Notification::new("n1", "report.returned", "报告已退回", "请补充佐证材料。")
            .with_recipient("王五 <wang@example.org>".parse().unwrap())
            .with_payload(serde_json::json!({"task": 12}));
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Notification>(&json).unwrap(), n);

        let t = DeliveryTarget::Webhook {
            url: "https://example.org/hook".into(),
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["channel"], "webhook");
        assert_eq!(serde_json::from_value::<DeliveryTarget>(json).unwrap(), t);
    }
}
