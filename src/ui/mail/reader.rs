//! The conversation reader. HTML bodies go into a sandboxed frame (no scripts, no same-origin,
//! so nothing in a mail can reach the app) whose policy blocks remote images until allowed.

use dioxus::prelude::*;

use super::format::{long_date, person, short_date, size};
use super::MailState;
use crate::api;
use crate::model::{ComposeKind, MailAction, MessageView, ThreadView};

#[component]
pub(super) fn Reader() -> Element {
    let st = use_context::<MailState>();
    let (mut shown, mut open) = (st.thread, st.open);
    let thread = st.thread.read().clone();
    rsx! {
        section { class: "mail-reader", aria_label: "Conversation", tabindex: "0",
            // Phones show one pane at a time: this leads back to the list.
            button {
                r#type: "button",
                class: "button back-button reader-back",
                onclick: move |_| { shown.set(None); open.set(None); },
                span { aria_hidden: "true", "‹ " }
                "Back to messages"
            }
            if *st.opening.read() {
                p { class: "muted mail-placeholder", role: "status", "Opening…" }
            } else {
                match thread {
                    None => rsx! {
                        div { class: "mail-placeholder",
                            p { "Select a message to read it." }
                            p { class: "muted small", "j and k move, o opens, e archives, ? lists every shortcut." }
                        }
                    },
                    Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                    Some(Ok(t)) => rsx! { Conversation { t } },
                }
            }
        }
    }
}

