//! Fixture records for each grouping rule and each flag, in both directions:
//! what must be grouped is grouped, what must not is not; a flag is raised
//! where it must be and not where it must not.

use super::test_support::*;
use super::*;
use crate::config::EndpointKind;
use crate::store::{RunOutcome, SourceState, SourceStatus};
use chrono::{Duration, Utc};

// ---------- grouping ----------

#[test]
fn penicillin_as_a_disorder_and_as_a_substance_is_one_allergy_with_both_sources() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", allergy("a2", penicillin_substance()));
    let s = r.summary();
    every_entry_once(&r, &s);
    assert_eq!(s.allergies.groups.len(), 1);
    let sources: Vec<&str> = s.allergies.groups[0]
        .entries
        .iter()
        .map(|e| e.source.as_str())
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert_eq!(s.allergies.state, AllergyStatus::Listed);
}

#[test]
fn an_allergy_to_a_class_is_not_grouped_with_an_allergy_to_one_drug() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", allergy("a2", cc(SCT, "372687004", "Amoxicillin")));
    let s = r.summary();
    assert_eq!(s.allergies.groups.len(), 2);
}

#[test]
fn different_codes_with_similar_names_are_never_grouped() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", cc(SCT, "387235007", "Penicillamine")))
        .add("gp", allergy("a2", penicillin_substance()))
        .add(
            "hosp",
            med(
                "m1",
                "active",
                cc(DMD, "323416001", "Phenoxymethylpenicillin 250mg tablets"),
            ),
        )
        .add("gp", statement("m2", "active", amoxicillin_500()));
    let s = r.summary();
    every_entry_once(&r, &s);
    assert_eq!(s.allergies.groups.len(), 2);
    assert_eq!(s.medications.groups.len(), 2);
}

#[test]
fn strengths_of_one_medicine_group_through_the_table_but_text_only_never_joins_a_coded_entry() {
    let r = Record::new(&[H, G])
        .add(
            "hosp",
            med(
                "m1",
                "active",
                cc(DMD, "319283006", "Amlodipine 5mg tablets"),
            ),
        )
        .add(
            "gp",
            statement(
                "m2",
                "active",
                cc(DMD, "319284000", "Amlodipine 10mg tablets"),
            ),
        )
        .add(
            "gp",
            statement("m3", "active", json!({"text": "Amlodipine 5mg tablets"})),
        )
        .add(
            "hosp",
            med("m4", "active", json!({"text": "  amlodipine 5MG tablets "})),
        );
    let s = r.summary();
    every_entry_once(&r, &s);
    let sizes: Vec<usize> = s
        .medications
        .groups
        .iter()
        .map(|g| g.entries.len())
        .collect();
    assert_eq!(s.medications.groups.len(), 2, "{sizes:?}");
    assert!(sizes.contains(&2));
    let coded = s
        .medications
        .groups
        .iter()
        .find(|g| g.entries.iter().any(|e| e.resource_id == "m1"))
        .unwrap();
    assert!(
        coded.entries.iter().any(|e| e.resource_id == "m2"),
        "5mg and 10mg are one medicine"
    );
    let text = s
        .medications
        .groups
        .iter()
        .find(|g| g.entries.iter().any(|e| e.resource_id == "m3"))
        .unwrap();
    assert!(
        text.entries.iter().any(|e| e.resource_id == "m4"),
        "exact normalised text"
    );
}

#[test]
fn unknown_codes_group_only_on_the_same_system_and_code() {
    let local = "https://fhir.hl7.org.uk/Id/emis-drug-codes";
    let r = Record::new(&[G, H])
        .add(
            "gp",
            statement("m1", "active", cc(local, "ABC1", "Emollient cream")),
        )
        .add("hosp", med("m2", "active", cc(local, "ABC1", "Emollient")))
        .add(
            "hosp",
            med("m3", "active", cc(local, "XYZ9", "Emollient cream")),
        );
    let s = r.summary();
    assert_eq!(s.medications.groups.len(), 2);
}

