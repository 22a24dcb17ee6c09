//! Client for OpenAI-compatible model servers: `/v1/models`, `/v1/chat/completions` with
//! streaming (server-sent events), `/v1/embeddings`. Every wait is bounded: connecting, the first
//! token, and each later chunk; cancelling stops at once and keeps what arrived.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::{ChatMessage, ChatOutcome, Finish, Options, Reply};
use crate::error::{LibreOllamaError, Result};
use crate::vault::SecretString;

#[derive(Debug, Clone)]
pub struct Timeouts {
    pub connect: Duration,
    /// From sending the request to the first piece of the reply (includes reading the prompt).
    pub first_token: Duration,
    /// Between two pieces of a reply once it flows.
    pub between_tokens: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            first_token: Duration::from_secs(120),
            between_tokens: Duration::from_secs(60),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    api_key: Option<SecretString>,
    timeouts: Timeouts,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    #[serde(default)]
    pub owned_by: Option<String>,
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelInfo>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct EmbeddingList {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    index: usize,
    embedding: Vec<f32>,
}

impl Client {
    /// `base` is the server root, e.g. `http://127.0.0.1:8080` (a trailing `/v1` is accepted).
    pub fn new(base: &str, api_key: Option<SecretString>, timeouts: Timeouts) -> Result<Self> {
        let trimmed = base.trim().trim_end_matches('/');
        let root = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
        let (base, http) = super::endpoint(root, "http://127.0.0.1:8080", timeouts.connect)?;
        Ok(Client {
            http,
            base,
            api_key,
            timeouts,
        })
    }

    fn url(&self, path: &str) -> url::Url {
        self.base.join(path).expect("a relative API path")
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match &self.api_key {
            Some(k) => r.bearer_auth(k.expose()),
            None => r,
        }
    }

    /// The error for a server that cannot be reached, saying what to start and where.
    fn unreachable(&self, e: reqwest::Error) -> LibreOllamaError {
        LibreOllamaError::Network {
            service: "the model server".into(),
            reason: format!(
                "nothing answered at {} ({}). Start the server there (for example llama.cpp's llama-server, LM Studio or Jan) or use another server (`libreollama ai servers`)",
                self.base,
                e.without_url()
            ),
        }
    }

    async fn check(&self, resp: reqwest::Response, what: &str) -> Result<reqwest::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.pointer("/error/message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| body.chars().take(200).collect());
        Err(LibreOllamaError::ModelServer {
            status: status.as_u16(),
            message: format!("{what}: {message}"),
        })
    }

    pub async fn models(&self) -> Result<Vec<ModelInfo>> {
        let resp = tokio::time::timeout(
            self.timeouts.first_token,
            self.request(reqwest::Method::GET, "v1/models").send(),
        )
        .await
        .map_err(|_| self.timed_out("listing models"))?
        .map_err(|e| self.unreachable(e))?;
        let resp = self.check(resp, "listing models").await?;
        let list: ModelList = resp
            .json()
            .await
            .map_err(|e| LibreOllamaError::Serialization {
                format: "model list".into(),
                reason: e.without_url().to_string(),
            })?;
        Ok(list.data)
    }

    fn timed_out(&self, what: &str) -> LibreOllamaError {
        LibreOllamaError::Network {
            service: "the model server".into(),
            reason: format!(
                "{} did not answer in time while {what}; it may be overloaded or still loading the model",
                self.base
            ),
        }
    }

