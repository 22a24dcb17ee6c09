//! The mail cache: bulk ingest (messages, labels, attachments, full-text rows in one transaction)
//! and offline search compiled from Gmail's query language to SQL over FTS5.

use rusqlite::{
    params, params_from_iter, types::Value, Connection, OptionalExtension, Transaction,
};
use serde::{Deserialize, Serialize};

use crate::error::{LibreOllamaError, Result};
use crate::search::{Field, Flag, Query};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub rowid: i64,
    pub account_id: String,
    pub id: String,
    pub thread_id: String,
    pub internal_date: i64,
    pub subject: String,
    pub from: String,
    pub snippet: String,
    pub has_attachment: bool,
    pub label_ids: Vec<String>,
}

/// Where the next page starts (keyset pagination: stable while new mail arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageAfter {
    pub internal_date: i64,
    pub rowid: i64,
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
            "INSERT OR IGNORE INTO mail_message_labels (message_rowid, label_id) VALUES (?1, ?2)",
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
    let now = crate::store::now_unix();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    for (i, m) in msgs.iter().enumerate() {
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
                .execute(params![rowid, l])
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
                add_part
                    .execute(params![rowid, p.part_id, p.content_id, p.mime_type, p.data])
                    .map_err(db("storing parts"))?;
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

/// Messages per transaction for bulk ingest (archive import): with the index's 128 MiB buffer
/// (migration V8) each batch becomes one index segment.
pub const INGEST_BATCH: usize = 10_000;

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
    let tx = conn
        .transaction()
        .map_err(db("starting the index rebuild"))?;
    let rows: Vec<(i64, i64, [Option<String>; 6])> = {
        let mut st = tx
            .prepare(
                "SELECT m.rowid, m.internal_date, m.subject, m.from_addr, m.to_addr, m.cc_addr, m.snippet, b.text_body \
                 FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                 WHERE m.fts_key IS NULL ORDER BY m.rowid",
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

/// An FTS5 string literal: the text as one quoted phrase.
fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn fts_leaf(q: &Query) -> Option<String> {
    Some(match q {
        Query::Word(w) => fts_phrase(w),
        Query::Phrase(p) => fts_phrase(p),
        Query::Field(f, v) => {
            let col = match f {
                Field::From => "from_addr",
                Field::To => "to_addr",
                Field::Cc => "cc_addr",
                Field::Subject => "subject",
            };
            format!("{col} : {}", fts_phrase(v))
        }
        _ => return None,
    })
}

const TEXT_IN: &str = "m.fts_key IN (SELECT rowid FROM mail_fts_v2 WHERE mail_fts_v2 MATCH ?)";

/// The FTS5 expression for a part of a query made only of text terms (words, phrases, field
/// terms, their OR, and AND with negations), if it is one.
fn fts_expr(q: &Query) -> Option<String> {
    match q {
        Query::Word(_) | Query::Phrase(_) | Query::Field(..) => fts_leaf(q),
        Query::Or(items) => {
            let parts = items.iter().map(fts_expr).collect::<Option<Vec<_>>>()?;
            Some(format!("({})", parts.join(" OR ")))
        }
        Query::And(items) => {
            let (pos, neg) = split_text(items)?;
            combine(&pos, &neg)
        }
        _ => None,
    }
}

/// Positive and negated text terms of an AND, or None if anything else is in it.
fn split_text(items: &[Query]) -> Option<(Vec<String>, Vec<String>)> {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for i in items {
        match i {
            Query::Not(inner) => neg.push(fts_expr(inner)?),
            other => pos.push(fts_expr(other)?),
        }
    }
    Some((pos, neg))
}

/// `(p1 AND p2) NOT (n1) NOT (n2)`: FTS5 needs a positive side.
fn combine(pos: &[String], neg: &[String]) -> Option<String> {
    if pos.is_empty() {
        return None;
    }
    let mut e = format!("({})", pos.join(" AND "));
    for n in neg {
        e = format!("({e} NOT {n})");
    }
    Some(e)
}

/// Label names resolved to ids once per search, so the per-row test is a primary-key probe.
type LabelIds = std::collections::HashMap<String, Vec<String>>;

fn has_label(params: &mut Vec<Value>, labels: &LabelIds, label: &str) -> String {
    let mut ids = vec![label.to_string()];
    if let Some(more) = labels.get(&label.to_lowercase()) {
        ids.extend(more.iter().cloned());
    }
    ids.sort();
    ids.dedup();
    let marks = vec!["?"; ids.len()].join(", ");
    params.extend(ids.into_iter().map(Value::Text));
    format!("EXISTS (SELECT 1 FROM mail_message_labels ml WHERE ml.message_rowid = m.rowid AND ml.label_id IN ({marks}))")
}

fn label_names(q: &Query, out: &mut Vec<String>) {
    match q {
        Query::Label(l) => out.push(l.clone()),
        Query::And(v) | Query::Or(v) => v.iter().for_each(|i| label_names(i, out)),
        Query::Not(i) => label_names(i, out),
        _ => {}
    }
}

fn resolve_labels(conn: &Connection, q: &Query) -> Result<LabelIds> {
    let mut names = Vec::new();
    label_names(q, &mut names);
    let mut map = LabelIds::new();
    let mut stmt = conn
        .prepare_cached("SELECT id FROM mail_labels WHERE name = ?1 COLLATE NOCASE")
        .map_err(db("resolving labels"))?;
    for n in names {
        let ids = stmt
            .query_map([&n], |r| r.get::<_, String>(0))
            .map_err(db("resolving labels"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db("resolving labels"))?;
        map.insert(n.to_lowercase(), ids);
    }
    Ok(map)
}

fn compile(q: &Query, params: &mut Vec<Value>, labels: &LabelIds) -> String {
    match q {
        Query::All | Query::Anywhere => "1".into(),
        Query::And(items) => {
            // Positive text terms share one MATCH: one index lookup instead of one per word.
            let (text, rest): (Vec<&Query>, Vec<&Query>) =
                items.iter().partition(|i| fts_leaf(i).is_some());
            let mut parts = Vec::new();
            if !text.is_empty() {
                let expr = text
                    .iter()
                    .filter_map(|t| fts_leaf(t))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                params.push(Value::Text(expr));
                parts.push(TEXT_IN.to_string());
            }
            parts.extend(rest.iter().map(|r| compile(r, params, labels)));
            format!("({})", parts.join(" AND "))
        }
        Query::Or(items) => format!(
            "({})",
            items
                .iter()
                .map(|i| compile(i, params, labels))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        Query::Not(inner) => format!("NOT {}", compile(inner, params, labels)),
        Query::Word(_) | Query::Phrase(_) | Query::Field(..) => {
            params.push(Value::Text(fts_leaf(q).expect("text leaf")));
            TEXT_IN.into()
        }
        Query::Label(l) => has_label(params, labels, l),
        Query::Is(Flag::Unread) => has_label(params, labels, "UNREAD"),
        Query::Is(Flag::Read) => format!("NOT {}", has_label(params, labels, "UNREAD")),
        Query::Is(Flag::Starred) => has_label(params, labels, "STARRED"),
        Query::Is(Flag::Important) => has_label(params, labels, "IMPORTANT"),
        Query::HasAttachment => "m.has_attachment = 1".into(),
        Query::Filename(f) => {
            let pat = format!(
                "%{}%",
                f.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            params.push(Value::Text(pat));
            "EXISTS (SELECT 1 FROM mail_attachments a WHERE a.message_rowid = m.rowid AND a.filename LIKE ? ESCAPE '\\')".into()
        }
        Query::Before(ms) => {
            params.push(Value::Integer(*ms));
            "m.internal_date < ?".into()
        }
        Query::After(ms) => {
            params.push(Value::Integer(*ms));
            "m.internal_date >= ?".into()
        }
    }
}

/// Whether the query asks for spam or trash, which Gmail otherwise leaves out.
fn mentions_spam_or_trash(q: &Query) -> bool {
    match q {
        Query::Anywhere => true,
        Query::Label(l) => matches!(l.to_ascii_uppercase().as_str(), "SPAM" | "TRASH"),
        Query::And(v) | Query::Or(v) => v.iter().any(mentions_spam_or_trash),
        Query::Not(i) => mentions_spam_or_trash(i),
        _ => false,
    }
}

/// Newest first; `account` limits to one account; `after` continues a previous page.
///
/// A query whose top level has text terms is driven by the full-text index, whose rowids are
/// date-ordered keys: hits stream newest first and the walk stops after one page (dates become
/// rowid bounds). Other queries walk the date index and test each message.
pub fn search(
    conn: &Connection,
    account: Option<&str>,
    q: &Query,
    limit: usize,
    after: Option<PageAfter>,
) -> Result<Vec<SearchHit>> {
    let labels = resolve_labels(conn, q)?;
    let top: Vec<Query> = match q {
        Query::And(items) => items.clone(),
        other => vec![other.clone()],
    };
    let (mut pos, mut neg, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for item in &top {
        match item {
            Query::Not(inner) => match fts_expr(inner) {
                Some(e) => neg.push(e),
                None => rest.push(item.clone()),
            },
            other => match fts_expr(other) {
                Some(e) => pos.push(e),
                None => rest.push(item.clone()),
            },
        }
    }
    let driven = combine(&pos, &neg);
    let mut params: Vec<Value> = Vec::new();
    let mut conds = Vec::new();
    let (from, order) = match &driven {
        Some(expr) => {
            params.push(Value::Text(expr.clone()));
            conds.push("mail_fts_v2 MATCH ?".to_string());
            for r in &rest {
                match r {
                    Query::Before(ms) => {
                        params.push(Value::Integer(ms.max(&0).saturating_mul(SLOTS)));
                        conds.push("f.rowid < ?".into());
                    }
                    Query::After(ms) => {
                        params.push(Value::Integer(ms.max(&0).saturating_mul(SLOTS)));
                        conds.push("f.rowid >= ?".into());
                    }
                    other => conds.push(compile(other, &mut params, &labels)),
                }
            }
            (
                "mail_fts_v2 f CROSS JOIN mail_messages m ON m.fts_key = f.rowid",
                "f.rowid DESC",
            )
        }
        None => {
            conds.push(compile(q, &mut params, &labels));
            ("mail_messages m", "m.internal_date DESC, m.rowid DESC")
        }
    };
    if !mentions_spam_or_trash(q) {
        conds.push(
            "NOT EXISTS (SELECT 1 FROM mail_message_labels x WHERE x.message_rowid = m.rowid AND x.label_id IN ('SPAM', 'TRASH'))"
                .into(),
        );
    }
    if let Some(a) = account {
        params.push(Value::Text(a.to_string()));
        conds.push("m.account_id = ?".into());
    }
    if let Some(p) = after {
        if driven.is_some() {
            params.push(Value::Integer(p.rowid));
            conds.push("f.rowid < (SELECT fts_key FROM mail_messages WHERE rowid = ?)".into());
        } else {
            params.push(Value::Integer(p.internal_date));
            params.push(Value::Integer(p.rowid));
            conds.push("(m.internal_date, m.rowid) < (?, ?)".into());
        }
    }
    params.push(Value::Integer(limit as i64));
    let sql = format!(
        "SELECT m.rowid, m.account_id, m.id, m.thread_id, m.internal_date, m.subject, m.from_addr, m.snippet, \
         m.has_attachment, (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
         FROM {from} WHERE {} ORDER BY {order} LIMIT ?",
        conds.join(" AND ")
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(db("preparing a search"))?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            Ok(SearchHit {
                rowid: r.get(0)?,
                account_id: r.get(1)?,
                id: r.get(2)?,
                thread_id: r.get(3)?,
                internal_date: r.get(4)?,
                subject: r.get(5)?,
                from: r.get(6)?,
                snippet: r.get(7)?,
                has_attachment: r.get(8)?,
                label_ids: r
                    .get::<_, Option<String>>(9)?
                    .map(|s| s.split(' ').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })
        .map_err(db("searching mail"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("searching mail"))
}
