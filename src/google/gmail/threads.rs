//! users.threads

use super::types::{ListThreadsResponse, ModifyRequest, Thread};
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

pub const LIST: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.threads.list",
    http_method: "GET",
    path: "gmail/v1/users/{userId}/threads",
    params: &[
        "userId",
        "q",
        "labelIds",
        "pageToken",
        "maxResults",
        "includeSpamTrash",
    ],
    quota_units: 10,
    idempotent: true,
};
pub const GET: Endpoint = Endpoint {
    id: "gmail.users.threads.get",
    path: "gmail/v1/users/{userId}/threads/{id}",
    params: &["userId", "id", "format", "metadataHeaders"],
    ..LIST
};
pub const MODIFY: Endpoint = Endpoint {
    id: "gmail.users.threads.modify",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/threads/{id}/modify",
    params: &["userId", "id"],
    ..LIST
};
pub const TRASH: Endpoint = Endpoint {
    id: "gmail.users.threads.trash",
    path: "gmail/v1/users/{userId}/threads/{id}/trash",
    ..MODIFY
};
pub const UNTRASH: Endpoint = Endpoint {
    id: "gmail.users.threads.untrash",
    path: "gmail/v1/users/{userId}/threads/{id}/untrash",
    ..MODIFY
};

pub const ALL: &[Endpoint] = &[LIST, GET, MODIFY, TRASH, UNTRASH];

impl Gmail {
    pub async fn threads_list(
        &self,
        q: Option<&str>,
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<ListThreadsResponse> {
        let mut query = vec![("maxResults", max_results.to_string())];
        if let Some(q) = q {
            query.push(("q", q.to_string()));
        }
        if let Some(t) = page_token {
            query.push(("pageToken", t.to_string()));
        }
        self.call(&LIST, &[], &query, None).await
    }

    pub async fn threads_get(&self, id: &str, format: &str) -> Result<Thread> {
        self.call(&GET, &[id], &[("format", format.to_string())], None)
            .await
    }

    pub async fn threads_modify(&self, id: &str, change: &ModifyRequest) -> Result<Thread> {
        let body = serde_json::to_value(change).map_err(crate::error::LibreOllamaError::json)?;
        self.call(&MODIFY, &[id], &[], Some(&body)).await
    }

    pub async fn threads_trash(&self, id: &str) -> Result<Thread> {
        self.call(&TRASH, &[id], &[], None).await
    }

    pub async fn threads_untrash(&self, id: &str) -> Result<Thread> {
        self.call(&UNTRASH, &[id], &[], None).await
    }
}
