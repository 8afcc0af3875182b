import type { RefObject } from "preact";
import { useState } from "preact/hooks";
import type { PatientMatch } from "../bindings";
import { formatNhsAsTyped, validateNhs } from "../lib/nhs";
import { patientName } from "./Banner";
import { NameSearch } from "./NameSearch";

export const DEMO_PATIENTS = [
  { nhs: "9990000018", label: "999 000 0018", name: "ASHWORTH, Ada" },
  { nhs: "9990000026", label: "999 000 0026", name: null },
  { nhs: "9990000034", label: "999 000 0034", name: null },
];

/** Where an open came from: the name when known (for the access prompt), and whether from a search result. */
export interface OpenFrom {
  name?: string | null;
  search?: boolean;
}

/** Runs a search once a basis for searching is stated; null when the person cancelled the prompt. */
export type SearchGuard = <T>(fn: () => Promise<T>) => Promise<T | null>;

interface Props {
  demo: boolean;
  busy: boolean;
  /** Open a patient; resolves false when nothing was opened (the access prompt was cancelled). */
  onOpen: (nhs: string, from?: OpenFrom) => Promise<boolean> | void;
  searchGuard?: SearchGuard;
  /** NHS number to show in the field at start (e.g. from the launch URL). */
  initial?: string | null;
  /** Folded into the header once a patient is open: one line, the name search as a drop-down. */
  compact?: boolean;
  inputRef?: RefObject<HTMLInputElement>;
}

export function Lookup({ demo, busy, onOpen, initial, compact, inputRef, searchGuard }: Props) {
  const [value, setValue] = useState(() => (initial ? formatNhsAsTyped(initial) : ""));
  const [error, setError] = useState<string | null>(null);
  // The name search is collapsed once a patient is opened, leaving room for the record.
  const [searchOpen, setSearchOpen] = useState(false);

  const submit = (e: Event) => {
    e.preventDefault();
    const v = validateNhs(value);
    if (!v.ok) {
      setError(v.message);
      return;
    }
    setError(null);
    setSearchOpen(false);
    onOpen(v.digits);
  };

  // The search stays open until the patient is really opened: cancelling the access prompt keeps the results.
  const pick = async (nhs: string, from?: OpenFrom) => {
    setValue(formatNhsAsTyped(nhs));
    setError(null);
    const opened = await (from ? onOpen(nhs, from) : onOpen(nhs));
    if (opened !== false) setSearchOpen(false);
  };
  const choose = (p: PatientMatch) => pick(p.nhs_number, { name: patientName(p), search: true });

  const picks = demo && (
    <div class="quick-picks" role="group" aria-label="Demo patients">
      <span class="quick-picks__label">Demo patients</span>
      {DEMO_PATIENTS.map((p) => (
        <button type="button" class="button button--secondary button--small" key={p.nhs} onClick={() => pick(p.nhs, p.name ? { name: p.name } : undefined)}>
          {p.label}
          {p.name ? ` (${p.name})` : ""}
        </button>
      ))}
    </div>
  );

  if (compact) {
    return (
      <div class="lookup-area lookup-area--compact">
        <form class="lookup lookup--compact" onSubmit={submit} role="search" aria-label="Change patient" noValidate>
          <label for="nhs-input" class="lookup__label">
            NHS No.
          </label>
          <input
            id="nhs-input"
            ref={inputRef}
            data-testid="nhs-input"
            class="input input--nhs input--compact"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellcheck={false}
            placeholder="Ctrl+K"
            aria-keyshortcuts="Control+K"
            value={value}
            aria-invalid={error ? "true" : "false"}
            aria-describedby={error ? "nhs-error" : undefined}
            onInput={(e) => {
              const formatted = formatNhsAsTyped((e.currentTarget as HTMLInputElement).value);
              (e.currentTarget as HTMLInputElement).value = formatted;
              setValue(formatted);
            }}
          />
          <button type="submit" class="button button--small button--header" data-testid="nhs-submit" disabled={busy}>
            Open<span class="visually-hidden"> record</span>
          </button>
          {error && (
            <p id="nhs-error" class="lookup__error" data-testid="nhs-error" role="alert">
              <span class="visually-hidden">Error: </span>
              {error}
            </p>
          )}
        </form>
        <NameSearch busy={busy} open={searchOpen} onToggle={setSearchOpen} onChoose={choose} searchGuard={searchGuard} compact>
          {picks}
        </NameSearch>
      </div>
    );
  }

  return (
    <div class="lookup-area">
      <form class="lookup" onSubmit={submit} role="search" aria-label="Find a patient" noValidate>
        <div class={error ? "field field--error" : "field"}>
          <label for="nhs-input">NHS number</label>
          {error && (
            <p id="nhs-error" class="error-message" data-testid="nhs-error" role="alert">
              <span class="visually-hidden">Error: </span>
              {error}
            </p>
          )}
          <div class="lookup__row">
            <input
              id="nhs-input"
              ref={inputRef}
              data-testid="nhs-input"
              class="input input--nhs"
              type="text"
              inputMode="numeric"
              autoComplete="off"
              spellcheck={false}
              placeholder="999 000 0018"
              value={value}
              aria-invalid={error ? "true" : "false"}
              aria-describedby={error ? "nhs-error" : undefined}
              onInput={(e) => {
                const formatted = formatNhsAsTyped((e.currentTarget as HTMLInputElement).value);
                (e.currentTarget as HTMLInputElement).value = formatted;
                setValue(formatted);
              }}
            />
            <button type="submit" class="button" data-testid="nhs-submit" disabled={busy}>
              Open record
            </button>
          </div>
        </div>
        {picks}
      </form>
      <NameSearch busy={busy} open={searchOpen} onToggle={setSearchOpen} onChoose={choose} searchGuard={searchGuard} />
    </div>
  );
}
