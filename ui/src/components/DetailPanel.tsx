import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { SourceState, SourceStatus, TimelineEvent, UiError } from "../bindings";
import { asOfLong, formatDateTime, NOT_KNOWN } from "../lib/dates";
import { eventKey, KIND_LABEL, sourceKindLabel } from "../lib/filter";
import { documentWord, eventMarks, MARK_LABEL, MARK_MEANING, SEVERE_MARKS } from "../lib/marks";
import { ErrorText } from "./ErrorText";
import { KindBadge, MarkBadges, SourceBadge, StaleMark } from "./Timeline";

export function canReadDischarge(e: TimelineEvent): boolean {
  return (
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
}

type Raw = { state: "idle" } | { state: "loading" } | { state: "ok"; text: string } | { state: "error"; error: UiError };

export function DetailPanel({ nhs, event, source, now, onReadDischarge, onClose }: Props) {
  const [raw, setRaw] = useState<Raw>({ state: "idle" });
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
    api
      .resourceJson({ nhs, source: event.source_id, resourceType: event.resource_type, id: event.resource_id })
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
        <KindBadge kind={event.kind} /> <SourceBadge source={event.source} kind={event.source_kind} /> <MarkBadges marks={marks} eie={event.entered_in_error} />
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
        {raw.state === "ok" && (
          <pre class="raw__json" data-testid="raw-json" tabIndex={0} aria-label="Original resource JSON">
            {raw.text}
          </pre>
        )}
      </details>
    </aside>
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
