//! Writing mail: the editor (To/Cc/Bcc with suggestions from the cache, subject, text or
//! Markdown, attachments with sizes), saved on this device two seconds after each change and
//! when leaving; Send (with the undo toast), Send later, Discard. The Drafts, Outbox and
//! Snoozed pages and the undo toast have their own files.

use chrono::{Datelike, Duration, Local, TimeZone, Timelike};
use dioxus::prelude::*;

use super::send_toast::SENDING;
use crate::api;
use crate::model::{ComposeKind, DraftEdit, DraftFile, DraftView};
use crate::ui::timer::sleep_ms;
use crate::ui::Route;

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

/// The editor's state: the fields as typed, how saving goes, and the open menus.
#[derive(Clone, Copy, PartialEq)]
struct EditorState {
    id: Signal<String>,
    account: Signal<String>,
    to: Signal<String>,
    cc: Signal<String>,
    bcc: Signal<String>,
    subject: Signal<String>,
    body: Signal<String>,
    rich: Signal<bool>,
    files: Signal<Vec<DraftFile>>,
    show_cc: Signal<bool>,
    /// Changes made, and the last of them saved: equal means nothing is left to save.
    edits: Signal<u64>,
    saved: Signal<u64>,
    /// The line beside the heading: "Editing…", "Saved on this device", "Not saved: …".
    save_note: Signal<String>,
    error: Signal<Option<String>>,
    later: Signal<bool>,
    confirm_discard: Signal<bool>,
    busy: Signal<bool>,
    suggest: Signal<Option<Suggest>>,
}

fn use_editor_state(draft: &DraftView) -> EditorState {
    let st = EditorState {
        id: use_signal(|| draft.id.clone()),
        account: use_signal(|| draft.account_id.clone()),
        to: use_signal(|| draft.to.clone()),
        cc: use_signal(|| draft.cc.clone()),
        bcc: use_signal(|| draft.bcc.clone()),
        subject: use_signal(|| draft.subject.clone()),
        body: use_signal(|| draft.body.clone()),
        rich: use_signal(|| draft.rich),
        files: use_signal(|| draft.files.clone()),
        show_cc: use_signal(|| !draft.cc.is_empty() || !draft.bcc.is_empty()),
        edits: use_signal(|| 0u64),
        saved: use_signal(|| 0u64),
        save_note: use_signal(|| {
            if draft.on_gmail {
                "Saved · in Gmail Drafts".to_string()
            } else {
                "Saved on this device".to_string()
            }
        }),
        error: use_signal(|| None),
        later: use_signal(|| false),
        confirm_discard: use_signal(|| false),
        busy: use_signal(|| false),
        suggest: use_signal(|| None),
    };
    // While open, the draft is held against changes from Gmail's copy (renewed well within
    // the service's 10-minute hold, so an idle editor keeps it too).
    use_future(move || async move {
        loop {
            let _ = api::mail_draft_editing(st.id.peek().clone(), true).await;
            crate::ui::timer::sleep_ms(4 * 60 * 1000).await;
        }
    });
    // Leaving the editor (another page, closing the window) saves what was typed, then lets
    // the draft go.
    use_drop(move || {
        let i = st.id.peek().clone();
        let unsaved = (*st.edits.peek() != *st.saved.peek()).then(|| st.edit());
        dioxus::core::spawn_forever(async move {
            if let Some(e) = unsaved {
                let _ = api::mail_save_draft(i.clone(), e).await;
            }
            let _ = api::mail_draft_editing(i, false).await;
        });
    });
    st
}

impl EditorState {
    fn edit(&self) -> DraftEdit {
        DraftEdit {
            to: (self.to)(),
            cc: (self.cc)(),
            bcc: (self.bcc)(),
            subject: (self.subject)(),
            body: (self.body)(),
            rich: (self.rich)(),
        }
    }

    /// Saves if anything changed since the last save; false if saving failed.
    async fn save(mut self) -> bool {
        let n = *self.edits.peek();
        if n == *self.saved.peek() {
            return true;
        }
        match api::mail_save_draft((self.id)(), self.edit()).await {
            Ok(_) => {
                self.saved.set(n);
                self.save_note.set("Saved on this device".into());
                true
            }
            Err(e) => {
                self.save_note.set(format!(
                    "Not saved: {e}. Your text stays here and is tried again on the next change."
                ));
                false
            }
        }
    }

    /// Notes a change: saved two seconds after the last one.
    fn touch(mut self) {
        let n = (self.edits)() + 1;
        self.edits.set(n);
        // The user is fixing it: the old complaint goes.
        if self.error.peek().is_some() {
            self.error.set(None);
        }
        self.save_note.set("Editing…".into());
        spawn(async move {
            sleep_ms(2000).await;
            if *self.edits.peek() == n {
                self.save().await;
            }
        });
    }

    /// The address field `field` names ("to", "cc", "bcc").
    fn address(&self, field: &str) -> Signal<String> {
        match field {
            "cc" => self.cc,
            "bcc" => self.bcc,
            _ => self.to,
        }
    }

