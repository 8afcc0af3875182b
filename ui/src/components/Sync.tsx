import { useState } from "preact/hooks";
import { type ErrorCode, ERROR_PLAIN_ENGLISH, type Progress, type SourceState, type SourceStatus, type UiError } from "../bindings";
import { formatDataAge, formatDateTime } from "../lib/dates";
import { plainError } from "../lib/errors";
import { sourceKindLabel } from "../lib/filter";
import { ConsentLine } from "./Consent";
import { ErrorText, TechnicalDetail } from "./ErrorText";

export interface EndpointProgress {
  sourceId: string;
  source: string;
  phase: "connecting" | "receiving" | "ok" | "failed" | "suspect";
  counts: Record<string, number>;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** How the finished sync fetched: `full`, `incremental` or `conditional` (null until finished). */
  fetch: string | null;
}

/** Fold one Progress message into the per-endpoint progress list (keyed by source id). */
export function applyProgress(list: EndpointProgress[], p: Progress): EndpointProgress[] {
  const sourceId = p.event === "finished" ? p.outcome.source_id : p.source_id;
  const source = p.event === "finished" ? p.outcome.source : p.source;
  const idx = list.findIndex((x) => x.sourceId === sourceId);
  const cur: EndpointProgress =
    idx >= 0 ? list[idx] : { sourceId, source, phase: "connecting", counts: {}, errorCode: null, errorMessage: null, fetch: null };
  let next: EndpointProgress;
  switch (p.event) {
    case "started":
      next = { ...cur, source, phase: "connecting" };
      break;
    case "page":
      next = { ...cur, source, phase: "receiving", counts: { ...cur.counts, [p.resource_type]: p.received } };
      break;
    case "finished": {
      const o = p.outcome.outcome;
      const phase = o === "ok" ? "ok" : o === "suspect" ? "suspect" : o === "failed" || o === "interrupted" || p.outcome.error ? "failed" : "ok";
      const counts: Record<string, number> = { ...cur.counts };
      for (const [k, v] of Object.entries(p.outcome.counts)) if (typeof v === "number") counts[k] = v;
      next = {
        ...cur,
        source,
        phase,
        counts,
        errorCode: p.outcome.error?.code ?? null,
        errorMessage: p.outcome.error?.message ?? null,
        fetch: p.outcome.fetch,
      };
      break;
    }
  }
  const out = list.slice();
  if (idx >= 0) out[idx] = next;
  else out.push(next);
  return out;
}

/** What a finished source's counts mean when it fetched only changes. */
const FETCH_WORDS: Record<string, string> = {
  incremental: " (new or changed only)",
  conditional: " (changed searches only)",
};

