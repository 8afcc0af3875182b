//! Turning command-line options into the app's state.

use std::path::PathBuf;
use std::sync::Arc;

use crossview::app::{App, AppOptions};

use crate::commands;
use crate::state::AppState;

#[derive(Debug, Default, Clone)]
pub struct Launch {
    pub demo: bool,
    /// Demo only: start with every demo trust offline (what an outage looks like).
    pub demo_offline: bool,
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    /// A patient to open at start (e.g. when another clinical system launches the viewer in context).
    pub nhs: Option<String>,
    /// The access basis the launching system states for that patient (`direct-care`,
    /// `permission`, `emergency`); without it the app asks.
    pub basis: Option<String>,
    pub reason: Option<String>,
}

impl Launch {
    /// The page the main window opens: the app, with the patient to open in the fragment.
    pub fn start_page(&self) -> String {
        match self.nhs.as_deref().map(crossview::NhsNumber::parse) {
            Some(Ok(n)) => format!("index.html#nhs={}", n.as_str()),
            _ => "index.html".to_string(),
        }
    }

    pub fn from_args(args: impl Iterator<Item = String>) -> Launch {
        let mut l = Launch::default();
        let mut args = args.peekable();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--demo" => l.demo = true,
                "--demo-offline" => {
                    l.demo = true;
                    l.demo_offline = true;
                }
                "--data-dir" => l.data_dir = args.next().map(PathBuf::from),
                "--config" => l.config = args.next().map(PathBuf::from),
                "--nhs" => l.nhs = args.next(),
                "--basis" => l.basis = args.next(),
                "--reason" => l.reason = args.next(),
                _ => {}
            }
        }
        l
    }

    fn options(&self) -> AppOptions {
        AppOptions {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            demo: self.demo,
            demo_offline: self.demo_offline,
            cache_key: None,
        }
    }
}

/// Registers state and commands on a builder (the real app and `tauri::test` both use this).
pub fn build_app<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    launch: &Launch,
) -> Result<tauri::Builder<R>, String> {
    let app = App::open(&launch.options()).map_err(|e| e.message)?;
    if let (Some(nhs), Some(basis)) = (&launch.nhs, &launch.basis) {
        let access = crossview::app::Access::parse(basis, launch.reason.as_deref())
            .map_err(|e| e.to_string())?;
        app.declare_basis(nhs, access).map_err(|e| e.message)?;
    }
    if launch.demo {
        // The demo trusts run from the start, so one can be taken offline before any sync.
        tauri::async_runtime::block_on(app.demo_start())
            .map_err(|e| format!("cannot start the demo trusts: {}", e.message))?;
    }
    Ok(builder
        .manage(AppState { app: Arc::new(app) })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::open_patient,
            commands::refresh_patient,
            commands::declare_basis,
            commands::basis_for,
            commands::declare_search_basis,
            commands::reveal,
            commands::forget_patient,
            commands::audit_log,
            commands::sync_patient,
            commands::find_patients,
            commands::resource_json,
            commands::discharge,
            commands::accept_suspect,
            commands::purge_source,
            commands::list_endpoints,
            commands::endpoint_defaults,
            commands::save_endpoints,
            commands::test_endpoint,
            commands::timeline_page,
            commands::timeline_entries,
            commands::demo_set_online,
        ]))
}
