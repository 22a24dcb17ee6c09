//! Mail as the UI and the CLI use it: folders with counts ([`folders`]), pages of the list and
//! searches ([`list`]), conversations ready to read ([`thread`], HTML framed safely with the
//! image allow list of [`images`]), attachments ([`attachments`]), actions, and the sync, push
//! and backfill jobs ([`sync`]). Every read and write goes through `crate::store`.

mod attachments;
mod conversations;
mod folders;
mod images;
mod list;
pub mod signature;
mod sync;
mod thread;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::jobs::Jobs;
use super::AuthService;
use crate::clock::Clock;
use crate::error::{LibreOllamaError, Result};
use crate::google::client::GoogleClient;
use crate::google::gmail::Gmail;
use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::model::{FailedChange, MailAccount, MailAction, MailUndo, MessageChange, SyncStatus};
use crate::store::{labels, mail as cache, mail_actions, mail_sync, queue, settings, Store};
use crate::sync::gmail::GmailSync;
use crate::sync::mail_actions as action_push;

pub use list::CacheSearch;
pub use sync::{AccountSync, SyncOptions};

pub const POLL_MINUTES: &str = "mail.poll_minutes";
pub const DEFAULT_POLL_MINUTES: u32 = 5;
/// The most messages one action or undo applies to (the CLI sends a long `--query` in pieces).
pub const MAX_MESSAGES: usize = crate::model::MAX_MESSAGES_PER_ACTION;
/// The most labels one change adds and removes.
pub const MAX_LABELS: usize = 100;

pub struct MailService {
    store: Store,
    google: Arc<GoogleClient>,
    auth: Arc<AuthService>,
    gmail_base: String,
    pub jobs: Jobs,
    /// Why the last contact with Google failed for lack of a connection, if it did.
    offline: Mutex<Option<String>>,
    download_dir: PathBuf,
    /// Accounts with changes queued since their push job last read the queue: a wake-up flag
    /// for this process's push job, not a lock (the pusher lock keeps one pusher per account
    /// across processes).
    push_requests: Mutex<std::collections::HashSet<String>>,
    clock: Clock,
    /// The account of each sync job that finished (notifications and Gmail's drafts look then).
    pub synced: tokio::sync::broadcast::Sender<String>,
}

