//! Settings → Accounts: the Google OAuth client, adding accounts through the browser, their
//! state, checking, re-authenticating and removing them.

use dioxus::prelude::*;

use crate::api;
use crate::model::{AccountStatus, AccountSummary, AuthCheck, OAuthClientStatus};

#[derive(Clone, PartialEq)]
enum SignIn {
    Idle,
    Waiting {
        auth_url: String,
        browser_error: Option<String>,
    },
}

#[component]
pub fn Accounts() -> Element {
    let mut accounts = use_resource(api::list_accounts);
    let mut client = use_resource(api::oauth_client_status);
    let mut sign_in = use_signal(|| SignIn::Idle);
    let mut message = use_signal(|| None::<(bool, String)>);

    let configured = matches!(&*client.read(), Some(Ok(c)) if c.client_id.is_some());

    let start = move |_| async move {
        message.set(None);
        match api::start_sign_in().await {
            Ok(started) => {
                sign_in.set(SignIn::Waiting {
                    auth_url: started.auth_url,
                    browser_error: started.browser_error,
                });
                let result = api::finish_sign_in().await;
                sign_in.set(SignIn::Idle);
                match result {
                    Ok(a) => message.set(Some((true, format!("Added {}.", a.email)))),
                    Err(e) => message.set(Some((false, e.to_string()))),
                }
                accounts.restart();
            }
            Err(e) => message.set(Some((false, e.to_string()))),
        }
    };

    rsx! {
        header { class: "page-header",
            div {
                h1 { "Accounts" }
                p { class: "muted", "Google accounts whose mail, tasks and calendar this device keeps. Their sign-in tokens are stored encrypted." }
            }
            if configured {
                button {
                    class: "button primary",
                    disabled: *sign_in.read() != SignIn::Idle,
                    onclick: start,
                    "Add account"
                }
            }
        }
        if let Some((ok, text)) = message.read().as_ref() {
            div { class: if *ok { "banner ok" } else { "banner error" }, role: if *ok { "status" } else { "alert" }, "{text}" }
        }
        if let SignIn::Waiting { auth_url, browser_error } = &*sign_in.read() {
            section { class: "card waiting", role: "status",
                h2 { "Finish signing in in your browser" }
                if let Some(err) = browser_error {
                    p { "The browser could not be opened ({err}). Open this address yourself:" }
                } else {
                    p { "A Google sign-in page opened in your browser. Choose the account and allow access; this page updates by itself." }
                }
                p { a { href: "{auth_url}", target: "_blank", rel: "noopener", class: "link", "Open the sign-in page again" } }
                button {
                    class: "button",
                    onclick: move |_| async move {
                        let _ = api::cancel_sign_in().await;
                    },
                    "Cancel"
                }
            }
        }
        match &*accounts.read() {
            None => rsx! { p { class: "muted", "Loading accounts…" } },
            Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
            Some(Ok(list)) if list.is_empty() => rsx! {
                section { class: "card empty",
                    p { "No accounts yet." }
                    if configured {
                        p { class: "muted", "Press Add account to sign in with Google." }
                    } else {
                        p { class: "muted", "Set up the Google OAuth client below first." }
                    }
                }
            },
            Some(Ok(list)) => rsx! {
                section { class: "card",
                    ul { class: "account-list",
                        for a in list.iter() {
                            AccountRow { key: "{a.id}", account: a.clone(), on_change: move |_| accounts.restart(), on_reauth: start }
                        }
                    }
                }
            },
        }
        match &*client.read() {
            Some(Ok(status)) => rsx! { ClientCard { status: status.clone(), on_saved: move |_| client.restart() } },
            Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
            None => rsx! {},
        }
    }
}

fn initials(a: &AccountSummary) -> String {
    a.display_name
        .as_deref()
        .unwrap_or(&a.email)
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default()
}

