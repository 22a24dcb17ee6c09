//! The command layer: server functions the UI calls. Thin: validate, call one service, map the
//! error. With the `server` feature the bodies run in this process (desktop, mobile, tests, and
//! the fullstack server); the wasm client gets HTTP stubs of the same functions.

use dioxus::fullstack::{AsStatusCode, StatusCode};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{AppInfo, DiagnosticsReport, ErrorClass, Theme, UiSettings};

#[cfg(feature = "server")]
mod host;
#[cfg(feature = "server")]
pub use host::{install, installed};

/// An error as the UI receives it: what kind, how to react, and the sentence to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    App {
        kind: String,
        class: ErrorClass,
        message: String,
    },
    #[error("The app's background service could not be reached: {0}. If you use the web preview, check that its server is running.")]
    Transport(#[from] ServerFnError),
}

impl ApiError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ApiError::App { class, .. } => *class,
            ApiError::Transport(_) => ErrorClass::Retryable,
        }
    }
}

impl AsStatusCode for ApiError {
    fn as_status_code(&self) -> StatusCode {
        match self {
            ApiError::App { class, kind, .. } => match (class, kind.as_str()) {
                (_, "NotFound") => StatusCode::NOT_FOUND,
                (ErrorClass::NeedsReauth, _) => StatusCode::UNAUTHORIZED,
                (ErrorClass::UserFixable, _) => StatusCode::BAD_REQUEST,
                (ErrorClass::Retryable, _) => StatusCode::SERVICE_UNAVAILABLE,
                (ErrorClass::Fatal, _) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Transport(e) => e.as_status_code(),
        }
    }
}

#[cfg(feature = "server")]
impl From<crate::error::LibreOllamaError> for ApiError {
    fn from(e: crate::error::LibreOllamaError) -> Self {
        ApiError::App {
            kind: e.kind().to_string(),
            class: e.class(),
            message: e.to_string(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[get("/api/about")]
pub async fn about() -> ApiResult<AppInfo> {
    let s = host::services()?;
    Ok(AppInfo {
        name: "LibreOllama".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: s.config.data_dir.display().to_string(),
        runtime: host::runtime_label().into(),
    })
}

#[get("/api/diagnostics")]
pub async fn diagnostics() -> ApiResult<DiagnosticsReport> {
    Ok(host::services()?.debug.diagnostics().await?)
}

#[get("/api/settings")]
pub async fn get_settings() -> ApiResult<UiSettings> {
    Ok(host::services()?.settings.get().await?)
}

#[post("/api/settings/theme")]
pub async fn set_theme(theme: Theme) -> ApiResult<UiSettings> {
    Ok(host::services()?.settings.set_theme(theme).await?)
}

#[post("/api/settings/log-level")]
pub async fn set_log_level(level: String) -> ApiResult<UiSettings> {
    Ok(host::services()?.settings.set_log_level(level).await?)
}
