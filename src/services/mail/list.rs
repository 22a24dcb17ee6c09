//! Pages of the mail list and searches: offline over the cache (Gmail's operators, the
//! service's clock for dates such as `newer_than:`), or online at Gmail, whose results are
//! stored so that they open like any other message.

use std::collections::HashSet;
use std::time::Instant;

use super::conversations;
use super::MailService;
use crate::clock::Clock;
use crate::config::AppConfig;
use crate::error::{LibreOllamaError, Result};
use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::model::{MailCursor, MailPage, MailRow};
use crate::store::mail::{self as cache, SearchHit};
use crate::store::Store;

/// A cached message as a row of the list.
fn row_of(h: SearchHit) -> MailRow {
    MailRow {
        unread: h.label_ids.iter().any(|l| l == "UNREAD"),
        starred: h.label_ids.iter().any(|l| l == "STARRED"),
        account_id: h.account_id,
        id: h.id,
        thread_id: h.thread_id,
        date_ms: h.internal_date,
        from: h.from,
        subject: h.subject,
        snippet: h.snippet,
        has_attachment: h.has_attachment,
        labels: h.label_ids,
        conversation: None,
    }
}

/// Now, in this machine's time zone (before:/after: dates are local days, as in Gmail), on
/// `clock`.
fn search_clock(clock: &Clock) -> crate::search::Clock {
    use chrono::TimeZone;
    let now_ms = clock.now_ms();
    let utc_offset_secs = chrono::Local
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|d| i64::from(d.offset().local_minus_utc()))
        .unwrap_or(0);
    crate::search::Clock {
        now_ms,
        utc_offset_secs,
    }
}

/// One page of cached messages matching `query` (Gmail's operators), newest first.
async fn page(
    store: &Store,
    clock: &Clock,
    account: Option<String>,
    query: String,
    after: Option<MailCursor>,
    limit: usize,
) -> Result<MailPage> {
    let q = crate::search::parse(&query, search_clock(clock))
        .map_err(|e| LibreOllamaError::InvalidInput(crate::search::error_sentence(&query, &e)))?;
    let limit = limit.clamp(1, 500);
    let started = Instant::now();
    let hits = store
        .read(move |c| {
            cache::search(
                c,
                account.as_deref(),
                &q,
                limit,
                after.map(|a| cache::PageAfter {
                    internal_date: a.internal_date,
                    rowid: a.rowid,
                }),
            )
        })
        .await?;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    let next = (hits.len() == limit).then(|| {
        let last = hits.last().expect("a full page has a last row");
        MailCursor {
            internal_date: last.internal_date,
            rowid: last.rowid,
        }
    });
    Ok(MailPage {
        rows: hits.into_iter().map(row_of).collect(),
        next,
        next_token: None,
        took_ms,
    })
}

/// Pages of messages read for one page of conversations at most: a long conversation fills a
/// page of messages on its own, and the rest comes with the next call.
const SCAN_PAGES: usize = 5;

