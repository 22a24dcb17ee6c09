//! A fault-injecting HTTP proxy between the app and a real peer: by request number it answers
//! 429, 500, or a 200 whose body is cut off mid-way, and otherwise forwards unchanged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    RateLimited,
    ServerError,
    CutBody,
    /// 404 notFound, as Gmail answers history.list for an expired startHistoryId.
    NotFound,
    /// A well-formed OpenAI-style streamed chat reply whose text is broken JSON, as a small
    /// model writes when it runs out of tokens mid-object.
    MalformedReply,
    /// The request is read and never forwarded nor answered (the connection stays open).
    Hang,
    /// The request reaches the server; its answer never comes back (the connection stays open).
    HoldReply,
    /// The request reaches the server; its 2xx answer comes back as JSON we cannot read.
    GarbledOk,
}

#[derive(Default)]
pub struct Counts {
    pub requests: AtomicU64,
    pub faults: AtomicU64,
}

pub struct FaultProxy {
    pub base: String,
    pub counts: Arc<Counts>,
}

/// `plan(n, "METHOD /path?query")` decides the fate of the n-th request.
pub async fn start(upstream: String, plan: fn(u64, &str) -> Fault) -> FaultProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    let http = reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (c, http, upstream) = (c.clone(), http.clone(), upstream.clone());
            tokio::spawn(async move {
                let _ = serve(sock, &http, &upstream, &c, plan).await;
            });
        }
    });
    FaultProxy { base, counts }
}

async fn serve(
    mut sock: TcpStream,
    http: &reqwest::Client,
    upstream: &str,
    counts: &Counts,
    plan: fn(u64, &str) -> Fault,
) -> std::io::Result<()> {
    let Some(req_in) = super::http::read_request(&mut sock).await else {
        return Ok(());
    };
    let (method, path) = req_in.method_and_target();
    let (method, path) = (method.to_string(), path.to_string());
    let body = req_in.body.clone();
    let n = counts.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let fault = plan(n, &format!("{method} {path}"));
    if fault != Fault::Pass {
        counts.faults.fetch_add(1, Ordering::SeqCst);
    }
    let google_error = |code: u16, status: &str, reason: &str| {
        format!(
            r#"{{"error":{{"code":{code},"message":"injected","status":"{status}","errors":[{{"reason":"{reason}","message":"injected"}}]}}}}"#
        )
    };
    let (status, ctype, payload, cut) = match fault {
        Fault::RateLimited => (
            429,
            "application/json".to_string(),
            google_error(429, "RESOURCE_EXHAUSTED", "rateLimitExceeded").into_bytes(),
            false,
        ),
        Fault::NotFound => (
            404,
            "application/json".to_string(),
            google_error(404, "NOT_FOUND", "notFound").into_bytes(),
            false,
        ),
        Fault::ServerError => (
            500,
            "application/json".to_string(),
            google_error(500, "INTERNAL", "backendError").into_bytes(),
            false,
        ),
        Fault::MalformedReply => {
            let piece = |t: &str| {
                format!(
                    "data: {}\n\n",
                    serde_json::json!({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                        "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": null}]})
                )
            };
            let mut body = piece("{\"tasks\": [{\"title\": ") + &piece("\"Send the");
            body.push_str(&format!(
                "data: {}\n\ndata: [DONE]\n\n",
                serde_json::json!({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
            ));
            (
                200,
                "text/event-stream".to_string(),
                body.into_bytes(),
                false,
            )
        }
        Fault::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            return Ok(());
        }
        Fault::Pass | Fault::CutBody | Fault::HoldReply | Fault::GarbledOk => {
            let mut fwd = http.request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{}", upstream.trim_end_matches('/'), path),
            );
            for name in ["authorization", "content-type"] {
                if let Some(v) = req_in.header(name) {
                    fwd = fwd.header(name, v);
                }
            }
            let resp = fwd.body(body).send().await.map_err(std::io::Error::other)?;
            let status = resp.status().as_u16();
            let ctype = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            let bytes = resp.bytes().await.map_err(std::io::Error::other)?.to_vec();
            if fault == Fault::HoldReply {
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                return Ok(());
            }
            if fault == Fault::GarbledOk {
                (status, ctype, b"{\"id\": [1, 2".to_vec(), false)
            } else {
                (status, ctype, bytes, fault == Fault::CutBody)
            }
        }
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    sock.write_all(head.as_bytes()).await?;
    if cut {
        // Promise the whole body, send half, hang up.
        sock.write_all(&payload[..payload.len() / 2]).await?;
    } else {
        sock.write_all(&payload).await?;
    }
    sock.flush().await?;
    sock.shutdown().await
}
