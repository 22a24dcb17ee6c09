//! What the desktop notifications have already announced. Each claim reads and moves its mark in
//! one IMMEDIATE transaction, so when the app and a second window (or the CLI's sync) see the
//! same new mail, exactly one of them announces it.

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::settings;
use crate::error::{LibreOllamaError, Result};

/// Mail Gmail received this much before the previous claim (the previous sync's end) is old
/// mail stored late (a message restored, a first sync of a folder), not news. The slack covers
/// mail that arrived while the previous sync ran, and clocks a little out of step with Gmail's.
const OLD_MAIL_SLACK_MS: i64 = 10 * 60 * 1000;
/// How many of the new messages a notification names.
pub const NAMED: usize = 3;

fn db(e: rusqlite::Error) -> LibreOllamaError {
    LibreOllamaError::db("reading what was announced", e)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct MailMark {
    /// Messages stored after this row are new.
    rowid: i64,
    /// When the mark was set (Unix ms).
    at_ms: i64,
}

fn mail_key(account: &str) -> String {
    format!("notify.mail_mark.{account}")
}

/// The new unread Inbox mail of one claim: how many, and the newest few.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub count: usize,
    /// (thread id, from, subject), newest first.
    pub newest: Vec<(String, String, String)>,
}

fn last_rowid(c: &Connection, account: &str) -> Result<i64> {
    c.query_row(
        "SELECT coalesce(max(rowid), 0) FROM mail_messages WHERE account_id = ?1",
        [account],
        |r| r.get(0),
    )
    .map_err(db)
}

/// The unread Inbox mail stored since the last claim, dated after it; moves the mark past
/// everything stored now. The first claim of an account only sets the mark: what the first sync
/// brings is the mailbox, not news.
pub fn claim_new_mail(tx: &Transaction<'_>, account: &str, now_ms: i64) -> Result<Option<NewMail>> {
    let key = mail_key(account);
    let mark: Option<MailMark> = settings::get(tx, &key)?;
    let last = last_rowid(tx, account)?;
    settings::set(
        tx,
        &key,
        &MailMark {
            rowid: last,
            at_ms: now_ms,
        },
    )?;
    let Some(mark) = mark else {
        return Ok(None);
    };
    let mut st = tx
        .prepare(
            "SELECT m.thread_id, m.from_addr, m.subject FROM mail_messages m \
             WHERE m.account_id = ?1 AND m.rowid > ?2 AND m.rowid <= ?3 AND m.internal_date > ?4 \
             AND EXISTS (SELECT 1 FROM mail_message_labels l WHERE l.message_rowid = m.rowid AND l.label_id = 'INBOX') \
             AND EXISTS (SELECT 1 FROM mail_message_labels l WHERE l.message_rowid = m.rowid AND l.label_id = 'UNREAD') \
             ORDER BY m.internal_date DESC, m.rowid DESC",
        )
        .map_err(db)?;
    let rows = st
        .query_map(
            params![account, mark.rowid, last, mark.at_ms - OLD_MAIL_SLACK_MS],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db)?;
    let all: Vec<(String, String, String)> =
        rows.collect::<std::result::Result<_, _>>().map_err(db)?;
    if all.is_empty() {
        return Ok(None);
    }
    Ok(Some(NewMail {
        count: all.len(),
        newest: all.into_iter().take(NAMED).collect(),
    }))
}

/// True once per `day` (YYYY-MM-DD) and `what` (e.g. "tasks_due.<account>"): the caller that
/// gets true announces.
pub fn claim_day(tx: &Transaction<'_>, what: &str, day: &str) -> Result<bool> {
    let key = day_key(what);
    let last: Option<String> = settings::get(tx, &key)?;
    if last.as_deref() == Some(day) {
        return Ok(false);
    }
    settings::set(tx, &key, &day)?;
    Ok(true)
}

/// Moves a time mark (Unix ms) forward to `now_ms`. Returns where the window to announce starts:
/// the previous mark, `now_ms` itself when the clock went back (an empty window: nothing is
/// announced twice), or None the first time. Events whose reminders fall in (start, now] are
/// announced by the caller that moved it.
pub fn claim_since(tx: &Transaction<'_>, what: &str, now_ms: i64) -> Result<Option<i64>> {
    let key = since_key(what);
    let last: Option<i64> = settings::get(tx, &key)?;
    if last.is_some_and(|l| l >= now_ms) {
        return Ok(Some(now_ms));
    }
    settings::set(tx, &key, &now_ms)?;
    Ok(last)
}

/// A popup reminder that comes due in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub event: String,
    pub summary: String,
    pub location: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    /// How long before the start it comes.
    pub minutes: i64,
}

/// Google's longest reminder: four weeks. An event starting that far ahead can have a reminder
/// due now, so the query looks that far.
const LONGEST_REMINDER_MS: i64 = 40_320 * 60_000;

