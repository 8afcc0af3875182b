//! An endpoint as the settings screen shows and edits it: the few fields a
//! person changes there. Everything else in the file is kept as written.

use serde::{Deserialize, Serialize};

use super::{AuthConfig, Endpoint, EndpointKind, FhirVersionSetting, slug, valid_id};
use crate::error::{ErrorCode, UiError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EndpointSettings {
    /// Stable id; `null` for an endpoint being added (one is generated on save).
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub kind: EndpointKind,
    pub base_url: String,
    pub fhir_version: FhirVersionSetting,
    pub timeout_s: u32,
    pub page_size: u32,
    /// Environment variable holding a bearer token; empty for none.
    pub token_env: String,
    /// The file accepts plain http:// to another machine for this endpoint (shown
    /// as a danger; only the configuration file can set it).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Read only: interface, auth and TLS as the configuration file sets them
    /// (edited in the file, not on this screen).
    #[serde(default)]
    pub connection: String,
}

/// "GP Connect · client credentials … · mutual TLS": what the file sets beyond the screen's fields.
fn connection_summary(ep: &Endpoint) -> String {
    let mut parts = vec![match ep.interface {
        super::Interface::Rest => "FHIR REST".to_string(),
        super::Interface::GpConnect => "GP Connect structured record".to_string(),
    }];
    parts.push(format!("auth: {}", ep.auth.describe()));
    if ep.tls.ca_bundle.is_some() {
        parts.push("extra CA bundle".into());
    }
    if ep.tls.client_cert.is_some() {
        parts.push("mutual TLS".into());
    }
    parts.join(" · ")
}

fn invalid(message: impl Into<String>) -> UiError {
    UiError::new(ErrorCode::ConfigInvalid, message)
}

impl EndpointSettings {
    /// What a new endpoint starts with: the core's defaults, so the screen and the file agree.
    pub fn defaults() -> EndpointSettings {
        EndpointSettings {
            id: None,
            name: String::new(),
            kind: EndpointKind::Hospital,
            base_url: String::new(),
            fhir_version: FhirVersionSetting::Auto,
            timeout_s: super::default_timeout() as u32,
            page_size: super::default_page_size(),
            token_env: String::new(),
            allow_insecure_http: false,
            connection: String::new(),
        }
    }

    pub fn from_endpoint(ep: &Endpoint) -> EndpointSettings {
        EndpointSettings {
            id: Some(ep.id()),
            name: ep.name().to_string(),
            kind: ep.kind,
            base_url: ep.base_url.to_string(),
            fhir_version: ep.fhir_version,
            timeout_s: u32::try_from(ep.timeout_s).unwrap_or(u32::MAX),
            page_size: ep.page_size,
            token_env: match &ep.auth {
                AuthConfig::Bearer { token_env, .. } => token_env.clone(),
                _ => String::new(),
            },
            connection: connection_summary(ep),
            allow_insecure_http: ep.allow_insecure_http,
        }
    }

    /// Validated endpoint (with `id` set); errors say which field is wrong.
    pub fn to_endpoint(&self) -> Result<Endpoint, UiError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(invalid("Name must not be empty"));
        }
        let url = url::Url::parse(self.base_url.trim())
            .map_err(|e| invalid(format!("Base URL \"{}\" is not a URL: {e}", self.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("Base URL must start with http:// or https://"));
        }
        let mut ep = Endpoint::new(name, self.kind, url);
        ep.fhir_version = self.fhir_version;
        ep.allow_insecure_http = self.allow_insecure_http;
        if let Some(problem) = ep.insecure_address() {
            return Err(invalid(problem));
        }
        ep.timeout_s = u64::from(self.timeout_s);
        ep.page_size = self.page_size;
        if let Some(problem) = ep.out_of_bounds() {
            return Err(invalid(problem));
        }
        let id = match self.id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => slug(name),
        };
        if !valid_id(&id) {
            return Err(invalid(format!(
                "Id \"{id}\" must be lowercase letters, digits or hyphens"
            )));
        }
        ep.id = Some(id);
        if !self.token_env.trim().is_empty() {
            ep.auth = AuthConfig::Bearer {
                token_env: self.token_env.trim().to_string(),
                token_keyring: None,
            };
        }
        Ok(ep)
    }
}

/// Gives every endpoint being added an id no other endpoint has (name-based, with a suffix if taken).
pub fn assign_ids(settings: &mut [EndpointSettings]) {
    let mut taken: Vec<String> = settings.iter().filter_map(|s| s.id.clone()).collect();
    for s in settings.iter_mut().filter(|s| s.id.is_none()) {
        let base = slug(s.name.trim());
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        taken.push(id.clone());
        s.id = Some(id);
    }
}
