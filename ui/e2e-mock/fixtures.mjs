// Synthetic data for the mocked-IPC browser tests, in the shapes of ui/src/bindings.ts.
// NHS numbers are from the 999 test range; names, organisations and clinical content are invented.

export const NHS = "9990000018";

const RUH = "Riverside University Hospitals";
const MLS = "Meadow Lane Surgery";
const NMH = "Northgate Mental Health Trust";
const NAS = "Northshire Adult Social Care";

const SOURCES = [
  { source_id: "riverside", source: RUH, source_kind: "hospital", base_url: "https://fhir.riverside.example.nhs.uk/R4" },
  { source_id: "meadow-lane", source: MLS, source_kind: "gp", base_url: "https://gp.meadowlane.example.nhs.uk/fhir" },
  { source_id: "northgate", source: NMH, source_kind: "hospital", base_url: "https://fhir.northgate.example.nhs.uk/R4" },
  { source_id: "northshire", source: NAS, source_kind: "social-care", base_url: "https://care.northshire.example.gov.uk/fhir" },
];
const byName = Object.fromEntries(SOURCES.map((s) => [s.source, s]));

const COUNTS = {
  [RUH]: { Patient: 1, Encounter: 6, Composition: 2, DocumentReference: 2, MedicationRequest: 6, Medication: 4, Condition: 3, AllergyIntolerance: 0, MedicationStatement: 0 },
  [MLS]: { Patient: 1, MedicationStatement: 5, AllergyIntolerance: 2, Condition: 2, Encounter: 4, Composition: 0 },
  [NMH]: { Patient: 1, Encounter: 2, Composition: 1, Condition: 1, DocumentReference: 1, MedicationRequest: 0 },
  [NAS]: { Patient: 1, DocumentReference: 2, Encounter: 0 },
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function dd(iso) {
  if (!iso) return "Not known";
  if (iso.length === 4) return iso;
  if (iso.length === 7) return `${MONTHS[+iso.slice(5, 7) - 1]}-${iso.slice(0, 4)}`;
  const [y, m, d] = iso.slice(0, 10).split("-");
  const t = iso.length > 10 ? ` ${iso.slice(11, 16)}` : "";
  return `${d}-${MONTHS[+m - 1]}-${y}${t}`;
}

function ev(p) {
  const src = byName[p.source] ?? SOURCES[0];
  return {
    date: null,
    status: null,
    entered_in_error: false,
    marks: [],
    detail: null,
    codes: [],
    resource_type: "Encounter",
    version_id: "1",
    last_updated: "2026-10-12T10:00:00Z",
    fhir_version: src.source === MLS ? "STU3" : "R4",
    ...p,
    source: src.source,
    source_id: src.source_id,
    source_kind: src.source_kind,
    date_display: dd(p.date ?? null),
  };
}

const EVENTS = [
  ev({ kind: "encounter", source: MLS, resource_id: "enc-m4", title: "Follow-up visit: blood pressure review", date: "2026-11-15T10:00", status: "finished" }),
  ev({ kind: "encounter", source: MLS, resource_id: "enc-m3", title: "Telephone encounter", date: "2026-11-04T10:00", status: "finished" }),
  ev({ kind: "document", source: NMH, resource_type: "DocumentReference", resource_id: "doc-n1", title: "Memory clinic letter", date: "2026-10-28T12:00", status: "current" }),
  ev({ kind: "encounter", source: NMH, resource_id: "enc-n2", title: "Memory clinic outpatient appointment", date: "2026-10-28T10:00", status: "finished" }),
  ev({ kind: "discharge", source: RUH, resource_type: "Composition", resource_id: "dis-1", title: "Inpatient discharge summary: atrial fibrillation with rapid ventricular response", date: "2026-10-11T14:00", status: "final", detail: "Cardiology, Riverside General Hospital" }),
  ev({ kind: "discharge", source: RUH, resource_type: "Encounter", resource_id: "enc-2", title: "Emergency hospital admission: atrial fibrillation", date: "2026-10-11T14:00", status: "finished" }),
  ev({ kind: "document", source: RUH, resource_type: "DocumentReference", resource_id: "doc-1", title: "Discharge letter to GP", date: "2026-10-11T14:00", status: "current" }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-1", title: "Apixaban 5mg tablets", detail: "One tablet twice a day · Intent order · Category Discharge", date: "2026-10-11T12:00", status: "active" }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-2", title: "Bisoprolol 2.5mg tablets", detail: "One tablet once a day · Intent order · Category Discharge", date: "2026-10-11T12:00", status: "active" }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-3", title: "Amlodipine 5mg tablets", detail: "One tablet once a day · Intent order · Category Discharge · Reason Low blood pressure on admission", date: "2026-10-11T12:00", status: "stopped", marks: ["stopped"] }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-4", title: "Co-amoxiclav 500mg/125mg tablets", detail: "One tablet three times a day for 7 days · Intent order · Category Discharge", date: "2026-10-11T12:00", status: "active" }),
  ev({ kind: "condition", source: RUH, resource_type: "Condition", resource_id: "co-1", title: "Atrial fibrillation", date: "2026-10-07", status: "active" }),
  ev({ kind: "encounter", source: RUH, resource_id: "enc-1", title: "Cardiology outpatient clinic", date: "2026-09-02T10:30", status: "finished" }),
  ev({ kind: "encounter", source: MLS, resource_id: "enc-m2", title: "Follow-up visit", date: "2026-08-20T09:40", status: "finished" }),
  ev({ kind: "discharge", source: NMH, resource_type: "Composition", resource_id: "dis-2", title: "Discharge summary: acute inpatient stay, Willow Ward", date: "2026-07-08T14:00", status: "final" }),
  ev({ kind: "encounter", source: NMH, resource_id: "enc-n1", title: "Inpatient stay, Willow Ward", date: "2026-07-08T14:00", status: "finished" }),
  ev({ kind: "condition", source: NMH, resource_type: "Condition", resource_id: "co-2", title: "Moderate depressive episode", date: "2026-06-20", status: "active" }),
  ev({ kind: "medication", source: MLS, resource_type: "MedicationStatement", resource_id: "ms-1", title: "Amlodipine 5mg tablets", detail: "One tablet once a day", date: "2026-05-01", status: "active" }),
  ev({ kind: "medication", source: MLS, resource_type: "MedicationStatement", resource_id: "ms-3", title: "Sertraline 50mg tablets", detail: "One tablet once a day", date: "2026-04-22", status: "active" }),
  ev({ kind: "encounter", source: RUH, resource_id: "enc-0", title: "Emergency department attendance", date: "2026-03-14T22:10", status: "finished" }),
  ev({ kind: "condition", source: RUH, resource_type: "Condition", resource_id: "co-4", title: "Fall at home", date: "2026-03-14", status: "resolved" }),
  ev({ kind: "document", source: NAS, resource_type: "DocumentReference", resource_id: "doc-4", title: "Home care package review", date: "2026-02-10", status: "current" }),
  ev({ kind: "encounter", source: MLS, resource_id: "enc-m1", title: "Annual review: hypertension", date: "2025-12-03T11:20", status: "finished" }),
  ev({ kind: "medication", source: MLS, resource_type: "MedicationStatement", resource_id: "ms-2", title: "Simvastatin 40mg tablets", date: "2025-06-14", status: "entered-in-error", entered_in_error: true }),
  ev({ kind: "document", source: NAS, resource_type: "DocumentReference", resource_id: "doc-3", title: "Care needs assessment and support plan review", date: "2024-02", status: "current" }),
  ev({ kind: "allergy", source: MLS, resource_type: "AllergyIntolerance", resource_id: "al-2", title: "Latex allergy", detail: "Reaction: urticaria", date: "2023-08-08", status: "active" }),
  ev({ kind: "allergy", source: MLS, resource_type: "AllergyIntolerance", resource_id: "al-1", title: "Penicillin", detail: "Reaction: anaphylaxis · Criticality high", date: "2012", status: "active", marks: ["high-criticality"] }),
  ev({ kind: "condition", source: MLS, resource_type: "Condition", resource_id: "co-3", title: "Essential hypertension", date: null, status: "active" }),
];

