//! AES-256-GCM sealing of credentials. The master key is random, per installation, and lives in
//! the OS keyring (or, where none works, a 0600 key file); `vault_meta` records which backend holds
//! which key so that a keyring that disappears is reported instead of silently replaced.

pub mod envelope;
pub mod keystore;
pub mod secret;

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use rand::RngCore;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use envelope::Aad;
use envelope::KEY_ID_LEN;
use keystore::{FileKeyStore, KeyStore, KeyringStore};
pub use secret::{fingerprint, KeyBytes, SecretString};

use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result, VaultError};
pub use crate::model::VaultStatus;

/// Which key backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// The OS keyring if it works, else the key file (with a warning).
    #[default]
    Auto,
    Keyring,
    File,
}

impl std::str::FromStr for BackendChoice {
    type Err = LibreOllamaError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(BackendChoice::Auto),
            "keyring" => Ok(BackendChoice::Keyring),
            "file" => Ok(BackendChoice::File),
            other => Err(LibreOllamaError::Config(format!(
                "unknown vault backend '{other}'; use auto, keyring or file"
            ))),
        }
    }
}

/// Every column that holds sealed values: key rotation re-encrypts exactly these.
/// (table, primary-key column, sealed column)
pub const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("gmail_accounts_secure", "id", "access_token_encrypted"),
    ("gmail_accounts_secure", "id", "refresh_token_encrypted"),
    ("oauth_clients", "id", "client_secret_encrypted"),
    ("ai_endpoints", "id", "api_key_encrypted"),
];

const CHECK_PLAINTEXT: &[u8] = b"libreollama vault check v1";

type KeyId = [u8; KEY_ID_LEN];

fn key_id_hex(id: &KeyId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn key_id_from_hex(s: &str) -> Option<KeyId> {
    if s.len() != KEY_ID_LEN * 2 {
        return None;
    }
    let mut out = [0u8; KEY_ID_LEN];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

struct Keys {
    active: KeyId,
    all: HashMap<KeyId, KeyBytes>,
}

pub struct Vault {
    keys: RwLock<Keys>,
    store: Box<dyn KeyStore>,
    /// Why the keyring was not used, when the key file is in use under `Auto`.
    fallback_reason: Option<String>,
}

fn new_key() -> (KeyId, KeyBytes) {
    let mut id = [0u8; KEY_ID_LEN];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut key[..]);
    (id, KeyBytes(key))
}

fn check_aad(key_id_hex: &str) -> Aad<'_> {
    Aad {
        table: "vault_meta",
        column: "check_value",
        row_id: key_id_hex,
    }
}

fn sql(context: &str) -> impl FnOnce(rusqlite::Error) -> LibreOllamaError + '_ {
    move |e| LibreOllamaError::db(context, e)
}

