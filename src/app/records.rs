//! A patient's record: read from the cache (instant, offline), synced from the
//! endpoints, and the views every front renders.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

use super::governance::Audited;
use super::{App, parse_nhs};
use crate::audit::AuditAction;
use crate::banner::{Banner, banner};
use crate::discharge::{DischargeRecord, DischargeView, discharge_view, discharges};
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirVersion;
use crate::patient_search::{self, PatientSearch};
use crate::reconcile::{self, RECENT_DAYS, SUMMARY_TYPES, Summary};
use crate::sources::Sources;
use crate::store::{SourceStatus, Store, SyncLock, TimelineFilter, TimelinePage};
use crate::sync::{ProgressSink, SyncOptions, SyncReport, sync_patient};
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
    /// The first page of the timeline with its counts; later pages come from
    /// [`App::timeline_page`], so the screen never receives the whole record.
    pub timeline: TimelinePage,
    pub sources: Vec<SourceStatus>,
    /// Every configured endpoint failed at its last attempt (or none was ever reached).
    pub offline: bool,
    /// Oldest "data as of" among the sources shown, for the offline banner.
    pub oldest_data: Option<String>,
}

/// Events in the first page of a record opened on screen.
pub const FIRST_PAGE: u64 = 200;

/// The cached record as the command line prints it: every matching entry.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    #[serde(flatten)]
    pub view: PatientView,
    pub events: Vec<TimelineEvent>,
}

/// Which timeline entries to return.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
    /// Sources by name or id; empty: every source.
    pub sources: Vec<String>,
    /// Inclusive date range (an entry's date overlapping it, to its precision).
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// A `yyyy-mm-dd` day typed on a screen, as a date-range bound; empty or
/// absent is no bound. `which` names the field in the error.
pub fn parse_day(text: Option<&str>, which: &str) -> Result<Option<chrono::NaiveDate>, UiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                UiError::new(
                    ErrorCode::InvalidInput,
                    format!("the \"{which}\" date must be a day as yyyy-mm-dd (got \"{t}\")"),
                )
            }),
    }
}

