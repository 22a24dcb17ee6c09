//! Server functions for model servers, chat and AI on mail. Streaming work starts in the
//! background and returns an id; the UI polls `ai_live` for the text so far.

use dioxus::prelude::*;

use super::ApiResult;
#[cfg(feature = "server")]
use super::{host, ApiError};
use crate::model::{
    AiEndpoint, ChatMessageView, Conversation, EndpointHealth, EndpointKind, IndexStatus, JobView,
    LiveView, ModelSummary, TaskProposal,
};

#[get("/api/ai/endpoints")]
pub async fn ai_endpoints() -> ApiResult<Vec<AiEndpoint>> {
    host::guarded(async move { Ok(host::services().await?.ai.endpoints().await?) }).await
}

#[post("/api/ai/endpoints/add")]
pub async fn ai_add_endpoint(
    name: String,
    kind: EndpointKind,
    url: String,
    api_key: Option<String>,
) -> ApiResult<AiEndpoint> {
    host::guarded(async move {
        let key = api_key
            .filter(|k| !k.trim().is_empty())
            .map(|k| crate::vault::SecretString::new(k.trim()));
        Ok(host::services()
            .await?
            .ai
            .add_endpoint(&name, kind, &url, key)
            .await?)
    })
    .await
}

#[post("/api/ai/endpoints/remove")]
pub async fn ai_remove_endpoint(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.ai.remove_endpoint(&id).await?) }).await
}

#[post("/api/ai/endpoints/default")]
pub async fn ai_set_default(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.ai.set_default(&id).await?) }).await
}

#[post("/api/ai/endpoints/health")]
pub async fn ai_health(id: String) -> ApiResult<EndpointHealth> {
    host::guarded(async move { Ok(host::services().await?.ai.health(&id).await?) }).await
}

#[post("/api/ai/models")]
pub async fn ai_models(endpoint_id: String) -> ApiResult<Vec<ModelSummary>> {
    host::guarded(async move { Ok(host::services().await?.ai.models(&endpoint_id).await?) }).await
}

#[post("/api/ai/models/pull")]
pub async fn ai_pull_model(endpoint_id: String, model: String) -> ApiResult<u64> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .pull_model(&endpoint_id, model.trim())
            .await?)
    })
    .await
}

#[post("/api/ai/models/delete")]
pub async fn ai_delete_model(endpoint_id: String, model: String) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .delete_model(&endpoint_id, &model)
            .await?)
    })
    .await
}

/// Model pulls and mail indexing, with progress.
#[get("/api/ai/jobs")]
pub async fn ai_jobs() -> ApiResult<Vec<JobView>> {
    host::guarded(async move { Ok(host::services().await?.ai.jobs.list()) }).await
}

#[post("/api/ai/jobs/cancel")]
pub async fn ai_cancel_job(id: u64) -> ApiResult<bool> {
    host::guarded(async move { Ok(host::services().await?.ai.jobs.cancel(id)) }).await
}

#[post("/api/ai/mail/enabled")]
pub async fn ai_mail_enabled(account: String) -> ApiResult<bool> {
    host::guarded(async move { Ok(host::services().await?.ai.mail_enabled(&account).await?) }).await
}

#[post("/api/ai/mail/set-enabled")]
pub async fn ai_set_mail_enabled(account: String, on: bool) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .set_mail_enabled(&account, on)
            .await?)
    })
    .await
}

#[get("/api/ai/embedding-model")]
pub async fn ai_embedding_model() -> ApiResult<(String, String)> {
    host::guarded(async move { Ok(host::services().await?.ai.embedding_model().await?) }).await
}

#[post("/api/ai/embedding-model")]
pub async fn ai_set_embedding_model(endpoint_id: String, model: String) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .set_embedding_model(&endpoint_id, &model)
            .await?)
    })
    .await
}

#[post("/api/ai/index/status")]
pub async fn ai_index_status(account: String) -> ApiResult<IndexStatus> {
    host::guarded(async move { Ok(host::services().await?.ai.index_status(&account).await?) }).await
}

#[post("/api/ai/index/start")]
pub async fn ai_start_indexing(account: String) -> ApiResult<u64> {
    host::guarded(async move { Ok(host::services().await?.ai.start_indexing(&account).await?) })
        .await
}

#[post("/api/chat/list")]
pub async fn chat_list(query: Option<String>) -> ApiResult<Vec<Conversation>> {
    host::guarded(async move { Ok(host::services().await?.ai.conversations(query).await?) }).await
}

