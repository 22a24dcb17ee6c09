//! What the app is doing in the background: sync jobs with progress and cancel, changes
//! waiting to be sent, changes Gmail refused (and that were undone), and how often to sync.

use dioxus::prelude::*;

use super::format::unix_time;
use super::MailState;
use crate::api;
use crate::model::{JobState, JobView};

const INTERVALS: [(u32, &str); 6] = [
    (0, "Only when I ask"),
    (1, "Every minute"),
    (5, "Every 5 minutes"),
    (15, "Every 15 minutes"),
    (30, "Every 30 minutes"),
    (60, "Every hour"),
];

#[component]
pub(super) fn ActivityPanel() -> Element {
    let mut st = use_context::<MailState>();
    let mut error = use_signal(|| None::<String>);
    let Some(s) = st.status.read().clone() else {
        return rsx! {
            aside { class: "activity", aria_label: "Activity", p { class: "muted", "Loading…" } }
        };
    };
    let poll = s.poll_minutes;
    rsx! {
        aside { class: "activity", aria_label: "Activity",
            header { class: "activity-head",
                h2 { "Activity" }
                button { class: "button close", aria_label: "Close activity", onclick: move |_| st.show_activity.set(false), "✕" }
            }
            if let Some(reason) = s.offline.clone() {
                div { class: "banner warn", "Offline: {reason}" }
            }
            super::import::ImportArchive {}
            if let Some(e) = error.read().clone() {
                div { class: "banner error", role: "alert", "{e}" }
            }
            label { class: "activity-row",
                span { "Sync" }
                select {
                    class: "button",
                    value: "{poll}",
                    onchange: move |e| {
                        let minutes: u32 = e.value().parse().unwrap_or(5);
                        spawn(async move {
                            match api::mail_set_poll(minutes).await {
                                Ok(s) => { st.status.set(Some(s)); error.set(None); }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        });
                    },
                    for (m, label) in INTERVALS {
                        option { value: "{m}", selected: m == poll, "{label}" }
                    }
                }
            }
            p { class: "muted small",
                match s.last_sync_unix {
                    Some(t) => rsx! { {format!("Last synced {}.", unix_time(t))} },
                    None => rsx! { "Not synced yet." },
                }
                " "
                if s.pending_changes > 0 {
                    "{s.pending_changes} change(s) waiting to be sent."
                } else {
                    "All your changes have reached Gmail."
                }
            }
            if !s.failed_changes.is_empty() {
                h3 { "Changes Gmail refused" }
                p { class: "muted small", "These were undone on this device so it matches Gmail." }
                ul { class: "failed-changes",
                    for f in s.failed_changes.clone() {
                        li { key: "{f.seq}",
                            div { strong { "{f.change}" } " · " span { "{f.subject}" } }
                            div { class: "muted small", "{f.error}" }
                            button {
                                class: "link-button",
                                onclick: move |_| {
                                    spawn(async move {
                                        if let Err(e) = api::mail_dismiss_failed(f.seq).await {
                                            error.set(Some(e.to_string()));
                                        }
                                    });
                                },
                                "Dismiss"
                            }
                        }
                    }
                }
            }
            h3 { "Jobs" }
            if s.jobs.is_empty() {
                p { class: "muted small", "Nothing has run since the app started." }
            }
            ul { class: "jobs",
                for j in s.jobs.clone() {
                    JobItem { key: "{j.id}", j }
                }
            }
        }
    }
}

#[component]
fn JobItem(j: JobView) -> Element {
    let percent = j
        .total
        .map(|t| (j.done as f64 / t.max(1) as f64 * 100.0).min(100.0));
    let counts = match j.total {
        Some(t) => format!("{} of {}", j.done, t),
        None => format!("{}", j.done),
    };
    let state = match j.state {
        JobState::Running => "Running",
        JobState::Done => "Done",
        JobState::Failed => "Failed",
        JobState::Cancelled => "Cancelled",
    };
    let id = j.id;
    rsx! {
        li { class: "job",
            div { class: "job-top",
                strong { "{j.name}" }
                span { class: format!("pill {}", state.to_lowercase()), "{state}" }
            }
            if j.state == JobState::Running {
                div {
                    class: "progress",
                    role: "progressbar",
                    aria_valuemin: "0",
                    aria_valuemax: "100",
                    aria_valuenow: percent.map(|p| format!("{p:.0}")).unwrap_or_default(),
                    div { class: if percent.is_some() { "bar" } else { "bar indeterminate" }, style: format!("width: {}%", percent.unwrap_or(30.0)) }
                }
            }
            div { class: "muted small",
                {
                    if j.rate >= 1.0 {
                        format!("{counts} · {:.0}/s · started {}", j.rate, unix_time(j.started_unix))
                    } else {
                        format!("{counts} · started {}", unix_time(j.started_unix))
                    }
                }
            }
            if let Some(m) = j.message.clone() {
                div { class: if j.state == JobState::Failed { "small error-text" } else { "small" }, "{m}" }
            }
            if j.state == JobState::Running {
                button {
                    class: "link-button",
                    onclick: move |_| {
                        spawn(async move {
                            let _ = api::mail_cancel_job(id).await;
                        });
                    },
                    "Cancel"
                }
            }
        }
    }
}
