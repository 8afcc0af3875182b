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

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1)])
}

/// Schema number this code writes.
pub const SCHEMA_VERSION: usize = 1;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
