//! Information governance in the one API: the access basis each patient's
//! record needs, one audit entry per action (written before a result reaches
//! a front; no entry, no result), restricted entries revealed on purpose,
//! retention and forgetting, and the cache key.

use std::collections::{HashMap, HashSet};
use std::sync::MutexGuard;

use super::App;
use crate::access::{Access, AccessError};
use crate::audit::{AuditAction, AuditEntry, AuditLog, Event, Verification, Witness};
use crate::cache_key::{self, CacheKey, KeySource};
use crate::error::{ErrorCode, UiError};
use crate::nhs_number::NhsNumber;
use crate::store::{Cache, Store, SyncLock, cipher};
use crate::timeline::TimelineEvent;

/// The cache meta key holding the newest audit entry written (the log's witness).
const WITNESS_KEY: &str = "audit_head";

/// What this session (one run of a front) has been told and shown.
#[derive(Default)]
pub(super) struct Session {
    /// For every patient (the command line: one `--basis` per command).
    default_access: Option<Access>,
    /// Per patient (the app asks once per patient per session).
    patients: HashMap<String, Access>,
    /// The basis stated for searches by name and date of birth.
    search_access: Option<Access>,
    /// Patients whose record was opened in this session (refreshes are not new accesses).
    opened: HashSet<String>,
    /// Restricted entries revealed in this session: (patient, source id, type, id).
    revealed: HashSet<(String, String, String, String)>,
    /// Retention has been applied in this session.
    swept: bool,
}

/// What an action reports for its audit entry beside its outcome.
#[derive(Debug, Default)]
pub(super) struct Audited {
    pub sources: Vec<String>,
    pub detail: Option<String>,
    /// Overrides `ok` (e.g. `partial` for a sync where some source failed).
    pub outcome: Option<String>,
}

impl Audited {
    pub fn sources(sources: Vec<String>) -> Audited {
        Audited {
            sources,
            ..Audited::default()
        }
    }
}

fn outcome_of(e: &UiError) -> String {
    format!("failed: {}", e.code)
}

/// One revealed entry and what it says.
pub type RevealedEntry = TimelineEvent;

impl App {
    pub(super) fn session(&self) -> MutexGuard<'_, Session> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cache and its key, resolved once (the key from the environment or the
    /// OS keyring; created there for a new cache). Applies retention on first use.
    pub(super) fn cache(&self) -> Result<Cache, UiError> {
        let cache = {
            let mut guard = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match guard.as_ref() {
                Some((c, _)) => c.clone(),
                None => {
                    crate::private_dir::ensure(&self.data_dir)?;
                    let db = self.data_dir.join(crate::store::DB_FILE);
                    let may_create = !db.exists() || cipher::is_plaintext(&db);
                    let (key, source) =
                        cache_key::resolve(&self.data_dir, self.is_demo(), may_create)?;
                    let c = Cache::new(self.data_dir.clone(), key);
                    *guard = Some((c.clone(), source));
                    c
                }
            }
        };
        let sweep = {
            let mut s = self.session();
            !std::mem::replace(&mut s.swept, true)
        };
        if sweep {
            self.expire_old(&cache)?;
        }
        Ok(cache)
    }

