//! Finding a patient by family name and date of birth at every endpoint, when
//! the NHS number is not to hand. Only records that really match and carry a
//! valid NHS number are offered: a server that ignores the search parameters
//! must not offer everyone.

use serde::Serialize;
use serde_json::Value;

use crate::config::Endpoint;
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirClient;
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};

/// Most matches asked of one endpoint.
const MAX_MATCHES: &str = "50";

/// A patient found by family name and date of birth, with the sources that know them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientMatch {
    pub nhs_number: String,
    pub family: Option<String>,
    pub given: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub sources: Vec<String>,
}

/// Matches from every endpoint, and the endpoints that could not be searched.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientSearch {
    pub matches: Vec<PatientMatch>,
    pub failures: Vec<(String, UiError)>,
}

/// The patient as a search match, when it really has this family name (prefix,
/// any case), this birth date and a valid NHS number.
pub fn match_patient(p: &Value, family: &str, birth_date: &str) -> Option<PatientMatch> {
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
            (i.get("system").and_then(Value::as_str) == Some(NHS_NUMBER_SYSTEM))
                .then(|| i.get("value").and_then(Value::as_str))
                .flatten()
                .and_then(|v| NhsNumber::parse(v).ok())
        })?;
    let name = names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or_else(|| names.first());
    Some(PatientMatch {
        nhs_number: nhs.as_str().to_string(),
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
        sources: Vec::new(),
    })
}

/// Checks what a person typed before anything is sent.
pub fn validate(family: &str, birth_date: &str) -> Result<(), UiError> {
    if family.trim().is_empty() {
        return Err(UiError::new(ErrorCode::InvalidInput, "Enter a family name"));
    }
    if chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d").is_err() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            format!("Date of birth \"{birth_date}\" is not a date (yyyy-mm-dd)"),
        ));
    }
    Ok(())
}

async fn search_one(ep: &Endpoint, family: &str, birth_date: &str) -> Result<Vec<Value>, UiError> {
    // A person is waiting: the short, interactive deadline.
    let client = FhirClient::interactive(ep)?;
    let mut pager = client.search(
        "Patient",
        &[
            ("family", family),
            ("birthdate", birth_date),
            ("_count", MAX_MATCHES),
        ],
    )?;
    let page = pager.next_page().await?;
    Ok(page
        .map(|p| p.entries)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| serde_json::from_str(&e.raw).ok())
        .collect())
}

/// Searches every endpoint at once; one that fails is listed, never hides the others' matches.
pub async fn search(
    endpoints: &[Endpoint],
    family: &str,
    birth_date: &str,
) -> Result<PatientSearch, UiError> {
    validate(family, birth_date)?;
    let family = family.trim();
    let searches = endpoints.iter().map(|ep| async move {
        (
            ep.name().to_string(),
            search_one(ep, family, birth_date).await,
        )
    });
    let mut out = PatientSearch {
        matches: Vec::new(),
        failures: Vec::new(),
    };
    for (source, found) in futures_util::future::join_all(searches).await {
        let patients = match found {
            Ok(p) => p,
            Err(e) => {
                out.failures.push((source, e));
                continue;
            }
        };
        for m in patients
            .iter()
            .filter_map(|p| match_patient(p, family, birth_date))
        {
            match out
                .matches
                .iter_mut()
                .find(|x| x.nhs_number == m.nhs_number)
            {
                Some(existing) => existing.sources.push(source.clone()),
                None => out.matches.push(PatientMatch {
                    sources: vec![source.clone()],
                    ..m
                }),
            }
        }
    }
    Ok(out)
}
