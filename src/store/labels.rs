//! Mail labels: the account's label list mirrored from Gmail (`mail_labels`), the labels on each
//! cached message (`mail_message_labels`), and the counts the folder list shows.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// One of the account's labels as Gmail lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelRow {
    pub id: String,
    pub name: String,
    /// Gmail's own (INBOX, UNREAD, …) rather than the user's.
    pub system: bool,
    pub messages_total: Option<i64>,
    pub messages_unread: Option<i64>,
    pub color_background: Option<String>,
    pub color_text: Option<String>,
}

/// Makes the account's label list exactly `labels`: labels gone at Gmail leave the cache.
pub fn replace_account_labels(
    tx: &Transaction<'_>,
    account: &str,
    labels: &[LabelRow],
) -> Result<()> {
    let e = db("storing labels");
    let ids: Vec<&str> = labels.iter().map(|l| l.id.as_str()).collect();
    let keep = serde_json::to_string(&ids).map_err(LibreOllamaError::json)?;
    tx.execute(
        "DELETE FROM mail_labels WHERE account_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))",
        params![account, keep],
    )
    .map_err(&e)?;
    let mut st = tx
        .prepare_cached(
            "INSERT INTO mail_labels (account_id, id, name, type, messages_total, messages_unread, color_background, color_text) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(account_id, id) DO UPDATE SET name = excluded.name, \
             type = excluded.type, messages_total = excluded.messages_total, messages_unread = excluded.messages_unread, \
             color_background = excluded.color_background, color_text = excluded.color_text",
        )
        .map_err(&e)?;
    for l in labels {
        let kind = if l.system { "system" } else { "user" };
        st.execute(params![
            account,
            l.id,
            l.name,
            kind,
            l.messages_total,
            l.messages_unread,
            l.color_background,
            l.color_text,
        ])
        .map_err(&e)?;
    }
    Ok(())
}

/// The account's labels by id: (name, is a system label).
pub fn names(c: &Connection, account: &str) -> Result<HashMap<String, (String, bool)>> {
    let mut st = c
        .prepare_cached("SELECT id, name, type FROM mail_labels WHERE account_id = ?1")
        .map_err(db("reading labels"))?;
    let names = st
        .query_map([account], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, String>(1)?, r.get::<_, String>(2)? == "system"),
            ))
        })
        .map_err(db("reading labels"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading labels"))?;
    Ok(names)
}

/// The id of the account's label named `name` as a person types it: its id, or its name in any
/// of Gmail's forms (`travel-2026`, `"travel 2026"` and `Travel/2026` all name "Travel/2026").
pub fn find(c: &Connection, account: &str, name: &str) -> Result<Option<String>> {
    let all = names(c, account)?;
    if all.contains_key(name) {
        return Ok(Some(name.to_string()));
    }
    let wanted = super::mail_search::gmail_label_form(name);
    let mut hits: Vec<&String> = all
        .iter()
        .filter(|(_, (n, _))| super::mail_search::gmail_label_form(n) == wanted)
        .map(|(id, _)| id)
        .collect();
    // Two labels of one form ("A-B" and "A/B"): the exact name decides, else the first id.
    hits.sort();
    Ok(all
        .iter()
        .find(|(_, (n, _))| n == name)
        .map(|(id, _)| id)
        .or(hits.first().copied())
        .cloned())
}

/// The background colour Gmail gives each of the account's labels that has one. Only `#` and
/// 3 to 8 hex digits pass: the page puts it in a style attribute.
pub fn colors(c: &Connection, account: &str) -> Result<HashMap<String, String>> {
    let mut st = c
        .prepare_cached(
            "SELECT id, color_background FROM mail_labels WHERE account_id = ?1 AND color_background IS NOT NULL",
        )
        .map_err(db("reading label colours"))?;
    let rows = st
        .query_map([account], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db("reading label colours"))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, color) = row.map_err(db("reading label colours"))?;
        if is_hex_color(&color) {
            out.insert(id, color);
        }
    }
    Ok(out)
}

/// `#` followed by 3 to 8 hex digits.
pub fn is_hex_color(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|h| (3..=8).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A label's messages, unread messages, and conversations ("threads" in Gmail's API) with an
/// unread message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts {
    pub total: i64,
    pub unread: i64,
    pub unread_threads: i64,
}

