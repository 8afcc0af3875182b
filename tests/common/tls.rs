//! Certificates made in the test (rcgen), a TLS server over loopback that can
//! require a client certificate, and an OAuth2 token endpoint that checks the
//! signed client assertion the way SMART Backend Services specifies.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct Ca {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
}

pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        let cert = p.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// A server certificate for `names`; `expired` puts its validity in the past.
    pub fn server(&self, names: &[&str], expired: bool) -> Leaf {
        self.leaf(names, expired, ExtendedKeyUsagePurpose::ServerAuth)
    }

    pub fn client(&self, name: &str) -> Leaf {
        self.leaf(&[name], false, ExtendedKeyUsagePurpose::ClientAuth)
    }

    fn leaf(&self, names: &[&str], expired: bool, usage: ExtendedKeyUsagePurpose) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.extended_key_usages = vec![usage];
        if expired {
            p.not_before = date_time_ymd(2020, 1, 1);
            p.not_after = date_time_ymd(2021, 1, 1);
        }
        let cert = p.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// Writes a file readable by its owner only (as keys must be).
pub fn private_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

pub fn public_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Serves `app` over TLS on 127.0.0.1 with `leaf`; with `client_ca`, a client
/// certificate issued by it is required. Returns the port.
pub async fn serve_tls(app: Router, leaf: &Leaf, client_ca: Option<&Ca>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key = PrivateKeyDer::try_from(leaf.key_der.clone()).unwrap();
    let mut config = builder
        .with_single_cert(vec![leaf.der.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    port
}

/// A small FHIR endpoint: a CapabilityStatement, and an empty searchset for any search.
pub fn fhir_app() -> Router {
    Router::new()
        .route(
            "/fhir/metadata",
            get(|| async {
                fhir(json!({
                    "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
                    "software": {"name": "TLS fixture"}
                }))
            }),
        )
        .fallback(get(|| async {
            fhir(json!({"resourceType": "Bundle", "type": "searchset", "entry": []}))
        }))
}

fn fhir(v: Value) -> Response {
    ([("content-type", "application/fhir+json")], v.to_string()).into_response()
}

/// The token endpoint's view of things, for assertions.
#[derive(Default)]
pub struct TokenState {
    pub issued: Vec<String>,
    pub assertions: Vec<String>,
    pub jtis: HashSet<String>,
    pub refused: Vec<String>,
    pub revoked: bool,
    pub fhir_401: u32,
    /// Tokens accepted besides the issued ones (a static bearer token).
    pub static_tokens: Vec<String>,
}

#[derive(Clone)]
pub struct TokenServer {
    pub base: String,
    pub state: Arc<Mutex<TokenState>>,
}

struct Verifier {
    key: jsonwebtoken::DecodingKey,
    alg: jsonwebtoken::Algorithm,
    client_id: String,
    kid: String,
    lifetime: u64,
    token_url: Mutex<String>,
}

type Shared = (Arc<Mutex<TokenState>>, Arc<Verifier>);

async fn token(State((state, v)): State<Shared>, body: Bytes) -> Response {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let refuse = |why: String| {
        state.lock().unwrap().refused.push(why.clone());
        (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/json")],
            json!({"error": "invalid_client", "error_description": why}).to_string(),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("client_credentials")
        || form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return refuse("grant_type / client_assertion_type".into());
    }
    let Some(assertion) = form.get("client_assertion") else {
        return refuse("no client_assertion".into());
    };
    let aud = v.token_url.lock().unwrap().clone();
    let mut validation = jsonwebtoken::Validation::new(v.alg);
    validation.set_audience(&[aud.as_str()]);
    validation.set_issuer(&[v.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
    let data = match jsonwebtoken::decode::<Value>(assertion, &v.key, &validation) {
        Ok(d) => d,
        Err(e) => return refuse(format!("assertion does not verify: {e}")),
    };
    let c = &data.claims;
    if data.header.kid.as_deref() != Some(v.kid.as_str()) {
        return refuse("wrong kid".into());
    }
    if c["sub"] != c["iss"] {
        return refuse("sub must equal iss".into());
    }
    let (iat, exp) = (
        c["iat"].as_u64().unwrap_or(0),
        c["exp"].as_u64().unwrap_or(0),
    );
    if exp <= iat || exp - iat > 300 {
        return refuse("exp must be at most 5 minutes after iat".into());
    }
    let jti = c["jti"].as_str().unwrap_or_default().to_string();
    let mut s = state.lock().unwrap();
    if jti.is_empty() || !s.jtis.insert(jti) {
        drop(s);
        return refuse("jti missing or reused".into());
    }
    let t = format!("access-token-{}-{}", s.issued.len() + 1, uuid_like());
    s.issued.push(t.clone());
    s.assertions.push(assertion.clone());
    s.revoked = false;
    (
        [("content-type", "application/json")],
        json!({"access_token": t, "token_type": "bearer", "expires_in": v.lifetime, "scope": form.get("scope")}).to_string(),
    )
        .into_response()
}

fn uuid_like() -> String {
    crossview::fhir::client::request_id()
}

async fn guarded(State((state, _)): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    let mut s = state.lock().unwrap();
    let given = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(String::from);
    let current = s.issued.last().cloned();
    let is_static = given.as_ref().is_some_and(|g| s.static_tokens.contains(g));
    if !is_static && (s.revoked || given.is_none() || given != current) {
        s.fhir_401 += 1;
        return (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/fhir+json")],
            json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "login", "diagnostics": "token not valid"}]}).to_string(),
        )
            .into_response();
    }
    drop(s);
    if uri.path().ends_with("/metadata") {
        fhir(
            json!({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "software": {"name": "token fixture"}}),
        )
    } else {
        fhir(json!({"resourceType": "Bundle", "type": "searchset", "entry": []}))
    }
}

impl TokenServer {
    /// A FHIR endpoint at `{base}/fhir` guarded by tokens from `{base}/token`,
    /// discoverable at `{base}/fhir/.well-known/smart-configuration`.
    pub async fn start(
        public_pem: &str,
        alg: jsonwebtoken::Algorithm,
        client_id: &str,
        kid: &str,
        lifetime: u64,
    ) -> TokenServer {
        let key = match alg {
            jsonwebtoken::Algorithm::RS384 => {
                jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes())
            }
            _ => jsonwebtoken::DecodingKey::from_ec_pem(public_pem.as_bytes()),
        }
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let verifier = Arc::new(Verifier {
            key,
            alg,
            client_id: client_id.into(),
            kid: kid.into(),
            lifetime,
            token_url: Mutex::new(format!("{base}/token")),
        });
        let state = Arc::new(Mutex::new(TokenState::default()));
        let discovery = json!({"token_endpoint": format!("{base}/token"), "token_endpoint_auth_methods_supported": ["private_key_jwt"]}).to_string();
        let app = Router::new()
            .route("/token", post(token))
            .route(
                "/fhir/.well-known/smart-configuration",
                get(move || async move { ([("content-type", "application/json")], discovery) }),
            )
            .fallback(guarded)
            .with_state((state.clone(), verifier));
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TokenServer { base, state }
    }

    pub fn accept_static(&self, token: &str) {
        self.state
            .lock()
            .unwrap()
            .static_tokens
            .push(token.to_string());
    }

    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }
}
