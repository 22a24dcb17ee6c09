//! The command palette (Ctrl+K, ⌘K on macOS, or the sidebar's button): one box that finds and
//! runs anything — a page, a folder or label, an action on the selected conversation, something
//! new, another account, a recent search, "Sync now". Matching is fuzzy (nucleo-matcher, the
//! matcher of the Helix editor); every entry shows its shortcut; it is driven by the keyboard
//! (↑ ↓ Enter Esc) and works the same in the web preview.

use dioxus::prelude::*;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::mail::requests::{
    CursorRow, MailRequest, MAIL_REQUEST, MAIL_SELECTION, RECENT_SEARCHES,
};
use super::Route;
use crate::api;
use crate::model::{ComposeKind, MailAccount, MailAction};

pub static PALETTE_OPEN: GlobalSignal<bool> = Signal::global(|| false);
/// What the palette's box holds when it opens ("Add label " for `l`), then empty again.
static PALETTE_PRESET: GlobalSignal<String> = Signal::global(String::new);

/// Opens the palette with `text` in its box (the entries it matches shown).
pub fn open_with(text: &str) {
    *PALETTE_PRESET.write() = text.to_string();
    *PALETTE_OPEN.write() = true;
}

/// The most entries listed at once (the box narrows them as one types).
const SHOWN: usize = 60;

/// The shortcut that opens the palette, as this platform writes it.
pub const OPEN_KEYS: &str = if cfg!(any(target_os = "macos", target_os = "ios")) {
    "⌘K"
} else {
    "Ctrl+K"
};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Run {
    Page(Route),
    Mail(MailRequest),
    NewChat,
    NewTask,
    NewEvent,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub group: &'static str,
    pub label: String,
    pub keys: &'static str,
    pub run: Run,
}

fn entry(group: &'static str, label: impl Into<String>, keys: &'static str, run: Run) -> Entry {
    Entry {
        group,
        label: label.into(),
        keys,
        run,
    }
}

fn mail(r: MailRequest) -> Run {
    Run::Mail(r)
}

