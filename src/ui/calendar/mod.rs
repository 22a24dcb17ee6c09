//! Calendar from the local cache: month, week and day views in this device's time zone, with
//! tasks due on their dates, a today marker and a now line, keyboard navigation (← → move,
//! t today, m w d switch views) and "Sync now". Click an empty slot (or a day in the month) to
//! create an event; click an event to edit or delete it (this one or the whole series) and, for
//! invitations, answer Yes / Maybe / No. All are saved here at once and sent to Google from a
//! durable queue. Drag a task onto the week or day grid to set time aside for it.

mod event_panel;
mod month;
mod time_grid;

use chrono::{Datelike, Duration, Local, NaiveDate, TimeZone};
use dioxus::prelude::*;

use crate::api::{self, ApiResult};
use crate::model::{EventView, TaskView};
use event_panel::EventPanel;
use month::MonthGrid;
use time_grid::TimeGrid;

#[derive(Clone, Copy, PartialEq)]
enum View {
    Month,
    Week,
    Day,
}

/// Where a new event starts: an instant, and whether it is all-day (a click in the month view).
#[derive(Clone, Copy, PartialEq)]
struct NewAt {
    start_ms: i64,
    all_day: bool,
}

/// Unix ms of local midnight starting `d` (the earliest, across a DST change).
fn midnight(d: NaiveDate) -> i64 {
    Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

use crate::model::local_hm;

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

/// Set by the palette's "New event": the calendar opens a new event when it shows.
pub static NEW_EVENT_REQUEST: GlobalSignal<bool> = Signal::global(|| false);

/// The page's state, shared by its parts (all handles, so the struct is Copy).
#[derive(Clone, Copy, PartialEq)]
struct CalendarState {
    view: Signal<View>,
    /// A day in view: the page shows the day, week or month around it.
    anchor: Signal<NaiveDate>,
    /// Moves after every change, to reload.
    version: Signal<u64>,
    /// The outcome of Sync now or of setting time aside (ok, text).
    note: Signal<Option<(bool, String)>>,
    syncing: Signal<bool>,
    /// A new event being made there.
    creating: Signal<Option<NewAt>>,
    /// A task being dragged onto the grid: its id and how long its block lasts (ms).
    dragging: Signal<Option<(String, i64)>>,
    /// The event open in the side panel.
    selected: Signal<Option<EventView>>,
    /// The events and the tasks (due, or with time set aside) of the days in view.
    data: Resource<ApiResult<(Vec<EventView>, Vec<TaskView>)>>,
}

fn use_calendar_state(month: bool) -> CalendarState {
    let view = use_signal(|| if month { View::Month } else { View::Week });
    let anchor = use_signal(|| Local::now().date_naive());
    let version = use_signal(|| 0u64);
    CalendarState {
        view,
        anchor,
        version,
        note: use_signal(|| None),
        syncing: use_signal(|| false),
        creating: use_signal(|| None),
        dragging: use_signal(|| None),
        selected: use_signal(|| None),
        data: use_resource(move || async move {
            let _ = version();
            let (a, b) = range(view(), anchor());
            let events =
                api::calendar_range(midnight(a), midnight(b), a.to_string(), b.to_string()).await?;
            let mut tasks =
                api::tasks_due(a.to_string(), (b - Duration::days(1)).to_string()).await?;
            // Tasks with time set aside come as well (once, even when also due in the range).
            for t in api::tasks_blocked(midnight(a), midnight(b)).await? {
                if !tasks.iter().any(|x| x.local_id == t.local_id) {
                    tasks.push(t);
                }
            }
            Ok::<_, api::ApiError>((events, tasks))
        }),
    }
}

impl CalendarState {
    /// One day, week or month back (-1) or on (1).
    fn step(mut self, dir: i64) {
        let a = (self.anchor)();
        let next = match (self.view)() {
            View::Day => a + Duration::days(dir),
            View::Week => a + Duration::days(7 * dir),
            View::Month => {
                let m0 = a.year() * 12 + a.month0() as i32 + dir as i32;
                NaiveDate::from_ymd_opt(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
                    .unwrap_or(a)
            }
        };
        self.anchor.set(next);
    }

    fn go_today(mut self) {
        self.anchor.set(Local::now().date_naive());
    }

    /// The keys: ← → move, t today, m w d switch views.
    fn key(mut self, e: KeyboardEvent) {
        match e.key() {
            Key::ArrowLeft => self.step(-1),
            Key::ArrowRight => self.step(1),
            Key::Character(c) => match c.as_str() {
                "t" => self.go_today(),
                "m" => self.view.set(View::Month),
                "w" => self.view.set(View::Week),
                "d" => self.view.set(View::Day),
                _ => {}
            },
            _ => {}
        }
    }

    /// The heading: the month, the week's first and last days, or the day.
    fn title(&self) -> String {
        let (a, b) = range((self.view)(), (self.anchor)());
        match (self.view)() {
            View::Month => (self.anchor)().format("%B %Y").to_string(),
            View::Week => format!(
                "{} – {}",
                a.format("%-d %b"),
                (b - Duration::days(1)).format("%-d %b %Y")
            ),
            View::Day => (self.anchor)().format("%A %-d %B %Y").to_string(),
        }
    }

    async fn sync_now(mut self) {
        self.syncing.set(true);
        match api::calendar_sync().await {
            Ok(n) => self.note.set(Some((
                true,
                format!("Synced: {n} events new, changed or removed."),
            ))),
            Err(e) => self.note.set(Some((false, e.to_string()))),
        }
        self.syncing.set(false);
        self.version += 1;
    }

    /// Opens an event in the side panel (closing a new one).
    fn open(mut self, ev: EventView) {
        self.creating.set(None);
        self.selected.set(Some(ev));
    }

    /// Starts a new event there (closing the open one).
    fn create(mut self, at: NewAt) {
        self.selected.set(None);
        self.creating.set(Some(at));
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
    let st = use_calendar_state(month);
    // The palette's "New event": the editor opens at the next full hour today.
    use_effect(move || {
        if NEW_EVENT_REQUEST() {
            *NEW_EVENT_REQUEST.write() = false;
            let (hour, now) = (3_600_000, Local::now());
            // Whole local hours (some zones are half an hour off UTC's).
            let off = i64::from(now.offset().local_minus_utc()) * 1000;
            let next = ((now.timestamp_millis() + off) / hour + 1) * hour - off;
            st.create(NewAt {
                start_ms: next,
                all_day: false,
            });
        }
    });
    let today = Local::now().date_naive();
    let (a, b) = range((st.view)(), (st.anchor)());
    let (events, tasks): (Vec<EventView>, Vec<TaskView>) = match &*st.data.read() {
        Some(Ok((e, t))) => (e.clone(), t.clone()),
        _ => (Vec::new(), Vec::new()),
    };
    rsx! {
        div { class: "calendar", tabindex: "0", role: "region", onkeydown: move |e| st.key(e), aria_label: "Calendar",
            CalendarHead { st }
            if let Some((ok, text)) = st.note.read().as_ref() {
                p { class: if *ok { "muted small" } else { "error-text small" }, role: "status", "{text}" }
            }
            if let Some(Err(e)) = &*st.data.read() {
                div { class: "banner error", role: "alert", "{e}" }
            }
            if (st.view)() == View::Month {
                MonthGrid { st, start: a, month: (st.anchor)().month(), today, events: events.clone(), tasks: tasks.clone() }
            } else {
                TimeGrid { st, start: a, days: (b - a).num_days(), today, events: events.clone(), tasks: tasks.clone() }
            }
            if let Some(at) = (st.creating)() {
                for k in [format!("new{}{}", at.start_ms, at.all_day)] {
                    EventPanel { key: "{k}", st, event: None, at }
                }
            }
            if let Some(e) = (st.selected)() {
                for k in [e.id.clone()] {
                    EventPanel { key: "{k}", st, event: Some(e.clone()), at: NewAt { start_ms: 0, all_day: false } }
                }
            }
            p { class: "muted small cal-keys", "← → move · t today · m w d month, week, day · times in this device's time zone" }
        }
    }
}

/// The heading, ‹ Today ›, Month / Week / Day, and Sync now.
#[component]
fn CalendarHead(st: CalendarState) -> Element {
    let (mut view, syncing) = (st.view, st.syncing);
    rsx! {
        header { class: "cal-head",
            h1 { "{st.title()}" }
            div { class: "cal-tools",
                button { class: "button small", aria_label: "Previous", onclick: move |_| st.step(-1), "‹" }
                button { class: "button small", onclick: move |_| st.go_today(), "Today" }
                button { class: "button small", aria_label: "Next", onclick: move |_| st.step(1), "›" }
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
                    onclick: move |_| st.sync_now(),
                    if syncing() { "Syncing…" } else { "Sync now" }
                }
            }
        }
    }
}
