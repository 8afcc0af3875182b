//! Resource -> timeline event. Shows the text the source gave and never
//! invents a display; missing values stay missing.

use serde_json::Value;

use super::date::FhirDate;
use super::dosage;
use super::{Code, EventKind, EventMark};
use crate::fhir::FhirVersion;

/// What the store keeps for each event (source and fetch details are added by the store).
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedEvent {
    pub kind: EventKind,
    pub date: Option<String>,
    pub sort_key: String,
    pub title: Option<String>,
    pub status: Option<String>,
    pub entered_in_error: bool,
    pub marks: Vec<EventMark>,
    pub detail: Option<String>,
    pub codes: Vec<Code>,
    /// `Medication/{id}` when the medicine is a reference to resolve against fetched Medications.
    pub medication_ref: Option<String>,
    /// The source labelled it restricted (masked until revealed).
    pub restricted: Option<crate::restricted::Restriction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MedicationInfo {
    pub name: Option<String>,
    pub codes: Vec<Code>,
}

const SNOMED_DISCHARGE_SUMMARY: &str = "373942005";
const LOINC_DISCHARGE_SUMMARY: &str = "18842-5";
const INPATIENT_CLASSES: &[&str] = &["IMP", "ACUTE", "NONAC", "inpatient"];

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn codings(cc: &Value) -> impl Iterator<Item = &Value> {
    cc.get("coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

pub fn codes_of(cc: Option<&Value>) -> Vec<Code> {
    let Some(cc) = cc else { return Vec::new() };
    // STU3 and R4 both; a bare Coding (Encounter.class) is accepted too.
    let list: Vec<&Value> = if cc.get("coding").is_some() {
        codings(cc).collect()
    } else {
        vec![cc]
    };
    list.into_iter()
        .filter(|c| c.get("code").is_some() || c.get("display").is_some())
        .map(|c| Code {
            system: s(c, "system").map(String::from),
            code: s(c, "code").map(String::from),
            display: s(c, "display").map(String::from),
        })
        .collect()
}

/// The text a source gave for a CodeableConcept: `text`, else a coding's display.
pub fn concept_text(cc: Option<&Value>) -> Option<String> {
    let cc = cc?;
    if let Some(t) = cc.as_str().map(str::trim).filter(|t| !t.is_empty()) {
        return Some(t.to_string());
    }
    s(cc, "text")
        .or_else(|| codings(cc).find_map(|c| s(c, "display")))
        .or_else(|| s(cc, "display"))
        .map(String::from)
}

/// A status that is a plain code (STU3, most R4 statuses) or a CodeableConcept (R4 clinical/verification status).
pub fn status_code(v: Option<&Value>) -> Option<String> {
    let v = v?;
    if let Some(t) = v.as_str() {
        return Some(t.to_string());
    }
    codings(v)
        .find_map(|c| s(c, "code"))
        .map(String::from)
        .or_else(|| s(v, "text").map(String::from))
}

fn first_date<'a>(v: &'a Value, pointers: &[&str]) -> Option<&'a str> {
    pointers.iter().find_map(|p| {
        v.pointer(p)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    })
}

fn display_date(raw: Option<&str>) -> Option<String> {
    raw.map(|r| FhirDate::parse(r).map_or_else(|| r.to_string(), |d| d.display()))
}

fn join(parts: Vec<Option<String>>) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn is_discharge_type(cc: Option<&Value>, title: Option<&str>) -> bool {
    let coded = cc.is_some_and(|cc| {
        codings(cc).any(|c| {
            matches!(
                s(c, "code"),
                Some(SNOMED_DISCHARGE_SUMMARY | LOINC_DISCHARGE_SUMMARY)
            )
        })
    });
    let texts = [concept_text(cc), title.map(String::from)];
    coded
        || texts
            .iter()
            .flatten()
            .any(|t| t.to_lowercase().contains("discharge"))
}

fn medication_of(r: &Value) -> (Option<String>, Vec<Code>, Option<String>) {
    if let Some(cc) = r.get("medicationCodeableConcept") {
        return (concept_text(Some(cc)), codes_of(Some(cc)), None);
    }
    let Some(reference) = r.get("medicationReference") else {
        return (None, Vec::new(), None);
    };
    let display = s(reference, "display").map(String::from);
    let Some(target) = s(reference, "reference") else {
        return (display, Vec::new(), None);
    };
    if let Some(local) = target.strip_prefix('#') {
        let contained = r
            .get("contained")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| s(c, "resourceType") == Some("Medication") && s(c, "id") == Some(local));
        if let Some(m) = contained {
            let info = medication_info(m);
            return (info.name.or(display), info.codes, None);
        }
        return (display, Vec::new(), None);
    }
    // Relative, absolute or versioned reference, kept as written (less any version):
    // whether an absolute one is this server's is decided where the base is known.
    let tail = target.split("/_history/").next().unwrap_or(target);
    let mut segs = tail.rsplit('/');
    let id = segs.next();
    let ty = segs.next();
    let med_ref = match (ty, id) {
        (Some("Medication"), Some(id)) if !id.is_empty() => Some(tail.to_string()),
        _ => None,
    };
    (display, Vec::new(), med_ref)
}

