//! `duban audit verify` (recompute the audit hash chain, name the first broken entry) and
//! the oversight options of `duban serve` (background escalation rules and notification
//! delivery; SMTP and webhook settings from flags/env, which win over the office's page).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use duban_notify::{NotifierConfig, SmtpConfig, SmtpTls, WebhookConfig};
use duban_web::oversight::WorkerConfig;

use crate::serve::{DbArgs, runtime};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the whole hash chain (duban.audit/1); exits non-zero naming the first
    /// broken entry (seq, action, reason). Entries not sealed yet are counted, and a
    /// warning names those unsealed for more than a few seconds.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { db } => runtime()?.block_on(async move {
            let store = db.open_existing().await?;
            let outcome = store
                .verify_audit()
                .await
                .context("cannot read the audit log")?;
            store.close().await;
            match outcome {
                Ok(s) => {
                    println!(
                        "audit chain OK: {} entries, head {}",
                        s.entries, s.head_hash
                    );
                    if s.unsealed > 0 {
                        println!(
                            "{} newer entries not sealed yet (not covered by the chain)",
                            s.unsealed
                        );
                    }
                    if let Some(note) = s.late_note() {
                        eprintln!("warning: {note}");
                    }
                    Ok(())
                }
                Err(b) => bail!("{b}"),
            }
        }),
    }
}

/// Oversight options of `duban serve`.
#[derive(Args, Debug, Clone)]
pub struct WorkerArgs {
    /// Minutes between runs of the escalation rules (adopted plans of the current year).
    #[arg(long, default_value_t = 5, env = "DUBAN_ESCALATION_MINUTES")]
    pub escalation_minutes: u64,
    /// How often the notification outbox is polled, in seconds.
    #[arg(long, default_value_t = 10, env = "DUBAN_OUTBOX_SECONDS")]
    pub outbox_seconds: u64,
    /// How long a server keeps the deliveries it claimed before another server sharing the
    /// database may take them over (a server killed mid-delivery), in seconds.
    #[arg(long, default_value_t = 120, env = "DUBAN_OUTBOX_LEASE_SECONDS")]
    pub outbox_lease_seconds: u64,
    /// Notifier settings as JSON (duban-notify `NotifierConfig`: {"smtp":{…},"webhooks":[…]});
    /// replaces the office's settings page.
    #[arg(long, env = "DUBAN_NOTIFY_CONFIG")]
    pub notify_config: Option<PathBuf>,
    /// SMTP server host (replaces the office's settings).
    #[arg(long, env = "DUBAN_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "DUBAN_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// Sender, e.g. "督办办公室 <duban@example.gov.cn>".
    #[arg(long, env = "DUBAN_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// none | starttls | tls
    #[arg(long, env = "DUBAN_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,
    #[arg(long, env = "DUBAN_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "DUBAN_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// A webhook receiving every notification, signed with --webhook-secret.
    #[arg(long, env = "DUBAN_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    #[arg(long, env = "DUBAN_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

impl WorkerArgs {
    /// The worker settings; `notifier` is `None` when no flag names a channel.
    pub fn config(&self) -> Result<WorkerConfig> {
        let mut notifier: Option<NotifierConfig> = match &self.notify_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Some(serde_json::from_str(&text).with_context(|| {
                    format!("{} is not a notifier configuration", path.display())
                })?)
            }
            None => None,
        };
        if let Some(host) = &self.smtp_host {
            let from = self
                .smtp_from
                .clone()
                .context("--smtp-host needs --smtp-from")?;
            let tls: SmtpTls = self
                .smtp_tls
                .parse()
                .map_err(|e| anyhow::anyhow!("--smtp-tls: {e}"))?;
            let mut smtp = SmtpConfig::new(host.clone(), from, tls);
            if let Some(p) = self.smtp_port {
                smtp.port = p;
            }
            smtp.username = self.smtp_username.clone();
            smtp.password = self.smtp_password.clone();
            notifier.get_or_insert_with(NotifierConfig::default).smtp = Some(smtp);
        }
        if let Some(url) = &self.webhook_url {
            let secret = self
                .webhook_secret
                .clone()
                .context("--webhook-url needs --webhook-secret (or DUBAN_WEBHOOK_SECRET)")?;
            notifier
                .get_or_insert_with(NotifierConfig::default)
                .webhooks
                .push(WebhookConfig::new(url.clone(), secret));
        }
        if let Some(n) = &notifier {
            duban_notify::Notifier::new(n.clone()).context("invalid notifier settings")?;
        }
        Ok(WorkerConfig {
            notifier,
            escalation_every: Duration::from_secs(self.escalation_minutes.max(1) * 60),
            outbox_every: Duration::from_secs(self.outbox_seconds.max(1)),
            outbox_lease: Duration::from_secs(self.outbox_lease_seconds.max(5)),
        })
    }
}
