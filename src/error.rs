//! The closed set of error codes every front (CLI, desktop UI) can branch on,
//! and the `{code, message}` shape errors take at the UI boundary.

use serde::Serialize;

/// Stable, closed set of error codes. Fronts branch on these, never on message text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    InvalidNhsNumber,
    ConfigInvalid,
    ConfigNotFound,
    EndpointUnreachable,
    EndpointTimeout,
    AuthFailed,
    ServerError,
    NotFhirResponse,
    MalformedResponse,
    NonConformantResource,
    PatientMismatch,
    PagingLoop,
    LimitExceeded,
    RateLimited,
    UnsupportedFhirVersion,
    CacheLocked,
    CacheTooNew,
    CacheError,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidNhsNumber => "InvalidNhsNumber",
            ErrorCode::ConfigInvalid => "ConfigInvalid",
            ErrorCode::ConfigNotFound => "ConfigNotFound",
            ErrorCode::EndpointUnreachable => "EndpointUnreachable",
            ErrorCode::EndpointTimeout => "EndpointTimeout",
            ErrorCode::AuthFailed => "AuthFailed",
            ErrorCode::ServerError => "ServerError",
            ErrorCode::NotFhirResponse => "NotFhirResponse",
            ErrorCode::MalformedResponse => "MalformedResponse",
            ErrorCode::NonConformantResource => "NonConformantResource",
            ErrorCode::PatientMismatch => "PatientMismatch",
            ErrorCode::PagingLoop => "PagingLoop",
            ErrorCode::LimitExceeded => "LimitExceeded",
            ErrorCode::RateLimited => "RateLimited",
            ErrorCode::UnsupportedFhirVersion => "UnsupportedFhirVersion",
            ErrorCode::CacheLocked => "CacheLocked",
            ErrorCode::CacheTooNew => "CacheTooNew",
            ErrorCode::CacheError => "CacheError",
            ErrorCode::Internal => "Internal",
        }
    }

    /// Parses a code stored in the cache; unknown text (from a newer version) maps to `Internal`.
    pub fn parse(s: &str) -> ErrorCode {
        ALL_CODES
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .unwrap_or(ErrorCode::Internal)
    }
}

pub const ALL_CODES: &[ErrorCode] = &[
    ErrorCode::InvalidNhsNumber,
    ErrorCode::ConfigInvalid,
    ErrorCode::ConfigNotFound,
    ErrorCode::EndpointUnreachable,
    ErrorCode::EndpointTimeout,
    ErrorCode::AuthFailed,
    ErrorCode::ServerError,
    ErrorCode::NotFhirResponse,
    ErrorCode::MalformedResponse,
    ErrorCode::NonConformantResource,
    ErrorCode::PatientMismatch,
    ErrorCode::PagingLoop,
    ErrorCode::LimitExceeded,
    ErrorCode::RateLimited,
    ErrorCode::UnsupportedFhirVersion,
    ErrorCode::CacheLocked,
    ErrorCode::CacheTooNew,
    ErrorCode::CacheError,
    ErrorCode::Internal,
];

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every module error reports which closed code it belongs to.
pub trait HasCode: std::fmt::Display {
    fn code(&self) -> ErrorCode;

    fn to_ui(&self) -> UiError {
        UiError {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

/// The error shape at the UI boundary.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_stored_text() {
        for code in ALL_CODES {
            assert_eq!(ErrorCode::parse(code.as_str()), *code);
        }
        assert_eq!(ErrorCode::parse("SomethingNewer"), ErrorCode::Internal);
    }

    #[test]
    fn ui_error_serialises_as_code_and_message() {
        let e = UiError {
            code: ErrorCode::PatientMismatch,
            message: "x".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "PatientMismatch", "message": "x"})
        );
    }
}
