//! Business logic, one service per area, built once at start-up and shared as `Arc<AppServices>`.

pub mod ai;
pub mod auth;
pub mod calendar;
pub mod compose;
#[cfg(feature = "notifications")]
pub mod desktop_notifier;
pub mod diagnostics;
pub mod drafts;
pub mod jobs;
pub mod mail;
pub mod notify;
pub mod outbox;
pub mod settings;
pub mod snooze;
pub mod tasks;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::error::{LibreOllamaError, Result};
use crate::google::client::GoogleClient;
use crate::google::ratelimit::RateLimiter;
use crate::store::locks::OpenFolder;
use crate::store::Store;
use crate::vault::Vault;

pub use ai::AiService;
pub use auth::AuthService;
pub use calendar::CalendarService;
pub use diagnostics::DiagnosticsService;
pub use mail::MailService;
pub use notify::NotifyService;
pub use settings::SettingsService;
pub use tasks::TasksService;

/// Runs `work` after `first`, then every "sync every N minutes" (Activity → Sync; re-read each
/// round, 0 = only on demand). Mail, tasks and calendar share the setting.
pub fn on_sync_interval<F, Fut>(store: Store, first: std::time::Duration, mut work: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut wait = first;
        loop {
            tokio::time::sleep(wait).await;
            let minutes: u32 = store
                .read(|c| crate::store::settings::get(c, mail::POLL_MINUTES))
                .await
                .ok()
                .flatten()
                .unwrap_or(mail::DEFAULT_POLL_MINUTES);
            if minutes > 0 {
                work().await;
            }
            wait = std::time::Duration::from_secs(60 * u64::from(minutes.max(1)));
        }
    });
}

pub struct AppServices {
    pub config: AppConfig,
    /// The one clock mail, compose and calendar read: tests `advance` it instead of sleeping.
    pub clock: Clock,
    pub store: Store,
    pub vault: Arc<Vault>,
    pub settings: SettingsService,
    /// The doctor: database health, vault self-test, redacted accounts; key rotation.
    pub diagnostics: DiagnosticsService,
    pub auth: Arc<AuthService>,
    /// The shared Google HTTP client (tokens from `auth`, quota-aware).
    pub google: Arc<GoogleClient>,
    pub mail: Arc<MailService>,
    /// Drafts, the outbox and snooze.
    pub compose: Arc<compose::ComposeService>,
    pub ai: Arc<AiService>,
    pub tasks: Arc<TasksService>,
    pub calendar: Arc<CalendarService>,
    /// New mail, reminders and tasks due, announced by the desktop app.
    pub notify: Arc<NotifyService>,
    /// This process has the data folder open, for as long as the services live.
    _open_folder: OpenFolder,
}

/// What this process is, as other processes name it ("the desktop app", "libreollama mail
/// sync"): `vault rotate` tells the user what to close.
fn this_process() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "libreollama".into());
    let mut words = Vec::new();
    let mut skip_value = false;
    for a in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        // The one global option takes a value. Only the leading command words are kept (up to
        // the first other option): what follows is the user's data (a search, an address), and
        // this name is written to a lock file and shown to other processes.
        if a == "--data-dir" {
            skip_value = true;
        } else if a.starts_with('-') || words.len() == 2 {
            break;
        } else {
            words.push(a);
        }
    }
    if words.is_empty() && program.starts_with("libreollama") {
        "the desktop app".into()
    } else {
        std::iter::once(program)
            .chain(words)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl AppServices {
    /// Opens the store (running migrations), the vault, and applies stored settings.
    pub async fn start(config: AppConfig) -> Result<Arc<AppServices>> {
        crate::fsutil::create_private_dir(&config.data_dir)
            .map_err(|e| LibreOllamaError::io(&config.data_dir, e))?;
        // The window's launch has already done this (before Dioxus's logger); here for the
        // terminal commands, the web preview's server and tests.
        crate::logging::init(
            &config.log_dir(),
            config.log_filter.as_deref(),
            config.log_to_stderr,
        );
        tracing::info!(data_dir = %config.data_dir.display(), version = env!("CARGO_PKG_VERSION"), "starting services");
        // Registered before the vault is read: a key rotation in another process either sees
        // this one (and refuses, or keeps the old key) or finished before this reads the keys.
        let open_folder = OpenFolder::register(&config.data_dir, &this_process())?;
        let cfg = config.clone();
        let (store, vault) = tokio::task::spawn_blocking(move || -> Result<(Store, Vault)> {
            let store = Store::open_blocking(&cfg.data_dir)?;
            let vault = store.with_writer_blocking(|conn| {
                crate::store::vault::open(conn, &cfg.data_dir, cfg.vault_backend)
            })?;
            Ok((store, vault))
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("start-up task failed: {e}")))??;
        let vault = Arc::new(vault);
        let settings = SettingsService::new(store.clone());
        let level = settings.get().await?.log_level;
        crate::logging::apply_setting(&level);
        let diagnostics = DiagnosticsService::new(config.clone(), store.clone(), vault.clone());
        let auth = Arc::new(AuthService::new(
            store.clone(),
            vault.clone(),
            config.google.clone(),
        )?);
        let google = Arc::new(GoogleClient::new(
            auth.clone(),
            Arc::new(RateLimiter::new(config.google.rate_limits.clone())),
            config.google.retry.clone(),
        )?);
        let clock = Clock::system();
        let mail = Arc::new(
            MailService::new(
                store.clone(),
                google.clone(),
                auth.clone(),
                config.google.endpoints.gmail_base.clone(),
                config.download_dir(),
            )
            .with_clock(clock.clone()),
        );
        let compose = Arc::new(compose::ComposeService::new(
            store.clone(),
            mail.clone(),
            clock.clone(),
        ));
        let tasks = Arc::new(TasksService::new(
            store.clone(),
            google.clone(),
            config.google.endpoints.tasks_base.clone(),
        ));
        let calendar = Arc::new(
            CalendarService::new(
                store.clone(),
                google.clone(),
                config.google.endpoints.calendar_base.clone(),
            )
            .with_clock(clock.clone()),
        );
        let notify = Arc::new(NotifyService::new(
            store.clone(),
            clock.clone(),
            auth.clone(),
            mail.synced.clone(),
        ));
        let ai = Arc::new(AiService::new(store.clone(), vault.clone()));
        ai.recover_interrupted().await?;
        Ok(Arc::new(AppServices {
            config,
            clock,
            store,
            vault,
            settings,
            diagnostics,
            auth,
            google,
            mail,
            compose,
            ai,
            tasks,
            calendar,
            notify,
            _open_folder: open_folder,
        }))
    }
}
