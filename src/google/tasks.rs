//! Google Tasks REST client (tasks.v1.json): task lists and tasks, through the shared Google
//! client (tokens, quota, retries). Due dates travel as RFC 3339 at midnight UTC, which is how
//! Google stores a date; `due_date` / `due_value` convert without any time zone arithmetic.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::client::GoogleClient;
use super::endpoints::Endpoint;
use crate::error::Result;

const fn ep(
    id: &'static str,
    m: &'static str,
    path: &'static str,
    params: &'static [&'static str],
    idem: bool,
) -> Endpoint {
    Endpoint {
        api: "tasks",
        id,
        http_method: m,
        path,
        params,
        quota_units: 0,
        idempotent: idem,
    }
}

pub const LISTS_LIST: Endpoint = ep(
    "tasks.tasklists.list",
    "GET",
    "tasks/v1/users/@me/lists",
    &["maxResults", "pageToken"],
    true,
);
pub const LISTS_GET: Endpoint = ep(
    "tasks.tasklists.get",
    "GET",
    "tasks/v1/users/@me/lists/{tasklist}",
    &["tasklist"],
    true,
);
pub const LISTS_INSERT: Endpoint = ep(
    "tasks.tasklists.insert",
    "POST",
    "tasks/v1/users/@me/lists",
    &[],
    false,
);
pub const LISTS_PATCH: Endpoint = ep(
    "tasks.tasklists.patch",
    "PATCH",
    "tasks/v1/users/@me/lists/{tasklist}",
    &["tasklist"],
    true,
);
pub const LISTS_DELETE: Endpoint = ep(
    "tasks.tasklists.delete",
    "DELETE",
    "tasks/v1/users/@me/lists/{tasklist}",
    &["tasklist"],
    true,
);
pub const TASKS_LIST: Endpoint = ep(
    "tasks.tasks.list",
    "GET",
    "tasks/v1/lists/{tasklist}/tasks",
    &[
        "tasklist",
        "updatedMin",
        "showCompleted",
        "showDeleted",
        "showHidden",
        "maxResults",
        "pageToken",
    ],
    true,
);
pub const TASKS_GET: Endpoint = ep(
    "tasks.tasks.get",
    "GET",
    "tasks/v1/lists/{tasklist}/tasks/{task}",
    &["tasklist", "task"],
    true,
);
pub const TASKS_INSERT: Endpoint = ep(
    "tasks.tasks.insert",
    "POST",
    "tasks/v1/lists/{tasklist}/tasks",
    &["tasklist", "parent", "previous"],
    false,
);
pub const TASKS_PATCH: Endpoint = ep(
    "tasks.tasks.patch",
    "PATCH",
    "tasks/v1/lists/{tasklist}/tasks/{task}",
    &["tasklist", "task"],
    true,
);
pub const TASKS_DELETE: Endpoint = ep(
    "tasks.tasks.delete",
    "DELETE",
    "tasks/v1/lists/{tasklist}/tasks/{task}",
    &["tasklist", "task"],
    true,
);
pub const TASKS_MOVE: Endpoint = ep(
    "tasks.tasks.move",
    "POST",
    "tasks/v1/lists/{tasklist}/tasks/{task}/move",
    &[
        "tasklist",
        "task",
        "parent",
        "previous",
        "destinationTasklist",
    ],
    true,
);
pub const TASKS_CLEAR: Endpoint = ep(
    "tasks.tasks.clear",
    "POST",
    "tasks/v1/lists/{tasklist}/clear",
    &["tasklist"],
    true,
);

