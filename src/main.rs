//! `crossview`: sync a patient's record into the offline cache and read it back.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
