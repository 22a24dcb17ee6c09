//! AI on the open conversation (only where the user turned AI on for the account): a streamed
//! summary, a drafted reply that lands in an editable local draft, and tasks found in the
//! newest message, reviewed and edited before they are added to the task list.

use dioxus::prelude::*;

use crate::api;
use crate::model::{LiveResult, TaskProposal};
use crate::ui::chat::follow;
use crate::ui::markdown::Markdown;

#[derive(Clone, PartialEq)]
enum Panel {
    None,
    /// "Draft reply" asks what the reply should say before writing it.
    Guidance,
    Streaming {
        what: &'static str,
        live: u64,
        text: String,
    },
    Summary(String),
    FindingTasks,
    Tasks(Vec<(bool, TaskProposal)>),
    Done(String),
}

#[component]
pub(super) fn AiBar(account: String, thread_id: String, message_id: String) -> Element {
    let acc = use_signal(|| account.clone());
    let enabled = use_resource(move || async move { api::ai_mail_enabled(acc()).await });
    let mut panel = use_signal(|| Panel::None);
    let mut error = use_signal(|| None::<String>);
    let mut guidance = use_signal(String::new);
    let (tid, mid) = (
        use_signal(|| thread_id.clone()),
        use_signal(|| message_id.clone()),
    );

    let mut stream = move |what: &'static str, start: u64| {
        panel.set(Panel::Streaming {
            what,
            live: start,
            text: String::new(),
        });
        spawn(async move {
            let r = follow(start, |t| {
                if let Panel::Streaming { text, .. } = &mut *panel.write() {
                    *text = t;
                }
            })
            .await;
            match r {
                Ok(v) => match (v.result, v.error) {
                    (Some(LiveResult::Summary(s)), _) => panel.set(Panel::Summary(s)),
                    // The drafted reply opens in the mail editor, like any draft.
                    (Some(LiveResult::Draft(d)), _) => {
                        panel.set(Panel::None);
                        navigator().push(crate::ui::Route::Compose { id: d.id });
                    }
                    (_, Some(e)) => {
                        panel.set(Panel::None);
                        error.set(Some(e));
                    }
                    _ => panel.set(Panel::None),
                },
                Err(e) => {
                    panel.set(Panel::None);
                    error.set(Some(e));
                }
            }
        });
    };

    let summarise = move || {
        spawn(async move {
            error.set(None);
            match api::ai_summarize(acc(), tid()).await {
                Ok(id) => stream("Summarising", id),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    // The palette's "Summarise" opened this conversation: run it once AI is known to be on
    // (where it is off, the note below says so and the request is dropped).
    use_effect(move || {
        let ready = enabled.read().is_some();
        // Read, not peeked: the palette's Summarise on a conversation already open sets it
        // while this bar is on screen.
        let asked =
            super::requests::SUMMARISE_ON_OPEN.read().as_deref() == Some(tid.peek().as_str());
        if ready && asked {
            super::requests::SUMMARISE_ON_OPEN.write().take();
            if matches!(*enabled.peek(), Some(Ok(true))) {
                summarise();
            }
        }
    });

    match &*enabled.read() {
        Some(Ok(true)) => {}
        Some(Ok(false)) => {
            return rsx! {
                p { class: "muted small ai-off",
                    "AI is off for this account. "
                    Link { class: "link", to: crate::ui::Route::AiSettings {}, "Turn it on in Settings → AI" }
                }
            }
        }
        _ => return rsx! {},
    }
    let busy = matches!(*panel.read(), Panel::Streaming { .. } | Panel::FindingTasks);
    rsx! {
        // Typing here must not reach the mail shortcuts (s stars, e archives, …).
        div { class: "ai", onkeydown: move |e| e.stop_propagation(),
        div { class: "ai-bar", role: "toolbar", aria_label: "AI",
            span { class: "ai-mark", aria_hidden: "true", "✦" }
            button {
                class: "button small",
                disabled: busy,
                onclick: move |_| summarise(),
                "Summarise"
            }
            button {
                class: "button small",
                disabled: busy,
                onclick: move |_| { error.set(None); panel.set(Panel::Guidance); },
                "Draft reply"
            }
            button {
                class: "button small",
                disabled: busy,
                onclick: move |_| async move {
                    error.set(None);
                    panel.set(Panel::FindingTasks);
                    match api::ai_extract_tasks(acc(), mid()).await {
                        Ok(t) if t.is_empty() => panel.set(Panel::Done("No tasks found in the newest message.".into())),
                        Ok(t) => panel.set(Panel::Tasks(t.into_iter().map(|t| (true, t)).collect())),
                        Err(e) => { panel.set(Panel::None); error.set(Some(e.to_string())); }
                    }
                },
                "Find tasks"
            }
        }
        if let Some(e) = error.read().as_ref() {
            div { class: "banner error small", role: "alert", "{e}" }
        }
        match panel.read().clone() {
            Panel::None => rsx! {},
            Panel::Guidance => rsx! {
                form {
                    class: "ai-panel",
                    onsubmit: move |e| async move {
                        e.prevent_default();
                        let g = guidance.read().trim().to_string();
                        match api::ai_draft_reply(acc(), tid(), (!g.is_empty()).then_some(g)).await {
                            Ok(id) => stream("Drafting a reply", id),
                            Err(e) => { panel.set(Panel::None); error.set(Some(e.to_string())); }
                        }
                    },
                    div { class: "ai-panel-head",
                        label { r#for: "ai-guidance", strong { "What should the reply say?" } }
                        button { class: "button small close", r#type: "button", aria_label: "Close", onclick: move |_| panel.set(Panel::None), "✕" }
                    }
                    div { class: "ai-guidance-row",
                        input {
                            id: "ai-guidance",
                            class: "ai-guidance",
                            placeholder: "Optional, e.g. yes, Monday works",
                            initial_value: "{guidance.peek()}",
                            oninput: move |e| guidance.set(e.value()),
                            onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                        }
                        button { class: "button primary small", r#type: "submit", "Write draft" }
                    }
                }
            },
            Panel::Streaming { what, live, text } => rsx! {
                div { class: "ai-panel", aria_live: "polite",
                    div { class: "ai-panel-head",
                        strong { "{what}…" }
                        button { class: "button small", onclick: move |_| async move { let _ = api::ai_live_cancel(live).await; }, "Stop" }
                    }
                    if text.is_empty() { p { class: "muted small", "Reading the conversation…" } } else { Markdown { text } }
                }
            },
            Panel::Summary(text) => rsx! {
                div { class: "ai-panel",
                    div { class: "ai-panel-head",
                        strong { "Summary" }
                        button { class: "button small close", aria_label: "Close the summary", onclick: move |_| panel.set(Panel::None), "✕" }
                    }
                    Markdown { text }
                }
            },
            Panel::FindingTasks => rsx! {
                div { class: "ai-panel", role: "status", p { class: "muted small", "Finding tasks in the newest message…" } }
            },
            Panel::Tasks(list) => rsx! { TaskReview { list, account: acc(), message_id: mid(), on_done: move |m: Option<String>| panel.set(m.map(Panel::Done).unwrap_or(Panel::None)) } },
            Panel::Done(text) => rsx! {
                div { class: "ai-panel", role: "status",
                    div { class: "ai-panel-head",
                        span { "{text}" }
                        button { class: "button small close", aria_label: "Close", onclick: move |_| panel.set(Panel::None), "✕" }
                    }
                }
            },
        }
    }
    }
}

#[component]
fn TaskReview(
    list: Vec<(bool, TaskProposal)>,
    account: String,
    message_id: String,
    on_done: EventHandler<Option<String>>,
) -> Element {
    let mut items = use_signal(|| list.clone());
    let mut error = use_signal(|| None::<String>);
    let ids = use_signal(|| (account.clone(), message_id.clone()));
    let chosen = items.read().iter().filter(|i| i.0).count();
    rsx! {
        div { class: "ai-panel tasks",
            div { class: "ai-panel-head",
                strong { "Tasks to review" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| on_done.call(None), "✕" }
            }
            if let Some(e) = error.read().as_ref() {
                div { class: "banner error small", role: "alert", "{e}" }
            }
            for (i, (on, t)) in list.iter().cloned().enumerate() {
                div { class: "task-row", key: "{i}",
                    input {
                        r#type: "checkbox",
                        aria_label: "Add this task",
                        initial_checked: on,
                        onchange: move |e| items.write()[i].0 = e.checked(),
                    }
                    input {
                        class: "task-title",
                        aria_label: "Task",
                        initial_value: "{t.title}",
                        oninput: move |e| items.write()[i].1.title = e.value(),
                    }
                    input {
                        r#type: "date",
                        aria_label: "Due date",
                        initial_value: "{t.due.clone().unwrap_or_default()}",
                        oninput: move |e| {
                            let v = e.value();
                            items.write()[i].1.due = (!v.is_empty()).then_some(v);
                        },
                    }
                }
            }
            div { class: "form-actions",
                button {
                    class: "button primary small",
                    disabled: chosen == 0,
                    onclick: move |_| async move {
                        let tasks: Vec<TaskProposal> = items.read().iter().filter(|i| i.0).map(|i| i.1.clone()).collect();
                        let (account, message) = ids();
                        match api::ai_create_tasks(account, Some(message), tasks).await {
                            Ok(n) => on_done.call(Some(format!("Added {n} task{} to your task list.", if n == 1 { "" } else { "s" }))),
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    },
                    if chosen == 1 { "Add 1 task" } else { "Add {chosen} tasks" }
                }
            }
        }
    }
}
