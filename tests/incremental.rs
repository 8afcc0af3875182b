//! Incremental sync through the real binary against a loopback FHIR server:
//! only what changed since the last sync is fetched and merged into what is
//! shown; anything that could change what is kept beyond that makes a full
//! sync, and so does `--full` (which is how deletions are found).

mod common;

use common::*;
use crossview::config::{Endpoint, EndpointKind};
use crossview::demo::{Fault, FixtureServer};
use serde_json::{Value, json};

const NHS: &str = "9990000018";
const LONG_AGO: &str = "2024-01-01T00:00:00Z";

fn patient() -> Value {
    json!({"resourceType": "Patient", "id": "p", "meta": {"lastUpdated": LONG_AGO},
           "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
           "name": [{"family": "Ashworth", "given": ["Ada"]}], "birthDate": "1948-03-02"})
}

fn allergy(id: &str, text: &str, updated: &str) -> Value {
    json!({"resourceType": "AllergyIntolerance", "id": id, "meta": {"lastUpdated": updated},
           "patient": {"reference": "Patient/p"}, "clinicalStatus": {"coding": [{"code": "active"}]},
           "code": {"text": text}, "recordedDate": "2024-02-02"})
}

fn order(id: &str, medication: &str, updated: &str) -> Value {
    json!({"resourceType": "MedicationRequest", "id": id, "meta": {"lastUpdated": updated},
           "status": "active", "intent": "order", "subject": {"reference": "Patient/p"},
           "medicationReference": {"reference": format!("Medication/{medication}")},
           "authoredOn": "2024-03-03"})
}

fn medication(id: &str, name: &str, updated: &str) -> Value {
    json!({"resourceType": "Medication", "id": id, "meta": {"lastUpdated": updated},
           "code": {"text": name}})
}

fn sync_report(out: &std::process::Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(out),
        stderr(out)
    );
    let report: Value = serde_json::from_str(&stdout(out)).expect("JSON");
    report["endpoints"][0].clone()
}

fn titles(events: &[Value]) -> Vec<String> {
    let mut t: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{}/{}: {}",
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str().unwrap(),
                e["title"].as_str().unwrap()
            )
        })
        .collect();
    t.sort();
    t
}

