//! The one error type of the backend. It is turned into text only at the edges (ui/, cli/, and the
//! serialisable `api::ApiError` with its `model::ErrorClass` that the command layer hands to
//! them), so every layer below can match on it.

use std::path::PathBuf;

pub use crate::model::ErrorClass;

#[derive(Debug, thiserror::Error)]
pub enum LibreOllamaError {
    #[error("Google sign-in for {account} is no longer valid: {reason}. Sign in to this account again in Settings → Accounts.")]
    GmailAuth { account: String, reason: String },

    #[error("The model server refused the request ({status}): {message}")]
    ModelServer { status: u16, message: String },

    #[error("{service} answered {status} ({reason}): {message}")]
    GoogleApi {
        service: String,
        status: u16,
        reason: String,
        message: String,
    },

    #[error("Sign-in did not complete: {0}")]
    OAuth(String),

    #[error("Cancelled: {0}.")]
    Cancelled(String),

    #[error("Could not reach {service}: {reason}. Check your connection; the app will retry.")]
    Network { service: String, reason: String },

    #[error(
        "{service} asked us to slow down. The request will be retried in {retry_after_secs} s."
    )]
    RateLimited {
        service: String,
        retry_after_secs: u64,
    },

    #[error("The local database failed while {context}: {reason}. Run `libreollama doctor` to check it.")]
    DatabaseQuery { context: String, reason: String },

    #[error("The local database is busy ({context}). Try again in a moment.")]
    DatabaseBusy { context: String },

    #[error("Could not read or write data as {format}: {reason}.")]
    Serialization { format: String, reason: String },

    #[error("The database schema could not be upgraded: {0}. Your data was not changed; restore a backup or report this.")]
    Migration(String),

    #[error("{0}")]
    Vault(#[from] VaultError),

    #[error("Configuration problem: {0}")]
    Config(String),

    #[error("{what} was not found.")]
    NotFound { what: String },

    #[error("Invalid input: {0}")]
    InvalidInput(String),

    #[error("Could not access {path}: {reason}. Check that the folder exists and is writable.")]
    Io { path: PathBuf, reason: String },

    #[error("Internal error: {0}. Please report this with the output of `libreollama doctor`.")]
    Internal(String),
}

/// Failures of the credential vault. Texts never contain key material or plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("A stored secret could not be decrypted (it was altered, moved to another row, or sealed with another key). Remove and re-add the affected account.")]
    Decrypt,
    #[error("A stored secret has an unknown format (version {0}). Update LibreOllama or remove the affected account.")]
    UnknownEnvelope(u8),
    #[error("A stored secret was sealed with key {0}, which this installation does not have. Restore the key (keyring or key file) or re-add the account.")]
    UnknownKey(String),
    #[error("The master key is missing from the {backend}. If you moved the data folder, move the key too; otherwise remove and re-add your accounts.")]
    KeyMissing { backend: String },
    #[error("The {backend} could not be used: {reason}.")]
    Backend { backend: String, reason: String },
    #[error("Encryption failed: {0}.")]
    Seal(String),
}

pub type Result<T, E = LibreOllamaError> = std::result::Result<T, E>;

impl LibreOllamaError {
    /// A queued change hitting this stays queued for a later try: offline, Google busy, or the
    /// account needs signing in again.
    pub fn retry_later(&self) -> bool {
        matches!(
            self.class(),
            ErrorClass::Retryable | ErrorClass::NeedsReauth
        )
    }

    pub fn class(&self) -> ErrorClass {
        use LibreOllamaError::*;
        match self {
            GmailAuth { .. } => ErrorClass::NeedsReauth,
            Network { .. } | RateLimited { .. } | DatabaseBusy { .. } => ErrorClass::Retryable,
            Config(_) | InvalidInput(_) | NotFound { .. } | Io { .. } | OAuth(_) | Cancelled(_) => {
                ErrorClass::UserFixable
            }
            GoogleApi { status, .. } if *status == 429 || *status >= 500 => ErrorClass::Retryable,
            GoogleApi { status: 401, .. } => ErrorClass::NeedsReauth,
            GoogleApi { status, .. } if *status == 404 || *status == 400 => ErrorClass::UserFixable,
            GoogleApi { .. } => ErrorClass::Fatal,
            ModelServer { status, .. } if *status == 429 || *status >= 500 => ErrorClass::Retryable,
            ModelServer { .. } => ErrorClass::UserFixable,
            Vault(VaultError::Backend { .. }) => ErrorClass::UserFixable,
            Vault(_) | DatabaseQuery { .. } | Serialization { .. } | Migration(_) | Internal(_) => {
                ErrorClass::Fatal
            }
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Retryable
    }

    pub fn needs_reauth(&self) -> bool {
        self.class() == ErrorClass::NeedsReauth
    }

    /// Stable machine-readable name of the variant, for the command layer and logs.
    pub fn kind(&self) -> &'static str {
        use LibreOllamaError::*;
        match self {
            GmailAuth { .. } => "GmailAuth",
            Network { .. } => "Network",
            GoogleApi { .. } => "GoogleApi",
            ModelServer { .. } => "ModelServer",
            OAuth(_) => "OAuth",
            Cancelled(_) => "Cancelled",
            RateLimited { .. } => "RateLimited",
            DatabaseQuery { .. } => "DatabaseQuery",
            DatabaseBusy { .. } => "DatabaseBusy",
            Serialization { .. } => "Serialization",
            Migration(_) => "Migration",
            Vault(_) => "Vault",
            Config(_) => "Config",
            NotFound { .. } => "NotFound",
            InvalidInput(_) => "InvalidInput",
            Io { .. } => "Io",
            Internal(_) => "Internal",
        }
    }

    pub fn db(context: impl Into<String>, err: rusqlite::Error) -> Self {
        let context = context.into();
        if let rusqlite::Error::SqliteFailure(e, _) = &err {
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return LibreOllamaError::DatabaseBusy { context };
            }
        }
        LibreOllamaError::DatabaseQuery {
            context,
            reason: err.to_string(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        LibreOllamaError::Io {
            path: path.into(),
            reason: err.to_string(),
        }
    }

    pub fn json(err: serde_json::Error) -> Self {
        LibreOllamaError::Serialization {
            format: "JSON".into(),
            reason: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_drive_retry_and_reauth() {
        let net = LibreOllamaError::Network {
            service: "Gmail".into(),
            reason: "timeout".into(),
        };
        assert!(net.is_retryable());
        assert!(!net.needs_reauth());
        let auth = LibreOllamaError::GmailAuth {
            account: "a@example.com".into(),
            reason: "refresh token revoked".into(),
        };
        assert!(auth.needs_reauth());
        assert!(auth.to_string().contains("Sign in to this account again"));
        assert_eq!(
            LibreOllamaError::from(VaultError::Decrypt).class(),
            ErrorClass::Fatal
        );
    }

    #[test]
    fn busy_sqlite_errors_are_retryable() {
        let err = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        let e = LibreOllamaError::db("saving settings", err);
        assert_eq!(e.kind(), "DatabaseBusy");
        assert!(e.is_retryable());
    }
}