#[test]
fn transfer_degraded_allergies_are_not_merged_with_each_other() {
    let degraded = |text: &str| json!({"coding": [{"system": SCT, "code": "196461000000101", "display": "Transfer-degraded drug allergy"}], "text": text});
    let r = Record::new(&[G])
        .add("gp", allergy("a1", degraded("Septrin")))
        .add("gp", allergy("a2", degraded("Aspirin")));
    let s = r.summary();
    assert_eq!(s.allergies.groups.len(), 2);
    assert!(s.allergies.groups.iter().all(|g| {
        g.entries[0]
            .marks
            .contains(&crate::timeline::EventMark::Degraded)
    }));
}

// ---------- flags ----------

#[test]
fn a_penicillin_allergy_at_one_source_flags_amoxicillin_and_co_amoxiclav_from_another() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", statement("m1", "active", amoxicillin_500()))
        .add(
            "hosp",
            med(
                "m2",
                "active",
                cc(DMD, "323539009", "Co-amoxiclav 500mg/125mg tablets"),
            ),
        );
    let s = r.summary();
    let f: Vec<&Flag> = s
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::AllergyToIngredient)
        .collect();
    assert_eq!(f.len(), 2, "{:#?}", s.flags);
    assert!(f.iter().all(|f| f.severity == Severity::Warning));
    let refs: Vec<&str> = f
        .iter()
        .flat_map(|f| f.refs.iter().map(|r| r.resource_id.as_str()))
        .collect();
    assert!(
        refs.contains(&"a1") && refs.contains(&"m1") && refs.contains(&"m2"),
        "{refs:?}"
    );
    assert!(
        s.medications
            .groups
            .iter()
            .all(|g| g.flags.contains(&FlagKind::AllergyToIngredient))
    );
}

#[test]
fn penicillamine_with_a_penicillin_allergy_raises_no_flag() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add(
            "gp",
            statement("m1", "active", cc(SCT, "387235007", "Penicillamine")),
        )
        .add(
            "gp",
            statement(
                "m2",
                "active",
                json!({"text": "Penicillamine 250mg tablets"}),
            ),
        );
    let s = r.summary();
    assert!(
        !kinds(&s).contains(&FlagKind::AllergyToIngredient),
        "{:#?}",
        s.flags
    );
}

#[test]
fn an_uncoded_penicillin_allergy_flags_by_exact_name_and_says_so() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", json!({"text": "Penicillin allergy"})))
        .add("gp", statement("m1", "active", amoxicillin_500()));
    let s = r.summary();
    let f = s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::AllergyToIngredient)
        .expect("flag");
    assert!(f.message.contains("matched by name"), "{}", f.message);
    let r = Record::new(&[H, G])
        .add(
            "hosp",
            allergy("a1", json!({"text": "Penicillamine allergy"})),
        )
        .add("gp", statement("m1", "active", amoxicillin_500()));
    assert!(!kinds(&r.summary()).contains(&FlagKind::AllergyToIngredient));
}

#[test]
fn a_related_class_is_a_caution_and_a_medicine_no_longer_taken_is_not_flagged() {
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add(
            "gp",
            statement("m1", "active", cc(SCT, "387304003", "Cefalexin")),
        );
    let s = r.summary();
    let f = s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::AllergyToIngredient)
        .expect("caution");
    assert_eq!(f.severity, Severity::Caution, "{}", f.message);
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", statement("m1", "completed", amoxicillin_500()));
    assert!(!kinds(&r.summary()).contains(&FlagKind::AllergyToIngredient));
}

