//! Sync one patient from every configured endpoint at once. A failing endpoint
//! never blocks or erases another's data; its own earlier cache stays shown.

mod endpoint;
mod gp_connect;
mod plan;
mod writer;

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::{Endpoint, EndpointKind};
use crate::error::{ErrorCode, HasCode, UiError};
use crate::fhir::FhirVersion;
use crate::nhs_number::NhsNumber;
use crate::store::{Cache, RunOutcome, Store, StoreError, SyncLock};

/// The resource types searched for each patient, in the order they are fetched.
pub const SEARCHED_TYPES: &[&str] = &[
    "AllergyIntolerance",
    "MedicationRequest",
    "MedicationStatement",
    "Encounter",
    "Composition",
    "DocumentReference",
    "Condition",
];

/// What a sync is for and how much it fetches.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// v3 ActReason (`TREAT` or `ETREAT`): decides which consent provisions apply.
    pub purpose: &'static str,
    /// Fetch every resource even where only the changes could be fetched
    /// (finds what a server deleted; see `full_sync_hours`).
    pub full: bool,
}

/// Seconds before the last sync's server time that an incremental sync asks
/// from: a change written while that sync ran, but visible only after it read
/// that type, is still fetched. Fetching a few resources twice is harmless.
pub const INCREMENTAL_OVERLAP_SECONDS: i64 = 60;

/// Most Medication references read one by one when a server did not `_include` them.
pub const MAX_MEDICATION_READS: usize = 500;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    Started {
        source: String,
        source_id: String,
    },
    Page {
        source: String,
        source_id: String,
        resource_type: String,
        received: u64,
    },
    Finished {
        outcome: Box<EndpointOutcome>,
    },
}

/// Where progress goes: a terminal bar, a UI event stream, or nowhere.
pub trait ProgressSink: Send + Sync {
    fn report(&self, progress: Progress);
}

pub struct NoProgress;
impl ProgressSink for NoProgress {
    fn report(&self, _: Progress) {}
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndpointOutcome {
    pub source: String,
    pub source_id: String,
    pub source_kind: EndpointKind,
    pub base_url: String,
    /// `ok`, `failed`, or `suspect` (kept aside: the earlier data stays shown).
    pub outcome: RunOutcome,
    pub error: Option<UiError>,
    pub started_at: String,
    pub finished_at: String,
    pub fhir_version: Option<FhirVersion>,
    /// Patient records at this endpoint carrying the NHS number.
    pub patients_found: usize,
    /// Resources received and kept, by type (including the Patient records and Medications).
    pub counts: BTreeMap<String, u64>,
    /// Resources refused (another patient's, or no patient named).
    pub rejected: u64,
    pub warnings: Vec<String>,
    pub bytes: u64,
    /// `full` or `incremental` (only what changed since the last sync).
    pub fetch: String,
    /// Why: "changes since 28-Nov-2026 12:00 (server time)", "a full sync is due (every 24 h)", …
    pub fetch_note: String,
}

impl EndpointOutcome {
    /// An outcome that has not started yet, for `ep`.
    pub(crate) fn new(ep: &Endpoint, started_at: String) -> EndpointOutcome {
        EndpointOutcome {
            source: ep.name().to_string(),
            source_id: ep.id(),
            source_kind: ep.kind,
            base_url: ep.base_url.to_string(),
            outcome: RunOutcome::Failed,
            error: None,
            finished_at: started_at.clone(),
            started_at,
            fhir_version: None,
            patients_found: 0,
            counts: BTreeMap::new(),
            rejected: 0,
            warnings: Vec::new(),
            bytes: 0,
            fetch: "full".into(),
            fetch_note: String::new(),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.outcome == RunOutcome::Ok
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub nhs_number: String,
    pub endpoints: Vec<EndpointOutcome>,
}

impl SyncReport {
    pub fn all_ok(&self) -> bool {
        self.endpoints.iter().all(EndpointOutcome::is_ok)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no endpoints are configured")]
    NoEndpoints,
    #[error("a sync into this cache is already running in this program; wait for it to finish")]
    AlreadyRunning,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasCode for SyncError {
    fn code(&self) -> ErrorCode {
        match self {
            SyncError::NoEndpoints => ErrorCode::ConfigInvalid,
            SyncError::AlreadyRunning => ErrorCode::CacheLocked,
            SyncError::Store(e) => e.code(),
        }
    }
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Caches being synced by this process (the file lock covers other processes).
static SYNCING: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Marks a cache as being synced by this process until dropped.
struct Running(std::path::PathBuf);

impl Running {
    fn start(dir: &Path) -> Result<Running, SyncError> {
        let mut now = SYNCING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = dir.to_path_buf();
        if now.contains(&dir) {
            return Err(SyncError::AlreadyRunning);
        }
        now.push(dir.clone());
        Ok(Running(dir))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut now = SYNCING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        now.retain(|d| d != &self.0);
    }
}

/// Pulls the patient's record from every endpoint concurrently into `cache`:
/// everything, or where the last sync allows it only what changed since.
pub async fn sync_patient(
    endpoints: &[Endpoint],
    cache: &Cache,
    nhs: &NhsNumber,
    options: SyncOptions,
    progress: Arc<dyn ProgressSink>,
) -> Result<SyncReport, SyncError> {
    if endpoints.is_empty() {
        return Err(SyncError::NoEndpoints);
    }
    let _running = Running::start(cache.dir())?;
    // Opened once before the lock: a plaintext cache is encrypted (under the lock) here.
    drop(Store::open(cache)?);
    let _lock = SyncLock::acquire(cache.dir())?;
    let (writer, thread) = writer::spawn(cache, now_rfc3339())?;
    let tasks: Vec<_> = endpoints
        .iter()
        .cloned()
        .map(|ep| {
            let writer = writer.clone();
            let nhs = nhs.clone();
            let progress = progress.clone();
            tokio::spawn(async move {
                endpoint::sync_endpoint(ep, writer, nhs, options, progress).await
            })
        })
        .collect();
    drop(writer);
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (task, ep) in tasks.into_iter().zip(endpoints) {
        let outcome = match task.await {
            Ok(o) => o,
            Err(e) => endpoint::crashed(ep, &e.to_string()),
        };
        outcomes.push(outcome);
    }
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .ok();
    Ok(SyncReport {
        nhs_number: nhs.as_str().to_string(),
        endpoints: outcomes,
    })
}
