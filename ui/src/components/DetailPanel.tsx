import { useEffect, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { TimelineEvent, UiError } from "../bindings";
import { formatDateTime, NOT_KNOWN } from "../lib/dates";
import { KIND_LABEL, sourceKindLabel } from "../lib/filter";
import { ErrorText } from "./ErrorText";
import { KindBadge, SourceBadge } from "./Timeline";

export function canReadDischarge(e: TimelineEvent): boolean {
  return (
    (e.kind === "discharge" || e.kind === "document") &&
    (e.resource_type === "Composition" || e.resource_type === "DocumentReference")
  );
}

interface Props {
  nhs: string;
  event: TimelineEvent | null;
  onReadDischarge: (e: TimelineEvent) => void;
}

type Raw = { state: "idle" } | { state: "loading" } | { state: "ok"; text: string } | { state: "error"; error: UiError };

export function DetailPanel({ nhs, event, onReadDischarge }: Props) {
  const [raw, setRaw] = useState<Raw>({ state: "idle" });
  const [open, setOpen] = useState(false);
  const key = event ? `${event.source}|${event.resource_type}|${event.resource_id}` : "";

  const currentKey = useRef(key);
  currentKey.current = key;

  useEffect(() => {
    setRaw({ state: "idle" });
    setOpen(false);
  }, [key]);

  const loadRaw = () => {
    if (!event || raw.state === "loading" || raw.state === "ok") return;
    setRaw({ state: "loading" });
    const forKey = key;
    api
      .resourceJson({ nhs, source: event.source, resourceType: event.resource_type, id: event.resource_id })
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
      <aside class="detail" data-testid="detail-panel" aria-labelledby="detail-h">
        <h2 id="detail-h" class="detail__title">
          Details
        </h2>
        <p class="muted">Select an event in the timeline (arrow keys, then Enter) to see its details.</p>
      </aside>
    );
  }

  const val = (v: string | null | undefined) => (v && v.trim() ? v : NOT_KNOWN);

  return (
    <aside class="detail" data-testid="detail-panel" aria-labelledby="detail-h">
      <h2 id="detail-h" class="detail__title">
        {event.title}
      </h2>
      <p class="detail__badges">
        <KindBadge kind={event.kind} /> <SourceBadge source={event.source} kind={event.source_kind} />
        {event.entered_in_error && <span class="badge badge--eie">ENTERED IN ERROR</span>}
      </p>
      {event.entered_in_error && (
        <p class="warning-callout">
          <strong>Warning: </strong>this entry was marked as entered in error by its source.
        </p>
      )}
      {canReadDischarge(event) && (
        <p>
          <button type="button" class="button" data-testid="open-discharge" onClick={() => onReadDischarge(event)}>
            Read discharge summary
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
                    <span class="code">{c.code ?? "(no code)"}</span> {c.display ?? ""}
                    <span class="muted code-system"> {c.system ?? "(no system)"}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <Row label="Source" value={`${event.source} (${sourceKindLabel(event.source_kind)})`} />
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
        {raw.state === "error" && <ErrorText error={raw.error} />}
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
      <dd class={pre ? "prewrap" : undefined}>{value}</dd>
    </div>
  );
}
