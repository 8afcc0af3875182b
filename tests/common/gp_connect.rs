//! A GP Connect Access Record: Structured provider over loopback, written from
//! the specification's rules: it refuses a request whose `Ssp-*` headers or
//! consumer JWT are missing or wrong with the specification's
//! OperationOutcomes, and answers `$gpc.getstructuredrecord` with the Bundle it
//! was given for that NHS number (404 PATIENT_NOT_FOUND otherwise).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const FROM_ASID: &str = "200000000359";
pub const TO_ASID: &str = "918999198738";
pub const ODS: &str = "A11111";
pub const PRACTITIONER: &str = "G13579135";
const STRUCTURED: &str =
    "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1";
const METADATA: &str = "urn:nhs:names:services:gpconnect:structured:fhir:rest:read:metadata-1";
const SPINE_CODES: &str = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1";

/// What the provider saw of one accepted request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub trace_id: String,
    pub interaction: String,
    pub claims: Value,
}

#[derive(Default)]
struct Shared {
    records: HashMap<String, Value>,
    seen: Vec<Seen>,
    refused: Vec<String>,
    base: String,
}

#[derive(Clone)]
pub struct GpConnectServer {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

fn outcome(status: StatusCode, issue: &str, code: &str, display: &str, diag: &str) -> Response {
    (
        status,
        [("content-type", "application/fhir+json")],
        json!({
            "resourceType": "OperationOutcome",
            "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"]},
            "issue": [{
                "severity": "error", "code": issue,
                "details": {"coding": [{"system": SPINE_CODES, "code": code, "display": display}]},
                "diagnostics": diag
            }]
        })
        .to_string(),
    )
        .into_response()
}

