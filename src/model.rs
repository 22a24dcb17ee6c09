//! Plain data shared by every target: what the command layer returns and the UI shows.
//! Compiled for wasm too, so nothing here may depend on the backend.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's light/dark preference.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiSettings {
    pub theme: Theme,
    pub log_level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MigrationInfo {
    pub version: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DbHealth {
    /// `["ok"]`, or the problems integrity_check listed.
    pub integrity: Vec<String>,
    pub foreign_key_violations: usize,
    pub journal_mode: String,
    pub page_count: i64,
    pub page_size: i64,
}

impl DbHealth {
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"] && self.foreign_key_violations == 0 && self.journal_mode == "wal"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VaultStatus {
    /// "keyring" or "file".
    pub backend: String,
    pub backend_description: String,
    /// Why the OS keyring is not used, when the key file is.
    pub fallback_reason: Option<String>,
    pub active_key_id: String,
    pub key_count: usize,
}

/// One stored token described without revealing it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenSummary {
    pub present: bool,
    /// Length of the plaintext token.
    pub length: usize,
    /// First 4 bytes of SHA-256 of the token, hex.
    pub fingerprint: String,
    /// Set when the stored value does not decrypt.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RedactedAccount {
    pub id: String,
    pub email_address: String,
    pub display_name: Option<String>,
    pub is_active: bool,
    pub requires_reauth: bool,
    pub scopes: Vec<String>,
    pub token_expires_at: Option<i64>,
    pub access_token: TokenSummary,
    pub refresh_token: TokenSummary,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    Warning,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticsReport {
    pub app_version: String,
    pub data_dir: String,
    pub db_path: String,
    pub db_size_bytes: u64,
    pub log_file: Option<String>,
    pub db: DbHealth,
    pub applied_migrations: Vec<MigrationInfo>,
    pub embedded_migrations: Vec<MigrationInfo>,
    pub vault: VaultStatus,
    pub accounts: Vec<RedactedAccount>,
    pub checks: Vec<Check>,
}

impl DiagnosticsReport {
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Failed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    /// Where the command layer runs: "in-process" or "server".
    pub runtime: String,
}

/// How the caller should react to an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorClass {
    /// Trying again later may work (network down, rate limited, database busy).
    Retryable,
    /// The user must sign in to the account again.
    NeedsReauth,
    /// The user can fix it (bad input, configuration).
    UserFixable,
    /// Something is broken; retrying will not help.
    Fatal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    NeedsReauth,
    Inactive,
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::NeedsReauth => "Needs sign-in",
            AccountStatus::Inactive => "Inactive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub picture_url: Option<String>,
    pub status: AccountStatus,
    pub token_expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

/// Where the Google OAuth client configuration comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthClientStatus {
    pub client_id: Option<String>,
    pub has_secret: bool,
    /// "environment", "settings" or "missing".
    pub source: String,
    /// (scope, why we ask for it)
    pub scopes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovalReport {
    pub email: String,
    pub revoked: bool,
    /// Why revocation at Google failed (the account is removed locally regardless).
    pub revoke_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthCheck {
    pub email: String,
    pub status: AccountStatus,
    pub expires_in_secs: Option<i64>,
    pub scopes_granted: Vec<String>,
    pub scopes_missing: Vec<String>,
    /// Result of a forced refresh: None = ok, Some(reason) = failed.
    pub refresh_error: Option<String>,
}

/// A sign-in started from the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInStarted {
    pub auth_url: String,
    /// Set when the system browser could not be opened; the UI shows the link instead.
    pub browser_error: Option<String>,
}
