//! The interaction checks: each thing Crossview relies on, as declared in the
//! CapabilityStatement and as the server really behaves when tried (servers
//! may silently ignore a search parameter they do not support).

use serde_json::Value;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{CheckStatus, CheckStep, ConnectionReport};
use crate::config::GpConnectConfig;
use crate::error::UiError;
use crate::fhir::FhirClient;
use crate::fhir::bundle::{Page, SearchMode};
use crate::fhir::capability::Capabilities;
use crate::fhir::client::Call;
use crate::gpconnect::request::{INTERACTION_ID, OPERATION_PATH, headers, parameters};
use crate::nhs_number::{NHS_NUMBER_SYSTEM, NhsNumber};

/// A patient id no server holds: searches by it must come back empty.
const NO_SUCH_PATIENT: &str = "crossview-doctor-no-such-patient";
/// An NHS number from the test range (valid check digit) used to try searches.
const PROBE_NHS: &str = "9999999999";

/// What each searched type means on screen.
fn words(ty: &str) -> &'static str {
    match ty {
        "AllergyIntolerance" => "allergies",
        "MedicationRequest" => "prescriptions and medicine orders",
        "MedicationStatement" => "medicine statements",
        "Encounter" => "admissions and visits",
        "Composition" => "discharge summaries",
        "DocumentReference" => "letters and documents",
        "Condition" => "problems and diagnoses",
        _ => "other entries",
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A GP Connect request: its interaction's headers, made anew per attempt.
pub(super) fn gp_call(
    cfg: &GpConnectConfig,
    client: &FhirClient,
    body: Option<String>,
    interaction: &'static str,
) -> Call {
    let cfg = cfg.clone();
    let audience = client.base().to_string();
    Call {
        body,
        headers: Arc::new(move || headers(&cfg, &audience, unix_now(), interaction)),
    }
}

async fn first_page(
    client: &FhirClient,
    ty: &str,
    query: &[(&str, &str)],
) -> Result<Page, UiError> {
    let mut pager = client.search(ty, query)?;
    Ok(pager.next_page().await?.unwrap_or(Page {
        entries: Vec::new(),
        next: None,
        bytes: 0,
    }))
}

fn matches(page: &Page) -> usize {
    page.entries
        .iter()
        .filter(|e| e.mode != SearchMode::Outcome && !e.raw.contains("\"OperationOutcome\""))
        .count()
}

fn declared(yes: bool) -> &'static str {
    if yes { "declared" } else { "not declared" }
}

