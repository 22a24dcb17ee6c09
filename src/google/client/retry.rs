//! How long to wait before trying a call again: backoff with full jitter, and Google's
//! Retry-After header.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(32),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: uniform in [0, min(cap, base·2^attempt)], but never less than Retry-After.
    pub(super) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let jittered =
            Duration::from_secs_f64(rand::thread_rng().gen_range(0.0..=exp.as_secs_f64()));
        match retry_after {
            Some(ra) => ra.max(jittered).min(self.cap.max(ra)),
            None => jittered,
        }
    }
}

/// The longest Retry-After a request waits out itself.
pub(super) const MAX_WAIT_IN_REQUEST: Duration = Duration::from_secs(120);
/// Retry-After beyond a day is treated as a day (a broken or hostile header).
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

pub(super) fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS)))
}
