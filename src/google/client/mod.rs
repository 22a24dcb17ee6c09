//! The shared Google HTTP client: a fresh token per call (refreshed once on 401), Google's error
//! JSON mapped to `LibreOllamaError`, retries with exponential backoff and full jitter that honour
//! Retry-After, and quota-aware rate limiting. Non-idempotent calls are retried only when Google
//! says it did not process them (429 / rate-limit reasons).
//!
//! `retry` holds the backoff policy and Retry-After reading, `errors` the classification of
//! Google's error JSON, `batch` the multipart batch request and its reader.

mod batch;
mod errors;
mod retry;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::endpoints::Endpoint;
use super::ratelimit::RateLimiter;
use crate::error::{LibreOllamaError, Result};
use crate::vault::SecretString;

pub use batch::MAX_BATCH;
pub use errors::{api_of, parse_error, ApiFailure};
pub use retry::RetryPolicy;

use errors::{is_rate_limited, service_name};
use retry::{retry_after, MAX_WAIT_IN_REQUEST};

/// Supplies access tokens; `force_refresh` after a 401.
pub trait TokenProvider: Send + Sync {
    fn token<'a>(
        &'a self,
        account_id: &'a str,
        force_refresh: bool,
    ) -> BoxFuture<'a, Result<SecretString>>;
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
            // A wait longer than this is not slept through inside one request: the caller gets
            // RateLimited and its queue or job tries later.
            let too_long = ra.is_some_and(|d| d > MAX_WAIT_IN_REQUEST);
            if retryable && !too_long && attempt < self.retry.max_attempts {
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
