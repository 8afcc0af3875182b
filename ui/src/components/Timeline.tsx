import type { RefObject } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { EndpointKind, EventKind, EventMark, TimelineEvent } from "../bindings";
import { asOfLong, asOfShort, DATE_INPUT_HINT, formatDate, parseDateInput } from "../lib/dates";
import { buildIndex, EMPTY_FILTERS, eventKey, filterEvents, type Filters, isFiltering, KIND_FILTER_LABEL, KIND_LABEL, KINDS, sourceKindLabel } from "../lib/filter";
import { eventMarks, MARK_LABEL, SEVERE_MARKS } from "../lib/marks";
import { Dropdown } from "./Dropdown";
import { useVirtualRows } from "./VirtualList";

/** Fixed row height (the virtualiser relies on it). */
export const ROW_HEIGHT = 40;

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
}

interface Props {
  events: TimelineEvent[];
  sources: SourceOption[];
  openKey: string | null;
  onOpen: (e: TimelineEvent) => void;
  searchRef: RefObject<HTMLInputElement>;
  now?: Date;
  /** Shown instead of "No events in this record" (e.g. while the record is loading). */
  emptyText?: string;
  select?: SelectRequest | null;
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

export function Timeline({ events, sources, openKey, onOpen, searchRef, now, emptyText, select }: Props) {
  const [filters, setFilters] = useState<Filters>(EMPTY_FILTERS);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [from, setFrom] = useState<DateFieldState>(EMPTY_DATE);
  const [to, setTo] = useState<DateFieldState>(EMPTY_DATE);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [uid] = useState(() => `tl${++idSeq}`);

  // Memoised derived arrays: the search index only changes with the events.
  const index = useMemo(() => buildIndex(events), [events]);
  const filtered = useMemo(() => filterEvents(events, filters, index), [events, filters, index]);
  const keys = useMemo(() => filtered.map(eventKey), [filtered]);
  const selectedIndex = useMemo(() => (selectedKey === null ? -1 : keys.indexOf(selectedKey)), [keys, selectedKey]);

  const allSources = useMemo(() => {
    const m = new Map<string, SourceOption>();
    for (const s of sources) m.set(s.source_id, s);
    for (const e of events) if (!m.has(e.source_id)) m.set(e.source_id, { source_id: e.source_id, source: e.source, source_kind: e.source_kind });
    return [...m.values()];
  }, [sources, events]);

  const { items, totalSize, scrollToIndex } = useVirtualRows({
    count: filtered.length,
    rowHeight: ROW_HEIGHT,
    getScrollElement: () => scrollRef.current,
  });

  useEffect(() => {
    if (selectedIndex >= 0) scrollToIndex(selectedIndex);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedIndex]);

  // Selection asked for from outside (an entry opened from the summary; focus back after the reader closes).
  useEffect(() => {
    if (!select) return;
    setSelectedKey(select.key);
    const i = keys.indexOf(select.key);
    if (i >= 0) scrollToIndex(i);
    if (select.focus) scrollRef.current?.focus({ preventScroll: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [select?.seq]);

  const setDate = (which: "from" | "to", f: DateFieldState) => {
    (which === "from" ? setFrom : setTo)(f);
    const parsed = f.text.trim() ? parseDateInput(f.text) : null;
    update({ [which]: parsed?.ok ? parsed.iso : "" });
  };
  const clearAll = () => {
    setFilters(EMPTY_FILTERS);
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
  const toggleSource = (s: string, shown: boolean) =>
    setFilters((f) => {
      const hiddenSources = new Set(f.hiddenSources);
      if (shown) hiddenSources.delete(s);
      else hiddenSources.add(s);
      return { ...f, hiddenSources };
    });

  const move = (to: number) => {
    if (filtered.length === 0) return;
    const i = Math.max(0, Math.min(filtered.length - 1, to));
    setSelectedKey(keys[i]);
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
        move(filtered.length - 1);
        break;
      case "Enter":
      case " ":
        if (cur >= 0) onOpen(filtered[cur]);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const rowId = (i: number) => `${uid}-row-${i}`;
  const activeRendered = selectedIndex >= 0 && items.some((it) => it.index === selectedIndex);
  const filtering = isFiltering(filters) || !!from.text || !!to.text;

  // Startup benchmark marker: the first time any row is painted in this app run.
  const hasRows = items.length > 0;
  useEffect(() => {
    if (hasRows) markFirstPaint();
  }, [hasRows]);

  const shownSources = allSources.filter((x) => !filters.hiddenSources.has(x.source_id)).length;
  const countText = filtering
    ? `Showing ${filtered.length.toLocaleString("en-GB")} of ${events.length.toLocaleString("en-GB")} events`
    : `${events.length.toLocaleString("en-GB")} events, newest first`;

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
              placeholder="Title or code (press /)"
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
          {allSources.length > 0 && (
            <Dropdown
              testid="filter-sources"
              className="filters__sources"
              label={
                <>
                  Sources <span class="dropdown__count">{shownSources === allSources.length ? "(all)" : `(${shownSources} of ${allSources.length})`}</span>
                </>
              }
            >
              <fieldset class="dropdown__fieldset">
                <legend class="dropdown__legend">Show entries from</legend>
                {allSources.map((s) => (
                  <label key={s.source_id} class="checkbox">
                    <input
                      type="checkbox"
                      checked={!filters.hiddenSources.has(s.source_id)}
                      onChange={(e) => toggleSource(s.source_id, (e.currentTarget as HTMLInputElement).checked)}
                    />{" "}
                    <span>
                      <bdi>{s.source}</bdi> ({sourceKindLabel(s.source_kind)})
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
          <span class={filtering ? "timeline__count" : "visually-hidden"} aria-live="polite">
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
        <div
          ref={scrollRef}
          class="timeline__scroll"
          data-testid="timeline"
          role="listbox"
          tabIndex={0}
          aria-label="Timeline events, newest first. Use arrow keys to move and Enter to open."
          aria-activedescendant={activeRendered ? rowId(selectedIndex) : undefined}
          onKeyDown={onKeyDown}
        >
          {filtered.length === 0 ? (
            <p class="timeline__empty" data-testid="timeline-empty">
              {events.length === 0 ? (emptyText ?? "No events in this record.") : "No events match the filters."}
            </p>
          ) : (
            <div class="timeline__inner" style={{ height: `${totalSize}px` }}>
              {items.map((it) => {
                const e = filtered[it.index];
                const key = keys[it.index];
                const selected = it.index === selectedIndex;
                const open = key === openKey;
                const marks = eventMarks(e);
                const restricted = restrictedState(e);
                return (
                  <div
                    key={key}
                    id={rowId(it.index)}
                    role="option"
                    aria-selected={selected ? "true" : "false"}
                    aria-posinset={it.index + 1}
                    aria-setsize={filtered.length}
                    class={`row${selected ? " row--selected" : ""}${open ? " row--open" : ""}${e.entered_in_error ? " row--eie" : ""}${marks.includes("stopped") ? " row--stopped" : ""}${e.stale ? " row--stale" : ""}${restricted ? ` row--${restricted}` : ""}`}
                    style={{ height: `${ROW_HEIGHT}px`, transform: `translateY(${it.start}px)` }}
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
                      setSelectedKey(key);
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
