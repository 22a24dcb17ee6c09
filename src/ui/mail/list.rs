//! The message list: a search box and a virtualized list (only the rows in view are in the
//! DOM, so 100,000 cached messages scroll like 100), paged from the cache as you scroll.

use dioxus::html::geometry::PixelsVector2D;
use dioxus::html::ScrollBehavior;
use dioxus::prelude::*;

use super::format::{person, short_date};
use super::MailState;
use crate::model::{JobKind, JobState, MailAction};

/// Every row has this height (px), which is what lets the list place rows without measuring.
pub(super) const ROW_H: f64 = 68.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 8;
/// Until the first scroll event reports the real height.
const DEFAULT_VIEWPORT: f64 = 900.0;

/// The rows to put in the DOM for a scroll position: [first, end).
pub(super) fn window(scroll_top: f64, viewport: f64, len: usize) -> (usize, usize) {
    let first = ((scroll_top / ROW_H).floor().max(0.0) as usize).saturating_sub(OVERSCAN);
    let end = (((scroll_top + viewport) / ROW_H).ceil().max(0.0) as usize + OVERSCAN).min(len);
    (first.min(end), end)
}

/// Scrolls the list so row `i` is visible (keyboard selection).
pub(super) fn scroll_into_view(st: MailState, i: usize) {
    let Some(el) = st.list_el.read().clone() else {
        return;
    };
    spawn(async move {
        let Ok(rect) = el.get_client_rect().await else {
            return;
        };
        let Ok(offset) = el.get_scroll_offset().await else {
            return;
        };
        let (top, height) = (offset.y, rect.size.height);
        let row_top = i as f64 * ROW_H;
        let target = if row_top < top {
            row_top
        } else if row_top + ROW_H > top + height {
            row_top + ROW_H - height
        } else {
            return;
        };
        let _ = el
            .scroll(PixelsVector2D::new(0.0, target), ScrollBehavior::Instant)
            .await;
    });
}

/// Who a row names: a conversation's writers ("Ada, me"), else the sender.
fn who(row: &crate::model::MailRow) -> String {
    match &row.conversation {
        Some(c) if !c.participants.is_empty() => c.participants.join(", "),
        _ => person(&row.from),
    }
}