/// A new conversation on the default server and its first model (or the given ones).
#[post("/api/chat/create")]
pub async fn chat_create(
    endpoint_id: Option<String>,
    model: Option<String>,
) -> ApiResult<Conversation> {
    host::guarded(async move {
        let ai = &host::services().await?.ai;
        // An untouched new chat is reused rather than piling up empty ones.
        for c in ai.conversations(None).await? {
            if c.title == "New chat" && ai.messages(&c.id).await?.is_empty() {
                return Ok(c);
            }
        }
        let (endpoint, model) = ai.pick(endpoint_id, model).await?;
        Ok(ai
            .create_conversation("New chat", Some(endpoint), &model, "")
            .await?)
    })
    .await
}

#[post("/api/chat/rename")]
pub async fn chat_rename(id: String, title: String) -> ApiResult<Conversation> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .rename_conversation(&id, &title)
            .await?)
    })
    .await
}

#[post("/api/chat/configure")]
pub async fn chat_configure(
    id: String,
    endpoint_id: String,
    model: String,
    system_prompt: String,
) -> ApiResult<Conversation> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .configure_conversation(&id, &endpoint_id, &model, &system_prompt)
            .await?)
    })
    .await
}

#[post("/api/chat/delete")]
pub async fn chat_delete(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.ai.delete_conversation(&id).await?) })
        .await
}

#[post("/api/chat/messages")]
pub async fn chat_messages(id: String) -> ApiResult<Vec<ChatMessageView>> {
    host::guarded(async move { Ok(host::services().await?.ai.messages(&id).await?) }).await
}

/// Starts a reply: `text` alone sends a message, with `edit` it replaces that message and
/// what followed, neither regenerates the last reply. Returns the id to poll.
#[post("/api/chat/send")]
pub async fn chat_send(id: String, text: Option<String>, edit: Option<i64>) -> ApiResult<u64> {
    host::guarded(async move {
        let s = host::services().await?;
        if let Some(t) = &text {
            if t.trim().is_empty() {
                return Err(ApiError::from(
                    crate::error::LibreOllamaError::InvalidInput("the message is empty".into()),
                ));
            }
        }
        // Fails early (unknown conversation) instead of inside the background task.
        s.ai.conversation(&id).await?;
        Ok(s.ai.start_reply(id, text, edit))
    })
    .await
}

#[post("/api/ai/live")]
pub async fn ai_live(id: u64) -> ApiResult<LiveView> {
    host::guarded(async move { Ok(host::services().await?.ai.live.poll(id)?) }).await
}

#[post("/api/ai/live/cancel")]
pub async fn ai_live_cancel(id: u64) -> ApiResult<()> {
    host::guarded(async move {
        host::services().await?.ai.live.cancel(id);
        Ok(())
    })
    .await
}

#[post("/api/ai/summarize")]
pub async fn ai_summarize(account: String, thread_id: String) -> ApiResult<u64> {
    host::guarded(async move {
        let s = host::services().await?;
        s.ai.mail_allowed(&account).await?;
        Ok(s.ai.start_summary(account, thread_id))
    })
    .await
}

#[post("/api/ai/draft")]
pub async fn ai_draft_reply(
    account: String,
    thread_id: String,
    guidance: Option<String>,
) -> ApiResult<u64> {
    host::guarded(async move {
        let s = host::services().await?;
        s.ai.mail_allowed(&account).await?;
        Ok(s.ai.start_draft(account, thread_id, guidance))
    })
    .await
}

#[post("/api/ai/ask")]
pub async fn ai_ask(account: String, question: String) -> ApiResult<u64> {
    host::guarded(async move {
        let s = host::services().await?;
        s.ai.mail_allowed(&account).await?;
        if question.trim().is_empty() {
            return Err(ApiError::from(
                crate::error::LibreOllamaError::InvalidInput("type a question first".into()),
            ));
        }
        Ok(s.ai.start_answer(account, question))
    })
    .await
}

#[post("/api/ai/tasks/extract")]
pub async fn ai_extract_tasks(account: String, message_id: String) -> ApiResult<Vec<TaskProposal>> {
    host::guarded(async move {
        let cancel = tokio_util::sync::CancellationToken::new();
        Ok(host::services()
            .await?
            .ai
            .extract_tasks(&account, &message_id, None, &cancel)
            .await?)
    })
    .await
}

#[post("/api/ai/tasks/create")]
pub async fn ai_create_tasks(
    account: String,
    message_id: Option<String>,
    tasks: Vec<TaskProposal>,
) -> ApiResult<usize> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .ai
            .create_tasks(&account, message_id, tasks)
            .await?
            .len())
    })
    .await
}
