//! Preferences: theme, the mail list's grouping, the undo window for sent mail,
//! notifications, and the log level.

use dioxus::prelude::*;

use super::hooks::{use_settings, use_theme};
use crate::api;
use crate::model::{NotifyKind, Theme, LOG_LEVELS};

#[component]
pub fn SettingsPage() -> Element {
    let theme = use_theme();
    let mut settings = use_settings();
    let mut level_error = use_signal(|| None::<String>);
    let current = *theme.theme.read();
    let level = match &*settings.read() {
        Some(Ok(s)) => Some(s.log_level.clone()),
        _ => None,
    };
    rsx! {
        header { class: "page-header",
            div {
                h1 { "Preferences" }
                p { class: "muted", "Saved on this device." }
            }
        }
        // Phones have no sidebar: the pages it lists are reached from here.
        nav { class: "card phone-only more-pages", aria_label: "More pages",
            h2 { "More" }
            ul {
                li { Link { class: "more-link", to: super::Route::Ask {}, "Ask your mailbox" } }
                li { Link { class: "more-link", to: super::Route::Accounts {}, "Accounts" } }
                li { Link { class: "more-link", to: super::Route::AiSettings {}, "AI models" } }
                li { Link { class: "more-link", to: super::Route::Diagnostics {}, "Diagnostics" } }
                li { Link { class: "more-link", to: super::Route::About {}, "About" } }
            }
        }
        section { class: "card",
            h2 { "Appearance" }
            fieldset { class: "choices",
                legend { "Theme" }
                for option in [Theme::System, Theme::Light, Theme::Dark] {
                    label { class: "choice",
                        input {
                            r#type: "radio",
                            name: "theme",
                            checked: current == option,
                            onchange: move |_| theme.set(option),
                        }
                        "{option.label()}"
                    }
                }
            }
        }
        MailListSetting {}
        UndoSendSetting {}
        NotificationSettings {}
        section { class: "card",
            h2 { "Logging" }
            p { class: "muted",
                "How much goes into the log file. Tokens and keys are never logged, at any level."
            }
            if let Some(Err(e)) = &*settings.read() {
                div { class: "banner error", role: "alert", "{e}" }
            }
            if let Some(level) = level {
                label { class: "field",
                    span { "Log level" }
                    select {
                        value: "{level}",
                        onchange: move |ev| {
                            let chosen = ev.value();
                            spawn(async move {
                                match api::set_log_level(chosen).await {
                                    Ok(_) => {
                                        level_error.set(None);
                                        settings.restart();
                                    }
                                    Err(e) => level_error.set(Some(e.to_string())),
                                }
                            });
                        },
                        for l in LOG_LEVELS.iter() {
                            option { value: "{l}", selected: *l == level, "{l}" }
                        }
                    }
                }
            }
            if let Some(e) = level_error.read().as_ref() {
                div { class: "banner error", role: "alert", "The log level was not changed: {e}" }
            }
        }
    }
}

/// One row per conversation in the mail list, or one per message.
#[component]
fn MailListSetting() -> Element {
    let mut settings = use_settings();
    let mut error = use_signal(|| None::<String>);
    let on = match &*settings.read() {
        Some(Ok(s)) => Some(s.conversations),
        _ => None,
    };
    rsx! {
        section { class: "card",
            h2 { "Mail list" }
            if let Some(on) = on {
                label { class: "choice",
                    input {
                        r#type: "checkbox",
                        checked: on,
                        onchange: move |ev| {
                            let want = ev.checked();
                            spawn(async move {
                                match api::set_conversations(want).await {
                                    Ok(_) => { error.set(None); settings.restart(); }
                                    Err(e) => error.set(Some(e.to_string())),
                                }
                            });
                        },
                    }
                    "Group messages into conversations"
                }
                p { class: "muted small",
                    "One row per conversation, with who wrote and how many messages, as Gmail shows it. Off: one row per message."
                }
            }
            if let Some(e) = error() {
                div { class: "banner error", role: "alert", "The mail list setting was not changed: {e}" }
            }
        }
    }
}

