//! oauth2.userinfo.get: who the signed-in account is.

use serde::Deserialize;

use crate::error::{LibreOllamaError, Result};
use crate::vault::SecretString;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct UserInfo {
    /// Google's v2 endpoint calls the account id `id`; OpenID Connect calls it `sub`.
    #[serde(alias = "sub")]
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub picture: Option<String>,
}

pub async fn get(http: &reqwest::Client, url: &str, access: &SecretString) -> Result<UserInfo> {
    let started = std::time::Instant::now();
    let resp = http
        .get(url)
        .bearer_auth(access.expose())
        .send()
        .await
        .map_err(|e| LibreOllamaError::Network {
            service: "Google user info".into(),
            reason: e.without_url().to_string(),
        })?;
    let status = resp.status();
    tracing::info!(
        method = "GET",
        path = super::endpoints::USERINFO_GET.path,
        status = status.as_u16(),
        ms = started.elapsed().as_millis() as u64,
        units = 0,
        "google request"
    );
    if !status.is_success() {
        return Err(LibreOllamaError::OAuth(format!(
            "the user info endpoint answered {status}"
        )));
    }
    resp.json()
        .await
        .map_err(|e| LibreOllamaError::OAuth(format!("user info could not be read: {e}")))
}
