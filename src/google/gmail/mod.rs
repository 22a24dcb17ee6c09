//! Gmail REST client, one module per resource as in gmail.v1.json. Every call goes through the
//! shared Google client (tokens, quota units, retries).

pub mod drafts;
pub mod history;
pub mod labels;
pub mod messages;
pub mod profile;
pub mod threads;
pub mod types;

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::client::GoogleClient;
use super::endpoints::Endpoint;
use crate::error::{LibreOllamaError, Result};

/// The Gmail API for one account.
#[derive(Clone)]
pub struct Gmail {
    client: Arc<GoogleClient>,
    /// e.g. `https://gmail.googleapis.com/`
    base: String,
    account_id: String,
}

impl Gmail {
    pub fn new(
        client: Arc<GoogleClient>,
        base: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        Gmail {
            client,
            base: base.into(),
            account_id: account_id.into(),
        }
    }

    /// Builds the URL of `endpoint` with `{userId}` = me and the other path parameters filled
    /// in order, plus query parameters (repeated keys allowed, as Gmail's labelIds wants).
    fn url(
        &self,
        endpoint: &Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
    ) -> Result<url::Url> {
        // Every Gmail path starts with {userId}: always "me".
        let mut args = vec!["me"];
        args.extend_from_slice(path_args);
        super::call_url(&self.base, endpoint, "", &args, query)
    }

    /// Gmail's batch endpoint on the same host (`batchPath` in the discovery document).
    fn batch_url(&self) -> Result<url::Url> {
        url::Url::parse(&self.base)
            .and_then(|b| b.join("batch/gmail/v1"))
            .map_err(|e| LibreOllamaError::Config(format!("the Gmail URL is not valid: {e}")))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let url = self.url(endpoint, path_args, query)?;
        let v = self
            .client
            .call(&self.account_id, endpoint, url, body)
            .await?;
        serde_json::from_value(v).map_err(LibreOllamaError::json)
    }
}

/// A message's `raw` (base64url, with or without padding) as bytes.
pub fn decode_raw(b64: &str) -> crate::error::Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|e| crate::error::LibreOllamaError::Serialization {
            format: "base64url".into(),
            reason: e.to_string(),
        })
}
