//! Google Calendar into the cache: against the `emulate` emulator (calendarList, events list,
//! insert, delete) — an event at 09:00 Europe/Paris is the same instant in every zone and the
//! agenda shows it at the viewer's local time — and against a scripted server (wiremock) for
//! what emulate lacks: incremental sync with a sync token, cancelled instances, and 410 Gone,
//! which wipes that calendar's cache and fetches it again.

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::google::calendar::CalendarApi;
use libreollama::model::{EventEdit, EventScope, EventTiming, EventView};
use libreollama::services::AppServices;
use libreollama::store::{calendar, queue};
use serde_json::json;
use support::calendar::{bodies, ms, shown};
use support::peers;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn seed(port: u16) -> String {
    format!(
        "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: cal.apps.googleusercontent.com\n      client_secret: GOCSPX-cal\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n  calendars:\n    - id: primary\n      user_email: ada@example.com\n      summary: ada@example.com\n      primary: true\n      selected: true\n      time_zone: Europe/Paris\n  calendar_events:\n    - id: evt_kickoff\n      user_email: ada@example.com\n      calendar_id: primary\n      summary: Project Kickoff\n      start_date_time: {d}T08:00:00.000Z\n      end_date_time: {d}T08:30:00.000Z\n",
        d = tomorrow()
    )
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

/// Runs `libreollama --data-dir <dir> <args>` with `env`, checks it succeeded, returns stdout.
fn cli(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    support::cli::run_ok(support::cli::command(dir, args).envs(env.iter().copied()))
}

/// Four days: the event two UTC days ahead is three local days ahead west of UTC just after
/// midnight UTC.
fn agenda(dir: &std::path::Path, tz: &str) -> String {
    cli(dir, &["calendar", "agenda", "--days", "4"], &[("TZ", tz)])
}

#[tokio::test(flavor = "multi_thread")]
async fn emulate_events_are_one_instant_everywhere() {
    let si =
        peers::signed_in_ada(seed, "cal.apps.googleusercontent.com", "GOCSPX-cal", |_| {}).await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    let api = CalendarApi::new(
        s.google.clone(),
        s.config.google.endpoints.calendar_base.clone(),
        acc.clone(),
    );
    // 09:00 in Paris (UTC+1 in winter) on the day after tomorrow.
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let paris = api
        .insert(
            "primary",
            &json!({
                "summary": "Call with Paris",
                "start": {"dateTime": format!("{day}T09:00:00+01:00"), "timeZone": "Europe/Paris"},
                "end": {"dateTime": format!("{day}T10:00:00+01:00"), "timeZone": "Europe/Paris"},
            }),
        )
        .await
        .unwrap();
    let r = libreollama::sync::calendar::sync(&s.store, &api, &acc)
        .await
        .unwrap();
    assert_eq!((r.calendars, r.changed), (1, 2), "{r:?}");
    let expect = chrono::DateTime::parse_from_rfc3339(&format!("{day}T08:00:00Z"))
        .unwrap()
        .timestamp_millis();
    let (pid, a) = (paris.id.clone(), acc.clone());
    let stored = s
        .store
        .read(move |c| calendar::event(c, &a, "primary", &pid))
        .await
        .unwrap()
        .unwrap();
    let EventTiming::Timed {
        start_ms: start, ..
    } = stored.timing
    else {
        panic!("a timed event: {stored:?}")
    };
    assert_eq!(
        start, expect,
        "the instant, whatever zone it was written in"
    );

    // The agenda in other processes: local time follows the viewer's zone.
    for (tz, want) in [
        ("America/New_York", "03:00–04:00  Call with Paris"),
        ("Asia/Tokyo", "17:00–18:00  Call with Paris"),
        ("Europe/Paris", "09:00–10:00  Call with Paris"),
    ] {
        let text = agenda(si.dir.path(), tz);
        assert!(text.contains(want), "{tz}: {text}");
        assert!(text.contains("Project Kickoff"), "{tz}: {text}");
    }

    // Deleted at Google: gone here after the next sync.
    api.delete("primary", &paris.id).await.unwrap();
    libreollama::sync::calendar::sync(&s.store, &api, &acc)
        .await
        .unwrap();
    let text = agenda(si.dir.path(), "UTC");
    assert!(!text.contains("Call with Paris"), "{text}");
    assert!(text.contains("Project Kickoff"), "{text}");

    // Made here, then deleted here: the emulator gets the event with our id, then loses it.
    let at = ms(&format!("{day}T12:00:00Z"));
    let id = s
        .calendar
        .create("primary", "primary", &timed("Lunch", at, at + 3_600_000))
        .await
        .map(|_| ())
        .err()
        .map(|e| e.to_string());
    assert!(id.is_some(), "an unknown account is refused");
    s.calendar
        .create(&acc, "primary", &timed("Lunch", at, at + 3_600_000))
        .await
        .unwrap();
    s.calendar.sync(&acc).await.unwrap();
    // The emulator gives events its own ids (Google keeps ours): the one it gave is used here.
    let here: Vec<EventView> = shown(&s)
        .await
        .into_iter()
        .filter(|e| e.summary == "Lunch")
        .collect();
    assert_eq!(here.len(), 1, "one event, under one id: {here:?}");
    let id = here[0].id.clone();
    let at_google = |list: Vec<libreollama::google::calendar::GEvent>| {
        list.iter()
            .filter(|e| {
                e.summary.as_deref() == Some("Lunch") && e.status.as_deref() != Some("cancelled")
            })
            .map(|e| e.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at_google(api.events("primary", None, None).await.unwrap().events),
        std::slice::from_ref(&id)
    );
    s.calendar
        .delete(&acc, "primary", &id, EventScope::This)
        .await
        .unwrap();
    s.calendar.sync(&acc).await.unwrap();
    assert!(at_google(api.events("primary", None, None).await.unwrap().events).is_empty());
    assert!(!agenda(si.dir.path(), "UTC").contains("Lunch"));
}

async fn scripted_account(server: &MockServer) -> (std::sync::Arc<AppServices>, tempfile::TempDir) {
    support::calendar::account_at(&server.uri()).await
}

fn timed(summary: &str, start_ms: i64, end_ms: i64) -> EventEdit {
    EventEdit {
        summary: summary.into(),
        location: String::new(),
        description: String::new(),
        timing: EventTiming::Timed { start_ms, end_ms },
    }
}

fn event(id: &str, summary: &str, status: &str) -> serde_json::Value {
    json!({"kind": "calendar#event", "id": id, "status": status, "summary": summary,
        "start": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-12-01T10:00:00+01:00", "timeZone": "Europe/Paris"},
        "recurringEventId": "series", "updated": "2026-11-20T10:00:00.000Z"})
}

async fn cached(s: &AppServices) -> Vec<String> {
    s.store
        .read(|c| calendar::event_ids(c, "acc"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_tokens_carry_changes_and_410_starts_over() {
    let server = MockServer::start().await;
    let (s, _dir) = scripted_account(&server).await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work", "timeZone": "Europe/Paris", "primary": true, "accessRole": "owner"}]})))
        .mount(&server)
        .await;
    let events = "/calendar/v3/calendars/work/events";
    // First: everything, recurring events as instances.
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param_is_missing("syncToken"))
        .and(query_param("singleEvents", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#events",
            "items": [event("standup_1", "Standup", "confirmed"), event("standup_2", "Standup", "confirmed")],
            "nextSyncToken": "t1"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // Then: only changes (one instance cancelled, one new event).
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param("syncToken", "t1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#events",
            "items": [{"kind": "calendar#event", "id": "standup_2", "status": "cancelled"}, event("retro", "Retro", "confirmed")],
            "nextSyncToken": "t2"})))
        .mount(&server)
        .await;
    // The token has expired: Google answers 410, the calendar is fetched again in full.
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param("syncToken", "t2"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({"error": {"code": 410, "message": "Sync token is no longer valid, a full sync is required.",
            "status": "GONE", "errors": [{"domain": "global", "reason": "fullSyncRequired", "message": "Sync token is no longer valid, a full sync is required."}]}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param_is_missing("syncToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#events",
            "items": [event("retro", "Retro", "confirmed"), event("planning", "Planning", "confirmed")],
            "nextSyncToken": "t3"})))
        .mount(&server)
        .await;

    let api = CalendarApi::new(
        s.google.clone(),
        s.config.google.endpoints.calendar_base.clone(),
        "acc",
    );
    let r = libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    assert_eq!((r.changed, r.resynced), (2, 0));
    assert_eq!(cached(&s).await, ["standup_1", "standup_2"]);
    let r = libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    assert_eq!((r.changed, r.removed), (1, 1), "{r:?}");
    assert_eq!(cached(&s).await, ["retro", "standup_1"]);
    let r = libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    assert_eq!(r.resynced, 1, "{r:?}");
    assert_eq!(
        cached(&s).await,
        ["planning", "retro"],
        "wiped and fetched again"
    );
    let tokens = s
        .store
        .read(|c| calendar::sync_tokens(c, "acc"))
        .await
        .unwrap();
    assert_eq!(tokens, [("work".to_string(), Some("t3".to_string()))]);
}

#[tokio::test(flavor = "multi_thread")]
async fn events_made_and_answered_here_reach_google_once_and_touch_only_our_answer() {
    let server = MockServer::start().await;
    let (s, _dir) = scripted_account(&server).await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work", "primary": true}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#events",
            "items": [{"kind": "calendar#event", "id": "invite", "status": "confirmed", "summary": "Board meeting",
                "start": {"dateTime": "2026-12-03T15:00:00Z"}, "end": {"dateTime": "2026-12-03T16:00:00Z"},
                "attendees": [{"email": "ada@example.com", "self": true, "responseStatus": "needsAction"},
                              {"email": "bob@example.com", "responseStatus": "accepted", "optional": true, "comment": "on a train"}]}],
            "nextSyncToken": "t1"})))
        .mount(&server)
        .await;
    s.calendar.sync("acc").await.unwrap();

    // A new event shows at once, before any network.
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z")
        .unwrap()
        .timestamp_millis();
    let bad = s
        .calendar
        .create("acc", "work", &timed("  ", start, start + 3_600_000))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("needs a title"), "{bad}");
    let id = s
        .calendar
        .create(
            "acc",
            "work",
            &timed("Lunch with Grace", start, start + 3_600_000),
        )
        .await
        .unwrap();
    let shown = s
        .calendar
        .between(start, start + 1, "2026-12-02".into(), "2026-12-03".into())
        .await
        .unwrap();
    assert!(shown
        .iter()
        .any(|e| e.id == id && e.summary == "Lunch with Grace"));
    s.calendar
        .rsvp("acc", "work", "invite", "accepted")
        .await
        .unwrap();
    let bad = s
        .calendar
        .rsvp("acc", "work", "invite", "maybe")
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("accepted, declined or tentative"),
        "{bad}"
    );

    // Google already has our id (an earlier try whose answer was lost): 409, counted as sent.
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"error": {"code": 409, "message": "The requested identifier already exists.",
            "status": "ALREADY_EXISTS", "errors": [{"domain": "global", "reason": "duplicate", "message": "The requested identifier already exists."}]}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events/invite"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#event", "id": "invite", "summary": "Board meeting",
            "attendees": [{"email": "ada@example.com", "self": true, "responseStatus": "needsAction"},
                          {"email": "bob@example.com", "responseStatus": "accepted", "optional": true, "comment": "on a train"}]})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/calendar/v3/calendars/work/events/invite"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "calendar#event", "id": "invite"})),
        )
        .mount(&server)
        .await;
    assert_eq!(s.calendar.push("acc").await.unwrap(), 2);
    let reqs = server.received_requests().await.unwrap();
    let inserts: Vec<_> = reqs
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(inserts.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&inserts[0].body).unwrap();
    assert_eq!(
        body["id"],
        id.as_str(),
        "the id made here is the event's id at Google"
    );
    let patch = reqs.iter().find(|r| r.method.as_str() == "PATCH").unwrap();
    let body: serde_json::Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        json!({"attendees": [{"email": "ada@example.com", "self": true, "responseStatus": "accepted"},
                             {"email": "bob@example.com", "responseStatus": "accepted", "optional": true, "comment": "on a train"}]}),
        "only our own answer changes"
    );
    assert_eq!(
        s.calendar.push("acc").await.unwrap(),
        0,
        "nothing left to send"
    );
}

