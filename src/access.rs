//! The access basis (legitimate relationship) a person states before a
//! patient's record is fetched, opened or searched for: direct care, the
//! patient's permission, or emergency access with a reason. It is recorded
//! with every audit entry and decides which consent provisions apply.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, HasCode};

/// For scripted use: `direct-care`, `permission` or `emergency`.
pub const BASIS_ENV: &str = "CROSSVIEW_ACCESS_BASIS";
/// The reason to go with it (required for `emergency`).
pub const REASON_ENV: &str = "CROSSVIEW_ACCESS_REASON";

/// Longest reason kept (a sentence or two, not a document).
const MAX_REASON: usize = 500;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Caring for the patient now.
    DirectCare,
    /// The patient has given permission.
    Permission,
    /// Emergency access ("break glass"); a reason is required.
    Emergency,
}

impl Basis {
    pub const ALL: [Basis; 3] = [Basis::DirectCare, Basis::Permission, Basis::Emergency];

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::DirectCare => "direct-care",
            Basis::Permission => "permission",
            Basis::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Basis::DirectCare => "Direct care",
            Basis::Permission => "Patient's permission",
            Basis::Emergency => "Emergency access",
        }
    }

    /// The v3 ActReason purpose of use this access is (for consent provisions).
    pub fn purpose(self) -> &'static str {
        match self {
            Basis::DirectCare | Basis::Permission => "TREAT",
            Basis::Emergency => "ETREAT",
        }
    }
}

/// A stated basis, with its reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub basis: Basis,
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(
        "state the basis for accessing this record first: --basis direct-care|permission|emergency (emergency also needs --reason TEXT), or set {BASIS_ENV} for scripted use"
    )]
    Missing,
    #[error("\"{0}\" is not an access basis; use direct-care, permission or emergency")]
    Unknown(String),
    #[error("emergency access needs a reason (--reason TEXT or {REASON_ENV})")]
    ReasonRequired,
    #[error("the reason is too long (at most {MAX_REASON} characters)")]
    ReasonTooLong,
}

impl HasCode for AccessError {
    fn code(&self) -> ErrorCode {
        match self {
            AccessError::Missing => ErrorCode::AccessBasisRequired,
            _ => ErrorCode::InvalidInput,
        }
    }
}

/// A reason as kept: trimmed, control characters removed, bounded.
pub fn clean_reason(reason: Option<&str>) -> Result<Option<String>, AccessError> {
    let Some(r) = reason else { return Ok(None) };
    let r: String = r
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if r.chars().count() > MAX_REASON {
        return Err(AccessError::ReasonTooLong);
    }
    Ok((!r.is_empty()).then_some(r))
}

impl Access {
    pub fn new(basis: Basis, reason: Option<&str>) -> Result<Access, AccessError> {
        let reason = clean_reason(reason)?;
        if basis == Basis::Emergency && reason.is_none() {
            return Err(AccessError::ReasonRequired);
        }
        Ok(Access { basis, reason })
    }

    /// From words a person typed (the command line, the environment).
    pub fn parse(basis: &str, reason: Option<&str>) -> Result<Access, AccessError> {
        let b = Basis::parse(basis).ok_or_else(|| AccessError::Unknown(basis.to_string()))?;
        Access::new(b, reason)
    }

    /// From `CROSSVIEW_ACCESS_BASIS` (and `CROSSVIEW_ACCESS_REASON`), if set.
    pub fn from_env() -> Option<Result<Access, AccessError>> {
        let basis = std::env::var(BASIS_ENV).ok()?;
        let reason = std::env::var(REASON_ENV).ok();
        Some(Access::parse(&basis, reason.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergency_needs_a_reason_and_others_do_not() {
        assert!(matches!(
            Access::parse("emergency", None),
            Err(AccessError::ReasonRequired)
        ));
        assert!(matches!(
            Access::parse("emergency", Some("  \n ")),
            Err(AccessError::ReasonRequired)
        ));
        let a = Access::parse("emergency", Some("unconscious in ED\u{1b}[2J")).unwrap();
        assert_eq!(a.reason.as_deref(), Some("unconscious in ED [2J"));
        assert_eq!(
            Access::parse("direct-care", None).unwrap().basis,
            Basis::DirectCare
        );
        assert!(matches!(
            Access::parse("curiosity", None),
            Err(AccessError::Unknown(_))
        ));
    }

    #[test]
    fn the_missing_basis_message_names_the_option_and_the_variable() {
        let m = AccessError::Missing.to_string();
        assert!(m.contains("--basis") && m.contains(BASIS_ENV), "{m}");
        assert_eq!(AccessError::Missing.code(), ErrorCode::AccessBasisRequired);
    }
}
