//! The side panel for a new event or an open one: title, times (or days), where, notes, the
//! calendar; for an existing one also delete and, for invitations, Yes / Maybe / No. A
//! repeating event's changes apply to this event or to all of them, as the user picks.

use chrono::{Duration, Local, NaiveDate, TimeZone};
use dioxus::prelude::*;

use super::{local_hm, midnight, CalendarState, NewAt};
use crate::api::{self, ApiResult};
use crate::model::{EventScope, EventView};

fn local_date(ms: i64) -> NaiveDate {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The value of a `datetime-local` input for an instant.
fn local_input(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// The instant a `datetime-local` value names here (the earlier one in a DST overlap).
fn parse_local(v: &str, what: &str) -> Result<i64, String> {
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| Local.from_local_datetime(&t).earliest())
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| format!("Set when the event {what} (date and time)."))
}

/// The timing the form describes; all-day end dates are shown inclusive and stored exclusive.
fn form_timing(
    all_day: bool,
    get: &dyn Fn(&str) -> String,
) -> Result<crate::model::EventTiming, String> {
    use crate::model::EventTiming;
    if all_day {
        let day = |k: &str, what: &str| {
            NaiveDate::parse_from_str(&get(k), "%Y-%m-%d")
                .map_err(|_| format!("Set the day the event {what}."))
        };
        let (first, last) = (day("start_date", "starts")?, day("end_date", "ends")?);
        if last < first {
            return Err("The last day is before the first.".into());
        }
        Ok(EventTiming::AllDay {
            start_date: first.to_string(),
            end_date: (last + Duration::days(1)).to_string(),
        })
    } else {
        Ok(EventTiming::Timed {
            start_ms: parse_local(&get("start"), "starts")?,
            end_ms: parse_local(&get("end"), "ends")?,
        })
    }
}

fn when_text(e: &EventView) -> String {
    match (e.start_ms, e.end_ms, &e.start_date) {
        (Some(s), Some(x), _) => format!(
            "{} – {}",
            Local
                .timestamp_millis_opt(s)
                .single()
                .map(|t| t.format("%A %-d %B, %H:%M").to_string())
                .unwrap_or_default(),
            local_hm(x)
        ),
        (_, _, Some(d)) => format!("{d}, all day"),
        _ => String::new(),
    }
}

/// The panel's state (all handles, so the struct is Copy).
#[derive(Clone, Copy, PartialEq)]
struct PanelState {
    cal: CalendarState,
    /// The calendars you may add to: (account, calendar id, name).
    calendars: Resource<ApiResult<Vec<(String, String, String)>>>,
    error: Signal<Option<String>>,
    /// Your answer to an invitation.
    answer: Signal<Option<String>>,
    all_day: Signal<bool>,
    confirm_delete: Signal<bool>,
    /// The event's length (ms): moving the start moves the end with it.
    length: Signal<i64>,
}

fn use_panel_state(cal: CalendarState, event: &Option<EventView>, at: NewAt) -> PanelState {
    PanelState {
        cal,
        calendars: use_resource(api::calendar_writable),
        error: use_signal(|| None),
        answer: use_signal(|| event.as_ref().and_then(|e| e.self_response.clone())),
        all_day: use_signal(|| match event {
            Some(e) => e.start_ms.is_none(),
            None => at.all_day,
        }),
        confirm_delete: use_signal(|| false),
        length: use_signal(|| match event {
            Some(EventView {
                start_ms: Some(s),
                end_ms: Some(e),
                ..
            }) => (e - s).max(15 * 60_000),
            _ => 3_600_000,
        }),
    }
}

impl PanelState {
    fn close(self) {
        let (mut creating, mut selected) = (self.cal.creating, self.cal.selected);
        creating.set(None);
        selected.set(None);
    }

