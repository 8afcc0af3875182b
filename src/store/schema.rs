//! Numbered migrations, applied at open in one transaction. `user_version`
//! holds the schema number; a database newer than this code is refused.

use rusqlite_migration::{M, Migrations};

/// Raw JSON rows are the source of truth; `event` and `medication` are derived
/// and can be rebuilt (see `Store::rebuild_derived`).
const V1: &str = r#"
CREATE TABLE sync_run (
    run_id          INTEGER PRIMARY KEY,
    patient_key     TEXT NOT NULL,
    source          TEXT NOT NULL,
    source_kind     TEXT NOT NULL,
    base_url        TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    outcome         TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
    error_code      TEXT,
    error_message   TEXT,
    fhir_version    TEXT,
    server_software TEXT,
    patient_ids     TEXT NOT NULL DEFAULT '[]',
    counts          TEXT NOT NULL DEFAULT '{}',
    warnings        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sync_run_by_patient ON sync_run (patient_key, source, run_id);

-- The run whose data is shown for a patient and source. Flipped in the same
-- transaction that deletes the previous run's rows, so readers never see half a sync.
CREATE TABLE current_run (
    patient_key TEXT NOT NULL,
    source      TEXT NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES sync_run (run_id),
    PRIMARY KEY (patient_key, source)
) WITHOUT ROWID;

CREATE TABLE resource (
    run_id        INTEGER NOT NULL REFERENCES sync_run (run_id),
    resource_type TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    TEXT,
    last_updated  TEXT,
    fetched_at    TEXT NOT NULL,
    fhir_version  TEXT NOT NULL,
    search_mode   TEXT NOT NULL,
    json          TEXT NOT NULL,
    PRIMARY KEY (run_id, resource_type, id)
);

CREATE TABLE event (
    run_id           INTEGER NOT NULL,
    resource_type    TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    date             TEXT,
    sort_key         TEXT NOT NULL,
    title            TEXT,
    status           TEXT,
    entered_in_error INTEGER NOT NULL,
    detail           TEXT,
    codes            TEXT NOT NULL,
    medication_ref   TEXT,
    PRIMARY KEY (run_id, resource_type, resource_id)
);
CREATE INDEX event_by_date ON event (run_id, sort_key);
CREATE INDEX event_by_kind ON event (run_id, kind, sort_key);

CREATE TABLE medication (
    run_id INTEGER NOT NULL,
    id     TEXT NOT NULL,
    name   TEXT,
    codes  TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
);

-- Resources refused for this patient: what and why, never their content.
CREATE TABLE rejected (
    run_id        INTEGER NOT NULL REFERENCES sync_run (run_id),
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    code          TEXT NOT NULL,
    reason        TEXT NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// V2: data is keyed by the endpoint's stable id, not its display name, and each
/// run records the origin (base URL) it came from. Runs can also end `suspect`
/// (kept aside: the earlier data stays shown) or `interrupted` (process died).
const V2: &str = r#"
CREATE TABLE sync_run_v2 (
    run_id          INTEGER PRIMARY KEY,
    patient_key     TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL,
    source          TEXT NOT NULL,
    source_kind     TEXT NOT NULL,
    base_url        TEXT NOT NULL,
    origin          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    outcome         TEXT NOT NULL
                    CHECK (outcome IN ('running', 'ok', 'failed', 'suspect', 'interrupted')),
    error_code      TEXT,
    error_message   TEXT,
    fhir_version    TEXT,
    server_software TEXT,
    patient_ids     TEXT NOT NULL DEFAULT '[]',
    counts          TEXT NOT NULL DEFAULT '{}',
    warnings        TEXT NOT NULL DEFAULT '[]',
    not_offered     TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO sync_run_v2 (run_id, patient_key, endpoint_id, source, source_kind, base_url, origin,
    started_at, finished_at, outcome, error_code, error_message, fhir_version, server_software,
    patient_ids, counts, warnings)
SELECT run_id, patient_key, source, source, source_kind, base_url, rtrim(base_url, '/'),
    started_at, finished_at, outcome, error_code, error_message, fhir_version, server_software,
    patient_ids, counts, warnings
FROM sync_run;

ALTER TABLE event ADD COLUMN marks TEXT NOT NULL DEFAULT '[]';

CREATE TABLE current_run_v2 (
    patient_key TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    PRIMARY KEY (patient_key, endpoint_id)
) WITHOUT ROWID;
"#;

/// V3: restricted entries are marked on their derived rows; each run records
/// what consent provisions at the source withheld; each patient's last opening
/// is kept so the record can expire (retention).
const V3: &str = r#"
ALTER TABLE event ADD COLUMN restricted TEXT;
ALTER TABLE sync_run ADD COLUMN consent TEXT NOT NULL DEFAULT '[]';
CREATE TABLE patient_access (
    patient_key TEXT PRIMARY KEY,
    last_opened TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO patient_access (patient_key, last_opened)
    SELECT patient_key, max(started_at) FROM sync_run GROUP BY patient_key;
"#;

/// V4: what a source's lists say about their own completeness (GP Connect
/// list warnings and empty reasons).
const V4: &str = r#"
ALTER TABLE sync_run ADD COLUMN list_notes TEXT NOT NULL DEFAULT '[]';
"#;

/// V5: the timeline a page at a time — an index in display order per run, and
/// full-text search over titles and details (FTS5, kept in step by triggers).
const V5: &str = r#"
CREATE INDEX event_page ON event (run_id, sort_key DESC, resource_type, resource_id);
CREATE INDEX event_page_kind ON event (run_id, kind, sort_key DESC, resource_type, resource_id);
CREATE VIRTUAL TABLE event_text USING fts5(
    title, detail, content = 'event', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO event_text (event_text) VALUES ('rebuild');
CREATE TRIGGER event_text_insert AFTER INSERT ON event BEGIN
    INSERT INTO event_text (rowid, title, detail) VALUES (new.rowid, new.title, new.detail);
END;
CREATE TRIGGER event_text_delete AFTER DELETE ON event BEGIN
    INSERT INTO event_text (event_text, rowid, title, detail) VALUES ('delete', old.rowid, old.title, old.detail);
END;
CREATE TRIGGER event_text_update AFTER UPDATE OF title, detail ON event BEGIN
    INSERT INTO event_text (event_text, rowid, title, detail) VALUES ('delete', old.rowid, old.title, old.detail);
    INSERT INTO event_text (rowid, title, detail) VALUES (new.rowid, new.title, new.detail);
END;
"#;

/// V6: incremental sync. A run records how it fetched (`full` or
/// `incremental`), the server's clock when it began (the next run asks for
/// what changed after it), when the full sync the shown data rests on began,
/// a digest of what decided what was kept (consents, purpose, version), and
/// each search's validators (ETag, Last-Modified) for conditional searches.
/// An incremental run's rows are merged into the shown run (`merged_into`),
/// whose `last_merged` names it. The first indexes by date and kind are
/// covered by V5's page indexes: dropped, so each write updates two fewer.
const V6: &str = r#"
ALTER TABLE sync_run ADD COLUMN mode TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sync_run ADD COLUMN server_time TEXT;
ALTER TABLE sync_run ADD COLUMN full_at TEXT;
ALTER TABLE sync_run ADD COLUMN basis TEXT;
ALTER TABLE sync_run ADD COLUMN merged_into INTEGER;
ALTER TABLE sync_run ADD COLUMN last_merged INTEGER;
ALTER TABLE sync_run ADD COLUMN validators TEXT NOT NULL DEFAULT '{}';
DROP INDEX event_by_date;
DROP INDEX event_by_kind;
"#;

/// Ids for V1 rows: the slug of the name, as a V1 configuration (no ids) derives them.
fn v2_ids(tx: &rusqlite::Transaction) -> rusqlite_migration::HookResult {
    let names: Vec<String> = {
        let mut st = tx.prepare("SELECT DISTINCT source FROM sync_run_v2")?;
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for name in names {
        tx.execute(
            "UPDATE sync_run_v2 SET endpoint_id = ?1 WHERE source = ?2",
            [crate::config::slug(&name), name],
        )?;
    }
    tx.execute_batch(
        r#"
        INSERT INTO current_run_v2 (patient_key, endpoint_id, run_id)
            SELECT c.patient_key, s.endpoint_id, c.run_id
            FROM current_run c JOIN sync_run_v2 s ON s.run_id = c.run_id;
        DROP TABLE current_run;
        DROP INDEX sync_run_by_patient;
        DROP TABLE sync_run;
        ALTER TABLE sync_run_v2 RENAME TO sync_run;
        ALTER TABLE current_run_v2 RENAME TO current_run;
        CREATE INDEX sync_run_by_patient ON sync_run (patient_key, endpoint_id, run_id);
        "#,
    )?;
    Ok(())
}

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up_with_hook(V2, v2_ids),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
    ])
}

/// Schema number this code writes.
pub const SCHEMA_VERSION: usize = 6;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    #[test]
    fn a_v1_cache_keeps_its_data_keyed_by_the_id_its_name_gives() {
        use rusqlite::Connection;
        let mut c = Connection::open_in_memory().unwrap();
        rusqlite_migration::Migrations::new(vec![rusqlite_migration::M::up(super::V1)])
            .to_latest(&mut c)
            .unwrap();
        c.execute_batch(
            "INSERT INTO sync_run (run_id, patient_key, source, source_kind, base_url, started_at, outcome)
                 VALUES (7, '9990000018', 'Meadow Lane Surgery', 'gp', 'http://gp/fhir/', 't', 'ok');
             INSERT INTO current_run VALUES ('9990000018', 'Meadow Lane Surgery', 7);",
        )
        .unwrap();
        super::migrations().to_latest(&mut c).unwrap();
        let (id, origin, run): (String, String, i64) = c
            .query_row(
                "SELECT s.endpoint_id, s.origin, c.run_id FROM current_run c JOIN sync_run s USING (run_id)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (id.as_str(), origin.as_str(), run),
            ("meadow-lane-surgery", "http://gp/fhir", 7)
        );
    }
}
