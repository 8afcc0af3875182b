//! Syncing a GP practice through GP Connect Access Record: Structured: one
//! `$gpc.getstructuredrecord` POST, whose Bundle is checked entry by entry
//! (every resource must name the patient the NHS number found) and kept as
//! sent. The Lists' warnings and empty reasons are kept with the run; a
//! missing allergy or medication list is a gap, an answer without any
//! clinical list a failed sync.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::endpoint::{EndpointSync, malformed, verdict_on_mismatches};
use super::now_rfc3339;
use crate::error::{ErrorCode, UiError};
use crate::fhir::bundle::parse_page;
use crate::fhir::client::{Call, display_url};
use crate::fhir::reference::{
    Belongs, PatientIdentity, local_medication_ref, patient_has_nhs_number,
};
use crate::fhir::{FhirClient, FhirError, FhirVersion};
use crate::gpconnect::lists::{SECTIONS, notes_of, section_of};
use crate::gpconnect::request::{INTERACTION_ID, OPERATION_PATH, headers, parameters};
use crate::gpconnect::{ListNote, ListNoteKind};
use crate::store::{Provenance, StoredResource};

/// Types that name no patient and are kept as context (who recorded, which medicine).
const CONTEXT_TYPES: &[&str] = &[
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "Medication",
    "Device",
];

/// Spine error codes that mean "this practice has no such patient".
const NOT_HERE: &[&str] = &["PATIENT_NOT_FOUND"];

