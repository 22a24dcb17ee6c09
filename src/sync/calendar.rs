//! Google Calendar into the local cache: the calendar list, then each calendar's events —
//! a full fetch (from a year back, recurring events as instances) the first time, then only
//! changes with the calendar's sync token. A token Google refuses (410 Gone) wipes that
//! calendar's cached events and fetches them again.

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};
use crate::google::calendar::{CalendarApi, GEvent};
use crate::model::EventView;
use crate::store::Store;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// How far back a first fetch goes.
const HISTORY_DAYS: i64 = 365;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarReport {
    pub calendars: usize,
    pub changed: usize,
    pub removed: usize,
    /// Calendars fetched again because Google no longer accepted their sync token.
    pub resynced: usize,
}

/// Unix ms of a `dateTime` (it carries its offset, so this is the same instant anywhere).
fn instant(dt: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(dt)
        .ok()
        .map(|d| d.timestamp_millis())
}

fn apply(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    events: &[GEvent],
) -> Result<(usize, usize)> {
    let (mut changed, mut removed) = (0, 0);
    for e in events {
        if e.status.as_deref() == Some("cancelled") {
            removed += tx
                .execute(
                    "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND google_id = ?3",
                    params![account, calendar, e.id],
                )
                .map_err(db("saving events"))?;
            continue;
        }
        let start = e.start.clone().unwrap_or_default();
        let end = e.end.clone().unwrap_or_default();
        let me = e.attendees.iter().find(|a| a.is_self);
        tx.execute(
            "INSERT INTO calendar_events (account_id, calendar_id, google_id, recurring_event_id, summary, description, location, \
               start_ms, end_ms, start_date, end_date, time_zone, status, self_response, attendees, html_link, etag, updated) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
             ON CONFLICT(account_id, calendar_id, google_id) DO UPDATE SET \
               recurring_event_id = excluded.recurring_event_id, summary = excluded.summary, description = excluded.description, \
               location = excluded.location, start_ms = excluded.start_ms, end_ms = excluded.end_ms, start_date = excluded.start_date, \
               end_date = excluded.end_date, time_zone = excluded.time_zone, status = excluded.status, self_response = excluded.self_response, \
               attendees = excluded.attendees, html_link = excluded.html_link, etag = excluded.etag, updated = excluded.updated",
            params![
                account,
                calendar,
                e.id,
                e.recurring_event_id,
                e.summary.clone().unwrap_or_default(),
                e.description.clone().unwrap_or_default(),
                e.location.clone().unwrap_or_default(),
                start.date_time.as_deref().and_then(instant),
                end.date_time.as_deref().and_then(instant),
                start.date,
                end.date,
                start.time_zone,
                e.status.clone().unwrap_or_else(|| "confirmed".into()),
                me.and_then(|a| a.response_status.clone()),
                serde_json::to_string(&e.attendees).map_err(LibreOllamaError::json)?,
                e.html_link,
                e.etag,
                e.updated,
            ],
        )
        .map_err(db("saving events"))?;
        changed += 1;
    }
    Ok((changed, removed))
}

pub async fn sync(store: &Store, api: &CalendarApi, account: &str) -> Result<CalendarReport> {
    let mut report = CalendarReport::default();
    let cals = api.calendars().await?;
    let acc = account.to_string();
    let list = cals.clone();
    let tokens: Vec<(String, Option<String>)> = store
        .transaction(move |tx| {
            let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
            let mut st = tx
                .prepare("SELECT google_id FROM calendars WHERE account_id = ?1")
                .map_err(db("saving calendars"))?;
            let known: Vec<String> = st
                .query_map([&acc], |r| r.get(0))
                .map_err(db("saving calendars"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(db("saving calendars"))?;
            drop(st);
            for k in known {
                if !ids.contains(&k.as_str()) {
                    tx.execute("DELETE FROM calendars WHERE account_id = ?1 AND google_id = ?2", params![acc, k])
                        .map_err(db("saving calendars"))?;
                }
            }
            for c in &list {
                tx.execute(
                    "INSERT INTO calendars (account_id, google_id, summary, time_zone, color, is_primary, access_role) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT(account_id, google_id) DO UPDATE SET summary = excluded.summary, time_zone = excluded.time_zone, \
                       color = excluded.color, is_primary = excluded.is_primary, access_role = excluded.access_role",
                    params![acc, c.id, c.summary, c.time_zone, c.background_color, c.primary, c.access_role],
                )
                .map_err(db("saving calendars"))?;
            }
            let mut st = tx
                .prepare("SELECT google_id, sync_token FROM calendars WHERE account_id = ?1 ORDER BY is_primary DESC, google_id")
                .map_err(db("saving calendars"))?;
            let out = st
                .query_map([&acc], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db("saving calendars"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(db("saving calendars"));
            out
        })
        .await?;
    report.calendars = tokens.len();
    let since = (chrono::Utc::now() - chrono::Duration::days(HISTORY_DAYS))
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
                    tx.execute(
                        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2",
                        params![acc, cal2],
                    )
                    .map_err(db("saving events"))?;
                }
                let r = apply(tx, &acc, &cal2, &changes.events)?;
                tx.execute(
                    "UPDATE calendars SET sync_token = ?1 WHERE account_id = ?2 AND google_id = ?3",
                    params![changes.next_sync_token, acc, cal2],
                )
                .map_err(db("saving events"))?;
                Ok(r)
            })
            .await?;
        report.changed += changed;
        report.removed += removed;
    }
    Ok(report)
}

/// Events overlapping [from_ms, to_ms) for timed ones and the dates [from_date, to_date) for
/// all-day ones, in start order.
pub fn between(
    c: &Connection,
    from_ms: i64,
    to_ms: i64,
    from_date: &str,
    to_date: &str,
) -> Result<Vec<EventView>> {
    let mut st = c
        .prepare(
            "SELECT e.account_id, e.calendar_id, coalesce(k.summary, e.calendar_id), e.google_id, e.summary, e.location, \
                    e.start_ms, e.end_ms, e.start_date, e.end_date, e.recurring_event_id IS NOT NULL, e.self_response \
             FROM calendar_events e LEFT JOIN calendars k ON k.account_id = e.account_id AND k.google_id = e.calendar_id \
             WHERE (e.start_ms IS NOT NULL AND e.start_ms < ?2 AND coalesce(e.end_ms, e.start_ms) > ?1) \
                OR (e.start_date IS NOT NULL AND e.start_date < ?4 AND coalesce(e.end_date, e.start_date) > ?3) \
             ORDER BY coalesce(e.start_date, ''), e.start_ms, e.summary",
        )
        .map_err(db("reading events"))?;
    let rows = st
        .query_map(params![from_ms, to_ms, from_date, to_date], |r| {
            Ok(EventView {
                account_id: r.get(0)?,
                calendar_id: r.get(1)?,
                calendar: r.get(2)?,
                id: r.get(3)?,
                summary: r.get(4)?,
                location: r.get(5)?,
                start_ms: r.get(6)?,
                end_ms: r.get(7)?,
                start_date: r.get(8)?,
                end_date: r.get(9)?,
                recurring: r.get(10)?,
                self_response: r.get(11)?,
            })
        })
        .map_err(db("reading events"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading events"))
}
