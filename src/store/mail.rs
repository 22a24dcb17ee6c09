//! The mail cache: bulk ingest (messages, labels, attachments, full-text rows in one
//! transaction), the index keys, and look-ups of single messages. Search lives in
//! [`super::mail_search`], labels in [`super::labels`], conversations in [`super::threads`].

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};

pub use super::mail_search::{search, PageAfter, SearchHit};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewAttachment {
    pub part_id: String,
    pub attachment_id: Option<String>,
    pub filename: String,
    pub mime_type: String,
    pub size: i64,
    pub content_id: Option<String>,
}

/// Bytes of one part kept in the cache (inline images; archive attachments).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPart {
    pub part_id: String,
    pub content_id: Option<String>,
    pub mime_type: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for NewPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPart")
            .field("part_id", &self.part_id)
            .field("content_id", &self.content_id)
            .field("mime_type", &self.mime_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// A message as sync or import hands it to the cache.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    pub account_id: String,
    pub id: String,
    pub thread_id: String,
    pub history_id: Option<String>,
    /// Milliseconds since the epoch, as Gmail's internalDate.
    pub internal_date: i64,
    pub size_estimate: i64,
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub snippet: String,
    pub message_id_hdr: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub label_ids: Vec<String>,
    pub attachments: Vec<NewAttachment>,
    /// Part bytes to keep; replaces the stored ones when the body is (re)fetched.
    #[serde(default)]
    pub parts: Vec<NewPart>,
    /// Plain text of the body, when fetched (indexed for search).
    pub body_text: Option<String>,
    pub body_html_sanitized: Option<String>,
}

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Inserts or updates messages, replacing their labels, attachments and index rows. Runs inside
/// the caller's transaction so a batch lands whole or not at all.
pub fn upsert_messages(tx: &Transaction<'_>, msgs: &[NewMessage]) -> Result<usize> {
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO mail_messages (account_id, id, thread_id, history_id, internal_date, size_estimate, \
             subject, from_addr, to_addr, cc_addr, snippet, message_id_hdr, in_reply_to, references_hdr, \
             has_attachment, body_state, fts_key, confirmed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
             ON CONFLICT(account_id, id) DO UPDATE SET thread_id = excluded.thread_id, \
             history_id = excluded.history_id, internal_date = excluded.internal_date, \
             size_estimate = excluded.size_estimate, subject = excluded.subject, \
             from_addr = excluded.from_addr, to_addr = excluded.to_addr, cc_addr = excluded.cc_addr, \
             snippet = excluded.snippet, message_id_hdr = excluded.message_id_hdr, \
             in_reply_to = excluded.in_reply_to, references_hdr = excluded.references_hdr, \
             has_attachment = excluded.has_attachment, fts_key = excluded.fts_key, \
             confirmed_at = excluded.confirmed_at, \
             body_state = CASE WHEN excluded.body_state = 'fetched' THEN 'fetched' ELSE mail_messages.body_state END \
             RETURNING rowid",
        )
        .map_err(db("preparing message upsert"))?;
    let mut del_labels = tx
        .prepare_cached("DELETE FROM mail_message_labels WHERE message_rowid = ?1")
        .map_err(db("preparing label update"))?;
    let mut add_label = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO mail_message_labels (message_rowid, label_id, message_date) VALUES (?1, ?2, ?3)",
        )
        .map_err(db("preparing label update"))?;
    let mut del_att = tx
        .prepare_cached("DELETE FROM mail_attachments WHERE message_rowid = ?1")
        .map_err(db("preparing attachment update"))?;
    let mut add_att = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO mail_attachments (message_rowid, part_id, attachment_id, filename, mime_type, size, content_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db("preparing attachment update"))?;
    let mut body = tx
        .prepare_cached(
            "INSERT INTO mail_bodies (message_rowid, text_body, html_sanitized, fetched_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(message_rowid) DO UPDATE SET text_body = excluded.text_body, \
             html_sanitized = excluded.html_sanitized, fetched_at = excluded.fetched_at",
        )
        .map_err(db("preparing body update"))?;
    let mut del_parts = tx
        .prepare_cached("DELETE FROM mail_parts WHERE message_rowid = ?1")
        .map_err(db("preparing part update"))?;
    let mut add_part = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO mail_parts (message_rowid, part_id, content_id, mime_type, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db("preparing part update"))?;
    let mut old_body = tx
        .prepare_cached("SELECT text_body FROM mail_bodies WHERE message_rowid = ?1")
        .map_err(db("preparing body read"))?;
    let mut fts_del = tx
        .prepare_cached("DELETE FROM mail_fts_v2 WHERE rowid = ?1")
        .map_err(db("preparing index update"))?;
    let mut existing = tx
        .prepare_cached(
            "SELECT rowid, fts_key FROM mail_messages WHERE account_id = ?1 AND id = ?2",
        )
        .map_err(db("preparing message lookup"))?;

    // Index rows are written after the batch's rows, in one pass.
    let mut fts_rows: Vec<(i64, usize, Option<String>)> = Vec::with_capacity(msgs.len());
    let now = crate::clock::now_unix();
    let now_ms = crate::clock::now_ms();
    // Messages in date order (stable, so equal dates keep theirs): the headers' full-text index
    // (V21) is written by triggers as each row is, and FTS5 starts a new segment whenever a key
    // is lower than the last; sync pages arrive newest first.
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_by_key(|&i| msgs[i].internal_date);
    for i in order {
        let m = &msgs[i];
        let has_att = !m.attachments.is_empty();
        // A new message has no labels, attachments or index row to clear: skip those deletes.
        let before = existing
            .query_row(params![m.account_id, m.id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
            })
            .optional()
            .map_err(db("looking up a message"))?;
        let is_new = before.is_none();
        let old_key = before.and_then(|b| b.1);
        let state = if m.body_text.is_some() || m.body_html_sanitized.is_some() {
            "fetched"
        } else {
            "none"
        };
        // Kept while the date stays in its millisecond; a new date takes a slot there.
        let key = match old_key {
            Some(k) if k.div_euclid(SLOTS) == m.internal_date.max(0) => k,
            _ => next_key(tx, m.internal_date)?,
        };
        let rowid: i64 = upsert
            .query_row(
                params![
                    m.account_id,
                    m.id,
                    m.thread_id,
                    m.history_id,
                    m.internal_date,
                    m.size_estimate,
                    m.subject,
                    m.from,
                    m.to,
                    m.cc,
                    m.snippet,
                    m.message_id_hdr,
                    m.in_reply_to,
                    m.references,
                    has_att,
                    state,
                    key,
                    now_ms
                ],
                |r| r.get(0),
            )
            .map_err(db("storing a message"))?;
        if !is_new {
            del_labels.execute([rowid]).map_err(db("storing labels"))?;
            del_att
                .execute([rowid])
                .map_err(db("storing attachments"))?;
            if let Some(k) = old_key {
                fts_del.execute([k]).map_err(db("updating the index"))?;
            }
        }
        for l in &m.label_ids {
            add_label
                .execute(params![rowid, l, m.internal_date])
                .map_err(db("storing labels"))?;
        }
        for a in &m.attachments {
            add_att
                .execute(params![
                    rowid,
                    a.part_id,
                    a.attachment_id,
                    a.filename,
                    a.mime_type,
                    a.size,
                    a.content_id
                ])
                .map_err(db("storing attachments"))?;
        }
        let body_text = if state == "fetched" {
            body.execute(params![rowid, m.body_text, m.body_html_sanitized, now])
                .map_err(db("storing a body"))?;
            if !is_new {
                del_parts.execute([rowid]).map_err(db("storing parts"))?;
            }
            for p in &m.parts {
                store_part(tx, &mut add_part, rowid, p)?;
            }
            m.body_text.clone()
        } else if is_new {
            None
        } else {
            // Metadata-only refresh: keep indexing the body we already have.
            old_body
                .query_row([rowid], |r| r.get::<_, Option<String>>(0))
                .ok()
                .flatten()
        };
        fts_rows.push((key, i, body_text));
    }
    // mail_fts_headers (V21) follows mail_messages by its triggers.
    let mut fts_add = tx
        .prepare_cached(
            "INSERT INTO mail_fts_v2 (rowid, subject, from_addr, to_addr, cc_addr, snippet, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db("preparing index update"))?;
    // In key order: FTS5 appends to its doclists instead of inserting into them.
    fts_rows.sort_unstable_by_key(|r| r.0);
    for (key, i, body_text) in fts_rows {
        let m = &msgs[i];
        fts_add
            .execute(params![
                key, m.subject, m.from, m.to, m.cc, m.snippet, body_text
            ])
            .map_err(db("updating the index"))?;
    }
    Ok(msgs.len())
}

