//! Transport and auth over loopback, with certificates and keys made in the
//! test: mutual TLS, each certificate failure with its own message, OAuth2
//! client credentials with a signed assertion (fetched, cached, refreshed
//! after expiry and on 401), the doctor naming each failure, and no secret in
//! any output or log line.

mod common;

use common::tls::{Ca, TokenServer, fhir_app, private_file, public_file, serve_tls};
use common::*;
use crossview::config::{AuthConfig, Endpoint, EndpointKind, JwtAlg, TlsConfig};
use crossview::doctor::{CheckStatus, CheckStep, examine};
use crossview::fhir::{FhirClient, FhirError};
use std::time::Duration;

fn endpoint(url: &str) -> Endpoint {
    let mut ep = Endpoint::new("Secure Trust", EndpointKind::Hospital, url.parse().unwrap());
    ep.timeout_s = 5;
    ep
}

/// The TLS problem reading `/metadata` from `ep` runs into.
async fn tls_problem(ep: &Endpoint) -> String {
    match FhirClient::for_endpoint(ep).unwrap().capabilities().await {
        Err(FhirError::Tls { problem, .. }) => problem,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_presents_the_client_certificate_and_names_each_certificate_failure() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test HSCN Root");
    let client_ca = Ca::new("Test Client CA");
    let ca_file = public_file(dir.path(), "ca.pem", &ca.pem());
    let client = client_ca.client("crossview.test");
    let cert_file = public_file(dir.path(), "client.pem", &client.cert_pem);
    let key_file = private_file(dir.path(), "client.key", &client.key_pem);

    let good = serve_tls(
        fhir_app(),
        &ca.server(&["localhost", "127.0.0.1"], false),
        Some(&client_ca),
    )
    .await;
    let url = format!("https://localhost:{good}/fhir");

    // CA bundle and client certificate: the server accepts us.
    let mut ep = endpoint(&url);
    ep.tls = TlsConfig {
        ca_bundle: Some(ca_file.clone()),
        client_cert: Some(cert_file.clone()),
        client_key: Some(key_file.clone()),
    };
    let caps = FhirClient::for_endpoint(&ep)
        .unwrap()
        .capabilities()
        .await
        .unwrap();
    assert_eq!(caps.software.as_deref(), Some("TLS fixture"));

    // No client certificate: refused, and said so.
    let mut no_cert = ep.clone();
    no_cert.tls.client_cert = None;
    no_cert.tls.client_key = None;
    let problem = tls_problem(&no_cert).await;
    assert!(problem.contains("client certificate"), "{problem}");

    // A client certificate from a CA the server does not trust.
    let stranger = Ca::new("Stranger CA").client("crossview.test");
    let mut wrong_cert = ep.clone();
    wrong_cert.tls.client_cert = Some(public_file(dir.path(), "stranger.pem", &stranger.cert_pem));
    wrong_cert.tls.client_key = Some(private_file(dir.path(), "stranger.key", &stranger.key_pem));
    let problem = tls_problem(&wrong_cert).await;
    assert!(
        problem.contains("refused Crossview's client certificate"),
        "{problem}"
    );

    // Without the CA bundle: an unknown certificate authority.
    let mut no_ca = ep.clone();
    no_ca.tls.ca_bundle = None;
    assert!(
        tls_problem(&no_ca)
            .await
            .contains("unknown certificate authority")
    );

    // An expired server certificate.
    let expired = serve_tls(fhir_app(), &ca.server(&["localhost"], true), None).await;
    let mut ep2 = endpoint(&format!("https://localhost:{expired}/fhir"));
    ep2.tls.ca_bundle = Some(ca_file.clone());
    assert!(tls_problem(&ep2).await.contains("expired"));

    // A certificate for another host.
    let other = serve_tls(fhir_app(), &ca.server(&["other.example"], false), None).await;
    let mut ep3 = endpoint(&format!("https://localhost:{other}/fhir"));
    ep3.tls.ca_bundle = Some(ca_file.clone());
    let problem = tls_problem(&ep3).await;
    assert!(problem.contains("another host name"), "{problem}");

    // The doctor names the failure at the TLS step, and passes the good endpoint.
    let report = examine(&ep3).await;
    assert!(!report.ok);
    let tls = report
        .checks
        .iter()
        .find(|c| c.step == CheckStep::Tls)
        .unwrap();
    assert_eq!(tls.status, CheckStatus::Fail);
    assert!(tls.detail.contains("another host name"), "{}", tls.detail);
    let report = examine(&ep).await;
    let tls = report
        .checks
        .iter()
        .find(|c| c.step == CheckStep::Tls)
        .unwrap();
    assert_eq!(tls.status, CheckStatus::Pass, "{report:?}");
    assert!(tls.detail.contains("client certificate presented"));

    // A client key readable by others is refused before anything is sent.
    let loose = public_file(dir.path(), "loose.key", &client.key_pem);
    let mut ep4 = ep.clone();
    ep4.tls.client_key = Some(loose);
    let e = FhirClient::for_endpoint(&ep4).unwrap_err();
    assert!(e.to_string().contains("can be read by other users"), "{e}");
}

fn es384_key() -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    (key.serialize_pem(), key.public_key_pem())
}

