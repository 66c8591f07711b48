//! E-mail delivery against a local SMTP sink speaking just enough SMTP.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{SinkRules, SinkTls, parse_mail, start_smtp_sink};
use duban_notify::{
    Channel, DeliveryTarget, Notification, Notifier, NotifierConfig, NotifyError, RetryPolicy,
    SmtpConfig, SmtpTls, events,
};

fn smtp_config(port: u16) -> SmtpConfig {
    let mut cfg = SmtpConfig::new(
        "127.0.0.1",
        "督办系统 <duban@example.gov.cn>",
        SmtpTls::None,
    );
    cfg.port = port;
    cfg.timeout = Duration::from_secs(5);
    cfg.retry = RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
    };
    cfg
}

fn notifier(cfg: SmtpConfig) -> Notifier {
    Notifier::new(NotifierConfig {
        smtp: Some(cfg),
        webhooks: vec![],
    })
    .unwrap()
}

const SUBJECT: &str = "【督办通知】关于“政务服务一网通办”任务12进度滞后的督办通知（第2期）";

fn body_text() -> String {
    // Long enough to be folded/wrapped; a line starting with "." exercises dot-stuffing.
    let mut body = String::from("浙江省人民政府办公厅：\n\n");
    for i in 1..=20 {
        body.push_str(&format!(
            "{i}. 截至2020年6月30日，任务“推进政务服务2.0建设”完成率为45%，低于序时进度。\n"
        ));
    }
    body.push_str(".以点开头的一行\n请于3个工作日内报送整改措施。\n");
    body
}

#[tokio::test]
async fn chinese_mail_reaches_each_recipient_decoded() {
    let mut sink = start_smtp_sink(SinkRules::default()).await;
    let notifier = notifier(smtp_config(sink.addr.port()));
    let n = Notification::new(
        "esc-2020-0042",
        events::ESCALATION_RAISED,
        SUBJECT,
        body_text(),
    )
    .with_recipient("张三 <zhang.san@example.gov.cn>".parse().unwrap())
    .with_recipient("office@example.gov.cn".parse().unwrap());

    let outcomes = notifier.deliver(&n).await;
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        assert!(o.ok, "{o:?}");
        assert_eq!(o.channel, Channel::Email);
        assert_eq!(o.status, Some(250));
        assert_eq!(o.attempts, 1);
        assert!(o.error.is_none() && !o.retryable);
    }

    let mut seen = Vec::new();
    for _ in 0..2 {
        let m = sink.messages.recv().await.unwrap();
        // One envelope recipient per message: units never see each other's addresses.
        assert_eq!(m.rcpt_to.len(), 1, "{m:?}");
        assert_eq!(m.mail_from, "duban@example.gov.cn");
        assert_eq!(m.helo, "example.gov.cn");
        let mail = parse_mail(&m.data);
        assert_eq!(mail.header("Subject"), Some(SUBJECT));
        assert_eq!(
            mail.body.trim_end_matches('\n'),
            body_text().trim_end_matches('\n')
        );
        assert_eq!(mail.header("From"), Some("督办系统 <duban@example.gov.cn>"));
        assert_eq!(mail.header("X-Duban-Event"), Some("escalation.raised"));
        assert!(
            mail.header("Content-Type")
                .unwrap()
                .to_ascii_lowercase()
                .contains("charset=utf-8")
        );
        let id = mail.header("Message-ID").unwrap();
        assert!(
            id.starts_with("<esc-2020-0042.") && id.ends_with("@example.gov.cn>"),
            "{id}"
        );
        seen.push((
            m.rcpt_to[0].clone(),
            mail.header("To").unwrap().to_owned(),
            id.to_owned(),
        ));
    }
    seen.sort();
    assert_eq!(seen[0].0, "office@example.gov.cn");
    assert_eq!(seen[0].1, "office@example.gov.cn");
    assert_eq!(seen[1].0, "zhang.san@example.gov.cn");
    assert_eq!(seen[1].1, "张三 <zhang.san@example.gov.cn>");
    assert_ne!(seen[0].2, seen[1].2, "Message-ID is per recipient");
}

#[tokio::test]
async fn message_id_is_stable_across_retries() {
    let mut sink = start_smtp_sink(SinkRules::default()).await;
    let notifier = notifier(smtp_config(sink.addr.port()));
    // Mostly ASCII, so not base64: the "." line goes through SMTP dot-stuffing.
    let text = "Report 12 returned, see comment.\n.hidden if not dot-stuffed\n..two dots\n请补充佐证材料。";
    let n = Notification::new("n-7", events::REPORT_RETURNED, "报告已退回", text)
        .with_recipient("li@example.org".parse().unwrap());
    let target = DeliveryTarget::Email {
        to: "li@example.org".parse().unwrap(),
    };
    assert!(notifier.deliver_to(&n, &target).await.ok);
    assert!(notifier.deliver_to(&n, &target).await.ok);
    let raw = sink.messages.recv().await.unwrap().data;
    let a = parse_mail(&raw);
    let b = parse_mail(&sink.messages.recv().await.unwrap().data);
    assert_eq!(a.header("Message-ID"), b.header("Message-ID"));
    assert_eq!(a.body.trim_end_matches('\n'), text);
    assert_eq!(a.header("Subject"), Some("报告已退回"));
}

