//! The endpoint doctor: the checks `crossview doctor` and the app's *Test
//! connection* run, in order — address, TLS, auth, `/metadata`, then each
//! interaction Crossview relies on, read from the CapabilityStatement *and*
//! tried — and what Crossview will and will not be able to show from the
//! endpoint as a result. Nothing here touches the cache or any patient's data.

mod probes;

use serde::Serialize;
use std::time::Duration;

use crate::config::{AuthConfig, Endpoint, Interface};
use crate::error::{ErrorCode, UiError};
use crate::fhir::capability::Capabilities;
use crate::fhir::{FhirClient, FhirError};

/// Longest the address checks wait.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStep {
    Address,
    Tls,
    Auth,
    Metadata,
    Interaction,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Pass,
    /// Works, but not as well as it could (Crossview copes; the detail says how).
    Warn,
    Fail,
    /// Not tried (an earlier step failed, or it does not apply).
    Skip,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub step: CheckStep,
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
}

/// What the checks found for one endpoint.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    pub endpoint: String,
    pub base_url: String,
    /// True when no check failed.
    pub ok: bool,
    /// The first failure, as an error the fronts show.
    pub error: Option<UiError>,
    pub fhir_version: Option<String>,
    pub software: Option<String>,
    /// The searched resource types and whether the server offers each.
    pub supports: Vec<(String, bool)>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// What Crossview will be able to show from this endpoint, in plain words.
    pub will_show: Vec<String>,
    /// What it will not, and why.
    pub will_not_show: Vec<String>,
    /// Something the test could not do, in plain words (e.g. a token not used).
    pub note: Option<String>,
}

impl ConnectionReport {
    fn new(ep: &Endpoint) -> ConnectionReport {
        ConnectionReport {
            endpoint: ep.name().to_string(),
            base_url: ep.base_url.to_string(),
            ok: true,
            error: None,
            fhir_version: None,
            software: None,
            supports: Vec::new(),
            checks: Vec::new(),
            will_show: Vec::new(),
            will_not_show: Vec::new(),
            note: None,
        }
    }

    /// A report of one failure before any check could run (settings that do not validate).
    pub fn failed(error: UiError) -> ConnectionReport {
        ConnectionReport {
            endpoint: String::new(),
            base_url: String::new(),
            ok: false,
            checks: vec![Check {
                step: CheckStep::Address,
                name: "settings".into(),
                status: CheckStatus::Fail,
                detail: error.message.clone(),
            }],
            error: Some(error),
            fhir_version: None,
            software: None,
            supports: Vec::new(),
            will_show: Vec::new(),
            will_not_show: vec!["nothing: the settings are not valid".into()],
            note: None,
        }
    }

    fn add(&mut self, step: CheckStep, name: &str, status: CheckStatus, detail: impl Into<String>) {
        self.checks.push(Check {
            step,
            name: name.to_string(),
            status,
            detail: detail.into(),
        });
    }

