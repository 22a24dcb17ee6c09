//! The command layer: server functions the UI calls. Thin: validate, call one service, map the
//! error. With the `server` feature the bodies run in this process (desktop, mobile, tests, and
//! the fullstack server); the wasm client gets HTTP stubs of the same functions.

use dioxus::fullstack::{AsStatusCode, StatusCode};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{
    AccountSummary, AppInfo, AuthCheck, DiagnosticsReport, ErrorClass, MailAccount, MailAction,
    MailCursor, MailPage, MailUndo, OAuthClientStatus, RemovalReport, SignInStarted, SyncStatus,
    Theme, ThreadView, UiSettings,
};

mod ai;
mod calendar;
mod compose;
mod first_view;
#[cfg(feature = "server")]
mod host;
mod notify;
mod tasks;
#[cfg(feature = "server")]
pub mod web_preview;

pub use ai::*;
pub use calendar::*;
pub use compose::*;
pub use first_view::*;
#[cfg(feature = "server")]
pub use host::{install, installed, start_failed, starting};
pub use notify::*;
pub use tasks::*;

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
    host::guarded(async move {
        let s = host::services().await?;
        Ok(AppInfo {
            name: "LibreOllama".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: s.config.data_dir.display().to_string(),
            runtime: host::runtime_label().into(),
        })
    })
    .await
}

#[get("/api/diagnostics")]
pub async fn diagnostics() -> ApiResult<DiagnosticsReport> {
    host::guarded(async move { Ok(host::services().await?.diagnostics.diagnostics().await?) }).await
}

#[get("/api/settings")]
pub async fn get_settings() -> ApiResult<UiSettings> {
    host::guarded(async move { Ok(host::services().await?.settings.get().await?) }).await
}

#[post("/api/settings/theme")]
pub async fn set_theme(theme: Theme) -> ApiResult<UiSettings> {
    host::guarded(async move { Ok(host::services().await?.settings.set_theme(theme).await?) }).await
}

#[post("/api/settings/log-level")]
pub async fn set_log_level(level: String) -> ApiResult<UiSettings> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .settings
            .set_log_level(level)
            .await?)
    })
    .await
}

#[post("/api/settings/conversations")]
pub async fn set_conversations(on: bool) -> ApiResult<UiSettings> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .settings
            .set_conversations(on)
            .await?)
    })
    .await
}

#[get("/api/accounts")]
pub async fn list_accounts() -> ApiResult<Vec<AccountSummary>> {
    host::guarded(async move { Ok(host::services().await?.auth.list_accounts().await?) }).await
}

#[get("/api/accounts/oauth-client")]
pub async fn oauth_client_status() -> ApiResult<OAuthClientStatus> {
    host::guarded(async move { Ok(host::services().await?.auth.client_status().await?) }).await
}

#[post("/api/accounts/oauth-client")]
pub async fn set_oauth_client(
    client_id: String,
    client_secret: Option<String>,
) -> ApiResult<OAuthClientStatus> {
    host::guarded(async move {
        let s = host::services().await?;
        s.auth.set_client(client_id, client_secret).await?;
        Ok(s.auth.client_status().await?)
    })
    .await
}

/// Opens the browser on Google's sign-in page; `finish_sign_in` waits for the result.
#[post("/api/accounts/sign-in")]
pub async fn start_sign_in() -> ApiResult<SignInStarted> {
    host::guarded(async move { Ok(host::services().await?.auth.start_interactive(true).await?) })
        .await
}

#[post("/api/accounts/sign-in/finish")]
pub async fn finish_sign_in() -> ApiResult<AccountSummary> {
    host::guarded(async move { Ok(host::services().await?.auth.wait_interactive().await?) }).await
}

#[post("/api/accounts/sign-in/cancel")]
pub async fn cancel_sign_in() -> ApiResult<bool> {
    host::guarded(async move { Ok(host::services().await?.auth.cancel_sign_in()) }).await
}

#[post("/api/accounts/remove")]
pub async fn remove_account(id: String) -> ApiResult<RemovalReport> {
    host::guarded(async move { Ok(host::services().await?.auth.remove_account(&id).await?) }).await
}

#[post("/api/accounts/check")]
pub async fn check_account(id: String) -> ApiResult<AuthCheck> {
    host::guarded(async move { Ok(host::services().await?.auth.check_account(&id).await?) }).await
}

#[get("/api/mail/accounts")]
pub async fn mail_accounts() -> ApiResult<Vec<MailAccount>> {
    host::guarded(async move { Ok(host::services().await?.mail.accounts().await?) }).await
}

/// A page of the message list: `query` in Gmail's search language, searched locally; with
/// `conversations`, one row per conversation within the page (a later page can bring a
/// conversation again at an older message: keep the first), and possibly more than `limit`.
#[post("/api/mail/list")]
pub async fn mail_list(
    account: Option<String>,
    query: String,
    after: Option<MailCursor>,
    limit: u32,
    conversations: bool,
) -> ApiResult<MailPage> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .list(account, query, after, limit as usize, conversations)
            .await?)
    })
    .await
}

