//! One open conversation: its header (title, rename, model, system prompt, delete), the delete
//! confirmation, the system prompt editor, the messages with the reply streaming in place
//! (Edit on your messages, Regenerate on the last reply) and the composer with Stop.

use dioxus::prelude::*;

use super::{follow, servers, short_model, Servers};
use crate::api::{self, ApiResult};
use crate::model::{ChatMessageView, ChatRole, Conversation, LiveResult, MessageState};
use crate::ui::markdown::Markdown;

/// Scrolls an element to its end (the newest message).
fn scroll_to_end(selector: &'static str) {
    document::eval(&format!(
        "const e = document.querySelector('{selector}'); if (e) e.scrollTop = e.scrollHeight;"
    ));
}

/// Everything the open conversation's parts share (all handles, so the struct is Copy).
#[derive(Clone, Copy, PartialEq)]
pub(super) struct ChatState {
    id: Signal<String>,
    messages: Resource<ApiResult<Vec<ChatMessageView>>>,
    conversation: Resource<ApiResult<Option<Conversation>>>,
    servers: Resource<Servers>,
    draft: Signal<String>,
    /// A new composer after each send: the text area is never rewritten while you type.
    composer: Signal<u32>,
    live: Signal<Option<u64>>,
    live_text: Signal<String>,
    error: Signal<Option<String>>,
    editing: Signal<Option<(i64, String)>>,
    renaming: Signal<Option<String>>,
    show_system: Signal<bool>,
    system_text: Signal<Option<String>>,
    confirm_delete: Signal<bool>,
    on_change: EventHandler<()>,
    on_deleted: EventHandler<()>,
}

pub(super) fn use_chat_state(
    id: String,
    on_change: EventHandler<()>,
    on_deleted: EventHandler<()>,
) -> ChatState {
    let id = use_signal(|| id);
    ChatState {
        id,
        messages: use_resource(move || async move { api::chat_messages(id()).await }),
        conversation: use_resource(move || async move {
            let id = id();
            api::chat_list(None)
                .await
                .map(|v| v.into_iter().find(|c| c.id == id))
        }),
        servers: use_resource(servers),
        draft: use_signal(String::new),
        composer: use_signal(|| 0u32),
        live: use_signal(|| None),
        live_text: use_signal(String::new),
        error: use_signal(|| None),
        editing: use_signal(|| None),
        renaming: use_signal(|| None),
        show_system: use_signal(|| false),
        system_text: use_signal(|| None),
        confirm_delete: use_signal(|| false),
        on_change,
        on_deleted,
    }
}

impl ChatState {
    fn loaded_conversation(&self) -> Option<Conversation> {
        match &*self.conversation.read() {
            Some(Ok(c)) => c.clone(),
            _ => None,
        }
    }

