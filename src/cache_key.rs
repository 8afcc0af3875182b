//! The key that encrypts a cache (SQLCipher, a raw 256-bit key: no passphrase
//! stretching, so opening stays instant). Where it comes from, in order:
//! `CROSSVIEW_DB_KEY` (64 hex digits; for headless machines and CI), else the
//! OS keyring (created there on first use). Never from the configuration file,
//! never in a message or a log. The demo cache holds only synthetic patients and
//! uses a fixed, published key so the demo runs anywhere.

use std::path::Path;
use zeroize::Zeroizing;

use crate::error::{ErrorCode, HasCode};
use crate::keystore::{self, KeystoreError};

/// The environment variable holding a cache key (64 hexadecimal digits).
pub const KEY_ENV: &str = "CROSSVIEW_DB_KEY";

/// The demo cache's key. Published on purpose: the demo holds synthetic patients only.
const DEMO_KEY: [u8; 32] = *b"crossview-demo-synthetic-data-v1";

/// A 256-bit cache key, wiped from memory when dropped.
#[derive(Clone)]
pub struct CacheKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)")
    }
}

/// Where a key came from (shown by `crossview doctor`-style reports, never the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    Keyring,
    Demo,
    /// Handed over by the program embedding the core (tests).
    Given,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{KEY_ENV} must be 64 hexadecimal digits (a 256-bit key, e.g. from `openssl rand -hex 32`)"
    )]
    BadEnvKey,
    #[error(
        "no key for the cache in {dir}: {why}. Set {KEY_ENV} (64 hexadecimal digits) or run Crossview where the OS keyring (Secret Service) is available"
    )]
    Missing { dir: String, why: String },
    #[error("the OS keyring holds something for the cache in {dir} that is not a Crossview key")]
    CorruptKeyringEntry { dir: String },
    #[error("could not store the new cache key in the OS keyring: {0}")]
    Store(KeystoreError),
    #[error("the operating system could not supply random bytes for a key: {0}")]
    Random(String),
}

impl HasCode for KeyError {
    fn code(&self) -> ErrorCode {
        match self {
            KeyError::BadEnvKey => ErrorCode::ConfigInvalid,
            KeyError::Random(_) => ErrorCode::Internal,
            _ => ErrorCode::CacheKeyMissing,
        }
    }
}

impl CacheKey {
    /// A new random key.
    pub fn random() -> Result<CacheKey, KeyError> {
        let mut k = Zeroizing::new([0u8; 32]);
        getrandom::fill(k.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(CacheKey(k))
    }

    /// Parses 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<CacheKey> {
        let text = text.trim();
        let mut k = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, k.as_mut()).ok()?;
        Some(CacheKey(k))
    }

    pub fn demo() -> CacheKey {
        CacheKey(Zeroizing::new(DEMO_KEY))
    }

    /// 64 lowercase hexadecimal digits (for the keyring; wiped when dropped).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// The SQL that applies this key to a connection (SQLCipher's raw-key form).
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", *self.to_hex()))
    }

    /// The literal an `ATTACH … KEY` takes.
    pub(crate) fn attach_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", *self.to_hex()))
    }
}

/// What every cache key's keyring entry name starts with.
pub const KEYRING_PREFIX: &str = "cache-key:";

/// The keyring entry of the cache in `dir`: one key per cache directory.
pub fn keyring_name(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    format!("{KEYRING_PREFIX}{}", dir.display())
}

/// The key for the cache in `dir`. `may_create`: no cache exists yet (or only a
/// plaintext one to migrate), so a missing key may be made and kept in the keyring.
pub fn resolve(
    dir: &Path,
    demo: bool,
    may_create: bool,
) -> Result<(CacheKey, KeySource), KeyError> {
    if demo {
        return Ok((CacheKey::demo(), KeySource::Demo));
    }
    if let Some(text) = std::env::var_os(KEY_ENV) {
        let text = Zeroizing::new(text.to_string_lossy().into_owned());
        return CacheKey::from_hex(&text)
            .map(|k| (k, KeySource::Environment))
            .ok_or(KeyError::BadEnvKey);
    }
    let name = keyring_name(dir);
    let shown = dir.display().to_string();
    match keystore::get(&name) {
        Ok(Some(text)) => CacheKey::from_hex(&text)
            .map(|k| (k, KeySource::Keyring))
            .ok_or(KeyError::CorruptKeyringEntry { dir: shown }),
        Ok(None) if may_create => {
            let key = CacheKey::random()?;
            keystore::set(&name, &key.to_hex()).map_err(KeyError::Store)?;
            Ok((key, KeySource::Keyring))
        }
        Ok(None) => Err(KeyError::Missing {
            dir: shown,
            why: "the OS keyring has no key for it (was it created under another user or moved?)"
                .into(),
        }),
        Err(e) => Err(KeyError::Missing {
            dir: shown,
            why: e.to_string(),
        }),
    }
}

/// Keeps a new key for the cache in `dir` where the current one came from.
pub fn replace(dir: &Path, source: KeySource, key: &CacheKey) -> Result<(), KeyError> {
    match source {
        KeySource::Keyring => {
            keystore::set(&keyring_name(dir), &key.to_hex()).map_err(KeyError::Store)
        }
        // The caller prints the new key once for the person to put in the environment.
        KeySource::Environment | KeySource::Demo | KeySource::Given => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_exactly_64_hex_digits() {
        let k = CacheKey::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(k.to_hex().as_str(), "ab".repeat(32));
        assert!(CacheKey::from_hex(&"ab".repeat(31)).is_none());
        assert!(CacheKey::from_hex(&"zz".repeat(32)).is_none());
        assert!(CacheKey::from_hex("correct horse battery staple").is_none());
    }

    #[test]
    fn a_key_never_shows_in_debug_output() {
        let k = CacheKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(!format!("{k:?}").contains("cdcd"));
    }

    #[test]
    fn random_keys_differ() {
        let a = CacheKey::random().unwrap();
        let b = CacheKey::random().unwrap();
        assert_ne!(a.to_hex().as_str(), b.to_hex().as_str());
    }
}
