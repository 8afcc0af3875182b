//! Endpoint configuration: a TOML file listing the FHIR endpoints to pull from.
//!
//! Secrets never live here: auth names an environment variable (later also an
//! OS keyring entry) that holds the token. The file is edited in place by
//! [`edit`] so that saving from the app keeps every field and comment.

pub mod edit;
pub mod remote;
pub mod settings;

pub use remote::{AuthConfig, GpConnectConfig, Interface, JwtAlg, TlsConfig};
pub use settings::EndpointSettings;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

use crate::error::{ErrorCode, HasCode};

pub const CONFIG_ENV: &str = "CROSSVIEW_CONFIG";
pub const DATA_DIR_ENV: &str = "CROSSVIEW_DATA_DIR";

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointKind {
    Hospital,
    Gp,
    SocialCare,
    Other,
}

impl EndpointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Hospital => "hospital",
            EndpointKind::Gp => "gp",
            EndpointKind::SocialCare => "social-care",
            EndpointKind::Other => "other",
        }
    }

    /// Label shown to clinicians beside the source name.
    pub fn label(self) -> &'static str {
        match self {
            EndpointKind::Hospital => "Trust",
            EndpointKind::Gp => "GP",
            EndpointKind::SocialCare => "Social care",
            EndpointKind::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> EndpointKind {
        match s {
            "hospital" => EndpointKind::Hospital,
            "gp" => EndpointKind::Gp,
            "social-care" => EndpointKind::SocialCare,
            _ => EndpointKind::Other,
        }
    }

    pub const ALL: [EndpointKind; 4] = [
        EndpointKind::Hospital,
        EndpointKind::Gp,
        EndpointKind::SocialCare,
        EndpointKind::Other,
    ];
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FhirVersionSetting {
    /// Read the CapabilityStatement at `/metadata`.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    R4,
    STU3,
}

/// Upper bounds for the numbers in an endpoint's configuration.
pub struct Limits {
    pub max_response_mib: u64,
    pub timeout_s: u64,
    pub sync_timeout_s: u64,
    pub page_size: u64,
    pub max_pages: u64,
    pub max_mib: u64,
    pub concurrency: u64,
}

pub const LIMITS: Limits = Limits {
    max_response_mib: 1024,
    timeout_s: 600,
    sync_timeout_s: 86_400,
    page_size: 1000,
    max_pages: 100_000,
    max_mib: 16_384,
    concurrency: 16,
};

pub fn default_timeout() -> u64 {
    20
}
pub fn default_page_size() -> u32 {
    200
}
fn default_max_pages() -> u32 {
    500
}
fn default_max_mib() -> u64 {
    512
}
fn default_sync_timeout() -> u64 {
    300
}
fn default_max_response_mib() -> u64 {
    32
}
fn default_full_sync_hours() -> u64 {
    24
}
fn default_concurrency() -> usize {
    3
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Stable id that cached data is keyed by; survives renaming. Written by the app
    /// when it adds an endpoint; when absent, derived from the name.
    #[serde(default)]
    pub id: Option<String>,
    /// Shown to clinicians as the source of every entry.
    pub name: Spanned<String>,
    pub kind: EndpointKind,
    pub base_url: url::Url,
    #[serde(default)]
    pub fhir_version: FhirVersionSetting,
    /// Seconds allowed for one HTTP request.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// Wall-clock seconds allowed for this endpoint's whole sync.
    #[serde(default = "default_sync_timeout")]
    pub sync_timeout_s: u64,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Most pages followed for one search before giving up.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Most response bytes (MiB) accepted from this endpoint in one sync.
    #[serde(default = "default_max_mib")]
    pub max_mib: u64,
    /// Searches run at once against this endpoint.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Hours after which the next sync fetches everything again, to find what
    /// the source deleted; in between, a sync fetches only what changed
    /// (`_lastUpdated`), where the server honours it. 0: every sync is full.
    #[serde(default = "default_full_sync_hours")]
    pub full_sync_hours: u64,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub auth: AuthConfig,
    /// Plain FHIR searches (default) or GP Connect Access Record: Structured.
    #[serde(default)]
    pub interface: Interface,
    /// Required when `interface = "gp-connect"`.
    #[serde(default)]
    pub gp_connect: Option<GpConnectConfig>,
    /// Extra CA bundle and a client certificate for mutual TLS.
    #[serde(default)]
    pub tls: TlsConfig,
    /// Most decompressed bytes (MiB) accepted in one answer (a gzip bomb or one
    /// huge page fails the endpoint, not the machine).
    #[serde(default = "default_max_response_mib")]
    pub max_response_mib: u64,
    /// Accept plain `http://` to a host that is not this machine (unsafe: data and
    /// queries travel unencrypted; credentials are never sent over it).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Not configurable: set by the demo, whose trusts move port on every start.
    #[serde(skip)]
    pub fixed_origin: Option<String>,
}

impl FhirVersionSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            FhirVersionSetting::Auto => "auto",
            FhirVersionSetting::R4 => "R4",
            FhirVersionSetting::STU3 => "STU3",
        }
    }
}