/// Name and codes of a Medication resource.
pub fn medication_info(m: &Value) -> MedicationInfo {
    MedicationInfo {
        name: concept_text(m.get("code")),
        codes: codes_of(m.get("code")),
    }
}

fn event(kind: EventKind, date: Option<&str>) -> DerivedEvent {
    DerivedEvent {
        kind,
        date: date.map(String::from),
        sort_key: date
            .and_then(FhirDate::parse)
            .map(|d| d.sort_key())
            .unwrap_or_default(),
        title: None,
        status: None,
        entered_in_error: false,
        marks: Vec::new(),
        detail: None,
        codes: Vec::new(),
        medication_ref: None,
        restricted: None,
    }
}

fn allergy(r: &Value) -> DerivedEvent {
    let date = first_date(
        r,
        &[
            "/onsetDateTime",
            "/onsetPeriod/start",
            "/recordedDate",
            "/assertedDate",
        ],
    );
    let mut e = event(EventKind::Allergy, date);
    let clinical = status_code(r.get("clinicalStatus"));
    let verification = status_code(r.get("verificationStatus"));
    e.entered_in_error = verification.as_deref() == Some("entered-in-error");
    e.title = concept_text(r.get("code"));
    e.codes = codes_of(r.get("code"));
    if e.codes
        .iter()
        .any(|c| c.code.as_deref().is_some_and(is_degraded_code))
    {
        e.marks.push(EventMark::Degraded);
    }
    e.status = clinical.clone().or_else(|| verification.clone());
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
                s(re, "description").map(String::from).into_iter().collect()
            } else {
                m
            }
        })
        .collect();
    if verification.as_deref() == Some("unconfirmed")
        || verification.as_deref() == Some("provisional")
    {
        e.marks.push(EventMark::Unconfirmed);
    }
    if verification.as_deref() == Some("refuted") {
        e.marks.push(EventMark::Refuted);
    }
    if s(r, "criticality") == Some("high") {
        e.marks.push(EventMark::HighCriticality);
    }
    if s(r, "type") == Some("intolerance") {
        e.marks.push(EventMark::Intolerance);
    }
    let recorded = first_date(r, &["/recordedDate", "/assertedDate"]);
    e.detail = join(vec![
        (!reactions.is_empty()).then(|| format!("Reaction {}", reactions.join(", "))),
        s(r, "criticality").map(|c| format!("Criticality {c}")),
        verification.map(|v| format!("Verification {v}")),
        date.filter(|d| Some(*d) != recorded)
            .and_then(|d| display_date(Some(d)))
            .map(|d| format!("Onset {d}")),
        display_date(recorded).map(|d| format!("Recorded {d}")),
    ]);
    e
}

/// Texts of a list of CodeableConcepts, or of one (R4 and STU3 differ).
fn concept_texts(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|c| concept_text(Some(c))).collect(),
        Some(c) => concept_text(Some(c)).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Why a medicine was stopped, not given or not taken, as the source wrote it.
pub fn status_reasons(r: &Value) -> Vec<String> {
    let mut out = concept_texts(r.get("statusReason"));
    out.extend(concept_texts(r.get("reasonNotTaken")));
    out
}

/// Note texts (R4 `note`, STU3 `note`).
pub fn notes(r: &Value) -> Vec<String> {
    r.get("note")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| s(n, "text").map(String::from))
        .collect()
}

