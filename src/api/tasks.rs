//! Server functions for the task list.

use dioxus::prelude::*;

#[cfg(feature = "server")]
use super::host;
use super::ApiResult;
use crate::model::{MoveTo, TaskEdit, TaskListView, TaskView, TasksSyncReport};

#[post("/api/tasks/lists")]
pub async fn tasks_lists(account: Option<String>) -> ApiResult<Vec<TaskListView>> {
    host::guarded(async move { Ok(host::services().await?.tasks.lists(account).await?) }).await
}

/// Why the last tasks sync failed, per account whose last sync failed ("ada@example.com: …").
#[post("/api/tasks/sync_problems")]
pub async fn tasks_sync_problems() -> ApiResult<Vec<String>> {
    host::guarded(async move {
        let s = host::services().await?;
        let emails: std::collections::HashMap<String, String> = s
            .auth
            .list_accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, a.email))
            .collect();
        Ok(s.tasks
            .sync_problems()
            .await?
            .into_iter()
            .map(|(id, why)| format!("{}: {why}", emails.get(&id).unwrap_or(&id)))
            .collect())
    })
    .await
}

#[post("/api/tasks/of")]
pub async fn tasks_of(list: String) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move { Ok(host::services().await?.tasks.tasks(&list).await?) }).await
}

#[post("/api/tasks/one")]
pub async fn tasks_of_one(id: String) -> ApiResult<TaskView> {
    host::guarded(async move { Ok(host::services().await?.tasks.task(&id).await?) }).await
}

#[post("/api/tasks/block")]
pub async fn tasks_set_block(id: String, block: Option<(i64, i64)>) -> ApiResult<TaskView> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .tasks
            .set_time_block(&id, block)
            .await?)
    })
    .await
}

#[post("/api/tasks/blocked")]
pub async fn tasks_blocked(from_ms: i64, to_ms: i64) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .tasks
            .blocked_between(from_ms, to_ms)
            .await?)
    })
    .await
}

#[post("/api/tasks/due")]
pub async fn tasks_due(from: String, to: String) -> ApiResult<Vec<TaskView>> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .tasks
            .due_between(&from, &to)
            .await?)
    })
    .await
}

#[post("/api/tasks/add")]
pub async fn tasks_add(
    list: String,
    title: String,
    due: Option<String>,
    parent: Option<String>,
) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services().await?;
        let t = s.tasks.add(&list, &title, "", due, parent).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/edit")]
pub async fn tasks_edit(id: String, edit: TaskEdit) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services().await?;
        let t = s.tasks.edit(&id, edit).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/move")]
pub async fn tasks_move(id: String, to: MoveTo) -> ApiResult<TaskView> {
    host::guarded(async move {
        let s = host::services().await?;
        let t = s.tasks.move_task(&id, to).await?;
        s.tasks.touched_account(&t.account_id);
        Ok(t)
    })
    .await
}

#[post("/api/tasks/delete")]
pub async fn tasks_delete(id: String) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        s.tasks.touched(&id).await;
        Ok(s.tasks.delete(&id).await?)
    })
    .await
}

#[post("/api/tasks/meta")]
pub async fn tasks_set_meta(id: String, priority: u8, labels: Vec<String>) -> ApiResult<TaskView> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .tasks
            .set_meta(&id, priority, labels)
            .await?)
    })
    .await
}

#[post("/api/tasks/lists/create")]
pub async fn tasks_create_list(account: String, title: String) -> ApiResult<String> {
    host::guarded(async move {
        Ok(host::services()
            .await?
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
        let s = host::services().await?;
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
        let s = host::services().await?;
        let t = s.tasks.from_message(&account, &message_id).await?;
        s.tasks.touched_account(&account);
        Ok(t)
    })
    .await
}

/// The account and conversation of a message (to open a task's source mail).
#[post("/api/mail/locate")]
pub async fn mail_locate(message_id: String) -> ApiResult<(String, String)> {
    host::guarded(async move {
        Ok(host::services()
            .await?
            .mail
            .locate(&message_id, None)
            .await?)
    })
    .await
}

#[post("/api/tasks/lists/rename")]
pub async fn tasks_rename_list(list: String, title: String) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        let account = s.tasks.rename_list(&list, &title).await?;
        s.tasks.touched_account(&account);
        Ok(())
    })
    .await
}

/// How many tasks deleting the list takes with it (asked before deleting).
#[post("/api/tasks/lists/count")]
pub async fn tasks_list_task_count(list: String) -> ApiResult<u64> {
    host::guarded(async move { Ok(host::services().await?.tasks.list_task_count(&list).await?) })
        .await
}

#[post("/api/tasks/lists/delete")]
pub async fn tasks_delete_list(list: String) -> ApiResult<()> {
    host::guarded(async move {
        let s = host::services().await?;
        let account = s.tasks.delete_list(&list).await?;
        s.tasks.touched_account(&account);
        Ok(())
    })
    .await
}

/// Hides the list's completed tasks; how many.
#[post("/api/tasks/lists/clear")]
pub async fn tasks_clear_completed(list: String) -> ApiResult<usize> {
    host::guarded(async move {
        let s = host::services().await?;
        let (account, n) = s.tasks.clear_completed(&list).await?;
        if n > 0 {
            s.tasks.touched_account(&account);
        }
        Ok(n)
    })
    .await
}
