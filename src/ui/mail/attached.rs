//! A message attached to a message (`message/rfc822`, as a forwarded mail or a bounce carries
//! it) opens in the reader as a message: its headers, its text and its own files.

use dioxus::prelude::*;

use super::format::{long_date, size};
use crate::api;
use crate::model::AttachedMessage;

#[component]
pub(super) fn OpenAttached(account: String, message_id: String, part_id: String) -> Element {
    let mut shown = use_signal(|| None::<Result<AttachedMessage, String>>);
    let mut open = use_signal(|| false);
    let read = move |_| {
        let (account, message_id, part_id) = (account.clone(), message_id.clone(), part_id.clone());
        let now_open = !open();
        open.set(now_open);
        if now_open && shown.peek().is_none() {
            spawn(async move {
                let r = api::mail_attached_message(account, message_id, part_id).await;
                shown.set(Some(r.map_err(|e| e.to_string())));
            });
        }
    };
    rsx! {
        button {
            class: "button small",
            aria_expanded: "{open}",
            onclick: read,
            if open() { "Hide message" } else { "Show message" }
        }
        if open() {
            match &*shown.read() {
                None => rsx! { p { class: "muted small", role: "status", "Reading the attached message…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(m)) => rsx! {
                    article { class: "attached-message", aria_label: "Attached message",
                        h4 { class: "attached-subject",
                            if m.subject.trim().is_empty() { "(no subject)" } else { "{m.subject}" }
                        }
                        dl { class: "attached-headers",
                            dt { "From" } dd { "{m.from}" }
                            if !m.to.is_empty() { dt { "To" } dd { "{m.to}" } }
                            if !m.cc.is_empty() { dt { "Cc" } dd { "{m.cc}" } }
                            if let Some(d) = m.date_ms { dt { "Date" } dd { "{long_date(d)}" } }
                        }
                        div { class: "message-text",
                            match m.text.clone() {
                                Some(t) => rsx! { "{t}" },
                                None => rsx! { span { class: "muted", "This message has no text." } },
                            }
                        }
                        if !m.files.is_empty() {
                            p { class: "muted small", "Files in the attached message (save the message to get them):" }
                            ul { class: "attached-files", aria_label: "Files in the attached message",
                                for (name, mime, bytes) in m.files.clone() {
                                    li { "{name} " span { class: "muted small", {format!("{mime} · {}", size(bytes))} } }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