/// Parts up to this size are bound to the insert; bigger ones are written into the row in place.
const PART_IN_PLACE: usize = 1024 * 1024;

/// Stores one part's bytes. Bound to an INSERT, SQLite copies a value twice (the binding, then
/// the row it builds), so a 100 MiB attachment would briefly take 300 MiB; a big part is instead
/// inserted as zeros (which SQLite does not materialise) and its bytes written into the row.
fn store_part(
    tx: &Transaction<'_>,
    add_part: &mut rusqlite::CachedStatement<'_>,
    rowid: i64,
    p: &NewPart,
) -> Result<()> {
    if p.data.len() <= PART_IN_PLACE {
        add_part
            .execute(params![rowid, p.part_id, p.content_id, p.mime_type, p.data])
            .map_err(db("storing parts"))?;
        return Ok(());
    }
    let zeros = rusqlite::blob::ZeroBlob(p.data.len() as u64);
    add_part
        .execute(params![rowid, p.part_id, p.content_id, p.mime_type, zeros])
        .map_err(db("storing parts"))?;
    tx.blob_open(
        rusqlite::MAIN_DB,
        "mail_parts",
        "data",
        tx.last_insert_rowid(),
        false,
    )
    .and_then(|mut b| b.write_all_at(&p.data, 0))
    .map_err(db("storing parts"))
}

