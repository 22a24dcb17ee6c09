//! Mail drafts kept on this computer (durable user data).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::model::DraftView;

const COLS: &str =
    "id, account_id, thread_id, to_addrs, cc_addrs, subject, body_text, origin, updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftView> {
    Ok(DraftView {
        id: r.get(0)?,
        account_id: r.get(1)?,
        thread_id: r.get(2)?,
        to: r.get(3)?,
        cc: r.get(4)?,
        subject: r.get(5)?,
        body: r.get(6)?,
        origin: r.get(7)?,
        updated_at: r.get(8)?,
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
    pub subject: &'a str,
    pub body: &'a str,
    pub origin: &'a str,
}

pub fn create(c: &Connection, id: &str, d: &NewDraft<'_>, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO mail_drafts (id, account_id, thread_id, in_reply_to, references_hdr, to_addrs, subject, body_text, origin, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![id, d.account_id, d.thread_id, d.in_reply_to, d.references, d.to, d.subject, d.body, d.origin, now],
    )
    .map_err(db)?;
    Ok(())
}

pub fn get(c: &Connection, id: &str) -> Result<DraftView> {
    c.query_row(
        &format!("SELECT {COLS} FROM mail_drafts WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
    .map_err(db)?
    .ok_or_else(|| LibreOllamaError::NotFound {
        what: format!("Draft {id}"),
    })
}

/// The user's edit: what they wrote is theirs now (origin 'user').
pub fn update(
    c: &Connection,
    id: &str,
    to: &str,
    cc: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> Result<DraftView> {
    let n = c
        .execute(
            "UPDATE mail_drafts SET to_addrs = ?1, cc_addrs = ?2, subject = ?3, body_text = ?4, origin = 'user', updated_at = ?5 WHERE id = ?6",
            params![to, cc, subject, body, now, id],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(LibreOllamaError::NotFound {
            what: format!("Draft {id}"),
        });
    }
    get(c, id)
}

pub fn list(c: &Connection, account: Option<&str>) -> Result<Vec<DraftView>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLS} FROM mail_drafts WHERE ?1 IS NULL OR account_id = ?1 ORDER BY updated_at DESC, id"
        ))
        .map_err(db)?;
    let rows = st.query_map([account], row).map_err(db)?;
    rows.collect::<std::result::Result<_, _>>().map_err(db)
}

pub fn delete(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM mail_drafts WHERE id = ?1", [id])
        .map_err(db)?;
    Ok(())
}