/** Every event, in the shape of the `ok` scenario (fresh data). */
export const events = EVENTS;

const KINDS = [
  ["encounter", "Encounter", "Outpatient clinic attendance"],
  ["document", "DocumentReference", "Clinic letter"],
  ["medication", "MedicationStatement", "Repeat prescription issued"],
  ["condition", "Condition", "Problem reviewed"],
  ["allergy", "AllergyIntolerance", "Allergy reviewed"],
  ["discharge", "Composition", "Day case discharge summary"],
];

/**
 * `n` older entries (a long record, to page through): daily from 31-Dec-2011
 * backwards, every kind and source in turn; ids `old-0`, `old-1`, ….
 */
export function olderEvents(n) {
  const out = [];
  const start = Date.UTC(2011, 11, 31);
  for (let i = 0; i < n; i++) {
    const [kind, resource_type, title] = KINDS[i % KINDS.length];
    const date = new Date(start - i * 86_400_000).toISOString().slice(0, 10);
    out.push(ev({ kind, resource_type, resource_id: `old-${i}`, source: SOURCES[i % SOURCES.length].source, title: `${title} ${i}`, detail: `Entry number ${i}`, date, status: "final" }));
  }
  return out;
}

const failsIn = (scenario, name) => scenario === "offline" || (scenario === "stale" && name === MLS);

