//! Sources a search page can be read from instead of walking all mail: a label's rows, the
//! messages with an attachment, the few messages an OR of labels and text matches. Each is
//! counted up to [`FEW`] rows, so the search picks the smallest for the price of short index
//! walks.

use rusqlite::{types::Value, Connection};

use super::{db, fts_expr, label_ids, search_error, LabelIds, TextIndex};
use crate::error::Result;
use crate::search::{Flag, Query};

/// Rows of a source (a label, the attachment index, text hits) counted up to this many: enough
/// to tell a rare filter from a common one for the price of a short index walk. A source under
/// it may be read whole and sorted.
pub(super) const FEW: i64 = 2_000;

/// Messages a source may have for its text terms to be probed one message at a time
/// (`Probe::At`, about 0.1 ms each) rather than matched as a whole set (`Probe::In`).
pub(super) const PROBES: i64 = 64;

/// A top-level filter a page can be read from, newest first, instead of walking all mail.
pub(super) enum Source {
    /// Messages with one of these label ids (those of the term's ids that have rows).
    Label(Vec<String>),
    /// Messages with an attachment (`has:attachment`, `filename:`).
    Attachment,
    /// Exactly the messages an OR of labels and text matches: SQL selecting their rowids as `r`,
    /// with its parameters.
    Set(String, Vec<Value>),
}

/// The label a term asks for, if it is one: `label:`, `in:`, `is:unread/starred/important`.
fn label_term(q: &Query) -> Option<&str> {
    match q {
        Query::Label(l) => Some(l),
        Query::Is(Flag::Unread) => Some("UNREAD"),
        Query::Is(Flag::Starred) => Some("STARRED"),
        Query::Is(Flag::Important) => Some("IMPORTANT"),
        _ => None,
    }
}

/// Rows of a label id, counted up to [`FEW`].
fn label_rows(conn: &Connection, id: &str) -> Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM mail_message_labels WHERE label_id = ?1 LIMIT ?2)",
    )
    .and_then(|mut st| st.query_row(rusqlite::params![id, FEW], |r| r.get(0)))
    .map_err(db("counting labelled mail"))
}

/// Those of a label term's ids that have rows, and their rows (up to [`FEW`] each).
fn label_source(conn: &Connection, labels: &LabelIds, label: &str) -> Result<(Vec<String>, i64)> {
    let mut ids = Vec::new();
    let mut rows = 0;
    for id in label_ids(labels, label) {
        let n = label_rows(conn, &id)?;
        if n > 0 {
            ids.push(id);
            rows += n;
        }
    }
    Ok((ids, rows))
}

/// Messages with an attachment, counted up to [`FEW`].
fn attachment_rows(conn: &Connection) -> Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM (SELECT 1 FROM mail_messages INDEXED BY mail_messages_with_attachment \
         WHERE has_attachment = 1 LIMIT ?1)",
    )
    .and_then(|mut st| st.query_row([FEW], |r| r.get(0)))
    .map_err(db("counting mail with attachments"))
}

/// The index keys of the messages an FTS5 expression matches in `index`, if there are fewer
/// than [`FEW`] (one walk of the index, stopped after [`FEW`] hits).
fn few_text_hits(conn: &Connection, expr: &str, index: TextIndex) -> Result<Option<Vec<i64>>> {
    let t = index.table();
    let mut st = conn
        .prepare_cached(&format!(
            "SELECT rowid FROM {t} WHERE {t} MATCH ?1 LIMIT ?2"
        ))
        .map_err(search_error("preparing a search"))?;
    let keys = st
        .query_map(rusqlite::params![expr, FEW], |r| r.get(0))
        .map_err(search_error("searching mail"))?
        .collect::<std::result::Result<Vec<i64>, _>>()
        .map_err(search_error("searching mail"))?;
    Ok((keys.len() < FEW as usize).then_some(keys))
}

/// An OR whose every branch is a label term or text: exactly the messages it matches, as a
/// [`Source::Set`] (one index range for all its labels, one text walk for all its text), with
/// their number; None if it is not such an OR or matches [`FEW`] or more.
fn or_source(
    conn: &Connection,
    labels: &LabelIds,
    branches: &[Query],
) -> Result<Option<(Source, i64)>> {
    let (mut ids, mut texts, mut text_terms) = (Vec::new(), Vec::new(), Vec::new());
    for b in branches {
        if let Some(l) = label_term(b) {
            ids.extend(label_ids(labels, l));
        } else if let Some(expr) = fts_expr(b, 0) {
            texts.push(expr);
            text_terms.push(b);
        } else {
            return Ok(None);
        }
    }
    ids.sort();
    ids.dedup();
    let (mut parts, mut params, mut rows) = (Vec::new(), Vec::new(), 0);
    let mut with_rows = Vec::new();
    for id in ids {
        let n = label_rows(conn, &id)?;
        rows += n;
        if rows >= FEW {
            return Ok(None);
        }
        if n > 0 {
            with_rows.push(id);
        }
    }
    if !with_rows.is_empty() {
        let marks = vec!["?"; with_rows.len()].join(", ");
        params.extend(with_rows.into_iter().map(Value::Text));
        parts.push(format!(
            "SELECT message_rowid AS r FROM mail_message_labels WHERE label_id IN ({marks})"
        ));
    }
    if !texts.is_empty() {
        let index = TextIndex::for_terms(text_terms);
        let Some(keys) = few_text_hits(conn, &format!("({})", texts.join(" OR ")), index)? else {
            return Ok(None);
        };
        rows += keys.len() as i64;
        if rows >= FEW {
            return Ok(None);
        }
        if !keys.is_empty() {
            // The hits found, handed back as a JSON array of keys.
            params.push(Value::Text(format!(
                "[{}]",
                keys.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            )));
            parts.push(
                "SELECT t.rowid AS r FROM json_each(?) j CROSS JOIN mail_messages t ON t.fts_key = j.value"
                    .into(),
            );
        }
    }
    let sql = if parts.is_empty() {
        "SELECT NULL AS r WHERE 0".to_string()
    } else {
        parts.join(" UNION ")
    };
    Ok(Some((Source::Set(sql, params), rows)))
}

/// The smallest source among `items`, filters every hit must pass: the source, its number of
/// rows (up to [`FEW`]) and which item it is; None if none of them is one. Zero rows means the
/// search has no hits.
pub(super) fn smallest_source(
    conn: &Connection,
    items: &[&Query],
    labels: &LabelIds,
    with_sets: bool,
) -> Result<Option<(Source, i64, usize)>> {
    let mut best: Option<(Source, i64, usize)> = None;
    for (i, item) in items.iter().enumerate() {
        let (source, rows) = if let Some(l) = label_term(item) {
            let (ids, rows) = label_source(conn, labels, l)?;
            (Source::Label(ids), rows)
        } else if matches!(item, Query::HasAttachment | Query::Filename(_)) {
            (Source::Attachment, attachment_rows(conn)?)
        } else if let (Query::Or(branches), true) = (item, with_sets) {
            match or_source(conn, labels, branches)? {
                Some(s) => s,
                None => continue,
            }
        } else {
            continue;
        };
        // On a tie a single label id wins: its rows come in date order, unsorted.
        let single = |s: &Source| matches!(s, Source::Label(ids) if ids.len() == 1);
        let better = match &best {
            None => true,
            Some((b, n, _)) => rows < *n || (rows == *n && single(&source) && !single(b)),
        };
        if better {
            best = Some((source, rows, i));
        }
        if rows == 0 {
            break;
        }
    }
    Ok(best)
}
