//! What other parts of the app ask the mail page to do (the command palette's mail entries),
//! and what the mail page tells them (the selected conversation, recent searches). The requests
//! are plain data in a global signal that the mail page runs with its own state when it is (or
//! next becomes) open, so nothing outside holds the page's signals.

use dioxus::prelude::*;

use super::MailState;
use crate::api;
use crate::model::{ComposeKind, MailAction};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum MailRequest {
    /// An action on the selected conversation.
    Act(MailAction),
    Reply(ComposeKind),
    AddToTasks,
    /// Open the selected conversation and summarise it (where AI is on for its account).
    Summarise,
    /// Hide the selected conversation until this time (Unix ms).
    Snooze(i64),
    Undo,
    Folder {
        account: Option<String>,
        folder: String,
    },
    Search(String),
    /// Show one account's mail (None: every account's).
    OnlyAccount(Option<String>),
    Compose,
    Sync,
}

/// The selected conversation, as the palette needs it to offer what applies.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CursorRow {
    pub account_id: String,
    pub is_archive: bool,
    pub starred: bool,
    pub unread: bool,
    pub labels: Vec<String>,
}

pub(crate) static MAIL_REQUEST: GlobalSignal<Option<MailRequest>> = Signal::global(|| None);
/// Set while the mail page is open and a conversation is selected.
pub(crate) static MAIL_SELECTION: GlobalSignal<Option<CursorRow>> = Signal::global(|| None);
/// The searches made lately (kept in the store, so other windows and later runs see them),
/// newest first.
pub(crate) static RECENT_SEARCHES: GlobalSignal<Vec<String>> = Signal::global(Vec::new);
/// A conversation to summarise as soon as its reader's AI bar is ready (the palette's
/// "Summarise"): its thread id.
pub(crate) static SUMMARISE_ON_OPEN: GlobalSignal<Option<String>> = Signal::global(|| None);

/// Runs requests and publishes the selection while the mail page is open.
pub(super) fn use_mail_requests(st: MailState) {
    use_effect(move || {
        if MAIL_REQUEST.read().is_none() {
            return;
        }
        // Run outside the effect, so what the request reads does not become its dependency.
        if let Some(r) = MAIL_REQUEST.write().take() {
            spawn(async move { st.run(r) });
        }
    });
    use_effect(move || {
        let selection = st.selected_row().map(|r| CursorRow {
            is_archive: st
                .accounts
                .read()
                .iter()
                .any(|a| a.id == r.account_id && a.is_archive),
            account_id: r.account_id,
            starred: r.starred,
            unread: r.unread,
            labels: r.labels,
        });
        if *MAIL_SELECTION.peek() != selection {
            *MAIL_SELECTION.write() = selection;
        }
    });
    use_future(|| async {
        if let Ok(r) = api::mail_recent_searches().await {
            *RECENT_SEARCHES.write() = r;
        }
    });
    use_effect(move || {
        let q = st.search.read().trim().to_string();
        if q.is_empty() {
            return;
        }
        spawn(async move {
            if let Ok(r) = api::mail_remember_search(q).await {
                *RECENT_SEARCHES.write() = r;
            }
        });
    });
    use_drop(|| {
        *MAIL_SELECTION.write() = None;
        super::undo::hide();
    });
}

impl MailState {
    fn run(mut self, r: MailRequest) {
        match r {
            MailRequest::Act(a) => self.act(a),
            MailRequest::Reply(k) => self.reply(k),
            MailRequest::AddToTasks => {
                if let Some((account, _, ids)) = self.targets() {
                    if let Some(id) = ids.last() {
                        self.add_to_tasks(account, id.clone());
                    }
                }
            }
            MailRequest::Summarise => {
                if let Some((_, thread, _)) = self.targets() {
                    *SUMMARISE_ON_OPEN.write() = Some(thread);
                    self.open_selected();
                }
            }
            MailRequest::Snooze(at) => {
                if let Some((account, thread, _)) = self.targets() {
                    self.snooze(account, thread, at);
                }
            }
            MailRequest::Undo => self.undo(),
            MailRequest::Folder { account, folder } => self.go_folder(account, &folder),
            MailRequest::Search(q) => {
                self.thread.set(None);
                self.open.set(None);
                self.search.set(q);
            }
            MailRequest::OnlyAccount(a) => self.account.set(a),
            MailRequest::Compose => {
                if let Some(account) = self.compose_account() {
                    self.compose_new(account);
                }
            }
            MailRequest::Sync => self.start_sync(),
        }
    }

    /// Makes a task from a message (it links back to the mail).
    pub(super) fn add_to_tasks(self, account: String, message_id: String) {
        let mut banner = self.banner;
        spawn(async move {
            match api::tasks_from_message(account, message_id).await {
                Ok(task) => banner.set(Some((
                    true,
                    format!("Added “{}” to your tasks.", task.title),
                ))),
                Err(e) => banner.set(Some((false, e.to_string()))),
            }
        });
    }

    /// Hides a conversation from the inbox until `at` (Unix ms).
    pub(super) fn snooze(mut self, account: String, thread: String, at: i64) {
        spawn(async move {
            match api::mail_snooze(account, thread, at).await {
                Ok(()) => {
                    self.banner.set(Some((
                        true,
                        "Snoozed: it comes back to the inbox at its time (see Snoozed).".into(),
                    )));
                    self.thread.set(None);
                    self.open.set(None);
                    self.reload();
                }
                Err(e) => self.banner.set(Some((false, e.to_string()))),
            }
        });
    }
}
