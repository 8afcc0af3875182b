//! A patient's record: read from the cache (instant, offline), synced from the
//! endpoints, and the views every front renders.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

use super::{App, parse_nhs};
use crate::banner::{Banner, banner};
use crate::discharge::{DischargeRecord, DischargeView, discharge_view, discharges};
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirVersion;
use crate::patient_search::{self, PatientSearch};
use crate::reconcile::{self, RECENT_DAYS, SUMMARY_TYPES, Summary};
use crate::sources::Sources;
use crate::store::{SourceStatus, Store, SyncLock, TimelineFilter};
use crate::sync::{ProgressSink, SyncReport, sync_patient};
use crate::timeline::inspect::inspect_file;
use crate::timeline::{EventKind, TimelineEvent};

/// Everything the screen shows for a patient, read from the cache.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientView {
    pub nhs_number: String,
    pub banner: Banner,
    /// The reconciled summary (shown first).
    pub summary: Summary,
    pub events: Vec<TimelineEvent>,
    pub sources: Vec<SourceStatus>,
    /// Every configured endpoint failed at its last attempt (or none was ever reached).
    pub offline: bool,
    /// Oldest "data as of" among the sources shown, for the offline banner.
    pub oldest_data: Option<String>,
}

/// The cached record as the command line prints it.
pub type RecordView = PatientView;

/// Which timeline entries to return.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
    /// Sources by name or id; empty: every source.
    pub sources: Vec<String>,
}

/// What the timeline makes of one resource in a file (`crossview inspect`).
#[derive(Debug, Clone, Serialize)]
pub struct InspectedResource {
    pub file: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub kind: Option<EventKind>,
    pub date: Option<String>,
    pub date_display: String,
    pub title: Option<String>,
    pub status: Option<String>,
    pub entered_in_error: Option<bool>,
}

impl App {
    pub(super) fn sources_of(&self, store: &Store, nhs: &str) -> Result<Sources, UiError> {
        Ok(Sources::new(
            store.sources(nhs)?,
            &self.endpoints_now(),
            chrono::Utc::now(),
            self.freshness,
            SyncLock::is_held(&self.data_dir),
        ))
    }

    /// Names each event's source as configured now, and marks entries from stale sources.
    pub(super) fn named(events: &mut [TimelineEvent], sources: &Sources) {
        for e in events {
            e.source = sources.name(&e.source_id);
            e.stale = sources.is_stale(&e.source_id);
        }
    }

    /// The cached record, instantly; no network.
    pub fn open_patient(&self, nhs: &str) -> Result<PatientView, UiError> {
        self.record(nhs, &TimelineQuery::default())
    }

    /// The cached record with the timeline filtered.
    pub fn record(&self, nhs: &str, query: &TimelineQuery) -> Result<RecordView, UiError> {
        let nhs = parse_nhs(nhs)?;
        let store = self.store()?;
        let key = nhs.as_str();
        let sources = self.sources_of(&store, key)?;
        let filter = TimelineFilter {
            kinds: query.kinds.clone(),
            sources: self.source_ids(&sources, &query.sources)?,
        };
        let mut events = store.timeline(key, &filter)?;
        Self::named(&mut events, &sources);
        let summary = self.summary_from(&store, &sources, key)?;
        let statuses = sources.statuses();
        let oldest_data = statuses.iter().filter_map(|s| s.last_success.clone()).min();
        Ok(PatientView {
            nhs_number: key.to_string(),
            banner: banner(&summary),
            summary,
            events,
            offline: sources.all_offline(),
            sources: statuses,
            oldest_data,
        })
    }

    fn summary_from(
        &self,
        store: &Store,
        sources: &Sources,
        nhs: &str,
    ) -> Result<Summary, UiError> {
        let resources = store.patient_resources(nhs, SUMMARY_TYPES)?;
        Ok(reconcile::summarise(&reconcile::Input {
            nhs,
            resources: &resources,
            sources,
            today: crate::display::today(),
            recent_days: RECENT_DAYS,
        }))
    }

