//! The timeline a page at a time, from the indexed derived rows: what a
//! screen shows, without reading the whole record (100,000 events and more),
//! with the counts per kind and per source from SQL, and full-text search
//! (FTS5) over titles and details.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{Store, StoreError, TimelineFilter};
use crate::timeline::TimelineEvent;

/// Most events one page may ask for.
pub const MAX_PAGE: u64 = 1000;

/// One page of a patient's timeline, newest first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePage {
    pub events: Vec<TimelineEvent>,
    /// Events matching the filter and search, on every page.
    pub total: u64,
    pub offset: u64,
    /// Matching events per kind, whatever the kind filter (for the filter's counts).
    pub by_kind: BTreeMap<String, u64>,
    /// Matching events per source id, whatever the source filter.
    pub by_source: BTreeMap<String, u64>,
}

/// A person's search text as an FTS5 query: every word must start a word of
/// the title or detail (`peni allerg` finds "Penicillin allergy"). Quotes make
/// each word a plain string, so nothing typed is FTS syntax.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Matching events per (source id, kind).
type Counts = Vec<(String, String, u64)>;

/// One source's next row in display order.
struct Head {
    sort_key: String,
    source: String,
    resource_type: String,
    resource_id: String,
    rowid: i64,
    stream: usize,
}

impl Head {
    /// Display order: newest first (an empty key, undated, sorts last), then
    /// source name, type and id — the order of [`Store::timeline`].
    fn key(&self) -> (std::cmp::Reverse<&str>, &str, &str, &str) {
        (
            std::cmp::Reverse(self.sort_key.as_str()),
            self.source.as_str(),
            self.resource_type.as_str(),
            self.resource_id.as_str(),
        )
    }
}