    fn writable(&self) -> Vec<(String, String, String)> {
        match &*self.calendars.read() {
            Some(Ok(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// Closes the panel and reloads the calendar after a change went through.
    fn done(self, r: ApiResult<()>) {
        let (mut error, mut version) = (self.error, self.cal.version);
        match r {
            Ok(()) => {
                self.close();
                version += 1;
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    }

    fn rsvp(self, ev: EventView, value: &'static str) {
        let (mut answer, mut error, mut version) = (self.answer, self.error, self.cal.version);
        spawn(async move {
            match api::calendar_rsvp(ev.account_id, ev.calendar_id, ev.id, value.to_string()).await
            {
                Ok(()) => {
                    answer.set(Some(value.to_string()));
                    version += 1;
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    }

    /// Saves the form: edits `ev`, or creates an event when it is None.
    fn save(self, ev: Option<EventView>, e: &FormEvent) {
        let mut error = self.error;
        let get = |k: &str| match e.get_first(k) {
            Some(dioxus::html::FormValue::Text(t)) => t,
            _ => String::new(),
        };
        let timing = match form_timing((self.all_day)(), &get) {
            Ok(t) => t,
            Err(m) => {
                error.set(Some(m));
                return;
            }
        };
        let edit = crate::model::EventEdit {
            summary: get("title"),
            location: get("location").trim().to_string(),
            description: get("description"),
            timing,
        };
        let scope = match get("scope").as_str() {
            "all" => EventScope::All,
            "following" => EventScope::Following,
            _ => EventScope::This,
        };
        let cal = get("calendar")
            .split_once('|')
            .map(|(a, c)| (a.to_string(), c.to_string()));
        if ev.is_none() && cal.is_none() {
            error.set(Some("Pick a calendar for the event.".into()));
            return;
        }
        spawn(async move {
            let r = match (ev, cal) {
                (Some(ev), _) => {
                    api::calendar_edit(ev.account_id, ev.calendar_id, ev.id, edit, scope).await
                }
                (None, Some((a, c))) => api::calendar_create(a, c, edit).await.map(|_| ()),
                (None, None) => return,
            };
            self.done(r);
        });
    }

    fn delete(self, ev: EventView, scope: EventScope) {
        spawn(async move {
            let r = api::calendar_delete(ev.account_id, ev.calendar_id, ev.id, scope).await;
            self.done(r);
        });
    }
}

#[component]
pub(super) fn EventPanel(st: CalendarState, event: Option<EventView>, at: NewAt) -> Element {
    let ps = use_panel_state(st, &event, at);
    let list = ps.writable();
    let editable = match &event {
        None => !list.is_empty(),
        Some(e) => list
            .iter()
            .any(|(a, c, _)| *a == e.account_id && *c == e.calendar_id),
    };
    let heading = match &event {
        None => "New event".to_string(),
        Some(e) => e.summary.clone(),
    };
    let recurring = event.as_ref().is_some_and(|e| e.recurring);
    rsx! {
        // Typing here must not reach the calendar's keys (m, w, d switch views; ← → move):
        // "Standup (room 4)" typed into the title switched to the day view, then the month's.
        aside { class: "cal-panel", aria_label: if event.is_some() { "Event" } else { "New event" },
            onkeydown: move |e: KeyboardEvent| if e.key() != Key::Escape { e.stop_propagation() },
            div { class: "ai-panel-head",
                strong { "{heading}" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| ps.close(), "✕" }
            }
            if let Some(e) = &event {
                p { class: "muted small", "{e.calendar}" if e.recurring { " · repeats" } }
            }
            if event.is_none() && list.is_empty() && ps.calendars.read().is_some() {
                p { class: "error-text small", "No calendar to add to yet: sign in to a Google account and sync." }
            }
            if let Some(e) = event.as_ref().filter(|_| !editable && ps.calendars.read().is_some()) {
                p { class: "small", "{when_text(e)}" }
                if !e.location.is_empty() { p { class: "small", "{e.location}" } }
                if !e.description.is_empty() { p { class: "small pre-wrap", "{e.description}" } }
                p { class: "muted small", "This calendar is read-only for you." }
            }
            if let Some(e) = event.clone().filter(|_| ps.answer.read().is_some()) {
                Rsvp { ps, event: e }
            }
            if let Some(e) = ps.error.read().as_ref() {
                p { class: "error-text small", role: "alert", "{e}" }
            }
            if editable || event.is_none() {
                EventForm { ps, event: event.clone(), at, editable, calendars: list.clone() }
            }
            if let Some(e) = event.clone().filter(|_| (ps.confirm_delete)()) {
                DeleteConfirm { ps, event: e, recurring }
            }
        }
    }
}

/// Going? Yes / Maybe / No, for an invitation.
#[component]
fn Rsvp(ps: PanelState, event: EventView) -> Element {
    let answer = ps.answer;
    rsx! {
        div { class: "rsvp", role: "group", aria_label: "Going?",
            span { class: "small", "Going? " }
            for (value, label) in [("accepted", "Yes"), ("tentative", "Maybe"), ("declined", "No")] {
                button {
                    class: if answer().as_deref() == Some(value) { "button small active" } else { "button small" },
                    aria_pressed: if answer().as_deref() == Some(value) { "true" } else { "false" },
                    onclick: {
                        let ev = event.clone();
                        move |_| ps.rsvp(ev.clone(), value)
                    },
                    "{label}"
                }
            }
        }
    }
}

/// The fields of a new event, or of one you may change.
#[component]
fn EventForm(
    ps: PanelState,
    event: Option<EventView>,
    at: NewAt,
    editable: bool,
    calendars: Vec<(String, String, String)>,
) -> Element {
    let (mut all_day, mut length, mut confirm_delete) = (ps.all_day, ps.length, ps.confirm_delete);
    // What the inputs start from.
    let (start_ms, end_ms) = match &event {
        Some(EventView {
            start_ms: Some(s),
            end_ms,
            ..
        }) => (*s, end_ms.unwrap_or(*s)),
        Some(e) => {
            let d = e
                .start_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or_default();
            let s = midnight(d) + 9 * 3_600_000;
            (s, s + 3_600_000)
        }
        None => (at.start_ms, at.start_ms + 3_600_000),
    };
    let (first_day, last_day) = match &event {
        Some(EventView {
            start_date: Some(s),
            end_date,
            ..
        }) => {
            let first = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
            let end = end_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .unwrap_or(first + Duration::days(1));
            (first, (end - Duration::days(1)).max(first))
        }
        _ => (local_date(start_ms), local_date(start_ms)),
    };
    let recurring = event.as_ref().is_some_and(|e| e.recurring);
    let ev = event.clone();
    rsx! {
        form {
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                ps.save(ev.clone(), &e);
            },
            div { class: "field", label { r#for: "ev-title", "Title" }
                input {
                    id: "ev-title", name: "title",
                    initial_value: "{event.as_ref().map(|e| e.summary.clone()).unwrap_or_default()}",
                    onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                }
            }
            div { class: "field", span {}
                label { class: "small toggle",
                    input { r#type: "checkbox", checked: all_day(), onchange: move |e: FormEvent| all_day.set(e.checked()) }
                    " All day"
                }
            }
            if all_day() {
                div { class: "field", label { r#for: "ev-sd", "From" }
                    input { id: "ev-sd", name: "start_date", r#type: "date", initial_value: "{first_day}" }
                }
                div { class: "field", label { r#for: "ev-ed", "To" }
                    input { id: "ev-ed", name: "end_date", r#type: "date", initial_value: "{last_day}" }
                }
            } else {
                div { class: "field", label { r#for: "ev-start", "Starts" }
                    input {
                        id: "ev-start", name: "start", r#type: "datetime-local", initial_value: "{local_input(start_ms)}",
                        // Moving the start moves the end with it: the length stays.
                        oninput: move |e: FormEvent| {
                            if let Ok(s) = parse_local(&e.value(), "starts") {
                                let end = local_input(s + length());
                                document::eval(&format!("const x = document.getElementById('ev-end'); if (x) x.value = '{end}';"));
                            }
                        },
                    }
                }
                div { class: "field", label { r#for: "ev-end", "Ends" }
                    input {
                        id: "ev-end", name: "end", r#type: "datetime-local", initial_value: "{local_input(end_ms)}",
                        oninput: move |e: FormEvent| {
                            let start = document::eval("return document.getElementById('ev-start')?.value ?? '';");
                            let end = e.value();
                            spawn(async move {
                                if let (Ok(v), Ok(x)) = (start.await, parse_local(&end, "ends")) {
                                    if let Some(s) = v.as_str().and_then(|v| parse_local(v, "starts").ok()) {
                                        if x > s { length.set(x - s); }
                                    }
                                }
                            });
                        },
                    }
                }
            }
            div { class: "field", label { r#for: "ev-loc", "Where" }
                input { id: "ev-loc", name: "location", initial_value: "{event.as_ref().map(|e| e.location.clone()).unwrap_or_default()}" }
            }
            div { class: "field", label { r#for: "ev-desc", "Notes" }
                textarea { id: "ev-desc", name: "description", rows: "3", initial_value: "{event.as_ref().map(|e| e.description.clone()).unwrap_or_default()}" }
            }
            if event.is_none() {
                div { class: "field", label { r#for: "ev-cal", "Calendar" }
                    select { id: "ev-cal", name: "calendar",
                        for (a, c, name) in calendars.iter() { option { value: "{a}|{c}", "{name}" } }
                    }
                }
            }
            if recurring {
                fieldset { class: "scope small",
                    legend { "Repeating event: change" }
                    label { input { r#type: "radio", name: "scope", value: "this", checked: true } " this event" }
                    label { input { r#type: "radio", name: "scope", value: "following" } " this and following events" }
                    label { input { r#type: "radio", name: "scope", value: "all" } " all events" }
                }
            }
            div { class: "form-actions",
                if event.is_some() && !confirm_delete() {
                    button { class: "button small danger", r#type: "button", onclick: move |_| confirm_delete.set(true), "Delete…" }
                }
                button { class: "button primary small", r#type: "submit", disabled: !editable, if event.is_some() { "Save" } else { "Add" } }
            }
        }
    }
}

/// Delete this event (or, for a repeating one, this one or the whole series)?
#[component]
fn DeleteConfirm(ps: PanelState, event: EventView, recurring: bool) -> Element {
    let mut confirm_delete = ps.confirm_delete;
    let scopes = if recurring {
        vec![
            (EventScope::This, "Delete this one"),
            (EventScope::Following, "Delete this and following"),
            (EventScope::All, "Delete all"),
        ]
    } else {
        vec![(EventScope::This, "Delete")]
    };
    rsx! {
        div { class: "confirm small", role: "alertdialog", aria_label: "Delete event",
            p { if recurring { "Delete this event, this and the following ones, or every event of the series?" } else { "Delete this event?" } }
            div { class: "form-actions",
                button { class: "button small", onclick: move |_| confirm_delete.set(false), "Keep" }
                for (scope, label) in scopes {
                    button {
                        class: "button small danger",
                        onclick: {
                            let ev = event.clone();
                            move |_| ps.delete(ev.clone(), scope)
                        },
                        "{label}"
                    }
                }
            }
        }
    }
}
