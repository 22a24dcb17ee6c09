//! Writing mail: drafts (saved here as the user types, copied to Gmail's Drafts), the outbox
//! (undo send, scheduled send, retries, exactly once), and snooze.
//!
//! Exactly once: a mail gets its Message-ID when it enters the outbox. Before each request the
//! item is marked `sending` (committed first); an item found `sending` — after a crash, a lost
//! answer, a timeout — is looked up in Gmail by that Message-ID before it is sent again.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::messages::ListParams;
use crate::google::gmail::Gmail;
use crate::mail::compose::{self, Attachment, Outgoing, Recipient};
use crate::model::{ComposeKind, DraftEdit, DraftView, MailAction, OutboxItem, SnoozedThread};
use crate::services::mail::MailService;
use crate::store::{drafts, new_id, now_unix, settings, Store};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

pub const UNDO_SECONDS: &str = "mail.undo_seconds";
pub const DEFAULT_UNDO_SECONDS: u32 = 10;
/// A draft is copied to Gmail once the user has stopped typing for this long.
const DRAFT_QUIET: i64 = 3;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Waits after the n-th failed try: 15 s, 30 s, 1 min … up to 30 min.
fn backoff_ms(attempts: i64) -> i64 {
    (15_000i64 << attempts.clamp(0, 7)).min(30 * 60_000)
}

const OUTBOX_COLS: &str =
    "id, account_id, draft_id, to_summary, subject, send_at, scheduled, state, attempts, \
     next_try_at, last_error, sent_at";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: r.get(0)?,
        account_id: r.get(1)?,
        draft_id: r.get(2)?,
        to: r.get(3)?,
        subject: r.get(4)?,
        send_at_ms: r.get(5)?,
        scheduled: r.get(6)?,
        state: r.get(7)?,
        attempts: r.get(8)?,
        next_try_ms: r.get(9)?,
        last_error: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OutboxReport {
    pub sent: usize,
    /// Found in Gmail already (an earlier try had reached it): recorded, not sent again.
    pub found_sent: usize,
    pub failed: usize,
    /// Left for later (offline, Gmail busy).
    pub waiting: usize,
}

pub struct ComposeService {
    store: Store,
    mail: Arc<MailService>,
    wake: Arc<tokio::sync::Notify>,
    /// One outbox pass at a time (the background loop, the CLI, "Send now").
    pass: tokio::sync::Mutex<()>,
}

impl ComposeService {
    pub fn new(store: Store, mail: Arc<MailService>) -> Self {
        ComposeService {
            store,
            mail,
            wake: Arc::new(tokio::sync::Notify::new()),
            pass: tokio::sync::Mutex::new(()),
        }
    }

    /// One statement written (the many small state changes of drafts and the outbox).
    async fn exec(
        &self,
        ctx: &'static str,
        sql: &'static str,
        args: Vec<rusqlite::types::Value>,
    ) -> Result<()> {
        self.store
            .write(move |c| {
                c.execute(sql, rusqlite::params_from_iter(args))
                    .map_err(db(ctx))?;
                Ok(())
            })
            .await
    }

    fn gmail(&self, account: &str) -> Gmail {
        self.mail.gmail(account)
    }

    // ---- drafts ----------------------------------------------------------------------

