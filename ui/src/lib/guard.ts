import { createContext } from "preact";
import type { UiError } from "../bindings";

/**
 * Runs a call on the open patient's record; when the core says no access basis
 * was stated (`AccessBasisRequired`), asks for one and tries once more. The
 * app provides it; outside the app (tests, previews) the call just runs.
 */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

export const AccessGuard = createContext<Guard>((fn) => fn());

export function needsBasis(e: unknown): boolean {
  return !!e && typeof e === "object" && (e as UiError).code === "AccessBasisRequired";
}
