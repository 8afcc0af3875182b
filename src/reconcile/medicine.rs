//! Medicines across sources: each MedicationRequest and MedicationStatement
//! read as the source wrote it (dose, intent, stop reason, end date), judged
//! current or not by the rules a clinician would apply, and grouped where
//! codes (through the dm+d table) prove it is the same medicine. A GP repeat
//! (its authorisation and every issue) is one row with its last issue date.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

use super::group::Groups;
use super::terminology::{Terminology, normalise_text, system_key};
use super::{EntryRef, Input, date_display, latest, resource_date};
use crate::config::EndpointKind;
use crate::timeline::derive::{codes_of, concept_text, medication_end, notes, status_reasons};
use crate::timeline::{Code, EventMark, dosage};

/// Where one source's medicine record stands, by the rules of the summary.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicineState {
    /// Taken now, as far as this source knows.
    Current,
    /// Current, but on hold.
    OnHold,
    Stopped,
    Completed,
    /// A course whose end date has passed.
    Ended,
    /// An inpatient order from an admission that has ended.
    InpatientOnly,
    /// The patient is not taking it (STU3 `taken = n`, R4 `not-taken`).
    NotTaken,
    /// An order NOT to give this medicine.
    DoNotGive,
    /// A proposal or plan ("GP to start …"), not an order.
    Proposed,
    EnteredInError,
}

impl MedicineState {
    pub const ALL: [MedicineState; 10] = [
        MedicineState::Current,
        MedicineState::OnHold,
        MedicineState::Stopped,
        MedicineState::Completed,
        MedicineState::Ended,
        MedicineState::InpatientOnly,
        MedicineState::NotTaken,
        MedicineState::DoNotGive,
        MedicineState::Proposed,
        MedicineState::EnteredInError,
    ];

    /// The words shown for it.
    pub fn label(self) -> &'static str {
        match self {
            MedicineState::Current => "CURRENT",
            MedicineState::OnHold => "ON HOLD",
            MedicineState::Stopped => "STOPPED",
            MedicineState::Completed => "COMPLETED",
            MedicineState::Ended => "ENDED",
            MedicineState::InpatientOnly => "INPATIENT ONLY",
            MedicineState::NotTaken => "NOT TAKEN",
            MedicineState::DoNotGive => "DO NOT GIVE",
            MedicineState::Proposed => "PROPOSED",
            MedicineState::EnteredInError => "ENTERED IN ERROR",
        }
    }

    pub fn is_current(self) -> bool {
        matches!(self, MedicineState::Current | MedicineState::OnHold)
    }

    pub fn is_stop(self) -> bool {
        matches!(self, MedicineState::Stopped)
    }
}

/// One source's record of a medicine.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicineEntry {
    pub source: String,
    pub source_id: String,
    pub source_kind: EndpointKind,
    pub resource_type: String,
    pub resource_id: String,
    /// The status as the source wrote it.
    pub status: Option<String>,
    pub state: MedicineState,
    /// `proposal`, `plan`, `order`, … (MedicationRequest).
    pub intent: Option<String>,
    pub category: Option<String>,
    /// Start (authored, effective) as the source wrote it.
    pub date: Option<String>,
    pub date_display: String,
    /// End of the course, when the source gave one.
    pub end: Option<String>,
    pub title: String,
    pub codes: Vec<Code>,
    /// The dosage in words (the source's text, else its structure rendered).
    pub dose: Option<String>,
    /// Why it was stopped, not given or not taken.
    pub reason: Option<String>,
    pub notes: Vec<String>,
    /// For a GP authorisation: when the last issue was made.
    pub last_issued: Option<String>,
    /// The encounter the order belongs to (`Encounter/id`), when given.
    pub encounter: Option<String>,
    pub marks: Vec<EventMark>,
    pub entered_in_error: bool,
    pub stale: bool,
    pub as_of: Option<String>,
}

impl MedicineEntry {
    pub fn reference(&self) -> EntryRef {
        EntryRef {
            source: self.source.clone(),
            source_id: self.source_id.clone(),
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
        }
    }

    /// The latest date this record speaks of.
    pub fn last_touched(&self) -> Option<String> {
        [
            self.date.as_deref(),
            self.end.as_deref(),
            self.last_issued.as_deref(),
        ]
        .into_iter()
        .flatten()
        .max_by_key(|d| latest(Some(d)))
        .map(String::from)
    }
}

/// Which list a medicine group belongs to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicineStanding {
    Current,
    RecentlyStopped,
    DoNotGive,
    Past,
}

