//! A fault-injecting HTTP proxy between the app and a real peer: by request number it answers
//! 429, 500, or a 200 whose body is cut off mid-way, and otherwise forwards unchanged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    RateLimited,
    ServerError,
    CutBody,
    /// 404 notFound, as Gmail answers history.list for an expired startHistoryId.
    NotFound,
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
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or("GET").to_string(),
        first.next().unwrap_or("/").to_string(),
    );
    let mut headers = Vec::new();
    let mut len = 0usize;
    for l in lines.filter(|l| !l.is_empty()) {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_string(), v.trim().to_string());
            if k.eq_ignore_ascii_case("content-length") {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
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
        Fault::Pass | Fault::CutBody => {
            let mut req = http.request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{}", upstream.trim_end_matches('/'), path),
            );
            for (k, v) in &headers {
                if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("content-type")
                {
                    req = req.header(k.as_str(), v.as_str());
                }
            }
            let resp = req.body(body).send().await.map_err(std::io::Error::other)?;
            let status = resp.status().as_u16();
            let ctype = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            let bytes = resp.bytes().await.map_err(std::io::Error::other)?.to_vec();
            (status, ctype, bytes, fault == Fault::CutBody)
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
