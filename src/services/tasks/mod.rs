//! The task list, local-first: every change is in the store at once, with its queued op in the
//! same transaction; `sync` pushes the queue and pulls Google's changes (src/sync/tasks has
//! the rules). Priority and labels live in `task_metadata` and no sync touches them.

mod lists;

use std::sync::Arc;

use crate::clock::{now_ms, now_unix};
use crate::error::{LibreOllamaError, Result};
use crate::google::client::GoogleClient;
use crate::google::tasks::TasksApi;
use crate::model::{LocalTask, MoveTo, TaskEdit, TaskListView, TaskView, TasksSyncReport};
use crate::store::locks::PusherLock;
use crate::store::queue::Queue;
use crate::store::task_ops::{self, OpKind};
use crate::store::tasks::{self as store_tasks, FieldChange, NewTask};
use crate::store::{new_id, settings, task_lists, Store};

/// Settings key prefix (then the account id) of why the account's last tasks sync failed.
const SYNC_PROBLEM: &str = "tasks.sync_problem.";
use crate::sync::tasks as sync;

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
    check_named(title, "a task")
}

/// A task's or list's title: trimmed, not empty, at most Google's 1,024 characters.
fn check_named(title: &str, what: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(LibreOllamaError::InvalidInput(format!(
            "{what} needs a title"
        )));
    }
    if t.chars().count() > 1024 {
        return Err(LibreOllamaError::InvalidInput(format!(
            "{what}'s title is too long: Google Tasks keeps at most 1,024 characters"
        )));
    }
    Ok(t.to_string())
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

