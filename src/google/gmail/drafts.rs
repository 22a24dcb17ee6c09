//! users.drafts, and users.messages.send: mail leaves as an RFC 822 message, base64url in
//! `raw` (the JSON form of the media upload the discovery document allows).

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::types::Message;
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

pub const CREATE: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.drafts.create",
    http_method: "POST",
    path: "gmail/v1/users/{userId}/drafts",
    params: &["userId"],
    quota_units: 10,
    // A repeated create makes a second draft: the caller decides.
    idempotent: false,
};
pub const UPDATE: Endpoint = Endpoint {
    id: "gmail.users.drafts.update",
    http_method: "PUT",
    path: "gmail/v1/users/{userId}/drafts/{id}",
    params: &["userId", "id"],
    quota_units: 15,
    idempotent: true,
    ..CREATE
};
pub const DELETE: Endpoint = Endpoint {
    id: "gmail.users.drafts.delete",
    http_method: "DELETE",
    quota_units: 10,
    ..UPDATE
};
pub const GET: Endpoint = Endpoint {
    id: "gmail.users.drafts.get",
    http_method: "GET",
    params: &["userId", "id", "format"],
    quota_units: 5,
    ..UPDATE
};
pub const SEND: Endpoint = Endpoint {
    id: "gmail.users.drafts.send",
    path: "gmail/v1/users/{userId}/drafts/send",
    quota_units: 100,
    ..CREATE
};
pub const MESSAGES_SEND: Endpoint = Endpoint {
    id: "gmail.users.messages.send",
    path: "gmail/v1/users/{userId}/messages/send",
    quota_units: 100,
    // Never retried blindly: the outbox searches Sent for the Message-ID first.
    idempotent: false,
    ..CREATE
};

pub const LIST: Endpoint = Endpoint {
    id: "gmail.users.drafts.list",
    http_method: "GET",
    params: &["userId", "maxResults", "pageToken"],
    quota_units: 5,
    idempotent: true,
    ..CREATE
};

pub const ALL: &[Endpoint] = &[CREATE, UPDATE, DELETE, GET, LIST, SEND, MESSAGES_SEND];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftPage {
    #[serde(default)]
    drafts: Vec<Draft>,
    next_page_token: Option<String>,
}

/// More drafts than anyone keeps; the list stops there rather than paging on for ever (and
/// then nothing is taken as deleted at Gmail).
const MAX_DRAFTS: usize = 5_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    #[serde(default)]
    pub id: String,
    pub message: Option<Message>,
}

fn message_body(raw: &[u8], thread_id: Option<&str>) -> serde_json::Value {
    let mut m = serde_json::json!({
        "raw": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
    });
    if let Some(t) = thread_id {
        m["threadId"] = t.into();
    }
    m
}

impl Gmail {
    /// Sends an RFC 822 message; `thread_id` files it in the conversation it answers.
    pub async fn messages_send(&self, raw: &[u8], thread_id: Option<&str>) -> Result<Message> {
        self.call(
            &MESSAGES_SEND,
            &[],
            &[],
            Some(&message_body(raw, thread_id)),
        )
        .await
    }

    pub async fn drafts_create(&self, raw: &[u8], thread_id: Option<&str>) -> Result<Draft> {
        let body = serde_json::json!({ "message": message_body(raw, thread_id) });
        self.call(&CREATE, &[], &[], Some(&body)).await
    }

    pub async fn drafts_update(
        &self,
        id: &str,
        raw: &[u8],
        thread_id: Option<&str>,
    ) -> Result<Draft> {
        let body = serde_json::json!({ "id": id, "message": message_body(raw, thread_id) });
        self.call(&UPDATE, &[id], &[], Some(&body)).await
    }

    pub async fn drafts_get(&self, id: &str) -> Result<Draft> {
        self.call(&GET, &[id], &[("format", "minimal".into())], None)
            .await
    }

    /// Gmail's copy with its whole message (`message.raw`).
    pub async fn drafts_get_raw(&self, id: &str) -> Result<Draft> {
        self.call(&GET, &[id], &[("format", "raw".into())], None)
            .await
    }

    /// The drafts in Gmail's Drafts (id, and the message's id and conversation), and whether
    /// that is all of them (false: more than [`MAX_DRAFTS`], the list was cut).
    pub async fn drafts_list(&self) -> Result<(Vec<Draft>, bool)> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("maxResults", "500".to_string())];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: DraftPage = self.call(&LIST, &[], &q, None).await?;
            all.extend(page.drafts);
            match page.next_page_token {
                Some(t) if !t.is_empty() && all.len() < MAX_DRAFTS => token = Some(t),
                Some(t) if !t.is_empty() => return Ok((all, false)),
                _ => return Ok((all, true)),
            }
        }
    }

    pub async fn drafts_delete(&self, id: &str) -> Result<()> {
        self.call::<serde_json::Value>(&DELETE, &[id], &[], None)
            .await
            .map(|_| ())
    }

    /// Sends a draft as it is stored at Gmail (Gmail removes the draft).
    pub async fn drafts_send(&self, id: &str) -> Result<Message> {
        self.call(&SEND, &[], &[], Some(&serde_json::json!({ "id": id })))
            .await
    }
}