/// Edits and deletions, local-first: shown at once, kept through a pull that still has the old
/// version, then sent with only what changed; a series moved as a whole keeps its time zone; a
/// deletion Google already had counts as sent; all-day events go as dates.
#[tokio::test(flavor = "multi_thread")]
async fn edits_and_deletions_show_at_once_survive_a_pull_and_send_only_what_changed() {
    let server = MockServer::start().await;
    let (s, _dir) = scripted_account(&server).await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work", "primary": true, "accessRole": "owner"}]})))
        .mount(&server)
        .await;
    let instance = |id: &str, day: &str| {
        json!({"kind": "calendar#event", "id": id, "status": "confirmed", "summary": "Standup",
            "start": {"dateTime": format!("{day}T09:00:00+01:00"), "timeZone": "Europe/Paris"},
            "end": {"dateTime": format!("{day}T09:15:00+01:00"), "timeZone": "Europe/Paris"},
            "recurringEventId": "standup"})
    };
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#events",
            "items": [
                {"kind": "calendar#event", "id": "solo", "status": "confirmed", "summary": "Dentist", "location": "Main St 4",
                 "start": {"dateTime": "2026-12-04T14:00:00Z"}, "end": {"dateTime": "2026-12-04T15:00:00Z"}},
                instance("standup_20261201", "2026-12-01"),
                instance("standup_20261202", "2026-12-02")],
            "nextSyncToken": "t1"})))
        .mount(&server)
        .await;
    let api = CalendarApi::new(
        s.google.clone(),
        s.config.google.endpoints.calendar_base.clone(),
        "acc",
    );
    libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();

    // Only the title of one event; the whole series half an hour later and 30 minutes long.
    let mut dentist = timed(
        "Dentist (check-up)",
        ms("2026-12-04T14:00:00Z"),
        ms("2026-12-04T15:00:00Z"),
    );
    dentist.location = "Main St 4".into();
    s.calendar
        .edit("acc", "work", "solo", &dentist, EventScope::This)
        .await
        .unwrap();
    s.calendar
        .edit(
            "acc",
            "work",
            "standup_20261201",
            &timed(
                "Standup",
                ms("2026-12-01T08:30:00Z"),
                ms("2026-12-01T09:00:00Z"),
            ),
            EventScope::All,
        )
        .await
        .unwrap();
    let bad = s
        .calendar
        .edit(
            "acc",
            "work",
            "solo",
            &timed(
                "Dentist",
                ms("2026-12-04T15:00:00Z"),
                ms("2026-12-04T14:00:00Z"),
            ),
            EventScope::This,
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("end after it starts"), "{bad}");
    let check = |v: &[EventView]| {
        let by = |id: &str| v.iter().find(|e| e.id == id).cloned();
        assert_eq!(by("solo").unwrap().summary, "Dentist (check-up)");
        for (id, day) in [
            ("standup_20261201", "2026-12-01"),
            ("standup_20261202", "2026-12-02"),
        ] {
            let e = by(id).unwrap();
            assert_eq!(
                (e.start_ms, e.end_ms),
                (
                    Some(ms(&format!("{day}T08:30:00Z"))),
                    Some(ms(&format!("{day}T09:00:00Z")))
                ),
                "{id} moved with its series"
            );
            assert_eq!(e.series_id.as_deref(), Some("standup"));
        }
    };
    check(&shown(&s).await);
    // A pull that still has Google's old version (the push has not happened) keeps the edits.
    libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    check(&shown(&s).await);

    // Delete one instance (Google already lost it: 404 is what the user wanted) and make an
    // all-day event.
    s.calendar
        .delete("acc", "work", "standup_20261202", EventScope::This)
        .await
        .unwrap();
    assert!(!shown(&s).await.iter().any(|e| e.id == "standup_20261202"));
    let bad = s
        .calendar
        .create(
            "acc",
            "work",
            &EventEdit {
                timing: EventTiming::AllDay {
                    start_date: "2026-12-10".into(),
                    end_date: "2026-12-09".into(),
                },
                ..timed("Offsite", 0, 1)
            },
        )
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("on or after the day it starts"),
        "{bad}"
    );
    let offsite = s
        .calendar
        .create(
            "acc",
            "work",
            &EventEdit {
                timing: EventTiming::AllDay {
                    start_date: "2026-12-10".into(),
                    end_date: "2026-12-12".into(),
                },
                ..timed("Offsite", 0, 1)
            },
        )
        .await
        .unwrap();

    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events/standup"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "calendar#event", "id": "standup", "summary": "Standup",
            "start": {"dateTime": "2026-11-02T09:00:00+01:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2026-11-02T09:15:00+01:00", "timeZone": "Europe/Paris"},
            "recurrence": ["RRULE:FREQ=DAILY"]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#event", "id": "x"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": 404, "message": "Not Found",
            "errors": [{"domain": "global", "reason": "notFound", "message": "Not Found"}]}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "calendar#event", "id": offsite})),
        )
        .mount(&server)
        .await;
    assert_eq!(s.calendar.push("acc").await.unwrap(), 4);
    let reqs = server.received_requests().await.unwrap();
    let patches = bodies(&reqs, "PATCH");
    assert_eq!(
        patches,
        [
            (
                "/calendar/v3/calendars/work/events/solo".to_string(),
                json!({"summary": "Dentist (check-up)"})
            ),
            (
                "/calendar/v3/calendars/work/events/standup".to_string(),
                json!({"start": {"dateTime": "2026-11-02T08:30:00Z", "timeZone": "Europe/Paris"},
                       "end": {"dateTime": "2026-11-02T09:00:00Z", "timeZone": "Europe/Paris"}})
            ),
        ],
        "only what changed; the series moved from its own start, its zone kept"
    );
    assert_eq!(
        bodies(&reqs, "DELETE")
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
        ["/calendar/v3/calendars/work/events/standup_20261202"]
    );
    let insert = &bodies(&reqs, "POST")[0].1;
    assert_eq!(
        (&insert["start"], &insert["end"]),
        (
            &json!({"date": "2026-12-10"}),
            &json!({"date": "2026-12-12"})
        ),
        "all-day events go as dates"
    );
    assert_eq!(s.calendar.push("acc").await.unwrap(), 0);
}

