//! An account's signature, under its row in Settings → Accounts.

use dioxus::prelude::*;

use crate::api;

#[component]
pub fn SignatureEditor(account: String, email: String) -> Element {
    let acc = account.clone();
    let mut current = use_resource(move || api::mail_signature(acc.clone()));
    let mut text = use_signal(String::new);
    let mut saved = use_signal(|| None::<Result<(), String>>);
    let field = format!("signature-{account}");
    rsx! {
        details { class: "signature",
            summary { "Signature" }
            match &*current.read() {
                Some(Ok(sig)) => {
                    let from = if sig.edited_here {
                        "Edited here: Gmail's signature no longer replaces it."
                    } else if sig.text.is_empty() {
                        "None at Gmail; write one here."
                    } else {
                        "From Gmail's settings (read at each sync) until you edit it here."
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
                                    async move {
                                        let r = api::mail_signature_set(account, text.read().clone()).await;
                                        saved.set(Some(r.map(|_| ()).map_err(|e| e.to_string())));
                                        current.restart();
                                    }
                                }
                            },
                            label { class: "field", r#for: "{field}",
                                span { "Added to new mail and replies from {email}, above the quoted text" }
                            }
                            // Uncontrolled (fast typing keeps every character); keyed by the stored
                            // text so a save or Gmail's version shows.
                            textarea {
                                key: "{initial}",
                                id: "{field}",
                                rows: "4",
                                initial_value: "{initial}",
                                onmounted: move |_| text.set(initial.clone()),
                                oninput: move |e| text.set(e.value()),
                            }
                            p { class: "muted", "{from}" }
                            div { class: "form-actions",
                                button { class: "button primary", r#type: "submit", "Save signature" }
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
