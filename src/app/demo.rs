//! The built-in demo: synthetic trusts served on loopback, their state (which
//! are online) kept here in the core so every front controls them the same way.

use serde::Serialize;
use std::sync::Mutex as StdMutex;
use tokio::sync::Mutex;

use super::{App, Mode};
use crate::config::Endpoint;
use crate::demo::{DemoTrusts, demo_endpoints_offline, demo_patients, demo_sources};
use crate::error::{ErrorCode, UiError};
use crate::nhs_number::NhsNumber;

pub(super) struct DemoState {
    trusts: Mutex<Option<DemoTrusts>>,
    /// The endpoints as last seen, for reads that must not wait on the servers.
    known: StdMutex<Vec<Endpoint>>,
    start_offline: bool,
}

fn internal(what: &str, e: std::io::Error) -> UiError {
    UiError::new(ErrorCode::Internal, format!("{what}: {e}"))
}

impl DemoState {
    pub(super) fn new(start_offline: bool) -> DemoState {
        DemoState {
            trusts: Mutex::new(None),
            known: StdMutex::new(demo_endpoints_offline()),
            start_offline,
        }
    }

    pub(super) fn endpoints(&self) -> Vec<Endpoint> {
        self.known.lock().map(|k| k.clone()).unwrap_or_default()
    }

    /// Starts the trusts on first use; their endpoints, running or stopped.
    pub(super) async fn running_endpoints(&self) -> Result<Vec<Endpoint>, UiError> {
        let mut guard = self.trusts.lock().await;
        if guard.is_none() {
            let mut t = DemoTrusts::start(0, None)
                .await
                .map_err(|e| internal("cannot start the demo trusts", e))?;
            if self.start_offline {
                t.stop_all()
                    .await
                    .map_err(|e| internal("cannot stop the demo trusts", e))?;
            }
            *guard = Some(t);
        }
        let eps = guard
            .as_ref()
            .map(DemoTrusts::all_endpoints)
            .unwrap_or_default();
        if let Ok(mut k) = self.known.lock() {
            k.clone_from(&eps);
        }
        Ok(eps)
    }
}

/// A demo patient, for `crossview demo patients`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoPatientInfo {
    pub nhs_number: String,
    pub family: String,
    pub given: String,
    pub birth_date: String,
}

/// What `demo load` put where.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedSource {
    pub source: String,
    pub server: String,
    pub resources: usize,
}

impl App {
    fn demo_state(&self) -> Result<&DemoState, UiError> {
        match &self.mode {
            Mode::Demo(d) => Ok(d),
            Mode::Configured { .. } => Err(UiError::new(
                ErrorCode::InvalidInput,
                "only the demo's trusts can be taken offline (run with --demo)",
            )),
        }
    }

    /// Demo only: takes a demo trust offline or brings it back.
    pub async fn demo_set_online(&self, source: &str, online: bool) -> Result<(), UiError> {
        let d = self.demo_state()?;
        d.running_endpoints().await?;
        let mut guard = d.trusts.lock().await;
        let Some(trusts) = guard.as_mut() else {
            return Err(UiError::new(
                ErrorCode::Internal,
                "the demo trusts are not running",
            ));
        };
        match trusts.set_online(source, online).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(UiError::new(
                ErrorCode::InvalidInput,
                format!("no demo trust called \"{source}\""),
            )),
            Err(e) => Err(internal("cannot change the demo trust", e)),
        }
    }

    /// Demo only: starts the trusts now (the desktop starts them with the window,
    /// so they can be taken offline before the first sync).
    pub async fn demo_start(&self) -> Result<Vec<Endpoint>, UiError> {
        self.demo_state()?.running_endpoints().await
    }

    /// The synthetic demo patients.
    pub fn demo_patients() -> Vec<DemoPatientInfo> {
        demo_patients()
            .into_iter()
            .map(|p| DemoPatientInfo {
                nhs_number: NhsNumber::parse(&p.nhs)
                    .map(|n| n.formatted())
                    .unwrap_or(p.nhs),
                family: p.family.to_string(),
                given: p.given.to_string(),
                birth_date: p.birth_date.to_string(),
            })
            .collect()
    }

    /// Serves the demo trusts on `first_port`, `first_port + 1`, … until this app
    /// is dropped; returns their endpoints (for a configuration that points at them).
    pub async fn demo_serve(
        first_port: u16,
        big: usize,
    ) -> Result<(Vec<Endpoint>, DemoServing), UiError> {
        let trusts = DemoTrusts::start(big, Some(first_port))
            .await
            .map_err(|e| internal("cannot start the demo trusts", e))?;
        Ok((trusts.endpoints(), DemoServing { _trusts: trusts }))
    }

    /// Loads the demo data into real FHIR servers (one URL per demo source, in order).
    pub async fn demo_load(servers: &[String], big: usize) -> Result<Vec<LoadedSource>, UiError> {
        let mut out = Vec::new();
        for (src, url) in demo_sources(big).iter().zip(servers) {
            let n = crate::demo::load::load_into(url, &src.resources, 500)
                .await
                .map_err(|e| UiError::new(ErrorCode::ServerError, e.to_string()))?;
            out.push(LoadedSource {
                source: src.name.clone(),
                server: url.clone(),
                resources: n,
            });
        }
        Ok(out)
    }

    /// How many demo sources there are (to warn about extra servers given to `demo load`).
    pub fn demo_source_count() -> usize {
        demo_sources(0).len()
    }
}

/// Demo trusts kept serving while this value lives.
pub struct DemoServing {
    _trusts: DemoTrusts,
}
