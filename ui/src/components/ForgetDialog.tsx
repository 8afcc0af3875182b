import { useState } from "preact/hooks";
import type { UiError } from "../bindings";
import { formatNhs } from "../lib/nhs";
import { ErrorText } from "./ErrorText";
import { Modal } from "./Modal";

interface Props {
  nhs: string;
  name?: string | null;
  /** Removes the record (rejects with a `UiError`, shown here). */
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}

/** Confirms removing everything saved on this computer for one patient. */
export function ForgetDialog({ nhs, name, onConfirm, onCancel }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(e as UiError);
      setBusy(false);
    }
  };
  const number = formatNhs(nhs);
  return (
    <Modal labelledBy="forget-title" describedBy="forget-what" testid="forget-dialog" onClose={onCancel} busy={busy} initialFocus="[data-testid=forget-cancel]" fallbackFocus={() => document.querySelector<HTMLElement>("[data-testid=forget-patient]")}>
      <h2 id="forget-title" class="modal__title">
        Remove this record from this computer?
      </h2>
      <div id="forget-what">
        <p>
          This removes everything saved on this computer for NHS No. <span class="nowrap">{number}</span>
          {name ? (
            <>
              {" "}
              (<bdi>{name}</bdi>)
            </>
          ) : null}
          : the data from every source, and the entries revealed in this session.
        </p>
        <p>The access log keeps a record that it was removed. The record can be fetched again from its sources later; you will be asked again why you are opening it.</p>
      </div>
      {error && <ErrorText error={error} prefix="The record was not removed" />}
      <p class="button-row">
        <button type="button" class="button button--warning" data-testid="forget-confirm" disabled={busy} onClick={confirm}>
          {busy ? "Removing…" : "Remove from this computer"}
        </button>
        <button type="button" class="button button--secondary" data-testid="forget-cancel" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </p>
    </Modal>
  );
}
