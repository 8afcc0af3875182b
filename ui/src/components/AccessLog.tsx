import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import { type AuditAction, type AuditEntry, BASIS_LABELS, type UiError } from "../bindings";
import { formatDateTime } from "../lib/dates";
import { formatNhs } from "../lib/nhs";
import { ErrorText } from "./ErrorText";
import { Modal } from "./Modal";

/** Each logged action in words. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  open: "Opened the record",
  timeline: "Read the timeline",
  summary: "Read the summary",
  discharges: "Read the discharges",
  sources: "Read the sources",
  search: "Searched by name and date of birth",
  sync: "Fetched from the sources",
  "view-resource": "Viewed an original resource",
  "view-document": "Viewed a document",
  reveal: "Revealed a restricted entry",
  accept: "Accepted data kept aside",
  forget: "Removed from this computer",
  expire: "Removed (not opened for a long time)",
  purge: "Removed a source's data",
  rekey: "Changed the key of the saved records",
};

type State = { state: "loading" } | { state: "ok"; entries: AuditEntry[] } | { state: "error"; error: UiError };

/** This patient's access log on this computer, oldest first (read-only). */
export function AccessLogDialog({ nhs, onClose }: { nhs: string; onClose: () => void }) {
  const [st, setSt] = useState<State>({ state: "loading" });
  useEffect(() => {
    let live = true;
    api.auditLog(nhs).then(
      (entries) => live && setSt({ state: "ok", entries }),
      (error: UiError) => live && setSt({ state: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [nhs]);
  const number = formatNhs(nhs);
  return (
    <Modal labelledBy="access-log-title" describedBy="access-log-what" testid="access-log" onClose={onClose} initialFocus="[data-testid=access-log-close]" fallbackFocus={() => document.querySelector<HTMLElement>("[data-testid=access-log-button]")} wide>
      <div class="modal__head">
        <h2 id="access-log-title" class="modal__title">
          Access log: NHS No. <span class="nowrap">{number}</span>
        </h2>
        <button type="button" class="button button--secondary button--small" data-testid="access-log-close" onClick={onClose}>
          Close<span class="visually-hidden"> the access log</span>
        </button>
      </div>
      <p id="access-log-what" class="hint">
        Every access to this record on this computer, oldest first. Times are UK time.
      </p>
      {st.state === "loading" && <p aria-live="polite">Loading the access log…</p>}
      {st.state === "error" && <ErrorText error={st.error} prefix="Could not read the access log" />}
      {st.state === "ok" && st.entries.length === 0 && <p data-testid="access-log-empty">No entries.</p>}
      {st.state === "ok" && st.entries.length > 0 && (
        <div class="access-log__scroll" tabIndex={0} role="region" aria-label="Access log entries">
          <table class="table access-log__table">
            <caption class="visually-hidden">Access log for NHS No. {number}, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">User</th>
                <th scope="col">Basis</th>
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {st.entries.map((e) => (
                <tr key={e.seq} data-testid="access-log-entry" data-action={e.action}>
                  <td class="nowrap">{formatDateTime(e.at)}</td>
                  <td>{AUDIT_ACTION_LABELS[e.action] ?? e.action}</td>
                  <td>
                    <bdi>{e.os_user}</bdi>
                    {e.clinician_id ? (
                      <>
                        {" "}
                        (<bdi>{e.clinician_id}</bdi>)
                      </>
                    ) : null}
                  </td>
                  <td>{e.basis ? BASIS_LABELS[e.basis] : "None stated"}</td>
                  <td>
                    <bdi>{e.outcome === "ok" ? "OK" : e.outcome}</bdi>
                  </td>
                  <td>
                    <bdi>{e.reason ?? ""}</bdi>
                  </td>
                  <td>
                    <bdi>{e.detail ?? ""}</bdi>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}
