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
    EndpointOutcome, MAX_MEDICATION_READS, Progress, ProgressSink, SEARCHED_TYPES, now_rfc3339,
};
use crate::config::{Endpoint, FhirVersionSetting};
use crate::error::{ErrorCode, HasCode, UiError};
use crate::fhir::bundle::SearchMode;
use crate::fhir::reference::{Belongs, PatientIdentity, patient_has_nhs_number};
use crate::fhir::{FhirClient, FhirError, FhirVersion};
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};
use crate::store::{RunId, RunSummary, StoredResource};

/// State shared by the concurrent searches of one endpoint.
struct Ctx {
    ep: Endpoint,
    client: FhirClient,
    writer: Writer,
    run: RunId,
    version: FhirVersion,
    identity: PatientIdentity,
    progress: Arc<dyn ProgressSink>,
    counts: Mutex<BTreeMap<String, u64>>,
    warnings: Mutex<Vec<String>>,
    mismatches: Mutex<Vec<String>>,
    rejected: AtomicU64,
    medication_refs: Mutex<BTreeSet<String>>,
    medications_seen: Mutex<BTreeSet<String>>,
    no_id: AtomicU64,
}

fn ui(e: &impl HasCode) -> UiError {
    e.to_ui()
}

pub(super) fn crashed(ep: &Endpoint, why: &str) -> EndpointOutcome {
    let now = now_rfc3339();
    EndpointOutcome {
        source: ep.name().to_string(),
        source_kind: ep.kind.as_str().to_string(),
        base_url: ep.base_url.to_string(),
        outcome: "failed".into(),
        error: Some(UiError {
            code: ErrorCode::Internal,
            message: format!("the sync of this endpoint stopped unexpectedly: {why}"),
        }),
        started_at: now.clone(),
        finished_at: now,
        fhir_version: None,
        patients_found: 0,
        counts: BTreeMap::new(),
        rejected: 0,
        warnings: Vec::new(),
        bytes: 0,
    }
}

pub(super) async fn sync_endpoint(
    ep: Endpoint,
    writer: Writer,
    nhs: NhsNumber,
    progress: Arc<dyn ProgressSink>,
) -> EndpointOutcome {
    let started_at = now_rfc3339();
    let source = ep.name().to_string();
    progress.report(Progress::Started {
        source: source.clone(),
    });
    let mut outcome = EndpointOutcome {
        source: source.clone(),
        source_kind: ep.kind.as_str().to_string(),
        base_url: ep.base_url.to_string(),
        outcome: "failed".into(),
        error: None,
        started_at: started_at.clone(),
        finished_at: started_at.clone(),
        fhir_version: None,
        patients_found: 0,
        counts: BTreeMap::new(),
        rejected: 0,
        warnings: Vec::new(),
        bytes: 0,
    };
    let run = match writer
        .begin(
            nhs.as_str(),
            &source,
            ep.kind.as_str(),
            ep.base_url.as_str(),
            &started_at,
        )
        .await
    {
        Ok(run) => run,
        Err(e) => {
            outcome.error = Some(ui(&e));
            outcome.finished_at = now_rfc3339();
            progress.report(Progress::Finished {
                outcome: Box::new(outcome.clone()),
            });
            return outcome;
        }
    };
    let mut summary = RunSummary::default();
    let result = fetch(
        &ep,
        &writer,
        run,
        &nhs,
        progress.clone(),
        &mut summary,
        &mut outcome,
    )
    .await;
    outcome.finished_at = now_rfc3339();
    outcome.fhir_version = summary.fhir_version.clone();
    outcome.counts = summary.counts.clone();
    outcome.warnings = summary.warnings.clone();
    let stored = match result {
        Ok(()) => writer
            .commit(run, outcome.finished_at.clone(), summary)
            .await
            .map(|_| None),
        Err(error) => writer
            .fail(run, outcome.finished_at.clone(), error.clone(), summary)
            .await
            .map(|_| Some(error)),
    };
    match stored {
        Ok(None) => outcome.outcome = "ok".into(),
        Ok(Some(error)) => outcome.error = Some(error),
        Err(e) => outcome.error = Some(ui(&e)),
    }
    progress.report(Progress::Finished {
        outcome: Box::new(outcome.clone()),
    });
    outcome
}

