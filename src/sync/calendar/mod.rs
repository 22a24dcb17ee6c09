//! Google Calendar into the local cache: the calendar list, then each calendar's events —
//! a full fetch (from a year back, recurring events as instances) the first time, then only
//! changes with the calendar's sync token. A token Google refuses (410 Gone) wipes that
//! calendar's cached events and fetches them again.
//!
//! Changes made here are in [`edits`] (applied to the cache at once and queued in the same
//! transaction) and reach Google through [`push`].

mod edits;
mod push;
mod split;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};
use crate::google::calendar::{popup_minutes, CalendarApi, GCalendar, GEvent};
use crate::store::calendar::{self as cache, CalendarRow, EventRow};
use crate::store::{calendar_ops, Store};

pub use edits::{checked, create_local, delete_local, edit_local, new_event_id, rsvp_local};
pub use push::push;

/// How far back a first fetch goes.
const HISTORY_DAYS: i64 = 365;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarReport {
    pub calendars: usize,
    pub changed: usize,
    pub removed: usize,
    /// Calendars fetched again because Google no longer accepted their sync token.
    pub resynced: usize,
    /// Changes made here that reached Google first.
    pub sent: usize,
}

/// Unix ms of a `dateTime` (it carries its offset, so this is the same instant anywhere).
fn instant(dt: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(dt)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// Google's `dateTime` (UTC) for Unix ms.
fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// What one event from Google does to the cache.
#[derive(Clone, Debug, PartialEq)]
pub enum EventChange {
    /// Cancelled at Google: gone here.
    Remove(String),
    Save(Box<EventRow>),
}

fn json_minutes(m: &[i64]) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "[]".into())
}

fn calendar_row(c: &GCalendar) -> CalendarRow {
    CalendarRow {
        google_id: c.id.clone(),
        summary: c.summary.clone(),
        time_zone: c.time_zone.clone(),
        color: c.background_color.clone(),
        primary: c.primary,
        access_role: c.access_role.clone(),
        default_reminders: json_minutes(&popup_minutes(&c.default_reminders)),
    }
}

/// Plans what Google's events do to the cache. `waiting`: events and series with a change
/// made here and not sent yet; Google's version of those is skipped.
pub fn plan_events(events: &[GEvent], waiting: &HashSet<String>) -> Result<Vec<EventChange>> {
    let mut plan = Vec::with_capacity(events.len());
    for e in events {
        // A change made here and not sent yet wins until it is sent (sync pushes first, so
        // this holds only while Google cannot be reached for the push).
        if waiting.contains(&e.id)
            || e.recurring_event_id
                .as_ref()
                .is_some_and(|s| waiting.contains(s))
        {
            continue;
        }
        if e.status.as_deref() == Some("cancelled") {
            plan.push(EventChange::Remove(e.id.clone()));
            continue;
        }
        let start = e.start.clone().unwrap_or_default();
        let end = e.end.clone().unwrap_or_default();
        let me = e.attendees.iter().find(|a| a.is_self);
        plan.push(EventChange::Save(Box::new(EventRow {
            google_id: e.id.clone(),
            recurring_event_id: e.recurring_event_id.clone(),
            summary: e.summary.clone().unwrap_or_default(),
            description: e.description.clone().unwrap_or_default(),
            location: e.location.clone().unwrap_or_default(),
            start_ms: start.date_time.as_deref().and_then(instant),
            end_ms: end.date_time.as_deref().and_then(instant),
            start_date: start.date,
            end_date: end.date,
            time_zone: start.time_zone,
            status: e.status.clone().unwrap_or_else(|| "confirmed".into()),
            self_response: me.and_then(|a| a.response_status.clone()),
            attendees: serde_json::to_string(&e.attendees).map_err(LibreOllamaError::json)?,
            html_link: e.html_link.clone(),
            etag: e.etag.clone(),
            updated: e.updated.clone(),
            reminder_minutes: e
                .reminders
                .as_ref()
                .filter(|r| !r.use_default)
                .map(|r| json_minutes(&popup_minutes(&r.overrides))),
        })));
    }
    Ok(plan)
}

/// Applies a page of Google's events to one calendar's cache: (changed, removed).
fn apply(
    c: &rusqlite::Connection,
    account: &str,
    calendar: &str,
    events: &[GEvent],
) -> Result<(usize, usize)> {
    let (mut changed, mut removed) = (0, 0);
    let waiting = calendar_ops::waiting_changes(c, account)?;
    for change in plan_events(events, &waiting)? {
        match change {
            EventChange::Remove(id) => removed += cache::remove_event(c, account, calendar, &id)?,
            EventChange::Save(row) => {
                cache::upsert_event(c, account, calendar, &row)?;
                changed += 1;
            }
        }
    }
    Ok((changed, removed))
}