#[test]
fn a_medicine_stopped_at_discharge_but_active_at_the_gp_is_flagged_with_the_reason() {
    let mut stopped = med(
        "m1",
        "stopped",
        cc(DMD, "318902004", "Ramipril 5mg capsules"),
    );
    stopped["statusReason"] = json!({"text": "Acute kidney injury"});
    let r = Record::new(&[H, G]).add("hosp", stopped).add(
        "gp",
        statement(
            "m2",
            "active",
            cc(DMD, "318902004", "Ramipril 5mg capsules"),
        ),
    );
    let s = r.summary();
    let f = s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::StoppedElsewhere)
        .expect("flag");
    assert!(f.message.contains("Acute kidney injury"), "{}", f.message);
    assert_eq!(f.refs.len(), 2);
    assert_eq!(
        s.medications.groups.len(),
        1,
        "still current somewhere: in the current list"
    );
    // Stopped at both: no conflict, and not current.
    let r = Record::new(&[H, G])
        .add(
            "hosp",
            med(
                "m1",
                "stopped",
                cc(DMD, "318902004", "Ramipril 5mg capsules"),
            ),
        )
        .add(
            "gp",
            statement(
                "m2",
                "stopped",
                cc(DMD, "318902004", "Ramipril 5mg capsules"),
            ),
        );
    let s = r.summary();
    assert!(!kinds(&s).contains(&FlagKind::StoppedElsewhere));
    assert!(s.medications.groups.is_empty());
}

#[test]
fn an_allergy_current_here_and_resolved_or_in_error_there_is_a_conflict() {
    let mut resolved = allergy("a2", penicillin_substance());
    resolved["clinicalStatus"] = json!({"coding": [{"code": "resolved"}]});
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", resolved.clone());
    assert!(kinds(&r.summary()).contains(&FlagKind::AllergyStatusConflict));
    // At the same source only: not a disagreement between sources.
    let r = Record::new(&[H])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("hosp", resolved);
    assert!(!kinds(&r.summary()).contains(&FlagKind::AllergyStatusConflict));
}

#[test]
fn no_known_allergies_beside_a_recorded_allergy_is_flagged_with_which_is_newer() {
    let mut nka = allergy("n1", cc(SCT, "716186003", "No known allergy"));
    nka["recordedDate"] = json!("2025-05-05");
    nka.as_object_mut().unwrap().remove("category");
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", nka);
    let s = r.summary();
    let f = s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::NoKnownAllergiesConflict)
        .expect("flag");
    assert!(
        f.message.contains("\"No known allergy\" record is newer"),
        "{}",
        f.message
    );
    assert_eq!(s.allergies.state, AllergyStatus::Listed);
}

#[test]
fn a_partial_negation_conflicts_only_with_allergies_it_covers() {
    let nkda = allergy("n1", cc(SCT, "409137002", "No known drug allergy"));
    let mut latex = allergy("a1", cc(SCT, "300916003", "Latex allergy"));
    latex["category"] = json!(["environment"]);
    let r = Record::new(&[H, G])
        .add("hosp", latex)
        .add("gp", nkda.clone());
    assert!(!kinds(&r.summary()).contains(&FlagKind::NoKnownAllergiesConflict));
    let r = Record::new(&[H, G])
        .add("hosp", allergy("a1", penicillin_disorder()))
        .add("gp", nkda);
    assert!(kinds(&r.summary()).contains(&FlagKind::NoKnownAllergiesConflict));
}

#[test]
fn differing_demographics_are_all_shown_and_the_gp_heads_the_banner() {
    let p = |id: &str, dob: &str, family: &str| {
        json!({"resourceType": "Patient", "id": id, "birthDate": dob, "gender": "female",
               "name": [{"use": "official", "family": family, "given": ["Evelyn", "Rose"], "prefix": ["Mrs"]}]})
    };
    let r = Record::new(&[H, B, G])
        .add("hosp", p("p1", "1948-03-03", "Hargreaves"))
        .add("hosp2", p("p2", "1948-03-03", "Hargreaves"))
        .add("gp", p("p3", "1948-03-02", "Hargreaves"));
    let s = r.summary();
    assert_eq!(
        s.patient.birth_date.as_deref(),
        Some("1948-03-02"),
        "the GP's where sources disagree"
    );
    assert_eq!(s.patient.family.as_deref(), Some("HARGREAVES"));
    assert_eq!(s.patient.title.as_deref(), Some("Mrs"));
    let f = s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::DemographicsDiffer)
        .expect("flag");
    assert!(
        f.message.contains("02-Mar-1948") && f.message.contains("03-Mar-1948"),
        "{}",
        f.message
    );
    // Agreement without a GP: the majority, never the first source's name in the alphabet.
    let r = Record::new(&[("a-first", EndpointKind::Hospital), H, B])
        .add("a-first", p("p0", "1950-01-01", "Hargreaves"))
        .add("hosp", p("p1", "1948-03-03", "Hargreaves"))
        .add("hosp2", p("p2", "1948-03-03", "Hargreaves"));
    assert_eq!(
        r.summary().patient.birth_date.as_deref(),
        Some("1948-03-03")
    );
}

