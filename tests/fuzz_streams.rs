//! Property/fuzz tests for model-server streams, through the real clients over HTTP: an
//! OpenAI-compatible server's SSE (`/v1/chat/completions`) and Ollama's NDJSON (`/api/chat`),
//! cut at any byte, split at arbitrary chunk boundaries (inside UTF-8 characters too), with
//! garbage lines, huge numbers and wrong JSON types. The outcome is the text so far (every
//! piece that reached `on_text`, a prefix of the reply) or a typed error; once text has
//! arrived, it is never lost to an error.
//!
//! Bounded: the default case counts below (per property, in `config(..)`) keep these fuzz
//! tests (tests/fuzz_mail.rs, fuzz_inputs.rs, fuzz_streams.rs and the proptests in
//! src/cli/compose.rs and src/google/client/tests.rs) together at about a minute of test time in a
//! debug build. `PROPTEST_CASES=N` overrides every count, e.g. `PROPTEST_CASES=50000` for a
//! long soak or `PROPTEST_CASES=50` for a quick look.

#![cfg(feature = "backend")]

#[path = "support/fuzz.rs"]
mod fuzz;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fuzz::config;
use libreollama::ai::openai::Timeouts;
use libreollama::ai::{ChatMessage, ChatOutcome, Finish, Options};
use libreollama::error::LibreOllamaError;
use proptest::prelude::*;
use proptest::sample::Index;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// What the server sends for the next request.
#[derive(Debug, Clone, Default)]
struct Script {
    content_type: &'static str,
    chunks: Vec<Vec<u8>>,
    /// Ends the chunked body properly; otherwise the connection just closes.
    complete: bool,
}

/// A local HTTP server answering every request with the script in `next`, each chunk its own
/// HTTP chunk written and flushed on its own.
async fn serve(next: Arc<Mutex<Script>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let next = next.clone();
            tokio::spawn(async move {
                let _ = sock.set_nodelay(true);
                if support::http::read_request(&mut sock).await.is_none() {
                    return;
                }
                let script = next.lock().unwrap().clone();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                    script.content_type
                );
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for c in script.chunks.iter().filter(|c| !c.is_empty()) {
                    let mut frame = format!("{:x}\r\n", c.len()).into_bytes();
                    frame.extend_from_slice(c);
                    frame.extend_from_slice(b"\r\n");
                    if sock.write_all(&frame).await.is_err() {
                        return;
                    }
                    let _ = sock.flush().await;
                    tokio::task::yield_now().await;
                }
                if script.complete {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    base
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        first_token: Duration::from_secs(20),
        between_tokens: Duration::from_secs(20),
    }
}

/// One element of a generated stream: a piece of the reply, or something else the server sent.
#[derive(Debug, Clone)]
enum Item {
    Piece(String),
    /// Bytes that carry no text; `breaks` when the client must stop reading at it.
    Other {
        bytes: Vec<u8>,
        breaks: bool,
    },
}

/// A generated stream: its items, how it ends, where it is cut and split.
#[derive(Debug, Clone)]
struct Stream {
    items: Vec<Item>,
    end: Vec<u8>,
    cut: Option<Index>,
    complete: bool,
    splits: Vec<Index>,
}

impl Stream {
    fn full_text(&self) -> String {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Piece(p) => Some(p.as_str()),
                Item::Other { .. } => None,
            })
            .collect()
    }

    /// Whole, well-formed and ended: the complete reply must come back.
    fn clean(&self) -> bool {
        self.cut.is_none()
            && self.complete
            && !self.end.is_empty()
            && self
                .items
                .iter()
                .all(|i| matches!(i, Item::Piece(_) | Item::Other { breaks: false, .. }))
    }

    fn script(&self, content_type: &'static str, piece: impl Fn(&str) -> Vec<u8>) -> Script {
        let mut bytes = Vec::new();
        for i in &self.items {
            match i {
                Item::Piece(p) => bytes.extend(piece(p)),
                Item::Other { bytes: b, .. } => bytes.extend_from_slice(b),
            }
        }
        bytes.extend_from_slice(&self.end);
        if let Some(c) = self.cut {
            bytes.truncate(c.index(bytes.len() + 1));
        }
        let mut at: Vec<usize> = self
            .splits
            .iter()
            .map(|s| s.index(bytes.len() + 1))
            .collect();
        at.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for a in at.into_iter().chain([bytes.len()]) {
            chunks.push(bytes[from..a].to_vec());
            from = a;
        }
        Script {
            content_type,
            chunks,
            complete: self.complete,
        }
    }
}

fn piece_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,8}",
        Just("\n".to_string()),
        Just("é€😀".to_string()),
        Just("data: [DONE]\n\n".to_string()),
        Just("{\"done\":true}\n".to_string()),
    ]
}

