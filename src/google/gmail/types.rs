//! Gmail resources, field names as in the discovery document (camelCase on the wire).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Label {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub label_type: Option<String>,
    pub message_list_visibility: Option<String>,
    pub label_list_visibility: Option<String>,
    pub messages_total: Option<i64>,
    pub messages_unread: Option<i64>,
    pub threads_total: Option<i64>,
    pub threads_unread: Option<i64>,
    pub color: Option<LabelColor>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelColor {
    pub text_color: Option<String>,
    pub background_color: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListLabelsResponse {
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessagePartBody {
    pub attachment_id: Option<String>,
    pub size: Option<i64>,
    /// base64url
    pub data: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessagePart {
    pub part_id: Option<String>,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
    pub headers: Vec<Header>,
    pub body: Option<MessagePartBody>,
    pub parts: Vec<MessagePart>,
}

/// Numbers Google sends as strings (int64/uint64 in the discovery document).
mod str_num {
    use serde::{Deserialize, Deserializer};
    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum N {
            S(String),
            I(i64),
        }
        Ok(match Option::<N>::deserialize(d)? {
            None => None,
            Some(N::I(i)) => Some(i),
            Some(N::S(s)) => s.parse().ok(),
        })
    }
}

/// Gmail's history id: a uint64 in the discovery document, sent as a decimal string. Kept as the
/// string and ordered numerically, so ids longer than 64 bits (the emulator sends 21 digits)
/// still compare right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct HistoryId(pub String);

impl HistoryId {
    fn digits(&self) -> &str {
        let t = self.0.trim_start_matches('0');
        if t.is_empty() {
            "0"
        } else {
            t
        }
    }
}

impl Ord for HistoryId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.digits(), other.digits());
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    }
}

impl PartialOrd for HistoryId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<'de> Deserialize<'de> for HistoryId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum N {
            S(String),
            U(u64),
        }
        let s = match N::deserialize(d)? {
            N::S(s) => s,
            N::U(u) => u.to_string(),
        };
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(serde::de::Error::custom(format!(
                "history id {s:?} is not a number"
            )));
        }
        Ok(HistoryId(s))
    }
}

impl std::fmt::Display for HistoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    pub snippet: Option<String>,
    pub history_id: Option<HistoryId>,
    #[serde(deserialize_with = "str_num::opt")]
    pub internal_date: Option<i64>,
    pub size_estimate: Option<i64>,
    pub payload: Option<MessagePart>,
    /// base64url RFC 822 message (format=raw).
    pub raw: Option<String>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.payload
            .as_ref()?
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListMessagesResponse {
    pub messages: Vec<Message>,
    pub next_page_token: Option<String>,
    pub result_size_estimate: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Thread {
    pub id: String,
    pub snippet: Option<String>,
    pub history_id: Option<HistoryId>,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListThreadsResponse {
    pub threads: Vec<Thread>,
    pub next_page_token: Option<String>,
    pub result_size_estimate: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    pub email_address: String,
    pub messages_total: Option<i64>,
    pub threads_total: Option<i64>,
    pub history_id: Option<HistoryId>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryMessage {
    pub message: Message,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryLabel {
    pub message: Message,
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct History {
    pub id: Option<HistoryId>,
    pub messages: Vec<Message>,
    pub messages_added: Vec<HistoryMessage>,
    pub messages_deleted: Vec<HistoryMessage>,
    pub labels_added: Vec<HistoryLabel>,
    pub labels_removed: Vec<HistoryLabel>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListHistoryResponse {
    pub history: Vec<History>,
    pub next_page_token: Option<String>,
    pub history_id: Option<HistoryId>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_label_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_label_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_ids_order_numerically_at_any_length() {
        let h = |s: &str| HistoryId(s.into());
        assert!(h("9") < h("10"));
        assert!(h("176400000000012345678") > h("18446744073709551615"));
        assert_eq!(h("007").cmp(&h("7")), std::cmp::Ordering::Equal);
        let m: Message = serde_json::from_str(r#"{"id":"a","threadId":"t","historyId":"176400000000012345678","internalDate":"1700000000000"}"#).unwrap();
        assert_eq!(m.history_id.unwrap().0, "176400000000012345678");
        assert_eq!(m.internal_date, Some(1_700_000_000_000));
        assert!(serde_json::from_str::<HistoryId>(r#""12a""#).is_err());
    }
}
