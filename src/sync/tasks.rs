//! Google Tasks, local-first. Every edit lands in the store at once together with an entry in
//! the durable queue `task_ops` (one transaction); `push` sends the queue in order and `pull`
//! brings Google's changes (tasks.list with updatedMin, showDeleted, showHidden).
//!
//! **Exactly once.** An op is marked `sending` (with the time) in its own transaction before
//! its request goes out, and removed in the transaction that records the answer. An insert
//! found `sending` on the next push may have reached Google without the answer being recorded
//! (a crash, a cut connection): Google is asked first for a task in that list with the same
//! title and notes, changed since shortly before the send and not linked to any local task;
//! if there is one, it is adopted instead of sent again. Other ops are idempotent.
//!
//! **Conflicts, field by field.** Google keeps one `updated` time per task. A field edited
//! here is marked with the edit's time (`task_dirty_fields`) until its op is sent. When a pull
//! brings a changed task, each field takes Google's value unless it was edited here *after*
//! Google's `updated`; such a field keeps the local value and the queued op will send it.
//! Fields not edited here always take Google's value. A task deleted on Google is deleted here
//! too, unless it was edited here after the deletion: then it is kept and created again (what
//! the user wrote is never dropped). An op that finds its task gone (404) re-creates it the
//! same way. Clock skew between this computer and Google shifts the rule by the skew.
//!
//! **Moves.** Moving a task with subtasks to another list moves the subtasks out first, then
//! the parent, then puts the subtasks back under it: the outcome does not depend on whether
//! Google moves subtasks along with their parent.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};
use crate::google::tasks::{due_date, due_value, GTask, TasksApi};
use crate::store::{now_unix, Store};

/// How long before the recorded send time Google's `updated` may lie for an adopted insert.
const ADOPT_WINDOW_MS: i64 = 120_000;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds of an RFC 3339 time (0 when unreadable: older than any local edit).
pub fn rfc3339_ms(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_millis())
        .unwrap_or(0)
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub use crate::store::new_id;

pub use crate::model::{MoveTo, TaskEdit};

pub fn enqueue(
    tx: &Transaction<'_>,
    account: &str,
    kind: &str,
    local_id: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO task_ops (account_id, kind, local_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![account, kind, local_id, payload.to_string(), now_unix()],
    )
    .map_err(db("queueing a task change"))?;
    Ok(())
}

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

/// A task as the sync sees it.
#[derive(Debug, Clone)]
struct Row {
    local_id: String,
    account_id: String,
    google_id: Option<String>,
    list_local_id: Option<String>,
    parent_local_id: Option<String>,
    title: String,
    notes: String,
    due: Option<String>,
    completed: bool,
}

fn row(c: &Connection, local_id: &str) -> Result<Option<Row>> {
    c.query_row(
        "SELECT t.local_id, m.account_id, m.google_task_id, t.list_local_id, t.parent_local_id, t.title, t.notes, \
                t.due_date, t.status = 'completed' \
         FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id WHERE t.local_id = ?1",
        [local_id],
        |r| {
            Ok(Row {
                local_id: r.get(0)?,
                account_id: r.get(1)?,
                google_id: r.get(2)?,
                list_local_id: r.get(3)?,
                parent_local_id: r.get(4)?,
                title: r.get(5)?,
                notes: r.get(6)?,
                due: r.get(7)?,
                completed: r.get(8)?,
            })
        },
    )
    .optional()
    .map_err(db("reading a task"))
}

/// The local id of the account's default list (the one tasks without a list belong to).
pub fn default_list(c: &Connection, account: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT local_id FROM task_lists WHERE account_id = ?1 ORDER BY is_default DESC, created_at, local_id LIMIT 1",
        [account],
        |r| r.get(0),
    )
    .optional()
    .map_err(db("reading task lists"))
}

fn list_google_id(c: &Connection, account: &str, list: Option<&str>) -> Result<Option<String>> {
    let list = match list {
        Some(l) => Some(l.to_string()),
        None => default_list(c, account)?,
    };
    let Some(l) = list else { return Ok(None) };
    c.query_row(
        "SELECT google_id FROM task_lists WHERE local_id = ?1",
        [&l],
        |r| r.get(0),
    )
    .optional()
    .map(|o| o.flatten())
    .map_err(db("reading task lists"))
}

