//! The mail page's state: the signals its parts share, loading the list page by page (from the
//! cache, or from Gmail for an online search), opening a conversation, applying actions at once
//! in the view (the sync status is polled by `status_poll`).

use dioxus::prelude::*;

use super::compose;
use crate::api;
use crate::model::{ComposeKind, MailAccount, MailCursor, MailRow, SyncStatus, ThreadView};

/// Rows fetched per page of the list.
pub(super) const PAGE: u32 = 100;

/// The page's shared state (signals are Copy: every component gets the same ones).
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct MailState {
    pub(super) accounts: Signal<Vec<MailAccount>>,
    pub(super) accounts_error: Signal<Option<String>>,
    /// The accounts have been read once (until then, no "No mail on this device yet").
    pub(super) accounts_loaded: Signal<bool>,
    /// None = every account.
    pub(super) account: Signal<Option<String>>,
    pub(super) folder: Signal<String>,
    /// The search in effect (empty = the folder).
    pub(super) search: Signal<String>,
    /// Ask Gmail instead of the cache (for a search).
    pub(super) online: Signal<bool>,
    pub(super) rows: Signal<Vec<MailRow>>,
    pub(super) next: Signal<Option<MailCursor>>,
    pub(super) next_token: Signal<Option<String>>,
    pub(super) loading: Signal<bool>,
    pub(super) generation: Signal<u64>,
    pub(super) list_error: Signal<Option<String>>,
    pub(super) took_ms: Signal<Option<f64>>,
    pub(super) selected: Signal<usize>,
    pub(super) open: Signal<Option<(String, String)>>,
    pub(super) thread: Signal<Option<Result<ThreadView, String>>>,
    pub(super) opening: Signal<bool>,
    pub(super) banner: Signal<Option<(bool, String)>>,
    pub(super) status: Signal<Option<SyncStatus>>,
    pub(super) show_help: Signal<bool>,
    pub(super) show_activity: Signal<bool>,
    /// Phones and tablets show the folder pane in place of the list while this is set.
    pub(super) show_folders: Signal<bool>,
    pub(super) scroll_top: Signal<f64>,
    pub(super) search_el: Signal<Option<std::rc::Rc<MountedData>>>,
    pub(super) list_el: Signal<Option<std::rc::Rc<MountedData>>>,
    /// Rows ticked for a bulk action (`x`, Shift+click, Shift+j/k, `*` `a`): (account,
    /// [`MailRow::key`]: the conversation when the list is grouped, else the message).
    pub(super) ticked: Signal<Vec<(String, String)>>,
    /// One row per conversation (Preferences); None until the preference is read, and the
    /// list waits for it rather than showing the other kind of rows for a moment.
    pub(super) conversations: Signal<Option<bool>>,
    /// A reload was dropped beside an open conversation (see `load_page`): the list reloads
    /// once the reader closes.
    pub(super) list_stale: Signal<bool>,
}

/// Appends a page's rows, leaving out conversations already in the list (an earlier page put
/// them at their newest message); how many were added.
fn extend_rows(rows: &mut Vec<MailRow>, page: Vec<MailRow>) -> usize {
    let before = rows.len();
    let mut shown: std::collections::HashSet<(String, String)> = rows
        .iter()
        .filter(|r| r.conversation.is_some())
        .map(|r| (r.account_id.clone(), r.thread_id.clone()))
        .collect();
    for r in page {
        if r.conversation.is_none() || shown.insert((r.account_id.clone(), r.thread_id.clone())) {
            rows.push(r);
        }
    }
    rows.len() - before
}

/// What the page lists when it opens (the inbox of every account), and how many rows: read
/// ahead while the window opens (`api::prefetch_first_view`).
pub fn first_list_query() -> (String, u32) {
    (query_for("INBOX", ""), PAGE)
}

fn has_inbox(accounts: &[MailAccount]) -> bool {
    accounts
        .iter()
        .any(|a| a.labels.iter().any(|l| l.id == "INBOX"))
}

