//! The office's notification settings: SMTP server, signed webhooks, the office's copy
//! address and each unit's e-mail contact; the delivery log of the outbox, and a button
//! that delivers what is due now (the background worker does it every few seconds).

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duban_notify::{NotifierConfig, SmtpConfig, SmtpTls, WebhookConfig};
use duban_store::notification::NotifySettings;
use minijinja::context;
use serde::Deserialize;

use crate::auth::Office;
use crate::error::AppError;
use crate::render::{Page, render, url_encode};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/notifications", get(page_view).post(save))
        .route("/admin/notifications/contact", post(save_contact))
        .route("/admin/notifications/deliver", post(deliver_now))
}

fn back(msg: &str) -> Response {
    Redirect::to(&format!("/admin/notifications?message={}", url_encode(msg))).into_response()
}

async fn page_view(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let s = state.store.notify_settings().await?;
    let cfg: NotifierConfig = serde_json::from_value(s.notifier.clone()).unwrap_or_default();
    let contacts: HashMap<i64, String> = state.store.unit_contacts().await?.into_iter().collect();
    let units: Vec<minijinja::Value> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, code => u.code, name => u.name, email => contacts.get(&u.id) })
        .collect();
    let deliveries = state.store.deliveries(100).await?;
    let hook = cfg.webhooks.first();
    Ok(render(
        &state,
        &page,
        "oversight/notifications.html",
        context! {
            office_email => s.office_email,
            smtp => cfg.smtp.as_ref().map(|m| context! {
                host => m.host, port => m.port, from => m.from, username => m.username,
                has_password => m.password.is_some(), tls => serde_json::to_value(m.tls).ok().and_then(|v| v.as_str().map(str::to_string)),
            }),
            webhook => hook.map(|h| context! { url => h.url, events => h.events.join(",") }),
            units => units, deliveries => deliveries, message => q.get("message"),
        },
    )?
    .into_response())
}

/// The settings form. Every field defaults to empty (a missing CSRF token is a 403) and is
/// read trimmed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SettingsForm {
    csrf: String,
    smtp_host: String,
    smtp_port: String,
    smtp_tls: String,
    smtp_from: String,
    smtp_username: String,
    /// Empty keeps the stored password (it is never shown).
    smtp_password: String,
    webhook_url: String,
    /// Empty keeps the stored secret of the same URL.
    webhook_secret: String,
    /// Event names separated by commas or spaces; empty for every event.
    webhook_events: String,
    office_email: String,
}

impl SettingsForm {
    /// The notifier configuration the form describes, keeping the stored password and
    /// secret where their fields were left empty; the message for a webhook without one.
    fn config(&self, old: &NotifierConfig) -> Result<NotifierConfig, String> {
        let mut cfg = NotifierConfig::default();
        let host = self.smtp_host.trim();
        if !host.is_empty() {
            let tls: SmtpTls = self.smtp_tls.trim().parse().unwrap_or_default();
            let mut smtp = SmtpConfig::new(host, self.smtp_from.trim(), tls);
            if let Ok(p) = self.smtp_port.trim().parse::<u16>() {
                smtp.port = p;
            }
            let user = self.smtp_username.trim();
            smtp.username = (!user.is_empty()).then(|| user.to_string());
            smtp.password = match self.smtp_password.trim() {
                "" => old.smtp.as_ref().and_then(|s| s.password.clone()),
                p => Some(p.to_string()),
            };
            cfg.smtp = Some(smtp);
        }
        let url = self.webhook_url.trim();
        if !url.is_empty() {
            let secret = match self.webhook_secret.trim() {
                "" => old
                    .webhooks
                    .iter()
                    .find(|h| h.url == url)
                    .map(|h| h.secret.clone())
                    .unwrap_or_default(),
                s => s.to_string(),
            };
            if secret.is_empty() {
                return Err("Webhook 须设置签名密钥".into());
            }
            let mut hook = WebhookConfig::new(url, secret);
            hook.timeout = Duration::from_secs(10);
            hook.events = self
                .webhook_events
                .trim()
                .split([',', '，', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            cfg.webhooks.push(hook);
        }
        Ok(cfg)
    }
}

async fn save(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let old = state.store.notify_settings().await?;
    let old_cfg: NotifierConfig = serde_json::from_value(old.notifier.clone()).unwrap_or_default();
    let cfg = match form.config(&old_cfg) {
        Ok(cfg) => cfg,
        Err(m) => return Ok(AppError::Invalid(m).with_back("/admin/notifications")),
    };
    if let Err(e) = duban_notify::Notifier::new(cfg.clone()) {
        return Ok(AppError::Invalid(format!("配置无效：{e}")).with_back("/admin/notifications"));
    }
    let office = form.office_email.trim();
    let settings = NotifySettings {
        office_email: (!office.is_empty()).then(|| office.to_string()),
        notifier: serde_json::to_value(&cfg).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    state.store.set_notify_settings(&settings).await?;
    Ok(back("已保存通知设置"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ContactForm {
    csrf: String,
    unit: String,
    email: String,
}

async fn save_contact(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<ContactForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let unit: i64 = form
        .unit
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("单位无效".into()))?;
    let email = form.email.trim();
    if !email.is_empty() && email.parse::<duban_notify::EmailAddress>().is_err() {
        return Ok(AppError::Invalid(format!("“{email}”不是有效的邮箱地址"))
            .with_back("/admin/notifications"));
    }
    state.store.unit(unit).await?;
    state.store.set_unit_contact(unit, email).await?;
    Ok(back("已保存单位联系邮箱"))
}

async fn deliver_now(
    State(state): State<AppState>,
    auth: Office,
    Form(form): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let notifier = crate::oversight::notifier_for(&state.store, None)
        .await
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let Some(notifier) = notifier else {
        return Ok(back("尚未配置邮件或 Webhook，通知保留在发件箱中"));
    };
    let pass = crate::oversight::deliver_outbox(
        &state.store,
        &notifier,
        crate::oversight::DEFAULT_OUTBOX_LEASE,
    )
    .await?;
    Ok(back(&format!(
        "已处理：新通知 {} 条，投递尝试 {} 次，成功 {}，失败 {}",
        pass.dispatched, pass.attempted, pass.sent, pass.failed
    )))
}
