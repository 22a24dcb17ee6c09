//! The shared Google HTTP client: a fresh token per call (refreshed once on 401), Google's error
//! JSON mapped to `LibreOllamaError`, retries with exponential backoff and full jitter that honour
//! Retry-After, and quota-aware rate limiting. Non-idempotent calls are retried only when Google
//! says it did not process them (429 / rate-limit reasons).

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rand::Rng;
use serde::Deserialize;

use super::endpoints::Endpoint;
use super::ratelimit::{Api, RateLimiter};
use crate::error::{LibreOllamaError, Result};
use crate::vault::SecretString;

/// Supplies access tokens; `force_refresh` after a 401.
pub trait TokenProvider: Send + Sync {
    fn token<'a>(
        &'a self,
        account_id: &'a str,
        force_refresh: bool,
    ) -> BoxFuture<'a, Result<SecretString>>;
}

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
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
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

#[derive(Debug, Deserialize)]
struct GoogleErrorBody {
    error: GoogleError,
}

#[derive(Debug, Deserialize)]
struct GoogleError {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    errors: Vec<GoogleErrorItem>,
}

#[derive(Debug, Deserialize)]
struct GoogleErrorItem {
    #[serde(default)]
    reason: String,
}

/// Google's error as we classify it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub reason: String,
    pub message: String,
}

pub fn parse_error(status: u16, body: &[u8]) -> ApiFailure {
    match serde_json::from_slice::<GoogleErrorBody>(body) {
        Ok(b) => ApiFailure {
            status: if b.error.code != 0 {
                b.error.code
            } else {
                status
            },
            reason: b
                .error
                .errors
                .first()
                .map(|e| e.reason.clone())
                .filter(|r| !r.is_empty())
                .unwrap_or(b.error.status),
            message: b.error.message,
        },
        Err(_) => ApiFailure {
            status,
            reason: String::new(),
            message: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

fn is_rate_limited(f: &ApiFailure) -> bool {
    f.status == 429
        || (f.status == 403
            && matches!(
                f.reason.as_str(),
                "rateLimitExceeded" | "userRateLimitExceeded"
            ))
}

fn service_name(api: Api) -> &'static str {
    match api {
        Api::Gmail => "Gmail",
        Api::Calendar => "Google Calendar",
        Api::Tasks => "Google Tasks",
        Api::OAuth2 => "Google sign-in",
    }
}

pub fn api_of(e: &Endpoint) -> Api {
    match e.api {
        "gmail" => Api::Gmail,
        "calendar" => Api::Calendar,
        "tasks" => Api::Tasks,
        _ => Api::OAuth2,
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

pub struct GoogleClient {
    http: reqwest::Client,
    tokens: Arc<dyn TokenProvider>,
    limiter: Arc<RateLimiter>,
    retry: RetryPolicy,
}

impl GoogleClient {
    pub fn new(
        tokens: Arc<dyn TokenProvider>,
        limiter: Arc<RateLimiter>,
        retry: RetryPolicy,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("LibreOllama/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LibreOllamaError::Internal(format!("HTTP client: {e}")))?;
        Ok(GoogleClient {
            http,
            tokens,
            limiter,
            retry,
        })
    }

    /// Sends one call of `endpoint` to `url` for `account_id` and returns the JSON body
    /// (`Value::Null` for an empty 2xx).
    pub async fn call(
        &self,
        account_id: &str,
        endpoint: &Endpoint,
        url: url::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let api = api_of(endpoint);
        let service = service_name(api);
        let method = reqwest::Method::from_bytes(endpoint.http_method.as_bytes())
            .map_err(|e| LibreOllamaError::Internal(e.to_string()))?;
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let _slot = self
                .limiter
                .acquire(account_id, api, endpoint.quota_units)
                .await;
            let token = self.tokens.token(account_id, false).await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose());
            if let Some(b) = body {
                req = req.json(b);
            }
            let started = std::time::Instant::now();
            let sent = req.send().await;
            let ms = started.elapsed().as_millis() as u64;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    // A request that may have reached Google is repeated only if repeating is safe.
                    let safe = endpoint.idempotent || e.is_connect();
                    let e = e.without_url();
                    tracing::warn!(method = endpoint.http_method, path = endpoint.path, ms, attempt, error = %e, "google request failed");
                    if safe && attempt < self.retry.max_attempts {
                        tokio::time::sleep(self.retry.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(LibreOllamaError::Network {
                        service: service.into(),
                        reason: e.to_string(),
                    });
                }
            };
            let status = resp.status().as_u16();
            let ra = retry_after(&resp);
            let bytes = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(
                        method = endpoint.http_method,
                        path = endpoint.path,
                        status,
                        ms,
                        attempt,
                        "google response cut short"
                    );
                    if endpoint.idempotent && attempt < self.retry.max_attempts {
                        tokio::time::sleep(self.retry.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(LibreOllamaError::Network {
                        service: service.into(),
                        reason: format!("the answer was cut short: {}", e.without_url()),
                    });
                }
            };
            tracing::info!(
                method = endpoint.http_method,
                path = endpoint.path,
                status,
                ms,
                units = endpoint.quota_units,
                attempt,
                "google request"
            );
            if (200..300).contains(&status) {
                if bytes.is_empty() {
                    return Ok(serde_json::Value::Null);
                }
                return serde_json::from_slice(&bytes).map_err(LibreOllamaError::json);
            }
            let failure = parse_error(status, &bytes);
            if status == 401 && !refreshed {
                refreshed = true;
                self.tokens.token(account_id, true).await?;
                attempt -= 1;
                continue;
            }
            if status == 401 {
                return Err(LibreOllamaError::GmailAuth {
                    account: account_id.into(),
                    reason: format!(
                        "{service} refused the refreshed token ({})",
                        failure.message
                    ),
                });
            }
            let retryable = is_rate_limited(&failure) || (status >= 500 && endpoint.idempotent);
            if retryable && attempt < self.retry.max_attempts {
                tokio::time::sleep(self.retry.delay(attempt, ra)).await;
                continue;
            }
            if is_rate_limited(&failure) {
                return Err(LibreOllamaError::RateLimited {
                    service: service.into(),
                    retry_after_secs: ra.map(|d| d.as_secs()).unwrap_or(60),
                });
            }
            return Err(LibreOllamaError::GoogleApi {
                service: service.into(),
                status: failure.status,
                reason: failure.reason,
                message: failure.message,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_error_json_is_parsed() {
        let body = br#"{"error":{"code":403,"message":"Quota exceeded","status":"PERMISSION_DENIED","errors":[{"reason":"userRateLimitExceeded","domain":"usageLimits"}]}}"#;
        let f = parse_error(403, body);
        assert_eq!(f.reason, "userRateLimitExceeded");
        assert!(is_rate_limited(&f));
        let f = parse_error(403, br#"{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED","errors":[{"reason":"insufficientPermissions"}]}}"#);
        assert!(!is_rate_limited(&f));
        let f = parse_error(502, b"<html>bad gateway</html>");
        assert_eq!((f.status, f.reason.as_str()), (502, ""));
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for attempt in 1..20 {
            assert!(p.delay(attempt, None) <= p.cap);
        }
        assert!(p.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
    }
}
