//! TLS for one endpoint: the platform's trusted roots plus an optional CA
//! bundle, an optional client certificate (mutual TLS), TLS 1.2 or later; and
//! a specific message for each certificate failure.

use std::path::Path;

use rustls::{AlertDescription, CertificateError};
use zeroize::Zeroizing;

use super::FhirError;
use crate::config::TlsConfig;

/// Reads a file holding a private key, refusing one other users can read
/// (as ssh does): the key is the endpoint's identity.
pub fn read_private_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, FhirError> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| FhirError::Setup(format!("{what} {shown}: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(FhirError::Setup(format!(
                "{what} {shown} can be read by other users; make it readable by its owner only (chmod 600)"
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| FhirError::Setup(format!("{what} {shown}: {e}")))
}

/// Applies an endpoint's TLS settings to a client builder.
pub fn configure(
    builder: reqwest::ClientBuilder,
    tls: &TlsConfig,
) -> Result<reqwest::ClientBuilder, FhirError> {
    let mut builder = builder
        .use_rustls_tls()
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .tls_built_in_root_certs(true);
    if let Some(path) = &tls.ca_bundle {
        let pem = std::fs::read(path)
            .map_err(|e| FhirError::Setup(format!("CA bundle {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            FhirError::Setup(format!("CA bundle {} is not PEM: {e}", path.display()))
        })?;
        if certs.is_empty() {
            return Err(FhirError::Setup(format!(
                "CA bundle {} holds no certificate",
                path.display()
            )));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_key) {
        let mut pem = Zeroizing::new(std::fs::read(cert).map_err(|e| {
            FhirError::Setup(format!("client certificate {}: {e}", cert.display()))
        })?);
        pem.push(b'\n');
        pem.extend_from_slice(&read_private_file(key, "client key")?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(|_| {
            FhirError::Setup(format!(
                "client certificate {} and key {} could not be read as a PEM certificate and private key",
                cert.display(),
                key.display()
            ))
        })?;
        builder = builder.identity(identity);
    }
    Ok(builder)
}

/// The TLS failure behind a transport error, in words an integration team acts on.
pub fn explain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(r));
        }
        // io::Error hides the error it wraps from `source()` (and may wrap another io::Error).
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            current = Some(inner);
            continue;
        }
        current = e.source();
    }
    None
}

fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet (check this computer's clock)".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the server's certificate is for another host name than the base URL's".into()
            }
            CertificateError::UnknownIssuer => {
                "the server's certificate was issued by an unknown certificate authority (add its CA to tls.ca_bundle if it is trusted)".into()
            }
            CertificateError::Revoked => "the server's certificate has been revoked".into(),
            CertificateError::BadSignature | CertificateError::BadEncoding => {
                "the server's certificate is damaged or badly signed".into()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "the server's certificate is not for use by a server".into()
            }
            other => format!("the server's certificate was refused ({other:?})"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => {
                "the server requires a client certificate (mutual TLS): set tls.client_cert and tls.client_key".into()
            }
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied => {
                "the server refused Crossview's client certificate".into()
            }
            AlertDescription::CertificateExpired => {
                "the server refused Crossview's client certificate as expired".into()
            }
            AlertDescription::CertificateRevoked => {
                "the server refused Crossview's client certificate as revoked".into()
            }
            AlertDescription::ProtocolVersion => {
                "the server does not speak TLS 1.2 or later".into()
            }
            AlertDescription::HandshakeFailure => {
                "the TLS handshake failed (no cipher or protocol in common, or a client certificate was refused)".into()
            }
            other => format!("the server ended the TLS handshake ({other:?})"),
        },
        rustls::Error::PeerIncompatible(p) => {
            format!("the server's TLS is incompatible with Crossview's (TLS 1.2 or later required): {p:?}")
        }
        rustls::Error::NoCertificatesPresented => "the server presented no certificate".into(),
        other => format!("TLS error: {other}"),
    }
}

/// With TLS 1.3 a server that refuses the client certificate does so after
/// the handshake, and the connection just closes: the client sees "connection
/// was not ready" or an early end of stream rather than the alert. Said so,
/// with the likely cause, instead of a bare "connection closed".
pub fn closed_after_handshake(error: &reqwest::Error, client_cert: bool) -> Option<String> {
    let mut texts = vec![error.to_string()];
    let mut current = std::error::Error::source(error);
    while let Some(e) = current {
        texts.push(e.to_string());
        current = e.source();
    }
    let closed = texts.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("connection was not ready")
            || t.contains("connection closed before message completed")
            || t.contains("unexpected eof")
            || t.contains("connection reset")
    });
    closed.then(|| {
        if client_cert {
            "the server closed the connection right after the TLS handshake: it most likely refused Crossview's client certificate (check tls.client_cert and tls.client_key, and that the server trusts their CA)".to_string()
        } else {
            "the server closed the connection right after the TLS handshake: it most likely requires a client certificate (mutual TLS); set tls.client_cert and tls.client_key".to_string()
        }
    })
}
