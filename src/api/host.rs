//! The services behind the command layer in this process.

use std::sync::{Arc, RwLock};

use super::ApiError;
use crate::model::ErrorClass;
use crate::services::AppServices;

static SERVICES: RwLock<Option<Arc<AppServices>>> = RwLock::new(None);

/// Makes `services` the ones every api call uses (once at start-up; tests install their own).
pub fn install(services: Arc<AppServices>) {
    *SERVICES.write().unwrap_or_else(|e| e.into_inner()) = Some(services);
}

pub fn installed() -> Option<Arc<AppServices>> {
    SERVICES.read().unwrap_or_else(|e| e.into_inner()).clone()
}

pub(crate) fn services() -> Result<Arc<AppServices>, ApiError> {
    installed().ok_or_else(|| ApiError::App {
        kind: "Internal".into(),
        class: ErrorClass::Fatal,
        message: "The app's services are not running (start-up failed). Restart the app; if it keeps happening run `libreollama doctor`.".into(),
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
