//! The local audit log: who looked at which patient's record, when, why and
//! with what outcome. Kept in its own encrypted file beside the cache (same
//! key), so forgetting a patient never removes the record that they were
//! looked at or forgotten. Append-only (triggers refuse updates and deletes)
//! and hash-chained: each entry's hash covers its content and the previous
//! hash, and the newest (number, hash) is also written into the cache file, so
//! an edited, removed or truncated entry shows up in `crossview audit verify`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

use crate::access::{Access, Basis};
use crate::error::{ErrorCode, HasCode};
use crate::store::{Cache, StoreError, cipher};

pub const AUDIT_FILE: &str = "audit.sqlite3";

/// The hash an empty log starts from.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS audit (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    os_user      TEXT NOT NULL,
    uid          INTEGER NOT NULL,
    clinician_id TEXT,
    action       TEXT NOT NULL,
    nhs_number   TEXT,
    query        TEXT,
    sources      TEXT NOT NULL,
    basis        TEXT,
    reason       TEXT,
    outcome      TEXT NOT NULL,
    detail       TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_patient ON audit (nhs_number, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// What was done.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// A patient's record opened in the app.
    Open,
    /// The cached timeline read (command line).
    Timeline,
    /// The reconciled summary read.
    Summary,
    /// The discharges read.
    Discharges,
    /// Per-source status of a patient's record read.
    Sources,
    /// A search by name and date of birth.
    Search,
    /// A sync from the endpoints.
    Sync,
    /// One raw resource viewed.
    ViewResource,
    /// One document viewed in the reader.
    ViewDocument,
    /// A restricted entry revealed.
    Reveal,
    /// A kept-aside sync accepted.
    Accept,
    /// One patient's data removed on request.
    Forget,
    /// A patient's data removed because it passed the retention period.
    Expire,
    /// Every patient's data from one source removed.
    Purge,
    /// The cache key changed.
    Rekey,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Open => "open",
            AuditAction::Timeline => "timeline",
            AuditAction::Summary => "summary",
            AuditAction::Discharges => "discharges",
            AuditAction::Sources => "sources",
            AuditAction::Search => "search",
            AuditAction::Sync => "sync",
            AuditAction::ViewResource => "view-resource",
            AuditAction::ViewDocument => "view-document",
            AuditAction::Reveal => "reveal",
            AuditAction::Accept => "accept",
            AuditAction::Forget => "forget",
            AuditAction::Expire => "expire",
            AuditAction::Purge => "purge",
            AuditAction::Rekey => "rekey",
        }
    }

    fn parse(s: &str) -> Option<AuditAction> {
        use AuditAction::*;
        [
            Open,
            Timeline,
            Summary,
            Discharges,
            Sources,
            Search,
            Sync,
            ViewResource,
            ViewDocument,
            Reveal,
            Accept,
            Forget,
            Expire,
            Purge,
            Rekey,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// Who is acting: the operating-system account, and a clinician id if configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub os_user: String,
    pub uid: u32,
    pub clinician_id: Option<String>,
}

impl Actor {
    /// The account this process runs as.
    pub fn current(clinician_id: Option<String>) -> Actor {
        let uid = rustix::process::geteuid().as_raw();
        let os_user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| format!("uid {uid}"));
        Actor {
            os_user,
            uid,
            clinician_id,
        }
    }
}

/// One thing to record.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: AuditAction,
    pub nhs_number: Option<String>,
    /// What was searched for (searches only).
    pub query: Option<String>,
    /// Source ids involved.
    pub sources: Vec<String>,
    pub access: Option<Access>,
    /// `ok`, `partial`, `refused: …`, `failed: CODE`.
    pub outcome: String,
    pub detail: Option<String>,
}

impl Event {
    pub fn new(action: AuditAction, nhs: Option<&str>) -> Event {
        Event {
            action,
            nhs_number: nhs.map(String::from),
            query: None,
            sources: Vec::new(),
            access: None,
            outcome: "ok".into(),
            detail: None,
        }
    }
}

