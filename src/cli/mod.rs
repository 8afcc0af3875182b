//! Command-line front. Renders what the core returns; no clinical logic here.
//!
//! Exit codes: 0 success; 1 other failure; 2 usage or validation error (e.g. an
//! invalid NHS number); 3 some endpoints failed (their cache was kept).

mod output;
mod progress;

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crossview::config::{self, Config, Endpoint};
use crossview::demo::{DemoTrusts, demo_patients, demo_sources};
use crossview::error::{HasCode, UiError};
use crossview::nhs_number::NhsNumber;
use crossview::store::{Store, TimelineFilter};
use crossview::sync::{NoProgress, ProgressSink, sync_patient};
use crossview::timeline::EventKind;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_PARTIAL: u8 = 3;

#[derive(Parser)]
#[command(
    name = "crossview",
    version,
    about = "Pull a patient's FHIR record from several NHS endpoints into an offline cache and read it as one timeline"
)]
struct Cli {
    /// Configuration file (default: the platform config dir's crossview/config.toml).
    #[arg(long, global = true, env = "CROSSVIEW_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Cache directory (default: the platform data dir).
    #[arg(long, global = true, env = "CROSSVIEW_DATA_DIR", value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// Use the built-in demo trusts (served on loopback) and a separate demo cache.
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Patient {
    /// NHS number (10 digits; spaces allowed).
    #[arg(long = "nhs", value_name = "NHS_NUMBER", value_parser = parse_nhs)]
    nhs: NhsNumber,
}

fn parse_nhs(s: &str) -> Result<NhsNumber, String> {
    NhsNumber::parse(s).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Pull the patient's record from every endpoint into the cache.
    Sync {
        #[command(flatten)]
        patient: Patient,
        /// Print the per-endpoint report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the cached timeline (works offline), newest first.
    Timeline {
        #[command(flatten)]
        patient: Patient,
        /// Only these kinds (repeatable).
        #[arg(long = "kind", value_enum)]
        kinds: Vec<EventKind>,
        /// Only these sources, by endpoint name (repeatable).
        #[arg(long = "source")]
        sources: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Per endpoint: last successful sync, last attempt and its outcome.
    Sources {
        #[command(flatten)]
        patient: Patient,
        #[arg(long)]
        json: bool,
    },
    /// Print one cached resource exactly as its server sent it.
    Show {
        #[command(flatten)]
        patient: Patient,
        #[arg(long)]
        source: String,
        /// Resource type, e.g. AllergyIntolerance.
        #[arg(long = "type")]
        resource_type: String,
        #[arg(long)]
        id: String,
    },
    /// Rebuild the derived timeline rows from the raw cached JSON.
    Rebuild,
    /// Show what the timeline would make of FHIR JSON files (a resource or a Bundle each); no cache involved.
    Inspect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// FHIR release of the files.
        #[arg(long = "fhir-version", default_value = "R4", value_parser = ["R4", "STU3"])]
        fhir_version: String,
        #[arg(long)]
        json: bool,
    },
    /// The built-in demo trusts.
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Subcommand)]
enum DemoCommand {
    /// List the synthetic demo patients.
    Patients,
    /// Serve the demo trusts on loopback until interrupted, and print a matching configuration.
    Serve {
        /// First port; the trusts take consecutive ports.
        #[arg(long, default_value_t = 8201)]
        port: u16,
        /// Add a patient with about this many resources.
        #[arg(long, default_value_t = 0)]
        big: usize,
    },
    /// Load the demo data into real FHIR servers (one URL per demo source, in order).
    Load {
        #[arg(long = "server", required = true)]
        servers: Vec<String>,
        #[arg(long, default_value_t = 0)]
        big: usize,
    },
}

struct Failure {
    code: u8,
    error: UiError,
}

impl<E: HasCode> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.to_ui();
        let code = if error.code == crossview::ErrorCode::InvalidNhsNumber {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
        };
        Failure { code, error }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("crossview: cannot start: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("crossview: {} ({})", f.error.message, f.error.code);
            ExitCode::from(f.code)
        }
    }
}

