//! Retention and forgetting: a patient's cached record is removed completely
//! (runs, raw JSON, derived rows, refusals) and the file is compacted so no
//! page of it stays behind. `secure_delete` zeroes freed pages; the WAL is
//! emptied and the file rebuilt by `VACUUM` (temporary storage in memory).

use rusqlite::OptionalExtension;

use super::{RunId, Store, StoreError};

impl Store {
    /// Notes that a person opened this patient's record now (retention counts from here).
    pub fn touch_patient(&self, patient: &str, now: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO patient_access (patient_key, last_opened) VALUES (?1, ?2)
             ON CONFLICT (patient_key) DO UPDATE SET last_opened = excluded.last_opened",
            [patient, now],
        )?;
        Ok(())
    }

    /// When this patient's record was last opened (RFC 3339), if it is cached.
    pub fn last_opened(&self, patient: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_opened FROM patient_access WHERE patient_key = ?1",
                [patient],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Patients whose record was last opened before `cutoff` (RFC 3339 UTC),
    /// and patients with cached runs but no record of an opening.
    pub fn patients_opened_before(&self, cutoff: &str) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT patient_key FROM patient_access WHERE last_opened < ?1
             UNION
             SELECT DISTINCT s.patient_key FROM sync_run s
             WHERE NOT EXISTS (SELECT 1 FROM patient_access a WHERE a.patient_key = s.patient_key)
             ORDER BY 1",
        )?;
        let rows = st.query_map([cutoff], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// True when anything of this patient is cached.
    pub fn has_patient(&self, patient: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM sync_run WHERE patient_key = ?1
                 UNION SELECT 1 FROM patient_access WHERE patient_key = ?1 LIMIT 1",
                [patient],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Removes everything cached of one patient; returns the number of syncs removed.
    /// Call [`Store::compact`] afterwards (outside any transaction).
    pub fn forget_patient(&mut self, patient: &str) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let runs: Vec<RunId> = {
            let mut st = tx.prepare("SELECT run_id FROM sync_run WHERE patient_key = ?1")?;
            st.query_map([patient], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for run in &runs {
            for table in ["event", "medication", "resource", "rejected"] {
                tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [run])?;
            }
        }
        tx.execute("DELETE FROM current_run WHERE patient_key = ?1", [patient])?;
        tx.execute("DELETE FROM sync_run WHERE patient_key = ?1", [patient])?;
        tx.execute(
            "DELETE FROM patient_access WHERE patient_key = ?1",
            [patient],
        )?;
        tx.commit()?;
        Ok(runs.len())
    }

    /// Rebuilds the file without free pages and empties the WAL.
    pub fn compact(&self) -> Result<(), StoreError> {
        self.checkpoint()?;
        // Merge the full-text index's segments: deleted entries' words go with them.
        self.conn
            .execute_batch("INSERT INTO event_text (event_text) VALUES ('optimize'); VACUUM")?;
        self.checkpoint()
    }
}