impl Store {
    fn merged_page(
        &self,
        patient: &str,
        filter: &TimelineFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<i64>, StoreError> {
        let runs: Vec<(i64, String, String)> = {
            let mut st = self.conn.prepare_cached(
                "SELECT c.run_id, c.endpoint_id, s.source FROM current_run c JOIN sync_run s ON s.run_id = c.run_id
                 WHERE c.patient_key = ?1",
            )?;
            st.query_map([patient], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?
        };
        let want = offset + limit;
        // One stream per source (and per kind, when filtered), each from its index.
        let mut streams: Vec<std::vec::IntoIter<Head>> = Vec::new();
        for (run, endpoint, source) in &runs {
            if !filter.sources.is_empty() && !filter.sources.contains(endpoint) {
                continue;
            }
            let kinds: Vec<Option<&str>> = if filter.kinds.is_empty() {
                vec![None]
            } else {
                filter.kinds.iter().map(|k| Some(k.as_str())).collect()
            };
            for kind in kinds {
                let dates = filter.date_sql("");
                let (sql, kind_arg) = match kind {
                    None => (format!("SELECT rowid, sort_key, resource_type, resource_id FROM event INDEXED BY event_page
                              WHERE run_id = ?1{dates} ORDER BY sort_key DESC, resource_type, resource_id LIMIT ?2"), None),
                    Some(k) => (format!("SELECT rowid, sort_key, resource_type, resource_id FROM event INDEXED BY event_page_kind
                                 WHERE run_id = ?1 AND kind = ?3{dates} ORDER BY sort_key DESC, resource_type, resource_id LIMIT ?2"), Some(k)),
                };
                let mut st = self.conn.prepare_cached(&sql)?;
                let stream = streams.len();
                let map = |r: &rusqlite::Row| {
                    Ok(Head {
                        rowid: r.get(0)?,
                        sort_key: r.get(1)?,
                        resource_type: r.get(2)?,
                        resource_id: r.get(3)?,
                        source: source.clone(),
                        stream,
                    })
                };
                let rows: Vec<Head> = match kind_arg {
                    None => st
                        .query_map(rusqlite::params![run, want], map)?
                        .collect::<Result<_, _>>()?,
                    Some(k) => st
                        .query_map(rusqlite::params![run, want, k], map)?
                        .collect::<Result<_, _>>()?,
                };
                streams.push(rows.into_iter());
            }
        }
        // k-way merge of the streams' heads.
        let mut heads: Vec<Head> = streams.iter_mut().filter_map(Iterator::next).collect();
        let mut out = Vec::with_capacity(limit as usize);
        let mut taken = 0u64;
        while taken < want {
            let Some(best) = heads
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| a.key().cmp(&b.key()))
                .map(|(i, _)| i)
            else {
                break;
            };
            let head = heads.swap_remove(best);
            if let Some(next) = streams[head.stream].next() {
                heads.push(next);
            }
            if taken >= offset {
                out.push(head.rowid);
            }
            taken += 1;
        }
        Ok(out)
    }

    /// Events per (source, kind): one grouped scan of the kind index.
    fn grouped_counts(&self, patient: &str, filter: &TimelineFilter) -> Result<Counts, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT c.endpoint_id, e.kind, count(*) FROM current_run c JOIN event e ON e.run_id = c.run_id
             WHERE c.patient_key = ?1{} GROUP BY c.endpoint_id, e.kind",
            filter.date_sql("e.")
        ))?;
        let rows = st.query_map([patient], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A search: every match read once (from the full-text index), counted per
    /// (source, kind), filtered, ordered and sliced here. Restricted entries are
    /// never found by what they say.
    fn searched_page(
        &self,
        patient: &str,
        filter: &TimelineFilter,
        query: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<i64>, Counts), StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT e.rowid, c.endpoint_id, e.kind, e.sort_key, s.source, e.resource_type, e.resource_id
             FROM event_text t
             JOIN event e ON e.rowid = t.rowid
             JOIN current_run c ON c.run_id = e.run_id
             JOIN sync_run s ON s.run_id = c.run_id
             WHERE event_text MATCH ?1 AND c.patient_key = ?2 AND e.restricted IS NULL{}",
            filter.date_sql("e.")
        ))?;
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut matches: Vec<Head> = Vec::new();
        let mut rows = st.query(rusqlite::params![query, patient])?;
        while let Some(r) = rows.next()? {
            let endpoint: String = r.get(1)?;
            let kind: String = r.get(2)?;
            let shown = (filter.kinds.is_empty()
                || filter.kinds.iter().any(|k| k.as_str() == kind))
                && (filter.sources.is_empty() || filter.sources.contains(&endpoint));
            if shown {
                matches.push(Head {
                    rowid: r.get(0)?,
                    sort_key: r.get(3)?,
                    source: r.get(4)?,
                    resource_type: r.get(5)?,
                    resource_id: r.get(6)?,
                    stream: 0,
                });
            }
            *counts.entry((endpoint, kind)).or_default() += 1;
        }
        matches.sort_by(|a, b| a.key().cmp(&b.key()));
        let rowids = matches
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .map(|h| h.rowid)
            .collect();
        Ok((
            rowids,
            counts.into_iter().map(|((e, k), n)| (e, k, n)).collect(),
        ))
    }

    /// Events `offset..offset + limit` of the timeline (newest first, undated
    /// last; the same order as [`Store::timeline`]), with the totals.
    pub fn timeline_page(
        &self,
        patient: &str,
        filter: &TimelineFilter,
        text: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<TimelinePage, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let query = text.and_then(fts_query);
        let text = query.as_deref();
        let (rowids, grouped) = match text {
            Some(q) => self.searched_page(patient, filter, q, offset, limit)?,
            // The whole record: each source's rows in display order straight from
            // its index, merged; only `offset + limit` rows are read per source.
            None => (
                self.merged_page(patient, filter, offset, limit)?,
                self.grouped_counts(patient, filter)?,
            ),
        };
        let kind_in =
            |k: &str| filter.kinds.is_empty() || filter.kinds.iter().any(|x| x.as_str() == k);
        let source_in =
            |s: &str| filter.sources.is_empty() || filter.sources.iter().any(|x| x == s);
        let mut total = 0;
        let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_source: BTreeMap<String, u64> = BTreeMap::new();
        for (source, kind, n) in grouped {
            if source_in(&source) {
                *by_kind.entry(kind.clone()).or_default() += n;
            }
            if kind_in(&kind) {
                *by_source.entry(source.clone()).or_default() += n;
            }
            if source_in(&source) && kind_in(&kind) {
                total += n;
            }
        }
        let events = if rowids.is_empty() {
            Vec::new()
        } else {
            // Same order as the rowids: the query orders them the same way.
            self.events_by_rowid(patient, &rowids)?
        };
        Ok(TimelinePage {
            events,
            total,
            offset,
            by_kind,
            by_source,
        })
    }
}