/// Everything the palette can do now: actions on the selection first (when there is one), then
/// new things, pages, folders and labels, accounts and recent searches.
pub(crate) fn entries(
    accounts: &[MailAccount],
    selection: Option<&CursorRow>,
    recent: &[String],
    snooze_choices: &[(&'static str, i64)],
) -> Vec<Entry> {
    let act = |a: MailAction| mail(MailRequest::Act(a));
    let mut v = Vec::new();
    if let Some(s) = selection {
        let has = |l: &str| s.labels.iter().any(|x| x == l);
        let g = "Conversation";
        if has("INBOX") {
            v.push(entry(g, "Archive", "e", act(MailAction::Archive)));
        } else if !has("TRASH") && !has("SPAM") && !s.is_archive {
            v.push(entry(g, "Move to inbox", "", act(MailAction::MoveToInbox)));
        }
        if has("TRASH") {
            v.push(entry(g, "Restore from trash", "", act(MailAction::Untrash)));
        } else {
            v.push(entry(g, "Move to trash", "#", act(MailAction::Trash)));
        }
        v.push(if s.starred {
            entry(g, "Remove star", "s", act(MailAction::Unstar))
        } else {
            entry(g, "Star", "s", act(MailAction::Star))
        });
        v.push(if s.unread {
            entry(g, "Mark read", "Shift+I", act(MailAction::MarkRead))
        } else {
            entry(g, "Mark unread", "Shift+U", act(MailAction::MarkUnread))
        });
        if has("SPAM") {
            v.push(entry(g, "Not spam", "", act(MailAction::NotSpam)));
        } else if !s.is_archive {
            v.push(entry(g, "Report spam", "!", act(MailAction::MarkSpam)));
        }
        if !s.is_archive {
            v.push(entry(
                g,
                "Reply",
                "r",
                mail(MailRequest::Reply(ComposeKind::Reply)),
            ));
            v.push(entry(
                g,
                "Reply all",
                "a",
                mail(MailRequest::Reply(ComposeKind::ReplyAll)),
            ));
        }
        v.push(entry(
            g,
            "Forward",
            "f",
            mail(MailRequest::Reply(ComposeKind::Forward)),
        ));
        v.push(entry(g, "Add to tasks", "", mail(MailRequest::AddToTasks)));
        // An imported archive's mail too: the reader's AI bar summarises it (or says that AI
        // is off for it, and where to turn it on).
        v.push(entry(g, "Summarise", "", mail(MailRequest::Summarise)));
        if has("INBOX") && !s.is_archive {
            for (when, at) in snooze_choices {
                v.push(entry(
                    g,
                    format!("Snooze until {when}"),
                    "",
                    mail(MailRequest::Snooze(*at)),
                ));
            }
        }
        let user_labels = accounts
            .iter()
            .filter(|a| a.id == s.account_id)
            .flat_map(|a| a.labels.iter().filter(|l| !l.system));
        for l in user_labels {
            if has(&l.id) {
                v.push(entry(
                    g,
                    format!("Remove label {}", l.name),
                    "",
                    act(MailAction::RemoveLabel(l.id.clone())),
                ));
            } else {
                v.push(entry(
                    g,
                    format!("Add label {}", l.name),
                    "",
                    act(MailAction::AddLabel(l.id.clone())),
                ));
                // Gmail's "Move to": the label on, out of the inbox.
                if has("INBOX") {
                    v.push(entry(
                        g,
                        format!("Move to {}", l.name),
                        "",
                        act(MailAction::Relabel {
                            add: vec![l.id.clone()],
                            remove: vec!["INBOX".into()],
                        }),
                    ));
                }
            }
        }
        v.push(entry(
            g,
            "Undo the last action",
            "z",
            mail(MailRequest::Undo),
        ));
    }
    let g = "New";
    v.push(entry(g, "New mail", "c", mail(MailRequest::Compose)));
    v.push(entry(g, "New task", "", Run::NewTask));
    v.push(entry(g, "New event", "", Run::NewEvent));
    v.push(entry(g, "New chat", "", Run::NewChat));
    v.push(entry("Mail", "Sync now", "", mail(MailRequest::Sync)));
    let g = "Go to";
    for (label, route, keys) in [
        ("Mail", Route::Mail {}, ""),
        ("Drafts", Route::MailDrafts {}, ""),
        ("Outbox", Route::MailOutbox {}, ""),
        ("Snoozed", Route::MailSnoozed {}, ""),
        ("Tasks", Route::Tasks {}, ""),
        ("Calendar", Route::Calendar {}, ""),
        ("Calendar: month", Route::CalendarMonth {}, ""),
        ("Chat", Route::Chat {}, ""),
        ("Ask mail", Route::Ask {}, ""),
        ("Accounts", Route::Accounts {}, ""),
        ("AI settings", Route::AiSettings {}, ""),
        ("Diagnostics", Route::Diagnostics {}, ""),
        ("Preferences", Route::SettingsPage {}, ""),
        ("About", Route::About {}, ""),
    ] {
        v.push(entry(g, label, keys, Run::Page(route)));
    }
    let several = accounts.len() > 1;
    for a in accounts {
        for l in &a.labels {
            let keys = match l.id.as_str() {
                "INBOX" => "g i",
                "STARRED" => "g s",
                "SENT" => "g t",
                "DRAFT" => "g d",
                _ => "",
            };
            let label = if several {
                format!("{} · {}", l.name, a.email)
            } else {
                l.name.clone()
            };
            v.push(entry(
                "Folder",
                label,
                if several { "" } else { keys },
                mail(MailRequest::Folder {
                    account: several.then(|| a.id.clone()),
                    folder: l.id.clone(),
                }),
            ));
        }
    }
    if several {
        v.push(entry(
            "Account",
            "Every account",
            "",
            mail(MailRequest::OnlyAccount(None)),
        ));
        for a in accounts {
            v.push(entry(
                "Account",
                format!("Only {}", a.email),
                "",
                mail(MailRequest::OnlyAccount(Some(a.id.clone()))),
            ));
        }
    }
    for q in recent {
        v.push(entry(
            "Recent search",
            q.clone(),
            "",
            mail(MailRequest::Search(q.clone())),
        ));
    }
    v
}

/// The entries matching `query`, best first (all of them, in order, for an empty query).
pub(crate) fn rank(entries: &[Entry], query: &str) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..entries.len()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(usize, u32)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let text = format!("{} {}", e.label, e.group);
            let score = pattern.score(Utf32Str::new(&text, &mut buf), &mut matcher)?;
            Some((i, score))
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|(i, _)| i).collect()
}

/// Ctrl+K / ⌘K anywhere in the window opens the palette (a listener on the page, so it works
/// whatever has the focus, even nothing).
pub fn use_open_shortcut() {
    use_future(|| async {
        let mut js = document::eval(
            "window.addEventListener('keydown', (e) => { \
               if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && (e.key === 'k' || e.key === 'K')) { \
                 e.preventDefault(); dioxus.send(true); } }); \
             await new Promise(() => {});",
        );
        while js.recv::<bool>().await.is_ok() {
            *PALETTE_OPEN.write() = true;
        }
    });
}

