//! Typed errors of the notification adapter.

use std::time::Duration;

use thiserror::Error;

/// Why a notification could not be built or delivered.
///
/// [`NotifyError::is_retryable`] tells the platform's retry scheduler whether trying the same
/// delivery again later can help (server busy, network down) or not (bad address, 4xx).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifyError {
    /// The channel configuration is unusable (bad URL, bad sender address, TLS set-up).
    #[error("invalid notification configuration: {0}")]
    Config(String),
    /// An e-mail address that does not parse.
    #[error("invalid e-mail address `{0}`")]
    InvalidAddress(String),
    /// The notification itself is malformed (empty id, event not a header-safe token, …).
    #[error("invalid notification: {0}")]
    InvalidNotification(String),
    /// A delivery target that this notifier is not configured for (e.g. a webhook URL removed
    /// from the configuration since the delivery was recorded).
    #[error("no configured channel for delivery target {0}")]
    UnknownTarget(String),
    /// The SMTP server refused, or the SMTP conversation failed.
    #[error("SMTP error{}: {message}", code.map(|c| format!(" {c}")).unwrap_or_default())]
    Smtp {
        /// The server's reply code, when the server answered (e.g. 550, 451).
        code: Option<u16>,
        message: String,
        /// A 4xx reply: the server asks to try again later.
        transient: bool,
    },
    /// The webhook answered with a non-2xx status.
    #[error("webhook answered HTTP {status}")]
    HttpStatus { status: u16 },
    /// No complete answer within the configured timeout.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The connection could not be made or broke (refused, reset, DNS).
    #[error("connection failed: {0}")]
    Connection(String),
    /// TLS failed: certificate not trusted or not for this host, no common protocol, or the
    /// peer does not speak TLS. A configuration matter, so not retried.
    #[error("TLS failed: {0}")]
    Tls(String),
}

impl NotifyError {
    /// Whether a later attempt at the same delivery may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            NotifyError::Smtp { transient, .. } => *transient,
            NotifyError::HttpStatus { status } => is_retryable_status(*status),
            NotifyError::Timeout(_) | NotifyError::Connection(_) => true,
            NotifyError::Config(_)
            | NotifyError::InvalidAddress(_)
            | NotifyError::InvalidNotification(_)
            | NotifyError::UnknownTarget(_)
            | NotifyError::Tls(_) => false,
        }
    }
}

/// 5xx, 429 Too Many Requests and 408 Request Timeout are worth retrying; other 4xx mean the
/// receiver rejects this request as such (bad signature, unknown hook) and will keep doing so.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

/// The rustls error somewhere in `e`'s cause chain, looking inside `io::Error`s too (their
/// `source()` skips the wrapped error itself).
pub(crate) fn tls_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        current = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}
