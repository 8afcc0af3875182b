/**
 * The only module that talks to the Rust core. Every call rejects with a
 * `UiError`; unknown failures are normalised to code `Internal`.
 */
import { Channel, invoke } from "@tauri-apps/api/core";
import {
  type Access,
  type AppInfo,
  type AuditEntry,
  type Basis,
  type ConnectionReport,
  type DischargeView,
  type EndpointSettings,
  type EntryKey,
  ERROR_CODES,
  type PatientSearch,
  type PatientView,
  type Progress,
  type SyncReport,
  type TimelineEvent,
  type TimelinePage,
  type UiError,
} from "./bindings";
import type { TimelineQuery } from "./lib/filter";

const CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

export function toUiError(e: unknown): UiError {
  if (e && typeof e === "object" && "code" in e && CODES.has(String((e as UiError).code))) {
    const u = e as UiError;
    return { code: u.code, message: typeof u.message === "string" ? u.message : String(u.message) };
  }
  const message = e instanceof Error ? e.message : typeof e === "string" ? e : "Unexpected error";
  return { code: "Internal", message };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toUiError(e);
  }
}

/** One cached resource. `source` is the source's stable id (the core also accepts its name). */
export type ResourceRef = { nhs: string; source: string; resourceType: string; id: string };

export const appInfo = () => call<AppInfo>("app_info");

/** Opens a patient's cached record: an audited access, made once per open (needs a basis). */
export const openPatient = (nhs: string) => call<PatientView>("open_patient", { nhs });

/** Re-reads a record already opened in this session (not a new access). */
export const refreshPatient = (nhs: string) => call<PatientView>("refresh_patient", { nhs });

/**
 * Rows `offset..offset + limit` (limit 1..1000) of the timeline matching `q`,
 * newest first, with the counts per kind and per source. The core records the
 * first page (offset 0) as an access.
 */
export const timelinePage = (nhs: string, q: TimelineQuery, offset: number, limit: number) =>
  call<TimelinePage>("timeline_page", { nhs, kinds: q.kinds, sources: q.sources, text: q.text, from: q.from, to: q.to, offset, limit });

/** Timeline entries by key (at most 1000), named and masked like the timeline; keys not cached are left out. */
export const timelineEntries = (nhs: string, keys: EntryKey[]) => call<TimelineEvent[]>("timeline_entries", { nhs, keys });

/** The basis already stated for this patient in this session, or null (then the app asks). */
export const basisFor = (nhs: string) => call<Access | null>("basis_for", { nhs });

/** States why this patient's record is accessed, for the rest of the session. */
export const declareBasis = (nhs: string, basis: Basis, reason: string | null) =>
  call<null>("declare_basis", { nhs, basis, reason });

/** States the basis for searches by name and date of birth, for the rest of the session. */
export const declareSearchBasis = (basis: Basis, reason: string | null) =>
  call<null>("declare_search_basis", { basis, reason });

/** One restricted entry to reveal: `entry` is the masked entry's handle (its `resource_id`). */
export type RevealRef = { nhs: string; source: string; resourceType: string; entry: string; reason: string };

/** Shows a restricted entry for the rest of the session; the reason is recorded. */
export const reveal = (r: RevealRef) => call<TimelineEvent>("reveal", { ...r });

/** Removes everything cached for the patient on this computer; the number of syncs removed. */
export const forgetPatient = (nhs: string) => call<number>("forget_patient", { nhs });

/** The access log, oldest first: one patient's entries, or all with null. */
export const auditLog = (nhs: string | null) => call<AuditEntry[]>("audit_log", { nhs });

/** Patients matching a family name and date of birth (`yyyy-mm-dd`) at every source. */
export const findPatients = (family: string, birthDate: string) =>
  call<PatientSearch>("find_patients", { family, birthDate });

/** Syncs the patient: only what changed where the last sync allows it; `full`: everything (finds deletions). */
export function syncPatient(nhs: string, onProgress: (p: Progress) => void, full = false): Promise<SyncReport> {
  const progress = new Channel<Progress>();
  progress.onmessage = onProgress;
  return call<SyncReport>("sync_patient", { nhs, progress, full });
}

export const resourceJson = (r: ResourceRef) => call<string>("resource_json", { ...r });

export const discharge = (r: ResourceRef) => call<DischargeView>("discharge", { ...r });

/** Show what a source's last (suspect) sync returned; `source` is its id. True when something was accepted. */
export const acceptSuspect = (nhs: string, source: string) => call<boolean>("accept_suspect", { nhs, source });

/** Remove every cached entry of a source no longer configured (all patients); the number removed. */
export const purgeSource = (source: string) => call<number>("purge_source", { source });

export const listEndpoints = () => call<EndpointSettings[]>("list_endpoints");

/** The settings a new endpoint starts with (the core's defaults). */
export const endpointDefaults = () => call<EndpointSettings>("endpoint_defaults");

export const saveEndpoints = (endpoints: EndpointSettings[]) => call<null>("save_endpoints", { endpoints });

export const testEndpoint = (endpoint: EndpointSettings) => call<ConnectionReport>("test_endpoint", { endpoint });

export const demoSetOnline = (source: string, online: boolean) =>
  call<null>("demo_set_online", { source, online });
