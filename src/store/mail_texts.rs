//! Mail as a model reads it: headers and the plain text (or the snippet when the body was never
//! downloaded), from the mail cache. Read-only.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{LibreOllamaError, Result};

/// One message as a model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MailText {
    pub id: String,
    pub thread_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date_ms: i64,
    pub message_id_hdr: Option<String>,
    pub references: Option<String>,
    pub text: String,
}

/// The columns [`row_at`] reads, over `mail_messages m LEFT JOIN mail_bodies b`.
pub(crate) const COLS: &str =
    "m.id, m.thread_id, m.from_addr, m.to_addr, m.subject, m.internal_date, \
     m.message_id_hdr, m.references_hdr, coalesce(b.text_body, m.snippet)";

/// `mail_messages m` with its body, if downloaded.
pub(crate) const FROM: &str =
    "mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid";

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Reads [`COLS`] starting at column `at`.
pub(crate) fn row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<MailText> {
    Ok(MailText {
        id: r.get(at)?,
        thread_id: r.get(at + 1)?,
        from: r.get(at + 2)?,
        to: r.get(at + 3)?,
        subject: r.get(at + 4)?,
        date_ms: r.get(at + 5)?,
        message_id_hdr: r.get(at + 6)?,
        references: r.get(at + 7)?,
        text: r.get(at + 8)?,
    })
}

/// A conversation's messages in the order they were sent (empty if it is not in the cache).
pub fn thread(c: &Connection, account: &str, thread_id: &str) -> Result<Vec<MailText>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLS} FROM {FROM} \
             WHERE m.account_id = ?1 AND m.thread_id = ?2 ORDER BY m.internal_date, m.rowid"
        ))
        .map_err(db("reading a conversation"))?;
    let rows = st
        .query_map(params![account, thread_id], |r| row_at(r, 0))
        .map_err(db("reading a conversation"))?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db("reading a conversation"))
}

pub fn message(c: &Connection, account: &str, message_id: &str) -> Result<Option<MailText>> {
    c.query_row(
        &format!("SELECT {COLS} FROM {FROM} WHERE m.account_id = ?1 AND m.id = ?2"),
        params![account, message_id],
        |r| row_at(r, 0),
    )
    .optional()
    .map_err(db("reading a message"))
}
