//! The patient banner: demographics from the cached Patient records and the
//! allergy state, with any disagreement between sources called out.

use serde::Serialize;
use serde_json::Value;

use crate::store::{Store, StoreError};
use crate::timeline::{EventKind, TimelineEvent};

/// SNOMED concepts that assert the absence of allergies rather than an allergy.
const NO_KNOWN_ALLERGY_CODES: &[&str] = &[
    "716186003",
    "409137002",
    "428607008",
    "429625007",
    "428197003",
];

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AllergyState {
    /// At least one allergy recorded (entered-in-error entries excluded).
    Listed { allergies: Vec<BannerAllergy> },
    /// Sources say explicitly there are none.
    NoKnownAllergies { sources: Vec<String> },
    /// No source has recorded anything about allergies.
    NotRecorded,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BannerAllergy {
    pub title: String,
    pub source: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Banner {
    pub family: Option<String>,
    pub given: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub nhs_number: String,
    /// e.g. "Date of birth differs at Hillcrest Community Trust (1948-03-03)".
    pub discrepancies: Vec<String>,
    pub allergies: AllergyState,
    /// "No known allergy" recorded at one source while another lists an allergy.
    pub allergy_conflict: Option<String>,
}

struct Demographics {
    source: String,
    family: Option<String>,
    given: Option<String>,
    birth_date: Option<String>,
    gender: Option<String>,
}

fn demographics(source: String, p: &Value) -> Demographics {
    let names = p.get("name").and_then(Value::as_array);
    let name = names.and_then(|n| {
        n.iter()
            .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
            .or_else(|| n.first())
    });
    Demographics {
        source,
        family: name
            .and_then(|n| n.get("family"))
            .and_then(Value::as_str)
            .map(str::to_uppercase),
        given: name
            .and_then(|n| n.get("given"))
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        birth_date: p.get("birthDate").and_then(Value::as_str).map(String::from),
        gender: p.get("gender").and_then(Value::as_str).map(String::from),
    }
}

fn is_no_known_allergy(e: &TimelineEvent) -> bool {
    e.codes.iter().any(|c| {
        c.code
            .as_deref()
            .is_some_and(|c| NO_KNOWN_ALLERGY_CODES.contains(&c))
    })
}

/// Allergy state from the allergy events of a timeline.
pub fn allergy_state(events: &[TimelineEvent]) -> (AllergyState, Option<String>) {
    let allergies: Vec<&TimelineEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::Allergy && !e.entered_in_error)
        .filter(|e| {
            !matches!(
                e.status.as_deref(),
                Some("inactive" | "resolved" | "refuted")
            )
        })
        .collect();
    let (none, some): (Vec<&TimelineEvent>, Vec<&TimelineEvent>) =
        allergies.into_iter().partition(|e| is_no_known_allergy(e));
    let mut nka_sources: Vec<String> = none.iter().map(|e| e.source.clone()).collect();
    nka_sources.sort();
    nka_sources.dedup();
    if some.is_empty() {
        return if nka_sources.is_empty() {
            (AllergyState::NotRecorded, None)
        } else {
            (
                AllergyState::NoKnownAllergies {
                    sources: nka_sources,
                },
                None,
            )
        };
    }
    let conflict = (!nka_sources.is_empty()).then(|| {
        format!(
            "{} records no known allergies, but allergies are recorded elsewhere",
            nka_sources.join(", ")
        )
    });
    let allergies = some
        .into_iter()
        .map(|e| BannerAllergy {
            title: e.title.clone(),
            source: e.source.clone(),
        })
        .collect();
    (AllergyState::Listed { allergies }, conflict)
}

impl Store {
    /// The banner for a patient from what is cached.
    pub fn banner(&self, nhs: &str) -> Result<Banner, StoreError> {
        let people: Vec<Demographics> = self
            .resources_of_type(nhs, "Patient")?
            .into_iter()
            .filter_map(|(source, json)| {
                serde_json::from_str::<Value>(&json)
                    .ok()
                    .map(|v| demographics(source, &v))
            })
            .collect();
        let first = people.first();
        let mut discrepancies = Vec::new();
        if let Some(f) = first {
            for p in &people[1..] {
                let mut check = |what: &str, a: &Option<String>, b: &Option<String>| {
                    if let (Some(a), Some(b)) = (a, b)
                        && !a.eq_ignore_ascii_case(b)
                    {
                        discrepancies.push(format!(
                            "{what} differs at {} ({b}; {} has {a})",
                            p.source, f.source
                        ));
                    }
                };
                check("Date of birth", &f.birth_date, &p.birth_date);
                check("Family name", &f.family, &p.family);
                check("Gender", &f.gender, &p.gender);
            }
        }
        let events = self.timeline(
            nhs,
            &crate::store::TimelineFilter {
                kinds: vec![EventKind::Allergy],
                sources: vec![],
            },
        )?;
        let (allergies, allergy_conflict) = allergy_state(&events);
        Ok(Banner {
            family: first.and_then(|p| p.family.clone()),
            given: first.and_then(|p| p.given.clone()),
            birth_date: first.and_then(|p| p.birth_date.clone()),
            gender: first.and_then(|p| p.gender.clone()),
            nhs_number: nhs.to_string(),
            discrepancies,
            allergies,
            allergy_conflict,
        })
    }
}

/// The patient as a search match, when it really has this family name (prefix,
/// any case), this birth date and a valid NHS number.
pub fn match_patient(
    p: &Value,
    family: &str,
    birth_date: &str,
) -> Option<crate::app::PatientMatch> {
    if p.get("resourceType").and_then(Value::as_str) != Some("Patient")
        || p.get("birthDate").and_then(Value::as_str) != Some(birth_date)
    {
        return None;
    }
    let wanted = family.to_lowercase();
    let names = p.get("name").and_then(Value::as_array)?;
    if !names
        .iter()
        .filter_map(|n| n.get("family").and_then(Value::as_str))
        .any(|f| f.to_lowercase().starts_with(&wanted))
    {
        return None;
    }
    let nhs = p
        .get("identifier")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|i| {
            (i.get("system").and_then(Value::as_str) == Some(crate::nhs_number::NHS_NUMBER_SYSTEM))
                .then(|| i.get("value").and_then(Value::as_str))
                .flatten()
                .and_then(|v| crate::nhs_number::NhsNumber::parse(v).ok())
        })?;
    let d = demographics(String::new(), p);
    Some(crate::app::PatientMatch {
        nhs_number: nhs.as_str().to_string(),
        family: d.family,
        given: d.given,
        birth_date: d.birth_date,
        gender: d.gender,
        sources: Vec::new(),
    })
}
