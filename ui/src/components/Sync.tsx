import type { ErrorCode, Progress, SourceStatus } from "../bindings";
import { formatDataAge, formatDateTime } from "../lib/dates";
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

/** Total of the non-zero counts. */
export function totalCount(c: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(c)) if (typeof v === "number" && v > 0) n += v;
  return n;
}

/** `1 resource`, `19 resources`; empty for zero (zero counts are not shown). */
export function resourcesText(n: number): string {
  if (n <= 0) return "";
  return `${n.toLocaleString("en-GB")} ${n === 1 ? "resource" : "resources"}`;
}

function FailedTag({ code }: { code: ErrorCode | null }) {
  return (
    <span class="tag tag--failed">
      <span aria-hidden="true">✗ </span>Failed{code ? ` (${code})` : ""}
    </span>
  );
}

function OkTag() {
  return (
    <span class="tag tag--ok">
      <span aria-hidden="true">✓ </span>OK
    </span>
  );
}

/**
 * Live progress while a sync runs (one line per source); afterwards a one-line
 * summary, since the Sources panel below shows each source's outcome.
 */
export function SyncProgress({ items, running }: { items: EndpointProgress[]; running: boolean }) {
  const ok = items.filter((x) => x.phase === "ok").length;
  const failed = items.filter((x) => x.phase === "failed").length;
  return (
    <div class="sync-progress" data-testid="sync-progress" role="status" aria-live="polite">
      {running && items.length === 0 && <p class="sync-progress__line">Starting sync…</p>}
      {running && items.length > 0 && (
        <ul class="plain-list">
          {items.map((x) => {
            const n = resourcesText(totalCount(x.counts));
            return (
              <li key={x.source} class={`progress progress--${x.phase}`}>
                <strong>{x.source}</strong>
                <div>
                  {x.phase === "connecting" && "Connecting…"}
                  {x.phase === "receiving" && `Receiving…${n ? ` ${n}` : ""}`}
                  {x.phase === "ok" && (
                    <>
                      <OkTag />
                      {n ? ` ${n}` : ""}
                    </>
                  )}
                  {x.phase === "failed" && <FailedTag code={x.errorCode} />}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {!running && items.length > 0 && (
        <p class="sync-progress__line">
          Sync finished: {ok} {ok === 1 ? "source" : "sources"} OK
          {failed > 0 ? `, ${failed} failed` : ""}.
        </p>
      )}
    </div>
  );
}

function Freshness({ s, now }: { s: SourceStatus; now?: Date }) {
  const failed = s.stale || s.last_outcome === "failed";
  if (failed) {
    if (!s.last_success) return <div class="warning-callout warning-callout--small">No data from this source yet</div>;
    const age = formatDataAge(s.last_success, now);
    return (
      <div class="warning-callout warning-callout--small">
        <strong>Warning: </strong>Showing data as of {formatDateTime(s.last_success)}
        {age ? ` (${age})` : ""}
      </div>
    );
  }
  if (s.last_outcome === "running") return <div class="muted">Syncing…</div>;
  if (s.last_success) return <div class="muted">Updated {formatDateTime(s.last_success)}</div>;
  return <div class="muted">Not yet synced</div>;
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
          {sources.map((s) => {
            const failed = s.stale || s.last_outcome === "failed";
            const total = resourcesText(totalCount(s.counts));
            return (
              <li
                key={s.source}
                class={`source${s.stale ? " source--stale" : ""}`}
                data-testid="source-status"
                data-source={s.source}
                data-stale={s.stale ? "true" : "false"}
              >
                <div class="source__head">
                  <strong class="source__name">{s.source}</strong> <span class="muted">{sourceKindLabel(s.source_kind)}</span>
                </div>
                <div class="source__status">
                  {failed ? <FailedTag code={s.last_error_code} /> : s.last_success ? <OkTag /> : null}
                  {total && <span class="muted source__count">{total}</span>}
                </div>
                <Freshness s={s} now={now} />
                {failed && s.last_error && <div class="source__error">{s.last_error}</div>}
                {s.warnings.length > 0 && (
                  <ul class="source__warnings">
                    {s.warnings.map((w, i) => (
                      <li key={i}>{w}</li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
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
