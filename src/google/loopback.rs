//! The loopback redirect listener of RFC 8252 §7.3: bound to 127.0.0.1 only (never a wildcard
//! address), on an ephemeral port unless configured, waiting for the one redirect that carries
//! the pending `state`.
//!
//! Anything else that reaches the port — a favicon request, a stray page, a browser's
//! speculative connection that never sends a byte, a forged `state` — is answered and ignored;
//! the wait goes on until the real redirect, the overall timeout or a cancel. Connections are
//! served side by side, each with its own read deadline and a cap on the request head, so no
//! client can hold up another. The authorization `code` never appears in a log line, an error
//! or a page.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::{LibreOllamaError, Result};

/// The largest request head accepted, request line and headers together.
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its whole request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; a new one beyond this closes the oldest.
const MAX_CONNECTIONS: usize = 64;
/// The most headers a request may carry (browsers send about twenty).
const MAX_HEADERS: usize = 64;
/// How long writing an answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a refused request's rest is read before the connection is closed.
const MAX_LINGER: Duration = Duration::from_secs(2);

pub struct LoopbackListener {
    listener: TcpListener,
    addr: SocketAddr,
    read_timeout: Duration,
}

/// What came back on the redirect. Its `Debug` leaves the code out.
#[derive(Clone, PartialEq, Eq)]
pub struct Redirect {
    pub code: String,
    pub state: String,
}

impl fmt::Debug for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redirect")
            .field("code", &"<redacted>")
            .field("state", &self.state)
            .finish()
    }
}

/// Why a request head could not be read. Never carries the request's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request head is larger than {MAX_REQUEST_HEAD} bytes")]
    TooLarge,
    #[error("the request has more than {MAX_HEADERS} headers")]
    TooManyHeaders,
    #[error("the request is not valid HTTP/1.x")]
    Malformed,
    #[error("the request target is not a path")]
    NotOriginForm,
    #[error("the query parameter {0} is not UTF-8 once decoded")]
    InvalidUtf8(&'static str),
    #[error("the query parameter {0} appears more than once")]
    DuplicateParam(&'static str),
}

/// The query parameters of the redirect that matter here. Its `Debug` leaves the code out.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("state", &self.state)
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

/// A complete request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRequest {
    pub method: String,
    /// The target's path, not decoded, without the query.
    pub path: String,
    pub params: CallbackParams,
}

/// The result of looking at the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedHead {
    /// The head has not ended yet; read more.
    Partial,
    Complete(CallbackRequest),
}

/// Parses a request head (pure; any bytes give a result or a typed error). Heads larger than
/// [`MAX_REQUEST_HEAD`] are refused even when complete.
pub fn parse_request_head(buf: &[u8]) -> std::result::Result<ParsedHead, RequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let status = match req.parse(buf) {
        Ok(s) => s,
        Err(httparse::Error::TooManyHeaders) => return Err(RequestError::TooManyHeaders),
        Err(_) => return Err(RequestError::Malformed),
    };
    let head_len = match status {
        httparse::Status::Partial if buf.len() >= MAX_REQUEST_HEAD => {
            return Err(RequestError::TooLarge)
        }
        httparse::Status::Partial => return Ok(ParsedHead::Partial),
        httparse::Status::Complete(n) => n,
    };
    if head_len > MAX_REQUEST_HEAD {
        return Err(RequestError::TooLarge);
    }
    let (Some(method), Some(target)) = (req.method, req.path) else {
        return Err(RequestError::Malformed);
    };
    if !target.starts_with('/') {
        return Err(RequestError::NotOriginForm);
    }
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(ParsedHead::Complete(CallbackRequest {
        method: method.to_string(),
        path: path.to_string(),
        params: parse_query(query)?,
    }))
}

/// Parses an `application/x-www-form-urlencoded` query (`+` is a space; a `%` not followed by
/// two hex digits stays as it is) and keeps the parameters of the redirect. Each of those may
/// appear once (RFC 6749 §3.1) and must be UTF-8 once decoded; other parameters are skipped.
pub fn parse_query(query: &str) -> std::result::Result<CallbackParams, RequestError> {
    let mut params = CallbackParams::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name);
        let (key, slot) = match name.as_slice() {
            b"state" => ("state", &mut params.state),
            b"code" => ("code", &mut params.code),
            b"error" => ("error", &mut params.error),
            b"error_description" => ("error_description", &mut params.error_description),
            _ => continue,
        };
        if slot.is_some() {
            return Err(RequestError::DuplicateParam(key));
        }
        let value =
            String::from_utf8(percent_decode(value)).map_err(|_| RequestError::InvalidUtf8(key))?;
        *slot = Some(value);
    }
    Ok(params)
}

