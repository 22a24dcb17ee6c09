//! Sends the queued calendar changes to Google, in order, through the one queue engine: one
//! pusher per account across processes (a file lock), each change claimed with a lease, then
//! done, tried again later with a back-off, or failed with the reason kept.
//!
//! No look-up is needed when a claim was taken over from a pass that died mid-request: every
//! change is safe to send twice. An insert carries the id made here (Google answers 409 if it
//! has it), a deletion Google already had answers 404/410, an answer sets only our own status,
//! and an edit sends absolute values (a series move is worked out once, kept, then sent).

use crate::clock::Clock;
use crate::error::{LibreOllamaError, Result};
use crate::google::calendar::CalendarApi;
use crate::store::calendar_ops::{self as ops, ClaimedOp, OpKind};
use crate::store::locks::PusherLock;
use crate::store::queue::{self, Queue};
use crate::store::Store;

use super::{instant, utc};

/// Waits after the n-th failed try: 5 s, 10 s, 20 s … up to 15 min (at least what Google asked).
fn backoff_ms(attempts: i64, e: &LibreOllamaError) -> i64 {
    let ours = (5_000i64 << (attempts - 1).clamp(0, 10)).min(15 * 60_000);
    match e {
        LibreOllamaError::RateLimited {
            retry_after_secs, ..
        } => ours.max(
            i64::try_from(*retry_after_secs)
                .unwrap_or(0)
                .saturating_mul(1000),
        ),
        _ => ours,
    }
}

/// Sends the queued calendar changes in order; how many reached Google. Offline and Google's
/// 5xx stop the queue (the change waits, backing off, and holds back the ones after it); other
/// refusals fail that change alone, with the reason kept. If another pass (here or in another
/// process) is sending this account's changes, this one sends nothing.
pub async fn push(store: &Store, api: &CalendarApi, account: &str, clock: &Clock) -> Result<usize> {
    let Some(_pusher) = PusherLock::try_acquire(store.data_dir(), Queue::CalendarOps, account)?
    else {
        tracing::debug!(account, "another pass is sending the calendar changes");
        return Ok(0);
    };
    let owner = queue::new_owner();
    let mut sent = 0;
    loop {
        let (acc, own, now) = (account.to_string(), owner.clone(), clock.now_ms());
        let op = store
            .write(move |c| ops::claim_first(c, &acc, &own, now))
            .await?;
        let Some(op) = op else {
            return Ok(sent);
        };
        if op.claim.taken_over {
            tracing::info!(
                seq = op.seq(),
                "sending a calendar change again after a cut-off try"
            );
        }
        let (seq, attempts) = (op.seq(), op.claim.attempts);
        let (acc, own) = (account.to_string(), owner.clone());
        match send(store, api, &op, &owner).await {
            Ok(renamed) => {
                let done = store
                    .transaction(move |tx| {
                        let done = ops::done(tx, &acc, &op, &own, renamed.as_deref())?;
                        if let Some(new) = op.payload["following"]["new_id"].as_str() {
                            crate::store::calendar::remove_split_stand_ins(
                                tx,
                                &acc,
                                &op.calendar_id,
                                new,
                            )?;
                        }
                        Ok(done)
                    })
                    .await?;
                if done {
                    sent += 1;
                }
            }
            Err(e) if e.retry_later() => {
                let (msg, at) = (e.to_string(), clock.now_ms() + backoff_ms(attempts, &e));
                store
                    .write(move |c| queue::retry_later(c, Queue::CalendarOps, seq, &own, &msg, at))
                    .await?;
                return Err(e);
            }
            Err(e) => {
                let msg = e.to_string();
                store
                    .write(move |c| queue::fail(c, Queue::CalendarOps, seq, &own, &msg))
                    .await?;
            }
        }
    }
}

/// Sends one change. Google keeps the id we made; a server that gives its own (the emulator
/// does) has it returned here, to be recorded for the event and for the changes queued after.
async fn send(
    store: &Store,
    api: &CalendarApi,
    op: &ClaimedOp,
    owner: &str,
) -> Result<Option<String>> {
    let (cal, event) = (op.calendar_id.as_str(), op.event_id.as_str());
    match op.kind {
        OpKind::Insert => match api.insert(cal, &op.payload).await {
            Ok(created) if !created.id.is_empty() && created.id != event => Ok(Some(created.id)),
            Ok(_) => Ok(None),
            // Our id is already there: an earlier try reached Google.
            Err(LibreOllamaError::GoogleApi { status: 409, .. }) => Ok(None),
            Err(e) => Err(e),
        },
        OpKind::Patch if op.payload.get("following").is_some() => {
            super::split::send(store, api, op, owner)
                .await
                .map(|_| None)
        }
        OpKind::Patch => {
            let body = match series_move(api, cal, event, &op.payload).await? {
                Some(body) => {
                    // Kept before sending, so that another try sends these times instead of
                    // moving the series again from wherever this one left it.
                    let (seq, own) = (op.seq(), owner.to_string());
                    let payload = serde_json::json!({ "body": body });
                    if !store
                        .write(move |c| ops::set_payload(c, seq, &own, &payload))
                        .await?
                    {
                        return Err(LibreOllamaError::Internal(
                            "another pass took over this calendar change".into(),
                        ));
                    }
                    body
                }
                None => body_of(&op.payload),
            };
            api.patch(cal, event, &body).await.map(|_| None)
        }
        OpKind::Delete => match api.delete(cal, event).await {
            // Already gone at Google: what the user wanted.
            Err(LibreOllamaError::GoogleApi {
                status: 404 | 410, ..
            }) => Ok(None),
            r => r.map(|_| None),
        },
        OpKind::Rsvp => rsvp(api, cal, event, op.payload["answer"].as_str().unwrap_or(""))
            .await
            .map(|_| None),
    }
}

fn body_of(payload: &serde_json::Value) -> serde_json::Value {
    let body = &payload["body"];
    if body.is_object() {
        body.clone()
    } else {
        serde_json::json!({})
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

/// For an edit that moves a whole series: the body to send, with the series' own start and end
/// read from Google and moved by the same amount (its time zone kept). None for other edits.
async fn series_move(
    api: &CalendarApi,
    calendar: &str,
    event: &str,
    payload: &serde_json::Value,
) -> Result<Option<serde_json::Value>> {
    if payload.get("shift_ms").is_none() && payload.get("shift_days").is_none() {
        return Ok(None);
    }
    let mut body = body_of(payload);
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
        end["date"] = (first + chrono::Duration::days(payload["len_days"].as_i64().unwrap_or(1)))
            .to_string()
            .into();
    }
    body["start"] = start;
    body["end"] = end;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_is_capped_and_honours_google() {
        let net = LibreOllamaError::Network {
            service: "Calendar".into(),
            reason: "offline".into(),
        };
        assert_eq!(backoff_ms(1, &net), 5_000);
        assert_eq!(backoff_ms(2, &net), 10_000);
        assert_eq!(backoff_ms(60, &net), 15 * 60_000);
        let slow = LibreOllamaError::RateLimited {
            service: "Calendar".into(),
            retry_after_secs: 120,
        };
        assert_eq!(backoff_ms(1, &slow), 120_000);
    }
}
