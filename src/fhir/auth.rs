//! Credentials for one endpoint: a static bearer token (environment variable or
//! OS keyring), or OAuth2 client credentials with a signed client assertion
//! (`private_key_jwt`, as in SMART Backend Services and NHS England's
//! application-restricted signed-JWT flow). Tokens are cached until shortly
//! before they expire and fetched again when the server answers 401.
//! No secret is ever put into an error, a log line or a `Debug` output.

use reqwest::Url;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;
use tokio::time::Instant;
use zeroize::Zeroizing;

use super::FhirError;
use super::client::{display_url, request_id};
use crate::config::{AuthConfig, JwtAlg};

/// Client assertions live this long (the flows allow at most 5 minutes).
const ASSERTION_LIFETIME_S: u64 = 300;
/// A cached token is renewed this long before it expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// Assumed lifetime when the token endpoint does not say.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What goes into each request's `Authorization` header.
#[derive(Clone)]
pub enum Credentials {
    None,
    Static(HeaderValue),
    Token(Arc<TokenSource>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credentials::None => "Credentials::None",
            Credentials::Static(_) => "Credentials::Static(..)",
            Credentials::Token(_) => "Credentials::Token(..)",
        })
    }
}

fn bearer(token: &str) -> Result<HeaderValue, FhirError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| {
        FhirError::MissingSecret("the token holds characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credentials {
    /// Reads the secrets the configuration names. `http` is the endpoint's own
    /// client (same TLS settings), used for discovery and the token endpoint.
    pub fn load(
        auth: &AuthConfig,
        base: &Url,
        http: reqwest::Client,
        endpoint: &str,
    ) -> Result<Credentials, FhirError> {
        match auth {
            AuthConfig::None => Ok(Credentials::None),
            AuthConfig::Bearer {
                token_env,
                token_keyring: None,
            } => {
                let token = Zeroizing::new(std::env::var(token_env).map_err(|_| {
                    FhirError::MissingSecret(format!("environment variable {token_env} is not set"))
                })?);
                Ok(Credentials::Static(bearer(&token).map_err(|_| {
                    FhirError::MissingSecret(format!(
                        "{token_env} holds characters not allowed in a header"
                    ))
                })?))
            }
            AuthConfig::Bearer {
                token_keyring: Some(entry),
                ..
            } => {
                let token = keyring_secret(entry)?;
                Ok(Credentials::Static(bearer(&token)?))
            }
            AuthConfig::ClientCredentials {
                client_id,
                token_url,
                scope,
                alg,
                kid,
                key_file,
                key_keyring,
            } => {
                let pem = match (key_file, key_keyring) {
                    (Some(path), _) => super::tls::read_private_file(path, "signing key")?,
                    (None, Some(entry)) => {
                        Zeroizing::new(keyring_secret(entry)?.as_bytes().to_vec())
                    }
                    (None, None) => {
                        return Err(FhirError::MissingSecret(
                            "no signing key: set key_file or key_keyring".into(),
                        ));
                    }
                };
                let key = match alg {
                    JwtAlg::RS384 => jsonwebtoken::EncodingKey::from_rsa_pem(&pem),
                    JwtAlg::ES384 => jsonwebtoken::EncodingKey::from_ec_pem(&pem),
                }
                .map_err(|_| {
                    FhirError::MissingSecret(format!(
                        "the signing key is not a PEM {} private key",
                        match alg {
                            JwtAlg::RS384 => "RSA",
                            JwtAlg::ES384 => "P-384 EC",
                        }
                    ))
                })?;
                Ok(Credentials::Token(Arc::new(TokenSource {
                    client_id: client_id.clone(),
                    configured_url: token_url.clone(),
                    base: base.clone(),
                    scope: scope.clone(),
                    alg: *alg,
                    kid: kid.clone(),
                    key,
                    http,
                    endpoint: endpoint.to_string(),
                    state: Mutex::new(TokenState::default()),
                })))
            }
        }
    }

    /// The header for the next request; `refresh` drops a cached token first.
    pub async fn header(&self, refresh: bool) -> Result<Option<HeaderValue>, FhirError> {
        match self {
            Credentials::None => Ok(None),
            Credentials::Static(v) => Ok(Some(v.clone())),
            Credentials::Token(t) => t.header(refresh).await.map(Some),
        }
    }

    /// True when a 401 may be cured by fetching a new token.
    pub fn refreshable(&self) -> bool {
        matches!(self, Credentials::Token(_))
    }

    /// How many tokens were fetched so far (for the doctor and tests).
    pub async fn tokens_fetched(&self) -> u32 {
        match self {
            Credentials::Token(t) => t.state.lock().await.fetched,
            _ => 0,
        }
    }
}

fn keyring_secret(entry: &str) -> Result<Zeroizing<String>, FhirError> {
    match crate::keystore::get(entry) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(FhirError::MissingSecret(format!(
            "the OS keyring has no entry \"{entry}\" (service \"{}\")",
            crate::keystore::SERVICE
        ))),
        Err(e) => Err(FhirError::MissingSecret(format!(
            "keyring entry \"{entry}\": {e}"
        ))),
    }
}

