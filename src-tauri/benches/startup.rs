//! App benchmark (prints figures; not a test), for cached patients of about
//! 2,400, 25,000 and 100,000 resources (`CROSSVIEW_BENCH_EVENTS`): the app's
//! memory with no record open, the time from opening the patient (the access
//! basis confirmed) to the first paint of the record and to the first screen
//! of the timeline, and the memory once the record is loaded (PSS of the app
//! and its WebKit processes), at 1366×768. The record is opened from the cache
//! with its servers stopped, so no sync runs meanwhile.
//! Needs a display and WebKitWebDriver: `scripts/bench.sh` runs it under Xvfb.

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sizes: Vec<usize> = std::env::var("CROSSVIEW_BENCH_EVENTS")
        .unwrap_or_else(|_| "2400,25000,100000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if std::env::var_os("DISPLAY").is_none() {
            println!(
                "NOTICE: no DISPLAY: app benchmark skipped (scripts/bench.sh runs it under Xvfb)"
            );
            return;
        }
        for size in sizes {
            let row = one_size(size).await;
            println!("{row}");
        }
    });
}

/// Waits until `script` returns a number; returns it.
async fn wait_number(c: &fantoccini::Client, script: &str, what: &str) -> f64 {
    let start = Instant::now();
    loop {
        if let Some(t) = c
            .execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_f64())
        {
            return t;
        }
        if start.elapsed() > Duration::from_secs(120) {
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(
                    std::env::temp_dir().join("crossview-bench-timeout.png"),
                    png,
                );
            }
            panic!(
                "{what} never happened (screenshot in the temp dir: crossview-bench-timeout.png)"
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn click(c: &fantoccini::Client, css: &str) {
    let start = Instant::now();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.click().await.is_ok()
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{css} never clickable"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn one_size(big: usize) -> String {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("cache");
    eprintln!("[app] preparing a patient of ~{big} resources");
    let mut trusts = DemoTrusts::start(big, None).await.expect("demo trusts");
    let nhs = NhsNumber::parse(&crossview::demo::data::test_nhs_number(900)).expect("nhs");
    let cache = Cache::new(data.clone(), CacheKey::from_hex(BENCH_KEY).expect("key"));
    // As the app will see them from its configuration file (no demo origins).
    let endpoints: Vec<_> = trusts
        .endpoints()
        .into_iter()
        .map(|mut e| {
            e.fixed_origin = None;
            e
        })
        .collect();
    let report = sync_patient(
        &endpoints,
        &cache,
        &nhs,
        SyncOptions {
            purpose: "TREAT",
            full: true,
        },
        Arc::new(NoProgress),
    )
    .await
    .expect("sync");
    for e in &report.endpoints {
        assert!(e.is_ok(), "{}: {:?}", e.source, e.error);
    }
    let store = Store::open(&cache).expect("store");
    // Opened "now" as far as retention goes (a synced record never opened is expired at start).
    store
        .touch_patient(nhs.as_str(), &chrono::Utc::now().to_rfc3339())
        .expect("touch");
    let events = store
        .timeline_page(nhs.as_str(), &TimelineFilter::default(), None, 0, 1)
        .expect("timeline")
        .total;
    let mut config = String::new();
    for ep in trusts.endpoints() {
        // The same ids as the sync above, so the app finds what it cached.
        config.push_str(&format!(
            "[[endpoint]]\nid = \"{}\"\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\n\n",
            ep.id(),
            ep.name(),
            ep.kind.as_str(),
            ep.base_url
        ));
    }
    // Opened from the cache alone: the sync after an open fails at once.
    trusts.stop_all().await.expect("stop the servers");
    let config_path = tmp.path().join("config.toml");
    std::fs::write(&config_path, config).expect("config");
    eprintln!("[app] {events} events cached in {}", data.display());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
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
    let (mut empty, mut record, mut timeline, mut loaded) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2 {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "webkitgtk:browserOptions".into(),
            json!({"binary": app, "args": ["--automation", "--config", config_path.to_string_lossy(), "--data-dir", data.to_string_lossy()]}),
        );
        let mut builder = ClientBuilder::rustls().expect("tls");
        builder.capabilities(caps);
        let c = tokio::time::timeout(
            Duration::from_secs(60),
            builder.connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .expect("app started within 60 s")
        .expect("session");
        let _ = c.set_window_size(1366, 768).await;
        wait_number(
            &c,
            "return document.querySelector('[data-testid=nhs-input]') ? 1 : null",
            "the lookup",
        )
        .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let pss = || {
            descendants(driver.id())
                .iter()
                .map(|p| pss_kib(*p))
                .sum::<u64>() as f64
                / 1024.0
        };
        empty.push(pss());
        let input = c
            .find(Locator::Css("[data-testid=nhs-input]"))
            .await
            .expect("input");
        input.send_keys(nhs.as_str()).await.expect("type");
        click(&c, "[data-testid=nhs-submit]").await;
        click(&c, "[data-testid=basis-direct-care]").await;
        // Times are taken in the page (the click event, then frames), not
        // across WebDriver's round trips.
        c.execute(
            "document.querySelector('[data-testid=basis-continue]').addEventListener('click', () => { window.__openAt = Date.now(); }, {once: true});",
            vec![],
        )
        .await
        .expect("listen");
        click(&c, "[data-testid=basis-continue]").await;
        let painted = wait_number(
            &c,
            "return window.__crossviewTimelinePaint || null",
            "the record's first paint",
        )
        .await;
        let opened = wait_number(&c, "return window.__openAt || null", "the open").await;
        record.push(painted - opened);
        // The timeline tab, then the first frame with its rows on screen.
        wait_number(
            &c,
            "return document.querySelector('[data-testid=tab-timeline]') ? 1 : null",
            "the timeline tab",
        )
        .await;
        c.execute(
            "document.querySelector('[data-testid=tab-timeline]').addEventListener('click', () => { window.__tabAt = Date.now(); \
               const check = () => { const p = document.getElementById('panel-timeline'); \
                 if (p && !p.hidden && p.querySelector('[data-testid=timeline-row]')) { requestAnimationFrame(() => { window.__rowsAt = Date.now(); }); } \
                 else requestAnimationFrame(check); }; requestAnimationFrame(check); }, {once: true});",
            vec![],
        )
        .await
        .expect("listen");
        click(&c, "[data-testid=tab-timeline]").await;
        let rows = wait_number(
            &c,
            "return window.__rowsAt || null",
            "the timeline's first rows",
        )
        .await;
        let tab = wait_number(&c, "return window.__tabAt || null", "the tab click").await;
        timeline.push(rows - tab);
        tokio::time::sleep(Duration::from_secs(2)).await;
        loaded.push(pss());
        c.close().await.expect("close");
        let gone = Instant::now();
        while !descendants(driver.id()).is_empty() && gone.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = driver.kill();
    let _ = driver.wait();
    let fmt = |v: &[f64], unit: &str| {
        v.iter()
            .map(|x| format!("{x:.0}{unit}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let growth: Vec<f64> = loaded.iter().zip(&empty).map(|(l, e)| l - e).collect();
    format!(
        "app, ~{big} resources ({events} timeline events), 1366x768, two launches: opening the patient to the record's first paint {}; \
         timeline tab to its first rows {}; memory (PSS, app + WebKit) with no record open {}, with the record loaded {} (growth {})",
        fmt(&record, " ms"),
        fmt(&timeline, " ms"),
        fmt(&empty, " MiB"),
        fmt(&loaded, " MiB"),
        fmt(&growth, " MiB"),
    )
}
