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
                    // Events made here and not sent yet stay.
                    tx.execute(
                        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 \
                         AND google_id NOT IN (SELECT event_id FROM calendar_ops WHERE kind = 'insert' AND account_id = ?1)",
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

/// Creates a timed event here at once (shown in every view) and queues it for Google.
pub fn create_local(
    tx: &Transaction<'_>,
    account: &str,
    calendar: &str,
    summary: &str,
    start_ms: i64,
    end_ms: i64,
) -> Result<String> {
    let id = new_event_id();
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let body = serde_json::json!({
        "id": id,
        "summary": summary,
        "start": { "dateTime": fmt(start_ms) },
        "end": { "dateTime": fmt(end_ms) },
    });
    tx.execute(
        "INSERT INTO calendar_events (account_id, calendar_id, google_id, summary, start_ms, end_ms, status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'confirmed')",
        params![account, calendar, id, summary, start_ms, end_ms],
    )
    .map_err(db("saving an event"))?;
    tx.execute(
        "INSERT INTO calendar_ops (account_id, calendar_id, event_id, kind, payload, created_at) VALUES (?1, ?2, ?3, 'insert', ?4, ?5)",
        params![account, calendar, id, body.to_string(), crate::store::now_unix()],
    )
    .map_err(db("saving an event"))?;
    Ok(id)
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
    tx.execute(
        "INSERT INTO calendar_ops (account_id, calendar_id, event_id, kind, payload, created_at) VALUES (?1, ?2, ?3, 'rsvp', ?4, ?5)",
        params![account, calendar, event, serde_json::json!({ "answer": answer }).to_string(), crate::store::now_unix()],
    )
    .map_err(db("saving an answer"))?;
    Ok(())
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
        let result = match kind.as_str() {
            "insert" => match api.insert(&cal, &body).await {
                Ok(_) => Ok(()),
                // Our id is already there: an earlier try reached Google.
                Err(LibreOllamaError::GoogleApi { status: 409, .. }) => Ok(()),
                Err(e) => Err(e),
            },
            _ => rsvp(api, &cal, &event, body["answer"].as_str().unwrap_or("")).await,
        };
        match result {
            Ok(()) => {
                store
                    .write(move |c| {
                        c.execute("DELETE FROM calendar_ops WHERE seq = ?1", [seq])
                            .map_err(db("recording a calendar change"))?;
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