/// Brings Google's calendars and events into the cache (it does not send the changes made
/// here: [`push`] does, and `CalendarService::sync` runs it first).
pub async fn sync(store: &Store, api: &CalendarApi, account: &str) -> Result<CalendarReport> {
    let mut report = CalendarReport::default();
    let list: Vec<CalendarRow> = api.calendars().await?.iter().map(calendar_row).collect();
    let acc = account.to_string();
    let tokens = store
        .transaction(move |tx| cache::replace_calendars(tx, &acc, &list))
        .await?;
    report.calendars = tokens.len();
    let since =
        chrono::DateTime::from_timestamp_millis(crate::clock::now_ms() - HISTORY_DAYS * 86_400_000)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
    for (cal, token) in tokens {
        let (changes, full) = match api.events(&cal, token.as_deref(), Some(&since)).await {
            Ok(c) => (c, token.is_none()),
            Err(LibreOllamaError::GoogleApi { status: 410, .. }) => {
                report.resynced += 1;
                (api.events(&cal, None, Some(&since)).await?, true)
            }
            Err(e) => return Err(e),
        };
        let (acc, cal2) = (account.to_string(), cal.clone());
        let (changed, removed) = store
            .transaction(move |tx| {
                if full {
                    // A full fetch is the whole truth: what it lacks is gone.
                    // Events made or changed here and not sent yet stay.
                    cache::clear_events_except_waiting(tx, &acc, &cal2)?;
                }
                let r = apply(tx, &acc, &cal2, &changes.events)?;
                cache::set_sync_token(tx, &acc, &cal2, changes.next_sync_token.as_deref())?;
                Ok(r)
            })
            .await?;
        report.changed += changed;
        report.removed += removed;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, status: &str, series: Option<&str>) -> GEvent {
        serde_json::from_value(serde_json::json!({
            "id": id, "status": status, "summary": "S", "recurringEventId": series,
            "start": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Paris"},
            "end": {"date": "2026-12-02"},
            "attendees": [{"email": "a@example.com", "self": true, "responseStatus": "tentative"}],
        }))
        .unwrap()
    }

    #[test]
    fn an_event_keeps_its_own_popup_reminders_or_takes_the_calendars() {
        let with = |reminders: serde_json::Value| {
            let mut e = serde_json::to_value(ev("e", "confirmed", None)).unwrap();
            e["reminders"] = reminders;
            let e: GEvent = serde_json::from_value(e).unwrap();
            match &plan_events(&[e], &HashSet::new()).unwrap()[0] {
                EventChange::Save(row) => row.reminder_minutes.clone(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(with(serde_json::json!({"useDefault": true})), None);
        assert_eq!(with(serde_json::Value::Null), None);
        assert_eq!(
            with(serde_json::json!({"useDefault": false, "overrides": [
                {"method": "email", "minutes": 1440},
                {"method": "popup", "minutes": 30},
                {"method": "popup", "minutes": 5},
                {"method": "popup", "minutes": 5},
                {"method": "popup", "minutes": -3},
            ]}))
            .as_deref(),
            Some("[5,30]")
        );
        assert_eq!(
            with(serde_json::json!({"useDefault": false})).as_deref(),
            Some("[]"),
            "no reminders at all"
        );
        let cal: GCalendar = serde_json::from_value(serde_json::json!({
            "id": "primary",
            "defaultReminders": [{"method": "popup", "minutes": 10}, {"method": "email", "minutes": 60}],
        }))
        .unwrap();
        assert_eq!(calendar_row(&cal).default_reminders, "[10]");
    }

    #[test]
    fn the_plan_skips_what_waits_here_and_removes_what_google_cancelled() {
        let waiting = HashSet::from(["mine".to_string(), "series".to_string()]);
        let plan = plan_events(
            &[
                ev("mine", "confirmed", None),
                ev("instance", "confirmed", Some("series")),
                ev("gone", "cancelled", None),
                ev("theirs", "confirmed", None),
            ],
            &waiting,
        )
        .unwrap();
        assert_eq!(plan.len(), 2, "{plan:?}");
        assert_eq!(plan[0], EventChange::Remove("gone".into()));
        let EventChange::Save(row) = &plan[1] else {
            panic!("{plan:?}")
        };
        assert_eq!(row.google_id, "theirs");
        assert_eq!(row.start_ms, instant("2026-12-01T08:00:00Z"));
        assert_eq!(row.end_date.as_deref(), Some("2026-12-02"));
        assert_eq!(row.time_zone.as_deref(), Some("Europe/Paris"));
        assert_eq!(row.self_response.as_deref(), Some("tentative"));
        assert_eq!(row.status, "confirmed");
    }
}
