//! The endpoints screen: list, save (in place, losing nothing) and test.

use super::{App, Mode};
use crate::config::edit::save_endpoints;
use crate::config::settings::assign_ids;
use crate::config::{AuthConfig, Endpoint, EndpointSettings};
use crate::error::{ErrorCode, UiError};

pub use crate::doctor::ConnectionReport;

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

    /// Runs the doctor's checks on settings from the endpoints screen. What the
    /// screen does not edit (interface, auth, TLS) comes from the saved endpoint
    /// with the same id; credentials are used only for the address they were
    /// saved with, so settings typed on the screen never send a saved
    /// endpoint's secrets to another server.
    pub async fn test_endpoint(&self, settings: &EndpointSettings) -> ConnectionReport {
        let mut ep = match settings.to_endpoint() {
            Ok(ep) => ep,
            Err(e) => return ConnectionReport::failed(e),
        };
        let saved = self.endpoints_now().into_iter().find(|s| {
            s.id() == ep.id()
                && s.base_url.origin() == ep.base_url.origin()
                && s.base_url.scheme() == ep.base_url.scheme()
        });
        let mut note = None;
        if let Some(s) = &saved {
            // The screen edits only a bearer variable; other auth kinds, TLS and
            // the interface are the configuration file's.
            if !matches!(s.auth, AuthConfig::None | AuthConfig::Bearer { .. }) {
                ep.auth = s.auth.clone();
            }
            ep.interface = s.interface;
            ep.gp_connect = s.gp_connect.clone();
            ep.tls = s.tls.clone();
            ep.headers = s.headers.clone();
        }
        if let AuthConfig::Bearer { token_env, .. } = &ep.auth
            && saved.as_ref().is_none_or(|s| s.auth != ep.auth)
        {
            note = Some(format!(
                "the token in {token_env} was not used: save the endpoint with this address first"
            ));
            ep.auth = AuthConfig::None;
        }
        let mut report = crate::doctor::examine(&ep).await;
        report.note = note;
        report
    }

    /// Keeps a secret an endpoint names (`token_keyring`, `key_keyring`) in the
    /// OS keyring. Names of the cache's own keys are refused.
    pub fn keep_secret(name: &str, secret: &str) -> Result<(), UiError> {
        let name = name.trim();
        if name.is_empty()
            || name.len() > 200
            || name.chars().any(char::is_control)
            || name.starts_with(crate::cache_key::KEYRING_PREFIX)
        {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "a keyring entry name is 1 to 200 printable characters, not starting with \"{}\"",
                    crate::cache_key::KEYRING_PREFIX
                ),
            ));
        }
        if secret.is_empty() {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "nothing was read from standard input",
            ));
        }
        crate::keystore::set(name, secret)
            .map_err(|e| UiError::new(ErrorCode::CacheKeyMissing, e.to_string()))
    }

    /// The doctor: every configured endpoint (or the one named, by name or id), checked.
    pub async fn doctor(&self, only: Option<&str>) -> Result<Vec<ConnectionReport>, UiError> {
        let endpoints: Vec<Endpoint> = self
            .endpoints_for_network()
            .await?
            .into_iter()
            .filter(|e| only.is_none_or(|n| e.name() == n || e.id() == n))
            .collect();
        if endpoints.is_empty() {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                match only {
                    Some(n) => format!("no endpoint is called \"{n}\""),
                    None => "no endpoint is configured".into(),
                },
            ));
        }
        let mut out = Vec::with_capacity(endpoints.len());
        for ep in &endpoints {
            out.push(crate::doctor::examine(ep).await);
        }
        Ok(out)
    }
}
