//! Conversations ready to read: bodies not yet downloaded are fetched on open, HTML is framed
//! (see [`super::images`]), and unread messages are marked read.

use std::collections::HashMap;
use std::sync::Arc;

use super::{address_of, MailService};
use crate::error::{LibreOllamaError, Result};
use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::model::{MailAction, MessageView, ThreadView};
use crate::store::threads::{self, ThreadMessage};

impl MailService {
    async fn load_thread(&self, account: &str, thread_id: &str) -> Result<Vec<ThreadMessage>> {
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        self.store
            .read(move |c| threads::messages(c, &acc, &tid))
            .await
    }

    /// A conversation ready to read. Bodies not yet downloaded are fetched now (when online);
    /// unread messages are marked read (locally at once, queued for Gmail).
    pub async fn thread(
        self: &Arc<Self>,
        account: &str,
        thread_id: &str,
        show_images_once: bool,
    ) -> Result<ThreadView> {
        let mut msgs = self.load_thread(account, thread_id).await?;
        if msgs.is_empty() {
            return Err(LibreOllamaError::NotFound {
                what: "This conversation in the local cache (it may have been deleted; sync to refresh)".into(),
            });
        }
        let mut notes: HashMap<String, String> = HashMap::new();
        if account != ARCHIVE_ACCOUNT && msgs.iter().any(|m| !m.body_fetched) {
            let sync = self.syncer(account);
            for m in msgs.iter().filter(|m| !m.body_fetched) {
                let r = sync.fetch_body(&m.id).await;
                self.note_outcome(&r);
                if let Err(e) = r {
                    notes.insert(
                        m.id.clone(),
                        format!("The full message could not be downloaded: {e} The preview below is what the cache has."),
                    );
                }
            }
            msgs = self.load_thread(account, thread_id).await?;
        }
        let rowids: Vec<i64> = msgs.iter().map(|m| m.rowid).collect();
        let framing = self.framing(account, rowids).await?;
        let mut unread = Vec::new();
        let mut views = Vec::with_capacity(msgs.len());
        for m in msgs {
            let (rowid, html) = (m.rowid, m.html.clone());
            let mut v = view_of(m);
            if v.labels.iter().any(|l| l == "UNREAD") {
                unread.push(v.id.clone());
                v.was_unread = true;
                v.labels.retain(|l| l != "UNREAD");
            }
            if let Some(html) = html.as_deref() {
                v.html = Some(framing.frame(rowid, &v.sender, html, show_images_once));
            }
            v.body_note = notes.remove(&v.id);
            views.push(v);
        }
        if !unread.is_empty() {
            self.act(account, unread, MailAction::MarkRead).await?;
        }
        Ok(ThreadView {
            account_id: account.to_string(),
            thread_id: thread_id.to_string(),
            subject: views.first().map(|v| v.subject.clone()).unwrap_or_default(),
            messages: views,
        })
    }
}

/// A cached message as the reader shows it (HTML framed later).
fn view_of(m: ThreadMessage) -> MessageView {
    MessageView {
        id: m.id,
        sender: address_of(&m.from),
        from: m.from,
        to: m.to,
        cc: m.cc,
        date_ms: m.internal_date,
        subject: m.subject,
        labels: m.labels,
        snippet: m.snippet,
        was_unread: false,
        text: m.text,
        html: None,
        attachments: m.attachments,
        body_note: None,
    }
}
