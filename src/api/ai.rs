//! Server functions for model servers, chat and AI on mail. Streaming work starts in the
//! background and returns an id; the UI polls `ai_live` for the text so far.

use dioxus::prelude::*;

use super::ApiResult;
#[cfg(feature = "server")]
use super::{host, ApiError};
use crate::model::{
    AiEndpoint, ChatMessageView, Conversation, EndpointHealth, IndexStatus, JobView, LiveView,
    ModelSummary, TaskProposal,
};

#[get("/api/ai/endpoints")]
pub async fn ai_endpoints() -> ApiResult<Vec<AiEndpoint>> {
    Ok(host::services()?.ai.endpoints().await?)
}

#[post("/api/ai/endpoints/add")]
pub async fn ai_add_endpoint(
    name: String,
    kind: String,
    url: String,
    api_key: Option<String>,
) -> ApiResult<AiEndpoint> {
    let key = api_key
        .filter(|k| !k.trim().is_empty())
        .map(|k| crate::vault::SecretString::new(k.trim()));
    Ok(host::services()?
        .ai
        .add_endpoint(&name, &kind, &url, key)
        .await?)
}

#[post("/api/ai/endpoints/remove")]
pub async fn ai_remove_endpoint(id: String) -> ApiResult<()> {
    Ok(host::services()?.ai.remove_endpoint(&id).await?)
}

#[post("/api/ai/endpoints/default")]
pub async fn ai_set_default(id: String) -> ApiResult<()> {
    Ok(host::services()?.ai.set_default(&id).await?)
}

#[post("/api/ai/endpoints/health")]
pub async fn ai_health(id: String) -> ApiResult<EndpointHealth> {
    Ok(host::services()?.ai.health(&id).await?)
}

#[post("/api/ai/models")]
pub async fn ai_models(endpoint_id: String) -> ApiResult<Vec<ModelSummary>> {
    Ok(host::services()?.ai.models(&endpoint_id).await?)
}

#[post("/api/ai/models/pull")]
pub async fn ai_pull_model(endpoint_id: String, model: String) -> ApiResult<u64> {
    Ok(host::services()?
        .ai
        .pull_model(&endpoint_id, model.trim())
        .await?)
}

#[post("/api/ai/models/delete")]
pub async fn ai_delete_model(endpoint_id: String, model: String) -> ApiResult<()> {
    Ok(host::services()?
        .ai
        .delete_model(&endpoint_id, &model)
        .await?)
}

/// Model pulls and mail indexing, with progress.
#[get("/api/ai/jobs")]
pub async fn ai_jobs() -> ApiResult<Vec<JobView>> {
    Ok(host::services()?.ai.jobs.list())
}

#[post("/api/ai/jobs/cancel")]
pub async fn ai_cancel_job(id: u64) -> ApiResult<bool> {
    Ok(host::services()?.ai.jobs.cancel(id))
}

#[post("/api/ai/mail/enabled")]
pub async fn ai_mail_enabled(account: String) -> ApiResult<bool> {
    Ok(host::services()?.ai.mail_enabled(&account).await?)
}

#[post("/api/ai/mail/set-enabled")]
pub async fn ai_set_mail_enabled(account: String, on: bool) -> ApiResult<()> {
    Ok(host::services()?.ai.set_mail_enabled(&account, on).await?)
}

#[get("/api/ai/embedding-model")]
pub async fn ai_embedding_model() -> ApiResult<(String, String)> {
    Ok(host::services()?.ai.embedding_model().await?)
}

#[post("/api/ai/embedding-model")]
pub async fn ai_set_embedding_model(endpoint_id: String, model: String) -> ApiResult<()> {
    Ok(host::services()?
        .ai
        .set_embedding_model(&endpoint_id, &model)
        .await?)
}

#[post("/api/ai/index/status")]
pub async fn ai_index_status(account: String) -> ApiResult<IndexStatus> {
    Ok(host::services()?.ai.index_status(&account).await?)
}

