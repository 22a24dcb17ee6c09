//! An account's signature, under its row in Settings → Accounts.

use dioxus::prelude::*;

use crate::api;

#[component]
pub fn SignatureEditor(account: String, email: String) -> Element {
    let acc = account.clone();
    let mut current = use_resource(move || api::mail_signature(acc.clone()));
    let mut saved = use_signal(|| None::<Result<(), String>>);
    let field = format!("signature-{account}");
    rsx! {
        details { class: "signature",
            summary { "Signature" }
            match &*current.read() {
                Some(Ok(sig)) => {
                    let edited = sig.edited_here;
                    let from = if edited {
                        "Written here: Gmail's signature no longer replaces it."
                    } else if sig.text.is_empty() {
                        "None yet: Gmail's is read at each sync (it may have none). Write one here to use it instead."
                    } else {
                        "Gmail's signature, read at each sync until you edit it here."
                    };
                    let initial = sig.text.clone();
                    rsx! {
                        form {
                            class: "signature-form",
                            onsubmit: {
                                let account = account.clone();
                                move |ev: Event<FormData>| {
                                    ev.prevent_default();
                                    let account = account.clone();
                                    // What the field holds now (it keeps its own text).
                                    let text = crate::ui::hooks::form_text(&ev, "signature");
                                    async move {
                                        let r = api::mail_signature_set(account, text).await;
                                        saved.set(Some(r.map(|_| ()).map_err(|e| e.to_string())));
                                        current.restart();
                                    }
                                }
                            },
                            label { class: "field", r#for: "{field}",
                                span { "Added to new mail, replies and forwards you start from {email}, above the quoted text" }
                            }
                            // Uncontrolled (fast typing keeps every character); keyed by the stored
                            // text so a save or Gmail's version shows.
                            textarea {
                                key: "{initial}",
                                id: "{field}",
                                rows: "4",
                                name: "signature",
                                initial_value: "{initial}",
                            }
                            p { class: "muted", "{from}" }
                            div { class: "form-actions",
                                button { class: "button primary", r#type: "submit", "Save signature" }
                                if edited {
                                    button {
                                        class: "button",
                                        r#type: "button",
                                        onclick: {
                                            let account = account.clone();
                                            move |_| {
                                                let account = account.clone();
                                                async move {
                                                    let r = api::mail_signature_use_gmail(account).await;
                                                    saved.set(Some(r.map(|_| ()).map_err(|e| e.to_string())));
                                                    current.restart();
                                                }
                                            }
                                        },
                                        "Use Gmail's signature"
                                    }
                                }
                            }
                            match saved() {
                                Some(Ok(())) => rsx! { span { class: "hint", role: "status", "Saved." } },
                                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "The signature was not saved: {e}" } },
                                None => rsx! {},
                            }
                        }
                    }
                }
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                None => rsx! {},
            }
        }
    }
}
