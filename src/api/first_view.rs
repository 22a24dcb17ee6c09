//! The mail page's first data, read while the window opens, so that the page's first render
//! already shows the inbox. (dioxus-desktop applies a render's edits before it polls the page's
//! requests again, so data that arrives through a command lands one WebKit render cycle — 100 to
//! 200 ms with software painting — after the first frame; see benches/README.md, run 6.)
//!
//! Only a start-up shortcut, never the truth: the page asks for the same list again as soon as
//! it is shown, and that answer replaces this one if another process changed the mail in between.

use crate::model::{MailAccount, MailPage};

/// What the mail page shows first: its accounts (folders and counts), the grouping
/// preference, and the first page of `query`.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstView {
    pub accounts: Vec<MailAccount>,
    pub conversations: bool,
    pub query: String,
    pub limit: u32,
    pub page: MailPage,
}

/// One use only: a view read after the page has asked (a slow start) is never shown later, to
/// a page opened minutes on.
#[cfg(feature = "server")]
enum Slot {
    Waiting,
    Ready(FirstView),
    Taken,
}

#[cfg(feature = "server")]
static SLOT: std::sync::Mutex<Slot> = std::sync::Mutex::new(Slot::Waiting);

/// Reads the first view of `query` (every account, `limit` rows) with the installed services
/// and keeps it for [`take_first_view`]. A failure leaves nothing: the page then asks as usual.
#[cfg(feature = "server")]
pub async fn prefetch_first_view(query: &str, limit: u32) {
    let Some(s) = super::host::installed() else {
        return;
    };
    let read = async {
        // Unreadable settings: Gmail's default, as the page assumes too.
        let conversations = s.settings.get().await.map_or(true, |x| x.conversations);
        let accounts = s.mail.accounts().await?;
        let page = s
            .mail
            .list(None, query.to_string(), None, limit as usize, conversations)
            .await?;
        Ok::<_, crate::error::LibreOllamaError>(FirstView {
            accounts,
            conversations,
            query: query.to_string(),
            limit,
            page,
        })
    };
    match read.await {
        Ok(view) => {
            let mut slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
            if matches!(*slot, Slot::Waiting) {
                *slot = Slot::Ready(view);
            }
        }
        Err(e) => tracing::debug!(error = %e, "no first view; the mail page asks as usual"),
    }
}

/// The first view, if it was read for this `query` and `limit` and is ready now; asked once
/// (a later mail page, one that opens on a conversation, or the web preview's client asks as
/// usual).
pub fn take_first_view(query: &str, limit: u32) -> Option<FirstView> {
    #[cfg(feature = "server")]
    {
        let mut slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
        if let Slot::Ready(v) = std::mem::replace(&mut *slot, Slot::Taken) {
            if v.query == query && v.limit == limit {
                return Some(v);
            }
        }
    }
    let _ = (query, limit);
    None
}
