//! "This and following" for a repeating event, against a scripted Calendar server (wiremock;
//! emulate has no recurrence): shown at once (the instances from the chosen one on become a
//! new series with the new text and times), kept through a pull before the push, then sent
//! as Google Calendar does it (RFC 5545): the old series' rule ends with an UNTIL just before
//! the chosen instance, and a new series starts there with the rest of the COUNT (cancelled
//! instances count) and the old one's exceptions and reminders. Deleting "this and following"
//! only cuts the rule.

#![cfg(feature = "backend")]

mod support;

use libreollama::google::calendar::CalendarApi;
use libreollama::model::{EventEdit, EventScope, EventTiming, EventView};
use serde_json::json;
use support::calendar::{bodies, ms, shown};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An instance of `series` on `day` at `hh:mm` UTC (15 minutes), in Room 1.
fn instance(series: &str, day: u32, hh_mm: &str, summary: &str, status: &str) -> serde_json::Value {
    let d = format!("2026-12-{day:02}");
    let compact = format!("202612{day:02}T{}00Z", hh_mm.replace(':', ""));
    let end = {
        let (h, m) = hh_mm.split_once(':').unwrap();
        let total: u32 = h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap() + 15;
        format!("{:02}:{:02}", total / 60, total % 60)
    };
    json!({"kind": "calendar#event", "id": format!("{series}_{compact}"), "status": status,
        "summary": summary, "location": "Room 1", "recurringEventId": series,
        "originalStartTime": {"dateTime": format!("{d}T{hh_mm}:00Z"), "timeZone": "Europe/Paris"},
        "start": {"dateTime": format!("{d}T{hh_mm}:00Z"), "timeZone": "Europe/Paris"},
        "end": {"dateTime": format!("{d}T{end}:00Z"), "timeZone": "Europe/Paris"}})
}

