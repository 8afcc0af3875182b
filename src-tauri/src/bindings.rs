//! TypeScript types for the UI, generated from the Rust types the commands
//! exchange, and the constants the UI shows (error codes and their plain-English
//! meaning, source kind labels). `ui/src/bindings.ts` is this output,
//! committed; a test fails when they drift (`UPDATE_BINDINGS=1 cargo test -p
//! crossview-desktop` rewrites it).

use ts_rs::{Config, TS};

use crossview::access::{Access, Basis};
use crossview::app::{
    AppInfo, Banner, BannerAllergies, BannerAllergy, ConnectionReport, DischargeRecord,
    DischargeView, EndpointOutcome, EndpointSettings, EntryKey, PatientMatch, PatientSearch,
    PatientView, Progress, RunOutcome, SourceStatus, Summary, SyncReport,
};
use crossview::audit::AuditAction;
use crossview::config::{EndpointKind, FhirVersionSetting};
use crossview::consent::ConsentNote;
use crossview::discharge::{
    Attachment, DocumentKind, DocumentLink, EncounterInfo, EntrySummary, Section,
};
use crossview::doctor::{Check, CheckStatus, CheckStep};
use crossview::error::{ALL_CODES, ErrorCode, UiError};
use crossview::fhir::FhirVersion;
use crossview::gpconnect::{ListNote, ListNoteKind};
use crossview::reconcile::discharge_changes::{MedicationChange, MedicationChanges};
use crossview::reconcile::terminology::NegationScope;
use crossview::reconcile::{
    AllergyEntry, AllergyGroup, AllergyStatus, AllergySummary, Difference, EntryRef, Flag,
    FlagKind, MedicationSummary, MedicineEntry, MedicineGroup, MedicineStanding, MedicineState,
    Negation, PatientSummary, Severity, SourceValue,
};
use crossview::sources::SourceGap;
use crossview::store::{SourceState, TimelinePage};
use crossview::timeline::Restricted;
use crossview::timeline::{Code, EventKind, EventMark, TimelineEvent};

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Constants the UI takes from the core instead of keeping its own copies.
fn constants() -> String {
    let codes: Vec<&str> = ALL_CODES.iter().map(|c| c.as_str()).collect();
    let plain: serde_json::Map<String, serde_json::Value> = ALL_CODES
        .iter()
        .map(|c| (c.as_str().to_string(), c.plain_english().into()))
        .collect();
    let kinds: serde_json::Map<String, serde_json::Value> = EndpointKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.label().into()))
        .collect();
    let key = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let marks: serde_json::Map<String, serde_json::Value> = EventMark::ALL
        .iter()
        .map(|m| (key(serde_json::json!(m)), m.label().into()))
        .collect();
    let states: serde_json::Map<String, serde_json::Value> = MedicineState::ALL
        .iter()
        .map(|m| (key(serde_json::json!(m)), m.label().into()))
        .collect();
    let flag_titles: serde_json::Map<String, serde_json::Value> = FlagKind::ALL
        .iter()
        .map(|f| (key(serde_json::json!(f)), f.title().into()))
        .collect();
    let flag_tags: serde_json::Map<String, serde_json::Value> = FlagKind::ALL
        .iter()
        .map(|f| (key(serde_json::json!(f)), f.tag().into()))
        .collect();
    let basis_labels: serde_json::Map<String, serde_json::Value> = Basis::ALL
        .iter()
        .map(|b| (b.as_str().to_string(), b.label().into()))
        .collect();
    format!(
        "/** Every error code the core can return. */\n\
         export const ERROR_CODES: readonly ErrorCode[] = {};\n\
         /** What each error code means, in words a clinician understands. */\n\
         export const ERROR_PLAIN_ENGLISH: Record<ErrorCode, string> = {};\n\
         /** The label shown beside a source's name for each kind of endpoint. */\n\
         export const SOURCE_KIND_LABELS: Record<EndpointKind, string> = {};\n\
         /** The words shown for each mark (the command line prints the same). */\n\
         export const EVENT_MARK_LABELS: Record<EventMark, string> = {};\n\
         /** The words shown for each medicine state. */\n\
         export const MEDICINE_STATE_LABELS: Record<MedicineState, string> = {};\n\
         /** Each flag kind as a heading. */\n\
         export const FLAG_KIND_TITLES: Record<FlagKind, string> = {};\n\
         /** Each flag kind as short words on the entries it names. */\n\
         export const FLAG_KIND_TAGS: Record<FlagKind, string> = {};\n\
         /** Each access basis in words, in the order the prompt offers them. */\n\
         export const BASIS_LABELS: Record<Basis, string> = {};\n",
        json(&codes),
        json(&plain),
        json(&kinds),
        json(&marks),
        json(&states),
        json(&flag_titles),
        json(&flag_tags),
        json(&basis_labels),
    )
}