/// A calendar `work` with no events at the scripted server; the account's cache is synced.
async fn empty_work_calendar(server: &MockServer, s: &AppServices) {
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work", "primary": true, "accessRole": "owner"}]})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"kind": "calendar#events", "items": [], "nextSyncToken": "t1"}),
            ),
        )
        .mount(server)
        .await;
    s.calendar.sync("acc").await.unwrap();
}

/// Google's answer to an insert: the event as sent (with the id made here).
struct Created;

impl wiremock::Respond for Created {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let mut body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        body["kind"] = "calendar#event".into();
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_millis(10))
    }
}

fn inserted_ids(reqs: &[wiremock::Request]) -> Vec<String> {
    bodies(reqs, "POST")
        .into_iter()
        .map(|(_, b)| b["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn queued(s: &AppServices) -> (i64, i64) {
    s.store
        .read(|c| queue::counts(c, queue::Queue::CalendarOps, Some("acc")))
        .await
        .unwrap()
}

/// `libreollama calendar sync` goes through the service as the app does: the edit waiting in
/// the queue reaches Google before Google's events come back.
#[tokio::test(flavor = "multi_thread")]
async fn calendar_sync_from_the_cli_sends_the_change_waiting_here() {
    let server = MockServer::start().await;
    let (s, dir) = scripted_account(&server).await;
    empty_work_calendar(&server, &s).await;
    let at = ms("2026-12-02T09:00:00Z");
    let id = s
        .calendar
        .create("acc", "work", &timed("Dentist", at, at + 3_600_000))
        .await
        .unwrap();
    assert_eq!(queued(&s).await, (1, 0));
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(Created)
        .mount(&server)
        .await;
    let (d, base) = (
        dir.path().to_path_buf(),
        format!("{}/calendar/v3/", server.uri()),
    );
    let out = tokio::task::spawn_blocking(move || {
        cli(
            &d,
            &["calendar", "sync", "acc"],
            &[("LIBREOLLAMA_GOOGLE_CALENDAR_URL", &base)],
        )
    })
    .await
    .unwrap();
    assert!(out.contains("1 change sent"), "{out}");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        inserted_ids(&reqs),
        std::slice::from_ref(&id),
        "sent once, with our id"
    );
    assert_eq!(queued(&s).await, (0, 0), "nothing left to send");
    assert!(shown(&s).await.iter().any(|e| e.id == id));
}

/// Offline stops the queue: the change waits with a back-off, and the ones made after it wait
/// behind it, until its time comes (the clock moves; nothing sleeps).
#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_google_holds_the_queue_in_order_until_the_back_off_ends() {
    let server = MockServer::start().await;
    let (s, _dir) = scripted_account(&server).await;
    empty_work_calendar(&server, &s).await;
    let clock = libreollama::clock::Clock::system();
    let cal = libreollama::services::CalendarService::new(
        s.store.clone(),
        s.google.clone(),
        s.config.google.endpoints.calendar_base.clone(),
    )
    .with_clock(clock.clone());
    let at = ms("2026-12-02T09:00:00Z");
    let first = cal
        .create("acc", "work", &timed("First", at, at + 60_000))
        .await
        .unwrap();
    let second = cal
        .create("acc", "work", &timed("Second", at, at + 60_000))
        .await
        .unwrap();
    let busy = Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": {"code": 503, "message": "Backend Error",
            "errors": [{"domain": "global", "reason": "backendError", "message": "Backend Error"}]}})))
        .mount_as_scoped(&server)
        .await;
    let e = cal.push("acc").await.unwrap_err();
    assert!(e.retry_later(), "{e}");
    let tried = server.received_requests().await.unwrap().len();
    assert_eq!(queued(&s).await, (2, 0), "both wait");
    // Within the back-off nothing is sent, not even the change after it.
    assert_eq!(cal.push("acc").await.unwrap(), 0);
    assert_eq!(server.received_requests().await.unwrap().len(), tried);
    drop(busy);
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(Created)
        .mount(&server)
        .await;
    assert_eq!(cal.push("acc").await.unwrap(), 0);
    clock.advance(Duration::from_secs(6));
    assert_eq!(cal.push("acc").await.unwrap(), 2);
    let reqs = server.received_requests().await.unwrap();
    let ids = inserted_ids(&reqs);
    assert_eq!(ids.last(), Some(&second), "{ids:?}");
    assert_eq!(ids.iter().filter(|i| **i == second).count(), 1, "{ids:?}");
    assert!(
        ids[..ids.len() - 1].iter().all(|i| *i == first),
        "the second waited behind the first: {ids:?}"
    );
    assert_eq!(queued(&s).await, (0, 0));
}

