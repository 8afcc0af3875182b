//! GP Connect Access Record: Structured, end to end: the real `crossview`
//! binary against a loopback provider that checks the `Ssp-*` headers and the
//! consumer JWT the way the specification says. A synthetic record (List
//! warnings, an ended allergy contained in its list, plans and issues) runs
//! everywhere; the specification's own examples run where ../shared exists.

mod common;

use common::gp_connect::{GpConnectServer, TO_ASID};
use common::*;
use serde_json::{Value, json};

/// Synthetic test patient (999 range, valid check digit).
const NHS: &str = "9990000018";
const SCT: &str = "http://snomed.info/sct";
const WARNING: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1";
const EMPTY: &str = "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1";

fn entry(resource: Value) -> Value {
    json!({ "resource": resource })
}

fn list(code: &str, title: &str, items: &[&str]) -> Value {
    json!({
        "resourceType": "List", "id": format!("list-{code}"), "status": "current", "mode": "snapshot",
        "title": title,
        "code": {"coding": [{"system": SCT, "code": code, "display": title}]},
        "subject": {"reference": "Patient/gp-p1"},
        "entry": items.iter().map(|i| json!({"item": {"reference": i}})).collect::<Vec<_>>()
    })
}

fn empty_list(code: &str, title: &str) -> Value {
    let mut l = list(code, title, &[]);
    l.as_object_mut().unwrap().remove("entry");
    l["emptyReason"] = json!({"coding": [{"system": EMPTY, "code": "no-content-recorded", "display": "No Content Recorded"}]});
    l["note"] = json!([{"text": "Information not available"}]);
    l
}

fn patient() -> Value {
    json!({
        "resourceType": "Patient", "id": "gp-p1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
        "name": [{"family": "Testpatient", "given": ["Alpha"]}],
        "birthDate": "1950-01-01", "gender": "female"
    })
}

/// A structured record with what matters: an allergy list carrying a
/// confidential-items warning, an ended allergy contained in its own list, a
/// medicine with its plan and issue under a data-awaiting-filing warning, and
/// empty problem and consultation lists that say why they are empty.
fn synthetic_record() -> Value {
    let mut allergies = list(
        "886921000000105",
        "Allergies and adverse reactions",
        &["AllergyIntolerance/a1"],
    );
    allergies["extension"] = json!([{"url": WARNING, "valueCode": "confidential-items"}]);
    let mut ended = list("1103671000000101", "Ended allergies", &["#ended-1"]);
    ended["contained"] = json!([{
        "resourceType": "AllergyIntolerance", "id": "ended-1",
        "clinicalStatus": "resolved", "verificationStatus": "unconfirmed",
        "code": {"coding": [{"system": SCT, "code": "111088007", "display": "Latex"}]},
        "patient": {"reference": "Patient/gp-p1"}, "assertedDate": "2015-03-01"
    }]);
    let mut meds = list(
        "933361000000108",
        "Medications and medical devices",
        &[
            "MedicationStatement/ms1",
            "MedicationRequest/plan1",
            "MedicationRequest/issue1",
        ],
    );
    meds["extension"] = json!([{"url": WARNING, "valueCode": "data-awaiting-filing"}]);
    json!({
        "resourceType": "Bundle", "type": "collection",
        "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1"]},
        "entry": [
            entry(patient()),
            entry(json!({"resourceType": "Organization", "id": "org1", "name": "Riverside Surgery"})),
            entry(allergies),
            entry(ended),
            entry(json!({
                "resourceType": "AllergyIntolerance", "id": "a1",
                "clinicalStatus": "active", "verificationStatus": "unconfirmed",
                "code": {"coding": [{"system": SCT, "code": "764146007", "display": "Penicillin"}]},
                "patient": {"reference": "Patient/gp-p1"}, "assertedDate": "2012-05-07",
                "reaction": [{"manifestation": [{"text": "Rash"}]}]
            })),
            entry(meds),
            entry(json!({
                "resourceType": "MedicationStatement", "id": "ms1", "status": "active", "taken": "unk",
                "medicationReference": {"reference": "Medication/m1"},
                "basedOn": [{"reference": "MedicationRequest/plan1"}],
                "subject": {"reference": "Patient/gp-p1"},
                "effectivePeriod": {"start": "2024-01-10"}, "dateAsserted": "2024-01-10",
                "dosage": [{"text": "One tablet daily"}]
            })),
            entry(json!({
                "resourceType": "MedicationRequest", "id": "plan1", "status": "active", "intent": "plan",
                "medicationReference": {"reference": "Medication/m1"},
                "subject": {"reference": "Patient/gp-p1"}, "authoredOn": "2024-01-10",
                "dosageInstruction": [{"text": "One tablet daily"}]
            })),
            entry(json!({
                "resourceType": "MedicationRequest", "id": "issue1", "status": "completed", "intent": "order",
                "basedOn": [{"reference": "MedicationRequest/plan1"}],
                "medicationReference": {"reference": "Medication/m1"},
                "subject": {"reference": "Patient/gp-p1"}, "authoredOn": "2024-02-07"
            })),
            entry(json!({
                "resourceType": "Medication", "id": "m1",
                "code": {"coding": [{"system": SCT, "code": "319283006", "display": "Amlodipine 5mg tablets"}]}
            })),
            entry(empty_list("717711000000103", "Problems")),
            entry(empty_list("1149501000000101", "List of consultations"))
        ]
    })
}

