//! Reading what is shown: only rows of each source's current run.

use rusqlite::{OptionalExtension, params_from_iter};
use serde::Serialize;
use std::collections::BTreeMap;

use super::{RunOutcome, Store, StoreError};
use crate::config::EndpointKind;
use crate::error::ErrorCode;
use crate::fhir::FhirVersion;
use crate::timeline::{Code, EventKind, TimelineEvent};

#[derive(Debug, Clone, Default)]
pub struct TimelineFilter {
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
    /// Endpoint ids; empty: every source.
    pub sources: Vec<String>,
    /// Inclusive date range: entries whose date (to its precision: `2019`
    /// spans the whole year) overlaps it. An undated entry matches no range.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl TimelineFilter {
    /// The date range as SQL conditions on the event alias `e` (empty when none).
    /// The bounds are typed dates, so their text is always `yyyy-mm-dd`.
    pub(super) fn date_sql(&self, e: &str) -> String {
        if self.from.is_none() && self.to.is_none() {
            return String::new();
        }
        let day = format!("substr({e}date, 1, 10)");
        let mut sql = String::new();
        // First a range of the display-order index (the start instant in UTC,
        // then the precision) that holds every overlapping entry: one that
        // starts no later than a day after the range, and no earlier than a
        // year and a day before it (a year-only date spans the year; UK
        // midnight is up to an hour from UTC). The exact test follows.
        let day_text = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        if let Some(to) = self
            .to
            .and_then(|d| d.checked_add_days(chrono::Days::new(2)))
        {
            sql.push_str(&format!(" AND {e}sort_key < '{}'", day_text(to)));
        }
        if let Some(from) = self
            .from
            .and_then(|d| d.checked_sub_days(chrono::Days::new(367)))
        {
            sql.push_str(&format!(" AND {e}sort_key >= '{}'", day_text(from)));
        }
        sql.push_str(&format!(" AND {e}date GLOB '[0-9][0-9][0-9][0-9]*'"));
        if let Some(from) = self.from {
            // The last day the entry's date can mean: `2019` → 2019-12-31, `2019-06` → 2019-06-31.
            sql.push_str(&format!(
                " AND {day} || CASE length({day}) WHEN 4 THEN '-12-31' WHEN 7 THEN '-31' ELSE '' END >= '{}'",
                from.format("%Y-%m-%d")
            ));
        }
        if let Some(to) = self.to {
            // A shorter prefix sorts before every day it covers.
            sql.push_str(&format!(" AND {day} <= '{}'", to.format("%Y-%m-%d")));
        }
        sql
    }
}

/// How a source of a patient's record stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceState {
    /// Read successfully within the freshness limit.
    Fresh,
    /// Read successfully, but longer ago than the freshness limit.
    Old,
    /// The last sync failed; earlier data (if any) is shown.
    Failed,
    /// The last sync stopped part way (the program was closed or killed).
    Interrupted,
    /// The last sync was kept aside: it would have erased entries without explanation.
    Suspect,
    /// A sync is running now.
    Syncing,
    /// Configured, but never synced for this patient.
    Never,
    /// Cached data from an endpoint no longer configured (or now at another address).
    NotConfigured,
}

/// A cached resource with where it came from, for views built from raw JSON.
#[derive(Debug, Clone)]
pub struct CachedResource {
    pub endpoint_id: String,
    pub resource_type: String,
    pub id: String,
    pub fhir_version: FhirVersion,
    pub json: String,
}

