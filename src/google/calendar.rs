//! Google Calendar REST client (calendar.v3.json): the calendar list and events, through the
//! shared Google client. Times: a timed event's `dateTime` carries its offset, so it is one
//! instant anywhere; an all-day event has a `date` (end exclusive) that is never converted.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::client::GoogleClient;
use super::endpoints::Endpoint;
use crate::error::Result;

const fn ep(
    id: &'static str,
    m: &'static str,
    path: &'static str,
    params: &'static [&'static str],
    idem: bool,
) -> Endpoint {
    Endpoint {
        api: "calendar",
        id,
        http_method: m,
        path,
        params,
        quota_units: 0,
        idempotent: idem,
    }
}

pub const CALENDAR_LIST: Endpoint = ep(
    "calendar.calendarList.list",
    "GET",
    "calendar/v3/users/me/calendarList",
    &["maxResults", "pageToken"],
    true,
);
pub const EVENTS_LIST: Endpoint = ep(
    "calendar.events.list",
    "GET",
    "calendar/v3/calendars/{calendarId}/events",
    &[
        "calendarId",
        "singleEvents",
        "showDeleted",
        "syncToken",
        "timeMin",
        "timeMax",
        "maxResults",
        "pageToken",
    ],
    true,
);
pub const EVENTS_GET: Endpoint = ep(
    "calendar.events.get",
    "GET",
    "calendar/v3/calendars/{calendarId}/events/{eventId}",
    &["calendarId", "eventId"],
    true,
);
pub const EVENTS_INSERT: Endpoint = ep(
    "calendar.events.insert",
    "POST",
    "calendar/v3/calendars/{calendarId}/events",
    &["calendarId", "sendUpdates"],
    false,
);
pub const EVENTS_PATCH: Endpoint = ep(
    "calendar.events.patch",
    "PATCH",
    "calendar/v3/calendars/{calendarId}/events/{eventId}",
    &["calendarId", "eventId", "sendUpdates"],
    true,
);
pub const EVENTS_DELETE: Endpoint = ep(
    "calendar.events.delete",
    "DELETE",
    "calendar/v3/calendars/{calendarId}/events/{eventId}",
    &["calendarId", "eventId", "sendUpdates"],
    true,
);
pub const EVENTS_INSTANCES: Endpoint = ep(
    "calendar.events.instances",
    "GET",
    "calendar/v3/calendars/{calendarId}/events/{eventId}/instances",
    &[
        "calendarId",
        "eventId",
        "showDeleted",
        "timeMax",
        "maxResults",
        "pageToken",
    ],
    true,
);

pub const ALL: &[Endpoint] = &[
    CALENDAR_LIST,
    EVENTS_LIST,
    EVENTS_GET,
    EVENTS_INSTANCES,
    EVENTS_INSERT,
    EVENTS_PATCH,
    EVENTS_DELETE,
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GCalendar {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub summary: String,
    pub time_zone: Option<String>,
    pub background_color: Option<String>,
    #[serde(default)]
    pub primary: bool,
    pub access_role: Option<String>,
    #[serde(default)]
    pub default_reminders: Vec<Reminder>,
}

/// One reminder: how (`popup` or `email`) and how many minutes before the event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reminder {
    pub method: Option<String>,
    pub minutes: Option<i64>,
}

/// An event's reminders: the calendar's defaults, or its own (none if `overrides` is empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reminders {
    #[serde(default)]
    pub use_default: bool,
    #[serde(default)]
    pub overrides: Vec<Reminder>,
}

