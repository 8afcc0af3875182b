//! FHIR REST client: one per endpoint, bounded in pages, bytes and time.

pub mod auth;
pub mod bundle;
pub mod capability;
pub mod client;
pub mod error;
pub mod reference;
pub mod request_log;
pub mod tls;

use serde::{Deserialize, Serialize};

pub use client::{FhirClient, Pager, Validators};
pub use error::FhirError;

/// The FHIR releases Crossview reads.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FhirVersion {
    R4,
    STU3,
}

impl FhirVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            FhirVersion::R4 => "R4",
            FhirVersion::STU3 => "STU3",
        }
    }

    pub fn parse(s: &str) -> Option<FhirVersion> {
        match s {
            "R4" => Some(FhirVersion::R4),
            "STU3" => Some(FhirVersion::STU3),
            _ => None,
        }
    }

    /// Maps a CapabilityStatement `fhirVersion` (e.g. `4.0.1`, `3.0.2`) to a release.
    pub fn from_semver(v: &str) -> Option<FhirVersion> {
        let v = v.trim();
        if v.starts_with("4.0") || v.starts_with("4.3") {
            Some(FhirVersion::R4)
        } else if v.starts_with("3.0") {
            Some(FhirVersion::STU3)
        } else {
            None
        }
    }
}
