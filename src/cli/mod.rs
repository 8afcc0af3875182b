//! Command-line front: parses arguments and renders what [`App`] returns (text
//! or JSON). No clinical logic, and no access to the cache, the sync or the
//! demo except through `App`.
//!
//! Exit codes: 0 success; 1 other failure; 2 usage or validation error (e.g. an
//! invalid NHS number, no access basis stated); 3 some endpoints failed (their
//! cache was kept); 4 the audit log does not verify.

/// `println!` for the command line's output: a reader that went away (`| head`)
/// ends the program quietly instead of a panic about a broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod output;
mod progress;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crossview::access::{Access, BASIS_ENV, REASON_ENV};
use crossview::app::{App, AppOptions, NoProgress, ProgressSink, TimelineQuery};
use crossview::error::{ErrorCode, UiError};
use crossview::fhir::FhirVersion;
use crossview::nhs_number::NhsNumber;
use crossview::timeline::EventKind;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_PARTIAL: u8 = 3;
pub const EXIT_AUDIT_BROKEN: u8 = 4;

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
    /// Why you are accessing the record: direct-care, permission (the patient's) or emergency.
    /// Needed by sync, timeline, summary, discharge, sources, show, reveal and accept.
    #[arg(long, global = true, env = BASIS_ENV, value_name = "BASIS")]
    basis: Option<String>,
    /// The reason: required for emergency access and to reveal a restricted entry.
    #[arg(long, global = true, env = REASON_ENV, value_name = "TEXT")]
    reason: Option<String>,
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

/// `--kind` values: the timeline's kinds.
#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Allergy,
    Medication,
    Encounter,
    Discharge,
    Document,
    Condition,
}