async fn fetch(
    ep: &Endpoint,
    writer: &Writer,
    run: RunId,
    nhs: &NhsNumber,
    progress: Arc<dyn ProgressSink>,
    summary: &mut RunSummary,
    outcome: &mut EndpointOutcome,
) -> Result<(), UiError> {
    let client = FhirClient::for_endpoint(ep).map_err(|e| ui(&e))?;
    // Version and supported types from the CapabilityStatement. With a configured
    // version, a missing /metadata is only a warning.
    let caps = match client.capabilities().await {
        Ok(c) => Some(c),
        Err(e) if ep.fhir_version != FhirVersionSetting::Auto => {
            summary.warnings.push(format!(
                "could not read the CapabilityStatement ({e}); using the configured version"
            ));
            None
        }
        Err(e) => return Err(ui(&e)),
    };
    summary.server_software = caps.as_ref().and_then(|c| c.software.clone());
    let version = match ep.fhir_version {
        FhirVersionSetting::R4 => FhirVersion::R4,
        FhirVersionSetting::STU3 => FhirVersion::STU3,
        FhirVersionSetting::Auto => {
            let caps = caps.as_ref().ok_or_else(|| UiError {
                code: ErrorCode::Internal,
                message: "no CapabilityStatement".into(),
            })?;
            caps.version().ok_or_else(|| {
                ui(&FhirError::UnsupportedVersion {
                    url: client.base().to_string(),
                    found: caps
                        .fhir_version_text
                        .clone()
                        .unwrap_or_else(|| "(not stated)".into()),
                })
            })?
        }
    };
    summary.fhir_version = Some(version.as_str().to_string());

    // 1. The patient, by NHS number. Only records that really carry the number count:
    //    a server that ignores the search parameter must not hand us everyone.
    let page_size = ep.page_size.to_string();
    let ident = format!("{NHS_NUMBER_SYSTEM}|{}", nhs.as_str());
    let mut pager = client
        .search(
            "Patient",
            &[
                ("identifier", ident.as_str()),
                ("_count", page_size.as_str()),
            ],
        )
        .map_err(|e| ui(&e))?;
    let mut patients = Vec::new();
    let mut ignored = 0;
    let fetched_at = now_rfc3339();
    while let Some(page) = pager.next_page().await.map_err(|e| ui(&e))? {
        for entry in page.entries {
            let v: Value = serde_json::from_str(&entry.raw).map_err(|e| UiError {
                code: ErrorCode::MalformedResponse,
                message: e.to_string(),
            })?;
            if v.get("resourceType").and_then(Value::as_str) != Some("Patient") {
                continue;
            }
            if patient_has_nhs_number(&v, nhs) {
                patients.push(StoredResource::new(
                    &v,
                    entry.raw,
                    version,
                    &fetched_at,
                    "match",
                    format!("no-id-{}", patients.len()),
                ));
            } else {
                ignored += 1;
            }
        }
    }
    if ignored > 0 {
        summary.warnings.push(format!(
            "{ignored} Patient record(s) returned without NHS number {} were ignored",
            nhs.formatted()
        ));
    }
    outcome.patients_found = patients.len();
    if patients.is_empty() {
        summary.warnings.push(format!(
            "no patient with NHS number {} at this source",
            nhs.formatted()
        ));
        return Ok(());
    }
    if patients.len() > 1 {
        summary.warnings.push(format!(
            "{} patient records at this source carry NHS number {}; entries from all of them are shown",
            patients.len(),
            nhs.formatted()
        ));
    }
    let ids: Vec<String> = patients.iter().map(|p| p.id.clone()).collect();
    summary.patient_ids = ids.clone();
    summary
        .counts
        .insert("Patient".into(), patients.len() as u64);
    writer.page(run, patients).await.map_err(|e| ui(&e))?;

    let ctx = Arc::new(Ctx {
        identity: PatientIdentity {
            nhs: nhs.clone(),
            ids: ids.clone(),
            base: client.base().to_string(),
        },
        ep: ep.clone(),
        client,
        writer: writer.clone(),
        run,
        version,
        progress,
        counts: Mutex::new(BTreeMap::new()),
        warnings: Mutex::new(Vec::new()),
        mismatches: Mutex::new(Vec::new()),
        rejected: AtomicU64::new(0),
        medication_refs: Mutex::new(BTreeSet::new()),
        medications_seen: Mutex::new(BTreeSet::new()),
        no_id: AtomicU64::new(0),
    });

    // 2. Each type for each patient record, a few searches at a time.
    let mut jobs: Vec<(String, String)> = Vec::new();
    for ty in SEARCHED_TYPES {
        if caps.as_ref().is_some_and(|c| !c.supports(ty)) {
            ctx.warnings
                .lock()
                .await
                .push(format!("{ty} is not offered by this server"));
            continue;
        }
        for id in &ids {
            jobs.push((ty.to_string(), id.clone()));
        }
    }
    let results: Vec<Result<(), UiError>> = stream::iter(jobs)
        .map(|(ty, id)| {
            let ctx = ctx.clone();
            async move { search_type(&ctx, &ty, &id).await }
        })
        .buffer_unordered(ep.concurrency)
        .collect()
        .await;
    let first_error = results.into_iter().find_map(Result::err);

    // 3. Medications named by reference but not sent with the search.
    if first_error.is_none() {
        read_missing_medications(&ctx).await?;
    }
    outcome.bytes = ctx.client.bytes_received();
    outcome.rejected = ctx.rejected.load(Ordering::Relaxed);
    for (k, v) in ctx.counts.lock().await.iter() {
        *summary.counts.entry(k.clone()).or_default() += v;
    }
    summary.warnings.extend(ctx.warnings.lock().await.drain(..));
    if let Some(e) = first_error {
        return Err(e);
    }
    let mismatches = ctx.mismatches.lock().await;
    if !mismatches.is_empty() {
        let shown: Vec<&str> = mismatches.iter().take(3).map(String::as_str).collect();
        return Err(UiError {
            code: ErrorCode::PatientMismatch,
            message: format!(
                "the server sent {} resource(s) belonging to another patient ({}{}); none of this sync was kept",
                mismatches.len(),
                shown.join("; "),
                if mismatches.len() > 3 { "; …" } else { "" }
            ),
        });
    }
    Ok(())
}

