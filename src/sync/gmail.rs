//! Gmail sync: a full sync pages message ids newest first and stores metadata page by page (the
//! page token is saved with each page, so a killed sync resumes where it stopped); afterwards
//! history.list applies changes since the stored history id, and a 404 on that id starts a
//! clean full sync. Every write is an upsert or delete keyed by message id, so replaying a page
//! or a history batch after a crash converges without duplicates.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use rusqlite::{params, OptionalExtension};
use tokio_util::sync::CancellationToken;

use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::messages::{Format, ListParams};
use crate::google::gmail::types::{History, HistoryId, Message};
use crate::google::gmail::Gmail;
use crate::store::mail::{self, NewMessage};
use crate::store::{now_unix, Store};

/// What the store remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    pub history_id: Option<HistoryId>,
    pub full_sync_page_token: Option<String>,
    pub full_sync_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Page through messages.list from `page_token` (None = from the newest).
    Full { page_token: Option<String> },
    /// Apply history since this id.
    Incremental { since: HistoryId },
}

pub fn plan_mode(s: &SyncState) -> Mode {
    match (&s.history_id, s.full_sync_complete) {
        (Some(h), true) => Mode::Incremental { since: h.clone() },
        _ => Mode::Full {
            page_token: s.full_sync_page_token.clone(),
        },
    }
}

/// The net effect of a run of history records, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryPlan {
    /// Messages to fetch (metadata) and upsert: added, or whose labels changed.
    pub fetch: BTreeSet<String>,
    /// Messages gone from the mailbox.
    pub delete: BTreeSet<String>,
    /// The newest history id seen: the next cursor.
    pub newest: Option<HistoryId>,
}

/// Folds history records into one plan: a message added then deleted is only deleted; deleted
/// then (re)added is fetched. Label changes are fetched rather than patched, so the cache takes
/// the server's final label set and replays never drift.
pub fn plan_history(records: &[History], newest_from_response: Option<&HistoryId>) -> HistoryPlan {
    let mut last: BTreeMap<String, bool> = BTreeMap::new(); // id -> present
    let mut newest: Option<HistoryId> = newest_from_response.cloned();
    let mut ordered: Vec<&History> = records.iter().collect();
    ordered.sort_by(|a, b| a.id.cmp(&b.id));
    for r in ordered {
        if let Some(id) = &r.id {
            if newest.as_ref().is_none_or(|n| id > n) {
                newest = Some(id.clone());
            }
        }
        for m in &r.messages_added {
            last.insert(m.message.id.clone(), true);
        }
        for l in r.labels_added.iter().chain(r.labels_removed.iter()) {
            last.entry(l.message.id.clone()).or_insert(true);
        }
        for m in &r.messages_deleted {
            last.insert(m.message.id.clone(), false);
        }
    }
    let mut plan = HistoryPlan {
        newest,
        ..Default::default()
    };
    for (id, present) in last {
        if present {
            plan.fetch.insert(id);
        } else {
            plan.delete.insert(id);
        }
    }
    plan
}

/// Gmail metadata → a cache row.
pub fn to_new_message(account_id: &str, m: &Message) -> NewMessage {
    let h = |n: &str| m.header(n).unwrap_or_default().to_string();
    let mut attachments = Vec::new();
    if let Some(p) = &m.payload {
        let mut stack = vec![p];
        while let Some(part) = stack.pop() {
            if let Some(name) = part.filename.as_deref().filter(|f| !f.is_empty()) {
                attachments.push(mail::NewAttachment {
                    part_id: part.part_id.clone().unwrap_or_default(),
                    attachment_id: part.body.as_ref().and_then(|b| b.attachment_id.clone()),
                    filename: name.to_string(),
                    mime_type: part.mime_type.clone().unwrap_or_default(),
                    size: part.body.as_ref().and_then(|b| b.size).unwrap_or(0),
                    content_id: part
                        .headers
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case("Content-ID"))
                        .map(|x| x.value.trim_matches(['<', '>']).to_string()),
                });
            }
            stack.extend(part.parts.iter());
        }
    }
    NewMessage {
        account_id: account_id.to_string(),
        id: m.id.clone(),
        thread_id: m.thread_id.clone(),
        history_id: m.history_id.as_ref().map(|h| h.0.clone()),
        internal_date: m.internal_date.unwrap_or(0),
        size_estimate: m.size_estimate.unwrap_or(0),
        subject: h("Subject"),
        from: h("From"),
        to: h("To"),
        cc: h("Cc"),
        snippet: m.snippet.clone().unwrap_or_default(),
        message_id_hdr: m.header("Message-ID").map(str::to_string),
        in_reply_to: m.header("In-Reply-To").map(str::to_string),
        references: m.header("References").map(str::to_string),
        label_ids: m.label_ids.clone(),
        attachments,
        parts: Vec::new(),
        body_text: None,
        body_html_sanitized: None,
    }
}

