//! The toast that offers Undo while a sent mail waits ("Sending in 8 s · Undo · Send now"),
//! then says how it went. It shows on every page.

use dioxus::prelude::*;

use crate::api;
use crate::model::OutboxItem;
use crate::ui::timer::sleep_ms;
use crate::ui::Route;

/// The mail just sent, while its undo window runs (the toast shows it on every page).
pub static SENDING: GlobalSignal<Option<OutboxItem>> = Signal::global(|| None);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A mail is waiting out its undo window (`z` then takes it back, as the toast's Undo does).
pub(crate) fn can_undo_send() -> bool {
    SENDING
        .peek()
        .as_ref()
        .is_some_and(|i| i.send_at_ms > now_ms())
}

/// Takes the waiting mail back into its editor (the toast's Undo, and `z` as in Gmail).
pub(crate) async fn undo_send() -> Result<(), String> {
    let Some(item) = SENDING.peek().clone() else {
        return Err("Nothing to undo: the mail has gone.".into());
    };
    let draft = api::mail_undo_send(item.id)
        .await
        .map_err(|e| e.to_string())?;
    *SENDING.write() = None;
    navigator().push(Route::Compose { id: draft.id });
    Ok(())
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
                        title: "Undo (z)",
                        onclick: move |_| async move {
                            if let Err(e) = undo_send().await {
                                outcome.set(Some((false, e)));
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