    fn loaded_messages(&self) -> Vec<ChatMessageView> {
        match &*self.messages.read() {
            Some(Ok(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    fn load_error(&self) -> Option<String> {
        match &*self.messages.read() {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        }
    }

    /// A reply is streaming in.
    fn streaming(&self) -> bool {
        self.live.read().is_some()
    }

    /// Starts a request and follows it until it ends.
    fn run(mut self, text: Option<String>, edit: Option<i64>) {
        spawn(async move {
            self.error.set(None);
            match api::chat_send((self.id)(), text, edit).await {
                Err(e) => self.error.set(Some(e.to_string())),
                Ok(lid) => {
                    self.live_text.set(String::new());
                    self.live.set(Some(lid));
                    // The stored message list now holds your message and the empty reply.
                    self.messages.restart();
                    let mut live_text = self.live_text;
                    let r = follow(lid, |t| {
                        live_text.set(t);
                        scroll_to_end(".chat-messages");
                    })
                    .await;
                    self.live.set(None);
                    match r {
                        Ok(v) => {
                            if let Some(e) = v.error {
                                self.error.set(Some(e));
                            }
                            if let Some(LiveResult::Reply(m)) = v.result {
                                if let Some(n) = m.note.filter(|_| m.state == MessageState::Failed)
                                {
                                    self.error.set(Some(n));
                                }
                            }
                        }
                        Err(e) => self.error.set(Some(e)),
                    }
                    self.messages.restart();
                    self.conversation.restart();
                    self.on_change.call(());
                    scroll_to_end(".chat-messages");
                }
            }
        });
    }

    /// Sends what the composer holds (nothing while a reply streams).
    fn send(mut self) {
        let text = self.draft.read().trim().to_string();
        if text.is_empty() || self.live.read().is_some() {
            return;
        }
        self.draft.set(String::new());
        self.composer += 1;
        self.run(Some(text), None);
    }

    async fn rename(mut self, title: String) {
        match api::chat_rename((self.id)(), title).await {
            Ok(_) => {
                self.renaming.set(None);
                self.conversation.restart();
                self.on_change.call(());
            }
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    /// `value` is "endpoint|model" as the model picker holds it.
    async fn set_model(mut self, value: String, system: String) {
        let Some((ep, model)) = value.split_once('|') else {
            return;
        };
        match api::chat_configure((self.id)(), ep.to_string(), model.to_string(), system).await {
            Ok(_) => {
                self.conversation.restart();
                self.on_change.call(());
            }
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    async fn save_system(mut self, endpoint: String, model: String) {
        let text = self.system_text.read().clone().unwrap_or_default();
        match api::chat_configure((self.id)(), endpoint, model, text).await {
            Ok(_) => {
                self.system_text.set(None);
                self.show_system.set(false);
                self.conversation.restart();
            }
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    async fn delete(mut self) {
        match api::chat_delete((self.id)()).await {
            Ok(()) => self.on_deleted.call(()),
            Err(e) => {
                self.confirm_delete.set(false);
                self.error.set(Some(e.to_string()));
            }
        }
    }

    async fn stop(self) {
        if let Some(l) = (self.live)() {
            let _ = api::ai_live_cancel(l).await;
        }
    }
}

#[component]
pub(super) fn ChatView(
    id: String,
    on_change: EventHandler<()>,
    on_deleted: EventHandler<()>,
) -> Element {
    let st = use_chat_state(id, on_change, on_deleted);
    let Some(c) = st.loaded_conversation() else {
        return rsx! {
            p { class: "muted", role: "status", "Opening…" }
        };
    };
    rsx! {
        ChatHeader { st, conv: c.clone() }
        if *st.confirm_delete.read() {
            DeleteConfirm { st, title: c.title.clone() }
        }
        if *st.show_system.read() {
            SystemPrompt { st, conv: c.clone() }
        }
        if let Some(e) = st.error.read().as_ref() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        if let Some(e) = st.load_error() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        Messages { st, model: c.model.clone() }
        Composer { st, model: c.model.clone() }
    }
}

/// Title (double-click or Rename to change it), model picker, System prompt, Delete.
#[component]
fn ChatHeader(st: ChatState, conv: Conversation) -> Element {
    let c = conv;
    let mut renaming = st.renaming;
    let (title, title2) = (c.title.clone(), c.title.clone());
    rsx! {
        header { class: "chat-head",
            if let Some(t) = renaming.read().clone() {
                form {
                    class: "chat-rename",
                    onsubmit: move |e| {
                        e.prevent_default();
                        st.rename(t.clone())
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
            ChatTools { st, conv: c.clone() }
        }
    }
}

/// The model picker and the System prompt and Delete buttons.
#[component]
fn ChatTools(st: ChatState, conv: Conversation) -> Element {
    let c = conv;
    let (mut show_system, mut system_text, mut confirm_delete) =
        (st.show_system, st.system_text, st.confirm_delete);
    let model_value = format!("{}|{}", c.endpoint_id.clone().unwrap_or_default(), c.model);
    let system_prompt = c.system_prompt.clone();
    rsx! {
        div { class: "chat-tools",
            match &*st.servers.read() {
                Some(Ok(list)) => rsx! {
                    select {
                        class: "button",
                        aria_label: "Model",
                        value: "{model_value}",
                        onchange: move |e| st.set_model(e.value(), system_prompt.clone()),
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
}

#[component]
fn DeleteConfirm(st: ChatState, title: String) -> Element {
    let mut confirm_delete = st.confirm_delete;
    rsx! {
        div { class: "banner warn confirm", role: "alertdialog", aria_label: "Delete this conversation?",
            span { "Delete “{title}” and all its messages? This cannot be undone." }
            button { class: "button danger", onclick: move |_| st.delete(), "Delete" }
            button { class: "button", onclick: move |_| confirm_delete.set(false), "Keep it" }
        }
    }
}

/// The instructions the model gets before every message.
#[component]
fn SystemPrompt(st: ChatState, conv: Conversation) -> Element {
    let c = conv;
    let mut system_text = st.system_text;
    let (ep, model) = (c.endpoint_id.clone().unwrap_or_default(), c.model.clone());
    rsx! {
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
                    onclick: move |_| st.save_system(ep.clone(), model.clone()),
                    "Save"
                }
            }
        }
    }
}

/// The messages, the reply streaming in place of the last one.
#[component]
fn Messages(st: ChatState, model: String) -> Element {
    let msgs = st.loaded_messages();
    let streaming = st.streaming();
    let last_assistant = msgs
        .iter()
        .rev()
        .find(|m| m.role == ChatRole::Assistant)
        .map(|m| m.id);
    let last_id = msgs.last().map(|m| m.id);
    rsx! {
        div { class: "chat-messages", aria_live: "polite", tabindex: "0", role: "log", aria_label: "Messages",
            if msgs.is_empty() {
                p { class: "muted chat-hint", "Ask anything. Replies come from {short_model(&model)} and stay on this device." }
            }
            for m in msgs.iter() {
                div { key: "{m.id}", class: if m.role == ChatRole::User { "msg user" } else { "msg assistant" },
                    if m.role == ChatRole::User {
                        UserMessage { st, msg: m.clone() }
                    } else if m.state == MessageState::Streaming && streaming && Some(m.id) == last_id {
                        div { class: "msg-body",
                            if st.live_text.read().is_empty() {
                                span { class: "muted typing", "Thinking…" }
                            } else {
                                Markdown { text: st.live_text.read().clone() }
                            }
                        }
                    } else {
                        div { class: "msg-body", Markdown { text: m.content.clone() } }
                        if let Some(n) = &m.note {
                            p { class: if m.state == MessageState::Failed { "msg-note fail" } else { "msg-note" }, "{n}" }
                        }
                        if Some(m.id) == last_assistant && !streaming {
                            button { class: "link-button small msg-action", onclick: move |_| st.run(None, None), "Regenerate" }
                        }
                    }
                }
            }
        }
    }
}

/// One of your messages: its text with Edit, or the editor that resends it.
#[component]
fn UserMessage(st: ChatState, msg: ChatMessageView) -> Element {
    let m = msg;
    let mut editing = st.editing;
    let streaming = st.streaming();
    if editing.read().as_ref().map(|e| e.0) == Some(m.id) {
        let mid = m.id;
        return rsx! {
            div { class: "msg-edit",
                textarea {
                    aria_label: "Edit your message",
                    rows: "3",
                    initial_value: "{m.content}",
                    oninput: move |e: FormEvent| editing.set(Some((mid, e.value()))),
                }
                div { class: "form-actions",
                    button {
                        class: "button primary small",
                        disabled: streaming,
                        onclick: move |_| {
                            if let Some((mid, text)) = editing.take() {
                                st.run(Some(text), Some(mid));
                            }
                        },
                        "Save and resend"
                    }
                    button { class: "button small", onclick: move |_| editing.set(None), "Cancel" }
                }
            }
        };
    }
    let (mid, text) = (m.id, m.content.clone());
    rsx! {
        div { class: "msg-body plain", "{m.content}" }
        if !streaming {
            button {
                class: "link-button small msg-action",
                onclick: move |_| editing.set(Some((mid, text.clone()))),
                "Edit"
            }
        }
    }
}

/// The message box: Enter sends, Shift+Enter starts a new line; Stop while a reply streams.
#[component]
fn Composer(st: ChatState, model: String) -> Element {
    let mut draft = st.draft;
    rsx! {
        form {
            class: "chat-composer",
            onsubmit: move |e| { e.prevent_default(); st.send(); },
            // Keyed in a list so each send mounts a fresh, empty text area.
            for k in [(st.composer)()] {
                textarea {
                    key: "{k}",
                    aria_label: "Message",
                    onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                    placeholder: "Message {short_model(&model)} — Enter sends, Shift+Enter starts a new line",
                    rows: "2",
                    oninput: move |e| draft.set(e.value()),
                    onkeydown: move |e| {
                        if e.key() == Key::Enter && !e.modifiers().shift() {
                            e.prevent_default();
                            st.send();
                        }
                    },
                }
            }
            if st.streaming() {
                button {
                    class: "button danger",
                    r#type: "button",
                    onclick: move |_| st.stop(),
                    "Stop"
                }
            } else {
                button { class: "button primary", r#type: "submit", disabled: draft.read().trim().is_empty(), "Send" }
            }
        }
    }
}
