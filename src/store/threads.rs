//! Conversations as the reader opens them: each message with its body and the attachments to
//! list (inline images are not listed; their bytes are in [`super::mail_parts`]).

use rusqlite::{params, Connection};

use crate::error::{LibreOllamaError, Result};
use crate::model::AttachmentView;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// One message of a conversation as the cache holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadMessage {
    pub rowid: i64,
    pub id: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub internal_date: i64,
    pub subject: String,
    pub snippet: String,
    /// The full body has been downloaded (else only the preview is known).
    pub body_fetched: bool,
    pub text: Option<String>,
    /// Sanitized HTML, not yet framed for display.
    pub html: Option<String>,
    pub labels: Vec<String>,
    pub attachments: Vec<AttachmentView>,
}

/// One message of a conversation, as its row in the list needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub from: String,
    pub subject: String,
    pub has_attachment: bool,
    pub labels: Vec<String>,
}

/// A conversation's messages for its row in the list, oldest first (no bodies).
pub fn members(c: &Connection, account: &str, thread_id: &str) -> Result<Vec<Member>> {
    let mut st = c
        .prepare_cached(
            "SELECT m.id, m.from_addr, m.has_attachment, m.subject, \
             (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
             FROM mail_messages m WHERE m.account_id = ?1 AND m.thread_id = ?2 \
             ORDER BY m.internal_date, m.rowid",
        )
        .map_err(db("reading a conversation's messages"))?;
    let rows = st
        .query_map(params![account, thread_id], |r| {
            Ok(Member {
                id: r.get(0)?,
                from: r.get(1)?,
                has_attachment: r.get(2)?,
                subject: r.get(3)?,
                labels: super::mail::split_labels(r.get(4)?),
            })
        })
        .map_err(db("reading a conversation's messages"))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db("reading a conversation's messages"))
}

/// The messages of one conversation, oldest first.
pub fn messages(c: &Connection, account: &str, thread_id: &str) -> Result<Vec<ThreadMessage>> {
    let mut st = c
        .prepare(
            "SELECT m.rowid, m.id, m.from_addr, m.to_addr, m.cc_addr, m.internal_date, m.subject, \
             m.body_state, b.text_body, b.html_sanitized, \
             (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid), \
             m.snippet \
             FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
             WHERE m.account_id = ?1 AND m.thread_id = ?2 ORDER BY m.internal_date, m.rowid",
        )
        .map_err(db("reading a conversation"))?;
    let rows = st
        .query_map(params![account, thread_id], |r| {
            Ok(ThreadMessage {
                rowid: r.get(0)?,
                id: r.get(1)?,
                from: r.get(2)?,
                to: r.get(3)?,
                cc: r.get(4)?,
                internal_date: r.get(5)?,
                subject: r.get(6)?,
                body_fetched: r.get::<_, String>(7)? == "fetched",
                text: r.get(8)?,
                html: r.get(9)?,
                labels: super::mail::split_labels(r.get(10)?),
                snippet: r.get(11)?,
                attachments: Vec::new(),
            })
        })
        .map_err(db("reading a conversation"))?;
    let mut msgs = rows
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db("reading a conversation"))?;
    let mut att = c
        .prepare_cached(
            "SELECT part_id, filename, mime_type, size FROM mail_attachments WHERE message_rowid = ?1 \
             AND (content_id IS NULL OR mime_type NOT LIKE 'image/%') ORDER BY CAST(part_id AS INTEGER), part_id",
        )
        .map_err(db("reading attachments"))?;
    for m in &mut msgs {
        m.attachments = att
            .query_map([m.rowid], |r| {
                Ok(AttachmentView {
                    part_id: r.get(0)?,
                    filename: r.get(1)?,
                    mime_type: r.get(2)?,
                    size: r.get(3)?,
                })
            })
            .map_err(db("reading attachments"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(db("reading attachments"))?;
    }
    Ok(msgs)
}

#[cfg(test)]
mod tests {
    use crate::store::testing::store_with_account;

    /// A conversation is read from its own index range, never by walking the account's mail in
    /// date order (which made a page of conversations take seconds at 100,000 messages).
    #[test]
    fn a_conversation_is_read_from_the_thread_index() {
        let (_dir, store) = store_with_account();
        let plans = store
            .with_writer_blocking(|c| {
                let mut out = Vec::new();
                for sql in [
                    "SELECT m.id FROM mail_messages m WHERE m.account_id = ?1 AND m.thread_id = ?2 \
                     ORDER BY m.internal_date, m.rowid",
                    "SELECT subject FROM mail_messages WHERE account_id = ?1 AND thread_id = ?2 \
                     ORDER BY internal_date LIMIT 1",
                ] {
                    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                    let detail: Vec<String> = st
                        .query_map(["a", "t"], |r| r.get::<_, String>(3))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    out.push(detail.join("; "));
                }
                Ok(out)
            })
            .unwrap();
        for plan in plans {
            assert!(
                plan.contains("mail_messages_by_thread_date (account_id=? AND thread_id=?)"),
                "{plan}"
            );
        }
    }
}
