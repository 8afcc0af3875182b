//! Sync benchmark (prints figures; not a test). Run by scripts/bench.sh, which
//! starts three real FHIR servers and loads them.
//!
//!   CROSSVIEW_REAL_FHIR   comma-separated base URLs (default 127.0.0.1:18101-18103)
//!   CROSSVIEW_BENCH_NHS   patient to sync (default: load.py's big patient 9998829763)
//!   CROSSVIEW_BENCH_FIXTURE_BIG  also time an in-process fixture patient of about this many resources

use crossview::cache_key::CacheKey;
use crossview::config::{Endpoint, EndpointKind};
use crossview::demo::DemoTrusts;
use crossview::nhs_number::NhsNumber;
use crossview::store::Cache;
use crossview::store::{Store, TimelineFilter};
use crossview::sync::{NoProgress, SyncOptions, sync_patient};

/// The benchmark caches' key (synthetic data in temporary directories).
const BENCH_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
use std::sync::Arc;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn dir_size_mib(dir: &std::path::Path) -> f64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0) as f64
        / (1024.0 * 1024.0)
}

async fn run(label: &str, endpoints: &[Endpoint], nhs: &NhsNumber, runs: usize) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut times = Vec::new();
    let mut resources = 0;
    for i in 0..runs {
        // Every run but the last starts from an empty cache; the last re-syncs into a full one.
        let data = if i + 1 < runs {
            tmp.path().join(format!("cold{i}"))
        } else {
            tmp.path().join("cold0")
        };
        let t0 = Instant::now();
        let cache = Cache::new(data, CacheKey::from_hex(BENCH_KEY).expect("key"));
        // The last run syncs as the app would: only the changes where it can.
        let options = SyncOptions {
            purpose: "TREAT",
            full: i + 1 < runs,
        };
        let report = sync_patient(endpoints, &cache, nhs, options, Arc::new(NoProgress))
            .await
            .expect("sync");
        times.push(t0.elapsed().as_secs_f64());
        for e in &report.endpoints {
            assert!(e.is_ok(), "{label}: {} failed: {:?}", e.source, e.error);
        }
        resources = report
            .endpoints
            .iter()
            .flat_map(|e| e.counts.values())
            .sum::<u64>();
    }
    let store = Store::open(&Cache::new(
        tmp.path().join("cold0"),
        CacheKey::from_hex(BENCH_KEY).expect("key"),
    ))
    .expect("store");
    let t0 = Instant::now();
    let events = store
        .timeline(nhs.as_str(), &TimelineFilter::default())
        .expect("timeline");
    let query = t0.elapsed().as_secs_f64();
    let cold: Vec<String> = times[..runs - 1]
        .iter()
        .map(|t| format!("{t:.2}"))
        .collect();
    println!(
        "{label}: NHS {nhs}: {resources} resources from {} endpoints; sync {} s (empty cache), {:.2} s (re-sync into full cache); \
         timeline of {} events read in {:.0} ms; cache {:.1} MiB; peak RSS so far {:.0} MiB",
        endpoints.len(),
        cold.join(" / "),
        times[runs - 1],
        events.len(),
        query * 1000.0,
        dir_size_mib(&tmp.path().join("cold0")),
        peak_rss_mib()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let urls = std::env::var("CROSSVIEW_REAL_FHIR")
            .unwrap_or_else(|_| "http://127.0.0.1:18101,http://127.0.0.1:18102,http://127.0.0.1:18103".into());
        let nhs = NhsNumber::parse(&std::env::var("CROSSVIEW_BENCH_NHS").unwrap_or_else(|_| "9998829763".into()))
            .expect("CROSSVIEW_BENCH_NHS must be a valid NHS number");
        println!("peak RSS before any sync: {:.0} MiB", peak_rss_mib());
        let endpoints: Vec<Endpoint> = urls
            .split(',')
            .enumerate()
            .map(|(i, u)| {
                let kind = if i % 3 == 2 { EndpointKind::Gp } else { EndpointKind::Hospital };
                Endpoint::new(&format!("server {}", i + 1), kind, url::Url::parse(u).expect("URL"))
            })
            .collect();
        let reachable = reqwest::get(format!("{}/metadata", urls.split(',').next().unwrap_or_default())).await.is_ok();
        if reachable {
            run("real servers (Helios FHIR Server)", &endpoints, &nhs, 4).await;
        } else {
            println!("NOTICE: {urls} not reachable: real-server benchmark skipped (scripts/bench.sh starts and loads them)");
        }
        if let Some(big) = std::env::var("CROSSVIEW_BENCH_FIXTURE_BIG").ok().and_then(|v| v.parse::<usize>().ok()) {
            let trusts = DemoTrusts::start(big, None).await.expect("fixture trusts");
            let nhs = NhsNumber::parse(&crossview::demo::data::test_nhs_number(900)).expect("demo big patient");
            run(&format!("in-process fixture trusts, big patient of ~{big}"), &trusts.endpoints(), &nhs, 3).await;
        }
    });
}
