//! The vault's tables: `vault_meta` (which backend holds which key) and every column that holds
//! sealed values. The cryptography is the vault's; this module only reads and writes rows.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::vault::{Aad, BackendChoice, KeyRecord, KeyState, Vault};

/// Every column that holds sealed values: key rotation re-encrypts exactly these.
/// (table, primary-key column, sealed column)
pub const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("gmail_accounts_secure", "id", "access_token_encrypted"),
    ("gmail_accounts_secure", "id", "refresh_token_encrypted"),
    ("oauth_clients", "id", "client_secret_encrypted"),
    ("ai_endpoints", "id", "api_key_encrypted"),
];

fn sql(context: &'static str) -> impl Fn(rusqlite::Error) -> LibreOllamaError {
    move |e| LibreOllamaError::db(context, e)
}

/// The keys `vault_meta` records, oldest first.
pub fn records(conn: &Connection) -> Result<Vec<KeyRecord>> {
    let mut stmt = conn
        .prepare("SELECT key_id, backend, check_value, state FROM vault_meta ORDER BY created_at")
        .map_err(sql("reading vault keys"))?;
    let rows = stmt
        .query_map([], |r| {
            let state: String = r.get(3)?;
            Ok(KeyRecord {
                key_id: r.get(0)?,
                backend: r.get(1)?,
                check_value: r.get(2)?,
                state: if state == KeyState::Active.as_str() {
                    KeyState::Active
                } else {
                    KeyState::Retired
                },
            })
        })
        .map_err(sql("reading vault keys"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(sql("reading vault keys"))
}

fn insert_record(conn: &Connection, r: &KeyRecord, context: &'static str) -> Result<()> {
    conn.execute(
        "INSERT INTO vault_meta (key_id, backend, check_value, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.key_id, r.backend, r.check_value, r.state.as_str(), now_unix()],
    )
    .map_err(sql(context))?;
    Ok(())
}

/// Opens the vault for the data dir, creating (and recording) the master key on first run.
/// Runs on a blocking thread with the writer connection.
pub fn open(conn: &Connection, data_dir: &Path, choice: BackendChoice) -> Result<Vault> {
    let recorded = records(conn)?;
    let (vault, created) = Vault::load(&recorded, data_dir, choice)?;
    if let Some(r) = created {
        insert_record(conn, &r, "recording the new vault key")?;
    }
    Ok(vault)
}

/// One stored sealed value and where it lives.
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub table: &'static str,
    pub id_column: &'static str,
    pub column: &'static str,
    pub row_id: String,
    pub sealed: Vec<u8>,
}

impl SealedValue {
    /// The associated data it was sealed with.
    pub fn aad(&self) -> Aad<'_> {
        Aad {
            table: self.table,
            column: self.column,
            row_id: &self.row_id,
        }
    }
}

/// Every sealed value in the database.
pub fn sealed_values(conn: &Connection) -> Result<Vec<SealedValue>> {
    let mut out = Vec::new();
    for &(table, id_column, column) in SEALED_COLUMNS {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {id_column}, {column} FROM {table} WHERE {column} IS NOT NULL"
            ))
            .map_err(sql("reading sealed values"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SealedValue {
                    table,
                    id_column,
                    column,
                    row_id: r.get(0)?,
                    sealed: r.get(1)?,
                })
            })
            .map_err(sql("reading sealed values"))?;
        for row in rows {
            out.push(row.map_err(sql("reading sealed values"))?);
        }
    }
    Ok(out)
}

/// Creates a new master key and re-encrypts every sealed value with it in one transaction.
/// The new key is saved to the backend before the transaction and used by the vault after it:
/// a crash at any point leaves a database whose active key is still in the backend. The old
/// keys stay (retired) until [`delete_retired_keys`]. Returns the new key id.
pub fn rotate(conn: &mut Connection, vault: &Vault) -> Result<String> {
    let rotation = vault.begin_rotation()?;
    // IMMEDIATE: it reads then rewrites every sealed value; another process writing meanwhile
    // must make it wait, not fail half-way through its plan.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql("starting key rotation"))?;
    let values = sealed_values(&tx)?;
    for v in &values {
        let resealed = rotation.reseal(vault, v.aad(), &v.sealed)?;
        tx.execute(
            &format!(
                "UPDATE {} SET {} = ?1 WHERE {} = ?2",
                v.table, v.column, v.id_column
            ),
            params![resealed, v.row_id],
        )
        .map_err(sql("re-encrypting a sealed value"))?;
    }
    tx.execute(
        "UPDATE vault_meta SET state = 'retired' WHERE state = 'active'",
        [],
    )
    .map_err(sql("retiring the old key"))?;
    insert_record(&tx, rotation.record(), "recording the new key")?;
    tx.commit().map_err(sql("committing key rotation"))?;
    let new_id = vault.finish_rotation(rotation);
    tracing::info!(new = %new_id, values = values.len(), "vault key rotated");
    Ok(new_id)
}

/// Deletes every key but the active one from the backend and from `vault_meta` (after a
/// rotation, nothing is sealed with them). Only safe when no other process still holds an old
/// key in memory. Best effort: a key the backend keeps stays recorded (retired, harmless) and
/// goes on the next try. Returns the ids deleted.
pub fn delete_retired_keys(conn: &Connection, vault: &Vault) -> Result<Vec<String>> {
    let mut deleted = Vec::new();
    for id in vault.retired_key_ids() {
        if vault.delete_key(&id) {
            conn.execute("DELETE FROM vault_meta WHERE key_id = ?1", params![id])
                .map_err(sql("forgetting a retired key"))?;
            deleted.push(id);
        }
    }
    // Retired keys recorded but not held: their backend entry was gone when the vault opened.
    let held = vault.retired_key_ids();
    for r in records(conn)? {
        if r.state == KeyState::Retired && !held.contains(&r.key_id) {
            conn.execute(
                "DELETE FROM vault_meta WHERE key_id = ?1",
                params![r.key_id],
            )
            .map_err(sql("forgetting a retired key"))?;
        }
    }
    if !deleted.is_empty() {
        tracing::info!(keys = ?deleted, "retired vault keys deleted");
    }
    Ok(deleted)
}
