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
    /// Drafts Gmail could not give (left for the next look).
    pub skipped: usize,
}

/// A Gmail draft's message, read.
struct GmailDraft {
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    body: String,
    rich: bool,
    in_reply_to: Option<String>,
    references: Option<String>,
    files: Vec<File>,
}

fn parse_gmail_draft(raw: &[u8]) -> Result<GmailDraft> {
    let p =
        parse::parse_with(raw, KeepParts::All).ok_or_else(|| LibreOllamaError::Serialization {
            format: "MIME".into(),
            reason: "a draft in Gmail's Drafts is not a readable message; open it in Gmail".into(),
        })?;
    let mut parts = p.parts;
    let files = p
        .attachments
        .iter()
        .filter_map(|a| {
            let at = parts.iter().position(|x| x.part_id == a.part_id)?;
            Some((
                a.filename.clone(),
                a.mime_type.clone(),
                parts.swap_remove(at).data,
            ))
        })
        .collect();
    let (body, rich) =
        crate::mail::compose::editable_body(p.text.as_deref(), p.html_sanitized.as_deref());
    Ok(GmailDraft {
        to: p.to,
        cc: p.cc,
        bcc: parse::bcc_of(raw),
        subject: p.subject,
        body,
        rich,
        in_reply_to: p.in_reply_to,
        references: p.references,
        files,
    })
}

impl DraftsService {
    async fn gmail_copy(
        &self,
        account: &str,
        gmail_draft: &str,
    ) -> Result<(Option<String>, GmailDraft)> {
        let d = self.gmail(account).drafts_get_raw(gmail_draft).await?;
        let m = d.message.unwrap_or_default();
        let raw = crate::google::gmail::decode_raw(m.raw.as_deref().unwrap_or_default())?;
        let thread = Some(m.thread_id).filter(|t| !t.is_empty());
        // Parsing a large draft (files up to Gmail's 25 MB) is work for a blocking thread.
        let parsed = tokio::task::spawn_blocking(move || parse_gmail_draft(&raw))
            .await
            .map_err(|e| LibreOllamaError::Internal(format!("reading a draft failed: {e}")))??;
        Ok((thread, parsed))
    }