fn query_for(folder: &str, search: &str) -> String {
    if !search.trim().is_empty() {
        return search.trim().to_string();
    }
    match folder {
        "INBOX" => "in:inbox".into(),
        crate::model::ALL_MAIL => "-in:spam -in:trash".into(),
        id => format!("label:{id}"),
    }
}

impl MailState {
    pub(super) fn folder_name(&self) -> String {
        let folder = self.folder.read().clone();
        self.accounts
            .read()
            .iter()
            .flat_map(|a| a.labels.iter())
            .find(|l| l.id == folder)
            .map(|l| l.name.clone())
            // Before any account has listed its labels (or for a folder it lacks): the
            // name people know, never Gmail's id.
            .or_else(|| crate::model::system_folder_name(&folder).map(str::to_string))
            .unwrap_or(folder)
    }

    /// Loads the first page again (`reset`) or the next one. Reads with `peek` so an effect
    /// calling this depends only on what it reads itself.
    pub(crate) fn load(self, reset: bool) {
        self.load_page(reset, false);
    }

    /// The same list read again (a sync finished, an undo): what is shown stays until the new
    /// first page replaces it, and the cursor stays on its row. (Emptying it in between made the
    /// selection vanish for a moment: a command palette open then lost its conversation actions.)
    pub(crate) fn reload(self) {
        self.load_page(true, true);
    }

    fn load_page(mut self, reset: bool, keep_rows: bool) {
        let online = *self.online.peek() && !self.search.peek().is_empty();
        let Some(conversations) = *self.conversations.peek() else {
            return;
        };
        // The selected row, found again after a reload by its message, else its conversation
        // (whose newest message may have changed).
        let keep = if reset {
            self.rows
                .peek()
                .get(*self.selected.peek())
                .map(|r| (r.account_id.clone(), r.id.clone(), r.thread_id.clone()))
        } else {
            None
        };
        if reset {
            *self.generation.write() += 1;
            // A reload keeps what is shown, and where the next page starts, until its answer
            // replaces them (it may be dropped: see below).
            if !keep_rows {
                self.rows.write().clear();
                self.selected.set(0);
                self.next.set(None);
                self.next_token.set(None);
            }
        } else if *self.loading.peek()
            || (online && self.next_token.peek().is_none())
            || (!online && self.next.peek().is_none())
        {
            return;
        }
        let generation = *self.generation.peek();
        let after = if reset { None } else { *self.next.peek() };
        let token = if reset {
            None
        } else {
            self.next_token.peek().clone()
        };
        let query = query_for(&self.folder.peek(), &self.search.peek());
        let account = self.account.peek().clone();
        // Online search asks one account: the one chosen, else the first Google account.
        let online_account = account.clone().or_else(|| {
            self.accounts
                .peek()
                .iter()
                .find(|a| !a.is_archive)
                .map(|a| a.id.clone())
        });
        self.loading.set(true);
        spawn(async move {
            let r = if online {
                match online_account {
                    Some(acc) => {
                        api::mail_search_online(acc, query, token, PAGE.min(50), conversations)
                            .await
                    }
                    None => Err(api::ApiError::App {
                        kind: "InvalidInput".into(),
                        class: crate::model::ErrorClass::UserFixable,
                        message: "Searching online needs a Google account: add one in Settings → Accounts.".into(),
                    }),
                }
            } else {
                api::mail_list(account, query, after, PAGE, conversations).await
            };
            if *self.generation.peek() != generation {
                return;
            }
            self.loading.set(false);
            match r {
                Ok(p) => {
                    // With a conversation open, the keys act on the list's cursor: a new first
                    // page without that conversation (archived elsewhere, or opened further
                    // down) would put the cursor on another one, so this page is dropped and
                    // the list reloads when the reader closes (`poll_status`).
                    if let (true, Some((account, thread))) = (keep_rows, self.open.peek().clone()) {
                        let found = p
                            .rows
                            .iter()
                            .any(|r| r.account_id == account && r.thread_id == thread);
                        if !found {
                            self.list_stale.set(true);
                            return;
                        }
                    }
                    if reset && *self.list_stale.peek() {
                        self.list_stale.set(false);
                    }
                    let mut added = p.rows.len();
                    let unchanged = reset
                        && keep_rows
                        && *self.rows.peek() == p.rows
                        && *self.next.peek() == p.next
                        && *self.next_token.peek() == p.next_token;
                    if unchanged {
                        // Nothing to redraw (the figure shown is the one that read these rows).
                        if self.list_error.peek().is_some() {
                            self.list_error.set(None);
                        }
                        return;
                    }
                    if reset && keep_rows {
                        *self.rows.write() = p.rows;
                        let len = self.rows.peek().len();
                        if *self.selected.peek() >= len {
                            self.selected.set(len.saturating_sub(1));
                        }
                    } else {
                        added = extend_rows(&mut self.rows.write(), p.rows);
                    }
                    if let Some((account, id, thread)) = &keep {
                        let rows = self.rows.peek();
                        let at = rows
                            .iter()
                            .position(|r| r.account_id == *account && r.id == *id)
                            .or_else(|| {
                                rows.iter().position(|r| {
                                    r.account_id == *account && r.thread_id == *thread
                                })
                            });
                        drop(rows);
                        if let Some(i) = at {
                            self.selected.set(i);
                        }
                    }
                    let more = p.next.is_some() || p.next_token.is_some();
                    self.next.set(p.next);
                    self.next_token.set(p.next_token);
                    self.took_ms.set(Some(p.took_ms));
                    self.list_error.set(None);
                    // Every conversation of that page was already shown (by a newer message):
                    // nothing grew for a scroll to reach, so the next page is read now.
                    if !reset && added == 0 && more {
                        self.load(false);
                    }
                }
                Err(e) => self.list_error.set(Some(e.to_string())),
            }
        });
    }

