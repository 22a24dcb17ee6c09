//! The services behind the command layer in this process.

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;

use super::ApiError;
use crate::model::ErrorClass;
use crate::services::AppServices;

/// Where the services are: the window opens while they start (opening the database and the
/// vault overlaps with starting WebKit), and a command waits for them.
#[derive(Clone)]
enum StartState {
    NotStarted,
    Starting,
    Ready(Arc<AppServices>),
    /// Start-up failed: every command says why, in the window a person sees.
    Failed(String),
}

fn state() -> &'static watch::Sender<StartState> {
    static STATE: OnceLock<watch::Sender<StartState>> = OnceLock::new();
    STATE.get_or_init(|| watch::channel(StartState::NotStarted).0)
}

/// Makes `services` the ones every api call uses (at start-up; tests install their own).
pub fn install(services: Arc<AppServices>) {
    state().send_replace(StartState::Ready(services));
}

/// The services are being started: commands wait for [`install`] or [`start_failed`].
pub fn starting() {
    state().send_replace(StartState::Starting);
}

/// The services could not start; `why` is the error, shown by every command.
pub fn start_failed(why: String) {
    state().send_replace(StartState::Failed(why));
}

/// The services, if they are running (no waiting).
pub fn installed() -> Option<Arc<AppServices>> {
    match &*state().borrow() {
        StartState::Ready(s) => Some(s.clone()),
        _ => None,
    }
}

pub(crate) async fn services() -> Result<Arc<AppServices>, ApiError> {
    let mut rx = state().subscribe();
    // The sender is a static and never dropped, so the wait ends only with a state.
    let now = match rx.wait_for(|s| !matches!(s, StartState::Starting)).await {
        Ok(s) => s.clone(),
        Err(_) => StartState::NotStarted,
    };
    let message = match now {
        StartState::Ready(s) => return Ok(s),
        StartState::Failed(why) => format!(
            "LibreOllama could not start: {}. Close it and start it again; if it keeps happening run `libreollama doctor`.",
            why.trim_end_matches('.')
        ),
        // (Starting is waited out above.)
        StartState::NotStarted | StartState::Starting => "The app's services were not started. Restart the app; if it keeps happening run `libreollama doctor`.".into(),
    };
    Err(ApiError::App {
        kind: "Internal".into(),
        class: ErrorClass::Fatal,
        message,
    })
}

pub(crate) fn runtime_label() -> &'static str {
    if cfg!(any(feature = "desktop", feature = "mobile")) {
        "in-process"
    } else {
        "server"
    }
}

/// Runs a command's body so that a panic inside a service becomes an error the UI shows, with
/// the panic itself in the log, instead of closing the window (desktop) or dropping the
/// connection (web preview).
pub(crate) async fn guarded<T>(
    body: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(body).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            // The hook installed by `logging::init` has already written the location and
            // backtrace; this ties it to the command that failed.
            tracing::error!(panic = %what, "a command panicked; the app keeps running");
            Err(ApiError::App {
                kind: "Internal".into(),
                class: ErrorClass::Fatal,
                message: "Something went wrong inside LibreOllama; it is in the log. Try again, and if it happens again send the log (Diagnostics shows where it is).".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_command_waits_for_the_start_and_then_says_why_it_failed() {
        super::starting();
        let waiting = tokio::spawn(super::services());
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        assert!(
            !waiting.is_finished(),
            "a command waits while the services start"
        );
        super::start_failed("the vault could not be opened.".into());
        let err = waiting.await.unwrap().err().unwrap();
        assert!(
            err.to_string().starts_with(
                "LibreOllama could not start: the vault could not be opened. Close it"
            ),
            "{err}"
        );
        assert!(super::installed().is_none());
    }
}
