//! Mail drafts kept on this computer (durable user data), with their attached files.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::model::{ComposeKind, DraftEdit, DraftFile, DraftOrigin, DraftView};

const COLS: &str = "id, account_id, thread_id, to_addrs, cc_addrs, bcc_addrs, subject, body_text, rich, kind, origin, \
     updated_at, gmail_draft_id IS NOT NULL AND pushed_version = version";

/// A kind this build does not know (written by a newer one) opens as a new message: the draft
/// stays readable and sendable, it only loses its "Reply"/"Forward" title.
fn kind_of(text: &str) -> ComposeKind {
    ComposeKind::parse(text).unwrap_or(ComposeKind::New)
}

/// The column's CHECK admits only the two names, so the fallback is never taken.
fn origin_of(text: &str) -> DraftOrigin {
    DraftOrigin::parse(text).unwrap_or(DraftOrigin::User)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftView> {
    Ok(DraftView {
        id: r.get(0)?,
        account_id: r.get(1)?,
        thread_id: r.get(2)?,
        to: r.get(3)?,
        cc: r.get(4)?,
        bcc: r.get(5)?,
        subject: r.get(6)?,
        body: r.get(7)?,
        rich: r.get(8)?,
        kind: kind_of(&r.get::<_, String>(9)?),
        origin: origin_of(&r.get::<_, String>(10)?),
        updated_at: r.get(11)?,
        on_gmail: r.get::<_, Option<bool>>(12)?.unwrap_or(false),
        files: Vec::new(),
    })
}

fn db(e: rusqlite::Error) -> LibreOllamaError {
    LibreOllamaError::db("saving a draft", e)
}

/// What a new draft answers and says.
pub struct NewDraft<'a> {
    pub account_id: &'a str,
    pub thread_id: Option<&'a str>,
    pub in_reply_to: Option<&'a str>,
    pub references: Option<&'a str>,
    pub to: &'a str,
    pub cc: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The body is Markdown (Formatting on).
    pub rich: bool,
    pub kind: ComposeKind,
    pub origin: DraftOrigin,
}

pub fn create(c: &Connection, id: &str, d: &NewDraft<'_>, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO mail_drafts (id, account_id, thread_id, in_reply_to, references_hdr, to_addrs, cc_addrs, subject, body_text, kind, origin, created_at, updated_at, rich) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
        params![id, d.account_id, d.thread_id, d.in_reply_to, d.references, d.to, d.cc, d.subject, d.body, d.kind.as_str(), d.origin.as_str(), now, d.rich],
    )
    .map_err(db)?;
    Ok(())
}

fn files(c: &Connection, id: &str) -> Result<Vec<DraftFile>> {
    let mut st = c
        .prepare_cached(
            "SELECT id, filename, mime_type, size FROM mail_draft_files WHERE draft_id = ?1 ORDER BY id",
        )
        .map_err(db)?;
    let rows = st
        .query_map([id], |r| {
            Ok(DraftFile {
                id: r.get(0)?,
                filename: r.get(1)?,
                mime_type: r.get(2)?,
                size: r.get(3)?,
            })
        })
        .map_err(db)?;
    rows.collect::<std::result::Result<_, _>>().map_err(db)
}

pub fn get(c: &Connection, id: &str) -> Result<DraftView> {
    let mut d = c
        .query_row(
            &format!("SELECT {COLS} FROM mail_drafts WHERE id = ?1"),
            [id],
            row,
        )
        .optional()
        .map_err(db)?
        .ok_or_else(|| LibreOllamaError::NotFound {
            what: format!("Draft {id}"),
        })?;
    d.files = files(c, id)?;
    Ok(d)
}

/// The user's edit: what they wrote is theirs now (origin 'user'). A draft in the outbox is
/// not changed (undo brings it back first).
pub fn update(c: &Connection, id: &str, e: &DraftEdit, now: i64) -> Result<DraftView> {
    let n = c
        .execute(
            "UPDATE mail_drafts SET to_addrs = ?1, cc_addrs = ?2, bcc_addrs = ?3, subject = ?4, body_text = ?5, rich = ?6, \
               origin = 'user', updated_at = ?7, version = version + 1 WHERE id = ?8 AND in_outbox = 0",
            params![e.to, e.cc, e.bcc, e.subject, e.body, e.rich, now, id],
        )
        .map_err(db)?;
    if n == 0 {
        let queued: Option<bool> = c
            .query_row(
                "SELECT in_outbox FROM mail_drafts WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        return Err(match queued {
            Some(true) => LibreOllamaError::InvalidInput(
                "this mail is in the outbox: undo the send (or cancel the schedule) to edit it"
                    .into(),
            ),
            _ => LibreOllamaError::NotFound {
                what: format!("Draft {id}"),
            },
        });
    }
    get(c, id)
}

