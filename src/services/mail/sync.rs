//! The mail jobs: syncing an account (its queued label changes first), downloading bodies for
//! offline reading, sending label changes, the scheduled sync, and importing an archive. The
//! app runs them as named jobs; the terminal awaits the same functions.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::MailService;
use crate::error::{LibreOllamaError, Result};
use crate::mail::import::ImportReport;
use crate::model::{AccountStatus, JobKind};
use crate::sync::gmail::SyncReport;
use crate::sync::mail_actions::{self, PushReport};
use crate::sync::progress::Progress;

/// Bodies downloaded in the background after each sync (newest first).
const BACKFILL_PER_RUN: usize = 200;

/// How one account's sync runs.
#[derive(Debug, Default)]
pub struct SyncOptions {
    /// Messages per page of a full sync (each page is stored with its cursor); the engine's
    /// default if None.
    pub page_size: Option<u32>,
    /// Counts the messages stored (a job's progress).
    pub progress: Option<Arc<Progress>>,
}

/// What syncing one account did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSync {
    /// The queued label changes sent first (None if sending them failed; they stay queued).
    pub pushed: Option<PushReport>,
    pub sync: SyncReport,
}

fn push_summary(p: &PushReport) -> String {
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

impl MailService {
    /// The accounts a sync of "all accounts" covers: every active one.
    pub async fn active_accounts(&self) -> Result<Vec<String>> {
        Ok(self
            .auth
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| a.status == AccountStatus::Active)
            .map(|a| a.id)
            .collect())
    }

    /// Syncs one account now and waits: its queued label changes go first (so the sync that
    /// follows sees them on the server), then Gmail's changes come in. The app's sync job and
    /// `libreollama mail sync` both run this.
    pub async fn sync_account(
        &self,
        account: &str,
        options: SyncOptions,
        cancel: &CancellationToken,
    ) -> Result<AccountSync> {
        let pushed = self.push_now(account).await;
        if let Err(e) = &pushed {
            tracing::warn!(account, error = %e, "queued mail changes could not be sent before the sync");
        }
        let mut sync = self.syncer(account);
        if let Some(n) = options.page_size {
            sync.page_size = n;
        }
        if let Some(p) = options.progress {
            sync.progress = p;
        }
        let r = sync.run(cancel).await;
        self.note_outcome(&r);
        Ok(AccountSync {
            pushed: pushed.ok(),
            sync: r?,
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
                None => this.active_accounts().await?,
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
        let Some(job) = self.jobs.start_kind(
            JobKind::MailSync,
            account,
            Some(account),
            format!("Syncing {email}"),
        ) else {
            return Ok(None);
        };
        let id = job.id;
        let this = self.clone();
        let account = account.to_string();
        tokio::spawn(async move {
            let options = SyncOptions {
                progress: Some(job.progress.clone()),
                ..Default::default()
            };
            let r = this.sync_account(&account, options, &job.cancel).await;
            let ok = r.is_ok();
            job.finish(r.map(|r| {
                let r = r.sync;
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
                let _ = this.synced.send(account.clone());
                if let Err(e) = this.refresh_signature(&account).await {
                    tracing::info!(account = %account, error = %e, "the signature was not read from Gmail");
                }
                this.spawn_backfill(&account);
            }
        });
        Ok(Some(id))
    }

    fn spawn_backfill(self: &Arc<Self>, account: &str) {
        let Some(job) = self.jobs.start_kind(
            JobKind::MailBodies,
            account,
            Some(account),
            "Downloading message bodies",
        ) else {
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

    /// Sends the queued changes of `account` now and waits (the terminal, which exits after).
    /// Waits for any other pass sending this account's changes, here or in another process.
    pub async fn push_now(&self, account: &str) -> Result<PushReport> {
        let r = mail_actions::push(&self.store, &self.gmail(account), account).await;
        self.note_outcome(&r);
        r
    }

    pub(super) fn spawn_push(self: &Arc<Self>, account: &str) {
        // The request flag and job start/finish are serialized by `push_requests`: a change
        // queued while a push job is finishing is either seen by that job or starts a new one.
        let mut requests = self.push_requests.lock().unwrap_or_else(|e| e.into_inner());
        requests.insert(account.to_string());
        let Some(job) = self.jobs.start_kind(
            JobKind::MailPush,
            account,
            Some(account),
            "Sending changes to Gmail",
        ) else {
            return;
        };
        drop(requests);
        let account = account.to_string();
        let this = self.clone();
        tokio::spawn(async move {
            let mut total = PushReport::default();
            loop {
                this.push_requests
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&account);
                let r = this.push_now(&account).await;
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

    /// Syncs every account now and then every `poll_minutes` (re-read each round).
    pub fn start_polling(self: &Arc<Self>) {
        let this = self.clone();
        crate::services::on_sync_interval(self.store.clone(), Duration::from_secs(2), move || {
            let this = this.clone();
            async move {
                if let Ok(Err(e)) = this.sync_now(None).await {
                    tracing::warn!(error = %e, "scheduled mail sync could not start");
                }
            }
        });
    }

    /// Imports an mbox, a maildir or a folder of .eml files into the local archive, calling
    /// `progress(messages so far)` after each stored batch.
    pub async fn import_archive(
        &self,
        path: &Path,
        progress: impl Fn(usize),
    ) -> Result<ImportReport> {
        crate::mail::import::import_path(&self.store, path, progress).await
    }

    /// Imports an archive as a job (progress and Cancel in the activity panel); its id. The
    /// job's outcome names the messages that could not be read, as the CLI lists them.
    pub fn start_import(self: &Arc<Self>, path: PathBuf) -> Result<u64> {
        crate::mail::import::check_source(&path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        let Some(job) = self.jobs.start_kind(
            JobKind::MailImport,
            &path.to_string_lossy(),
            None,
            format!("Importing {name}"),
        ) else {
            return Err(LibreOllamaError::InvalidInput(format!(
                "{name} is being imported already (see Activity)"
            )));
        };
        let id = job.id;
        let store = self.store.clone();
        tokio::spawn(async move {
            let (progress, cancel) = (job.progress.clone(), job.cancel.clone());
            let r = crate::mail::import::import_path_until(&store, &path, |n| {
                progress.set_done(n as u64);
                !cancel.is_cancelled()
            })
            .await;
            match r {
                Ok(r) if r.stopped => job.finish_cancelled(import_outcome(&name, &r)),
                Ok(r) => job.finish(Ok(import_outcome(&name, &r))),
                Err(e) => job.finish(Err(e)),
            }
        });
        Ok(id)
    }
}

/// The import job's outcome in a sentence or two: how many, and the first messages that could
/// not be read (kept as raw text) or attachments not kept.
fn import_outcome(name: &str, r: &ImportReport) -> String {
    let count = |n: usize| {
        if n == 1 {
            "1 message".to_string()
        } else {
            format!("{n} messages")
        }
    };
    let mut out = if r.stopped {
        format!(
            "Stopped after {} from {name}; those stay in the archive.",
            count(r.imported)
        )
    } else {
        format!("Imported {} from {name}.", count(r.imported))
    };
    let mut notes = |what: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        let shown: Vec<&str> = items
            .iter()
            .take(5)
            .map(|i| i.trim_end_matches('.'))
            .collect();
        out.push_str(&format!(" {what} ({}): {}", items.len(), shown.join("; ")));
        if items.len() > 5 {
            out.push_str(&format!("; and {} more", items.len() - 5));
        }
        out.push('.');
    };
    notes("Kept as raw text, could not be read", &r.malformed);
    notes("Attachments not kept", &r.skipped_parts);
    out
}
