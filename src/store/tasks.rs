//! The local task list (durable user data). A task gets its local id at creation; the id map
//! links it to Google's id once the task has been pushed.

use rusqlite::{params, Connection};

use crate::error::{LibreOllamaError, Result};
use crate::model::{LocalTask, TaskProposal};

fn db(e: rusqlite::Error) -> LibreOllamaError {
    LibreOllamaError::db("saving tasks", e)
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
        tx.execute(
            "INSERT INTO task_id_map (local_id, account_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            params![id, account, now],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT INTO tasks (local_id, title, notes, due_date, source_message_id, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![id, t.title, t.notes, t.due, source_message, now],
        )
        .map_err(db)?;
        // Queued for Google like any new task (an imported archive's queue is never sent).
        crate::sync::tasks::enqueue(tx, account, "insert", &id, &serde_json::json!({}))?;
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
             WHERE (?1 IS NULL OR m.account_id = ?1) AND t.deleted = 0 \
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
