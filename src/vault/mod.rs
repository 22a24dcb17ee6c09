//! AES-256-GCM sealing of credentials. The master key is random, per installation, and lives in
//! the OS keyring (or, where none works, a 0600 key file); `vault_meta` records which backend holds
//! which key so that a keyring that disappears is reported instead of silently replaced.
//!
//! No database here: `store::vault` reads and writes `vault_meta` and the sealed columns and
//! hands this module the records ([`KeyRecord`]) and values to work on.

pub mod envelope;
pub mod keystore;
pub mod secret;

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use envelope::Aad;
use envelope::KEY_ID_LEN;
use keystore::{FileKeyStore, KeyStore, KeyringStore};
pub use secret::{fingerprint, KeyBytes, SecretString};

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

/// Whether a recorded key seals new values or only opens old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Active,
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Retired => "retired",
        }
    }
}

/// What `vault_meta` records of a key: its id (hex), which backend holds it, a value sealed
/// with it (proof that the key found in the backend is this one), and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub key_id: String,
    pub backend: String,
    pub check_value: Vec<u8>,
    pub state: KeyState,
}

/// A key rotation under way: the new key is in the backend but not yet in use. Re-seal every
/// stored value with [`Rotation::reseal`], record [`Rotation::record`], then
/// [`Vault::finish_rotation`].
pub struct Rotation {
    id: KeyId,
    key: KeyBytes,
    record: KeyRecord,
}

impl Rotation {
    /// Opens `sealed` with the vault's keys and seals the plaintext with the new key.
    pub fn reseal(&self, vault: &Vault, aad: Aad<'_>, sealed: &[u8]) -> Result<Vec<u8>> {
        let plain = vault.open(aad, sealed)?;
        Ok(envelope::seal(&self.key.0, &self.id, aad, &plain)?)
    }

    /// The new key's record, to store as the active one.
    pub fn record(&self) -> &KeyRecord {
        &self.record
    }
}

impl Vault {
    /// Opens the vault from the keys `vault_meta` records (oldest first). With none recorded
    /// (first run) the master key is created and saved to the backend; its record comes back
    /// for the caller to store.
    pub fn load(
        recorded: &[KeyRecord],
        data_dir: &Path,
        choice: BackendChoice,
    ) -> Result<(Vault, Option<KeyRecord>)> {
        let active = recorded.iter().find(|r| r.state == KeyState::Active);
        let (store, fallback_reason): (Box<dyn KeyStore>, Option<String>) = match active {
            Some(KeyRecord { backend, .. }) => match backend.as_str() {
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

        if let Some(KeyRecord { key_id: id_hex, .. }) = active {
            if choice != BackendChoice::Auto && choice_id(choice) != store.id() {
                tracing::warn!(
                    requested = choice_id(choice),
                    in_use = store.id(),
                    "vault backend setting differs from where the existing key lives; keeping the existing key (rotate to move it)"
                );
            }
            let mut all = HashMap::new();
            let mut active_id = None;
            for KeyRecord {
                key_id: kid_hex,
                check_value: check,
                state,
                ..
            } in recorded
            {
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
                        if *state == KeyState::Active {
                            active_id = Some(kid);
                        }
                        all.insert(kid, key);
                    }
                    None if *state == KeyState::Active => {
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
            return Ok((
                Vault {
                    keys: RwLock::new(Keys { active, all }),
                    store,
                    fallback_reason,
                },
                None,
            ));
        }

        let (kid, key) = new_key();
        let kid_hex = key_id_hex(&kid);
        store.save(&kid_hex, &key)?;
        let check = envelope::seal(&key.0, &kid, check_aad(&kid_hex), CHECK_PLAINTEXT)?;
        let record = KeyRecord {
            key_id: kid_hex.clone(),
            backend: store.id().to_string(),
            check_value: check,
            state: KeyState::Active,
        };
        tracing::info!(backend = store.id(), key_id = %kid_hex, "vault master key created");
        let mut all = HashMap::new();
        all.insert(kid, key);
        Ok((
            Vault {
                keys: RwLock::new(Keys { active: kid, all }),
                store,
                fallback_reason,
            },
            Some(record),
        ))
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

    /// Starts a key rotation: a new master key, saved to the backend before anything is
    /// sealed with it, so a crash at any point leaves a database whose keys are all in the
    /// backend. Nothing seals with it until [`Vault::finish_rotation`].
    pub fn begin_rotation(&self) -> Result<Rotation> {
        let (id, key) = new_key();
        let hex = key_id_hex(&id);
        self.store.save(&hex, &key)?;
        let check = envelope::seal(&key.0, &id, check_aad(&hex), CHECK_PLAINTEXT)?;
        Ok(Rotation {
            id,
            key,
            record: KeyRecord {
                key_id: hex,
                backend: self.store.id().to_string(),
                check_value: check,
                state: KeyState::Active,
            },
        })
    }

    /// Seals from now on with the rotation's key (call it once the re-sealed values and the
    /// new record are committed). Returns the new key id.
    pub fn finish_rotation(&self, rotation: Rotation) -> String {
        let mut keys = self.keys.write().expect("vault lock");
        keys.all.insert(rotation.id, rotation.key);
        keys.active = rotation.id;
        rotation.record.key_id
    }

    /// The ids (hex) of the keys this vault holds besides the active one.
    pub fn retired_key_ids(&self) -> Vec<String> {
        let keys = self.keys.read().expect("vault lock");
        let mut out: Vec<String> = keys
            .all
            .keys()
            .filter(|k| **k != keys.active)
            .map(key_id_hex)
            .collect();
        out.sort();
        out
    }

    /// Deletes a retired key from the backend and from memory. Best effort: false when the
    /// backend kept it (the key is kept in memory too, so nothing it sealed becomes unreadable
    /// here); the active key is never deleted.
    pub fn delete_key(&self, key_id: &str) -> bool {
        let Some(kid) = key_id_from_hex(key_id) else {
            return false;
        };
        if kid == self.keys.read().expect("vault lock").active {
            return false;
        }
        if self.store.delete(key_id).is_err() {
            return false;
        }
        self.keys.write().expect("vault lock").all.remove(&kid);
        true
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
