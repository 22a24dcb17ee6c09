//! Snooze: a conversation leaves the inbox (here and at Gmail) until its time, and comes back
//! then, also after a restart or from another process.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::{LibreOllamaError, Result};
use crate::model::{MailAction, SnoozedThread};
use crate::services::mail::MailService;
use crate::store::{snooze, Store};

pub struct SnoozeService {
    store: Store,
    mail: Arc<MailService>,
    clock: Clock,
    /// Rings the background loop (a new wake-up time).
    wake: Arc<tokio::sync::Notify>,
}

impl SnoozeService {
    pub fn new(
        store: Store,
        mail: Arc<MailService>,
        clock: Clock,
        wake: Arc<tokio::sync::Notify>,
    ) -> Self {
        SnoozeService {
            store,
            mail,
            clock,
            wake,
        }
    }

    /// Hides a conversation from the inbox until `wake_at_ms` (INBOX removed at once here and
    /// at Gmail; put back when due, also after a restart).
    pub async fn snooze(&self, account: &str, thread_id: &str, wake_at_ms: i64) -> Result<()> {
        if wake_at_ms <= self.clock.now_ms() {
            return Err(LibreOllamaError::InvalidInput(
                "the wake-up time is in the past: pick a later one".into(),
            ));
        }
        let (acc, tid, now) = (
            account.to_string(),
            thread_id.to_string(),
            self.clock.now_unix(),
        );
        let ids: Vec<String> = self
            .store
            .transaction(move |tx| {
                if !snooze::put(tx, &acc, &tid, wake_at_ms, now)? {
                    return Err(LibreOllamaError::NotFound {
                        what: "This conversation in the local cache".into(),
                    });
                }
                snooze::thread_messages(tx, &acc, &tid)
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
                snooze::mark_waking(tx, &acc, &tid)?;
                snooze::thread_messages(tx, &acc, &tid)
            })
            .await?;
        self.mail.act(account, ids, MailAction::MoveToInbox).await?;
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        self.store
            .write(move |c| snooze::remove(c, &acc, &tid))
            .await
    }

    pub async fn snoozed(&self) -> Result<Vec<SnoozedThread>> {
        self.store.read(snooze::list).await
    }

    /// Puts every conversation whose time has come back in the inbox. Returns how many.
    pub async fn wake_due(&self) -> Result<usize> {
        let now = self.clock.now_ms();
        let due = self.store.read(move |c| snooze::due(c, now)).await?;
        for (a, t) in &due {
            self.unsnooze(a, t).await?;
        }
        Ok(due.len())
    }

    /// When the next snoozed conversation wakes (unix ms).
    pub(crate) async fn next_wake(&self) -> Result<Option<i64>> {
        self.store.read(snooze::next_wake).await
    }
}
