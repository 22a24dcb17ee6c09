//! Writing mail: the editor (To/Cc/Bcc with suggestions from the cache, subject, text or
//! Markdown, attachments with sizes), saved on this device two seconds after each change and
//! when leaving; Send (with the undo toast), Send later, Discard. Also the Drafts, Outbox and
//! Snoozed pages and the toast that offers Undo while a sent mail waits.

use chrono::{Datelike, Duration, Local, TimeZone, Timelike};
use dioxus::prelude::*;

use crate::api;
use crate::model::{ComposeKind, DraftEdit, DraftFile, DraftView, OutboxItem};
use crate::ui::timer::sleep_ms;
use crate::ui::Route;

/// The mail just sent, while its undo window runs (the toast shows it on every page).
pub static SENDING: GlobalSignal<Option<OutboxItem>> = Signal::global(|| None);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn local(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            if t.date_naive() == Local::now().date_naive() {
                t.format("today %H:%M").to_string()
            } else {
                t.format("%a %-d %b, %H:%M").to_string()
            }
        })
        .unwrap_or_default()
}

fn size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", (b / 1024.0).ceil())
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// Times people pick for "later": this evening, tomorrow morning, next Monday morning.
pub(crate) fn later_choices() -> Vec<(&'static str, i64)> {
    let now = Local::now();
    let at = |d: chrono::NaiveDate, h: u32| {
        Local
            .from_local_datetime(&d.and_hms_opt(h, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    };
    let today = now.date_naive();
    let to_monday = (7 - today.weekday().num_days_from_monday() as i64) % 7;
    let monday = today + Duration::days(if to_monday == 0 { 7 } else { to_monday });
    let mut v = vec![
        ("Tomorrow, 08:00", at(today + Duration::days(1), 8)),
        ("Monday, 08:00", at(monday, 8)),
    ];
    if now.hour() < 17 {
        v.push(("This evening, 18:00", at(today, 18)));
    }
    v
}

fn parse_local(v: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| Local.from_local_datetime(&t).earliest())
        .map(|t| t.timestamp_millis())
}

/// Makes a draft (new, reply, reply all, forward) and opens it in the editor.
pub(crate) async fn start(
    account: String,
    kind: ComposeKind,
    message_id: Option<String>,
) -> Result<(), String> {
    let d = api::mail_compose(account, kind, message_id)
        .await
        .map_err(|e| e.to_string())?;
    navigator().push(Route::Compose { id: d.id });
    Ok(())
}

#[component]
pub fn Compose(id: String) -> Element {
    let draft = use_resource(use_reactive!(|id| async move { api::mail_draft(id).await }));
    rsx! {
        div { class: "compose-page",
            match &*draft.read() {
                None => rsx! { p { class: "muted", role: "status", "Opening the draft…" } },
                Some(Err(e)) => rsx! {
                    div { class: "banner error", role: "alert", "{e}" }
                    Link { to: Route::MailDrafts {}, class: "link", "Your drafts" }
                },
                Some(Ok(d)) => rsx! {
                    for d in [d.clone()] {
                        Editor { key: "{d.id}", draft: d }
                    }
                },
            }
        }
    }
}

/// Which field the suggestions are for, and them.
#[derive(Clone, PartialEq)]
struct Suggest {
    field: &'static str,
    items: Vec<String>,
}

#[component]
fn Editor(draft: DraftView) -> Element {
    let id = use_signal(|| draft.id.clone());
    let account = use_signal(|| draft.account_id.clone());
    let to = use_signal(|| draft.to.clone());
    let cc = use_signal(|| draft.cc.clone());
    let bcc = use_signal(|| draft.bcc.clone());
    let mut subject = use_signal(|| draft.subject.clone());
    let mut body = use_signal(|| draft.body.clone());
    let mut rich = use_signal(|| draft.rich);
    let mut files = use_signal(|| draft.files.clone());
    let mut show_cc = use_signal(|| !draft.cc.is_empty() || !draft.bcc.is_empty());
    let mut edits = use_signal(|| 0u64);
    let mut saved = use_signal(|| 0u64);
    let mut state = use_signal(|| {
        if draft.on_gmail {
            "Saved · in Gmail Drafts".to_string()
        } else {
            "Saved on this device".to_string()
        }
    });
    let mut error = use_signal(|| None::<String>);
    let mut later = use_signal(|| false);
    let mut confirm_discard = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut suggest = use_signal(|| None::<Suggest>);

    let edit = move || DraftEdit {
        to: to(),
        cc: cc(),
        bcc: bcc(),
        subject: subject(),
        body: body(),
        rich: rich(),
    };
    let save = move || async move {
        let n = *edits.peek();
        if n == *saved.peek() {
            return true;
        }
        match api::mail_save_draft(id(), edit()).await {
            Ok(_) => {
                saved.set(n);
                state.set("Saved on this device".into());
                true
            }
            Err(e) => {
                state.set(format!(
                    "Not saved: {e}. Your text stays here and is tried again on the next change."
                ));
                false
            }
        }
    };
    let mut touch = move || {
        let n = edits() + 1;
        edits.set(n);
        // The user is fixing it: the old complaint goes.
        if error.peek().is_some() {
            error.set(None);
        }
        state.set("Editing…".into());
        spawn(async move {
            sleep_ms(2000).await;
            if *edits.peek() == n {
                save().await;
            }
        });
    };
    // Leaving the editor (another page, closing the window) saves what was typed.
    use_drop(move || {
        if *edits.peek() != *saved.peek() {
            let (i, e) = (id.peek().clone(), edit());
            dioxus::core::spawn_forever(async move {
                let _ = api::mail_save_draft(i, e).await;
            });
        }
    });

    let mut lookup = move |field: &'static str, text: String| {
        let last = text
            .rsplit([',', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if last.len() < 2 {
            suggest.set(None);
            return;
        }
        spawn(async move {
            if let Ok(items) = api::mail_suggest(account(), last).await {
                suggest.set((!items.is_empty()).then_some(Suggest { field, items }));
            }
        });
    };
    let mut pick = move |field: &'static str, value: String| {
        let mut sig = match field {
            "cc" => cc,
            "bcc" => bcc,
            _ => to,
        };
        let current = sig();
        let head = match current.rfind([',', ';']) {
            Some(i) => format!("{}, ", current[..i].trim_end()),
            None => String::new(),
        };
        let v = format!("{head}{value}, ");
        sig.set(v.clone());
        suggest.set(None);
        let js = format!(
            "const x = document.getElementById('c-{field}'); if (x) {{ x.value = {}; x.focus(); }}",
            serde_json::to_string(&v).unwrap_or_default()
        );
        document::eval(&js);
        touch();
    };

    let send = move |at: Option<i64>| async move {
        busy.set(true);
        error.set(None);
        let ok = save().await;
        if ok {
            match api::mail_send(id(), at).await {
                Ok(item) => {
                    // Nothing left to save: the draft is in the outbox.
                    saved.set(*edits.peek());
                    if !item.scheduled {
                        *SENDING.write() = Some(item);
                    }
                    navigator().push(if at.is_some() {
                        Route::MailOutbox {}
                    } else {
                        Route::Mail {}
                    });
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
        busy.set(false);
    };

    let total: i64 = files.read().iter().map(|f| f.size).sum();
    let archive = draft.account_id == crate::model::ARCHIVE_ACCOUNT;
    let kind = match draft.kind.as_str() {
        "reply" => "Reply",
        "reply_all" => "Reply all",
        "forward" => "Forward",
        _ => "New message",
    };
    let sug = suggest.read().clone();
    let field = |name: &'static str,
                 label: &'static str,
                 value: String,
                 mut sig: Signal<String>| {
        rsx! {
            div { class: "field compose-field",
                label { r#for: "c-{name}", "{label}" }
                div { class: "suggest-wrap",
                    input {
                        id: "c-{name}",
                        autocomplete: "off",
                        initial_value: "{value}",
                        placeholder: if name == "to" { "name@example.com, …" } else { "" },
                        // A new mail starts in To; a reply in its text.
                        onmounted: move |e| async move { if name == "to" && to.peek().is_empty() { let _ = e.set_focus(true).await; } },
                        oninput: move |e| { let v = e.value(); sig.set(v.clone()); touch(); lookup(name, v); },
                        onkeydown: move |e: KeyboardEvent| if e.key() == Key::Escape { suggest.set(None) },
                    }
                    if let Some(s) = sug.as_ref().filter(|s| s.field == name) {
                        ul { class: "suggest", role: "listbox", aria_label: "Addresses",
                            for item in s.items.clone() {
                                li {
                                    role: "option",
                                    onmousedown: move |e: MouseEvent| { e.prevent_default(); pick(name, item.clone()); },
                                    "{item}"
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    rsx! {
        form {
            class: "compose",
            aria_label: "{kind}",
            onsubmit: move |e: FormEvent| async move { e.prevent_default(); send(None).await; },
            onkeydown: move |e: KeyboardEvent| {
                if e.key() == Key::Enter && (e.modifiers().ctrl() || e.modifiers().meta()) {
                    e.prevent_default();
                    spawn(async move { send(None).await; });
                }
            },
            header { class: "compose-head",
                h1 { "{kind}" }
                span { class: "muted small", role: "status", "{state}" }
                button {
                    class: "button small close",
                    r#type: "button",
                    title: "Save and close",
                    aria_label: "Save and close",
                    onclick: move |_| async move { if save().await { navigator().push(Route::Mail {}); } },
                    "✕"
                }
            }
            if let Some(e) = error.read().as_ref() {
                div { class: "banner error", role: "alert", "{e} — the draft is kept." }
            }
            if archive {
                div { class: "banner", role: "status",
                    "This draft answers mail in an imported archive, which has no server to send from. Copy the text into a new mail from a Google account (Compose)."
                }
            }
            {field("to", "To", draft.to.clone(), to)}
            if show_cc() {
                {field("cc", "Cc", draft.cc.clone(), cc)}
                {field("bcc", "Bcc", draft.bcc.clone(), bcc)}
            } else {
                div { class: "field compose-field", span {}
                    button { class: "link-button small", r#type: "button", onclick: move |_| show_cc.set(true), "Add Cc or Bcc" }
                }
            }
            div { class: "field compose-field",
                label { r#for: "c-subject", "Subject" }
                input { id: "c-subject", initial_value: "{draft.subject}", oninput: move |e| { subject.set(e.value()); touch(); } }
            }
            textarea {
                class: "compose-body",
                aria_label: "Message",
                initial_value: "{draft.body}",
                oninput: move |e| { body.set(e.value()); touch(); },
                onmounted: move |e| async move {
                    if to.peek().is_empty() {
                        return;
                    }
                    // A reply starts at its first line, above the quote.
                    let _ = e.set_focus(true).await;
                    document::eval("const t = document.querySelector('.compose-body'); if (t) { t.setSelectionRange(0, 0); t.scrollTop = 0; }");
                },
            }
            div { class: "compose-files",
                for f in files.read().iter().cloned() {
                    FileChip { key: "{f.id}", file: f, draft: id(), files, error }
                }
                if !files.read().is_empty() {
                    span { class: "muted small", "{size(total)} of 25 MB" }
                }
            }
            footer { class: "compose-actions",
                button { class: "button primary", r#type: "submit", disabled: busy() || archive, title: "Send (Ctrl+Enter)", if busy() { "Sending…" } else { "Send" } }
                button { class: "button", r#type: "button", disabled: archive, aria_expanded: if later() { "true" } else { "false" }, onclick: move |_| later.set(!later()), "Send later…" }
                label { class: "button file-button",
                    "Attach files"
                    input {
                        r#type: "file",
                        multiple: true,
                        class: "visually-hidden",
                        onchange: move |e: FormEvent| async move {
                            for f in e.files() {
                                let name = f.name();
                                let mime = f.content_type().unwrap_or_default();
                                let data = match f.read_bytes().await {
                                    Ok(b) => b.to_vec(),
                                    Err(err) => { error.set(Some(format!("“{name}” cannot be read ({err}); pick it again."))); continue; }
                                };
                                match api::mail_attach(id(), name, mime, data).await {
                                    Ok(d) => files.set(d.files),
                                    Err(err) => error.set(Some(err.to_string())),
                                }
                            }
                        },
                    }
                }
                label { class: "small toggle",
                    input { r#type: "checkbox", checked: rich(), onchange: move |e: FormEvent| { rich.set(e.checked()); touch(); } }
                    " Formatting (Markdown: **bold**, *italic*, lists, links)"
                }
                span { class: "spacer" }
                if confirm_discard() {
                    span { class: "small", "Discard this draft? " }
                    button { class: "button small", r#type: "button", onclick: move |_| confirm_discard.set(false), "Keep" }
                    button {
                        class: "button small danger",
                        r#type: "button",
                        onclick: move |_| async move {
                            match api::mail_delete_draft(id()).await {
                                Ok(()) => { saved.set(*edits.peek()); navigator().push(Route::Mail {}); }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        },
                        "Discard"
                    }
                } else {
                    button { class: "button small", r#type: "button", onclick: move |_| confirm_discard.set(true), "Discard…" }
                }
            }
            if later() {
                div { class: "later", role: "group", aria_label: "Send later",
                    for (i, (label, at)) in later_choices().into_iter().enumerate() {
                        button {
                            class: "button small",
                            r#type: "button",
                            // The first choice takes the focus: Send later, Enter, Enter.
                            onmounted: move |e| async move { if i == 0 { let _ = e.set_focus(true).await; } },
                            onclick: move |_| async move { send(Some(at)).await; },
                            "{label}"
                        }
                    }
                    input { id: "c-when", r#type: "datetime-local", aria_label: "Pick a date and time" }
                    button {
                        class: "button small primary",
                        r#type: "button",
                        onclick: move |_| async move {
                            let v = document::eval("return document.getElementById('c-when')?.value ?? '';").await;
                            match v.ok().and_then(|v| v.as_str().and_then(parse_local)) {
                                Some(at) => send(Some(at)).await,
                                None => error.set(Some("Pick the date and time to send it.".into())),
                            }
                        },
                        "Schedule"
                    }
                    span { class: "muted small", "Kept in the outbox; sent then, or when the app next starts." }
                }
            }
        }
    }
}

#[component]
fn FileChip(
    file: DraftFile,
    draft: String,
    files: Signal<Vec<DraftFile>>,
    error: Signal<Option<String>>,
) -> Element {
    rsx! {
        span { class: "file-chip",
            "{file.filename} "
            span { class: "muted", "({size(file.size)})" }
            button {
                class: "link-button",
                r#type: "button",
                aria_label: "Remove {file.filename}",
                onclick: move |_| {
                    let draft = draft.clone();
                    async move {
                        match api::mail_detach(draft, file.id).await {
                            Ok(d) => files.set(d.files),
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    }
                },
                "✕"
            }
        }
    }
}

/// "Sending in 8 s · Undo · Send now" while the undo window runs; then "Sent" or the reason.
#[component]
pub fn SendToast() -> Element {
    let mut now = use_signal(now_ms);
    let mut outcome = use_signal(|| None::<(bool, String)>);
    // Ticks only while a mail waits.
    use_future(move || async move {
        loop {
            sleep_ms(250).await;
            let item = SENDING.peek().clone();
            let Some(item) = item else { continue };
            now.set(now_ms());
            if now_ms() > item.send_at_ms + 400 {
                // The window is over: how did it go?
                let mut last = None;
                for _ in 0..40 {
                    match api::mail_outbox_item(item.id.clone()).await {
                        Ok(i) if i.state == "sent" => {
                            last = Some((true, "Sent.".to_string()));
                            break;
                        }
                        Ok(i) if i.state == "failed" => {
                            last = Some((
                                false,
                                format!(
                                    "Not sent: {}. It is in the outbox.",
                                    i.last_error.unwrap_or_default()
                                ),
                            ));
                            break;
                        }
                        Ok(i) if i.next_try_ms > 0 => {
                            last = Some((
                                false,
                                format!(
                                    "Not sent yet ({}); it is retried from the outbox.",
                                    i.last_error.unwrap_or_default()
                                ),
                            ));
                            break;
                        }
                        Ok(_) => sleep_ms(250).await,
                        Err(_) => break,
                    }
                }
                *SENDING.write() = None;
                outcome.set(last);
                sleep_ms(4000).await;
                outcome.set(None);
            }
        }
    });
    let item = SENDING.read().clone();
    if let Some(item) = item {
        let left = ((item.send_at_ms - now()) as f64 / 1000.0).ceil().max(0.0) as i64;
        let id2 = item.id.clone();
        return rsx! {
            div { class: "toast", role: "status",
                span { if left > 0 { "Sending in {left} s" } else { "Sending…" } }
                if left > 0 {
                    button {
                        class: "link-button",
                        onclick: move |_| {
                            let id = item.id.clone();
                            async move {
                                match api::mail_undo_send(id).await {
                                    Ok(d) => { *SENDING.write() = None; navigator().push(Route::Compose { id: d.id }); }
                                    Err(e) => outcome.set(Some((false, format!("{e}")))),
                                }
                            }
                        },
                        "Undo"
                    }
                    button {
                        class: "link-button",
                        onclick: move |_| { let id = id2.clone(); async move { let _ = api::mail_send_now(id).await; } },
                        "Send now"
                    }
                }
            }
        };
    }
    match outcome() {
        Some((ok, text)) => rsx! {
            div { class: if ok { "toast" } else { "toast error" }, role: if ok { "status" } else { "alert" },
                span { "{text}" }
                if !ok { Link { to: Route::MailOutbox {}, class: "link", "Outbox" } }
            }
        },
        None => rsx! {},
    }
}

#[component]
pub fn MailDrafts() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_drafts(None).await
    });
    let accounts = use_resource(api::mail_accounts);
    let first_account = match &*accounts.read() {
        Some(Ok(a)) => a.iter().find(|a| !a.is_archive).map(|a| a.id.clone()),
        _ => None,
    };
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head",
                h1 { "Drafts" }
                if let Some(acc) = first_account {
                    button {
                        class: "button primary",
                        onclick: move |_| { let acc = acc.clone(); async move { if let Err(e) = start(acc, ComposeKind::New, None).await { error.set(Some(e)); } } },
                        "Compose"
                    }
                }
            }
            p { class: "muted small", "Kept on this device as you type, and copied to Gmail's Drafts." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "No drafts." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for d in v.clone() {
                            li { key: "{d.id}",
                                Link { to: Route::Compose { id: d.id.clone() }, class: "writing-main",
                                    strong { if d.subject.is_empty() { "(no subject)" } else { "{d.subject}" } }
                                    span { class: "muted small", {format!(" to {}", if d.to.is_empty() { "nobody yet" } else { d.to.as_str() })} }
                                    if !d.files.is_empty() { span { class: "muted small", " · {d.files.len()} file(s)" } }
                                    if d.origin == "ai" { span { class: "badge", "written by AI" } }
                                }
                                button {
                                    class: "button small",
                                    onclick: move |_| { let id = d.id.clone(); async move { match api::mail_delete_draft(id).await { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) } } },
                                    "Discard"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

#[component]
pub fn MailOutbox() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_outbox().await
    });
    // The states change in the background: look again every few seconds.
    use_future(move || async move {
        loop {
            sleep_ms(3000).await;
            version += 1;
        }
    });
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head", h1 { "Outbox" } }
            p { class: "muted small", "Mail waits here until Gmail has it: kept across restarts, retried when offline, sent once." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "The outbox is empty." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for i in v.clone() {
                            li { key: "{i.id}", class: "outbox-{i.state}",
                                div { class: "writing-main",
                                    strong { if i.subject.is_empty() { "(no subject)" } else { "{i.subject}" } }
                                    span { class: "muted small", " to {i.to}" }
                                    div { class: "small",
                                        {match i.state.as_str() {
                                            "sent" => format!("Sent {}", local(i.sent_at.unwrap_or(0) * 1000)),
                                            "failed" => format!("Gmail refused it: {}", i.last_error.clone().unwrap_or_default()),
                                            _ if i.next_try_ms > 0 => format!("Not sent yet ({}). Next try {}.", i.last_error.clone().unwrap_or_default(), local(i.next_try_ms)),
                                            "sending" => "Sending…".to_string(),
                                            _ if i.scheduled => format!("Scheduled for {}", local(i.send_at_ms)),
                                            _ => format!("Goes {}", local(i.send_at_ms)),
                                        }}
                                    }
                                }
                                if i.state == "waiting" || i.state == "failed" {
                                    button {
                                        class: "button small",
                                        title: "Back into the editor (it is not sent)",
                                        onclick: { let id = i.id.clone(); move |_| { let id = id.clone(); async move { match api::mail_undo_send(id).await { Ok(d) => { navigator().push(Route::Compose { id: d.id }); } Err(e) => error.set(Some(e.to_string())) } } } },
                                        if i.scheduled { "Cancel and edit" } else { "Edit" }
                                    }
                                }
                                if i.state == "failed" || i.next_try_ms > 0 || (i.state == "waiting" && i.scheduled) {
                                    button {
                                        class: "button small",
                                        onclick: { let (id, failed) = (i.id.clone(), i.state == "failed" || i.next_try_ms > 0); move |_| { let id = id.clone(); async move {
                                            let r = if failed { api::mail_retry_send(id).await } else { api::mail_send_now(id).await };
                                            match r { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) }
                                        } } },
                                        if i.state == "failed" || i.next_try_ms > 0 { "Try again" } else { "Send now" }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

#[component]
pub fn MailSnoozed() -> Element {
    let mut version = use_signal(|| 0u64);
    let list = use_resource(move || async move {
        let _ = version();
        api::mail_snoozed().await
    });
    let mut error = use_signal(|| None::<String>);
    rsx! {
        div { class: "page writing-page",
            header { class: "page-head", h1 { "Snoozed" } }
            p { class: "muted small", "Out of the inbox until their time; back in the inbox then (or when the app next starts)." }
            if let Some(e) = error() { div { class: "banner error", role: "alert", "{e}" } }
            match &*list.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(v)) if v.is_empty() => rsx! { p { class: "muted", "Nothing snoozed." } },
                Some(Ok(v)) => rsx! {
                    ul { class: "writing-list",
                        for s in v.clone() {
                            li { key: "{s.account_id}/{s.thread_id}",
                                Link { to: Route::MailThread { account: s.account_id.clone(), thread: s.thread_id.clone() }, class: "writing-main",
                                    strong { if s.subject.is_empty() { "(no subject)" } else { "{s.subject}" } }
                                    span { class: "muted small", " · back {local(s.wake_at_ms)}" }
                                }
                                button {
                                    class: "button small",
                                    onclick: move |_| { let (a, t) = (s.account_id.clone(), s.thread_id.clone()); async move { match api::mail_unsnooze(a, t).await { Ok(()) => version += 1, Err(e) => error.set(Some(e.to_string())) } } },
                                    "Back to inbox now"
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}
