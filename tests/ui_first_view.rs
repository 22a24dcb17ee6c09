//! The mail page's first frame on desktop: the inbox read while the window opened is in it,
//! and it is only a start — the list asked for at once replaces it where another process
//! changed the mail. (A file of its own: the first view is one per process.)

#![cfg(feature = "server")]

mod support;

use libreollama::store::mail::{self, NewMessage};
use libreollama::store::{accounts, labels};
use support::ui::{render_all, render_first, text_of};

fn inbox(id: &str, minutes_ago: i64, subject: &str) -> NewMessage {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    NewMessage {
        account_id: "acc".into(),
        id: id.into(),
        thread_id: format!("t-{id}"),
        internal_date: now - minutes_ago * 60_000,
        subject: subject.into(),
        from: "Ada Lovelace <ada@example.com>".into(),
        to: "me@example.com".into(),
        snippet: "About the engine".into(),
        label_ids: vec!["INBOX".into(), "UNREAD".into()],
        body_text: Some("About the engine".into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_frame_shows_the_inbox_and_the_list_read_next_replaces_it() {
    let s = support::shared();
    let first = vec![inbox("m1", 5, "Analytical engine notes")];
    s.store
        .transaction(move |tx| {
            accounts::upsert(tx, &support::account("acc", "me@example.com"))?;
            let inbox = labels::LabelRow {
                id: "INBOX".into(),
                name: "INBOX".into(),
                ..Default::default()
            };
            labels::replace_account_labels(tx, "acc", &[inbox])?;
            mail::upsert_messages(tx, &first)
        })
        .await
        .unwrap();

    // As at start-up: the services are installed, then the first view is read.
    libreollama::api::install(s.clone());
    let (query, limit) = libreollama::ui::first_list_query();
    libreollama::api::prefetch_first_view(&query, limit).await;
    // Another process adds mail between the read ahead and the window's first render.
    let later = vec![inbox("m2", 1, "Difference engine plans")];
    s.store
        .transaction(move |tx| mail::upsert_messages(tx, &later))
        .await
        .unwrap();

    let frame = text_of(&render_first("/"));
    for expected in ["Analytical engine notes", "me@example.com", "1 shown"] {
        assert!(frame.contains(expected), "{expected} in {frame}");
    }
    assert!(!frame.contains("Loading"), "{frame}");
    assert!(!frame.contains("Difference engine plans"), "{frame}");

    // Used once: a later page's rows come a render later, as without it; and a read ahead
    // that finishes after the page asked (a slow start) is never shown to a later page.
    let plain = text_of(&render_first("/"));
    assert!(!plain.contains("Analytical engine notes"), "{plain}");
    libreollama::api::prefetch_first_view(&query, limit).await;
    let late = text_of(&render_first("/"));
    assert!(!late.contains("Analytical engine notes"), "{late}");

    // The page asks again at once, and what the other process wrote shows.
    let html = render_all("/", &["Difference engine plans", "2 shown"]).await;
    let text = text_of(&html);
    assert!(text.contains("Difference engine plans"), "{text}");
    assert!(text.contains("Analytical engine notes"), "{text}");
}
