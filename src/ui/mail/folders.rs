//! The folder pane: Compose, Drafts / Outbox / Snoozed, Sync now and Activity (with counts of
//! running jobs and refused changes), then every account with its labels and unread counts.

use dioxus::prelude::*;

use super::MailState;
use crate::model::{JobState, ALL_MAIL};
use crate::ui::Route;

#[component]
pub(super) fn FolderNav(st: MailState) -> Element {
    let mut show_activity = st.show_activity;
    let status = st.status.read().clone();
    let running = status
        .as_ref()
        .map(|s| {
            s.jobs
                .iter()
                .filter(|j| j.state == JobState::Running)
                .count()
        })
        .unwrap_or(0);
    let failed = status.as_ref().map(|s| s.failed_changes.len()).unwrap_or(0);
    let no_accounts = *st.accounts_loaded.read() && st.accounts.read().is_empty();
    rsx! {
        nav { id: "mail-folders", class: "mail-folders", aria_label: "Mail folders",
            // Phones and tablets: the folders stand in for the list until one is picked.
            button {
                r#type: "button",
                class: "button back-button folders-back",
                onclick: move |_| { let mut f = st.show_folders; f.set(false) },
                span { aria_hidden: "true", "‹ " }
                "Messages"
            }
            h1 { class: "folders-heading", "Folders" }
            if let Some(account) = st.compose_account() {
                button {
                    class: "button primary compose-button",
                    title: "Write a new mail (c)",
                    onclick: move |_| st.compose_new(account.clone()),
                    "Compose"
                }
            }
            ul { class: "writing-links", aria_label: "Writing",
                li { Link { to: Route::MailDrafts {}, class: "folder", span { class: "folder-name", "Drafts" } } }
                li { Link { to: Route::MailOutbox {}, class: "folder", span { class: "folder-name", "Outbox" } } }
                li { Link { to: Route::MailSnoozed {}, class: "folder", span { class: "folder-name", "Snoozed" } } }
            }
            div { class: "mail-folders-top",
                button {
                    class: "button",
                    title: "Fetch new mail and send your changes now",
                    onclick: move |_| st.start_sync(),
                    if running > 0 { "Syncing…" } else { "Sync now" }
                }
                button {
                    class: "button",
                    aria_expanded: if *show_activity.read() { "true" } else { "false" },
                    onclick: move |_| { let v = *show_activity.read(); show_activity.set(!v) },
                    "Activity"
                    if running > 0 { span { class: "count", "{running}" } }
                    if failed > 0 { span { class: "count failed", title: "Changes Gmail refused", "{failed}" } }
                }
            }
            if let Some(err) = st.accounts_error.read().clone() {
                p { class: "banner error", "{err}" }
            }
            if no_accounts && st.accounts_error.read().is_none() {
                div { class: "mail-empty-note",
                    p { "No mail on this device yet." }
                    p {
                        Link { to: Route::Accounts {}, class: "link", "Add a Google account" }
                        " or "
                        button { class: "link-button", onclick: move |_| show_activity.set(true), "import an archive" }
                        "."
                    }
                }
            }
            AccountFolders { st }
            button {
                class: "link-button small import-link",
                title: "Import an mbox file, a maildir folder or .eml files",
                onclick: move |_| show_activity.set(true),
                "Import archive…"
            }
            p { class: "muted small mail-hint", "Press ? for keyboard shortcuts" }
        }
    }
}

/// "All inboxes" (with more than one Google account), then each account's labels.
#[component]
fn AccountFolders(st: MailState) -> Element {
    let accounts = st.accounts.read().clone();
    let current_account = st.account.read().clone();
    let current_folder = st.folder.read().clone();
    let searching = !st.search.read().is_empty();
    // A grouped list counts unread conversations, as Gmail does; else unread messages.
    let grouped = st.conversations.read().unwrap_or(true);
    let unread_of = move |l: &crate::model::MailLabel| {
        if grouped {
            l.unread_threads
        } else {
            l.unread
        }
    };
    rsx! {
        if accounts.iter().filter(|a| !a.is_archive).count() > 1 {
            button {
                class: if current_account.is_none() && current_folder == "INBOX" && !searching { "folder active all-inboxes" } else { "folder all-inboxes" },
                onclick: move |_| st.go_folder(None, "INBOX"),
                span { class: "folder-name", "All inboxes" }
            }
        }
        for acc in accounts {
            div { class: "mail-account", key: "{acc.id}",
                h2 { class: "nav-title", title: "{acc.email}", "{acc.email}" }
                ul {
                    for l in acc.labels.clone() {
                        li { key: "{l.id}",
                            button {
                                class: if current_account.as_deref() == Some(acc.id.as_str()) && current_folder == l.id && !searching { "folder active" } else { "folder" },
                                title: if grouped { format!("{} messages; {} conversations with unread mail", l.total, l.unread_threads) } else { format!("{} messages, {} unread", l.total, l.unread) },
                                onclick: {
                                    let (a, f) = (acc.id.clone(), l.id.clone());
                                    move |_| st.go_folder(Some(a.clone()), &f)
                                },
                                if let Some(c) = &l.color {
                                    span { class: "label-dot", aria_hidden: "true", style: "background: {c}" }
                                }
                                span { class: "folder-name", "{l.name}" }
                                if unread_of(&l) > 0 && l.id != "SENT" && l.id != "DRAFT" {
                                    span { class: "count", "{unread_of(&l)}" }
                                }
                            }
                        }
                    }
                    li { key: "ALL",
                        button {
                            class: if current_account.as_deref() == Some(acc.id.as_str()) && current_folder == ALL_MAIL && !searching { "folder active" } else { "folder" },
                            title: "Every message but spam and trash (g then a)",
                            onclick: {
                                let a = acc.id.clone();
                                move |_| st.go_folder(Some(a.clone()), ALL_MAIL)
                            },
                            span { class: "folder-name", "All mail" }
                        }
                    }
                }
            }
        }
    }
}
