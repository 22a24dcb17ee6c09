//! Where things live and how the backend starts. Resolved once at start-up.

use std::path::PathBuf;

use std::time::Duration;

use crate::error::{LibreOllamaError, Result};
use crate::google::client::RetryPolicy;
use crate::google::ratelimit::RateLimits;
use crate::google::GoogleEndpoints;
use crate::vault::BackendChoice;

pub const ENV_DATA_DIR: &str = "LIBREOLLAMA_DATA_DIR";
pub const ENV_LOG: &str = "LIBREOLLAMA_LOG";
pub const ENV_VAULT_BACKEND: &str = "LIBREOLLAMA_VAULT_BACKEND";

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// A tracing filter from the environment; overrides the stored setting.
    pub log_filter: Option<String>,
    pub vault_backend: BackendChoice,
    /// Whether to also log to stderr (the desktop app and CLI do; tests usually do not).
    pub log_to_stderr: bool,
    pub google: GoogleConfig,
    /// Where saved attachments go.
    pub download_dir: PathBuf,
}

/// Everything about talking to Google that tests (or a self-hosted proxy) may change.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub endpoints: GoogleEndpoints,
    pub scopes: Vec<String>,
    /// 0 = an ephemeral port for the loopback redirect (RFC 8252).
    pub redirect_port: u16,
    /// How long a started sign-in stays valid.
    pub pending_ttl: Duration,
    /// How long the app waits for the browser.
    pub sign_in_timeout: Duration,
    /// Refresh this long before expiry.
    pub refresh_margin: Duration,
    pub rate_limits: RateLimits,
    pub retry: RetryPolicy,
}

impl Default for GoogleConfig {
    fn default() -> Self {
        GoogleConfig {
            endpoints: GoogleEndpoints::default(),
            scopes: crate::google::default_scopes(),
            redirect_port: 0,
            pending_ttl: Duration::from_secs(600),
            sign_in_timeout: Duration::from_secs(300),
            refresh_margin: Duration::from_secs(300),
            rate_limits: RateLimits::default(),
            retry: RetryPolicy::default(),
        }
    }
}

impl GoogleConfig {
    pub fn from_env() -> Result<Self> {
        let mut g = GoogleConfig {
            endpoints: GoogleEndpoints::from_env(),
            ..GoogleConfig::default()
        };
        if let Ok(p) = std::env::var("LIBREOLLAMA_OAUTH_PORT") {
            g.redirect_port = p.parse().map_err(|_| {
                LibreOllamaError::Config(format!(
                    "LIBREOLLAMA_OAUTH_PORT '{p}' is not a port number"
                ))
            })?;
        }
        Ok(g)
    }
}

impl AppConfig {
    /// Precedence: explicit `--data-dir`, then `LIBREOLLAMA_DATA_DIR`, then the platform data dir.
    pub fn resolve(data_dir: Option<PathBuf>) -> Result<AppConfig> {
        let data_dir = match data_dir.or_else(|| std::env::var_os(ENV_DATA_DIR).map(PathBuf::from))
        {
            Some(d) if d.as_os_str().is_empty() => {
                return Err(LibreOllamaError::Config(format!(
                    "{ENV_DATA_DIR} is set but empty; unset it or give a folder"
                )))
            }
            Some(d) => d,
            None => default_data_dir()?,
        };
        let vault_backend = match std::env::var(ENV_VAULT_BACKEND) {
            Ok(v) => v.parse()?,
            Err(_) => BackendChoice::Auto,
        };
        let download_dir = std::env::var_os("LIBREOLLAMA_DOWNLOAD_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                directories::UserDirs::new().map(|u| {
                    u.download_dir()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| u.home_dir().join("Downloads"))
                })
            })
            .unwrap_or_else(|| data_dir.join("downloads"));
        Ok(AppConfig {
            download_dir,
            data_dir,
            log_filter: std::env::var(ENV_LOG).ok().filter(|s| !s.is_empty()),
            vault_backend,
            log_to_stderr: true,
            google: GoogleConfig::from_env()?,
        })
    }

    /// A config for tests and tools: everything under `dir`, key in a file, no stderr noise.
    pub fn for_dir(dir: impl Into<PathBuf>) -> AppConfig {
        let data_dir: PathBuf = dir.into();
        AppConfig {
            download_dir: data_dir.join("downloads"),
            data_dir,
            log_filter: None,
            vault_backend: BackendChoice::File,
            log_to_stderr: false,
            google: GoogleConfig::default(),
        }
    }

    pub fn download_dir(&self) -> PathBuf {
        self.download_dir.clone()
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }
}

pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "LibreOllama", "LibreOllama")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            LibreOllamaError::Config(format!(
                "no home folder was found to keep data in; pass --data-dir or set {ENV_DATA_DIR}"
            ))
        })
}
