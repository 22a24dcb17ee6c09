//! Key/value settings stored as JSON values.

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};

pub fn get<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    let raw: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| LibreOllamaError::db("reading a setting", e))?;
    raw.map(|s| serde_json::from_str(&s).map_err(LibreOllamaError::json))
        .transpose()
}

pub fn set<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    let text = serde_json::to_string(value).map_err(LibreOllamaError::json)?;
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, text, now_unix()],
    )
    .map_err(|e| LibreOllamaError::db("saving a setting", e))?;
    Ok(())
}

pub fn remove(conn: &Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])
        .map_err(|e| LibreOllamaError::db("saving a setting", e))?;
    Ok(())
}

/// Where an account's signature is kept.
pub fn signature_key(account: &str) -> String {
    format!("mail.signature.{account}")
}