impl From<Kind> for EventKind {
    fn from(k: Kind) -> EventKind {
        match k {
            Kind::Allergy => EventKind::Allergy,
            Kind::Medication => EventKind::Medication,
            Kind::Encounter => EventKind::Encounter,
            Kind::Discharge => EventKind::Discharge,
            Kind::Document => EventKind::Document,
            Kind::Condition => EventKind::Condition,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Pull the patient's record from every endpoint into the cache.
    Sync {
        #[command(flatten)]
        patient: Patient,
        /// Fetch everything from every source, not only what changed since the
        /// last sync (finds what a source deleted; otherwise done every
        /// `full_sync_hours`).
        #[arg(long)]
        full: bool,
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
        kinds: Vec<Kind>,
        /// Only these sources, by endpoint name or id (repeatable).
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Only entries whose title or detail has every one of these words (word starts).
        #[arg(long)]
        search: Option<String>,
        /// Only entries dated on or after this day (yyyy-mm-dd; a year or month
        /// entry counts when it overlaps). Undated entries match no date range.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Only entries dated on or before this day (yyyy-mm-dd).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// At most this many entries (a page, read from the cache's index).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1000))]
        limit: Option<u64>,
        /// Skip this many entries first (with --limit).
        #[arg(long, default_value_t = 0)]
        offset: u64,
        #[arg(long)]
        json: bool,
    },
    /// The reconciled summary: allergies and current medicines across every source, with flags.
    Summary {
        #[command(flatten)]
        patient: Patient,
        #[arg(long)]
        json: bool,
    },
    /// Every discharge: its documents in full and its medicine changes against the GP's list.
    Discharge {
        #[command(flatten)]
        patient: Patient,
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
        /// Endpoint name or id.
        #[arg(long)]
        source: String,
        /// Resource type, e.g. AllergyIntolerance.
        #[arg(long = "type")]
        resource_type: String,
        #[arg(long)]
        id: String,
    },
    /// Show one restricted entry in full (needs --reason; recorded in the audit log).
    Reveal {
        #[command(flatten)]
        patient: Patient,
        /// Endpoint name or id.
        #[arg(long)]
        source: String,
        /// Resource type, e.g. Composition.
        #[arg(long = "type")]
        resource_type: String,
        /// The entry's handle as the masked entry shows it (or its resource id).
        #[arg(long)]
        entry: String,
        /// Print the entry and the resource as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove everything cached of one patient (the audit log keeps the fact).
    Forget {
        #[command(flatten)]
        patient: Patient,
    },
    /// The audit log: who opened which record, when, why, and what happened.
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
        /// Only this patient's entries.
        #[arg(long = "nhs", value_name = "NHS_NUMBER", value_parser = parse_nhs)]
        nhs: Option<NhsNumber>,
        #[arg(long)]
        json: bool,
    },
    /// Re-encrypt the cache and the audit log under a new key.
    Rekey,
    /// Show what a source's last sync returned after it was kept aside as suspect
    /// (do this only once the source confirms the entries really went).
    Accept {
        #[command(flatten)]
        patient: Patient,
        /// Endpoint name or id.
        #[arg(long)]
        source: String,
    },
    /// Rebuild the derived timeline rows from the raw cached JSON.
    Rebuild,
    /// Remove every cached entry of a source (by name or id), e.g. one no longer configured.
    Purge {
        #[arg(long)]
        source: String,
    },
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
    /// Keep a secret an endpoint names (token_keyring, key_keyring) in the OS keyring.
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Check each endpoint in order (address, TLS, auth, /metadata, the interactions
    /// Crossview relies on) and say what it will and will not be able to show.
    /// Exit 0 when every endpoint is healthy, 3 when any is not.
    Doctor {
        /// Only this endpoint (name or id).
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The built-in demo trusts.
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Subcommand)]
enum KeyringCommand {
    /// Store the secret read from standard input (a token, or a PEM private key)
    /// under NAME (service "crossview"); it is never printed.
    Set { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 4 when an entry was changed or removed.
    Verify {
        #[arg(long)]
        json: bool,
    },
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

/// A failure with the exit code it maps to.
struct Failure {
    code: u8,
    error: UiError,
}

impl<E: Into<UiError>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let code = match error.code {
            ErrorCode::InvalidNhsNumber
            | ErrorCode::InvalidInput
            | ErrorCode::AccessBasisRequired => EXIT_USAGE,
            _ => EXIT_FAILURE,
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
            eprintln!(
                "crossview: {} ({})",
                crossview::display::terminal_safe(&f.error.message),
                f.error.code
            );
            ExitCode::from(f.code)
        }
    }
}

fn open(cli: &Cli) -> Result<App, Failure> {
    let app = App::open(&AppOptions {
        config: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        demo: cli.demo,
        demo_offline: false,
        cache_key: None,
    })?;
    if let Some(basis) = &cli.basis {
        app.set_session_basis(Access::parse(basis, cli.reason.as_deref())?);
    }
    Ok(app)
}

async fn dispatch(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Sync {
            patient,
            full,
            json,
        } => sync(&open(&cli)?, &patient.nhs, *full, *json).await,
        Command::Timeline {
            patient,
            kinds,
            sources,
            search,
            from,
            to,
            limit,
            offset,
            json,
        } => {
            let app = open(&cli)?;
            let query = TimelineQuery {
                kinds: kinds.iter().copied().map(EventKind::from).collect(),
                sources: sources.clone(),
                from: *from,
                to: *to,
            };
            if search.is_some() || limit.is_some() || *offset > 0 {
                let page = app.timeline_page(
                    patient.nhs.as_str(),
                    &query,
                    search.as_deref(),
                    *offset,
                    limit.unwrap_or(crossview::app::MAX_PAGE),
                )?;
                if *json {
                    print_json(&page.events)?;
                } else {
                    output::print_timeline(&page.events);
                    let first = if page.events.is_empty() {
                        page.offset
                    } else {
                        page.offset + 1
                    };
                    say!(
                        "\nEntries {first}–{} of {} matching.",
                        page.offset + page.events.len() as u64,
                        page.total
                    );
                }
            } else if *json {
                print_json(&app.timeline(patient.nhs.as_str(), &query)?)?;
            } else {
                let record = app.record(patient.nhs.as_str(), &query)?;
                output::print_banner(&record.view.banner, &patient.nhs);
                output::print_freshness(&record.view.sources);
                output::print_timeline(&record.events);
                output::print_restricted(&patient.nhs, &record.events);
            }
            Ok(0)
        }
        Command::Summary { patient, json } => {
            let app = open(&cli)?;
            let summary = app.summary(patient.nhs.as_str())?;
            if *json {
                print_json(&summary)?;
            } else {
                let banner = crossview::app::banner_of(&summary);
                output::print_summary(&summary, &banner, &patient.nhs);
            }
            Ok(0)
        }
        Command::Discharge { patient, json } => {
            let records = open(&cli)?.discharges(patient.nhs.as_str())?;
            if *json {
                print_json(&records)?;
            } else {
                output::print_discharges(&records);
            }
            Ok(0)
        }
        Command::Sources { patient, json } => {
            let statuses = open(&cli)?.sources(patient.nhs.as_str())?;
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
            let json =
                open(&cli)?.resource_json(patient.nhs.as_str(), source, resource_type, id)?;
            // Exactly as received when piped; on a terminal, escapes that mean the
            // same but that the terminal cannot obey.
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                say!("{}", crossview::display::json_terminal_safe(&json));
            } else {
                say!("{json}");
            }
            Ok(0)
        }
        Command::Reveal {
            patient,
            source,
            resource_type,
            entry,
            json,
        } => {
            let reason = cli.reason.as_deref().unwrap_or_default();
            let app = open(&cli)?;
            let event = app.reveal(patient.nhs.as_str(), source, resource_type, entry, reason)?;
            if *json {
                print_json(&event)?;
            } else {
                output::print_timeline(std::slice::from_ref(&event));
                if let Some(r) = &event.restricted {
                    say!("Restricted by its source: {}", r.labels.join("; "));
                }
            }
            Ok(0)
        }
        Command::Forget { patient } => {
            let n = open(&cli)?.forget(patient.nhs.as_str())?;
            say!(
                "Removed everything cached for NHS No. {} ({n} sync(s)); the audit log records that it was forgotten.",
                patient.nhs
            );
            Ok(0)
        }
        Command::Keyring(KeyringCommand::Set { name }) => {
            use std::io::Read as _;
            let mut secret = zeroize::Zeroizing::new(String::new());
            std::io::stdin().read_to_string(&mut secret).map_err(|e| {
                UiError::new(
                    ErrorCode::InvalidInput,
                    format!("cannot read standard input: {e}"),
                )
            })?;
            App::keep_secret(name, secret.trim_end_matches(['\r', '\n']))?;
            say!(
                "Stored in the OS keyring as \"{}\" (service \"crossview\").",
                crossview::display::terminal_safe(name)
            );
            Ok(0)
        }
        Command::Doctor { endpoint, json } => {
            let reports = open(&cli)?.doctor(endpoint.as_deref()).await?;
            if *json {
                print_json(&reports)?;
            } else {
                output::print_doctor(&reports);
            }
            Ok(if reports.iter().all(|r| r.ok) {
                0
            } else {
                EXIT_PARTIAL
            })
        }
        Command::Audit { command, nhs, json } => {
            audit(&open(&cli)?, command.as_ref(), nhs.as_ref(), *json)
        }
        Command::Rekey => {
            match open(&cli)?.rekey()? {
                Some(key) => {
                    say!(
                        "The cache and audit log are now encrypted under a new key. Put it in {} (the old one no longer opens them):",
                        crossview::cache_key::KEY_ENV
                    );
                    say!("{key}");
                }
                None => say!(
                    "The cache and audit log are now encrypted under a new key, kept in the OS keyring."
                ),
            }
            Ok(0)
        }
        Command::Accept { patient, source } => {
            if open(&cli)?.accept_suspect(patient.nhs.as_str(), source)? {
                say!(
                    "The data {} last returned is now shown; what it replaced is removed.",
                    crossview::display::terminal_safe(source)
                );
                Ok(0)
            } else {
                eprintln!(
                    "crossview: {source} has no sync kept aside for NHS No. {}",
                    patient.nhs
                );
                Ok(EXIT_FAILURE)
            }
        }
        Command::Rebuild => {
            let n = open(&cli)?.rebuild()?;
            say!("Rebuilt {n} timeline entries from the cached resources.");
            Ok(0)
        }
        Command::Purge { source } => {
            let n = open(&cli)?.purge_source(source)?;
            say!(
                "Removed {n} sync(s) of \"{}\" and everything they cached.",
                crossview::display::terminal_safe(source)
            );
            Ok(0)
        }
        Command::Inspect {
            files,
            fhir_version,
            json,
        } => {
            let version = FhirVersion::parse(fhir_version).unwrap_or(FhirVersion::R4);
            let (found, errors) = App::inspect(files, version);
            if *json {
                print_json(&found)?;
            } else {
                output::print_inspected(&found);
            }
            for e in &errors {
                eprintln!(
                    "crossview: {}",
                    crossview::display::terminal_safe(&e.message)
                );
            }
            Ok(if errors.is_empty() { 0 } else { EXIT_FAILURE })
        }
        Command::Demo(d) => demo(d).await,
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?;
    say!("{text}");
    Ok(())
}

fn audit(
    app: &App,
    command: Option<&AuditCommand>,
    nhs: Option<&NhsNumber>,
    json: bool,
) -> Result<u8, Failure> {
    if let Some(AuditCommand::Verify { json }) = command {
        let v = app.verify_audit()?;
        if *json {
            print_json(&v)?;
        } else if v.intact {
            say!(
                "The audit log is intact: {} entries, each chained to the one before.",
                v.entries
            );
        } else {
            say!(
                "The audit log is BROKEN at entry {}: {}",
                v.first_bad.unwrap_or_default(),
                v.problem.as_deref().unwrap_or("unknown problem")
            );
        }
        return Ok(if v.intact { 0 } else { EXIT_AUDIT_BROKEN });
    }
    let entries = app.audit_log(nhs.map(NhsNumber::as_str))?;
    if json {
        print_json(&entries)?;
    } else {
        output::print_audit(&entries);
    }
    Ok(0)
}

async fn sync(app: &App, nhs: &NhsNumber, full: bool, json: bool) -> Result<u8, Failure> {
    let sink: Arc<dyn ProgressSink> = if json {
        Arc::new(NoProgress)
    } else {
        let names: Vec<String> = app.endpoints().into_iter().map(|e| e.name).collect();
        Arc::new(progress::Bars::new(&names))
    };
    let report = app.sync_with(nhs.as_str(), sink, full).await?;
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
            for p in App::demo_patients() {
                say!(
                    "{}, {}   Born {}   NHS No. {}",
                    p.family,
                    p.given,
                    p.birth_date,
                    p.nhs_number
                );
            }
            Ok(0)
        }
        DemoCommand::Serve { port, big } => {
            let (endpoints, _serving) = App::demo_serve(*port, *big).await?;
            say!("# Demo trusts are running; this configuration points at them:");
            for ep in endpoints {
                say!(
                    "[[endpoint]]\nid = \"{}\"\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\n",
                    ep.id(),
                    ep.name(),
                    ep.kind.as_str(),
                    ep.base_url
                );
            }
            say!("# Press Ctrl-C to stop.");
            let _ = tokio::signal::ctrl_c().await;
            Ok(0)
        }
        DemoCommand::Load { servers, big } => {
            if servers.len() > App::demo_source_count() {
                eprintln!(
                    "crossview: the demo has {} sources; extra servers are not loaded",
                    App::demo_source_count()
                );
            }
            for l in App::demo_load(servers, *big).await? {
                say!(
                    "{}: loaded {} resources into {}",
                    l.source,
                    l.resources,
                    l.server
                );
            }
            Ok(0)
        }
    }
}
