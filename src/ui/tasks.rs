//! Tasks: lists on the left, the selected list as a list (subtasks indented) or as a board (one
//! column per list of the account). Quick add with Enter, inline edit, complete with undo, due
//! date, priority and labels, moves by keyboard or by dragging (onto another list too), and
//! "Sync now". Every change is saved here at once and reaches Google on the next sync.

use dioxus::prelude::*;

use super::Route;
use crate::api;
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView};

#[derive(Clone, Copy, PartialEq)]
enum View {
    List,
    Board,
}

/// Shared by the page's parts: what changed (to reload), what is being dragged, the undo offer.
#[derive(Clone, Copy)]
struct TasksState {
    version: Signal<u64>,
    dragging: Signal<Option<String>>,
    undo: Signal<Option<(String, String)>>,
    error: Signal<Option<String>>,
    selected: Signal<Option<String>>,
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

    fn move_to(self, id: String, to: MoveTo) {
        self.run(async move { api::tasks_move(id, to).await.map(|_| ()) });
    }
}

/// A named text field of a submitted form ("" when absent).
fn field(e: &FormEvent, name: &str) -> String {
    match e.get_first(name) {
        Some(dioxus::html::FormValue::Text(t)) => t,
        _ => String::new(),
    }
}

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
    let st = TasksState {
        version: use_signal(|| 0),
        dragging: use_signal(|| None),
        undo: use_signal(|| None),
        error: use_signal(|| None),
        selected: use_signal(|| None),
    };
    use_context_provider(|| st);
    let mut current = use_signal(|| None::<String>);
    let mut view = use_signal(|| View::List);
    let mut sync_note = use_signal(|| None::<(bool, String)>);
    let mut syncing = use_signal(|| false);
    let lists = use_resource(move || async move {
        let _ = (st.version)();
        api::tasks_lists(None).await
    });
    let all: Vec<TaskListView> = match &*lists.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
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
    let sync_now = move |_| async move {
        syncing.set(true);
        match api::tasks_sync(None).await {
            Ok(r) => sync_note.set(Some((
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
            Err(e) => sync_note.set(Some((
                false,
                format!("{e} Your changes are kept and sent on the next sync."),
            ))),
        }
        syncing.set(false);
        st.changed();
    };
    let mut new_list = use_signal(|| 0u32);
    rsx! {
        div { class: "tasks",
            aside { class: "tasks-lists", aria_label: "Task lists",
                div { class: "chat-list-head",
                    h1 { "Tasks" }
                    button { class: "button small", disabled: syncing(), onclick: sync_now, if syncing() { "Syncing…" } else { "Sync now" } }
                }
                if let Some((ok, text)) = sync_note.read().as_ref() {
                    p { class: if *ok { "muted small" } else { "error-text small" }, role: "status", "{text}" }
                }
                if let Some(Err(e)) = &*lists.read() {
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
                    if lists.read().is_some() && all.is_empty() {
                        li { class: "muted small chat-none", "No task lists yet. Sign in to a Google account (Settings → Accounts), then Sync now." }
                    }
                }
                if let Some(l) = &cur_list {
                    form {
                        class: "tasks-newlist",
                        onsubmit: {
                            let account = l.account_id.clone();
                            move |e: FormEvent| {
                                e.prevent_default();
                                let title = field(&e, "title");
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
            section { class: "tasks-main",
                if let Some(e) = st.error.read().as_ref() {
                    div { class: "banner error", role: "alert", "{e}" }
                }
                if let Some((id, text)) = st.undo.read().clone() {
                    div { class: "toast", role: "status",
                        "{text}. "
                        button {
                            class: "link-button",
                            onclick: move |_| {
                                let mut u = st.undo;
                                u.set(None);
                                let id = id.clone();
                                st.run(async move { api::tasks_edit(id, TaskEdit { completed: Some(false), ..TaskEdit::default() }).await.map(|_| ()) });
                            },
                            "Undo"
                        }
                    }
                }
                match cur_list {
                    None => rsx! {},
                    Some(l) => rsx! {
                        header { class: "tasks-head",
                            h2 { "{l.title}" }
                            div { class: "segmented", role: "group", aria_label: "View",
                                button { class: if view() == View::List { "button small active" } else { "button small" }, aria_pressed: if view() == View::List { "true" } else { "false" }, onclick: move |_| view.set(View::List), "List" }
                                button { class: if view() == View::Board { "button small active" } else { "button small" }, aria_pressed: if view() == View::Board { "true" } else { "false" }, onclick: move |_| view.set(View::Board), "Board" }
                            }
                        }
                        for k in [l.local_id.clone()] {
                            QuickAdd { key: "{k}", list: k.clone() }
                        }
                        if view() == View::List {
                            ListView { list: l.clone(), lists: all.clone() }
                        } else {
                            div { class: "board",
                                for col in all.iter().filter(|c| c.account_id == l.account_id) {
                                    BoardColumn { key: "{col.local_id}", list: col.clone() }
                                }
                            }
                        }
                        p { class: "muted small tasks-keys", "j/k move · x completes · Enter edits · Alt+↑/↓ reorders · [ and ] move to the previous/next list · drag a task onto a list" }
                    },
                }
            }
            if let Some(sel) = st.selected.read().clone() {
                TaskDetail { key: "{sel}-{st.version}", id: sel, lists: all.clone() }
            }
        }
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
                let title = field(&e, "title");
                let due = Some(field(&e, "due")).filter(|d| !d.is_empty());
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

/// Parents with their subtasks under them, open ones first, then "Completed".
fn ordered(tasks: &[TaskView]) -> Vec<(TaskView, usize)> {
    let mut out = Vec::new();
    for done in [false, true] {
        for t in tasks
            .iter()
            .filter(|t| t.parent_local_id.is_none() && t.completed == done)
        {
            out.push((t.clone(), 0));
            for c in tasks
                .iter()
                .filter(|c| c.parent_local_id.as_deref() == Some(&t.local_id))
            {
                out.push((c.clone(), 1));
            }
        }
    }
    // Subtasks whose parent is not in this list (yet) still show.
    for t in tasks {
        if !out.iter().any(|(x, _)| x.local_id == t.local_id) {
            out.push((t.clone(), 0));
        }
    }
    out
}

#[component]
fn ListView(list: TaskListView, lists: Vec<TaskListView>) -> Element {
    let st = use_context::<TasksState>();
    let lid = use_signal(|| list.local_id.clone());
    let tasks = use_resource(move || async move {
        let _ = (st.version)();
        api::tasks_of(lid()).await
    });
    let mut cursor = use_signal(|| 0usize);
    let mut editing = use_signal(|| None::<String>);
    let rows: Vec<(TaskView, usize)> = match &*tasks.read() {
        Some(Ok(v)) => ordered(v),
        _ => Vec::new(),
    };
    let same_account: Vec<TaskListView> = lists
        .iter()
        .filter(|l| l.account_id == list.account_id)
        .cloned()
        .collect();
    let rows2 = rows.clone();
    let onkeydown = move |e: KeyboardEvent| {
        if editing.read().is_some() {
            return;
        }
        let n = rows2.len();
        if n == 0 {
            return;
        }
        let i = cursor().min(n - 1);
        let (t, _) = &rows2[i];
        let siblings: Vec<&TaskView> = rows2
            .iter()
            .map(|r| &r.0)
            .filter(|x| x.parent_local_id == t.parent_local_id && x.completed == t.completed)
            .collect();
        let at = siblings
            .iter()
            .position(|x| x.local_id == t.local_id)
            .unwrap_or(0);
        let alt = e.modifiers().alt();
        match e.key() {
            Key::ArrowDown if alt => {
                if let Some(next) = siblings.get(at + 1) {
                    e.prevent_default();
                    st.move_to(
                        t.local_id.clone(),
                        MoveTo {
                            parent: t.parent_local_id.clone(),
                            previous: Some(next.local_id.clone()),
                            ..MoveTo::default()
                        },
                    );
                }
            }
            Key::ArrowUp if alt && at > 0 => {
                e.prevent_default();
                let previous = if at >= 2 {
                    Some(siblings[at - 2].local_id.clone())
                } else {
                    None
                };
                st.move_to(
                    t.local_id.clone(),
                    MoveTo {
                        parent: t.parent_local_id.clone(),
                        previous,
                        ..MoveTo::default()
                    },
                );
            }
            Key::ArrowDown => {
                e.prevent_default();
                cursor.set((i + 1).min(n - 1));
            }
            Key::ArrowUp => {
                e.prevent_default();
                cursor.set(i.saturating_sub(1));
            }
            Key::Enter => {
                e.prevent_default();
                editing.set(Some(t.local_id.clone()));
            }
            Key::Character(c) => match c.as_str() {
                "j" => cursor.set((i + 1).min(n - 1)),
                "k" => cursor.set(i.saturating_sub(1)),
                "x" | " " => {
                    e.prevent_default();
                    st.complete(t, !t.completed);
                }
                "[" | "]" => {
                    let pos = same_account
                        .iter()
                        .position(|l| l.local_id == lid())
                        .unwrap_or(0);
                    let to = if c == "]" {
                        pos + 1
                    } else {
                        pos.wrapping_sub(1)
                    };
                    if let Some(dest) = same_account.get(to) {
                        st.move_to(
                            t.local_id.clone(),
                            MoveTo {
                                list: Some(dest.local_id.clone()),
                                ..MoveTo::default()
                            },
                        );
                    }
                }
                _ => {}
            },
            _ => {}
        }
    };
    let done_count = rows.iter().filter(|r| r.0.completed && r.1 == 0).count();
    rsx! {
        div { class: "task-rows", tabindex: "0", role: "list", aria_label: "Tasks in {list.title}", onkeydown,
            if let Some(Err(e)) = &*tasks.read() {
                p { class: "error-text", "{e}" }
            }
            if tasks.read().is_some() && rows.is_empty() {
                p { class: "muted tasks-empty", "Nothing to do here. Add a task above." }
            }
            for (i, (t, depth)) in rows.iter().enumerate() {
                Fragment { key: "{t.local_id}",
                if t.completed && *depth == 0 && rows.iter().position(|r| r.0.completed && r.1 == 0) == Some(i) {
                    h3 { class: "tasks-done-head", "Completed ({done_count})" }
                }
                TaskRow {
                    task: t.clone(),
                    depth: *depth,
                    focused: cursor() == i,
                    editing: editing.read().as_deref() == Some(t.local_id.as_str()),
                    on_edit: move |id: Option<String>| editing.set(id),
                    on_focus: move |_| cursor.set(i),
                }
                }
            }
        }
    }
}

#[component]
fn TaskRow(
    task: TaskView,
    depth: usize,
    focused: bool,
    editing: bool,
    on_edit: EventHandler<Option<String>>,
    on_focus: EventHandler<()>,
) -> Element {
    let st = use_context::<TasksState>();
    let t = task.clone();
    let t2 = task.clone();
    let id = task.local_id.clone();
    let mut dragging = st.dragging;
    let mut selected = st.selected;
    let class = format!(
        "task-row2{}{}{}",
        if task.completed { " done" } else { "" },
        if focused { " focused" } else { "" },
        if depth > 0 { " sub" } else { "" }
    );
    rsx! {
        div {
            class: "{class}",
            role: "listitem",
            draggable: "true",
            ondragstart: {
                let id = id.clone();
                move |_| dragging.set(Some(id.clone()))
            },
            ondragend: move |_| dragging.set(None),
            ondragover: move |e| e.prevent_default(),
            ondrop: {
                let t = task.clone();
                move |e: DragEvent| {
                    e.prevent_default();
                    if let Some(from) = dragging.peek().clone().filter(|f| *f != t.local_id) {
                        st.move_to(from, MoveTo { list: t.list_local_id.clone(), parent: t.parent_local_id.clone(), previous: Some(t.local_id.clone()), ..MoveTo::default() });
                    }
                }
            },
            onclick: move |_| on_focus.call(()),
            input {
                r#type: "checkbox",
                aria_label: if task.completed { "Mark not done" } else { "Mark done" },
                checked: task.completed,
                onchange: move |e| st.complete(&t, e.checked()),
            }
            if editing {
                form {
                    class: "task-edit",
                    onsubmit: {
                        let id = id.clone();
                        move |e: FormEvent| {
                            e.prevent_default();
                            let title = field(&e, "title");
                            let id = id.clone();
                            on_edit.call(None);
                            st.run(async move { api::tasks_edit(id, TaskEdit { title: Some(title), ..TaskEdit::default() }).await.map(|_| ()) });
                        }
                    },
                    input {
                        name: "title",
                        aria_label: "Task title",
                        initial_value: "{task.title}",
                        onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                        onkeydown: move |e| if e.key() == Key::Escape { on_edit.call(None) },
                    }
                }
            } else {
                span {
                    class: "task-title2",
                    title: "Double-click to edit",
                    ondoubleclick: {
                        let id = id.clone();
                        move |_| on_edit.call(Some(id.clone()))
                    },
                    "{task.title}"
                }
            }
            if task.priority > 0 {
                span { class: "prio p{task.priority}", title: "Priority: {priority_label(task.priority)}", "{priority_label(task.priority)}" }
            }
            for l in task.labels.iter() {
                span { class: "chip", "{l}" }
            }
            if let Some(d) = &task.due_date {
                span { class: "due", title: "Due", "{d}" }
            }
            if task.pending {
                span { class: "muted small", title: "Saved here; reaches Google on the next sync", "↑" }
            }
            button {
                class: "link-button small",
                aria_label: "Details of {task.title}",
                onclick: move |e| { e.stop_propagation(); selected.set(Some(t2.local_id.clone())); },
                "Details"
            }
        }
    }
}

#[component]
fn BoardColumn(list: TaskListView) -> Element {
    let st = use_context::<TasksState>();
    let lid = use_signal(|| list.local_id.clone());
    let tasks = use_resource(move || async move {
        let _ = (st.version)();
        api::tasks_of(lid()).await
    });
    let open: Vec<TaskView> = match &*tasks.read() {
        Some(Ok(v)) => v
            .iter()
            .filter(|t| !t.completed && t.parent_local_id.is_none())
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let mut dragging = st.dragging;
    let mut selected = st.selected;
    rsx! {
        section {
            class: "board-col",
            aria_label: "{list.title}",
            ondragover: move |e| e.prevent_default(),
            ondrop: move |e: DragEvent| {
                e.prevent_default();
                if let Some(t) = dragging.peek().clone() {
                    st.move_to(t, MoveTo { list: Some(lid()), ..MoveTo::default() });
                }
            },
            h3 { "{list.title} " span { class: "muted small", "{open.len()}" } }
            for t in open {
                div {
                    key: "{t.local_id}",
                    class: "board-card",
                    draggable: "true",
                    ondragstart: {
                        let id = t.local_id.clone();
                        move |_| dragging.set(Some(id.clone()))
                    },
                    ondragend: move |_| dragging.set(None),
                    onclick: {
                        let id = t.local_id.clone();
                        move |_| selected.set(Some(id.clone()))
                    },
                    input {
                        r#type: "checkbox",
                        aria_label: "Mark done",
                        onclick: move |e| e.stop_propagation(),
                        onchange: {
                            let t = t.clone();
                            move |_| st.complete(&t, true)
                        },
                    }
                    span { "{t.title}" }
                    if let Some(d) = &t.due_date { span { class: "due", "{d}" } }
                }
            }
        }
    }
}

/// The side panel: every field of one task.
#[component]
fn TaskDetail(id: String, lists: Vec<TaskListView>) -> Element {
    let st = use_context::<TasksState>();
    let idsig = use_signal(|| id.clone());
    let task = use_resource(move || async move { api::tasks_of_one(idsig()).await });
    let mut selected = st.selected;
    let mut confirm = use_signal(|| false);
    let nav = use_navigator();
    let Some(Ok(t)) = task.read().clone() else {
        return rsx! {};
    };
    let same: Vec<TaskListView> = lists
        .iter()
        .filter(|l| l.account_id == t.account_id)
        .cloned()
        .collect();
    let labels = t.labels.join(", ");
    let cur_list = t
        .list_local_id
        .clone()
        .or_else(|| {
            same.iter()
                .find(|l| l.is_default)
                .map(|l| l.local_id.clone())
        })
        .unwrap_or_default();
    rsx! {
        aside { class: "task-detail", aria_label: "Task details",
            div { class: "ai-panel-head",
                strong { "Task" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| selected.set(None), "✕" }
            }
            form {
                onsubmit: {
                    let t = t.clone();
                    move |e: FormEvent| {
                        e.prevent_default();
                        let get = |k: &str| field(&e, k);
                        let (title, notes, due) = (get("title"), get("notes"), get("due"));
                        let prio: u8 = get("priority").parse().unwrap_or(0);
                        let labels: Vec<String> = get("labels").split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                        let id = t.local_id.clone();
                        st.run(async move {
                            api::tasks_edit(id.clone(), TaskEdit {
                                title: Some(title),
                                notes: Some(notes),
                                due: Some((!due.is_empty()).then_some(due)),
                                completed: None,
                            }).await?;
                            api::tasks_set_meta(id, prio, labels).await.map(|_| ())
                        });
                    }
                },
                div { class: "field", label { r#for: "td-title", "Title" } input { id: "td-title", name: "title", initial_value: "{t.title}" } }
                div { class: "field", label { r#for: "td-due", "Due" } input { id: "td-due", name: "due", r#type: "date", initial_value: "{t.due_date.clone().unwrap_or_default()}" } }
                div { class: "field", label { r#for: "td-prio", "Priority" }
                    select { id: "td-prio", name: "priority",
                        for p in 0..=3u8 { option { value: "{p}", selected: p == t.priority, "{priority_label(p)}" } }
                    }
                }
                div { class: "field", label { r#for: "td-labels", "Labels" } input { id: "td-labels", name: "labels", placeholder: "comma, separated", initial_value: "{labels}" } }
                label { r#for: "td-notes", class: "small", "Notes" }
                textarea { id: "td-notes", name: "notes", rows: "4", initial_value: "{t.notes}" }
                div { class: "form-actions", button { class: "button primary small", r#type: "submit", "Save" } }
            }
            div { class: "field",
                label { r#for: "td-list", "List" }
                select {
                    id: "td-list",
                    value: "{cur_list}",
                    onchange: {
                        let id = t.local_id.clone();
                        move |e: FormEvent| st.move_to(id.clone(), MoveTo { list: Some(e.value()), ..MoveTo::default() })
                    },
                    for l in same.iter() { option { value: "{l.local_id}", "{l.title}" } }
                }
            }
            div { class: "form-actions",
                if t.parent_local_id.is_none() {
                    form {
                        class: "quick-add",
                        onsubmit: {
                            let (id, list) = (t.local_id.clone(), cur_list.clone());
                            move |e: FormEvent| {
                                e.prevent_default();
                                let title = field(&e, "sub");
                                if title.trim().is_empty() { return; }
                                let (id, list) = (id.clone(), list.clone());
                                st.run(async move { api::tasks_add(list, title, None, Some(id)).await.map(|_| ()) });
                            }
                        },
                        input { name: "sub", placeholder: "Add a subtask", aria_label: "New subtask" }
                    }
                }
            }
            TimeBlock { key: "{t.local_id}-{t.block_start_ms:?}", task: t.clone() }
            if let Some(m) = t.source_message_id.clone() {
                button {
                    class: "link-button",
                    onclick: move |_| {
                        let m = m.clone();
                        async move {
                            if let Ok((account, thread)) = api::mail_locate(m).await {
                                nav.push(Route::MailThread { account, thread });
                            }
                        }
                    },
                    "Open the mail it came from"
                }
            }
            div { class: "form-actions",
                if confirm() {
                    button {
                        class: "button danger small",
                        onclick: {
                            let id = t.local_id.clone();
                            move |_| {
                                let id = id.clone();
                                selected.set(None);
                                st.run(async move { api::tasks_delete(id).await });
                            }
                        },
                        if t.parent_local_id.is_none() { "Delete with its subtasks" } else { "Delete" }
                    }
                    button { class: "button small", onclick: move |_| confirm.set(false), "Keep" }
                } else {
                    button { class: "button small danger", onclick: move |_| confirm.set(true), "Delete…" }
                }
            }
        }
    }
}

/// Time set aside for a task, shown on the calendar (kept here only).
#[component]
fn TimeBlock(task: TaskView) -> Element {
    use chrono::{Local, TimeZone};
    let st = use_context::<TasksState>();
    let start = task
        .block_start_ms
        .and_then(|m| Local.timestamp_millis_opt(m).single())
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let minutes = match (task.block_start_ms, task.block_end_ms) {
        (Some(a), Some(b)) => (b - a) / 60_000,
        _ => 60,
    };
    let id = task.local_id.clone();
    let id2 = task.local_id.clone();
    rsx! {
        form {
            class: "time-block",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let at = field(&e, "at");
                let len: i64 = field(&e, "len").parse().unwrap_or(60);
                let Ok(naive) = chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M") else {
                    let mut err = st.error;
                    err.set(Some("Choose a day and time for the time block.".into()));
                    return;
                };
                let Some(start) = Local.from_local_datetime(&naive).earliest() else { return };
                let a = start.timestamp_millis();
                let id = id.clone();
                st.run(async move { api::tasks_set_block(id, Some((a, a + len * 60_000))).await.map(|_| ()) });
            },
            label { r#for: "tb-at", class: "small", "Time set aside" }
            div { class: "tb-row",
                input { id: "tb-at", name: "at", r#type: "datetime-local", initial_value: "{start}" }
                select { name: "len", aria_label: "For",
                    for (m, label) in [(30, "30 min"), (60, "1 h"), (90, "1½ h"), (120, "2 h"), (180, "3 h")] {
                        option { value: "{m}", selected: m == minutes, "{label}" }
                    }
                }
            }
            div { class: "form-actions",
                button { class: "button small", r#type: "submit", "Set" }
                if task.block_start_ms.is_some() {
                    button {
                        class: "button small",
                        r#type: "button",
                        onclick: move |_| {
                            let id = id2.clone();
                            st.run(async move { api::tasks_set_block(id, None).await.map(|_| ()) });
                        },
                        "Clear"
                    }
                }
            }
        }
    }
}
