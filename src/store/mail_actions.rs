//! The mail-label queue's own columns (`mail_actions`): each row is one label change on one
//! message, with the labels it had before so that a change Gmail refuses can be rolled back.
//! Claiming, back-off and failure go through [`super::queue`] (`Queue::MailActions`).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn list(s: String) -> Vec<String> {
    serde_json::from_str(&s).unwrap_or_default()
}

/// One queued label change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelChange {
    pub seq: i64,
    pub account_id: String,
    pub message_id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    /// The message's labels before the change.
    pub prev: Vec<String>,
}

/// A change Gmail refused for good, as the activity panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedChange {
    pub seq: i64,
    pub account_id: String,
    pub message_id: String,
    /// The message's subject ('' if it is no longer cached).
    pub subject: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    pub error: String,
}

/// Queues a change; run it in the transaction that applies the change to the cache.
pub fn enqueue(
    c: &Connection,
    account: &str,
    message_id: &str,
    add: &[String],
    remove: &[String],
    prev: &[String],
    now_unix: i64,
) -> Result<i64> {
    c.execute(
        "INSERT INTO mail_actions (account_id, message_id, add_labels, remove_labels, prev_labels, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![account, message_id, json(add), json(remove), json(prev), now_unix],
    )
    .map_err(db("queueing a change"))?;
    Ok(c.last_insert_rowid())
}

/// Withdraws the queued change `seq` of this message if no process has tried to send it yet
/// (a change tried once may have reached Gmail even if the answer was lost) and nothing was
/// queued for the message after it (a later change carries the whole action again: with the
/// first gone it would still reach Gmail). True if withdrawn.
pub fn withdraw_untried(c: &Connection, seq: i64, account: &str, message_id: &str) -> Result<bool> {
    let n = c
        .execute(
            "DELETE FROM mail_actions WHERE seq = ?1 AND account_id = ?2 AND message_id = ?3 \
             AND state = 'pending' AND attempts = 0 AND lease_owner IS NULL \
             AND NOT EXISTS (SELECT 1 FROM mail_actions l WHERE l.account_id = ?2 \
                             AND l.message_id = ?3 AND l.seq > ?1 AND l.state = 'pending')",
            params![seq, account, message_id],
        )
        .map_err(db("withdrawing a queued change"))?;
    Ok(n == 1)
}

/// A row whose first six columns are seq, account_id, message_id, add, remove and prev labels.
fn label_change(r: &rusqlite::Row<'_>) -> rusqlite::Result<LabelChange> {
    Ok(LabelChange {
        seq: r.get(0)?,
        account_id: r.get(1)?,
        message_id: r.get(2)?,
        add: list(r.get(3)?),
        remove: list(r.get(4)?),
        prev: list(r.get(5)?),
    })
}

/// The change queued as `seq`, if it is still queued.
pub fn get(c: &Connection, seq: i64) -> Result<Option<LabelChange>> {
    c.query_row(
        "SELECT seq, account_id, message_id, add_labels, remove_labels, prev_labels FROM mail_actions WHERE seq = ?1",
        [seq],
        label_change,
    )
    .optional()
    .map_err(db("reading the change queue"))
}

/// The changes queued right after `seq` for this account that make the same label change (on
/// other messages) and were never tried, in order, up to `limit`: the run stops at the first
/// other change, so sending the run together never reorders anything.
pub fn same_change_after(
    c: &Connection,
    account: &str,
    seq: i64,
    add: &[String],
    remove: &[String],
    limit: usize,
) -> Result<Vec<LabelChange>> {
    let mut st = c
        .prepare_cached(
            "SELECT seq, account_id, message_id, add_labels, remove_labels, prev_labels, attempts FROM mail_actions \
             WHERE account_id = ?1 AND seq > ?2 AND state = 'pending' ORDER BY seq LIMIT ?3",
        )
        .map_err(db("reading the change queue"))?;
    let rows = st
        .query_map(
            params![account, seq, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok((label_change(r)?, r.get::<_, i64>(6)?)),
        )
        .map_err(db("reading the change queue"))?;
    let mut out = Vec::new();
    for row in rows {
        let (row, attempts) = row.map_err(db("reading the change queue"))?;
        // A change tried before goes on its own (it may be the one Gmail refuses).
        if row.add != add || row.remove != remove || attempts != 0 {
            break;
        }
        out.push(row);
    }
    Ok(out)
}

/// The newest `limit` changes Gmail refused, newest first.
pub fn refused(c: &Connection, limit: usize) -> Result<Vec<RefusedChange>> {
    let mut st = c
        .prepare(
            "SELECT a.seq, a.account_id, a.message_id, coalesce(m.subject, ''), a.add_labels, a.remove_labels, coalesce(a.last_error, '') \
             FROM mail_actions a LEFT JOIN mail_messages m ON m.account_id = a.account_id AND m.id = a.message_id \
             WHERE a.state = 'failed' ORDER BY a.seq DESC LIMIT ?1",
        )
        .map_err(db("reading refused changes"))?;
    let rows = st
        .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(RefusedChange {
                seq: r.get(0)?,
                account_id: r.get(1)?,
                message_id: r.get(2)?,
                subject: r.get(3)?,
                add: list(r.get(4)?),
                remove: list(r.get(5)?),
                error: r.get(6)?,
            })
        })
        .map_err(db("reading refused changes"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db("reading refused changes"))?;
    Ok(rows)
}