/// Loopback hosts: this machine.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Header names that carry secrets and so never belong in the configuration file.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "apikey" | "api-key"
    ) || [
        "token",
        "secret",
        "password",
        "api-key",
        "apikey",
        "x-auth",
        "credential",
        "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// A stable endpoint id from a name: lowercase letters, digits and single hyphens.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(MAX_ID_LEN).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "endpoint".into()
    } else {
        out
    }
}

const MAX_ID_LEN: usize = 64;

/// Ids are what cached data is keyed by, so they are plain and short.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

impl Endpoint {
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }

    /// The stable id cached data is keyed by: the configured `id`, or one derived
    /// from the name for files written before ids existed.
    pub fn id(&self) -> String {
        self.id.clone().unwrap_or_else(|| slug(self.name()))
    }

    /// What the data of a run is said to come from: the base URL (without a
    /// trailing slash), or a fixed origin for endpoints whose address changes by
    /// design (the demo trusts listen on a new port each run).
    pub fn origin(&self) -> String {
        match &self.fixed_origin {
            Some(o) => o.clone(),
            None => self.base_url.as_str().trim_end_matches('/').to_string(),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_s)
    }

    pub fn sync_timeout(&self) -> Duration {
        Duration::from_secs(self.sync_timeout_s)
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_mib.saturating_mul(1024 * 1024)
    }

    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_mib.saturating_mul(1024 * 1024)
    }

    /// True when the endpoint is on this machine (plain HTTP is acceptable there).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }

    /// Why this endpoint's address is refused, if it is: plain `http://` to
    /// another machine without `allow_insecure_http`.
    pub fn insecure_address(&self) -> Option<String> {
        (self.base_url.scheme() == "http" && !self.is_loopback() && !self.allow_insecure_http).then(|| {
            "plain http:// is accepted only for this machine (127.0.0.1, ::1, localhost); use https://, or set allow_insecure_http = true to accept that the data travels unencrypted".to_string()
        })
    }

    /// What is wrong with the interface, auth or TLS settings, if anything.
    pub fn connection_problem(&self) -> Option<String> {
        if let Some(p) = self.auth.problem().or_else(|| self.tls.problem()) {
            return Some(p);
        }
        match (self.interface, &self.gp_connect) {
            (Interface::GpConnect, None) => Some(
                "interface = \"gp-connect\" needs an [endpoint.gp_connect] table (from_asid, to_asid, consumer_ods, practitioner_id, practitioner_name)".into(),
            ),
            (Interface::GpConnect, Some(_)) if self.fhir_version == FhirVersionSetting::R4 => Some(
                "GP Connect Access Record: Structured is STU3; fhir_version must be \"auto\" or \"STU3\"".into(),
            ),
            (Interface::GpConnect, Some(_)) if self.auth.sends_credentials() => Some(
                "GP Connect sends its consumer JWT in the Authorization header, so [endpoint.auth] must be none; the provider authenticates Crossview by mutual TLS ([endpoint.tls])".into(),
            ),
            (Interface::GpConnect, Some(g)) => [
                ("from_asid", &g.from_asid),
                ("to_asid", &g.to_asid),
                ("consumer_ods", &g.consumer_ods),
                ("practitioner_id", &g.practitioner_id),
                ("practitioner_name", &g.practitioner_name),
            ]
            .iter()
            .find(|(_, v)| v.trim().is_empty() || v.chars().any(char::is_control))
            .map(|(f, _)| format!("gp_connect.{f} must be set (printable text)")),
            (Interface::Rest, Some(_)) => Some(
                "[endpoint.gp_connect] is set but interface is not \"gp-connect\"".into(),
            ),
            (Interface::Rest, None) => None,
        }
    }

    /// A number outside what Crossview accepts (a typo must not become a week-long
    /// timeout or an overflow), as a message naming the field.
    pub fn out_of_bounds(&self) -> Option<String> {
        let checks: [(&str, u64, u64, u64); 7] = [
            (
                "max_response_mib",
                self.max_response_mib,
                1,
                LIMITS.max_response_mib,
            ),
            ("timeout_s", self.timeout_s, 1, LIMITS.timeout_s),
            (
                "sync_timeout_s",
                self.sync_timeout_s,
                1,
                LIMITS.sync_timeout_s,
            ),
            ("page_size", u64::from(self.page_size), 1, LIMITS.page_size),
            ("max_pages", u64::from(self.max_pages), 1, LIMITS.max_pages),
            ("max_mib", self.max_mib, 1, LIMITS.max_mib),
            (
                "concurrency",
                self.concurrency as u64,
                1,
                LIMITS.concurrency,
            ),
        ];
        checks
            .iter()
            .find(|(_, v, lo, hi)| v < lo || v > hi)
            .map(|(field, v, lo, hi)| format!("{field} = {v} is outside {lo}..={hi}"))
    }

    /// An endpoint with defaults for every tunable; used by the demo and tests.
    pub fn new(name: &str, kind: EndpointKind, base_url: url::Url) -> Endpoint {
        Endpoint {
            id: None,
            name: Spanned::new(0..0, name.to_string()),
            kind,
            base_url,
            fhir_version: FhirVersionSetting::Auto,
            timeout_s: default_timeout(),
            sync_timeout_s: default_sync_timeout(),
            page_size: default_page_size(),
            max_pages: default_max_pages(),
            max_mib: default_max_mib(),
            concurrency: default_concurrency(),
            full_sync_hours: default_full_sync_hours(),
            headers: BTreeMap::new(),
            auth: AuthConfig::None,
            interface: Interface::Rest,
            gp_connect: None,
            tls: TlsConfig::default(),
            max_response_mib: default_max_response_mib(),
            allow_insecure_http: false,
            fixed_origin: None,
        }
    }
}