#[component]
pub(super) fn MessageList(typing: Signal<bool>) -> Element {
    let mut st = use_context::<MailState>();
    let mut draft = use_signal(|| st.search.peek().clone());
    let mut box_gen = use_signal(|| 0u32);
    // A search started elsewhere (the command palette) shows in the box: remounted with it.
    use_effect(move || {
        let s = st.search.read().clone();
        if draft.peek().trim() != s {
            draft.set(s);
            box_gen += 1;
        }
    });
    let mut viewport = use_signal(|| DEFAULT_VIEWPORT);

    let rows = st.rows.read();
    let len = rows.len();
    let (first, end) = window(*st.scroll_top.read(), *viewport.read(), len);
    let selected = *st.selected.read();
    let open_thread = st.open.read().as_ref().map(|(_, t)| t.clone());
    let searching = !st.search.read().is_empty();
    let ticked = st.ticked.read().len();
    // An empty folder after a failed sync says why, not "No messages here".
    let failed_sync: Option<String> = {
        let account = st.account.read().clone();
        st.status.read().as_ref().and_then(|s| {
            s.jobs
                .iter()
                .filter(|j| j.kind == JobKind::MailSync)
                .filter(|j| account.is_none() || j.account == account)
                .max_by_key(|j| j.id)
                .filter(|j| j.state == JobState::Failed)
                .map(|j| j.message.clone().unwrap_or_default())
        })
    };
    let bulk = ticked > 0;
    let title = if searching && *st.online.read() {
        format!("Gmail search: {}", st.search.read())
    } else if searching {
        format!("Search: {}", st.search.read())
    } else {
        st.folder_name()
    };
    let summary = match (*st.loading.read(), len, *st.took_ms.read()) {
        (true, 0, _) => "Loading…".to_string(),
        (_, 0, _) => String::new(),
        (_, n, Some(ms)) => format!(
            "{n}{} shown · {ms:.0} ms",
            if st.next.read().is_some() || st.next_token.read().is_some() {
                "+"
            } else {
                ""
            }
        ),
        (_, n, None) => format!("{n} shown"),
    };
    let visible: Vec<(usize, crate::model::MailRow)> = rows[first..end]
        .iter()
        .cloned()
        .enumerate()
        .map(|(k, r)| (first + k, r))
        .collect();
    drop(rows);

    rsx! {
        section { class: "mail-list", aria_label: "Messages",
            form {
                class: "mail-search",
                role: "search",
                onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    st.search.set(draft.read().trim().to_string());
                },
                // Not a controlled input: writing `value` back on every keystroke raced fast
                // typing (at ~30 keys a second letters were lost). The box is remounted empty
                // by Clear instead (a new key).
                for k in [box_gen()] {
                    input {
                        key: "{k}",
                        r#type: "search",
                        placeholder: "Search mail (from:, subject:, has:attachment, before:…)",
                        aria_label: "Search mail",
                        initial_value: draft.peek().clone(),
                        oninput: move |e| draft.set(e.value()),
                        onmounted: move |e| st.search_el.set(Some(e.data())),
                        onfocus: move |_| typing.set(true),
                        onblur: move |_| typing.set(false),
                    }
                }
                label {
                    class: "online-toggle",
                    title: "Ask Gmail instead of the mail on this device (needs a connection)",
                    input {
                        r#type: "checkbox",
                        checked: *st.online.read(),
                        onchange: move |e| st.online.set(e.checked()),
                    }
                    "Gmail"
                }
                if searching {
                    button {
                        r#type: "button",
                        class: "link-button",
                        onclick: move |_| {
                            draft.set(String::new());
                            st.search.set(String::new());
                            box_gen += 1;
                        },
                        "Clear"
                    }
                }
            }
            div { class: "mail-list-head",
                // Phones and tablets have no room for the folder pane beside the list.
                button {
                    r#type: "button",
                    class: "button folders-button",
                    aria_label: "Folders and labels",
                    aria_controls: "mail-folders",
                    onclick: move |_| st.show_folders.set(true),
                    svg { view_box: "0 0 24 24", width: "18", height: "18", fill: "none", stroke: "currentColor", stroke_width: "2", stroke_linecap: "round", "aria-hidden": "true",
                        path { d: "M4 6h16M4 12h16M4 18h16" }
                    }
                    span { class: "folders-button-label", "Folders" }
                }
                h1 { "{title}" }
                span { class: "muted small", "{summary}" }
            }
            if let Some(err) = st.list_error.read().clone() {
                div { class: "banner error", role: "alert", "{err}" }
            }
            if bulk {
                div { class: "mail-bulk", role: "toolbar", aria_label: "Ticked messages",
                    span { class: "mail-bulk-count", "{ticked} ticked" }
                    for (label, name, action) in [
                        ("Archive", "Archive (e)", MailAction::Archive),
                        ("Trash", "Move to trash (#)", MailAction::Trash),
                        ("Read", "Mark read (Shift+I)", MailAction::MarkRead),
                        ("Unread", "Mark unread (Shift+U)", MailAction::MarkUnread),
                        ("Star", "Star", MailAction::Star),
                        ("Spam", "Report spam (!)", MailAction::MarkSpam),
                    ] {
                        button { class: "button", title: name, onclick: move |_| st.act(action.clone()), "{label}" }
                    }
                    button { class: "link-button", title: "Untick all (Esc, or * then n)", onclick: move |_| st.tick_all(false), "Untick all" }
                }
            }
            div {
                class: "mail-rows",
                role: "listbox",
                aria_label: "{title}",
                aria_multiselectable: if bulk { "true" } else { "false" },
                // Scrolls: reachable from the keyboard (j/k then move the selection).
                tabindex: "0",
                onmounted: move |e| st.list_el.set(Some(e.data())),
                onscroll: move |e: ScrollEvent| {
                    let top = e.data().scroll_top();
                    let h = f64::from(e.data().client_height());
                    st.scroll_top.set(top);
                    if h > 0.0 {
                        viewport.set(h);
                    }
                    let loaded = st.rows.peek().len() as f64 * ROW_H;
                    // Near the end of what is loaded: fetch the next page.
                    if top + h * 3.0 > loaded {
                        st.load(false);
                    }
                },
                if len == 0 && !*st.loading.read() && st.list_error.read().is_none() {
                    p { class: "mail-empty",
                        if let Some(why) = failed_sync.filter(|_| !searching) {
                            span { role: "alert", "Nothing here yet: the last sync failed. {why}" }
                        } else if searching && *st.online.read() { "Gmail found no messages for this search." } else if searching { "No messages match this search on this device. Tick Gmail to ask Gmail itself." } else { "No messages here." }
                    }
                }
                div { class: "mail-rows-inner", style: "height: {len as f64 * ROW_H}px",
                    for (i, row) in visible {
                        div {
                            key: "{row.account_id}/{row.id}",
                            class: format!(
                                "mail-row{}{}{}{}",
                                if row.unread { " unread" } else { "" },
                                if i == selected { " selected" } else { "" },
                                if open_thread.as_deref() == Some(row.thread_id.as_str()) { " open" } else { "" },
                                if st.is_ticked(&row.account_id, row.key()) { " ticked" } else { "" },
                            ),
                            style: "top: {i as f64 * ROW_H}px",
                            role: "option",
                            // Ticked rows are the selection while there are any; else the cursor.
                            aria_selected: if bulk { st.is_ticked(&row.account_id, row.key()) } else { i == selected },
                            onclick: {
                                let (a, t) = (row.account_id.clone(), row.thread_id.clone());
                                move |e: MouseEvent| {
                                    if e.modifiers().shift() {
                                        st.tick_range(i);
                                        st.selected.set(i);
                                        return;
                                    }
                                    st.selected.set(i);
                                    st.open_thread(a.clone(), t.clone(), false);
                                }
                            },
                            span {
                                class: "tick",
                                aria_hidden: "true",
                                title: "Tick (x)",
                                onclick: move |e| {
                                    e.stop_propagation();
                                    st.toggle_tick(i);
                                },
                            }
                            div { class: "mail-row-top",
                                span { class: "mail-who",
                                    span { class: "mail-from", {who(&row)} }
                                    if let Some(n) = row.conversation.as_ref().map(|c| c.count).filter(|n| *n > 1) {
                                        // Its name is the row's visible text (axe: label-content-name-mismatch):
                                        // the word "messages" is there for screen readers only.
                                        span { class: "mail-count", title: "{n} messages in this conversation",
                                            "{n}"
                                            span { class: "visually-hidden", " messages" }
                                        }
                                    }
                                }
                                if row.has_attachment {
                                    svg { class: "clip", view_box: "0 0 24 24", width: "14", height: "14", fill: "none", stroke: "currentColor", stroke_width: "2", stroke_linecap: "round",
                                        title { "Has attachments" }
                                        path { d: "M21 11.5 12.5 20a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L10.2 17.7a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6" }
                                    }
                                }
                                if row.starred { span { class: "star", title: "Starred", "★" } }
                                span { class: "mail-date", {short_date(row.date_ms)} }
                            }
                            div { class: "mail-subject", if row.subject.is_empty() { "(no subject)" } else { "{row.subject}" } }
                            div { class: "mail-snippet", "{row.snippet}" }
                        }
                    }
                }
                if *st.loading.read() && len > 0 {
                    p { class: "muted small mail-more", "Loading more…" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_near_the_viewport_are_rendered() {
        assert_eq!(window(0.0, 680.0, 100_000), (0, 18));
        let (first, end) = window(ROW_H * 50_000.0, 680.0, 100_000);
        assert_eq!((first, end), (50_000 - OVERSCAN, 50_010 + OVERSCAN));
        assert_eq!(window(ROW_H * 99_995.0, 680.0, 100_000).1, 100_000);
        assert_eq!(window(0.0, 680.0, 3), (0, 3));
        assert_eq!(window(5000.0, 680.0, 0), (0, 0));
    }
}
