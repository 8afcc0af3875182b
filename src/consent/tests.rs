use super::*;
use serde_json::json;

fn access() -> AccessKind<'static> {
    AccessKind {
        purpose: "TREAT",
        now: "2026-06-01T12:00:00Z".parse().unwrap(),
    }
}

fn r4(provision: Value) -> Value {
    json!({"resourceType": "Consent", "id": "c1", "status": "active",
           "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
           "patient": {"reference": "Patient/p1"}, "provision": provision})
}

fn letter() -> Value {
    json!({"resourceType": "Composition", "id": "letter-1", "encounter": {"reference": "Encounter/enc-1"}, "date": "2025-03-01"})
}
fn encounter() -> Value {
    json!({"resourceType": "Encounter", "id": "enc-1", "period": {"start": "2025-02-27"}})
}
fn other_letter() -> Value {
    json!({"resourceType": "Composition", "id": "letter-2", "date": "2025-04-01"})
}
fn allergy() -> Value {
    json!({"resourceType": "AllergyIntolerance", "id": "a1"})
}

#[test]
fn a_deny_naming_a_letter_and_its_encounter_withholds_exactly_those() {
    let c = r4(
        json!({"type": "permit", "provision": [{"type": "deny", "data": [
            {"meaning": "instance", "reference": {"reference": "Composition/letter-1"}},
            {"meaning": "instance", "reference": {"reference": "https://trust.example/fhir/Encounter/enc-1"}}
        ]}]}),
    );
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&encounter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&other_letter(), FhirVersion::R4).is_none());
    assert!(rules.withhold(&allergy(), FhirVersion::R4).is_none());
    let note = &rules.notes()[0];
    assert!(note.applied);
    assert_eq!(note.consent, "Consent/c1");
    assert_eq!(note.withheld.get("Composition"), Some(&1));
    assert_eq!(note.withheld.get("Encounter"), Some(&1));
    assert!(note.text.contains("withheld"), "{}", note.text);
}

#[test]
fn related_also_withholds_what_refers_to_the_named_data() {
    let c = r4(json!({"type": "deny", "data": [
        {"meaning": "related", "reference": {"reference": "Encounter/enc-1"}}]}));
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&encounter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&other_letter(), FhirVersion::R4).is_none());
}

#[test]
fn a_class_deny_with_a_permitted_exception() {
    let c = r4(json!({"type": "deny",
        "class": [{"system": "http://hl7.org/fhir/resource-types", "code": "Composition"}],
        "provision": [{"type": "permit", "data": [{"meaning": "instance", "reference": {"reference": "Composition/letter-2"}}]}]}));
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&other_letter(), FhirVersion::R4).is_none());
    assert!(rules.withhold(&encounter(), FhirVersion::R4).is_none());
}

#[test]
fn denies_that_do_not_cover_this_access_change_nothing() {
    let cases = [
        // For research only.
        r4(
            json!({"type": "deny", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH"}]}),
        ),
        // Expired.
        r4(json!({"type": "deny", "period": {"end": "2025-01-01"}})),
        // About correcting data, not reading it.
        r4(
            json!({"type": "deny", "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "correct"}]}]}),
        ),
    ];
    for c in cases {
        let mut rules =
            ConsentRules::interpret(std::slice::from_ref(&c), FhirVersion::R4, access());
        assert!(rules.withhold(&letter(), FhirVersion::R4).is_none(), "{c}");
        assert!(rules.notes().is_empty(), "{c}");
    }
    let mut draft = r4(json!({"type": "deny"}));
    draft["status"] = json!("draft");
    let mut rules = ConsentRules::interpret(&[draft], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_none());
    // The UK Core example: information access for government purposes, no deny.
    let uk = json!({"resourceType": "Consent", "id": "uk", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "provision": {"purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "GOV"}]}});
    let rules = ConsentRules::interpret(&[uk], FhirVersion::R4, access());
    assert!(rules.notes().is_empty() && rules.is_empty());
}

#[test]
fn a_treatment_deny_covers_emergency_treatment_but_not_the_other_way_round() {
    let treat = r4(
        json!({"type": "deny", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}),
    );
    let emergency = AccessKind {
        purpose: "ETREAT",
        ..access()
    };
    let mut rules =
        ConsentRules::interpret(std::slice::from_ref(&treat), FhirVersion::R4, emergency);
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_some());
    let etreat = r4(
        json!({"type": "deny", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "ETREAT"}]}),
    );
    let mut rules = ConsentRules::interpret(&[etreat], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_none());
}

#[test]
fn a_deny_for_named_people_is_a_warning_and_hides_nothing() {
    let c = r4(
        json!({"type": "deny", "actor": [{"reference": {"reference": "Practitioner/x"}}],
        "data": [{"meaning": "instance", "reference": {"reference": "Composition/letter-1"}}]}),
    );
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_none());
    let note = &rules.notes()[0];
    assert!(!note.applied);
    assert!(note.text.contains("not applied"), "{}", note.text);
}

#[test]
fn data_named_by_author_is_a_warning() {
    let c = r4(
        json!({"type": "deny", "data": [{"meaning": "authoredby", "reference": {"reference": "Practitioner/x"}}]}),
    );
    let rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(!rules.notes()[0].applied);
}

#[test]
fn stu3_except_deny_and_opt_out() {
    let c = json!({"resourceType": "Consent", "id": "s1", "status": "active",
        "patient": {"reference": "Patient/p1"},
        "policyRule": "http://hl7.org/fhir/ConsentPolicy/opt-in",
        "except": [{"type": "deny", "data": [{"meaning": "instance", "reference": {"reference": "Composition/letter-1"}}]},
                   {"type": "permit", "data": [{"meaning": "instance", "reference": {"reference": "Composition/letter-2"}}]}]});
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::STU3, access());
    assert!(rules.withhold(&letter(), FhirVersion::STU3).is_some());
    assert!(rules.withhold(&other_letter(), FhirVersion::STU3).is_none());
    let out = json!({"resourceType": "Consent", "id": "s2", "status": "active",
        "policyRule": "http://hl7.org/fhir/ConsentPolicy/opt-out"});
    let mut rules = ConsentRules::interpret(&[out], FhirVersion::STU3, access());
    assert!(rules.withhold(&allergy(), FhirVersion::STU3).is_some());
    assert!(rules.notes()[0].text.contains("whole record"));
}

#[test]
fn the_patient_and_the_consent_are_never_withheld() {
    let c = r4(json!({"type": "deny"}));
    let mut rules = ConsentRules::interpret(std::slice::from_ref(&c), FhirVersion::R4, access());
    assert!(
        rules
            .withhold(
                &json!({"resourceType": "Patient", "id": "p1"}),
                FhirVersion::R4
            )
            .is_none()
    );
    assert!(rules.withhold(&c, FhirVersion::R4).is_none());
    assert!(rules.withhold(&allergy(), FhirVersion::R4).is_some());
}

#[test]
fn a_data_period_limits_the_deny_to_entries_dated_in_it() {
    let c = r4(
        json!({"type": "deny", "dataPeriod": {"start": "2025-03", "end": "2025-03"},
        "class": [{"system": "http://hl7.org/fhir/resource-types", "code": "Composition"}]}),
    );
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_some());
    assert!(rules.withhold(&other_letter(), FhirVersion::R4).is_none());
}

fn emergency() -> AccessKind<'static> {
    AccessKind {
        purpose: "ETREAT",
        ..access()
    }
}