const METADATA_HEADERS: &[&str] = &[
    "Subject",
    "From",
    "To",
    "Cc",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
];

/// Progress of a run, for the activity panel and the CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncReport {
    pub mode: String,
    pub fetched: usize,
    pub deleted: usize,
    pub pages: usize,
    pub restarted_full: bool,
}

/// Each id of a batch with what Gmail answered for it.
type BatchAnswers = Vec<(String, Result<Message>)>;

pub struct GmailSync {
    store: Store,
    gmail: Gmail,
    account_id: String,
    /// Metadata fetches in flight (the rate limiter still governs quota).
    pub concurrency: usize,
    pub page_size: u32,
    /// Messages stored so far out of the estimate, for the activity panel.
    pub progress: std::sync::Arc<crate::services::jobs::Progress>,
    /// Cleared when the server turns out to have no batch endpoint.
    pub use_batch: std::sync::atomic::AtomicBool,
}

impl GmailSync {
    pub fn new(store: Store, gmail: Gmail, account_id: impl Into<String>) -> Self {
        GmailSync {
            store,
            gmail,
            account_id: account_id.into(),
            concurrency: 8,
            page_size: 100,
            progress: Default::default(),
            use_batch: std::sync::atomic::AtomicBool::new(true),
        }
    }

    pub async fn state(&self) -> Result<SyncState> {
        let id = self.account_id.clone();
        self.store
            .read(move |c| {
                c.query_row(
                    "SELECT history_id, full_sync_page_token, full_sync_complete FROM mail_sync_state WHERE account_id = ?1",
                    [id],
                    |r| {
                        Ok(SyncState {
                            history_id: r.get::<_, Option<String>>(0)?.map(HistoryId),
                            full_sync_page_token: r.get(1)?,
                            full_sync_complete: r.get(2)?,
                        })
                    },
                )
                .optional()
                .map(|o| o.unwrap_or_default())
                .map_err(|e| LibreOllamaError::db("reading sync state", e))
            })
            .await
    }

