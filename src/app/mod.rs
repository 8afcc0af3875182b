//! The one API every front calls: the desktop shell's commands and the
//! `crossview` command line are thin renderings of these methods. Fronts never
//! touch the cache, the sync or the demo trusts directly.

mod demo;
mod endpoints;
mod governance;
mod records;

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use crate::audit::Actor;
use crate::cache_key::KeySource;
use crate::config::{self, Config, ConfigError, Endpoint};
use crate::error::{ErrorCode, UiError};
use crate::nhs_number::NhsNumber;
use crate::store::{Cache, Store};

pub use demo::{DemoPatientInfo, DemoServing, LoadedSource};
pub use endpoints::ConnectionReport;
pub use governance::RevealedEntry;

pub use crate::access::{Access, Basis};
pub use crate::audit::{AuditAction, AuditEntry, Verification};
pub use records::{
    EntryKey, FIRST_PAGE, InspectedResource, PatientView, RecordView, TimelineQuery, parse_day,
};

// The view models the fronts render, re-exported so a front needs only this module.
pub use crate::banner::{Banner, BannerAllergies, BannerAllergy, banner as banner_of};
pub use crate::config::EndpointSettings;
pub use crate::discharge::{DischargeRecord, DischargeView};
pub use crate::patient_search::{PatientMatch, PatientSearch};
pub use crate::reconcile::Summary;
pub use crate::store::{MAX_PAGE, RunOutcome, SourceStatus, TimelinePage};
pub use crate::sync::{EndpointOutcome, NoProgress, Progress, ProgressSink, SyncReport};

/// How a front starts the app.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Configuration file (else `CROSSVIEW_CONFIG`, else the platform default).
    pub config: Option<PathBuf>,
    /// Cache directory (else `CROSSVIEW_DATA_DIR`, the config's `data_dir`, the platform default).
    pub data_dir: Option<PathBuf>,
    /// Use the built-in demo trusts and their own cache (`<data dir>/demo`).
    pub demo: bool,
    /// Demo only: start with every demo trust offline (an outage).
    pub demo_offline: bool,
    /// The cache key, given by an embedding program or a test; the fronts leave
    /// it unset (then `CROSSVIEW_DB_KEY`, else the OS keyring).
    pub cache_key: Option<crate::cache_key::CacheKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    pub demo: bool,
}

/// Where endpoints come from: the configuration file, or the demo trusts.
enum Mode {
    Configured {
        path: PathBuf,
        endpoints: RwLock<Vec<Endpoint>>,
        /// Why there is no configuration, reported when something needs endpoints.
        missing: Option<ConfigError>,
    },
    Demo(demo::DemoState),
}

pub struct App {
    data_dir: PathBuf,
    mode: Mode,
    /// Data older than this is stale.
    freshness: chrono::Duration,
    /// A patient's record is removed this long after it was last opened.
    retention: chrono::Duration,
    /// The cache and where its key came from, once resolved.
    cache: Mutex<Option<(Cache, KeySource)>>,
    session: Mutex<governance::Session>,
    /// Who the audit log names.
    actor: Actor,
}

/// The cache directory of the demo inside a data directory: demo data never mixes with real patients.
pub const DEMO_DIR: &str = "demo";

impl App {
    /// Opens the app. Nothing is fetched; the demo trusts start when first needed.
    pub fn open(opts: &AppOptions) -> Result<App, UiError> {
        if opts.demo {
            let dir = config::data_dir(opts.data_dir.as_deref(), None)?;
            crate::fhir::request_log::set_dir(dir.join(DEMO_DIR));
            return Ok(App {
                data_dir: dir.join(DEMO_DIR),
                mode: Mode::Demo(demo::DemoState::new(opts.demo_offline)),
                freshness: chrono::Duration::hours(config::DEFAULT_FRESHNESS_HOURS as i64),
                retention: chrono::Duration::days(i64::from(config::DEFAULT_RETENTION_DAYS)),
                cache: Mutex::new(
                    opts.cache_key
                        .clone()
                        .map(|k| (Cache::new(dir.join(DEMO_DIR), k), KeySource::Given)),
                ),
                session: Mutex::default(),
                actor: Actor::current(None),
            });
        }
        let path = config::config_path(opts.config.as_deref())?;
        let (config, missing) = match Config::load(&path) {
            Ok(c) => (Some(c), None),
            Err(e @ ConfigError::NotFound { .. }) => (None, Some(e)),
            Err(e) => return Err(e.into()),
        };
        let data_dir = config::data_dir(opts.data_dir.as_deref(), config.as_ref())?;
        crate::fhir::request_log::set_dir(data_dir.clone());
        let freshness = config.as_ref().map_or_else(
            || chrono::Duration::hours(config::DEFAULT_FRESHNESS_HOURS as i64),
            Config::freshness,
        );
        let retention = config.as_ref().map_or_else(
            || chrono::Duration::days(i64::from(config::DEFAULT_RETENTION_DAYS)),
            Config::retention,
        );
        let actor = Actor::current(config.as_ref().and_then(|c| c.clinician_id.clone()));
        let cache = Mutex::new(
            opts.cache_key
                .clone()
                .map(|k| (Cache::new(data_dir.clone(), k), KeySource::Given)),
        );
        Ok(App {
            data_dir,
            freshness,
            retention,
            actor,
            cache,
            session: Mutex::default(),
            mode: Mode::Configured {
                path,
                endpoints: RwLock::new(config.map(|c| c.endpoints).unwrap_or_default()),
                missing,
            },
        })
    }

    pub fn info(&self) -> AppInfo {
        AppInfo {
            demo: self.is_demo(),
        }
    }

    pub(crate) fn is_demo(&self) -> bool {
        matches!(self.mode, Mode::Demo(_))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The endpoints as configured now (demo: every demo trust, running or not).
    fn endpoints_now(&self) -> Vec<Endpoint> {
        match &self.mode {
            Mode::Configured { endpoints, .. } => {
                endpoints.read().map(|e| e.clone()).unwrap_or_default()
            }
            Mode::Demo(d) => d.endpoints(),
        }
    }

    /// The endpoints to talk to: starts the demo trusts if needed; refuses when
    /// there is no configuration at all (naming the file it looked for).
    async fn endpoints_for_network(&self) -> Result<Vec<Endpoint>, UiError> {
        match &self.mode {
            Mode::Configured {
                missing: Some(e), ..
            } => Err(UiError::new(e_code(e), e.to_string())),
            Mode::Configured { .. } => Ok(self.endpoints_now()),
            Mode::Demo(d) => d.running_endpoints().await,
        }
    }

    fn store(&self) -> Result<Store, UiError> {
        Ok(Store::open(&self.cache()?)?)
    }
}

fn e_code(e: &ConfigError) -> ErrorCode {
    use crate::error::HasCode;
    e.code()
}

fn parse_nhs(nhs: &str) -> Result<NhsNumber, UiError> {
    Ok(NhsNumber::parse(nhs)?)
}