fn stream(
    other: BoxedStrategy<Item>,
    end: BoxedStrategy<Vec<u8>>,
) -> impl Strategy<Value = Stream> {
    (
        prop::collection::vec(
            prop_oneof![4 => piece_text().prop_map(Item::Piece), 1 => other],
            0..10,
        ),
        end,
        prop::option::weighted(0.4, any::<Index>()),
        prop::bool::weighted(0.8),
        prop::collection::vec(any::<Index>(), 0..16),
    )
        .prop_map(|(items, end, cut, complete, splits)| Stream {
            items,
            end,
            cut,
            complete,
            splits,
        })
}

fn other(bytes: &str, breaks: bool) -> Item {
    Item::Other {
        bytes: bytes.as_bytes().to_vec(),
        breaks,
    }
}

/// What a streamed chat may end as: the outcome carries exactly what reached `on_text`, which
/// is a prefix of the reply; errors are typed, and only when nothing arrived.
fn check(
    s: &Stream,
    got: Result<ChatOutcome, LibreOllamaError>,
    delivered: &str,
    calls: usize,
) -> Result<(), TestCaseError> {
    let full = s.full_text();
    prop_assert!(
        full.starts_with(delivered),
        "{delivered:?} is not a prefix of {full:?}"
    );
    match got {
        Ok(o) => {
            prop_assert_eq!(&o.text, delivered);
            prop_assert_eq!(o.chunks, calls);
            if s.clean() {
                prop_assert_eq!(&o.text, &full);
                prop_assert!(
                    matches!(o.finish, Finish::Complete { .. }),
                    "{:?}",
                    o.finish
                );
            }
        }
        Err(e) => {
            prop_assert!(delivered.is_empty(), "text {delivered:?} lost to {e:?}");
            prop_assert!(!s.clean(), "a clean stream failed: {e:?}");
            prop_assert!(
                matches!(
                    e,
                    LibreOllamaError::Network { .. } | LibreOllamaError::Serialization { .. }
                ),
                "untyped {e:?}"
            );
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Server {
    OpenAi,
    Ollama,
}

/// Serves each generated stream to the real client of `server` and checks the outcome.
fn run_streams(
    server: Server,
    strategy: impl Strategy<Value = Stream>,
    piece: impl Fn(&str) -> Vec<u8>,
    cases: u32,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let next = Arc::new(Mutex::new(Script::default()));
    let base = rt.block_on(serve(next.clone()));
    let openai = libreollama::ai::openai::Client::new(&base, None, timeouts()).unwrap();
    let ollama = libreollama::ai::ollama::Client::new(&base, timeouts()).unwrap();
    let content_type = match server {
        Server::OpenAi => "text/event-stream",
        Server::Ollama => "application/x-ndjson",
    };
    let mut runner = proptest::test_runner::TestRunner::new(config(cases));
    runner
        .run(&strategy, |s| {
            *next.lock().unwrap() = s.script(content_type, &piece);
            let mut delivered = String::new();
            let mut calls = 0;
            let mut on_text = |t: &str| {
                delivered.push_str(t);
                calls += 1;
            };
            let (msgs, opts, cancel) = (messages(), Options::default(), CancellationToken::new());
            let chat = async {
                match server {
                    Server::OpenAi => {
                        openai
                            .chat_stream("m", &msgs, &opts, &cancel, &mut on_text)
                            .await
                    }
                    Server::Ollama => {
                        ollama
                            .chat_stream("m", &msgs, &opts, &cancel, &mut on_text)
                            .await
                    }
                }
            };
            let got =
                rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), chat).await });
            let got = got.map_err(|_| TestCaseError::fail(format!("hung on {s:?}")))?;
            check(&s, got, &delivered, calls)
        })
        .unwrap();
}

fn messages() -> Vec<ChatMessage> {
    vec![ChatMessage::new("user", "hi")]
}

fn sse_other() -> BoxedStrategy<Item> {
    prop_oneof![
        Just(other(": keep-alive\n\n", false)),
        Just(other("event: ping\ndata: {\"choices\":[]}\n\n", false)),
        Just(other(
            "data: {\"choices\":[{\"delta\":{\"content\":null}}]}\n\n",
            false
        )),
        Just(other(
            "data: {\"choices\":[{\"delta\":{\"content\":\"\"}}]}\n\n",
            false
        )),
        Just(other(
            "data: {\"id\":18446744073709551616,\"created\":-1e308,\"choices\":[]}\n\n",
            false
        )),
        Just(other(
            "data: {\"choices\":[],\"usage\":{\"total_tokens\":1e999}}\n\n",
            false
        )),
        Just(other("retry: 99999999999999999999999\n\n", false)),
        Just(other("id: \0x\n\n", false)),
        Just(other(
            "data: {\"choices\":[{\"delta\":{\"content\":5}}]}\n\n",
            true
        )),
        Just(other(
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":7}]}\n\n",
            true
        )),
        Just(other("data: {\"choices\":\"x\"}\n\n", true)),
        Just(other("data: {\"choices\":[{\"delta\":[]}]}\n\n", true)),
        Just(other("data: not json\n\n", true)),
        Just(other("data: [DONE\n\n", true)),
        Just(other("data: {\"error\":{\"message\":\"boom\"}}\n\n", false)),
        prop::collection::vec(any::<u8>(), 1..24).prop_map(|mut b| {
            b.extend_from_slice(b"\n\n");
            Item::Other {
                bytes: b,
                breaks: true,
            }
        }),
    ]
    .boxed()
}

