//! Desktop notifications: new Inbox mail (one per sync), events' popup reminders, and the tasks
//! due today. What has been announced is claimed in the store (see `store::notify`), so the app,
//! a second window and the CLI never announce the same thing twice. Only a process given a
//! [`Notifier`] (the desktop app) claims anything.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{Local, TimeZone, Timelike};
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::error::Result;
use crate::model::{AccountNotify, NotifyKind, NotifySwitches, NotifyTarget};
use crate::services::auth::AuthService;
use crate::store::notify::{self as marks, DueReminder, NewMail};
use crate::store::{tasks, Store};

/// How often reminders and due tasks are looked for: a reminder comes at most this late.
const TICK: Duration = Duration::from_secs(20);
/// Reminders that came while the app was closed are still shown if this recent.
const MISSED_REMINDERS_MS: i64 = 15 * 60 * 1000;
/// The tasks due today are announced from this hour (local time), once a day.
const TASKS_DUE_FROM_HOUR: u32 = 8;

/// One notification as the person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    pub target: NotifyTarget,
}

/// Shows notifications through the platform's service.
pub trait Notifier: Send + Sync + 'static {
    /// Shows `note`; `clicked` runs (on any thread) if the person clicks it.
    fn show(&self, note: &Note, clicked: Box<dyn FnOnce() + Send>) -> Result<()>;
}

pub struct NotifyService {
    store: Store,
    clock: Clock,
    auth: Arc<AuthService>,
    /// Set once, by the desktop app; other processes never announce (nor claim) anything.
    notifier: OnceLock<Arc<dyn Notifier>>,
    opens: broadcast::Sender<NotifyTarget>,
    /// The account of each finished mail sync.
    synced: broadcast::Sender<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn new_mail_note(account: &str, email: &str, m: &NewMail) -> Note {
    let summary = format!(
        "{} for {email}",
        plural(m.count, "new message", "new messages")
    );
    let mut lines: Vec<String> = m
        .newest
        .iter()
        .map(|(_, from, subject)| {
            let subject = if subject.trim().is_empty() {
                "(no subject)"
            } else {
                subject.trim()
            };
            format!("{}: {subject}", crate::model::display_name(from))
        })
        .collect();
    if m.count > m.newest.len() {
        lines.push(format!("and {} more", m.count - m.newest.len()));
    }
    let target = match m.newest.as_slice() {
        [(thread, _, _)] if m.count == 1 => NotifyTarget::Thread {
            account: account.to_string(),
            thread: thread.clone(),
        },
        _ => NotifyTarget::Inbox,
    };
    Note {
        summary,
        body: lines.join("\n"),
        target,
    }
}

pub fn reminder_note(r: &DueReminder) -> Note {
    let when = match r.minutes {
        0 => "now".to_string(),
        m if m % 1440 == 0 => format!("in {}", plural((m / 1440) as usize, "day", "days")),
        m if m % 60 == 0 => format!("in {}", plural((m / 60) as usize, "hour", "hours")),
        m => format!("in {}", plural(m as usize, "minute", "minutes")),
    };
    let title = if r.summary.trim().is_empty() {
        "(no title)"
    } else {
        r.summary.trim()
    };
    let mut body = crate::model::local_hm(r.start_ms);
    if let Some(end) = r.end_ms {
        body.push_str(&format!("–{}", crate::model::local_hm(end)));
    }
    if !r.location.trim().is_empty() {
        body.push_str(&format!(" · {}", r.location.trim()));
    }
    Note {
        summary: format!("{title} {when}"),
        body,
        target: NotifyTarget::Calendar,
    }
}

pub fn tasks_due_note(email: &str, titles: &[String]) -> Note {
    let mut body: Vec<String> = titles.iter().take(marks::NAMED).cloned().collect();
    if titles.len() > body.len() {
        body.push(format!("and {} more", titles.len() - body.len()));
    }
    Note {
        summary: format!(
            "{} due today for {email}",
            plural(titles.len(), "task", "tasks")
        ),
        body: body.join("\n"),
        target: NotifyTarget::Tasks,
    }
}

impl NotifyService {
    /// `synced`: a finished mail sync's account (there may be news).
    pub fn new(
        store: Store,
        clock: Clock,
        auth: Arc<AuthService>,
        synced: broadcast::Sender<String>,
    ) -> Self {
        NotifyService {
            store,
            clock,
            auth,
            notifier: OnceLock::new(),
            opens: broadcast::channel(16).0,
            synced,
        }
    }

    /// True when this process shows notifications (the desktop app).
    pub fn available(&self) -> bool {
        self.notifier.get().is_some()
    }

