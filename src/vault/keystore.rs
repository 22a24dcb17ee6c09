//! Where the master key lives: the OS keyring when one works, else a 0600 key file in the data dir.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use zeroize::Zeroizing;

use super::secret::KeyBytes;
use crate::error::VaultError;

pub trait KeyStore: Send + Sync {
    /// Stable name stored in `vault_meta.backend`.
    fn id(&self) -> &'static str;
    /// Human description for diagnostics.
    fn describe(&self) -> String;
    fn load(&self, key_id: &str) -> Result<Option<KeyBytes>, VaultError>;
    fn save(&self, key_id: &str, key: &KeyBytes) -> Result<(), VaultError>;
    fn delete(&self, key_id: &str) -> Result<(), VaultError>;
}

fn decode_key(text: &str, backend: &str) -> Result<KeyBytes, VaultError> {
    let raw = Zeroizing::new(B64.decode(text.trim()).map_err(|_| VaultError::Backend {
        backend: backend.into(),
        reason: "the stored master key is not valid base64".into(),
    })?);
    let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| VaultError::Backend {
        backend: backend.into(),
        reason: "the stored master key has the wrong length".into(),
    })?;
    Ok(KeyBytes(Zeroizing::new(arr)))
}

pub struct KeyringStore {
    /// Separates installations (data dirs) that share one OS keyring.
    namespace: String,
}

const KEYRING_SERVICE: &str = "libreollama";

impl KeyringStore {
    pub fn new(data_dir: &Path) -> Self {
        KeyringStore {
            namespace: super::secret::fingerprint(data_dir.to_string_lossy().as_bytes()),
        }
    }

    fn entry(&self, key_id: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(
            KEYRING_SERVICE,
            &format!("master-key-{}-{}", self.namespace, key_id),
        )
        .map_err(|e| backend_err("OS keyring", e))
    }

    /// Writes, reads back and deletes a throwaway entry. keyring reports a missing or session-less
    /// backend in confusing ways (keyutils answers NoEntry outside a session keyring), so the only
    /// reliable test is a round trip.
    pub fn probe(&self) -> Result<(), String> {
        let probe_id = format!("probe-{}", rand::random::<u32>());
        let entry = self.entry(&probe_id).map_err(|e| e.to_string())?;
        let value = format!("probe-{}", rand::random::<u64>());
        entry.set_password(&value).map_err(|e| e.to_string())?;
        let back = entry.get_password().map_err(|e| e.to_string());
        let _ = entry.delete_credential();
        match back {
            Ok(v) if v == value => Ok(()),
            Ok(_) => Err("the keyring returned a different value than was stored".into()),
            Err(e) => Err(e),
        }
    }
}

fn backend_err(backend: &str, e: impl std::fmt::Display) -> VaultError {
    VaultError::Backend {
        backend: backend.into(),
        reason: e.to_string(),
    }
}

impl KeyStore for KeyringStore {
    fn id(&self) -> &'static str {
        "keyring"
    }

    fn describe(&self) -> String {
        "OS keyring".into()
    }

    fn load(&self, key_id: &str) -> Result<Option<KeyBytes>, VaultError> {
        match self.entry(key_id)?.get_password() {
            Ok(text) => decode_key(&Zeroizing::new(text), "OS keyring").map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(backend_err("OS keyring", e)),
        }
    }

    fn save(&self, key_id: &str, key: &KeyBytes) -> Result<(), VaultError> {
        let text = Zeroizing::new(B64.encode(&key.0[..]));
        self.entry(key_id)?
            .set_password(&text)
            .map_err(|e| backend_err("OS keyring", e))
    }

    fn delete(&self, key_id: &str) -> Result<(), VaultError> {
        match self.entry(key_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(backend_err("OS keyring", e)),
        }
    }
}

pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    pub fn new(data_dir: &Path) -> Self {
        FileKeyStore {
            dir: data_dir.join("keys"),
        }
    }

    fn path(&self, key_id: &str) -> PathBuf {
        self.dir.join(format!("{key_id}.key"))
    }
}

impl KeyStore for FileKeyStore {
    fn id(&self) -> &'static str {
        "file"
    }

    fn describe(&self) -> String {
        format!("key file in {}", self.dir.display())
    }

    fn load(&self, key_id: &str) -> Result<Option<KeyBytes>, VaultError> {
        match std::fs::read_to_string(self.path(key_id)) {
            Ok(text) => decode_key(&Zeroizing::new(text), "key file").map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend_err("key file", e)),
        }
    }

    fn save(&self, key_id: &str, key: &KeyBytes) -> Result<(), VaultError> {
        crate::fsutil::create_private_dir(&self.dir).map_err(|e| backend_err("key file", e))?;
        let text = Zeroizing::new(B64.encode(&key.0[..]));
        crate::fsutil::write_private_file(&self.path(key_id), text.as_bytes())
            .map_err(|e| backend_err("key file", e))
    }

    fn delete(&self, key_id: &str) -> Result<(), VaultError> {
        match std::fs::remove_file(self.path(key_id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(backend_err("key file", e)),
        }
    }
}
