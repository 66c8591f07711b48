//! E-mail over SMTP with lettre (tokio, rustls with the ring provider).

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::config::{RetryPolicy, SmtpConfig, SmtpTls};
use crate::error::{NotifyError, tls_cause};
use crate::retry::with_retries;
use crate::signature::hex;
use crate::types::{DeliveryOutcome, DeliveryTarget, EmailAddress, Notification};

pub(crate) struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    retry: RetryPolicy,
    timeout: Duration,
}

impl EmailSender {
    pub(crate) fn new(cfg: &SmtpConfig) -> Result<Self, NotifyError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|_| NotifyError::InvalidAddress(cfg.from.clone()))?;
        if cfg.host.trim().is_empty() {
            return Err(NotifyError::Config("SMTP host is empty".into()));
        }
        // builder_dangerous starts without TLS; TLS is then set explicitly from the config, so
        // "starttls" can never silently fall back to plain text (Tls::Required).
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
                .port(cfg.port)
                .timeout(Some(cfg.timeout))
                .hello_name(ClientId::Domain(
                    cfg.helo_name
                        .clone()
                        .unwrap_or_else(|| from.email.domain().to_owned()),
                ));
        if cfg.tls != SmtpTls::None {
            let mut params = TlsParameters::builder(cfg.host.clone());
            if let Some(pem) = &cfg.root_ca_pem {
                let cert = Certificate::from_pem(pem.as_bytes())
                    .map_err(|e| NotifyError::Config(format!("SMTP root CA: {e}")))?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build()
                .map_err(|e| NotifyError::Config(format!("SMTP TLS: {e}")))?;
            builder = builder.tls(match cfg.tls {
                SmtpTls::StartTls => Tls::Required(params),
                _ => Tls::Wrapper(params),
            });
        }
        match (&cfg.username, &cfg.password) {
            (Some(user), Some(pass)) => {
                if cfg.tls == SmtpTls::None {
                    tracing::warn!(host = %cfg.host, "SMTP credentials will be sent without TLS");
                }
                builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(NotifyError::Config(
                    "SMTP username and password go together".into(),
                ));
            }
        }
        Ok(EmailSender {
            transport: builder.build(),
            from,
            retry: cfg.retry.clone(),
            timeout: cfg.timeout,
        })
    }

    /// The message for one recipient: UTF-8 plain text; lettre encodes the Chinese subject as
    /// RFC 2047 encoded-words and picks base64 or quoted-printable for the body.
    pub(crate) fn message(
        &self,
        n: &Notification,
        to: &EmailAddress,
    ) -> Result<Message, NotifyError> {
        // Same Message-ID on every retry of this (notification, recipient), so a receiving
        // system that saw the first try can drop the duplicate.
        let digest = Sha256::digest(to.address().to_ascii_lowercase().as_bytes());
        let message_id = format!(
            "<{}.{}@{}>",
            n.id,
            &hex(&digest)[..16],
            self.from.email.domain()
        );
        Message::builder()
            .from(self.from.clone())
            .to(to.to_mailbox())
            .subject(n.subject.clone())
            .message_id(Some(message_id))
            .header(XDubanEvent(n.event.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(n.body_text.clone())
            .map_err(|e| NotifyError::InvalidNotification(format!("e-mail: {e}")))
    }

    pub(crate) async fn send(&self, n: &Notification, to: &EmailAddress) -> DeliveryOutcome {
        let target = DeliveryTarget::Email { to: to.clone() };
        let message = match self.message(n, to) {
            Ok(m) => m,
            Err(e) => return DeliveryOutcome::rejected(target, e),
        };
        let result = with_retries(&self.retry, |_| async {
            match self.transport.send(message.clone()).await {
                Ok(response) => Ok(u16::from(response.code())),
                Err(e) => Err((map_smtp_error(&e, self.timeout), None)),
            }
        })
        .await;
        if let Some(e) = &result.error {
            tracing::warn!(notification = %n.id, %target, attempts = result.attempts, error = %e, "e-mail not delivered");
        }
        result.into_outcome(target)
    }
}

fn map_smtp_error(e: &lettre::transport::smtp::Error, timeout: Duration) -> NotifyError {
    let code = e.status().map(u16::from);
    if e.is_transient() || e.is_permanent() {
        NotifyError::Smtp {
            code,
            message: e.to_string(),
            transient: e.is_transient(),
        }
    } else if let Some(tls) = tls_cause(e) {
        NotifyError::Tls(tls)
    } else if e.is_timeout() {
        NotifyError::Timeout(timeout)
    } else if e.is_tls() || e.is_client() {
        // TLS refused or not offered, bad server reply: a configuration matter, not retried.
        NotifyError::Smtp {
            code,
            message: e.to_string(),
            transient: false,
        }
    } else {
        NotifyError::Connection(e.to_string())
    }
}

/// `X-Duban-Event` in e-mails too, so mail rules can file notifications by event.
#[derive(Debug, Clone)]
struct XDubanEvent(String);

impl Header for XDubanEvent {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Duban-Event")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(XDubanEvent(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}
