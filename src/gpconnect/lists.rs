//! What the Lists of a GP Connect structured record say about themselves:
//! which part of the record each is (by its SNOMED code), the warnings a
//! provider puts on it (`confidential-items`, `data-in-transit`,
//! `data-awaiting-filing`), and why an empty list is empty. None of it is
//! dropped: warnings make the part incomplete; empty reasons are shown.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The list warning extension (GP Connect 1.x; some providers send the 1.2 name).
const WARNING_EXTENSIONS: &[&str] = &[
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1",
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ListWarningCode-1",
];
const SNOMED: &str = "http://snomed.info/sct";

/// A part of the GP record, from its List code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub code: &'static str,
    pub name: &'static str,
    /// The resource types whose completeness this list speaks for.
    pub types: &'static [&'static str],
    /// Crossview asks for it and shows it: its absence is a gap.
    pub required: bool,
}

pub const SECTIONS: &[Section] = &[
    Section {
        code: "886921000000105",
        name: "allergies",
        types: &["AllergyIntolerance"],
        required: true,
    },
    Section {
        code: "1103671000000101",
        name: "ended allergies",
        types: &["AllergyIntolerance"],
        required: false,
    },
    Section {
        code: "933361000000108",
        name: "medications",
        types: &["MedicationStatement", "MedicationRequest"],
        required: true,
    },
    Section {
        code: "717711000000103",
        name: "problems",
        types: &["Condition"],
        required: false,
    },
    Section {
        code: "1149501000000101",
        name: "consultations",
        types: &["Encounter"],
        required: false,
    },
];

/// Whether a note makes the part incomplete, or only explains an empty list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListNoteKind {
    /// Something is missing from the list (a warning, or a reason such as "withheld").
    Incomplete,
    /// The list is empty and says why; nothing is known to be missing.
    Empty,
}

/// One thing a source's list says about itself, kept with the sync.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListNote {
    /// The list, as the source titled it ("Active Allergies").
    pub list: String,
    /// The resource types it speaks for.
    pub types: Vec<String>,
    pub kind: ListNoteKind,
    /// The code as sent (`confidential-items`, `no-content-recorded`, …).
    pub code: String,
    /// In plain words.
    pub text: String,
}

fn warning_words(code: &str) -> String {
    match code {
        "confidential-items" => "items are excluded because they are confidential".into(),
        "data-in-transit" => {
            "the patient has just moved practice; records from the previous practice may be missing (data in transit)".into()
        }
        "data-awaiting-filing" => "some data is awaiting filing at the practice and is not included".into(),
        other => format!("the practice warns: {other}"),
    }
}

/// Empty reasons that say nothing is missing; any other reason is a gap.
fn empty_is_complete(code: &str) -> bool {
    matches!(
        code,
        "no-content-recorded" | "nilknown" | "nil-known" | "closed"
    )
}

fn codes(v: Option<&Value>) -> impl Iterator<Item = (&str, &str, Option<&str>)> {
    v.and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c.get("system").and_then(Value::as_str).unwrap_or_default(),
                c.get("code").and_then(Value::as_str).unwrap_or_default(),
                c.get("display").and_then(Value::as_str),
            )
        })
}

/// The part of the record a List is, from its code.
pub fn section_of(list: &Value) -> Option<&'static Section> {
    codes(list.get("code")).find_map(|(system, code, _)| {
        (system == SNOMED)
            .then(|| SECTIONS.iter().find(|s| s.code == code))
            .flatten()
    })
}

/// The notes one List carries.
pub fn notes_of(list: &Value) -> Vec<ListNote> {
    let section = section_of(list);
    let title = list
        .get("title")
        .and_then(Value::as_str)
        .or_else(|| codes(list.get("code")).find_map(|(_, _, d)| d))
        .or(section.map(|s| s.name))
        .unwrap_or("a list")
        .chars()
        .take(120)
        .collect::<String>();
    let types: Vec<String> = section
        .map(|s| s.types.iter().map(|t| t.to_string()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for ext in list
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let url = ext.get("url").and_then(Value::as_str).unwrap_or_default();
        if !WARNING_EXTENSIONS.contains(&url) {
            continue;
        }
        let code = ext
            .get("valueCode")
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| {
                ext.pointer("/valueCoding/code")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .or_else(|| {
                codes(ext.get("valueCodeableConcept"))
                    .next()
                    .map(|(_, c, _)| c.to_string())
            })
            .unwrap_or_else(|| "unstated".into());
        out.push(ListNote {
            list: title.clone(),
            types: types.clone(),
            kind: ListNoteKind::Incomplete,
            text: warning_words(&code),
            code,
        });
    }
    if let Some(reason) = list.get("emptyReason") {
        let (code, display) = codes(Some(reason))
            .next()
            .map(|(_, c, d)| (c.to_string(), d.map(String::from)))
            .unwrap_or_else(|| ("unstated".into(), None));
        let said = reason
            .get("text")
            .and_then(Value::as_str)
            .map(String::from)
            .or(display)
            .unwrap_or_else(|| code.clone());
        let note = list
            .pointer("/note/0/text")
            .and_then(Value::as_str)
            .map(|n| format!(" ({})", n.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        out.push(ListNote {
            list: title.clone(),
            types: types.clone(),
            kind: if empty_is_complete(&code) {
                ListNoteKind::Empty
            } else {
                ListNoteKind::Incomplete
            },
            text: format!("the list is empty: {said}{note}"),
            code,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn warnings_and_empty_reasons_are_read() {
        let list = json!({
            "resourceType": "List", "title": "Active Allergies",
            "code": {"coding": [{"system": SNOMED, "code": "886921000000105"}]},
            "extension": [{"url": WARNING_EXTENSIONS[0], "valueCode": "confidential-items"}],
            "emptyReason": {"coding": [{"system": "x", "code": "no-content-recorded", "display": "No Content Recorded"}]},
            "note": [{"text": "Information not available."}]
        });
        let notes = notes_of(&list);
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].kind, ListNoteKind::Incomplete);
        assert_eq!(notes[0].types, vec!["AllergyIntolerance"]);
        assert!(notes[0].text.contains("confidential"));
        assert_eq!(notes[1].kind, ListNoteKind::Empty);
        assert!(
            notes[1].text.contains("No Content Recorded"),
            "{}",
            notes[1].text
        );
    }

    #[test]
    fn a_withheld_empty_list_is_incomplete() {
        let list = json!({
            "resourceType": "List",
            "code": {"coding": [{"system": SNOMED, "code": "933361000000108"}]},
            "emptyReason": {"coding": [{"code": "withheld"}]}
        });
        let notes = notes_of(&list);
        assert_eq!(notes[0].kind, ListNoteKind::Incomplete);
        assert_eq!(
            notes[0].types,
            vec!["MedicationStatement", "MedicationRequest"]
        );
    }
}