fn percent_decode(s: &str) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(if b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    out
}

/// Compares without stopping at the first difference.
fn same_state(got: &str, expected: &str) -> bool {
    let (a, b) = (got.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// What one connection's request means for the sign-in.
enum Verdict {
    /// Answered and ignored; keep waiting.
    Ignore { status: u16, page: String },
    /// The redirect: the sign-in ends with this.
    Done(Result<Redirect>),
}

fn judge(req: CallbackRequest, expected_state: &str) -> Verdict {
    if req.method != "GET" {
        return Verdict::Ignore {
            status: 405,
            page: notice_page("This address only receives the sign-in answer."),
        };
    }
    if req.path != "/" {
        return Verdict::Ignore {
            status: 404,
            page: notice_page("Not found."),
        };
    }
    let p = req.params;
    let Some(state) = p.state else {
        return Verdict::Ignore {
            status: 400,
            page: notice_page("This address only receives the sign-in answer."),
        };
    };
    if !same_state(&state, expected_state) {
        tracing::warn!("auth: a redirect with an unknown state reached the listener; ignored");
        return Verdict::Ignore {
            status: 400,
            page: error_page(
                "the answer did not belong to this sign-in. If you are still signing in, finish in the latest browser tab",
            ),
        };
    }
    if let Some(err) = p.error {
        let msg = if err == "access_denied" {
            "access was not granted in the browser".to_string()
        } else {
            let desc = p.error_description.unwrap_or_default();
            format!("Google answered {} {}", printable(&err), printable(&desc))
                .trim_end()
                .to_string()
        };
        return Verdict::Done(Err(LibreOllamaError::OAuth(msg)));
    }
    match p.code.filter(|c| !c.is_empty()) {
        Some(code) => Verdict::Done(Ok(Redirect { code, state })),
        None => Verdict::Ignore {
            status: 400,
            page: error_page("the answer carried no sign-in code"),
        },
    }
}

/// Text from the redirect, fit for a message: no control characters, at most 200 characters.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>LibreOllama</title>\
<body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;line-height:1.5\">\
<h1>You are signed in</h1><p>LibreOllama has your account. You can close this tab.</p>";

fn error_page(msg: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>LibreOllama</title>\
<body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;line-height:1.5\">\
<h1>Sign-in did not complete</h1><p>{}</p><p>Return to LibreOllama and try again.</p>",
        escape_html(msg)
    )
}

fn notice_page(msg: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>LibreOllama</title><p>{}</p>",
        escape_html(msg)
    )
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
        Ok(LoopbackListener {
            listener,
            addr,
            read_timeout: READ_TIMEOUT,
        })
    }

    /// How long one connection may take to send its request head ([`READ_TIMEOUT`] unless set).
    pub fn with_read_timeout(mut self, read_timeout: Duration) -> LoopbackListener {
        self.read_timeout = read_timeout;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }

    /// Waits for the browser's redirect to `/` carrying `expected_state`: a `code` completes it,
    /// an `error` ends it with that error. Every other request is answered and ignored. Ends
    /// with an error after `timeout` or on `cancel`. The listener, and every connection still
    /// open, is dropped on return.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<Redirect> {
        let deadline = tokio::time::Instant::now() + timeout;
        let expected: Arc<str> = Arc::from(expected_state);
        let (tx, mut rx) = mpsc::channel::<Result<Redirect>>(1);
        // Dropping the set on return aborts the connections still being served.
        let mut connections = JoinSet::new();
        let mut oldest_first: std::collections::VecDeque<tokio::task::AbortHandle> =
            std::collections::VecDeque::new();
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(LibreOllamaError::Cancelled("sign-in".into())),
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(LibreOllamaError::OAuth(format!(
                        "no answer from the browser within {} s; start again and finish signing in there",
                        timeout.as_secs()
                    )))
                }
                Some(outcome) = rx.recv() => return outcome,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        // Full: the oldest connection goes, not the newest. Someone holding
                        // idle connections open cannot lock out the browser's redirect, which
                        // sends its request at once and so is never the oldest for long.
                        oldest_first.retain(|h| !h.is_finished());
                        if oldest_first.len() >= MAX_CONNECTIONS {
                            if let Some(h) = oldest_first.pop_front() {
                                h.abort();
                                tracing::warn!("auth: too many connections to the redirect listener; the oldest was closed");
                            }
                        }
                        let (expected, tx) = (expected.clone(), tx.clone());
                        let read_timeout = self.read_timeout;
                        oldest_first.push_back(connections.spawn(async move {
                            if let Some(outcome) = serve(stream, &expected, read_timeout).await {
                                let _ = tx.send(outcome).await;
                            }
                        }));
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "auth: redirect listener accept failed");
                        // Out of descriptors and the like: do not spin.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
            }
        }
    }
}

