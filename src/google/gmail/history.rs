//! users.history

use super::types::{HistoryId, ListHistoryResponse};
use super::Gmail;
use crate::error::Result;
use crate::google::endpoints::Endpoint;

pub const LIST: Endpoint = Endpoint {
    api: "gmail",
    id: "gmail.users.history.list",
    http_method: "GET",
    path: "gmail/v1/users/{userId}/history",
    params: &[
        "userId",
        "startHistoryId",
        "pageToken",
        "maxResults",
        "historyTypes",
    ],
    quota_units: 2,
    idempotent: true,
};

pub const ALL: &[Endpoint] = &[LIST];

impl Gmail {
    /// Changes since `start_history_id`. A 404 (GoogleApi status 404) means the id is too old:
    /// the caller must do a full re-sync.
    pub async fn history_list(
        &self,
        start_history_id: &HistoryId,
        page_token: Option<&str>,
    ) -> Result<ListHistoryResponse> {
        let mut q = vec![
            ("startHistoryId", start_history_id.to_string()),
            ("maxResults", "500".to_string()),
        ];
        for t in [
            "messageAdded",
            "messageDeleted",
            "labelAdded",
            "labelRemoved",
        ] {
            q.push(("historyTypes", t.to_string()));
        }
        if let Some(t) = page_token {
            q.push(("pageToken", t.to_string()));
        }
        self.call(&LIST, &[], &q, None).await
    }
}
