//! TypeScript types for the UI, generated from the Rust types the commands
//! exchange. `ui/src/bindings.ts` is this output, committed; a test fails when
//! they drift (`UPDATE_BINDINGS=1 cargo test -p crossview-desktop` rewrites it).

use ts_rs::{Config, TS};

use crossview::app::{
    AppInfo, ConnectionReport, EndpointSettings, PatientMatch, PatientSearch, PatientView,
};
use crossview::banner::{AllergyState, Banner, BannerAllergy};
use crossview::config::EndpointKind;
use crossview::discharge::{Attachment, DischargeView, EntrySummary, Section};
use crossview::error::{ErrorCode, UiError};
use crossview::store::SourceStatus;
use crossview::sync::{EndpointOutcome, Progress, SyncReport};
use crossview::timeline::{Code, EventKind, TimelineEvent};

/// The whole bindings file.
pub fn typescript() -> String {
    // Counts and sizes arrive as JSON numbers.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorCode::decl(&cfg),
        UiError::decl(&cfg),
        EventKind::decl(&cfg),
        Code::decl(&cfg),
        TimelineEvent::decl(&cfg),
        SourceStatus::decl(&cfg),
        BannerAllergy::decl(&cfg),
        AllergyState::decl(&cfg),
        Banner::decl(&cfg),
        PatientView::decl(&cfg),
        EndpointKind::decl(&cfg),
        EndpointOutcome::decl(&cfg),
        SyncReport::decl(&cfg),
        Progress::decl(&cfg),
        EntrySummary::decl(&cfg),
        Section::decl(&cfg),
        Attachment::decl(&cfg),
        DischargeView::decl(&cfg),
        EndpointSettings::decl(&cfg),
        ConnectionReport::decl(&cfg),
        PatientMatch::decl(&cfg),
        PatientSearch::decl(&cfg),
        AppInfo::decl(&cfg),
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
    out
}
