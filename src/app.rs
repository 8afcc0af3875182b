//! What every front calls: open a patient from the cache, sync, read one
//! resource or a discharge summary, manage endpoints. The desktop shell's
//! commands are thin wrappers around these.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::banner::Banner;
use crate::config::{AuthConfig, Config, ConfigError, Endpoint, EndpointKind, FhirVersionSetting};
use crate::discharge::DischargeView;
use crate::error::{ErrorCode, HasCode, UiError};
use crate::fhir::FhirClient;
use crate::nhs_number::NhsNumber;
use crate::store::{SourceStatus, Store, TimelineFilter};
use crate::sync::{ProgressSink, SyncReport, sync_patient};
use crate::timeline::TimelineEvent;

/// Everything the screen shows for a patient, read from the cache.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientView {
    pub nhs_number: String,
    pub banner: Banner,
    pub events: Vec<TimelineEvent>,
    pub sources: Vec<SourceStatus>,
    /// Every configured endpoint failed at its last attempt (or none was ever reached).
    pub offline: bool,
    /// Oldest "data as of" among the sources shown, for the offline banner.
    pub oldest_data: Option<String>,
}

/// An endpoint as the settings screen edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EndpointSettings {
    pub name: String,
    pub kind: EndpointKind,
    pub base_url: String,
    /// `auto`, `R4` or `STU3`.
    pub fhir_version: String,
    pub timeout_s: u32,
    pub page_size: u32,
    /// Environment variable holding a bearer token; empty for none.
    pub token_env: String,
}

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
}

/// A patient found by family name and date of birth, with the sources that know them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientMatch {
    pub nhs_number: String,
    pub family: Option<String>,
    pub given: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub sources: Vec<String>,
}

/// Matches from every endpoint, and the endpoints that could not be searched.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientSearch {
    pub matches: Vec<PatientMatch>,
    pub failures: Vec<(String, UiError)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    pub demo: bool,
}

pub struct App {
    data_dir: PathBuf,
    config_path: Option<PathBuf>,
    endpoints: RwLock<Vec<Endpoint>>,
    demo: bool,
}

fn ui_err(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError {
        code,
        message: message.into(),
    }
}

impl EndpointSettings {
    pub fn from_endpoint(ep: &Endpoint) -> EndpointSettings {
        EndpointSettings {
            name: ep.name().to_string(),
            kind: ep.kind,
            base_url: ep.base_url.to_string(),
            fhir_version: match ep.fhir_version {
                FhirVersionSetting::Auto => "auto".into(),
                FhirVersionSetting::R4 => "R4".into(),
                FhirVersionSetting::STU3 => "STU3".into(),
            },
            timeout_s: ep.timeout_s as u32,
            page_size: ep.page_size,
            token_env: match &ep.auth {
                AuthConfig::Bearer { token_env } => token_env.clone(),
                AuthConfig::None => String::new(),
            },
        }
    }

    /// Validated endpoint; errors say which field is wrong.
    pub fn to_endpoint(&self) -> Result<Endpoint, UiError> {
        if self.name.trim().is_empty() {
            return Err(ui_err(ErrorCode::ConfigInvalid, "Name must not be empty"));
        }
        let url = url::Url::parse(self.base_url.trim()).map_err(|e| {
            ui_err(
                ErrorCode::ConfigInvalid,
                format!("Base URL \"{}\" is not a URL: {e}", self.base_url),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ui_err(
                ErrorCode::ConfigInvalid,
                "Base URL must start with http:// or https://",
            ));
        }
        let mut ep = Endpoint::new(self.name.trim(), self.kind, url);
        ep.fhir_version = match self.fhir_version.as_str() {
            "auto" | "" => FhirVersionSetting::Auto,
            "R4" => FhirVersionSetting::R4,
            "STU3" => FhirVersionSetting::STU3,
            other => {
                return Err(ui_err(
                    ErrorCode::ConfigInvalid,
                    format!("FHIR version \"{other}\" is not auto, R4 or STU3"),
                ));
            }
        };
        if self.timeout_s == 0 || self.page_size == 0 {
            return Err(ui_err(
                ErrorCode::ConfigInvalid,
                "Timeout and page size must be at least 1",
            ));
        }
        ep.timeout_s = u64::from(self.timeout_s);
        ep.page_size = self.page_size;
        if !self.token_env.trim().is_empty() {
            ep.auth = AuthConfig::Bearer {
                token_env: self.token_env.trim().to_string(),
            };
        }
        Ok(ep)
    }
}

/// TOML text for endpoints, in the configuration file's format.
fn config_text(data_dir: Option<&Path>, endpoints: &[EndpointSettings]) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut t = String::from(
        "# Crossview endpoints (written by the app; see README, \"Configuration\").\n",
    );
    if let Some(d) = data_dir {
        t.push_str(&format!("data_dir = {}\n", q(&d.to_string_lossy())));
    }
    for e in endpoints {
        t.push_str(&format!(
            "\n[[endpoint]]\nname = {}\nkind = {}\nbase_url = {}\nfhir_version = {}\ntimeout_s = {}\npage_size = {}\n",
            q(&e.name),
            q(e.kind.as_str()),
            q(&e.base_url),
            q(if e.fhir_version.is_empty() { "auto" } else { &e.fhir_version }),
            e.timeout_s,
            e.page_size
        ));
        if !e.token_env.trim().is_empty() {
            t.push_str(&format!(
                "auth = {{ type = \"bearer\", token_env = {} }}\n",
                q(e.token_env.trim())
            ));
        }
    }
    t
}