async fn search_type(ctx: &Ctx, ty: &str, patient_id: &str) -> Result<(), UiError> {
    let patient = format!("Patient/{patient_id}");
    let page_size = ctx.ep.page_size.to_string();
    let mut query = vec![
        ("patient", patient.as_str()),
        ("_count", page_size.as_str()),
    ];
    if ty == "MedicationRequest" {
        query.push(("_include", "MedicationRequest:medication"));
    }
    let mut pager = ctx.client.search(ty, &query).map_err(|e| ui(&e))?;
    let mut received = 0u64;
    while let Some(page) = pager.next_page().await.map_err(|e| ui(&e))? {
        let fetched_at = now_rfc3339();
        let mut keep = Vec::with_capacity(page.entries.len());
        for entry in page.entries {
            let v: Value = serde_json::from_str(&entry.raw).map_err(|e| UiError {
                code: ErrorCode::MalformedResponse,
                message: e.to_string(),
            })?;
            let rtype = v
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or("(no resourceType)")
                .to_string();
            let rid = v
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if entry.mode == SearchMode::Outcome || rtype == "OperationOutcome" {
                let diag = v
                    .pointer("/issue/0/diagnostics")
                    .and_then(Value::as_str)
                    .unwrap_or("no details");
                ctx.warnings
                    .lock()
                    .await
                    .push(format!("{ty} search: server note: {diag}"));
                continue;
            }
            let included = entry.mode == SearchMode::Include;
            if rtype == "Medication" {
                ctx.medications_seen
                    .lock()
                    .await
                    .insert(format!("Medication/{rid}"));
            } else {
                match ctx.identity.check(&v) {
                    Belongs::Yes => {}
                    Belongs::Other(reference) => {
                        ctx.rejected.fetch_add(1, Ordering::Relaxed);
                        let error = UiError {
                            code: ErrorCode::PatientMismatch,
                            message: format!("{rtype}/{rid} names {reference}, not {patient}"),
                        };
                        ctx.mismatches.lock().await.push(error.message.clone());
                        ctx.writer
                            .reject(ctx.run, &rtype, &rid, error)
                            .await
                            .map_err(|e| ui(&e))?;
                        continue;
                    }
                    Belongs::Missing => {
                        ctx.rejected.fetch_add(1, Ordering::Relaxed);
                        let error = UiError {
                            code: ErrorCode::NonConformantResource,
                            message: format!("{rtype}/{rid} names no patient; not shown"),
                        };
                        ctx.warnings.lock().await.push(error.message.clone());
                        ctx.writer
                            .reject(ctx.run, &rtype, &rid, error)
                            .await
                            .map_err(|e| ui(&e))?;
                        continue;
                    }
                }
            }
            let fallback = format!("no-id-{ty}-{}", ctx.no_id.fetch_add(1, Ordering::Relaxed));
            let stored = StoredResource::new(
                &v,
                entry.raw,
                ctx.version,
                &fetched_at,
                if included { "include" } else { "match" },
                fallback,
            );
            if let Some(r) = stored.event.as_ref().and_then(|e| e.medication_ref.clone()) {
                ctx.medication_refs.lock().await.insert(r);
            }
            *ctx.counts
                .lock()
                .await
                .entry(stored.resource_type.clone())
                .or_default() += 1;
            keep.push(stored);
        }
        received += keep.len() as u64;
        ctx.writer.page(ctx.run, keep).await.map_err(|e| ui(&e))?;
        ctx.progress.report(Progress::Page {
            source: ctx.ep.name().to_string(),
            resource_type: ty.to_string(),
            received,
        });
    }
    Ok(())
}

