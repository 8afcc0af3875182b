use crate::error::{ErrorCode, HasCode};

fn diag(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Errors talking to one FHIR endpoint. URLs in messages carry no query string
/// (queries name the patient).
#[derive(Debug, Clone, thiserror::Error)]
pub enum FhirError {
    #[error("cannot connect to {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("secure connection to {url} failed: {problem}")]
    Tls { url: String, problem: String },
    #[error("no answer from {url} within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("the sync took longer than the {seconds} s allowed for this endpoint")]
    Deadline { seconds: u64 },
    #[error("{url} refused the credentials (HTTP {status}){}", diag(.diagnostics))]
    Auth {
        url: String,
        status: u16,
        diagnostics: Option<String>,
    },
    #[error("{url} answered HTTP {status}{}", diag(.diagnostics))]
    Http {
        url: String,
        status: u16,
        diagnostics: Option<String>,
    },
    #[error("{url} answered with {what} instead of FHIR JSON (HTTP {status})")]
    NotFhir {
        url: String,
        status: u16,
        what: String,
    },
    #[error("{url} sent malformed JSON (at {path}): {message}")]
    Malformed {
        url: String,
        path: String,
        message: String,
    },
    #[error("{url} sent a {found} where a {expected} was expected")]
    UnexpectedResource {
        url: String,
        found: String,
        expected: &'static str,
    },
    #[error("paging loop: {url} gave a next link already followed")]
    PagingLoop { url: String },
    #[error("{url} gave a next link outside this endpoint ({link}); not followed")]
    ForeignLink { url: String, link: String },
    #[error("{search} returned more than {max} pages (max_pages)")]
    TooManyPages { search: String, max: u32 },
    #[error("the endpoint sent more than the {limit_mib} MiB allowed in one sync (max_mib)")]
    TooLarge { limit_mib: u64 },
    #[error("{url} sent one answer larger than the {limit_mib} MiB allowed (max_response_mib)")]
    ResponseTooLarge { url: String, limit_mib: u64 },
    #[error("a resource larger than {limit_mib} MiB ({what}) was refused")]
    ResourceTooLarge { what: String, limit_mib: u64 },
    #[error("the server gave an id that is not a FHIR id: {id:?}")]
    BadId { id: String },
    #[error(
        "{url} still refused after {attempts} attempts (HTTP {status}, Retry-After {retry_after})"
    )]
    RateLimited {
        url: String,
        status: u16,
        attempts: u32,
        retry_after: String,
    },
    #[error("{url} reports FHIR version {found}; Crossview reads R4 and STU3")]
    UnsupportedVersion { url: String, found: String },
    #[error("credentials for this endpoint are missing: {0}")]
    MissingSecret(String),
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

impl HasCode for FhirError {
    fn code(&self) -> ErrorCode {
        match self {
            FhirError::Unreachable { .. } => ErrorCode::EndpointUnreachable,
            FhirError::Tls { .. } => ErrorCode::TlsFailed,
            FhirError::Timeout { .. } | FhirError::Deadline { .. } => ErrorCode::EndpointTimeout,
            FhirError::Auth { .. } | FhirError::MissingSecret(_) => ErrorCode::AuthFailed,
            FhirError::Http { .. } => ErrorCode::ServerError,
            FhirError::NotFhir { .. } => ErrorCode::NotFhirResponse,
            FhirError::Malformed { .. } => ErrorCode::MalformedResponse,
            FhirError::UnexpectedResource { .. } | FhirError::ForeignLink { .. } => {
                ErrorCode::NonConformantResource
            }
            FhirError::PagingLoop { .. } => ErrorCode::PagingLoop,
            FhirError::TooManyPages { .. }
            | FhirError::TooLarge { .. }
            | FhirError::ResponseTooLarge { .. }
            | FhirError::ResourceTooLarge { .. } => ErrorCode::LimitExceeded,
            FhirError::BadId { .. } => ErrorCode::NonConformantResource,
            FhirError::RateLimited { .. } => ErrorCode::RateLimited,
            FhirError::UnsupportedVersion { .. } => ErrorCode::UnsupportedFhirVersion,
            FhirError::Setup(_) => ErrorCode::Internal,
        }
    }
}
