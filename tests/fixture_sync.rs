//! Sync over real loopback HTTP against the fixture trusts, through the real
//! binary: completeness, offline reading, and every injected fault.

mod common;

use common::*;
use crossview::demo::{DemoTrusts, Fault, demo_sources};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const NHS: &str = "9990000018";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_lists_every_resource_once_with_its_source_and_works_offline() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");

    let out = cli(&config, &data, &["sync", "--nhs", "999 000 0018"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    for src in demo_sources(0) {
        assert!(
            stdout(&out).contains(&src.name),
            "summary names {}",
            src.name
        );
    }

    let online = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    let got = keys(&online);
    let unique: BTreeSet<_> = got.iter().cloned().collect();
    assert_eq!(got.len(), unique.len(), "no entry twice");
    assert_eq!(
        unique,
        expected_keys(&demo_sources(0), NHS),
        "every resource, with the right source"
    );
    for e in &online {
        for field in [
            "kind",
            "date",
            "title",
            "status",
            "source",
            "resource_type",
            "resource_id",
        ] {
            assert!(e.get(field).is_some(), "{field} missing in {e}");
        }
    }
    // Newest first.
    let dates: Vec<&str> = online.iter().filter_map(|e| e["date"].as_str()).collect();
    let parsed: Vec<_> = dates
        .iter()
        .map(|d| crossview::timeline::date::FhirDate::parse(d).unwrap().start)
        .collect();
    assert!(
        parsed.windows(2).all(|w| w[0] >= w[1]),
        "sorted newest first"
    );
    // Medicines referenced as Medication resources show the medicine's name.
    assert!(
        online
            .iter()
            .filter(|e| e["resource_type"] == "MedicationRequest")
            .all(|e| e["title"].as_str().unwrap().contains("mg"))
    );

    // Filters.
    let discharges = timeline_json(
        &cli(
            &config,
            &data,
            &["timeline", "--nhs", NHS, "--kind", "discharge", "--json"],
        )
        .await,
    );
    assert!(!discharges.is_empty());
    assert!(discharges.iter().all(|e| e["kind"] == "discharge"));
    let gp = timeline_json(
        &cli(
            &config,
            &data,
            &[
                "timeline",
                "--nhs",
                NHS,
                "--source",
                "Meadow Lane Surgery",
                "--json",
            ],
        )
        .await,
    );
    assert!(!gp.is_empty() && gp.iter().all(|e| e["source"] == "Meadow Lane Surgery"));

    // Offline: every server stopped, the same events come back from the cache.
    drop(trusts);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let offline = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    assert!(
        offline == online,
        "offline timeline differs from the online one"
    );
    let text = cli(&config, &data, &["timeline", "--nhs", NHS]).await;
    assert!(stdout(&text).contains("ASHWORTH, Ada"), "{}", stdout(&text));
    assert!(stdout(&text).contains("NHS No. 999 000 0018"));
    assert!(stdout(&text).contains("Born 02-Mar-1948"));
}

fn without_fetch_time(v: &[serde_json::Value]) -> Vec<serde_json::Value> {
    v.iter()
        .map(|e| {
            let mut e = e.clone();
            let o = e.as_object_mut().unwrap();
            for volatile in ["fetched_at", "as_of", "stale"] {
                o.remove(volatile);
            }
            e
        })
        .collect()
}

fn without_stale(v: &[serde_json::Value]) -> Vec<serde_json::Value> {
    v.iter()
        .map(|e| {
            let mut e = e.clone();
            e.as_object_mut().unwrap().remove("stale");
            e
        })
        .collect()
}

struct Case {
    fault: Fault,
    code: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_fails_only_its_endpoint_and_keeps_its_earlier_cache() {
    let cases = [
        Case {
            fault: Fault::Delay(Duration::from_secs(3)),
            code: "EndpointTimeout",
        },
        Case {
            fault: Fault::Status(500),
            code: "ServerError",
        },
        Case {
            fault: Fault::HtmlError,
            code: "NotFhirResponse",
        },
        Case {
            fault: Fault::TruncatedJson,
            code: "MalformedResponse",
        },
        Case {
            fault: Fault::NextLoop,
            code: "PagingLoop",
        },
        Case {
            fault: Fault::WrongPatient,
            code: "PatientMismatch",
        },
        Case {
            fault: Fault::RateLimited {
                times: 100,
                retry_after_s: 1,
            },
            code: "RateLimited",
        },
        Case {
            fault: Fault::ForeignNext,
            code: "NonConformantResource",
        },
    ];
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 1);
    let data = tmp.path().join("cache");
    let first = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let baseline = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    let (bad_source, bad_server) = &trusts.servers[1];

    for case in cases {
        bad_server.set_fault(case.fault.clone());
        let out = cli(&config, &data, &["sync", "--nhs", NHS]).await;
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(3), "{:?}: {text}", case.fault);
        let line = text
            .lines()
            .find(|l| l.contains("FAILED"))
            .unwrap_or_else(|| panic!("{:?}: no FAILED line in {text}", case.fault));
        assert!(
            line.contains(&bad_source.name),
            "{:?}: names the endpoint: {line}",
            case.fault
        );
        assert!(
            line.contains(case.code),
            "{:?}: names the cause {}: {line}",
            case.fault,
            case.code
        );
        assert_eq!(
            text.matches("FAILED").count(),
            1,
            "only one endpoint failed: {text}"
        );

        let after =
            timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
        // The other endpoints were re-fetched (new fetched_at); the failing one is untouched to the byte.
        assert!(
            without_fetch_time(&after) == without_fetch_time(&baseline),
            "{:?}: every endpoint's data complete",
            case.fault
        );
        let of_bad = |v: &[serde_json::Value]| {
            v.iter()
                .filter(|e| e["source"] == bad_source.name.as_str())
                .cloned()
                .collect::<Vec<_>>()
        };
        assert!(!of_bad(&baseline).is_empty());
        assert!(
            of_bad(&without_stale(&after)) == of_bad(&without_stale(&baseline)),
            "{:?}: the failing endpoint's earlier cache intact",
            case.fault
        );
        assert!(
            of_bad(&after).iter().all(|e| e["stale"] == true),
            "{:?}: its entries are marked stale",
            case.fault
        );

        let sources: Vec<serde_json::Value> = serde_json::from_str(&stdout(
            &cli(&config, &data, &["sources", "--nhs", NHS, "--json"]).await,
        ))
        .unwrap();
        let s = sources
            .iter()
            .find(|s| s["source"] == bad_source.name.as_str())
            .unwrap();
        assert_eq!(s["stale"], true);
        assert_eq!(s["last_outcome"], "failed");
        assert_eq!(s["last_error_code"], case.code);
        assert!(
            s["last_success"].is_string(),
            "the time of the data shown is kept"
        );
        bad_server.set_fault(Fault::None);
    }
    // Once the fault clears the endpoint is fresh again.
    let out = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_retried_after_the_time_the_server_asks() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    let server = &trusts.servers[0].1;
    server.set_fault(Fault::RateLimited {
        times: 2,
        retry_after_s: 1,
    });
    let before = server.requests();
    let t0 = Instant::now();
    let out = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "waited Retry-After twice"
    );
    assert!(
        server.requests() - before >= 3,
        "two refusals and a retry at least"
    );
    let events = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    assert_eq!(
        keys(&events).into_iter().collect::<BTreeSet<_>>(),
        expected_keys(&demo_sources(0), NHS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_patient_resource_is_never_stored_or_shown() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    trusts.servers[1].1.set_fault(Fault::WrongPatient);
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    let out = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let bad = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["outcome"] == "failed")
        .unwrap();
    assert_eq!(bad["error"]["code"], "PatientMismatch");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("intruder-1")
    );
    assert_eq!(bad["rejected"], 1);
    let events = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
    assert!(
        events
            .iter()
            .all(|e| e["resource_id"] != "intruder-1" && e["title"] != "Peanut allergy")
    );
    // Nothing of the other patient is in the cache file at all.
    let db = std::fs::read(data.join("crossview.sqlite3")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("Peanut allergy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_follow_the_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cache");
    let missing = tmp.path().join("none.toml");
    // Invalid NHS number: usage error 2, message says why.
    let out = cli(&missing, &data, &["sync", "--nhs", "943 476 5918"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("check digit"), "{}", stderr(&out));
    // Missing configuration: 1, names the file.
    let out = cli(&missing, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("none.toml"), "{}", stderr(&out));
    // Bad configuration: 1, names file, line and field.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[[endpoint]]\nname = \"A\"\nkind = \"hospital\"\nbase_url = \"http://127.0.0.1:1\"\npage_sise = 5\n").unwrap();
    let out = cli(&bad, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml, line 5") && err.contains("page_sise"),
        "{err}"
    );
    // Every endpoint unreachable: 3, cache untouched, timeline still answers (empty).
    std::fs::write(&bad, "[[endpoint]]\nname = \"Gone\"\nkind = \"gp\"\nbase_url = \"http://127.0.0.1:9\"\ntimeout_s = 1\n").unwrap();
    let out = cli(&bad, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("EndpointUnreachable"),
        "{}",
        stdout(&out)
    );
    let out = cli(&bad, &data, &["timeline", "--nhs", NHS, "--json"]).await;
    assert_eq!(timeline_json(&out), Vec::<serde_json::Value>::new());
}

/// Every request carries its own `X-Request-ID` (a UUID), and an error about a
/// request quotes the id the server saw, so the two logs can be matched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_carries_a_new_request_id_and_errors_quote_it() {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    let hill = &trusts.servers[1].1;
    hill.set_fault(Fault::Status(500));
    let out = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let mut all = Vec::new();
    for (_, server) in &trusts.servers {
        all.extend(server.request_ids());
    }
    assert!(all.len() >= 12, "{all:?}");
    let uuid = |s: &str| {
        s.len() == 36
            && s.chars().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                14 => c == '4',
                _ => c.is_ascii_hexdigit(),
            })
    };
    assert!(all.iter().all(|id| uuid(id)), "{all:?}");
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a new id per request");
    // The failed request's id is in the message, and it is one Hillcrest received.
    let text = format!("{}{}", stdout(&out), stderr(&out));
    let received = hill.request_ids();
    assert!(
        received.iter().any(|id| text.contains(id.as_str())),
        "no X-Request-ID Hillcrest received is quoted:\n{text}"
    );
    assert!(text.contains("X-Request-ID"), "{text}");
}

/// `timeline --limit/--offset/--search`: pages of the same timeline, read from
/// the cache's index; a search finds entries by the start of their words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_is_read_a_page_at_a_time_and_searched() {
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
    let all = keys(&timeline_json(
        &cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await,
    ));
    assert!(all.len() > 10);
    let mut paged = Vec::new();
    for offset in (0..all.len()).step_by(4) {
        let offset = offset.to_string();
        let args = [
            "timeline", "--nhs", NHS, "--json", "--limit", "4", "--offset", &offset,
        ];
        paged.extend(keys(&timeline_json(&cli(&config, &data, &args).await)));
    }
    assert_eq!(
        paged, all,
        "pages join up into the whole timeline, in order"
    );

    let found = timeline_json(
        &cli(
            &config,
            &data,
            &["timeline", "--nhs", NHS, "--json", "--search", "penic"],
        )
        .await,
    );
    assert!(!found.is_empty());
    assert!(found.iter().all(|e| {
        e["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("penic")
            || e["detail"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .contains("penic")
    }));
    let text = stdout(&cli(&config, &data, &["timeline", "--nhs", NHS, "--limit", "2"]).await);
    assert!(
        text.contains(&format!("Entries 1–2 of {} matching.", all.len())),
        "{text}"
    );
}
