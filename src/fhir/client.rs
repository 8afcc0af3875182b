//! One client per endpoint. Transport and auth are set up in one place
//! (`FhirClient::for_endpoint`) so that mutual TLS and SMART backend-services
//! tokens slot in beside the bearer token without touching callers.

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER,
};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

use super::FhirError;
use super::auth::{Credentials, transport_detail};
use super::bundle::{Page, parse_page};
use super::capability::Capabilities;
use super::request_log;
use crate::config::Endpoint;

const ACCEPT_FHIR: &str =
    "application/fhir+json, application/json+fhir;q=0.9, application/json;q=0.8";
/// Longest single wait a server may ask for with Retry-After before we give up.
/// Sent with every request, new each time (see `request_id`).
pub const REQUEST_ID_HEADER: &str = "X-Request-ID";
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
const MAX_ATTEMPTS: u32 = 4;

#[derive(Debug)]
struct Budget {
    used: AtomicU64,
    max: u64,
    /// Most decompressed bytes in one answer.
    max_response: u64,
    deadline: Instant,
    deadline_secs: u64,
    /// The server's clock (`Date` header) at its first answer.
    server_date: std::sync::OnceLock<chrono::DateTime<chrono::Utc>>,
}

/// Longest an interactive call (a search by name, a connection test) may take:
/// a person is waiting, unlike a sync.
const INTERACTIVE_DEADLINE: Duration = Duration::from_secs(30);
/// Diagnostics kept from an OperationOutcome: a server cannot fill the screen.
const MAX_OUTCOME_ISSUES: usize = 5;

#[derive(Debug, Clone)]
pub struct FhirClient {
    http: reqwest::Client,
    /// Base URL without a trailing slash.
    base: String,
    base_url: Url,
    request_timeout: Duration,
    max_pages: u32,
    budget: Arc<Budget>,
    credentials: Credentials,
    /// The endpoint's id, for the request log.
    endpoint: String,
    /// Whether a client certificate is configured (to word a refused handshake).
    client_cert: bool,
}

/// What identifies a version of an answer (a search's first page): sent back
/// as `If-None-Match` / `If-Modified-Since`, so an unchanged answer is a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    /// An HTTP date, exactly as the server sent it.
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    fn from_headers(h: &HeaderMap) -> Validators {
        let text = |name| {
            h.get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= 256)
                .map(String::from)
        };
        Validators {
            etag: text(reqwest::header::ETAG),
            last_modified: text(reqwest::header::LAST_MODIFIED),
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = self
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            h.insert(reqwest::header::IF_NONE_MATCH, v);
        }
        if let Some(v) = self
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            h.insert(reqwest::header::IF_MODIFIED_SINCE, v);
        }
        h
    }
}

/// A server's answer: its body and validators, or "not modified" (a 304 to a
/// conditional request).
enum Answer {
    Body(String, Validators),
    NotModified,
}

/// Headers made anew for each attempt (GP Connect's trace id and JWT are per request).
pub type HeaderFn = Arc<dyn Fn() -> Result<HeaderMap, FhirError> + Send + Sync>;

/// A request with headers only it carries (GP Connect's), and a body for a POST.
pub struct Call {
    /// `Some`: POSTed as FHIR JSON; `None`: a GET.
    pub body: Option<String>,
    pub headers: HeaderFn,
}

/// Drops the query (it names the patient) so URLs can go into messages and logs.
/// A new id for one HTTP request (a random UUID, version 4), sent as
/// `X-Request-ID` and quoted in any error about that request, so an
/// integration team can find the request in the server's logs.
pub fn request_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No randomness: unique enough within this process for correlation.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let t = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        b[..8].copy_from_slice(&t.to_be_bytes());
        b[8..].copy_from_slice(&n.to_be_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u.to_string()
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A link that stays on the endpoint: same origin, and under its base path
/// (`https://host/trust-a/fhir` never pages into `https://host/trust-b/`).
fn under_base(link: &Url, base: &Url) -> bool {
    let base_path = base.path().trim_end_matches('/');
    let path = link.path();
    same_origin(link, base)
        && (base_path.is_empty()
            || path == base_path
            || path.starts_with(&format!("{base_path}/"))
            || path.starts_with(&format!("{base_path}?")))
}

/// A FHIR logical id (`[A-Za-z0-9-.]{1,64}`): anything else never goes into a URL.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && id != "."
        && id != ".."
}

