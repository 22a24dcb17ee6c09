//! AuthService: sign-in (authorization code + PKCE through a loopback redirect), encrypted token
//! storage, refresh ahead of expiry with one refresh per account at a time, re-auth marking, and
//! account removal with revocation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::future::BoxFuture;
use rusqlite::params;
use tokio_util::sync::CancellationToken;

use crate::config::GoogleConfig;
use crate::error::{LibreOllamaError, Result};
use crate::google::client::TokenProvider;
use crate::google::loopback::LoopbackListener;
use crate::google::oauth::{self, OAuthClientConfig, TokenError};
use crate::google::userinfo;
use crate::model::{
    AccountStatus, AccountSummary, AuthCheck, OAuthClientStatus, RemovalReport, SignInStarted,
};
use crate::store::accounts::{self, Account};
use crate::store::{now_unix, Store};
use crate::vault::{Aad, SecretString, Vault};

pub const ENV_CLIENT_ID: &str = "LIBREOLLAMA_GOOGLE_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "LIBREOLLAMA_GOOGLE_CLIENT_SECRET";

/// The mobile apps' redirect: a private-use URI scheme (RFC 8252 §7.1) registered in
/// Dioxus.toml `[deep_links]`; the OS hands the URL to the app, which passes it to
/// `complete_from_redirect_url`.
pub const MOBILE_REDIRECT_URI: &str = "org.libreollama.app:/oauth2redirect";

struct Pending {
    verifier: SecretString,
    redirect_uri: String,
    client: OAuthClientConfig,
    expires: Instant,
}

/// A sign-in waiting for the browser.
pub struct LoopbackFlow {
    pub auth_url: url::Url,
    pub state: String,
    listener: LoopbackListener,
}

impl LoopbackFlow {
    pub fn redirect_uri(&self) -> String {
        self.listener.redirect_uri()
    }
}

pub struct AuthService {
    store: Store,
    vault: Arc<Vault>,
    google: GoogleConfig,
    http: reqwest::Client,
    pending: Mutex<HashMap<String, Pending>>,
    refresh_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    active_flow: Mutex<Option<CancellationToken>>,
    interactive: tokio::sync::Mutex<Option<tokio::task::JoinHandle<Result<AccountSummary>>>>,
}

fn secret_aad() -> Aad<'static> {
    Aad {
        table: "oauth_clients",
        column: "client_secret_encrypted",
        row_id: "google",
    }
}

fn status_of(a: &Account) -> AccountStatus {
    if a.requires_reauth {
        AccountStatus::NeedsReauth
    } else if a.is_active {
        AccountStatus::Active
    } else {
        AccountStatus::Inactive
    }
}

fn summary(a: Account) -> AccountSummary {
    AccountSummary {
        status: status_of(&a),
        scopes: a.scopes.split_whitespace().map(str::to_string).collect(),
        id: a.id,
        email: a.email_address,
        display_name: a.display_name,
        picture_url: a.profile_picture_url,
        token_expires_at: a.token_expires_at,
    }
}

impl AuthService {
    pub fn new(store: Store, vault: Arc<Vault>, google: GoogleConfig) -> Result<Self> {
        google.endpoints.validate()?;
        Ok(AuthService {
            store,
            vault,
            google,
            http: oauth::http_client()?,
            pending: Mutex::new(HashMap::new()),
            refresh_locks: Mutex::new(HashMap::new()),
            active_flow: Mutex::new(None),
            interactive: tokio::sync::Mutex::new(None),
        })
    }

    pub fn google(&self) -> &GoogleConfig {
        &self.google
    }

    // ---- OAuth client configuration -------------------------------------------------------