/// One entry of the log as `crossview audit` lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub os_user: String,
    pub uid: u32,
    pub clinician_id: Option<String>,
    pub action: AuditAction,
    pub nhs_number: Option<String>,
    pub query: Option<String>,
    pub sources: Vec<String>,
    pub basis: Option<Basis>,
    pub reason: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What the hash covers: every field but the hash itself, in a fixed order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: &'a str,
    os_user: &'a str,
    uid: u32,
    clinician_id: Option<&'a str>,
    action: &'a str,
    nhs_number: Option<&'a str>,
    query: Option<&'a str>,
    sources: &'a [String],
    basis: Option<&'a str>,
    reason: Option<&'a str>,
    outcome: &'a str,
    detail: Option<&'a str>,
    prev_hash: &'a str,
}

/// The columns of one row, as stored (unparsed, so that verification sees what is there).
struct Row {
    seq: i64,
    at: String,
    os_user: String,
    uid: u32,
    clinician_id: Option<String>,
    action: String,
    nhs_number: Option<String>,
    query: Option<String>,
    sources: String,
    basis: Option<String>,
    reason: Option<String>,
    outcome: String,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
}

impl Row {
    fn hash(&self) -> Result<String, AuditError> {
        let sources: Vec<String> =
            serde_json::from_str(&self.sources).map_err(|_| AuditError::Unreadable(self.seq))?;
        let body = serde_json::to_vec(&Hashed {
            seq: self.seq,
            at: &self.at,
            os_user: &self.os_user,
            uid: self.uid,
            clinician_id: self.clinician_id.as_deref(),
            action: &self.action,
            nhs_number: self.nhs_number.as_deref(),
            query: self.query.as_deref(),
            sources: &sources,
            basis: self.basis.as_deref(),
            reason: self.reason.as_deref(),
            outcome: &self.outcome,
            detail: self.detail.as_deref(),
            prev_hash: &self.prev_hash,
        })
        .map_err(|_| AuditError::Unreadable(self.seq))?;
        Ok(hex::encode(Sha256::digest(&body)))
    }

