//! Text output for people, following NHS display conventions: labels before
//! values, dd-Mmm-yyyy dates, 24-hour UK times, `Not known` for unknown values.

use chrono::Utc;

use crossview::banner::{AllergyState, Banner};
use crossview::config::EndpointKind;
use crossview::display::{NOT_KNOWN, ago, born, instant};
use crossview::nhs_number::NhsNumber;
use crossview::store::SourceStatus;
use crossview::sync::SyncReport;
use crossview::timeline::TimelineEvent;

fn kind_label(kind: &str) -> &'static str {
    EndpointKind::parse(kind).label()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn print_banner(b: &Banner, nhs: &NhsNumber) {
    let gender = b.gender.as_deref().map(|g| {
        let mut c = g.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    });
    println!(
        "{}, {}   {}   Gender {}   NHS No. {}",
        b.family.as_deref().unwrap_or(NOT_KNOWN),
        b.given.as_deref().unwrap_or(NOT_KNOWN),
        born(b.birth_date.as_deref(), Utc::now().date_naive()),
        gender.as_deref().unwrap_or(NOT_KNOWN),
        nhs
    );
    match &b.allergies {
        AllergyState::Listed { allergies } => {
            let items: Vec<String> = allergies
                .iter()
                .map(|a| format!("{} ({})", a.title, a.source))
                .collect();
            println!("Allergies {}", items.join(" · "));
        }
        AllergyState::NoKnownAllergies { sources } => {
            println!("Allergies No known allergies ({})", sources.join(", "))
        }
        AllergyState::NotRecorded => println!("Allergies Allergies not recorded"),
    }
    if let Some(c) = &b.allergy_conflict {
        println!("WARNING {c}");
    }
    for d in &b.discrepancies {
        println!("WARNING {d}");
    }
}

pub fn print_freshness(statuses: &[SourceStatus]) {
    let now = Utc::now();
    for s in statuses.iter().filter(|s| s.stale) {
        let as_of = s.last_success.as_deref().map_or_else(
            || "nothing cached".to_string(),
            |t| format!("as of {}", instant(t)),
        );
        println!(
            "WARNING {} could not be reached at the last sync ({}): showing data {as_of} ({})",
            s.source,
            s.last_error_code.map(|c| c.as_str()).unwrap_or("failed"),
            s.last_success
                .as_deref()
                .map_or_else(|| NOT_KNOWN.to_string(), |t| ago(t, now))
        );
    }
    println!();
}

pub fn print_timeline(events: &[TimelineEvent]) {
    if events.is_empty() {
        println!("No entries cached for this patient. Run `crossview sync --nhs <number>` first.");
        return;
    }
    println!(
        "{:<18} {:<11} {:<48} {:<12} Source",
        "Date", "Kind", "Entry", "Status"
    );
    for e in events {
        let title = if e.entered_in_error {
            format!("[ENTERED IN ERROR] {}", e.title)
        } else {
            e.title.clone()
        };
        println!(
            "{:<18} {:<11} {:<48} {:<12} {} ({})",
            e.date_display,
            e.kind.label(),
            truncate(&title, 48),
            truncate(e.status.as_deref().unwrap_or(NOT_KNOWN), 12),
            e.source,
            kind_label(&e.source_kind)
        );
    }
    println!("\n{} entries", events.len());
}

pub fn print_sources(nhs: &NhsNumber, statuses: &[SourceStatus]) {
    println!("Sources for NHS No. {nhs}");
    if statuses.is_empty() {
        println!("Nothing synced yet for this patient.");
        return;
    }
    let now = Utc::now();
    for s in statuses {
        let total: u64 = s.counts.values().sum();
        println!("\n{} ({})", s.source, kind_label(&s.source_kind));
        println!(
            "  Last successful sync  {}",
            s.last_success.as_deref().map_or_else(
                || NOT_KNOWN.to_string(),
                |t| format!("{} ({})", instant(t), ago(t, now))
            )
        );
        println!(
            "  Last attempt          {} {}",
            s.last_attempt
                .as_deref()
                .map_or_else(|| NOT_KNOWN.to_string(), instant),
            s.last_outcome
        );
        if let (Some(code), Some(msg)) = (s.last_error_code, &s.last_error) {
            println!("  Error                 {code}: {msg}");
        }
        println!("  Cached resources      {total}");
        for w in &s.warnings {
            println!("  Note                  {w}");
        }
    }
}

pub fn print_sync_report(report: &SyncReport, nhs: &NhsNumber) {
    println!("Sync for NHS No. {nhs}");
    for o in &report.endpoints {
        let total: u64 = o.counts.values().sum();
        if o.is_ok() {
            println!(
                "  ok      {} ({}): {total} resources",
                o.source,
                kind_label(&o.source_kind)
            );
        } else {
            let e = o.error.as_ref();
            println!(
                "  FAILED  {} ({}): {}: {} (earlier cached data kept)",
                o.source,
                kind_label(&o.source_kind),
                e.map(|e| e.code.as_str()).unwrap_or("Internal"),
                e.map(|e| e.message.as_str()).unwrap_or(NOT_KNOWN)
            );
        }
        for w in &o.warnings {
            println!("          Note {w}");
        }
    }
    let failed = report.endpoints.iter().filter(|o| !o.is_ok()).count();
    if failed > 0 {
        println!("{failed} of {} endpoints failed.", report.endpoints.len());
    }
}
