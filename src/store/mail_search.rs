//! Offline mail search: Gmail's query language (parsed by `crate::search`) compiled to SQL over
//! the FTS5 index and the label and attachment tables, paged newest first.

use rusqlite::{params_from_iter, types::Value, Connection};
use serde::{Deserialize, Serialize};

use super::mail::SLOTS;
use crate::error::{LibreOllamaError, Result};
use crate::search::{Field, Flag, Query, MAX_TREE_DEPTH};
use sources::{smallest_source, Source, FEW, PROBES};
use text_index::{Probe, TextIndex};

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

mod sources;
#[cfg(test)]
mod tests;
mod text_index;

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// An FTS5 string literal: the text as one quoted phrase. This is the only way typed text
/// reaches FTS5, so no character in it (`*`, `^`, `:`, `-`, `(`, a keyword such as NEAR) is read
/// as syntax. FTS5 reads its query as a C string, so a NUL would end it inside the quotes
/// ("unterminated string"): NULs become spaces, which separate words as they would anyway. A
/// phrase that holds no word at all (punctuation only) is valid FTS5 and matches nothing.
fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\"").replace('\0', " "))
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

/// How many groups deep one FTS5 expression may nest. FTS5's parser has a fixed stack of 100
/// slots and a nested group takes about three; deeper text groups are left to SQL (one MATCH
/// per group), which has no such limit.
const FTS_MAX_NEST: usize = 8;

/// The FTS5 expression for a part of a query made only of text terms (words, phrases, field
/// terms, their OR, and AND with negations), if it is one and is not nested too deep.
fn fts_expr(q: &Query, depth: usize) -> Option<String> {
    match q {
        Query::Word(_) | Query::Phrase(_) | Query::Field(..) => fts_leaf(q),
        _ if depth >= FTS_MAX_NEST => None,
        Query::Or(items) if !items.is_empty() => {
            let parts = items
                .iter()
                .map(|i| fts_expr(i, depth + 1))
                .collect::<Option<Vec<_>>>()?;
            Some(format!("({})", parts.join(" OR ")))
        }
        Query::And(items) => {
            let (pos, neg) = split_text(items, depth + 1)?;
            combine(&pos, &neg)
        }
        _ => None,
    }
}

/// Positive and negated text terms of an AND, or None if anything else is in it.
fn split_text(items: &[Query], depth: usize) -> Option<(Vec<String>, Vec<String>)> {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for i in items {
        match i {
            Query::Not(inner) => neg.push(fts_expr(inner, depth)?),
            other => pos.push(fts_expr(other, depth)?),
        }
    }
    Some((pos, neg))
}

/// `((p1 AND p2) NOT (n1 OR n2))`: FTS5 needs a positive side, so None without one. The
/// negations are one flat OR (not a `NOT` per term, which would nest one bracket per term).
fn combine(pos: &[String], neg: &[String]) -> Option<String> {
    if pos.is_empty() {
        return None;
    }
    let pos = pos.join(" AND ");
    Some(if neg.is_empty() {
        format!("({pos})")
    } else {
        format!("(({pos}) NOT ({}))", neg.join(" OR "))
    })
}

/// `parts` joined by `op` as a balanced tree of brackets, so a long list nests log₂(n) deep in
/// SQLite's expression tree instead of n deep (SQLite refuses trees over 1000 deep); `empty` is
/// the operator's identity ("1" for AND, "0" for OR).
fn balanced(parts: &[String], op: &str, empty: &str) -> String {
    match parts {
        [] => empty.to_string(),
        [one] => format!("({one})"),
        _ => {
            let (l, r) = parts.split_at(parts.len() / 2);
            format!(
                "({} {op} {})",
                balanced(l, op, empty),
                balanced(r, op, empty)
            )
        }
    }
}

/// Label names resolved to ids once per search, so the per-row test is a primary-key probe.
type LabelIds = std::collections::HashMap<String, Vec<String>>;

