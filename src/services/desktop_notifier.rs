//! Notifications through the desktop's notification service: D-Bus on Linux and the BSDs
//! (`org.freedesktop.Notifications`), the platform's own on macOS and Windows, by `notify-rust`.

use super::notify::{Note, Notifier};
use crate::error::{LibreOllamaError, Result};

pub struct DesktopNotifier;

/// The body may be read as markup by the service; mail's senders and subjects are text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Notifier for DesktopNotifier {
    fn show(&self, note: &Note, clicked: Box<dyn FnOnce() + Send>) -> Result<()> {
        let mut n = notify_rust::Notification::new();
        n.appname("LibreOllama")
            .summary(&note.summary)
            .body(&escape(&note.body))
            .icon("org.libreollama.app");
        #[cfg(all(unix, not(target_os = "macos")))]
        n.action("default", "Open")
            .hint(notify_rust::Hint::DesktopEntry("org.libreollama.app".into()));
        let shown = n.show().map_err(|e| {
            LibreOllamaError::Internal(format!(
                "the desktop's notification service did not take the notification: {e}"
            ))
        })?;
        // The service tells which action was taken (or that it closed); its own thread waits.
        #[cfg(all(unix, not(target_os = "macos")))]
        std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || {
                shown.wait_for_action(|action| {
                    if action == "default" {
                        clicked();
                    }
                })
            })
            .map_err(|e| LibreOllamaError::Internal(format!("notification thread: {e}")))?;
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = (shown, clicked);
        Ok(())
    }
}
