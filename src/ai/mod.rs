//! Local AI providers. `openai` speaks the OpenAI-compatible API that llama.cpp's server,
//! LM Studio, vLLM and Jan serve (models, streaming chat over server-sent events, embeddings).

pub mod openai;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// "system", "user" or "assistant".
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// How a streamed reply ended. A reply that was cancelled or broke off keeps what arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Finish {
    /// The model finished ("stop") or hit the token limit ("length").
    Complete {
        reason: String,
    },
    Cancelled,
    /// The server stopped answering mid-reply; the sentence says what happened.
    Broken(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatOutcome {
    pub text: String,
    pub finish: Finish,
    /// Pieces of text received (the server's chunks, about one per token).
    pub chunks: usize,
    pub first_token_ms: Option<f64>,
    pub total_ms: f64,
}
