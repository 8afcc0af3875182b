//! The sources of one patient's record as the fronts name them: what is cached
//! (from the store) joined with what is configured now and the clock. One place
//! decides a source's display name, whether it is still configured at the same
//! address, how fresh its data is, and whether it can vouch for the patient's
//! allergies, so that every view says the same.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::gpconnect::ListNoteKind;
use std::collections::BTreeMap;

use crate::config::Endpoint;
use crate::store::{RunOutcome, SourceState, SourceStatus};

/// Why a configured source cannot vouch for part of the record.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceGap {
    pub source: String,
    pub source_id: String,
    /// Plain words: "its last sync failed (EndpointUnreachable)", "it did not find the patient", …
    pub reason: String,
}

/// What is known about each source of one patient's record.
#[derive(Debug, Clone)]
pub struct Sources {
    by_id: BTreeMap<String, SourceStatus>,
    configured: Vec<String>,
    freshness: Duration,
    /// Restricted entries masked from this view, per source and type.
    masked: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            by_id: BTreeMap::new(),
            configured: Vec::new(),
            freshness: Duration::hours(crate::config::DEFAULT_FRESHNESS_HOURS as i64),
            masked: BTreeMap::new(),
        }
    }
}

fn parse_time(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Sources {
    /// Joins the cached statuses with the configured endpoints: configured names
    /// replace the names stored at sync time; data whose endpoint is gone or now
    /// points elsewhere is marked as no longer configured; a configured endpoint
    /// never synced for this patient is listed as such; data older than
    /// `freshness` is old. `sync_running` says whether a sync holds the cache now
    /// (a run left `running` without one was interrupted).
    pub fn new(
        statuses: Vec<SourceStatus>,
        configured: &[Endpoint],
        now: DateTime<Utc>,
        freshness: Duration,
        sync_running: bool,
    ) -> Sources {
        let mut by_id = BTreeMap::new();
        for mut s in statuses {
            if s.last_outcome == RunOutcome::Running && !sync_running {
                s.last_outcome = RunOutcome::Interrupted;
                s.state = SourceState::Interrupted;
                s.last_error
                    .get_or_insert_with(|| "the sync was interrupted before it finished".into());
            }
            match configured.iter().find(|ep| ep.id() == s.source_id) {
                Some(ep) => {
                    s.source = ep.name().to_string();
                    s.source_kind = ep.kind;
                    // Data from another address is not this endpoint's data.
                    if let Some(origin) = s.data_origin.clone()
                        && origin != ep.origin()
                    {
                        s.configured = false;
                        s.source = format!("{} (previous address {origin})", ep.name());
                    }
                }
                None => {
                    s.configured = false;
                    s.source = format!("{} (no longer configured)", s.source);
                }
            }
            if !s.configured {
                s.state = SourceState::NotConfigured;
            } else if s.state == SourceState::Fresh
                && s.last_success
                    .as_deref()
                    .and_then(parse_time)
                    .is_none_or(|t| now - t > freshness)
            {
                s.state = SourceState::Old;
            }
            let data_old = s
                .last_success
                .as_deref()
                .and_then(parse_time)
                .is_none_or(|t| now - t > freshness);
            s.stale = match s.state {
                SourceState::Fresh => false,
                // While a sync runs, what is shown is as good as its age.
                SourceState::Syncing => data_old,
                _ => true,
            };
            by_id.insert(s.source_id.clone(), s);
        }
        for ep in configured {
            by_id.entry(ep.id()).or_insert_with(|| never_synced(ep));
        }
        Sources {
            by_id,
            configured: configured.iter().map(Endpoint::id).collect(),
            freshness,
            masked: BTreeMap::new(),
        }
    }

    /// The source's display name (the id itself if nothing is known of it).
    pub fn name(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map_or_else(|| id.to_string(), |s| s.source.clone())
    }

    pub fn get(&self, id: &str) -> Option<&SourceStatus> {
        self.by_id.get(id)
    }

    pub fn is_stale(&self, id: &str) -> bool {
        self.by_id.get(id).is_none_or(|s| s.stale)
    }

    /// When the data shown from a source was read.
    pub fn as_of(&self, id: &str) -> Option<String> {
        self.by_id.get(id).and_then(|s| s.last_success.clone())
    }

    /// Every source, in display-name order.
    pub fn statuses(&self) -> Vec<SourceStatus> {
        let mut v: Vec<SourceStatus> = self.by_id.values().cloned().collect();
        v.sort_by(|a, b| a.source.cmp(&b.source).then(a.source_id.cmp(&b.source_id)));
        v
    }

    /// True when every configured endpoint failed at its last attempt (or none was ever reached).
    pub fn all_offline(&self) -> bool {
        !self.configured.is_empty()
            && self.configured.iter().all(|id| {
                self.by_id.get(id).is_some_and(|s| {
                    matches!(s.last_outcome, RunOutcome::Failed | RunOutcome::Interrupted)
                })
            })
    }

    /// True when any configured source has nothing cached yet and a sync is running:
    /// the record is still loading, so absence of data means nothing yet.
    pub fn loading(&self) -> bool {
        self.by_id
            .values()
            .any(|s| s.state == SourceState::Syncing && s.last_success.is_none())
    }

    /// Configured sources that cannot vouch for `resource_type` for this patient, and why:
    /// never synced, last sync failed, interrupted or kept aside, patient not found,
    /// type not offered, data older than the freshness limit, or still loading.
    /// Notes that a restricted entry of this source is masked from the view.
    pub fn add_masked(&mut self, source_id: &str, resource_type: &str) {
        *self
            .masked
            .entry(source_id.to_string())
            .or_default()
            .entry(resource_type.to_string())
            .or_default() += 1;
    }

    /// Entries of these types from this source that are masked, or withheld by consent.
    fn hidden(&self, s: &SourceStatus, types: &[&str]) -> (u64, u64) {
        let masked = self
            .masked
            .get(&s.source_id)
            .map_or(0, |m| types.iter().filter_map(|t| m.get(*t)).sum::<u64>());
        let withheld = s
            .consent
            .iter()
            .filter(|n| n.applied)
            .flat_map(|n| types.iter().filter_map(|t| n.withheld.get(*t)))
            .sum::<u64>();
        (masked, withheld)
    }

    /// What sources' lists say about an empty part of the record without
    /// anything being missing ("no content recorded"): shown beside the
    /// statement, never read as "no known allergies".
    pub fn list_notes(&self, resource_type: &str) -> Vec<SourceGap> {
        self.configured
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .filter(|s| s.last_success.is_some())
            .flat_map(|s| {
                s.list_notes
                    .iter()
                    .filter(|n| {
                        n.kind == ListNoteKind::Empty && n.types.iter().any(|t| t == resource_type)
                    })
                    .map(|n| SourceGap {
                        source: s.source.clone(),
                        source_id: s.source_id.clone(),
                        reason: format!("{}: {}", n.list, n.text),
                    })
            })
            .collect()
    }

    pub fn gaps(&self, resource_type: &str, what: &str) -> Vec<SourceGap> {
        // Medicines arrive as statements and as orders.
        let single = [resource_type];
        let types: &[&str] = match resource_type {
            "MedicationStatement" | "MedicationRequest" => {
                &["MedicationStatement", "MedicationRequest"]
            }
            _ => &single,
        };
        let hours = self.freshness.num_hours();
        let mut out = Vec::new();
        for id in &self.configured {
            let Some(s) = self.by_id.get(id) else {
                continue;
            };
            let code = s
                .last_error_code
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let reason = match s.state {
                SourceState::Never => Some("it has never been synced for this patient".to_string()),
                SourceState::Failed => Some(format!("its last sync failed{code}")),
                SourceState::Interrupted => Some("its last sync was interrupted".to_string()),
                SourceState::Suspect => Some(
                    "its last sync was kept aside because entries disappeared without explanation"
                        .to_string(),
                ),
                SourceState::Syncing if s.last_success.is_none() => {
                    Some("it is still loading".to_string())
                }
                SourceState::NotConfigured => None,
                SourceState::Old => Some(format!(
                    "its data is older than {hours} hours (as of {})",
                    s.last_success
                        .as_deref()
                        .map(crate::display::instant)
                        .unwrap_or_else(|| crate::display::NOT_KNOWN.into())
                )),
                _ if s.patients_found == 0 && s.last_success.is_some() => {
                    Some("it did not find the patient".to_string())
                }
                _ if s.not_offered.iter().any(|t| t == resource_type) => {
                    Some(format!("it does not offer {what} ({resource_type})"))
                }
                _ if s.list_notes.iter().any(|n| {
                    n.kind == ListNoteKind::Incomplete && n.types.iter().any(|t| t == resource_type)
                }) =>
                {
                    Some(
                        s.list_notes
                            .iter()
                            .filter(|n| {
                                n.kind == ListNoteKind::Incomplete
                                    && n.types.iter().any(|t| t == resource_type)
                            })
                            .map(|n| format!("{} ({}: {})", n.text, n.list, n.code))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                }
                _ => match self.hidden(s, types) {
                    (0, 0) => None,
                    (masked, 0) => Some(format!(
                        "{masked} restricted {} masked until revealed",
                        if masked == 1 {
                            "entry is"
                        } else {
                            "entries are"
                        }
                    )),
                    (_, withheld) => Some(format!(
                        "a consent restriction withholds {withheld} {} here",
                        if withheld == 1 { "entry" } else { "entries" }
                    )),
                },
            };
            if let Some(reason) = reason {
                out.push(SourceGap {
                    source: s.source.clone(),
                    source_id: s.source_id.clone(),
                    reason,
                });
            }
        }
        out
    }
}

fn never_synced(ep: &Endpoint) -> SourceStatus {
    SourceStatus {
        source_id: ep.id(),
        source: ep.name().to_string(),
        source_kind: ep.kind,
        base_url: ep.base_url.to_string(),
        data_origin: None,
        configured: true,
        last_success: None,
        last_attempt: None,
        last_outcome: RunOutcome::Never,
        last_error_code: None,
        last_error: None,
        fhir_version: None,
        counts: BTreeMap::new(),
        warnings: Vec::new(),
        not_offered: Vec::new(),
        consent: Vec::new(),
        list_notes: Vec::new(),
        patients_found: 0,
        state: SourceState::Never,
        stale: true,
    }
}