/// When a medicine's course ends, if the source said: the statement's effective
/// period, the dosage's bounds, or its start plus the dosage's duration
/// (`boundsDuration`, e.g. 7 days).
pub fn medication_end(r: &Value) -> Option<String> {
    if let Some(end) = first_date(
        r,
        &[
            "/effectivePeriod/end",
            "/dosageInstruction/0/timing/repeat/boundsPeriod/end",
            "/dosage/0/timing/repeat/boundsPeriod/end",
        ],
    ) {
        return Some(end.to_string());
    }
    let bounds = r
        .pointer("/dosageInstruction/0/timing/repeat/boundsDuration")
        .or_else(|| r.pointer("/dosage/0/timing/repeat/boundsDuration"))?;
    let value = bounds.get("value").and_then(Value::as_f64)?;
    let unit = bounds
        .get("code")
        .or_else(|| bounds.get("unit"))
        .and_then(Value::as_str)?;
    let days = match unit {
        "d" | "day" | "days" => value,
        "wk" | "week" | "weeks" => value * 7.0,
        "mo" | "month" | "months" => value * 30.0,
        _ => return None,
    };
    let start = first_date(
        r,
        &[
            "/dosageInstruction/0/timing/repeat/boundsPeriod/start",
            "/effectivePeriod/start",
            "/effectiveDateTime",
            "/authoredOn",
        ],
    )?;
    let start = FhirDate::parse(start)?;
    if !(1.0..=36_500.0).contains(&days) {
        return None;
    }
    // The last day of the course, in UK dates: 5 days from 1 Oct end on 5 Oct.
    let first = start
        .start
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let last = first + chrono::Duration::days(days.ceil() as i64 - 1);
    Some(last.format("%Y-%m-%d").to_string())
}

fn medication(r: &Value, resource_type: &str) -> DerivedEvent {
    let date = if resource_type == "MedicationRequest" {
        first_date(r, &["/authoredOn", "/dispenseRequest/validityPeriod/start"])
    } else {
        first_date(
            r,
            &[
                "/effectiveDateTime",
                "/effectivePeriod/start",
                "/dateAsserted",
            ],
        )
    };
    let mut e = event(EventKind::Medication, date);
    let (name, codes, med_ref) = medication_of(r);
    e.title = name;
    e.codes = codes;
    e.medication_ref = med_ref;
    if e.codes
        .iter()
        .any(|c| c.code.as_deref().is_some_and(is_degraded_code))
    {
        e.marks.push(EventMark::Degraded);
    }
    e.status = s(r, "status").map(String::from);
    let status = e.status.as_deref();
    e.entered_in_error = status == Some("entered-in-error");
    let intent = s(r, "intent");
    if r.get("doNotPerform").and_then(Value::as_bool) == Some(true) {
        e.marks.push(EventMark::DoNotGive);
    }
    if s(r, "taken") == Some("n") || status == Some("not-taken") {
        e.marks.push(EventMark::NotTaken);
    }
    if matches!(status, Some("stopped" | "cancelled")) {
        e.marks.push(EventMark::Stopped);
    }
    if matches!(status, Some("on-hold" | "suspended")) {
        e.marks.push(EventMark::OnHold);
    }
    if matches!(intent, Some("proposal")) {
        e.marks.push(EventMark::Proposal);
    }
    let dosage = dosage::dosages(r);
    let category = r.get("category").and_then(|c| {
        // R4 MedicationRequest.category is a list; MedicationStatement.category a single concept.
        c.as_array().map_or_else(
            || concept_text(Some(c)),
            |a| a.iter().find_map(|c| concept_text(Some(c))),
        )
    });
    let reasons = status_reasons(r);
    let notes = notes(r);
    let end = medication_end(r);
    e.detail = join(vec![
        (!dosage.is_empty()).then(|| dosage.join("; ")),
        intent.map(|i| format!("Intent {i}")),
        category.map(|c| format!("Category {c}")),
        (!reasons.is_empty()).then(|| format!("Reason {}", reasons.join(", "))),
        display_date(end.as_deref()).map(|d| format!("Ends {d}")),
        (!notes.is_empty()).then(|| format!("Note {}", notes.join(" / "))),
    ]);
    e
}

