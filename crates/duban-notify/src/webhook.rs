//! Signed webhook deliveries over hyper-util's client (rustls with the ring provider).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Serialize;

use crate::config::WebhookConfig;
use crate::error::{NotifyError, tls_cause};
use crate::retry::with_retries;
use crate::signature::{HEADER_DELIVERY, HEADER_EVENT, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign};
use crate::types::{DeliveryOutcome, DeliveryTarget, Notification};

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Answers are read (to keep the connection reusable) but never kept beyond this size.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The JSON body of a webhook request.
#[derive(Serialize)]
struct WebhookBody<'a> {
    id: &'a str,
    event: &'a str,
    subject: &'a str,
    text: &'a str,
    recipients: Vec<String>,
    payload: &'a serde_json::Value,
}

/// The exact body bytes POSTed for `n`: `{"id","event","subject","text","recipients","payload"}`.
pub fn webhook_body(n: &Notification) -> Vec<u8> {
    let body = WebhookBody {
        id: &n.id,
        event: &n.event,
        subject: &n.subject,
        text: &n.body_text,
        recipients: n.recipients.iter().map(ToString::to_string).collect(),
        payload: &n.payload,
    };
    serde_json::to_vec(&body).expect("serialising plain data to JSON cannot fail")
}

pub(crate) struct WebhookSender {
    client: HttpsClient,
}

impl WebhookSender {
    /// A client trusting Mozilla's roots, plus the PEM certificates in `extra_roots_pem`
    /// (an internal CA) if given.
    pub(crate) fn new(extra_roots_pem: Option<&str>) -> Result<Self, NotifyError> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(pem) = extra_roots_pem {
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert =
                    cert.map_err(|e| NotifyError::Config(format!("webhook root CA: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| NotifyError::Config(format!("webhook root CA: {e}")))?;
                added += 1;
            }
            if added == 0 {
                return Err(NotifyError::Config(
                    "webhook root CA: no certificate in the PEM text".into(),
                ));
            }
        }
        // The provider is named explicitly, so a binary that links another rustls provider
        // (aws-lc-rs) elsewhere does not make rustls refuse to pick a default at run time.
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| NotifyError::Config(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(WebhookSender {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    pub(crate) async fn send(&self, hook: &WebhookConfig, n: &Notification) -> DeliveryOutcome {
        let target = DeliveryTarget::Webhook {
            url: hook.url.clone(),
        };
        let uri: http::Uri = match hook.url.parse() {
            Ok(u) => u,
            Err(e) => {
                return DeliveryOutcome::rejected(
                    target,
                    NotifyError::Config(format!("webhook URL `{}`: {e}", hook.url)),
                );
            }
        };
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return DeliveryOutcome::rejected(
                target,
                NotifyError::Config(format!("webhook URL `{}` is not http(s)", hook.url)),
            );
        }
        let body = Bytes::from(webhook_body(n));
        let result = with_retries(&hook.retry, |_| {
            // Signed afresh per attempt: a retry minutes later still passes the replay window.
            let timestamp = unix_now();
            self.attempt(hook, &uri, n, body.clone(), timestamp)
        })
        .await;
        if let Some(e) = &result.error {
            tracing::warn!(notification = %n.id, %target, attempts = result.attempts, error = %e, "webhook not delivered");
        }
        result.into_outcome(target)
    }

    async fn attempt(
        &self,
        hook: &WebhookConfig,
        uri: &http::Uri,
        n: &Notification,
        body: Bytes,
        timestamp: u64,
    ) -> Result<u16, (NotifyError, Option<Duration>)> {
        let signature = sign(hook.secret.as_bytes(), timestamp, &body);
        let request = http::Request::post(uri.clone())
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .header(
                USER_AGENT,
                concat!("duban-notify/", env!("CARGO_PKG_VERSION")),
            )
            .header(HEADER_EVENT, n.event.as_str())
            .header(HEADER_DELIVERY, n.id.as_str())
            // The same key under the name HTTP APIs use for de-duplication.
            .header("Idempotency-Key", n.id.as_str())
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_SIGNATURE, signature)
            .body(Full::new(body))
            .map_err(|e| (NotifyError::InvalidNotification(e.to_string()), None))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if let Some(tls) = tls_cause(&e) {
                    return (NotifyError::Tls(tls), None);
                }
                // The error's own text is terse ("client error (Connect)"): add its cause.
                let cause = std::error::Error::source(&e)
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                (NotifyError::Connection(format!("{e}{cause}")), None)
            })?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // Drain (bounded) so the pooled connection can be reused; the content is unused.
            let _ = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await;
            if status.is_success() {
                Ok(status.as_u16())
            } else {
                Err((
                    NotifyError::HttpStatus {
                        status: status.as_u16(),
                    },
                    retry_after,
                ))
            }
        };
        match tokio::time::timeout(hook.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err((NotifyError::Timeout(hook.timeout), None)),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
