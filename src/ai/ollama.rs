//! A small typed client for Ollama's native API: version, models (`/api/tags`, `/api/show`),
//! pull with streamed progress, delete, streaming chat (NDJSON) and embeddings (`/api/embed`).
//! ollama-rs was considered: its chat stream reports failures as `()` and drops `done_reason`,
//! and we must say why a reply stopped, so the wire types are written out here.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::openai::Timeouts;
use super::{ChatMessage, ChatOutcome, Finish, Options, Reply};
use crate::error::{LibreOllamaError, Result};

pub const DEFAULT_BASE: &str = "http://localhost:11434";

pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    timeouts: Timeouts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelDetails {
    pub format: String,
    pub family: String,
    pub parameter_size: String,
    pub quantization_level: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalModel {
    pub name: String,
    pub size: u64,
    pub digest: String,
    pub modified_at: String,
    pub details: ModelDetails,
}

#[derive(Deserialize)]
struct Tags {
    #[serde(default)]
    models: Vec<LocalModel>,
}

/// One line of `/api/pull` progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PullProgress {
    pub status: String,
    pub digest: Option<String>,
    pub total: Option<u64>,
    pub completed: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChatLine {
    message: Option<ChatMessage>,
    done: bool,
    done_reason: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorLine {
    error: Option<String>,
}

/// Splits a byte stream into lines (NDJSON), each with its own timeout.
struct Lines<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S, B> Lines<S>
where
    S: futures_util::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    /// `Ok(None)` at the end of the stream.
    async fn next(&mut self) -> std::result::Result<Option<String>, String> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if text.is_empty() {
                    continue;
                }
                return Ok(Some(text));
            }
            match self.stream.next().await {
                Some(Ok(chunk)) => self.buf.extend_from_slice(chunk.as_ref()),
                Some(Err(e)) => return Err(e.without_url().to_string()),
                None if self.buf.iter().all(u8::is_ascii_whitespace) => return Ok(None),
                None => {
                    let text = String::from_utf8_lossy(&self.buf).trim().to_string();
                    self.buf.clear();
                    return Ok(Some(text));
                }
            }
        }
    }
}

impl Client {
    pub fn new(base: &str, timeouts: Timeouts) -> Result<Self> {
        let (base, http) = super::endpoint(base, DEFAULT_BASE, timeouts.connect)?;
        Ok(Client {
            http,
            base,
            timeouts,
        })
    }

    fn url(&self, path: &str) -> url::Url {
        self.base.join(path).expect("a relative API path")
    }

    fn unreachable(&self, e: reqwest::Error) -> LibreOllamaError {
        LibreOllamaError::Network {
            service: "Ollama".into(),
            reason: format!(
                "nothing answered at {} ({}). Start Ollama (`ollama serve`, or open the Ollama app) or use another server (`libreollama ai servers`)",
                self.base,
                e.without_url()
            ),
        }
    }

