//! Server functions for the task list.

use dioxus::prelude::*;

#[cfg(feature = "server")]
use super::host;
use super::ApiResult;
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView, TasksSyncReport};

#[post("/api/tasks/lists")]
pub async fn tasks_lists(account: Option<String>) -> ApiResult<Vec<TaskListView>> {
    host::guarded(async move { Ok(host::services()?.tasks.lists(account).await?) }).await
}

#[post("/api/tasks/of")]
pub async fn tasks_of(list: String) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move { Ok(host::services()?.tasks.tasks(&list).await?) }).await
}

#[post("/api/tasks/one")]
pub async fn tasks_of_one(id: String) -> ApiResult<TaskView> {
    host::guarded(async move { Ok(host::services()?.tasks.task(&id).await?) }).await
}

#[post("/api/tasks/block")]
pub async fn tasks_set_block(id: String, block: Option<(i64, i64)>) -> ApiResult<TaskView> {
    host::guarded(async move { Ok(host::services()?.tasks.set_time_block(&id, block).await?) })
        .await
}

#[post("/api/tasks/blocked")]
pub async fn tasks_blocked(from_ms: i64, to_ms: i64) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move {
        Ok(host::services()?
            .tasks
            .blocked_between(from_ms, to_ms)
            .await?)
    })
    .await
}

#[post("/api/tasks/due")]
pub async fn tasks_due(from: String, to: String) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move { Ok(host::services()?.tasks.due_between(&from, &to).await?) }).await
}

#[post("/api/tasks/add")]
pub async fn tasks_add(
    list: String,
    title: String,
    due: Option<String>,
    parent: Option<String>,
) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services()?;
        let t = s.tasks.add(&list, &title, "", due, parent).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/edit")]
pub async fn tasks_edit(id: String, edit: TaskEdit) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services()?;
        let t = s.tasks.edit(&id, edit).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/move")]
pub async fn tasks_move(id: String, to: MoveTo) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services()?;
        let t = s.tasks.move_task(&id, to).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/delete")]
pub async fn tasks_delete(id: String) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services()?;
        s.tasks.touched(&id).await;
        Ok(s.tasks.delete(&id).await?)
    })
    .await
}

#[post("/api/tasks/meta")]
pub async fn tasks_set_meta(id: String, priority: u8, labels: Vec<String>) -> ApiResult<TaskView> {
    host::guarded(async move {
        Ok(host::services()?
            .tasks
            .set_meta(&id, priority, labels)
            .await?)
    })
    .await
}

#[post("/api/tasks/lists/create")]
pub async fn tasks_create_list(account: String, title: String) -> ApiResult<String> {
    host::guarded(async move {
        Ok(host::services()?
            .tasks
            .create_list(&account, &title)
            .await?)
    })
    .await
}

/// Syncs every signed-in account's tasks (or one); the first error is returned after trying all.
#[post("/api/tasks/sync")]
pub async fn tasks_sync(account: Option<String>) -> ApiResult<TasksSyncReport> {
    host::guarded(async move {
        let s = host::services()?;
        let accounts = match account {
            Some(a) => vec![a],
            None => s
                .auth
                .list_accounts()
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect(),
        };
        let mut total = TasksSyncReport::default();
        let mut first_err = None;
        for a in accounts {
            match s.tasks.sync(&a).await {
                Ok(r) => {
                    total.sent += r.sent;
                    total.adopted += r.adopted;
                    total.refused += r.refused;
                    total.added += r.added;
                    total.updated += r.updated;
                    total.deleted += r.deleted;
                    total.kept += r.kept;
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok(total),
        }
    })
    .await
}

#[post("/api/tasks/from-message")]
pub async fn tasks_from_message(account: String, message_id: String) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services()?;
        let t = s.tasks.from_message(&account, &message_id).await?;
        s.tasks.touched_account(&account);
        Ok(t)
    })
    .await
}

/// The account and conversation of a message (to open a task's source mail).
#[post("/api/mail/locate")]
pub async fn mail_locate(message_id: String) -> ApiResult<(String, String)> {
    host::guarded(async move { Ok(host::services()?.mail.locate(&message_id, None).await?) }).await
}

/// Events in a range: timed ones overlapping [from_ms, to_ms), all-day ones the dates
/// [from_date, to_date).
#[post("/api/calendar/range")]
pub async fn calendar_range(
    from_ms: i64,
    to_ms: i64,
    from_date: String,
    to_date: String,
) -> ApiResult<Vec<crate::model::EventView>> {
    host::guarded(async move {
        Ok(host::services()?
            .calendar
            .between(from_ms, to_ms, from_date, to_date)
            .await?)
    })
    .await
}

/// Syncs every signed-in account's calendars; returns how many events changed.
#[post("/api/calendar/sync")]
pub async fn calendar_sync() -> ApiResult<usize> {
    host::guarded(async move {
        let r = host::services()?.calendar.sync_all().await?;
        Ok(r.changed + r.removed)
    })
    .await
}

/// Calendars one can add events to: (account, calendar id, name), primary first.
#[get("/api/calendar/writable")]
pub async fn calendar_writable() -> ApiResult<Vec<(String, String, String)>> {
    host::guarded(async move { Ok(host::services()?.calendar.writable().await?) }).await
}

/// Sends the calendar queue of `account` in the background (a failure waits for the next sync).
#[cfg(feature = "server")]
fn push_soon(s: &std::sync::Arc<crate::services::AppServices>, account: String) {
    let cal = s.calendar.clone();
    tokio::spawn(async move {
        if let Err(e) = cal.sync(&account).await {
            tracing::info!(error = %e, "the calendar change waits for the next sync");
        }
    });
}

/// A new event, shown at once and sent to Google in the background.
#[post("/api/calendar/create")]
pub async fn calendar_create(
    account: String,
    calendar: String,
    edit: crate::model::EventEdit,
) -> ApiResult<String> {
    host::guarded(async move {
        let s = host::services()?;
        let id = s.calendar.create(&account, &calendar, &edit).await?;
        push_soon(&s, account);
        Ok(id)
    })
    .await
}

/// Changes an event (or its whole series), shown at once and sent in the background.
#[post("/api/calendar/edit")]
pub async fn calendar_edit(
    account: String,
    calendar: String,
    event: String,
    edit: crate::model::EventEdit,
    scope: crate::model::EventScope,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services()?;
        s.calendar
            .edit(&account, &calendar, &event, &edit, scope)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}

/// Deletes an event (or its whole series), gone at once and at Google in the background.
#[post("/api/calendar/delete")]
pub async fn calendar_delete(
    account: String,
    calendar: String,
    event: String,
    scope: crate::model::EventScope,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services()?;
        s.calendar
            .delete(&account, &calendar, &event, scope)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}

/// Answers an invitation (accepted, declined, tentative); sent in the background.
#[post("/api/calendar/rsvp")]
pub async fn calendar_rsvp(
    account: String,
    calendar: String,
    event: String,
    answer: String,
) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services()?;
        s.calendar
            .rsvp(&account, &calendar, &event, &answer)
            .await?;
        push_soon(&s, account);
        Ok(())
    })
    .await
}
