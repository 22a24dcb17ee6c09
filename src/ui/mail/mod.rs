//! Mail: folders and labels with unread counts, a virtualized message list, the conversation
//! reader, the activity panel, and keyboard shortcuts. Everything reads the local cache through
//! `api::mail_*`; nothing here waits for Google.

mod activity;
mod ai;
pub(crate) mod compose;
mod format;
mod list;
mod reader;

use dioxus::prelude::*;

use crate::api;
use crate::model::{MailAccount, MailAction, MailCursor, MailRow, SyncStatus, ThreadView};
use activity::ActivityPanel;
pub use compose::{Compose, MailDrafts, MailOutbox, MailSnoozed};
use list::MessageList;
use reader::Reader;

/// Rows fetched per page of the list.
const PAGE: u32 = 100;

/// The page's shared state (signals are Copy: every component gets the same ones).
#[derive(Clone, Copy)]
pub(crate) struct MailState {
    accounts: Signal<Vec<MailAccount>>,
    accounts_error: Signal<Option<String>>,
    /// None = every account.
    account: Signal<Option<String>>,
    folder: Signal<String>,
    /// The search in effect (empty = the folder).
    search: Signal<String>,
    /// Ask Gmail instead of the cache (for a search).
    online: Signal<bool>,
    rows: Signal<Vec<MailRow>>,
    next: Signal<Option<MailCursor>>,
    next_token: Signal<Option<String>>,
    loading: Signal<bool>,
    generation: Signal<u64>,
    list_error: Signal<Option<String>>,
    took_ms: Signal<Option<f64>>,
    selected: Signal<usize>,
    open: Signal<Option<(String, String)>>,
    thread: Signal<Option<Result<ThreadView, String>>>,
    opening: Signal<bool>,
    banner: Signal<Option<(bool, String)>>,
    status: Signal<Option<SyncStatus>>,
    show_help: Signal<bool>,
    show_activity: Signal<bool>,
    scroll_top: Signal<f64>,
    search_el: Signal<Option<std::rc::Rc<MountedData>>>,
    list_el: Signal<Option<std::rc::Rc<MountedData>>>,
}

fn query_for(folder: &str, search: &str) -> String {
    if !search.trim().is_empty() {
        return search.trim().to_string();
    }
    match folder {
        "INBOX" => "in:inbox".into(),
        id => format!("label:{id}"),
    }
}

impl MailState {
    fn folder_name(&self) -> String {
        let folder = self.folder.read().clone();
        self.accounts
            .read()
            .iter()
            .flat_map(|a| a.labels.iter())
            .find(|l| l.id == folder)
            .map(|l| l.name.clone())
            .unwrap_or(folder)
    }

