//! Chat with a local model: conversations on the left (search, new), the selected one on the
//! right with its model and system prompt, replies streaming in place with Stop, Regenerate on
//! the last reply, Edit on your messages, and delete with confirmation.

mod conversation;

use dioxus::prelude::*;

use super::timer::sleep_ms;
use crate::api;
use crate::model::{AiEndpoint, Conversation, EndpointHealth};
use conversation::ChatView;

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
    let has_open = current.is_some();
    rsx! {
        // Phones show the list or the open conversation, not both.
        div { class: format!("chat{}{}", if has_open { " has-open" } else { "" }, if error.read().is_some() { " has-error" } else { "" }),
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
                if has_open {
                    button {
                        r#type: "button",
                        class: "button back-button chat-back",
                        onclick: move |_| selected.set(None),
                        span { aria_hidden: "true", "‹ " }
                        "Conversations"
                    }
                }
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
type Servers = Result<Vec<(AiEndpoint, EndpointHealth)>, String>;

async fn servers() -> Servers {
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
