//! Restricted entries: resources a source labelled confidential (`meta.security`
//! v3-Confidentiality R or V, or a sensitivity code from v3-ActCode such as
//! PSY, SEX or HIV; a Composition's `confidentiality`; a DocumentReference's
//! `securityLabel`). They are masked everywhere until a person reveals them
//! with a reason; the masked form carries the kind, the date and the source only.
//! Codes are matched by system and code, in the R4, STU3 and OID spellings.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

const CONFIDENTIALITY_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
    "http://hl7.org/fhir/v3/Confidentiality",
    "urn:oid:2.16.840.1.113883.5.25",
];

const ACT_CODE_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "http://hl7.org/fhir/v3/ActCode",
    "urn:oid:2.16.840.1.113883.5.4",
];

/// One spelling for the R4, STU3 and OID names of the v3 label systems, so a
/// consent naming a label in one spelling matches a resource using another.
pub fn canonical_label_system(system: &str) -> &str {
    if CONFIDENTIALITY_SYSTEMS.contains(&system) {
        CONFIDENTIALITY_SYSTEMS[0]
    } else if ACT_CODE_SYSTEMS.contains(&system) {
        ACT_CODE_SYSTEMS[0]
    } else {
        system
    }
}

/// Every security label a resource carries, as (canonical system, code):
/// `meta.security`, a DocumentReference's `securityLabel`, a Composition's
/// `confidentiality`.
pub fn labels_of(resource: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |c: &Value| {
        if let (Some(s), Some(code)) = (
            c.get("system").and_then(Value::as_str),
            c.get("code").and_then(Value::as_str),
        ) {
            out.push((canonical_label_system(s).to_string(), code.to_string()));
        }
    };
    if let Some(sec) = resource.pointer("/meta/security") {
        codings(sec).into_iter().for_each(&mut add);
    }
    if let Some(sec) = resource.get("securityLabel") {
        codings(sec).into_iter().for_each(&mut add);
    }
    if resource.get("resourceType").and_then(Value::as_str) == Some("Composition")
        && let Some(code) = resource.get("confidentiality").and_then(Value::as_str)
    {
        out.push((CONFIDENTIALITY_SYSTEMS[0].to_string(), code.to_string()));
    }
    out
}

/// Confidentiality codes that restrict: restricted and very restricted.
const RESTRICTIVE: &[(&str, &str)] = &[("R", "restricted"), ("V", "very restricted")];

/// Information-sensitivity codes (v3 ActInformationSensitivityPolicy) that restrict.
const SENSITIVE: &[(&str, &str)] = &[
    ("BH", "behavioural health information"),
    ("COCAINEUD", "cocaine use disorder information"),
    ("ETH", "substance misuse information"),
    ("ETHUD", "alcohol use disorder information"),
    ("GDIS", "genetic disease information"),
    ("HIV", "HIV/AIDS information"),
    ("MST", "military sexual trauma information"),
    ("OPIOIDUD", "opioid use disorder information"),
    ("PSY", "psychiatry information"),
    ("PSYTHPN", "psychotherapy note"),
    ("SCA", "sickle cell information"),
    (
        "SDV",
        "sexual assault, abuse or domestic violence information",
    ),
    ("SEX", "sexuality and reproductive health information"),
    ("STD", "sexually transmitted disease information"),
    ("SUD", "substance use disorder information"),
    ("TBOO", "taboo information"),
];

/// Why a resource is restricted, in words (shown only once revealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Restriction {
    /// e.g. "restricted (R)", "psychiatry information (PSY)".
    pub labels: Vec<String>,
}

fn label(system: Option<&str>, code: Option<&str>) -> Option<String> {
    let (system, code) = (system?, code?);
    let table = if CONFIDENTIALITY_SYSTEMS.contains(&system) {
        RESTRICTIVE
    } else if ACT_CODE_SYSTEMS.contains(&system) {
        SENSITIVE
    } else {
        return None;
    };
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, words)| format!("{words} ({c})"))
}

fn codings(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(codings).collect(),
        Value::Object(o) if o.contains_key("coding") => {
            o.get("coding").map(codings).unwrap_or_default()
        }
        Value::Object(_) => vec![v],
        _ => Vec::new(),
    }
}