/// Drafts being written (not those in the outbox), newest first.
pub fn list(c: &Connection, account: Option<&str>) -> Result<Vec<DraftView>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLS} FROM mail_drafts WHERE (?1 IS NULL OR account_id = ?1) AND in_outbox = 0 ORDER BY updated_at DESC, id"
        ))
        .map_err(db)?;
    let rows: Vec<DraftView> = st
        .query_map([account], row)
        .map_err(db)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|mut d| {
            d.files = files(c, &d.id)?;
            Ok(d)
        })
        .collect()
}

/// Removes a draft here; its Gmail copy (if any) is queued for deletion.
pub fn delete(c: &Connection, id: &str) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO mail_draft_removals (account_id, gmail_draft_id) \
         SELECT account_id, gmail_draft_id FROM mail_drafts WHERE id = ?1 AND gmail_draft_id IS NOT NULL",
        [id],
    )
    .map_err(db)?;
    c.execute("DELETE FROM mail_drafts WHERE id = ?1", [id])
        .map_err(db)?;
    Ok(())
}

/// Attaches a file; the draft's new version is pushed to Gmail like any edit.
pub fn add_file(
    c: &Connection,
    draft: &str,
    filename: &str,
    mime: &str,
    data: &[u8],
    now: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO mail_draft_files (draft_id, filename, mime_type, size, data, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![draft, filename, mime, data.len() as i64, data, now],
    )
    .map_err(db)?;
    touch(c, draft, now)
}

pub fn remove_file(c: &Connection, draft: &str, file: i64, now: i64) -> Result<()> {
    c.execute(
        "DELETE FROM mail_draft_files WHERE id = ?1 AND draft_id = ?2",
        params![file, draft],
    )
    .map_err(db)?;
    touch(c, draft, now)
}

fn touch(c: &Connection, draft: &str, now: i64) -> Result<()> {
    c.execute(
        "UPDATE mail_drafts SET updated_at = ?1, version = version + 1 WHERE id = ?2",
        params![now, draft],
    )
    .map_err(db)?;
    Ok(())
}

/// The bytes of every file of a draft, in the order they were added.
pub fn file_data(c: &Connection, draft: &str) -> Result<Vec<(String, String, Vec<u8>)>> {
    let mut st = c
        .prepare("SELECT filename, mime_type, data FROM mail_draft_files WHERE draft_id = ?1 ORDER BY id")
        .map_err(db)?;
    let rows = st
        .query_map([draft], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db)?;
    rows.collect::<std::result::Result<_, _>>().map_err(db)
}

/// Total bytes attached to a draft.
pub fn files_size(c: &Connection, draft: &str) -> Result<i64> {
    c.query_row(
        "SELECT coalesce(sum(size), 0) FROM mail_draft_files WHERE draft_id = ?1",
        [draft],
        |r| r.get(0),
    )
    .map_err(db)
}