pub const ALL: &[Endpoint] = &[
    LISTS_LIST,
    LISTS_GET,
    LISTS_INSERT,
    LISTS_PATCH,
    LISTS_DELETE,
    TASKS_LIST,
    TASKS_GET,
    TASKS_INSERT,
    TASKS_PATCH,
    TASKS_DELETE,
    TASKS_MOVE,
    TASKS_CLEAR,
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GTaskList {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub etag: Option<String>,
    pub updated: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GTask {
    #[serde(default)]
    pub id: String,
    pub etag: Option<String>,
    #[serde(default)]
    pub title: String,
    pub notes: Option<String>,
    /// "needsAction" or "completed".
    #[serde(default)]
    pub status: String,
    pub due: Option<String>,
    pub completed: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub hidden: bool,
    pub parent: Option<String>,
    #[serde(default)]
    pub position: String,
    pub updated: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    next_page_token: Option<String>,
}

/// The date of a due value: its first ten characters. Google keeps due dates as midnight UTC;
/// reading the date off the text (never converting to a local time) keeps it in every zone.
pub fn due_date(due: &str) -> Option<String> {
    let d = due.get(..10)?;
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
    Some(d.to_string())
}

/// The due value Google expects for a date.
pub fn due_value(date: &str) -> String {
    format!("{date}T00:00:00.000Z")
}

/// The Tasks API for one account.
#[derive(Clone)]
pub struct TasksApi {
    rest: super::RestApi,
}

impl TasksApi {
    pub fn new(
        client: Arc<GoogleClient>,
        base: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        TasksApi {
            rest: super::RestApi {
                client,
                base: base.into(),
                account_id: account_id.into(),
                strip: "",
            },
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        e: &Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        self.rest.json(e, path_args, query, body).await
    }

    async fn call_empty(
        &self,
        e: &Endpoint,
        path_args: &[&str],
        query: &[(&str, String)],
    ) -> Result<()> {
        self.rest.value(e, path_args, query, None).await.map(|_| ())
    }

    /// Every list, the default one first (as Google orders them).
    pub async fn lists(&self) -> Result<Vec<GTaskList>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("maxResults", "100".to_string())];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: Page<GTaskList> = self.call(&LISTS_LIST, &[], &q, None).await?;
            out.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    pub async fn insert_list(&self, title: &str) -> Result<GTaskList> {
        let body = serde_json::json!({ "title": title });
        self.call(&LISTS_INSERT, &[], &[], Some(&body)).await
    }

    pub async fn patch_list(&self, list: &str, title: &str) -> Result<GTaskList> {
        let body = serde_json::json!({ "title": title });
        self.call(&LISTS_PATCH, &[list], &[], Some(&body)).await
    }

    pub async fn delete_list(&self, list: &str) -> Result<()> {
        self.call_empty(&LISTS_DELETE, &[list], &[]).await
    }

    /// Tasks changed since `updated_min` (all when None), deleted and hidden ones included, every page.
    pub async fn changed(&self, list: &str, updated_min: Option<&str>) -> Result<Vec<GTask>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![
                ("showCompleted", "true".to_string()),
                ("showDeleted", "true".to_string()),
                ("showHidden", "true".to_string()),
                ("maxResults", "100".to_string()),
            ];
            if let Some(u) = updated_min {
                q.push(("updatedMin", u.to_string()));
            }
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page: Page<GTask> = self.call(&TASKS_LIST, &[list], &q, None).await?;
            out.extend(page.items);
            match page.next_page_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    pub async fn get(&self, list: &str, task: &str) -> Result<GTask> {
        self.call(&TASKS_GET, &[list, task], &[], None).await
    }

    pub async fn insert(
        &self,
        list: &str,
        body: &serde_json::Value,
        parent: Option<&str>,
        previous: Option<&str>,
    ) -> Result<GTask> {
        let mut q = Vec::new();
        if let Some(p) = parent {
            q.push(("parent", p.to_string()));
        }
        if let Some(p) = previous {
            q.push(("previous", p.to_string()));
        }
        self.call(&TASKS_INSERT, &[list], &q, Some(body)).await
    }

    pub async fn patch(&self, list: &str, task: &str, body: &serde_json::Value) -> Result<GTask> {
        self.call(&TASKS_PATCH, &[list, task], &[], Some(body))
            .await
    }

    pub async fn delete(&self, list: &str, task: &str) -> Result<()> {
        self.call_empty(&TASKS_DELETE, &[list, task], &[]).await
    }

    pub async fn move_task(
        &self,
        list: &str,
        task: &str,
        parent: Option<&str>,
        previous: Option<&str>,
        destination: Option<&str>,
    ) -> Result<GTask> {
        let mut q = Vec::new();
        if let Some(p) = parent {
            q.push(("parent", p.to_string()));
        }
        if let Some(p) = previous {
            q.push(("previous", p.to_string()));
        }
        if let Some(d) = destination {
            q.push(("destinationTasklist", d.to_string()));
        }
        self.call(&TASKS_MOVE, &[list, task], &q, None).await
    }

    /// Hides the completed tasks of a list.
    pub async fn clear(&self, list: &str) -> Result<()> {
        self.call_empty(&TASKS_CLEAR, &[list], &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_never_shift() {
        assert_eq!(
            due_date("2026-12-01T00:00:00.000Z").as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(
            due_date("2026-12-31T00:00:00Z").as_deref(),
            Some("2026-12-31")
        );
        assert_eq!(due_date("soon"), None);
        assert_eq!(due_value("2026-02-28"), "2026-02-28T00:00:00.000Z");
    }
}
