//! Startup benchmark (prints figures; not a test): from launching the app to the
//! first paint of the record (the first visible entries) for a patient with
//! ~10,000 cached events, and the app's memory (PSS of the app and its WebKit
//! processes) once loaded, at the window sizes of NHS monitors.
//! Needs a display and WebKitWebDriver: `scripts/bench.sh` runs it under Xvfb.

use fantoccini::ClientBuilder;
use serde_json::json;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossview::cache_key::CacheKey;
use crossview::demo::DemoTrusts;
use crossview::nhs_number::NhsNumber;
use crossview::store::Cache;
use crossview::store::{Store, TimelineFilter};
use crossview::sync::{NoProgress, SyncOptions, sync_patient};

/// The benchmark cache's key (synthetic data in a temporary directory).
const BENCH_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields after its closing parenthesis are fixed.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Every process descended from `root` (the WebDriver, which starts the app, which starts WebKit's).
fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(all.iter().copied().filter(|c| parent_of(*c) == Some(p)));
        i += 1;
    }
    out.remove(0);
    out
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let big: usize = std::env::var("CROSSVIEW_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if std::env::var_os("DISPLAY").is_none() {
            println!("NOTICE: no DISPLAY: startup benchmark skipped (scripts/bench.sh runs it under Xvfb)");
            return;
        }
        let tmp = tempfile::tempdir().expect("tmp");
        let data = tmp.path().join("cache");
        eprintln!("[startup] preparing a patient of ~{big} resources");
        let trusts = DemoTrusts::start(big, None).await.expect("demo trusts");
        let nhs = NhsNumber::parse(&crossview::demo::data::test_nhs_number(900)).expect("nhs");
        let cache = Cache::new(data.clone(), CacheKey::from_hex(BENCH_KEY).expect("key"));
        sync_patient(&trusts.endpoints(), &cache, &nhs, SyncOptions { purpose: "TREAT", full: true }, Arc::new(NoProgress)).await.expect("sync");
        let events = Store::open(&cache).expect("store").timeline(nhs.as_str(), &TimelineFilter::default()).expect("timeline").len();
        let mut config = String::new();
        for ep in trusts.endpoints() {
            config.push_str(&format!("[[endpoint]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\n\n", ep.name(), ep.kind.as_str(), ep.base_url));
        }
        let config_path = tmp.path().join("config.toml");
        std::fs::write(&config_path, config).expect("config");

        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
        let mut driver = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("CROSSVIEW_DB_KEY", BENCH_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("WebKitWebDriver");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let app = env!("CARGO_BIN_EXE_crossview-desktop");
        let mut rows = Vec::new();
        for (w, h) in [(1024u32, 768u32), (1366, 768), (1920, 1080)] {
            let mut paints = Vec::new();
            let mut pss = Vec::new();
            for _ in 0..2 {
            let mut caps = serde_json::Map::new();
            caps.insert(
                "webkitgtk:browserOptions".into(),
                json!({"binary": app, "args": ["--automation", "--basis", "direct-care", "--config", config_path.to_string_lossy(), "--data-dir", data.to_string_lossy(), "--nhs", nhs.as_str()]}),
            );
            eprintln!("[startup] launching the app ({events} events cached)");
            let t0 = now_ms();
            let mut builder = ClientBuilder::rustls().expect("tls");
            builder.capabilities(caps);
            let url = format!("http://127.0.0.1:{port}");
            let c = tokio::time::timeout(Duration::from_secs(60), builder.connect(&url))
                .await
                .expect("app started within 60 s")
                .expect("session");
            eprintln!("[startup] session up after {:.0} ms", now_ms() - t0);
            // The window opens at its default size; set at once, before the record paints.
            let _ = c.set_window_size(w, h).await;
            let start = Instant::now();
            let paint = loop {
                let v = c.execute("return window.__crossviewTimelinePaint || null", vec![]).await.ok();
                if let Some(t) = v.and_then(|v| v.as_f64()) {
                    break t;
                }
                assert!(start.elapsed() < Duration::from_secs(60), "timeline never painted");
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            paints.push(paint - t0);
            tokio::time::sleep(Duration::from_secs(2)).await;
            let procs = descendants(driver.id());
            pss.push(procs.iter().map(|p| pss_kib(*p)).sum::<u64>() as f64 / 1024.0);
            c.close().await.expect("close");
            // The next launch starts on a quiet machine: the app (and a sync it
            // started) must have gone, or its cache writes slow the next open.
            let gone = Instant::now();
            while !descendants(driver.id()).is_empty() && gone.elapsed() < Duration::from_secs(60) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            eprintln!("[startup] app gone {:.1} s after the session closed", gone.elapsed().as_secs_f64());
            tokio::time::sleep(Duration::from_millis(500)).await;
            }
            rows.push(((w, h), paints, pss));
        }
        let _ = driver.kill();
        let _ = driver.wait();
        let fmt = |v: &[f64], unit: &str| v.iter().map(|x| format!("{x:.0}{unit}")).collect::<Vec<_>>().join(" / ");
        for ((w, h), paints, pss) in rows {
            println!(
                "startup {w}x{h}: patient with {events} cached events: launch to first paint of the record {}; memory after load (PSS, app + WebKit processes) {}",
                fmt(&paints, " ms"),
                fmt(&pss, " MiB")
            );
        }
    });
}
