//! Task lists (`task_lists`, durable user data): Google's lists as last pulled, and lists made
//! here that wait for their `insert_list` op. A list's `updated_min` is its pull cursor.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{LibreOllamaError, Result};
use crate::model::TaskListView;
use crate::store::task_ops::{self, OpKind};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Google's copy of a list, as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteList {
    pub id: String,
    pub title: String,
    pub etag: Option<String>,
    pub updated: Option<String>,
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

/// Google's id of a list (None = the account's default list), if it is on Google.
pub fn google_id(c: &Connection, account: &str, list: Option<&str>) -> Result<Option<String>> {
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

/// The account a list belongs to, if the list is here.
pub fn account_of(c: &Connection, list: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT account_id FROM task_lists WHERE local_id = ?1",
        [list],
        |r| r.get(0),
    )
    .optional()
    .map_err(db("reading task lists"))
}

/// A task `t` is in list `l`: its own, or (no list) the default list of its account.
pub(super) const IN_LIST: &str = "(t.list_local_id = l.local_id OR (t.list_local_id IS NULL AND l.is_default = 1 AND \
     EXISTS (SELECT 1 FROM task_id_map m WHERE m.local_id = t.local_id AND m.account_id = l.account_id)))";

/// The lists (of one account, or all) with their open tasks, default first, then by title.
pub fn views(c: &Connection, account: Option<&str>) -> Result<Vec<TaskListView>> {
    let mut st = c
        .prepare(&format!(
            "SELECT l.local_id, l.account_id, l.title, l.is_default, l.google_id IS NOT NULL, \
               (SELECT count(*) FROM tasks t WHERE t.deleted = 0 AND t.status <> 'completed' AND {IN_LIST}), \
               (SELECT count(*) FROM tasks t WHERE t.deleted = 0 AND t.hidden = 0 AND t.status = 'completed' AND {IN_LIST}) \
             FROM task_lists l WHERE ?1 IS NULL OR l.account_id = ?1 \
             ORDER BY l.account_id, l.is_default DESC, l.title COLLATE NOCASE, l.local_id"
        ))
        .map_err(db("reading task lists"))?;
    let rows = st
        .query_map([account], |r| {
            Ok(TaskListView {
                local_id: r.get(0)?,
                account_id: r.get(1)?,
                title: r.get(2)?,
                is_default: r.get(3)?,
                on_google: r.get(4)?,
                open_tasks: r.get::<_, i64>(5)? as u64,
                completed_tasks: r.get::<_, i64>(6)? as u64,
            })
        })
        .map_err(db("reading task lists"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading task lists"))
}

/// A list made here, queued for Google in the same transaction.
pub fn create(tx: &Transaction<'_>, account: &str, id: &str, title: &str, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO task_lists (local_id, account_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id, account, title, now],
    )
    .map_err(db("saving a task list"))?;
    task_ops::enqueue(tx, account, OpKind::InsertList, id, &serde_json::json!({}))
}

/// A list's title and Google id (None while it is only here), if the list is here.
pub fn title_and_google_id(c: &Connection, list: &str) -> Result<Option<(String, Option<String>)>> {
    c.query_row(
        "SELECT title, google_id FROM task_lists WHERE local_id = ?1",
        [list],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db("reading task lists"))
}

/// Google ids of the account's lists that are linked here.
pub fn known_google_ids(c: &Connection, account: &str) -> Result<HashSet<String>> {
    let mut st = c
        .prepare("SELECT google_id FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
        .map_err(db("reading task lists"))?;
    let rows = st
        .query_map([account], |r| r.get(0))
        .map_err(db("reading task lists"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading task lists"))
}

/// Whether the list is still here, linked to that Google list.
pub fn is_on_google(c: &Connection, list: &str, google_id: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM task_lists WHERE local_id = ?1 AND google_id = ?2)",
        params![list, google_id],
        |r| r.get(0),
    )
    .map_err(db("reading task lists"))
}

/// Links a list made here to Google's copy of it.
pub fn record_sent(c: &Connection, list: &str, g: &RemoteList, now: i64) -> Result<()> {
    c.execute(
        "UPDATE task_lists SET google_id = ?1, etag = ?2, updated = ?3, updated_at = ?4 WHERE local_id = ?5",
        params![g.id, g.etag, g.updated, now, list],
    )
    .map_err(db("recording a task list"))?;
    Ok(())
}

/// The account's lists that are on Google: (local id, Google id).
pub fn on_google(c: &Connection, account: &str) -> Result<Vec<(String, String)>> {
    let mut st = c
        .prepare("SELECT local_id, google_id FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
        .map_err(db("saving task lists"))?;
    let rows = st
        .query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db("saving task lists"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("saving task lists"))
}

/// Google's list as pulled: renamed if known here, added if not.
pub fn save_pulled(
    c: &Connection,
    account: &str,
    g: &RemoteList,
    is_default: bool,
    now: i64,
) -> Result<()> {
    let n = c
        .execute(
            // A rename made here and not sent yet keeps its title (the op sends it).
            "UPDATE task_lists SET \
               title = CASE WHEN EXISTS (SELECT 1 FROM task_ops o WHERE o.local_id = task_lists.local_id \
                 AND o.kind = 'rename_list' AND o.state <> 'failed') THEN title ELSE ?1 END, \
               etag = ?2, updated = ?3, is_default = ?4, updated_at = ?5 \
             WHERE account_id = ?6 AND google_id = ?7",
            params![g.title, g.etag, g.updated, is_default, now, account, g.id],
        )
        .map_err(db("saving task lists"))?;
    if n == 0 {
        c.execute(
            "INSERT INTO task_lists (local_id, account_id, google_id, title, etag, updated, is_default, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![crate::store::new_id("list"), account, g.id, g.title, g.etag, g.updated, is_default, now],
        )
        .map_err(db("saving task lists"))?;
    }
    Ok(())
}

/// No list of the account is the default (Google has none).
pub fn clear_default(c: &Connection, account: &str) -> Result<()> {
    c.execute(
        "UPDATE task_lists SET is_default = 0 WHERE account_id = ?1",
        [account],
    )
    .map_err(db("saving task lists"))?;
    Ok(())
}

/// The pull cursors of the account's lists on Google: (local id, Google id, updatedMin).
pub fn cursors(c: &Connection, account: &str) -> Result<Vec<(String, String, Option<String>)>> {
    let mut st = c
        .prepare("SELECT local_id, google_id, updated_min FROM task_lists WHERE account_id = ?1 AND google_id IS NOT NULL")
        .map_err(db("saving task lists"))?;
    let rows = st
        .query_map([account], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db("saving task lists"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("saving task lists"))
}

/// Moves a list's pull cursor (Google's newest `updated` seen in it).
pub fn set_cursor(c: &Connection, list: &str, updated_min: &str) -> Result<()> {
    c.execute(
        "UPDATE task_lists SET updated_min = ?1 WHERE local_id = ?2",
        params![updated_min, list],
    )
    .map_err(db("saving tasks"))?;
    Ok(())
}

/// A list deleted on Google (on another device): its tasks go with it, as on Google — except
/// tasks changed here and not sent yet, which the user wrote and must not lose. Then the list
/// stays, holding only those, and is created again on Google with them (the list first, then
/// parents before their subtasks). Returns how many tasks were kept.
pub fn list_gone(tx: &Transaction<'_>, account: &str, list: &str) -> Result<usize> {
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
        return Ok(0);
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
    // The list's own changes wait behind its new creation (its title goes with it).
    task_ops::remove_for(
        tx,
        list,
        &[OpKind::InsertList, OpKind::RenameList, OpKind::ClearList],
    )?;
    task_ops::enqueue(
        tx,
        account,
        OpKind::InsertList,
        list,
        &serde_json::json!({}),
    )?;
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
        task_ops::remove_for(tx, t, &OpKind::ALL)?;
        task_ops::enqueue(tx, account, OpKind::Insert, t, &serde_json::json!({}))?;
    }
    // Cleared here: cleared again once the tasks are there.
    let cleared: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE list_local_id = ?1 AND hidden = 1 AND deleted = 0)",
            [list],
            |r| r.get(0),
        )
        .map_err(db("saving task lists"))?;
    if cleared {
        task_ops::enqueue(tx, account, OpKind::ClearList, list, &serde_json::json!({}))?;
    }
    Ok(unsent.len())
}

/// A list as the list changes need it.
struct ListRow {
    account: String,
    google_id: Option<String>,
    is_default: bool,
}

fn list_row(c: &Connection, list: &str) -> Result<ListRow> {
    c.query_row(
        "SELECT account_id, google_id, is_default FROM task_lists WHERE local_id = ?1",
        [list],
        |r| {
            Ok(ListRow {
                account: r.get(0)?,
                google_id: r.get(1)?,
                is_default: r.get(2)?,
            })
        },
    )
    .optional()
    .map_err(db("reading task lists"))?
    .ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Task list {list}"),
    })
}

