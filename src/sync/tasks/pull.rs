//! Bringing Google's lists and changed tasks (rules in the module notes).

use std::collections::HashSet;

use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::{remote_list, remote_task, rfc3339_ms};
use crate::clock::now_unix;
use crate::error::Result;
use crate::google::tasks::{GTask, TasksApi};
use crate::store::task_ops::{self, OpKind};
use crate::store::task_sync::{self, KeepLocal};
use crate::store::{task_lists, Store};

/// What a pull changed.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullReport {
    pub lists: usize,
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Tasks deleted on Google but edited here since, so kept and sent again.
    pub kept: usize,
}

/// Brings Google's lists and the tasks changed since the last pull of each list. The caller
/// holds the account's pusher lock (the pull settles queued ops too).
pub async fn pull(store: &Store, api: &TasksApi, account: &str) -> Result<PullReport> {
    let mut report = PullReport::default();
    let lists = api.lists().await?;
    let acc = account.to_string();
    let glists: Vec<_> = lists.iter().map(remote_list).collect();
    // Lists: new ones added, renamed ones renamed, ones gone from Google removed (with their
    // tasks, as on Google) unless they were made here and are still waiting to be sent.
    let local_lists = store
        .transaction(move |tx| {
            let now = now_unix();
            let seen: HashSet<&str> = glists.iter().map(|l| l.id.as_str()).collect();
            for (lid, gid) in task_lists::on_google(tx, &acc)? {
                if !seen.contains(gid.as_str()) {
                    let kept = task_lists::list_gone(tx, &acc, &lid)?;
                    if kept > 0 {
                        tracing::info!(kept, "a task list deleted on Google kept its unsent tasks");
                    }
                }
            }
            // Deleted here, the deletion still on its way: not brought back.
            let deleting = task_ops::lists_being_deleted(tx, &acc)?;
            for (i, l) in glists.iter().enumerate() {
                if !deleting.contains(&l.id) {
                    task_lists::save_pulled(tx, &acc, l, i == 0, now)?;
                }
            }
            if glists.is_empty() {
                task_lists::clear_default(tx, &acc)?;
            }
            task_lists::cursors(tx, &acc)
        })
        .await?;
    report.lists = lists.len();
    for (list_local, list_g, updated_min) in local_lists {
        let changed = api.changed(&list_g, updated_min.as_deref()).await?;
        if changed.is_empty() {
            continue;
        }
        let acc = account.to_string();
        let r = store
            .transaction(move |tx| apply_changes(tx, &acc, &list_local, &list_g, &changed))
            .await?;
        report.added += r.added;
        report.updated += r.updated;
        report.deleted += r.deleted;
        report.kept += r.kept;
    }
    Ok(report)
}

fn apply_changes(
    tx: &Transaction<'_>,
    account: &str,
    list_local: &str,
    list_g: &str,
    changed: &[GTask],
) -> Result<PullReport> {
    let mut report = PullReport::default();
    // Deleted here (the app, the CLI, another window) while its changes were being fetched:
    // its tasks must not come back without a list.
    if !task_lists::is_on_google(tx, list_local, list_g)? {
        return Ok(report);
    }
    let now = now_unix();
    let mut newest = String::new();
    // Parents first, so a subtask finds its parent's local id.
    let mut ordered: Vec<&GTask> = changed.iter().filter(|g| g.parent.is_none()).collect();
    ordered.extend(changed.iter().filter(|g| g.parent.is_some()));
    for g in ordered {
        if let Some(u) = &g.updated {
            if *u > newest {
                newest = u.clone();
            }
        }
        let server_ms = g.updated.as_deref().map(rfc3339_ms).unwrap_or(0);
        let parent_local = match &g.parent {
            Some(p) => task_sync::local_by_google(tx, account, p)?,
            None => None,
        };
        let remote = remote_task(g);
        let mut found = task_sync::local_by_google(tx, account, &g.id)?;
        if found.is_none() && !g.deleted {
            // Sent before a crash but never recorded: the queued insert is this task.
            if let Some((lid, seq)) = task_ops::sent_insert_like(
                tx,
                account,
                &remote.title,
                &remote.notes,
                server_ms,
                super::ADOPT_WINDOW_MS,
            )? {
                task_sync::link(tx, &lid, &g.id, list_g)?;
                task_ops::remove(tx, seq)?;
                found = Some(lid);
            }
        }
        let Some(lid) = found else {
            if g.deleted {
                continue;
            }
            task_sync::insert_pulled(
                tx,
                account,
                list_local,
                list_g,
                parent_local.as_deref(),
                &remote,
                now,
            )?;
            report.added += 1;
            continue;
        };
        // updatedMin is inclusive: the newest task of the last pull comes again, unchanged.
        let seen = task_sync::seen(tx, &lid)?;
        if seen == Some((g.updated.clone(), g.etag.clone())) && !g.deleted {
            continue;
        }
        let edits = task_ops::dirty(tx, &lid)?;
        let newer_here = |field: &str| edits.get(field).is_some_and(|&ms| ms > server_ms);
        if g.deleted {
            // A clear (hiding it) is no reason to bring back a task deleted on Google.
            if edits
                .iter()
                .any(|(field, &ms)| field != "hidden" && ms > server_ms)
            {
                // Edited here after Google deleted it: keep it and send it again.
                task_sync::unlink(tx, &lid)?;
                task_ops::remove_for(tx, &lid, &[OpKind::Patch, OpKind::Move])?;
                task_ops::enqueue(tx, account, OpKind::Insert, &lid, &serde_json::json!({}))?;
                report.kept += 1;
            } else {
                task_sync::forget(tx, &lid)?;
                task_ops::remove_for(tx, &lid, &OpKind::ALL)?;
                report.deleted += 1;
            }
            continue;
        }
        let keep = KeepLocal {
            title: newer_here("title"),
            notes: newer_here("notes"),
            due: newer_here("due"),
            status: newer_here("status"),
            place: newer_here("place"),
            hidden: newer_here("hidden"),
        };
        task_sync::apply_pulled(
            tx,
            &lid,
            list_local,
            list_g,
            parent_local.as_deref(),
            &remote,
            keep,
            server_ms,
            now,
        )?;
        report.updated += 1;
    }
    if !newest.is_empty() {
        task_lists::set_cursor(tx, list_local, &newest)?;
    }
    Ok(report)
}