#[component]
fn AccountRow(
    account: AccountSummary,
    on_change: EventHandler<()>,
    on_reauth: EventHandler<MouseEvent>,
) -> Element {
    let mut confirming = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut check = use_signal(|| None::<Result<AuthCheck, String>>);
    let mut note = use_signal(|| None::<String>);
    let a = account.clone();
    let (badge, label) = match a.status {
        AccountStatus::Active => ("badge ok", a.status.label()),
        AccountStatus::NeedsReauth => ("badge warn", a.status.label()),
        AccountStatus::Inactive => ("badge", a.status.label()),
    };
    let id_check = a.id.clone();
    let id_remove = a.id.clone();
    rsx! {
        li { class: "account",
            if let Some(pic) = a.picture_url.as_ref().filter(|p| p.starts_with("https://")) {
                img {
                    class: "avatar",
                    src: "{pic}",
                    alt: "",
                    referrerpolicy: "no-referrer",
                    width: "40",
                    height: "40",
                }
            } else {
                div { class: "avatar", aria_hidden: "true", "{initials(&a)}" }
            }
            div { class: "account-main",
                div { class: "account-name", {a.display_name.clone().unwrap_or_else(|| a.email.clone())} }
                div { class: "muted", "{a.email}" }
                if a.status == AccountStatus::NeedsReauth {
                    div { class: "hint", "Google no longer accepts this account's sign-in. Sign in again to resume syncing; nothing was deleted." }
                }
                if let Some(result) = check.read().as_ref() {
                    match result {
                        Ok(c) => rsx! {
                            div { class: "check-result",
                                if let Some(err) = &c.refresh_error {
                                    span { class: "badge fail", "Refresh failed" } " {err}"
                                } else {
                                    span { class: "badge ok", "Sign-in works" }
                                    " Token valid for {c.expires_in_secs.unwrap_or(0) / 60} min · {c.scopes_granted.len()} scopes granted"
                                }
                                if !c.scopes_missing.is_empty() {
                                    div { class: "hint", "Missing permissions: {c.scopes_missing.join(\", \")}. Sign in again to grant them." }
                                }
                            }
                        },
                        Err(e) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                    }
                }
                if let Some(n) = note.read().as_ref() {
                    div { class: "hint", "{n}" }
                }
                super::signature::SignatureEditor { account: a.id.clone(), email: a.email.clone() }
            }
            span { class: badge, "{label}" }
            div { class: "account-actions",
                if a.status == AccountStatus::NeedsReauth {
                    button { class: "button primary", onclick: move |e| on_reauth.call(e), "Sign in again" }
                }
                button {
                    class: "button",
                    disabled: *busy.read(),
                    onclick: move |_| {
                        let id = id_check.clone();
                        async move {
                            busy.set(true);
                            check.set(Some(api::check_account(id).await.map_err(|e| e.to_string())));
                            busy.set(false);
                            on_change.call(());
                        }
                    },
                    "Check"
                }
                if *confirming.read() {
                    span { class: "confirm", role: "group", aria_label: "Confirm removal",
                        "Remove {a.email} and its local data? "
                        button {
                            class: "button danger",
                            onclick: move |_| {
                                let id = id_remove.clone();
                                async move {
                                    busy.set(true);
                                    match api::remove_account(id).await {
                                        Ok(r) => {
                                            if let Some(err) = r.revoke_error {
                                                note.set(Some(format!("Removed here, but revoking at Google failed: {err}")));
                                            }
                                            on_change.call(());
                                        }
                                        Err(e) => note.set(Some(e.to_string())),
                                    }
                                    busy.set(false);
                                    confirming.set(false);
                                }
                            },
                            "Remove"
                        }
                        button { class: "button", onclick: move |_| confirming.set(false), "Keep" }
                    }
                } else {
                    button { class: "button", onclick: move |_| confirming.set(true), "Remove…" }
                }
            }
        }
    }
}

#[component]
fn ClientCard(status: OAuthClientStatus, on_saved: EventHandler<()>) -> Element {
    let mut editing = use_signal(|| status.client_id.is_none());
    let mut client_id = use_signal(|| status.client_id.clone().unwrap_or_default());
    let mut secret = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let from_env = status.source == "environment";
    rsx! {
        section { class: "card",
            h2 { "Google OAuth client" }
            if from_env {
                p { "Set by the environment: " code { {status.client_id.clone().unwrap_or_default()} } }
            } else if !*editing.read() {
                p {
                    "Client id " code { {status.client_id.clone().unwrap_or_default()} }
                    if status.has_secret { " · secret stored encrypted" }
                    " "
                    button { class: "button", onclick: move |_| editing.set(true), "Change" }
                }
            } else {
                if status.client_id.is_none() {
                    p {
                        "LibreOllama talks to Google with an OAuth client that you own, so no third party sees your data. "
                        "In Google Cloud Console: create a project, enable the Gmail, Tasks and Calendar APIs, "
                        "configure the consent screen, then Credentials → Create credentials → OAuth client ID → "
                        strong { "Desktop app" }
                        ". Paste its client id and secret here."
                    }
                }
                form {
                    class: "client-form",
                    onsubmit: move |ev| {
                        ev.prevent_default();
                        async move {
                            let s = secret.read().clone();
                            match api::set_oauth_client(client_id.read().clone(), (!s.is_empty()).then_some(s)).await {
                                Ok(_) => {
                                    error.set(None);
                                    secret.set(String::new());
                                    editing.set(false);
                                    on_saved.call(());
                                }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        }
                    },
                    label { class: "field",
                        span { "Client id" }
                        input {
                            r#type: "text",
                            // Uncontrolled: a value written back on every keystroke can lose
                            // characters typed fast (the field keeps its own text).
                            initial_value: "{client_id}",
                            placeholder: "1234-abc.apps.googleusercontent.com",
                            oninput: move |e| client_id.set(e.value()),
                        }
                    }
                    label { class: "field",
                        span { "Client secret" }
                        input {
                            r#type: "password",
                            initial_value: "{secret}",
                            placeholder: if status.has_secret { "(unchanged)" } else { "GOCSPX-…" },
                            autocomplete: "off",
                            oninput: move |e| secret.set(e.value()),
                        }
                    }
                    if let Some(e) = error.read().as_ref() {
                        div { class: "banner error", role: "alert", "{e}" }
                    }
                    div { class: "form-actions",
                        button { class: "button primary", r#type: "submit", "Save" }
                        if status.client_id.is_some() {
                            button { class: "button", r#type: "button", onclick: move |_| editing.set(false), "Cancel" }
                        }
                    }
                }
            }
            details { class: "scopes",
                summary { "Permissions LibreOllama asks for" }
                ul {
                    for (scope, why) in status.scopes.iter() {
                        li { code { "{scope}" } " — {why}" }
                    }
                }
            }
        }
    }
}