/// Per endpoint: what is cached and how the last attempt went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    /// The endpoint's stable id.
    pub source_id: String,
    /// The endpoint's name (as configured now; as it was at the sync when no longer configured).
    pub source: String,
    pub source_kind: EndpointKind,
    pub base_url: String,
    /// Where the data shown came from (the base URL of its sync).
    pub data_origin: Option<String>,
    /// False when no configured endpoint has this id and address any more: the
    /// data is shown as from a source no longer configured, and can be purged.
    pub configured: bool,
    /// When the data shown was fetched (finish of the last successful sync).
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_outcome: RunOutcome,
    pub last_error_code: Option<ErrorCode>,
    pub last_error: Option<String>,
    pub fhir_version: Option<FhirVersion>,
    /// Resources cached from this source, by type.
    pub counts: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    /// Searched types the server said it does not offer (at the sync whose data is shown).
    pub not_offered: Vec<String>,
    /// Patient records found at the sync whose data is shown (0: the patient is not known there).
    pub patients_found: u64,
    /// Consent restrictions at this source: what was withheld, or could not be interpreted.
    pub consent: Vec<crate::consent::ConsentNote>,
    /// What the source's lists say about their completeness (at the sync whose data is shown).
    pub list_notes: Vec<crate::gpconnect::ListNote>,
    /// How the source stands, all things considered (set with the configuration and the clock).
    pub state: SourceState,
    /// True when what is shown is not the result of the latest attempt (it failed,
    /// was interrupted or kept aside), or is older than the freshness limit.
    pub stale: bool,
}

/// Which table drives an events query.
enum EventsFrom {
    /// The patient's current runs (the whole timeline, or a filter of it).
    Patient,
    /// A list of event rowids (a page).
    Rows,
}

impl Store {
    /// Events for a patient, newest first; undated events last.
    pub fn timeline(
        &self,
        patient: &str,
        filter: &TimelineFilter,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let mut sql = String::new();
        let mut args: Vec<String> = Vec::new();
        if !filter.kinds.is_empty() {
            sql.push_str(&format!(
                " AND e.kind IN ({})",
                vec!["?"; filter.kinds.len()].join(",")
            ));
            args.extend(filter.kinds.iter().map(|k| k.as_str().to_string()));
        }
        if !filter.sources.is_empty() {
            sql.push_str(&format!(
                " AND c.endpoint_id IN ({})",
                vec!["?"; filter.sources.len()].join(",")
            ));
            args.extend(filter.sources.iter().cloned());
        }
        sql.push_str(&filter.date_sql("e."));
        self.query_events(patient, &sql, args)
    }

