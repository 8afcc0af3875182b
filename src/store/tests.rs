use serde_json::json;

use super::*;
use crate::error::{ErrorCode, UiError};
use crate::fhir::FhirVersion;

/// A cache in `dir` with a fixed test key.
pub(super) fn cache(dir: &std::path::Path) -> Cache {
    Cache::new(
        dir.join("cache"),
        crate::cache_key::CacheKey::from_hex(&"ab".repeat(32)).unwrap(),
    )
}

fn resource(v: serde_json::Value) -> StoredResource {
    let raw = v.to_string();
    StoredResource::new(
        &v,
        raw,
        FhirVersion::R4,
        "2026-11-25T10:00:00.000Z",
        Provenance::Match,
        "x".into(),
    )
}

fn allergy(id: &str, text: &str) -> StoredResource {
    resource(
        json!({"resourceType": "AllergyIntolerance", "id": id, "code": {"text": text},
                    "patient": {"reference": "Patient/p"}, "recordedDate": "2020-01-02"}),
    )
}

/// A run of endpoint `source` (its id and its name) for the test patient.
fn start(source: &str, started_at: &str) -> RunStart {
    RunStart {
        patient: "9990000018".into(),
        endpoint_id: source.into(),
        source: source.into(),
        kind: crate::config::EndpointKind::Hospital,
        base_url: "http://x".into(),
        origin: "http://x".into(),
        started_at: started_at.into(),
    }
}

fn synced(store: &mut Store, source: &str, items: Vec<StoredResource>) -> RunId {
    let run = store
        .begin_run(&start(source, "2026-11-25T10:00:00Z"))
        .unwrap();
    store.write_page(run, &items).unwrap();
    store
        .commit_run(run, "2026-11-25T10:00:01Z", &RunSummary::default())
        .unwrap();
    run
}

fn titles(store: &Store) -> Vec<String> {
    let mut t: Vec<String> = store
        .timeline("9990000018", &TimelineFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.source, e.title))
        .collect();
    t.sort();
    t
}

#[test]
fn a_new_run_replaces_the_previous_one_only_when_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    synced(
        &mut store,
        "A",
        vec![allergy("1", "Penicillin"), allergy("2", "Latex")],
    );
    assert_eq!(titles(&store), ["A:Latex", "A:Penicillin"]);

    // A run in progress is invisible to readers (another connection, as the CLI would use).
    let run = store.begin_run(&start("A", "t")).unwrap();
    store.write_page(run, &[allergy("3", "Peanut")]).unwrap();
    let reader = Store::open(&cache(dir.path())).unwrap();
    assert_eq!(titles(&reader), ["A:Latex", "A:Penicillin"]);
    store.commit_run(run, "t2", &RunSummary::default()).unwrap();
    assert_eq!(titles(&reader), ["A:Peanut"]);
}

#[test]
fn a_failed_run_leaves_the_earlier_cache_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    synced(&mut store, "A", vec![allergy("1", "Penicillin")]);
    synced(&mut store, "B", vec![allergy("1", "Aspirin")]);
    let run = store.begin_run(&start("A", "t")).unwrap();
    store
        .write_page(run, &[allergy("9", "Half a sync")])
        .unwrap();
    let err = UiError {
        code: ErrorCode::EndpointTimeout,
        message: "slow".into(),
    };
    store
        .fail_run(run, "t3", &err, &RunSummary::default())
        .unwrap();
    assert_eq!(titles(&store), ["A:Penicillin", "B:Aspirin"]);
    let a = store
        .sources("9990000018")
        .unwrap()
        .into_iter()
        .find(|s| s.source == "A")
        .unwrap();
    assert!(a.stale);
    assert_eq!(a.last_outcome, RunOutcome::Failed);
    assert_eq!(a.last_error_code, Some(ErrorCode::EndpointTimeout));
    assert_eq!(a.last_success.as_deref(), Some("2026-11-25T10:00:01Z"));
}

