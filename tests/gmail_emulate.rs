//! The Gmail REST client against the `emulate` Google emulator: labels, messages (list, get in
//! every format, modify, batchModify, trash/untrash), threads and history.

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::google::gmail::messages::{Format, ListParams};
use libreollama::google::gmail::types::ModifyRequest;
use libreollama::google::gmail::Gmail;
use libreollama::google::GoogleEndpoints;
use libreollama::services::AppServices;
use support::peers;

fn seed(port: u16) -> String {
    format!(
        r#"google:
  users:
    - email: ada@example.com
      name: Ada Lovelace
  oauth_clients:
    - client_id: gmail-test.apps.googleusercontent.com
      client_secret: GOCSPX-gmail
      redirect_uris:
        - http://127.0.0.1:{port}/
  labels:
    - id: Label_ops
      user_email: ada@example.com
      name: Ops
  messages:
    - id: msg_1
      user_email: ada@example.com
      from: grace@example.com
      to: ada@example.com
      subject: Grüße und Pläne
      body_text: Hallo Ada, anbei der Plan.
      label_ids: [INBOX, UNREAD]
    - id: msg_2
      user_email: ada@example.com
      from: bob@example.com
      to: ada@example.com
      subject: Lunch?
      body_html: "<p>Pizza <b>Friday</b></p>"
      label_ids: [INBOX]
"#
    )
}

