//! What a clinician must see, across sources: each flag names every entry
//! involved on both sides, with its source and date.

use serde::Serialize;
use std::collections::BTreeSet;

use super::allergy::{AllergyGroup, allergens};
use super::medicine::{MedicineGroup, ingredients};
use super::terminology::{Target, Terminology};
use super::{EntryRef, latest};

/// The closed set of flag kinds (a contract: README, "Summary JSON").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// A current medicine contains a substance (or a member of a class) the patient is allergic to.
    AllergyToIngredient,
    /// Stopped or cancelled at one source while current at another.
    StoppedElsewhere,
    /// The same allergy current at one source, resolved, refuted or entered in error at another.
    AllergyStatusConflict,
    /// "No known allergy" at one source while another records an allergy it covers.
    NoKnownAllergiesConflict,
    /// Date of birth, name or gender differ between sources for the same NHS number.
    DemographicsDiffer,
}

impl FlagKind {
    pub const ALL: [FlagKind; 5] = [
        FlagKind::AllergyToIngredient,
        FlagKind::StoppedElsewhere,
        FlagKind::AllergyStatusConflict,
        FlagKind::NoKnownAllergiesConflict,
        FlagKind::DemographicsDiffer,
    ];

    /// What the flag is about, as a heading.
    pub fn title(self) -> &'static str {
        match self {
            FlagKind::AllergyToIngredient => "Allergy to an ingredient of a current medicine",
            FlagKind::StoppedElsewhere => "Stopped at one source, current at another",
            FlagKind::AllergyStatusConflict => "Allergy current at one source, not at another",
            FlagKind::NoKnownAllergiesConflict => {
                "\u{201c}No known allergies\u{201d} beside a recorded allergy"
            }
            FlagKind::DemographicsDiffer => "Patient details differ between sources",
        }
    }

    /// Short words on the entries a flag names.
    pub fn tag(self) -> &'static str {
        match self {
            FlagKind::AllergyToIngredient => "ALLERGY WARNING",
            FlagKind::StoppedElsewhere => "STOPPED ELSEWHERE",
            FlagKind::AllergyStatusConflict => "STATUS DIFFERS",
            FlagKind::NoKnownAllergiesConflict => "NKA CONFLICT",
            FlagKind::DemographicsDiffer => "DETAILS DIFFER",
        }
    }
}

/// How strongly a flag speaks.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Act on it: e.g. a medicine containing a substance the patient is allergic to.
    Warning,
    /// Consider it: e.g. a related class with a known cross-sensitivity.
    Caution,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub severity: Severity,
    pub message: String,
    /// Every entry involved, on both sides.
    pub refs: Vec<EntryRef>,
}

fn when(d: &str) -> String {
    if d == crate::display::NOT_KNOWN {
        "on a date not recorded".into()
    } else {
        format!("on {d}")
    }
}

