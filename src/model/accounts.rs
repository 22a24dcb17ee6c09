//! Google accounts: their sign-in state, the OAuth client, sign-in and removal outcomes.

use serde::{Deserialize, Serialize};

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
