//! Google protocol code: OAuth2 + PKCE, the loopback redirect listener, the shared HTTP client
//! with quota-aware rate limiting and retries, and one module per REST resource.

pub mod calendar;
pub mod client;
pub mod endpoints;
pub mod gmail;
pub mod loopback;
pub mod oauth;
pub mod ratelimit;
pub mod tasks;
pub mod userinfo;

use serde::{Deserialize, Serialize};

/// Every URL we talk to. Defaults are Google's; tests point them at a local emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleEndpoints {
    pub auth_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub userinfo_url: String,
    pub gmail_base: String,
    pub calendar_base: String,
    pub tasks_base: String,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        GoogleEndpoints {
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            revoke_url: "https://oauth2.googleapis.com/revoke".into(),
            userinfo_url: "https://www.googleapis.com/oauth2/v2/userinfo".into(),
            gmail_base: "https://gmail.googleapis.com/".into(),
            calendar_base: "https://www.googleapis.com/calendar/v3/".into(),
            tasks_base: "https://tasks.googleapis.com/".into(),
        }
    }
}

impl GoogleEndpoints {
    /// The layout of the `emulate` Google emulator (and anything serving Google's paths on one
    /// host): `LIBREOLLAMA_GOOGLE_BASE=http://127.0.0.1:4002`.
    pub fn single_host(base: &str) -> Self {
        let b = base.trim_end_matches('/');
        GoogleEndpoints {
            auth_url: format!("{b}/o/oauth2/v2/auth"),
            token_url: format!("{b}/oauth2/token"),
            revoke_url: format!("{b}/oauth2/revoke"),
            userinfo_url: format!("{b}/oauth2/v2/userinfo"),
            gmail_base: format!("{b}/"),
            calendar_base: format!("{b}/calendar/v3/"),
            tasks_base: format!("{b}/"),
        }
    }

    /// Every endpoint must be HTTPS, except on the loopback interface (local test peers): a
    /// token must never cross a network in clear text.
    pub fn validate(&self) -> crate::error::Result<()> {
        for (name, u) in [
            ("authorization", &self.auth_url),
            ("token", &self.token_url),
            ("revocation", &self.revoke_url),
            ("user info", &self.userinfo_url),
            ("Gmail", &self.gmail_base),
            ("Calendar", &self.calendar_base),
            ("Tasks", &self.tasks_base),
        ] {
            let parsed = url::Url::parse(u).map_err(|e| {
                crate::error::LibreOllamaError::Config(format!(
                    "the {name} URL '{u}' is not valid: {e}"
                ))
            })?;
            let loopback = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                return Err(crate::error::LibreOllamaError::Config(format!(
                    "the {name} URL '{u}' must use https (plain http is allowed only on this machine's loopback address)"
                )));
            }
        }
        Ok(())
    }

    /// Applies `LIBREOLLAMA_GOOGLE_BASE` and the per-endpoint `LIBREOLLAMA_GOOGLE_*_URL` variables.
    pub fn from_env() -> Self {
        let mut e = match std::env::var("LIBREOLLAMA_GOOGLE_BASE") {
            Ok(b) if !b.is_empty() => GoogleEndpoints::single_host(&b),
            _ => GoogleEndpoints::default(),
        };
        let set = |field: &mut String, var: &str| {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    *field = v;
                }
            }
        };
        set(&mut e.auth_url, "LIBREOLLAMA_GOOGLE_AUTH_URL");
        set(&mut e.token_url, "LIBREOLLAMA_GOOGLE_TOKEN_URL");
        set(&mut e.revoke_url, "LIBREOLLAMA_GOOGLE_REVOKE_URL");
        set(&mut e.userinfo_url, "LIBREOLLAMA_GOOGLE_USERINFO_URL");
        set(&mut e.gmail_base, "LIBREOLLAMA_GOOGLE_GMAIL_URL");
        set(&mut e.tasks_base, "LIBREOLLAMA_GOOGLE_TASKS_URL");
        set(&mut e.calendar_base, "LIBREOLLAMA_GOOGLE_CALENDAR_URL");
        e
    }
}