#[component]
pub fn Palette() -> Element {
    if !PALETTE_OPEN() {
        return rsx! {};
    }
    rsx! { PaletteDialog {} }
}

/// Closes the palette; the focus goes back where it was (the mail list, so its keys work on).
/// After "go to …" that is gone (or was nothing), once the new page is drawn: the page's region
/// with keys (mail, calendar), else the page itself, unless something took the focus meanwhile
/// (an editor's first field). So j, k, e… work at once, and Tab starts at the page's first
/// control, instead of after a click.
fn close() {
    *PALETTE_OPEN.write() = false;
    document::eval(
        "const e = window.__loPaletteReturn; window.__loPaletteReturn = null; \
         const back = () => { if (e && e.isConnected && e !== document.body) { e.focus(); return true; } return false; }; \
         back(); \
         setTimeout(() => { \
           const a = document.activeElement; if (a && a !== document.body && a.isConnected) return; \
           if (back()) return; \
           const r = document.querySelector('#main [role=region][tabindex]') || document.getElementById('main'); \
           if (r) r.focus(); }, 150);",
    );
}

/// Runs an entry; `on_mail` says whether the mail page is open now.
fn run(r: Run, on_mail: bool) {
    close();
    let nav = navigator();
    match r {
        Run::Page(route) => {
            nav.push(route);
        }
        Run::Mail(req) => {
            // The mail page runs it when it opens, if it is not open now.
            *MAIL_REQUEST.write() = Some(req);
            if !on_mail {
                nav.push(Route::Mail {});
            }
        }
        // (The palette closes as this runs, taking its own tasks with it: these outlive it.)
        Run::NewChat => {
            dioxus::dioxus_core::spawn_forever(async move {
                if let Ok(c) = api::chat_create(None, None).await {
                    nav.push(Route::ChatWith { id: c.id });
                }
            });
        }
        Run::NewEvent => {
            *crate::ui::calendar::NEW_EVENT_REQUEST.write() = true;
            nav.push(Route::Calendar {});
        }
        Run::NewTask => {
            nav.push(Route::Tasks {});
            dioxus::dioxus_core::spawn_forever(async {
                // The Tasks page renders its box first: give it a frame.
                crate::ui::timer::sleep_ms(50).await;
                document::eval("document.querySelector('.quick-title')?.focus();");
            });
        }
    }
}