/// The minutes of the popup reminders among `list` (email reminders come by mail), each once,
/// within Google's bounds (0 to four weeks).
pub fn popup_minutes(list: &[Reminder]) -> Vec<i64> {
    let mut m: Vec<i64> = list
        .iter()
        .filter(|r| r.method.as_deref() == Some("popup"))
        .filter_map(|r| r.minutes)
        .filter(|m| (0..=40_320).contains(m))
        .collect();
    m.sort_unstable();
    m.dedup();
    m
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    pub date: Option<String>,
    pub date_time: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub response_status: Option<String>,
    #[serde(rename = "self", default)]
    pub is_self: bool,
    #[serde(default)]
    pub organizer: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GEvent {
    #[serde(default)]
    pub id: String,
    pub status: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub start: Option<EventTime>,
    pub end: Option<EventTime>,
    pub recurring_event_id: Option<String>,
    pub original_start_time: Option<EventTime>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    pub html_link: Option<String>,
    pub etag: Option<String>,
    pub updated: Option<String>,
    pub reminders: Option<Reminders>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

/// What one events sync returned: the changes and the token for the next one.
pub struct EventChanges {
    pub events: Vec<GEvent>,
    pub next_sync_token: Option<String>,
}

#[derive(Clone)]
pub struct CalendarApi {
    rest: super::RestApi,
}

impl CalendarApi {
    pub fn new(
        client: Arc<GoogleClient>,
        base: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        CalendarApi {
            rest: super::RestApi {
                client,
                base: base.into(),
                account_id: account_id.into(),
                strip: "calendar/v3/",
            },
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        e: &Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        self.rest.json(e, path_args, query, body).await
    }

    pub async fn calendars(&self) -> Result<Vec<GCalendar>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("maxResults", "250".to_string())];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: Page<GCalendar> = self.call(&CALENDAR_LIST, &[], &q, None).await?;
            out.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// Recurring events come as their instances (singleEvents). With `sync_token`, only what
    /// changed since (cancelled ones included); else everything from `time_min`. A 410 from
    /// Google (token too old) comes back as the error for the caller to start over.
    pub async fn events(
        &self,
        calendar: &str,
        sync_token: Option<&str>,
        time_min: Option<&str>,
    ) -> Result<EventChanges> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![
                ("singleEvents", "true".to_string()),
                ("maxResults", "250".to_string()),
            ];
            match sync_token {
                Some(s) => q.push(("syncToken", s.to_string())),
                None => {
                    if let Some(t) = time_min {
                        q.push(("timeMin", t.to_string()));
                    }
                }
            }
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: Page<GEvent> = self.call(&EVENTS_LIST, &[calendar], &q, None).await?;
            events.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => {
                    return Ok(EventChanges {
                        events,
                        next_sync_token: page.next_sync_token,
                    })
                }
            }
        }
    }

    /// The event as Google sends it (every field kept, for changes that send parts back).
    pub async fn get_raw(&self, calendar: &str, event: &str) -> Result<serde_json::Value> {
        self.call(&EVENTS_GET, &[calendar, event], &[], None).await
    }

    /// The instances of a series starting before `time_max` (RFC 3339), cancelled ones too,
    /// as Google sends them, every page.
    pub async fn instances(
        &self,
        calendar: &str,
        series: &str,
        time_max: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![
                ("showDeleted", "true".to_string()),
                ("timeMax", time_max.to_string()),
                ("maxResults", "2500".to_string()),
            ];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: Page<serde_json::Value> = self
                .call(&EVENTS_INSTANCES, &[calendar, series], &q, None)
                .await?;
            out.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    pub async fn insert(&self, calendar: &str, body: &serde_json::Value) -> Result<GEvent> {
        self.call(&EVENTS_INSERT, &[calendar], &[], Some(body))
            .await
    }

    pub async fn patch(
        &self,
        calendar: &str,
        event: &str,
        body: &serde_json::Value,
    ) -> Result<GEvent> {
        self.call(&EVENTS_PATCH, &[calendar, event], &[], Some(body))
            .await
    }

    pub async fn delete(&self, calendar: &str, event: &str) -> Result<()> {
        self.rest
            .value(&EVENTS_DELETE, &[calendar, event], &[], None)
            .await
            .map(|_| ())
    }
}