function status(s, now, scenario) {
  const ok = new Date(now - 5 * 60_000).toISOString();
  const old = new Date(now - 3 * 3600_000 - 5 * 60_000).toISOString();
  const base = {
    ...s,
    data_origin: s.base_url,
    configured: true,
    fhir_version: s.source === MLS ? "STU3" : "R4",
    counts: COUNTS[s.source],
    warnings: [],
    not_offered: s.source === NAS ? ["AllergyIntolerance", "MedicationRequest", "MedicationStatement"] : [],
    list_notes: [],
    patients_found: 1,
  };
  if (scenario === "suspect" && s.source === NMH) {
    return { ...base, last_success: old, last_attempt: ok, last_outcome: "suspect", last_error_code: "DataDisappeared", last_error: "4 entries disappeared since the last sync", state: "suspect", stale: true };
  }
  if (!failsIn(scenario, s.source)) {
    return { ...base, last_success: ok, last_attempt: ok, last_outcome: "ok", last_error_code: null, last_error: null, state: "fresh", stale: false };
  }
  return {
    ...base,
    last_success: old,
    last_attempt: ok,
    last_outcome: "failed",
    last_error_code: "EndpointUnreachable",
    last_error: `Could not connect to ${new URL(s.base_url).host}: connection refused`,
    state: "failed",
    stale: true,
  };
}

const ref = (e) => ({ source: e.source, source_id: e.source_id, resource_type: e.resource_type, resource_id: e.resource_id });

function allergyEntry(e, p) {
  return {
    ...ref(e),
    status: "active",
    clinical_status: "active",
    verification_status: "confirmed",
    date: e.date,
    date_display: e.date_display,
    title: e.title,
    codes: e.codes,
    reactions: [],
    criticality: null,
    allergy_type: "allergy",
    categories: ["medication"],
    current: true,
    entered_in_error: false,
    negation: null,
    marks: e.marks,
    stale: e.stale,
    as_of: e.as_of,
    ...p,
  };
}

function medEntry(e, p) {
  return {
    ...ref(e),
    source_kind: e.source_kind,
    status: e.status,
    state: "current",
    intent: e.resource_type === "MedicationRequest" ? "order" : null,
    category: e.resource_type === "MedicationRequest" ? "Discharge" : null,
    date: e.date,
    date_display: e.date_display,
    end: null,
    title: e.title,
    codes: e.codes,
    dose: (e.detail ?? "").split(" · ")[0] || null,
    reason: null,
    notes: [],
    last_issued: null,
    encounter: null,
    marks: e.marks,
    entered_in_error: e.entered_in_error,
    stale: e.stale,
    as_of: e.as_of,
    ...p,
  };
}

function medGroup(title, entries, p = {}) {
  const latest = entries.slice().sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  return {
    title,
    codes: [],
    standing: "current",
    on_hold: false,
    dose: entries.find((x) => x.state === "current")?.dose ?? null,
    last_touched: latest.date,
    last_touched_display: latest.date_display,
    last_issued: null,
    entries,
    earlier_entries: 0,
    flags: [],
    ...p,
  };
}