#[test]
fn an_unverified_or_old_nhs_number_is_a_banner_warning() {
    let p = json!({"resourceType": "Patient", "id": "p1", "identifier": [{
        "system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS,
        "extension": [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
            "valueCodeableConcept": {"coding": [{"code": "02", "display": "Number present but not traced"}]}}]}]});
    let s = Record::new(&[H]).add("hosp", p).summary();
    assert_eq!(s.patient.identity_warnings.len(), 1);
    assert!(s.patient.identity_warnings[0].contains("not traced"));
}

// ---------- what is current ----------

#[test]
fn medicines_that_are_not_current_are_never_listed_as_current() {
    let sct = |c: &str, d: &str| cc(DMD, c, d);
    let mut not_taken = statement("s1", "active", sct("319283006", "Amlodipine 5mg tablets"));
    not_taken["taken"] = json!("n");
    let mut dnp = med(
        "r1",
        "active",
        sct("323510009", "Amoxicillin 500mg capsules"),
    );
    dnp["doNotPerform"] = json!(true);
    let mut proposal = med("r2", "active", sct("325278007", "Metformin 500mg tablets"));
    proposal["intent"] = json!("proposal");
    let mut ended = med(
        "r3",
        "active",
        sct("322236009", "Paracetamol 500mg tablets"),
    );
    ended["dosageInstruction"] = json!([{"timing": {"repeat": {"frequency": 4, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 5, "code": "d"}}}}]);
    let mut inpatient = med("r4", "active", sct("318859000", "Lisinopril 10mg tablets"));
    inpatient["category"] = json!([{"coding": [{"code": "inpatient"}]}]);
    let r = Record::new(&[H, G])
        .add("gp", not_taken)
        .add("hosp", dnp)
        .add("hosp", proposal)
        .add("hosp", ended)
        .add("hosp", inpatient)
        .add(
            "hosp",
            med(
                "r5",
                "entered-in-error",
                sct("320030001", "Atorvastatin 20mg tablets"),
            ),
        )
        .add(
            "hosp",
            med(
                "r6",
                "cancelled",
                sct("317291008", "Omeprazole 20mg gastro-resistant capsules"),
            ),
        )
        .add(
            "hosp",
            med("r7", "on-hold", sct("318902004", "Ramipril 5mg capsules")),
        );
    let s = r.summary();
    every_entry_once(&r, &s);
    let current: Vec<&str> = s
        .medications
        .groups
        .iter()
        .map(|g| g.title.as_str())
        .collect();
    assert_eq!(
        current,
        ["Ramipril 5mg capsules"],
        "only the on-hold one is current"
    );
    assert!(s.medications.groups[0].on_hold);
    assert_eq!(s.medications.do_not_give.len(), 1);
    assert_eq!(
        s.medications.do_not_give[0].title,
        "Amoxicillin 500mg capsules"
    );
}

#[test]
fn a_gp_repeat_is_one_row_with_its_last_issue_date() {
    let code = cc(DMD, "319283006", "Amlodipine 5mg tablets");
    let plan = json!({"resourceType": "MedicationRequest", "id": "auth1", "status": "active", "intent": "plan",
        "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": code, "authoredOn": "2024-01-10"});
    let issue = |id: &str, date: &str| {
        json!({"resourceType": "MedicationRequest", "id": id, "status": "completed",
        "intent": "order", "basedOn": [{"reference": "MedicationRequest/auth1"}],
        "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": code, "authoredOn": date})
    };
    let r = Record::new(&[G])
        .add("gp", plan)
        .add("gp", issue("i1", "2026-08-01"))
        .add("gp", issue("i2", "2026-10-30"))
        .add("gp", issue("i3", "2026-09-15"));
    let s = r.summary();
    assert_eq!(s.medications.groups.len(), 1);
    assert_eq!(s.medications.groups[0].entries.len(), 4);
    assert_eq!(
        s.medications.groups[0].last_issued.as_deref(),
        Some("2026-10-30")
    );
}

