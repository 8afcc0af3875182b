import { describe, expect, it } from "vitest";
import type { TimelineEvent } from "../src/bindings";
import { applyProgress } from "../src/components/Sync";
import { EMPTY_FILTERS, eventKey, type Filters, isUnfiltered, matchesQuery, queryOf, sameEntry, sourceKindLabel, type TimelineQuery } from "../src/lib/filter";
import { timelineQuery } from "../e2e-mock/timeline-query.mjs";
import { adaEvents, manyEvents } from "./fixtures/patient";

const f = (p: Partial<Filters>): Filters => ({ ...EMPTY_FILTERS, ...p });
const ids = (xs: { resource_id: string }[]) => xs.map((x) => x.resource_id);
const ALL: TimelineQuery = { kinds: [], sources: [], text: null, from: null, to: null };
const SOURCE_IDS = ["riverside", "meadow-lane", "northshire"];
const core = timelineQuery();
/** What the core lists for `q` (the mock core, which the components' tests and the browser tests use). */
const listed = (q: Partial<TimelineQuery>) => core.page(adaEvents, { ...q, offset: 0, limit: 1000 }).events;

describe("queryOf: the filters as the core's query", () => {
  it("sends nothing for filters not set, kinds in a fixed order, and the sources still shown", () => {
    expect(queryOf(EMPTY_FILTERS, "", SOURCE_IDS)).toEqual(ALL);
    expect(isUnfiltered(queryOf(EMPTY_FILTERS, "  ", SOURCE_IDS))).toBe(true);
    const q = queryOf(f({ kinds: new Set(["condition", "allergy"]), hiddenSources: new Set(["meadow-lane"]), from: "2024-01-01", to: "2024-12-31" }), " rash ", SOURCE_IDS);
    expect(q).toEqual({ kinds: ["allergy", "condition"], sources: ["riverside", "northshire"], text: "rash", from: "2024-01-01", to: "2024-12-31" });
    expect(isUnfiltered(q)).toBe(false);
  });

  it("is null when every source is hidden: nothing can match, so nothing is asked", () => {
    expect(queryOf(f({ hiddenSources: new Set(SOURCE_IDS) }), "", SOURCE_IDS)).toBeNull();
    expect(isUnfiltered(null)).toBe(false);
  });
});

