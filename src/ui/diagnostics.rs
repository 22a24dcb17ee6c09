//! Diagnostics: the health of the local database, the credential vault and stored accounts.

use dioxus::prelude::*;

use super::hooks::use_diagnostics;
use crate::model::{CheckStatus, DiagnosticsReport, TokenSummary};

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