/// Messages per transaction for bulk ingest (archive import): with the index's 128 MiB buffer
/// (migration V8) each batch becomes one index segment.
pub const INGEST_BATCH: usize = 10_000;

/// Bytes (part bytes and bodies) per transaction for bulk ingest: a batch ends at
/// [`INGEST_BATCH`] messages or at this many bytes, whichever comes first, so archives of large
/// attachments are not held in memory 10,000 messages at a time.
pub const INGEST_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Index keys per millisecond of internal date: key = date_ms × SLOTS + slot.
pub const SLOTS: i64 = 1024;

/// A free index key in the message's millisecond: the slot after the last one taken (past the
/// last slot only when over a thousand messages share one millisecond, still unique).
fn next_key(conn: &Connection, internal_date: i64) -> Result<i64> {
    let base = internal_date.max(0).saturating_mul(SLOTS);
    let mut key: i64 = conn
        .prepare_cached(
            "SELECT coalesce(max(fts_key) + 1, ?1) FROM mail_messages WHERE fts_key BETWEEN ?1 AND ?2",
        )
        .and_then(|mut st| st.query_row(params![base, base + SLOTS - 1], |r| r.get(0)))
        .map_err(db("choosing an index key"))?;
    if key >= base + SLOTS {
        let mut taken = conn
            .prepare_cached("SELECT 1 FROM mail_messages WHERE fts_key = ?1")
            .map_err(db("choosing an index key"))?;
        while taken.exists([key]).map_err(db("choosing an index key"))? {
            key += 1;
        }
    }
    Ok(key)
}

/// Indexes messages that have no index key yet (all of them, once, after the V6 migration).
pub fn index_missing(conn: &mut Connection) -> Result<usize> {
    // IMMEDIATE: another process may write meanwhile; a read-then-write transaction would
    // fail at once instead of waiting its turn.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db("starting the index rebuild"))?;
    let rows: Vec<(i64, i64, [Option<String>; 6])> = {
        let mut st = tx
            .prepare(
                "SELECT m.rowid, m.internal_date, m.subject, m.from_addr, m.to_addr, m.cc_addr, m.snippet, b.text_body \
                 FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                 WHERE m.fts_key IS NULL ORDER BY m.internal_date, m.rowid",
            )
            .map_err(db("reading messages to index"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    [
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ],
                ))
            })
            .map_err(db("reading messages to index"))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(db("reading messages to index"))?
    };
    let n = rows.len();
    if n == 0 {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    {
        let mut add = tx
            .prepare_cached(
                "INSERT INTO mail_fts_v2 (rowid, subject, from_addr, to_addr, cc_addr, snippet, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db("rebuilding the index"))?;
        let mut set = tx
            .prepare_cached("UPDATE mail_messages SET fts_key = ?1 WHERE rowid = ?2")
            .map_err(db("rebuilding the index"))?;
        for (rowid, date, [a, b, c, d, e, f]) in rows {
            let key = next_key(&tx, date)?;
            set.execute(params![key, rowid])
                .map_err(db("rebuilding the index"))?;
            add.execute(params![key, a, b, c, d, e, f])
                .map_err(db("rebuilding the index"))?;
        }
    }
    tx.commit().map_err(db("finishing the index rebuild"))?;
    tracing::info!(
        messages = n,
        ms = started.elapsed().as_millis() as u64,
        "mail search index rebuilt"
    );
    Ok(n)
}

/// The pseudo-account imported archives belong to (no tokens, never synced). Creating it again
/// changes nothing.
pub fn ensure_archive_account(c: &Connection, now: i64) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO gmail_accounts_secure (id, email_address, display_name, is_active, created_at, updated_at) \
         VALUES (?1, 'archive@localhost', 'Local archive', 0, ?2, ?2)",
        params![crate::model::ARCHIVE_ACCOUNT, now],
    )
    .map_err(db("creating the archive account"))?;
    Ok(())
}

