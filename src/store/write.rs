//! Writing a sync: a run's pages land beside the data being shown, and the
//! switch to the new run happens in one transaction at the end.

use rusqlite::{Transaction, params};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::{DERIVE_VERSION, Store, StoreError};
use crate::config::EndpointKind;
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirVersion;
use crate::fhir::reference::local_medication_ref;
use crate::timeline::{DerivedEvent, derive_event, medication_info};

pub type RunId = i64;

/// How a resource reached the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// A search result for the patient.
    Match,
    /// Sent with a search because it was asked for (`_include`).
    Include,
    /// Read by reference afterwards.
    Read,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Match => "match",
            Provenance::Include => "include",
            Provenance::Read => "read",
        }
    }
}

/// How a sync of one endpoint for one patient ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    Running,
    Ok,
    Failed,
    /// Finished, but its data was kept aside because it would have erased what is shown.
    Suspect,
    /// The process stopped before the run finished.
    Interrupted,
    /// No sync attempted yet (a configured endpoint never synced for this patient).
    Never,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Ok => "ok",
            RunOutcome::Failed => "failed",
            RunOutcome::Suspect => "suspect",
            RunOutcome::Interrupted => "interrupted",
            RunOutcome::Never => "never",
        }
    }

    pub fn parse(s: &str) -> RunOutcome {
        match s {
            "running" => RunOutcome::Running,
            "ok" => RunOutcome::Ok,
            "suspect" => RunOutcome::Suspect,
            "interrupted" => RunOutcome::Interrupted,
            _ => RunOutcome::Failed,
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What committing a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// Its data is now what is shown.
    Shown,
    /// Kept aside: it would have erased entries without explanation.
    KeptAside { lost: Vec<String> },
}

/// Words for what disappeared, by resource type.
fn plural(resource_type: &str) -> &str {
    match resource_type {
        "AllergyIntolerance" => "allergies",
        "MedicationRequest" => "medicine orders",
        "MedicationStatement" => "medicine statements",
        "Encounter" => "encounters",
        "Composition" => "documents (Composition)",
        "DocumentReference" => "documents",
        "Condition" => "conditions",
        other => other,
    }
}

/// What a new run lost that the shown run had, without an explanation a
/// server gives for an ordinary change: the patient no longer found, or a
/// searched type that had entries now returning none or no longer offered.
fn disappeared(
    previous_ids: &[String],
    previous_counts: &BTreeMap<String, u64>,
    now: &RunSummary,
) -> Vec<String> {
    if !previous_ids.is_empty() && now.patient_ids.is_empty() {
        return vec![format!(
            "the patient is no longer found ({} entries were shown before)",
            previous_counts.values().sum::<u64>()
        )];
    }
    let mut lost = Vec::new();
    // Patients are checked above; Medications go with the orders that name them;
    // a consent withdrawn is an ordinary change; who recorded what (a GP record's
    // practitioners and organisations) is context, not the record.
    for (ty, before) in previous_counts.iter().filter(|(t, _)| {
        !matches!(
            t.as_str(),
            "Patient"
                | "Medication"
                | "Consent"
                | "Organization"
                | "Practitioner"
                | "PractitionerRole"
                | "Location"
                | "Device"
        )
    }) {
        let before = *before;
        // Entries a consent now withholds went for a reason the source gave.
        let withheld: u64 = now.consent.iter().filter_map(|n| n.withheld.get(ty)).sum();
        let after = now.counts.get(ty).copied().unwrap_or(0) + withheld;
        if before == 0 || after > 0 {
            continue;
        }
        if now.not_offered.iter().any(|t| t == ty) {
            lost.push(format!(
                "{ty} is no longer offered ({before} {} were shown before)",
                plural(ty)
            ));
        } else {
            lost.push(format!("{before} {} no longer returned", plural(ty)));
        }
    }
    lost
}

/// Who a run is for and where its data comes from.
#[derive(Debug, Clone)]
pub struct RunStart {
    pub patient: String,
    pub endpoint_id: String,
    /// The endpoint's name when the run started.
    pub source: String,
    pub kind: EndpointKind,
    pub base_url: String,
    pub origin: String,
    pub started_at: String,
}

/// A resource as received, with what the store indexes about it.
#[derive(Debug, Clone)]
pub struct StoredResource {
    pub resource_type: String,
    pub id: String,
    pub version_id: Option<String>,
    pub last_updated: Option<String>,
    pub fetched_at: String,
    pub fhir_version: FhirVersion,
    pub provenance: Provenance,
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
        provenance: Provenance,
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
            provenance,
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
    /// Searched types the server said it does not offer.
    pub not_offered: Vec<String>,
    /// What the source's consents meant for this sync (data withheld, or not interpreted).
    pub consent: Vec<crate::consent::ConsentNote>,
    /// What the source's lists say about their own completeness (GP Connect).
    pub list_notes: Vec<crate::gpconnect::ListNote>,
    /// Everything, or only what changed since the shown run.
    pub fetch: super::Fetch,
    /// The server's clock when this run began (its `Date` header), RFC 3339.
    pub server_time: Option<String>,
    /// Digest of what decided what was kept (consents, purpose, version).
    pub basis: Option<String>,
    /// Each type's search validators (ETag, Last-Modified) from this run's answers in full.
    pub validators: BTreeMap<String, crate::fhir::Validators>,
    /// Searched types the server answered "not modified" (a conditional run).
    pub unchanged: Vec<String>,
    /// Searched types a conditional run read in full: they replace what is
    /// shown of them when it is merged.
    pub replaced: Vec<String>,
}

pub(super) fn insert_event(
    tx: &Transaction,
    run: RunId,
    ty: &str,
    id: &str,
    e: &DerivedEvent,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        // An upsert, not OR REPLACE: a replaced row would skip the delete trigger
        // that keeps the full-text index in step.
        "INSERT INTO event (run_id, resource_type, resource_id, kind, date, sort_key, title, status,
             entered_in_error, detail, codes, medication_ref, marks, restricted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (run_id, resource_type, resource_id) DO UPDATE SET
             kind = excluded.kind, date = excluded.date, sort_key = excluded.sort_key,
             title = excluded.title, status = excluded.status,
             entered_in_error = excluded.entered_in_error, detail = excluded.detail,
             codes = excluded.codes, medication_ref = excluded.medication_ref,
             marks = excluded.marks, restricted = excluded.restricted",
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
        serde_json::to_string(&e.marks)?,
        e.restricted.as_ref().map(serde_json::to_string).transpose()?,
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
    pub fn begin_run(&mut self, start: &RunStart) -> Result<RunId, StoreError> {
        self.conn.execute(
            "INSERT INTO sync_run (patient_key, endpoint_id, source, source_kind, base_url, origin, started_at, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running')",
            params![
                start.patient,
                start.endpoint_id,
                start.source,
                start.kind.as_str(),
                start.base_url,
                start.origin,
                start.started_at
            ],
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
                r.provenance.as_str(),
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

    /// Makes a run the one shown, replacing the previous run for that patient and
    /// source atomically — unless it would erase what the previous run showed
    /// without explanation (the patient no longer found, a type that had entries
    /// now empty or no longer offered): then the run is kept aside as `suspect`,
    /// the earlier data stays shown, and what disappeared is returned.
    pub fn commit_run(
        &mut self,
        run: RunId,
        finished_at: &str,
        summary: &RunSummary,
    ) -> Result<Committed, StoreError> {
        if let Some(base) = summary.fetch.base() {
            return self.commit_incremental(run, base, finished_at, summary);
        }
        let tx = self.conn.transaction()?;
        let (patient, endpoint, origin): (String, String, String) = tx.query_row(
            "SELECT patient_key, endpoint_id, origin FROM sync_run WHERE run_id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        resolve_medications(&tx, run)?;
        let previous: Option<(RunId, String, String, String)> = {
            use rusqlite::OptionalExtension;
            tx.query_row(
                "SELECT c.run_id, s.patient_ids, s.counts, s.origin FROM current_run c JOIN sync_run s USING (run_id)
                 WHERE c.patient_key = ?1 AND c.endpoint_id = ?2",
                params![patient, endpoint],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
        };
        // Only the same server's earlier answer can tell what disappeared.
        let lost = match &previous {
            Some((_, ids, counts, was)) if *was == origin => disappeared(
                &serde_json::from_str::<Vec<String>>(ids)?,
                &serde_json::from_str::<BTreeMap<String, u64>>(counts)?,
                summary,
            ),
            _ => Vec::new(),
        };
        // Older runs kept aside are superseded by this one, whatever it becomes.
        let aside: Vec<RunId> = {
            let mut st = tx.prepare(
                "SELECT run_id FROM sync_run WHERE patient_key = ?1 AND endpoint_id = ?2 AND outcome = 'suspect' AND run_id <> ?3",
            )?;
            st.query_map(params![patient, endpoint, run], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for old in aside {
            delete_run_rows(&tx, old)?;
        }
        let outcome = if lost.is_empty() {
            tx.execute(
                "INSERT INTO current_run (patient_key, endpoint_id, run_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (patient_key, endpoint_id) DO UPDATE SET run_id = excluded.run_id",
                params![patient, endpoint, run],
            )?;
            if let Some((prev, ..)) = previous.filter(|p| p.0 != run) {
                delete_run_rows(&tx, prev)?;
            }
            "ok"
        } else {
            "suspect"
        };
        let mut warnings = summary.warnings.clone();
        warnings.extend(lost.iter().cloned());
        tx.execute(
            "UPDATE sync_run SET outcome = ?9, finished_at = ?2, fhir_version = ?3, server_software = ?4,
                 patient_ids = ?5, counts = ?6, warnings = ?7, not_offered = ?8,
                 error_code = ?10, error_message = ?11, consent = ?12, list_notes = ?13,
                 mode = 'full', server_time = ?14, basis = ?15, full_at = started_at, validators = ?16
             WHERE run_id = ?1",
            params![
                run,
                finished_at,
                summary.fhir_version,
                summary.server_software,
                serde_json::to_string(&summary.patient_ids)?,
                serde_json::to_string(&summary.counts)?,
                serde_json::to_string(&warnings)?,
                serde_json::to_string(&summary.not_offered)?,
                outcome,
                (!lost.is_empty()).then_some(ErrorCode::DataDisappeared.as_str()),
                (!lost.is_empty()).then(|| lost.join("; ")),
                serde_json::to_string(&summary.consent)?,
                serde_json::to_string(&summary.list_notes)?,
                summary.server_time,
                summary.basis,
                serde_json::to_string(&summary.validators)?,
            ],
        )?;
        tx.commit()?;
        Ok(if lost.is_empty() {
            Committed::Shown
        } else {
            Committed::KeptAside { lost }
        })
    }

    /// Merges an incremental run into the shown run `base` in one transaction:
    /// the rows it fetched replace the same resources' rows, the rest stays.
    /// Nothing can disappear (deletions wait for a full sync), so there is no
    /// keeping aside. The run itself stays as the record of this attempt.
    fn commit_incremental(
        &mut self,
        run: RunId,
        base: RunId,
        finished_at: &str,
        summary: &RunSummary,
    ) -> Result<Committed, StoreError> {
        use rusqlite::OptionalExtension;
        let tx = self.conn.transaction()?;
        let shown: Option<RunId> = tx
            .query_row(
                "SELECT c.run_id FROM sync_run s JOIN current_run c
                     ON c.patient_key = s.patient_key AND c.endpoint_id = s.endpoint_id
                 WHERE s.run_id = ?1",
                [run],
                |r| r.get(0),
            )
            .optional()?;
        if shown != Some(base) {
            return Err(StoreError::BaseMoved);
        }
        let delta_counts = summary.counts.clone();
        let mut merged = summary.clone();
        merged.consent = super::delta::merged_consent_notes(&tx, base, &summary.consent)?;
        super::delta::carry_rejections(&tx, run, base)?;
        // Patient and Consent are always fetched in full; in a conditional run,
        // so is every searched type the server did not answer "not modified".
        let mut complete: Vec<String> = vec!["Patient".into(), "Consent".into()];
        if let super::Fetch::Conditional { .. } = summary.fetch {
            complete.extend(summary.replaced.iter().cloned());
        }
        let counts = super::delta::merge_into(&tx, run, base, &complete)?;
        super::delta::describe_merged(&tx, run, base, finished_at, &merged, &counts)?;
        tx.execute(
            "UPDATE sync_run SET outcome = 'ok', finished_at = ?2, fhir_version = ?3, server_software = ?4,
                 patient_ids = ?5, counts = ?6, warnings = ?7, not_offered = ?8, consent = ?9,
                 mode = ?13, server_time = ?10, basis = ?11, merged_into = ?12
             WHERE run_id = ?1",
            params![
                run,
                finished_at,
                summary.fhir_version,
                summary.server_software,
                serde_json::to_string(&summary.patient_ids)?,
                serde_json::to_string(&delta_counts)?,
                serde_json::to_string(&summary.warnings)?,
                serde_json::to_string(&summary.not_offered)?,
                serde_json::to_string(&summary.consent)?,
                summary.server_time,
                summary.basis,
                base,
                summary.fetch.as_str(),
            ],
        )?;
        tx.commit()?;
        Ok(Committed::Shown)
    }

    /// Shows a run that was kept aside as suspect (after a person has checked that
    /// the disappearance is real); the data it replaces is removed. False when there is none.
    pub fn accept_suspect(&mut self, patient: &str, endpoint_id: &str) -> Result<bool, StoreError> {
        use rusqlite::OptionalExtension;
        let tx = self.conn.transaction()?;
        let run: Option<RunId> = tx
            .query_row(
                "SELECT max(run_id) FROM sync_run WHERE patient_key = ?1 AND endpoint_id = ?2 AND outcome = 'suspect'",
                params![patient, endpoint_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(run) = run else {
            return Ok(false);
        };
        let previous: Option<RunId> = tx
            .query_row(
                "SELECT run_id FROM current_run WHERE patient_key = ?1 AND endpoint_id = ?2",
                params![patient, endpoint_id],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO current_run (patient_key, endpoint_id, run_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (patient_key, endpoint_id) DO UPDATE SET run_id = excluded.run_id",
            params![patient, endpoint_id, run],
        )?;
        if let Some(prev) = previous.filter(|p| *p != run) {
            delete_run_rows(&tx, prev)?;
        }
        tx.execute(
            "UPDATE sync_run SET outcome = 'ok', error_code = NULL, error_message = NULL WHERE run_id = ?1",
            [run],
        )?;
        tx.commit()?;
        Ok(true)
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
                 fhir_version = ?5, server_software = ?6, counts = ?7, warnings = ?8, mode = ?9
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
                summary.fetch.as_str(),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Runs left 'running' by a process that died: mark them interrupted and drop their rows.
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
                "UPDATE sync_run SET outcome = 'interrupted', finished_at = ?2, error_code = 'Internal',
                     error_message = 'the sync was interrupted before it finished (the program stopped)' WHERE run_id = ?1",
                params![run, now],
            )?;
        }
        tx.commit()?;
        Ok(runs.len())
    }

    /// Removes every run and every cached row of an endpoint id (all patients):
    /// data from a source that is no longer configured.
    pub fn purge_endpoint(&mut self, endpoint_id: &str) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let runs: Vec<RunId> = {
            let mut st = tx.prepare("SELECT run_id FROM sync_run WHERE endpoint_id = ?1")?;
            st.query_map([endpoint_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for run in &runs {
            delete_run_rows(&tx, *run)?;
            tx.execute("DELETE FROM rejected WHERE run_id = ?1", [run])?;
        }
        tx.execute(
            "DELETE FROM current_run WHERE endpoint_id = ?1",
            [endpoint_id],
        )?;
        tx.execute("DELETE FROM sync_run WHERE endpoint_id = ?1", [endpoint_id])?;
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
            let mut st = tx.prepare(
                "SELECT r.run_id, r.resource_type, r.id, r.fhir_version, r.json, s.base_url
                 FROM resource r JOIN sync_run s USING (run_id)",
            )?;
            let mut rows = st.query([])?;
            while let Some(row) = rows.next()? {
                let (run, ty, id, version, json, base): (
                    RunId,
                    String,
                    String,
                    String,
                    String,
                    String,
                ) = (
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                );
                let value: Value = serde_json::from_str(&json)?;
                let version = FhirVersion::parse(&version).unwrap_or(FhirVersion::R4);
                if ty == "Medication" {
                    insert_medication(&tx, run, &id, &value)?;
                }
                if let Some(mut e) = derive_event(&value, version) {
                    // As at sync time: a medicine on another server is not resolved against this one.
                    e.medication_ref = e
                        .medication_ref
                        .as_deref()
                        .and_then(|r| local_medication_ref(r, &base));
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
            [DERIVE_VERSION.to_string()],
        )?;
        tx.commit()?;
        Ok(n)
    }
}
