import { type ComponentChildren, Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { PatientMatch, PatientSearch, UiError } from "../bindings";
import { formatDate, NOT_KNOWN, parseDateInput } from "../lib/dates";
import { formatNhs } from "../lib/nhs";
import { formatGender, patientName } from "./Banner";
import { plainError } from "../lib/errors";
import { ErrorText, TechnicalDetail } from "./ErrorText";
import type { SearchGuard } from "./Lookup";

/** Example shown with the date of birth input (and in its error messages). */
export const DOB_HINT = "e.g. 14-Jul-1945";

/** `ASHWORTH, Ada`, `Born 02-Mar-1948`, … — the parts of a match in NHS CUI order. */
export function matchParts(p: PatientMatch): string[] {
  return [
    patientName(p),
    `Born ${p.birth_date ? formatDate(p.birth_date) : NOT_KNOWN}`,
    `Gender ${formatGender(p.gender)}`,
    `NHS No. ${formatNhs(p.nhs_number)}`,
    `(sources: ${p.sources.join(", ")})`,
  ];
}

function todayIso(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

interface Props {
  busy: boolean;
  /** Whether the section is expanded (the lookup collapses it when a patient is opened). */
  open: boolean;
  onToggle: (open: boolean) => void;
  /** Open the chosen patient (the same path as submitting their NHS number). */
  onChoose: (match: PatientMatch) => void;
  /** Asks for the basis for searching before the first search (the app provides it). */
  searchGuard?: SearchGuard;
  /** In the header: a drop-down panel under a short toggle. */
  compact?: boolean;
  /** Shown at the top of the panel (e.g. demo quick picks). */
  children?: ComponentChildren;
}

/** Secondary lookup: find patients by family name and date of birth at every source. */
export function NameSearch({ busy, open, onToggle, onChoose, searchGuard, compact, children }: Props) {
  const [family, setFamily] = useState("");
  const [dob, setDob] = useState("");
  const [familyError, setFamilyError] = useState<string | null>(null);
  const [dobError, setDobError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const [result, setResult] = useState<PatientSearch | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const seq = useRef(0);
  const rootRef = useRef<HTMLDivElement>(null);

  // As a drop-down (in the header): a click outside closes it, and so does Esc.
  useEffect(() => {
    if (!compact || !open) return;
    const onDown = (e: MouseEvent) => {
      // A dialog over the page (the access prompt for this search) is not "outside".
      if (e.target instanceof Element && e.target.closest('[aria-modal="true"]')) return;
      if (rootRef.current && e.target instanceof Node && !rootRef.current.contains(e.target)) onToggle(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [compact, open, onToggle]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (!compact || !open || e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    onToggle(false);
    rootRef.current?.querySelector<HTMLElement>(".name-search__toggle")?.focus();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const name = family.trim();
    const fErr = name ? null : "Enter a family name";
    let dErr: string | null = null;
    let iso = "";
    const d = parseDateInput(dob, DOB_HINT);
    if (!d.ok) dErr = d.message === "Enter a date" ? "Enter a date of birth" : d.message;
    else if (d.iso > todayIso()) dErr = "Date of birth must be today or in the past";
    else iso = d.iso;
    setFamilyError(fErr);
    setDobError(dErr);
    if (fErr || dErr) return;
    const token = ++seq.current;
    setSearching(true);
    setError(null);
    setResult(null);
    try {
      const find = () => api.findPatients(name, iso);
      const r = searchGuard ? await searchGuard(find) : await find();
      // Null: the prompt for the basis was cancelled, so nothing was searched.
      if (seq.current === token && r) setResult(r);
    } catch (err) {
      if (seq.current === token) setError(err as UiError);
    } finally {
      if (seq.current === token) setSearching(false);
    }
  };

  const count = result?.matches.length ?? 0;
  const status = searching
    ? "Searching…"
    : result
      ? count === 0
        ? null
        : `${count} ${count === 1 ? "patient" : "patients"} found`
      : "";

  return (
    <div class={`name-search${compact ? " name-search--compact" : ""}`} ref={rootRef} onKeyDown={onKeyDown}>
      <button
        type="button"
        class={compact ? "button button--small button--header-secondary name-search__toggle" : "button button--link name-search__toggle"}
        data-testid="name-search-toggle"
        aria-expanded={open ? "true" : "false"}
        aria-controls="name-search-panel"
        onClick={() => onToggle(!open)}
      >
        {compact ? (
          <>
            Find by name<span class="visually-hidden"> and date of birth</span>
          </>
        ) : (
          "Search by name and date of birth"
        )}
      </button>
      <div id="name-search-panel" class="name-search__panel" hidden={!open}>
        {children}
        <form class="name-search__form" role="search" aria-label="Search by name and date of birth" onSubmit={submit} noValidate>
          <div class={familyError ? "field field--error" : "field"}>
            <label for="family-input">Family name</label>
            {familyError && (
              <p id="family-error" class="error-message" data-testid="family-error" role="alert">
                <span class="visually-hidden">Error: </span>
                {familyError}
              </p>
            )}
            <input
              id="family-input"
              data-testid="family-input"
              class="input input--family"
              type="text"
              autoComplete="off"
              spellcheck={false}
              value={family}
              aria-invalid={familyError ? "true" : "false"}
              aria-describedby={familyError ? "family-error" : undefined}
              onInput={(e) => setFamily((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class={dobError ? "field field--error" : "field"}>
            <label for="dob-input">Date of birth</label>
            <p id="dob-hint" class="hint">
              {DOB_HINT}
            </p>
            {dobError && (
              <p id="dob-error" class="error-message" data-testid="dob-error" role="alert">
                <span class="visually-hidden">Error: </span>
                {dobError}
              </p>
            )}
            <input
              id="dob-input"
              data-testid="dob-input"
              class="input input--date"
              type="text"
              autoComplete="off"
              spellcheck={false}
              value={dob}
              aria-invalid={dobError ? "true" : "false"}
              aria-describedby={dobError ? "dob-hint dob-error" : "dob-hint"}
              onInput={(e) => setDob((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <button type="submit" class="button button--secondary" data-testid="name-search-submit" disabled={searching}>
              Search
            </button>
          </div>
        </form>
        {error && <ErrorText error={error} prefix="The search failed" />}
        <div class="name-search__status" role="status" aria-live="polite" aria-atomic="true">
          {status}
          {result && count === 0 && !searching && (
            <p class="name-search__empty" data-testid="name-search-empty">
              No patients found
            </p>
          )}
        </div>
        {result && count > 0 && (
          <ul class="name-search__results" aria-label="Matching patients">
            {result.matches.map((p) => (
              <li key={p.nhs_number}>
                <button
                  type="button"
                  class="name-search__result"
                  data-testid="name-search-result"
                  disabled={busy}
                  onClick={() => onChoose(p)}
                >
                  {matchParts(p).map((part, i) => (
                    <Fragment key={i}>
                      {i > 0 && " "}
                      <span class={i === 0 ? "name-search__name" : "name-search__fact"}>{i === 0 || i === 4 ? <bdi>{part}</bdi> : part}</span>
                    </Fragment>
                  ))}
                </button>
              </li>
            ))}
          </ul>
        )}
        {result && result.failures.length > 0 && (
          <div class="name-search__failures">
            <p class="name-search__failures-title" id="name-search-failures-title">
              Some sources could not be searched:
            </p>
            <ul aria-labelledby="name-search-failures-title">
              {result.failures.map(([source, err], i) => (
                <li key={i} class="warning-callout warning-callout--small" data-testid="name-search-failure" data-code={err.code}>
                  <strong class="visually-hidden">Warning: </strong>
                  <bdi>{plainError(err.code, source)}</bdi>
                  <TechnicalDetail code={err.code} message={err.message} />
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