    pub(super) fn key_source(&self) -> Option<KeySource> {
        self.cache
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|(_, s)| *s))
    }

    /// For the command line: the basis for every patient in this run.
    pub fn set_session_basis(&self, access: Access) {
        self.session().default_access = Some(access);
    }

    /// The app: the basis stated for one patient, kept for this session.
    pub fn declare_basis(&self, nhs: &str, access: Access) -> Result<(), UiError> {
        let nhs = super::parse_nhs(nhs)?;
        self.session()
            .patients
            .insert(nhs.as_str().to_string(), access);
        Ok(())
    }

    /// The app: the basis for searches by name and date of birth.
    pub fn declare_search_basis(&self, access: Access) {
        self.session().search_access = Some(access);
    }

    /// The basis stated for this patient in this session, if any.
    pub fn basis_for(&self, nhs: &str) -> Option<Access> {
        let s = self.session();
        s.patients.get(nhs).or(s.default_access.as_ref()).cloned()
    }

    fn search_basis(&self) -> Option<Access> {
        let s = self.session();
        s.search_access.clone().or(s.default_access.clone())
    }

    /// Appends one audit entry, and records it in the cache as the newest written.
    pub(super) fn write_audit(&self, event: &Event) -> Result<AuditEntry, UiError> {
        let cache = self.cache()?;
        let entry = AuditLog::open(&cache)?.append(&self.actor, event)?;
        // The second witness: best effort (the log itself is the record; `audit
        // verify` says when the witness is missing or behind).
        if let Ok(store) = Store::open(&cache) {
            let _ = store.advance_witness(WITNESS_KEY, entry.seq, &entry.hash);
        }
        Ok(entry)
    }

    /// The basis for an action on this patient's record; without one the
    /// refusal is recorded and nothing runs.
    pub(super) fn require_access(
        &self,
        action: AuditAction,
        nhs: &NhsNumber,
    ) -> Result<Access, UiError> {
        let key = nhs.as_str();
        self.basis_for(key).ok_or_else(|| {
            let mut e = Event::new(action, Some(key));
            e.outcome = "refused: no access basis stated".into();
            // A refusal that cannot be logged is still a refusal.
            let _ = self.write_audit(&e);
            AccessError::Missing.into()
        })
    }

    /// Writes the one audit entry of an action (failures included) before its
    /// result goes anywhere: no entry, no result.
    pub(super) fn record_outcome<T>(
        &self,
        action: AuditAction,
        nhs: &NhsNumber,
        access: Access,
        result: Result<(T, Audited), UiError>,
    ) -> Result<T, UiError> {
        let key = nhs.as_str();
        let mut e = Event::new(action, Some(key));
        e.access = Some(access);
        match &result {
            Ok((_, a)) => {
                e.sources.clone_from(&a.sources);
                e.detail.clone_from(&a.detail);
                if let Some(o) = &a.outcome {
                    e.outcome.clone_from(o);
                }
            }
            Err(err) => {
                e.outcome = outcome_of(err);
                e.detail = Some(err.message.clone());
            }
        }
        self.write_audit(&e)?;
        let (value, _) = result?;
        if matches!(
            action,
            AuditAction::Open
                | AuditAction::Timeline
                | AuditAction::Summary
                | AuditAction::Discharges
                | AuditAction::Sync
        ) {
            self.session().opened.insert(key.to_string());
            if let Ok(store) = Store::open(&self.cache()?) {
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let _ = store.touch_patient(key, &now);
            }
        }
        Ok(value)
    }

    /// Runs one patient action under its basis and writes its one audit entry.
    pub(super) fn audited<T>(
        &self,
        action: AuditAction,
        nhs: &NhsNumber,
        f: impl FnOnce(&Access) -> Result<(T, Audited), UiError>,
    ) -> Result<T, UiError> {
        let access = self.require_access(action, nhs)?;
        let result = f(&access);
        self.record_outcome(action, nhs, access, result)
    }

    /// A search by name and date of birth, under the basis stated for searches.
    pub(super) async fn audited_search<T, F>(&self, query: String, f: F) -> Result<T, UiError>
    where
        F: std::future::Future<Output = Result<(T, Audited), UiError>>,
    {
        let Some(access) = self.search_basis() else {
            let mut e = Event::new(AuditAction::Search, None);
            e.query = Some(query);
            e.outcome = "refused: no access basis stated".into();
            let _ = self.write_audit(&e);
            return Err(AccessError::Missing.into());
        };
        let result = f.await;
        let mut e = Event::new(AuditAction::Search, None);
        e.query = Some(query);
        e.access = Some(access);
        match &result {
            Ok((_, a)) => {
                e.sources.clone_from(&a.sources);
                e.detail.clone_from(&a.detail);
            }
            Err(err) => e.outcome = outcome_of(err),
        }
        self.write_audit(&e)?;
        result.map(|(v, _)| v)
    }

    pub(super) fn was_opened(&self, nhs: &str) -> bool {
        self.session().opened.contains(nhs)
    }

    pub(super) fn is_revealed(
        &self,
        nhs: &str,
        source_id: &str,
        resource_type: &str,
        id: &str,
    ) -> bool {
        self.session().revealed.contains(&(
            nhs.to_string(),
            source_id.to_string(),
            resource_type.to_string(),
            id.to_string(),
        ))
    }

    /// Masks the restricted entries not revealed in this session.
    pub(super) fn mask_events(&self, nhs: &str, events: &mut [TimelineEvent]) {
        for e in events.iter_mut().filter(|e| e.restricted.is_some()) {
            if !self.is_revealed(nhs, &e.source_id, &e.resource_type, &e.resource_id) {
                e.mask();
            }
        }
    }

    /// Shows one restricted entry in full for the rest of this session; the
    /// reason is recorded. `entry`: the resource id or the masked entry's handle.
    pub fn reveal(
        &self,
        nhs: &str,
        source: &str,
        resource_type: &str,
        entry: &str,
        reason: &str,
    ) -> Result<RevealedEntry, UiError> {
        let nhs = super::parse_nhs(nhs)?;
        let reason = crate::access::clean_reason(Some(reason))?.ok_or_else(|| {
            UiError::new(
                ErrorCode::InvalidInput,
                "revealing a restricted entry needs a reason",
            )
        })?;
        let key = nhs.as_str().to_string();
        let shown = self.audited(AuditAction::Reveal, &nhs, |access| {
            let store = self.store()?;
            let source_id = self.source_id(&key, source)?;
            let found = store
                .timeline_entry(&key, &source_id, resource_type, entry)?
                .ok_or_else(|| super::records::not_cached(source, resource_type, entry))?;
            if found.restricted.is_none() {
                return Err(UiError::new(
                    ErrorCode::InvalidInput,
                    format!("{resource_type}/{entry} from {source} is not restricted"),
                ));
            }
            let mut shown = found;
            shown.source = self.sources_of(&store, &key)?.name(&source_id);
            let basis_reason = access
                .reason
                .as_deref()
                .map(|r| format!("; basis reason: {r}"))
                .unwrap_or_default();
            let detail = format!(
                "revealed {}/{}; reason: {reason}{basis_reason}",
                shown.resource_type, shown.resource_id
            );
            Ok((
                shown,
                Audited {
                    sources: vec![source_id],
                    detail: Some(detail),
                    outcome: None,
                },
            ))
        })?;
        // Revealed only once the reveal is in the audit log.
        self.session().revealed.insert((
            key,
            shown.source_id.clone(),
            shown.resource_type.clone(),
            shown.resource_id.clone(),
        ));
        Ok(shown)
    }

    /// Removes one patient's cached record completely (the audit log keeps the
    /// fact). Needs no basis: removing data is always allowed. Returns the syncs removed.
    pub fn forget(&self, nhs: &str) -> Result<usize, UiError> {
        let nhs = super::parse_nhs(nhs)?;
        let key = nhs.as_str();
        let cache = self.cache()?;
        // The log must be writable before anything is removed: no unaudited deletion.
        AuditLog::open(&cache)?;
        let result = (|| -> Result<usize, UiError> {
            let _lock = SyncLock::acquire(cache.dir())?;
            let mut store = Store::open(&cache)?;
            let n = store.forget_patient(key)?;
            store.compact()?;
            Ok(n)
        })();
        let mut e = Event::new(AuditAction::Forget, Some(key));
        e.access = self.basis_for(key);
        match &result {
            Ok(n) => e.detail = Some(format!("{n} sync(s) removed")),
            Err(err) => e.outcome = outcome_of(err),
        }
        self.write_audit(&e)?;
        let mut s = self.session();
        s.opened.remove(key);
        s.revealed.retain(|(p, ..)| p != key);
        s.patients.remove(key);
        drop(s);
        result
    }

    /// Removes the records of patients not opened within the retention period.
    fn expire_old(&self, cache: &Cache) -> Result<(), UiError> {
        let cutoff = (chrono::Utc::now() - self.retention)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let store = Store::open(cache)?;
        let expired = store.patients_opened_before(&cutoff)?;
        if expired.is_empty() {
            return Ok(());
        }
        drop(store);
        // Another process syncing: try again next time.
        let Ok(_lock) = SyncLock::acquire(cache.dir()) else {
            return Ok(());
        };
        let mut store = Store::open(cache)?;
        // Opened first: no record is removed unless its removal can be logged.
        let mut log = AuditLog::open(cache)?;
        let mut result = Ok(());
        for patient in &expired {
            let step = (|| -> Result<(), UiError> {
                let n = store.forget_patient(patient)?;
                let mut e = Event::new(AuditAction::Expire, Some(patient));
                e.detail = Some(format!(
                    "not opened for {} days; {n} sync(s) removed",
                    self.retention.num_days()
                ));
                let entry = log.append(&self.actor, &e)?;
                let _ = store.advance_witness(WITNESS_KEY, entry.seq, &entry.hash);
                Ok(())
            })();
            if step.is_err() {
                result = step;
                break;
            }
        }
        // What was removed leaves no readable trace, even when the sweep stopped early.
        store.compact()?;
        result
    }

    /// The audit log, oldest first (one patient's entries with `nhs`).
    pub fn audit_log(&self, nhs: Option<&str>) -> Result<Vec<AuditEntry>, UiError> {
        let nhs = nhs.map(super::parse_nhs).transpose()?;
        Ok(AuditLog::open(&self.cache()?)?.list(nhs.as_ref().map(NhsNumber::as_str))?)
    }

    /// Checks the audit log's chain, and that it ends where the cache says it does.
    pub fn verify_audit(&self) -> Result<Verification, UiError> {
        let cache = self.cache()?;
        let witness = Store::open(&cache)?
            .meta(WITNESS_KEY)?
            .and_then(|w| parse_witness(&w));
        Ok(AuditLog::open(&cache)?.verify(witness.as_ref())?)
    }

    /// Re-encrypts the cache and the audit log under a new random key, kept
    /// where the old one was. With the key from the environment, the new key
    /// is returned once for the person to put there (64 hex digits).
    pub fn rekey(&self) -> Result<Option<String>, UiError> {
        if self.is_demo() {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "the demo cache has a fixed, published key; there is nothing to change",
            ));
        }
        let cache = self.cache()?;
        let source = self.key_source().unwrap_or(KeySource::Keyring);
        let new = CacheKey::random()?;
        let result = (|| -> Result<(), UiError> {
            let _lock = SyncLock::acquire(cache.dir())?;
            // Both files must open with the old key before either changes.
            drop(Store::open(&cache)?);
            drop(AuditLog::open(&cache)?);
            let audit = cache.dir().join(crate::audit::AUDIT_FILE);
            cipher::rekey(&cache.db_path(), cache.key(), &new)?;
            if let Err(e) = cipher::rekey(&audit, cache.key(), &new) {
                // Put the cache back under the old key so both stay readable together.
                let _ = cipher::rekey(&cache.db_path(), &new, cache.key());
                return Err(e.into());
            }
            if let Err(e) = cache_key::replace(cache.dir(), source, &new) {
                let _ = cipher::rekey(&cache.db_path(), &new, cache.key());
                let _ = cipher::rekey(&audit, &new, cache.key());
                return Err(e.into());
            }
            Ok(())
        })();
        if result.is_ok() {
            let fresh = Cache::new(cache.dir().to_path_buf(), new.clone());
            if let Ok(mut g) = self.cache.lock() {
                *g = Some((fresh, source));
            }
        }
        let mut e = Event::new(AuditAction::Rekey, None);
        if let Err(err) = &result {
            e.outcome = outcome_of(err);
        }
        e.detail = Some(match source {
            KeySource::Keyring => "new key kept in the OS keyring".into(),
            _ => format!("new key for {}", cache_key::KEY_ENV),
        });
        let logged = self.write_audit(&e);
        result?;
        match source {
            KeySource::Keyring => {
                logged?;
                Ok(None)
            }
            // The files are already under the new key, which exists nowhere else:
            // it must reach the person even when the log could not be written.
            _ => Ok(Some(new.to_hex().to_string())),
        }
    }
}

fn parse_witness(text: &str) -> Option<Witness> {
    let (seq, hash) = text.split_once(' ')?;
    Some((seq.parse().ok()?, hash.to_string()))
}
