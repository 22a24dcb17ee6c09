use dioxus::prelude::*;

use super::hooks::{use_diagnostics, use_settings, use_theme};
use crate::api;
use crate::model::{CheckStatus, DiagnosticsReport, Theme, TokenSummary, LOG_LEVELS};

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn token_text(t: &TokenSummary) -> String {
    match (&t.error, t.present) {
        (Some(e), _) => format!("unreadable: {e}"),
        (None, true) => format!("{} chars · fp {}", t.length, t.fingerprint),
        (None, false) => "none".into(),
    }
}

#[component]
pub fn Diagnostics() -> Element {
    let mut report = use_diagnostics();
    let body = match &*report.read() {
        None => rsx! { p { class: "muted", role: "status", "Running checks…" } },
        Some(Err(e)) => rsx! {
            div { class: "banner error", role: "alert",
                strong { "Diagnostics could not run. " }
                "{e}"
            }
        },
        Some(Ok(r)) => rsx! { DiagnosticsBody { report: r.clone() } },
    };
    rsx! {
        header { class: "page-header",
            div {
                h1 { "Diagnostics" }
                p { class: "muted", "Health of the local database, the credential vault and stored accounts." }
            }
            button { class: "button", onclick: move |_| report.restart(), "Run again" }
        }
        {body}
    }
}

#[component]
fn DiagnosticsBody(report: DiagnosticsReport) -> Element {
    let r = report;
    let (summary_class, summary) = if r.healthy() {
        ("banner ok", "Everything checks out.")
    } else {
        (
            "banner error",
            "Problems found: see the failed checks below.",
        )
    };
    rsx! {
        div { class: summary_class, role: "status", "{summary}" }
        section { class: "card",
            h2 { "Checks" }
            ul { class: "checks",
                for c in r.checks.iter() {
                    li { class: "check",
                        span {
                            class: match c.status {
                                CheckStatus::Ok => "badge ok",
                                CheckStatus::Warning => "badge warn",
                                CheckStatus::Failed => "badge fail",
                            },
                            match c.status {
                                CheckStatus::Ok => "OK",
                                CheckStatus::Warning => "Warning",
                                CheckStatus::Failed => "Failed",
                            }
                        }
                        div {
                            div { class: "check-name", "{c.name}" }
                            div { class: "check-detail", "{c.detail}" }
                        }
                    }
                }
            }
        }
        div { class: "grid",
            section { class: "card",
                h2 { "Storage" }
                dl { class: "facts",
                    dt { "Data folder" } dd { code { "{r.data_dir}" } }
                    dt { "Database" } dd { code { "{r.db_path}" } }
                    dt { "Size" } dd { "{human_bytes(r.db_size_bytes)}" }
                    dt { "Journal" } dd { "{r.db.journal_mode}" }
                    if let Some(log) = r.log_file.as_ref() {
                        dt { "Log file" } dd { code { "{log}" } }
                    }
                }
            }
            section { class: "card",
                h2 { "Vault" }
                dl { class: "facts",
                    dt { "Key storage" } dd { "{r.vault.backend_description}" }
                    dt { "Active key" } dd { code { "{r.vault.active_key_id}" } }
                    dt { "Keys held" } dd { "{r.vault.key_count}" }
                    if let Some(reason) = r.vault.fallback_reason.as_ref() {
                        dt { "Keyring" } dd { "not usable: {reason}" }
                    }
                }
            }
        }
        section { class: "card",
            h2 { "Schema migrations" }
            table {
                thead { tr { th { "Version" } th { "Name" } th { "State" } } }
                tbody {
                    for m in r.embedded_migrations.iter() {
                        tr {
                            td { "V{m.version}" }
                            td { "{m.name}" }
                            td {
                                if r.applied_migrations.iter().any(|a| a.version == m.version) {
                                    "applied"
                                } else {
                                    "pending"
                                }
                            }
                        }
                    }
                }
            }
        }
        section { class: "card",
            h2 { "Stored accounts" }
            if r.accounts.is_empty() {
                p { class: "muted", "No accounts are stored." }
            } else {
                table {
                    thead { tr { th { "Account" } th { "State" } th { "Access token" } th { "Refresh token" } th { "Scopes" } } }
                    tbody {
                        for a in r.accounts.iter() {
                            tr {
                                td { "{a.email_address}" }
                                td {
                                    if a.requires_reauth { "needs re-authentication" } else if a.is_active { "active" } else { "inactive" }
                                }
                                td { "{token_text(&a.access_token)}" }
                                td { "{token_text(&a.refresh_token)}" }
                                td { "{a.scopes.len()}" }
                            }
                        }
                    }
                }
            }
        }
    }
}

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
        UndoSendSetting {}
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

#[component]
pub fn About() -> Element {
    let info = use_resource(api::about);
    rsx! {
        header { class: "page-header",
            div {
                h1 { "About LibreOllama" }
                p { class: "muted",
                    "A local-first workspace: your mail, tasks and calendar kept on this device, with a language model that runs on your own machine. Sign-in tokens and API keys are encrypted (AES-256-GCM, key in the system keyring); mail, drafts, chats, tasks and events are stored unencrypted in the data folder, so keep disk encryption on."
                }
            }
        }
        section { class: "card",
            match &*info.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(i)) => rsx! {
                    dl { class: "facts",
                        dt { "Version" } dd { "{i.version}" }
                        dt { "Data folder" } dd { code { "{i.data_dir}" } }
                        dt { "Services" } dd { "{i.runtime}" }
                        dt { "License" } dd { "MIT or Apache-2.0" }
                    }
                },
            }
        }
    }
}
