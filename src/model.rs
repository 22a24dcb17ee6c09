//! Plain data shared by every target: what the command layer returns and the UI shows.
//! Compiled for wasm too, so nothing here may depend on the backend.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's light/dark preference.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiSettings {
    pub theme: Theme,
    pub log_level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MigrationInfo {
    pub version: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DbHealth {
    /// `["ok"]`, or the problems integrity_check listed.
    pub integrity: Vec<String>,
    pub foreign_key_violations: usize,
    pub journal_mode: String,
    pub page_count: i64,
    pub page_size: i64,
}

impl DbHealth {
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"] && self.foreign_key_violations == 0 && self.journal_mode == "wal"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VaultStatus {
    /// "keyring" or "file".
    pub backend: String,
    pub backend_description: String,
    /// Why the OS keyring is not used, when the key file is.
    pub fallback_reason: Option<String>,
    pub active_key_id: String,
    pub key_count: usize,
}

/// One stored token described without revealing it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenSummary {
    pub present: bool,
    /// Length of the plaintext token.
    pub length: usize,
    /// First 4 bytes of SHA-256 of the token, hex.
    pub fingerprint: String,
    /// Set when the stored value does not decrypt.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RedactedAccount {
    pub id: String,
    pub email_address: String,
    pub display_name: Option<String>,
    pub is_active: bool,
    pub requires_reauth: bool,
    pub scopes: Vec<String>,
    pub token_expires_at: Option<i64>,
    pub access_token: TokenSummary,
    pub refresh_token: TokenSummary,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    Warning,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticsReport {
    pub app_version: String,
    pub data_dir: String,
    pub db_path: String,
    pub db_size_bytes: u64,
    pub log_file: Option<String>,
    pub db: DbHealth,
    pub applied_migrations: Vec<MigrationInfo>,
    pub embedded_migrations: Vec<MigrationInfo>,
    pub vault: VaultStatus,
    pub accounts: Vec<RedactedAccount>,
    pub checks: Vec<Check>,
}

impl DiagnosticsReport {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Failed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    /// Where the command layer runs: "in-process" or "server".
    pub runtime: String,
}

/// How the caller should react to an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorClass {
    /// Trying again later may work (network down, rate limited, database busy).
    Retryable,
    /// The user must sign in to the account again.
    NeedsReauth,
    /// The user can fix it (bad input, configuration).
    UserFixable,
    /// Something is broken; retrying will not help.
    Fatal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    NeedsReauth,
    Inactive,
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::NeedsReauth => "Needs sign-in",
            AccountStatus::Inactive => "Inactive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub picture_url: Option<String>,
    pub status: AccountStatus,
    pub token_expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

/// Where the Google OAuth client configuration comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthClientStatus {
    pub client_id: Option<String>,
    pub has_secret: bool,
    /// "environment", "settings" or "missing".
    pub source: String,
    /// (scope, why we ask for it)
    pub scopes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovalReport {
    pub email: String,
    pub revoked: bool,
    /// Why revocation at Google failed (the account is removed locally regardless).
    pub revoke_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthCheck {
    pub email: String,
    pub status: AccountStatus,
    pub expires_in_secs: Option<i64>,
    pub scopes_granted: Vec<String>,
    pub scopes_missing: Vec<String>,
    /// Result of a forced refresh: None = ok, Some(reason) = failed.
    pub refresh_error: Option<String>,
}

/// A sign-in started from the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInStarted {
    pub auth_url: String,
    /// Set when the system browser could not be opened; the UI shows the link instead.
    pub browser_error: Option<String>,
}

/// A label or system folder with its counts from the local cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailLabel {
    pub id: String,
    pub name: String,
    pub system: bool,
    pub unread: i64,
    pub total: i64,
}

/// An account as the mail sidebar shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailAccount {
    pub id: String,
    pub email: String,
    /// Imported archives have no server: nothing to sync, no actions to push.
    pub is_archive: bool,
    pub labels: Vec<MailLabel>,
}

