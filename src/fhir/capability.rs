//! What an endpoint says it can do, from its CapabilityStatement.

use serde_json::Value;
use std::collections::BTreeMap;

use super::FhirVersion;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `fhirVersion` exactly as reported, e.g. `4.0.1`.
    pub fhir_version_text: Option<String>,
    pub software: Option<String>,
    /// Resource type -> supported `_include` values. Empty when the statement lists no types.
    pub resources: BTreeMap<String, Vec<String>>,
    /// Resource type -> declared search parameter names.
    pub search_params: BTreeMap<String, Vec<String>>,
    /// Declared operations, by name without `$` (system and type level).
    pub operations: Vec<String>,
}

fn names(v: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| x.get("name").and_then(Value::as_str))
        .map(|n| n.trim_start_matches('$').to_string())
}

impl Capabilities {
    pub fn from_json(v: &Value) -> Capabilities {
        let mut resources = BTreeMap::new();
        let mut search_params = BTreeMap::new();
        let mut operations: Vec<String> = Vec::new();
        if let Some(rest) = v.get("rest").and_then(Value::as_array) {
            for r in rest
                .iter()
                .filter(|r| r.get("mode").and_then(Value::as_str) != Some("client"))
            {
                operations.extend(names(r.get("operation")));
                for res in r
                    .get("resource")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(t) = res.get("type").and_then(Value::as_str) {
                        let includes = res
                            .get("searchInclude")
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(Value::as_str)
                                    .map(String::from)
                                    .collect()
                            })
                            .unwrap_or_default();
                        resources.insert(t.to_string(), includes);
                        search_params
                            .insert(t.to_string(), names(res.get("searchParam")).collect());
                        operations.extend(names(res.get("operation")));
                    }
                }
            }
        }
        Capabilities {
            fhir_version_text: v
                .get("fhirVersion")
                .and_then(Value::as_str)
                .map(String::from),
            software: v
                .pointer("/software/name")
                .and_then(Value::as_str)
                .map(
                    |n| match v.pointer("/software/version").and_then(Value::as_str) {
                        Some(ver) => format!("{n} {ver}"),
                        None => n.to_string(),
                    },
                ),
            resources,
            search_params,
            operations,
        }
    }

    pub fn version(&self) -> Option<FhirVersion> {
        self.fhir_version_text
            .as_deref()
            .and_then(FhirVersion::from_semver)
    }

    /// True when the statement declares the search parameter for the type.
    pub fn declares_search(&self, resource_type: &str, param: &str) -> bool {
        self.search_params
            .get(resource_type)
            .is_some_and(|p| p.iter().any(|n| n == param))
    }

    /// False only when the statement lists its types and this one is not among them.
    pub fn supports(&self, resource_type: &str) -> bool {
        self.resources.is_empty() || self.resources.contains_key(resource_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_version_types_and_includes() {
        let c = Capabilities::from_json(&json!({
            "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
            "software": {"name": "Helios FHIR Server", "version": "0.2.7"},
            "rest": [{"mode": "server", "resource": [
                {"type": "Patient"},
                {"type": "MedicationRequest", "searchInclude": ["MedicationRequest:medication"]}
            ]}]
        }));
        assert_eq!(c.version(), Some(FhirVersion::R4));
        assert_eq!(c.software.as_deref(), Some("Helios FHIR Server 0.2.7"));
        assert!(c.supports("Patient"));
        assert!(!c.supports("Composition"));
        assert_eq!(
            c.resources["MedicationRequest"],
            vec!["MedicationRequest:medication"]
        );
    }

    #[test]
    fn a_statement_without_types_is_taken_to_support_everything() {
        let c = Capabilities::from_json(&json!({"fhirVersion": "3.0.1"}));
        assert_eq!(c.version(), Some(FhirVersion::STU3));
        assert!(c.supports("Composition"));
        assert_eq!(
            Capabilities::from_json(&json!({"fhirVersion": "1.0.2"})).version(),
            None
        );
    }
}
