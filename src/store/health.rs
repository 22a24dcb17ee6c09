//! Database health checks for the doctor.

use rusqlite::Connection;

use crate::error::{LibreOllamaError, Result};
pub use crate::model::DbHealth;

pub fn check(conn: &Connection) -> Result<DbHealth> {
    let err = |e| LibreOllamaError::db("checking the database", e);
    let integrity = {
        let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(err)?
    };
    let foreign_key_violations = {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check").map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        let mut n = 0;
        while rows.next().map_err(err)?.is_some() {
            n += 1;
        }
        n
    };
    let journal_mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(err)?;
    let page_count = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .map_err(err)?;
    let page_size = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(err)?;
    Ok(DbHealth {
        integrity,
        foreign_key_violations,
        journal_mode: journal_mode.to_lowercase(),
        page_count,
        page_size,
    })
}

/// Moves everything in the write-ahead log into the database file and empties the log. After a
/// bulk write (an archive import, a first sync) the log can hold 100 MB that every later process
/// would otherwise re-read when it opens the database. Returns false when another connection's
/// open read kept part of the log (it is checkpointed the next time).
pub fn checkpoint(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .map_err(|e| LibreOllamaError::db("checkpointing the database", e))?;
    Ok(busy == 0)
}