    pub(crate) fn refresh_accounts(mut self) {
        spawn(async move {
            let r = api::mail_accounts().await;
            // Also on an error: the pane then shows the error instead of "No mail…".
            if !*self.accounts_loaded.peek() {
                self.accounts_loaded.set(true);
            }
            match r {
                Ok(a) => {
                    // Nothing has an inbox (only an imported archive): open what there is.
                    if !has_inbox(&a)
                        && self.search.peek().is_empty()
                        && *self.folder.peek() == "INBOX"
                    {
                        if let Some((acc, l)) = a
                            .iter()
                            .find_map(|x| x.labels.first().map(|l| (x.id.clone(), l.id.clone())))
                        {
                            self.account.set(Some(acc));
                            self.folder.set(l);
                        }
                    }
                    // Unchanged (the first view's, a poll's): nothing to redraw.
                    if *self.accounts.peek() != a {
                        self.accounts.set(a);
                    }
                    if self.accounts_error.peek().is_some() {
                        self.accounts_error.set(None);
                    }
                }
                Err(e) => self.accounts_error.set(Some(e.to_string())),
            }
        });
    }

    pub(crate) fn open_thread(mut self, account: String, thread_id: String, show_images: bool) {
        // Re-opening what is shown (to show images) keeps it on screen until the new one is in.
        let same = matches!(self.thread.peek().as_ref(), Some(Ok(t)) if t.thread_id == thread_id && t.account_id == account);
        self.open.set(Some((account.clone(), thread_id.clone())));
        self.opening.set(!same);
        spawn(async move {
            let r = api::mail_thread(account.clone(), thread_id.clone(), show_images).await;
            if self.open.peek().as_ref() != Some(&(account, thread_id.clone())) {
                return;
            }
            self.opening.set(false);
            match r {
                Ok(t) => {
                    // Opening marks the conversation read: the list and the unread counts show
                    // it at once (recounting the whole cache for that would be wasted work).
                    for row in self.rows.write().iter_mut() {
                        if row.thread_id == thread_id && row.account_id == t.account_id {
                            row.unread = false;
                            row.labels.retain(|l| l != "UNREAD");
                        }
                    }
                    // The labels of the messages this opening read, once per message.
                    let read_labels: Vec<String> = t
                        .messages
                        .iter()
                        .filter(|m| m.was_unread)
                        .flat_map(|m| m.labels.iter().cloned())
                        .collect();
                    for acc in self.accounts.write().iter_mut() {
                        if acc.id != t.account_id {
                            continue;
                        }
                        for l in acc.labels.iter_mut() {
                            let n = read_labels.iter().filter(|x| **x == l.id).count() as i64;
                            l.unread = (l.unread - n).max(0);
                            // One conversation was opened: it is no longer unread anywhere.
                            if n > 0 {
                                l.unread_threads = (l.unread_threads - 1).max(0);
                            }
                        }
                    }
                    self.thread.set(Some(Ok(t)));
                }
                Err(e) => self.thread.set(Some(Err(e.to_string()))),
            }
        });
    }

