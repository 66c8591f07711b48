//! Bounded retries with exponential backoff, shared by both channels.

use std::future::Future;
use std::time::Duration;

use crate::config::RetryPolicy;
use crate::error::NotifyError;
use crate::types::DeliveryOutcome;
use crate::types::DeliveryTarget;

pub(crate) struct RetryResult {
    pub status: Option<u16>,
    pub error: Option<NotifyError>,
    pub attempts: u32,
}

impl RetryResult {
    pub(crate) fn into_outcome(self, target: DeliveryTarget) -> DeliveryOutcome {
        DeliveryOutcome {
            channel: target.channel(),
            target,
            ok: self.error.is_none(),
            status: self.status,
            retryable: self.error.as_ref().is_some_and(NotifyError::is_retryable),
            error: self.error,
            attempts: self.attempts,
        }
    }
}

/// Run `attempt(n)` until it succeeds, fails for good, or the policy's attempts are spent.
/// An error may carry a server-suggested wait (`Retry-After`), capped by the policy.
pub(crate) async fn with_retries<F, Fut>(policy: &RetryPolicy, mut attempt: F) -> RetryResult
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<u16, (NotifyError, Option<Duration>)>>,
{
    let max = policy.max_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        match attempt(n).await {
            Ok(status) => {
                return RetryResult {
                    status: Some(status),
                    error: None,
                    attempts: n,
                };
            }
            Err((error, retry_after)) => {
                if n >= max || !error.is_retryable() {
                    let status = match &error {
                        NotifyError::HttpStatus { status } => Some(*status),
                        NotifyError::Smtp { code, .. } => *code,
                        _ => None,
                    };
                    return RetryResult {
                        status,
                        error: Some(error),
                        attempts: n,
                    };
                }
                let wait =
                    retry_after.map_or_else(|| policy.backoff(n), |w| w.min(policy.max_backoff));
                tokio::time::sleep(wait).await;
            }
        }
    }
}
