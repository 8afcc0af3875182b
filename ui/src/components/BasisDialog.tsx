import { useState } from "preact/hooks";
import * as api from "../api";
import { type Access, type Basis, BASIS_LABELS, type UiError } from "../bindings";
import { formatNhs } from "../lib/nhs";
import { ErrorText } from "./ErrorText";
import { Modal } from "./Modal";

/** The order the prompt offers them (the core's labels). */
export const BASES: Basis[] = ["direct-care", "permission", "emergency"];

/** What each basis means, under its label. */
const BASIS_HINTS: Record<Basis, string> = {
  "direct-care": "You are caring for this patient now.",
  permission: "The patient has agreed that you look at their record.",
  emergency: "There is no time to ask. A reason is needed.",
};

/** Longest reason the core keeps. */
export const MAX_REASON = 500;

export type BasisRequest = { kind: "patient"; nhs: string; name?: string | null } | { kind: "search" };

interface Props {
  request: BasisRequest;
  /** The basis was stated to the core (declared). */
  onDeclared: (access: Access) => void;
  /** Cancel or Esc: nothing is opened or searched. */
  onCancel: () => void;
  /** Where focus goes afterwards when it cannot go back where it was. */
  fallbackFocus?: () => HTMLElement | null | undefined;
}

/**
 * Asks why a record is being opened (or patients searched for) before anything
 * is read, and states it to the core, which records it with every access.
 * Nothing is chosen for the person: the choice is theirs to make.
 */
export function BasisDialog({ request, onDeclared, onCancel, fallbackFocus }: Props) {
  const [basis, setBasis] = useState<Basis | null>(null);
  const [reason, setReason] = useState("");
  const [basisError, setBasisError] = useState<string | null>(null);
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const search = request.kind === "search";

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const text = reason.trim();
    const bErr = basis ? null : search ? "Choose why you are searching" : "Choose why you are opening this record";
    const rErr = basis === "emergency" && !text ? "Enter a reason for emergency access" : null;
    setBasisError(bErr);
    setReasonError(rErr);
    setError(null);
    if (bErr) {
      document.getElementById("basis-direct-care")?.focus();
      return;
    }
    if (rErr) {
      document.getElementById("basis-reason")?.focus();
      return;
    }
    const access: Access = { basis: basis!, reason: text || null };
    setBusy(true);
    try {
      if (request.kind === "patient") await api.declareBasis(request.nhs, access.basis, access.reason);
      else await api.declareSearchBasis(access.basis, access.reason);
      onDeclared(access);
    } catch (err) {
      setError(err as UiError);
      setBusy(false);
    }
  };

  const describedBy = ["basis-intro", basisError ? "basis-error" : ""].filter(Boolean).join(" ");

  return (
    <Modal labelledBy="basis-title" describedBy={describedBy} testid="basis-dialog" onClose={onCancel} busy={busy} initialFocus="#basis-direct-care" fallbackFocus={fallbackFocus}>
      <form class="basis-form" onSubmit={submit} noValidate>
        <h2 id="basis-title" class="modal__title">
          {search ? "Why are you searching for a patient?" : "Why are you opening this record?"}
        </h2>
        <div id="basis-intro">
          {request.kind === "patient" ? (
            <p class="modal__patient" data-testid="basis-patient">
              {request.name ? (
                <>
                  <strong>
                    <bdi>{request.name}</bdi>
                  </strong>
                  {", "}
                </>
              ) : null}
              NHS No. <span class="nowrap">{formatNhs(request.nhs)}</span>
            </p>
          ) : (
            <p>Searching by name and date of birth is recorded in the access log. Your answer is used for the searches in this session and for a patient you open from the results.</p>
          )}
          <p class="hint">You are asked once per {search ? "session" : "patient in this session"}.</p>
        </div>
        <div class={basisError ? "field field--error" : "field"}>
          <fieldset class="radios">
            <legend class="radios__legend">{search ? "Reason for searching" : "Reason for access"}</legend>
            {basisError && (
              <p id="basis-error" class="error-message" role="alert">
                <span class="visually-hidden">Error: </span>
                {basisError}
              </p>
            )}
            {BASES.map((b) => (
              <div class="radio" key={b}>
                <input
                  type="radio"
                  id={`basis-${b}`}
                  data-testid={`basis-${b}`}
                  name="basis"
                  value={b}
                  checked={basis === b}
                  aria-describedby={`basis-${b}-hint`}
                  onChange={() => {
                    setBasis(b);
                    setBasisError(null);
                    if (b !== "emergency") setReasonError(null);
                  }}
                />
                <label for={`basis-${b}`}>{BASIS_LABELS[b]}</label>
                <span id={`basis-${b}-hint`} class="radio__hint">
                  {BASIS_HINTS[b]}
                </span>
              </div>
            ))}
          </fieldset>
        </div>
        <div class={reasonError ? "field field--error" : "field"}>
          <label for="basis-reason">Reason{basis === "emergency" ? "" : " (optional)"}</label>
          <p id="basis-reason-hint" class="hint">
            {basis === "emergency" ? "Required for emergency access. " : "Required for emergency access, optional otherwise. "}
            Your reason is recorded in the access log.
          </p>
          {reasonError && (
            <p id="basis-reason-error" class="error-message" role="alert">
              <span class="visually-hidden">Error: </span>
              {reasonError}
            </p>
          )}
          <textarea
            id="basis-reason"
            data-testid="basis-reason"
            class="input textarea"
            rows={3}
            maxLength={MAX_REASON}
            value={reason}
            aria-required={basis === "emergency" ? "true" : "false"}
            aria-invalid={reasonError ? "true" : "false"}
            aria-describedby={reasonError ? "basis-reason-hint basis-reason-error" : "basis-reason-hint"}
            onInput={(e) => {
              const v = (e.currentTarget as HTMLTextAreaElement).value;
              setReason(v);
              if (v.trim()) setReasonError(null);
            }}
          />
        </div>
        {error && <ErrorText error={error} prefix={search ? "Could not record the reason for searching" : "Could not record the reason for access"} />}
        <p class="button-row">
          <button type="submit" class="button" data-testid="basis-continue" disabled={busy}>
            Continue
          </button>
          <button type="button" class="button button--secondary" data-testid="basis-cancel" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        </p>
      </form>
    </Modal>
  );
}
