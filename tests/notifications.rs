//! Desktop notifications on a real D-Bus session bus, with python-dbusmock's notification daemon
//! as the desktop's notification service: what the app sends, that it announces new mail once
//! and old mail never, that the switches hold, and that a click opens the conversation.

#![cfg(feature = "notifications")]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libreollama::model::{NotifyKind, NotifySwitches, NotifyTarget};
use libreollama::services::desktop_notifier::DesktopNotifier;
use libreollama::services::AppServices;
use libreollama::store::mail::{self, NewMessage};
use libreollama::store::{accounts, calendar as cache, tasks};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private session bus with the mock notification service on it; this process's D-Bus
/// clients use it.
struct Bus {
    _daemon: Killed,
    _service: Killed,
    address: String,
}

fn python(address: &str, code: &str) -> String {
    let out = Command::new(DEBIAN_PYTHON)
        .args(["-c", code])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .output()
        .expect("python3 runs (scripts/setup.sh installs python3-dbusmock)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Debian's Python, which has python3-dbusmock (a `python3` earlier on PATH may not).
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

const MOCK: &str = "import dbus, json\n\
bus = dbus.SessionBus()\n\
mock = dbus.Interface(bus.get_object('org.freedesktop.Notifications', '/org/freedesktop/Notifications'), 'org.freedesktop.DBus.Mock')\n";

/// One private bus at a time in this process: its address is in the environment, which every
/// D-Bus client here reads (under `cargo test` the tests share a process).
static ONE_BUS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn bus() -> Bus {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon runs (scripts/setup.sh installs dbus-daemon)");
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().to_string();
    let daemon = Killed(daemon);
    let service = Killed(
        Command::new(DEBIAN_PYTHON)
            .args([
                "-m",
                "dbusmock",
                "--session",
                "--template",
                "notification_daemon",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m dbusmock"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !python(
        &address,
        "import dbus\nprint(dbus.SessionBus().name_has_owner('org.freedesktop.Notifications'))",
    )
    .contains("True")
    {
        assert!(
            Instant::now() < deadline,
            "the mock notification service did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every D-Bus client in this test process (notify-rust's) talks to this bus.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    Bus {
        _daemon: daemon,
        _service: service,
        address,
    }
}

impl Bus {
    /// (summary, body, actions) of every Notify call the service received.
    fn shown(&self) -> Vec<(String, String, Vec<String>)> {
        let out = python(
            &self.address,
            &format!(
                "{MOCK}calls = [c for c in mock.GetCalls() if c[1] == 'Notify']\n\
                 print(json.dumps([[str(c[2][3]), str(c[2][4]), [str(a) for a in c[2][5]]] for c in calls]))"
            ),
        );
        serde_json::from_str(&out).unwrap()
    }

    /// The person clicks notification `id`.
    fn click(&self, id: u32) {
        python(
            &self.address,
            &format!(
                "{MOCK}mock.EmitSignal('org.freedesktop.Notifications', 'ActionInvoked', 'us', [dbus.UInt32({id}), 'default'])"
            ),
        );
    }
}

fn msg(id: &str, date: i64, from: &str, subject: &str, labels: &[&str]) -> NewMessage {
    NewMessage {
        account_id: "acc".into(),
        id: id.into(),
        thread_id: format!("thread-{id}"),
        internal_date: date,
        from: from.into(),
        subject: subject.into(),
        label_ids: labels.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    }
}

async fn add_mail(s: &AppServices, msgs: Vec<NewMessage>) {
    s.store
        .transaction(move |tx| mail::upsert_messages(tx, &msgs))
        .await
        .unwrap();
}

async fn services(dir: &std::path::Path) -> Arc<AppServices> {
    let s = support::start(dir).await;
    s.store
        .transaction(|tx| accounts::upsert(tx, &support::account("acc", "me@example.com")))
        .await
        .unwrap();
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn new_mail_is_announced_once_through_dbus_and_a_click_opens_it() {
    let _one = ONE_BUS.lock().await;
    let bus = bus();
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path()).await;
    let now = s.clock.now_ms();
    add_mail(
        &s,
        vec![msg(
            "old",
            now - 86_400_000,
            "Old <o@example.com>",
            "Old news",
            &["INBOX", "UNREAD"],
        )],
    )
    .await;
    // No notifier yet (the CLI, the web preview): nothing is claimed or shown.
    assert_eq!(
        s.notify.check_mail("acc", "me@example.com").await.unwrap(),
        None
    );
    s.notify.set_notifier(Arc::new(DesktopNotifier));
    // The first look sets the mark: the mailbox already here is not news.
    assert_eq!(
        s.notify.check_mail("acc", "me@example.com").await.unwrap(),
        None
    );
    assert!(bus.shown().is_empty());

    add_mail(
        &s,
        vec![msg(
            "new",
            now + 1_000,
            "Ada <ada@example.com>",
            "Lunch <b>today</b>?",
            &["INBOX", "UNREAD"],
        )],
    )
    .await;
    let mut opens = s.notify.opens();
    let note = s
        .notify
        .check_mail("acc", "me@example.com")
        .await
        .unwrap()
        .expect("the new message is announced");
    assert_eq!(note.summary, "1 new message for me@example.com");
    assert_eq!(
        bus.shown(),
        [(
            "1 new message for me@example.com".to_string(),
            // The service reads markup: the subject arrives as text.
            "Ada: Lunch &lt;b&gt;today&lt;/b&gt;?".to_string(),
            vec!["default".to_string(), "Open".to_string()],
        )]
    );
    assert_eq!(
        s.notify.check_mail("acc", "me@example.com").await.unwrap(),
        None
    );
    assert_eq!(bus.shown().len(), 1, "announced once");

    bus.click(1);
    let opened = tokio::time::timeout(Duration::from_secs(10), opens.recv())
        .await
        .expect("the click reaches the app")
        .unwrap();
    assert_eq!(
        opened,
        NotifyTarget::Thread {
            account: "acc".into(),
            thread: "thread-new".into()
        }
    );

    // Switched off: new mail is passed over (and not announced later when switched on).
    s.notify
        .set_switch("acc".into(), NotifyKind::NewMail, false)
        .await
        .unwrap();
    add_mail(
        &s,
        vec![msg(
            "quiet",
            now + 2_000,
            "Bo <bo@example.com>",
            "Shh",
            &["INBOX", "UNREAD"],
        )],
    )
    .await;
    assert_eq!(
        s.notify.check_mail("acc", "me@example.com").await.unwrap(),
        None
    );
    s.notify
        .set_switch("acc".into(), NotifyKind::NewMail, true)
        .await
        .unwrap();
    assert_eq!(
        s.notify.check_mail("acc", "me@example.com").await.unwrap(),
        None
    );
    assert_eq!(bus.shown().len(), 1);
    let listed = s.notify.switches().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].email, "me@example.com");
    assert!(listed[0].switches.new_mail);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_and_the_tasks_due_today_are_announced_through_dbus() {
    let _one = ONE_BUS.lock().await;
    let bus = bus();
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path()).await;
    s.notify.set_notifier(Arc::new(DesktopNotifier));
    let now = s.clock.now_ms();
    let min = 60_000;
    s.store
        .transaction(move |tx| {
            cache::replace_calendars(
                tx,
                "acc",
                &[cache::CalendarRow {
                    google_id: "primary".into(),
                    primary: true,
                    default_reminders: "[10]".into(),
                    ..Default::default()
                }],
            )?;
            cache::upsert_event(
                tx,
                "acc",
                "primary",
                &cache::EventRow {
                    google_id: "standup".into(),
                    summary: "Standup".into(),
                    location: "Room 4".into(),
                    start_ms: Some(now + 10 * min + 20_000),
                    end_ms: Some(now + 40 * min),
                    status: "confirmed".into(),
                    attendees: "[]".into(),
                    ..Default::default()
                },
            )
        })
        .await
        .unwrap();
    assert!(
        s.notify.check_reminders("acc").await.unwrap().is_empty(),
        "first look: the mark"
    );
    s.clock.advance(Duration::from_secs(30));
    let shown = s.notify.check_reminders("acc").await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].summary, "Standup in 10 minutes");
    s.clock.advance(Duration::from_secs(30));
    assert!(
        s.notify.check_reminders("acc").await.unwrap().is_empty(),
        "once"
    );
    let on_bus = bus.shown();
    assert_eq!(on_bus.len(), 1);
    assert_eq!(on_bus[0].0, "Standup in 10 minutes");
    assert!(on_bus[0].1.ends_with("· Room 4"), "{:?}", on_bus[0]);

    // Tasks due today: once a day, from 8:00 local time. The clock is moved to 9:00 tomorrow.
    use chrono::{Duration as Days, Local, TimeZone, Timelike};
    let today = Local.timestamp_millis_opt(s.clock.now_ms()).unwrap();
    let nine = (today + Days::days(1))
        .with_hour(9)
        .and_then(|t| t.with_minute(0))
        .unwrap();
    s.clock.advance(Duration::from_millis(
        (nine.timestamp_millis() - s.clock.now_ms()) as u64,
    ));
    let due = nine.format("%Y-%m-%d").to_string();
    s.store
        .transaction(move |tx| {
            for (i, title) in ["Pay rent", "Call Ada"].iter().enumerate() {
                tasks::insert(
                    tx,
                    &format!("t{i}"),
                    &tasks::NewTask {
                        account: "acc",
                        title,
                        due: Some(&due),
                        ..Default::default()
                    },
                    0,
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let note = s
        .notify
        .check_tasks_due("acc", "me@example.com")
        .await
        .unwrap()
        .expect("the tasks due today");
    assert_eq!(note.summary, "2 tasks due today for me@example.com");
    assert_eq!(note.target, NotifyTarget::Tasks);
    assert_eq!(
        s.notify
            .check_tasks_due("acc", "me@example.com")
            .await
            .unwrap(),
        None,
        "once a day"
    );
    assert_eq!(bus.shown().len(), 2);
}

struct Silent;

impl libreollama::services::notify::Notifier for Silent {
    fn show(
        &self,
        _: &libreollama::services::notify::Note,
        _: Box<dyn FnOnce() + Send>,
    ) -> libreollama::error::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn preferences_offer_each_accounts_switches_only_where_notifications_are_shown() {
    use support::ui::{render, text_of};
    let s = support::shared();
    s.store
        .transaction(|tx| accounts::upsert(tx, &support::account("acc", "me@example.com")))
        .await
        .unwrap();
    // The web preview (no notifier): no such section.
    let text = text_of(&render("/settings", "Log level").await);
    assert!(!text.contains("Notifications"), "{text}");

    s.notify.set_notifier(Arc::new(Silent));
    let html = render("/settings", "New mail in the Inbox").await;
    let text = text_of(&html);
    for want in [
        "Notifications",
        "me@example.com",
        "New mail in the Inbox",
        "Event reminders",
        "Show a sample notification",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    // Three switches, and the mail list's grouping above them (on by default too).
    assert_eq!(html.matches(r#"type="checkbox""#).count(), 4, "{html}");
    let on = r#"type="checkbox" checked=true"#;
    assert_eq!(html.matches(on).count(), 4, "on by default: {html}");

    // One switch at a time: the others stay as they are.
    let after = libreollama::api::notify_set_switch(
        "acc".into(),
        libreollama::model::NotifyKind::Reminders,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        after,
        NotifySwitches {
            reminders: false,
            ..NotifySwitches::default()
        }
    );
    let html = render("/settings", "New mail in the Inbox").await;
    assert_eq!(html.matches(on).count(), 3, "{html}");
    let err = libreollama::api::notify_set_switch("nobody".into(), NotifyKind::NewMail, true)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("nobody") || err.to_string().contains("account"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sample_notification_reaches_the_desktop_or_says_why_not() {
    let _one = ONE_BUS.lock().await;
    let bus = bus();
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path()).await;
    // Without a notifier (the CLI, the web preview) the person is told, not left guessing.
    let err = s.notify.show_sample().await.unwrap_err().to_string();
    assert!(err.contains("only the desktop app"), "{err}");
    assert!(bus.shown().is_empty());
    s.notify.set_notifier(Arc::new(DesktopNotifier));
    s.notify.show_sample().await.unwrap();
    let shown = bus.shown();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].0, "LibreOllama");
    assert!(shown[0].1.starts_with("Notifications work"), "{shown:?}");
}
