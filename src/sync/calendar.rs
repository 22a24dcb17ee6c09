//! Google Calendar into the local cache: the calendar list, then each calendar's events —
//! a full fetch (from a year back, recurring events as instances) the first time, then only
//! changes with the calendar's sync token. A token Google refuses (410 Gone) wipes that
//! calendar's cached events and fetches them again.

use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};
use crate::google::calendar::{CalendarApi, GEvent};
use chrono::Datelike;

use crate::model::{EventEdit, EventScope, EventTiming, EventView};
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
    let waiting = waiting_changes(tx, account)?;
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

/// Ids (events or series) with an edit or deletion made here that has not reached Google.
fn waiting_changes(
    tx: &Transaction<'_>,
    account: &str,
) -> Result<std::collections::HashSet<String>> {
    let mut st = tx
        .prepare(
            "SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending' AND kind IN ('patch', 'delete')",
        )
        .map_err(db("reading calendar changes"))?;
    let ids = st
        .query_map([account], |r| r.get(0))
        .map_err(db("reading calendar changes"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading calendar changes"));
    ids
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
                    // Events made or changed here and not sent yet stay.
                    tx.execute(
                        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 \
                         AND google_id NOT IN (SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending') \
                         AND coalesce(recurring_event_id, '') NOT IN (SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending')",
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
                    e.start_ms, e.end_ms, e.start_date, e.end_date, e.recurring_event_id IS NOT NULL, e.self_response, \
                    e.description, e.recurring_event_id \
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
                description: r.get(12)?,
                series_id: r.get(13)?,
            })
        })
        .map_err(db("reading events"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading events"))
}

/// A new event id in Google's allowed alphabet (base32hex: 0-9, a-v), made here so that a
/// repeated insert is recognised by Google (409) instead of creating a second event.
pub fn new_event_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    b.iter()
        .map(|x| ALPHABET[(x & 31) as usize] as char)
        .collect()
}

/// Checks what the user set for an event; the title trimmed.
pub fn checked(edit: &EventEdit) -> Result<EventEdit> {
    let mut e = edit.clone();
    e.summary = e.summary.trim().to_string();
    if e.summary.is_empty() {
        return Err(LibreOllamaError::InvalidInput(
            "an event needs a title".into(),
        ));
    }
    match &e.timing {
        // Times a calendar can show; it also keeps moves and lengths (differences of two
        // times) far inside i64.
        EventTiming::Timed { start_ms, end_ms }
            if [start_ms, end_ms]
                .iter()
                .any(|ms| chrono::DateTime::from_timestamp_millis(**ms).is_none()) =>
        {
            Err(LibreOllamaError::InvalidInput(
                "an event time must be a real date, not this far in the past or future".into(),
            ))
        }
        EventTiming::Timed { start_ms, end_ms } if end_ms <= start_ms => Err(
            LibreOllamaError::InvalidInput("an event must end after it starts".into()),
        ),
        EventTiming::AllDay {
            start_date,
            end_date,
        } => {
            let parse = |d: &str| {
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    LibreOllamaError::InvalidInput(format!("'{d}' is not a date (YYYY-MM-DD)"))
                })
            };
            if parse(end_date)? <= parse(start_date)? {
                return Err(LibreOllamaError::InvalidInput(
                    "an all-day event must end on or after the day it starts".into(),
                ));
            }
            Ok(e)
        }
        _ => Ok(e),
    }
}

fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Google's `start` and `end` for a timing.
fn times_json(t: &EventTiming) -> (serde_json::Value, serde_json::Value) {
    match t {
        EventTiming::Timed { start_ms, end_ms } => (
            serde_json::json!({ "dateTime": utc(*start_ms) }),
            serde_json::json!({ "dateTime": utc(*end_ms) }),
        ),
        EventTiming::AllDay {
            start_date,
            end_date,
        } => (
            serde_json::json!({ "date": start_date }),
            serde_json::json!({ "date": end_date }),
        ),
    }
}

fn columns(t: &EventTiming) -> (Option<i64>, Option<i64>, Option<&str>, Option<&str>) {
    match t {
        EventTiming::Timed { start_ms, end_ms } => (Some(*start_ms), Some(*end_ms), None, None),
        EventTiming::AllDay {
            start_date,
            end_date,
        } => (None, None, Some(start_date), Some(end_date)),
    }
}

fn queue(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    event: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    tx.execute(
        "INSERT INTO calendar_ops (account_id, calendar_id, event_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![account, calendar, event, kind, payload.to_string(), crate::store::now_unix()],
    )
    .map_err(db("saving a calendar change"))?;
    Ok(())
}

