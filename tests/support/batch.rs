//! Google's batch endpoint in front of a real peer that lacks one (emulate): answers
//! `POST /batch/gmail/v1` (and the discovery document's `batchPath`, `/batch`) by sending every
//! inner call to the peer and wrapping the answers as Google documents them (multipart/mixed of
//! application/http, `Content-ID: <response-…>`, in an order of its own). Each inner call is
//! checked against gmail.v1.json: its path must be a method's flatPath and its query
//! parameters that method's parameters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

#[derive(Default)]
pub struct Counts {
    pub envelopes: AtomicU64,
    pub calls: AtomicU64,
    pub largest: AtomicU64,
    /// Inner calls the discovery document does not describe.
    pub off_contract: Mutex<Vec<String>>,
}

pub struct BatchPeer {
    pub base: String,
    pub counts: Arc<Counts>,
}

/// (flatPath split on '/', parameter names) of every GET method in gmail.v1.json.
fn contract() -> Vec<(Vec<String>, Vec<String>)> {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/discovery/gmail.v1.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(Vec<String>, Vec<String>)>) {
        if let Some(methods) = v.get("methods").and_then(|m| m.as_object()) {
            for m in methods.values() {
                if m["httpMethod"] == "GET" {
                    let path = m["flatPath"].as_str().unwrap_or_default();
                    let params = m["parameters"]
                        .as_object()
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default();
                    out.push((path.split('/').map(String::from).collect(), params));
                }
            }
        }
        if let Some(res) = v.get("resources").and_then(|r| r.as_object()) {
            for r in res.values() {
                walk(r, out);
            }
        }
    }
    walk(&doc, &mut out);
    out
}

fn on_contract(contract: &[(Vec<String>, Vec<String>)], target: &str) -> bool {
    let u = url::Url::parse(&format!("http://x{target}")).unwrap();
    let segs: Vec<&str> = u.path().trim_start_matches('/').split('/').collect();
    contract.iter().any(|(pattern, params)| {
        pattern.len() == segs.len()
            && pattern
                .iter()
                .zip(&segs)
                .all(|(p, s)| p.starts_with('{') || p == s)
            && u.query_pairs().all(|(k, _)| params.iter().any(|p| *p == k))
    })
}

pub async fn start(upstream: String) -> BatchPeer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    let contract = Arc::new(contract());
    let http = reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (c, http, upstream, contract) =
                (c.clone(), http.clone(), upstream.clone(), contract.clone());
            tokio::spawn(async move {
                let Some(req) = super::http::read_request(&mut sock).await else {
                    return;
                };
                let head = req.head.clone();
                let header = |name: &str| req.header(name);
                let body = String::from_utf8_lossy(&req.body).to_string();
                let first = head.lines().next().unwrap_or_default().to_string();
                let auth = header("authorization").unwrap_or_default();
                let is_batch =
                    first.starts_with("POST /batch/gmail/v1 ") || first.starts_with("POST /batch ");
                let (status, ctype, payload) = if is_batch {
                    c.envelopes.fetch_add(1, Ordering::SeqCst);
                    let boundary = header("content-type")
                        .and_then(|ct| {
                            ct.split("boundary=")
                                .nth(1)
                                .map(|b| b.trim_matches('"').to_string())
                        })
                        .unwrap_or_default();
                    let mut answers = Vec::new();
                    for part in body.split(&format!("--{boundary}")) {
                        let Some(get) = part.lines().find(|l| l.starts_with("GET ")) else {
                            continue;
                        };
                        let target = get.split(' ').nth(1).unwrap_or("/").to_string();
                        let id = part
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-ID:"))
                            .map(|v| v.trim().trim_matches(['<', '>']).to_string())
                            .unwrap_or_default();
                        if !on_contract(&contract, &target) {
                            c.off_contract.lock().unwrap().push(target.clone());
                        }
                        c.calls.fetch_add(1, Ordering::SeqCst);
                        let r = http
                            .get(format!("{}{}", upstream.trim_end_matches('/'), target))
                            .header("authorization", &auth)
                            .send()
                            .await
                            .unwrap();
                        let st = r.status();
                        let text = r.text().await.unwrap_or_default();
                        answers.push(format!(
                            "Content-Type: application/http\r\nContent-ID: <response-{id}>\r\n\r\nHTTP/1.1 {} {}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{text}\r\n",
                            st.as_u16(),
                            st.canonical_reason().unwrap_or("")
                        ));
                    }
                    c.largest.fetch_max(answers.len() as u64, Ordering::SeqCst);
                    // Google does not promise the order: answer backwards.
                    answers.reverse();
                    let b = "batch_peer_boundary";
                    let mut out = String::new();
                    for a in answers {
                        out.push_str(&format!("--{b}\r\n{a}"));
                    }
                    out.push_str(&format!("--{b}--\r\n"));
                    (
                        200,
                        format!("multipart/mixed; boundary={b}"),
                        out.into_bytes(),
                    )
                } else {
                    // Everything else goes to the peer unchanged.
                    let mut parts = first.split(' ');
                    let (method, target) =
                        (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
                    let mut fwd = http.request(
                        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                        format!("{}{}", upstream.trim_end_matches('/'), target),
                    );
                    fwd = fwd.header("authorization", &auth);
                    if let Some(ct) = header("content-type") {
                        fwd = fwd.header("content-type", ct);
                    }
                    let r = fwd.body(req.body.clone()).send().await.unwrap();
                    let st = r.status().as_u16();
                    (
                        st,
                        "application/json".to_string(),
                        r.bytes().await.unwrap_or_default().to_vec(),
                    )
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    payload.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&payload).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    BatchPeer { base, counts }
}
