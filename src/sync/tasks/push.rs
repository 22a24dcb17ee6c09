//! Sending the account's queued task changes to Google, in order (rules in the module notes).

use serde::{Deserialize, Serialize};

use super::{remote_list, remote_task, rfc3339, MoveTo, ADOPT_WINDOW_MS};
use crate::clock::{now_ms, now_unix};
use crate::error::{LibreOllamaError, Result};
use crate::google::tasks::{due_value, GTask, TasksApi};
use crate::store::queue::{self, Claim, Queue};
use crate::store::task_ops::{self, OpKind, TaskOp};
use crate::store::task_sync::{self, SyncRow};
use crate::store::{task_lists, Store};

/// What a push did.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReport {
    pub sent: usize,
    pub adopted: usize,
    pub failed: usize,
}

fn body_of(r: &SyncRow) -> serde_json::Value {
    let mut b = serde_json::json!({
        "title": r.title,
        "notes": r.notes,
        "status": if r.completed { "completed" } else { "needsAction" },
    });
    b["due"] = match &r.due {
        Some(d) => due_value(d).into(),
        None => serde_json::Value::Null,
    };
    b
}

fn is_gone(e: &LibreOllamaError) -> bool {
    matches!(
        e,
        LibreOllamaError::GoogleApi {
            status: 404 | 410,
            ..
        }
    )
}

/// One claimed op on its way: the claim, and whether a request for it may have reached Google.
struct Pass<'a> {
    store: &'a Store,
    api: &'a TasksApi,
    account: &'a str,
    owner: &'a str,
    claim: Claim,
    maybe_sent: bool,
}

impl Pass<'_> {
    /// Commits the send time just before the op's request goes out.
    async fn mark_sent(&mut self) -> Result<i64> {
        let (at, seq, owner) = (now_ms(), self.claim.rowid, self.owner.to_string());
        let held = self
            .store
            .write(move |c| task_ops::mark_sent(c, seq, &owner, at))
            .await?;
        if !held {
            return Err(LibreOllamaError::Internal(
                "the claim on a queued task change expired before it was sent".into(),
            ));
        }
        self.maybe_sent = true;
        Ok(at)
    }

    /// Done: the op leaves the queue, with `record` (Google's answer) in the same transaction.
    async fn finish<F>(&self, record: F) -> Result<()>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<()> + Send + 'static,
    {
        let (seq, owner) = (self.claim.rowid, self.owner.to_string());
        let held = self
            .store
            .transaction(move |tx| {
                record(tx)?;
                queue::finish(tx, Queue::TaskOps, seq, &owner)
            })
            .await?;
        if !held {
            tracing::warn!(seq, "a task change was finished after its claim expired");
        }
        Ok(())
    }

    /// The task is not on Google (never was, or deleted there): this op becomes an insert of
    /// its current content, and the ops that followed it for the task stay queued behind it.
    async fn requeue_insert(&self, local_id: &str) -> Result<()> {
        let (lid, seq, owner) = (
            local_id.to_string(),
            self.claim.rowid,
            self.owner.to_string(),
        );
        self.store
            .transaction(move |tx| {
                task_sync::unlink(tx, &lid)?;
                task_ops::requeue_as_insert(tx, seq, &owner)?;
                Ok(())
            })
            .await
    }
}

/// Sends the account's queued edits in order. The caller holds the account's pusher lock.
pub async fn push(store: &Store, api: &TasksApi, account: &str) -> Result<PushReport> {
    let owner = queue::new_owner();
    let mut report = PushReport::default();
    loop {
        let (acc, o, now) = (account.to_string(), owner.clone(), now_ms());
        let claimed = store
            .write(move |c| {
                let Some(claim) = queue::claim_first(c, Queue::TaskOps, Some(&acc), &o, now)?
                else {
                    return Ok(None);
                };
                Ok(task_ops::get(c, claim.rowid)?.map(|op| (claim, op)))
            })
            .await?;
        let Some((claim, op)) = claimed else {
            return Ok(report);
        };
        let mut pass = Pass {
            store,
            api,
            account,
            owner: &owner,
            maybe_sent: claim.taken_over,
            claim,
        };
        let (seq, o) = (op.seq, owner.clone());
        match push_one(&mut pass, &op, &mut report).await {
            Ok(()) => {}
            Err(e) if e.retry_later() => {
                // The pass stops here, keeping the order; the next one (the debounce after an
                // edit, the poller, a sync) tries this op first again.
                let (msg, maybe_sent, at) = (e.to_string(), pass.maybe_sent, now_ms());
                store
                    .write(move |c| {
                        if maybe_sent {
                            queue::retry_later_maybe_sent(c, Queue::TaskOps, seq, &o, &msg, at)
                        } else {
                            queue::retry_later(c, Queue::TaskOps, seq, &o, &msg, at)
                        }
                    })
                    .await?;
                return Err(e);
            }
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(seq, kind = %op.kind, error = %msg, "a task change was refused");
                store
                    .write(move |c| queue::fail(c, Queue::TaskOps, seq, &o, &msg))
                    .await?;
                report.failed += 1;
            }
        }
    }
}

