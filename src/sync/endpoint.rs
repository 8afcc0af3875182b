//! Syncing one endpoint: find the patient by NHS number, page through each
//! search, check every resource names that patient, then commit or fail the run.

use futures_util::{StreamExt, stream};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

use super::writer::Writer;
use super::{
    EndpointOutcome, MAX_MEDICATION_READS, Progress, ProgressSink, SEARCHED_TYPES, SyncOptions,
    now_rfc3339,
};
use crate::config::{Endpoint, FhirVersionSetting, Interface};
use crate::consent::{AccessKind, ConsentNote, ConsentRules};
use crate::error::{ErrorCode, UiError};
use crate::fhir::bundle::SearchMode;
use crate::fhir::capability::Capabilities;
use crate::fhir::client::valid_id;
use crate::fhir::reference::{
    Belongs, PatientIdentity, local_medication_ref, patient_has_nhs_number,
};
use crate::fhir::{FhirClient, FhirError, FhirVersion};
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};
use crate::store::{
    Committed, Fetch, Provenance, RunId, RunOutcome, RunStart, RunSummary, StoredResource,
};

pub(super) fn malformed(context: &str, e: &serde_json::Error) -> UiError {
    UiError::new(ErrorCode::MalformedResponse, format!("{context}: {e}"))
}

/// An endpoint whose sync task itself failed (a panic): reported, never silent.
pub(super) fn crashed(ep: &Endpoint, why: &str) -> EndpointOutcome {
    let mut o = EndpointOutcome::new(ep, now_rfc3339());
    o.error = Some(UiError::new(
        ErrorCode::Internal,
        format!("the sync of this endpoint stopped unexpectedly: {why}"),
    ));
    o
}

/// Syncs one endpoint for one patient and reports how it went.
pub(super) async fn sync_endpoint(
    ep: Endpoint,
    writer: Writer,
    nhs: NhsNumber,
    options: SyncOptions,
    progress: Arc<dyn ProgressSink>,
) -> EndpointOutcome {
    let mut outcome = EndpointOutcome::new(&ep, now_rfc3339());
    progress.report(Progress::Started {
        source: outcome.source.clone(),
        source_id: outcome.source_id.clone(),
    });
    let start = RunStart {
        patient: nhs.as_str().to_string(),
        endpoint_id: ep.id(),
        source: ep.name().to_string(),
        kind: ep.kind,
        base_url: ep.base_url.to_string(),
        origin: ep.origin(),
        started_at: outcome.started_at.clone(),
    };
    match writer.run(move |s| s.begin_run(&start)).await {
        Ok(run) => {
            let mut sync = EndpointSync {
                ep,
                writer: writer.clone(),
                run,
                nhs,
                options,
                progress: progress.clone(),
                summary: RunSummary::default(),
                fetch_note: String::new(),
                patients_found: 0,
                bytes: 0,
                rejected: 0,
            };
            let result = sync.fetch().await;
            sync.finish(result, &mut outcome).await;
        }
        Err(e) => {
            outcome.error = Some(e.into());
            outcome.finished_at = now_rfc3339();
        }
    }
    progress.report(Progress::Finished {
        outcome: Box::new(outcome.clone()),
    });
    outcome
}

/// One endpoint's sync in progress: what it has learnt so far.
pub(super) struct EndpointSync {
    pub(super) ep: Endpoint,
    pub(super) writer: Writer,
    pub(super) run: RunId,
    pub(super) nhs: NhsNumber,
    pub(super) options: SyncOptions,
    pub(super) progress: Arc<dyn ProgressSink>,
    pub(super) summary: RunSummary,
    /// Why the run fetches everything or only the changes, in words.
    pub(super) fetch_note: String,
    pub(super) patients_found: usize,
    bytes: u64,
    pub(super) rejected: u64,
}

