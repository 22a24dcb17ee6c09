//! The doctor's report: database health, the vault, accounts described without their tokens.

use serde::{Deserialize, Serialize};

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
