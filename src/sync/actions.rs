//! Local mail actions: applied to the cache at once (the UI never waits for the network) and
//! queued durably in the same transaction; pushed to Gmail in order; a change Gmail refuses for
//! good is rolled back in the cache and kept as `failed` with the reason, to be reported.

use rusqlite::{params, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::types::ModifyRequest;
use crate::google::gmail::Gmail;
use crate::store::{now_unix, Store};

pub use crate::model::MailAction as Action;

/// Every action as label changes (add, remove): Gmail models all of them so.
pub fn label_changes(action: &Action) -> (Vec<String>, Vec<String>) {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match action {
        Action::Archive => (v(&[]), v(&["INBOX"])),
        Action::MoveToInbox => (v(&["INBOX"]), v(&[])),
        Action::MarkRead => (v(&[]), v(&["UNREAD"])),
        Action::MarkUnread => (v(&["UNREAD"]), v(&[])),
        Action::Star => (v(&["STARRED"]), v(&[])),
        Action::Unstar => (v(&[]), v(&["STARRED"])),
        Action::Trash => (v(&["TRASH"]), v(&["INBOX"])),
        Action::Untrash => (v(&["INBOX"]), v(&["TRASH"])),
        Action::AddLabel(l) => (vec![l.clone()], vec![]),
        Action::RemoveLabel(l) => (vec![], vec![l.clone()]),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushReport {
    pub pushed: usize,
    /// (message id, why) for each change Gmail refused and that was rolled back.
    pub refused: Vec<(String, String)>,
    /// Left queued after a temporary failure (offline, rate limited): retried next time.
    pub pending: usize,
}

/// One queued change as read back for pushing.
struct Queued {
    seq: i64,
    message_id: String,
    add: Vec<String>,
    remove: Vec<String>,
    prev: Vec<String>,
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn labels_of(
    conn: &rusqlite::Connection,
    account: &str,
    message_id: &str,
) -> Result<Option<(i64, Vec<String>)>> {
    let rowid: Option<i64> = conn
        .query_row(
            "SELECT rowid FROM mail_messages WHERE account_id = ?1 AND id = ?2",
            params![account, message_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| LibreOllamaError::db("reading a message", e))?;
    let Some(rowid) = rowid else { return Ok(None) };
    let mut st = conn
        .prepare_cached(
            "SELECT label_id FROM mail_message_labels WHERE message_rowid = ?1 ORDER BY label_id",
        )
        .map_err(|e| LibreOllamaError::db("reading labels", e))?;
    let labels = st
        .query_map([rowid], |r| r.get(0))
        .map_err(|e| LibreOllamaError::db("reading labels", e))?
        .collect::<std::result::Result<Vec<String>, _>>()
        .map_err(|e| LibreOllamaError::db("reading labels", e))?;
    Ok(Some((rowid, labels)))
}

fn set_labels(conn: &rusqlite::Connection, rowid: i64, labels: &[String]) -> Result<()> {
    let e = |e| LibreOllamaError::db("writing labels", e);
    conn.execute(
        "DELETE FROM mail_message_labels WHERE message_rowid = ?1",
        [rowid],
    )
    .map_err(e)?;
    for l in labels {
        conn.execute(
            "INSERT OR IGNORE INTO mail_message_labels (message_rowid, label_id) VALUES (?1, ?2)",
            params![rowid, l],
        )
        .map_err(e)?;
    }
    Ok(())
}

/// Applies `action` to the cached messages and queues it, all in one transaction.
pub async fn apply(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
) -> Result<()> {
    apply_inner(store, account, message_ids, action, true).await
}

/// Applies `action` to the cache only: for imported archives, which have no server.
pub async fn apply_local(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
) -> Result<()> {
    apply_inner(store, account, message_ids, action, false).await
}

async fn apply_inner(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
    queue: bool,
) -> Result<()> {
    let (add, remove) = label_changes(&action);
    let (account, ids) = (account.to_string(), message_ids.to_vec());
    store
        .transaction(move |tx| {
            for id in &ids {
                let (rowid, prev) = labels_of(tx, &account, id)?.ok_or_else(|| LibreOllamaError::NotFound {
                    what: format!("Message {id} in the local cache"),
                })?;
                let mut next: Vec<String> = prev.iter().filter(|l| !remove.contains(l)).cloned().collect();
                for a in &add {
                    if !next.contains(a) {
                        next.push(a.clone());
                    }
                }
                set_labels(tx, rowid, &next)?;
                if !queue {
                    continue;
                }
                tx.execute(
                    "INSERT INTO mail_actions (account_id, message_id, add_labels, remove_labels, prev_labels, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![account, id, json(&add), json(&remove), json(&prev), now_unix()],
                )
                .map_err(|e| LibreOllamaError::db("queueing a change", e))?;
            }
            Ok(())
        })
        .await
}

/// Pushes queued changes in order. Stops at the first temporary failure (order matters: a later
/// change must not overtake an earlier one on the same message).
pub async fn push(store: &Store, gmail: &Gmail, account: &str) -> Result<PushReport> {
    let acc = account.to_string();
    let queue: Vec<Queued> = store
        .read(move |c| {
            let mut st = c
                .prepare("SELECT seq, message_id, add_labels, remove_labels, prev_labels FROM mail_actions WHERE account_id = ?1 AND state = 'pending' ORDER BY seq")
                .map_err(|e| LibreOllamaError::db("reading the change queue", e))?;
            let rows = st
                .query_map([acc], |r| {
                    let p = |i: usize| -> rusqlite::Result<Vec<String>> {
                        Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or_default())
                    };
                    Ok(Queued {
                        seq: r.get(0)?,
                        message_id: r.get(1)?,
                        add: p(2)?,
                        remove: p(3)?,
                        prev: p(4)?,
                    })
                })
                .map_err(|e| LibreOllamaError::db("reading the change queue", e))?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(|e| LibreOllamaError::db("reading the change queue", e))
        })
        .await?;
    let mut report = PushReport::default();
    let total = queue.len();
    for (i, q) in queue.into_iter().enumerate() {
        let Queued {
            seq,
            message_id: id,
            add,
            remove,
            prev,
        } = q;
        let change = ModifyRequest {
            add_label_ids: add,
            remove_label_ids: remove,
        };
        match gmail.messages_modify(&id, &change).await {
            Ok(_) => {
                store
                    .write(move |c| {
                        c.execute("DELETE FROM mail_actions WHERE seq = ?1", [seq])
                            .map_err(|e| LibreOllamaError::db("recording a pushed change", e))?;
                        Ok(())
                    })
                    .await?;
                report.pushed += 1;
            }
            Err(e) if e.is_retryable() || e.needs_reauth() => {
                let msg = e.to_string();
                store
                    .write(move |c| {
                        c.execute(
                            "UPDATE mail_actions SET attempts = attempts + 1, last_error = ?1 WHERE seq = ?2",
                            params![msg, seq],
                        )
                        .map_err(|e| LibreOllamaError::db("recording a failed push", e))?;
                        Ok(())
                    })
                    .await?;
                report.pending = total - i;
                return Ok(report);
            }
            Err(e) => {
                let msg = e.to_string();
                let (acc, mid, why) = (account.to_string(), id.clone(), msg.clone());
                store
                    .transaction(move |tx| {
                        if let Some((rowid, _)) = labels_of(tx, &acc, &mid)? {
                            set_labels(tx, rowid, &prev)?;
                        }
                        tx.execute(
                            "UPDATE mail_actions SET state = 'failed', attempts = attempts + 1, last_error = ?1 WHERE seq = ?2",
                            params![why, seq],
                        )
                        .map_err(|e| LibreOllamaError::db("recording a refused change", e))?;
                        Ok(())
                    })
                    .await?;
                tracing::warn!(message = %id, error = %msg, "mail change refused by Gmail; rolled back");
                report.refused.push((id, msg));
            }
        }
    }
    Ok(report)
}
