//! The week and day views: a column per day with its hours, all-day events and tasks due at the
//! top, timed events and time set aside for tasks in place, and the now line. Click an empty
//! slot to start an event there; drop a task to set time aside for it.

use chrono::{Duration, Local, NaiveDate, Timelike};
use dioxus::prelude::*;

use super::{local_hm, midnight, minutes_in, on_day, CalendarState, NewAt};
use crate::api;
use crate::model::{EventView, TaskView};

const HOUR_PX: i64 = 44;
/// An event is drawn at least this long (minutes): one line of text high (a 15-minute event was
/// cut through its title).
const MIN_MINUTES: i64 = 25;
/// Shorter events (minutes) are one line: the title, then the start.
const ONE_LINE_BELOW: i64 = 45;

/// Enter or Space on a focused event opens it, as a click does.
pub(super) fn opens_on_key(st: CalendarState, ev: EventView) -> impl FnMut(KeyboardEvent) {
    move |k: KeyboardEvent| {
        if k.key() == Key::Enter || k.key() == Key::Character(" ".into()) {
            k.prevent_default();
            k.stop_propagation();
            st.open(ev.clone());
        }
    }
}

#[component]
pub(super) fn TimeGrid(
    st: CalendarState,
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
            class: if st.dragging.read().is_some() { "timegrid dragging" } else { "timegrid" },
            style: "--days: {days}",
            // Scrolls: reachable from the keyboard even when no event is in view.
            tabindex: "0",
            role: "region",
            aria_label: "Hours",
            // The working day in view first; earlier hours are a scroll up.
            onmounted: move |_| {
                document::eval(&format!("const g = document.querySelector('.timegrid'); if (g) g.scrollTop = {};", 7 * HOUR_PX));
            },
            div { class: "tg-corner" }
            for i in 0..days {
                {
                    let day = start + Duration::days(i);
                    let d = day.to_string();
                    let all: Vec<EventView> = events.iter().filter(|e| e.start_ms.is_none() && on_day(e, day)).cloned().collect();
                    let due: Vec<TaskView> = tasks.iter().filter(|t| t.due_date.as_deref() == Some(d.as_str())).cloned().collect();
                    rsx! { DayHead { key: "h{d}", st, day, today, all, due } }
                }
            }
            div { class: "tg-hours",
                for h in 0..24 { div { class: "tg-hour", style: "height: {HOUR_PX}px", "{h:02}:00" } }
            }
            for i in 0..days {
                {
                    let day = start + Duration::days(i);
                    let timed: Vec<EventView> = events.iter().filter(|e| e.start_ms.is_some() && on_day(e, day)).cloned().collect();
                    let blocks: Vec<TaskView> = tasks.iter().filter(|t| t.block_start_ms.is_some_and(|s| s < midnight(day + Duration::days(1))) && t.block_end_ms.is_some_and(|e| e > midnight(day))).cloned().collect();
                    rsx! { DayColumn { key: "c{day}", st, day, today, now_min, timed, blocks } }
                }
            }
        }
    }
}

/// A task chip dragged onto the grid sets aside time for it (an hour, or the block's length).
fn drag(st: CalendarState, id: String, len: i64) {
    let mut dragging = st.dragging;
    dragging.set(Some((id, len)));
}

/// The top of a day's column: its date, all-day events, and tasks due (drag them onto the grid).
#[component]
fn DayHead(
    st: CalendarState,
    day: NaiveDate,
    today: NaiveDate,
    all: Vec<EventView>,
    due: Vec<TaskView>,
) -> Element {
    let mut dragging = st.dragging;
    rsx! {
        div { class: if day == today { "tg-dayhead today" } else { "tg-dayhead" },
            div { class: "tg-date", "{day.format(\"%a %-d\")}" }
            for e in all {
                div {
                    class: "ev allday",
                    role: "button",
                    tabindex: "0",
                    onclick: {
                        let ev = e.clone();
                        move |_| st.open(ev.clone())
                    },
                    onkeydown: opens_on_key(st, e.clone()),
                    "{e.summary}"
                }
            }
            for t in due {
                div {
                    class: "ev task",
                    draggable: "true",
                    title: "Drag onto the grid to set time aside for this task",
                    ondragstart: { let id = t.local_id.clone(); move |_| drag(st, id.clone(), 3_600_000) },
                    ondragend: move |_| dragging.set(None),
                    if t.completed { "☑ " } else { "☐ " }
                    "{t.title}"
                }
            }
        }
    }
}

/// A day's hours: its timed events and time set aside for tasks, and the now line today.
#[component]
fn DayColumn(
    st: CalendarState,
    day: NaiveDate,
    today: NaiveDate,
    now_min: i64,
    timed: Vec<EventView>,
    blocks: Vec<TaskView>,
) -> Element {
    let (mut dragging, mut note, mut version) = (st.dragging, st.note, st.version);
    rsx! {
        div {
            class: "tg-col",
            style: "height: {24 * HOUR_PX}px",
            title: "Click an empty slot to add an event",
            onclick: move |e: MouseEvent| {
                // The half hour under the pointer.
                let y = e.element_coordinates().y.max(0.0) as i64;
                let minutes = (y * 60 / HOUR_PX) / 30 * 30;
                st.create(NewAt { start_ms: midnight(day) + minutes * 60_000, all_day: false });
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
                    let bottom = minutes_in(day, e.end_ms.unwrap_or(0)).max(top + MIN_MINUTES);
                    rsx! {
                        div {
                            role: "button",
                            tabindex: "0",
                            onclick: {
                                let ev = e.clone();
                                move |evt: MouseEvent| {
                                    evt.stop_propagation();
                                    st.open(ev.clone());
                                }
                            },
                            onkeydown: opens_on_key(st, e.clone()),
                            class: format!(
                                "tg-ev{}{}",
                                if e.self_response.as_deref() == Some("declined") { " declined" } else { "" },
                                if bottom - top < ONE_LINE_BELOW { " short" } else { "" }
                            ),
                            style: "top: {top * HOUR_PX / 60}px; height: {(bottom - top) * HOUR_PX / 60 - 2}px",
                            title: "{e.summary} ({e.calendar})",
                            if bottom - top < ONE_LINE_BELOW {
                                // One line: the title first, so a narrow column still tells
                                // one event from another (as Google Calendar does).
                                "{e.summary} "
                                span { class: "ev-time", "{local_hm(e.start_ms.unwrap_or(0))}" }
                            } else {
                                span { class: "ev-time", "{local_hm(e.start_ms.unwrap_or(0))}–{local_hm(e.end_ms.unwrap_or(0))}" }
                                " {e.summary}"
                                if !e.location.is_empty() { div { class: "muted small", "{e.location}" } }
                            }
                        }
                    }
                }
            }
            for t in blocks {
                {
                    let top = minutes_in(day, t.block_start_ms.unwrap_or(0));
                    let bottom = minutes_in(day, t.block_end_ms.unwrap_or(0)).max(top + MIN_MINUTES);
                    rsx! {
                        div {
                            class: "tg-ev block",
                            style: "top: {top * HOUR_PX / 60}px; height: {(bottom - top) * HOUR_PX / 60 - 2}px",
                            title: "Time set aside for a task: drag to move it",
                            draggable: "true",
                            ondragstart: {
                                let (id, len) = (t.local_id.clone(), t.block_end_ms.unwrap_or(0) - t.block_start_ms.unwrap_or(0));
                                move |_| drag(st, id.clone(), len.max(15 * 60_000))
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
                div { class: "now-line", style: "top: {now_min * HOUR_PX / 60}px", role: "img", aria_label: "Now" }
            }
        }
    }
}
