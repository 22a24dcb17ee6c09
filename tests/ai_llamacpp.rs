//! The OpenAI-compatible client against a real llama.cpp server (xllamacpp from PyPI) running
//! a real tiny model (SmolLM2-135M-Instruct): models, streamed chat, cancel mid-stream, the
//! server killed mid-stream, embeddings, and a server that is not there.

#![cfg(feature = "backend")]

mod support;

use std::time::{Duration, Instant};

use libreollama::ai::openai::{Client, Timeouts};
use libreollama::ai::{ChatMessage, Finish, Options};
use support::peers;
use tokio_util::sync::CancellationToken;

fn ask(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::new("system", "You are a helpful assistant."),
        ChatMessage::new("user", text),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_chat_cancel_and_a_dying_server() {
    let mut peer = peers::llama_server(false);
    let client = Client::new(&format!("{}/v1", peer.base), None, Timeouts::default()).unwrap();
    let models = client.models().await.unwrap();
    assert!(!models.is_empty(), "{models:?}");
    let model = models[0].id.clone();

    // A whole reply, streamed: pieces arrive one by one and add up to the text.
    let mut pieces = Vec::new();
    let out = client
        .chat_stream(
            &model,
            &ask("Name three colours."),
            &Options::max_tokens(24),
            &CancellationToken::new(),
            |p| pieces.push(p.to_string()),
        )
        .await
        .unwrap();
    assert!(matches!(out.finish, Finish::Complete { .. }), "{out:?}");
    assert!(pieces.len() > 1, "{pieces:?}");
    assert_eq!(pieces.concat(), out.text);
    assert_eq!(out.chunks, pieces.len());
    assert!(out.first_token_ms.unwrap() <= out.total_ms);

    // Cancel after a few pieces: it stops, keeps what arrived, says so.
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let mut n = 0;
    let out = client
        .chat_stream(
            &model,
            &ask("Write a long story about a lighthouse."),
            &Options::max_tokens(400),
            &cancel,
            |_| {
                n += 1;
                if n == 3 {
                    c2.cancel();
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(out.finish, Finish::Cancelled);
    assert_eq!(out.chunks, 3, "{out:?}");
    assert!(!out.text.is_empty());

    // The server dies mid-reply: the text so far is kept and the outcome says what happened.
    let mut seen = 0;
    let base = peer.base.clone();
    let out = {
        let peer_ref = &mut peer;
        client
            .chat_stream(
                &model,
                &ask("Write a long story about a sailing ship."),
                &Options::max_tokens(400),
                &CancellationToken::new(),
                |_| {
                    seen += 1;
                    if seen == 3 {
                        peer_ref.kill();
                    }
                },
            )
            .await
    };
    let out = out.unwrap();
    match &out.finish {
        Finish::Broken(why) => assert!(why.contains("model server"), "{why}"),
        other => panic!("expected a broken reply, got {other:?} ({out:?})"),
    }
    assert!(out.chunks >= 3 && !out.text.is_empty());

    // Nothing there any more: a clear error, quickly.
    let started = Instant::now();
    let err = client.models().await.unwrap_err().to_string();
    assert!(
        err.contains("nothing answered at") && err.contains(&base.replace("http://", "")),
        "{err}"
    );
    assert!(err.contains("Start the server"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn embeddings_from_the_model_server() {
    let peer = peers::llama_server(true);
    let client = Client::new(&peer.base, None, Timeouts::default()).unwrap();
    let model = client.models().await.unwrap()[0].id.clone();
    let texts: Vec<String> = [
        "The invoice for October is attached.",
        "Please find the October invoice attached.",
        "Our cat likes to sleep in the sun.",
    ]
    .map(String::from)
    .to_vec();
    let v = client.embeddings(&model, &texts).await.unwrap();
    assert_eq!(v.len(), 3);
    let dim = v[0].len();
    assert!(
        dim >= 64 && v.iter().all(|e| e.len() == dim),
        "dimension {dim}"
    );
    let cos = |a: &[f32], b: &[f32]| {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let n = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>().sqrt();
        dot / (n(a) * n(b))
    };
    // Mean pooling of a real model: the two invoice sentences are closer than invoice vs cat.
    assert!(
        cos(&v[0], &v[1]) > cos(&v[0], &v[2]),
        "{} vs {}",
        cos(&v[0], &v[1]),
        cos(&v[0], &v[2])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_server_is_explained_without_a_hang() {
    let port = peers::free_port();
    let client = Client::new(
        &format!("http://127.0.0.1:{port}"),
        None,
        Timeouts::default(),
    )
    .unwrap();
    let started = Instant::now();
    let err = client
        .chat_stream(
            "any",
            &ask("hi"),
            &Default::default(),
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Start the server"), "{err}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(Client::new("not a url", None, Timeouts::default()).is_err());
}
