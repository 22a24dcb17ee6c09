//! Model servers, chats, and what the models produce from mail (answers, summaries, task
//! proposals), including requests streamed to the UI.

use super::DraftView;
use serde::{Deserialize, Serialize};

/// Which API a model server speaks. Stored as its text ("ollama", "openai").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    /// Ollama's own API (pull and delete models, version).
    #[default]
    Ollama,
    /// Any OpenAI-compatible server: llama.cpp, LM Studio, vLLM, Jan.
    OpenAi,
}

impl EndpointKind {
    pub const ALL: [EndpointKind; 2] = [EndpointKind::Ollama, EndpointKind::OpenAi];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "ollama",
            EndpointKind::OpenAi => "openai",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "Ollama",
            EndpointKind::OpenAi => "OpenAI-compatible (llama.cpp, LM Studio, vLLM, Jan)",
        }
    }

    /// Where a server of this kind usually listens on this computer.
    pub fn default_url(self) -> &'static str {
        match self {
            EndpointKind::Ollama => "http://localhost:11434",
            EndpointKind::OpenAi => "http://127.0.0.1:8080",
        }
    }
}

impl std::fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EndpointKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EndpointKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a kind of model server; choose ollama or openai (OpenAI-compatible: llama.cpp, LM Studio, vLLM, Jan)"
                )
            })
    }
}

/// A model server the user configured (the API key itself never leaves the vault).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiEndpoint {
    pub id: String,
    pub name: String,
    pub kind: EndpointKind,
    pub base_url: String,
    pub has_api_key: bool,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointHealth {
    pub endpoint_id: String,
    pub version: Option<String>,
    pub models: Vec<String>,
    /// What is wrong and what to do, when the server did not answer properly.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub title: String,
    pub endpoint_id: Option<String>,
    pub model: String,
    pub system_prompt: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Who says a message in a conversation. Stored, sent and given to the model server as its
/// text ("system", "user", "assistant").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    System,
    User,
    Assistant,
}

impl ChatRole {
    pub const ALL: [ChatRole; 3] = [ChatRole::System, ChatRole::User, ChatRole::Assistant];

    /// The stored name (the same as the serde name and the chat APIs' role).
    pub fn as_str(self) -> &'static str {
        match self {
            ChatRole::System => "system",
            ChatRole::User => "user",
            ChatRole::Assistant => "assistant",
        }
    }

    pub fn parse(s: &str) -> Option<ChatRole> {
        ChatRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where a message stands: a reply is `Streaming` while it arrives, then ends in one of the
/// others. Stored and sent as its text ("complete", "streaming", "cancelled", "failed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    Complete,
    Streaming,
    Cancelled,
    Failed,
}

impl MessageState {
    pub const ALL: [MessageState; 4] = [
        MessageState::Complete,
        MessageState::Streaming,
        MessageState::Cancelled,
        MessageState::Failed,
    ];

    /// The stored name (the same as the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Complete => "complete",
            MessageState::Streaming => "streaming",
            MessageState::Cancelled => "cancelled",
            MessageState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<MessageState> {
        MessageState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageView {
    pub id: i64,
    pub role: ChatRole,
    pub content: String,
    pub state: MessageState,
    /// Why a reply stopped early, in a sentence.
    pub note: Option<String>,
    pub created_at: i64,
}

/// A model on a server, with what Ollama tells about it (other servers give the name only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub name: String,
    pub size_bytes: Option<u64>,
    pub family: Option<String>,
    pub parameter_size: Option<String>,
    pub quantization: Option<String>,
}

/// A task a model found in a mail, for the user to review before it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskProposal {
    pub title: String,
    /// YYYY-MM-DD: task due dates are dates, never instants.
    pub due: Option<String>,
    pub notes: String,
}

/// A mail an answer was drawn from; `n` is the number the answer cites it by ([n]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSource {
    pub n: usize,
    pub message_id: String,
    pub thread_id: String,
    pub subject: String,
    pub from: String,
    pub date_ms: i64,
    pub cited: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailAnswer {
    pub text: String,
    pub sources: Vec<AnswerSource>,
}

/// How much of an account's mail has vectors for "ask your mailbox", and from which model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexStatus {
    pub endpoint_id: String,
    pub model: String,
    pub indexed: u64,
    pub total: u64,
}

/// What a finished streaming request produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LiveResult {
    Reply(ChatMessageView),
    Summary(String),
    Draft(DraftView),
    Answer(MailAnswer),
}

/// A streaming request as the UI polls it: the text so far, and once done the result or why
/// it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveView {
    pub text: String,
    pub done: bool,
    pub result: Option<LiveResult>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wasm client and the server exchange these by name, and the database stores the same
    /// names: a renamed variant must not change them.
    #[test]
    fn roles_and_states_keep_their_names() {
        assert_eq!(
            ChatRole::ALL.map(ChatRole::as_str),
            ["system", "user", "assistant"]
        );
        assert_eq!(
            MessageState::ALL.map(MessageState::as_str),
            ["complete", "streaming", "cancelled", "failed"]
        );
        for r in ChatRole::ALL {
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert_eq!(ChatRole::parse(r.as_str()), Some(r));
        }
        for st in MessageState::ALL {
            assert_eq!(
                serde_json::to_string(&st).unwrap(),
                format!("\"{}\"", st.as_str())
            );
            assert_eq!(MessageState::parse(st.as_str()), Some(st));
        }
    }
}
