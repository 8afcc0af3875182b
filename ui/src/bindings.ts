// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p crossview-desktop --test bindings

export type ErrorCode = "InvalidNhsNumber" | "ConfigInvalid" | "ConfigNotFound" | "EndpointUnreachable" | "EndpointTimeout" | "AuthFailed" | "ServerError" | "NotFhirResponse" | "MalformedResponse" | "NonConformantResource" | "PatientMismatch" | "PagingLoop" | "LimitExceeded" | "RateLimited" | "UnsupportedFhirVersion" | "CacheLocked" | "CacheTooNew" | "CacheError" | "Internal";
export type UiError = { code: ErrorCode, message: string, };
export type EventKind = "allergy" | "medication" | "encounter" | "discharge" | "document" | "condition";
export type Code = { system: string | null, code: string | null, display: string | null, };
export type TimelineEvent = { kind: EventKind, 
/**
 * The date exactly as the source wrote it; `null` when the source gave none.
 */
date: string | null, 
/**
 * NHS display form of `date` (`14-Jul-2025 09:30`, `Jun-2012`, `Not known`).
 */
date_display: string, title: string, status: string | null, entered_in_error: boolean, detail: string | null, codes: Array<Code>, 
/**
 * Endpoint name the entry came from.
 */
source: string, source_kind: string, resource_type: string, resource_id: string, version_id: string | null, last_updated: string | null, 
/**
 * When Crossview received the resource (UTC, RFC 3339).
 */
fetched_at: string, fhir_version: string, };
export type SourceStatus = { source: string, source_kind: string, base_url: string, 
/**
 * When the data shown was fetched (finish of the last successful sync).
 */
last_success: string | null, last_attempt: string | null, 
/**
 * `ok`, `failed` or `running`.
 */
last_outcome: string, last_error_code: ErrorCode | null, last_error: string | null, fhir_version: string | null, 
/**
 * Resources cached from this source, by type.
 */
counts: { [key in string]: number }, warnings: Array<string>, 
/**
 * True when the last attempt failed, so what is shown is older than the last try.
 */
stale: boolean, };
export type BannerAllergy = { title: string, source: string, };
export type AllergyState = { "state": "listed", allergies: Array<BannerAllergy>, } | { "state": "no_known_allergies", sources: Array<string>, } | { "state": "not_recorded" };
export type Banner = { family: string | null, given: string | null, birth_date: string | null, gender: string | null, nhs_number: string, 
/**
 * e.g. "Date of birth differs at Hillcrest Community Trust (1948-03-03)".
 */
discrepancies: Array<string>, allergies: AllergyState, 
/**
 * "No known allergy" recorded at one source while another lists an allergy.
 */
allergy_conflict: string | null, };
export type PatientView = { nhs_number: string, banner: Banner, events: Array<TimelineEvent>, sources: Array<SourceStatus>, 
/**
 * Every configured endpoint failed at its last attempt (or none was ever reached).
 */
offline: boolean, 
/**
 * Oldest "data as of" among the sources shown, for the offline banner.
 */
oldest_data: string | null, };
export type EndpointKind = "hospital" | "gp" | "social-care" | "other";
export type EndpointOutcome = { source: string, source_kind: string, base_url: string, 
/**
 * `ok` or `failed`.
 */
outcome: string, error: UiError | null, started_at: string, finished_at: string, fhir_version: string | null, 
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
rejected: number, warnings: Array<string>, bytes: number, };
export type SyncReport = { nhs_number: string, endpoints: Array<EndpointOutcome>, };
export type Progress = { "event": "started", source: string, } | { "event": "page", source: string, resource_type: string, received: number, } | { "event": "finished", outcome: EndpointOutcome, };
export type EntrySummary = { reference: string, title: string | null, detail: string | null, status: string | null, };
export type Section = { title: string | null, 
/**
 * Sanitised XHTML (FHIR narrative rules), safe to insert.
 */
html: string | null, 
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
export type DischargeView = { source: string, resource_type: string, resource_id: string, title: string | null, date: string | null, status: string | null, author: string | null, sections: Array<Section>, encounter: EntrySummary | null, medications: Array<EntrySummary>, attachments: Array<Attachment>, };
export type EndpointSettings = { name: string, kind: EndpointKind, base_url: string, 
/**
 * `auto`, `R4` or `STU3`.
 */
fhir_version: string, timeout_s: number, page_size: number, 
/**
 * Environment variable holding a bearer token; empty for none.
 */
token_env: string, };
export type ConnectionReport = { ok: boolean, error: UiError | null, fhir_version: string | null, software: string | null, 
/**
 * The searched resource types and whether the server offers each.
 */
supports: Array<[string, boolean]>, };
export type PatientMatch = { nhs_number: string, family: string | null, given: string | null, birth_date: string | null, gender: string | null, sources: Array<string>, };
export type PatientSearch = { matches: Array<PatientMatch>, failures: Array<[string, UiError]>, };
export type AppInfo = { demo: boolean, };