#[tokio::test]
async fn refused_recipient_fails_alone_and_permanently() {
    let rules = SinkRules {
        rcpt_replies: HashMap::from([(
            "nobody@example.org".to_owned(),
            "550 5.1.1 mailbox unavailable",
        )]),
        ..SinkRules::default()
    };
    let mut sink = start_smtp_sink(rules).await;
    let notifier = notifier(smtp_config(sink.addr.port()));
    let n = Notification::new(
        "n-8",
        events::REPORT_DUE,
        "报送提醒",
        "本期进展请于周五前报送。",
    )
    .with_recipient("nobody@example.org".parse().unwrap())
    .with_recipient("ok@example.org".parse().unwrap());
    let outcomes = notifier.deliver(&n).await;
    let bad = &outcomes[0];
    assert!(!bad.ok);
    assert_eq!(bad.status, Some(550));
    assert_eq!(bad.attempts, 1, "a permanent refusal is not retried");
    assert!(!bad.retryable);
    assert!(matches!(
        bad.error,
        Some(NotifyError::Smtp {
            code: Some(550),
            transient: false,
            ..
        })
    ));
    assert!(outcomes[1].ok, "{:?}", outcomes[1]);
    assert_eq!(
        sink.messages.recv().await.unwrap().rcpt_to,
        ["ok@example.org"]
    );
}

#[tokio::test]
async fn transient_refusal_is_retried_then_reported_retryable() {
    let rules = SinkRules {
        rcpt_replies: HashMap::from([("busy@example.org".to_owned(), "451 4.3.0 try again later")]),
        ..SinkRules::default()
    };
    let sink = start_smtp_sink(rules).await;
    let notifier = notifier(smtp_config(sink.addr.port()));
    let n = Notification::new("n-9", events::REPORT_DUE, "报送提醒", "正文")
        .with_recipient("busy@example.org".parse().unwrap());
    let o = &notifier.deliver(&n).await[0];
    assert!(!o.ok);
    assert_eq!(o.attempts, 2);
    assert_eq!(o.status, Some(451));
    assert!(
        o.retryable,
        "the platform's scheduler should try again later"
    );
    let rcpts = sink
        .commands
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.starts_with("RCPT TO"))
        .count();
    assert_eq!(rcpts, 2);
}

#[tokio::test]
async fn starttls_is_required_never_downgraded() {
    let mut sink = start_smtp_sink(SinkRules::default()).await;
    let mut cfg = smtp_config(sink.addr.port());
    cfg.tls = SmtpTls::StartTls;
    cfg.username = Some("duban".into());
    cfg.password = Some("secret".into());
    let notifier = notifier(cfg);
    let n = Notification::new("n-10", events::REPORT_DUE, "报送提醒", "正文")
        .with_recipient("a@example.org".parse().unwrap());
    let o = &notifier.deliver(&n).await[0];
    assert!(!o.ok, "{o:?}");
    assert!(
        matches!(&o.error, Some(NotifyError::Smtp { message, .. }) if message.contains("STARTTLS")),
        "{o:?}"
    );
    assert!(
        !o.retryable,
        "a server without STARTTLS is a configuration error: {o:?}"
    );
    let commands = sink.commands.lock().unwrap().clone();
    assert!(
        !commands
            .iter()
            .any(|c| c.starts_with("AUTH") || c.starts_with("MAIL")),
        "nothing sent in clear text: {commands:?}"
    );
    assert!(sink.messages.try_recv().is_err());
}

#[tokio::test]
async fn credentials_are_sent_with_auth_plain() {
    let mut sink = start_smtp_sink(SinkRules {
        advertise_auth: true,
        ..SinkRules::default()
    })
    .await;
    let mut cfg = smtp_config(sink.addr.port());
    cfg.username = Some("duban".into());
    cfg.password = Some("口令-secret".into());
    let notifier = notifier(cfg);
    let n = Notification::new("n-11", events::REPORT_DUE, "报送提醒", "正文")
        .with_recipient("a@example.org".parse().unwrap());
    assert!(notifier.deliver(&n).await[0].ok);
    let m = sink.messages.recv().await.unwrap();
    let auth = common::base64_decode(m.auth.as_deref().expect("AUTH PLAIN used"));
    assert_eq!(auth, "\0duban\0口令-secret".as_bytes());
}

