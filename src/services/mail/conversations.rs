//! The list grouped by conversation, as Gmail shows it: one row per conversation at the place
//! of its newest message in view, with who wrote, how many messages, and the flags of them all.

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::model::{display_name, MailConversation, MailRow};
use crate::store::threads::{self, Member};
use crate::store::{accounts, Store};

/// Names shown on a row before the rest are left out ("Ada, …, Bob, me").
const NAMES_SHOWN: usize = 3;

/// Where a message lies apart from the rest of its conversation: Trash, Spam, or neither.
fn bin(labels: &[String]) -> Option<&'static str> {
    ["TRASH", "SPAM"]
        .into_iter()
        .find(|b| labels.iter().any(|l| l == b))
}

/// The rows of `rows` that start a conversation not in `seen` (which learns them), in order.
pub(super) fn first_of_each(
    rows: Vec<MailRow>,
    seen: &mut HashSet<(String, String)>,
) -> Vec<MailRow> {
    rows.into_iter()
        .filter(|r| seen.insert((r.account_id.clone(), r.thread_id.clone())))
        .collect()
}

/// `row` (the conversation's newest message in view) made the conversation's row. Messages in
/// Trash count only when the row's own message is there too, and so do those in Spam, as in
/// Gmail: "Not spam" on a Spam row never touches the conversation's trashed messages.
pub(super) fn conversation_row(mut row: MailRow, members: Vec<Member>, me: &str) -> MailRow {
    let place = bin(&row.labels);
    let members: Vec<Member> = members
        .into_iter()
        .filter(|m| bin(&m.labels) == place)
        .collect();
    // Deleted since the page was read: the row stays as the one message it was.
    if members.is_empty() {
        return row;
    }
    let mut names: Vec<(String, String)> = Vec::new();
    for m in &members {
        let address = super::address_of(&m.from);
        // A message without a From (a draft, a damaged import) names nobody.
        if m.from.trim().is_empty() {
            continue;
        }
        if !names.iter().any(|(a, _)| *a == address) {
            let name = if !me.is_empty() && address == me {
                "me".to_string()
            } else {
                display_name(&m.from)
            };
            names.push((address, name));
        }
    }
    let mut participants: Vec<String> = names.into_iter().map(|(_, n)| n).collect();
    if participants.len() > NAMES_SHOWN {
        // The first writer and the latest ones, as Gmail shortens a long conversation.
        let tail = participants.split_off(participants.len() - (NAMES_SHOWN - 1));
        participants.truncate(1);
        participants.push("…".into());
        participants.extend(tail);
    }
    let any = |label: &str| members.iter().any(|m| m.labels.iter().any(|l| l == label));
    row.unread = any("UNREAD");
    row.starred = any("STARRED");
    row.has_attachment = members.iter().any(|m| m.has_attachment);
    let mut labels: Vec<String> = Vec::new();
    for l in members.iter().flat_map(|m| m.labels.iter()) {
        if !labels.contains(l) {
            labels.push(l.clone());
        }
    }
    row.labels = labels;
    // The conversation's subject is its first message's, as Gmail and Thunderbird show it
    // ("Plans", not the newest "Re: Plans").
    if let Some(first) = members.first().filter(|m| !m.subject.trim().is_empty()) {
        row.subject = first.subject.clone();
    }
    row.conversation = Some(MailConversation {
        count: members.len() as u32,
        participants,
        ids: members.into_iter().map(|m| m.id).collect(),
    });
    row
}

