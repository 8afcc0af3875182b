//! Does a resource belong to the patient found at this endpoint?

use serde_json::Value;

use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};

/// The patient as one endpoint knows them.
#[derive(Debug, Clone)]
pub struct PatientIdentity {
    pub nhs: NhsNumber,
    /// The endpoint's logical ids of Patient records carrying this NHS number.
    pub ids: Vec<String>,
    /// The endpoint's base URL, without a trailing slash, for absolute references.
    pub base: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Belongs {
    Yes,
    /// The resource names another patient (the reference it gave).
    Other(String),
    /// The resource names no patient at all.
    Missing,
}

/// Elements that name the patient a resource is about (R4 and STU3 agree). Every
/// one present must name this patient.
const PATIENT_ELEMENTS: &[&str] = &["patient", "subject"];

fn logical_id_of(reference: &str, base: &str) -> Option<String> {
    let rest = reference
        .strip_prefix(base)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(reference);
    let rest = rest.strip_prefix("Patient/")?;
    let id = rest.split("/_history/").next()?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

impl PatientIdentity {
    pub fn check(&self, resource: &Value) -> Belongs {
        if resource.get("resourceType").and_then(Value::as_str) == Some("Patient") {
            let id = resource
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return if self.ids.iter().any(|i| i == id) {
                Belongs::Yes
            } else {
                Belongs::Other(format!("Patient/{id}"))
            };
        }
        let mut named = false;
        for element in PATIENT_ELEMENTS {
            let Some(r) = resource.get(*element) else {
                continue;
            };
            match self.check_element(r) {
                Belongs::Yes => named = true,
                other @ Belongs::Other(_) => return other,
                Belongs::Missing => {}
            }
        }
        if named {
            Belongs::Yes
        } else {
            Belongs::Missing
        }
    }

    /// One Reference: its literal reference and its identifier, where both are
    /// given, must both name this patient.
    fn check_element(&self, r: &Value) -> Belongs {
        let mut named = false;
        if let Some(reference) = r.get("reference").and_then(Value::as_str) {
            match logical_id_of(reference, &self.base) {
                Some(id) if self.ids.contains(&id) => named = true,
                _ => return Belongs::Other(reference.chars().take(200).collect()),
            }
        }
        // A logical reference by NHS number.
        if let Some(ident) = r.get("identifier") {
            let system = ident.get("system").and_then(Value::as_str);
            let value = ident
                .get("value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match (system, NhsNumber::parse(value)) {
                (Some(NHS_NUMBER_SYSTEM), Ok(n)) if n == self.nhs => named = true,
                _ => {
                    return Belongs::Other(format!(
                        "identifier {}",
                        value.chars().take(40).collect::<String>()
                    ));
                }
            }
        }
        if named {
            Belongs::Yes
        } else {
            Belongs::Missing
        }
    }
}

/// A medicine reference as this server's `Medication/{id}`, or `None` when it
/// points at another server (never resolved against this one) or is not a
/// plain Medication reference.
pub fn local_medication_ref(reference: &str, base: &str) -> Option<String> {
    let rest = if reference.contains("://") {
        reference
            .strip_prefix(base.trim_end_matches('/'))?
            .strip_prefix('/')?
    } else {
        reference
    };
    let id = rest.strip_prefix("Medication/")?;
    crate::fhir::client::valid_id(id).then(|| format!("Medication/{id}"))
}

/// True when a Patient resource carries exactly this NHS number.
pub fn patient_has_nhs_number(patient: &Value, nhs: &NhsNumber) -> bool {
    patient
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|i| {
            i.get("system").and_then(Value::as_str) == Some(NHS_NUMBER_SYSTEM)
                && i.get("value")
                    .and_then(Value::as_str)
                    .and_then(|v| NhsNumber::parse(v).ok())
                    .is_some_and(|v| &v == nhs)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn who() -> PatientIdentity {
        PatientIdentity {
            nhs: NhsNumber::parse("9990040109").unwrap(),
            ids: vec!["p1".into()],
            base: "http://h:1/fhir".into(),
        }
    }

    #[test]
    fn accepts_relative_absolute_versioned_and_nhs_number_references() {
        for r in [
            json!({"patient": {"reference": "Patient/p1"}}),
            json!({"subject": {"reference": "http://h:1/fhir/Patient/p1"}}),
            json!({"subject": {"reference": "Patient/p1/_history/3"}}),
            json!({"subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": "999 004 0109"}}}),
        ] {
            assert_eq!(who().check(&r), Belongs::Yes, "{r}");
        }
    }

    #[test]
    fn rejects_other_patients_other_servers_and_missing_subjects() {
        assert_eq!(
            who().check(&json!({"subject": {"reference": "Patient/p2"}})),
            Belongs::Other("Patient/p2".into())
        );
        assert!(matches!(
            who().check(&json!({"subject": {"reference": "http://evil/Patient/p1"}})),
            Belongs::Other(_)
        ));
        assert!(matches!(
            who().check(&json!({"subject": {"reference": "Group/p1"}})),
            Belongs::Other(_)
        ));
        assert!(matches!(who().check(&json!({"subject": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"}}})), Belongs::Other(_)));
        assert_eq!(
            who().check(&json!({"resourceType": "Condition"})),
            Belongs::Missing
        );
        assert_eq!(
            who().check(&json!({"subject": {"display": "Ives DUMMETT"}})),
            Belongs::Missing
        );
    }

    #[test]
    fn every_element_naming_a_patient_must_agree_and_a_reference_never_beats_its_identifier() {
        let nhs = |v: &str| json!({"system": NHS_NUMBER_SYSTEM, "value": v});
        for bad in [
            json!({"patient": {"reference": "Patient/p1"}, "subject": {"reference": "Patient/p2"}}),
            json!({"subject": {"reference": "Patient/p1", "identifier": nhs("9434765919")}}),
            json!({"subject": {"reference": "Patient/p2", "identifier": nhs("9990040109")}}),
            json!({"subject": {"reference": "https://other.example/fhir/Patient/p1"}}),
        ] {
            assert!(matches!(who().check(&bad), Belongs::Other(_)), "{bad}");
        }
        let good = json!({"patient": {"reference": "Patient/p1"}, "subject": {"reference": "Patient/p1", "identifier": nhs("9990040109")}});
        assert_eq!(who().check(&good), Belongs::Yes);
    }

    #[test]
    fn a_medicine_on_another_server_is_never_read_from_this_one() {
        let base = "https://h.example/fhir";
        assert_eq!(
            local_medication_ref("Medication/m1", base).as_deref(),
            Some("Medication/m1")
        );
        assert_eq!(
            local_medication_ref("https://h.example/fhir/Medication/m1", base).as_deref(),
            Some("Medication/m1")
        );
        assert_eq!(
            local_medication_ref("https://evil.example/fhir/Medication/m1", base),
            None
        );
        assert_eq!(
            local_medication_ref("https://h.example/fhirx/Medication/m1", base),
            None
        );
        assert_eq!(local_medication_ref("Medication/../../Patient", base), None);
    }

    #[test]
    fn a_patient_must_carry_the_exact_nhs_number() {
        let n = NhsNumber::parse("9990040109").unwrap();
        assert!(patient_has_nhs_number(
            &json!({"identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "9990040109"}]}),
            &n
        ));
        assert!(!patient_has_nhs_number(
            &json!({"identifier": [{"system": "urn:local", "value": "9990040109"}]}),
            &n
        ));
        assert!(!patient_has_nhs_number(
            &json!({"identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "9434765919"}]}),
            &n
        ));
        assert!(!patient_has_nhs_number(&json!({}), &n));
    }
}
