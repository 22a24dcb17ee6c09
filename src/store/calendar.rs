//! The Google Calendar cache: `calendars` (with each one's sync token) and `calendar_events`
//! (recurring events as their instances). Mirrored server data, re-syncable; the changes made
//! here and not sent yet are in [`super::calendar_ops`].

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::model::{EventTiming, EventView};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// A calendar as the calendar list gives it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalendarRow {
    pub google_id: String,
    pub summary: String,
    pub time_zone: Option<String>,
    pub color: Option<String>,
    pub primary: bool,
    pub access_role: Option<String>,
    /// JSON array: the minutes before an event its popup reminders come, unless it has its own.
    pub default_reminders: String,
}

/// An event as Google has it, ready for the cache.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventRow {
    pub google_id: String,
    pub recurring_event_id: Option<String>,
    pub summary: String,
    pub description: String,
    pub location: String,
    /// Timed events: instants in Unix ms. All-day events: dates (end exclusive), no instants.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub time_zone: Option<String>,
    pub status: String,
    pub self_response: Option<String>,
    /// JSON array of the attendees.
    pub attendees: String,
    pub html_link: Option<String>,
    pub etag: Option<String>,
    pub updated: Option<String>,
    /// JSON array of its own popup reminders (minutes before); None: the calendar's defaults.
    pub reminder_minutes: Option<String>,
}

/// The fields of a cached event one can edit here, and the series it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub summary: String,
    pub location: String,
    pub description: String,
    pub timing: EventTiming,
    pub series: Option<String>,
}

/// The text fields of an edit.
#[derive(Clone, Copy, Debug)]
pub struct EventText<'a> {
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
}

/// The columns a timing is stored in: (start_ms, end_ms, start_date, end_date).
fn columns(t: &EventTiming) -> (Option<i64>, Option<i64>, Option<&str>, Option<&str>) {
    match t {
        EventTiming::Timed { start_ms, end_ms } => (Some(*start_ms), Some(*end_ms), None, None),
        EventTiming::AllDay {
            start_date,
            end_date,
        } => (None, None, Some(start_date), Some(end_date)),
    }
}

/// Makes the account's calendar list the given one (calendars no longer listed go, with their
/// events), and returns every calendar's sync token, primary first.
pub fn replace_calendars(
    c: &Connection,
    account: &str,
    list: &[CalendarRow],
) -> Result<Vec<(String, Option<String>)>> {
    let ctx = "saving calendars";
    let known: Vec<String> = {
        let mut st = c
            .prepare("SELECT google_id FROM calendars WHERE account_id = ?1")
            .map_err(db(ctx))?;
        let rows = st.query_map([account], |r| r.get(0)).map_err(db(ctx))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(db(ctx))?
    };
    for k in known {
        if !list.iter().any(|cal| cal.google_id == k) {
            c.execute(
                "DELETE FROM calendars WHERE account_id = ?1 AND google_id = ?2",
                params![account, k],
            )
            .map_err(db(ctx))?;
        }
    }
    for cal in list {
        c.execute(
            "INSERT INTO calendars (account_id, google_id, summary, time_zone, color, is_primary, access_role, default_reminders) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT(account_id, google_id) DO UPDATE SET summary = excluded.summary, time_zone = excluded.time_zone, \
               color = excluded.color, is_primary = excluded.is_primary, access_role = excluded.access_role, \
               default_reminders = excluded.default_reminders",
            params![account, cal.google_id, cal.summary, cal.time_zone, cal.color, cal.primary, cal.access_role, cal.default_reminders],
        )
        .map_err(db(ctx))?;
    }
    tokens(c, account, ctx)
}

/// The sync token to continue from next time (None: fetch in full).
pub fn set_sync_token(
    c: &Connection,
    account: &str,
    calendar: &str,
    token: Option<&str>,
) -> Result<()> {
    c.execute(
        "UPDATE calendars SET sync_token = ?1, reminders_synced = (?1 IS NOT NULL OR reminders_synced) \
         WHERE account_id = ?2 AND google_id = ?3",
        params![token, account, calendar],
    )
    .map_err(db("saving events"))?;
    Ok(())
}

