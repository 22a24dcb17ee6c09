//! Calendar from the local cache: month, week and day views in this device's time zone, with
//! tasks due on their dates, a today marker and a now line, keyboard navigation (← → move,
//! t today, m w d switch views) and "Sync now". Click an empty slot (or a day in the month) to
//! create an event; click an event to edit or delete it (this one or the whole series) and, for
//! invitations, answer Yes / Maybe / No. All are saved here at once and sent to Google from a
//! durable queue. Drag a task onto the week or day grid to set time aside for it.

use chrono::{Datelike, Duration, Local, NaiveDate, TimeZone, Timelike};
use dioxus::prelude::*;

use crate::api;
use crate::model::{EventView, TaskView};

#[derive(Clone, Copy, PartialEq)]
enum View {
    Month,
    Week,
    Day,
}

/// Unix ms of local midnight starting `d` (the earliest, across a DST change).
fn midnight(d: NaiveDate) -> i64 {
    Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

fn local_hm(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// Minutes since local midnight of `day` (clamped to the day).
fn minutes_in(day: NaiveDate, ms: i64) -> i64 {
    ((ms - midnight(day)) / 60_000).clamp(0, 24 * 60)
}

/// The days a view shows.
fn range(view: View, anchor: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        View::Day => (anchor, anchor + Duration::days(1)),
        View::Week => {
            let start = anchor - Duration::days(anchor.weekday().num_days_from_monday() as i64);
            (start, start + Duration::days(7))
        }
        View::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            let start = first - Duration::days(first.weekday().num_days_from_monday() as i64);
            (start, start + Duration::days(42))
        }
    }
}

fn on_day(e: &EventView, day: NaiveDate) -> bool {
    let d = day.to_string();
    match (&e.start_date, &e.end_date, e.start_ms, e.end_ms) {
        (Some(s), Some(x), _, _) => *s <= d && *x > d,
        (_, _, Some(s), Some(x)) => {
            s < midnight(day + Duration::days(1)) && x.max(s + 1) > midnight(day)
        }
        _ => false,
    }
}

#[component]
pub fn Calendar() -> Element {
    rsx! { CalendarPage { month: false } }
}

/// The calendar opened on the month view.
#[component]
pub fn CalendarMonth() -> Element {
    rsx! { CalendarPage { month: true } }
}

