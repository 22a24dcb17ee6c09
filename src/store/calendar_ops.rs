//! Calendar changes made here and waiting to reach Google (`calendar_ops`, user data). Each is
//! enqueued in the transaction of the local change it belongs to; claiming, leases, back-off and
//! failure are the one queue engine's ([`super::queue`], [`Queue::CalendarOps`]). The queue is
//! sent in order, per account: a change backing off holds back the ones made after it.

use std::collections::HashSet;

use rusqlite::{params, Connection};

use super::queue::{self, Claim, Queue};
use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// What a queued change does at Google.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// A new event, with the id made here.
    Insert,
    /// Changed fields of an event or a whole series.
    Patch,
    /// An event or a whole series gone.
    Delete,
    /// The user's answer to an invitation.
    Rsvp,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Insert => "insert",
            OpKind::Patch => "patch",
            OpKind::Delete => "delete",
            OpKind::Rsvp => "rsvp",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        Some(match s {
            "insert" => OpKind::Insert,
            "patch" => OpKind::Patch,
            "delete" => OpKind::Delete,
            "rsvp" => OpKind::Rsvp,
            _ => return None,
        })
    }
}

/// Queues a change (call it in the transaction of the local change).
pub fn enqueue(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    kind: OpKind,
    payload: &serde_json::Value,
    created_at: i64,
) -> Result<i64> {
    c.execute(
        "INSERT INTO calendar_ops (account_id, calendar_id, event_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![account, calendar, event, kind.as_str(), payload.to_string(), created_at],
    )
    .map_err(db("saving a calendar change"))?;
    Ok(c.last_insert_rowid())
}