/// A patient with two allergies and an order naming its Medication, all last
/// updated long ago.
fn first_record() -> Vec<Value> {
    vec![
        patient(),
        allergy("a1", "Penicillin allergy", LONG_AGO),
        allergy("a2", "Latex allergy", LONG_AGO),
        order("o1", "m1", LONG_AGO),
        medication("m1", "Amlodipine 5mg tablets", LONG_AGO),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_fetches_only_what_changed_and_merges_it_into_what_is_shown() {
    let v1 = first_record();
    let server = FixtureServer::start(v1.clone(), 0).await.unwrap();
    let port = server.addr().port();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Hillcrest", EndpointKind::Hospital, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let data = tmp.path().join("cache");
    let sync = |full: bool| {
        let (config, data) = (config.clone(), data.clone());
        async move {
            let mut args = vec!["sync", "--nhs", NHS, "--json"];
            if full {
                args.push("--full");
            }
            sync_report(&cli(&config, &data, &args).await)
        }
    };
    let timeline = || {
        let (config, data) = (config.clone(), data.clone());
        async move { timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await) }
    };

    let first = sync(false).await;
    assert_eq!(first["fetch"], "full", "{first}");
    assert_eq!(
        first["fetch_note"],
        "no earlier complete sync of this patient here"
    );
    let shown = titles(&timeline().await);
    assert_eq!(
        shown,
        [
            "AllergyIntolerance/a1: Penicillin allergy",
            "AllergyIntolerance/a2: Latex allergy",
            "MedicationRequest/o1: Amlodipine 5mg tablets"
        ]
    );

    // Nothing changed: only the patient is read again; the record is the same.
    let second = sync(false).await;
    assert_eq!(second["fetch"], "incremental", "{second}");
    assert!(
        second["fetch_note"]
            .as_str()
            .unwrap()
            .starts_with("only what changed since"),
        "{second}"
    );
    assert_eq!(second["counts"], json!({"Patient": 1}), "{second}");
    assert_eq!(titles(&timeline().await), shown);

    // One allergy updated, one added, the order changed (its Medication did not).
    server.stop().await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut v2 = v1.clone();
    v2[1] = allergy("a1", "Amoxicillin allergy", &now);
    v2.push(allergy("a3", "Peanut allergy", &now));
    let mut changed_order = order("o1", "m1", &now);
    changed_order["status"] = json!("stopped");
    v2[3] = changed_order;
    let server = FixtureServer::start(v2, port).await.unwrap();
    let third = sync(false).await;
    assert_eq!(third["fetch"], "incremental", "{third}");
    assert_eq!(third["counts"]["AllergyIntolerance"], 2, "{third}");
    assert_eq!(third["counts"]["MedicationRequest"], 1, "{third}");
    let events = timeline().await;
    assert_eq!(
        titles(&events),
        [
            "AllergyIntolerance/a1: Amoxicillin allergy",
            "AllergyIntolerance/a2: Latex allergy",
            "AllergyIntolerance/a3: Peanut allergy",
            "MedicationRequest/o1: Amlodipine 5mg tablets"
        ]
    );
    let o1 = events.iter().find(|e| e["resource_id"] == "o1").unwrap();
    assert_eq!(o1["status"], "stopped");
    // The search index follows the merge: the old wording is gone.
    let search = |text: &'static str| {
        let (config, data) = (config.clone(), data.clone());
        async move {
            timeline_json(
                &cli(
                    &config,
                    &data,
                    &["timeline", "--nhs", NHS, "--json", "--search", text],
                )
                .await,
            )
            .len()
        }
    };
    assert_eq!(search("penicillin").await, 0);
    assert_eq!(search("amoxic").await, 1);
    // The source's status counts what is shown, not what this sync fetched.
    let sources: Value = serde_json::from_str(&stdout(
        &cli(&config, &data, &["sources", "--nhs", NHS, "--json"]).await,
    ))
    .unwrap();
    assert_eq!(sources[0]["counts"]["AllergyIntolerance"], 3, "{sources}");

    // A deletion is found by a full sync (asked for, or every full_sync_hours).
    server.stop().await;
    let v3: Vec<Value> = v1.iter().filter(|r| r["id"] != "a2").cloned().collect();
    let server = FixtureServer::start(v3, port).await.unwrap();
    assert_eq!(sync(false).await["fetch"], "incremental");
    assert!(
        titles(&timeline().await)
            .iter()
            .any(|t| t.contains("Latex")),
        "a deletion waits for a full sync"
    );
    let full = sync(true).await;
    assert_eq!(full["fetch"], "full");
    assert_eq!(full["fetch_note"], "a full sync was asked for");
    assert!(
        !titles(&timeline().await)
            .iter()
            .any(|t| t.contains("Latex"))
    );

    // A new Consent changes what may be kept: the next sync is full.
    server.stop().await;
    let mut v4 = v1.clone();
    v4.push(json!({"resourceType": "Consent", "id": "c1", "meta": {"lastUpdated": LONG_AGO}, "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": "Patient/p"}, "policyRule": {"coding": [{"code": "OPTIN"}]}}));
    let _server = FixtureServer::start(v4, port).await.unwrap();
    let after_consent = sync(false).await;
    assert_eq!(after_consent["fetch"], "full", "{after_consent}");
    assert!(
        after_consent["fetch_note"]
            .as_str()
            .unwrap()
            .contains("consents"),
        "{after_consent}"
    );
    assert_eq!(sync(false).await["fetch"], "incremental");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_hours_zero_makes_every_sync_full() {
    let server = FixtureServer::start(
        vec![patient(), allergy("a1", "Penicillin allergy", LONG_AGO)],
        0,
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Hillcrest", EndpointKind::Hospital, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let text = std::fs::read_to_string(&config).unwrap() + "full_sync_hours = 0\n";
    std::fs::write(&config, text).unwrap();
    let data = tmp.path().join("cache");
    for _ in 0..2 {
        let r = sync_report(&cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await);
        assert_eq!(r["fetch"], "full", "{r}");
        assert_eq!(r["counts"]["AllergyIntolerance"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_last_updated_is_asked_only_if_each_search_changed() {
    let v1 = first_record();
    let server = FixtureServer::start(v1.clone(), 0).await.unwrap();
    server.set_fault(Fault::IgnoresLastUpdated);
    let port = server.addr().port();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Hillcrest", EndpointKind::Hospital, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let data = tmp.path().join("cache");
    let sync = || {
        let (config, data) = (config.clone(), data.clone());
        async move { sync_report(&cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await) }
    };
    let shown = || {
        let (config, data) = (config.clone(), data.clone());
        async move {
            titles(&timeline_json(
                &cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await,
            ))
        }
    };
    assert_eq!(sync().await["fetch"], "full");
    let before = shown().await;

    // Nothing changed: every search is answered "not modified"; nothing is read again.
    let second = sync().await;
    assert_eq!(second["fetch"], "conditional", "{second}");
    assert_eq!(second["counts"], json!({"Patient": 1}), "{second}");
    assert!(
        second["fetch_note"]
            .as_str()
            .unwrap()
            .contains("unchanged AllergyIntolerance"),
        "{second}"
    );
    assert_eq!(shown().await, before);

    // The allergies changed (one updated, one deleted, one added); the orders did not.
    server.stop().await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let v2 = vec![
        patient(),
        allergy("a1", "Amoxicillin allergy", &now),
        allergy("a3", "Peanut allergy", &now),
        order("o1", "m1", LONG_AGO),
        medication("m1", "Amlodipine 5mg tablets", LONG_AGO),
    ];
    let server = FixtureServer::start(v2, port).await.unwrap();
    server.set_fault(Fault::IgnoresLastUpdated);
    let third = sync().await;
    assert_eq!(third["fetch"], "conditional", "{third}");
    assert_eq!(third["counts"]["AllergyIntolerance"], 2, "{third}");
    assert!(
        third["counts"].get("MedicationRequest").is_none(),
        "{third}"
    );
    // A search answered in full replaces its type: the deleted allergy goes too.
    assert_eq!(
        shown().await,
        [
            "AllergyIntolerance/a1: Amoxicillin allergy",
            "AllergyIntolerance/a3: Peanut allergy",
            "MedicationRequest/o1: Amlodipine 5mg tablets"
        ]
    );

    // Every allergy gone at once: refused, as a full sync's answer would be kept aside.
    server.stop().await;
    let v3 = vec![
        patient(),
        order("o1", "m1", LONG_AGO),
        medication("m1", "Amlodipine 5mg tablets", LONG_AGO),
    ];
    let server = FixtureServer::start(v3, port).await.unwrap();
    server.set_fault(Fault::IgnoresLastUpdated);
    let out = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let e = &report["endpoints"][0];
    assert_eq!(e["error"]["code"], "DataDisappeared", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AllergyIntolerance"),
        "{e}"
    );
    assert!(
        shown().await.iter().any(|t| t.contains("Peanut")),
        "earlier allergies still shown"
    );
    let full = cli(&config, &data, &["sync", "--full", "--nhs", NHS, "--json"]).await;
    assert_eq!(full.status.code(), Some(3));
    let report: Value = serde_json::from_str(&stdout(&full)).unwrap();
    assert_eq!(report["endpoints"][0]["outcome"], "suspect", "{report}");
}