fn encounter(r: &Value) -> DerivedEvent {
    let class = r.get("class");
    let class_code = class.and_then(|c| {
        s(c, "code")
            .map(String::from)
            .or_else(|| status_code(Some(c)))
    });
    let status = s(r, "status");
    let end = first_date(r, &["/period/end"]);
    let start = first_date(r, &["/period/start"]);
    let inpatient = class_code
        .as_deref()
        .is_some_and(|c| INPATIENT_CLASSES.contains(&c));
    let ended = end.is_some() && matches!(status, Some("finished") | None);
    let (kind, date) = if inpatient && ended {
        (EventKind::Discharge, end)
    } else {
        (EventKind::Encounter, start.or(end))
    };
    let mut e = event(kind, date);
    let ty = r
        .get("type")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    e.title = concept_text(ty)
        .or_else(|| r.get("serviceType").and_then(|st| concept_text(Some(st))))
        .or_else(|| class.and_then(|c| s(c, "display").map(String::from)));
    e.codes = codes_of(ty);
    e.status = status.map(String::from);
    e.entered_in_error = status == Some("entered-in-error");
    let reasons: Vec<String> = r
        .get("reasonCode")
        .or_else(|| r.get("reason"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| concept_text(Some(c)))
        .collect();
    let destination = r
        .pointer("/hospitalization/dischargeDisposition")
        .and_then(|c| concept_text(Some(c)));
    let prefix = if kind == EventKind::Discharge {
        "Admitted"
    } else {
        "Started"
    };
    e.detail = join(vec![
        (!reasons.is_empty()).then(|| format!("Reason {}", reasons.join(", "))),
        class
            .and_then(|c| s(c, "display").map(String::from).or(class_code.clone()))
            .map(|c| format!("Class {c}")),
        display_date(start).map(|d| format!("{prefix} {d}")),
        display_date(end).map(|d| format!("Ended {d}")),
        destination.map(|d| format!("Destination {d}")),
    ]);
    e
}

fn composition(r: &Value) -> DerivedEvent {
    let date = first_date(r, &["/date"]);
    let title = s(r, "title");
    let kind = if is_discharge_type(r.get("type"), title) {
        EventKind::Discharge
    } else {
        EventKind::Document
    };
    let mut e = event(kind, date);
    e.title = title
        .map(String::from)
        .or_else(|| concept_text(r.get("type")));
    e.codes = codes_of(r.get("type"));
    e.status = s(r, "status").map(String::from);
    e.entered_in_error = e.status.as_deref() == Some("entered-in-error");
    let sections = r
        .get("section")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let author = r
        .get("author")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(|a| s(a, "display")))
        .map(|a| format!("Author {a}"));
    e.detail = join(vec![
        author,
        (sections > 0).then(|| format!("{sections} sections")),
    ]);
    e
}

fn document_reference(r: &Value) -> DerivedEvent {
    let date = first_date(
        r,
        &[
            "/date",
            "/created",
            "/indexed",
            "/context/period/end",
            "/content/0/attachment/creation",
        ],
    );
    let description = s(r, "description");
    let kind = if is_discharge_type(r.get("type"), description) {
        EventKind::Discharge
    } else {
        EventKind::Document
    };
    let mut e = event(kind, date);
    let attachment_title = r
        .pointer("/content/0/attachment/title")
        .and_then(Value::as_str);
    e.title = description
        .map(String::from)
        .or_else(|| concept_text(r.get("type")))
        .or_else(|| attachment_title.map(String::from));
    e.codes = codes_of(r.get("type"));
    e.status = s(r, "status").map(String::from);
    e.entered_in_error = e.status.as_deref() == Some("entered-in-error")
        || s(r, "docStatus") == Some("entered-in-error");
    let types: Vec<String> = r
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            c.pointer("/attachment/contentType")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect();
    e.detail = join(vec![
        concept_text(r.get("type"))
            .filter(|t| Some(t.as_str()) != e.title.as_deref())
            .map(|t| format!("Type {t}")),
        (!types.is_empty()).then(|| format!("Attachment {}", types.join(", "))),
    ]);
    e
}

fn condition(r: &Value) -> DerivedEvent {
    let date = first_date(
        r,
        &[
            "/onsetDateTime",
            "/onsetPeriod/start",
            "/recordedDate",
            "/assertedDate",
        ],
    );
    let mut e = event(EventKind::Condition, date);
    e.title = concept_text(r.get("code"));
    e.codes = codes_of(r.get("code"));
    let verification = status_code(r.get("verificationStatus"));
    e.status = status_code(r.get("clinicalStatus")).or_else(|| verification.clone());
    e.entered_in_error = verification.as_deref() == Some("entered-in-error");
    let category = r
        .get("category")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(|c| concept_text(Some(c))));
    e.detail = join(vec![
        category,
        verification.map(|v| format!("Verification {v}")),
    ]);
    e
}

