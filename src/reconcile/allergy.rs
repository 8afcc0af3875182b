//! Allergies across sources: each source entry read as it was written (R4 and
//! STU3), grouped only where the codes prove two entries are the same
//! allergy, and the patient's allergy state decided from the evidence —
//! "No known allergies" only when every configured source was read and the
//! only records are negations.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::group::Groups;
use super::terminology::{NegationScope, Target, Terminology, normalise_text};
use super::{EntryRef, Input, date_display, latest};
use crate::sources::{SourceGap, Sources};
use crate::timeline::derive::{codes_of, concept_text, is_degraded_code, status_code};
use crate::timeline::{Code, EventMark};

/// One source's allergy record.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllergyEntry {
    pub source: String,
    pub source_id: String,
    pub resource_type: String,
    pub resource_id: String,
    /// The clinical status (else the verification status) as the source wrote it.
    pub status: Option<String>,
    pub clinical_status: Option<String>,
    pub verification_status: Option<String>,
    /// The date as the source wrote it (onset, else recorded).
    pub date: Option<String>,
    pub date_display: String,
    pub title: String,
    pub codes: Vec<Code>,
    pub reactions: Vec<String>,
    pub criticality: Option<String>,
    /// `allergy` or `intolerance`, when the source said.
    pub allergy_type: Option<String>,
    /// FHIR categories: medication, food, environment, biologic.
    pub categories: Vec<String>,
    /// A current allergy at this source (not resolved, refuted or entered in error).
    pub current: bool,
    pub entered_in_error: bool,
    /// Set when the entry says there is no known allergy (of this scope).
    pub negation: Option<NegationScope>,
    pub marks: Vec<EventMark>,
    /// The source's data is stale (failed, old, interrupted, or no longer configured).
    pub stale: bool,
    pub as_of: Option<String>,
}

impl AllergyEntry {
    pub fn reference(&self) -> EntryRef {
        EntryRef {
            source: self.source.clone(),
            source_id: self.source_id.clone(),
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
        }
    }
}

/// One allergy, as every source that records it says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllergyGroup {
    pub title: String,
    pub codes: Vec<Code>,
    /// Current at some source.
    pub current: bool,
    /// High criticality at some source.
    pub high_criticality: bool,
    /// Highest criticality any current entry gives.
    pub criticality: Option<String>,
    pub reactions: Vec<String>,
    /// `confirmed` when a current entry is confirmed, else the verification the entries give.
    pub verification: Option<String>,
    /// `allergy`, `intolerance`, `allergy and intolerance`, or null when no source said.
    pub allergy_type: Option<String>,
    /// A "no known allergy" statement rather than an allergy.
    pub negation: Option<NegationScope>,
    pub entries: Vec<AllergyEntry>,
    /// Kinds of the flags that name this group's entries.
    pub flags: Vec<super::flags::FlagKind>,
}

/// The patient's allergy state, as strong as its evidence.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllergyStatus {
    /// At least one current allergy, and every configured source was read.
    Listed,
    /// Every configured source was read; the only records say "no known allergy".
    NoKnownAllergies,
    /// Every configured source was read and none records anything about allergies.
    NotRecorded,
    /// Some configured source could not vouch for allergies (see `gaps`): what is listed may not be all.
    Incomplete,
}

/// A "no known allergy" statement, as the source wrote it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Negation {
    pub text: String,
    pub scope: NegationScope,
    pub source: String,
    pub date_display: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllergySummary {
    pub state: AllergyStatus,
    /// Configured sources that could not vouch for allergies, and why.
    pub gaps: Vec<SourceGap>,
    /// Current "no known allergy" statements.
    pub negations: Vec<Negation>,
    /// What sources' lists say about an empty allergy list ("no content
    /// recorded"): said beside the statement, never read as "no known allergies".
    pub list_notes: Vec<SourceGap>,
    /// Current allergies first, then the rest; every allergy record in exactly one group.
    pub groups: Vec<AllergyGroup>,
    /// The allergy line in words, e.g. "Penicillin (2 sources) · Latex" or
    /// "Incomplete: Hillcrest Community Trust could not be read (its last sync failed)".
    pub statement: String,
}

