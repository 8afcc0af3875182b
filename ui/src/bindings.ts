// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p crossview-desktop --test bindings

export type ErrorCode = "InvalidNhsNumber" | "InvalidInput" | "ConfigInvalid" | "ConfigNotFound" | "EndpointUnreachable" | "EndpointTimeout" | "AuthFailed" | "TlsFailed" | "ServerError" | "NotFhirResponse" | "MalformedResponse" | "NonConformantResource" | "PatientMismatch" | "PagingLoop" | "LimitExceeded" | "RateLimited" | "UnsupportedFhirVersion" | "DataDisappeared" | "NotInCache" | "CacheLocked" | "CacheTooNew" | "CacheError" | "CacheKeyMissing" | "CacheKeyWrong" | "CacheDirUnsafe" | "AccessBasisRequired" | "RestrictedEntry" | "AuditUnavailable" | "Internal";
export type UiError = { code: ErrorCode, message: string, };
export type EventKind = "allergy" | "medication" | "encounter" | "discharge" | "document" | "condition";
export type EndpointKind = "hospital" | "gp" | "social-care" | "other";
export type FhirVersion = "R4" | "STU3";
export type FhirVersionSetting = "auto" | "R4" | "STU3";
export type RunOutcome = "running" | "ok" | "failed" | "suspect" | "interrupted" | "never";
export type SourceState = "fresh" | "old" | "failed" | "interrupted" | "suspect" | "syncing" | "never" | "not-configured";
export type EventMark = "do-not-give" | "not-taken" | "stopped" | "on-hold" | "proposal" | "unconfirmed" | "refuted" | "high-criticality" | "intolerance" | "superseded" | "degraded";
export type Code = { system: string | null, code: string | null, display: string | null, };
export type Restricted = { masked: boolean, 
/**
 * Why the source restricted it (empty while masked).
 */
labels: Array<string>, 
/**
 * Names the entry when revealing it.
 */
handle: string, };
export type TimelineEvent = { kind: EventKind, 
/**
 * The date exactly as the source wrote it; `null` when the source gave none.
 */
date: string | null, 
/**
 * NHS display form of `date` (`14-Jul-2025 09:30`, `Jun-2012`, `Not known`).
 */
date_display: string, title: string, status: string | null, entered_in_error: boolean, 
/**
 * What must be seen beside the title: do not give, stopped, unconfirmed, …
 */
marks: Array<EventMark>, detail: string | null, codes: Array<Code>, 
/**
 * Endpoint name the entry came from.
 */
source: string, 
/**
 * The endpoint's stable id.
 */
source_id: string, source_kind: EndpointKind, resource_type: string, resource_id: string, version_id: string | null, last_updated: string | null, 
/**
 * When Crossview received the resource (UTC, RFC 3339).
 */
fetched_at: string, fhir_version: FhirVersion, 
/**
 * When the source's data shown was read (the end of its last successful sync).
 */
as_of: string | null, 
/**
 * The source's last sync failed, was interrupted or kept aside, or its data
 * is older than the freshness limit: this entry may be out of date.
 */
stale: boolean, 
/**
 * Set when the source restricted this entry.
 */
restricted: Restricted | null, };
export type TimelinePage = { events: Array<TimelineEvent>, 
/**
 * Events matching the filter and search, on every page.
 */
total: number, offset: number, 
/**
 * Matching events per kind, whatever the kind filter (for the filter's counts).
 */
by_kind: { [key in string]: number }, 
/**
 * Matching events per source id, whatever the source filter.
 */
by_source: { [key in string]: number }, };
export type EntryKey = { source_id: string, resource_type: string, resource_id: string, };
export type ConsentNote = { 
/**
 * `Consent/{id}`.
 */
consent: string, 
/**
 * True when its restriction was applied; false when it could not be interpreted.
 */
applied: boolean, 
/**
 * What it says, in words.
 */
text: string, 
/**
 * Resources withheld under it, by type (none of them was kept).
 */
withheld: { [key in string]: number }, };
export type ListNoteKind = "incomplete" | "empty";
export type ListNote = { 
/**
 * The list, as the source titled it ("Active Allergies").
 */
list: string, 
/**
 * The resource types it speaks for.
 */
types: Array<string>, kind: ListNoteKind, 
/**
 * The code as sent (`confidential-items`, `no-content-recorded`, …).
 */
code: string, 
/**
 * In plain words.
 */
text: string, };
export type SourceStatus = { 
/**
 * The endpoint's stable id.
 */
source_id: string, 
/**
 * The endpoint's name (as configured now; as it was at the sync when no longer configured).
 */
source: string, source_kind: EndpointKind, base_url: string, 
/**
 * Where the data shown came from (the base URL of its sync).
 */
data_origin: string | null, 
/**
 * False when no configured endpoint has this id and address any more: the
 * data is shown as from a source no longer configured, and can be purged.
 */
configured: boolean, 
/**
 * When the data shown was fetched (finish of the last successful sync).
 */
last_success: string | null, last_attempt: string | null, last_outcome: RunOutcome, last_error_code: ErrorCode | null, last_error: string | null, fhir_version: FhirVersion | null, 
/**
 * Resources cached from this source, by type.
 */
counts: { [key in string]: number }, warnings: Array<string>, 
/**
 * Searched types the server said it does not offer (at the sync whose data is shown).
 */
not_offered: Array<string>, 
/**
 * Patient records found at the sync whose data is shown (0: the patient is not known there).
 */
patients_found: number, 
/**
 * Consent restrictions at this source: what was withheld, or could not be interpreted.
 */
consent: Array<ConsentNote>, 
/**
 * What the source's lists say about their completeness (at the sync whose data is shown).
 */
list_notes: Array<ListNote>, 
/**
 * How the source stands, all things considered (set with the configuration and the clock).
 */
state: SourceState, 
/**
 * True when what is shown is not the result of the latest attempt (it failed,
 * was interrupted or kept aside), or is older than the freshness limit.
 */
stale: boolean, };
export type SourceGap = { source: string, source_id: string, 
/**
 * Plain words: "its last sync failed (EndpointUnreachable)", "it did not find the patient", …
 */
reason: string, };
export type NegationScope = "all" | "drug" | "food" | "environment" | "insect" | "latex" | "animal";
export type EntryRef = { source: string, source_id: string, resource_type: string, resource_id: string, };
export type AllergyEntry = { source: string, source_id: string, resource_type: string, resource_id: string, 
/**
 * The clinical status (else the verification status) as the source wrote it.
 */
status: string | null, clinical_status: string | null, verification_status: string | null, 
/**
 * The date as the source wrote it (onset, else recorded).
 */
date: string | null, date_display: string, title: string, codes: Array<Code>, reactions: Array<string>, criticality: string | null, 
/**
 * `allergy` or `intolerance`, when the source said.
 */
allergy_type: string | null, 
/**
 * FHIR categories: medication, food, environment, biologic.
 */
categories: Array<string>, 
/**
 * A current allergy at this source (not resolved, refuted or entered in error).
 */
current: boolean, entered_in_error: boolean, 
/**
 * Set when the entry says there is no known allergy (of this scope).
 */
negation: NegationScope | null, marks: Array<EventMark>, 
/**
 * The source's data is stale (failed, old, interrupted, or no longer configured).
 */
stale: boolean, as_of: string | null, };
export type AllergyGroup = { title: string, codes: Array<Code>, 
/**
 * Current at some source.
 */
current: boolean, 
/**
 * High criticality at some source.
 */
high_criticality: boolean, 
/**
 * Highest criticality any current entry gives.
 */
criticality: string | null, reactions: Array<string>, 
/**
 * `confirmed` when a current entry is confirmed, else the verification the entries give.
 */
verification: string | null, 
/**
 * `allergy`, `intolerance`, `allergy and intolerance`, or null when no source said.
 */
allergy_type: string | null, 
/**
 * A "no known allergy" statement rather than an allergy.
 */
negation: NegationScope | null, entries: Array<AllergyEntry>, 
/**
 * Kinds of the flags that name this group's entries.
 */
flags: Array<FlagKind>, };
export type AllergyStatus = "listed" | "no-known-allergies" | "not-recorded" | "incomplete";
export type Negation = { text: string, scope: NegationScope, source: string, date_display: string, };
export type AllergySummary = { state: AllergyStatus, 
/**
 * Configured sources that could not vouch for allergies, and why.
 */
gaps: Array<SourceGap>, 
/**
 * Current "no known allergy" statements.
 */
negations: Array<Negation>, 
/**
 * What sources' lists say about an empty allergy list ("no content
 * recorded"): said beside the statement, never read as "no known allergies".
 */
list_notes: Array<SourceGap>, 
/**
 * Current allergies first, then the rest; every allergy record in exactly one group.
 */
groups: Array<AllergyGroup>, 
/**
 * The allergy line in words, e.g. "Penicillin (2 sources) · Latex" or
 * "Incomplete: Hillcrest Community Trust could not be read (its last sync failed)".
 */
statement: string, };
export type MedicineState = "current" | "on-hold" | "stopped" | "completed" | "ended" | "inpatient-only" | "not-taken" | "do-not-give" | "proposed" | "entered-in-error";
export type MedicineStanding = "current" | "recently-stopped" | "do-not-give" | "past";
export type MedicineEntry = { source: string, source_id: string, source_kind: EndpointKind, resource_type: string, resource_id: string, 
/**
 * The status as the source wrote it.
 */
status: string | null, state: MedicineState, 
/**
 * `proposal`, `plan`, `order`, … (MedicationRequest).
 */
intent: string | null, category: string | null, 
/**
 * Start (authored, effective) as the source wrote it.
 */
date: string | null, date_display: string, 
/**
 * End of the course, when the source gave one.
 */
end: string | null, title: string, codes: Array<Code>, 
/**
 * The dosage in words (the source's text, else its structure rendered).
 */
dose: string | null, 
/**
 * Why it was stopped, not given or not taken.
 */
reason: string | null, notes: Array<string>, 
/**
 * For a GP authorisation: when the last issue was made.
 */
last_issued: string | null, 
/**
 * The encounter the order belongs to (`Encounter/id`), when given.
 */
encounter: string | null, marks: Array<EventMark>, entered_in_error: boolean, stale: boolean, as_of: string | null, };
export type MedicineGroup = { title: string, codes: Array<Code>, standing: MedicineStanding, on_hold: boolean, 
/**
 * The dose of the most recent current record (each entry carries its own).
 */
dose: string | null, 
/**
 * The latest date any source touched it.
 */
last_touched: string | null, last_touched_display: string, 
/**
 * A GP repeat's last issue.
 */
last_issued: string | null, entries: Array<MedicineEntry>, 
/**
 * Entries left out of `entries` for a screen (see [`super::compact`]): the
 * earlier orders and issues of a long record, still on the timeline.
 */
earlier_entries: number, flags: Array<FlagKind>, };
export type MedicationSummary = { 
/**
 * Medicines the patient is on now (at any source).
 */
groups: Array<MedicineGroup>, 
/**
 * Stopped, completed or ended within `recent_days`.
 */
recently_stopped: Array<MedicineGroup>, 
/**
 * Orders not to give a medicine.
 */
do_not_give: Array<MedicineGroup>, 
/**
 * Everything older.
 */
past: Array<MedicineGroup>, recent_days: number, 
/**
 * Configured sources that could not vouch for medicines, and why.
 */
gaps: Array<SourceGap>, 
/**
 * What sources' lists say about an empty medication list ("no content recorded").
 */
list_notes: Array<SourceGap>, };
export type FlagKind = "allergy-to-ingredient" | "stopped-elsewhere" | "allergy-status-conflict" | "no-known-allergies-conflict" | "demographics-differ";
export type Severity = "warning" | "caution";
export type Flag = { kind: FlagKind, severity: Severity, message: string, 
/**
 * Every entry involved, on both sides.
 */
refs: Array<EntryRef>, };
export type SourceValue = { source: string, value: string, 
/**
 * `dd-Mmm-yyyy` for dates; the value otherwise.
 */
display: string, };
export type Difference = { 
/**
 * `date of birth`, `family name`, `given name`, `gender`.
 */
field: string, values: Array<SourceValue>, };
export type PatientSummary = { nhs_number: string, 
/**
 * FAMILY name, in capitals.
 */
family: string | null, given: string | null, 
/**
 * Title, e.g. `Mrs`, where a source gives one.
 */
title: string | null, birth_date: string | null, gender: string | null, differences: Array<Difference>, 
/**
 * NHS number not verified, or marked old, at a source.
 */
identity_warnings: Array<string>, 
/**
 * Patient records the headline was read from.
 */
records: Array<EntryRef>, };
export type Summary = { patient: PatientSummary, allergies: AllergySummary, medications: MedicationSummary, 
/**
 * Everything a clinician must see, most severe first.
 */
flags: Array<Flag>, sources: Array<SourceStatus>, 
/**
 * A sync is running and some source has nothing cached yet.
 */
loading: boolean, 
/**
 * Set when the terminology tables could not be read (grouping then by code only, no allergy checks).
 */
terminology_problem: string | null, 
/**
 * Restricted entries left out of this summary until revealed (masked: kind, date, source).
 */
restricted: Array<TimelineEvent>, };
export type BannerAllergy = { title: string, 
/**
 * Sources recording it as current.
 */
sources: Array<string>, high_criticality: boolean, reactions: Array<string>, unconfirmed: boolean, 
/**
 * Some source recording it has stale data.
 */
stale: boolean, };
export type BannerAllergies = { state: AllergyStatus, 
/**
 * The line in words (what the command line prints).
 */
statement: string, items: Array<BannerAllergy>, negations: Array<Negation>, 
/**
 * Sources that could not vouch for allergies, and why.
 */
gaps: Array<SourceGap>, 
/**
 * Why a source's allergy list is empty, as it said ("no content recorded").
 */
list_notes: Array<SourceGap>, };
export type Banner = { family: string | null, given: string | null, 
/**
 * Title where a source gives one (`Mrs`).
 */
title: string | null, birth_date: string | null, gender: string | null, nhs_number: string, 
/**
 * e.g. "Date of birth differs: 02-Mar-1948 at Riverside; 03-Mar-1948 at Hillcrest".
 */
discrepancies: Array<string>, 
/**
 * NHS number not verified or marked old at a source.
 */
identity_warnings: Array<string>, allergies: BannerAllergies, 
/**
 * "No known allergy" at one source while another records an allergy.
 */
allergy_conflict: string | null, 
/**
 * The record is still loading from some source: nothing here is final.
 */
loading: boolean, };
export type PatientView = { nhs_number: string, banner: Banner, 
/**
 * The reconciled summary (shown first).
 */
summary: Summary, 
/**
 * The first page of the timeline with its counts; later pages come from
 * [`App::timeline_page`], so the screen never receives the whole record.
 */
timeline: TimelinePage, sources: Array<SourceStatus>, 
/**
 * Every configured endpoint failed at its last attempt (or none was ever reached).
 */
offline: boolean, 
/**
 * Oldest "data as of" among the sources shown, for the offline banner.
 */
oldest_data: string | null, };
export type EndpointOutcome = { source: string, source_id: string, source_kind: EndpointKind, base_url: string, 
/**
 * `ok`, `failed`, or `suspect` (kept aside: the earlier data stays shown).
 */
outcome: RunOutcome, error: UiError | null, started_at: string, finished_at: string, fhir_version: FhirVersion | null, 
/**
 * Patient records at this endpoint carrying the NHS number.
 */
patients_found: number, 
/**
 * Resources received and kept, by type (including the Patient records and Medications).
 */
counts: { [key in string]: number }, 
/**
 * Resources refused (another patient's, or no patient named).
 */
rejected: number, warnings: Array<string>, bytes: number, 
/**
 * `full` or `incremental` (only what changed since the last sync).
 */
fetch: string, 
/**
 * Why: "changes since 28-Nov-2026 12:00 (server time)", "a full sync is due (every 24 h)", …
 */
fetch_note: string, };
export type SyncReport = { nhs_number: string, endpoints: Array<EndpointOutcome>, };
export type Progress = { "event": "started", source: string, source_id: string, } | { "event": "page", source: string, source_id: string, resource_type: string, received: number, } | { "event": "finished", outcome: EndpointOutcome, };
export type EntrySummary = { reference: string, title: string | null, detail: string | null, status: string | null, marks: Array<EventMark>, };
export type Section = { title: string | null, 
/**
 * Sanitised XHTML (FHIR narrative rules), safe to insert.
 */
html: string | null, 
/**
 * The same narrative as plain text.
 */
text: string | null, 
/**
 * Why the section is empty, as the source said (`emptyReason`).
 */
empty_reason: string | null, 
/**
 * References the section lists, with what Crossview could resolve from the same source.
 */
entries: Array<EntrySummary>, sections: Array<Section>, };
export type Attachment = { title: string | null, content_type: string | null, 
/**
 * Base64 content when the source sent it inline.
 */
data: string | null, 
/**
 * A URL the source gave instead of data; shown, never fetched by the viewer.
 */
url: string | null, size: number | null, };
export type DocumentKind = "discharge-summary" | "letter" | "document";
export type DocumentLink = { resource_type: string, resource_id: string, title: string | null, 
/**
 * `replaces`, `transforms`, `appends`, `signs`, or `replaced-by`.
 */
relation: string, };
export type MedicationChange = { title: string, 
/**
 * The discharge entry and the GP entries it was compared with.
 */
refs: Array<EntryRef>, 
/**
 * Why, where the source said (stop reason, notes).
 */
reason: string | null, 
/**
 * What changed, e.g. "dose: One tablet daily → Two tablets daily".
 */
detail: string | null, };
export type MedicationChanges = { started: Array<MedicationChange>, stopped: Array<MedicationChange>, changed: Array<MedicationChange>, continued: Array<MedicationChange>, 
/**
 * On the GP's list at discharge but not mentioned by the discharge (not assumed stopped).
 */
not_mentioned: Array<MedicationChange>, 
/**
 * The GP sources compared with; empty when no GP list was available.
 */
compared_with: Array<string>, 
/**
 * Plain words on what the comparison could not do.
 */
note: string | null, };
export type DischargeView = { source: string, source_id: string, resource_type: string, resource_id: string, kind: DocumentKind, title: string | null, date: string | null, status: string | null, author: string | null, 
/**
 * The Composition's own narrative (`Composition.text`), shown before its sections.
 */
narrative_html: string | null, narrative_text: string | null, sections: Array<Section>, encounter: EntrySummary | null, 
/**
 * Medicine records the document lists (each with its status: a stopped one says so).
 */
medications: Array<EntrySummary>, attachments: Array<Attachment>, 
/**
 * A newer document that replaces this one.
 */
superseded_by: DocumentLink | null, 
/**
 * Documents this one relates to.
 */
relates_to: Array<DocumentLink>, 
/**
 * For a discharge: its medicines against the GP's list (set by the app).
 */
medication_changes: MedicationChanges | null, };
export type EncounterInfo = { resource_type: string, resource_id: string, title: string | null, status: string | null, admitted: string | null, discharged: string | null, detail: string | null, };
export type DischargeRecord = { source: string, source_id: string, encounter: EncounterInfo | null, 
/**
 * When the patient was discharged (the stay's end, else the document's date).
 */
date: string | null, documents: Array<DischargeView>, medication_changes: MedicationChanges, };
export type EndpointSettings = { 
/**
 * Stable id; `null` for an endpoint being added (one is generated on save).
 */
id: string | null, name: string, kind: EndpointKind, base_url: string, fhir_version: FhirVersionSetting, timeout_s: number, page_size: number, 
/**
 * Environment variable holding a bearer token; empty for none.
 */
token_env: string, 
/**
 * The file accepts plain http:// to another machine for this endpoint (shown
 * as a danger; only the configuration file can set it).
 */
allow_insecure_http: boolean, 
/**
 * Read only: interface, auth and TLS as the configuration file sets them
 * (edited in the file, not on this screen).
 */
connection: string, };
export type CheckStep = "address" | "tls" | "auth" | "metadata" | "interaction";
export type CheckStatus = "pass" | "warn" | "fail" | "skip";
export type Check = { step: CheckStep, name: string, status: CheckStatus, detail: string, };
export type ConnectionReport = { endpoint: string, base_url: string, 
/**
 * True when no check failed.
 */
ok: boolean, 
/**
 * The first failure, as an error the fronts show.
 */
error: UiError | null, fhir_version: string | null, software: string | null, 
/**
 * The searched resource types and whether the server offers each.
 */
supports: Array<[string, boolean]>, 
/**
 * Every check, in the order run.
 */
checks: Array<Check>, 
/**
 * What Crossview will be able to show from this endpoint, in plain words.
 */
will_show: Array<string>, 
/**
 * What it will not, and why.
 */
will_not_show: Array<string>, 
/**
 * Something the test could not do, in plain words (e.g. a token not used).
 */
note: string | null, };
export type PatientMatch = { nhs_number: string, family: string | null, given: string | null, birth_date: string | null, gender: string | null, sources: Array<string>, };
export type PatientSearch = { matches: Array<PatientMatch>, failures: Array<[string, UiError]>, };
export type AppInfo = { demo: boolean, };
export type Basis = "direct-care" | "permission" | "emergency";
export type Access = { basis: Basis, reason: string | null, };
export type AuditAction = "open" | "timeline" | "summary" | "discharges" | "sources" | "search" | "sync" | "view-resource" | "view-document" | "reveal" | "accept" | "forget" | "expire" | "purge" | "rekey";
export type AuditEntry = { seq: number, 
/**
 * UTC, RFC 3339.
 */
at: string, os_user: string, uid: number, clinician_id: string | null, action: AuditAction, nhs_number: string | null, query: string | null, sources: Array<string>, basis: Basis | null, reason: string | null, outcome: string, detail: string | null, prev_hash: string, hash: string, };