#[derive(Default)]
struct TokenState {
    token: Option<(Zeroizing<String>, Instant)>,
    /// The token endpoint in use (configured or discovered).
    token_url: Option<Url>,
    fetched: u32,
}

/// OAuth2 client credentials with a signed client assertion.
pub struct TokenSource {
    client_id: String,
    configured_url: Option<Url>,
    base: Url,
    scope: Option<String>,
    alg: JwtAlg,
    kid: Option<String>,
    key: jsonwebtoken::EncodingKey,
    http: reqwest::Client,
    /// The endpoint's id, for the request log.
    endpoint: String,
    state: Mutex<TokenState>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(serde::Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: u64,
    exp: u64,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// https, or plain http to this machine only: tokens never cross a network in clear.
fn acceptable_token_url(u: &Url) -> bool {
    u.scheme() == "https" || (u.scheme() == "http" && crate::config::is_loopback(u))
}

impl TokenSource {
    async fn header(&self, refresh: bool) -> Result<HeaderValue, FhirError> {
        let mut state = self.state.lock().await;
        if refresh {
            state.token = None;
        }
        if let Some((token, until)) = &state.token
            && Instant::now() < *until
        {
            return bearer(token);
        }
        let url = match &state.token_url {
            Some(u) => u.clone(),
            None => {
                let u = match &self.configured_url {
                    Some(u) => u.clone(),
                    None => self.discover().await?,
                };
                state.token_url = Some(u.clone());
                u
            }
        };
        let (token, lifetime) = self.fetch(&url).await?;
        state.fetched += 1;
        let renew_at = Instant::now() + lifetime.saturating_sub(RENEW_MARGIN.min(lifetime / 2));
        let value = bearer(&token)?;
        state.token = Some((token, renew_at));
        Ok(value)
    }

    /// One line in the request log for a discovery or token request (never its body).
    fn log(
        &self,
        method: &str,
        url: &str,
        id: &str,
        status: Option<u16>,
        started: std::time::Instant,
    ) {
        let request = super::request_log::Request {
            endpoint: &self.endpoint,
            method,
            url,
            request_id: id,
            started,
        };
        request.done(
            status,
            match status {
                Some(s) if (200..300).contains(&s) => "ok",
                Some(_) => "http-error",
                None => "unreachable",
            },
        );
    }

    /// The token endpoint from `[base]/.well-known/smart-configuration`.
    async fn discover(&self) -> Result<Url, FhirError> {
        let base = self.base.as_str().trim_end_matches('/');
        let url = Url::parse(&format!("{base}/.well-known/smart-configuration"))
            .map_err(|e| FhirError::Setup(e.to_string()))?;
        let shown = display_url(&url);
        let missing = |why: String| {
            FhirError::MissingSecret(format!(
                "no token_url is configured and {shown} {why}; set token_url"
            ))
        };
        let id = request_id();
        let started = std::time::Instant::now();
        let sent = self
            .http
            .get(url.clone())
            .header(super::client::REQUEST_ID_HEADER, &id)
            .send()
            .await;
        self.log(
            "GET",
            &shown,
            &id,
            sent.as_ref().ok().map(|r| r.status().as_u16()),
            started,
        );
        let resp =
            sent.map_err(|e| missing(format!("could not be read ({})", transport_detail(&e))))?;
        if !resp.status().is_success() {
            return Err(missing(format!("answered HTTP {}", resp.status().as_u16())));
        }
        let body = bounded_text(resp)
            .await
            .ok_or_else(|| missing("could not be read".into()))?;
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| missing("is not JSON".into()))?;
        let endpoint = v
            .get("token_endpoint")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| missing("names no token_endpoint".into()))?;
        let u = Url::parse(endpoint)
            .map_err(|_| missing("gives a token_endpoint that is not a URL".into()))?;
        if !acceptable_token_url(&u) {
            return Err(missing(
                "gives a token_endpoint that is not https://".into(),
            ));
        }
        Ok(u)
    }