fn retry_after(headers: &HeaderMap) -> Option<(Duration, String)> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().to_string();
    if let Ok(secs) = text.parse::<u64>() {
        return Some((Duration::from_secs(secs), text));
    }
    let when = httpdate::parse_http_date(&text).ok()?;
    let wait = when
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Some((wait, text))
}

fn outcome_diagnostics(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    if v.get("resourceType")?.as_str()? != "OperationOutcome" {
        return None;
    }
    let issues = v.get("issue")?.as_array()?;
    let mut texts: Vec<String> = issues
        .iter()
        .filter_map(|i| {
            let text = i
                .get("diagnostics")
                .and_then(Value::as_str)
                .or_else(|| i.pointer("/details/text").and_then(Value::as_str))
                .or_else(|| {
                    i.pointer("/details/coding/0/display")
                        .and_then(Value::as_str)
                });
            // Spine and GP Connect name the error by code (PATIENT_NOT_FOUND, INVALID_RESOURCE…).
            let code = i.pointer("/details/coding/0/code").and_then(Value::as_str);
            let line = match (code, text) {
                (Some(c), Some(t)) if !t.contains(c) => format!("{c}: {t}"),
                (_, Some(t)) => t.to_string(),
                (Some(c), None) => c.to_string(),
                (None, None) => return None,
            };
            Some(line.chars().take(300).collect())
        })
        .take(MAX_OUTCOME_ISSUES)
        .collect();
    if issues.len() > MAX_OUTCOME_ISSUES {
        texts.push(format!(
            "… and {} more issues",
            issues.len() - MAX_OUTCOME_ISSUES
        ));
    }
    (!texts.is_empty()).then(|| texts.join("; "))
}

fn looks_like_html(content_type: &str, body: &str) -> bool {
    content_type.contains("html") || body.trim_start().starts_with('<')
}

impl FhirClient {
    /// Builds the transport and auth for one endpoint. The deadline for the
    /// whole sync starts now.
    pub fn for_endpoint(ep: &Endpoint) -> Result<FhirClient, FhirError> {
        FhirClient::build(ep, ep.sync_timeout())
    }

    /// A client for a call a person waits on (search by name, connection test):
    /// the same transport, a short deadline.
    pub fn interactive(ep: &Endpoint) -> Result<FhirClient, FhirError> {
        FhirClient::build(ep, ep.sync_timeout().min(INTERACTIVE_DEADLINE))
    }

