//! Every JSON example in ../shared/fhir-examples (written by others) through
//! the timeline parser. Runs where ../shared exists (always on CI); prints a
//! notice and passes trivially in a user's clone, which has no ../shared.

mod common;

use crossview::fhir::FhirVersion;
use crossview::timeline::EventKind;
use crossview::timeline::inspect::{InspectError, Inspected, inspect_file};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn examples() -> Option<PathBuf> {
    let dir = common::shared_dir()?.join("fhir-examples");
    if dir.is_dir() { Some(dir) } else { None }
}

fn version_of(p: &Path) -> FhirVersion {
    if p.to_string_lossy().contains("gpconnect-stu3") {
        FhirVersion::STU3
    } else {
        FhirVersion::R4
    }
}

fn one(dir: &Path, rel: &str) -> Vec<Inspected> {
    let p = dir.join(rel);
    inspect_file(&p, version_of(&p)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_example_parses_or_fails_with_an_error_naming_the_file() {
    let Some(dir) = examples() else {
        eprintln!("NOTICE: ../shared/fhir-examples not found; shared example tests skipped");
        return;
    };
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    assert!(
        files.len() > 200,
        "expected the whole example set, found {}",
        files.len()
    );
    let mut broken = Vec::new();
    let mut events: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown_types: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        match inspect_file(f, version_of(f)) {
            Ok(found) => {
                for r in found {
                    *shown_types.entry(r.resource_type.clone()).or_default() += 1;
                    if let Some(e) = &r.event {
                        *events.entry(e.kind.as_str().to_string()).or_default() += 1;
                    }
                    let timeline_type = common::TIMELINE_TYPES.contains(&r.resource_type.as_str());
                    assert_eq!(
                        r.event.is_some(),
                        timeline_type,
                        "{}: {}",
                        f.display(),
                        r.resource_type
                    );
                }
            }
            Err(e @ InspectError::Json { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&f.display().to_string()),
                    "error names the file: {msg}"
                );
                assert!(msg.contains("line "), "error names the line: {msg}");
                broken.push(f.file_name().unwrap().to_string_lossy().into_owned());
            }
            Err(e) => panic!("{e}"),
        }
    }
    broken.sort();
    // The two files SOURCES.md records as broken upstream, and no others.
    assert_eq!(
        broken,
        ["consultations_response1.json", "documents_response2.json"]
    );
    for kind in [
        "allergy",
        "medication",
        "encounter",
        "discharge",
        "document",
        "condition",
    ] {
        assert!(
            events.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} events from the examples: {events:?}"
        );
    }
    eprintln!(
        "shared examples: {} files, events by kind {events:?}",
        files.len()
    );
}

#[test]
fn r4_examples_show_what_their_sources_wrote() {
    let Some(dir) = examples() else {
        eprintln!("NOTICE: ../shared/fhir-examples not found; shared example tests skipped");
        return;
    };
    // Partial dates are kept exactly as written.
    let a = one(&dir, "hl7-r4/allergyintolerance-example.json");
    let e = a[0].event.as_ref().unwrap();
    assert_eq!(
        (e.kind, e.date.as_deref(), e.title.as_deref()),
        (EventKind::Allergy, Some("2004"), Some("Cashew nuts"))
    );
    assert_eq!(e.status.as_deref(), Some("active"));
    assert!(
        e.detail
            .as_deref()
            .unwrap()
            .contains("Anaphylactic reaction"),
        "{:?}",
        e.detail
    );

    // A contained Medication gives the medicine's name.
    let m = one(&dir, "hl7-r4/medicationrequest0301.json");
    let e = m[0].event.as_ref().unwrap();
    assert_eq!(e.title.as_deref(), Some("Oral Form Oxycodone (product)"));
    assert!(e.medication_ref.is_none());

    // The discharge-summary document: its Composition and inpatient Encounter are discharges.
    let d = one(&dir, "hl7-r4/document-example-dischargesummary.json");
    let kinds: Vec<(&str, EventKind)> = d
        .iter()
        .filter_map(|r| r.event.as_ref().map(|e| (r.resource_type.as_str(), e.kind)))
        .collect();
    assert!(
        kinds.contains(&("Composition", EventKind::Discharge)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("Encounter", EventKind::Discharge)),
        "{kinds:?}"
    );

    // Entered in error is marked, not hidden.
    let eie = one(
        &dir,
        "ukcore-r4-json-fork/examples/UKCore-AllergyIntolerance-EnteredInError-Example.json",
    );
    let e = eie[0].event.as_ref().unwrap();
    assert!(e.entered_in_error);
    assert_eq!(
        e.status.as_deref(),
        Some("entered-in-error"),
        "no clinicalStatus, so the verification status shows"
    );
}

