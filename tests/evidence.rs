//! A record that never claims more than it knows, through the real binary
//! against loopback fixture servers: allergy state from evidence, syncs that
//! cannot erase, freshness, interrupted syncs, and documents in full.

mod common;

use common::*;
use crossview::config::{Endpoint, EndpointKind};
use crossview::demo::{DemoTrusts, Fault, FixtureServer, demo_sources};
use serde_json::{Value, json};
use std::time::Duration;

const NHS: &str = "9990000018";
/// The demo patient whose GP records "no known allergies" (and nothing elsewhere).
const CHLOE: &str = "9990000034";

fn json_out(o: &std::process::Output) -> Value {
    assert!(
        matches!(o.status.code(), Some(0)),
        "{}\n{}",
        stdout(o),
        stderr(o)
    );
    serde_json::from_str(&stdout(o)).expect("JSON")
}

async fn summary(config: &std::path::Path, data: &std::path::Path, nhs: &str) -> Value {
    json_out(&cli(config, data, &["summary", "--nhs", nhs, "--json"]).await)
}

/// The demo's Riverside, Hillcrest and Meadow Lane (not Northgate, which does not know Chloe).
fn three(trusts: &DemoTrusts) -> Vec<Endpoint> {
    trusts
        .endpoints()
        .into_iter()
        .filter(|e| e.name() != "Northgate Mental Health Trust")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_known_allergies_only_when_every_source_was_read() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &three(&trusts), 2);
    let data = tmp.path().join("cache");
    let hill = &trusts.servers[1].1;
    assert_eq!(trusts.servers[1].0.name, "Hillcrest Community Trust");

    // The first ever sync with Hillcrest failing: incomplete, naming it; never "no known allergies".
    hill.set_fault(Fault::Status(500));
    let out = cli(&config, &data, &["sync", "--nhs", CHLOE]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let s = summary(&config, &data, CHLOE).await;
    assert_eq!(s["allergies"]["state"], "incomplete", "{}", s["allergies"]);
    let gaps = s["allergies"]["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0]["source"], "Hillcrest Community Trust");
    assert!(
        gaps[0]["reason"]
            .as_str()
            .unwrap()
            .contains("last sync failed")
    );
    let text = stdout(&cli(&config, &data, &["timeline", "--nhs", CHLOE]).await);
    assert!(!text.contains("No known allergies"), "{text}");
    assert!(
        text.contains("INCOMPLETE") && text.contains("Hillcrest"),
        "{text}"
    );

    // Every source read: now, and only now, "no known allergies".
    hill.set_fault(Fault::None);
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", CHLOE])
            .await
            .status
            .code(),
        Some(0)
    );
    let s = summary(&config, &data, CHLOE).await;
    assert_eq!(
        s["allergies"]["state"], "no-known-allergies",
        "{}",
        s["allergies"]
    );
    assert!(
        stdout(&cli(&config, &data, &["timeline", "--nhs", CHLOE]).await)
            .contains("Allergies No known allergies")
    );

    // A source that does not offer allergies, and one that does not know the patient.
    let fresh = tmp.path().join("cache2");
    hill.set_fault(Fault::NotOffered("AllergyIntolerance".into()));
    cli(&config, &fresh, &["sync", "--nhs", CHLOE]).await;
    let s = summary(&config, &fresh, CHLOE).await;
    assert_eq!(s["allergies"]["state"], "incomplete");
    assert!(
        s["allergies"]["gaps"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("does not offer allergies")
    );
    let fresh = tmp.path().join("cache3");
    hill.set_fault(Fault::NoPatient);
    cli(&config, &fresh, &["sync", "--nhs", CHLOE]).await;
    let s = summary(&config, &fresh, CHLOE).await;
    assert_eq!(s["allergies"]["state"], "incomplete");
    assert!(
        s["allergies"]["gaps"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("did not find the patient")
    );
}

fn patient(id: &str) -> Value {
    json!({"resourceType": "Patient", "id": id,
           "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
           "name": [{"family": "Ashworth", "given": ["Ada"]}], "birthDate": "1948-03-02"})
}

fn allergy(id: &str, code: &str, display: &str) -> Value {
    json!({"resourceType": "AllergyIntolerance", "id": id, "patient": {"reference": "Patient/p"},
           "clinicalStatus": {"coding": [{"code": "active"}]},
           "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}], "text": display},
           "recordedDate": "2024-02-02"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_negation_is_shown_as_what_it_says() {
    let server = FixtureServer::start(
        vec![
            patient("p"),
            allergy("n", "409137002", "No known drug allergy"),
        ],
        0,
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Meadow Lane Surgery", EndpointKind::Gp, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let data = tmp.path().join("cache");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let s = summary(&config, &data, NHS).await;
    assert_eq!(s["allergies"]["state"], "not-recorded");
    assert_eq!(s["allergies"]["negations"][0]["scope"], "drug");
    let text = stdout(&cli(&config, &data, &["timeline", "--nhs", NHS]).await);
    assert!(
        text.contains("Allergies No known drug allergy (Meadow Lane Surgery)"),
        "{text}"
    );
    assert!(!text.contains("No known allergies"), "{text}");
}

fn allergy_ids(s: &Value, source: &str) -> Vec<String> {
    s["allergies"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["entries"].as_array().unwrap().iter())
        .filter(|e| e["source"] == source)
        .map(|e| e["resource_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_comes_back_emptier_is_kept_aside_and_cannot_erase_allergies() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 2);
    let data = tmp.path().join("cache");
    let (hill_src, hill) = &trusts.servers[1];
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let before = allergy_ids(&summary(&config, &data, NHS).await, &hill_src.name);
    assert!(!before.is_empty());

    for fault in [
        Fault::NoPatient,
        Fault::EmptySearch("AllergyIntolerance".into()),
        Fault::NotOffered("AllergyIntolerance".into()),
    ] {
        hill.set_fault(fault.clone());
        // An incremental sync cannot erase anything: what did not change is kept as shown.
        if matches!(fault, Fault::EmptySearch(_)) {
            let out = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
            assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
            let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert!(
                report["endpoints"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["fetch"] == "incremental"),
                "{report}"
            );
            assert_eq!(
                allergy_ids(&summary(&config, &data, NHS).await, &hill_src.name),
                before
            );
        }
        // A full sync that comes back emptier is kept aside. (Without --full, a
        // patient no longer found or a type no longer offered makes it full.)
        let args: &[&str] = if matches!(fault, Fault::EmptySearch(_)) {
            &["sync", "--full", "--nhs", NHS, "--json"]
        } else {
            &["sync", "--nhs", NHS, "--json"]
        };
        let out = cli(&config, &data, args).await;
        assert_eq!(out.status.code(), Some(3), "{fault:?}: {}", stdout(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let h = report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == hill_src.name.as_str())
            .unwrap();
        assert_eq!(h["outcome"], "suspect", "{fault:?}: {h}");
        assert_eq!(h["error"]["code"], "DataDisappeared");
        let s = summary(&config, &data, NHS).await;
        assert_eq!(
            allergy_ids(&s, &hill_src.name),
            before,
            "{fault:?}: earlier allergies still shown"
        );
        let sources = json_out(&cli(&config, &data, &["sources", "--nhs", NHS, "--json"]).await);
        let st = sources
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["source"] == hill_src.name.as_str())
            .unwrap();
        assert_eq!(st["state"], "suspect", "{fault:?}");
        assert_eq!(st["last_outcome"], "suspect");
        assert!(
            st["last_error"].as_str().unwrap().contains("no longer"),
            "{st}"
        );
        assert_eq!(
            s["allergies"]["state"], "incomplete",
            "a suspect source cannot vouch"
        );
    }
    // Once the server answers fully again, the data is accepted as usual.
    hill.set_fault(Fault::None);
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );

    // A person who checked with the source may accept an emptier answer.
    hill.set_fault(Fault::EmptySearch("AllergyIntolerance".into()));
    assert_eq!(
        cli(&config, &data, &["sync", "--full", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(3)
    );
    let out = cli(
        &config,
        &data,
        &["accept", "--nhs", NHS, "--source", &hill_src.name],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(allergy_ids(&summary(&config, &data, NHS).await, &hill_src.name).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordinary_changes_are_accepted() {
    let v1 = vec![
        patient("p"),
        allergy("a1", "91936005", "Allergy to penicillin"),
        allergy("a2", "300916003", "Latex allergy"),
    ];
    let server = FixtureServer::start(v1, 0).await.unwrap();
    let port = server.addr().port();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Hillcrest", EndpointKind::Hospital, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let data = tmp.path().join("cache");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    server.stop().await;
    // One allergy removed, one added: an ordinary change.
    let v2 = vec![
        patient("p"),
        allergy("a1", "91936005", "Allergy to penicillin"),
        allergy("a3", "91935009", "Allergy to peanut"),
    ];
    let _server = FixtureServer::start(v2, port).await.unwrap();
    // An incremental sync brings what changed; a deletion waits for a full sync.
    let out = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("new or changed resources"),
        "{}",
        stdout(&out)
    );
    let mut ids = allergy_ids(&summary(&config, &data, NHS).await, "Hillcrest");
    ids.sort();
    assert_eq!(ids, ["a1", "a2", "a3"]);
    let out = cli(&config, &data, &["sync", "--full", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("full sync: a full sync was asked for"),
        "{}",
        stdout(&out)
    );
    let mut ids = allergy_ids(&summary(&config, &data, NHS).await, "Hillcrest");
    ids.sort();
    assert_eq!(ids, ["a1", "a3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_older_than_the_freshness_limit_is_stale_in_the_banner_and_the_timeline() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let fresh = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    assert!(
        fresh
            .iter()
            .all(|e| e["stale"] == false && e["as_of"].is_string())
    );
    // Hillcrest's data is two days old now.
    let db = common::open_db(&data, "crossview.sqlite3");
    db.execute(
        "UPDATE sync_run SET finished_at = '2020-01-01T00:00:00.000Z' WHERE source = 'Hillcrest Community Trust'",
        [],
    )
    .unwrap();
    drop(db);
    let events = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    for e in &events {
        let old = e["source"] == "Hillcrest Community Trust";
        assert_eq!(e["stale"], old, "{e}");
    }
    let text = stdout(&cli(&config, &data, &["timeline", "--nhs", NHS]).await);
    assert!(
        text.contains("INCOMPLETE") && text.contains("older than 24 hours"),
        "{text}"
    );
    assert!(text.contains("as of 01-Jan-2020"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_part_way_is_reported_as_interrupted_and_the_earlier_data_is_intact() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 20);
    let data = tmp.path().join("cache");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let strip = |v: Vec<Value>| -> Vec<Value> {
        v.into_iter()
            .map(|mut e| {
                let o = e.as_object_mut().unwrap();
                for k in ["stale", "as_of", "fetched_at"] {
                    o.remove(k);
                }
                e
            })
            .collect()
    };
    let before = strip(timeline_json(
        &cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await,
    ));
    let (slow_src, slow) = &trusts.servers[0];
    slow.set_fault(Fault::Delay(Duration::from_secs(5)));
    let mut child = common::command()
        .args([
            "--config",
            &config.to_string_lossy(),
            "--data-dir",
            &data.to_string_lossy(),
        ])
        .args(["sync", "--nhs", NHS])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    slow.set_fault(Fault::None);
    let sources = json_out(&cli(&config, &data, &["sources", "--nhs", NHS, "--json"]).await);
    let s = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["source"] == slow_src.name.as_str())
        .unwrap();
    assert_eq!(s["last_outcome"], "interrupted", "{s}");
    assert_eq!(s["state"], "interrupted");
    let after = strip(timeline_json(
        &cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await,
    ));
    assert!(after == before, "the earlier data is intact");
    // The next sync recovers.
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let _ = demo_sources;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discharge_documents_come_in_full_and_a_replaced_one_says_so() {
    let enc = json!({"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p"},
        "class": {"code": "IMP"}, "type": [{"text": "Emergency admission"}],
        "period": {"start": "2026-09-08T10:00:00Z", "end": "2026-09-12T15:00:00Z"}});
    let comp = json!({"resourceType": "Composition", "id": "c1", "status": "final", "subject": {"reference": "Patient/p"},
    "type": {"coding": [{"system": "http://snomed.info/sct", "code": "373942005", "display": "Discharge summary"}]},
    "encounter": {"reference": "Encounter/e1"}, "date": "2026-09-12T16:00:00Z", "title": "Discharge summary",
    "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Cellulitis, treated; home.</p></div>"},
    "section": [
        {"title": "Allergies and adverse reactions", "emptyReason": {"text": "Information not available"}},
        {"title": "Plan", "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>GP review in 2 weeks</p></div>"}}
    ]});
    let old = json!({"resourceType": "DocumentReference", "id": "d1", "status": "superseded",
        "subject": {"reference": "Patient/p"}, "description": "Discharge letter", "date": "2026-09-12T16:00:00Z",
        "type": {"text": "Discharge letter"},
        "content": [{"attachment": {"contentType": "text/plain", "data": "Zmlyc3Q="}}],
        "context": {"encounter": {"reference": "Encounter/e1"}}});
    let new = json!({"resourceType": "DocumentReference", "id": "d2", "status": "current",
        "subject": {"reference": "Patient/p"}, "description": "Discharge letter (amended)", "date": "2026-09-13T09:00:00Z",
        "type": {"text": "Discharge letter"},
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/d1"}}],
        "content": [{"attachment": {"contentType": "text/plain", "data": "c2Vjb25k"}}],
        "context": {"encounter": [{"reference": "Encounter/e1"}]}});
    let server = FixtureServer::start(vec![patient("p"), enc, comp, old, new], 0)
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ep = Endpoint::new("Riverside", EndpointKind::Hospital, server.base_url());
    let config = write_config(tmp.path(), &[ep], 5);
    let data = tmp.path().join("cache");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", NHS])
            .await
            .status
            .code(),
        Some(0)
    );
    let d = json_out(&cli(&config, &data, &["discharge", "--nhs", NHS, "--json"]).await);
    let d = d.as_array().unwrap();
    assert_eq!(d.len(), 1, "one stay, its documents together: {d:#?}");
    let docs = d[0]["documents"].as_array().unwrap();
    let comp = docs
        .iter()
        .find(|x| x["resource_type"] == "Composition")
        .unwrap();
    assert_eq!(comp["narrative_text"], "Cellulitis, treated; home.");
    assert!(
        comp["narrative_html"]
            .as_str()
            .unwrap()
            .contains("<p>Cellulitis")
    );
    assert_eq!(
        comp["sections"][0]["empty_reason"],
        "Information not available"
    );
    assert_eq!(comp["sections"][1]["text"], "GP review in 2 weeks");
    let d1 = docs
        .iter()
        .find(|x| x["resource_id"] == "d1")
        .expect("STU3-style single context.encounter");
    assert_eq!(d1["superseded_by"]["resource_id"], "d2");
    let d2 = docs.iter().find(|x| x["resource_id"] == "d2").unwrap();
    assert!(d2["superseded_by"].is_null());
    assert_eq!(d2["relates_to"][0]["relation"], "replaces");
    assert_eq!(
        d2["kind"], "discharge-summary",
        "a discharge letter is a discharge document"
    );
    assert_eq!(comp["kind"], "discharge-summary");
}
