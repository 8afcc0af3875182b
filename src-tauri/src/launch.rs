//! Turning command-line options into the app's state.

use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Mutex;

use crossview::app::App;
use crossview::config;
use crossview::demo::DemoTrusts;

use crate::commands;

#[derive(Debug, Default, Clone)]
pub struct Launch {
    pub demo: bool,
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    /// A patient to open at start (e.g. when another clinical system launches the viewer in context).
    pub nhs: Option<String>,
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
                "--data-dir" => l.data_dir = args.next().map(PathBuf::from),
                "--config" => l.config = args.next().map(PathBuf::from),
                "--nhs" => l.nhs = args.next(),
                _ => {}
            }
        }
        l.data_dir = l
            .data_dir
            .or_else(|| std::env::var_os(config::DATA_DIR_ENV).map(PathBuf::from));
        l
    }
}

/// Shared state behind the commands.
pub struct AppState {
    pub app: Arc<App>,
    /// The built-in demo trusts, when running with `--demo`.
    pub demo: Mutex<Option<DemoTrusts>>,
}

/// Registers state and commands on a builder (the real app and `tauri::test` both use this).
pub fn build_app<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    launch: &Launch,
) -> Result<tauri::Builder<R>, String> {
    let state = if launch.demo {
        let trusts = tauri::async_runtime::block_on(DemoTrusts::start(0, None))
            .map_err(|e| format!("cannot start the demo trusts: {e}"))?;
        let dir = match &launch.data_dir {
            Some(d) => d.clone(),
            None => config::data_dir(None, None)
                .map_err(|e| e.to_string())?
                .join("demo"),
        };
        AppState {
            app: Arc::new(App::with_endpoints(trusts.endpoints(), dir, true)),
            demo: Mutex::new(Some(trusts)),
        }
    } else {
        let path = config::config_path(launch.config.as_deref()).map_err(|e| e.to_string())?;
        AppState {
            app: Arc::new(
                App::from_config(path, launch.data_dir.clone()).map_err(|e| e.to_string())?,
            ),
            demo: Mutex::new(None),
        }
    };
    Ok(builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::open_patient,
            commands::sync_patient,
            commands::find_patients,
            commands::resource_json,
            commands::discharge,
            commands::list_endpoints,
            commands::save_endpoints,
            commands::test_endpoint,
            commands::demo_set_online,
        ]))
}
