//! Writing mail against the `emulate` Google emulator: replies threaded on the server, drafts
//! copied to Gmail's Drafts and sent through them, bad input refused with the draft kept, undo
//! within the window (never sent), a scheduled mail sent when due; and, with real processes
//! killed (SIGKILL) in each outbox state, every mail sent exactly once; passes of two stores and
//! of other processes racing over one outbox send each mail once. Snooze wakes after a restart.
//! Time windows (undo, schedule, the pause before a draft goes to Gmail) are crossed by moving
//! the services' clock, not by sleeping; only the other processes' windows are waited out.

#![cfg(feature = "backend")]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libreollama::google::gmail::messages::ListParams;
use libreollama::google::gmail::Gmail;
use libreollama::model::{ComposeKind, DraftEdit};
use libreollama::services::AppServices;
use support::compose::{edit, gmail, setup, setup_via};
use support::faults;

/// Messages at the emulator matching a Gmail query; `subject:=X` is an exact subject (the
/// emulator's query parser splits quoted phrases).
async fn at_gmail(g: &Gmail, q: &str) -> Vec<libreollama::google::gmail::types::Message> {
    let exact = q.strip_prefix("subject:=");
    let list = g
        .messages_list(&ListParams {
            q: exact.is_none().then(|| q.to_string()),
            include_spam_trash: true,
            max_results: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    for m in list.messages {
        out.push(
            g.messages_get(
                &m.id,
                libreollama::google::gmail::messages::Format::Metadata,
                &[],
            )
            .await
            .unwrap(),
        );
    }
    if let Some(subject) = exact {
        out.retain(|m| m.header("Subject") == Some(subject));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_thread_drafts_reach_gmail_and_bad_input_keeps_the_draft() {
    let t = setup().await;
    let (s, g) = (&t.s, gmail(&t));
    let c = &s.compose;
    let clock = c.clock().clone();

    // Reply and reply-all: who, subject, quote, threading headers.
    let reply = c
        .compose(&t.acc, ComposeKind::Reply, Some("msg_plans"))
        .await
        .unwrap();
    assert_eq!(reply.to, "Bob <bob@example.com>");
    assert_eq!(reply.subject, "Re: Plans for Friday");
    // (The emulator's raw messages carry their Content-Type line in the body; the quote
    // shows it as the reader does.)
    assert!(
        reply.body.contains("Bob <bob@example.com> wrote:\n> ")
            && reply
                .body
                .contains("\n> Shall we meet at noon?\n>> an old quote"),
        "{}",
        reply.body
    );
    assert_eq!(reply.thread_id.as_deref(), Some("thr_plans"));
    let all = c
        .compose(&t.acc, ComposeKind::ReplyAll, Some("msg_plans"))
        .await
        .unwrap();
    assert_eq!(
        all.to, "Bob <bob@example.com>, Dan <dan@example.com>",
        "not to myself"
    );
    assert_eq!(all.cc, "carol@example.com");
    c.delete_draft(&all.id).await.unwrap();

    // The reply is copied to Gmail's Drafts, then updated in place.
    c.save(
        &reply.id,
        DraftEdit {
            to: reply.to.clone(),
            subject: reply.subject.clone(),
            body: format!("Noon works.{}", reply.body),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Drafts go once the user has paused typing (3 s).
    clock.advance(Duration::from_millis(3200));
    assert_eq!(
        c.push_drafts(&t.acc).await.unwrap(),
        1,
        "one copy made (the discarded reply-all never reached Gmail)"
    );
    let d = c.draft(&reply.id).await.unwrap();
    assert!(d.on_gmail);
    c.save(
        &reply.id,
        DraftEdit {
            to: reply.to.clone(),
            subject: reply.subject.clone(),
            body: format!("Noon works, see you there.{}", reply.body),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!c.draft(&reply.id).await.unwrap().on_gmail, "changed since");
    clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    let gid: String = {
        let id = reply.id.clone();
        s.store
            .read(move |c| libreollama::store::drafts::gmail_draft_id(c, &id))
            .await
            .unwrap()
            .unwrap()
    };
    let copy = g.drafts_get(&gid).await.unwrap();
    assert_eq!(
        copy.message.as_ref().map(|m| m.thread_id.as_str()),
        Some("thr_plans"),
        "the Gmail draft is in the conversation"
    );

    // A draft discarded here is deleted from Gmail's Drafts too.
    let scratch = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    c.save(
        &scratch.id,
        edit("grace@example.com", "Scratch", "never mind"),
    )
    .await
    .unwrap();
    clock.advance(Duration::from_millis(3200));
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    let scratch_gid: String = {
        let id = scratch.id.clone();
        s.store
            .read(move |c| libreollama::store::drafts::gmail_draft_id(c, &id))
            .await
            .unwrap()
            .unwrap()
    };
    assert!(g.drafts_get(&scratch_gid).await.is_ok());
    c.delete_draft(&scratch.id).await.unwrap();
    assert_eq!(c.push_drafts(&t.acc).await.unwrap(), 1);
    assert!(
        g.drafts_get(&scratch_gid).await.is_err(),
        "gone from Gmail's Drafts"
    );

    // Sent (no undo window here): through the Gmail draft, threaded on the server.
    c.set_undo_seconds(0).await.unwrap();
    let item = c.send(&reply.id, None).await.unwrap();
    let r = c.process_due().await.unwrap();
    assert_eq!((r.sent, r.failed), (1, 0), "{r:?}");
    assert_eq!(c.outbox_item(&item.id).await.unwrap().state, "sent");
    let sent = at_gmail(&g, "subject:=Re: Plans for Friday").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].thread_id, "thr_plans", "threaded on the server");
    assert!(sent[0].label_ids.contains(&"SENT".to_string()));
    assert!(
        g.drafts_get(&gid).await.is_err(),
        "the Gmail draft went with the mail"
    );
    assert!(c.draft(&reply.id).await.is_err(), "the local draft is done");

    // Bad input: clear messages, and the draft stays with everything in it.
    let fwd = c
        .compose(&t.acc, ComposeKind::Forward, Some("msg_plans"))
        .await
        .unwrap();
    assert_eq!(fwd.subject, "Fwd: Plans for Friday");
    assert!(fwd
        .body
        .contains("---------- Forwarded message ---------\nFrom: Bob <bob@example.com>"));
    let e = c.send(&fwd.id, None).await.unwrap_err().to_string();
    assert!(e.contains("no recipient"), "{e}");
    c.save(&fwd.id, edit("grace@", &fwd.subject, "FYI"))
        .await
        .unwrap();
    let e = c.send(&fwd.id, None).await.unwrap_err().to_string();
    assert!(e.contains("“grace@” in To is not an email address"), "{e}");
    let e = c
        .attach(&fwd.id, "huge.bin", "", vec![0u8; 26 * 1024 * 1024])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("at most 25 MB") && e.contains("26.0 MB"), "{e}");
    let e = c
        .attach_path(&fwd.id, std::path::Path::new("/nonexistent/plan.pdf"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be attached"), "{e}");
    let kept = c.draft(&fwd.id).await.unwrap();
    assert_eq!((kept.to.as_str(), kept.body.as_str()), ("grace@", "FYI"));
    assert!(kept.files.is_empty());
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), b"%PDF-1.4 plan").unwrap();
    let with = c.attach_path(&fwd.id, f.path()).await.unwrap();
    assert_eq!(with.files.len(), 1);
    assert_eq!(with.files[0].size, 13);
    let with = c.detach(&fwd.id, with.files[0].id).await.unwrap();
    assert!(with.files.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn undo_never_sends_and_a_scheduled_mail_goes_when_due() {
    let t = setup().await;
    let (s, g) = (&t.s, gmail(&t));
    let c = &s.compose;
    let clock = c.clock().clone();
    c.set_undo_seconds(30).await.unwrap();
    let d = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    c.save(&d.id, edit("grace@example.com", "Oops, wrong person", "Hi"))
        .await
        .unwrap();
    let item = c.send(&d.id, None).await.unwrap();
    assert!(
        c.drafts(None).await.unwrap().iter().all(|x| x.id != d.id),
        "in the outbox, not the drafts"
    );
    let e = c
        .save(&d.id, edit("x@example.com", "edited", ""))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("undo the send"), "{e}");
    assert_eq!(
        c.process_due().await.unwrap().sent,
        0,
        "inside the undo window"
    );
    let back = c.undo(&item.id).await.unwrap();
    assert_eq!(back.subject, "Oops, wrong person");
    assert!(c.outbox().await.unwrap().is_empty());
    c.process_due().await.unwrap();
    assert!(
        at_gmail(&g, "subject:=Oops, wrong person").await.is_empty(),
        "never sent"
    );

    // Scheduled a moment ahead: not before, then once.
    let e = c
        .send(&back.id, Some(clock.now_ms() - 1000))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("in the past"), "{e}");
    let at = clock.now_ms() + 1500;
    let item = c.send(&back.id, Some(at)).await.unwrap();
    assert!(item.scheduled);
    assert_eq!(c.process_due().await.unwrap().sent, 0);
    clock.advance(Duration::from_millis(1700));
    assert_eq!(c.process_due().await.unwrap().sent, 1);
    assert_eq!(c.process_due().await.unwrap().sent, 0);
    assert_eq!(at_gmail(&g, "subject:=Oops, wrong person").await.len(), 1);
}

fn cli(data: &std::path::Path, gmail_url: &str, args: &[&str]) -> Command {
    let mut c = support::cli::command(data, args);
    c.env("LIBREOLLAMA_GOOGLE_GMAIL_URL", gmail_url)
        // The emulator shows a sent mail at once: no need to wait before looking.
        .env("LIBREOLLAMA_OUTBOX_SETTLE_MS", "0");
    c
}

fn outbox_state(data: &std::path::Path, subject: &str) -> Option<(String, String)> {
    let c = rusqlite::Connection::open_with_flags(
        data.join("libreollama.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    c.query_row(
        "SELECT state, message_id FROM mail_outbox WHERE subject = ?1",
        [subject],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .ok()
}

fn plan_hang(_: u64, line: &str) -> faults::Fault {
    if line.starts_with("POST /gmail/v1/users/me/messages/send") {
        faults::Fault::Hang
    } else {
        faults::Fault::Pass
    }
}

fn plan_hold(_: u64, line: &str) -> faults::Fault {
    if line.starts_with("POST /gmail/v1/users/me/messages/send") {
        faults::Fault::HoldReply
    } else {
        faults::Fault::Pass
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_in_each_outbox_state_every_mail_goes_exactly_once() {
    let t = setup().await;
    let g = gmail(&t);
    let base = format!("{}/", t.peer.base.trim_end_matches('/'));
    let data = t.data.clone();
    let run = |args: &[&str]| {
        let out = cli(&data, &base, args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let count = |subject: &'static str| {
        let g = g.clone();
        async move { at_gmail(&g, &format!("subject:={subject}")).await.len() }
    };

    // Waiting: scheduled, the process ends; the next start after the time sends it.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let out = run(&[
        "mail",
        "send",
        "--to",
        "grace@example.com",
        "--subject",
        "State waiting",
        "--at",
        &at,
    ]);
    assert!(out.contains("Scheduled for"), "{out}");
    run(&["mail", "outbox", "--run"]);
    assert_eq!(count("State waiting").await, 0, "not before its time");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    run(&["mail", "outbox", "--run"]);
    assert_eq!(count("State waiting").await, 1);

    // Sending, the request never reached Gmail: killed; the next run sends it.
    let hang = faults::start(t.peer.base.clone(), plan_hang).await;
    let mut child = cli(
        &data,
        &format!("{}/", hang.base),
        &[
            "mail",
            "send",
            "--to",
            "grace@example.com",
            "--subject",
            "State sending",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while hang.counts.faults.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the send never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(outbox_state(&data, "State sending").unwrap().0, "sending");
    let out = run(&["mail", "outbox", "--run"]);
    assert!(out.contains("sent"), "{out}");
    assert_eq!(count("State sending").await, 1);

    // Sending, Gmail accepted it and the answer was lost: killed; the next run finds it in
    // Gmail by its Message-ID and does not send it again.
    let hold = faults::start(t.peer.base.clone(), plan_hold).await;
    let mut child = cli(
        &data,
        &format!("{}/", hold.base),
        &[
            "mail",
            "send",
            "--to",
            "grace@example.com",
            "--subject",
            "State accepted",
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count("State accepted").await == 0 {
        assert!(
            Instant::now() < deadline,
            "the mail never reached the emulator"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (state, message_id) = outbox_state(&data, "State accepted").unwrap();
    assert_eq!(state, "sending");
    let out = cli(&data, &base, &["mail", "outbox", "--run"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("found already sent 1"), "{err}");
    assert_eq!(count("State accepted").await, 1, "not sent twice");
    // (The emulator's `rfc822msgid:` search never matches — it cuts the id one character
    // early — so this also shows the fallback: the newest mail in Sent, read by Message-ID.)
    let sent = at_gmail(&g, "subject:=State accepted").await;
    assert_eq!(
        sent[0]
            .header("Message-ID")
            .map(|m| m.trim_matches(['<', '>'])),
        Some(message_id.as_str())
    );

    // Sent: further runs send nothing.
    run(&["mail", "outbox", "--run"]);
    for s in ["State waiting", "State sending", "State accepted"] {
        assert_eq!(count(s).await, 1, "{s}");
        assert_eq!(outbox_state(&data, s).unwrap().0, "sent", "{s}");
    }
    let list = run(&["mail", "outbox"]);
    assert_eq!(list.matches(" sent ").count(), 3, "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snoozed_conversation_wakes_after_a_restart() {
    let t = setup().await;
    let g = gmail(&t);
    let base = format!("{}/", t.peer.base.trim_end_matches('/'));
    let labels = |g: Gmail| async move {
        g.messages_get(
            "msg_plans",
            libreollama::google::gmail::messages::Format::Minimal,
            &[],
        )
        .await
        .unwrap()
        .label_ids
    };
    let until = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let out = cli(
        &t.data,
        &base,
        &["mail", "snooze", "thr_plans", "--until", &until],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !labels(g.clone()).await.contains(&"INBOX".to_string()),
        "out of the inbox at Gmail"
    );
    let out = cli(&t.data, &base, &["mail", "snoozed"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Plans for Friday"));
    // Too early: stays snoozed.
    cli(&t.data, &base, &["mail", "outbox", "--run"])
        .output()
        .unwrap();
    assert!(!labels(g.clone()).await.contains(&"INBOX".to_string()));
    tokio::time::sleep(Duration::from_millis(2200)).await;
    // A new process (the app's next start does the same round).
    let out = cli(&t.data, &base, &["mail", "outbox", "--run"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 snoozed conversation(s) back in the inbox"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        labels(g.clone()).await.contains(&"INBOX".to_string()),
        "back in the inbox"
    );
    let out = cli(&t.data, &base, &["mail", "snoozed"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Nothing snoozed"));
}

static GMAIL_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn plan_down(_: u64, line: &str) -> faults::Fault {
    if GMAIL_DOWN.load(std::sync::atomic::Ordering::SeqCst)
        && line.starts_with("POST /gmail/v1/users/me/messages/send")
    {
        faults::Fault::ServerError
    } else {
        faults::Fault::Pass
    }
}

/// Gmail failing: the mail waits with a reason and a later try (not hammered), and goes once
/// when Gmail is back and the user says "Try again".
#[tokio::test(flavor = "multi_thread")]
async fn a_mail_gmail_cannot_take_waits_then_goes_once() {
    let t = setup_via(Some(plan_down)).await;
    let c = &t.s.compose;
    c.set_undo_seconds(0).await.unwrap();
    let d = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    c.save(&d.id, edit("grace@example.com", "Through the storm", "Hi"))
        .await
        .unwrap();
    let item = c.send(&d.id, None).await.unwrap();
    GMAIL_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = c.process_due().await.unwrap();
    assert_eq!((r.sent, r.waiting, r.failed), (0, 1, 0), "{r:?}");
    let waiting = c.outbox_item(&item.id).await.unwrap();
    assert!(
        waiting.next_try_ms > chrono::Utc::now().timestamp_millis() + 10_000,
        "{waiting:?}"
    );
    assert!(
        waiting.last_error.is_some(),
        "the reason is kept: {waiting:?}"
    );
    let r = c.process_due().await.unwrap();
    assert_eq!(
        (r.sent, r.waiting),
        (0, 0),
        "not tried again before its time: {r:?}"
    );
    // The try may have reached Gmail: no Undo now, and the draft stays in the outbox.
    let e = c.undo(&item.id).await.unwrap_err().to_string();
    assert!(e.contains("already being sent"), "{e}");
    assert!(
        c.drafts(None).await.unwrap().iter().all(|x| x.id != d.id),
        "the draft is not restored"
    );

    GMAIL_DOWN.store(false, std::sync::atomic::Ordering::SeqCst);
    c.retry(&item.id).await.unwrap();
    let r = c.process_due().await.unwrap();
    assert_eq!(r.sent + r.found_sent, 1, "{r:?}");
    assert_eq!(c.outbox_item(&item.id).await.unwrap().state, "sent");
    assert_eq!(
        at_gmail(&gmail(&t), "subject:=Through the storm")
            .await
            .len(),
        1
    );
}

static CUT_ONCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn plan_cut_once(_: u64, line: &str) -> faults::Fault {
    if line.starts_with("POST /gmail/v1/users/me/messages/send")
        && CUT_ONCE.swap(false, std::sync::atomic::Ordering::SeqCst)
    {
        faults::Fault::GarbledOk
    } else {
        faults::Fault::Pass
    }
}

/// Gmail took the mail but its answer could not be read: not "failed" (a Retry would send it
/// again), but in doubt; the next try finds it in Sent and it is never sent twice.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_answer_after_gmail_took_the_mail_never_sends_it_twice() {
    let t = setup_via(Some(plan_cut_once)).await;
    let c = &t.s.compose;
    c.set_undo_seconds(0).await.unwrap();
    let d = c.compose(&t.acc, ComposeKind::New, None).await.unwrap();
    c.save(&d.id, edit("grace@example.com", "Half an answer", "Hi"))
        .await
        .unwrap();
    let item = c.send(&d.id, None).await.unwrap();
    let r = c.process_due().await.unwrap();
    assert_eq!((r.sent, r.failed, r.waiting), (0, 0, 1), "{r:?}");
    assert_ne!(c.outbox_item(&item.id).await.unwrap().state, "failed");
    t.s.clock.advance(Duration::from_secs(3600));
    let r = c.process_due().await.unwrap();
    assert_eq!(
        (r.sent, r.found_sent),
        (0, 1),
        "found in Sent, not sent again: {r:?}"
    );
    assert_eq!(c.outbox_item(&item.id).await.unwrap().state, "sent");
    assert_eq!(
        at_gmail(&gmail(&t), "subject:=Half an answer").await.len(),
        1
    );
}

/// Two services on one data folder (two stores: as two app windows) and `mail outbox --run`
/// processes, all draining the same outbox while mail is being queued: every mail reaches
/// Gmail exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn passes_racing_on_one_folder_send_each_mail_once() {
    const N: usize = 200;
    let started = Instant::now();
    let t = setup().await;
    let c = t.s.compose.clone();
    c.set_undo_seconds(0).await.unwrap();
    let other = AppServices::start(t.s.config.clone()).await.unwrap();
    let queueing = tokio::spawn({
        let (c, acc) = (c.clone(), t.acc.clone());
        async move {
            for i in 0..N {
                let d = c.compose(&acc, ComposeKind::New, None).await.unwrap();
                c.save(&d.id, edit("grace@example.com", &format!("Race {i}"), "Hi"))
                    .await
                    .unwrap();
                c.send(&d.id, None).await.unwrap();
            }
        }
    });
    let base = format!("{}/", t.peer.base.trim_end_matches('/'));
    let (data, cli_base) = (t.data.clone(), base.clone());
    let processes = tokio::task::spawn_blocking(move || {
        for _ in 0..3 {
            let out = cli(&data, &cli_base, &["mail", "outbox", "--run"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    let drain = |compose: std::sync::Arc<libreollama::services::compose::ComposeService>| async move {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut sent = 0;
        loop {
            let r = compose.process_due().await.unwrap();
            assert_eq!((r.failed, r.waiting), (0, 0), "{r:?}");
            sent += r.sent + r.found_sent;
            let items = compose.outbox().await.unwrap();
            if items.len() == N && items.iter().all(|i| i.state == "sent") {
                return sent;
            }
            assert!(Instant::now() < deadline, "the outbox never drained");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let (a, b) = tokio::join!(drain(c.clone()), drain(other.compose.clone()));
    queueing.await.unwrap();
    processes.await.unwrap();
    assert!(a + b <= N, "{a} + {b}: no pass sent more than was queued");
    eprintln!(
        "{N} mails: {a} sent by the first window, {b} by the second, {} by `mail outbox --run` processes, in {:.1} s",
        N - a - b,
        started.elapsed().as_secs_f64()
    );

    // Each subject once at Gmail.
    let g = gmail(&t);
    let list = g
        .messages_list(&ListParams {
            label_ids: vec!["SENT".into()],
            max_results: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for m in list.messages {
        let full = g
            .messages_get(
                &m.id,
                libreollama::google::gmail::messages::Format::Metadata,
                &["Subject"],
            )
            .await
            .unwrap();
        if let Some(s) = full.header("Subject").filter(|s| s.starts_with("Race ")) {
            *seen.entry(s.to_string()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), N, "{seen:?}");
    assert!(seen.values().all(|n| *n == 1), "sent twice: {seen:?}");
}