/// The timed events of `account` (not cancelled, not declined) with a popup reminder in
/// (from_ms, to_ms], one per event, in start order. All-day events have no instant to count back
/// from and are left out.
pub fn reminders_due(
    c: &Connection,
    account: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<DueReminder>> {
    let mut st = c
        .prepare(
            "SELECT e.google_id, e.summary, e.location, e.start_ms, e.end_ms, \
                    coalesce(e.reminder_minutes, k.default_reminders) \
             FROM calendar_events e JOIN calendars k ON k.account_id = e.account_id AND k.google_id = e.calendar_id \
             WHERE e.account_id = ?1 AND e.start_ms > ?2 AND e.start_ms <= ?3 \
               AND e.status <> 'cancelled' AND coalesce(e.self_response, '') <> 'declined' \
             ORDER BY e.start_ms, e.google_id",
        )
        .map_err(db)?;
    let rows = st
        .query_map(
            params![account, from_ms, to_ms + LONGEST_REMINDER_MS],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .map_err(db)?;
    let mut due = Vec::new();
    for row in rows {
        let (event, summary, location, start_ms, end_ms, minutes) = row.map_err(db)?;
        let minutes: Vec<i64> = serde_json::from_str(&minutes).unwrap_or_default();
        if let Some(m) = minutes.into_iter().find(|m| {
            let fire = start_ms - m * 60_000;
            from_ms < fire && fire <= to_ms
        }) {
            due.push(DueReminder {
                event,
                summary,
                location,
                start_ms,
                end_ms,
                minutes: m,
            });
        }
    }
    Ok(due)
}

/// Every setting the notifications keep for an account (removed with it).
pub fn keys_of(account: &str) -> Vec<String> {
    vec![
        mail_key(account),
        day_key(&format!("tasks_due.{account}")),
        since_key(&format!("reminders.{account}")),
        switches_key(account),
    ]
}

fn day_key(what: &str) -> String {
    format!("notify.day.{what}")
}

fn since_key(what: &str) -> String {
    format!("notify.since.{what}")
}

fn switches_key(account: &str) -> String {
    format!("notify.switches.{account}")
}

pub fn switches(c: &Connection, account: &str) -> Result<crate::model::NotifySwitches> {
    Ok(settings::get(c, &switches_key(account))?.unwrap_or_default())
}

pub fn set_switches(c: &Connection, account: &str, s: &crate::model::NotifySwitches) -> Result<()> {
    settings::set(c, &switches_key(account), s)
}

/// Turns one switch on or off, the others as they are now (read and written by the one
/// writer: a switch changed meanwhile, in any window, stays changed).
pub fn set_switch(
    c: &Connection,
    account: &str,
    kind: crate::model::NotifyKind,
    on: bool,
) -> Result<crate::model::NotifySwitches> {
    let mut s = switches(c, account)?;
    s.set(kind, on);
    set_switches(c, account, &s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::mail::{self, NewMessage};
    use crate::store::testing::{store_with_account, two_processes, ACCOUNT};

    const NOW: i64 = 1_800_000_000_000;

    fn msg(id: &str, date: i64, labels: &[&str]) -> NewMessage {
        NewMessage {
            account_id: ACCOUNT.into(),
            id: id.into(),
            thread_id: format!("t-{id}"),
            internal_date: date,
            subject: format!("about {id}"),
            from: format!("{id}@example.com"),
            label_ids: labels.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        }
    }

    fn store(c: &mut Connection, msgs: &[NewMessage]) {
        let tx = c.transaction().unwrap();
        mail::upsert_messages(&tx, msgs).unwrap();
        tx.commit().unwrap();
    }

    fn claim(c: &mut Connection, now: i64) -> Option<NewMail> {
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        let r = claim_new_mail(&tx, ACCOUNT, now).unwrap();
        tx.commit().unwrap();
        r
    }

    #[test]
    fn new_unread_inbox_mail_is_announced_once_and_old_mail_never() {
        let (_dir, s) = store_with_account();
        s.with_writer_blocking(|c| {
            store(c, &[msg("old", NOW - 86_400_000, &["INBOX", "UNREAD"])]);
            // The first sync's mail is the mailbox, not news.
            assert_eq!(claim(c, NOW), None);
            store(
                c,
                &[
                    msg("new1", NOW + 1_000, &["INBOX", "UNREAD"]),
                    msg("new2", NOW + 2_000, &["INBOX", "UNREAD"]),
                    msg("read", NOW + 3_000, &["INBOX"]),
                    msg("archived", NOW + 4_000, &["UNREAD"]),
                    // Stored now, but dated well before the last claim: an old message.
                    msg("late", NOW - 3_600_000, &["INBOX", "UNREAD"]),
                ],
            );
            let got = claim(c, NOW + 60_000).expect("two new messages");
            assert_eq!(got.count, 2);
            assert_eq!(got.newest[0].0, "t-new2");
            assert_eq!(got.newest[1].1, "new1@example.com");
            assert_eq!(claim(c, NOW + 120_000), None, "announced once");
            // An old message changed by a later sync (kept its row) is not news either.
            store(
                c,
                &[msg(
                    "old",
                    NOW - 86_400_000,
                    &["INBOX", "UNREAD", "STARRED"],
                )],
            );
            assert_eq!(claim(c, NOW + 180_000), None);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn two_processes_never_both_announce_the_same_mail() {
        let (_dir, mut a, mut b) = two_processes(|_| Ok(()));
        assert_eq!(claim(&mut a, NOW), None);
        store(&mut a, &[msg("n", NOW + 1_000, &["INBOX", "UNREAD"])]);
        let (x, y) = std::thread::scope(|s| {
            let x = s.spawn(|| claim(&mut a, NOW + 5_000));
            let y = s.spawn(|| claim(&mut b, NOW + 5_000));
            (x.join().unwrap(), y.join().unwrap())
        });
        assert_eq!(
            x.is_some() as u8 + y.is_some() as u8,
            1,
            "exactly one announces: {x:?} {y:?}"
        );
    }

    #[test]
    fn reminders_come_due_from_the_event_or_the_calendars_defaults() {
        use crate::store::calendar::{self as cache, CalendarRow, EventRow};
        let (_dir, s) = store_with_account();
        let event = |id: &str, start: i64, own: Option<&str>, response: Option<&str>| EventRow {
            google_id: id.into(),
            summary: format!("meeting {id}"),
            start_ms: Some(start),
            end_ms: Some(start + 1_800_000),
            status: "confirmed".into(),
            self_response: response.map(Into::into),
            attendees: "[]".into(),
            reminder_minutes: own.map(Into::into),
            ..EventRow::default()
        };
        let min = 60_000;
        s.with_writer_blocking(|c| {
            cache::replace_calendars(
                c,
                ACCOUNT,
                &[CalendarRow {
                    google_id: "work".into(),
                    primary: true,
                    default_reminders: "[10]".into(),
                    ..CalendarRow::default()
                }],
            )?;
            for e in [
                event("default", NOW + 10 * min, None, None),
                event("own", NOW + 30 * min, Some("[30,5]"), None),
                event("none", NOW + 10 * min, Some("[]"), None),
                event("declined", NOW + 10 * min, None, Some("declined")),
                event("later", NOW + 11 * min, None, None),
                event("started", NOW - min, Some("[0]"), None),
            ] {
                cache::upsert_event(c, ACCOUNT, "work", &e)?;
            }
            let due = reminders_due(c, ACCOUNT, NOW - 30_000, NOW).unwrap();
            let got: Vec<(&str, i64)> = due.iter().map(|d| (d.event.as_str(), d.minutes)).collect();
            assert_eq!(got, [("default", 10), ("own", 30)]);
            // The window after: nothing again; a minute on, the later event.
            assert!(reminders_due(c, ACCOUNT, NOW, NOW + 30_000)
                .unwrap()
                .is_empty());
            let due = reminders_due(c, ACCOUNT, NOW + 30_000, NOW + 60_000).unwrap();
            assert_eq!(due.len(), 1);
            assert_eq!(due[0].event, "later");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn an_accounts_notification_settings_go_with_it() {
        let (_dir, s) = store_with_account();
        s.with_writer_blocking(|c| {
            set_switch(c, ACCOUNT, crate::model::NotifyKind::NewMail, false)?;
            claim(c, NOW);
            let tx = c.transaction().unwrap();
            claim_day(&tx, &format!("tasks_due.{ACCOUNT}"), "2026-12-03")?;
            claim_since(&tx, &format!("reminders.{ACCOUNT}"), NOW)?;
            tx.commit().unwrap();
            let present = |c: &Connection| -> usize {
                keys_of(ACCOUNT)
                    .iter()
                    .filter(|k| settings::get::<serde_json::Value>(c, k).unwrap().is_some())
                    .count()
            };
            assert_eq!(present(c), 4);
            crate::store::accounts::delete(c, ACCOUNT)?;
            assert_eq!(present(c), 0);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_day_and_a_time_mark_are_claimed_once() {
        let (_dir, s) = store_with_account();
        s.with_writer_blocking(|c| {
            let tx = c.transaction().unwrap();
            assert!(claim_day(&tx, "tasks_due.a", "2026-12-03").unwrap());
            assert!(!claim_day(&tx, "tasks_due.a", "2026-12-03").unwrap());
            assert!(claim_day(&tx, "tasks_due.a", "2026-12-04").unwrap());
            assert_eq!(claim_since(&tx, "reminders.a", 100).unwrap(), None);
            assert_eq!(claim_since(&tx, "reminders.a", 160).unwrap(), Some(100));
            // A clock that went back announces nothing twice.
            assert_eq!(claim_since(&tx, "reminders.a", 120).unwrap(), Some(120));
            assert_eq!(claim_since(&tx, "reminders.a", 200).unwrap(), Some(160));
            Ok(())
        })
        .unwrap();
    }
}
