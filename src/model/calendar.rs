//! Calendar events and the edits the user makes to them.

use serde::{Deserialize, Serialize};

/// An instant (Unix ms) as this device's local time of day, "09:30" ("" if out of range): the
/// calendar's grid and the reminders' notifications write it the same way.
pub fn local_hm(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A calendar event as the agenda and calendar views show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub account_id: String,
    pub calendar_id: String,
    pub calendar: String,
    pub id: String,
    pub summary: String,
    pub location: String,
    /// Timed events: Unix ms (shown in the viewer's time zone).
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// All-day events: dates, end exclusive.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub recurring: bool,
    /// The user's own answer: accepted, declined, tentative, needsAction.
    pub self_response: Option<String>,
    pub description: String,
    /// The series a repeating event's instance belongs to (its Google id).
    pub series_id: Option<String>,
}

/// When an event happens: at instants, or on whole dates (end exclusive, as Google has them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTiming {
    Timed {
        start_ms: i64,
        end_ms: i64,
    },
    AllDay {
        start_date: String,
        end_date: String,
    },
}

/// An event as the user sets it in the side panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEdit {
    pub summary: String,
    pub location: String,
    pub description: String,
    pub timing: EventTiming,
}

/// For an instance of a repeating event: change this one, this one and the ones after it (the
/// series is split in two, as Google Calendar does), or the whole series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventScope {
    #[default]
    This,
    Following,
    All,
}