/// The restriction a resource carries, if any.
pub fn of(resource: &Value) -> Option<Restriction> {
    let mut labels = Vec::new();
    let mut add = |l: Option<String>| {
        if let Some(l) = l
            && !labels.contains(&l)
        {
            labels.push(l);
        }
    };
    let code_of = |c: &Value| {
        label(
            c.get("system").and_then(Value::as_str),
            c.get("code").and_then(Value::as_str),
        )
    };
    if let Some(sec) = resource.pointer("/meta/security") {
        codings(sec).into_iter().for_each(|c| add(code_of(c)));
    }
    // DocumentReference.securityLabel: CodeableConcepts (R4 and STU3).
    if let Some(sec) = resource.get("securityLabel") {
        codings(sec).into_iter().for_each(|c| add(code_of(c)));
    }
    // Composition.confidentiality: a bare v3-Confidentiality code.
    if resource.get("resourceType").and_then(Value::as_str) == Some("Composition")
        && let Some(code) = resource.get("confidentiality").and_then(Value::as_str)
    {
        add(label(Some(CONFIDENTIALITY_SYSTEMS[0]), Some(code)));
    }
    (!labels.is_empty()).then_some(Restriction { labels })
}

/// Cheap test on raw JSON before parsing: can this resource carry a restriction at all?
/// Any `\u` escape means a key could be spelt in escapes (`"\u0073ecurity"`), so
/// such a resource is always parsed and checked.
pub fn may_be_restricted(raw: &str) -> bool {
    raw.contains("\"security") || raw.contains("\"confidentiality\"") || raw.contains("\\u")
}

/// An opaque name for a restricted entry: lets a person reveal it without the
/// masked view showing its id (ids can be telling, e.g. "hiv-test-2").
pub fn handle(source_id: &str, resource_type: &str, id: &str) -> String {
    let digest = Sha256::digest(format!("{source_id}\n{resource_type}\n{id}").as_bytes());
    format!("restricted-{}", hex::encode(&digest[..6]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_label_spelt_in_escapes_is_not_missed_by_the_cheap_test() {
        let raw = r#"{"resourceType":"DocumentReference","id":"d","meta":{"\u0073ecurity":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]}}"#;
        assert!(may_be_restricted(raw));
        let v: serde_json::Value = serde_json::from_str(raw).unwrap();
        assert!(of(&v).is_some());
        assert!(!may_be_restricted(
            r#"{"resourceType":"Encounter","id":"e"}"#
        ));
    }

    #[test]
    fn r4_and_stu3_confidentiality_labels_restrict() {
        let r4 = json!({"resourceType": "Condition", "meta": {"security": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]}});
        let stu3 = json!({"resourceType": "Condition", "meta": {"security": [
            {"system": "http://hl7.org/fhir/v3/Confidentiality", "code": "V"}]}});
        assert_eq!(of(&r4).unwrap().labels, vec!["restricted (R)"]);
        assert_eq!(of(&stu3).unwrap().labels, vec!["very restricted (V)"]);
    }

    #[test]
    fn normal_confidentiality_and_unknown_systems_do_not() {
        for v in [
            json!({"meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "N"}]}}),
            json!({"meta": {"security": [{"system": "http://example.org/local", "code": "R"}]}}),
            json!({"meta": {"security": [{"code": "R"}]}}),
            json!({"resourceType": "Composition", "confidentiality": "N"}),
            json!({"resourceType": "Encounter", "confidentiality": "R"}),
        ] {
            assert_eq!(of(&v), None, "{v}");
        }
    }

    #[test]
    fn sensitivity_codes_composition_and_document_labels_restrict() {
        let psy = json!({"meta": {"security": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"},
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"}]}});
        assert_eq!(
            of(&psy).unwrap().labels,
            vec!["psychiatry information (PSY)"]
        );
        let comp = json!({"resourceType": "Composition", "confidentiality": "R"});
        assert!(of(&comp).is_some());
        let doc = json!({"resourceType": "DocumentReference", "securityLabel": [{"coding": [
            {"system": "http://hl7.org/fhir/v3/ActCode", "code": "HIV"}]}]});
        assert_eq!(of(&doc).unwrap().labels, vec!["HIV/AIDS information (HIV)"]);
    }

    #[test]
    fn handles_are_stable_and_do_not_show_the_id() {
        let h = handle("trust-a", "Condition", "hiv-test-2");
        assert_eq!(h, handle("trust-a", "Condition", "hiv-test-2"));
        assert_ne!(h, handle("trust-b", "Condition", "hiv-test-2"));
        assert!(!h.contains("hiv"));
    }
}
