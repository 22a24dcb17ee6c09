//! The outbox: undo send, scheduled send, retries, and every mail sent exactly once, whichever
//! process (the app, a second window, the terminal) runs the pass.
//!
//! Exactly once: a mail gets its Message-ID when it enters the outbox. A pass holds the
//! outbox's pusher lock for the account and claims each due mail with a lease (the queue
//! engine, [`Queue::Outbox`]); the claim marks it `sending` before the request. A mail taken
//! over from a pass that never finished (a crash, a kill, a lost answer) is looked up in Gmail
//! by that Message-ID before it is sent again.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::messages::ListParams;
use crate::google::gmail::Gmail;
use crate::mail::compose;
use crate::model::{DraftView, OutboxItem};
use crate::services::drafts::DraftsService;
use crate::services::mail::MailService;
use crate::store::locks::PusherLock;
use crate::store::outbox::{self, TakeBack};
use crate::store::queue::{self, Claim, Queue, LEASE_MS};
use crate::store::{new_id, settings, Store};

pub const UNDO_SECONDS: &str = "mail.undo_seconds";
pub const DEFAULT_UNDO_SECONDS: u32 = 10;

/// Waits after the n-th failed try (a claim counts as a try, so the first wait is 30 s): 30 s,
/// 1 min, 2 min … up to 30 min.
fn backoff_ms(attempts: i64) -> i64 {
    (15_000i64 << attempts.clamp(0, 7)).min(30 * 60_000)
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

pub struct OutboxService {
    store: Store,
    mail: Arc<MailService>,
    drafts: Arc<DraftsService>,
    clock: Clock,
    /// Rings the background loop (a mail queued, or made due now).
    wake: Arc<tokio::sync::Notify>,
    /// How long after a dead pass's last sign of life its mail is taken over (and Gmail's
    /// Sent searched for it): a request cut off mid-way may still be landing, and Gmail's
    /// search shows a sent mail a little later.
    settle_ms: i64,
}

/// Gmail said no (a 4xx), or the mail could not be built: it was not sent, and sending it again
/// as it is would fail again.
fn refused_for_good(e: &LibreOllamaError) -> bool {
    match e {
        LibreOllamaError::GoogleApi { status, .. } => (400..500).contains(status),
        LibreOllamaError::InvalidInput(_) | LibreOllamaError::Config(_) => true,
        _ => false,
    }
}

/// The default settle time; `LIBREOLLAMA_OUTBOX_SETTLE_MS` changes it (tests that kill a
/// sending process set 0, as their emulator answers at once).
const SETTLE_MS: i64 = 30_000;

impl OutboxService {
    pub fn new(
        store: Store,
        mail: Arc<MailService>,
        drafts: Arc<DraftsService>,
        clock: Clock,
        wake: Arc<tokio::sync::Notify>,
    ) -> Self {
        let settle_ms = std::env::var("LIBREOLLAMA_OUTBOX_SETTLE_MS")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|v| *v >= 0)
            .unwrap_or(SETTLE_MS);
        OutboxService {
            store,
            mail,
            drafts,
            clock,
            wake,
            settle_ms,
        }
    }

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
        let d = self.drafts.draft(draft).await?;
        if d.account_id == crate::model::ARCHIVE_ACCOUNT {
            return Err(LibreOllamaError::InvalidInput(
                "this draft answers mail in an imported archive, which has no server to send from: \
                 copy the text into a new mail from a Google account"
                    .into(),
            ));
        }
        let now = self.clock.now_ms();
        if let Some(at) = at_ms {
            if at <= now {
                return Err(LibreOllamaError::InvalidInput(
                    "the time to send is in the past: pick a later one".into(),
                ));
            }
        }
        let from = self.drafts.sender(&d.account_id).await?;
        let message_id = compose::new_message_id(&from.email);
        let raw = self.drafts.build(&d, &message_id, true).await?;
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
        let now_unix = self.clock.now_unix();
        let item = self
            .store
            .transaction(move |tx| {
                outbox::enqueue(
                    tx,
                    &outbox::NewMail {
                        id: &id,
                        account_id: &d.account_id,
                        draft_id: &d.id,
                        message_id: &message_id,
                        thread_id: d.thread_id.as_deref(),
                        raw: &raw,
                        to_summary: &to_summary,
                        subject: &d.subject,
                        send_at_ms: send_at,
                        scheduled: at_ms.is_some(),
                    },
                    now_unix,
                )
            })
            .await?;
        tracing::info!(outbox = %item.id, scheduled = item.scheduled, "mail queued");
        self.wake.notify_one();
        Ok(item)
    }

    /// Pulls a mail back out of the outbox into the editor: within the undo window, or any
    /// time before a scheduled mail goes, or after Gmail refused it. Not once a pass holds it
    /// (or a try may have reached Gmail): then it is going, and the draft stays in the outbox.
    pub async fn undo(&self, outbox_id: &str) -> Result<DraftView> {
        let (id, now) = (outbox_id.to_string(), self.clock.now_ms());
        let back = self
            .store
            .transaction(move |tx| outbox::take_back(tx, &id, now))
            .await?;
        match back {
            TakeBack::Draft(draft) => self.drafts.draft(&draft).await,
            TakeBack::AlreadyGoing => Err(LibreOllamaError::InvalidInput(
                "This mail is already being sent; it can no longer be undone.".into(),
            )),
            TakeBack::AlreadySent => Err(LibreOllamaError::InvalidInput(
                "this mail has already been sent".into(),
            )),
            TakeBack::NoDraft => Err(LibreOllamaError::NotFound {
                what: "The draft of this mail".into(),
            }),
            TakeBack::Missing => Err(LibreOllamaError::NotFound {
                what: "This mail in the outbox".into(),
            }),
        }
    }

    /// Ends the undo window now ("Send now"): the next pass sends it.
    pub async fn send_now(&self, outbox_id: &str) -> Result<()> {
        let (id, now) = (outbox_id.to_string(), self.clock.now_ms());
        self.store
            .write(move |c| outbox::send_now(c, &id, now))
            .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Tries a failed (or waiting-for-retry) mail again now.
    pub async fn retry(&self, outbox_id: &str) -> Result<()> {
        let id = outbox_id.to_string();
        self.store.write(move |c| outbox::retry(c, &id)).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The outbox: everything not sent yet, and what was sent in the last day.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let since = self.clock.now_unix() - 24 * 3600;
        self.store.read(move |c| outbox::list(c, since)).await
    }

    pub async fn outbox_item(&self, id: &str) -> Result<OutboxItem> {
        let id = id.to_string();
        self.store
            .read(move |c| {
                outbox::get(c, &id)?.ok_or_else(|| LibreOllamaError::NotFound {
                    what: "This mail in the outbox".into(),
                })
            })
            .await
    }

    /// Sends what is due now, account by account. An account whose mail another pass (here or
    /// in another process) is sending is left to it. Offline or Gmail busy: the mail waits
    /// (back-off) and the pass goes on with the others; refused: failed, with Gmail's reason.
    pub async fn process_due(&self) -> Result<OutboxReport> {
        let now = self.clock.now_ms();
        let accounts = self
            .store
            .read(move |c| outbox::due_accounts(c, now))
            .await?;
        let mut report = OutboxReport::default();
        // One account's trouble (a database error, a lock file it cannot open) must not hold
        // back the others' mail: each is tried, and the first error is reported after.
        let mut first_error = None;
        for account in accounts {
            let outcome = match PusherLock::try_acquire(
                self.store.data_dir(),
                Queue::Outbox,
                &account,
            ) {
                Ok(Some(_lock)) => self.pass(&account, &mut report).await,
                Ok(None) => {
                    tracing::debug!(account = %account, "another pass is sending this account's mail");
                    Ok(())
                }
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                tracing::warn!(account = %account, error = %e, "the outbox pass for an account stopped");
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) if report == OutboxReport::default() => Err(e),
            _ => Ok(report),
        }
    }

    /// Sends what is due for `account`, waiting for any other pass on it first: for the
    /// terminal's `mail send`, which must not end before its mail went (or was given up).
    pub async fn process_due_waiting(&self, account: &str) -> Result<OutboxReport> {
        let (dir, acc) = (self.store.data_dir().to_path_buf(), account.to_string());
        let _lock =
            tokio::task::spawn_blocking(move || PusherLock::acquire(&dir, Queue::Outbox, &acc))
                .await
                .map_err(|e| {
                    LibreOllamaError::Internal(format!("waiting for the outbox: {e}"))
                })??;
        let mut report = OutboxReport::default();
        self.pass(account, &mut report).await?;
        Ok(report)
    }

    /// One account's pass, under its pusher lock: every due mail claimed and sent in turn.
    async fn pass(&self, account: &str, report: &mut OutboxReport) -> Result<()> {
        let owner = queue::new_owner();
        let gmail = self.mail.gmail(account);
        // Under the lock no other pass is sending this account's mail: a claim still held is
        // a dead pass's, taken over now rather than after its lease.
        let (acc, now, settle) = (account.to_string(), self.clock.now_ms(), self.settle_ms);
        self.store
            .write(move |c| queue::end_dead_leases(c, Queue::Outbox, &acc, now, settle))
            .await?;
        let mut seen = HashSet::new();
        loop {
            let (acc, o, now) = (account.to_string(), owner.clone(), self.clock.now_ms());
            let claimed = self
                .store
                .write(move |c| outbox::claim_next(c, &acc, &o, now))
                .await?;
            let Some((claim, mail)) = claimed else {
                return Ok(());
            };
            if !seen.insert(claim.rowid) {
                // Back already (a lost lease): leave it for the next pass.
                let o = owner.clone();
                self.store
                    .write(move |c| queue::release(c, Queue::Outbox, claim.rowid, &o))
                    .await?;
                return Ok(());
            }
            self.send_one(&gmail, &owner, &claim, &mail, report).await?;
        }
    }

    async fn send_one(
        &self,
        gmail: &Gmail,
        owner: &str,
        claim: &Claim,
        mail: &outbox::Outgoing,
        report: &mut OutboxReport,
    ) -> Result<()> {
        // A try began before (crash, lost answer, timeout): did it reach Gmail?
        if claim.taken_over {
            match self.find_sent(gmail, &mail.message_id).await {
                Ok(Some(gid)) => {
                    self.mark_sent(claim, owner, &gid, false).await?;
                    report.found_sent += 1;
                    return Ok(());
                }
                Ok(None) => {}
                Err(e) => {
                    self.later(claim, owner, &mail.id, &e).await?;
                    report.waiting += 1;
                    return Ok(());
                }
            }
        }
        let result = self.deliver_holding(gmail, mail, claim.rowid, owner).await;
        self.mail.note_outcome(&result);
        match result {
            Ok((gid, draft_went)) => {
                self.mark_sent(claim, owner, &gid, draft_went).await?;
                report.sent += 1;
            }
            // Anything but a clear refusal may have reached Gmail (an answer cut off or not
            // understood): it waits in doubt, and the next try looks in Sent first.
            Err(e) if e.retry_later() || !refused_for_good(&e) => {
                self.later(claim, owner, &mail.id, &e).await?;
                report.waiting += 1;
            }
            Err(e) => {
                tracing::warn!(outbox = %mail.id, error = %e, "Gmail refused a mail");
                let (o, msg, rowid) = (owner.to_string(), e.to_string(), claim.rowid);
                self.store
                    .write(move |c| queue::fail(c, Queue::Outbox, rowid, &o, &msg))
                    .await?;
                report.failed += 1;
            }
        }
        Ok(())
    }

    /// [`Self::deliver`], renewing the lease while the request runs (a large mail on a slow
    /// line can take longer than one lease).
    async fn deliver_holding(
        &self,
        gmail: &Gmail,
        mail: &outbox::Outgoing,
        rowid: i64,
        owner: &str,
    ) -> Result<(String, bool)> {
        let deliver = self.deliver(
            gmail,
            &mail.raw,
            mail.thread_id.as_deref(),
            mail.gmail_draft_id.as_deref(),
        );
        tokio::pin!(deliver);
        let every = Duration::from_millis((LEASE_MS / 3) as u64);
        loop {
            tokio::select! {
                r = &mut deliver => return r,
                _ = tokio::time::sleep(every) => {
                    let (o, now) = (owner.to_string(), self.clock.now_ms());
                    match self
                        .store
                        .write(move |c| queue::renew(c, Queue::Outbox, rowid, &o, now))
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(outbox = %mail.id, "lost the claim on a mail being sent"),
                        Err(e) => tracing::warn!(outbox = %mail.id, error = %e, "renewing a claim failed"),
                    }
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

    /// Not now: tried again after the back-off. The try may have reached Gmail (an answer
    /// lost, a timeout), so the mail stays `sending` and the next try looks first.
    async fn later(
        &self,
        claim: &Claim,
        owner: &str,
        id: &str,
        e: &LibreOllamaError,
    ) -> Result<()> {
        let (o, msg, rowid) = (owner.to_string(), e.to_string(), claim.rowid);
        let next = self.clock.now_ms() + backoff_ms(claim.attempts);
        tracing::info!(outbox = %id, error = %msg, "mail waits for the next try");
        self.store
            .write(move |c| queue::retry_later_maybe_sent(c, Queue::Outbox, rowid, &o, &msg, next))
            .await?;
        Ok(())
    }

    /// Recorded as sent; the draft it came from is done (its Gmail copy removed too, unless it
    /// was sent through it).
    async fn mark_sent(
        &self,
        claim: &Claim,
        owner: &str,
        gmail_id: &str,
        draft_went: bool,
    ) -> Result<()> {
        let (o, gid, rowid, now) = (
            owner.to_string(),
            gmail_id.to_string(),
            claim.rowid,
            self.clock.now_unix(),
        );
        let ours = self
            .store
            .transaction(move |tx| outbox::mark_sent(tx, rowid, &o, &gid, draft_went, now))
            .await?;
        if ours {
            tracing::info!(gmail_id = %gmail_id, "mail sent");
        } else {
            tracing::warn!(gmail_id = %gmail_id, "mail sent, but another pass had taken it over: it finds it in Gmail");
        }
        Ok(())
    }

    /// When the outbox next needs attention (unix ms), if ever.
    pub(crate) async fn next_due(&self) -> Result<Option<i64>> {
        self.store.read(outbox::next_due).await
    }
}
