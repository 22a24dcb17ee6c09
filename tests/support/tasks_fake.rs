//! A stateful Google Tasks server for the tests (no emulator for Tasks exists). Every request
//! is checked against `tests/discovery/tasks.v1.json` (method, path, parameter names) and every
//! object it returns against the schema's field names; what does not match is recorded in
//! `violations` (and answered 400), so a test can assert the client and the fake both keep to
//! the published contract. Test hooks change data "on another device", refuse connections
//! (offline), or apply a request and then hang up without answering (the crash window).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct FTask {
    pub id: String,
    pub list: String,
    pub title: String,
    pub notes: Option<String>,
    pub status: String,
    pub due: Option<String>,
    pub completed: Option<String>,
    pub deleted: bool,
    pub hidden: bool,
    pub parent: Option<String>,
    /// Order among siblings (the position string is derived from it).
    pub order: i64,
    pub updated_ms: i64,
    pub etag_n: u64,
}

#[derive(Debug, Clone)]
pub struct FList {
    pub id: String,
    pub title: String,
    pub updated_ms: i64,
}

#[derive(Default)]
pub struct State {
    pub lists: Vec<FList>,
    pub tasks: Vec<FTask>,
    next: u64,
    last_ms: i64,
    pub offline: bool,
    /// Apply the next request whose "METHOD /path" starts with this, then hang up unanswered.
    pub swallow: Option<String>,
    /// Apply the next request whose "METHOD /path" starts with this, then keep the connection
    /// open without answering (for killing the client while it waits).
    pub hold: Option<String>,
    pub requests: Vec<String>,
    pub violations: Vec<String>,
}

impl State {
    pub fn now(&mut self) -> i64 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        self.last_ms = t.max(self.last_ms + 1);
        self.last_ms
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:06}", self.next)
    }

    pub fn add_list(&mut self, title: &str) -> String {
        let id = self.id("L");
        let now = self.now();
        self.lists.push(FList {
            id: id.clone(),
            title: title.into(),
            updated_ms: now,
        });
        id
    }

    /// A task made "on another device", at the top of its list.
    pub fn add_task(&mut self, list: &str, title: &str, parent: Option<&str>) -> String {
        let id = self.id("T");
        let now = self.now();
        let min = self
            .tasks
            .iter()
            .filter(|t| t.list == list && t.parent.as_deref() == parent)
            .map(|t| t.order)
            .min()
            .unwrap_or(1000);
        self.tasks.push(FTask {
            id: id.clone(),
            list: list.into(),
            title: title.into(),
            notes: None,
            status: "needsAction".into(),
            due: None,
            completed: None,
            deleted: false,
            hidden: false,
            parent: parent.map(str::to_string),
            order: min - 1,
            updated_ms: now,
            etag_n: 1,
        });
        id
    }

    pub fn task_mut(&mut self, id: &str) -> &mut FTask {
        self.tasks.iter_mut().find(|t| t.id == id).expect("task")
    }

    /// Edits a task "on another device".
    pub fn edit(&mut self, id: &str, f: impl FnOnce(&mut FTask)) {
        let now = self.now();
        let t = self.task_mut(id);
        f(t);
        t.updated_ms = now;
        t.etag_n += 1;
    }

    pub fn delete(&mut self, id: &str) {
        let now = self.now();
        for t in self.tasks.iter_mut() {
            if t.id == id || t.parent.as_deref() == Some(id) {
                t.deleted = true;
                t.updated_ms = now;
            }
        }
    }

    pub fn live(&self, list: &str) -> Vec<&FTask> {
        self.tasks
            .iter()
            .filter(|t| t.list == list && !t.deleted)
            .collect()
    }
}

fn rfc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn task_json(t: &FTask) -> Value {
    let mut v = json!({
        "kind": "tasks#task",
        "id": t.id,
        "etag": format!("\"{}-{}\"", t.id, t.etag_n),
        "title": t.title,
        "updated": rfc(t.updated_ms),
        "selfLink": format!("https://tasks.example/lists/{}/tasks/{}", t.list, t.id),
        "position": format!("{:020}", t.order + 1_000_000),
        "status": t.status,
        "links": [],
    });
    if let Some(p) = &t.parent {
        v["parent"] = p.clone().into();
    }
    if let Some(n) = &t.notes {
        v["notes"] = n.clone().into();
    }
    if let Some(d) = &t.due {
        v["due"] = d.clone().into();
    }
    if let Some(c) = &t.completed {
        v["completed"] = c.clone().into();
    }
    if t.deleted {
        v["deleted"] = true.into();
    }
    if t.hidden {
        v["hidden"] = true.into();
    }
    v
}

