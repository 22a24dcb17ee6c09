//! The Google OAuth client the user set up (Settings → Accounts), or the environment's.

use super::*;
use crate::clock::now_unix;
use crate::error::LibreOllamaError;
use crate::model::OAuthClientStatus;
use crate::store::oauth_client;

impl AuthService {
    async fn stored_client(&self) -> Result<Option<(String, Option<SecretString>)>> {
        let vault = self.vault.clone();
        self.store
            .read(move |conn| match oauth_client::get(conn)? {
                None => Ok(None),
                Some((id, sealed)) => Ok(Some((
                    id,
                    crate::vault::open_optional(
                        &vault,
                        oauth_client::secret_aad(),
                        sealed.as_deref(),
                    )?,
                ))),
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
            .map(SecretString::new);
        let vault = self.vault.clone();
        self.store
            .write(move |conn| {
                // Sealed under the writer, like every other sealing: a key rotation is never
                // between the seal and the write.
                let sealed = secret
                    .map(|s| vault.seal_secret(oauth_client::secret_aad(), &s))
                    .transpose()?;
                oauth_client::set(conn, &client_id, sealed.as_deref(), now_unix())
            })
            .await?;
        tracing::info!("auth: OAuth client configuration saved");
        Ok(())
    }
}
