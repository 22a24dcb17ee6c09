//! The shown list's heading: its name (renamed in place), List or Board, Clear completed, and
//! Delete list (asked first, with how many tasks go with it; the default list has no Delete,
//! Google keeps it).

use dioxus::prelude::*;

use super::{form_text, TasksState, View};
use crate::api;
use crate::model::TaskListView;

#[component]
pub(super) fn ListHead(st: TasksState, list: TaskListView) -> Element {
    let l = list;
    let mut view = st.view;
    let mut renaming = use_signal(|| false);
    // Some(n): "Delete this list and its n tasks?" is asked.
    let mut confirm = use_signal(|| None::<u64>);
    let mut note = use_signal(|| None::<String>);
    let mut error = st.error;
    let list_id = use_signal(|| l.local_id.clone());
    let ask_delete = move |_| {
        spawn(async move {
            match api::tasks_list_task_count(list_id()).await {
                Ok(n) => confirm.set(Some(n)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let clear = move |_| {
        spawn(async move {
            match api::tasks_clear_completed(list_id()).await {
                Ok(n) => {
                    error.set(None);
                    note.set(Some(match n {
                        0 => "No completed tasks to clear.".to_string(),
                        1 => "Cleared 1 completed task.".to_string(),
                        n => format!("Cleared {n} completed tasks."),
                    }));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            st.changed();
        });
    };
    let title = l.title.clone();
    rsx! {
        header { class: "tasks-head",
            if renaming() {
                form {
                    class: "list-rename",
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let t = form_text(&e, "title");
                        renaming.set(false);
                        if t.trim().is_empty() || t.trim() == title { return; }
                        st.run(async move { api::tasks_rename_list(list_id(), t).await });
                    },
                    input {
                        name: "title",
                        initial_value: "{l.title}",
                        aria_label: "List name",
                        autocomplete: "off",
                        onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                        onkeydown: move |e| if e.key() == Key::Escape { renaming.set(false) },
                    }
                    button { class: "button small primary", r#type: "submit", "Save" }
                    button { class: "button small", r#type: "button", onclick: move |_| renaming.set(false), "Cancel" }
                }
            } else {
                h2 { "{l.title}" }
            }
            div { class: "list-actions",
                div { class: "segmented", role: "group", aria_label: "View",
                    button { class: if view() == View::List { "button small active" } else { "button small" }, aria_pressed: if view() == View::List { "true" } else { "false" }, onclick: move |_| view.set(View::List), "List" }
                    button { class: if view() == View::Board { "button small active" } else { "button small" }, aria_pressed: if view() == View::Board { "true" } else { "false" }, onclick: move |_| view.set(View::Board), "Board" }
                }
                if !renaming() {
                    button { class: "button small", title: "Rename this list", onclick: move |_| { note.set(None); renaming.set(true) }, "Rename" }
                }
                button {
                    class: "button small",
                    disabled: l.completed_tasks == 0,
                    title: "Hide the completed tasks of this list, as Google Tasks does",
                    onclick: clear,
                    if l.completed_tasks > 0 { "Clear completed ({l.completed_tasks})" } else { "Clear completed" }
                }
                if !l.is_default {
                    button { class: "button small danger", title: "Delete this list and its tasks", onclick: ask_delete, "Delete list" }
                }
            }
        }
        if let Some(n) = confirm() {
            div { class: "banner warn", role: "alertdialog", aria_label: "Delete the list?",
                if n == 0 { "Delete “{l.title}”? It holds no tasks. " } else if n == 1 { "Delete “{l.title}” and its 1 task? " } else { "Delete “{l.title}” and its {n} tasks? " }
                "This cannot be undone, here or in Google Tasks. "
                button {
                    class: "button small danger",
                    onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                    onclick: move |_| {
                        confirm.set(None);
                        // The page shows another list only once this one is gone: this
                        // component (and a task it spawned) goes with the list shown.
                        spawn(async move {
                            match api::tasks_delete_list(list_id()).await {
                                Ok(()) => {
                                    error.set(None);
                                    let mut current = st.current;
                                    current.set(None);
                                }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                            st.changed();
                        });
                    },
                    "Delete"
                }
                " "
                button { class: "button small", onclick: move |_| confirm.set(None), "Keep it" }
            }
        }
        if let Some(t) = note() {
            p { class: "muted small", role: "status", "{t}" }
        }
    }
}
