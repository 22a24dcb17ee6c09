//! Snoozed conversations (`mail_snoozes`): out of the inbox until their time (durable user
//! data; the INBOX label changes themselves go through the mail-label queue).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::model::SnoozedThread;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Snoozes (or re-snoozes) a conversation until `wake_at_ms`, under its first message's subject;
/// false if the conversation is not in the local cache.
pub fn put(
    c: &Connection,
    account: &str,
    thread: &str,
    wake_at_ms: i64,
    now_unix: i64,
) -> Result<bool> {
    let subject: Option<String> = c
        .query_row(
            "SELECT subject FROM mail_messages WHERE account_id = ?1 AND thread_id = ?2 ORDER BY internal_date LIMIT 1",
            params![account, thread],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("snoozing"))?;
    let Some(subject) = subject else {
        return Ok(false);
    };
    c.execute(
        "INSERT INTO mail_snoozes (account_id, thread_id, subject, wake_at, state, created_at) VALUES (?1, ?2, ?3, ?4, 'snoozed', ?5) \
         ON CONFLICT(account_id, thread_id) DO UPDATE SET wake_at = excluded.wake_at, state = 'snoozed'",
        params![account, thread, subject, wake_at_ms, now_unix],
    )
    .map_err(db("snoozing"))?;
    Ok(true)
}

/// Due: INBOX is being put back (kept until that is queued, so a crash in between still wakes
/// it at the next start).
pub fn mark_waking(c: &Connection, account: &str, thread: &str) -> Result<()> {
    c.execute(
        "UPDATE mail_snoozes SET state = 'waking' WHERE account_id = ?1 AND thread_id = ?2",
        params![account, thread],
    )
    .map_err(db("waking a conversation"))?;
    Ok(())
}

pub fn remove(c: &Connection, account: &str, thread: &str) -> Result<()> {
    c.execute(
        "DELETE FROM mail_snoozes WHERE account_id = ?1 AND thread_id = ?2",
        params![account, thread],
    )
    .map_err(db("waking a conversation"))?;
    Ok(())
}

/// Every snoozed conversation, the next to wake first.
pub fn list(c: &Connection) -> Result<Vec<SnoozedThread>> {
    let mut st = c
        .prepare(
            "SELECT account_id, thread_id, subject, wake_at FROM mail_snoozes ORDER BY wake_at",
        )
        .map_err(db("reading snoozed mail"))?;
    let rows = st
        .query_map([], |r| {
            Ok(SnoozedThread {
                account_id: r.get(0)?,
                thread_id: r.get(1)?,
                subject: r.get(2)?,
                wake_at_ms: r.get(3)?,
            })
        })
        .map_err(db("reading snoozed mail"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading snoozed mail"))
}

/// (account, thread) of the conversations whose time has come at `now_ms`, or whose waking was
/// cut off.
pub fn due(c: &Connection, now_ms: i64) -> Result<Vec<(String, String)>> {
    let mut st = c
        .prepare(
            "SELECT account_id, thread_id FROM mail_snoozes WHERE wake_at <= ?1 OR state = 'waking'",
        )
        .map_err(db("reading snoozed mail"))?;
    let rows = st
        .query_map([now_ms], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db("reading snoozed mail"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading snoozed mail"))
}

/// When the next snoozed conversation wakes (unix ms).
pub fn next_wake(c: &Connection) -> Result<Option<i64>> {
    c.query_row("SELECT min(wake_at) FROM mail_snoozes", [], |r| r.get(0))
        .map_err(db("reading snoozed mail"))
}

/// The ids of a conversation's messages in the local cache.
pub fn thread_messages(c: &Connection, account: &str, thread: &str) -> Result<Vec<String>> {
    let mut st = c
        .prepare("SELECT id FROM mail_messages WHERE account_id = ?1 AND thread_id = ?2")
        .map_err(db("reading a conversation"))?;
    let rows = st
        .query_map(params![account, thread], |r| r.get(0))
        .map_err(db("reading a conversation"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading a conversation"))
}