#[test]
fn stu3_gp_connect_examples_map_to_the_same_events() {
    let Some(dir) = examples() else {
        eprintln!("NOTICE: ../shared/fhir-examples not found; shared example tests skipped");
        return;
    };
    let found = one(
        &dir,
        "gpconnect-stu3/accessrecord_structured/allergies_response1.json",
    );
    let allergies: Vec<_> = found
        .iter()
        .filter_map(|r| r.event.as_ref())
        .filter(|e| e.kind == EventKind::Allergy)
        .collect();
    assert!(!allergies.is_empty());
    // STU3 statuses are plain codes and the date is assertedDate when no onset is given.
    assert!(
        allergies
            .iter()
            .all(|e| e.status.is_some() && e.date.is_some()),
        "{allergies:?}"
    );
    assert!(
        allergies
            .iter()
            .any(|e| e.status.as_deref() == Some("resolved"))
    );

    let meds = one(
        &dir,
        "gpconnect-stu3/accessrecord_structured/meds_response.json",
    );
    let med_events: Vec<_> = meds
        .iter()
        .filter_map(|r| r.event.as_ref())
        .filter(|e| e.kind == EventKind::Medication)
        .collect();
    assert_eq!(med_events.len(), 9, "3 statements, 6 plans and issues");
    // References to Medication resources in the Bundle are kept for resolution.
    assert!(med_events.iter().any(|e| e.medication_ref.is_some()));

    // A dateTime without a zone is kept as written and still sorts.
    let diary = one(
        &dir,
        "gpconnect-stu3/accessrecord_structured/diaryentries_response1.json",
    );
    assert!(diary.iter().all(|r| {
        r.event
            .as_ref()
            .is_none_or(|e| e.date.is_none() || !e.sort_key.is_empty())
    }));
}

/// Resources of the types the summary reads, from a file (Bundles expanded,
/// resources contained in a List included, as GP Connect sends ended allergies).
fn summary_resources(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    let Some(ty) = v.get("resourceType").and_then(|t| t.as_str()) else {
        return;
    };
    match ty {
        "Bundle" => {
            for e in v["entry"].as_array().into_iter().flatten() {
                summary_resources(&e["resource"], out);
            }
        }
        "List" => {
            for c in v["contained"].as_array().into_iter().flatten() {
                summary_resources(c, out);
            }
        }
        t if crossview::reconcile::SUMMARY_TYPES.contains(&t) && v.get("id").is_some() => {
            out.push(v.clone())
        }
        _ => {}
    }
}

#[test]
fn every_allergy_and_medicine_of_the_examples_lands_in_exactly_one_summary_group() {
    use crossview::config::{Endpoint, EndpointKind};
    use crossview::reconcile::{Input, entry_refs, summarise};
    use crossview::store::{CachedResource, RunOutcome, SourceState, SourceStatus};
    let Some(dir) = examples() else {
        eprintln!("NOTICE: ../shared/fhir-examples not found; shared example tests skipped");
        return;
    };
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    let (mut summarised, mut entries) = (0, 0);
    for f in &files {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(f).unwrap())
        else {
            continue; // the two files broken upstream: covered by the test above
        };
        let mut found = Vec::new();
        summary_resources(&v, &mut found);
        let id = "example";
        let resources: Vec<CachedResource> = found
            .iter()
            .map(|r| CachedResource {
                endpoint_id: id.into(),
                resource_type: r["resourceType"].as_str().unwrap().into(),
                id: r["id"].as_str().unwrap().into(),
                fhir_version: version_of(f),
                json: r.to_string(),
            })
            .collect();
        let wanted: std::collections::BTreeSet<(String, String)> = resources
            .iter()
            .filter(|r| {
                matches!(
                    r.resource_type.as_str(),
                    "AllergyIntolerance" | "MedicationRequest" | "MedicationStatement"
                )
            })
            .map(|r| (r.resource_type.clone(), r.id.clone()))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let kind = if version_of(f) == FhirVersion::STU3 {
            EndpointKind::Gp
        } else {
            EndpointKind::Hospital
        };
        let mut ep = Endpoint::new(id, kind, url::Url::parse("http://example.test").unwrap());
        ep.id = Some(id.into());
        let now = chrono::Utc::now();
        let status = SourceStatus {
            source_id: id.into(),
            source: id.into(),
            source_kind: kind,
            base_url: "http://example.test/".into(),
            data_origin: Some("http://example.test".into()),
            configured: true,
            last_success: Some(now.to_rfc3339()),
            last_attempt: Some(now.to_rfc3339()),
            last_outcome: RunOutcome::Ok,
            consent: Vec::new(),
            list_notes: Vec::new(),
            last_error_code: None,
            last_error: None,
            fhir_version: Some(version_of(f)),
            counts: Default::default(),
            warnings: vec![],
            not_offered: vec![],
            patients_found: 1,
            state: SourceState::Fresh,
            stale: false,
        };
        let sources = crossview::sources::Sources::new(
            vec![status],
            &[ep],
            now,
            chrono::Duration::hours(24),
            false,
        );
        let s = summarise(&Input {
            nhs: "9990000018",
            resources: &resources,
            sources: &sources,
            today: chrono::Utc::now().date_naive(),
            recent_days: 90,
        });
        let got: std::collections::BTreeSet<(String, String)> = entry_refs(&s)
            .into_iter()
            .map(|e| (e.resource_type, e.resource_id))
            .collect();
        assert_eq!(got, wanted, "{}: every entry in some group", f.display());
        summarised += 1;
        entries += wanted.len();
    }
    assert!(summarised >= 20, "{summarised} files summarised");
    eprintln!("{summarised} example files through the summary, {entries} entries, none dropped");
}
