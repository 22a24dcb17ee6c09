//! Writing mail, as the command layer sees it: one front for [drafts](super::drafts), the
//! [outbox](super::outbox) and [snooze](super::snooze), and the background loop that runs all
//! three (due mail, woken conversations, drafts to Gmail) for as long as the app runs.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::Result;
use crate::model::{ComposeKind, DraftEdit, DraftView, OutboxItem, SnoozedThread};
use crate::services::drafts::DraftsService;
use crate::services::mail::MailService;
use crate::services::outbox::OutboxService;
use crate::services::snooze::SnoozeService;
use crate::store::Store;

pub use crate::services::outbox::{OutboxReport, DEFAULT_UNDO_SECONDS, UNDO_SECONDS};

pub struct ComposeService {
    store: Store,
    drafts: Arc<DraftsService>,
    outbox: Arc<OutboxService>,
    snooze: Arc<SnoozeService>,
    clock: Clock,
    /// Rung by a save, a queued mail, a snooze: the background loop looks again.
    wake: Arc<tokio::sync::Notify>,
    /// Each finished mail sync's account.
    synced: tokio::sync::broadcast::Sender<String>,
}

impl ComposeService {
    /// `clock` is the system clock in the app; tests move it instead of sleeping through undo
    /// windows, scheduled times and the pause before a draft goes to Gmail.
    pub fn new(store: Store, mail: Arc<MailService>, clock: Clock) -> Self {
        let wake = Arc::new(tokio::sync::Notify::new());
        let synced = mail.synced.clone();
        let drafts = Arc::new(DraftsService::new(
            store.clone(),
            mail.clone(),
            clock.clone(),
            wake.clone(),
        ));
        let outbox = Arc::new(OutboxService::new(
            store.clone(),
            mail.clone(),
            drafts.clone(),
            clock.clone(),
            wake.clone(),
        ));
        let snooze = Arc::new(SnoozeService::new(
            store.clone(),
            mail,
            clock.clone(),
            wake.clone(),
        ));
        ComposeService {
            store,
            drafts,
            outbox,
            snooze,
            clock,
            wake,
            synced,
        }
    }

    /// The clock drafts, the outbox and snooze read (every clone moves with it).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Accounts mail can be sent from now (signed in to Google).
    pub async fn senders(&self) -> Result<Vec<String>> {
        self.store.read(crate::store::accounts::signed_in).await
    }

    // ---- drafts ---------------------------------------------------------------------------

    pub async fn compose(
        &self,
        account: &str,
        kind: ComposeKind,
        message_id: Option<&str>,
    ) -> Result<DraftView> {
        self.drafts.compose(account, kind, message_id).await
    }

    pub async fn draft(&self, id: &str) -> Result<DraftView> {
        self.drafts.draft(id).await
    }

    pub async fn drafts(&self, account: Option<String>) -> Result<Vec<DraftView>> {
        self.drafts.drafts(account).await
    }

    pub async fn save(&self, id: &str, edit: DraftEdit) -> Result<DraftView> {
        self.drafts.save(id, edit).await
    }

    pub async fn delete_draft(&self, id: &str) -> Result<()> {
        self.drafts.delete_draft(id).await
    }

    pub async fn attach(
        &self,
        draft: &str,
        filename: &str,
        mime_type: &str,
        data: Vec<u8>,
    ) -> Result<DraftView> {
        self.drafts.attach(draft, filename, mime_type, data).await
    }

    pub async fn attach_path(&self, draft: &str, path: &std::path::Path) -> Result<DraftView> {
        self.drafts.attach_path(draft, path).await
    }

    pub async fn detach(&self, draft: &str, file: i64) -> Result<DraftView> {
        self.drafts.detach(draft, file).await
    }

    pub async fn suggest(&self, account: &str, prefix: &str, limit: usize) -> Result<Vec<String>> {
        self.drafts.suggest(account, prefix, limit).await
    }

    /// An editor opened, still has, or closed the draft (see [`DraftsService::editing`]).
    pub async fn draft_editing(&self, id: &str, open: bool) -> Result<()> {
        self.drafts.editing(id, open).await
    }

