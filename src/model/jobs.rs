//! Background jobs and the sync state the activity panel shows.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// What a background job does. The UI finds jobs by kind (and account), never by their name,
/// which is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobKind {
    /// Syncing one mail account with Gmail (its queued label changes first).
    MailSync,
    /// Downloading message bodies for offline reading.
    MailBodies,
    /// Sending queued label changes to Gmail.
    MailPush,
    /// Embedding an account's mail so that questions can be asked of it.
    MailIndex,
    /// Downloading a model to a model server.
    ModelPull,
    /// Importing an archive (mbox, maildir, .eml files) into the local archive.
    MailImport,
    /// Anything else.
    Other,
}

/// A background job (sync, body backfill, sending changes) as the activity panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: u64,
    pub kind: JobKind,
    /// The account the job works on, if it works on one.
    pub account: Option<String>,
    pub name: String,
    pub state: JobState,
    pub done: u64,
    /// None while unknown.
    pub total: Option<u64>,
    /// Items per second so far.
    pub rate: f64,
    pub started_unix: i64,
    pub finished_unix: Option<i64>,
    /// The outcome in a sentence (or the error, saying what to do).
    pub message: Option<String>,
}

/// A local change Gmail refused for good; it was undone in the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedChange {
    pub seq: i64,
    pub account_id: String,
    pub message_id: String,
    pub subject: String,
    pub change: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub jobs: Vec<JobView>,
    /// Set when the last contact with Google failed for lack of a connection.
    pub offline: Option<String>,
    pub pending_changes: i64,
    pub failed_changes: Vec<FailedChange>,
    /// Minutes between automatic syncs (0 = only when asked).
    pub poll_minutes: u32,
    pub last_sync_unix: Option<i64>,
}