#[tokio::test]
async fn unreachable_server_is_a_retryable_connection_error() {
    let port = common::closed_port().await;
    let notifier = notifier(smtp_config(port));
    let n = Notification::new("n-12", events::REPORT_DUE, "报送提醒", "正文")
        .with_recipient("a@example.org".parse().unwrap());
    let o = &notifier.deliver(&n).await[0];
    assert!(!o.ok);
    assert_eq!(o.attempts, 2);
    assert!(o.retryable, "{o:?}");
    assert!(matches!(o.error, Some(NotifyError::Connection(_))), "{o:?}");
}

#[tokio::test]
async fn bad_configuration_is_refused_up_front() {
    let mut cfg = smtp_config(25);
    cfg.from = "not an address".into();
    assert!(matches!(
        Notifier::new(NotifierConfig {
            smtp: Some(cfg),
            webhooks: vec![]
        }),
        Err(NotifyError::InvalidAddress(_))
    ));
    let mut cfg = smtp_config(25);
    cfg.username = Some("only-user".into());
    assert!(matches!(
        Notifier::new(NotifierConfig {
            smtp: Some(cfg),
            webhooks: vec![]
        }),
        Err(NotifyError::Config(_))
    ));
}

fn tls_config(port: u16, tls: SmtpTls, with_ca: bool) -> SmtpConfig {
    let mut cfg = smtp_config(port);
    cfg.tls = tls;
    cfg.root_ca_pem = with_ca.then(|| common::TEST_CA_PEM.to_owned());
    cfg
}

#[tokio::test]
async fn implicit_tls_with_a_private_root_ca() {
    let mut sink = start_smtp_sink(SinkRules {
        tls: SinkTls::Implicit,
        ..SinkRules::default()
    })
    .await;
    let notifier = notifier(tls_config(sink.addr.port(), SmtpTls::Tls, true));
    let n = Notification::new("n-20", events::REPORT_DUE, "报送提醒（TLS）", "加密通道。")
        .with_recipient("a@example.org".parse().unwrap());
    let o = &notifier.deliver(&n).await[0];
    assert!(o.ok, "{o:?}");
    let m = sink.messages.recv().await.unwrap();
    assert!(m.tls);
    let mail = parse_mail(&m.data);
    assert_eq!(mail.header("Subject"), Some("报送提醒（TLS）"));
    assert_eq!(mail.body.trim_end(), "加密通道。");
}

#[tokio::test]
async fn starttls_upgrades_before_credentials_are_sent() {
    let mut sink = start_smtp_sink(SinkRules {
        tls: SinkTls::StartTls,
        advertise_auth: true,
        ..SinkRules::default()
    })
    .await;
    let mut cfg = tls_config(sink.addr.port(), SmtpTls::StartTls, true);
    cfg.username = Some("duban".into());
    cfg.password = Some("secret".into());
    let notifier = notifier(cfg);
    let n = Notification::new("n-21", events::REPORT_DUE, "报送提醒", "正文")
        .with_recipient("a@example.org".parse().unwrap());
    let o = &notifier.deliver(&n).await[0];
    assert!(o.ok, "{o:?}");
    let m = sink.messages.recv().await.unwrap();
    assert!(m.tls, "the message went over the upgraded connection");
    assert_eq!(
        common::base64_decode(m.auth.as_deref().unwrap()),
        b"\0duban\0secret"
    );
    let commands = sink.commands.lock().unwrap().clone();
    let pos = |p: &str| commands.iter().position(|c| c.starts_with(p)).unwrap();
    assert!(pos("STARTTLS") < pos("AUTH"), "{commands:?}");
}

#[tokio::test]
async fn untrusted_certificates_are_refused() {
    for (sink_tls, tls) in [
        (SinkTls::Implicit, SmtpTls::Tls),
        (SinkTls::StartTls, SmtpTls::StartTls),
    ] {
        let mut sink = start_smtp_sink(SinkRules {
            tls: sink_tls,
            ..SinkRules::default()
        })
        .await;
        // Mozilla's roots only: the test CA is unknown.
        let notifier = notifier(tls_config(sink.addr.port(), tls, false));
        let n = Notification::new("n-22", events::REPORT_DUE, "报送提醒", "正文")
            .with_recipient("a@example.org".parse().unwrap());
        let o = &notifier.deliver(&n).await[0];
        assert!(!o.ok, "{o:?}");
        assert!(
            matches!(&o.error, Some(NotifyError::Tls(m)) if m.contains("UnknownIssuer")),
            "{o:?}"
        );
        assert!(!o.retryable && o.attempts == 1, "{o:?}");
        assert!(sink.messages.try_recv().is_err());
        let commands = sink.commands.lock().unwrap().clone();
        assert!(
            !commands.iter().any(|c| c.starts_with("MAIL")),
            "{commands:?}"
        );
    }
}
