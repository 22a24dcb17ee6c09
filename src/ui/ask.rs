//! Ask your mailbox: index an account's cached mail (a job with progress), ask a question, read
//! the answer as it streams, and open the messages it cites.

use dioxus::prelude::*;

use super::ai_settings::JobRow;
use super::chat::follow;
use super::markdown::Markdown;
use super::timer::sleep_ms;
use super::Route;
use crate::api;
use crate::model::{JobState, JobView, LiveResult, MailAnswer};

#[component]
pub fn Ask() -> Element {
    let accounts = use_resource(|| async move {
        let mut out = Vec::new();
        for a in api::mail_accounts().await? {
            let on = api::ai_mail_enabled(a.id.clone()).await?;
            out.push((a.id, a.email, on));
        }
        Ok::<_, api::ApiError>(out)
    });
    let mut account = use_signal(|| None::<String>);
    let list = match &*accounts.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    // The first account with AI on, until the user picks another.
    if account.peek().is_none() {
        if let Some((id, _, _)) = list.iter().find(|a| a.2) {
            account.set(Some(id.clone()));
        }
    }
    let current = account.read().clone();
    let enabled = list.iter().any(|a| Some(&a.0) == current.as_ref() && a.2);
    rsx! {
        header { class: "page-header",
            div {
                h1 { "Ask your mailbox" }
                p { class: "muted", "Answers come from your cached mail and a model on your computer; each cites the messages it used." }
            }
            if list.len() > 1 {
                select {
                    class: "button",
                    aria_label: "Account",
                    value: "{current.clone().unwrap_or_default()}",
                    onchange: move |e| account.set(Some(e.value())),
                    for (id, email, on) in list.iter() {
                        option { value: "{id}", if *on { "{email}" } else { "{email} (AI off)" } }
                    }
                }
            }
        }
        if let Some(Err(e)) = &*accounts.read() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        if accounts.read().is_some() && list.is_empty() {
            div { class: "card empty",
                p { "No mail yet. Add an account (Settings → Accounts) or import a mailbox." }
            }
        } else if let Some(acc) = current.filter(|_| enabled) {
            AskAccount { key: "{acc}", account: acc.clone() }
        } else if accounts.read().is_some() {
            div { class: "card empty",
                p { "AI is off for this account." }
                Link { class: "link", to: Route::AiSettings {}, "Turn it on in Settings → AI" }
            }
        }
    }
}

#[component]
fn AskAccount(account: String) -> Element {
    let acc = use_signal(|| account.clone());
    let mut status = use_resource(move || async move { api::ai_index_status(acc()).await });
    let mut job = use_signal(|| None::<JobView>);
    let mut question = use_signal(String::new);
    let mut live = use_signal(|| None::<u64>);
    let mut text = use_signal(String::new);
    let mut answer = use_signal(|| None::<MailAnswer>);
    let mut error = use_signal(|| None::<String>);

    // Follows the indexing job of this account while it runs.
    let watch = move |id: u64| {
        spawn(async move {
            loop {
                let jobs = api::ai_jobs().await.unwrap_or_default();
                let Some(j) = jobs.into_iter().find(|j| j.id == id) else {
                    break;
                };
                let running = j.state == JobState::Running;
                job.set(Some(j));
                if !running {
                    status.restart();
                    break;
                }
                status.restart();
                sleep_ms(700).await;
            }
        });
    };
    let index = move |_| async move {
        error.set(None);
        match api::ai_start_indexing(acc()).await {
            Ok(id) => watch(id),
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let ask = move || {
        let q = question.read().trim().to_string();
        if q.is_empty() || live.read().is_some() {
            return;
        }
        spawn(async move {
            error.set(None);
            answer.set(None);
            text.set(String::new());
            match api::ai_ask(acc(), q).await {
                Err(e) => error.set(Some(e.to_string())),
                Ok(id) => {
                    live.set(Some(id));
                    let r = follow(id, |t| text.set(t)).await;
                    live.set(None);
                    match r {
                        Ok(v) => {
                            if let Some(e) = v.error {
                                error.set(Some(e));
                            }
                            if let Some(LiveResult::Answer(a)) = v.result {
                                answer.set(Some(a));
                            }
                        }
                        Err(e) => error.set(Some(e)),
                    }
                }
            }
        });
    };
    let running = job
        .read()
        .as_ref()
        .is_some_and(|j| j.state == JobState::Running);
    rsx! {
        section { class: "card ask-index",
            match &*status.read() {
                None => rsx! { p { class: "muted small", "Checking the index…" } },
                Some(Err(e)) => rsx! {
                    p { class: "error-text small", "{e}" }
                    Link { class: "link small", to: Route::AiSettings {}, "Settings → AI" }
                },
                Some(Ok(s)) => rsx! {
                    div { class: "ask-index-row",
                        p { class: "small",
                            strong { "{s.indexed} of {s.total}" }
                            " messages indexed with {super::chat::short_model(&s.model)}."
                            if s.indexed < s.total && !running { " New mail is added when you index again." }
                        }
                        if !running && s.indexed < s.total {
                            button {
                                class: if s.indexed == 0 { "button primary small" } else { "button small" },
                                onclick: index,
                                if s.indexed == 0 { "Index mail" } else { "Index new mail" }
                            }
                        }
                    }
                },
            }
            if let Some(j) = job.read().clone() {
                JobRow { job: j }
            }
        }
        form {
            class: "ask-form",
            onsubmit: move |e| { e.prevent_default(); ask(); },
            input {
                r#type: "search",
                aria_label: "Your question",
                placeholder: "e.g. When is my dentist appointment?",
                // The page is for asking: the box is ready to type into, as Chat's is.
                onmounted: move |e| async move { let _ = e.set_focus(true).await; },
                oninput: move |e| question.set(e.value()),
            }
            if let Some(id) = live() {
                button { class: "button danger", r#type: "button", onclick: move |_| async move { let _ = api::ai_live_cancel(id).await; }, "Stop" }
            } else {
                button { class: "button primary", r#type: "submit", disabled: question.read().trim().is_empty(), "Ask" }
            }
        }
        if let Some(e) = error.read().as_ref() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        if live.read().is_some() || answer.read().is_some() {
            section { class: "card ask-answer", aria_live: "polite",
                if text.read().is_empty() {
                    p { class: "muted small", "Looking through your mail…" }
                } else {
                    Markdown { text: text.read().clone() }
                }
                if let Some(a) = answer.read().clone() {
                    h3 { class: "small", "Sources" }
                    ol { class: "sources",
                        for s in a.sources.iter() {
                            li { key: "{s.message_id}", class: if s.cited { "cited" } else { "" },
                                Link {
                                    class: "link",
                                    to: Route::MailThread { account: acc(), thread: s.thread_id.clone() },
                                    "[{s.n}] {s.subject}"
                                }
                                span { class: "muted small", " — {s.from}, {date(s.date_ms)}" }
                                if s.cited { span { class: "pill", "cited" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}
