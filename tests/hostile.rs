//! Hostile and broken servers, through the real binary: each case fails only
//! its endpoint with a clear code, never crashes Crossview, never costs a byte
//! of what was cached; a sync killed at random points never leaves a mixture;
//! a memory bomb stays bounded; nothing a server writes can drive a terminal.

mod common;

use common::*;
use crossview::config::EndpointKind;
use crossview::demo::{Fault, FixtureServer, demo_sources};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const NHS: &str = "9990000018";

/// The demo's sources, one under a base path like many trusts on one host.
struct Trusts {
    servers: Vec<(String, EndpointKind, FixtureServer)>,
}

impl Trusts {
    async fn start(sources: Vec<crossview::demo::DemoSource>) -> Trusts {
        let mut servers = Vec::new();
        for (i, s) in sources.into_iter().enumerate() {
            let path = if i == 1 { "/hillcrest/fhir" } else { "" };
            let server = FixtureServer::start_at(s.resources, 0, path).await.unwrap();
            servers.push((s.name, s.kind, server));
        }
        Trusts { servers }
    }

    /// A configuration with the GP pinned to R4, so a server answering STU3 is caught.
    fn config(&self, dir: &Path) -> std::path::PathBuf {
        self.config_paged(dir, 3)
    }

    fn config_paged(&self, dir: &Path, page_size: u32) -> std::path::PathBuf {
        let mut t = String::new();
        for (name, kind, server) in &self.servers {
            t.push_str(&format!(
                "[[endpoint]]\nname = \"{name}\"\nkind = \"{}\"\nbase_url = \"{}\"\ntimeout_s = 3\nsync_timeout_s = 60\npage_size = {page_size}\n{}\n",
                kind.as_str(),
                server.base_url(),
                if *kind == EndpointKind::Gp { "fhir_version = \"R4\"\n" } else { "" }
            ));
        }
        let p = dir.join("config.toml");
        std::fs::write(&p, t).unwrap();
        p
    }
}

fn without_volatile(v: &[Value], source: &str) -> Vec<Value> {
    v.iter()
        .filter(|e| e["source"] == source)
        .map(|e| {
            let mut e = e.clone();
            let o = e.as_object_mut().unwrap();
            for k in ["fetched_at", "as_of", "stale"] {
                o.remove(k);
            }
            e
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_server_fails_only_itself_with_a_clear_code_and_costs_nothing_cached() {
    let trusts = Trusts::start(demo_sources(0)).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = trusts.config(tmp.path());
    let data = tmp.path().join("cache");
    let first = cli(&config, &data, &["sync", "--nhs", NHS]).await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&first),
        stderr(&first)
    );
    let baseline = timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);

    // (which server, fault, expected code, what the message must say)
    let cases: Vec<(usize, Fault, &str, &str)> = vec![
        (
            1,
            Fault::NextOtherPath,
            "NonConformantResource",
            "outside this endpoint",
        ),
        (0, Fault::HugeOutcome(10_000), "ServerError", "more issues"),
        (0, Fault::IncludeIntruder, "PatientMismatch", "someone-else"),
        (0, Fault::DeepJson(200), "MalformedResponse", "recursion"),
        (
            1,
            Fault::BadPatientId("p/../../x".into()),
            "DataDisappeared",
            "no longer found",
        ),
        (
            2,
            Fault::ReportsVersion("3.0.1".into()),
            "UnsupportedFhirVersion",
            "configured as R4",
        ),
        (
            0,
            Fault::RetryAfterText("Fri, 31 Dec 9999 23:59:59 GMT".into()),
            "RateLimited",
            "9999",
        ),
        (0, Fault::HugePage(40), "LimitExceeded", "max_response_mib"),
        (2, Fault::GzipBomb(200), "LimitExceeded", "max_response_mib"),
    ];
    for (i, fault, code, says) in cases {
        let (name, _, server) = &trusts.servers[i];
        server.set_fault(fault.clone());
        let out = cli(&config, &data, &["sync", "--nhs", NHS, "--json"]).await;
        server.set_fault(Fault::None);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{fault:?}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        for e in report["endpoints"].as_array().unwrap() {
            if e["source"] == name.as_str() {
                assert_eq!(e["error"]["code"], code, "{fault:?}: {e}");
                let message = e["error"]["message"].as_str().unwrap();
                assert!(message.contains(says), "{fault:?}: {message}");
                assert!(
                    message.len() < 2_000,
                    "{fault:?}: a bounded message ({} bytes)",
                    message.len()
                );
            } else {
                assert_eq!(
                    e["outcome"], "ok",
                    "{fault:?}: only its endpoint fails: {e}"
                );
            }
        }
        let after =
            timeline_json(&cli(&config, &data, &["timeline", "--nhs", NHS, "--json"]).await);
        for (other, _, _) in &trusts.servers {
            assert!(
                without_volatile(&after, other) == without_volatile(&baseline, other),
                "{fault:?}: {other}'s cached entries unchanged"
            );
        }
    }
    // Nothing of the intruder was kept.
    let db = std::fs::read(data.join("crossview.sqlite3")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("Intruder"));
}

