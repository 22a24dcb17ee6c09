//! Drafts: written here (saved as the user types), copied to Gmail's Drafts once the user pauses,
//! answered and forwarded mail quoted and threaded, files attached within Gmail's 25 MB, and
//! the checked message a draft makes when it is sent.

use std::sync::Arc;

use super::mail::signature::with_signature;
use crate::clock::Clock;
use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::Gmail;
use crate::mail::compose::{self, Attachment, Outgoing, Recipient};
use crate::model::{ComposeKind, DraftEdit, DraftOrigin, DraftView};
use crate::services::mail::MailService;
use crate::store::{drafts, new_id, Store};

mod pull;
pub use pull::DraftsPulled;

/// A draft is copied to Gmail once the user has stopped typing for this long (seconds).
const DRAFT_QUIET: i64 = 3;
/// Recent mail is enough to know who one writes to.
const SUGGEST_FROM: usize = 5000;

pub struct DraftsService {
    store: Store,
    mail: Arc<MailService>,
    clock: Clock,
    /// Rings the background loop (a changed draft goes to Gmail after the pause).
    wake: Arc<tokio::sync::Notify>,
}

impl DraftsService {
    pub fn new(
        store: Store,
        mail: Arc<MailService>,
        clock: Clock,
        wake: Arc<tokio::sync::Notify>,
    ) -> Self {
        DraftsService {
            store,
            mail,
            clock,
            wake,
        }
    }

    /// How long an open editor holds its draft against changes from Gmail; the editor renews
    /// it well before (see `ui::mail::compose`).
    pub const EDITING_HOLD_MS: i64 = 10 * 60 * 1000;

    /// An editor opened (or still has) the draft: Gmail's copy neither replaces nor removes it
    /// until the editor closes or stops renewing.
    pub async fn editing(&self, id: &str, open: bool) -> Result<()> {
        let until = open.then(|| self.clock.now_ms() + Self::EDITING_HOLD_MS);
        let id = id.to_string();
        self.store
            .write(move |c| drafts::hold_for_editing(c, &id, until))
            .await
    }

    /// The drafts lock if no other pass holds it.
    async fn try_drafts_lock(
        &self,
        account: &str,
    ) -> Result<Option<crate::store::locks::DraftsLock>> {
        let (dir, acc) = (self.store.data_dir().to_path_buf(), account.to_string());
        tokio::task::spawn_blocking(move || {
            crate::store::locks::DraftsLock::try_acquire(&dir, &acc)
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("waiting for the drafts: {e}")))?
    }

    /// Waits for any other pass over this account's drafts (here or in another process).
    async fn drafts_lock(&self, account: &str) -> Result<crate::store::locks::DraftsLock> {
        let (dir, acc) = (self.store.data_dir().to_path_buf(), account.to_string());
        tokio::task::spawn_blocking(move || crate::store::locks::DraftsLock::acquire(&dir, &acc))
            .await
            .map_err(|e| LibreOllamaError::Internal(format!("waiting for the drafts: {e}")))?
    }

    fn gmail(&self, account: &str) -> Gmail {
        self.mail.gmail(account)
    }

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
        let signature = self.mail.signature(account).await?.text;
        let id = new_id("draft");
        let Some(mid) = message_id.filter(|_| kind != ComposeKind::New) else {
            let (id2, acc, now) = (id.clone(), account.to_string(), self.clock.now_unix());
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
                            body: &with_signature("", &signature),
                            rich: false,
                            kind: ComposeKind::New,
                            origin: DraftOrigin::User,
                        },
                        now,
                    )
                })
                .await?;
            return self.draft(&id).await;
        };
        let (acc, m) = (account.to_string(), mid.to_string());
        let drafts::ReplySource {
            thread_id: thread,
            from,
            to,
            cc,
            subject,
            date_ms,
            message_id: msgid,
            references: refs,
        } = self
            .store
            .read(move |c| {
                drafts::reply_source(c, &acc, &m)?.ok_or_else(|| LibreOllamaError::NotFound {
                    what: "This message in the local cache (sync and open it again)".into(),
                })
            })
            .await?;
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
        let body = with_signature(&body, &signature);
        let (id2, acc, now) = (id.clone(), account.to_string(), self.clock.now_unix());
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
                        rich: false,
                        kind,
                        origin: DraftOrigin::User,
                    },
                    now,
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
        let (id, now) = (id.to_string(), self.clock.now_unix());
        let d = self
            .store
            .write(move |c| drafts::update(c, &id, &edit, now))
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
        let (id, now) = (draft.to_string(), self.clock.now_unix());
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
                drafts::add_file(c, &id, &name, &mime, &data, now)?;
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
        let (id, now) = (draft.to_string(), self.clock.now_unix());
        self.store
            .write(move |c| {
                drafts::remove_file(c, &id, file, now)?;
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
            .read(move |c| drafts::recent_addresses(c, &acc, SUGGEST_FROM))
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

    pub(crate) async fn sender(&self, account: &str) -> Result<Recipient> {
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
    pub(crate) async fn build(
        &self,
        d: &DraftView,
        message_id: &str,
        strict: bool,
    ) -> Result<Vec<u8>> {
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
            date_unix: self.clock.now_unix(),
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
        // Never waits behind another pass (a pull of many drafts can take a while, and the
        // outbox's round calls this): what is not copied now goes in the next round.
        let Some(_pass) = self.try_drafts_lock(account).await? else {
            return Ok(0);
        };
        let acc = account.to_string();
        let quiet = self.clock.now_unix() - DRAFT_QUIET;
        let (changed, removals): (Vec<String>, Vec<String>) = self
            .store
            .read(move |c| {
                Ok((
                    drafts::to_push(c, &acc, quiet)?,
                    drafts::gmail_removals(c, &acc)?,
                ))
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
            self.store
                .write(move |c| drafts::removal_done(c, &acc, &g))
                .await?;
            n += 1;
        }
        for id in changed {
            let Ok(d) = self.draft(&id).await else {
                continue;
            };
            let (gid, version): (Option<String>, i64) = {
                let id = id.clone();
                self.store.read(move |c| drafts::push_state(c, &id)).await?
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
            let (id2, acc2) = (id.clone(), account.to_string());
            let made_message = made.message.as_ref().map(|m| m.id.clone());
            self.store
                .write(move |c| {
                    drafts::mark_pushed(c, &acc2, &id2, &made.id, made_message.as_deref(), version)
                })
                .await?;
            n += 1;
        }
        Ok(n)
    }
}
