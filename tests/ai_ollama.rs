//! The Ollama client against recorded streams in Ollama's documented format (no Ollama server
//! is obtainable here): model list and details, streamed chat with the final `done` object
//! (`done_reason`, durations), cancel mid-stream, a server that dies mid-reply, an unknown
//! model, pull progress and a pull that fails mid-way, delete, embeddings.

#![cfg(feature = "backend")]

mod support;

use std::collections::HashMap;

use libreollama::ai::ollama::{Client, PullProgress};
use libreollama::ai::openai::Timeouts;
use libreollama::ai::{ChatMessage, Finish};
use libreollama::model::EndpointKind;
use support::scripted::{serve, Script};
use tokio_util::sync::CancellationToken;

const TAGS: &str = r#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","modified_at":"2025-01-10T11:04:40.398421585+01:00","size":2019393189,"digest":"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"3.2B","quantization_level":"Q4_K_M"}}]}"#;

fn chat_lines(words: &[&str], reason: &str) -> Vec<String> {
    let mut v: Vec<String> = words
        .iter()
        .map(|w| format!(r#"{{"model":"llama3.2","created_at":"2025-01-10T10:00:00.000000Z","message":{{"role":"assistant","content":"{w}"}},"done":false}}"#))
        .collect();
    v.push(format!(r#"{{"model":"llama3.2","created_at":"2025-01-10T10:00:01.000000Z","message":{{"role":"assistant","content":""}},"done_reason":"{reason}","done":true,"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":4,"eval_duration":4535599000}}"#));
    v
}

fn ask() -> Vec<ChatMessage> {
    vec![ChatMessage::new("user", "Why is the sky blue?")]
}

#[tokio::test]
async fn models_chat_pull_delete_and_embeddings() {
    let chat = chat_lines(&["The", " sky", " is", " blue"], "stop");
    let chat: Vec<&str> = chat.iter().map(String::as_str).collect();
    let mut routes = HashMap::new();
    routes.insert(
        "GET /api/version",
        Script::json(200, r#"{"version":"0.5.7"}"#),
    );
    routes.insert("GET /api/tags", Script::json(200, TAGS));
    routes.insert("POST /api/show", Script::json(200, r#"{"details":{"family":"llama","quantization_level":"Q4_K_M"},"model_info":{"llama.context_length":131072}}"#));
    routes.insert("POST /api/chat", Script::ndjson(200, &chat, 20));
    routes.insert("DELETE /api/delete", Script::json(200, ""));
    routes.insert("POST /api/embed", Script::json(200, r#"{"model":"all-minilm","embeddings":[[0.1,0.2,0.3],[0.3,0.2,0.1]],"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":8}"#));
    routes.insert(
        "POST /api/pull",
        Script::ndjson(
            200,
            &[
                r#"{"status":"pulling manifest"}"#,
                r#"{"status":"pulling 6a0746a1ec1a","digest":"sha256:6a0746a1ec1a","total":2019377376,"completed":241970}"#,
                r#"{"status":"pulling 6a0746a1ec1a","digest":"sha256:6a0746a1ec1a","total":2019377376,"completed":2019377376}"#,
                r#"{"status":"verifying sha256 digest"}"#,
                r#"{"status":"writing manifest"}"#,
                r#"{"status":"success"}"#,
            ],
            5,
        ),
    );
    let server = serve(routes, true).await;
    let c = Client::new(&server.base, Timeouts::default()).unwrap();
    assert_eq!(c.version().await.unwrap(), "0.5.7");
    let models = c.models().await.unwrap();
    assert_eq!(models[0].name, "llama3.2:latest");
    assert_eq!(models[0].size, 2_019_393_189);
    assert_eq!(models[0].details.family, "llama");
    assert_eq!(models[0].details.quantization_level, "Q4_K_M");
    assert_eq!(
        c.show("llama3.2").await.unwrap()["details"]["family"],
        "llama"
    );

    let mut pieces = Vec::new();
    let out = c
        .chat_stream(
            "llama3.2",
            &ask(),
            &Default::default(),
            &CancellationToken::new(),
            |p| pieces.push(p.to_string()),
        )
        .await
        .unwrap();
    assert_eq!(out.text, "The sky is blue");
    assert_eq!(pieces.len(), 4);
    assert_eq!(
        out.finish,
        Finish::Complete {
            reason: "stop".into()
        }
    );

    let mut progress: Vec<PullProgress> = Vec::new();
    c.pull("llama3.2", &CancellationToken::new(), |p| {
        progress.push(p.clone())
    })
    .await
    .unwrap();
    assert_eq!(progress.len(), 6);
    assert_eq!(progress[2].completed, progress[2].total);
    assert_eq!(progress.last().unwrap().status, "success");

    c.delete("llama3.2").await.unwrap();
    let v = c
        .embed("all-minilm", &["a".to_string(), "b".to_string()])
        .await
        .unwrap();
    assert_eq!(v, vec![vec![0.1, 0.2, 0.3], vec![0.3, 0.2, 0.1]]);
}

#[tokio::test]
async fn cancel_death_unknown_model_and_failed_pull_are_explained() {
    let long = chat_lines(
        &["Once", " upon", " a", " time", " there", " was"],
        "length",
    );
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let mut routes = HashMap::new();
    routes.insert("POST /api/chat", Script::ndjson(200, &long, 150));
    routes.insert(
        "POST /api/pull",
        Script::ndjson(
            200,
            &[
                r#"{"status":"pulling manifest"}"#,
                r#"{"status":"pulling 6a0746a1ec1a","digest":"sha256:6a0746a1ec1a","total":2019377376,"completed":104857600}"#,
                r#"{"error":"max retries exceeded: Get \"https://registry.ollama.ai/v2/library/llama3.2/blobs/sha256:6a07\": dial tcp: lookup registry.ollama.ai: no such host"}"#,
            ],
            5,
        ),
    );
    routes.insert(
        "DELETE /api/delete",
        Script::json(404, r#"{"error":"model 'nope' not found"}"#),
    );
    let server = serve(routes, true).await;
    let c = Client::new(&server.base, Timeouts::default()).unwrap();

    // Cancel after two pieces: stops, keeps them, says so.
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let mut n = 0;
    let out = c
        .chat_stream("llama3.2", &ask(), &Default::default(), &cancel, |_| {
            n += 1;
            if n == 2 {
                c2.cancel();
            }
        })
        .await
        .unwrap();
    assert_eq!(out.finish, Finish::Cancelled);
    assert_eq!(out.text, "Once upon");

    // A pull that fails mid-way names the step it reached and Ollama's reason.
    let mut steps = 0;
    let err = c
        .pull("llama3.2", &CancellationToken::new(), |_| steps += 1)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(steps, 2);
    assert!(
        err.contains("failed at 'pulling 6a0746a1ec1a'") && err.contains("max retries exceeded"),
        "{err}"
    );

    let err = c.delete("nope").await.unwrap_err().to_string();
    assert!(err.contains("model 'nope' not found"), "{err}");

    // A server that dies mid-reply: what arrived is kept, and the outcome says what happened.
    let cut: Vec<&str> = long[..long.len() - 1].to_vec();
    let mut routes = HashMap::new();
    routes.insert("POST /api/chat", Script::ndjson(200, &cut, 10));
    let dying = serve(routes, false).await;
    let c = Client::new(&dying.base, Timeouts::default()).unwrap();
    let out = c
        .chat_stream(
            "llama3.2",
            &ask(),
            &Default::default(),
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(out.text, "Once upon a time there was");
    match out.finish {
        Finish::Broken(why) => assert!(why.contains("Ollama"), "{why}"),
        other => panic!("{other:?}"),
    }

    // An unknown model: Ollama's own sentence reaches the user.
    let mut routes = HashMap::new();
    routes.insert(
        "POST /api/chat",
        Script::json(
            404,
            r#"{"error":"model \"nope\" not found, try pulling it first"}"#,
        ),
    );
    let server = serve(routes, true).await;
    let c = Client::new(&server.base, Timeouts::default()).unwrap();
    let err = c
        .chat_stream(
            "nope",
            &ask(),
            &Default::default(),
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("try pulling it first"), "{err}");

    // Nothing listening: what to start, quickly.
    let port = support::peers::free_port();
    let c = Client::new(&format!("http://127.0.0.1:{port}"), Timeouts::default()).unwrap();
    let err = c.models().await.unwrap_err().to_string();
    assert!(err.contains("ollama serve"), "{err}");
}

/// The model manager through the service: models with size, family and quantisation; a pull
/// as a job whose progress is bytes done of total; a pull that fails says why; cancel.
#[tokio::test(flavor = "multi_thread")]
async fn model_manager_pulls_as_jobs() {
    use libreollama::model::JobState;
    let pull_ok = [
        r#"{"status":"pulling manifest"}"#,
        r#"{"status":"pulling 6a07","digest":"sha256:6a07","total":1000,"completed":250}"#,
        r#"{"status":"pulling 6a07","digest":"sha256:6a07","total":1000,"completed":1000}"#,
        r#"{"status":"success"}"#,
    ];
    let mut routes = HashMap::new();
    routes.insert("GET /api/tags", Script::json(200, TAGS));
    routes.insert("POST /api/pull", Script::ndjson(200, &pull_ok, 5));
    let good = serve(routes, true).await;
    let mut routes = HashMap::new();
    routes.insert(
        "POST /api/pull",
        Script::ndjson(
            200,
            &[
                r#"{"status":"pulling manifest"}"#,
                r#"{"error":"pull model manifest: file does not exist"}"#,
            ],
            5,
        ),
    );
    let bad = serve(routes, true).await;
    let slow_lines: Vec<String> = (0..50)
        .map(|i| {
            format!(
                r#"{{"status":"pulling 6a07","total":5000,"completed":{}}}"#,
                i * 100
            )
        })
        .collect();
    let slow_lines: Vec<&str> = slow_lines.iter().map(String::as_str).collect();
    let mut routes = HashMap::new();
    routes.insert("POST /api/pull", Script::ndjson(200, &slow_lines, 200));
    let slow = serve(routes, true).await;

    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    let wait = |id: u64| {
        let s = s.clone();
        async move {
            for _ in 0..200 {
                let j = s.ai.jobs.list().into_iter().find(|j| j.id == id).unwrap();
                if j.state != JobState::Running {
                    return j;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            panic!("job {id} never ended");
        }
    };

    let ep =
        s.ai.add_endpoint("scripted", EndpointKind::Ollama, &good.base, None)
            .await
            .unwrap();
    let models = s.ai.models(&ep.id).await.unwrap();
    assert_eq!(models[0].size_bytes, Some(2_019_393_189));
    assert_eq!(models[0].quantization.as_deref(), Some("Q4_K_M"));
    let job = wait(s.ai.pull_model(&ep.id, "llama3.2").await.unwrap()).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!((job.done, job.total), (1000, Some(1000)));

    let ep =
        s.ai.add_endpoint("broken", EndpointKind::Ollama, &bad.base, None)
            .await
            .unwrap();
    let job = wait(s.ai.pull_model(&ep.id, "nope").await.unwrap()).await;
    assert_eq!(job.state, JobState::Failed);
    assert!(job.message.unwrap().contains("file does not exist"));

    let ep =
        s.ai.add_endpoint("slow", EndpointKind::Ollama, &slow.base, None)
            .await
            .unwrap();
    let id = s.ai.pull_model(&ep.id, "big").await.unwrap();
    assert!(
        s.ai.pull_model(&ep.id, "big").await.is_err(),
        "one pull of a model at a time"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(s.ai.jobs.cancel(id));
    let job = wait(id).await;
    assert_eq!(job.state, JobState::Cancelled);
    assert!(job.done > 0 && job.done < 5000, "{job:?}");
}