#[component]
fn Conversation(t: ThreadView) -> Element {
    let mut st = use_context::<MailState>();
    let starred = t
        .messages
        .iter()
        .any(|m| m.labels.iter().any(|l| l == "STARRED"));
    let in_trash = t
        .messages
        .iter()
        .all(|m| m.labels.iter().any(|l| l == "TRASH"));
    let in_inbox = t
        .messages
        .iter()
        .any(|m| m.labels.iter().any(|l| l == "INBOX"));
    let in_spam = t
        .messages
        .iter()
        .all(|m| m.labels.iter().any(|l| l == "SPAM"));
    let user_labels: Vec<(String, String)> = st
        .accounts
        .read()
        .iter()
        .find(|a| a.id == t.account_id)
        .map(|a| {
            a.labels
                .iter()
                .filter(|l| !l.system)
                .map(|l| (l.id.clone(), l.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let on_thread: Vec<(String, String)> = user_labels
        .iter()
        .filter(|(id, _)| t.messages.iter().any(|m| m.labels.contains(id)))
        .cloned()
        .collect();
    let addable: Vec<(String, String)> = user_labels
        .iter()
        .filter(|l| !on_thread.contains(l))
        .cloned()
        .collect();
    let n = t.messages.len();
    let is_archive = st
        .accounts
        .read()
        .iter()
        .any(|a| a.id == t.account_id && a.is_archive);
    rsx! {
        header { class: "reader-head",
            // One row of icon buttons; each names its action and shortcut in a tooltip (and to
            // screen readers), as Gmail's and Thunderbird's do.
            div { class: "reader-tools", role: "toolbar", aria_label: "Conversation actions",
                if in_inbox {
                    ToolButton { icon: Tool::Archive, label: "Archive (e)", onclick: move |_| st.act_here(MailAction::Archive) }
                } else if !in_trash && !in_spam && !is_archive {
                    ToolButton { icon: Tool::Inbox, label: "Move to inbox", onclick: move |_| st.act_here(MailAction::MoveToInbox) }
                }
                if in_trash {
                    ToolButton { icon: Tool::Restore, label: "Restore from trash", onclick: move |_| st.act_here(MailAction::Untrash) }
                } else {
                    ToolButton { icon: Tool::Trash, label: "Move to trash (#)", onclick: move |_| st.act_here(MailAction::Trash) }
                }
                if in_spam {
                    ToolButton { icon: Tool::Inbox, label: "Not spam", onclick: move |_| st.act_here(MailAction::NotSpam) }
                } else if !is_archive {
                    ToolButton { icon: Tool::Spam, label: "Report spam (!)", onclick: move |_| st.act_here(MailAction::MarkSpam) }
                }
                ToolButton { icon: Tool::Unread, label: "Mark unread (Shift+U)", onclick: move |_| st.act_here(MailAction::MarkUnread) }
                ToolButton {
                    icon: if starred { Tool::Starred } else { Tool::Star },
                    label: if starred { "Remove star (s)" } else { "Star (s)" },
                    pressed: Some(starred),
                    onclick: move |_| st.act_here(if starred { MailAction::Unstar } else { MailAction::Star }),
                }
                if let Some(last) = t.messages.last() {
                    ToolButton {
                        icon: Tool::Task,
                        label: "Add to tasks (links back here)",
                        onclick: {
                            let (account, id) = (t.account_id.clone(), last.id.clone());
                            move |_| st.add_to_tasks(account.clone(), id.clone())
                        },
                    }
                }
                if in_inbox && !is_archive {
                    select {
                        class: "button tool-select",
                        aria_label: "Snooze",
                        title: "Snooze: hide from the inbox until…",
                        value: "",
                        onchange: {
                            let (account, thread) = (t.account_id.clone(), t.thread_id.clone());
                            move |e: FormEvent| {
                                if let Ok(at) = e.value().parse::<i64>() {
                                    st.snooze(account.clone(), thread.clone(), at);
                                }
                            }
                        },
                        option { value: "", "Snooze…" }
                        for (label, at) in super::compose::later_choices() {
                            option { value: "{at}", "{label}" }
                        }
                    }
                }
                if !addable.is_empty() {
                    select {
                        class: "button tool-select",
                        aria_label: "Add a label",
                        title: "Add a label (or Ctrl+K, then its name)",
                        value: "",
                        onchange: move |e| {
                            let v = e.value();
                            if !v.is_empty() {
                                st.act_here(MailAction::AddLabel(v));
                            }
                        },
                        option { value: "", "Label…" }
                        for (id, name) in addable {
                            option { key: "{id}", value: "{id}", "{name}" }
                        }
                    }
                }
                button {
                    class: "button close tool",
                    title: "Close (Esc)",
                    aria_label: "Close the conversation",
                    onclick: move |_| { st.thread.set(None); st.open.set(None); },
                    "✕"
                }
            }
            h1 { class: "reader-subject", if t.subject.is_empty() { "(no subject)" } else { "{t.subject}" } }
            div { class: "chips",
                span { class: "muted small", if n == 1 { "1 message" } else { "{n} messages" } }
                for (id, name) in on_thread {
                    span { class: "chip", key: "{id}",
                        "{name}"
                        button {
                            class: "chip-x",
                            aria_label: "Remove label {name}",
                            onclick: {
                                let id = id.clone();
                                move |_| st.act_here(MailAction::RemoveLabel(id.clone()))
                            },
                            "✕"
                        }
                    }
                }
            }
        }
        if let Some(last) = t.messages.last() {
            super::ai::AiBar {
                key: "{t.thread_id}",
                account: t.account_id.clone(),
                thread_id: t.thread_id.clone(),
                message_id: last.id.clone(),
            }
        }
        div { class: "reader-messages",
            for (i, m) in t.messages.clone().into_iter().enumerate() {
                MessageCard {
                    key: "{m.id}",
                    account: t.account_id.clone(),
                    thread_id: t.thread_id.clone(),
                    // As Gmail: the newest message and those unread until now open; the older
                    // ones are one line each, a click (or Enter) away.
                    collapsed: i + 1 < t.messages.len() && !m.was_unread,
                    collapsible: t.messages.len() > 1,
                    m,
                }
            }
            if let (Some(last), false) = (t.messages.last(), is_archive) {
                div { class: "reply-bar", role: "toolbar", aria_label: "Answer",
                    for (kind, label, key) in [(ComposeKind::Reply, "Reply", "r"), (ComposeKind::ReplyAll, "Reply all", "a"), (ComposeKind::Forward, "Forward", "f")] {
                        button {
                            class: "button",
                            title: "{label} ({key})",
                            onclick: {
                                let (account, id) = (t.account_id.clone(), last.id.clone());
                                move |_| {
                                    let (account, id) = (account.clone(), id.clone());
                                    let mut banner = st.banner;
                                    async move {
                                        if let Err(e) = super::compose::start(account, kind, Some(id)).await {
                                            banner.set(Some((false, e)));
                                        }
                                    }
                                }
                            },
                            "{label}"
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn MessageCard(
    account: String,
    thread_id: String,
    m: MessageView,
    collapsed: bool,
    collapsible: bool,
) -> Element {
    let st = use_context::<MailState>();
    let mut note = use_signal(|| None::<(bool, String)>);
    let mut open = use_signal(|| !collapsed);
    // After a fold or unfold the other button takes the focus (the one pressed is gone), so
    // the keyboard stays in the reader and its shortcuts keep working.
    let mut toggled = use_signal(|| false);
    let mut toggle = move |now_open: bool| {
        toggled.set(true);
        open.set(now_open);
    };
    let focus_if_toggled = move |e: MountedEvent| async move {
        if *toggled.peek() {
            let _ = e.set_focus(true).await;
        }
    };
    // Enter presses the button; it is not also the page's "open the conversation" key.
    let keep_enter = |e: KeyboardEvent| {
        if e.key() == Key::Enter {
            e.stop_propagation();
        }
    };
    let acc = account.clone();
    if !open() {
        return rsx! {
            button {
                class: "message message-collapsed",
                r#type: "button",
                aria_expanded: "false",
                title: "Show this message",
                onclick: move |_| toggle(true),
                onkeydown: keep_enter,
                onmounted: focus_if_toggled,
                strong { class: "collapsed-from", {person(&m.from)} }
                span { class: "collapsed-snippet", "{m.snippet}" }
                span { class: "collapsed-date", {short_date(m.date_ms)} }
            }
        };
    }
    let who_when = rsx! {
        span {
            strong { {person(&m.from)} }
            if person(&m.from) != m.sender {
                span { class: "muted small", {format!(" <{}>", m.sender)} }
            }
        }
        span { class: "muted small", {long_date(m.date_ms)} }
    };
    // In a conversation of several, the head folds the message back to its one line (as the
    // one line unfolds it); a message alone has nothing to fold into.
    let head = if collapsible {
        rsx! {
            button {
                class: "message-head-toggle",
                r#type: "button",
                aria_expanded: "true",
                title: "Collapse this message",
                onclick: move |_| toggle(false),
                onkeydown: keep_enter,
                onmounted: focus_if_toggled,
                {who_when}
            }
        }
    } else {
        who_when
    };
    rsx! {
        article { class: "message",
            header { class: "message-head", {head} }
            p { class: "muted small message-to",
                "To: {m.to}"
                if !m.cc.is_empty() { " · Cc: {m.cc}" }
            }
            if let Some(n) = m.body_note.clone() {
                div { class: "banner warn", role: "status", "{n}" }
            }
            match m.html.clone() {
                Some(h) => rsx! {
                    if h.blocked_images > 0 {
                        div { class: "images-blocked", role: "note",
                            span {
                                if h.blocked_images == 1 { "1 remote image is hidden" } else { "{h.blocked_images} remote images are hidden" }
                                " so the sender cannot tell you opened this."
                            }
                            button {
                                class: "link-button",
                                onclick: {
                                    let (a, t) = (account.clone(), thread_id.clone());
                                    move |_| st.open_thread(a.clone(), t.clone(), true)
                                },
                                "Show images"
                            }
                            button {
                                class: "link-button",
                                onclick: {
                                    let (a, t, s) = (account.clone(), thread_id.clone(), m.sender.clone());
                                    move |_| {
                                        let (a, t, s) = (a.clone(), t.clone(), s.clone());
                                        spawn(async move {
                                            match api::mail_allow_images(a.clone(), s.clone()).await {
                                                Ok(()) => st.open_thread(a, t, false),
                                                Err(e) => note.set(Some((false, e.to_string()))),
                                            }
                                        });
                                    }
                                },
                                "Always show from {m.sender}"
                            }
                        }
                    }
                    iframe {
                        class: "message-frame",
                        title: format!("Message from {}", person(&m.from)),
                        "sandbox": "allow-popups allow-popups-to-escape-sandbox",
                        referrerpolicy: "no-referrer",
                        srcdoc: "{h.srcdoc}",
                    }
                },
                None => rsx! {
                    div { class: "message-text",
                        match m.text.clone() {
                            Some(t) => rsx! { "{t}" },
                            None => rsx! { span { class: "muted", "This message has no text." } },
                        }
                    }
                },
            }
            if !m.attachments.is_empty() {
                ul { class: "attachments", aria_label: "Attachments",
                    for a in m.attachments.clone() {
                        li { key: "{a.part_id}",
                            span { class: "att-name", "{a.filename}" }
                            span { class: "muted small", {format!("{} · {}", a.mime_type, size(a.size))} }
                            button {
                                class: "button small",
                                onclick: {
                                    let (acc, mid, pid, name) = (acc.clone(), m.id.clone(), a.part_id.clone(), a.filename.clone());
                                    move |_| {
                                        let (acc, mid, pid, name) = (acc.clone(), mid.clone(), pid.clone(), name.clone());
                                        spawn(async move {
                                            note.set(Some((true, format!("Saving {name}…"))));
                                            match api::mail_save_attachment(acc, mid, pid).await {
                                                Ok(path) => note.set(Some((true, format!("Saved {name} to {path}")))),
                                                Err(e) => note.set(Some((false, format!("{name} was not saved: {e}")))),
                                            }
                                        });
                                    }
                                },
                                "Save"
                            }
                            if a.mime_type.eq_ignore_ascii_case("message/rfc822") {
                                super::attached::OpenAttached {
                                    account: acc.clone(),
                                    message_id: m.id.clone(),
                                    part_id: a.part_id.clone(),
                                }
                            }
                        }
                    }
                }
            }
            if let Some((ok, text)) = note.read().clone() {
                div { class: if ok { "banner ok" } else { "banner error" }, role: if ok { "status" } else { "alert" }, "{text}" }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Archive,
    Inbox,
    Trash,
    Restore,
    Spam,
    Unread,
    Star,
    Starred,
    Task,
}

/// A toolbar button drawn as an icon; `label` is its tooltip and its accessible name.
#[component]
fn ToolButton(
    icon: Tool,
    label: String,
    #[props(default)] pressed: Option<bool>,
    onclick: EventHandler<MouseEvent>,
) -> Element {
    rsx! {
        button {
            class: "button tool",
            title: "{label}",
            aria_label: "{label}",
            aria_pressed: pressed.map(|p| if p { "true" } else { "false" }),
            onclick: move |e| onclick.call(e),
            svg {
                view_box: "0 0 24 24",
                width: "18",
                height: "18",
                fill: if icon == Tool::Starred { "currentColor" } else { "none" },
                stroke: "currentColor",
                stroke_width: "2",
                stroke_linecap: "round",
                stroke_linejoin: "round",
                "aria-hidden": "true",
                match icon {
                    Tool::Archive => rsx! {
                        rect { x: "3", y: "4", width: "18", height: "5", rx: "1" }
                        path { d: "M5 9v10h14V9M10 13h4" }
                    },
                    Tool::Inbox => rsx! { path { d: "M3 13h5l1.5 3h5L16 13h5M5 5h14l2 8v6H3v-6z" } },
                    Tool::Trash => rsx! { path { d: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" } },
                    Tool::Restore => rsx! { path { d: "M4 12a8 8 0 1 0 2.5-5.8M4 4v4h4" } },
                    Tool::Spam => rsx! {
                        path { d: "M8 3h8l5 5v8l-5 5H8l-5-5V8z" }
                        path { d: "M12 8v5M12 16v.01" }
                    },
                    Tool::Unread => rsx! {
                        rect { x: "3", y: "5", width: "18", height: "14", rx: "2" }
                        path { d: "M3.5 6.5 12 13l8.5-6.5" }
                        circle { cx: "19", cy: "5", r: "3", fill: "currentColor" }
                    },
                    Tool::Star | Tool::Starred => rsx! { path { d: "M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z" } },
                    Tool::Task => rsx! {
                        rect { x: "3.5", y: "3.5", width: "17", height: "17", rx: "3" }
                        path { d: "M8 12.5l2.8 2.8L16.5 9" }
                    },
                }
            }
        }
    }
}