function summaryFor(evs, sources, scenario) {
  const get = (id) => evs.find((e) => e.resource_id === id);
  const gapsFor = (type) =>
    sources
      .filter((s) => s.configured)
      .filter((s) => s.state !== "fresh" || s.not_offered.includes(type))
      .map((s) => ({
        source: s.source,
        source_id: s.source_id,
        reason:
          s.state === "never"
            ? "it has never been synced for this patient"
            : s.state === "failed"
              ? `its last sync failed (${s.last_error_code})`
              : s.state === "suspect"
                ? "its last sync was kept aside because entries disappeared without explanation"
                : `it does not offer ${type}`,
      }));
  if (evs.length === 0) {
    return {
      patient: { nhs_number: NHS, family: null, given: null, title: null, birth_date: null, gender: null, differences: [], identity_warnings: [], records: [] },
      allergies: { state: "incomplete", gaps: gapsFor("AllergyIntolerance"), negations: [], list_notes: [], groups: [], statement: "INCOMPLETE" },
      medications: { groups: [], recently_stopped: [], do_not_give: [], past: [], recent_days: 90, gaps: gapsFor("MedicationStatement"), list_notes: [] },
      flags: [],
      sources,
      loading: false,
      terminology_problem: null,
      restricted: [],
    };
  }
  const pen = get("al-1");
  const latex = get("al-2");
  const coam = get("mr-4");
  const amloStop = get("mr-3");
  const amloGp = get("ms-1");
  const allergyGaps = gapsFor("AllergyIntolerance").filter((g) => g.source !== NAS);
  const medGaps = gapsFor("MedicationStatement").filter((g) => g.source !== NAS);
  const flags = [
    {
      kind: "allergy-to-ingredient",
      severity: "warning",
      message: `Co-amoxiclav 500mg/125mg tablets is current at ${RUH} (${coam.date_display}), but the allergy "Penicillin" is recorded at ${MLS} (2012): it is one of the penicillins`,
      refs: [ref(pen), ref(coam)],
    },
    {
      kind: "stopped-elsewhere",
      severity: "warning",
      message: `Amlodipine 5mg tablets: stopped at ${RUH} on ${amloStop.date_display}, reason: Low blood pressure on admission; current at ${MLS} (from ${amloGp.date_display}). The stop is the newer record.`,
      refs: [ref(amloStop), ref(amloGp)],
    },
    {
      kind: "demographics-differ",
      severity: "caution",
      message: `Date of birth differs: 02-Mar-1948 at ${MLS}; 03-Mar-1948 at ${NMH}`,
      refs: [],
    },
  ];
  const allergyGroups = [
    {
      title: "Penicillin",
      codes: [{ system: "http://snomed.info/sct", code: "764146007", display: "Penicillin" }],
      current: true,
      high_criticality: true,
      criticality: "high",
      reactions: ["Anaphylaxis"],
      verification: "confirmed",
      allergy_type: "allergy",
      negation: null,
      entries: [allergyEntry(pen, { reactions: ["Anaphylaxis"], criticality: "high" })],
      flags: ["allergy-to-ingredient"],
    },
    {
      title: "Latex allergy",
      codes: [{ system: "http://snomed.info/sct", code: "300916003", display: "Latex allergy" }],
      current: true,
      high_criticality: false,
      criticality: "low",
      reactions: ["Urticaria"],
      verification: "unconfirmed",
      allergy_type: "allergy",
      negation: null,
      entries: [allergyEntry(latex, { reactions: ["Urticaria"], criticality: "low", verification_status: "unconfirmed", marks: ["unconfirmed"] })],
      flags: [],
    },
  ];
  const state = allergyGaps.length ? "incomplete" : "listed";
  return {
    patient: {
      nhs_number: NHS,
      family: "ASHWORTH",
      given: "Ada",
      title: "Mrs",
      birth_date: "1948-03-02",
      gender: "female",
      differences: [{ field: "date of birth", values: [{ source: MLS, value: "1948-03-02", display: "02-Mar-1948" }, { source: NMH, value: "1948-03-03", display: "03-Mar-1948" }] }],
      identity_warnings: [],
      records: [],
    },
    allergies: { state, gaps: allergyGaps, negations: [], list_notes: [], groups: allergyGroups, statement: "Penicillin (HIGH CRITICALITY: Anaphylaxis) (Meadow Lane Surgery) · Latex allergy [unconfirmed] (Meadow Lane Surgery)" },
    medications: {
      groups: [
        medGroup("Amlodipine 5mg tablets", [medEntry(amloGp), medEntry(amloStop, { state: "stopped", reason: "Low blood pressure on admission", notes: ["Do not restart without a blood pressure review"] })], { flags: ["stopped-elsewhere"] }),
        medGroup("Apixaban 5mg tablets", [medEntry(get("mr-1"))]),
        medGroup("Bisoprolol 2.5mg tablets", [medEntry(get("mr-2"))]),
        medGroup("Co-amoxiclav 500mg/125mg tablets", [medEntry(coam)], { flags: ["allergy-to-ingredient"] }),
        medGroup("Sertraline 50mg tablets", [medEntry(get("ms-3"))], { last_issued: "2026-11-01" }),
      ],
      recently_stopped: [],
      do_not_give: [
        medGroup("Ibuprofen 400mg tablets", [
          medEntry(amloStop, { resource_id: "mr-9", title: "Ibuprofen 400mg tablets", status: "active", state: "do-not-give", marks: ["do-not-give"], dose: null, reason: "Anticoagulated (apixaban)" }),
        ], { standing: "do-not-give" }),
      ],
      past: [medGroup("Simvastatin 40mg tablets", [medEntry(get("ms-2"), { state: "entered-in-error" })], { standing: "past" })],
      recent_days: 90,
      gaps: medGaps,
      list_notes: [],
    },
    flags,
    sources,
    loading: false,
    terminology_problem: null,
    restricted: [],
  };
}