/// Where the next page of a message list starts (newest first, stable while mail arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailCursor {
    pub internal_date: i64,
    pub rowid: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailRow {
    pub account_id: String,
    pub id: String,
    pub thread_id: String,
    pub date_ms: i64,
    pub from: String,
    pub subject: String,
    pub snippet: String,
    pub unread: bool,
    pub starred: bool,
    pub has_attachment: bool,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailPage {
    pub rows: Vec<MailRow>,
    pub next: Option<MailCursor>,
    /// Gmail's page token, for a search asked of Gmail online.
    #[serde(default)]
    pub next_token: Option<String>,
    /// Milliseconds the local search took (shown next to the results).
    pub took_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub part_id: String,
    pub filename: String,
    pub mime_type: String,
    pub size: i64,
}

/// An HTML body ready for a sandboxed frame's `srcdoc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtmlBody {
    pub srcdoc: String,
    /// Remote images left out (0 when they are shown).
    pub blocked_images: usize,
    pub images_shown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub from: String,
    /// The sender's address alone (for "always show images from").
    pub sender: String,
    pub to: String,
    pub cc: String,
    pub date_ms: i64,
    pub subject: String,
    pub labels: Vec<String>,
    pub text: Option<String>,
    pub html: Option<HtmlBody>,
    pub attachments: Vec<AttachmentView>,
    /// Why the body is not here (offline, not downloaded yet), when it is not.
    pub body_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    pub account_id: String,
    pub thread_id: String,
    pub subject: String,
    pub messages: Vec<MessageView>,
}

/// What a person can do to messages from the list or the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailAction {
    Archive,
    MoveToInbox,
    MarkRead,
    MarkUnread,
    Star,
    Unstar,
    Trash,
    Untrash,
    AddLabel(String),
    RemoveLabel(String),
}

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

/// Which API a model server speaks. Stored as its text ("ollama", "openai").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    /// Ollama's own API (pull and delete models, version).
    #[default]
    Ollama,
    /// Any OpenAI-compatible server: llama.cpp, LM Studio, vLLM, Jan.
    OpenAi,
}

impl EndpointKind {
    pub const ALL: [EndpointKind; 2] = [EndpointKind::Ollama, EndpointKind::OpenAi];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "ollama",
            EndpointKind::OpenAi => "openai",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "Ollama",
            EndpointKind::OpenAi => "OpenAI-compatible (llama.cpp, LM Studio, vLLM, Jan)",
        }
    }

    /// Where a server of this kind usually listens on this computer.
    pub fn default_url(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "http://localhost:11434",
            EndpointKind::OpenAi => "http://127.0.0.1:8080",
        }
    }
}

impl std::fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EndpointKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EndpointKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a kind of model server; choose ollama or openai (OpenAI-compatible: llama.cpp, LM Studio, vLLM, Jan)"
                )
            })
    }
}

/// A model server the user configured (the API key itself never leaves the vault).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiEndpoint {
    pub id: String,
    pub name: String,
    pub kind: EndpointKind,
    pub base_url: String,
    pub has_api_key: bool,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointHealth {
    pub endpoint_id: String,
    pub version: Option<String>,
    pub models: Vec<String>,
    /// What is wrong and what to do, when the server did not answer properly.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub title: String,
    pub endpoint_id: Option<String>,
    pub model: String,
    pub system_prompt: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageView {
    pub id: i64,
    pub role: String,
    pub content: String,
    /// "complete", "streaming", "cancelled" or "failed".
    pub state: String,
    /// Why a reply stopped early, in a sentence.
    pub note: Option<String>,
    pub created_at: i64,
}

/// A model on a server, with what Ollama tells about it (other servers give the name only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub name: String,
    pub size_bytes: Option<u64>,
    pub family: Option<String>,
    pub parameter_size: Option<String>,
    pub quantization: Option<String>,
}

