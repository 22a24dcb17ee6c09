//! Model servers and chat: configured endpoints (default Ollama on this computer) with health
//! checks, and conversations kept in the store. A reply streams to the caller and is written to
//! the store every couple of seconds and at the end — never per token; a cancelled or failed
//! reply keeps what arrived and says why.

mod live;
mod mail;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, OptionalExtension};
use tokio_util::sync::CancellationToken;

use crate::ai::openai::Timeouts;
use crate::ai::{ollama, openai, ChatMessage, ChatOutcome, Finish, Options};
use crate::error::{LibreOllamaError, Result};
use crate::model::{
    AiEndpoint, ChatMessageView, Conversation, EndpointHealth, LiveResult, ModelSummary,
};
use crate::services::jobs::Jobs;
use crate::store::{now_unix, Store};
use crate::vault::{Aad, SecretString, Vault};

/// Longest summary, in tokens.
const SUMMARY_TOKENS: u32 = 300;

/// How often a streaming reply is saved while it grows.
const SAVE_EVERY: Duration = Duration::from_secs(2);

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

fn key_aad(id: &str) -> Aad<'_> {
    Aad {
        table: "ai_endpoints",
        column: "api_key_encrypted",
        row_id: id,
    }
}

/// The first line of a message, shortened at a word to about 48 characters.
fn title_from(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    if line.chars().count() <= 48 {
        return line.to_string();
    }
    let cut: String = line.chars().take(48).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{}…", cut.trim_end())
}

use crate::store::new_id;

/// What to ask which model.
struct Ask<'a> {
    endpoint_id: &'a str,
    model: &'a str,
    history: &'a [ChatMessage],
    opts: Options,
}

enum Provider {
    Ollama(ollama::Client),
    OpenAi(openai::Client),
}

pub struct AiService {
    store: Store,
    vault: Arc<Vault>,
    pub timeouts: Timeouts,
    /// Model pulls and mail indexing, shown like the mail jobs (progress, cancel).
    pub jobs: Jobs,
    /// Streaming requests the UI follows.
    pub live: live::Live,
}

fn endpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AiEndpoint> {
    Ok(AiEndpoint {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        base_url: r.get(3)?,
        has_api_key: r.get::<_, Option<Vec<u8>>>(4)?.is_some(),
        is_default: r.get(5)?,
    })
}

fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        endpoint_id: r.get(2)?,
        model: r.get(3)?,
        system_prompt: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const CONVERSATION_COLS: &str =
    "id, title, endpoint_id, model, system_prompt, created_at, updated_at";

impl AiService {
    pub fn new(store: Store, vault: Arc<Vault>) -> Self {
        AiService {
            store,
            vault,
            timeouts: Timeouts::default(),
            jobs: Jobs::default(),
            live: live::Live::default(),
        }
    }

    /// Replies that were still arriving when the app stopped keep their text and say so.
    pub async fn recover_interrupted(&self) -> Result<()> {
        self.store
            .write(|c| {
                c.execute(
                    "UPDATE chat_messages SET state = 'failed', note = 'The app closed while this reply was arriving.' \
                     WHERE state = 'streaming'",
                    [],
                )
                .map_err(db("recovering replies"))?;
                Ok(())
            })
            .await
    }

    /// Starts a chat request in the background for the UI to follow with `live.poll`:
    /// `edit` = (message id, new text), `text` = a new message, neither = regenerate.
    pub fn start_reply(
        self: &Arc<Self>,
        conversation_id: String,
        text: Option<String>,
        edit: Option<i64>,
    ) -> u64 {
        let me = self.clone();
        self.live.start(move |slot| async move {
            let on = |p: &str| slot.push(p);
            let r = match (edit, text) {
                (Some(id), Some(t)) => {
                    me.edit_and_resend(&conversation_id, id, &t, None, &slot.cancel, on)
                        .await
                }
                (_, Some(t)) => me.send(&conversation_id, &t, None, &slot.cancel, on).await,
                (_, None) => {
                    me.regenerate(&conversation_id, None, &slot.cancel, on)
                        .await
                }
            };
            r.map(LiveResult::Reply)
        })
    }