#[test]
fn interrupted_runs_are_discarded_on_recovery() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(&cache(dir.path())).unwrap();
        synced(&mut store, "A", vec![allergy("1", "Penicillin")]);
        let run = store.begin_run(&start("A", "t")).unwrap();
        store
            .write_page(run, &[allergy("2", "Never committed")])
            .unwrap();
        // The process "dies" here.
    }
    let mut store = Store::open(&cache(dir.path())).unwrap();
    assert_eq!(store.recover_interrupted("t4").unwrap(), 1);
    assert_eq!(titles(&store), ["A:Penicillin"]);
    let a = &store.sources("9990000018").unwrap()[0];
    assert_eq!(a.last_outcome, RunOutcome::Interrupted);
    assert!(a.stale);
    let n: i64 = store
        .conn
        .query_row("SELECT count(*) FROM resource", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "the interrupted run's rows are gone");
}

#[test]
fn raw_json_is_kept_byte_for_byte_and_derived_rows_rebuild_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    let raw = r#"{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","subject":{"reference":"Patient/p"},"medicationReference":{"reference":"Medication/med1"},"authoredOn":"2024-05","_vendor":{"x":[1,2.50]}}"#;
    let v: serde_json::Value = serde_json::from_str(raw).unwrap();
    let mr = StoredResource::new(
        &v,
        raw.to_string(),
        FhirVersion::R4,
        "t",
        Provenance::Match,
        "x".into(),
    );
    let med = resource(
        json!({"resourceType": "Medication", "id": "med1", "code": {"text": "Ramipril 5mg capsules"}}),
    );
    synced(&mut store, "A", vec![mr, med]);
    assert_eq!(
        store
            .resource_json("9990000018", "A", "MedicationRequest", "m1")
            .unwrap()
            .as_deref(),
        Some(raw)
    );
    let before = store
        .timeline("9990000018", &TimelineFilter::default())
        .unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(
        before[0].title, "Ramipril 5mg capsules",
        "resolved from the Medication resource"
    );
    store.conn.execute("DELETE FROM event", []).unwrap();
    assert!(
        store
            .timeline("9990000018", &TimelineFilter::default())
            .unwrap()
            .is_empty()
    );
    store.rebuild_derived().unwrap();
    assert_eq!(
        store
            .timeline("9990000018", &TimelineFilter::default())
            .unwrap(),
        before
    );
}

#[test]
fn a_cache_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(&cache(dir.path())).unwrap());
    let path = cache(dir.path()).db_path();
    let key = cache(dir.path()).key().clone();
    let conn = cipher::open(&path, &key).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&cache(dir.path())).err().expect("must refuse");
    assert_eq!(err.code(), ErrorCode::CacheTooNew);
    assert!(err.to_string().contains("schema 99"), "{err}");
    let conn = cipher::open(&path, &key).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99);
}

#[test]
fn timeline_filters_by_kind_and_source_and_puts_undated_entries_last() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    synced(
        &mut store,
        "A",
        vec![
            allergy("1", "Penicillin"),
            resource(
                json!({"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p"},
                        "class": {"code": "AMB"}, "type": [{"text": "Clinic"}], "period": {"start": "2025-03-01T10:00:00Z"}}),
            ),
            resource(
                json!({"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p"}, "code": {"text": "Undated"}}),
            ),
        ],
    );
    synced(&mut store, "B", vec![allergy("1", "Latex")]);
    let all = store
        .timeline("9990000018", &TimelineFilter::default())
        .unwrap();
    let order: Vec<&str> = all.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(order, ["Clinic", "Penicillin", "Latex", "Undated"]);
    assert_eq!(all[3].date_display, "Not known");
    let only = store
        .timeline(
            "9990000018",
            &TimelineFilter {
                kinds: vec![crate::timeline::EventKind::Allergy],
                sources: vec!["B".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].title, "Latex");
    assert!(
        store
            .timeline("9434765919", &TimelineFilter::default())
            .unwrap()
            .is_empty(),
        "other patients see nothing"
    );
}

#[test]
fn the_sync_lock_is_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let held = SyncLock::acquire(cache(dir.path()).dir()).unwrap();
    let err = SyncLock::acquire(cache(dir.path()).dir())
        .err()
        .expect("second lock must fail");
    assert_eq!(err.code(), ErrorCode::CacheLocked);
    drop(held);
    assert!(SyncLock::acquire(cache(dir.path()).dir()).is_ok());
}