/// Creates an event here at once (shown in every view) and queues it for Google. `edit` must
/// have passed [`checked`].
pub fn create_local(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    edit: &EventEdit,
) -> Result<String> {
    let id = new_event_id();
    let (start, end) = times_json(&edit.timing);
    let mut body = serde_json::json!({
        "id": id,
        "summary": edit.summary,
        "start": start,
        "end": end,
    });
    if !edit.location.is_empty() {
        body["location"] = edit.location.clone().into();
    }
    if !edit.description.is_empty() {
        body["description"] = edit.description.clone().into();
    }
    let (sm, em, sd, ed) = columns(&edit.timing);
    tx.execute(
        "INSERT INTO calendar_events (account_id, calendar_id, google_id, summary, location, description, \
           start_ms, end_ms, start_date, end_date, status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'confirmed')",
        params![account, calendar, id, edit.summary, edit.location, edit.description, sm, em, sd, ed],
    )
    .map_err(db("saving an event"))?;
    queue(tx, account, calendar, &id, "insert", &body)?;
    Ok(id)
}

struct Current {
    summary: String,
    location: String,
    description: String,
    timing: EventTiming,
    series: Option<String>,
}

fn current(tx: &Transaction<'_>, account: &str, calendar: &str, event: &str) -> Result<Current> {
    use rusqlite::OptionalExtension;
    let row = tx
        .query_row(
            "SELECT summary, location, description, start_ms, end_ms, start_date, end_date, recurring_event_id \
             FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND google_id = ?3",
            params![account, calendar, event],
            |r| {
                let timing = match (r.get::<_, Option<i64>>(3)?, r.get::<_, Option<i64>>(4)?) {
                    (Some(s), e) => EventTiming::Timed {
                        start_ms: s,
                        end_ms: e.unwrap_or(s),
                    },
                    _ => {
                        let s: String = r.get::<_, Option<String>>(5)?.unwrap_or_default();
                        let e = r.get::<_, Option<String>>(6)?.unwrap_or_else(|| s.clone());
                        EventTiming::AllDay {
                            start_date: s,
                            end_date: e,
                        }
                    }
                };
                Ok(Current {
                    summary: r.get(0)?,
                    location: r.get(1)?,
                    description: r.get(2)?,
                    timing,
                    series: r.get(7)?,
                })
            },
        )
        .optional()
        .map_err(db("reading an event"))?;
    row.ok_or_else(|| LibreOllamaError::NotFound {
        what: "This event (it may have been deleted in Google Calendar)".into(),
    })
}

fn day_number(d: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(|d| d.num_days_from_ce() as i64)
        .unwrap_or(0)
}