/// The user has seen a refused change: forget it (changes still queued are kept).
pub fn dismiss_refused(c: &Connection, seq: i64) -> Result<()> {
    c.execute(
        "DELETE FROM mail_actions WHERE seq = ?1 AND state = 'failed'",
        [seq],
    )
    .map_err(db("dismissing a refused change"))?;
    Ok(())
}

/// Every queued or refused change's state and last error, oldest first (diagnostics, tests).
pub fn states(c: &Connection) -> Result<Vec<(String, Option<String>)>> {
    let mut st = c
        .prepare("SELECT state, last_error FROM mail_actions ORDER BY seq")
        .map_err(db("reading the change queue"))?;
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db("reading the change queue"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db("reading the change queue"))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ARCHIVE_ACCOUNT as ACC;
    use crate::store::queue::{self, Queue};

    /// Two connections to one file are as two processes.
    fn two_connections() -> (tempfile::TempDir, Connection, Connection) {
        crate::store::testing::two_processes(|c| {
            crate::store::mail::ensure_archive_account(c, 0)?;
            let tx = c.transaction().unwrap();
            let msg = crate::store::mail::NewMessage {
                account_id: ACC.into(),
                id: "m1".into(),
                thread_id: "t1".into(),
                subject: "Plans".into(),
                label_ids: vec!["INBOX".into()],
                ..Default::default()
            };
            crate::store::mail::upsert_messages(&tx, &[msg])?;
            tx.commit().unwrap();
            Ok(())
        })
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn only_a_change_no_process_has_tried_is_withdrawn() {
        let (_dir, a, b) = two_connections();
        let tried = enqueue(&a, ACC, "m1", &[], &v(&["INBOX"]), &v(&["INBOX"]), 1).unwrap();
        let fresh = enqueue(&a, ACC, "m1", &v(&["STARRED"]), &[], &[], 2).unwrap();
        // The other process claims the first and backs off: it may have reached Gmail.
        queue::claim_first(&b, Queue::MailActions, Some(ACC), "y", 1_000)
            .unwrap()
            .unwrap();
        assert!(!withdraw_untried(&a, tried, ACC, "m1").unwrap());
        assert!(queue::retry_later(&b, Queue::MailActions, tried, "y", "timeout", 2_000).unwrap());
        assert!(!withdraw_untried(&a, tried, ACC, "m1").unwrap());
        // The right row is named by account and message too.
        assert!(!withdraw_untried(&a, fresh, ACC, "m2").unwrap());
        assert!(!withdraw_untried(&a, fresh, "other", "m1").unwrap());
        // A change queued after it for the message: withdrawing would let that one go alone.
        let later = enqueue(&a, ACC, "m1", &v(&["STARRED"]), &[], &[], 3).unwrap();
        assert!(!withdraw_untried(&a, fresh, ACC, "m1").unwrap());
        assert!(withdraw_untried(&a, later, ACC, "m1").unwrap());
        assert!(withdraw_untried(&a, fresh, ACC, "m1").unwrap());
        assert!(get(&b, fresh).unwrap().is_none());
        assert!(get(&b, tried).unwrap().is_some());
    }

    #[test]
    fn changes_go_in_order_and_a_refused_one_is_reported() {
        let (_dir, a, b) = two_connections();
        let first = enqueue(&a, ACC, "m1", &[], &v(&["INBOX"]), &v(&["INBOX"]), 1).unwrap();
        let second = enqueue(&a, ACC, "m1", &v(&["STARRED"]), &[], &[], 2).unwrap();
        assert_eq!(
            get(&b, first).unwrap().unwrap(),
            LabelChange {
                seq: first,
                account_id: ACC.into(),
                message_id: "m1".into(),
                add: vec![],
                remove: v(&["INBOX"]),
                prev: v(&["INBOX"]),
            }
        );
        // One claimant holds the first change: the other gets nothing, not even the second.
        let held = queue::claim_first(&a, Queue::MailActions, Some(ACC), "x", 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(held.rowid, first);
        assert_eq!(
            queue::claim_first(&b, Queue::MailActions, Some(ACC), "y", 1_000).unwrap(),
            None
        );
        // Backing off, it still holds back the change after it.
        assert!(queue::retry_later(&a, Queue::MailActions, first, "x", "offline", 60_000).unwrap());
        assert_eq!(
            queue::claim_first(&b, Queue::MailActions, Some(ACC), "y", 2_000).unwrap(),
            None
        );
        let again = queue::claim_first(&b, Queue::MailActions, Some(ACC), "y", 60_000)
            .unwrap()
            .unwrap();
        assert_eq!((again.rowid, again.attempts), (first, 2));
        // Refused for good: it no longer holds the queue back, and the panel lists it.
        assert!(queue::fail(&b, Queue::MailActions, first, "y", "404 not found").unwrap());
        let next = queue::claim_first(&a, Queue::MailActions, Some(ACC), "x", 60_000)
            .unwrap()
            .unwrap();
        assert_eq!(next.rowid, second);
        let listed = refused(&a, 50).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].seq,
                listed[0].subject.as_str(),
                listed[0].error.as_str()
            ),
            (first, "Plans", "404 not found")
        );
        dismiss_refused(&a, second).unwrap();
        assert_eq!(
            states(&a).unwrap().len(),
            2,
            "a queued change is not dismissed"
        );
        dismiss_refused(&a, first).unwrap();
        assert_eq!(
            states(&a).unwrap(),
            vec![("pending".to_string(), None)],
            "the refused one is gone"
        );
    }
}
