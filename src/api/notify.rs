//! Server functions for desktop notifications.

use dioxus::prelude::*;

#[cfg(feature = "server")]
use super::host;
use super::ApiResult;
use crate::model::{AccountNotify, NotifyKind, NotifySwitches, NotifyTarget};

/// Whether this app shows notifications (the desktop app does; the web preview does not).
#[post("/api/notify/available")]
pub async fn notify_available() -> ApiResult<bool> {
    host::guarded(async move { Ok(host::services().await?.notify.available()) }).await
}

/// Every account's notification switches.
#[post("/api/notify/switches")]
pub async fn notify_switches() -> ApiResult<Vec<AccountNotify>> {
    host::guarded(async move { Ok(host::services().await?.notify.switches().await?) }).await
}

/// Turns one of an account's switches on or off; its switches after.
#[post("/api/notify/set_switch")]
pub async fn notify_set_switch(
    account: String,
    kind: NotifyKind,
    on: bool,
) -> ApiResult<NotifySwitches> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .notify
            .set_switch(account, kind, on)
            .await?)
    })
    .await
}

/// Waits for the next notification the person clicks; what it opens (None: none will come).
#[post("/api/notify/next_open")]
pub async fn notify_next_open() -> ApiResult<Option<NotifyTarget>> {
    host::guarded(async move { Ok(host::services().await?.notify.next_open().await) }).await
}

/// Shows a sample notification (Preferences → Notifications → "Show a sample").
#[post("/api/notify/sample")]
pub async fn notify_sample() -> ApiResult<()> {
    host::guarded(async move { Ok(host::services().await?.notify.show_sample().await?) }).await
}
