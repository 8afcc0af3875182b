//! The offline cache: one SQLite file (WAL). Raw JSON exactly as received is
//! the source of truth; timeline rows are derived from it.
//!
//! Every connection is opened by [`Store::open`], the one place where an
//! encryption key will be applied when the cache moves to SQLCipher.

mod lock;
mod read;
mod schema;
mod write;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{ErrorCode, HasCode};

pub use lock::SyncLock;
pub use read::{CachedResource, SourceState, SourceStatus, TimelineFilter};
pub use schema::SCHEMA_VERSION;
pub use write::{Committed, Provenance, RunId, RunOutcome, RunStart, RunSummary, StoredResource};

pub const DB_FILE: &str = "crossview.sqlite3";

/// Bumped when derivation changes; a cache derived by an older version has its
/// derived rows rebuilt at open (never one derived by a newer version).
pub const DERIVE_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the cache directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
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
            _ => ErrorCode::CacheError,
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the cache in `data_dir`, applying migrations.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        restrict_permissions(data_dir);
        let path = data_dir.join(DB_FILE);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
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
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
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

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Patient data: readable by this user only. Best effort: a shared directory the user chose stays as it is.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) {}

#[cfg(test)]
mod tests;
