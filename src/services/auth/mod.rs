//! AuthService: sign-in (authorization code + PKCE through a loopback redirect), encrypted token
//! storage, refresh ahead of expiry with one refresh per account at a time, re-auth marking, and
//! account removal with revocation.
//!
//! `client` holds the OAuth client set-up, `sign_in` the flows, `accounts` the accounts and their
//! tokens.

mod accounts;
mod client;
mod sign_in;

pub(crate) use accounts::resolve as resolve_account;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::config::GoogleConfig;
use crate::error::Result;
use crate::google::loopback::LoopbackListener;
use crate::google::oauth::{self, OAuthClientConfig};
use crate::model::{AccountStatus, AccountSummary};
use crate::store::accounts::Account;
use crate::store::Store;
use crate::vault::{SecretString, Vault};

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
}
