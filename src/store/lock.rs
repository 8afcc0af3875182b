use std::fs::{File, OpenOptions};
use std::path::Path;

use super::StoreError;

/// Held for the length of a sync so two processes never write the same cache at once.
/// Released when dropped (and by the OS if the process dies).
pub struct SyncLock {
    _file: File,
}

impl SyncLock {
    pub fn acquire(data_dir: &Path) -> Result<SyncLock, StoreError> {
        crate::private_dir::ensure(data_dir)?;
        let path = data_dir.join("sync.lock");
        let file =
            crate::private_dir::open_file(&path).map_err(|source| StoreError::CreateDir {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(SyncLock { _file: file }),
            Err(_) => Err(StoreError::Locked {
                path: data_dir.to_path_buf(),
            }),
        }
    }

    /// True when a sync (in this process or another) holds the cache now.
    pub fn is_held(data_dir: &Path) -> bool {
        let Ok(file) = OpenOptions::new()
            .write(true)
            .open(data_dir.join("sync.lock"))
        else {
            return false;
        };
        file.try_lock().is_err()
    }
}
