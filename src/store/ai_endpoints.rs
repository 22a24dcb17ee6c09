//! Repository for `ai_endpoints`: the model servers the user configured. An API key goes in and
//! out only sealed; the kind is stored as its text ("ollama", "openai").

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{LibreOllamaError, Result};
use crate::model::{AiEndpoint, EndpointKind};
use crate::vault::Aad;

/// The entry made the first time the list is read: Ollama on this computer, the default.
pub const DEFAULT_ID: &str = "ollama-local";
const DEFAULT_NAME: &str = "Ollama on this computer";

const COLUMNS: &str = "id, name, kind, base_url, api_key_encrypted, is_default";

fn db(ctx: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(ctx, e)
}

/// Where a server's API key is sealed (the row id is bound into the seal).
pub fn key_aad(id: &str) -> Aad<'_> {
    Aad {
        table: "ai_endpoints",
        column: "api_key_encrypted",
        row_id: id,
    }
}

/// A stored kind this build does not know is spoken to as OpenAI-compatible, as it always was.
fn kind_of(text: &str) -> EndpointKind {
    text.parse().unwrap_or(EndpointKind::OpenAi)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<(AiEndpoint, Option<Vec<u8>>)> {
    let sealed: Option<Vec<u8>> = r.get(4)?;
    Ok((
        AiEndpoint {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: kind_of(&r.get::<_, String>(2)?),
            base_url: r.get(3)?,
            has_api_key: sealed.is_some(),
            is_default: r.get(5)?,
        },
        sealed,
    ))
}

/// Adds the default Ollama entry (at `base_url`) when no server is configured at all.
pub fn ensure_default(c: &Connection, base_url: &str, now: i64) -> Result<()> {
    let n: i64 = c
        .query_row("SELECT count(*) FROM ai_endpoints", [], |r| r.get(0))
        .map_err(db("reading model servers"))?;
    if n == 0 {
        c.execute(
            "INSERT INTO ai_endpoints (id, name, kind, base_url, is_default, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
            params![
                DEFAULT_ID,
                DEFAULT_NAME,
                EndpointKind::Ollama.as_str(),
                base_url,
                now
            ],
        )
        .map_err(db("adding the default model server"))?;
    }
    Ok(())
}

/// The default first, then by age.
pub fn list(c: &Connection) -> Result<Vec<AiEndpoint>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM ai_endpoints ORDER BY is_default DESC, created_at"
        ))
        .map_err(db("reading model servers"))?;
    let rows = st
        .query_map([], |r| from_row(r).map(|(e, _)| e))
        .map_err(db("reading model servers"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("reading model servers"))
}

/// One server with its sealed API key, if any.
pub fn get(c: &Connection, id: &str) -> Result<Option<(AiEndpoint, Option<Vec<u8>>)>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM ai_endpoints WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(db("reading a model server"))
}

pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: EndpointKind,
    pub base_url: &'a str,
    /// Sealed with [`key_aad`] of `id`.
    pub sealed_key: Option<&'a [u8]>,
}

/// Adds a server that is not the default.
pub fn insert(c: &Connection, e: &NewEndpoint<'_>, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO ai_endpoints (id, name, kind, base_url, api_key_encrypted, is_default, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
        params![e.id, e.name, e.kind.as_str(), e.base_url, e.sealed_key, now],
    )
    .map_err(db("adding a model server"))?;
    Ok(())
}

pub fn remove(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM ai_endpoints WHERE id = ?1", [id])
        .map_err(db("removing a model server"))?;
    // Removing the default hands that role to the oldest server left.
    c.execute(
        "UPDATE ai_endpoints SET is_default = 1 WHERE id = (SELECT id FROM ai_endpoints ORDER BY created_at, id LIMIT 1) \
         AND NOT EXISTS (SELECT 1 FROM ai_endpoints WHERE is_default = 1)",
        [],
    )
    .map_err(db("removing a model server"))?;
    Ok(())
}

/// Makes `id` the one default; false (and nothing changed) when there is no such server.
pub fn set_default(c: &Connection, id: &str) -> Result<bool> {
    // Only when `id` exists: an unknown id must not leave the app without a default.
    let found = c
        .execute(
            "UPDATE ai_endpoints SET is_default = (id = ?1) \
             WHERE EXISTS (SELECT 1 FROM ai_endpoints WHERE id = ?1)",
            [id],
        )
        .map_err(db("choosing the default model server"))?;
    Ok(found > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::migrations::run(&mut c).unwrap();
        c
    }

    #[test]
    fn the_default_is_made_once_and_handed_on_when_removed() {
        let c = conn();
        ensure_default(&c, "http://localhost:11434", 10).unwrap();
        ensure_default(&c, "http://elsewhere:1", 11).unwrap();
        let eps = list(&c).unwrap();
        assert_eq!(eps.len(), 1);
        assert!(eps[0].is_default && eps[0].kind == EndpointKind::Ollama);
        assert_eq!(eps[0].base_url, "http://localhost:11434");
        insert(
            &c,
            &NewEndpoint {
                id: "ep-1",
                name: "llama.cpp",
                kind: EndpointKind::OpenAi,
                base_url: "http://127.0.0.1:8080",
                sealed_key: Some(b"sealed"),
            },
            20,
        )
        .unwrap();
        let (ep, sealed) = get(&c, "ep-1").unwrap().unwrap();
        assert!(ep.has_api_key && !ep.is_default && ep.kind == EndpointKind::OpenAi);
        assert_eq!(sealed.as_deref(), Some(&b"sealed"[..]));
        remove(&c, DEFAULT_ID).unwrap();
        let eps = list(&c).unwrap();
        assert_eq!(eps.len(), 1);
        assert!(eps[0].is_default, "the oldest left became the default");
        assert!(!set_default(&c, "ep-2").unwrap(), "no such server");
        assert!(list(&c).unwrap()[0].is_default, "the default stays");
        assert!(set_default(&c, "ep-1").unwrap());
    }
}
