//! The outbox (`mail_outbox`): mail waiting for its undo window, its scheduled time or a retry,
//! and what was sent in the last day. Durable user data. Claiming, leases, back-off and failure
//! are the queue engine's ([`Queue::Outbox`]); this module holds the outbox's own columns.
//!
//! Exactly once: a mail gets its Message-ID when it enters the outbox. A claimed row is marked
//! `sending` (committed before the request); a row taken over from a pass that never finished
//! is looked up in Gmail by that Message-ID before it is sent again.

use rusqlite::{params, Connection, OptionalExtension};

use super::drafts;
use super::queue::{self, Cancel, Queue};
use crate::error::{LibreOllamaError, Result};
use crate::model::OutboxItem;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

const COLS: &str =
    "id, account_id, draft_id, to_summary, subject, send_at, scheduled, state, attempts, \
     next_try_at, last_error, sent_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: r.get(0)?,
        account_id: r.get(1)?,
        draft_id: r.get(2)?,
        to: r.get(3)?,
        subject: r.get(4)?,
        send_at_ms: r.get(5)?,
        scheduled: r.get(6)?,
        state: r.get(7)?,
        attempts: r.get(8)?,
        next_try_ms: r.get(9)?,
        last_error: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

/// A mail entering the outbox, built and checked already.
pub struct NewMail<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub draft_id: &'a str,
    /// Without `<>`.
    pub message_id: &'a str,
    pub thread_id: Option<&'a str>,
    pub raw: &'a [u8],
    pub to_summary: &'a str,
    pub subject: &'a str,
    /// Unix ms: the end of the undo window, or the time the user chose.
    pub send_at_ms: i64,
    pub scheduled: bool,
}

/// Puts a draft's mail in the outbox; the draft leaves the drafts list (undo brings it back).
/// Run it in a transaction: the draft is taken only if the mail is queued.
pub fn enqueue(c: &Connection, m: &NewMail<'_>, now_unix: i64) -> Result<OutboxItem> {
    let gmail_draft = drafts::gmail_draft_id(c, m.draft_id)?;
    if !drafts::move_to_outbox(c, m.draft_id)? {
        return Err(LibreOllamaError::InvalidInput(
            "this mail is already in the outbox".into(),
        ));
    }
    c.execute(
        "INSERT INTO mail_outbox (id, account_id, draft_id, message_id, thread_id, gmail_draft_id, raw, to_summary, subject, send_at, scheduled, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![m.id, m.account_id, m.draft_id, m.message_id, m.thread_id, gmail_draft, m.raw, m.to_summary, m.subject, m.send_at_ms, m.scheduled, now_unix],
    )
    .map_err(db("queueing a mail"))?;
    get(c, m.id)?.ok_or_else(|| LibreOllamaError::NotFound {
        what: "This mail in the outbox".into(),
    })
}

