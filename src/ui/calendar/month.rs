//! The month view: six weeks of days with their events and tasks; a click on a day starts an
//! all-day event there.

use chrono::{Datelike, Duration, NaiveDate};
use dioxus::prelude::*;

use super::{local_hm, midnight, on_day, CalendarState, NewAt};
use crate::model::{EventView, TaskView};

#[component]
pub(super) fn MonthGrid(
    st: CalendarState,
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
                            role: "group",
                            aria_label: "{day.format(\"%A %-d %B\")}",
                            title: "Click an empty space to add an all-day event",
                            onclick: move |_| st.create(NewAt { start_ms: midnight(day) + 9 * 3_600_000, all_day: true }),
                            span { class: "month-num", "{day.day()}" }
                            for e in evs.iter().take(4) {
                                div {
                                    class: if e.start_ms.is_some() { "ev" } else { "ev allday" },
                                    title: "{e.summary} ({e.calendar})",
                                    role: "button",
                                    tabindex: "0",
                                    onclick: {
                                        let ev = (*e).clone();
                                        move |evt: MouseEvent| {
                                            evt.stop_propagation();
                                            st.open(ev.clone());
                                        }
                                    },
                                    onkeydown: super::time_grid::opens_on_key(st, (*e).clone()),
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
