//! The local task list (durable user data). A task gets its local id at creation; the id map
//! links it to Google's id once the task has been pushed. Every change made here is queued for
//! Google ([`crate::store::task_ops`]) in the transaction that makes it. Priority, labels and
//! time blocks live in `task_metadata`, which no sync touches.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{LibreOllamaError, Result};
use crate::model::{LocalTask, TaskProposal, TaskView};
use crate::store::task_ops::{self, OpKind};

fn db(e: rusqlite::Error) -> LibreOllamaError {
    LibreOllamaError::db("saving tasks", e)
}

fn dbc(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// A task made here.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewTask<'a> {
    pub account: &'a str,
    pub title: &'a str,
    pub notes: &'a str,
    /// YYYY-MM-DD.
    pub due: Option<&'a str>,
    /// None: the account's default list.
    pub list: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub source_message: Option<&'a str>,
}

/// Adds a task made here with id `id` and queues its insert for Google, in `tx`.
pub fn insert(tx: &Transaction<'_>, id: &str, t: &NewTask<'_>, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO task_id_map (local_id, account_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![id, t.account, now],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO tasks (local_id, title, notes, due_date, list_local_id, parent_local_id, source_message_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![id, t.title, t.notes, t.due, t.list, t.parent, t.source_message, now],
    )
    .map_err(db)?;
    task_ops::enqueue(tx, t.account, OpKind::Insert, id, &serde_json::json!({}))
}

/// Creates the tasks in one transaction; returns their local ids in order.
pub fn create(
    tx: &rusqlite::Transaction<'_>,
    account: &str,
    source_message: Option<&str>,
    tasks: &[TaskProposal],
    now: i64,
    mut new_id: impl FnMut() -> String,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for t in tasks {
        let id = new_id();
        // Queued for Google like any new task (an imported archive's queue is never sent).
        insert(
            tx,
            &id,
            &NewTask {
                account,
                title: &t.title,
                notes: &t.notes,
                due: t.due.as_deref(),
                source_message,
                ..NewTask::default()
            },
            now,
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// Open tasks first, then by due date (undated last), then newest.
pub fn list(c: &Connection, account: Option<&str>) -> Result<Vec<LocalTask>> {
    let mut st = c
        .prepare(
            "SELECT t.local_id, m.account_id, t.title, t.notes, t.due_date, t.status, t.source_message_id, t.created_at \
             FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id \
             WHERE (?1 IS NULL OR m.account_id = ?1) AND t.deleted = 0 AND t.hidden = 0 \
             ORDER BY t.status = 'completed', t.due_date IS NULL, t.due_date, t.created_at DESC, t.local_id",
        )
        .map_err(db)?;
    let rows = st
        .query_map([account], |r| {
            Ok(LocalTask {
                local_id: r.get(0)?,
                account_id: r.get(1)?,
                title: r.get(2)?,
                notes: r.get(3)?,
                due_date: r.get(4)?,
                completed: r.get::<_, String>(5)? == "completed",
                source_message_id: r.get(6)?,
                created_at: r.get(7)?,
            })
        })
        .map_err(db)?;
    rows.collect::<std::result::Result<_, _>>().map_err(db)
}

const TASK_COLS: &str =
    "t.local_id, m.account_id, t.list_local_id, t.parent_local_id, t.title, t.notes, t.due_date, \
     t.status = 'completed', t.position, coalesce(md.priority, 0), coalesce(md.labels, '[]'), \
     EXISTS (SELECT 1 FROM task_ops o WHERE o.local_id = t.local_id), t.source_message_id, \
     md.time_block_start, md.time_block_end";

const TASK_FROM: &str = "tasks t JOIN task_id_map m ON m.local_id = t.local_id \
     LEFT JOIN task_metadata md ON md.task_local_id = t.local_id";

fn task_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TaskView> {
    Ok(TaskView {
        local_id: r.get(0)?,
        account_id: r.get(1)?,
        list_local_id: r.get(2)?,
        parent_local_id: r.get(3)?,
        title: r.get(4)?,
        notes: r.get(5)?,
        due_date: r.get(6)?,
        completed: r.get(7)?,
        position: r.get(8)?,
        priority: r.get::<_, i64>(9)?.clamp(0, 3) as u8,
        labels: serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default(),
        pending: r.get(11)?,
        source_message_id: r.get(12)?,
        block_start_ms: r.get(13)?,
        block_end_ms: r.get(14)?,
    })
}

fn views(
    c: &Connection,
    filter_and_order: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<TaskView>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE {filter_and_order}"
        ))
        .map_err(dbc("reading tasks"))?;
    let rows = st.query_map(p, task_row).map_err(dbc("reading tasks"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(dbc("reading tasks"))
}

/// One task with its extras and sync state, if it is here.
pub fn view(c: &Connection, local_id: &str) -> Result<Option<TaskView>> {
    c.query_row(
        &format!("SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.local_id = ?1"),
        [local_id],
        task_row,
    )
    .optional()
    .map_err(dbc("reading a task"))
}

/// The tasks of a list (with their subtasks; the default list also holds the account's tasks
/// without a list), in Google's order; tasks made here and not sent yet come first, newest on
/// top, as Google places new tasks. NotFound if the list is not here.
pub fn in_list(c: &Connection, list: &str) -> Result<Vec<TaskView>> {
    let (account, is_default): (String, bool) = c
        .query_row(
            "SELECT account_id, is_default FROM task_lists WHERE local_id = ?1",
            [list],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(dbc("reading tasks"))?
        .ok_or_else(|| LibreOllamaError::NotFound {
            what: format!("Task list {list}"),
        })?;
    views(
        c,
        "t.deleted = 0 AND t.hidden = 0 AND (t.list_local_id = ?1 OR (?2 AND t.list_local_id IS NULL AND m.account_id = ?3)) \
         ORDER BY t.position <> '', t.position, t.created_at DESC, t.local_id",
        params![list, is_default, account],
    )
}

/// Tasks with a time block overlapping [from_ms, to_ms).
pub fn blocked_between(c: &Connection, from_ms: i64, to_ms: i64) -> Result<Vec<TaskView>> {
    views(
        c,
        "t.deleted = 0 AND t.hidden = 0 AND md.time_block_start < ?2 AND md.time_block_end > ?1 ORDER BY md.time_block_start",
        params![from_ms, to_ms],
    )
}

/// Tasks with a due date in [from, to] (YYYY-MM-DD).
pub fn due_between(c: &Connection, from: &str, to: &str) -> Result<Vec<TaskView>> {
    views(
        c,
        "t.deleted = 0 AND t.hidden = 0 AND t.due_date BETWEEN ?1 AND ?2 ORDER BY t.due_date, t.position, t.local_id",
        params![from, to],
    )
}

/// The account a task belongs to, if the task is here.
pub fn account_of(c: &Connection, local_id: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT account_id FROM task_id_map WHERE local_id = ?1",
        [local_id],
        |r| r.get(0),
    )
    .optional()
    .map_err(dbc("reading a task"))
}

/// The account of a task and the list it is in (None: the default list), if it is here.
pub fn place(c: &Connection, local_id: &str) -> Result<Option<(String, Option<String>)>> {
    c.query_row(
        "SELECT m.account_id, t.list_local_id FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id WHERE t.local_id = ?1",
        [local_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(dbc("moving a task"))
}

/// Subject and sender of a cached mail (to make a task of it), if it is in the cache.
pub fn source_mail(
    c: &Connection,
    account: &str,
    message_id: &str,
) -> Result<Option<(String, String)>> {
    c.query_row(
        "SELECT subject, from_addr FROM mail_messages WHERE account_id = ?1 AND id = ?2",
        params![account, message_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(dbc("making a task from a mail"))
}

/// One field of a task changed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldChange<'a> {
    Title(&'a str),
    Notes(&'a str),
    /// YYYY-MM-DD, or None to clear it.
    Due(Option<&'a str>),
    Completed(bool),
}

impl FieldChange<'_> {
    /// The field's name in `task_dirty_fields` and in a patch op's payload.
    pub fn field(&self) -> &'static str {
        match self {
            FieldChange::Title(_) => "title",
            FieldChange::Notes(_) => "notes",
            FieldChange::Due(_) => "due",
            FieldChange::Completed(_) => "status",
        }
    }
}

/// Writes one changed field (the caller marks it dirty and queues the patch in `tx`).
pub fn change(tx: &Transaction<'_>, local_id: &str, ch: FieldChange<'_>, now: i64) -> Result<()> {
    let r = match ch {
        FieldChange::Title(t) => tx.execute(
            "UPDATE tasks SET title = ?1, updated_at = ?2 WHERE local_id = ?3",
            params![t, now, local_id],
        ),
        FieldChange::Notes(n) => tx.execute(
            "UPDATE tasks SET notes = ?1, updated_at = ?2 WHERE local_id = ?3",
            params![n, now, local_id],
        ),
        FieldChange::Due(d) => tx.execute(
            "UPDATE tasks SET due_date = ?1, updated_at = ?2 WHERE local_id = ?3",
            params![d, now, local_id],
        ),
        FieldChange::Completed(done) => tx.execute(
            "UPDATE tasks SET status = ?1, completed_at = ?2, updated_at = ?3 WHERE local_id = ?4",
            params![
                if done { "completed" } else { "needsAction" },
                done.then_some(now),
                now,
                local_id
            ],
        ),
    };
    r.map_err(dbc("changing a task"))?;
    Ok(())
}

/// Puts a task in a list (None: the default list) under a parent; its subtasks come along.
pub fn set_place(
    tx: &Transaction<'_>,
    local_id: &str,
    list: Option<&str>,
    parent: Option<&str>,
    now: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET list_local_id = ?1, parent_local_id = ?2, updated_at = ?3 WHERE local_id = ?4",
        params![list, parent, now, local_id],
    )
    .map_err(dbc("moving a task"))?;
    // Subtasks stay with their parent.
    tx.execute(
        "UPDATE tasks SET list_local_id = ?1, updated_at = ?2 WHERE parent_local_id = ?3",
        params![list, now, local_id],
    )
    .map_err(dbc("moving a task"))?;
    Ok(())
}

/// Marks a task and its subtasks deleted here (the rows go once Google has the delete).
pub fn mark_deleted(tx: &Transaction<'_>, local_id: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE tasks SET deleted = 1, updated_at = ?1 WHERE local_id = ?2 OR parent_local_id = ?2",
        params![now, local_id],
    )
    .map_err(dbc("deleting a task"))?;
    Ok(())
}

/// Sets (or clears, with None) the time set aside for a task. Local only.
pub fn set_time_block(
    c: &Connection,
    local_id: &str,
    block: Option<(i64, i64)>,
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO task_metadata (task_local_id, time_block_start, time_block_end, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT(task_local_id) DO UPDATE SET time_block_start = excluded.time_block_start, \
           time_block_end = excluded.time_block_end, updated_at = excluded.updated_at",
        params![local_id, block.map(|b| b.0), block.map(|b| b.1), now],
    )
    .map_err(dbc("saving a time block"))?;
    Ok(())
}

/// Sets a task's priority (0–3) and labels (a JSON array). Local only.
pub fn set_meta(
    c: &Connection,
    local_id: &str,
    priority: u8,
    labels_json: &str,
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO task_metadata (task_local_id, priority, labels, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT(task_local_id) DO UPDATE SET priority = excluded.priority, labels = excluded.labels, updated_at = excluded.updated_at",
        params![local_id, priority, labels_json, now],
    )
    .map_err(dbc("saving task details"))?;
    Ok(())
}
