//! Calendar from the local cache: month, week and day views in this device's time zone, with
//! tasks due on their dates, a today marker and a now line, keyboard navigation (← → move,
//! t today, m w d switch views) and "Sync now". Click an empty slot to create an event; click
//! an event for its details and, for invitations, Yes / Maybe / No. Both are saved here at once
//! and sent to Google from a durable queue.

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
    let creating = use_signal(|| None::<i64>);
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
                MonthGrid { start: a, month: anchor().month(), today, events: events.clone(), tasks: tasks.clone() }
            } else {
                TimeGrid { start: a, days: (b - a).num_days(), today, events: events.clone(), tasks: tasks.clone(), creating, selected }
            }
            if let Some(at) = creating() {
                NewEvent { key: "{at}", start_ms: at, creating, version }
            }
            if let Some(e) = selected() {
                EventDetail { key: "{e.id}", event: e, selected, version }
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
                            span { class: "month-num", "{day.day()}" }
                            for e in evs.iter().take(4) {
                                div { class: if e.start_ms.is_some() { "ev" } else { "ev allday" }, title: "{e.summary} ({e.calendar})",
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
    creating: Signal<Option<i64>>,
    selected: Signal<Option<EventView>>,
) -> Element {
    let now = Local::now();
    let now_min = i64::from(now.hour() * 60 + now.minute());
    rsx! {
        div {
            class: "timegrid",
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
                            for e in all { div { class: "ev allday", "{e.summary}" } }
                            for t in due { div { class: "ev task", if t.completed { "☑ " } else { "☐ " } "{t.title}" } }
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
                                creating.set(Some(midnight(day) + minutes * 60_000));
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
                                            title: "Time set aside for a task",
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

#[component]
fn NewEvent(start_ms: i64, creating: Signal<Option<i64>>, version: Signal<u64>) -> Element {
    let calendars = use_resource(api::calendar_writable);
    let mut error = use_signal(|| None::<String>);
    let list = match &*calendars.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    let when = Local
        .timestamp_millis_opt(start_ms)
        .single()
        .map(|t| t.format("%A %-d %B, %H:%M").to_string())
        .unwrap_or_default();
    rsx! {
        aside { class: "cal-panel", aria_label: "New event",
            div { class: "ai-panel-head",
                strong { "New event" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| creating.set(None), "✕" }
            }
            p { class: "muted small", "{when}" }
            if list.is_empty() && calendars.read().is_some() {
                p { class: "error-text small", "No calendar to add to yet: sign in to a Google account and sync." }
            }
            if let Some(e) = error.read().as_ref() {
                p { class: "error-text small", role: "alert", "{e}" }
            }
            form {
                onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let get = |k: &str| match e.get_first(k) { Some(dioxus::html::FormValue::Text(t)) => t, _ => String::new() };
                    let (title, minutes, cal) = (get("title"), get("minutes").parse::<i64>().unwrap_or(60), get("calendar"));
                    let Some((account, calendar)) = cal.split_once('|').map(|(a, c)| (a.to_string(), c.to_string())) else { return };
                    spawn(async move {
                        match api::calendar_create(account, calendar, title, start_ms, start_ms + minutes * 60_000).await {
                            Ok(_) => { creating.set(None); version += 1; }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                },
                div { class: "field", label { r#for: "ne-title", "Title" }
                    input { id: "ne-title", name: "title", onmounted: move |e| async move { let _ = e.set_focus(true).await; } }
                }
                div { class: "field", label { r#for: "ne-min", "Length" }
                    select { id: "ne-min", name: "minutes",
                        for (m, label) in [(30, "30 minutes"), (60, "1 hour"), (90, "1½ hours"), (120, "2 hours")] {
                            option { value: "{m}", selected: m == 60, "{label}" }
                        }
                    }
                }
                div { class: "field", label { r#for: "ne-cal", "Calendar" }
                    select { id: "ne-cal", name: "calendar",
                        for (a, c, name) in list.iter() { option { value: "{a}|{c}", "{name}" } }
                    }
                }
                div { class: "form-actions", button { class: "button primary small", r#type: "submit", disabled: list.is_empty(), "Add" } }
            }
        }
    }
}

#[component]
fn EventDetail(
    event: EventView,
    selected: Signal<Option<EventView>>,
    version: Signal<u64>,
) -> Element {
    let mut error = use_signal(|| None::<String>);
    let mut answer = use_signal(|| event.self_response.clone());
    let when = match (event.start_ms, event.end_ms, &event.start_date) {
        (Some(s), Some(e), _) => format!(
            "{} – {}",
            Local
                .timestamp_millis_opt(s)
                .single()
                .map(|t| t.format("%A %-d %B, %H:%M").to_string())
                .unwrap_or_default(),
            local_hm(e)
        ),
        (_, _, Some(d)) => format!("{d}, all day"),
        _ => String::new(),
    };
    let ev = event.clone();
    rsx! {
        aside { class: "cal-panel", aria_label: "Event",
            div { class: "ai-panel-head",
                strong { "{event.summary}" }
                button { class: "button small close", aria_label: "Close", onclick: move |_| selected.set(None), "✕" }
            }
            p { class: "small", "{when}" }
            if !event.location.is_empty() { p { class: "small", "{event.location}" } }
            p { class: "muted small", "{event.calendar}" if event.recurring { " · repeats" } }
            if answer().is_some() {
                div { class: "rsvp", role: "group", aria_label: "Going?",
                    span { class: "small", "Going? " }
                    for (value, label) in [("accepted", "Yes"), ("tentative", "Maybe"), ("declined", "No")] {
                        button {
                            class: if answer().as_deref() == Some(value) { "button small active" } else { "button small" },
                            aria_pressed: if answer().as_deref() == Some(value) { "true" } else { "false" },
                            onclick: {
                                let ev = ev.clone();
                                move |_| {
                                    let ev = ev.clone();
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
        }
    }
}
