//! One line per HTTP request (`requests.log` in the data directory, JSON
//! lines, owner-only): when, which endpoint, the address without its query
//! (queries name the patient), the `X-Request-ID`, and the outcome — so an
//! integration team can find the request in their own logs. Never a header,
//! a body, a token or a key.

use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Past this size the log is moved to `requests.log.1` (one generation kept).
const MAX_BYTES: u64 = 4 * 1024 * 1024;
pub const FILE_NAME: &str = "requests.log";

static DIR: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();

fn dir() -> &'static Mutex<Option<PathBuf>> {
    DIR.get_or_init(|| Mutex::new(None))
}

/// Where the log goes from now on (the data directory); nothing is written until a request is made.
pub fn set_dir(path: PathBuf) {
    if let Ok(mut d) = dir().lock() {
        *d = Some(path);
    }
}

#[derive(Serialize)]
pub struct Line<'a> {
    pub time: String,
    pub endpoint: &'a str,
    pub method: &'a str,
    /// Scheme, host and path only.
    pub url: &'a str,
    pub request_id: &'a str,
    /// HTTP status, when there was one.
    pub status: Option<u16>,
    /// "ok", "http-error", "retry", "token-refresh", or the failure ("timeout", "tls", "unreachable").
    pub outcome: &'a str,
    pub ms: u64,
}

/// Appends one line; a log that cannot be written never fails the request.
pub fn record(line: &Line) {
    let Ok(guard) = dir().lock() else {
        return;
    };
    let Some(d) = guard.as_ref() else {
        return;
    };
    if crate::private_dir::ensure(d).is_err() {
        return;
    }
    let path = d.join(FILE_NAME);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_BYTES) {
        let _ = std::fs::rename(&path, d.join(format!("{FILE_NAME}.1")));
    }
    let Ok(text) = serde_json::to_string(line) else {
        return;
    };
    let mut o = std::fs::OpenOptions::new();
    // Append: lines from several processes never overwrite each other.
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    if let Ok(mut f) = o.open(&path) {
        let _ = f.write_all(format!("{text}\n").as_bytes());
    }
}
