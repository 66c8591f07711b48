//! Signed webhook deliveries against a local axum receiver.

mod common;

use std::time::{Duration, Instant};

use common::{Received, closed_port, start_receiver, start_smtp_sink, unix_now};
use duban_notify::{
    Channel, DeliveryTarget, Notification, Notifier, NotifierConfig, NotifyError, RetryPolicy,
    SignatureError, SmtpConfig, SmtpTls, WebhookConfig, events, verify_signature, webhook_body,
};

const SECRET: &str = "whsec-测试-0123456789";
const WINDOW: Duration = Duration::from_secs(300);

fn hook(url: &str, max_attempts: u32) -> WebhookConfig {
    let mut h = WebhookConfig::new(url, SECRET);
    h.timeout = Duration::from_secs(5);
    h.retry = RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
    };
    h
}

fn notifier(hooks: Vec<WebhookConfig>) -> Notifier {
    Notifier::new(NotifierConfig {
        smtp: None,
        webhooks: hooks,
    })
    .unwrap()
}

fn escalation() -> Notification {
    Notification::new(
        "esc-2020-0042",
        events::ESCALATION_RAISED,
        "【督办通知】任务12进度滞后",
        "请于3个工作日内报送整改措施。",
    )
    .with_recipient("张三 <zhang@example.gov.cn>".parse().unwrap())
    .with_payload(serde_json::json!({"level": "督办通知", "plan": "zhejiang-2020", "task": 12}))
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .unwrap()
}

fn verify(r: &Received, secret: &str, now: u64) -> Result<(), SignatureError> {
    verify_signature(
        secret.as_bytes(),
        header(r, "X-Duban-Timestamp"),
        &r.body,
        header(r, "X-Duban-Signature"),
        now,
        WINDOW,
    )
}

#[tokio::test]
async fn delivery_is_signed_and_verifiable() {
    let rx = start_receiver(vec![]).await;
    let notifier = notifier(vec![hook(&rx.url, 3)]);
    let n = escalation();

    let outcomes = notifier.deliver(&n).await;
    assert_eq!(outcomes.len(), 1, "no SMTP configured: webhook only");
    let o = &outcomes[0];
    assert!(o.ok, "{o:?}");
    assert_eq!(o.channel, Channel::Webhook);
    assert_eq!(
        o.target,
        DeliveryTarget::Webhook {
            url: rx.url.clone()
        }
    );
    assert_eq!((o.status, o.attempts, o.retryable), (Some(200), 1, false));

    let got = rx.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(header(r, "X-Duban-Event"), "escalation.raised");
    assert_eq!(header(r, "X-Duban-Delivery"), "esc-2020-0042");
    assert!(header(r, "Content-Type").starts_with("application/json"));
    let ts: u64 = header(r, "X-Duban-Timestamp").parse().unwrap();
    assert!(unix_now().abs_diff(ts) <= 5, "timestamp is now");
    assert!(header(r, "X-Duban-Signature").starts_with("sha256="));

    // The body is the documented envelope, byte for byte what webhook_body gives.
    assert_eq!(&r.body[..], &webhook_body(&n)[..]);
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(json["id"], "esc-2020-0042");
    assert_eq!(json["event"], "escalation.raised");
    assert_eq!(json["subject"], "【督办通知】任务12进度滞后");
    assert_eq!(json["text"], "请于3个工作日内报送整改措施。");
    assert_eq!(json["recipients"][0], "张三 <zhang@example.gov.cn>");
    assert_eq!(json["payload"]["level"], "督办通知");

    // Verifies with the secret…
    let now = unix_now();
    assert_eq!(verify(r, SECRET, now), Ok(()));
    // …fails with a wrong secret,
    assert_eq!(
        verify(r, "wrong-secret", now),
        Err(SignatureError::Mismatch)
    );
    // …a tampered body,
    let mut tampered = r.clone();
    tampered.body = String::from_utf8(r.body.to_vec())
        .unwrap()
        .replace("督办通知", "提醒")
        .into();
    assert_eq!(
        verify(&tampered, SECRET, now),
        Err(SignatureError::Mismatch)
    );
    // …and an old timestamp (the same request replayed an hour later).
    assert!(matches!(
        verify(r, SECRET, now + 3600),
        Err(SignatureError::OutsideWindow { .. })
    ));
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let rx = start_receiver(vec![
        (500, Duration::ZERO),
        (500, Duration::ZERO),
        (200, Duration::ZERO),
    ])
    .await;
    let notifier = notifier(vec![hook(&rx.url, 3)]);
    let o = &notifier.deliver(&escalation()).await[0];
    assert!(o.ok, "{o:?}");
    assert_eq!(o.attempts, 3);
    assert_eq!(o.status, Some(200));
    let got = rx.received.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    for r in &got {
        // Same delivery id on every attempt (receivers de-duplicate on it), each freshly signed.
        assert_eq!(header(r, "X-Duban-Delivery"), "esc-2020-0042");
        assert_eq!(verify(r, SECRET, unix_now()), Ok(()));
    }
}

