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

use crate::auth::Auth;
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
    auth: Auth,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require_admin()?;
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

fn field<'a>(form: &'a HashMap<String, String>, k: &str) -> &'a str {
    super::field(form, k).trim()
}

async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require_admin_form(field(&form, "csrf"))?;
    let old = state.store.notify_settings().await?;
    let old_cfg: NotifierConfig = serde_json::from_value(old.notifier.clone()).unwrap_or_default();
    let mut cfg = NotifierConfig::default();
    if !field(&form, "smtp_host").is_empty() {
        let tls: SmtpTls = field(&form, "smtp_tls").parse().unwrap_or_default();
        let mut smtp = SmtpConfig::new(field(&form, "smtp_host"), field(&form, "smtp_from"), tls);
        if let Ok(p) = field(&form, "smtp_port").parse::<u16>() {
            smtp.port = p;
        }
        let user = field(&form, "smtp_username");
        smtp.username = (!user.is_empty()).then(|| user.to_string());
        // An empty password field keeps the stored one (it is never shown).
        smtp.password = match field(&form, "smtp_password") {
            "" => old_cfg.smtp.as_ref().and_then(|s| s.password.clone()),
            p => Some(p.to_string()),
        };
        cfg.smtp = Some(smtp);
    }
    let url = field(&form, "webhook_url");
    if !url.is_empty() {
        let secret = match field(&form, "webhook_secret") {
            "" => old_cfg
                .webhooks
                .iter()
                .find(|h| h.url == url)
                .map(|h| h.secret.clone())
                .unwrap_or_default(),
            s => s.to_string(),
        };
        if secret.is_empty() {
            return Ok(AppError::Invalid("Webhook 须设置签名密钥".into())
                .with_back("/admin/notifications"));
        }
        let mut hook = WebhookConfig::new(url, secret);
        hook.timeout = Duration::from_secs(10);
        hook.events = field(&form, "webhook_events")
            .split([',', '，', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        cfg.webhooks.push(hook);
    }
    if let Err(e) = duban_notify::Notifier::new(cfg.clone()) {
        return Ok(AppError::Invalid(format!("配置无效：{e}")).with_back("/admin/notifications"));
    }
    let office = field(&form, "office_email");
    let settings = NotifySettings {
        office_email: (!office.is_empty()).then(|| office.to_string()),
        notifier: serde_json::to_value(&cfg).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    state.store.set_notify_settings(&settings).await?;
    Ok(back("已保存通知设置"))
}

async fn save_contact(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require_admin_form(field(&form, "csrf"))?;
    let unit: i64 = field(&form, "unit")
        .parse()
        .map_err(|_| AppError::BadRequest("单位无效".into()))?;
    let email = field(&form, "email");
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
    auth: Auth,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    auth.require_admin_form(field(&form, "csrf"))?;
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