/// Ids (events or series) with an edit or deletion made here that has not reached Google.
pub fn waiting_changes(c: &Connection, account: &str) -> Result<HashSet<String>> {
    let mut st = c
        .prepare(
            "SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending' AND kind IN ('patch', 'delete')",
        )
        .map_err(db("reading calendar changes"))?;
    let ids = st
        .query_map([account], |r| r.get(0))
        .map_err(db("reading calendar changes"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading calendar changes"));
    ids
}

/// A change this pass holds (see [`claim_first`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedOp {
    pub claim: Claim,
    pub calendar_id: String,
    pub event_id: String,
    pub kind: OpKind,
    /// JSON: the event to create, the fields to change (and a series' move), or the answer.
    /// Null if the stored text is not JSON.
    pub payload: serde_json::Value,
}

impl ClaimedOp {
    pub fn seq(&self) -> i64 {
        self.claim.rowid
    }
}

/// Claims the account's first waiting change, in the order they were made: nothing if there
/// is none, or if the first one is backing off or held by another claimant.
pub fn claim_first(
    c: &Connection,
    account: &str,
    owner: &str,
    now_ms: i64,
) -> Result<Option<ClaimedOp>> {
    let Some(claim) = queue::claim_first(c, Queue::CalendarOps, Some(account), owner, now_ms)?
    else {
        return Ok(None);
    };
    let (calendar_id, event_id, kind, payload): (String, String, String, String) = c
        .query_row(
            "SELECT calendar_id, event_id, kind, payload FROM calendar_ops WHERE seq = ?1",
            [claim.rowid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(db("reading calendar changes"))?;
    let kind = OpKind::parse(&kind).ok_or_else(|| {
        LibreOllamaError::Internal(format!("a queued calendar change of unknown kind '{kind}'"))
    })?;
    Ok(Some(ClaimedOp {
        claim,
        calendar_id,
        event_id,
        kind,
        payload: serde_json::from_str(&payload).unwrap_or_default(),
    }))
}

/// Keeps what a change will send, worked out once, so that a later try sends the same (e.g. a
/// series' new start, computed from Google's start before the first try). False if the lease
/// was lost.
pub fn set_payload(
    c: &Connection,
    seq: i64,
    owner: &str,
    payload: &serde_json::Value,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE calendar_ops SET payload = ?1 WHERE seq = ?2 AND lease_owner = ?3",
            params![payload.to_string(), seq, owner],
        )
        .map_err(db("recording a calendar change"))?;
    Ok(n == 1)
}

/// Google has the change: it leaves the queue, and an id Google gave an event made here
/// replaces ours in the cache and in the changes queued after it. Run it in one transaction.
/// False if the lease was lost (the new holder finishes it).
pub fn done(
    c: &Connection,
    account: &str,
    op: &ClaimedOp,
    owner: &str,
    renamed: Option<&str>,
) -> Result<bool> {
    if !queue::finish(c, Queue::CalendarOps, op.seq(), owner)? {
        return Ok(false);
    }
    if let Some(new) = renamed {
        super::calendar::rename_event(c, account, &op.calendar_id, &op.event_id, new)?;
        c.execute(
            "UPDATE calendar_ops SET event_id = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND event_id = ?4",
            params![new, account, op.calendar_id, op.event_id],
        )
        .map_err(db("recording a calendar change"))?;
    }
    Ok(true)
}

/// A change Google refused for good, kept with the reason until the user retries or drops it.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedOp {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub reason: Option<String>,
}

/// The failed changes of an account, oldest first.
pub fn failed(c: &Connection, account: &str) -> Result<Vec<FailedOp>> {
    let mut st = c
        .prepare(
            "SELECT seq, event_id, kind, last_error FROM calendar_ops WHERE account_id = ?1 AND state = 'failed' ORDER BY seq",
        )
        .map_err(db("reading calendar changes"))?;
    let rows = st
        .query_map([account], |r| {
            Ok(FailedOp {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                reason: r.get(3)?,
            })
        })
        .map_err(db("reading calendar changes"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading calendar changes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::calendar::{self as cache, CalendarRow, EventRow, EventText};

    /// Two connections to one file are as two processes.
    fn two_connections() -> (tempfile::TempDir, Connection, Connection) {
        crate::store::testing::two_processes(|c| {
            cache::replace_calendars(
                c,
                "a",
                &[CalendarRow {
                    google_id: "work".into(),
                    primary: true,
                    ..CalendarRow::default()
                }],
            )
            .map(|_| ())
        })
    }

    fn op(c: &Connection, event: &str, kind: OpKind) -> i64 {
        enqueue(
            c,
            "a",
            "work",
            event,
            kind,
            &serde_json::json!({"n": event}),
            0,
        )
        .unwrap()
    }

    #[test]
    fn two_claimers_of_one_change_one_wins() {
        for _ in 0..20 {
            let (_dir, a, b) = two_connections();
            op(&a, "e1", OpKind::Insert);
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let run = |c: Connection, owner: &'static str| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    claim_first(&c, "a", owner, 1_000).unwrap()
                })
            };
            let (x, y) = (run(a, "x"), run(b, "y"));
            let got: Vec<_> = [x.join().unwrap(), y.join().unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(got.len(), 1, "exactly one claimer gets the change: {got:?}");
            assert_eq!(got[0].event_id, "e1");
            assert_eq!(got[0].kind, OpKind::Insert);
            assert_eq!(got[0].payload, serde_json::json!({"n": "e1"}));
            assert!(!got[0].claim.taken_over);
        }
    }

    #[test]
    fn changes_go_in_order_and_a_failed_one_does_not_hold_the_rest() {
        let (_dir, a, b) = two_connections();
        let first = op(&a, "e1", OpKind::Insert);
        let second = op(&a, "e1", OpKind::Patch);
        let held = claim_first(&a, "a", "x", 1_000).unwrap().unwrap();
        assert_eq!(held.seq(), first);
        // Held: nobody may send the change after it.
        assert_eq!(claim_first(&b, "a", "y", 1_000).unwrap(), None);
        // Backing off: it still holds back the rest, until its time comes.
        assert!(queue::retry_later(&a, Queue::CalendarOps, first, "x", "offline", 60_000).unwrap());
        assert_eq!(claim_first(&b, "a", "y", 2_000).unwrap(), None);
        let again = claim_first(&b, "a", "y", 60_000).unwrap().unwrap();
        assert_eq!((again.seq(), again.claim.attempts), (first, 2));
        // Refused for good: kept as failed, and the next change goes.
        assert!(queue::fail(&b, Queue::CalendarOps, first, "y", "Google refused it").unwrap());
        let next = claim_first(&a, "a", "x", 60_000).unwrap().unwrap();
        assert_eq!((next.seq(), next.kind), (second, OpKind::Patch));
        assert_eq!(
            failed(&a, "a").unwrap(),
            [FailedOp {
                seq: first,
                event_id: "e1".into(),
                kind: "insert".into(),
                reason: Some("Google refused it".into()),
            }]
        );
    }

    #[test]
    fn done_renames_the_event_and_the_changes_after_it() {
        let (_dir, a, _b) = two_connections();
        let timing = crate::model::EventTiming::Timed {
            start_ms: 0,
            end_ms: 1,
        };
        let text = EventText {
            summary: "Lunch",
            location: "",
            description: "",
        };
        cache::insert_local_event(&a, "a", "work", "ours", text, &timing).unwrap();
        op(&a, "ours", OpKind::Insert);
        op(&a, "ours", OpKind::Patch);
        assert_eq!(
            waiting_changes(&a, "a").unwrap(),
            HashSet::from(["ours".to_string()]),
            "the patch protects the event from a pull"
        );
        let insert = claim_first(&a, "a", "x", 1_000).unwrap().unwrap();
        // Someone who lost the lease cannot record it.
        assert!(!done(&a, "a", &insert, "y", Some("theirs")).unwrap());
        assert!(done(&a, "a", &insert, "x", Some("theirs")).unwrap());
        assert_eq!(cache::event_ids(&a, "a").unwrap(), ["theirs"]);
        let patch = claim_first(&a, "a", "x", 1_000).unwrap().unwrap();
        assert_eq!(patch.event_id, "theirs");
        assert!(set_payload(&a, patch.seq(), "x", &serde_json::json!({"body": {}})).unwrap());
        assert!(!set_payload(&a, patch.seq(), "y", &serde_json::json!({})).unwrap());
        assert!(done(&a, "a", &patch, "x", None).unwrap());
        assert_eq!(
            queue::counts(&a, Queue::CalendarOps, Some("a")).unwrap(),
            (0, 0)
        );
        // A cancelled event from Google is removed; an event row round-trips.
        cache::upsert_event(
            &a,
            "a",
            "work",
            &EventRow {
                google_id: "g".into(),
                summary: "From Google".into(),
                start_ms: Some(5),
                end_ms: Some(6),
                status: "confirmed".into(),
                attendees: "[]".into(),
                ..EventRow::default()
            },
        )
        .unwrap();
        let got = cache::event(&a, "a", "work", "g").unwrap().unwrap();
        assert_eq!(got.summary, "From Google");
        assert_eq!(cache::remove_event(&a, "a", "work", "g").unwrap(), 1);
    }
}
