//! The mail page over a real store holding an imported archive: the list, the reader with its
//! sandboxed frame and image blocking, attachments saved to disk, and actions.

#![cfg(feature = "server")]

mod support;

use support::ui::{render, render_all, text_of};

const MBOX: &str = "From ada@example.com Mon Nov 16 09:00:00 2026
From: Ada Lovelace <ada@example.com>
To: you@example.com
Subject: Engine notes
Date: Mon, 16 Nov 2026 09:00:00 +0000
Message-ID: <notes@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/related; boundary=rel

--rel
Content-Type: text/html; charset=utf-8

<p onclick=\"steal()\">The <b>engine</b> works.</p><img src=\"https://track.example/o.gif\"><img src=\"cid:logo@ex\"><script>alert(1)</script>
--rel
Content-Type: image/png
Content-ID: <logo@ex>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--outer
Content-Type: text/csv; name=numbers.csv
Content-Disposition: attachment; filename=numbers.csv

q,revenue
Q1,10
--outer--

From grace@example.com Tue Nov 17 10:00:00 2026
From: Grace Hopper <grace@example.com>
To: you@example.com
Subject: Re: Engine notes
Date: Tue, 17 Nov 2026 10:00:00 +0000
Message-ID: <reply@example.com>
In-Reply-To: <notes@example.com>
References: <notes@example.com>
Content-Type: text/plain; charset=utf-8

Grüße! A nanosecond is 30 cm.
";