impl EndpointSync {
    /// Commits the run (its data becomes what is shown) or fails it (the earlier data stays).
    async fn finish(self, result: Result<(), UiError>, outcome: &mut EndpointOutcome) {
        outcome.finished_at = now_rfc3339();
        outcome.fhir_version = self
            .summary
            .fhir_version
            .as_deref()
            .and_then(FhirVersion::parse);
        outcome.counts = self.summary.counts.clone();
        outcome.warnings = self.summary.warnings.clone();
        outcome.patients_found = self.patients_found;
        outcome.bytes = self.bytes;
        outcome.rejected = self.rejected;
        outcome.fetch = self.summary.fetch.as_str().to_string();
        outcome.fetch_note = self.fetch_note.clone();
        let (run, finished, summary) = (self.run, outcome.finished_at.clone(), self.summary);
        let stored = match result {
            Ok(()) => self
                .writer
                .run(move |s| s.commit_run(run, &finished, &summary))
                .await
                .map(|c| match c {
                    Committed::Shown => None,
                    Committed::KeptAside { lost } => {
                        outcome.warnings.extend(lost.iter().cloned());
                        Some(UiError::new(
                            ErrorCode::DataDisappeared,
                            format!("kept aside, earlier data still shown: {}", lost.join("; ")),
                        ))
                    }
                }),
            Err(error) => {
                let e = error.clone();
                self.writer
                    .run(move |s| s.fail_run(run, &finished, &e, &summary))
                    .await
                    .map(|_| Some(error))
            }
        };
        match stored {
            Ok(None) => outcome.outcome = RunOutcome::Ok,
            Ok(Some(error)) => {
                if error.code == ErrorCode::DataDisappeared {
                    outcome.outcome = RunOutcome::Suspect;
                }
                outcome.error = Some(error);
            }
            Err(e) => outcome.error = Some(e.into()),
        }
    }

    async fn fetch(&mut self) -> Result<(), UiError> {
        let client = FhirClient::for_endpoint(&self.ep)?;
        let result = match self.ep.interface {
            Interface::Rest => self.fetch_with(&client).await,
            Interface::GpConnect => self.fetch_gp_connect(&client).await,
        };
        self.bytes = client.bytes_received();
        result
    }

