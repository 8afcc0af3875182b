//! Encrypted SQLite files (SQLCipher): opening with the key, proving the key
//! before anything is written, moving a plaintext cache from an earlier
//! version into an encrypted one, and re-encrypting under a new key.

use rusqlite::{Connection, OpenFlags};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::StoreError;
use crate::cache_key::CacheKey;
use crate::private_dir;

/// The first 16 bytes of every plaintext SQLite file (SQLCipher files look random).
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Largest WAL kept after a checkpoint: replaced pages do not linger in a big log.
const JOURNAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;

/// True when `path` is an unencrypted SQLite database (a cache from before encryption).
pub fn is_plaintext(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == PLAINTEXT_HEADER
}

fn open_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` with `key`, creating it (0600) if missing. Fails with
/// `KeyWrong` before anything is written when the key does not open it.
pub fn open(path: &Path, key: &CacheKey) -> Result<Connection, StoreError> {
    if !path.exists() {
        private_dir::open_file(path).map_err(|source| StoreError::CreateDir {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err(path))?;
    // SQLCipher would log a wrong key to stderr itself; the error says it plainly.
    let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
    // Before the first read: another process checkpointing must not look like a bad file.
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(open_err(path))?;
    conn.execute_batch(&key.pragma()).map_err(open_err(path))?;
    // The first read decrypts page 1: a wrong key fails here, having written nothing.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        return Err(match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::KeyWrong {
                path: path.to_path_buf(),
            },
            _ => open_err(path)(e),
        });
    }
    Ok(conn)
}

/// Settings so that replaced data does not linger: freed pages zeroed, temporary
/// tables in memory, the WAL kept small.
pub fn harden(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(open_err(path))?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(open_err(path))?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
        .map_err(open_err(path))?;
    Ok(())
}

/// Copies the database open on `from` into a new file at `to` encrypted with
/// `key` (SQLCipher's export), keeping its schema version.
fn export(from: &Connection, to: &Path, key: &CacheKey) -> Result<(), StoreError> {
    let _ = std::fs::remove_file(to);
    private_dir::open_file(to).map_err(|source| StoreError::CreateDir {
        path: to.to_path_buf(),
        source,
    })?;
    let version: i64 = from.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let to_text = to.to_string_lossy().into_owned();
    // The statement holds the key: wiped when dropped.
    let attach = zeroize::Zeroizing::new(format!(
        "ATTACH DATABASE ?1 AS fresh KEY {}",
        *key.attach_literal()
    ));
    from.execute(attach.as_str(), [&to_text])?;
    let copied = from
        .query_row("SELECT sqlcipher_export('fresh')", [], |_| Ok(()))
        .and_then(|()| from.execute_batch(&format!("PRAGMA fresh.user_version = {version};")));
    let detached = from.execute_batch("DETACH DATABASE fresh");
    copied?;
    detached?;
    sync_file(to)?;
    Ok(())
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| StoreError::CreateDir {
            path: path.to_path_buf(),
            source,
        })
}

fn side_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [with("-wal"), with("-shm"), with("-journal")]
}

/// Overwrites a file with zeros before removing it (best effort: a journaling
/// file system or an SSD may still keep old blocks; the README says so).
fn shred(path: &Path) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
        zero(f);
    }
    let _ = std::fs::remove_file(path);
}

/// Overwrites an open file with zeros, whatever name it has now.
fn zero(mut f: std::fs::File) {
    let Ok(meta) = f.metadata() else {
        return;
    };
    let zeros = vec![0u8; 64 * 1024];
    let mut left = meta.len();
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        if f.write_all(&zeros[..n]).is_err() {
            break;
        }
        left -= n as u64;
    }
    let _ = f.sync_all();
}

fn temp_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".encrypting");
    PathBuf::from(p)
}

/// Replaces the plaintext database at `path` with an encrypted copy, then
/// shreds the plaintext (and its WAL). The caller holds the sync lock.
pub fn encrypt_plaintext(path: &Path, key: &CacheKey) -> Result<(), StoreError> {
    let tmp = temp_path(path);
    {
        let plain = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(open_err(path))?;
        // Everything in the WAL goes into the main file first.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        export(&plain, &tmp, key)?;
    }
    // Held open across the swap: the encrypted copy takes the name in one step
    // (a crash at any point leaves either the plaintext or the encrypted file
    // under it, never neither), then the old contents are zeroed.
    let old = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|source| StoreError::CreateDir {
            path: path.to_path_buf(),
            source,
        })?;
    for side in side_files(path) {
        shred(&side);
    }
    std::fs::rename(&tmp, path).map_err(|source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    })?;
    zero(old);
    Ok(())
}

/// Re-encrypts the database at `path` from `old` to `new` (a fresh copy
/// swapped in, so a failure half way leaves the original as it was).
pub fn rekey(path: &Path, old: &CacheKey, new: &CacheKey) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    let tmp = temp_path(path);
    {
        let conn = open(path, old)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        export(&conn, &tmp, new)?;
    }
    // Proves the new copy opens with the new key before the old one goes.
    drop(open(&tmp, new)?);
    for side in side_files(path) {
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, path).map_err(|source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(())
}
