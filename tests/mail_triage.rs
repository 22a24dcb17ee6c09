//! Undo for every mail action, against the `emulate` Google emulator (the cache and Gmail agree
//! afterwards), and triage from the terminal (`mail archive|star|label … --query --dry-run`).

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::google::gmail::messages::Format;
use libreollama::google::gmail::Gmail;
use libreollama::model::{MailAction, MailUndo};
use libreollama::services::AppServices;
use libreollama::store::{labels, mail_actions};
use libreollama::sync::mail_actions as actions;
use support::cli::text;

fn seed(port: u16) -> String {
    format!(
        r##"google:
  users:
    - email: ada@example.com
      name: Ada Lovelace
  oauth_clients:
    - client_id: triage-test.apps.googleusercontent.com
      client_secret: GOCSPX-triage
      redirect_uris:
        - http://127.0.0.1:{port}/
  labels:
    - id: Label_trips
      user_email: ada@example.com
      name: Travel/2026
      color_background: "#16a766"
      color_text: "#ffffff"
    - id: Label_odd
      user_email: ada@example.com
      name: Odd colour
      color_background: "red; background-image: url(https://example.com/x)"
  messages:
    - id: msg_1
      user_email: ada@example.com
      from: grace@example.com
      to: ada@example.com
      subject: Plans
      body_text: The plan.
      label_ids: [INBOX, UNREAD]
    - id: msg_2
      user_email: ada@example.com
      from: bob@example.com
      to: ada@example.com
      subject: Lunch?
      body_text: Pizza on Friday.
      label_ids: [INBOX]
{more}"##,
        more = (3..=12)
            .map(|i| format!(
                "    - id: msg_{i}\n      user_email: ada@example.com\n      from: news{i}@example.com\n      \
                 to: ada@example.com\n      subject: Newsletter {i}\n      body_text: Issue {i}.\n      label_ids: [INBOX]\n"
            ))
            .collect::<String>()
    )
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

struct World {
    peer: support::peers::Peer,
    s: std::sync::Arc<AppServices>,
    account: String,
    gmail: Gmail,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let si = support::peers::signed_in_ada(
            seed,
            "triage-test.apps.googleusercontent.com",
            "GOCSPX-triage",
            |cfg| cfg.google.retry.base = Duration::from_millis(5),
        )
        .await;
        let s = si.services;
        let account = si.account.id.clone();
        let base = s.config.google.endpoints.gmail_base.clone();
        libreollama::sync::gmail::for_account(&s.store, s.google.clone(), &base, &account)
            .run(&Default::default())
            .await
            .unwrap();
        let gmail = Gmail::new(s.google.clone(), base, account.clone());
        World {
            peer: si.peer,
            s,
            account,
            gmail,
            _dir: si.dir,
        }
    }

    async fn cached(&self, id: &'static str) -> Vec<String> {
        let acc = self.account.clone();
        sorted(
            self.s
                .store
                .read(move |c| Ok(labels::of_message(c, &acc, id)?.unwrap().1))
                .await
                .unwrap(),
        )
    }

    async fn at_gmail(&self, id: &str) -> Vec<String> {
        let m = self
            .gmail
            .messages_get(id, Format::Minimal, &[])
            .await
            .unwrap();
        // Gmail adds its category labels; the cache mirrors the rest.
        sorted(
            m.label_ids
                .into_iter()
                .filter(|l| !l.starts_with("CATEGORY_"))
                .collect(),
        )
    }

    async fn queued(&self) -> usize {
        self.s.store.read(mail_actions::states).await.unwrap().len()
    }

    async fn act(&self, ids: &[&str], action: MailAction) -> MailUndo {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        actions::apply(&self.s.store, &self.account, &ids, action)
            .await
            .unwrap()
    }

    async fn push(&self) -> actions::PushReport {
        actions::push(&self.s.store, &self.gmail, &self.account)
            .await
            .unwrap()
    }

    async fn agree(&self, id: &'static str) {
        assert_eq!(self.cached(id).await, self.at_gmail(id).await, "{id}");
    }
}

