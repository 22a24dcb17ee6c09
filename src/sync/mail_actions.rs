//! The mail-label queue: local mail actions (archive, read, star, …) are applied to the cache at
//! once (the UI never waits for the network) and queued durably in the same transaction; one
//! pusher per account (across processes) sends them to Gmail in order; a change Gmail refuses for
//! good is rolled back in the cache and kept as failed with the reason, to be reported.
//!
//! Claims go through the queue engine (`store::queue`, `Queue::MailActions`) in strict order per
//! account: a change waiting out a back-off holds back the ones after it, so a later change never
//! overtakes an earlier one on the same message. A label change is idempotent at Gmail, so a
//! claim taken over from a crashed process is simply sent again.

use crate::clock::{now_ms, now_unix};
use crate::error::{LibreOllamaError, Result};
use crate::google::gmail::types::ModifyRequest;
use crate::google::gmail::Gmail;
use crate::store::locks::PusherLock;
use crate::store::queue::{self, Queue};
use crate::store::{labels, mail_actions, Store};

pub use crate::model::MailAction as Action;
use crate::model::{MailUndo, MessageChange};

/// Back-off after a temporary failure: doubling from this, up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 5_000;
/// Short enough that a change is sent within a minute of the connection coming back.
const MAX_BACKOFF_MS: i64 = 60_000;
/// A run of this many identical changes goes as one `batchModify`: it costs Gmail's quota 50
/// units against 5 per `modify`, so from ten messages on it is the cheaper call.
const BATCH_FROM: usize = 10;
/// Gmail takes at most 1,000 ids in one `batchModify`.
const BATCH_MAX: usize = 1_000;

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
        Action::MarkSpam => (v(&["SPAM"]), v(&["INBOX"])),
        Action::NotSpam => (v(&["INBOX"]), v(&["SPAM"])),
        Action::Relabel { add, remove } => (add.clone(), remove.clone()),
    }
}

/// How long to wait before the `attempts`-th try is repeated.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    FIRST_BACKOFF_MS
        .saturating_mul(1i64 << doublings)
        .min(MAX_BACKOFF_MS)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushReport {
    pub pushed: usize,
    /// (message id, why) for each change Gmail refused and that was rolled back.
    pub refused: Vec<(String, String)>,
    /// Left queued after a temporary failure (offline, rate limited): retried next time.
    pub pending: usize,
}

/// Applies `action` to the cached messages and queues it, all in one transaction; the answer
/// is what Undo needs.
pub async fn apply(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
) -> Result<MailUndo> {
    apply_inner(store, account, message_ids, action, true).await
}

/// Applies `action` to the cache only: for imported archives, which have no server.
pub async fn apply_local(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
) -> Result<MailUndo> {
    apply_inner(store, account, message_ids, action, false).await
}

/// Gmail's system label ids (INBOX, UNREAD, CATEGORY_SOCIAL…) and the archive's (ARCHIVE):
/// capitals, digits and underscores.
pub fn is_system_label_id(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 64
        && l.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The labels `now` becomes with `add` and `remove` applied (order kept, no duplicates).
fn with_changes(now: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut next: Vec<String> = now
        .iter()
        .filter(|l| !remove.contains(l))
        .cloned()
        .collect();
    for a in add {
        if !next.contains(a) {
            next.push(a.clone());
        }
    }
    next
}

/// What `action` would change on each message, changing nothing (`--dry-run`). A message the
/// cache does not hold is an error, as it is for the action itself.
pub async fn preview(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: &Action,
) -> Result<Vec<MessageChange>> {
    let (add, remove) = label_changes(action);
    let (account, ids) = (account.to_string(), message_ids.to_vec());
    store
        .read(move |c| {
            ids.iter()
                .map(|id| {
                    let (_, prev) = cached_labels(c, &account, id)?;
                    Ok(diff(id, &prev, &with_changes(&prev, &add, &remove), None))
                })
                .collect()
        })
        .await
}

fn cached_labels(c: &rusqlite::Connection, account: &str, id: &str) -> Result<(i64, Vec<String>)> {
    labels::of_message(c, account, id)?.ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Message {id} in the local cache"),
    })
}

