//! Endpoints as the app edits them: saving keeps every field and comment of the
//! file; cached data follows an endpoint's stable id, not its name or address.

use std::sync::Arc;

use crossview::app::{App, AppOptions, EndpointSettings, NoProgress};
use crossview::demo::FixtureServer;
use crossview::demo::demo_sources;

/// A configuration using every documented field, with comments.
const FULL: &str = r#"# Crossview configuration for Riverside ICS
data_dir = "DATA"   # the cache lives here

# The acute trust
[[endpoint]]
id = "riverside"
name = "Riverside University Hospitals"   # shown to clinicians
kind = "hospital"
base_url = "https://fhir.riverside.example.nhs.uk/R4"
fhir_version = "auto"
timeout_s = 20          # one request
sync_timeout_s = 300
page_size = 200
max_pages = 500
max_mib = 512
concurrency = 3
headers = { "Ssp-From" = "200000000359", "X-Correlation" = "crossview" }

[endpoint.auth]          # bearer token from the environment
type = "bearer"
token_env = "RIVERSIDE_TOKEN"

# The GP practice
[[endpoint]]
name = "Meadow Lane Surgery"
kind = "gp"
base_url = "https://gp.example.nhs.uk/fhir"
fhir_version = "STU3"
sync_timeout_s = 120
auth = { type = "bearer", token_env = "MEADOW_TOKEN" }
"#;

/// The app as a scripted user runs it: a test key (no OS keyring here) and direct care.
fn app(config: &std::path::Path) -> App {
    let app = App::open(&AppOptions {
        config: Some(config.to_path_buf()),
        cache_key: crossview::cache_key::CacheKey::from_hex(&"5a".repeat(32)),
        ..AppOptions::default()
    })
    .unwrap();
    app.set_session_basis(crossview::access::Access::parse("direct-care", None).unwrap());
    app
}

#[test]
fn saving_unchanged_endpoints_leaves_the_file_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.toml");
    let text = FULL.replace("DATA", &tmp.path().join("cache").to_string_lossy());
    std::fs::write(&path, &text).unwrap();
    let a = app(&path);
    let eps = a.endpoints();
    assert_eq!(eps[0].id.as_deref(), Some("riverside"));
    assert_eq!(
        eps[1].id.as_deref(),
        Some("meadow-lane-surgery"),
        "derived from the name"
    );
    a.save_endpoints(&eps).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    // Only the derived id of the second endpoint is written down (so that renaming
    // it later keeps its data); nothing else changes.
    assert_eq!(
        after,
        format!("{text}id = \"meadow-lane-surgery\"\n"),
        "{after}"
    );
}

#[test]
fn saving_an_edited_endpoint_keeps_every_field_the_screen_does_not_show() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.toml");
    let text = FULL.replace("DATA", &tmp.path().join("cache").to_string_lossy());
    std::fs::write(&path, &text).unwrap();
    let a = app(&path);
    let mut eps = a.endpoints();
    eps[0].name = "Riverside Hospitals NHS FT".into();
    eps[0].timeout_s = 45;
    eps[1].token_env = String::new();
    a.save_endpoints(&eps).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "# Crossview configuration for Riverside ICS",
        "data_dir = ",
        "# the cache lives here",
        "# The acute trust",
        "id = \"riverside\"",
        "sync_timeout_s = 300",
        "max_pages = 500",
        "max_mib = 512",
        "concurrency = 3",
        "\"Ssp-From\" = \"200000000359\"",
        "\"X-Correlation\" = \"crossview\"",
        "token_env = \"RIVERSIDE_TOKEN\"",
        "# bearer token from the environment",
        "# The GP practice",
        "sync_timeout_s = 120",
        "fhir_version = \"STU3\"",
        "# shown to clinicians",
        "timeout_s = 45          # one request",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(
        after.contains("name = \"Riverside Hospitals NHS FT\""),
        "{after}"
    );
    assert!(
        !after.contains("MEADOW_TOKEN"),
        "the removed token is gone: {after}"
    );
    // The file still loads, with what was saved.
    let b = app(&path);
    let eps = b.endpoints();
    assert_eq!(eps[0].name, "Riverside Hospitals NHS FT");
    assert_eq!(eps[0].timeout_s, 45);
    assert_eq!(eps[0].token_env, "RIVERSIDE_TOKEN");
    // The file is private and no temporary file is left behind.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_added_endpoint_gets_an_id_that_no_other_has() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config.toml");
    let a = app(&path);
    let mut one = App::endpoint_defaults();
    one.name = "Hillcrest".into();
    one.base_url = "https://a.example/fhir".into();
    let mut two = one.clone();
    two.name = "Hillcrest!".into();
    two.base_url = "https://b.example/fhir".into();
    a.save_endpoints(&[one, two]).unwrap();
    let ids: Vec<Option<String>> = app(&path).endpoints().into_iter().map(|e| e.id).collect();
    assert_eq!(ids, [Some("hillcrest".into()), Some("hillcrest-2".into())]);
}

