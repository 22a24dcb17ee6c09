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