#[component]
fn CalendarPage(month: bool) -> Element {
    let mut view = use_signal(|| if month { View::Month } else { View::Week });
    let today = Local::now().date_naive();
    let mut anchor = use_signal(|| today);
    let mut version = use_signal(|| 0u64);
    let mut note = use_signal(|| None::<(bool, String)>);
    let mut syncing = use_signal(|| false);
    let creating = use_signal(|| None::<NewAt>);
    let dragging = use_signal(|| None::<(String, i64)>);
    let selected = use_signal(|| None::<EventView>);
    let data = use_resource(move || async move {
        let _ = version();
        let (a, b) = range(view(), anchor());
        let events =
            api::calendar_range(midnight(a), midnight(b), a.to_string(), b.to_string()).await?;
        let mut tasks = api::tasks_due(a.to_string(), (b - Duration::days(1)).to_string()).await?;
        // Tasks with time set aside come as well (once, even when also due in the range).
        for t in api::tasks_blocked(midnight(a), midnight(b)).await? {
            if !tasks.iter().any(|x| x.local_id == t.local_id) {
                tasks.push(t);
            }
        }
        Ok::<_, api::ApiError>((events, tasks))
    });
    let mut step = move |dir: i64| {
        let a = anchor();
        let next = match view() {
            View::Day => a + Duration::days(dir),
            View::Week => a + Duration::days(7 * dir),
            View::Month => {
                let m0 = a.year() * 12 + a.month0() as i32 + dir as i32;
                NaiveDate::from_ymd_opt(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
                    .unwrap_or(a)
            }
        };
        anchor.set(next);
    };
    let onkeydown = move |e: KeyboardEvent| match e.key() {
        Key::ArrowLeft => step(-1),
        Key::ArrowRight => step(1),
        Key::Character(c) => match c.as_str() {
            "t" => anchor.set(Local::now().date_naive()),
            "m" => view.set(View::Month),
            "w" => view.set(View::Week),
            "d" => view.set(View::Day),
            _ => {}
        },
        _ => {}
    };
    let (a, b) = range(view(), anchor());
    let title = match view() {
        View::Month => anchor().format("%B %Y").to_string(),
        View::Week => format!(
            "{} – {}",
            a.format("%-d %b"),
            (b - Duration::days(1)).format("%-d %b %Y")
        ),
        View::Day => anchor().format("%A %-d %B %Y").to_string(),
    };
    let (events, tasks): (Vec<EventView>, Vec<TaskView>) = match &*data.read() {
        Some(Ok((e, t))) => (e.clone(), t.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    rsx! {
        div { class: "calendar", tabindex: "0", onkeydown, aria_label: "Calendar",
            header { class: "cal-head",
                h1 { "{title}" }
                div { class: "cal-tools",
                    button { class: "button small", aria_label: "Previous", onclick: move |_| step(-1), "‹" }
                    button { class: "button small", onclick: move |_| anchor.set(Local::now().date_naive()), "Today" }
                    button { class: "button small", aria_label: "Next", onclick: move |_| step(1), "›" }
                    div { class: "segmented", role: "group", aria_label: "View",
                        for (v, label) in [(View::Month, "Month"), (View::Week, "Week"), (View::Day, "Day")] {
                            button {
                                class: if view() == v { "button small active" } else { "button small" },
                                aria_pressed: if view() == v { "true" } else { "false" },
                                onclick: move |_| view.set(v),
                                "{label}"
                            }
                        }
                    }
                    button {
                        class: "button small",
                        disabled: syncing(),
                        onclick: move |_| async move {
                            syncing.set(true);
                            match api::calendar_sync().await {
                                Ok(n) => note.set(Some((true, format!("Synced: {n} events new, changed or removed.")))),
                                Err(e) => note.set(Some((false, e.to_string()))),
                            }
                            syncing.set(false);
                            version += 1;
                        },
                        if syncing() { "Syncing…" } else { "Sync now" }
                    }
                }
            }
            if let Some((ok, text)) = note.read().as_ref() {
                p { class: if *ok { "muted small" } else { "error-text small" }, role: "status", "{text}" }
            }
            if let Some(Err(e)) = &*data.read() {
                div { class: "banner error", role: "alert", "{e}" }
            }
            if view() == View::Month {
                MonthGrid { start: a, month: anchor().month(), today, events: events.clone(), tasks: tasks.clone(), creating, selected }
            } else {
                TimeGrid { start: a, days: (b - a).num_days(), today, events: events.clone(), tasks: tasks.clone(), creating, selected, dragging, version, note }
            }
            if let Some(at) = creating() {
                for k in [format!("new{}{}", at.start_ms, at.all_day)] {
                    EventPanel { key: "{k}", event: None, at, creating, selected, version }
                }
            }
            if let Some(e) = selected() {
                for k in [e.id.clone()] {
                    EventPanel { key: "{k}", event: Some(e.clone()), at: NewAt { start_ms: 0, all_day: false }, creating, selected, version }
                }
            }
            p { class: "muted small cal-keys", "← → move · t today · m w d month, week, day · times in this device's time zone" }
        }
    }
}

#[component]
fn MonthGrid(
    start: NaiveDate,
    month: u32,
    today: NaiveDate,
    events: Vec<EventView>,
    tasks: Vec<TaskView>,
    creating: Signal<Option<NewAt>>,
    selected: Signal<Option<EventView>>,
) -> Element {
    rsx! {
        div { class: "month",
            for name in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
                div { class: "month-dow", "{name}" }
            }
            for i in 0..42 {
                {
                    let day = start + Duration::days(i);
                    let d = day.to_string();
                    let mut evs: Vec<&EventView> = events.iter().filter(|e| on_day(e, day)).collect();
                    evs.sort_by_key(|e| (e.start_ms.is_some(), e.start_ms));
                    let due: Vec<&TaskView> = tasks
                        .iter()
                        .filter(|t| t.due_date.as_deref() == Some(d.as_str()) || t.block_start_ms.is_some_and(|s| s >= midnight(day) && s < midnight(day + Duration::days(1))))
                        .collect();
                    let more = (evs.len() + due.len()).saturating_sub(4);
                    rsx! {
                        div {
                            key: "{d}",
                            class: format!("month-cell{}{}", if day.month() != month { " other" } else { "" }, if day == today { " today" } else { "" }),
                            aria_label: "{day.format(\"%A %-d %B\")}",
                            title: "Click an empty space to add an all-day event",
                            onclick: move |_| {
                                selected.set(None);
                                creating.set(Some(NewAt { start_ms: midnight(day) + 9 * 3_600_000, all_day: true }));
                            },
                            span { class: "month-num", "{day.day()}" }
                            for e in evs.iter().take(4) {
                                div {
                                    class: if e.start_ms.is_some() { "ev" } else { "ev allday" },
                                    title: "{e.summary} ({e.calendar})",
                                    onclick: {
                                        let ev = (*e).clone();
                                        move |evt: MouseEvent| {
                                            evt.stop_propagation();
                                            creating.set(None);
                                            selected.set(Some(ev.clone()));
                                        }
                                    },
                                    if let Some(s) = e.start_ms { span { class: "ev-time", "{local_hm(s)} " } }
                                    "{e.summary}"
                                }
                            }
                            for t in due.iter().take(4usize.saturating_sub(evs.len())) {
                                div { class: "ev task", title: "Task due", if t.completed { "☑ " } else { "☐ " } "{t.title}" }
                            }
                            if more > 0 { div { class: "muted small", "+{more} more" } }
                        }
                    }
                }
            }
        }
    }
}

const HOUR_PX: i64 = 44;

#[component]
fn TimeGrid(
    start: NaiveDate,
    days: i64,
    today: NaiveDate,
    events: Vec<EventView>,
    tasks: Vec<TaskView>,
    creating: Signal<Option<NewAt>>,
    selected: Signal<Option<EventView>>,
    dragging: Signal<Option<(String, i64)>>,
    version: Signal<u64>,
    note: Signal<Option<(bool, String)>>,
) -> Element {
    let now = Local::now();
    // A task chip dragged onto the grid sets aside time for it (an hour, or the block's length).
    let mut drag = move |id: String, len: i64| dragging.set(Some((id, len)));
    let now_min = i64::from(now.hour() * 60 + now.minute());
    rsx! {
        div {
            class: if dragging.read().is_some() { "timegrid dragging" } else { "timegrid" },
            style: "--days: {days}",
            // The working day in view first; earlier hours are a scroll up.
            onmounted: move |_| {
                document::eval(&format!("const g = document.querySelector('.timegrid'); if (g) g.scrollTop = {};", 7 * HOUR_PX));
            },
            div { class: "tg-corner" }
            for i in 0..days {
                {
                    let day = start + Duration::days(i);
                    let d = day.to_string();
                    let all: Vec<&EventView> = events.iter().filter(|e| e.start_ms.is_none() && on_day(e, day)).collect();
                    let due: Vec<&TaskView> = tasks.iter().filter(|t| t.due_date.as_deref() == Some(d.as_str())).collect();
                    rsx! {
                        div { key: "h{d}", class: if day == today { "tg-dayhead today" } else { "tg-dayhead" },
                            div { class: "tg-date", "{day.format(\"%a %-d\")}" }
                            for e in all {
                                div {
                                    class: "ev allday",
                                    onclick: {
                                        let ev = (*e).clone();
                                        move |_| { creating.set(None); selected.set(Some(ev.clone())); }
                                    },
                                    "{e.summary}"
                                }
                            }
                            for t in due {
                                div {
                                    class: "ev task",
                                    draggable: "true",
                                    title: "Drag onto the grid to set time aside for this task",
                                    ondragstart: { let id = t.local_id.clone(); move |_| drag(id.clone(), 3_600_000) },
                                    ondragend: move |_| dragging.set(None),
                                    if t.completed { "☑ " } else { "☐ " }
                                    "{t.title}"
                                }
                            }
                        }
                    }
                }
            }
            div { class: "tg-hours",
                for h in 0..24 { div { class: "tg-hour", style: "height: {HOUR_PX}px", "{h:02}:00" } }
            }
            for i in 0..days {
                {
                    let day = start + Duration::days(i);
                    let timed: Vec<&EventView> = events.iter().filter(|e| e.start_ms.is_some() && on_day(e, day)).collect();
                    rsx! {
                        div {
                            key: "c{day}",
                            class: "tg-col",
                            style: "height: {24 * HOUR_PX}px",
                            title: "Click an empty slot to add an event",
                            onclick: move |e: MouseEvent| {
                                // The half hour under the pointer.
                                let y = e.element_coordinates().y.max(0.0) as i64;
                                let minutes = (y * 60 / HOUR_PX) / 30 * 30;
                                selected.set(None);
                                creating.set(Some(NewAt { start_ms: midnight(day) + minutes * 60_000, all_day: false }));
                            },
                            ondragover: move |e| e.prevent_default(),
                            ondrop: move |e: DragEvent| {
                                e.prevent_default();
                                let Some((id, len)) = dragging.peek().clone() else { return };
                                dragging.set(None);
                                // Events ignore the pointer while dragging, so this is the column's offset.
                                let y = e.element_coordinates().y.max(0.0) as i64;
                                let start = midnight(day) + (y * 60 / HOUR_PX) / 15 * 15 * 60_000;
                                spawn(async move {
                                    match api::tasks_set_block(id, Some((start, start + len))).await {
                                        Ok(t) => note.set(Some((true, format!("Time set aside for “{}”: {}–{}.", t.title, local_hm(start), local_hm(start + len))))),
                                        Err(e) => note.set(Some((false, e.to_string()))),
                                    }
                                    version += 1;
                                });
                            },
                            for e in timed {
                                {
                                    let top = minutes_in(day, e.start_ms.unwrap_or(0));
                                    let bottom = minutes_in(day, e.end_ms.unwrap_or(0)).max(top + 20);
                                    rsx! {
                                        div {
                                            onclick: {
                                                let ev = (*e).clone();
                                                move |evt: MouseEvent| {
                                                    evt.stop_propagation();
                                                    creating.set(None);
                                                    selected.set(Some(ev.clone()));
                                                }
                                            },
                                            class: format!(
                                                "tg-ev{}{}",
                                                if e.self_response.as_deref() == Some("declined") { " declined" } else { "" },
                                                if bottom - top < 45 { " short" } else { "" }
                                            ),
                                            style: "top: {top * HOUR_PX / 60}px; height: {(bottom - top) * HOUR_PX / 60 - 2}px",
                                            title: "{e.summary} ({e.calendar})",
                                            span { class: "ev-time", "{local_hm(e.start_ms.unwrap_or(0))}–{local_hm(e.end_ms.unwrap_or(0))}" }
                                            " {e.summary}"
                                            if !e.location.is_empty() { div { class: "muted small", "{e.location}" } }
                                        }
                                    }
                                }
                            }
                            for t in tasks.iter().filter(|t| t.block_start_ms.is_some_and(|s| s < midnight(day + Duration::days(1))) && t.block_end_ms.is_some_and(|e| e > midnight(day))) {
                                {
                                    let top = minutes_in(day, t.block_start_ms.unwrap_or(0));
                                    let bottom = minutes_in(day, t.block_end_ms.unwrap_or(0)).max(top + 20);
                                    rsx! {
                                        div {
                                            class: "tg-ev block",
                                            style: "top: {top * HOUR_PX / 60}px; height: {(bottom - top) * HOUR_PX / 60 - 2}px",
                                            title: "Time set aside for a task: drag to move it",
                                            draggable: "true",
                                            ondragstart: {
                                                let (id, len) = (t.local_id.clone(), t.block_end_ms.unwrap_or(0) - t.block_start_ms.unwrap_or(0));
                                                move |_| drag(id.clone(), len.max(15 * 60_000))
                                            },
                                            ondragend: move |_| dragging.set(None),
                                            onclick: move |evt: MouseEvent| evt.stop_propagation(),
                                            if t.completed { "☑ " } else { "☐ " }
                                            "{t.title}"
                                        }
                                    }
                                }
                            }
                            if day == today {
                                div { class: "now-line", style: "top: {now_min * HOUR_PX / 60}px", aria_label: "Now" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where a new event starts: an instant, and whether it is all-day (a click in the month view).
#[derive(Clone, Copy, PartialEq)]
struct NewAt {
    start_ms: i64,
    all_day: bool,
}

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

/// The side panel for a new event (`event` None) or an existing one: title, times (or days),
/// where, notes; for an existing one also delete and, for invitations, Yes / Maybe / No. A
/// repeating event's changes apply to this event or to all of them, as the user picks.
#[component]
fn EventPanel(
    event: Option<EventView>,
    at: NewAt,
    creating: Signal<Option<NewAt>>,
    selected: Signal<Option<EventView>>,
    version: Signal<u64>,
) -> Element {
    let calendars = use_resource(api::calendar_writable);
    let mut error = use_signal(|| None::<String>);
    let mut answer = use_signal(|| event.as_ref().and_then(|e| e.self_response.clone()));
    let mut all_day = use_signal(|| match &event {
        Some(e) => e.start_ms.is_none(),
        None => at.all_day,
    });
    let mut confirm_delete = use_signal(|| false);
    let mut length = use_signal(|| match &event {
        Some(EventView {
            start_ms: Some(s),
            end_ms: Some(e),
            ..
        }) => (e - s).max(15 * 60_000),
        _ => 3_600_000,
    });
    let list = match &*calendars.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    let editable = match &event {
        None => !list.is_empty(),
        Some(e) => list
            .iter()
            .any(|(a, c, _)| *a == e.account_id && *c == e.calendar_id),
    };
    let mut close = move || {
        creating.set(None);
        selected.set(None);
    };
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
    let heading = match &event {
        None => "New event".to_string(),
        Some(e) => e.summary.clone(),
    };
    let recurring = event.as_ref().is_some_and(|e| e.recurring);
    let ev = event.clone();
    let ev_del = event.clone();
    let ev_rsvp = event.clone();
    rsx! {
        aside { class: "cal-panel", aria_label: if event.is_some() { "Event" } else { "New event" },
            div { class: "ai-panel-head",
                strong { "{heading}" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| close(), "✕" }
            }
            if let Some(e) = &event {
                p { class: "muted small", "{e.calendar}" if e.recurring { " · repeats" } }
            }
            if event.is_none() && list.is_empty() && calendars.read().is_some() {
                p { class: "error-text small", "No calendar to add to yet: sign in to a Google account and sync." }
            }
            if let Some(e) = event.as_ref().filter(|_| !editable && calendars.read().is_some()) {
                p { class: "small", "{when_text(e)}" }
                if !e.location.is_empty() { p { class: "small", "{e.location}" } }
                if !e.description.is_empty() { p { class: "small pre-wrap", "{e.description}" } }
                p { class: "muted small", "This calendar is read-only for you." }
            }
            if answer().is_some() {
                div { class: "rsvp", role: "group", aria_label: "Going?",
                    span { class: "small", "Going? " }
                    for (value, label) in [("accepted", "Yes"), ("tentative", "Maybe"), ("declined", "No")] {
                        button {
                            class: if answer().as_deref() == Some(value) { "button small active" } else { "button small" },
                            aria_pressed: if answer().as_deref() == Some(value) { "true" } else { "false" },
                            onclick: {
                                let ev = ev_rsvp.clone();
                                move |_| {
                                    let Some(ev) = ev.clone() else { return };
                                    spawn(async move {
                                        match api::calendar_rsvp(ev.account_id, ev.calendar_id, ev.id, value.to_string()).await {
                                            Ok(()) => { answer.set(Some(value.to_string())); version += 1; }
                                            Err(e) => error.set(Some(e.to_string())),
                                        }
                                    });
                                }
                            },
                            "{label}"
                        }
                    }
                }
            }
            if let Some(e) = error.read().as_ref() {
                p { class: "error-text small", role: "alert", "{e}" }
            }
            if editable || event.is_none() {
                form {
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let get = |k: &str| match e.get_first(k) { Some(dioxus::html::FormValue::Text(t)) => t, _ => String::new() };
                        let timing = match form_timing(all_day(), &get) {
                            Ok(t) => t,
                            Err(m) => { error.set(Some(m)); return; }
                        };
                        let edit = crate::model::EventEdit {
                            summary: get("title"),
                            location: get("location").trim().to_string(),
                            description: get("description"),
                            timing,
                        };
                        let scope = if get("scope") == "all" { crate::model::EventScope::All } else { crate::model::EventScope::This };
                        let cal = get("calendar").split_once('|').map(|(a, c)| (a.to_string(), c.to_string()));
                        if ev.is_none() && cal.is_none() {
                            error.set(Some("Pick a calendar for the event.".into()));
                            return;
                        }
                        let ev = ev.clone();
                        spawn(async move {
                            let r = match (ev, cal) {
                                (Some(ev), _) => api::calendar_edit(ev.account_id, ev.calendar_id, ev.id, edit, scope).await,
                                (None, Some((a, c))) => api::calendar_create(a, c, edit).await.map(|_| ()),
                                (None, None) => return,
                            };
                            match r {
                                Ok(()) => { close(); version += 1; }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        });
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
                                for (a, c, name) in list.iter() { option { value: "{a}|{c}", "{name}" } }
                            }
                        }
                    }
                    if recurring {
                        fieldset { class: "scope small",
                            legend { "Repeating event: change" }
                            label { input { r#type: "radio", name: "scope", value: "this", checked: true } " this event" }
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
            if confirm_delete() {
                div { class: "confirm small", role: "alertdialog", aria_label: "Delete event",
                    p { if recurring { "Delete this event, or every event of the series?" } else { "Delete this event?" } }
                    div { class: "form-actions",
                        button { class: "button small", onclick: move |_| confirm_delete.set(false), "Keep" }
                        for (scope, label) in if recurring { vec![(crate::model::EventScope::This, "Delete this one"), (crate::model::EventScope::All, "Delete all")] } else { vec![(crate::model::EventScope::This, "Delete")] } {
                            button {
                                class: "button small danger",
                                onclick: {
                                    let ev = ev_del.clone();
                                    move |_| {
                                        let Some(ev) = ev.clone() else { return };
                                        spawn(async move {
                                            match api::calendar_delete(ev.account_id, ev.calendar_id, ev.id, scope).await {
                                                Ok(()) => { close(); version += 1; }
                                                Err(e) => error.set(Some(e.to_string())),
                                            }
                                        });
                                    }
                                },
                                "{label}"
                            }
                        }
                    }
                }
            }
        }
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
