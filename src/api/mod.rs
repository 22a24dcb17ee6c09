//! The command layer: server functions the UI calls. Thin: validate, call one service, map the
//! error. With the `server` feature the bodies run in this process (desktop, mobile, tests, and
//! the fullstack server); the wasm client gets HTTP stubs of the same functions.

use dioxus::fullstack::{AsStatusCode, StatusCode};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{
    AccountSummary, AppInfo, AuthCheck, DiagnosticsReport, ErrorClass, OAuthClientStatus,
    RemovalReport, SignInStarted, Theme, UiSettings,
};

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

#[get("/api/accounts")]
pub async fn list_accounts() -> ApiResult<Vec<AccountSummary>> {
    Ok(host::services()?.auth.list_accounts().await?)
}

#[get("/api/accounts/oauth-client")]
pub async fn oauth_client_status() -> ApiResult<OAuthClientStatus> {
    Ok(host::services()?.auth.client_status().await?)
}

#[post("/api/accounts/oauth-client")]
pub async fn set_oauth_client(
    client_id: String,
    client_secret: Option<String>,
) -> ApiResult<OAuthClientStatus> {
    let s = host::services()?;
    s.auth.set_client(client_id, client_secret).await?;
    Ok(s.auth.client_status().await?)
}

/// Opens the browser on Google's sign-in page; `finish_sign_in` waits for the result.
#[post("/api/accounts/sign-in")]
pub async fn start_sign_in() -> ApiResult<SignInStarted> {
    Ok(host::services()?.auth.start_interactive(true).await?)
}

#[post("/api/accounts/sign-in/finish")]
pub async fn finish_sign_in() -> ApiResult<AccountSummary> {
    Ok(host::services()?.auth.wait_interactive().await?)
}

#[post("/api/accounts/sign-in/cancel")]
pub async fn cancel_sign_in() -> ApiResult<bool> {
    Ok(host::services()?.auth.cancel_sign_in())
}

#[post("/api/accounts/remove")]
pub async fn remove_account(id: String) -> ApiResult<RemovalReport> {
    Ok(host::services()?.auth.remove_account(&id).await?)
}

#[post("/api/accounts/check")]
pub async fn check_account(id: String) -> ApiResult<AuthCheck> {
    Ok(host::services()?.auth.check_account(&id).await?)
}
