//! The one durable queue engine behind every outgoing change: mail label changes
//! (`mail_actions`), the outbox (`mail_outbox`), Tasks ops (`task_ops`) and Calendar ops
//! (`calendar_ops`). Each area's module enqueues in the same transaction as its local change and
//! keeps its own columns; claiming, leases, back-off, failure and cancelling live here, once.
//!
//! A row is claimed by one `UPDATE … WHERE <ready> AND <no live lease> RETURNING`: SQLite runs it
//! under its write lock, so when two processes race for a row the loser's update matches nothing.
//! A lease expires (a crashed or killed process never finishes it) and the row is then taken
//! over; only then is the area's exactly-once look-up needed ([`Claim::taken_over`]).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};

/// How long a claim holds a row before another process may take it over. Long enough for one
/// request with its retries (a 25 MB mail upload on a slow line); a pusher renews it for more.
pub const LEASE_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Label changes on mail (archive, read, star, …): `mail_actions`.
    MailActions,
    /// Mail waiting to be sent: `mail_outbox`.
    Outbox,
    /// Google Tasks changes: `task_ops`.
    TaskOps,
    /// Google Calendar changes: `calendar_ops`.
    CalendarOps,
}

struct Spec {
    table: &'static str,
    /// The state a row waits in.
    waiting: &'static str,
    /// The state a claimed row is marked with while its request may be on the wire, if the
    /// table has one (a row found in it without a live lease was cut off mid-request).
    in_flight: Option<&'static str>,
    /// Unix-ms column before which the row is not tried.
    not_before: &'static str,
    /// Extra readiness condition on `?1` = now (Unix ms).
    ready: &'static str,
    order: &'static str,
}

impl Queue {
    /// A short stable name (lock files, logs).
    pub fn name(self) -> &'static str {
        match self {
            Queue::MailActions => "mail-actions",
            Queue::Outbox => "outbox",
            Queue::TaskOps => "tasks",
            Queue::CalendarOps => "calendar",
        }
    }

    fn spec(self) -> Spec {
        match self {
            Queue::MailActions => Spec {
                table: "mail_actions",
                waiting: "pending",
                in_flight: None,
                not_before: "not_before",
                ready: "1",
                order: "seq",
            },
            Queue::Outbox => Spec {
                table: "mail_outbox",
                waiting: "waiting",
                in_flight: Some("sending"),
                not_before: "next_try_at",
                ready: "send_at <= ?1",
                order: "send_at, rowid",
            },
            Queue::TaskOps => Spec {
                table: "task_ops",
                waiting: "pending",
                in_flight: Some("sending"),
                not_before: "not_before",
                ready: "1",
                order: "seq",
            },
            Queue::CalendarOps => Spec {
                table: "calendar_ops",
                waiting: "pending",
                in_flight: None,
                not_before: "not_before",
                ready: "1",
                order: "seq",
            },
        }
    }

    /// States a row may be claimed from: waiting, or cut off mid-request.
    fn claimable(self) -> String {
        let s = self.spec();
        match s.in_flight {
            Some(f) => format!("state IN ('{}', '{f}')", s.waiting),
            None => format!("state = '{}'", s.waiting),
        }
    }
}

/// A row this process now holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub rowid: i64,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// Someone claimed it before and never finished (a crash, a kill, a lost answer): the
    /// request may have reached Google, so look before sending it again.
    pub taken_over: bool,
}

/// What cancelling a queued row did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    Removed,
    /// A process holds it: the request is going (or gone) and cannot be called back.
    AlreadyGoing,
    Missing,
}

/// A claimant's name: this process and one pass of it, so that two passes in one process are
/// as distinct as two processes.
pub fn new_owner() -> String {
    format!("{}:{}", std::process::id(), crate::store::new_id("lease"))
}

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

const FREE: &str = "(lease_until IS NULL OR lease_until <= ?1)";