/// One medicine, as every source that records it says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicineGroup {
    pub title: String,
    pub codes: Vec<Code>,
    pub standing: MedicineStanding,
    pub on_hold: bool,
    /// The dose of the most recent current record (each entry carries its own).
    pub dose: Option<String>,
    /// The latest date any source touched it.
    pub last_touched: Option<String>,
    pub last_touched_display: String,
    /// A GP repeat's last issue.
    pub last_issued: Option<String>,
    pub entries: Vec<MedicineEntry>,
    /// Entries left out of `entries` for a screen (see [`super::compact`]): the
    /// earlier orders and issues of a long record, still on the timeline.
    pub earlier_entries: u64,
    pub flags: Vec<super::flags::FlagKind>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicationSummary {
    /// Medicines the patient is on now (at any source).
    pub groups: Vec<MedicineGroup>,
    /// Stopped, completed or ended within `recent_days`.
    pub recently_stopped: Vec<MedicineGroup>,
    /// Orders not to give a medicine.
    pub do_not_give: Vec<MedicineGroup>,
    /// Everything older.
    pub past: Vec<MedicineGroup>,
    pub recent_days: i64,
    /// Configured sources that could not vouch for medicines, and why.
    pub gaps: Vec<crate::sources::SourceGap>,
    /// What sources' lists say about an empty medication list ("no content recorded").
    pub list_notes: Vec<crate::sources::SourceGap>,
}

/// Name and codes of the medicine a record names (inline, contained, or a Medication resource of the same source).
fn medicine_of(
    r: &Value,
    medications: &HashMap<(String, String), Value>,
    source_id: &str,
) -> (Option<String>, Vec<Code>) {
    if let Some(cc) = r.get("medicationCodeableConcept") {
        return (concept_text(Some(cc)), codes_of(Some(cc)));
    }
    let Some(reference) = r.get("medicationReference") else {
        return (None, Vec::new());
    };
    let display = reference
        .get("display")
        .and_then(Value::as_str)
        .map(String::from);
    let target = reference
        .get("reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let med = if let Some(local) = target.strip_prefix('#') {
        r.get("contained")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(local))
            .cloned()
    } else {
        let id = target
            .split("/_history/")
            .next()
            .unwrap_or(target)
            .rsplit('/')
            .next()
            .unwrap_or_default();
        medications
            .get(&(source_id.to_string(), id.to_string()))
            .cloned()
    };
    match med {
        Some(m) => (
            concept_text(m.get("code")).or(display),
            codes_of(m.get("code")),
        ),
        None => (display, Vec::new()),
    }
}

fn category_text(r: &Value) -> Option<String> {
    r.get("category").and_then(|c| {
        c.as_array().map_or_else(
            || concept_text(Some(c)),
            |a| a.iter().find_map(|c| concept_text(Some(c))),
        )
    })
}

fn category_codes(r: &Value) -> Vec<String> {
    let list: Vec<&Value> = match r.get("category") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(c) => vec![c],
        None => Vec::new(),
    };
    list.into_iter()
        .flat_map(|c| {
            codes_of(Some(c))
                .into_iter()
                .filter_map(|x| x.code)
                .chain(c.as_str().map(String::from))
        })
        .map(|c| c.to_lowercase())
        .collect()
}

fn day(raw: Option<&str>) -> Option<NaiveDate> {
    let d = crate::timeline::date::FhirDate::parse(raw?)?;
    Some(d.start.date_naive())
}

/// Facts about encounters at one source: ids of finished inpatient stays.
pub(super) type FinishedStays = BTreeSet<(String, String)>;

