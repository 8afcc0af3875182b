import type { EntryKey, EventKind, TimelineEvent, TimelinePage } from "../src/bindings";

export interface PageArgs {
  kinds?: EventKind[];
  sources?: string[];
  text?: string | null;
  from?: string | null;
  to?: string | null;
  offset?: number;
  limit?: number;
}

export function timelineQuery(): {
  page(events: readonly TimelineEvent[], args: PageArgs): TimelinePage;
  entries(events: readonly TimelineEvent[], keys: EntryKey[]): TimelineEvent[];
};