/** Whether a source's part of the sync has finished (whatever its outcome). */
export function progressDone(p: EndpointProgress | undefined): boolean {
  return !!p && (p.phase === "ok" || p.phase === "failed" || p.phase === "suspect");
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

function OkTag({ text = "OK" }: { text?: string }) {
  return (
    <span class="tag tag--ok">
      <span aria-hidden="true">✓ </span>
      {text}
    </span>
  );
}

function FailedTag({ text = "Failed" }: { text?: string }) {
  return (
    <span class="tag tag--failed">
      <span aria-hidden="true">✗ </span>
      {text}
    </span>
  );
}

/**
 * Live progress while a sync runs (one line per source); afterwards a one-line
 * summary, since the Sources panel shows each source's outcome.
 */
export function SyncProgress({ items, running }: { items: EndpointProgress[]; running: boolean }) {
  const ok = items.filter((x) => x.phase === "ok").length;
  const failed = items.filter((x) => x.phase === "failed").length;
  const suspect = items.filter((x) => x.phase === "suspect").length;
  return (
    <div class="sync-progress" data-testid="sync-progress" role="status" aria-live="polite">
      {running && items.length === 0 && <p class="sync-progress__line">Starting sync…</p>}
      {running && items.length > 0 && (
        <ul class="plain-list">
          {items.map((x) => {
            const n = resourcesText(totalCount(x.counts));
            return (
              <li key={x.sourceId} class={`progress progress--${x.phase}`}>
                <strong>
                  <bdi>{x.source}</bdi>
                </strong>
                <div>
                  {x.phase === "connecting" && "Connecting…"}
                  {x.phase === "receiving" && `Receiving…${n ? ` ${n}` : ""}`}
                  {x.phase === "ok" && (
                    <>
                      <OkTag />
                      {n ? ` ${n}` : ""}
                      {FETCH_WORDS[x.fetch ?? "full"] ?? ""}
                    </>
                  )}
                  {x.phase === "suspect" && <FailedTag text="Kept aside" />}
                  {x.phase === "failed" && (
                    <>
                      <FailedTag />
                      {x.errorCode && <span class="progress__why"> {plainError(x.errorCode, x.source)}</span>}
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {!running && items.length > 0 && (
        <p class="sync-progress__line">
          Sync finished: {ok} {ok === 1 ? "source" : "sources"} OK
          {failed > 0 ? `, ${failed} failed` : ""}
          {suspect > 0 ? `, ${suspect} kept aside` : ""}.
        </p>
      )}
    </div>
  );
}

/** The state of a source in a few words (always text, never colour alone). */
export const STATE_LABEL: Record<SourceState, string> = {
  fresh: "Read recently",
  old: "Old data",
  failed: "Failed",
  interrupted: "Interrupted",
  suspect: "Kept aside",
  syncing: "Syncing…",
  never: "Not yet synced",
  "not-configured": "No longer configured",
};

function StateTag({ s }: { s: SourceStatus }) {
  const label = STATE_LABEL[s.state] ?? s.state;
  if (s.state === "fresh") return <OkTag text={label} />;
  if (s.state === "syncing" || s.state === "never") return <span class="tag tag--plain">{label}</span>;
  return <FailedTag text={label} />;
}

function Freshness({ s, now }: { s: SourceStatus; now?: Date }) {
  if (!s.last_success) {
    if (s.state === "syncing") return <div class="muted">Loading for the first time…</div>;
    return <div class="warning-callout warning-callout--small">No data from this source yet</div>;
  }
  if (s.stale) {
    const age = formatDataAge(s.last_success, now);
    return (
      <div class="warning-callout warning-callout--small">
        <strong>Warning: </strong>Showing data as of {formatDateTime(s.last_success)}
        {age ? ` (${age})` : ""}
      </div>
    );
  }
  return <div class="muted">Updated {formatDateTime(s.last_success)}</div>;
}

interface PanelProps {
  sources: SourceStatus[];
  now?: Date;
  /** Accept what a suspect source last returned (by source id); false when there was nothing to accept. */
  onAccept?: (s: SourceStatus) => Promise<boolean>;
  /** Remove the cached data of a source no longer configured (by source id). */
  onPurge?: (s: SourceStatus) => Promise<number>;
  /** Ids of the sources the record is loading from for the first time. */
  loadingIds?: ReadonlySet<string>;
}

export function SourcesPanel({ sources, now, onAccept, onPurge, loadingIds }: PanelProps) {
  return (
    <section class="sources" aria-labelledby="sources-h">
      <h2 id="sources-h" class="panel-title">
        Sources
      </h2>
      {sources.length === 0 ? (
        <p class="muted">No sources are configured.</p>
      ) : (
        <ul class="plain-list">
          {sources.map((s) => (
            <SourceItem key={s.source_id} s={s} now={now} onAccept={onAccept} onPurge={onPurge} loading={!!loadingIds?.has(s.source_id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

type Confirm = null | "accept" | "purge";

function SourceItem({ s, now, onAccept, onPurge, loading }: { s: SourceStatus; now?: Date; loading: boolean } & Pick<PanelProps, "onAccept" | "onPurge">) {
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const total = resourcesText(totalCount(s.counts));
  const failed = s.state === "failed" || s.state === "interrupted";
  const run = async (what: "accept" | "purge") => {
    setBusy(true);
    setError(null);
    try {
      if (what === "accept" && onAccept) {
        const accepted = await onAccept(s);
        setDone(accepted ? null : `There was nothing kept aside from ${s.source} to accept.`);
      } else if (what === "purge" && onPurge) {
        const n = await onPurge(s);
        setDone(`Removed ${n.toLocaleString("en-GB")} cached ${n === 1 ? "entry" : "entries"} from ${s.source}.`);
      }
      setConfirm(null);
    } catch (e) {
      setError(e as UiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li
      class={`source source--${s.state}${s.stale ? " source--stale" : ""}`}
      data-testid="source-status"
      data-source={s.source}
      data-source-id={s.source_id}
      data-state={s.state}
      data-stale={s.stale ? "true" : "false"}
    >
      <div class="source__head">
        <strong class="source__name">
          <bdi>{s.source}</bdi>
        </strong>{" "}
        <span class="muted">{sourceKindLabel(s.source_kind)}</span>
      </div>
      <div class="source__status">
        {loading ? <span class="tag tag--plain">Loading…</span> : <StateTag s={s} />}
        {total && <span class="muted source__count">{total}</span>}
      </div>
      {loading ? <div class="muted">Loading for the first time…</div> : <Freshness s={s} now={now} />}
      {failed && s.last_error_code && (
        <div class="source__error">
          {plainError(s.last_error_code, s.source)}
          <TechnicalDetail code={s.last_error_code} message={s.last_error} />
        </div>
      )}
      {s.state === "suspect" && <div class="source__error">{ERROR_PLAIN_ENGLISH.DataDisappeared}</div>}
      {s.last_success && s.patients_found === 0 && s.configured && <div class="source__note">The patient was not found at this source.</div>}
      {s.not_offered.length > 0 && <div class="source__note">Does not offer {s.not_offered.join(", ")}.</div>}
      {!s.configured && (
        <div class="source__note">
          This source is no longer configured
          {s.data_origin ? (
            <>
              {" "}
              (data from <bdi class="code">{s.data_origin}</bdi>)
            </>
          ) : null}
          .
        </div>
      )}
      {s.warnings.length > 0 && (
        <ul class="source__warnings">
          {s.warnings.map((w, i) => (
            <li key={i}>
              <bdi>{w}</bdi>
            </li>
          ))}
        </ul>
      )}
      {(s.list_notes ?? []).some((n) => n.kind === "incomplete") && (
        <ul class="source__warnings" data-testid="source-list-incomplete" aria-label={`Incomplete lists at ${s.source}`}>
          {s.list_notes
            .filter((n) => n.kind === "incomplete")
            .map((n, i) => (
              <li key={`${n.list}|${n.code}|${i}`} data-code={n.code}>
                <strong>Warning: </strong>
                <bdi>{n.list}</bdi> is incomplete: <bdi>{n.text}</bdi>
              </li>
            ))}
        </ul>
      )}
      {(s.consent ?? []).length > 0 && (
        <ul class="consent-notes consent-notes--source" aria-label={`Consent restrictions at ${s.source}`}>
          {s.consent.map((note, i) => (
            <ConsentLine key={`${note.consent}|${i}`} source={s.source} note={note} />
          ))}
        </ul>
      )}
      {s.state === "suspect" && onAccept && confirm !== "accept" && (
        <button type="button" class="button button--secondary button--small source__action" data-testid="accept-suspect" onClick={() => setConfirm("accept")}>
          Accept the new data from <bdi>{s.source}</bdi>
        </button>
      )}
      {confirm === "accept" && (
        <div class="confirm" role="group" aria-label={`Accept the new data from ${s.source}`}>
          <p>
            <strong>Entries disappeared.</strong> The last sync of <bdi>{s.source}</bdi> returned fewer entries than before, so it was kept aside and
            the earlier data is still shown. Accepting removes the entries that disappeared from this record. Accept only once <bdi>{s.source}</bdi>{" "}
            confirms those entries really went.
          </p>
          <p class="button-row">
            <button type="button" class="button button--warning button--small" data-testid="accept-suspect-confirm" disabled={busy} onClick={() => run("accept")}>
              Accept the new data
            </button>
            <button type="button" class="button button--link button--small" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </p>
        </div>
      )}
      {!s.configured && onPurge && confirm !== "purge" && !done && (
        <button type="button" class="button button--warning button--small source__action" data-testid="purge-source" onClick={() => setConfirm("purge")}>
          Remove cached data from <bdi>{s.source}</bdi>
        </button>
      )}
      {confirm === "purge" && (
        <div class="confirm" role="group" aria-label={`Remove cached data from ${s.source}`}>
          <p>
            This removes every entry cached from <bdi>{s.source}</bdi>, for every patient, from this computer. The source is no longer configured, so
            its data cannot be synced again.
          </p>
          <p class="button-row">
            <button type="button" class="button button--warning button--small" data-testid="purge-source-confirm" disabled={busy} onClick={() => run("purge")}>
              Remove
            </button>
            <button type="button" class="button button--link button--small" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </p>
        </div>
      )}
      {done && <p role="status">{done}</p>}
      {error && <ErrorText error={error} source={s.source} />}
    </li>
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
