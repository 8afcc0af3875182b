import { type ErrorCode, ERROR_PLAIN_ENGLISH, type UiError } from "../bindings";

/**
 * The plain-English meaning of an error code, naming the source where it is
 * known: "The source could not be reached." → "Hillcrest Community Trust could
 * not be reached." Decisions are made on the code only, never on the message.
 */
export function plainError(code: ErrorCode, source?: string | null): string {
  const text = ERROR_PLAIN_ENGLISH[code] ?? ERROR_PLAIN_ENGLISH.Internal;
  const name = source?.trim();
  if (!name) return text;
  if (text.startsWith("The source ")) return `${name} ${text.slice("The source ".length)}`;
  return `${name}: ${text}`;
}

/** Plain English for a `UiError` (see `plainError`). */
export function plainUiError(e: UiError, source?: string | null): string {
  return plainError(e.code, source);
}