fn diff(id: &str, prev: &[String], next: &[String], seq: Option<i64>) -> MessageChange {
    MessageChange {
        id: id.to_string(),
        added: next.iter().filter(|l| !prev.contains(l)).cloned().collect(),
        removed: prev.iter().filter(|l| !next.contains(l)).cloned().collect(),
        seq,
    }
}

async fn apply_inner(
    store: &Store,
    account: &str,
    message_ids: &[String],
    action: Action,
    queue: bool,
) -> Result<MailUndo> {
    let (add, remove) = label_changes(&action);
    let (account, ids) = (account.to_string(), message_ids.to_vec());
    store
        .transaction(move |tx| {
            let mut changes = Vec::with_capacity(ids.len());
            for id in &ids {
                // A message gone from the cache since the caller saw it (a draft Gmail saved
                // again under a new id, a sync in another process) is skipped, as undo skips
                // it: one stale id must not refuse the rest of a conversation. None left: the
                // caller is told.
                let Some((rowid, prev)) = labels::of_message(tx, &account, id)? else {
                    continue;
                };
                let next = with_changes(&prev, &add, &remove);
                labels::set_on_message(tx, rowid, &next)?;
                // Queued even when the cache saw no change: the cache may be behind Gmail, and
                // a label change is idempotent there.
                let seq = if queue {
                    Some(mail_actions::enqueue(
                        tx,
                        &account,
                        id,
                        &add,
                        &remove,
                        &prev,
                        now_unix(),
                    )?)
                } else {
                    None
                };
                changes.push(diff(id, &prev, &next, seq));
            }
            if changes.is_empty() {
                if let Some(first) = ids.first() {
                    cached_labels(tx, &account, first)?;
                }
            }
            Ok(MailUndo {
                account_id: account,
                changes,
            })
        })
        .await
}

/// Takes an action back. A queued change no process has tried yet is withdrawn (Gmail never saw
/// it); one that may have reached Gmail is followed by its inverse through the same queue. The
/// cache gets back exactly what the action changed, keeping changes made since to other labels.
/// A message gone from the cache meanwhile (deleted at Gmail) is skipped. `queue` is false for
/// the imported archive.
/// Answers whether anything was queued. Every label named must be one the account has (or a
/// system label): the token comes back from the page, over HTTP in the web preview.
pub async fn undo(store: &Store, undo: &MailUndo, queue: bool) -> Result<bool> {
    let u = undo.clone();
    store
        .transaction(move |tx| {
            let known = labels::names(tx, &u.account_id)?;
            let valid = |l: &String| known.contains_key(l) || is_system_label_id(l);
            if let Some(bad) = u
                .changes
                .iter()
                .flat_map(|c| c.added.iter().chain(&c.removed))
                .find(|l| !valid(l))
            {
                return Err(LibreOllamaError::InvalidInput(format!(
                    "that undo names a label this account does not have ({bad}); nothing was changed"
                )));
            }
            let mut queued = false;
            for ch in &u.changes {
                let Some((rowid, now)) = labels::of_message(tx, &u.account_id, &ch.id)? else {
                    continue;
                };
                labels::set_on_message(tx, rowid, &with_changes(&now, &ch.removed, &ch.added))?;
                if !queue {
                    continue;
                }
                let withdrawn = match ch.seq {
                    Some(seq) => mail_actions::withdraw_untried(tx, seq, &u.account_id, &ch.id)?,
                    None => false,
                };
                let changed = !(ch.added.is_empty() && ch.removed.is_empty());
                if changed && !withdrawn {
                    queued = true;
                    mail_actions::enqueue(
                        tx,
                        &u.account_id,
                        &ch.id,
                        &ch.removed,
                        &ch.added,
                        &now,
                        now_unix(),
                    )?;
                }
            }
            Ok(queued)
        })
        .await
}

