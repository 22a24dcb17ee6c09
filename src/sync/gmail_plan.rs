//! Gmail sync planning, pure: which mode a run takes from the stored cursor, what a run of
//! history records comes to, and how Gmail's answers become cache rows. Tested offline.

use std::collections::{BTreeMap, BTreeSet};

use crate::google::gmail::types::{History, HistoryId, Label, Message};
use crate::store::labels::LabelRow;
use crate::store::mail::{self, NewMessage};
use crate::store::mail_sync::MailSyncState;

/// What the store remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    pub history_id: Option<HistoryId>,
    pub full_sync_page_token: Option<String>,
    pub full_sync_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Page through messages.list from `page_token` (None = from the newest).
    Full { page_token: Option<String> },
    /// Apply history since this id.
    Incremental { since: HistoryId },
}

pub fn plan_mode(s: &SyncState) -> Mode {
    match (&s.history_id, s.full_sync_complete) {
        (Some(h), true) => Mode::Incremental { since: h.clone() },
        _ => Mode::Full {
            page_token: s.full_sync_page_token.clone(),
        },
    }
}

/// The net effect of a run of history records, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryPlan {
    /// Messages to fetch (metadata) and upsert: added, or whose labels changed.
    pub fetch: BTreeSet<String>,
    /// Messages gone from the mailbox.
    pub delete: BTreeSet<String>,
    /// The newest history id seen: the next cursor.
    pub newest: Option<HistoryId>,
}

/// Folds history records into one plan: a message added then deleted is only deleted; deleted
/// then (re)added is fetched. Label changes are fetched rather than patched, so the cache takes
/// the server's final label set and replays never drift.
pub fn plan_history(records: &[History], newest_from_response: Option<&HistoryId>) -> HistoryPlan {
    let mut last: BTreeMap<String, bool> = BTreeMap::new(); // id -> present
    let mut newest: Option<HistoryId> = newest_from_response.cloned();
    let mut ordered: Vec<&History> = records.iter().collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    for r in ordered {
        if let Some(id) = &r.id {
            if newest.as_ref().is_none_or(|n| id > n) {
                newest = Some(id.clone());
            }
        }
        for m in &r.messages_added {
            last.insert(m.message.id.clone(), true);
        }
        for l in r.labels_added.iter().chain(r.labels_removed.iter()) {
            last.entry(l.message.id.clone()).or_insert(true);
        }
        for m in &r.messages_deleted {
            last.insert(m.message.id.clone(), false);
        }
    }
    let mut plan = HistoryPlan {
        newest,
        ..Default::default()
    };
    for (id, present) in last {
        if present {
            plan.fetch.insert(id);
        } else {
            plan.delete.insert(id);
        }
    }
    plan
}

/// Gmail metadata → a cache row.
pub fn to_new_message(account_id: &str, m: &Message) -> NewMessage {
    let h = |n: &str| m.header(n).unwrap_or_default().to_string();
    let mut attachments = Vec::new();
    if let Some(p) = &m.payload {
        let mut stack = vec![p];
        while let Some(part) = stack.pop() {
            if let Some(name) = part.filename.as_deref().filter(|f| !f.is_empty()) {
                attachments.push(mail::NewAttachment {
                    part_id: part.part_id.clone().unwrap_or_default(),
                    attachment_id: part.body.as_ref().and_then(|b| b.attachment_id.clone()),
                    filename: name.to_string(),
                    mime_type: part.mime_type.clone().unwrap_or_default(),
                    size: part.body.as_ref().and_then(|b| b.size).unwrap_or(0),
                    content_id: part
                        .headers
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case("Content-ID"))
                        .map(|x| x.value.trim_matches(['<', '>']).to_string()),
                });
            }
            stack.extend(part.parts.iter());
        }
    }
    NewMessage {
        account_id: account_id.to_string(),
        id: m.id.clone(),
        thread_id: m.thread_id.clone(),
        history_id: m.history_id.as_ref().map(|h| h.0.clone()),
        internal_date: m.internal_date.unwrap_or(0),
        size_estimate: m.size_estimate.unwrap_or(0),
        subject: h("Subject"),
        from: h("From"),
        to: h("To"),
        cc: h("Cc"),
        snippet: m.snippet.clone().unwrap_or_default(),
        message_id_hdr: m.header("Message-ID").map(str::to_string),
        in_reply_to: m.header("In-Reply-To").map(str::to_string),
        references: m.header("References").map(str::to_string),
        label_ids: m.label_ids.clone(),
        attachments,
        parts: Vec::new(),
        body_text: None,
        body_html_sanitized: None,
    }
}

