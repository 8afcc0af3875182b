//! Patient data lives only in a directory private to the user: created 0700 by
//! Crossview, or an existing one the user owns that group and others cannot
//! open. Crossview never changes the mode of a directory it did not create (a
//! mistyped `--data-dir /tmp` is refused, not "fixed"). Files are created 0600.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, HasCode};

#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("cannot create the cache directory {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "the cache directory {path} {why}; Crossview keeps patient data only in a directory that is yours alone (mode 0700), so it was not used and not changed"
    )]
    Unsafe { path: PathBuf, why: String },
}

impl HasCode for DirError {
    fn code(&self) -> ErrorCode {
        match self {
            DirError::Create { .. } => ErrorCode::CacheError,
            DirError::Unsafe { .. } => ErrorCode::CacheDirUnsafe,
        }
    }
}

/// Makes sure `dir` exists and is private to this user: creates it (and any
/// missing parents) 0700, or checks an existing one without touching it.
pub fn ensure(dir: &Path) -> Result<(), DirError> {
    match std::fs::metadata(dir) {
        Ok(_) => check(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            create(dir)?;
            // Another user may have won a race to create it: check what is there now.
            check(dir)
        }
        Err(source) => Err(DirError::Create {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

#[cfg(unix)]
fn create(dir: &Path) -> Result<(), DirError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| DirError::Create {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(not(unix))]
fn create(dir: &Path) -> Result<(), DirError> {
    std::fs::create_dir_all(dir).map_err(|source| DirError::Create {
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(unix)]
fn check(dir: &Path) -> Result<(), DirError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_because = |why: String| DirError::Unsafe {
        path: dir.to_path_buf(),
        why,
    };
    let io_err = |source| DirError::Create {
        path: dir.to_path_buf(),
        source,
    };
    let me = rustix::process::geteuid().as_raw();
    // A link someone else owns could be pointed elsewhere after this check.
    let link = std::fs::symlink_metadata(dir).map_err(io_err)?;
    if link.file_type().is_symlink() && link.uid() != me {
        return Err(unsafe_because(format!(
            "is a symbolic link owned by another user (uid {})",
            link.uid()
        )));
    }
    let m = std::fs::metadata(dir).map_err(io_err)?;
    if !m.is_dir() {
        return Err(unsafe_because("is not a directory".into()));
    }
    if m.uid() != me {
        return Err(unsafe_because(format!(
            "belongs to another user (uid {}, you are uid {me})",
            m.uid()
        )));
    }
    let mode = m.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(unsafe_because(format!(
            "can be opened by group or others (mode {mode:04o})"
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check(_dir: &Path) -> Result<(), DirError> {
    Ok(())
}

/// Opens `path` for writing, creating it 0600 if it does not exist.
pub fn open_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_new_directory_and_its_missing_parents_are_private() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b");
        ensure(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&t.path().join("a")), 0o700);
        // An existing private directory is accepted as it is.
        ensure(&dir).unwrap();
    }

    #[test]
    fn a_shared_directory_is_refused_and_left_as_it_was() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("shared");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = ensure(&dir).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CacheDirUnsafe);
        assert!(e.to_string().contains("0755"), "{e}");
        assert_eq!(mode(&dir), 0o755);
    }

    #[test]
    fn files_are_created_private() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("f");
        open_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
    }
}