fn bad_request(why: &str) -> Response {
    outcome(
        StatusCode::BAD_REQUEST,
        "invalid",
        "BAD_REQUEST",
        "Bad request",
        why,
    )
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The specification's header and JWT rules; `Err` is the refusal.
fn check(h: &HeaderMap, interaction: &str, base: &str) -> Result<Seen, String> {
    let trace = header(h, "ssp-traceid").ok_or("Ssp-TraceID missing")?;
    if !is_uuid(trace) {
        return Err("Ssp-TraceID is not a GUID".into());
    }
    if header(h, "ssp-from") != Some(FROM_ASID) {
        return Err("Ssp-From missing or not the consumer's ASID".into());
    }
    if header(h, "ssp-to") != Some(TO_ASID) {
        return Err("Ssp-To missing or not this provider's ASID".into());
    }
    if header(h, "ssp-interactionid") != Some(interaction) {
        return Err(format!("Ssp-InteractionID must be {interaction}"));
    }
    let auth = header(h, "authorization").ok_or("Authorization missing")?;
    let jwt = auth
        .strip_prefix("Bearer ")
        .ok_or("Authorization is not a Bearer JWT")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 || !parts[2].is_empty() {
        return Err("the JWT must be unsigned: header.payload. with an empty signature".into());
    }
    let decode = |p: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| "JWT part is not base64url".to_string())?;
        serde_json::from_slice(&bytes).map_err(|_| "JWT part is not JSON".to_string())
    };
    let head = decode(parts[0])?;
    if head["alg"] != "none" || head["typ"] != "JWT" {
        return Err("JWT header must be {alg: none, typ: JWT}".into());
    }
    let c = decode(parts[1])?;
    let (Some(iat), Some(exp)) = (c["iat"].as_u64(), c["exp"].as_u64()) else {
        return Err("JWT iat/exp missing".into());
    };
    if exp != iat + 300 {
        return Err("JWT exp must be 5 minutes after iat".into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if exp < now || iat > now + 60 {
        return Err("JWT expired or from the future".into());
    }
    if c["aud"].as_str().map(|a| a.trim_end_matches('/')) != Some(base.trim_end_matches('/')) {
        return Err(format!("JWT aud must be the provider's base URL {base}"));
    }
    if c["reason_for_request"] != "directcare" || c["requested_scope"] != "patient/*.read" {
        return Err("JWT reason_for_request / requested_scope wrong".into());
    }
    if c["requesting_device"]["resourceType"] != "Device"
        || c["requesting_organization"]["resourceType"] != "Organization"
        || c["requesting_organization"]["identifier"][0]["value"] != ODS
        || c["requesting_practitioner"]["resourceType"] != "Practitioner"
        || c["requesting_practitioner"]["name"][0]["family"]
            .as_str()
            .is_none()
    {
        return Err("JWT requesting_device / _organization / _practitioner incomplete".into());
    }
    let ids = c["requesting_practitioner"]["identifier"].to_string();
    if !ids.contains("https://fhir.nhs.uk/Id/sds-user-id")
        || !ids.contains("https://fhir.nhs.uk/Id/sds-role-profile-id")
    {
        return Err("JWT requesting_practitioner needs its SDS user id and role profile id".into());
    }
    if header(h, "content-type").is_some_and(|t| !t.starts_with("application/fhir+json")) {
        return Err("Content-Type must be application/fhir+json".into());
    }
    if c["sub"] != c["requesting_practitioner"]["id"] || c["sub"] != PRACTITIONER {
        return Err("JWT sub must be the requesting practitioner's id".into());
    }
    if c["iss"].as_str().is_none_or(str::is_empty) {
        return Err("JWT iss missing".into());
    }
    Ok(Seen {
        trace_id: trace.to_string(),
        interaction: interaction.to_string(),
        claims: c,
    })
}

async fn metadata(State(s): State<Arc<Mutex<Shared>>>, h: HeaderMap) -> Response {
    let base = s.lock().unwrap().base.clone();
    match check(&h, METADATA, &base) {
        Err(why) => {
            s.lock().unwrap().refused.push(why.clone());
            bad_request(&why)
        }
        Ok(seen) => {
            s.lock().unwrap().seen.push(seen);
            (
                [("content-type", "application/fhir+json")],
                json!({
                    "resourceType": "CapabilityStatement", "status": "active", "fhirVersion": "3.0.1",
                    "software": {"name": "GP Connect fixture provider", "version": "1.6.2"},
                    "rest": [{"mode": "server", "operation": [{
                        "name": "gpc.getstructuredrecord",
                        "definition": {"reference": "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1"}
                    }]}]
                })
                .to_string(),
            )
                .into_response()
        }
    }
}

async fn structured(State(s): State<Arc<Mutex<Shared>>>, h: HeaderMap, body: Bytes) -> Response {
    let base = s.lock().unwrap().base.clone();
    let seen = match check(&h, STRUCTURED, &base) {
        Err(why) => {
            s.lock().unwrap().refused.push(why.clone());
            return bad_request(&why);
        }
        Ok(seen) => seen,
    };
    s.lock().unwrap().seen.push(seen);
    let Ok(p) = serde_json::from_slice::<Value>(&body) else {
        return outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "INVALID_RESOURCE",
            "Invalid validation of resource",
            "the body is not JSON",
        );
    };
    if p["resourceType"] != "Parameters" {
        return outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "INVALID_RESOURCE",
            "Invalid validation of resource",
            "the body is not a Parameters resource",
        );
    }
    let params = p["parameter"].as_array().cloned().unwrap_or_default();
    let known = [
        "patientNHSNumber",
        "includeAllergies",
        "includeMedication",
        "includeProblems",
        "includeConsultations",
        "includeImmunisations",
        "includeUncategorisedData",
        "includeInvestigations",
        "includeReferrals",
        "includeDiaryEntries",
    ];
    if let Some(bad) = params
        .iter()
        .find(|x| !known.contains(&x["name"].as_str().unwrap_or_default()))
    {
        return outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "INVALID_PARAMETER",
            "Invalid parameter",
            &format!("unknown parameter {}", bad["name"]),
        );
    }
    let allergies = params.iter().find(|x| x["name"] == "includeAllergies");
    if allergies.is_some_and(|a| {
        !a["part"].as_array().is_some_and(|parts| {
            parts
                .iter()
                .any(|x| x["name"] == "includeResolvedAllergies" && x["valueBoolean"].is_boolean())
        })
    }) {
        return outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "INVALID_PARAMETER",
            "Invalid parameter",
            "includeResolvedAllergies is required",
        );
    }
    let Some(id) = params.iter().find(|x| x["name"] == "patientNHSNumber") else {
        return outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "INVALID_PARAMETER",
            "Invalid parameter",
            "patientNHSNumber missing",
        );
    };
    if id["valueIdentifier"]["system"] != "https://fhir.nhs.uk/Id/nhs-number" {
        return outcome(
            StatusCode::BAD_REQUEST,
            "value",
            "INVALID_IDENTIFIER_SYSTEM",
            "Invalid identifier system",
            "",
        );
    }
    let nhs = id["valueIdentifier"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if crossview::NhsNumber::parse(&nhs).is_err() {
        return outcome(
            StatusCode::BAD_REQUEST,
            "value",
            "INVALID_NHS_NUMBER",
            "Invalid NHS number",
            "",
        );
    }
    match s.lock().unwrap().records.get(&nhs) {
        Some(bundle) => (
            [("content-type", "application/fhir+json; charset=utf-8")],
            bundle.to_string(),
        )
            .into_response(),
        None => outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            "PATIENT_NOT_FOUND",
            "Patient not found",
            "",
        ),
    }
}

impl GpConnectServer {
    pub async fn start(path: &str) -> GpConnectServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}{path}", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared {
            base: base.clone(),
            ..Shared::default()
        }));
        let app = Router::new()
            .route(&format!("{path}/metadata"), get(metadata))
            .route(
                &format!("{path}/Patient/$gpc.getstructuredrecord"),
                post(structured),
            )
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        GpConnectServer { base, shared }
    }

    /// Answers the structured record of `nhs` with this Bundle.
    pub fn serve(&self, nhs: &str, bundle: Value) {
        self.shared
            .lock()
            .unwrap()
            .records
            .insert(nhs.to_string(), bundle);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().seen.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.shared.lock().unwrap().refused.clone()
    }

    /// A configuration file with this provider as a GP Connect endpoint.
    pub fn config(&self, dir: &std::path::Path, to_asid: &str) -> std::path::PathBuf {
        let text = format!(
            "[[endpoint]]\nname = \"Riverside Surgery\"\nkind = \"gp\"\nbase_url = \"{}\"\ninterface = \"gp-connect\"\ntimeout_s = 5\n\n[endpoint.gp_connect]\nfrom_asid = \"{FROM_ASID}\"\nto_asid = \"{to_asid}\"\nconsumer_ods = \"{ODS}\"\npractitioner_id = \"{PRACTITIONER}\"\npractitioner_name = \"Dr Ann Example\"\n",
            self.base
        );
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}