    /// The reconciled summary: current allergies and medicines across every source, with flags.
    pub fn summary(&self, nhs: &str) -> Result<Summary, UiError> {
        let nhs = parse_nhs(nhs)?;
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs.as_str())?;
        self.summary_from(&store, &sources, nhs.as_str())
    }

    /// The banner alone (what the command line prints above the timeline).
    pub fn banner(&self, nhs: &str) -> Result<Banner, UiError> {
        Ok(banner(&self.summary(nhs)?))
    }

    /// Every discharge: the stay, its documents in full, and its medicine changes against the GP's list.
    pub fn discharges(&self, nhs: &str) -> Result<Vec<DischargeRecord>, UiError> {
        let nhs = parse_nhs(nhs)?;
        let key = nhs.as_str();
        let store = self.store()?;
        let sources = self.sources_of(&store, key)?;
        let resources = store.patient_resources(key, &DISCHARGE_TYPES)?;
        let input = reconcile::Input {
            nhs: key,
            resources: &resources,
            sources: &sources,
            today: crate::display::today(),
            recent_days: RECENT_DAYS,
        };
        let found = discharges(&store, &sources, key, &resources)?;
        Ok(found
            .into_iter()
            .map(|mut f| {
                let changes = reconcile::discharge_changes(
                    &input,
                    &f.medicine_refs,
                    f.record.date.as_deref(),
                );
                for d in &mut f.record.documents {
                    if d.kind == crate::discharge::DocumentKind::DischargeSummary {
                        d.medication_changes = Some(changes.clone());
                    }
                }
                f.record.medication_changes = changes;
                f.record
            })
            .collect())
    }

    /// The cached timeline, newest first.
    pub fn timeline(
        &self,
        nhs: &str,
        query: &TimelineQuery,
    ) -> Result<Vec<TimelineEvent>, UiError> {
        let nhs = parse_nhs(nhs)?;
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs.as_str())?;
        let filter = TimelineFilter {
            kinds: query.kinds.clone(),
            sources: self.source_ids(&sources, &query.sources)?,
        };
        let mut events = store.timeline(nhs.as_str(), &filter)?;
        Self::named(&mut events, &sources);
        Ok(events)
    }

    /// Per source: last success, last attempt and its outcome.
    pub fn sources(&self, nhs: &str) -> Result<Vec<SourceStatus>, UiError> {
        let nhs = parse_nhs(nhs)?;
        let store = self.store()?;
        Ok(self.sources_of(&store, nhs.as_str())?.statuses())
    }

    /// Source ids for names or ids given by a person (configured endpoints and cached sources).
    fn source_ids(&self, sources: &Sources, wanted: &[String]) -> Result<Vec<String>, UiError> {
        let configured = self.endpoints_now();
        wanted
            .iter()
            .map(|w| {
                configured
                    .iter()
                    .find(|ep| ep.name() == w || ep.id() == *w)
                    .map(|ep| ep.id())
                    .or_else(|| {
                        sources
                            .statuses()
                            .into_iter()
                            .find(|s| s.source == *w || s.source_id == *w)
                            .map(|s| s.source_id)
                    })
                    .ok_or_else(|| {
                        UiError::new(
                            ErrorCode::InvalidInput,
                            format!("no source called \"{w}\" is configured or cached"),
                        )
                    })
            })
            .collect()
    }

    fn source_id(&self, nhs: &str, source: &str) -> Result<String, UiError> {
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs)?;
        Ok(self
            .source_ids(&sources, &[source.to_string()])?
            .swap_remove(0))
    }

    /// Pulls the patient's record from every endpoint into the cache.
    pub async fn sync(
        &self,
        nhs: &str,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<SyncReport, UiError> {
        let nhs = parse_nhs(nhs)?;
        let endpoints = self.endpoints_for_network().await?;
        Ok(sync_patient(&endpoints, &self.data_dir, &nhs, progress).await?)
    }

    /// One cached resource exactly as its server sent it (`source`: name or id).
    pub fn resource_json(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<String, UiError> {
        let nhs = parse_nhs(nhs)?;
        let source_id = self.source_id(nhs.as_str(), source)?;
        self.store()?
            .resource_json(nhs.as_str(), &source_id, resource_type, id)?
            .ok_or_else(|| not_cached(source, resource_type, id))
    }

    /// The reader's view of a discharge summary or other document (`source`: name or id).
    pub fn discharge(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<DischargeView, UiError> {
        let nhs = parse_nhs(nhs)?;
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs.as_str())?;
        let source_id = self
            .source_ids(&sources, &[source.to_string()])?
            .swap_remove(0);
        let mut view = discharge_view(
            &store,
            &sources,
            nhs.as_str(),
            &source_id,
            resource_type,
            id,
        )?
        .ok_or_else(|| not_cached(source, resource_type, id))?;
        if view.kind == crate::discharge::DocumentKind::DischargeSummary {
            // The changes panel at the top of the reader.
            view.medication_changes = self
                .discharges(nhs.as_str())?
                .into_iter()
                .find(|d| {
                    d.source_id == source_id
                        && d.documents
                            .iter()
                            .any(|x| x.resource_type == resource_type && x.resource_id == id)
                })
                .map(|d| d.medication_changes);
        }
        Ok(view)
    }

    /// Finds patients by family name and date of birth (`yyyy-mm-dd`) at every endpoint.
    pub async fn find_patients(
        &self,
        family: &str,
        birth_date: &str,
    ) -> Result<PatientSearch, UiError> {
        patient_search::validate(family, birth_date)?;
        let endpoints = self.endpoints_for_network().await?;
        patient_search::search(&endpoints, family, birth_date).await
    }

    /// Re-derives the timeline rows from the cached raw JSON (waits for no sync; refuses during one).
    pub fn rebuild(&self) -> Result<usize, UiError> {
        let _lock = SyncLock::acquire(&self.data_dir)?;
        Ok(self.store()?.rebuild_derived()?)
    }

    /// Shows the data a source's last sync returned after it was kept aside as suspect
    /// (a person has checked that the entries really went). False when there was none.
    pub fn accept_suspect(&self, nhs: &str, source: &str) -> Result<bool, UiError> {
        let nhs = parse_nhs(nhs)?;
        let id = self.source_id(nhs.as_str(), source)?;
        let _lock = SyncLock::acquire(&self.data_dir)?;
        Ok(self.store()?.accept_suspect(nhs.as_str(), &id)?)
    }

    /// Removes every cached row of a source (by name or id) for every patient.
    pub fn purge_source(&self, source: &str) -> Result<usize, UiError> {
        let _lock = SyncLock::acquire(&self.data_dir)?;
        let id = self
            .endpoints_now()
            .iter()
            .find(|e| e.name() == source)
            .map_or_else(|| source.to_string(), |e| e.id());
        Ok(self.store()?.purge_endpoint(&id)?)
    }

    /// What the timeline would make of FHIR JSON files; no cache involved.
    pub fn inspect(
        files: &[PathBuf],
        version: FhirVersion,
    ) -> (Vec<InspectedResource>, Vec<UiError>) {
        let mut found = Vec::new();
        let mut errors = Vec::new();
        for f in files {
            match inspect_file(f, version) {
                Ok(resources) => found.extend(resources.into_iter().map(|r| {
                    let e = r.event.as_ref();
                    InspectedResource {
                        file: f.display().to_string(),
                        resource_type: r.resource_type.clone(),
                        resource_id: r.id.clone(),
                        kind: e.map(|e| e.kind),
                        date: e.and_then(|e| e.date.clone()),
                        date_display: crate::display::date_or_not_known(
                            e.and_then(|e| e.date.as_deref()),
                        ),
                        title: e.and_then(|e| e.title.clone()),
                        status: e.and_then(|e| e.status.clone()),
                        entered_in_error: e.map(|e| e.entered_in_error),
                    }
                })),
                Err(e) => errors.push(e.into()),
            }
        }
        (found, errors)
    }
}

/// What the discharge views are built from.
const DISCHARGE_TYPES: [&str; 6] = [
    "Encounter",
    "Composition",
    "DocumentReference",
    "MedicationRequest",
    "MedicationStatement",
    "Medication",
];

fn not_cached(source: &str, resource_type: &str, id: &str) -> UiError {
    UiError::new(
        ErrorCode::NotInCache,
        format!("{resource_type}/{id} from {source} is not in the cache"),
    )
}
