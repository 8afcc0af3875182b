//! Builds the app's context from the top-level tauri.conf.json and declares the
//! app's own commands, so that each must be granted explicitly (capabilities/).

/// Every command the shell registers (see src/launch.rs); each gets an
/// `allow-…` permission that capabilities/default.json grants one by one.
const COMMANDS: &[&str] = &[
    "app_info",
    "open_patient",
    "refresh_patient",
    "declare_basis",
    "basis_for",
    "declare_search_basis",
    "reveal",
    "forget_patient",
    "audit_log",
    "sync_patient",
    "find_patients",
    "timeline_page",
    "timeline_entries",
    "resource_json",
    "discharge",
    "accept_suspect",
    "purge_source",
    "list_endpoints",
    "endpoint_defaults",
    "save_endpoints",
    "test_endpoint",
    "demo_set_online",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        eprintln!("tauri build failed: {e:#}");
        std::process::exit(1);
    }
}
