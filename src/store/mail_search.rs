//! Offline mail search: Gmail's query language (parsed by `crate::search`) compiled to SQL over
//! the FTS5 index and the label and attachment tables, paged newest first.

use rusqlite::{params_from_iter, types::Value, Connection};
use serde::{Deserialize, Serialize};

use super::mail::SLOTS;
use crate::error::{LibreOllamaError, Result};
use crate::search::{Field, Flag, Query, MAX_TREE_DEPTH};

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

const TEXT_IN: &str = "m.fts_key IN (SELECT rowid FROM mail_fts_v2 WHERE mail_fts_v2 MATCH ?)";

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

/// SQL for `q`. Recurses once per level of the tree, which `search` has bounded; every text
/// term reaches FTS5 through `fts_leaf` (a quoted phrase), never spliced into the SQL.
fn compile(q: &Query, params: &mut Vec<Value>, labels: &LabelIds) -> String {
    match q {
        Query::All | Query::Anywhere => "1".into(),
        Query::And(items) | Query::Or(items) => {
            let (op, empty) = match q {
                Query::And(_) => ("AND", "1"),
                _ => ("OR", "0"),
            };
            // Text terms share one MATCH: one index lookup instead of one per word.
            let text: Vec<String> = items.iter().filter_map(fts_leaf).collect();
            let mut parts = Vec::new();
            if !text.is_empty() {
                params.push(Value::Text(text.join(&format!(" {op} "))));
                parts.push(TEXT_IN.to_string());
            }
            parts.extend(
                items
                    .iter()
                    .filter(|i| fts_leaf(i).is_none())
                    .map(|r| compile(r, params, labels)),
            );
            balanced(&parts, op, empty)
        }
        Query::Not(inner) => format!("NOT ({})", compile(inner, params, labels)),
        Query::Word(_) | Query::Phrase(_) | Query::Field(..) => {
            params.extend(fts_leaf(q).map(Value::Text));
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
    // The parser builds nothing deeper; a hand-made tree that is would recurse without bound.
    if q.deeper_than(MAX_TREE_DEPTH) {
        return Err(LibreOllamaError::InvalidInput(format!(
            "this search nests more than {MAX_TREE_DEPTH} levels deep: remove some brackets, braces or '-' signs"
        )));
    }
    let labels = resolve_labels(conn, q)?;
    let top: Vec<Query> = match q {
        Query::And(items) => items.clone(),
        other => vec![other.clone()],
    };
    let (mut pos, mut neg, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for item in &top {
        match item {
            Query::Not(inner) => match fts_expr(inner, 0) {
                Some(e) => neg.push(e),
                None => rest.push(item.clone()),
            },
            other => match fts_expr(other, 0) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fts() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = 'unicode61 remove_diacritics 2');
             INSERT INTO t VALUES ('hello world', 'from ada');",
        )
        .unwrap();
        c
    }

    fn count(c: &Connection, expr: &str) -> std::result::Result<i64, rusqlite::Error> {
        c.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [expr], |r| {
            r.get(0)
        })
    }

    #[test]
    fn every_phrase_is_valid_fts5() {
        let c = fts();
        for text in [
            "",
            "\0",
            "a\0b",
            "\"",
            "\"\"",
            "*",
            "^",
            "a:b",
            "NEAR",
            "AND",
            "-",
            "(",
            ")",
            "{}",
            "!!!",
            "\u{7}\t\n",
            "é",
            "😀",
            "a*",
            "^a",
            "b : c",
        ] {
            let e = fts_phrase(text);
            count(&c, &e).unwrap_or_else(|err| panic!("{text:?} -> {e}: {err}"));
            let e = combine(&[fts_phrase("hello")], &[e.clone(), e]).unwrap();
            count(&c, &e).unwrap_or_else(|err| panic!("{text:?} -> {e}: {err}"));
        }
        assert_eq!(count(&c, &fts_phrase("hel\0lo world")).unwrap(), 0);
        assert_eq!(count(&c, &fts_phrase("hello\0world")).unwrap(), 1);
    }

    /// FTS5's parser has a fixed stack: every way of nesting text groups as deep as fts_expr
    /// goes (an AND's positive side, its negated side, an OR) must still fit in it.
    #[test]
    fn the_deepest_fts_expressions_fit_the_fts5_parser() {
        let c = fts();
        let word = |w: &str| Query::Word(w.into());
        let wrap = |inner: Query, how: usize| match how {
            0 => Query::And(vec![word("x"), inner, Query::Not(Box::new(word("y")))]),
            1 => Query::And(vec![word("x"), Query::Not(Box::new(inner))]),
            _ => Query::Or(vec![word("x"), inner]),
        };
        // FTS_MAX_NEST groups in all: the innermost OR and the wrappers around it.
        let levels = FTS_MAX_NEST as u32 - 1;
        for shape in 0..3usize.pow(levels) {
            let mut q = Query::Or(vec![word("hello"), word("ada")]);
            let mut s = shape;
            for _ in 0..levels {
                q = wrap(q, s % 3);
                s /= 3;
            }
            match fts_expr(&q, 0) {
                Some(e) => {
                    count(&c, &e).unwrap_or_else(|err| panic!("{e}: {err}"));
                }
                None => panic!("{q:?} is text only and within FTS_MAX_NEST"),
            }
            assert!(
                fts_expr(&wrap(q, 2), 0).is_none(),
                "one level deeper is left to SQL"
            );
        }
    }

    #[test]
    fn refused_queries_are_invalid_input_not_database_failures() {
        let c = fts();
        let refused = count(&c, "\"open").unwrap_err();
        let e = search_error("searching mail")(refused);
        assert_eq!(e.kind(), "InvalidInput", "{e}");
        assert!(e.to_string().contains("simplify it"), "{e}");
        // A real failure stays one.
        let broken = c.prepare("SELECT * FROM no_such_table").unwrap_err();
        assert_eq!(
            search_error("searching mail")(broken).kind(),
            "DatabaseQuery"
        );
    }

    #[test]
    fn long_lists_nest_logarithmically() {
        let parts: Vec<String> = (0..1024).map(|i| i.to_string()).collect();
        let sql = balanced(&parts, "OR", "0");
        let mut depth = 0usize;
        let mut most = 0;
        for ch in sql.chars() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            most = most.max(depth);
        }
        assert_eq!(most, 11, "log2(1024) + 1");
        assert_eq!(balanced(&[], "AND", "1"), "1");
        let c = Connection::open_in_memory().unwrap();
        let v: i64 = c
            .query_row(&format!("SELECT {sql}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
    }
}