#[test]
fn a_hospital_plan_is_a_proposal_but_a_gp_plan_is_the_repeat_authorisation() {
    let code = cc(DMD, "325278007", "Metformin 500mg tablets");
    let plan = |id: &str| {
        json!({"resourceType": "MedicationRequest", "id": id, "status": "active", "intent": "plan",
        "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": code, "authoredOn": "2026-10-01"})
    };
    let s = Record::new(&[H]).add("hosp", plan("x")).summary();
    assert!(s.medications.groups.is_empty());
    let s = Record::new(&[G]).add("gp", plan("x")).summary();
    assert_eq!(s.medications.groups.len(), 1);
}

// ---------- allergy state from evidence ----------

#[test]
fn no_known_allergies_only_when_every_source_was_read_and_only_negations_exist() {
    let nka = allergy("n1", cc(SCT, "716186003", "No known allergy"));
    let r = Record::new(&[H, G]).add("gp", nka.clone());
    let s = r.summary();
    assert_eq!(s.allergies.state, AllergyStatus::NoKnownAllergies);
    assert!(
        s.allergies.statement.starts_with("No known allergies"),
        "{}",
        s.allergies.statement
    );

    for (why, f) in [
        (
            "its last sync failed",
            Box::new(|s: &mut SourceStatus| {
                s.last_outcome = RunOutcome::Failed;
                s.state = SourceState::Failed;
            }) as Box<dyn FnOnce(&mut SourceStatus)>,
        ),
        (
            "never been synced",
            Box::new(|s: &mut SourceStatus| {
                s.last_outcome = RunOutcome::Never;
                s.state = SourceState::Never;
                s.last_success = None;
            }),
        ),
        (
            "did not find the patient",
            Box::new(|s: &mut SourceStatus| s.patients_found = 0),
        ),
        (
            "does not offer allergies",
            Box::new(|s: &mut SourceStatus| s.not_offered = vec!["AllergyIntolerance".into()]),
        ),
        (
            "older than 24 hours",
            Box::new(|s: &mut SourceStatus| {
                s.last_success = Some((Utc::now() - Duration::hours(30)).to_rfc3339());
            }),
        ),
        (
            "interrupted",
            Box::new(|s: &mut SourceStatus| {
                s.last_outcome = RunOutcome::Interrupted;
                s.state = SourceState::Interrupted;
            }),
        ),
    ] {
        let s = Record::new(&[H, G])
            .add("gp", nka.clone())
            .with_status("hosp", f)
            .summary();
        assert_eq!(s.allergies.state, AllergyStatus::Incomplete, "{why}");
        assert_eq!(s.allergies.gaps.len(), 1, "{why}");
        assert_eq!(s.allergies.gaps[0].source_id, "hosp");
        assert!(
            s.allergies.gaps[0].reason.contains(why),
            "{why}: {}",
            s.allergies.gaps[0].reason
        );
        assert!(
            !s.allergies.statement.contains("No known allergies"),
            "{}",
            s.allergies.statement
        );
        assert!(
            s.allergies.statement.contains("INCOMPLETE"),
            "{}",
            s.allergies.statement
        );
    }
}

#[test]
fn a_partial_negation_is_shown_as_what_it_says() {
    let s = Record::new(&[G])
        .add(
            "gp",
            allergy("n1", cc(SCT, "409137002", "No known drug allergy")),
        )
        .summary();
    assert_eq!(s.allergies.state, AllergyStatus::NotRecorded);
    assert!(
        s.allergies.statement.contains("No known drug allergy (gp)"),
        "{}",
        s.allergies.statement
    );
    assert!(!s.allergies.statement.starts_with("No known allergies"));
    // An uncoded negation from the reviewed list of texts.
    let s = Record::new(&[G])
        .add("gp", allergy("n1", json!({"text": "NKDA"})))
        .summary();
    assert_eq!(s.allergies.negations.len(), 1);
    assert_eq!(
        s.allergies.negations[0].scope,
        terminology::NegationScope::Drug
    );
}

