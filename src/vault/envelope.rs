//! The sealed-value format: `version(1) | key_id(8) | nonce(12) | ciphertext+tag`.
//! The associated data binds a ciphertext to the table, column and row it lives in, so a value
//! copied into another row (or another column) no longer opens.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use crate::error::VaultError;

pub const VERSION: u8 = 1;
pub const KEY_ID_LEN: usize = 8;
pub const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// Where a sealed value lives. Part of the authenticated data.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
}

impl Aad<'_> {
    fn bytes(&self, version: u8, key_id: &[u8; KEY_ID_LEN]) -> Vec<u8> {
        // Length-prefixed so that ("ab","c") and ("a","bc") differ.
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(b"libreollama-vault");
        out.push(version);
        out.extend_from_slice(key_id);
        for part in [self.table, self.column, self.row_id] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

pub fn seal(
    key: &[u8; 32],
    key_id: &[u8; KEY_ID_LEN],
    aad: Aad<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| VaultError::Seal(e.to_string()))?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad.bytes(VERSION, key_id),
            },
        )
        .map_err(|_| VaultError::Seal("AES-GCM refused the input".into()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
    out.push(VERSION);
    out.extend_from_slice(key_id);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Reads the key id of a sealed value without opening it.
pub fn key_id_of(sealed: &[u8]) -> Result<[u8; KEY_ID_LEN], VaultError> {
    if sealed.len() < HEADER_LEN + 16 {
        return Err(VaultError::Decrypt);
    }
    if sealed[0] != VERSION {
        return Err(VaultError::UnknownEnvelope(sealed[0]));
    }
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&sealed[1..1 + KEY_ID_LEN]);
    Ok(id)
}

pub fn open(key: &[u8; 32], aad: Aad<'_>, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    let key_id = key_id_of(sealed)?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| VaultError::Decrypt)?;
    let nonce = &sealed[1 + KEY_ID_LEN..HEADER_LEN];
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: &sealed[HEADER_LEN..],
                aad: &aad.bytes(VERSION, &key_id),
            },
        )
        .map_err(|_| VaultError::Decrypt)
}

/// The nonce of a sealed value; empty for bytes too short to be one.
pub fn nonce_of(sealed: &[u8]) -> &[u8] {
    sealed.get(1 + KEY_ID_LEN..HEADER_LEN).unwrap_or_default()
}