/// Before a full fetch (the whole truth: what it lacks is gone): drops the calendar's cached
/// events, except those (or those of a series) with a change made here and not sent yet.
pub fn clear_events_except_waiting(c: &Connection, account: &str, calendar: &str) -> Result<()> {
    c.execute(
        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 \
         AND google_id NOT IN (SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending') \
         AND coalesce(recurring_event_id, '') NOT IN (SELECT event_id FROM calendar_ops WHERE account_id = ?1 AND state = 'pending')",
        params![account, calendar],
    )
    .map_err(db("saving events"))?;
    Ok(())
}

/// Removes one cached event; how many rows went (0 or 1).
pub fn remove_event(c: &Connection, account: &str, calendar: &str, event: &str) -> Result<usize> {
    c.execute(
        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND google_id = ?3",
        params![account, calendar, event],
    )
    .map_err(db("saving events"))
}

/// Adds or replaces an event as Google has it.
pub fn upsert_event(c: &Connection, account: &str, calendar: &str, e: &EventRow) -> Result<()> {
    c.execute(
        "INSERT INTO calendar_events (account_id, calendar_id, google_id, recurring_event_id, summary, description, location, \
           start_ms, end_ms, start_date, end_date, time_zone, status, self_response, attendees, html_link, etag, updated, reminder_minutes) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
         ON CONFLICT(account_id, calendar_id, google_id) DO UPDATE SET \
           recurring_event_id = excluded.recurring_event_id, summary = excluded.summary, description = excluded.description, \
           location = excluded.location, start_ms = excluded.start_ms, end_ms = excluded.end_ms, start_date = excluded.start_date, \
           end_date = excluded.end_date, time_zone = excluded.time_zone, status = excluded.status, self_response = excluded.self_response, \
           attendees = excluded.attendees, html_link = excluded.html_link, etag = excluded.etag, updated = excluded.updated, \
           reminder_minutes = excluded.reminder_minutes",
        params![
            account,
            calendar,
            e.google_id,
            e.recurring_event_id,
            e.summary,
            e.description,
            e.location,
            e.start_ms,
            e.end_ms,
            e.start_date,
            e.end_date,
            e.time_zone,
            e.status,
            e.self_response,
            e.attendees,
            e.html_link,
            e.etag,
            e.updated,
            e.reminder_minutes,
        ],
    )
    .map_err(db("saving events"))?;
    Ok(())
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

/// (account, calendar id, name) of every calendar one can add events to, primary first.
pub fn writable(c: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut st = c
        .prepare(
            "SELECT account_id, google_id, summary FROM calendars \
             WHERE coalesce(access_role, 'owner') IN ('owner', 'writer') ORDER BY is_primary DESC, summary",
        )
        .map_err(db("reading calendars"))?;
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db("reading calendars"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading calendars"))
}

/// One cached event's editable fields, or None.
pub fn event(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
) -> Result<Option<StoredEvent>> {
    c.query_row(
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
            Ok(StoredEvent {
                summary: r.get(0)?,
                location: r.get(1)?,
                description: r.get(2)?,
                timing,
                series: r.get(7)?,
            })
        },
    )
    .optional()
    .map_err(db("reading an event"))
}

/// A new event made here (confirmed; Google learns of it through the queue).
pub fn insert_local_event(
    c: &Connection,
    account: &str,
    calendar: &str,
    id: &str,
    text: EventText<'_>,
    timing: &EventTiming,
) -> Result<()> {
    let (sm, em, sd, ed) = columns(timing);
    c.execute(
        "INSERT INTO calendar_events (account_id, calendar_id, google_id, summary, location, description, \
           start_ms, end_ms, start_date, end_date, status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'confirmed')",
        params![account, calendar, id, text.summary, text.location, text.description, sm, em, sd, ed],
    )
    .map_err(db("saving an event"))?;
    Ok(())
}

/// Sets one event's text and times.
pub fn update_event(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    text: EventText<'_>,
    timing: &EventTiming,
) -> Result<()> {
    let (sm, em, sd, ed) = columns(timing);
    c.execute(
        "UPDATE calendar_events SET summary = ?4, location = ?5, description = ?6, start_ms = ?7, end_ms = ?8, \
           start_date = ?9, end_date = ?10 WHERE account_id = ?1 AND calendar_id = ?2 AND google_id = ?3",
        params![account, calendar, event, text.summary, text.location, text.description, sm, em, sd, ed],
    )
    .map_err(db("saving an event"))?;
    Ok(())
}

/// Moves every all-day instance of a series by `shift` days and gives it `len` days.
pub fn shift_series_days(
    c: &Connection,
    account: &str,
    calendar: &str,
    series: &str,
    shift: i64,
    len: i64,
) -> Result<()> {
    c.execute(
        "UPDATE calendar_events SET start_date = date(start_date, ?4 || ' days'), \
           end_date = date(start_date, ?4 || ' days', ?5 || ' days') \
         WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 AND start_date IS NOT NULL",
        params![account, calendar, series, shift, len],
    )
    .map_err(db("saving an event"))?;
    Ok(())
}

/// Moves every timed instance of a series by `shift` ms and gives it `len` ms.
pub fn shift_series_ms(
    c: &Connection,
    account: &str,
    calendar: &str,
    series: &str,
    shift: i64,
    len: i64,
) -> Result<()> {
    c.execute(
        "UPDATE calendar_events SET start_ms = start_ms + ?4, end_ms = start_ms + ?4 + ?5 \
         WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 AND start_ms IS NOT NULL",
        params![account, calendar, series, shift, len],
    )
    .map_err(db("saving an event"))?;
    Ok(())
}

/// Sets the text of every instance of a series.
pub fn update_series_text(
    c: &Connection,
    account: &str,
    calendar: &str,
    series: &str,
    text: EventText<'_>,
) -> Result<()> {
    c.execute(
        "UPDATE calendar_events SET summary = ?4, location = ?5, description = ?6 \
         WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3",
        params![
            account,
            calendar,
            series,
            text.summary,
            text.location,
            text.description
        ],
    )
    .map_err(db("saving an event"))?;
    Ok(())
}

/// Removes an event, or every instance of the series `target` names.
pub fn remove_event_or_series(
    c: &Connection,
    account: &str,
    calendar: &str,
    target: &str,
) -> Result<()> {
    c.execute(
        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND (google_id = ?3 OR recurring_event_id = ?3)",
        params![account, calendar, target],
    )
    .map_err(db("deleting an event"))?;
    Ok(())
}

/// Where "this and following" cuts a series: instances starting at or after this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitAt {
    /// Timed series: Unix ms.
    Ms(i64),
    /// All-day series: YYYY-MM-DD.
    Date(String),
}

/// The instances of `series` from `at` on, as SQL (params 1–3: account, calendar, series; 4: at).
const FROM_AT: &str = "account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 \
     AND ((typeof(?4) = 'integer' AND start_ms >= ?4) OR (typeof(?4) = 'text' AND start_date >= ?4))";

fn at_value(at: &SplitAt) -> rusqlite::types::Value {
    match at {
        SplitAt::Ms(ms) => rusqlite::types::Value::Integer(*ms),
        SplitAt::Date(d) => rusqlite::types::Value::Text(d.clone()),
    }
}

/// "This and following": the instances of `series` from `at` on become instances of
/// `new_series` (until Google's own instances of the new series replace them). How many.
pub fn split_series(
    c: &Connection,
    account: &str,
    calendar: &str,
    series: &str,
    new_series: &str,
    at: &SplitAt,
) -> Result<usize> {
    c.execute(
        &format!("UPDATE calendar_events SET recurring_event_id = ?5 WHERE {FROM_AT}"),
        params![account, calendar, series, at_value(at), new_series],
    )
    .map_err(db("saving an event"))
}

/// Removes the instances of `series` from `at` on. How many.
pub fn remove_series_from(
    c: &Connection,
    account: &str,
    calendar: &str,
    series: &str,
    at: &SplitAt,
) -> Result<usize> {
    c.execute(
        &format!("DELETE FROM calendar_events WHERE {FROM_AT}"),
        params![account, calendar, series, at_value(at)],
    )
    .map_err(db("deleting events"))
}

/// Once Google has the new series of a split: the stand-ins made here (the old series'
/// instances moved to it) go; the pull that follows brings Google's own instances.
pub fn remove_split_stand_ins(
    c: &Connection,
    account: &str,
    calendar: &str,
    new_series: &str,
) -> Result<usize> {
    c.execute(
        "DELETE FROM calendar_events WHERE account_id = ?1 AND calendar_id = ?2 AND recurring_event_id = ?3 \
           AND google_id <> ?3 AND substr(google_id, 1, length(?3) + 1) <> ?3 || '_'",
        params![account, calendar, new_series],
    )
    .map_err(db("recording a calendar change"))
}

/// Records the user's answer to an invitation; false if there is no such event.
pub fn set_self_response(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    answer: &str,
) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE calendar_events SET self_response = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND google_id = ?4",
            params![answer, account, calendar, event],
        )
        .map_err(db("saving an answer"))?;
    Ok(n > 0)
}

