//! Tasks: lists on the left, the selected list as a list (subtasks indented) or as a board (one
//! column per list of the account). Quick add with Enter, inline edit, complete with undo, due
//! date, priority and labels, moves by keyboard or by dragging (onto another list too), and
//! "Sync now". Every change is saved here at once and reaches Google on the next sync.

mod board;
mod detail;
mod list_head;
mod list_view;

use dioxus::prelude::*;

use crate::api::{self, ApiResult};
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView};
use board::BoardColumn;
use detail::TaskDetail;
use list_head::ListHead;
use list_view::ListView;

#[derive(Clone, Copy, PartialEq)]
enum View {
    List,
    Board,
}

/// Shared by the page's parts (through context): what changed (to reload), what is being
/// dragged, the undo offer, the open task, and the page's own choices.
#[derive(Clone, Copy, PartialEq)]
struct TasksState {
    version: Signal<u64>,
    dragging: Signal<Option<String>>,
    undo: Signal<Option<(String, String)>>,
    error: Signal<Option<String>>,
    selected: Signal<Option<String>>,
    /// Every task list (reloads when `version` moves).
    lists: Resource<ApiResult<Vec<TaskListView>>>,
    /// The list shown.
    current: Signal<Option<String>>,
    view: Signal<View>,
    sync_note: Signal<Option<(bool, String)>>,
    syncing: Signal<bool>,
    /// A new "New list…" field after each list made.
    new_list: Signal<u32>,
    /// Why the last sync failed, per account (read again with the lists).
    problems: Resource<Vec<String>>,
}

fn use_tasks_state() -> TasksState {
    let version = use_signal(|| 0);
    let st = TasksState {
        version,
        dragging: use_signal(|| None),
        undo: use_signal(|| None),
        error: use_signal(|| None),
        selected: use_signal(|| None),
        lists: use_resource(move || async move {
            let _ = version();
            api::tasks_lists(None).await
        }),
        current: use_signal(|| None),
        view: use_signal(|| View::List),
        sync_note: use_signal(|| None),
        syncing: use_signal(|| false),
        new_list: use_signal(|| 0),
        problems: use_resource(move || async move {
            let _ = version();
            api::tasks_sync_problems().await.unwrap_or_default()
        }),
    };
    use_context_provider(|| st);
    st
}

impl TasksState {
    fn changed(mut self) {
        let v = *self.version.peek() + 1;
        self.version.set(v);
    }

