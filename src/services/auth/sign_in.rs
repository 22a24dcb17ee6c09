//! Signing in: the authorization code flow with PKCE through a loopback redirect (desktop) or
//! the app's redirect URI (mobile), and the background flow the UI starts and waits for.

use super::*;
use crate::clock::now_unix;
use crate::error::LibreOllamaError;
use crate::google::oauth::TokenError;
use crate::google::userinfo;
use crate::model::SignInStarted;
use crate::store::accounts;

impl AuthService {
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
}
