//! Repository for `oauth_clients`: the Google OAuth client the user set up (one row, id
//! 'google'). The secret goes in and out only sealed.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{LibreOllamaError, Result};
use crate::vault::Aad;

/// Where the client secret is sealed.
pub fn secret_aad() -> Aad<'static> {
    Aad {
        table: "oauth_clients",
        column: "client_secret_encrypted",
        row_id: "google",
    }
}

/// The client id and its sealed secret, if a client is set up.
pub fn get(c: &Connection) -> Result<Option<(String, Option<Vec<u8>>)>> {
    c.query_row(
        "SELECT client_id, client_secret_encrypted FROM oauth_clients WHERE id = 'google'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(|e| LibreOllamaError::db("reading the OAuth client", e))
}

/// Saves the client id; a `None` secret keeps the stored one.
pub fn set(c: &Connection, client_id: &str, sealed_secret: Option<&[u8]>, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO oauth_clients (id, client_id, client_secret_encrypted, updated_at) \
         VALUES ('google', ?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET client_id = excluded.client_id, \
         client_secret_encrypted = COALESCE(excluded.client_secret_encrypted, client_secret_encrypted), \
         updated_at = excluded.updated_at",
        params![client_id, sealed_secret, now],
    )
    .map_err(|e| LibreOllamaError::db("saving the OAuth client", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_secret_keeps_the_stored_one() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::run(&mut c).unwrap();
        assert_eq!(get(&c).unwrap(), None);
        set(&c, "one", Some(b"s1"), 1).unwrap();
        set(&c, "two", None, 2).unwrap();
        assert_eq!(get(&c).unwrap(), Some(("two".into(), Some(b"s1".to_vec()))));
    }
}
