//! Model servers and chat through the service, against a real llama.cpp server: the default
//! Ollama endpoint, adding an OpenAI-compatible one with a sealed key, health checks (up and
//! down), conversations (create, rename, search, delete) and replies that are stored whole,
//! cancelled with what arrived kept, or failed with the reason.

#![cfg(feature = "backend")]

mod support;

use libreollama::model::{EndpointKind, MessageState};
use libreollama::vault::SecretString;
use support::peers;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_conversations_and_replies() {
    let peer = peers::llama_server(false);
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    let ai = &s.ai;

    // The default: Ollama on this computer. Nothing listens there in this test: a clear error.
    let eps = ai.endpoints().await.unwrap();
    assert_eq!(eps.len(), 1);
    assert!(
        eps[0].is_default
            && eps[0].kind == EndpointKind::Ollama
            && eps[0].base_url == "http://localhost:11434"
    );

    // The kind is typed; text (a form, the CLI) is parsed and a wrong one says what to choose.
    let bad = "grpc".parse::<EndpointKind>().unwrap_err();
    assert!(bad.contains("choose ollama or openai"), "{bad}");
    let bad = ai
        .add_endpoint("x", EndpointKind::OpenAi, "ftp://host", None)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("http://"), "{bad}");
    let ep = ai
        .add_endpoint(
            "llama.cpp",
            EndpointKind::OpenAi,
            &peer.base,
            Some(SecretString::new("sk-test-9f8e7d6c5b4a")),
        )
        .await
        .unwrap();
    assert!(ep.has_api_key && !ep.is_default);
    let h = ai.health(&ep.id).await.unwrap();
    assert!(h.error.is_none() && !h.models.is_empty(), "{h:?}");
    let model = h.models[0].clone();

    let port = peers::free_port();
    let down = ai
        .add_endpoint(
            "gone",
            EndpointKind::OpenAi,
            &format!("http://127.0.0.1:{port}"),
            None,
        )
        .await
        .unwrap();
    let h = ai.health(&down.id).await.unwrap();
    assert!(
        h.error
            .as_deref()
            .unwrap_or_default()
            .contains("Start the server"),
        "{h:?}"
    );

    // A conversation with a whole reply, stored.
    let conv = ai
        .create_conversation(
            "",
            Some(ep.id.clone()),
            &model,
            "You answer in one short sentence.",
        )
        .await
        .unwrap();
    assert_eq!(conv.title, "New chat");
    let mut streamed = String::new();
    let reply = ai
        .send(
            &conv.id,
            "What colour is the sky?",
            Some(48),
            &CancellationToken::new(),
            |p| streamed.push_str(p),
        )
        .await
        .unwrap();
    assert_eq!(reply.state, MessageState::Complete, "{reply:?}");
    assert_eq!(reply.content, streamed);
    assert!(!reply.content.is_empty());
    let msgs = ai.messages(&conv.id).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        (msgs[0].role.as_str(), msgs[0].content.as_str()),
        ("user", "What colour is the sky?")
    );

    // Cancelled after a few pieces: what arrived is kept and marked.
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let mut n = 0;
    let reply = ai
        .send(
            &conv.id,
            "Now write a long poem about the sea.",
            Some(200),
            &cancel,
            |_| {
                n += 1;
                if n == 4 {
                    c2.cancel();
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.state, MessageState::Cancelled);
    assert!(!reply.content.is_empty());
    assert_eq!(reply.note.as_deref(), Some("Stopped by you."));

    // Rename, search by title and by content, delete.
    ai.rename_conversation(&conv.id, "Sky and sea")
        .await
        .unwrap();
    assert!(ai.rename_conversation(&conv.id, "  ").await.is_err());
    let other = ai
        .create_conversation("Groceries", None, &model, "")
        .await
        .unwrap();
    for q in ["sky and", "poem about the sea"] {
        let found = ai.conversations(Some(q.into())).await.unwrap();
        assert_eq!(found.len(), 1, "{q}: {found:?}");
        assert_eq!(found[0].id, conv.id);
    }
    assert_eq!(ai.conversations(None).await.unwrap().len(), 2);

    // A reply from a server that is not there: failed, with the reason, the question kept.
    let gone = ai
        .create_conversation("Offline", Some(down.id.clone()), "any", "")
        .await
        .unwrap();
    let reply = ai
        .send(&gone.id, "Hello?", None, &CancellationToken::new(), |_| {})
        .await
        .unwrap();
    assert_eq!(reply.state, MessageState::Failed);
    assert!(
        reply
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("Start the server"),
        "{reply:?}"
    );
    assert_eq!(ai.messages(&gone.id).await.unwrap()[0].content, "Hello?");

    ai.delete_conversation(&other.id).await.unwrap();
    assert!(ai.conversation(&other.id).await.is_err());
    ai.set_default(&ep.id).await.unwrap();
    assert!(ai
        .endpoints()
        .await
        .unwrap()
        .iter()
        .any(|e| e.id == ep.id && e.is_default));

    // The API key is sealed: not in the database file in plaintext.
    drop(s);
    let hits = support::files_containing(dir.path(), b"sk-test-9f8e7d6c5b4a");
    assert!(hits.is_empty(), "{hits:?}");
}

/// The terminal chat: add the server, make it the default, type a question, get a streamed
/// answer; the conversation is kept and can be continued.
#[test]
fn terminal_chat_over_the_cli() {
    use std::io::Write;
    use std::process::Stdio;
    let peer = peers::llama_server(false);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], input: &str| {
        let mut child = support::cli::command(dir.path(), args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(
        &[
            "ai",
            "add-server",
            "--name",
            "llama.cpp",
            "--kind",
            "openai",
            "--url",
            &peer.base,
        ],
        "",
    );
    assert!(ok, "{out}{err}");
    let id = out
        .split('(')
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap()
        .to_string();
    let (ok, out, _) = run(&["ai", "use-server", &id], "");
    assert!(ok, "{out}");
    let (ok, out, err) = run(&["ai", "servers"], "");
    assert!(
        ok && out.contains("* ") && out.contains("ok, "),
        "{out}{err}"
    );
    let (ok, out, err) = run(
        &["chat", "--system", "Answer briefly.", "--max-tokens", "32"],
        "Name a colour.\n\n",
    );
    assert!(ok, "{err}");
    assert!(!out.trim().is_empty(), "a streamed answer: {err}");
    let conv = err
        .split('(')
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap()
        .to_string();
    let (ok, out, err) = run(
        &["chat", "--conversation", &conv, "--max-tokens", "32"],
        "And another one?\n",
    );
    assert!(ok && !out.trim().is_empty(), "{out}{err}");
}

/// Summarising a mail conversation: refused until AI is turned on for the account; a long
/// thread is cut into pieces that fit the model, and the final summary streams.
#[tokio::test(flavor = "multi_thread")]
async fn summarize_a_long_mail_thread_after_opting_in() {
    let peer = peers::llama_server(false);
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(&dir.path().join("data")).await;
    let para = "We moved the launch to Thursday because the venue was double-booked. Please confirm the catering and send the final guest list by Tuesday. ";
    let mut mbox = String::new();
    for i in 0..3 {
        let reply = if i == 0 {
            String::new()
        } else {
            "In-Reply-To: <launch-0@example.com>\nReferences: <launch-0@example.com>\n".to_string()
        };
        mbox.push_str(&format!(
            "From ada@example.com Mon Nov 16 09:00:00 2026\nFrom: Ada <ada@example.com>\nTo: team@example.com\nSubject: Launch plans\nDate: Mon, {} Nov 2026 09:00:00 +0000\nMessage-ID: <launch-{i}@example.com>\n{reply}\n{}\n\n",
            16 + i,
            para.repeat(6)
        ));
    }
    let path = dir.path().join("launch.mbox");
    std::fs::write(&path, mbox).unwrap();
    libreollama::mail::import::import_path(&s.store, &path, |_| {})
        .await
        .unwrap();
    let ep =
        s.ai.add_endpoint("llama.cpp", EndpointKind::OpenAi, &peer.base, None)
            .await
            .unwrap();
    s.ai.set_default(&ep.id).await.unwrap();
    let hit = s
        .mail
        .list(None, "subject:launch".into(), None, 10, false)
        .await
        .unwrap()
        .rows
        .remove(0);
    let account = hit.account_id.clone();

    let err =
        s.ai.summarize_thread(
            &account,
            &hit.thread_id,
            None,
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ai mail on"), "{err}");

    s.ai.set_mail_enabled(&account, true).await.unwrap();
    let mut streamed = String::new();
    let summary =
        s.ai.summarize_thread(
            &account,
            &hit.thread_id,
            None,
            &CancellationToken::new(),
            |p| streamed.push_str(p),
        )
        .await
        .unwrap();
    assert!(!summary.trim().is_empty());
    assert_eq!(summary, streamed);
}
