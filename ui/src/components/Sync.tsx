import type { ErrorCode, Progress, SourceStatus } from "../bindings";
import { formatDataAge, formatDateTime, formatWhen } from "../lib/dates";
import { sourceKindLabel } from "../lib/filter";

export interface EndpointProgress {
  source: string;
  phase: "connecting" | "receiving" | "ok" | "failed";
  counts: Record<string, number>;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
}

/** Fold one Progress message into the per-endpoint progress list. */
export function applyProgress(list: EndpointProgress[], p: Progress): EndpointProgress[] {
  const source = p.event === "finished" ? p.outcome.source : p.source;
  const idx = list.findIndex((x) => x.source === source);
  const cur: EndpointProgress =
    idx >= 0 ? list[idx] : { source, phase: "connecting", counts: {}, errorCode: null, errorMessage: null };
  let next: EndpointProgress;
  switch (p.event) {
    case "started":
      next = { ...cur, phase: "connecting" };
      break;
    case "page":
      next = { ...cur, phase: "receiving", counts: { ...cur.counts, [p.resource_type]: p.received } };
      break;
    case "finished": {
      const ok = p.outcome.outcome === "ok" || (!p.outcome.error && p.outcome.outcome !== "failed");
      const counts: Record<string, number> = { ...cur.counts };
      for (const [k, v] of Object.entries(p.outcome.counts)) if (typeof v === "number") counts[k] = v;
      next = {
        ...cur,
        phase: ok ? "ok" : "failed",
        counts,
        errorCode: p.outcome.error?.code ?? null,
        errorMessage: p.outcome.error?.message ?? null,
      };
      break;
    }
  }
  const out = list.slice();
  if (idx >= 0) out[idx] = next;
  else out.push(next);
  return out;
}

function countsText(c: Record<string, number>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
}

export function SyncProgress({ items, running }: { items: EndpointProgress[]; running: boolean }) {
  return (
    <div class="sync-progress" data-testid="sync-progress" role="status" aria-live="polite">
      {running && items.length === 0 && <p>Starting sync…</p>}
      {items.length > 0 && (
        <ul class="plain-list">
          {items.map((x) => (
            <li key={x.source} class={`progress progress--${x.phase}`}>
              <strong>{x.source}</strong>:{" "}
              {x.phase === "connecting" && "Connecting"}
              {x.phase === "receiving" && countsText(x.counts)}
              {x.phase === "ok" && (
                <>
                  <span class="tag tag--ok">✓ OK</span> {countsText(x.counts)}
                </>
              )}
              {x.phase === "failed" && (
                <>
                  <span class="tag tag--failed">✗ Failed</span> {x.errorCode ? `(${x.errorCode}) ` : ""}
                  {x.errorMessage ?? ""}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function sourceStatusText(s: SourceStatus, now: Date = new Date()): string {
  if (s.stale || s.last_outcome === "failed") {
    const code = s.last_error_code ? ` (${s.last_error_code})` : "";
    const asOf = s.last_success ? `showing data as of ${formatDateTime(s.last_success)}` : "no data from this source yet";
    return `Last sync failed${code} — ${asOf}`;
  }
  if (s.last_success) return `Updated ${formatWhen(s.last_success, now)}`;
  return "Not yet synced";
}

export function SourcesPanel({ sources, now }: { sources: SourceStatus[]; now?: Date }) {
  return (
    <section class="sources" aria-labelledby="sources-h">
      <h2 id="sources-h" class="panel-title">
        Sources
      </h2>
      {sources.length === 0 ? (
        <p class="muted">No sources have been synced for this patient.</p>
      ) : (
        <ul class="plain-list">
          {sources.map((s) => (
            <li
              key={s.source}
              class={`source${s.stale ? " source--stale" : ""}`}
              data-testid="source-status"
              data-source={s.source}
              data-stale={s.stale ? "true" : "false"}
            >
              <div>
                <strong>{s.source}</strong> <span class="muted">{sourceKindLabel(s.source_kind)}</span>
              </div>
              <div class={s.stale ? "warning-callout warning-callout--small" : "muted"}>
                {s.stale && <strong>Warning: </strong>}
                {sourceStatusText(s, now)}
              </div>
              {s.warnings.length > 0 && (
                <ul class="source__warnings">
                  {s.warnings.map((w, i) => (
                    <li key={i}>{w}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OfflineBanner({ oldest, now }: { oldest: string | null; now?: Date }) {
  const age = formatDataAge(oldest, now);
  return (
    <div class="offline-banner" data-testid="offline-banner" role="alert">
      <strong>Offline: no source could be reached.</strong>{" "}
      {oldest ? (
        <>
          Showing cached data from {formatDateTime(oldest)}
          {age ? ` (${age})` : ""}.
        </>
      ) : (
        "No cached data is available."
      )}
    </div>
  );
}
