//! Where each account's Gmail sync stands (`mail_sync_state`): the history cursor, the page
//! token of an unfinished full sync, and the start of the full sync under way.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// What the store remembers between runs (Gmail's ids as text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailSyncState {
    pub history_id: Option<String>,
    pub full_sync_page_token: Option<String>,
    pub full_sync_complete: bool,
}

/// The account's state; the default (nothing synced yet) if it has none.
pub fn state(c: &Connection, account: &str) -> Result<MailSyncState> {
    c.query_row(
        "SELECT history_id, full_sync_page_token, full_sync_complete FROM mail_sync_state WHERE account_id = ?1",
        [account],
        |r| {
            Ok(MailSyncState {
                history_id: r.get(0)?,
                full_sync_page_token: r.get(1)?,
                full_sync_complete: r.get(2)?,
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
    .map_err(db("reading sync state"))
}

/// Stores the cursor (and marks the account synced at `now_unix`).
pub fn save(c: &Connection, account: &str, s: &MailSyncState, now_unix: i64) -> Result<()> {
    c.execute(
        "INSERT INTO mail_sync_state (account_id, history_id, full_sync_page_token, full_sync_complete, last_sync_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(account_id) DO UPDATE SET history_id = excluded.history_id, \
         full_sync_page_token = excluded.full_sync_page_token, full_sync_complete = excluded.full_sync_complete, \
         last_sync_at = excluded.last_sync_at",
        params![
            account,
            s.history_id,
            s.full_sync_page_token,
            s.full_sync_complete,
            now_unix
        ],
    )
    .map_err(db("saving sync state"))?;
    Ok(())
}

/// A full sync starts at `started_ms`: every message it stores is confirmed after this.
pub fn begin_full(c: &Connection, account: &str, started_ms: i64) -> Result<()> {
    c.execute(
        "INSERT INTO mail_sync_state (account_id, full_sync_started_at) VALUES (?1, ?2) \
         ON CONFLICT(account_id) DO UPDATE SET full_sync_started_at = excluded.full_sync_started_at",
        params![account, started_ms],
    )
    .map_err(db("saving sync state"))?;
    Ok(())
}

/// At the end of a full sync: removes the account's messages it did not confirm (gone at
/// Gmail). Returns how many.
pub fn remove_unconfirmed(c: &Connection, account: &str) -> Result<usize> {
    c.execute(
        "DELETE FROM mail_messages WHERE account_id = ?1 AND coalesce(confirmed_at, 0) < \
         (SELECT full_sync_started_at FROM mail_sync_state WHERE account_id = ?1)",
        [account],
    )
    .map_err(db("removing messages gone at Gmail"))
}

/// After a full sync has stored its last page (the first download of an account's mail, or one
/// started again because Gmail's history expired): moves the write-ahead log into the database
/// file and empties it, as an archive import does, so the next process to open the database
/// does not re-read a log holding the whole mailbox. Call it outside the sync's transaction.
/// Returns false when another connection's open read kept part of the log (checkpointed later).
pub fn checkpoint_after_full(c: &Connection) -> Result<bool> {
    super::health::checkpoint(c)
}

/// After an incremental run: the next one starts from `history_id`.
pub fn advance_history(
    c: &Connection,
    account: &str,
    history_id: &str,
    now_unix: i64,
) -> Result<()> {
    c.execute(
        "UPDATE mail_sync_state SET history_id = ?1, last_sync_at = ?2 WHERE account_id = ?3",
        params![history_id, now_unix, account],
    )
    .map_err(db("saving sync state"))?;
    Ok(())
}

/// When any account last finished a sync step (Unix seconds).
pub fn last_sync_unix(c: &Connection) -> Result<Option<i64>> {
    c.query_row("SELECT max(last_sync_at) FROM mail_sync_state", [], |r| {
        r.get(0)
    })
    .map_err(db("reading sync state"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::mail::{self, NewMessage};
    use crate::store::testing::{store_with_account, ACCOUNT};

    #[test]
    fn a_full_sync_ends_with_an_empty_log() {
        let (dir, store) = store_with_account();
        let msgs: Vec<NewMessage> = (0..2_000)
            .map(|i| NewMessage {
                account_id: ACCOUNT.into(),
                id: format!("m{i}"),
                thread_id: format!("t{i}"),
                internal_date: 1_700_000_000_000 + i,
                subject: format!("message number {i}"),
                snippet: "some words to index ".repeat(10),
                label_ids: vec!["INBOX".into()],
                ..Default::default()
            })
            .collect();
        let wal = dir.path().join(format!("{}-wal", crate::store::DB_FILE));
        let emptied = store
            .with_writer_blocking(|c| {
                let tx = c.transaction().unwrap();
                mail::upsert_messages(&tx, &msgs)?;
                save(
                    &tx,
                    ACCOUNT,
                    &MailSyncState {
                        history_id: Some("9".into()),
                        full_sync_page_token: None,
                        full_sync_complete: true,
                    },
                    1,
                )?;
                tx.commit().unwrap();
                let before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                assert!(
                    before > 256 * 1024,
                    "the sync filled the log: {before} bytes"
                );
                checkpoint_after_full(c)
            })
            .unwrap();
        assert!(emptied, "no reader was open");
        let after = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(after < 64 * 1024, "{after} bytes left in the log");
        let st = store.with_writer_blocking(|c| state(c, ACCOUNT)).unwrap();
        assert!(st.full_sync_complete, "the data is in the database file");
    }
}
