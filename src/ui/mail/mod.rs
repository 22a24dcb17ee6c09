//! Mail: folders and labels with unread counts, a virtualized message list, the conversation
//! reader, the activity panel, and keyboard shortcuts. Everything reads the local cache through
//! `api::mail_*`; nothing here waits for Google.

mod act;
mod activity;
mod ai;
mod attached;
pub(crate) mod compose;
mod drafts;
mod folders;
mod format;
mod import;
mod keys;
mod list;
mod outbox;
mod reader;
pub(crate) mod requests;
pub mod send_toast;
mod snoozed;
mod state;
pub use state::first_list_query;
mod status_poll;
mod undo;

use dioxus::prelude::*;

use activity::ActivityPanel;
pub use compose::Compose;
pub use drafts::MailDrafts;
use folders::FolderNav;
use keys::ShortcutsDialog;
use list::MessageList;
pub use outbox::MailOutbox;
use reader::Reader;
pub use snoozed::MailSnoozed;
use state::use_mail_state;
pub(crate) use state::MailState;

#[component]
pub fn Mail() -> Element {
    rsx! { MailPage { open: None } }
}

/// Mail with one conversation open (from a citation in an answer, or a task's source).
#[component]
pub fn MailThread(account: String, thread: String) -> Element {
    rsx! { MailPage { key: "{account}/{thread}", open: Some((account.clone(), thread.clone())) } }
}

#[component]
fn MailPage(open: Option<(String, String)>) -> Element {
    let st = use_mail_state(open);
    requests::use_mail_requests(st);
    // The search box has the focus: keys are text, not shortcuts.
    let typing = use_signal(|| false);
    let pending = use_signal(|| None::<(char, i64)>);
    let mut banner = st.banner;
    let offline = st.status.read().as_ref().and_then(|s| s.offline.clone());
    rsx! {
        div {
            class: "mail {st.pane()}",
            tabindex: "0",
            role: "region",
            aria_label: "Mail. Press question mark for keyboard shortcuts.",
            onkeydown: move |e| keys::on_key(st, typing, pending, e),
            // At start, or back from the editor: the keys work at once, without a click first
            // (unless something on the page already has the focus).
            onmounted: move |e| async move {
                let idle = document::eval(
                    "const a = document.activeElement; return !a || a === document.body || !a.isConnected;",
                );
                if idle.await.ok().and_then(|v| v.as_bool()) == Some(true) {
                    let _ = e.set_focus(true).await;
                }
            },
            if let Some(reason) = offline {
                div { class: "mail-offline", role: "status",
                    strong { "Offline. " }
                    "You are reading mail saved on this device. Changes you make are kept and sent when the connection returns. ({reason})"
                }
            }
            if let Some((ok, text)) = banner.read().clone() {
                div { class: if ok { "banner ok mail-banner" } else { "banner error mail-banner" }, role: if ok { "status" } else { "alert" },
                    span { "{text}" }
                    button { class: "link-button", onclick: move |_| banner.set(None), "Dismiss" }
                }
            }
            div { class: "mail-panes",
                FolderNav { st }
                MessageList { typing }
                Reader {}
                if *st.show_activity.read() {
                    ActivityPanel {}
                }
            }
            if *st.show_help.read() {
                ShortcutsDialog { st }
            }
            undo::UndoToast { st }
        }
    }
}
