//! The patient banner: the headline demographics the sources agree on, every
//! disagreement, and the allergy line — all read from the reconciled summary,
//! so the banner, the summary and the command line say the same thing.

use serde::Serialize;

use crate::reconcile::{AllergyStatus, FlagKind, Negation, Summary};
use crate::sources::SourceGap;

/// One current allergy as the banner shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BannerAllergy {
    pub title: String,
    /// Sources recording it as current.
    pub sources: Vec<String>,
    pub high_criticality: bool,
    pub reactions: Vec<String>,
    pub unconfirmed: bool,
    /// Some source recording it has stale data.
    pub stale: bool,
}

/// The allergy line: its state, the allergies, and what could not be read.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BannerAllergies {
    pub state: AllergyStatus,
    /// The line in words (what the command line prints).
    pub statement: String,
    pub items: Vec<BannerAllergy>,
    pub negations: Vec<Negation>,
    /// Sources that could not vouch for allergies, and why.
    pub gaps: Vec<SourceGap>,
    /// Why a source's allergy list is empty, as it said ("no content recorded").
    pub list_notes: Vec<SourceGap>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Banner {
    pub family: Option<String>,
    pub given: Option<String>,
    /// Title where a source gives one (`Mrs`).
    pub title: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub nhs_number: String,
    /// e.g. "Date of birth differs: 02-Mar-1948 at Riverside; 03-Mar-1948 at Hillcrest".
    pub discrepancies: Vec<String>,
    /// NHS number not verified or marked old at a source.
    pub identity_warnings: Vec<String>,
    pub allergies: BannerAllergies,
    /// "No known allergy" at one source while another records an allergy.
    pub allergy_conflict: Option<String>,
    /// The record is still loading from some source: nothing here is final.
    pub loading: bool,
}

/// The banner of a reconciled summary.
pub fn banner(s: &Summary) -> Banner {
    let p = &s.patient;
    let discrepancies = p
        .differences
        .iter()
        .map(|d| {
            let mut field = d.field.clone();
            if let Some(f) = field.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            format!(
                "{field} differs: {}",
                d.values
                    .iter()
                    .map(|v| format!("{} at {}", v.display, v.source))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect();
    let items = s
        .allergies
        .groups
        .iter()
        .filter(|g| g.current && g.negation.is_none())
        .map(|g| {
            let current: Vec<_> = g.entries.iter().filter(|e| e.current).collect();
            let mut sources: Vec<String> = current.iter().map(|e| e.source.clone()).collect();
            sources.sort();
            sources.dedup();
            BannerAllergy {
                title: g.title.clone(),
                sources,
                high_criticality: g.high_criticality,
                reactions: g.reactions.clone(),
                unconfirmed: g.verification.as_deref() == Some("unconfirmed"),
                stale: current.iter().any(|e| e.stale),
            }
        })
        .collect();
    let conflicts: Vec<&str> = s
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::NoKnownAllergiesConflict)
        .map(|f| f.message.as_str())
        .collect();
    Banner {
        family: p.family.clone(),
        given: p.given.clone(),
        title: p.title.clone(),
        birth_date: p.birth_date.clone(),
        gender: p.gender.clone(),
        nhs_number: p.nhs_number.clone(),
        discrepancies,
        identity_warnings: p.identity_warnings.clone(),
        allergies: BannerAllergies {
            state: s.allergies.state,
            statement: s.allergies.statement.clone(),
            items,
            negations: s.allergies.negations.clone(),
            gaps: s.allergies.gaps.clone(),
            list_notes: s.allergies.list_notes.clone(),
        },
        allergy_conflict: (!conflicts.is_empty()).then(|| conflicts.join(" ")),
        loading: s.loading,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::test_support::*;
    use crate::store::{RunOutcome, SourceState};

    fn allergy(id: &str, code: &str, display: &str) -> Value {
        json!({"resourceType": "AllergyIntolerance", "id": id, "patient": {"reference": "Patient/p"},
               "clinicalStatus": {"coding": [{"code": "active"}]}, "category": ["medication"],
               "code": {"coding": [{"system": SCT, "code": code, "display": display}], "text": display},
               "recordedDate": "2024-01-02"})
    }

    #[test]
    fn the_allergy_line_lists_each_allergy_once_with_its_sources() {
        let s = Record::new(&[H, G])
            .add("hosp", allergy("a1", "91936005", "Allergy to penicillin"))
            .add("gp", allergy("a2", "764146007", "Penicillin"))
            .summary();
        let b = banner(&s);
        assert_eq!(b.allergies.state, AllergyStatus::Listed);
        assert_eq!(b.allergies.items.len(), 1);
        assert_eq!(b.allergies.items[0].sources, ["gp", "hosp"]);
        // Titled by its most recent current record's text, whichever source wrote it.
        assert!(
            [
                "Penicillin (2 sources)",
                "Allergy to penicillin (2 sources)"
            ]
            .contains(&b.allergies.statement.as_str()),
            "{}",
            b.allergies.statement
        );
        assert!(b.allergy_conflict.is_none());
    }

    #[test]
    fn a_negation_beside_an_allergy_is_a_conflict_and_never_the_allergy_line() {
        let s = Record::new(&[H, G])
            .add("hosp", allergy("a1", "91936005", "Allergy to penicillin"))
            .add("gp", allergy("n1", "716186003", "No known allergy"))
            .summary();
        let b = banner(&s);
        assert_eq!(b.allergies.state, AllergyStatus::Listed);
        assert!(
            !b.allergies.statement.contains("No known"),
            "{}",
            b.allergies.statement
        );
        assert!(
            b.allergy_conflict
                .as_deref()
                .unwrap()
                .contains("No known allergy")
        );
    }

    #[test]
    fn a_source_that_could_not_be_read_makes_the_line_incomplete_and_names_it() {
        let s = Record::new(&[H, G])
            .add("gp", allergy("n1", "716186003", "No known allergy"))
            .with_status("hosp", |s| {
                s.last_outcome = RunOutcome::Failed;
                s.state = SourceState::Failed;
            })
            .summary();
        let b = banner(&s);
        assert_eq!(b.allergies.state, AllergyStatus::Incomplete);
        assert_eq!(b.allergies.gaps[0].source, "hosp");
        assert!(
            b.allergies.statement.contains("INCOMPLETE"),
            "{}",
            b.allergies.statement
        );
        assert!(!b.allergies.statement.starts_with("No known allergies"));
    }

    #[test]
    fn demographics_disagreements_are_warnings_with_uk_dates() {
        let p = |id: &str, dob: &str| {
            json!({"resourceType": "Patient", "id": id, "birthDate": dob,
            "name": [{"family": "Okonkwo", "given": ["Bernard"]}]})
        };
        let s = Record::new(&[H, G])
            .add("hosp", p("p1", "1961-11-21"))
            .add("gp", p("p2", "1961-11-20"))
            .summary();
        let b = banner(&s);
        assert_eq!(b.birth_date.as_deref(), Some("1961-11-20"), "the GP's");
        assert_eq!(b.family.as_deref(), Some("OKONKWO"));
        assert_eq!(
            b.discrepancies,
            ["Date of birth differs: 21-Nov-1961 at hosp; 20-Nov-1961 at gp"]
        );
    }
}