/// Undo before the change went: it is withdrawn from the queue, and Gmail never sees it.
#[tokio::test(flavor = "multi_thread")]
async fn undo_withdraws_a_change_not_sent_yet() {
    let w = World::new().await;
    let undo = w.act(&["msg_1"], MailAction::Archive).await;
    assert_eq!(undo.changes.len(), 1);
    assert_eq!(undo.changes[0].removed, ["INBOX"]);
    assert!(undo.changes[0].added.is_empty());
    assert!(!w.cached("msg_1").await.contains(&"INBOX".to_string()));
    assert_eq!(w.queued().await, 1);

    actions::undo(&w.s.store, &undo, true).await.unwrap();
    assert_eq!(w.queued().await, 0, "withdrawn, not answered by an inverse");
    assert_eq!(w.cached("msg_1").await, ["INBOX", "UNREAD"]);
    let r = w.push().await;
    assert_eq!(r.pushed, 0, "{r:?}");
    w.agree("msg_1").await;
}

/// Undo after the change reached Gmail: the inverse goes through the same queue; a change made
/// in between (a star) stays, and labels the message already had are not taken away.
#[tokio::test(flavor = "multi_thread")]
async fn undo_after_sending_queues_the_inverse_and_keeps_later_changes() {
    let w = World::new().await;
    let archived = w.act(&["msg_1", "msg_2"], MailAction::Archive).await;
    w.act(&["msg_2"], MailAction::Star).await;
    let r = w.push().await;
    assert_eq!((r.pushed, r.pending), (3, 0), "{r:?}");
    assert!(!w.at_gmail("msg_2").await.contains(&"INBOX".to_string()));

    // A change that was tried once may have reached Gmail: never withdrawn, even if queued.
    actions::undo(&w.s.store, &archived, true).await.unwrap();
    assert_eq!(w.queued().await, 2, "one inverse per message");
    assert_eq!(w.cached("msg_2").await, ["INBOX", "STARRED"]);
    let r = w.push().await;
    assert_eq!((r.pushed, r.refused.len()), (2, 0), "{r:?}");
    assert_eq!(w.at_gmail("msg_2").await, ["INBOX", "STARRED"]);
    assert_eq!(w.at_gmail("msg_1").await, ["INBOX", "UNREAD"]);
    w.agree("msg_1").await;
    w.agree("msg_2").await;

    // A label the message already had is not removed by undoing "add label".
    w.act(&["msg_2"], MailAction::AddLabel("Label_trips".into()))
        .await;
    w.push().await;
    let again = w
        .act(
            &["msg_2"],
            MailAction::Relabel {
                add: vec!["Label_trips".into(), "UNREAD".into()],
                remove: vec!["STARRED".into()],
            },
        )
        .await;
    assert_eq!(again.changes[0].added, ["UNREAD"]);
    assert_eq!(again.changes[0].removed, ["STARRED"]);
    w.push().await;
    actions::undo(&w.s.store, &again, true).await.unwrap();
    w.push().await;
    assert_eq!(
        w.at_gmail("msg_2").await,
        ["INBOX", "Label_trips", "STARRED"]
    );
    w.agree("msg_2").await;
}