fn master(rule: &str) -> serde_json::Value {
    json!({"kind": "calendar#event", "id": "standup", "status": "confirmed", "etag": "\"3\"",
        "htmlLink": "https://calendar.example/standup", "summary": "Standup", "location": "Room 1",
        "start": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-12-01T09:15:00+01:00", "timeZone": "Europe/Paris"},
        "recurrence": [rule, "EXDATE;TZID=Europe/Paris:20261208T090000"],
        "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 5}]}})
}

async fn calendar_list(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work", "primary": true, "accessRole": "owner"}]})))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn this_and_following_splits_the_series_as_google_calendar_does() {
    let server = MockServer::start().await;
    let (s, _dir) = support::calendar::account_at(&server.uri()).await;
    calendar_list(&server).await;
    let first_five: Vec<_> = (1..=5)
        .map(|d| instance("standup", d, "08:00", "Standup", "confirmed"))
        .collect();
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "calendar#events", "items": first_five, "nextSyncToken": "t1"}),
        ))
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
    assert_eq!(shown(&s).await.len(), 5);

    // From the 3rd on: a new room in the title, half an hour later.
    let edit = EventEdit {
        summary: "Standup (room 4)".into(),
        location: "Room 1".into(),
        description: String::new(),
        timing: EventTiming::Timed {
            start_ms: ms("2026-12-03T08:30:00Z"),
            end_ms: ms("2026-12-03T08:45:00Z"),
        },
    };
    s.calendar
        .edit(
            "acc",
            "work",
            "standup_20261203T080000Z",
            &edit,
            EventScope::Following,
        )
        .await
        .unwrap();
    let check = |v: &[EventView]| -> String {
        assert_eq!(v.len(), 5, "{v:?}");
        for e in &v[..2] {
            assert_eq!(e.summary, "Standup");
            assert_eq!(e.series_id.as_deref(), Some("standup"));
        }
        let new_id = v[2].series_id.clone().unwrap();
        assert_ne!(new_id, "standup");
        for (e, day) in v[2..].iter().zip(3..) {
            assert_eq!(e.summary, "Standup (room 4)");
            assert_eq!(e.series_id.as_deref(), Some(new_id.as_str()));
            assert_eq!(
                e.start_ms,
                Some(ms(&format!("2026-12-{day:02}T08:30:00Z"))),
                "moved with the new series"
            );
        }
        new_id
    };
    let new_id = check(&shown(&s).await);
    // A pull before the push still has Google's old series: the split stays.
    libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    assert_eq!(check(&shown(&s).await), new_id);

    server.reset().await;
    calendar_list(&server).await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events/standup"))
        .respond_with(ResponseTemplate::new(200).set_body_json(master("RRULE:FREQ=DAILY;COUNT=10")))
        .mount(&server)
        .await;
    // Before the 3rd: the 1st, and the 2nd cancelled (COUNT counts it).
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events/standup/instances"))
        .and(query_param("showDeleted", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "calendar#events", "items": [
            instance("standup", 1, "08:00", "Standup", "confirmed"),
            instance("standup", 2, "08:00", "Standup", "cancelled"),
            instance("standup", 3, "08:00", "Standup", "confirmed")]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/calendar/v3/calendars/work/events/standup"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(master("RRULE:FREQ=DAILY;UNTIL=20261203T075959Z")),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "calendar#event", "id": new_id})),
        )
        .mount(&server)
        .await;
    assert_eq!(s.calendar.push("acc").await.unwrap(), 1);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        bodies(&reqs, "PATCH"),
        [(
            "/calendar/v3/calendars/work/events/standup".to_string(),
            json!({"recurrence": ["RRULE:FREQ=DAILY;UNTIL=20261203T075959Z",
                                  "EXDATE;TZID=Europe/Paris:20261208T090000"]})
        )],
        "the old series ends the second before the 3rd"
    );
    let posts = bodies(&reqs, "POST");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].1,
        json!({"id": new_id, "summary": "Standup (room 4)", "location": "Room 1", "description": "",
            "start": {"dateTime": "2026-12-03T08:30:00Z", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2026-12-03T08:45:00Z", "timeZone": "Europe/Paris"},
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=8", "EXDATE;TZID=Europe/Paris:20261208T090000"],
            "reminders": {"useDefault": false, "overrides": [{"method": "popup", "minutes": 5}]}}),
        "the new series: the rest of the count, the exceptions and reminders kept"
    );
    // The stand-ins are gone; the next pull brings Google's own instances of the new series.
    assert_eq!(shown(&s).await.len(), 2);
    let new_instances: Vec<_> = (3..=5)
        .map(|d| instance(&new_id, d, "08:30", "Standup (room 4)", "confirmed"))
        .chain((3..=5).map(|d| instance("standup", d, "08:00", "Standup", "cancelled")))
        .collect();
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .and(query_param("syncToken", "t1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "calendar#events", "items": new_instances, "nextSyncToken": "t2"}),
        ))
        .mount(&server)
        .await;
    libreollama::sync::calendar::sync(&s.store, &api, "acc")
        .await
        .unwrap();
    let after = shown(&s).await;
    assert_eq!(after.len(), 5, "{after:?}");
    assert!(after[2..]
        .iter()
        .all(|e| e.id.starts_with(&format!("{new_id}_")) && e.summary == "Standup (room 4)"));
    assert_eq!(
        s.calendar.push("acc").await.unwrap(),
        0,
        "nothing left to send"
    );

    // Delete "this and following" from the 2nd of the old series: only its rule is cut.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events/standup"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(master("RRULE:FREQ=DAILY;UNTIL=20261203T075959Z")),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(master("RRULE:FREQ=DAILY;UNTIL=20261202T075959Z")),
        )
        .mount(&server)
        .await;
    s.calendar
        .delete(
            "acc",
            "work",
            "standup_20261202T080000Z",
            EventScope::Following,
        )
        .await
        .unwrap();
    let left: Vec<String> = shown(&s).await.iter().map(|e| e.id.clone()).collect();
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(!left.contains(&"standup_20261202T080000Z".to_string()));
    assert_eq!(s.calendar.push("acc").await.unwrap(), 1);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        bodies(&reqs, "PATCH")[0].1,
        json!({"recurrence": ["RRULE:FREQ=DAILY;UNTIL=20261202T075959Z",
                              "EXDATE;TZID=Europe/Paris:20261208T090000"]})
    );
    assert!(
        bodies(&reqs, "POST").is_empty(),
        "no new series for a deletion"
    );
}