    /// The timeline entry derived from one cached resource.
    pub fn timeline_event(
        &self,
        patient: &str,
        endpoint_id: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<TimelineEvent>, StoreError> {
        let args = vec![
            endpoint_id.to_string(),
            resource_type.to_string(),
            id.to_string(),
        ];
        Ok(self
            .query_events(
                patient,
                " AND c.endpoint_id = ? AND e.resource_type = ? AND e.resource_id = ?",
                args,
            )?
            .into_iter()
            .next())
    }

    /// The entry of one cached resource, named by its id or, for a restricted
    /// entry, by its masked handle (a few restricted rows are read to find it).
    pub fn timeline_entry(
        &self,
        patient: &str,
        endpoint_id: &str,
        resource_type: &str,
        entry: &str,
    ) -> Result<Option<TimelineEvent>, StoreError> {
        if let Some(e) = self.timeline_event(patient, endpoint_id, resource_type, entry)? {
            return Ok(Some(e));
        }
        let restricted = self.query_events(
            patient,
            " AND c.endpoint_id = ? AND e.resource_type = ? AND e.restricted IS NOT NULL",
            vec![endpoint_id.to_string(), resource_type.to_string()],
        )?;
        Ok(restricted
            .into_iter()
            .find(|e| e.restricted.as_ref().is_some_and(|r| r.handle == entry)))
    }

    fn query_events(
        &self,
        patient: &str,
        conditions: &str,
        extra: Vec<String>,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        self.query_events_from(patient, EventsFrom::Patient, conditions, extra)
    }

    /// The events of `rowids` (of this patient's current runs), in timeline order.
    pub(super) fn events_by_rowid(
        &self,
        patient: &str,
        rowids: &[i64],
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let list = rowids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.query_events_from(
            patient,
            EventsFrom::Rows,
            &format!(" AND e.rowid IN ({list})"),
            Vec::new(),
        )
    }

    fn query_events_from(
        &self,
        patient: &str,
        from: EventsFrom,
        conditions: &str,
        extra: Vec<String>,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let from = match from {
            EventsFrom::Patient => {
                "FROM current_run c
             JOIN sync_run s ON s.run_id = c.run_id
             JOIN event e ON e.run_id = c.run_id
             JOIN resource r ON r.run_id = e.run_id AND r.resource_type = e.resource_type AND r.id = e.resource_id"
            }
            // A few rows by rowid: the event table drives (CROSS JOIN keeps that order).
            EventsFrom::Rows => {
                "FROM event e
             CROSS JOIN current_run c ON c.run_id = e.run_id
             CROSS JOIN sync_run s ON s.run_id = c.run_id
             CROSS JOIN resource r ON r.run_id = e.run_id AND r.resource_type = e.resource_type AND r.id = e.resource_id"
            }
        };
        let sql = format!(
            "SELECT e.kind, e.date, e.title, e.status, e.entered_in_error, e.detail, e.codes, s.source, s.source_kind,
                    e.resource_type, e.resource_id, r.version_id, r.last_updated, r.fetched_at, r.fhir_version,
                    c.endpoint_id, s.finished_at, e.marks, e.restricted
             {from}
             WHERE c.patient_key = ?{conditions}
             ORDER BY e.sort_key = '', e.sort_key DESC, s.source, e.resource_type, e.resource_id"
        );
        let mut args: Vec<String> = vec![patient.to_string()];
        args.extend(extra);
        let mut st = self.conn.prepare_cached(&sql)?;
        let mut rows = st.query(params_from_iter(args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let date: Option<String> = r.get(1)?;
            let codes: String = r.get(6)?;
            let codes: Vec<Code> = serde_json::from_str(&codes)?;
            let mut event = TimelineEvent {
                kind: EventKind::parse(&kind).unwrap_or(EventKind::Document),
                date_display: crate::display::date_or_not_known(date.as_deref()),
                date,
                title: r
                    .get::<_, Option<String>>(2)?
                    .unwrap_or_else(|| crate::display::NOT_KNOWN.to_string()),
                status: r.get(3)?,
                entered_in_error: r.get(4)?,
                marks: serde_json::from_str(&r.get::<_, String>(17)?)?,
                detail: r.get(5)?,
                codes,
                source: r.get(7)?,
                source_kind: EndpointKind::parse(&r.get::<_, String>(8)?),
                resource_type: r.get(9)?,
                resource_id: r.get(10)?,
                version_id: r.get(11)?,
                last_updated: r.get(12)?,
                fetched_at: r.get(13)?,
                fhir_version: FhirVersion::parse(&r.get::<_, String>(14)?)
                    .unwrap_or(FhirVersion::R4),
                source_id: r.get(15)?,
                as_of: r.get(16)?,
                stale: false,
                restricted: None,
            };
            if let Some(text) = r.get::<_, Option<String>>(18)? {
                let found: crate::restricted::Restriction = serde_json::from_str(&text)?;
                event.restricted = Some(crate::timeline::Restricted {
                    masked: false,
                    labels: found.labels,
                    handle: crate::restricted::handle(
                        &event.source_id,
                        &event.resource_type,
                        &event.resource_id,
                    ),
                });
            }
            out.push(event);
        }
        Ok(out)
    }

    /// One status per endpoint id ever synced for this patient, in name order.
    /// `configured` and the freshness part of `stale` are the caller's to set (it knows the configuration).
    pub fn sources(&self, patient: &str) -> Result<Vec<SourceStatus>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.endpoint_id, s.source, s.source_kind, s.base_url, s.started_at, s.outcome, s.error_code,
                    s.error_message, s.fhir_version, s.warnings,
                    ok.finished_at, ok.counts, ok.origin, ok.not_offered, ok.fhir_version, ok.warnings,
                    ok.patient_ids, ok.consent, ok.list_notes
             FROM sync_run s
             LEFT JOIN current_run c ON c.patient_key = s.patient_key AND c.endpoint_id = s.endpoint_id
             LEFT JOIN sync_run ok ON ok.run_id = c.run_id
             WHERE s.patient_key = ?1
               AND s.run_id = (SELECT max(run_id) FROM sync_run l
                               WHERE l.patient_key = s.patient_key AND l.endpoint_id = s.endpoint_id)
             ORDER BY s.source, s.endpoint_id",
        )?;
        let mut rows = st.query([patient])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let outcome = RunOutcome::parse(&r.get::<_, String>(5)?);
            let last_success: Option<String> = r.get(10)?;
            let json_list = |i: usize| -> Result<Vec<String>, StoreError> {
                Ok(r.get::<_, Option<String>>(i)?
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or_default())
            };
            // What the shown data says about itself, else what the last attempt said.
            let mut warnings = json_list(15)?;
            if warnings.is_empty() {
                warnings = json_list(9)?;
            }
            let version: Option<String> = r.get::<_, Option<String>>(14)?.or(r.get(8)?);
            out.push(SourceStatus {
                source_id: r.get(0)?,
                source: r.get(1)?,
                source_kind: EndpointKind::parse(&r.get::<_, String>(2)?),
                base_url: r.get(3)?,
                data_origin: r.get(12)?,
                configured: true,
                stale: outcome != RunOutcome::Ok && outcome != RunOutcome::Running,
                last_attempt: Some(r.get(4)?),
                last_outcome: outcome,
                last_error_code: r
                    .get::<_, Option<String>>(6)?
                    .as_deref()
                    .map(ErrorCode::parse),
                last_error: r.get(7)?,
                fhir_version: version.as_deref().and_then(FhirVersion::parse),
                counts: r
                    .get::<_, Option<String>>(11)?
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or_default(),
                warnings,
                not_offered: json_list(13)?,
                patients_found: json_list(16)?.len() as u64,
                consent: r
                    .get::<_, Option<String>>(17)?
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or_default(),
                list_notes: r
                    .get::<_, Option<String>>(18)?
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or_default(),
                state: match outcome {
                    RunOutcome::Ok => SourceState::Fresh,
                    RunOutcome::Running => SourceState::Syncing,
                    RunOutcome::Failed => SourceState::Failed,
                    RunOutcome::Interrupted => SourceState::Interrupted,
                    RunOutcome::Suspect => SourceState::Suspect,
                    RunOutcome::Never => SourceState::Never,
                },
                last_success,
            });
        }
        Ok(out)
    }

    /// The raw JSON of one cached resource, exactly as received.
    pub fn resource_json(
        &self,
        patient: &str,
        endpoint_id: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.json FROM current_run c JOIN resource r ON r.run_id = c.run_id
                 WHERE c.patient_key = ?1 AND c.endpoint_id = ?2 AND r.resource_type = ?3 AND r.id = ?4",
                [patient, endpoint_id, resource_type, id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every cached resource of a type for a patient: `(endpoint id, json)`.
    pub fn resources_of_type(
        &self,
        patient: &str,
        resource_type: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT c.endpoint_id, r.json FROM current_run c JOIN resource r ON r.run_id = c.run_id
             WHERE c.patient_key = ?1 AND r.resource_type = ?2 ORDER BY c.endpoint_id, r.id",
        )?;
        let rows = st.query_map([patient, resource_type], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every cached resource of these types for a patient (shown runs only), by source then type and id.
    pub fn patient_resources(
        &self,
        patient: &str,
        types: &[&str],
    ) -> Result<Vec<CachedResource>, StoreError> {
        let sql = format!(
            "SELECT c.endpoint_id, r.resource_type, r.id, r.fhir_version, r.json
             FROM current_run c JOIN resource r ON r.run_id = c.run_id
             WHERE c.patient_key = ? AND r.resource_type IN ({})
             ORDER BY c.endpoint_id, r.resource_type, r.id",
            vec!["?"; types.len().max(1)].join(",")
        );
        let mut args: Vec<&str> = vec![patient];
        args.extend(types.iter().copied());
        if types.is_empty() {
            args.push("");
        }
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params_from_iter(args.iter()), |r| {
            Ok(CachedResource {
                endpoint_id: r.get(0)?,
                resource_type: r.get(1)?,
                id: r.get(2)?,
                fhir_version: FhirVersion::parse(&r.get::<_, String>(3)?)
                    .unwrap_or(FhirVersion::R4),
                json: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Resources refused during a source's last attempt: `(type, id, code, reason)`.
    pub fn rejected(
        &self,
        patient: &str,
        endpoint_id: &str,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT j.resource_type, j.resource_id, j.code, j.reason FROM rejected j
             WHERE j.run_id = (SELECT max(run_id) FROM sync_run WHERE patient_key = ?1 AND endpoint_id = ?2)
             ORDER BY j.resource_type, j.resource_id",
        )?;
        let rows = st.query_map([patient, endpoint_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