/// Claims the next ready row of `queue` (for one account, or any), or nothing.
pub fn claim_next(
    conn: &Connection,
    queue: Queue,
    account: Option<&str>,
    owner: &str,
    now_ms: i64,
) -> Result<Option<Claim>> {
    let s = queue.spec();
    let sql = format!(
        "SELECT rowid FROM {t} WHERE {c} AND {FREE} AND {nb} <= ?1 AND {r} \
         AND (?2 IS NULL OR account_id = ?2) ORDER BY {o} LIMIT 1",
        t = s.table,
        c = queue.claimable(),
        nb = s.not_before,
        r = s.ready,
        o = s.order,
    );
    // Another process may take the row between the look and the claim; then look again.
    for _ in 0..8 {
        let rowid: Option<i64> = conn
            .query_row(&sql, params![now_ms, account], |r| r.get(0))
            .optional()
            .map_err(db("reading the queue"))?;
        let Some(rowid) = rowid else { return Ok(None) };
        if let Some(c) = claim_row(conn, queue, rowid, owner, now_ms)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Claims the first row of `queue` in its order (for one account, or any) if it is ready and
/// free, or nothing: for queues whose changes must reach the server in the order they were
/// made, a row backing off or held by another claimant holds back the rows after it. Failed
/// rows are not claimable, so they never hold the queue back.
pub fn claim_first(
    conn: &Connection,
    queue: Queue,
    account: Option<&str>,
    owner: &str,
    now_ms: i64,
) -> Result<Option<Claim>> {
    let s = queue.spec();
    let sql = format!(
        "SELECT rowid FROM {t} WHERE {c} AND (?1 IS NULL OR account_id = ?1) ORDER BY {o} LIMIT 1",
        t = s.table,
        c = queue.claimable(),
        o = s.order,
    );
    let rowid: Option<i64> = conn
        .query_row(&sql, params![account], |r| r.get(0))
        .optional()
        .map_err(db("reading the queue"))?;
    match rowid {
        Some(rowid) => claim_row(conn, queue, rowid, owner, now_ms),
        None => Ok(None),
    }
}

/// Claims one named row of `queue` if it is ready and free (a run of changes sent together:
/// the rows after the first that `claim_first` took).
pub fn claim_row(
    conn: &Connection,
    queue: Queue,
    rowid: i64,
    owner: &str,
    now_ms: i64,
) -> Result<Option<Claim>> {
    let s = queue.spec();
    let in_flight = s.in_flight.unwrap_or("");
    let ready = format!("AND {} <= ?1 AND {}", s.not_before, s.ready);
    // Whether the row was held before decides `taken_over`; the UPDATE below only matches if
    // the row is still as read here, so the answer describes exactly the row this claim took.
    let before: Option<(Option<String>, String)> = conn
        .query_row(
            &format!(
                "SELECT lease_owner, state FROM {} WHERE rowid = ?1",
                s.table
            ),
            [rowid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db("reading the queue"))?;
    let Some((prev_owner, prev_state)) = before else {
        return Ok(None);
    };
    let set_state = match s.in_flight {
        Some(f) => format!(", state = '{f}'"),
        None => String::new(),
    };
    let sql = format!(
        "UPDATE {t} SET lease_owner = ?2, lease_until = ?1 + ?3, attempts = attempts + 1{set_state} \
         WHERE rowid = ?4 AND {c} AND {FREE} {ready} \
         AND (lease_owner IS ?5) AND state = ?6 RETURNING attempts",
        t = s.table,
        c = queue.claimable(),
    );
    let attempts: Option<i64> = conn
        .query_row(
            &sql,
            params![now_ms, owner, LEASE_MS, rowid, prev_owner, prev_state],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("claiming a queued change"))?;
    Ok(attempts.map(|attempts| Claim {
        rowid,
        attempts,
        taken_over: prev_owner.is_some() || (!in_flight.is_empty() && prev_state == in_flight),
    }))
}

/// Extends this owner's lease; false if it is no longer this owner's (it expired and was taken).
pub fn renew(
    conn: &Connection,
    queue: Queue,
    rowid: i64,
    owner: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = conn
        .execute(
            &format!(
                "UPDATE {} SET lease_until = ?1 + ?2 WHERE rowid = ?3 AND lease_owner = ?4",
                queue.spec().table
            ),
            params![now_ms, LEASE_MS, rowid, owner],
        )
        .map_err(db("renewing a queue lease"))?;
    Ok(n == 1)
}

/// Runs `sql` on a row the claimant holds (its WHERE checks `lease_owner`): false if the lease
/// was lost and another pass has the row now.
fn on_held(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    ctx: &'static str,
) -> Result<bool> {
    let n = conn.execute(sql, args).map_err(db(ctx))?;
    Ok(n == 1)
}

/// Done: the row leaves the queue. False if the lease was lost (someone else finishes it).
pub fn finish(conn: &Connection, queue: Queue, rowid: i64, owner: &str) -> Result<bool> {
    let sql = format!(
        "DELETE FROM {} WHERE rowid = ?1 AND lease_owner = ?2",
        queue.spec().table
    );
    on_held(
        conn,
        &sql,
        params![rowid, owner],
        "finishing a queued change",
    )
}

/// Not now: back to waiting, tried again at `at_ms`, the error kept for the user to see.
pub fn retry_later(
    conn: &Connection,
    queue: Queue,
    rowid: i64,
    owner: &str,
    error: &str,
    at_ms: i64,
) -> Result<bool> {
    put_back(
        conn,
        queue,
        queue.spec().waiting,
        rowid,
        owner,
        error,
        at_ms,
    )
}

/// Not now, and the request may have reached the server (its answer was lost): like
/// [`retry_later`], but a queue with an in-flight state keeps the row in it, so that the next
/// claim is [`Claim::taken_over`] and runs the exactly-once look-up before sending again.
pub fn retry_later_maybe_sent(
    conn: &Connection,
    queue: Queue,
    rowid: i64,
    owner: &str,
    error: &str,
    at_ms: i64,
) -> Result<bool> {
    let s = queue.spec();
    put_back(
        conn,
        queue,
        s.in_flight.unwrap_or(s.waiting),
        rowid,
        owner,
        error,
        at_ms,
    )
}

fn put_back(
    conn: &Connection,
    queue: Queue,
    state: &str,
    rowid: i64,
    owner: &str,
    error: &str,
    at_ms: i64,
) -> Result<bool> {
    let s = queue.spec();
    let n = conn
        .execute(
            &format!(
                "UPDATE {t} SET state = ?5, {nb} = ?1, last_error = ?2, lease_owner = NULL, lease_until = NULL \
                 WHERE rowid = ?3 AND lease_owner = ?4",
                t = s.table,
                nb = s.not_before,
            ),
            params![at_ms, error, rowid, owner, state],
        )
        .map_err(db("putting a queued change back"))?;
    Ok(n == 1)
}

/// Refused for good: kept as failed with the reason, until the user retries or drops it.
pub fn fail(
    conn: &Connection,
    queue: Queue,
    rowid: i64,
    owner: &str,
    reason: &str,
) -> Result<bool> {
    let sql = format!(
        "UPDATE {} SET state = 'failed', last_error = ?3, lease_owner = NULL, lease_until = NULL \
         WHERE rowid = ?1 AND lease_owner = ?2",
        queue.spec().table
    );
    on_held(
        conn,
        &sql,
        params![rowid, owner, reason],
        "marking a queued change failed",
    )
}

/// The lease ends without a verdict (the pass stopped): the row waits again, its state kept.
pub fn release(conn: &Connection, queue: Queue, rowid: i64, owner: &str) -> Result<bool> {
    let sql = format!(
        "UPDATE {} SET lease_owner = NULL, lease_until = NULL \
         WHERE rowid = ?1 AND lease_owner = ?2",
        queue.spec().table
    );
    on_held(
        conn,
        &sql,
        params![rowid, owner],
        "releasing a queued change",
    )
}

/// A failed row (or one waiting out a back-off) is tried again at the next pass.
pub fn retry_now(conn: &Connection, queue: Queue, rowid: i64) -> Result<bool> {
    let s = queue.spec();
    let n = conn
        .execute(
            &format!(
                "UPDATE {t} SET state = CASE state WHEN 'failed' THEN '{w}' ELSE state END, {nb} = 0 \
                 WHERE rowid = ?1",
                t = s.table,
                w = s.waiting,
                nb = s.not_before,
            ),
            [rowid],
        )
        .map_err(db("retrying a queued change"))?;
    Ok(n == 1)
}

/// Takes a row off the queue unless a process holds it (Undo). Run it in the transaction that
/// also restores what the row carried, so that both happen or neither.
pub fn cancel(conn: &Connection, queue: Queue, rowid: i64, now_ms: i64) -> Result<Cancel> {
    let s = queue.spec();
    let n = conn
        .execute(
            &format!(
                "DELETE FROM {} WHERE rowid = ?2 AND {FREE} AND state IN (?3, 'failed')",
                s.table
            ),
            params![now_ms, rowid, s.waiting],
        )
        .map_err(db("taking a change off the queue"))?;
    if n == 1 {
        return Ok(Cancel::Removed);
    }
    let exists: bool = conn
        .query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {} WHERE rowid = ?1)", s.table),
            [rowid],
            |r| r.get(0),
        )
        .map_err(db("reading the queue"))?;
    Ok(if exists {
        Cancel::AlreadyGoing
    } else {
        Cancel::Missing
    })
}

/// Ends the live leases on `account`'s rows of `queue` early, keeping their owner so that the
/// next claim is [`Claim::taken_over`] (and looks before sending again). Only for a pass that
/// holds the [`PusherLock`](crate::store::locks::PusherLock) of (queue, account), in a queue
/// whose claimants all hold that lock while they work: a lease still live then belongs to a
/// pass that died (a killed process), and waiting out [`LEASE_MS`] would only hold its change
/// back. A lease ends no sooner than `settle_ms` after the dead pass's last sign of life (its
/// claim or last renewal): a request cut off mid-way may still be landing at Google, and the
/// look-up must not run before it shows.
pub fn end_dead_leases(
    conn: &Connection,
    queue: Queue,
    account: &str,
    now_ms: i64,
    settle_ms: i64,
) -> Result<usize> {
    conn.execute(
        &format!(
            "UPDATE {} SET lease_until = max(?1, min(lease_until, lease_until - ?3 + ?4)) \
             WHERE account_id = ?2 AND lease_owner IS NOT NULL AND lease_until > ?1",
            queue.spec().table
        ),
        params![now_ms, account, LEASE_MS, settle_ms],
    )
    .map_err(db("taking over a dead pass's claims"))
}

/// How many rows wait (or are held) and how many failed, for one queue.
pub fn counts(conn: &Connection, queue: Queue, account: Option<&str>) -> Result<(i64, i64)> {
    conn.query_row(
        &format!(
            "SELECT count(*) FILTER (WHERE {c}), count(*) FILTER (WHERE state = 'failed') \
             FROM {t} WHERE (?1 IS NULL OR account_id = ?1)",
            c = queue.claimable(),
            t = queue.spec().table
        ),
        [account],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .map_err(db("counting the queue"))
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
