import { type EndpointKind, type EventKind, SOURCE_KIND_LABELS, type TimelineEvent } from "../bindings";
import { dateSpan } from "./dates";
import { MARK_LABEL } from "./marks";

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

/** Lower-cased text a free-text search runs over (title, detail, source, codes). */
export function searchText(e: TimelineEvent): string {
  const parts = [e.title, e.detail ?? "", e.source, e.status ?? "", ...e.marks.map((m) => MARK_LABEL[m])];
  for (const c of e.codes) parts.push(c.code ?? "", c.display ?? "", c.system ?? "");
  return parts.join("\n").toLowerCase();
}

/** Precompute search haystacks once per events array. */
export function buildIndex(events: readonly TimelineEvent[]): string[] {
  return events.map(searchText);
}

export function isFiltering(f: Filters): boolean {
  return f.kinds.size > 0 || f.hiddenSources.size > 0 || !!f.from || !!f.to || f.text.trim() !== "";
}

/**
 * Apply filters, keeping the core's order (newest first). `index` must be
 * `buildIndex(events)`; it is optional for convenience in small cases.
 */
export function filterEvents(
  events: readonly TimelineEvent[],
  f: Filters,
  index: readonly string[] = buildIndex(events),
): TimelineEvent[] {
  if (!isFiltering(f)) return events as TimelineEvent[];
  const terms = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const out: TimelineEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (f.kinds.size > 0 && !f.kinds.has(e.kind)) continue;
    if (f.hiddenSources.has(e.source_id)) continue;
    if (f.from || f.to) {
      const span = dateSpan(e.date);
      if (!span) continue; // undated events cannot match a date range
      if (f.from && span[1] < f.from) continue;
      if (f.to && span[0] > f.to) continue;
    }
    if (terms.length > 0) {
      const hay = index[i];
      let all = true;
      for (const t of terms) {
        if (!hay.includes(t)) {
          all = false;
          break;
        }
      }
      if (!all) continue;
    }
    out.push(e);
  }
  return out;
}

/**
 * Stable key for an event or entry reference: `source-id|Type/id` (FHIR types
 * and ids never contain `|` or `/`). Safe in a data attribute.
 */
export function eventKey(e: Pick<TimelineEvent, "source_id" | "resource_type" | "resource_id">): string {
  return `${e.source_id}|${e.resource_type}/${e.resource_id}`;
}
