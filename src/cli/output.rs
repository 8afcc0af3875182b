//! Text output for people, following NHS display conventions: labels before
//! values, dd-Mmm-yyyy dates, 24-hour UK times, `Not known` for unknown values.
//! Every string that came from a server goes through [`safe`] first.

use chrono::Utc;

use crossview::app::{
    Banner, DischargeRecord, InspectedResource, SourceStatus, Summary, SyncReport,
};
use crossview::display::{NOT_KNOWN, ago, born, instant, terminal_safe};
use crossview::nhs_number::NhsNumber;
use crossview::reconcile::{AllergyGroup, MedicineGroup};
use crossview::timeline::TimelineEvent;

/// A server's text made harmless for a terminal: control characters, escape
/// sequences and bidi overrides are shown (`␛`), never obeyed.
fn safe(s: &str) -> String {
    terminal_safe(s)
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

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub fn print_banner(b: &Banner, nhs: &NhsNumber) {
    let title = b
        .title
        .as_deref()
        .map(|t| format!(" ({})", safe(t)))
        .unwrap_or_default();
    say!(
        "{}, {}{title}   {}   Gender {}   NHS No. {}",
        safe(b.family.as_deref().unwrap_or(NOT_KNOWN)),
        safe(b.given.as_deref().unwrap_or(NOT_KNOWN)),
        safe(&born(b.birth_date.as_deref(), Utc::now().date_naive())),
        safe(
            &b.gender
                .as_deref()
                .map(capitalised)
                .unwrap_or_else(|| NOT_KNOWN.into())
        ),
        nhs
    );
    if b.loading {
        say!(
            "LOADING The record is still loading from some sources: what follows may not be complete"
        );
    }
    say!("Allergies {}", safe(&b.allergies.statement));
    if let Some(c) = &b.allergy_conflict {
        say!("WARNING {}", safe(c));
    }
    for d in &b.discrepancies {
        say!("WARNING {}", safe(d));
    }
    for w in &b.identity_warnings {
        say!("WARNING {}", safe(w));
    }
}

pub fn print_freshness(statuses: &[SourceStatus]) {
    let now = Utc::now();
    for s in statuses.iter().filter(|s| s.stale) {
        let as_of = s.last_success.as_deref().map_or_else(
            || "nothing cached".to_string(),
            |t| format!("as of {}", instant(t)),
        );
        let why = match s.last_error_code {
            Some(code) => code.as_str().to_string(),
            None => safe(&format!("{:?}", s.state).to_lowercase()),
        };
        say!(
            "WARNING {} could not be relied on at the last sync ({why}): showing data {as_of} ({})",
            safe(&s.source),
            s.last_success
                .as_deref()
                .map_or_else(|| NOT_KNOWN.to_string(), |t| ago(t, now))
        );
    }
    print_consent(statuses);
    say!();
}

/// Consent restrictions at each source: what they withheld, or that one could not be interpreted.
pub fn print_consent(statuses: &[SourceStatus]) {
    for s in statuses {
        for n in &s.consent {
            let withheld: Vec<String> =
                n.withheld.iter().map(|(t, c)| format!("{c} {t}")).collect();
            let label = if n.applied {
                "CONSENT RESTRICTION"
            } else {
                "WARNING CONSENT NOT APPLIED"
            };
            say!(
                "{label} at {}: {}{}",
                safe(&s.source),
                safe(&n.text),
                if withheld.is_empty() {
                    String::new()
                } else {
                    format!(" (withheld, not kept: {})", withheld.join(", "))
                }
            );
        }
    }
}

/// Masked restricted entries, and how to reveal one.
pub fn print_restricted(nhs: &NhsNumber, events: &[TimelineEvent]) {
    let masked: Vec<&TimelineEvent> = events
        .iter()
        .filter(|e| e.restricted.as_ref().is_some_and(|r| r.masked))
        .collect();
    if masked.is_empty() {
        return;
    }
    say!(
        "\nRESTRICTED: {} entr{} masked by {} source. To see one (the reason is recorded in the audit log):",
        masked.len(),
        if masked.len() == 1 { "y is" } else { "ies are" },
        if masked.len() == 1 { "its" } else { "their" }
    );
    for e in masked {
        say!(
            "  {} {} from {}: crossview reveal --nhs {} --source {} --type {} --entry {} --reason TEXT",
            e.date_display,
            e.kind.label(),
            safe(&e.source),
            nhs.as_str(),
            safe(&e.source_id),
            safe(&e.resource_type),
            safe(&e.resource_id)
        );
    }
}

pub fn print_timeline(events: &[TimelineEvent]) {
    if events.is_empty() {
        say!("No entries cached for this patient. Run `crossview sync --nhs <number>` first.");
        return;
    }
    say!(
        "{:<18} {:<11} {:<48} {:<12} Source",
        "Date",
        "Kind",
        "Entry",
        "Status"
    );
    for e in events {
        let mut marks: Vec<&str> = e.marks.iter().map(|m| m.label()).collect();
        if e.entered_in_error {
            marks.insert(0, "ENTERED IN ERROR");
        }
        let title = if marks.is_empty() {
            e.title.clone()
        } else {
            format!("[{}] {}", marks.join(", "), e.title)
        };
        let stale = if e.stale {
            e.as_of
                .as_deref()
                .map(|t| format!(" as of {}", instant(t)))
                .unwrap_or_else(|| " stale".into())
        } else {
            String::new()
        };
        say!(
            "{:<18} {:<11} {:<48} {:<12} {} ({}){stale}",
            e.date_display,
            e.kind.label(),
            truncate(&safe(&title), 48),
            truncate(&safe(e.status.as_deref().unwrap_or(NOT_KNOWN)), 12),
            safe(&e.source),
            e.source_kind.label()
        );
    }
    say!("\n{} entries", events.len());
}

pub fn print_sources(nhs: &NhsNumber, statuses: &[SourceStatus]) {
    say!("Sources for NHS No. {nhs}");
    if statuses.is_empty() {
        say!("No sources are configured and nothing is cached for this patient.");
        return;
    }
    let now = Utc::now();
    for s in statuses {
        let total: u64 = s.counts.values().sum();
        say!("\n{} ({})", safe(&s.source), s.source_kind.label());
        say!(
            "  Last successful sync  {}",
            s.last_success.as_deref().map_or_else(
                || NOT_KNOWN.to_string(),
                |t| format!("{} ({})", instant(t), ago(t, now))
            )
        );
        say!(
            "  Last attempt          {} {}",
            s.last_attempt
                .as_deref()
                .map_or_else(|| NOT_KNOWN.to_string(), instant),
            s.last_outcome
        );
        if let (Some(code), Some(msg)) = (s.last_error_code, &s.last_error) {
            say!("  Error                 {code}: {}", safe(msg));
        }
        say!("  Cached resources      {total}");
        for w in &s.warnings {
            say!("  Note                  {}", safe(w));
        }
    }
    say!();
    print_consent(statuses);
}

pub fn print_sync_report(report: &SyncReport, nhs: &NhsNumber) {
    say!("Sync for NHS No. {nhs}");
    for o in &report.endpoints {
        let total: u64 = o.counts.values().sum();
        let name = safe(&o.source);
        if o.is_ok() {
            let how = if o.fetch == "incremental" {
                format!("{total} new or changed resources ({})", safe(&o.fetch_note))
            } else if o.fetch == "conditional" {
                format!(
                    "{total} resources from the searches that changed ({})",
                    safe(&o.fetch_note)
                )
            } else if o.fetch_note.is_empty() {
                format!("{total} resources")
            } else {
                format!("{total} resources (full sync: {})", safe(&o.fetch_note))
            };
            say!("  ok      {name} ({}): {how}", o.source_kind.label());
        } else {
            let e = o.error.as_ref();
            let status = if o.outcome == crossview::app::RunOutcome::Suspect {
                "SUSPECT"
            } else {
                "FAILED "
            };
            say!(
                "  {status} {name} ({}): {}: {} (earlier cached data kept)",
                o.source_kind.label(),
                e.map(|e| e.code.as_str()).unwrap_or("Internal"),
                safe(e.map(|e| e.message.as_str()).unwrap_or(NOT_KNOWN))
            );
        }
        for w in &o.warnings {
            say!("          Note {}", safe(w));
        }
    }
    let failed = report.endpoints.iter().filter(|o| !o.is_ok()).count();
    if failed > 0 {
        say!(
            "{failed} of {} endpoints failed or were kept aside.",
            report.endpoints.len()
        );
    }
}

pub fn print_inspected(found: &[InspectedResource]) {
    for r in found.iter().filter(|r| r.kind.is_some()) {
        say!(
            "{:<18} {:<11} {:<40} {}/{}",
            r.date_display,
            r.kind.map(|k| k.label()).unwrap_or_default(),
            safe(r.title.as_deref().unwrap_or(NOT_KNOWN)),
            safe(&r.resource_type),
            safe(r.resource_id.as_deref().unwrap_or("(no id)"))
        );
    }
}

fn print_allergy(g: &AllergyGroup) {
    let mut head = vec![safe(&g.title)];
    if g.negation.is_some() {
        head.push("(no known allergy statement)".into());
    }
    if g.high_criticality {
        head.push("HIGH CRITICALITY".into());
    }
    if !g.current && g.negation.is_none() {
        head.push("NOT CURRENT".into());
    }
    if let Some(v) = &g.verification {
        head.push(format!("Verification {}", safe(v)));
    }
    if let Some(t) = &g.allergy_type {
        head.push(format!("Type {}", safe(t)));
    }
    if !g.reactions.is_empty() {
        head.push(format!("Reaction {}", safe(&g.reactions.join(", "))));
    }
    say!("  {}", head.join("  "));
    for e in &g.entries {
        let mut status = safe(e.status.as_deref().unwrap_or(NOT_KNOWN));
        if e.entered_in_error {
            status = "ENTERED IN ERROR".into();
        }
        let stale = if e.stale { " (stale)" } else { "" };
        say!(
            "      {}: {status}, {}{stale}  [{}/{}]",
            safe(&e.source),
            e.date_display,
            e.resource_type,
            safe(&e.resource_id)
        );
    }
}

fn print_medicine(g: &MedicineGroup) {
    let mut head = vec![safe(&g.title)];
    if g.on_hold {
        head.push("ON HOLD".into());
    }
    if let Some(d) = &g.dose {
        head.push(format!("Dose {}", safe(d)));
    }
    if let Some(d) = &g.last_issued {
        head.push(format!(
            "Last issued {}",
            crossview::display::date_or_not_known(Some(d))
        ));
    }
    head.push(format!("Latest {}", g.last_touched_display));
    say!("  {}", head.join("  "));
    for e in &g.entries {
        let mut s = format!("{:?}", e.state).to_lowercase();
        if let Some(i) = &e.intent {
            s.push_str(&format!(", intent {}", safe(i)));
        }
        if let Some(r) = &e.reason {
            s.push_str(&format!(", reason {}", safe(r)));
        }
        let dose = e
            .dose
            .as_deref()
            .map(|d| format!(", {}", safe(d)))
            .unwrap_or_default();
        let stale = if e.stale { " (stale)" } else { "" };
        say!(
            "      {}: {s}, {}{dose}{stale}  [{}/{}]",
            safe(&e.source),
            e.date_display,
            e.resource_type,
            safe(&e.resource_id)
        );
    }
    if g.earlier_entries > 0 {
        say!(
            "      and {} earlier entries of this medicine (on the timeline)",
            g.earlier_entries
        );
    }
}

pub fn print_summary(s: &Summary, banner: &Banner, nhs: &NhsNumber) {
    print_banner(banner, nhs);
    say!();
    if !s.flags.is_empty() {
        say!("FLAGS");
        for f in &s.flags {
            let level = match f.severity {
                crossview::reconcile::Severity::Warning => "WARNING",
                crossview::reconcile::Severity::Caution => "CAUTION",
            };
            say!("  {level} {}", safe(&f.message));
        }
        say!();
    }
    say!("ALLERGIES");
    if s.allergies.groups.is_empty() {
        say!("  None recorded at any source read.");
    }
    for g in &s.allergies.groups {
        print_allergy(g);
    }
    for gap in &s.allergies.gaps {
        say!(
            "  NOT KNOWN from {}: {}",
            safe(&gap.source),
            safe(&gap.reason)
        );
    }
    for note in &s.allergies.list_notes {
        say!("  {}: {}", safe(&note.source), safe(&note.reason));
    }
    say!("\nCURRENT MEDICINES");
    if s.medications.groups.is_empty() {
        say!("  None current at any source read.");
    }
    for g in &s.medications.groups {
        print_medicine(g);
    }
    for gap in &s.medications.gaps {
        say!(
            "  NOT KNOWN from {}: {}",
            safe(&gap.source),
            safe(&gap.reason)
        );
    }
    for note in &s.medications.list_notes {
        say!("  {}: {}", safe(&note.source), safe(&note.reason));
    }
    if !s.medications.do_not_give.is_empty() {
        say!("\nDO NOT GIVE");
        for g in &s.medications.do_not_give {
            print_medicine(g);
        }
    }
    if !s.medications.recently_stopped.is_empty() {
        say!(
            "\nRECENTLY STOPPED OR ENDED (last {} days)",
            s.medications.recent_days
        );
        for g in &s.medications.recently_stopped {
            print_medicine(g);
        }
    }
    if !s.restricted.is_empty() || s.sources.iter().any(|x| !x.consent.is_empty()) {
        say!();
        print_consent(&s.sources);
        print_restricted(nhs, &s.restricted);
    }
}

pub fn print_discharges(records: &[DischargeRecord]) {
    if records.is_empty() {
        say!("No discharges cached for this patient.");
    }
    for r in records {
        say!(
            "DISCHARGE {} from {}",
            crossview::display::date_or_not_known(r.date.as_deref()),
            safe(&r.source)
        );
        if let Some(e) = &r.encounter {
            say!(
                "  Stay {}  Admitted {}  Discharged {}",
                safe(e.title.as_deref().unwrap_or(NOT_KNOWN)),
                crossview::display::date_or_not_known(e.admitted.as_deref()),
                crossview::display::date_or_not_known(e.discharged.as_deref())
            );
        }
        let c = &r.medication_changes;
        if c.compared_with.is_empty() {
            say!("  Medicine changes (no GP list to compare with)");
        } else {
            say!(
                "  Medicine changes against {}",
                safe(&c.compared_with.join(", "))
            );
        }
        for (label, list) in [
            ("STARTED", &c.started),
            ("STOPPED", &c.stopped),
            ("CHANGED", &c.changed),
            ("CONTINUED", &c.continued),
            ("NOT MENTIONED", &c.not_mentioned),
        ] {
            for m in list {
                let mut line = format!("    {label:<13} {}", safe(&m.title));
                if let Some(d) = &m.detail {
                    line.push_str(&format!(" ({})", safe(d)));
                }
                if let Some(r) = &m.reason {
                    line.push_str(&format!(" reason: {}", safe(r)));
                }
                say!("{line}");
            }
        }
        if let Some(n) = &c.note {
            say!("    Note {}", safe(n));
        }
        for d in &r.documents {
            let superseded = if d.superseded_by.is_some() {
                " [SUPERSEDED]"
            } else {
                ""
            };
            say!(
                "  Document {}{superseded} ({}/{})",
                safe(d.title.as_deref().unwrap_or(NOT_KNOWN)),
                d.resource_type,
                safe(&d.resource_id)
            );
            if let Some(t) = &d.narrative_text {
                for line in t.lines() {
                    say!("    {}", safe(line));
                }
            }
            for s in &d.sections {
                say!(
                    "    {}",
                    safe(s.title.as_deref().unwrap_or("(untitled section)"))
                );
                if let Some(t) = &s.text {
                    for line in t.lines() {
                        say!("      {}", safe(line));
                    }
                }
                if let Some(why) = &s.empty_reason {
                    say!("      (empty: {})", safe(why));
                }
            }
        }
        say!();
    }
}

pub fn print_audit(entries: &[crossview::app::AuditEntry]) {
    if entries.is_empty() {
        say!("The audit log is empty.");
        return;
    }
    for e in entries {
        let who = match &e.clinician_id {
            Some(c) => format!("{} ({})", e.os_user, c),
            None => e.os_user.clone(),
        };
        let basis = e
            .basis
            .map(|b| b.label().to_string())
            .unwrap_or_else(|| "-".into());
        say!(
            "{:>5}  {}  {:<14} {:<12} {:<22} {:<20} {}{}{}",
            e.seq,
            instant(&e.at),
            e.action.as_str(),
            e.nhs_number.as_deref().unwrap_or("-"),
            safe(&who),
            basis,
            safe(&e.outcome),
            e.reason
                .as_deref()
                .map(|r| format!("  reason: {}", safe(r)))
                .unwrap_or_default(),
            e.detail
                .as_deref()
                .map(|d| format!("  ({})", safe(d)))
                .unwrap_or_default()
        );
    }
}

/// The doctor's findings, endpoint by endpoint.
pub fn print_doctor(reports: &[crossview::app::ConnectionReport]) {
    use crossview::doctor::CheckStatus;
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            say!();
        }
        say!(
            "{} ({})  {}",
            safe(&r.endpoint),
            safe(&r.base_url),
            if r.ok { "HEALTHY" } else { "NOT HEALTHY" }
        );
        for c in &r.checks {
            let mark = match c.status {
                CheckStatus::Pass => "ok  ",
                CheckStatus::Warn => "WARN",
                CheckStatus::Fail => "FAIL",
                CheckStatus::Skip => "--  ",
            };
            say!("  {mark} {}: {}", safe(&c.name), safe(&c.detail));
        }
        if !r.will_show.is_empty() {
            say!("  Will show: {}", safe(&r.will_show.join("; ")));
        }
        if !r.will_not_show.is_empty() {
            say!("  Will NOT show: {}", safe(&r.will_not_show.join("; ")));
        }
        if let Some(n) = &r.note {
            say!("  Note: {}", safe(n));
        }
    }
}