    /// A new draft: empty, or answering / forwarding message `message_id` (Gmail id) with the
    /// headers, subject and quoted text that go with it.
    pub async fn compose(
        &self,
        account: &str,
        kind: ComposeKind,
        message_id: Option<&str>,
    ) -> Result<DraftView> {
        if account == crate::model::ARCHIVE_ACCOUNT {
            return Err(LibreOllamaError::InvalidInput(
                "an imported archive has no server to send from: write from a Google account (Settings → Accounts)"
                    .into(),
            ));
        }
        let me = self.account_email(account).await?;
        let id = new_id("draft");
        let Some(mid) = message_id.filter(|_| kind != ComposeKind::New) else {
            let (id2, acc) = (id.clone(), account.to_string());
            self.store
                .write(move |c| {
                    drafts::create(
                        c,
                        &id2,
                        &drafts::NewDraft {
                            account_id: &acc,
                            thread_id: None,
                            in_reply_to: None,
                            references: None,
                            to: "",
                            cc: "",
                            subject: "",
                            body: "",
                            kind: "new",
                            origin: "user",
                        },
                        now_unix(),
                    )
                })
                .await?;
            return self.draft(&id).await;
        };
        let (acc, m) = (account.to_string(), mid.to_string());
        type Orig = (
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<String>,
            Option<String>,
        );
        let orig: Orig = self
            .store
            .read(move |c| {
                c.query_row(
                    "SELECT thread_id, from_addr, to_addr, cc_addr, subject, internal_date, message_id_hdr, references_hdr \
                     FROM mail_messages WHERE account_id = ?1 AND id = ?2",
                    params![acc, m],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
                )
                .optional()
                .map_err(db("reading a message"))?
                .ok_or_else(|| LibreOllamaError::NotFound {
                    what: "This message in the local cache (sync and open it again)".into(),
                })
            })
            .await?;
        let (thread, from, to, cc, subject, date_ms, msgid, refs) = orig;
        // The body as the reader shows it (downloaded now when it is not here yet).
        let view = self.mail.thread(account, &thread, false).await?;
        let original = view.messages.iter().find(|v| v.id == mid);
        let text = original.and_then(|v| v.text.clone()).unwrap_or_default();
        let date = chrono::DateTime::from_timestamp_millis(date_ms)
            .map(|d| {
                d.with_timezone(&chrono::Local)
                    .format("%a, %-d %b %Y at %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let mine = |a: &str| a.to_lowercase().contains(&me.to_lowercase());
        let others = |list: &str| -> Vec<String> {
            compose::parse_recipients(list, "the original")
                .unwrap_or_default()
                .into_iter()
                .filter(|r| !mine(&r.email))
                .map(|r| {
                    if r.name.is_empty() {
                        r.email
                    } else {
                        format!("{} <{}>", r.name, r.email)
                    }
                })
                .collect()
        };
        let (to_line, cc_line, subj, body, in_reply_to, references, thread_id) = match kind {
            ComposeKind::Forward => (
                String::new(),
                String::new(),
                compose::forward_subject(&subject),
                compose::quote_forward(&text, &from, &date, &subject, &to),
                None,
                None,
                None,
            ),
            _ => {
                // Answering one's own mail goes to its recipients, as mail clients do.
                let mut to_list = if mine(&from) {
                    others(&to)
                } else {
                    vec![from.clone()]
                };
                let mut cc_list = Vec::new();
                if kind == ComposeKind::ReplyAll {
                    for a in others(&to) {
                        if !to_list.contains(&a) {
                            to_list.push(a);
                        }
                    }
                    cc_list = others(&cc)
                        .into_iter()
                        .filter(|a| !to_list.contains(a))
                        .collect();
                }
                let references = match (&refs, &msgid) {
                    (Some(r), Some(m)) if !r.contains(m.as_str()) => Some(format!("{r} {m}")),
                    (Some(r), _) => Some(r.clone()),
                    (None, m) => m.clone(),
                };
                (
                    to_list.join(", "),
                    cc_list.join(", "),
                    compose::reply_subject(&subject),
                    compose::quote_reply(&text, &from, &date),
                    msgid.clone(),
                    references,
                    Some(thread.clone()),
                )
            }
        };
        let (id2, acc) = (id.clone(), account.to_string());
        self.store
            .write(move |c| {
                drafts::create(
                    c,
                    &id2,
                    &drafts::NewDraft {
                        account_id: &acc,
                        thread_id: thread_id.as_deref(),
                        in_reply_to: in_reply_to.as_deref(),
                        references: references.as_deref(),
                        to: &to_line,
                        cc: &cc_line,
                        subject: &subj,
                        body: &body,
                        kind: kind.as_str(),
                        origin: "user",
                    },
                    now_unix(),
                )
            })
            .await?;
        // A forward carries the original's files.
        if kind == ComposeKind::Forward {
            for a in original.map(|v| v.attachments.clone()).unwrap_or_default() {
                match self.mail.attachment_data(account, mid, &a.part_id).await {
                    Ok((name, data)) => {
                        self.attach(&id, &name, &a.mime_type, data).await?;
                    }
                    Err(e) => {
                        // The draft stays; the user is told what is missing.
                        return Err(LibreOllamaError::InvalidInput(format!(
                            "the forward is in your drafts, but “{}” could not be attached ({e}); attach it again when online",
                            a.filename
                        )));
                    }
                }
            }
        }
        self.draft(&id).await
    }

    pub async fn draft(&self, id: &str) -> Result<DraftView> {
        let id = id.to_string();
        self.store.read(move |c| drafts::get(c, &id)).await
    }

    /// Drafts being written, newest first.
    pub async fn drafts(&self, account: Option<String>) -> Result<Vec<DraftView>> {
        self.store
            .read(move |c| drafts::list(c, account.as_deref()))
            .await
    }

    /// Saves the editor's content (every few seconds while typing, and on close).
    pub async fn save(&self, id: &str, edit: DraftEdit) -> Result<DraftView> {
        let id = id.to_string();
        let d = self
            .store
            .write(move |c| drafts::update(c, &id, &edit, now_unix()))
            .await?;
        self.wake.notify_one();
        Ok(d)
    }

    /// Deletes a draft here, and Gmail's copy with the next sync.
    pub async fn delete_draft(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store.write(move |c| drafts::delete(c, &id)).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Attaches bytes to a draft; Gmail's 25 MB limit is checked here, with the sizes.
    pub async fn attach(
        &self,
        draft: &str,
        filename: &str,
        mime_type: &str,
        data: Vec<u8>,
    ) -> Result<DraftView> {
        let name = filename.trim().to_string();
        if name.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "the file has no name; rename it and attach it again".into(),
            ));
        }
        let mime = if mime_type.trim().is_empty() {
            compose::mime_for(&name).to_string()
        } else {
            mime_type.trim().to_string()
        };
        let id = draft.to_string();
        self.store
            .write(move |c| {
                let already = drafts::files_size(c, &id)? as u64;
                let total = already + data.len() as u64;
                if total > compose::GMAIL_MAX_BYTES {
                    return Err(LibreOllamaError::InvalidInput(format!(
                        "“{name}” ({}) would bring the attachments to {}; Gmail sends at most 25 MB. \
                         Remove a file or share a large one as a link",
                        compose::human_size(data.len() as u64),
                        compose::human_size(total)
                    )));
                }
                drafts::add_file(c, &id, &name, &mime, &data, now_unix())?;
                drafts::get(c, &id)
            })
            .await
    }

    /// Attaches a file from disk (the CLI, the desktop file picker).
    pub async fn attach_path(&self, draft: &str, path: &std::path::Path) -> Result<DraftView> {
        let p = path.to_path_buf();
        let meta = tokio::fs::metadata(&p).await.map_err(|e| {
            LibreOllamaError::InvalidInput(format!("{} cannot be attached: {e}", p.display()))
        })?;
        if meta.len() > compose::GMAIL_MAX_BYTES {
            return Err(LibreOllamaError::InvalidInput(format!(
                "{} is {}; Gmail sends at most 25 MB. Share it as a link instead",
                p.display(),
                compose::human_size(meta.len())
            )));
        }
        let data = tokio::fs::read(&p).await.map_err(|e| {
            LibreOllamaError::InvalidInput(format!(
                "{} cannot be read ({e}); check that it exists and that you may read it",
                p.display()
            ))
        })?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.attach(draft, &name, "", data).await
    }

    pub async fn detach(&self, draft: &str, file: i64) -> Result<DraftView> {
        let id = draft.to_string();
        self.store
            .write(move |c| {
                drafts::remove_file(c, &id, file, now_unix())?;
                drafts::get(c, &id)
            })
            .await
    }

    /// Addresses seen in the cache that start with (or whose name contains) `prefix`, most
    /// frequent first: the To/Cc/Bcc suggestions.
    pub async fn suggest(&self, account: &str, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let needle = prefix.trim().to_lowercase();
        if needle.is_empty() {
            return Ok(Vec::new());
        }
        let acc = account.to_string();
        let rows: Vec<String> = self
            .store
            .read(move |c| {
                // Recent mail is enough to know who one writes to.
                let mut st = c
                    .prepare(
                        "SELECT from_addr, to_addr, cc_addr FROM mail_messages WHERE account_id = ?1 \
                         ORDER BY internal_date DESC LIMIT 5000",
                    )
                    .map_err(db("reading addresses"))?;
                let rows = st
                    .query_map([acc], |r| {
                        Ok(format!(
                            "{}, {}, {}",
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?
                        ))
                    })
                    .map_err(db("reading addresses"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading addresses"));
                rows
            })
            .await?;
        let mut counts: std::collections::HashMap<String, (usize, String)> = Default::default();
        for line in rows {
            for r in compose::parse_recipients(&line, "").unwrap_or_default() {
                let key = r.email.to_lowercase();
                let shown = if r.name.is_empty() {
                    r.email.clone()
                } else {
                    format!("{} <{}>", r.name, r.email)
                };
                let hit = key.starts_with(&needle)
                    || r.name
                        .to_lowercase()
                        .split_whitespace()
                        .any(|w| w.starts_with(&needle))
                    || r.name.to_lowercase().starts_with(&needle);
                if hit {
                    let e = counts.entry(key).or_insert((0, shown.clone()));
                    e.0 += 1;
                    if e.1.len() < shown.len() {
                        e.1 = shown;
                    }
                }
            }
        }
        let mut v: Vec<(usize, String)> = counts.into_values().collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(v.into_iter().take(limit).map(|(_, s)| s).collect())
    }

    async fn account_email(&self, account: &str) -> Result<String> {
        let acc = account.to_string();
        self.store
            .read(move |c| {
                crate::store::accounts::get(c, &acc)?
                    .map(|a| a.email_address)
                    .ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Account {acc}"),
                    })
            })
            .await
    }

    async fn sender(&self, account: &str) -> Result<Recipient> {
        let acc = account.to_string();
        self.store
            .read(move |c| {
                crate::store::accounts::get(c, &acc)?
                    .map(|a| Recipient {
                        name: a.display_name.unwrap_or_default(),
                        email: a.email_address,
                    })
                    .ok_or_else(|| LibreOllamaError::NotFound {
                        what: format!("Account {acc}"),
                    })
            })
            .await
    }

    /// The message a draft makes, checked: recipients, addresses, size.
    async fn build(&self, d: &DraftView, message_id: &str, strict: bool) -> Result<Vec<u8>> {
        let to = compose::parse_recipients(&d.to, "To")?;
        let cc = compose::parse_recipients(&d.cc, "Cc")?;
        let bcc = compose::parse_recipients(&d.bcc, "Bcc")?;
        if strict && to.is_empty() && cc.is_empty() && bcc.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "the mail has no recipient: add an address in To".into(),
            ));
        }
        let from = self.sender(&d.account_id).await?;
        let id = d.id.clone();
        let (files, (in_reply_to, references)) = self
            .store
            .read(move |c| Ok((drafts::file_data(c, &id)?, drafts::threading(c, &id)?)))
            .await?;
        let attachments: Vec<Attachment> = files
            .into_iter()
            .map(|(filename, mime_type, data)| Attachment {
                filename,
                mime_type,
                data,
            })
            .collect();
        let raw = compose::build(&Outgoing {
            from,
            to: &to,
            cc: &cc,
            bcc: &bcc,
            subject: &d.subject,
            text: &d.body,
            rich: d.rich,
            in_reply_to: in_reply_to.as_deref(),
            references: references.as_deref(),
            message_id,
            date_unix: now_unix(),
            attachments: &attachments,
        })?;
        if strict && raw.len() as u64 > compose::GMAIL_MAX_BYTES {
            return Err(LibreOllamaError::InvalidInput(format!(
                "the mail is {}; Gmail sends at most 25 MB. Remove an attachment",
                compose::human_size(raw.len() as u64)
            )));
        }
        Ok(raw)
    }

    /// Copies drafts changed here to Gmail's Drafts (create or update), and deletes the Gmail
    /// copies of drafts deleted here. Returns how many went.
    pub async fn push_drafts(&self, account: &str) -> Result<usize> {
        let acc = account.to_string();
        let quiet = now_unix() - DRAFT_QUIET;
        let (changed, removals): (Vec<String>, Vec<String>) = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare(
                        "SELECT id FROM mail_drafts WHERE account_id = ?1 AND in_outbox = 0 \
                         AND (pushed_version IS NULL OR pushed_version < version) AND updated_at <= ?2 ORDER BY updated_at",
                    )
                    .map_err(db("reading drafts"))?;
                let changed = st
                    .query_map(params![acc, quiet], |r| r.get(0))
                    .map_err(db("reading drafts"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading drafts"))?;
                let mut st = c
                    .prepare("SELECT gmail_draft_id FROM mail_draft_removals WHERE account_id = ?1")
                    .map_err(db("reading drafts"))?;
                let removals = st
                    .query_map([&acc], |r| r.get(0))
                    .map_err(db("reading drafts"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading drafts"))?;
                Ok((changed, removals))
            })
            .await?;
        let gmail = self.gmail(account);
        let mut n = 0;
        for gid in removals {
            match gmail.drafts_delete(&gid).await {
                Ok(()) | Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
            let (acc, g) = (account.to_string(), gid.clone());
            self.exec(
                "recording a draft",
                "DELETE FROM mail_draft_removals WHERE account_id = ?1 AND gmail_draft_id = ?2",
                vec![acc.into(), g.into()],
            )
            .await?;
            n += 1;
        }
        for id in changed {
            let Ok(d) = self.draft(&id).await else {
                continue;
            };
            let (gid, version): (Option<String>, i64) = {
                let id = id.clone();
                self.store
                    .read(move |c| {
                        c.query_row(
                            "SELECT gmail_draft_id, version FROM mail_drafts WHERE id = ?1",
                            [id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .map_err(db("reading drafts"))
                    })
                    .await?
            };
            // A draft that cannot become a message yet (a half-typed address) waits.
            let raw = match self
                .build(&d, &compose::new_message_id(&d.account_id), false)
                .await
            {
                Ok(r) => r,
                Err(LibreOllamaError::InvalidInput(_)) => continue,
                Err(e) => return Err(e),
            };
            let made = match &gid {
                Some(g) => match gmail.drafts_update(g, &raw, d.thread_id.as_deref()).await {
                    // Deleted at Gmail (sent or discarded on another device): a new copy.
                    Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {
                        gmail.drafts_create(&raw, d.thread_id.as_deref()).await?
                    }
                    r => r?,
                },
                None => gmail.drafts_create(&raw, d.thread_id.as_deref()).await?,
            };
            let id2 = id.clone();
            self.exec(
                "recording a draft",
                "UPDATE mail_drafts SET gmail_draft_id = ?1, pushed_version = ?2 WHERE id = ?3",
                vec![made.id.into(), version.into(), id2.into()],
            )
            .await?;
            n += 1;
        }
        Ok(n)
    }

    // ---- outbox ----------------------------------------------------------------------

    pub async fn undo_seconds(&self) -> Result<u32> {
        Ok(self
            .store
            .read(|c| settings::get::<u32>(c, UNDO_SECONDS))
            .await?
            .unwrap_or(DEFAULT_UNDO_SECONDS))
    }

    pub async fn set_undo_seconds(&self, s: u32) -> Result<()> {
        if s > 60 {
            return Err(LibreOllamaError::InvalidInput(
                "the undo window is at most 60 seconds".into(),
            ));
        }
        self.store
            .write(move |c| settings::set(c, UNDO_SECONDS, &s))
            .await
    }

    /// Puts a draft in the outbox: checked and built now (bad input is an error and the draft
    /// stays as it was), sent when the undo window ends or at `at_ms`.
    pub async fn send(&self, draft: &str, at_ms: Option<i64>) -> Result<OutboxItem> {
        let d = self.draft(draft).await?;
        if d.account_id == crate::model::ARCHIVE_ACCOUNT {
            return Err(LibreOllamaError::InvalidInput(
                "this draft answers mail in an imported archive, which has no server to send from: \
                 copy the text into a new mail from a Google account"
                    .into(),
            ));
        }
        let now = now_ms();
        if let Some(at) = at_ms {
            if at <= now {
                return Err(LibreOllamaError::InvalidInput(
                    "the time to send is in the past: pick a later one".into(),
                ));
            }
        }
        let from = self.sender(&d.account_id).await?;
        let message_id = compose::new_message_id(&from.email);
        let raw = self.build(&d, &message_id, true).await?;
        let send_at = match at_ms {
            Some(at) => at,
            None => now + i64::from(self.undo_seconds().await?) * 1000,
        };
        let to_summary = [d.to.as_str(), d.cc.as_str(), d.bcc.as_str()]
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let id = new_id("out");
        let (id2, d2) = (id.clone(), d.clone());
        let item = self
            .store
            .transaction(move |tx| {
                let gid: Option<String> = tx
                    .query_row("SELECT gmail_draft_id FROM mail_drafts WHERE id = ?1", [&d2.id], |r| r.get(0))
                    .map_err(db("queueing a mail"))?;
                let n = tx
                    .execute("UPDATE mail_drafts SET in_outbox = 1 WHERE id = ?1 AND in_outbox = 0", [&d2.id])
                    .map_err(db("queueing a mail"))?;
                if n == 0 {
                    return Err(LibreOllamaError::InvalidInput(
                        "this mail is already in the outbox".into(),
                    ));
                }
                tx.execute(
                    "INSERT INTO mail_outbox (id, account_id, draft_id, message_id, thread_id, gmail_draft_id, raw, to_summary, subject, send_at, scheduled, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![id2, d2.account_id, d2.id, message_id, d2.thread_id, gid, raw, to_summary, d2.subject, send_at, at_ms.is_some(), now_unix()],
                )
                .map_err(db("queueing a mail"))?;
                tx.query_row(&format!("SELECT {OUTBOX_COLS} FROM mail_outbox WHERE id = ?1"), [&id2], outbox_row)
                    .map_err(db("queueing a mail"))
            })
            .await?;
        tracing::info!(outbox = %item.id, scheduled = item.scheduled, "mail queued");
        self.wake.notify_one();
        Ok(item)
    }

    /// Pulls a mail back out of the outbox into the editor: within the undo window, or any
    /// time before a scheduled mail goes, or after Gmail refused it.
    pub async fn undo(&self, outbox_id: &str) -> Result<DraftView> {
        let id = outbox_id.to_string();
        let draft: String =
            self.store
                .transaction(move |tx| {
                    let row: Option<(String, Option<String>)> = tx
                        .query_row(
                            "SELECT state, draft_id FROM mail_outbox WHERE id = ?1",
                            [&id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .map_err(db("undoing a send"))?;
                    let Some((state, draft)) = row else {
                        return Err(LibreOllamaError::NotFound {
                            what: "This mail in the outbox".into(),
                        });
                    };
                    match state.as_str() {
                        "waiting" | "failed" => {}
                        "sending" => return Err(LibreOllamaError::InvalidInput(
                            "this mail is being sent right now and can no longer be pulled back"
                                .into(),
                        )),
                        _ => {
                            return Err(LibreOllamaError::InvalidInput(
                                "this mail has already been sent".into(),
                            ))
                        }
                    }
                    let draft = draft.ok_or_else(|| LibreOllamaError::NotFound {
                        what: "The draft of this mail".into(),
                    })?;
                    tx.execute("DELETE FROM mail_outbox WHERE id = ?1", [&id])
                        .map_err(db("undoing a send"))?;
                    tx.execute(
                        "UPDATE mail_drafts SET in_outbox = 0 WHERE id = ?1",
                        [&draft],
                    )
                    .map_err(db("undoing a send"))?;
                    Ok(draft)
                })
                .await?;
        self.draft(&draft).await
    }

    /// Ends the undo window now ("Send now", and the terminal, where there is nothing to undo).
    pub async fn send_now(&self, outbox_id: &str) -> Result<()> {
        let (id, now) = (outbox_id.to_string(), now_ms());
        self.exec(
            "sending a mail",
            "UPDATE mail_outbox SET send_at = min(send_at, ?1) WHERE id = ?2 AND state = 'waiting'",
            vec![now.into(), id.into()],
        )
        .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Tries a failed (or waiting-for-retry) mail again now.
    pub async fn retry(&self, outbox_id: &str) -> Result<()> {
        let id = outbox_id.to_string();
        self.store
            .write(move |c| {
                c.execute(
                    "UPDATE mail_outbox SET state = CASE state WHEN 'failed' THEN 'waiting' ELSE state END, next_try_at = 0 \
                     WHERE id = ?1 AND state IN ('failed', 'sending', 'waiting')",
                    [id],
                )
                .map_err(db("retrying a mail"))?;
                Ok(())
            })
            .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The outbox: everything not sent yet, and what was sent in the last day.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let since = now_unix() - 24 * 3600;
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(&format!(
                        "SELECT {OUTBOX_COLS} FROM mail_outbox WHERE state != 'sent' OR sent_at >= ?1 \
                         ORDER BY state = 'sent', send_at"
                    ))
                    .map_err(db("reading the outbox"))?;
                let rows = st
                    .query_map([since], outbox_row)
                    .map_err(db("reading the outbox"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading the outbox"));
                rows
            })
            .await
    }

    pub async fn outbox_item(&self, id: &str) -> Result<OutboxItem> {
        let id = id.to_string();
        self.store
            .read(move |c| {
                c.query_row(
                    &format!("SELECT {OUTBOX_COLS} FROM mail_outbox WHERE id = ?1"),
                    [&id],
                    outbox_row,
                )
                .optional()
                .map_err(db("reading the outbox"))?
                .ok_or_else(|| LibreOllamaError::NotFound {
                    what: "This mail in the outbox".into(),
                })
            })
            .await
    }

    /// Sends what is due now. Offline or Gmail busy: the item waits (backoff) and the pass goes
    /// on with the others; refused: failed, with Gmail's reason.
    pub async fn process_due(&self) -> Result<OutboxReport> {
        let _one = self.pass.lock().await;
        let mut report = OutboxReport::default();
        let mut skipped: Vec<String> = Vec::new();
        loop {
            let now = now_ms();
            let skip = skipped.clone();
            type Due = (
                String,
                String,
                String,
                Option<String>,
                Option<String>,
                Vec<u8>,
                String,
                i64,
                Option<String>,
            );
            let due: Option<Due> = self
                .store
                .read(move |c| {
                    let mut st = c
                        .prepare(
                            "SELECT id, account_id, message_id, thread_id, gmail_draft_id, raw, state, attempts, draft_id FROM mail_outbox \
                             WHERE state IN ('waiting', 'sending') AND send_at <= ?1 AND next_try_at <= ?1 ORDER BY send_at",
                        )
                        .map_err(db("reading the outbox"))?;
                    let mut rows = st
                        .query_map([now], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
                        })
                        .map_err(db("reading the outbox"))?;
                    for row in rows.by_ref() {
                        let row: Due = row.map_err(db("reading the outbox"))?;
                        if !skip.contains(&row.0) {
                            return Ok(Some(row));
                        }
                    }
                    Ok(None)
                })
                .await?;
            let Some((
                id,
                account,
                message_id,
                thread_id,
                gmail_draft,
                raw,
                state,
                attempts,
                draft_id,
            )) = due
            else {
                return Ok(report);
            };
            let gmail = self.gmail(&account);
            // A try began before (crash, lost answer, timeout): did it reach Gmail?
            if state == "sending" {
                match self.find_sent(&gmail, &message_id).await {
                    Ok(Some(gid)) => {
                        self.mark_sent(&id, &gid, draft_id.as_deref(), false)
                            .await?;
                        report.found_sent += 1;
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        self.later(&id, attempts, &e).await?;
                        report.waiting += 1;
                        skipped.push(id);
                        continue;
                    }
                }
            }
            let id2 = id.clone();
            self.exec(
                "sending a mail",
                "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1",
                vec![id2.into()],
            )
            .await?;
            let result = self
                .deliver(&gmail, &raw, thread_id.as_deref(), gmail_draft.as_deref())
                .await;
            self.mail.note_outcome(&result);
            match result {
                Ok((gid, draft_went)) => {
                    self.mark_sent(&id, &gid, draft_id.as_deref(), draft_went)
                        .await?;
                    report.sent += 1;
                }
                Err(e) if e.retry_later() => {
                    self.later(&id, attempts + 1, &e).await?;
                    report.waiting += 1;
                    skipped.push(id);
                }
                Err(e) => {
                    tracing::warn!(outbox = %id, error = %e, "Gmail refused a mail");
                    let (id2, msg) = (id.clone(), e.to_string());
                    self.exec(
                        "sending a mail",
                        "UPDATE mail_outbox SET state = 'failed', last_error = ?1 WHERE id = ?2",
                        vec![msg.into(), id2.into()],
                    )
                    .await?;
                    report.failed += 1;
                }
            }
        }
    }

    /// Sends: through the Gmail draft when there is one (Gmail then removes it), else as a
    /// new message. Returns Gmail's message id and whether the Gmail draft went with it.
    async fn deliver(
        &self,
        gmail: &Gmail,
        raw: &[u8],
        thread_id: Option<&str>,
        gmail_draft: Option<&str>,
    ) -> Result<(String, bool)> {
        if let Some(g) = gmail_draft {
            match gmail.drafts_update(g, raw, thread_id).await {
                Ok(_) => return gmail.drafts_send(g).await.map(|m| (m.id, true)),
                // Gone at Gmail (sent or deleted elsewhere): send as a new message.
                Err(LibreOllamaError::GoogleApi { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        gmail
            .messages_send(raw, thread_id)
            .await
            .map(|m| (m.id, false))
    }

    /// Gmail's id of the mail with our Message-ID, if Gmail has it. The search can lag behind
    /// a send by a few seconds, so the newest mail in Sent is also read (label listings are
    /// immediate).
    async fn find_sent(&self, gmail: &Gmail, message_id: &str) -> Result<Option<String>> {
        let r = gmail
            .messages_list(&ListParams {
                q: Some(format!("rfc822msgid:{message_id}")),
                include_spam_trash: true,
                max_results: Some(5),
                ..Default::default()
            })
            .await?;
        if let Some(m) = r.messages.into_iter().next() {
            return Ok(Some(m.id));
        }
        let recent = gmail
            .messages_list(&ListParams {
                label_ids: vec!["SENT".into()],
                max_results: Some(20),
                ..Default::default()
            })
            .await?;
        let want = message_id
            .trim_matches(|c| c == '<' || c == '>')
            .to_lowercase();
        for m in recent.messages {
            let full = gmail
                .messages_get(
                    &m.id,
                    crate::google::gmail::messages::Format::Metadata,
                    &["Message-ID"],
                )
                .await?;
            let got = full
                .header("Message-ID")
                .unwrap_or_default()
                .trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_lowercase();
            if got == want {
                return Ok(Some(m.id));
            }
        }
        Ok(None)
    }

    async fn later(&self, id: &str, attempts: i64, e: &LibreOllamaError) -> Result<()> {
        let (id, msg, next) = (
            id.to_string(),
            e.to_string(),
            now_ms() + backoff_ms(attempts),
        );
        tracing::info!(outbox = %id, error = %msg, "mail waits for the next try");
        self.exec(
            "sending a mail",
            "UPDATE mail_outbox SET next_try_at = ?1, last_error = ?2 WHERE id = ?3",
            vec![next.into(), msg.into(), id.into()],
        )
        .await
    }

    /// Recorded as sent; the draft it came from is done (its Gmail copy removed too, unless it
    /// was sent through it).
    async fn mark_sent(
        &self,
        id: &str,
        gmail_id: &str,
        draft: Option<&str>,
        draft_went: bool,
    ) -> Result<()> {
        let (id, gid, draft) = (
            id.to_string(),
            gmail_id.to_string(),
            draft.map(str::to_string),
        );
        self.store
            .transaction(move |tx| {
                tx.execute(
                    "UPDATE mail_outbox SET state = 'sent', gmail_id = ?1, sent_at = ?2, raw = x'', last_error = NULL, \
                       next_try_at = 0, draft_id = NULL WHERE id = ?3",
                    params![gid, now_unix(), id],
                )
                .map_err(db("recording a sent mail"))?;
                if let Some(d) = draft {
                    if draft_went {
                        tx.execute("UPDATE mail_drafts SET gmail_draft_id = NULL WHERE id = ?1", [&d])
                            .map_err(db("recording a sent mail"))?;
                    }
                    drafts::delete(tx, &d)?;
                }
                Ok(())
            })
            .await?;
        tracing::info!(gmail_id = %gmail_id, "mail sent");
        Ok(())
    }

    /// When the outbox next needs attention (unix ms), if ever.
    async fn next_due(&self) -> Result<Option<i64>> {
        self.store
            .read(|c| {
                c.query_row(
                    "SELECT min(max(send_at, next_try_at)) FROM mail_outbox WHERE state IN ('waiting', 'sending')",
                    [],
                    |r| r.get(0),
                )
                .map_err(db("reading the outbox"))
            })
            .await
    }

    // ---- snooze ----------------------------------------------------------------------

    /// Hides a conversation from the inbox until `wake_at_ms` (INBOX removed at once here and
    /// at Gmail; put back when due, also after a restart).
    pub async fn snooze(&self, account: &str, thread_id: &str, wake_at_ms: i64) -> Result<()> {
        if wake_at_ms <= now_ms() {
            return Err(LibreOllamaError::InvalidInput(
                "the wake-up time is in the past: pick a later one".into(),
            ));
        }
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        let ids: Vec<String> = self
            .store
            .transaction(move |tx| {
                let subject: Option<String> = tx
                    .query_row(
                        "SELECT subject FROM mail_messages WHERE account_id = ?1 AND thread_id = ?2 ORDER BY internal_date LIMIT 1",
                        params![acc, tid],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db("snoozing"))?;
                let Some(subject) = subject else {
                    return Err(LibreOllamaError::NotFound { what: "This conversation in the local cache".into() });
                };
                tx.execute(
                    "INSERT INTO mail_snoozes (account_id, thread_id, subject, wake_at, state, created_at) VALUES (?1, ?2, ?3, ?4, 'snoozed', ?5) \
                     ON CONFLICT(account_id, thread_id) DO UPDATE SET wake_at = excluded.wake_at, state = 'snoozed'",
                    params![acc, tid, subject, wake_at_ms, now_unix()],
                )
                .map_err(db("snoozing"))?;
                thread_messages(tx, &acc, &tid)
            })
            .await?;
        self.mail.act(account, ids, MailAction::Archive).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Back to the inbox now.
    pub async fn unsnooze(&self, account: &str, thread_id: &str) -> Result<()> {
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        let ids = self
            .store
            .transaction(move |tx| {
                tx.execute(
                    "UPDATE mail_snoozes SET state = 'waking' WHERE account_id = ?1 AND thread_id = ?2",
                    params![acc, tid],
                )
                .map_err(db("waking a conversation"))?;
                thread_messages(tx, &acc, &tid)
            })
            .await?;
        self.mail.act(account, ids, MailAction::MoveToInbox).await?;
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        self.exec(
            "waking a conversation",
            "DELETE FROM mail_snoozes WHERE account_id = ?1 AND thread_id = ?2",
            vec![acc.into(), tid.into()],
        )
        .await
    }

    pub async fn snoozed(&self) -> Result<Vec<SnoozedThread>> {
        self.store
            .read(|c| {
                let mut st = c
                    .prepare("SELECT account_id, thread_id, subject, wake_at FROM mail_snoozes ORDER BY wake_at")
                    .map_err(db("reading snoozed mail"))?;
                let rows = st
                    .query_map([], |r| {
                        Ok(SnoozedThread {
                            account_id: r.get(0)?,
                            thread_id: r.get(1)?,
                            subject: r.get(2)?,
                            wake_at_ms: r.get(3)?,
                        })
                    })
                    .map_err(db("reading snoozed mail"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading snoozed mail"));
                rows
            })
            .await
    }

    /// Puts every conversation whose time has come back in the inbox. Returns how many.
    pub async fn wake_due(&self) -> Result<usize> {
        let now = now_ms();
        let due: Vec<(String, String)> = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare("SELECT account_id, thread_id FROM mail_snoozes WHERE wake_at <= ?1 OR state = 'waking'")
                    .map_err(db("reading snoozed mail"))?;
                let rows = st
                    .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(db("reading snoozed mail"))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(db("reading snoozed mail"));
                rows
            })
            .await?;
        for (a, t) in &due {
            self.unsnooze(a, t).await?;
        }
        Ok(due.len())
    }

    /// When the next snoozed conversation wakes (unix ms).
    async fn next_wake(&self) -> Result<Option<i64>> {
        self.store
            .read(|c| {
                c.query_row("SELECT min(wake_at) FROM mail_snoozes", [], |r| r.get(0))
                    .map_err(db("reading snoozed mail"))
            })
            .await
    }

    // ---- background ------------------------------------------------------------------

    /// One round: due mail, woken conversations, drafts to Gmail. Errors are logged (the
    /// items keep their state and the next round tries again).
    pub async fn tick(&self) {
        if let Err(e) = self.process_due().await {
            tracing::warn!(error = %e, "outbox pass failed");
        }
        if let Err(e) = self.wake_due().await {
            tracing::warn!(error = %e, "waking snoozed mail failed");
        }
        let accounts = self
            .store
            .read(crate::store::accounts::signed_in)
            .await
            .unwrap_or_default();
        for a in accounts {
            if let Err(e) = self.push_drafts(&a).await {
                tracing::info!(error = %e, "drafts wait for the next round");
            }
        }
    }

    /// Runs the outbox, snoozes and draft copies for as long as the app runs: at once (mail
    /// that came due while the app was closed goes now), then when something is due or
    /// changes, and at least every 30 s.
    pub fn start_background(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.tick().await;
                let now = now_ms();
                let next = [
                    me.next_due().await.ok().flatten(),
                    me.next_wake().await.ok().flatten(),
                ]
                .into_iter()
                .flatten()
                .min()
                .map(|t| (t - now).clamp(50, 30_000))
                .unwrap_or(30_000);
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(next as u64)) => {}
                    _ = me.wake.notified() => {
                        // Let a burst of saves settle.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
    }
}

fn thread_messages(c: &rusqlite::Connection, account: &str, thread: &str) -> Result<Vec<String>> {
    let mut st = c
        .prepare("SELECT id FROM mail_messages WHERE account_id = ?1 AND thread_id = ?2")
        .map_err(db("reading a conversation"))?;
    let rows = st
        .query_map(params![account, thread], |r| r.get(0))
        .map_err(db("reading a conversation"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading a conversation"));
    rows
}