/// A gzip bomb of 1.5 GiB against a process limited to 1 GiB of address space:
/// the bomb's endpoint fails, the others complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_fails_its_endpoint_under_a_one_gib_limit() {
    let trusts = Trusts::start(demo_sources(0)).await;
    let tmp = tempfile::tempdir().unwrap();
    let config = trusts.config(tmp.path());
    let data = tmp.path().join("cache");
    let (bomb_name, _, bomb) = &trusts.servers[0];
    bomb.set_fault(Fault::GzipBomb(1536));
    let mut cmd = std::process::Command::new("prlimit");
    cmd.arg("--as=1073741824")
        .arg(bin())
        .args([
            "--config",
            &config.to_string_lossy(),
            "--data-dir",
            &data.to_string_lossy(),
        ])
        .args(["sync", "--nhs", NHS, "--json"])
        .envs(common::test_env())
        .env_remove("CROSSVIEW_CONFIG")
        .env_remove("CROSSVIEW_DATA_DIR");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for e in report["endpoints"].as_array().unwrap() {
        if e["source"] == bomb_name.as_str() {
            assert_eq!(e["error"]["code"], "LimitExceeded", "{e}");
        } else {
            assert_eq!(e["outcome"], "ok", "{e}");
        }
    }
}

fn integrity_ok(data: &Path) {
    let db = common::open_db(data, "crossview.sqlite3");
    let r: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, "ok");
}

/// The ids each source shows, from `timeline --json`.
fn shown(
    events: &[Value],
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for e in events {
        out.entry(e["source"].as_str().unwrap().to_string())
            .or_default()
            .insert(format!(
                "{}/{}/{}",
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str().unwrap(),
                e["title"].as_str().unwrap()
            ));
    }
    out
}

