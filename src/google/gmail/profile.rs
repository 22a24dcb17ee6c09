//! users.getProfile

use super::types::Profile;
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

pub const GET_PROFILE: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.getProfile",
    http_method: "GET",
    path: "gmail/v1/users/{userId}/profile",
    params: &["userId"],
    quota_units: 1,
    idempotent: true,
};

impl Gmail {
    pub async fn get_profile(&self) -> Result<Profile> {
        self.call(&GET_PROFILE, &[], &[], None).await
    }
}

/// users.settings.sendAs.list: the addresses one sends as, each with its signature (HTML).
/// Allowed by the gmail.modify scope the app asks for.
pub const SEND_AS_LIST: Endpoint = Endpoint {
    id: "gmail.users.settings.sendAs.list",
    path: "gmail/v1/users/{userId}/settings/sendAs",
    ..GET_PROFILE
};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendAs {
    #[serde(default)]
    pub send_as_email: String,
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub is_primary: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendAsList {
    #[serde(default)]
    send_as: Vec<SendAs>,
}

impl Gmail {
    pub async fn send_as_list(&self) -> Result<Vec<SendAs>> {
        let l: SendAsList = self.call(&SEND_AS_LIST, &[], &[], None).await?;
        Ok(l.send_as)
    }
}
