//! A small FHIR R4 search server over a fixed set of resources, on loopback.
//! It backs the demo (the real client path is exercised over HTTP) and the
//! fast tests, where faults are injected at run time (feature
//! `fault-injection`, which the shipped program does not have).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

#[cfg(feature = "fault-injection")]
use super::faults;
#[cfg(feature = "fault-injection")]
pub use super::faults::Fault;
#[cfg(not(feature = "fault-injection"))]
use super::no_faults as faults;
use crate::nhs_number::NHS_NUMBER_SYSTEM;

pub(super) struct Inner {
    resources: Vec<Value>,
    pub(super) faults: faults::State,
    base: String,
    /// Scheme, host and port only.
    origin: String,
    requests: Mutex<u64>,
    /// The `X-Request-ID` of each request, in order ("" when it had none).
    request_ids: Mutex<Vec<String>>,
    /// When the resources were loaded: their `_lastUpdated` when they carry none.
    loaded_at: chrono::DateTime<chrono::Utc>,
}

/// Binds loopback; a fixed port just released by a stopped server may take a
/// moment to be free again, so that is retried briefly.
async fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut tries = 0;
    loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port != 0 && tries < 40 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// A running server; stops when dropped or on [`FixtureServer::stop`].
pub struct FixtureServer {
    inner: Arc<Inner>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FixtureServer {
    /// Starts on `127.0.0.1:port` (0 picks a free port).
    pub async fn start(resources: Vec<Value>, port: u16) -> std::io::Result<FixtureServer> {
        FixtureServer::start_at(resources, port, "").await
    }

    /// Starts with its FHIR base under `path` (e.g. `/trust-a/fhir`), as many
    /// organisations share one host.
    pub async fn start_at(
        resources: Vec<Value>,
        port: u16,
        path: &str,
    ) -> std::io::Result<FixtureServer> {
        let listener = bind(port).await?;
        let addr = listener.local_addr()?;
        let path = path.trim_end_matches('/').to_string();
        let inner = Arc::new(Inner {
            resources,
            faults: faults::State::default(),
            base: format!("http://{addr}{path}"),
            origin: format!("http://{addr}"),
            requests: Mutex::new(0),
            request_ids: Mutex::new(Vec::new()),
            loaded_at: chrono::Utc::now(),
        });
        let routes = Router::new()
            .route("/metadata", get(metadata))
            .route("/{rtype}", get(search))
            .route("/{rtype}/{id}", get(read))
            .layer(axum::middleware::from_fn_with_state(
                inner.clone(),
                record_request_id,
            ))
            .with_state(inner.clone());
        let app = if path.is_empty() {
            routes
        } else {
            Router::new().nest(&path, routes)
        };
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(FixtureServer {
            inner,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn base_url(&self) -> url::Url {
        // The address is a valid URL by construction.
        url::Url::parse(&self.inner.base).unwrap_or_else(|_| unreachable!("loopback URL"))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    #[cfg(feature = "fault-injection")]
    pub fn set_fault(&self, fault: Fault) {
        self.inner.faults.set(fault);
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        *lock(&self.inner.requests)
    }

    /// The `X-Request-ID` each request carried, in order ("" for none).
    pub fn request_ids(&self) -> Vec<String> {
        lock(&self.inner.request_ids).clone()
    }

    /// Stops accepting connections; the port is closed when this returns.
    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) fn fhir_json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; fhirVersion=4.0"),
    );
    r
}

pub(super) fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    fhir_json(
        status,
        json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}).to_string(),
    )
}

async fn record_request_id(
    State(inner): State<Arc<Inner>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    lock(&inner.request_ids).push(id);
    next.run(req).await
}

/// Counts the request and applies faults that concern every request.
async fn common_faults(inner: &Inner) -> Option<Response> {
    *lock(&inner.requests) += 1;
    faults::on_request(&inner.faults).await
}

async fn metadata(State(inner): State<Arc<Inner>>) -> Response {
    if let Some(r) = common_faults(&inner).await {
        return r;
    }
    let types = [
        "Patient",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationStatement",
        "Medication",
        "Encounter",
        "Composition",
        "DocumentReference",
        "Condition",
        "Consent",
    ];
    let resources: Vec<Value> = types
        .iter()
        .filter(|t| faults::offered(&inner.faults, t))
        .map(|t| {
            let mut r =
                json!({"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]});
            if *t == "MedicationRequest" {
                r["searchInclude"] = json!(["MedicationRequest:medication"]);
            }
            r
        })
        .collect();
    fhir_json(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-01", "kind": "instance",
            "fhirVersion": faults::reported_version(&inner.faults), "format": ["json"],
            "software": {"name": "Crossview fixture server", "version": env!("CARGO_PKG_VERSION")},
            "rest": [{"mode": "server", "resource": resources}]
        })
        .to_string(),
    )
}