/// Pushes the account's queued changes in order, as the one pusher of this account: waits for
/// any other pass (in this process or another) to end first. Stops at the first temporary
/// failure, which backs off (order matters: a later change must not overtake an earlier one).
pub async fn push(store: &Store, gmail: &Gmail, account: &str) -> Result<PushReport> {
    let (dir, acc) = (store.data_dir().to_path_buf(), account.to_string());
    let _lock =
        tokio::task::spawn_blocking(move || PusherLock::acquire(&dir, Queue::MailActions, &acc))
            .await
            .map_err(|e| {
                LibreOllamaError::Internal(format!("waiting for the mail pusher failed: {e}"))
            })??;
    let owner = queue::new_owner();
    let mut report = PushReport::default();
    // After Gmail refused a run sent together, its changes go one by one up to this one.
    let mut one_by_one_until = 0i64;
    loop {
        let (acc, who) = (account.to_string(), owner.clone());
        let claimed = store
            .write(move |c| {
                let Some(claim) =
                    queue::claim_first(c, Queue::MailActions, Some(&acc), &who, now_ms())?
                else {
                    return Ok(None);
                };
                let Some(first) = mail_actions::get(c, claim.rowid)? else {
                    return Ok(None);
                };
                let mut run = Vec::new();
                // Only changes never tried go together: one refused before (or cut off by a
                // back-off after a refused run) goes alone, so a bad id cannot refuse a run twice.
                if first.seq > one_by_one_until && claim.attempts == 1 {
                    let next = mail_actions::same_change_after(
                        c,
                        &acc,
                        first.seq,
                        &first.add,
                        &first.remove,
                        BATCH_MAX - 1,
                    )?;
                    if next.len() + 1 >= BATCH_FROM {
                        for n in next {
                            match queue::claim_row(c, Queue::MailActions, n.seq, &who, now_ms())? {
                                Some(cl) if cl.attempts == 1 => run.push((cl, n)),
                                Some(cl) => {
                                    queue::retry_later(
                                        c,
                                        Queue::MailActions,
                                        cl.rowid,
                                        &who,
                                        "tried before: sent on its own",
                                        0,
                                    )?;
                                    break;
                                }
                                None => break,
                            }
                        }
                    }
                }
                Ok(Some((claim, first, run)))
            })
            .await?;
        let Some((claim, change, run)) = claimed else {
            // Empty, or the first change waits out a back-off: it and those after it wait.
            let acc = account.to_string();
            let (waiting, _) = store
                .read(move |c| queue::counts(c, Queue::MailActions, Some(&acc)))
                .await?;
            report.pending = usize::try_from(waiting).unwrap_or(usize::MAX);
            return Ok(report);
        };
        let request = ModifyRequest {
            add_label_ids: change.add.clone(),
            remove_label_ids: change.remove.clone(),
        };
        let seq = claim.rowid;
        if !run.is_empty() {
            let seqs: Vec<i64> = std::iter::once(seq)
                .chain(run.iter().map(|(c, _)| c.rowid))
                .collect();
            // The same message twice in a run (archived twice) is named once.
            let mut ids: Vec<String> = std::iter::once(change.message_id.clone())
                .chain(run.iter().map(|(_, ch)| ch.message_id.clone()))
                .collect();
            let mut seen = std::collections::HashSet::new();
            ids.retain(|id| seen.insert(id.clone()));
            match gmail.messages_batch_modify(&ids, &request).await {
                Ok(()) => {
                    let (who, n) = (owner.clone(), seqs.len());
                    store
                        .transaction(move |tx| {
                            for s in &seqs {
                                queue::finish(tx, Queue::MailActions, *s, &who)?;
                            }
                            Ok(())
                        })
                        .await?;
                    report.pushed += n;
                    continue;
                }
                Err(e) => {
                    let retry = e.is_retryable() || e.needs_reauth();
                    // Temporarily: the whole run waits out the back-off. Refused: one id Gmail
                    // does not know refuses the run, so its changes go one by one, each
                    // refused (and rolled back) alone.
                    let at = if retry {
                        now_ms().saturating_add(backoff_ms(claim.attempts))
                    } else {
                        one_by_one_until = *seqs.last().unwrap_or(&seq);
                        now_ms()
                    };
                    let (msg, who, acc) = (e.to_string(), owner.clone(), account.to_string());
                    let (waiting, _) = store
                        .transaction(move |tx| {
                            for s in &seqs {
                                queue::retry_later(tx, Queue::MailActions, *s, &who, &msg, at)?;
                            }
                            queue::counts(tx, Queue::MailActions, Some(&acc))
                        })
                        .await?;
                    if retry {
                        report.pending = usize::try_from(waiting).unwrap_or(usize::MAX);
                        return Ok(report);
                    }
                    continue;
                }
            }
        }
        match gmail.messages_modify(&change.message_id, &request).await {
            Ok(_) => {
                let who = owner.clone();
                store
                    .write(move |c| queue::finish(c, Queue::MailActions, seq, &who))
                    .await?;
                report.pushed += 1;
            }
            Err(e) if e.is_retryable() || e.needs_reauth() => {
                let (msg, who, acc) = (e.to_string(), owner.clone(), account.to_string());
                let at = now_ms().saturating_add(backoff_ms(claim.attempts));
                let (waiting, _) = store
                    .write(move |c| {
                        queue::retry_later(c, Queue::MailActions, seq, &who, &msg, at)?;
                        queue::counts(c, Queue::MailActions, Some(&acc))
                    })
                    .await?;
                report.pending = usize::try_from(waiting).unwrap_or(usize::MAX);
                return Ok(report);
            }
            Err(e) => {
                let msg = e.to_string();
                let (acc, who, why) = (account.to_string(), owner.clone(), msg.clone());
                let mid = change.message_id.clone();
                let (prev, add, remove) = (change.prev, change.add, change.remove);
                store
                    .transaction(move |tx| {
                        if let Some((rowid, now)) = labels::of_message(tx, &acc, &mid)? {
                            let back = undo_labels(&now, &prev, &add, &remove);
                            labels::set_on_message(tx, rowid, &back)?;
                        }
                        queue::fail(tx, Queue::MailActions, seq, &who, &why)?;
                        Ok(())
                    })
                    .await?;
                tracing::warn!(message = %change.message_id, error = %msg, "mail change refused by Gmail; rolled back");
                report.refused.push((change.message_id, msg));
            }
        }
    }
}