/// How long a sent mail waits in the outbox, so that Undo can pull it back.
#[component]
fn UndoSendSetting() -> Element {
    let mut current = use_resource(api::mail_undo_seconds);
    let mut error = use_signal(|| None::<String>);
    rsx! {
        section { class: "card",
            h2 { "Sending mail" }
            p { class: "muted", "After Send, a mail waits this long before it goes, so Undo can bring it back to the editor." }
            match &*current.read() {
                Some(Ok(secs)) => {
                    let secs = *secs;
                    rsx! {
                        label { class: "field",
                            span { "Undo window" }
                            select {
                                onchange: move |ev| {
                                    let v: u32 = ev.value().parse().unwrap_or(10);
                                    spawn(async move {
                                        match api::mail_set_undo_seconds(v).await {
                                            Ok(()) => { error.set(None); current.restart(); }
                                            Err(e) => error.set(Some(e.to_string())),
                                        }
                                    });
                                },
                                for s in [0u32, 5, 10, 20, 30] {
                                    option { value: "{s}", selected: s == secs, if s == 0 { "Off (send at once)" } else { "{s} seconds" } }
                                }
                            }
                        }
                    }
                }
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                None => rsx! {},
            }
            if let Some(e) = error() {
                div { class: "banner error", role: "alert", "The undo window was not changed: {e}" }
            }
        }
    }
}

/// Which notifications each account gives. Shown only where the app shows notifications (the
/// desktop app; the web preview has no notification service of its own).
#[component]
fn NotificationSettings() -> Element {
    let available = use_resource(api::notify_available);
    let mut accounts = use_resource(api::notify_switches);
    let mut error = use_signal(|| None::<String>);
    let mut sample = use_signal(|| None::<Result<(), String>>);
    if !matches!(&*available.read(), Some(Ok(true))) {
        return rsx! {};
    }
    let kinds = [
        ("New mail in the Inbox", NotifyKind::NewMail),
        ("Event reminders (pop-up)", NotifyKind::Reminders),
        ("Tasks due today", NotifyKind::TasksDue),
    ];
    rsx! {
        section { class: "card",
            h2 { "Notifications" }
            p { class: "muted",
                "Shown by your desktop while the app runs. New mail: at most one notification each time mail arrives, never for mail you already had or imported. Tasks due today: once a day, from 8:00."
            }
            match &*accounts.read() {
                Some(Ok(list)) if list.is_empty() => rsx! {
                    p { class: "muted", "Add an account to choose its notifications." }
                },
                Some(Ok(list)) => rsx! {
                    for a in list.iter().cloned() {
                        fieldset { class: "choices", key: "{a.account}",
                            legend { "{a.email}" }
                            for (label, kind) in kinds {
                                label { class: "choice",
                                    input {
                                        r#type: "checkbox",
                                        checked: a.switches.get(kind),
                                        onchange: {
                                            let account = a.account.clone();
                                            move |ev: Event<FormData>| {
                                                let (account, on) = (account.clone(), ev.checked());
                                                spawn(async move {
                                                    match api::notify_set_switch(account, kind, on).await {
                                                        Ok(_) => error.set(None),
                                                        Err(e) => error.set(Some(e.to_string())),
                                                    }
                                                    accounts.restart();
                                                });
                                            }
                                        },
                                    }
                                    "{label}"
                                }
                            }
                        }
                    }
                },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                None => rsx! {},
            }
            if let Some(e) = error() {
                div { class: "banner error", role: "alert", "The notification setting was not changed: {e}" }
            }
            div { class: "form-actions sample-note",
                button {
                    class: "button",
                    r#type: "button",
                    onclick: move |_| {
                        spawn(async move {
                            match api::notify_sample().await {
                                Ok(()) => sample.set(Some(Ok(()))),
                                Err(e) => sample.set(Some(Err(e.to_string()))),
                            }
                        });
                    },
                    "Show a sample notification"
                }
                match sample() {
                    Some(Ok(())) => rsx! { span { class: "muted small", role: "status", "Sent to your desktop. No bubble? Check its notification settings." } },
                    Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                    None => rsx! {},
                }
            }
        }
    }
}