fn google_id_of(c: &Connection, local_id: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT google_task_id FROM task_id_map WHERE local_id = ?1",
        [local_id],
        |r| r.get(0),
    )
    .optional()
    .map(|o| o.flatten())
    .map_err(db("reading a task"))
}

#[derive(Debug)]
struct Op {
    seq: i64,
    kind: String,
    local_id: String,
    payload: serde_json::Value,
    state: String,
    sent_at: Option<i64>,
}

fn next_op(c: &Connection, account: &str) -> Result<Option<Op>> {
    c.query_row(
        "SELECT seq, kind, local_id, payload, state, sent_at FROM task_ops \
         WHERE account_id = ?1 AND state IN ('pending', 'sending') ORDER BY seq LIMIT 1",
        [account],
        |r| {
            Ok(Op {
                seq: r.get(0)?,
                kind: r.get(1)?,
                local_id: r.get(2)?,
                payload: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                state: r.get(4)?,
                sent_at: r.get(5)?,
            })
        },
    )
    .optional()
    .map_err(db("reading queued task changes"))
}

/// What a push did.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReport {
    pub sent: usize,
    pub adopted: usize,
    pub failed: usize,
}

fn body_of(r: &Row) -> serde_json::Value {
    let mut b = serde_json::json!({
        "title": r.title,
        "notes": r.notes,
        "status": if r.completed { "completed" } else { "needsAction" },
    });
    b["due"] = match &r.due {
        Some(d) => due_value(d).into(),
        None => serde_json::Value::Null,
    };
    b
}

/// Records Google's copy of a task after a send: ids, position, etag, times; the fields sent
/// are no longer dirty unless edited again after `op_created_ms`.
fn record(
    tx: &Transaction<'_>,
    local_id: &str,
    list_google: &str,
    g: &GTask,
    sent_ms: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE task_id_map SET google_task_id = ?1, google_list_id = ?2, updated_at = ?3 WHERE local_id = ?4",
        params![g.id, list_google, now_unix(), local_id],
    )
    .map_err(db("recording a sent task"))?;
    tx.execute(
        "UPDATE tasks SET position = ?1, etag = ?2, server_updated = ?3 WHERE local_id = ?4",
        params![g.position, g.etag, g.updated, local_id],
    )
    .map_err(db("recording a sent task"))?;
    tx.execute(
        "DELETE FROM task_dirty_fields WHERE local_id = ?1 AND edited_ms <= ?2",
        params![local_id, sent_ms],
    )
    .map_err(db("recording a sent task"))?;
    // Google's answer is the whole task: fields changed elsewhere come with it (a later pull
    // skips it as already seen). Fields edited here since the send keep the local value.
    if !g.id.is_empty() {
        let due = g.due.as_deref().and_then(due_date);
        tx.execute(
            "UPDATE tasks SET \
               title = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'title') THEN title ELSE ?2 END, \
               notes = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'notes') THEN notes ELSE ?3 END, \
               due_date = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'due') THEN due_date ELSE ?4 END, \
               status = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'status') THEN status ELSE ?5 END \
             WHERE local_id = ?1",
            params![
                local_id,
                g.title,
                g.notes.clone().unwrap_or_default(),
                due,
                if g.status == "completed" { "completed" } else { "needsAction" }
            ],
        )
        .map_err(db("recording a sent task"))?;
    }
    Ok(())
}

fn done(tx: &Transaction<'_>, seq: i64) -> Result<()> {
    tx.execute("DELETE FROM task_ops WHERE seq = ?1", [seq])
        .map_err(db("recording a sent task"))?;
    Ok(())
}

fn is_gone(e: &LibreOllamaError) -> bool {
    matches!(
        e,
        LibreOllamaError::GoogleApi {
            status: 404 | 410,
            ..
        }
    )
}

/// Sends the account's queued edits in order.
pub async fn push(store: &Store, api: &TasksApi, account: &str) -> Result<PushReport> {
    let mut report = PushReport::default();
    loop {
        let acc = account.to_string();
        let Some(op) = store.read(move |c| next_op(c, &acc)).await? else {
            return Ok(report);
        };
        match push_one(store, api, account, &op, &mut report).await {
            Ok(()) => {}
            Err(e) if e.retry_later() => return Err(e),
            Err(e) => {
                let (seq, msg) = (op.seq, e.to_string());
                tracing::warn!(seq, kind = %op.kind, error = %msg, "a task change was refused");
                store
                    .write(move |c| {
                        c.execute(
                            "UPDATE task_ops SET state = 'failed', attempts = attempts + 1, last_error = ?1 WHERE seq = ?2",
                            params![msg, seq],
                        )
                        .map_err(db("recording a refused task change"))?;
                        Ok(())
                    })
                    .await?;
                report.failed += 1;
            }
        }
    }
}

