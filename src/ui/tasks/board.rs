//! The board view: one column per list of the account, cards dragged between them.

use dioxus::prelude::*;

use super::TasksState;
use crate::api;
use crate::model::{MoveTo, TaskListView, TaskView};

#[component]
pub(super) fn BoardColumn(list: TaskListView) -> Element {
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
