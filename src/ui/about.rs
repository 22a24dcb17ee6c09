//! About: version, data folder, how the services run, and the license.

use dioxus::prelude::*;

use crate::api;

#[component]
pub fn About() -> Element {
    let info = use_resource(api::about);
    rsx! {
        header { class: "page-header",
            div {
                h1 { "About LibreOllama" }
                p { class: "muted",
                    "A local-first workspace: your mail, tasks and calendar kept on this device, with a language model that runs on your own machine. Sign-in tokens and API keys are encrypted (AES-256-GCM, key in the system keyring); mail, drafts, chats, tasks and events are stored unencrypted in the data folder, so keep disk encryption on."
                }
            }
        }
        section { class: "card",
            match &*info.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(e)) => rsx! { div { class: "banner error", role: "alert", "{e}" } },
                Some(Ok(i)) => rsx! {
                    dl { class: "facts",
                        dt { "Version" } dd { "{i.version}" }
                        dt { "Data folder" } dd { code { "{i.data_dir}" } }
                        dt { "Services" } dd { "{i.runtime}" }
                        dt { "License" } dd { "MIT or Apache-2.0" }
                    }
                },
            }
        }
    }
}
