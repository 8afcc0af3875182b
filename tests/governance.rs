//! Information governance through the real binary, real SQLCipher files and
//! loopback fixture servers: encryption at rest, the access basis, one audit
//! entry per action with a verifiable chain, restricted entries and consent,
//! forgetting and retention, and the cache directory's permissions.

mod common;

use common::*;
use crossview::demo::{DemoTrusts, Fault, FixtureServer};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const NHS: &str = "9990000018";
/// Ada's name and clinical text that must never be readable in the files.
const SECRETS: &[&str] = &[
    NHS,
    "ASHWORTH",
    "Penicillin",
    "Psychiatry",
    "sertraline",
    "Latex",
];

/// Runs the binary with the test environment, changed by `env` (`None` removes a variable).
async fn run(config: &Path, data: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut cmd = command();
    cmd.arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("CROSSVIEW_CONFIG")
        .env_remove("CROSSVIEW_DATA_DIR");
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(o), stderr(o));
    stdout(o)
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    v.sort();
    v
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// The whole cache file decrypted with the test key.
fn decrypted(path: &Path) -> Vec<u8> {
    common::sqlcipher_pages::decrypted_pages(path, &hex_bytes(TEST_KEY)).concat()
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

async fn synced_demo(tmp: &Path) -> (DemoTrusts, PathBuf, PathBuf) {
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let config = write_config(tmp, &trusts.endpoints(), 5);
    let data = tmp.join("cache");
    ok(&run(&config, &data, &["sync", "--nhs", NHS], &[]).await);
    (trusts, config, data)
}

fn audit_entries(o: &Output) -> Vec<Value> {
    serde_json::from_str(&ok(o)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_files_hold_nothing_readable_and_forgetting_leaves_no_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let temp_dir = tmp.path().join("tmp");
    std::fs::create_dir(&temp_dir).unwrap();
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    let tmpdir = temp_dir.to_string_lossy().to_string();
    let env = [("TMPDIR", Some(tmpdir.as_str()))];
    ok(&run(&config, &data, &["sync", "--nhs", NHS], &env).await);
    let shown = ok(&run(&config, &data, &["timeline", "--nhs", NHS, "--json"], &env).await);
    assert!(shown.contains("Penicillin"), "the record was read");

    for (path, bytes) in files(&data) {
        for s in SECRETS {
            assert!(!contains(&bytes, s), "{} holds {s}", path.display());
        }
    }
    assert!(
        std::fs::read_dir(&temp_dir).unwrap().next().is_none(),
        "no temporary files"
    );
    // Not vacuous: decrypted with the key, the cache holds the record.
    let plain = decrypted(&data.join("crossview.sqlite3"));
    assert!(contains(&plain, "ASHWORTH") && contains(&plain, "Penicillin"));
    assert!(
        contains(&plain, "penicillin"),
        "the full-text index holds the words"
    );

    let out = ok(&run(&config, &data, &["forget", "--nhs", NHS], &env).await);
    assert!(out.contains("Removed"), "{out}");
    for (path, bytes) in files(&data) {
        for s in SECRETS {
            assert!(
                !contains(&bytes, s),
                "{} holds {s} after forget",
                path.display()
            );
        }
    }
    // Decrypted page by page, nothing of the patient is left in the cache; the
    // audit log (a separate file) keeps the fact that they were forgotten.
    let plain = decrypted(&data.join("crossview.sqlite3"));
    // The full-text index keeps words lower-cased: those go too.
    let lowered: Vec<String> = SECRETS.iter().map(|s| s.to_lowercase()).collect();
    for s in SECRETS
        .iter()
        .copied()
        .chain(lowered.iter().map(String::as_str))
    {
        assert!(
            !contains(&plain, s),
            "decrypted cache holds {s} after forget"
        );
    }
    let wal = data.join("crossview.sqlite3-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    let log = audit_entries(&run(&config, &data, &["audit", "--nhs", NHS, "--json"], &env).await);
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["sync", "timeline", "forget"]);
    let timeline = ok(&run(&config, &data, &["timeline", "--nhs", NHS, "--json"], &env).await);
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&timeline).unwrap(),
        Vec::<Value>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_malformed_key_is_refused_and_the_files_stay_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let before = files(&data);
    let wrong = "77".repeat(32);
    let out = run(
        &config,
        &data,
        &["timeline", "--nhs", NHS],
        &[("CROSSVIEW_DB_KEY", Some(&wrong))],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("CacheKeyWrong"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&wrong) && !stderr(&out).contains(TEST_KEY));
    let out = run(
        &config,
        &data,
        &["sync", "--nhs", NHS],
        &[("CROSSVIEW_DB_KEY", Some(&wrong))],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(
        &config,
        &data,
        &["audit", "verify"],
        &[("CROSSVIEW_DB_KEY", Some("not a key"))],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("64 hexadecimal digits"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        files(&data),
        before,
        "nothing in the cache directory changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_access_basis_nothing_is_read_or_fetched() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let no_basis = [("CROSSVIEW_ACCESS_BASIS", None)];
    for args in [
        vec!["sync", "--nhs", NHS],
        vec!["timeline", "--nhs", NHS],
        vec!["summary", "--nhs", NHS, "--json"],
        vec!["discharge", "--nhs", NHS],
        vec!["sources", "--nhs", NHS],
        vec![
            "show",
            "--nhs",
            NHS,
            "--source",
            "Meadow Lane Surgery",
            "--type",
            "Patient",
            "--id",
            "ml0-pat",
        ],
    ] {
        let out = run(&config, &data, &args, &no_basis).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("--basis") && err.contains("CROSSVIEW_ACCESS_BASIS"),
            "{err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?} printed {}", stdout(&out));
    }
    // Emergency access needs a reason; with one it works and both are recorded.
    let out = run(
        &config,
        &data,
        &["--basis", "emergency", "timeline", "--nhs", NHS],
        &no_basis,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("reason"), "{}", stderr(&out));
    ok(&run(
        &config,
        &data,
        &[
            "--basis",
            "emergency",
            "--reason",
            "unconscious in ED",
            "summary",
            "--nhs",
            NHS,
        ],
        &no_basis,
    )
    .await);
    let log = audit_entries(&run(&config, &data, &["audit", "--json"], &[]).await);
    let refused = log
        .iter()
        .filter(|e| e["outcome"].as_str().unwrap().starts_with("refused"))
        .count();
    assert_eq!(refused, 6, "each refusal is recorded");
    let last = log.last().unwrap();
    assert_eq!(last["action"], "summary");
    assert_eq!(last["basis"], "emergency");
    assert_eq!(last["reason"], "unconscious in ED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_writes_one_entry_and_tampering_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let count = |o: Output| audit_entries(&o).len();
    let mut n = count(run(&config, &data, &["audit", "--json"], &[]).await);
    assert_eq!(n, 1, "the sync");
    let timeline: Vec<Value> = serde_json::from_str(&ok(&run(
        &config,
        &data,
        &["timeline", "--nhs", NHS, "--json"],
        &[],
    )
    .await))
    .unwrap();
    let masked = timeline
        .iter()
        .find(|e| e["restricted"]["masked"] == true)
        .expect("the demo's restricted letter");
    let handle = masked["resource_id"].as_str().unwrap().to_string();
    n += 1; // That read was an action too.
    let doc = timeline
        .iter()
        .find(|e| e["kind"] == "discharge" || e["resource_type"] == "Composition")
        .unwrap();
    let actions: Vec<Vec<String>> = vec![
        vec!["timeline", "--nhs", NHS],
        vec!["summary", "--nhs", NHS],
        vec!["discharge", "--nhs", NHS, "--json"],
        vec!["sources", "--nhs", NHS],
        vec![
            "show",
            "--nhs",
            NHS,
            "--source",
            doc["source_id"].as_str().unwrap(),
            "--type",
            doc["resource_type"].as_str().unwrap(),
            "--id",
            doc["resource_id"].as_str().unwrap(),
        ],
        vec![
            "--reason",
            "checking antidepressant before prescribing",
            "reveal",
            "--nhs",
            NHS,
            "--source",
            masked["source_id"].as_str().unwrap(),
            "--type",
            "DocumentReference",
            "--entry",
            &handle,
        ],
        vec!["sync", "--nhs", NHS],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for a in &actions {
        let args: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = ok(&run(&config, &data, &args, &[]).await);
        if a.contains(&"reveal".to_string()) {
            assert!(out.contains("Psychiatry review letter"), "{out}");
        }
        let now = count(run(&config, &data, &["audit", "--json"], &[]).await);
        assert_eq!(now, n + 1, "{a:?} writes exactly one entry");
        n = now;
    }
    let log = audit_entries(&run(&config, &data, &["audit", "--json"], &[]).await);
    let reveal = log.iter().find(|e| e["action"] == "reveal").unwrap();
    assert!(
        reveal["detail"]
            .as_str()
            .unwrap()
            .contains("checking antidepressant"),
        "{reveal}"
    );
    assert_eq!(reveal["nhs_number"], NHS);
    assert!(reveal["os_user"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(ok(&run(&config, &data, &["audit", "verify"], &[]).await).contains("intact"));

    // One byte of one entry changed (decrypt, edit, re-encrypt with the key): exit 4 naming it.
    let tamper = |sql: &str| {
        let db = open_db(&data, "audit.sqlite3");
        db.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; {sql}"
        ))
        .unwrap();
    };
    let copy = tmp.path().join("pristine");
    copy_private(&data, &copy);
    tamper("UPDATE audit SET outcome = 'oK' WHERE seq = 3;");
    let out = run(&config, &data, &["audit", "verify"], &[]).await;
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    assert!(stdout(&out).contains("entry 3"), "{}", stdout(&out));

    for (sql, bad) in [
        ("DELETE FROM audit WHERE seq = 4;", "entry 4"),
        (
            &format!("DELETE FROM audit WHERE seq = {n};") as &str,
            "missing",
        ),
    ] {
        std::fs::remove_dir_all(&data).unwrap();
        copy_private(&copy, &data);
        tamper(sql);
        let out = run(&config, &data, &["audit", "verify"], &[]).await;
        assert_eq!(out.status.code(), Some(4), "{sql}: {}", stdout(&out));
        assert!(stdout(&out).contains(bad), "{sql}: {}", stdout(&out));
    }
}

fn copy_private(from: &Path, to: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(to).unwrap();
    for (p, bytes) in files(from) {
        std::fs::write(to.join(p.file_name().unwrap()), bytes).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_changes_the_key_of_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let out = ok(&run(&config, &data, &["rekey"], &[]).await);
    let new = out
        .lines()
        .find(|l| l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .expect("the new key, once")
        .to_string();
    let old = run(&config, &data, &["timeline", "--nhs", NHS], &[]).await;
    assert!(stderr(&old).contains("CacheKeyWrong"), "{}", stderr(&old));
    let with_new = [("CROSSVIEW_DB_KEY", Some(new.as_str()))];
    assert!(
        ok(&run(&config, &data, &["timeline", "--nhs", NHS], &with_new).await).contains("ASHWORTH")
    );
    let log = audit_entries(&run(&config, &data, &["audit", "--json"], &with_new).await);
    assert!(
        log.iter()
            .any(|e| e["action"] == "rekey" && e["outcome"] == "ok")
    );
    ok(&run(&config, &data, &["audit", "verify"], &with_new).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_entries_are_masked_everywhere_until_revealed() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let outputs = [
        ok(&run(&config, &data, &["timeline", "--nhs", NHS, "--json"], &[]).await),
        ok(&run(&config, &data, &["timeline", "--nhs", NHS], &[]).await),
        ok(&run(&config, &data, &["summary", "--nhs", NHS, "--json"], &[]).await),
        ok(&run(&config, &data, &["summary", "--nhs", NHS], &[]).await),
        ok(&run(&config, &data, &["discharge", "--nhs", NHS, "--json"], &[]).await),
        ok(&run(&config, &data, &["sources", "--nhs", NHS, "--json"], &[]).await),
    ];
    for o in &outputs {
        for secret in ["Psychiatry", "sertraline", "PSY)"] {
            assert!(!o.contains(secret), "{secret} shown: {o}");
        }
    }
    let timeline: Vec<Value> = serde_json::from_str(&outputs[0]).unwrap();
    let masked: Vec<&Value> = timeline
        .iter()
        .filter(|e| !e["restricted"].is_null())
        .collect();
    assert_eq!(masked.len(), 1);
    let m = masked[0];
    assert_eq!(
        m["title"],
        "Restricted entry from Northgate Mental Health Trust"
    );
    assert_eq!(m["kind"], "document");
    assert!(m["date"].is_string() && m["detail"].is_null() && m["codes"] == json!([]));
    assert!(
        m["resource_id"]
            .as_str()
            .unwrap()
            .starts_with("restricted-")
    );
    // The text outputs say that something is restricted and how to see it.
    assert!(
        outputs[1].contains("RESTRICTED: 1 entry is masked"),
        "{}",
        outputs[1]
    );
    // The raw resource is refused until revealed; a reveal needs a reason.
    let show = run(
        &config,
        &data,
        &[
            "show",
            "--nhs",
            NHS,
            "--source",
            "northgate-mental-health-trust",
            "--type",
            "DocumentReference",
            "--id",
            "ng0-doc-3",
        ],
        &[],
    )
    .await;
    assert_eq!(show.status.code(), Some(1), "{}", stdout(&show));
    assert!(
        stderr(&show).contains("RestrictedEntry"),
        "{}",
        stderr(&show)
    );
    let handle = m["resource_id"].as_str().unwrap();
    let reveal = [
        "reveal",
        "--nhs",
        NHS,
        "--source",
        "northgate-mental-health-trust",
        "--type",
        "DocumentReference",
        "--entry",
        handle,
        "--json",
    ];
    let out = run(&config, &data, &reveal, &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut with_reason = vec!["--reason", "medicines reconciliation"];
    with_reason.extend(reveal);
    let shown: Value =
        serde_json::from_str(&ok(&run(&config, &data, &with_reason, &[]).await)).unwrap();
    assert_eq!(shown["title"], "Psychiatry review letter");
    assert_eq!(shown["restricted"]["masked"], false);
    assert!(
        shown["restricted"]["labels"]
            .to_string()
            .contains("psychiatry information (PSY)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_withholds_the_letter_and_its_encounter_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    let sources: Vec<Value> = serde_json::from_str(&ok(&run(
        &config,
        &data,
        &["sources", "--nhs", NHS, "--json"],
        &[],
    )
    .await))
    .unwrap();
    let hill = sources
        .iter()
        .find(|s| s["source"] == "Hillcrest Community Trust")
        .unwrap();
    let notes = hill["consent"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{hill}");
    assert_eq!(notes[0]["applied"], true);
    assert_eq!(
        notes[0]["withheld"],
        json!({"DocumentReference": 1, "Encounter": 1})
    );
    let timeline: Vec<Value> = serde_json::from_str(&ok(&run(
        &config,
        &data,
        &["timeline", "--nhs", NHS, "--json"],
        &[],
    )
    .await))
    .unwrap();
    let hill_entries: Vec<&Value> = timeline
        .iter()
        .filter(|e| e["source"] == "Hillcrest Community Trust")
        .collect();
    assert_eq!(hill_entries.len(), 1, "only the allergy: {hill_entries:?}");
    assert_eq!(hill_entries[0]["kind"], "allergy");
    // Not kept either: the cache has no copy to show.
    for (ty, id) in [
        ("Encounter", "hc0-enc-2"),
        ("DocumentReference", "hc0-doc-3"),
    ] {
        let out = run(
            &config,
            &data,
            &[
                "show",
                "--nhs",
                NHS,
                "--source",
                "Hillcrest Community Trust",
                "--type",
                ty,
                "--id",
                id,
            ],
            &[],
        )
        .await;
        assert!(
            stderr(&out).contains("NotInCache"),
            "{ty}: {}",
            stderr(&out)
        );
    }
    let db = open_db(&data, "crossview.sqlite3");
    let kept: i64 = db
        .query_row(
            "SELECT count(*) FROM resource WHERE id IN ('hc0-doc-3', 'hc0-enc-2')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 0, "withheld resources are not kept");
    let consents: i64 = db
        .query_row(
            "SELECT count(*) FROM resource WHERE resource_type = 'Consent'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(consents, 1, "the consent itself is kept, as sent");
    let text = ok(&run(&config, &data, &["summary", "--nhs", NHS], &[]).await);
    assert!(
        text.contains("CONSENT RESTRICTION at Hillcrest Community Trust"),
        "{text}"
    );
}

/// An STU3 GP that labels a problem very restricted, and an R4 trust with a
/// consent limited to named people (not interpretable: a warning, nothing hidden).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stu3_labels_are_masked_and_a_consent_that_cannot_be_read_hides_nothing() {
    let patient = |id: &str| {
        json!({"resourceType": "Patient", "id": id, "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
               "name": [{"family": "ASHWORTH", "given": ["Ada"]}], "birthDate": "1948-03-02"})
    };
    let gp = FixtureServer::start(
        vec![
            patient("gp-p"),
            json!({"resourceType": "Condition", "id": "c-hiv", "meta": {"security": [{"system": "http://hl7.org/fhir/v3/Confidentiality", "code": "V"}]},
                   "clinicalStatus": "active", "code": {"text": "Sensitive diagnosis text"}, "subject": {"reference": "Patient/gp-p"}, "assertedDate": "2020-02-02"}),
            json!({"resourceType": "Condition", "id": "c-ht", "clinicalStatus": "active", "code": {"text": "Hypertension"},
                   "subject": {"reference": "Patient/gp-p"}, "assertedDate": "2019-01-01"}),
        ],
        0,
    )
    .await
    .unwrap();
    gp.set_fault(Fault::ReportsVersion("3.0.1".into()));
    let trust = FixtureServer::start(
        vec![
            patient("t-p"),
            json!({"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"}, "subject": {"reference": "Patient/t-p"}, "period": {"start": "2025-01-01"}}),
            json!({"resourceType": "Consent", "id": "k1", "status": "active", "patient": {"reference": "Patient/t-p"},
                   "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
                   "provision": {"type": "deny", "actor": [{"reference": {"reference": "Practitioner/dr-x"}}],
                                 "data": [{"meaning": "instance", "reference": {"reference": "Encounter/e1"}}]}}),
        ],
        0,
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[endpoint]]\nname = \"GP\"\nkind = \"gp\"\nbase_url = \"{}\"\nfhir_version = \"STU3\"\n\n[[endpoint]]\nname = \"Trust\"\nkind = \"hospital\"\nbase_url = \"{}\"\n",
            gp.base_url(),
            trust.base_url()
        ),
    )
    .unwrap();
    let data = tmp.path().join("cache");
    ok(&run(&config, &data, &["sync", "--nhs", NHS], &[]).await);
    let timeline = ok(&run(&config, &data, &["timeline", "--nhs", NHS, "--json"], &[]).await);
    assert!(!timeline.contains("Sensitive diagnosis"), "{timeline}");
    assert!(timeline.contains("Restricted entry from GP") && timeline.contains("Hypertension"));
    let events: Vec<Value> = serde_json::from_str(&timeline).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["source"] == "Trust" && e["resource_id"] == "e1"),
        "nothing hidden"
    );
    let text = ok(&run(&config, &data, &["timeline", "--nhs", NHS], &[]).await);
    assert!(
        text.contains("WARNING CONSENT NOT APPLIED at Trust"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_directory_is_private_and_a_shared_one_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    // Under umask 022, as most desktops run.
    let under_umask = |data: &Path, args: &[&str]| {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg("umask 022 && exec \"$@\"")
            .arg("sh")
            .arg(bin())
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .envs(test_env());
        cmd.output().unwrap()
    };
    let data = tmp.path().join("new/cache");
    let out = tokio::task::block_in_place(|| under_umask(&data, &["sync", "--nhs", NHS]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(
        mode(&tmp.path().join("new")),
        0o700,
        "parents Crossview created too"
    );
    for (p, _) in files(&data) {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }

    // An existing directory open to others is refused and left as it was.
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = tokio::task::block_in_place(|| under_umask(&shared, &["timeline", "--nhs", NHS]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CacheDirUnsafe") && stderr(&out).contains("0755"),
        "{}",
        stderr(&out)
    );
    assert_eq!(mode(&shared), 0o755);
    assert!(std::fs::read_dir(&shared).unwrap().next().is_none());

    // `--data-dir /tmp` does not change /tmp.
    let before = std::fs::metadata("/tmp").unwrap();
    let out =
        tokio::task::block_in_place(|| under_umask(Path::new("/tmp"), &["timeline", "--nhs", NHS]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("CacheDirUnsafe"), "{}", stderr(&out));
    let after = std::fs::metadata("/tmp").unwrap();
    assert_eq!(before.permissions().mode(), after.permissions().mode());
    assert!(!Path::new("/tmp/crossview.sqlite3").exists());

    // A private directory that belongs to someone else.
    if rustix::process::geteuid().is_root() {
        let theirs = tmp.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        let out = tokio::task::block_in_place(|| under_umask(&theirs, &["timeline", "--nhs", NHS]));
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("another user"), "{}", stderr(&out));
    } else {
        eprintln!("NOTICE: not root: the other-owner case is not checked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_not_opened_for_the_retention_period_is_removed_and_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let (_trusts, config, data) = synced_demo(tmp.path()).await;
    // Ada was last opened 31 days ago (the default retention is 30 days).
    let db = open_db(&data, "crossview.sqlite3");
    let old = (chrono::Utc::now() - chrono::Duration::days(31)).to_rfc3339();
    db.execute("UPDATE patient_access SET last_opened = ?1", [old])
        .unwrap();
    drop(db);
    let log = audit_entries(&run(&config, &data, &["audit", "--json"], &[]).await);
    let expired = log
        .iter()
        .find(|e| e["action"] == "expire")
        .expect("an expire entry");
    assert_eq!(expired["nhs_number"], NHS);
    let plain = decrypted(&data.join("crossview.sqlite3"));
    assert!(!contains(&plain, "ASHWORTH") && !contains(&plain, "Penicillin"));
    ok(&run(&config, &data, &["audit", "verify"], &[]).await);
}

/// With an OS keyring (GNOME Keyring on a private D-Bus session), the key is
/// created there on first use and never written anywhere else; without one and
/// without `CROSSVIEW_DB_KEY`, Crossview says so by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_lives_in_the_os_keyring_when_there_is_one() {
    let tmp = tempfile::tempdir().unwrap();
    let trusts = DemoTrusts::start(0, None).await.unwrap();
    let config = write_config(tmp.path(), &trusts.endpoints(), 5);
    let data = tmp.path().join("cache");
    let home = tmp.path().join("home");
    let script = format!(
        "cv() {{ \"{bin}\" --config \"{config}\" --data-dir \"{data}\" \"$@\"; }}
         cv sync --nhs {NHS} >/dev/null || exit 11
         cv timeline --nhs {NHS} | grep -q ASHWORTH || exit 12
         cv rekey | grep -q 'kept in the OS keyring' || exit 13
         cv timeline --nhs {NHS} | grep -q ASHWORTH || exit 14
         cv audit verify >/dev/null || exit 15",
        bin = bin(),
        config = config.display(),
        data = data.display(),
    );
    let Some(out) = tokio::task::block_in_place(|| {
        in_keyring_session(&script, &home, &[("CROSSVIEW_ACCESS_BASIS", "direct-care")])
    }) else {
        return;
    };
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // No key (64 hex digits) is written in the cache directory or beside the configuration.
    let hex_run = |b: &[u8]| {
        b.windows(64).any(|w| {
            w.iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        })
    };
    for (p, bytes) in files(&data).into_iter().chain(files(tmp.path())) {
        assert!(!hex_run(&bytes), "{}", p.display());
    }
    // No keyring now (no session bus) and no variable: refused, by name.
    let out = run(
        &config,
        &data,
        &["timeline", "--nhs", NHS],
        &[
            ("CROSSVIEW_DB_KEY", None),
            ("DBUS_SESSION_BUS_ADDRESS", Some("unix:path=/nonexistent")),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CacheKeyMissing") && stderr(&out).contains("CROSSVIEW_DB_KEY"),
        "{}",
        stderr(&out)
    );
}

/// A discharge summary nobody restricted, on a stay that also holds a
/// psychiatry-labelled letter and refers to a labelled prescription: the reader
/// shows the summary, never what the labelled resources say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discharge_summary_never_carries_restricted_entries_it_refers_to() {
    use base64::Engine;
    let psy =
        json!([{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"}]);
    let secret = base64::engine::general_purpose::STANDARD.encode("SECRET-PSY-LETTER");
    let server = FixtureServer::start(
        vec![
            json!({"resourceType": "Patient", "id": "p", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS}],
                   "name": [{"family": "ASHWORTH", "given": ["Ada"]}], "birthDate": "1948-03-02"}),
            json!({"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p"},
                   "class": {"code": "IMP"}, "period": {"start": "2026-09-08T10:00:00Z", "end": "2026-09-12T15:00:00Z"}}),
            json!({"resourceType": "Composition", "id": "c1", "status": "final", "subject": {"reference": "Patient/p"},
                   "type": {"coding": [{"system": "http://snomed.info/sct", "code": "373942005", "display": "Discharge summary"}]},
                   "encounter": {"reference": "Encounter/e1"}, "date": "2026-09-12T16:00:00Z", "title": "Discharge summary",
                   "section": [{"title": "Medications", "entry": [{"reference": "MedicationRequest/mr-psy"}]}]}),
            json!({"resourceType": "MedicationRequest", "id": "mr-psy", "status": "active", "intent": "order", "meta": {"security": psy},
                   "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": {"text": "SECRET-DRUG"}, "authoredOn": "2026-09-12"}),
            json!({"resourceType": "DocumentReference", "id": "d-psy", "status": "current", "subject": {"reference": "Patient/p"},
                   "securityLabel": [{"coding": psy}], "description": "SECRET-TITLE", "date": "2026-09-12T17:00:00Z",
                   "type": {"text": "Letter"}, "context": {"encounter": [{"reference": "Encounter/e1"}]},
                   "content": [{"attachment": {"contentType": "text/plain", "title": "SECRET-ATTACHMENT", "data": secret}}]}),
        ],
        0,
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[endpoint]]\nname = \"Riverside\"\nkind = \"hospital\"\nbase_url = \"{}\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    let data = tmp.path().join("cache");
    ok(&run(&config, &data, &["sync", "--nhs", NHS], &[]).await);
    for args in [
        vec!["discharge", "--nhs", NHS, "--json"],
        vec!["discharge", "--nhs", NHS],
    ] {
        let out = ok(&run(&config, &data, &args, &[]).await);
        assert!(out.contains("Discharge summary"), "{out}");
        for leak in ["SECRET", secret.as_str()] {
            assert!(!out.contains(leak), "{args:?} shows {leak}:\n{out}");
        }
    }
}