function bannerFor(summary, loading) {
  const a = summary.allergies;
  const items = a.groups
    .filter((g) => g.current && !g.negation)
    .map((g) => ({
      title: g.title,
      sources: [...new Set(g.entries.map((e) => e.source))],
      high_criticality: g.high_criticality,
      reactions: g.reactions,
      unconfirmed: g.verification === "unconfirmed",
      stale: g.entries.some((e) => e.stale),
    }));
  const p = summary.patient;
  return {
    family: p.family,
    given: p.given,
    title: p.title,
    birth_date: p.birth_date,
    gender: p.gender,
    nhs_number: NHS,
    discrepancies: p.differences.map((d) => `Date of birth differs: ${d.values.map((v) => `${v.display} at ${v.source}`).join("; ")}`),
    identity_warnings: p.identity_warnings,
    allergies: { state: a.state, statement: a.statement, items, negations: a.negations, gaps: a.gaps, list_notes: a.list_notes },
    allergy_conflict: null,
    loading,
  };
}

/** `PatientView.timeline`: the first page (200) of the whole timeline, with its counts. */
export function firstPage(evs) {
  const by = (f) => evs.reduce((m, e) => ({ ...m, [f(e)]: (m[f(e)] ?? 0) + 1 }), {});
  return { events: evs.slice(0, 200), total: evs.length, offset: 0, by_kind: by((e) => e.kind), by_source: by((e) => e.source_id) };
}

/**
 * The record for a scenario: the patient view, and every timeline event (what
 * `timeline_page` answers from). `older` adds that many older entries.
 */
export function record(scenario, now = Date.now(), older = 0) {
  const { events, ...view } = patientView(scenario, now, older);
  return { view: { ...view, timeline: firstPage(events) }, events };
}

/**
 * The patient view for a scenario, with every event: `ok`, `stale` (the GP fails), `offline` (all fail),
 * `suspect` (Northgate's last sync kept aside), `empty` (nothing cached: every source never synced).
 */
function patientView(scenario, now, older) {
  if (scenario === "empty") {
    const sources = SOURCES.map((s) => ({
      ...s,
      data_origin: null,
      configured: true,
      last_success: null,
      last_attempt: null,
      last_outcome: "never",
      last_error_code: null,
      last_error: null,
      fhir_version: null,
      counts: {},
      warnings: [],
      not_offered: [],
      list_notes: [],
      patients_found: 0,
      state: "never",
      stale: true,
    }));
    const summary = summaryFor([], sources, scenario);
    return { nhs_number: NHS, banner: bannerFor(summary, false), summary, events: [], sources, offline: true, oldest_data: null };
  }
  const sources = SOURCES.map((s) => status(s, now, scenario));
  const byId = Object.fromEntries(sources.map((s) => [s.source_id, s]));
  // The undated entry stays last.
  const all = [...EVENTS.slice(0, -1), ...olderEvents(older), ...EVENTS.slice(-1)];
  const evs = all.map((e) => ({ ...e, fetched_at: byId[e.source_id].last_success, as_of: byId[e.source_id].last_success, stale: byId[e.source_id].stale }));
  const summary = summaryFor(evs, sources, scenario);
  return {
    nhs_number: NHS,
    banner: bannerFor(summary, false),
    summary,
    events: evs,
    sources,
    offline: scenario === "offline",
    oldest_data: sources.map((s) => s.last_success).sort()[0],
  };
}