impl App {
    /// An app over a configuration file (which may not exist yet: no endpoints then).
    pub fn from_config(
        config_path: PathBuf,
        data_dir: Option<PathBuf>,
    ) -> Result<App, ConfigError> {
        let config = match Config::load(&config_path) {
            Ok(c) => Some(c),
            Err(ConfigError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let data_dir = crate::config::data_dir(data_dir.as_deref(), config.as_ref())?;
        Ok(App {
            data_dir,
            config_path: Some(config_path),
            endpoints: RwLock::new(config.map(|c| c.endpoints).unwrap_or_default()),
            demo: false,
        })
    }

    /// An app over fixed endpoints (the demo); endpoint changes are kept in memory only.
    pub fn with_endpoints(endpoints: Vec<Endpoint>, data_dir: PathBuf, demo: bool) -> App {
        App {
            data_dir,
            config_path: None,
            endpoints: RwLock::new(endpoints),
            demo,
        }
    }

    pub fn info(&self) -> AppInfo {
        AppInfo { demo: self.demo }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn endpoints_now(&self) -> Vec<Endpoint> {
        self.endpoints.read().map(|e| e.clone()).unwrap_or_default()
    }

    fn store(&self) -> Result<Store, UiError> {
        Store::open(&self.data_dir).map_err(|e| e.to_ui())
    }

    /// The cached record, instantly; no network.
    pub fn open_patient(&self, nhs: &str) -> Result<PatientView, UiError> {
        let nhs = NhsNumber::parse(nhs).map_err(|e| e.to_ui())?;
        let store = self.store()?;
        let key = nhs.as_str();
        let events = store
            .timeline(key, &TimelineFilter::default())
            .map_err(|e| e.to_ui())?;
        let sources = store.sources(key).map_err(|e| e.to_ui())?;
        let banner = store.banner(key).map_err(|e| e.to_ui())?;
        let configured = self.endpoints_now();
        let offline = !configured.is_empty()
            && configured.iter().all(|ep| {
                sources
                    .iter()
                    .find(|s| s.source == ep.name())
                    .is_some_and(|s| s.stale)
            });
        let oldest_data = sources.iter().filter_map(|s| s.last_success.clone()).min();
        Ok(PatientView {
            nhs_number: key.to_string(),
            banner,
            events,
            sources,
            offline,
            oldest_data,
        })
    }

    pub async fn sync(
        &self,
        nhs: &str,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<SyncReport, UiError> {
        let nhs = NhsNumber::parse(nhs).map_err(|e| e.to_ui())?;
        sync_patient(&self.endpoints_now(), &self.data_dir, &nhs, progress)
            .await
            .map_err(|e| e.to_ui())
    }

    pub fn resource_json(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<String, UiError> {
        let nhs = NhsNumber::parse(nhs).map_err(|e| e.to_ui())?;
        self.store()?
            .resource_json(nhs.as_str(), source, resource_type, id)
            .map_err(|e| e.to_ui())?
            .ok_or_else(|| {
                ui_err(
                    ErrorCode::CacheError,
                    format!("{resource_type}/{id} from {source} is not in the cache"),
                )
            })
    }

    pub fn discharge(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<DischargeView, UiError> {
        let nhs = NhsNumber::parse(nhs).map_err(|e| e.to_ui())?;
        self.store()?
            .discharge_view(nhs.as_str(), source, resource_type, id)
            .map_err(|e| e.to_ui())?
            .ok_or_else(|| {
                ui_err(
                    ErrorCode::CacheError,
                    format!("{resource_type}/{id} from {source} is not in the cache"),
                )
            })
    }

    /// Finds patients by family name and date of birth (`yyyy-mm-dd`) at every endpoint.
    /// Only records that really match and carry a valid NHS number are returned: a
    /// server that ignores the search parameters must not offer everyone.
    pub async fn find_patients(
        &self,
        family: &str,
        birth_date: &str,
    ) -> Result<PatientSearch, UiError> {
        let family = family.trim();
        if family.is_empty() {
            return Err(ui_err(ErrorCode::ConfigInvalid, "Enter a family name"));
        }
        if chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d").is_err() {
            return Err(ui_err(
                ErrorCode::ConfigInvalid,
                format!("Date of birth \"{birth_date}\" is not a date (yyyy-mm-dd)"),
            ));
        }
        let searches = self.endpoints_now().into_iter().map(|ep| {
            let (family, birth_date) = (family.to_string(), birth_date.to_string());
            async move {
                let found = async {
                    let client = FhirClient::for_endpoint(&ep).map_err(|e| e.to_ui())?;
                    let mut pager = client
                        .search(
                            "Patient",
                            &[
                                ("family", family.as_str()),
                                ("birthdate", birth_date.as_str()),
                                ("_count", "50"),
                            ],
                        )
                        .map_err(|e| e.to_ui())?;
                    let page = pager.next_page().await.map_err(|e| e.to_ui())?;
                    Ok::<_, UiError>(page.map(|p| p.entries).unwrap_or_default())
                }
                .await;
                (ep.name().to_string(), found, family, birth_date)
            }
        });
        let mut out = PatientSearch {
            matches: Vec::new(),
            failures: Vec::new(),
        };
        for (source, found, family, birth_date) in futures_util::future::join_all(searches).await {
            let entries = match found {
                Ok(e) => e,
                Err(e) => {
                    out.failures.push((source, e));
                    continue;
                }
            };
            for entry in entries {
                let Ok(p) = serde_json::from_str::<serde_json::Value>(&entry.raw) else {
                    continue;
                };
                if let Some(m) = crate::banner::match_patient(&p, &family, &birth_date) {
                    match out
                        .matches
                        .iter_mut()
                        .find(|x| x.nhs_number == m.nhs_number)
                    {
                        Some(existing) => existing.sources.push(source.clone()),
                        None => out.matches.push(PatientMatch {
                            sources: vec![source.clone()],
                            ..m
                        }),
                    }
                }
            }
        }
        Ok(out)
    }

    pub fn endpoints(&self) -> Vec<EndpointSettings> {
        self.endpoints_now()
            .iter()
            .map(EndpointSettings::from_endpoint)
            .collect()
    }

    /// Replaces the endpoint list (validated) and writes the configuration file.
    pub fn save_endpoints(&self, settings: &[EndpointSettings]) -> Result<(), UiError> {
        let mut eps = Vec::with_capacity(settings.len());
        for s in settings {
            let ep = s.to_endpoint()?;
            if eps.iter().any(|e: &Endpoint| e.name() == ep.name()) {
                return Err(ui_err(
                    ErrorCode::ConfigInvalid,
                    format!("Two endpoints are called \"{}\"", ep.name()),
                ));
            }
            eps.push(ep);
        }
        if let Some(path) = &self.config_path {
            let text = config_text(None, settings);
            // Round-trip through the parser so a file we write always loads.
            Config::parse(&text, path).map_err(|e| e.to_ui())?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    ui_err(ErrorCode::ConfigInvalid, format!("{}: {e}", dir.display()))
                })?;
            }
            let tmp = path.with_extension("toml.tmp");
            std::fs::write(&tmp, text)
                .and_then(|_| std::fs::rename(&tmp, path))
                .map_err(|e| {
                    ui_err(
                        ErrorCode::ConfigInvalid,
                        format!("cannot write {}: {e}", path.display()),
                    )
                })?;
        }
        if let Ok(mut w) = self.endpoints.write() {
            *w = eps;
        }
        Ok(())
    }

    /// Reads the endpoint's CapabilityStatement and says what works.
    pub async fn test_endpoint(settings: &EndpointSettings) -> ConnectionReport {
        let fail = |error: UiError| ConnectionReport {
            ok: false,
            error: Some(error),
            fhir_version: None,
            software: None,
            supports: vec![],
        };
        let ep = match settings.to_endpoint() {
            Ok(ep) => ep,
            Err(e) => return fail(e),
        };
        let client = match FhirClient::for_endpoint(&ep) {
            Ok(c) => c,
            Err(e) => return fail(e.to_ui()),
        };
        match client.capabilities().await {
            Err(e) => fail(e.to_ui()),
            Ok(caps) => {
                let version = caps.version();
                let mut supports: Vec<(String, bool)> =
                    vec![("Patient".into(), caps.supports("Patient"))];
                supports.extend(
                    crate::sync::SEARCHED_TYPES
                        .iter()
                        .map(|t| (t.to_string(), caps.supports(t))),
                );
                ConnectionReport {
                    ok: version.is_some(),
                    error: version.is_none().then(|| {
                        ui_err(
                            ErrorCode::UnsupportedFhirVersion,
                            format!(
                                "the server reports FHIR {}",
                                caps.fhir_version_text
                                    .clone()
                                    .unwrap_or_else(|| "(not stated)".into())
                            ),
                        )
                    }),
                    fhir_version: caps.fhir_version_text.clone(),
                    software: caps.software.clone(),
                    supports,
                }
            }
        }
    }
}