/// The service as the page drives it: spam and undo each start a push on their own, and an undo
/// too large to come from a real page is refused with a clear reason.
#[tokio::test(flavor = "multi_thread")]
async fn the_service_pushes_spam_and_its_undo() {
    let w = World::new().await;
    let undo =
        w.s.mail
            .act(&w.account, vec!["msg_1".into()], MailAction::MarkSpam)
            .await
            .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while w.at_gmail("msg_1").await.contains(&"INBOX".to_string()) {
        assert!(
            std::time::Instant::now() < deadline,
            "spam never reached Gmail"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(w.at_gmail("msg_1").await.contains(&"SPAM".to_string()));
    w.s.mail.undo(undo.clone()).await.unwrap();
    while w.at_gmail("msg_1").await != ["INBOX", "UNREAD"] {
        assert!(
            std::time::Instant::now() < deadline,
            "undo never reached Gmail"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.agree("msg_1").await;

    let mut huge = undo;
    huge.changes = vec![huge.changes[0].clone(); 10_001];
    let e = w.s.mail.undo(huge).await.unwrap_err().to_string();
    assert!(e.contains("at most 10000"), "{e}");
    // A forged undo: a label the account does not have, an account that is not signed in.
    let mut forged = undo_of_msg1(&w);
    forged.changes[0].added = vec!["Label_made_up".into()];
    let e = w.s.mail.undo(forged).await.unwrap_err().to_string();
    assert!(e.contains("does not have"), "{e}");
    let mut forged = undo_of_msg1(&w);
    forged.account_id = "someone-else".into();
    assert!(w.s.mail.undo(forged).await.is_err());
    let e =
        w.s.mail
            .act(
                &w.account,
                vec!["msg_1".into()],
                MailAction::Relabel {
                    add: vec!["STARRED".into()],
                    remove: vec!["STARRED".into()],
                },
            )
            .await
            .unwrap_err()
            .to_string();
    assert!(e.contains("both added and removed"), "{e}");
}

/// Label changes Gmail is asked to make, counted at the wire: (modify, batchModify).
static MODIFY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static BATCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count(_n: u64, request: &str) -> support::faults::Fault {
    use std::sync::atomic::Ordering::SeqCst;
    if request.starts_with("POST") && request.contains("/batchModify") {
        BATCH.fetch_add(1, SeqCst);
    } else if request.starts_with("POST") && request.contains("/modify") {
        MODIFY.fetch_add(1, SeqCst);
    }
    support::faults::Fault::Pass
}

/// Ten or more of the same change in a row go as one batchModify (cheaper in Gmail's quota);
/// fewer go one by one; undo of the lot is one run again.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_of_the_same_change_goes_as_one_batch() {
    use std::sync::atomic::Ordering::SeqCst;
    let w = World::new().await;
    let proxy = support::faults::start(w.peer.base.clone(), count).await;
    let base = libreollama::google::GoogleEndpoints::single_host(&proxy.base).gmail_base;
    let gmail = Gmail::new(w.s.google.clone(), base, w.account.clone());
    let ids: Vec<String> = (1..=12).map(|i| format!("msg_{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let undo = w.act(&refs, MailAction::Archive).await;
    w.act(&["msg_1", "msg_2"], MailAction::Star).await;
    let r = actions::push(&w.s.store, &gmail, &w.account).await.unwrap();
    assert_eq!((r.pushed, r.pending, r.refused.len()), (14, 0, 0), "{r:?}");
    assert_eq!(
        (BATCH.load(SeqCst), MODIFY.load(SeqCst)),
        (1, 2),
        "12 as one, 2 singly"
    );
    for id in ["msg_1", "msg_7", "msg_12"] {
        assert!(!w.at_gmail(id).await.contains(&"INBOX".to_string()), "{id}");
    }
    actions::undo(&w.s.store, &undo, true).await.unwrap();
    let r = actions::push(&w.s.store, &gmail, &w.account).await.unwrap();
    assert_eq!(r.pushed, 12, "{r:?}");
    assert_eq!(BATCH.load(SeqCst), 2);
    w.agree("msg_1").await;
    w.agree("msg_12").await;
    assert_eq!(w.at_gmail("msg_12").await, ["INBOX"]);
    assert_eq!(w.queued().await, 0);

    // Gmail refuses the run (a label it does not have): the changes go one by one, each is
    // refused and rolled back alone, and the run is not tried again as one.
    let ten: Vec<&str> = refs[2..].to_vec();
    w.act(&ten, MailAction::AddLabel("Label_gone".into())).await;
    assert!(w.cached("msg_3").await.contains(&"Label_gone".to_string()));
    let r = actions::push(&w.s.store, &gmail, &w.account).await.unwrap();
    assert_eq!((r.pushed, r.refused.len()), (0, 10), "{r:?}");
    assert_eq!((BATCH.load(SeqCst), MODIFY.load(SeqCst)), (3, 12));
    w.agree("msg_3").await;
    w.agree("msg_12").await;
}

/// Gmail's label colours reach the folder list (only real colours: the page puts them in a
/// style attribute), and a label is found by any of the names Gmail accepts for it.
#[tokio::test(flavor = "multi_thread")]
async fn label_colours_show_and_labels_are_found_by_any_form_of_their_name() {
    let w = World::new().await;
    let accounts = w.s.mail.accounts().await.unwrap();
    let labels = &accounts.iter().find(|a| a.id == w.account).unwrap().labels;
    let color = |id: &str| labels.iter().find(|l| l.id == id).unwrap().color.clone();
    assert_eq!(color("Label_trips").as_deref(), Some("#16a766"));
    assert_eq!(color("Label_odd"), None, "not a colour: not shown");
    assert_eq!(color("INBOX"), None);
    for form in [
        "Travel/2026",
        "travel-2026",
        "travel 2026",
        "TRAVEL/2026",
        "Label_trips",
    ] {
        assert_eq!(
            w.s.mail.label_id(&w.account, form).await.unwrap(),
            "Label_trips",
            "{form}"
        );
    }
    let e =
        w.s.mail
            .label_id(&w.account, "Travel")
            .await
            .unwrap_err()
            .to_string();
    assert!(e.contains("mail labels"), "{e}");
}

fn undo_of_msg1(w: &World) -> MailUndo {
    MailUndo {
        account_id: w.account.clone(),
        changes: vec![libreollama::model::MessageChange {
            id: "msg_1".into(),
            added: vec![],
            removed: vec!["INBOX".into()],
            seq: None,
        }],
    }
}

fn mbox(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("in.mbox");
    let mail = |n: u32, from: &str, subject: &str| {
        format!(
            "From {from} Mon Nov 16 09:00:00 2026\nFrom: {from}\nTo: you@example.com\nSubject: {subject}\n\
             Date: Mon, 16 Nov 2026 09:0{n}:00 +0000\nMessage-ID: <m{n}@example.com>\n\nBody {n}.\n"
        )
    };
    let text = [
        mail(1, "ada@example.com", "Gears"),
        mail(2, "ada@example.com", "Levers"),
        mail(3, "bob@example.com", "Lunch"),
    ]
    .join("\n");
    std::fs::write(&p, text).unwrap();
    p
}

fn search_ids(data: &std::path::Path, q: &str) -> Vec<String> {
    let out = support::cli::ok(data, &["mail", "search", q, "--json"]);
    out.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Triage from the terminal, on an imported archive (no server: the change is local only).
#[test]
fn the_terminal_stars_labels_and_dry_runs_by_query_or_id() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    support::cli::ok(
        &data,
        &["mail", "import", mbox(dir.path()).to_str().unwrap()],
    );
    assert!(search_ids(&data, "is:starred").is_empty());

    // A dry run prints what would change and changes nothing.
    let out = support::cli::ok(
        &data,
        &["mail", "star", "--query", "from:ada", "--dry-run", "--json"],
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines
        .iter()
        .all(|l| l["dry_run"] == true && l["added"] == serde_json::json!(["STARRED"])));
    assert!(search_ids(&data, "is:starred").is_empty());

    let out = support::cli::ok(&data, &["mail", "star", "--query", "from:ada"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("+Starred"), "{out}");
    assert_eq!(search_ids(&data, "is:starred").len(), 2);

    // By id; a second star changes nothing and says so.
    let lunch = search_ids(&data, "from:bob");
    let mut cmd = support::cli::command(&data, &["mail", "unstar", &search_ids(&data, "gears")[0]]);
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 message(s) changed"), "{}", text(&o));
    assert_eq!(search_ids(&data, "is:starred").len(), 1);
    let o = support::cli::command(&data, &["mail", "unstar", &lunch[0]])
        .output()
        .unwrap();
    assert!(
        text(&o).contains("0 message(s) changed, 1 unchanged"),
        "{}",
        text(&o)
    );

    // Unknown labels and ids, and no change asked for: clear errors, nothing changed.
    let o = support::cli::command(&data, &["mail", "label", &lunch[0], "--add", "Nope"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("mail labels"), "{}", text(&o));
    let o = support::cli::command(&data, &["mail", "label", &lunch[0]])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--add"), "{}", text(&o));
    let o = support::cli::command(&data, &["mail", "archive", "no-such-id"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("mail search"), "{}", text(&o));
    let o = support::cli::command(&data, &["mail", "archive"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "ids or --query are required");
    assert!(search_ids(&data, "from:bob").len() == 1);
}
