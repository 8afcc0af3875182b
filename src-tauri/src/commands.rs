//! Tauri commands: typed requests and responses, errors as `{code, message}`.
//! Each one delegates to the core's `App`; no logic lives here.

use std::sync::Arc;
use tauri::State;
use tauri::ipc::Channel;

use crossview::UiError;
use crossview::app::{
    Access, App, AppInfo, AuditEntry, Basis, ConnectionReport, DischargeView, EndpointSettings,
    EntryKey, PatientSearch, PatientView, Progress, ProgressSink, RevealedEntry, SyncReport,
    TimelinePage, TimelineQuery, parse_day,
};
use crossview::timeline::{EventKind, TimelineEvent};

use crate::state::AppState;

type Res<T> = Result<T, UiError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.app.info()
}

/// The cached record for a patient (instant; no network). Async so that reading a
/// large record never blocks the window's main thread.
#[tauri::command]
pub async fn open_patient(state: State<'_, AppState>, nhs: String) -> Res<PatientView> {
    state.app.open_patient(&nhs)
}

/// Re-reads a record already opened in this session (not a new access).
#[tauri::command]
pub async fn refresh_patient(state: State<'_, AppState>, nhs: String) -> Res<PatientView> {
    state.app.refresh_patient(&nhs)
}

/// The basis for accessing one patient's record, for the rest of this session.
#[tauri::command]
pub fn declare_basis(
    state: State<'_, AppState>,
    nhs: String,
    basis: Basis,
    reason: Option<String>,
) -> Res<()> {
    state
        .app
        .declare_basis(&nhs, Access::new(basis, reason.as_deref())?)
}

/// The basis stated for this patient in this session, if any (the app asks when none).
#[tauri::command]
pub fn basis_for(state: State<'_, AppState>, nhs: String) -> Res<Option<Access>> {
    let n = crossview::NhsNumber::parse(&nhs)?;
    Ok(state.app.basis_for(n.as_str()))
}

/// The basis for searching by name and date of birth.
#[tauri::command]
pub fn declare_search_basis(
    state: State<'_, AppState>,
    basis: Basis,
    reason: Option<String>,
) -> Res<()> {
    state
        .app
        .declare_search_basis(Access::new(basis, reason.as_deref())?);
    Ok(())
}

/// Shows one restricted entry for the rest of this session; the reason is audited.
#[tauri::command]
pub async fn reveal(
    state: State<'_, AppState>,
    nhs: String,
    source: String,
    resource_type: String,
    entry: String,
    reason: String,
) -> Res<RevealedEntry> {
    state
        .app
        .reveal(&nhs, &source, &resource_type, &entry, &reason)
}

/// Removes everything cached of one patient (the audit log keeps the fact).
#[tauri::command]
pub async fn forget_patient(state: State<'_, AppState>, nhs: String) -> Res<usize> {
    state.app.forget(&nhs)
}

/// The audit log entries of one patient (or all).
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>, nhs: Option<String>) -> Res<Vec<AuditEntry>> {
    state.app.audit_log(nhs.as_deref())
}

struct ChannelSink(Channel<Progress>);

impl ProgressSink for ChannelSink {
    fn report(&self, p: Progress) {
        // The window may have gone; progress is best effort.
        let _ = self.0.send(p);
    }
}

/// Pulls the record from every endpoint, reporting progress on `progress`;
/// `full`: everything, not only what changed since the last sync.
#[tauri::command]
pub async fn sync_patient(
    state: State<'_, AppState>,
    nhs: String,
    progress: Channel<Progress>,
    full: Option<bool>,
) -> Res<SyncReport> {
    let app: Arc<App> = state.app.clone();
    app.sync_with(&nhs, Arc::new(ChannelSink(progress)), full.unwrap_or(false))
        .await
}

/// Patients by family name and date of birth (`yyyy-mm-dd`), at every endpoint.
#[tauri::command]
pub async fn find_patients(
    state: State<'_, AppState>,
    family: String,
    birth_date: String,
) -> Res<PatientSearch> {
    let app: Arc<App> = state.app.clone();
    app.find_patients(&family, &birth_date).await
}

/// One page of the cached timeline (newest first) with the counts per kind
/// and source: what a scrolled list shows, never the whole record at once.
#[tauri::command]
// Each argument is a named field of the IPC call the screen makes.
#[allow(clippy::too_many_arguments)]
pub async fn timeline_page(
    state: State<'_, AppState>,
    nhs: String,
    kinds: Vec<EventKind>,
    sources: Vec<String>,
    text: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: u64,
    limit: u64,
) -> Res<TimelinePage> {
    let query = TimelineQuery {
        kinds,
        sources,
        from: parse_day(from.as_deref(), "from")?,
        to: parse_day(to.as_deref(), "to")?,
    };
    state
        .app
        .timeline_page(&nhs, &query, text.as_deref(), offset, limit)
}

/// Timeline entries by key, for a record already opened (no new audit entry).
#[tauri::command]
pub async fn timeline_entries(
    state: State<'_, AppState>,
    nhs: String,
    keys: Vec<EntryKey>,
) -> Res<Vec<TimelineEvent>> {
    state.app.timeline_entries(&nhs, &keys)
}

/// One cached resource exactly as its server sent it.
#[tauri::command]
pub async fn resource_json(
    state: State<'_, AppState>,
    nhs: String,
    source: String,
    resource_type: String,
    id: String,
) -> Res<String> {
    state.app.resource_json(&nhs, &source, &resource_type, &id)
}

#[tauri::command]
pub async fn discharge(
    state: State<'_, AppState>,
    nhs: String,
    source: String,
    resource_type: String,
    id: String,
) -> Res<DischargeView> {
    state.app.discharge(&nhs, &source, &resource_type, &id)
}

/// Shows what a source's last sync returned after it was kept aside as suspect.
#[tauri::command]
pub async fn accept_suspect(state: State<'_, AppState>, nhs: String, source: String) -> Res<bool> {
    state.app.accept_suspect(&nhs, &source)
}

/// Removes every cached entry of a source no longer configured (all patients).
#[tauri::command]
pub async fn purge_source(state: State<'_, AppState>, source: String) -> Res<usize> {
    state.app.purge_source(&source)
}

#[tauri::command]
pub fn list_endpoints(state: State<'_, AppState>) -> Vec<EndpointSettings> {
    state.app.endpoints()
}

#[tauri::command]
pub fn endpoint_defaults() -> EndpointSettings {
    App::endpoint_defaults()
}

#[tauri::command]
pub fn save_endpoints(state: State<'_, AppState>, endpoints: Vec<EndpointSettings>) -> Res<()> {
    state.app.save_endpoints(&endpoints)
}

#[tauri::command]
pub async fn test_endpoint(
    state: State<'_, AppState>,
    endpoint: EndpointSettings,
) -> Res<ConnectionReport> {
    let app: Arc<App> = state.app.clone();
    Ok(app.test_endpoint(&endpoint).await)
}

/// Demo only: take a demo trust offline or bring it back.
#[tauri::command]
pub async fn demo_set_online(state: State<'_, AppState>, source: String, online: bool) -> Res<()> {
    state.app.demo_set_online(&source, online).await
}