/// One page of conversations with a message matching `query`, newest first, each at the place
/// of its newest match. A conversation already shown by an earlier page can come again in a
/// later one (its older matches); the list keeps the first.
async fn conversation_page(
    store: &Store,
    clock: &Clock,
    account: Option<String>,
    query: String,
    after: Option<MailCursor>,
    limit: usize,
) -> Result<MailPage> {
    let limit = limit.clamp(1, 500);
    let mut seen = HashSet::new();
    let (mut rows, mut cursor, mut next, mut took_ms) = (Vec::new(), after, None, 0.0);
    for _ in 0..SCAN_PAGES {
        let p = page(store, clock, account.clone(), query.clone(), cursor, limit).await?;
        took_ms += p.took_ms;
        rows.extend(conversations::first_of_each(p.rows, &mut seen));
        next = p.next;
        match next {
            Some(n) if rows.len() < limit => cursor = Some(n),
            _ => break,
        }
    }
    let started = Instant::now();
    let rows = conversations::rows_of(store, rows).await?;
    Ok(MailPage {
        rows,
        next,
        next_token: None,
        took_ms: took_ms + started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Up to `limit` messages matching `query`, newest first, page after page.
async fn pages(
    store: &Store,
    clock: &Clock,
    account: Option<String>,
    query: String,
    limit: usize,
) -> Result<Vec<MailRow>> {
    let mut rows = Vec::new();
    let mut after = None;
    while rows.len() < limit {
        let p = page(
            store,
            clock,
            account.clone(),
            query.clone(),
            after,
            limit - rows.len(),
        )
        .await?;
        rows.extend(p.rows);
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(rows)
}

/// The mail cache and nothing else, for a search in the terminal: it opens the database only
/// (no vault, so no keyring or D-Bus; no log file; no background work) and closes it when
/// dropped. The same parser, query and clock as [`MailService::search`].
pub struct CacheSearch {
    store: Store,
    clock: Clock,
}

impl CacheSearch {
    pub async fn open(config: &AppConfig) -> Result<CacheSearch> {
        let dir = config.data_dir.clone();
        let store = tokio::task::spawn_blocking(move || Store::open_for_reading_blocking(&dir))
            .await
            .map_err(|e| LibreOllamaError::Internal(format!("start-up task failed: {e}")))??;
        Ok(CacheSearch {
            store,
            clock: Clock::system(),
        })
    }

    /// Up to `limit` messages matching `query`, newest first; `account` is an id or address.
    pub async fn search(
        &self,
        account: Option<String>,
        query: String,
        limit: usize,
    ) -> Result<Vec<MailRow>> {
        let account = match account {
            Some(a) => Some(
                crate::services::auth::resolve_account(&self.store, &a)
                    .await?
                    .id,
            ),
            None => None,
        };
        pages(&self.store, &self.clock, account, query, limit).await
    }
}

impl MailService {
    /// One page of messages matching `query` (Gmail's operators), newest first; with
    /// `conversations`, one row per conversation.
    pub async fn list(
        &self,
        account: Option<String>,
        query: String,
        after: Option<MailCursor>,
        limit: usize,
        conversations: bool,
    ) -> Result<MailPage> {
        if conversations {
            conversation_page(&self.store, &self.clock, account, query, after, limit).await
        } else {
            page(&self.store, &self.clock, account, query, after, limit).await
        }
    }

    /// Up to `limit` messages matching `query`, newest first, page after page (the terminal).
    pub async fn search(
        &self,
        account: Option<String>,
        query: String,
        limit: usize,
    ) -> Result<Vec<MailRow>> {
        pages(&self.store, &self.clock, account, query, limit).await
    }

    /// Asks Gmail itself (for mail older than the cache, or Gmail's own ranking); results are
    /// stored in the cache so they open like any other message. With `conversations`, one
    /// row per conversation in the page.
    pub async fn search_online(
        &self,
        account: &str,
        query: String,
        page_token: Option<String>,
        limit: usize,
        conversations: bool,
    ) -> Result<MailPage> {
        if account == ARCHIVE_ACCOUNT {
            return Err(LibreOllamaError::InvalidInput(
                "an imported archive has no server to ask; search it locally".into(),
            ));
        }
        let started = Instant::now();
        let gmail = self.gmail(account);
        let page = gmail
            .messages_list(&crate::google::gmail::messages::ListParams {
                q: Some(query),
                page_token,
                max_results: Some(limit.clamp(1, 100) as u32),
                ..Default::default()
            })
            .await;
        self.note_outcome(&page);
        let page = page?;
        let ids: Vec<String> = page.messages.iter().map(|m| m.id.clone()).collect();
        let stored = self
            .syncer(account)
            .store_missing(ids.clone(), &tokio_util::sync::CancellationToken::new())
            .await;
        self.note_outcome(&stored);
        stored?;
        let acc = account.to_string();
        // Deleted between the search and the fetch: nothing to show.
        let hits = self
            .store
            .read(move |c| cache::hits_by_id(c, &acc, &ids))
            .await?;
        let mut rows: Vec<MailRow> = hits.into_iter().map(row_of).collect();
        if conversations {
            rows = conversations::first_of_each(rows, &mut HashSet::new());
            rows = conversations::rows_of(&self.store, rows).await?;
        }
        Ok(MailPage {
            rows,
            next: None,
            next_token: page.next_page_token,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The account and conversation of a message id (ids are per account; the newest wins).
    pub async fn locate(
        &self,
        message_id: &str,
        account: Option<String>,
    ) -> Result<(String, String)> {
        let id = message_id.to_string();
        self.store
            .read(move |c| {
                cache::locate(c, &id, account.as_deref())?.ok_or_else(|| {
                    LibreOllamaError::NotFound {
                        what: format!("Message {id} in the local cache (check the id with `libreollama mail search`)"),
                    }
                })
            })
            .await
    }
}