    /// Streams a chat reply, calling `on_text` with each piece as it arrives. Errors before the
    /// first piece are returned; after it, the outcome keeps the text and says how it ended.
    pub async fn chat_stream(
        &self,
        model: &str,
        messages: &[ChatMessage],
        opts: &Options,
        cancel: &CancellationToken,
        mut on_text: impl FnMut(&str),
    ) -> Result<ChatOutcome> {
        let mut reply = Reply::start();
        let mut body = serde_json::json!({
            "model": model,
            "messages": messages,
            "stream": true,
        });
        if let Some(n) = opts.max_tokens {
            body["max_tokens"] = n.into();
        }
        if let Some(t) = opts.temperature {
            body["temperature"] = t.into();
        }
        if let Some(schema) = &opts.json_schema {
            body["response_format"] = serde_json::json!({
                "type": "json_schema",
                "json_schema": { "name": "answer", "schema": schema, "strict": true },
            });
        }
        let send = self
            .request(reqwest::Method::POST, "v1/chat/completions")
            .json(&body)
            .send();
        let resp = tokio::select! {
            _ = cancel.cancelled() => return Ok(reply.end(Finish::Cancelled)),
            r = tokio::time::timeout(self.timeouts.first_token, send) => r
                .map_err(|_| self.timed_out("starting a reply"))?
                .map_err(|e| self.unreachable(e))?,
        };
        let resp = self.check(resp, "chat").await?;
        let mut events = resp.bytes_stream().eventsource();
        loop {
            let wait = reply.patience(&self.timeouts);
            let next = tokio::select! {
                _ = cancel.cancelled() => return Ok(reply.end(Finish::Cancelled)),
                n = tokio::time::timeout(wait, events.next()) => n,
            };
            let event = match next {
                Err(_) => format!("the model server sent nothing for {} s", wait.as_secs()),
                Ok(None) => "the model server closed the reply before finishing it".to_string(),
                Ok(Some(Err(e))) => format!("the connection to the model server broke ({e})"),
                Ok(Some(Ok(ev))) if ev.data.trim() == "[DONE]" => {
                    let reason = "stop".to_string();
                    return Ok(reply.end(Finish::Complete { reason }));
                }
                Ok(Some(Ok(ev))) => match serde_json::from_str::<Chunk>(&ev.data) {
                    Err(e) => format!("the model server sent something unreadable ({e})"),
                    Ok(chunk) => {
                        for choice in chunk.choices {
                            if let Some(piece) = choice.delta.content.filter(|p| !p.is_empty()) {
                                reply.push(&piece);
                                on_text(&piece);
                            }
                            if let Some(reason) = choice.finish_reason {
                                return Ok(reply.end(Finish::Complete { reason }));
                            }
                        }
                        continue;
                    }
                },
            };
            return reply.broke("the model server", event, &self.base);
        }
    }

    /// The context each request gets, in tokens, where the server says so (llama.cpp's
    /// `/props`); None for servers without it.
    pub async fn context_tokens(&self) -> Option<u32> {
        let send = self.request(reqwest::Method::GET, "props").send();
        let resp = tokio::time::timeout(self.timeouts.first_token, send)
            .await
            .ok()?
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let v: serde_json::Value = resp.json().await.ok()?;
        v.pointer("/default_generation_settings/n_ctx")
            .and_then(|n| n.as_u64())
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0)
    }

    /// One vector per input, in input order.
    pub async fn embeddings(&self, model: &str, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        let send = self
            .request(reqwest::Method::POST, "v1/embeddings")
            .json(&serde_json::json!({ "model": model, "input": inputs }))
            .send();
        let resp = tokio::time::timeout(self.timeouts.first_token, send)
            .await
            .map_err(|_| self.timed_out("computing embeddings"))?
            .map_err(|e| self.unreachable(e))?;
        let resp = self.check(resp, "embeddings").await?;
        let mut list: EmbeddingList =
            resp.json()
                .await
                .map_err(|e| LibreOllamaError::Serialization {
                    format: "embeddings".into(),
                    reason: e.without_url().to_string(),
                })?;
        list.data.sort_by_key(|d| d.index);
        if list.data.len() != inputs.len() {
            return Err(LibreOllamaError::Serialization {
                format: "embeddings".into(),
                reason: format!("{} vectors for {} inputs", list.data.len(), inputs.len()),
            });
        }
        Ok(list.data.into_iter().map(|d| d.embedding).collect())
    }
}