/// The whole bindings file.
pub fn typescript() -> String {
    // Counts and sizes arrive as JSON numbers.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorCode::decl(&cfg),
        UiError::decl(&cfg),
        EventKind::decl(&cfg),
        EndpointKind::decl(&cfg),
        FhirVersion::decl(&cfg),
        FhirVersionSetting::decl(&cfg),
        RunOutcome::decl(&cfg),
        SourceState::decl(&cfg),
        EventMark::decl(&cfg),
        Code::decl(&cfg),
        Restricted::decl(&cfg),
        TimelineEvent::decl(&cfg),
        TimelinePage::decl(&cfg),
        EntryKey::decl(&cfg),
        ConsentNote::decl(&cfg),
        ListNoteKind::decl(&cfg),
        ListNote::decl(&cfg),
        SourceStatus::decl(&cfg),
        SourceGap::decl(&cfg),
        NegationScope::decl(&cfg),
        EntryRef::decl(&cfg),
        AllergyEntry::decl(&cfg),
        AllergyGroup::decl(&cfg),
        AllergyStatus::decl(&cfg),
        Negation::decl(&cfg),
        AllergySummary::decl(&cfg),
        MedicineState::decl(&cfg),
        MedicineStanding::decl(&cfg),
        MedicineEntry::decl(&cfg),
        MedicineGroup::decl(&cfg),
        MedicationSummary::decl(&cfg),
        FlagKind::decl(&cfg),
        Severity::decl(&cfg),
        Flag::decl(&cfg),
        SourceValue::decl(&cfg),
        Difference::decl(&cfg),
        PatientSummary::decl(&cfg),
        Summary::decl(&cfg),
        BannerAllergy::decl(&cfg),
        BannerAllergies::decl(&cfg),
        Banner::decl(&cfg),
        PatientView::decl(&cfg),
        EndpointOutcome::decl(&cfg),
        SyncReport::decl(&cfg),
        Progress::decl(&cfg),
        EntrySummary::decl(&cfg),
        Section::decl(&cfg),
        Attachment::decl(&cfg),
        DocumentKind::decl(&cfg),
        DocumentLink::decl(&cfg),
        MedicationChange::decl(&cfg),
        MedicationChanges::decl(&cfg),
        DischargeView::decl(&cfg),
        EncounterInfo::decl(&cfg),
        DischargeRecord::decl(&cfg),
        EndpointSettings::decl(&cfg),
        CheckStep::decl(&cfg),
        CheckStatus::decl(&cfg),
        Check::decl(&cfg),
        ConnectionReport::decl(&cfg),
        PatientMatch::decl(&cfg),
        PatientSearch::decl(&cfg),
        AppInfo::decl(&cfg),
        Basis::decl(&cfg),
        Access::decl(&cfg),
        AuditAction::decl(&cfg),
        crossview::app::AuditEntry::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit.\n\
         // Regenerate: UPDATE_BINDINGS=1 cargo test -p crossview-desktop --test bindings\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&constants());
    out
}