/// The address inside "Name <addr>" (or the whole text), lower-cased.
pub fn address_of(from: &str) -> String {
    let s = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if b > a => &from[a + 1..b],
        _ => from,
    };
    s.trim().to_ascii_lowercase()
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
            clock: Clock::system(),
            synced: tokio::sync::broadcast::channel(16).0,
        }
    }

    /// The same service on another clock (tests move it instead of sleeping).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
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
        let has_archive = self
            .store
            .read(|c| cache::account_has_messages(c, ARCHIVE_ACCOUNT))
            .await?;
        if has_archive {
            accounts.push((ARCHIVE_ACCOUNT.into(), "Imported archive".into(), true));
        }
        let mut out = Vec::new();
        for (id, email, is_archive) in accounts {
            let acc = id.clone();
            let (counts, names, colors) = self
                .store
                .read(move |c| {
                    Ok((
                        labels::counts(c, &acc)?,
                        labels::names(c, &acc)?,
                        labels::colors(c, &acc)?,
                    ))
                })
                .await?;
            let labels = folders::folder_list(&id, counts, names, &colors);
            out.push(MailAccount {
                id,
                email,
                is_archive,
                labels,
            });
        }
        Ok(out)
    }

    /// Applies an action to the cache at once and sends it to Gmail in the background; the
    /// answer takes it back (`undo`).
    pub async fn act(
        self: &Arc<Self>,
        account: &str,
        ids: Vec<String>,
        action: MailAction,
    ) -> Result<MailUndo> {
        let undo = self.act_without_push(account, ids, action).await?;
        if account != ARCHIVE_ACCOUNT && !undo.changes.is_empty() {
            self.spawn_push(account);
        }
        Ok(undo)
    }

    /// Applies an action to the cache and queues it, without starting a push: the terminal
    /// pushes with [`MailService::push_now`] and waits.
    pub async fn act_without_push(
        &self,
        account: &str,
        ids: Vec<String>,
        action: MailAction,
    ) -> Result<MailUndo> {
        check_action(account, ids.len(), &action)?;
        if ids.is_empty() {
            return Ok(MailUndo {
                account_id: account.to_string(),
                changes: vec![],
            });
        }
        if account == ARCHIVE_ACCOUNT {
            return action_push::apply_local(&self.store, account, &ids, action).await;
        }
        action_push::apply(&self.store, account, &ids, action).await
    }

    /// The id of `account`'s label that `name` names (its id, or its name in any of Gmail's
    /// forms).
    pub async fn label_id(&self, account: &str, name: &str) -> Result<String> {
        let (acc, n) = (account.to_string(), name.to_string());
        self.store
            .read(move |c| labels::find(c, &acc, &n))
            .await?
            .ok_or_else(|| LibreOllamaError::NotFound {
                what: format!(
                    "A label \"{name}\" in {account} (`libreollama mail labels` lists them; sync first if it is new)"
                ),
            })
    }

    /// What an action would change, changing nothing (`--dry-run`).
    pub async fn preview_action(
        &self,
        account: &str,
        ids: Vec<String>,
        action: &MailAction,
    ) -> Result<Vec<MessageChange>> {
        action_push::preview(&self.store, account, &ids, action).await
    }

    /// Takes an action back (the toast's Undo, `z`): see [`action_push::undo`].
    pub async fn undo(self: &Arc<Self>, undo: MailUndo) -> Result<()> {
        // It comes from the page (over HTTP in the web preview): bound what one call may do.
        if undo.changes.len() > MAX_MESSAGES {
            return Err(LibreOllamaError::InvalidInput(format!(
                "one undo takes back at most {MAX_MESSAGES} messages"
            )));
        }
        if undo
            .changes
            .iter()
            .any(|c| c.added.len() + c.removed.len() > MAX_LABELS)
        {
            return Err(LibreOllamaError::InvalidInput(format!(
                "one undo changes at most {MAX_LABELS} labels of a message"
            )));
        }
        let archive = undo.account_id == ARCHIVE_ACCOUNT;
        if !archive {
            let acc = undo.account_id.clone();
            let known = self
                .store
                .read(move |c| Ok(crate::store::accounts::signed_in(c)?.contains(&acc)))
                .await?;
            if !known {
                return Err(LibreOllamaError::NotFound {
                    what: format!("A signed-in account {}", undo.account_id),
                });
            }
        }
        let queued = action_push::undo(&self.store, &undo, !archive).await?;
        if queued {
            self.spawn_push(&undo.account_id);
        }
        Ok(())
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

    pub async fn status(&self) -> Result<SyncStatus> {
        let poll_minutes = self.poll_minutes().await?;
        let (pending, refused, last) = self
            .store
            .read(|c| {
                let (pending, _) = queue::counts(c, queue::Queue::MailActions, None)?;
                let refused = mail_actions::refused(c, 50)?;
                Ok((pending, refused, mail_sync::last_sync_unix(c)?))
            })
            .await?;
        let failed_changes = refused
            .into_iter()
            .map(|r| FailedChange {
                change: describe_change(&r.add, &r.remove),
                seq: r.seq,
                account_id: r.account_id,
                message_id: r.message_id,
                subject: r.subject,
                error: r.error,
            })
            .collect();
        Ok(SyncStatus {
            jobs: self.jobs.list(),
            offline: self
                .offline
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            pending_changes: pending,
            failed_changes,
            poll_minutes,
            last_sync_unix: last,
        })
    }

    /// The user has seen a refused change: forget it.
    pub async fn dismiss_failed(&self, seq: i64) -> Result<()> {
        self.store
            .write(move |c| mail_actions::dismiss_refused(c, seq))
            .await
    }
}

/// What no action may be: too large, a label both added and removed, spam in the archive.
fn check_action(account: &str, messages: usize, action: &MailAction) -> Result<()> {
    let bad = |why: String| Err(LibreOllamaError::InvalidInput(why));
    if messages > MAX_MESSAGES {
        return bad(format!(
            "one action applies to at most {MAX_MESSAGES} messages"
        ));
    }
    if let MailAction::Relabel { add, remove } = action {
        if add.len() + remove.len() > MAX_LABELS {
            return bad(format!(
                "one change adds and removes at most {MAX_LABELS} labels"
            ));
        }
        if let Some(both) = add.iter().find(|l| remove.contains(l)) {
            return bad(format!(
                "the label {both} is both added and removed: say one"
            ));
        }
    }
    if account == ARCHIVE_ACCOUNT && matches!(action, MailAction::MarkSpam | MailAction::NotSpam) {
        return bad("an imported archive has no spam folder (nothing is sent from it)".into());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_address() {
        assert_eq!(
            address_of("Ada Lovelace <Ada@Example.com>"),
            "ada@example.com"
        );
        assert_eq!(address_of("bob@example.com"), "bob@example.com");
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