export function syncMessages(scenario) {
  const msgs = [];
  for (const s of SOURCES) {
    const failed = failsIn(scenario, s.source);
    const suspect = scenario === "suspect" && s.source === NMH;
    msgs.push({ event: "started", source: s.source, source_id: s.source_id });
    if (!failed) msgs.push({ event: "page", source: s.source, source_id: s.source_id, resource_type: "Encounter", received: 2 });
    msgs.push({
      event: "finished",
      outcome: {
        source: s.source,
        source_id: s.source_id,
        source_kind: s.source_kind,
        base_url: s.base_url,
        outcome: failed ? "failed" : suspect ? "suspect" : "ok",
        error: failed ? { code: "EndpointUnreachable", message: `Could not connect to ${new URL(s.base_url).host}` } : null,
        started_at: "2026-11-26T00:38:00Z",
        finished_at: "2026-11-26T00:38:02Z",
        fhir_version: "R4",
        patients_found: failed ? 0 : 1,
        counts: failed ? {} : COUNTS[s.source],
        rejected: 0,
        warnings: [],
        bytes: 1000,
      },
    });
  }
  return msgs;
}

const med = (id, title, dose, status = "active", marks = [], extra = "") => ({
  reference: `MedicationRequest/${id}`,
  title,
  detail: `${dose} · Intent order · Category Discharge${extra}`,
  status,
  marks,
});
const MEDS = [
  med("mr-1", "Apixaban 5mg tablets", "One tablet twice a day"),
  med("mr-2", "Bisoprolol 2.5mg tablets", "One tablet once a day"),
  med("mr-4", "Co-amoxiclav 500mg/125mg tablets", "One tablet three times a day for 7 days"),
  med("mr-3", "Amlodipine 5mg tablets", "One tablet once a day", "stopped", ["stopped"], " · Reason Low blood pressure on admission"),
];
const R = (e) => ({ source: RUH, source_id: "riverside", resource_type: "MedicationRequest", resource_id: e });
const G = (e) => ({ source: MLS, source_id: "meadow-lane", resource_type: "MedicationStatement", resource_id: e });

export const discharge = {
  source: RUH,
  source_id: "riverside",
  resource_type: "Composition",
  resource_id: "dis-1",
  kind: "discharge-summary",
  title: "Inpatient discharge summary",
  date: "2026-10-11",
  status: "final",
  author: "Dr Priya Natarajan, Cardiology",
  narrative_html:
    '<div><p>Admitted with atrial fibrillation and discharged home after 4 days. See <a href="#plan">the plan</a>. ECG <span class="removed">[image removed]</span>, results portal <span class="removed">[link removed]</span>.</p><p>Previous record: <a href="#nhs=9990000026">open</a>.</p></div>',
  narrative_text: "Admitted with atrial fibrillation and discharged home after 4 days.",
  sections: [
    { title: "Diagnoses", html: "<div><p>Atrial fibrillation with rapid ventricular response</p></div>", text: "Atrial fibrillation with rapid ventricular response", empty_reason: null, entries: [], sections: [] },
    {
      title: "Medications and medical devices",
      html: "<div><ul><li>Apixaban 5mg tablets: one tablet twice a day</li><li>Bisoprolol 2.5mg tablets: one tablet once a day</li><li>Co-amoxiclav 500mg/125mg tablets: one tablet three times a day for 7 days</li></ul><p>Stopped</p><ul><li>Amlodipine 5mg tablets (low blood pressure on admission)</li></ul></div>",
      text: null,
      empty_reason: null,
      entries: MEDS,
      sections: [],
    },
    { title: "Plan and requested actions", html: '<div><p><a name="plan"></a>Cardiology clinic in 6 weeks. GP to review blood pressure in 2 weeks.</p></div>', text: null, empty_reason: null, entries: [], sections: [] },
    { title: "Procedures", html: null, text: null, empty_reason: "None performed", entries: [], sections: [] },
  ],
  encounter: { reference: "Encounter/enc-2", title: "Emergency hospital admission", detail: "07-Oct-2026 to 11-Oct-2026", status: "finished", marks: [] },
  medications: MEDS,
  attachments: [
    { title: "Letter to GP", content_type: "text/plain", data: Buffer.from("Dear Dr Okafor,\nMrs Ashworth was discharged on 11-Oct-2026.").toString("base64"), url: null, size: 60 },
  ],
  superseded_by: null,
  relates_to: [],
  medication_changes: {
    started: [
      { title: "Apixaban 5mg tablets", refs: [R("mr-1")], reason: null, detail: null },
      { title: "Bisoprolol 2.5mg tablets", refs: [R("mr-2")], reason: null, detail: null },
      { title: "Co-amoxiclav 500mg/125mg tablets", refs: [R("mr-4")], reason: null, detail: null },
    ],
    stopped: [{ title: "Amlodipine 5mg tablets", refs: [R("mr-3"), G("ms-1")], reason: "Low blood pressure on admission; Do not restart without a blood pressure review", detail: null }],
    changed: [],
    continued: [],
    not_mentioned: [{ title: "Sertraline 50mg tablets", refs: [G("ms-3")], reason: null, detail: null }],
    compared_with: [MLS],
    note: null,
  },
};

