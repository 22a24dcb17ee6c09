//! Gmail's Drafts coming here: drafts made or changed on another device, and those sent or
//! discarded there. What was edited here since its last copy wins: the push replaces Gmail's.

use std::collections::HashSet;

use super::DraftsService;
use crate::error::{LibreOllamaError, Result};
use crate::mail::parse::{self, KeepParts};
use crate::model::{ComposeKind, DraftOrigin};
use crate::store::gmail_drafts::{self, File, FromGmail};
use crate::store::{drafts, new_id};

/// What one look at Gmail's Drafts changed here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftsPulled {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// A Gmail draft's message, read.
struct Read {
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    body: String,
    in_reply_to: Option<String>,
    references: Option<String>,
    files: Vec<File>,
}

fn read(raw: &[u8]) -> Result<Read> {
    let p = parse::parse_with(raw, KeepParts::All).ok_or_else(|| LibreOllamaError::GoogleApi {
        status: 200,
        message: "Gmail sent a draft that is not a readable message".into(),
    })?;
    let mut parts = p.parts;
    let files = p
        .attachments
        .iter()
        .filter_map(|a| {
            let at = parts.iter().position(|x| x.part_id == a.part_id)?;
            Some((a.filename.clone(), a.mime_type.clone(), parts.swap_remove(at).data))
        })
        .collect();
    Ok(Read {
        to: p.to,
        cc: p.cc,
        bcc: parse::bcc_of(raw),
        subject: p.subject,
        body: p.text.unwrap_or_default(),
        in_reply_to: p.in_reply_to,
        references: p.references,
        files,
    })
}

impl DraftsService {
    async fn gmail_copy(&self, account: &str, gmail_draft: &str) -> Result<(String, Option<String>, Read)> {
        let d = self.gmail(account).drafts_get_raw(gmail_draft).await?;
        let m = d.message.unwrap_or_default();
        let raw = crate::google::gmail::decode_raw(m.raw.as_deref().unwrap_or_default())?;
        let thread = Some(m.thread_id).filter(|t| !t.is_empty());
        Ok((m.id, thread, read(&raw)?))
    }

    /// Brings Gmail's Drafts here: new ones added, changed ones taken (unless edited here since),
    /// those gone from Gmail removed (unless edited here since, or on their way out).
    pub async fn pull_drafts(&self, account: &str) -> Result<DraftsPulled> {
        let _pass = self.drafts_lock(account).await?;
        let acc = account.to_string();
        // Under the drafts lock, no copy is being made meanwhile (one made in another process
        // is recorded before its lock is let go).
        let (known, removing) = self
            .store
            .read(move |c| {
                Ok((
                    gmail_drafts::copied(c, &acc)?,
                    drafts::gmail_removals(c, &acc)?,
                ))
            })
            .await?;
        let listed = self.gmail(account).drafts_list().await?;
        let mut report = DraftsPulled::default();
        for g in &listed {
            if removing.contains(&g.id) {
                continue;
            }
            let message = g.message.as_ref().map(|m| m.id.clone()).unwrap_or_default();
            match known.iter().find(|k| k.gmail_draft_id == g.id) {
                Some(k) if k.gmail_message_id.as_deref() == Some(message.as_str()) => {}
                // Copied by a build before V20: Gmail's copy is the one made here.
                Some(k) if k.gmail_message_id.is_none() => {
                    let (id, gid) = (k.id.clone(), g.id.clone());
                    self.store
                        .write(move |c| gmail_drafts::learn_message_id(c, &id, &gid, &message))
                        .await?;
                }
                Some(k) if k.edited_here || k.in_outbox => {}
                Some(k) => {
                    let (message, _, r) = self.gmail_copy(account, &g.id).await?;
                    let (id, version, now) = (k.id.clone(), k.version, self.clock.now_unix());
                    let taken = self
                        .store
                        .transaction(move |tx| {
                            gmail_drafts::take_change(
                                tx,
                                &id,
                                version,
                                &FromGmail {
                                    to: &r.to,
                                    cc: &r.cc,
                                    bcc: &r.bcc,
                                    subject: &r.subject,
                                    body: &r.body,
                                    gmail_message: &message,
                                },
                                &r.files,
                                now,
                            )
                        })
                        .await?;
                    report.changed += usize::from(taken);
                }
                None => {
                    let (message, thread, r) = self.gmail_copy(account, &g.id).await?;
                    let (acc, gid, id) = (account.to_string(), g.id.clone(), new_id("draft"));
                    let now = self.clock.now_unix();
                    let added = self
                        .store
                        .transaction(move |tx| {
                            let reply = r.in_reply_to.is_some();
                            gmail_drafts::add(
                                tx,
                                &id,
                                &drafts::NewDraft {
                                    account_id: &acc,
                                    // Only an answer belongs to a conversation of its own.
                                    thread_id: thread.as_deref().filter(|_| reply),
                                    in_reply_to: r.in_reply_to.as_deref(),
                                    references: r.references.as_deref(),
                                    to: &r.to,
                                    cc: &r.cc,
                                    subject: &r.subject,
                                    body: &r.body,
                                    kind: if reply {
                                        ComposeKind::Reply
                                    } else {
                                        ComposeKind::New
                                    },
                                    origin: DraftOrigin::User,
                                },
                                &r.bcc,
                                &r.files,
                                &gid,
                                &message,
                                now,
                            )
                        })
                        .await?;
                    report.added += usize::from(added);
                }
            }
        }
        let listed: HashSet<&str> = listed.iter().map(|d| d.id.as_str()).collect();
        for k in known {
            if listed.contains(k.gmail_draft_id.as_str()) || k.edited_here || k.in_outbox {
                continue;
            }
            let removed = self
                .store
                .write(move |c| gmail_drafts::remove_gone(c, &k.id, &k.gmail_draft_id, k.version))
                .await?;
            report.removed += usize::from(removed);
        }
        Ok(report)
    }
}
