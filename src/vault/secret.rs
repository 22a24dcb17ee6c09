//! Secret values whose Debug/Display can never print the value itself, only a short fingerprint.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// First 4 bytes of SHA-256 as hex: enough to tell two secrets apart in a support log, useless
/// for recovering either.
pub fn fingerprint(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// A token, password or other string secret. Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(Zeroizing::new(value.into()))
    }

    /// The only way to reach the value; grep for it when auditing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.0.as_bytes())
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretString(len={}, fp={})",
            self.len(),
            self.fingerprint()
        )
    }
}

impl std::fmt::Display for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[secret {}…]", self.fingerprint())
    }
}

/// 256-bit key material. Zeroed on drop; Debug shows only the key id.
pub struct KeyBytes(pub(crate) Zeroizing<[u8; 32]>);

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyBytes(fp={})", fingerprint(&self.0[..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = SecretString::new("ya29.super-secret-access-token");
        for text in [format!("{s:?}"), format!("{s}"), format!("{:#?}", Some(&s))] {
            assert!(!text.contains("super-secret"), "{text}");
            assert!(text.contains(&s.fingerprint()));
        }
        assert_eq!(s.expose(), "ya29.super-secret-access-token");
    }
}
