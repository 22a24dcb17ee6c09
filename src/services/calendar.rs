//! Calendar: the cache of Google Calendar, synced on the mail interval and on demand, read for
//! the month, week and day views and the agenda.

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::Result;
use crate::google::calendar::CalendarApi;
use crate::google::client::GoogleClient;
use crate::model::{EventEdit, EventScope, EventView};
use crate::store::{self, Store};
use crate::sync::calendar::{self as sync, CalendarReport};

pub struct CalendarService {
    store: Store,
    google: Arc<GoogleClient>,
    base: String,
    clock: Clock,
}

impl CalendarService {
    pub fn new(store: Store, google: Arc<GoogleClient>, base: String) -> Self {
        CalendarService {
            store,
            google,
            base,
            clock: Clock::system(),
        }
    }

    /// The same service reading time from `clock` (tests move it instead of sleeping).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn api(&self, account: &str) -> CalendarApi {
        CalendarApi::new(self.google.clone(), self.base.clone(), account)
    }

    /// Sends the changes made here, then brings Google's.
    pub async fn sync(&self, account: &str) -> Result<CalendarReport> {
        let api = self.api(account);
        let sent = sync::push(&self.store, &api, account, &self.clock).await?;
        let report = sync::sync(&self.store, &api, account).await?;
        Ok(CalendarReport { sent, ..report })
    }

    /// Sends the changes made here (not Google's back); how many reached Google.
    pub async fn push(&self, account: &str) -> Result<usize> {
        sync::push(&self.store, &self.api(account), account, &self.clock).await
    }

    /// A new event in `calendar` (shown at once, sent on the next sync).
    pub async fn create(&self, account: &str, calendar: &str, edit: &EventEdit) -> Result<String> {
        let edit = sync::checked(edit)?;
        let (a, c, now) = (
            account.to_string(),
            calendar.to_string(),
            self.clock.now_unix(),
        );
        self.store
            .transaction(move |tx| sync::create_local(tx, &a, &c, &edit, now))
            .await
    }

    /// Changes an event (or, for `EventScope::All`, its whole series): shown at once, sent on
    /// the next sync.
    pub async fn edit(
        &self,
        account: &str,
        calendar: &str,
        event: &str,
        edit: &EventEdit,
        scope: EventScope,
    ) -> Result<()> {
        let edit = sync::checked(edit)?;
        let (a, c, e) = (account.to_string(), calendar.to_string(), event.to_string());
        let now = self.clock.now_unix();
        self.store
            .transaction(move |tx| sync::edit_local(tx, &a, &c, &e, &edit, scope, now))
            .await
    }

    /// Deletes an event (or its whole series): gone here at once, at Google on the next sync.
    pub async fn delete(
        &self,
        account: &str,
        calendar: &str,
        event: &str,
        scope: EventScope,
    ) -> Result<()> {
        let (a, c, e) = (account.to_string(), calendar.to_string(), event.to_string());
        let now = self.clock.now_unix();
        self.store
            .transaction(move |tx| sync::delete_local(tx, &a, &c, &e, scope, now))
            .await
    }

    /// Answers an invitation (accepted, declined, tentative): shown at once, sent on the next sync.
    pub async fn rsvp(
        &self,
        account: &str,
        calendar: &str,
        event: &str,
        answer: &str,
    ) -> Result<()> {
        let (a, c, e, ans) = (
            account.to_string(),
            calendar.to_string(),
            event.to_string(),
            answer.to_string(),
        );
        let now = self.clock.now_unix();
        self.store
            .transaction(move |tx| sync::rsvp_local(tx, &a, &c, &e, &ans, now))
            .await
    }

    /// Signed-in accounts (an imported archive has no calendar).
    async fn accounts(&self) -> Result<Vec<String>> {
        self.store.read(store::accounts::signed_in).await
    }

    /// Every signed-in account; the first error after trying all.
    pub async fn sync_all(&self) -> Result<CalendarReport> {
        let mut total = CalendarReport::default();
        let mut first = None;
        for a in self.accounts().await? {
            match self.sync(&a).await {
                Ok(r) => {
                    total.calendars += r.calendars;
                    total.changed += r.changed;
                    total.removed += r.removed;
                    total.resynced += r.resynced;
                    total.sent += r.sent;
                }
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        match first {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    pub fn start_background(self: &Arc<Self>) {
        let me = self.clone();
        super::on_sync_interval(
            self.store.clone(),
            std::time::Duration::from_secs(8),
            move || {
                let me = me.clone();
                async move {
                    if let Err(e) = me.sync_all().await {
                        tracing::warn!(error = %e, "scheduled calendar sync failed");
                    }
                }
            },
        );
    }

    /// (account, calendar id, name) of every calendar one can add events to, primary first.
    pub async fn writable(&self) -> Result<Vec<(String, String, String)>> {
        self.store.read(store::calendar::writable).await
    }

    /// Events overlapping [from_ms, to_ms) for timed ones and the dates [from_date, to_date) for
    /// all-day ones, in start order.
    pub async fn between(
        &self,
        from_ms: i64,
        to_ms: i64,
        from_date: String,
        to_date: String,
    ) -> Result<Vec<EventView>> {
        self.store
            .read(move |c| store::calendar::between(c, from_ms, to_ms, &from_date, &to_date))
            .await
    }
}