#[test]
fn refuted_and_entered_in_error_allergies_are_never_current() {
    let mut refuted = allergy("a1", penicillin_disorder());
    refuted["verificationStatus"] = json!({"coding": [{"code": "refuted"}]});
    let mut eie = allergy("a2", cc(SCT, "300916003", "Latex allergy"));
    eie["verificationStatus"] = json!({"coding": [{"code": "entered-in-error"}]});
    eie.as_object_mut().unwrap().remove("clinicalStatus");
    let s = Record::new(&[H])
        .add("hosp", refuted)
        .add("hosp", eie)
        .summary();
    assert!(s.allergies.groups.iter().all(|g| !g.current));
    assert_eq!(s.allergies.state, AllergyStatus::NotRecorded);
    assert!(
        s.allergies
            .groups
            .iter()
            .any(|g| g.entries[0].entered_in_error)
    );
}

#[test]
fn high_criticality_stands_out_in_the_statement() {
    let mut a = allergy("a1", penicillin_disorder());
    a["criticality"] = json!("high");
    a["reaction"] = json!([{"manifestation": [{"text": "Anaphylaxis"}]}]);
    let s = Record::new(&[H]).add("hosp", a).summary();
    assert!(s.allergies.groups[0].high_criticality);
    assert!(
        s.allergies
            .statement
            .contains("HIGH CRITICALITY: Anaphylaxis"),
        "{}",
        s.allergies.statement
    );
}

// ---------- nothing dropped ----------

mod generated {
    use super::*;
    use proptest::prelude::*;

    const ALLERGY_CODES: &[(&str, &str)] = &[
        ("91936005", "Allergy to penicillin"),
        ("764146007", "Penicillin"),
        ("372687004", "Amoxicillin"),
        ("387235007", "Penicillamine"),
        ("716186003", "No known allergy"),
        ("409137002", "No known drug allergy"),
        ("196461000000101", "Transfer-degraded drug allergy"),
        ("999999999", "Something local"),
    ];
    const MED_CODES: &[(&str, &str)] = &[
        ("323510009", "Amoxicillin 500mg capsules"),
        ("323539009", "Co-amoxiclav 500mg/125mg tablets"),
        ("319283006", "Amlodipine 5mg tablets"),
        ("319284000", "Amlodipine 10mg tablets"),
        ("123", "Local thing"),
    ];
    const STATUSES: &[&str] = &[
        "active",
        "stopped",
        "completed",
        "entered-in-error",
        "on-hold",
        "cancelled",
        "unknown",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the record, every allergy and medicine entry is in exactly one group.
        #[test]
        fn every_entry_is_in_exactly_one_group(
            allergies in proptest::collection::vec((0usize..3, 0usize..ALLERGY_CODES.len(), any::<bool>()), 0..12),
            meds in proptest::collection::vec((0usize..3, 0usize..MED_CODES.len(), 0usize..STATUSES.len(), any::<bool>()), 0..16),
        ) {
            let srcs = [H, G, B];
            let mut r = Record::new(&srcs);
            for (i, (s, c, coded)) in allergies.iter().enumerate() {
                let (code, text) = ALLERGY_CODES[*c];
                let concept = if *coded { cc(SCT, code, text) } else { json!({"text": text}) };
                r = r.add(srcs[*s].0, allergy(&format!("a{i}"), concept));
            }
            for (i, (s, c, st, coded)) in meds.iter().enumerate() {
                let (code, text) = MED_CODES[*c];
                let concept = if *coded { cc(DMD, code, text) } else { json!({"text": text}) };
                r = r.add(srcs[*s].0, med(&format!("m{i}"), STATUSES[*st], concept));
            }
            let s = r.summary();
            every_entry_once(&r, &s);
        }
    }
}

// ---------- the terminology tables, row by row ----------