impl From<MailSyncState> for SyncState {
    fn from(s: MailSyncState) -> Self {
        SyncState {
            history_id: s.history_id.map(HistoryId),
            full_sync_page_token: s.full_sync_page_token,
            full_sync_complete: s.full_sync_complete,
        }
    }
}

impl From<SyncState> for MailSyncState {
    fn from(s: SyncState) -> Self {
        MailSyncState {
            history_id: s.history_id.map(|h| h.0),
            full_sync_page_token: s.full_sync_page_token,
            full_sync_complete: s.full_sync_complete,
        }
    }
}

/// A Gmail label → the row the cache keeps.
pub fn to_label_row(l: &Label) -> LabelRow {
    LabelRow {
        id: l.id.clone(),
        name: l.name.clone(),
        system: l.label_type.as_deref() == Some("system"),
        messages_total: l.messages_total,
        messages_unread: l.messages_unread,
        color_background: l.color.as_ref().and_then(|c| c.background_color.clone()),
        color_text: l.color.as_ref().and_then(|c| c.text_color.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::google::gmail::types::{HistoryLabel, HistoryMessage};

    fn msg(id: &str) -> Message {
        Message {
            id: id.into(),
            ..Default::default()
        }
    }

    fn rec(id: &str) -> History {
        History {
            id: Some(HistoryId(id.into())),
            ..Default::default()
        }
    }

    #[test]
    fn mode_follows_the_stored_cursor() {
        assert_eq!(
            plan_mode(&SyncState::default()),
            Mode::Full { page_token: None }
        );
        let resuming = SyncState {
            full_sync_page_token: Some("p2".into()),
            history_id: Some(HistoryId("5".into())),
            full_sync_complete: false,
        };
        assert_eq!(
            plan_mode(&resuming),
            Mode::Full {
                page_token: Some("p2".into())
            }
        );
        let done = SyncState {
            history_id: Some(HistoryId("9".into())),
            full_sync_page_token: None,
            full_sync_complete: true,
        };
        assert_eq!(
            plan_mode(&done),
            Mode::Incremental {
                since: HistoryId("9".into())
            }
        );
    }

    #[test]
    fn history_folds_to_the_final_state() {
        let mut a = rec("10");
        a.messages_added = vec![
            HistoryMessage {
                message: msg("new"),
            },
            HistoryMessage {
                message: msg("brief"),
            },
        ];
        let mut b = rec("12");
        b.messages_deleted = vec![
            HistoryMessage {
                message: msg("brief"),
            },
            HistoryMessage {
                message: msg("old"),
            },
        ];
        b.labels_added = vec![HistoryLabel {
            message: msg("starred"),
            label_ids: vec!["STARRED".into()],
        }];
        let mut c = rec("11");
        c.messages_added = vec![HistoryMessage {
            message: msg("old"),
        }];
        let plan = plan_history(&[a, c, b], None);
        assert_eq!(
            plan.fetch,
            ["new", "starred"].map(String::from).into_iter().collect()
        );
        assert_eq!(
            plan.delete,
            ["brief", "old"].map(String::from).into_iter().collect()
        );
        assert_eq!(plan.newest, Some(HistoryId("12".into())));
        // A label change on a message deleted later is just a delete.
        let mut d = rec("20");
        d.labels_removed = vec![HistoryLabel {
            message: msg("x"),
            label_ids: vec!["UNREAD".into()],
        }];
        let mut e = rec("21");
        e.messages_deleted = vec![HistoryMessage { message: msg("x") }];
        let plan = plan_history(&[d, e], Some(&HistoryId("25".into())));
        assert!(plan.fetch.is_empty());
        assert_eq!(plan.newest, Some(HistoryId("25".into())));
    }
}
