//! Mail as the UI and the CLI use it: folders with counts, pages of the list, threads ready to
//! read (bodies fetched on open, HTML framed safely), actions, attachments, and sync jobs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};

use super::jobs::Jobs;
use super::AuthService;
use crate::error::{LibreOllamaError, Result};
use crate::google::client::GoogleClient;
use crate::google::gmail::Gmail;
use crate::mail::filename::{numbered_file_name, safe_file_name};
use crate::mail::frame::frame_html;
use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::model::{
    AccountStatus, AttachmentView, FailedChange, MailAccount, MailAction, MailCursor, MailLabel,
    MailPage, MailRow, MessageView, SyncStatus, ThreadView,
};
use crate::store::{mail as cache, now_unix, settings, Store};
use crate::sync::actions;
use crate::sync::gmail::GmailSync;

pub const POLL_MINUTES: &str = "mail.poll_minutes";
pub const DEFAULT_POLL_MINUTES: u32 = 5;
/// Bodies downloaded in the background after each sync (newest first).
const BACKFILL_PER_RUN: usize = 200;

/// System folders in the order people expect; the rest (user labels) follow by name.
const FOLDERS: &[(&str, &str)] = &[
    ("INBOX", "Inbox"),
    ("STARRED", "Starred"),
    ("IMPORTANT", "Important"),
    ("SENT", "Sent"),
    ("DRAFT", "Drafts"),
    ("ARCHIVE", "Archive"),
    ("IMPORT_ERROR", "Unreadable"),
    ("SPAM", "Spam"),
    ("TRASH", "Trash"),
];
/// Gmail's labels that are states or tabs, not folders.
const HIDDEN: &[&str] = &["UNREAD", "CHAT", "OPENED"];

pub struct MailService {
    store: Store,
    google: Arc<GoogleClient>,
    auth: Arc<AuthService>,
    gmail_base: String,
    pub jobs: Jobs,
    /// Why the last contact with Google failed for lack of a connection, if it did.
    offline: Mutex<Option<String>>,
    download_dir: PathBuf,
    /// Accounts with changes queued since their push job last read the queue.
    push_requests: Mutex<std::collections::HashSet<String>>,
}

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// The address inside "Name <addr>" (or the whole text), lower-cased.
pub fn address_of(from: &str) -> String {
    let s = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if b > a => &from[a + 1..b],
        _ => from,
    };
    s.trim().to_ascii_lowercase()
}

/// How many numbered alternatives ("name (n).ext") are tried before saving gives up.
const MAX_NAME_TRIES: u32 = 1000;

/// Creates `dir/name`, or `dir/stem (n).ext` when that name is taken, and writes `data`.
/// Each candidate is created with `create_new`, which fails on any existing entry, a
/// symlink included: nothing is overwritten or written through a link, and two saves at the
/// same moment cannot pick the same name. `name` comes from [`safe_file_name`].
fn create_unused(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    for n in 0..=MAX_NAME_TRIES {
        let path = match n {
            0 => dir.join(name),
            n => dir.join(numbered_file_name(name, n)),
        };
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(LibreOllamaError::io(&path, e)),
        };
        if let Err(e) = file.write_all(data).and_then(|_| file.flush()) {
            // Ours (create_new made it): no half-written file is left behind.
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(LibreOllamaError::io(&path, e));
        }
        return Ok(path);
    }
    Err(LibreOllamaError::io(
        dir.join(name),
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{MAX_NAME_TRIES} files with this name already exist"),
        ),
    ))
}

struct StoredMessage {
    rowid: i64,
    view: MessageView,
    body_fetched: bool,
    html: Option<String>,
}

impl MailService {
    pub fn new(
        store: Store,
        google: Arc<GoogleClient>,
        auth: Arc<AuthService>,
        gmail_base: String,
        download_dir: PathBuf,
    ) -> Self {
        MailService {
            store,
            google,
            auth,
            gmail_base,
            jobs: Jobs::default(),
            offline: Mutex::new(None),
            download_dir,
            push_requests: Mutex::new(Default::default()),
        }
    }

    pub(crate) fn gmail(&self, account: &str) -> Gmail {
        Gmail::new(
            self.google.clone(),
            self.gmail_base.clone(),
            account.to_string(),
        )
    }