fn list_json(l: &FList) -> Value {
    json!({
        "kind": "tasks#taskList",
        "id": l.id,
        "etag": format!("\"{}\"", l.updated_ms),
        "title": l.title,
        "updated": rfc(l.updated_ms),
        "selfLink": format!("https://tasks.example/users/@me/lists/{}", l.id),
    })
}

pub struct TasksFake {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

struct Contract {
    doc: Value,
}

impl Contract {
    fn load() -> Contract {
        let p =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/discovery/tasks.v1.json");
        Contract {
            doc: serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap(),
        }
    }

    /// The discovery method for METHOD and path, with the path parameters.
    fn method(&self, method: &str, path: &str) -> Option<(String, Value, HashMap<String, String>)> {
        for (rname, r) in self.doc["resources"].as_object()? {
            for (mname, m) in r["methods"].as_object()? {
                if m["httpMethod"] != method {
                    continue;
                }
                let tpl: Vec<&str> = m["path"].as_str()?.split('/').collect();
                let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                if tpl.len() != got.len() {
                    continue;
                }
                let mut args = HashMap::new();
                let ok = tpl.iter().zip(&got).all(|(t, g)| {
                    if t.starts_with('{') {
                        args.insert(
                            t.trim_matches(|c| c == '{' || c == '}').to_string(),
                            g.to_string(),
                        );
                        true
                    } else {
                        t == g
                    }
                });
                if ok {
                    return Some((format!("{rname}.{mname}"), m.clone(), args));
                }
            }
        }
        None
    }

    /// Fields of `v` the schema `name` does not have.
    fn unknown_fields(&self, name: &str, v: &Value) -> Vec<String> {
        let props = &self.doc["schemas"][name]["properties"];
        v.as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| props.get(k.as_str()).is_none())
                    .map(|k| format!("{name}.{k}"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn start() -> TasksFake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(State::default()));
    let contract = Arc::new(Contract::load());
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (st, contract) = (st.clone(), contract.clone());
            tokio::spawn(async move {
                let _ = serve(sock, st, contract).await;
            });
        }
    });
    TasksFake { base, state }
}

fn error(code: u16, status: &str, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"error": {"code": code, "message": message, "status": status,
            "errors": [{"reason": reason, "message": message, "domain": "global"}]}}),
    )
}