/// The counts of each label id of `account` in the cache.
pub fn counts(c: &Connection, account: &str) -> Result<HashMap<String, LabelCounts>> {
    let mut counts: HashMap<String, LabelCounts> = HashMap::new();
    // Totals: with one account in the cache the label index alone answers; otherwise each
    // label row is matched to its message's account.
    let only_this: bool = c
        .query_row(
            "SELECT coalesce((SELECT min(account_id) FROM mail_messages) = ?1 \
             AND (SELECT max(account_id) FROM mail_messages) = ?1, 0)",
            [account],
            |r| r.get(0),
        )
        .map_err(db("counting mail"))?;
    let totals_sql = if only_this {
        "SELECT label_id, count(*), 0 FROM mail_message_labels WHERE ?1 IS NOT NULL GROUP BY label_id"
    } else {
        "SELECT ml.label_id, count(*), 0 FROM mail_messages m JOIN mail_message_labels ml ON ml.message_rowid = m.rowid \
         WHERE m.account_id = ?1 GROUP BY ml.label_id"
    };
    // Unread: start from the UNREAD rows (a small share of the mail) and count their labels.
    let unread_sql =
        "SELECT ml.label_id, count(*), count(DISTINCT m.thread_id) FROM mail_message_labels u \
         JOIN mail_messages m ON m.rowid = u.message_rowid \
         JOIN mail_message_labels ml ON ml.message_rowid = u.message_rowid \
         WHERE u.label_id = 'UNREAD' AND m.account_id = ?1 GROUP BY ml.label_id";
    for (sql, unread) in [(totals_sql, false), (unread_sql, true)] {
        let mut st = c.prepare_cached(sql).map_err(db("counting mail"))?;
        let rows = st
            .query_map([account], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db("counting mail"))?;
        for row in rows {
            let (id, n, threads) = row.map_err(db("counting mail"))?;
            let e = counts.entry(id).or_default();
            if unread {
                e.unread = n;
                e.unread_threads = threads;
            } else {
                e.total = n;
            }
        }
    }
    Ok(counts)
}

/// A cached message's row id and its labels (sorted), if the cache holds it.
pub fn of_message(
    c: &Connection,
    account: &str,
    message_id: &str,
) -> Result<Option<(i64, Vec<String>)>> {
    let rowid: Option<i64> = c
        .query_row(
            "SELECT rowid FROM mail_messages WHERE account_id = ?1 AND id = ?2",
            params![account, message_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db("reading a message"))?;
    let Some(rowid) = rowid else { return Ok(None) };
    let mut st = c
        .prepare_cached(
            "SELECT label_id FROM mail_message_labels WHERE message_rowid = ?1 ORDER BY label_id",
        )
        .map_err(db("reading labels"))?;
    let labels = st
        .query_map([rowid], |r| r.get(0))
        .map_err(db("reading labels"))?
        .collect::<std::result::Result<Vec<String>, _>>()
        .map_err(db("reading labels"))?;
    Ok(Some((rowid, labels)))
}

/// Replaces the labels of the message with this row id.
pub fn set_on_message(c: &Connection, rowid: i64, labels: &[String]) -> Result<()> {
    let e = db("writing labels");
    c.execute(
        "DELETE FROM mail_message_labels WHERE message_rowid = ?1",
        [rowid],
    )
    .map_err(&e)?;
    let mut add = c
        .prepare_cached(
            "INSERT OR IGNORE INTO mail_message_labels (message_rowid, label_id) VALUES (?1, ?2)",
        )
        .map_err(&e)?;
    for l in labels {
        add.execute(params![rowid, l]).map_err(&e)?;
    }
    Ok(())
}

/// Every cached message id with its labels, sorted (diagnostics and tests: the cache compared
/// with the server).
pub fn by_message(c: &Connection) -> Result<BTreeMap<String, Vec<String>>> {
    let mut st = c
        .prepare(
            "SELECT m.id, (SELECT group_concat(label_id, ' ') FROM (SELECT label_id FROM mail_message_labels \
             WHERE message_rowid = m.rowid ORDER BY label_id)) FROM mail_messages m",
        )
        .map_err(db("reading labels"))?;
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, super::mail::split_labels(r.get(1)?)))
        })
        .map_err(db("reading labels"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("reading labels"))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::mail::{self, NewMessage};
    use crate::store::testing::{store_with_account, ACCOUNT};

    #[test]
    fn unread_is_counted_in_messages_and_in_conversations() {
        let (_dir, store) = store_with_account();
        let m = |id: &str, thread: &str, labels: &[&str]| NewMessage {
            account_id: ACCOUNT.into(),
            id: id.into(),
            thread_id: thread.into(),
            internal_date: 1_700_000_000_000,
            label_ids: labels.iter().map(|l| l.to_string()).collect(),
            ..Default::default()
        };
        let msgs = vec![
            m("1", "t1", &["INBOX", "UNREAD"]),
            m("2", "t1", &["INBOX", "UNREAD"]),
            m("3", "t2", &["INBOX", "UNREAD"]),
            m("4", "t3", &["INBOX"]),
        ];
        let counts = store
            .with_writer_blocking(|c| {
                let tx = c.transaction().unwrap();
                mail::upsert_messages(&tx, &msgs)?;
                tx.commit().unwrap();
                counts(c, ACCOUNT)
            })
            .unwrap();
        assert_eq!(
            counts["INBOX"],
            LabelCounts {
                total: 4,
                unread: 3,
                unread_threads: 2
            }
        );
    }
}