/// The app and `libreollama calendar sync` drain one folder's queue at the same time: every
/// change reaches Google exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_one_folder_send_each_change_once() {
    const N: usize = 30;
    let server = MockServer::start().await;
    let (s, dir) = scripted_account(&server).await;
    empty_work_calendar(&server, &s).await;
    let at = ms("2026-12-02T09:00:00Z");
    let mut ids = Vec::new();
    for i in 0..N {
        let t = at + i as i64 * 3_600_000;
        ids.push(
            s.calendar
                .create(
                    "acc",
                    "work",
                    &timed(&format!("Meeting {i}"), t, t + 60_000),
                )
                .await
                .unwrap(),
        );
    }
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(Created)
        .mount(&server)
        .await;
    let (d, base) = (
        dir.path().to_path_buf(),
        format!("{}/calendar/v3/", server.uri()),
    );
    let other = tokio::task::spawn_blocking(move || {
        cli(
            &d,
            &["calendar", "sync", "acc"],
            &[("LIBREOLLAMA_GOOGLE_CALENDAR_URL", &base)],
        )
    });
    let mut here = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while queued(&s).await.0 > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the queue never drained"
        );
        here += s.calendar.push("acc").await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let out = other.await.unwrap();
    let there: usize = out
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(here + there, N, "here {here}, the CLI {there}: {out}");
    let mut sent = inserted_ids(&server.received_requests().await.unwrap());
    sent.sort();
    ids.sort();
    assert_eq!(sent, ids, "each change once");
    assert_eq!(queued(&s).await, (0, 0), "none failed");
}