    pub(super) fn open_selected(self) {
        let row = self.rows.read().get(*self.selected.read()).cloned();
        if let Some(r) = row {
            self.open_thread(r.account_id, r.thread_id, false);
        }
    }

    pub(super) fn selected_row(&self) -> Option<MailRow> {
        self.rows.read().get(*self.selected.read()).cloned()
    }

    pub(super) fn select(mut self, i: usize) {
        let len = self.rows.read().len();
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        self.selected.set(i);
        super::list::scroll_into_view(self, i);
        if i + 20 > len {
            self.load(false);
        }
    }

    pub(super) fn go_folder(mut self, account: Option<String>, folder: &str) {
        self.account.set(account);
        self.folder.set(folder.to_string());
        self.search.set(String::new());
        self.thread.set(None);
        self.open.set(None);
        self.show_folders.set(false);
    }

    /// Which pane a phone shows (one at a time): a conversation when one is open, else the
    /// folders when asked for, else the list. Wider windows show several and ignore it.
    pub(super) fn pane(&self) -> &'static str {
        if self.open.read().is_some() {
            "pane-reader"
        } else if *self.show_folders.read() {
            "pane-folders"
        } else {
            "pane-list"
        }
    }

    /// The account a new mail is written from: the one in view, else the first with a server.
    pub(super) fn compose_account(&self) -> Option<String> {
        self.account
            .read()
            .clone()
            .filter(|a| self.can_send_from(a))
            .or_else(|| {
                self.accounts
                    .read()
                    .iter()
                    .find(|a| !a.is_archive)
                    .map(|a| a.id.clone())
            })
    }

    /// The account has a server to send from (it is not an imported archive).
    pub(super) fn can_send_from(&self, account: &str) -> bool {
        self.accounts
            .read()
            .iter()
            .any(|a| a.id == account && !a.is_archive)
    }

    /// Opens a new mail from `account` in the editor; a failure shows in the banner.
    pub(super) fn compose_new(self, account: String) {
        let mut banner = self.banner;
        spawn(async move {
            if let Err(e) = compose::start(account, ComposeKind::New, None).await {
                banner.set(Some((false, e)));
            }
        });
    }

    /// Answers (or forwards) the last message of the open conversation. An imported archive
    /// has nothing to send from (its reader shows no reply bar).
    pub(super) fn reply(self, kind: ComposeKind) {
        let open = self.thread.read().clone();
        if let Some(Ok(t)) = open {
            if let Some(last) = t
                .messages
                .last()
                .filter(|_| self.can_send_from(&t.account_id))
            {
                let (account, id) = (t.account_id.clone(), last.id.clone());
                let mut banner = self.banner;
                spawn(async move {
                    if let Err(e) = compose::start(account, kind, Some(id)).await {
                        banner.set(Some((false, e)));
                    }
                });
            }
        }
    }

    /// Sync now, for every account (the banner says when there is nothing to start).
    pub(super) fn start_sync(mut self) {
        spawn(async move {
            match api::mail_sync_now(None).await {
                Ok(ids) if ids.is_empty() => self.banner.set(Some((
                    true,
                    "Nothing to start: every account is already syncing, or none is signed in."
                        .into(),
                ))),
                // Progress shows on the button and in the Activity panel.
                Ok(_) => self.banner.set(None),
                Err(e) => self.banner.set(Some((false, e.to_string()))),
            }
        });
    }
}

