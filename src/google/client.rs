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

/// The longest Retry-After a request waits out itself.
const MAX_WAIT_IN_REQUEST: Duration = Duration::from_secs(120);
/// Retry-After beyond a day is treated as a day (a broken or hostile header).
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS)))
}

/// Google accepts up to 100 calls per batch; Gmail asks for 50 at most.
pub const MAX_BATCH: usize = 50;

/// Splits a batch answer (multipart/mixed of application/http parts) into one result per
/// call, matched by Content-ID (`response-itemN`). A call missing from the answer is an error.
fn parse_batch(
    content_type: &str,
    body: &[u8],
    n: usize,
    service: &str,
) -> Result<Vec<Result<serde_json::Value>>> {
    let bad = |reason: String| LibreOllamaError::Serialization {
        format: "Google batch answer".into(),
        reason,
    };
    let mut doc = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    doc.extend_from_slice(body);
    // mail-parser 0.11 `debug_assert!`s on some nested parts: a debug build must not lose its
    // thread to an answer it cannot read (see `mail::parse::read_message`).
    let msg = std::panic::catch_unwind(|| mail_parser::MessageParser::default().parse(&doc))
        .ok()
        .flatten()
        .ok_or_else(|| bad("not a MIME document".into()))?;
    let mut out: Vec<Option<Result<serde_json::Value>>> = (0..n).map(|_| None).collect();
    for part in msg.parts.iter().skip(1) {
        use mail_parser::MimeHeaders;
        let Some(id) = part.content_id() else {
            continue;
        };
        let Some(idx) = id
            .trim_matches(['<', '>'])
            .rsplit("item")
            .next()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|i| *i < n)
        else {
            continue;
        };
        let raw = part.contents();
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        // A garbled answer fails its own call, not the other calls of the batch.
        let head_len = match resp.parse(raw) {
            Ok(httparse::Status::Complete(len)) => len,
            _ => {
                out[idx] = Some(Err(bad(format!(
                    "the answer to call {idx} has no HTTP head"
                ))));
                continue;
            }
        };
        let status = resp.code.unwrap_or(0);
        let inner = &raw[head_len..];
        out[idx] = Some(if (200..300).contains(&status) {
            if inner.iter().all(|b| b.is_ascii_whitespace()) {
                Ok(serde_json::Value::Null)
            } else {
                serde_json::from_slice(inner).map_err(LibreOllamaError::json)
            }
        } else {
            let f = parse_error(status, inner);
            if is_rate_limited(&f) {
                Err(LibreOllamaError::RateLimited {
                    service: service.into(),
                    retry_after_secs: 1,
                })
            } else {
                Err(LibreOllamaError::GoogleApi {
                    service: service.into(),
                    status: f.status,
                    reason: f.reason,
                    message: f.message,
                })
            }
        });
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or_else(|| bad(format!("call {i} is missing from the answer"))))
        .collect()
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

    /// Sends up to 50 GET calls of `endpoint` as one batch request (`batch_url`, e.g.
    /// `https://gmail.googleapis.com/batch/gmail/v1`) and returns one result per URL, in order.
    /// The quota is that of every call inside; the envelope is retried like a GET.
    pub async fn batch_get(
        &self,
        account_id: &str,
        batch_url: &url::Url,
        endpoint: &Endpoint,
        urls: &[url::Url],
    ) -> Result<Vec<Result<serde_json::Value>>> {
        if urls.len() > MAX_BATCH {
            return Err(LibreOllamaError::Internal(format!(
                "a batch holds at most {MAX_BATCH} calls, not {}",
                urls.len()
            )));
        }
        let api = api_of(endpoint);
        let service = service_name(api);
        let boundary = format!("batch_libreollama_{:016x}", rand::random::<u64>());
        let mut body = String::new();
        for (i, u) in urls.iter().enumerate() {
            let target = match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            };
            body.push_str(&format!(
                "--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{i}>\r\n\r\nGET {target} HTTP/1.1\r\n\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let units = endpoint.quota_units.saturating_mul(urls.len() as u32);
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let _slot = self.limiter.acquire(account_id, api, units).await;
            let token = self.tokens.token(account_id, false).await?;
            let started = std::time::Instant::now();
            let sent = self
                .http
                .post(batch_url.clone())
                .bearer_auth(token.expose())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    format!("multipart/mixed; boundary={boundary}"),
                )
                .body(body.clone())
                .send()
                .await;
            let ms = started.elapsed().as_millis() as u64;
            let outcome = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let ra = retry_after(&resp);
                    let ctype = resp
                        .headers()
                        .get(reqwest::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    match resp.bytes().await {
                        Ok(bytes) => Ok((status, ra, ctype, bytes)),
                        Err(e) => Err(format!("the answer was cut short: {}", e.without_url())),
                    }
                }
                Err(e) => Err(e.without_url().to_string()),
            };
            let (status, ra, ctype, bytes) = match outcome {
                Ok(o) => o,
                Err(reason) => {
                    tracing::warn!(path = "batch", calls = urls.len(), ms, attempt, error = %reason, "google batch failed");
                    if attempt < self.retry.max_attempts {
                        tokio::time::sleep(self.retry.delay(attempt, None)).await;
                        continue;
                    }
                    return Err(LibreOllamaError::Network {
                        service: service.into(),
                        reason,
                    });
                }
            };
            tracing::info!(
                path = "batch",
                calls = urls.len(),
                status,
                ms,
                units,
                attempt,
                "google batch"
            );
            if (200..300).contains(&status) {
                return parse_batch(&ctype, &bytes, urls.len(), service);
            }
            let failure = parse_error(status, &bytes);
            if status == 401 && !refreshed {
                refreshed = true;
                self.tokens.token(account_id, true).await?;
                attempt -= 1;
                continue;
            }
            let too_long = ra.is_some_and(|d| d > MAX_WAIT_IN_REQUEST);
            if (is_rate_limited(&failure) || status >= 500)
                && !too_long
                && attempt < self.retry.max_attempts
            {
                tokio::time::sleep(self.retry.delay(attempt, ra)).await;
                continue;
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
    fn batch_answers_are_split_by_content_id() {
        let body =
            "--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n\
HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n\
{\"error\":{\"code\":404,\"message\":\"Not Found\",\"errors\":[{\"reason\":\"notFound\"}]}}\r\n\
--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"id\":\"m0\"}\r\n\
--batch_x--\r\n";
        let r = parse_batch(
            "multipart/mixed; boundary=batch_x",
            body.as_bytes(),
            2,
            "Gmail",
        )
        .unwrap();
        assert_eq!(r[0].as_ref().unwrap()["id"], "m0");
        assert!(matches!(
            r[1],
            Err(LibreOllamaError::GoogleApi { status: 404, .. })
        ));
        let missing = parse_batch(
            "multipart/mixed; boundary=batch_x",
            body.as_bytes(),
            3,
            "Gmail",
        );
        assert!(missing.is_err());
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for attempt in 1..20 {
            assert!(p.delay(attempt, None) <= p.cap);
        }
        assert!(p.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
    }
    /// mail-parser 0.11 `debug_assert!`s on a message/rfc822 inside a message/rfc822 inside a
    /// multipart (found by fuzz_mail's `damaged_real_mail_parses_or_is_refused`); a batch
    /// answer shaped so is an error or results, not a panic.
    #[test]
    fn a_batch_answer_with_nested_messages_does_not_panic() {
        let body = "--B\ncontent-type: message/rfc822\n\nContent-Type: message/rfc822\n\n\
Subject: inner\n\nbody\n--B--\n";
        let r = parse_batch(
            "multipart/mixed; boundary=\"B\"",
            body.as_bytes(),
            1,
            "Gmail",
        );
        assert!(
            matches!(r, Err(LibreOllamaError::Serialization { .. })),
            "{r:?}"
        );
    }

    /// Found by `each_call_gets_its_own_answer`: one part whose HTTP status line
    /// was garbled failed the whole batch, so 49 good answers were thrown away with it.
    #[test]
    fn a_call_with_a_broken_http_head_fails_alone() {
        let body = "--b\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\n\
HTTP/1.1 200 OK\r\n\r\n{\"id\":\"m0\"}\r\n\
--b\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n\
HTP/1.1 two hundred\r\n\r\n{\"id\":\"m1\"}\r\n--b--\r\n";
        let r = parse_batch("multipart/mixed; boundary=b", body.as_bytes(), 2, "Gmail").unwrap();
        assert_eq!(r[0].as_ref().unwrap()["id"], "m0");
        assert!(matches!(r[1], Err(LibreOllamaError::Serialization { .. })));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Cases per property, or PROPTEST_CASES (see tests/fuzz_mail.rs for the time budget).
        fn config(default: u32) -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default);
            ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        #[derive(Debug, Clone)]
        struct Part {
            id: String,
            head: String,
            headers: usize,
            body: String,
        }

        fn part(n: usize) -> impl Strategy<Value = Part> {
            let id = prop_oneof![
                6 => (0..n + 2).prop_map(|i| format!("<response-item{i}>")),
                1 => (0..n + 2).prop_map(|i| format!("response-item{i}")),
                1 => Just("<response-item18446744073709551616>".to_string()),
                1 => Just("<response-item-1>".to_string()),
                1 => Just(String::new()),
                1 => "\\PC{0,12}",
            ];
            let head = prop_oneof![
                6 => Just("HTTP/1.1 200 OK".to_string()),
                2 => Just("HTTP/1.1 404 Not Found".to_string()),
                1 => Just("HTTP/1.1 429 Too Many Requests".to_string()),
                1 => Just("HTTP/1.1 99999 Huge".to_string()),
                1 => Just("HTTP/1.1 2OO OK".to_string()),
                1 => Just("HTTP/9.9 200 OK".to_string()),
                1 => Just("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616".to_string()),
                1 => Just("HTTP/1.1 200 OK\r\nContent-Length: -1".to_string()),
                1 => Just(String::new()),
                1 => "\\PC{0,20}",
            ];
            let body = prop_oneof![
                4 => Just("{\"id\":\"m\",\"internalDate\":\"1700000000000\"}".to_string()),
                1 => Just(String::new()),
                1 => Just("{\"error\":{\"code\":99999,\"message\":\"x\"}}".to_string()),
                1 => Just("{\"error\":{\"code\":403,\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}".to_string()),
                1 => Just("{\"error\":{\"code\":\"403\",\"errors\":{}}}".to_string()),
                1 => Just("{\"size\":1e999}".to_string()),
                1 => Just("{\"id\":".to_string()),
                1 => "\\PC{0,40}",
            ];
            // Up to 40 headers: more than the 32 the reader has room for.
            (
                id,
                head,
                prop_oneof![6 => Just(1usize), 1 => 0usize..40],
                body,
            )
                .prop_map(|(id, head, headers, body)| Part {
                    id,
                    head,
                    headers,
                    body,
                })
        }

        fn batch() -> impl Strategy<Value = (String, String, usize, Vec<u8>, Option<usize>)> {
            (1usize..6, "[A-Za-z0-9_'()+,./:=?-]{1,30}")
                .prop_flat_map(|(n, boundary)| {
                    let ctype = prop_oneof![
                        6 => Just(format!("multipart/mixed; boundary={boundary}")),
                        1 => Just(format!("multipart/mixed; boundary=\"{boundary}\"")),
                        1 => Just("multipart/mixed; boundary=other".to_string()),
                        1 => Just("multipart/mixed".to_string()),
                        1 => Just("application/json".to_string()),
                        1 => Just(String::new()),
                        1 => "\\PC{0,30}",
                    ];
                    (
                        Just(n),
                        Just(boundary),
                        ctype,
                        prop::collection::vec(part(n), 0..n + 3),
                        any::<bool>(),
                        prop::option::of(any::<prop::sample::Index>()),
                        prop::collection::vec(any::<u8>(), 0..40),
                    )
                })
                .prop_map(|(n, boundary, ctype, parts, close, cut, junk)| {
                    let mut body = Vec::new();
                    for p in &parts {
                        body.extend_from_slice(
                            format!("--{boundary}\r\nContent-Type: application/http\r\n")
                                .as_bytes(),
                        );
                        if !p.id.is_empty() {
                            body.extend_from_slice(format!("Content-ID: {}\r\n", p.id).as_bytes());
                        }
                        body.extend_from_slice(format!("\r\n{}\r\n", p.head).as_bytes());
                        for h in 0..p.headers {
                            body.extend_from_slice(format!("X-H{h}: v\r\n").as_bytes());
                        }
                        body.extend_from_slice(format!("\r\n{}\r\n", p.body).as_bytes());
                    }
                    if close {
                        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
                    }
                    body.extend_from_slice(&junk);
                    let cut = cut.map(|i| i.index(body.len() + 1));
                    if let Some(c) = cut {
                        body.truncate(c);
                    }
                    (ctype, boundary, n, body, cut)
                })
        }

        fn well_formed() -> impl Strategy<Value = (usize, Vec<(u16, bool)>)> {
            (1usize..8).prop_flat_map(|n| {
                (
                    Just(n),
                    prop::collection::vec(
                        (
                            // 0: a garbled status line.
                            prop::sample::select(vec![
                                0u16, 200, 204, 400, 403, 404, 429, 500, 503,
                            ]),
                            any::<bool>(),
                        ),
                        n,
                    ),
                )
            })
        }

        proptest! {
            #![proptest_config(config(4000))]

            /// Whatever comes back (wrong or absent boundary, cut anywhere, garbled inner
            /// status lines, too many headers, huge lengths): one typed result per call, or a
            /// typed error for the whole answer; never a panic.
            #[test]
            fn any_batch_answer_gives_one_result_per_call((ctype, _boundary, n, body, _cut) in batch()) {
                match parse_batch(&ctype, &body, n, "Gmail") {
                    Ok(r) => {
                        prop_assert_eq!(r.len(), n);
                        for x in r {
                            match x {
                                Ok(_)
                                | Err(LibreOllamaError::GoogleApi { .. })
                                | Err(LibreOllamaError::RateLimited { .. })
                                | Err(LibreOllamaError::Serialization { .. }) => {}
                                Err(e) => prop_assert!(false, "untyped per-call error {e:?}"),
                            }
                        }
                    }
                    Err(LibreOllamaError::Serialization { .. }) => {}
                    Err(e) => prop_assert!(false, "unexpected {e:?}"),
                }
            }

            /// A well-formed answer, parts in any order: each call gets its own answer, and a
            /// part with a garbled status line fails only its own call.
            #[test]
            fn each_call_gets_its_own_answer((n, answers) in well_formed(), order in any::<prop::sample::Index>()) {
                let mut idx: Vec<usize> = (0..n).collect();
                idx.rotate_left(order.index(n));
                let mut body = String::new();
                for &i in &idx {
                    let (status, json) = answers[i];
                    let head = if status == 0 {
                        "HTP/1.1 two hundred".to_string()
                    } else {
                        format!("HTTP/1.1 {status} X")
                    };
                    let inner = if status >= 300 {
                        format!("{{\"error\":{{\"code\":{status},\"message\":\"m{i}\",\"errors\":[{{\"reason\":\"r{i}\"}}]}}}}")
                    } else if json {
                        format!("{{\"id\":\"m{i}\"}}")
                    } else {
                        String::new()
                    };
                    body.push_str(&format!(
                        "--b_1\r\nContent-Type: application/http\r\nContent-ID: <response-item{i}>\r\n\r\n{head}\r\nContent-Type: application/json\r\n\r\n{inner}\r\n"
                    ));
                }
                body.push_str("--b_1--\r\n");
                let r = parse_batch("multipart/mixed; boundary=b_1", body.as_bytes(), n, "Gmail").unwrap();
                for (i, x) in r.into_iter().enumerate() {
                    let (status, json) = answers[i];
                    match (status, x) {
                        (0, x) => prop_assert!(
                            matches!(x, Err(LibreOllamaError::Serialization { .. })),
                            "call {i}: {x:?}"
                        ),
                        (429, Err(LibreOllamaError::RateLimited { .. })) => {}
                        (s, Err(LibreOllamaError::GoogleApi { status, message, .. })) if s >= 300 => {
                            prop_assert_eq!(status, s);
                            prop_assert_eq!(message, format!("m{i}"));
                        }
                        (_, Ok(v)) if json => prop_assert_eq!(&v["id"], &format!("m{i}")),
                        (_, Ok(v)) => prop_assert!(v.is_null()),
                        (s, x) => prop_assert!(false, "call {i} ({s}): {x:?}"),
                    }
                }
            }
        }
    }
}
