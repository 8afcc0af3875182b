//! The desktop shell: Tauri commands that call the Crossview core, nothing more.

pub mod bindings;
pub mod commands;
mod launch;
mod state;

pub use launch::{Launch, build_app};

/// Starts the app with the options on the command line
/// (`--demo`, `--demo-offline`, `--data-dir PATH`, `--config PATH`, `--nhs NUMBER`).
pub fn run() {
    let launch = Launch::from_args(std::env::args().skip(1));
    let page = launch.start_page();
    let builder = tauri::Builder::default().setup(move |app| {
        tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::App(page.clone().into()))
            .title("Crossview")
            .inner_size(1280.0, 800.0)
            .min_inner_size(900.0, 600.0)
            .build()?;
        Ok(())
    });
    let result = build_app(builder, &launch).and_then(|b| {
        b.run(tauri::generate_context!())
            .map_err(|e| format!("Crossview could not start: {e}"))
    });
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