/// A `_lastUpdated` search bound: `gt`, `ge`, `lt` or `le` and an instant or date.
struct LastUpdated {
    prefix: String,
    at: chrono::DateTime<chrono::Utc>,
}

impl LastUpdated {
    fn parse(v: &str) -> Option<LastUpdated> {
        let (prefix, at) = v.split_at(v.len().min(2));
        if !matches!(prefix, "gt" | "ge" | "lt" | "le") {
            return None;
        }
        let at = chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            })?;
        Some(LastUpdated {
            prefix: prefix.to_string(),
            at,
        })
    }

    fn admits(&self, r: &Value, loaded_at: chrono::DateTime<chrono::Utc>) -> bool {
        let updated = last_updated(r, loaded_at);
        match self.prefix.as_str() {
            "gt" => updated > self.at,
            "ge" => updated >= self.at,
            "lt" => updated < self.at,
            _ => updated <= self.at,
        }
    }
}

fn reference_id(v: &Value) -> Option<&str> {
    v.get("reference")?.as_str()?.strip_prefix("Patient/")
}

fn of_patient(r: &Value, patient: &str) -> bool {
    r.get("patient")
        .or_else(|| r.get("subject"))
        .and_then(reference_id)
        == Some(patient)
}

fn has_identifier(r: &Value, wanted: &str) -> bool {
    let (system, value) = wanted.split_once('|').unwrap_or(("", wanted));
    r.get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|i| {
            i.get("value").and_then(Value::as_str) == Some(value)
                && (system.is_empty() || i.get("system").and_then(Value::as_str) == Some(system))
        })
}

