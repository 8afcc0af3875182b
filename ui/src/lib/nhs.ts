/** NHS number helpers: as-typed formatting (3-3-4) and modulus 11 validation. */

export type NhsValidation =
  | { ok: true; digits: string }
  | { ok: false; message: string };

export const MSG_LENGTH = "NHS number must have 10 digits";
export const MSG_CHECK = "This is not a valid NHS number: check digit does not match";

/** Keep digits only (spaces, dashes and other characters are dropped). */
export function nhsDigits(input: string): string {
  return input.replace(/\D/g, "");
}

/**
 * Format what the user has typed so far as `999 000 0018`. At most ten digits
 * are kept; groups appear as soon as there is a digit to put in them.
 */
export function formatNhsAsTyped(input: string): string {
  const d = nhsDigits(input).slice(0, 10);
  if (d.length <= 3) return d;
  if (d.length <= 6) return `${d.slice(0, 3)} ${d.slice(3)}`;
  return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
}

/** Display form of a complete NHS number (`9990000018` → `999 000 0018`). */
export function formatNhs(nhs: string): string {
  const d = nhsDigits(nhs);
  return d.length === 10 ? formatNhsAsTyped(d) : nhs;
}

/** The modulus 11 check digit for nine digits, or null when it would be 10 (invalid). */
export function nhsCheckDigit(nine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

export function validateNhs(input: string): NhsValidation {
  const trimmed = input.trim();
  // Only digits and separators (spaces, dashes) are acceptable input.
  if (/[^\d\s-]/.test(trimmed)) return { ok: false, message: MSG_LENGTH };
  const d = nhsDigits(trimmed);
  if (d.length !== 10) return { ok: false, message: MSG_LENGTH };
  const check = nhsCheckDigit(d.slice(0, 9));
  if (check === null || check !== Number(d[9])) return { ok: false, message: MSG_CHECK };
  return { ok: true, digits: d };
}

/**
 * The patient named in the page's fragment (`#nhs=9990000018`), as the desktop
 * shell passes it when launched in a patient's context; null when absent or invalid.
 */
export function nhsFromHash(hash: string): string | null {
  const h = hash.replace(/^#/, "");
  let value: string | null = null;
  for (const part of h.split("&")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i) === "nhs") {
      try {
        value = decodeURIComponent(part.slice(i + 1));
      } catch {
        return null;
      }
    }
  }
  if (value === null) return null;
  const v = validateNhs(value);
  return v.ok ? v.digits : null;
}
