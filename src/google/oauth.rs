//! OAuth2 authorization code + PKCE (S256) against Google's (or a test peer's) endpoints, via the
//! oauth2 crate. Tokens leave this module only as `SecretString`.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

use super::GoogleEndpoints;
use crate::error::{LibreOllamaError, Result};
use crate::vault::SecretString;

/// The OAuth client the user registered with Google (a "Desktop app" client).
#[derive(Clone)]
pub struct OAuthClientConfig {
    pub client_id: String,
    /// Google's Desktop clients have one; PKCE-only clients do not.
    pub client_secret: Option<SecretString>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OAuthClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClientConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .finish()
    }
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn url_err(what: &str) -> impl Fn(oauth2::url::ParseError) -> LibreOllamaError + '_ {
    move |e| LibreOllamaError::Config(format!("the {what} URL is not valid: {e}"))
}

fn client(cfg: &OAuthClientConfig, ep: &GoogleEndpoints, redirect: &str) -> Result<Client> {
    let mut c = BasicClient::new(ClientId::new(cfg.client_id.clone()))
        .set_auth_uri(AuthUrl::new(ep.auth_url.clone()).map_err(url_err("authorization"))?)
        .set_token_uri(TokenUrl::new(ep.token_url.clone()).map_err(url_err("token"))?)
        .set_redirect_uri(RedirectUrl::new(redirect.to_string()).map_err(url_err("redirect"))?)
        // Google accepts (and its emulator requires) client credentials in the request body.
        .set_auth_type(oauth2::AuthType::RequestBody);
    if let Some(secret) = &cfg.client_secret {
        c = c.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    }
    Ok(c)
}

/// An authorization request waiting for its redirect.
pub struct AuthorizationRequest {
    pub url: url::Url,
    pub state: String,
    pub verifier: SecretString,
    pub redirect_uri: String,
}

pub fn authorization_request(
    cfg: &OAuthClientConfig,
    ep: &GoogleEndpoints,
    redirect_uri: &str,
) -> Result<AuthorizationRequest> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client(cfg, ep, redirect_uri)?
        .authorize_url(CsrfToken::new_random)
        .add_scopes(cfg.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        // A refresh token is issued only with offline access, and re-issued only on consent.
        .add_extra_param("access_type", "offline")
        .add_extra_param("prompt", "consent")
        .url();
    Ok(AuthorizationRequest {
        url,
        state: state.secret().clone(),
        verifier: SecretString::new(verifier.secret().clone()),
        redirect_uri: redirect_uri.to_string(),
    })
}

#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    /// Absent on refresh unless Google rotates it.
    pub refresh_token: Option<SecretString>,
    pub expires_in_secs: Option<u64>,
    pub scopes: Option<Vec<String>>,
}

fn token_set(t: &oauth2::basic::BasicTokenResponse) -> TokenSet {
    TokenSet {
        access_token: SecretString::new(t.access_token().secret().clone()),
        refresh_token: t
            .refresh_token()
            .map(|r| SecretString::new(r.secret().clone())),
        expires_in_secs: t.expires_in().map(|d| d.as_secs()),
        scopes: t
            .scopes()
            .map(|s| s.iter().map(|x| x.to_string()).collect()),
    }
}

/// Why a token request failed, kept apart so `invalid_grant` can mark an account for re-auth.
#[derive(Debug)]
pub enum TokenError {
    InvalidGrant(String),
    Other(LibreOllamaError),
}

fn map_token_err<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
) -> TokenError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let desc = r
                .error_description()
                .cloned()
                .unwrap_or_else(|| r.error().to_string());
            if *r.error() == BasicErrorResponseType::InvalidGrant {
                TokenError::InvalidGrant(desc)
            } else {
                TokenError::Other(LibreOllamaError::OAuth(format!(
                    "the token endpoint refused the request ({}: {desc})",
                    r.error()
                )))
            }
        }
        RequestTokenError::Request(e) => TokenError::Other(LibreOllamaError::Network {
            service: "Google sign-in".into(),
            reason: e.to_string(),
        }),
        // Only the path: serde's message can quote a value, and this answer carries tokens.
        RequestTokenError::Parse(e, _) => TokenError::Other(LibreOllamaError::OAuth(format!(
            "the token endpoint's answer could not be read (at field {})",
            e.path()
        ))),
        RequestTokenError::Other(e) => TokenError::Other(LibreOllamaError::OAuth(e)),
    }
}

pub async fn exchange_code(
    http: &reqwest::Client,
    cfg: &OAuthClientConfig,
    ep: &GoogleEndpoints,
    redirect_uri: &str,
    code: &str,
    verifier: &SecretString,
) -> std::result::Result<TokenSet, TokenError> {
    let c = client(cfg, ep, redirect_uri).map_err(TokenError::Other)?;
    c.exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_string()))
        .request_async(http)
        .await
        .map(|t| token_set(&t))
        .map_err(map_token_err)
}

pub async fn refresh(
    http: &reqwest::Client,
    cfg: &OAuthClientConfig,
    ep: &GoogleEndpoints,
    refresh_token: &SecretString,
) -> std::result::Result<TokenSet, TokenError> {
    // The redirect URI is not part of a refresh; any valid URL satisfies the builder.
    let c = client(cfg, ep, "http://127.0.0.1/").map_err(TokenError::Other)?;
    let rt = RefreshToken::new(refresh_token.expose().to_string());
    c.exchange_refresh_token(&rt)
        .request_async(http)
        .await
        .map(|t| token_set(&t))
        .map_err(map_token_err)
}

/// RFC 7009 revocation. Sent by hand rather than through oauth2's helper, which refuses a
/// non-HTTPS endpoint even on loopback (where the test peers run).
pub async fn revoke(
    http: &reqwest::Client,
    cfg: &OAuthClientConfig,
    ep: &GoogleEndpoints,
    token: &SecretString,
) -> Result<()> {
    let mut form = vec![
        ("token", token.expose().to_string()),
        ("token_type_hint", "refresh_token".to_string()),
        ("client_id", cfg.client_id.clone()),
    ];
    if let Some(s) = &cfg.client_secret {
        form.push(("client_secret", s.expose().to_string()));
    }
    let resp = http
        .post(&ep.revoke_url)
        .form(&form)
        .send()
        .await
        .map_err(|e| LibreOllamaError::Network {
            service: "Google sign-in".into(),
            reason: e.without_url().to_string(),
        })?;
    tracing::info!(
        method = "POST",
        path = "revoke",
        status = resp.status().as_u16(),
        "auth: revocation answered"
    );
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(LibreOllamaError::OAuth(format!(
            "Google did not confirm the revocation (HTTP {})",
            resp.status()
        )))
    }
}

/// The HTTP client for token traffic: no redirects (a token endpoint never needs one, and
/// following one could hand a code or token to another host), bounded time.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("LibreOllama/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| LibreOllamaError::Internal(format!("HTTP client: {e}")))
}
