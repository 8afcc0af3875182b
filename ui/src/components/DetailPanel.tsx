import { useContext, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { SourceState, SourceStatus, TimelineEvent, UiError } from "../bindings";
import { asOfLong, formatDateTime, NOT_KNOWN } from "../lib/dates";
import { eventKey, KIND_LABEL, sourceKindLabel } from "../lib/filter";
import { documentWord, eventMarks, MARK_LABEL, MARK_MEANING, SEVERE_MARKS } from "../lib/marks";
import { AccessGuard } from "../lib/guard";
import { MAX_REASON } from "./BasisDialog";
import { ErrorText } from "./ErrorText";
import { KindBadge, MarkBadges, RestrictedBadge, SourceBadge, StaleMark } from "./Timeline";

export function canReadDischarge(e: TimelineEvent): boolean {
  // A masked entry shows nothing of itself until it is revealed.
  return (
    !e.restricted?.masked &&
    (e.kind === "discharge" || e.kind === "document") &&
    (e.resource_type === "Composition" || e.resource_type === "DocumentReference")
  );
}

/** Why a source's entries may be out of date, in words. */
export const STALE_REASON: Partial<Record<SourceState, string>> = {
  failed: "its latest sync failed",
  interrupted: "its latest sync was interrupted",
  suspect: "its latest sync was kept aside because entries disappeared",
  old: "its data is older than the freshness limit",
  "not-configured": "it is no longer configured",
  never: "it has not been synced",
  syncing: "it is being synced now",
};

interface Props {
  nhs: string;
  event: TimelineEvent | null;
  /** The status of the event's source (for why its data may be out of date). */
  source?: SourceStatus | null;
  now?: Date;
  onReadDischarge: (e: TimelineEvent) => void;
  /** Close the panel (shown over the list on narrow windows). */
  onClose?: () => void;
  /** Reveal a masked entry with a reason (the app then reads the record again); rejects with a `UiError`. */
  onReveal?: (e: TimelineEvent, reason: string) => Promise<void>;
}

type Raw = { state: "idle" } | { state: "loading" } | { state: "ok"; text: string } | { state: "error"; error: UiError };

export function DetailPanel({ nhs, event, source, now, onReadDischarge, onClose, onReveal }: Props) {
  const [raw, setRaw] = useState<Raw>({ state: "idle" });
  const guard = useContext(AccessGuard);
  const [open, setOpen] = useState(false);
  const key = event ? eventKey(event) : "";
  const panelRef = useRef<HTMLElement>(null);

  const currentKey = useRef(key);
  currentKey.current = key;

  useEffect(() => {
    setRaw({ state: "idle" });
    setOpen(false);
  }, [key]);

  // Every entry opens at the top of the panel, where its warnings are.
  useLayoutEffect(() => {
    if (panelRef.current) panelRef.current.scrollTop = 0;
  }, [key]);

  const loadRaw = () => {
    if (!event || raw.state === "loading" || raw.state === "ok") return;
    setRaw({ state: "loading" });
    const forKey = key;
    guard(() => api.resourceJson({ nhs, source: event.source_id, resourceType: event.resource_type, id: event.resource_id }))
      .then(
        (text) => {
          if (currentKey.current === forKey) setRaw({ state: "ok", text });
        },
        (error: UiError) => {
          if (currentKey.current === forKey) setRaw({ state: "error", error });
        },
      );
  };

  if (!event) {
    return (
      <aside class="detail detail--empty" data-testid="detail-panel" aria-labelledby="detail-h" ref={panelRef}>
        <h2 id="detail-h" class="detail__title">
          Details
        </h2>
        <p class="muted">Select an event in the timeline (arrow keys, then Enter) to see its details.</p>
      </aside>
    );
  }

  if (event.restricted?.masked) {
    return (
      <aside class="detail detail--restricted" data-testid="detail-panel" data-restricted="masked" aria-labelledby="detail-h" ref={panelRef} data-key={key}>
        <div class="detail__head">
          <h2 id="detail-h" tabIndex={-1} class="detail__title">
            <bdi>{event.title}</bdi>
          </h2>
          {onClose && (
            <button type="button" class="button button--secondary button--small detail__close" data-testid="detail-close" onClick={onClose}>
              Close<span class="visually-hidden"> details</span>
            </button>
          )}
        </div>
        <p class="detail__badges">
          <KindBadge kind={event.kind} /> <SourceBadge source={event.source} kind={event.source_kind} /> <RestrictedBadge e={event} />
          {event.stale && <StaleMark asOf={event.as_of} now={now} />}
        </p>
        <dl class="summary-list summary-list--compact">
          <Row label="Kind" value={KIND_LABEL[event.kind]} />
          <Row label="Date" value={event.date_display} />
          <Row label="Source" value={`${event.source} (${sourceKindLabel(event.source_kind)})`} />
        </dl>
        <RevealForm key={key} event={event} onReveal={onReveal} />
      </aside>
    );
  }

  const val = (v: string | null | undefined) => (v && v.trim() ? v : NOT_KNOWN);
  const marks = eventMarks(event);
  const word = documentWord(event);
  const staleWhy = source ? STALE_REASON[source.state] : undefined;

  return (
    <aside class="detail" data-testid="detail-panel" aria-labelledby="detail-h" ref={panelRef} data-key={key}>
      <div class="detail__head">
        <h2 id="detail-h" tabIndex={-1} class={`detail__title${event.entered_in_error ? " detail__title--eie" : ""}`}>
          <bdi>{event.title}</bdi>
        </h2>
        {onClose && (
          <button type="button" class="button button--secondary button--small detail__close" data-testid="detail-close" onClick={onClose}>
            Close<span class="visually-hidden"> details</span>
          </button>
        )}
      </div>
      <p class="detail__badges">
        <KindBadge kind={event.kind} /> <SourceBadge source={event.source} kind={event.source_kind} /> <RestrictedBadge e={event} />{" "}
        <MarkBadges marks={marks} eie={event.entered_in_error} />
        {event.stale && <StaleMark asOf={event.as_of} now={now} />}
      </p>
      <div class="detail__warnings" data-testid="detail-warnings">
        {event.entered_in_error && (
          <p class="warning-callout">
            <strong>Warning: </strong>this entry was marked as entered in error by its source. It is shown for the record only.
          </p>
        )}
        {event.stale && (
          <p class="warning-callout" data-testid="detail-stale">
            <strong>Warning: </strong>data from <bdi>{event.source}</bdi> {asOfLong(event.as_of)}
            {staleWhy ? ` (${staleWhy})` : ""}: this entry may be out of date.
          </p>
        )}
        {event.restricted && (
          <p class="info-callout" data-testid="detail-revealed">
            <strong>Restricted by <bdi>{event.source}</bdi></strong>
            {event.restricted.labels.length > 0 ? (
              <>
                {" "}
                (<bdi>{event.restricted.labels.join(", ")}</bdi>)
              </>
            ) : null}
            . Revealed in this session; the reason is recorded in the access log.
          </p>
        )}
        {marks.map((m) => (
          <p key={m} class={SEVERE_MARKS.has(m) ? "warning-callout" : "info-callout"} data-mark={m}>
            <strong>{MARK_LABEL[m]}</strong> {MARK_MEANING[m]}
          </p>
        ))}
      </div>
      {canReadDischarge(event) && (
        <p>
          <button type="button" class="button" data-testid="open-discharge" onClick={() => onReadDischarge(event)}>
            Read {word}
          </button>
        </p>
      )}
      <dl class="summary-list">
        <Row label="Kind" value={KIND_LABEL[event.kind]} />
        <Row label="Date" value={event.date_display} />
        <Row label="Title" value={event.title} />
        <Row label="Status" value={val(event.status)} />
        <Row label="Detail" value={val(event.detail)} pre />
        <div class="summary-list__row">
          <dt>Codes</dt>
          <dd>
            {event.codes.length === 0 ? (
              NOT_KNOWN
            ) : (
              <ul class="codes">
                {event.codes.map((c, i) => (
                  <li key={i}>
                    <span class="code">{c.code ?? "(no code)"}</span> <bdi>{c.display ?? ""}</bdi>
                    <span class="muted code-system"> {c.system ?? "(no system)"}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <Row label="Source" value={`${event.source} (${sourceKindLabel(event.source_kind)})`} />
        <Row label="Data as of" value={event.as_of ? formatDateTime(event.as_of) : NOT_KNOWN} />
        <Row label="Resource" value={`${event.resource_type}/${event.resource_id}`} />
        <Row label="FHIR version" value={val(event.fhir_version)} />
        <Row label="Version" value={val(event.version_id)} />
        <Row label="Last updated" value={event.last_updated ? formatDateTime(event.last_updated) : NOT_KNOWN} />
        <Row label="Fetched at" value={formatDateTime(event.fetched_at)} />
      </dl>
      <details
        class="raw"
        open={open}
        onToggle={(e) => {
          const isOpen = (e.currentTarget as HTMLDetailsElement).open;
          setOpen(isOpen);
          if (isOpen) loadRaw();
        }}
      >
        <summary>Original resource</summary>
        {raw.state === "loading" && <p aria-live="polite">Loading original resource…</p>}
        {raw.state === "error" && <ErrorText error={raw.error} source={event.source} />}
        {raw.state === "ok" && <RawJson key={key} text={raw.text} />}
      </details>
    </aside>
  );
}

/** Characters of the original resource shown before "Show all" (a server can send megabytes). */
export const RAW_PREVIEW_CHARS = 20_000;

/** The original resource, cut at RAW_PREVIEW_CHARS until the reader asks for all of it. */
function RawJson({ text }: { text: string }) {
  const [all, setAll] = useState(false);
  const cut = !all && text.length > RAW_PREVIEW_CHARS;
  return (
    <>
      <pre class="raw__json" data-testid="raw-json" tabIndex={0} aria-label="Original resource JSON">
        {cut ? text.slice(0, RAW_PREVIEW_CHARS) : text}
      </pre>
      {cut && (
        <p class="raw__more">
          Showing the first {RAW_PREVIEW_CHARS.toLocaleString("en-GB")} of {text.length.toLocaleString("en-GB")} characters.{" "}
          <button type="button" class="button button--link button--small" data-testid="raw-show-all" onClick={() => setAll(true)}>
            Show all
          </button>
        </p>
      )}
    </>
  );
}

function Row({ label, value, pre }: { label: string; value: string; pre?: boolean }) {
  return (
    <div class="summary-list__row">
      <dt>{label}</dt>
      <dd class={pre ? "prewrap" : undefined}>
        <bdi>{value}</bdi>
      </dd>
    </div>
  );
}

/**
 * What a masked entry offers: a reason, then reveal. Nothing else of the entry
 * (no original resource, no document) is reachable until then.
 */
function RevealForm({ event, onReveal }: { event: TimelineEvent; onReveal?: (e: TimelineEvent, reason: string) => Promise<void> }) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const ready = reason.trim() !== "" && !busy && !!onReveal;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ready || !onReveal) return;
    setBusy(true);
    setError(null);
    try {
      await onReveal(event, reason.trim());
    } catch (err) {
      setError(err as UiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="reveal" data-testid="reveal-form" onSubmit={submit} noValidate>
      <p class="warning-callout" id="reveal-why">
        This entry is restricted by <bdi>{event.source}</bdi>. To see it, give a reason; the reason is recorded in the access log.
      </p>
      <div class="field">
        <label for="reveal-reason">Reason for revealing this entry</label>
        <textarea
          id="reveal-reason"
          data-testid="reveal-reason"
          class="input textarea"
          rows={3}
          maxLength={MAX_REASON}
          value={reason}
          aria-describedby="reveal-why"
          onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </div>
      {error && <ErrorText error={error} prefix="The entry was not revealed" source={event.source} />}
      <p class="button-row">
        <button type="submit" class="button button--warning" data-testid="reveal-confirm" disabled={!ready}>
          {busy ? "Revealing…" : "Reveal entry"}
        </button>
      </p>
    </form>
  );
}