pub fn get(c: &Connection, id: &str) -> Result<Option<OutboxItem>> {
    c.query_row(
        &format!("SELECT {COLS} FROM mail_outbox WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(db("reading the outbox"))
}

/// Everything not sent yet, and what was sent since `sent_since` (unix seconds).
pub fn list(c: &Connection, sent_since: i64) -> Result<Vec<OutboxItem>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLS} FROM mail_outbox WHERE state != 'sent' OR sent_at >= ?1 \
             ORDER BY state = 'sent', send_at"
        ))
        .map_err(db("reading the outbox"))?;
    let rows = st
        .query_map([sent_since], row)
        .map_err(db("reading the outbox"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading the outbox"))
}

/// Accounts with mail due at `now_ms` (held by a pass or not).
pub fn due_accounts(c: &Connection, now_ms: i64) -> Result<Vec<String>> {
    let mut st = c
        .prepare(
            "SELECT DISTINCT account_id FROM mail_outbox \
             WHERE state IN ('waiting', 'sending') AND send_at <= ?1 AND next_try_at <= ?1 ORDER BY account_id",
        )
        .map_err(db("reading the outbox"))?;
    let rows = st
        .query_map([now_ms], |r| r.get(0))
        .map_err(db("reading the outbox"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading the outbox"))
}

/// What a pass needs to send a claimed mail.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub id: String,
    pub account_id: String,
    pub message_id: String,
    pub thread_id: Option<String>,
    /// Gmail's copy of the draft: sent through it (Gmail then removes it).
    pub gmail_draft_id: Option<String>,
    pub raw: Vec<u8>,
}

/// Claims the next mail of `account` due at `now_ms` for `owner` (see [`queue::claim_next`]),
/// with what it takes to send it.
pub fn claim_next(
    c: &Connection,
    account: &str,
    owner: &str,
    now_ms: i64,
) -> Result<Option<(queue::Claim, Outgoing)>> {
    let Some(claim) = queue::claim_next(c, Queue::Outbox, Some(account), owner, now_ms)? else {
        return Ok(None);
    };
    let mail = c
        .query_row(
            "SELECT id, account_id, message_id, thread_id, gmail_draft_id, raw FROM mail_outbox WHERE rowid = ?1",
            [claim.rowid],
            |r| {
                Ok(Outgoing {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    message_id: r.get(2)?,
                    thread_id: r.get(3)?,
                    gmail_draft_id: r.get(4)?,
                    raw: r.get(5)?,
                })
            },
        )
        .map_err(db("reading the outbox"))?;
    Ok(Some((claim, mail)))
}

/// Recorded as sent, if `owner` still holds the row (false: the lease was lost, the new holder
/// finds it in Gmail). The draft it came from is done: deleted here, and its Gmail copy with the
/// next draft push unless the mail went through it (`draft_went`). Run it in a transaction.
pub fn mark_sent(
    c: &Connection,
    rowid: i64,
    owner: &str,
    gmail_id: &str,
    draft_went: bool,
    now_unix: i64,
) -> Result<bool> {
    let draft: Option<Option<String>> = c
        .query_row(
            "SELECT draft_id FROM mail_outbox WHERE rowid = ?1 AND lease_owner = ?2",
            params![rowid, owner],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("recording a sent mail"))?;
    let Some(draft) = draft else {
        return Ok(false);
    };
    c.execute(
        "UPDATE mail_outbox SET state = 'sent', gmail_id = ?1, sent_at = ?2, raw = x'', last_error = NULL, \
           next_try_at = 0, draft_id = NULL, lease_owner = NULL, lease_until = NULL \
         WHERE rowid = ?3 AND lease_owner = ?4",
        params![gmail_id, now_unix, rowid, owner],
    )
    .map_err(db("recording a sent mail"))?;
    if let Some(d) = draft {
        if draft_went {
            drafts::forget_gmail_copy(c, &d)?;
        }
        drafts::delete(c, &d)?;
    }
    Ok(true)
}

/// Ends the undo window now: due at once (if it waits to be sent).
pub fn send_now(c: &Connection, id: &str, now_ms: i64) -> Result<()> {
    c.execute(
        "UPDATE mail_outbox SET send_at = min(send_at, ?1) WHERE id = ?2 AND state = 'waiting'",
        params![now_ms, id],
    )
    .map_err(db("sending a mail"))?;
    Ok(())
}

fn rowid(c: &Connection, id: &str) -> Result<Option<(i64, String, Option<String>)>> {
    c.query_row(
        "SELECT rowid, state, draft_id FROM mail_outbox WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .map_err(db("reading the outbox"))
}

/// A failed (or waiting-for-retry) mail is tried again at the next pass.
pub fn retry(c: &Connection, id: &str) -> Result<()> {
    if let Some((rowid, state, _)) = rowid(c, id)? {
        if state != "sent" {
            queue::retry_now(c, Queue::Outbox, rowid)?;
        }
    }
    Ok(())
}

/// When the outbox next needs attention (unix ms), if ever: a mail's time, its next try, or
/// the end of the lease of a pass sending it.
pub fn next_due(c: &Connection) -> Result<Option<i64>> {
    c.query_row(
        "SELECT min(max(send_at, next_try_at, coalesce(lease_until, 0))) FROM mail_outbox WHERE state IN ('waiting', 'sending')",
        [],
        |r| r.get(0),
    )
    .map_err(db("reading the outbox"))
}

/// What pulling a mail back out of the outbox did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakeBack {
    /// Off the queue; this draft is back in the drafts.
    Draft(String),
    /// Being sent now, or a try may have reached Gmail: it can no longer be called back.
    AlreadyGoing,
    AlreadySent,
    /// Its draft is gone (nothing to go back to); the mail stays queued.
    NoDraft,
    Missing,
}

/// Pulls a mail back out of the outbox into the drafts, unless a pass holds it or a try may
/// have reached Gmail. Run it in a transaction: the row leaves the queue and the draft comes
/// back together, or neither.
pub fn take_back(c: &Connection, id: &str, now_ms: i64) -> Result<TakeBack> {
    let Some((rowid, state, draft)) = rowid(c, id)? else {
        return Ok(TakeBack::Missing);
    };
    if state == "sent" {
        return Ok(TakeBack::AlreadySent);
    }
    let Some(draft) = draft else {
        return Ok(TakeBack::NoDraft);
    };
    Ok(match queue::cancel(c, Queue::Outbox, rowid, now_ms)? {
        Cancel::Removed => {
            drafts::back_from_outbox(c, &draft)?;
            TakeBack::Draft(draft)
        }
        Cancel::AlreadyGoing => TakeBack::AlreadyGoing,
        Cancel::Missing => TakeBack::Missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DraftEdit;
    use crate::store::Store;

    const OWNER_LEASES: &str = "SELECT count(*) FROM mail_outbox WHERE lease_owner IS NOT NULL";

    /// A store with an account and `n` mails queued, due at 1 000; its folder for more handles.
    fn queued(n: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_blocking(dir.path()).unwrap();
        store
            .with_writer_blocking(|c| {
                c.execute_batch(
                    "INSERT INTO gmail_accounts_secure (id, email_address, created_at, updated_at) VALUES ('a', 'a@example.com', 0, 0);",
                )
                .unwrap();
                let tx = c.transaction().unwrap();
                for i in 0..n {
                    let d = format!("draft-{i}");
                    drafts::create(
                        &tx,
                        &d,
                        &drafts::NewDraft {
                            account_id: "a",
                            thread_id: None,
                            in_reply_to: None,
                            references: None,
                            to: "b@example.com",
                            cc: "",
                            subject: "Hi",
                            body: "",
                            rich: false,
                            kind: crate::model::ComposeKind::New,
                            origin: crate::model::DraftOrigin::User,
                        },
                        0,
                    )?;
                    enqueue(
                        &tx,
                        &NewMail {
                            id: &format!("out-{i}"),
                            account_id: "a",
                            draft_id: &d,
                            message_id: &format!("m{i}@here"),
                            thread_id: None,
                            raw: b"raw",
                            to_summary: "b@example.com",
                            subject: "Hi",
                            send_at_ms: 1_000,
                            scheduled: false,
                        },
                        0,
                    )?;
                }
                tx.commit().unwrap();
                Ok(())
            })
            .unwrap();
        (dir, store)
    }

    fn connection(dir: &std::path::Path) -> Connection {
        let c = Connection::open(dir.join(crate::store::DB_FILE)).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        c
    }

    #[test]
    fn two_processes_claiming_the_outbox_never_share_a_mail() {
        let (dir, _store) = queued(200);
        let run = |c: Connection, owner: &'static str| {
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while let Some((claim, mail)) = claim_next(&c, "a", owner, 5_000).unwrap() {
                    assert!(!claim.taken_over);
                    assert_eq!(mail.raw, b"raw");
                    // As the app does (Store::transaction): IMMEDIATE, so the two wait their turn.
                    let tx = rusqlite::Transaction::new_unchecked(
                        &c,
                        rusqlite::TransactionBehavior::Immediate,
                    )
                    .unwrap();
                    assert!(mark_sent(&tx, claim.rowid, owner, "g", false, 5).unwrap());
                    tx.commit().unwrap();
                    got.push(mail.id);
                }
                got
            })
        };
        let (x, y) = (
            run(connection(dir.path()), "x"),
            run(connection(dir.path()), "y"),
        );
        let (mut x, y) = (x.join().unwrap(), y.join().unwrap());
        let both = x.len() + y.len();
        x.extend(y);
        x.sort();
        x.dedup();
        assert_eq!(both, 200, "every mail claimed once");
        assert_eq!(x.len(), 200, "no mail claimed twice");
        let c = connection(dir.path());
        assert!(list(&c, 0).unwrap().iter().all(|i| i.state == "sent"));
        assert!(drafts::list(&c, None).unwrap().is_empty(), "drafts done");
    }

    #[test]
    fn undo_of_a_mail_being_sent_says_so_and_keeps_it_queued() {
        let (dir, _store) = queued(2);
        let (a, b) = (connection(dir.path()), connection(dir.path()));
        assert_eq!(
            take_back(&a, "out-9", 1_000).unwrap(),
            TakeBack::Missing,
            "unknown"
        );
        let (claim, mail) = claim_next(&a, "a", "x", 1_000).unwrap().unwrap();
        assert_eq!(mail.id, "out-0");
        // Another process's Undo while it goes: refused, the draft not restored.
        assert_eq!(
            take_back(&b, "out-0", 1_500).unwrap(),
            TakeBack::AlreadyGoing
        );
        assert_eq!(get(&b, "out-0").unwrap().unwrap().state, "sending");
        let e = drafts::update(&b, "draft-0", &DraftEdit::default(), 2).unwrap_err();
        assert!(e.to_string().contains("undo the send"), "{e}");
        // The lost answer: put back in doubt, still not undoable.
        assert!(queue::retry_later_maybe_sent(
            &a,
            Queue::Outbox,
            claim.rowid,
            "x",
            "timeout",
            60_000
        )
        .unwrap());
        assert_eq!(
            take_back(&b, "out-0", 2_000).unwrap(),
            TakeBack::AlreadyGoing
        );
        // A waiting one comes back, with its draft.
        assert_eq!(
            take_back(&b, "out-1", 2_000).unwrap(),
            TakeBack::Draft("draft-1".into())
        );
        assert!(get(&b, "out-1").unwrap().is_none());
        assert_eq!(drafts::list(&b, None).unwrap().len(), 1);
        // The doubtful one is looked up before it goes again.
        let (again, _) = claim_next(&b, "a", "y", 60_000).unwrap().unwrap();
        assert!(again.taken_over);
        assert_eq!(again.attempts, 2);
        assert!(mark_sent(&b, again.rowid, "y", "g", false, 60).unwrap());
        assert_eq!(
            take_back(&a, "out-0", 70_000).unwrap(),
            TakeBack::AlreadySent
        );
        // The first holder lost it: recording it again changes nothing.
        assert!(!mark_sent(&a, claim.rowid, "x", "g2", false, 61).unwrap());
    }

    #[test]
    fn a_dead_pass_s_claim_is_taken_over_by_the_next_lock_holder() {
        let (dir, _store) = queued(1);
        let (a, b) = (connection(dir.path()), connection(dir.path()));
        let (first, _) = claim_next(&a, "a", "x", 1_000).unwrap().unwrap();
        assert!(!first.taken_over);
        // "x" died mid-request; its lease would hold the mail for LEASE_MS.
        assert!(claim_next(&b, "a", "y", 2_000).unwrap().is_none());
        assert_eq!(next_due(&b).unwrap(), Some(1_000 + queue::LEASE_MS));
        // Not before the settle time after its claim: the cut-off request may still land.
        assert_eq!(
            queue::end_dead_leases(&b, Queue::Outbox, "a", 2_000, 30_000).unwrap(),
            1
        );
        assert!(claim_next(&b, "a", "y", 30_999).unwrap().is_none());
        assert_eq!(next_due(&b).unwrap(), Some(31_000));
        assert_eq!(
            queue::end_dead_leases(&b, Queue::Outbox, "a", 2_000, 0).unwrap(),
            1
        );
        let n: i64 = b.query_row(OWNER_LEASES, [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "the owner is kept: the next claim knows");
        let (taken, _) = claim_next(&b, "a", "y", 2_000).unwrap().unwrap();
        assert!(taken.taken_over, "looked up in Gmail before sending again");
        assert_eq!(due_accounts(&b, 2_000).unwrap(), vec!["a".to_string()]);
        assert!(mark_sent(&b, taken.rowid, "y", "g", true, 3).unwrap());
        assert_eq!(next_due(&b).unwrap(), None);
        assert!(due_accounts(&b, 2_000).unwrap().is_empty());
    }
}
