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
