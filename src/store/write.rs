//! Writing a sync: a run's pages land beside the data being shown, and the
//! switch to the new run happens in one transaction at the end.

use rusqlite::{Transaction, params};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::{DERIVE_VERSION, Store, StoreError};
use crate::error::UiError;
use crate::fhir::FhirVersion;
use crate::timeline::{DerivedEvent, derive_event, medication_info};

pub type RunId = i64;

/// A resource as received, with what the store indexes about it.
#[derive(Debug, Clone)]
pub struct StoredResource {
    pub resource_type: String,
    pub id: String,
    pub version_id: Option<String>,
    pub last_updated: Option<String>,
    pub fetched_at: String,
    pub fhir_version: FhirVersion,
    /// `match`, `include` or `read` (resolved by reference).
    pub search_mode: &'static str,
    /// Exactly as the server sent it.
    pub json: String,
    pub event: Option<DerivedEvent>,
}

impl StoredResource {
    /// Indexes one raw resource already parsed as `value`.
    pub fn new(
        value: &Value,
        raw: String,
        version: FhirVersion,
        fetched_at: &str,
        search_mode: &'static str,
        fallback_id: String,
    ) -> Self {
        let text = |p: &str| value.pointer(p).and_then(Value::as_str).map(String::from);
        StoredResource {
            resource_type: text("/resourceType").unwrap_or_default(),
            id: text("/id").filter(|i| !i.is_empty()).unwrap_or(fallback_id),
            version_id: text("/meta/versionId"),
            last_updated: text("/meta/lastUpdated"),
            fetched_at: fetched_at.to_string(),
            fhir_version: version,
            search_mode,
            event: derive_event(value, version),
            json: raw,
        }
    }
}

/// What a finished run reports about itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    pub fhir_version: Option<String>,
    pub server_software: Option<String>,
    pub patient_ids: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
}

pub(super) fn insert_event(
    tx: &Transaction,
    run: RunId,
    ty: &str,
    id: &str,
    e: &DerivedEvent,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO event (run_id, resource_type, resource_id, kind, date, sort_key, title, status,
             entered_in_error, detail, codes, medication_ref)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        run,
        ty,
        id,
        e.kind.as_str(),
        e.date,
        e.sort_key,
        e.title,
        e.status,
        e.entered_in_error,
        e.detail,
        serde_json::to_string(&e.codes)?,
        e.medication_ref,
    ])?;
    Ok(())
}

pub(super) fn insert_medication(
    tx: &Transaction,
    run: RunId,
    id: &str,
    value: &Value,
) -> Result<(), StoreError> {
    let info = medication_info(value);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO medication (run_id, id, name, codes) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        run,
        id,
        info.name,
        serde_json::to_string(&info.codes)?
    ])?;
    Ok(())
}

/// Medicines given as a reference take their name and codes from the Medication the source sent.
pub(super) fn resolve_medications(tx: &Transaction, run: RunId) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE event SET
             title = coalesce((SELECT m.name FROM medication m WHERE m.run_id = event.run_id AND 'Medication/' || m.id = event.medication_ref), title),
             codes = coalesce((SELECT m.codes FROM medication m WHERE m.run_id = event.run_id AND 'Medication/' || m.id = event.medication_ref), codes)
         WHERE run_id = ?1 AND medication_ref IS NOT NULL",
        [run],
    )?;
    Ok(())
}

fn delete_run_rows(tx: &Transaction, run: RunId) -> Result<(), StoreError> {
    for table in ["event", "medication", "resource"] {
        tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [run])?;
    }
    Ok(())
}