#[test]
fn data_named_by_text_alone_is_a_warning_never_the_whole_record() {
    for provision in [
        json!({"type": "deny", "code": [{"text": "HIV test"}]}),
        json!({"type": "deny", "securityLabel": [{"code": "PSY"}]}),
        json!({"type": "deny", "class": [{"code": "Composition"}]}),
    ] {
        let c = r4(provision.clone());
        let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
        assert!(
            rules.withhold(&allergy(), FhirVersion::R4).is_none(),
            "{provision}: nothing hidden"
        );
        assert!(rules.withhold(&letter(), FhirVersion::R4).is_none());
        assert!(!rules.notes()[0].applied, "{provision}: a warning");
    }
}

#[test]
fn a_purpose_or_action_in_an_unknown_system_is_a_warning_not_a_silent_pass() {
    for extra in [
        json!({"purpose": [{"system": "https://example.org/purposes", "code": "CARE"}]}),
        json!({"action": [{"coding": [{"system": "https://example.org/actions", "code": "look"}]}]}),
    ] {
        let mut p = json!({"type": "deny", "data": [{"meaning": "instance", "reference": {"reference": "Composition/letter-1"}}]});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        let rules = ConsentRules::interpret(&[r4(p)], FhirVersion::R4, access());
        assert!(!rules.notes()[0].applied, "{extra}");
    }
}

#[test]
fn a_break_glass_exception_lets_emergency_care_through_but_not_ordinary_care() {
    let c = r4(json!({"type": "deny",
        "provision": [{"type": "permit", "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "ETREAT"}]}]}));
    let mut ordinary = ConsentRules::interpret(std::slice::from_ref(&c), FhirVersion::R4, access());
    assert!(ordinary.withhold(&allergy(), FhirVersion::R4).is_some());
    let mut urgent = ConsentRules::interpret(&[c], FhirVersion::R4, emergency());
    assert!(urgent.withhold(&allergy(), FhirVersion::R4).is_none());
    assert!(urgent.withhold(&letter(), FhirVersion::R4).is_none());
}

#[test]
fn an_exception_for_named_people_is_a_warning_and_hides_nothing() {
    let c = r4(json!({"type": "deny",
        "provision": [{"type": "permit", "actor": [{"reference": {"reference": "Practitioner/gp"}}],
                        "class": [{"system": "http://hl7.org/fhir/resource-types", "code": "Composition"}]}]}));
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    assert!(rules.withhold(&allergy(), FhirVersion::R4).is_none());
    assert!(!rules.notes()[0].applied);
}

#[test]
fn a_label_deny_matches_document_labels_and_confidentiality_in_any_spelling() {
    let c = r4(json!({"type": "deny", "securityLabel": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY"},
        {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "V"}]}));
    let mut rules = ConsentRules::interpret(&[c], FhirVersion::R4, access());
    let doc = json!({"resourceType": "DocumentReference", "id": "d1",
        "securityLabel": [{"coding": [{"system": "urn:oid:2.16.840.1.113883.5.4", "code": "PSY"}]}]});
    let comp = json!({"resourceType": "Composition", "id": "c9", "confidentiality": "V"});
    assert!(rules.withhold(&doc, FhirVersion::R4).is_some());
    assert!(rules.withhold(&comp, FhirVersion::R4).is_some());
    assert!(rules.withhold(&letter(), FhirVersion::R4).is_none());
}
