//! Notifications for duban (督办): e-mail over SMTP and HMAC-signed webhooks.
//!
//! The escalation ladder (提醒 → 催办 → 督办通知 → 约谈 → 通报) and report review raise
//! [`Notification`]s; a [`Notifier`] delivers them to the configured channels and returns one
//! [`DeliveryOutcome`] per target for the platform to record. The in-app inbox is the
//! platform's; the outbox table and the long-term retry scheduler are the platform's too: store
//! the notification and its [`Notifier::targets`] first, then call [`Notifier::deliver_to`], so
//! nothing acknowledged is lost and failed deliveries can be retried later.
//!
//! ```no_run
//! # async fn demo() -> Result<(), duban_notify::NotifyError> {
//! use duban_notify::{events, Notification, Notifier, NotifierConfig, SmtpConfig, SmtpTls, WebhookConfig};
//!
//! let notifier = Notifier::new(NotifierConfig {
//!     smtp: Some(SmtpConfig::new("mail.example.gov.cn", "督办系统 <duban@example.gov.cn>", SmtpTls::StartTls)),
//!     webhooks: vec![WebhookConfig::new("https://hooks.example.gov.cn/duban", "shared-secret")],
//! })?;
//! let n = Notification::new("esc-2020-0042", events::ESCALATION_RAISED, "【催办】任务12进度滞后", "请于3个工作日内报送整改措施。")
//!     .with_recipient("张三 <zhang@example.gov.cn>".parse()?)
//!     .with_payload(serde_json::json!({"level": "催办", "task": 12}));
//! for outcome in notifier.deliver(&n).await {
//!     println!("{} ok={} attempts={}", outcome.target, outcome.ok, outcome.attempts);
//! }
//! # Ok(()) }
//! ```
//!
//! # E-mail
//! One message per recipient (units do not see each other's addresses; a refused address fails
//! alone), UTF-8 plain text, Chinese subject as RFC 2047 encoded-words. `Message-ID` is derived
//! from the notification id and the recipient, identical on retries. TLS: `none` (local relay
//! or test only), `starttls` (required, never downgraded) or `tls` (implicit, port 465), with
//! Mozilla's roots plus an optional private root CA.
//!
//! # Webhooks
//! `POST` of a JSON body `{"id", "event", "subject", "text", "recipients", "payload"}` with
//! headers:
//!
//! | header | value |
//! |---|---|
//! | `X-Duban-Event` | the event, e.g. `escalation.raised` |
//! | `X-Duban-Delivery` | the notification id, the same on every retry (de-duplicate on it) |
//! | `Idempotency-Key` | the same id again, under the header name HTTP APIs use |
//! | `X-Duban-Timestamp` | unix seconds when this attempt was signed |
//! | `X-Duban-Signature` | `sha256=` + hex HMAC-SHA256(secret, `"{timestamp}.{body}"`) |
//!
//! A 2xx answer is success. 5xx, 408, 429, time-outs and connection errors are retried with
//! exponential backoff (honouring a `Retry-After` in seconds, capped); other 4xx and 3xx
//! (redirects are not followed: the signed body goes only where it was configured to) fail at
//! once. `https://` uses Mozilla's roots plus the webhook's optional private root CA
//! (`root_ca_pem`).
//!
//! # Errors and retries
//! Each [`DeliveryOutcome`] says `retryable`: true for SMTP 4xx, HTTP 5xx/408/429, time-outs
//! and refused or broken connections; false for SMTP 5xx, other HTTP statuses, TLS failures
//! (untrusted certificate, no STARTTLS offered, peer not speaking TLS) and invalid addresses
//! or configuration, which only a change of configuration or data can fix.
//!
//! ## Verifying a webhook (receivers)
//! 1. Take the raw body bytes as received (do not re-serialise the JSON).
//! 2. Reject if `X-Duban-Timestamp` is more than your window (e.g. 300 s) away from your clock.
//! 3. Compute HMAC-SHA256 with the shared secret over `timestamp + "." + body` and compare it to
//!    the hex after `sha256=` in constant time.
//! 4. Optionally remember `X-Duban-Delivery` ids for the window to drop replays and retries.
//!
//! In Rust, call [`verify_signature`]. In Python:
//!
//! ```python
//! import hashlib, hmac, time
//!
//! def verify(secret: bytes, timestamp: str, body: bytes, header: str, tolerance: int = 300) -> bool:
//!     if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
//!         return False
//!     mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
//!     return hmac.compare_digest("sha256=" + mac, header.strip().lower())
//! ```

mod config;
mod email;
mod error;
mod notifier;
mod retry;
mod signature;
mod types;
mod webhook;

pub use config::{NotifierConfig, RetryPolicy, SmtpConfig, SmtpTls, WebhookConfig};
pub use error::NotifyError;
pub use notifier::Notifier;
pub use signature::{
    HEADER_DELIVERY, HEADER_EVENT, HEADER_SIGNATURE, HEADER_TIMESTAMP, SignatureError, sign,
    verify_signature,
};
pub use types::{Channel, DeliveryOutcome, DeliveryTarget, EmailAddress, Notification, events};
pub use webhook::webhook_body;
