//! Task lists and tasks, as kept here and mirrored with Google Tasks.

use serde::{Deserialize, Serialize};

/// A task in the local task list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalTask {
    pub local_id: String,
    pub account_id: String,
    pub title: String,
    pub notes: String,
    pub due_date: Option<String>,
    pub completed: bool,
    pub source_message_id: Option<String>,
    pub created_at: i64,
}

/// A task list: mirrored from Google Tasks, or made here and waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskListView {
    pub local_id: String,
    pub account_id: String,
    pub title: String,
    pub is_default: bool,
    /// False while the list exists only here.
    pub on_google: bool,
    pub open_tasks: u64,
    /// Completed tasks still shown (not cleared).
    #[serde(default)]
    pub completed_tasks: u64,
}

/// A task with what Google has no field for (priority, labels) and its sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub local_id: String,
    pub account_id: String,
    pub list_local_id: Option<String>,
    pub parent_local_id: Option<String>,
    pub title: String,
    pub notes: String,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    pub completed: bool,
    pub position: String,
    /// 0 none … 3 high.
    pub priority: u8,
    pub labels: Vec<String>,
    /// Changes made here that have not reached Google yet.
    pub pending: bool,
    pub source_message_id: Option<String>,
    /// A time set aside for the task (Unix ms), shown on the calendar; kept here only.
    pub block_start_ms: Option<i64>,
    pub block_end_ms: Option<i64>,
}

/// What a tasks sync did, for the activity line and the CLI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TasksSyncReport {
    pub sent: usize,
    pub adopted: usize,
    pub refused: usize,
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    pub kept: usize,
}

/// Fields of a task the user can change (None = unchanged; `due: Some(None)` clears it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskEdit {
    pub title: Option<String>,
    pub notes: Option<String>,
    pub due: Option<Option<String>>,
    pub completed: Option<bool>,
}

/// Where a move goes: a list (None = the task's own) and a place in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MoveTo {
    pub list: Option<String>,
    pub parent: Option<String>,
    pub previous: Option<String>,
    /// The list the task was in when moved (set when the move is queued).
    #[serde(default)]
    pub from_list: Option<String>,
}