    fn syncer(&self, account: &str) -> GmailSync {
        GmailSync::new(self.store.clone(), self.gmail(account), account)
    }

    /// Remembers whether Google was reachable, from the outcome of a call.
    pub(crate) fn note_outcome<T>(&self, r: &Result<T>) {
        let mut g = self.offline.lock().unwrap_or_else(|e| e.into_inner());
        match r {
            Err(e @ LibreOllamaError::Network { .. }) => *g = Some(e.to_string()),
            Ok(_) => *g = None,
            Err(_) => {}
        }
    }

    pub async fn accounts(&self) -> Result<Vec<MailAccount>> {
        let mut accounts: Vec<(String, String, bool)> = self
            .auth
            .list_accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, a.email, false))
            .collect();
        let has_archive: bool = self
            .store
            .read(|c| {
                c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE account_id = ?1)",
                    [ARCHIVE_ACCOUNT],
                    |r| r.get(0),
                )
                .map_err(db("reading the archive"))
            })
            .await?;
        if has_archive {
            accounts.push((ARCHIVE_ACCOUNT.into(), "Imported archive".into(), true));
        }
        let mut out = Vec::new();
        for (id, email, is_archive) in accounts {
            let acc = id.clone();
            let labels = self
                .store
                .read(move |c| labels_with_counts(c, &acc))
                .await?;
            out.push(MailAccount {
                id,
                email,
                is_archive,
                labels,
            });
        }
        Ok(out)
    }

    /// One page of messages matching `query` (Gmail's operators), newest first.
    pub async fn list(
        &self,
        account: Option<String>,
        query: String,
        after: Option<MailCursor>,
        limit: usize,
    ) -> Result<MailPage> {
        let clock = crate::search::Clock::local_now();
        let q = crate::search::parse(&query, clock).map_err(|e| {
            LibreOllamaError::InvalidInput(crate::search::error_sentence(&query, &e))
        })?;
        let limit = limit.clamp(1, 500);
        let started = Instant::now();
        let hits = self
            .store
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
        let rows = hits
            .into_iter()
            .map(|h| MailRow {
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
            })
            .collect();
        Ok(MailPage {
            rows,
            next,
            next_token: None,
            took_ms,
        })
    }

    /// Asks Gmail itself (for mail older than the cache, or Gmail's own ranking); results are
    /// stored in the cache so they open like any other message.
    pub async fn search_online(
        &self,
        account: &str,
        query: String,
        page_token: Option<String>,
        limit: usize,
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
        let rows = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare_cached(
                        "SELECT m.id, m.thread_id, m.internal_date, m.from_addr, m.subject, m.snippet, m.has_attachment, \
                         (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
                         FROM mail_messages m WHERE m.account_id = ?1 AND m.id = ?2",
                    )
                    .map_err(db("reading search results"))?;
                let mut rows = Vec::new();
                for id in ids {
                    let row = st
                        .query_row(params![acc, id], |r| {
                            let labels: Vec<String> = r
                                .get::<_, Option<String>>(7)?
                                .map(|s| s.split(' ').map(str::to_string).collect())
                                .unwrap_or_default();
                            Ok(MailRow {
                                account_id: acc.clone(),
                                id: r.get(0)?,
                                thread_id: r.get(1)?,
                                date_ms: r.get(2)?,
                                from: r.get(3)?,
                                subject: r.get(4)?,
                                snippet: r.get(5)?,
                                has_attachment: r.get(6)?,
                                unread: labels.iter().any(|l| l == "UNREAD"),
                                starred: labels.iter().any(|l| l == "STARRED"),
                                labels,
                            })
                        })
                        .optional()
                        .map_err(db("reading search results"))?;
                    // Deleted between the search and the fetch: nothing to show.
                    rows.extend(row);
                }
                Ok(rows)
            })
            .await?;
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
                c.query_row(
                    "SELECT account_id, thread_id FROM mail_messages WHERE id = ?1 AND (?2 IS NULL OR account_id = ?2) \
                     ORDER BY internal_date DESC LIMIT 1",
                    params![id, account],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db("finding a message"))?
                .ok_or_else(|| LibreOllamaError::NotFound {
                    what: format!("Message {id} in the local cache (check the id with `libreollama mail search`)"),
                })
            })
            .await
    }

    async fn load_thread(&self, account: &str, thread_id: &str) -> Result<Vec<StoredMessage>> {
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(
                        "SELECT m.rowid, m.id, m.from_addr, m.to_addr, m.cc_addr, m.internal_date, m.subject, \
                         m.body_state, b.text_body, b.html_sanitized, \
                         (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
                         FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                         WHERE m.account_id = ?1 AND m.thread_id = ?2 ORDER BY m.internal_date, m.rowid",
                    )
                    .map_err(db("reading a conversation"))?;
                let rows = st
                    .query_map(params![acc, tid], |r| {
                        let from: String = r.get(2)?;
                        Ok(StoredMessage {
                            rowid: r.get(0)?,
                            body_fetched: r.get::<_, String>(7)? == "fetched",
                            html: r.get(9)?,
                            view: MessageView {
                                id: r.get(1)?,
                                sender: address_of(&from),
                                from,
                                to: r.get(3)?,
                                cc: r.get(4)?,
                                date_ms: r.get(5)?,
                                subject: r.get(6)?,
                                labels: r
                                    .get::<_, Option<String>>(10)?
                                    .map(|s| s.split(' ').map(str::to_string).collect())
                                    .unwrap_or_default(),
                                text: r.get(8)?,
                                html: None,
                                attachments: Vec::new(),
                                body_note: None,
                            },
                        })
                    })
                    .map_err(db("reading a conversation"))?;
                let mut msgs = rows
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(db("reading a conversation"))?;
                let mut att = c
                    .prepare_cached(
                        "SELECT part_id, filename, mime_type, size FROM mail_attachments WHERE message_rowid = ?1 \
                         AND (content_id IS NULL OR mime_type NOT LIKE 'image/%') ORDER BY CAST(part_id AS INTEGER), part_id",
                    )
                    .map_err(db("reading attachments"))?;
                for m in &mut msgs {
                    m.view.attachments = att
                        .query_map([m.rowid], |r| {
                            Ok(AttachmentView {
                                part_id: r.get(0)?,
                                filename: r.get(1)?,
                                mime_type: r.get(2)?,
                                size: r.get(3)?,
                            })
                        })
                        .map_err(db("reading attachments"))?
                        .collect::<std::result::Result<_, _>>()
                        .map_err(db("reading attachments"))?;
                }
                Ok(msgs)
            })
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
                let r = sync.fetch_body(&m.view.id).await;
                self.note_outcome(&r);
                if let Err(e) = r {
                    notes.insert(
                        m.view.id.clone(),
                        format!("The full message could not be downloaded: {e} The preview below is what the cache has."),
                    );
                }
            }
            msgs = self.load_thread(account, thread_id).await?;
        }
        let (acc, rowids): (String, Vec<i64>) =
            (account.to_string(), msgs.iter().map(|m| m.rowid).collect());
        let (inline, allowed) = self
            .store
            .read(move |c| {
                let mut inline: HashMap<i64, HashMap<String, (String, Vec<u8>)>> = HashMap::new();
                let mut st = c
                    .prepare_cached(
                        "SELECT content_id, mime_type, data FROM mail_parts WHERE message_rowid = ?1 AND content_id IS NOT NULL",
                    )
                    .map_err(db("reading inline images"))?;
                for rowid in rowids {
                    let parts = st
                        .query_map([rowid], |r| {
                            Ok((
                                r.get::<_, String>(0)?.trim_matches(['<', '>']).to_ascii_lowercase(),
                                (r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?),
                            ))
                        })
                        .map_err(db("reading inline images"))?
                        .collect::<std::result::Result<HashMap<_, _>, _>>()
                        .map_err(db("reading inline images"))?;
                    inline.insert(rowid, parts);
                }
                let mut st = c
                    .prepare("SELECT sender FROM mail_image_senders WHERE account_id = ?1")
                    .map_err(db("reading image preferences"))?;
                let allowed = st
                    .query_map([acc], |r| r.get::<_, String>(0))
                    .map_err(db("reading image preferences"))?
                    .collect::<std::result::Result<std::collections::HashSet<_>, _>>()
                    .map_err(db("reading image preferences"))?;
                Ok((inline, allowed))
            })
            .await?;
        let links_in_new_tab = !cfg!(feature = "desktop");
        let empty = HashMap::new();
        let mut unread = Vec::new();
        let mut views = Vec::with_capacity(msgs.len());
        for m in msgs {
            let mut v = m.view;
            if v.labels.iter().any(|l| l == "UNREAD") {
                unread.push(v.id.clone());
                v.labels.retain(|l| l != "UNREAD");
            }
            if let Some(html) = m.html.as_deref() {
                let show = show_images_once || allowed.contains(&v.sender);
                v.html = Some(frame_html(
                    html,
                    inline.get(&m.rowid).unwrap_or(&empty),
                    show,
                    links_in_new_tab,
                ));
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

    /// Applies an action to the cache at once and sends it to Gmail in the background.
    pub async fn act(
        self: &Arc<Self>,
        account: &str,
        ids: Vec<String>,
        action: MailAction,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        if account == ARCHIVE_ACCOUNT {
            return actions::apply_local(&self.store, account, &ids, action).await;
        }
        actions::apply(&self.store, account, &ids, action).await?;
        self.spawn_push(account);
        Ok(())
    }

    /// Sends the queued changes of `account` now and waits (the terminal, which exits after).
    pub async fn push_now(&self, account: &str) -> Result<actions::PushReport> {
        let r = actions::push(&self.store, &self.gmail(account), account).await;
        self.note_outcome(&r);
        r
    }

    fn spawn_push(self: &Arc<Self>, account: &str) {
        // The request flag and job start/finish are serialized by `push_requests`: a change
        // queued while a push job is finishing is either seen by that job or starts a new one.
        let mut requests = self.push_requests.lock().unwrap_or_else(|e| e.into_inner());
        requests.insert(account.to_string());
        let Some(job) = self
            .jobs
            .start("Sending changes to Gmail", format!("push:{account}"))
        else {
            return;
        };
        drop(requests);
        let (store, gmail) = (self.store.clone(), self.gmail(account));
        let account = account.to_string();
        let this = self.clone();
        tokio::spawn(async move {
            let mut total = actions::PushReport::default();
            loop {
                this.push_requests
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&account);
                let r = actions::push(&store, &gmail, &account).await;
                this.note_outcome(&r);
                let stop = match r {
                    Ok(p) => {
                        job.progress.add(p.pushed as u64);
                        total.pushed += p.pushed;
                        total.pending = p.pending;
                        total.refused.extend(p.refused);
                        // Left waiting for the connection: the next sync retries.
                        (p.pending > 0).then(|| Ok(push_summary(&total)))
                    }
                    Err(e) => Some(Err(e)),
                };
                let requests = this.push_requests.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(outcome) = stop {
                    job.finish(outcome);
                    return;
                }
                if !requests.contains(&account) {
                    job.finish(Ok(push_summary(&total)));
                    return;
                }
            }
        });
    }

    pub async fn allow_images_from(&self, account: &str, sender: &str) -> Result<()> {
        let (acc, sender) = (account.to_string(), address_of(sender));
        if sender.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "this message has no sender address to remember".into(),
            ));
        }
        self.store
            .write(move |c| {
                c.execute(
                    "INSERT OR IGNORE INTO mail_image_senders (account_id, sender, created_at) VALUES (?1, ?2, ?3)",
                    params![acc, sender, now_unix()],
                )
                .map_err(db("saving the image preference"))?;
                Ok(())
            })
            .await
    }

    /// Saves an attachment into the downloads folder under a name that overwrites nothing.
    pub async fn save_attachment(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<PathBuf> {
        let (filename, data) = self.attachment_data(account, message_id, part_id).await?;
        let dir = self.download_dir.clone();
        let name = safe_file_name(&filename);
        tokio::task::spawn_blocking(move || -> Result<PathBuf> {
            std::fs::create_dir_all(&dir).map_err(|e| LibreOllamaError::io(&dir, e))?;
            create_unused(&dir, &name, &data)
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("saving task failed: {e}")))?
    }

    /// An attachment's name and bytes: from the cache, else downloaded from Gmail.
    pub async fn attachment_data(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<(String, Vec<u8>)> {
        let (acc, mid, pid) = (
            account.to_string(),
            message_id.to_string(),
            part_id.to_string(),
        );
        let (filename, cached): (String, Option<Vec<u8>>) = self
            .store
            .read(move |c| {
                c.query_row(
                    "SELECT a.filename, p.data FROM mail_messages m \
                     JOIN mail_attachments a ON a.message_rowid = m.rowid \
                     LEFT JOIN mail_parts p ON p.message_rowid = m.rowid AND p.part_id = a.part_id \
                     WHERE m.account_id = ?1 AND m.id = ?2 AND a.part_id = ?3",
                    params![acc, mid, pid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db("reading an attachment"))?
                .ok_or_else(|| LibreOllamaError::NotFound {
                    what: "This attachment in the local cache (sync and open the message again)"
                        .into(),
                })
            })
            .await?;
        let data = match cached {
            Some(d) => d,
            None if account == ARCHIVE_ACCOUNT => {
                return Err(LibreOllamaError::NotFound {
                    what: "The attachment's content (it was larger than the archive keeps; import the file again to save it)".into(),
                })
            }
            None => {
                let r = self.download_part(account, message_id, part_id).await;
                self.note_outcome(&r);
                r?
            }
        };
        Ok((filename, data))
    }

    async fn download_part(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<Vec<u8>> {
        use base64::Engine;
        let m = self
            .gmail(account)
            .messages_get(message_id, crate::google::gmail::messages::Format::Raw, &[])
            .await?;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m.raw.as_deref().unwrap_or_default().trim_end_matches('='))
            .map_err(|e| LibreOllamaError::Serialization {
                format: "base64url".into(),
                reason: e.to_string(),
            })?;
        let parsed = crate::mail::parse::parse_with(&raw, crate::mail::parse::KeepParts::All)
            .ok_or_else(|| LibreOllamaError::Serialization {
                format: "MIME".into(),
                reason: "the message from Gmail could not be read".into(),
            })?;
        parsed
            .parts
            .into_iter()
            .find(|p| p.part_id == part_id)
            .map(|p| p.data)
            .ok_or_else(|| LibreOllamaError::NotFound {
                what: "This attachment in the message Gmail returned (it may be larger than 10 MB)"
                    .into(),
            })
    }

    /// Starts a sync job per account (or the one given); returns the ids of those started.
    pub fn sync_now(
        self: &Arc<Self>,
        account: Option<String>,
    ) -> tokio::task::JoinHandle<Result<Vec<u64>>> {
        let this = self.clone();
        tokio::spawn(async move {
            let targets: Vec<String> = match account {
                Some(a) => vec![a],
                None => this
                    .auth
                    .list_accounts()
                    .await?
                    .into_iter()
                    .filter(|a| a.status == AccountStatus::Active)
                    .map(|a| a.id)
                    .collect(),
            };
            let mut started = Vec::new();
            for acc in targets {
                if let Some(id) = this.spawn_sync(&acc).await? {
                    started.push(id);
                }
            }
            Ok(started)
        })
    }

    async fn spawn_sync(self: &Arc<Self>, account: &str) -> Result<Option<u64>> {
        let email = self.auth.account(account).await?.email_address;
        let Some(job) = self
            .jobs
            .start(format!("Syncing {email}"), format!("sync:{account}"))
        else {
            return Ok(None);
        };
        let id = job.id;
        let this = self.clone();
        let account = account.to_string();
        tokio::spawn(async move {
            // Local changes go first, so the sync that follows sees them on the server.
            let pushed = actions::push(&this.store, &this.gmail(&account), &account).await;
            this.note_outcome(&pushed);
            let mut sync = this.syncer(&account);
            sync.progress = job.progress.clone();
            let r = sync.run(&job.cancel).await;
            this.note_outcome(&r);
            let ok = r.is_ok();
            job.finish(r.map(|r| {
                format!(
                    "{} sync: {} messages updated, {} removed{}.",
                    if r.mode == "full" {
                        "Full"
                    } else {
                        "Incremental"
                    },
                    r.fetched,
                    r.deleted,
                    if r.restarted_full {
                        " (Gmail's history had expired, so everything was fetched again)"
                    } else {
                        ""
                    }
                )
            }));
            if ok {
                this.spawn_backfill(&account);
            }
        });
        Ok(Some(id))
    }

    fn spawn_backfill(self: &Arc<Self>, account: &str) {
        let Some(job) = self
            .jobs
            .start("Downloading message bodies", format!("bodies:{account}"))
        else {
            return;
        };
        let this = self.clone();
        let account = account.to_string();
        tokio::spawn(async move {
            let sync = this.syncer(&account);
            let r = sync.backfill_bodies(BACKFILL_PER_RUN, &job.cancel).await;
            job.progress.add(*r.as_ref().unwrap_or(&0) as u64);
            this.note_outcome(&r);
            job.finish(r.map(|n| format!("{n} message bodies downloaded for offline reading.")));
        });
    }

    pub fn cancel_job(&self, id: u64) -> bool {
        self.jobs.cancel(id)
    }

    pub async fn poll_minutes(&self) -> Result<u32> {
        Ok(self
            .store
            .read(|c| settings::get::<u32>(c, POLL_MINUTES))
            .await?
            .unwrap_or(DEFAULT_POLL_MINUTES))
    }

    pub async fn set_poll_minutes(&self, minutes: u32) -> Result<()> {
        if minutes > 24 * 60 {
            return Err(LibreOllamaError::InvalidInput(
                "the sync interval is at most 1440 minutes (a day); use 0 to sync only when asked"
                    .into(),
            ));
        }
        self.store
            .write(move |c| settings::set(c, POLL_MINUTES, &minutes))
            .await
    }

    /// Syncs every account now and then every `poll_minutes` (re-read each round).
    pub fn start_polling(self: &Arc<Self>) {
        let this = self.clone();
        super::on_sync_interval(self.store.clone(), Duration::from_secs(2), move || {
            let this = this.clone();
            async move {
                if let Ok(Err(e)) = this.sync_now(None).await {
                    tracing::warn!(error = %e, "scheduled mail sync could not start");
                }
            }
        });
    }

    pub async fn status(&self) -> Result<SyncStatus> {
        let poll_minutes = self.poll_minutes().await?;
        let (pending, failed, last) = self
            .store
            .read(|c| {
                let pending: i64 = c
                    .query_row(
                        "SELECT count(*) FROM mail_actions WHERE state = 'pending'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(db("reading the change queue"))?;
                let mut st = c
                    .prepare(
                        "SELECT a.seq, a.account_id, a.message_id, coalesce(m.subject, ''), a.add_labels, a.remove_labels, coalesce(a.last_error, '') \
                         FROM mail_actions a LEFT JOIN mail_messages m ON m.account_id = a.account_id AND m.id = a.message_id \
                         WHERE a.state = 'failed' ORDER BY a.seq DESC LIMIT 50",
                    )
                    .map_err(db("reading refused changes"))?;
                let failed = st
                    .query_map([], |r| {
                        let add: Vec<String> =
                            serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default();
                        let remove: Vec<String> =
                            serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default();
                        Ok(FailedChange {
                            seq: r.get(0)?,
                            account_id: r.get(1)?,
                            message_id: r.get(2)?,
                            subject: r.get(3)?,
                            change: describe_change(&add, &remove),
                            error: r.get(6)?,
                        })
                    })
                    .map_err(db("reading refused changes"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(db("reading refused changes"))?;
                let last: Option<i64> = c
                    .query_row("SELECT max(last_sync_at) FROM mail_sync_state", [], |r| {
                        r.get(0)
                    })
                    .map_err(db("reading sync state"))?;
                Ok((pending, failed, last))
            })
            .await?;
        Ok(SyncStatus {
            jobs: self.jobs.list(),
            offline: self
                .offline
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            pending_changes: pending,
            failed_changes: failed,
            poll_minutes,
            last_sync_unix: last,
        })
    }

    /// The user has seen a refused change: forget it.
    pub async fn dismiss_failed(&self, seq: i64) -> Result<()> {
        self.store
            .write(move |c| {
                c.execute(
                    "DELETE FROM mail_actions WHERE seq = ?1 AND state = 'failed'",
                    [seq],
                )
                .map_err(db("dismissing a refused change"))?;
                Ok(())
            })
            .await
    }
}

fn push_summary(p: &actions::PushReport) -> String {
    let mut s = format!("{} change(s) sent.", p.pushed);
    if p.pending > 0 {
        s.push_str(&format!(" {} waiting for the connection.", p.pending));
    }
    if !p.refused.is_empty() {
        s.push_str(&format!(
            " {} refused by Gmail and undone (see below).",
            p.refused.len()
        ));
    }
    s
}

fn describe_change(add: &[String], remove: &[String]) -> String {
    let has = |v: &[String], l: &str| v.iter().any(|x| x == l);
    if has(add, "TRASH") {
        "Move to trash".into()
    } else if has(remove, "TRASH") {
        "Restore from trash".into()
    } else if has(remove, "INBOX") && add.is_empty() {
        "Archive".into()
    } else if has(add, "INBOX") {
        "Move to inbox".into()
    } else if has(remove, "UNREAD") {
        "Mark as read".into()
    } else if has(add, "UNREAD") {
        "Mark as unread".into()
    } else if has(add, "STARRED") {
        "Star".into()
    } else if has(remove, "STARRED") {
        "Remove star".into()
    } else if let Some(l) = add.first() {
        format!("Add label {l}")
    } else if let Some(l) = remove.first() {
        format!("Remove label {l}")
    } else {
        "Change labels".into()
    }
}

/// Sorts "P2" before "P10": digit runs compare as numbers, the rest without case.
fn natural_key(name: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = u64::from(c.to_digit(10).unwrap_or(0));
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push((std::mem::take(&mut text), n));
        } else {
            text.extend(c.to_lowercase());
        }
    }
    out.push((text, 0));
    out
}

fn labels_with_counts(c: &Connection, account: &str) -> Result<Vec<MailLabel>> {
    let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
    // Totals: with one account in the cache the label index alone answers; otherwise each
    // label row is matched to its message's account.
    let only_this: bool = c
        .query_row(
            "SELECT coalesce((SELECT min(account_id) FROM mail_messages) = ?1 \
             AND (SELECT max(account_id) FROM mail_messages) = ?1, 0)",
            [account],
            |r| r.get(0),
        )
        .map_err(db("counting mail"))?;
    let totals_sql = if only_this {
        "SELECT label_id, count(*) FROM mail_message_labels WHERE ?1 IS NOT NULL GROUP BY label_id"
    } else {
        "SELECT ml.label_id, count(*) FROM mail_messages m JOIN mail_message_labels ml ON ml.message_rowid = m.rowid \
         WHERE m.account_id = ?1 GROUP BY ml.label_id"
    };
    // Unread: start from the UNREAD rows (a small share of the mail) and count their labels.
    let unread_sql = "SELECT ml.label_id, count(*) FROM mail_message_labels u \
         JOIN mail_messages m ON m.rowid = u.message_rowid \
         JOIN mail_message_labels ml ON ml.message_rowid = u.message_rowid \
         WHERE u.label_id = 'UNREAD' AND m.account_id = ?1 GROUP BY ml.label_id";
    for (sql, unread) in [(totals_sql, false), (unread_sql, true)] {
        let mut st = c.prepare_cached(sql).map_err(db("counting mail"))?;
        let rows = st
            .query_map([account], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db("counting mail"))?;
        for row in rows {
            let (id, n) = row.map_err(db("counting mail"))?;
            let e = counts.entry(id).or_insert((0, 0));
            if unread {
                e.1 = n;
            } else {
                e.0 = n;
            }
        }
    }
    let mut st = c
        .prepare_cached("SELECT id, name, type FROM mail_labels WHERE account_id = ?1")
        .map_err(db("reading labels"))?;
    let mut names: HashMap<String, (String, bool)> = st
        .query_map([account], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, String>(1)?, r.get::<_, String>(2)? == "system"),
            ))
        })
        .map_err(db("reading labels"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading labels"))?;
    for id in counts.keys() {
        names.entry(id.clone()).or_insert_with(|| {
            (
                id.clone(),
                id.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            )
        });
    }
    let label = |id: &str, name: String, system: bool| {
        let (total, unread) = counts.get(id).copied().unwrap_or((0, 0));
        MailLabel {
            id: id.to_string(),
            name,
            system,
            unread,
            total,
        }
    };
    let mut out = Vec::new();
    for (id, name) in FOLDERS {
        let (keep_empty, present) = (
            *id == "INBOX" && account != ARCHIVE_ACCOUNT,
            names.contains_key(*id),
        );
        if present || keep_empty {
            out.push(label(id, name.to_string(), true));
        }
    }
    let mut user: Vec<MailLabel> = names
        .into_iter()
        .filter(|(id, (_, system))| {
            !system && !FOLDERS.iter().any(|(f, _)| f == id) && !HIDDEN.contains(&id.as_str())
        })
        .map(|(id, (name, system))| label(&id, name, system))
        .collect();
    user.sort_by_cached_key(|l| natural_key(&l.name));
    // Spam and Trash go last, after the user's labels, as in Gmail.
    let tail = out.split_off(
        out.iter()
            .position(|l| l.id == "SPAM" || l.id == "TRASH")
            .unwrap_or(out.len()),
    );
    out.extend(user);
    out.extend(tail);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_images_blocked_and_cid_inlined() {
        let html = r#"<p>Hi</p><img src="https://track.example/p.gif" alt="x"><img src="cid:Logo@Example"><img src="cid:missing"><a href="https://ok.example/">ok</a>"#;
        let mut inline = HashMap::new();
        inline.insert(
            "logo@example".to_string(),
            ("image/png".to_string(), vec![1, 2, 3]),
        );
        let b = frame_html(html, &inline, false, false);
        assert_eq!(b.blocked_images, 1);
        assert!(!b.srcdoc.contains("track.example"), "{}", b.srcdoc);
        assert!(
            b.srcdoc.contains("src=\"data:image/png;base64,AQID\""),
            "{}",
            b.srcdoc
        );
        assert!(b.srcdoc.contains("img-src data:;"), "{}", b.srcdoc);
        assert!(b.srcdoc.contains("href=\"https://ok.example/\""));
        assert!(!b.srcdoc.contains("cid:"));
        let shown = frame_html(html, &inline, true, true);
        assert_eq!(shown.blocked_images, 0);
        assert!(shown.srcdoc.contains("src=\"https://track.example/p.gif\""));
        assert!(shown.srcdoc.contains("img-src data: https: http:"));
        assert!(shown.srcdoc.contains("<base target=\"_blank\">"));
    }

    #[test]
    fn sender_address_and_file_names() {
        assert_eq!(
            address_of("Ada Lovelace <Ada@Example.com>"),
            "ada@example.com"
        );
        assert_eq!(address_of("bob@example.com"), "bob@example.com");
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("  "), "attachment");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.pdf"), b"1").unwrap();
        assert_eq!(
            create_unused(dir.path(), "a.pdf", b"2").unwrap(),
            dir.path().join("a (1).pdf")
        );
        assert_eq!(
            create_unused(dir.path(), "b.pdf", b"3").unwrap(),
            dir.path().join("b.pdf")
        );
        assert_eq!(std::fs::read(dir.path().join("a.pdf")).unwrap(), b"1");
        assert_eq!(std::fs::read(dir.path().join("a (1).pdf")).unwrap(), b"2");
    }

    #[cfg(unix)]
    #[test]
    fn saving_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("a.txt")).unwrap();
        // A dangling link is not followed either (create_new would otherwise create its target).
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("a (1).txt"))
            .unwrap();
        let saved = create_unused(dir.path(), "a.txt", b"new").unwrap();
        assert_eq!(saved, dir.path().join("a (2).txt"));
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(std::fs::read(&saved).unwrap(), b"new");
    }

    #[test]
    fn saving_gives_up_after_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), b"").unwrap();
        for n in 1..=MAX_NAME_TRIES {
            std::fs::write(dir.path().join(numbered_file_name("x", n)), b"").unwrap();
        }
        assert!(create_unused(dir.path(), "x", b"1").is_err());
    }

    #[test]
    fn labels_sort_naturally() {
        let mut v = vec!["Projects/P10", "projects/p2", "Alpha", "Projects/P1"];
        v.sort_by_cached_key(|n| natural_key(n));
        assert_eq!(v, ["Alpha", "Projects/P1", "projects/p2", "Projects/P10"]);
    }

    #[test]
    fn changes_are_described_for_people() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(describe_change(&v(&[]), &v(&["INBOX"])), "Archive");
        assert_eq!(
            describe_change(&v(&["TRASH"]), &v(&["INBOX"])),
            "Move to trash"
        );
        assert_eq!(
            describe_change(&v(&["Label_3"]), &v(&[])),
            "Add label Label_3"
        );
    }
}
