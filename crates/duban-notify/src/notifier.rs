//! The notifier: one notification to every configured channel, or to one recorded target.

use crate::config::{NotifierConfig, WebhookConfig};
use crate::email::EmailSender;
use crate::error::NotifyError;
use crate::types::{DeliveryOutcome, DeliveryTarget, Notification};
use crate::webhook::WebhookSender;

/// Delivers notifications to the configured SMTP server and webhooks.
///
/// Designed for an outbox: the platform stores the [`Notification`] and one row per
/// [`Notifier::targets`] entry *before* sending, then calls [`Notifier::deliver_to`] per row
/// and records each [`DeliveryOutcome`]; rows whose outcome is `retryable` are tried again
/// later by the platform's scheduler. [`Notifier::deliver`] does all targets in one call for
/// callers without an outbox.
pub struct Notifier {
    email: Option<EmailSender>,
    /// Each webhook with its HTTP client (its own, as trusted roots may differ per hook).
    webhooks: Vec<(WebhookConfig, WebhookSender)>,
}

impl Notifier {
    /// Check the configuration and build the clients (no network traffic yet).
    pub fn new(config: NotifierConfig) -> Result<Self, NotifyError> {
        let email = config.smtp.as_ref().map(EmailSender::new).transpose()?;
        let mut webhooks = Vec::with_capacity(config.webhooks.len());
        for hook in config.webhooks {
            if hook.secret.is_empty() {
                return Err(NotifyError::Config(format!(
                    "webhook `{}` has an empty secret",
                    hook.url
                )));
            }
            let sender = WebhookSender::new(hook.root_ca_pem.as_deref())?;
            webhooks.push((hook, sender));
        }
        Ok(Notifier { email, webhooks })
    }

    /// Where `n` goes: one e-mail per recipient (if SMTP is configured) and every webhook
    /// subscribed to its event.
    pub fn targets(&self, n: &Notification) -> Vec<DeliveryTarget> {
        let mut targets = Vec::new();
        if self.email.is_some() {
            targets.extend(
                n.recipients
                    .iter()
                    .map(|to| DeliveryTarget::Email { to: to.clone() }),
            );
        }
        targets.extend(
            self.webhooks
                .iter()
                .map(|(h, _)| h)
                .filter(|h| h.wants(&n.event))
                .map(|h| DeliveryTarget::Webhook { url: h.url.clone() }),
        );
        targets
    }

    /// Deliver `n` to one target, with the channel's bounded retries.
    pub async fn deliver_to(&self, n: &Notification, target: &DeliveryTarget) -> DeliveryOutcome {
        if let Err(e) = n.validate() {
            return DeliveryOutcome::rejected(target.clone(), e);
        }
        match target {
            DeliveryTarget::Email { to } => match &self.email {
                Some(email) => email.send(n, to).await,
                None => DeliveryOutcome::rejected(
                    target.clone(),
                    NotifyError::UnknownTarget(format!("{target} (no SMTP configured)")),
                ),
            },
            DeliveryTarget::Webhook { url } => {
                match self.webhooks.iter().find(|(h, _)| &h.url == url) {
                    Some((hook, http)) => http.send(hook, n).await,
                    None => DeliveryOutcome::rejected(
                        target.clone(),
                        NotifyError::UnknownTarget(target.to_string()),
                    ),
                }
            }
        }
    }

    /// Deliver `n` to every target of [`Notifier::targets`], one after the other.
    pub async fn deliver(&self, n: &Notification) -> Vec<DeliveryOutcome> {
        let mut outcomes = Vec::new();
        for target in self.targets(n) {
            outcomes.push(self.deliver_to(n, &target).await);
        }
        outcomes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifier_can_be_shared_across_tasks() {
        // The web platform keeps one Notifier in its state and sends from request handlers.
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Notifier>();
    }

    #[test]
    fn no_channels_means_no_targets() {
        let notifier = Notifier::new(NotifierConfig::default()).unwrap();
        let n = Notification::new("n1", "report.due", "报送提醒", "正文")
            .with_recipient("a@example.org".parse().unwrap());
        assert!(notifier.targets(&n).is_empty());
    }
}
