//! Google's copy of tasks, as the Tasks sync reads and records it: the task as a push sends it,
//! what a push's answer and a pull's changes write (field by field, under the conflict rule in
//! src/sync/tasks), and the id map between local and Google ids.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{LibreOllamaError, Result};
use crate::store::task_ops::{self, OpKind};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// A task as the sync sends it.
#[derive(Debug, Clone)]
pub struct SyncRow {
    pub local_id: String,
    pub account_id: String,
    pub google_id: Option<String>,
    pub list_local_id: Option<String>,
    pub parent_local_id: Option<String>,
    pub title: String,
    pub notes: String,
    pub due: Option<String>,
    pub completed: bool,
}

/// Google's copy of a task, as the store keeps it (the sync converts the API's shape).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteTask {
    pub id: String,
    pub etag: Option<String>,
    pub title: String,
    pub notes: String,
    /// YYYY-MM-DD.
    pub due: Option<String>,
    pub completed: bool,
    /// Unix seconds.
    pub completed_at: Option<i64>,
    pub hidden: bool,
    pub position: String,
    /// Google's `updated` (RFC 3339).
    pub updated: Option<String>,
}

impl RemoteTask {
    fn status(&self) -> &'static str {
        if self.completed {
            "completed"
        } else {
            "needsAction"
        }
    }
}

