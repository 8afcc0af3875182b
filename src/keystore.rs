//! Secrets kept in the operating system's keyring (Secret Service on Linux,
//! through the `keyring` crate): the cache's encryption key, and tokens an
//! endpoint names. Where no keyring exists (a headless machine, CI) callers
//! fall back to an environment variable. Secrets never appear in messages.

use zeroize::Zeroizing;

/// The keyring's service name for everything Crossview keeps there.
pub const SERVICE: &str = "crossview";

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("no OS keyring is available ({0})")]
    Unavailable(String),
    #[error("the OS keyring refused the request ({0})")]
    Refused(String),
}

fn describe(e: &keyring::Error) -> String {
    // The variant names the failure; the secret itself is never part of it.
    match e {
        keyring::Error::NoStorageAccess(_) => "no access to the keyring".into(),
        keyring::Error::PlatformFailure(_) => "the keyring service did not answer".into(),
        keyring::Error::NoEntry => "no entry".into(),
        keyring::Error::BadEncoding(_) => "an entry that is not text".into(),
        other => format!("{other:?}")
            .split('(')
            .next()
            .unwrap_or("keyring error")
            .to_string(),
    }
}

fn entry(name: &str) -> Result<keyring::Entry, KeystoreError> {
    keyring::Entry::new(SERVICE, name).map_err(|e| KeystoreError::Unavailable(describe(&e)))
}

/// The secret stored under `name`, `None` when there is none.
pub fn get(name: &str) -> Result<Option<Zeroizing<String>>, KeystoreError> {
    match entry(name)?.get_password() {
        Ok(s) => Ok(Some(Zeroizing::new(s))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e @ (keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_))) => {
            Err(KeystoreError::Unavailable(describe(&e)))
        }
        Err(e) => Err(KeystoreError::Refused(describe(&e))),
    }
}

/// Stores `secret` under `name`, replacing any earlier one.
pub fn set(name: &str, secret: &str) -> Result<(), KeystoreError> {
    entry(name)?.set_password(secret).map_err(|e| match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            KeystoreError::Unavailable(describe(&e))
        }
        e => KeystoreError::Refused(describe(&e)),
    })
}
