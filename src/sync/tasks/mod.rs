//! Google Tasks, local-first. Every edit lands in the store at once together with an entry in
//! the durable queue `task_ops` (one transaction, src/store/tasks.rs); `push` sends the queue
//! in order and `pull` brings Google's changes (tasks.list with updatedMin, showDeleted,
//! showHidden). The SQL is the store's (`store::{tasks, task_lists, task_ops, task_sync}`);
//! here are the rules.
//!
//! **One pusher.** A sync (pull, then push) of an account runs under its pusher lock
//! (`store::locks::PusherLock`, `Queue::TaskOps`), taken by `services::tasks`: one pass at a
//! time per account across the interval poller, the debounce after an edit, `/api/tasks/sync`
//! and every process on the data folder. `pull` and `push` expect the caller to hold it.
//!
//! **Exactly once.** The push claims the first op of the account's queue with a lease (the
//! queue engine, `store::queue`); a held or backing-off op holds back the ops after it, so the
//! changes of a task reach Google in the order they were made. Just before its request goes
//! out, the op's send time is committed; the op is removed in the transaction that records the
//! answer. An op whose answer never came (a crash, a cut connection) stays in flight, and the
//! next claim of it is a take-over: for an insert, Google is asked first for a task in that
//! list with the same title and notes, changed since shortly before the send and not linked to
//! any local task; if there is one, it is adopted instead of sent again (lists: by title).
//! The pull does the same from its side: a task it brings that matches such an insert is that
//! insert. Other ops are idempotent.
//!
//! **Conflicts, field by field.** Google keeps one `updated` time per task. A field edited
//! here is marked with the edit's time (`task_dirty_fields`) until its op is sent. When a pull
//! brings a changed task, each field takes Google's value unless it was edited here *after*
//! Google's `updated`; such a field keeps the local value and the queued op will send it.
//! Fields not edited here always take Google's value. A task deleted on Google is deleted here
//! too, unless it was edited here after the deletion: then it is kept and created again (what
//! the user wrote is never dropped). An op that finds its task gone (404) re-creates it the
//! same way. Clock skew between this computer and Google shifts the rule by the skew.
//!
//! **Moves.** Moving a task with subtasks to another list moves the subtasks out first, then
//! the parent, then puts the subtasks back under it: the outcome does not depend on whether
//! Google moves subtasks along with their parent.

/// How far Google's `updated` time of a task may be from when our request for it went out
/// and still be taken for it (a request whose answer was lost).
pub(crate) const ADOPT_WINDOW_MS: i64 = 120_000;

mod pull;
mod push;

pub use crate::model::{MoveTo, TaskEdit};
pub use pull::{pull, PullReport};
pub use push::{push, PushReport};

use crate::google::tasks::{due_date, GTask, GTaskList};
use crate::store::task_lists::RemoteList;
use crate::store::task_sync::RemoteTask;

/// Unix milliseconds of an RFC 3339 time (0 when unreadable: older than any local edit).
pub fn rfc3339_ms(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp_millis())
        .unwrap_or(0)
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Google's task as the store keeps it: the due date as a date, completion in Unix seconds.
fn remote_task(g: &GTask) -> RemoteTask {
    RemoteTask {
        id: g.id.clone(),
        etag: g.etag.clone(),
        title: g.title.clone(),
        notes: g.notes.clone().unwrap_or_default(),
        due: g.due.as_deref().and_then(due_date),
        completed: g.status == "completed",
        completed_at: g.completed.as_deref().map(rfc3339_ms).map(|m| m / 1000),
        hidden: g.hidden,
        position: g.position.clone(),
        updated: g.updated.clone(),
    }
}

fn remote_list(g: &GTaskList) -> RemoteList {
    RemoteList {
        id: g.id.clone(),
        title: g.title.clone(),
        etag: g.etag.clone(),
        updated: g.updated.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_times_and_dates_convert_without_shifting() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:01.500Z"), 1_500);
        assert_eq!(rfc3339_ms("not a time"), 0);
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.500Z");
        let r = remote_task(&GTask {
            id: "g1".into(),
            title: "Pay rent".into(),
            status: "completed".into(),
            due: Some("2026-12-31T00:00:00.000Z".into()),
            completed: Some("2026-12-30T10:00:00.000Z".into()),
            ..GTask::default()
        });
        assert_eq!(r.due.as_deref(), Some("2026-12-31"));
        assert!(r.completed);
        assert_eq!(
            r.completed_at,
            Some(rfc3339_ms("2026-12-30T10:00:00Z") / 1000)
        );
        assert_eq!(r.notes, "");
    }
}
