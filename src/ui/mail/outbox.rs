//! The Outbox page: mail waiting to go, scheduled, retried or refused, with Edit, Send now and
//! Try again.

use chrono::{Local, TimeZone};
use dioxus::prelude::*;

use crate::api;
use crate::ui::timer::sleep_ms;
use crate::ui::Route;

/// "today 14:32", or "Fri 27 Nov, 14:32".
pub(super) fn local(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            if t.date_naive() == Local::now().date_naive() {
                t.format("today %H:%M").to_string()
            } else {
                t.format("%a %-d %b, %H:%M").to_string()
            }
        })
        .unwrap_or_default()
}

#[component]
pub fn MailOutbox() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_outbox().await
    });
    // The states change in the background: look again every few seconds.
    use_future(move || async move {
        loop {
            sleep_ms(3000).await;
            version += 1;
        }
    });
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head", h1 { "Outbox" } }
            p { class: "muted small", "Mail waits here until Gmail has it: kept across restarts, retried when offline, sent once." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "The outbox is empty." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for i in v.clone() {
                            li { key: "{i.id}", class: "outbox-{i.state}",
                                div { class: "writing-main",
                                    strong { if i.subject.is_empty() { "(no subject)" } else { "{i.subject}" } }
                                    span { class: "muted small", " to {i.to}" }
                                    div { class: "small",
                                        {match i.state.as_str() {
                                            "sent" => format!("Sent {}", local(i.sent_at.unwrap_or(0) * 1000)),
                                            "failed" => format!("Gmail refused it: {}", i.last_error.clone().unwrap_or_default()),
                                            _ if i.next_try_ms > 0 => format!("Not sent yet ({}). Next try {}.", i.last_error.clone().unwrap_or_default(), local(i.next_try_ms)),
                                            "sending" => "Sending…".to_string(),
                                            _ if i.scheduled => format!("Scheduled for {}", local(i.send_at_ms)),
                                            _ => format!("Goes {}", local(i.send_at_ms)),
                                        }}
                                    }
                                }
                                if i.state == "waiting" || i.state == "failed" {
                                    button {
                                        class: "button small",
                                        title: "Back into the editor (it is not sent)",
                                        onclick: { let id = i.id.clone(); move |_| { let id = id.clone(); async move { match api::mail_undo_send(id).await { Ok(d) => { navigator().push(Route::Compose { id: d.id }); } Err(e) => error.set(Some(e.to_string())) } } } },
                                        if i.scheduled { "Cancel and edit" } else { "Edit" }
                                    }
                                }
                                if i.state == "failed" || i.next_try_ms > 0 || (i.state == "waiting" && i.scheduled) {
                                    button {
                                        class: "button small",
                                        onclick: { let (id, failed) = (i.id.clone(), i.state == "failed" || i.next_try_ms > 0); move |_| { let id = id.clone(); async move {
                                            let r = if failed { api::mail_retry_send(id).await } else { api::mail_send_now(id).await };
                                            match r { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) }
                                        } } },
                                        if i.state == "failed" || i.next_try_ms > 0 { "Try again" } else { "Send now" }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