/** The letter (a DocumentReference): no changes panel; superseded by a corrected copy. */
export const letter = {
  ...discharge,
  resource_type: "DocumentReference",
  resource_id: "doc-n1",
  source: NMH,
  source_id: "northgate",
  kind: "letter",
  title: "Memory clinic letter",
  narrative_html: null,
  narrative_text: null,
  sections: [],
  medications: [],
  medication_changes: null,
  superseded_by: { resource_type: "DocumentReference", resource_id: "doc-n9", title: "Memory clinic letter (corrected)", relation: "replaced-by" },
  attachments: [{ title: "Letter", content_type: "text/plain", data: Buffer.from("Dear Dr Okafor,\nMrs Ashworth attended the memory clinic.").toString("base64"), url: null, size: 50 }],
};

export const endpoints = SOURCES.map((s) => ({
  id: s.source_id,
  name: s.source,
  kind: s.source_kind,
  base_url: s.base_url,
  fhir_version: "auto",
  timeout_s: 20,
  page_size: 200,
  token_env: "",
  allow_insecure_http: false,
  connection: "FHIR REST · auth: none",
}));

export const endpointDefaults = { id: null, name: "", kind: "hospital", base_url: "", fhir_version: "auto", timeout_s: 20, page_size: 200, token_env: "", allow_insecure_http: false, connection: "" };

export const connectionOk = {
  ok: true,
  error: null,
  fhir_version: "R4",
  software: "HAPI FHIR Server 7.2.0",
  supports: [
    ["Patient", true],
    ["Encounter", true],
    ["Composition", true],
  ],
  endpoint: "Riverside University Hospitals",
  base_url: "https://fhir.riverside.example.nhs.uk/R4",
  checks: [
    { step: "address", name: "address", status: "pass", detail: "fhir.riverside.example.nhs.uk resolves to 10.1.2.3; port 443 accepts connections" },
    { step: "tls", name: "TLS", status: "pass", detail: "TLS 1.2 or later, server certificate trusted and valid for the host" },
    { step: "auth", name: "auth", status: "skip", detail: "no credentials configured" },
    { step: "metadata", name: "CapabilityStatement (/metadata)", status: "pass", detail: "FHIR 4.0.1 (R4), HAPI FHIR Server 7.2.0" },
    { step: "interaction", name: "AllergyIntolerance search by patient", status: "pass", detail: "declared; tried: works" },
  ],
  will_show: ["allergies (AllergyIntolerance)", "admissions and visits (Encounter)"],
  will_not_show: [],
  note: null,
};

/** `find_patients` answers: Ada from two sources, another match, and one source that failed. */
export const patientSearch = {
  matches: [
    { nhs_number: NHS, family: "Ashworth", given: "Ada", birth_date: "1948-03-02", gender: "female", sources: [MLS, RUH] },
    { nhs_number: "9990000026", family: "Ashworth", given: "Albert", birth_date: "1948-03-02", gender: "male", sources: [NAS] },
  ],
  failures: [[NMH, { code: "EndpointTimeout", message: "The server did not answer within 20 seconds" }]],
};