/// Hours after which a source's data counts as stale even if its last sync succeeded.
pub const DEFAULT_FRESHNESS_HOURS: u64 = 24;
const MAX_FRESHNESS_HOURS: u64 = 24 * 365;
/// A patient's cached record expires this many days after it was last opened.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
const MAX_RETENTION_DAYS: u32 = 3650;
const MAX_CLINICIAN_ID: usize = 64;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Cache directory; the command line and `CROSSVIEW_DATA_DIR` take precedence.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Data older than this many hours is stale (default 24).
    #[serde(default)]
    pub freshness_hours: Option<u64>,
    /// A patient's cached record is removed this many days after it was last opened (default 30).
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Recorded with every audit entry beside the OS user (e.g. a smartcard or GMC number).
    #[serde(default)]
    pub clinician_id: Option<String>,
    #[serde(default, rename = "endpoint")]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no configuration file at {path}: create one (see README, \"Configuration\") or run with --demo"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}, column {column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot write configuration file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no platform configuration or data directory could be determined; pass --config and --data-dir"
    )]
    NoPlatformDirs,
}

impl HasCode for ConfigError {
    fn code(&self) -> ErrorCode {
        match self {
            ConfigError::NotFound { .. } => ErrorCode::ConfigNotFound,
            _ => ErrorCode::ConfigInvalid,
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

impl Config {
    pub fn retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(
            self.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS),
        ))
    }

    pub fn freshness(&self) -> chrono::Duration {
        chrono::Duration::hours(self.freshness_hours.unwrap_or(DEFAULT_FRESHNESS_HOURS) as i64)
    }

