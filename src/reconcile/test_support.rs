//! Building small records for tests: sources read an hour ago and their resources.
#![allow(dead_code)]

use chrono::{Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

use super::*;
use crate::config::{Endpoint, EndpointKind};
use crate::fhir::FhirVersion;
use crate::sources::Sources;
use crate::store::{CachedResource, RunOutcome, SourceState, SourceStatus};
pub(crate) use serde_json::{Value, json};

pub(crate) const NHS: &str = "9990000018";
pub(crate) const SCT: &str = "http://snomed.info/sct";
pub(crate) const DMD: &str = "https://dmd.nhs.uk";

pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

pub(crate) fn endpoint(id: &str, kind: EndpointKind) -> Endpoint {
    let mut ep = Endpoint::new(
        id,
        kind,
        url::Url::parse(&format!("http://{id}.example")).unwrap(),
    );
    ep.id = Some(id.to_string());
    ep
}

pub(crate) fn status(id: &str, kind: EndpointKind) -> SourceStatus {
    SourceStatus {
        source_id: id.into(),
        source: id.into(),
        source_kind: kind,
        base_url: format!("http://{id}.example/"),
        data_origin: Some(format!("http://{id}.example")),
        configured: true,
        last_success: Some((Utc::now() - Duration::hours(1)).to_rfc3339()),
        last_attempt: Some((Utc::now() - Duration::hours(1)).to_rfc3339()),
        last_outcome: RunOutcome::Ok,
        last_error_code: None,
        last_error: None,
        fhir_version: Some(FhirVersion::R4),
        counts: BTreeMap::new(),
        warnings: vec![],
        not_offered: vec![],
        consent: Vec::new(),
        list_notes: Vec::new(),
        patients_found: 1,
        state: SourceState::Fresh,
        stale: false,
    }
}

/// A record: sources (id, kind) all read successfully an hour ago, and their resources.
pub(crate) struct Record {
    pub(crate) sources: Vec<(String, EndpointKind)>,
    pub(crate) statuses: Vec<SourceStatus>,
    pub(crate) resources: Vec<CachedResource>,
}

impl Record {
    pub(crate) fn new(sources: &[(&str, EndpointKind)]) -> Record {
        Record {
            sources: sources.iter().map(|(s, k)| (s.to_string(), *k)).collect(),
            statuses: sources.iter().map(|(s, k)| status(s, *k)).collect(),
            resources: Vec::new(),
        }
    }

    pub(crate) fn add(mut self, source: &str, r: Value) -> Record {
        self.resources.push(CachedResource {
            endpoint_id: source.into(),
            resource_type: r["resourceType"].as_str().unwrap().into(),
            id: r["id"].as_str().unwrap().into(),
            fhir_version: FhirVersion::R4,
            json: r.to_string(),
        });
        self
    }

    pub(crate) fn with_status(mut self, id: &str, f: impl FnOnce(&mut SourceStatus)) -> Record {
        f(self
            .statuses
            .iter_mut()
            .find(|s| s.source_id == id)
            .unwrap());
        self
    }

    pub(crate) fn summary(&self) -> Summary {
        let eps: Vec<Endpoint> = self.sources.iter().map(|(s, k)| endpoint(s, *k)).collect();
        let sources = Sources::new(
            self.statuses.clone(),
            &eps,
            Utc::now(),
            Duration::hours(24),
            false,
        );
        summarise(&Input {
            nhs: NHS,
            resources: &self.resources,
            sources: &sources,
            today: today(),
            recent_days: RECENT_DAYS,
        })
    }
}

pub(crate) fn cc(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}], "text": display})
}

pub(crate) fn allergy(id: &str, code: Value) -> Value {
    json!({"resourceType": "AllergyIntolerance", "id": id, "patient": {"reference": "Patient/p"},
           "clinicalStatus": {"coding": [{"code": "active"}]}, "verificationStatus": {"coding": [{"code": "confirmed"}]},
           "category": ["medication"], "code": code, "recordedDate": "2024-01-02"})
}

pub(crate) fn med(id: &str, status: &str, code: Value) -> Value {
    json!({"resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
           "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": code, "authoredOn": "2026-10-01",
           "dosageInstruction": [{"text": "One daily"}]})
}

pub(crate) fn statement(id: &str, status: &str, code: Value) -> Value {
    json!({"resourceType": "MedicationStatement", "id": id, "status": status,
           "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": code,
           "effectivePeriod": {"start": "2022-01-01"}, "dosage": [{"text": "One daily"}]})
}

pub(crate) fn penicillin_disorder() -> Value {
    cc(SCT, "91936005", "Allergy to penicillin")
}
pub(crate) fn penicillin_substance() -> Value {
    cc(SCT, "764146007", "Penicillin")
}
pub(crate) fn amoxicillin_500() -> Value {
    cc(DMD, "323510009", "Amoxicillin 500mg capsules")
}

pub(crate) const H: (&str, EndpointKind) = ("hosp", EndpointKind::Hospital);
pub(crate) const G: (&str, EndpointKind) = ("gp", EndpointKind::Gp);
pub(crate) const B: (&str, EndpointKind) = ("hosp2", EndpointKind::Hospital);

pub(crate) fn kinds(s: &Summary) -> Vec<FlagKind> {
    s.flags.iter().map(|f| f.kind).collect()
}

pub(crate) fn every_entry_once(r: &Record, s: &Summary) {
    let refs = entry_refs(s);
    let wanted: std::collections::BTreeSet<(String, String, String)> = r
        .resources
        .iter()
        .filter(|c| {
            matches!(
                c.resource_type.as_str(),
                "AllergyIntolerance" | "MedicationRequest" | "MedicationStatement"
            )
        })
        .map(|c| (c.endpoint_id.clone(), c.resource_type.clone(), c.id.clone()))
        .collect();
    let got: std::collections::BTreeSet<(String, String, String)> = refs
        .iter()
        .map(|e| {
            (
                e.source_id.clone(),
                e.resource_type.clone(),
                e.resource_id.clone(),
            )
        })
        .collect();
    assert_eq!(got, wanted, "every entry in some group");
    let count: usize = s
        .allergies
        .groups
        .iter()
        .map(|g| g.entries.len())
        .sum::<usize>()
        + [
            &s.medications.groups,
            &s.medications.recently_stopped,
            &s.medications.do_not_give,
            &s.medications.past,
        ]
        .iter()
        .flat_map(|l| l.iter())
        .map(|g| g.entries.len())
        .sum::<usize>();
    assert_eq!(count, wanted.len(), "no entry twice");
}