#[test]
fn purging_an_endpoint_removes_its_runs_and_rows_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    synced(&mut store, "A", vec![allergy("1", "Penicillin")]);
    synced(&mut store, "B", vec![allergy("1", "Latex")]);
    assert_eq!(store.purge_endpoint("A").unwrap(), 1);
    assert_eq!(titles(&store), ["B:Latex"]);
    let ids: Vec<String> = store
        .sources("9990000018")
        .unwrap()
        .into_iter()
        .map(|s| s.source_id)
        .collect();
    assert_eq!(ids, ["B"]);
    let n: i64 = store
        .conn
        .query_row("SELECT count(*) FROM resource", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_wrong_key_is_refused_and_leaves_every_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(&cache(dir.path())).unwrap();
        synced(&mut store, "trust", vec![allergy("a1", "Penicillin")]);
    }
    let files = |d: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = files(cache(dir.path()).dir());
    let wrong = Cache::new(
        cache(dir.path()).dir(),
        crate::cache_key::CacheKey::from_hex(&"cd".repeat(32)).unwrap(),
    );
    let err = Store::open(&wrong).err().expect("must refuse");
    assert_eq!(err.code(), ErrorCode::CacheKeyWrong);
    assert_eq!(files(cache(dir.path()).dir()), before);
}

#[test]
fn a_plaintext_cache_is_encrypted_once_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = cache(dir.path()).db_path();
    crate::private_dir::ensure(cache(dir.path()).dir()).unwrap();
    {
        // A cache as an earlier, unencrypted version left it.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        schema::migrations().to_latest(&mut conn).unwrap();
        conn.execute_batch(
            r#"INSERT INTO sync_run (run_id, patient_key, endpoint_id, source, source_kind, base_url, origin, started_at, outcome)
                 VALUES (1, '9990000018', 'gp', 'GP', 'gp', 'http://gp/', 'http://gp', 't', 'ok');
             INSERT INTO current_run VALUES ('9990000018', 'gp', 1);
             INSERT INTO resource VALUES (1, 'AllergyIntolerance', 'a1', NULL, NULL, 't', 'R4', 'match',
                 '{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"Peanut"}}');"#,
        )
        .unwrap();
    }
    assert!(cipher::is_plaintext(&path));
    let store = Store::open(&cache(dir.path())).unwrap();
    assert!(!cipher::is_plaintext(&path));
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.windows(6).any(|w| w == b"Peanut"));
    assert!(!raw.windows(10).any(|w| w == b"9990000018"));
    assert!(
        store
            .resource_json("9990000018", "gp", "AllergyIntolerance", "a1")
            .unwrap()
            .unwrap()
            .contains("Peanut")
    );
    for side in ["-wal", "-shm"] {
        let p = cache(dir.path()).dir().join(format!("{DB_FILE}{side}"));
        if let Ok(bytes) = std::fs::read(&p) {
            assert!(!bytes.windows(6).any(|w| w == b"Peanut"), "{side}");
        }
    }
}

#[test]
fn forgetting_a_patient_leaves_no_page_of_their_record() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let mut store = Store::open(&c).unwrap();
    synced(&mut store, "trust", vec![allergy("a1", "Zebra-venom")]);
    store
        .touch_patient("9990000018", "2026-01-01T00:00:00Z")
        .unwrap();
    assert_eq!(store.forget_patient("9990000018").unwrap(), 1);
    store.compact().unwrap();
    assert!(!store.has_patient("9990000018").unwrap());
    drop(store);
    // Decrypted page by page with the key, nothing of the patient remains anywhere in the file.
    let pages = decrypted_pages(&c.db_path(), c.key());
    assert!(!pages.is_empty());
    for (i, data) in pages.iter().enumerate() {
        assert!(
            !data.windows(11).any(|w| w == b"Zebra-venom"),
            "page {}",
            i + 1
        );
        assert!(
            !data.windows(10).any(|w| w == b"9990000018"),
            "page {}",
            i + 1
        );
    }
    let wal = std::fs::metadata(c.dir().join(format!("{DB_FILE}-wal"))).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL is emptied");
}

#[path = "../../tests/common/sqlcipher_pages.rs"]
mod sqlcipher_pages;

/// Every page of a cache file decrypted with its key.
pub(super) fn decrypted_pages(
    path: &std::path::Path,
    key: &crate::cache_key::CacheKey,
) -> Vec<Vec<u8>> {
    let key_bytes = hex::decode(key.to_hex().as_str()).unwrap();
    sqlcipher_pages::decrypted_pages(path, &key_bytes)
}

