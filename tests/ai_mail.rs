//! AI on mail against a real llama.cpp server with a real tiny model: tasks found in a mail
//! (a malformed answer is retried; one that stays malformed gives a clear error), reviewed tasks
//! added to the task list, a drafted reply saved as a local draft, "ask your mailbox" (vectors
//! from an embedding server as a job, nearest messages by vector and keyword, an answer citing
//! them), and chat
//! regenerate / edit-and-resend followed through the UI's polling path.

#![cfg(feature = "backend")]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libreollama::model::{DraftOrigin, EndpointKind, JobState, LiveResult, TaskProposal};
use libreollama::services::AppServices;
use support::faults::{self, Fault};
use support::peers;
use tokio_util::sync::CancellationToken;

const MAILS: &[(&str, &str, &str)] = &[
    (
        "Signed contract",
        "Bob <bob@example.com>",
        "Hi, please send me the signed contract by 2026-12-01 and book the meeting room for our review. Thanks, Bob",
    ),
    (
        "Dentist appointment",
        "Clinic <desk@dentist.example>",
        "Your dentist appointment for a check-up is on Tuesday 8 December at 14:30 with Dr. Lee. Reply to cancel.",
    ),
    (
        "Football training",
        "Coach <coach@club.example>",
        "Football training moves to the north pitch this week. Bring boots and a water bottle.",
    ),
    (
        "Invoice 4711",
        "Billing <billing@power.example>",
        "Your electricity invoice 4711 of 82.40 EUR is due on 15 December. Pay by bank transfer.",
    ),
    (
        "Garden party",
        "Eve <eve@example.com>",
        "We are having a garden party on Saturday afternoon. Bring a salad if you like!",
    ),
];

async fn seeded(dir: &std::path::Path) -> (Arc<AppServices>, String) {
    let s = support::start(&dir.join("data")).await;
    let mut mbox = String::new();
    for (i, (subject, from, body)) in MAILS.iter().enumerate() {
        mbox.push_str(&format!(
            "From x Mon Nov 16 09:00:00 2026\nFrom: {from}\nTo: Ada <archive@localhost>\nSubject: {subject}\nDate: Mon, {} Nov 2026 09:00:00 +0000\nMessage-ID: <m{i}@example.com>\n\n{body}\n\n",
            10 + i
        ));
    }
    let path = dir.join("seed.mbox");
    std::fs::write(&path, mbox).unwrap();
    libreollama::mail::import::import_path(&s.store, &path, |_| {})
        .await
        .unwrap();
    let account = libreollama::mail::import::ARCHIVE_ACCOUNT.to_string();
    (s, account)
}

async fn message_id(s: &AppServices, subject: &str) -> (String, String) {
    let row = s
        .mail
        .list(None, format!("subject:\"{subject}\""), None, 5, false)
        .await
        .unwrap()
        .rows
        .remove(0);
    (row.id, row.thread_id)
}

static CHATS_A: AtomicU64 = AtomicU64::new(0);
static CHATS_B: AtomicU64 = AtomicU64::new(0);

fn first_chat_malformed(_: u64, req: &str) -> Fault {
    if req.starts_with("POST /v1/chat/completions") && CHATS_A.fetch_add(1, Ordering::SeqCst) == 0 {
        return Fault::MalformedReply;
    }
    Fault::Pass
}

