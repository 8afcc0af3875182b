//! The raw-HTTP floor (prints figures; not a test): the same pages a sync of
//! one patient downloads — the Patient search, then every searched type and
//! Consent per patient record, `_include` of Medications, every `next` link —
//! fetched from every server at once with every search in flight together,
//! and nothing done with them but find the next link. What no client can beat
//! on this machine; `scripts/bench.sh` divides Crossview's sync time by it.
//!
//!   CROSSVIEW_REAL_FHIR   comma-separated base URLs
//!   CROSSVIEW_BENCH_NHS   the patient
//!   CROSSVIEW_BENCH_PAGE  _count (default 200, as Crossview's default page_size)

use serde::Deserialize;
use std::time::Instant;

#[derive(Deserialize)]
struct Links {
    #[serde(default)]
    link: Vec<Link>,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Link {
    relation: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct Entry {
    resource: Option<Id>,
}

#[derive(Deserialize)]
struct Id {
    id: Option<String>,
}

/// Downloads a search and its next pages; the bytes received.
async fn pages(client: &reqwest::Client, first: String) -> u64 {
    let mut next = Some(first);
    let mut bytes = 0u64;
    while let Some(url) = next.take() {
        let body = client
            .get(&url)
            .header("Accept", "application/fhir+json")
            .send()
            .await
            .expect("request")
            .bytes()
            .await
            .expect("body");
        bytes += body.len() as u64;
        // Only the links are read (serde skips everything else).
        let links: Links = serde_json::from_slice(&body).expect("a Bundle");
        next = links
            .link
            .into_iter()
            .find(|l| l.relation.as_deref() == Some("next"))
            .and_then(|l| l.url);
    }
    bytes
}

async fn server(client: reqwest::Client, base: String, nhs: String, count: String) -> u64 {
    let found = client
        .get(format!(
            "{base}/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}&_count={count}"
        ))
        .header("Accept", "application/fhir+json")
        .send()
        .await
        .expect("patient search")
        .bytes()
        .await
        .expect("body");
    let ids: Vec<String> = serde_json::from_slice::<Links>(&found)
        .expect("a Bundle")
        .entry
        .into_iter()
        .filter_map(|e| e.resource.and_then(|r| r.id))
        .collect();
    let mut jobs = Vec::new();
    for id in &ids {
        for ty in crossview::sync::SEARCHED_TYPES
            .iter()
            .chain(["Consent"].iter())
        {
            let include = if *ty == "MedicationRequest" {
                "&_include=MedicationRequest:medication"
            } else {
                ""
            };
            let url = format!("{base}/{ty}?patient=Patient/{id}&_count={count}{include}");
            let client = client.clone();
            jobs.push(tokio::spawn(async move { pages(&client, url).await }));
        }
    }
    let mut bytes = found.len() as u64;
    for j in jobs {
        bytes += j.await.expect("search task");
    }
    bytes
}

fn main() {
    let urls = std::env::var("CROSSVIEW_REAL_FHIR").unwrap_or_else(|_| {
        "http://127.0.0.1:18101,http://127.0.0.1:18102,http://127.0.0.1:18103".into()
    });
    let nhs = std::env::var("CROSSVIEW_BENCH_NHS").unwrap_or_else(|_| "9998829763".into());
    let count = std::env::var("CROSSVIEW_BENCH_PAGE").unwrap_or_else(|_| "200".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..3 {
        let t = Instant::now();
        bytes = rt.block_on(async {
            let tasks: Vec<_> = urls
                .split(',')
                .map(|b| {
                    tokio::spawn(server(
                        client.clone(),
                        b.trim_end_matches('/').to_string(),
                        nhs.clone(),
                        count.clone(),
                    ))
                })
                .collect();
            let mut total = 0;
            for t in tasks {
                total += t.await.expect("server task");
            }
            total
        });
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "raw-HTTP floor: NHS {nhs}: {:.1} MiB in {:.2} s (best of 3; median {:.2} s)",
        bytes as f64 / (1024.0 * 1024.0),
        times[0],
        times[1]
    );
}
