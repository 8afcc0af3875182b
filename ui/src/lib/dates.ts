/** UK date/time display: `dd-Mmm-yyyy`, 24-hour clock, Europe/London. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export const NOT_KNOWN = "Not known";

const londonParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  hourCycle: "h23",
});

interface Parts {
  y: number;
  m: number;
  d: number;
  hh: number;
  mm: number;
}

function parts(date: Date): Parts {
  const p: Record<string, string> = {};
  for (const x of londonParts.formatToParts(date)) p[x.type] = x.value;
  return { y: +p.year, m: +p.month, d: +p.day, hh: +p.hour % 24, mm: +p.minute };
}

const pad = (n: number) => String(n).padStart(2, "0");

function parseInstant(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t);
}

/** RFC 3339 instant → `25-Nov-2026 09:14` (London local time). */
export function formatDateTime(iso: string | null | undefined): string {
  const d = parseInstant(iso);
  if (!d) return NOT_KNOWN;
  const p = parts(d);
  return `${pad(p.d)}-${MONTHS[p.m - 1]}-${p.y} ${pad(p.hh)}:${pad(p.mm)}`;
}

/** RFC 3339 instant → `14:02` (London local time). */
export function formatTime(iso: string | null | undefined): string {
  const d = parseInstant(iso);
  if (!d) return NOT_KNOWN;
  const p = parts(d);
  return `${pad(p.hh)}:${pad(p.mm)}`;
}

/** `14:02` when the instant is on the same London day as `now`, else `25-Nov-2026 09:14`. */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parseInstant(iso);
  if (!d) return NOT_KNOWN;
  const a = parts(d);
  const b = parts(now);
  return a.y === b.y && a.m === b.m && a.d === b.d ? formatTime(iso) : formatDateTime(iso);
}

/** A calendar date (`1948-03-02`, `1948-03`, `1948`) → `02-Mar-1948`, `Mar-1948`, `1948`. */
export function formatDate(date: string | null | undefined): string {
  if (!date) return NOT_KNOWN;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(date);
  if (!m) return date;
  const [, y, mo, d] = m;
  if (!mo) return y;
  const month = MONTHS[Number(mo) - 1];
  if (!month) return date;
  return d ? `${d}-${month}-${y}` : `${month}-${y}`;
}

/** Age for the banner: years from 2 (`78y`), months under 2 years (`14m`), weeks from 4 weeks (`5w`), else days (`9d`). */
export function formatAge(birthDate: string | null | undefined, now: Date = new Date()): string | null {
  if (!birthDate) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  if (!m) return null;
  const by = +m[1], bm = +m[2], bd = +m[3];
  const t = parts(now);
  let years = t.y - by;
  if (t.m < bm || (t.m === bm && t.d < bd)) years--;
  if (years < 0) return null;
  if (years >= 2) return `${years}y`;
  let months = (t.y - by) * 12 + (t.m - bm);
  if (t.d < bd) months--;
  if (months >= 1) return `${months}m`;
  const days = Math.floor((Date.UTC(t.y, t.m - 1, t.d) - Date.UTC(by, bm - 1, bd)) / 86_400_000);
  return days >= 28 ? `${Math.floor(days / 7)}w` : `${days}d`;
}

/** How old cached data is: `12 min old`, `3 h old`, `2 d old`. */
export function formatDataAge(iso: string | null | undefined, now: Date = new Date()): string | null {
  const d = parseInstant(iso);
  if (!d) return null;
  const mins = Math.max(0, Math.floor((now.getTime() - d.getTime()) / 60_000));
  if (mins < 60) return `${mins} min old`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours} h old`;
  return `${Math.floor(hours / 24)} d old`;
}

/**
 * The ISO calendar-date range an event date covers, for date filters.
 * `2012-06` covers `2012-06-01`..`2012-06-31` (string compare is enough).
 */
export function dateSpan(date: string | null): [string, string] | null {
  if (!date) return null;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(date);
  if (!m) return null;
  const [, y, mo, d] = m;
  if (!mo) return [`${y}-01-01`, `${y}-12-31`];
  if (!d) return [`${y}-${mo}-01`, `${y}-${mo}-31`];
  return [`${y}-${mo}-${d}`, `${y}-${mo}-${d}`];
}

/** Example shown next to date inputs. */
export const DATE_INPUT_HINT = "e.g. 01-Jan-2024";

export type DateInput = { ok: true; iso: string } | { ok: false; message: string };

const MONTH_INDEX: Record<string, number> = {};
MONTHS.forEach((m, i) => (MONTH_INDEX[m.toLowerCase()] = i + 1));
["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"].forEach(
  (m, i) => (MONTH_INDEX[m] = i + 1),
);
MONTH_INDEX.sept = 9;

function isoIfReal(y: number, m: number, d: number): string | null {
  if (!(y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1)) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * Parse a date typed by a clinician. Accepts `dd-Mmm-yyyy` (NHS display form;
 * month name any case, full or short, separated by `-`, `/`, `.` or spaces),
 * `dd/mm/yyyy` (UK day-first; `-` and `.` also accepted) and ISO `yyyy-mm-dd`.
 * Two-digit years are refused (ambiguous). Returns the ISO calendar date.
 * `hint` is the example quoted in error messages.
 */
export function parseDateInput(input: string, hint: string = DATE_INPUT_HINT): DateInput {
  const s = input.trim();
  const bad: DateInput = { ok: false, message: `Enter a real date, ${hint}` };
  if (!s) return { ok: false, message: "Enter a date" };
  let y: number, mo: number, d: number;
  let m = /^(\d{1,2})[-/.\s]+([A-Za-z]{3,9})[-/.\s]+(\d+)$/.exec(s);
  if (m) {
    const month = MONTH_INDEX[m[2].toLowerCase()];
    if (!month) return bad;
    if (m[3].length !== 4) return { ok: false, message: `Enter the year with 4 digits, ${hint}` };
    [d, mo, y] = [+m[1], month, +m[3]];
  } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s))) {
    [y, mo, d] = [+m[1], +m[2], +m[3]];
  } else if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d+)$/.exec(s))) {
    if (m[3].length !== 4) return { ok: false, message: `Enter the year with 4 digits, ${hint}` };
    [d, mo, y] = [+m[1], +m[2], +m[3]];
  } else {
    return bad;
  }
  const iso = isoIfReal(y, mo, d);
  return iso ? { ok: true, iso } : bad;
}

/**
 * The short "as of" words for data from a source read at `iso`: `as of 09:14`
 * when read today, else `as of 25-Nov-2026`.
 */
export function asOfShort(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parseInstant(iso);
  if (!d) return `as of ${NOT_KNOWN}`;
  const a = parts(d);
  const b = parts(now);
  if (a.y === b.y && a.m === b.m && a.d === b.d) return `as of ${formatTime(iso)}`;
  return `as of ${pad(a.d)}-${MONTHS[a.m - 1]}-${a.y}`;
}

/** `as of 25-Nov-2026 09:14` (full, for panels). */
export function asOfLong(iso: string | null | undefined): string {
  return `as of ${formatDateTime(iso)}`;
}