/// The scopes we ask for, and why (shown in the README and the Accounts page).
pub const SCOPES: &[(&str, &str)] = &[
    ("openid", "identify the account"),
    (
        "https://www.googleapis.com/auth/userinfo.email",
        "show which address an account is",
    ),
    (
        "https://www.googleapis.com/auth/userinfo.profile",
        "show your name and picture",
    ),
    (
        "https://www.googleapis.com/auth/gmail.modify",
        "read mail and archive, label, star, trash it; keep drafts in step; read your signature",
    ),
    (
        "https://www.googleapis.com/auth/gmail.send",
        "send mail you write",
    ),
    (
        "https://www.googleapis.com/auth/tasks",
        "read and edit your Google Tasks",
    ),
    (
        "https://www.googleapis.com/auth/calendar",
        "read and edit your calendars and RSVP",
    ),
];

pub fn default_scopes() -> Vec<String> {
    SCOPES.iter().map(|(s, _)| s.to_string()).collect()
}

/// The URL of one call: `endpoint.path` (less `strip`, a service path the base already ends
/// in) with its `{…}` parameters filled in order from `path_args` (URL-encoded), joined to
/// `base`, plus `query` (repeated keys allowed).
pub(crate) fn call_url(
    base: &str,
    endpoint: &endpoints::Endpoint,
    strip: &str,
    path_args: &[&str],
    query: &[(&str, String)],
) -> crate::error::Result<url::Url> {
    use crate::error::LibreOllamaError;
    let mut path = endpoint
        .path
        .strip_prefix(strip)
        .unwrap_or(endpoint.path)
        .to_string();
    for arg in path_args {
        let start = path.find('{').ok_or_else(|| {
            LibreOllamaError::Internal(format!("{}: too many path arguments", endpoint.id))
        })?;
        let end = path[start..]
            .find('}')
            .map(|e| start + e)
            .unwrap_or(path.len() - 1);
        let encoded: String = url::form_urlencoded::byte_serialize(arg.as_bytes()).collect();
        path.replace_range(start..=end, &encoded);
    }
    let mut u = url::Url::parse(base)
        .and_then(|b| b.join(&path))
        .map_err(|e| {
            LibreOllamaError::Config(format!("the {} URL is not valid: {e}", endpoint.api))
        })?;
    if !query.is_empty() {
        let mut q = u.query_pairs_mut();
        for (k, v) in query {
            q.append_pair(k, v);
        }
    }
    Ok(u)
}

/// One Google REST API for one account: builds each call's URL (see `call_url`) and sends it
/// through the shared client.
#[derive(Clone)]
pub(crate) struct RestApi {
    pub client: std::sync::Arc<client::GoogleClient>,
    pub base: String,
    pub account_id: String,
    /// A service path the configured base already ends in.
    pub strip: &'static str,
}

impl RestApi {
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        e: &endpoints::Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> crate::error::Result<T> {
        let v = self.value(e, path_args, query, body).await?;
        serde_json::from_value(v).map_err(crate::error::LibreOllamaError::json)
    }

    /// The answer as JSON (`Null` for an empty one).
    pub async fn value(
        &self,
        e: &endpoints::Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> crate::error::Result<serde_json::Value> {
        let url = call_url(&self.base, e, self.strip, path_args, query)?;
        self.client.call(&self.account_id, e, url, body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert!(GoogleEndpoints::default().validate().is_ok());
        assert!(GoogleEndpoints::single_host("http://127.0.0.1:4002")
            .validate()
            .is_ok());
        assert!(GoogleEndpoints::single_host("http://localhost:4002")
            .validate()
            .is_ok());
        let err = GoogleEndpoints::single_host("http://10.0.0.5:4002")
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("must use https"), "{err}");
    }
}
