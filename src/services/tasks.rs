//! The task list, local-first: every change is in the store at once, with its queued op in the
//! same transaction; `sync` pushes the queue and pulls Google's changes (src/sync/tasks.rs has
//! the rules). Priority and labels live in `task_metadata` and no sync touches them.

use std::sync::Arc;

use rusqlite::{params, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::google::client::GoogleClient;
use crate::google::tasks::TasksApi;
use crate::model::{TaskListView, TaskView, TasksSyncReport};
use crate::store::{now_unix, Store};
use crate::sync::tasks::{self as sync, enqueue, mark_dirty, new_id, now_ms, MoveTo, TaskEdit};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// A due date as the user typed it, checked: YYYY-MM-DD and a real day.
fn check_due(due: &Option<String>) -> Result<Option<String>> {
    match due.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|_| Some(d.to_string()))
            .map_err(|_| {
                LibreOllamaError::InvalidInput(format!(
                    "'{d}' is not a date; write it like 2026-12-01"
                ))
            }),
    }
}

fn check_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(LibreOllamaError::InvalidInput(
            "a task needs a title".into(),
        ));
    }
    Ok(t.to_string())
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

pub struct TasksService {
    store: Store,
    google: Arc<GoogleClient>,
    base: String,
    /// Set by the app (not by tests and the CLI): a change is sent a moment after it is made.
    auto_push: std::sync::atomic::AtomicBool,
    /// Accounts with a send scheduled.
    scheduled: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl TasksService {
    pub fn new(store: Store, google: Arc<GoogleClient>, base: String) -> Self {
        TasksService {
            store,
            google,
            base,
            auto_push: std::sync::atomic::AtomicBool::new(false),
            scheduled: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// The app's background work: each change is sent about two seconds after it is made
    /// (changes in between go together), and every account syncs every `minutes()` minutes.
    pub fn start_background(self: &Arc<Self>) {
        self.auto_push
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let me = self.clone();
        super::on_sync_interval(
            self.store.clone(),
            std::time::Duration::from_secs(5),
            move || {
                let me = me.clone();
                async move {
                    for account in me.syncable_accounts().await.unwrap_or_default() {
                        if let Err(e) = me.sync(&account).await {
                            tracing::warn!(error = %e, "scheduled tasks sync failed; changes stay queued");
                        }
                    }
                }
            },
        );
    }

    /// Accounts with task lists from Google (an imported archive has none).
    async fn syncable_accounts(&self) -> Result<Vec<String>> {
        self.store.read(crate::store::accounts::signed_in).await
    }

    /// After a change: send it soon, if the app asked for that.
    fn changed(self: &Arc<Self>, account: &str) {
        if !self.auto_push.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if !self.scheduled.lock().unwrap().insert(account.to_string()) {
            return;
        }
        let (me, account) = (self.clone(), account.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            me.scheduled.lock().unwrap().remove(&account);
            if let Err(e) = me.sync(&account).await {
                tracing::info!(error = %e, "tasks not sent yet; they stay queued");
            }
        });
    }

    async fn account_of(&self, local_id: &str) -> Option<String> {
        let id = local_id.to_string();
        self.store
            .read(move |c| task_account(c, &id, "reading a task"))
            .await
            .ok()
    }

    /// Schedules a send for the task's account (see `changed`).
    pub async fn touched(self: &Arc<Self>, local_id: &str) {
        if let Some(a) = self.account_of(local_id).await {
            self.changed(&a);
        }
    }

    /// Schedules a send for an account (see `changed`).
    pub fn touched_account(self: &Arc<Self>, account: &str) {
        self.changed(account);
    }

    pub async fn lists(&self, account: Option<String>) -> Result<Vec<TaskListView>> {
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(
                        "SELECT l.local_id, l.account_id, l.title, l.is_default, l.google_id IS NOT NULL, \
                           (SELECT count(*) FROM tasks t WHERE t.deleted = 0 AND t.status <> 'completed' AND \
                              (t.list_local_id = l.local_id OR (t.list_local_id IS NULL AND l.is_default = 1 AND \
                                 EXISTS (SELECT 1 FROM task_id_map m WHERE m.local_id = t.local_id AND m.account_id = l.account_id)))) \
                         FROM task_lists l WHERE ?1 IS NULL OR l.account_id = ?1 \
                         ORDER BY l.account_id, l.is_default DESC, l.title COLLATE NOCASE, l.local_id",
                    )
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
                        })
                    })
                    .map_err(db("reading task lists"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading task lists"))
            })
            .await
    }

    /// The tasks of a list (with their subtasks), open first, in Google's order; tasks made
    /// here and not sent yet come first, newest on top, as Google places new tasks.
    pub async fn tasks(&self, list: &str) -> Result<Vec<TaskView>> {
        let list = list.to_string();
        self.store
            .read(move |c| {
                let (account, is_default): (String, bool) = c
                    .query_row(
                        "SELECT account_id, is_default FROM task_lists WHERE local_id = ?1",
                        [&list],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(db("reading tasks"))?
                    .ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Task list {list}"),
                    })?;
                let mut st = c
                    .prepare(&format!(
                        "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.deleted = 0 AND \
                           (t.list_local_id = ?1 OR (?2 AND t.list_local_id IS NULL AND m.account_id = ?3)) \
                         ORDER BY t.position <> '', t.position, t.created_at DESC, t.local_id"
                    ))
                    .map_err(db("reading tasks"))?;
                let rows = st
                    .query_map(params![list, is_default, account], task_row)
                    .map_err(db("reading tasks"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading tasks"))
            })
            .await
    }

    /// Sets aside a time for a task (None clears it). Local only, like priority and labels.
    pub async fn set_time_block(
        &self,
        local_id: &str,
        block: Option<(i64, i64)>,
    ) -> Result<TaskView> {
        if let Some((a, b)) = block {
            if b <= a {
                return Err(LibreOllamaError::InvalidInput(
                    "a time block must end after it starts".into(),
                ));
            }
        }
        let id = local_id.to_string();
        self.store
            .write(move |c| {
                let now = now_unix();
                c.execute(
                    "INSERT INTO task_metadata (task_local_id, time_block_start, time_block_end, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
                     ON CONFLICT(task_local_id) DO UPDATE SET time_block_start = excluded.time_block_start, \
                       time_block_end = excluded.time_block_end, updated_at = excluded.updated_at",
                    params![id, block.map(|b| b.0), block.map(|b| b.1), now],
                )
                .map_err(db("saving a time block"))?;
                Ok(())
            })
            .await?;
        self.task(local_id).await
    }

    /// Tasks with a time block overlapping [from_ms, to_ms), for the calendar.
    pub async fn blocked_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<TaskView>> {
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(&format!(
                        "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.deleted = 0 \
                         AND md.time_block_start < ?2 AND md.time_block_end > ?1 ORDER BY md.time_block_start"
                    ))
                    .map_err(db("reading tasks"))?;
                let rows = st
                    .query_map(params![from_ms, to_ms], task_row)
                    .map_err(db("reading tasks"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading tasks"))
            })
            .await
    }

    /// Every task with a due date in [from, to] (YYYY-MM-DD), for the calendar and agenda.
    pub async fn due_between(&self, from: &str, to: &str) -> Result<Vec<TaskView>> {
        let (from, to) = (from.to_string(), to.to_string());
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(&format!(
                        "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.deleted = 0 AND t.due_date BETWEEN ?1 AND ?2 \
                         ORDER BY t.due_date, t.position, t.local_id"
                    ))
                    .map_err(db("reading tasks"))?;
                let rows = st
                    .query_map(params![from, to], task_row)
                    .map_err(db("reading tasks"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading tasks"))
            })
            .await
    }

    pub async fn task(&self, local_id: &str) -> Result<TaskView> {
        let id = local_id.to_string();
        self.store
            .read(move |c| {
                c.query_row(
                    &format!("SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.local_id = ?1"),
                    [&id],
                    task_row,
                )
                .optional()
                .map_err(db("reading a task"))?
                .ok_or(LibreOllamaError::NotFound {
                    what: format!("Task {id}"),
                })
            })
            .await
    }

    pub async fn create_list(&self, account: &str, title: &str) -> Result<String> {
        let title = check_title(title)?;
        let acc = account.to_string();
        self.store
            .transaction(move |tx| {
                let id = new_id("list");
                let now = now_unix();
                tx.execute(
                    "INSERT INTO task_lists (local_id, account_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![id, acc, title, now],
                )
                .map_err(db("saving a task list"))?;
                enqueue(tx, &acc, "insert_list", &id, &serde_json::json!({}))?;
                Ok(id)
            })
            .await
    }

    /// Adds a task (at the top of its list, or under `parent`).
    pub async fn add(
        &self,
        list: &str,
        title: &str,
        notes: &str,
        due: Option<String>,
        parent: Option<String>,
    ) -> Result<TaskView> {
        let title = check_title(title)?;
        let due = check_due(&due)?;
        let (list, notes) = (list.to_string(), notes.trim().to_string());
        let id = self
            .store
            .transaction(move |tx| {
                let account: String = tx
                    .query_row(
                        "SELECT account_id FROM task_lists WHERE local_id = ?1",
                        [&list],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db("adding a task"))?
                    .ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Task list {list}"),
                    })?;
                let id = new_id("task");
                let now = now_unix();
                tx.execute(
                    "INSERT INTO task_id_map (local_id, account_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    params![id, account, now],
                )
                .map_err(db("adding a task"))?;
                tx.execute(
                    "INSERT INTO tasks (local_id, title, notes, due_date, list_local_id, parent_local_id, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    params![id, title, notes, due, list, parent, now],
                )
                .map_err(db("adding a task"))?;
                enqueue(tx, &account, "insert", &id, &serde_json::json!({}))?;
                Ok(id)
            })
            .await?;
        self.task(&id).await
    }

    /// "Create task from this message": titled after the mail, linked back to it, in the
    /// account's default list.
    pub async fn from_message(&self, account: &str, message_id: &str) -> Result<TaskView> {
        let (acc, mid) = (account.to_string(), message_id.to_string());
        let id = self
            .store
            .transaction(move |tx| {
                let (subject, from): (String, String) = tx
                    .query_row(
                        "SELECT subject, from_addr FROM mail_messages WHERE account_id = ?1 AND id = ?2",
                        params![acc, mid],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(db("making a task from a mail"))?
                    .ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Message {mid} in the mail cache"),
                    })?;
                let title = if subject.trim().is_empty() {
                    format!("Reply to {from}")
                } else {
                    subject.trim().to_string()
                };
                let list = sync::default_list(tx, &acc)?;
                let id = new_id("task");
                let now = now_unix();
                tx.execute(
                    "INSERT INTO task_id_map (local_id, account_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    params![id, acc, now],
                )
                .map_err(db("making a task from a mail"))?;
                tx.execute(
                    "INSERT INTO tasks (local_id, title, notes, list_local_id, source_message_id, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![id, title, format!("From {from}"), list, mid, now],
                )
                .map_err(db("making a task from a mail"))?;
                enqueue(tx, &acc, "insert", &id, &serde_json::json!({}))?;
                Ok(id)
            })
            .await?;
        self.task(&id).await
    }

    pub async fn edit(&self, local_id: &str, edit: TaskEdit) -> Result<TaskView> {
        let title = edit.title.as_deref().map(check_title).transpose()?;
        let due = match &edit.due {
            Some(d) => Some(check_due(d)?),
            None => None,
        };
        let id = local_id.to_string();
        self.store
            .transaction(move |tx| {
                let account = task_account(tx, &id, "changing a task")?;
                let now = now_unix();
                let mut fields = Vec::new();
                let mut payload = serde_json::Map::new();
                if let Some(t) = &title {
                    tx.execute("UPDATE tasks SET title = ?1, updated_at = ?2 WHERE local_id = ?3", params![t, now, id])
                        .map_err(db("changing a task"))?;
                    fields.push("title");
                    payload.insert("title".into(), true.into());
                }
                if let Some(n) = &edit.notes {
                    tx.execute("UPDATE tasks SET notes = ?1, updated_at = ?2 WHERE local_id = ?3", params![n.trim(), now, id])
                        .map_err(db("changing a task"))?;
                    fields.push("notes");
                    payload.insert("notes".into(), true.into());
                }
                if let Some(d) = &due {
                    tx.execute("UPDATE tasks SET due_date = ?1, updated_at = ?2 WHERE local_id = ?3", params![d, now, id])
                        .map_err(db("changing a task"))?;
                    fields.push("due");
                    payload.insert("due".into(), true.into());
                }
                if let Some(done) = edit.completed {
                    tx.execute(
                        "UPDATE tasks SET status = ?1, completed_at = ?2, updated_at = ?3 WHERE local_id = ?4",
                        params![if done { "completed" } else { "needsAction" }, done.then_some(now), now, id],
                    )
                    .map_err(db("changing a task"))?;
                    fields.push("status");
                    payload.insert("status".into(), true.into());
                }
                if fields.is_empty() {
                    return Ok(());
                }
                mark_dirty(tx, &id, &fields, now_ms())?;
                enqueue(tx, &account, "patch", &id, &payload.into())
            })
            .await?;
        self.task(local_id).await
    }

    pub async fn set_completed(&self, local_id: &str, done: bool) -> Result<TaskView> {
        self.edit(
            local_id,
            TaskEdit {
                completed: Some(done),
                ..TaskEdit::default()
            },
        )
        .await
    }

    /// Moves a task (and its subtasks) within its list or to another list of the same account.
    pub async fn move_task(&self, local_id: &str, to: MoveTo) -> Result<TaskView> {
        let id = local_id.to_string();
        self.store
            .transaction(move |tx| {
                let (account, from_list): (String, Option<String>) = tx
                    .query_row(
                        "SELECT m.account_id, t.list_local_id FROM tasks t JOIN task_id_map m ON m.local_id = t.local_id WHERE t.local_id = ?1",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(db("moving a task"))?
                    .ok_or_else(|| LibreOllamaError::NotFound { what: format!("Task {id}") })?;
                let from_list = match from_list {
                    Some(l) => Some(l),
                    None => sync::default_list(tx, &account)?,
                };
                let dest = to.list.clone().or(from_list.clone());
                if let Some(d) = &dest {
                    let owner: Option<String> = tx
                        .query_row("SELECT account_id FROM task_lists WHERE local_id = ?1", [d], |r| r.get(0))
                        .optional()
                        .map_err(db("moving a task"))?;
                    match owner {
                        Some(o) if o == account => {}
                        Some(_) => {
                            return Err(LibreOllamaError::InvalidInput(
                                "tasks move between lists of the same account only".into(),
                            ))
                        }
                        None => return Err(LibreOllamaError::NotFound { what: format!("Task list {d}") }),
                    }
                }
                if to.parent.as_deref() == Some(id.as_str()) {
                    return Err(LibreOllamaError::InvalidInput("a task cannot be its own subtask".into()));
                }
                let now = now_unix();
                tx.execute(
                    "UPDATE tasks SET list_local_id = ?1, parent_local_id = ?2, updated_at = ?3 WHERE local_id = ?4",
                    params![dest, to.parent, now, id],
                )
                .map_err(db("moving a task"))?;
                // Subtasks stay with their parent.
                tx.execute(
                    "UPDATE tasks SET list_local_id = ?1, updated_at = ?2 WHERE parent_local_id = ?3",
                    params![dest, now, id],
                )
                .map_err(db("moving a task"))?;
                mark_dirty(tx, &id, &["place"], now_ms())?;
                let payload = MoveTo { from_list, ..to };
                enqueue(
                    tx,
                    &account,
                    "move",
                    &id,
                    &serde_json::to_value(&payload).map_err(LibreOllamaError::json)?,
                )
            })
            .await?;
        self.task(local_id).await
    }

    /// Deletes a task and its subtasks here at once; Google follows on the next push.
    pub async fn delete(&self, local_id: &str) -> Result<()> {
        let id = local_id.to_string();
        self.store
            .transaction(move |tx| {
                let account = task_account(tx, &id, "deleting a task")?;
                tx.execute(
                    "UPDATE tasks SET deleted = 1, updated_at = ?1 WHERE local_id = ?2 OR parent_local_id = ?2",
                    params![now_unix(), id],
                )
                .map_err(db("deleting a task"))?;
                enqueue(tx, &account, "delete", &id, &serde_json::json!({}))
            })
            .await
    }

    /// Priority (0–3) and labels: kept here only, never touched by a sync.
    pub async fn set_meta(
        &self,
        local_id: &str,
        priority: u8,
        labels: Vec<String>,
    ) -> Result<TaskView> {
        if priority > 3 {
            return Err(LibreOllamaError::InvalidInput(
                "priority goes from 0 (none) to 3 (high)".into(),
            ));
        }
        let labels: Vec<String> = labels
            .into_iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        let (id, labels) = (
            local_id.to_string(),
            serde_json::to_string(&labels).map_err(LibreOllamaError::json)?,
        );
        self.store
            .write(move |c| {
                let now = now_unix();
                c.execute(
                    "INSERT INTO task_metadata (task_local_id, priority, labels, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
                     ON CONFLICT(task_local_id) DO UPDATE SET priority = excluded.priority, labels = excluded.labels, updated_at = excluded.updated_at",
                    params![id, priority, labels, now],
                )
                .map_err(db("saving task details"))?;
                Ok(())
            })
            .await?;
        self.task(local_id).await
    }

    /// Brings Google's changes first (so the conflict rule sees both sides before anything
    /// is overwritten), then sends what changed here, including tasks the pull kept.
    pub async fn sync(&self, account: &str) -> Result<TasksSyncReport> {
        let api = TasksApi::new(self.google.clone(), self.base.clone(), account);
        let pull = sync::pull(&self.store, &api, account).await?;
        let push = sync::push(&self.store, &api, account).await?;
        Ok(TasksSyncReport {
            sent: push.sent,
            adopted: push.adopted,
            refused: push.failed,
            added: pull.added,
            updated: pull.updated,
            deleted: pull.deleted,
            kept: pull.kept,
        })
    }

    /// Queued changes Google refused, with why.
    pub async fn refused(&self, account: &str) -> Result<Vec<(i64, String, String)>> {
        let acc = account.to_string();
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare("SELECT seq, kind, coalesce(last_error, '') FROM task_ops WHERE account_id = ?1 AND state = 'failed' ORDER BY seq")
                    .map_err(db("reading task changes"))?;
                let rows = st
                    .query_map([&acc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(db("reading task changes"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading task changes"))
            })
            .await
    }
}

/// The account a task belongs to; a task that is not here is NotFound.
fn task_account(c: &rusqlite::Connection, id: &str, ctx: &'static str) -> Result<String> {
    c.query_row(
        "SELECT account_id FROM task_id_map WHERE local_id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
    .map_err(db(ctx))?
    .ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Task {id}"),
    })
}
