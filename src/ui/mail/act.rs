//! Acting on mail from the page: what an action applies to (the ticked rows, else the open
//! conversation or the selected row), applying it at once in the view, and ticking rows for a
//! bulk action (`x`, Shift+click, Shift+j/k, `*` then `a`/`n`).

use dioxus::prelude::*;

use super::MailState;
use crate::api;
use crate::model::MailAction;

/// What one action applies to: per account, its messages, and the conversations they are in.
struct Targets {
    groups: Vec<(String, Vec<String>)>,
    threads: Vec<String>,
}

impl MailState {
    /// The messages an action applies to when nothing is ticked: the open conversation if the
    /// selected row belongs to it, else the selected row's (its conversation's, when the list
    /// is grouped). (account, thread, messages).
    pub(super) fn targets(&self) -> Option<(String, String, Vec<String>)> {
        let row = self.rows.read().get(*self.selected.read()).cloned()?;
        // A conversation's row knows its messages in this folder's sense (not those in Trash
        // or Spam elsewhere), whether or not it is open in the reader.
        if row.conversation.is_some() {
            let ids = row.message_ids();
            return Some((row.account_id, row.thread_id, ids));
        }
        if let Some(Ok(t)) = self.thread.read().as_ref() {
            if t.thread_id == row.thread_id && t.account_id == row.account_id {
                return Some((
                    row.account_id,
                    row.thread_id,
                    t.messages.iter().map(|m| m.id.clone()).collect(),
                ));
            }
        }
        let ids = row.message_ids();
        Some((row.account_id, row.thread_id, ids))
    }

    fn all_targets(&self, use_ticks: bool) -> Option<Targets> {
        let ticked = self.ticked.peek().clone();
        if ticked.is_empty() || !use_ticks {
            let (account, thread, ids) = self.targets()?;
            return Some(Targets {
                groups: vec![(account, ids)],
                threads: vec![thread],
            });
        }
        let rows = self.rows.peek();
        let mut t = Targets {
            groups: Vec::new(),
            threads: Vec::new(),
        };
        for (account, key) in ticked {
            // A conversation's row acts on all its messages; a row no longer listed, on nothing.
            let Some(r) = rows
                .iter()
                .find(|r| r.account_id == account && r.key() == key)
            else {
                continue;
            };
            t.threads.push(r.thread_id.clone());
            let ids = r.message_ids();
            match t.groups.iter_mut().find(|(a, _)| *a == account) {
                Some((_, all)) => all.extend(ids),
                None => t.groups.push((account, ids)),
            }
        }
        Some(t)
    }

    /// Applies an action at once in the view and in the cache; Gmail follows in the background.
    /// Ticked rows go as one change per account, and one Undo takes them all back.
    pub(crate) fn act(self, action: MailAction) {
        self.act_on(action, true);
    }

    /// The reader's own buttons: its conversation, whatever is ticked in the list.
    pub(super) fn act_here(self, action: MailAction) {
        self.act_on(action, false);
    }