fn codings(v: Option<&Value>) -> Vec<Code> {
    codes_of(v)
}

/// One AllergyIntolerance as an entry (R4 CodeableConcept statuses and STU3 codes alike).
pub(super) fn entry(
    r: &Value,
    id: &str,
    source_id: &str,
    sources: &Sources,
    t: &Terminology,
) -> AllergyEntry {
    let clinical = status_code(r.get("clinicalStatus"));
    let verification = status_code(r.get("verificationStatus"));
    let entered_in_error = verification.as_deref() == Some("entered-in-error")
        || clinical.as_deref() == Some("entered-in-error");
    let refuted = verification.as_deref() == Some("refuted");
    let inactive = matches!(clinical.as_deref(), Some("resolved" | "inactive"));
    let codes = codings(r.get("code"));
    let title = concept_text(r.get("code")).unwrap_or_else(|| crate::display::NOT_KNOWN.into());
    let negation = codes
        .iter()
        .find_map(|c| {
            t.negation_code(
                c.system.as_deref().unwrap_or_default(),
                c.code.as_deref().unwrap_or_default(),
            )
        })
        .or_else(|| {
            // Uncoded (or only locally coded) negations by the reviewed list of texts.
            let coded = codes.iter().any(|c| {
                c.system
                    .as_deref()
                    .is_some_and(|s| super::terminology::system_key(s) == "sct")
            });
            (!coded).then(|| t.negation_text(&title)).flatten()
        });
    let date = ["onsetDateTime", "recordedDate", "assertedDate"]
        .iter()
        .find_map(|k| r.get(*k).and_then(Value::as_str))
        .or_else(|| r.pointer("/onsetPeriod/start").and_then(Value::as_str))
        .map(String::from);
    let reactions: Vec<String> = r
        .get("reaction")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|re| {
            let m: Vec<String> = re
                .get("manifestation")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| concept_text(Some(m)))
                .collect();
            if m.is_empty() {
                re.get("description")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .into_iter()
                    .collect()
            } else {
                m
            }
        })
        .collect();
    let categories: Vec<String> = match r.get("category") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let derived = crate::timeline::derive_event(r, crate::fhir::FhirVersion::R4);
    let status = sources.get(source_id);
    AllergyEntry {
        source: sources.name(source_id),
        source_id: source_id.to_string(),
        resource_type: "AllergyIntolerance".into(),
        resource_id: id.to_string(),
        status: clinical.clone().or_else(|| verification.clone()),
        date_display: date_display(date.as_deref()),
        date,
        title,
        codes,
        reactions,
        criticality: r
            .get("criticality")
            .and_then(Value::as_str)
            .map(String::from),
        allergy_type: r.get("type").and_then(Value::as_str).map(String::from),
        categories,
        current: !(entered_in_error || refuted || inactive),
        entered_in_error,
        negation,
        marks: derived.map(|d| d.marks).unwrap_or_default(),
        stale: status.is_none_or(|s| s.stale),
        as_of: status.and_then(|s| s.last_success.clone()),
        clinical_status: clinical,
        verification_status: verification,
    }
}

/// What an allergy entry's codes say it is; degraded and negation codes say nothing.
pub(super) fn concept_keys(e: &AllergyEntry, t: &Terminology) -> Vec<String> {
    if let Some(scope) = e.negation {
        return vec![format!("negation:{scope:?}")];
    }
    let mut keys: Vec<String> = e
        .codes
        .iter()
        .filter_map(|c| {
            let (system, code) = (c.system.as_deref()?, c.code.as_deref()?);
            if is_degraded_code(code) {
                return None;
            }
            Some(match t.target(system, code) {
                Some(target) => target.key(),
                None => format!("code:{}|{code}", super::terminology::system_key(system)),
            })
        })
        .collect();
    if keys.is_empty() {
        // Free text only where there is no usable code, and only on exact normalised text.
        keys.push(format!("text:{}", normalise_text(&e.title)));
    }
    keys
}