/// One MedicationRequest or MedicationStatement as an entry.
#[allow(clippy::too_many_arguments)]
pub(super) fn entry(
    r: &Value,
    resource_type: &str,
    id: &str,
    source_id: &str,
    input: &Input,
    medications: &HashMap<(String, String), Value>,
    stays: &FinishedStays,
) -> MedicineEntry {
    let status = r.get("status").and_then(Value::as_str).map(String::from);
    let intent = r.get("intent").and_then(Value::as_str).map(String::from);
    let (title, codes) = medicine_of(r, medications, source_id);
    let date = resource_date(r, resource_type);
    let end = medication_end(r);
    let reasons = status_reasons(r);
    let encounter = r
        .pointer("/encounter/reference")
        .or_else(|| r.pointer("/context/reference"))
        .and_then(Value::as_str)
        .and_then(|e| e.split("/_history/").next())
        .and_then(|e| e.rsplit('/').next())
        .map(|id| format!("Encounter/{id}"));
    let categories = category_codes(r);
    let kind = input
        .sources
        .get(source_id)
        .map_or(EndpointKind::Other, |s| s.source_kind);
    let s = status.as_deref();
    let state = if s == Some("entered-in-error") {
        MedicineState::EnteredInError
    } else if r.get("doNotPerform").and_then(Value::as_bool) == Some(true) {
        MedicineState::DoNotGive
    } else if r.get("taken").and_then(Value::as_str) == Some("n") || s == Some("not-taken") {
        MedicineState::NotTaken
    } else if matches!(s, Some("stopped" | "cancelled")) {
        MedicineState::Stopped
    } else if s == Some("completed") {
        MedicineState::Completed
    } else if matches!(intent.as_deref(), Some("proposal")) || s == Some("draft") {
        MedicineState::Proposed
    } else if intent.as_deref() == Some("plan") && kind != EndpointKind::Gp {
        // A hospital's plan ("GP to start …") is not an order; a GP's plan is its repeat authorisation.
        MedicineState::Proposed
    } else if day(end.as_deref()).is_some_and(|e| e < input.today) {
        MedicineState::Ended
    } else if !categories
        .iter()
        .any(|c| matches!(c.as_str(), "discharge" | "community" | "outpatient"))
        && (categories.iter().any(|c| c == "inpatient")
            || encounter
                .as_ref()
                .is_some_and(|e| stays.contains(&(source_id.to_string(), e.clone()))))
    {
        MedicineState::InpatientOnly
    } else if matches!(s, Some("on-hold" | "suspended")) {
        MedicineState::OnHold
    } else {
        MedicineState::Current
    };
    let src = input.sources.get(source_id);
    let derived = crate::timeline::derive_event(r, crate::fhir::FhirVersion::R4);
    MedicineEntry {
        source: input.sources.name(source_id),
        source_id: source_id.to_string(),
        source_kind: kind,
        resource_type: resource_type.to_string(),
        resource_id: id.to_string(),
        status,
        state,
        intent,
        category: category_text(r),
        date_display: date_display(date.as_deref()),
        date,
        end,
        title: title.unwrap_or_else(|| crate::display::NOT_KNOWN.into()),
        codes,
        dose: {
            let d = dosage::dosages(r);
            (!d.is_empty()).then(|| d.join("; "))
        },
        reason: (!reasons.is_empty()).then(|| reasons.join(", ")),
        notes: notes(r),
        last_issued: None,
        encounter,
        marks: derived.map(|d| d.marks).unwrap_or_default(),
        entered_in_error: state == MedicineState::EnteredInError,
        stale: src.is_none_or(|s| s.stale),
        as_of: src.and_then(|s| s.last_success.clone()),
    }
}

/// Links GP issues to their authorisation (`basedOn`), and gives each authorisation its last issue date.
pub(super) fn link_issues(entries: &mut [MedicineEntry], raw: &[(usize, Value)]) {
    let mut last: HashMap<(String, String), String> = HashMap::new();
    for (i, r) in raw {
        let e = &entries[*i];
        if e.intent.as_deref() != Some("order") {
            continue;
        }
        for b in r
            .get("basedOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = b
                .get("reference")
                .and_then(Value::as_str)
                .and_then(|x| x.strip_prefix("MedicationRequest/"))
            else {
                continue;
            };
            let key = (e.source_id.clone(), id.to_string());
            if let Some(d) = &e.date {
                let newer = last
                    .get(&key)
                    .is_none_or(|old| latest(Some(d)) > latest(Some(old)));
                if newer {
                    last.insert(key, d.clone());
                }
            }
        }
    }
    for e in entries.iter_mut() {
        if let Some(d) = last.get(&(e.source_id.clone(), e.resource_id.clone())) {
            e.last_issued = Some(d.clone());
        }
    }
}

/// The medicine an entry's codes name (through the table), else its code, else its exact text.
pub(super) fn concept_keys(e: &MedicineEntry, t: &Terminology) -> Vec<String> {
    // An order not to give a medicine is never merged with orders to give it.
    let prefix = if e.state == MedicineState::DoNotGive {
        "dng:"
    } else {
        ""
    };
    let mut keys: Vec<String> = e
        .codes
        .iter()
        .filter_map(|c| {
            let (system, code) = (c.system.as_deref()?, c.code.as_deref()?);
            if crate::timeline::derive::is_degraded_code(code) {
                return None;
            }
            Some(match t.target(system, code) {
                Some(target) => format!("{prefix}{}", target.key()),
                None => format!("{prefix}code:{}|{code}", system_key(system)),
            })
        })
        .collect();
    if keys.is_empty() {
        keys.push(format!("{prefix}text:{}", normalise_text(&e.title)));
    }
    keys
}