    fn act_on(mut self, action: MailAction, use_ticks: bool) {
        let Some(Targets { groups, threads }) = self.all_targets(use_ticks) else {
            return;
        };
        let count = if use_ticks && !self.ticked.peek().is_empty() {
            let n = self.ticked.peek().len();
            self.ticked.write().clear();
            n
        } else {
            1
        };
        let folder = self.folder.peek().clone();
        let leaves_view = match &action {
            MailAction::Archive => folder == "INBOX",
            MailAction::Trash => folder != "TRASH",
            MailAction::Untrash => folder == "TRASH",
            MailAction::RemoveLabel(l) => folder == *l,
            MailAction::Relabel { remove, .. } => remove.contains(&folder),
            MailAction::MarkSpam => folder != "SPAM",
            MailAction::NotSpam => folder == "SPAM",
            _ => false,
        } && self.search.peek().is_empty();
        let targeted: std::collections::HashSet<(&str, &str)> = groups
            .iter()
            .flat_map(|(a, ids)| ids.iter().map(move |id| (a.as_str(), id.as_str())))
            .collect();
        let hit = |account: &str, id: &str| targeted.contains(&(account, id));
        {
            let mut rows = self.rows.write();
            if leaves_view {
                rows.retain(|r| !hit(&r.account_id, &r.id));
            } else {
                for r in rows.iter_mut().filter(|r| hit(&r.account_id, &r.id)) {
                    match &action {
                        MailAction::MarkRead => r.unread = false,
                        MailAction::MarkUnread => r.unread = true,
                        MailAction::Star => r.starred = true,
                        MailAction::Unstar => r.starred = false,
                        _ => {}
                    }
                }
            }
            let len = rows.len();
            if *self.selected.peek() >= len && len > 0 {
                self.selected.set(len - 1);
            }
        }
        let showing = match self.thread.peek().as_ref() {
            Some(Ok(t)) => threads.contains(&t.thread_id),
            _ => false,
        };
        if showing && leaves_view {
            self.thread.set(None);
            self.open.set(None);
        } else if showing {
            if let Some(Ok(t)) = self.thread.write().as_mut() {
                let (add, remove) = view_changes(&action);
                for m in t.messages.iter_mut().filter(|m| hit(&t.account_id, &m.id)) {
                    m.labels.retain(|l| !remove.contains(l));
                    for a in &add {
                        if !m.labels.contains(a) {
                            m.labels.push(a.clone());
                        }
                    }
                }
            }
        }
        let done = action.done_text();
        super::undo::begin();
        spawn(async move {
            let mut undos = Vec::new();
            // "Tick all" over long conversations can pass one action's limit: in pieces.
            let pieces = groups.into_iter().flat_map(|(account, ids)| {
                ids.chunks(crate::model::MAX_MESSAGES_PER_ACTION)
                    .map(|c| (account.clone(), c.to_vec()))
                    .collect::<Vec<_>>()
            });
            for (account, ids) in pieces {
                match api::mail_act(account, ids, action.clone()).await {
                    Ok(undo) => undos.push(undo),
                    Err(e) => {
                        self.banner
                            .set(Some((false, format!("That change was not made: {e}"))));
                        self.reload();
                        break;
                    }
                }
            }
            super::undo::offer(done, count, undos);
            self.refresh_accounts();
        });
    }

    /// Ticks or unticks one row.
    pub(super) fn toggle_tick(mut self, i: usize) {
        let Some(key) = self.row_key(i) else { return };
        let mut ticked = self.ticked.write();
        match ticked.iter().position(|k| *k == key) {
            Some(p) => {
                ticked.remove(p);
            }
            None => ticked.push(key),
        }
    }

    /// Ticks every row from the selected one to `i` (Shift+click).
    pub(super) fn tick_range(mut self, i: usize) {
        let from = *self.selected.peek();
        let (a, b) = (from.min(i), from.max(i));
        let keys: Vec<(String, String)> = (a..=b).filter_map(|k| self.row_key(k)).collect();
        let mut ticked = self.ticked.write();
        for k in keys {
            if !ticked.contains(&k) {
                ticked.push(k);
            }
        }
    }

    /// Shift+j / Shift+k: ticks the selected row and the next (or previous) one, and moves.
    pub(super) fn extend(self, down: bool) {
        let sel = *self.selected.peek();
        let to = if down { sel + 1 } else { sel.saturating_sub(1) };
        let to = to.min(self.rows.peek().len().saturating_sub(1));
        self.tick_range(to);
        self.select(to);
    }

    /// `*` then `a`: every row loaded; `*` then `n`: none.
    pub(super) fn tick_all(mut self, all: bool) {
        let keys: Vec<(String, String)> = if all {
            self.rows
                .peek()
                .iter()
                .map(|r| (r.account_id.clone(), r.key().to_string()))
                .collect()
        } else {
            Vec::new()
        };
        self.ticked.set(keys);
    }

    pub(super) fn is_ticked(&self, account: &str, id: &str) -> bool {
        self.ticked
            .read()
            .iter()
            .any(|(a, m)| a == account && m == id)
    }

    fn row_key(&self, i: usize) -> Option<(String, String)> {
        self.rows
            .peek()
            .get(i)
            .map(|r| (r.account_id.clone(), r.key().to_string()))
    }
}

/// The labels an action adds and removes, for the open conversation's view.
fn view_changes(action: &MailAction) -> (Vec<String>, Vec<String>) {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match action {
        MailAction::Star => (v(&["STARRED"]), vec![]),
        MailAction::Unstar => (vec![], v(&["STARRED"])),
        MailAction::MarkRead => (vec![], v(&["UNREAD"])),
        MailAction::MarkUnread => (v(&["UNREAD"]), vec![]),
        MailAction::AddLabel(l) => (vec![l.clone()], vec![]),
        MailAction::RemoveLabel(l) => (vec![], vec![l.clone()]),
        MailAction::Relabel { add, remove } => (add.clone(), remove.clone()),
        _ => (vec![], vec![]),
    }
}
