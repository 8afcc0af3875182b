// Synthetic data for the mocked-IPC browser tests. NHS numbers are from the
// 999 test range; names, organisations and clinical content are invented.

export const NHS = "9990000018";

const SOURCES = [
  { source: "Riverside University Hospitals", source_kind: "hospital", base_url: "https://fhir.riverside.example.nhs.uk/R4" },
  { source: "Meadow Lane Surgery", source_kind: "gp", base_url: "https://gp.meadowlane.example.nhs.uk/fhir" },
  { source: "Northgate Mental Health Trust", source_kind: "hospital", base_url: "https://fhir.northgate.example.nhs.uk/R4" },
  { source: "Northshire Adult Social Care", source_kind: "social-care", base_url: "https://care.northshire.example.gov.uk/fhir" },
];

const COUNTS = {
  "Riverside University Hospitals": { Patient: 1, Encounter: 2, Composition: 2, DocumentReference: 2, MedicationRequest: 6, Medication: 4, Condition: 2, AllergyIntolerance: 0, MedicationStatement: 0 },
  "Meadow Lane Surgery": { Patient: 1, MedicationStatement: 3, AllergyIntolerance: 1, Condition: 1, Encounter: 0, Composition: 0 },
  "Northgate Mental Health Trust": { Patient: 1, Encounter: 1, Composition: 1, Condition: 1, DocumentReference: 0, MedicationRequest: 0 },
  "Northshire Adult Social Care": { Patient: 1, DocumentReference: 1, Encounter: 0 },
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function ev(p) {
  const src = SOURCES.find((s) => s.source === p.source) ?? SOURCES[0];
  return {
    date: null,
    date_display: "Not known",
    status: null,
    entered_in_error: false,
    detail: null,
    codes: [],
    source_kind: src.source_kind,
    resource_type: "Encounter",
    version_id: "1",
    last_updated: "2026-10-12T10:00:00Z",
    fetched_at: "2026-11-26T00:38:00Z",
    fhir_version: "R4",
    ...p,
    source: src.source,
  };
}

function dd(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-");
  const t = iso.length > 10 ? ` ${iso.slice(11, 16)}` : "";
  return `${d}-${MONTHS[+m - 1]}-${y}${t}`;
}

const RUH = "Riverside University Hospitals";
const MLS = "Meadow Lane Surgery";
const NMH = "Northgate Mental Health Trust";
const NAS = "Northshire Adult Social Care";

export const events = [
  ev({ kind: "discharge", source: RUH, resource_type: "Composition", resource_id: "dis-1", title: "Inpatient discharge summary: atrial fibrillation with rapid ventricular response", date: "2026-10-11T14:00", status: "final", detail: "Cardiology, Riverside General Hospital" }),
  ev({ kind: "discharge", source: RUH, resource_type: "Encounter", resource_id: "enc-2", title: "Emergency hospital admission: atrial fibrillation", date: "2026-10-11T14:00", status: "finished" }),
  ev({ kind: "document", source: RUH, resource_type: "DocumentReference", resource_id: "doc-1", title: "Discharge letter to GP", date: "2026-10-11T14:00", status: "current" }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-1", title: "Apixaban 5mg tablets", detail: "One tablet twice a day · Intent order · Category Discharge", date: "2026-10-11", status: "active" }),
  ev({ kind: "medication", source: RUH, resource_type: "MedicationRequest", resource_id: "mr-2", title: "Bisoprolol 2.5mg tablets", detail: "One tablet once a day · Intent order · Category Discharge", date: "2026-10-11", status: "active" }),
  ev({ kind: "condition", source: RUH, resource_type: "Condition", resource_id: "co-1", title: "Atrial fibrillation", date: "2026-10-07", status: "active" }),
  ev({ kind: "encounter", source: RUH, resource_type: "Encounter", resource_id: "enc-1", title: "Cardiology outpatient clinic", date: "2026-09-02T10:30", status: "finished" }),
  ev({ kind: "discharge", source: NMH, resource_type: "Composition", resource_id: "dis-2", title: "Discharge summary: acute inpatient stay, Willow Ward", date: "2026-07-08T14:00", status: "final" }),
  ev({ kind: "condition", source: NMH, resource_type: "Condition", resource_id: "co-2", title: "Moderate depressive episode", date: "2026-06-20", status: "active" }),
  ev({ kind: "medication", source: MLS, resource_type: "MedicationStatement", resource_id: "ms-1", title: "Amlodipine 5mg tablets", detail: "One tablet once a day", date: "2026-05-01", status: "active", fhir_version: "STU3" }),
  ev({ kind: "medication", source: MLS, resource_type: "MedicationStatement", resource_id: "ms-2", title: "Simvastatin 40mg tablets", date: "2025-06-14", status: "entered-in-error", entered_in_error: true, fhir_version: "STU3" }),
  ev({ kind: "document", source: NAS, resource_type: "DocumentReference", resource_id: "doc-3", title: "Care needs assessment and support plan review", date: "2024-02", status: "current" }),
  ev({ kind: "allergy", source: MLS, resource_type: "AllergyIntolerance", resource_id: "al-1", title: "Penicillin", detail: "Reaction: rash", date: "2012", status: "active", fhir_version: "STU3" }),
  ev({ kind: "condition", source: MLS, resource_type: "Condition", resource_id: "co-3", title: "Essential hypertension", date: null, status: "active", fhir_version: "STU3" }),
].map((e) => ({ ...e, date_display: e.date ? (e.date.length >= 10 ? dd(e.date) : e.date.length === 7 ? `${MONTHS[+e.date.slice(5, 7) - 1]}-${e.date.slice(0, 4)}` : e.date) : "Not known" }));

const banner = {
  family: "Ashworth",
  given: "Ada",
  birth_date: "1948-03-02",
  gender: "female",
  nhs_number: NHS,
  discrepancies: [],
  allergies: { state: "listed", allergies: [{ title: "Penicillin", source: MLS }] },
  allergy_conflict: null,
};

function status(s, now, failed) {
  const ok = new Date(now - 5 * 60_000).toISOString();
  const old = new Date(now - 3 * 3600_000 - 5 * 60_000).toISOString();
  const base = { ...s, fhir_version: s.source === MLS ? "STU3" : "R4", counts: COUNTS[s.source], warnings: [] };
  if (!failed) {
    return { ...base, last_success: ok, last_attempt: ok, last_outcome: "ok", last_error_code: null, last_error: null, stale: false };
  }
  return {
    ...base,
    last_success: old,
    last_attempt: ok,
    last_outcome: "failed",
    last_error_code: "EndpointUnreachable",
    last_error: `Could not connect to ${new URL(s.base_url).host}: connection refused`,
    stale: true,
  };
}

/** The patient view for a scenario: `ok`, `stale` (the GP fails) or `offline` (all fail). */
export function patientView(scenario, now = Date.now()) {
  const fails = (s) => scenario === "offline" || (scenario === "stale" && s.source === MLS);
  const sources = SOURCES.map((s) => status(s, now, fails(s)));
  return {
    nhs_number: NHS,
    banner,
    events,
    sources,
    offline: scenario === "offline",
    oldest_data: sources.map((s) => s.last_success).sort()[0],
  };
}

export function syncMessages(scenario) {
  const msgs = [];
  for (const s of SOURCES) {
    const failed = scenario === "offline" || (scenario === "stale" && s.source === MLS);
    msgs.push({ event: "started", source: s.source });
    if (!failed) msgs.push({ event: "page", source: s.source, resource_type: "Encounter", received: 2 });
    msgs.push({
      event: "finished",
      outcome: {
        source: s.source,
        source_kind: s.source_kind,
        base_url: s.base_url,
        outcome: failed ? "failed" : "ok",
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

const med = (id, title, dose) => ({
  reference: `MedicationRequest/${id}`,
  title,
  detail: `${dose} · Intent order · Category Discharge`,
  status: "active",
});
const MEDS = [
  med("mr-1", "Apixaban 5mg tablets", "One tablet twice a day"),
  med("mr-2", "Bisoprolol 2.5mg tablets", "One tablet once a day"),
  med("mr-3", "Paracetamol 500mg tablets", "Two tablets up to four times a day"),
];

export const discharge = {
  source: RUH,
  resource_type: "Composition",
  resource_id: "dis-1",
  title: "Inpatient discharge summary",
  date: "2026-10-11",
  status: "final",
  author: "Dr Priya Natarajan, Cardiology",
  sections: [
    { title: "Diagnoses", html: "<div><p>Atrial fibrillation with rapid ventricular response</p></div>", entries: [], sections: [] },
    {
      title: "Medications and medical devices",
      html: "<div><ul><li>Apixaban 5mg tablets: one tablet twice a day</li><li>Bisoprolol 2.5mg tablets: one tablet once a day</li><li>Paracetamol 500mg tablets: two tablets up to four times a day</li></ul></div>",
      entries: MEDS,
      sections: [],
    },
    { title: "Follow-up", html: "<p>Cardiology clinic in 6 weeks. GP to review blood pressure.</p>", entries: [], sections: [] },
  ],
  encounter: { reference: "Encounter/enc-2", title: "Emergency hospital admission", detail: "07-Oct-2026 to 11-Oct-2026", status: "finished" },
  medications: MEDS,
  attachments: [
    { title: "Letter to GP", content_type: "text/plain", data: Buffer.from("Dear Dr Okafor,\nMrs Ashworth was discharged on 11-Oct-2026.").toString("base64"), url: null, size: 60 },
  ],
};

export const endpoints = SOURCES.map((s) => ({
  name: s.source,
  kind: s.source_kind,
  base_url: s.base_url,
  fhir_version: "auto",
  timeout_s: 30,
  page_size: 100,
  token_env: "",
}));

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
};

/** `find_patients` answers: Ada from two sources, another match, and one source that failed. */
export const patientSearch = {
  matches: [
    { nhs_number: NHS, family: "Ashworth", given: "Ada", birth_date: "1948-03-02", gender: "female", sources: [MLS, RUH] },
    { nhs_number: "9990000026", family: "Ashworth", given: "Albert", birth_date: "1948-03-02", gender: "male", sources: [NAS] },
  ],
  failures: [[NMH, { code: "EndpointTimeout", message: "The server did not answer within 20 seconds" }]],
};
