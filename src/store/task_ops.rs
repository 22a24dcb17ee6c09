//! The Google Tasks queue (`task_ops`): the edits made here that wait to reach Google, in the
//! order they were made, per account; and when each field was last edited here
//! (`task_dirty_fields`, for the conflict rule in src/sync/tasks). Claiming, leases, retry and
//! failure are the one queue engine's ([`crate::store::queue`], `Queue::TaskOps`); this module
//! holds what only task ops have: their kinds and payloads, and the time a request went out
//! (where an exactly-once look-up starts).

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// What a queued op does at Google (the `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// Creates a list made here (`local_id` is the list's).
    InsertList,
    Insert,
    /// Sends the fields named in the payload.
    Patch,
    /// Moves the task (payload: [`crate::model::MoveTo`]).
    Move,
    Delete,
    /// Sends the list's current title (`local_id` is the list's).
    RenameList,
    /// Deletes the list at Google (payload: its Google id; the list is gone here already).
    DeleteList,
    /// Hides the list's completed tasks at Google (`tasks.clear`).
    ClearList,
}

impl OpKind {
    pub const ALL: [OpKind; 8] = [
        OpKind::InsertList,
        OpKind::Insert,
        OpKind::Patch,
        OpKind::Move,
        OpKind::Delete,
        OpKind::RenameList,
        OpKind::DeleteList,
        OpKind::ClearList,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::InsertList => "insert_list",
            OpKind::Insert => "insert",
            OpKind::Patch => "patch",
            OpKind::Move => "move",
            OpKind::Delete => "delete",
            OpKind::RenameList => "rename_list",
            OpKind::DeleteList => "delete_list",
            OpKind::ClearList => "clear_list",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A queued op as the push reads it once it holds the claim.
#[derive(Debug, Clone)]
pub struct TaskOp {
    pub seq: i64,
    pub kind: OpKind,
    pub local_id: String,
    pub payload: serde_json::Value,
    /// Unix ms when its last request went out, if one did.
    pub sent_at: Option<i64>,
}

/// Queues an op. Takes the transaction of the local change it belongs to: both or neither.
pub fn enqueue(
    tx: &Transaction<'_>,
    account: &str,
    kind: OpKind,
    local_id: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO task_ops (account_id, kind, local_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            account,
            kind.as_str(),
            local_id,
            payload.to_string(),
            crate::clock::now_unix()
        ],
    )
    .map_err(db("queueing a task change"))?;
    Ok(())
}

/// Marks fields of a task as edited here at `at_ms` (until the op sending them is answered).
pub fn mark_dirty(tx: &Transaction<'_>, local_id: &str, fields: &[&str], at_ms: i64) -> Result<()> {
    for f in fields {
        tx.execute(
            "INSERT INTO task_dirty_fields (local_id, field, edited_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT(local_id, field) DO UPDATE SET edited_ms = excluded.edited_ms",
            params![local_id, f, at_ms],
        )
        .map_err(db("queueing a task change"))?;
    }
    Ok(())
}

/// The fields of a task edited here and not yet settled, with the edit times (Unix ms).
pub fn dirty(c: &Connection, local_id: &str) -> Result<HashMap<String, i64>> {
    let mut st = c
        .prepare("SELECT field, edited_ms FROM task_dirty_fields WHERE local_id = ?1")
        .map_err(db("reading task edits"))?;
    let rows = st
        .query_map([local_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db("reading task edits"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading task edits"))
}

/// Edits up to `up_to_ms` are settled (Google has them, or decided otherwise).
pub fn settle_dirty(c: &Connection, local_id: &str, up_to_ms: i64) -> Result<()> {
    c.execute(
        "DELETE FROM task_dirty_fields WHERE local_id = ?1 AND edited_ms <= ?2",
        params![local_id, up_to_ms],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// One op by its seq (the rowid a claim names).
pub fn get(c: &Connection, seq: i64) -> Result<Option<TaskOp>> {
    let row: Option<(i64, String, String, String, Option<i64>)> = c
        .query_row(
            "SELECT seq, kind, local_id, payload, sent_at FROM task_ops WHERE seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(db("reading queued task changes"))?;
    let Some((seq, kind, local_id, payload, sent_at)) = row else {
        return Ok(None);
    };
    // The table's CHECK allows only these kinds.
    let kind = OpKind::parse(&kind).ok_or_else(|| {
        LibreOllamaError::Internal(format!("unknown queued task change '{kind}'"))
    })?;
    Ok(Some(TaskOp {
        seq,
        kind,
        local_id,
        payload: serde_json::from_str(&payload).unwrap_or_default(),
        sent_at,
    }))
}

/// Records that the op's request goes out now (committed before it does), by the claim's
/// owner. False if the claim was lost.
pub fn mark_sent(c: &Connection, seq: i64, owner: &str, at_ms: i64) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE task_ops SET sent_at = ?1 WHERE seq = ?2 AND lease_owner = ?3",
            params![at_ms, seq, owner],
        )
        .map_err(db("sending a task change"))?;
    Ok(n == 1)
}

/// The task is not on Google (never was, or deleted there): the claimed op becomes an insert
/// of the task's current content, waiting again; the ops that followed it stay behind it.
pub fn requeue_as_insert(tx: &Transaction<'_>, seq: i64, owner: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE task_ops SET kind = 'insert', payload = '{}', state = 'pending', sent_at = NULL, \
               lease_owner = NULL, lease_until = NULL \
             WHERE seq = ?1 AND lease_owner = ?2",
            params![seq, owner],
        )
        .map_err(db("re-creating a task"))?;
    Ok(n == 1)
}

/// Takes one op off the queue whoever holds it: for the pull, which found on Google what an
/// insert cut off mid-request had sent (it runs under the account's pusher lock, so no live
/// pass holds the op).
pub fn remove(c: &Connection, seq: i64) -> Result<()> {
    c.execute("DELETE FROM task_ops WHERE seq = ?1", [seq])
        .map_err(db("recording a sent task"))?;
    Ok(())
}

/// Whether a task's (or list's) creation is still on its way to Google: an insert queued and
/// not refused. A subtask whose parent's insert was refused (or dropped) would otherwise wait
/// for it for ever, holding back every change queued after it.
pub fn awaits_insert(c: &Connection, local_id: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM task_ops WHERE local_id = ?1 \
           AND kind IN ('insert', 'insert_list') AND state <> 'failed')",
        [local_id],
        |r| r.get(0),
    )
    .map_err(db("reading the task queue"))
}

/// Takes a task's (or list's) ops of the given kinds off the queue.
pub fn remove_for(c: &Connection, local_id: &str, kinds: &[OpKind]) -> Result<()> {
    if kinds.is_empty() {
        return Ok(());
    }
    let list = kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    c.execute(
        &format!("DELETE FROM task_ops WHERE local_id = ?1 AND kind IN ({list})"),
        [local_id],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// The queued insert whose request went out, cut off before its answer was recorded, for a
/// task with this title and notes that has no Google id yet: (local id, seq). Google's
/// `updated` time of the candidate must be within `window_ms` of when the request went out,
/// so a task of the same name made elsewhere at another time is not taken for it.
pub fn sent_insert_like(
    c: &Connection,
    account: &str,
    title: &str,
    notes: &str,
    updated_ms: i64,
    window_ms: i64,
) -> Result<Option<(String, i64)>> {
    // `sent_at` is set just before the request goes out: a claim cut off before that sent
    // nothing and is not matched.
    c.query_row(
        "SELECT o.local_id, o.seq FROM task_ops o JOIN tasks t ON t.local_id = o.local_id \
         JOIN task_id_map m ON m.local_id = o.local_id \
         WHERE o.account_id = ?1 AND o.kind = 'insert' AND o.state = 'sending' AND o.sent_at IS NOT NULL \
           AND m.google_task_id IS NULL AND t.title = ?2 AND t.notes = ?3 \
           AND abs(?4 - o.sent_at) <= ?5 ORDER BY o.seq LIMIT 1",
        params![account, title, notes, updated_ms, window_ms],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db("saving tasks"))
}

/// Google ids of the account's lists deleted here whose deletion has not reached Google yet:
/// a pull in between must not bring them back.
pub fn lists_being_deleted(c: &Connection, account: &str) -> Result<HashSet<String>> {
    let mut st = c
        .prepare(
            "SELECT json_extract(payload, '$.google_id') FROM task_ops \
             WHERE account_id = ?1 AND kind = 'delete_list' AND state <> 'failed'",
        )
        .map_err(db("reading the task queue"))?;
    let rows = st
        .query_map([account], |r| r.get::<_, Option<String>>(0))
        .map_err(db("reading the task queue"))?;
    let mut out = HashSet::new();
    for r in rows {
        if let Some(id) = r.map_err(db("reading the task queue"))? {
            out.insert(id);
        }
    }
    Ok(out)
}

/// Local edits of `field` up to `up_to_ms` of the list's tasks are settled (a list-wide change
/// such as a clear reached Google).
pub fn settle_field_in_list(c: &Connection, list: &str, field: &str, up_to_ms: i64) -> Result<()> {
    c.execute(
        &format!(
            "DELETE FROM task_dirty_fields WHERE field = ?2 AND edited_ms <= ?3 \
               AND local_id IN (SELECT t.local_id FROM tasks t JOIN task_lists l ON l.local_id = ?1 \
                 WHERE {})",
            super::task_lists::IN_LIST
        ),
        params![list, field, up_to_ms],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// Queued changes Google refused, with why: (seq, kind, error).
pub fn refused(c: &Connection, account: &str) -> Result<Vec<(i64, String, String)>> {
    let mut st = c
        .prepare("SELECT seq, kind, coalesce(last_error, '') FROM task_ops WHERE account_id = ?1 AND state = 'failed' ORDER BY seq")
        .map_err(db("reading task changes"))?;
    let rows = st
        .query_map([account], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db("reading task changes"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading task changes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::queue::{self, Queue};

    fn setup() -> (tempfile::TempDir, crate::store::Store) {
        crate::store::testing::store_with_account()
    }

    fn queue_ops(store: &crate::store::Store, kinds: &[OpKind]) {
        store
            .with_writer_blocking(|c| {
                let tx = c.transaction().unwrap();
                for (i, k) in kinds.iter().enumerate() {
                    enqueue(&tx, "a", *k, &format!("t{i}"), &serde_json::json!({}))?;
                }
                tx.commit().unwrap();
                Ok(())
            })
            .unwrap();
    }

    fn open(dir: &std::path::Path) -> Connection {
        let c = Connection::open(dir.join(crate::store::DB_FILE)).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        c
    }

    #[test]
    fn a_refused_parent_no_longer_holds_its_children() {
        let (_dir, store) = setup();
        store
            .with_writer_blocking(|c| {
                let tx = c.transaction().unwrap();
                enqueue(&tx, "a", OpKind::Insert, "parent", &serde_json::json!({}))?;
                tx.commit().unwrap();
                assert!(awaits_insert(c, "parent")?);
                assert!(!awaits_insert(c, "someone-else")?);
                let claim = queue::claim_first(c, Queue::TaskOps, Some("a"), "x", 1)?.unwrap();
                assert!(awaits_insert(c, "parent")?, "claimed is still on its way");
                queue::fail(c, Queue::TaskOps, claim.rowid, "x", "Google refused it")?;
                assert!(
                    !awaits_insert(c, "parent")?,
                    "refused: its children stop waiting"
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn kinds_round_trip() {
        for k in OpKind::ALL {
            assert_eq!(OpKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OpKind::parse("upsert"), None);
    }

    /// Two connections to one file are as two processes: each op goes to one of them, and an
    /// op held by one holds back the ops behind it (order is kept).
    #[test]
    fn two_pushers_never_share_an_op_and_keep_the_order() {
        let (dir, store) = setup();
        queue_ops(&store, &[OpKind::Insert; 40]);
        let run = |owner: &'static str| {
            let c = open(dir.path());
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut idle = 0;
                while idle < 200 {
                    match queue::claim_first(&c, Queue::TaskOps, Some("a"), owner, 1_000).unwrap() {
                        Some(claim) => {
                            idle = 0;
                            assert!(!claim.taken_over);
                            got.push(claim.rowid);
                            assert!(queue::finish(&c, Queue::TaskOps, claim.rowid, owner).unwrap());
                        }
                        None => {
                            let (waiting, _) =
                                queue::counts(&c, Queue::TaskOps, Some("a")).unwrap();
                            if waiting == 0 {
                                break;
                            }
                            idle += 1;
                            std::thread::yield_now();
                        }
                    }
                }
                got
            })
        };
        let (x, y) = (run("x"), run("y"));
        let (mut x, y) = (x.join().unwrap(), y.join().unwrap());
        let both = x.len() + y.len();
        x.extend(y);
        x.sort();
        x.dedup();
        assert_eq!(both, 40, "every op claimed once");
        assert_eq!(x.len(), 40, "no op claimed twice");

        // Held head: nothing behind it is handed out.
        queue_ops(&store, &[OpKind::Insert, OpKind::Patch]);
        let c = open(dir.path());
        let head = queue::claim_first(&c, Queue::TaskOps, Some("a"), "x", 1_000)
            .unwrap()
            .unwrap();
        assert_eq!(
            queue::claim_first(&c, Queue::TaskOps, Some("a"), "y", 2_000).unwrap(),
            None
        );
        assert_eq!(get(&c, head.rowid).unwrap().unwrap().kind, OpKind::Insert);
    }

    /// A request that went out and lost its answer: the next claim is a take-over (the push
    /// then looks at Google first), and the pull may match it; one cut off before sending is
    /// not matched.
    #[test]
    fn an_op_whose_answer_was_lost_is_taken_over_next_time() {
        let (dir, store) = setup();
        store
            .with_writer_blocking(|c| {
                let tx = c.transaction().unwrap();
                let ids = crate::store::tasks::create(
                    &tx,
                    "a",
                    None,
                    &[crate::model::TaskProposal {
                        title: "Renew passport".into(),
                        due: None,
                        notes: String::new(),
                    }],
                    0,
                    || "task-1".into(),
                )?;
                assert_eq!(ids, ["task-1"]);
                tx.commit().unwrap();
                Ok(())
            })
            .unwrap();
        let c = open(dir.path());
        let claim = queue::claim_first(&c, Queue::TaskOps, Some("a"), "x", 1_000)
            .unwrap()
            .unwrap();
        assert!(!claim.taken_over);
        // Claimed but not sent: nothing for the pull to match.
        assert_eq!(
            sent_insert_like(&c, "a", "Renew passport", "", 1_100, 120_000).unwrap(),
            None
        );
        assert!(mark_sent(&c, claim.rowid, "x", 1_100).unwrap());
        assert!(!mark_sent(&c, claim.rowid, "y", 1_100).unwrap());
        assert!(queue::retry_later_maybe_sent(
            &c,
            Queue::TaskOps,
            claim.rowid,
            "x",
            "connection reset",
            1_200
        )
        .unwrap());
        assert_eq!(
            sent_insert_like(&c, "a", "Renew passport", "", 1_100, 120_000).unwrap(),
            Some(("task-1".to_string(), claim.rowid))
        );
        // The same title made elsewhere an hour later is another task.
        assert_eq!(
            sent_insert_like(&c, "a", "Renew passport", "", 3_601_100, 120_000).unwrap(),
            None
        );
        let again = queue::claim_first(&c, Queue::TaskOps, Some("a"), "y", 2_000)
            .unwrap()
            .unwrap();
        assert!(again.taken_over);
        assert_eq!(again.attempts, 2);
        assert_eq!(get(&c, again.rowid).unwrap().unwrap().sent_at, Some(1_100));
        // Sure it did not go: waiting again, not a take-over.
        assert!(
            queue::retry_later(&c, Queue::TaskOps, again.rowid, "y", "offline", 2_000).unwrap()
        );
        let third = queue::claim_first(&c, Queue::TaskOps, Some("a"), "z", 3_000)
            .unwrap()
            .unwrap();
        assert!(!third.taken_over);
        // Turned into an insert again: waits, unclaimed.
        let tx = c.unchecked_transaction().unwrap();
        assert!(requeue_as_insert(&tx, third.rowid, "z").unwrap());
        tx.commit().unwrap();
        let op = get(&c, third.rowid).unwrap().unwrap();
        assert_eq!((op.kind, op.sent_at), (OpKind::Insert, None));
        assert!(
            queue::claim_first(&c, Queue::TaskOps, Some("a"), "z", 4_000)
                .unwrap()
                .is_some()
        );
    }
}