    /// Parses configuration text; `path` is only used to name the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            invalid(offset, e.message().trim().to_string())
        })?;
        if let Some(h) = config.freshness_hours
            && !(1..=MAX_FRESHNESS_HOURS).contains(&h)
        {
            return Err(invalid(
                0,
                format!("freshness_hours = {h} is outside 1..={MAX_FRESHNESS_HOURS}"),
            ));
        }
        if let Some(d) = config.retention_days
            && !(1..=MAX_RETENTION_DAYS).contains(&d)
        {
            return Err(invalid(
                0,
                format!("retention_days = {d} is outside 1..={MAX_RETENTION_DAYS}"),
            ));
        }
        if let Some(c) = &config.clinician_id
            && (c.trim().is_empty()
                || c.chars().count() > MAX_CLINICIAN_ID
                || c.chars().any(char::is_control))
        {
            return Err(invalid(
                0,
                format!("clinician_id must be 1 to {MAX_CLINICIAN_ID} printable characters"),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut seen_ids: Vec<String> = Vec::new();
        for ep in &config.endpoints {
            let at = ep.name.span().start;
            let name = ep.name();
            if name.trim().is_empty() {
                return Err(invalid(at, "endpoint name must not be empty".into()));
            }
            if seen.contains(&name) {
                return Err(invalid(
                    at,
                    format!("endpoint name \"{name}\" is used twice"),
                ));
            }
            seen.push(name);
            if let Some(id) = &ep.id
                && !valid_id(id)
            {
                return Err(invalid(
                    at,
                    format!(
                        "endpoint \"{name}\": id \"{id}\" must be 1 to {MAX_ID_LEN} lowercase letters, digits or hyphens"
                    ),
                ));
            }
            let id = ep.id();
            if seen_ids.contains(&id) {
                return Err(invalid(
                    at,
                    format!("endpoint \"{name}\": id \"{id}\" is used twice"),
                ));
            }
            seen_ids.push(id);
            if let Some(problem) = ep.out_of_bounds() {
                return Err(invalid(at, format!("endpoint \"{name}\": {problem}")));
            }
            if !matches!(ep.base_url.scheme(), "http" | "https") {
                return Err(invalid(
                    at,
                    format!("endpoint \"{name}\": base_url must be http or https"),
                ));
            }
            if let Some(problem) = ep.insecure_address() {
                return Err(invalid(at, format!("endpoint \"{name}\": {problem}")));
            }
            if let Some(problem) = ep.connection_problem() {
                return Err(invalid(at, format!("endpoint \"{name}\": {problem}")));
            }
            if let Some(h) = ep.headers.keys().find(|h| is_secret_header(h)) {
                return Err(invalid(
                    at,
                    format!(
                        "endpoint \"{name}\": header \"{h}\" carries a secret; use [endpoint.auth] with token_env instead of writing it in this file"
                    ),
                ));
            }
        }
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ConfigError::NotFound {
                    path: path.to_path_buf(),
                }
            } else {
                ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        Config::parse(&text, path)
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("uk.nhs", "Crossview", "crossview")
}

/// Where the configuration is read from: the explicit path, then `CROSSVIEW_CONFIG`, then the platform default.
pub fn config_path(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    project_dirs()
        .map(|d| d.config_dir().join("config.toml"))
        .ok_or(ConfigError::NoPlatformDirs)
}

/// Where the cache lives: the explicit path, then `CROSSVIEW_DATA_DIR`, then the config file's `data_dir`, then the platform default.
pub fn data_dir(explicit: Option<&Path>, config: Option<&Config>) -> Result<PathBuf, ConfigError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = config.and_then(|c| c.data_dir.clone()) {
        return Ok(p);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(ConfigError::NoPlatformDirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[endpoint]]
name = "Hospital A"
kind = "hospital"
base_url = "http://127.0.0.1:8101"

[[endpoint]]
name = "Meadow Lane Surgery"
kind = "gp"
base_url = "https://gp.example.nhs.uk/fhir/"
fhir_version = "STU3"
timeout_s = 5
headers = { "Ssp-From" = "200000000359" }
auth = { type = "bearer", token_env = "MEADOW_TOKEN" }
"#;

    #[test]
    fn parses_endpoints_with_defaults_and_overrides() {
        let c = Config::parse(GOOD, Path::new("c.toml")).unwrap();
        assert_eq!(c.endpoints.len(), 2);
        let a = &c.endpoints[0];
        assert_eq!(a.name(), "Hospital A");
        assert_eq!(a.kind, EndpointKind::Hospital);
        assert_eq!(a.fhir_version, FhirVersionSetting::Auto);
        assert_eq!((a.page_size, a.max_pages, a.timeout_s), (200, 500, 20));
        let g = &c.endpoints[1];
        assert_eq!(g.fhir_version, FhirVersionSetting::STU3);
        assert_eq!(g.timeout_s, 5);
        assert_eq!(
            g.auth,
            AuthConfig::Bearer {
                token_env: "MEADOW_TOKEN".into(),
                token_keyring: None,
            }
        );
    }

    fn err(text: &str) -> (usize, String) {
        match Config::parse(text, Path::new("/etc/cv.toml")) {
            Err(e @ ConfigError::Invalid { line, .. }) => {
                let msg = e.to_string();
                assert!(msg.starts_with("/etc/cv.toml, line "), "{msg}");
                (line, msg)
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let (line, msg) =
            err("[[endpoint]]\nname = \"A\"\nkind = \"hospitl\"\nbase_url = \"http://x\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("hospitl"), "{msg}");

        let (line, msg) = err(
            "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"http://x\"\ntimeout = 3\n",
        );
        assert_eq!(line, 5);
        assert!(msg.contains("timeout"), "{msg}");

        let (line, msg) =
            err("[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"not a url\"\n");
        assert_eq!(line, 4);
        assert!(msg.to_lowercase().contains("url"), "{msg}");

        let (line, _) = err("[[endpoint]]\nname = \"A\"\nkind = \"gp\"\n");
        assert_eq!(line, 1);
    }

    #[test]
    fn rejects_duplicate_names_and_secrets_in_headers() {
        let dup = "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"https://x\"\n[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"https://y\"\n";
        let (line, msg) = err(dup);
        assert_eq!(line, 6);
        assert!(msg.contains("used twice"));
        for header in [
            "Authorization",
            "Proxy-Authorization",
            "apikey",
            "X-API-Key",
            "X-Auth-Token",
            "Cookie",
        ] {
            let secret = format!(
                "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"https://x\"\nheaders = {{ \"{header}\" = \"Bearer abc\" }}\n"
            );
            let (_, msg) = err(&secret);
            assert!(msg.contains("token_env"), "{header}: {msg}");
            assert!(!msg.contains("abc"), "the secret must not be echoed: {msg}");
        }
        assert!(!is_secret_header("Ssp-TraceID") && !is_secret_header("Ssp-From"));
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_explicitly_accepted() {
        let (_, msg) = err(
            "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"http://gp.example.nhs.uk/fhir\"\n",
        );
        assert!(msg.contains("allow_insecure_http"), "{msg}");
        for ok in [
            "http://127.0.0.1:8101",
            "http://localhost:9",
            "http://[::1]:80",
            "https://gp.example.nhs.uk",
        ] {
            let text = format!("[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"{ok}\"\n");
            assert!(Config::parse(&text, Path::new("c.toml")).is_ok(), "{ok}");
        }
        let text = "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"http://gp.example.nhs.uk\"\nallow_insecure_http = true\n";
        assert!(Config::parse(text, Path::new("c.toml")).unwrap().endpoints[0].allow_insecure_http);
    }

    #[test]
    fn numbers_out_of_range_are_refused_by_name() {
        for (field, value) in [
            ("sync_timeout_s", "9223372036854775807"),
            ("sync_timeout_s", "0"),
            ("timeout_s", "100000"),
            ("max_mib", "99999999"),
            ("concurrency", "1000"),
            ("max_response_mib", "0"),
        ] {
            let text = format!(
                "[[endpoint]]\nname = \"A\"\nkind = \"gp\"\nbase_url = \"https://x\"\n{field} = {value}\n"
            );
            match Config::parse(&text, Path::new("c.toml")) {
                Err(e) => assert!(e.to_string().contains(field), "{field}: {e}"),
                Ok(_) => panic!("{field} = {value} accepted"),
            }
        }
        let (_, msg) = err("freshness_hours = 0\n");
        assert!(msg.contains("freshness_hours"), "{msg}");
    }

    #[test]
    fn missing_file_is_config_not_found() {
        let e = Config::load(Path::new("/nonexistent/crossview.toml")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConfigNotFound);
        assert!(e.to_string().contains("/nonexistent/crossview.toml"));
    }

    fn parse_one(extra: &str) -> Result<Config, ConfigError> {
        Config::parse(
            &format!(
                "[[endpoint]]\nname = \"GP\"\nkind = \"gp\"\nbase_url = \"https://gp.example/fhir\"\n{extra}"
            ),
            Path::new("t.toml"),
        )
    }

    #[test]
    fn a_gp_connect_endpoint_with_mutual_tls_reads_back() {
        let c = parse_one(
            "interface = \"gp-connect\"\n[endpoint.gp_connect]\nfrom_asid = \"200000000359\"\nto_asid = \"918999198738\"\nconsumer_ods = \"A11111\"\npractitioner_id = \"G13579135\"\npractitioner_name = \"Dr Example\"\n[endpoint.tls]\nca_bundle = \"/etc/crossview/spine-ca.pem\"\nclient_cert = \"/etc/crossview/client.pem\"\nclient_key = \"/etc/crossview/client.key\"\n",
        )
        .unwrap();
        let ep = &c.endpoints[0];
        assert_eq!(ep.interface, Interface::GpConnect);
        assert_eq!(ep.gp_connect.as_ref().unwrap().to_asid, "918999198738");
        assert!(ep.tls.client_cert.is_some());
    }

    #[test]
    fn incomplete_connection_settings_are_refused_naming_the_field() {
        for (extra, words) in [
            ("interface = \"gp-connect\"\n", "[endpoint.gp_connect]"),
            (
                "interface = \"gp-connect\"\n[endpoint.gp_connect]\nfrom_asid = \"1\"\nto_asid = \"\"\nconsumer_ods = \"A\"\npractitioner_id = \"G\"\npractitioner_name = \"D\"\n",
                "to_asid",
            ),
            (
                "interface = \"gp-connect\"\nauth = { type = \"bearer\", token_env = \"T\" }\n[endpoint.gp_connect]\nfrom_asid = \"1\"\nto_asid = \"2\"\nconsumer_ods = \"A\"\npractitioner_id = \"G\"\npractitioner_name = \"D\"\n",
                "must be none",
            ),
            (
                "[endpoint.auth]\ntype = \"client-credentials\"\nclient_id = \"c\"\n",
                "key_file or key_keyring",
            ),
            (
                "[endpoint.auth]\ntype = \"client-credentials\"\nclient_id = \"c\"\nkey_file = \"k\"\ntoken_url = \"http://idp.example/token\"\n",
                "token_url must be https",
            ),
            (
                "[endpoint.auth]\ntype = \"bearer\"\n",
                "token_env or token_keyring",
            ),
            ("[endpoint.tls]\nclient_cert = \"c.pem\"\n", "go together"),
            (
                "interface = \"gp-connect\"\nfhir_version = \"R4\"\n[endpoint.gp_connect]\nfrom_asid = \"1\"\nto_asid = \"2\"\nconsumer_ods = \"A\"\npractitioner_id = \"G\"\npractitioner_name = \"D\"\n",
                "is STU3",
            ),
            (
                "[endpoint.auth]\ntype = \"client-credentials\"\nclient_id = \"c\"\nkey_file = \"k\"\nclient_secret = \"x\"\n",
                "unknown field",
            ),
        ] {
            let e = parse_one(extra).unwrap_err().to_string();
            assert!(e.contains(words), "{extra}: {e}");
        }
        // Client credentials with a key file and a discovered token endpoint is complete.
        let c = parse_one(
            "[endpoint.auth]\ntype = \"client_credentials\"\nclient_id = \"c\"\nalg = \"ES384\"\nkid = \"k1\"\nkey_file = \"/k.pem\"\n",
        )
        .unwrap();
        assert!(matches!(
            c.endpoints[0].auth,
            AuthConfig::ClientCredentials {
                alg: JwtAlg::ES384,
                ..
            }
        ));
    }
}
