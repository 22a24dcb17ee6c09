//! "This and following" at Google, as Google Calendar itself does it (RFC 5545): the old
//! series' repeat rule gets an `UNTIL` just before the chosen instance (or the series goes,
//! if that was its first), and a new series starts at the chosen instance with the edited
//! fields and the rest of the rule (`COUNT` reduced by the instances already held by the old
//! series, counted at Google; `UNTIL` kept).
//!
//! The plan is worked out once from Google's copy of the series and kept in the queued change
//! before anything is sent, so a try cut off halfway sends the same again: the new series goes
//! first with the id made here (Google answers 409 if it has it), then the cut, an absolute
//! value.

use crate::error::{LibreOllamaError, Result};
use crate::google::calendar::CalendarApi;
use crate::model::EventTiming;
use crate::store::calendar::SplitAt;
use crate::store::calendar_ops::{self as ops, ClaimedOp};
use crate::store::Store;

use super::{instant, utc};

/// Where "this and following" cuts the series: the instance's original start, which Google
/// writes at the end of an instance's id (`series_20261204T090000Z`, `series_20261204`); the
/// cached start when the id does not say (an id made elsewhere).
pub(super) fn split_point(event: &str, series: &str, timing: &EventTiming) -> SplitAt {
    let suffix = event
        .strip_prefix(series)
        .and_then(|s| s.strip_prefix('_'))
        .unwrap_or("");
    match timing {
        EventTiming::Timed { start_ms, .. } => {
            chrono::NaiveDateTime::parse_from_str(suffix, "%Y%m%dT%H%M%SZ")
                .map(|d| SplitAt::Ms(d.and_utc().timestamp_millis()))
                .unwrap_or(SplitAt::Ms(*start_ms))
        }
        EventTiming::AllDay { start_date, .. } => {
            chrono::NaiveDate::parse_from_str(suffix, "%Y%m%d")
                .map(|d| SplitAt::Date(d.to_string()))
                .unwrap_or_else(|_| SplitAt::Date(start_date.clone()))
        }
    }
}

pub(super) fn split_json(at: &SplitAt) -> serde_json::Value {
    match at {
        SplitAt::Ms(ms) => serde_json::json!({ "from_ms": ms }),
        SplitAt::Date(d) => serde_json::json!({ "from_date": d }),
    }
}

/// Fields of the old series the new one keeps (what the user set on the series, not Google's
/// bookkeeping: ids, etags, times of creation, the organiser).
const KEPT_FIELDS: &[&str] = &[
    "summary",
    "description",
    "location",
    "colorId",
    "transparency",
    "visibility",
    "reminders",
    "attendees",
    "guestsCanInviteOthers",
    "guestsCanModify",
    "guestsCanSeeOtherGuests",
    "anyoneCanAddSelf",
    "extendedProperties",
];

fn unreadable(rule: &str) -> LibreOllamaError {
    LibreOllamaError::InvalidInput(format!(
        "the series' repeat rule in Google Calendar ('{}') cannot be read here; change it in \
         Google Calendar",
        rule.chars().take(200).collect::<String>()
    ))
}