/// Entries summed up per source, so a long history stays one readable line:
/// "Meadow Lane Surgery (26-Dec-2025 05:39)" or "Meadow Lane Surgery (11 records, latest 26-Dec-2025 05:39)".
fn per_source<'a>(items: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> String {
    let mut by: Vec<(&str, usize, Option<&str>)> = Vec::new();
    for (source, date) in items {
        match by.iter_mut().find(|(s, _, _)| *s == source) {
            Some(e) => {
                e.1 += 1;
                if latest(date) > latest(e.2) {
                    e.2 = date;
                }
            }
            None => by.push((source, 1, date)),
        }
    }
    by.iter()
        .map(|(s, n, d)| {
            let d = crate::display::date_or_not_known(*d);
            if *n == 1 {
                format!("{s} ({d})")
            } else {
                format!("{s} ({n} records, latest {d})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_sources(names: impl IntoIterator<Item = String>) -> String {
    let set: BTreeSet<String> = names.into_iter().collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

/// Medicines current at any source that contain what the patient is allergic to.
pub(super) fn allergy_to_ingredient(
    allergies: &[AllergyGroup],
    medicines: &[MedicineGroup],
    t: &Terminology,
) -> Vec<Flag> {
    let mut out = Vec::new();
    for m in medicines {
        let (ingr, med_by_name) = ingredients(m, t);
        if ingr.is_empty() {
            continue;
        }
        let med_classes: BTreeSet<String> = ingr.iter().flat_map(|i| t.classes_of(i)).collect();
        for a in allergies
            .iter()
            .filter(|a| a.current && a.negation.is_none())
        {
            let (targets, allergy_by_name) = allergens(a, t);
            let mut hit: Option<(Severity, String)> = None;
            for target in &targets {
                let found = match target {
                    Target::Member(x) if ingr.contains(x) => Some((
                        Severity::Warning,
                        format!("it contains {}", t.member_name(x)),
                    )),
                    Target::Class(c) if med_classes.contains(c) => Some((
                        Severity::Warning,
                        format!("it is one of the {}", t.class_name(c).to_lowercase()),
                    )),
                    // Within a class the cross-sensitivity is strong (an amoxicillin allergy
                    // means avoiding every penicillin): a warning, not a caution.
                    Target::Member(x) => {
                        t.classes_of(x).intersection(&med_classes).next().map(|c| {
                            (
                                Severity::Warning,
                                format!(
                                    "it is in the same class as {} ({})",
                                    t.member_name(x),
                                    t.class_name(c).to_lowercase()
                                ),
                            )
                        })
                    }
                    Target::Class(c) => t
                        .relations
                        .iter()
                        .find(|r| &r.from == c && med_classes.contains(&r.to))
                        .map(|r| {
                            (
                                Severity::Caution,
                                format!(
                                    "{} carry a cross-sensitivity caution with {}: {}",
                                    t.class_name(&r.to),
                                    t.class_name(c).to_lowercase(),
                                    r.note
                                ),
                            )
                        }),
                };
                if let Some(f) = found
                    && hit.as_ref().is_none_or(|h| f.0 < h.0)
                {
                    hit = Some(f);
                }
            }
            let Some((severity, why)) = hit else {
                continue;
            };
            let med_entries: Vec<_> = m.entries.iter().filter(|e| e.state.is_current()).collect();
            let allergy_entries: Vec<_> = a.entries.iter().filter(|e| e.current).collect();
            let by_name = if med_by_name || allergy_by_name {
                " (matched by name: an entry was not coded)"
            } else {
                ""
            };
            let message = format!(
                "{} is current at {}, but the allergy \"{}\" is recorded at {}: {why}{by_name}",
                m.title,
                per_source(
                    med_entries
                        .iter()
                        .map(|e| (e.source.as_str(), e.date.as_deref()))
                ),
                a.title,
                per_source(
                    allergy_entries
                        .iter()
                        .map(|e| (e.source.as_str(), e.date.as_deref()))
                ),
            );
            let mut refs: Vec<EntryRef> = allergy_entries.iter().map(|e| e.reference()).collect();
            refs.extend(med_entries.iter().map(|e| e.reference()));
            out.push(Flag {
                kind: FlagKind::AllergyToIngredient,
                severity,
                message,
                refs,
            });
        }
    }
    out
}

/// A medicine stopped or cancelled at one source but current at another.
pub(super) fn stopped_elsewhere(medicines: &[MedicineGroup]) -> Vec<Flag> {
    let mut out = Vec::new();
    for m in medicines {
        let stopped: Vec<_> = m.entries.iter().filter(|e| e.state.is_stop()).collect();
        let current: Vec<_> = m.entries.iter().filter(|e| e.state.is_current()).collect();
        let pairs: Vec<_> = stopped
            .iter()
            .filter(|s| current.iter().any(|c| c.source_id != s.source_id))
            .collect();
        if pairs.is_empty() {
            continue;
        }
        // The newest stop of each source speaks for it (with its reason); older ones are counted.
        let mut stops: Vec<String> = Vec::new();
        let mut stop_sources: Vec<&str> = pairs.iter().map(|s| s.source.as_str()).collect();
        stop_sources.sort();
        stop_sources.dedup();
        for src in stop_sources {
            let of: Vec<_> = pairs.iter().filter(|s| s.source == src).collect();
            let Some(s) = of.iter().max_by_key(|s| latest(s.date.as_deref())) else {
                continue;
            };
            let reason = s
                .reason
                .as_deref()
                .map(|r| format!(", reason: {r}"))
                .unwrap_or_default();
            let note = if s.notes.is_empty() {
                String::new()
            } else {
                format!(", note: {}", s.notes.join(" / "))
            };
            let more = if of.len() > 1 {
                format!(" (and {} earlier stops there)", of.len() - 1)
            } else {
                String::new()
            };
            stops.push(format!(
                "{} at {} {}{reason}{note}{more}",
                s.status.as_deref().unwrap_or("stopped"),
                s.source,
                when(&s.date_display)
            ));
        }
        let actives_of: Vec<_> = current
            .iter()
            .filter(|c| pairs.iter().any(|s| s.source_id != c.source_id))
            .collect();
        let issued = actives_of
            .iter()
            .filter_map(|c| c.last_issued.as_deref())
            .max_by_key(|d| latest(Some(d)))
            .map(|d| {
                format!(
                    ", last issued {}",
                    crate::display::date_or_not_known(Some(d))
                )
            })
            .unwrap_or_default();
        let actives = [format!(
            "current at {}{issued}",
            per_source(
                actives_of
                    .iter()
                    .map(|c| (c.source.as_str(), c.date.as_deref()))
            )
        )];
        let newest_stop = pairs
            .iter()
            .filter_map(|s| s.last_touched())
            .max_by_key(|d| latest(Some(d)));
        let newest_active = current
            .iter()
            .filter_map(|c| c.last_touched())
            .max_by_key(|d| latest(Some(d)));
        let newer = match (
            latest(newest_stop.as_deref()),
            latest(newest_active.as_deref()),
        ) {
            (Some(s), Some(a)) if s > a => " The stop is the newer record.",
            (Some(s), Some(a)) if a > s => " The active record is the newer one.",
            _ => "",
        };
        let mut refs: Vec<EntryRef> = pairs.iter().map(|e| e.reference()).collect();
        refs.extend(current.iter().map(|e| e.reference()));
        out.push(Flag {
            kind: FlagKind::StoppedElsewhere,
            severity: Severity::Warning,
            message: format!(
                "{}: {}; {}.{newer}",
                m.title,
                stops.join("; "),
                actives.join("; ")
            ),
            refs,
        });
    }
    out
}

/// The same allergy current at one source and resolved, refuted or entered in error at another.
pub(super) fn allergy_status_conflicts(allergies: &[AllergyGroup]) -> Vec<Flag> {
    let mut out = Vec::new();
    for a in allergies.iter().filter(|a| a.negation.is_none()) {
        let current: Vec<_> = a.entries.iter().filter(|e| e.current).collect();
        let ended: Vec<_> = a
            .entries
            .iter()
            .filter(|e| !e.current && current.iter().any(|c| c.source_id != e.source_id))
            .collect();
        if current.is_empty() || ended.is_empty() {
            continue;
        }
        let say = |e: &&super::allergy::AllergyEntry| {
            let what = if e.entered_in_error {
                "entered in error".to_string()
            } else if e.verification_status.as_deref() == Some("refuted") {
                "refuted".to_string()
            } else {
                e.clinical_status
                    .clone()
                    .unwrap_or_else(|| "not current".into())
            };
            format!("{what} at {} ({})", e.source, e.date_display)
        };
        let mut refs: Vec<EntryRef> = current.iter().map(|e| e.reference()).collect();
        refs.extend(ended.iter().map(|e| e.reference()));
        out.push(Flag {
            kind: FlagKind::AllergyStatusConflict,
            severity: Severity::Warning,
            message: format!(
                "{}: current at {}; {}",
                a.title,
                join_sources(
                    current
                        .iter()
                        .map(|e| format!("{} ({})", e.source, e.date_display))
                ),
                ended.iter().map(say).collect::<Vec<_>>().join("; ")
            ),
            refs,
        });
    }
    out
}

/// "No known allergy" at one source while another records an allergy the statement covers.
pub(super) fn no_known_allergy_conflicts(allergies: &[AllergyGroup]) -> Vec<Flag> {
    let mut out = Vec::new();
    let negations: Vec<_> = allergies
        .iter()
        .filter(|g| g.negation.is_some())
        .flat_map(|g| g.entries.iter().filter(|e| e.current))
        .collect();
    for n in negations {
        let Some(scope) = n.negation else { continue };
        let contradicting: Vec<_> = allergies
            .iter()
            .filter(|g| g.negation.is_none() && g.current)
            .flat_map(|g| g.entries.iter().filter(|e| e.current))
            .filter(|e| e.source_id != n.source_id && scope.contradicted_by(&e.categories))
            .collect();
        if contradicting.is_empty() {
            continue;
        }
        let newest = contradicting
            .iter()
            .filter_map(|e| latest(e.date.as_deref()))
            .max();
        let newer = match (latest(n.date.as_deref()), newest) {
            (Some(a), Some(b)) if a > b => format!("the \"{}\" record is newer", n.title),
            (Some(a), Some(b)) if b > a => "the allergy record is newer".to_string(),
            _ => "which is newer is not known".to_string(),
        };
        let mut refs = vec![n.reference()];
        refs.extend(contradicting.iter().map(|e| e.reference()));
        out.push(Flag {
            kind: FlagKind::NoKnownAllergiesConflict,
            severity: Severity::Warning,
            message: format!(
                "{} records \"{}\" ({}), but {} records {}; {newer}",
                n.source,
                n.title,
                n.date_display,
                join_sources(contradicting.iter().map(|e| e.source.clone())),
                contradicting
                    .iter()
                    .map(|e| format!("{} ({})", e.title, e.date_display))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            refs,
        });
    }
    out
}

/// Marks each group with the kinds of the flags that name its entries.
pub(super) fn mark_groups(
    flags: &[Flag],
    allergies: &mut [AllergyGroup],
    medicines: &mut [&mut MedicineGroup],
) {
    let named = |refs: &[EntryRef], source_id: &str, ty: &str, id: &str| {
        refs.iter()
            .any(|r| r.source_id == source_id && r.resource_type == ty && r.resource_id == id)
    };
    for f in flags {
        for g in allergies.iter_mut() {
            if g.entries
                .iter()
                .any(|e| named(&f.refs, &e.source_id, &e.resource_type, &e.resource_id))
                && !g.flags.contains(&f.kind)
            {
                g.flags.push(f.kind);
            }
        }
        for g in medicines.iter_mut() {
            if g.entries
                .iter()
                .any(|e| named(&f.refs, &e.source_id, &e.resource_type, &e.resource_id))
                && !g.flags.contains(&f.kind)
            {
                g.flags.push(f.kind);
            }
        }
    }
}
