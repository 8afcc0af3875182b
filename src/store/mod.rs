//! The offline cache: one SQLCipher-encrypted SQLite file (WAL). Raw JSON
//! exactly as received is the source of truth; timeline rows are derived from it.
//!
//! Every connection is opened by [`Store::open`] with the cache's key, in a
//! directory private to the user (see `private_dir`).

pub(crate) mod cipher;
mod delta;
mod forget;
mod lock;
mod page;
mod read;
mod schema;
mod write;

use rusqlite::Connection;
use std::path::{Path, PathBuf};

use crate::cache_key::CacheKey;
use crate::error::{ErrorCode, HasCode};
use crate::private_dir::{self, DirError};

pub use delta::{DeltaBasis, Fetch};
pub use lock::SyncLock;
pub use page::{MAX_PAGE, TimelinePage, fts_query};
pub use read::{CachedResource, SourceState, SourceStatus, TimelineFilter};
pub use schema::SCHEMA_VERSION;
pub use write::{Committed, Provenance, RunId, RunOutcome, RunStart, RunSummary, StoredResource};

pub const DB_FILE: &str = "crossview.sqlite3";

/// Bumped when derivation changes; a cache derived by an older version has its
/// derived rows rebuilt at open (never one derived by a newer version).
pub const DERIVE_VERSION: u32 = 3;

/// A cache: its directory and the key that opens it.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    key: CacheKey,
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>, key: CacheKey) -> Cache {
        Cache {
            dir: dir.into(),
            key,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the cache directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Dir(#[from] DirError),
    #[error(
        "the key does not open the cache {path} (wrong key, or not a Crossview cache); the file was left untouched"
    )]
    KeyWrong { path: PathBuf },
    #[error("cannot open the cache {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the cache {path} was written by a newer Crossview (schema {found}; this version reads up to {supported}); it was left untouched"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: usize,
    },
    #[error("cannot upgrade the cache {path}: {message}; it was left as it was")]
    Migrate { path: PathBuf, message: String },
    #[error("another Crossview is syncing into {path}; try again when it has finished")]
    Locked { path: PathBuf },
    #[error("the cache writer stopped unexpectedly; nothing more of this sync could be saved")]
    WriterStopped,
    #[error(
        "the data shown for this source changed while an incremental sync ran; nothing of it was kept (sync again)"
    )]
    BaseMoved,
    #[error("cache error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cache holds unreadable derived data: {0}")]
    Json(#[from] serde_json::Error),
}

impl HasCode for StoreError {
    fn code(&self) -> ErrorCode {
        match self {
            StoreError::TooNew { .. } => ErrorCode::CacheTooNew,
            StoreError::Locked { .. } => ErrorCode::CacheLocked,
            StoreError::KeyWrong { .. } => ErrorCode::CacheKeyWrong,
            StoreError::Dir(e) => e.code(),
            _ => ErrorCode::CacheError,
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the cache, applying migrations. A plaintext
    /// cache from an earlier version is encrypted first (once, under the sync lock).
    pub fn open(cache: &Cache) -> Result<Store, StoreError> {
        private_dir::ensure(cache.dir())?;
        let path = cache.db_path();
        if cipher::is_plaintext(&path) {
            let _lock = SyncLock::acquire(cache.dir())?;
            if cipher::is_plaintext(&path) {
                cipher::encrypt_plaintext(&path, cache.key())?;
            }
        }
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = cipher::open(&path, cache.key())?;
        // Refuse a newer cache before anything (even a journal mode) is written to it.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if found > SCHEMA_VERSION as i64 {
            return Err(StoreError::TooNew {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        cipher::harden(&conn, &path)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        // Decrypted pages kept in memory (16 MiB rather than SQLite's 2,000 pages):
        // a page of a long record read again is not decrypted again.
        conn.pragma_update(None, "cache_size", -16_384)
            .map_err(open_err)?;
        schema::migrations()
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Migrate {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let mut store = Store { conn, path };
        let derived: u32 = store
            .meta("derive_version")?
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if derived < DERIVE_VERSION {
            store.rebuild_derived()?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the WAL into the database file and empties it (after a sync, a
    /// forget), so replaced pages do not stay readable in the log.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Records `"<seq> <hash>"` under `key` unless a later seq is already there,
    /// in one statement, so two processes appending cannot move it backwards.
    pub(crate) fn advance_witness(
        &self,
        key: &str,
        seq: i64,
        hash: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(substr(meta.value, 1, instr(meta.value, ' ') - 1) AS INTEGER) < ?3",
            rusqlite::params![key, format!("{seq} {hash}"), seq],
        )?;
        Ok(())
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }
}

#[cfg(test)]
mod tests;
