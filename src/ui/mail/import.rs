//! "Import archive…": an mbox file, a maildir folder, or .eml files (one or several, or a
//! folder of them) into the local archive, run as a job the Activity panel shows with its
//! progress and Cancel. In the window the system's file picker gives the paths; in the web
//! preview the browser cannot name a file on the computer running LibreOllama, so the path is
//! typed.

use dioxus::prelude::*;

use crate::api;

#[component]
pub(super) fn ImportArchive() -> Element {
    let mut note = use_signal(|| None::<(bool, String)>);
    let start = move |paths: Vec<String>| {
        spawn(async move {
            let mut started = 0;
            for p in paths {
                match api::mail_import_start(p).await {
                    Ok(_) => started += 1,
                    Err(e) => {
                        let before = match started {
                            0 => String::new(),
                            n => format!("{n} started (see Jobs below); then: "),
                        };
                        note.set(Some((false, format!("{before}{e}"))));
                        return;
                    }
                }
            }
            if started > 0 {
                note.set(Some((
                    true,
                    "Importing: follow it under Jobs below.".into(),
                )));
            }
        });
    };
    rsx! {
        section { class: "import-archive", aria_label: "Import an archive",
            h3 { "Import an archive" }
            p { class: "muted small", "An mbox file, a maildir folder, or .eml files. Messages that cannot be read are kept as raw text and listed." }
            if cfg!(target_arch = "wasm32") {
                PathForm { on_path: move |p: String| start(vec![p]) }
            } else {
                div { class: "import-pickers",
                    label { class: "button small",
                        "Choose files…"
                        input {
                            r#type: "file",
                            class: "visually-hidden",
                            multiple: true,
                            onchange: move |e: FormEvent| {
                                let paths: Vec<String> = e.files().iter().map(|f| f.path().display().to_string()).collect();
                                if !paths.is_empty() { start(paths) }
                            },
                        }
                    }
                    label { class: "button small",
                        "Choose a folder…"
                        input {
                            r#type: "file",
                            class: "visually-hidden",
                            directory: true,
                            onchange: move |e: FormEvent| {
                                let paths: Vec<String> = e.files().iter().take(1).map(|f| f.path().display().to_string()).collect();
                                if !paths.is_empty() { start(paths) }
                            },
                        }
                    }
                }
            }
            if let Some((ok, text)) = note() {
                p { class: if ok { "small" } else { "small error-text" }, role: if ok { "status" } else { "alert" }, "{text}" }
            }
        }
    }
}

/// The web preview's form: a path on the computer running LibreOllama.
#[component]
fn PathForm(on_path: EventHandler<String>) -> Element {
    rsx! {
        form {
            class: "import-path",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let p = crate::ui::hooks::form_text(&e, "path");
                if !p.trim().is_empty() { on_path.call(p) }
            },
            input {
                name: "path",
                aria_label: "Path of the archive",
                placeholder: "/home/you/mail/archive.mbox",
                autocomplete: "off",
            }
            button { class: "button small", r#type: "submit", "Import" }
        }
    }
}