/// `sync` killed with SIGKILL at 20+ points (some during the final commit): the
/// cache stays sound, each source shows its previous or its new data, never a
/// mixture, and the next sync recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_at_random_points_never_leaves_a_mixture() {
    let v1 = demo_sources(1500);
    // The same record one change later: every title of every source edited.
    let v2: Vec<_> = v1
        .iter()
        .cloned()
        .map(|mut s| {
            for r in &mut s.resources {
                if let Some(t) = r.pointer_mut("/code/text") {
                    *t = json!(format!("{} (v2)", t.as_str().unwrap_or_default()));
                }
                if let Some(t) = r.pointer_mut("/type/0/text") {
                    *t = json!(format!("{} (v2)", t.as_str().unwrap_or_default()));
                }
            }
            s
        })
        .collect();
    let big = crossview::demo::data::test_nhs_number(900);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cache");
    let old = Trusts::start(v1).await;
    let config = old.config_paged(tmp.path(), 50);
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", &big])
            .await
            .status
            .code(),
        Some(0)
    );
    let old_cache = tmp.path().join("old");
    copy_dir(&data, &old_cache);
    let before = shown(&timeline_json(
        &cli(&config, &data, &["timeline", "--nhs", &big, "--json"]).await,
    ));
    // The new generation on the same ports.
    let ports: Vec<(u16, String)> = old
        .servers
        .iter()
        .map(|(_, _, s)| (s.addr().port(), s.base_url().path().to_string()))
        .collect();
    for (_, _, s) in old.servers {
        s.stop().await;
    }
    let mut new_servers = Vec::new();
    for (s, (port, path)) in v2.into_iter().zip(&ports) {
        new_servers.push(
            FixtureServer::start_at(s.resources, *port, path)
                .await
                .unwrap(),
        );
    }
    // How long a full sync takes now, measured on a copy of the cache.
    let probe = tmp.path().join("probe");
    copy_dir(&data, &probe);
    let t0 = std::time::Instant::now();
    assert_eq!(
        cli(&config, &probe, &["sync", "--nhs", &big])
            .await
            .status
            .code(),
        Some(0)
    );
    let full = t0.elapsed();
    let after = shown(&timeline_json(
        &cli(&config, &probe, &["timeline", "--nhs", &big, "--json"]).await,
    ));
    assert_ne!(before, after, "the generations differ");

    let kills = 24;
    let mut seen_old = 0;
    let mut seen_new = 0;
    for k in 0..kills {
        // Spread over the whole sync, denser near its end (the final commits).
        let frac = if k % 2 == 0 {
            k as f64 / kills as f64
        } else {
            0.7 + 0.4 * (k as f64 / kills as f64)
        };
        let wait = full.mul_f64(frac);
        let mut child = common::command()
            .args([
                "--config",
                &config.to_string_lossy(),
                "--data-dir",
                &data.to_string_lossy(),
            ])
            .args(["sync", "--nhs", &big])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(wait).await;
        let _ = child.kill();
        let _ = child.wait();
        integrity_ok(&data);
        let now = shown(&timeline_json(
            &cli(&config, &data, &["timeline", "--nhs", &big, "--json"]).await,
        ));
        for (source, ids) in &now {
            let was = before.get(source);
            let will = after.get(source);
            assert!(
                Some(ids) == was || Some(ids) == will,
                "kill {k} at {wait:?}: {source} shows a mixture of generations"
            );
            if Some(ids) == was && was != will {
                seen_old += 1;
            } else {
                seen_new += 1;
            }
        }
        // Put the old data back for the next round half of the time, so kills hit both directions.
        if k % 3 == 2 {
            std::fs::remove_dir_all(&data).unwrap();
            copy_dir(&old_cache, &data);
        }
    }
    eprintln!("{kills} kills: {seen_old} source views still old, {seen_new} already new");
    assert_eq!(
        cli(&config, &data, &["sync", "--nhs", &big])
            .await
            .status
            .code(),
        Some(0),
        "the next sync recovers"
    );
    integrity_ok(&data);
    let recovered = shown(&timeline_json(
        &cli(&config, &data, &["timeline", "--nhs", &big, "--json"]).await,
    ));
    assert_eq!(recovered, after);
    let _ = new_servers;
    let _ = Duration::ZERO;
}

/// Copies a cache directory into a new private one (Crossview refuses a shared one).
fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(to)
        .unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Bytes a terminal would obey: C0 controls (but newline), DEL, C1, bidi controls.
