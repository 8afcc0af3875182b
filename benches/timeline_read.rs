//! Timeline reads from the cache (prints figures; not a test): a record of
//! ~2,400, 25,000 and 100,000 resources across three sources is written the
//! way a sync writes it (pages, one commit per source), then read: the first
//! 200 events, a kind filter, a text search, the counts, a deep page, and the
//! whole timeline at once (what the app reads today), each the median of 9.
//!
//!   CROSSVIEW_BENCH_SIZES   comma-separated record sizes (default 2400,25000,100000)

use crossview::cache_key::CacheKey;
use crossview::config::EndpointKind;
use crossview::fhir::FhirVersion;
use crossview::store::{
    Cache, Provenance, RunStart, RunSummary, Store, StoredResource, TimelineFilter,
};
use crossview::timeline::EventKind;
use serde_json::json;
use std::time::Instant;

const BENCH_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const PATIENT: &str = "9990000018";
const WORDS: &[&str] = &[
    "Penicillin",
    "Amoxicillin",
    "Latex",
    "Peanut",
    "Aspirin",
    "Ibuprofen",
    "Codeine",
    "Morphine",
    "Metformin",
    "Amlodipine",
    "Ramipril",
    "Atorvastatin",
    "Omeprazole",
    "Salbutamol",
];

/// One synthetic resource of the mix a long record has: mostly encounters and
/// medicines, some conditions and allergies.
fn resource(source: usize, i: usize) -> serde_json::Value {
    let word = WORDS[(i * 7 + source) % WORDS.len()];
    let date = format!(
        "{:04}-{:02}-{:02}",
        1990 + (i % 35),
        1 + (i % 12),
        1 + (i % 28)
    );
    let patient = json!({"reference": "Patient/p"});
    match i % 10 {
        0 => json!({"resourceType": "AllergyIntolerance", "id": format!("s{source}-a{i}"),
            "code": {"text": format!("{word} allergy")}, "patient": patient, "recordedDate": date}),
        1..=4 => json!({"resourceType": "MedicationRequest", "id": format!("s{source}-m{i}"),
            "status": "completed", "intent": "order",
            "medicationCodeableConcept": {"text": format!("{word} 10mg tablets")},
            "subject": patient, "authoredOn": date,
            "dosageInstruction": [{"text": "One tablet twice a day"}]}),
        5 | 6 => json!({"resourceType": "Condition", "id": format!("s{source}-c{i}"),
            "code": {"text": format!("Condition {i} ({word} related)")}, "subject": patient,
            "recordedDate": date}),
        _ => {
            json!({"resourceType": "Encounter", "id": format!("s{source}-e{i}"), "status": "finished",
            "class": {"code": "AMB"}, "type": [{"text": format!("Clinic visit {i}")}],
            "subject": patient, "period": {"start": date}})
        }
    }
}

fn write_record(cache: &Cache, size: usize) {
    let mut store = Store::open(cache).expect("store");
    let per_source = size / 3;
    for source in 0..3 {
        let run = store
            .begin_run(&RunStart {
                patient: PATIENT.into(),
                endpoint_id: format!("source-{source}"),
                source: format!("Source {source}"),
                kind: EndpointKind::Hospital,
                base_url: format!("http://s{source}.example"),
                origin: format!("http://s{source}.example"),
                started_at: "2026-11-28T10:00:00Z".into(),
            })
            .expect("run");
        let mut page = Vec::with_capacity(200);
        for i in 0..per_source {
            let v = resource(source, i);
            let raw = v.to_string();
            page.push(StoredResource::new(
                &v,
                raw,
                FhirVersion::R4,
                "2026-11-28T10:00:00Z",
                Provenance::Match,
                format!("x{i}"),
            ));
            if page.len() == 200 {
                store.write_page(run, &page).expect("page");
                page.clear();
            }
        }
        store.write_page(run, &page).expect("page");
        let summary = RunSummary {
            patient_ids: vec!["p".into()],
            ..RunSummary::default()
        };
        store
            .commit_run(run, "2026-11-28T10:01:00Z", &summary)
            .expect("commit");
    }
}

fn median_ms(mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..9 {
        let t = Instant::now();
        n = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[4], n)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("CROSSVIEW_BENCH_SIZES")
        .unwrap_or_else(|_| "2400,25000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for size in sizes {
        let tmp = tempfile::tempdir().expect("temp dir");
        let cache = Cache::new(
            tmp.path().join("cache"),
            CacheKey::from_hex(BENCH_KEY).expect("key"),
        );
        let t = Instant::now();
        write_record(&cache, size);
        let write_s = t.elapsed().as_secs_f64();
        let bytes: u64 = std::fs::read_dir(tmp.path().join("cache"))
            .expect("cache dir")
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        let t = Instant::now();
        let store = Store::open(&cache).expect("store");
        let open_ms = t.elapsed().as_secs_f64() * 1000.0;
        let all = TimelineFilter::default();
        let allergies = TimelineFilter {
            kinds: vec![EventKind::Allergy],
            ..Default::default()
        };
        let one_year = TimelineFilter {
            from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
            to: chrono::NaiveDate::from_ymd_opt(2020, 12, 31),
            ..Default::default()
        };
        let page = |f: &TimelineFilter, text: Option<&str>, offset: u64| {
            store
                .timeline_page(PATIENT, f, text, offset, 200)
                .expect("page")
                .events
                .len()
        };
        let (first, n) = median_ms(|| page(&all, None, 0));
        let (kind, _) = median_ms(|| page(&allergies, None, 0));
        let (year, _) = median_ms(|| page(&one_year, None, 0));
        let (search, found) = median_ms(|| {
            store
                .timeline_page(PATIENT, &all, Some("amlodip"), 0, 200)
                .expect("search")
                .total as usize
        });
        let (deep, _) = median_ms(|| page(&all, None, (size as u64 / 2).max(1)));
        let (whole, events) = median_ms(|| store.timeline(PATIENT, &all).expect("timeline").len());
        println!(
            "{size} resources: written in {write_s:.1} s; cache {:.1} MiB ({:.0} KiB per 1,000 resources); open {open_ms:.0} ms; \
             first {n} events {first:.1} ms; allergies only {kind:.1} ms; one year (2020) {year:.1} ms; search \"amlodip\" ({found} found) {search:.1} ms; \
             page at the middle {deep:.1} ms; whole timeline ({events} events) {whole:.0} ms",
            bytes as f64 / (1024.0 * 1024.0),
            bytes as f64 / 1024.0 / (size as f64 / 1000.0),
        );
    }
}
