//! Quota use of an initial sync: a local Gmail fake that serves from memory at once and enforces
//! Gmail's per-user limit (250 quota units per second, a token bucket; over it answers 429
//! rateLimitExceeded, also inside batches), and a full sync of N messages through the real sync
//! engine and Google client. Reports achieved units/s ÷ 250, with and without batching.
//! `cargo bench --no-default-features --features backend --bench sync_quota [-- N]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use libreollama::config::AppConfig;

#[path = "../tests/support/http.rs"]
mod http;
use libreollama::google::gmail::Gmail;
use libreollama::google::GoogleEndpoints;
use libreollama::services::AppServices;
use libreollama::store::accounts;
use libreollama::sync::gmail::GmailSync;
use libreollama::vault::SecretString;

const RATE: f64 = 250.0;

struct Quota {
    tokens: f64,
    last: Instant,
}

#[derive(Default)]
struct Stats {
    served_units: AtomicU64,
    refused: AtomicU64,
    requests: AtomicU64,
}

struct Fake {
    n: usize,
    quota: Mutex<Quota>,
    stats: Stats,
}

impl Fake {
    /// Takes `cost` units if the bucket has them (Google answers 429 otherwise).
    fn take(&self, cost: f64) -> bool {
        let mut q = self.quota.lock().unwrap();
        let now = Instant::now();
        q.tokens = (q.tokens + now.duration_since(q.last).as_secs_f64() * RATE).min(RATE);
        q.last = now;
        if q.tokens >= cost {
            q.tokens -= cost;
            self.stats
                .served_units
                .fetch_add(cost as u64, Ordering::Relaxed);
            true
        } else {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    fn message(&self, id: &str) -> String {
        let i: usize = id.trim_start_matches('m').parse().unwrap_or(0);
        format!(
            r#"{{"id":"{id}","threadId":"t{}","labelIds":["INBOX"],"snippet":"Snippet of message {i} with a few words","historyId":"{}","internalDate":"{}","sizeEstimate":4321,"payload":{{"mimeType":"text/plain","headers":[{{"name":"Subject","value":"Message {i}"}},{{"name":"From","value":"Sender {i} <s{i}@example.com>"}},{{"name":"To","value":"me@example.com"}},{{"name":"Date","value":"Mon, 16 Nov 2026 09:00:00 +0000"}}]}}}}"#,
            i / 3,
            1000 + i,
            1_790_000_000_000u64 - i as u64 * 60_000
        )
    }

    /// (status, content type, body) for one plain call.
    fn answer(&self, target: &str) -> (u16, String, String) {
        let u = url::Url::parse(&format!("http://x{target}")).unwrap();
        let path = u.path().trim_start_matches("/gmail/v1/users/me/");
        let rate_limited = || {
            (
                429,
                "application/json".to_string(),
                r#"{"error":{"code":429,"message":"User-rate limit exceeded","status":"RESOURCE_EXHAUSTED","errors":[{"reason":"rateLimitExceeded"}]}}"#.to_string(),
            )
        };
        let json = |b: String| (200, "application/json".to_string(), b);
        if path == "labels" {
            if !self.take(1.0) {
                return rate_limited();
            }
            return json(r#"{"labels":[{"id":"INBOX","name":"INBOX","type":"system"},{"id":"UNREAD","name":"UNREAD","type":"system"}]}"#.into());
        }
        if path == "messages" {
            if !self.take(5.0) {
                return rate_limited();
            }
            let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
            let size: usize = q
                .get("maxResults")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100);
            let start: usize = q.get("pageToken").and_then(|v| v.parse().ok()).unwrap_or(0);
            let end = (start + size).min(self.n);
            let ids: Vec<String> = (start..end)
                .map(|i| format!(r#"{{"id":"m{i}","threadId":"t{}"}}"#, i / 3))
                .collect();
            let next = if end < self.n {
                format!(r#","nextPageToken":"{end}""#)
            } else {
                String::new()
            };
            return json(format!(
                r#"{{"messages":[{}]{next},"resultSizeEstimate":{}}}"#,
                ids.join(","),
                self.n
            ));
        }
        if let Some(id) = path.strip_prefix("messages/") {
            if !self.take(5.0) {
                return rate_limited();
            }
            return json(self.message(id));
        }
        (
            404,
            "application/json".into(),
            r#"{"error":{"code":404,"message":"Not Found"}}"#.into(),
        )
    }
}

async fn serve(fake: Arc<Fake>, mut sock: tokio::net::TcpStream) {
    let Some(req) = http::read_request(&mut sock).await else {
        return;
    };
    let header = |name: &str| req.header(name);
    fake.stats.requests.fetch_add(1, Ordering::Relaxed);
    let (method, target) = req.method_and_target();
    let (status, ctype, body) = if method == "POST" && target.starts_with("/batch/gmail/v1") {
        let boundary = header("content-type")
            .and_then(|c| c.split("boundary=").nth(1).map(str::to_string))
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&req.body).to_string();
        let mut out = String::new();
        for part in text.split(&format!("--{boundary}")) {
            let Some(get) = part.lines().find(|l| l.starts_with("GET ")) else {
                continue;
            };
            let id = part
                .lines()
                .find_map(|l| l.strip_prefix("Content-ID:"))
                .map(|v| v.trim().trim_matches(['<', '>']).to_string())
                .unwrap_or_default();
            let (st, ct, b) = fake.answer(get.split(' ').nth(1).unwrap_or("/"));
            out.push_str(&format!(
                "--b\r\nContent-Type: application/http\r\nContent-ID: <response-{id}>\r\n\r\nHTTP/1.1 {st} X\r\nContent-Type: {ct}\r\n\r\n{b}\r\n"
            ));
        }
        out.push_str("--b--\r\n");
        (200, "multipart/mixed; boundary=b".to_string(), out)
    } else {
        fake.answer(target)
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body.as_bytes()).await;
    let _ = sock.shutdown().await;
}

async fn run(n: usize, batch: bool) -> (f64, f64, u64, u64) {
    let fake = Arc::new(Fake {
        n,
        quota: Mutex::new(Quota {
            tokens: 0.0,
            last: Instant::now(),
        }),
        stats: Stats::default(),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let f = fake.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(f.clone(), sock));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = AppConfig::for_dir(dir.path());
    cfg.google.endpoints = GoogleEndpoints::single_host(&base);
    let s = AppServices::start(cfg).await.unwrap();
    s.store
        .write(|c| accounts::upsert(c, &accounts::Account::new("acc", "me@example.com")))
        .await
        .unwrap();
    let far = libreollama::store::now_unix() + 86_400;
    s.auth
        .store_account_tokens(
            "acc",
            SecretString::new("bench-access"),
            Some(SecretString::new("bench-refresh")),
            Some(far),
        )
        .await
        .unwrap();
    let sync = GmailSync::new(
        s.store.clone(),
        Gmail::new(s.google.clone(), format!("{base}/"), "acc"),
        "acc",
    );
    sync.use_batch.store(batch, Ordering::Relaxed);
    // Start with the fake's bucket empty so the figure is the steady state, not the burst.
    fake.quota.lock().unwrap().last = Instant::now();
    let started = Instant::now();
    let r = sync
        .run(&tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(r.fetched, n);
    let units = fake.stats.served_units.load(Ordering::Relaxed) as f64;
    (
        units / secs / RATE,
        secs,
        fake.stats.refused.load(Ordering::Relaxed),
        fake.stats.requests.load(Ordering::Relaxed),
    )
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    for batch in [true, false] {
        let (use_ratio, secs, refused, requests) = rt.block_on(run(n, batch));
        println!(
            "initial sync of {n} messages, {}: {:.1} s, quota use {:.1} % of 250 units/s, {requests} HTTP requests, {refused} calls refused with 429",
            if batch { "batched (50 per request)" } else { "one call per message" },
            secs,
            use_ratio * 100.0
        );
    }
}
