//! Changes to whole task lists: rename, delete (with its tasks), clear completed. Each lands
//! here at once with its queued op in the same transaction, like a task edit; the callers
//! schedule the send (`touched_account`) with the account returned.

use super::{check_named, TasksService};
use crate::clock::{now_ms, now_unix};
use crate::error::Result;
use crate::store::task_lists;

impl TasksService {
    /// Renames a list; returns its account.
    pub async fn rename_list(&self, list: &str, title: &str) -> Result<String> {
        let title = check_named(title, "a list")?;
        let list = list.to_string();
        self.store
            .transaction(move |tx| task_lists::rename(tx, &list, &title, now_unix()))
            .await
    }

    /// How many tasks deleting the list would delete with it.
    pub async fn list_task_count(&self, list: &str) -> Result<u64> {
        let list = list.to_string();
        self.store
            .read(move |c| task_lists::task_count(c, &list))
            .await
    }

    /// Deletes a list and its tasks (Google keeps the default list: refused); returns its
    /// account.
    pub async fn delete_list(&self, list: &str) -> Result<String> {
        let list = list.to_string();
        self.store
            .transaction(move |tx| task_lists::delete(tx, &list))
            .await
    }

    /// Hides the list's completed tasks, as Google's "Clear completed" does; returns the
    /// account and how many were cleared.
    pub async fn clear_completed(&self, list: &str) -> Result<(String, usize)> {
        let list = list.to_string();
        self.store
            .transaction(move |tx| task_lists::clear_completed(tx, &list, now_ms()))
            .await
    }
}
