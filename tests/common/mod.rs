//! Shared helpers for integration tests: real loopback servers, real SQLite
//! files in temporary directories, and the real `crossview` binary.
#![allow(dead_code)]

pub mod gp_connect;
pub mod sqlcipher_pages;
pub mod tls;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use crossview::config::Endpoint;
use crossview::demo::DemoSource;

/// The types the timeline shows are exactly the types a sync searches.
pub const TIMELINE_TYPES: &[&str] = crossview::sync::SEARCHED_TYPES;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_crossview")
}

/// The key of every test cache (synthetic patients in temporary directories).
pub const TEST_KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// What every command the tests run needs: the cache key (no OS keyring in
/// tests) and an access basis, as a scripted user would set them.
pub fn test_env() -> [(&'static str, &'static str); 2] {
    [
        ("CROSSVIEW_DB_KEY", TEST_KEY),
        ("CROSSVIEW_ACCESS_BASIS", "direct-care"),
    ]
}

/// The cache database of a test data directory, opened with the test key (as a
/// person holding the key could, e.g. to age data or tamper with it).
pub fn open_db(data: &Path, file: &str) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(data.join(file)).unwrap();
    db.execute_batch(&format!("PRAGMA key = \"x'{TEST_KEY}'\";"))
        .unwrap();
    db
}

/// The `crossview` binary with the test environment.
pub fn command() -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.envs(test_env()).env_remove("CROSSVIEW_ACCESS_REASON");
    cmd
}

/// Writes a config file for `endpoints`, with a short request timeout so fault tests are quick.
pub fn write_config(dir: &Path, endpoints: &[Endpoint], timeout_s: u64) -> PathBuf {
    let mut text = String::new();
    for ep in endpoints {
        text.push_str(&format!(
            "[[endpoint]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\ntimeout_s = {timeout_s}\nsync_timeout_s = {}\npage_size = 3\n\n",
            ep.name(),
            ep.kind.as_str(),
            ep.base_url,
            timeout_s * 10
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the CLI with a config and data dir (in a blocking thread, so loopback servers in this process keep serving).
pub async fn cli(config: &Path, data: &Path, args: &[&str]) -> Output {
    let mut cmd = command();
    cmd.arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args);
    cmd.env_remove("CROSSVIEW_CONFIG")
        .env_remove("CROSSVIEW_DATA_DIR");
    tokio::task::spawn_blocking(move || cmd.output().expect("run crossview"))
        .await
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn timeline_json(o: &Output) -> Vec<Value> {
    assert_eq!(o.status.code(), Some(0), "timeline failed: {}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("timeline --json prints a JSON array")
}

/// `(source, resource_type, id)` of every timeline entry.
pub fn keys(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["resource_type"].as_str().unwrap().to_string(),
                e["resource_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What each demo source holds for a patient, as timeline keys.
pub fn expected_keys(sources: &[DemoSource], nhs: &str) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for s in sources {
        let Some(pid) = s.resources.iter().find(|r| {
            r["resourceType"] == "Patient"
                && r["identifier"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["value"] == nhs)
        }) else {
            continue;
        };
        let patient_ref = format!("Patient/{}", pid["id"].as_str().unwrap());
        // What the patient's consent at this source withholds (read here from the
        // demo's own simple shape, not by the product's interpreter).
        let withheld: BTreeSet<String> = s
            .resources
            .iter()
            .filter(|r| {
                r["resourceType"] == "Consent" && r["patient"]["reference"] == patient_ref.as_str()
            })
            .flat_map(|c| {
                c["provision"]["provision"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|p| p["type"] == "deny")
            .flat_map(|p| p["data"].as_array().cloned().unwrap_or_default())
            .filter_map(|d| d["reference"]["reference"].as_str().map(String::from))
            .collect();
        for r in &s.resources {
            let t = r["resourceType"].as_str().unwrap();
            let subject = r
                .get("subject")
                .or_else(|| r.get("patient"))
                .and_then(|s| s["reference"].as_str());
            let id = r["id"].as_str().unwrap().to_string();
            if TIMELINE_TYPES.contains(&t)
                && subject == Some(patient_ref.as_str())
                && !withheld.contains(&format!("{t}/{id}"))
            {
                // A restricted entry is listed masked, under its handle.
                let restricted = r["meta"]["security"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|c| c["code"] == "R"));
                let shown_id = if restricted {
                    crossview::restricted::handle(&crossview::config::slug(&s.name), t, &id)
                } else {
                    id
                };
                out.insert((s.name.clone(), t.to_string(), shown_id));
            }
        }
    }
    out
}

/// Where `../shared` (present on CI and developer machines, absent in a user's clone) is.
pub fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.is_dir().then_some(p)
}

/// Runs `script` (sh) in a private D-Bus session with an unlocked GNOME Keyring
/// and `home` as HOME, without `CROSSVIEW_DB_KEY` unless `envs` sets it. `None`
/// (with a visible notice) where gnome-keyring or dbus-run-session is missing.
pub fn in_keyring_session(script: &str, home: &Path, envs: &[(&str, &str)]) -> Option<Output> {
    let have = |p: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("gnome-keyring-daemon") || !have("dbus-run-session") {
        eprintln!(
            "NOTICE: gnome-keyring or dbus-run-session missing (scripts/setup.sh installs them): keyring test skipped"
        );
        return None;
    }
    std::fs::create_dir_all(home).unwrap();
    let script = format!(
        "echo -n session-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 97\n{script}"
    );
    Some(
        std::process::Command::new("dbus-run-session")
            .args(["--", "sh", "-c", &script])
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env_remove("CROSSVIEW_DB_KEY")
            .envs(envs.iter().copied())
            .output()
            .unwrap(),
    )
}
