//! Drafts as Gmail's Drafts has them: made on another device (added here), changed there (the
//! copy here follows while it is not being edited), or gone there (sent or discarded elsewhere:
//! gone here too, unless edited here since). Every change checks, in its statement, that the
//! draft was not edited or queued meanwhile, by this process or another.

use rusqlite::{params, Connection, Transaction};

use super::drafts::NewDraft;
use crate::error::{LibreOllamaError, Result};

fn db(e: rusqlite::Error) -> LibreOllamaError {
    LibreOllamaError::db("saving a draft from Gmail", e)
}

/// A draft here that has a copy in Gmail's Drafts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub id: String,
    pub gmail_draft_id: String,
    /// None: copied before V20 (learned at the next look).
    pub gmail_message_id: Option<String>,
    pub version: i64,
    /// Edited here since Gmail's copy was made: what is here wins (and replaces Gmail's).
    pub edited_here: bool,
    pub in_outbox: bool,
}

/// A draft made here from Gmail's copy of a draft that was also edited here (both changed since
/// the last copy): neither text is lost. Not linked to Gmail's draft, so the next push copies it
/// to Gmail as a draft of its own.
pub fn add_conflict_copy(
    tx: &Transaction<'_>,
    id: &str,
    d: &NewDraft<'_>,
    bcc: &str,
    files: &[File],
    now: i64,
) -> Result<()> {
    super::drafts::create(tx, id, d, now)?;
    for (name, mime, data) in files {
        super::drafts::add_file(tx, id, name, mime, data, now)?;
    }
    tx.execute(
        "UPDATE mail_drafts SET bcc_addrs = ?1 WHERE id = ?2",
        params![bcc, id],
    )
    .map_err(db)?;
    Ok(())
}

pub fn copied(c: &Connection, account: &str) -> Result<Vec<Copied>> {
    let mut st = c
        .prepare(
            "SELECT id, gmail_draft_id, gmail_message_id, version, coalesce(pushed_version, -1) <> version, in_outbox \
             FROM mail_drafts WHERE account_id = ?1 AND gmail_draft_id IS NOT NULL",
        )
        .map_err(db)?;
    let rows = st
        .query_map([account], |r| {
            Ok(Copied {
                id: r.get(0)?,
                gmail_draft_id: r.get(1)?,
                gmail_message_id: r.get(2)?,
                version: r.get(3)?,
                edited_here: r.get(4)?,
                in_outbox: r.get(5)?,
            })
        })
        .map_err(db)?;
    rows.collect::<std::result::Result<_, _>>().map_err(db)
}

/// A file of a draft as Gmail's copy has it: (name, MIME type, bytes).
pub type File = (String, String, Vec<u8>);

/// Adds a draft made on another device as Gmail's copy has it (it counts as copied already),
/// unless a draft here already has that copy (another process took it first). True if added.
#[allow(clippy::too_many_arguments)]
pub fn add(
    tx: &Transaction<'_>,
    id: &str,
    d: &NewDraft<'_>,
    bcc: &str,
    files: &[File],
    gmail_draft: &str,
    gmail_message: &str,
    now: i64,
) -> Result<bool> {
    let there: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM mail_drafts WHERE account_id = ?1 AND gmail_draft_id = ?2)",
            params![d.account_id, gmail_draft],
            |r| r.get(0),
        )
        .map_err(db)?;
    if there {
        return Ok(false);
    }
    super::drafts::create(tx, id, d, now)?;
    for (name, mime, data) in files {
        super::drafts::add_file(tx, id, name, mime, data, now)?;
    }
    tx.execute(
        "UPDATE mail_drafts SET bcc_addrs = ?1, gmail_draft_id = ?2, gmail_message_id = ?3, pushed_version = version \
         WHERE id = ?4",
        params![bcc, gmail_draft, gmail_message, id],
    )
    .map_err(db)?;
    Ok(true)
}

/// What Gmail's changed copy says.
pub struct FromGmail<'a> {
    pub to: &'a str,
    pub cc: &'a str,
    pub bcc: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The body is Markdown made from Gmail's formatted HTML.
    pub rich: bool,
    pub gmail_message: &'a str,
}

/// Takes Gmail's changed copy (its text and files), if the draft is still at `version`, not
/// edited here since its last copy, not in the outbox and not open in an editor (at `now_ms`).
/// True if it was taken.
pub fn take_change(
    tx: &Transaction<'_>,
    id: &str,
    version: i64,
    g: &FromGmail<'_>,
    files: &[File],
    now_ms: i64,
) -> Result<bool> {
    let now = now_ms.div_euclid(1000);
    let n = tx
        .execute(
            "UPDATE mail_drafts SET to_addrs = ?1, cc_addrs = ?2, bcc_addrs = ?3, subject = ?4, body_text = ?5, rich = ?11, \
               gmail_message_id = ?6, updated_at = ?7 \
             WHERE id = ?8 AND version = ?9 AND pushed_version = version AND in_outbox = 0 \
               AND coalesce(editing_until, 0) < ?10",
            params![g.to, g.cc, g.bcc, g.subject, g.body, g.gmail_message, now, id, version, now_ms, g.rich],
        )
        .map_err(db)?;
    if n == 0 {
        return Ok(false);
    }
    tx.execute("DELETE FROM mail_draft_files WHERE draft_id = ?1", [id])
        .map_err(db)?;
    for (name, mime, data) in files {
        super::drafts::add_file(tx, id, name, mime, data, now)?;
    }
    // Gmail's copy is this version: nothing to send back.
    tx.execute(
        "UPDATE mail_drafts SET version = version + 1, pushed_version = version + 1 WHERE id = ?1",
        [id],
    )
    .map_err(db)?;
    Ok(true)
}

/// Records the message id Gmail's copy has (a draft copied before V20, or just written).
pub fn learn_message_id(
    c: &Connection,
    id: &str,
    gmail_draft: &str,
    gmail_message: &str,
) -> Result<()> {
    c.execute(
        "UPDATE mail_drafts SET gmail_message_id = ?1 WHERE id = ?2 AND gmail_draft_id = ?3",
        params![gmail_message, id, gmail_draft],
    )
    .map_err(db)?;
    Ok(())
}

/// Removes a draft whose Gmail copy is gone, if it is still at `version` with that copy, not
/// edited here since, not in the outbox and not open in an editor (at `now_ms`). True if it
/// went.
pub fn remove_gone(
    c: &Connection,
    id: &str,
    gmail_draft: &str,
    version: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = c
        .execute(
            "DELETE FROM mail_drafts WHERE id = ?1 AND gmail_draft_id = ?2 AND version = ?3 \
             AND pushed_version = version AND in_outbox = 0 AND coalesce(editing_until, 0) < ?4",
            params![id, gmail_draft, version, now_ms],
        )
        .map_err(db)?;
    Ok(n == 1)
}
