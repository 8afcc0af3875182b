//! Reconciliation: what several sources say about the same allergy or
//! medicine, put side by side. Nothing is merged away: every source entry is
//! in exactly one group, grouping follows the codes (never name similarity),
//! and where sources disagree both sides are shown with their dates.

pub mod allergy;
pub mod compact;
pub mod discharge_changes;
pub mod flags;
mod group;
pub mod medicine;
pub mod patient;
pub mod terminology;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

use crate::sources::Sources;
use crate::store::{CachedResource, SourceStatus};
use crate::timeline::date::FhirDate;

pub use allergy::{AllergyEntry, AllergyGroup, AllergyStatus, AllergySummary, Negation};
pub use flags::{Flag, FlagKind, Severity};
pub use medicine::{
    MedicationSummary, MedicineEntry, MedicineGroup, MedicineStanding, MedicineState,
};
pub use patient::{Difference, PatientSummary, SourceValue};

/// The resource types the summary is built from.
pub const SUMMARY_TYPES: &[&str] = &[
    "Patient",
    "AllergyIntolerance",
    "MedicationRequest",
    "MedicationStatement",
    "Medication",
    "Encounter",
];

/// Days back that a stopped medicine counts as "recently stopped".
pub const RECENT_DAYS: i64 = 90;

/// Names one source entry: the refs of a flag and the members of a group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EntryRef {
    pub source: String,
    pub source_id: String,
    pub resource_type: String,
    pub resource_id: String,
}

/// What a summary is built from.
pub struct Input<'a> {
    pub nhs: &'a str,
    pub resources: &'a [CachedResource],
    pub sources: &'a Sources,
    pub today: NaiveDate,
    pub recent_days: i64,
}

/// The reconciled summary of a patient's record (a contract: README, "Summary JSON").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub patient: PatientSummary,
    pub allergies: AllergySummary,
    pub medications: MedicationSummary,
    /// Everything a clinician must see, most severe first.
    pub flags: Vec<Flag>,
    pub sources: Vec<SourceStatus>,
    /// A sync is running and some source has nothing cached yet.
    pub loading: bool,
    /// Set when the terminology tables could not be read (grouping then by code only, no allergy checks).
    pub terminology_problem: Option<String>,
    /// Restricted entries left out of this summary until revealed (masked: kind, date, source).
    pub restricted: Vec<crate::timeline::TimelineEvent>,
}

/// The start of a FHIR date, for ordering (`None` for no or unreadable date).
pub(crate) fn latest(raw: Option<&str>) -> Option<DateTime<Utc>> {
    FhirDate::parse(raw?).map(|d| d.start)
}

pub(crate) fn date_display(raw: Option<&str>) -> String {
    crate::display::date_or_not_known(raw)
}

/// The date a medication record is "from".
pub(crate) fn resource_date(r: &Value, resource_type: &str) -> Option<String> {
    let pointers: &[&str] = if resource_type == "MedicationRequest" {
        &["/authoredOn", "/dispenseRequest/validityPeriod/start"]
    } else {
        &[
            "/effectiveDateTime",
            "/effectivePeriod/start",
            "/dateAsserted",
        ]
    };
    pointers
        .iter()
        .find_map(|p| r.pointer(p).and_then(Value::as_str))
        .map(String::from)
}

/// Finished inpatient stays per source: orders made within them are not current medicines.
fn finished_stays(resources: &[(&CachedResource, Value)]) -> medicine::FinishedStays {
    resources
        .iter()
        .filter(|(c, _)| c.resource_type == "Encounter")
        .filter(|(_, v)| {
            let ev = crate::timeline::derive_event(v, crate::fhir::FhirVersion::R4);
            ev.is_some_and(|e| e.kind == crate::timeline::EventKind::Discharge)
        })
        .map(|(c, _)| (c.endpoint_id.clone(), format!("Encounter/{}", c.id)))
        .collect()
}

fn parse(resources: &[CachedResource]) -> Vec<(&CachedResource, Value)> {
    resources
        .iter()
        .filter_map(|c| serde_json::from_str(&c.json).ok().map(|v| (c, v)))
        .collect()
}

/// The terminology tables, or empty ones and why (grouping then falls back to codes).
fn terms() -> (&'static terminology::Terminology, Option<String>) {
    static EMPTY: std::sync::LazyLock<terminology::Terminology> =
        std::sync::LazyLock::new(terminology::Terminology::default);
    match terminology::tables() {
        Ok(t) => (t, None),
        Err(e) => (&EMPTY, Some(e.to_string())),
    }
}

