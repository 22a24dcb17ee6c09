//! The mail cache as the list, the reader and the sidebar show it.

use serde::{Deserialize, Serialize};

/// A label or system folder with its counts from the local cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailLabel {
    pub id: String,
    pub name: String,
    pub system: bool,
    pub unread: i64,
    /// Conversations with an unread message (what a grouped list counts).
    #[serde(default)]
    pub unread_threads: i64,
    pub total: i64,
    /// The background colour Gmail gives the label (`#rrggbb`), if any.
    #[serde(default)]
    pub color: Option<String>,
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
    /// Set when the row stands for a whole conversation (the list grouped as Gmail does):
    /// then `id` is its newest message in view, and the flags and labels are the
    /// conversation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<MailConversation>,
}

/// The name part of a From header ("\"Ada L.\" <ada@example.com>" → "Ada L."), else its
/// address; of a list, the first.
pub fn display_name(from: &str) -> String {
    let from = from.trim();
    // A comma inside quotes is part of a name ("Lovelace, Ada"), not a second person.
    let mut quoted = false;
    let end = from
        .char_indices()
        .find(|&(_, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            c == ',' && !quoted
        })
        .map_or(from.len(), |(i, _)| i);
    let first = from[..end].trim();
    let name = first
        .split('<')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .trim();
    if first.contains('<') && !name.is_empty() {
        name.to_string()
    } else {
        first.trim_matches(['<', '>', '"', ' ']).to_string()
    }
}

/// What a conversation's row shows and acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailConversation {
    /// Its messages (outside Trash and Spam, unless the row itself is there).
    pub count: u32,
    /// Who wrote, oldest first, each once; the account's own address is "me".
    pub participants: Vec<String>,
    /// Every message an action on the row applies to.
    pub ids: Vec<String>,
}

/// The most messages one action or undo applies to; the app sends a larger selection in pieces.
pub const MAX_MESSAGES_PER_ACTION: usize = 10_000;

impl MailRow {
    /// What a tick on this row is kept by: its conversation when it stands for one (its newest
    /// message changes when mail arrives and the list reloads), else its message.
    pub fn key(&self) -> &str {
        if self.conversation.is_some() {
            &self.thread_id
        } else {
            &self.id
        }
    }

    /// The messages an action on this row applies to: the conversation's, or the one message.
    pub fn message_ids(&self) -> Vec<String> {
        match &self.conversation {
            Some(c) if !c.ids.is_empty() => c.ids.clone(),
            _ => vec![self.id.clone()],
        }
    }
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
    /// Gmail's preview of it: the one line a collapsed message shows.
    #[serde(default)]
    pub snippet: String,
    /// It was unread when the conversation was opened (so it opens expanded).
    #[serde(default)]
    pub was_unread: bool,
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
    /// Report as spam: out of the inbox, into Spam.
    MarkSpam,
    NotSpam,
    /// Several labels at once, as one change per message (`mail label --add --remove`).
    Relabel {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl MailAction {
    /// What the action did, as the undo toast and the command line say it ("Archived · Undo").
    pub fn done_text(&self) -> &'static str {
        match self {
            MailAction::Archive => "Archived",
            MailAction::MoveToInbox => "Moved to the inbox",
            MailAction::MarkRead => "Marked read",
            MailAction::MarkUnread => "Marked unread",
            MailAction::Star => "Starred",
            MailAction::Unstar => "Star removed",
            MailAction::Trash => "Moved to trash",
            MailAction::Untrash => "Restored from trash",
            MailAction::AddLabel(_) => "Label added",
            MailAction::RemoveLabel(_) => "Label removed",
            MailAction::MarkSpam => "Reported as spam",
            MailAction::NotSpam => "Moved out of spam",
            MailAction::Relabel { .. } => "Labels changed",
        }
    }
}

/// One message's labels as an action really changed them (a label it already had is not
/// listed as added), so taking the action back is exact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageChange {
    pub id: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// The queued change, while it may still be withdrawn (None for an imported archive, whose
    /// changes are never queued).
    pub seq: Option<i64>,
}

/// What Undo needs to take one action back: the toast and `z` hand it to `mail_undo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailUndo {
    pub account_id: String,
    pub changes: Vec<MessageChange>,
}

impl MailUndo {
    /// True when the action changed nothing (every message already looked that way).
    pub fn is_noop(&self) -> bool {
        self.changes
            .iter()
            .all(|c| c.added.is_empty() && c.removed.is_empty())
    }
}

/// The account id of mail imported from archives (no server: nothing is sent from it).
pub const ARCHIVE_ACCOUNT: &str = "local-archive";

/// System folders in the order people expect, with the names they see (the ids are Gmail's, and
/// ours for the archive); the rest (user labels) follow by name.
pub const SYSTEM_FOLDERS: &[(&str, &str)] = &[
    ("INBOX", "Inbox"),
    ("STARRED", "Starred"),
    ("IMPORTANT", "Important"),
    ("SENT", "Sent"),
    ("DRAFT", "Drafts"),
    ("ARCHIVE", "Archive"),
    ("IMPORT_ERROR", "Unreadable"),
    ("SPAM", "Spam"),
    ("TRASH", "Trash"),
    (ALL_MAIL, "All mail"),
];

/// The folder of every message but spam and trash (Gmail's "All Mail", which has no label).
pub const ALL_MAIL: &str = "ALL";

/// The name a person sees for a system folder's id, e.g. `INBOX` → "Inbox".
pub fn system_folder_name(id: &str) -> Option<&'static str> {
    SYSTEM_FOLDERS
        .iter()
        .find(|(f, _)| *f == id)
        .map(|(_, name)| *name)
}

/// A message attached to a message (`message/rfc822`), read for the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedMessage {
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    /// Unix ms, from its Date header.
    pub date_ms: Option<i64>,
    /// Its text (an HTML-only message's text, as the search index reads it).
    pub text: Option<String>,
    /// Its own files: (name, MIME type, bytes).
    pub files: Vec<(String, String, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_folders_have_names_not_ids() {
        assert_eq!(system_folder_name("INBOX"), Some("Inbox"));
        assert_eq!(system_folder_name("DRAFT"), Some("Drafts"));
        assert_eq!(system_folder_name("Label_12"), None);
    }
}