/// The id Google gave an event made here replaces ours.
pub fn rename_event(
    c: &Connection,
    account: &str,
    calendar: &str,
    old: &str,
    new: &str,
) -> Result<()> {
    c.execute(
        "UPDATE calendar_events SET google_id = ?1 WHERE account_id = ?2 AND calendar_id = ?3 AND google_id = ?4",
        params![new, account, calendar, old],
    )
    .map_err(db("recording a calendar change"))?;
    Ok(())
}

/// Every cached event id, sorted (for checks and tests).
pub fn event_ids(c: &Connection, account: &str) -> Result<Vec<String>> {
    let mut st = c
        .prepare("SELECT google_id FROM calendar_events WHERE account_id = ?1 ORDER BY google_id")
        .map_err(db("reading events"))?;
    let rows = st
        .query_map([account], |r| r.get(0))
        .map_err(db("reading events"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading events"))
}

/// The sync tokens of the account's calendars, primary first.
pub fn sync_tokens(c: &Connection, account: &str) -> Result<Vec<(String, Option<String>)>> {
    tokens(c, account, "reading calendars")
}

fn tokens(
    c: &Connection,
    account: &str,
    ctx: &'static str,
) -> Result<Vec<(String, Option<String>)>> {
    let mut st = c
        // A calendar cached before reminders were kept is fetched in full once (see V19).
        .prepare(
            "SELECT google_id, CASE WHEN reminders_synced = 1 THEN sync_token END FROM calendars \
             WHERE account_id = ?1 ORDER BY is_primary DESC, google_id",
        )
        .map_err(db(ctx))?;
    let rows = st
        .query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db(ctx))?;
    rows.collect::<std::result::Result<_, _>>().map_err(db(ctx))
}
