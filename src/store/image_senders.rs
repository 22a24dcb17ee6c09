//! Senders whose remote images the user chose to always show, per account.

use std::collections::HashSet;

use rusqlite::{params, Connection};

use crate::error::{LibreOllamaError, Result};

/// The senders (lower-cased addresses) allowed for `account`.
pub fn allowed(c: &Connection, account: &str) -> Result<HashSet<String>> {
    let e = |e| LibreOllamaError::db("reading image preferences", e);
    let mut st = c
        .prepare("SELECT sender FROM mail_image_senders WHERE account_id = ?1")
        .map_err(e)?;
    let allowed = st
        .query_map([account], |r| r.get::<_, String>(0))
        .map_err(e)?
        .collect::<std::result::Result<HashSet<_>, _>>()
        .map_err(e)?;
    Ok(allowed)
}

/// Remembers `sender` (already lower-cased) for `account`; allowing twice changes nothing.
pub fn allow(c: &Connection, account: &str, sender: &str, now_unix: i64) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO mail_image_senders (account_id, sender, created_at) VALUES (?1, ?2, ?3)",
        params![account, sender, now_unix],
    )
    .map_err(|e| LibreOllamaError::db("saving the image preference", e))?;
    Ok(())
}
