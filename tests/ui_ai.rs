//! The AI pages rendered from a real store: a conversation with Markdown (code block with a
//! copy button; raw HTML and javascript: links stay inert), a cancelled reply that says so,
//! Settings → AI with a server that does not answer, and AI on mail only where turned on.

#![cfg(feature = "server")]

mod support;

use libreollama::model::EndpointKind;
use rusqlite::params;
use support::ui::{render, render_all, text_of};

const REPLY: &str = "Here is the code:\n\n```rust\nfn main() {}\n```\n\n<script>alert(1)</script>\n\nSee [a link](javascript:alert(1)) and [docs](https://example.com/docs).";

#[tokio::test(flavor = "multi_thread")]
async fn chat_page_renders_markdown_safely_and_keeps_what_arrived() {
    let s = support::shared();
    let c =
        s.ai.create_conversation("Rust help", None, "llama3.2", "")
            .await
            .unwrap();
    let id = c.id.clone();
    s.store
        .write(move |conn| {
            conn.execute(
                "INSERT INTO chat_messages (conversation_id, role, content, created_at) VALUES (?1, 'user', 'Show me main', 1)",
                [&id],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO chat_messages (conversation_id, role, content, state, note, created_at) VALUES (?1, 'assistant', ?2, 'cancelled', 'Stopped by you.', 2)",
                params![id, REPLY],
            )
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();

    let html = render(&format!("/chat/{}", c.id), "fn main()").await;
    assert!(html.contains("<pre><code>fn main() {}"), "{html}");
    assert!(html.contains(">Copy<"), "a copy button on the code block");
    assert!(
        !html.contains("<script>"),
        "raw HTML from a model stays text"
    );
    assert!(text_of(&html).contains("alert(1)"), "{html}");
    assert!(!html.contains("href=\"javascript:"), "no javascript: link");
    assert!(html.contains("href=\"https://example.com/docs\""));
    let text = text_of(&html);
    for want in [
        "Rust help",
        "Show me main",
        "Stopped by you.",
        "Regenerate",
        "Edit",
        "System prompt",
        "Delete",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ai_settings_show_servers_and_why_one_is_down() {
    let s = support::shared();
    let port = support::peers::free_port();
    s.ai.add_endpoint(
        "Workstation",
        EndpointKind::OpenAi,
        &format!("http://127.0.0.1:{port}"),
        None,
    )
    .await
    .unwrap();
    let html = render_all(
        "/settings/ai",
        &["Workstation", "Start the server there", "AI on your mail"],
    )
    .await;
    let text = text_of(&html);
    for want in [
        "Ollama on this computer",
        "Default",
        "Workstation",
        "Not answering",
        "Start the server there",
        "Add a server",
        "AI on your mail",
        "Ask your mailbox",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ai_on_mail_appears_only_where_turned_on() {
    let s = support::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mbox");
    std::fs::write(
        &path,
        "From x Mon Nov 16 09:00:00 2026\nFrom: Bob <bob@example.com>\nTo: you@example.com\nSubject: Contract\nDate: Mon, 16 Nov 2026 09:00:00 +0000\nMessage-ID: <c@example.com>\n\nPlease sign it.\n",
    )
    .unwrap();
    libreollama::mail::import::import_path(&s.store, &path, |_| {})
        .await
        .unwrap();
    let row = s
        .mail
        .list(None, "subject:contract".into(), None, 1, false)
        .await
        .unwrap()
        .rows
        .remove(0);
    let at = format!("/mail/{}/{}", row.account_id, row.thread_id);

    let off = text_of(&render(&at, "AI is off for this account").await);
    assert!(off.contains("Please sign it."), "{off}");
    assert!(off.contains("Turn it on in Settings"));
    assert!(!off.contains("Summarise"));
    let ask = text_of(&render("/ask", "AI is off for this account").await);
    assert!(ask.contains("Turn it on in Settings"), "{ask}");

    s.ai.set_mail_enabled(&row.account_id, true).await.unwrap();
    let on = text_of(&render(&at, "Find tasks").await);
    for want in ["Summarise", "Draft reply", "Find tasks"] {
        assert!(on.contains(want), "missing {want}: {on}");
    }
    // Asking needs an index, and the index needs a model server: the page says which is
    // missing and where to fix it.
    let ask = text_of(&render("/ask", "Could not reach Ollama").await);
    assert!(ask.contains("Could not reach Ollama"), "{ask}");
    assert!(ask.contains("Settings → AI"), "{ask}");
}