/// An emulate peer with Ada signed in through the app.
async fn signed_in() -> (
    peers::Peer,
    std::sync::Arc<AppServices>,
    libreollama::model::AccountSummary,
    tempfile::TempDir,
) {
    let si = peers::signed_in_ada(
        seed,
        "gmail-test.apps.googleusercontent.com",
        "GOCSPX-gmail",
        |cfg| cfg.google.retry.base = Duration::from_millis(5),
    )
    .await;
    (si.peer, si.services, si.account, si.dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn gmail_resources_round_trip() {
    let (_peer, s, account, _dir) = signed_in().await;
    let gmail = Gmail::new(
        s.google.clone(),
        s.config.google.endpoints.gmail_base.clone(),
        account.id.clone(),
    );

    // Labels.
    let labels = gmail.labels_list().await.unwrap();
    assert!(labels.iter().any(|l| l.id == "INBOX"), "{labels:?}");
    assert!(labels.iter().any(|l| l.name == "Ops"));
    let created = gmail.labels_create("Projects/Äpfel").await.unwrap();
    assert_eq!(created.name, "Projects/Äpfel");
    let renamed = gmail
        .labels_patch(&created.id, "Projects/Birnen")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Projects/Birnen");
    assert_eq!(
        gmail.labels_get(&created.id).await.unwrap().name,
        "Projects/Birnen"
    );
    gmail.labels_delete(&created.id).await.unwrap();
    assert!(!gmail
        .labels_list()
        .await
        .unwrap()
        .iter()
        .any(|l| l.id == created.id));

    // Messages: list, then get in each format.
    let list = gmail
        .messages_list(&ListParams {
            label_ids: vec!["INBOX".into()],
            max_results: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = list.messages.iter().map(|m| m.id.as_str()).collect();
    assert!(ids.contains(&"msg_1") && ids.contains(&"msg_2"), "{ids:?}");
    let meta = gmail
        .messages_get("msg_1", Format::Metadata, &["Subject", "From"])
        .await
        .unwrap();
    assert_eq!(meta.header("Subject"), Some("Grüße und Pläne"));
    assert!(meta.internal_date.unwrap() > 0);
    assert!(meta.label_ids.contains(&"UNREAD".to_string()));
    let full = gmail
        .messages_get("msg_2", Format::Full, &[])
        .await
        .unwrap();
    assert!(full.payload.is_some());
    let raw = gmail.messages_get("msg_1", Format::Raw, &[]).await.unwrap();
    assert!(raw.raw.as_deref().is_some_and(|r| !r.is_empty()));
    let minimal = gmail
        .messages_get("msg_1", Format::Minimal, &[])
        .await
        .unwrap();
    assert_eq!(minimal.thread_id, meta.thread_id);

    // Modify, batchModify, trash and untrash are seen on the server.
    let read = ModifyRequest {
        remove_label_ids: vec!["UNREAD".into()],
        ..Default::default()
    };
    let m = gmail.messages_modify("msg_1", &read).await.unwrap();
    assert!(!m.label_ids.contains(&"UNREAD".to_string()));
    let star = ModifyRequest {
        add_label_ids: vec!["STARRED".into(), "Label_ops".into()],
        ..Default::default()
    };
    gmail
        .messages_batch_modify(&["msg_1".into(), "msg_2".into()], &star)
        .await
        .unwrap();
    for id in ["msg_1", "msg_2"] {
        let m = gmail.messages_get(id, Format::Minimal, &[]).await.unwrap();
        assert!(
            m.label_ids.contains(&"STARRED".to_string())
                && m.label_ids.contains(&"Label_ops".to_string()),
            "{m:?}"
        );
    }
    let t = gmail.messages_trash("msg_2").await.unwrap();
    assert!(t.label_ids.contains(&"TRASH".to_string()));
    let u = gmail.messages_untrash("msg_2").await.unwrap();
    assert!(!u.label_ids.contains(&"TRASH".to_string()));

    // Threads.
    let threads = gmail.threads_list(None, None, 10).await.unwrap();
    assert!(!threads.threads.is_empty());
    let th = gmail
        .threads_get(&meta.thread_id, "metadata")
        .await
        .unwrap();
    assert!(th.messages.iter().any(|m| m.id == "msg_1"));
    let archived = gmail
        .threads_modify(
            &meta.thread_id,
            &ModifyRequest {
                remove_label_ids: vec!["INBOX".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        archived
            .messages
            .iter()
            .all(|m| !m.label_ids.contains(&"INBOX".to_string())),
        "{archived:?}"
    );

    // History since the first message's history id lists the label changes we made.
    let start = meta.history_id.expect("messages carry a history id");
    let h = gmail.history_list(&start, None).await.unwrap();
    assert!(h.history_id.clone().unwrap() >= start);
    let changed: Vec<&str> = h
        .history
        .iter()
        .flat_map(|e| {
            e.labels_added
                .iter()
                .chain(e.labels_removed.iter())
                .map(|l| l.message.id.as_str())
        })
        .collect();
    assert!(changed.contains(&"msg_1"), "{h:?}");

    // The profile carries the address and the current history id.
    let profile = gmail.get_profile().await;
    if let Ok(p) = profile {
        assert_eq!(p.email_address, "ada@example.com");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn full_then_incremental_sync_mirrors_the_server() {
    use libreollama::search::{parse, Clock};
    use libreollama::store::{mail, threads};
    use libreollama::sync::gmail::{for_account, SyncState};

    let (_peer, s, account, _dir) = signed_in().await;
    let base = s.config.google.endpoints.gmail_base.clone();
    let mut sync = for_account(&s.store, s.google.clone(), &base, &account.id);
    sync.page_size = 1; // several pages, each stored with its cursor
    let cancel = Default::default();

    let r = sync.run(&cancel).await.unwrap();
    assert_eq!((r.mode.as_str(), r.fetched), ("full", 2), "{r:?}");
    assert!(r.pages >= 2);
    let st: SyncState = sync.state().await.unwrap();
    assert!(st.full_sync_complete && st.history_id.is_some() && st.full_sync_page_token.is_none());

    let search = |q: &'static str| {
        let s = s.clone();
        let id = account.id.clone();
        async move {
            let q = parse(
                q,
                Clock {
                    now_ms: 0,
                    utc_offset_secs: 0,
                },
            )
            .unwrap();
            s.store
                .read(move |c| mail::search(c, Some(&id), &q, 50, None))
                .await
                .unwrap()
                .into_iter()
                .map(|h| h.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("is:unread").await, ["msg_1"]);
    assert_eq!(search("subject:Pläne").await, ["msg_1"]);

    // Change the server: read msg_1, trash msg_2. The incremental run applies both.
    let gmail = Gmail::new(s.google.clone(), base.clone(), account.id.clone());
    gmail
        .messages_modify(
            "msg_1",
            &ModifyRequest {
                remove_label_ids: vec!["UNREAD".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    gmail.messages_trash("msg_2").await.unwrap();
    let r = sync.run(&cancel).await.unwrap();
    assert_eq!(r.mode, "incremental", "{r:?}");
    assert!(search("is:unread").await.is_empty());
    assert_eq!(search("in:trash").await, ["msg_2"]);
    // Bodies: fetched on demand (raw → parsed → sanitized) and backfilled.
    sync.fetch_body("msg_2").await.unwrap();
    let acc = account.id.clone();
    let html: Option<String> = s
        .store
        .read(move |c| {
            let (_, thread) = mail::locate(c, "msg_2", None)?.unwrap();
            let m = threads::messages(c, &acc, &thread)?
                .into_iter()
                .find(|m| m.id == "msg_2")
                .unwrap();
            assert!(m.body_fetched);
            Ok(m.html)
        })
        .await
        .unwrap();
    // emulate writes an HTML-only body's Content-Type after the blank line (in the body), so
    // MIME-wise it is plain text: it must arrive as escaped text, never as live markup.
    assert_eq!(html, None::<String>, "no HTML part, so nothing to frame");
    assert_eq!(
        sync.backfill_bodies(10, &cancel).await.unwrap(),
        1,
        "only msg_1 still lacked a body"
    );
    assert_eq!(search("anbei").await, ["msg_1"]);
    assert_eq!(sync.backfill_bodies(10, &cancel).await.unwrap(), 0);

    // Running again with nothing new changes nothing and duplicates nothing.
    sync.run(&cancel).await.unwrap();
    let n: i64 = s
        .store
        .read(|c| mail::count_messages(c, None))
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn local_actions_apply_at_once_reach_gmail_and_roll_back_when_refused() {
    use libreollama::store::{labels, mail, mail_actions};
    use libreollama::sync::gmail::for_account;
    use libreollama::sync::mail_actions::{self as actions, Action};

    let (_peer, s, account, _dir) = signed_in().await;
    let base = s.config.google.endpoints.gmail_base.clone();
    let sync = for_account(&s.store, s.google.clone(), &base, &account.id);
    sync.run(&Default::default()).await.unwrap();
    let gmail = Gmail::new(s.google.clone(), base, account.id.clone());
    let cached_labels = |id: &'static str| {
        let (s, acc) = (s.clone(), account.id.clone());
        async move {
            s.store
                .read(move |c| Ok(labels::of_message(c, &acc, id)?.unwrap_or_default().1))
                .await
                .unwrap()
        }
    };

    // Archive + read: the cache changes at once, the queue holds both, the server has neither yet.
    actions::apply(&s.store, &account.id, &["msg_1".into()], Action::Archive)
        .await
        .unwrap();
    actions::apply(&s.store, &account.id, &["msg_1".into()], Action::MarkRead)
        .await
        .unwrap();
    assert!(!cached_labels("msg_1").await.contains(&"INBOX".to_string()));
    let on_server = gmail
        .messages_get("msg_1", Format::Minimal, &[])
        .await
        .unwrap();
    assert!(on_server.label_ids.contains(&"INBOX".to_string()));

    let r = actions::push(&s.store, &gmail, &account.id).await.unwrap();
    assert_eq!((r.pushed, r.refused.len(), r.pending), (2, 0, 0), "{r:?}");
    let on_server = gmail
        .messages_get("msg_1", Format::Minimal, &[])
        .await
        .unwrap();
    assert!(
        !on_server.label_ids.contains(&"INBOX".to_string())
            && !on_server.label_ids.contains(&"UNREAD".to_string()),
        "{on_server:?}"
    );

    // A message Gmail does not know: the star is refused, rolled back, and kept as failed.
    let ghost = mail::NewMessage {
        account_id: account.id.clone(),
        id: "ghost".into(),
        thread_id: "ghost".into(),
        internal_date: 1,
        label_ids: vec!["INBOX".into()],
        ..Default::default()
    };
    s.store
        .transaction(move |tx| mail::upsert_messages(tx, &[ghost]))
        .await
        .unwrap();
    actions::apply(&s.store, &account.id, &["ghost".into()], Action::Star)
        .await
        .unwrap();
    assert!(cached_labels("ghost")
        .await
        .contains(&"STARRED".to_string()));
    let r = actions::push(&s.store, &gmail, &account.id).await.unwrap();
    assert_eq!(r.refused.len(), 1, "{r:?}");
    assert_eq!(cached_labels("ghost").await, ["INBOX"]);
    let states = s.store.read(mail_actions::states).await.unwrap();
    assert_eq!(states.len(), 1, "{states:?}");
    let failed = (states[0].0.clone(), states[0].1.clone().unwrap_or_default());
    assert_eq!(failed.0, "failed");
    assert!(failed.1.contains("404"), "{failed:?}");
    assert!(
        actions::apply(&s.store, &account.id, &["nope".into()], Action::Trash)
            .await
            .is_err()
    );
}

/// The mail service as the UI drives it: "Sync now" runs a named job to completion, opening a
/// conversation downloads its body and marks it read, and an archive reaches Gmail.
#[tokio::test(flavor = "multi_thread")]
async fn mail_service_syncs_opens_and_acts_like_the_ui() {
    use libreollama::model::{JobKind, JobState, MailAction};
    let (_peer, s, account, _dir) = signed_in().await;
    let started = s.mail.sync_now(None).await.unwrap().unwrap();
    assert_eq!(started.len(), 1, "one job per active account");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        let st = s.mail.status().await.unwrap();
        let sync = st
            .jobs
            .iter()
            .find(|j| j.kind == JobKind::MailSync)
            .cloned();
        if let Some(j) = sync.filter(|j| j.state != JobState::Running) {
            break (st, j);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync never finished: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (st, job) = status;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!(job.name, "Syncing ada@example.com");
    assert!(
        job.done >= 2,
        "progress counted the stored messages: {job:?}"
    );
    assert!(st.offline.is_none());
    assert!(st.last_sync_unix.is_some());

    // Folders with counts from the cache.
    let accounts = s.mail.accounts().await.unwrap();
    let inbox = accounts[0].labels.iter().find(|l| l.id == "INBOX").unwrap();
    assert_eq!((inbox.total, inbox.unread), (2, 1), "{inbox:?}");
    assert!(accounts[0]
        .labels
        .iter()
        .any(|l| l.name == "Ops" && !l.system));

    // The list pages the inbox newest first; opening a conversation fetches its body.
    let page = s
        .mail
        .list(Some(account.id.clone()), "in:inbox".into(), None, 10, false)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 2);
    let grace = page.rows.iter().find(|r| r.id == "msg_1").unwrap().clone();
    assert!(grace.unread);
    let t = s
        .mail
        .thread(&account.id, &grace.thread_id, false)
        .await
        .unwrap();
    let m = &t.messages[0];
    assert!(
        m.text
            .as_deref()
            .unwrap_or_default()
            .contains("anbei der Plan"),
        "{m:?}"
    );
    assert!(m.body_note.is_none(), "{m:?}");
    let bob = page.rows.iter().find(|r| r.id == "msg_2").unwrap().clone();
    let t2 = s
        .mail
        .thread(&account.id, &bob.thread_id, false)
        .await
        .unwrap();
    // emulate serves an HTML-only message as text whose body starts with its Content-Type
    // line (its quirk), so the reader shows it as text; HTML framing is covered in ui_mail.
    let bob_text = t2.messages[0].text.clone().unwrap_or_default();
    assert!(bob_text.contains("Pizza"), "{:?}", t2.messages[0]);

    // Opening marked it read locally at once; archive goes to Gmail in the background.
    s.mail
        .act(&account.id, vec!["msg_1".into()], MailAction::Archive)
        .await
        .unwrap();
    let gmail = Gmail::new(
        s.google.clone(),
        s.config.google.endpoints.gmail_base.clone(),
        account.id.clone(),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let st = s.mail.status().await.unwrap();
        let remote = gmail
            .messages_get("msg_1", Format::Minimal, &[])
            .await
            .unwrap();
        if st.pending_changes == 0
            && !remote
                .label_ids
                .iter()
                .any(|l| l == "INBOX" || l == "UNREAD")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "changes never reached Gmail: {st:?} {remote:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let inbox = s
        .mail
        .list(Some(account.id.clone()), "in:inbox".into(), None, 10, false)
        .await
        .unwrap();
    assert_eq!(inbox.rows.len(), 1);
    assert!(s.mail.status().await.unwrap().failed_changes.is_empty());

    // Asking Gmail online finds a message the cache does not hold, and stores it.
    let acc = account.id.clone();
    s.store
        .write(move |c| libreollama::store::mail::delete_messages(c, &acc, &["msg_2".to_string()]))
        .await
        .unwrap();
    let online = s
        .mail
        .search_online(&account.id, "from:bob@example.com".into(), None, 20, false)
        .await
        .unwrap();
    let ids: Vec<&str> = online.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["msg_2"], "{online:?}");
    assert_eq!(online.rows[0].subject, "Lunch?");
    assert!(
        s.mail.locate("msg_2", None).await.is_ok(),
        "stored in the cache"
    );
}

/// Label changes Gmail has been asked to make, counted at the wire.
static MODIFIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_modifies(_n: u64, request: &str) -> support::faults::Fault {
    if request.starts_with("POST") && request.contains("/modify") {
        MODIFIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    support::faults::Fault::Pass
}

/// Two processes on one data folder (two service stacks, each with its own connections and
/// lock handles, as the app and `libreollama mail sync` have) push the same queue at once:
/// every change reaches Gmail exactly once, and in the order made (the last one wins).
#[tokio::test(flavor = "multi_thread")]
async fn two_pushers_on_one_folder_send_each_change_once_and_in_order() {
    use libreollama::store::queue::{self, Queue};
    use libreollama::sync::gmail::for_account;
    use libreollama::sync::mail_actions::{self, Action};

    let (peer, s, account, dir) = signed_in().await;
    let base = s.config.google.endpoints.gmail_base.clone();
    for_account(&s.store, s.google.clone(), &base, &account.id)
        .run(&Default::default())
        .await
        .unwrap();
    // Star and unstar both messages in turn; the last change stars them.
    const CHANGES: usize = 42;
    for i in 0..CHANGES {
        let id = ["msg_1", "msg_2"][i % 2];
        let action = if (i / 2) % 2 == 0 {
            Action::Star
        } else {
            Action::Unstar
        };
        mail_actions::apply(&s.store, &account.id, &[id.into()], action)
            .await
            .unwrap();
    }
    let proxy = support::faults::start(peer.base.clone(), count_modifies).await;
    let process = || {
        let (dir, proxy) = (dir.path().to_path_buf(), proxy.base.clone());
        async move {
            let mut cfg = support::config(&dir);
            cfg.google.endpoints = GoogleEndpoints::single_host(&proxy);
            AppServices::start(cfg).await.unwrap()
        }
    };
    let (a, b) = (process().await, process().await);
    let gmail = |s: &AppServices| {
        Gmail::new(
            s.google.clone(),
            s.config.google.endpoints.gmail_base.clone(),
            account.id.clone(),
        )
    };
    let (ga, gb) = (gmail(&a), gmail(&b));
    let (ra, rb) = tokio::join!(
        mail_actions::push(&a.store, &ga, &account.id),
        mail_actions::push(&b.store, &gb, &account.id)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.pushed + rb.pushed, CHANGES, "{ra:?} {rb:?}");
    assert!(ra.refused.is_empty() && rb.refused.is_empty());
    assert_eq!(
        MODIFIES.load(std::sync::atomic::Ordering::SeqCst),
        CHANGES as u64,
        "each change sent once"
    );
    let left = s
        .store
        .read(|c| queue::counts(c, Queue::MailActions, None))
        .await
        .unwrap();
    assert_eq!(left, (0, 0));
    let g = Gmail::new(s.google.clone(), base, account.id.clone());
    for id in ["msg_1", "msg_2"] {
        let m = g.messages_get(id, Format::Minimal, &[]).await.unwrap();
        assert!(m.label_ids.iter().any(|l| l == "STARRED"), "{m:?}");
    }
}
