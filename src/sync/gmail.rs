//! Gmail sync: a full sync pages message ids newest first and stores metadata page by page (the
//! page token is saved with each page, so a killed sync resumes where it stopped); afterwards
//! history.list applies changes since the stored history id, and a 404 on that id starts a
//! clean full sync. Every write is an upsert or delete keyed by message id, so replaying a page
//! or a history batch after a crash converges without duplicates.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::clock::{now_ms, now_unix};
use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::messages::{Format, ListParams};
use crate::google::gmail::types::{HistoryId, Message};
use crate::google::gmail::Gmail;
use crate::store::mail::{self, NewMessage};
use crate::store::{labels, mail_sync, Store};
use crate::sync::progress::Progress;

pub use super::gmail_plan::{
    plan_history, plan_mode, to_label_row, to_new_message, HistoryPlan, Mode, SyncState,
};

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
    pub progress: Arc<Progress>,
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
            .read(move |c| mail_sync::state(c, &id).map(SyncState::from))
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
            .read(move |c| mail::missing_ids(c, &account, ids))
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
        let rows: Vec<labels::LabelRow> = self
            .gmail
            .labels_list()
            .await?
            .iter()
            .map(to_label_row)
            .collect();
        let account = self.account_id.clone();
        self.store
            .transaction(move |tx| labels::replace_account_labels(tx, &account, &rows))
            .await
    }

    /// Fetches one message in raw form, parses it and stores its body (text and sanitized
    /// HTML) in the cache and the index. Used when a message is opened, and by the backfill.
    pub async fn fetch_body(&self, message_id: &str) -> Result<()> {
        let m = self
            .gmail
            .messages_get(message_id, Format::Raw, &[])
            .await?;
        let raw = crate::google::gmail::decode_raw(m.raw.as_deref().unwrap_or_default())?;
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
            .read(move |c| mail::ids_without_body(c, &account, limit))
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
                .write(move |c| mail_sync::begin_full(c, &account, started))
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
                        mail_sync::remove_unconfirmed(tx, &account)?;
                    }
                    Ok(())
                })
                .await?;
            self.progress.add(msgs.len() as u64);
            tracing::info!(account = %self.account_id, page = report.pages, stored = report.fetched, "mail sync: page stored");
            match next {
                Some(t) => page_token = Some(t),
                None => {
                    // The first download is one long run of writes: fold the write-ahead log
                    // into the database now, or every later process re-reads it when it opens.
                    if let Err(e) = self
                        .store
                        .write(|c| mail_sync::checkpoint_after_full(c))
                        .await
                    {
                        tracing::warn!(error = %e, "could not checkpoint the database after a full sync");
                    }
                    return Ok(report);
                }
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
                mail::delete_messages(tx, &account, &delete)?;
                mail_sync::advance_history(tx, &account, &cursor.0, now_unix())
            })
            .await?;
        self.progress.add(report.fetched as u64);
        Ok(report)
    }
}

fn write_state(
    c: &rusqlite::Connection,
    account: &str,
    history: Option<HistoryId>,
    token: Option<String>,
    complete: bool,
) -> Result<()> {
    let state = SyncState {
        history_id: history,
        full_sync_page_token: token,
        full_sync_complete: complete,
    };
    mail_sync::save(c, account, &state.into(), now_unix())
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
