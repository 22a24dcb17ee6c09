//! Local AI providers. `ollama` speaks Ollama's native API; `openai` speaks the OpenAI-compatible API that llama.cpp's server,
//! LM Studio, vLLM and Jan serve (models, streaming chat over server-sent events, embeddings).

pub mod chunk;
pub mod ollama;
pub mod openai;

use std::time::Instant;

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

/// How to ask: a token limit, a JSON schema the answer must follow (servers that support it
/// constrain their output to it), and the sampling temperature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Options {
    pub max_tokens: Option<u32>,
    pub json_schema: Option<serde_json::Value>,
    pub temperature: Option<f32>,
}

impl Options {
    pub fn max_tokens(n: u32) -> Options {
        Options {
            max_tokens: Some(n),
            ..Options::default()
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

/// A streamed reply as it arrives: the text so far, how many pieces, when the first came.
pub(crate) struct Reply {
    text: String,
    chunks: usize,
    first_token_ms: Option<f64>,
    started: Instant,
}

impl Reply {
    pub(crate) fn start() -> Reply {
        Reply {
            text: String::new(),
            chunks: 0,
            first_token_ms: None,
            started: Instant::now(),
        }
    }

    /// How long to wait for the next piece: longer before the first (the prompt is read).
    pub(crate) fn patience(&self, t: &openai::Timeouts) -> std::time::Duration {
        if self.first_token_ms.is_none() {
            t.first_token
        } else {
            t.between_tokens
        }
    }

    pub(crate) fn push(&mut self, piece: &str) {
        if self.first_token_ms.is_none() {
            self.first_token_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
        }
        self.chunks += 1;
        self.text.push_str(piece);
    }

    pub(crate) fn end(self, finish: Finish) -> ChatOutcome {
        ChatOutcome {
            total_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            text: self.text,
            finish,
            chunks: self.chunks,
            first_token_ms: self.first_token_ms,
        }
    }

    /// The stream broke: an error if nothing arrived, else the text with what happened.
    pub(crate) fn broke(
        self,
        service: &str,
        why: String,
        base: &url::Url,
    ) -> crate::error::Result<ChatOutcome> {
        if self.text.is_empty() {
            return Err(crate::error::LibreOllamaError::Network {
                service: service.into(),
                reason: format!("{why} ({base})"),
            });
        }
        Ok(self.end(Finish::Broken(why)))
    }
}

/// The server root as a URL ending in `/`, and an HTTP client that gives up connecting after
/// `connect`. `example` is shown when `base` is not an address.
pub(crate) fn endpoint(
    base: &str,
    example: &str,
    connect: std::time::Duration,
) -> crate::error::Result<(url::Url, reqwest::Client)> {
    use crate::error::LibreOllamaError;
    let root = base.trim().trim_end_matches('/');
    let url = url::Url::parse(&format!("{root}/")).map_err(|e| {
        LibreOllamaError::InvalidInput(format!(
            "'{base}' is not a server address ({e}); write it like {example}"
        ))
    })?;
    let http = reqwest::Client::builder()
        .connect_timeout(connect)
        .build()
        .map_err(|e| LibreOllamaError::Internal(format!("HTTP client: {e}")))?;
    Ok((url, http))
}