    async fn stored_client(&self) -> Result<Option<(String, Option<SecretString>)>> {
        let vault = self.vault.clone();
        self.store
            .read(move |conn| {
                let row: Option<(String, Option<Vec<u8>>)> = conn
                    .query_row(
                        "SELECT client_id, client_secret_encrypted FROM oauth_clients WHERE id = 'google'",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
                    .map_err(|e| LibreOllamaError::db("reading the OAuth client", e))?;
                match row {
                    None => Ok(None),
                    Some((id, sealed)) => Ok(Some((
                        id,
                        crate::vault::open_optional(&vault, secret_aad(), sealed.as_deref())?,
                    ))),
                }
            })
            .await
    }

    /// Environment variables win over Settings.
    pub async fn client_config(&self) -> Result<OAuthClientConfig> {
        let env_id = std::env::var(ENV_CLIENT_ID)
            .ok()
            .filter(|s| !s.trim().is_empty());
        let (client_id, client_secret) = match env_id {
            Some(id) => (
                id,
                std::env::var(ENV_CLIENT_SECRET)
                    .ok()
                    .filter(|s| !s.is_empty())
                    .map(SecretString::new),
            ),
            None => self.stored_client().await?.ok_or_else(|| {
                LibreOllamaError::Config(
                    "no Google OAuth client is set up. Create a Desktop-app OAuth client in Google Cloud Console and enter its client id (and secret) in Settings → Accounts".into(),
                )
            })?,
        };
        Ok(OAuthClientConfig {
            client_id,
            client_secret,
            scopes: self.google.scopes.clone(),
        })
    }

    pub async fn client_status(&self) -> Result<OAuthClientStatus> {
        let scopes = crate::google::SCOPES
            .iter()
            .map(|(s, why)| (s.to_string(), why.to_string()))
            .collect();
        if let Some(id) = std::env::var(ENV_CLIENT_ID)
            .ok()
            .filter(|s| !s.trim().is_empty())
        {
            return Ok(OAuthClientStatus {
                client_id: Some(id),
                has_secret: std::env::var(ENV_CLIENT_SECRET).is_ok_and(|s| !s.is_empty()),
                source: "environment".into(),
                scopes,
            });
        }
        Ok(match self.stored_client().await? {
            Some((id, secret)) => OAuthClientStatus {
                client_id: Some(id),
                has_secret: secret.is_some(),
                source: "settings".into(),
                scopes,
            },
            None => OAuthClientStatus {
                client_id: None,
                has_secret: false,
                source: "missing".into(),
                scopes,
            },
        })
    }

    /// Saves the client id and (optionally) secret; an empty secret keeps the stored one.
    pub async fn set_client(&self, client_id: String, client_secret: Option<String>) -> Result<()> {
        let client_id = client_id.trim().to_string();
        if client_id.is_empty() || client_id.contains(char::is_whitespace) {
            return Err(LibreOllamaError::InvalidInput(
                "the client id must be one word, like 1234-abc.apps.googleusercontent.com".into(),
            ));
        }
        let secret = client_secret
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(|s| self.vault.seal_secret(secret_aad(), &SecretString::new(s)))
            .transpose()?;
        self.store
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO oauth_clients (id, client_id, client_secret_encrypted, updated_at) \
                     VALUES ('google', ?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET client_id = excluded.client_id, \
                     client_secret_encrypted = COALESCE(excluded.client_secret_encrypted, client_secret_encrypted), \
                     updated_at = excluded.updated_at",
                    params![client_id, secret, now_unix()],
                )
                .map_err(|e| LibreOllamaError::db("saving the OAuth client", e))?;
                Ok(())
            })
            .await?;
        tracing::info!("auth: OAuth client configuration saved");
        Ok(())
    }

    // ---- Sign-in ------------------------------------------------------------------------------

    fn purge_expired(&self) {
        let now = Instant::now();
        self.pending
            .lock()
            .expect("pending lock")
            .retain(|_, p| p.expires > now);
    }

    /// Creates a pending authorization for `redirect_uri` and returns the URL to open.
    pub async fn start_authorization(&self, redirect_uri: &str) -> Result<(url::Url, String)> {
        let client = self.client_config().await?;
        let req = oauth::authorization_request(&client, &self.google.endpoints, redirect_uri)?;
        self.purge_expired();
        self.pending.lock().expect("pending lock").insert(
            req.state.clone(),
            Pending {
                verifier: req.verifier,
                redirect_uri: req.redirect_uri,
                client,
                expires: Instant::now() + self.google.pending_ttl,
            },
        );
        tracing::info!(redirect = %redirect_uri, "auth: authorization started");
        Ok((req.url, req.state))
    }

    /// Exchanges the code of a pending authorization (used once) and stores the account.
    pub async fn complete_authorization(&self, state: &str, code: &str) -> Result<AccountSummary> {
        let pending = self.pending.lock().expect("pending lock").remove(state);
        let Some(p) = pending else {
            tracing::warn!("auth: callback with an unknown or used state");
            return Err(LibreOllamaError::OAuth(
                "this sign-in is unknown or was already used; start again".into(),
            ));
        };
        if p.expires <= Instant::now() {
            tracing::warn!("auth: callback for an expired authorization");
            return Err(LibreOllamaError::OAuth(
                "this sign-in took too long and expired; start again".into(),
            ));
        }
        let tokens = oauth::exchange_code(
            &self.http,
            &p.client,
            &self.google.endpoints,
            &p.redirect_uri,
            code,
            &p.verifier,
        )
        .await
        .map_err(|e| match e {
            TokenError::InvalidGrant(d) => LibreOllamaError::OAuth(format!(
                "Google refused the sign-in code ({d}); start again"
            )),
            TokenError::Other(e) => e,
        })?;
        tracing::info!(
            access = ?tokens.access_token,
            has_refresh = tokens.refresh_token.is_some(),
            expires_in = tokens.expires_in_secs,
            "auth: code exchanged"
        );
        let info = userinfo::get(
            &self.http,
            &self.google.endpoints.userinfo_url,
            &tokens.access_token,
        )
        .await?;
        tracing::info!(account = %info.id, email = %info.email, "auth: user info received");
        let scopes = tokens
            .scopes
            .clone()
            .unwrap_or_else(|| self.google.scopes.clone())
            .join(" ");
        let account = Account {
            id: info.id.clone(),
            email_address: info.email.clone(),
            display_name: info.name.clone(),
            profile_picture_url: info.picture.clone(),
            token_expires_at: None,
            scopes,
            is_active: true,
            requires_reauth: false,
            last_sync_at: None,
            created_at: now_unix(),
            updated_at: now_unix(),
            user_id: "default".into(),
        };
        let expires_at = tokens.expires_in_secs.map(|s| now_unix() + s as i64);
        let vault = self.vault.clone();
        let id = info.id.clone();
        let had_refresh = tokens.refresh_token.is_some();
        self.store
            .transaction(move |tx| {
                let existing = accounts::sealed_tokens(tx, &id)?;
                if !had_refresh && existing.as_ref().and_then(|e| e.refresh.as_ref()).is_none() {
                    return Err(LibreOllamaError::OAuth(
                        "Google did not issue a refresh token, so the app could not stay signed in. Remove LibreOllama's access at myaccount.google.com → Security → Third-party access, then add the account again".into(),
                    ));
                }
                accounts::upsert(tx, &account)?;
                accounts::store_tokens(
                    tx,
                    &vault,
                    &id,
                    &tokens.access_token,
                    tokens.refresh_token.as_ref(),
                    expires_at,
                )
            })
            .await?;
        tracing::info!(account = %info.id, "auth: tokens stored");
        let stored = self.account(&info.id).await?;
        Ok(summary(stored))
    }

    /// Completes a sign-in from the full redirect URL (the mobile deep link).
    pub async fn complete_from_redirect_url(&self, redirect: &str) -> Result<AccountSummary> {
        let url = url::Url::parse(redirect).map_err(|e| {
            LibreOllamaError::OAuth(format!("the sign-in answer is not a URL: {e}"))
        })?;
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        if let Some(err) = get("error") {
            if let Some(state) = get("state") {
                self.pending.lock().expect("pending lock").remove(&state);
            }
            return Err(LibreOllamaError::OAuth(format!("Google answered {err}")));
        }
        match (get("code"), get("state")) {
            (Some(code), Some(state)) => self.complete_authorization(&state, &code).await,
            _ => Err(LibreOllamaError::OAuth(
                "the sign-in answer has no code; start again".into(),
            )),
        }
    }

    /// Binds the loopback listener and creates the authorization.
    pub async fn begin_loopback(&self) -> Result<LoopbackFlow> {
        let listener = LoopbackListener::bind(self.google.redirect_port).await?;
        let (auth_url, state) = self.start_authorization(&listener.redirect_uri()).await?;
        Ok(LoopbackFlow {
            auth_url,
            state,
            listener,
        })
    }

    /// Waits for the browser (timeout, or `cancel_sign_in`) and completes the sign-in.
    pub async fn finish_loopback(&self, flow: LoopbackFlow) -> Result<AccountSummary> {
        let cancel = CancellationToken::new();
        if let Some(old) = self
            .active_flow
            .lock()
            .expect("flow lock")
            .replace(cancel.clone())
        {
            old.cancel();
        }
        let result = flow
            .listener
            .wait(&flow.state, self.google.sign_in_timeout, cancel)
            .await;
        let outcome = match result {
            Ok(r) => self.complete_authorization(&r.state, &r.code).await,
            Err(e) => {
                self.pending
                    .lock()
                    .expect("pending lock")
                    .remove(&flow.state);
                Err(e)
            }
        };
        match &outcome {
            Ok(a) => tracing::info!(account = %a.id, "auth: sign-in complete"),
            Err(e) => tracing::warn!(error = %e, "auth: sign-in failed"),
        }
        outcome
    }

    /// The whole desktop sign-in: listener, browser, wait, exchange.
    pub async fn add_account(
        &self,
        open: impl FnOnce(&url::Url) -> Result<()>,
    ) -> Result<AccountSummary> {
        let flow = self.begin_loopback().await?;
        if let Err(e) = open(&flow.auth_url) {
            self.pending
                .lock()
                .expect("pending lock")
                .remove(&flow.state);
            return Err(e);
        }
        self.finish_loopback(flow).await
    }

    /// Starts a sign-in that completes in the background (the UI's two-step flow): opens the
    /// browser when asked, and returns the address so the user can open it by hand.
    pub async fn start_interactive(self: &Arc<Self>, open_browser: bool) -> Result<SignInStarted> {
        let flow = self.begin_loopback().await?;
        let auth_url = flow.auth_url.to_string();
        let browser_error = if open_browser {
            webbrowser::open(&auth_url).err().map(|e| e.to_string())
        } else {
            None
        };
        let me = self.clone();
        let handle = tokio::spawn(async move { me.finish_loopback(flow).await });
        if let Some(old) = self.interactive.lock().await.replace(handle) {
            old.abort();
        }
        Ok(SignInStarted {
            auth_url,
            browser_error,
        })
    }

    /// Waits for the sign-in started by `start_interactive`.
    pub async fn wait_interactive(&self) -> Result<AccountSummary> {
        let handle = self.interactive.lock().await.take().ok_or_else(|| {
            LibreOllamaError::OAuth("no sign-in is in progress; press Add account".into())
        })?;
        handle
            .await
            .map_err(|_| LibreOllamaError::Cancelled("sign-in".into()))?
    }

    /// Cancels a sign-in that is waiting for the browser.
    pub fn cancel_sign_in(&self) -> bool {
        match self.active_flow.lock().expect("flow lock").take() {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    // ---- Accounts and tokens ------------------------------------------------------------------

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
        let key = id_or_email.to_string();
        self.store
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
            .write(move |conn| {
                conn.execute(
                    "UPDATE gmail_accounts_secure SET requires_reauth = 1, updated_at = ?1 WHERE id = ?2",
                    params![now_unix(), id_owned],
                )
                .map_err(|e| LibreOllamaError::db("marking an account for sign-in", e))?;
                Ok(())
            })
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
                        tx.execute(
                            "UPDATE gmail_accounts_secure SET access_token_encrypted = NULL, \
                             refresh_token_encrypted = NULL, token_expires_at = NULL, requires_reauth = 1, \
                             updated_at = ?1 WHERE id = ?2",
                            params![now_unix(), a.id],
                        )
                        .map_err(|e| LibreOllamaError::db("clearing corrupt tokens", e))?;
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
