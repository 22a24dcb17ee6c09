//! users.messages and users.messages.attachments

use super::types::{ListMessagesResponse, Message, MessagePartBody, ModifyRequest};
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

pub const LIST: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.messages.list",
    http_method: "GET",
    path: "gmail/v1/users/{userId}/messages",
    params: &[
        "userId",
        "q",
        "labelIds",
        "pageToken",
        "maxResults",
        "includeSpamTrash",
    ],
    quota_units: 5,
    idempotent: true,
};
pub const GET: Endpoint = Endpoint {
    id: "gmail.users.messages.get",
    path: "gmail/v1/users/{userId}/messages/{id}",
    params: &["userId", "id", "format", "metadataHeaders"],
    ..LIST
};
pub const MODIFY: Endpoint = Endpoint {
    id: "gmail.users.messages.modify",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/messages/{id}/modify",
    params: &["userId", "id"],
    ..LIST
};
pub const BATCH_MODIFY: Endpoint = Endpoint {
    id: "gmail.users.messages.batchModify",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/messages/batchModify",
    params: &["userId"],
    quota_units: 50,
    ..LIST
};
pub const TRASH: Endpoint = Endpoint {
    id: "gmail.users.messages.trash",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/messages/{id}/trash",
    params: &["userId", "id"],
    ..LIST
};
pub const UNTRASH: Endpoint = Endpoint {
    id: "gmail.users.messages.untrash",
    path: "gmail/v1/users/{userId}/messages/{id}/untrash",
    ..TRASH
};
pub const ATTACHMENTS_GET: Endpoint = Endpoint {
    id: "gmail.users.messages.attachments.get",
    path: "gmail/v1/users/{userId}/messages/{messageId}/attachments/{id}",
    params: &["userId", "messageId", "id"],
    ..LIST
};

pub const ALL: &[Endpoint] = &[
    LIST,
    GET,
    MODIFY,
    BATCH_MODIFY,
    TRASH,
    UNTRASH,
    ATTACHMENTS_GET,
];

/// Query parameters of messages.list.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: Option<String>,
    pub label_ids: Vec<String>,
    pub page_token: Option<String>,
    pub max_results: Option<u32>,
    pub include_spam_trash: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Minimal,
    Metadata,
    Full,
    Raw,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Minimal => "minimal",
            Format::Metadata => "metadata",
            Format::Full => "full",
            Format::Raw => "raw",
        }
    }
}

impl Gmail {
    pub async fn messages_list(&self, p: &ListParams) -> Result<ListMessagesResponse> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(v) = &p.q {
            q.push(("q", v.clone()));
        }
        for l in &p.label_ids {
            q.push(("labelIds", l.clone()));
        }
        if let Some(t) = &p.page_token {
            q.push(("pageToken", t.clone()));
        }
        if let Some(m) = p.max_results {
            q.push(("maxResults", m.to_string()));
        }
        if p.include_spam_trash {
            q.push(("includeSpamTrash", "true".into()));
        }
        self.call(&LIST, &[], &q, None).await
    }

    pub async fn messages_get(
        &self,
        id: &str,
        format: Format,
        metadata_headers: &[&str],
    ) -> Result<Message> {
        let mut q = vec![("format", format.as_str().to_string())];
        for h in metadata_headers {
            q.push(("metadataHeaders", h.to_string()));
        }
        self.call(&GET, &[id], &q, None).await
    }

    /// messages.get for many ids in batch requests of at most 50; one result per id, in order.
    pub async fn messages_get_batch(
        &self,
        ids: &[String],
        format: Format,
        metadata_headers: &[&str],
    ) -> Result<Vec<Result<Message>>> {
        let mut q = vec![("format", format.as_str().to_string())];
        for h in metadata_headers {
            q.push(("metadataHeaders", h.to_string()));
        }
        let urls = ids
            .iter()
            .map(|id| self.url(&GET, &[id], &q))
            .collect::<Result<Vec<_>>>()?;
        let batch = self.batch_url()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in urls.chunks(crate::google::client::MAX_BATCH) {
            let answers = self
                .client
                .batch_get(&self.account_id, &batch, &GET, chunk)
                .await?;
            out.extend(answers.into_iter().map(|r| {
                r.and_then(|v| {
                    serde_json::from_value(v).map_err(crate::error::LibreOllamaError::json)
                })
            }));
        }
        Ok(out)
    }

    pub async fn messages_modify(&self, id: &str, change: &ModifyRequest) -> Result<Message> {
        let body = serde_json::to_value(change).map_err(crate::error::LibreOllamaError::json)?;
        self.call(&MODIFY, &[id], &[], Some(&body)).await
    }

    pub async fn messages_batch_modify(
        &self,
        ids: &[String],
        change: &ModifyRequest,
    ) -> Result<()> {
        let mut body =
            serde_json::to_value(change).map_err(crate::error::LibreOllamaError::json)?;
        body["ids"] = serde_json::json!(ids);
        self.call::<serde_json::Value>(&BATCH_MODIFY, &[], &[], Some(&body))
            .await
            .map(|_| ())
    }

    pub async fn messages_trash(&self, id: &str) -> Result<Message> {
        self.call(&TRASH, &[id], &[], None).await
    }

    pub async fn messages_untrash(&self, id: &str) -> Result<Message> {
        self.call(&UNTRASH, &[id], &[], None).await
    }

    pub async fn attachments_get(&self, message_id: &str, id: &str) -> Result<MessagePartBody> {
        self.call(&ATTACHMENTS_GET, &[message_id, id], &[], None)
            .await
    }
}
