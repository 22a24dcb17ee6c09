//! "Archived · Undo": the toast that follows every mail action for a few seconds, and `z`, which
//! takes back the last action while its toast is up or after.

use dioxus::prelude::*;

use super::MailState;
use crate::api;
use crate::model::MailUndo;
use crate::ui::timer::sleep_ms;

/// How long the toast stays up.
const SHOWN_MS: u64 = 8_000;

/// The last action that can be taken back: what it did ("Archived"), what Undo needs, and a
/// number that tells one action's toast from the next one's.
#[derive(Clone, PartialEq)]
struct LastAction {
    text: &'static str,
    /// Ticked messages it applied to (1: the conversation or row at the cursor).
    count: usize,
    /// One per account the action touched.
    undo: Vec<MailUndo>,
    serial: u64,
}

static LAST: GlobalSignal<Option<LastAction>> = Signal::global(|| None);
/// The serial of the action whose toast is up (None: no toast).
static SHOWING: GlobalSignal<Option<u64>> = Signal::global(|| None);
static SERIAL: GlobalSignal<u64> = Signal::global(|| 0);
/// Actions sent whose answers have not come back.
static PENDING: GlobalSignal<u32> = Signal::global(|| 0);

/// Offers Undo for an action just applied (nothing to offer if it changed nothing).
pub(super) fn offer(text: &'static str, count: usize, undo: Vec<MailUndo>) {
    let pending = PENDING.peek().saturating_sub(1);
    *PENDING.write() = pending;
    if undo.iter().all(MailUndo::is_noop) {
        return;
    }
    let serial = *SERIAL.peek() + 1;
    *SERIAL.write() = serial;
    *LAST.write() = Some(LastAction {
        text,
        count,
        undo,
        serial,
    });
    *SHOWING.write() = Some(serial);
    spawn(async move {
        sleep_ms(SHOWN_MS).await;
        if *SHOWING.peek() == Some(serial) {
            *SHOWING.write() = None;
        }
    });
}

/// An action was sent and its answer (with what Undo needs) has not come back yet.
pub(super) fn begin() {
    *PENDING.write() += 1;
}

/// The toast goes (the mail page closes: its timer goes with it).
pub(super) fn hide() {
    if SHOWING.peek().is_some() {
        *SHOWING.write() = None;
    }
}

impl MailState {
    /// `z` and the palette's Undo: as in Gmail, a mail still in its undo window is taken back
    /// first, else the last action. (Each toast's own Undo button takes back what it shows.)
    pub(super) fn undo(mut self) {
        if super::send_toast::can_undo_send() {
            spawn(async move {
                if let Err(e) = super::send_toast::undo_send().await {
                    self.banner.set(Some((false, e)));
                }
            });
        } else {
            self.undo_last();
        }
    }

    /// Takes back the last action (`z`, or the toast's Undo); the list, the counts and an open
    /// conversation are read again from the cache afterwards. An action whose answer has not
    /// come back yet is the last one: Undo waits for it (a few seconds at most).
    pub(super) fn undo_last(mut self) {
        spawn(async move {
            for _ in 0..100 {
                if *PENDING.peek() == 0 {
                    break;
                }
                sleep_ms(50).await;
            }
            let Some(last) = LAST.write().take() else {
                self.banner
                    .set(Some((true, "Nothing to undo.".to_string())));
                return;
            };
            hide();
            let mut left = last.undo.clone();
            while let Some(u) = left.first().cloned() {
                if let Err(e) = api::mail_undo(u).await {
                    // What was not taken back can still be: it stays the last action.
                    *LAST.write() = Some(LastAction { undo: left, ..last });
                    self.banner
                        .set(Some((false, format!("That could not be undone: {e}"))));
                    return;
                }
                left.remove(0);
            }
            self.banner.set(Some((
                true,
                format!("Undone: {}.", last.text.to_lowercase()),
            )));
            self.reload();
            self.refresh_accounts();
            let open = self.open.peek().clone();
            if let Some((account, thread)) = open {
                self.open_thread(account, thread, false);
            }
        });
    }
}

/// The toast itself, on the mail page.
#[component]
pub(super) fn UndoToast(st: MailState) -> Element {
    let Some(serial) = *SHOWING.read() else {
        return rsx! {};
    };
    let Some(last) = LAST.read().clone().filter(|l| l.serial == serial) else {
        return rsx! {};
    };
    let what = if last.count == 1 {
        String::new()
    } else {
        format!(" ({} messages)", last.count)
    };
    rsx! {
        div { class: "toast", role: "status",
            span { "{last.text}{what}" }
            button {
                class: "link-button",
                title: "Undo (z)",
                onclick: move |_| st.undo_last(),
                "Undo"
            }
        }
    }
}