#[test]
fn the_raw_file_holds_no_patient_data_and_decrypts_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let mut store = Store::open(&c).unwrap();
    synced(&mut store, "trust", vec![allergy("a1", "Zebra-venom")]);
    store.checkpoint().unwrap();
    drop(store);
    let raw = std::fs::read(c.db_path()).unwrap();
    assert!(!raw.windows(11).any(|w| w == b"Zebra-venom"));
    assert!(!raw.windows(10).any(|w| w == b"9990000018"));
    // The same bytes, decrypted, do hold it: the check above is not vacuous.
    let pages = decrypted_pages(&c.db_path(), c.key());
    assert!(
        pages
            .iter()
            .any(|p| p.windows(11).any(|w| w == b"Zebra-venom"))
    );
}

#[test]
fn retention_finds_patients_not_opened_since_the_cutoff() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&cache(dir.path())).unwrap();
    store
        .touch_patient("9990000018", "2026-01-01T00:00:00Z")
        .unwrap();
    store
        .touch_patient("9990000026", "2026-11-01T00:00:00Z")
        .unwrap();
    assert_eq!(
        store
            .patients_opened_before("2026-10-01T00:00:00Z")
            .unwrap(),
        vec!["9990000018".to_string()]
    );
}

#[test]
fn the_audit_witness_only_moves_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&cache(dir.path())).unwrap();
    store.advance_witness("audit_head", 5, "h5").unwrap();
    store.advance_witness("audit_head", 3, "h3").unwrap();
    assert_eq!(store.meta("audit_head").unwrap().as_deref(), Some("5 h5"));
    store.advance_witness("audit_head", 12, "h12").unwrap();
    assert_eq!(store.meta("audit_head").unwrap().as_deref(), Some("12 h12"));
}

fn dated_allergy(id: &str, text: &str, date: &str) -> StoredResource {
    resource(
        json!({"resourceType": "AllergyIntolerance", "id": id, "code": {"text": text},
        "patient": {"reference": "Patient/p"}, "recordedDate": date}),
    )
}

#[test]
fn pages_follow_the_timeline_order_with_counts_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    let a: Vec<StoredResource> = (0..30)
        .map(|i| {
            dated_allergy(
                &format!("a{i}"),
                &format!("Penicillin {i}"),
                &format!("2020-01-{:02}", i % 28 + 1),
            )
        })
        .chain([allergy("undated", "Latex glove reaction")].map(|mut r| {
            r.event.as_mut().unwrap().date = None;
            r.event.as_mut().unwrap().sort_key = String::new();
            r
        }))
        .collect();
    let b: Vec<StoredResource> = (0..25)
        .map(|i| {
            dated_allergy(
                &format!("b{i}"),
                &format!("Égg allergy {i}"),
                &format!("2021-03-{:02}", i % 28 + 1),
            )
        })
        .collect();
    synced(&mut store, "A", a);
    synced(&mut store, "B", b);
    let patient = "9990000018";
    let all = store.timeline(patient, &TimelineFilter::default()).unwrap();
    assert_eq!(all.len(), 56);
    // Pages of 7, joined, are the whole timeline in its order.
    let mut joined = Vec::new();
    for offset in (0..56).step_by(7) {
        let page = store
            .timeline_page(patient, &TimelineFilter::default(), None, offset, 7)
            .unwrap();
        assert_eq!(page.total, 56);
        joined.extend(
            page.events
                .into_iter()
                .map(|e| (e.source_id, e.resource_id)),
        );
    }
    let expected: Vec<(String, String)> = all
        .iter()
        .map(|e| (e.source_id.clone(), e.resource_id.clone()))
        .collect();
    assert_eq!(joined, expected);
    assert_eq!(
        joined.last().unwrap().1,
        "undated",
        "undated entries come last"
    );

    // Counts per source whatever the source filter; per kind whatever the kind filter.
    let only_b = TimelineFilter {
        sources: vec!["B".into()],
        ..Default::default()
    };
    let page = store.timeline_page(patient, &only_b, None, 0, 5).unwrap();
    assert_eq!(page.total, 25);
    assert_eq!(page.by_source.get("A"), Some(&31));
    assert_eq!(page.by_source.get("B"), Some(&25));
    assert_eq!(page.by_kind.get("allergy"), Some(&25));

    // Search: word starts, any case, accents folded; quotes and FTS syntax are just text.
    let found = store
        .timeline_page(patient, &TimelineFilter::default(), Some("egg ALL"), 0, 100)
        .unwrap();
    assert_eq!(found.total, 25);
    assert!(found.events.iter().all(|e| e.title.contains("allergy")));
    let none = store
        .timeline_page(
            patient,
            &TimelineFilter::default(),
            Some("\"peni OR NEAR(x"),
            0,
            100,
        )
        .unwrap();
    assert_eq!(none.total, 0);
    assert_eq!(
        store
            .timeline_page(patient, &TimelineFilter::default(), Some("glove"), 0, 10)
            .unwrap()
            .total,
        1
    );

    // A restricted entry is never found by what it says.
    synced(
        &mut store,
        "C",
        vec![resource(
            json!({"resourceType": "AllergyIntolerance", "id": "r1",
            "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]},
            "code": {"text": "Zopiclone sensitivity"}, "patient": {"reference": "Patient/p"}, "recordedDate": "2020-01-01"}),
        )],
    );
    assert_eq!(
        store
            .timeline_page(
                patient,
                &TimelineFilter::default(),
                Some("zopiclone"),
                0,
                10
            )
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .timeline_page(patient, &TimelineFilter::default(), None, 0, 10)
            .unwrap()
            .total,
        57
    );

    // A new sync of A replaces its rows in the index too: old words are not found.
    synced(
        &mut store,
        "A",
        vec![dated_allergy("z", "Peanut", "2022-01-01")],
    );
    assert_eq!(
        store
            .timeline_page(
                patient,
                &TimelineFilter::default(),
                Some("penicillin"),
                0,
                10
            )
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .timeline_page(patient, &TimelineFilter::default(), Some("pean"), 0, 10)
            .unwrap()
            .total,
        1
    );
}