/// Plain FHIR REST: the searches a sync makes.
pub(super) async fn rest(client: &FhirClient, caps: &Capabilities, r: &mut ConnectionReport) {
    r.supports = std::iter::once("Patient")
        .chain(crate::sync::SEARCHED_TYPES.iter().copied())
        .map(|t| (t.to_string(), caps.supports(t)))
        .collect();

    // Finding the patient by NHS number.
    let name = "Patient search by NHS number";
    let decl = declared(caps.declares_search("Patient", "identifier"));
    let ident = format!("{NHS_NUMBER_SYSTEM}|{PROBE_NHS}");
    match first_page(
        client,
        "Patient",
        &[("identifier", &ident), ("_count", "5")],
    )
    .await
    {
        Err(e) => {
            r.fail(CheckStep::Interaction, name, e);
            r.will_not_show
                .push("anything: the patient cannot be found by NHS number".into());
            return;
        }
        Ok(page) => {
            let nhs = NhsNumber::parse(PROBE_NHS).ok();
            let others = page
                .entries
                .iter()
                .filter_map(|e| serde_json::from_str::<Value>(&e.raw).ok())
                .filter(|v| v.get("resourceType").and_then(Value::as_str) == Some("Patient"))
                .filter(|v| {
                    !nhs.as_ref()
                        .is_some_and(|n| crate::fhir::reference::patient_has_nhs_number(v, n))
                })
                .count();
            if others > 0 {
                r.add(
                    CheckStep::Interaction,
                    name,
                    CheckStatus::Warn,
                    format!("{decl}; tried: the server ignores the identifier parameter and returned {others} other patient(s). Crossview keeps only patients carrying the NHS number"),
                );
            } else {
                r.add(
                    CheckStep::Interaction,
                    name,
                    CheckStatus::Pass,
                    format!("{decl}; tried: answered with only matching patients"),
                );
            }
        }
    }

    // One search per type, by patient.
    let patient = format!("Patient/{NO_SUCH_PATIENT}");
    for ty in crate::sync::SEARCHED_TYPES.iter().chain(["Consent"].iter()) {
        let name = format!("{ty} search by patient");
        let decl = if caps.supports(ty) {
            declared(caps.declares_search(ty, "patient"))
        } else {
            "type not offered"
        };
        let consent = *ty == "Consent";
        match first_page(client, ty, &[("patient", &patient), ("_count", "1")]).await {
            Ok(page) if matches(&page) == 0 => {
                r.add(CheckStep::Interaction, &name, CheckStatus::Pass, format!("{decl}; tried: works"));
                if !consent {
                    r.will_show.push(format!("{} ({ty})", words(ty)));
                }
            }
            Ok(_) => {
                // Another patient's records for a patient that does not exist: a sync would be refused.
                let detail = format!("{decl}; tried: the server ignores the patient parameter and returned other patients' records, so syncs from this endpoint are refused");
                if consent {
                    r.add(CheckStep::Interaction, &name, CheckStatus::Warn, detail);
                } else {
                    r.fail(
                        CheckStep::Interaction,
                        &name,
                        UiError::new(crate::error::ErrorCode::NonConformantResource, detail),
                    );
                    r.will_not_show.push(format!("{} ({ty}): the search is not by patient", words(ty)));
                }
            }
            Err(e) if consent => r.add(
                CheckStep::Interaction,
                &name,
                CheckStatus::Warn,
                format!("{decl}; tried: {} — consents cannot be read, so restrictions they hold are not applied", e.message),
            ),
            Err(e) if !caps.supports(ty) => {
                r.add(CheckStep::Interaction, &name, CheckStatus::Warn, format!("{decl}; tried: {}", e.message));
                r.will_not_show.push(format!("{} ({ty}): not offered by this server", words(ty)));
            }
            Err(e) => {
                r.will_not_show.push(format!("{} ({ty}): {}", words(ty), e.message));
                r.fail(CheckStep::Interaction, &name, e);
            }
        }
    }

    // _include of medicines with their orders.
    let name = "_include=MedicationRequest:medication";
    let decl = declared(
        caps.resources
            .get("MedicationRequest")
            .is_some_and(|i| i.iter().any(|x| x == "MedicationRequest:medication")),
    );
    match first_page(
        client,
        "MedicationRequest",
        &[
            ("_include", "MedicationRequest:medication"),
            ("_count", "20"),
        ],
    )
    .await
    {
        Ok(page) => {
            let included = page
                .entries
                .iter()
                .filter(|e| e.mode == SearchMode::Include)
                .count();
            let referencing = page
                .entries
                .iter()
                .filter(|e| e.raw.contains("\"medicationReference\""))
                .count();
            let (status, detail) = match (included, referencing) {
                (n, _) if n > 0 => (
                    CheckStatus::Pass,
                    format!("{decl}; tried: {n} Medication(s) sent with their orders"),
                ),
                (_, 0) => (
                    CheckStatus::Skip,
                    format!("{decl}; not confirmed: no order naming a Medication to try it on"),
                ),
                _ => (
                    CheckStatus::Warn,
                    format!(
                        "{decl}; tried: ignored — Crossview reads each named Medication one by one (slower)"
                    ),
                ),
            };
            r.add(CheckStep::Interaction, name, status, detail);
        }
        Err(e) => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Warn,
            format!("{decl}; tried: {}", e.message),
        ),
    }

    // Paging.
    let name = "paging (next links)";
    match client.search("Patient", &[("_count", "1")]) {
        Ok(mut pager) => {
            let first = pager.next_page().await;
            let detail = match first {
                Ok(Some(p)) if p.next.is_some() => match pager.next_page().await {
                    Ok(_) => (
                        CheckStatus::Pass,
                        "tried: a next link was followed".to_string(),
                    ),
                    Err(e) => (
                        CheckStatus::Fail,
                        format!("tried: the next link failed: {}", e),
                    ),
                },
                Ok(_) => (
                    CheckStatus::Skip,
                    "not confirmed: one page held everything".to_string(),
                ),
                Err(e) => (CheckStatus::Warn, format!("tried: {e}")),
            };
            if detail.0 == CheckStatus::Fail {
                r.fail(
                    CheckStep::Interaction,
                    name,
                    UiError::new(crate::error::ErrorCode::PagingLoop, detail.1),
                );
                r.will_not_show
                    .push("records beyond the first page of each search".into());
            } else {
                r.add(CheckStep::Interaction, name, detail.0, detail.1);
            }
        }
        Err(e) => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Warn,
            e.to_string(),
        ),
    }

    // _lastUpdated (incremental sync).
    let name = "_lastUpdated search";
    match first_page(
        client,
        "Patient",
        &[("_lastUpdated", "gt2999-01-01"), ("_count", "1")],
    )
    .await
    {
        Ok(page) if matches(&page) == 0 => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Pass,
            "tried: nothing is newer than the year 2999, as it should be",
        ),
        Ok(_) => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Warn,
            "tried: ignored by the server (it returned records updated before the date asked)",
        ),
        Err(e) => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Warn,
            format!("tried: {}", e.message),
        ),
    }
    if r.will_show.is_empty() && r.ok {
        r.will_not_show
            .push("nothing of the record: no search by patient works".into());
    }
}