pub fn row(c: &Connection, local_id: &str) -> Result<Option<SyncRow>> {
    c.query_row(
        "SELECT t.local_id, m.account_id, m.google_task_id, t.list_local_id, t.parent_local_id, t.title, t.notes, \
                t.due_date, t.status = 'completed' \
         FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id WHERE t.local_id = ?1",
        [local_id],
        |r| {
            Ok(SyncRow {
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

/// Google's id of a task, once it has one.
pub fn google_id_of(c: &Connection, local_id: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT google_task_id FROM task_id_map WHERE local_id = ?1",
        [local_id],
        |r| r.get(0),
    )
    .optional()
    .map(|o| o.flatten())
    .map_err(db("reading a task"))
}

/// The local task linked to a Google task of the account.
pub fn local_by_google(c: &Connection, account: &str, gid: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT local_id FROM task_id_map WHERE account_id = ?1 AND google_task_id = ?2",
        params![account, gid],
        |r| r.get(0),
    )
    .optional()
    .map_err(db("reading tasks"))
}

/// Google ids of the account's tasks that are linked here.
pub fn known_google_ids(c: &Connection, account: &str) -> Result<HashSet<String>> {
    let mut st = c
        .prepare("SELECT google_task_id FROM task_id_map WHERE account_id = ?1 AND google_task_id IS NOT NULL")
        .map_err(db("reading tasks"))?;
    let rows = st
        .query_map([account], |r| r.get(0))
        .map_err(db("reading tasks"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading tasks"))
}

/// Google ids of a task's subtasks that are on Google, in their order.
pub fn subtask_google_ids(c: &Connection, local_id: &str) -> Result<Vec<String>> {
    let mut st = c
        .prepare(
            "SELECT m.google_task_id FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id \
             WHERE t.parent_local_id = ?1 AND m.google_task_id IS NOT NULL ORDER BY t.position, t.created_at",
        )
        .map_err(db("reading subtasks"))?;
    let rows = st
        .query_map([local_id], |r| r.get(0))
        .map_err(db("reading subtasks"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading subtasks"))
}

/// Links a task to its Google id in a Google list.
pub fn link(c: &Connection, local_id: &str, gid: &str, list_google: &str) -> Result<()> {
    c.execute(
        "UPDATE task_id_map SET google_task_id = ?1, google_list_id = ?2 WHERE local_id = ?3",
        params![gid, list_google, local_id],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// The task is no longer on Google (deleted there, or its list was): it has no Google id.
pub fn unlink(c: &Connection, local_id: &str) -> Result<()> {
    c.execute(
        "UPDATE task_id_map SET google_task_id = NULL, google_list_id = NULL WHERE local_id = ?1",
        [local_id],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// Records Google's copy of a task after a send: ids, position, etag, times; the fields sent
/// are no longer dirty unless edited again after `sent_ms`.
pub fn record(
    tx: &Transaction<'_>,
    local_id: &str,
    list_google: &str,
    g: &RemoteTask,
    sent_ms: i64,
    now: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE task_id_map SET google_task_id = ?1, google_list_id = ?2, updated_at = ?3 WHERE local_id = ?4",
        params![g.id, list_google, now, local_id],
    )
    .map_err(db("recording a sent task"))?;
    tx.execute(
        "UPDATE tasks SET position = ?1, etag = ?2, server_updated = ?3 WHERE local_id = ?4",
        params![g.position, g.etag, g.updated, local_id],
    )
    .map_err(db("recording a sent task"))?;
    tx.execute(
        // A clear made here is settled by the list's clear op alone, which may still wait.
        "DELETE FROM task_dirty_fields WHERE local_id = ?1 AND edited_ms <= ?2 AND field <> 'hidden'",
        params![local_id, sent_ms],
    )
    .map_err(db("recording a sent task"))?;
    // Google's answer is the whole task: fields changed elsewhere come with it (a later pull
    // skips it as already seen). Fields edited here since the send keep the local value.
    if !g.id.is_empty() {
        tx.execute(
            "UPDATE tasks SET \
               title = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'title') THEN title ELSE ?2 END, \
               notes = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'notes') THEN notes ELSE ?3 END, \
               due_date = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'due') THEN due_date ELSE ?4 END, \
               status = CASE WHEN EXISTS (SELECT 1 FROM task_dirty_fields d WHERE d.local_id = ?1 AND d.field = 'status') THEN status ELSE ?5 END \
             WHERE local_id = ?1",
            params![local_id, g.title, g.notes, g.due, g.status()],
        )
        .map_err(db("recording a sent task"))?;
    }
    Ok(())
}

/// Removes a task here (and its subtasks, as on Google), with its queued ops but a delete.
pub fn forget(tx: &Transaction<'_>, local_id: &str) -> Result<()> {
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
    task_ops::remove_for(
        tx,
        local_id,
        &[
            OpKind::InsertList,
            OpKind::Insert,
            OpKind::Patch,
            OpKind::Move,
        ],
    )?;
    tx.execute("DELETE FROM task_id_map WHERE local_id = ?1", [local_id])
        .map_err(db("deleting a task"))?;
    Ok(())
}

/// A task Google has and this computer did not: added with its Google id; returns its local id.
pub fn insert_pulled(
    tx: &Transaction<'_>,
    account: &str,
    list_local: &str,
    list_google: &str,
    parent_local: Option<&str>,
    g: &RemoteTask,
    now: i64,
) -> Result<String> {
    let lid = crate::store::new_id("task");
    tx.execute(
        "INSERT INTO task_id_map (local_id, account_id, google_list_id, google_task_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![lid, account, list_google, g.id, now],
    )
    .map_err(db("saving tasks"))?;
    tx.execute(
        "INSERT INTO tasks (local_id, title, notes, due_date, status, completed_at, list_local_id, parent_local_id, position, server_updated, etag, hidden, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        params![
            lid, g.title, g.notes, g.due, g.status(), g.completed_at,
            list_local, parent_local, g.position, g.updated, g.etag, g.hidden, now
        ],
    )
    .map_err(db("saving tasks"))?;
    Ok(lid)
}

/// Google's `updated` and etag as last seen for a task (None if the task is not here).
pub fn seen(c: &Connection, local_id: &str) -> Result<Option<(Option<String>, Option<String>)>> {
    c.query_row(
        "SELECT server_updated, etag FROM tasks WHERE local_id = ?1",
        [local_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db("saving tasks"))
}

/// Which fields keep the value edited here when a pulled change is applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepLocal {
    pub title: bool,
    pub notes: bool,
    pub due: bool,
    /// Status and completion time.
    pub status: bool,
    /// List, parent and position.
    pub place: bool,
    /// Cleared here (hidden) and the clear not sent yet.
    pub hidden: bool,
}

/// Applies Google's changed task to its local copy, field by field (`keep` names the fields
/// edited here after Google's change), then settles the local edits Google's change is newer
/// than (up to `server_ms`).
#[allow(clippy::too_many_arguments)]
pub fn apply_pulled(
    tx: &Transaction<'_>,
    local_id: &str,
    list_local: &str,
    list_google: &str,
    parent_local: Option<&str>,
    g: &RemoteTask,
    keep: KeepLocal,
    server_ms: i64,
    now: i64,
) -> Result<()> {
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
           hidden = CASE WHEN ?19 THEN hidden ELSE ?14 END, server_updated = ?15, etag = ?16, updated_at = ?17 \
         WHERE local_id = ?18",
        params![
            keep.title,
            g.title,
            keep.notes,
            g.notes,
            keep.due,
            g.due,
            keep.status,
            g.status(),
            g.completed_at,
            keep.place,
            list_local,
            parent_local,
            g.position,
            g.hidden,
            g.updated,
            g.etag,
            now,
            local_id,
            keep.hidden
        ],
    )
    .map_err(db("saving tasks"))?;
    tx.execute(
        "UPDATE task_id_map SET google_list_id = ?1 WHERE local_id = ?2",
        params![list_google, local_id],
    )
    .map_err(db("saving tasks"))?;
    // Fields Google now decides are no longer pending here.
    task_ops::settle_dirty(tx, local_id, server_ms)
}