/// Changes an event here at once and queues the change: only the fields the user changed go
/// to Google. For an instance of a repeating event with [`EventScope::All`], the series
/// changes: its text, and its times moved by as much as this instance was moved.
pub fn edit_local(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    event: &str,
    edit: &EventEdit,
    scope: EventScope,
) -> Result<()> {
    let cur = current(tx, account, calendar, event)?;
    let mut body = serde_json::Map::new();
    for (key, old, new) in [
        ("summary", &cur.summary, &edit.summary),
        ("location", &cur.location, &edit.location),
        ("description", &cur.description, &edit.description),
    ] {
        if old != new {
            body.insert(key.into(), new.clone().into());
        }
    }
    let timing_changed = cur.timing != edit.timing;
    if body.is_empty() && !timing_changed {
        return Ok(());
    }
    let series = match (scope, &cur.series) {
        (EventScope::All, Some(s)) => Some(s.clone()),
        _ => None,
    };
    let Some(series) = series else {
        if timing_changed {
            let (start, end) = times_json(&edit.timing);
            body.insert("start".into(), start);
            body.insert("end".into(), end);
        }
        let (sm, em, sd, ed) = columns(&edit.timing);
        tx.execute(
            "UPDATE calendar_events SET summary = ?4, location = ?5, description = ?6, start_ms = ?7, end_ms = ?8, \
               start_date = ?9, end_date = ?10 WHERE account_id = ?1 AND calendar_id = ?2 AND google_id = ?3",
            params![account, calendar, event, edit.summary, edit.location, edit.description, sm, em, sd, ed],
        )
        .map_err(db("saving an event"))?;
        return queue(
            tx,
            account,
            calendar,
            event,
            "patch",
            &serde_json::json!({ "body": body }),
        );
    };
    let mut payload = serde_json::json!({ "body": body });
    // Every instance moves by the same amount and takes the new length.
    let (shift, len, days) = match (&cur.timing, &edit.timing) {
        (EventTiming::Timed { start_ms: a, .. }, EventTiming::Timed { start_ms, end_ms }) => {
            (start_ms - a, end_ms - start_ms, false)
        }
        (
            EventTiming::AllDay { start_date: a, .. },
            EventTiming::AllDay {
                start_date,
                end_date,
            },
        ) => (
            day_number(start_date) - day_number(a),
            day_number(end_date) - day_number(start_date),
            true,
        ),
        _ => return Err(LibreOllamaError::InvalidInput(
            "a repeating event cannot switch between all-day and timed for the whole series here: \
                 change this event only, or the series in Google Calendar"
                .into(),
        )),
    };
    if timing_changed {
        payload[if days { "shift_days" } else { "shift_ms" }] = shift.into();
        payload[if days { "len_days" } else { "len_ms" }] = len.into();
        let sql = if days {
            "UPDATE calendar_events SET start_date = date(start_date, ?4 || ' days'), \
               end_date = date(start_date, ?4 || ' days', ?5 || ' days') \
             WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 AND start_date IS NOT NULL"
        } else {
            "UPDATE calendar_events SET start_ms = start_ms + ?4, end_ms = start_ms + ?4 + ?5 \
             WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 AND start_ms IS NOT NULL"
        };
        tx.execute(sql, params![account, calendar, series, shift, len])
            .map_err(db("saving an event"))?;
    }
    tx.execute(
        "UPDATE calendar_events SET summary = ?4, location = ?5, description = ?6 \
         WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3",
        params![
            account,
            calendar,
            series,
            edit.summary,
            edit.location,
            edit.description
        ],
    )
    .map_err(db("saving an event"))?;
    queue(tx, account, calendar, &series, "patch", &payload)
}

/// Removes an event here at once (for [`EventScope::All`], every instance of its series) and
/// queues the deletion.
pub fn delete_local(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    event: &str,
    scope: EventScope,
) -> Result<()> {
    let cur = current(tx, account, calendar, event)?;
    let target = match (scope, cur.series) {
        (EventScope::All, Some(s)) => s,
        _ => event.to_string(),
    };
    tx.execute(
        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND (google_id = ?3 OR recurring_event_id = ?3)",
        params![account, calendar, target],
    )
    .map_err(db("deleting an event"))?;
    queue(
        tx,
        account,
        calendar,
        &target,
        "delete",
        &serde_json::json!({}),
    )
}

/// Records the user's answer to an invitation here at once and queues it.
pub fn rsvp_local(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    event: &str,
    answer: &str,
) -> Result<()> {
    if !matches!(answer, "accepted" | "declined" | "tentative") {
        return Err(LibreOllamaError::InvalidInput(format!(
            "'{answer}' is not an answer; use accepted, declined or tentative"
        )));
    }
    let n = tx
        .execute(
            "UPDATE calendar_events SET self_response = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND google_id = ?4",
            params![answer, account, calendar, event],
        )
        .map_err(db("saving an answer"))?;
    if n == 0 {
        return Err(LibreOllamaError::NotFound {
            what: format!("Event {event}"),
        });
    }
    queue(
        tx,
        account,
        calendar,
        event,
        "rsvp",
        &serde_json::json!({ "answer": answer }),
    )
}