fn sse_end() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        Just(b"data: [DONE]\n\n".to_vec()),
        Just(b"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n".to_vec()),
        Just(b"data: {\"choices\":[{\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n".to_vec()),
        Just(Vec::new()),
    ]
    .boxed()
}

fn sse_piece(crlf: bool, space: bool) -> impl Fn(&str) -> Vec<u8> {
    move |p| {
        let nl = if crlf { "\r\n" } else { "\n" };
        let sp = if space { " " } else { "" };
        let json = serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}}]});
        format!("data:{sp}{json}{nl}{nl}").into_bytes()
    }
}

#[test]
fn openai_sse_streams_give_text_so_far_or_a_typed_error() {
    for (crlf, space, cases) in [(false, true, 1500), (true, false, 500)] {
        run_streams(
            Server::OpenAi,
            stream(sse_other(), sse_end()),
            sse_piece(crlf, space),
            cases,
        );
    }
}

fn ndjson_other() -> BoxedStrategy<Item> {
    prop_oneof![
        Just(other("\n", false)),
        Just(other("  \r\n", false)),
        Just(other("{}\n", false)),
        Just(other("{\"message\":null,\"done\":false}\n", false)),
        Just(other(
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\"}}\n",
            false
        )),
        Just(other(
            "{\"model\":\"m\",\"eval_count\":18446744073709551616,\"total_duration\":-1e308}\n",
            false
        )),
        Just(other("{\"eval_count\":1e999}\n", false)),
        Just(other("not json\n", true)),
        Just(other("[1,2]\n", true)),
        Just(other(
            "{\"message\":{\"role\":\"assistant\",\"content\":5}}\n",
            true
        )),
        Just(other("{\"message\":{\"content\":\"no role\"}}\n", true)),
        Just(other("{\"done\":\"yes\"}\n", true)),
        Just(other("{\"done_reason\":7}\n", true)),
        Just(other("{\"error\":\"model crashed\"}\n", true)),
        prop::collection::vec(any::<u8>(), 1..24).prop_map(|mut b| {
            b.push(b'\n');
            Item::Other {
                bytes: b,
                breaks: true,
            }
        }),
    ]
    .boxed()
}

fn ndjson_end() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        Just(b"{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}\n".to_vec()),
        Just(b"{\"done\":true}".to_vec()),
        Just(b"{\"done\":true,\"done_reason\":\"length\",\"eval_count\":4294967296}\r\n".to_vec()),
        Just(Vec::new()),
    ]
    .boxed()
}

fn ndjson_piece(p: &str) -> Vec<u8> {
    let line = serde_json::json!({
        "model": "m",
        "created_at": "2024-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": p},
        "done": false,
    });
    format!("{line}\n").into_bytes()
}

#[test]
fn ollama_ndjson_streams_give_text_so_far_or_a_typed_error() {
    run_streams(
        Server::Ollama,
        stream(ndjson_other(), ndjson_end()),
        ndjson_piece,
        2000,
    );
}

/// Found by `ollama_ndjson_streams_give_text_so_far_or_a_typed_error`: a reply cut inside a
/// line (or a garbled line) after text had arrived was a Serialization error and the text was
/// lost; it now ends as Broken with the text, as a cut connection does (and as the
/// OpenAI-compatible client already did).
#[test]
fn an_ollama_reply_cut_mid_line_keeps_its_text() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let next = Arc::new(Mutex::new(Script::default()));
    let base = rt.block_on(serve(next.clone()));
    let client = libreollama::ai::ollama::Client::new(&base, timeouts()).unwrap();
    for tail in [&b"{\"message\":{\"role\":\"assis"[..], &b"garbage\n"[..]] {
        let mut body = ndjson_piece("Hello");
        body.extend_from_slice(tail);
        *next.lock().unwrap() = Script {
            content_type: "application/x-ndjson",
            chunks: vec![body],
            complete: true,
        };
        let got = rt
            .block_on(client.chat_stream(
                "m",
                &messages(),
                &Options::default(),
                &CancellationToken::new(),
                |_| {},
            ))
            .unwrap();
        assert_eq!(got.text, "Hello");
        assert!(
            matches!(got.finish, Finish::Broken(ref why) if why.contains("unreadable")),
            "{:?}",
            got.finish
        );
    }
    // Before any text, the same line is the typed error it is.
    *next.lock().unwrap() = Script {
        content_type: "application/x-ndjson",
        chunks: vec![b"garbage\n".to_vec()],
        complete: true,
    };
    let got = rt.block_on(client.chat_stream(
        "m",
        &messages(),
        &Options::default(),
        &CancellationToken::new(),
        |_| {},
    ));
    assert!(
        matches!(got, Err(LibreOllamaError::Serialization { .. })),
        "{got:?}"
    );
}