/// The same search asked of Gmail online (one account).
#[post("/api/mail/search-online")]
pub async fn mail_search_online(
    account: String,
    query: String,
    page_token: Option<String>,
    limit: u32,
    conversations: bool,
) -> ApiResult<MailPage> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .search_online(&account, query, page_token, limit as usize, conversations)
            .await?)
    })
    .await
}

#[post("/api/mail/thread")]
pub async fn mail_thread(
    account: String,
    thread_id: String,
    show_images: bool,
) -> ApiResult<ThreadView> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .thread(&account, &thread_id, show_images)
            .await?)
    })
    .await
}

#[post("/api/mail/act")]
pub async fn mail_act(
    account: String,
    ids: Vec<String>,
    action: MailAction,
) -> ApiResult<MailUndo> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .act(&account, ids, action)
            .await?)
    })
    .await
}

/// Takes back an action `mail_act` answered with.
#[post("/api/mail/undo")]
pub async fn mail_undo(undo: MailUndo) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.mail.undo(undo).await?) }).await
}

#[post("/api/mail/images/allow")]
pub async fn mail_allow_images(account: String, sender: String) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .allow_images_from(&account, &sender)
            .await?)
    })
    .await
}

/// Saves an attachment into the downloads folder; returns where.
#[post("/api/mail/attachment/save")]
pub async fn mail_save_attachment(
    account: String,
    message_id: String,
    part_id: String,
) -> ApiResult<String> {
    host::guarded(async move {
        let path = host::services()
            .await?
            .mail
            .save_attachment(&account, &message_id, &part_id)
            .await?;
        Ok(path.display().to_string())
    })
    .await
}

#[post("/api/mail/sync")]
pub async fn mail_sync_now(account: Option<String>) -> ApiResult<Vec<u64>> {
    host::guarded(async move {
        let started = host::services()
            .await?
            .mail
            .sync_now(account)
            .await
            .map_err(|e| {
                ApiError::from(crate::error::LibreOllamaError::Internal(format!(
                    "the sync could not start: {e}"
                )))
            })??;
        Ok(started)
    })
    .await
}

#[get("/api/mail/status")]
pub async fn mail_status() -> ApiResult<SyncStatus> {
    host::guarded(async move { Ok(host::services().await?.mail.status().await?) }).await
}

#[post("/api/mail/jobs/cancel")]
pub async fn mail_cancel_job(id: u64) -> ApiResult<bool> {
    host::guarded(async move { Ok(host::services().await?.mail.cancel_job(id)) }).await
}

/// Imports an archive (an mbox file, a maildir folder or a folder of .eml files, at a path on
/// the computer the app's data lives on) as a job shown in Activity; its id.
#[post("/api/mail/import")]
pub async fn mail_import_start(path: String) -> ApiResult<u64> {
    host::guarded(async move {
        let path = path.trim();
        if path.is_empty() {
            return Err(crate::error::LibreOllamaError::InvalidInput(
                "pick an archive to import: an mbox file, a maildir folder or a folder of .eml files"
                    .into(),
            )
            .into());
        }
        Ok(host::services().await?
            .mail
            .start_import(std::path::PathBuf::from(path))?)
    })
    .await
}

/// A message attached to a message (`message/rfc822`), read for the reader.
#[post("/api/mail/attached_message")]
pub async fn mail_attached_message(
    account: String,
    message_id: String,
    part_id: String,
) -> ApiResult<crate::model::AttachedMessage> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .attached_message(&account, &message_id, &part_id)
            .await?)
    })
    .await
}

/// The mail searches made lately, newest first (for the palette).
#[post("/api/mail/recent_searches")]
pub async fn mail_recent_searches() -> ApiResult<Vec<String>> {
    host::guarded(async move { Ok(host::services().await?.settings.recent_searches().await?) })
        .await
}

/// Remembers a search; the recent ones after it.
#[post("/api/mail/remember_search")]
pub async fn mail_remember_search(query: String) -> ApiResult<Vec<String>> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .settings
            .remember_search(query)
            .await?)
    })
    .await
}

#[post("/api/mail/poll")]
pub async fn mail_set_poll(minutes: u32) -> ApiResult<SyncStatus> {
    host::guarded(async move {
        let s = host::services().await?;
        s.mail.set_poll_minutes(minutes).await?;
        Ok(s.mail.status().await?)
    })
    .await
}

#[post("/api/mail/failed/dismiss")]
pub async fn mail_dismiss_failed(seq: i64) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.mail.dismiss_failed(seq).await?) }).await
}

/// For tests of the panic guard: panics inside the command when the process runs with
/// `LIBREOLLAMA_TEST_HOOKS=1`; otherwise there is no such command.
#[post("/api/debug/panic")]
pub async fn debug_panic() -> ApiResult<()> {
    host::guarded(async move {
        if std::env::var("LIBREOLLAMA_TEST_HOOKS").as_deref() == Ok("1") {
            panic!("test panic requested through /api/debug/panic");
        }
        Err(ApiError::App {
            kind: "NotFound".into(),
            class: ErrorClass::UserFixable,
            message: "There is no such command.".into(),
        })
    })
    .await
}