/// Renames a list here and queues the new title for Google. Returns the account.
pub fn rename(tx: &Transaction<'_>, list: &str, title: &str, now: i64) -> Result<String> {
    let row = list_row(tx, list)?;
    tx.execute(
        "UPDATE task_lists SET title = ?1, updated_at = ?2 WHERE local_id = ?3",
        params![title, now, list],
    )
    .map_err(db("renaming a task list"))?;
    // One rename waiting is enough: it sends the title the list has when it goes.
    tx.execute(
        "DELETE FROM task_ops WHERE local_id = ?1 AND kind = 'rename_list' AND attempts = 0 \
           AND lease_owner IS NULL AND state = 'pending'",
        [list],
    )
    .map_err(db("renaming a task list"))?;
    task_ops::enqueue(
        tx,
        &row.account,
        OpKind::RenameList,
        list,
        &serde_json::json!({}),
    )?;
    Ok(row.account)
}

/// The tasks a list shows here (its own, with their subtasks): how many, for the question
/// asked before deleting it.
pub fn task_count(c: &Connection, list: &str) -> Result<u64> {
    c.query_row(
        // Cleared (hidden) tasks go with the list too, but nobody sees them any more.
        "SELECT count(*) FROM tasks WHERE list_local_id = ?1 AND deleted = 0 AND hidden = 0",
        [list],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(db("reading task lists"))
}

/// Deletes a list and its tasks here and, if Google has it, queues its deletion there (the
/// list's Google id goes in the op: the row is gone). Google keeps the default list: refused.
/// Returns the account.
pub fn delete(tx: &Transaction<'_>, list: &str) -> Result<String> {
    let row = list_row(tx, list)?;
    if row.is_default {
        return Err(LibreOllamaError::InvalidInput(
            "this is the account's default list, which Google Tasks keeps; rename it or clear \
             its completed tasks instead"
                .into(),
        ));
    }
    // Its creation may be reaching Google right now (or did, its answer lost): the Google id
    // to delete is not known yet.
    let in_flight: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM task_ops WHERE local_id = ?1 AND kind = 'insert_list' \
               AND state <> 'failed' AND (sent_at IS NOT NULL OR lease_owner IS NOT NULL))",
            [list],
            |r| r.get(0),
        )
        .map_err(db("deleting a task list"))?;
    if in_flight {
        return Err(LibreOllamaError::InvalidInput(
            "this list is being created in Google Tasks right now; delete it again in a moment"
                .into(),
        ));
    }
    // The list's and its tasks' waiting changes go with them: nothing left to send.
    tx.execute(
        "DELETE FROM task_ops WHERE local_id = ?1 OR local_id IN (SELECT local_id FROM tasks WHERE list_local_id = ?1)",
        [list],
    )
    .map_err(db("deleting a task list"))?;
    // The tasks, their extras and edit marks go with their id map rows (ON DELETE CASCADE).
    tx.execute(
        "DELETE FROM task_id_map WHERE local_id IN (SELECT local_id FROM tasks WHERE list_local_id = ?1)",
        [list],
    )
    .map_err(db("deleting a task list"))?;
    tx.execute("DELETE FROM task_lists WHERE local_id = ?1", [list])
        .map_err(db("deleting a task list"))?;
    if let Some(g) = &row.google_id {
        task_ops::enqueue(
            tx,
            &row.account,
            OpKind::DeleteList,
            list,
            &serde_json::json!({ "google_id": g }),
        )?;
    }
    Ok(row.account)
}