    /// Every account's switches.
    pub async fn switches(&self) -> Result<Vec<AccountNotify>> {
        let accounts = self.auth.list_accounts().await?;
        self.store
            .read(move |c| {
                accounts
                    .into_iter()
                    .map(|a| {
                        Ok(AccountNotify {
                            switches: marks::switches(c, &a.id)?,
                            account: a.id,
                            email: a.email,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// Turns one of an account's switches on or off; its switches after.
    pub async fn set_switch(
        &self,
        account: String,
        kind: NotifyKind,
        on: bool,
    ) -> Result<NotifySwitches> {
        self.auth.account(&account).await?;
        self.store
            .write(move |c| marks::set_switch(c, &account, kind, on))
            .await
    }

    /// The next notification clicked, to open.
    pub async fn next_open(&self) -> Option<NotifyTarget> {
        let mut clicks = self.opens();
        loop {
            match clicks.recv().await {
                Ok(t) => return Some(t),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Every notification clicked from now on.
    pub fn opens(&self) -> broadcast::Receiver<NotifyTarget> {
        self.opens.subscribe()
    }

    async fn show(&self, note: Note) {
        if let Err(e) = self.try_show(note).await {
            tracing::warn!(error = %e, "a notification could not be shown");
        }
    }

    async fn try_show(&self, note: Note) -> std::result::Result<(), String> {
        let Some(n) = self.notifier.get().cloned() else {
            return Err("only the desktop app shows notifications".into());
        };
        let opens = self.opens.clone();
        let target = note.target.clone();
        tokio::task::spawn_blocking(move || {
            n.show(
                &note,
                Box::new(move || {
                    let _ = opens.send(target);
                }),
            )
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    }

    /// Shows a sample notification now, so the person sees how (and whether) their desktop
    /// shows them; an error says why not.
    pub async fn show_sample(&self) -> Result<()> {
        let note = Note {
            summary: "LibreOllama".into(),
            body:
                "Notifications work: new mail, event reminders and tasks due will show like this."
                    .into(),
            target: NotifyTarget::Inbox,
        };
        if !self.available() {
            return Err(crate::error::LibreOllamaError::Config(
                "only the desktop app shows notifications; open it to try one".into(),
            ));
        }
        self.try_show(note).await.map_err(|e| {
            crate::error::LibreOllamaError::Config(format!(
                "the desktop did not show the notification: {e}. Check that a notification \
                 service runs and does not block LibreOllama"
            ))
        })
    }

    /// Announces the Inbox mail stored since the last look, dated after it (once, in one
    /// process); what was shown. The app looks when a sync of the account ends.
    pub async fn check_mail(&self, account: &str, email: &str) -> Result<Option<Note>> {
        if !self.available() {
            return Ok(None);
        }
        let (acc, now) = (account.to_string(), self.clock.now_ms());
        let (new, on) = self
            .store
            .transaction(move |tx| {
                Ok((
                    marks::claim_new_mail(tx, &acc, now)?,
                    marks::switches(tx, &acc)?.new_mail,
                ))
            })
            .await?;
        let note = new
            .filter(|_| on)
            .map(|m| new_mail_note(account, email, &m));
        if let Some(n) = &note {
            self.show(n.clone()).await;
        }
        Ok(note)
    }

    /// Announces the popup reminders that came due since the last look; what was shown.
    pub async fn check_reminders(&self, account: &str) -> Result<Vec<Note>> {
        if !self.available() {
            return Ok(Vec::new());
        }
        let (acc, now) = (account.to_string(), self.clock.now_ms());
        let due = self
            .store
            .transaction(move |tx| {
                let last = marks::claim_since(tx, &format!("reminders.{acc}"), now)?;
                // The first look only sets the mark; a long gap (the app was closed) keeps
                // only the recent reminders.
                let Some(last) = last else {
                    return Ok(Vec::new());
                };
                if !marks::switches(tx, &acc)?.reminders {
                    return Ok(Vec::new());
                }
                marks::reminders_due(tx, &acc, last.max(now - MISSED_REMINDERS_MS), now)
            })
            .await?;
        let notes: Vec<Note> = due.iter().map(reminder_note).collect();
        for n in &notes {
            self.show(n.clone()).await;
        }
        Ok(notes)
    }

    /// Once a day from the morning: the open tasks due today; what was shown.
    pub async fn check_tasks_due(&self, account: &str, email: &str) -> Result<Option<Note>> {
        let now = Local.timestamp_millis_opt(self.clock.now_ms()).single();
        let Some(now) = now.filter(|_| self.available()) else {
            return Ok(None);
        };
        if now.hour() < TASKS_DUE_FROM_HOUR {
            return Ok(None);
        }
        let today = now.format("%Y-%m-%d").to_string();
        let acc = account.to_string();
        let titles = self
            .store
            .transaction(move |tx| {
                if !marks::switches(tx, &acc)?.tasks_due {
                    return Ok(Vec::new());
                }
                let titles: Vec<String> = tasks::due_between(tx, &today, &today)?
                    .into_iter()
                    .filter(|t| t.account_id == acc && !t.completed)
                    .map(|t| t.title)
                    .collect();
                // The day is used up only by a notification: tasks that arrive later (a sync
                // after start-up, one added for today) are announced then.
                if titles.is_empty() || !marks::claim_day(tx, &format!("tasks_due.{acc}"), &today)?
                {
                    return Ok(Vec::new());
                }
                Ok(titles)
            })
            .await?;
        if titles.is_empty() {
            return Ok(None);
        }
        let note = tasks_due_note(email, &titles);
        self.show(note.clone()).await;
        Ok(Some(note))
    }

    /// One look at every account's reminders and tasks due (one failing does not keep the
    /// others from theirs). New mail is looked at when a sync ends ([`Self::start`]).
    pub async fn tick(&self) -> Result<()> {
        for a in self.auth.list_accounts().await? {
            let looks = [
                self.check_reminders(&a.id).await.err(),
                self.check_tasks_due(&a.id, &a.email).await.err(),
            ];
            for e in looks.into_iter().flatten() {
                tracing::warn!(account = %a.id, error = %e, "looking for things to announce failed");
            }
        }
        Ok(())
    }

    /// Announces the mail an account's sync brought.
    async fn after_sync(&self, account: &str) {
        let email = match self.auth.account(account).await {
            Ok(a) => a.email_address,
            Err(_) => return,
        };
        if let Err(e) = self.check_mail(account, &email).await {
            tracing::warn!(account, error = %e, "looking for new mail to announce failed");
        }
    }

    /// Shows notifications through `notifier` from now on, without the loop that looks by
    /// itself (tests call the looks directly). Once per process: a later `set_notifier` or
    /// `start` changes nothing.
    pub fn set_notifier(&self, notifier: Arc<dyn Notifier>) {
        let _ = self.notifier.set(notifier);
    }

    /// Shows notifications through `notifier` for as long as the process runs: new mail after
    /// each mail sync, reminders and tasks due every 20 s.
    pub fn start(self: &Arc<Self>, notifier: Arc<dyn Notifier>) {
        if self.notifier.set(notifier).is_err() {
            return;
        }
        let this = self.clone();
        let mut synced = self.synced.subscribe();
        tokio::spawn(async move {
            let mut next_tick = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(next_tick) => {
                        if let Err(e) = this.tick().await {
                            tracing::warn!(error = %e, "looking for things to announce failed");
                        }
                        next_tick = tokio::time::Instant::now() + TICK;
                    }
                    // New mail is news as a sync brings it: the mark moves once per sync, so
                    // mail Gmail received since the previous sync counts however long apart.
                    r = synced.recv() => match r {
                        Ok(account) => this.after_sync(&account).await,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            for a in this.auth.list_accounts().await.unwrap_or_default() {
                                this.after_sync(&a.id).await;
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_the_news_and_open_the_right_place() {
        let one = NewMail {
            count: 1,
            newest: vec![(
                "m1".into(),
                "\"Ada L.\" <ada@example.com>".into(),
                "Lunch?".into(),
            )],
        };
        let n = new_mail_note("acc", "me@example.com", &one);
        assert_eq!(n.summary, "1 new message for me@example.com");
        assert_eq!(n.body, "Ada L.: Lunch?");
        assert_eq!(
            n.target,
            NotifyTarget::Thread {
                account: "acc".into(),
                thread: "m1".into()
            }
        );
        let many = NewMail {
            count: 5,
            newest: vec![
                ("a".into(), "<bob@example.com>".into(), " ".into()),
                ("b".into(), "Cy <cy@example.com>".into(), "Hi".into()),
                ("c".into(), "Di <di@example.com>".into(), "Yo".into()),
            ],
        };
        let n = new_mail_note("acc", "me@example.com", &many);
        assert_eq!(n.summary, "5 new messages for me@example.com");
        assert_eq!(
            n.body,
            "bob@example.com: (no subject)\nCy: Hi\nDi: Yo\nand 2 more"
        );
        assert_eq!(n.target, NotifyTarget::Inbox);

        let r = DueReminder {
            event: "e".into(),
            summary: "Standup".into(),
            location: "Room 4".into(),
            start_ms: 0,
            end_ms: None,
            minutes: 120,
        };
        let n = reminder_note(&r);
        assert_eq!(n.summary, "Standup in 2 hours");
        assert!(n.body.ends_with(" · Room 4"), "{}", n.body);
        assert_eq!(
            reminder_note(&DueReminder {
                minutes: 1,
                ..r.clone()
            })
            .summary,
            "Standup in 1 minute"
        );
        assert_eq!(
            reminder_note(&DueReminder { minutes: 0, ..r }).summary,
            "Standup now"
        );
        let titles: Vec<String> = (1..=4).map(|i| format!("t{i}")).collect();
        let n = tasks_due_note("me@example.com", &titles);
        assert_eq!(n.summary, "4 tasks due today for me@example.com");
        assert_eq!(n.body, "t1\nt2\nt3\nand 1 more");
    }
}
