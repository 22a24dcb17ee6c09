//! The list view: tasks in order (subtasks under their parent, completed ones apart), moved
//! and completed by keyboard or by dragging, edited in place.

use dioxus::prelude::*;

use super::{form_text, priority_label, TasksState};
use crate::api;
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView};

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
pub(super) fn ListView(list: TaskListView, lists: Vec<TaskListView>) -> Element {
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
        list_key(&e, st, &rows2, cursor, editing, &same_account, &lid.read())
    };
    let done_count = rows.iter().filter(|r| r.0.completed && r.1 == 0).count();
    rsx! {
        if let Some(Err(e)) = &*tasks.read() {
            p { class: "error-text", "{e}" }
        }
        if tasks.read().is_some() && rows.is_empty() {
            p { class: "muted tasks-empty", "Nothing to do here. Add a task above." }
        }
        // A list holds only list items (screen readers count them): the messages above stay
        // outside it, an empty list is not drawn, and "Completed" sits in an item of its own.
        if !rows.is_empty() {
            div { class: "task-rows", tabindex: "0", role: "list", aria_label: "Tasks in {list.title}", onkeydown,
                for (i, (t, depth)) in rows.iter().enumerate() {
                    Fragment { key: "{t.local_id}",
                    if t.completed && *depth == 0 && rows.iter().position(|r| r.0.completed && r.1 == 0) == Some(i) {
                        div { role: "listitem", class: "tasks-done-head-item",
                            h3 { class: "tasks-done-head", "Completed ({done_count})" }
                        }
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
                            let title = form_text(&e, "title");
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

/// The list's keys: j/k or ↑/↓ move, Enter edits, x or Space completes, Alt+↑/↓ reorders among
/// siblings, [ and ] move the task to the previous/next list of the account.
fn list_key(
    e: &KeyboardEvent,
    st: TasksState,
    rows: &[(TaskView, usize)],
    mut cursor: Signal<usize>,
    mut editing: Signal<Option<String>>,
    same_account: &[TaskListView],
    list_id: &str,
) {
    if editing.read().is_some() {
        return;
    }
    let n = rows.len();
    if n == 0 {
        return;
    }
    let i = cursor().min(n - 1);
    let (t, _) = &rows[i];
    let siblings: Vec<&TaskView> = rows
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
                    .position(|l| l.local_id == list_id)
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
}
