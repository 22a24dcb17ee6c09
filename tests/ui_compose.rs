//! The writing pages rendered headless over a real store: the editor shows the draft as saved
//! (recipients, subject, text, files with sizes), the Drafts, Outbox and Preferences pages show
//! what the store holds.

#![cfg(feature = "server")]

mod support;

use libreollama::model::{ComposeKind, DraftEdit};
use libreollama::store::accounts;
use support::ui::{render, render_all, text_of};

async fn with_account() -> std::sync::Arc<libreollama::services::AppServices> {
    let s = support::shared();
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let s2 = s.clone();
    ONCE.get_or_init(|| async move {
        s2.store
            .write(|c| accounts::upsert(c, &support::account("acc", "ada@example.com")))
            .await
            .unwrap();
    })
    .await;
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn the_editor_shows_the_saved_draft_and_its_files() {
    let s = with_account().await;
    let d = s
        .compose
        .compose("acc", ComposeKind::New, None)
        .await
        .unwrap();
    s.compose
        .save(
            &d.id,
            DraftEdit {
                to: "Grace Hopper <grace@example.com>".into(),
                cc: "charles@example.com".into(),
                subject: "Slides for Thursday".into(),
                body: "Here are the **slides**.".into(),
                rich: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.compose
        .attach(&d.id, "plan.pdf", "application/pdf", vec![0u8; 2048])
        .await
        .unwrap();
    let html = render(&format!("/mail/compose/{}", d.id), "plan.pdf").await;
    let text = text_of(&html);
    for expected in [
        "New message",
        "Saved on this device",
        "plan.pdf",
        "(2 KB)",
        "2 KB of 25 MB",
        "Send later…",
        "Attach files",
        "Discard…",
        "Cc",
        "Bcc",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in: {text}");
    }
    assert!(
        html.contains(r#"id="c-to" autocomplete="off" initial_value="Grace Hopper &#60;grace@example.com&#62;""#),
        "{html}"
    );
    assert!(html.contains("Slides for Thursday"));
    assert!(html.contains("Here are the **slides**."));
    assert!(html.contains(r#"aria-label="Remove plan.pdf""#), "{html}");

    // Nothing is written from an imported archive (it has no server).
    let e = s
        .compose
        .compose("local-archive", ComposeKind::New, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("imported archive has no server"), "{e}");

    // A draft that no longer exists: a clear message and the way to the drafts.
    let html = render("/mail/compose/draft-gone", "Your drafts").await;
    let text = text_of(&html);
    assert!(
        text.contains("Draft draft-gone") && text.contains("Your drafts"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_outbox_and_preferences_show_the_store() {
    let s = with_account().await;
    let d = s
        .compose
        .compose("acc", ComposeKind::New, None)
        .await
        .unwrap();
    s.compose
        .save(
            &d.id,
            DraftEdit {
                to: "bob@example.com".into(),
                subject: "Quarterly numbers".into(),
                body: "Attached.".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let html = render("/mail/drafts", "Quarterly numbers").await;
    assert!(text_of(&html).contains("to bob@example.com"), "{html}");

    let at = chrono::Utc::now().timestamp_millis() + 3 * 3_600_000;
    s.compose.send(&d.id, Some(at)).await.unwrap();
    let html = render_all("/mail/outbox", &["Quarterly numbers", "Scheduled for"]).await;
    let text = text_of(&html);
    for expected in [
        "Outbox",
        "Quarterly numbers",
        "to bob@example.com",
        "Scheduled for",
        "Cancel and edit",
        "Send now",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in: {text}");
    }
    // In the outbox, not among the drafts being written.
    let html = render("/mail/drafts", "Drafts").await;
    assert!(!text_of(&html).contains("Quarterly numbers"));

    let html = render("/settings", "Undo window").await;
    let text = text_of(&html);
    assert!(
        text.contains("Sending mail") && text.contains("Undo window"),
        "{text}"
    );
    assert!(
        html.contains(r#"<option value="10" selected"#)
            || html.contains(r#"value="10" selected="true""#),
        "{html}"
    );
}
