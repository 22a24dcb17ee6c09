//! The Snoozed page: conversations out of the inbox until their time, with "Back to inbox now".

use dioxus::prelude::*;

use super::outbox::local;
use crate::api;
use crate::ui::Route;

#[component]
pub fn MailSnoozed() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_snoozed().await
    });
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head", h1 { "Snoozed" } }
            p { class: "muted small", "Out of the inbox until their time; back in the inbox then (or when the app next starts)." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "Nothing snoozed." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for s in v.clone() {
                            li { key: "{s.account_id}/{s.thread_id}",
                                Link { to: Route::MailThread { account: s.account_id.clone(), thread: s.thread_id.clone() }, class: "writing-main",
                                    strong { if s.subject.is_empty() { "(no subject)" } else { "{s.subject}" } }
                                    span { class: "muted small", " · back {local(s.wake_at_ms)}" }
                                }
                                button {
                                    class: "button small",
                                    onclick: move |_| { let (a, t) = (s.account_id.clone(), s.thread_id.clone()); async move { match api::mail_unsnooze(a, t).await { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) } } },
                                    "Back to inbox now"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
