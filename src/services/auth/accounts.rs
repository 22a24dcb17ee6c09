//! Accounts and their tokens: look-up, refresh ahead of expiry (one refresh per account at a
//! time in this process), re-auth marking, removal with revocation, and clean-up of tokens that
//! no longer decrypt.

use futures_util::future::BoxFuture;

use super::*;
use crate::clock::now_unix;
use crate::error::LibreOllamaError;
use crate::google::client::TokenProvider;
use crate::google::oauth::TokenError;
use crate::model::{AuthCheck, RemovalReport};
use crate::store::accounts;

impl AuthService {
    pub async fn account(&self, id: &str) -> Result<Account> {
        let id = id.to_string();
        self.store
            .read(move |conn| {
                accounts::get(conn, &id)?.ok_or(LibreOllamaError::NotFound {
                    what: format!("Account {id}"),
                })
            })
            .await
    }

    /// Finds an account by id or email address.
    pub async fn resolve(&self, id_or_email: &str) -> Result<Account> {
        resolve(&self.store, id_or_email).await
    }

    /// Google accounts (the local archive's row is not one).
    pub async fn list_accounts(&self) -> Result<Vec<AccountSummary>> {
        Ok(self
            .store
            .read(accounts::list)
            .await?
            .into_iter()
            .filter(|a| a.id != crate::mail::import::ARCHIVE_ACCOUNT)
            .map(summary)
            .collect())
    }

    pub async fn store_account_tokens(
        &self,
        id: &str,
        access: SecretString,
        refresh: Option<SecretString>,
        expires_at: Option<i64>,
    ) -> Result<()> {
        let (vault, id) = (self.vault.clone(), id.to_string());
        self.store
            .write(move |conn| {
                accounts::store_tokens(conn, &vault, &id, &access, refresh.as_ref(), expires_at)
            })
            .await
    }

    pub async fn get_account_tokens(&self, id: &str) -> Result<accounts::AccountTokens> {
        let (vault, id) = (self.vault.clone(), id.to_string());
        self.store
            .read(move |conn| accounts::get_tokens(conn, &vault, &id))
            .await
    }

    async fn mark_reauth(&self, id: &str, reason: &str) -> Result<()> {
        let id_owned = id.to_string();
        self.store
            .write(move |conn| accounts::mark_reauth(conn, &id_owned, now_unix()))
            .await?;
        tracing::warn!(account = %id, %reason, "auth: account needs to sign in again");
        Ok(())
    }

    /// A valid access token for the account: the stored one while it has more than the refresh
    /// margin left, else a refreshed one. One refresh per account at a time; callers that wait
    /// get the token the first one stored.
    pub async fn validate_and_refresh_tokens(&self, id: &str, force: bool) -> Result<SecretString> {
        let lock = self
            .refresh_locks
            .lock()
            .expect("refresh locks")
            .entry(id.to_string())
            .or_default()
            .clone();
        let _guard = lock.lock().await;
        let account = self.account(id).await?;
        if account.requires_reauth {
            return Err(LibreOllamaError::GmailAuth {
                account: account.email_address,
                reason: "it was signed out".into(),
            });
        }
        let tokens = self.get_account_tokens(id).await?;
        let margin = self.google.refresh_margin.as_secs() as i64;
        if !force {
            if let (Some(access), Some(exp)) = (&tokens.access_token, tokens.expires_at) {
                if exp > now_unix() + margin {
                    return Ok(access.clone());
                }
            }
        }
        let Some(refresh) = tokens.refresh_token else {
            self.mark_reauth(id, "no refresh token stored").await?;
            return Err(LibreOllamaError::GmailAuth {
                account: account.email_address,
                reason: "no refresh token is stored".into(),
            });
        };
        let client = self.client_config().await?;
        tracing::info!(account = %id, forced = force, "auth: refreshing access token");
        match oauth::refresh(&self.http, &client, &self.google.endpoints, &refresh).await {
            Ok(t) => {
                let expires_at = t.expires_in_secs.map(|s| now_unix() + s as i64);
                self.store_account_tokens(id, t.access_token.clone(), t.refresh_token, expires_at)
                    .await?;
                tracing::info!(account = %id, expires_in = t.expires_in_secs, "auth: access token refreshed");
                Ok(t.access_token)
            }
            Err(TokenError::InvalidGrant(reason)) => {
                self.mark_reauth(id, &reason).await?;
                Err(LibreOllamaError::GmailAuth {
                    account: account.email_address,
                    reason: format!("Google refused the refresh token ({reason})"),
                })
            }
            Err(TokenError::Other(e)) => Err(e),
        }
    }