impl Vault {
    /// Opens the vault for the data dir, creating the master key on first run.
    /// Runs on a blocking thread with the writer connection.
    pub fn load(conn: &mut Connection, data_dir: &Path, choice: BackendChoice) -> Result<Vault> {
        let recorded: Vec<(String, String, Vec<u8>, String)> = {
            let mut stmt = conn
                .prepare("SELECT key_id, backend, check_value, state FROM vault_meta ORDER BY created_at")
                .map_err(sql("reading vault keys"))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(sql("reading vault keys"))?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(sql("reading vault keys"))?
        };

        let active = recorded.iter().find(|r| r.3 == "active");
        let (store, fallback_reason): (Box<dyn KeyStore>, Option<String>) = match active {
            Some((_, backend, _, _)) => match backend.as_str() {
                "keyring" => (Box::new(KeyringStore::new(data_dir)), None),
                "file" => (Box::new(FileKeyStore::new(data_dir)), None),
                other => {
                    return Err(LibreOllamaError::Config(format!(
                        "the vault records an unknown key backend '{other}'"
                    )))
                }
            },
            None => choose_backend(data_dir, choice)?,
        };

        if let Some((id_hex, _, _, _)) = active {
            if choice != BackendChoice::Auto && choice_id(choice) != store.id() {
                tracing::warn!(
                    requested = choice_id(choice),
                    in_use = store.id(),
                    "vault backend setting differs from where the existing key lives; keeping the existing key (rotate to move it)"
                );
            }
            let mut all = HashMap::new();
            let mut active_id = None;
            for (kid_hex, _, check, state) in &recorded {
                let Some(kid) = key_id_from_hex(kid_hex) else {
                    continue;
                };
                match store.load(kid_hex)? {
                    Some(key) => {
                        envelope::open(&key.0, check_aad(kid_hex), check).map_err(|_| {
                            LibreOllamaError::Vault(VaultError::Backend {
                                backend: store.describe(),
                                reason: format!(
                                    "the key stored for id {kid_hex} does not match this database"
                                ),
                            })
                        })?;
                        if state == "active" {
                            active_id = Some(kid);
                        }
                        all.insert(kid, key);
                    }
                    None if state == "active" => {
                        return Err(VaultError::KeyMissing {
                            backend: store.describe(),
                        }
                        .into())
                    }
                    None => {}
                }
            }
            let active = active_id.ok_or_else(|| {
                LibreOllamaError::Internal(format!("vault key {id_hex} could not be activated"))
            })?;
            tracing::info!(backend = store.id(), key_id = %key_id_hex(&active), "vault opened");
            return Ok(Vault {
                keys: RwLock::new(Keys { active, all }),
                store,
                fallback_reason,
            });
        }

        let (kid, key) = new_key();
        let kid_hex = key_id_hex(&kid);
        store.save(&kid_hex, &key)?;
        let check = envelope::seal(&key.0, &kid, check_aad(&kid_hex), CHECK_PLAINTEXT)?;
        conn.execute(
            "INSERT INTO vault_meta (key_id, backend, check_value, state, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
            params![kid_hex, store.id(), check, now_unix()],
        )
        .map_err(sql("recording the new vault key"))?;
        tracing::info!(backend = store.id(), key_id = %kid_hex, "vault master key created");
        let mut all = HashMap::new();
        all.insert(kid, key);
        Ok(Vault {
            keys: RwLock::new(Keys { active: kid, all }),
            store,
            fallback_reason,
        })
    }

    pub fn status(&self) -> VaultStatus {
        let keys = self.keys.read().expect("vault lock");
        VaultStatus {
            backend: self.store.id().into(),
            backend_description: self.store.describe(),
            fallback_reason: self.fallback_reason.clone(),
            active_key_id: key_id_hex(&keys.active),
            key_count: keys.all.len(),
        }
    }

    pub fn seal(&self, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
        let keys = self.keys.read().expect("vault lock");
        let key = &keys.all[&keys.active];
        Ok(envelope::seal(&key.0, &keys.active, aad, plaintext)?)
    }

    pub fn open(&self, aad: Aad<'_>, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let kid = envelope::key_id_of(sealed)?;
        let keys = self.keys.read().expect("vault lock");
        let key = keys
            .all
            .get(&kid)
            .ok_or_else(|| VaultError::UnknownKey(key_id_hex(&kid)))?;
        Ok(Zeroizing::new(envelope::open(&key.0, aad, sealed)?))
    }

    pub fn seal_secret(&self, aad: Aad<'_>, secret: &SecretString) -> Result<Vec<u8>> {
        self.seal(aad, secret.expose().as_bytes())
    }

