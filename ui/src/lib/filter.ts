import { type EndpointKind, type EntryKey, type EventKind, SOURCE_KIND_LABELS, type TimelineEvent } from "../bindings";
import { dateSpan } from "./dates";

export const KINDS: EventKind[] = ["allergy", "medication", "encounter", "discharge", "document", "condition"];

export const KIND_LABEL: Record<EventKind, string> = {
  allergy: "ALLERGY",
  medication: "MEDICATION",
  encounter: "ENCOUNTER",
  discharge: "DISCHARGE",
  document: "DOCUMENT",
  condition: "CONDITION",
};

/** Labels of the kind filters. */
export const KIND_FILTER_LABEL: Record<EventKind, string> = {
  allergy: "Allergies",
  medication: "Medicines",
  encounter: "Encounters",
  discharge: "Discharges",
  document: "Documents",
  condition: "Conditions",
};

/** Human label for an endpoint kind (`hospital` → `Trust`), from the core's table. */
export function sourceKindLabel(kind: EndpointKind | string): string {
  return SOURCE_KIND_LABELS[kind as EndpointKind] ?? SOURCE_KIND_LABELS.other;
}

export interface Filters {
  /** Kinds to show; empty means every kind. */
  kinds: ReadonlySet<EventKind>;
  /** Sources to hide (unchecked), by source id. */
  hiddenSources: ReadonlySet<string>;
  /** Inclusive `yyyy-mm-dd` bounds, or "" for none. */
  from: string;
  to: string;
  text: string;
}

export const EMPTY_FILTERS: Filters = {
  kinds: new Set(),
  hiddenSources: new Set(),
  from: "",
  to: "",
  text: "",
};

export function isFiltering(f: Filters): boolean {
  return f.kinds.size > 0 || f.hiddenSources.size > 0 || !!f.from || !!f.to || f.text.trim() !== "";
}

/** A timeline query as the core's `timeline_page` takes it. */
export interface TimelineQuery {
  kinds: EventKind[];
  /** Source ids to include; empty means every source. */
  sources: string[];
  /** Full-text search: every word must start a word of the title or detail. */
  text: string | null;
  /** Inclusive `yyyy-mm-dd` bounds. */
  from: string | null;
  to: string | null;
}

export const ALL_ENTRIES: TimelineQuery = { kinds: [], sources: [], text: null, from: null, to: null };

/**
 * The query for the filters, over the sources offered (`sourceIds`); `text` is
 * the search as applied (debounced). Null when every source is hidden: then
 * nothing can match, and the core is not asked.
 */
export function queryOf(f: Filters, text: string, sourceIds: readonly string[]): TimelineQuery | null {
  const shown = sourceIds.filter((id) => !f.hiddenSources.has(id));
  if (sourceIds.length > 0 && shown.length === 0) return null;
  return {
    kinds: KINDS.filter((k) => f.kinds.has(k)),
    sources: f.hiddenSources.size > 0 ? shown : [],
    text: text.trim() || null,
    from: f.from || null,
    to: f.to || null,
  };
}

export function isUnfiltered(q: TimelineQuery | null): boolean {
  return !!q && q.kinds.length === 0 && q.sources.length === 0 && !q.text && !q.from && !q.to;
}

/** Lower case without accents, as the core's search folds them. */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function words(s: string): string[] {
  return fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * Whether the core would list `e` for `q` (the same rules as `timeline_page`):
 * used to tell an entry hidden by the filters from one not loaded yet.
 */
export function matchesQuery(e: TimelineEvent, q: TimelineQuery): boolean {
  if (q.kinds.length > 0 && !q.kinds.includes(e.kind)) return false;
  if (q.sources.length > 0 && !q.sources.includes(e.source_id)) return false;
  if (q.from || q.to) {
    const span = dateSpan(e.date);
    if (!span) return false; // undated entries never match a date range
    if (q.from && span[1] < q.from) return false;
    if (q.to && span[0] > q.to) return false;
  }
  const want = words(q.text ?? "");
  if (want.length > 0) {
    // Restricted entries are never found by what they say.
    if (e.restricted) return false;
    const have = words(`${e.title} ${e.detail ?? ""}`);
    if (!want.every((w) => have.some((h) => h.startsWith(w)))) return false;
  }
  return true;
}

/**
 * The same entry in two reads of the record. A restricted entry is named by its
 * handle, which stays the same once it is revealed (its resource id does not:
 * masked, the id is the handle).
 */
export function sameEntry(a: TimelineEvent, b: TimelineEvent): boolean {
  if (a.source_id !== b.source_id || a.resource_type !== b.resource_type) return false;
  if (a.restricted && b.restricted) return a.restricted.handle === b.restricted.handle;
  return a.resource_id === b.resource_id;
}

/**
 * Stable key for an event or entry reference: `source-id|Type/id` (FHIR types
 * and ids never contain `|` or `/`). Safe in a data attribute.
 */
export function eventKey(e: Pick<TimelineEvent, "source_id" | "resource_type" | "resource_id">): string {
  return `${e.source_id}|${e.resource_type}/${e.resource_id}`;
}

/** The key `timeline_entries` looks an entry up by. */
export function entryKeyOf(e: Pick<TimelineEvent, "source_id" | "resource_type" | "resource_id">): EntryKey {
  return { source_id: e.source_id, resource_type: e.resource_type, resource_id: e.resource_id };
}