    /// Runs a change, then reloads; a failure is shown and nothing else changes.
    fn run<F>(mut self, f: F)
    where
        F: std::future::Future<Output = Result<(), api::ApiError>> + 'static,
    {
        spawn(async move {
            match f.await {
                Ok(()) => self.error.set(None),
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.changed();
        });
    }

    fn complete(mut self, t: &TaskView, done: bool) {
        let (id, title) = (t.local_id.clone(), t.title.clone());
        if done {
            let offer = (id.clone(), format!("Completed “{title}”"));
            self.undo.set(Some(offer.clone()));
            let mut undo = self.undo;
            spawn(async move {
                super::timer::sleep_ms(8000).await;
                if undo.peek().as_ref() == Some(&offer) {
                    undo.set(None);
                }
            });
        }
        self.run(async move {
            api::tasks_edit(
                id,
                TaskEdit {
                    completed: Some(done),
                    ..TaskEdit::default()
                },
            )
            .await
            .map(|_| ())
        });
    }

    /// Takes back a completion from the undo offer.
    fn uncomplete(mut self, id: String) {
        self.undo.set(None);
        self.run(async move {
            api::tasks_edit(
                id,
                TaskEdit {
                    completed: Some(false),
                    ..TaskEdit::default()
                },
            )
            .await
            .map(|_| ())
        });
    }

    fn move_to(self, id: String, to: MoveTo) {
        self.run(async move { api::tasks_move(id, to).await.map(|_| ()) });
    }

    fn all_lists(&self) -> Vec<TaskListView> {
        match &*self.lists.read() {
            Some(Ok(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    async fn sync_now(mut self) {
        self.syncing.set(true);
        match api::tasks_sync(None).await {
            Ok(r) => self.sync_note.set(Some((
                true,
                format!(
                    "Synced: {} sent, {} new, {} changed, {} deleted from Google{}.",
                    r.sent + r.adopted,
                    r.added,
                    r.updated,
                    r.deleted,
                    if r.refused > 0 {
                        format!(", {} refused", r.refused)
                    } else {
                        String::new()
                    }
                ),
            ))),
            Err(e) => self.sync_note.set(Some((
                false,
                format!("{e} Your changes are kept and sent on the next sync."),
            ))),
        }
        self.syncing.set(false);
        self.changed();
    }
}

pub(super) use crate::ui::hooks::form_text;

fn priority_label(p: u8) -> &'static str {
    match p {
        3 => "High",
        2 => "Medium",
        1 => "Low",
        _ => "None",
    }
}

#[component]
pub fn Tasks() -> Element {
    let st = use_tasks_state();
    let all = st.all_lists();
    let mut current = st.current;
    if current.peek().is_none() {
        if let Some(l) = all.iter().find(|l| l.is_default).or(all.first()) {
            current.set(Some(l.local_id.clone()));
        }
    }
    let cur = current.read().clone();
    let cur_list = all
        .iter()
        .find(|l| Some(&l.local_id) == cur.as_ref())
        .cloned();
    rsx! {
        div { class: "tasks",
            ListsSidebar { st, all: all.clone(), cur_list: cur_list.clone() }
            section { class: "tasks-main",
                if let Some(e) = st.error.read().as_ref() {
                    div { class: "banner error", role: "alert", "{e}" }
                }
                if let Some((id, text)) = st.undo.read().clone() {
                    div { class: "toast", role: "status",
                        "{text}. "
                        button {
                            class: "link-button",
                            onclick: move |_| st.uncomplete(id.clone()),
                            "Undo"
                        }
                    }
                }
                if let Some(l) = cur_list {
                    ListPane { st, list: l, all: all.clone() }
                }
            }
            if let Some(sel) = st.selected.read().clone() {
                TaskDetail { key: "{sel}-{st.version}", id: sel, lists: all.clone() }
            }
        }
    }
}

/// The lists with their open counts (drop a task on one to move it there), Sync now, New list.
#[component]
fn ListsSidebar(st: TasksState, all: Vec<TaskListView>, cur_list: Option<TaskListView>) -> Element {
    let problems = st.problems.read().clone().unwrap_or_default();
    let (mut current, syncing, mut new_list) = (st.current, st.syncing, st.new_list);
    let cur = current.read().clone();
    rsx! {
        aside { class: "tasks-lists", aria_label: "Task lists",
            div { class: "chat-list-head",
                h1 { "Tasks" }
                button { class: "button small", disabled: syncing(), onclick: move |_| st.sync_now(), if syncing() { "Syncing…" } else { "Sync now" } }
            }
            if let Some((ok, text)) = st.sync_note.read().as_ref() {
                p { class: if *ok { "muted small" } else { "error-text small" }, role: "status", "{text}" }
            }
            if let Some(Err(e)) = &*st.lists.read() {
                p { class: "error-text small", "{e}" }
            }
            ul { class: "chat-items",
                for l in all.iter() {
                    li { key: "{l.local_id}",
                        button {
                            class: if cur.as_deref() == Some(l.local_id.as_str()) { "chat-item active list-drop" } else { "chat-item list-drop" },
                            onclick: {
                                let id = l.local_id.clone();
                                move |_| current.set(Some(id.clone()))
                            },
                            ondragover: move |e| e.prevent_default(),
                            ondrop: {
                                let id = l.local_id.clone();
                                move |e: DragEvent| {
                                    e.prevent_default();
                                    if let Some(task) = st.dragging.peek().clone() {
                                        st.move_to(task, MoveTo { list: Some(id.clone()), ..MoveTo::default() });
                                    }
                                }
                            },
                            span { class: "chat-item-title", "{l.title}" }
                            span { class: "muted small",
                                "{l.open_tasks} open"
                                if !l.on_google { " · not sent yet" }
                            }
                        }
                    }
                }
                if st.lists.read().is_some() && all.is_empty() {
                    if problems.is_empty() {
                        li { class: "muted small chat-none", "No task lists yet. Sign in to a Google account (Settings → Accounts), then Sync now." }
                    } else {
                        li { class: "small chat-none", role: "alert",
                            "No task lists yet: Google Tasks could not be read. "
                            for p in problems.iter() {
                                span { class: "sync-problem", "{p} " }
                            }
                            "Check the connection, or sign in again in Settings → Accounts to grant access to Tasks; then Sync now."
                        }
                    }
                }
            }
            if let Some(l) = &cur_list {
                form {
                    class: "tasks-newlist",
                    onsubmit: {
                        let account = l.account_id.clone();
                        move |e: FormEvent| {
                            e.prevent_default();
                            let title = form_text(&e, "title");
                            let account = account.clone();
                            if title.trim().is_empty() { return; }
                            new_list += 1;
                            st.run(async move { api::tasks_create_list(account, title).await.map(|_| ()) });
                        }
                    },
                    for k in [new_list()] {
                        input { key: "{k}", name: "title", placeholder: "New list…", aria_label: "New list" }
                    }
                }
            }
        }
    }
}

/// The list shown: its heading, quick add, and the tasks.
#[component]
fn ListPane(st: TasksState, list: TaskListView, all: Vec<TaskListView>) -> Element {
    let l = list;
    let view = st.view;
    rsx! {
        // Keyed in a list of one: a key outside a list does not make a new component, and
        // these keep the list's id in their state (another list shown needs new ones).
        for k in [l.local_id.clone()] {
            ListHead { key: "{k}", st, list: l.clone() }
        }
        for k in [l.local_id.clone()] {
            QuickAdd { key: "{k}", list: k.clone() }
        }
        if view() == View::List {
            for k in [l.local_id.clone()] {
                ListView { key: "{k}", list: l.clone(), lists: all.clone() }
            }
        } else {
            div { class: "board",
                for col in all.iter().filter(|c| c.account_id == l.account_id) {
                    BoardColumn { key: "{col.local_id}", list: col.clone() }
                }
            }
        }
        p { class: "muted small tasks-keys", "j/k move · x completes · Enter edits · Alt+↑/↓ reorders · [ and ] move to the previous/next list · drag a task onto a list" }
    }
}

#[component]
fn QuickAdd(list: String) -> Element {
    let st = use_context::<TasksState>();
    let mut k = use_signal(|| 0u32);
    let list = use_signal(|| list.clone());
    rsx! {
        form {
            class: "quick-add",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let title = form_text(&e, "title");
                let due = Some(form_text(&e, "due")).filter(|d| !d.is_empty());
                if title.trim().is_empty() { return; }
                k += 1;
                st.run(async move { api::tasks_add(list(), title, due, None).await.map(|_| ()) });
            },
            for key in [k()] {
                div { key: "{key}", class: "quick-fields",
                    input { name: "title", class: "quick-title", placeholder: "Add a task — Enter saves", aria_label: "New task", autocomplete: "off" }
                    input { name: "due", r#type: "date", aria_label: "Due date" }
                }
            }
            button { class: "button primary", r#type: "submit", "Add" }
        }
    }
}