    fn entry(self) -> Result<AuditEntry, AuditError> {
        let seq = self.seq;
        Ok(AuditEntry {
            seq,
            action: AuditAction::parse(&self.action).ok_or(AuditError::Unreadable(seq))?,
            sources: serde_json::from_str(&self.sources)
                .map_err(|_| AuditError::Unreadable(seq))?,
            basis: self.basis.as_deref().and_then(Basis::parse),
            at: self.at,
            os_user: self.os_user,
            uid: self.uid,
            clinician_id: self.clinician_id,
            nhs_number: self.nhs_number,
            query: self.query,
            reason: self.reason,
            outcome: self.outcome,
            detail: self.detail,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

const ROW_COLUMNS: &str = "seq, at, os_user, uid, clinician_id, action, nhs_number, query, sources, basis, reason, outcome, detail, prev_hash, hash";

fn read_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        at: r.get(1)?,
        os_user: r.get(2)?,
        uid: r.get(3)?,
        clinician_id: r.get(4)?,
        action: r.get(5)?,
        nhs_number: r.get(6)?,
        query: r.get(7)?,
        sources: r.get(8)?,
        basis: r.get(9)?,
        reason: r.get(10)?,
        outcome: r.get(11)?,
        detail: r.get(12)?,
        prev_hash: r.get(13)?,
        hash: r.get(14)?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit log could not be opened or written ({0}); nothing was done")]
    Store(#[from] StoreError),
    #[error("the audit log could not be written ({0}); nothing was done")]
    Sql(#[from] rusqlite::Error),
    #[error("audit entry {0} cannot be read")]
    Unreadable(i64),
}

impl HasCode for AuditError {
    fn code(&self) -> ErrorCode {
        match self {
            AuditError::Store(e) if e.code() != ErrorCode::CacheError => e.code(),
            _ => ErrorCode::AuditUnavailable,
        }
    }
}

/// The result of checking the chain.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub entries: i64,
    pub intact: bool,
    /// The first entry that does not check out (or where entries are missing).
    pub first_bad: Option<i64>,
    pub problem: Option<String>,
}

/// The newest entry as last recorded in the cache file: `(seq, hash)`.
pub type Witness = (i64, String);

pub struct AuditLog {
    conn: Connection,
    path: PathBuf,
}

impl AuditLog {
    /// Opens (creating if needed) the audit log of a cache, with the cache's key.
    pub fn open(cache: &Cache) -> Result<AuditLog, AuditError> {
        crate::private_dir::ensure(cache.dir()).map_err(StoreError::from)?;
        let path = cache.dir().join(AUDIT_FILE);
        let conn = cipher::open(&path, cache.key())?;
        cipher::harden(&conn, &path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(AuditLog { conn, path })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one entry (in one transaction with reading the previous hash, so
    /// two processes appending at once still form one chain).
    pub fn append(&mut self, actor: &Actor, e: &Event) -> Result<AuditEntry, AuditError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (last_seq, prev_hash): (i64, String) = tx
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, GENESIS.to_string()));
        let mut row = Row {
            seq: last_seq + 1,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            os_user: actor.os_user.clone(),
            uid: actor.uid,
            clinician_id: actor.clinician_id.clone(),
            action: e.action.as_str().to_string(),
            nhs_number: e.nhs_number.clone(),
            query: e.query.clone(),
            sources: serde_json::to_string(&e.sources).map_err(|_| AuditError::Unreadable(0))?,
            basis: e.access.as_ref().map(|a| a.basis.as_str().to_string()),
            reason: e.access.as_ref().and_then(|a| a.reason.clone()),
            outcome: e.outcome.clone(),
            detail: e.detail.clone(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.hash()?;
        tx.execute(
            &format!("INSERT INTO audit ({ROW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
            params![
                row.seq,
                row.at,
                row.os_user,
                row.uid,
                row.clinician_id,
                row.action,
                row.nhs_number,
                row.query,
                row.sources,
                row.basis,
                row.reason,
                row.outcome,
                row.detail,
                row.prev_hash,
                row.hash
            ],
        )?;
        tx.commit()?;
        row.entry()
    }

    /// Entries, oldest first; only one patient's when `nhs` is given.
    pub fn list(&self, nhs: Option<&str>) -> Result<Vec<AuditEntry>, AuditError> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM audit WHERE ?1 IS NULL OR nhs_number = ?1 ORDER BY seq"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([nhs], read_row)?;
        rows.map(|r| r.map_err(AuditError::from).and_then(Row::entry))
            .collect()
    }

    /// Checks every entry's hash and link, and that nothing after the newest
    /// entry the cache file saw (`witness`) is missing.
    pub fn verify(&self, witness: Option<&Witness>) -> Result<Verification, AuditError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {ROW_COLUMNS} FROM audit ORDER BY seq"))?;
        let mut rows = st.query([])?;
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_string();
        let mut count = 0;
        let bad = |seq: i64, count: i64, why: String| Verification {
            entries: count,
            intact: false,
            first_bad: Some(seq),
            problem: Some(why),
        };
        while let Some(r) = rows.next()? {
            let row = read_row(r)?;
            count += 1;
            if row.seq != expected_seq {
                return Ok(bad(
                    expected_seq,
                    count,
                    format!(
                        "entry {expected_seq} is missing (the next entry is {})",
                        row.seq
                    ),
                ));
            }
            if row.prev_hash != prev {
                return Ok(bad(
                    row.seq,
                    count,
                    format!(
                        "entry {} does not follow on from the entry before it",
                        row.seq
                    ),
                ));
            }
            let computed = row.hash().unwrap_or_default();
            if computed != row.hash {
                return Ok(bad(
                    row.seq,
                    count,
                    format!("entry {} was changed after it was written", row.seq),
                ));
            }
            prev = row.hash;
            expected_seq += 1;
        }
        if witness.is_none() && count > 0 {
            // Every append also records the log's end in the cache: its absence means it was removed.
            return Ok(bad(
                count,
                count,
                "the cache holds no record of where the log ends (removed?), so entries removed from the end cannot be ruled out".into(),
            ));
        }
        if let Some((seq, hash)) = witness {
            let last = expected_seq - 1;
            if *seq > last {
                return Ok(bad(
                    last + 1,
                    count,
                    format!(
                        "entries {} to {seq} are missing (the cache recorded entry {seq} as written)",
                        last + 1
                    ),
                ));
            }
            let at_witness: Option<String> = self
                .conn
                .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
                .optional()?;
            if at_witness.as_deref() != Some(hash.as_str()) {
                return Ok(bad(
                    *seq,
                    count,
                    format!("entry {seq} is not the one the cache recorded as written"),
                ));
            }
        }
        Ok(Verification {
            entries: count,
            intact: true,
            first_bad: None,
            problem: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache_key::CacheKey;

    fn log() -> (tempfile::TempDir, Cache, AuditLog) {
        let t = tempfile::tempdir().unwrap();
        let cache = Cache::new(
            t.path().join("c"),
            CacheKey::from_hex(&"11".repeat(32)).unwrap(),
        );
        let log = AuditLog::open(&cache).unwrap();
        (t, cache, log)
    }

    fn actor() -> Actor {
        Actor {
            os_user: "tester".into(),
            uid: 1000,
            clinician_id: Some("C123".into()),
        }
    }

    fn write_three(log: &mut AuditLog) -> Vec<AuditEntry> {
        let mut e = Event::new(AuditAction::Open, Some("9990000018"));
        e.access = Some(Access::parse("direct-care", None).unwrap());
        let a = log.append(&actor(), &e).unwrap();
        let b = log
            .append(&actor(), &Event::new(AuditAction::Sync, Some("9990000018")))
            .unwrap();
        let c = log
            .append(
                &actor(),
                &Event::new(AuditAction::Forget, Some("9990000026")),
            )
            .unwrap();
        vec![a, b, c]
    }

    #[test]
    fn entries_chain_and_verify() {
        let (_t, _c, mut log) = log();
        let written = write_three(&mut log);
        assert_eq!(written[1].prev_hash, written[0].hash);
        assert_eq!(log.list(None).unwrap(), written);
        assert_eq!(log.list(Some("9990000026")).unwrap().len(), 1);
        let w = (3, written[2].hash.clone());
        let v = log.verify(Some(&w)).unwrap();
        assert!(v.intact, "{v:?}");
        assert_eq!(v.entries, 3);
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let (_t, _c, mut log) = log();
        write_three(&mut log);
        assert!(
            log.conn
                .execute("UPDATE audit SET outcome = 'x'", [])
                .is_err()
        );
        assert!(log.conn.execute("DELETE FROM audit", []).is_err());
    }

    #[test]
    fn an_edit_a_removal_and_a_truncation_are_each_found() {
        for tamper in ["edit", "remove", "truncate"] {
            let (_t, _c, mut log) = log();
            let written = write_three(&mut log);
            log.conn
                .execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
                .unwrap();
            match tamper {
                "edit" => log
                    .conn
                    .execute(
                        "UPDATE audit SET nhs_number = '9990000034' WHERE seq = 2",
                        [],
                    )
                    .unwrap(),
                "remove" => log
                    .conn
                    .execute("DELETE FROM audit WHERE seq = 2", [])
                    .unwrap(),
                _ => log
                    .conn
                    .execute("DELETE FROM audit WHERE seq = 3", [])
                    .unwrap(),
            };
            let w = (3, written[2].hash.clone());
            let v = log.verify(Some(&w)).unwrap();
            assert!(!v.intact, "{tamper}");
            assert_eq!(
                v.first_bad,
                Some(if tamper == "truncate" { 3 } else { 2 }),
                "{tamper}: {v:?}"
            );
        }
    }
}
