//! How an endpoint is reached: its interface (plain FHIR REST or GP Connect),
//! its auth, and its TLS settings. The file names where secrets are (an
//! environment variable, a keyring entry, a key file); never the secrets.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How Crossview reads an endpoint.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interface {
    /// Plain FHIR searches (`Patient?identifier=`, then one search per type).
    #[default]
    Rest,
    /// GP Connect Access Record: Structured (`Patient/$gpc.getstructuredrecord`, STU3).
    GpConnect,
}

impl Interface {
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Rest => "rest",
            Interface::GpConnect => "gp-connect",
        }
    }
}

/// Who Crossview says it is to a GP Connect provider (the `Ssp-*` headers and
/// the consumer JWT's requesting device, organisation and practitioner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpConnectConfig {
    /// `Ssp-From`: this consumer system's ASID.
    pub from_asid: String,
    /// `Ssp-To`: the provider system's ASID.
    pub to_asid: String,
    /// ODS code of the requesting organisation.
    pub consumer_ods: String,
    /// SDS user id of the requesting practitioner.
    pub practitioner_id: String,
    pub practitioner_name: String,
    /// SDS role profile id of the requesting practitioner ("UNK" is sent when not set).
    #[serde(default)]
    pub practitioner_role: Option<String>,
}

/// Signing algorithm for a client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum JwtAlg {
    #[default]
    RS384,
    ES384,
}

impl JwtAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlg::RS384 => "RS384",
            JwtAlg::ES384 => "ES384",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AuthConfig {
    #[default]
    None,
    /// A static bearer token from an environment variable or an OS keyring entry.
    Bearer {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        token_env: String,
        /// Keyring entry (service "crossview") holding the token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_keyring: Option<String>,
    },
    /// OAuth2 client credentials with a signed client assertion (`private_key_jwt`):
    /// SMART Backend Services and NHS England's application-restricted signed-JWT flow.
    #[serde(alias = "client_credentials", alias = "private-key-jwt")]
    ClientCredentials {
        client_id: String,
        /// Token endpoint; discovered from `.well-known/smart-configuration` when absent.
        #[serde(default)]
        token_url: Option<url::Url>,
        #[serde(default)]
        scope: Option<String>,
        #[serde(default)]
        alg: JwtAlg,
        /// `kid` header naming the public key registered with the server.
        #[serde(default)]
        kid: Option<String>,
        /// PEM private key file (readable by its owner only).
        #[serde(default)]
        key_file: Option<PathBuf>,
        /// Keyring entry (service "crossview") holding the PEM private key.
        #[serde(default)]
        key_keyring: Option<String>,
    },
}

impl AuthConfig {
    /// True when this auth sends a credential (and so never over plain http).
    pub fn sends_credentials(&self) -> bool {
        !matches!(self, AuthConfig::None)
    }

    /// What is wrong with the fields, if anything (names the field).
    pub fn problem(&self) -> Option<String> {
        match self {
            AuthConfig::None => None,
            AuthConfig::Bearer {
                token_env,
                token_keyring,
            } => match (token_env.trim().is_empty(), token_keyring) {
                (true, None) => {
                    Some("auth type \"bearer\" needs token_env or token_keyring".into())
                }
                (false, Some(_)) => Some("auth: give token_env or token_keyring, not both".into()),
                _ => None,
            },
            AuthConfig::ClientCredentials {
                client_id,
                key_file,
                key_keyring,
                token_url,
                ..
            } => {
                if client_id.trim().is_empty() {
                    Some("auth: client_id must not be empty".into())
                } else if key_file.is_some() == key_keyring.is_some() {
                    Some(
                        "auth: give exactly one of key_file or key_keyring for the signing key"
                            .into(),
                    )
                } else if token_url
                    .as_ref()
                    .is_some_and(|u| u.scheme() != "https" && !super::is_loopback(u))
                {
                    Some("auth: token_url must be https:// (or this machine)".into())
                } else {
                    None
                }
            }
        }
    }

    /// A one-line description for screens and reports (no secret in it).
    pub fn describe(&self) -> String {
        match self {
            AuthConfig::None => "none".into(),
            AuthConfig::Bearer {
                token_env,
                token_keyring: None,
            } => format!("bearer token from ${token_env}"),
            AuthConfig::Bearer {
                token_keyring: Some(k),
                ..
            } => format!("bearer token from keyring entry \"{k}\""),
            AuthConfig::ClientCredentials { client_id, alg, .. } => {
                format!(
                    "client credentials, {} signed JWT, client id {client_id}",
                    alg.as_str()
                )
            }
        }
    }
}

/// Transport settings beyond the platform's trusted roots.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file of extra CA certificates to trust for this endpoint (e.g. the NHS
    /// Spine or HSCN root), in addition to the platform's roots.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// PEM client certificate (chain) presented for mutual TLS.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate (readable by its owner only).
    #[serde(default)]
    pub client_key: Option<PathBuf>,
}

impl TlsConfig {
    pub fn is_default(&self) -> bool {
        self == &TlsConfig::default()
    }

    pub fn problem(&self) -> Option<String> {
        (self.client_cert.is_some() != self.client_key.is_some())
            .then(|| "tls: client_cert and client_key go together".to_string())
    }
}
