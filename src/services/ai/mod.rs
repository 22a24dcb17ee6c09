//! Model servers and chat: configured endpoints (default Ollama on this computer) with health
//! checks, and conversations kept in the store. A reply streams to the caller and is written to
//! the store every couple of seconds and at the end — never per token; a cancelled or failed
//! reply keeps what arrived and says why.
//!
//! `endpoints` holds the servers and their models, `chat` the conversations, `mail` the AI on
//! mail (summaries, drafted replies, tasks), `ask` "ask your mailbox" (vectors and answers),
//! `live` the streaming requests the UI follows.

mod ask;
mod chat;
mod endpoints;
mod live;
mod mail;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::ai::openai::Timeouts;
use crate::ai::{ollama, openai, ChatMessage, ChatOutcome, Options};
use crate::error::Result;
use crate::model::LiveResult;
use crate::services::jobs::Jobs;
use crate::store::Store;
use crate::vault::Vault;

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
            .write(|c| crate::store::chats::recover_interrupted(c).map(|_| ()))
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
}