async fn mark_sending(store: &Store, seq: i64) -> Result<i64> {
    let at = now_ms();
    store
        .write(move |c| {
            c.execute(
                "UPDATE task_ops SET state = 'sending', sent_at = ?1, attempts = attempts + 1 WHERE seq = ?2",
                params![at, seq],
            )
            .map_err(db("sending a task change"))?;
            Ok(at)
        })
        .await
}

async fn push_one(
    store: &Store,
    api: &TasksApi,
    account: &str,
    op: &Op,
    report: &mut PushReport,
) -> Result<()> {
    let seq = op.seq;
    if op.kind == "insert_list" {
        return push_list(store, api, account, op, report).await;
    }
    let lid = op.local_id.clone();
    let acc = account.to_string();
    let (task, list_g, parent_g, google) = store
        .read(move |c| {
            let Some(t) = row(c, &lid)? else {
                return Ok((None, None, None, None));
            };
            let list_g = list_google_id(c, &acc, t.list_local_id.as_deref())?;
            let parent_g = match &t.parent_local_id {
                Some(p) => google_id_of(c, p)?,
                None => None,
            };
            let g = t.google_id.clone();
            Ok((Some(t), list_g, parent_g, g))
        })
        .await?;
    let Some(task) = task else {
        // The task is gone here (deleted with its list): nothing to send.
        return store.transaction(move |tx| done(tx, seq)).await;
    };
    let list_g = list_g.ok_or_else(|| LibreOllamaError::Network {
        service: "Google Tasks".into(),
        reason: "the task lists have not been fetched yet".into(),
    })?;
    match op.kind.as_str() {
        "insert" => {
            if google.is_some() {
                return store.transaction(move |tx| done(tx, seq)).await;
            }
            if op.state == "sending" {
                if let Some(g) =
                    find_sent(store, api, &list_g, &task, op.sent_at.unwrap_or(0)).await?
                {
                    let (lid, lg, sent) = (
                        task.local_id.clone(),
                        list_g.clone(),
                        op.sent_at.unwrap_or(0),
                    );
                    store
                        .transaction(move |tx| {
                            record(tx, &lid, &lg, &g, sent)?;
                            done(tx, seq)
                        })
                        .await?;
                    report.adopted += 1;
                    return Ok(());
                }
            }
            if task.parent_local_id.is_some() && parent_g.is_none() {
                return Err(LibreOllamaError::Network {
                    service: "Google Tasks".into(),
                    reason: "a subtask waits for its parent to reach Google".into(),
                });
            }
            let sent = mark_sending(store, seq).await?;
            let g = api
                .insert(&list_g, &body_of(&task), parent_g.as_deref(), None)
                .await?;
            let lid = task.local_id.clone();
            store
                .transaction(move |tx| {
                    record(tx, &lid, &list_g, &g, sent)?;
                    done(tx, seq)
                })
                .await?;
        }
        "patch" => {
            let Some(gid) = google else {
                // Not on Google yet: its insert (earlier in the queue, or re-created) sends
                // the current fields.
                return requeue_insert(store, account, &task.local_id, seq).await;
            };
            let fields: Vec<String> = op
                .payload
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let full = body_of(&task);
            let mut body = serde_json::Map::new();
            for f in &fields {
                if let Some(v) = full.get(f) {
                    body.insert(f.clone(), v.clone());
                }
            }
            if fields.iter().any(|f| f == "status") && !task.completed {
                body.insert("completed".into(), serde_json::Value::Null);
            }
            let sent = mark_sending(store, seq).await?;
            match api.patch(&list_g, &gid, &body.into()).await {
                Ok(g) => {
                    let lid = task.local_id.clone();
                    store
                        .transaction(move |tx| {
                            record(tx, &lid, &list_g, &g, sent)?;
                            done(tx, seq)
                        })
                        .await?;
                }
                Err(e) if is_gone(&e) => {
                    return requeue_insert(store, account, &task.local_id, seq).await;
                }
                Err(e) => return Err(e),
            }
        }
        "move" => {
            let Some(gid) = google else {
                return requeue_insert(store, account, &task.local_id, seq).await;
            };
            let to: MoveTo = serde_json::from_value(op.payload.clone()).unwrap_or_default();
            let acc = account.to_string();
            let from = to.from_list.clone();
            let from_g = store
                .read(move |c| list_google_id(c, &acc, from.as_deref()))
                .await?
                .unwrap_or_else(|| list_g.clone());
            let previous_g = match &to.previous {
                Some(p) => {
                    let p = p.clone();
                    store.read(move |c| google_id_of(c, &p)).await?
                }
                None => None,
            };
            mark_sending(store, seq).await?;
            let result = if from_g != list_g {
                move_across(
                    store,
                    api,
                    &task,
                    &gid,
                    &from_g,
                    &list_g,
                    parent_g.as_deref(),
                )
                .await
            } else {
                api.move_task(
                    &list_g,
                    &gid,
                    parent_g.as_deref(),
                    previous_g.as_deref(),
                    None,
                )
                .await
                .map(|_| ())
            };
            match result {
                Ok(()) => {}
                Err(e) if is_gone(&e) => {
                    return requeue_insert(store, account, &task.local_id, seq).await;
                }
                Err(e) => return Err(e),
            }
            let (lid, lg) = (task.local_id.clone(), list_g.clone());
            let fresh = api.get(&list_g, &gid).await?;
            store
                .transaction(move |tx| {
                    record(tx, &lid, &lg, &fresh, i64::MIN)?;
                    done(tx, seq)
                })
                .await?;
        }
        "delete" => {
            if let Some(gid) = google {
                mark_sending(store, seq).await?;
                match api.delete(&list_g, &gid).await {
                    Ok(()) => {}
                    Err(e) if is_gone(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            let lid = task.local_id.clone();
            store
                .transaction(move |tx| {
                    forget(tx, &lid)?;
                    done(tx, seq)
                })
                .await?;
        }
        other => {
            return Err(LibreOllamaError::Internal(format!(
                "unknown queued task change '{other}'"
            )))
        }
    }
    report.sent += 1;
    Ok(())
}

/// The task is not on Google (never was, or deleted there): this op becomes an insert of its
/// current content, and the ops that followed it for the task stay queued behind it.
async fn requeue_insert(store: &Store, _account: &str, local_id: &str, seq: i64) -> Result<()> {
    let lid = local_id.to_string();
    store
        .transaction(move |tx| {
            tx.execute(
                "UPDATE task_id_map SET google_task_id = NULL, google_list_id = NULL WHERE local_id = ?1",
                [&lid],
            )
            .map_err(db("re-creating a task"))?;
            tx.execute(
                "UPDATE task_ops SET kind = 'insert', payload = '{}', state = 'pending', sent_at = NULL WHERE seq = ?1",
                [seq],
            )
            .map_err(db("re-creating a task"))?;
            Ok(())
        })
        .await
}

/// Subtasks out, parent across, subtasks back under it (see the module notes).
async fn move_across(
    store: &Store,
    api: &TasksApi,
    task: &Row,
    gid: &str,
    from_g: &str,
    to_g: &str,
    parent_g: Option<&str>,
) -> Result<()> {
    let lid = task.local_id.clone();
    let children: Vec<String> = store
        .read(move |c| {
            let mut st = c
                .prepare(
                    "SELECT m.google_task_id FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id \
                     WHERE t.parent_local_id = ?1 AND m.google_task_id IS NOT NULL ORDER BY t.position, t.created_at",
                )
                .map_err(db("reading subtasks"))?;
            let rows = st
                .query_map([&lid], |r| r.get(0))
                .map_err(db("reading subtasks"))?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(db("reading subtasks"))
        })
        .await?;
    for ch in &children {
        move_tolerant(api, from_g, ch, None, None, Some(to_g)).await?;
    }
    api.move_task(from_g, gid, parent_g, None, Some(to_g))
        .await
        .or_else(|e| {
            // Already there (a repeated op after a crash): fine.
            if is_gone(&e) {
                Ok(GTask::default())
            } else {
                Err(e)
            }
        })?;
    let mut previous: Option<String> = None;
    for ch in &children {
        api.move_task(to_g, ch, Some(gid), previous.as_deref(), None)
            .await?;
        previous = Some(ch.clone());
    }
    Ok(())
}

async fn move_tolerant(
    api: &TasksApi,
    list: &str,
    task: &str,
    parent: Option<&str>,
    previous: Option<&str>,
    dest: Option<&str>,
) -> Result<()> {
    match api.move_task(list, task, parent, previous, dest).await {
        Ok(_) => Ok(()),
        // Google moved it along with its parent already, or a repeated op: it is there.
        Err(e) if is_gone(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// After a crash between sending an insert and recording it: Google's copy, if it has one.
async fn find_sent(
    store: &Store,
    api: &TasksApi,
    list_g: &str,
    task: &Row,
    sent_ms: i64,
) -> Result<Option<GTask>> {
    let since = rfc3339(sent_ms - ADOPT_WINDOW_MS);
    let candidates = api.changed(list_g, Some(&since)).await?;
    let acc = task.account_id.clone();
    let known: HashSet<String> = store
        .read(move |c| {
            let mut st = c
                .prepare("SELECT google_task_id FROM task_id_map WHERE account_id = ?1 AND google_task_id IS NOT NULL")
                .map_err(db("reading tasks"))?;
            let rows = st.query_map([&acc], |r| r.get(0)).map_err(db("reading tasks"))?;
            rows.collect::<std::result::Result<_, _>>().map_err(db("reading tasks"))
        })
        .await?;
    Ok(candidates.into_iter().find(|g| {
        !g.deleted
            && !known.contains(&g.id)
            && g.title == task.title
            && g.notes.clone().unwrap_or_default() == task.notes
    }))
}

async fn push_list(
    store: &Store,
    api: &TasksApi,
    account: &str,
    op: &Op,
    report: &mut PushReport,
) -> Result<()> {
    let (seq, lid) = (op.seq, op.local_id.clone());
    let l2 = lid.clone();
    let list: Option<(String, Option<String>)> = store
        .read(move |c| {
            c.query_row(
                "SELECT title, google_id FROM task_lists WHERE local_id = ?1",
                [&l2],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db("reading task lists"))
        })
        .await?;
    let Some((title, None)) = list else {
        return store.transaction(move |tx| done(tx, seq)).await;
    };
    let mut adopted = None;
    if op.state == "sending" {
        let acc = account.to_string();
        let known: HashSet<String> = store
            .read(move |c| {
                let mut st = c
                    .prepare("SELECT google_id FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
                    .map_err(db("reading task lists"))?;
                let rows = st.query_map([&acc], |r| r.get(0)).map_err(db("reading task lists"))?;
                rows.collect::<std::result::Result<_, _>>().map_err(db("reading task lists"))
            })
            .await?;
        adopted = api
            .lists()
            .await?
            .into_iter()
            .find(|l| l.title == title && !known.contains(&l.id));
    }
    let g = match adopted {
        Some(g) => {
            report.adopted += 1;
            g
        }
        None => {
            mark_sending(store, seq).await?;
            report.sent += 1;
            api.insert_list(&title).await?
        }
    };
    store
        .transaction(move |tx| {
            tx.execute(
                "UPDATE task_lists SET google_id = ?1, etag = ?2, updated = ?3, updated_at = ?4 WHERE local_id = ?5",
                params![g.id, g.etag, g.updated, now_unix(), lid],
            )
            .map_err(db("recording a task list"))?;
            done(tx, seq)
        })
        .await
}

fn forget(tx: &Transaction<'_>, local_id: &str) -> Result<()> {
    // Subtasks go with their parent, as on Google.
    let mut st = tx
        .prepare("SELECT local_id FROM tasks WHERE parent_local_id = ?1")
        .map_err(db("deleting a task"))?;
    let children: Vec<String> = st
        .query_map([local_id], |r| r.get(0))
        .map_err(db("deleting a task"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("deleting a task"))?;
    drop(st);
    for ch in children {
        forget(tx, &ch)?;
    }
    tx.execute(
        "DELETE FROM task_ops WHERE local_id = ?1 AND kind <> 'delete'",
        [local_id],
    )
    .map_err(db("deleting a task"))?;
    tx.execute("DELETE FROM task_id_map WHERE local_id = ?1", [local_id])
        .map_err(db("deleting a task"))?;
    Ok(())
}

/// A list deleted on Google (on another device): its tasks go with it, as on Google — except
/// tasks changed here and not sent yet, which the user wrote and must not lose. Then the list
/// stays, holding only those, and is created again on Google with them (the list first, then
/// parents before their subtasks).
fn list_gone(tx: &Transaction<'_>, account: &str, list: &str) -> Result<()> {
    let ids = |sql: &str| -> Result<Vec<String>> {
        let mut st = tx.prepare(sql).map_err(db("saving task lists"))?;
        let rows = st
            .query_map([list], |r| r.get(0))
            .map_err(db("saving task lists"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(db("saving task lists"));
        rows
    };
    // Parents first (no parent, then by depth of creation), so inserts go in a valid order.
    let unsent = ids(
        "SELECT t.local_id FROM tasks t WHERE t.list_local_id = ?1 AND t.deleted = 0 AND EXISTS \
           (SELECT 1 FROM task_ops o WHERE o.local_id = t.local_id AND o.kind <> 'delete' AND o.state <> 'failed') \
         ORDER BY t.parent_local_id IS NOT NULL, t.created_at",
    )?;
    if unsent.is_empty() {
        tx.execute(
            "DELETE FROM task_id_map WHERE local_id IN (SELECT local_id FROM tasks WHERE list_local_id = ?1)",
            [list],
        )
        .map_err(db("saving task lists"))?;
        tx.execute("DELETE FROM task_lists WHERE local_id = ?1", [list])
            .map_err(db("saving task lists"))?;
        return Ok(());
    }
    for t in ids("SELECT local_id FROM tasks WHERE list_local_id = ?1")? {
        if !unsent.contains(&t) {
            tx.execute("DELETE FROM task_ops WHERE local_id = ?1", [&t])
                .map_err(db("saving task lists"))?;
            tx.execute("DELETE FROM task_id_map WHERE local_id = ?1", [&t])
                .map_err(db("saving task lists"))?;
            tx.execute("DELETE FROM tasks WHERE local_id = ?1", [&t])
                .map_err(db("saving task lists"))?;
        }
    }
    tx.execute(
        "UPDATE task_lists SET google_id = NULL, etag = NULL, updated = NULL, updated_min = NULL WHERE local_id = ?1",
        [list],
    )
    .map_err(db("saving task lists"))?;
    tx.execute(
        "DELETE FROM task_ops WHERE local_id = ?1 AND kind = 'insert_list'",
        [list],
    )
    .map_err(db("saving task lists"))?;
    enqueue(tx, account, "insert_list", list, &serde_json::json!({}))?;
    for t in &unsent {
        tx.execute(
            "UPDATE task_id_map SET google_task_id = NULL, google_list_id = NULL WHERE local_id = ?1",
            [t],
        )
        .map_err(db("saving task lists"))?;
        // A subtask whose parent went with the list becomes a task of its own.
        tx.execute(
            "UPDATE tasks SET parent_local_id = NULL WHERE local_id = ?1 \
             AND parent_local_id NOT IN (SELECT local_id FROM tasks)",
            [t],
        )
        .map_err(db("saving task lists"))?;
        tx.execute("DELETE FROM task_ops WHERE local_id = ?1", [t])
            .map_err(db("saving task lists"))?;
        enqueue(tx, account, "insert", t, &serde_json::json!({}))?;
    }
    tracing::info!(
        kept = unsent.len(),
        "a task list deleted on Google kept its unsent tasks"
    );
    Ok(())
}

/// What a pull changed.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullReport {
    pub lists: usize,
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Tasks deleted on Google but edited here since, so kept and sent again.
    pub kept: usize,
}

/// Brings Google's lists and the tasks changed since the last pull of each list.
pub async fn pull(store: &Store, api: &TasksApi, account: &str) -> Result<PullReport> {
    let mut report = PullReport::default();
    let lists = api.lists().await?;
    let acc = account.to_string();
    let glists = lists.clone();
    // Lists: new ones added, renamed ones renamed, ones gone from Google removed (with their
    // tasks, as on Google) unless they were made here and are still waiting to be sent.
    let local_lists: Vec<(String, String, Option<String>)> = store
        .transaction(move |tx| {
            let now = now_unix();
            let seen: HashSet<&str> = glists.iter().map(|l| l.id.as_str()).collect();
            let mut st = tx
                .prepare("SELECT local_id, google_id FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
                .map_err(db("saving task lists"))?;
            let existing: Vec<(String, String)> = st
                .query_map([&acc], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db("saving task lists"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(db("saving task lists"))?;
            drop(st);
            for (lid, gid) in &existing {
                if !seen.contains(gid.as_str()) {
                    list_gone(tx, &acc, lid)?;
                }
            }
            for (i, l) in glists.iter().enumerate() {
                let n = tx
                    .execute(
                        "UPDATE task_lists SET title = ?1, etag = ?2, updated = ?3, is_default = ?4, updated_at = ?5 \
                         WHERE account_id = ?6 AND google_id = ?7",
                        params![l.title, l.etag, l.updated, i == 0, now, acc, l.id],
                    )
                    .map_err(db("saving task lists"))?;
                if n == 0 {
                    tx.execute(
                        "INSERT INTO task_lists (local_id, account_id, google_id, title, etag, updated, is_default, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                        params![new_id("list"), acc, l.id, l.title, l.etag, l.updated, i == 0, now],
                    )
                    .map_err(db("saving task lists"))?;
                }
            }
            if glists.is_empty() {
                tx.execute("UPDATE task_lists SET is_default = 0 WHERE account_id = ?1", [&acc])
                    .map_err(db("saving task lists"))?;
            }
            let mut st = tx
                .prepare("SELECT local_id, google_id, updated_min FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
                .map_err(db("saving task lists"))?;
            let out = st
                .query_map([&acc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(db("saving task lists"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(db("saving task lists"));
            out
        })
        .await?;
    report.lists = lists.len();
    for (list_local, list_g, updated_min) in local_lists {
        let changed = api.changed(&list_g, updated_min.as_deref()).await?;
        if changed.is_empty() {
            continue;
        }
        let acc = account.to_string();
        let r = store
            .transaction(move |tx| apply_changes(tx, &acc, &list_local, &list_g, &changed))
            .await?;
        report.added += r.added;
        report.updated += r.updated;
        report.deleted += r.deleted;
        report.kept += r.kept;
    }
    Ok(report)
}

fn dirty(tx: &Transaction<'_>, local_id: &str) -> Result<HashMap<String, i64>> {
    let mut st = tx
        .prepare("SELECT field, edited_ms FROM task_dirty_fields WHERE local_id = ?1")
        .map_err(db("reading task edits"))?;
    let rows = st
        .query_map([local_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db("reading task edits"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading task edits"))
}

fn local_by_google(tx: &Transaction<'_>, account: &str, gid: &str) -> Result<Option<String>> {
    tx.query_row(
        "SELECT local_id FROM task_id_map WHERE account_id = ?1 AND google_task_id = ?2",
        params![account, gid],
        |r| r.get(0),
    )
    .optional()
    .map_err(db("reading tasks"))
}

fn apply_changes(
    tx: &Transaction<'_>,
    account: &str,
    list_local: &str,
    list_g: &str,
    changed: &[GTask],
) -> Result<PullReport> {
    let mut report = PullReport::default();
    let now = now_unix();
    let mut newest = String::new();
    // Parents first, so a subtask finds its parent's local id.
    let mut ordered: Vec<&GTask> = changed.iter().filter(|g| g.parent.is_none()).collect();
    ordered.extend(changed.iter().filter(|g| g.parent.is_some()));
    for g in ordered {
        if let Some(u) = &g.updated {
            if *u > newest {
                newest = u.clone();
            }
        }
        let server_ms = g.updated.as_deref().map(rfc3339_ms).unwrap_or(0);
        let parent_local = match &g.parent {
            Some(p) => local_by_google(tx, account, p)?,
            None => None,
        };
        let due = g.due.as_deref().and_then(due_date);
        let completed = g.status == "completed";
        let mut found = local_by_google(tx, account, &g.id)?;
        if found.is_none() && !g.deleted {
            // Sent before a crash but never recorded: the queued insert is this task.
            let sent: Option<(String, i64)> = tx
                .query_row(
                    "SELECT o.local_id, o.seq FROM task_ops o JOIN tasks t ON t.local_id = o.local_id \
                     JOIN task_id_map m ON m.local_id = o.local_id \
                     WHERE o.account_id = ?1 AND o.kind = 'insert' AND o.state = 'sending' \
                       AND m.google_task_id IS NULL AND t.title = ?2 AND t.notes = ?3 ORDER BY o.seq LIMIT 1",
                    params![account, g.title, g.notes.clone().unwrap_or_default()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db("saving tasks"))?;
            if let Some((lid, seq)) = sent {
                tx.execute(
                    "UPDATE task_id_map SET google_task_id = ?1, google_list_id = ?2 WHERE local_id = ?3",
                    params![g.id, list_g, lid],
                )
                .map_err(db("saving tasks"))?;
                done(tx, seq)?;
                found = Some(lid);
            }
        }
        let Some(lid) = found else {
            if g.deleted {
                continue;
            }
            let lid = new_id("task");
            tx.execute(
                "INSERT INTO task_id_map (local_id, account_id, google_list_id, google_task_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![lid, account, list_g, g.id, now],
            )
            .map_err(db("saving tasks"))?;
            tx.execute(
                "INSERT INTO tasks (local_id, title, notes, due_date, status, completed_at, list_local_id, parent_local_id, position, server_updated, etag, hidden, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                params![
                    lid, g.title, g.notes.clone().unwrap_or_default(), due,
                    if completed { "completed" } else { "needsAction" },
                    g.completed.as_deref().map(rfc3339_ms).map(|m| m / 1000),
                    list_local, parent_local, g.position, g.updated, g.etag, g.hidden, now
                ],
            )
            .map_err(db("saving tasks"))?;
            report.added += 1;
            continue;
        };
        // updatedMin is inclusive: the newest task of the last pull comes again, unchanged.
        let seen: Option<(Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT server_updated, etag FROM tasks WHERE local_id = ?1",
                [&lid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db("saving tasks"))?;
        if seen == Some((g.updated.clone(), g.etag.clone())) && !g.deleted {
            continue;
        }
        let edits = dirty(tx, &lid)?;
        let newer_here = |field: &str| edits.get(field).is_some_and(|&ms| ms > server_ms);
        if g.deleted {
            if edits.values().any(|&ms| ms > server_ms) {
                // Edited here after Google deleted it: keep it and send it again.
                tx.execute(
                    "UPDATE task_id_map SET google_task_id = NULL, google_list_id = NULL WHERE local_id = ?1",
                    [&lid],
                )
                .map_err(db("saving tasks"))?;
                tx.execute(
                    "DELETE FROM task_ops WHERE local_id = ?1 AND kind IN ('patch', 'move')",
                    [&lid],
                )
                .map_err(db("saving tasks"))?;
                enqueue(tx, account, "insert", &lid, &serde_json::json!({}))?;
                report.kept += 1;
            } else {
                forget(tx, &lid)?;
                tx.execute("DELETE FROM task_ops WHERE local_id = ?1", [&lid])
                    .map_err(db("saving tasks"))?;
                report.deleted += 1;
            }
            continue;
        }
        let keep = |f: &str| newer_here(f);
        tx.execute(
            "UPDATE tasks SET \
               title = CASE WHEN ?1 THEN title ELSE ?2 END, \
               notes = CASE WHEN ?3 THEN notes ELSE ?4 END, \
               due_date = CASE WHEN ?5 THEN due_date ELSE ?6 END, \
               status = CASE WHEN ?7 THEN status ELSE ?8 END, \
               completed_at = CASE WHEN ?7 THEN completed_at ELSE ?9 END, \
               list_local_id = CASE WHEN ?10 THEN list_local_id ELSE ?11 END, \
               parent_local_id = CASE WHEN ?10 THEN parent_local_id ELSE ?12 END, \
               position = CASE WHEN ?10 THEN position ELSE ?13 END, \
               hidden = ?14, server_updated = ?15, etag = ?16, updated_at = ?17 \
             WHERE local_id = ?18",
            params![
                keep("title"),
                g.title,
                keep("notes"),
                g.notes.clone().unwrap_or_default(),
                keep("due"),
                due,
                keep("status"),
                if completed {
                    "completed"
                } else {
                    "needsAction"
                },
                g.completed.as_deref().map(rfc3339_ms).map(|m| m / 1000),
                keep("place"),
                list_local,
                parent_local,
                g.position,
                g.hidden,
                g.updated,
                g.etag,
                now,
                lid
            ],
        )
        .map_err(db("saving tasks"))?;
        tx.execute(
            "UPDATE task_id_map SET google_list_id = ?1 WHERE local_id = ?2",
            params![list_g, lid],
        )
        .map_err(db("saving tasks"))?;
        // Fields Google now decides are no longer pending here.
        tx.execute(
            "DELETE FROM task_dirty_fields WHERE local_id = ?1 AND edited_ms <= ?2",
            params![lid, server_ms],
        )
        .map_err(db("saving tasks"))?;
        report.updated += 1;
    }
    if !newest.is_empty() {
        tx.execute(
            "UPDATE task_lists SET updated_min = ?1 WHERE local_id = ?2",
            params![newest, list_local],
        )
        .map_err(db("saving tasks"))?;
    }
    Ok(report)
}
