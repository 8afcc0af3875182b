//! Whether a sync may fetch only what changed since the shown data was read
//! (`_lastUpdated`, else conditional searches), or must fetch everything.

use std::collections::BTreeSet;

use super::INCREMENTAL_OVERLAP_SECONDS;
use super::endpoint::EndpointSync;
use crate::error::UiError;
use crate::fhir::bundle::SearchMode;
use crate::fhir::reference::PatientIdentity;
use crate::fhir::{FhirClient, FhirVersion};
use crate::store::{DeltaBasis, Fetch};

impl EndpointSync {
    /// Whether this run may fetch only what changed since the shown data was
    /// read (sets `summary.fetch`, and returns the shown run it builds on):
    /// with `_lastUpdated` where the server honours it, else with conditional
    /// searches where the last full answers carried validators, else in full.
    /// Anything that could change what is kept beyond the changed resources
    /// themselves (the patient's records, consents, the purpose, the types
    /// offered, the version, the address) makes it full, and so does age.
    pub(super) async fn plan(
        &mut self,
        client: &FhirClient,
        identity: &PatientIdentity,
        version: FhirVersion,
        types: &BTreeSet<String>,
    ) -> Result<Option<DeltaBasis>, UiError> {
        let full = |me: &mut Self, why: String| {
            me.fetch_note = why;
            Ok(None)
        };
        if self.options.full {
            return full(self, "a full sync was asked for".into());
        }
        if self.ep.full_sync_hours == 0 {
            return full(
                self,
                "every sync of this source is full (full_sync_hours = 0)".into(),
            );
        }
        let (patient, endpoint) = (self.nhs.as_str().to_string(), self.ep.id());
        let Some(basis) = self
            .writer
            .run(move |s| s.delta_basis(&patient, &endpoint))
            .await?
        else {
            return full(self, "no earlier complete sync of this patient here".into());
        };
        let due = basis
            .full_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| {
                chrono::Utc::now().signed_duration_since(t)
                    > chrono::Duration::hours(
                        i64::try_from(self.ep.full_sync_hours).unwrap_or(i64::MAX),
                    )
            });
        let why = if basis.origin != self.ep.origin() {
            Some("the source's address changed".to_string())
        } else if basis.fhir_version.as_deref() != Some(version.as_str()) {
            Some("the source's FHIR version changed".into())
        } else if !same_set(&identity.ids, &basis.patient_ids) {
            Some("the patient's records at this source changed".into())
        } else if !same_set(&self.summary.not_offered, &basis.not_offered) {
            Some("the record types the server offers changed".into())
        } else if basis.basis.is_none() || basis.basis != self.summary.basis {
            Some("the patient's consents (or the purpose of access) changed".into())
        } else if due {
            Some(format!(
                "a full sync is due (every {} h, to find what the source deleted)",
                self.ep.full_sync_hours
            ))
        } else {
            None
        };
        if let Some(why) = why {
            return full(self, why);
        }
        let Some(since) = basis
            .server_time
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    - chrono::Duration::seconds(INCREMENTAL_OVERLAP_SECONDS)
            })
        else {
            return full(
                self,
                "the last sync did not record the server's time".into(),
            );
        };
        // Tried, not taken from /metadata alone: a server that ignores the
        // parameter would answer everything, and deletions would go unseen.
        if !self.honours_last_updated(client, &identity.ids[0]).await? {
            // One patient record only: a type's rows cannot be told apart by record.
            if identity.ids.len() == 1 && types.iter().all(|t| basis.validators.contains_key(t)) {
                self.summary.fetch = Fetch::Conditional { base: basis.run };
                self.fetch_note = "searches asked \"only if changed\"".into();
                return Ok(Some(basis));
            }
            self.summary.warnings.push(
                "the server ignores _lastUpdated and gave no ETag or Last-Modified to search with, so every sync of it is a full sync".into(),
            );
            return full(self, "the server ignores _lastUpdated".into());
        }
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.fetch_note = format!("only what changed since {since} (server time)");
        self.summary.fetch = Fetch::Incremental {
            base: basis.run,
            since,
        };
        Ok(Some(basis))
    }

    /// True when asking for this patient's record changed after the year 2999
    /// returns nothing.
    async fn honours_last_updated(
        &self,
        client: &FhirClient,
        patient_id: &str,
    ) -> Result<bool, UiError> {
        let mut pager = client.search(
            "Patient",
            &[
                ("_id", patient_id),
                ("_lastUpdated", "gt2999-01-01T00:00:00Z"),
                ("_count", "1"),
            ],
        )?;
        Ok(match pager.next_page().await? {
            None => true,
            Some(page) => !page.entries.iter().any(|e| e.mode == SearchMode::Match),
        })
    }
}

/// A digest of what decides which resources are kept: the access purpose,
/// the version and every Consent exactly as sent (in a stable order).
pub(super) fn basis_digest<'a>(
    purpose: &str,
    version: FhirVersion,
    consents: impl IntoIterator<Item = &'a str>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut raw: Vec<&str> = consents.into_iter().collect();
    raw.sort_unstable();
    let mut h = Sha256::new();
    h.update(purpose.as_bytes());
    h.update([0]);
    h.update(version.as_str().as_bytes());
    for c in raw {
        h.update([0]);
        h.update(c.as_bytes());
    }
    hex::encode(h.finalize())
}

pub(super) fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}