/** Every error code the core can return. */
export const ERROR_CODES: readonly ErrorCode[] = ["InvalidNhsNumber","InvalidInput","ConfigInvalid","ConfigNotFound","EndpointUnreachable","EndpointTimeout","AuthFailed","TlsFailed","ServerError","NotFhirResponse","MalformedResponse","NonConformantResource","PatientMismatch","PagingLoop","LimitExceeded","RateLimited","UnsupportedFhirVersion","DataDisappeared","NotInCache","CacheLocked","CacheTooNew","CacheError","CacheKeyMissing","CacheKeyWrong","CacheDirUnsafe","AccessBasisRequired","RestrictedEntry","AuditUnavailable","Internal"];
/** What each error code means, in words a clinician understands. */
export const ERROR_PLAIN_ENGLISH: Record<ErrorCode, string> = {"AccessBasisRequired":"Say why you are looking at this record (direct care, the patient's permission, or an emergency) before it is opened.","AuditUnavailable":"The access log could not be written, so nothing was done.","AuthFailed":"The source refused Crossview's credentials.","CacheDirUnsafe":"The folder for saved records can be opened by other people, so Crossview will not use it. Ask your IT team.","CacheError":"The saved records on this computer could not be read or written.","CacheKeyMissing":"The key that unlocks the saved records on this computer could not be found. Ask your IT team.","CacheKeyWrong":"The saved records on this computer could not be unlocked with the key given. Nothing was changed.","CacheLocked":"Another Crossview window is updating this record. Try again in a moment.","CacheTooNew":"The saved records were written by a newer version of Crossview. Update Crossview to open them.","ConfigInvalid":"The connection settings contain a mistake. Ask your IT team to check them.","ConfigNotFound":"No connection settings were found. Ask your IT team to set up the sources.","DataDisappeared":"The source suddenly returned less than before, so its new answer was kept aside and the earlier data is still shown. Check with the source before accepting it.","EndpointTimeout":"The source did not answer in time.","EndpointUnreachable":"The source could not be reached.","Internal":"Something went wrong inside Crossview.","InvalidInput":"Some of what was entered is not valid. Check the highlighted field.","InvalidNhsNumber":"The NHS number is not valid. Check the 10 digits.","LimitExceeded":"The source sent more data than Crossview accepts in one sync.","MalformedResponse":"The source sent a damaged answer that could not be read.","NonConformantResource":"The source sent a record that does not follow the standard.","NotFhirResponse":"The source sent something that is not a health record (for example an error page).","NotInCache":"That entry is not in the saved record on this computer.","PagingLoop":"The source kept sending the same page of results.","PatientMismatch":"The source sent records of another patient, so nothing from this sync was kept.","RateLimited":"The source is busy and asked Crossview to try again later.","RestrictedEntry":"This entry is restricted by its source. Reveal it, giving a reason, to see it.","ServerError":"The source reported an error.","TlsFailed":"The secure connection to the source could not be set up (a certificate problem). Ask your IT team.","UnsupportedFhirVersion":"The source uses a version of the record standard Crossview cannot read."};
/** The label shown beside a source's name for each kind of endpoint. */
export const SOURCE_KIND_LABELS: Record<EndpointKind, string> = {"gp":"GP","hospital":"Trust","other":"Other","social-care":"Social care"};
/** The words shown for each mark (the command line prints the same). */
export const EVENT_MARK_LABELS: Record<EventMark, string> = {"degraded":"DEGRADED ON TRANSFER","do-not-give":"DO NOT GIVE","high-criticality":"HIGH CRITICALITY","intolerance":"INTOLERANCE","not-taken":"NOT TAKEN","on-hold":"ON HOLD","proposal":"PROPOSED","refuted":"REFUTED","stopped":"STOPPED","superseded":"SUPERSEDED","unconfirmed":"UNCONFIRMED"};
/** The words shown for each medicine state. */
export const MEDICINE_STATE_LABELS: Record<MedicineState, string> = {"completed":"COMPLETED","current":"CURRENT","do-not-give":"DO NOT GIVE","ended":"ENDED","entered-in-error":"ENTERED IN ERROR","inpatient-only":"INPATIENT ONLY","not-taken":"NOT TAKEN","on-hold":"ON HOLD","proposed":"PROPOSED","stopped":"STOPPED"};
/** Each flag kind as a heading. */
export const FLAG_KIND_TITLES: Record<FlagKind, string> = {"allergy-status-conflict":"Allergy current at one source, not at another","allergy-to-ingredient":"Allergy to an ingredient of a current medicine","demographics-differ":"Patient details differ between sources","no-known-allergies-conflict":"“No known allergies” beside a recorded allergy","stopped-elsewhere":"Stopped at one source, current at another"};
/** Each flag kind as short words on the entries it names. */
export const FLAG_KIND_TAGS: Record<FlagKind, string> = {"allergy-status-conflict":"STATUS DIFFERS","allergy-to-ingredient":"ALLERGY WARNING","demographics-differ":"DETAILS DIFFER","no-known-allergies-conflict":"NKA CONFLICT","stopped-elsewhere":"STOPPED ELSEWHERE"};
/** Each access basis in words, in the order the prompt offers them. */
export const BASIS_LABELS: Record<Basis, string> = {"direct-care":"Direct care","emergency":"Emergency access","permission":"Patient's permission"};