/// Whether the cache holds any message of `account`.
pub fn account_has_messages(c: &Connection, account: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE account_id = ?1)",
        [account],
        |r| r.get(0),
    )
    .map_err(db("reading the archive"))
}

/// How many messages the cache holds (of one account, or all).
pub fn count_messages(c: &Connection, account: Option<&str>) -> Result<i64> {
    c.query_row(
        "SELECT count(*) FROM mail_messages WHERE (?1 IS NULL OR account_id = ?1)",
        [account],
        |r| r.get(0),
    )
    .map_err(db("counting mail"))
}

/// The account and conversation of a message id (ids are per account; the newest wins).
pub fn locate(c: &Connection, id: &str, account: Option<&str>) -> Result<Option<(String, String)>> {
    c.query_row(
        "SELECT account_id, thread_id FROM mail_messages WHERE id = ?1 AND (?2 IS NULL OR account_id = ?2) \
         ORDER BY internal_date DESC LIMIT 1",
        params![id, account],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db("finding a message"))
}

/// Those of `ids` the cache does not hold for `account`, in the order given.
pub fn missing_ids(c: &Connection, account: &str, ids: Vec<String>) -> Result<Vec<String>> {
    let mut st = c
        .prepare_cached("SELECT 1 FROM mail_messages WHERE account_id = ?1 AND id = ?2")
        .map_err(db("looking up messages"))?;
    let mut out = Vec::new();
    for id in ids {
        if !st
            .exists(params![account, id])
            .map_err(db("looking up messages"))?
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// The newest `limit` messages of `account` whose body is not downloaded yet.
pub fn ids_without_body(c: &Connection, account: &str, limit: usize) -> Result<Vec<String>> {
    let mut st = c
        .prepare(
            "SELECT id FROM mail_messages WHERE account_id = ?1 AND body_state = 'none' \
             ORDER BY internal_date DESC LIMIT ?2",
        )
        .map_err(db("listing messages without bodies"))?;
    let rows = st
        .query_map(
            params![account, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )
        .map_err(db("listing messages without bodies"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("listing messages without bodies"))
}

/// The given messages of `account` as list rows, in the order given; ids the cache does not
/// hold (deleted meanwhile) are left out.
pub fn hits_by_id(c: &Connection, account: &str, ids: &[String]) -> Result<Vec<SearchHit>> {
    let mut st = c
        .prepare_cached(
            "SELECT m.rowid, m.id, m.thread_id, m.internal_date, m.from_addr, m.subject, m.snippet, m.has_attachment, \
             (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
             FROM mail_messages m WHERE m.account_id = ?1 AND m.id = ?2",
        )
        .map_err(db("reading search results"))?;
    let mut rows = Vec::new();
    for id in ids {
        let row = st
            .query_row(params![account, id], |r| {
                Ok(SearchHit {
                    rowid: r.get(0)?,
                    account_id: account.to_string(),
                    id: r.get(1)?,
                    thread_id: r.get(2)?,
                    internal_date: r.get(3)?,
                    from: r.get(4)?,
                    subject: r.get(5)?,
                    snippet: r.get(6)?,
                    has_attachment: r.get(7)?,
                    label_ids: split_labels(r.get(8)?),
                })
            })
            .optional()
            .map_err(db("reading search results"))?;
        rows.extend(row);
    }
    Ok(rows)
}

/// Removes messages of `account` (gone at Gmail); their labels, parts and bodies go with them.
pub fn delete_messages<'a>(
    c: &Connection,
    account: &str,
    ids: impl IntoIterator<Item = &'a String>,
) -> Result<()> {
    let mut st = c
        .prepare_cached("DELETE FROM mail_messages WHERE account_id = ?1 AND id = ?2")
        .map_err(db("deleting a message"))?;
    for id in ids {
        st.execute(params![account, id])
            .map_err(db("deleting a message"))?;
    }
    Ok(())
}

/// A `group_concat(label_id, ' ')` column as a list.
pub(crate) fn split_labels(s: Option<String>) -> Vec<String> {
    s.map(|s| s.split(' ').map(str::to_string).collect())
        .unwrap_or_default()
}
