//! Faults the fixture server can inject, for tests of bad servers. Compiled
//! only with the `fault-injection` feature (tests and benchmarks), never into
//! the shipped program.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;

use super::server::{lock, outcome};

/// A fault the server injects into its answers (tests of bad servers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Every request waits this long before answering.
    Delay(Duration),
    /// Resource searches answer this HTTP status with an OperationOutcome.
    Status(u16),
    /// Resource searches answer 502 with an HTML page (a proxy's error page).
    HtmlError,
    /// Resource searches answer 200 with the JSON cut off half way.
    TruncatedJson,
    /// Resource searches give a `next` link back to the same page.
    NextLoop,
    /// The AllergyIntolerance search also returns another patient's allergy.
    WrongPatient,
    /// The first `times` requests answer 429 with this Retry-After (seconds).
    RateLimited { times: u32, retry_after_s: u64 },
    /// `next` links point at another host.
    ForeignNext,
    /// The Patient search finds nobody (as if the patient were merged away or deleted).
    NoPatient,
    /// Searches of this resource type return nothing.
    EmptySearch(String),
    /// The CapabilityStatement no longer lists this resource type.
    NotOffered(String),
    /// `next` links stay on the host but leave the endpoint's base path.
    NextOtherPath,
    /// Resource searches answer 500 with an OperationOutcome of this many issues.
    HugeOutcome(usize),
    /// MedicationRequest searches `_include` another person's Patient record.
    IncludeIntruder,
    /// Resource searches answer JSON nested this deep.
    DeepJson(usize),
    /// The Patient found carries the right NHS number but an id that is not a FHIR id.
    BadPatientId(String),
    /// The CapabilityStatement reports this FHIR version.
    ReportsVersion(String),
    /// Every request answers 429 with this `Retry-After` text.
    RetryAfterText(String),
    /// Resource searches answer a gzip body that inflates to this many MiB.
    GzipBomb(usize),
    /// `_lastUpdated` is ignored (as by many servers); conditional searches
    /// (`If-None-Match`, `If-Modified-Since`) are still answered.
    IgnoresLastUpdated,
    /// Resource searches answer one page of about this many MiB.
    HugePage(usize),
}

#[derive(Default)]
pub(super) struct State {
    fault: Mutex<Fault>,
    rate_limited_left: Mutex<u32>,
    /// The compressed body of a gzip bomb, made once when the fault is set.
    bomb: Mutex<Option<std::sync::Arc<Vec<u8>>>>,
}

fn gzip_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![b' '; 1024 * 1024];
    let _ = gz.write_all(b"{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
    for _ in 0..mib {
        let _ = gz.write_all(&block);
    }
    let _ = gz.write_all(b"]}");
    gz.finish().unwrap_or_default()
}

impl State {
    pub(super) fn set(&self, fault: Fault) {
        if let Fault::RateLimited { times, .. } = &fault {
            *lock(&self.rate_limited_left) = *times;
        }
        *lock(&self.bomb) = match &fault {
            Fault::GzipBomb(mib) => Some(std::sync::Arc::new(gzip_bomb(*mib))),
            _ => None,
        };
        *lock(&self.fault) = fault;
    }

    fn get(&self) -> Fault {
        lock(&self.fault).clone()
    }
}

/// How the `next` link of a page is made.
pub(super) struct Paging {
    /// Give a `next` link even on the last page.
    pub forced: bool,
    /// The `next` link points at the same page again.
    pub repeat: bool,
    /// The `next` link points at this host instead of the server's own.
    pub host: Option<String>,
}

pub(super) async fn on_request(s: &State) -> Option<Response> {
    match s.get() {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Fault::RetryAfterText(text) => {
            let mut r = outcome(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "come back later",
            );
            if let Ok(v) = HeaderValue::from_str(&text) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
        Fault::RateLimited { retry_after_s, .. } => {
            let mut left = lock(&s.rate_limited_left);
            if *left == 0 {
                return None;
            }
            *left -= 1;
            let mut r = outcome(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "too many requests",
            );
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&retry_after_s.to_string())
                    .unwrap_or(HeaderValue::from_static("1")),
            );
            Some(r)
        }
        _ => None,
    }
}