async fn imported() -> std::sync::Arc<libreollama::services::AppServices> {
    let s = support::shared();
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let s2 = s.clone();
    ONCE.get_or_init(|| async move {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mbox");
        std::fs::write(&path, MBOX).unwrap();
        let r = libreollama::mail::import::import_path(&s2.store, &path, |_| {})
            .await
            .unwrap();
        assert_eq!(r.imported, 2);
    })
    .await;
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_page_lists_the_archive_and_shortcuts_are_listed() {
    imported().await;
    let html = render_all("/", &["Engine notes", "shown"]).await;
    let text = text_of(&html);
    for expected in [
        "Imported archive",
        "Archive",
        // One row for the conversation (Gmail's default): both writers, oldest first, and
        // the conversation's subject (its first message's); the newest message's preview.
        "Ada Lovelace, Grace Hopper",
        "Engine notes",
        "Grüße! A nanosecond is 30 cm.",
        "Sync now",
        "Activity",
        "Select a message to read it.",
        "Press ? for keyboard shortcuts",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in: {text}");
    }
    assert!(
        html.contains(r#"title="2 messages in this conversation""#),
        "{html}"
    );
    // Rows are placed absolutely inside a box as tall as the whole list (virtualized): one
    // row for the two messages.
    assert!(html.contains("height: 68px"), "{html}");
    assert!(html.contains(r#"role="listbox""#));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_is_one_row_and_acts_as_a_whole() {
    use libreollama::api;
    use libreollama::model::MailAction;
    let s = imported().await;
    api::install(s.clone());
    let q = || "subject:engine".to_string();
    let grouped = api::mail_list(None, q(), None, 50, true).await.unwrap();
    assert_eq!(grouped.rows.len(), 1, "{grouped:?}");
    let row = &grouped.rows[0];
    assert_eq!(row.subject, "Engine notes", "the conversation's subject");
    assert!(
        row.snippet.contains("nanosecond"),
        "the newest message's preview"
    );
    let c = row.conversation.as_ref().unwrap();
    assert_eq!(c.count, 2);
    assert_eq!(c.participants, ["Ada Lovelace", "Grace Hopper"]);
    assert_eq!(c.ids.len(), 2);
    assert!(
        row.has_attachment,
        "the first message's attachment marks the row"
    );
    // Pages of one row each: the second finds only the conversation already shown, at its
    // older message (the list leaves it out), and says where to go on from.
    let p1 = api::mail_list(None, q(), None, 1, true).await.unwrap();
    assert_eq!(p1.rows.len(), 1);
    let p2 = api::mail_list(None, q(), p1.next, 1, true).await.unwrap();
    assert!(p2.rows.iter().all(|r| r.thread_id == row.thread_id));
    // Ungrouped, the same search is two rows, neither a conversation.
    let flat = api::mail_list(None, q(), None, 50, false).await.unwrap();
    assert_eq!(flat.rows.len(), 2);
    assert!(flat.rows.iter().all(|r| r.conversation.is_none()));

    // Starring the row stars both messages, and Undo takes both back.
    let undo = api::mail_act(row.account_id.clone(), row.message_ids(), MailAction::Star)
        .await
        .unwrap();
    let starred = api::mail_list(None, "is:starred subject:engine".into(), None, 50, false)
        .await
        .unwrap();
    assert_eq!(starred.rows.len(), 2, "{starred:?}");
    api::mail_undo(undo).await.unwrap();
    let starred = api::mail_list(None, "is:starred subject:engine".into(), None, 50, false)
        .await
        .unwrap();
    assert!(starred.rows.is_empty(), "{starred:?}");

    // A message gone since the list was read (Gmail saved a draft under a new id) does not
    // refuse the rest; only ids of which none is left are refused.
    let mut ids = row.message_ids();
    ids.push("gone-since".into());
    let undo = api::mail_act(row.account_id.clone(), ids, MailAction::Star)
        .await
        .unwrap();
    assert_eq!(undo.changes.len(), 2);
    api::mail_undo(undo).await.unwrap();
    let err = api::mail_act(
        row.account_id.clone(),
        vec!["gone-since".into()],
        MailAction::Star,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("gone-since"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn older_read_messages_open_as_one_line_each() {
    use libreollama::api;
    api::install(imported().await);
    let page = api::mail_list(None, "subject:engine".into(), None, 50, true)
        .await
        .unwrap();
    let row = &page.rows[0];
    let html = render(
        &format!("/mail/{}/{}", row.account_id, row.thread_id),
        "A nanosecond is 30 cm.",
    )
    .await;
    // The first (read, older) message is a one-line button; the newest is open.
    assert_eq!(
        html.matches("message message-collapsed").count(),
        1,
        "{html}"
    );
    assert_eq!(html.matches(r#"class="message""#).count(), 1, "{html}");
    // …and the open one's head folds it back (in a conversation of several).
    assert!(
        html.contains(r#"class="message-head-toggle" type="button" aria-expanded="true""#),
        "{html}"
    );
    assert!(
        !html.contains("message-frame"),
        "the first one's HTML is not shown: {html}"
    );
    assert!(text_of(&html).contains("Ada Lovelace"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_preference_turns_grouping_off() {
    use libreollama::api;
    imported().await;
    let html = render("/settings", "Group messages into conversations").await;
    assert!(html.contains(r#"type="checkbox""#));
    let s = api::set_conversations(false).await.unwrap();
    assert!(!s.conversations);
    assert!(!api::get_settings().await.unwrap().conversations);
    // The mail page now lists each message: two rows.
    let html = render_all("/", &["Re: Engine notes", "shown"]).await;
    assert!(html.contains("height: 136px"), "{html}");
    assert!(!html.contains("messages in this conversation"), "{html}");
    api::set_conversations(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_is_safe_and_attachments_are_saved() {
    use libreollama::api;
    let s = imported().await;
    libreollama::api::install(s.clone());
    let page = api::mail_list(None, "subject:engine".into(), None, 50, false)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 2, "{page:?}");
    let first = page
        .rows
        .iter()
        .find(|r| r.subject == "Engine notes")
        .unwrap();
    let t = api::mail_thread(first.account_id.clone(), first.thread_id.clone(), false)
        .await
        .unwrap();
    assert_eq!(t.messages.len(), 2, "the reply is threaded with it: {t:?}");
    let m = &t.messages[0];
    let h = m.html.as_ref().unwrap();
    assert_eq!(h.blocked_images, 1);
    for bad in ["track.example", "onclick", "<script", "alert(", "cid:"] {
        assert!(!h.srcdoc.contains(bad), "{bad} in {}", h.srcdoc);
    }
    assert!(
        h.srcdoc.contains("data:image/png;base64,iVBORw0KGgo="),
        "{}",
        h.srcdoc
    );
    assert!(h.srcdoc.contains("default-src 'none'; img-src data:;"));
    assert_eq!(m.attachments.len(), 1, "{:?}", m.attachments);
    assert_eq!(m.attachments[0].filename, "numbers.csv");

    // Once, then always for this sender.
    let once = api::mail_thread(t.account_id.clone(), t.thread_id.clone(), true)
        .await
        .unwrap();
    assert!(once.messages[0]
        .html
        .as_ref()
        .unwrap()
        .srcdoc
        .contains("https://track.example/o.gif"));
    let again = api::mail_thread(t.account_id.clone(), t.thread_id.clone(), false)
        .await
        .unwrap();
    assert_eq!(again.messages[0].html.as_ref().unwrap().blocked_images, 1);
    api::mail_allow_images(t.account_id.clone(), m.from.clone())
        .await
        .unwrap();
    let always = api::mail_thread(t.account_id.clone(), t.thread_id.clone(), false)
        .await
        .unwrap();
    assert!(always.messages[0].html.as_ref().unwrap().images_shown);

    // Saved twice: the second copy does not overwrite the first.
    let p1 = api::mail_save_attachment(
        t.account_id.clone(),
        m.id.clone(),
        m.attachments[0].part_id.clone(),
    )
    .await
    .unwrap();
    let p2 = api::mail_save_attachment(
        t.account_id.clone(),
        m.id.clone(),
        m.attachments[0].part_id.clone(),
    )
    .await
    .unwrap();
    assert_ne!(p1, p2);
    assert!(p2.ends_with("numbers (1).csv"), "{p2}");
    assert_eq!(
        std::fs::read_to_string(&p1).unwrap().replace("\r\n", "\n"),
        "q,revenue\nQ1,10"
    );

    // Actions on an archive change the cache only (there is no server to tell).
    api::mail_act(
        t.account_id.clone(),
        vec![m.id.clone()],
        libreollama::model::MailAction::Star,
    )
    .await
    .unwrap();
    let starred = api::mail_list(None, "is:starred".into(), None, 50, false)
        .await
        .unwrap();
    assert_eq!(starred.rows.len(), 1);
    assert_eq!(api::mail_status().await.unwrap().pending_changes, 0);
    // Undo takes the star back, and queues nothing either.
    let undo = api::mail_act(
        t.account_id.clone(),
        vec![m.id.clone()],
        libreollama::model::MailAction::Star,
    )
    .await
    .unwrap();
    assert!(undo.is_noop(), "starred already: nothing to undo");
    let undo = api::mail_act(
        t.account_id.clone(),
        vec![m.id.clone()],
        libreollama::model::MailAction::Unstar,
    )
    .await
    .unwrap();
    assert!(!undo.is_noop());
    api::mail_undo(undo).await.unwrap();
    let starred = api::mail_list(None, "is:starred".into(), None, 50, false)
        .await
        .unwrap();
    assert_eq!(starred.rows.len(), 1, "the star is back");
    assert_eq!(api::mail_status().await.unwrap().pending_changes, 0);

    // A bad search says what is wrong.
    let err = api::mail_list(None, "(from:ada".into(), None, 50, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not be read"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn activity_and_status_render() {
    imported().await;
    let html = render("/", "Sync now").await;
    assert!(text_of(&html).contains("Mail"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_frame_does_not_say_there_is_no_mail() {
    imported().await;
    // Before the accounts are read, the folder pane must not tell someone with mail that
    // there is none (it did, for a moment, on every start).
    let first = text_of(&support::ui::render_first("/"));
    assert!(first.contains("Sync now"), "{first}");
    assert!(!first.contains("No mail on this device yet"), "{first}");
}
