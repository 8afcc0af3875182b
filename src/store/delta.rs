//! Incremental sync in the store: what the next run may build on, and the
//! merge of an incremental run's rows into the run that is shown.
//!
//! An incremental run fetches only what changed since the shown run's server
//! time. Its rows are written beside the shown data like any run; at commit,
//! in one transaction, the shown rows it replaces are deleted and its rows
//! move into the shown run. The cost is that of the change, not the record.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use std::collections::BTreeMap;

use super::write::{RunId, RunSummary};
use super::{Store, StoreError};
use crate::consent::ConsentNote;
use crate::fhir::Validators;

/// How a run fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Fetch {
    /// Every resource of the patient; the shown data is replaced.
    #[default]
    Full,
    /// Only what changed after `since`, merged into the shown run `base`.
    Incremental { base: RunId, since: String },
    /// Each search asked "only if changed" (`If-None-Match` / `If-Modified-Since`):
    /// a search answered in full replaces that type in `base`; one answered
    /// "not modified" leaves it.
    Conditional { base: RunId },
}

impl Fetch {
    pub fn as_str(&self) -> &'static str {
        match self {
            Fetch::Full => "full",
            Fetch::Incremental { .. } => "incremental",
            Fetch::Conditional { .. } => "conditional",
        }
    }

    /// The shown run this run is merged into, if it is not a full sync.
    pub fn base(&self) -> Option<RunId> {
        match self {
            Fetch::Full => None,
            Fetch::Incremental { base, .. } | Fetch::Conditional { base } => Some(*base),
        }
    }
}

/// What the shown run of a patient at an endpoint says about itself, for
/// deciding whether the next sync may fetch only the changes.
#[derive(Debug, Clone)]
pub struct DeltaBasis {
    pub run: RunId,
    pub origin: String,
    pub fhir_version: Option<String>,
    pub patient_ids: Vec<String>,
    /// The server's clock when the shown data was last fetched (full or merged).
    pub server_time: Option<String>,
    /// When the full sync the shown data rests on began.
    pub full_at: Option<String>,
    /// Digest of the consents, purpose and version the shown data was kept under.
    pub basis: Option<String>,
    /// `Medication/{id}` of the Medications cached with it.
    pub medications: Vec<String>,
    /// Types the server said it does not offer then.
    pub not_offered: Vec<String>,
    /// Each searched type's validators, from the last answer in full.
    pub validators: BTreeMap<String, Validators>,
    /// Resources shown, by type.
    pub counts: BTreeMap<String, u64>,
}

impl Store {
    /// The shown run of `patient` at `endpoint_id`, if the last sync left one.
    pub fn delta_basis(
        &self,
        patient: &str,
        endpoint_id: &str,
    ) -> Result<Option<DeltaBasis>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT s.run_id, s.origin, s.fhir_version, s.server_time, s.full_at, s.basis,
                        s.patient_ids, s.not_offered, s.validators, s.counts
                 FROM current_run c JOIN sync_run s ON s.run_id = c.run_id
                 WHERE c.patient_key = ?1 AND c.endpoint_id = ?2 AND s.outcome = 'ok'",
                params![patient, endpoint_id],
                |r| {
                    let basis = DeltaBasis {
                        run: r.get(0)?,
                        origin: r.get(1)?,
                        fhir_version: r.get(2)?,
                        server_time: r.get(3)?,
                        full_at: r.get(4)?,
                        basis: r.get(5)?,
                        patient_ids: Vec::new(),
                        medications: Vec::new(),
                        not_offered: Vec::new(),
                        validators: BTreeMap::new(),
                        counts: BTreeMap::new(),
                    };
                    let json: [String; 4] = [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?];
                    Ok((basis, json))
                },
            )
            .optional()?;
        let Some((mut basis, [ids, not_offered, validators, counts])) = found else {
            return Ok(None);
        };
        basis.patient_ids = serde_json::from_str(&ids)?;
        basis.not_offered = serde_json::from_str(&not_offered)?;
        basis.validators = serde_json::from_str(&validators)?;
        basis.counts = serde_json::from_str(&counts)?;
        let mut st = self
            .conn
            .prepare_cached("SELECT 'Medication/' || id FROM medication WHERE run_id = ?1")?;
        basis.medications = st
            .query_map([basis.run], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Some(basis))
    }
}