    pub fn open_secret(&self, aad: Aad<'_>, sealed: &[u8]) -> Result<SecretString> {
        let bytes = self.open(aad, sealed)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| VaultError::Decrypt)?;
        Ok(SecretString::new(text))
    }

    /// Seals a random value, opens it, and checks that a tampered copy and a copy moved to another
    /// row are both refused.
    pub fn self_test(&self) -> Result<()> {
        let mut probe = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut probe);
        let aad = Aad {
            table: "self_test",
            column: "value",
            row_id: "1",
        };
        let sealed = self.seal(aad, &probe)?;
        if self.open(aad, &sealed)?.as_slice() != probe {
            return Err(LibreOllamaError::Internal(
                "vault round trip returned other bytes".into(),
            ));
        }
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        if self.open(aad, &tampered).is_ok() {
            return Err(LibreOllamaError::Internal(
                "vault accepted a tampered value".into(),
            ));
        }
        let moved = Aad { row_id: "2", ..aad };
        if self.open(moved, &sealed).is_ok() {
            return Err(LibreOllamaError::Internal(
                "vault accepted a value moved to another row".into(),
            ));
        }
        Ok(())
    }

    /// Creates a new master key and re-encrypts every sealed value with it in one transaction.
    /// The new key is saved to the backend before the transaction, the old one deleted after it:
    /// a crash at any point leaves a database whose active key is still in the backend.
    pub fn rotate(&self, conn: &mut Connection) -> Result<String> {
        let (new_id, new_key) = new_key();
        let new_hex = key_id_hex(&new_id);
        self.store.save(&new_hex, &new_key)?;
        let check = envelope::seal(&new_key.0, &new_id, check_aad(&new_hex), CHECK_PLAINTEXT)?;

        let old_id = self.keys.read().expect("vault lock").active;
        let tx = conn.transaction().map_err(sql("starting key rotation"))?;
        let mut count = 0usize;
        for (table, id_col, col) in SEALED_COLUMNS {
            let rows: Vec<(String, Vec<u8>)> = {
                let mut stmt = tx
                    .prepare(&format!(
                        "SELECT {id_col}, {col} FROM {table} WHERE {col} IS NOT NULL"
                    ))
                    .map_err(sql("reading sealed values"))?;
                let it = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(sql("reading sealed values"))?;
                it.collect::<std::result::Result<_, _>>()
                    .map_err(sql("reading sealed values"))?
            };
            for (row_id, sealed) in rows {
                let aad = Aad {
                    table,
                    column: col,
                    row_id: &row_id,
                };
                let plain = self.open(aad, &sealed)?;
                let resealed = envelope::seal(&new_key.0, &new_id, aad, &plain)?;
                tx.execute(
                    &format!("UPDATE {table} SET {col} = ?1 WHERE {id_col} = ?2"),
                    params![resealed, row_id],
                )
                .map_err(sql("re-encrypting a sealed value"))?;
                count += 1;
            }
        }
        tx.execute(
            "UPDATE vault_meta SET state = 'retired' WHERE state = 'active'",
            [],
        )
        .map_err(sql("retiring the old key"))?;
        tx.execute(
            "INSERT INTO vault_meta (key_id, backend, check_value, state, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
            params![new_hex, self.store.id(), check, now_unix()],
        )
        .map_err(sql("recording the new key"))?;
        tx.commit().map_err(sql("committing key rotation"))?;

        {
            let mut keys = self.keys.write().expect("vault lock");
            keys.all.insert(new_id, new_key);
            keys.active = new_id;
        }
        let old_hex = key_id_hex(&old_id);
        // Best effort: a leftover retired key is harmless and cleaned on the next rotation.
        if self.store.delete(&old_hex).is_ok() {
            let _ = conn.execute("DELETE FROM vault_meta WHERE key_id = ?1", params![old_hex]);
            self.keys.write().expect("vault lock").all.remove(&old_id);
        }
        tracing::info!(old = %old_hex, new = %new_hex, values = count, "vault key rotated");
        Ok(new_hex)
    }
}

fn choice_id(choice: BackendChoice) -> &'static str {
    match choice {
        BackendChoice::File => "file",
        _ => "keyring",
    }
}

fn choose_backend(
    data_dir: &Path,
    choice: BackendChoice,
) -> Result<(Box<dyn KeyStore>, Option<String>)> {
    match choice {
        BackendChoice::File => Ok((Box::new(FileKeyStore::new(data_dir)), None)),
        BackendChoice::Keyring => {
            let store = KeyringStore::new(data_dir);
            store.probe().map_err(|reason| VaultError::Backend {
                backend: "OS keyring".into(),
                reason,
            })?;
            Ok((Box::new(store), None))
        }
        BackendChoice::Auto => {
            let store = KeyringStore::new(data_dir);
            match store.probe() {
                Ok(()) => Ok((Box::new(store), None)),
                Err(reason) => {
                    let file = FileKeyStore::new(data_dir);
                    tracing::warn!(
                        %reason,
                        fallback = %file.describe(),
                        "no usable OS keyring; the vault master key is kept in a key file readable only by you"
                    );
                    Ok((Box::new(file), Some(reason)))
                }
            }
        }
    }
}

/// For use by repositories: open an optional sealed column.
pub fn open_optional(
    vault: &Vault,
    aad: Aad<'_>,
    sealed: Option<&[u8]>,
) -> Result<Option<SecretString>> {
    sealed.map(|s| vault.open_secret(aad, s)).transpose()
}