async fn read_missing_medications(ctx: &Ctx) -> Result<(), UiError> {
    let missing: Vec<String> = {
        let wanted = ctx.medication_refs.lock().await;
        let seen = ctx.medications_seen.lock().await;
        wanted.difference(&seen).cloned().collect()
    };
    if missing.len() > MAX_MEDICATION_READS {
        ctx.warnings.lock().await.push(format!(
            "{} referenced Medications were not sent with the search; only the first {MAX_MEDICATION_READS} were read",
            missing.len()
        ));
    }
    let fetched_at = now_rfc3339();
    for reference in missing.into_iter().take(MAX_MEDICATION_READS) {
        match ctx.client.read(&reference).await {
            Ok(Some(raw)) => {
                let v: Value = serde_json::from_str(&raw).map_err(|e| UiError {
                    code: ErrorCode::MalformedResponse,
                    message: format!("{reference}: {e}"),
                })?;
                if v.get("resourceType").and_then(Value::as_str) != Some("Medication") {
                    ctx.warnings
                        .lock()
                        .await
                        .push(format!("{reference} did not return a Medication"));
                    continue;
                }
                let stored = StoredResource::new(
                    &v,
                    raw,
                    ctx.version,
                    &fetched_at,
                    "read",
                    reference.clone(),
                );
                *ctx.counts
                    .lock()
                    .await
                    .entry("Medication".into())
                    .or_default() += 1;
                ctx.writer
                    .page(ctx.run, vec![stored])
                    .await
                    .map_err(|e| ui(&e))?;
            }
            Ok(None) => ctx.warnings.lock().await.push(format!(
                "{reference} is referenced but the server does not have it"
            )),
            Err(e) => return Err(ui(&e)),
        }
    }
    Ok(())
}