/// Cuts an RRULE value (without `RRULE:`): the old part ends at `until`; the new part is the
/// same rule with `COUNT` less the `before` instances the old part holds, or `None` when no
/// instance is left for it. Errors (never panics) on text that is not `KEY=VALUE;…` with a FREQ.
pub fn split_rule(rule: &str, until: &str, before: u32) -> Result<(String, Option<String>)> {
    let mut parts: Vec<(String, String)> = Vec::new();
    for p in rule.split(';').filter(|p| !p.trim().is_empty()) {
        let (k, v) = p.split_once('=').ok_or_else(|| unreadable(rule))?;
        let k = k.trim().to_ascii_uppercase();
        if k.is_empty() || v.trim().is_empty() || parts.iter().any(|(x, _)| *x == k) {
            return Err(unreadable(rule));
        }
        parts.push((k, v.trim().to_string()));
    }
    if !parts.iter().any(|(k, _)| k == "FREQ") {
        return Err(unreadable(rule));
    }
    let count = match parts.iter().find(|(k, _)| k == "COUNT") {
        Some((_, v)) => Some(v.parse::<u32>().map_err(|_| unreadable(rule))?),
        None => None,
    };
    let join = |ps: &[(String, String)]| {
        ps.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut old: Vec<(String, String)> = parts
        .iter()
        .filter(|(k, _)| k != "COUNT" && k != "UNTIL")
        .cloned()
        .collect();
    old.push(("UNTIL".into(), until.to_string()));
    let new = match count {
        Some(n) if n <= before => None,
        Some(n) => {
            let mut p: Vec<(String, String)> = parts
                .iter()
                .filter(|(k, _)| k != "COUNT")
                .cloned()
                .collect();
            p.push(("COUNT".into(), (n - before).to_string()));
            Some(join(&p))
        }
        None => Some(join(&parts)),
    };
    Ok((join(&old), new))
}

/// Where the change cuts the series, from its payload.
fn split_at(following: &serde_json::Value) -> Result<SplitAt> {
    if let Some(ms) = following["from_ms"].as_i64() {
        return Ok(SplitAt::Ms(ms));
    }
    match following["from_date"].as_str() {
        Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {
            Ok(SplitAt::Date(d.to_string()))
        }
        _ => Err(LibreOllamaError::Internal(
            "a queued 'this and following' change has no instance to start from".into(),
        )),
    }
}

/// RFC 5545's UNTIL for the last moment before `at`: a UTC time for timed series, the day
/// before for all-day ones.
fn until_before(at: &SplitAt) -> Result<String> {
    match at {
        SplitAt::Ms(ms) => chrono::DateTime::from_timestamp_millis(ms.saturating_sub(1000))
            .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
            .ok_or_else(|| {
                LibreOllamaError::InvalidInput(
                    "the event's time is out of the range a calendar can hold; pick another time"
                        .into(),
                )
            }),
        SplitAt::Date(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.pred_opt())
            .map(|d| d.format("%Y%m%d").to_string())
            .ok_or_else(|| LibreOllamaError::InvalidInput(format!("'{d}' is not a date"))),
    }
}

/// Whether a start (`start` of an event or `originalStartTime` of an instance) is before `at`.
fn starts_before(t: &serde_json::Value, at: &SplitAt) -> bool {
    match at {
        SplitAt::Ms(ms) => t["dateTime"]
            .as_str()
            .and_then(instant)
            .is_some_and(|s| s < *ms),
        SplitAt::Date(d) => t["date"].as_str().is_some_and(|s| s < d.as_str()),
    }
}

/// The plan: `old` is the old series' new recurrence (null: nothing left, delete it); `new`
/// the new series' body (null for a deletion of the following ones, or no instance left).
async fn plan(
    api: &CalendarApi,
    calendar: &str,
    series: &str,
    following: &serde_json::Value,
) -> Result<serde_json::Value> {
    let master = api.get_raw(calendar, series).await?;
    let at = split_at(following)?;
    let recurrence: Vec<String> = master["recurrence"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let idx = recurrence
        .iter()
        .position(|l| l.to_ascii_uppercase().starts_with("RRULE:"))
        .ok_or_else(|| {
            LibreOllamaError::InvalidInput(
                "the series no longer repeats in Google Calendar, so 'this and following' was \
                 not sent; sync, then make the change again on the event as it is now"
                    .into(),
            )
        })?;
    let rule = &recurrence[idx]["RRULE:".len()..];
    // COUNT counts every instance the rule makes, cancelled ones too: those before the cut
    // are the old series' share.
    let before = if rule.to_ascii_uppercase().contains("COUNT=") {
        // A day past the cut, then filtered by original start: all-day instances start at
        // midnight in the calendar's zone, which timeMax (an instant) cannot name.
        let time_max = match &at {
            SplitAt::Ms(ms) => utc(ms.saturating_add(86_400_000)),
            SplitAt::Date(d) => format!("{d}T00:00:00Z")
                .parse::<chrono::DateTime<chrono::Utc>>()
                .map(|t| (t + chrono::Duration::days(2)).to_rfc3339())
                .map_err(|_| LibreOllamaError::InvalidInput(format!("'{d}' is not a date")))?,
        };
        let instances = api.instances(calendar, series, &time_max).await?;
        u32::try_from(
            instances
                .iter()
                .filter(|i| starts_before(&i["originalStartTime"], &at))
                .count(),
        )
        .unwrap_or(u32::MAX)
    } else {
        0
    };
    let (old_rule, new_rule) = split_rule(rule, &until_before(&at)?, before)?;
    let old = if starts_before(&master["start"], &at) {
        let mut r = recurrence.clone();
        r[idx] = format!("RRULE:{old_rule}");
        serde_json::json!(r)
    } else {
        serde_json::Value::Null
    };
    let new = match (following.get("new_id").and_then(|v| v.as_str()), new_rule) {
        (Some(id), Some(rule)) => new_series(&master, following, id, &rule, &recurrence)?,
        _ => serde_json::Value::Null,
    };
    Ok(serde_json::json!({ "old": old, "new": new }))
}

fn new_series(
    master: &serde_json::Value,
    following: &serde_json::Value,
    id: &str,
    rule: &str,
    recurrence: &[String],
) -> Result<serde_json::Value> {
    let mut b = serde_json::Map::new();
    for k in KEPT_FIELDS {
        if let Some(v) = master.get(*k) {
            b.insert((*k).into(), v.clone());
        }
    }
    for k in ["summary", "location", "description"] {
        if let Some(v) = following["text"].get(k) {
            b.insert(k.into(), v.clone());
        }
    }
    b.insert("id".into(), id.into());
    let timing: EventTiming = serde_json::from_value(following["timing"].clone())
        .map_err(|_| LibreOllamaError::Internal("a queued series change lost its times".into()))?;
    let (mut start, mut end) = super::edits::times_json(&timing);
    // A repeating event needs its time zone (the rule repeats in it); the old series' is kept.
    if let (Some(zone), EventTiming::Timed { .. }) = (master["start"]["timeZone"].as_str(), &timing)
    {
        start["timeZone"] = zone.into();
        end["timeZone"] = zone.into();
    }
    b.insert("start".into(), start);
    b.insert("end".into(), end);
    // Exceptions (EXDATE) carry over; extra dates (RDATE) stay with the old series.
    let mut rec = vec![format!("RRULE:{rule}")];
    rec.extend(
        recurrence
            .iter()
            .filter(|l| l.to_ascii_uppercase().starts_with("EXDATE"))
            .cloned(),
    );
    b.insert("recurrence".into(), rec.into());
    Ok(serde_json::Value::Object(b))
}

/// Sends a "this and following" change (see the module notes).
pub(super) async fn send(
    store: &Store,
    api: &CalendarApi,
    op: &ClaimedOp,
    owner: &str,
) -> Result<()> {
    let (cal, series) = (op.calendar_id.as_str(), op.event_id.as_str());
    let following = &op.payload["following"];
    let plan = match following.get("plan") {
        Some(p) if p.is_object() => p.clone(),
        _ => {
            let p = plan(api, cal, series, following).await?;
            let mut payload = op.payload.clone();
            payload["following"]["plan"] = p.clone();
            let (seq, own) = (op.seq(), owner.to_string());
            if !store
                .write(move |c| ops::set_payload(c, seq, &own, &payload))
                .await?
            {
                return Err(LibreOllamaError::Internal(
                    "another pass took over this calendar change".into(),
                ));
            }
            p
        }
    };
    // The new series first: if Google refuses it, the old one is still whole (a failure
    // leaves nothing missing, at worst both for a while).
    if plan["new"].is_object() {
        match api.insert(cal, &plan["new"]).await {
            // Our id is already there: an earlier try reached Google.
            Err(LibreOllamaError::GoogleApi { status: 409, .. }) | Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    if plan["old"].is_array() {
        let body = serde_json::json!({ "recurrence": plan["old"] });
        api.patch(cal, series, &body).await?;
    } else {
        match api.delete(cal, series).await {
            Err(LibreOllamaError::GoogleApi {
                status: 404 | 410, ..
            })
            | Ok(()) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_rule_is_cut_and_continued() {
        assert_eq!(
            split_rule("FREQ=DAILY", "20261203T085959Z", 0).unwrap(),
            (
                "FREQ=DAILY;UNTIL=20261203T085959Z".to_string(),
                Some("FREQ=DAILY".to_string())
            )
        );
        // COUNT: the old part keeps 3, the new one the other 7.
        assert_eq!(
            split_rule("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", "20261203T085959Z", 3).unwrap(),
            (
                "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261203T085959Z".to_string(),
                Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=7".to_string())
            )
        );
        // An UNTIL stays the new part's end.
        assert_eq!(
            split_rule("FREQ=DAILY;UNTIL=20270101", "20261203", 0)
                .unwrap()
                .1
                .as_deref(),
            Some("FREQ=DAILY;UNTIL=20270101")
        );
        assert_eq!(split_rule("FREQ=DAILY;COUNT=3", "x", 3).unwrap().1, None);
        for bad in [
            "",
            "DAILY",
            "FREQ=",
            "COUNT=3",
            "FREQ=DAILY;COUNT=x",
            "FREQ=A;FREQ=B",
        ] {
            assert!(split_rule(bad, "20261203", 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cut_is_the_moment_before() {
        let at = SplitAt::Ms(1_796_374_800_000); // 2026-12-04T09:00:00Z
        assert_eq!(until_before(&at).unwrap(), "20261204T085959Z");
        assert_eq!(
            until_before(&SplitAt::Date("2026-03-01".into())).unwrap(),
            "20260228"
        );
        assert!(until_before(&SplitAt::Ms(i64::MIN)).is_err());
    }

    proptest! {
        /// Whatever Google's JSON holds as a rule: a plan or an error, never a panic.
        #[test]
        fn any_rule_text_gives_a_result(rule in "\\PC{0,80}", before in any::<u32>()) {
            let _ = split_rule(&rule, "20261203T085959Z", before);
        }
    }
}
