//! Changes made here: checked, applied to the cache at once (shown in every view), and queued
//! for Google in the same transaction.

use chrono::Datelike;
use rusqlite::Connection;

use super::split::{split_json, split_point};
use super::utc;
use crate::error::{LibreOllamaError, Result};
use crate::model::{EventEdit, EventScope, EventTiming};
use crate::store::calendar::{self as cache, EventText, StoredEvent};
use crate::store::calendar_ops::{self as ops, OpKind};

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

/// Google's `start` and `end` for a timing.
pub(super) fn times_json(t: &EventTiming) -> (serde_json::Value, serde_json::Value) {
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

fn text(edit: &EventEdit) -> EventText<'_> {
    EventText {
        summary: &edit.summary,
        location: &edit.location,
        description: &edit.description,
    }
}

/// Creates an event here at once (shown in every view) and queues it for Google. `edit` must
/// have passed [`checked`]. `now` (Unix s) is when the change was made.
pub fn create_local(
    c: &Connection,
    account: &str,
    calendar: &str,
    edit: &EventEdit,
    now: i64,
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
    cache::insert_local_event(c, account, calendar, &id, text(edit), &edit.timing)?;
    ops::enqueue(c, account, calendar, &id, OpKind::Insert, &body, now)?;
    Ok(id)
}

fn current(c: &Connection, account: &str, calendar: &str, event: &str) -> Result<StoredEvent> {
    cache::event(c, account, calendar, event)?.ok_or_else(|| LibreOllamaError::NotFound {
        what: "This event (it may have been deleted in Google Calendar)".into(),
    })
}

/// An instance moved to a new series by "this and following" that Google has not made yet:
/// it still has the old series' instance id, which the new series will not have, so a change
/// of it alone would go to the wrong event. Changes of its whole (new) series are fine.
fn refuse_stand_in(event: &str, cur: &StoredEvent) -> Result<()> {
    match &cur.series {
        Some(s) if event != s && !event.starts_with(&format!("{s}_")) => {
            Err(LibreOllamaError::InvalidInput(
                "this event's series is still being split in Google Calendar; sync, then change \
                 this event (changing all events or this and following works now)"
                    .into(),
            ))
        }
        _ => Ok(()),
    }
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
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    edit: &EventEdit,
    scope: EventScope,
    now: i64,
) -> Result<()> {
    let cur = current(c, account, calendar, event)?;
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
        (EventScope::All | EventScope::Following, Some(s)) => Some(s.clone()),
        _ => None,
    };
    let Some(series) = series else {
        refuse_stand_in(event, &cur)?;
        if timing_changed {
            let (start, end) = times_json(&edit.timing);
            body.insert("start".into(), start);
            body.insert("end".into(), end);
        }
        cache::update_event(c, account, calendar, event, text(edit), &edit.timing)?;
        let payload = serde_json::json!({ "body": body });
        ops::enqueue(c, account, calendar, event, OpKind::Patch, &payload, now)?;
        return Ok(());
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
    if scope == EventScope::Following {
        return split_local(
            c,
            account,
            calendar,
            event,
            &series,
            &cur,
            edit,
            (shift, len, days),
            now,
        );
    }
    if timing_changed {
        payload[if days { "shift_days" } else { "shift_ms" }] = shift.into();
        payload[if days { "len_days" } else { "len_ms" }] = len.into();
        if days {
            cache::shift_series_days(c, account, calendar, &series, shift, len)?;
        } else {
            cache::shift_series_ms(c, account, calendar, &series, shift, len)?;
        }
    }
    cache::update_series_text(c, account, calendar, &series, text(edit))?;
    ops::enqueue(c, account, calendar, &series, OpKind::Patch, &payload, now)?;
    Ok(())
}

/// "This and following" for an edit: the instances from this one on move to a new series
/// (its id made here) with the new text and times; the old series will end just before. The
/// queued change names the old series and carries what the push needs to cut it and create
/// the new one.
#[allow(clippy::too_many_arguments)]
fn split_local(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    series: &str,
    cur: &StoredEvent,
    edit: &EventEdit,
    (shift, len, days): (i64, i64, bool),
    now: i64,
) -> Result<()> {
    let at = split_point(event, series, &cur.timing);
    let new_id = new_event_id();
    cache::split_series(c, account, calendar, series, &new_id, &at)?;
    if days {
        cache::shift_series_days(c, account, calendar, &new_id, shift, len)?;
    } else {
        cache::shift_series_ms(c, account, calendar, &new_id, shift, len)?;
    }
    cache::update_series_text(c, account, calendar, &new_id, text(edit))?;
    let mut following = split_json(&at);
    following["new_id"] = new_id.into();
    following["text"] = serde_json::json!({
        "summary": edit.summary,
        "location": edit.location,
        "description": edit.description,
    });
    following["timing"] = serde_json::to_value(&edit.timing).map_err(LibreOllamaError::json)?;
    let payload = serde_json::json!({ "following": following });
    ops::enqueue(c, account, calendar, series, OpKind::Patch, &payload, now)?;
    Ok(())
}

/// Removes an event here at once (for [`EventScope::All`], every instance of its series; for
/// [`EventScope::Following`], this one and the ones after it) and queues the deletion.
pub fn delete_local(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    scope: EventScope,
    now: i64,
) -> Result<()> {
    let cur = current(c, account, calendar, event)?;
    if let (EventScope::Following, Some(series)) = (scope, &cur.series) {
        // The series ends just before this instance: an edit of its repeat rule.
        let at = split_point(event, series, &cur.timing);
        cache::remove_series_from(c, account, calendar, series, &at)?;
        let payload = serde_json::json!({ "following": split_json(&at) });
        ops::enqueue(c, account, calendar, series, OpKind::Patch, &payload, now)?;
        return Ok(());
    }
    if scope == EventScope::This {
        refuse_stand_in(event, &cur)?;
    }
    let target = match (scope, cur.series) {
        (EventScope::All, Some(s)) => s,
        _ => event.to_string(),
    };
    cache::remove_event_or_series(c, account, calendar, &target)?;
    let payload = serde_json::json!({});
    ops::enqueue(c, account, calendar, &target, OpKind::Delete, &payload, now)?;
    Ok(())
}

/// Records the user's answer to an invitation here at once and queues it.
pub fn rsvp_local(
    c: &Connection,
    account: &str,
    calendar: &str,
    event: &str,
    answer: &str,
    now: i64,
) -> Result<()> {
    if !matches!(answer, "accepted" | "declined" | "tentative") {
        return Err(LibreOllamaError::InvalidInput(format!(
            "'{answer}' is not an answer; use accepted, declined or tentative"
        )));
    }
    if let Some(cur) = cache::event(c, account, calendar, event)? {
        refuse_stand_in(event, &cur)?;
    }
    if !cache::set_self_response(c, account, calendar, event, answer)? {
        return Err(LibreOllamaError::NotFound {
            what: format!("Event {event}"),
        });
    }
    let payload = serde_json::json!({ "answer": answer });
    ops::enqueue(c, account, calendar, event, OpKind::Rsvp, &payload, now)?;
    Ok(())
}
