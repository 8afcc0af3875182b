//! Timeline view models: one event per source resource, derived from the raw
//! JSON with lenient parsing (every field optional, R4 and STU3 shapes alike).

pub mod date;
pub mod derive;
pub mod inspect;

use serde::{Deserialize, Serialize};

pub use derive::{DerivedEvent, MedicationInfo, derive_event, medication_info};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Allergy,
    Medication,
    Encounter,
    Discharge,
    Document,
    Condition,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Allergy => "allergy",
            EventKind::Medication => "medication",
            EventKind::Encounter => "encounter",
            EventKind::Discharge => "discharge",
            EventKind::Document => "document",
            EventKind::Condition => "condition",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Allergy,
            EventKind::Medication,
            EventKind::Encounter,
            EventKind::Discharge,
            EventKind::Document,
            EventKind::Condition,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Label in the timeline for people.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Allergy => "ALLERGY",
            EventKind::Medication => "MEDICATION",
            EventKind::Encounter => "ENCOUNTER",
            EventKind::Discharge => "DISCHARGE",
            EventKind::Document => "DOCUMENT",
            EventKind::Condition => "CONDITION",
        }
    }
}

/// A code with its system, as the source sent it (kept for reconciliation).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

/// One timeline entry as the fronts receive it. Field names are a contract
/// (README, "Timeline JSON").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub kind: EventKind,
    /// The date exactly as the source wrote it; `null` when the source gave none.
    pub date: Option<String>,
    /// NHS display form of `date` (`14-Jul-2025 09:30`, `Jun-2012`, `Not known`).
    pub date_display: String,
    pub title: String,
    pub status: Option<String>,
    pub entered_in_error: bool,
    pub detail: Option<String>,
    pub codes: Vec<Code>,
    /// Endpoint name the entry came from.
    pub source: String,
    pub source_kind: String,
    pub resource_type: String,
    pub resource_id: String,
    pub version_id: Option<String>,
    pub last_updated: Option<String>,
    /// When Crossview received the resource (UTC, RFC 3339).
    pub fetched_at: String,
    pub fhir_version: String,
}
