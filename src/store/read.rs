//! Reading what is shown: only rows of each source's current run.

use rusqlite::{OptionalExtension, params_from_iter};
use serde::Serialize;
use std::collections::BTreeMap;

use super::{Store, StoreError};
use crate::error::ErrorCode;
use crate::timeline::{Code, EventKind, TimelineEvent};

#[derive(Debug, Clone, Default)]
pub struct TimelineFilter {
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
    /// Empty: every source.
    pub sources: Vec<String>,
}

/// Per endpoint: what is cached and how the last attempt went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    pub source: String,
    pub source_kind: String,
    pub base_url: String,
    /// When the data shown was fetched (finish of the last successful sync).
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    /// `ok`, `failed` or `running`.
    pub last_outcome: String,
    pub last_error_code: Option<ErrorCode>,
    pub last_error: Option<String>,
    pub fhir_version: Option<String>,
    /// Resources cached from this source, by type.
    pub counts: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    /// True when the last attempt failed, so what is shown is older than the last try.
    pub stale: bool,
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
                " AND c.source IN ({})",
                vec!["?"; filter.sources.len()].join(",")
            ));
            args.extend(filter.sources.iter().cloned());
        }
        self.query_events(patient, &sql, args)
    }

    /// The timeline entry derived from one cached resource.
    pub fn timeline_event(
        &self,
        patient: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<TimelineEvent>, StoreError> {
        let args = vec![
            source.to_string(),
            resource_type.to_string(),
            id.to_string(),
        ];
        Ok(self
            .query_events(
                patient,
                " AND c.source = ? AND e.resource_type = ? AND e.resource_id = ?",
                args,
            )?
            .into_iter()
            .next())
    }

    fn query_events(
        &self,
        patient: &str,
        conditions: &str,
        extra: Vec<String>,
    ) -> Result<Vec<TimelineEvent>, StoreError> {
        let sql = format!(
            "SELECT e.kind, e.date, e.title, e.status, e.entered_in_error, e.detail, e.codes, s.source, s.source_kind,
                    e.resource_type, e.resource_id, r.version_id, r.last_updated, r.fetched_at, r.fhir_version
             FROM current_run c
             JOIN sync_run s ON s.run_id = c.run_id
             JOIN event e ON e.run_id = c.run_id
             JOIN resource r ON r.run_id = e.run_id AND r.resource_type = e.resource_type AND r.id = e.resource_id
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
            out.push(TimelineEvent {
                kind: EventKind::parse(&kind).unwrap_or(EventKind::Document),
                date_display: crate::display::date_or_not_known(date.as_deref()),
                date,
                title: r
                    .get::<_, Option<String>>(2)?
                    .unwrap_or_else(|| crate::display::NOT_KNOWN.to_string()),
                status: r.get(3)?,
                entered_in_error: r.get(4)?,
                detail: r.get(5)?,
                codes,
                source: r.get(7)?,
                source_kind: r.get(8)?,
                resource_type: r.get(9)?,
                resource_id: r.get(10)?,
                version_id: r.get(11)?,
                last_updated: r.get(12)?,
                fetched_at: r.get(13)?,
                fhir_version: r.get(14)?,
            });
        }
        Ok(out)
    }

    /// One endpoint status per source that was ever synced for this patient, in name order.
    pub fn sources(&self, patient: &str) -> Result<Vec<SourceStatus>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.source, s.source_kind, s.base_url, s.started_at, s.outcome, s.error_code, s.error_message,
                    s.fhir_version, s.warnings,
                    (SELECT ok.finished_at FROM current_run c JOIN sync_run ok ON ok.run_id = c.run_id
                      WHERE c.patient_key = s.patient_key AND c.source = s.source),
                    (SELECT ok.counts FROM current_run c JOIN sync_run ok ON ok.run_id = c.run_id
                      WHERE c.patient_key = s.patient_key AND c.source = s.source)
             FROM sync_run s
             WHERE s.patient_key = ?1
               AND s.run_id = (SELECT max(run_id) FROM sync_run l WHERE l.patient_key = s.patient_key AND l.source = s.source)
             ORDER BY s.source",
        )?;
        let rows = st.query_map([patient], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                source,
                source_kind,
                base_url,
                started,
                outcome,
                code,
                message,
                version,
                warnings,
                last_ok,
                counts,
            ) = row?;
            out.push(SourceStatus {
                stale: outcome == "failed",
                source,
                source_kind,
                base_url,
                last_success: last_ok,
                last_attempt: Some(started),
                last_outcome: outcome,
                last_error_code: code.as_deref().map(ErrorCode::parse),
                last_error: message,
                fhir_version: version,
                counts: counts
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()?
                    .unwrap_or_default(),
                warnings: serde_json::from_str(&warnings)?,
            });
        }
        Ok(out)
    }

    /// The raw JSON of one cached resource, exactly as received.
    pub fn resource_json(
        &self,
        patient: &str,
        source: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.json FROM current_run c JOIN resource r ON r.run_id = c.run_id
                 WHERE c.patient_key = ?1 AND c.source = ?2 AND r.resource_type = ?3 AND r.id = ?4",
                [patient, source, resource_type, id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every cached resource of a type for a patient: `(source, json)`.
    pub fn resources_of_type(
        &self,
        patient: &str,
        resource_type: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT c.source, r.json FROM current_run c JOIN resource r ON r.run_id = c.run_id
             WHERE c.patient_key = ?1 AND r.resource_type = ?2 ORDER BY c.source, r.id",
        )?;
        let rows = st.query_map([patient, resource_type], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Resources refused during a source's last attempt: `(type, id, code, reason)`.
    pub fn rejected(
        &self,
        patient: &str,
        source: &str,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT j.resource_type, j.resource_id, j.code, j.reason FROM rejected j
             WHERE j.run_id = (SELECT max(run_id) FROM sync_run WHERE patient_key = ?1 AND source = ?2)
             ORDER BY j.resource_type, j.resource_id",
        )?;
        let rows = st.query_map([patient, source], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
