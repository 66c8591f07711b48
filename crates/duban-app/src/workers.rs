//! The background workers of `duban serve`: the escalation tick (escalation rules over
//! every current adopted plan, then the monitor warning rules on the same tick), the audit
//! sealer (every second: seals the audit entries the last writers of a burst left unsealed,
//! `Store::seal_audit`; see `duban_store::audit`) and the notification outbox (dispatch new
//! rows to their targets, then attempt the due deliveries claimed with a lease, so several
//! servers deliver each notification once), and the notifier configuration (office settings in the database, or flags/env of
//! `serve`, which win). Each job is idempotent by unique keys; failures are recorded per
//! plan / per job (`Store::record_job_failure`) and the next tick tries again.

use std::time::Duration;

use chrono::Datelike;
use duban_notify::{DeliveryTarget, EmailAddress, Notification, Notifier, NotifierConfig};
use duban_store::notification::OutboxRow;
use duban_store::plan::PlanState;
use duban_store::{Store, StoreError};

use crate::Result;
use crate::escalation::EscalationRun;

/// Settings of the background jobs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Notifier from `serve` flags/env; `None` = the office's settings in the database.
    pub notifier: Option<NotifierConfig>,
    /// How often the escalation rules run (default 5 minutes).
    pub escalation_every: Duration,
    /// How often the outbox is polled (default 10 seconds).
    pub outbox_every: Duration,
    /// How long a server keeps the deliveries it claimed before another server may take
    /// them over (default 2 minutes; longer than one attempt with its retries).
    pub outbox_lease: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            notifier: None,
            escalation_every: Duration::from_secs(300),
            outbox_every: Duration::from_secs(10),
            outbox_lease: DEFAULT_OUTBOX_LEASE,
        }
    }
}

/// The default lease of claimed deliveries ([`WorkerConfig::outbox_lease`]).
pub const DEFAULT_OUTBOX_LEASE: Duration = Duration::from_secs(120);

/// This server's name among the servers sharing the database: host, process id and a
/// random part (a restarted process never inherits a dead one's claims).
pub fn worker_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_string());
        let nonce = duban_store::secret::random_token();
        format!("{host}:{}:{}", std::process::id(), &nonce[..8])
    })
}

/// How often the audit sealer runs.
pub const AUDIT_SEAL_EVERY: Duration = Duration::from_secs(1);

/// Starts the background jobs (`ran` hears each tick's outcome, for metrics); they stop when the returned handles are aborted or the
/// runtime ends. Errors are logged and the job carries on at its next tick.
pub fn spawn_workers(
    store: Store,
    cfg: WorkerConfig,
    ran: fn(&'static str, bool),
) -> Vec<tokio::task::JoinHandle<()>> {
    let s = store.clone();
    let every = cfg.escalation_every;
    let escalations = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let result = escalation_tick(&s).await;
            ran(ESCALATION_JOB, result.is_ok());
            match result {
                Ok(runs) => {
                    let n: usize = runs.iter().map(|r| r.created.len()).sum();
                    if n > 0 {
                        tracing::info!(created = n, "escalation rules raised records");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "escalation tick failed"),
            }
            let result = monitor_tick(&s).await;
            ran(MONITOR_JOB, result.is_ok());
            if let Err(e) = result {
                tracing::warn!(error = %e, "monitor rules tick failed");
            }
        }
    });
    let every = cfg.outbox_every;
    let lease = cfg.outbox_lease;
    let fixed = cfg.notifier.clone();
    let for_sealer = store.clone();
    let outbox = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let notifier = match notifier_for(&store, fixed.as_ref()).await {
                Ok(Some(n)) => n,
                Ok(None) => {
                    // Nothing configured: the outbox waits, and the worker is healthy.
                    ran(OUTBOX_JOB, true);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "notifier configuration invalid");
                    ran(OUTBOX_JOB, false);
                    continue;
                }
            };
            let result = deliver_outbox(&store, &notifier, lease).await;
            ran(OUTBOX_JOB, result.is_ok());
            if let Err(e) = result {
                tracing::warn!(error = %e, "outbox delivery failed");
            }
        }
    });
    let s = for_sealer;
    let sealer = tokio::spawn(async move {
        let mut tick = tokio::time::interval(AUDIT_SEAL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let result = s.seal_audit().await;
            ran(AUDIT_SEAL_JOB, result.is_ok());
            if let Err(e) = result {
                tracing::warn!(error = %e, "audit sealing failed");
            }
        }
    });
    vec![escalations, outbox, sealer]
}

