//! Chat with a local model: conversations on the left (search, new), the selected one on the
//! right with its model and system prompt, replies streaming in place with Stop, Regenerate on
//! the last reply, Edit on your messages, and delete with confirmation.

use dioxus::prelude::*;

use super::markdown::Markdown;
use super::timer::sleep_ms;
use crate::api;
use crate::model::{AiEndpoint, ChatMessageView, Conversation, EndpointHealth, LiveResult};

/// How often the screen takes the text that streamed in: at most one update per 50 ms,
/// however fast the model writes.
pub const POLL_MS: u64 = 50;

/// Follows a streaming request until it ends, handing the text to `on_text` each time it grew.
/// Returns the final poll (result or error).
pub async fn follow(
    id: u64,
    mut on_text: impl FnMut(String),
) -> Result<crate::model::LiveView, String> {
    let mut shown = 0usize;
    loop {
        let v = api::ai_live(id).await.map_err(|e| e.to_string())?;
        if v.text.len() != shown || v.done {
            shown = v.text.len();
            on_text(v.text.clone());
        }
        if v.done {
            return Ok(v);
        }
        sleep_ms(POLL_MS).await;
    }
}

/// A model as people name it: servers like llama.cpp report the file path of the model.
pub fn short_model(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.strip_suffix(".gguf").unwrap_or(base)
}

/// Scrolls an element to its end (the newest message).
fn scroll_to_end(selector: &'static str) {
    document::eval(&format!(
        "const e = document.querySelector('{selector}'); if (e) e.scrollTop = e.scrollHeight;"
    ));
}

#[component]
pub fn Chat() -> Element {
    rsx! { ChatPage { open: None } }
}

/// Chat with one conversation open (a link to it).
#[component]
pub fn ChatWith(id: String) -> Element {
    rsx! { ChatPage { key: "{id}", open: Some(id.clone()) } }
}

