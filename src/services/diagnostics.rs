//! The doctor: database health, schema, vault self-test, redacted accounts; and the vault key
//! rotation, which must not run while another process holds the old key.

use std::sync::Arc;

use crate::config::AppConfig;
use crate::error::{LibreOllamaError, Result};
use crate::model::{Check, CheckStatus, DiagnosticsReport, RedactedAccount, TokenSummary};
use crate::store::{accounts, health, locks, migrations, Store};
use crate::vault::{Aad, Vault};

#[derive(Clone)]
pub struct DiagnosticsService {
    config: AppConfig,
    store: Store,
    vault: Arc<Vault>,
}

fn summarize(vault: &Vault, aad: Aad<'_>, sealed: Option<&[u8]>) -> TokenSummary {
    match sealed.map(|s| vault.open_secret(aad, s)) {
        None => TokenSummary {
            present: false,
            length: 0,
            fingerprint: String::new(),
            error: None,
        },
        Some(Ok(secret)) => TokenSummary {
            present: true,
            length: secret.len(),
            fingerprint: secret.fingerprint(),
            error: None,
        },
        Some(Err(e)) => TokenSummary {
            present: true,
            length: 0,
            fingerprint: String::new(),
            error: Some(e.to_string()),
        },
    }
}

fn check(name: &str, status: CheckStatus, detail: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        status,
        detail: detail.into(),
    }
}

impl DiagnosticsService {
    pub fn new(config: AppConfig, store: Store, vault: Arc<Vault>) -> Self {
        DiagnosticsService {
            config,
            store,
            vault,
        }
    }

    pub async fn redacted_accounts(&self) -> Result<Vec<RedactedAccount>> {
        let vault = self.vault.clone();
        self.store
            .read(move |conn| {
                let mut out = Vec::new();
                for a in accounts::list(conn)?
                    .into_iter()
                    .filter(|a| a.id != crate::mail::import::ARCHIVE_ACCOUNT)
                {
                    let sealed = accounts::sealed_tokens(conn, &a.id)?;
                    let (acc, refr) = sealed.map(|s| (s.access, s.refresh)).unwrap_or_default();
                    out.push(RedactedAccount {
                        access_token: summarize(
                            &vault,
                            accounts::aad("access_token_encrypted", &a.id),
                            acc.as_deref(),
                        ),
                        refresh_token: summarize(
                            &vault,
                            accounts::aad("refresh_token_encrypted", &a.id),
                            refr.as_deref(),
                        ),
                        scopes: a.scopes.split_whitespace().map(str::to_string).collect(),
                        id: a.id,
                        email_address: a.email_address,
                        display_name: a.display_name,
                        is_active: a.is_active,
                        requires_reauth: a.requires_reauth,
                        token_expires_at: a.token_expires_at,
                    });
                }
                Ok(out)
            })
            .await
    }

    pub async fn diagnostics(&self) -> Result<DiagnosticsReport> {
        let (db, applied) = self
            .store
            .read(|conn| Ok((health::check(conn)?, migrations::applied(conn)?)))
            .await?;
        let embedded = migrations::embedded();
        let accounts = self.redacted_accounts().await?;
        let vault_status = self.vault.status();
        let db_path = self.store.path().to_path_buf();
        let db_size_bytes = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);

        let mut checks = Vec::new();
        checks.push(if db.is_ok() {
            check(
                "Database integrity",
                CheckStatus::Ok,
                "integrity_check ok, no foreign key violations, WAL",
            )
        } else {
            check(
                "Database integrity",
                CheckStatus::Failed,
                format!(
                    "integrity: {}; foreign key violations: {}; journal: {}",
                    db.integrity.join("; "),
                    db.foreign_key_violations,
                    db.journal_mode
                ),
            )
        });
        let applied_versions: Vec<i64> = applied.iter().map(|m| m.version).collect();
        let embedded_versions: Vec<i64> = embedded.iter().map(|m| m.version).collect();
        checks.push(if applied_versions == embedded_versions {
            check(
                "Schema migrations",
                CheckStatus::Ok,
                format!("{} of {} applied", applied.len(), embedded.len()),
            )
        } else {
            check(
                "Schema migrations",
                CheckStatus::Failed,
                format!("applied {applied_versions:?}, this build has {embedded_versions:?}"),
            )
        });
        checks.push(match self.vault.self_test() {
            Ok(()) => check(
                "Vault self-test",
                CheckStatus::Ok,
                "seal/open round trip ok; tampered and moved values refused",
            ),
            Err(e) => check("Vault self-test", CheckStatus::Failed, e.to_string()),
        });
        checks.push(match &vault_status.fallback_reason {
            None => check(
                "Key storage",
                CheckStatus::Ok,
                vault_status.backend_description.clone(),
            ),
            Some(reason) => check(
                "Key storage",
                CheckStatus::Warning,
                format!(
                    "{} (no usable OS keyring: {reason})",
                    vault_status.backend_description
                ),
            ),
        });
        let broken: Vec<&str> = accounts
            .iter()
            .filter(|a| a.access_token.error.is_some() || a.refresh_token.error.is_some())
            .map(|a| a.email_address.as_str())
            .collect();
        checks.push(if broken.is_empty() {
            let detail = match accounts.len() {
                0 => "no accounts stored".to_string(),
                1 => "1 account, its tokens readable".to_string(),
                n => format!("{n} accounts, all tokens readable"),
            };
            check("Stored credentials", CheckStatus::Ok, detail)
        } else {
            check(
                "Stored credentials",
                CheckStatus::Failed,
                format!("unreadable tokens for: {}", broken.join(", ")),
            )
        });

        Ok(DiagnosticsReport {
            app_version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.config.data_dir.display().to_string(),
            db_path: db_path.display().to_string(),
            db_size_bytes,
            log_file: crate::logging::current_file().map(|p| p.display().to_string()),
            db,
            applied_migrations: applied,
            embedded_migrations: embedded,
            vault: vault_status,
            accounts,
            checks,
        })
    }

    /// Re-encrypts every stored secret under a new master key and deletes the old one.
    ///
    /// Another process with this data folder open holds the old key in memory and would seal
    /// what it stores next (a refreshed token) with it: so rotation refuses while one is
    /// registered, naming it. A process that opens the folder during the rotation registers
    /// before it reads the keys: if it shows up in the check after the commit, the old key is
    /// kept (retired, still readable) and goes at the next rotation.
    pub async fn rotate_vault_key(&self) -> Result<String> {
        let data_dir = self.store.data_dir().to_path_buf();
        let others = locks::other_processes(&data_dir)?;
        if !others.is_empty() {
            return Err(LibreOllamaError::InvalidInput(format!(
                "the vault key cannot be rotated while another program has this data folder open: {}. \
                 Close it (quit the app, or let the command finish), then rotate again",
                others.join(", ")
            )));
        }
        let vault = self.vault.clone();
        let new_id = self
            .store
            .write(move |conn| crate::store::vault::rotate(conn, &vault))
            .await?;
        let others = locks::other_processes(&data_dir)?;
        if others.is_empty() {
            let vault = self.vault.clone();
            self.store
                .write(move |conn| crate::store::vault::delete_retired_keys(conn, &vault))
                .await?;
        } else {
            tracing::warn!(
                others = ?others,
                "another process opened the data folder during the key rotation; the old key is kept until the next rotation"
            );
        }
        Ok(new_id)
    }
}