    fn assertion(&self, aud: &str) -> Result<String, FhirError> {
        let mut header = jsonwebtoken::Header::new(match self.alg {
            JwtAlg::RS384 => jsonwebtoken::Algorithm::RS384,
            JwtAlg::ES384 => jsonwebtoken::Algorithm::ES384,
        });
        header.kid = self.kid.clone();
        header.typ = Some("JWT".into());
        let now = unix_now();
        let claims = Assertion {
            iss: &self.client_id,
            sub: &self.client_id,
            aud,
            jti: request_id(),
            iat: now,
            exp: now + ASSERTION_LIFETIME_S,
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| {
            FhirError::MissingSecret(
                "the client assertion could not be signed with the configured key".into(),
            )
        })
    }

    async fn fetch(&self, url: &Url) -> Result<(Zeroizing<String>, Duration), FhirError> {
        let shown = display_url(url);
        let assertion = Zeroizing::new(self.assertion(url.as_str())?);
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        if let Some(scope) = &self.scope {
            form.push(("scope", scope));
        }
        let id = request_id();
        let started = std::time::Instant::now();
        let sent = self
            .http
            .post(url.clone())
            .header(super::client::REQUEST_ID_HEADER, &id)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await;
        self.log(
            "POST",
            &shown,
            &id,
            sent.as_ref().ok().map(|r| r.status().as_u16()),
            started,
        );
        let resp = sent.map_err(|e| FhirError::Unreachable {
            url: format!("{shown} [X-Request-ID {id}]"),
            detail: transport_detail(&e),
        })?;
        let status = resp.status();
        let body = bounded_text(resp).await.unwrap_or_default();
        let answer: Option<TokenAnswer> = serde_json::from_str(&body).ok();
        let auth_error = |diagnostics: String| FhirError::Auth {
            url: format!("{shown} [X-Request-ID {id}]"),
            status: status.as_u16(),
            diagnostics: Some(diagnostics),
        };
        let Some(answer) = answer else {
            return Err(auth_error(
                "the token endpoint did not answer with OAuth2 JSON".into(),
            ));
        };
        if !status.is_success() || answer.access_token.is_none() {
            // error codes and descriptions are the server's words about our request, not secrets.
            let code = answer.error.unwrap_or_else(|| "no error code".into());
            let text: String = answer
                .error_description
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(auth_error(if text.is_empty() {
                format!("token request refused: {code}")
            } else {
                format!("token request refused: {code}: {text}")
            }));
        }
        let lifetime = answer
            .expires_in
            .as_ref()
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .map_or(DEFAULT_TOKEN_LIFETIME, |s| {
                Duration::from_secs(s.clamp(1, 86_400))
            });
        Ok((
            Zeroizing::new(answer.access_token.unwrap_or_default()),
            lifetime,
        ))
    }
}

/// Most bytes read from a token or discovery answer (they are a few hundred).
const MAX_AUTH_ANSWER: usize = 64 * 1024;

/// The body of a small answer, or `None` when it is larger than any token
/// answer needs to be (a hostile endpoint cannot fill memory) or unreadable.
async fn bounded_text(mut resp: reqwest::Response) -> Option<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.ok()? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_AUTH_ANSWER {
            return None;
        }
    }
    String::from_utf8(buf).ok()
}

/// The innermost cause of a transport error (a TLS problem in words when it is one).
pub fn transport_detail(e: &reqwest::Error) -> String {
    if let Some(tls) = super::tls::explain(e) {
        return tls;
    }
    let mut detail = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    detail
}