    /// Brings Gmail's Drafts here: new ones added, changed ones taken (unless edited here since
    /// or open in an editor), those gone from Gmail removed (unless edited here since, open, or
    /// on their way out). A draft changed both here and at Gmail keeps what is here and gains
    /// Gmail's text as a draft of its own. One draft Gmail cannot give (unreadable, too large)
    /// is skipped, not the rest.
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
        let (listed, complete) = self.gmail(account).drafts_list().await?;
        let mut report = DraftsPulled::default();
        for g in &listed {
            if removing.contains(&g.id) {
                continue;
            }
            let known = known.iter().find(|k| k.gmail_draft_id == g.id);
            let step = async {
                let version = self.gmail_version(account, &g.id).await?;
                self.pull_one(account, &g.id, &version, known, &mut report)
                    .await
            };
            if let Err(e) = step.await {
                tracing::warn!(account, error = %e, "a draft in Gmail's Drafts was skipped");
                report.skipped += 1;
            }
        }
        if !complete {
            // Gmail's list was cut: a draft missing from it may still be there.
            return Ok(report);
        }
        let listed: HashSet<&str> = listed.iter().map(|d| d.id.as_str()).collect();
        for k in known {
            if listed.contains(k.gmail_draft_id.as_str()) || k.edited_here || k.in_outbox {
                continue;
            }
            let now_ms = self.clock.now_ms();
            let removed = self
                .store
                .write(move |c| {
                    gmail_drafts::remove_gone(c, &k.id, &k.gmail_draft_id, k.version, now_ms)
                })
                .await?;
            report.removed += usize::from(removed);
        }
        Ok(report)
    }

    /// What Gmail's copy is now: its message id and history id ("id:history"). Gmail gives a
    /// changed draft a new message; some servers (the emulator) change it in place, which moves
    /// its history id. Either way this changes when the draft does.
    async fn gmail_version(&self, account: &str, gmail_draft: &str) -> Result<String> {
        let d = self.gmail(account).drafts_get(gmail_draft).await?;
        let m = d.message.unwrap_or_default();
        let history = m.history_id.map(|h| h.0).unwrap_or_default();
        Ok(format!("{}:{history}", m.id))
    }

    async fn pull_one(
        &self,
        account: &str,
        gmail_draft: &str,
        message: &str,
        known: Option<&gmail_drafts::Copied>,
        report: &mut DraftsPulled,
    ) -> Result<()> {
        // A copy just made here is known by its message id alone (Gmail's answer to the copy
        // has no history id): the version seen now is that copy.
        let just_copied = |k: &gmail_drafts::Copied| match &k.gmail_message_id {
            None => true,
            Some(v) => !v.contains(':') && message.split(':').next() == Some(v.as_str()),
        };
        match known {
            Some(k) if k.gmail_message_id.as_deref() == Some(message) => {}
            // Copied by a build before V20, or just now: Gmail's copy is the one made here.
            Some(k) if just_copied(k) => {
                let (id, gid, m) = (k.id.clone(), gmail_draft.to_string(), message.to_string());
                self.store
                    .write(move |c| gmail_drafts::learn_message_id(c, &id, &gid, &m))
                    .await?;
            }
            // Going out now: the outbox sends what is here.
            Some(k) if k.in_outbox => {}
            // Changed both here and at Gmail: what is here stays (and replaces Gmail's copy
            // at the next push); Gmail's becomes a draft of its own.
            Some(k) if k.edited_here => {
                let (thread, r) = self.gmail_copy(account, gmail_draft).await?;
                let message = message.to_string();
                let (acc, id, gid) = (account.to_string(), k.id.clone(), gmail_draft.to_string());
                let (copy, now) = (new_id("draft"), self.clock.now_unix());
                self.store
                    .transaction(move |tx| {
                        gmail_drafts::add_conflict_copy(
                            tx,
                            &copy,
                            &new_draft(&acc, thread.as_deref(), &r),
                            &r.bcc,
                            &r.files,
                            now,
                        )?;
                        gmail_drafts::learn_message_id(tx, &id, &gid, &message)
                    })
                    .await?;
                report.added += 1;
            }
            Some(k) => {
                let (_, r) = self.gmail_copy(account, gmail_draft).await?;
                let message = message.to_string();
                let (id, version, now_ms) = (k.id.clone(), k.version, self.clock.now_ms());
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
                                rich: r.rich,
                                gmail_message: &message,
                            },
                            &r.files,
                            now_ms,
                        )
                    })
                    .await?;
                report.changed += usize::from(taken);
            }
            None => {
                let (thread, r) = self.gmail_copy(account, gmail_draft).await?;
                let message = message.to_string();
                let (acc, gid, id) = (
                    account.to_string(),
                    gmail_draft.to_string(),
                    new_id("draft"),
                );
                let now = self.clock.now_unix();
                let added = self
                    .store
                    .transaction(move |tx| {
                        gmail_drafts::add(
                            tx,
                            &id,
                            &new_draft(&acc, thread.as_deref(), &r),
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
        Ok(())
    }
}

/// A draft here as Gmail's copy reads.
fn new_draft<'a>(
    account: &'a str,
    thread: Option<&'a str>,
    r: &'a GmailDraft,
) -> drafts::NewDraft<'a> {
    let reply = r.in_reply_to.is_some();
    drafts::NewDraft {
        account_id: account,
        // A reply goes in the conversation it answers; a new mail's draft conversation at
        // Gmail holds only the draft itself.
        thread_id: thread.filter(|_| reply),
        in_reply_to: r.in_reply_to.as_deref(),
        references: r.references.as_deref(),
        to: &r.to,
        cc: &r.cc,
        subject: &r.subject,
        body: &r.body,
        rich: r.rich,
        kind: if reply {
            ComposeKind::Reply
        } else {
            ComposeKind::New
        },
        origin: DraftOrigin::User,
    }
}