#[component]
fn ChatPage(open: Option<String>) -> Element {
    let mut query = use_signal(String::new);
    let mut selected = use_signal(|| open.clone());
    let mut error = use_signal(|| None::<String>);
    let mut list = use_resource(move || async move {
        let q = query.read().clone();
        api::chat_list((!q.trim().is_empty()).then_some(q)).await
    });
    let new_chat = move |_| async move {
        error.set(None);
        match api::chat_create(None, None).await {
            Ok(c) => {
                selected.set(Some(c.id));
                list.restart();
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let convs: Vec<Conversation> = match &*list.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    let list_error = match &*list.read() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let current = selected.read().clone();
    rsx! {
        div { class: "chat",
            aside { class: "chat-list", aria_label: "Conversations",
                div { class: "chat-list-head",
                    h1 { "Chat" }
                    button { class: "button primary small", onclick: new_chat, "New chat" }
                }
                input {
                    class: "chat-search",
                    r#type: "search",
                    placeholder: "Search titles and messages",
                    aria_label: "Search conversations",
                    oninput: move |e| query.set(e.value()),
                }
                if let Some(e) = list_error {
                    div { class: "banner error small", role: "alert", "{e}" }
                }
                ul { class: "chat-items",
                    for c in convs.iter() {
                        li { key: "{c.id}",
                            button {
                                class: if current.as_deref() == Some(c.id.as_str()) { "chat-item active" } else { "chat-item" },
                                onclick: {
                                    let id = c.id.clone();
                                    move |_| selected.set(Some(id.clone()))
                                },
                                span { class: "chat-item-title", "{c.title}" }
                                span { class: "muted small", {short_model(&c.model)} }
                            }
                        }
                    }
                    if convs.is_empty() && list.read().is_some() {
                        li { class: "muted small chat-none",
                            if query.read().is_empty() { "No conversations yet." } else { "Nothing matches." }
                        }
                    }
                }
            }
            section { class: "chat-main",
                if let Some(e) = error.read().as_ref() {
                    div { class: "banner error", role: "alert",
                        "{e} "
                        Link { class: "link", to: super::Route::AiSettings {}, "Open Settings → AI" }
                    }
                }
                match current {
                    Some(id) => rsx! {
                        ChatView {
                            key: "{id}",
                            id: id.clone(),
                            on_change: move |_| list.restart(),
                            on_deleted: move |_| { selected.set(None); list.restart(); },
                        }
                    },
                    None => rsx! {
                        div { class: "chat-empty",
                            h2 { "Talk to a model on your own computer" }
                            p { class: "muted", "Conversations are saved on this device. Start one, or pick one on the left." }
                            button { class: "button primary", onclick: new_chat, "New chat" }
                        }
                    },
                }
            }
        }
    }
}

/// Servers with the models each offers, for the model picker.
async fn servers() -> Result<Vec<(AiEndpoint, EndpointHealth)>, String> {
    let eps = api::ai_endpoints().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for ep in eps {
        let h = api::ai_health(ep.id.clone())
            .await
            .map_err(|e| e.to_string())?;
        out.push((ep, h));
    }
    Ok(out)
}

#[component]
fn ChatView(id: String, on_change: EventHandler<()>, on_deleted: EventHandler<()>) -> Element {
    let id_sig = use_signal(|| id.clone());
    let mut conv = use_resource(move || async move { api::chat_messages(id_sig()).await });
    let mut meta = use_resource(move || async move {
        let id = id_sig();
        api::chat_list(None)
            .await
            .map(|v| v.into_iter().find(|c| c.id == id))
    });
    let servers = use_resource(servers);
    let mut draft = use_signal(String::new);
    // A new composer after each send: the text area is never rewritten while you type.
    let mut composer = use_signal(|| 0u32);
    let mut live = use_signal(|| None::<u64>);
    let mut live_text = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut editing = use_signal(|| None::<(i64, String)>);
    let mut renaming = use_signal(|| None::<String>);
    let mut show_system = use_signal(|| false);
    let mut system_text = use_signal(|| None::<String>);
    let mut confirm_delete = use_signal(|| false);

    let c: Option<Conversation> = match &*meta.read() {
        Some(Ok(c)) => c.clone(),
        _ => None,
    };
    let msgs: Vec<ChatMessageView> = match &*conv.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    let load_error = match &*conv.read() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };

    // Starts a request and follows it until it ends.
    let run = move |text: Option<String>, edit: Option<i64>| {
        spawn(async move {
            error.set(None);
            match api::chat_send(id_sig(), text, edit).await {
                Err(e) => error.set(Some(e.to_string())),
                Ok(lid) => {
                    live_text.set(String::new());
                    live.set(Some(lid));
                    // The stored message list now holds your message and the empty reply.
                    conv.restart();
                    let r = follow(lid, |t| {
                        live_text.set(t);
                        scroll_to_end(".chat-messages");
                    })
                    .await;
                    live.set(None);
                    match r {
                        Ok(v) => {
                            if let Some(e) = v.error {
                                error.set(Some(e));
                            }
                            if let Some(LiveResult::Reply(m)) = v.result {
                                if let Some(n) = m.note.filter(|_| m.state == "failed") {
                                    error.set(Some(n));
                                }
                            }
                        }
                        Err(e) => error.set(Some(e)),
                    }
                    conv.restart();
                    meta.restart();
                    on_change.call(());
                    scroll_to_end(".chat-messages");
                }
            }
        });
    };
    let streaming = live.read().is_some();
    let mut send = move || {
        let text = draft.read().trim().to_string();
        if text.is_empty() || live.read().is_some() {
            return;
        }
        draft.set(String::new());
        composer += 1;
        run(Some(text), None);
    };
    let last_assistant = msgs
        .iter()
        .rev()
        .find(|m| m.role == "assistant")
        .map(|m| m.id);
    let last_id = msgs.last().map(|m| m.id);

    let Some(c) = c else {
        return rsx! {
            p { class: "muted", role: "status", "Opening…" }
        };
    };
    let model_value = format!("{}|{}", c.endpoint_id.clone().unwrap_or_default(), c.model);
    let title = c.title.clone();
    let title2 = c.title.clone();
    let system_prompt = c.system_prompt.clone();
    rsx! {
        header { class: "chat-head",
            if let Some(t) = renaming.read().clone() {
                form {
                    class: "chat-rename",
                    onsubmit: move |e| {
                        e.prevent_default();
                        let t = t.clone();
                        async move {
                            match api::chat_rename(id_sig(), t).await {
                                Ok(_) => { renaming.set(None); meta.restart(); on_change.call(()); }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        }
                    },
                    input {
                        aria_label: "Conversation title",
                        // Set once: rewriting the value on every keystroke can drop fast typing.
                        initial_value: "{c.title}",
                        oninput: move |e| renaming.set(Some(e.value())),
                        onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                    }
                    button { class: "button small primary", r#type: "submit", "Save" }
                    button { class: "button small", r#type: "button", onclick: move |_| renaming.set(None), "Cancel" }
                }
            } else {
                h2 {
                    class: "chat-title",
                    title: "Rename",
                    ondoubleclick: move |_| renaming.set(Some(title.clone())),
                    "{c.title}"
                }
                button { class: "button small", onclick: move |_| renaming.set(Some(title2.clone())), "Rename" }
            }
            div { class: "chat-tools",
                match &*servers.read() {
                    Some(Ok(list)) => rsx! {
                        select {
                            class: "button",
                            aria_label: "Model",
                            value: "{model_value}",
                            onchange: move |e| {
                                let v = e.value();
                                let system = system_prompt.clone();
                                async move {
                                    let Some((ep, model)) = v.split_once('|') else { return };
                                    match api::chat_configure(id_sig(), ep.to_string(), model.to_string(), system).await {
                                        Ok(_) => { meta.restart(); on_change.call(()); }
                                        Err(e) => error.set(Some(e.to_string())),
                                    }
                                }
                            },
                            if !list.iter().any(|(ep, h)| Some(&ep.id) == c.endpoint_id.as_ref() && h.models.contains(&c.model)) {
                                option { value: "{model_value}", "{short_model(&c.model)} (not available now)" }
                            }
                            for (ep, h) in list.iter() {
                                optgroup { label: "{ep.name}",
                                    for m in h.models.iter() {
                                        option { value: "{ep.id}|{m}", title: "{m}", {short_model(m)} }
                                    }
                                }
                            }
                        }
                    },
                    Some(Err(e)) => rsx! { span { class: "muted small", "Models could not be listed: {e}" } },
                    None => rsx! { span { class: "muted small", "Checking servers…" } },
                }
                button {
                    class: "button",
                    aria_pressed: if *show_system.read() { "true" } else { "false" },
                    onclick: move |_| { let v = !show_system(); show_system.set(v); system_text.set(None); },
                    "System prompt"
                }
                button { class: "button danger", onclick: move |_| confirm_delete.set(true), "Delete" }
            }
        }
        if *confirm_delete.read() {
            div { class: "banner warn confirm", role: "alertdialog", aria_label: "Delete this conversation?",
                span { "Delete “{c.title}” and all its messages? This cannot be undone." }
                button {
                    class: "button danger",
                    onclick: move |_| async move {
                        match api::chat_delete(id_sig()).await {
                            Ok(()) => on_deleted.call(()),
                            Err(e) => { confirm_delete.set(false); error.set(Some(e.to_string())); }
                        }
                    },
                    "Delete"
                }
                button { class: "button", onclick: move |_| confirm_delete.set(false), "Keep it" }
            }
        }
        if *show_system.read() {
            div { class: "chat-system card",
                label { r#for: "system", class: "small", "Instructions the model gets before every message in this conversation" }
                textarea {
                    id: "system",
                    rows: "3",
                    initial_value: "{c.system_prompt}",
                    oninput: move |e| system_text.set(Some(e.value())),
                }
                div { class: "form-actions",
                    button {
                        class: "button primary small",
                        disabled: system_text.read().is_none(),
                        onclick: {
                            let (ep, model) = (c.endpoint_id.clone().unwrap_or_default(), c.model.clone());
                            move |_| {
                                let (ep, model) = (ep.clone(), model.clone());
                                async move {
                                    let text = system_text.read().clone().unwrap_or_default();
                                    match api::chat_configure(id_sig(), ep, model, text).await {
                                        Ok(_) => { system_text.set(None); show_system.set(false); meta.restart(); }
                                        Err(e) => error.set(Some(e.to_string())),
                                    }
                                }
                            }
                        },
                        "Save"
                    }
                }
            }
        }
        if let Some(e) = error.read().as_ref() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        if let Some(e) = load_error {
            div { class: "banner error", role: "alert", "{e}" }
        }
        div { class: "chat-messages", aria_live: "polite",
            if msgs.is_empty() {
                p { class: "muted chat-hint", "Ask anything. Replies come from {short_model(&c.model)} and stay on this device." }
            }
            for m in msgs.iter() {
                div { key: "{m.id}", class: if m.role == "user" { "msg user" } else { "msg assistant" },
                    if m.role == "user" {
                        if editing.read().as_ref().map(|e| e.0) == Some(m.id) {
                            div { class: "msg-edit",
                                textarea {
                                    aria_label: "Edit your message",
                                    rows: "3",
                                    initial_value: "{m.content}",
                                    oninput: {
                                        let mid = m.id;
                                        move |e: FormEvent| editing.set(Some((mid, e.value())))
                                    },
                                }
                                div { class: "form-actions",
                                    button {
                                        class: "button primary small",
                                        disabled: streaming,
                                        onclick: move |_| {
                                            if let Some((mid, text)) = editing.take() {
                                                run(Some(text), Some(mid));
                                            }
                                        },
                                        "Save and resend"
                                    }
                                    button { class: "button small", onclick: move |_| editing.set(None), "Cancel" }
                                }
                            }
                        } else {
                            div { class: "msg-body plain", "{m.content}" }
                            if !streaming {
                                button {
                                    class: "link-button small msg-action",
                                    onclick: {
                                        let (mid, text) = (m.id, m.content.clone());
                                        move |_| editing.set(Some((mid, text.clone())))
                                    },
                                    "Edit"
                                }
                            }
                        }
                    } else {
                        if m.state == "streaming" && streaming && Some(m.id) == last_id {
                            div { class: "msg-body",
                                if live_text.read().is_empty() {
                                    span { class: "muted typing", "Thinking…" }
                                } else {
                                    Markdown { text: live_text.read().clone() }
                                }
                            }
                        } else {
                            div { class: "msg-body", Markdown { text: m.content.clone() } }
                            if let Some(n) = &m.note {
                                p { class: if m.state == "failed" { "msg-note fail" } else { "msg-note" }, "{n}" }
                            }
                            if Some(m.id) == last_assistant && !streaming {
                                button { class: "link-button small msg-action", onclick: move |_| run(None, None), "Regenerate" }
                            }
                        }
                    }
                }
            }
        }
        form {
            class: "chat-composer",
            onsubmit: move |e| { e.prevent_default(); send(); },
            // Keyed in a list so each send mounts a fresh, empty text area.
            for k in [composer()] {
                textarea {
                    key: "{k}",
                    aria_label: "Message",
                    onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                    placeholder: "Message {short_model(&c.model)} — Enter sends, Shift+Enter starts a new line",
                    rows: "2",
                    oninput: move |e| draft.set(e.value()),
                    onkeydown: move |e| {
                        if e.key() == Key::Enter && !e.modifiers().shift() {
                            e.prevent_default();
                            send();
                        }
                    },
                }
            }
            if streaming {
                button {
                    class: "button danger",
                    r#type: "button",
                    onclick: move |_| async move {
                        if let Some(l) = live() {
                            let _ = api::ai_live_cancel(l).await;
                        }
                    },
                    "Stop"
                }
            } else {
                button { class: "button primary", r#type: "submit", disabled: draft.read().trim().is_empty(), "Send" }
            }
        }
    }
}
