//! Bytes of message parts kept in the cache: inline images (`cid:` references in HTML) and
//! attachments (what the archive keeps, what was downloaded).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Content-ID (without brackets, lower-cased) → (MIME type, bytes).
pub type InlineImages = HashMap<String, (String, Vec<u8>)>;

/// The inline parts of each message (by row id).
pub fn inline_images(c: &Connection, rowids: &[i64]) -> Result<HashMap<i64, InlineImages>> {
    let mut inline = HashMap::new();
    let mut st = c
        .prepare_cached(
            "SELECT content_id, mime_type, data FROM mail_parts WHERE message_rowid = ?1 AND content_id IS NOT NULL",
        )
        .map_err(db("reading inline images"))?;
    for &rowid in rowids {
        let parts = st
            .query_map([rowid], |r| {
                Ok((
                    r.get::<_, String>(0)?
                        .trim_matches(['<', '>'])
                        .to_ascii_lowercase(),
                    (r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?),
                ))
            })
            .map_err(db("reading inline images"))?
            .collect::<std::result::Result<InlineImages, _>>()
            .map_err(db("reading inline images"))?;
        inline.insert(rowid, parts);
    }
    Ok(inline)
}

/// An attachment's file name and, if the cache keeps them, its bytes; None if the cache does
/// not know the attachment.
pub fn attachment(
    c: &Connection,
    account: &str,
    message_id: &str,
    part_id: &str,
) -> Result<Option<(String, Option<Vec<u8>>)>> {
    c.query_row(
        "SELECT a.filename, p.data FROM mail_messages m \
         JOIN mail_attachments a ON a.message_rowid = m.rowid \
         LEFT JOIN mail_parts p ON p.message_rowid = m.rowid AND p.part_id = a.part_id \
         WHERE m.account_id = ?1 AND m.id = ?2 AND a.part_id = ?3",
        params![account, message_id, part_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db("reading an attachment"))
}
