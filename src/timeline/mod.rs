//! Timeline view models: one event per source resource, derived from the raw
//! JSON with lenient parsing (every field optional, R4 and STU3 shapes alike).

pub mod date;
pub mod derive;
pub mod dosage;
pub mod inspect;

use serde::{Deserialize, Serialize};

use crate::config::EndpointKind;
use crate::fhir::FhirVersion;

pub use derive::{DerivedEvent, MedicationInfo, derive_event, medication_info};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    pub const ALL: [EventKind; 6] = [
        EventKind::Allergy,
        EventKind::Medication,
        EventKind::Encounter,
        EventKind::Discharge,
        EventKind::Document,
        EventKind::Condition,
    ];

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
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

/// Something about an entry a clinician must see beside its title, as the
/// source stated it (a badge on screen, a word in the command line).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventMark {
    /// A medicine order saying the medicine must NOT be given (`doNotPerform`).
    DoNotGive,
    /// STU3 `taken = n`, R4 status `not-taken`: the patient is not taking it.
    NotTaken,
    /// Stopped or cancelled.
    Stopped,
    OnHold,
    /// A proposal or plan, not an order (e.g. "GP to start").
    Proposal,
    /// An allergy the source has not confirmed.
    Unconfirmed,
    /// An allergy the source has ruled out (never a current allergy).
    Refuted,
    /// High criticality allergy.
    HighCriticality,
    /// An intolerance rather than an allergy.
    Intolerance,
    /// A document replaced by a newer one.
    Superseded,
    /// A record whose source could not say what it is (transfer-degraded code).
    Degraded,
}

impl EventMark {
    pub const ALL: [EventMark; 11] = [
        EventMark::DoNotGive,
        EventMark::NotTaken,
        EventMark::Stopped,
        EventMark::OnHold,
        EventMark::Proposal,
        EventMark::Unconfirmed,
        EventMark::Refuted,
        EventMark::HighCriticality,
        EventMark::Intolerance,
        EventMark::Superseded,
        EventMark::Degraded,
    ];

    /// The words shown for it.
    pub fn label(self) -> &'static str {
        match self {
            EventMark::DoNotGive => "DO NOT GIVE",
            EventMark::NotTaken => "NOT TAKEN",
            EventMark::Stopped => "STOPPED",
            EventMark::OnHold => "ON HOLD",
            EventMark::Proposal => "PROPOSED",
            EventMark::Unconfirmed => "UNCONFIRMED",
            EventMark::Refuted => "REFUTED",
            EventMark::HighCriticality => "HIGH CRITICALITY",
            EventMark::Intolerance => "INTOLERANCE",
            EventMark::Superseded => "SUPERSEDED",
            EventMark::Degraded => "DEGRADED ON TRANSFER",
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

/// A restricted entry. While `masked`, the entry carries its kind, date and
/// source only: no title, text, codes, status or reason, and `resource_id` is
/// the opaque `handle` (ids can be telling).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restricted {
    pub masked: bool,
    /// Why the source restricted it (empty while masked).
    pub labels: Vec<String>,
    /// Names the entry when revealing it.
    pub handle: String,
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
    /// What must be seen beside the title: do not give, stopped, unconfirmed, …
    pub marks: Vec<EventMark>,
    pub detail: Option<String>,
    pub codes: Vec<Code>,
    /// Endpoint name the entry came from.
    pub source: String,
    /// The endpoint's stable id.
    pub source_id: String,
    pub source_kind: EndpointKind,
    pub resource_type: String,
    pub resource_id: String,
    pub version_id: Option<String>,
    pub last_updated: Option<String>,
    /// When Crossview received the resource (UTC, RFC 3339).
    pub fetched_at: String,
    pub fhir_version: FhirVersion,
    /// When the source's data shown was read (the end of its last successful sync).
    pub as_of: Option<String>,
    /// The source's last sync failed, was interrupted or kept aside, or its data
    /// is older than the freshness limit: this entry may be out of date.
    pub stale: bool,
    /// Set when the source restricted this entry.
    pub restricted: Option<Restricted>,
}

impl TimelineEvent {
    /// The masked form: kind, date and source; everything else withheld.
    pub fn mask(&mut self) {
        let Some(r) = self.restricted.as_mut() else {
            return;
        };
        r.masked = true;
        r.labels.clear();
        self.title = format!("Restricted entry from {}", self.source);
        self.status = None;
        self.entered_in_error = false;
        self.marks.clear();
        self.detail = None;
        self.codes.clear();
        self.resource_id = r.handle.clone();
        self.version_id = None;
        self.last_updated = None;
    }
}