    /// Suggests addresses for the last one being typed in `field`.
    fn lookup(mut self, field: &'static str, text: String) {
        let last = text
            .rsplit([',', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if last.len() < 2 {
            self.suggest.set(None);
            return;
        }
        spawn(async move {
            if let Ok(items) = api::mail_suggest((self.account)(), last).await {
                self.suggest
                    .set((!items.is_empty()).then_some(Suggest { field, items }));
            }
        });
    }

    /// Puts a suggestion in place of the address being typed.
    fn pick(mut self, field: &'static str, value: String) {
        let mut sig = self.address(field);
        let current = sig();
        let head = match current.rfind([',', ';']) {
            Some(i) => format!("{}, ", current[..i].trim_end()),
            None => String::new(),
        };
        let v = format!("{head}{value}, ");
        sig.set(v.clone());
        self.suggest.set(None);
        let js = format!(
            "const x = document.getElementById('c-{field}'); if (x) {{ x.value = {}; x.focus(); }}",
            serde_json::to_string(&v).unwrap_or_default()
        );
        document::eval(&js);
        self.touch();
    }

    /// Saves, then sends now (`at` None) or at `at` (Unix ms).
    async fn send(mut self, at: Option<i64>) {
        self.busy.set(true);
        self.error.set(None);
        let ok = self.save().await;
        if ok {
            match api::mail_send((self.id)(), at).await {
                Ok(item) => {
                    // Nothing left to save: the draft is in the outbox.
                    self.saved.set(*self.edits.peek());
                    if !item.scheduled {
                        *SENDING.write() = Some(item);
                    }
                    navigator().push(if at.is_some() {
                        Route::MailOutbox {}
                    } else {
                        Route::Mail {}
                    });
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
        }
        self.busy.set(false);
    }

    async fn save_and_close(self) {
        if self.save().await {
            navigator().push(Route::Mail {});
        }
    }

    async fn discard(mut self) {
        match api::mail_delete_draft((self.id)()).await {
            Ok(()) => {
                self.saved.set(*self.edits.peek());
                navigator().push(Route::Mail {});
            }
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    async fn attach(mut self, picked: Vec<dioxus::html::FileData>) {
        for f in picked {
            let name = f.name();
            let mime = f.content_type().unwrap_or_default();
            let data = match f.read_bytes().await {
                Ok(b) => b.to_vec(),
                Err(err) => {
                    self.error.set(Some(format!(
                        "“{name}” cannot be read ({err}); pick it again."
                    )));
                    continue;
                }
            };
            match api::mail_attach((self.id)(), name, mime, data).await {
                Ok(d) => self.files.set(d.files),
                Err(err) => self.error.set(Some(err.to_string())),
            }
        }
    }

    async fn detach(mut self, file: i64) {
        match api::mail_detach((self.id)(), file).await {
            Ok(d) => self.files.set(d.files),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }
}

#[component]
fn Editor(draft: DraftView) -> Element {
    let st = use_editor_state(&draft);
    let (mut show_cc, mut subject, mut body, to) = (st.show_cc, st.subject, st.body, st.to);
    let archive = draft.account_id == crate::model::ARCHIVE_ACCOUNT;
    let kind = draft.kind.label();
    rsx! {
        form {
            class: "compose",
            aria_label: "{kind}",
            onsubmit: move |e: FormEvent| async move { e.prevent_default(); st.send(None).await; },
            onkeydown: move |e: KeyboardEvent| {
                if e.key() == Key::Enter && (e.modifiers().ctrl() || e.modifiers().meta()) {
                    e.prevent_default();
                    spawn(async move { st.send(None).await; });
                }
            },
            header { class: "compose-head",
                h1 { "{kind}" }
                span { class: "muted small", role: "status", "{st.save_note}" }
                button {
                    class: "button small close",
                    r#type: "button",
                    title: "Save and close",
                    aria_label: "Save and close",
                    onclick: move |_| st.save_and_close(),
                    "✕"
                }
            }
            if let Some(e) = st.error.read().as_ref() {
                div { class: "banner error", role: "alert", "{e} — the draft is kept." }
            }
            if archive {
                div { class: "banner", role: "status",
                    "This draft answers mail in an imported archive, which has no server to send from. Copy the text into a new mail from a Google account (Compose)."
                }
            }
            AddressField { st, name: "to", label: "To", value: draft.to.clone() }
            if show_cc() {
                AddressField { st, name: "cc", label: "Cc", value: draft.cc.clone() }
                AddressField { st, name: "bcc", label: "Bcc", value: draft.bcc.clone() }
            } else {
                div { class: "field compose-field", span {}
                    button { class: "link-button small", r#type: "button", onclick: move |_| show_cc.set(true), "Add Cc or Bcc" }
                }
            }
            div { class: "field compose-field",
                label { r#for: "c-subject", "Subject" }
                input { id: "c-subject", initial_value: "{draft.subject}", oninput: move |e| { subject.set(e.value()); st.touch(); } }
            }
            textarea {
                class: "compose-body",
                aria_label: "Message",
                initial_value: "{draft.body}",
                oninput: move |e| { body.set(e.value()); st.touch(); },
                onmounted: move |e| async move {
                    if to.peek().is_empty() {
                        return;
                    }
                    // A reply starts at its first line, above the quote.
                    let _ = e.set_focus(true).await;
                    document::eval("const t = document.querySelector('.compose-body'); if (t) { t.setSelectionRange(0, 0); t.scrollTop = 0; }");
                },
            }
            Attachments { st }
            EditorActions { st, archive }
            if (st.later)() {
                LaterChoices { st }
            }
        }
    }
}

/// To, Cc or Bcc, with the addresses the cache suggests for what is being typed.
#[component]
fn AddressField(
    st: EditorState,
    name: &'static str,
    label: &'static str,
    value: String,
) -> Element {
    let (mut sig, mut suggest, to) = (st.address(name), st.suggest, st.to);
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
                    oninput: move |e| { let v = e.value(); sig.set(v.clone()); st.touch(); st.lookup(name, v); },
                    onkeydown: move |e: KeyboardEvent| if e.key() == Key::Escape { suggest.set(None) },
                }
                if let Some(s) = suggest.read().as_ref().filter(|s| s.field == name) {
                    ul { class: "suggest", role: "listbox", aria_label: "Addresses",
                        for item in s.items.clone() {
                            li {
                                role: "option",
                                onmousedown: move |e: MouseEvent| { e.prevent_default(); st.pick(name, item.clone()); },
                                "{item}"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The attached files and their total size.
#[component]
fn Attachments(st: EditorState) -> Element {
    let files = st.files.read().clone();
    let total: i64 = files.iter().map(|f| f.size).sum();
    rsx! {
        div { class: "compose-files",
            for f in files.iter().cloned() {
                FileChip { key: "{f.id}", st, file: f }
            }
            if !files.is_empty() {
                span { class: "muted small", "{size(total)} of 25 MB" }
            }
        }
    }
}

/// Send, Send later…, Attach files, Formatting, Discard.
#[component]
fn EditorActions(st: EditorState, archive: bool) -> Element {
    let (busy, mut later, mut rich, mut confirm_discard) =
        (st.busy, st.later, st.rich, st.confirm_discard);
    rsx! {
        footer { class: "compose-actions",
            button { class: "button primary", r#type: "submit", disabled: busy() || archive, title: "Send (Ctrl+Enter)", if busy() { "Sending…" } else { "Send" } }
            button { class: "button", r#type: "button", disabled: archive, aria_expanded: if later() { "true" } else { "false" }, onclick: move |_| later.set(!later()), "Send later…" }
            label { class: "button file-button",
                "Attach files"
                input {
                    r#type: "file",
                    multiple: true,
                    class: "visually-hidden",
                    onchange: move |e: FormEvent| st.attach(e.files()),
                }
            }
            label { class: "small toggle",
                input { r#type: "checkbox", checked: rich(), onchange: move |e: FormEvent| { rich.set(e.checked()); st.touch(); } }
                " Formatting (Markdown: **bold**, *italic*, lists, links)"
            }
            span { class: "spacer" }
            if confirm_discard() {
                span { class: "small", "Discard this draft? " }
                button { class: "button small", r#type: "button", onclick: move |_| confirm_discard.set(false), "Keep" }
                button {
                    class: "button small danger",
                    r#type: "button",
                    onclick: move |_| st.discard(),
                    "Discard"
                }
            } else {
                button { class: "button small", r#type: "button", onclick: move |_| confirm_discard.set(true), "Discard…" }
            }
        }
    }
}

/// Send later: this evening, tomorrow morning, next Monday, or a picked date and time.
#[component]
fn LaterChoices(st: EditorState) -> Element {
    let mut error = st.error;
    rsx! {
        div { class: "later", role: "group", aria_label: "Send later",
            for (i, (label, at)) in later_choices().into_iter().enumerate() {
                button {
                    class: "button small",
                    r#type: "button",
                    // The first choice takes the focus: Send later, Enter, Enter.
                    onmounted: move |e| async move { if i == 0 { let _ = e.set_focus(true).await; } },
                    onclick: move |_| st.send(Some(at)),
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
                        Some(at) => st.send(Some(at)).await,
                        None => error.set(Some("Pick the date and time to send it.".into())),
                    }
                },
                "Schedule"
            }
            span { class: "muted small", "Kept in the outbox; sent then, or when the app next starts." }
        }
    }
}

#[component]
fn FileChip(st: EditorState, file: DraftFile) -> Element {
    rsx! {
        span { class: "file-chip",
            "{file.filename} "
            span { class: "muted", "({size(file.size)})" }
            button {
                class: "link-button",
                r#type: "button",
                aria_label: "Remove {file.filename}",
                onclick: move |_| st.detach(file.id),
                "✕"
            }
        }
    }
}