async fn push_one(pass: &mut Pass<'_>, op: &TaskOp, report: &mut PushReport) -> Result<()> {
    let (store, api, account) = (pass.store, pass.api, pass.account);
    match op.kind {
        OpKind::InsertList => return push_list(pass, op, report).await,
        OpKind::RenameList | OpKind::DeleteList | OpKind::ClearList => {
            return push_list_change(pass, op, report).await
        }
        _ => {}
    }
    let lid = op.local_id.clone();
    let acc = account.to_string();
    let (task, list_g, parent_g, google, stranded) = store
        .read(move |c| {
            let Some(t) = task_sync::row(c, &lid)? else {
                return Ok((None, None, None, None, None));
            };
            let list_g = task_lists::google_id(c, &acc, t.list_local_id.as_deref())?;
            let parent_g = match &t.parent_local_id {
                Some(p) => task_sync::google_id_of(c, p)?,
                None => None,
            };
            // What it waits for can no longer arrive: its list's or parent's creation was
            // refused. Waiting would hold back the whole queue behind it.
            let stranded = match (&list_g, &t.list_local_id, &parent_g, &t.parent_local_id) {
                (None, Some(l), _, _) if !task_ops::awaits_insert(c, l)? => Some("list"),
                (_, _, None, Some(p)) if !task_ops::awaits_insert(c, p)? => Some("parent task"),
                _ => None,
            };
            let g = t.google_id.clone();
            Ok((Some(t), list_g, parent_g, g, stranded))
        })
        .await?;
    if let Some(what) = stranded {
        return Err(LibreOllamaError::InvalidInput(format!(
            "its {what} could not be added to Google Tasks (see the change refused before it); \
             delete or re-create the {what} and this task"
        )));
    }
    let Some(task) = task else {
        // The task is gone here (deleted with its list): nothing to send.
        return pass.finish(|_| Ok(())).await;
    };
    let list_g = list_g.ok_or_else(|| LibreOllamaError::Network {
        service: "Google Tasks".into(),
        reason: "the task lists have not been fetched yet".into(),
    })?;
    match op.kind {
        // Sent above, before the task is read.
        OpKind::InsertList | OpKind::RenameList | OpKind::DeleteList | OpKind::ClearList => {
            return Ok(())
        }
        OpKind::Insert => {
            if google.is_some() {
                return pass.finish(|_| Ok(())).await;
            }
            // Taken over after a request went out: Google may have it already.
            if let (true, Some(sent)) = (pass.claim.taken_over, op.sent_at) {
                if let Some(g) = find_sent(store, api, &list_g, &task, sent).await? {
                    let (lid, lg, g) = (task.local_id.clone(), list_g.clone(), remote_task(&g));
                    pass.finish(move |tx| task_sync::record(tx, &lid, &lg, &g, sent, now_unix()))
                        .await?;
                    report.adopted += 1;
                    return Ok(());
                }
            }
            if task.parent_local_id.is_some() && parent_g.is_none() {
                return Err(LibreOllamaError::Network {
                    service: "Google Tasks".into(),
                    reason: "a subtask waits for its parent to reach Google".into(),
                });
            }
            let sent = pass.mark_sent().await?;
            let g = api
                .insert(&list_g, &body_of(&task), parent_g.as_deref(), None)
                .await?;
            let (lid, g) = (task.local_id.clone(), remote_task(&g));
            pass.finish(move |tx| task_sync::record(tx, &lid, &list_g, &g, sent, now_unix()))
                .await?;
        }
        OpKind::Patch => {
            let Some(gid) = google else {
                // Not on Google yet: its insert (earlier in the queue, or re-created) sends
                // the current fields.
                return pass.requeue_insert(&task.local_id).await;
            };
            let fields: Vec<String> = op
                .payload
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let full = body_of(&task);
            let mut body = serde_json::Map::new();
            for f in &fields {
                if let Some(v) = full.get(f) {
                    body.insert(f.clone(), v.clone());
                }
            }
            if fields.iter().any(|f| f == "status") && !task.completed {
                body.insert("completed".into(), serde_json::Value::Null);
            }
            let sent = pass.mark_sent().await?;
            match api.patch(&list_g, &gid, &body.into()).await {
                Ok(g) => {
                    let (lid, g) = (task.local_id.clone(), remote_task(&g));
                    pass.finish(move |tx| {
                        task_sync::record(tx, &lid, &list_g, &g, sent, now_unix())
                    })
                    .await?;
                }
                Err(e) if is_gone(&e) => return pass.requeue_insert(&task.local_id).await,
                Err(e) => return Err(e),
            }
        }
        OpKind::Move => {
            let Some(gid) = google else {
                return pass.requeue_insert(&task.local_id).await;
            };
            let to: MoveTo = serde_json::from_value(op.payload.clone()).unwrap_or_default();
            let acc = account.to_string();
            let from = to.from_list.clone();
            let from_g = store
                .read(move |c| task_lists::google_id(c, &acc, from.as_deref()))
                .await?
                .unwrap_or_else(|| list_g.clone());
            let previous_g = match &to.previous {
                Some(p) => {
                    let p = p.clone();
                    store.read(move |c| task_sync::google_id_of(c, &p)).await?
                }
                None => None,
            };
            pass.mark_sent().await?;
            let result = if from_g != list_g {
                move_across(
                    store,
                    api,
                    &task,
                    &gid,
                    &from_g,
                    &list_g,
                    parent_g.as_deref(),
                )
                .await
            } else {
                api.move_task(
                    &list_g,
                    &gid,
                    parent_g.as_deref(),
                    previous_g.as_deref(),
                    None,
                )
                .await
                .map(|_| ())
            };
            match result {
                Ok(()) => {}
                Err(e) if is_gone(&e) => return pass.requeue_insert(&task.local_id).await,
                Err(e) => return Err(e),
            }
            let (lid, lg) = (task.local_id.clone(), list_g.clone());
            let fresh = remote_task(&api.get(&list_g, &gid).await?);
            pass.finish(move |tx| task_sync::record(tx, &lid, &lg, &fresh, i64::MIN, now_unix()))
                .await?;
        }
        OpKind::Delete => {
            if let Some(gid) = google {
                pass.mark_sent().await?;
                match api.delete(&list_g, &gid).await {
                    Ok(()) => {}
                    Err(e) if is_gone(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            let lid = task.local_id.clone();
            pass.finish(move |tx| task_sync::forget(tx, &lid)).await?;
        }
    }
    report.sent += 1;
    Ok(())
}

/// Subtasks out, parent across, subtasks back under it (see the module notes).
async fn move_across(
    store: &Store,
    api: &TasksApi,
    task: &SyncRow,
    gid: &str,
    from_g: &str,
    to_g: &str,
    parent_g: Option<&str>,
) -> Result<()> {
    let lid = task.local_id.clone();
    let children: Vec<String> = store
        .read(move |c| task_sync::subtask_google_ids(c, &lid))
        .await?;
    for ch in &children {
        move_tolerant(api, from_g, ch, None, None, Some(to_g)).await?;
    }
    api.move_task(from_g, gid, parent_g, None, Some(to_g))
        .await
        .or_else(|e| {
            // Already there (a repeated op after a crash): fine.
            if is_gone(&e) {
                Ok(GTask::default())
            } else {
                Err(e)
            }
        })?;
    let mut previous: Option<String> = None;
    for ch in &children {
        api.move_task(to_g, ch, Some(gid), previous.as_deref(), None)
            .await?;
        previous = Some(ch.clone());
    }
    Ok(())
}

async fn move_tolerant(
    api: &TasksApi,
    list: &str,
    task: &str,
    parent: Option<&str>,
    previous: Option<&str>,
    dest: Option<&str>,
) -> Result<()> {
    match api.move_task(list, task, parent, previous, dest).await {
        Ok(_) => Ok(()),
        // Google moved it along with its parent already, or a repeated op: it is there.
        Err(e) if is_gone(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// After a crash between sending an insert and recording it: Google's copy, if it has one.
async fn find_sent(
    store: &Store,
    api: &TasksApi,
    list_g: &str,
    task: &SyncRow,
    sent_ms: i64,
) -> Result<Option<GTask>> {
    let since = rfc3339(sent_ms - ADOPT_WINDOW_MS);
    let candidates = api.changed(list_g, Some(&since)).await?;
    let acc = task.account_id.clone();
    let known = store
        .read(move |c| task_sync::known_google_ids(c, &acc))
        .await?;
    Ok(candidates.into_iter().find(|g| {
        !g.deleted
            && !known.contains(&g.id)
            && g.title == task.title
            && g.notes.clone().unwrap_or_default() == task.notes
    }))
}

async fn push_list(pass: &mut Pass<'_>, op: &TaskOp, report: &mut PushReport) -> Result<()> {
    let (store, api) = (pass.store, pass.api);
    let lid = op.local_id.clone();
    let l2 = lid.clone();
    let list = store
        .read(move |c| task_lists::title_and_google_id(c, &l2))
        .await?;
    let Some((title, None)) = list else {
        return pass.finish(|_| Ok(())).await;
    };
    let mut adopted = None;
    // Taken over after a request went out: Google may have the list already.
    if pass.claim.taken_over && op.sent_at.is_some() {
        let acc = pass.account.to_string();
        let known = store
            .read(move |c| task_lists::known_google_ids(c, &acc))
            .await?;
        adopted = api
            .lists()
            .await?
            .into_iter()
            .find(|l| l.title == title && !known.contains(&l.id));
    }
    let g = match adopted {
        Some(g) => {
            report.adopted += 1;
            g
        }
        None => {
            pass.mark_sent().await?;
            report.sent += 1;
            api.insert_list(&title).await?
        }
    };
    let g = remote_list(&g);
    pass.finish(move |tx| task_lists::record_sent(tx, &lid, &g, now_unix()))
        .await
}

/// A rename, deletion or clear of a list. The list's current title goes (a later rename
/// replaced the earlier op); a list Google no longer has needs nothing (the pull removes it).
async fn push_list_change(pass: &mut Pass<'_>, op: &TaskOp, report: &mut PushReport) -> Result<()> {
    let (store, api) = (pass.store, pass.api);
    let lid = op.local_id.clone();
    let list = store
        .read(move |c| task_lists::title_and_google_id(c, &lid))
        .await?;
    let gone_ok = |r: Result<()>| match r {
        Err(e) if is_gone(&e) => Ok(()),
        r => r,
    };
    match op.kind {
        OpKind::DeleteList => {
            let Some(gid) = op.payload["google_id"].as_str() else {
                return pass.finish(|_| Ok(())).await;
            };
            pass.mark_sent().await?;
            gone_ok(api.delete_list(gid).await)?;
            pass.finish(|_| Ok(())).await?;
        }
        OpKind::RenameList => {
            // Not on Google yet: its insert sends the title it has then.
            let Some((title, Some(gid))) = list else {
                return pass.finish(|_| Ok(())).await;
            };
            pass.mark_sent().await?;
            match api.patch_list(&gid, &title).await {
                Ok(g) => {
                    let (lid, g) = (op.local_id.clone(), remote_list(&g));
                    pass.finish(move |tx| task_lists::record_sent(tx, &lid, &g, now_unix()))
                        .await?;
                }
                Err(e) if is_gone(&e) => pass.finish(|_| Ok(())).await?,
                Err(e) => return Err(e),
            }
        }
        OpKind::ClearList => {
            // Not on Google: nothing to clear there. (A list made here is created before its
            // clear, in queue order; one deleted on Google and made again gets its clear
            // queued again after the tasks, see `task_lists::list_gone`.)
            let Some((_, Some(gid))) = list else {
                return pass.finish(|_| Ok(())).await;
            };
            let sent = pass.mark_sent().await?;
            gone_ok(api.clear(&gid).await)?;
            let lid = op.local_id.clone();
            pass.finish(move |tx| task_ops::settle_field_in_list(tx, &lid, "hidden", sent))
                .await?;
        }
        // Task changes are sent by push_one.
        _ => return pass.finish(|_| Ok(())).await,
    }
    report.sent += 1;
    Ok(())
}
