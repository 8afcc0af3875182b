//! Against the real, independent FHIR server (Helios FHIR Server), three
//! processes standing in for two trusts and a GP, loaded by scripts/test.sh
//! with the built-in demo data and, where ../shared exists, the shared load.py
//! patients. Every resource each server holds for a patient must appear in the
//! timeline exactly once with the right source, and again once the servers are stopped.

mod common;

use common::*;
use crossview::config::{Endpoint, EndpointKind};
use crossview::demo::demo_sources;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Key = (String, String, String);

fn servers() -> Option<Vec<String>> {
    match std::env::var("CROSSVIEW_REAL_FHIR") {
        Ok(v) if !v.is_empty() => Some(v.split(',').map(String::from).collect()),
        _ => {
            assert!(
                std::env::var("CROSSVIEW_REQUIRE_REAL_FHIR").is_err(),
                "CROSSVIEW_REQUIRE_REAL_FHIR is set but CROSSVIEW_REAL_FHIR names no servers"
            );
            eprintln!(
                "NOTICE: CROSSVIEW_REAL_FHIR is not set; real FHIR server tests skipped (scripts/test.sh runs them)"
            );
            None
        }
    }
}

/// What load.py put on each server for each patient, from the bundles it wrote with --out.
/// What load.py wrote for one patient besides the resources: the allergy it
/// gave them (coded as a disorder at hospital B, a substance at the GP) and
/// whether the GP also (wrongly) says "no known allergy".
#[derive(Debug, Clone, Default)]
struct LoadedAllergy {
    key: String,
    gp_says_none: bool,
}

fn loadpy_allergies(dir: &Path) -> BTreeMap<String, LoadedAllergy> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut out: BTreeMap<String, LoadedAllergy> = manifest["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["nhs_number"].as_str().unwrap().to_string(),
                LoadedAllergy {
                    key: p["allergy"].as_str().unwrap_or_default().to_string(),
                    gp_says_none: false,
                },
            )
        })
        .collect();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = file.trim_end_matches(".json").split('-').collect();
        if parts.len() != 4 || !file.starts_with('p') || parts[2] != "s2" {
            continue;
        }
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let none = bundle["entry"].as_array().unwrap().iter().any(|e| {
            e["resource"]["resourceType"] == "AllergyIntolerance"
                && e["resource"]["code"]["coding"][0]["code"] == "716186003"
        });
        if none && let Some(a) = out.get_mut(parts[1]) {
            a.gp_says_none = true;
        }
    }
    out
}