/// Sends the queued calendar changes in order. Offline and Google's 5xx stop the queue (the op
/// stays); other refusals fail that op alone, with the reason kept.
pub async fn push(store: &Store, api: &CalendarApi, account: &str) -> Result<usize> {
    let mut sent = 0;
    loop {
        let acc = account.to_string();
        let op: Option<(i64, String, String, String, String)> = store
            .read(move |c| {
                use rusqlite::OptionalExtension;
                c.query_row(
                    "SELECT seq, calendar_id, event_id, kind, payload FROM calendar_ops WHERE account_id = ?1 AND state = 'pending' ORDER BY seq LIMIT 1",
                    [&acc],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()
                .map_err(db("reading calendar changes"))
            })
            .await?;
        let Some((seq, cal, event, kind, payload)) = op else {
            return Ok(sent);
        };
        let body: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        // Google keeps the id we made; a server that gives its own (the emulator does) gets
        // it recorded here, for the event and for the changes queued after the insert.
        let mut renamed = None;
        let result = match kind.as_str() {
            "insert" => match api.insert(&cal, &body).await {
                Ok(created) => {
                    if !created.id.is_empty() && created.id != event {
                        renamed = Some(created.id);
                    }
                    Ok(())
                }
                // Our id is already there: an earlier try reached Google.
                Err(LibreOllamaError::GoogleApi { status: 409, .. }) => Ok(()),
                Err(e) => Err(e),
            },
            "patch" => patch(api, &cal, &event, &body).await,
            "delete" => match api.delete(&cal, &event).await {
                // Already gone at Google: what the user wanted.
                Err(LibreOllamaError::GoogleApi {
                    status: 404 | 410, ..
                }) => Ok(()),
                r => r,
            },
            _ => rsvp(api, &cal, &event, body["answer"].as_str().unwrap_or("")).await,
        };
        match result {
            Ok(()) => {
                let acc = account.to_string();
                store
                    .transaction(move |tx| {
                        tx.execute("DELETE FROM calendar_ops WHERE seq = ?1", [seq])
                            .map_err(db("recording a calendar change"))?;
                        if let Some(new) = renamed {
                            tx.execute(
                                "UPDATE calendar_events SET google_id = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND google_id = ?4",
                                params![new, acc, cal, event],
                            )
                            .map_err(db("recording a calendar change"))?;
                            tx.execute(
                                "UPDATE calendar_ops SET event_id = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND event_id = ?4",
                                params![new, acc, cal, event],
                            )
                            .map_err(db("recording a calendar change"))?;
                        }
                        Ok(())
                    })
                    .await?;
                sent += 1;
            }
            Err(e) if e.retry_later() => return Err(e),
            Err(e) => {
                let msg = e.to_string();
                store
                    .write(move |c| {
                        c.execute(
                            "UPDATE calendar_ops SET state = 'failed', attempts = attempts + 1, last_error = ?1 WHERE seq = ?2",
                            params![msg, seq],
                        )
                        .map_err(db("recording a calendar change"))?;
                        Ok(())
                    })
                    .await?;
            }
        }
    }
}

/// Sets only the user's own response: the current attendee list is read from Google and sent
/// back whole with that one status changed, so nobody else's answer is overwritten.
async fn rsvp(api: &CalendarApi, calendar: &str, event: &str, answer: &str) -> Result<()> {
    // Raw JSON: every attendee field Google has (optional, comment, guests…) goes back as it was.
    let current = api.get_raw(calendar, event).await?;
    let mut attendees = current["attendees"].as_array().cloned().unwrap_or_default();
    let me = attendees
        .iter_mut()
        .find(|a| a["self"].as_bool() == Some(true))
        .ok_or_else(|| {
            LibreOllamaError::InvalidInput(
                "you are not invited to this event, so there is nothing to answer".into(),
            )
        })?;
    me["responseStatus"] = answer.into();
    api.patch(
        calendar,
        event,
        &serde_json::json!({ "attendees": attendees }),
    )
    .await
    .map(|_| ())
}

/// Sends an edit. A change to a whole series that moves it reads the series' own start and end
/// from Google and moves them by the same amount (its time zone kept).
async fn patch(
    api: &CalendarApi,
    calendar: &str,
    event: &str,
    payload: &serde_json::Value,
) -> Result<()> {
    let mut body = payload["body"].clone();
    if !body.is_object() {
        body = serde_json::json!({});
    }
    if payload.get("shift_ms").is_some() || payload.get("shift_days").is_some() {
        let series = api.get_raw(calendar, event).await?;
        let (mut start, mut end) = (series["start"].clone(), series["start"].clone());
        if let Some(shift) = payload["shift_ms"].as_i64() {
            let at = series["start"]["dateTime"]
                .as_str()
                .and_then(instant)
                .ok_or_else(|| {
                    LibreOllamaError::InvalidInput(
                        "the series is all-day in Google Calendar now; open it again".into(),
                    )
                })?;
            let len = payload["len_ms"].as_i64().unwrap_or(0);
            start["dateTime"] = utc(at + shift).into();
            end["dateTime"] = utc(at + shift + len).into();
        } else {
            let day = series["start"]["date"]
                .as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| {
                    LibreOllamaError::InvalidInput(
                        "the series has times in Google Calendar now; open it again".into(),
                    )
                })?;
            let first = day + chrono::Duration::days(payload["shift_days"].as_i64().unwrap_or(0));
            start["date"] = first.to_string().into();
            end["date"] = (first
                + chrono::Duration::days(payload["len_days"].as_i64().unwrap_or(1)))
            .to_string()
            .into();
        }
        body["start"] = start;
        body["end"] = end;
    }
    api.patch(calendar, event, &body).await.map(|_| ())
}
