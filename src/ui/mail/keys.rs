//! The mail page's keyboard shortcuts and the dialog that lists them.

use dioxus::prelude::*;

use super::MailState;
use crate::model::{ComposeKind, MailAction};

/// `{row}` reads "conversation", or "message" when the list has one row per message.
const SHORTCUTS: [(&str, &str); 31] = [
    ("c", "Write a new mail"),
    ("r", "Reply"),
    ("a", "Reply all"),
    ("f", "Forward"),
    ("j / ↓", "Next {row}"),
    ("k / ↑", "Previous {row}"),
    ("o / Enter", "Open the conversation"),
    ("x", "Tick or untick the {row} (for several at once)"),
    ("Shift+J / Shift+K", "Tick and move down or up"),
    (
        "* then a / * then n",
        "Tick every {row} loaded in the list / none",
    ),
    ("e", "Archive"),
    ("#", "Move to trash"),
    ("!", "Report spam"),
    ("s", "Star or unstar"),
    ("u", "Mark read or unread"),
    ("Shift+I", "Mark read"),
    ("Shift+U", "Mark unread"),
    ("z", "Undo the last action, or take back a mail being sent"),
    ("l", "Add a label (the palette, with the labels)"),
    ("v", "Move to a label (the palette, with the labels)"),
    ("/", "Search"),
    ("g then i", "Go to the inbox"),
    ("g then s", "Go to starred"),
    ("g then t", "Go to sent"),
    ("g then d", "Go to drafts"),
    ("g then a", "Go to all mail"),
    (
        crate::ui::palette::OPEN_KEYS,
        "Find and run anything (the command palette)",
    ),
    ("Esc", "Untick all, close the conversation or this list"),
    ("?", "Show this list"),
    ("Tab", "Move between panes and buttons"),
    ("Shift+click", "Tick every {row} up to this one"),
];

/// How long "g" or "*" waits for its second key.
const PREFIX_MS: i64 = 1_500;

/// One key press on the page. While the search box has the focus (`typing`) only Esc counts
/// (it leaves the box); `pending` holds a "g" or "*" waiting for its second key, and when it
/// was pressed: a second key more than 1.5 s later is a key of its own (as in Gmail), so "g",
/// a pause, then "s" stars instead of going to Starred.
pub(super) fn on_key(
    mut st: MailState,
    typing: Signal<bool>,
    mut pending: Signal<Option<(char, i64)>>,
    e: KeyboardEvent,
) {
    if *typing.read() {
        if e.key() == Key::Escape {
            if let Some(el) = st.search_el.read().clone() {
                spawn(async move {
                    let _ = el.set_focus(false).await;
                });
            }
        }
        return;
    }
    if e.modifiers().ctrl() || e.modifiers().alt() || e.modifiers().meta() {
        return;
    }
    let now = chrono::Utc::now().timestamp_millis();
    let prefix = pending
        .read()
        .filter(|(_, at)| now - at <= PREFIX_MS)
        .map(|(c, _)| c);
    pending.set(None);
    let g = prefix == Some('g');
    // Capitals count only with Shift (not with Caps Lock on).
    let shift = e.modifiers().shift();
    let sel = *st.selected.read();
    match e.key() {
        Key::Enter => st.open_selected(),
        Key::Escape => {
            if *st.show_help.read() {
                st.show_help.set(false);
            } else if !st.ticked.read().is_empty() {
                st.tick_all(false);
            } else if *st.show_activity.read() {
                st.show_activity.set(false);
            } else {
                st.thread.set(None);
                st.open.set(None);
            }
        }
        Key::ArrowDown => {
            e.prevent_default();
            st.select(sel + 1);
        }
        Key::ArrowUp => {
            e.prevent_default();
            st.select(sel.saturating_sub(1));
        }
        // "g" then a folder's key: before the single keys, which "s" is one of.
        Key::Character(c) if g && matches!(c.as_str(), "i" | "s" | "t" | "d" | "a") => {
            let folder = match c.as_str() {
                "i" => "INBOX",
                "s" => "STARRED",
                "t" => "SENT",
                "a" => crate::model::ALL_MAIL,
                _ => "DRAFT",
            };
            st.go_folder(None, folder);
        }
        // "*" then "a" ticks every row, then "n" none (Gmail's keys).
        Key::Character(c) if prefix == Some('*') => match c.as_str() {
            "a" => st.tick_all(true),
            "n" => st.tick_all(false),
            _ => {}
        },
        Key::Character(c) => match c.as_str() {
            "j" => st.select(sel + 1),
            "k" => st.select(sel.saturating_sub(1)),
            "o" => st.open_selected(),
            "e" => st.act(MailAction::Archive),
            "#" => st.act(MailAction::Trash),
            "!" => st.act(MailAction::MarkSpam),
            "I" if shift => st.act(MailAction::MarkRead),
            "U" if shift => st.act(MailAction::MarkUnread),
            "z" => st.undo(),
            // Gmail's "Label as" and "Move to": the palette, showing those entries.
            "l" => crate::ui::palette::open_with("Add label "),
            "v" => crate::ui::palette::open_with("Move to "),
            "s" => {
                if let Some(r) = st.selected_row() {
                    st.act(if r.starred {
                        MailAction::Unstar
                    } else {
                        MailAction::Star
                    });
                }
            }
            "u" => {
                if let Some(r) = st.selected_row() {
                    st.act(if r.unread {
                        MailAction::MarkRead
                    } else {
                        MailAction::MarkUnread
                    });
                }
            }
            "/" => {
                e.prevent_default();
                if let Some(el) = st.search_el.read().clone() {
                    spawn(async move {
                        let _ = el.set_focus(true).await;
                    });
                }
            }
            "r" => st.reply(ComposeKind::Reply),
            "a" => st.reply(ComposeKind::ReplyAll),
            "f" => st.reply(ComposeKind::Forward),
            "c" => {
                if let Some(account) = st.compose_account() {
                    st.compose_new(account);
                }
            }
            "?" => st.show_help.set(true),
            "g" => pending.set(Some(('g', now))),
            "*" => pending.set(Some(('*', now))),
            "x" => st.toggle_tick(sel),
            "J" if shift => st.extend(true),
            "K" if shift => st.extend(false),
            _ => {}
        },
        _ => {}
    }
}

/// The list of shortcuts ("?"); Esc, Close or a click outside closes it.
#[component]
pub(super) fn ShortcutsDialog(st: MailState) -> Element {
    let mut show_help = st.show_help;
    let row = if *st.conversations.read() == Some(false) {
        "message"
    } else {
        "conversation"
    };
    rsx! {
        div { class: "overlay", onclick: move |_| show_help.set(false),
            div {
                class: "dialog",
                role: "dialog",
                aria_label: "Keyboard shortcuts",
                onclick: move |e| e.stop_propagation(),
                h2 { "Keyboard shortcuts" }
                dl { class: "shortcuts",
                    for (k, what) in SHORTCUTS {
                        dt { kbd { "{k}" } }
                        dd { {what.replace("{row}", row)} }
                    }
                }
                button { class: "button", onclick: move |_| show_help.set(false), "Close" }
            }
        }
    }
}
