//! Settings → AI: model servers with a health check each, the model manager (sizes, pull with
//! progress and cancel, delete), which accounts' mail AI may read, and the embedding model.

use dioxus::prelude::*;

use super::timer::sleep_ms;
use crate::api;
use crate::model::{AiEndpoint, EndpointKind, JobKind, JobState, JobView};

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.0} MB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KB", b.div_ceil(1024)),
    }
}

#[component]
pub fn AiSettings() -> Element {
    let mut endpoints = use_resource(api::ai_endpoints);
    let mut message = use_signal(|| None::<(bool, String)>);
    let (mut name, mut kind, mut url, mut key) = (
        use_signal(String::new),
        use_signal(|| EndpointKind::Ollama),
        use_signal(|| EndpointKind::Ollama.default_url().to_string()),
        use_signal(String::new),
    );
    // The fields keep their own text (a value written back on every keystroke can lose
    // characters typed fast); these counters make new, empty ones when the app resets them.
    let (mut fresh_fields, mut fresh_url) = (use_signal(|| 0u32), use_signal(|| 0u32));
    let add = move |e: FormEvent| async move {
        e.prevent_default();
        let (n, kd, u, k) = (name(), kind(), url(), key());
        match api::ai_add_endpoint(n, kd, u, (!k.is_empty()).then_some(k)).await {
            Ok(ep) => {
                message.set(Some((true, format!("Added {}.", ep.name))));
                name.set(String::new());
                key.set(String::new());
                fresh_fields += 1;
                endpoints.restart();
            }
            Err(e) => message.set(Some((false, e.to_string()))),
        }
    };
    let list: Vec<AiEndpoint> = match &*endpoints.read() {
        Some(Ok(v)) => v.clone(),
        _ => Vec::new(),
    };
    rsx! {
        header { class: "page-header",
            div {
                h1 { "AI" }
                p { class: "muted", "Model servers on this computer or your network. Nothing leaves them unless you add a server elsewhere." }
            }
        }
        if let Some((ok, text)) = message.read().as_ref() {
            div { class: if *ok { "banner ok" } else { "banner error" }, role: if *ok { "status" } else { "alert" }, "{text}" }
        }
        if let Some(Err(e)) = &*endpoints.read() {
            div { class: "banner error", role: "alert", "{e}" }
        }
        section { class: "card",
            h2 { "Model servers" }
            for ep in list.iter() {
                ServerRow {
                    key: "{ep.id}",
                    ep: ep.clone(),
                    on_change: move |m: Option<(bool, String)>| {
                        if m.is_some() { message.set(m); }
                        endpoints.restart();
                    },
                }
            }
            form { class: "client-form ai-add", onsubmit: add,
                h3 { "Add a server" }
                div { class: "field",
                    label { r#for: "ai-name", "Name" }
                    for k in [fresh_fields()] {
                        input { key: "{k}", id: "ai-name", initial_value: "{name}", placeholder: "LM Studio", oninput: move |e| name.set(e.value()) }
                    }
                }
                div { class: "field",
                    label { r#for: "ai-kind", "Kind" }
                    select {
                        id: "ai-kind",
                        value: "{kind}",
                        onchange: move |e| {
                            let v: EndpointKind = e.value().parse().unwrap_or_default();
                            url.set(v.default_url().into());
                            fresh_url += 1;
                            kind.set(v);
                        },
                        for k in EndpointKind::ALL {
                            option { value: "{k}", "{k.label()}" }
                        }
                    }
                }
                div { class: "field",
                    label { r#for: "ai-url", "Address" }
                    for k in [fresh_url()] {
                        input { key: "{k}", id: "ai-url", initial_value: "{url}", oninput: move |e| url.set(e.value()) }
                    }
                }
                div { class: "field",
                    label { r#for: "ai-key", "API key" }
                    for k in [fresh_fields()] {
                        input { key: "{k}", id: "ai-key", r#type: "password", autocomplete: "off", placeholder: "Only if the server needs one (stored encrypted)", initial_value: "{key}", oninput: move |e| key.set(e.value()) }
                    }
                }
                div { class: "form-actions",
                    button { class: "button primary", r#type: "submit", "Add server" }
                }
            }
        }
        MailAiCard {}
        EmbeddingCard {}
    }
}

#[component]
fn ServerRow(ep: AiEndpoint, on_change: EventHandler<Option<(bool, String)>>) -> Element {
    let id = use_signal(|| ep.id.clone());
    let mut health = use_resource(move || async move { api::ai_health(id()).await });
    let mut show_models = use_signal(|| false);
    let mut confirm = use_signal(|| false);
    let (badge, detail) = match &*health.read() {
        None => ("warn", "Checking…".to_string()),
        Some(Err(e)) => ("fail", e.to_string()),
        Some(Ok(h)) => match &h.error {
            Some(e) => ("fail", e.clone()),
            None => (
                "ok",
                format!(
                    "{}{} model{}",
                    h.version
                        .as_ref()
                        .map(|v| format!("Version {v} · "))
                        .unwrap_or_default(),
                    h.models.len(),
                    if h.models.len() == 1 { "" } else { "s" }
                ),
            ),
        },
    };
    let is_ollama = ep.kind == EndpointKind::Ollama;
    rsx! {
        div { class: "check ai-server",
            span { class: "badge {badge}", if badge == "ok" { "Running" } else if badge == "warn" { "…" } else { "Not answering" } }
            div { class: "check-main",
                div { class: "check-name",
                    "{ep.name} "
                    if ep.is_default { span { class: "pill", "Default" } }
                }
                p { class: "muted small", "{ep.base_url} · {ep.kind}" if ep.has_api_key { " · API key stored" } }
                p { class: if badge == "fail" { "check-detail error-text" } else { "check-detail muted small" }, "{detail}" }
                if *confirm.read() {
                    div { class: "banner warn confirm", role: "alertdialog",
                        "Remove {ep.name}? Conversations that use it move to the default server. "
                        button {
                            class: "button danger small",
                            onclick: move |_| async move {
                                match api::ai_remove_endpoint(id()).await {
                                    Ok(()) => on_change.call(None),
                                    Err(e) => { confirm.set(false); on_change.call(Some((false, e.to_string()))); }
                                }
                            },
                            "Remove"
                        }
                        button { class: "button small", onclick: move |_| confirm.set(false), "Keep" }
                    }
                }
                if *show_models.read() {
                    ModelManager { endpoint_id: ep.id.clone(), can_manage: is_ollama }
                }
            }
            div { class: "account-actions",
                button { class: "button small", onclick: move |_| health.restart(), "Check again" }
                button {
                    class: "button small",
                    aria_expanded: if *show_models.read() { "true" } else { "false" },
                    onclick: move |_| { let v = !show_models(); show_models.set(v); },
                    "Models"
                }
                if !ep.is_default {
                    button {
                        class: "button small",
                        onclick: move |_| async move {
                            match api::ai_set_default(id()).await {
                                Ok(()) => on_change.call(None),
                                Err(e) => on_change.call(Some((false, e.to_string()))),
                            }
                        },
                        "Make default"
                    }
                }
                button { class: "button small danger", onclick: move |_| confirm.set(true), "Remove" }
            }
        }
    }
}

/// Jobs of this kind, refreshed twice a second while any runs.
fn use_ai_jobs() -> Signal<Vec<JobView>> {
    let mut jobs = use_signal(Vec::<JobView>::new);
    use_future(move || async move {
        loop {
            if let Ok(v) = api::ai_jobs().await {
                if *jobs.peek() != v {
                    jobs.set(v);
                }
            }
            sleep_ms(500).await;
        }
    });
    jobs
}

#[component]
fn ModelManager(endpoint_id: String, can_manage: bool) -> Element {
    let ep = use_signal(|| endpoint_id.clone());
    let mut models = use_resource(move || async move { api::ai_models(ep()).await });
    let mut pull_name = use_signal(String::new);
    let mut fresh_pull = use_signal(|| 0u32);
    let mut error = use_signal(|| None::<String>);
    let mut confirm = use_signal(|| None::<String>);
    let jobs = use_ai_jobs();
    let mut seen_running = use_signal(|| false);
    let pulls: Vec<JobView> = jobs
        .read()
        .iter()
        .filter(|j| j.kind == JobKind::ModelPull)
        .cloned()
        .collect();
    // A pull that just finished: list the models again.
    let running = pulls.iter().any(|j| j.state == JobState::Running);
    if *seen_running.peek() && !running {
        seen_running.set(false);
        models.restart();
    } else if running && !*seen_running.peek() {
        seen_running.set(true);
    }
    rsx! {
        div { class: "models",
            if let Some(e) = error.read().as_ref() {
                div { class: "banner error small", role: "alert", "{e}" }
            }
            match &*models.read() {
                None => rsx! { p { class: "muted small", "Listing models…" } },
                Some(Err(e)) => rsx! { p { class: "error-text small", "{e}" } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted small", "No models yet." } },
                Some(Ok(list)) => rsx! {
                    table { class: "model-table",
                        thead { tr { th { "Model" } th { "Size" } th { "Family" } th { "Parameters" } th { "Quantisation" } th {} } }
                        tbody {
                            for m in list.iter() {
                                tr { key: "{m.name}",
                                    td { title: "{m.name}", {super::chat::short_model(&m.name)} }
                                    td { {m.size_bytes.map(size).unwrap_or_else(|| "—".into())} }
                                    td { {m.family.clone().unwrap_or_else(|| "—".into())} }
                                    td { {m.parameter_size.clone().unwrap_or_else(|| "—".into())} }
                                    td { {m.quantization.clone().unwrap_or_else(|| "—".into())} }
                                    td {
                                        if can_manage {
                                            if confirm.read().as_deref() == Some(m.name.as_str()) {
                                                button {
                                                    class: "button danger small",
                                                    onclick: {
                                                        let name = m.name.clone();
                                                        move |_| {
                                                            let name = name.clone();
                                                            async move {
                                                                confirm.set(None);
                                                                match api::ai_delete_model(ep(), name).await {
                                                                    Ok(()) => models.restart(),
                                                                    Err(e) => error.set(Some(e.to_string())),
                                                                }
                                                            }
                                                        }
                                                    },
                                                    "Delete for good"
                                                }
                                                button { class: "button small", onclick: move |_| confirm.set(None), "Keep" }
                                            } else {
                                                button {
                                                    class: "button small",
                                                    onclick: {
                                                        let name = m.name.clone();
                                                        move |_| confirm.set(Some(name.clone()))
                                                    },
                                                    "Delete"
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            }
            if can_manage {
                form {
                    class: "field model-pull",
                    onsubmit: move |e| async move {
                        e.prevent_default();
                        error.set(None);
                        let model = pull_name();
                        match api::ai_pull_model(ep(), model).await {
                            Ok(_) => {
                                pull_name.set(String::new());
                                fresh_pull += 1;
                            }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    },
                    for k in [fresh_pull()] {
                        input {
                            key: "{k}",
                            aria_label: "Model to download",
                            placeholder: "Model to download, e.g. llama3.2 or nomic-embed-text",
                            oninput: move |e| pull_name.set(e.value()),
                        }
                    }
                    button { class: "button", r#type: "submit", disabled: pull_name.read().trim().is_empty(), "Download" }
                }
                for j in pulls.iter() {
                    JobRow { key: "{j.id}", job: j.clone() }
                }
            } else {
                p { class: "muted small", "Download and delete models with this server's own tools." }
            }
        }
    }
}

#[component]
pub fn JobRow(job: JobView) -> Element {
    let pct = job
        .total
        .filter(|t| *t > 0)
        .map(|t| (job.done as f64 / t as f64 * 100.0).min(100.0));
    let id = job.id;
    let state = match job.state {
        JobState::Running => match (job.total, pct) {
            (Some(t), Some(p)) if t > 1 << 20 => {
                format!("{} of {} ({p:.0} %)", size(job.done), size(t))
            }
            (Some(t), _) => format!("{} of {t}", job.done),
            _ => "Starting…".into(),
        },
        JobState::Done => job.message.clone().unwrap_or_else(|| "Done".into()),
        JobState::Failed => format!("Failed: {}", job.message.clone().unwrap_or_default()),
        JobState::Cancelled => "Cancelled".into(),
    };
    rsx! {
        div { class: "job",
            div { class: "job-top",
                span { "{job.name}" }
                if job.state == JobState::Running {
                    button { class: "button small", onclick: move |_| async move { let _ = api::ai_cancel_job(id).await; }, "Cancel" }
                }
            }
            if job.state == JobState::Running {
                div { class: "progress", role: "progressbar", aria_valuenow: "{pct.unwrap_or(0.0):.0}", aria_valuemin: "0", aria_valuemax: "100",
                    div { class: if pct.is_some() { "bar" } else { "bar indeterminate" }, style: "width: {pct.unwrap_or(100.0):.1}%" }
                }
            }
            p { class: if job.state == JobState::Failed { "small error-text" } else { "muted small" }, "{state}" }
        }
    }
}

#[component]
fn MailAiCard() -> Element {
    let mut accounts = use_resource(|| async move {
        let accs = api::mail_accounts().await?;
        let mut out = Vec::new();
        for a in accs {
            let on = api::ai_mail_enabled(a.id.clone()).await?;
            out.push((a, on));
        }
        Ok::<_, api::ApiError>(out)
    });
    let mut error = use_signal(|| None::<String>);
    rsx! {
        section { class: "card",
            h2 { "AI on your mail" }
            p { class: "muted small", "Off until you turn it on, per account. When on, the model servers above may read that account's cached mail to summarise threads, draft replies, find tasks and answer questions." }
            if let Some(e) = error.read().as_ref() {
                div { class: "banner error small", role: "alert", "{e}" }
            }
            match &*accounts.read() {
                None => rsx! { p { class: "muted small", "Loading accounts…" } },
                Some(Err(e)) => rsx! { p { class: "error-text small", "{e}" } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted small", "No mail accounts yet." } },
                Some(Ok(list)) => rsx! {
                    for (a, on) in list.iter() {
                        label { class: "choice", key: "{a.id}",
                            input {
                                r#type: "checkbox",
                                checked: *on,
                                onchange: {
                                    let id = a.id.clone();
                                    move |e: FormEvent| {
                                        let id = id.clone();
                                        async move {
                                            let on = e.checked();
                                            match api::ai_set_mail_enabled(id, on).await {
                                                Ok(()) => { error.set(None); accounts.restart(); }
                                                Err(e) => error.set(Some(e.to_string())),
                                            }
                                        }
                                    }
                                },
                            }
                            "{a.email}"
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn EmbeddingCard() -> Element {
    let mut current = use_resource(api::ai_embedding_model);
    let choices = use_resource(move || async move {
        let mut out = Vec::new();
        for ep in api::ai_endpoints().await.unwrap_or_default() {
            if let Ok(h) = api::ai_health(ep.id.clone()).await {
                for m in h.models {
                    out.push((ep.id.clone(), ep.name.clone(), m));
                }
            }
        }
        out
    });
    let mut error = use_signal(|| None::<String>);
    let value = match &*current.read() {
        Some(Ok((e, m))) => format!("{e}|{m}"),
        _ => String::new(),
    };
    rsx! {
        section { class: "card",
            h2 { "Ask your mailbox" }
            p { class: "muted small", "Questions about your mail search by meaning using vectors from this model (an embedding model such as nomic-embed-text works best). Changing it means indexing again." }
            if let Some(Err(e)) = &*current.read() {
                p { class: "error-text small", "{e}" }
            }
            if let Some(e) = error.read().as_ref() {
                p { class: "error-text small", "{e}" }
            }
            div { class: "field",
                label { r#for: "embed", "Embedding model" }
                select {
                    id: "embed",
                    value: "{value}",
                    onchange: move |e| async move {
                        let v = e.value();
                        let Some((ep, m)) = v.split_once('|') else { return };
                        match api::ai_set_embedding_model(ep.to_string(), m.to_string()).await {
                            Ok(()) => { error.set(None); current.restart(); }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    },
                    if value.is_empty() { option { value: "", "Choose…" } }
                    for (ep, name, m) in choices.read().clone().unwrap_or_default() {
                        option { value: "{ep}|{m}", title: "{m}", "{super::chat::short_model(&m)} ({name})" }
                    }
                }
            }
        }
    }
}
