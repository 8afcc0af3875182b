//! One line per HTTP request (`requests.log` in the data directory, JSON
//! lines, owner-only): when, which endpoint, the address without its query
//! (queries name the patient), the `X-Request-ID`, and the outcome — so an
//! integration team can find the request in their own logs. Never a header,
//! a body, a token or a key.

use serde::Serialize;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Past this size the log is moved to `requests.log.1` (one generation kept).
const MAX_BYTES: u64 = 4 * 1024 * 1024;
pub const FILE_NAME: &str = "requests.log";

/// Where the log goes, and the file once opened (kept open: a sync makes
/// thousands of requests, and each must not stat and open the file again).
#[derive(Default)]
struct Log {
    dir: Option<PathBuf>,
    open: Option<(File, u64)>,
}

static LOG: OnceLock<Mutex<Log>> = OnceLock::new();

fn log() -> &'static Mutex<Log> {
    LOG.get_or_init(|| Mutex::new(Log::default()))
}

/// Where the log goes from now on (the data directory); nothing is written until a request is made.
pub fn set_dir(path: PathBuf) {
    if let Ok(mut l) = log().lock() {
        *l = Log {
            dir: Some(path),
            open: None,
        };
    }
}

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    endpoint: &'a str,
    method: &'a str,
    /// Scheme, host and path only.
    url: &'a str,
    request_id: &'a str,
    /// HTTP status, when there was one.
    status: Option<u16>,
    outcome: &'a str,
    ms: u64,
}

/// One request, as sent to `url` (shown without its query).
pub struct Request<'a> {
    pub endpoint: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub request_id: &'a str,
    pub started: Instant,
}

impl Request<'_> {
    /// Appends its line: HTTP `status` when there was one; `outcome` "ok",
    /// "http-error", "retry", "token-refresh", or the failure ("timeout",
    /// "tls", "unreachable", "deadline"). A log that cannot be written never
    /// fails the request.
    pub fn done(&self, status: Option<u16>, outcome: &str) {
        let line = Line {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            endpoint: self.endpoint,
            method: self.method,
            url: self.url,
            request_id: self.request_id,
            status,
            outcome,
            ms: self.started.elapsed().as_millis() as u64,
        };
        if let Ok(text) = serde_json::to_string(&line) {
            append(&format!("{text}\n"));
        }
    }
}

fn open(dir: &std::path::Path) -> Option<(File, u64)> {
    crate::private_dir::ensure(dir).ok()?;
    let path = dir.join(FILE_NAME);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_BYTES) {
        let _ = std::fs::rename(&path, dir.join(format!("{FILE_NAME}.1")));
    }
    let mut o = std::fs::OpenOptions::new();
    // Append: lines from several processes never overwrite each other.
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let file = o.open(&path).ok()?;
    let size = file.metadata().map_or(0, |m| m.len());
    Some((file, size))
}

fn append(text: &str) {
    let Ok(mut l) = log().lock() else {
        return;
    };
    let Log { dir, open: handle } = &mut *l;
    let Some(dir) = dir.as_ref() else {
        return;
    };
    if handle.as_ref().is_none_or(|(_, size)| *size > MAX_BYTES) {
        *handle = open(dir);
    }
    if let Some((file, size)) = handle.as_mut() {
        if file.write_all(text.as_bytes()).is_ok() {
            *size += text.len() as u64;
        } else {
            *handle = None;
        }
    }
}
