import type { TimelineEvent, TimelinePage, UiError } from "../bindings";
import type { TimelineQuery } from "./filter";

/** Rows asked for at a time. */
export const PAGE_SIZE = 200;
/** Pages kept in memory: the ones farthest from the rows in view are dropped first. */
export const MAX_PAGES = 10;

export type FetchPage = (q: TimelineQuery, offset: number, limit: number) => Promise<TimelinePage>;

export interface Counts {
  /** Rows matching every filter. */
  total: number;
  /** Matches per kind, every filter applied but the kind filter. */
  byKind: Record<string, number>;
  /** Matches per source id, every filter applied but the source filter; null when not known. */
  bySource: Record<string, number> | null;
}

interface Page {
  events: TimelineEvent[];
  /** The read it came from: a page of an older read is shown until it is read again. */
  read: number;
}

/**
 * The timeline for one query, read from the core a page at a time as rows
 * come into view; at most `MAX_PAGES` pages are kept. A new query drops what
 * was loaded; a refresh (the record changed) keeps showing the loaded rows
 * until each page is read again. Answers to an older query or read are dropped.
 */
export class TimelinePages {
  /** Null: nothing can match (every source hidden), so the core is not asked. */
  private query: TimelineQuery | null;
  /** Bumped by every new query and refresh; answers carrying an older number are ignored. */
  private read = 0;
  private readonly pages = new Map<number, Page>();
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly failed = new Set<number>();
  /** The page in view (eviction keeps the pages nearest to it). */
  private focus = 0;
  /** Counts of the latest answer; null until the first answer to this query. */
  counts: Counts | null = null;
  /** Why a page could not be read (its rows say so until `retry`). */
  error: UiError | null = null;

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly changed: () => void,
    query: TimelineQuery | null,
    first?: TimelinePage,
  ) {
    this.query = query;
    this.reread(first);
  }

  /** Shows another query from its top; `first` is its first page when already at hand. */
  setQuery(query: TimelineQuery | null, first?: TimelinePage) {
    this.query = query;
    this.pages.clear();
    this.counts = null;
    this.focus = 0;
    this.reread(first);
    this.changed();
  }

  /** The record changed: reads the same query again, showing the loaded rows meanwhile. */
  refresh(first?: TimelinePage) {
    this.reread(first);
    this.changed();
  }

  private reread(first?: TimelinePage) {
    this.read++;
    this.inflight.clear();
    this.failed.clear();
    this.error = null;
    if (!this.query) {
      this.pages.clear();
      this.counts = { total: 0, byKind: {}, bySource: null };
    } else if (first) {
      this.accept(0, first);
    } else {
      // The page in view brings the new counts (even when nothing is in view).
      void this.load(this.focus);
    }
  }

  /** Loads the pages holding rows `from..to` that this read has not loaded yet. */
  want(from: number, to: number) {
    if (!this.query || from > to) return;
    const first = Math.floor(from / PAGE_SIZE);
    this.focus = first;
    for (let p = first; p <= Math.floor(to / PAGE_SIZE); p++) void this.load(p);
  }

  /** Reads page `p` once per read (requests are shared; a failed page waits for `retry`). */
  load(p: number): Promise<void> {
    const query = this.query;
    if (!query || this.failed.has(p) || this.pages.get(p)?.read === this.read) return Promise.resolve();
    const running = this.inflight.get(p);
    if (running) return running;
    const read = this.read;
    const done = this.fetchPage(query, p * PAGE_SIZE, PAGE_SIZE).then(
      (page) => {
        if (read !== this.read) return;
        this.inflight.delete(p);
        this.accept(p, page);
        this.changed();
      },
      (e: UiError) => {
        if (read !== this.read) return;
        this.inflight.delete(p);
        this.failed.add(p);
        this.error = e;
        this.changed();
      },
    );
    this.inflight.set(p, done);
    // Now loading: said on screen.
    this.changed();
    return done;
  }

  /** Asks again for the pages that failed. */
  retry() {
    this.failed.clear();
    this.error = null;
    if (!this.counts) void this.load(this.focus);
    this.changed();
  }

  private accept(p: number, page: TimelinePage) {
    this.counts = { total: page.total, byKind: page.by_kind, bySource: page.by_source };
    this.pages.set(p, { events: page.events, read: this.read });
    while (this.pages.size > MAX_PAGES) {
      let far = p;
      for (const q of this.pages.keys()) if (Math.abs(q - this.focus) > Math.abs(far - this.focus)) far = q;
      this.pages.delete(far);
    }
  }

  /** Row `i`, when its page is loaded. */
  eventAt(i: number): TimelineEvent | undefined {
    return this.pages.get(Math.floor(i / PAGE_SIZE))?.events[i % PAGE_SIZE];
  }

  /** Whether row `i`'s page could not be read. */
  failedAt(i: number): boolean {
    return this.failed.has(Math.floor(i / PAGE_SIZE));
  }

  get loading(): boolean {
    return this.inflight.size > 0;
  }

  /** The row of the first loaded entry `is` picks, or -1. */
  indexOf(is: (e: TimelineEvent) => boolean): number {
    for (const [p, page] of this.pages) {
      const i = page.events.findIndex(is);
      if (i >= 0) return p * PAGE_SIZE + i;
    }
    return -1;
  }

  /**
   * Finds an entry not loaded by reading pages from the top, at most
   * `MAX_PAGES` of them (the core cannot say where an entry is): its row,
   * -1 when not found there, null when it cannot tell (the query changed
   * meanwhile, or a page could not be read).
   */
  async locate(is: (e: TimelineEvent) => boolean): Promise<number | null> {
    const read = this.read;
    for (let p = 0; p < MAX_PAGES; p++) {
      if (this.counts && p * PAGE_SIZE >= this.counts.total) break;
      this.focus = p;
      await this.load(p);
      if (read !== this.read || this.failed.has(p)) return null;
      const i = this.pages.get(p)?.events.findIndex(is) ?? -1;
      if (i >= 0) return p * PAGE_SIZE + i;
    }
    return -1;
  }
}