/// A task a model found in a mail, for the user to review before it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskProposal {
    pub title: String,
    /// YYYY-MM-DD: task due dates are dates, never instants.
    pub due: Option<String>,
    pub notes: String,
}

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

/// A mail draft kept on this computer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftView {
    pub id: String,
    pub account_id: String,
    pub thread_id: Option<String>,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    /// The body is Markdown, sent as text and HTML.
    pub rich: bool,
    /// new, reply, reply_all, forward.
    pub kind: String,
    /// "ai" until the user edits what the model wrote.
    pub origin: String,
    pub updated_at: i64,
    pub files: Vec<DraftFile>,
    /// Gmail has a copy of this version (Drafts on other devices).
    pub on_gmail: bool,
}

/// The account id of mail imported from archives (no server: nothing is sent from it).
pub const ARCHIVE_ACCOUNT: &str = "local-archive";

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftFile {
    pub id: i64,
    pub filename: String,
    pub mime_type: String,
    pub size: i64,
}

/// What the editor saves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftEdit {
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    pub rich: bool,
}

/// How a new draft starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeKind {
    New,
    Reply,
    ReplyAll,
    Forward,
}

impl ComposeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComposeKind::New => "new",
            ComposeKind::Reply => "reply",
            ComposeKind::ReplyAll => "reply_all",
            ComposeKind::Forward => "forward",
        }
    }
}

/// A mail in the outbox, as the Outbox view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: String,
    pub account_id: String,
    pub draft_id: Option<String>,
    pub to: String,
    pub subject: String,
    /// Unix ms: when it goes (the end of the undo window, or the chosen time).
    pub send_at_ms: i64,
    pub scheduled: bool,
    /// waiting, sending, sent, failed.
    pub state: String,
    pub attempts: i64,
    /// Unix ms of the next try after a failed one (0: none planned).
    pub next_try_ms: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// A conversation snoozed out of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnoozedThread {
    pub account_id: String,
    pub thread_id: String,
    pub subject: String,
    pub wake_at_ms: i64,
}

/// A mail an answer was drawn from; `n` is the number the answer cites it by ([n]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSource {
    pub n: usize,
    pub message_id: String,
    pub thread_id: String,
    pub subject: String,
    pub from: String,
    pub date_ms: i64,
    pub cited: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailAnswer {
    pub text: String,
    pub sources: Vec<AnswerSource>,
}

/// How much of an account's mail has vectors for "ask your mailbox", and from which model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexStatus {
    pub endpoint_id: String,
    pub model: String,
    pub indexed: u64,
    pub total: u64,
}

/// What a finished streaming request produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LiveResult {
    Reply(ChatMessageView),
    Summary(String),
    Draft(DraftView),
    Answer(MailAnswer),
}

/// A streaming request as the UI polls it: the text so far, and once done the result or why
/// it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveView {
    pub text: String,
    pub done: bool,
    pub result: Option<LiveResult>,
    pub error: Option<String>,
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

/// A calendar event as the agenda and calendar views show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub account_id: String,
    pub calendar_id: String,
    pub calendar: String,
    pub id: String,
    pub summary: String,
    pub location: String,
    /// Timed events: Unix ms (shown in the viewer's time zone).
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// All-day events: dates, end exclusive.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub recurring: bool,
    /// The user's own answer: accepted, declined, tentative, needsAction.
    pub self_response: Option<String>,
    pub description: String,
    /// The series a repeating event's instance belongs to (its Google id).
    pub series_id: Option<String>,
}

/// When an event happens: at instants, or on whole dates (end exclusive, as Google has them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTiming {
    Timed {
        start_ms: i64,
        end_ms: i64,
    },
    AllDay {
        start_date: String,
        end_date: String,
    },
}

/// An event as the user sets it in the side panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEdit {
    pub summary: String,
    pub location: String,
    pub description: String,
    pub timing: EventTiming,
}

/// For an instance of a repeating event: change this one, or the whole series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventScope {
    #[default]
    This,
    All,
}