    fn timed_out(&self, what: &str) -> LibreOllamaError {
        LibreOllamaError::Network {
            service: "Ollama".into(),
            reason: format!(
                "{} did not answer in time while {what}; it may still be loading the model",
                self.base
            ),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<reqwest::Response> {
        let resp = tokio::time::timeout(self.timeouts.first_token, req.send())
            .await
            .map_err(|_| self.timed_out(what))?
            .map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<ErrorLine>(&body)
            .ok()
            .and_then(|e| e.error)
            .unwrap_or_else(|| body.chars().take(200).collect());
        Err(LibreOllamaError::ModelServer {
            status: status.as_u16(),
            message: format!("{what}: {message}"),
        })
    }

    async fn json<T: serde::de::DeserializeOwned>(
        resp: reqwest::Response,
        what: &str,
    ) -> Result<T> {
        resp.json()
            .await
            .map_err(|e| LibreOllamaError::Serialization {
                format: format!("Ollama's {what}"),
                reason: e.without_url().to_string(),
            })
    }

    /// The server's version (also the health check).
    pub async fn version(&self) -> Result<String> {
        #[derive(Deserialize)]
        struct V {
            version: String,
        }
        let resp = self
            .send(
                self.http.get(self.url("api/version")),
                "checking the version",
            )
            .await?;
        Ok(Self::json::<V>(resp, "version").await?.version)
    }

    pub async fn models(&self) -> Result<Vec<LocalModel>> {
        let resp = self
            .send(self.http.get(self.url("api/tags")), "listing models")
            .await?;
        Ok(Self::json::<Tags>(resp, "model list").await?.models)
    }

    /// `/api/show`: the model's details, parameters and template as Ollama returns them.
    pub async fn show(&self, model: &str) -> Result<serde_json::Value> {
        let req = self
            .http
            .post(self.url("api/show"))
            .json(&serde_json::json!({ "model": model }));
        let resp = self.send(req, "showing a model").await?;
        Self::json(resp, "model details").await
    }

    /// The context a request gets: the model's trained length, capped at Ollama's default
    /// `num_ctx` (2,048), which is what it runs with unless told otherwise.
    pub async fn context_tokens(&self, model: &str) -> Option<u32> {
        let v = self.show(model).await.ok()?;
        let trained = v
            .get("model_info")?
            .as_object()?
            .iter()
            .find(|(k, _)| k.ends_with(".context_length"))
            .and_then(|(_, n)| n.as_u64())?;
        Some(trained.min(2_048) as u32)
    }

    pub async fn delete(&self, model: &str) -> Result<()> {
        let req = self
            .http
            .delete(self.url("api/delete"))
            .json(&serde_json::json!({ "model": model }));
        self.send(req, "deleting a model").await.map(|_| ())
    }

    /// Pulls a model, calling `on_progress` for each progress line. A failure the server reports
    /// mid-way (an `error` line) or a broken connection is an error naming the last step.
    pub async fn pull(
        &self,
        model: &str,
        cancel: &CancellationToken,
        mut on_progress: impl FnMut(&PullProgress),
    ) -> Result<()> {
        let req = self
            .http
            .post(self.url("api/pull"))
            .json(&serde_json::json!({ "model": model, "stream": true }));
        let resp = tokio::select! {
            _ = cancel.cancelled() => return Err(LibreOllamaError::Cancelled(format!("pulling {model}"))),
            r = self.send(req, "pulling a model") => r?,
        };
        let mut lines = Lines {
            stream: Box::pin(resp.bytes_stream()),
            buf: Vec::new(),
        };
        let mut last = String::from("starting");
        loop {
            let next = tokio::select! {
                _ = cancel.cancelled() => return Err(LibreOllamaError::Cancelled(format!("pulling {model}"))),
                n = tokio::time::timeout(self.timeouts.between_tokens, lines.next()) => n,
            };
            let line = match next {
                Err(_) => return Err(self.timed_out(&format!("pulling {model} ({last})"))),
                Ok(Err(e)) => {
                    return Err(LibreOllamaError::Network {
                        service: "Ollama".into(),
                        reason: format!("the download of {model} broke off at '{last}' ({e}); pull it again to resume"),
                    })
                }
                Ok(Ok(None)) => {
                    return Err(LibreOllamaError::Network {
                        service: "Ollama".into(),
                        reason: format!("the download of {model} ended at '{last}' without finishing; pull it again to resume"),
                    })
                }
                Ok(Ok(Some(l))) => l,
            };
            if let Ok(ErrorLine { error: Some(e) }) = serde_json::from_str::<ErrorLine>(&line) {
                return Err(LibreOllamaError::ModelServer {
                    status: 500,
                    message: format!("pulling {model} failed at '{last}': {e}"),
                });
            }
            let p: PullProgress = serde_json::from_str(&line).map_err(LibreOllamaError::json)?;
            last = p.status.clone();
            on_progress(&p);
            if p.status == "success" {
                return Ok(());
            }
        }
    }

    /// Streams a chat reply from `/api/chat`, as `openai::Client::chat_stream` does.
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
        let mut options = serde_json::Map::new();
        if let Some(n) = opts.max_tokens {
            options.insert("num_predict".into(), n.into());
        }
        if let Some(t) = opts.temperature {
            options.insert("temperature".into(), t.into());
        }
        if !options.is_empty() {
            body["options"] = options.into();
        }
        // Ollama takes the schema itself as `format` and constrains its output to it.
        if let Some(schema) = &opts.json_schema {
            body["format"] = schema.clone();
        }
        let req = self.http.post(self.url("api/chat")).json(&body);
        let resp = tokio::select! {
            _ = cancel.cancelled() => return Ok(reply.end(Finish::Cancelled)),
            r = self.send(req, "chat") => r?,
        };
        let mut lines = Lines {
            stream: Box::pin(resp.bytes_stream()),
            buf: Vec::new(),
        };
        loop {
            let wait = reply.patience(&self.timeouts);
            let next = tokio::select! {
                _ = cancel.cancelled() => return Ok(reply.end(Finish::Cancelled)),
                n = tokio::time::timeout(wait, lines.next()) => n,
            };
            let why = match next {
                Err(_) => format!("Ollama sent nothing for {} s", wait.as_secs()),
                Ok(Err(e)) => format!("the connection to Ollama broke ({e})"),
                Ok(Ok(None)) => "Ollama closed the reply before finishing it".to_string(),
                Ok(Ok(Some(line))) => {
                    // A line cut off or garbled mid-reply keeps the text so far, like a broken
                    // connection; before any text it is the typed error it is.
                    let l: ChatLine = match serde_json::from_str(&line) {
                        Ok(l) => l,
                        Err(e) if reply.text.is_empty() => return Err(LibreOllamaError::json(e)),
                        Err(e) => {
                            return reply.broke(
                                "Ollama",
                                format!("Ollama sent something unreadable ({e})"),
                                &self.base,
                            )
                        }
                    };
                    match l.error {
                        Some(e) => format!("Ollama stopped with an error: {e}"),
                        None => {
                            if let Some(piece) =
                                l.message.map(|m| m.content).filter(|c| !c.is_empty())
                            {
                                reply.push(&piece);
                                on_text(&piece);
                            }
                            if l.done {
                                let reason = l.done_reason.unwrap_or_else(|| "stop".into());
                                return Ok(reply.end(Finish::Complete { reason }));
                            }
                            continue;
                        }
                    }
                }
            };
            return reply.broke("Ollama", why, &self.base);
        }
    }

    /// `/api/embed`: one vector per input, in order.
    pub async fn embed(&self, model: &str, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        #[derive(Deserialize)]
        struct E {
            embeddings: Vec<Vec<f32>>,
        }
        let req = self
            .http
            .post(self.url("api/embed"))
            .json(&serde_json::json!({ "model": model, "input": inputs }));
        let resp = self.send(req, "computing embeddings").await?;
        let e: E = Self::json(resp, "embeddings").await?;
        if e.embeddings.len() != inputs.len() {
            return Err(LibreOllamaError::Serialization {
                format: "Ollama's embeddings".into(),
                reason: format!("{} vectors for {} inputs", e.embeddings.len(), inputs.len()),
            });
        }
        Ok(e.embeddings)
    }
}
