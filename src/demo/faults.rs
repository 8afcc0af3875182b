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
}

#[derive(Default)]
pub(super) struct State {
    fault: Mutex<Fault>,
    rate_limited_left: Mutex<u32>,
}

impl State {
    pub(super) fn set(&self, fault: Fault) {
        if let Fault::RateLimited { times, .. } = &fault {
            *lock(&self.rate_limited_left) = *times;
        }
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

/// True when the CapabilityStatement lists `rtype`.
pub(super) fn offered(s: &State, rtype: &str) -> bool {
    s.get() != Fault::NotOffered(rtype.to_string())
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

pub(super) fn paging(s: &State, patient_search: bool) -> Paging {
    let f = s.get();
    let active = !patient_search;
    Paging {
        forced: active && matches!(f, Fault::NextLoop | Fault::ForeignNext),
        repeat: active && f == Fault::NextLoop,
        host: (active && f == Fault::ForeignNext).then(|| "http://elsewhere.invalid".to_string()),
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