    pub fn start_summary(self: &Arc<Self>, account: String, thread_id: String) -> u64 {
        let me = self.clone();
        self.live.start(move |slot| async move {
            me.summarize_thread(&account, &thread_id, None, &slot.cancel, |p| slot.push(p))
                .await
                .map(LiveResult::Summary)
        })
    }

    pub fn start_draft(
        self: &Arc<Self>,
        account: String,
        thread_id: String,
        guidance: Option<String>,
    ) -> u64 {
        let me = self.clone();
        self.live.start(move |slot| async move {
            me.draft_reply(&account, &thread_id, guidance, &slot.cancel, |p| {
                slot.push(p)
            })
            .await
            .map(LiveResult::Draft)
        })
    }

    pub fn start_answer(self: &Arc<Self>, account: String, question: String) -> u64 {
        let me = self.clone();
        self.live.start(move |slot| async move {
            me.ask_mail(&account, &question, &slot.cancel, |p| slot.push(p))
                .await
                .map(LiveResult::Answer)
        })
    }

    /// The configured servers; the first time, Ollama on this computer is added as the default.
    pub async fn endpoints(&self) -> Result<Vec<AiEndpoint>> {
        self.store
            .write(|c| {
                let n: i64 = c
                    .query_row("SELECT count(*) FROM ai_endpoints", [], |r| r.get(0))
                    .map_err(db("reading model servers"))?;
                if n == 0 {
                    let now = now_unix();
                    c.execute(
                        "INSERT INTO ai_endpoints (id, name, kind, base_url, is_default, created_at, updated_at) \
                         VALUES ('ollama-local', 'Ollama on this computer', 'ollama', ?1, 1, ?2, ?2)",
                        params![ollama::DEFAULT_BASE, now],
                    )
                    .map_err(db("adding the default model server"))?;
                }
                let mut st = c
                    .prepare(
                        "SELECT id, name, kind, base_url, api_key_encrypted, is_default FROM ai_endpoints \
                         ORDER BY is_default DESC, created_at",
                    )
                    .map_err(db("reading model servers"))?;
                let rows = st.query_map([], endpoint_row).map_err(db("reading model servers"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading model servers"))
            })
            .await
    }

    pub async fn add_endpoint(
        &self,
        name: &str,
        kind: &str,
        base_url: &str,
        api_key: Option<SecretString>,
    ) -> Result<AiEndpoint> {
        // The default Ollama entry exists before any other, so adding one never leaves the
        // app without a default.
        self.endpoints().await?;
        if !matches!(kind, "ollama" | "openai") {
            return Err(LibreOllamaError::InvalidInput(format!(
                "'{kind}' is not a kind of model server; choose ollama or openai (OpenAI-compatible: llama.cpp, LM Studio, vLLM, Jan)"
            )));
        }
        let url = url::Url::parse(base_url.trim()).map_err(|e| {
            LibreOllamaError::InvalidInput(format!(
                "'{base_url}' is not an address ({e}); write it like http://127.0.0.1:8080"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(LibreOllamaError::InvalidInput(format!(
                "'{base_url}' must be an http:// or https:// address with a host"
            )));
        }
        let name = if name.trim().is_empty() {
            url.host_str().unwrap_or("Model server").to_string()
        } else {
            name.trim().to_string()
        };
        let id = new_id("ep");
        let sealed = api_key
            .filter(|k| !k.expose().is_empty())
            .map(|k| self.vault.seal_secret(key_aad(&id), &k))
            .transpose()?;
        let (kind, base) = (
            kind.to_string(),
            url.as_str().trim_end_matches('/').to_string(),
        );
        let id2 = id.clone();
        self.store
            .write(move |c| {
                let now = now_unix();
                c.execute(
                    "INSERT INTO ai_endpoints (id, name, kind, base_url, api_key_encrypted, is_default, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
                    params![id2, name, kind, base, sealed, now],
                )
                .map_err(db("adding a model server"))?;
                Ok(())
            })
            .await?;
        self.endpoints()
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| LibreOllamaError::Internal("the new model server vanished".into()))
    }

    pub async fn remove_endpoint(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store
            .write(move |c| {
                c.execute("DELETE FROM ai_endpoints WHERE id = ?1", [&id])
                    .map_err(db("removing a model server"))?;
                // Removing the default hands that role to the oldest server left.
                c.execute(
                    "UPDATE ai_endpoints SET is_default = 1 WHERE id = (SELECT id FROM ai_endpoints ORDER BY created_at, id LIMIT 1) \
                     AND NOT EXISTS (SELECT 1 FROM ai_endpoints WHERE is_default = 1)",
                    [],
                )
                .map_err(db("removing a model server"))?;
                Ok(())
            })
            .await
    }

    pub async fn set_default(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store
            .transaction(move |tx| {
                let found = tx
                    .execute(
                        "UPDATE ai_endpoints SET is_default = (id = ?1) WHERE id IS NOT NULL",
                        [&id],
                    )
                    .map_err(db("choosing the default model server"))?;
                if found == 0 {
                    return Err(LibreOllamaError::NotFound {
                        what: format!("Model server {id}"),
                    });
                }
                Ok(())
            })
            .await
    }

    async fn provider(&self, id: &str) -> Result<(AiEndpoint, Provider)> {
        let id_owned = id.to_string();
        let row: Option<(AiEndpoint, Option<Vec<u8>>)> = self
            .store
            .read(move |c| {
                c.query_row(
                    "SELECT id, name, kind, base_url, api_key_encrypted, is_default FROM ai_endpoints WHERE id = ?1",
                    [&id_owned],
                    |r| Ok((endpoint_row(r)?, r.get(4)?)),
                )
                .optional()
                .map_err(db("reading a model server"))
            })
            .await?;
        let (ep, sealed) = row.ok_or_else(|| LibreOllamaError::NotFound {
            what: format!("Model server {id} (see `libreollama ai servers`)"),
        })?;
        let key = sealed
            .map(|s| self.vault.open_secret(key_aad(&ep.id), &s))
            .transpose()?;
        let p = match ep.kind.as_str() {
            "ollama" => Provider::Ollama(ollama::Client::new(&ep.base_url, self.timeouts.clone())?),
            _ => Provider::OpenAi(openai::Client::new(
                &ep.base_url,
                key,
                self.timeouts.clone(),
            )?),
        };
        Ok((ep, p))
    }

    /// Asks the server for its version (Ollama) and its models; never fails: the error says
    /// what to start and where.
    pub async fn health(&self, id: &str) -> Result<EndpointHealth> {
        let (ep, p) = self.provider(id).await?;
        let mut h = EndpointHealth {
            endpoint_id: ep.id.clone(),
            version: None,
            models: Vec::new(),
            error: None,
        };
        let r: Result<()> = async {
            match &p {
                Provider::Ollama(c) => {
                    h.version = Some(c.version().await?);
                    h.models = c.models().await?.into_iter().map(|m| m.name).collect();
                }
                Provider::OpenAi(c) => {
                    h.models = c.models().await?.into_iter().map(|m| m.id).collect();
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = r {
            h.error = Some(e.to_string());
        }
        Ok(h)
    }

    /// The server's models, with size, family and quantisation where the server says them.
    pub async fn models(&self, endpoint_id: &str) -> Result<Vec<ModelSummary>> {
        let (_, p) = self.provider(endpoint_id).await?;
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        Ok(match p {
            Provider::Ollama(c) => c
                .models()
                .await?
                .into_iter()
                .map(|m| ModelSummary {
                    name: m.name,
                    size_bytes: Some(m.size),
                    family: nonempty(m.details.family),
                    parameter_size: nonempty(m.details.parameter_size),
                    quantization: nonempty(m.details.quantization_level),
                })
                .collect(),
            Provider::OpenAi(c) => c
                .models()
                .await?
                .into_iter()
                .map(|m| ModelSummary {
                    name: m.id,
                    size_bytes: None,
                    family: None,
                    parameter_size: None,
                    quantization: None,
                })
                .collect(),
        })
    }

    /// Starts pulling `model` onto an Ollama server as a job (bytes done of total, cancel).
    pub async fn pull_model(self: &Arc<Self>, endpoint_id: &str, model: &str) -> Result<u64> {
        let (ep, p) = self.provider(endpoint_id).await?;
        let Provider::Ollama(client) = p else {
            return Err(LibreOllamaError::InvalidInput(format!(
                "{} is not an Ollama server; add models to it with its own tools",
                ep.name
            )));
        };
        if model.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "which model? e.g. llama3.2".into(),
            ));
        }
        let job = self
            .jobs
            .start(
                format!("Pulling {model}"),
                format!("pull:{}:{model}", ep.id),
            )
            .ok_or_else(|| {
                LibreOllamaError::InvalidInput(format!("{model} is already being pulled"))
            })?;
        let id = job.id;
        let model = model.trim().to_string();
        tokio::spawn(async move {
            let progress = job.progress.clone();
            let r = client
                .pull(&model, &job.cancel, |p| {
                    if let (Some(done), Some(total)) = (p.completed, p.total) {
                        progress.set_total(total);
                        progress.set_done(done);
                    }
                })
                .await;
            job.finish(r.map(|()| format!("{model} is ready.")));
        });
        Ok(id)
    }

    pub async fn delete_model(&self, endpoint_id: &str, model: &str) -> Result<()> {
        match self.provider(endpoint_id).await? {
            (_, Provider::Ollama(c)) => c.delete(model).await,
            (ep, Provider::OpenAi(_)) => Err(LibreOllamaError::InvalidInput(format!(
                "{} is not an Ollama server; remove models with its own tools",
                ep.name
            ))),
        }
    }

    pub async fn default_endpoint(&self) -> Result<AiEndpoint> {
        self.endpoints()
            .await?
            .into_iter()
            .find(|e| e.is_default)
            .ok_or_else(|| {
                LibreOllamaError::Config(
                    "no model server; add one with `libreollama ai add-server`".into(),
                )
            })
    }

    /// The server (`server`, else the default) and a model on it (`model`, else its first),
    /// having checked that the server answers.
    pub async fn pick(
        &self,
        server: Option<String>,
        model: Option<String>,
    ) -> Result<(String, String)> {
        let server = match server {
            Some(s) => s,
            None => self.default_endpoint().await?.id,
        };
        let h = self.health(&server).await?;
        if let Some(e) = h.error {
            return Err(LibreOllamaError::Config(e));
        }
        let model = match model {
            Some(m) => m,
            None => h.models.first().cloned().ok_or_else(|| {
                LibreOllamaError::Config(format!(
                    "{server} has no models; pull one (for Ollama: `ollama pull llama3.2`)"
                ))
            })?,
        };
        Ok((server, model))
    }

    /// Whether AI may read this account's mail (off until the user turns it on).
    pub async fn mail_enabled(&self, account: &str) -> Result<bool> {
        let key = format!("ai.mail.{account}");
        Ok(self
            .store
            .read(move |c| crate::store::settings::get::<bool>(c, &key))
            .await?
            .unwrap_or(false))
    }

    pub async fn set_mail_enabled(&self, account: &str, on: bool) -> Result<()> {
        let key = format!("ai.mail.{account}");
        self.store
            .write(move |c| crate::store::settings::set(c, &key, &on))
            .await
    }

    /// One reply from whichever kind of server `ask` names, pieces to `on_text`.
    async fn complete(
        &self,
        ask: Ask<'_>,
        cancel: &CancellationToken,
        on_text: impl FnMut(&str),
    ) -> Result<ChatOutcome> {
        let (_, provider) = self.provider(ask.endpoint_id).await?;
        let Ask {
            model,
            history,
            opts,
            ..
        } = ask;
        match &provider {
            Provider::Ollama(c) => c.chat_stream(model, history, &opts, cancel, on_text).await,
            Provider::OpenAi(c) => c.chat_stream(model, history, &opts, cancel, on_text).await,
        }
    }

    pub async fn create_conversation(
        &self,
        title: &str,
        endpoint_id: Option<String>,
        model: &str,
        system_prompt: &str,
    ) -> Result<Conversation> {
        let id = new_id("chat");
        let title = if title.trim().is_empty() {
            "New chat".to_string()
        } else {
            title.trim().to_string()
        };
        let (id2, model, system) = (id.clone(), model.to_string(), system_prompt.to_string());
        self.store
            .write(move |c| {
                let now = now_unix();
                c.execute(
                    "INSERT INTO chat_conversations (id, title, endpoint_id, model, system_prompt, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![id2, title, endpoint_id, model, system, now],
                )
                .map_err(db("starting a conversation"))?;
                Ok(())
            })
            .await?;
        self.conversation(&id).await
    }

    pub async fn conversation(&self, id: &str) -> Result<Conversation> {
        let id = id.to_string();
        self.store
            .read(move |c| {
                c.query_row(
                    &format!("SELECT {CONVERSATION_COLS} FROM chat_conversations WHERE id = ?1"),
                    [&id],
                    conversation_row,
                )
                .optional()
                .map_err(db("reading a conversation"))?
                .ok_or(LibreOllamaError::NotFound {
                    what: format!("Conversation {id}"),
                })
            })
            .await
    }

    pub async fn rename_conversation(&self, id: &str, title: &str) -> Result<Conversation> {
        if title.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "a conversation needs a title".into(),
            ));
        }
        let (id2, title) = (id.to_string(), title.trim().to_string());
        self.store
            .write(move |c| {
                c.execute(
                    "UPDATE chat_conversations SET title = ?1, updated_at = ?2 WHERE id = ?3",
                    params![title, now_unix(), id2],
                )
                .map_err(db("renaming a conversation"))?;
                Ok(())
            })
            .await?;
        self.conversation(id).await
    }

    /// Chooses the server, model and system prompt of a conversation.
    pub async fn configure_conversation(
        &self,
        id: &str,
        endpoint_id: &str,
        model: &str,
        system_prompt: &str,
    ) -> Result<Conversation> {
        self.provider(endpoint_id).await?;
        if model.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput("choose a model".into()));
        }
        let (id2, ep, model, system) = (
            id.to_string(),
            endpoint_id.to_string(),
            model.trim().to_string(),
            system_prompt.to_string(),
        );
        self.store
            .write(move |c| {
                c.execute(
                    "UPDATE chat_conversations SET endpoint_id = ?1, model = ?2, system_prompt = ?3, updated_at = ?4 WHERE id = ?5",
                    params![ep, model, system, now_unix(), id2],
                )
                .map_err(db("changing a conversation"))?;
                Ok(())
            })
            .await?;
        self.conversation(id).await
    }

    /// Deletes a conversation and its messages (the UI asks first).
    pub async fn delete_conversation(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store
            .write(move |c| {
                c.execute("DELETE FROM chat_conversations WHERE id = ?1", [&id])
                    .map_err(db("deleting a conversation"))?;
                Ok(())
            })
            .await
    }

    /// Newest first; `query` matches titles and message text.
    pub async fn conversations(&self, query: Option<String>) -> Result<Vec<Conversation>> {
        self.store
            .read(move |c| {
                let pattern = query
                    .filter(|q| !q.trim().is_empty())
                    .map(|q| format!("%{}%", q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
                let mut st = c
                    .prepare(&format!(
                        "SELECT {CONVERSATION_COLS} FROM chat_conversations cv WHERE ?1 IS NULL \
                         OR cv.title LIKE ?1 ESCAPE '\\' \
                         OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.conversation_id = cv.id AND m.content LIKE ?1 ESCAPE '\\') \
                         ORDER BY cv.updated_at DESC, cv.rowid DESC"
                    ))
                    .map_err(db("searching conversations"))?;
                let rows = st
                    .query_map([pattern], conversation_row)
                    .map_err(db("searching conversations"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("searching conversations"))
            })
            .await
    }

    pub async fn messages(&self, conversation_id: &str) -> Result<Vec<ChatMessageView>> {
        let id = conversation_id.to_string();
        self.store
            .read(move |c| {
                let mut st = c
                    .prepare(
                        "SELECT id, role, content, state, note, created_at FROM chat_messages \
                         WHERE conversation_id = ?1 ORDER BY id",
                    )
                    .map_err(db("reading a conversation"))?;
                let rows = st
                    .query_map([&id], |r| {
                        Ok(ChatMessageView {
                            id: r.get(0)?,
                            role: r.get(1)?,
                            content: r.get(2)?,
                            state: r.get(3)?,
                            note: r.get(4)?,
                            created_at: r.get(5)?,
                        })
                    })
                    .map_err(db("reading a conversation"))?;
                rows.collect::<std::result::Result<_, _>>()
                    .map_err(db("reading a conversation"))
            })
            .await
    }

    async fn save_reply(
        &self,
        id: i64,
        text: String,
        state: &'static str,
        note: Option<String>,
    ) -> Result<()> {
        self.store
            .write(move |c| {
                c.execute(
                    "UPDATE chat_messages SET content = ?1, state = ?2, note = ?3 WHERE id = ?4",
                    params![text, state, note, id],
                )
                .map_err(db("saving a reply"))?;
                Ok(())
            })
            .await
    }

    /// Sends `text` in the conversation and streams the reply to `on_text`. The user's message
    /// is stored first; the reply is stored as it grows (every 2 s) and when it ends.
    pub async fn send(
        &self,
        conversation_id: &str,
        text: &str,
        max_tokens: Option<u32>,
        cancel: &CancellationToken,
        on_text: impl FnMut(&str),
    ) -> Result<ChatMessageView> {
        if text.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "the message is empty".into(),
            ));
        }
        self.reply(conversation_id, Some(text), max_tokens, cancel, on_text)
            .await
    }

    /// Replaces the last reply with a new one to the same messages.
    pub async fn regenerate(
        &self,
        conversation_id: &str,
        max_tokens: Option<u32>,
        cancel: &CancellationToken,
        on_text: impl FnMut(&str),
    ) -> Result<ChatMessageView> {
        let msgs = self.messages(conversation_id).await?;
        let last = msgs.last().ok_or_else(|| {
            LibreOllamaError::InvalidInput("there is nothing to answer yet".into())
        })?;
        if last.role == "assistant" {
            self.delete_messages_from(conversation_id, last.id).await?;
        }
        self.reply(conversation_id, None, max_tokens, cancel, on_text)
            .await
    }

    /// Edit-and-resend: the user's message `message_id` is replaced by `text`, what followed it
    /// is removed, and a new reply streams.
    pub async fn edit_and_resend(
        &self,
        conversation_id: &str,
        message_id: i64,
        text: &str,
        max_tokens: Option<u32>,
        cancel: &CancellationToken,
        on_text: impl FnMut(&str),
    ) -> Result<ChatMessageView> {
        if text.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "the message is empty".into(),
            ));
        }
        let msgs = self.messages(conversation_id).await?;
        match msgs.iter().find(|m| m.id == message_id) {
            Some(m) if m.role == "user" => {}
            Some(_) => {
                return Err(LibreOllamaError::InvalidInput(
                    "only your own messages can be edited".into(),
                ))
            }
            None => {
                return Err(LibreOllamaError::NotFound {
                    what: format!("Message {message_id} in this conversation"),
                })
            }
        }
        self.delete_messages_from(conversation_id, message_id)
            .await?;
        self.reply(conversation_id, Some(text), max_tokens, cancel, on_text)
            .await
    }

    async fn delete_messages_from(&self, conversation_id: &str, first: i64) -> Result<()> {
        let cid = conversation_id.to_string();
        self.store
            .write(move |c| {
                c.execute(
                    "DELETE FROM chat_messages WHERE conversation_id = ?1 AND id >= ?2",
                    params![cid, first],
                )
                .map_err(db("removing messages"))?;
                Ok(())
            })
            .await
    }

    async fn reply(
        &self,
        conversation_id: &str,
        text: Option<&str>,
        max_tokens: Option<u32>,
        cancel: &CancellationToken,
        mut on_text: impl FnMut(&str),
    ) -> Result<ChatMessageView> {
        let conv = self.conversation(conversation_id).await?;
        let endpoint_id = match conv.endpoint_id.clone() {
            Some(e) => e,
            None => self.default_endpoint().await?.id,
        };
        if conv.model.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "this conversation has no model yet; choose one".into(),
            ));
        }
        let (cid, user_text) = (conv.id.clone(), text.map(str::to_string));
        let reply_id: i64 = self
            .store
            .transaction(move |tx| {
                let now = now_unix();
                if let Some(t) = user_text {
                    tx.execute(
                        "INSERT INTO chat_messages (conversation_id, role, content, created_at) VALUES (?1, 'user', ?2, ?3)",
                        params![cid, t, now],
                    )
                    .map_err(db("saving your message"))?;
                    // A new chat is named after its first message until the user renames it.
                    tx.execute(
                        "UPDATE chat_conversations SET title = ?1 WHERE id = ?2 AND title = 'New chat'",
                        params![title_from(&t), cid],
                    )
                    .map_err(db("saving your message"))?;
                }
                tx.execute(
                    "INSERT INTO chat_messages (conversation_id, role, content, state, created_at) VALUES (?1, 'assistant', '', 'streaming', ?2)",
                    params![cid, now],
                )
                .map_err(db("saving your message"))?;
                let id = tx.last_insert_rowid();
                tx.execute(
                    "UPDATE chat_conversations SET updated_at = ?1 WHERE id = ?2",
                    params![now, cid],
                )
                .map_err(db("saving your message"))?;
                Ok(id)
            })
            .await?;
        let mut history = Vec::new();
        if !conv.system_prompt.is_empty() {
            history.push(ChatMessage::new("system", conv.system_prompt.clone()));
        }
        for m in self.messages(&conv.id).await? {
            if m.id != reply_id && !m.content.is_empty() {
                history.push(ChatMessage::new(&m.role, m.content));
            }
        }
        let ask = Ask {
            endpoint_id: &endpoint_id,
            model: &conv.model,
            history: &history,
            opts: Options {
                max_tokens,
                ..Options::default()
            },
        };
        let outcome = self.stream_reply(ask, reply_id, cancel, &mut on_text).await;
        let (content, state, note) = match outcome {
            Ok(o) => {
                let (state, note) = match &o.finish {
                    Finish::Complete { reason } if reason == "length" => (
                        "complete",
                        Some("The reply reached the length limit.".to_string()),
                    ),
                    Finish::Complete { .. } => ("complete", None),
                    Finish::Cancelled => ("cancelled", Some("Stopped by you.".to_string())),
                    Finish::Broken(why) => ("failed", Some(format!("The reply broke off: {why}."))),
                };
                (o.text, state, note)
            }
            Err(e) => (String::new(), "failed", Some(e.to_string())),
        };
        self.save_reply(reply_id, content, state, note).await?;
        self.messages(conversation_id)
            .await?
            .into_iter()
            .find(|m| m.id == reply_id)
            .ok_or_else(|| LibreOllamaError::Internal("the reply vanished".into()))
    }

    async fn stream_reply(
        &self,
        ask: Ask<'_>,
        reply_id: i64,
        cancel: &CancellationToken,
        on_text: &mut impl FnMut(&str),
    ) -> Result<ChatOutcome> {
        // Pieces are forwarded at once; the store sees the text every SAVE_EVERY, from a task
        // that never blocks the stream.
        let (tx, mut rx) = tokio::sync::watch::channel(String::new());
        let store = self.store.clone();
        let saver = tokio::spawn(async move {
            let mut last = Instant::now();
            while rx.changed().await.is_ok() {
                if last.elapsed() < SAVE_EVERY {
                    tokio::time::sleep(SAVE_EVERY - last.elapsed()).await;
                }
                let text = rx.borrow_and_update().clone();
                last = Instant::now();
                let _ = store
                    .write(move |c| {
                        c.execute(
                            "UPDATE chat_messages SET content = ?1 WHERE id = ?2 AND state = 'streaming'",
                            params![text, reply_id],
                        )
                        .map_err(db("saving a reply"))?;
                        Ok(())
                    })
                    .await;
            }
        });
        let forward = |piece: &str| {
            // Appended in place: no copy of the whole text per piece.
            tx.send_modify(|text| text.push_str(piece));
            on_text(piece);
        };
        let r = self.complete(ask, cancel, forward).await;
        // The final save follows at once; a periodic save still in flight only writes while the
        // row is 'streaming', so it can never overwrite the final text.
        saver.abort();
        r
    }
}