/// SNOMED "transfer-degraded" codes: the sending system could not code the entry;
/// the real meaning is only in the text.
pub const DEGRADED_CODES: &[&str] = &[
    "196461000000101", // Transfer-degraded drug allergy
    "196471000000108", // Transfer-degraded non-drug allergy
    "196421000000109", // Transfer-degraded medication entry
];

pub fn is_degraded_code(code: &str) -> bool {
    DEGRADED_CODES.contains(&code)
}

/// The timeline event for a resource, or `None` for types the timeline does not show.
pub fn derive_event(r: &Value, _version: FhirVersion) -> Option<DerivedEvent> {
    let ty = s(r, "resourceType")?;
    let mut e = match ty {
        "AllergyIntolerance" => allergy(r),
        "MedicationRequest" | "MedicationStatement" => medication(r, ty),
        "Encounter" => encounter(r),
        "Composition" => composition(r),
        "DocumentReference" => document_reference(r),
        "Condition" => condition(r),
        _ => return None,
    };
    e.restricted = crate::restricted::of(r);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(r: Value) -> DerivedEvent {
        derive_event(&r, FhirVersion::R4).expect("an event")
    }

    #[test]
    fn each_resource_type_becomes_its_kind_and_others_none() {
        let cases = [
            (
                json!({"resourceType": "AllergyIntolerance"}),
                EventKind::Allergy,
            ),
            (
                json!({"resourceType": "MedicationRequest"}),
                EventKind::Medication,
            ),
            (
                json!({"resourceType": "MedicationStatement"}),
                EventKind::Medication,
            ),
            (
                json!({"resourceType": "Encounter", "class": {"code": "AMB"}}),
                EventKind::Encounter,
            ),
            (json!({"resourceType": "Condition"}), EventKind::Condition),
            (
                json!({"resourceType": "Composition", "title": "Clinic letter"}),
                EventKind::Document,
            ),
            (
                json!({"resourceType": "Composition", "type": {"coding": [{"code": "373942005"}]}}),
                EventKind::Discharge,
            ),
            (
                json!({"resourceType": "DocumentReference", "type": {"coding": [{"code": "18842-5"}]}}),
                EventKind::Discharge,
            ),
        ];
        for (r, kind) in cases {
            assert_eq!(ev(r.clone()).kind, kind, "{r}");
        }
        for t in ["Observation", "Patient", "Medication", "List"] {
            assert!(derive_event(&json!({"resourceType": t}), FhirVersion::R4).is_none());
        }
    }

    #[test]
    fn a_finished_inpatient_stay_is_a_discharge_dated_at_its_end() {
        let e = ev(
            json!({"resourceType": "Encounter", "status": "finished", "class": {"code": "IMP"},
            "period": {"start": "2026-09-08T10:00:00Z", "end": "2026-09-12T15:00:00Z"},
            "hospitalization": {"dischargeDisposition": {"text": "Home"}}}),
        );
        assert_eq!(e.kind, EventKind::Discharge);
        assert_eq!(e.date.as_deref(), Some("2026-09-12T15:00:00Z"));
        assert!(e.detail.as_deref().unwrap().contains("Destination Home"));
        let e = ev(
            json!({"resourceType": "Encounter", "status": "in-progress", "class": {"code": "IMP"},
            "period": {"start": "2026-09-08T10:00:00Z"}}),
        );
        assert_eq!(e.kind, EventKind::Encounter, "still in hospital");
    }

    #[test]
    fn allergy_status_marks_and_dates_r4_and_stu3() {
        let r4 = ev(json!({"resourceType": "AllergyIntolerance",
            "clinicalStatus": {"coding": [{"code": "active"}]}, "verificationStatus": {"coding": [{"code": "unconfirmed"}]},
            "criticality": "high", "type": "intolerance", "code": {"text": "Penicillin"},
            "onsetDateTime": "2019", "recordedDate": "2020-02-03"}));
        assert_eq!(r4.status.as_deref(), Some("active"));
        assert_eq!(r4.date.as_deref(), Some("2019"));
        assert_eq!(
            r4.marks,
            [
                EventMark::Unconfirmed,
                EventMark::HighCriticality,
                EventMark::Intolerance
            ]
        );
        let stu3 = ev(
            json!({"resourceType": "AllergyIntolerance", "clinicalStatus": "resolved",
            "verificationStatus": "entered-in-error", "assertedDate": "2018-09-28T10:30:00", "code": {"text": "Latex"}}),
        );
        assert_eq!(stu3.status.as_deref(), Some("resolved"));
        assert!(stu3.entered_in_error);
        assert_eq!(stu3.date.as_deref(), Some("2018-09-28T10:30:00"));
        let refuted = ev(
            json!({"resourceType": "AllergyIntolerance", "verificationStatus": {"coding": [{"code": "refuted"}]}}),
        );
        assert_eq!(refuted.marks, [EventMark::Refuted]);
    }

    #[test]
    fn a_structured_dose_is_rendered_never_reported_missing() {
        let e = ev(
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": {"text": "Amoxicillin 500mg capsules"}, "authoredOn": "2026-10-01",
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 5, "code": "d"}}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "capsule"}}], "route": {"text": "Oral"}}]}),
        );
        let d = e.detail.unwrap();
        assert!(
            d.starts_with("1 capsule, three times a day, for 5 days, oral"),
            "{d}"
        );
        assert!(d.contains("Intent order"), "{d}");
        assert!(d.contains("Ends 05-Oct-2026"), "{d}");
        assert_eq!(medication_end(&json!({"authoredOn": "2026-10-01",
            "dosageInstruction": [{"timing": {"repeat": {"boundsDuration": {"value": 2, "unit": "wk"}}}}]})).as_deref(), Some("2026-10-14"));
    }

    #[test]
    fn stopped_not_given_not_taken_and_proposed_medicines_carry_their_marks_and_reasons() {
        let e = ev(
            json!({"resourceType": "MedicationRequest", "status": "stopped", "intent": "order",
            "statusReason": {"text": "Acute kidney injury"}, "note": [{"text": "Review at 2 weeks"}],
            "medicationCodeableConcept": {"text": "Ramipril 5mg capsules"}}),
        );
        assert_eq!(e.marks, [EventMark::Stopped]);
        let d = e.detail.unwrap();
        assert!(
            d.contains("Reason Acute kidney injury") && d.contains("Note Review at 2 weeks"),
            "{d}"
        );
        let e = ev(
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order", "doNotPerform": true,
            "medicationCodeableConcept": {"text": "Aspirin"}}),
        );
        assert_eq!(e.marks, [EventMark::DoNotGive]);
        let e = ev(
            json!({"resourceType": "MedicationStatement", "status": "active", "taken": "n",
            "reasonNotTaken": [{"text": "Side effects"}], "medicationCodeableConcept": {"text": "Statin"}}),
        );
        assert_eq!(e.marks, [EventMark::NotTaken]);
        assert!(e.detail.unwrap().contains("Reason Side effects"));
        let e = ev(
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "proposal",
            "medicationCodeableConcept": {"text": "GP to start bisoprolol"}}),
        );
        assert_eq!(e.marks, [EventMark::Proposal]);
        let e = ev(
            json!({"resourceType": "MedicationStatement", "status": "on-hold",
            "medicationCodeableConcept": {"text": "Warfarin"}}),
        );
        assert_eq!(e.marks, [EventMark::OnHold]);
    }

    #[test]
    fn titles_come_from_the_source_and_a_referenced_medicine_is_resolved_later() {
        let e = ev(
            json!({"resourceType": "MedicationRequest", "status": "active",
            "medicationReference": {"reference": "http://x/fhir/Medication/m1/_history/2", "display": "As displayed"}}),
        );
        assert_eq!(e.title.as_deref(), Some("As displayed"));
        assert_eq!(
            e.medication_ref.as_deref(),
            Some("http://x/fhir/Medication/m1"),
            "kept as written: only the sync knows whether x is this server"
        );
        let e = ev(
            json!({"resourceType": "MedicationStatement", "status": "active",
            "contained": [{"resourceType": "Medication", "id": "x", "code": {"coding": [{"display": "Contained name"}]}}],
            "medicationReference": {"reference": "#x"}}),
        );
        assert_eq!(e.title.as_deref(), Some("Contained name"));
        assert_eq!(
            ev(json!({"resourceType": "Condition"})).title,
            None,
            "never an invented display"
        );
    }
}