/// A token endpoint trusting a new ES384 key (client "crossview-test-client",
/// kid "test-key-1"), and that key's private half.
async fn es384_server(lifetime: u64) -> (String, TokenServer) {
    let (private, public) = es384_key();
    let server = TokenServer::start(
        &public,
        jsonwebtoken::Algorithm::ES384,
        "crossview-test-client",
        "test-key-1",
        lifetime,
    )
    .await;
    (private, server)
}

fn client_credentials(
    key_file: std::path::PathBuf,
    alg: JwtAlg,
    token_url: Option<String>,
) -> AuthConfig {
    AuthConfig::ClientCredentials {
        client_id: "crossview-test-client".into(),
        token_url: token_url.map(|u| u.parse().unwrap()),
        scope: Some("system/*.read".into()),
        alg,
        kid: Some("test-key-1".into()),
        key_file: Some(key_file),
        key_keyring: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_fetched_cached_and_refreshed_after_expiry_and_on_401() {
    let dir = tempfile::tempdir().unwrap();
    let (private, server) = es384_server(2).await;
    let key_file = private_file(dir.path(), "signing.pem", &private);
    let mut ep = endpoint(&format!("{}/fhir", server.base));
    // No token_url: discovered from .well-known/smart-configuration.
    ep.auth = client_credentials(key_file, JwtAlg::ES384, None);
    let client = FhirClient::for_endpoint(&ep).unwrap();

    client.capabilities().await.unwrap();
    client.capabilities().await.unwrap();
    assert_eq!(client.tokens_fetched().await, 1, "the token is cached");
    assert_eq!(server.state.lock().unwrap().issued.len(), 1);

    // It expires (2 s; renewed shortly before): a new one is fetched.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    client.capabilities().await.unwrap();
    assert_eq!(client.tokens_fetched().await, 2, "renewed before expiry");

    // The server revokes it: the 401 is answered with a new token, once.
    server.revoke();
    client.capabilities().await.unwrap();
    assert_eq!(client.tokens_fetched().await, 3);
    let s = server.state.lock().unwrap();
    assert_eq!(s.fhir_401, 1);
    assert!(s.refused.is_empty(), "{:?}", s.refused);
    assert_eq!(s.jtis.len(), 3, "a new jti each time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_a_clear_auth_error_and_the_doctor_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = es384_key();
    let (other_private, _) = es384_key();
    let server = TokenServer::start(
        &public,
        jsonwebtoken::Algorithm::ES384,
        "crossview-test-client",
        "test-key-1",
        300,
    )
    .await;
    let mut ep = endpoint(&format!("{}/fhir", server.base));
    ep.auth = client_credentials(
        private_file(dir.path(), "wrong.pem", &other_private),
        JwtAlg::ES384,
        Some(format!("{}/token", server.base)),
    );
    let e = FhirClient::for_endpoint(&ep)
        .unwrap()
        .capabilities()
        .await
        .unwrap_err();
    assert!(matches!(e, FhirError::Auth { .. }), "{e:?}");
    assert!(e.to_string().contains("invalid_client"), "{e}");
    let report = examine(&ep).await;
    let auth = report
        .checks
        .iter()
        .find(|c| c.step == CheckStep::Auth)
        .unwrap();
    assert_eq!(auth.status, CheckStatus::Fail);
    assert!(auth.detail.contains("invalid_client"), "{}", auth.detail);

    // A static token the server does not accept: named at /metadata.
    ep.auth = AuthConfig::Bearer {
        token_env: "CROSSVIEW_TEST_WRONG_TOKEN".into(),
        token_keyring: None,
    };
    // SAFETY: set before any thread of this test reads the environment.
    unsafe { std::env::set_var("CROSSVIEW_TEST_WRONG_TOKEN", "not-a-token") };
    let report = examine(&ep).await;
    let meta = report
        .checks
        .iter()
        .find(|c| c.step == CheckStep::Metadata)
        .unwrap();
    assert_eq!(meta.status, CheckStatus::Fail);
    assert!(
        meta.detail.contains("refused the credentials"),
        "{}",
        meta.detail
    );

    // A stopped server: named at the address step.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let report = examine(&endpoint(&format!("http://127.0.0.1:{port}/fhir"))).await;
    assert!(!report.ok);
    assert_eq!(report.checks[0].status, CheckStatus::Fail);
    assert!(
        report.checks[0]
            .detail
            .contains("nothing accepts connections"),
        "{:?}",
        report.checks[0]
    );
    assert!(
        report.checks[1..]
            .iter()
            .all(|c| c.status == CheckStatus::Skip)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs384_keys_sign_assertions_too() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("rsa.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .stderr(std::process::Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("NOTICE: openssl is not available: the RS384 assertion test is skipped");
        return;
    }
    let public = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .output()
        .unwrap();
    let private = std::fs::read_to_string(&key).unwrap();
    let server = TokenServer::start(
        &String::from_utf8(public.stdout).unwrap(),
        jsonwebtoken::Algorithm::RS384,
        "crossview-test-client",
        "test-key-1",
        300,
    )
    .await;
    let mut ep = endpoint(&format!("{}/fhir", server.base));
    ep.auth = client_credentials(
        private_file(dir.path(), "rsa-600.pem", &private),
        JwtAlg::RS384,
        None,
    );
    FhirClient::for_endpoint(&ep)
        .unwrap()
        .capabilities()
        .await
        .unwrap();
    assert_eq!(server.state.lock().unwrap().issued.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_any_output_or_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let (private, server) = es384_server(300).await;
    let key_file = private_file(dir.path(), "signing.pem", &private);
    let bearer = "static-secret-token-5d1f0c";
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[endpoint]]\nname = \"Token Trust\"\nkind = \"hospital\"\nbase_url = \"{base}/fhir\"\ntimeout_s = 5\n\n[endpoint.auth]\ntype = \"client-credentials\"\nclient_id = \"crossview-test-client\"\nalg = \"ES384\"\nkid = \"test-key-1\"\nkey_file = \"{key}\"\n\n[[endpoint]]\nname = \"Bearer Trust\"\nkind = \"hospital\"\nbase_url = \"{base}/fhir\"\ntimeout_s = 5\nauth = {{ type = \"bearer\", token_env = \"CROSSVIEW_TEST_BEARER\" }}\n",
            base = server.base,
            key = key_file.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut outputs = String::new();
    for args in [
        vec!["doctor", "--json"],
        vec!["doctor"],
        vec!["sync", "--nhs", "9990000018", "--json"],
        vec!["sync", "--nhs", "9990000018"],
        vec!["sources", "--nhs", "9990000018", "--json"],
    ] {
        let mut cmd = command();
        cmd.arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args(&args);
        cmd.env("CROSSVIEW_TEST_BEARER", bearer);
        let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        outputs.push_str(&stdout(&o));
        outputs.push_str(&stderr(&o));
    }
    let log = std::fs::read_to_string(data.join(crossview::fhir::request_log::FILE_NAME)).unwrap();
    // The log has a line per request, with its id, endpoint and outcome.
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 10, "{log}");
    assert!(
        lines
            .iter()
            .all(|l| l["request_id"].as_str().is_some_and(|i| i.len() == 36))
    );
    assert!(
        lines
            .iter()
            .any(|l| l["endpoint"] == "token-trust" && l["outcome"] == "ok")
    );
    // The discovery and token requests are logged too (address and id only).
    assert!(lines.iter().any(|l| {
        l["url"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/smart-configuration")
    }));
    assert!(
        lines
            .iter()
            .any(|l| l["method"] == "POST" && l["url"].as_str().unwrap().ends_with("/token"))
    );
    let everything = format!("{outputs}\n{log}");
    let s = server.state.lock().unwrap();
    assert!(!s.issued.is_empty());
    let mut secrets: Vec<String> = s.issued.clone();
    secrets.extend(s.assertions.iter().cloned());
    secrets.push(bearer.to_string());
    // Every line of the key's base64 body.
    secrets.extend(
        private
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(String::from),
    );
    for secret in &secrets {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret was printed or logged: {secret}"
        );
    }
}

/// Secrets kept in the OS keyring (GNOME Keyring on a private D-Bus session):
/// `crossview keyring set` stores a bearer token and a signing key read from
/// standard input; the doctor then uses both, and neither is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_signing_keys_are_read_from_the_os_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let (private, server) = es384_server(300).await;
    let bearer = "keyring-bearer-token-73a1";
    server.accept_static(bearer);
    let key_pem = private_file(dir.path(), "to-store.pem", &private);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[endpoint]]\nname = \"Signed\"\nkind = \"hospital\"\nbase_url = \"{base}/fhir\"\ntimeout_s = 5\n[endpoint.auth]\ntype = \"client-credentials\"\nclient_id = \"crossview-test-client\"\nalg = \"ES384\"\nkid = \"test-key-1\"\nkey_keyring = \"test-signing-key\"\n\n[[endpoint]]\nname = \"Bearer\"\nkind = \"hospital\"\nbase_url = \"{base}/fhir\"\ntimeout_s = 5\n[endpoint.auth]\ntype = \"bearer\"\ntoken_keyring = \"test-bearer\"\n",
            base = server.base
        ),
    )
    .unwrap();
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    let script = format!(
        "cv() {{ \"{bin}\" --config \"{config}\" --data-dir \"{data}\" \"$@\"; }}
         printf '%s\\n' '{bearer}' | cv keyring set test-bearer || exit 11
         cv keyring set test-signing-key < \"{key}\" || exit 12
         cv keyring set cache-key:/tmp/x < \"{key}\" 2>/dev/null && exit 13
         cv doctor || exit 14",
        bin = bin(),
        config = config.display(),
        data = data.display(),
        key = key_pem.display(),
    );
    let Some(out) = tokio::task::spawn_blocking(move || {
        in_keyring_session(&script, &home, &[("CROSSVIEW_DB_KEY", TEST_KEY)])
    })
    .await
    .unwrap() else {
        return;
    };
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(
        printed.contains("Signed")
            && printed.contains("HEALTHY")
            && !printed.contains("NOT HEALTHY"),
        "{printed}"
    );
    assert!(!printed.contains(bearer));
    assert!(
        private
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .all(|l| !printed.contains(l))
    );
    assert_eq!(
        server.state.lock().unwrap().issued.len(),
        1,
        "the keyring's key signed the assertion"
    );
}
