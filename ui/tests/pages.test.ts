import { describe, expect, it, vi } from "vitest";
import type { TimelinePage } from "../src/bindings";
import { ALL_ENTRIES, eventKey, type TimelineQuery } from "../src/lib/filter";
import { MAX_PAGES, PAGE_SIZE, TimelinePages } from "../src/lib/pages";
import { coreOver, firstPage, manyEvents } from "./fixtures/patient";

const events = manyEvents(5000);
const core = coreOver(() => events);
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Pages over `events`, each request answered by the mock core unless `fetch` says otherwise. */
function pagesWith(fetch = vi.fn((q: TimelineQuery, offset: number, limit: number) => core.timelinePage("", q, offset, limit))) {
  const changed = vi.fn();
  const pages = new TimelinePages(fetch, changed, ALL_ENTRIES, firstPage(events));
  return { pages, fetch, changed };
}

describe("TimelinePages", () => {
  it("starts from the first page it is given, without asking", () => {
    const { pages, fetch } = pagesWith();
    expect(pages.counts).toEqual({ total: 5000, byKind: expect.objectContaining({ allergy: 834 }), bySource: expect.any(Object) });
    expect(pages.eventAt(0)).toBe(events[0]);
    expect(pages.eventAt(199)).toBe(events[199]);
    expect(pages.eventAt(200)).toBeUndefined();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("asks once for each page in view, sharing a request in flight", async () => {
    const { pages, fetch, changed } = pagesWith();
    pages.want(150, 420);
    pages.want(190, 430);
    expect(fetch.mock.calls.map(([, offset, limit]) => [offset, limit])).toEqual([
      [200, PAGE_SIZE],
      [400, PAGE_SIZE],
    ]);
    expect(pages.loading).toBe(true);
    await settle();
    expect(pages.loading).toBe(false);
    expect(changed).toHaveBeenCalled();
    expect(pages.eventAt(420)).toBe(events[420]);
    pages.want(0, 599);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it(`keeps at most ${MAX_PAGES} pages, dropping those farthest from the view`, async () => {
    const { pages } = pagesWith();
    for (let p = 1; p < 20; p++) {
      pages.want(p * PAGE_SIZE, p * PAGE_SIZE + 10);
      await settle();
    }
    const loaded = Array.from({ length: 25 }, (_, p) => p).filter((p) => pages.eventAt(p * PAGE_SIZE));
    expect(loaded).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it("drops the answers to a query it has moved on from", async () => {
    let answer!: (p: TimelinePage) => void;
    const fetch = vi.fn((q: TimelineQuery, offset: number, limit: number) =>
      q.kinds[0] === "allergy" ? new Promise<TimelinePage>((r) => (answer = r)) : core.timelinePage("", q, offset, limit),
    );
    const { pages } = pagesWith(fetch);
    const allergies = { ...ALL_ENTRIES, kinds: ["allergy" as const] };
    pages.setQuery(allergies);
    expect(pages.counts).toBeNull();
    pages.setQuery({ ...ALL_ENTRIES, kinds: ["condition"] });
    await settle();
    answer(await core.timelinePage("", allergies, 0, PAGE_SIZE));
    await settle();
    expect(pages.eventAt(0)?.kind).toBe("condition");
    expect(pages.counts?.total).toBe(833);
  });

  it("a refresh keeps the rows shown until each page is read again", async () => {
    const { pages, fetch } = pagesWith();
    pages.want(200, 210);
    await settle();
    pages.refresh(firstPage(events));
    expect(pages.eventAt(205)).toBe(events[205]);
    pages.want(200, 210);
    expect(fetch).toHaveBeenLastCalledWith(ALL_ENTRIES, 200, PAGE_SIZE);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("a failed page is not asked again until retry; the error is kept", async () => {
    const fetch = vi.fn().mockRejectedValueOnce({ code: "CacheError", message: "x" });
    fetch.mockImplementation((q: TimelineQuery, offset: number, limit: number) => core.timelinePage("", q, offset, limit));
    const { pages } = pagesWith(fetch);
    pages.want(200, 210);
    await settle();
    expect(pages.error?.code).toBe("CacheError");
    expect(pages.failedAt(205)).toBe(true);
    pages.want(200, 210);
    expect(fetch).toHaveBeenCalledTimes(1);
    pages.retry();
    pages.want(200, 210);
    await settle();
    expect(pages.error).toBeNull();
    expect(pages.eventAt(205)).toBe(events[205]);
  });

  it("with every source hidden, nothing matches and nothing is asked", () => {
    const { pages, fetch } = pagesWith();
    pages.setQuery(null);
    pages.want(0, 10);
    expect(pages.counts).toEqual({ total: 0, byKind: {}, bySource: null });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("locates an entry not loaded by reading pages from the top, within bounds", async () => {
    const { pages } = pagesWith();
    expect(await pages.locate((e) => eventKey(e) === eventKey(events[1234]))).toBe(1234);
    expect(await pages.locate((e) => eventKey(e) === eventKey(events[4321]))).toBe(-1);
  });

  it("cannot tell where an entry is when a page on the way could not be read", async () => {
    const fetch = vi.fn((q: TimelineQuery, offset: number, limit: number) =>
      offset === 600 ? Promise.reject({ code: "CacheError", message: "x" }) : core.timelinePage("", q, offset, limit),
    );
    const { pages } = pagesWith(fetch);
    expect(await pages.locate((e) => eventKey(e) === eventKey(events[1234]))).toBeNull();
    expect(pages.error?.code).toBe("CacheError");
  });
});