#[test]
fn a_date_range_keeps_entries_whose_date_overlaps_it_at_its_precision() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&cache(dir.path())).unwrap();
    let mut undated = allergy("undated", "Latex glove reaction");
    undated.event.as_mut().unwrap().date = None;
    undated.event.as_mut().unwrap().sort_key = String::new();
    synced(
        &mut store,
        "A",
        vec![
            dated_allergy("year", "Penicillin year", "2019"),
            dated_allergy("month", "Penicillin month", "2019-06"),
            dated_allergy("day", "Penicillin day", "2019-06-15"),
            dated_allergy("time", "Penicillin time", "2019-07-01T09:30:00Z"),
            dated_allergy("later", "Penicillin later", "2021-02-03"),
            undated,
        ],
    );
    let patient = "9990000018";
    let day = |s: &str| Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let ids = |from: &str, to: &str, text: Option<&str>| {
        let filter = TimelineFilter {
            from: if from.is_empty() { None } else { day(from) },
            to: if to.is_empty() { None } else { day(to) },
            ..Default::default()
        };
        let page = store.timeline_page(patient, &filter, text, 0, 50).unwrap();
        let mut got: Vec<String> = page.events.into_iter().map(|e| e.resource_id).collect();
        assert_eq!(page.total as usize, got.len());
        // The whole-timeline read agrees with the page.
        if text.is_none() {
            let whole: Vec<String> = store
                .timeline(patient, &filter)
                .unwrap()
                .into_iter()
                .map(|e| e.resource_id)
                .collect();
            assert_eq!(whole, got);
        }
        got.sort();
        got
    };
    // One day in June 2019: the year, the month and the day itself overlap it.
    assert_eq!(
        ids("2019-06-15", "2019-06-15", None),
        ["day", "month", "year"]
    );
    // Late June: the month still overlaps (its last day is the 30th or earlier, never later).
    assert_eq!(ids("2019-06-20", "2019-06-30", None), ["month", "year"]);
    assert_eq!(ids("2019-07-01", "", None), ["later", "time", "year"]);
    assert_eq!(ids("", "2018-12-31", None), Vec::<String>::new());
    assert_eq!(ids("2020-01-01", "", None), ["later"]);
    // The undated entry matches no range, but is there without one.
    assert_eq!(ids("", "", None).len(), 6);
    assert_eq!(ids("1900-01-01", "2100-01-01", None).len(), 5);
    // With a search, the range still applies, to the counts too.
    assert_eq!(
        ids("2019-06-01", "2019-06-30", Some("penicillin")),
        ["day", "month", "year"]
    );
}
