//! Writing mail: drafts, the outbox, snoozed conversations.

use serde::{Deserialize, Serialize};

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
    pub kind: ComposeKind,
    /// `Ai` until the user edits what the model wrote.
    pub origin: DraftOrigin,
    pub updated_at: i64,
    pub files: Vec<DraftFile>,
    /// Gmail has a copy of this version (Drafts on other devices).
    pub on_gmail: bool,
}

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

/// How a draft starts: the kind of every draft. Stored and sent as its text ("new", "reply",
/// "reply_all", "forward").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeKind {
    New,
    Reply,
    ReplyAll,
    Forward,
}

impl ComposeKind {
    pub const ALL: [ComposeKind; 4] = [
        ComposeKind::New,
        ComposeKind::Reply,
        ComposeKind::ReplyAll,
        ComposeKind::Forward,
    ];

    /// The stored name (the same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ComposeKind::New => "new",
            ComposeKind::Reply => "reply",
            ComposeKind::ReplyAll => "reply_all",
            ComposeKind::Forward => "forward",
        }
    }

    pub fn parse(s: &str) -> Option<ComposeKind> {
        ComposeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the editor is called while it holds a draft of this kind.
    pub fn label(self) -> &'static str {
        match self {
            ComposeKind::New => "New message",
            ComposeKind::Reply => "Reply",
            ComposeKind::ReplyAll => "Reply all",
            ComposeKind::Forward => "Forward",
        }
    }
}

/// Who wrote a draft's text: the user, or a model (until the user edits it). Stored and sent as
/// its text ("user", "ai").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DraftOrigin {
    #[default]
    User,
    Ai,
}

impl DraftOrigin {
    /// The stored name (the same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            DraftOrigin::User => "user",
            DraftOrigin::Ai => "ai",
        }
    }

    pub fn parse(s: &str) -> Option<DraftOrigin> {
        [DraftOrigin::User, DraftOrigin::Ai]
            .into_iter()
            .find(|o| o.as_str() == s)
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

/// The signature added to an account's new mail and replies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Plain text; empty: none.
    pub text: String,
    /// True once edited here: Gmail's (read at each sync) no longer replaces it.
    pub edited_here: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wasm client and the server exchange these by name, and the database stores the same
    /// names: a renamed variant must not change them.
    #[test]
    fn kinds_and_origins_keep_their_names() {
        for k in ComposeKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(ComposeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            ComposeKind::ALL.map(ComposeKind::as_str),
            ["new", "reply", "reply_all", "forward"]
        );
        for (o, name) in [(DraftOrigin::User, "user"), (DraftOrigin::Ai, "ai")] {
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{name}\""));
            assert_eq!(DraftOrigin::parse(name), Some(o));
        }
        assert_eq!(ComposeKind::parse("Reply"), None);
    }
}