async fn search(
    State(inner): State<Arc<Inner>>,
    Path(rtype): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(r) = common_faults(&inner).await {
        return r;
    }
    let is_patient_search = rtype == "Patient";
    if !is_patient_search && let Some(r) = faults::on_search(&inner.faults) {
        return r;
    }
    let count: usize = q
        .get("_count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(20)
        .clamp(1, 1000);
    let offset: usize = q.get("_offset").and_then(|c| c.parse().ok()).unwrap_or(0);
    let patient = q
        .get("patient")
        .or_else(|| q.get("subject"))
        .map(|p| p.trim_start_matches("Patient/").to_string());
    let changed = match q
        .get("_lastUpdated")
        .filter(|_| !faults::ignores_last_updated(&inner.faults))
        .map(|v| LastUpdated::parse(v))
    {
        None => None,
        Some(Some(bound)) => Some(bound),
        Some(None) => {
            return outcome(
                StatusCode::BAD_REQUEST,
                "not-supported",
                "_lastUpdated takes gt, ge, lt or le and an instant",
            );
        }
    };
    let mut matches: Vec<&Value> = inner
        .resources
        .iter()
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(rtype.as_str()))
        .filter(|r| match (&patient, q.get("identifier")) {
            (Some(p), _) => of_patient(r, p),
            (None, Some(ident)) => has_identifier(r, ident),
            (None, None) => true,
        })
        .filter(|r| {
            q.get("_id")
                .is_none_or(|id| r.get("id").and_then(Value::as_str) == Some(id))
        })
        .filter(|r| {
            changed
                .as_ref()
                .is_none_or(|b| b.admits(r, inner.loaded_at))
        })
        .collect();
    if faults::empty_search(&inner.faults, &rtype) {
        matches.clear();
    }
    let extra = faults::extra_matches(&inner.faults, &rtype);
    matches.extend(extra.iter());
    // Validators of the whole answer: what matched and when each last changed.
    let validators = Validators::of(&matches, inner.loaded_at);
    if offset == 0 && validators.unchanged_for(&headers) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let page: Vec<&Value> = matches.iter().skip(offset).take(count).copied().collect();
    let mut entries: Vec<Value> = page
        .iter()
        .map(|r| {
            let r = if is_patient_search {
                faults::patient(&inner.faults, (*r).clone())
            } else {
                (*r).clone()
            };
            json!({"fullUrl": format!("{}/{}/{}", inner.base, rtype, r["id"].as_str().unwrap_or("")),
                   "resource": r, "search": {"mode": "match"}})
        })
        .collect();
    for r in faults::extra_includes(&inner.faults, &rtype) {
        entries.push(json!({"resource": r, "search": {"mode": "include"}}));
    }
    if q.get("_include").map(String::as_str) == Some("MedicationRequest:medication") {
        let mut seen = Vec::new();
        for r in &page {
            let Some(id) = r
                .pointer("/medicationReference/reference")
                .and_then(Value::as_str)
                .and_then(|s| s.strip_prefix("Medication/"))
            else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if let Some(m) = inner
                .resources
                .iter()
                .find(|m| m["resourceType"] == "Medication" && m["id"] == id)
            {
                entries.push(json!({"fullUrl": format!("{}/Medication/{id}", inner.base), "resource": m, "search": {"mode": "include"}}));
            }
        }
    }
    let self_url = format!("{}{}", inner.base, uri);
    let mut links = vec![json!({"relation": "self", "url": self_url})];
    let paging = faults::paging(&inner.faults, is_patient_search, &inner.origin);
    if offset + count < matches.len() || paging.forced {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "_offset")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        let next_offset = if paging.repeat {
            offset
        } else {
            offset + count
        };
        pairs.push(("_offset".into(), next_offset.to_string()));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let host = paging.host.unwrap_or_else(|| inner.base.clone());
        links.push(json!({"relation": "next", "url": format!("{host}/{rtype}?{query}")}));
    }
    let body =
        json!({"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries})
            .to_string();
    let body = if is_patient_search {
        body
    } else {
        faults::body(&inner.faults, body)
    };
    let mut response = fhir_json(StatusCode::OK, body);
    validators.set_on(&mut response);
    response
}

/// A search answer's `ETag` (a digest of the matching resources' ids and
/// versions) and `Last-Modified` (the newest of their `lastUpdated`).
struct Validators {
    etag: String,
    last_modified: chrono::DateTime<chrono::Utc>,
}

impl Validators {
    fn of(matches: &[&Value], loaded_at: chrono::DateTime<chrono::Utc>) -> Validators {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut last_modified = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        for r in matches {
            let updated = last_updated(r, loaded_at);
            last_modified = last_modified.max(updated);
            h.update(r.get("id").and_then(Value::as_str).unwrap_or_default());
            h.update(updated.to_rfc3339().as_bytes());
            h.update(
                r.pointer("/meta/versionId")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            );
            h.update([0]);
        }
        Validators {
            etag: format!("W/\"{}\"", &hex::encode(h.finalize())[..16]),
            last_modified,
        }
    }

    /// The request's validators say the client holds this very answer.
    fn unchanged_for(&self, h: &axum::http::HeaderMap) -> bool {
        let text = |name| h.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        if let Some(tags) = text(header::IF_NONE_MATCH) {
            return tags.split(',').any(|t| t.trim() == self.etag);
        }
        text(header::IF_MODIFIED_SINCE)
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
            .is_some_and(|since| self.last_modified.timestamp() <= since.timestamp())
    }

    fn set_on(&self, r: &mut Response) {
        let date = self
            .last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        for (name, value) in [
            (header::ETAG, self.etag.clone()),
            (header::LAST_MODIFIED, date),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
    }
}

fn last_updated(
    r: &Value,
    loaded_at: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    r.pointer("/meta/lastUpdated")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(loaded_at, |t| t.with_timezone(&chrono::Utc))
}

async fn read(
    State(inner): State<Arc<Inner>>,
    Path((rtype, id)): Path<(String, String)>,
    _h: HeaderMap,
) -> Response {
    if let Some(r) = common_faults(&inner).await {
        return r;
    }
    match inner
        .resources
        .iter()
        .find(|r| r["resourceType"] == rtype.as_str() && r["id"] == id.as_str())
    {
        Some(r) => fhir_json(StatusCode::OK, r.to_string()),
        None => outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("{rtype}/{id} is not known"),
        ),
    }
}

/// True when an identifier search value names an NHS number (used by the demo loader).
pub fn nhs_identifier(nhs: &str) -> String {
    format!("{NHS_NUMBER_SYSTEM}|{nhs}")
}