/// The message's labels with only this refused change taken back: changes made after it (a
/// "mark read" after a refused archive) stay.
fn undo_labels(now: &[String], prev: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut out: Vec<String> = now
        .iter()
        .filter(|l| !add.contains(l) || prev.contains(l))
        .cloned()
        .collect();
    for l in remove {
        if prev.contains(l) && !out.contains(l) {
            out.push(l.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_change_takes_back_only_itself() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Archived (INBOX removed), then marked read (UNREAD removed); the archive is refused.
        let back = undo_labels(
            &v(&["STARRED"]),
            &v(&["INBOX", "UNREAD", "STARRED"]),
            &[],
            &v(&["INBOX"]),
        );
        assert_eq!(
            back,
            v(&["STARRED", "INBOX"]),
            "back in the inbox, and still read"
        );
        // A label added by the refused change goes; one that was there before stays.
        let back = undo_labels(
            &v(&["INBOX", "Work", "Travel"]),
            &v(&["INBOX", "Travel"]),
            &v(&["Work", "Travel"]),
            &[],
        );
        assert_eq!(back, v(&["INBOX", "Travel"]));
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff_ms(1), 5_000);
        assert_eq!(backoff_ms(2), 10_000);
        assert_eq!(backoff_ms(4), 40_000);
        assert_eq!(backoff_ms(5), 60_000);
        assert_eq!(backoff_ms(i64::MAX), 60_000);
        assert_eq!(backoff_ms(0), 5_000);
    }
}