/// The account a task belongs to; a task that is not here is NotFound.
fn task_account(c: &rusqlite::Connection, id: &str) -> Result<String> {
    store_tasks::account_of(c, id)?.ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Task {id}"),
    })
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
    /// (changes in between go together), and every account syncs at the mail poll interval (`services::on_sync_interval`).
    /// Both skip an account whose sync is running (here or in another process): that pass
    /// sends what is queued.
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
                        if let Err(e) = me.sync_unless_running(&account).await {
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
            if let Err(e) = me.sync_unless_running(&account).await {
                tracing::info!(error = %e, "tasks not sent yet; they stay queued");
            }
        });
    }

    async fn account_of(&self, local_id: &str) -> Option<String> {
        let id = local_id.to_string();
        self.store
            .read(move |c| store_tasks::account_of(c, &id))
            .await
            .ok()
            .flatten()
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
            .read(move |c| task_lists::views(c, account.as_deref()))
            .await
    }

    /// The tasks of a list (with their subtasks), open first, in Google's order; tasks made
    /// here and not sent yet come first, newest on top, as Google places new tasks.
    pub async fn tasks(&self, list: &str) -> Result<Vec<TaskView>> {
        let list = list.to_string();
        self.store
            .read(move |c| store_tasks::in_list(c, &list))
            .await
    }

    /// Every task here (of one account, or all), whatever its list: open first, then by due
    /// date. Includes tasks of accounts without Google lists (mail from an imported archive).
    pub async fn all(&self, account: Option<String>) -> Result<Vec<LocalTask>> {
        self.store
            .read(move |c| store_tasks::list(c, account.as_deref()))
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
            .write(move |c| store_tasks::set_time_block(c, &id, block, now_unix()))
            .await?;
        self.task(local_id).await
    }

    /// Tasks with a time block overlapping [from_ms, to_ms), for the calendar.
    pub async fn blocked_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<TaskView>> {
        self.store
            .read(move |c| store_tasks::blocked_between(c, from_ms, to_ms))
            .await
    }

    /// Every task with a due date in [from, to] (YYYY-MM-DD), for the calendar and agenda.
    pub async fn due_between(&self, from: &str, to: &str) -> Result<Vec<TaskView>> {
        let (from, to) = (from.to_string(), to.to_string());
        self.store
            .read(move |c| store_tasks::due_between(c, &from, &to))
            .await
    }

    pub async fn task(&self, local_id: &str) -> Result<TaskView> {
        let id = local_id.to_string();
        self.store
            .read(move |c| {
                store_tasks::view(c, &id)?.ok_or(LibreOllamaError::NotFound {
                    what: format!("Task {id}"),
                })
            })
            .await
    }

    pub async fn create_list(&self, account: &str, title: &str) -> Result<String> {
        let title = check_named(title, "a list")?;
        let acc = account.to_string();
        self.store
            .transaction(move |tx| {
                let id = new_id("list");
                task_lists::create(tx, &acc, &id, &title, now_unix())?;
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
                let account = task_lists::account_of(tx, &list)?.ok_or_else(|| {
                    LibreOllamaError::NotFound {
                        what: format!("Task list {list}"),
                    }
                })?;
                let id = new_id("task");
                let task = NewTask {
                    account: &account,
                    title: &title,
                    notes: &notes,
                    due: due.as_deref(),
                    list: Some(&list),
                    parent: parent.as_deref(),
                    source_message: None,
                };
                store_tasks::insert(tx, &id, &task, now_unix())?;
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
                let (subject, from) =
                    store_tasks::source_mail(tx, &acc, &mid)?.ok_or_else(|| {
                        LibreOllamaError::NotFound {
                            what: format!("Message {mid} in the mail cache"),
                        }
                    })?;
                let title = if subject.trim().is_empty() {
                    format!("Reply to {from}")
                } else {
                    subject.trim().to_string()
                };
                let list = task_lists::default_list(tx, &acc)?;
                let id = new_id("task");
                let notes = format!("From {from}");
                let task = NewTask {
                    account: &acc,
                    title: &title,
                    notes: &notes,
                    list: list.as_deref(),
                    source_message: Some(&mid),
                    ..NewTask::default()
                };
                store_tasks::insert(tx, &id, &task, now_unix())?;
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
                let account = task_account(tx, &id)?;
                let now = now_unix();
                let mut changes = Vec::new();
                if let Some(t) = &title {
                    changes.push(FieldChange::Title(t));
                }
                if let Some(n) = &edit.notes {
                    changes.push(FieldChange::Notes(n.trim()));
                }
                if let Some(d) = &due {
                    changes.push(FieldChange::Due(d.as_deref()));
                }
                if let Some(done) = edit.completed {
                    changes.push(FieldChange::Completed(done));
                }
                if changes.is_empty() {
                    return Ok(());
                }
                let mut fields = Vec::new();
                let mut payload = serde_json::Map::new();
                for ch in changes {
                    store_tasks::change(tx, &id, ch, now)?;
                    fields.push(ch.field());
                    payload.insert(ch.field().into(), true.into());
                }
                task_ops::mark_dirty(tx, &id, &fields, now_ms())?;
                task_ops::enqueue(tx, &account, OpKind::Patch, &id, &payload.into())
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
                let (account, from_list) =
                    store_tasks::place(tx, &id)?.ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Task {id}"),
                    })?;
                let from_list = match from_list {
                    Some(l) => Some(l),
                    None => task_lists::default_list(tx, &account)?,
                };
                let dest = to.list.clone().or(from_list.clone());
                if let Some(d) = &dest {
                    match task_lists::account_of(tx, d)? {
                        Some(o) if o == account => {}
                        Some(_) => {
                            return Err(LibreOllamaError::InvalidInput(
                                "tasks move between lists of the same account only".into(),
                            ))
                        }
                        None => {
                            return Err(LibreOllamaError::NotFound {
                                what: format!("Task list {d}"),
                            })
                        }
                    }
                }
                if to.parent.as_deref() == Some(id.as_str()) {
                    return Err(LibreOllamaError::InvalidInput(
                        "a task cannot be its own subtask".into(),
                    ));
                }
                store_tasks::set_place(tx, &id, dest.as_deref(), to.parent.as_deref(), now_unix())?;
                task_ops::mark_dirty(tx, &id, &["place"], now_ms())?;
                let payload = MoveTo { from_list, ..to };
                task_ops::enqueue(
                    tx,
                    &account,
                    OpKind::Move,
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
                let account = task_account(tx, &id)?;
                store_tasks::mark_deleted(tx, &id, now_unix())?;
                task_ops::enqueue(tx, &account, OpKind::Delete, &id, &serde_json::json!({}))
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
            .write(move |c| store_tasks::set_meta(c, &id, priority, &labels, now_unix()))
            .await?;
        self.task(local_id).await
    }

    /// Brings Google's changes first (so the conflict rule sees both sides before anything
    /// is overwritten), then sends what changed here, including tasks the pull kept. Waits
    /// while another pass syncs the account (here or in another process), then runs its own:
    /// whoever asks for a sync gets one, and its report.
    pub async fn sync(&self, account: &str) -> Result<TasksSyncReport> {
        let (dir, acc) = (self.store.data_dir().to_path_buf(), account.to_string());
        let _pusher =
            tokio::task::spawn_blocking(move || PusherLock::acquire(&dir, Queue::TaskOps, &acc))
                .await
                .map_err(|e| {
                    LibreOllamaError::Internal(format!("waiting for the tasks sync: {e}"))
                })??;
        self.sync_holding_lock(account).await
    }

    /// A background pass: skipped (None) while another pass syncs the account, which sends
    /// what is queued.
    async fn sync_unless_running(&self, account: &str) -> Result<Option<TasksSyncReport>> {
        let Some(_pusher) =
            PusherLock::try_acquire(self.store.data_dir(), Queue::TaskOps, account)?
        else {
            tracing::debug!("a tasks sync of the account is running; this pass is skipped");
            return Ok(None);
        };
        self.sync_holding_lock(account).await.map(Some)
    }

    /// One pass; the pull settles queued ops too, so both run under the account's lock. How it
    /// went is kept (in the database, so every process and the page see it): an empty Tasks
    /// page can then say why it is empty.
    async fn sync_holding_lock(&self, account: &str) -> Result<TasksSyncReport> {
        let r = self.sync_pass(account).await;
        let (key, problem) = (
            format!("{SYNC_PROBLEM}{account}"),
            r.as_ref().err().map(|e| e.to_string()),
        );
        let saved = self
            .store
            .write(move |c| match problem {
                Some(p) => settings::set(c, &key, &p),
                None => settings::remove(c, &key),
            })
            .await;
        if let Err(e) = saved {
            tracing::warn!(error = %e, "could not keep how the tasks sync went");
        }
        r
    }

    /// Why the last sync of each account failed, for the accounts whose last sync failed:
    /// (account id, reason).
    pub async fn sync_problems(&self) -> Result<Vec<(String, String)>> {
        self.store
            .read(|c| {
                let mut out = Vec::new();
                for account in crate::store::accounts::signed_in(c)? {
                    if let Some(p) =
                        settings::get::<String>(c, &format!("{SYNC_PROBLEM}{account}"))?
                    {
                        out.push((account, p));
                    }
                }
                Ok(out)
            })
            .await
    }

    async fn sync_pass(&self, account: &str) -> Result<TasksSyncReport> {
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
        self.store.read(move |c| task_ops::refused(c, &acc)).await
    }
}