/// The data directory: demo runs keep their own cache so demo data never mixes with real patients.
fn resolve_data_dir(cli: &Cli, config: Option<&Config>) -> Result<PathBuf, Failure> {
    let dir = config::data_dir(cli.data_dir.as_deref(), config)?;
    Ok(if cli.demo && cli.data_dir.is_none() {
        dir.join("demo")
    } else {
        dir
    })
}

fn load_config(cli: &Cli) -> Result<Config, Failure> {
    let path = config::config_path(cli.config.as_deref())?;
    Ok(Config::load(&path)?)
}

async fn dispatch(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Sync { patient, json } => {
            let (endpoints, data_dir, _demo) = if cli.demo {
                let trusts = DemoTrusts::start(0, None)
                    .await
                    .map_err(|e| io_failure("cannot start the demo trusts", e))?;
                (
                    trusts.endpoints(),
                    resolve_data_dir(&cli, None)?,
                    Some(trusts),
                )
            } else {
                let config = load_config(&cli)?;
                (
                    config.endpoints.clone(),
                    resolve_data_dir(&cli, Some(&config))?,
                    None,
                )
            };
            sync(&endpoints, &data_dir, &patient.nhs, *json).await
        }
        Command::Timeline {
            patient,
            kinds,
            sources,
            json,
        } => {
            let store = open_store(&cli)?;
            let filter = TimelineFilter {
                kinds: kinds.clone(),
                sources: sources.clone(),
            };
            let events = store.timeline(patient.nhs.as_str(), &filter)?;
            if *json {
                print_json(&events)?;
            } else {
                let banner = store.banner(patient.nhs.as_str())?;
                let statuses = store.sources(patient.nhs.as_str())?;
                output::print_banner(&banner, &patient.nhs);
                output::print_freshness(&statuses);
                output::print_timeline(&events);
            }
            Ok(0)
        }
        Command::Sources { patient, json } => {
            let store = open_store(&cli)?;
            let statuses = store.sources(patient.nhs.as_str())?;
            if *json {
                print_json(&statuses)?;
            } else {
                output::print_sources(&patient.nhs, &statuses);
            }
            Ok(0)
        }
        Command::Show {
            patient,
            source,
            resource_type,
            id,
        } => {
            let store = open_store(&cli)?;
            match store.resource_json(patient.nhs.as_str(), source, resource_type, id)? {
                Some(json) => {
                    println!("{json}");
                    Ok(0)
                }
                None => {
                    eprintln!(
                        "crossview: no cached {resource_type}/{id} from \"{source}\" for NHS No. {}",
                        patient.nhs
                    );
                    Ok(EXIT_FAILURE)
                }
            }
        }
        Command::Rebuild => {
            let mut store = open_store(&cli)?;
            let n = store.rebuild_derived()?;
            println!("Rebuilt {n} timeline entries from the cached resources.");
            Ok(0)
        }
        Command::Inspect {
            files,
            fhir_version,
            json,
        } => inspect(files, fhir_version, *json),
        Command::Demo(d) => demo(d).await,
    }
}