/// The job name of the escalation tick's failures (`Store::job_failures`).
pub const ESCALATION_JOB: &str = "escalation";
/// The job name of the monitor warning rules run on the same tick (`Store::job_failures`).
pub const MONITOR_JOB: &str = "monitor";
/// The job name of the audit sealer (metrics).
pub const AUDIT_SEAL_JOB: &str = "audit_seal";
/// The job name of the notification outbox worker (metrics).
pub const OUTBOX_JOB: &str = "outbox";

/// One run of the rules over every adopted plan of the current year (or later), as of
/// today (China time). Past plans are replayed on demand with an explicit date instead.
/// Each plan runs on its own: one that fails is recorded (shown on `/admin/escalations`)
/// and the others still run.
#[tracing::instrument(skip_all)]
pub async fn escalation_tick(store: &Store) -> Result<Vec<EscalationRun>> {
    let today = duban_store::deliver::report::today();
    let mut runs = Vec::new();
    for plan in store.list_plans().await? {
        let current = plan.year.is_none_or(|y| y >= i64::from(today.year()));
        if plan.state == PlanState::Adopted && current {
            let run = duban_store::audit::with_actor(
                "system",
                crate::escalation::run_escalations(store, plan.id, today),
            )
            .await;
            match run {
                Ok(run) => runs.push(run),
                Err(e) => {
                    tracing::warn!(plan = plan.id, error = %e, "escalation rules failed for a plan");
                    let message = format!("{}：{e}", plan.title);
                    store
                        .record_job_failure(ESCALATION_JOB, &format!("plan:{}", plan.id), &message)
                        .await?;
                }
            }
        }
    }
    Ok(runs)
}

/// The office's warning rules (监测预警) over every series, as of today, on the escalation
/// tick: new alerts are raised and notified once (a rule, region, indicator and period
/// raises one alert however often it runs). Nothing to do before the office sets rules; a
/// failure is recorded and shown on the rules page, and the next tick tries again.
#[tracing::instrument(skip_all)]
pub async fn monitor_tick(store: &Store) -> Result<usize, StoreError> {
    let today = duban_store::deliver::report::today();
    let run = crate::monitor::run_stored_rules(store, today);
    match duban_store::audit::with_actor("system", run).await {
        Ok(None) => Ok(0),
        Ok(Some(run)) => {
            if !run.created.is_empty() {
                tracing::info!(created = run.created.len(), "monitor rules raised alerts");
            }
            Ok(run.created.len())
        }
        Err(e) => {
            store
                .record_job_failure(MONITOR_JOB, "rules", &e.to_string())
                .await?;
            Ok(0)
        }
    }
}

/// Why the notifier could not be built.
#[derive(Debug, thiserror::Error)]
pub enum NotifierSetupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("通知配置无效：{0}")]
    Config(String),
}

/// The notifier in force: `fixed` (from `serve`) or the office's settings; `None` when no
/// channel is configured.
pub async fn notifier_for(
    store: &Store,
    fixed: Option<&NotifierConfig>,
) -> Result<Option<Notifier>, NotifierSetupError> {
    let config = match fixed {
        Some(c) => c.clone(),
        None => {
            let s = store.notify_settings().await?;
            if s.notifier.is_null() {
                return Ok(None);
            }
            serde_json::from_value::<NotifierConfig>(s.notifier)
                .map_err(|e| NotifierSetupError::Config(e.to_string()))?
        }
    };
    if config.smtp.is_none() && config.webhooks.is_empty() {
        return Ok(None);
    }
    Notifier::new(config)
        .map(Some)
        .map_err(|e| NotifierSetupError::Config(e.to_string()))
}