async fn serve(
    mut sock: TcpStream,
    state: Arc<Mutex<State>>,
    contract: Arc<Contract>,
) -> std::io::Result<()> {
    if state.lock().unwrap().offline {
        return Ok(());
    }
    let Some(req) = super::http::read_request(&mut sock).await else {
        return Ok(());
    };
    let (method, target) = req.method_and_target();
    let (method, target) = (method.to_string(), target.to_string());
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let (swallow, hold) = {
        let mut s = state.lock().unwrap();
        s.requests.push(format!("{method} {target}"));
        let line = format!("{method} {path}");
        let swallow = s
            .swallow
            .take_if(|p| line.starts_with(p.as_str()))
            .is_some();
        let hold = s.hold.take_if(|p| line.starts_with(p.as_str())).is_some();
        (swallow, hold)
    };
    let (status, out) = match contract.method(&method, path) {
        None => {
            let v = format!("{method} {path}: no such method in tasks.v1.json");
            state.lock().unwrap().violations.push(v.clone());
            error(404, "NOT_FOUND", "notFound", &v)
        }
        Some((id, m, args)) => {
            let unknown: Vec<String> = query
                .keys()
                .filter(|k| m["parameters"].get(k.as_str()).is_none())
                .cloned()
                .collect();
            if !unknown.is_empty() {
                let v = format!("{id}: parameters {unknown:?} are not in tasks.v1.json");
                state.lock().unwrap().violations.push(v.clone());
                error(400, "INVALID_ARGUMENT", "invalidParameter", &v)
            } else {
                let mut s = state.lock().unwrap();
                let (status, out) = handle(&mut s, &id, &args, &query, &body);
                let schema = match id.as_str() {
                    "tasks.list" => Some(("Tasks", "Task")),
                    "tasklists.list" => Some(("TaskLists", "TaskList")),
                    "tasks.get" | "tasks.insert" | "tasks.patch" | "tasks.move" => {
                        Some(("Task", ""))
                    }
                    "tasklists.get" | "tasklists.insert" | "tasklists.patch" => {
                        Some(("TaskList", ""))
                    }
                    _ => None,
                };
                if let (Some((outer, inner)), 200) = (schema, status) {
                    let mut bad = contract.unknown_fields(outer, &out);
                    if !inner.is_empty() {
                        for item in out["items"].as_array().into_iter().flatten() {
                            bad.extend(contract.unknown_fields(inner, item));
                        }
                    }
                    s.violations.extend(bad);
                }
                (status, out)
            }
        }
    };
    if hold {
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
    if swallow || hold {
        // Applied, never answered: the client cannot know whether it reached Google.
        return Ok(());
    }
    let payload = if status == 204 {
        String::new()
    } else {
        out.to_string()
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(payload.as_bytes()).await?;
    sock.flush().await?;
    sock.shutdown().await
}

fn flag(q: &HashMap<String, String>, k: &str, default: bool) -> bool {
    q.get(k).map(|v| v == "true").unwrap_or(default)
}

fn handle(
    s: &mut State,
    id: &str,
    args: &HashMap<String, String>,
    q: &HashMap<String, String>,
    body: &Value,
) -> (u16, Value) {
    let not_found = || {
        error(
            404,
            "NOT_FOUND",
            "notFound",
            "Requested entity was not found.",
        )
    };
    let list_id = args.get("tasklist").cloned().unwrap_or_default();
    let task_id = args.get("task").cloned().unwrap_or_default();
    let has_list = |s: &State, l: &str| s.lists.iter().any(|x| x.id == l);
    match id {
        "tasklists.list" => {
            let items: Vec<Value> = s.lists.iter().map(list_json).collect();
            (
                200,
                json!({"kind": "tasks#taskLists", "etag": "\"l\"", "items": items}),
            )
        }
        "tasklists.get" => match s.lists.iter().find(|l| l.id == list_id) {
            Some(l) => (200, list_json(l)),
            None => not_found(),
        },
        "tasklists.insert" => {
            let title = body["title"].as_str().unwrap_or("").to_string();
            let id = s.add_list(&title);
            let l = s.lists.iter().find(|l| l.id == id).unwrap().clone();
            (200, list_json(&l))
        }
        "tasklists.patch" | "tasklists.update" => {
            let now = s.now();
            match s.lists.iter_mut().find(|l| l.id == list_id) {
                Some(l) => {
                    if let Some(t) = body["title"].as_str() {
                        l.title = t.into();
                    }
                    l.updated_ms = now;
                    let l = l.clone();
                    (200, list_json(&l))
                }
                None => not_found(),
            }
        }
        "tasklists.delete" => {
            if !has_list(s, &list_id) {
                return not_found();
            }
            s.lists.retain(|l| l.id != list_id);
            s.tasks.retain(|t| t.list != list_id);
            (204, Value::Null)
        }
        "tasks.list" => {
            if !has_list(s, &list_id) {
                return not_found();
            }
            let min = q.get("updatedMin").map(|u| {
                chrono::DateTime::parse_from_rfc3339(u)
                    .map(|d| d.timestamp_millis())
                    .unwrap_or(0)
            });
            let (deleted, hidden, completed) = (
                flag(q, "showDeleted", false),
                flag(q, "showHidden", false),
                flag(q, "showCompleted", true),
            );
            let mut all: Vec<&FTask> = s
                .tasks
                .iter()
                .filter(|t| t.list == list_id)
                .filter(|t| min.is_none_or(|m| t.updated_ms >= m))
                .filter(|t| deleted || !t.deleted)
                .filter(|t| hidden || !t.hidden)
                .filter(|t| completed || t.status != "completed")
                .collect();
            all.sort_by_key(|t| (t.parent.is_some(), t.order));
            let max: usize = q
                .get("maxResults")
                .and_then(|m| m.parse().ok())
                .unwrap_or(20)
                .min(100);
            let start: usize = q.get("pageToken").and_then(|p| p.parse().ok()).unwrap_or(0);
            let page: Vec<Value> = all
                .iter()
                .skip(start)
                .take(max)
                .map(|t| task_json(t))
                .collect();
            let mut out = json!({"kind": "tasks#tasks", "etag": "\"t\"", "items": page});
            if start + max < all.len() {
                out["nextPageToken"] = (start + max).to_string().into();
            }
            (200, out)
        }
        "tasks.get" => match s
            .tasks
            .iter()
            .find(|t| t.id == task_id && t.list == list_id)
        {
            Some(t) => (200, task_json(t)),
            None => not_found(),
        },
        "tasks.insert" => {
            if !has_list(s, &list_id) {
                return not_found();
            }
            let parent = q.get("parent").cloned();
            if let Some(p) = &parent {
                if !s
                    .tasks
                    .iter()
                    .any(|t| &t.id == p && t.list == list_id && !t.deleted)
                {
                    return error(400, "INVALID_ARGUMENT", "invalid", "Invalid parent.");
                }
            }
            let id = s.add_task(
                &list_id,
                body["title"].as_str().unwrap_or(""),
                parent.as_deref(),
            );
            if let Some(prev) = q.get("previous") {
                let o = s.tasks.iter().find(|t| &t.id == prev).map(|t| t.order);
                if let Some(o) = o {
                    s.task_mut(&id).order = o + 1;
                }
            }
            let t = s.task_mut(&id);
            t.notes = body["notes"].as_str().map(str::to_string);
            t.due = body["due"].as_str().map(str::to_string);
            if let Some(st) = body["status"].as_str() {
                t.status = st.into();
            }
            let t = t.clone();
            (200, task_json(&t))
        }
        "tasks.patch" | "tasks.update" => {
            let now = s.now();
            let Some(t) = s
                .tasks
                .iter_mut()
                .find(|t| t.id == task_id && t.list == list_id && !t.deleted)
            else {
                return not_found();
            };
            if let Some(v) = body.get("title") {
                t.title = v.as_str().unwrap_or("").into();
            }
            if let Some(v) = body.get("notes") {
                t.notes = v.as_str().map(str::to_string);
            }
            if let Some(v) = body.get("due") {
                t.due = v.as_str().map(str::to_string);
            }
            if let Some(v) = body.get("status").and_then(|v| v.as_str()) {
                t.status = v.into();
                t.completed = (v == "completed").then(|| rfc(now));
            }
            t.updated_ms = now;
            t.etag_n += 1;
            let t = t.clone();
            (200, task_json(&t))
        }
        "tasks.delete" => {
            if !s
                .tasks
                .iter()
                .any(|t| t.id == task_id && t.list == list_id && !t.deleted)
            {
                return not_found();
            }
            s.delete(&task_id);
            (204, Value::Null)
        }
        "tasks.move" => {
            let now = s.now();
            if !s
                .tasks
                .iter()
                .any(|t| t.id == task_id && t.list == list_id && !t.deleted)
            {
                return not_found();
            }
            let dest = q
                .get("destinationTasklist")
                .cloned()
                .unwrap_or(list_id.clone());
            if !has_list(s, &dest) {
                return not_found();
            }
            let parent = q.get("parent").cloned();
            let order = match q.get("previous") {
                Some(p) => s
                    .tasks
                    .iter()
                    .find(|t| &t.id == p)
                    .map(|t| t.order + 1)
                    .unwrap_or(0),
                None => {
                    s.tasks
                        .iter()
                        .filter(|t| t.list == dest && t.parent == parent)
                        .map(|t| t.order)
                        .min()
                        .unwrap_or(1000)
                        - 1
                }
            };
            // Subtasks go along with their parent to another list.
            for t in s.tasks.iter_mut() {
                if t.parent.as_deref() == Some(task_id.as_str()) && dest != list_id {
                    t.list = dest.clone();
                    t.updated_ms = now;
                }
            }
            let t = s.task_mut(&task_id);
            t.list = dest;
            t.parent = parent;
            t.order = order;
            t.updated_ms = now;
            t.etag_n += 1;
            let t = t.clone();
            (200, task_json(&t))
        }
        "tasks.clear" => {
            let now = s.now();
            for t in s
                .tasks
                .iter_mut()
                .filter(|t| t.list == list_id && t.status == "completed")
            {
                t.hidden = true;
                t.updated_ms = now;
            }
            (204, Value::Null)
        }
        other => error(
            400,
            "INVALID_ARGUMENT",
            "invalid",
            &format!("{other} is not served by the fake"),
        ),
    }
}