/// Each row made its conversation's row, read in one transaction.
pub(super) async fn rows_of(store: &Store, rows: Vec<MailRow>) -> Result<Vec<MailRow>> {
    store
        .read(move |c| {
            let mut me: HashMap<String, String> = HashMap::new();
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                if !me.contains_key(&row.account_id) {
                    let address = accounts::get(c, &row.account_id)?
                        .map(|a| a.email_address.to_ascii_lowercase())
                        .unwrap_or_default();
                    me.insert(row.account_id.clone(), address);
                }
                let members = threads::members(c, &row.account_id, &row.thread_id)?;
                let own = me.get(&row.account_id).map(String::as_str).unwrap_or("");
                out.push(conversation_row(row, members, own));
            }
            Ok(out)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, from: &str, labels: &[&str]) -> Member {
        Member {
            id: id.into(),
            from: from.into(),
            subject: if id == "m1" {
                "Plans".into()
            } else {
                "Re: Plans".into()
            },
            has_attachment: id == "m2",
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn row(id: &str, labels: &[&str]) -> MailRow {
        MailRow {
            account_id: "a".into(),
            id: id.into(),
            thread_id: "t".into(),
            date_ms: 0,
            from: String::new(),
            subject: "Hello".into(),
            snippet: String::new(),
            unread: false,
            starred: false,
            has_attachment: false,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            conversation: None,
        }
    }

    #[test]
    fn a_conversation_row_names_its_writers_and_takes_every_flag() {
        let members = vec![
            member("m1", "Ada <ada@example.com>", &["INBOX"]),
            member("m2", "Me Myself <ME@example.com>", &["SENT", "STARRED"]),
            member("m3", "\"Ada\" <ada@example.com>", &["INBOX", "UNREAD"]),
            member("m4", "Bob <bob@example.com>", &["TRASH"]),
        ];
        let r = conversation_row(row("m3", &["INBOX"]), members, "me@example.com");
        let c = r.conversation.as_ref().unwrap();
        assert_eq!(c.participants, vec!["Ada", "me"]);
        assert_eq!(c.count, 3, "the trashed message is not counted");
        assert_eq!(c.ids, vec!["m1", "m2", "m3"]);
        assert!(r.unread && r.starred && r.has_attachment);
        assert!(r.labels.contains(&"SENT".to_string()));
        assert_eq!(r.message_ids(), vec!["m1", "m2", "m3"]);
        assert_eq!(r.subject, "Plans", "the first message's subject");
    }

    #[test]
    fn in_the_trash_only_the_trashed_messages_count_and_in_spam_only_the_spam() {
        let members = vec![
            member("m1", "Ada <ada@example.com>", &["INBOX"]),
            member("m4", "Bob <bob@example.com>", &["TRASH"]),
            member("m5", "Eve <eve@example.com>", &["SPAM"]),
            member("m6", "", &["INBOX"]),
        ];
        let r = conversation_row(row("m4", &["TRASH"]), members.clone(), "");
        assert_eq!(r.message_ids(), vec!["m4"]);
        assert_eq!(r.conversation.unwrap().participants, vec!["Bob"]);
        let r = conversation_row(row("m5", &["SPAM"]), members.clone(), "");
        assert_eq!(r.message_ids(), vec!["m5"]);
        let r = conversation_row(row("m1", &["INBOX"]), members, "");
        assert_eq!(r.message_ids(), vec!["m1", "m6"]);
        assert_eq!(
            r.conversation.unwrap().participants,
            vec!["Ada"],
            "no empty name for a message without a From"
        );
    }

    #[test]
    fn many_writers_are_shortened_and_a_vanished_conversation_stays_one_message() {
        let members: Vec<Member> = (0..6)
            .map(|i| member(&format!("x{i}"), &format!("P{i} <p{i}@example.com>"), &[]))
            .collect();
        let r = conversation_row(row("x5", &[]), members, "");
        assert_eq!(
            r.conversation.unwrap().participants,
            vec!["P0", "…", "P4", "P5"]
        );
        let r = conversation_row(row("gone", &["INBOX"]), Vec::new(), "");
        assert_eq!(r.conversation, None);
        assert_eq!(r.message_ids(), vec!["gone"]);
    }

    #[test]
    fn each_conversation_appears_once_across_pages() {
        let mut seen = HashSet::new();
        let mut r2 = row("m2", &[]);
        r2.thread_id = "u".into();
        let first = first_of_each(vec![row("m1", &[]), row("m0", &[]), r2], &mut seen);
        assert_eq!(
            first.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["m1", "m2"]
        );
        assert!(first_of_each(vec![row("older", &[])], &mut seen).is_empty());
    }
}
