//! Server functions for the calendar: events in a range, sync, and edits sent in the background.

use dioxus::prelude::*;

#[cfg(feature = "server")]
use super::host;
use super::ApiResult;
use crate::model::{EventEdit, EventScope, EventView};

/// Events in a range: timed ones overlapping [from_ms, to_ms), all-day ones the dates
/// [from_date, to_date).
#[post("/api/calendar/range")]
pub async fn calendar_range(
    from_ms: i64,
    to_ms: i64,
    from_date: String,
    to_date: String,
) -> ApiResult<Vec<EventView>> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .calendar
            .between(from_ms, to_ms, from_date, to_date)
            .await?)
    })
    .await
}

/// Syncs every signed-in account's calendars; returns how many events changed.
#[post("/api/calendar/sync")]
pub async fn calendar_sync() -> ApiResult<usize> {
    host::guarded(async move {
        let r = host::services().await?.calendar.sync_all().await?;
        Ok(r.changed + r.removed)
    })
    .await
}

/// Calendars one can add events to: (account, calendar id, name), primary first.
#[get("/api/calendar/writable")]
pub async fn calendar_writable() -> ApiResult<Vec<(String, String, String)>> {
    host::guarded(async move { Ok(host::services().await?.calendar.writable().await?) }).await
}

/// Sends the calendar queue of `account` in the background (a failure waits for the next sync).
#[cfg(feature = "server")]
fn push_soon(s: &std::sync::Arc<crate::services::AppServices>, account: String) {
    let cal = s.calendar.clone();
    tokio::spawn(async move {
        if let Err(e) = cal.sync(&account).await {
            tracing::info!(error = %e, "the calendar change waits for the next sync");
        }
    });
}

/// A new event, shown at once and sent to Google in the background.
#[post("/api/calendar/create")]
pub async fn calendar_create(
    account: String,
    calendar: String,
    edit: EventEdit,
) -> ApiResult<String> {
    host::guarded(async move {
        let s = host::services().await?;
        let id = s.calendar.create(&account, &calendar, &edit).await?;
        push_soon(&s, account);
        Ok(id)
    })
    .await
}

/// Changes an event (or its whole series), shown at once and sent in the background.
#[post("/api/calendar/edit")]
pub async fn calendar_edit(
    account: String,
    calendar: String,
    event: String,
    edit: EventEdit,
    scope: EventScope,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        s.calendar
            .edit(&account, &calendar, &event, &edit, scope)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}

/// Deletes an event (or its whole series), gone at once and at Google in the background.
#[post("/api/calendar/delete")]
pub async fn calendar_delete(
    account: String,
    calendar: String,
    event: String,
    scope: EventScope,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        s.calendar
            .delete(&account, &calendar, &event, scope)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}

/// Answers an invitation (accepted, declined, tentative); sent in the background.
#[post("/api/calendar/rsvp")]
pub async fn calendar_rsvp(
    account: String,
    calendar: String,
    event: String,
    answer: String,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        s.calendar
            .rsvp(&account, &calendar, &event, &answer)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}
