/**
 * The only module that talks to the Rust core. Every call rejects with a
 * `UiError`; unknown failures are normalised to code `Internal`.
 */
import { Channel, invoke } from "@tauri-apps/api/core";
import {
  type AppInfo,
  type ConnectionReport,
  type DischargeView,
  type EndpointSettings,
  ERROR_CODES,
  type PatientSearch,
  type PatientView,
  type Progress,
  type SyncReport,
  type UiError,
} from "./bindings";

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

export const openPatient = (nhs: string) => call<PatientView>("open_patient", { nhs });

/** Patients matching a family name and date of birth (`yyyy-mm-dd`) at every source. */
export const findPatients = (family: string, birthDate: string) =>
  call<PatientSearch>("find_patients", { family, birthDate });

export function syncPatient(nhs: string, onProgress: (p: Progress) => void): Promise<SyncReport> {
  const progress = new Channel<Progress>();
  progress.onmessage = onProgress;
  return call<SyncReport>("sync_patient", { nhs, progress });
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