#[post("/api/ai/index/start")]
pub async fn ai_start_indexing(account: String) -> ApiResult<u64> {
    Ok(host::services()?.ai.start_indexing(&account).await?)
}

#[post("/api/chat/list")]
pub async fn chat_list(query: Option<String>) -> ApiResult<Vec<Conversation>> {
    Ok(host::services()?.ai.conversations(query).await?)
}

/// A new conversation on the default server and its first model (or the given ones).
#[post("/api/chat/create")]
pub async fn chat_create(
    endpoint_id: Option<String>,
    model: Option<String>,
) -> ApiResult<Conversation> {
    let ai = &host::services()?.ai;
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
}

#[post("/api/chat/rename")]
pub async fn chat_rename(id: String, title: String) -> ApiResult<Conversation> {
    Ok(host::services()?
        .ai
        .rename_conversation(&id, &title)
        .await?)
}

#[post("/api/chat/configure")]
pub async fn chat_configure(
    id: String,
    endpoint_id: String,
    model: String,
    system_prompt: String,
) -> ApiResult<Conversation> {
    Ok(host::services()?
        .ai
        .configure_conversation(&id, &endpoint_id, &model, &system_prompt)
        .await?)
}

#[post("/api/chat/delete")]
pub async fn chat_delete(id: String) -> ApiResult<()> {
    Ok(host::services()?.ai.delete_conversation(&id).await?)
}

#[post("/api/chat/messages")]
pub async fn chat_messages(id: String) -> ApiResult<Vec<ChatMessageView>> {
    Ok(host::services()?.ai.messages(&id).await?)
}

/// Starts a reply: `text` alone sends a message, with `edit` it replaces that message and
/// what followed, neither regenerates the last reply. Returns the id to poll.
#[post("/api/chat/send")]
pub async fn chat_send(id: String, text: Option<String>, edit: Option<i64>) -> ApiResult<u64> {
    let s = host::services()?;
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
}

#[post("/api/ai/live")]
pub async fn ai_live(id: u64) -> ApiResult<LiveView> {
    Ok(host::services()?.ai.live.poll(id)?)
}

#[post("/api/ai/live/cancel")]
pub async fn ai_live_cancel(id: u64) -> ApiResult<()> {
    host::services()?.ai.live.cancel(id);
    Ok(())
}

#[post("/api/ai/summarize")]
pub async fn ai_summarize(account: String, thread_id: String) -> ApiResult<u64> {
    let s = host::services()?;
    s.ai.mail_allowed(&account).await?;
    Ok(s.ai.start_summary(account, thread_id))
}

#[post("/api/ai/draft")]
pub async fn ai_draft_reply(
    account: String,
    thread_id: String,
    guidance: Option<String>,
) -> ApiResult<u64> {
    let s = host::services()?;
    s.ai.mail_allowed(&account).await?;
    Ok(s.ai.start_draft(account, thread_id, guidance))
}

#[post("/api/ai/ask")]
pub async fn ai_ask(account: String, question: String) -> ApiResult<u64> {
    let s = host::services()?;
    s.ai.mail_allowed(&account).await?;
    if question.trim().is_empty() {
        return Err(ApiError::from(
            crate::error::LibreOllamaError::InvalidInput("type a question first".into()),
        ));
    }
    Ok(s.ai.start_answer(account, question))
}

#[post("/api/ai/tasks/extract")]
pub async fn ai_extract_tasks(account: String, message_id: String) -> ApiResult<Vec<TaskProposal>> {
    let cancel = tokio_util::sync::CancellationToken::new();
    Ok(host::services()?
        .ai
        .extract_tasks(&account, &message_id, None, &cancel)
        .await?)
}

#[post("/api/ai/tasks/create")]
pub async fn ai_create_tasks(
    account: String,
    message_id: Option<String>,
    tasks: Vec<TaskProposal>,
) -> ApiResult<usize> {
    Ok(host::services()?
        .ai
        .create_tasks(&account, message_id, tasks)
        .await?
        .len())
}
