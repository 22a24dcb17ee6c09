//! Google Tasks, local-first, against a stateful fake that keeps to tasks.v1.json (no emulator
//! for Tasks exists; the account is signed in through `emulate`). Scenarios: offline edits then
//! reconnect; the same task edited on both sides (field by field); deleted on Google while
//! edited here (before and after); an insert that reached Google but whose answer was lost (the
//! crash window) is not sent twice; a parent with subtasks moved to another list keeps them;
//! local extras survive every sync; due dates stay dates under far-off time zones; one pass at a
//! time per account (a sync waits for another process's), and passes run together (here and in
//! a CLI process) send each change once.

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::sync::tasks::{MoveTo, TaskEdit};
use support::peers;
use support::tasks_fake::{self, TasksFake};

async fn setup() -> (peers::SignedIn, TasksFake, String, String) {
    let fake = tasks_fake::start().await;
    let (inbox, errands) = {
        let mut s = fake.state.lock().unwrap();
        let inbox = s.add_list("My Tasks");
        let errands = s.add_list("Errands");
        s.add_task(&inbox, "Water the plants", None);
        (inbox, errands)
    };
    let si = peers::signed_in_with_tasks(fake.base.clone()).await;
    (si, fake, inbox, errands)
}

fn no_violations(fake: &TasksFake) {
    let v = fake.state.lock().unwrap().violations.clone();
    assert!(v.is_empty(), "outside tasks.v1.json: {v:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn local_first_edits_conflicts_deletes_and_moves() {
    let (si, fake, g_inbox, g_errands) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();

    // First sync: lists and the existing task come down.
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!(r.added, 1, "{r:?}");
    let lists = s.tasks.lists(Some(acc.clone())).await.unwrap();
    assert_eq!(lists.len(), 2);
    let inbox = lists
        .iter()
        .find(|l| l.title == "My Tasks")
        .unwrap()
        .clone();
    let errands = lists.iter().find(|l| l.title == "Errands").unwrap().clone();
    assert!(inbox.is_default && !errands.is_default);

    // Offline: edits land here at once and wait.
    fake.state.lock().unwrap().offline = true;
    let buy = s
        .tasks
        .add(
            &inbox.local_id,
            "Buy milk",
            "2 litres",
            Some("2026-12-01".into()),
            None,
        )
        .await
        .unwrap();
    assert!(buy.pending);
    let plants = s.tasks.tasks(&inbox.local_id).await.unwrap();
    let plants = plants
        .iter()
        .find(|t| t.title == "Water the plants")
        .unwrap()
        .clone();
    s.tasks.set_completed(&plants.local_id, true).await.unwrap();
    let err = s.tasks.sync(&acc).await.unwrap_err();
    assert_eq!(
        err.class(),
        libreollama::model::ErrorClass::Retryable,
        "{err}"
    );
    assert_eq!(s.tasks.tasks(&inbox.local_id).await.unwrap().len(), 2);

    // Reconnect: both changes reach Google once.
    fake.state.lock().unwrap().offline = false;
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!(r.sent, 2, "{r:?}");
    {
        let st = fake.state.lock().unwrap();
        let live = st.live(&g_inbox);
        assert_eq!(live.len(), 2);
        let milk = live.iter().find(|t| t.title == "Buy milk").unwrap();
        assert_eq!(milk.due.as_deref(), Some("2026-12-01T00:00:00.000Z"));
        assert_eq!(milk.notes.as_deref(), Some("2 litres"));
        assert!(live
            .iter()
            .any(|t| t.title == "Water the plants" && t.status == "completed"));
    }
    assert!(!s.tasks.task(&buy.local_id).await.unwrap().pending);

    // Local extras are ours alone and survive syncs.
    s.tasks
        .set_meta(&buy.local_id, 3, vec!["home".into(), "shop".into()])
        .await
        .unwrap();

    // Both sides edit the same task: Google changes the notes, then we change the title (our
    // edit is newer): title ours, notes Google's.
    let g_milk = {
        let st = fake.state.lock().unwrap();
        st.live(&g_inbox)
            .iter()
            .find(|t| t.title == "Buy milk")
            .unwrap()
            .id
            .clone()
    };
    fake.state
        .lock()
        .unwrap()
        .edit(&g_milk, |t| t.notes = Some("oat milk".into()));
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.tasks
        .edit(
            &buy.local_id,
            TaskEdit {
                title: Some("Buy oat milk".into()),
                ..TaskEdit::default()
            },
        )
        .await
        .unwrap();
    s.tasks.sync(&acc).await.unwrap();
    let here = s.tasks.task(&buy.local_id).await.unwrap();
    assert_eq!(
        (here.title.as_str(), here.notes.as_str()),
        ("Buy oat milk", "oat milk")
    );
    assert_eq!(
        (here.priority, here.labels.clone()),
        (3, vec!["home".to_string(), "shop".to_string()])
    );
    {
        let st = fake.state.lock().unwrap();
        let t = st.tasks.iter().find(|t| t.id == g_milk).unwrap();
        assert_eq!(
            (t.title.as_str(), t.notes.as_deref()),
            ("Buy oat milk", Some("oat milk"))
        );
    }
    // The same field on both sides: the later edit wins (here: Google's, made after ours).
    s.tasks
        .edit(
            &buy.local_id,
            TaskEdit {
                title: Some("Milk (ours)".into()),
                ..TaskEdit::default()
            },
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    fake.state
        .lock()
        .unwrap()
        .edit(&g_milk, |t| t.title = "Milk (theirs)".into());
    // A sync pulls before it pushes: Google's newer title wins here, and the queued patch
    // then sends the current (Google's) title, a no-op.
    s.tasks.sync(&acc).await.unwrap();
    assert_eq!(
        s.tasks.task(&buy.local_id).await.unwrap().title,
        "Milk (theirs)"
    );

    // Deleted on Google, edited here afterwards: kept and created again.
    let keep = s
        .tasks
        .add(&inbox.local_id, "Call the bank", "", None, None)
        .await
        .unwrap();
    s.tasks.sync(&acc).await.unwrap();
    let g_keep = {
        let st = fake.state.lock().unwrap();
        st.live(&g_inbox)
            .iter()
            .find(|t| t.title == "Call the bank")
            .unwrap()
            .id
            .clone()
    };
    fake.state.lock().unwrap().delete(&g_keep);
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.tasks
        .edit(
            &keep.local_id,
            TaskEdit {
                notes: Some("ask about the card".into()),
                ..TaskEdit::default()
            },
        )
        .await
        .unwrap();
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!(r.kept, 1, "{r:?}");
    {
        let st = fake.state.lock().unwrap();
        let again: Vec<_> = st
            .live(&g_inbox)
            .into_iter()
            .filter(|t| t.title == "Call the bank")
            .collect();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].notes.as_deref(), Some("ask about the card"));
        assert_ne!(again[0].id, g_keep);
    }
    // Edited here, then deleted on Google: the deletion is newer and wins.
    let gone = s
        .tasks
        .add(&inbox.local_id, "Old chore", "", None, None)
        .await
        .unwrap();
    s.tasks.sync(&acc).await.unwrap();
    let g_gone = {
        let st = fake.state.lock().unwrap();
        st.live(&g_inbox)
            .iter()
            .find(|t| t.title == "Old chore")
            .unwrap()
            .id
            .clone()
    };
    fake.state.lock().unwrap().offline = true;
    s.tasks
        .edit(
            &gone.local_id,
            TaskEdit {
                notes: Some("n".into()),
                ..TaskEdit::default()
            },
        )
        .await
        .unwrap();
    fake.state.lock().unwrap().offline = false;
    tokio::time::sleep(Duration::from_millis(5)).await;
    fake.state.lock().unwrap().delete(&g_gone);
    // Pull first (as after a restart while offline): the newer deletion wins.
    let api =
        libreollama::google::tasks::TasksApi::new(s.google.clone(), fake.base.clone(), acc.clone());
    libreollama::sync::tasks::pull(&s.store, &api, &acc)
        .await
        .unwrap();
    assert!(
        s.tasks.task(&gone.local_id).await.is_err(),
        "deleted here too"
    );
    s.tasks.sync(&acc).await.unwrap();
    assert!(!fake
        .state
        .lock()
        .unwrap()
        .live(&g_inbox)
        .iter()
        .any(|t| t.title == "Old chore"));

    // A parent with subtasks moves to another list: the subtasks come along, still under it.
    let trip = s
        .tasks
        .add(&inbox.local_id, "Plan the trip", "", None, None)
        .await
        .unwrap();
    let a = s
        .tasks
        .add(
            &inbox.local_id,
            "Book trains",
            "",
            None,
            Some(trip.local_id.clone()),
        )
        .await
        .unwrap();
    let b = s
        .tasks
        .add(
            &inbox.local_id,
            "Book hotel",
            "",
            None,
            Some(trip.local_id.clone()),
        )
        .await
        .unwrap();
    s.tasks.sync(&acc).await.unwrap();
    s.tasks
        .move_task(
            &trip.local_id,
            MoveTo {
                list: Some(errands.local_id.clone()),
                ..MoveTo::default()
            },
        )
        .await
        .unwrap();
    let here: Vec<_> = s.tasks.tasks(&errands.local_id).await.unwrap();
    assert_eq!(here.len(), 3, "moved here at once: {here:?}");
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!(r.refused, 0, "{r:?}");
    {
        let st = fake.state.lock().unwrap();
        let live = st.live(&g_errands);
        let parent = live
            .iter()
            .find(|t| t.title == "Plan the trip")
            .expect("parent moved");
        let kids: Vec<_> = live
            .iter()
            .filter(|t| t.parent.as_deref() == Some(parent.id.as_str()))
            .collect();
        assert_eq!(kids.len(), 2, "{live:?}");
        assert!(!st
            .live(&g_inbox)
            .iter()
            .any(|t| t.title.starts_with("Book ")));
    }
    for id in [&a.local_id, &b.local_id] {
        let t = s.tasks.task(id).await.unwrap();
        assert_eq!(t.parent_local_id.as_deref(), Some(trip.local_id.as_str()));
        assert_eq!(t.list_local_id.as_deref(), Some(errands.local_id.as_str()));
    }
    assert_eq!(s.tasks.task(&buy.local_id).await.unwrap().priority, 3);
    no_violations(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_insert_google_applied_but_never_answered_is_not_sent_twice() {
    let (si, fake, g_inbox, _) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    s.tasks.sync(&acc).await.unwrap();
    let inbox = s
        .tasks
        .lists(Some(acc.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.is_default)
        .unwrap();

    // Google applies the insert and the connection dies before the answer.
    fake.state.lock().unwrap().swallow = Some(format!("POST /tasks/v1/lists/{g_inbox}/tasks"));
    let t = s
        .tasks
        .add(
            &inbox.local_id,
            "Renew passport",
            "",
            Some("2027-01-15".into()),
            None,
        )
        .await
        .unwrap();
    assert!(
        s.tasks.sync(&acc).await.is_err(),
        "the lost answer is an error"
    );
    assert_eq!(
        fake.state
            .lock()
            .unwrap()
            .live(&g_inbox)
            .iter()
            .filter(|x| x.title == "Renew passport")
            .count(),
        1
    );

    // Next sync (after a restart, say): its pull finds the task on Google and links it to the
    // queued insert, which is not sent again.
    let inserts = |f: &TasksFake| {
        f.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.starts_with(&format!("POST /tasks/v1/lists/{g_inbox}/tasks")))
            .count()
    };
    assert_eq!(inserts(&fake), 1);
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!((r.sent, r.added), (0, 0), "{r:?}");
    assert_eq!(inserts(&fake), 1, "not sent again");
    assert_eq!(
        fake.state
            .lock()
            .unwrap()
            .live(&g_inbox)
            .iter()
            .filter(|x| x.title == "Renew passport")
            .count(),
        1
    );
    let here = s.tasks.tasks(&inbox.local_id).await.unwrap();
    assert_eq!(
        here.iter().filter(|x| x.title == "Renew passport").count(),
        1
    );
    assert!(!s.tasks.task(&t.local_id).await.unwrap().pending);

    // The same window met by a push alone (no pull first): Google is asked before resending.
    fake.state.lock().unwrap().swallow = Some(format!("POST /tasks/v1/lists/{g_inbox}/tasks"));
    let t2 = s
        .tasks
        .add(&inbox.local_id, "Book dentist", "", None, None)
        .await
        .unwrap();
    let api =
        libreollama::google::tasks::TasksApi::new(s.google.clone(), fake.base.clone(), acc.clone());
    assert!(libreollama::sync::tasks::push(&s.store, &api, &acc)
        .await
        .is_err());
    let r = libreollama::sync::tasks::push(&s.store, &api, &acc)
        .await
        .unwrap();
    assert_eq!((r.sent, r.adopted), (0, 1), "{r:?}");
    assert_eq!(inserts(&fake), 2, "one insert per task");
    assert_eq!(
        fake.state
            .lock()
            .unwrap()
            .live(&g_inbox)
            .iter()
            .filter(|x| x.title == "Book dentist")
            .count(),
        1
    );
    assert!(!s.tasks.task(&t2.local_id).await.unwrap().pending);
    no_violations(&fake);
}

/// A list deleted on another device takes its tasks with it — except what was written here and
/// not sent yet: that stays, in the list, which is created again on Google with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_deleted_elsewhere_keeps_what_was_written_here() {
    let (si, fake, _, g_errands) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    {
        let mut st = fake.state.lock().unwrap();
        st.add_task(&g_errands, "Buy stamps", None);
        st.add_task(&g_errands, "Return books", None);
    }
    s.tasks.sync(&acc).await.unwrap();
    let errands = s
        .tasks
        .lists(Some(acc.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.title == "Errands")
        .unwrap();
    let here = s.tasks.tasks(&errands.local_id).await.unwrap();
    assert_eq!(here.len(), 2);
    // Offline: a new task and an edit of an existing one, in that list.
    fake.state.lock().unwrap().offline = true;
    s.tasks
        .add(&errands.local_id, "Pick up the parcel", "", None, None)
        .await
        .unwrap();
    let stamps = here.iter().find(|t| t.title == "Buy stamps").unwrap();
    s.tasks
        .edit(
            &stamps.local_id,
            libreollama::model::TaskEdit {
                title: Some("Buy stamps (20)".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Meanwhile the list is deleted on another device.
    {
        let mut st = fake.state.lock().unwrap();
        st.lists.retain(|l| l.id != g_errands);
        for t in st.tasks.iter_mut().filter(|t| t.list == g_errands) {
            t.deleted = true;
        }
        st.offline = false;
    }
    s.tasks.sync(&acc).await.unwrap();
    let lists = s.tasks.lists(Some(acc.clone())).await.unwrap();
    let kept = lists
        .iter()
        .find(|l| l.title == "Errands")
        .expect("the list stays");
    let mut titles: Vec<String> = s
        .tasks
        .tasks(&kept.local_id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Buy stamps (20)", "Pick up the parcel"],
        "untouched ones went with the list"
    );
    let st = fake.state.lock().unwrap();
    let again = st
        .lists
        .iter()
        .find(|l| l.title == "Errands")
        .expect("created again on Google");
    assert_ne!(again.id, g_errands);
    let mut at_google: Vec<String> = st.live(&again.id).iter().map(|t| t.title.clone()).collect();
    at_google.sort();
    assert_eq!(at_google, ["Buy stamps (20)", "Pick up the parcel"]);
    drop(st);
    no_violations(&fake);
}

/// The process is killed (SIGKILL) after Google applied its insert and before it heard back:
/// the next run, in a new process, sends nothing twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_process_killed_between_send_and_record_sends_nothing_twice() {
    let (si, fake, g_inbox, _) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    s.tasks.sync(&acc).await.unwrap();
    let dir = si.dir.path().to_path_buf();
    let cli = |args: &[&str]| {
        let mut c = support::cli::command(&dir, args);
        c.env("LIBREOLLAMA_GOOGLE_TASKS_URL", &fake.base);
        c
    };
    let out = cli(&["tasks", "add", "File the tax return"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let post = format!("POST /tasks/v1/lists/{g_inbox}/tasks");
    fake.state.lock().unwrap().hold = Some(post.clone());
    let mut child = cli(&["tasks", "sync"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let on_google = |f: &TasksFake| {
        f.state
            .lock()
            .unwrap()
            .live(&g_inbox)
            .iter()
            .filter(|x| x.title == "File the tax return")
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while on_google(&fake) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the insert never reached the fake"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = cli(&["tasks", "sync"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inserts = fake
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .filter(|r| r.starts_with(&post))
        .count();
    assert_eq!(inserts, 1, "not sent again after the kill");
    assert_eq!(on_google(&fake), 1);
    let list = cli(&["tasks", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(text.matches("File the tax return").count(), 1, "{text}");
    no_violations(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn due_dates_stay_dates_in_any_time_zone() {
    let (si, fake, g_inbox, _) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    {
        let mut st = fake.state.lock().unwrap();
        let id = st.add_task(&g_inbox, "Pay rent", None);
        st.edit(&id, |t| t.due = Some("2026-12-31T00:00:00.000Z".into()));
    }
    s.tasks.sync(&acc).await.unwrap();
    let dir = si.dir.path().to_path_buf();
    drop(s);
    // The CLI in other processes, with the time zone set far east and far west of UTC.
    for tz in ["Pacific/Kiritimati", "America/Adak", "UTC"] {
        let out = support::cli::command(&dir, &["tasks", "list"])
            .env("TZ", tz)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Pay rent  (due 2026-12-31)"),
            "{tz}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let add = support::cli::command(
            &dir,
            &[
                "tasks",
                "add",
                &format!("Due in {tz}"),
                "--due",
                "2027-03-01",
            ],
        )
        .env("TZ", tz)
        .output()
        .unwrap();
        assert!(
            add.status.success(),
            "{}",
            String::from_utf8_lossy(&add.stderr)
        );
    }
    let s = si.services.clone();
    s.tasks.sync(&acc).await.unwrap();
    let st = fake.state.lock().unwrap();
    for tz in ["Pacific/Kiritimati", "America/Adak", "UTC"] {
        let t = st
            .live(&g_inbox)
            .into_iter()
            .find(|t| t.title == format!("Due in {tz}"))
            .unwrap()
            .clone();
        assert_eq!(t.due.as_deref(), Some("2027-03-01T00:00:00.000Z"), "{tz}");
    }
    drop(st);
    no_violations(&fake);
}

/// One pass at a time per account, across processes: a sync waits while another holds the
/// account's pusher lock, and passes started together (two here, one in a CLI process) send
/// each queued change exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn syncs_running_together_send_each_change_once() {
    use libreollama::store::locks::PusherLock;
    use libreollama::store::queue::Queue;

    let (si, fake, g_inbox, _) = setup().await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    s.tasks.sync(&acc).await.unwrap();
    let inbox = s
        .tasks
        .lists(Some(acc.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.is_default)
        .unwrap();
    let at_google = |f: &TasksFake, title: &str| {
        f.state
            .lock()
            .unwrap()
            .live(&g_inbox)
            .iter()
            .filter(|x| x.title == title)
            .count()
    };

    // Another process is syncing the account (it holds the lock): this sync waits for it.
    let held = PusherLock::try_acquire(s.store.data_dir(), Queue::TaskOps, &acc)
        .unwrap()
        .expect("nobody syncs yet");
    s.tasks
        .add(&inbox.local_id, "Wait for me", "", None, None)
        .await
        .unwrap();
    let waiting = tokio::spawn({
        let (s, acc) = (s.clone(), acc.clone());
        async move { s.tasks.sync(&acc).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "waits for the pass holding the lock"
    );
    assert_eq!(at_google(&fake, "Wait for me"), 0);
    drop(held);
    let r = waiting.await.unwrap().unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(at_google(&fake, "Wait for me"), 1);

    for i in 0..30 {
        s.tasks
            .add(&inbox.local_id, &format!("Errand {i}"), "", None, None)
            .await
            .unwrap();
    }
    let cli = support::cli::command(si.dir.path(), &["tasks", "sync"])
        .env("LIBREOLLAMA_GOOGLE_TASKS_URL", &fake.base)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = tokio::join!(s.tasks.sync(&acc), s.tasks.sync(&acc));
    let (a, b) = (a.unwrap(), b.unwrap());
    let out = tokio::task::spawn_blocking(move || cli.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(a.sent + b.sent <= 30, "{a:?} {b:?}");
    for i in 0..30 {
        assert_eq!(at_google(&fake, &format!("Errand {i}")), 1, "Errand {i}");
    }
    let post = format!("POST /tasks/v1/lists/{g_inbox}/tasks");
    let inserts = fake
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .filter(|r| r.starts_with(&post))
        .count();
    assert_eq!(inserts, 31, "one insert per task");
    let here = s.tasks.tasks(&inbox.local_id).await.unwrap();
    assert!(here.iter().all(|t| !t.pending), "{here:?}");
    no_violations(&fake);
}

/// A sync that fails is remembered (for every process and the page: "why is Tasks empty?")
/// until one succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_sync_is_remembered_until_one_succeeds() {
    let (si, fake, _inbox, _errands) = setup().await;
    let (s, account) = (&si.services, si.account.id.clone());
    assert!(s.tasks.sync_problems().await.unwrap().is_empty());
    fake.state.lock().unwrap().offline = true;
    let err = s.tasks.sync(&account).await.unwrap_err().to_string();
    let problems = s.tasks.sync_problems().await.unwrap();
    assert_eq!(problems, vec![(account.clone(), err)]);
    fake.state.lock().unwrap().offline = false;
    s.tasks.sync(&account).await.unwrap();
    assert!(s.tasks.sync_problems().await.unwrap().is_empty());
    no_violations(&fake);
}
