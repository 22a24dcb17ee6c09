//! The one-shot loopback redirect listener of RFC 8252 §7.3: bound to 127.0.0.1 only (never a
//! wildcard address), on an ephemeral port unless configured, answering exactly one redirect.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::error::{LibreOllamaError, Result};

pub struct LoopbackListener {
    listener: TcpListener,
    addr: SocketAddr,
}

/// What came back on the redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub code: String,
    pub state: String,
}

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>LibreOllama</title>\
<body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;line-height:1.5\">\
<h1>You are signed in</h1><p>LibreOllama has your account. You can close this tab.</p>";

fn error_page(msg: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>LibreOllama</title>\
<body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;line-height:1.5\">\
<h1>Sign-in did not complete</h1><p>{}</p><p>Return to LibreOllama and try again.</p>",
        msg.replace('&', "&amp;").replace('<', "&lt;")
    )
}

impl LoopbackListener {
    pub async fn bind(port: u16) -> Result<LoopbackListener> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|e| {
                LibreOllamaError::OAuth(format!(
                    "could not listen on 127.0.0.1:{port} for the sign-in redirect: {e}"
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| LibreOllamaError::Internal(e.to_string()))?;
        Ok(LoopbackListener { listener, addr })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }

    /// Waits for the browser's redirect. Requests without `code`/`error` (a favicon, a
    /// prefetch) get a 404 and are ignored. The listener is dropped on return.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<Redirect> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let accepted = tokio::select! {
                _ = cancel.cancelled() => return Err(LibreOllamaError::Cancelled("sign-in".into())),
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(LibreOllamaError::OAuth(format!(
                        "no answer from the browser within {} s; start again and finish signing in there",
                        timeout.as_secs()
                    )))
                }
                a = self.listener.accept() => a,
            };
            let Ok((mut stream, _)) = accepted else {
                continue;
            };
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let params: Vec<(String, String)> =
                url::Url::parse(&format!("http://127.0.0.1{target}"))
                    .map(|u| u.query_pairs().into_owned().collect())
                    .unwrap_or_default();
            let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let Some(err) = get("error") {
                let desc = get("error_description").unwrap_or_default();
                let msg = if err == "access_denied" {
                    "access was not granted in the browser".to_string()
                } else {
                    format!("Google answered {err} {desc}")
                };
                respond(&mut stream, 400, &error_page(&msg)).await;
                return Err(LibreOllamaError::OAuth(msg));
            }
            let (Some(code), Some(state)) = (get("code"), get("state")) else {
                respond(&mut stream, 404, "").await;
                continue;
            };
            if state != expected_state {
                respond(
                    &mut stream,
                    400,
                    &error_page("the answer did not belong to this sign-in"),
                )
                .await;
                return Err(LibreOllamaError::OAuth(
                    "the redirect carried an unknown state; it was ignored for your safety".into(),
                ));
            }
            respond(&mut stream, 200, DONE_PAGE).await;
            return Ok(Redirect { code, state });
        }
    }
}

/// Reads the request head and returns the request target of a GET.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    let read = async {
        while len < buf.len() {
            let n = stream.read(&mut buf[len..]).await.ok()?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()??;
    let head = std::str::from_utf8(&buf[..len]).ok()?;
    let mut parts = head.lines().next()?.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_string()),
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}