describe("the timeline query (the core's rules, as the mock core applies them)", () => {
  it("filters by kind and by source id", () => {
    expect(ids(listed({ kinds: ["medication"] }))).toEqual(["mr-3", "mr-5", "ms-1", "ms-2"]);
    expect(ids(listed({ kinds: ["allergy", "condition"] }))).toEqual(["al-1", "co-1"]);
    expect(ids(listed({ sources: ["riverside"] }))).toEqual(["dis-1", "mr-3", "mr-5", "enc-7", "doc-5"]);
    expect(listed({ sources: ["Meadow Lane Surgery"] })).toEqual([]);
  });

  it("filters by date range, inclusive, partial dates overlapping; undated entries never match a range", () => {
    expect(ids(listed({ from: "2026-11-12" }))).toEqual(["dis-1", "mr-3", "mr-5", "enc-7"]);
    expect(ids(listed({ to: "2012-06-01" }))).toEqual(["al-1"]);
    expect(ids(listed({ from: "2024-02-15", to: "2024-02-20" }))).toEqual(["doc-3"]);
    expect(ids(listed({ from: "1900-01-01" }))).not.toContain("co-1");
  });

  it("searches words starting words of the title or detail, accents folded; not codes, sources or marks", () => {
    expect(ids(listed({ text: "amlod" }))).toEqual(["mr-3", "ms-1"]);
    expect(ids(listed({ text: "AMLÔDIPINE tab" }))).toEqual(["mr-3", "ms-1"]);
    expect(ids(listed({ text: "RASH" }))).toEqual(["al-1"]);
    expect(ids(listed({ text: "ward 7" }))).toEqual(["dis-1"]);
    expect(ids(listed({ text: "ward 8" }))).toEqual([]);
    // Inside a word is not a start.
    expect(ids(listed({ text: "lodipine" }))).toEqual([]);
    // Not the source, a code, or a mark's words.
    expect(ids(listed({ text: "northshire" }))).toEqual([]);
    expect(ids(listed({ text: "59621000" }))).toEqual([]);
    expect(ids(listed({ text: "stopped" }))).toEqual([]);
  });

  it("never finds a restricted entry by text", () => {
    const hidden: TimelineEvent = { ...adaEvents[0], resource_id: "r-1", title: "Restricted entry from Riverside NHS Trust", restricted: { masked: true, labels: [], handle: "r-1" } };
    const shown: TimelineEvent = { ...adaEvents[0], resource_id: "enc-9", title: "Sexual health clinic", restricted: { masked: false, labels: ["Very restricted"], handle: "r-2" } };
    const evs = [hidden, shown];
    expect(core.page(evs, { text: "restricted" }).total).toBe(0);
    expect(core.page(evs, { text: "sexual" }).total).toBe(0);
    expect(core.page(evs, {}).total).toBe(2);
    for (const e of evs) expect(matchesQuery(e, { ...ALL, text: "restricted sexual" })).toBe(false);
  });

  it("counts: per kind without the kind filter, per source without the source filter, total with every filter", () => {
    const p = core.page(adaEvents, { kinds: ["medication"], sources: ["riverside"], offset: 0, limit: 1 });
    expect(ids(p.events)).toEqual(["mr-3"]);
    expect(p.total).toBe(2);
    expect(p.by_kind).toEqual({ discharge: 1, medication: 2, encounter: 1, document: 1 });
    expect(p.by_source).toEqual({ riverside: 2, "meadow-lane": 2 });
    expect(core.page(adaEvents, { offset: 8, limit: 200 }).events.map((e) => e.resource_id)).toEqual(["al-1", "co-1"]);
  });

  it("matchesQuery agrees with the core on every filter", () => {
    const queries: Partial<TimelineQuery>[] = [
      {},
      { kinds: ["medication"] },
      { sources: ["meadow-lane"] },
      { from: "2026-01-01", to: "2026-11-12" },
      { text: "tablets once" },
      { kinds: ["medication"], text: "tablets", from: "2026-01-01", sources: ["meadow-lane"] },
    ];
    for (const q of queries) {
      const full = { ...ALL, ...q };
      expect(ids(adaEvents.filter((e) => matchesQuery(e, full))), JSON.stringify(q)).toEqual(ids(listed(q)));
    }
  });

  it("pages 20,000 events quickly", () => {
    const many = manyEvents(20000);
    const t0 = performance.now();
    const p = core.page(many, { kinds: ["allergy"], text: "entry 1", offset: 200, limit: 200 });
    expect(p.events.length).toBe(200);
    expect(p.events.every((e) => e.kind === "allergy")).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe("sameEntry", () => {
  it("names a restricted entry by its handle, masked or revealed", () => {
    const masked: TimelineEvent = { ...adaEvents[3], resource_id: "h-1", restricted: { masked: true, labels: [], handle: "h-1" } };
    const revealed: TimelineEvent = { ...masked, resource_id: "enc-r1", restricted: { masked: false, labels: [], handle: "h-1" } };
    expect(sameEntry(masked, revealed)).toBe(true);
    expect(sameEntry(masked, { ...revealed, restricted: { masked: false, labels: [], handle: "h-2" } })).toBe(false);
    expect(sameEntry(adaEvents[0], adaEvents[0])).toBe(true);
    expect(sameEntry(adaEvents[0], adaEvents[1])).toBe(false);
  });
});

describe("labels and progress", () => {
  it("labels source kinds", () => {
    expect(sourceKindLabel("hospital")).toBe("Trust");
    expect(sourceKindLabel("gp")).toBe("GP");
    expect(sourceKindLabel("social-care")).toBe("Social care");
    expect(sourceKindLabel("pharmacy")).toBe("Other");
  });

  it("keys events by source id, type and id", () => {
    expect(eventKey(adaEvents[0])).toBe("riverside|Composition/dis-1");
  });

  it("folds progress messages per endpoint", () => {
    let l = applyProgress([], { event: "started", source: "A", source_id: "a" });
    l = applyProgress(l, { event: "started", source: "B", source_id: "b" });
    l = applyProgress(l, { event: "page", source: "A", source_id: "a", resource_type: "Encounter", received: 50 });
    l = applyProgress(l, { event: "page", source: "A", source_id: "a", resource_type: "Encounter", received: 100 });
    expect(l.map((x) => [x.sourceId, x.source, x.phase])).toEqual([["a", "A", "receiving"], ["b", "B", "connecting"]]);
    expect(l[0].counts).toEqual({ Encounter: 100 });
    l = applyProgress(l, {
      event: "finished",
      outcome: {
        source: "B (renamed)", source_id: "b", source_kind: "gp", base_url: "https://b.example", outcome: "failed",
        error: { code: "EndpointTimeout", message: "timed out after 30 s" },
        started_at: "2026-11-25T14:00:00Z", finished_at: "2026-11-25T14:00:30Z", fhir_version: null,
        patients_found: 0, counts: {}, rejected: 0, warnings: [], bytes: 0, fetch: "full", fetch_note: "",
      },
    });
    expect(l[1]).toMatchObject({ sourceId: "b", source: "B (renamed)", phase: "failed", errorCode: "EndpointTimeout" });
    expect(l.length).toBe(2);
  });
});
