//! The request side of GP Connect Access Record: Structured: the `Parameters`
//! body, the consumer JWT (unsigned, per the specification) and the `Ssp-*`
//! headers Spine's Secure Proxy and providers require.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::config::GpConnectConfig;
use crate::fhir::FhirError;
use crate::fhir::client::request_id;
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};

/// The interaction id of the structured record operation.
pub const INTERACTION_ID: &str =
    "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1";
/// The interaction id of reading the provider's CapabilityStatement.
pub const METADATA_INTERACTION_ID: &str =
    "urn:nhs:names:services:gpconnect:structured:fhir:rest:read:metadata-1";
/// The media type GP Connect names for requests and answers.
const FHIR_JSON: &str = "application/fhir+json;charset=utf-8";
/// The operation, relative to the provider's FHIR base.
pub const OPERATION_PATH: &str = "Patient/$gpc.getstructuredrecord";
/// The consumer JWT expires this long after it is made (the specification's 5 minutes).
pub const JWT_LIFETIME_S: u64 = 300;
/// `iss`: the consumer system.
const CONSUMER_SYSTEM: &str = "https://github.com/crossview";
const DEVICE_ID_SYSTEM: &str = "https://fhir.nhs.uk/Id/crossview-device";
const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
const SDS_USER_SYSTEM: &str = "https://fhir.nhs.uk/Id/sds-user-id";
const SDS_ROLE_SYSTEM: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";

/// The `Parameters` body: the NHS number, and every part Crossview shows —
/// allergies (with resolved ones), medication (with prescription issues),
/// problems and consultations.
pub fn parameters(nhs: &NhsNumber) -> Value {
    json!({
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "patientNHSNumber",
                "valueIdentifier": { "system": NHS_NUMBER_SYSTEM, "value": nhs.as_str() }
            },
            {
                "name": "includeAllergies",
                "part": [ { "name": "includeResolvedAllergies", "valueBoolean": true } ]
            },
            {
                "name": "includeMedication",
                "part": [ { "name": "includePrescriptionIssues", "valueBoolean": true } ]
            },
            { "name": "includeProblems" },
            { "name": "includeConsultations" }
        ]
    })
}

/// "Dr Ann Example" as a FHIR HumanName (prefix, given, family).
fn human_name(full: &str) -> Value {
    const TITLES: &[&str] = &[
        "dr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "prof",
        "professor",
        "sister",
        "nurse",
    ];
    let mut words: Vec<&str> = full.split_whitespace().collect();
    let prefix: Vec<&str> = match words.first() {
        Some(w)
            if words.len() > 1
                && TITLES.contains(&w.trim_end_matches('.').to_ascii_lowercase().as_str()) =>
        {
            vec![words.remove(0)]
        }
        _ => vec![],
    };
    let family = words.pop().unwrap_or(full);
    let mut name = json!({ "text": full, "family": family });
    if !words.is_empty() {
        name["given"] = json!(words);
    }
    if !prefix.is_empty() {
        name["prefix"] = json!(prefix);
    }
    name
}