/// One timeline entry named by where it came from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct EntryKey {
    pub source_id: String,
    pub resource_type: String,
    pub resource_id: String,
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

    /// The store's filter for a query: sources named as configured now.
    fn filter_for(
        &self,
        sources: &Sources,
        query: &TimelineQuery,
    ) -> Result<TimelineFilter, UiError> {
        Ok(TimelineFilter {
            kinds: query.kinds.clone(),
            sources: self.source_ids(sources, &query.sources)?,
            from: query.from,
            to: query.to,
        })
    }

    /// The cached record as a person opening it sees it (the timeline's first
    /// page); no network, no audit.
    fn view(&self, nhs: &str) -> Result<(PatientView, Audited), UiError> {
        self.view_in(&self.store()?, nhs)
    }

    fn view_in(&self, store: &Store, nhs: &str) -> Result<(PatientView, Audited), UiError> {
        let mut sources = self.sources_of(store, nhs)?;
        let mut timeline =
            store.timeline_page(nhs, &TimelineFilter::default(), None, 0, FIRST_PAGE)?;
        Self::named(&mut timeline.events, &sources);
        self.mask_events(nhs, &mut timeline.events);
        let summary = self.summary_from(store, &mut sources, nhs)?;
        let statuses = sources.statuses();
        let oldest_data = statuses.iter().filter_map(|s| s.last_success.clone()).min();
        let audited = Audited::sources(shown_sources(&statuses));
        Ok((
            PatientView {
                nhs_number: nhs.to_string(),
                banner: banner(&summary),
                summary,
                timeline,
                offline: sources.all_offline(),
                sources: statuses,
                oldest_data,
            },
            audited,
        ))
    }

    /// Opens a patient's cached record (instant, offline); one audit entry.
    pub fn open_patient(&self, nhs: &str) -> Result<PatientView, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Open, &nhs, |_| self.view(nhs.as_str()))
    }

    /// Re-reads a record already opened in this session (after a sync or a
    /// reveal): not a new access. A record not opened yet is opened.
    pub fn refresh_patient(&self, nhs: &str) -> Result<PatientView, UiError> {
        let parsed = parse_nhs(nhs)?;
        if self.was_opened(parsed.as_str()) && self.basis_for(parsed.as_str()).is_some() {
            return Ok(self.view(parsed.as_str())?.0);
        }
        self.open_patient(nhs)
    }

    /// The cached record with the timeline filtered (the command line's `timeline`).
    pub fn record(&self, nhs: &str, query: &TimelineQuery) -> Result<RecordView, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Timeline, &nhs, |_| {
            let store = self.store()?;
            let (view, audited) = self.view_in(&store, nhs.as_str())?;
            let (events, _) = self.events_for(&store, nhs.as_str(), query)?;
            Ok((RecordView { view, events }, audited))
        })
    }

    /// Every entry matching `query`, named and masked (not audited here),
    /// with the sources they were named from.
    fn events_for(
        &self,
        store: &Store,
        nhs: &str,
        query: &TimelineQuery,
    ) -> Result<(Vec<TimelineEvent>, Sources), UiError> {
        let sources = self.sources_of(store, nhs)?;
        let filter = self.filter_for(&sources, query)?;
        let mut events = store.timeline(nhs, &filter)?;
        Self::named(&mut events, &sources);
        self.mask_events(nhs, &mut events);
        Ok((events, sources))
    }

    /// The summary of the resources this view may show: restricted entries not
    /// revealed are left out, listed masked, and counted as gaps.
    fn summary_from(
        &self,
        store: &Store,
        sources: &mut Sources,
        nhs: &str,
    ) -> Result<Summary, UiError> {
        let mut resources = store.patient_resources(nhs, SUMMARY_TYPES)?;
        let hidden = self.withhold_restricted(nhs, &mut resources, sources);
        let mut summary = reconcile::summarise(&reconcile::Input {
            nhs,
            resources: &resources,
            sources,
            today: crate::display::today(),
            recent_days: RECENT_DAYS,
        });
        // A long record's repeats: a few entries per source, the rest counted.
        reconcile::compact::compact(&mut summary);
        if !hidden.is_empty() {
            // By key: a long record is not read whole for a few hidden entries.
            let mut events = Vec::with_capacity(hidden.len());
            for (source, ty, id) in &hidden {
                events.extend(store.timeline_event(nhs, source, ty, id)?);
            }
            Self::named(&mut events, sources);
            events.iter_mut().for_each(TimelineEvent::mask);
            summary.restricted = events;
        }
        Ok(summary)
    }

    /// Removes restricted resources not revealed in this session from `resources`;
    /// returns which (source id, type, id) they were.
    fn withhold_restricted(
        &self,
        nhs: &str,
        resources: &mut Vec<crate::store::CachedResource>,
        sources: &mut Sources,
    ) -> std::collections::BTreeSet<(String, String, String)> {
        let mut hidden = std::collections::BTreeSet::new();
        resources.retain(|r| {
            // The patient's identity (name, birth date, NHS number in the banner) is
            // what lets a clinician confirm whose record this is: never masked. A
            // sensitive patient's address and contacts are not shown anywhere.
            if r.resource_type == "Patient" || !crate::restricted::may_be_restricted(&r.json) {
                return true;
            }
            let restricted = serde_json::from_str::<serde_json::Value>(&r.json)
                .ok()
                .is_some_and(|v| crate::restricted::of(&v).is_some());
            let key = (r.endpoint_id.clone(), r.resource_type.clone(), r.id.clone());
            if !restricted || self.session_revealed(nhs, &key) {
                return true;
            }
            sources.add_masked(&r.endpoint_id, &r.resource_type);
            hidden.insert(key);
            false
        });
        hidden
    }

    /// Whether a cached resource of this patient may be shown now: not
    /// restricted, or revealed in this session (for what a document refers to).
    fn visible_in<'a>(
        &'a self,
        nhs: &'a str,
    ) -> impl Fn(&str, &str, &str, &serde_json::Value) -> bool + 'a {
        move |source, ty, id, v| {
            crate::restricted::of(v).is_none() || self.is_revealed(nhs, source, ty, id)
        }
    }

    fn session_revealed(&self, nhs: &str, key: &(String, String, String)) -> bool {
        self.is_revealed(nhs, &key.0, &key.1, &key.2)
    }

    /// The reconciled summary: current allergies and medicines across every source, with flags.
    pub fn summary(&self, nhs: &str) -> Result<Summary, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Summary, &nhs, |_| {
            let store = self.store()?;
            let mut sources = self.sources_of(&store, nhs.as_str())?;
            let summary = self.summary_from(&store, &mut sources, nhs.as_str())?;
            let shown = shown_sources(&summary.sources);
            Ok((summary, Audited::sources(shown)))
        })
    }

    /// Every discharge: the stay, its documents in full, and its medicine changes against the GP's list.
    pub fn discharges(&self, nhs: &str) -> Result<Vec<DischargeRecord>, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Discharges, &nhs, |_| {
            let records = self.discharges_of(nhs.as_str())?;
            let mut ids: Vec<String> = records.iter().map(|r| r.source_id.clone()).collect();
            ids.sort();
            ids.dedup();
            Ok((records, Audited::sources(ids)))
        })
    }

    fn discharges_of(&self, key: &str) -> Result<Vec<DischargeRecord>, UiError> {
        let store = self.store()?;
        let mut sources = self.sources_of(&store, key)?;
        let mut resources = store.patient_resources(key, &DISCHARGE_TYPES)?;
        self.withhold_restricted(key, &mut resources, &mut sources);
        let input = reconcile::Input {
            nhs: key,
            resources: &resources,
            sources: &sources,
            today: crate::display::today(),
            recent_days: RECENT_DAYS,
        };
        let visible = self.visible_in(key);
        let found = discharges(&store, &sources, key, &resources, &visible)?;
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

    /// The cached timeline, newest first (restricted entries masked).
    pub fn timeline(
        &self,
        nhs: &str,
        query: &TimelineQuery,
    ) -> Result<Vec<TimelineEvent>, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Timeline, &nhs, |_| {
            let (events, sources) = self.events_for(&self.store()?, nhs.as_str(), query)?;
            Ok((events, Audited::sources(shown_sources(&sources.statuses()))))
        })
    }

    /// One page of the timeline (newest first), optionally only entries whose
    /// title or detail has every word of `text`, with the counts per kind and
    /// per source. The first page of a view is audited as a timeline access,
    /// unless the record was opened in this session (the screen re-querying
    /// it as filters change is the same access); later pages need the same
    /// basis but add no entry each.
    pub fn timeline_page(
        &self,
        nhs: &str,
        query: &TimelineQuery,
        text: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<TimelinePage, UiError> {
        let nhs = parse_nhs(nhs)?;
        let read = |_: &crate::access::Access| {
            let store = self.store()?;
            let sources = self.sources_of(&store, nhs.as_str())?;
            let filter = self.filter_for(&sources, query)?;
            let mut page = store.timeline_page(nhs.as_str(), &filter, text, offset, limit)?;
            Self::named(&mut page.events, &sources);
            self.mask_events(nhs.as_str(), &mut page.events);
            let shown = shown_sources(&sources.statuses());
            Ok((page, Audited::sources(shown)))
        };
        if offset == 0 && !self.was_opened(nhs.as_str()) {
            self.audited(AuditAction::Timeline, &nhs, read)
        } else {
            let access = self.require_access(AuditAction::Timeline, &nhs)?;
            read(&access).map(|(page, _)| page)
        }
    }

    /// Named timeline entries of a record already opened (what a summary flag,
    /// a document or a restored selection points at, when its page is not on
    /// screen), by resource id or a restricted entry's handle: needs the basis,
    /// adds no audit entry; entries not cached are left out; at most
    /// [`crate::store::MAX_PAGE`] keys.
    pub fn timeline_entries(
        &self,
        nhs: &str,
        keys: &[EntryKey],
    ) -> Result<Vec<TimelineEvent>, UiError> {
        let nhs = parse_nhs(nhs)?;
        if keys.len() as u64 > crate::store::MAX_PAGE {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                format!("at most {} entries at once", crate::store::MAX_PAGE),
            ));
        }
        self.require_access(AuditAction::Timeline, &nhs)?;
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs.as_str())?;
        let mut events = Vec::with_capacity(keys.len());
        for k in keys {
            events.extend(store.timeline_entry(
                nhs.as_str(),
                &k.source_id,
                &k.resource_type,
                &k.resource_id,
            )?);
        }
        Self::named(&mut events, &sources);
        self.mask_events(nhs.as_str(), &mut events);
        Ok(events)
    }

    /// Per source: last success, last attempt and its outcome.
    pub fn sources(&self, nhs: &str) -> Result<Vec<SourceStatus>, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Sources, &nhs, |_| {
            let store = self.store()?;
            let statuses = self.sources_of(&store, nhs.as_str())?.statuses();
            let shown = shown_sources(&statuses);
            Ok((statuses, Audited::sources(shown)))
        })
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

    pub(super) fn source_id(&self, nhs: &str, source: &str) -> Result<String, UiError> {
        let store = self.store()?;
        let sources = self.sources_of(&store, nhs)?;
        Ok(self
            .source_ids(&sources, &[source.to_string()])?
            .swap_remove(0))
    }

    /// Pulls the patient's record from every endpoint into the cache (only
    /// what changed, where the last sync allows it); one audit entry.
    pub async fn sync(
        &self,
        nhs: &str,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<SyncReport, UiError> {
        self.sync_with(nhs, progress, false).await
    }

    /// [`App::sync`], fetching everything from every endpoint when `full`
    /// (finds what a source deleted since).
    pub async fn sync_with(
        &self,
        nhs: &str,
        progress: Arc<dyn ProgressSink>,
        full: bool,
    ) -> Result<SyncReport, UiError> {
        let nhs = parse_nhs(nhs)?;
        let access = self.require_access(AuditAction::Sync, &nhs)?;
        let options = SyncOptions {
            purpose: access.basis.purpose(),
            full,
        };
        let result = async {
            let endpoints = self.endpoints_for_network().await?;
            let cache = self.cache()?;
            let report = sync_patient(&endpoints, &cache, &nhs, options, progress).await?;
            let failed: Vec<String> = report
                .endpoints
                .iter()
                .filter(|e| !e.is_ok())
                .map(|e| format!("{}: {}", e.source_id, e.outcome))
                .collect();
            let audited = Audited {
                sources: report
                    .endpoints
                    .iter()
                    .map(|e| e.source_id.clone())
                    .collect(),
                detail: (!failed.is_empty()).then(|| failed.join("; ")),
                outcome: (!failed.is_empty()).then(|| "partial".to_string()),
            };
            Ok((report, audited))
        }
        .await;
        self.record_outcome(AuditAction::Sync, &nhs, access, result)
    }

    /// Refuses a restricted resource not revealed in this session.
    fn check_not_masked(
        &self,
        nhs: &str,
        source_id: &str,
        resource_type: &str,
        id: &str,
        json: &str,
    ) -> Result<(), UiError> {
        if !crate::restricted::may_be_restricted(json) {
            return Ok(());
        }
        let restricted = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .is_some_and(|v| crate::restricted::of(&v).is_some());
        let key = (
            source_id.to_string(),
            resource_type.to_string(),
            id.to_string(),
        );
        if restricted && !self.session_revealed(nhs, &key) {
            return Err(UiError::new(
                ErrorCode::RestrictedEntry,
                format!(
                    "this {resource_type} is restricted by its source; reveal it with a reason first (crossview reveal)"
                ),
            ));
        }
        Ok(())
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
        self.audited(AuditAction::ViewResource, &nhs, |_| {
            let key = nhs.as_str();
            let source_id = self.source_id(key, source)?;
            let json = self
                .store()?
                .resource_json(key, &source_id, resource_type, id)?
                .ok_or_else(|| not_cached(source, resource_type, id))?;
            self.check_not_masked(key, &source_id, resource_type, id, &json)?;
            Ok((
                json,
                Audited {
                    sources: vec![source_id],
                    detail: Some(format!("{resource_type}/{id}")),
                    outcome: None,
                },
            ))
        })
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
        self.audited(AuditAction::ViewDocument, &nhs, |_| {
            let key = nhs.as_str();
            let store = self.store()?;
            let sources = self.sources_of(&store, key)?;
            let source_id = self
                .source_ids(&sources, &[source.to_string()])?
                .swap_remove(0);
            if let Some(json) = store.resource_json(key, &source_id, resource_type, id)? {
                self.check_not_masked(key, &source_id, resource_type, id, &json)?;
            }
            let visible = self.visible_in(key);
            let mut view = discharge_view(
                &store,
                &sources,
                key,
                &source_id,
                resource_type,
                id,
                &visible,
            )?
            .ok_or_else(|| not_cached(source, resource_type, id))?;
            if view.kind == crate::discharge::DocumentKind::DischargeSummary {
                // The changes panel at the top of the reader.
                view.medication_changes = self
                    .discharges_of(key)?
                    .into_iter()
                    .find(|d| {
                        d.source_id == source_id
                            && d.documents
                                .iter()
                                .any(|x| x.resource_type == resource_type && x.resource_id == id)
                    })
                    .map(|d| d.medication_changes);
            }
            Ok((
                view,
                Audited {
                    sources: vec![source_id],
                    detail: Some(format!("{resource_type}/{id}")),
                    outcome: None,
                },
            ))
        })
    }

    /// Finds patients by family name and date of birth (`yyyy-mm-dd`) at every endpoint.
    pub async fn find_patients(
        &self,
        family: &str,
        birth_date: &str,
    ) -> Result<PatientSearch, UiError> {
        patient_search::validate(family, birth_date)?;
        let query = format!("family={family} birthdate={birth_date}");
        self.audited_search(query, async {
            let endpoints = self.endpoints_for_network().await?;
            let found = patient_search::search(&endpoints, family, birth_date).await?;
            let detail = format!("{} match(es)", found.matches.len());
            Ok((
                found,
                Audited {
                    sources: endpoints.iter().map(|e| e.id()).collect(),
                    detail: Some(detail),
                    outcome: None,
                },
            ))
        })
        .await
    }

    /// Re-derives the timeline rows from the cached raw JSON (waits for no sync; refuses during one).
    pub fn rebuild(&self) -> Result<usize, UiError> {
        let store = self.store()?;
        drop(store);
        let _lock = SyncLock::acquire(&self.data_dir)?;
        Ok(self.store()?.rebuild_derived()?)
    }

    /// Shows the data a source's last sync returned after it was kept aside as suspect
    /// (a person has checked that the entries really went). False when there was none.
    pub fn accept_suspect(&self, nhs: &str, source: &str) -> Result<bool, UiError> {
        let nhs = parse_nhs(nhs)?;
        self.audited(AuditAction::Accept, &nhs, |_| {
            let id = self.source_id(nhs.as_str(), source)?;
            let store = self.store()?;
            let _lock = SyncLock::acquire(&self.data_dir)?;
            let mut store = store;
            let accepted = store.accept_suspect(nhs.as_str(), &id)?;
            Ok((accepted, Audited::sources(vec![id])))
        })
    }

    /// Removes every cached row of a source (by name or id) for every patient.
    pub fn purge_source(&self, source: &str) -> Result<usize, UiError> {
        let id = self
            .endpoints_now()
            .iter()
            .find(|e| e.name() == source)
            .map_or_else(|| source.to_string(), |e| e.id());
        let result = (|| -> Result<usize, UiError> {
            let store = self.store()?;
            let _lock = SyncLock::acquire(&self.data_dir)?;
            let mut store = store;
            let n = store.purge_endpoint(&id)?;
            store.compact()?;
            Ok(n)
        })();
        let mut e = crate::audit::Event::new(AuditAction::Purge, None);
        e.sources = vec![id];
        match &result {
            Ok(n) => e.detail = Some(format!("{n} sync(s) removed")),
            Err(err) => e.outcome = format!("failed: {}", err.code),
        }
        self.write_audit(&e)?;
        result
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

/// Sources whose data a view showed (configured or still cached).
fn shown_sources(statuses: &[SourceStatus]) -> Vec<String> {
    statuses
        .iter()
        .filter(|s| s.last_success.is_some())
        .map(|s| s.source_id.clone())
        .collect()
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

pub(super) fn not_cached(source: &str, resource_type: &str, id: &str) -> UiError {
    UiError::new(
        ErrorCode::NotInCache,
        format!("{resource_type}/{id} from {source} is not in the cache"),
    )
}