/// The substances a medicine contains, for allergy checks: from the table for
/// codes it knows; by exact member names in the text otherwise (reported as such).
pub(super) fn ingredients(g: &MedicineGroup, t: &Terminology) -> (BTreeSet<String>, bool) {
    let mut out = BTreeSet::new();
    let mut by_name = false;
    for e in &g.entries {
        let mut known = false;
        for c in &e.codes {
            if let (Some(s), Some(code)) = (c.system.as_deref(), c.code.as_deref())
                && let Some(super::terminology::Target::Member(m)) = t.target(s, code)
            {
                known = true;
                out.extend(t.ingredients(m));
            }
        }
        if !known {
            for m in t.members_named_in(&e.title) {
                by_name = true;
                out.extend(t.ingredients(&m));
            }
        }
    }
    (out, by_name)
}

fn group_of(mut entries: Vec<MedicineEntry>, input: &Input) -> MedicineGroup {
    entries.sort_by(|a, b| {
        b.state
            .is_current()
            .cmp(&a.state.is_current())
            .then_with(|| {
                latest(b.last_touched().as_deref()).cmp(&latest(a.last_touched().as_deref()))
            })
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    let current = entries.iter().filter(|e| e.state.is_current());
    let dose = current
        .clone()
        .find_map(|e| e.dose.clone())
        .or_else(|| entries.iter().find_map(|e| e.dose.clone()));
    let last_touched = entries
        .iter()
        .filter_map(MedicineEntry::last_touched)
        .max_by_key(|d| latest(Some(d)));
    let last_issued = entries
        .iter()
        .filter_map(|e| e.last_issued.clone())
        .max_by_key(|d| latest(Some(d)));
    let any_current = entries.iter().any(|e| e.state.is_current());
    let standing = if any_current {
        MedicineStanding::Current
    } else if entries.iter().all(|e| e.state == MedicineState::DoNotGive) {
        MedicineStanding::DoNotGive
    } else if day(last_touched.as_deref())
        .is_some_and(|d| (input.today - d).num_days() <= input.recent_days)
        && entries.iter().any(|e| !e.entered_in_error)
    {
        MedicineStanding::RecentlyStopped
    } else {
        MedicineStanding::Past
    };
    let title = entries
        .iter()
        .find(|e| !e.entered_in_error && e.title != crate::display::NOT_KNOWN)
        .or(entries.first())
        .map(|e| e.title.clone())
        .unwrap_or_default();
    let mut codes: Vec<Code> = Vec::new();
    for e in &entries {
        for c in &e.codes {
            if !codes.contains(c) {
                codes.push(c.clone());
            }
        }
    }
    MedicineGroup {
        title,
        codes,
        standing,
        on_hold: any_current && !entries.iter().any(|e| e.state == MedicineState::Current),
        dose,
        last_touched_display: date_display(last_touched.as_deref()),
        last_touched,
        last_issued,
        entries,
        earlier_entries: 0,
        flags: Vec::new(),
    }
}

/// Groups every medicine entry (each in exactly one group) and sorts them into lists.
pub(super) fn summary(
    entries: Vec<MedicineEntry>,
    input: &Input,
    t: &Terminology,
) -> MedicationSummary {
    let keys: Vec<Vec<String>> = entries.iter().map(|e| concept_keys(e, t)).collect();
    let mut groups: Vec<MedicineGroup> = Groups::by_shared_keys(entries, &keys)
        .into_iter()
        .map(|g| group_of(g, input))
        .collect();
    groups.sort_by(|a, b| {
        latest(b.last_touched.as_deref())
            .cmp(&latest(a.last_touched.as_deref()))
            .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
    });
    let mut out = MedicationSummary {
        groups: Vec::new(),
        recently_stopped: Vec::new(),
        do_not_give: Vec::new(),
        past: Vec::new(),
        recent_days: input.recent_days,
        gaps: input.sources.gaps("MedicationStatement", "medicines"),
        list_notes: input.sources.list_notes("MedicationStatement"),
    };
    for g in groups {
        match g.standing {
            MedicineStanding::Current => out.groups.push(g),
            MedicineStanding::RecentlyStopped => out.recently_stopped.push(g),
            MedicineStanding::DoNotGive => out.do_not_give.push(g),
            MedicineStanding::Past => out.past.push(g),
        }
    }
    out.groups.sort_by_key(|g| g.title.to_lowercase());
    out
}
