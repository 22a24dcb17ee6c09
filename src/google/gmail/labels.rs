//! users.labels

use super::types::{Label, ListLabelsResponse};
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

const fn ep(
    id: &'static str,
    m: &'static str,
    path: &'static str,
    units: u32,
    idem: bool,
) -> Endpoint {
    Endpoint {
        api: "gmail",
        id,
        http_method: m,
        path,
        params: &["userId"],
        quota_units: units,
        idempotent: idem,
    }
}

pub const LIST: Endpoint = ep(
    "gmail.users.labels.list",
    "GET",
    "gmail/v1/users/{userId}/labels",
    1,
    true,
);
pub const GET: Endpoint = Endpoint {
    params: &["userId", "id"],
    ..ep(
        "gmail.users.labels.get",
        "GET",
        "gmail/v1/users/{userId}/labels/{id}",
        1,
        true,
    )
};
pub const CREATE: Endpoint = ep(
    "gmail.users.labels.create",
    "POST",
    "gmail/v1/users/{userId}/labels",
    5,
    false,
);
pub const PATCH: Endpoint = Endpoint {
    params: &["userId", "id"],
    ..ep(
        "gmail.users.labels.patch",
        "PATCH",
        "gmail/v1/users/{userId}/labels/{id}",
        5,
        true,
    )
};
pub const DELETE: Endpoint = Endpoint {
    params: &["userId", "id"],
    ..ep(
        "gmail.users.labels.delete",
        "DELETE",
        "gmail/v1/users/{userId}/labels/{id}",
        5,
        true,
    )
};

pub const ALL: &[Endpoint] = &[LIST, GET, CREATE, PATCH, DELETE];

impl Gmail {
    pub async fn labels_list(&self) -> Result<Vec<Label>> {
        Ok(self
            .call::<ListLabelsResponse>(&LIST, &[], &[], None)
            .await?
            .labels)
    }

    pub async fn labels_get(&self, id: &str) -> Result<Label> {
        self.call(&GET, &[id], &[], None).await
    }

    pub async fn labels_create(&self, name: &str) -> Result<Label> {
        let body = serde_json::json!({"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"});
        self.call(&CREATE, &[], &[], Some(&body)).await
    }

    pub async fn labels_patch(&self, id: &str, name: &str) -> Result<Label> {
        self.call(&PATCH, &[id], &[], Some(&serde_json::json!({"name": name})))
            .await
    }

    pub async fn labels_delete(&self, id: &str) -> Result<()> {
        self.call::<serde_json::Value>(&DELETE, &[id], &[], None)
            .await
            .map(|_| ())
    }
}