    /// Revokes at Google (best effort, reported) and deletes the account's rows.
    pub async fn remove_account(&self, id: &str) -> Result<RemovalReport> {
        let account = self.account(id).await?;
        let tokens = self.get_account_tokens(id).await.ok();
        let token = tokens.and_then(|t| t.refresh_token.or(t.access_token));
        let revoke = match (token, self.client_config().await) {
            (Some(t), Ok(client)) => {
                oauth::revoke(&self.http, &client, &self.google.endpoints, &t).await
            }
            (None, _) => Err(LibreOllamaError::OAuth(
                "no token was stored to revoke".into(),
            )),
            (_, Err(e)) => Err(e),
        };
        let id_owned = id.to_string();
        self.store
            .write(move |conn| accounts::delete(conn, &id_owned))
            .await?;
        self.refresh_locks.lock().expect("refresh locks").remove(id);
        match &revoke {
            Ok(()) => tracing::info!(account = %id, "auth: account removed, access revoked"),
            Err(e) => {
                tracing::warn!(account = %id, error = %e, "auth: account removed, revocation failed")
            }
        }
        Ok(RemovalReport {
            email: account.email_address,
            revoked: revoke.is_ok(),
            revoke_error: revoke.err().map(|e| e.to_string()),
        })
    }

    /// The auth state of one account: expiry, scopes, and whether a refresh works now.
    pub async fn check_account(&self, id_or_email: &str) -> Result<AuthCheck> {
        let account = self.resolve(id_or_email).await?;
        let granted: Vec<String> = account
            .scopes
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let missing = self
            .google
            .scopes
            .iter()
            .filter(|s| !granted.contains(s) && s.as_str() != "openid")
            .cloned()
            .collect();
        let refresh_error = self
            .validate_and_refresh_tokens(&account.id, true)
            .await
            .err()
            .map(|e| e.to_string());
        let account = self.account(&account.id).await?;
        Ok(AuthCheck {
            email: account.email_address.clone(),
            status: status_of(&account),
            expires_in_secs: account.token_expires_at.map(|t| t - now_unix()),
            scopes_granted: granted,
            scopes_missing: missing,
            refresh_error,
        })
    }

    /// Clears token columns that no longer decrypt and marks those accounts for sign-in.
    /// Returns the affected addresses.
    pub async fn cleanup_corrupt_tokens(&self) -> Result<Vec<String>> {
        let vault = self.vault.clone();
        let fixed = self
            .store
            .transaction(move |tx| {
                let mut fixed = Vec::new();
                for a in accounts::list(tx)? {
                    if accounts::get_tokens(tx, &vault, &a.id).is_err() {
                        accounts::clear_tokens(tx, &a.id, now_unix())?;
                        fixed.push(a.email_address);
                    }
                }
                Ok(fixed)
            })
            .await?;
        for email in &fixed {
            tracing::warn!(%email, "auth: corrupt token row cleared; the account must sign in again");
        }
        Ok(fixed)
    }
}

impl TokenProvider for AuthService {
    fn token<'a>(
        &'a self,
        account_id: &'a str,
        force_refresh: bool,
    ) -> BoxFuture<'a, Result<SecretString>> {
        Box::pin(self.validate_and_refresh_tokens(account_id, force_refresh))
    }
}

/// An account by id or email address, from the store alone (the terminal's search opens no vault).
pub(crate) async fn resolve(store: &Store, id_or_email: &str) -> Result<Account> {
    let key = id_or_email.to_string();
    store
        .read(move |conn| {
            accounts::list(conn)?
                .into_iter()
                .find(|a| a.id == key || a.email_address.eq_ignore_ascii_case(&key))
                .ok_or(LibreOllamaError::NotFound {
                    what: format!("An account '{key}'"),
                })
        })
        .await
}
