import type { RefObject } from "preact";
import { useContext, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import * as api from "../api";
import type { EndpointKind, EventKind, EventMark, TimelineEvent, TimelinePage } from "../bindings";
import { asOfLong, asOfShort, DATE_INPUT_HINT, formatDate, parseDateInput } from "../lib/dates";
import {
  ALL_ENTRIES,
  EMPTY_FILTERS,
  eventKey,
  type Filters,
  isFiltering,
  isUnfiltered,
  KIND_FILTER_LABEL,
  KIND_LABEL,
  KINDS,
  matchesQuery,
  queryOf,
  sameEntry,
  sourceKindLabel,
} from "../lib/filter";
import { AccessGuard } from "../lib/guard";
import { eventMarks, MARK_LABEL, SEVERE_MARKS } from "../lib/marks";
import { MAX_PAGES, PAGE_SIZE, TimelinePages } from "../lib/pages";
import { Dropdown } from "./Dropdown";
import { ErrorText } from "./ErrorText";
import { useVirtualRows } from "./VirtualList";

/** Fixed row height (the virtualiser relies on it). */
export const ROW_HEIGHT = 40;

/** Typing pause before a search is sent to the core. */
export const SEARCH_DELAY_MS = 150;

export interface SourceOption {
  source_id: string;
  source: string;
  source_kind: EndpointKind;
}

/** Ask the timeline to select (and scroll to) an event; `focus` also moves keyboard focus to the list. */
export interface SelectRequest {
  key: string;
  focus: boolean;
  /** A new number for every request, so the same key can be asked for twice. */
  seq: number;
  /** The entry itself, when known: to find it when its page is not loaded, or say the filters hide it. */
  event?: TimelineEvent;
}

interface Props {
  nhs: string;
  /** The first page of the whole timeline as the record was last read (a new one after every refresh). */
  first: TimelinePage;
  sources: SourceOption[];
  openKey: string | null;
  onOpen: (e: TimelineEvent) => void;
  searchRef: RefObject<HTMLInputElement>;
  now?: Date;
  /** Shown instead of "No events in this record" (e.g. while the record is loading). */
  emptyText?: string;
  select?: SelectRequest | null;
  /** Entries revealed since their page was read: shown in place of the masked rows. */
  revealed?: TimelineEvent[];
}

export function KindBadge({ kind }: { kind: EventKind }) {
  return <span class={`badge badge--kind badge--${kind}`}>{KIND_LABEL[kind]}</span>;
}

export function SourceBadge({ source, kind }: { source: string; kind: EndpointKind }) {
  return (
    <span class={`badge badge--source badge--src-${kind.replace(/[^a-z-]/g, "")}`} title={`${source} (${sourceKindLabel(kind)})`}>
      <bdi>{source}</bdi> <span class="badge__sub">({sourceKindLabel(kind)})</span>
    </span>
  );
}

/** Text badges for an entry's marks (STOPPED, DO NOT GIVE, …) and entered in error. */
export function MarkBadges({ marks, eie }: { marks: EventMark[]; eie: boolean }) {
  return (
    <>
      {eie && <span class="badge badge--eie">ENTERED IN ERROR</span>}
      {marks.map((m) => (
        <span key={m} class={`badge badge--mark${SEVERE_MARKS.has(m) ? " badge--severe" : ""}`} data-mark={m}>
          {MARK_LABEL[m]}
        </span>
      ))}
    </>
  );
}

/** `masked` (hidden until revealed), `revealed`, or null for an entry its source did not restrict. */
export function restrictedState(e: Pick<TimelineEvent, "restricted">): "masked" | "revealed" | null {
  return e.restricted ? (e.restricted.masked ? "masked" : "revealed") : null;
}

/** "Restricted" in words (never colour alone); once revealed, with the source's labels. */
export function RestrictedBadge({ e }: { e: Pick<TimelineEvent, "restricted"> }) {
  const state = restrictedState(e);
  if (!state) return null;
  const labels = e.restricted?.labels ?? [];
  return (
    <span class={`badge badge--restricted badge--restricted-${state}`} data-testid="restricted-badge">
      {state === "masked" ? "Restricted" : labels.length > 0 ? `Restricted: ${labels.join(", ")}` : "Restricted (revealed)"}
    </span>
  );
}

/** "as of 09:14": the entry's source could not be read lately, so it may be out of date. */
export function StaleMark({ asOf, now }: { asOf: string | null; now?: Date }) {
  return (
    <span class="badge badge--stale" data-testid="stale-mark" title={`Data from this source ${asOfLong(asOf)}: it may be out of date`}>
      <span class="visually-hidden">May be out of date: </span>
      {asOfShort(asOf, now)}
    </span>
  );
}

let idSeq = 0;

declare global {
  interface Window {
    /** `Date.now()` when the record (summary or timeline) first painted an entry (startup benchmark). */
    __crossviewTimelinePaint?: number;
  }
}

let paintMarked = false;

/** Set `window.__crossviewTimelinePaint` once per app run, after the first frame with entries (summary or timeline rows) is painted. */
export function markFirstPaint() {
  if (paintMarked || typeof window === "undefined") return;
  paintMarked = true;
  const raf = window.requestAnimationFrame?.bind(window) ?? ((cb: FrameRequestCallback) => setTimeout(() => cb(Date.now()), 16));
  raf(() => raf(() => (window.__crossviewTimelinePaint = Date.now())));
}

interface DateFieldState {
  text: string;
  /** Shown once the user leaves the field (or presses Enter) with an invalid date. */
  error: string | null;
}

const EMPTY_DATE: DateFieldState = { text: "", error: null };

function DateField({
  id,
  label,
  hintId,
  field,
  onChange,
}: {
  id: string;
  label: string;
  hintId: string;
  field: DateFieldState;
  onChange: (f: DateFieldState) => void;
}) {
  const commit = (text: string) => {
    if (!text.trim()) return onChange({ text: "", error: null });
    const p = parseDateInput(text);
    onChange(p.ok ? { text: formatDate(p.iso), error: null } : { text, error: p.message });
  };
  return (
    <span class="date-field">
      <label for={id} class="filters__label">
        {label}
      </label>
      <input
        id={id}
        class="input input--date"
        type="text"
        inputMode="text"
        autoComplete="off"
        spellcheck={false}
        placeholder="dd-Mmm-yyyy"
        data-testid={`date-${label.toLowerCase()}`}
        value={field.text}
        aria-invalid={field.error ? "true" : "false"}
        aria-describedby={field.error ? `${hintId} ${id}-error` : hintId}
        onInput={(e) => {
          const text = (e.currentTarget as HTMLInputElement).value;
          // Keep an earlier error visible until the text becomes valid.
          const p = text.trim() ? parseDateInput(text) : null;
          onChange({ text, error: field.error && p && !p.ok ? field.error : null });
        }}
        onChange={(e) => commit((e.currentTarget as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit((e.currentTarget as HTMLInputElement).value);
        }}
      />
    </span>
  );
}

/** Why the entry asked for is not highlighted in the list. */
type NotListed = "hidden" | "further";

const fmt = (n: number) => n.toLocaleString("en-GB");

export function Timeline({ nhs, first, sources, openKey, onOpen, searchRef, now, emptyText, select, revealed = [] }: Props) {
  const [filters, setFilters] = useState<Filters>(EMPTY_FILTERS);
  // The search as sent to the core: typing waits for a pause.
  const [searchText, setSearchText] = useState("");
  // The selected row: its entry's key once known, and its row (also for rows still loading).
  const [sel, setSel] = useState<{ key: string | null; index: number }>({ key: null, index: -1 });
  const [notListed, setNotListed] = useState<NotListed | null>(null);
  const [from, setFrom] = useState<DateFieldState>(EMPTY_DATE);
  const [to, setTo] = useState<DateFieldState>(EMPTY_DATE);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [uid] = useState(() => `tl${++idSeq}`);

  const guard = useContext(AccessGuard);
  const ask = useRef({ nhs, guard });
  ask.current = { nhs, guard };
  const [, changed] = useReducer((n: number) => n + 1, 0);
  const [pages] = useState(
    () =>
      new TimelinePages(
        (q, offset, limit) => ask.current.guard(() => api.timelinePage(ask.current.nhs, q, offset, limit)),
        () => changed(0),
        ALL_ENTRIES,
        first,
      ),
  );

  const sourceIds = useMemo(() => sources.map((s) => s.source_id), [sources]);
  const query = useMemo(() => queryOf(filters, searchText, sourceIds), [filters, searchText, sourceIds]);
  const queryKey = JSON.stringify(query);
  const applied = useRef({ queryKey, first });
  // Before paint, so that no frame shows the old query's rows under the new filters.
  useLayoutEffect(() => {
    const was = applied.current;
    if (was.queryKey === queryKey && was.first === first) return;
    applied.current = { queryKey, first };
    // The whole timeline's first page comes with the record: no need to ask for it.
    const seed = isUnfiltered(query) ? first : undefined;
    if (was.queryKey === queryKey) return pages.refresh(seed);
    pages.setQuery(query, seed);
    setSel((s) => ({ ...s, index: -1 }));
    setNotListed(null);
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [queryKey, first]);
  const current = applied.current.queryKey === queryKey;
  const counts = current ? pages.counts : null;
  const total = counts?.total ?? 0;

  useEffect(() => {
    if (filters.text === searchText) return;
    const t = setTimeout(() => setSearchText(filters.text), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [filters.text]);

  /** A loaded entry as it is to be shown: a masked one revealed since its page was read, revealed. */
  const shown = (e: TimelineEvent) => (e.restricted?.masked && revealed.find((r) => sameEntry(r, e))) || e;
  const rowAt = (i: number): TimelineEvent | undefined => {
    const e = current ? pages.eventAt(i) : undefined;
    return e && shown(e);
  };
  const isKey = (key: string) => (e: TimelineEvent) => eventKey(shown(e)) === key;

  const selectedIndex = (() => {
    if (sel.key === null) return sel.index;
    const at = sel.index >= 0 ? rowAt(sel.index) : undefined;
    if (at && eventKey(at) === sel.key) return sel.index;
    const i = current ? pages.indexOf(isKey(sel.key)) : -1;
    // Its page not read (again) yet: where it was. Another entry there now: where it went, if loaded.
    return i >= 0 || at ? i : sel.index;
  })();

  const { items, totalSize, scrollToIndex } = useVirtualRows({
    count: total,
    rowHeight: ROW_HEIGHT,
    getScrollElement: () => scrollRef.current,
  });

  // The pages of the rows in view (placeholders until they arrive).
  const firstInView = items.length > 0 ? items[0].index : -1;
  const lastInView = items.length > 0 ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (current && firstInView >= 0) pages.want(firstInView, lastInView);
  });

  // A row selected while loading takes its entry's key once its page arrives.
  useEffect(() => {
    if (sel.key !== null || sel.index < 0) return;
    const e = rowAt(sel.index);
    if (e) setSel({ key: eventKey(e), index: sel.index });
  });

  useEffect(() => {
    if (selectedIndex >= 0) scrollToIndex(selectedIndex);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedIndex]);

  // Selection asked for from outside (an entry opened from the summary; focus back after the reader closes).
  const selectSeq = useRef(0);
  useEffect(() => {
    if (!select) return;
    selectSeq.current = select.seq;
    setNotListed(null);
    if (select.focus) scrollRef.current?.focus({ preventScroll: true });
    const is = isKey(select.key);
    const i = pages.indexOf(is);
    setSel({ key: select.key, index: i });
    if (i >= 0) return scrollToIndex(i);
    const e = select.event;
    if (!e) return;
    if (!query || !matchesQuery(e, query)) return setNotListed("hidden");
    void pages.locate(is).then((at) => {
      if (at === null || selectSeq.current !== select.seq) return;
      if (at >= 0) setSel({ key: select.key, index: at });
      else setNotListed((pages.counts?.total ?? 0) > MAX_PAGES * PAGE_SIZE ? "further" : "hidden");
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [select?.seq]);

  const setDate = (which: "from" | "to", f: DateFieldState) => {
    (which === "from" ? setFrom : setTo)(f);
    const parsed = f.text.trim() ? parseDateInput(f.text) : null;
    update({ [which]: parsed?.ok ? parsed.iso : "" });
  };
  const clearAll = () => {
    setFilters(EMPTY_FILTERS);
    setSearchText("");
    setFrom(EMPTY_DATE);
    setTo(EMPTY_DATE);
  };
  const dateErrors: { id: string; message: string }[] = [];
  if (from.error) dateErrors.push({ id: `${uid}-from-error`, message: `From date: ${from.error}` });
  if (to.error) dateErrors.push({ id: `${uid}-to-error`, message: `To date: ${to.error}` });
  if (!from.error && !to.error && filters.from && filters.to && filters.from > filters.to)
    dateErrors.push({ id: `${uid}-range-error`, message: "The From date must be the same as or before the To date" });

  const update = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const toggleKind = (k: EventKind) =>
    setFilters((f) => {
      const kinds = new Set(f.kinds);
      if (kinds.has(k)) kinds.delete(k);
      else kinds.add(k);
      return { ...f, kinds };
    });
  const toggleSource = (s: string, visible: boolean) =>
    setFilters((f) => {
      const hiddenSources = new Set(f.hiddenSources);
      if (visible) hiddenSources.delete(s);
      else hiddenSources.add(s);
      return { ...f, hiddenSources };
    });

  const move = (to: number) => {
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, to));
    const e = rowAt(i);
    setSel({ key: e ? eventKey(e) : null, index: i });
    setNotListed(null);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight || 600) / ROW_HEIGHT) - 1);
    const cur = selectedIndex;
    switch (e.key) {
      case "ArrowDown":
        move(cur < 0 ? 0 : cur + 1);
        break;
      case "ArrowUp":
        move(cur < 0 ? 0 : cur - 1);
        break;
      case "PageDown":
        move(cur + page);
        break;
      case "PageUp":
        move(cur - page);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(total - 1);
        break;
      case "Enter":
      case " ": {
        const open = cur >= 0 ? rowAt(cur) : undefined;
        if (open) onOpen(open);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const rowId = (i: number) => `${uid}-row-${i}`;
  const activeRendered = selectedIndex >= 0 && items.some((it) => it.index === selectedIndex);
  const filtering = isFiltering(filters) || !!from.text || !!to.text;
  const busy = !current || pages.loading;

  // Startup benchmark marker: the first time any row is painted in this app run.
  const hasRows = items.length > 0 && !!rowAt(items[0].index);
  useEffect(() => {
    if (hasRows) markFirstPaint();
  }, [hasRows]);

  const shownSources = sources.filter((x) => !filters.hiddenSources.has(x.source_id)).length;
  const countText = !counts
    ? pages.error
      ? "Events not read"
      : "Loading events…"
    : filtering
      ? `Showing ${fmt(counts.total)} of ${fmt(first.total)} events`
      : `${fmt(first.total)} events, newest first`;

  return (
    <>
      <div class="filters" role="group" aria-label="Filter the timeline">
        <div class="filters__bar">
          <span class="filters__search">
            <label for={`${uid}-search`} class="filters__label">
              Search
            </label>
            <input
              id={`${uid}-search`}
              ref={searchRef}
              data-testid="search-input"
              class="input input--search"
              type="search"
              placeholder="Title or detail (press /)"
              aria-keyshortcuts="/"
              value={filters.text}
              onInput={(e) => update({ text: (e.currentTarget as HTMLInputElement).value })}
            />
          </span>
          <span class="filters__kinds" role="group" aria-label="Kind">
            {KINDS.map((k) => (
              <button
                key={k}
                type="button"
                class="toggle"
                data-testid={`filter-kind-${k}`}
                aria-pressed={filters.kinds.has(k) ? "true" : "false"}
                onClick={() => toggleKind(k)}
              >
                {filters.kinds.has(k) && <span aria-hidden="true">✓ </span>}
                {KIND_FILTER_LABEL[k]}
                {counts && <span class="toggle__count"> ({fmt(counts.byKind[k] ?? 0)})</span>}
              </button>
            ))}
          </span>
          <Dropdown
            testid="filter-dates"
            className="filters__dates"
            label={
              <>
                Dates <span class="dropdown__count">({filters.from || filters.to ? `${filters.from ? formatDate(filters.from) : "any"} to ${filters.to ? formatDate(filters.to) : "any"}` : "any"})</span>
              </>
            }
          >
            <DateField id={`${uid}-from`} label="From" hintId={`${uid}-date-hint`} field={from} onChange={(f) => setDate("from", f)} />
            <DateField id={`${uid}-to`} label="To" hintId={`${uid}-date-hint`} field={to} onChange={(f) => setDate("to", f)} />
            <span id={`${uid}-date-hint`} class="filters__hint">
              {DATE_INPUT_HINT}
            </span>
          </Dropdown>
          {sources.length > 0 && (
            <Dropdown
              testid="filter-sources"
              className="filters__sources"
              label={
                <>
                  Sources <span class="dropdown__count">{shownSources === sources.length ? "(all)" : `(${shownSources} of ${sources.length})`}</span>
                </>
              }
            >
              <fieldset class="dropdown__fieldset">
                <legend class="dropdown__legend">Show entries from</legend>
                {sources.map((s) => (
                  <label key={s.source_id} class="checkbox">
                    <input
                      type="checkbox"
                      data-testid="filter-source"
                      data-source-id={s.source_id}
                      checked={!filters.hiddenSources.has(s.source_id)}
                      onChange={(e) => toggleSource(s.source_id, (e.currentTarget as HTMLInputElement).checked)}
                    />{" "}
                    <span>
                      <bdi>{s.source}</bdi> ({sourceKindLabel(s.source_kind)})
                      {counts?.bySource && (
                        <span class="checkbox__count" data-testid="filter-source-count">
                          {" "}
                          · {fmt(counts.bySource[s.source_id] ?? 0)}
                          <span class="visually-hidden"> entries</span>
                        </span>
                      )}
                    </span>
                  </label>
                ))}
              </fieldset>
            </Dropdown>
          )}
          {filtering && (
            <button type="button" class="button button--link button--small" onClick={clearAll}>
              Clear filters
            </button>
          )}
          <span class={filtering ? "timeline__count" : "visually-hidden"} aria-live="polite" data-testid="timeline-count">
            {countText}
          </span>
        </div>
        {dateErrors.length > 0 && (
          <div class="filters__errors" data-testid="date-error" role="alert">
            {dateErrors.map((m) => (
              <p key={m.id} id={m.id} class="error-message">
                <span class="visually-hidden">Error: </span>
                {m.message}
              </p>
            ))}
          </div>
        )}
      </div>
      <section class="timeline" aria-labelledby={`${uid}-h`}>
        <h2 id={`${uid}-h`} class="visually-hidden">
          Timeline
        </h2>
        {pages.error && (
          <div class="timeline__error" data-testid="timeline-error">
            <ErrorText error={pages.error} prefix="Some of the timeline could not be read" />
            <button type="button" class="button button--secondary button--small" data-testid="timeline-retry" onClick={() => pages.retry()}>
              Try again
            </button>
          </div>
        )}
        {notListed && (
          <p class="timeline__note" role="status" data-testid="timeline-not-listed">
            {notListed === "further"
              ? `The entry in the details panel is further down this list than its first ${fmt(MAX_PAGES * PAGE_SIZE)} entries: narrow the list with the filters to find it.`
              : `The entry in the details panel is not in this list${filtering ? " with these filters" : ""}.`}
            {notListed === "hidden" && filtering && (
              <>
                {" "}
                <button type="button" class="button button--link button--small" onClick={clearAll}>
                  Clear filters
                </button>
              </>
            )}
          </p>
        )}
        <div
          ref={scrollRef}
          class="timeline__scroll"
          data-testid="timeline"
          role="listbox"
          tabIndex={0}
          aria-label="Timeline events, newest first. Use arrow keys to move and Enter to open."
          aria-activedescendant={activeRendered ? rowId(selectedIndex) : undefined}
          aria-busy={busy ? "true" : "false"}
          onKeyDown={onKeyDown}
        >
          {!counts ? (
            // Never "no events" before the core has answered: loading, or the error above.
            !pages.error && (
              <p class="timeline__empty" data-testid="timeline-loading">
                Loading the timeline…
              </p>
            )
          ) : total === 0 ? (
            <p class="timeline__empty" data-testid="timeline-empty">
              {first.total === 0 ? (emptyText ?? "No events in this record.") : "No events match the filters."}
            </p>
          ) : (
            <div class="timeline__inner" style={{ height: `${totalSize}px` }}>
              {items.map((it) => {
                const e = rowAt(it.index);
                const selected = it.index === selectedIndex;
                const common = {
                  id: rowId(it.index),
                  role: "option",
                  "aria-selected": selected ? "true" : "false",
                  "aria-posinset": it.index + 1,
                  "aria-setsize": total,
                  style: { height: `${ROW_HEIGHT}px`, transform: `translateY(${it.start}px)` },
                } as const;
                if (!e) {
                  return (
                    <div key={`row-${it.index}`} {...common} class={`row row--placeholder${selected ? " row--selected" : ""}`} data-testid="timeline-row-placeholder">
                      <span class="row__placeholder">{pages.failedAt(it.index) ? "Not loaded (see the error above)" : "Loading…"}</span>
                    </div>
                  );
                }
                const key = eventKey(e);
                const open = key === openKey;
                const marks = eventMarks(e);
                const restricted = restrictedState(e);
                return (
                  <div
                    key={key}
                    {...common}
                    class={`row${selected ? " row--selected" : ""}${open ? " row--open" : ""}${e.entered_in_error ? " row--eie" : ""}${marks.includes("stopped") ? " row--stopped" : ""}${e.stale ? " row--stale" : ""}${restricted ? ` row--${restricted}` : ""}`}
                    data-testid="timeline-row"
                    data-kind={e.kind}
                    data-source={e.source}
                    data-source-id={e.source_id}
                    data-resource-type={e.resource_type}
                    data-resource-id={e.resource_id}
                    data-stale={e.stale ? "true" : "false"}
                    data-marks={marks.join(" ")}
                    data-restricted={restricted ?? undefined}
                    onClick={() => {
                      setSel({ key, index: it.index });
                      setNotListed(null);
                      onOpen(e);
                    }}
                  >
                    <span class="row__date">{e.date_display}</span>
                    <KindBadge kind={e.kind} />
                    <span class="row__title">
                      <RestrictedBadge e={e} />
                      <MarkBadges marks={marks} eie={e.entered_in_error} />
                      <bdi class="row__title-text">{e.title}</bdi>
                    </span>
                    <span class="row__meta">
                      <span class="row__status">{e.status ?? ""}</span>
                      <span class="row__src">
                        <SourceBadge source={e.source} kind={e.source_kind} />
                        {e.stale && <StaleMark asOf={e.as_of} now={now} />}
                      </span>
                    </span>
                  </div>
                );
              })}
            </div>
          )}
        </div>
      </section>
    </>
  );
}
