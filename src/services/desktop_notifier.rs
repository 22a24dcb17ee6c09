//! Notifications through the desktop's notification service: D-Bus on Linux and the BSDs
//! (`org.freedesktop.Notifications`), the platform's own on macOS and Windows, by `notify-rust`.

use super::notify::{Note, Notifier};
use crate::error::{LibreOllamaError, Result};

pub struct DesktopNotifier;

/// The freedesktop service may read the body as markup; mail's senders and subjects are text.
/// (macOS and Windows show the body as it is.)
fn escape(text: &str) -> String {
    if !cfg!(all(unix, not(target_os = "macos"))) {
        return text.to_string();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// How long the notification service may take to take a notification.
const SHOW_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn refused(e: impl std::fmt::Display) -> LibreOllamaError {
    LibreOllamaError::Internal(format!(
        "the desktop's notification service did not take the notification: {e}"
    ))
}

impl Notifier for DesktopNotifier {
    /// Blocks until the service has the notification (call it off the async threads).
    fn show(&self, note: &Note, clicked: Box<dyn FnOnce() + Send>) -> Result<()> {
        let mut n = notify_rust::Notification::new();
        n.appname("LibreOllama")
            .summary(&note.summary)
            .body(&escape(&note.body))
            .icon("org.libreollama.app");
        #[cfg(all(unix, not(target_os = "macos")))]
        n.action("default", "Open")
            .hint(notify_rust::Hint::DesktopEntry(
                "org.libreollama.app".into(),
            ));
        // The D-Bus connection behind a shown notification stays on the thread that made it;
        // that thread then waits for the action taken (or the close) and ends.
        let (sent, taken) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || match n.show() {
                Ok(shown) => {
                    let _ = sent.send(Ok(()));
                    #[cfg(all(unix, not(target_os = "macos")))]
                    shown.wait_for_action(|action| {
                        if action == "default" {
                            clicked();
                        }
                    });
                    #[cfg(not(all(unix, not(target_os = "macos"))))]
                    let _ = (shown, clicked);
                }
                Err(e) => {
                    let _ = sent.send(Err(refused(e)));
                }
            })
            .map_err(|e| LibreOllamaError::Internal(format!("notification thread: {e}")))?;
        taken.recv_timeout(SHOW_TIMEOUT).map_err(refused)?
    }
}
