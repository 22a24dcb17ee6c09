//! Google's batch endpoint: up to 50 GET calls sent as one multipart/mixed request, and the
//! reader that splits the multipart answer back into one result per call.

use super::errors::{api_of, is_rate_limited, parse_error, service_name};
use super::retry::{retry_after, MAX_WAIT_IN_REQUEST};
use super::GoogleClient;
use crate::error::{LibreOllamaError, Result};
use crate::google::endpoints::Endpoint;

/// Google accepts up to 100 calls per batch; Gmail asks for 50 at most.
pub const MAX_BATCH: usize = 50;

/// Splits a batch answer (multipart/mixed of application/http parts) into one result per
/// call, matched by Content-ID (`response-itemN`). A call missing from the answer is an error.
pub(super) fn parse_batch(
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

impl GoogleClient {
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