fn config_for(path: &std::path::Path, data: &std::path::Path, name: &str, url: &url::Url) {
    std::fs::write(
        path,
        format!(
            "data_dir = \"{}\"\n[[endpoint]]\nid = \"gp\"\nname = \"{name}\"\nkind = \"gp\"\nbase_url = \"{url}\"\ntimeout_s = 5\n",
            data.display()
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_an_endpoint_keeps_its_data_and_repointing_it_does_not_pass_old_data_off_as_new() {
    let sources = demo_sources(0);
    let gp = sources
        .iter()
        .find(|s| s.name == "Meadow Lane Surgery")
        .unwrap();
    let hc = sources
        .iter()
        .find(|s| s.name == "Hillcrest Community Trust")
        .unwrap();
    let gp_server = FixtureServer::start(gp.resources.clone(), 0).await.unwrap();
    let hc_server = FixtureServer::start(hc.resources.clone(), 0).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (path, data) = (tmp.path().join("c.toml"), tmp.path().join("cache"));
    let nhs = "9990000018";

    config_for(&path, &data, "Meadow Lane Surgery", &gp_server.base_url());
    let report = app(&path).sync(nhs, Arc::new(NoProgress)).await.unwrap();
    assert!(report.all_ok(), "{report:?}");
    let before = app(&path).timeline(nhs, &Default::default()).unwrap();
    assert!(!before.is_empty());

    // Renamed: the same data, under the new name, not stale.
    config_for(
        &path,
        &data,
        "Meadow Lane Medical Practice",
        &gp_server.base_url(),
    );
    let renamed = app(&path).open_patient(nhs).unwrap();
    assert_eq!(renamed.timeline.events.len(), before.len());
    assert_eq!(renamed.timeline.total, before.len() as u64);
    assert!(
        renamed
            .timeline
            .events
            .iter()
            .all(|e| e.source == "Meadow Lane Medical Practice" && !e.stale)
    );
    assert_eq!(renamed.sources.len(), 1);
    assert!(renamed.sources[0].configured);

    // Re-pointed at another server: the old data is not shown as the new server's.
    config_for(
        &path,
        &data,
        "Meadow Lane Medical Practice",
        &hc_server.base_url(),
    );
    let moved = app(&path).open_patient(nhs).unwrap();
    assert_eq!(
        moved.timeline.events.len(),
        before.len(),
        "still shown, nothing lost"
    );
    let old = gp_server
        .base_url()
        .as_str()
        .trim_end_matches('/')
        .to_string();
    for e in &moved.timeline.events {
        assert!(e.stale, "flagged as possibly out of date");
        assert_ne!(
            e.source, "Meadow Lane Medical Practice",
            "not passed off as the new server's"
        );
        assert!(
            e.source.contains(&old),
            "names where it came from: {}",
            e.source
        );
    }
    assert!(!moved.sources[0].configured);
    assert_eq!(moved.sources[0].data_origin.as_deref(), Some(old.as_str()));

    // Once the new address syncs, only its data is shown, under the endpoint's name.
    let report = app(&path).sync(nhs, Arc::new(NoProgress)).await.unwrap();
    assert!(report.all_ok(), "{report:?}");
    let now = app(&path).open_patient(nhs).unwrap();
    assert!(
        now.timeline
            .events
            .iter()
            .all(|e| e.source == "Meadow Lane Medical Practice" && !e.stale)
    );
    assert!(
        now.timeline
            .events
            .iter()
            .all(|e| !before.iter().any(|b| b.resource_id == e.resource_id))
    );

    // An endpoint removed from the configuration: its data is marked, and can be purged.
    std::fs::write(&path, format!("data_dir = \"{}\"\n", data.display())).unwrap();
    let orphan = app(&path).open_patient(nhs).unwrap();
    assert!(
        orphan
            .timeline
            .events
            .iter()
            .all(|e| e.source.contains("no longer configured") && e.stale)
    );
    assert_eq!(app(&path).purge_source("gp").unwrap(), 2);
    assert!(app(&path).open_patient(nhs).unwrap().timeline.total == 0);
}

#[test]
fn the_settings_screen_starts_from_the_cores_defaults() {
    let d: EndpointSettings = App::endpoint_defaults();
    assert_eq!((d.timeout_s, d.page_size), (20, 200));
    assert_eq!(d.id, None);
}

/// `--demo` keeps its own cache inside the data directory, however the data
/// directory is chosen, so demo patients never mix with real ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_never_mixes_with_real_patients() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    let config = tmp.path().join("config.toml");
    // A real endpoint that cannot be reached, and its failure on record.
    std::fs::write(
        &config,
        "[[endpoint]]\nname = \"Gone\"\nkind = \"gp\"\nbase_url = \"http://127.0.0.1:9\"\ntimeout_s = 1\n",
    )
    .unwrap();
    let run = |args: &[&str], env_dir: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_crossview"));
        cmd.env("CROSSVIEW_DB_KEY", "5a".repeat(32))
            .env("CROSSVIEW_ACCESS_BASIS", "direct-care");
        cmd.arg("--config").arg(&config).args(args);
        cmd.env_remove("CROSSVIEW_DATA_DIR")
            .env_remove("CROSSVIEW_CONFIG");
        if env_dir {
            cmd.env("CROSSVIEW_DATA_DIR", &real);
        } else {
            cmd.arg("--data-dir").arg(&real);
        }
        cmd.output().unwrap()
    };
    assert_eq!(
        run(&["sync", "--nhs", "9990000018"], true).status.code(),
        Some(3)
    );
    for env_dir in [true, false] {
        let out = run(&["--demo", "sync", "--nhs", "9990000018"], env_dir);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let text = String::from_utf8_lossy(
            &run(&["--demo", "timeline", "--nhs", "9990000018"], env_dir).stdout,
        )
        .into_owned();
        assert!(text.contains("ASHWORTH"), "{text}");
        assert!(
            !text.contains("Gone"),
            "no real endpoint's warning under a demo patient: {text}"
        );
    }
    assert!(real.join("demo").join("crossview.sqlite3").is_file());
    // The real cache holds no demo data.
    let text = String::from_utf8_lossy(&run(&["timeline", "--nhs", "9990000018"], true).stdout)
        .into_owned();
    assert!(
        !text.contains("ASHWORTH") && !text.contains("Riverside"),
        "{text}"
    );
}
