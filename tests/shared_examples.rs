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