/// The ids a label term matches: the term itself (an id such as INBOX or Label_7) and the ids of
/// the labels with that name, sorted.
fn label_ids(labels: &LabelIds, label: &str) -> Vec<String> {
    let mut ids = vec![label.to_string()];
    if let Some(more) = labels.get(&gmail_label_form(label)) {
        ids.extend(more.iter().cloned());
    }
    ids.sort();
    ids.dedup();
    ids
}

fn has_label(params: &mut Vec<Value>, labels: &LabelIds, label: &str) -> String {
    let ids = label_ids(labels, label);
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

/// A label name as Gmail's search compares it: case, spaces, slashes and hyphens do not matter,
/// so `label:travel-2026`, `label:"travel 2026"` and `label:Travel/2026` all name "Travel/2026".
pub fn gmail_label_form(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if matches!(c, ' ' | '/' | '-') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn resolve_labels(conn: &Connection, q: &Query) -> Result<LabelIds> {
    let mut names = Vec::new();
    label_names(q, &mut names);
    let mut map = LabelIds::new();
    if names.is_empty() {
        return Ok(map);
    }
    let wanted: std::collections::HashSet<String> =
        names.iter().map(|n| gmail_label_form(n)).collect();
    // A mailbox has tens to hundreds of labels: compare them all in their Gmail form.
    let mut stmt = conn
        .prepare_cached("SELECT id, name FROM mail_labels")
        .map_err(db("resolving labels"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(db("resolving labels"))?;
    for row in rows {
        let (id, name) = row.map_err(db("resolving labels"))?;
        let form = gmail_label_form(&name);
        if wanted.contains(&form) {
            map.entry(form).or_default().push(id);
        }
    }
    Ok(map)
}

/// SQL for `q`; `probe` says how a text match is tested. Recurses once per level
/// of the tree, which `search` has bounded; every text term reaches FTS5 through `fts_leaf` (a
/// quoted phrase), never spliced into the SQL.
fn compile(q: &Query, params: &mut Vec<Value>, labels: &LabelIds, probe: Probe) -> String {
    match q {
        Query::All | Query::Anywhere => "1".into(),
        Query::And(items) | Query::Or(items) => {
            let (op, empty) = match q {
                Query::And(_) => ("AND", "1"),
                _ => ("OR", "0"),
            };
            // Text terms share one MATCH: one index lookup instead of one per word.
            let leaves: Vec<&Query> = items.iter().filter(|i| fts_leaf(i).is_some()).collect();
            let mut parts = Vec::new();
            if !leaves.is_empty() {
                let text: Vec<String> = leaves.iter().filter_map(|i| fts_leaf(i)).collect();
                params.push(Value::Text(text.join(&format!(" {op} "))));
                parts.push(probe.sql(TextIndex::for_terms(leaves)));
            }
            parts.extend(
                items
                    .iter()
                    .filter(|i| fts_leaf(i).is_none())
                    .map(|r| compile(r, params, labels, probe)),
            );
            balanced(&parts, op, empty)
        }
        Query::Not(inner) => format!("NOT ({})", compile(inner, params, labels, probe)),
        Query::Word(_) | Query::Phrase(_) | Query::Field(..) => {
            params.extend(fts_leaf(q).map(Value::Text));
            probe.sql(TextIndex::for_terms([q]))
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
            // Only a message with an attachment has attachment rows; saying so lets a search
            // walk the index of those messages.
            "(m.has_attachment = 1 AND EXISTS (SELECT 1 FROM mail_attachments a WHERE a.message_rowid = m.rowid AND a.filename LIKE ? ESCAPE '\\'))".into()
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

/// Whether SQLite refused the statement for its shape (an FTS5 expression it cannot read, an
/// expression or pattern over its limits) rather than because the database failed: the query
/// came from the user, so that is theirs to simplify, not a reason to run doctor.
fn refused_query(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            f.code == rusqlite::ErrorCode::Unknown
                && msg.as_deref().is_some_and(|m| {
                    [
                        "fts5",
                        "syntax error",
                        "too large",
                        "too complex",
                        "too many",
                        "stack overflow",
                        "unterminated",
                    ]
                    .iter()
                    .any(|k| m.contains(k))
                })
        }
        _ => false,
    }
}

/// Like `db`, but a statement SQLite refused for its shape is invalid input (see
/// `refused_query`).
fn search_error(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| {
        if refused_query(&e) {
            tracing::warn!(error = %e, "the offline index refused a search");
            LibreOllamaError::InvalidInput(format!(
                "the offline index cannot run this search ({e}): simplify it, with fewer brackets, '-' signs or OR terms"
            ))
        } else {
            LibreOllamaError::db(ctx, e)
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

/// Where a page is read from.
enum Plan {
    /// The rows of one label id, newest first (index on label id, date).
    Label(String),
    /// The rows of a few label ids, read whole and sorted.
    Labels(Vec<String>),
    /// The few messages an OR of labels and text matches (the top-level item `skip`), sorted.
    Set(String, Vec<Value>, usize),
    /// Text hits, newest first (a full-text index, keyed by date).
    Text(String, TextIndex),
    /// Messages with an attachment, newest first.
    Attachment,
    /// All messages, newest first (the date index).
    Dates,
}

/// Newest first; `account` limits to one account; `after` continues a previous page.
///
/// A page is read from the smallest source the query allows, newest first, and the walk stops
/// once the page is full. Sources, for filters every hit must pass: a label or flag (its rows in
/// date order, from the index on label id and date); text terms at the top level (the full-text
/// index, whose rowids are date-ordered keys, so dates become rowid bounds); `has:attachment` or
/// `filename:` (the index of messages with one); else the date index, testing each message. A
/// label or the attachments with few rows are read before text, each of their messages then
/// looked up in the full-text index; one with no rows means no hits, found without reading mail.
pub fn search(
    conn: &Connection,
    account: Option<&str>,
    q: &Query,
    limit: usize,
    after: Option<PageAfter>,
) -> Result<Vec<SearchHit>> {
    // The parser builds nothing deeper; a hand-made tree that is would recurse without bound.
    if q.deeper_than(MAX_TREE_DEPTH) {
        return Err(LibreOllamaError::InvalidInput(format!(
            "this search nests more than {MAX_TREE_DEPTH} levels deep: remove some brackets, braces or '-' signs"
        )));
    }
    let labels = resolve_labels(conn, q)?;
    let top: Vec<&Query> = match q {
        Query::And(items) => items.iter().collect(),
        other => vec![other],
    };
    let (mut pos, mut neg, mut rest, mut text) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &item in &top {
        match item {
            Query::Not(inner) => match fts_expr(inner, 0) {
                Some(e) => {
                    neg.push(e);
                    text.push(item);
                }
                None => rest.push(item),
            },
            other => match fts_expr(other, 0) {
                Some(e) => {
                    pos.push(e);
                    text.push(item);
                }
                None => rest.push(item),
            },
        }
    }
    let driven = combine(&pos, &neg);
    // What a hit must pass besides the text terms (all of the query when it has none).
    let others: &[&Query] = if driven.is_some() { &rest } else { &top };
    // An OR is a source only without text at the top level (which streams hits in date order).
    let source = smallest_source(conn, others, &labels, driven.is_none())?;
    let rows = match &source {
        Some((_, 0, _)) => return Ok(Vec::new()),
        Some((_, n, _)) => *n,
        None => FEW,
    };
    // With text at the top level, a source is read first only when its messages are few
    // enough to probe the text index for each.
    let probes = rows <= PROBES;
    let plan = match (source, &driven) {
        (Some((Source::Label(mut ids), ..)), text)
            if ids.len() == 1 && (text.is_none() || probes) =>
        {
            Plan::Label(ids.remove(0))
        }
        (Some((Source::Label(ids), ..)), text) if rows < FEW && (text.is_none() || probes) => {
            Plan::Labels(ids)
        }
        (Some((Source::Attachment, ..)), text) if text.is_none() || probes => Plan::Attachment,
        (Some((Source::Set(sql, set_params), _, skip)), None) => Plan::Set(sql, set_params, skip),
        (_, Some(expr)) => Plan::Text(expr.clone(), TextIndex::for_terms(text)),
        (_, None) => Plan::Dates,
    };
    // Text terms outside the index walk: probed per message when few are read, else matched
    // once as a whole set.
    let probe = if probes { Probe::At } else { Probe::In };
    let mut params: Vec<Value> = Vec::new();
    let mut conds = Vec::new();
    let by_date = (
        "m.internal_date DESC, m.rowid DESC",
        ("m.internal_date", "m.rowid"),
    );
    // FROM, ORDER BY, and the two keys a later page continues after.
    let attachments = matches!(plan, Plan::Attachment);
    let (from, (order, keys)) = match plan {
        Plan::Label(id) => {
            params.push(Value::Text(id));
            conds.push("d.label_id = ?".to_string());
            // Top-level dates bound the index range too.
            for r in others {
                match r {
                    Query::Before(ms) => {
                        params.push(Value::Integer(*ms));
                        conds.push("d.message_date < ?".into());
                    }
                    Query::After(ms) => {
                        params.push(Value::Integer(*ms));
                        conds.push("d.message_date >= ?".into());
                    }
                    _ => {}
                }
            }
            conds.push(compile(q, &mut params, &labels, probe));
            (
                "mail_message_labels d CROSS JOIN mail_messages m ON m.rowid = d.message_rowid"
                    .to_string(),
                (
                    "d.message_date DESC, d.message_rowid DESC",
                    ("d.message_date", "d.message_rowid"),
                ),
            )
        }
        Plan::Labels(ids) => {
            let marks = vec!["?"; ids.len()].join(", ");
            params.extend(ids.into_iter().map(Value::Text));
            conds.push(compile(q, &mut params, &labels, probe));
            (
                format!(
                    "(SELECT DISTINCT message_rowid AS r FROM mail_message_labels WHERE label_id IN ({marks})) d \
                     CROSS JOIN mail_messages m ON m.rowid = d.r"
                ),
                by_date,
            )
        }
        Plan::Set(sql, set_params, skip) => {
            params.extend(set_params);
            for (i, r) in top.iter().enumerate() {
                if i != skip {
                    conds.push(compile(r, &mut params, &labels, probe));
                }
            }
            (
                format!("({sql}) d CROSS JOIN mail_messages m ON m.rowid = d.r"),
                by_date,
            )
        }
        Plan::Text(expr, index) => {
            let table = index.table();
            params.push(Value::Text(expr));
            conds.push(format!("{table} MATCH ?"));
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
                    other => conds.push(compile(other, &mut params, &labels, Probe::In)),
                }
            }
            (
                format!("{table} f CROSS JOIN mail_messages m ON m.fts_key = f.rowid"),
                ("f.rowid DESC", ("", "")),
            )
        }
        // compile keeps `has_attachment = 1` at the top level, which lets the planner read the
        // index of messages with an attachment (the account test below is kept off the
        // account's date index so that it does).
        Plan::Attachment => {
            conds.push(compile(q, &mut params, &labels, probe));
            ("mail_messages m".to_string(), by_date)
        }
        Plan::Dates => {
            conds.push(compile(q, &mut params, &labels, Probe::In));
            ("mail_messages m".to_string(), by_date)
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
        conds.push(
            if attachments {
                "+m.account_id = ?"
            } else {
                "m.account_id = ?"
            }
            .into(),
        );
    }
    if let Some(p) = after {
        if keys.0.is_empty() {
            params.push(Value::Integer(p.rowid));
            conds.push("f.rowid < (SELECT fts_key FROM mail_messages WHERE rowid = ?)".into());
        } else {
            params.push(Value::Integer(p.internal_date));
            params.push(Value::Integer(p.rowid));
            conds.push(format!("({}, {}) < (?, ?)", keys.0, keys.1));
        }
    }
    params.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT m.rowid, m.account_id, m.id, m.thread_id, m.internal_date, m.subject, m.from_addr, m.snippet, \
         m.has_attachment, (SELECT group_concat(label_id, ' ') FROM mail_message_labels WHERE message_rowid = m.rowid) \
         FROM {from} WHERE {} ORDER BY {order} LIMIT ?",
        balanced(&conds, "AND", "1")
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(search_error("preparing a search"))?;
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
        .map_err(search_error("searching mail"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(search_error("searching mail"))
}