/// GP Connect: the structured record operation, with the consumer headers and JWT.
pub(super) async fn gp_connect(
    client: &FhirClient,
    cfg: &GpConnectConfig,
    caps: &Capabilities,
    r: &mut ConnectionReport,
) {
    let name = "$gpc.getstructuredrecord";
    let decl = declared(
        caps.operations
            .iter()
            .any(|o| o == "gpc.getstructuredrecord"),
    );
    let url = match client.url(OPERATION_PATH, &[]) {
        Ok(u) => u,
        Err(e) => {
            r.fail(CheckStep::Interaction, name, e.into());
            return;
        }
    };
    let Ok(nhs) = NhsNumber::parse(PROBE_NHS) else {
        return;
    };
    let call = gp_call(
        cfg,
        client,
        Some(parameters(&nhs).to_string()),
        INTERACTION_ID,
    );
    let shown = [
        "allergies, current and ended (AllergyIntolerance)",
        "medicines with their issues (MedicationStatement, MedicationRequest)",
        "problems (Condition)",
        "consultations (Encounter)",
    ];
    match client.call(&url, call).await {
        Ok(_) => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Pass,
            format!("{decl}; tried with a test NHS number: answered with a record; headers and JWT accepted"),
        ),
        Err(crate::fhir::FhirError::Http {
            status: 404,
            diagnostics: Some(d),
            ..
        }) if d.contains("PATIENT_NOT_FOUND") => r.add(
            CheckStep::Interaction,
            name,
            CheckStatus::Pass,
            format!("{decl}; tried with a test NHS number: PATIENT_NOT_FOUND, as expected; headers and JWT accepted"),
        ),
        Err(e) => {
            r.fail(CheckStep::Interaction, name, e.into());
            r.will_not_show.push("the GP record: the structured record request is refused".into());
            return;
        }
    }
    r.will_show.extend(shown.iter().map(|s| s.to_string()));
    r.will_not_show.push(
        "discharge summaries and documents (GP Connect Access Record: Structured does not carry them)".into(),
    );
}