fn obeyed(out: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    let text = String::from_utf8_lossy(out);
    for (i, c) in text.char_indices() {
        let u = c as u32;
        let control = (u < 0x20 && c != '\n') || u == 0x7f || (0x80..=0x9f).contains(&u);
        let bidi = matches!(u, 0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069);
        if control || bidi {
            bad.push(format!("U+{u:04X} at {i}"));
        }
    }
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_server_writes_can_drive_the_terminal() {
    let hostile = "Peanut\r\u{1b}[2K\u{1b}[1ANo known allergies\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}31m\u{202e}nilicinep\u{7f}";
    let resources = vec![
        json!({"resourceType": "Patient", "id": "p\u{202e}x",
               "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
               "name": [{"family": "Ashworth\u{202e}", "given": ["\u{1b}[31mAda"], "prefix": ["Mrs\r"]}],
               "birthDate": "1948-03-02"}),
        json!({"resourceType": "AllergyIntolerance", "id": "a1", "patient": {"reference": "Patient/p"},
               "clinicalStatus": {"coding": [{"code": "active\u{1b}[0m"}]},
               "code": {"text": hostile}, "recordedDate": "2024-01-01"}),
        json!({"resourceType": "MedicationStatement", "id": "m1", "status": "active", "subject": {"reference": "Patient/p"},
               "medicationCodeableConcept": {"text": hostile}, "dosage": [{"text": hostile}]}),
    ];
    // The Patient's id is not a FHIR id: the record is ignored, and says so; a clean one follows.
    let mut resources = resources;
    resources.push(json!({"resourceType": "Patient", "id": "p",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
        "name": [{"family": "Ash\u{202e}worth", "given": ["Ada\u{1b}[2K"]}], "birthDate": "1948-03-02"}));
    let server = FixtureServer::start(resources.clone(), 0).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // The endpoint's own name carries an escape sequence (TOML writes it escaped).
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[endpoint]]\nname = \"Evil\\u001b[2J Trust\"\nkind = \"hospital\"\nbase_url = \"{}\"\ntimeout_s = 5\n",
            server.base_url()
        ),
    )
    .unwrap();
    let data = tmp.path().join("cache");
    let file = tmp.path().join("hostile.json");
    std::fs::write(
        &file,
        json!({"resourceType": "Bundle", "type": "collection",
        "entry": resources.iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
        .to_string(),
    )
    .unwrap();
    let file_s = file.to_string_lossy().to_string();
    for args in [
        vec!["sync", "--nhs", NHS],
        vec!["timeline", "--nhs", NHS],
        vec!["summary", "--nhs", NHS],
        vec!["sources", "--nhs", NHS],
        vec!["discharge", "--nhs", NHS],
        vec!["inspect", file_s.as_str()],
    ] {
        let out = cli(&config, &data, &args).await;
        let bad = obeyed(&out.stdout);
        assert!(
            bad.is_empty(),
            "{args:?} printed {bad:?}:\n{}",
            stdout(&out)
        );
        let bad = obeyed(&out.stderr);
        assert!(bad.is_empty(), "{args:?} printed on stderr {bad:?}");
    }
    // `show` on a terminal (a pseudo-terminal via script(1)) escapes; piped, it is exact.
    let show = format!(
        "{} --config {} --data-dir {} show --nhs {NHS} --source 'Evil\u{1b}[2J Trust' --type AllergyIntolerance --id a1",
        bin(),
        config.display(),
        data.display()
    );
    let tty = tokio::task::spawn_blocking(move || {
        std::process::Command::new("script")
            .envs(common::test_env())
            .args(["-qec", &show, "/dev/null"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    // script's own output ends lines with \r\n; only what the program wrote counts.
    let printed: Vec<u8> = tty.stdout.iter().copied().filter(|b| *b != b'\r').collect();
    assert!(
        obeyed(&printed).is_empty(),
        "{:?}\n{}",
        obeyed(&printed),
        String::from_utf8_lossy(&printed).escape_debug()
    );
    assert!(
        String::from_utf8_lossy(&printed).contains("\\u202e"),
        "{}",
        String::from_utf8_lossy(&printed)
    );
    let piped = cli(
        &config,
        &data,
        &[
            "show",
            "--nhs",
            NHS,
            "--source",
            "Evil\u{1b}[2J Trust",
            "--type",
            "AllergyIntolerance",
            "--id",
            "a1",
        ],
    )
    .await;
    let v: Value = serde_json::from_str(&stdout(&piped)).unwrap();
    assert_eq!(v["code"]["text"], hostile, "piped: exactly as received");
}
