//! The Drafts page: every draft kept on this device, with Compose and Discard.

use dioxus::prelude::*;

use super::compose::start;
use crate::api;
use crate::model::{ComposeKind, DraftOrigin};
use crate::ui::Route;

#[component]
pub fn MailDrafts() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_drafts(None).await
    });
    let accounts = use_resource(api::mail_accounts);
    let first_account = match &*accounts.read() {
        Some(Ok(a)) => a.iter().find(|a| !a.is_archive).map(|a| a.id.clone()),
        _ => None,
    };
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head",
                h1 { "Drafts" }
                if let Some(acc) = first_account {
                    button {
                        class: "button primary",
                        onclick: move |_| { let acc = acc.clone(); async move { if let Err(e) = start(acc, ComposeKind::New, None).await { error.set(Some(e)); } } },
                        "Compose"
                    }
                }
            }
            p { class: "muted small", "Kept on this device as you type, and copied to Gmail's Drafts." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "No drafts." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for d in v.clone() {
                            li { key: "{d.id}",
                                Link { to: Route::Compose { id: d.id.clone() }, class: "writing-main",
                                    strong { if d.subject.is_empty() { "(no subject)" } else { "{d.subject}" } }
                                    span { class: "muted small", {format!(" to {}", if d.to.is_empty() { "nobody yet" } else { d.to.as_str() })} }
                                    if !d.files.is_empty() { span { class: "muted small", " · {d.files.len()} file(s)" } }
                                    if d.origin == DraftOrigin::Ai { span { class: "badge", "written by AI" } }
                                }
                                button {
                                    class: "button small",
                                    onclick: move |_| { let id = d.id.clone(); async move { match api::mail_delete_draft(id).await { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) } } },
                                    "Discard"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