#[derive(Deserialize)]
struct Contained<'a> {
    #[serde(default, borrow)]
    contained: Vec<&'a RawValue>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl EndpointSync {
    pub(super) async fn fetch_gp_connect(&mut self, client: &FhirClient) -> Result<(), UiError> {
        let cfg = self.ep.gp_connect.clone().ok_or_else(|| {
            UiError::new(
                ErrorCode::ConfigInvalid,
                "interface = \"gp-connect\" without [endpoint.gp_connect]",
            )
        })?;
        let version = FhirVersion::STU3;
        self.summary.fhir_version = Some(version.as_str().to_string());
        let url = client.url(OPERATION_PATH, &[])?;
        let audience = client.base().to_string();
        let call = Call {
            body: Some(parameters(&self.nhs).to_string()),
            headers: Arc::new(move || headers(&cfg, &audience, unix_now(), INTERACTION_ID)),
        };
        let body = match client.call(&url, call).await {
            Ok(b) => b,
            Err(FhirError::Http {
                status: 404,
                diagnostics: Some(d),
                ..
            }) if NOT_HERE.iter().any(|c| d.contains(c)) => {
                self.summary.warnings.push(format!(
                    "no patient with NHS number {} at this practice ({d})",
                    self.nhs.formatted()
                ));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let shown = display_url(&url);
        let page = parse_page(&body, &shown)?;
        let fetched_at = now_rfc3339();
        let mut values: Vec<(Value, String)> = Vec::with_capacity(page.entries.len());
        for entry in page.entries {
            let v: Value =
                serde_json::from_str(&entry.raw).map_err(|e| malformed("structured record", &e))?;
            values.push((v, entry.raw));
        }

        // The patient first: only records carrying the NHS number asked for.
        let mut ids = Vec::new();
        let mut mismatches = Vec::new();
        for (v, _) in &values {
            if v.get("resourceType").and_then(Value::as_str) != Some("Patient") {
                continue;
            }
            let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
            if patient_has_nhs_number(v, &self.nhs) && crate::fhir::client::valid_id(id) {
                ids.push(id.to_string());
            } else {
                mismatches.push(format!(
                    "Patient/{id} does not carry NHS number {}",
                    self.nhs.formatted()
                ));
            }
        }
        verdict_on_mismatches(&mismatches)?;
        if ids.is_empty() {
            return Err(UiError::new(
                ErrorCode::NonConformantResource,
                "the structured record holds no Patient; nothing was kept",
            ));
        }
        self.patients_found = ids.len();
        self.summary.patient_ids = ids.clone();
        let identity = PatientIdentity {
            nhs: self.nhs.clone(),
            ids,
            base: client.base().to_string(),
        };

        // Lists: what they say about themselves, and the resources they contain.
        let mut contained: Vec<(Value, String)> = Vec::new();
        let mut sections: BTreeSet<&'static str> = BTreeSet::new();
        let mut notes: Vec<ListNote> = Vec::new();
        for (v, raw) in &values {
            if v.get("resourceType").and_then(Value::as_str) != Some("List") {
                continue;
            }
            if let Some(s) = section_of(v) {
                sections.insert(s.code);
            }
            notes.extend(notes_of(v));
            let inner: Contained =
                serde_json::from_str(raw).map_err(|e| malformed("List.contained", &e))?;
            for c in inner.contained {
                let cv: Value =
                    serde_json::from_str(c.get()).map_err(|e| malformed("List.contained", &e))?;
                let ty = cv
                    .get("resourceType")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if ty != "List" && !CONTEXT_TYPES.contains(&ty) {
                    contained.push((cv, c.get().to_string()));
                }
            }
        }
        if sections.is_empty() {
            return Err(UiError::new(
                ErrorCode::NonConformantResource,
                "the practice's answer held no clinical list (allergies, medications); the GP record is not complete, so this sync was not kept",
            ));
        }
        for s in SECTIONS.iter().filter(|s| s.required) {
            if !sections.contains(s.code) {
                notes.push(ListNote {
                    list: s.name.to_string(),
                    types: s.types.iter().map(|t| t.to_string()).collect(),
                    kind: ListNoteKind::Incomplete,
                    code: "list-missing".into(),
                    text: format!("the practice's answer held no {} list", s.name),
                });
            }
        }
        for n in &notes {
            if n.kind == ListNoteKind::Incomplete {
                self.summary
                    .warnings
                    .push(format!("{}: {}", n.list, n.text));
            }
        }
        self.summary.list_notes = notes;

        // Every resource, judged: this patient's, or context; anything else refused.
        let mut keep = Vec::new();
        let mut mismatches = Vec::new();
        let mut no_id = 0usize;
        for (v, raw) in values.into_iter().chain(contained) {
            let ty = v
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or("(no resourceType)")
                .to_string();
            let id = v
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if ty == "OperationOutcome" {
                let diag = v
                    .pointer("/issue/0/diagnostics")
                    .or_else(|| v.pointer("/issue/0/details/text"))
                    .or_else(|| v.pointer("/issue/0/details/coding/0/display"))
                    .and_then(Value::as_str)
                    .unwrap_or("no details");
                self.summary.warnings.push(format!(
                    "the practice notes: {}",
                    diag.chars().take(300).collect::<String>()
                ));
                continue;
            }
            let names_patient = v.get("patient").is_some() || v.get("subject").is_some();
            if names_patient || !CONTEXT_TYPES.contains(&ty.as_str()) {
                match identity.check(&v) {
                    Belongs::Yes => {}
                    Belongs::Other(reference) => {
                        self.rejected += 1;
                        mismatches.push(format!("{ty}/{id} names {reference}, not this patient"));
                        continue;
                    }
                    Belongs::Missing => {
                        self.rejected += 1;
                        let error = UiError::new(
                            ErrorCode::NonConformantResource,
                            format!("{ty}/{id} names no patient; not shown"),
                        );
                        self.summary.warnings.push(error.message.clone());
                        let (run, t, i) = (self.run, ty.clone(), id.clone());
                        self.writer
                            .run(move |s| s.reject(run, &t, &i, &error))
                            .await?;
                        continue;
                    }
                }
            }
            no_id += 1;
            let mut stored = StoredResource::new(
                &v,
                raw,
                version,
                &fetched_at,
                Provenance::Match,
                format!("no-id-{ty}-{no_id}"),
            );
            if let Some(event) = stored.event.as_mut()
                && let Some(r) = event.medication_ref.take()
            {
                event.medication_ref = local_medication_ref(&r, client.base());
            }
            *self
                .summary
                .counts
                .entry(stored.resource_type.clone())
                .or_default() += 1;
            keep.push(stored);
        }
        verdict_on_mismatches(&mismatches)?;
        self.progress.report(super::Progress::Page {
            source: self.ep.name().to_string(),
            source_id: self.ep.id(),
            resource_type: "structured record".into(),
            received: keep.len() as u64,
        });
        let run = self.run;
        self.writer.run(move |s| s.write_page(run, &keep)).await?;
        Ok(())
    }
}
