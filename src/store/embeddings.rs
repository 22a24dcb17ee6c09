//! Repository for `mail_embeddings`: one vector per message and embedding model (keyed
//! "endpoint:model"), for "ask your mailbox". Vectors are opaque blobs here; the caller makes
//! and scores them.

use rusqlite::{params, Connection, Transaction};

use crate::error::{LibreOllamaError, Result};
use crate::store::mail_texts::{self, MailText};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Up to `limit` of the account's messages with no vector for `model` yet, newest first, with
/// their rowids (the key vectors are saved under).
pub fn unindexed(
    c: &Connection,
    account: &str,
    model: &str,
    limit: usize,
) -> Result<Vec<(i64, MailText)>> {
    let mut st = c
        .prepare(&format!(
            "SELECT m.rowid, {} FROM {} \
             WHERE m.account_id = ?1 AND NOT EXISTS (SELECT 1 FROM mail_embeddings e WHERE e.model = ?2 AND e.message_rowid = m.rowid) \
             ORDER BY m.internal_date DESC LIMIT ?3",
            mail_texts::COLS,
            mail_texts::FROM
        ))
        .map_err(db("reading mail to index"))?;
    let rows = st
        .query_map(params![account, model, limit as i64], |r| {
            Ok((r.get(0)?, mail_texts::row_at(r, 1)?))
        })
        .map_err(db("reading mail to index"))?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db("reading mail to index"))
}

/// Saves vectors (by message rowid) in one transaction.
pub fn save(tx: &Transaction<'_>, model: &str, rows: &[(i64, Vec<u8>)]) -> Result<()> {
    for (rowid, blob) in rows {
        // The message may have gone meanwhile (a sync removed it): skip it.
        tx.execute(
            "INSERT OR REPLACE INTO mail_embeddings (model, message_rowid, vector) \
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM mail_messages WHERE rowid = ?2)",
            params![model, rowid, blob],
        )
        .map_err(db("saving mail vectors"))?;
    }
    Ok(())
}

/// (messages of the account with a vector for `model`, all messages of the account).
pub fn counts(c: &Connection, account: &str, model: &str) -> Result<(u64, u64)> {
    c.query_row(
        "SELECT (SELECT count(*) FROM mail_embeddings e JOIN mail_messages m ON m.rowid = e.message_rowid \
                 WHERE e.model = ?1 AND m.account_id = ?2), \
                (SELECT count(*) FROM mail_messages WHERE account_id = ?2)",
        params![model, account],
        |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
    )
    .map_err(db("counting indexed mail"))
}

/// The `n` messages whose vectors `score` highest, best first, as (score, message id). Reads
/// the vectors one by one, keeping only the best `n`: memory stays small however large the
/// mailbox.
pub fn best_by_vector(
    c: &Connection,
    account: &str,
    model: &str,
    n: usize,
    score: impl Fn(&[u8]) -> f32,
) -> Result<Vec<(f32, String)>> {
    let e = db("searching mail vectors");
    let mut st = c
        .prepare(
            "SELECT m.id, e.vector FROM mail_embeddings e JOIN mail_messages m ON m.rowid = e.message_rowid \
             WHERE e.model = ?1 AND m.account_id = ?2",
        )
        .map_err(&e)?;
    let mut rows = st.query(params![model, account]).map_err(&e)?;
    let mut best: Vec<(f32, String)> = Vec::with_capacity(n + 1);
    while let Some(r) = rows.next().map_err(&e)? {
        let blob = r.get_ref(1).map_err(&e)?.as_blob().unwrap_or(&[]);
        let s = score(blob);
        if best.len() < n || s > best[best.len() - 1].0 {
            let id: String = r.get(0).map_err(&e)?;
            let at = best.partition_point(|b| b.0 >= s);
            best.insert(at, (s, id));
            best.truncate(n);
        }
    }
    Ok(best)
}

/// The account's best `limit` messages for an FTS5 expression by BM25, best first (ids).
pub fn best_by_words(
    c: &Connection,
    account: &str,
    expr: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let e = db("searching mail vectors");
    let mut st = c
        .prepare(
            "SELECT m.id FROM mail_fts_v2 f CROSS JOIN mail_messages m ON m.fts_key = f.rowid \
             WHERE mail_fts_v2 MATCH ?1 AND m.account_id = ?2 ORDER BY bm25(mail_fts_v2) LIMIT ?3",
        )
        .map_err(&e)?;
    let rows = st
        .query_map(params![expr, account, limit as i64], |r| r.get(0))
        .map_err(&e)?;
    rows.collect::<std::result::Result<_, _>>().map_err(&e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_saved_once_counted_and_the_best_kept() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::run(&mut c).unwrap();
        c.execute(
            "INSERT INTO gmail_accounts_secure (id, email_address, scopes, created_at, updated_at, user_id) \
             VALUES ('a', 'a@example.com', '', 0, 0, 'default')",
            [],
        )
        .unwrap();
        for i in 0..5i64 {
            c.execute(
                "INSERT INTO mail_messages (account_id, id, thread_id, internal_date, subject, snippet) \
                 VALUES ('a', ?1, 't', ?2, 'Subject', 'snippet')",
                params![format!("m{i}"), i * 1000],
            )
            .unwrap();
        }
        let batch = unindexed(&c, "a", "ep:model", 3).unwrap();
        let ids: Vec<&str> = batch.iter().map(|(_, t)| t.id.as_str()).collect();
        assert_eq!(ids, ["m4", "m3", "m2"], "newest first, at most the limit");
        assert_eq!(
            batch[0].1.text, "snippet",
            "the snippet stands in for a missing body"
        );
        // Vector i is [i]: a score that reads the first byte ranks them by i.
        let rows: Vec<(i64, Vec<u8>)> = (1..=5).map(|r| (r, vec![r as u8])).collect();
        let tx = c.transaction().unwrap();
        save(&tx, "ep:model", &rows).unwrap();
        save(&tx, "ep:model", &[(99, vec![9])]).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            counts(&c, "a", "ep:model").unwrap(),
            (5, 5),
            "a gone message is skipped"
        );
        assert_eq!(counts(&c, "a", "other").unwrap(), (0, 5));
        assert!(unindexed(&c, "a", "ep:model", 10).unwrap().is_empty());
        let best = best_by_vector(&c, "a", "ep:model", 2, |b| b[0] as f32).unwrap();
        assert_eq!(best, [(5.0, "m4".to_string()), (4.0, "m3".to_string())]);
    }
}
