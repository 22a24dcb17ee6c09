//! The folder list: system folders in the order people expect, then the user's labels sorted
//! naturally, Spam and Trash last, each with its message and unread counts from the cache.

use std::collections::HashMap;

use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::model::MailLabel;
use crate::model::SYSTEM_FOLDERS as FOLDERS;
use crate::store::labels::LabelCounts;

/// Gmail's labels that are states or tabs, not folders.
const HIDDEN: &[&str] = &["UNREAD", "CHAT", "OPENED"];

/// Sorts "P2" before "P10": digit runs compare as numbers, the rest without case.
fn natural_key(name: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = u64::from(c.to_digit(10).unwrap_or(0));
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push((std::mem::take(&mut text), n));
        } else {
            text.extend(c.to_lowercase());
        }
    }
    out.push((text, 0));
    out
}

/// The account's folders and labels in display order, from the cache's label names (id →
/// name, is a system label), counts and colours (id → background).
pub(super) fn folder_list(
    account: &str,
    counts: HashMap<String, LabelCounts>,
    mut names: HashMap<String, (String, bool)>,
    colors: &HashMap<String, String>,
) -> Vec<MailLabel> {
    for id in counts.keys() {
        names.entry(id.clone()).or_insert_with(|| {
            (
                id.clone(),
                id.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            )
        });
    }
    let label = |id: &str, name: String, system: bool| {
        let n = counts.get(id).copied().unwrap_or_default();
        MailLabel {
            id: id.to_string(),
            name,
            system,
            unread: n.unread,
            unread_threads: n.unread_threads,
            total: n.total,
            color: colors.get(id).cloned(),
        }
    };
    let mut out = Vec::new();
    for (id, name) in FOLDERS {
        let (keep_empty, present) = (
            *id == "INBOX" && account != ARCHIVE_ACCOUNT,
            names.contains_key(*id),
        );
        if present || keep_empty {
            out.push(label(id, name.to_string(), true));
        }
    }
    let mut user: Vec<MailLabel> = names
        .into_iter()
        .filter(|(id, (_, system))| {
            !system && !FOLDERS.iter().any(|(f, _)| f == id) && !HIDDEN.contains(&id.as_str())
        })
        .map(|(id, (name, system))| label(&id, name, system))
        .collect();
    user.sort_by_cached_key(|l| natural_key(&l.name));
    // Spam and Trash go last, after the user's labels, as in Gmail.
    let tail = out.split_off(
        out.iter()
            .position(|l| l.id == "SPAM" || l.id == "TRASH")
            .unwrap_or(out.len()),
    );
    out.extend(user);
    out.extend(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_naturally() {
        let mut v = vec!["Projects/P10", "projects/p2", "Alpha", "Projects/P1"];
        v.sort_by_cached_key(|n| natural_key(n));
        assert_eq!(v, ["Alpha", "Projects/P1", "projects/p2", "Projects/P10"]);
    }
}