/// Hides the list's completed tasks here (as Google's "clear completed" does) and queues the
/// clear for Google. Each hidden task is marked as edited here, so a pull before the clear
/// reaches Google does not show them again. Returns the account and how many were hidden.
pub fn clear_completed(tx: &Transaction<'_>, list: &str, now_ms: i64) -> Result<(String, usize)> {
    let row = list_row(tx, list)?;
    let ids: Vec<String> = {
        let mut st = tx
            .prepare(&format!(
                "SELECT t.local_id FROM tasks t JOIN task_lists l ON l.local_id = ?1 \
                 WHERE t.deleted = 0 AND t.hidden = 0 AND t.status = 'completed' AND {IN_LIST}"
            ))
            .map_err(db("clearing completed tasks"))?;
        let rows = st
            .query_map([list], |r| r.get(0))
            .map_err(db("clearing completed tasks"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(db("clearing completed tasks"))?;
        rows
    };
    if ids.is_empty() {
        return Ok((row.account, 0));
    }
    for id in &ids {
        tx.execute(
            "UPDATE tasks SET hidden = 1, updated_at = ?1 WHERE local_id = ?2",
            params![now_ms / 1000, id],
        )
        .map_err(db("clearing completed tasks"))?;
        task_ops::mark_dirty(tx, id, &["hidden"], now_ms)?;
    }
    task_ops::enqueue(
        tx,
        &row.account,
        OpKind::ClearList,
        list,
        &serde_json::json!({}),
    )?;
    Ok((row.account, ids.len()))
}