/// SNOMED CT (and dm+d) identifiers end in a Verhoeff check digit.
fn verhoeff_ok(code: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, ch) in code.bytes().rev().enumerate() {
        if !ch.is_ascii_digit() {
            return false;
        }
        c = D[c as usize][P[i % 8][(ch - b'0') as usize] as usize];
    }
    c == 0
}

#[derive(serde::Deserialize)]
struct CodeRow {
    system: String,
    code: String,
    display: String,
    kind: String,
    target: String,
}

fn code_rows() -> Vec<CodeRow> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(include_str!("../../data/terminology/codes.csv").as_bytes())
        .deserialize()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn every_row_of_the_code_table_resolves_both_ways_and_passes_its_check_digit() {
    let t = terminology::tables().unwrap();
    let rows = code_rows();
    assert!(rows.len() > 1000, "{}", rows.len());
    for r in &rows {
        assert!(
            verhoeff_ok(&r.code),
            "{} {}: check digit",
            r.code,
            r.display
        );
        let expect = match r.target.split_once(':').unwrap() {
            ("class", c) => terminology::Target::Class(c.into()),
            (_, m) => terminology::Target::Member(m.into()),
        };
        for system in [r.system.as_str(), SCT, DMD, "https://dmd.nhs.uk/"] {
            assert_eq!(
                t.target(system, &r.code),
                Some(&expect),
                "{} via {system}",
                r.code
            );
        }
    }
}

/// Each medicine code beside an allergy to its class (named in words) is flagged;
/// each class-level allergy code flags a medicine of its class; each "allergy to X"
/// code is read as an allergy to X.
#[test]
fn every_medicine_and_allergy_code_of_the_tables_takes_part_in_the_allergy_check() {
    let t = terminology::tables().unwrap();
    let rows = code_rows();
    let class_alias = |c: &str| {
        // The first phrase that names the class in free text.
        let text = include_str!("../../data/terminology/classes.csv");
        text.lines()
            .find(|l| l.starts_with(&format!("{c},")))
            .and_then(|l| l.rsplit(',').next())
            .and_then(|a| a.split(';').next())
            .unwrap()
            .to_string()
    };
    let a_product_of = |class: &str| {
        rows.iter()
            .find(|r| {
                r.kind == "vmp"
                    && r.target
                        .strip_prefix("member:")
                        .is_some_and(|m| t.classes_of(m).contains(class))
            })
            .map(|r| (r.code.clone(), r.display.clone()))
    };
    let mut checked = 0;
    for r in &rows {
        let (kind, id) = r.target.split_once(':').unwrap();
        let record = match (kind, r.kind.as_str()) {
            ("member", "vmp" | "amp" | "vtm" | "substance") => {
                let Some(class) = t.classes_of(id).into_iter().next() else {
                    continue;
                };
                Record::new(&[H, G])
                    .add(
                        "hosp",
                        allergy(
                            "a",
                            json!({"text": format!("{} allergy", class_alias(&class))}),
                        ),
                    )
                    .add(
                        "gp",
                        statement("m", "active", cc(&r.system, &r.code, &r.display)),
                    )
            }
            ("class", _) => {
                let Some((code, display)) = a_product_of(id) else {
                    continue;
                };
                Record::new(&[H, G])
                    .add("hosp", allergy("a", cc(&r.system, &r.code, &r.display)))
                    .add("gp", statement("m", "active", cc(DMD, &code, &display)))
            }
            ("member", "disorder") => {
                let s = Record::new(&[H])
                    .add("hosp", allergy("a", cc(&r.system, &r.code, &r.display)))
                    .summary();
                let (targets, _) = allergy::allergens(&s.allergies.groups[0], t);
                assert_eq!(
                    targets,
                    [terminology::Target::Member(id.into())],
                    "{} {}",
                    r.code,
                    r.display
                );
                checked += 1;
                continue;
            }
            _ => continue,
        };
        let s = record.summary();
        assert!(
            s.flags.iter().any(|f| f.kind == FlagKind::AllergyToIngredient && f.severity == Severity::Warning),
            "{} {} ({}): no allergy-to-ingredient warning",
            r.code,
            r.display,
            r.target
        );
        checked += 1;
    }
    assert!(checked > 1000, "{checked}");
}