#[tokio::test]
async fn retries_are_bounded_and_the_failure_is_typed() {
    let rx = start_receiver(vec![(503, Duration::ZERO); 5]).await;
    let notifier = notifier(vec![hook(&rx.url, 3)]);
    let o = &notifier.deliver(&escalation()).await[0];
    assert!(!o.ok);
    assert_eq!(o.attempts, 3);
    assert_eq!(o.status, Some(503));
    assert_eq!(o.error, Some(NotifyError::HttpStatus { status: 503 }));
    assert!(o.retryable, "the platform may try again later");
    assert_eq!(rx.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_cap() {
    let script = vec![(429, Duration::ZERO)];
    // Backoff alone would wait 20 ms; the receiver asks for 1 s, under the 2 s cap.
    let rx = common::start_receiver_with_retry_after(script.clone(), Some("1")).await;
    let mut h = hook(&rx.url, 2);
    h.retry.max_backoff = Duration::from_secs(2);
    let started = Instant::now();
    let o = &notifier(vec![h]).deliver(&escalation()).await[0];
    assert!(o.ok && o.attempts == 2, "{o:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // A Retry-After beyond the cap is cut to the cap (100 ms here).
    let rx = common::start_receiver_with_retry_after(script, Some("3600")).await;
    let started = Instant::now();
    let o = &notifier(vec![hook(&rx.url, 2)])
        .deliver(&escalation())
        .await[0];
    assert!(o.ok && o.attempts == 2, "{o:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let rx = start_receiver(vec![(401, Duration::ZERO)]).await;
    let notifier = notifier(vec![hook(&rx.url, 3)]);
    let o = &notifier.deliver(&escalation()).await[0];
    assert!(!o.ok);
    assert_eq!((o.status, o.attempts, o.retryable), (Some(401), 1, false));
    assert_eq!(o.error, Some(NotifyError::HttpStatus { status: 401 }));
    assert_eq!(rx.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn slow_receivers_time_out() {
    let rx = start_receiver(vec![(200, Duration::from_secs(3)); 2]).await;
    let mut h = hook(&rx.url, 2);
    h.timeout = Duration::from_millis(200);
    let notifier = notifier(vec![h]);
    let started = Instant::now();
    let o = &notifier.deliver(&escalation()).await[0];
    let elapsed = started.elapsed();
    assert!(!o.ok, "{o:?}");
    assert_eq!(
        o.error,
        Some(NotifyError::Timeout(Duration::from_millis(200)))
    );
    assert_eq!(o.attempts, 2);
    assert!(o.retryable);
    assert!(
        elapsed < Duration::from_millis(1500),
        "two 200 ms attempts took {elapsed:?}"
    );
}

#[tokio::test]
async fn unreachable_receivers_are_connection_errors() {
    let url = format!("http://127.0.0.1:{}/hook", closed_port().await);
    let notifier = notifier(vec![hook(&url, 2)]);
    let o = &notifier.deliver(&escalation()).await[0];
    assert!(!o.ok);
    assert_eq!(o.attempts, 2);
    assert!(o.retryable);
    assert!(matches!(o.error, Some(NotifyError::Connection(_))), "{o:?}");
}

#[tokio::test]
async fn targets_follow_subscriptions_and_can_be_retried_one_by_one() {
    let all = start_receiver(vec![]).await;
    let returned_only = start_receiver(vec![]).await;
    let mut filtered = hook(&returned_only.url, 1);
    filtered.events = vec![events::REPORT_RETURNED.into()];
    let mut sink = start_smtp_sink(common::SinkRules::default()).await;
    let mut smtp = SmtpConfig::new("127.0.0.1", "duban@example.gov.cn", SmtpTls::None);
    smtp.port = sink.addr.port();
    let notifier = Notifier::new(NotifierConfig {
        smtp: Some(smtp),
        webhooks: vec![hook(&all.url, 1), filtered],
    })
    .unwrap();

    let n = escalation();
    let targets = notifier.targets(&n);
    assert_eq!(
        targets,
        vec![
            DeliveryTarget::Email {
                to: "张三 <zhang@example.gov.cn>".parse().unwrap()
            },
            DeliveryTarget::Webhook {
                url: all.url.clone()
            },
        ]
    );
    // The outbox stores the notification and its targets as JSON, then delivers each later.
    let stored = serde_json::to_string(&(&n, &targets)).unwrap();
    let (n2, targets2): (Notification, Vec<DeliveryTarget>) =
        serde_json::from_str(&stored).unwrap();
    for t in &targets2 {
        let o = notifier.deliver_to(&n2, t).await;
        assert!(o.ok, "{o:?}");
        assert_eq!(&o.target, t);
    }
    assert_eq!(all.received.lock().unwrap().len(), 1);
    assert_eq!(returned_only.received.lock().unwrap().len(), 0);
    assert_eq!(
        sink.messages.recv().await.unwrap().rcpt_to,
        ["zhang@example.gov.cn"]
    );

    // A target no longer configured is reported, not silently dropped.
    let gone = DeliveryTarget::Webhook {
        url: "http://127.0.0.1:9/removed".into(),
    };
    let o = notifier.deliver_to(&n, &gone).await;
    assert!(!o.ok && !o.retryable && o.attempts == 0);
    assert!(matches!(o.error, Some(NotifyError::UnknownTarget(_))));

    // An invalid notification is rejected before anything is sent.
    let mut bad = n.clone();
    bad.event = "Bad Event".into();
    let o = notifier.deliver_to(&bad, &targets[1]).await;
    assert!(matches!(o.error, Some(NotifyError::InvalidNotification(_))));
    assert_eq!(all.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn https_with_a_private_root_ca() {
    let rx = common::start_https_receiver().await;
    let mut h = hook(&rx.url, 1);
    h.root_ca_pem = Some(common::TEST_CA_PEM.to_owned());
    let o = &notifier(vec![h]).deliver(&escalation()).await[0];
    assert!(o.ok, "{o:?}");
    assert_eq!(o.status, Some(200));
    let got = rx.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(verify(&got[0], SECRET, unix_now()), Ok(()));

    // Without the private CA the certificate is not trusted and nothing is sent; retrying
    // cannot help until the configuration changes.
    let o = &notifier(vec![hook(&rx.url, 3)])
        .deliver(&escalation())
        .await[0];
    assert!(
        matches!(&o.error, Some(NotifyError::Tls(m)) if m.contains("UnknownIssuer")),
        "{o:?}"
    );
    assert!(!o.retryable && o.attempts == 1, "{o:?}");
    assert_eq!(rx.received.lock().unwrap().len(), 1);

    // A PEM without a certificate is a configuration error.
    let mut bad = hook(&rx.url, 1);
    bad.root_ca_pem = Some("not a certificate".into());
    assert!(matches!(
        Notifier::new(NotifierConfig {
            smtp: None,
            webhooks: vec![bad]
        }),
        Err(NotifyError::Config(_))
    ));
}

#[tokio::test]
async fn configuration_is_checked_up_front() {
    assert!(matches!(
        Notifier::new(NotifierConfig {
            smtp: None,
            webhooks: vec![WebhookConfig::new("https://example.org/h", "")],
        }),
        Err(NotifyError::Config(_))
    ));
    // https goes through rustls: against a plain-HTTP port the handshake fails.
    let rx = start_receiver(vec![]).await;
    let https = rx.url.replace("http://", "https://");
    let o = &notifier(vec![hook(&https, 1)]).deliver(&escalation()).await[0];
    assert!(matches!(o.error, Some(NotifyError::Tls(_))), "{o:?}");
    assert!(
        rx.received.lock().unwrap().is_empty(),
        "nothing sent in clear text"
    );
    // Other schemes fail at delivery, before any attempt.
    let notifier = notifier(vec![hook("ftp://example.org/h", 1)]);
    let o = &notifier.deliver(&escalation()).await[0];
    assert!(matches!(o.error, Some(NotifyError::Config(_))) && o.attempts == 0);
}
