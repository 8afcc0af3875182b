//! The closed set of error codes every front (CLI, desktop UI) can branch on,
//! and the `{code, message}` shape errors take at the UI boundary.

use serde::Serialize;

macro_rules! error_codes {
    ($($code:ident => $plain:literal,)*) => {
        /// Stable, closed set of error codes. Fronts branch on these, never on message text.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum ErrorCode {
            $($code,)*
        }

        /// Every code, in declaration order (exported to the UI with the bindings).
        pub const ALL_CODES: &[ErrorCode] = &[$(ErrorCode::$code,)*];

        impl ErrorCode {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => stringify!($code),)*
                }
            }

            /// What the code means, in words a clinician understands; the
            /// technical message goes behind a disclosure.
            pub fn plain_english(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $plain,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidNhsNumber => "The NHS number is not valid. Check the 10 digits.",
    InvalidInput => "Some of what was entered is not valid. Check the highlighted field.",
    ConfigInvalid => "The connection settings contain a mistake. Ask your IT team to check them.",
    ConfigNotFound => "No connection settings were found. Ask your IT team to set up the sources.",
    EndpointUnreachable => "The source could not be reached.",
    EndpointTimeout => "The source did not answer in time.",
    AuthFailed => "The source refused Crossview's credentials.",
    TlsFailed => "The secure connection to the source could not be set up (a certificate problem). Ask your IT team.",
    ServerError => "The source reported an error.",
    NotFhirResponse => "The source sent something that is not a health record (for example an error page).",
    MalformedResponse => "The source sent a damaged answer that could not be read.",
    NonConformantResource => "The source sent a record that does not follow the standard.",
    PatientMismatch => "The source sent records of another patient, so nothing from this sync was kept.",
    PagingLoop => "The source kept sending the same page of results.",
    LimitExceeded => "The source sent more data than Crossview accepts in one sync.",
    RateLimited => "The source is busy and asked Crossview to try again later.",
    UnsupportedFhirVersion => "The source uses a version of the record standard Crossview cannot read.",
    DataDisappeared => "The source suddenly returned less than before, so its new answer was kept aside and the earlier data is still shown. Check with the source before accepting it.",
    NotInCache => "That entry is not in the saved record on this computer.",
    CacheLocked => "Another Crossview window is updating this record. Try again in a moment.",
    CacheTooNew => "The saved records were written by a newer version of Crossview. Update Crossview to open them.",
    CacheError => "The saved records on this computer could not be read or written.",
    CacheKeyMissing => "The key that unlocks the saved records on this computer could not be found. Ask your IT team.",
    CacheKeyWrong => "The saved records on this computer could not be unlocked with the key given. Nothing was changed.",
    CacheDirUnsafe => "The folder for saved records can be opened by other people, so Crossview will not use it. Ask your IT team.",
    AccessBasisRequired => "Say why you are looking at this record (direct care, the patient's permission, or an emergency) before it is opened.",
    RestrictedEntry => "This entry is restricted by its source. Reveal it, giving a reason, to see it.",
    AuditUnavailable => "The access log could not be written, so nothing was done.",
    Internal => "Something went wrong inside Crossview.",
}

impl ErrorCode {
    /// Parses a code stored in the cache; unknown text (from a newer version) maps to `Internal`.
    pub fn parse(s: &str) -> ErrorCode {
        ALL_CODES
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .unwrap_or(ErrorCode::Internal)
    }
}

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

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UiError {
        UiError {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// `?` carries any module error to the UI boundary with its code.
impl<E: HasCode> From<E> for UiError {
    fn from(e: E) -> UiError {
        e.to_ui()
    }
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
    fn every_code_has_a_plain_english_message() {
        for code in ALL_CODES {
            let m = code.plain_english();
            assert!(m.ends_with('.') && m.len() > 20, "{code}: {m}");
            assert!(!m.contains(code.as_str()), "{code}: no jargon");
        }
    }

    #[test]
    fn ui_error_serialises_as_code_and_message() {
        let e = UiError::new(ErrorCode::PatientMismatch, "x");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "PatientMismatch", "message": "x"})
        );
    }
}
