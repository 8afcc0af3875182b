//! The endpoints screen: list, save (in place, losing nothing) and test.

use serde::Serialize;

use super::{App, Mode};
use crate::config::edit::save_endpoints;
use crate::config::settings::assign_ids;
use crate::config::{Endpoint, EndpointSettings};
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirClient;

/// What "test connection" found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionReport {
    pub ok: bool,
    pub error: Option<UiError>,
    pub fhir_version: Option<String>,
    pub software: Option<String>,
    /// The searched resource types and whether the server offers each.
    pub supports: Vec<(String, bool)>,
    /// Something the test could not do, in plain words (e.g. a token not used).
    pub note: Option<String>,
}

impl ConnectionReport {
    fn failed(error: UiError) -> ConnectionReport {
        ConnectionReport {
            ok: false,
            error: Some(error),
            fhir_version: None,
            software: None,
            supports: vec![],
            note: None,
        }
    }
}

impl App {
    pub fn endpoints(&self) -> Vec<EndpointSettings> {
        self.endpoints_now()
            .iter()
            .map(EndpointSettings::from_endpoint)
            .collect()
    }

    /// What a new endpoint starts with on the settings screen.
    pub fn endpoint_defaults() -> EndpointSettings {
        EndpointSettings::defaults()
    }

    /// Replaces the endpoint list (validated) and saves it into the configuration
    /// file in place: fields the screen does not show, and comments, are kept.
    pub fn save_endpoints(&self, settings: &[EndpointSettings]) -> Result<(), UiError> {
        let Mode::Configured {
            path, endpoints, ..
        } = &self.mode
        else {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "the demo's endpoints cannot be changed",
            ));
        };
        let mut settings = settings.to_vec();
        assign_ids(&mut settings);
        let mut checked: Vec<Endpoint> = Vec::with_capacity(settings.len());
        for s in &settings {
            let ep = s.to_endpoint()?;
            if checked.iter().any(|e| e.name() == ep.name()) {
                return Err(UiError::new(
                    ErrorCode::ConfigInvalid,
                    format!("Two endpoints are called \"{}\"", ep.name()),
                ));
            }
            if checked.iter().any(|e| e.id() == ep.id()) {
                return Err(UiError::new(
                    ErrorCode::ConfigInvalid,
                    format!("Two endpoints have the id \"{}\"", ep.id()),
                ));
            }
            checked.push(ep);
        }
        save_endpoints(path, &settings)?;
        // What is in memory is what the file now says (with every field it keeps).
        let config = crate::config::Config::load(path)?;
        if let Ok(mut w) = endpoints.write() {
            *w = config.endpoints;
        }
        Ok(())
    }

    /// Reads the endpoint's CapabilityStatement and says what works. A token is
    /// used only for the address it was saved with: settings typed on the screen
    /// can never send a saved endpoint's token to another server.
    pub async fn test_endpoint(&self, settings: &EndpointSettings) -> ConnectionReport {
        let mut ep = match settings.to_endpoint() {
            Ok(ep) => ep,
            Err(e) => return ConnectionReport::failed(e),
        };
        let mut note = None;
        if let crate::config::AuthConfig::Bearer { token_env } = &ep.auth {
            let saved = self.endpoints_now().into_iter().any(|s| {
                s.auth == ep.auth
                    && s.base_url.origin() == ep.base_url.origin()
                    && s.base_url.scheme() == ep.base_url.scheme()
            });
            if !saved {
                note = Some(format!(
                    "the token in {token_env} was not used: save the endpoint with this address first"
                ));
                ep.auth = crate::config::AuthConfig::None;
            }
        }
        let client = match FhirClient::interactive(&ep) {
            Ok(c) => c,
            Err(e) => return ConnectionReport::failed(e.into()),
        };
        let caps = match client.capabilities().await {
            Ok(c) => c,
            Err(e) => return ConnectionReport::failed(e.into()),
        };
        let version = caps.version();
        let mut supports: Vec<(String, bool)> = vec![("Patient".into(), caps.supports("Patient"))];
        supports.extend(
            crate::sync::SEARCHED_TYPES
                .iter()
                .map(|t| (t.to_string(), caps.supports(t))),
        );
        ConnectionReport {
            ok: version.is_some(),
            error: version.is_none().then(|| {
                UiError::new(
                    ErrorCode::UnsupportedFhirVersion,
                    format!(
                        "the server reports FHIR {}",
                        caps.fhir_version_text.as_deref().unwrap_or("(not stated)")
                    ),
                )
            }),
            fhir_version: caps.fhir_version_text.clone(),
            software: caps.software.clone(),
            supports,
            note,
        }
    }
}