fn loadpy_expected(
    dir: &Path,
    names: &[String],
) -> (Vec<String>, Option<String>, BTreeMap<String, BTreeSet<Key>>) {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut expected: BTreeMap<String, BTreeSet<Key>> = BTreeMap::new();
    let mut ordinary = Vec::new();
    let mut big = None;
    for p in manifest["patients"].as_array().unwrap() {
        let nhs = p["nhs_number"].as_str().unwrap().to_string();
        if p["big"].as_bool() == Some(true) {
            big = Some(nhs.clone());
        } else {
            ordinary.push(nhs.clone());
        }
        expected.entry(nhs).or_default();
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        // p000-<nhs>-s<server>-<chunk>.json
        let parts: Vec<&str> = file.trim_end_matches(".json").split('-').collect();
        if parts.len() != 4 || !file.starts_with('p') {
            continue;
        }
        let (nhs, server) = (
            parts[1].to_string(),
            parts[2][1..].parse::<usize>().unwrap(),
        );
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for e in bundle["entry"].as_array().unwrap() {
            let r = &e["resource"];
            let t = r["resourceType"].as_str().unwrap();
            if TIMELINE_TYPES.contains(&t) {
                expected.get_mut(&nhs).unwrap().insert((
                    names[server].clone(),
                    t.to_string(),
                    r["id"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    (ordinary, big, expected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_from_three_real_servers_then_read_offline() {
    let Some(urls) = servers() else { return };
    assert_eq!(urls.len(), 3);
    let demo = demo_sources(0);
    let names: Vec<String> = demo[..3].iter().map(|s| s.name.clone()).collect();
    let kinds = [
        EndpointKind::Hospital,
        EndpointKind::Hospital,
        EndpointKind::Gp,
    ];
    let endpoints: Vec<Endpoint> = urls
        .iter()
        .zip(&names)
        .zip(kinds)
        .map(|((u, n), k)| Endpoint::new(n, k, url::Url::parse(u).unwrap()))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &endpoints, 30);
    let data = tmp.path().join("cache");

    // Before anything is stopped: the doctor reports what these servers really do.
    doctor_reports_what_the_real_server_supports(&config, &data).await;

    // Patients and what the servers hold for them: the demo patients, plus load.py's where present.
    let mut cases: Vec<(String, BTreeSet<Key>)> = crossview::demo::demo_patients()
        .into_iter()
        .map(|p| (p.nhs.clone(), expected_keys(&demo[..3], &p.nhs)))
        .collect();
    let mut allergies = BTreeMap::new();
    if let Ok(dir) = std::env::var("CROSSVIEW_LOADPY_OUT") {
        let (ordinary, big, expected) = loadpy_expected(Path::new(&dir), &names);
        allergies = loadpy_allergies(Path::new(&dir));
        // Every ordinary patient with a conflicting "no known allergy" at the GP, then the first few others.
        let mut chosen: Vec<&String> = ordinary
            .iter()
            .filter(|n| allergies.get(*n).is_some_and(|a| a.gp_says_none))
            .collect();
        let others: Vec<&String> = ordinary
            .iter()
            .filter(|n| !chosen.contains(n))
            .take(4)
            .collect();
        chosen.extend(others);
        for nhs in chosen.into_iter().chain(big.iter()) {
            cases.push((nhs.clone(), expected[nhs].clone()));
        }
        eprintln!(
            "load.py patients checked: {} (big patient {:?})",
            cases.len() - 3,
            big
        );
    } else {
        eprintln!(
            "NOTICE: CROSSVIEW_LOADPY_OUT not set: only the built-in demo data is checked on the real servers"
        );
    }

    let mut online = Vec::new();
    for (nhs, expected) in &cases {
        assert!(
            !expected.is_empty(),
            "{nhs}: the servers hold something for this patient"
        );
        let out = cli(&config, &data, &["sync", "--nhs", nhs]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{nhs}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        let events =
            timeline_json(&cli(&config, &data, &["timeline", "--nhs", nhs, "--json"]).await);
        let got = keys(&events);
        let unique: BTreeSet<Key> = got.iter().cloned().collect();
        assert_eq!(got.len(), unique.len(), "{nhs}: an entry appears twice");
        let missing: Vec<_> = expected.difference(&unique).take(5).collect();
        let extra: Vec<_> = unique.difference(expected).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{nhs}: missing {missing:?}, unexpected {extra:?}"
        );
        // Medicines given by reference are resolved through _include (HFS supports it).
        for e in events
            .iter()
            .filter(|e| e["resource_type"] == "MedicationRequest")
        {
            assert_ne!(e["title"], "Not known", "{nhs}: unresolved medicine {e}");
        }
        // The same allergy, a disorder at hospital B and a substance at the GP: one
        // group carrying both sources; the GP's "no known allergy" beside it is flagged.
        if let Some(a) = allergies.get(nhs) {
            let s: Value = serde_json::from_str(&stdout(
                &cli(&config, &data, &["summary", "--nhs", nhs, "--json"]).await,
            ))
            .unwrap();
            let groups = s["allergies"]["groups"].as_array().unwrap();
            let both = groups.iter().any(|g| {
                g["negation"].is_null()
                    && g["entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["source"] == names[1].as_str())
                    && g["entries"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["source"] == names[2].as_str())
            });
            assert!(
                both,
                "{nhs} ({}): one group with both sources: {groups:#?}",
                a.key
            );
            let conflict = s["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["kind"] == "no-known-allergies-conflict");
            assert_eq!(conflict, a.gp_says_none, "{nhs}: {}", s["flags"]);
            let mut entries = 0;
            for g in groups {
                entries += g["entries"].as_array().unwrap().len();
            }
            let allergy_events = events.iter().filter(|e| e["kind"] == "allergy").count();
            assert_eq!(
                entries, allergy_events,
                "{nhs}: every allergy entry in some group"
            );
        }
        online.push((nhs.clone(), events));
    }

    // A change at a real server: the next sync fetches only what changed
    // (_lastUpdated) and the change is shown, with nothing else lost.
    let servers: Vec<(String, String)> = names.iter().cloned().zip(urls.iter().cloned()).collect();
    incremental_resync_shows_a_change(&config, &data, &servers, &online[0].0, &online[0].1).await;
    online[0].1 = timeline_json(
        &cli(
            &config,
            &data,
            &["timeline", "--nhs", &online[0].0, "--json"],
        )
        .await,
    );

    // Stop every server; the same command prints the same events from the cache.
    if let Ok(stop) = std::env::var("CROSSVIEW_REAL_FHIR_STOP") {
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(&stop)
            .status()
            .unwrap();
        assert!(status.success(), "stopping the servers: {stop}");
        for u in &urls {
            assert!(
                reqwest::get(format!("{u}/metadata")).await.is_err(),
                "{u} still answers"
            );
        }
    } else {
        eprintln!(
            "NOTICE: CROSSVIEW_REAL_FHIR_STOP not set; offline check runs with the servers still up"
        );
    }
    for (nhs, events) in &online {
        let offline =
            timeline_json(&cli(&config, &data, &["timeline", "--nhs", nhs, "--json"]).await);
        assert!(&offline == events, "{nhs}: offline timeline differs");
    }
    let settled = |v: &[Value]| -> Vec<Value> {
        v.iter()
            .map(|e| {
                let mut e = e.clone();
                e.as_object_mut().unwrap().remove("stale");
                e
            })
            .collect()
    };
    // A sync now fails for every endpoint, keeps the cache, and says so (exit 3).
    let (nhs, events) = &online[0];
    let out = cli(&config, &data, &["sync", "--nhs", nhs]).await;
    if std::env::var("CROSSVIEW_REAL_FHIR_STOP").is_ok() {
        assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
        assert_eq!(
            stdout(&out).matches("EndpointUnreachable").count(),
            3,
            "{}",
            stdout(&out)
        );
        let after =
            timeline_json(&cli(&config, &data, &["timeline", "--nhs", nhs, "--json"]).await);
        assert!(settled(&after) == settled(events), "the cache is kept");
        assert!(after.iter().all(|e| e["stale"] == true), "and marked stale");
    }
}

/// `crossview doctor` against Helios FHIR Server: its version and software from
/// /metadata, and, tried, each search Crossview makes, `_include`, paging and
/// `_lastUpdated` (all of which it supports, per ../shared/real-fhir/README.md).
/// A port with nothing behind it is named as such, with exit 3.
async fn doctor_reports_what_the_real_server_supports(config: &Path, data: &Path) {
    let out = cli(config, data, &["doctor", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let reports: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reports.len(), 3);
    for r in &reports {
        assert_eq!(r["ok"], true, "{r:#}");
        assert_eq!(r["fhir_version"], "4.0.1");
        assert!(
            r["software"]
                .as_str()
                .unwrap()
                .starts_with("Helios FHIR Server"),
            "{r:#}"
        );
        let status = |name: &str| -> String {
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap_or_else(|| panic!("no check {name}: {r:#}"))["status"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(status("Patient search by NHS number"), "pass");
        for ty in crossview::sync::SEARCHED_TYPES {
            assert_eq!(status(&format!("{ty} search by patient")), "pass", "{ty}");
        }
        assert_eq!(status("paging (next links)"), "pass");
        assert_eq!(status("_lastUpdated search"), "pass");
        assert_eq!(
            r["will_show"].as_array().unwrap().len(),
            crossview::sync::SEARCHED_TYPES.len()
        );
    }
    // The first server holds orders naming Medications: _include is confirmed there.
    let include = reports[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "_include=MedicationRequest:medication")
        .unwrap();
    assert_eq!(include["status"], "pass", "{include}");

    // Nothing listening: the address step fails and says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let stopped = write_config(
        dir.path(),
        &[Endpoint::new(
            "Stopped Trust",
            EndpointKind::Hospital,
            format!("http://127.0.0.1:{port}").parse().unwrap(),
        )],
        5,
    );
    let out = cli(&stopped, data, &["doctor"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("FAIL address: nothing accepts connections"),
        "{}",
        stdout(&out)
    );
}

async fn incremental_resync_shows_a_change(
    config: &Path,
    data: &Path,
    servers: &[(String, String)],
    nhs: &str,
    before: &[Value],
) {
    let http = reqwest::Client::new();
    let (allergy, base) = before
        .iter()
        .filter(|e| e["resource_type"] == "AllergyIntolerance")
        .find_map(|e| {
            servers
                .iter()
                .find(|(name, _)| e["source"] == name.as_str())
                .map(|(_, url)| (e, url.trim_end_matches('/').to_string()))
        })
        .expect("an allergy at a real server");
    let source = allergy["source_id"].as_str().unwrap().to_string();
    let id = allergy["resource_id"].as_str().unwrap();
    let resource_url = format!("{base}/AllergyIntolerance/{id}");
    let mut resource: Value = http
        .get(&resource_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resource["code"]["text"] = json!("Changed at the server: chlorhexidine allergy");
    let put = http
        .put(&resource_url)
        .header("Content-Type", "application/fhir+json")
        .body(resource.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        put.status().is_success(),
        "PUT {resource_url}: {}",
        put.status()
    );
    let out = cli(config, data, &["sync", "--nhs", nhs, "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for e in report["endpoints"].as_array().unwrap() {
        assert_eq!(
            e["fetch"], "incremental",
            "Helios honours _lastUpdated: {e}"
        );
    }
    let changed = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source_id"] == source.as_str())
        .unwrap();
    assert!(
        changed["counts"]["AllergyIntolerance"].as_u64().unwrap() >= 1,
        "{changed}"
    );
    let after = timeline_json(&cli(config, data, &["timeline", "--nhs", nhs, "--json"]).await);
    assert_eq!(
        keys(&after),
        keys(before),
        "the same entries, none lost or doubled"
    );
    let shown = after
        .iter()
        .find(|e| e["source_id"] == source.as_str() && e["resource_id"] == id)
        .unwrap();
    assert_eq!(
        shown["title"],
        "Changed at the server: chlorhexidine allergy"
    );
}
