//! The side panel of one task: every field, its list, subtasks, time set aside, the mail it came
//! from, and delete.

use dioxus::prelude::*;

use super::{form_text, priority_label, TasksState};
use crate::api;
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView};
use crate::ui::Route;

/// The side panel: every field of one task.
#[component]
pub(super) fn TaskDetail(id: String, lists: Vec<TaskListView>) -> Element {
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
                        let get = |k: &str| form_text(&e, k);
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
                                let title = form_text(&e, "sub");
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
                let at = form_text(&e, "at");
                let len: i64 = form_text(&e, "len").parse().unwrap_or(60);
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