#[component]
fn PaletteDialog() -> Element {
    let mut query = use_signal(|| std::mem::take(&mut *PALETTE_PRESET.write()));
    let mut active = use_signal(|| 0usize);
    let on_mail = matches!(
        use_route::<Route>(),
        Route::Mail {} | Route::MailThread { .. }
    );
    let accounts = use_resource(|| async { api::mail_accounts().await.unwrap_or_default() });
    let all = entries(
        accounts.read().as_deref().unwrap_or(&[]),
        MAIL_SELECTION.read().as_ref(),
        &RECENT_SEARCHES.read(),
        &crate::ui::mail::compose::later_choices(),
    );
    let shown: Vec<Entry> = rank(&all, &query.read())
        .into_iter()
        .take(SHOWN)
        .map(|i| all[i].clone())
        .collect();
    let n = shown.len();
    let at = (*active.read()).min(n.saturating_sub(1));
    let picked = shown.get(at).cloned();
    let scroll_to = |i: usize| {
        document::eval(&format!(
            "document.getElementById('palette-{i}')?.scrollIntoView({{block: 'nearest'}});"
        ));
    };
    rsx! {
        div { class: "overlay palette-overlay", onclick: move |_| close(),
            div {
                class: "dialog palette",
                role: "dialog",
                aria_modal: "true",
                aria_label: "Commands",
                onclick: move |e| e.stop_propagation(),
                input {
                    class: "palette-input",
                    r#type: "text",
                    role: "combobox",
                    aria_expanded: "true",
                    aria_controls: "palette-list",
                    aria_activedescendant: if n > 0 { "palette-{at}" } else { "" },
                    aria_label: "Find a page, folder, label or action",
                    placeholder: "Type a page, folder, label or action…",
                    autocomplete: "off",
                    spellcheck: "false",
                    initial_value: "{query.peek()}",
                    // Not a controlled input: writing `value` back on every key raced fast
                    // typing (see the mail search box); the box is new each time it opens.
                    onmounted: move |e| async move {
                        document::eval("window.__loPaletteReturn = document.activeElement;");
                        let _ = e.set_focus(true).await;
                    },
                    oninput: move |e| {
                        query.set(e.value());
                        active.set(0);
                    },
                    onkeydown: move |e| match e.key() {
                        Key::ArrowDown if n > 0 => {
                            e.prevent_default();
                            let i = (at + 1) % n;
                            active.set(i);
                            scroll_to(i);
                        }
                        Key::ArrowUp if n > 0 => {
                            e.prevent_default();
                            let i = (at + n - 1) % n;
                            active.set(i);
                            scroll_to(i);
                        }
                        Key::Enter => {
                            e.prevent_default();
                            if let Some(p) = picked.clone() {
                                run(p.run, on_mail);
                            }
                        }
                        Key::Escape => {
                            e.prevent_default();
                            e.stop_propagation();
                            close();
                        }
                        _ => {}
                    },
                }
                ul { id: "palette-list", class: "palette-list", role: "listbox", aria_label: "Matches",
                    for (i, e) in shown.into_iter().enumerate() {
                        li {
                            key: "{i}-{e.group}-{e.label}",
                            id: "palette-{i}",
                            role: "option",
                            aria_selected: if i == at { "true" } else { "false" },
                            class: if i == at { "palette-item active" } else { "palette-item" },
                            onmousemove: move |_| if *active.peek() != i { active.set(i) },
                            onclick: {
                                let r = e.run.clone();
                                move |_| run(r.clone(), on_mail)
                            },
                            span { class: "palette-group", "{e.group}" }
                            span { class: "palette-label", "{e.label}" }
                            if !e.keys.is_empty() {
                                kbd { class: "palette-keys", "{e.keys}" }
                            }
                        }
                    }
                    if n == 0 {
                        li { class: "palette-empty", role: "option", aria_selected: "false", aria_disabled: "true", "Nothing matches “{query}”." }
                    }
                }
                p { class: "palette-hint muted small", "↑ ↓ to choose · Enter to run · Esc to close" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MailLabel;

    fn account(id: &str, labels: &[(&str, &str, bool)]) -> MailAccount {
        MailAccount {
            id: id.into(),
            email: format!("{id}@example.com"),
            is_archive: false,
            labels: labels
                .iter()
                .map(|(id, name, system)| MailLabel {
                    id: id.to_string(),
                    name: name.to_string(),
                    system: *system,
                    unread: 0,
                    unread_threads: 0,
                    total: 1,
                    color: None,
                })
                .collect(),
        }
    }

    fn labels_of(v: &[Entry], q: &str) -> Vec<String> {
        rank(v, q).into_iter().map(|i| v[i].label.clone()).collect()
    }

    #[test]
    fn fuzzy_matching_finds_pages_labels_and_actions() {
        let accounts = [account(
            "a",
            &[("INBOX", "Inbox", true), ("Label_1", "Travel/2026", false)],
        )];
        let sel = CursorRow {
            account_id: "a".into(),
            is_archive: false,
            starred: false,
            unread: true,
            labels: vec!["INBOX".into(), "UNREAD".into()],
        };
        let v = entries(
            &accounts,
            Some(&sel),
            &["from:ada".into()],
            &[("Tomorrow, 08:00", 1)],
        );
        assert_eq!(labels_of(&v, "arch")[0], "Archive");
        assert_eq!(labels_of(&v, "diag")[0], "Diagnostics");
        assert_eq!(labels_of(&v, "mv trav")[0], "Move to Travel/2026");
        assert!(labels_of(&v, "trvl").contains(&"Travel/2026".to_string()));
        assert_eq!(labels_of(&v, "from:ada")[0], "from:ada");
        assert!(labels_of(&v, "zzzqqq").is_empty());
        // What the selection allows, with its shortcut.
        let read = v.iter().find(|e| e.label == "Mark read").unwrap();
        assert_eq!(read.keys, "Shift+I");
        assert!(!v.iter().any(|e| e.label == "Mark unread"));
        assert!(v.iter().any(|e| e.label == "Snooze until Tomorrow, 08:00"));
        assert_eq!(labels_of(&v, "summ")[0], "Summarise");
        assert_eq!(v[rank(&v, "new ev")[0]].run, Run::NewEvent);
        // A message of an imported archive: no Gmail actions, but the AI's.
        let archived = CursorRow {
            is_archive: true,
            labels: Vec::new(),
            ..sel.clone()
        };
        let a = entries(&accounts, Some(&archived), &[], &[]);
        assert_eq!(labels_of(&a, "summ")[0], "Summarise");
        assert!(!a.iter().any(|e| e.label == "Archive"));
        // Nothing selected: no conversation actions at all.
        let none = entries(&accounts, None, &[], &[]);
        assert!(!none.iter().any(|e| e.group == "Conversation"));
        assert!(
            none.iter().any(|e| e.run == Run::NewEvent),
            "new things need no selection"
        );
        assert_eq!(
            rank(&none, "").len(),
            none.len(),
            "an empty box lists everything"
        );
    }
}