/// What an allergy is to, for checking medicines: the classes and members its codes
/// name; an uncoded allergy by the exact member names in its text.
pub(super) fn allergens(g: &AllergyGroup, t: &Terminology) -> (Vec<Target>, bool) {
    let mut out = Vec::new();
    let mut by_name = false;
    for e in g.entries.iter().filter(|e| e.current) {
        let mut coded = false;
        for c in &e.codes {
            let (Some(system), Some(code)) = (c.system.as_deref(), c.code.as_deref()) else {
                continue;
            };
            if let Some(target) = t.target(system, code) {
                coded = true;
                if !out.contains(target) {
                    out.push(target.clone());
                }
            }
        }
        if !coded {
            for m in t.members_named_in(&e.title) {
                by_name = true;
                let target = Target::Member(m);
                if !out.contains(&target) {
                    out.push(target);
                }
            }
            for class in t.classes_named_in(&e.title) {
                by_name = true;
                let target = Target::Class(class);
                if !out.contains(&target) {
                    out.push(target);
                }
            }
        }
    }
    (out, by_name)
}

fn group_of(mut entries: Vec<AllergyEntry>) -> AllergyGroup {
    // Current entries first, newest first: the group reads from its best evidence.
    entries.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then_with(|| latest(b.date.as_deref()).cmp(&latest(a.date.as_deref())))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    let current: Vec<&AllergyEntry> = entries.iter().filter(|e| e.current).collect();
    let title = entries
        .iter()
        .find(|e| !e.entered_in_error && e.title != crate::display::NOT_KNOWN)
        .or(entries.first())
        .map(|e| e.title.clone())
        .unwrap_or_default();
    let mut codes: Vec<Code> = Vec::new();
    let mut reactions: Vec<String> = Vec::new();
    for e in &entries {
        for c in &e.codes {
            if !codes.contains(c) {
                codes.push(c.clone());
            }
        }
    }
    for e in &current {
        for r in &e.reactions {
            if !reactions.iter().any(|x| x.eq_ignore_ascii_case(r)) {
                reactions.push(r.clone());
            }
        }
    }
    let rank = |c: Option<&str>| match c {
        Some("high") => 3,
        Some("unable-to-assess") => 2,
        Some("low") => 1,
        _ => 0,
    };
    let criticality = current
        .iter()
        .filter_map(|e| e.criticality.clone())
        .max_by_key(|c| rank(Some(c)));
    let verification = if current
        .iter()
        .any(|e| e.verification_status.as_deref() == Some("confirmed"))
    {
        Some("confirmed".to_string())
    } else {
        current
            .iter()
            .chain(entries.iter().collect::<Vec<_>>().iter())
            .find_map(|e| e.verification_status.clone())
    };
    let types: std::collections::BTreeSet<&str> = current
        .iter()
        .filter_map(|e| e.allergy_type.as_deref())
        .collect();
    let allergy_type = match types.len() {
        0 => None,
        1 => types.iter().next().map(|t| t.to_string()),
        _ => Some("allergy and intolerance".into()),
    };
    AllergyGroup {
        title,
        codes,
        current: !current.is_empty(),
        high_criticality: criticality.as_deref() == Some("high"),
        criticality,
        reactions,
        verification,
        allergy_type,
        negation: entries.iter().find_map(|e| e.negation),
        flags: Vec::new(),
        entries,
    }
}

