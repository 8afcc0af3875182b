//! Medicine changes on discharge: a hospital's discharge medicines compared
//! with the GP's list as it stood at discharge — started, stopped (with the
//! reason), changed (dose or product) and continued; and what the GP has that
//! the discharge does not mention (never assumed stopped).

use serde::Serialize;
use std::collections::BTreeSet;

use super::medicine::{MedicineEntry, MedicineState, concept_keys};
use super::terminology::{Terminology, normalise_text};
use super::{EntryRef, latest};
use crate::config::EndpointKind;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicationChange {
    pub title: String,
    /// The discharge entry and the GP entries it was compared with.
    pub refs: Vec<EntryRef>,
    /// Why, where the source said (stop reason, notes).
    pub reason: Option<String>,
    /// What changed, e.g. "dose: One tablet daily → Two tablets daily".
    pub detail: Option<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MedicationChanges {
    pub started: Vec<MedicationChange>,
    pub stopped: Vec<MedicationChange>,
    pub changed: Vec<MedicationChange>,
    pub continued: Vec<MedicationChange>,
    /// On the GP's list at discharge but not mentioned by the discharge (not assumed stopped).
    pub not_mentioned: Vec<MedicationChange>,
    /// The GP sources compared with; empty when no GP list was available.
    pub compared_with: Vec<String>,
    /// Plain words on what the comparison could not do.
    pub note: Option<String>,
}

fn reason_of(e: &MedicineEntry) -> Option<String> {
    let mut parts: Vec<String> = e.reason.iter().cloned().collect();
    parts.extend(e.notes.iter().cloned());
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Was this GP entry on the list when the patient was discharged?
fn on_gp_list_at(e: &MedicineEntry, discharged: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    if matches!(
        e.state,
        MedicineState::EnteredInError
            | MedicineState::DoNotGive
            | MedicineState::Proposed
            | MedicineState::NotTaken
    ) {
        return false;
    }
    let Some(at) = discharged else {
        return e.state.is_current();
    };
    let started = latest(e.date.as_deref());
    if started.is_some_and(|s| s > at) {
        return false;
    }
    if e.state.is_current() {
        return true;
    }
    // Stopped or ended after discharge: it was still on the list then.
    latest(e.last_touched().as_deref()).is_some_and(|t| t >= at)
}

/// Compares the discharge medicines with every GP entry on the GP's list at `discharged`.
pub fn compare(
    discharge: &[&MedicineEntry],
    gp_entries: &[&MedicineEntry],
    discharged: Option<&str>,
    t: &Terminology,
) -> MedicationChanges {
    let at = latest(discharged);
    let gp: Vec<&MedicineEntry> = gp_entries
        .iter()
        .copied()
        .filter(|e| e.source_kind == EndpointKind::Gp && on_gp_list_at(e, at))
        .collect();
    let mut out = MedicationChanges {
        compared_with: gp
            .iter()
            .map(|e| e.source.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        ..MedicationChanges::default()
    };
    if out.compared_with.is_empty() {
        out.note = Some(
            if gp_entries.iter().any(|e| e.source_kind == EndpointKind::Gp) {
                "the GP's records hold no medicine current at the time of discharge".into()
            } else {
                "no GP record is available to compare with: every discharge medicine is listed as started".into()
            },
        );
    }
    let mut mentioned: BTreeSet<(String, String)> = BTreeSet::new();
    for d in discharge {
        let keys = concept_keys(d, t);
        let matches: Vec<&&MedicineEntry> = gp
            .iter()
            .filter(|g| concept_keys(g, t).iter().any(|k| keys.contains(k)))
            .collect();
        for m in &matches {
            mentioned.insert((m.source_id.clone(), m.resource_id.clone()));
        }
        let mut refs = vec![d.reference()];
        refs.extend(matches.iter().map(|m| m.reference()));
        let change = |detail: Option<String>| MedicationChange {
            title: d.title.clone(),
            refs: refs.clone(),
            reason: reason_of(d),
            detail,
        };
        if d.state.is_stop() {
            out.stopped.push(change(None));
        } else if matches.is_empty() {
            out.started.push(change(None));
        } else {
            let mut diffs = Vec::new();
            let gp_dose = matches.iter().find_map(|m| m.dose.clone());
            if let (Some(a), Some(b)) = (&gp_dose, &d.dose)
                && normalise_text(a) != normalise_text(b)
            {
                diffs.push(format!("dose: {a} → {b}"));
            }
            let product = |e: &MedicineEntry| {
                e.codes
                    .iter()
                    .filter_map(|c| c.code.clone())
                    .collect::<BTreeSet<_>>()
            };
            let same_product = matches.iter().any(|m| !product(m).is_disjoint(&product(d)))
                || matches
                    .iter()
                    .any(|m| normalise_text(&m.title) == normalise_text(&d.title));
            if !same_product {
                let gp_title = matches.first().map(|m| m.title.clone()).unwrap_or_default();
                diffs.push(format!("product: {gp_title} → {}", d.title));
            }
            if diffs.is_empty() {
                out.continued.push(change(None));
            } else {
                out.changed.push(change(Some(diffs.join("; "))));
            }
        }
    }
    for g in &gp {
        if !mentioned.contains(&(g.source_id.clone(), g.resource_id.clone())) {
            // A GP repeat's many issue records are one medicine: report it once.
            let keys = concept_keys(g, t);
            if out
                .not_mentioned
                .iter()
                .any(|n| n.refs.iter().any(|r| r.source_id == g.source_id) && n.title == g.title)
                && !keys.is_empty()
            {
                continue;
            }
            out.not_mentioned.push(MedicationChange {
                title: g.title.clone(),
                refs: vec![g.reference()],
                reason: None,
                detail: g.dose.clone(),
            });
        }
    }
    out
}