/// The page's state, given to its parts through context, and what runs while the page is open:
/// the first loads, the list following the folder and search, and the sync status poll.
pub(super) fn use_mail_state(open: Option<(String, String)>) -> MailState {
    // Read while the window opened (desktop, mobile): the first render shows it, and the list
    // is asked for again at once (`reload`), which replaces it only where it changed.
    let opens_conversation = open.is_some();
    let slot = use_hook(|| {
        let (query, limit) = first_list_query();
        // Only where the page opens on the inbox: not beside a conversation (whose row may not
        // be in it), nor where no account has an inbox (`refresh_accounts` then opens a folder
        // of an imported archive).
        let view = api::take_first_view(&query, limit)
            .filter(|f| !opens_conversation && (f.accounts.is_empty() || has_inbox(&f.accounts)));
        std::rc::Rc::new(std::cell::RefCell::new(view))
    });
    let held = slot.borrow();
    let first = held.as_ref();
    let st = MailState {
        accounts: use_signal(|| first.map(|f| f.accounts.clone()).unwrap_or_default()),
        accounts_error: use_signal(|| None),
        accounts_loaded: use_signal(|| first.is_some()),
        account: use_signal(|| None),
        folder: use_signal(|| "INBOX".to_string()),
        search: use_signal(String::new),
        online: use_signal(|| false),
        rows: use_signal(|| first.map(|f| f.page.rows.clone()).unwrap_or_default()),
        next: use_signal(|| first.and_then(|f| f.page.next)),
        next_token: use_signal(|| first.and_then(|f| f.page.next_token.clone())),
        // Until the first page (which waits for the grouping preference): not "No messages".
        loading: use_signal(|| first.is_none()),
        generation: use_signal(|| 0),
        list_error: use_signal(|| None),
        took_ms: use_signal(|| first.map(|f| f.page.took_ms)),
        selected: use_signal(|| 0),
        open: use_signal(|| None),
        thread: use_signal(|| None),
        opening: use_signal(|| false),
        banner: use_signal(|| None),
        status: use_signal(|| None),
        show_help: use_signal(|| false),
        show_activity: use_signal(|| false),
        show_folders: use_signal(|| false),
        scroll_top: use_signal(|| 0.0),
        search_el: use_signal(|| None),
        list_el: use_signal(|| None),
        ticked: use_signal(Vec::new),
        conversations: use_signal(|| first.map(|f| f.conversations)),
        list_stale: use_signal(|| false),
    };
    let prefilled = first.is_some();
    // Only the first render reads it.
    drop(held);
    slot.borrow_mut().take();
    use_context_provider(|| st);
    use_hook(move || st.refresh_accounts());
    use_hook(move || {
        let mut conversations = st.conversations;
        spawn(async move {
            // Unreadable settings: Gmail's default, as a new install has.
            let on = api::get_settings().await.map_or(true, |s| s.conversations);
            // The same answer as the first view's must not read the list again.
            if *conversations.peek() != Some(on) {
                conversations.set(Some(on));
            }
        });
    });
    use_hook(move || {
        if let Some((account, thread)) = open.clone() {
            st.open_thread(account, thread, false);
        }
    });
    // The list follows the account, folder and search.
    let reread_prefilled = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(prefilled)));
    use_effect(move || {
        let _ = (
            st.account.read(),
            st.folder.read(),
            st.search.read(),
            st.online.read(),
            st.conversations.read(),
        );
        // Another folder or search: ticks on the old list do not carry over.
        let mut ticked = st.ticked;
        if !ticked.peek().is_empty() {
            ticked.write().clear();
        }
        if reread_prefilled.replace(false) {
            // The first view is on screen: read the same list again, keeping it meanwhile.
            st.reload();
        } else {
            st.load(true);
        }
    });
    use_future(move || super::status_poll::poll_status(st));
    st
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