pub(super) fn on_search(s: &State) -> Option<Response> {
    match s.get() {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(outcome(status, "exception", "injected server error"))
        }
        Fault::HugeOutcome(n) => {
            let issues: Vec<Value> = (0..n)
                .map(|i| json!({"severity": "error", "code": "exception", "diagnostics": format!("problem number {i}")}))
                .collect();
            Some(super::server::fhir_json(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"resourceType": "OperationOutcome", "issue": issues}).to_string(),
            ))
        }
        Fault::DeepJson(depth) => {
            let body = format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{{\"resource\":{{\"resourceType\":\"Condition\",\"id\":\"deep\",\"x\":{}{}}}}}]}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            Some(super::server::fhir_json(StatusCode::OK, body))
        }
        Fault::HugePage(mib) => {
            let body = format!(
                "{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"id\":\"{}\",\"entry\":[]}}",
                "x".repeat(mib * 1024 * 1024)
            );
            Some(super::server::fhir_json(StatusCode::OK, body))
        }
        Fault::GzipBomb(_) => {
            let body = lock(&s.bomb)
                .clone()
                .map(|b| b.to_vec())
                .unwrap_or_default();
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/fhir+json"),
            );
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Some(r)
        }
        Fault::HtmlError => {
            let mut r = (
                StatusCode::BAD_GATEWAY,
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            Some(r)
        }
        _ => None,
    }
}

/// True when the answer to a search of `rtype` must be empty.
pub(super) fn empty_search(s: &State, rtype: &str) -> bool {
    match s.get() {
        Fault::NoPatient => rtype == "Patient",
        Fault::EmptySearch(t) => t == rtype,
        _ => false,
    }
}

/// True when searches ignore `_lastUpdated`.
pub(super) fn ignores_last_updated(s: &State) -> bool {
    matches!(s.get(), Fault::IgnoresLastUpdated)
}

/// True when the CapabilityStatement lists `rtype`.
pub(super) fn offered(s: &State, rtype: &str) -> bool {
    s.get() != Fault::NotOffered(rtype.to_string())
}

/// Resources added to a search as `_include`d.
pub(super) fn extra_includes(s: &State, rtype: &str) -> Vec<Value> {
    if s.get() == Fault::IncludeIntruder && rtype == "MedicationRequest" {
        return vec![json!({"resourceType": "Patient", "id": "someone-else",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
            "name": [{"family": "Intruder"}]})];
    }
    Vec::new()
}

/// The Patient found, as the fault would have it.
pub(super) fn patient(s: &State, mut p: Value) -> Value {
    if let Fault::BadPatientId(id) = s.get() {
        p["id"] = json!(id);
    }
    p
}

/// The FHIR version the CapabilityStatement reports.
pub(super) fn reported_version(s: &State) -> String {
    match s.get() {
        Fault::ReportsVersion(v) => v,
        _ => "4.0.1".into(),
    }
}

pub(super) fn extra_matches(s: &State, rtype: &str) -> Vec<Value> {
    if s.get() == Fault::WrongPatient && rtype == "AllergyIntolerance" {
        return vec![json!({
            "resourceType": "AllergyIntolerance", "id": "intruder-1",
            "code": {"text": "Peanut allergy"}, "patient": {"reference": "Patient/someone-else"}
        })];
    }
    Vec::new()
}

/// `base`: the server's origin (scheme, host and port).
pub(super) fn paging(s: &State, patient_search: bool, base: &str) -> Paging {
    let f = s.get();
    let active = !patient_search;
    Paging {
        forced: active
            && matches!(
                f,
                Fault::NextLoop | Fault::ForeignNext | Fault::NextOtherPath
            ),
        repeat: active && f == Fault::NextLoop,
        host: match f {
            Fault::ForeignNext if active => Some("http://elsewhere.invalid".to_string()),
            Fault::NextOtherPath if active => Some(format!("{base}/other-trust")),
            _ => None,
        },
    }
}

pub(super) fn body(s: &State, body: String) -> String {
    if s.get() != Fault::TruncatedJson {
        return body;
    }
    let cut = body.len() / 2;
    let cut = (0..=cut)
        .rev()
        .find(|i| body.is_char_boundary(*i))
        .unwrap_or(0);
    body[..cut].to_string()
}
