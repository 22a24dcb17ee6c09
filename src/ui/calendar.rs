//! Calendar from the local cache: month, week and day views in this device's time zone, with
//! tasks due on their dates, a today marker and a now line, keyboard navigation (← → move,
//! t today, m w d switch views) and "Sync now". Reading only: creating and editing events,
//! RSVP and "this or all events" arrive with the durable queue for calendar edits.

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
    let data = use_resource(move || async move {
        let _ = version();
        let (a, b) = range(view(), anchor());
        let events =
            api::calendar_range(midnight(a), midnight(b), a.to_string(), b.to_string()).await?;
        let tasks = api::tasks_due(a.to_string(), (b - Duration::days(1)).to_string()).await?;
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
                TimeGrid { start: a, days: (b - a).num_days(), today, events: events.clone(), tasks: tasks.clone() }
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
                    let due: Vec<&TaskView> = tasks.iter().filter(|t| t.due_date.as_deref() == Some(d.as_str())).collect();
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
                        div { key: "c{day}", class: "tg-col", style: "height: {24 * HOUR_PX}px",
                            for e in timed {
                                {
                                    let top = minutes_in(day, e.start_ms.unwrap_or(0));
                                    let bottom = minutes_in(day, e.end_ms.unwrap_or(0)).max(top + 20);
                                    rsx! {
                                        div {
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
