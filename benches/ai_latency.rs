//! Time to first token and pieces per second through our client and service layer vs a raw
//! HTTP client, against the same llama.cpp server (xllamacpp + SmolLM2-135M, installed by
//! `scripts/setup.sh test`), same prompt, alternating, in one run. Reports medians and ratios.
//! `cargo bench --no-default-features --features backend --bench ai_latency [-- RUNS]`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use libreollama::ai::openai::{Client, Timeouts};
use libreollama::ai::{ChatMessage, Options};
use tokio_util::sync::CancellationToken;

const PROMPT: &str = "List ten fruits, one per line.";
const MAX_TOKENS: u32 = 64;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// (time to first piece ms, pieces, total ms) with a bare reqwest client reading the SSE lines.
async fn raw(base: &str, model: &str) -> (f64, usize, f64) {
    let started = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/chat/completions"))
        .json(&serde_json::json!({
            "model": model,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": true,
            "max_tokens": MAX_TOKENS,
        }))
        .send()
        .await
        .unwrap();
    let mut stream = resp.bytes_stream();
    let (mut first, mut pieces, mut buf) = (None, 0usize, String::new());
    while let Some(chunk) = stream.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            let data = event.trim().trim_start_matches("data:").trim();
            if data == "[DONE]" {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
                if v["choices"][0]["delta"]["content"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty())
                {
                    first.get_or_insert(started.elapsed().as_secs_f64() * 1000.0);
                    pieces += 1;
                }
            }
        }
    }
    (
        first.unwrap_or(f64::NAN),
        pieces,
        started.elapsed().as_secs_f64() * 1000.0,
    )
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache")
        })
        .join("libreollama/peers");
    let port = 28_000 + (std::process::id() % 1000) as u16;
    let mut server = Command::new(cache.join("venv/bin/python"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/llama_server.py"
        ))
        .arg(cache.join("models/SmolLM2-135M-Instruct.Q4_1.gguf"))
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the llama.cpp peer (scripts/setup.sh test)");
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !reqwest::get(format!("{base}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "llama.cpp did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let ours = Client::new(&base, None, Timeouts::default()).unwrap();
        let model = ours.models().await.unwrap()[0].id.clone();
        let msgs = [ChatMessage::new("user", PROMPT)];
        // Warm-up: load caches on both paths.
        let _ = raw(&base, &model).await;
        let _ = ours
            .chat_stream(
                &model,
                &msgs,
                &Options::max_tokens(MAX_TOKENS),
                &CancellationToken::new(),
                |_| {},
            )
            .await;
        let (mut ttft_raw, mut ttft_ours, mut rate_raw, mut rate_ours) =
            (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let (t, n, total) = raw(&base, &model).await;
            ttft_raw.push(t);
            rate_raw.push(n as f64 / ((total - t) / 1000.0));
            let o = ours
                .chat_stream(
                    &model,
                    &msgs,
                    &Options::max_tokens(MAX_TOKENS),
                    &CancellationToken::new(),
                    |_| {},
                )
                .await
                .unwrap();
            let t = o.first_token_ms.unwrap();
            ttft_ours.push(t);
            rate_ours.push(o.chunks as f64 / ((o.total_ms - t) / 1000.0));
        }
        let (tr, to) = (median(ttft_raw), median(ttft_ours));
        let (rr, ro) = (median(rate_raw), median(rate_ours));
        println!("{runs} runs each, alternating, prompt {PROMPT:?}, max {MAX_TOKENS} tokens");
        println!(
            "time to first token: raw {tr:.1} ms, ours {to:.1} ms, ours/raw {:.3}",
            to / tr
        );
        println!(
            "pieces per second after the first: raw {rr:.0}, ours {ro:.0}, ours/raw {:.3}",
            ro / rr
        );
    });
    let _ = server.kill();
    let _ = server.wait();
}