    fn fail(&mut self, step: CheckStep, name: &str, error: UiError) {
        self.add(step, name, CheckStatus::Fail, error.message.clone());
        self.ok = false;
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Every later step, marked as not tried.
    fn skip_rest(&mut self, after: CheckStep) {
        let later: &[(CheckStep, &str)] = &[
            (CheckStep::Tls, "TLS"),
            (CheckStep::Auth, "auth"),
            (CheckStep::Metadata, "CapabilityStatement (/metadata)"),
            (CheckStep::Interaction, "interactions"),
        ];
        for (step, name) in later.iter().filter(|(s, _)| (*s as u8) > (after as u8)) {
            self.add(
                *step,
                name,
                CheckStatus::Skip,
                "not tried: an earlier step failed",
            );
        }
        if self.will_show.is_empty() {
            self.will_not_show
                .push("nothing until the failure above is fixed".into());
        }
    }
}

/// Runs every check against one endpoint.
pub async fn examine(ep: &Endpoint) -> ConnectionReport {
    let mut r = ConnectionReport::new(ep);
    if !address(ep, &mut r).await {
        r.skip_rest(CheckStep::Address);
        return r;
    }
    if !tls(ep, &mut r).await {
        r.skip_rest(CheckStep::Tls);
        return r;
    }
    let Some(client) = auth(ep, &mut r).await else {
        r.skip_rest(CheckStep::Auth);
        return r;
    };
    let Some(caps) = metadata(ep, &client, &mut r).await else {
        r.skip_rest(CheckStep::Metadata);
        return r;
    };
    match (ep.interface, &ep.gp_connect) {
        (Interface::GpConnect, Some(cfg)) => probes::gp_connect(&client, cfg, &caps, &mut r).await,
        _ => probes::rest(&client, &caps, &mut r).await,
    }
    r
}

/// The host resolves and something accepts connections on the port.
async fn address(ep: &Endpoint, r: &mut ConnectionReport) -> bool {
    const NAME: &str = "address";
    if let Some(problem) = ep.insecure_address() {
        r.fail(
            CheckStep::Address,
            NAME,
            UiError::new(ErrorCode::ConfigInvalid, problem),
        );
        return false;
    }
    let (Some(host), Some(port)) = (ep.base_url.host_str(), ep.base_url.port_or_known_default())
    else {
        r.fail(
            CheckStep::Address,
            NAME,
            UiError::new(ErrorCode::ConfigInvalid, "the base URL names no host"),
        );
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let unreachable = |detail: String| UiError::new(ErrorCode::EndpointUnreachable, detail);
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::time::timeout(CONNECT_WAIT, tokio::net::lookup_host((host.as_str(), port)))
            .await
        {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => {
                r.fail(
                    CheckStep::Address,
                    NAME,
                    unreachable(format!("the host name {host} cannot be resolved ({e})")),
                );
                return false;
            }
            Err(_) => {
                r.fail(
                    CheckStep::Address,
                    NAME,
                    unreachable(format!(
                        "resolving {host} took longer than {} s",
                        CONNECT_WAIT.as_secs()
                    )),
                );
                return false;
            }
        };
    let mut last = String::from("no address");
    for a in &addrs {
        match tokio::time::timeout(CONNECT_WAIT, tokio::net::TcpStream::connect(a)).await {
            Ok(Ok(_)) => {
                r.add(
                    CheckStep::Address,
                    NAME,
                    CheckStatus::Pass,
                    format!(
                        "{host} resolves to {}; port {port} accepts connections",
                        a.ip()
                    ),
                );
                return true;
            }
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = format!("no answer within {} s", CONNECT_WAIT.as_secs()),
        }
    }
    r.fail(
        CheckStep::Address,
        NAME,
        unreachable(format!(
            "nothing accepts connections at {host}:{port} ({last})"
        )),
    );
    false
}

/// The TLS handshake, alone: a request without credentials, whose HTTP answer does not matter.
async fn tls(ep: &Endpoint, r: &mut ConnectionReport) -> bool {
    const NAME: &str = "TLS";
    if ep.base_url.scheme() != "https" {
        r.add(
            CheckStep::Tls,
            NAME,
            CheckStatus::Skip,
            if ep.is_loopback() {
                "plain http:// on this machine: no TLS"
            } else {
                "plain http:// (allow_insecure_http): data travels unencrypted"
            },
        );
        return true;
    }
    let mut bare = ep.clone();
    bare.auth = AuthConfig::None;
    let client = match FhirClient::interactive(&bare) {
        Ok(c) => c,
        Err(e) => {
            r.fail(CheckStep::Tls, NAME, e.into());
            return false;
        }
    };
    let url = match client.url("metadata", &[]) {
        Ok(u) => u,
        Err(e) => {
            r.fail(CheckStep::Tls, NAME, e.into());
            return false;
        }
    };
    match client.get(&url).await {
        Err(
            e @ (FhirError::Tls { .. } | FhirError::Unreachable { .. } | FhirError::Timeout { .. }),
        ) => {
            r.fail(CheckStep::Tls, NAME, e.into());
            false
        }
        _ => {
            let mut detail =
                "TLS 1.2 or later, server certificate trusted and valid for the host".to_string();
            if ep.tls.ca_bundle.is_some() {
                detail.push_str(" (with the configured CA bundle)");
            }
            if ep.tls.client_cert.is_some() {
                detail.push_str("; client certificate presented");
            }
            r.add(CheckStep::Tls, NAME, CheckStatus::Pass, detail);
            true
        }
    }
}

/// The credentials can be read, and a token fetched where the auth is a token exchange.
async fn auth(ep: &Endpoint, r: &mut ConnectionReport) -> Option<FhirClient> {
    const NAME: &str = "auth";
    let client = match FhirClient::interactive(ep) {
        Ok(c) => c,
        Err(e) => {
            r.fail(CheckStep::Auth, NAME, e.into());
            return None;
        }
    };
    let described = ep.auth.describe();
    match &ep.auth {
        AuthConfig::None if ep.interface == Interface::GpConnect => r.add(
            CheckStep::Auth,
            NAME,
            CheckStatus::Pass,
            "GP Connect consumer JWT made for each request (the provider's answers below show whether it is accepted)",
        ),
        AuthConfig::None => r.add(CheckStep::Auth, NAME, CheckStatus::Skip, "no credentials configured"),
        AuthConfig::Bearer { .. } => r.add(
            CheckStep::Auth,
            NAME,
            CheckStatus::Pass,
            format!("{described}: present (the server's answers below show whether it is accepted)"),
        ),
        AuthConfig::ClientCredentials { .. } => match client.check_auth().await {
            Ok(_) => r.add(
                CheckStep::Auth,
                NAME,
                CheckStatus::Pass,
                format!("{described}: access token obtained"),
            ),
            Err(e) => {
                r.fail(CheckStep::Auth, NAME, e.into());
                return None;
            }
        },
    }
    Some(client)
}

async fn metadata(
    ep: &Endpoint,
    client: &FhirClient,
    r: &mut ConnectionReport,
) -> Option<Capabilities> {
    const NAME: &str = "CapabilityStatement (/metadata)";
    let read = match (&ep.interface, &ep.gp_connect) {
        (Interface::GpConnect, Some(cfg)) => {
            client
                .capabilities_with(Some(probes::gp_call(
                    cfg,
                    client,
                    None,
                    crate::gpconnect::request::METADATA_INTERACTION_ID,
                )))
                .await
        }
        _ => client.capabilities().await,
    };
    let caps = match read {
        Ok(c) => c,
        Err(e) => {
            r.fail(CheckStep::Metadata, NAME, e.into());
            return None;
        }
    };
    r.fhir_version = caps.fhir_version_text.clone();
    r.software = caps.software.clone();
    let software = caps.software.as_deref().unwrap_or("software not stated");
    let text = caps.fhir_version_text.as_deref().unwrap_or("(not stated)");
    match caps.version() {
        None => {
            r.fail(
                CheckStep::Metadata,
                NAME,
                UiError::new(
                    ErrorCode::UnsupportedFhirVersion,
                    format!(
                        "the server reports FHIR {text} ({software}); Crossview reads R4 and STU3"
                    ),
                ),
            );
            None
        }
        Some(v) if ep.interface == Interface::GpConnect && v != crate::fhir::FhirVersion::STU3 => {
            r.fail(
                CheckStep::Metadata,
                NAME,
                UiError::new(
                    ErrorCode::UnsupportedFhirVersion,
                    format!("GP Connect is STU3 but the server reports FHIR {text} ({software})"),
                ),
            );
            None
        }
        Some(v) => {
            r.add(
                CheckStep::Metadata,
                NAME,
                CheckStatus::Pass,
                format!("FHIR {text} ({}), {software}", v.as_str()),
            );
            Some(caps)
        }
    }
}