    fn build(ep: &Endpoint, deadline: Duration) -> Result<FhirClient, FhirError> {
        if let Some(problem) = ep.insecure_address() {
            return Err(FhirError::Setup(problem));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_FHIR));
        for (k, v) in &ep.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| FhirError::Setup(format!("header name \"{k}\": {e}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| FhirError::Setup(format!("header \"{k}\": {e}")))?;
            headers.insert(name, value);
        }
        if ep.auth.sends_credentials() && ep.base_url.scheme() == "http" && !ep.is_loopback() {
            return Err(FhirError::MissingSecret(
                "credentials are never sent over plain http:// to another machine; use https://"
                    .into(),
            ));
        }
        let builder = reqwest::Client::builder()
            .user_agent(concat!("crossview/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(ep.request_timeout())
            .connect_timeout(ep.request_timeout().min(Duration::from_secs(10)))
            // Never follow a redirect to another server: it would receive our credentials and patient queries.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt.previous().first().cloned();
                let foreign = first.is_some_and(|f| !same_origin(&f, attempt.url()));
                if attempt.previous().len() > 5 || foreign {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }));
        let http = super::tls::configure(builder, &ep.tls)?
            .build()
            .map_err(|e| FhirError::Setup(e.to_string()))?;
        let credentials = Credentials::load(&ep.auth, &ep.base_url, http.clone(), &ep.id())?;
        let base = ep.base_url.as_str().trim_end_matches('/').to_string();
        Ok(FhirClient {
            http,
            base_url: ep.base_url.clone(),
            base,
            request_timeout: ep.request_timeout(),
            max_pages: ep.max_pages,
            budget: Arc::new(Budget {
                used: AtomicU64::new(0),
                max: ep.max_bytes(),
                max_response: ep.max_response_bytes(),
                deadline: Instant::now()
                    .checked_add(deadline)
                    .unwrap_or_else(|| Instant::now() + INTERACTIVE_DEADLINE),
                deadline_secs: deadline.as_secs(),
                server_date: std::sync::OnceLock::new(),
            }),
            credentials,
            endpoint: ep.id(),
            client_cert: ep.tls.client_cert.is_some(),
        })
    }

    /// Tokens fetched from the token endpoint so far (client-credentials auth).
    pub async fn tokens_fetched(&self) -> u32 {
        self.credentials.tokens_fetched().await
    }

    /// Fetches the access token now (the doctor's auth step); `None` when the
    /// endpoint's auth is not a token exchange.
    pub async fn check_auth(&self) -> Result<bool, FhirError> {
        if !self.credentials.refreshable() {
            return Ok(false);
        }
        self.credentials.header(false).await.map(|_| true)
    }

    /// Sends a request with its own headers (a GP Connect operation) and returns the answer.
    pub async fn call(&self, url: &Url, call: Call) -> Result<String, FhirError> {
        self.send(url, Some(&call)).await
    }

    /// GETs a URL under this endpoint and returns the answer.
    pub async fn get(&self, url: &Url) -> Result<String, FhirError> {
        self.send(url, None).await
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn bytes_received(&self) -> u64 {
        self.budget.used.load(Ordering::Relaxed)
    }

    /// The server's clock at its first answer to this client (its `Date`
    /// header), when it sent one: changes are asked for by the server's time.
    pub fn server_date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.budget.server_date.get().copied()
    }

    /// `[base]/path?query`.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, FhirError> {
        let mut u = Url::parse(&format!("{}/{}", self.base, path.trim_start_matches('/')))
            .map_err(|e| FhirError::Setup(format!("URL for {path}: {e}")))?;
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        Ok(u)
    }

    /// Reads `/metadata`.
    pub async fn capabilities(&self) -> Result<Capabilities, FhirError> {
        self.capabilities_with(None).await
    }

    /// Reads `/metadata`, with a call's own headers when the server needs them (GP Connect).
    pub async fn capabilities_with(&self, call: Option<Call>) -> Result<Capabilities, FhirError> {
        let url = self.url("metadata", &[])?;
        let body = self.send(&url, call.as_ref()).await?;
        let v: Value = serde_json::from_str(&body).map_err(|e| FhirError::Malformed {
            url: display_url(&url),
            path: ".".into(),
            message: e.to_string(),
        })?;
        let found = v
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("resource without resourceType");
        if found != "CapabilityStatement" && found != "Conformance" {
            return Err(FhirError::UnexpectedResource {
                url: display_url(&url),
                found: found.to_string(),
                expected: "CapabilityStatement",
            });
        }
        Ok(Capabilities::from_json(&v))
    }

    /// Starts a search; pages are fetched by [`Pager::next_page`].
    pub fn search(
        &self,
        resource_type: &str,
        query: &[(&str, &str)],
    ) -> Result<Pager<'_>, FhirError> {
        let first = self.url(resource_type, query)?;
        Ok(Pager {
            client: self,
            label: display_url(&first),
            next: Some(first),
            seen: HashSet::new(),
            pages: 0,
            conditional: None,
            validators: Validators::default(),
            not_modified: false,
        })
    }

    /// A search whose first page is asked for only if it changed since
    /// `validators` (an earlier answer's); see [`Pager::not_modified`].
    pub fn search_if_changed(
        &self,
        resource_type: &str,
        query: &[(&str, &str)],
        validators: Validators,
    ) -> Result<Pager<'_>, FhirError> {
        let mut pager = self.search(resource_type, query)?;
        pager.conditional = (!validators.is_empty()).then_some(validators);
        Ok(pager)
    }

    /// Reads one resource by its relative reference (`Medication/123`); `None` when the server says 404/410.
    pub async fn read(&self, reference: &str) -> Result<Option<String>, FhirError> {
        let valid = reference.split_once('/').is_some_and(|(ty, id)| {
            !ty.is_empty() && ty.bytes().all(|b| b.is_ascii_alphabetic()) && valid_id(id)
        });
        if !valid {
            return Err(FhirError::BadId {
                id: reference.chars().take(80).collect(),
            });
        }
        let url = self.url(reference, &[])?;
        match self.get_text(&url).await {
            Ok(body) => Ok(Some(body)),
            Err(FhirError::Http {
                status: 404 | 410, ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn check_deadline(&self) -> Result<(), FhirError> {
        if Instant::now() >= self.budget.deadline {
            return Err(FhirError::Deadline {
                seconds: self.budget.deadline_secs,
            });
        }
        Ok(())
    }

    async fn get_text(&self, url: &Url) -> Result<String, FhirError> {
        self.send(url, None).await
    }

    async fn send(&self, url: &Url, call: Option<&Call>) -> Result<String, FhirError> {
        match self.exchange(url, call, None).await? {
            Answer::Body(body, _) => Ok(body),
            // Only a conditional request may be answered "not modified".
            Answer::NotModified => Err(FhirError::Http {
                url: display_url(url),
                status: 304,
                diagnostics: Some("not modified, to a request that was not conditional".into()),
            }),
        }
    }

    /// GET (or POST) with retries for 429/503, one token refresh on 401, the
    /// byte budget and the sync deadline; conditional when `validators` are given.
    async fn exchange(
        &self,
        url: &Url,
        call: Option<&Call>,
        validators: Option<&Validators>,
    ) -> Result<Answer, FhirError> {
        let address = display_url(url);
        let mut attempt = 0;
        let mut refreshed = false;
        let mut refresh = false;
        loop {
            attempt += 1;
            self.check_deadline()?;
            // A new id per attempt: each is a request of its own in the server's logs.
            let id = request_id();
            let shown = format!("{address} [X-Request-ID {id}]");
            let mut own = match call {
                Some(c) => (c.headers)()?,
                None => HeaderMap::new(),
            };
            if let Some(v) = validators {
                own.extend(v.headers());
            }
            let carries_auth = own.contains_key(AUTHORIZATION);
            let mut request = match call.and_then(|c| c.body.as_ref()) {
                None => self.http.get(url.clone()),
                Some(body) => self
                    .http
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/fhir+json")
                    .body(body.clone()),
            }
            .headers(own)
            .header(REQUEST_ID_HEADER, &id);
            if !carries_auth && let Some(auth) = self.credentials.header(refresh).await? {
                request = request.header(AUTHORIZATION, auth);
            }
            refresh = false;
            let started = std::time::Instant::now();
            let method = if call.is_some_and(|c| c.body.is_some()) {
                "POST"
            } else {
                "GET"
            };
            let logged = request_log::Request {
                endpoint: &self.endpoint,
                method,
                url: &address,
                request_id: &id,
                started,
            };
            let log = |status: Option<u16>, outcome: &str| logged.done(status, outcome);
            let sent = tokio::time::timeout_at(self.budget.deadline, request.send()).await;
            let resp = match sent {
                Err(_) => {
                    log(None, "deadline");
                    return Err(FhirError::Deadline {
                        seconds: self.budget.deadline_secs,
                    });
                }
                Ok(Err(e)) => {
                    let error = self.transport_error(&shown, &e);
                    log(
                        None,
                        match error {
                            FhirError::Timeout { .. } => "timeout",
                            FhirError::Tls { .. } => "tls",
                            _ => "unreachable",
                        },
                    );
                    return Err(error);
                }
                Ok(Ok(r)) => r,
            };
            let status = resp.status();
            if self.budget.server_date.get().is_none()
                && let Some(date) = resp
                    .headers()
                    .get(reqwest::header::DATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            {
                let _ = self
                    .budget
                    .server_date
                    .set(date.with_timezone(&chrono::Utc));
            }
            // An expired or revoked token: fetch a new one, once.
            if status == StatusCode::UNAUTHORIZED && self.credentials.refreshable() && !refreshed {
                log(Some(status.as_u16()), "token-refresh");
                refreshed = true;
                refresh = true;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED && validators.is_some() {
                log(Some(304), "not-modified");
                return Ok(Answer::NotModified);
            }
            log(
                Some(status.as_u16()),
                if status.is_success() {
                    "ok"
                } else if status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::SERVICE_UNAVAILABLE
                {
                    "retry"
                } else {
                    "http-error"
                },
            );
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
            {
                let (wait, text) = retry_after(resp.headers()).unwrap_or_else(|| {
                    (
                        Duration::from_millis(500u64.saturating_mul(1 << (attempt - 1).min(10))),
                        "not given".into(),
                    )
                });
                // Checked before any arithmetic: a server may ask for a wait of centuries.
                let fits = wait <= MAX_RETRY_WAIT
                    && Instant::now()
                        .checked_add(wait)
                        .is_some_and(|t| t < self.budget.deadline);
                if attempt >= MAX_ATTEMPTS || !fits {
                    return Err(FhirError::RateLimited {
                        url: shown,
                        status: status.as_u16(),
                        attempts: attempt,
                        retry_after: text,
                    });
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let answered = Validators::from_headers(resp.headers());
            let body = self.read_body(resp, &shown).await?;
            if !status.is_success() {
                if looks_like_html(&content_type, &body) {
                    return Err(FhirError::NotFhir {
                        url: shown,
                        status: status.as_u16(),
                        what: "an HTML error page".into(),
                    });
                }
                let diagnostics = outcome_diagnostics(&body);
                return Err(
                    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                        FhirError::Auth {
                            url: shown,
                            status: status.as_u16(),
                            diagnostics,
                        }
                    } else {
                        FhirError::Http {
                            url: shown,
                            status: status.as_u16(),
                            diagnostics,
                        }
                    },
                );
            }
            if looks_like_html(&content_type, &body) {
                return Err(FhirError::NotFhir {
                    url: shown,
                    status: status.as_u16(),
                    what: "an HTML page".into(),
                });
            }
            if !content_type.is_empty() && !content_type.contains("json") {
                return Err(FhirError::NotFhir {
                    url: shown,
                    status: status.as_u16(),
                    what: format!("content of type {content_type}"),
                });
            }
            return Ok(Answer::Body(body, answered));
        }
    }

    fn transport_error(&self, url: &str, e: &reqwest::Error) -> FhirError {
        if e.is_timeout() {
            FhirError::Timeout {
                url: url.to_string(),
                seconds: self.request_timeout.as_secs(),
            }
        } else if let Some(problem) = super::tls::explain(e) {
            FhirError::Tls {
                url: url.to_string(),
                problem,
            }
        } else if self.base_url.scheme() == "https"
            && let Some(problem) = super::tls::closed_after_handshake(e, self.client_cert)
        {
            FhirError::Tls {
                url: url.to_string(),
                problem,
            }
        } else {
            // The innermost cause: "connection refused" says more than "error sending request".
            FhirError::Unreachable {
                url: url.to_string(),
                detail: transport_detail(e),
            }
        }
    }

    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        shown: &str,
    ) -> Result<String, FhirError> {
        let mut buf: Vec<u8> = Vec::new();
        let mut this_response: u64 = 0;
        loop {
            let chunk = tokio::time::timeout_at(self.budget.deadline, resp.chunk()).await;
            let chunk = match chunk {
                Err(_) => {
                    return Err(FhirError::Deadline {
                        seconds: self.budget.deadline_secs,
                    });
                }
                Ok(Err(e)) => return Err(self.transport_error(shown, &e)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            let used = self
                .budget
                .used
                .fetch_add(chunk.len() as u64, Ordering::Relaxed)
                + chunk.len() as u64;
            if used > self.budget.max {
                return Err(FhirError::TooLarge {
                    limit_mib: self.budget.max / (1024 * 1024),
                });
            }
            // One answer, decompressed: a small gzip bomb stops here.
            this_response += chunk.len() as u64;
            if this_response > self.budget.max_response {
                return Err(FhirError::ResponseTooLarge {
                    url: shown.to_string(),
                    limit_mib: self.budget.max_response / (1024 * 1024),
                });
            }
            buf.extend_from_slice(&chunk);
        }
        String::from_utf8(buf).map_err(|e| FhirError::Malformed {
            url: shown.to_string(),
            path: ".".into(),
            message: format!("body is not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        })
    }
}

/// Follows a search's `next` links, refusing loops, foreign links and too many pages.
pub struct Pager<'a> {
    client: &'a FhirClient,
    label: String,
    next: Option<Url>,
    seen: HashSet<String>,
    pages: u32,
    /// Sent with the first page only.
    conditional: Option<Validators>,
    /// What the server sent with the first page.
    validators: Validators,
    not_modified: bool,
}

impl Pager<'_> {
    pub async fn next_page(&mut self) -> Result<Option<Page>, FhirError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if self.pages >= self.client.max_pages {
            return Err(FhirError::TooManyPages {
                search: self.label.clone(),
                max: self.client.max_pages,
            });
        }
        if !self.seen.insert(url.to_string()) {
            return Err(FhirError::PagingLoop {
                url: display_url(&url),
            });
        }
        self.pages += 1;
        let body = match self
            .client
            .exchange(&url, None, self.conditional.take().as_ref())
            .await?
        {
            Answer::NotModified => {
                self.not_modified = true;
                return Ok(None);
            }
            Answer::Body(body, validators) => {
                if self.pages == 1 {
                    self.validators = validators;
                }
                body
            }
        };
        let page = parse_page(&body, &display_url(&url))?;
        if let Some(link) = &page.next {
            let resolved = url.join(link).map_err(|_| FhirError::ForeignLink {
                url: display_url(&url),
                link: link.chars().take(200).collect(),
            })?;
            if !under_base(&resolved, &self.client.base_url) {
                return Err(FhirError::ForeignLink {
                    url: display_url(&url),
                    link: display_url(&resolved),
                });
            }
            if self.seen.contains(resolved.as_str()) {
                return Err(FhirError::PagingLoop {
                    url: display_url(&resolved),
                });
            }
            self.next = Some(resolved);
        }
        Ok(Some(page))
    }

    pub fn pages_fetched(&self) -> u32 {
        self.pages
    }

    /// The server answered the conditional first page "not modified": the
    /// earlier answer still stands, and no page was read.
    pub fn not_modified(&self) -> bool {
        self.not_modified
    }

    /// The first page's `ETag` and `Last-Modified`, to make the next search conditional.
    pub fn validators(&self) -> &Validators {
        &self.validators
    }
}