/// The duban-notify form of an outbox row (recipients that do not parse are left out).
pub fn notification_of(row: &OutboxRow) -> Notification {
    let mut n = Notification::new(&row.uid, &row.event, &row.subject, &row.body_text)
        .with_payload(row.payload.clone());
    for r in &row.recipients {
        match r.parse::<EmailAddress>() {
            Ok(a) => n = n.with_recipient(a),
            Err(e) => tracing::warn!(recipient = %r, error = %e, "unusable recipient"),
        }
    }
    n
}

/// What one outbox pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxPass {
    pub dispatched: usize,
    pub attempted: usize,
    pub sent: usize,
    pub failed: usize,
}

/// Expands new outbox rows into deliveries, then attempts every due delivery once (each
/// attempt with duban-notify's own short retries) and records the outcome. Deliveries are
/// claimed in small batches for `lease` ([`Store::claim_deliveries`]), so servers sharing
/// the database never attempt the same one at once, and a server that dies strands at most
/// one batch until its lease runs out.
#[tracing::instrument(skip_all)]
pub async fn deliver_outbox(
    store: &Store,
    notifier: &Notifier,
    lease: Duration,
) -> Result<OutboxPass, StoreError> {
    let mut pass = OutboxPass::default();
    // In batches until nothing is left (bounded: a pass never runs forever).
    for _ in 0..100 {
        let batch = store.undispatched_notifications(100).await?;
        if batch.is_empty() {
            break;
        }
        dispatch(store, notifier, &batch, &mut pass).await?;
    }
    for _ in 0..1000 {
        let due = store.claim_deliveries(worker_id(), 10, lease).await?;
        if due.is_empty() {
            break;
        }
        attempt(store, notifier, &due, &mut pass).await?;
    }
    Ok(pass)
}

async fn dispatch(
    store: &Store,
    notifier: &Notifier,
    batch: &[OutboxRow],
    pass: &mut OutboxPass,
) -> Result<(), StoreError> {
    for row in batch {
        let n = notification_of(row);
        let targets: Vec<(String, String)> = notifier
            .targets(&n)
            .into_iter()
            .map(|t| match t {
                DeliveryTarget::Email { to } => ("email".to_string(), to.to_string()),
                DeliveryTarget::Webhook { url } => ("webhook".to_string(), url),
            })
            .collect();
        store.dispatch_notification(row.id, &targets).await?;
        pass.dispatched += 1;
    }
    Ok(())
}

async fn attempt(
    store: &Store,
    notifier: &Notifier,
    due: &[duban_store::notification::Delivery],
    pass: &mut OutboxPass,
) -> Result<(), StoreError> {
    for d in due {
        let row = store.notification(d.notification_id).await?;
        let n = notification_of(&row);
        let target = match d.channel.as_str() {
            "email" => match d.target.parse::<EmailAddress>() {
                Ok(to) => DeliveryTarget::Email { to },
                Err(e) => {
                    store
                        .record_delivery(d.id, false, false, None, Some(&e.to_string()))
                        .await?;
                    pass.failed += 1;
                    continue;
                }
            },
            _ => DeliveryTarget::Webhook {
                url: d.target.clone(),
            },
        };
        let outcome = notifier.deliver_to(&n, &target).await;
        pass.attempted += 1;
        let error = outcome.error.as_ref().map(|e| e.to_string());
        let saved = store
            .record_delivery(
                d.id,
                outcome.ok,
                outcome.retryable,
                outcome.status.map(i64::from),
                error.as_deref(),
            )
            .await?;
        match saved.state.as_str() {
            "sent" => pass.sent += 1,
            "failed" => pass.failed += 1,
            _ => {}
        }
    }
    Ok(())
}