fn every_chat_malformed(_: u64, req: &str) -> Fault {
    if req.starts_with("POST /v1/chat/completions") {
        CHATS_B.fetch_add(1, Ordering::SeqCst);
        return Fault::MalformedReply;
    }
    Fault::Pass
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_drafts_and_chat_edits() {
    let peer = peers::llama_server(false);
    let dir = tempfile::tempdir().unwrap();
    let (s, account) = seeded(dir.path()).await;
    let (mid, tid) = message_id(&s, "Signed contract").await;

    // The context comes from the server (llama.cpp's per-request n_ctx), not a guess.
    let direct =
        s.ai.add_endpoint("direct", EndpointKind::OpenAi, &peer.base, None)
            .await
            .unwrap();
    let ctx = s.ai.context_tokens(&direct.id, "any").await;
    assert_eq!(ctx, 1024, "2,048 tokens shared by 2 slots");

    // A first answer that is broken JSON is shown to the model with what was wrong; the
    // second (constrained by the schema) passes.
    let proxy = faults::start(peer.base.clone(), first_chat_malformed).await;
    let ep =
        s.ai.add_endpoint("llama.cpp", EndpointKind::OpenAi, &proxy.base, None)
            .await
            .unwrap();
    s.ai.set_default(&ep.id).await.unwrap();
    let cancel = CancellationToken::new();
    let off =
        s.ai.extract_tasks(&account, &mid, None, &cancel)
            .await
            .unwrap_err();
    assert!(off.to_string().contains("ai mail on"), "{off}");
    s.ai.set_mail_enabled(&account, true).await.unwrap();
    let found =
        s.ai.extract_tasks(&account, &mid, None, &cancel)
            .await
            .unwrap();
    assert_eq!(proxy.counts.faults.load(Ordering::SeqCst), 1);
    assert!(CHATS_A.load(Ordering::SeqCst) >= 2, "retried");
    for t in &found {
        assert!(!t.title.trim().is_empty());
        if let Some(d) = &t.due {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        }
    }

    // Reviewed (here: edited by the user) and added to the task list, linked to the mail.
    let mut chosen = found.clone();
    chosen.push(TaskProposal {
        title: "Book the meeting room".into(),
        due: Some("2026-11-30".into()),
        notes: String::new(),
    });
    let bad =
        s.ai.create_tasks(
            &account,
            Some(mid.clone()),
            vec![TaskProposal {
                title: "x".into(),
                due: Some("next week".into()),
                notes: String::new(),
            }],
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("not a date"), "{bad}");
    let ids =
        s.ai.create_tasks(&account, Some(mid.clone()), chosen.clone())
            .await
            .unwrap();
    assert_eq!(ids.len(), chosen.len());
    let listed = s
        .store
        .read(|c| libreollama::store::tasks::list(c, None))
        .await
        .unwrap();
    assert_eq!(listed.len(), chosen.len());
    let room = listed
        .iter()
        .find(|t| t.title == "Book the meeting room")
        .unwrap();
    assert_eq!(room.due_date.as_deref(), Some("2026-11-30"));
    assert_eq!(room.source_message_id.as_deref(), Some(mid.as_str()));

    // A model that never answers properly: a clear error after three tries, nothing created.
    let stuck = faults::start(peer.base.clone(), every_chat_malformed).await;
    let ep2 =
        s.ai.add_endpoint("broken", EndpointKind::OpenAi, &stuck.base, None)
            .await
            .unwrap();
    s.ai.set_default(&ep2.id).await.unwrap();
    let err =
        s.ai.extract_tasks(&account, &mid, None, &cancel)
            .await
            .unwrap_err();
    assert!(
        err.to_string().contains("no usable task list in 3 tries"),
        "{err}"
    );
    assert_eq!(CHATS_B.load(Ordering::SeqCst), 3);
    s.ai.set_default(&direct.id).await.unwrap();

    // A drafted reply becomes a local draft addressed to the sender, threaded, editable.
    let mut streamed = String::new();
    let d =
        s.ai.draft_reply(
            &account,
            &tid,
            Some("yes, by Monday".into()),
            &cancel,
            |p| streamed.push_str(p),
        )
        .await
        .unwrap();
    assert_eq!(d.to, "Bob <bob@example.com>");
    assert_eq!(d.subject, "Re: Signed contract");
    assert_eq!(d.origin, DraftOrigin::Ai);
    assert_eq!(d.body, streamed.trim());
    let edited = s
        .compose
        .save(
            &d.id,
            libreollama::model::DraftEdit {
                to: d.to.clone(),
                subject: d.subject.clone(),
                body: "Will do — Ada".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.origin, DraftOrigin::User);
    assert_eq!(
        s.compose.drafts(Some(account.clone())).await.unwrap().len(),
        1
    );

    // Chat through the polling path the UI uses: send, regenerate, edit-and-resend.
    let conv =
        s.ai.create_conversation("t", Some(direct.id.clone()), "any", "Answer in one line.")
            .await
            .unwrap();
    let wait = |id: u64| {
        let s = s.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let v = s.ai.live.poll(id).unwrap();
                if v.done {
                    return v;
                }
                assert!(Instant::now() < deadline, "no end to the reply");
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        }
    };
    let v = wait(s.ai.start_reply(conv.id.clone(), Some("Name a fruit.".into()), None)).await;
    let Some(LiveResult::Reply(first)) = v.result else {
        panic!("{v:?}")
    };
    assert_eq!(v.text, first.content);
    let v = wait(s.ai.start_reply(conv.id.clone(), None, None)).await;
    let Some(LiveResult::Reply(second)) = v.result else {
        panic!("{v:?}")
    };
    let msgs = s.ai.messages(&conv.id).await.unwrap();
    assert_eq!(msgs.len(), 2, "regenerate replaces the reply: {msgs:?}");
    assert_eq!(msgs[1].id, second.id);
    assert_eq!(
        (msgs[0].content.as_str(), msgs[1].state.as_str()),
        ("Name a fruit.", "complete")
    );
    let v = wait(s.ai.start_reply(
        conv.id.clone(),
        Some("Name a vegetable.".into()),
        Some(msgs[0].id),
    ))
    .await;
    assert!(v.error.is_none(), "{v:?}");
    let msgs = s.ai.messages(&conv.id).await.unwrap();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].content, "Name a vegetable.");
    let err =
        s.ai.edit_and_resend(&conv.id, msgs[1].id, "x", None, &cancel, |_| {})
            .await
            .unwrap_err();
    assert!(err.to_string().contains("only your own"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_your_mailbox_cites_what_it_used() {
    let chat = peers::llama_server(false);
    let embed = peers::llama_server(true);
    let dir = tempfile::tempdir().unwrap();
    let (s, account) = seeded(dir.path()).await;
    let chat_ep =
        s.ai.add_endpoint("chat", EndpointKind::OpenAi, &chat.base, None)
            .await
            .unwrap();
    s.ai.set_default(&chat_ep.id).await.unwrap();
    let emb_ep =
        s.ai.add_endpoint("embeddings", EndpointKind::OpenAi, &embed.base, None)
            .await
            .unwrap();
    let emb_model = s.ai.health(&emb_ep.id).await.unwrap().models[0].clone();
    s.ai.set_embedding_model(&emb_ep.id, &emb_model)
        .await
        .unwrap();
    s.ai.set_mail_enabled(&account, true).await.unwrap();
    let cancel = CancellationToken::new();

    let err =
        s.ai.ask_mail(&account, "When is the dentist?", &cancel, |_| {})
            .await
            .unwrap_err();
    assert!(err.to_string().contains("not indexed"), "{err}");

    // Indexing is a job with progress.
    let job = s.ai.start_indexing(&account).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let view = loop {
        let v = s.ai.jobs.list().into_iter().find(|j| j.id == job).unwrap();
        if v.state != JobState::Running {
            break v;
        }
        assert!(Instant::now() < deadline, "indexing did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(view.state, JobState::Done, "{view:?}");
    assert_eq!(view.done, MAILS.len() as u64);
    assert_eq!(view.total, Some(MAILS.len() as u64));
    let st = s.ai.index_status(&account).await.unwrap();
    assert_eq!((st.indexed, st.total), (5, 5));

    // Retrieval puts the matching mail first; the answer streams and lists its sources.
    let near =
        s.ai.nearest(&account, "dentist appointment check-up", 3)
            .await
            .unwrap();
    let (dentist, _) = message_id(&s, "Dentist appointment").await;
    assert_eq!(near[0].1, dentist, "{near:?}");
    assert!(near.windows(2).all(|w| w[0].0 >= w[1].0));

    let mut streamed = String::new();
    let answer =
        s.ai.ask_mail(&account, "When is my dentist appointment?", &cancel, |p| {
            streamed.push_str(p)
        })
        .await
        .unwrap();
    assert_eq!(answer.text, streamed);
    assert!(!answer.text.trim().is_empty());
    assert_eq!(answer.sources.len(), 5);
    assert_eq!(answer.sources[0].message_id, dentist);
    assert_eq!(answer.sources[0].subject, "Dentist appointment");
    assert!(answer.sources.iter().enumerate().all(|(i, s)| s.n == i + 1));

    // A second run only embeds what is new (nothing here) and ends at once.
    let job = s.ai.start_indexing(&account).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = s.ai.jobs.list().into_iter().find(|j| j.id == job).unwrap();
    assert_eq!((v.state, v.done), (JobState::Done, 0), "{v:?}");
}