/// The headers a draft answers (In-Reply-To, References).
pub fn threading(c: &Connection, draft: &str) -> Result<(Option<String>, Option<String>)> {
    c.query_row(
        "SELECT in_reply_to, references_hdr FROM mail_drafts WHERE id = ?1",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .map_err(db)
}

fn err(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

// ---- the outbox's side of a draft ---------------------------------------------------------

/// The draft's copy in Gmail's Drafts, if it has one.
pub fn gmail_draft_id(c: &Connection, draft: &str) -> Result<Option<String>> {
    c.query_row(
        "SELECT gmail_draft_id FROM mail_drafts WHERE id = ?1",
        [draft],
        |r| r.get(0),
    )
    .map_err(err("queueing a mail"))
}

/// Takes the draft into the outbox (out of the drafts list, no longer editable); false if it
/// is there already.
pub fn move_to_outbox(c: &Connection, draft: &str) -> Result<bool> {
    let n = c
        .execute(
            "UPDATE mail_drafts SET in_outbox = 1 WHERE id = ?1 AND in_outbox = 0",
            [draft],
        )
        .map_err(err("queueing a mail"))?;
    Ok(n == 1)
}

/// Back in the drafts (Undo).
pub fn back_from_outbox(c: &Connection, draft: &str) -> Result<()> {
    // A send may have rewritten Gmail's copy (it sends through it) without recording that:
    // its version is learned at the next look instead of being taken for a change made
    // elsewhere (which would bring back the same text without its formatting).
    c.execute(
        "UPDATE mail_drafts SET in_outbox = 0, gmail_message_id = NULL WHERE id = ?1",
        [draft],
    )
    .map_err(err("undoing a send"))?;
    Ok(())
}

/// The Gmail copy went with the mail (sent through it): nothing to delete at Gmail.
pub fn forget_gmail_copy(c: &Connection, draft: &str) -> Result<()> {
    c.execute(
        "UPDATE mail_drafts SET gmail_draft_id = NULL, gmail_message_id = NULL WHERE id = ?1",
        [draft],
    )
    .map_err(err("recording a sent mail"))?;
    Ok(())
}

// ---- copies in Gmail's Drafts --------------------------------------------------------------

/// Drafts changed since their last copy to Gmail and left alone since `quiet_before` (unix
/// seconds), oldest change first; not those in the outbox.
pub fn to_push(c: &Connection, account: &str, quiet_before: i64) -> Result<Vec<String>> {
    let mut st = c
        .prepare(
            "SELECT id FROM mail_drafts WHERE account_id = ?1 AND in_outbox = 0 \
             AND (pushed_version IS NULL OR pushed_version < version) AND updated_at <= ?2 ORDER BY updated_at",
        )
        .map_err(err("reading drafts"))?;
    let rows = st
        .query_map(params![account, quiet_before], |r| r.get(0))
        .map_err(err("reading drafts"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(err("reading drafts"))
}

/// Gmail drafts to delete (their local draft is gone).
pub fn gmail_removals(c: &Connection, account: &str) -> Result<Vec<String>> {
    let mut st = c
        .prepare("SELECT gmail_draft_id FROM mail_draft_removals WHERE account_id = ?1")
        .map_err(err("reading drafts"))?;
    let rows = st
        .query_map([account], |r| r.get(0))
        .map_err(err("reading drafts"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(err("reading drafts"))
}

pub fn removal_done(c: &Connection, account: &str, gmail_draft: &str) -> Result<()> {
    c.execute(
        "DELETE FROM mail_draft_removals WHERE account_id = ?1 AND gmail_draft_id = ?2",
        params![account, gmail_draft],
    )
    .map_err(err("recording a draft"))?;
    Ok(())
}

/// The draft's Gmail copy (if any) and its current version.
pub fn push_state(c: &Connection, draft: &str) -> Result<(Option<String>, i64)> {
    c.query_row(
        "SELECT gmail_draft_id, version FROM mail_drafts WHERE id = ?1",
        [draft],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .map_err(err("reading drafts"))
}

/// Gmail holds `version` of the draft as `gmail_draft`, in message `gmail_message`. A draft
/// deleted here while its copy was being made: the copy is queued for deletion, so it never
/// comes back as a draft from another device.
pub fn mark_pushed(
    c: &Connection,
    account: &str,
    draft: &str,
    gmail_draft: &str,
    gmail_message: Option<&str>,
    version: i64,
) -> Result<()> {
    let n = c
        .execute(
            "UPDATE mail_drafts SET gmail_draft_id = ?1, pushed_version = ?2, gmail_message_id = ?3 WHERE id = ?4",
            params![gmail_draft, version, gmail_message, draft],
        )
        .map_err(err("recording a draft"))?;
    if n == 0 {
        c.execute(
            "INSERT OR IGNORE INTO mail_draft_removals (account_id, gmail_draft_id) VALUES (?1, ?2)",
            params![account, gmail_draft],
        )
        .map_err(err("recording a draft"))?;
    }
    Ok(())
}

/// An editor has the draft open until `until_ms` (renewed while it stays open); None: closed.
pub fn hold_for_editing(c: &Connection, draft: &str, until_ms: Option<i64>) -> Result<()> {
    c.execute(
        "UPDATE mail_drafts SET editing_until = ?1 WHERE id = ?2",
        params![until_ms, draft],
    )
    .map_err(err("recording a draft"))?;
    Ok(())
}

// ---- what a new draft answers (read from the mail cache) -----------------------------------

/// The message a reply or forward starts from.
#[derive(Clone, Debug)]
pub struct ReplySource {
    pub thread_id: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// Unix ms.
    pub date_ms: i64,
    pub message_id: Option<String>,
    pub references: Option<String>,
}

pub fn reply_source(c: &Connection, account: &str, message: &str) -> Result<Option<ReplySource>> {
    c.query_row(
        "SELECT thread_id, from_addr, to_addr, cc_addr, subject, internal_date, message_id_hdr, references_hdr \
         FROM mail_messages WHERE account_id = ?1 AND id = ?2",
        params![account, message],
        |r| {
            Ok(ReplySource {
                thread_id: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
                cc: r.get(3)?,
                subject: r.get(4)?,
                date_ms: r.get(5)?,
                message_id: r.get(6)?,
                references: r.get(7)?,
            })
        },
    )
    .optional()
    .map_err(err("reading a message"))
}

/// The address lines (From, To, Cc joined) of the account's newest `limit` messages: who one
/// writes to, for address suggestions.
pub fn recent_addresses(c: &Connection, account: &str, limit: usize) -> Result<Vec<String>> {
    let mut st = c
        .prepare(
            "SELECT from_addr, to_addr, cc_addr FROM mail_messages WHERE account_id = ?1 \
             ORDER BY internal_date DESC LIMIT ?2",
        )
        .map_err(err("reading addresses"))?;
    let rows = st
        .query_map(params![account, limit as i64], |r| {
            Ok(format!(
                "{}, {}, {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })
        .map_err(err("reading addresses"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(err("reading addresses"))
}
