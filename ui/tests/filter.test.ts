import { describe, expect, it } from "vitest";
import { applyProgress } from "../src/components/Sync";
import { buildIndex, EMPTY_FILTERS, eventKey, filterEvents, type Filters, searchText, sourceKindLabel } from "../src/lib/filter";
import { adaEvents, manyEvents } from "./fixtures/patient";

const f = (p: Partial<Filters>): Filters => ({ ...EMPTY_FILTERS, ...p });
const ids = (xs: { resource_id: string }[]) => xs.map((x) => x.resource_id);

describe("filterEvents", () => {
  it("returns the same array when nothing is filtered", () => {
    expect(filterEvents(adaEvents, EMPTY_FILTERS)).toBe(adaEvents);
  });

  it("filters by kind (empty set = all)", () => {
    expect(ids(filterEvents(adaEvents, f({ kinds: new Set(["medication"]) })))).toEqual(["mr-3", "mr-5", "ms-1", "ms-2"]);
    expect(ids(filterEvents(adaEvents, f({ kinds: new Set(["allergy", "condition"]) })))).toEqual(["al-1", "co-1"]);
  });

  it("filters by source id (not display name)", () => {
    const r = filterEvents(adaEvents, f({ hiddenSources: new Set(["meadow-lane", "northshire"]) }));
    expect(ids(r)).toEqual(["dis-1", "mr-3", "mr-5", "enc-7", "doc-5"]);
    expect(filterEvents(adaEvents, f({ hiddenSources: new Set(["Meadow Lane Surgery"]) })).length).toBe(adaEvents.length);
  });

  it("filters by date range using the event date, inclusive, partial dates overlap", () => {
    expect(ids(filterEvents(adaEvents, f({ from: "2026-11-12" })))).toEqual(["dis-1", "mr-3", "mr-5", "enc-7"]);
    expect(ids(filterEvents(adaEvents, f({ to: "2012-06-01" })))).toEqual(["al-1"]);
    expect(ids(filterEvents(adaEvents, f({ from: "2024-02-15", to: "2024-02-20" })))).toEqual(["doc-3"]);
    // Undated events never match a date range.
    expect(ids(filterEvents(adaEvents, f({ from: "1900-01-01" })))).not.toContain("co-1");
  });

  it("searches title, detail, source and codes, case-insensitively, all terms", () => {
    expect(ids(filterEvents(adaEvents, f({ text: "amlodipine" })))).toEqual(["mr-3", "ms-1"]);
    // Marks are searchable by their words.
    expect(ids(filterEvents(adaEvents, f({ text: "stopped" })))).toEqual(["mr-3"]);
    expect(ids(filterEvents(adaEvents, f({ text: "RASH" })))).toEqual(["al-1"]);
    expect(ids(filterEvents(adaEvents, f({ text: "northshire" })))).toEqual(["doc-3"]);
    expect(ids(filterEvents(adaEvents, f({ text: "59621000" })))).toEqual(["co-1"]);
    expect(ids(filterEvents(adaEvents, f({ text: "ward 7" })))).toEqual(["dis-1"]);
    expect(ids(filterEvents(adaEvents, f({ text: "ward 8" })))).toEqual([]);
  });

  it("combines filters and keeps order", () => {
    const r = filterEvents(adaEvents, f({ kinds: new Set(["medication"]), text: "tablets", from: "2026-01-01", hiddenSources: new Set(["riverside"]) }));
    expect(ids(r)).toEqual(["ms-1"]);
  });

  it("handles 10,000+ events quickly with a prebuilt index", () => {
    const many = manyEvents(20000);
    const index = buildIndex(many);
    const t0 = performance.now();
    const r = filterEvents(many, f({ kinds: new Set(["allergy"]), text: "entry 1" }), index);
    const dt = performance.now() - t0;
    expect(r.length).toBeGreaterThan(0);
    expect(r.every((e) => e.kind === "allergy" && searchText(e).includes("entry") && searchText(e).includes("1"))).toBe(true);
    expect(filterEvents(many, f({ text: "gen-does-not-exist" }), index)).toEqual([]);
    expect(dt).toBeLessThan(200);
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
        patients_found: 0, counts: {}, rejected: 0, warnings: [], bytes: 0,
      },
    });
    expect(l[1]).toMatchObject({ sourceId: "b", source: "B (renamed)", phase: "failed", errorCode: "EndpointTimeout" });
    expect(l.length).toBe(2);
  });
});
