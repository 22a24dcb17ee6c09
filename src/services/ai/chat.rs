//! Conversations with a model, kept in the store: create, rename, configure, search, delete;
//! send, regenerate and edit-and-resend, each streaming a reply that is saved as it grows.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{AiService, Ask};
use crate::ai::{ChatMessage, ChatOutcome, Finish, Options};
use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::model::{ChatMessageView, ChatRole, Conversation, MessageState};
use crate::store::{chats, new_id};

/// How often a streaming reply is saved while it grows.
const SAVE_EVERY: Duration = Duration::from_secs(2);

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

impl AiService {
    pub async fn create_conversation(
        &self,
        title: &str,
        endpoint_id: Option<String>,
        model: &str,
        system_prompt: &str,
    ) -> Result<Conversation> {
        let id = new_id("chat");
        let title = if title.trim().is_empty() {
            chats::UNTITLED.to_string()
        } else {
            title.trim().to_string()
        };
        let (id2, model, system) = (id.clone(), model.to_string(), system_prompt.to_string());
        self.store
            .write(move |c| {
                let new = chats::NewConversation {
                    id: &id2,
                    title: &title,
                    endpoint_id: endpoint_id.as_deref(),
                    model: &model,
                    system_prompt: &system,
                };
                chats::create(c, &new, now_unix())
            })
            .await?;
        self.conversation(&id).await
    }

    pub async fn conversation(&self, id: &str) -> Result<Conversation> {
        let id = id.to_string();
        self.store
            .read(move |c| {
                chats::get(c, &id)?.ok_or(LibreOllamaError::NotFound {
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
            .write(move |c| chats::rename(c, &id2, &title, now_unix()))
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
            .write(move |c| chats::configure(c, &id2, &ep, &model, &system, now_unix()))
            .await?;
        self.conversation(id).await
    }

    /// Deletes a conversation and its messages (the UI asks first).
    pub async fn delete_conversation(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.store.write(move |c| chats::delete(c, &id)).await
    }

    /// Newest first; `query` matches titles and message text.
    pub async fn conversations(&self, query: Option<String>) -> Result<Vec<Conversation>> {
        self.store
            .read(move |c| chats::search(c, query.as_deref()))
            .await
    }

    pub async fn messages(&self, conversation_id: &str) -> Result<Vec<ChatMessageView>> {
        let id = conversation_id.to_string();
        self.store.read(move |c| chats::messages(c, &id)).await
    }

    async fn save_reply(
        &self,
        id: i64,
        text: String,
        state: MessageState,
        note: Option<String>,
    ) -> Result<()> {
        self.store
            .write(move |c| chats::save_reply(c, id, &text, state, note.as_deref()))
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
        if last.role == ChatRole::Assistant {
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
            Some(m) if m.role == ChatRole::User => {}
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
            .write(move |c| chats::delete_messages_from(c, &cid, first))
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
                let user = user_text.as_deref().map(|t| (t, title_from(t)));
                chats::start_reply(
                    tx,
                    &cid,
                    user.as_ref().map(|(t, title)| (*t, title.as_str())),
                    now_unix(),
                )
            })
            .await?;
        let mut history = Vec::new();
        if !conv.system_prompt.is_empty() {
            history.push(ChatMessage::new("system", conv.system_prompt.clone()));
        }
        for m in self.messages(&conv.id).await? {
            if m.id != reply_id && !m.content.is_empty() {
                history.push(ChatMessage::new(m.role.as_str(), m.content));
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
                        MessageState::Complete,
                        Some("The reply reached the length limit.".to_string()),
                    ),
                    Finish::Complete { .. } => (MessageState::Complete, None),
                    Finish::Cancelled => {
                        (MessageState::Cancelled, Some("Stopped by you.".to_string()))
                    }
                    Finish::Broken(why) => (
                        MessageState::Failed,
                        Some(format!("The reply broke off: {why}.")),
                    ),
                };
                (o.text, state, note)
            }
            Err(e) => (String::new(), MessageState::Failed, Some(e.to_string())),
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
                    .write(move |c| chats::save_partial_reply(c, reply_id, &text))
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