/// Serves one connection: reads its head (within `read_timeout`), answers it, and returns the
/// sign-in's outcome if this was the redirect. The answer is written before the outcome is
/// handed over, so the browser gets its page.
async fn serve(
    mut stream: TcpStream,
    expected_state: &str,
    read_timeout: Duration,
) -> Option<Result<Redirect>> {
    let mut buf = Vec::with_capacity(2048);
    let read = tokio::time::timeout(read_timeout, read_head(&mut stream, &mut buf)).await;
    // A refused head may still be arriving: read its rest before closing, so the client sees
    // the answer rather than a reset.
    let (verdict, drain) = match read {
        // Sent nothing in time (a speculative connection) or hung up: close quietly.
        Err(_) | Ok(Ok(None)) if buf.is_empty() => return None,
        Ok(Ok(None)) => return None,
        Err(_) => (
            Verdict::Ignore {
                status: 408,
                page: notice_page("The request took too long."),
            },
            true,
        ),
        Ok(Ok(Some(req))) => (judge(req, expected_state), false),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "auth: unreadable request at the redirect listener");
            let status = match e {
                RequestError::TooLarge | RequestError::TooManyHeaders => 431,
                _ => 400,
            };
            let page = notice_page("This address only receives the sign-in answer.");
            (Verdict::Ignore { status, page }, true)
        }
    };
    let drain = drain.then_some(read_timeout.min(MAX_LINGER));
    match verdict {
        Verdict::Ignore { status, page } => {
            respond(&mut stream, status, &page, drain).await;
            None
        }
        Verdict::Done(Ok(redirect)) => {
            respond(&mut stream, 200, DONE_PAGE, None).await;
            Some(Ok(redirect))
        }
        Verdict::Done(Err(e)) => {
            let page = match &e {
                LibreOllamaError::OAuth(msg) => error_page(msg),
                _ => error_page("the sign-in failed"),
            };
            respond(&mut stream, 400, &page, None).await;
            Some(Err(e))
        }
    }
}

/// Reads until the request head is complete. `Ok(None)`: the peer closed before that.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::result::Result<Option<CallbackRequest>, RequestError> {
    let mut chunk = [0u8; 2048];
    loop {
        let room = MAX_REQUEST_HEAD.saturating_sub(buf.len()).min(chunk.len());
        let n = match stream.read(&mut chunk[..room]).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        match parse_request_head(buf)? {
            ParsedHead::Complete(req) => return Ok(Some(req)),
            ParsedHead::Partial => {}
        }
    }
}

/// Writes the answer and closes. With `drain`, first reads (for at most that long) what the
/// client is still sending.
async fn respond(stream: &mut TcpStream, status: u16, body: &str, drain: Option<Duration>) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Not Found",
    };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(resp.as_bytes()).await?;
        stream.shutdown().await
    };
    if tokio::time::timeout(WRITE_TIMEOUT, write).await.is_err() {
        return;
    }
    let Some(linger) = drain else { return };
    let rest = async {
        let mut sink = [0u8; 2048];
        let mut drained = 0;
        while drained < 4 * MAX_REQUEST_HEAD {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = tokio::time::timeout(linger, rest).await;
}
