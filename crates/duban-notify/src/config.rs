//! Channel configuration, filled by the binary from CLI flags, environment or the database.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::NotifyError;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text, no TLS: a local relay or a test receiver only.
    None,
    /// Connect in plain text, then require STARTTLS (usually port 587). Fails, rather than
    /// falling back to plain text, if the server does not offer it.
    #[default]
    StartTls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

impl FromStr for SmtpTls {
    type Err = NotifyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Ok(SmtpTls::None),
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" | "smtps" => Ok(SmtpTls::Tls),
            other => Err(NotifyError::Config(format!(
                "SMTP TLS mode `{other}`: expected none, starttls or tls"
            ))),
        }
    }
}

/// Bounded retries with exponential backoff, inside one `deliver` call.
///
/// Longer-term retries (minutes, hours) belong to the platform's scheduler, which re-calls
/// [`crate::Notifier::deliver_to`] for outcomes that are `retryable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Total attempts, at least 1.
    pub max_attempts: u32,
    /// Wait before the 2nd attempt; doubled for each further one.
    #[serde(with = "millis", rename = "initial_backoff_ms")]
    pub initial_backoff: Duration,
    /// Upper bound of one wait (also caps a server's `Retry-After`).
    #[serde(with = "millis", rename = "max_backoff_ms")]
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retry: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// The SMTP server to send through.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// Sender, e.g. `督办系统 <duban@example.gov.cn>`.
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// Extra trusted root certificate (PEM) for an internal mail server with a private CA.
    #[serde(default)]
    pub root_ca_pem: Option<String>,
    /// Name sent in EHLO; defaults to the sender's domain.
    #[serde(default)]
    pub helo_name: Option<String>,
    /// Timeout of each SMTP command.
    #[serde(
        with = "millis",
        rename = "timeout_ms",
        default = "default_smtp_timeout"
    )]
    pub timeout: Duration,
    #[serde(default)]
    pub retry: RetryPolicy,
}

fn default_smtp_timeout() -> Duration {
    Duration::from_secs(30)
}

impl SmtpConfig {
    /// A configuration with the usual port for `tls` and the default timeout and retries.
    pub fn new(host: impl Into<String>, from: impl Into<String>, tls: SmtpTls) -> Self {
        SmtpConfig {
            host: host.into(),
            port: match tls {
                SmtpTls::None => 25,
                SmtpTls::StartTls => 587,
                SmtpTls::Tls => 465,
            },
            from: from.into(),
            username: None,
            password: None,
            tls,
            root_ca_pem: None,
            helo_name: None,
            timeout: default_smtp_timeout(),
            retry: RetryPolicy::default(),
        }
    }
}

// Passwords and secrets stay out of logs.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("root_ca_pem", &self.root_ca_pem.as_ref().map(|_| "<pem>"))
            .field("helo_name", &self.helo_name)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// One webhook endpoint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookConfig {
    /// `https://…` (or `http://…` for a receiver on the same host or a test).
    pub url: String,
    /// Shared HMAC secret; the receiver verifies with [`crate::verify_signature`].
    pub secret: String,
    /// Timeout of one attempt: connect, send and read the answer.
    #[serde(
        with = "millis",
        rename = "timeout_ms",
        default = "default_webhook_timeout"
    )]
    pub timeout: Duration,
    /// Events this endpoint wants; empty means all.
    #[serde(default)]
    pub events: Vec<String>,
    /// Extra trusted root certificate(s) (PEM) for an endpoint with a private CA.
    #[serde(default)]
    pub root_ca_pem: Option<String>,
    #[serde(default)]
    pub retry: RetryPolicy,
}

fn default_webhook_timeout() -> Duration {
    Duration::from_secs(10)
}

impl WebhookConfig {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            timeout: default_webhook_timeout(),
            events: Vec::new(),
            root_ca_pem: None,
            retry: RetryPolicy::default(),
        }
    }

    /// Whether this endpoint subscribed to `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("events", &self.events)
            .field("root_ca_pem", &self.root_ca_pem.as_ref().map(|_| "<pem>"))
            .field("retry", &self.retry)
            .finish()
    }
}

/// Every channel of one [`crate::Notifier`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifierConfig {
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
        };
        let waits: Vec<u128> = (1..=5).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 700, 700]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_millis(700));
    }

    #[test]
    fn tls_mode_parses() {
        assert_eq!("STARTTLS".parse::<SmtpTls>().unwrap(), SmtpTls::StartTls);
        assert_eq!("none".parse::<SmtpTls>().unwrap(), SmtpTls::None);
        assert_eq!("tls".parse::<SmtpTls>().unwrap(), SmtpTls::Tls);
        assert!("ssl3".parse::<SmtpTls>().is_err());
    }

    #[test]
    fn secrets_are_redacted_and_config_deserialises() {
        let json = r#"{
            "smtp": {"host": "mail.example.org", "port": 587, "from": "督办 <d@example.org>",
                     "username": "d", "password": "hunter2", "tls": "starttls", "timeout_ms": 5000},
            "webhooks": [{"url": "https://example.org/h", "secret": "topsecret", "events": ["report.returned"]}]
        }"#;
        let cfg: NotifierConfig = serde_json::from_str(json).unwrap();
        let smtp = cfg.smtp.as_ref().unwrap();
        assert_eq!(smtp.timeout, Duration::from_secs(5));
        assert_eq!(smtp.retry, RetryPolicy::default());
        assert_eq!(cfg.webhooks[0].timeout, Duration::from_secs(10));
        assert!(cfg.webhooks[0].wants("report.returned"));
        assert!(!cfg.webhooks[0].wants("escalation.raised"));
        let dbg = format!("{cfg:?}");
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("topsecret"),
            "{dbg}"
        );
    }
}