/// Groups every allergy entry (each in exactly one group).
pub(super) fn groups(entries: Vec<AllergyEntry>, t: &Terminology) -> Vec<AllergyGroup> {
    let keys: Vec<Vec<String>> = entries.iter().map(|e| concept_keys(e, t)).collect();
    let mut groups: Vec<AllergyGroup> = Groups::by_shared_keys(entries, &keys)
        .into_iter()
        .map(group_of)
        .collect();
    groups.sort_by(|a, b| {
        (a.negation.is_some(), !a.current, !a.high_criticality)
            .cmp(&(b.negation.is_some(), !b.current, !b.high_criticality))
            .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
    });
    groups
}

/// The allergy state and its words, from the groups and what each source could vouch for.
pub(super) fn summary(groups: Vec<AllergyGroup>, input: &Input) -> AllergySummary {
    let gaps = input.sources.gaps("AllergyIntolerance", "allergies");
    let negations: Vec<Negation> = groups
        .iter()
        .filter(|g| g.negation.is_some())
        .flat_map(|g| g.entries.iter().filter(|e| e.current))
        .filter_map(|e| {
            Some(Negation {
                text: e.title.clone(),
                scope: e.negation?,
                source: e.source.clone(),
                date_display: e.date_display.clone(),
            })
        })
        .collect();
    let listed: Vec<&AllergyGroup> = groups
        .iter()
        .filter(|g| g.current && g.negation.is_none())
        .collect();
    let state = if !gaps.is_empty() {
        AllergyStatus::Incomplete
    } else if !listed.is_empty() {
        AllergyStatus::Listed
    } else if negations.iter().any(|n| n.scope == NegationScope::All) {
        AllergyStatus::NoKnownAllergies
    } else {
        AllergyStatus::NotRecorded
    };
    let items: Vec<String> = listed
        .iter()
        .map(|g| {
            let sources: BTreeMap<&str, ()> = g
                .entries
                .iter()
                .filter(|e| e.current)
                .map(|e| (e.source.as_str(), ()))
                .collect();
            let mut s = g.title.clone();
            if g.high_criticality {
                s.push_str(" (HIGH CRITICALITY");
                if !g.reactions.is_empty() {
                    s.push_str(&format!(": {}", g.reactions.join(", ")));
                }
                s.push(')');
            }
            if g.verification.as_deref() == Some("unconfirmed") {
                s.push_str(" [unconfirmed]");
            }
            match sources.len() {
                0 | 1 => s.push_str(&format!(
                    " ({})",
                    sources.keys().next().copied().unwrap_or_default()
                )),
                n => s.push_str(&format!(" ({n} sources)")),
            }
            s
        })
        .collect();
    let negation_words: Vec<String> = negations
        .iter()
        .map(|n| format!("{} ({})", n.text, n.source))
        .collect();
    let gap_words: Vec<String> = gaps
        .iter()
        .map(|g| format!("{}: {}", g.source, g.reason))
        .collect();
    let statement = match state {
        AllergyStatus::Listed => items.join(" · "),
        AllergyStatus::NoKnownAllergies => {
            format!("No known allergies ({})", negation_words.join(", "))
        }
        AllergyStatus::NotRecorded if negations.is_empty() => "Allergies not recorded".into(),
        AllergyStatus::NotRecorded => format!(
            "{} — no other allergy information recorded",
            negation_words.join(" · ")
        ),
        AllergyStatus::Incomplete => {
            let mut parts = Vec::new();
            if !items.is_empty() {
                parts.push(items.join(" · "));
            } else if !negation_words.is_empty() {
                parts.push(negation_words.join(" · "));
            }
            parts.push(format!(
                "INCOMPLETE — not known from: {}",
                gap_words.join("; ")
            ));
            parts.join(" — ")
        }
    };
    let list_notes = input.sources.list_notes("AllergyIntolerance");
    let statement = if list_notes.is_empty() {
        statement
    } else {
        let words: Vec<String> = list_notes
            .iter()
            .map(|n| format!("{}: {}", n.source, n.reason))
            .collect();
        format!("{statement} ({})", words.join("; "))
    };
    AllergySummary {
        state,
        gaps,
        negations,
        list_notes,
        groups,
        statement,
    }
}