    async fn fetch_with(&mut self, client: &FhirClient) -> Result<(), UiError> {
        let caps = self.capabilities(client).await?;
        let version = self.version(client, caps.as_ref())?;
        let patients = self.find_patient(client, version).await?;
        // Changes are asked for by the server's clock; ours only when it gives none.
        self.summary.server_time = Some(
            client
                .server_date()
                .unwrap_or_else(chrono::Utc::now)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        if patients.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = patients.iter().map(|p| p.id.clone()).collect();
        self.summary.patient_ids = ids.clone();
        self.summary
            .counts
            .insert("Patient".into(), patients.len() as u64);
        let run = self.run;
        self.writer
            .run(move |s| s.write_page(run, &patients))
            .await?;
        let identity = PatientIdentity {
            nhs: self.nhs.clone(),
            ids: ids.clone(),
            base: client.base().to_string(),
        };
        // Consents first: what they withhold is never written.
        let consent = self
            .consents(client, &identity, version, caps.as_ref())
            .await?;
        let mut jobs: Vec<(String, String)> = Vec::new();
        for ty in SEARCHED_TYPES {
            if caps.as_ref().is_some_and(|c| !c.supports(ty)) {
                self.summary.not_offered.push(ty.to_string());
                self.summary
                    .warnings
                    .push(format!("{ty} is not offered by this server"));
                continue;
            }
            jobs.extend(ids.iter().map(|id| (ty.to_string(), id.clone())));
        }
        let types: BTreeSet<String> = jobs.iter().map(|(ty, _)| ty.clone()).collect();
        let basis = self.plan(client, &identity, version, &types).await?;
        let since = match &self.summary.fetch {
            Fetch::Incremental { since, .. } => Some(since.clone()),
            _ => None,
        };
        let ask_if_changed = match (&self.summary.fetch, &basis) {
            (Fetch::Conditional { .. }, Some(b)) => b.validators.clone(),
            _ => BTreeMap::new(),
        };
        let shown_counts = basis.as_ref().map(|b| b.counts.clone()).unwrap_or_default();

        let searches = Searches {
            identity,
            client: client.clone(),
            writer: self.writer.clone(),
            run: self.run,
            version,
            source: self.ep.name().to_string(),
            source_id: self.ep.id(),
            page_size: self.ep.page_size.to_string(),
            progress: self.progress.clone(),
            found: Mutex::new(Found {
                consent,
                // Medications already shown need not be read again for unchanged orders.
                medications_seen: basis
                    .map(|b| b.medications.into_iter().collect())
                    .unwrap_or_default(),
                ..Found::default()
            }),
            no_id: AtomicU64::new(0),
            since,
            ask_if_changed,
        };
        let first_error = searches.run_all(jobs, self.ep.concurrency).await;
        if first_error.is_none() {
            searches.read_missing_medications().await?;
        }
        let found = searches.found.into_inner();
        self.rejected = found.rejected;
        self.summary.consent.extend(found.consent.into_notes());
        for (k, v) in found.counts {
            *self.summary.counts.entry(k).or_default() += v;
        }
        self.summary.warnings.extend(found.warnings);
        self.summary.validators = found.validators;
        self.summary.unchanged = found.unchanged.into_iter().collect();
        self.summary.replaced = types
            .iter()
            .filter(|t| !self.summary.unchanged.contains(t))
            .cloned()
            .collect();
        if let Fetch::Conditional { .. } = self.summary.fetch
            && self.summary.unchanged.is_empty()
        {
            // Every search came back in full: as good as a full sync, committed as one.
            self.summary.fetch = Fetch::Full;
            self.fetch_note =
                "every search had changed (or the server does not answer conditional searches)"
                    .into();
        } else if let Fetch::Conditional { .. } = self.summary.fetch {
            // A type answered in full replaces what is shown of it: an answer
            // that would erase it without a reason is refused, as a full sync's
            // would be kept aside (a full sync can then be checked and accepted).
            let withheld = |ty: &str| -> u64 {
                self.summary
                    .consent
                    .iter()
                    .filter_map(|n| n.withheld.get(ty))
                    .sum()
            };
            let emptied: Vec<String> = types
                .iter()
                .filter(|t| !self.summary.unchanged.contains(t))
                .filter(|t| shown_counts.get(*t).copied().unwrap_or(0) > 0)
                .filter(|t| self.summary.counts.get(*t).copied().unwrap_or(0) + withheld(t) == 0)
                .cloned()
                .collect();
            if !emptied.is_empty() {
                return Err(UiError::new(
                    ErrorCode::DataDisappeared,
                    format!(
                        "the server now answers no {} where it had entries before; nothing of this sync was kept (the earlier data is still shown); a full sync (sync --full) can be checked and accepted",
                        emptied.join(", ")
                    ),
                ));
            }
            self.fetch_note = format!(
                "searches asked \"only if changed\": unchanged {}",
                self.summary.unchanged.join(", ")
            );
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        verdict_on_mismatches(&found.mismatches)
    }

    /// The patient's Consents at this source, kept, and read into the rules the
    /// rest of the sync applies. Consents that cannot be read are a warning:
    /// then no restriction can be honoured, and the person is told so.
    async fn consents(
        &mut self,
        client: &FhirClient,
        identity: &PatientIdentity,
        version: FhirVersion,
        caps: Option<&Capabilities>,
    ) -> Result<ConsentRules, UiError> {
        if caps.is_some_and(|c| !c.supports("Consent")) {
            self.summary.not_offered.push("Consent".into());
            self.summary.basis = Some(super::plan::basis_digest(self.options.purpose, version, []));
            return Ok(ConsentRules::default());
        }
        let access = AccessKind {
            purpose: self.options.purpose,
            now: chrono::Utc::now(),
        };
        let mut values = Vec::new();
        let mut keep = Vec::new();
        let fetched_at = now_rfc3339();
        for id in &identity.ids {
            let patient = format!("Patient/{id}");
            let page_size = self.ep.page_size.to_string();
            let query = [
                ("patient", patient.as_str()),
                ("_count", page_size.as_str()),
            ];
            let read = async {
                let mut pager = client.search("Consent", &query)?;
                let mut pages = Vec::new();
                while let Some(page) = pager.next_page().await? {
                    pages.push(page);
                }
                Ok::<_, UiError>(pages)
            };
            let pages = match read.await {
                Ok(p) => p,
                Err(e) => {
                    self.summary.consent.push(ConsentNote {
                        consent: "Consent".into(),
                        applied: false,
                        text: format!(
                            "this source's consents could not be read ({}); any restriction they hold was not applied",
                            e.message
                        ),
                        withheld: BTreeMap::new(),
                    });
                    return Ok(ConsentRules::default());
                }
            };
            for page in pages {
                for entry in page.entries {
                    let v: Value = serde_json::from_str(&entry.raw)
                        .map_err(|e| malformed("Consent search", &e))?;
                    if v.get("resourceType").and_then(Value::as_str) != Some("Consent") {
                        continue;
                    }
                    match identity.check(&v) {
                        Belongs::Yes => {}
                        Belongs::Other(reference) => {
                            return Err(UiError::new(
                                ErrorCode::PatientMismatch,
                                format!(
                                    "the server sent 1 resource(s) belonging to another patient (a Consent naming {reference}); none of this sync was kept"
                                ),
                            ));
                        }
                        Belongs::Missing => {
                            self.summary
                                .warnings
                                .push("a Consent naming no patient was ignored".to_string());
                            continue;
                        }
                    }
                    let n = keep.len();
                    keep.push(StoredResource::new(
                        &v,
                        entry.raw,
                        version,
                        &fetched_at,
                        Provenance::Match,
                        format!("no-id-Consent-{n}"),
                    ));
                    values.push(v);
                }
            }
        }
        self.summary.basis = Some(super::plan::basis_digest(
            self.options.purpose,
            version,
            keep.iter().map(|r| r.json.as_str()),
        ));
        if !keep.is_empty() {
            *self.summary.counts.entry("Consent".into()).or_default() += keep.len() as u64;
            let run = self.run;
            self.writer.run(move |s| s.write_page(run, &keep)).await?;
        }
        Ok(ConsentRules::interpret(&values, version, access))
    }

    /// The CapabilityStatement. With a configured version, a missing `/metadata` is only a warning.
    async fn capabilities(&mut self, client: &FhirClient) -> Result<Option<Capabilities>, UiError> {
        let caps = match client.capabilities().await {
            Ok(c) => Some(c),
            Err(e) if self.ep.fhir_version != FhirVersionSetting::Auto => {
                self.summary.warnings.push(format!(
                    "could not read the CapabilityStatement ({e}); using the configured version"
                ));
                None
            }
            Err(e) => return Err(e.into()),
        };
        self.summary.server_software = caps.as_ref().and_then(|c| c.software.clone());
        Ok(caps)
    }

    fn version(
        &mut self,
        client: &FhirClient,
        caps: Option<&Capabilities>,
    ) -> Result<FhirVersion, UiError> {
        let configured = match self.ep.fhir_version {
            FhirVersionSetting::R4 => Some(FhirVersion::R4),
            FhirVersionSetting::STU3 => Some(FhirVersion::STU3),
            FhirVersionSetting::Auto => None,
        };
        // A server answering another release than configured is read as neither.
        if let (Some(want), Some(reported)) = (configured, caps.and_then(Capabilities::version))
            && want != reported
        {
            return Err(UiError::new(
                ErrorCode::UnsupportedFhirVersion,
                format!(
                    "configured as {} but the server reports FHIR {}; nothing was read",
                    want.as_str(),
                    caps.and_then(|c| c.fhir_version_text.clone())
                        .unwrap_or_default()
                ),
            ));
        }
        let version = match (self.ep.fhir_version, caps) {
            (FhirVersionSetting::R4, _) => FhirVersion::R4,
            (FhirVersionSetting::STU3, _) => FhirVersion::STU3,
            (FhirVersionSetting::Auto, None) => {
                return Err(UiError::new(ErrorCode::Internal, "no CapabilityStatement"));
            }
            (FhirVersionSetting::Auto, Some(caps)) => caps.version().ok_or_else(|| {
                UiError::from(FhirError::UnsupportedVersion {
                    url: client.base().to_string(),
                    found: caps
                        .fhir_version_text
                        .clone()
                        .unwrap_or_else(|| "(not stated)".into()),
                })
            })?,
        };
        self.summary.fhir_version = Some(version.as_str().to_string());
        Ok(version)
    }

    /// The patient's records at this endpoint, by NHS number. Only records that
    /// really carry the number count: a server that ignores the search parameter
    /// must not hand us everyone.
    async fn find_patient(
        &mut self,
        client: &FhirClient,
        version: FhirVersion,
    ) -> Result<Vec<StoredResource>, UiError> {
        let page_size = self.ep.page_size.to_string();
        let ident = format!("{NHS_NUMBER_SYSTEM}|{}", self.nhs.as_str());
        let mut pager = client.search(
            "Patient",
            &[
                ("identifier", ident.as_str()),
                ("_count", page_size.as_str()),
            ],
        )?;
        let mut patients = Vec::new();
        let mut ignored = 0;
        let mut bad_ids = 0;
        let fetched_at = now_rfc3339();
        while let Some(page) = pager.next_page().await? {
            for entry in page.entries {
                let v: Value = serde_json::from_str(&entry.raw)
                    .map_err(|e| malformed("Patient search", &e))?;
                if v.get("resourceType").and_then(Value::as_str) != Some("Patient") {
                    continue;
                }
                let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
                if !valid_id(id) {
                    bad_ids += 1;
                    continue;
                }
                if patient_has_nhs_number(&v, &self.nhs) {
                    let fallback = format!("no-id-{}", patients.len());
                    patients.push(StoredResource::new(
                        &v,
                        entry.raw,
                        version,
                        &fetched_at,
                        Provenance::Match,
                        fallback,
                    ));
                } else {
                    ignored += 1;
                }
            }
        }
        let nhs = self.nhs.formatted();
        if bad_ids > 0 {
            self.summary.warnings.push(format!(
                "{bad_ids} Patient record(s) with an id that is not a FHIR id were ignored"
            ));
        }
        if ignored > 0 {
            self.summary.warnings.push(format!(
                "{ignored} Patient record(s) returned without NHS number {nhs} were ignored"
            ));
        }
        self.patients_found = patients.len();
        match patients.len() {
            0 => self
                .summary
                .warnings
                .push(format!("no patient with NHS number {nhs} at this source")),
            1 => {}
            n => self.summary.warnings.push(format!(
                "{n} patient records at this source carry NHS number {nhs}; entries from all of them are shown"
            )),
        }
        Ok(patients)
    }
}

/// A sync that met another patient's data keeps none of it.
pub(super) fn verdict_on_mismatches(mismatches: &[String]) -> Result<(), UiError> {
    if mismatches.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = mismatches.iter().take(3).map(String::as_str).collect();
    Err(UiError::new(
        ErrorCode::PatientMismatch,
        format!(
            "the server sent {} resource(s) belonging to another patient ({}{}); none of this sync was kept",
            mismatches.len(),
            shown.join("; "),
            if mismatches.len() > 3 { "; …" } else { "" }
        ),
    ))
}

/// What the concurrent searches of one endpoint collect.
#[derive(Default)]
struct Found {
    /// What the source's consents withhold (counted as they apply).
    consent: ConsentRules,
    counts: BTreeMap<String, u64>,
    warnings: Vec<String>,
    mismatches: Vec<String>,
    rejected: u64,
    medication_refs: BTreeSet<String>,
    medications_seen: BTreeSet<String>,
    /// Validators of each type's answer in full (its first page).
    validators: BTreeMap<String, crate::fhir::Validators>,
    /// Types the server answered "not modified".
    unchanged: BTreeSet<String>,
}

/// The per-type searches of one endpoint, run a few at a time.
struct Searches {
    identity: PatientIdentity,
    client: FhirClient,
    writer: Writer,
    run: RunId,
    version: FhirVersion,
    source: String,
    source_id: String,
    page_size: String,
    progress: Arc<dyn ProgressSink>,
    found: Mutex<Found>,
    no_id: AtomicU64,
    /// Incremental: `_lastUpdated` lower bound (exclusive) of what is fetched.
    since: Option<String>,
    /// Conditional: each type's validators from the last answer in full.
    ask_if_changed: BTreeMap<String, crate::fhir::Validators>,
}

/// What to do with one entry of a search page.
enum Verdict {
    Keep(Box<StoredResource>),
    /// A server note (OperationOutcome), kept as a warning.
    Note(String),
    /// Refused: (type, id, why).
    Reject(String, String, UiError),
    /// Withheld under the patient's consent: neither shown nor kept.
    Withheld,
}

impl Searches {
    /// Runs every `(type, patient id)` search; the first error, if any.
    async fn run_all(&self, jobs: Vec<(String, String)>, concurrency: usize) -> Option<UiError> {
        let results: Vec<Result<(), UiError>> = stream::iter(jobs)
            .map(|(ty, id)| async move { self.search_type(&ty, &id).await })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        results.into_iter().find_map(Result::err)
    }

    async fn search_type(&self, ty: &str, patient_id: &str) -> Result<(), UiError> {
        let patient = format!("Patient/{patient_id}");
        let mut query = vec![
            ("patient", patient.as_str()),
            ("_count", self.page_size.as_str()),
        ];
        if ty == "MedicationRequest" {
            query.push(("_include", "MedicationRequest:medication"));
        }
        let changed = self.since.as_ref().map(|s| format!("gt{s}"));
        if let Some(changed) = &changed {
            query.push(("_lastUpdated", changed.as_str()));
        }
        let mut pager = match self.ask_if_changed.get(ty) {
            Some(v) => self.client.search_if_changed(ty, &query, v.clone())?,
            None => self.client.search(ty, &query)?,
        };
        let mut received = 0u64;
        while let Some(page) = pager.next_page().await? {
            let fetched_at = now_rfc3339();
            let mut keep = Vec::with_capacity(page.entries.len());
            for entry in page.entries {
                let v: Value = serde_json::from_str(&entry.raw)
                    .map_err(|e| malformed(&format!("{ty} search"), &e))?;
                match self.judge(ty, &v, entry.mode, entry.raw, &fetched_at).await {
                    Verdict::Keep(stored) => keep.push(*stored),
                    Verdict::Note(note) => self.found.lock().await.warnings.push(note),
                    Verdict::Withheld => {}
                    Verdict::Reject(rtype, rid, error) => {
                        let run = self.run;
                        self.writer
                            .run(move |s| s.reject(run, &rtype, &rid, &error))
                            .await?;
                    }
                }
            }
            received += keep.len() as u64;
            let run = self.run;
            self.writer.run(move |s| s.write_page(run, &keep)).await?;
            self.progress.report(Progress::Page {
                source: self.source.clone(),
                source_id: self.source_id.clone(),
                resource_type: ty.to_string(),
                received,
            });
        }
        // Incremental answers hold only changes: their validators mean nothing
        // for a later search in full.
        if self.since.is_none() {
            let mut found = self.found.lock().await;
            if pager.not_modified() {
                found.unchanged.insert(ty.to_string());
            } else if !pager.validators().is_empty() {
                found
                    .validators
                    .insert(ty.to_string(), pager.validators().clone());
            }
        }
        Ok(())
    }

    /// Keeps a resource of this patient; refuses one naming another patient or none.
    async fn judge(
        &self,
        ty: &str,
        v: &Value,
        mode: SearchMode,
        raw: String,
        fetched_at: &str,
    ) -> Verdict {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        let rtype = v
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("(no resourceType)")
            .to_string();
        let rid = text("id").to_string();
        if mode == SearchMode::Outcome || rtype == "OperationOutcome" {
            let diag = v
                .pointer("/issue/0/diagnostics")
                .and_then(Value::as_str)
                .unwrap_or("no details");
            return Verdict::Note(format!("{ty} search: server note: {diag}"));
        }
        let mut found = self.found.lock().await;
        if rtype == "Medication" {
            found.medications_seen.insert(format!("Medication/{rid}"));
        } else {
            match self.identity.check(v) {
                Belongs::Yes => {}
                Belongs::Other(reference) => {
                    found.rejected += 1;
                    let error = UiError::new(
                        ErrorCode::PatientMismatch,
                        format!("{rtype}/{rid} names {reference}, not this patient"),
                    );
                    found.mismatches.push(error.message.clone());
                    return Verdict::Reject(rtype, rid, error);
                }
                Belongs::Missing => {
                    found.rejected += 1;
                    let error = UiError::new(
                        ErrorCode::NonConformantResource,
                        format!("{rtype}/{rid} names no patient; not shown"),
                    );
                    found.warnings.push(error.message.clone());
                    return Verdict::Reject(rtype, rid, error);
                }
            }
        }
        if found.consent.withhold(v, self.version).is_some() {
            return Verdict::Withheld;
        }
        let fallback = format!("no-id-{ty}-{}", self.no_id.fetch_add(1, Ordering::Relaxed));
        let provenance = if mode == SearchMode::Include {
            Provenance::Include
        } else {
            Provenance::Match
        };
        let mut stored =
            StoredResource::new(v, raw, self.version, fetched_at, provenance, fallback);
        if let Some(event) = stored.event.as_mut()
            && let Some(r) = event.medication_ref.take()
        {
            match local_medication_ref(&r, self.client.base()) {
                Some(local) => {
                    found.medication_refs.insert(local.clone());
                    event.medication_ref = Some(local);
                }
                None => found.warnings.push(format!(
                    "{rtype}/{rid} names a medicine elsewhere ({}); it was not read from this server",
                    r.chars().take(120).collect::<String>()
                )),
            }
        }
        *found
            .counts
            .entry(stored.resource_type.clone())
            .or_default() += 1;
        Verdict::Keep(Box::new(stored))
    }

    /// Medications named by reference but not sent with the search, read one by one.
    async fn read_missing_medications(&self) -> Result<(), UiError> {
        let missing: Vec<String> = {
            let found = self.found.lock().await;
            found
                .medication_refs
                .difference(&found.medications_seen)
                .cloned()
                .collect()
        };
        if missing.len() > MAX_MEDICATION_READS {
            self.found.lock().await.warnings.push(format!(
                "{} referenced Medications were not sent with the search; only the first {MAX_MEDICATION_READS} were read",
                missing.len()
            ));
        }
        let fetched_at = now_rfc3339();
        for reference in missing.into_iter().take(MAX_MEDICATION_READS) {
            let Some(raw) = self.client.read(&reference).await? else {
                self.found.lock().await.warnings.push(format!(
                    "{reference} is referenced but the server does not have it"
                ));
                continue;
            };
            let v: Value = serde_json::from_str(&raw).map_err(|e| malformed(&reference, &e))?;
            if v.get("resourceType").and_then(Value::as_str) != Some("Medication") {
                self.found
                    .lock()
                    .await
                    .warnings
                    .push(format!("{reference} did not return a Medication"));
                continue;
            }
            let stored = StoredResource::new(
                &v,
                raw,
                self.version,
                &fetched_at,
                Provenance::Read,
                reference.clone(),
            );
            *self
                .found
                .lock()
                .await
                .counts
                .entry("Medication".into())
                .or_default() += 1;
            let run = self.run;
            self.writer
                .run(move |s| s.write_page(run, &[stored]))
                .await?;
        }
        Ok(())
    }
}
