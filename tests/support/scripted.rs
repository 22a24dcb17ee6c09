//! A local HTTP server that answers each `METHOD /path` with a scripted response sent piece by
//! piece with pauses (streams as a real server sends them), or cut off early.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct Script {
    pub status: u16,
    pub content_type: &'static str,
    /// (pause before, text) pieces.
    pub pieces: Vec<(u64, String)>,
}

impl Script {
    /// Lines of NDJSON, `pause_ms` apart.
    pub fn ndjson(status: u16, lines: &[&str], pause_ms: u64) -> Script {
        Script {
            status,
            content_type: "application/x-ndjson",
            pieces: lines.iter().map(|l| (pause_ms, format!("{l}\n"))).collect(),
        }
    }

    pub fn json(status: u16, body: &str) -> Script {
        Script {
            status,
            content_type: "application/json; charset=utf-8",
            pieces: vec![(0, body.to_string())],
        }
    }
}

pub struct Scripted {
    pub base: String,
}

/// Serves `routes` ("POST /api/chat" → script); the body is sent chunked, so a script that
/// ends early looks like a server that died mid-reply when `complete` is false.
pub async fn serve(routes: HashMap<&'static str, Script>, complete: bool) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let routes = routes.clone();
            tokio::spawn(async move {
                let Some(req) = super::http::read_request(&mut sock).await else {
                    return;
                };
                let (method, target) = req.method_and_target();
                let key = format!("{method} {target}");
                let script = routes
                    .get(key.as_str())
                    .cloned()
                    .unwrap_or_else(|| Script::json(404, r#"{"error":"no such route"}"#));
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                    script.status, script.content_type
                );
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for (pause, text) in script.pieces {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    let piece = format!("{:x}\r\n{text}\r\n", text.len());
                    if sock.write_all(piece.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = sock.flush().await;
                }
                if complete {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    Scripted { base }
}