    /// Brings Gmail's Drafts here (made, changed or removed on another device).
    pub async fn pull_drafts(
        &self,
        account: &str,
    ) -> Result<crate::services::drafts::DraftsPulled> {
        self.drafts.pull_drafts(account).await
    }

    pub async fn push_drafts(&self, account: &str) -> Result<usize> {
        self.drafts.push_drafts(account).await
    }

    // ---- outbox ---------------------------------------------------------------------------

    pub async fn undo_seconds(&self) -> Result<u32> {
        self.outbox.undo_seconds().await
    }

    pub async fn set_undo_seconds(&self, s: u32) -> Result<()> {
        self.outbox.set_undo_seconds(s).await
    }

    pub async fn send(&self, draft: &str, at_ms: Option<i64>) -> Result<OutboxItem> {
        self.outbox.send(draft, at_ms).await
    }

    pub async fn undo(&self, outbox_id: &str) -> Result<DraftView> {
        self.outbox.undo(outbox_id).await
    }

    pub async fn send_now(&self, outbox_id: &str) -> Result<()> {
        self.outbox.send_now(outbox_id).await
    }

    pub async fn retry(&self, outbox_id: &str) -> Result<()> {
        self.outbox.retry(outbox_id).await
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.outbox.outbox().await
    }

    pub async fn outbox_item(&self, id: &str) -> Result<OutboxItem> {
        self.outbox.outbox_item(id).await
    }

    pub async fn process_due(&self) -> Result<OutboxReport> {
        self.outbox.process_due().await
    }

    pub async fn process_due_waiting(&self, account: &str) -> Result<OutboxReport> {
        self.outbox.process_due_waiting(account).await
    }

    // ---- snooze ---------------------------------------------------------------------------

    pub async fn snooze(&self, account: &str, thread_id: &str, wake_at_ms: i64) -> Result<()> {
        self.snooze.snooze(account, thread_id, wake_at_ms).await
    }

    pub async fn unsnooze(&self, account: &str, thread_id: &str) -> Result<()> {
        self.snooze.unsnooze(account, thread_id).await
    }

    pub async fn snoozed(&self) -> Result<Vec<SnoozedThread>> {
        self.snooze.snoozed().await
    }

    pub async fn wake_due(&self) -> Result<usize> {
        self.snooze.wake_due().await
    }

    // ---- background -----------------------------------------------------------------------

    /// One round: due mail, woken conversations, drafts to Gmail. Errors are logged (the
    /// items keep their state and the next round tries again).
    pub async fn tick(&self) {
        if let Err(e) = self.outbox.process_due().await {
            tracing::warn!(error = %e, "outbox pass failed");
        }
        if let Err(e) = self.snooze.wake_due().await {
            tracing::warn!(error = %e, "waking snoozed mail failed");
        }
        for a in self.senders().await.unwrap_or_default() {
            if let Err(e) = self.drafts.push_drafts(&a).await {
                tracing::info!(error = %e, "drafts wait for the next round");
            }
        }
    }

    /// Runs the outbox, snoozes and draft copies for as long as the app runs: at once (mail
    /// that came due while the app was closed goes now), then when something is due or
    /// changes, and at least every 30 s.
    pub fn start_background(self: &Arc<Self>) {
        // After each mail sync, Gmail's Drafts come here (drafts made or changed elsewhere).
        let (drafts, mut synced) = (self.drafts.clone(), self.synced.subscribe());
        tokio::spawn(async move {
            loop {
                let account = match synced.recv().await {
                    Ok(a) => a,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                if let Err(e) = drafts.push_drafts(&account).await {
                    tracing::info!(error = %e, "drafts wait for the next round");
                }
                match drafts.pull_drafts(&account).await {
                    Ok(r) if r != Default::default() => tracing::info!(?r, "drafts from Gmail"),
                    Ok(_) => {}
                    Err(e) => tracing::info!(error = %e, "Gmail's drafts were not read"),
                }
            }
        });
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.tick().await;
                let now = me.clock.now_ms();
                let next = [
                    me.outbox.next_due().await.ok().flatten(),
                    me.snooze.next_wake().await.ok().flatten(),
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
