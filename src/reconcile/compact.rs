//! The summary as a screen shows it. A medicine a long record orders again
//! and again (a repeat issued for years, an inpatient drug charted every day)
//! keeps a few entries per source, not every one: the rest are counted in
//! `earlier_entries` and stay on the timeline. The reconciliation itself (the
//! groups, their standing and the flags) is made from every entry first.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use super::Summary;
use super::medicine::{MedicineEntry, MedicineGroup, MedicineState};

/// Entries of one medicine kept per source (beyond those a flag names).
pub const ENTRIES_PER_SOURCE: usize = 5;

type Key = (String, String, String);

/// Trims each medicine group's entries for display; never one a flag names.
pub fn compact(summary: &mut Summary) {
    let flagged: BTreeSet<Key> = summary
        .flags
        .iter()
        .flat_map(|f| f.refs.iter())
        .map(|r| {
            (
                r.source_id.clone(),
                r.resource_type.clone(),
                r.resource_id.clone(),
            )
        })
        .collect();
    let m = &mut summary.medications;
    for g in m
        .groups
        .iter_mut()
        .chain(m.recently_stopped.iter_mut())
        .chain(m.do_not_give.iter_mut())
        .chain(m.past.iter_mut())
    {
        compact_group(g, &flagged);
    }
}

fn key(e: &MedicineEntry) -> Key {
    (
        e.source_id.clone(),
        e.resource_type.clone(),
        e.resource_id.clone(),
    )
}

/// Per source: the entries a flag names, then the current ones, then the newest.
fn compact_group(g: &mut MedicineGroup, flagged: &BTreeSet<Key>) {
    if g.entries.len() <= ENTRIES_PER_SOURCE {
        return;
    }
    let mut order: Vec<usize> = (0..g.entries.len()).collect();
    order.sort_by_key(|&i| {
        let e = &g.entries[i];
        (
            !flagged.contains(&key(e)),
            !matches!(e.state, MedicineState::Current | MedicineState::OnHold),
            Reverse(e.date.clone()),
        )
    });
    let mut per_source: HashMap<&str, usize> = HashMap::new();
    let mut keep = vec![false; g.entries.len()];
    for i in order {
        let e = &g.entries[i];
        let n = per_source.entry(e.source_id.as_str()).or_default();
        if *n < ENTRIES_PER_SOURCE || flagged.contains(&key(e)) {
            *n += 1;
            keep[i] = true;
        }
    }
    let before = g.entries.len();
    let mut i = 0;
    g.entries.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    g.earlier_entries += (before - g.entries.len()) as u64;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EndpointKind;
    use crate::reconcile::test_support::Record;
    use serde_json::json;

    fn order(id: &str, date: &str, status: &str) -> serde_json::Value {
        json!({"resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
               "subject": {"reference": "Patient/p"}, "authoredOn": date,
               "medicationCodeableConcept": {"text": "Amlodipine 5mg tablets"}})
    }

    #[test]
    fn a_medicine_ordered_many_times_keeps_the_current_and_newest_entries_and_counts_the_rest() {
        let mut record = Record::new(&[("a", EndpointKind::Hospital), ("b", EndpointKind::Gp)]);
        for i in 0..40 {
            let date = format!("2019-01-{:02}", i % 28 + 1);
            record = record.add("a", order(&format!("old{i}"), &date, "completed"));
        }
        record = record
            .add("a", order("now", "2026-11-01", "active"))
            .add("b", order("b1", "2026-10-01", "active"));
        let mut s = record.summary();
        let all = |s: &Summary| -> usize {
            let m = &s.medications;
            m.groups
                .iter()
                .chain(&m.recently_stopped)
                .chain(&m.past)
                .map(|g| g.entries.len() + g.earlier_entries as usize)
                .sum()
        };
        assert_eq!(all(&s), 42);
        compact(&mut s);
        assert_eq!(all(&s), 42, "every entry is shown or counted");
        let g = s
            .medications
            .groups
            .iter()
            .find(|g| g.title == "Amlodipine 5mg tablets")
            .expect("the current medicine");
        let ids: Vec<&str> = g.entries.iter().map(|e| e.resource_id.as_str()).collect();
        assert!(ids.contains(&"now") && ids.contains(&"b1"), "{ids:?}");
        assert!(g.entries.iter().filter(|e| e.source_id == "a").count() <= ENTRIES_PER_SOURCE);
        assert!(g.earlier_entries >= 35, "{}", g.earlier_entries);
    }
}
