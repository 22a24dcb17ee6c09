//! Server functions for writing mail: drafts, attachments, the outbox and snooze.

use dioxus::prelude::*;

#[cfg(feature = "server")]
use super::host;
use super::ApiResult;
use crate::model::{ComposeKind, DraftEdit, DraftView, OutboxItem, SnoozedThread};

/// A new draft: empty, or a reply, reply-all or forward of a message (its Gmail id).
#[post("/api/mail/compose")]
pub async fn mail_compose(
    account: String,
    kind: ComposeKind,
    message_id: Option<String>,
) -> ApiResult<DraftView> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .compose(&account, kind, message_id.as_deref())
            .await?)
    })
    .await
}

#[post("/api/mail/drafts")]
pub async fn mail_drafts(account: Option<String>) -> ApiResult<Vec<DraftView>> {
    host::guarded(async move { Ok(host::services().await?.compose.drafts(account).await?) }).await
}

#[post("/api/mail/drafts/one")]
pub async fn mail_draft(id: String) -> ApiResult<DraftView> {
    host::guarded(async move { Ok(host::services().await?.compose.draft(&id).await?) }).await
}

/// Saves the editor (every few seconds while typing, and on close).
#[post("/api/mail/drafts/save")]
pub async fn mail_save_draft(id: String, edit: DraftEdit) -> ApiResult<DraftView> {
    host::guarded(async move { Ok(host::services().await?.compose.save(&id, edit).await?) }).await
}

#[post("/api/mail/drafts/delete")]
pub async fn mail_delete_draft(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.compose.delete_draft(&id).await?) }).await
}

#[post("/api/mail/drafts/attach")]
pub async fn mail_attach(
    draft: String,
    filename: String,
    mime_type: String,
    data: Vec<u8>,
) -> ApiResult<DraftView> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .attach(&draft, &filename, &mime_type, data)
            .await?)
    })
    .await
}

#[post("/api/mail/drafts/detach")]
pub async fn mail_detach(draft: String, file: i64) -> ApiResult<DraftView> {
    host::guarded(async move { Ok(host::services().await?.compose.detach(&draft, file).await?) })
        .await
}

/// Addresses from the cache for the To/Cc/Bcc fields.
#[post("/api/mail/suggest")]
pub async fn mail_suggest(account: String, prefix: String) -> ApiResult<Vec<String>> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .suggest(&account, &prefix, 8)
            .await?)
    })
    .await
}

/// Into the outbox: sent when the undo window ends, or at `at_ms` (scheduled).
#[post("/api/mail/send")]
pub async fn mail_send(draft: String, at_ms: Option<i64>) -> ApiResult<OutboxItem> {
    host::guarded(async move { Ok(host::services().await?.compose.send(&draft, at_ms).await?) })
        .await
}

/// Back into the editor (undo send, cancel a schedule, edit a refused mail).
#[post("/api/mail/outbox/undo")]
pub async fn mail_undo_send(id: String) -> ApiResult<DraftView> {
    host::guarded(async move { Ok(host::services().await?.compose.undo(&id).await?) }).await
}

/// Ends the undo window now.
#[post("/api/mail/outbox/send-now")]
pub async fn mail_send_now(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.compose.send_now(&id).await?) }).await
}

#[post("/api/mail/outbox/retry")]
pub async fn mail_retry_send(id: String) -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.compose.retry(&id).await?) }).await
}

#[get("/api/mail/outbox")]
pub async fn mail_outbox() -> ApiResult<Vec<OutboxItem>> {
    host::guarded(async move { Ok(host::services().await?.compose.outbox().await?) }).await
}

#[post("/api/mail/outbox/one")]
pub async fn mail_outbox_item(id: String) -> ApiResult<OutboxItem> {
    host::guarded(async move { Ok(host::services().await?.compose.outbox_item(&id).await?) }).await
}

#[get("/api/mail/undo-seconds")]
pub async fn mail_undo_seconds() -> ApiResult<u32> {
    host::guarded(async move { Ok(host::services().await?.compose.undo_seconds().await?) }).await
}

#[post("/api/mail/undo-seconds/set")]
pub async fn mail_set_undo_seconds(seconds: u32) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .set_undo_seconds(seconds)
            .await?)
    })
    .await
}

#[post("/api/mail/snooze")]
pub async fn mail_snooze(account: String, thread_id: String, wake_at_ms: i64) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .snooze(&account, &thread_id, wake_at_ms)
            .await?)
    })
    .await
}

#[post("/api/mail/unsnooze")]
pub async fn mail_unsnooze(account: String, thread_id: String) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .unsnooze(&account, &thread_id)
            .await?)
    })
    .await
}

#[get("/api/mail/snoozed")]
pub async fn mail_snoozed() -> ApiResult<Vec<SnoozedThread>> {
    host::guarded(async move { Ok(host::services().await?.compose.snoozed().await?) }).await
}

/// An account's signature (Gmail's until edited here).
#[post("/api/mail/signature")]
pub async fn mail_signature(account: String) -> ApiResult<crate::model::Signature> {
    host::guarded(async move { Ok(host::services().await?.mail.signature(&account).await?) }).await
}

/// Sets an account's signature as written here.
#[post("/api/mail/signature/set")]
pub async fn mail_signature_set(
    account: String,
    text: String,
) -> ApiResult<crate::model::Signature> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .set_signature(&account, text)
            .await?)
    })
    .await
}

/// Goes back to the account's signature as Gmail has it.
#[post("/api/mail/signature/use_gmail")]
pub async fn mail_signature_use_gmail(account: String) -> ApiResult<crate::model::Signature> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .use_gmail_signature(&account)
            .await?)
    })
    .await
}

/// The editor has the draft open (renewed every few minutes) or closed it: while open, Gmail's
/// copy neither replaces nor removes it.
#[post("/api/mail/draft/editing")]
pub async fn mail_draft_editing(id: String, open: bool) -> ApiResult<()> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .compose
            .draft_editing(&id, open)
            .await?)
    })
    .await
}
