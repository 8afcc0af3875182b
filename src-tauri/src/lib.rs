//! The desktop shell: Tauri commands that call the Crossview core, nothing more.

pub mod bindings;
pub mod commands;
mod launch;

pub use launch::{Launch, build_app};

/// Starts the app with the options on the command line (`--demo`, `--data-dir PATH`).
pub fn run() {
    let launch = Launch::from_args(std::env::args().skip(1));
    let builder = tauri::Builder::default();
    let result = build_app(builder, &launch).and_then(|b| {
        b.run(tauri::generate_context!())
            .map_err(|e| format!("Crossview could not start: {e}"))
    });
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