/// The GP Connect consumer JWT: `alg: none`, no signature (Spine's Secure
/// Proxy vouches for the consumer), valid for 5 minutes from `now`.
pub fn consumer_jwt(cfg: &GpConnectConfig, audience: &str, now: u64) -> String {
    let header = json!({ "alg": "none", "typ": "JWT" });
    // Both SDS identifiers are required; "UNK" where the user has no role profile (no smartcard).
    let practitioner_ids = vec![
        json!({ "system": SDS_USER_SYSTEM, "value": cfg.practitioner_id }),
        json!({ "system": SDS_ROLE_SYSTEM, "value": cfg.practitioner_role.as_deref().unwrap_or("UNK") }),
    ];
    let claims = json!({
        "iss": CONSUMER_SYSTEM,
        "sub": cfg.practitioner_id,
        "aud": audience,
        "exp": now + JWT_LIFETIME_S,
        "iat": now,
        "reason_for_request": "directcare",
        "requested_scope": "patient/*.read",
        "requesting_device": {
            "resourceType": "Device",
            "identifier": [ { "system": DEVICE_ID_SYSTEM, "value": cfg.from_asid } ],
            "model": "Crossview",
            "version": env!("CARGO_PKG_VERSION")
        },
        "requesting_organization": {
            "resourceType": "Organization",
            "identifier": [ { "system": ODS_SYSTEM, "value": cfg.consumer_ods } ]
        },
        "requesting_practitioner": {
            "resourceType": "Practitioner",
            "id": cfg.practitioner_id,
            "identifier": practitioner_ids,
            "name": [ human_name(&cfg.practitioner_name) ]
        }
    });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn value(v: &str, field: &str) -> Result<HeaderValue, FhirError> {
    HeaderValue::from_str(v)
        .map_err(|_| FhirError::Setup(format!("gp_connect.{field} cannot go into an HTTP header")))
}

/// The headers of one request: a new `Ssp-TraceID` and a new JWT each time.
pub fn headers(
    cfg: &GpConnectConfig,
    audience: &str,
    now: u64,
    interaction: &'static str,
) -> Result<HeaderMap, FhirError> {
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static(FHIR_JSON));
    h.insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    h.insert(
        HeaderName::from_static("ssp-traceid"),
        value(&request_id(), "trace")?,
    );
    h.insert(
        HeaderName::from_static("ssp-from"),
        value(&cfg.from_asid, "from_asid")?,
    );
    h.insert(
        HeaderName::from_static("ssp-to"),
        value(&cfg.to_asid, "to_asid")?,
    );
    h.insert(
        HeaderName::from_static("ssp-interactionid"),
        HeaderValue::from_static(interaction),
    );
    let mut auth = value(
        &format!("Bearer {}", consumer_jwt(cfg, audience, now)),
        "jwt",
    )?;
    auth.set_sensitive(true);
    h.insert(AUTHORIZATION, auth);
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> GpConnectConfig {
        GpConnectConfig {
            from_asid: "200000000359".into(),
            to_asid: "918999198738".into(),
            consumer_ods: "A11111".into(),
            practitioner_id: "G13579135".into(),
            practitioner_name: "Dr Ann Example".into(),
            practitioner_role: None,
        }
    }

    #[test]
    fn the_jwt_is_unsigned_and_carries_the_requesting_parties() {
        let jwt = consumer_jwt(&cfg(), "https://gp.example/fhir", 1_000);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "", "no signature");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "none");
        let c: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 300);
        assert_eq!(c["aud"], "https://gp.example/fhir");
        assert_eq!(c["reason_for_request"], "directcare");
        assert_eq!(c["requested_scope"], "patient/*.read");
        assert_eq!(
            c["requesting_organization"]["identifier"][0]["value"],
            "A11111"
        );
        assert_eq!(c["requesting_practitioner"]["name"][0]["family"], "Example");
        assert_eq!(c["requesting_practitioner"]["name"][0]["prefix"][0], "Dr");
        assert_eq!(c["requesting_device"]["resourceType"], "Device");
        let ids = &c["requesting_practitioner"]["identifier"];
        assert_eq!(ids[1]["system"], SDS_ROLE_SYSTEM);
        assert_eq!(ids[1]["value"], "UNK", "no role profile configured");
    }

    #[test]
    fn each_request_gets_its_own_trace_id() {
        let a = headers(&cfg(), "https://gp.example/fhir", 1, INTERACTION_ID).unwrap();
        let b = headers(&cfg(), "https://gp.example/fhir", 1, INTERACTION_ID).unwrap();
        assert_ne!(a["ssp-traceid"], b["ssp-traceid"]);
        assert_eq!(a["ssp-interactionid"], INTERACTION_ID);
        assert!(a[AUTHORIZATION].is_sensitive());
    }
}