/// Moves an incremental run's rows into the shown run `base`, replacing the
/// rows of the same resources; for the `complete` types (fetched in full by
/// this run) every row of the base is replaced. Returns the resources per
/// type now shown.
pub(super) fn merge_into(
    tx: &Transaction,
    run: RunId,
    base: RunId,
    complete: &[String],
) -> Result<BTreeMap<String, u64>, StoreError> {
    // The new orders take their medicine from this run's Medications, else the base's.
    tx.execute(
        "UPDATE event SET
             title = coalesce((SELECT m.name FROM medication m WHERE m.run_id IN (?1, ?2) AND 'Medication/' || m.id = event.medication_ref ORDER BY m.run_id = ?1 DESC LIMIT 1), title),
             codes = coalesce((SELECT m.codes FROM medication m WHERE m.run_id IN (?1, ?2) AND 'Medication/' || m.id = event.medication_ref ORDER BY m.run_id = ?1 DESC LIMIT 1), codes)
         WHERE run_id = ?1 AND medication_ref IS NOT NULL",
        params![run, base],
    )?;
    // Fetched in full by this run: what the base had is superseded entirely.
    for ty in complete {
        for sql in [
            "DELETE FROM event WHERE run_id = ?1 AND resource_type = ?2",
            "DELETE FROM resource WHERE run_id = ?1 AND resource_type = ?2",
        ] {
            tx.execute(sql, params![base, ty])?;
        }
    }
    tx.execute(
        "DELETE FROM event WHERE run_id = ?1 AND (resource_type, resource_id) IN
             (SELECT resource_type, id FROM resource WHERE run_id = ?2)",
        params![base, run],
    )?;
    tx.execute(
        "DELETE FROM medication WHERE run_id = ?1 AND id IN (SELECT id FROM medication WHERE run_id = ?2)",
        params![base, run],
    )?;
    tx.execute(
        "DELETE FROM resource WHERE run_id = ?1 AND (resource_type, id) IN
             (SELECT resource_type, id FROM resource WHERE run_id = ?2)",
        params![base, run],
    )?;
    // Orders that were not fetched again may name a Medication that was.
    tx.execute(
        "UPDATE event SET
             title = coalesce((SELECT m.name FROM medication m WHERE m.run_id = ?2 AND 'Medication/' || m.id = event.medication_ref), title),
             codes = coalesce((SELECT m.codes FROM medication m WHERE m.run_id = ?2 AND 'Medication/' || m.id = event.medication_ref), codes)
         WHERE run_id = ?1 AND medication_ref IN (SELECT 'Medication/' || id FROM medication WHERE run_id = ?2)",
        params![base, run],
    )?;
    for table in ["resource", "event", "medication"] {
        tx.execute(
            &format!("UPDATE {table} SET run_id = ?1 WHERE run_id = ?2"),
            params![base, run],
        )?;
    }
    let mut counts = BTreeMap::new();
    let mut st = tx.prepare_cached(
        "SELECT resource_type, count(*) FROM resource WHERE run_id = ?1 GROUP BY resource_type",
    )?;
    let mut rows = st.query([base])?;
    while let Some(r) = rows.next()? {
        counts.insert(r.get::<_, String>(0)?, r.get::<_, u64>(1)?);
    }
    Ok(counts)
}

/// The shown run takes the merged run's description: when and how it was
/// read now. What it rests on (the full sync, the base's consent notes
/// unless new ones were read) stays.
pub(super) fn describe_merged(
    tx: &Transaction,
    run: RunId,
    base: RunId,
    finished_at: &str,
    summary: &RunSummary,
    counts: &BTreeMap<String, u64>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE sync_run SET finished_at = ?2, fhir_version = ?3, server_software = ?4, counts = ?5,
             warnings = ?6, not_offered = ?7, consent = ?8, server_time = ?9, basis = ?10, last_merged = ?11,
             validators = ?12
         WHERE run_id = ?1",
        params![
            base,
            finished_at,
            summary.fhir_version,
            summary.server_software,
            serde_json::to_string(counts)?,
            serde_json::to_string(&summary.warnings)?,
            serde_json::to_string(&summary.not_offered)?,
            serde_json::to_string(&summary.consent)?,
            summary.server_time,
            summary.basis,
            run,
            serde_json::to_string(&merged_validators(tx, base, &summary.validators)?)?,
        ],
    )?;
    Ok(())
}

/// Refusals of resources not fetched again still stand: the last attempt
/// (this run) reports them too. Call before [`merge_into`].
pub(super) fn carry_rejections(
    tx: &Transaction,
    run: RunId,
    base: RunId,
) -> Result<(), StoreError> {
    let previous: RunId = tx.query_row(
        "SELECT coalesce(max(run_id), ?1) FROM sync_run WHERE merged_into = ?1 AND run_id <> ?2",
        params![base, run],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO rejected (run_id, resource_type, resource_id, code, reason)
         SELECT ?1, j.resource_type, j.resource_id, j.code, j.reason FROM rejected j
         WHERE j.run_id = ?2
           AND (j.resource_type, j.resource_id) NOT IN (SELECT resource_type, resource_id FROM rejected WHERE run_id = ?1)
           AND (j.resource_type, j.resource_id) NOT IN (SELECT resource_type, id FROM resource WHERE run_id = ?1)",
        params![run, previous],
    )?;
    Ok(())
}

/// The consent notes of the merged data: this run's (the consents are read
/// in full every time), with what each withheld before this run added, since
/// those resources were not fetched again.
pub(super) fn merged_consent_notes(
    tx: &Transaction,
    base: RunId,
    now: &[ConsentNote],
) -> Result<Vec<ConsentNote>, StoreError> {
    let before: String = tx.query_row(
        "SELECT consent FROM sync_run WHERE run_id = ?1",
        [base],
        |r| r.get(0),
    )?;
    let before: Vec<ConsentNote> = serde_json::from_str(&before)?;
    Ok(now
        .iter()
        .map(|n| {
            let mut n = n.clone();
            if let Some(b) = before.iter().find(|b| b.consent == n.consent) {
                for (ty, count) in &b.withheld {
                    *n.withheld.entry(ty.clone()).or_default() += count;
                }
            }
            n
        })
        .collect())
}

/// The base's validators, with those of the searches this run answered in full.
fn merged_validators(
    tx: &Transaction,
    base: RunId,
    now: &BTreeMap<String, Validators>,
) -> Result<BTreeMap<String, Validators>, StoreError> {
    let before: String = tx.query_row(
        "SELECT validators FROM sync_run WHERE run_id = ?1",
        [base],
        |r| r.get(0),
    )?;
    let mut merged: BTreeMap<String, Validators> = serde_json::from_str(&before)?;
    merged.extend(now.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(merged)
}