impl Store {
    /// Records the start of a sync of one endpoint for one patient.
    pub fn begin_run(
        &mut self,
        patient: &str,
        source: &str,
        kind: &str,
        base_url: &str,
        started_at: &str,
    ) -> Result<RunId, StoreError> {
        self.conn.execute(
            "INSERT INTO sync_run (patient_key, source, source_kind, base_url, started_at, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![patient, source, kind, base_url, started_at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Writes one page of a run (invisible to readers until the run is committed).
    pub fn write_page(
        &mut self,
        run: RunId,
        resources: &[StoredResource],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for r in resources {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO resource (run_id, resource_type, id, version_id, last_updated, fetched_at, fhir_version, search_mode, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                run,
                r.resource_type,
                r.id,
                r.version_id,
                r.last_updated,
                r.fetched_at,
                r.fhir_version.as_str(),
                r.search_mode,
                r.json,
            ])?;
            if let Some(e) = &r.event {
                insert_event(&tx, run, &r.resource_type, &r.id, e)?;
            }
            if r.resource_type == "Medication" {
                let value: Value = serde_json::from_str(&r.json)?;
                insert_medication(&tx, run, &r.id, &value)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Notes a resource refused for this patient (its content is not kept).
    pub fn reject(
        &mut self,
        run: RunId,
        resource_type: &str,
        id: &str,
        error: &UiError,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO rejected (run_id, resource_type, resource_id, code, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![run, resource_type, id, error.code.as_str(), error.message],
        )?;
        Ok(())
    }

    /// Makes a run the one shown, replacing the previous run for that patient and source atomically.
    pub fn commit_run(
        &mut self,
        run: RunId,
        finished_at: &str,
        summary: &RunSummary,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let (patient, source): (String, String) = tx.query_row(
            "SELECT patient_key, source FROM sync_run WHERE run_id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        resolve_medications(&tx, run)?;
        let previous: Option<RunId> = {
            use rusqlite::OptionalExtension;
            tx.query_row(
                "SELECT run_id FROM current_run WHERE patient_key = ?1 AND source = ?2",
                params![patient, source],
                |r| r.get(0),
            )
            .optional()?
        };
        tx.execute(
            "INSERT INTO current_run (patient_key, source, run_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (patient_key, source) DO UPDATE SET run_id = excluded.run_id",
            params![patient, source, run],
        )?;
        if let Some(prev) = previous.filter(|p| *p != run) {
            delete_run_rows(&tx, prev)?;
        }
        tx.execute(
            "UPDATE sync_run SET outcome = 'ok', finished_at = ?2, fhir_version = ?3, server_software = ?4,
                 patient_ids = ?5, counts = ?6, warnings = ?7
             WHERE run_id = ?1",
            params![
                run,
                finished_at,
                summary.fhir_version,
                summary.server_software,
                serde_json::to_string(&summary.patient_ids)?,
                serde_json::to_string(&summary.counts)?,
                serde_json::to_string(&summary.warnings)?,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks a run failed and discards whatever it had written; the data shown before stays.
    pub fn fail_run(
        &mut self,
        run: RunId,
        finished_at: &str,
        error: &UiError,
        summary: &RunSummary,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        delete_run_rows(&tx, run)?;
        tx.execute(
            "UPDATE sync_run SET outcome = 'failed', finished_at = ?2, error_code = ?3, error_message = ?4,
                 fhir_version = ?5, server_software = ?6, counts = ?7, warnings = ?8
             WHERE run_id = ?1",
            params![
                run,
                finished_at,
                error.code.as_str(),
                error.message,
                summary.fhir_version,
                summary.server_software,
                serde_json::to_string(&summary.counts)?,
                serde_json::to_string(&summary.warnings)?,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Runs left 'running' by a process that died: mark them failed and drop their rows.
    /// Only call while holding the [`super::SyncLock`].
    pub fn recover_interrupted(&mut self, now: &str) -> Result<usize, StoreError> {
        let runs: Vec<RunId> = {
            let mut st = self
                .conn
                .prepare("SELECT run_id FROM sync_run WHERE outcome = 'running'")?;
            st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        let tx = self.conn.transaction()?;
        for run in &runs {
            delete_run_rows(&tx, *run)?;
            tx.execute(
                "UPDATE sync_run SET outcome = 'failed', finished_at = ?2, error_code = 'Internal',
                     error_message = 'the sync was interrupted before it finished' WHERE run_id = ?1",
                params![run, now],
            )?;
        }
        tx.commit()?;
        Ok(runs.len())
    }

    /// Re-derives every timeline row from the raw JSON (after a derivation change, or on demand).
    pub fn rebuild_derived(&mut self) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM event", [])?;
        tx.execute("DELETE FROM medication", [])?;
        let mut n = 0;
        {
            let mut st =
                tx.prepare("SELECT run_id, resource_type, id, fhir_version, json FROM resource")?;
            let mut rows = st.query([])?;
            while let Some(row) = rows.next()? {
                let (run, ty, id, version, json): (RunId, String, String, String, String) = (
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                );
                let value: Value = serde_json::from_str(&json)?;
                let version = FhirVersion::parse(&version).unwrap_or(FhirVersion::R4);
                if ty == "Medication" {
                    insert_medication(&tx, run, &id, &value)?;
                }
                if let Some(e) = derive_event(&value, version) {
                    insert_event(&tx, run, &ty, &id, &e)?;
                    n += 1;
                }
            }
        }
        let runs: Vec<RunId> = {
            let mut st = tx.prepare("SELECT DISTINCT run_id FROM resource")?;
            st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        for run in runs {
            resolve_medications(&tx, run)?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('derive_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [DERIVE_VERSION],
        )?;
        tx.commit()?;
        Ok(n)
    }
}