    /// Metadata of `ids`; cancelling stops at once (nothing of the page has been stored yet).
    async fn fetch_metadata(
        &self,
        ids: Vec<String>,
        cancel: &CancellationToken,
    ) -> Result<Vec<Message>> {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(LibreOllamaError::Cancelled("mail sync".into())),
            r = self.fetch_metadata_now(ids, cancel) => r,
        }
    }

    async fn fetch_metadata_now(
        &self,
        ids: Vec<String>,
        cancel: &CancellationToken,
    ) -> Result<Vec<Message>> {
        if self.use_batch.load(std::sync::atomic::Ordering::Relaxed) && ids.len() > 1 {
            match self.fetch_metadata_batched(&ids, cancel).await {
                Err(LibreOllamaError::GoogleApi { status, .. })
                    if matches!(status, 400 | 404 | 405 | 501) =>
                {
                    // This server has no batch endpoint (some proxies and emulators): one call each.
                    tracing::info!(account = %self.account_id, status, "gmail batch unavailable; fetching one by one");
                    self.use_batch
                        .store(false, std::sync::atomic::Ordering::Relaxed);
                }
                other => return other,
            }
        }
        let results: Vec<Result<Option<Message>>> = stream::iter(ids)
            .map(|id| self.get_one(id))
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        if cancel.is_cancelled() {
            return Err(LibreOllamaError::Cancelled("mail sync".into()));
        }
        results.into_iter().filter_map(|r| r.transpose()).collect()
    }

    async fn get_one(&self, id: String) -> Result<Option<Message>> {
        match self
            .gmail
            .messages_get(&id, Format::Metadata, METADATA_HEADERS)
            .await
        {
            Ok(m) => Ok(Some(m)),
            // Deleted between listing and fetching: nothing to store.
            Err(LibreOllamaError::GoogleApi { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Metadata in batches of 50 (one HTTP round trip each); a call the batch answered with a
    /// temporary error is repeated on its own.
    async fn fetch_metadata_batched(
        &self,
        ids: &[String],
        cancel: &CancellationToken,
    ) -> Result<Vec<Message>> {
        let chunks: Vec<Vec<String>> = ids
            .chunks(crate::google::client::MAX_BATCH)
            .map(<[String]>::to_vec)
            .collect();
        let answers: Vec<Result<BatchAnswers>> = stream::iter(chunks)
            .map(|chunk| async move {
                let r = self
                    .gmail
                    .messages_get_batch(&chunk, Format::Metadata, METADATA_HEADERS)
                    .await?;
                Ok(chunk.into_iter().zip(r).collect())
            })
            .buffer_unordered(2)
            .collect()
            .await;
        if cancel.is_cancelled() {
            return Err(LibreOllamaError::Cancelled("mail sync".into()));
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in answers {
            for (id, r) in chunk? {
                match r {
                    Ok(m) => out.push(m),
                    Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {}
                    Err(e) if e.is_retryable() => out.extend(self.get_one(id).await?),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// One sync run: full (resuming) or incremental, falling back to a clean full sync when the
    /// stored history id has expired at Google.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<SyncReport> {
        self.sync_labels().await?;
        let state = self.state().await?;
        match plan_mode(&state) {
            Mode::Full { page_token } => self.full(page_token, state.history_id, cancel).await,
            Mode::Incremental { since } => match self.incremental(&since, cancel).await {
                Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {
                    tracing::warn!(account = %self.account_id, "history id expired; starting a full re-sync");
                    self.save_state(None, None, false).await?;
                    let mut r = self.full(None, None, cancel).await?;
                    r.restarted_full = true;
                    Ok(r)
                }
                other => other,
            },
        }
    }

    /// Stores metadata of messages Gmail named that the cache lacks (online search results).
    pub async fn store_missing(&self, ids: Vec<String>, cancel: &CancellationToken) -> Result<()> {
        let account = self.account_id.clone();
        let missing: Vec<String> = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare_cached("SELECT 1 FROM mail_messages WHERE account_id = ?1 AND id = ?2")
                    .map_err(|e| LibreOllamaError::db("looking up messages", e))?;
                let mut out = Vec::new();
                for id in ids {
                    if !st
                        .exists(params![account, id])
                        .map_err(|e| LibreOllamaError::db("looking up messages", e))?
                    {
                        out.push(id);
                    }
                }
                Ok(out)
            })
            .await?;
        if missing.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewMessage> = self
            .fetch_metadata(missing, cancel)
            .await?
            .iter()
            .map(|m| to_new_message(&self.account_id, m))
            .collect();
        self.store
            .transaction(move |tx| mail::upsert_messages(tx, &rows).map(|_| ()))
            .await
    }

    /// Mirrors the account's labels (names, types, colours); labels gone at Gmail leave the cache.
    pub async fn sync_labels(&self) -> Result<()> {
        let labels = self.gmail.labels_list().await?;
        let account = self.account_id.clone();
        self.store
            .transaction(move |tx| {
                let e = |e| LibreOllamaError::db("storing labels", e);
                let ids: Vec<String> = labels.iter().map(|l| l.id.clone()).collect();
                let keep = serde_json::to_string(&ids).map_err(LibreOllamaError::json)?;
                tx.execute(
                    "DELETE FROM mail_labels WHERE account_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
                    params![account, keep],
                )
                .map_err(e)?;
                let mut st = tx
                    .prepare_cached(
                        "INSERT INTO mail_labels (account_id, id, name, type, messages_total, messages_unread, color_background, color_text) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(account_id, id) DO UPDATE SET name = excluded.name, \
                         type = excluded.type, messages_total = excluded.messages_total, messages_unread = excluded.messages_unread, \
                         color_background = excluded.color_background, color_text = excluded.color_text",
                    )
                    .map_err(e)?;
                for l in &labels {
                    let kind = if l.label_type.as_deref() == Some("system") { "system" } else { "user" };
                    st.execute(params![
                        account,
                        l.id,
                        l.name,
                        kind,
                        l.messages_total,
                        l.messages_unread,
                        l.color.as_ref().and_then(|c| c.background_color.clone()),
                        l.color.as_ref().and_then(|c| c.text_color.clone()),
                    ])
                    .map_err(e)?;
                }
                Ok(())
            })
            .await
    }

    /// Fetches one message in raw form, parses it and stores its body (text and sanitized
    /// HTML) in the cache and the index. Used when a message is opened, and by the backfill.
    pub async fn fetch_body(&self, message_id: &str) -> Result<()> {
        use base64::Engine;
        let m = self
            .gmail
            .messages_get(message_id, Format::Raw, &[])
            .await?;
        let raw_b64 = m.raw.as_deref().unwrap_or_default().trim_end_matches('=');
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw_b64)
            .map_err(|e| LibreOllamaError::Serialization {
                format: "base64url".into(),
                reason: e.to_string(),
            })?;
        let row = match crate::mail::parse::parse(&raw) {
            Some(p) => {
                let mut row = p.into_new_message(
                    &self.account_id,
                    m.id.clone(),
                    m.thread_id.clone(),
                    m.label_ids.clone(),
                    m.internal_date.unwrap_or(0),
                    m.size_estimate.unwrap_or(raw.len() as i64),
                );
                row.internal_date = m.internal_date.unwrap_or(row.internal_date);
                row.history_id = m.history_id.as_ref().map(|h| h.0.clone());
                row.snippet = m.snippet.clone().unwrap_or(row.snippet);
                row
            }
            None => {
                let mut row = to_new_message(&self.account_id, &m);
                row.body_text = Some(String::from_utf8_lossy(&raw).into_owned());
                row
            }
        };
        self.store
            .transaction(move |tx| mail::upsert_messages(tx, &[row]).map(|_| ()))
            .await
    }

    /// Fetches bodies of the newest `limit` messages that have none yet. Returns how many.
    pub async fn backfill_bodies(&self, limit: usize, cancel: &CancellationToken) -> Result<usize> {
        let account = self.account_id.clone();
        let ids: Vec<String> = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare(
                        "SELECT id FROM mail_messages WHERE account_id = ?1 AND body_state = 'none' \
                         ORDER BY internal_date DESC LIMIT ?2",
                    )
                    .map_err(|e| LibreOllamaError::db("listing messages without bodies", e))?;
                let rows = st
                    .query_map(params![account, limit as i64], |r| r.get(0))
                    .map_err(|e| LibreOllamaError::db("listing messages without bodies", e))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(|e| LibreOllamaError::db("listing messages without bodies", e))
            })
            .await?;
        let results: Vec<Result<()>> = stream::iter(ids)
            .map(|id| async move { self.fetch_body(&id).await })
            .buffer_unordered(self.concurrency.max(1))
            .take_while(|_| futures_util::future::ready(!cancel.is_cancelled()))
            .collect()
            .await;
        let mut done = 0;
        for r in results {
            match r {
                Ok(()) => done += 1,
                // Deleted at Google meanwhile: the next sync removes it.
                Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    async fn save_state(
        &self,
        history: Option<HistoryId>,
        token: Option<String>,
        complete: bool,
    ) -> Result<()> {
        let id = self.account_id.clone();
        self.store
            .write(move |c| write_state(c, &id, history, token, complete))
            .await
    }

    async fn full(
        &self,
        mut page_token: Option<String>,
        mut newest: Option<HistoryId>,
        cancel: &CancellationToken,
    ) -> Result<SyncReport> {
        let mut report = SyncReport {
            mode: "full".into(),
            ..Default::default()
        };
        if page_token.is_none() {
            // Everything stored from now on is confirmed by this sync; what is not, at the end,
            // is gone at Gmail.
            let account = self.account_id.clone();
            let started = now_ms();
            self.store
                .write(move |c| {
                    c.execute(
                        "INSERT INTO mail_sync_state (account_id, full_sync_started_at) VALUES (?1, ?2) \
                         ON CONFLICT(account_id) DO UPDATE SET full_sync_started_at = excluded.full_sync_started_at",
                        params![account, started],
                    )
                    .map_err(|e| LibreOllamaError::db("saving sync state", e))?;
                    Ok(())
                })
                .await?;
        }
        loop {
            if cancel.is_cancelled() {
                return Err(LibreOllamaError::Cancelled("mail sync".into()));
            }
            let page = self
                .gmail
                .messages_list(&ListParams {
                    page_token: page_token.clone(),
                    max_results: Some(self.page_size),
                    include_spam_trash: true,
                    ..Default::default()
                })
                .await?;
            if report.pages == 0 {
                if let Some(n) = page.result_size_estimate.filter(|n| *n > 0) {
                    self.progress.set_total(n as u64);
                }
            }
            let ids = page.messages.iter().map(|m| m.id.clone()).collect();
            let msgs = self.fetch_metadata(ids, cancel).await?;
            for m in &msgs {
                if let Some(h) = &m.history_id {
                    if newest.as_ref().is_none_or(|n| h > n) {
                        newest = Some(h.clone());
                    }
                }
            }
            let rows: Vec<NewMessage> = msgs
                .iter()
                .map(|m| to_new_message(&self.account_id, m))
                .collect();
            report.fetched += rows.len();
            report.pages += 1;
            let next = page.next_page_token.clone();
            let (account, hist) = (self.account_id.clone(), newest.clone());
            let done = next.is_none();
            let token = next.clone();
            // The page and the cursor that follows it land together.
            self.store
                .transaction(move |tx| {
                    mail::upsert_messages(tx, &rows)?;
                    write_state(tx, &account, hist, token, done)?;
                    if done {
                        tx.execute(
                            "DELETE FROM mail_messages WHERE account_id = ?1 AND coalesce(confirmed_at, 0) < \
                             (SELECT full_sync_started_at FROM mail_sync_state WHERE account_id = ?1)",
                            [&account],
                        )
                        .map_err(|e| LibreOllamaError::db("removing messages gone at Gmail", e))?;
                    }
                    Ok(())
                })
                .await?;
            self.progress.add(msgs.len() as u64);
            tracing::info!(account = %self.account_id, page = report.pages, stored = report.fetched, "mail sync: page stored");
            match next {
                Some(t) => page_token = Some(t),
                None => return Ok(report),
            }
        }
    }

    async fn incremental(
        &self,
        since: &HistoryId,
        cancel: &CancellationToken,
    ) -> Result<SyncReport> {
        let mut records = Vec::new();
        let mut token: Option<String> = None;
        let mut newest = None;
        loop {
            let page = self.gmail.history_list(since, token.as_deref()).await?;
            records.extend(page.history);
            newest = page.history_id.or(newest);
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let plan = plan_history(&records, newest.as_ref());
        self.progress.set_total(plan.fetch.len() as u64);
        let msgs = self
            .fetch_metadata(plan.fetch.iter().cloned().collect(), cancel)
            .await?;
        let fetched_ids: BTreeSet<String> = msgs.iter().map(|m| m.id.clone()).collect();
        // Listed as changed but gone by now: deleted.
        let mut delete = plan.delete.clone();
        delete.extend(plan.fetch.difference(&fetched_ids).cloned());
        let rows: Vec<NewMessage> = msgs
            .iter()
            .map(|m| to_new_message(&self.account_id, m))
            .collect();
        let report = SyncReport {
            mode: "incremental".into(),
            fetched: rows.len(),
            deleted: delete.len(),
            pages: 1,
            restarted_full: false,
        };
        let account = self.account_id.clone();
        let cursor = plan.newest.clone().unwrap_or_else(|| since.clone());
        self.store
            .transaction(move |tx| {
                mail::upsert_messages(tx, &rows)?;
                for id in &delete {
                    tx.execute("DELETE FROM mail_messages WHERE account_id = ?1 AND id = ?2", params![account, id])
                        .map_err(|e| LibreOllamaError::db("deleting a message", e))?;
                }
                tx.execute(
                    "UPDATE mail_sync_state SET history_id = ?1, last_sync_at = ?2 WHERE account_id = ?3",
                    params![cursor.0, now_unix(), account],
                )
                .map_err(|e| LibreOllamaError::db("saving sync state", e))?;
                Ok(())
            })
            .await?;
        self.progress.add(report.fetched as u64);
        Ok(report)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn write_state(
    c: &rusqlite::Connection,
    account: &str,
    history: Option<HistoryId>,
    token: Option<String>,
    complete: bool,
) -> Result<()> {
    c.execute(
        "INSERT INTO mail_sync_state (account_id, history_id, full_sync_page_token, full_sync_complete, last_sync_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(account_id) DO UPDATE SET history_id = excluded.history_id, \
         full_sync_page_token = excluded.full_sync_page_token, full_sync_complete = excluded.full_sync_complete, \
         last_sync_at = excluded.last_sync_at",
        params![account, history.map(|h| h.0), token, complete, now_unix()],
    )
    .map_err(|e| LibreOllamaError::db("saving sync state", e))?;
    Ok(())
}

/// For callers holding `AppServices` pieces.
pub fn for_account(
    store: &Store,
    client: Arc<crate::google::client::GoogleClient>,
    gmail_base: &str,
    account_id: &str,
) -> GmailSync {
    GmailSync::new(
        store.clone(),
        Gmail::new(client, gmail_base.to_string(), account_id.to_string()),
        account_id.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::google::gmail::types::{HistoryLabel, HistoryMessage};

    fn msg(id: &str) -> Message {
        Message {
            id: id.into(),
            ..Default::default()
        }
    }

    fn rec(id: &str) -> History {
        History {
            id: Some(HistoryId(id.into())),
            ..Default::default()
        }
    }

    #[test]
    fn mode_follows_the_stored_cursor() {
        assert_eq!(
            plan_mode(&SyncState::default()),
            Mode::Full { page_token: None }
        );
        let resuming = SyncState {
            full_sync_page_token: Some("p2".into()),
            history_id: Some(HistoryId("5".into())),
            full_sync_complete: false,
        };
        assert_eq!(
            plan_mode(&resuming),
            Mode::Full {
                page_token: Some("p2".into())
            }
        );
        let done = SyncState {
            history_id: Some(HistoryId("9".into())),
            full_sync_page_token: None,
            full_sync_complete: true,
        };
        assert_eq!(
            plan_mode(&done),
            Mode::Incremental {
                since: HistoryId("9".into())
            }
        );
    }

    #[test]
    fn history_folds_to_the_final_state() {
        let mut a = rec("10");
        a.messages_added = vec![
            HistoryMessage {
                message: msg("new"),
            },
            HistoryMessage {
                message: msg("brief"),
            },
        ];
        let mut b = rec("12");
        b.messages_deleted = vec![
            HistoryMessage {
                message: msg("brief"),
            },
            HistoryMessage {
                message: msg("old"),
            },
        ];
        b.labels_added = vec![HistoryLabel {
            message: msg("starred"),
            label_ids: vec!["STARRED".into()],
        }];
        let mut c = rec("11");
        c.messages_added = vec![HistoryMessage {
            message: msg("old"),
        }];
        let plan = plan_history(&[a, c, b], None);
        assert_eq!(
            plan.fetch,
            ["new", "starred"].map(String::from).into_iter().collect()
        );
        assert_eq!(
            plan.delete,
            ["brief", "old"].map(String::from).into_iter().collect()
        );
        assert_eq!(plan.newest, Some(HistoryId("12".into())));
        // A label change on a message deleted later is just a delete.
        let mut d = rec("20");
        d.labels_removed = vec![HistoryLabel {
            message: msg("x"),
            label_ids: vec!["UNREAD".into()],
        }];
        let mut e = rec("21");
        e.messages_deleted = vec![HistoryMessage { message: msg("x") }];
        let plan = plan_history(&[d, e], Some(&HistoryId("25".into())));
        assert!(plan.fetch.is_empty());
        assert_eq!(plan.newest, Some(HistoryId("25".into())));
    }
}