fn json_of(o: &std::process::Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gp_record_reaches_timeline_and_summary_with_its_list_warnings() {
    let gp = GpConnectServer::start("/gpconnect/structured/fhir").await;
    gp.serve(NHS, synthetic_record());
    let tmp = tempfile::tempdir().unwrap();
    let config = gp.config(tmp.path(), TO_ASID);
    let data = tmp.path().join("data");

    let sync = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(
        sync.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&sync),
        stderr(&sync)
    );
    assert!(
        gp.refused().is_empty(),
        "the provider refused: {:?}",
        gp.refused()
    );
    let seen = gp.seen();
    assert_eq!(seen.len(), 1, "one structured record request");
    assert_eq!(
        seen[0].claims["requesting_organization"]["identifier"][0]["value"],
        "A11111"
    );

    let events = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    let ids: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["resource_type"].as_str().unwrap().to_string(),
                e["resource_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("AllergyIntolerance", "a1"),
        ("AllergyIntolerance", "ended-1"),
        ("MedicationStatement", "ms1"),
        ("MedicationRequest", "plan1"),
        ("MedicationRequest", "issue1"),
    ] {
        assert!(
            ids.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from the timeline: {ids:?}"
        );
    }
    assert!(events.iter().all(|e| e["source"] == "Riverside Surgery"));

    let summary = json_of(&cli(&config, &data, &["summary", "--nhs", NHS, "--json"]).await);
    let allergies = &summary["allergies"];
    let statement = allergies["statement"].as_str().unwrap();
    assert!(statement.contains("Penicillin"), "{statement}");
    // The confidential-items warning: what is listed may not be all.
    assert_eq!(allergies["state"], "incomplete", "{statement}");
    assert!(statement.contains("confidential"), "{statement}");
    let meds = &summary["medications"];
    let gaps = meds["gaps"].to_string();
    assert!(gaps.contains("data-awaiting-filing"), "{gaps}");
    assert!(
        meds["groups"].to_string().contains("Amlodipine"),
        "{}",
        meds["groups"]
    );

    // The banner carries the allergy gap too (text output of the summary).
    let text = stdout(&cli(&config, &data, &["summary", "--nhs", NHS]).await);
    assert!(text.contains("confidential"), "{text}");

    // The doctor agrees: the provider accepts Crossview's headers and JWT.
    let doctor = cli(&config, &data, &["doctor", "--json"]).await;
    assert_eq!(doctor.status.code(), Some(0), "{}", stdout(&doctor));
    let report: Value = serde_json::from_str(&stdout(&doctor)).unwrap();
    assert!(report[0]["will_show"].to_string().contains("allergies"));
    assert!(gp.refused().is_empty(), "{:?}", gp.refused());
    // Every request had its own trace id.
    let traces: std::collections::BTreeSet<String> =
        gp.seen().iter().map(|s| s.trace_id.clone()).collect();
    assert_eq!(traces.len(), gp.seen().len());
    assert!(
        gp.seen()
            .iter()
            .any(|s| s.interaction.ends_with("metadata-1"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_list_with_its_reason_is_never_no_known_allergies() {
    let gp = GpConnectServer::start("/fhir").await;
    let mut record = synthetic_record();
    let entries: Vec<Value> = record["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let r = &e["resource"];
            r["resourceType"] != "AllergyIntolerance"
                && !(r["resourceType"] == "List"
                    && r["code"]["coding"][0]["code"]
                        .as_str()
                        .unwrap()
                        .starts_with("88692"))
                && !(r["resourceType"] == "List"
                    && r["code"]["coding"][0]["code"] == "1103671000000101")
        })
        .cloned()
        .chain([entry(empty_list(
            "886921000000105",
            "Allergies and adverse reactions",
        ))])
        .collect();
    record["entry"] = json!(entries);
    gp.serve(NHS, record);
    let tmp = tempfile::tempdir().unwrap();
    let config = gp.config(tmp.path(), TO_ASID);
    let data = tmp.path().join("data");
    let sync = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    let summary = json_of(&cli(&config, &data, &["summary", "--nhs", NHS, "--json"]).await);
    let statement = summary["allergies"]["statement"].as_str().unwrap();
    assert_ne!(summary["allergies"]["state"], "no-known-allergies");
    assert!(
        !statement.to_lowercase().contains("no known allergies"),
        "{statement}"
    );
    assert!(statement.contains("No Content Recorded"), "{statement}");
    assert_eq!(
        summary["allergies"]["list_notes"][0]["source"],
        "Riverside Surgery"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gp_answer_without_clinical_lists_is_not_a_complete_sync() {
    let gp = GpConnectServer::start("/fhir").await;
    gp.serve(NHS, synthetic_record());
    let tmp = tempfile::tempdir().unwrap();
    let config = gp.config(tmp.path(), TO_ASID);
    let data = tmp.path().join("data");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );

    // The practice now answers with the patient and nothing else.
    gp.serve(
        NHS,
        json!({"resourceType": "Bundle", "type": "collection", "entry": [entry(patient())]}),
    );
    let sync = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
    assert_eq!(sync.status.code(), Some(3), "{}", stdout(&sync));
    assert!(
        stdout(&sync).contains("no clinical list"),
        "{}",
        stdout(&sync)
    );
    // The earlier record is still shown, marked stale.
    let summary = json_of(&cli(&config, &data, &["summary", "--nhs", NHS, "--json"]).await);
    assert!(
        summary["allergies"]["statement"]
            .as_str()
            .unwrap()
            .contains("Penicillin")
    );
    assert_eq!(summary["allergies"]["state"], "incomplete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_headers_are_refused_by_the_provider_and_named_by_crossview() {
    let gp = GpConnectServer::start("/fhir").await;
    gp.serve(NHS, synthetic_record());
    let tmp = tempfile::tempdir().unwrap();
    // A raw request without the consumer headers: the provider refuses it.
    let raw = reqwest::Client::new()
        .post(format!("{}/Patient/$gpc.getstructuredrecord", gp.base))
        .header("content-type", "application/fhir+json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert!(raw.text().await.unwrap().contains("BAD_REQUEST"));

    // The wrong provider ASID in the configuration: refused, and the error says so.
    let config = gp.config(tmp.path(), "999999999999");
    let data = tmp.path().join("data");
    let sync = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
    assert_eq!(sync.status.code(), Some(3));
    let out = stdout(&sync);
    assert!(
        out.contains("BAD_REQUEST") && out.contains("Ssp-To"),
        "{out}"
    );
    let doctor = cli(&config, &data, &["doctor"]).await;
    assert_eq!(doctor.status.code(), Some(3));
    assert!(
        stdout(&doctor).contains("NOT HEALTHY"),
        "{}",
        stdout(&doctor)
    );

    // An NHS number the practice does not hold: not found, not an error.
    let config = gp.config(tmp.path(), TO_ASID);
    let sync = cli(&config, &data, &["sync", "--nhs", "9990000026", "--json"]).await;
    assert_eq!(sync.status.code(), Some(0), "{}", stdout(&sync));
    assert!(
        stdout(&sync).contains("PATIENT_NOT_FOUND"),
        "{}",
        stdout(&sync)
    );
}

/// The specification's examples, as they are (where ../shared exists).
fn example(name: &str) -> Option<Value> {
    let Some(dir) = shared_dir() else {
        eprintln!("NOTICE: ../shared is not present: the GP Connect example records are skipped");
        return None;
    };
    let path = dir
        .join("fhir-examples/gpconnect-stu3/accessrecord_structured")
        .join(name);
    Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specification_examples_are_read_and_a_list_naming_another_patient_is_refused() {
    let (Some(meds), Some(allergies), Some(empty)) = (
        example("meds_response.json"),
        example("allergies_response1.json"),
        example("allergies_response3.json"),
    ) else {
        return;
    };
    let nhs = "9999999999";
    let gp = GpConnectServer::start("/fhir").await;
    let tmp = tempfile::tempdir().unwrap();
    let config = gp.config(tmp.path(), TO_ASID);
    let data = tmp.path().join("data");

    // The medication example: its medicines reach the summary; it has no
    // allergy list, so the allergies are not known from this practice.
    gp.serve(nhs, meds);
    let sync = cli(&config, &data, &["sync", "--nhs", nhs, "--json"]).await;
    assert_eq!(sync.status.code(), Some(0), "{}", stdout(&sync));
    let summary = json_of(&cli(&config, &data, &["summary", "--nhs", nhs, "--json"]).await);
    let medicines = summary["medications"].to_string();
    assert!(medicines.to_lowercase().contains("tablet"), "{medicines}");
    assert_eq!(summary["allergies"]["state"], "incomplete");
    assert!(
        summary["allergies"]["gaps"]
            .to_string()
            .contains("no allergies list")
    );
    let events = timeline_json(&cli(&config, &data, &["timeline", "--nhs", nhs, "--json"]).await);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["resource_type"] == "MedicationRequest")
            .count(),
        6,
        "3 plans and 3 issues"
    );

    // The allergy example's "Resolved Allergies" list names NHS number
    // 1234567890 as its subject: another patient, so nothing of it is kept.
    gp.serve(nhs, allergies);
    let sync = cli(&config, &data, &["sync", "--nhs", nhs, "--json"]).await;
    assert_eq!(sync.status.code(), Some(3));
    assert!(
        stdout(&sync).contains("PatientMismatch"),
        "{}",
        stdout(&sync)
    );

    // The empty allergy list example: empty, with its reason, not "no known allergies".
    // (A new cache: in this one, medicines no longer returned would rightly be kept aside.)
    gp.serve(nhs, empty);
    let data = tmp.path().join("data-empty");
    let sync = cli(&config, &data, &["sync", "--nhs", nhs, "--json"]).await;
    assert_eq!(sync.status.code(), Some(0), "{}", stdout(&sync));
    let summary = json_of(&cli(&config, &data, &["summary", "--nhs", nhs, "--json"]).await);
    let statement = summary["allergies"]["statement"].as_str().unwrap();
    assert!(statement.contains("No Content Recorded"), "{statement}");
    assert_ne!(summary["allergies"]["state"], "no-known-allergies");
}