    /// Loads the first page again (`reset`) or the next one. Reads with `peek` so an effect
    /// calling this depends only on what it reads itself.
    pub(crate) fn load(mut self, reset: bool) {
        let online = *self.online.peek() && !self.search.peek().is_empty();
        if reset {
            *self.generation.write() += 1;
            self.rows.write().clear();
            self.next.set(None);
            self.next_token.set(None);
            self.selected.set(0);
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
                    Some(acc) => api::mail_search_online(acc, query, token, PAGE.min(50)).await,
                    None => Err(api::ApiError::App {
                        kind: "InvalidInput".into(),
                        class: crate::model::ErrorClass::UserFixable,
                        message: "Searching online needs a Google account: add one in Settings → Accounts.".into(),
                    }),
                }
            } else {
                api::mail_list(account, query, after, PAGE).await
            };
            if *self.generation.peek() != generation {
                return;
            }
            self.loading.set(false);
            match r {
                Ok(p) => {
                    self.rows.write().extend(p.rows);
                    self.next.set(p.next);
                    self.next_token.set(p.next_token);
                    self.took_ms.set(Some(p.took_ms));
                    self.list_error.set(None);
                }
                Err(e) => self.list_error.set(Some(e.to_string())),
            }
        });
    }

    pub(crate) fn refresh_accounts(mut self) {
        spawn(async move {
            match api::mail_accounts().await {
                Ok(a) => {
                    // Nothing has an inbox (only an imported archive): open what there is.
                    let has_inbox = a.iter().any(|x| x.labels.iter().any(|l| l.id == "INBOX"));
                    if !has_inbox && self.search.peek().is_empty() && *self.folder.peek() == "INBOX"
                    {
                        if let Some((acc, l)) = a
                            .iter()
                            .find_map(|x| x.labels.first().map(|l| (x.id.clone(), l.id.clone())))
                        {
                            self.account.set(Some(acc));
                            self.folder.set(l);
                        }
                    }
                    self.accounts.set(a);
                    self.accounts_error.set(None);
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
                    let mut read_labels: Vec<String> = Vec::new();
                    for row in self.rows.write().iter_mut() {
                        if row.thread_id == thread_id && row.unread {
                            row.unread = false;
                            row.labels.retain(|l| l != "UNREAD");
                            read_labels.extend(row.labels.iter().cloned());
                        }
                    }
                    for acc in self.accounts.write().iter_mut() {
                        if acc.id != t.account_id {
                            continue;
                        }
                        for l in acc.labels.iter_mut() {
                            let n = read_labels.iter().filter(|x| **x == l.id).count() as i64;
                            l.unread = (l.unread - n).max(0);
                        }
                    }
                    self.thread.set(Some(Ok(t)));
                }
                Err(e) => self.thread.set(Some(Err(e.to_string()))),
            }
        });
    }

    fn open_selected(self) {
        let row = self.rows.read().get(*self.selected.read()).cloned();
        if let Some(r) = row {
            self.open_thread(r.account_id, r.thread_id, false);
        }
    }

    /// The messages an action applies to: the open conversation if the selected row belongs to
    /// it, else the selected row.
    fn targets(&self) -> Option<(String, String, Vec<String>)> {
        let row = self.rows.read().get(*self.selected.read()).cloned()?;
        if let Some(Ok(t)) = self.thread.read().as_ref() {
            if t.thread_id == row.thread_id && t.account_id == row.account_id {
                return Some((
                    row.account_id,
                    row.thread_id,
                    t.messages.iter().map(|m| m.id.clone()).collect(),
                ));
            }
        }
        Some((row.account_id, row.thread_id, vec![row.id]))
    }

    /// Applies an action at once in the view and in the cache; Gmail follows in the background.
    pub(crate) fn act(mut self, action: MailAction) {
        let Some((account, thread_id, ids)) = self.targets() else {
            return;
        };
        let leaves_view = match &action {
            MailAction::Archive => self.folder.peek().as_str() == "INBOX",
            MailAction::Trash => self.folder.peek().as_str() != "TRASH",
            MailAction::Untrash => self.folder.peek().as_str() == "TRASH",
            MailAction::RemoveLabel(l) => self.folder.peek().as_str() == l.as_str(),
            _ => false,
        } && self.search.peek().is_empty();
        {
            let mut rows = self.rows.write();
            if leaves_view {
                rows.retain(|r| !(r.account_id == account && ids.contains(&r.id)));
            } else {
                for r in rows.iter_mut().filter(|r| ids.contains(&r.id)) {
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
        if leaves_view {
            let showing =
                matches!(self.thread.peek().as_ref(), Some(Ok(t)) if t.thread_id == thread_id);
            if showing {
                self.thread.set(None);
                self.open.set(None);
            }
        } else if let Some(Ok(t)) = self.thread.write().as_mut() {
            if t.thread_id == thread_id {
                for m in t.messages.iter_mut() {
                    let (add, remove): (&[&str], &[&str]) = match &action {
                        MailAction::Star => (&["STARRED"], &[]),
                        MailAction::Unstar => (&[], &["STARRED"]),
                        _ => (&[], &[]),
                    };
                    m.labels.retain(|l| !remove.contains(&l.as_str()));
                    for a in add {
                        if !m.labels.iter().any(|l| l == a) {
                            m.labels.push(a.to_string());
                        }
                    }
                    match &action {
                        MailAction::AddLabel(l) if !m.labels.contains(l) => {
                            m.labels.push(l.clone())
                        }
                        MailAction::RemoveLabel(l) => m.labels.retain(|x| x != l),
                        _ => {}
                    }
                }
            }
        }
        spawn(async move {
            match api::mail_act(account, ids, action).await {
                Ok(()) => self.refresh_accounts(),
                Err(e) => {
                    self.banner
                        .set(Some((false, format!("That change was not made: {e}"))));
                    self.load(true);
                }
            }
        });
    }

    fn selected_row(&self) -> Option<MailRow> {
        self.rows.read().get(*self.selected.read()).cloned()
    }

    fn select(mut self, i: usize) {
        let len = self.rows.read().len();
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        self.selected.set(i);
        list::scroll_into_view(self, i);
        if i + 20 > len {
            self.load(false);
        }
    }

    fn go_folder(mut self, account: Option<String>, folder: &str) {
        self.account.set(account);
        self.folder.set(folder.to_string());
        self.search.set(String::new());
        self.thread.set(None);
        self.open.set(None);
    }
}

/// The account a new mail is written from: the one in view, else the first with a server.
fn compose_account(st: &MailState) -> Option<String> {
    st.account
        .read()
        .clone()
        .filter(|a| compose_account_is(st, a))
        .or_else(|| {
            st.accounts
                .read()
                .iter()
                .find(|a| !a.is_archive)
                .map(|a| a.id.clone())
        })
}

fn compose_account_is(st: &MailState, account: &str) -> bool {
    st.accounts
        .read()
        .iter()
        .any(|a| a.id == account && !a.is_archive)
}

fn start_sync(mut st: MailState) {
    spawn(async move {
        match api::mail_sync_now(None).await {
            Ok(ids) if ids.is_empty() => st.banner.set(Some((
                true,
                "Nothing to start: every account is already syncing, or none is signed in.".into(),
            ))),
            // Progress shows on the button and in the Activity panel.
            Ok(_) => st.banner.set(None),
            Err(e) => st.banner.set(Some((false, e.to_string()))),
        }
    });
}

#[component]
pub fn Mail() -> Element {
    rsx! { MailPage { open: None } }
}

/// Mail with one conversation open (from a citation in an answer, or a task's source).
#[component]
pub fn MailThread(account: String, thread: String) -> Element {
    rsx! { MailPage { key: "{account}/{thread}", open: Some((account.clone(), thread.clone())) } }
}

#[component]
fn MailPage(open: Option<(String, String)>) -> Element {
    let st = MailState {
        accounts: use_signal(Vec::new),
        accounts_error: use_signal(|| None),
        account: use_signal(|| None),
        folder: use_signal(|| "INBOX".to_string()),
        search: use_signal(String::new),
        online: use_signal(|| false),
        rows: use_signal(Vec::new),
        next: use_signal(|| None),
        next_token: use_signal(|| None),
        loading: use_signal(|| false),
        generation: use_signal(|| 0),
        list_error: use_signal(|| None),
        took_ms: use_signal(|| None),
        selected: use_signal(|| 0),
        open: use_signal(|| None),
        thread: use_signal(|| None),
        opening: use_signal(|| false),
        banner: use_signal(|| None),
        status: use_signal(|| None),
        show_help: use_signal(|| false),
        show_activity: use_signal(|| false),
        scroll_top: use_signal(|| 0.0),
        search_el: use_signal(|| None),
        list_el: use_signal(|| None),
    };
    use_context_provider(|| st);
    let typing = use_signal(|| false);
    let mut pending_g = use_signal(|| false);

    use_hook(move || st.refresh_accounts());
    use_hook(move || {
        if let Some((account, thread)) = open.clone() {
            st.open_thread(account, thread, false);
        }
    });
    // The list follows the account, folder and search.
    use_effect(move || {
        let _ = (
            st.account.read(),
            st.folder.read(),
            st.search.read(),
            st.online.read(),
        );
        st.load(true);
    });
    // Sync status, polled while the page is open; a finished job refreshes counts and,
    // when the list is scrolled to the top, the list itself.
    use_future(move || async move {
        let mut st = st;
        // (newest job id, finished jobs): a change means a job ended or started.
        let mut seen: Option<(u64, usize)> = None;
        let (mut last_stored, mut rounds) = (0u64, 0u64);
        loop {
            if let Ok(s) = api::mail_status().await {
                let finished = s
                    .jobs
                    .iter()
                    .filter(|j| j.state != crate::model::JobState::Running)
                    .count();
                let marker = (s.jobs.first().map(|j| j.id).unwrap_or(0), finished);
                let job_ended =
                    seen.is_some_and(|m| m.1 != finished || m.0 != marker.0) && finished > 0;
                // During a first sync, mail shows as its pages arrive, not only at the end.
                let stored: u64 = s
                    .jobs
                    .iter()
                    .filter(|j| {
                        j.state == crate::model::JobState::Running && j.name.starts_with("Syncing")
                    })
                    .map(|j| j.done)
                    .sum();
                let arriving = stored > 0 && stored != last_stored;
                last_stored = stored;
                if job_ended || arriving {
                    if job_ended || rounds % 4 == 0 {
                        st.refresh_accounts();
                    }
                    let at_top = *st.scroll_top.peek() < 200.0 && st.open.peek().is_none();
                    if at_top && (job_ended || st.rows.peek().len() < PAGE as usize) {
                        st.load(true);
                    }
                }
                rounds += 1;
                seen = Some(marker);
                st.status.set(Some(s));
            }
            crate::ui::timer::sleep_ms(1500).await;
        }
    });

    let mut st_mut = st;
    let onkeydown = move |e: KeyboardEvent| {
        if *typing.read() {
            if e.key() == Key::Escape {
                if let Some(el) = st.search_el.read().clone() {
                    spawn(async move {
                        let _ = el.set_focus(false).await;
                    });
                }
            }
            return;
        }
        if e.modifiers().ctrl() || e.modifiers().alt() || e.modifiers().meta() {
            return;
        }
        let g = *pending_g.read();
        pending_g.set(false);
        let sel = *st.selected.read();
        match e.key() {
            Key::Enter => st.open_selected(),
            Key::Escape => {
                if *st.show_help.read() {
                    st_mut.show_help.set(false);
                } else if *st.show_activity.read() {
                    st_mut.show_activity.set(false);
                } else {
                    st_mut.thread.set(None);
                    st_mut.open.set(None);
                }
            }
            Key::ArrowDown => {
                e.prevent_default();
                st.select(sel + 1);
            }
            Key::ArrowUp => {
                e.prevent_default();
                st.select(sel.saturating_sub(1));
            }
            Key::Character(c) => match c.as_str() {
                "j" => st.select(sel + 1),
                "k" => st.select(sel.saturating_sub(1)),
                "o" => st.open_selected(),
                "e" => st.act(MailAction::Archive),
                "#" => st.act(MailAction::Trash),
                "s" => {
                    if let Some(r) = st.selected_row() {
                        st.act(if r.starred {
                            MailAction::Unstar
                        } else {
                            MailAction::Star
                        });
                    }
                }
                "u" => {
                    if let Some(r) = st.selected_row() {
                        st.act(if r.unread {
                            MailAction::MarkRead
                        } else {
                            MailAction::MarkUnread
                        });
                    }
                }
                "/" => {
                    e.prevent_default();
                    if let Some(el) = st.search_el.read().clone() {
                        spawn(async move {
                            let _ = el.set_focus(true).await;
                        });
                    }
                }
                "r" | "a" | "f" => {
                    let kind = match c.as_str() {
                        "r" => crate::model::ComposeKind::Reply,
                        "a" => crate::model::ComposeKind::ReplyAll,
                        _ => crate::model::ComposeKind::Forward,
                    };
                    let open = st.thread.read().clone();
                    // An imported archive has nothing to send from (its reader shows no reply bar).
                    if let Some(Ok(t)) = open {
                        if let Some(last) = t
                            .messages
                            .last()
                            .filter(|_| compose_account_is(&st, &t.account_id))
                        {
                            let (account, id) = (t.account_id.clone(), last.id.clone());
                            let mut banner = st.banner;
                            spawn(async move {
                                if let Err(e) = compose::start(account, kind, Some(id)).await {
                                    banner.set(Some((false, e)));
                                }
                            });
                        }
                    }
                }
                "c" => {
                    if let Some(account) = compose_account(&st) {
                        let mut banner = st.banner;
                        spawn(async move {
                            if let Err(e) =
                                compose::start(account, crate::model::ComposeKind::New, None).await
                            {
                                banner.set(Some((false, e)));
                            }
                        });
                    }
                }
                "?" => st_mut.show_help.set(true),
                "g" => pending_g.set(true),
                "i" if g => st.go_folder(None, "INBOX"),
                _ => {}
            },
            _ => {}
        }
    };

    let status = st.status.read().clone();
    let running = status
        .as_ref()
        .map(|s| {
            s.jobs
                .iter()
                .filter(|j| j.state == crate::model::JobState::Running)
                .count()
        })
        .unwrap_or(0);
    let failed = status.as_ref().map(|s| s.failed_changes.len()).unwrap_or(0);
    let accounts = st.accounts.read().clone();
    let current_account = st.account.read().clone();
    let current_folder = st.folder.read().clone();
    let searching = !st.search.read().is_empty();

    rsx! {
        div {
            class: "mail",
            tabindex: "0",
            aria_label: "Mail. Press question mark for keyboard shortcuts.",
            onkeydown,
            if let Some(reason) = status.as_ref().and_then(|s| s.offline.clone()) {
                div { class: "mail-offline", role: "status",
                    strong { "Offline. " }
                    "You are reading mail saved on this device. Changes you make are kept and sent when the connection returns. ({reason})"
                }
            }
            if let Some((ok, text)) = st.banner.read().clone() {
                div { class: if ok { "banner ok mail-banner" } else { "banner error mail-banner" }, role: if ok { "status" } else { "alert" },
                    span { "{text}" }
                    button { class: "link-button", onclick: move |_| st_mut.banner.set(None), "Dismiss" }
                }
            }
            div { class: "mail-panes",
                nav { class: "mail-folders", aria_label: "Mail folders",
                    if let Some(account) = compose_account(&st) {
                        button {
                            class: "button primary compose-button",
                            title: "Write a new mail (c)",
                            onclick: move |_| {
                                let account = account.clone();
                                let mut banner = st.banner;
                                async move {
                                    if let Err(e) = compose::start(account, crate::model::ComposeKind::New, None).await {
                                        banner.set(Some((false, e)));
                                    }
                                }
                            },
                            "Compose"
                        }
                    }
                    ul { class: "writing-links", aria_label: "Writing",
                        li { Link { to: crate::ui::Route::MailDrafts {}, class: "folder", span { class: "folder-name", "Drafts" } } }
                        li { Link { to: crate::ui::Route::MailOutbox {}, class: "folder", span { class: "folder-name", "Outbox" } } }
                        li { Link { to: crate::ui::Route::MailSnoozed {}, class: "folder", span { class: "folder-name", "Snoozed" } } }
                    }
                    div { class: "mail-folders-top",
                        button {
                            class: "button",
                            title: "Fetch new mail and send your changes now",
                            onclick: move |_| start_sync(st),
                            if running > 0 { "Syncing…" } else { "Sync now" }
                        }
                        button {
                            class: "button",
                            aria_expanded: if *st.show_activity.read() { "true" } else { "false" },
                            onclick: move |_| { let v = *st.show_activity.read(); st_mut.show_activity.set(!v) },
                            "Activity"
                            if running > 0 { span { class: "count", "{running}" } }
                            if failed > 0 { span { class: "count failed", title: "Changes Gmail refused", "{failed}" } }
                        }
                    }
                    if let Some(err) = st.accounts_error.read().clone() {
                        p { class: "banner error", "{err}" }
                    }
                    if accounts.is_empty() && st.accounts_error.read().is_none() {
                        div { class: "mail-empty-note",
                            p { "No mail on this device yet." }
                            p {
                                Link { to: crate::ui::Route::Accounts {}, class: "link", "Add a Google account" }
                                " or import an archive with "
                                code { "libreollama mail import PATH" }
                                "."
                            }
                        }
                    }
                    if accounts.iter().filter(|a| !a.is_archive).count() > 1 {
                        button {
                            class: if current_account.is_none() && current_folder == "INBOX" && !searching { "folder active all-inboxes" } else { "folder all-inboxes" },
                            onclick: move |_| st.go_folder(None, "INBOX"),
                            span { class: "folder-name", "All inboxes" }
                        }
                    }
                    for acc in accounts {
                        div { class: "mail-account", key: "{acc.id}",
                            h2 { class: "nav-title", title: "{acc.email}", "{acc.email}" }
                            ul {
                                for l in acc.labels.clone() {
                                    li { key: "{l.id}",
                                        button {
                                            class: if current_account.as_deref() == Some(acc.id.as_str()) && current_folder == l.id && !searching { "folder active" } else { "folder" },
                                            title: "{l.total} messages, {l.unread} unread",
                                            onclick: {
                                                let (a, f) = (acc.id.clone(), l.id.clone());
                                                move |_| st.go_folder(Some(a.clone()), &f)
                                            },
                                            span { class: "folder-name", "{l.name}" }
                                            if l.unread > 0 && l.id != "SENT" && l.id != "DRAFT" {
                                                span { class: "count", "{l.unread}" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p { class: "muted small mail-hint", "Press ? for keyboard shortcuts" }
                }
                MessageList { typing }
                Reader {}
                if *st.show_activity.read() {
                    ActivityPanel {}
                }
            }
            if *st.show_help.read() {
                div { class: "overlay", onclick: move |_| st_mut.show_help.set(false),
                    div {
                        class: "dialog",
                        role: "dialog",
                        aria_label: "Keyboard shortcuts",
                        onclick: move |e| e.stop_propagation(),
                        h2 { "Keyboard shortcuts" }
                        dl { class: "shortcuts",
                            for (k, what) in SHORTCUTS {
                                dt { kbd { "{k}" } }
                                dd { "{what}" }
                            }
                        }
                        button { class: "button", onclick: move |_| st_mut.show_help.set(false), "Close" }
                    }
                }
            }
        }
    }
}

const SHORTCUTS: [(&str, &str); 16] = [
    ("c", "Write a new mail"),
    ("r", "Reply"),
    ("a", "Reply all"),
    ("f", "Forward"),
    ("j / ↓", "Next message"),
    ("k / ↑", "Previous message"),
    ("o / Enter", "Open the conversation"),
    ("e", "Archive"),
    ("#", "Move to trash"),
    ("s", "Star or unstar"),
    ("u", "Mark read or unread"),
    ("/", "Search"),
    ("g then i", "Go to the inbox"),
    ("Esc", "Close the conversation or this list"),
    ("?", "Show this list"),
    ("Tab", "Move between panes and buttons"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn folder_or_search_becomes_the_query() {
        assert_eq!(super::query_for("INBOX", ""), "in:inbox");
        assert_eq!(super::query_for("Label_7", "  "), "label:Label_7");
        assert_eq!(super::query_for("INBOX", " from:ada "), "from:ada");
    }
}