fn inspect(files: &[PathBuf], version: &str, json: bool) -> Result<u8, Failure> {
    use crossview::timeline::inspect::inspect_file;
    let version =
        crossview::fhir::FhirVersion::parse(version).unwrap_or(crossview::fhir::FhirVersion::R4);
    let mut failed = 0;
    let mut all = Vec::new();
    for f in files {
        match inspect_file(f, version) {
            Ok(found) => {
                for r in found {
                    if json {
                        all.push(serde_json::json!({
                            "file": f.display().to_string(),
                            "resource_type": r.resource_type,
                            "resource_id": r.id,
                            "kind": r.event.as_ref().map(|e| e.kind),
                            "date": r.event.as_ref().and_then(|e| e.date.clone()),
                            "title": r.event.as_ref().and_then(|e| e.title.clone()),
                            "status": r.event.as_ref().and_then(|e| e.status.clone()),
                            "entered_in_error": r.event.as_ref().map(|e| e.entered_in_error),
                        }));
                    } else if let Some(e) = r.event {
                        println!(
                            "{:<18} {:<11} {:<40} {}/{}",
                            crossview::display::date_or_not_known(e.date.as_deref()),
                            e.kind.label(),
                            e.title.as_deref().unwrap_or(crossview::display::NOT_KNOWN),
                            r.resource_type,
                            r.id.as_deref().unwrap_or("(no id)")
                        );
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("crossview: {e}");
            }
        }
    }
    if json {
        print_json(&all)?;
    }
    Ok(if failed > 0 { EXIT_FAILURE } else { 0 })
}

fn io_failure(what: &str, e: std::io::Error) -> Failure {
    Failure {
        code: EXIT_FAILURE,
        error: UiError {
            code: crossview::ErrorCode::Internal,
            message: format!("{what}: {e}"),
        },
    }
}

fn open_store(cli: &Cli) -> Result<Store, Failure> {
    // Reading needs no endpoints, so a missing config file is fine here.
    let config = if cli.demo {
        None
    } else {
        match load_config(cli) {
            Ok(c) => Some(c),
            Err(f) if f.error.code == crossview::ErrorCode::ConfigNotFound => None,
            Err(f) => return Err(f),
        }
    };
    let dir = resolve_data_dir(cli, config.as_ref())?;
    Ok(Store::open(&dir)?)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure {
        code: EXIT_FAILURE,
        error: UiError {
            code: crossview::ErrorCode::Internal,
            message: e.to_string(),
        },
    })?;
    println!("{text}");
    Ok(())
}

async fn sync(
    endpoints: &[Endpoint],
    data_dir: &Path,
    nhs: &NhsNumber,
    json: bool,
) -> Result<u8, Failure> {
    let sink: Arc<dyn ProgressSink> = if json {
        Arc::new(NoProgress)
    } else {
        Arc::new(progress::Bars::new(endpoints))
    };
    let report = sync_patient(endpoints, data_dir, nhs, sink).await?;
    if json {
        print_json(&report)?;
    } else {
        output::print_sync_report(&report, nhs);
    }
    Ok(if report.all_ok() { 0 } else { EXIT_PARTIAL })
}

async fn demo(cmd: &DemoCommand) -> Result<u8, Failure> {
    match cmd {
        DemoCommand::Patients => {
            for p in demo_patients() {
                let nhs = NhsNumber::parse(&p.nhs)?;
                println!(
                    "{}, {}   Born {}   NHS No. {}",
                    p.family, p.given, p.birth_date, nhs
                );
            }
            Ok(0)
        }
        DemoCommand::Serve { port, big } => {
            let trusts = DemoTrusts::start(*big, Some(*port))
                .await
                .map_err(|e| io_failure("cannot start the demo trusts", e))?;
            println!("# Demo trusts are running; this configuration points at them:");
            for ep in trusts.endpoints() {
                println!(
                    "[[endpoint]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\n",
                    ep.name(),
                    ep.kind.as_str(),
                    ep.base_url
                );
            }
            println!("# Press Ctrl-C to stop.");
            let _ = tokio::signal::ctrl_c().await;
            Ok(0)
        }
        DemoCommand::Load { servers, big } => {
            let sources = demo_sources(*big);
            if servers.len() > sources.len() {
                eprintln!(
                    "crossview: the demo has {} sources; extra servers are not loaded",
                    sources.len()
                );
            }
            for (src, url) in sources.iter().zip(servers) {
                let n = crossview::demo::load::load_into(url, &src.resources, 500)
                    .await
                    .map_err(|e| Failure {
                        code: EXIT_FAILURE,
                        error: UiError {
                            code: crossview::ErrorCode::ServerError,
                            message: e.to_string(),
                        },
                    })?;
                println!("{}: loaded {n} resources into {url}", src.name);
            }
            Ok(0)
        }
    }
}