/// Every medicine record (MedicationRequest, MedicationStatement) as an entry, GP issues linked to their authorisation.
fn medicine_entries(parsed: &[(&CachedResource, Value)], input: &Input) -> Vec<MedicineEntry> {
    let medications: HashMap<(String, String), Value> = parsed
        .iter()
        .filter(|(c, _)| c.resource_type == "Medication")
        .map(|(c, v)| ((c.endpoint_id.clone(), c.id.clone()), v.clone()))
        .collect();
    let stays = finished_stays(parsed);
    let med_raw: Vec<(&CachedResource, &Value)> = parsed
        .iter()
        .filter(|(c, _)| {
            matches!(
                c.resource_type.as_str(),
                "MedicationRequest" | "MedicationStatement"
            )
        })
        .map(|(c, v)| (*c, v))
        .collect();
    let mut entries: Vec<MedicineEntry> = med_raw
        .iter()
        .map(|(c, v)| {
            medicine::entry(
                v,
                &c.resource_type,
                &c.id,
                &c.endpoint_id,
                input,
                &medications,
                &stays,
            )
        })
        .collect();
    let indexed: Vec<(usize, Value)> = med_raw
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i, (*v).clone()))
        .collect();
    medicine::link_issues(&mut entries, &indexed);
    entries
}

/// Medicine changes of one discharge: the discharge's own medicine records
/// (`discharge_refs`, `(source id, resource type, id)`) against the GP's list at `discharged`.
pub fn discharge_changes(
    input: &Input,
    discharge_refs: &[(String, String, String)],
    discharged: Option<&str>,
) -> discharge_changes::MedicationChanges {
    let parsed = parse(input.resources);
    let entries = medicine_entries(&parsed, input);
    let (t, _) = terms();
    let discharge: Vec<&MedicineEntry> = entries
        .iter()
        .filter(|e| {
            discharge_refs.iter().any(|(s, ty, id)| {
                *s == e.source_id && *ty == e.resource_type && *id == e.resource_id
            })
        })
        .collect();
    let gp: Vec<&MedicineEntry> = entries
        .iter()
        .filter(|e| e.source_kind == crate::config::EndpointKind::Gp)
        .collect();
    discharge_changes::compare(&discharge, &gp, discharged, t)
}

/// Builds the summary from the cached resources of one patient.
pub fn summarise(input: &Input) -> Summary {
    let parsed = parse(input.resources);
    let (t, problem) = terms();

    let allergy_entries: Vec<AllergyEntry> = parsed
        .iter()
        .filter(|(c, _)| c.resource_type == "AllergyIntolerance")
        .map(|(c, v)| allergy::entry(v, &c.id, &c.endpoint_id, input.sources, t))
        .collect();
    let mut allergy_groups = allergy::groups(allergy_entries, t);

    let med_entries = medicine_entries(&parsed, input);
    let mut meds = medicine::summary(med_entries, input, t);

    let patients: Vec<(String, String, Value)> = parsed
        .iter()
        .filter(|(c, _)| c.resource_type == "Patient")
        .map(|(c, v)| (c.endpoint_id.clone(), c.id.clone(), v.clone()))
        .collect();
    let (patient, demographics_flag) = patient::summary(input.nhs, &patients, input.sources);

    let mut all_flags: Vec<Flag> = Vec::new();
    all_flags.extend(flags::allergy_to_ingredient(
        &allergy_groups,
        &meds.groups,
        t,
    ));
    all_flags.extend(flags::no_known_allergy_conflicts(&allergy_groups));
    all_flags.extend(flags::allergy_status_conflicts(&allergy_groups));
    let every_med: Vec<MedicineGroup> = meds
        .groups
        .iter()
        .chain(&meds.recently_stopped)
        .chain(&meds.past)
        .cloned()
        .collect();
    all_flags.extend(flags::stopped_elsewhere(&every_med));
    all_flags.extend(demographics_flag);
    all_flags.sort_by_key(|f| (f.severity, f.kind));
    {
        let mut med_refs: Vec<&mut MedicineGroup> = meds
            .groups
            .iter_mut()
            .chain(meds.recently_stopped.iter_mut())
            .chain(meds.do_not_give.iter_mut())
            .chain(meds.past.iter_mut())
            .collect();
        flags::mark_groups(&all_flags, &mut allergy_groups, &mut med_refs);
    }
    let allergies = allergy::summary(allergy_groups, input);
    Summary {
        patient,
        allergies,
        medications: meds,
        flags: all_flags,
        sources: input.sources.statuses(),
        loading: input.sources.loading(),
        terminology_problem: problem,
        restricted: Vec::new(),
    }
}

/// Every `(source, type, id)` an entry of the summary names: for the "nothing dropped" check.
pub fn entry_refs(s: &Summary) -> BTreeSet<EntryRef> {
    let mut out = BTreeSet::new();
    for g in &s.allergies.groups {
        out.extend(g.entries.iter().map(AllergyEntry::reference));
    }
    for g in s
        .medications
        .groups
        .iter()
        .chain(&s.medications.recently_stopped)
        .chain(&s.medications.do_not_give)
        .chain(&s.medications.past)
    {
        out.extend(g.entries.iter().map(MedicineEntry::reference));
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
