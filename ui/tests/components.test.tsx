import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ComponentProps } from "preact";
import { ERROR_CODES, ERROR_PLAIN_ENGLISH, type Progress, type TimelineEvent, type TimelinePage } from "../src/bindings";

// Every command, automocked (vi.fn() per export).
vi.mock("../src/api");

vi.mock("../src/lib/pdf", () => ({ renderPdf: vi.fn() }));

import * as api from "../src/api";
import * as pdf from "../src/lib/pdf";
import { App } from "../src/App";
import { Banner } from "../src/components/Banner";
import { DetailPanel } from "../src/components/DetailPanel";
import { AttachmentView, DischargeReader, medBlock, medicationDose } from "../src/components/DischargeReader";
import { Endpoints, validateEndpoint } from "../src/components/Endpoints";
import { ErrorText } from "../src/components/ErrorText";
import { Lookup } from "../src/components/Lookup";
import { Summary } from "../src/components/Summary";
import { applyProgress, OfflineBanner, SourcesPanel, SyncProgress } from "../src/components/Sync";
import { SEARCH_DELAY_MS, Timeline } from "../src/components/Timeline";
import { plainError } from "../src/lib/errors";
import { eventKey } from "../src/lib/filter";
import {
  ADA_NHS, adaBanner, adaEvents, adaSummary, adaView, connectionOk, coreOver, dischargeView, emptyView, endpointDefaults, endpoints, firstPage, manyEvents,
  MEADOW, offlineView, rawComposition, sources,
} from "./fixtures/patient";
import { render } from "preact";
import { act } from "preact/test-utils";
import { cleanup, click, flush, key, mount, q, qa, type } from "./helpers";

const m = vi.mocked(api);
const NOW = new Date("2026-11-25T12:20:00Z");
const noop = () => {};
const searchRef = () => ({ current: null as HTMLInputElement | null });
const byText = (root: ParentNode, sel: string, text: string | RegExp) =>
  Array.from(root.querySelectorAll<HTMLElement>(sel)).find((b) => (typeof text === "string" ? b.textContent === text : text.test(b.textContent ?? "")))!;
/** The timeline as the (mock) core has it: what `timeline_page` and `timeline_entries` answer from. */
let record: readonly TimelineEvent[] = adaEvents;

beforeEach(() => {
  vi.clearAllMocks();
  record = adaEvents;
  const core = coreOver(() => record);
  m.timelinePage.mockImplementation(core.timelinePage);
  m.timelineEntries.mockImplementation(core.timelineEntries);
  m.appInfo.mockResolvedValue({ demo: true });
  m.openPatient.mockResolvedValue(adaView);
  m.refreshPatient.mockResolvedValue(adaView);
  // A basis is already stated for the patient (the prompt has its own tests).
  m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
  m.declareBasis.mockResolvedValue(null);
  m.declareSearchBasis.mockResolvedValue(null);
  m.forgetPatient.mockResolvedValue(1);
  m.auditLog.mockResolvedValue([]);
  m.syncPatient.mockResolvedValue({ nhs_number: ADA_NHS, endpoints: [] });
  m.resourceJson.mockResolvedValue(rawComposition);
  m.discharge.mockResolvedValue(dischargeView);
  m.acceptSuspect.mockResolvedValue(true);
  m.purgeSource.mockResolvedValue(12);
  m.listEndpoints.mockResolvedValue(endpoints);
  m.endpointDefaults.mockResolvedValue(endpointDefaults);
  m.saveEndpoints.mockResolvedValue(null);
  m.testEndpoint.mockResolvedValue(connectionOk);
  delete (window as unknown as { __pwned?: unknown }).__pwned;
});
afterEach(cleanup);

/** Mount the app and open Ada through the lookup; the summary is shown first. */
async function openAda() {
  const c = mount(<App />);
  await flush();
  type(q(c, "nhs-input") as HTMLInputElement, "9990000018");
  click(q(c, "nhs-submit"));
  await flush();
  return c;
}

describe("Lookup", () => {
  it("formats as typed and shows validation messages", () => {
    const onOpen = vi.fn();
    const c = mount(<Lookup demo={false} busy={false} onOpen={onOpen} />);
    const input = q(c, "nhs-input") as HTMLInputElement;
    type(input, "99900000");
    expect(input.value).toBe("999 000 00");
    click(q(c, "nhs-submit"));
    expect(q(c, "nhs-error").textContent).toContain("NHS number must have 10 digits");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    type(input, "9990000017");
    click(q(c, "nhs-submit"));
    expect(q(c, "nhs-error").textContent).toContain("This is not a valid NHS number: check digit does not match");
    expect(onOpen).not.toHaveBeenCalled();
    type(input, "9990000018");
    click(q(c, "nhs-submit"));
    expect(c.querySelector('[data-testid="nhs-error"]')).toBeNull();
    expect(onOpen).toHaveBeenCalledWith("9990000018");
  });

  it("offers demo quick picks only in demo mode", () => {
    const onOpen = vi.fn();
    const c = mount(<Lookup demo={true} busy={false} onOpen={onOpen} />);
    const pick = Array.from(c.querySelectorAll("button")).find((b) => b.textContent?.includes("999 000 0026"))!;
    click(pick);
    expect(onOpen).toHaveBeenCalledWith("9990000026");
    const c2 = mount(<Lookup demo={false} busy={false} onOpen={onOpen} />);
    expect(c2.textContent).not.toContain("999 000 0026");
  });

  it("folds into one compact line once a patient is open, with the name search as a drop-down", () => {
    const onOpen = vi.fn();
    const c = mount(<Lookup compact demo={true} busy={false} onOpen={onOpen} initial={ADA_NHS} />);
    expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");
    expect(q(c, "nhs-input").getAttribute("aria-keyshortcuts")).toBe("Control+K");
    expect(q(c, "name-search-toggle").getAttribute("aria-expanded")).toBe("false");
    click(q(c, "name-search-toggle"));
    expect(q(c, "family-input").closest("[hidden]")).toBeNull();
    // Esc closes the drop-down.
    act(() => {
      q(c, "family-input").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    });
    expect(q(c, "name-search-toggle").getAttribute("aria-expanded")).toBe("false");
    click(q(c, "name-search-toggle"));
    // Demo picks live in the drop-down.
    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent?.includes("999 000 0034"))!);
    expect(onOpen).toHaveBeenCalledWith("9990000034");
  });
});

describe("Banner", () => {
  it("renders the compact CUI format with labels, allergies and warnings", () => {
    const c = mount(<Banner banner={adaBanner} now={NOW} />);
    const b = q(c, "banner");
    expect(b.querySelector("h2")!.textContent).toBe("ASHWORTH, Ada");
    expect(b.textContent).toContain("Born02-Mar-1948 (78y)");
    expect(b.textContent).toContain("GenderFemale");
    expect(b.textContent).toContain("NHS No.999 000 0018");
    expect(Array.from(b.querySelectorAll("dt")).map((d) => d.textContent)).toEqual(["Born", "Gender", "NHS No."]);
    const allergies = q(c, "banner-allergies");
    expect(allergies.textContent).toContain("Penicillin");
    expect(allergies.textContent).toContain("HIGH CRITICALITY: Anaphylaxis");
    expect(allergies.textContent).toContain("(Meadow Lane Surgery)");
    expect(allergies.textContent).toContain("OLD DATA");
    expect(q(c, "banner-warnings").textContent).toContain(adaBanner.discrepancies[0]);
    expect(b.querySelector("bdi")).not.toBeNull();
  });

  it("shows the title where given", () => {
    const c = mount(<Banner banner={{ ...adaBanner, family: "Hargreaves", given: "Evelyn Rose", title: "Mrs" }} now={NOW} />);
    expect(q(c, "banner").querySelector("h2")!.textContent).toBe("HARGREAVES, Evelyn Rose (Mrs)");
  });

  it("folds several warnings to the most severe one and 'N warnings — show'", () => {
    const c = mount(
      <Banner
        banner={{
          ...adaBanner,
          identity_warnings: ["NHS number not verified at Meadow Lane Surgery"],
          allergy_conflict: "No known allergy at Riverside NHS Trust, but Penicillin is recorded at Meadow Lane Surgery",
        }}
        now={NOW}
      />,
    );
    const w = q(c, "banner-warnings");
    expect(w.querySelector(".banner__warning")!.textContent).toContain("NHS number not verified at Meadow Lane Surgery");
    const more = byText(w, "button", /warnings/);
    expect(more.textContent).toBe("3 warnings — show");
    expect(more.getAttribute("aria-expanded")).toBe("false");
    expect(w.querySelector("#banner-more-warnings")!.hasAttribute("hidden")).toBe(true);
    click(more);
    expect(more.textContent).toBe("3 warnings — hide");
    expect(w.querySelector("#banner-more-warnings")!.hasAttribute("hidden")).toBe(false);
    expect(w.textContent).toContain("Date of birth differs");
  });

  it("shows each allergy state and never 'No known allergies' unless that is the state", () => {
    const nka = mount(
      <Banner
        banner={{
          ...adaBanner,
          allergies: { state: "no-known-allergies", statement: "", items: [], gaps: [], list_notes: [], negations: [{ text: "No known allergy", scope: "all", source: MEADOW.source, date_display: "30-May-2021" }] },
        }}
      />,
    );
    expect(q(nka, "banner-allergies").textContent).toContain("No known allergies — No known allergy (Meadow Lane Surgery)");

    const partial = mount(
      <Banner
        banner={{
          ...adaBanner,
          allergies: { state: "not-recorded", statement: "", items: [], gaps: [], list_notes: [], negations: [{ text: "No known drug allergy", scope: "drug", source: MEADOW.source, date_display: "30-May-2021" }] },
        }}
      />,
    );
    expect(q(partial, "banner-allergies").textContent).toContain("No known drug allergy (Meadow Lane Surgery) — no other allergy information recorded");
    expect(q(partial, "banner-allergies").textContent).not.toContain("No known allergies");

    const nr = mount(
      <Banner
        banner={{ ...adaBanner, allergies: { state: "not-recorded", statement: "", items: [], gaps: [], list_notes: [], negations: [] }, birth_date: null, gender: null, discrepancies: [] }}
      />,
    );
    expect(q(nr, "banner-allergies").textContent).toContain("Allergies not recorded");
    expect(q(nr, "banner").textContent).toContain("BornNot known");
    expect(q(nr, "banner").textContent).toContain("GenderNot known");
    expect(nr.querySelector('[data-testid="banner-warnings"]')).toBeNull();
  });

  it("allergy state incomplete: says so prominently with each gap, never 'No known allergies'", () => {
    const c = mount(
      <Banner
        banner={{
          ...adaBanner,
          allergies: {
            state: "incomplete",
            statement: "",
            items: [],
            negations: [{ text: "No known allergy", scope: "all", source: MEADOW.source, date_display: "30-May-2021" }],
            gaps: [{ source: "Hillcrest Community Trust", source_id: "hillcrest", reason: "its last sync failed (EndpointUnreachable)" }],
            list_notes: [],
          },
        }}
      />,
    );
    const a = q(c, "banner-allergies");
    expect(a.dataset.state).toBe("incomplete");
    expect(a.textContent).toContain("INCOMPLETE");
    expect(q(c, "banner-allergy-gap").textContent).toBe("Not known from Hillcrest Community Trust: its last sync failed (EndpointUnreachable)");
    expect(a.textContent).toContain("No known allergy (Meadow Lane Surgery)");
    expect(a.textContent).not.toContain("No known allergies");
    expect(a.textContent).not.toContain("Allergies not recorded");
  });

  it("while the first sync runs with nothing cached: loading, from which sources — never 'Name not known' or 'Allergies not recorded'", () => {
    const c = mount(<Banner banner={emptyView.banner} now={NOW} loadingFrom={["Riverside NHS Trust", "Meadow Lane Surgery"]} />);
    const b = q(c, "banner");
    expect(b.dataset.loading).toBe("true");
    expect(q(c, "banner-loading").textContent).toBe("Loading record…");
    expect(b.textContent).toContain("LOADING from Riverside NHS Trust, Meadow Lane Surgery");
    expect(b.textContent).toContain("NHS No.999 000 0018");
    expect(b.textContent).not.toContain("Name not known");
    expect(b.textContent).not.toContain("Not known from");
    const a = q(c, "banner-allergies");
    expect(a.textContent).toContain("Not known yet — loading from Riverside NHS Trust, Meadow Lane Surgery");
    expect(a.textContent).not.toMatch(/Allergies not recorded|No known allergies/);
  });
});

/** Mount the timeline over `events`, the first page coming with it as from the record, later pages from the (mock) core. */
function mountTimeline(events: TimelineEvent[], props: Partial<ComponentProps<typeof Timeline>> = {}) {
  record = events;
  return mount(<Timeline nhs={ADA_NHS} first={props.first ?? firstPage(events)} sources={sources} openKey={null} onOpen={noop} searchRef={searchRef()} {...props} />);
}

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const ids = (c: HTMLElement) => qa(c, "timeline-row").map((r) => r.dataset.resourceId);
const ALL = { kinds: [], sources: [], text: null, from: null, to: null };

/** Scroll the list to row `i` (the virtualiser follows the scroll event). */
function scrollToRow(c: HTMLElement, i: number) {
  const list = q(c, "timeline");
  act(() => {
    list.scrollTop = i * 40;
    list.dispatchEvent(new Event("scroll"));
  });
}

/** The layout happy-dom lacks, for the list to scroll itself: 600 px of `rows` rows. */
function layOut(c: HTMLElement, rows: number) {
  const list = q(c, "timeline");
  Object.defineProperty(list, "clientHeight", { configurable: true, get: () => 600 });
  Object.defineProperty(list, "scrollHeight", { configurable: true, get: () => rows * 40 });
}

/** The scroll event a browser sends after the list scrolled itself (happy-dom sends none). */
async function scrolled(c: HTMLElement) {
  act(() => {
    q(c, "timeline").dispatchEvent(new Event("scroll"));
  });
  await flush();
}

/** Let a debounced search reach the core. */
const afterTyping = async () => {
  await act(() => new Promise((r) => setTimeout(r, SEARCH_DELAY_MS + 20)));
  await flush();
};

describe("Timeline", () => {
  it("virtualises 10,000 events: bounded rows, the first page from the record, counts and filters from the core", async () => {
    const events = manyEvents(10000);
    const c = mountTimeline(events);
    const rows = qa(c, "timeline-row");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0].dataset.kind).toBe(events[0].kind);
    expect(rows[0].dataset.source).toBe(events[0].source);
    expect(rows[0].dataset.sourceId).toBe(events[0].source_id);
    expect(rows[0].dataset.resourceType).toBe(events[0].resource_type);
    expect(rows[0].dataset.resourceId).toBe("gen-0");
    expect(rows[0].textContent).toContain("ENTERED IN ERROR");
    expect(c.textContent).toContain("10,000 events");
    // The scrollbar is the whole record's from the start; nothing asked of the core yet.
    expect(q(c, "timeline").querySelector<HTMLElement>(".timeline__inner")!.style.height).toBe(`${10000 * 40}px`);
    expect(m.timelinePage).not.toHaveBeenCalled();
    expect(q(c, "filter-kind-allergy").textContent).toBe("Allergies (1,667)");

    // Filtering by kind asks the core from the top; the counts are its answer's.
    click(q(c, "filter-kind-allergy"));
    expect(q(c, "timeline").getAttribute("aria-busy")).toBe("true");
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, kinds: ["allergy"] }, 0, 200);
    expect(q(c, "filter-kind-allergy").getAttribute("aria-pressed")).toBe("true");
    expect(qa(c, "timeline-row").every((r) => r.dataset.kind === "allergy")).toBe(true);
    expect(q(c, "timeline-count").textContent).toBe("Showing 1,667 of 10,000 events");
    expect(q(c, "filter-kind-condition").textContent).toBe("Conditions (1,666)");
    expect(q(c, "timeline").getAttribute("aria-busy")).toBe("false");

    // Search: sent once typing pauses; each word starts a word of the title or detail.
    type(q(c, "search-input") as HTMLInputElement, "allerg entr 1");
    await flush();
    expect(m.timelinePage).toHaveBeenCalledTimes(1);
    await afterTyping();
    expect(m.timelinePage).toHaveBeenCalledTimes(2);
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, kinds: ["allergy"], text: "allerg entr 1" }, 0, 200);
    expect(ids(c).every((id) => /^gen-1/.test(id!))).toBe(true);
    type(q(c, "search-input") as HTMLInputElement, "gen-does-not-exist");
    await afterTyping();
    expect(qa(c, "timeline-row").length).toBe(0);
    expect(q(c, "timeline-empty").textContent).toBe("No events match the filters.");
  });

  it("loads later pages as the list scrolls, with placeholder rows until they come", async () => {
    const events = manyEvents(1000);
    const c = mountTimeline(events);
    const page = deferred<TimelinePage>();
    m.timelinePage.mockReturnValueOnce(page.promise);
    scrollToRow(c, 250);
    await flush();
    expect(m.timelinePage).toHaveBeenCalledWith(ADA_NHS, ALL, 200, 200);
    const waiting = qa(c, "timeline-row-placeholder");
    expect(waiting.length).toBeGreaterThan(10);
    expect(waiting[0].textContent).toBe("Loading…");
    expect(waiting[0].getAttribute("role")).toBe("option");
    expect(waiting[0].style.height).toBe("40px");
    // Never "no events" while a page is on its way.
    expect(c.querySelector('[data-testid="timeline-empty"]')).toBeNull();
    expect(q(c, "timeline").getAttribute("aria-busy")).toBe("true");
    await act(async () => page.resolve(await coreOver(() => events).timelinePage(ADA_NHS, ALL, 200, 200)));
    await flush();
    expect(qa(c, "timeline-row-placeholder").filter((r) => Number(r.getAttribute("aria-posinset")) <= 400)).toEqual([]);
    expect(ids(c)).toContain("gen-250");
    // The same page is never asked for twice.
    scrollToRow(c, 260);
    await flush();
    expect(m.timelinePage.mock.calls.filter(([, , offset]) => offset === 200).length).toBe(1);
  });

  it("keeps at most 10 pages: far pages are dropped and read again when scrolled back to", async () => {
    const events = manyEvents(5000);
    const c = mountTimeline(events);
    for (const row of [250, 450, 650, 850, 1050, 1250, 1450, 1650, 1850, 2050, 2250, 2450]) {
      scrollToRow(c, row);
      await flush();
    }
    expect(m.timelinePage.mock.calls.map(([, , offset]) => offset)).not.toContain(0);
    scrollToRow(c, 10);
    await flush();
    expect(ids(c)).toContain("gen-10");
    // Page 0 came with the record, was dropped as the list went far, and was read again.
    expect(m.timelinePage.mock.calls.map(([, , offset]) => offset)).toContain(0);
  });

  it("ignores the answer to a query the filters have moved on from", async () => {
    const c = mountTimeline(adaEvents);
    const slow = deferred<TimelinePage>();
    m.timelinePage.mockReturnValueOnce(slow.promise);
    click(q(c, "filter-kind-medication"));
    await flush();
    click(q(c, "filter-kind-allergy"));
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, kinds: ["allergy", "medication"] }, 0, 200);
    expect(ids(c)).toEqual(["mr-3", "mr-5", "ms-1", "ms-2", "al-1"]);
    // The medicines-only answer arrives last: not shown.
    await act(async () => slow.resolve(await coreOver(() => adaEvents).timelinePage(ADA_NHS, { ...ALL, kinds: ["medication"] }, 0, 200)));
    await flush();
    expect(ids(c)).toEqual(["mr-3", "mr-5", "ms-1", "ms-2", "al-1"]);
    expect(q(c, "timeline-count").textContent).toBe("Showing 5 of 10 events");
  });

  it("says a page could not be read (never 'no events'), and reads it again on Try again", async () => {
    const c = mountTimeline(adaEvents);
    m.timelinePage.mockRejectedValueOnce({ code: "CacheError", message: "disk I/O error" });
    click(q(c, "filter-kind-encounter"));
    await flush();
    const err = q(c, "timeline-error");
    expect(q(err, "error").dataset.code).toBe("CacheError");
    expect(err.textContent).toContain("Some of the timeline could not be read.");
    expect(c.querySelector('[data-testid="timeline-empty"]')).toBeNull();
    expect(c.querySelector('[data-testid="timeline-loading"]')).toBeNull();
    expect(q(c, "timeline-count").textContent).toBe("Events not read");
    expect(qa(c, "timeline-row")).toEqual([]);
    click(q(c, "timeline-retry"));
    await flush();
    expect(c.querySelector('[data-testid="timeline-error"]')).toBeNull();
    expect(ids(c)).toEqual(["enc-7"]);
  });

  it("a page that fails mid-list leaves its rows saying so", async () => {
    const c = mountTimeline(manyEvents(1000));
    m.timelinePage.mockRejectedValueOnce({ code: "CacheLocked", message: "locked" });
    scrollToRow(c, 250);
    await flush();
    expect(q(c, "timeline-error").textContent).toContain("Another Crossview window is updating this record.");
    expect(qa(c, "timeline-row-placeholder")[0].textContent).toBe("Not loaded (see the error above)");
    click(q(c, "timeline-retry"));
    await flush();
    expect(ids(c)).toContain("gen-250");
  });

  it("every source hidden: no entries, and the core is not asked", async () => {
    const c = mountTimeline(adaEvents);
    const boxes = Array.from(q(c, "filter-sources").querySelectorAll<HTMLInputElement>("input[type=checkbox]"));
    const uncheck = (b: HTMLInputElement) =>
      act(() => {
        b.checked = false;
        b.dispatchEvent(new Event("change", { bubbles: true }));
      });
    uncheck(boxes[0]);
    uncheck(boxes[1]);
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, sources: ["northshire"] }, 0, 200);
    const calls = m.timelinePage.mock.calls.length;
    uncheck(boxes[2]);
    await flush();
    expect(m.timelinePage.mock.calls.length).toBe(calls);
    expect(q(c, "timeline-empty").textContent).toBe("No events match the filters.");
    expect(q(c, "timeline-count").textContent).toBe("Showing 0 of 10 events");
    expect(q(c, "filter-kind-medication").textContent).toBe("Medicines (0)");
  });

  it("supports keyboard selection and Enter to open", () => {
    const onOpen = vi.fn();
    const c = mountTimeline(adaEvents, { onOpen });
    const list = q(c, "timeline");
    expect(list.getAttribute("role")).toBe("listbox");
    key(list, "ArrowDown");
    key(list, "ArrowDown");
    key(list, "ArrowUp");
    key(list, "ArrowDown");
    const active = list.getAttribute("aria-activedescendant");
    expect(active).toBeTruthy();
    expect(c.querySelector(`#${active}`)?.getAttribute("data-resource-id")).toBe("mr-3");
    key(list, "Enter");
    expect(onOpen).toHaveBeenCalledWith(adaEvents[1]);
    const eie = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "ms-2")!;
    expect(eie.textContent).toContain("ENTERED IN ERROR");
    expect(eie.textContent).toContain("GP");
  });

  it("End goes to the last row, read from the core, and Enter opens it once loaded", async () => {
    const onOpen = vi.fn();
    const events = manyEvents(1000);
    const c = mountTimeline(events, { onOpen });
    layOut(c, 1000);
    const list = q(c, "timeline");
    key(list, "End");
    const active = () => c.querySelector(`#${list.getAttribute("aria-activedescendant")}`) as HTMLElement | null;
    // Until its page comes, Enter opens nothing.
    key(list, "Enter");
    expect(onOpen).not.toHaveBeenCalled();
    await scrolled(c);
    expect(m.timelinePage).toHaveBeenCalledWith(ADA_NHS, ALL, 800, 200);
    expect(active()?.dataset.resourceId).toBe("gen-999");
    key(list, "Enter");
    expect(onOpen).toHaveBeenCalledWith(events[999]);
  });

  it("an entry asked for that is not loaded is found in later pages and selected", async () => {
    const events = manyEvents(1000);
    const first = firstPage(events);
    const c = mountTimeline(events, { first });
    layOut(c, 1000);
    const target = events[450];
    act(() => {
      render(<Timeline nhs={ADA_NHS} first={first} sources={sources} openKey={eventKey(target)} onOpen={noop} searchRef={searchRef()} select={{ key: eventKey(target), focus: false, seq: 1, event: target }} />, c);
    });
    await flush(10);
    await scrolled(c);
    expect(m.timelinePage.mock.calls.map(([, , offset]) => offset)).toEqual([200, 400]);
    const row = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "gen-450")!;
    expect(row.classList.contains("row--open")).toBe(true);
    expect(row.getAttribute("aria-selected")).toBe("true");
    expect(c.querySelector('[data-testid="timeline-not-listed"]')).toBeNull();
  });

  it("an entry asked for that the filters hide is said so, with a way to clear them", async () => {
    const target = adaEvents.find((e) => e.resource_id === "doc-3")!;
    const first = firstPage(adaEvents);
    const c = mountTimeline(adaEvents, { first });
    click(q(c, "filter-kind-allergy"));
    await flush();
    const calls = m.timelinePage.mock.calls.length;
    act(() => {
      render(<Timeline nhs={ADA_NHS} first={first} sources={sources} openKey={eventKey(target)} onOpen={noop} searchRef={searchRef()} select={{ key: eventKey(target), focus: false, seq: 1, event: target }} />, c);
    });
    await flush();
    // Not looked for: it cannot be in this list.
    expect(m.timelinePage.mock.calls.length).toBe(calls);
    const note = q(c, "timeline-not-listed");
    expect(note.textContent).toContain("The entry in the details panel is not in this list with these filters.");
    click(byText(note, "button", "Clear filters"));
    await flush();
    expect(c.querySelector('[data-testid="timeline-not-listed"]')).toBeNull();
    expect(ids(c)).toContain("doc-3");
  });

  it("a stopped medicine row carries a clear STOPPED badge", () => {
    const c = mountTimeline(adaEvents);
    const row = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "mr-3")!;
    const badge = row.querySelector('[data-mark="stopped"]')!;
    expect(badge.textContent).toBe("STOPPED");
    expect(row.dataset.marks).toBe("stopped");
    expect(row.classList.contains("row--stopped")).toBe(true);
    // The badge precedes the title, so it is never cut off with it.
    expect(row.querySelector(".row__title")!.firstElementChild).toBe(badge);
    // A cancelled medicine without the mark still says STOPPED.
    const cancelled = { ...adaEvents[2], resource_id: "mr-9", status: "cancelled", marks: [] };
    const c2 = mountTimeline([cancelled]);
    expect(q(c2, "timeline-row").textContent).toContain("STOPPED");
    // Other medicines do not.
    expect(qa(c, "timeline-row").find((r) => r.dataset.resourceId === "mr-5")!.textContent).not.toContain("STOPPED");
  });

  it("rows from stale sources carry a short 'as of' mark", () => {
    const c = mountTimeline(adaEvents, { now: NOW });
    const rows = qa(c, "timeline-row");
    const stale = rows.filter((r) => r.dataset.stale === "true");
    expect(stale.map((r) => r.dataset.sourceId)).toEqual(stale.map(() => "meadow-lane"));
    expect(stale.length).toBe(4);
    for (const r of stale) expect(r.querySelector('[data-testid="stale-mark"]')!.textContent).toContain("as of 09:14");
    for (const r of rows.filter((r) => r.dataset.stale === "false")) expect(r.querySelector('[data-testid="stale-mark"]')).toBeNull();
    // Another day: the date instead of the time.
    const c2 = mountTimeline(adaEvents, { now: new Date("2026-11-27T10:00:00Z") });
    expect(c2.querySelector('[data-testid="stale-mark"]')!.textContent).toContain("as of 25-Nov-2026");
  });

  it("says the record is loading instead of 'No events in this record' while it loads", () => {
    const c = mountTimeline([], { emptyText: "Loading the record from Riverside NHS Trust…" });
    expect(q(c, "timeline-empty").textContent).toBe("Loading the record from Riverside NHS Trust…");
    const c2 = mountTimeline([]);
    expect(q(c2, "timeline-empty").textContent).toBe("No events in this record.");
  });

  it("filters sources by id from the Sources drop-down, with the core's count per source", async () => {
    const c = mountTimeline(adaEvents);
    const dd = q(c, "filter-sources");
    expect(dd.querySelector("summary")!.textContent).toContain("Sources (all)");
    expect(qa(dd, "filter-source-count").map((n) => n.textContent)).toEqual([" · 5 entries", " · 4 entries", " · 1 entries"]);
    const box = Array.from(dd.querySelectorAll<HTMLInputElement>("input[type=checkbox]"))[1];
    act(() => {
      box.checked = false;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await flush();
    // The sources still shown are sent (by id).
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, sources: ["riverside", "northshire"] }, 0, 200);
    expect(qa(c, "timeline-row").some((r) => r.dataset.sourceId === "meadow-lane")).toBe(false);
    expect(dd.querySelector("summary")!.textContent).toContain("(2 of 3)");
    // Per source, whatever the source filter.
    expect(qa(dd, "filter-source-count")[1].textContent).toBe(" · 4 entries");
  });

  it("after a refresh, reads the filtered list again and keeps the filters", async () => {
    const c = mountTimeline(adaEvents);
    click(q(c, "filter-kind-document"));
    await flush();
    expect(ids(c)).toEqual(["doc-5", "doc-3"]);
    const more = [...adaEvents, { ...adaEvents[4], resource_id: "doc-6", title: "Another letter", date: "2023-01-01", date_display: "01-Jan-2023" }];
    record = more;
    act(() => {
      render(<Timeline nhs={ADA_NHS} first={firstPage(more)} sources={sources} openKey={null} onOpen={noop} searchRef={searchRef()} />, c);
    });
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, kinds: ["document"] }, 0, 200);
    expect(q(c, "filter-kind-document").getAttribute("aria-pressed")).toBe("true");
    expect(ids(c)).toEqual(["doc-5", "doc-3", "doc-6"]);
  });
});

describe("Timeline date filters", () => {
  it("accepts NHS-style dates, filters on them and explains invalid input", async () => {
    const c = mountTimeline(adaEvents);
    const from = q(c, "date-from") as HTMLInputElement;
    const to = q(c, "date-to") as HTMLInputElement;
    expect(from.type).toBe("text");
    expect(c.textContent).toContain("e.g. 01-Jan-2024");
    expect(from.getAttribute("aria-describedby")).toContain("date-hint");

    type(from, "01-Oct-2026");
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { ...ALL, from: "2026-10-01" }, 0, 200);
    expect(ids(c)).toEqual(["dis-1", "mr-3", "mr-5", "enc-7", "doc-5", "ms-1"]);
    expect(q(c, "filter-dates").querySelector("summary")!.textContent).toContain("01-Oct-2026 to any");
    type(to, "2026-11-12");
    await flush();
    expect(ids(c)).toEqual(["enc-7", "doc-5", "ms-1"]);
    type(to, "31/12/2025");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await flush();
    expect(q(c, "date-error").textContent).toContain("The From date must be the same as or before the To date");

    // Invalid text: inline message on leaving the field, and the bound is not applied.
    type(to, "31-Feb-2026");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await flush();
    expect(q(c, "date-error").textContent).toContain("To date: Enter a real date, e.g. 01-Jan-2024");
    expect(to.getAttribute("aria-invalid")).toBe("true");
    expect(to.getAttribute("aria-describedby")).toContain("to-error");
    expect(ids(c)).toEqual(["dis-1", "mr-3", "mr-5", "enc-7", "doc-5", "ms-1"]);

    // A valid value clears the error and is echoed back in dd-Mmm-yyyy.
    type(to, "2026-11-12");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await flush();
    expect(c.querySelector('[data-testid="date-error"]')).toBeNull();
    expect(to.value).toBe("12-Nov-2026");

    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Clear filters")!);
    await flush();
    expect(from.value).toBe("");
    expect(qa(c, "timeline-row").length).toBe(adaEvents.length);
  });

  it("lays out each row with the title in its own flexible column", () => {
    const c = mountTimeline(adaEvents);
    const row = qa(c, "timeline-row")[0];
    expect(row.querySelector(".row__title-text")?.textContent).toBe(adaEvents[0].title);
    expect(row.querySelector(".row__title-text")?.tagName).toBe("BDI");
    expect(row.querySelector(".row__meta .badge--source")?.textContent).toContain("Riverside NHS Trust");
    expect(row.style.height).toBe("40px");
  });
});

describe("Sync progress", () => {
  const finished = (fetch: string, counts: Record<string, number>): Progress => ({
    event: "finished",
    outcome: {
      source: "Riverside NHS Trust", source_id: "riverside", source_kind: "hospital", base_url: "https://x", outcome: "ok",
      error: null, started_at: "", finished_at: "", fhir_version: "R4", patients_found: 1, counts, rejected: 0,
      warnings: [], bytes: 0, fetch, fetch_note: "",
    },
  });

  it("says when a source's count is only what changed since the last sync", () => {
    const incremental = applyProgress([], finished("incremental", { Patient: 1, AllergyIntolerance: 2 }));
    expect(incremental[0].fetch).toBe("incremental");
    let c = mount(<SyncProgress items={incremental} running />);
    expect(q(c, "sync-progress").textContent).toContain("OK 3 resources (new or changed only)");
    cleanup();
    c = mount(<SyncProgress items={applyProgress([], finished("full", { Patient: 1, AllergyIntolerance: 2 }))} running />);
    expect(q(c, "sync-progress").textContent).toContain("OK 3 resources");
    expect(q(c, "sync-progress").textContent).not.toContain("only");
  });
});

describe("Sources and offline", () => {
  it("shows the offline banner with the data age", () => {
    const c = mount(<OfflineBanner oldest="2026-11-25T09:14:00Z" now={NOW} />);
    const b = q(c, "offline-banner");
    expect(b.textContent).toContain("Offline: no source could be reached.");
    expect(b.textContent).toContain("Showing cached data from 25-Nov-2026 09:14 (3 h old)");
  });

  it("lists sources with their state, freshness and plain-English errors", () => {
    const c = mount(<SourcesPanel sources={sources} now={new Date("2026-11-25T16:00:00Z")} />);
    const items = qa(c, "source-status");
    expect(items.map((i) => [i.dataset.source, i.dataset.sourceId, i.dataset.state, i.dataset.stale])).toEqual([
      ["Riverside NHS Trust", "riverside", "fresh", "false"],
      ["Meadow Lane Surgery", "meadow-lane", "failed", "true"],
      ["Northshire Adult Social Care", "northshire", "fresh", "false"],
    ]);
    expect(items[0].textContent).toContain("Updated 25-Nov-2026 14:02");
    expect(items[0].textContent).toContain("Read recently");
    expect(items[0].textContent).toContain("15 resources");
    expect(items[1].textContent).toContain("Failed");
    expect(items[1].textContent).toContain("Showing data as of 25-Nov-2026 09:14 (6 h old)");
    expect(items[1].querySelector(".source__error")!.firstChild!.textContent).toBe("Meadow Lane Surgery could not be reached.");
    const tech = items[1].querySelector("details")!;
    expect(tech.open).toBe(false);
    expect(tech.textContent).toContain("EndpointUnreachable: Could not connect to gp.meadowlane.example.nhs.uk");
    expect(items[1].textContent).toContain("9 resources");
    expect(items[2].textContent).toContain("Social care");
    expect(items[2].textContent).toContain("1 resource");
    // Per-type counts (and zero counts) are not listed.
    expect(c.textContent).not.toContain("MedicationStatement:");
    const zero = mount(<SourcesPanel sources={[{ ...sources[0], counts: { Encounter: 0, Patient: 0 } }]} now={NOW} />);
    expect(q(zero, "source-status").textContent).not.toMatch(/\b0\b|resource/);
  });

  it("a suspect source offers to accept its new data, after a confirmation explaining entries disappeared", async () => {
    const onAccept = vi.fn().mockResolvedValue(true);
    const suspect = { ...sources[0], state: "suspect" as const, last_outcome: "suspect" as const, stale: true };
    const c = mount(<SourcesPanel sources={[suspect]} now={NOW} onAccept={onAccept} />);
    const item = q(c, "source-status");
    expect(item.textContent).toContain("Kept aside");
    expect(item.textContent).toContain(ERROR_PLAIN_ENGLISH.DataDisappeared);
    const btn = q(c, "accept-suspect");
    expect(btn.textContent).toBe("Accept the new data from Riverside NHS Trust");
    click(btn);
    expect(onAccept).not.toHaveBeenCalled();
    expect(item.textContent).toContain("Entries disappeared.");
    click(q(c, "accept-suspect-confirm"));
    await flush();
    expect(onAccept).toHaveBeenCalledWith(suspect);
  });

  it("a source no longer configured offers to remove its cached data", async () => {
    const onPurge = vi.fn().mockResolvedValue(7);
    const gone = { ...sources[2], configured: false, state: "not-configured" as const, stale: true };
    const c = mount(<SourcesPanel sources={[gone]} now={NOW} onPurge={onPurge} />);
    expect(q(c, "source-status").textContent).toContain("No longer configured");
    expect(q(c, "purge-source").textContent).toBe("Remove cached data from Northshire Adult Social Care");
    click(q(c, "purge-source"));
    click(q(c, "purge-source-confirm"));
    await flush();
    expect(onPurge).toHaveBeenCalledWith(gone);
    expect(c.textContent).toContain("Removed 7 cached entries from Northshire Adult Social Care.");
  });
});

describe("Plain-English errors", () => {
  it("maps every error code to a plain-English message", () => {
    expect(ERROR_CODES.length).toBeGreaterThan(20);
    for (const code of ERROR_CODES) {
      const text = plainError(code);
      expect(text, code).toBe(ERROR_PLAIN_ENGLISH[code]);
      expect(text.length, code).toBeGreaterThan(10);
      expect(text, code).not.toContain(code);
      const c = mount(<ErrorText error={{ code, message: `detail for ${code}` }} source="Hillcrest Community Trust" />);
      const el = q(c, "error");
      expect(el.getAttribute("role")).toBe("alert");
      expect(el.querySelector(".error-message__text")!.textContent).toContain(plainError(code, "Hillcrest Community Trust"));
      // Technical detail (code, message) behind a disclosure, closed.
      const d = el.querySelector("details")!;
      expect(d.open).toBe(false);
      expect(d.textContent).toContain(`${code}: detail for ${code}`);
      cleanup();
    }
  });

  it("names the source where known", () => {
    expect(plainError("EndpointUnreachable", "Hillcrest Community Trust")).toBe("Hillcrest Community Trust could not be reached.");
    expect(plainError("AuthFailed", "Hillcrest Community Trust")).toBe("Hillcrest Community Trust refused Crossview's credentials.");
    expect(plainError("CacheLocked", "Hillcrest Community Trust")).toBe(`Hillcrest Community Trust: ${ERROR_PLAIN_ENGLISH.CacheLocked}`);
    expect(plainError("EndpointTimeout")).toBe("The source did not answer in time.");
  });
});

describe("Detail panel", () => {
  it("loads the raw JSON lazily by source id and shows it as text", async () => {
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents[0]} onReadDischarge={noop} />);
    const panel = q(c, "detail-panel");
    expect(panel.textContent).toContain("DISCHARGE");
    expect(panel.textContent).toContain("373942005");
    expect(panel.textContent).toContain("http://snomed.info/sct");
    expect(panel.textContent).toContain("Composition/dis-1");
    expect(panel.textContent).toContain("25-Nov-2026 14:02");
    expect(m.resourceJson).not.toHaveBeenCalled();
    const details = panel.querySelector("details.raw") as HTMLDetailsElement;
    details.open = true;
    details.dispatchEvent(new Event("toggle"));
    await flush();
    expect(m.resourceJson).toHaveBeenCalledWith({ nhs: ADA_NHS, source: "riverside", resourceType: "Composition", id: "dis-1" });
    const pre = q(c, "raw-json");
    expect(pre.tagName).toBe("PRE");
    expect(pre.textContent).toBe(rawComposition);
    expect(pre.querySelector("b")).toBeNull();
    expect(pre.querySelector("script")).toBeNull();
    expect(q(c, "open-discharge").textContent).toBe("Read discharge summary");
  });

  it("cuts a huge original resource at 20,000 characters until Show all", async () => {
    const huge = JSON.stringify({ resourceType: "Composition", id: "dis-1", text: { div: "x".repeat(100_000) }, tail: "END-MARK" });
    m.resourceJson.mockResolvedValue(huge);
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents[0]} onReadDischarge={noop} />);
    const details = q(c, "detail-panel").querySelector("details.raw") as HTMLDetailsElement;
    details.open = true;
    details.dispatchEvent(new Event("toggle"));
    await flush();
    expect(q(c, "raw-json").textContent!.length).toBe(20_000);
    expect(q(c, "raw-json").textContent).not.toContain("END-MARK");
    expect(q(c, "detail-panel").textContent).toContain(`Showing the first 20,000 of ${huge.length.toLocaleString("en-GB")} characters.`);
    click(q(c, "raw-show-all"));
    await flush();
    expect(q(c, "raw-json").textContent).toBe(huge);
    expect(c.querySelector("[data-testid=raw-show-all]")).toBeNull();
  });

  it("names the button for what it opens: discharge summary, letter, document", () => {
    const letter = adaEvents.find((e) => e.resource_id === "doc-5")!;
    const doc = adaEvents.find((e) => e.resource_id === "doc-3")!;
    expect(q(mount(<DetailPanel nhs={ADA_NHS} event={letter} onReadDischarge={noop} />), "open-discharge").textContent).toBe("Read letter");
    expect(q(mount(<DetailPanel nhs={ADA_NHS} event={doc} onReadDischarge={noop} />), "open-discharge").textContent).toBe("Read document");
  });

  it("marks entered-in-error at the top and hides the document action for other kinds", () => {
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents.find((e) => e.resource_id === "ms-2")!} onReadDischarge={noop} />);
    expect(q(c, "detail-warnings").textContent).toContain("entered in error");
    expect(c.querySelector('[data-testid="open-discharge"]')).toBeNull();
  });

  it("puts stopped and stale marks at the top of the panel", () => {
    const stopped = adaEvents.find((e) => e.resource_id === "mr-3")!;
    const c = mount(<DetailPanel nhs={ADA_NHS} event={stopped} onReadDischarge={noop} />);
    const w = q(c, "detail-warnings");
    expect(w.querySelector('[data-mark="stopped"]')!.textContent).toContain("STOPPED");
    expect(c.querySelector(".detail__badges")!.textContent).toContain("STOPPED");
    const staleEvent = adaEvents.find((e) => e.resource_id === "ms-1")!;
    const c2 = mount(<DetailPanel nhs={ADA_NHS} event={staleEvent} source={sources[1]} now={NOW} onReadDischarge={noop} />);
    expect(q(c2, "detail-stale").textContent).toBe(
      "Warning: data from Meadow Lane Surgery as of 25-Nov-2026 09:14 (its latest sync failed): this entry may be out of date.",
    );
    // The warnings come before the fields.
    const panel = q(c2, "detail-panel");
    const order = Array.from(panel.children).map((el) => el.className);
    expect(order.indexOf("detail__warnings")).toBeLessThan(order.indexOf("summary-list"));
  });

  it("starts at the top for every event it opens (scroll reset)", () => {
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents[0]} onReadDischarge={noop} />);
    const panel = q(c, "detail-panel");
    panel.scrollTop = 300;
    expect(panel.scrollTop).toBe(300);
    for (const next of [adaEvents[3], adaEvents[1]]) {
      act(() => {
        render(<DetailPanel nhs={ADA_NHS} event={next} onReadDischarge={noop} />, c);
      });
      expect(q(c, "detail-panel")).toBe(panel);
      expect(panel.textContent).toContain(next.title);
      expect(panel.scrollTop).toBe(0);
      panel.scrollTop = 250;
    }
    // A re-render with the same event keeps the reader's place.
    act(() => {
      render(<DetailPanel nhs={ADA_NHS} event={adaEvents[1]} now={NOW} onReadDischarge={noop} />, c);
    });
    expect(panel.scrollTop).toBe(250);
  });
});

describe("Discharge reader", () => {
  it("renders narrative before sections in order and never inserts or runs scripts", async () => {
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    expect(m.discharge).toHaveBeenCalledWith({ nhs: ADA_NHS, source: "riverside", resourceType: "Composition", id: "dis-1" });
    const r = q(c, "discharge-reader");
    const secs = qa(c, "discharge-section");
    expect(secs.map((s) => s.querySelector("h3,h4,h5")!.textContent)).toEqual(["Diagnoses", "Clinical narrative", "Follow-up", "Allergies"]);
    expect(secs[0].querySelector("b")?.textContent).toBe("right lower lobe");
    const narrative = q(c, "discharge-narrative");
    expect(narrative.compareDocumentPosition(secs[0]) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(r.querySelector("script")).toBeNull();
    expect(r.querySelector("[onerror]")).toBeNull();
    expect(r.querySelector('a[href^="javascript"]')).toBeNull();
    expect(r.innerHTML).not.toContain("__pwned");
    expect((window as unknown as { __pwned?: unknown }).__pwned).toBeUndefined();
    expect(r.textContent).toContain("Dr Priya Natarajan");
    expect(r.textContent).toContain("Medications on discharge");
    expect(r.textContent).toContain("Amoxicillin 500mg capsules");
    expect(r.textContent).toContain("Inpatient stay, Respiratory Medicine");
    expect(r.querySelector("pre")?.textContent).toContain("Mrs Ashworth was discharged on 18-Nov-2026.");
    expect(r.textContent).toContain("https://fhir.riverside.example.nhs.uk/Binary/b-1");
    expect(r.textContent).toContain("(not downloaded)");
    // Content the sanitiser removed is said, styled as such.
    expect(Array.from(narrative.querySelectorAll(".removed")).map((x) => x.textContent)).toEqual(["[link removed]", "[image removed]"]);
    // A section's empty reason.
    expect(q(c, "section-empty").textContent).toBe("Section empty: Nil known");
    // Ids from the narrative never become ids in the page.
    expect(r.querySelector("#plan")).toBeNull();
    expect(r.querySelector('[data-anchor="plan"]')).not.toBeNull();
  });

  it("shows the medicine changes at the top for a discharge summary", async () => {
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    const panel = q(c, "medication-changes");
    const reader = q(c, "discharge-reader");
    expect(panel.compareDocumentPosition(qa(c, "discharge-section")[0]) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(reader.querySelector(".summary-list")!.compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_PRECEDING).toBeTruthy();
    expect(q(c, "changes-basis").textContent).toBe("Compared with the GP list from Meadow Lane Surgery.");
    expect(q(c, "changes-started").textContent).toContain("Amoxicillin 500mg capsules");
    expect(q(c, "changes-stopped").textContent).toContain("Amlodipine 5mg tablets — Reason Low blood pressure on admission");
    expect(q(c, "changes-changed").textContent).toContain("dose: One tablet daily → Two tablets daily");
    expect(q(c, "changes-not-mentioned").textContent).toContain("Simvastatin 20mg tablets");
    expect(q(c, "changes-not-mentioned").textContent).toContain("not assumed stopped");
    expect(c.querySelector('[data-testid="changes-continued"]')).toBeNull();
  });

  it("says when there was no GP list to compare with, and shows its note", async () => {
    m.discharge.mockResolvedValueOnce({
      ...dischargeView,
      medication_changes: { ...dischargeView.medication_changes!, compared_with: [], note: "No GP source could be read." },
    });
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    expect(q(c, "changes-basis").textContent).toBe("Not compared with a GP list: none was available. No GP source could be read.");
  });

  it("never lists a stopped medicine under a plain 'Medications on discharge' heading", async () => {
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    const take = q(c, "meds-take");
    expect(take.querySelector("h3")!.textContent).toBe("Medications on discharge");
    expect(take.textContent).toContain("Amoxicillin 500mg capsules");
    expect(take.textContent).not.toContain("Amlodipine");
    const stopped = q(c, "meds-stopped");
    expect(stopped.querySelector("h3")!.textContent).toContain("Stopped");
    expect(stopped.textContent).toContain("STOPPED");
    expect(stopped.textContent).toContain("Amlodipine 5mg tablets");
    expect(stopped.textContent).toContain("Reason Low blood pressure on admission");
    expect(medBlock({ reference: "x", title: null, detail: null, status: "cancelled", marks: [] })).toBe("stopped");
    expect(medBlock({ reference: "x", title: null, detail: null, status: "active", marks: ["do-not-give"] })).toBe("do-not-give");
    expect(medBlock({ reference: "x", title: null, detail: null, status: "active", marks: ["proposal"] })).toBe("proposed");
    expect(medBlock({ reference: "x", title: null, detail: null, status: "active", marks: [] })).toBe("take");
  });

  it("shows a superseded banner at the top", async () => {
    m.discharge.mockResolvedValueOnce({
      ...dischargeView,
      kind: "letter",
      title: "Clinic letter",
      medication_changes: null,
      superseded_by: { resource_type: "DocumentReference", resource_id: "doc-9", title: "Clinic letter (corrected)", relation: "replaced-by" },
    });
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[4]} onClose={noop} />);
    await flush();
    const s = q(c, "superseded");
    expect(s.textContent).toContain("Superseded — replaced by Clinic letter (corrected)");
    expect(q(c, "discharge-reader").firstElementChild!.nextElementSibling!.nextElementSibling).toBe(s);
    expect(c.querySelector('[data-testid="medication-changes"]')).toBeNull();
    expect(q(c, "reader-close").textContent).toContain("Close letter");
  });

  it("lists each medication once, as name, dose and status", async () => {
    const med = {
      reference: "MedicationRequest/mr-2",
      title: "Amlodipine 5mg tablets",
      detail: "One tablet once a day · Intent order · Category Discharge",
      status: "active",
      marks: [],
    };
    m.discharge.mockResolvedValueOnce({
      ...dischargeView,
      narrative_html: null,
      sections: [
        { title: "Medications", html: "<ul><li>Amlodipine 5mg tablets: one a day</li></ul>", text: null, empty_reason: null, entries: [med], sections: [] },
        { title: "Medicines (coded)", html: null, text: null, empty_reason: null, entries: [med], sections: [] },
      ],
      medications: [med],
    });
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    const items = qa(c, "discharge-medication");
    expect(items.length).toBe(1);
    expect(items[0].querySelector("strong")?.textContent).toBe("Amlodipine 5mg tablets");
    expect(items[0].textContent).toContain("One tablet once a day");
    expect(items[0].textContent).toContain("Status active");
    expect(q(c, "discharge-reader").textContent).not.toContain("Intent order");
    expect(q(c, "discharge-reader").textContent).not.toContain("Category Discharge");
    // The section's own entry list does not repeat it.
    expect(qa(c, "discharge-section")[0].querySelectorAll(".entries li").length).toBe(0);
    expect(qa(c, "discharge-section")[1].textContent).toContain("See the medicines below.");
  });

  it("extracts the dose text from a medication detail", () => {
    expect(medicationDose("One tablet once a day · Intent order · Category Discharge")).toBe("One tablet once a day");
    expect(medicationDose("One tablet once a day · Reason Low blood pressure · Note Review")).toBe("One tablet once a day");
    expect(medicationDose("Intent order")).toBeNull();
    expect(medicationDose(null)).toBeNull();
    expect(medicationDose("Two puffs; when required")).toBe("Two puffs; when required");
  });

  it("a narrative link only scrolls within its narrative: the page location never changes", async () => {
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={noop} />);
    await flush();
    const before = location.href;
    const scrolled: Element[] = [];
    const orig = HTMLElement.prototype.scrollIntoView;
    HTMLElement.prototype.scrollIntoView = function (this: HTMLElement) {
      scrolled.push(this);
    };
    try {
      const narrative = q(c, "discharge-narrative");
      const toPlan = byText(narrative, "a", "the plan");
      const ev = new MouseEvent("click", { bubbles: true, cancelable: true });
      act(() => {
        toPlan.dispatchEvent(ev);
      });
      expect(ev.defaultPrevented).toBe(true);
      expect(location.href).toBe(before);
      // "#plan" is in another section: not this narrative, so nothing scrolls.
      expect(scrolled).toEqual([]);
      const section = qa(c, "discharge-section")[2];
      section.querySelector("p")!.insertAdjacentHTML("beforeend", ' <a href="#plan">back</a>');
      const back = byText(section, "a", "back");
      const ev2 = new MouseEvent("click", { bubbles: true, cancelable: true });
      act(() => {
        back.dispatchEvent(ev2);
      });
      expect(ev2.defaultPrevented).toBe(true);
      expect(scrolled.map((e) => e.getAttribute("data-anchor"))).toEqual(["plan"]);
      expect(location.href).toBe(before);
    } finally {
      HTMLElement.prototype.scrollIntoView = orig;
    }
  });
});

describe("Attachments", () => {
  it("renders PDF data in-app via pdf.js (lazy, from the base64 data, no URL fetch)", async () => {
    vi.mocked(pdf.renderPdf).mockImplementation(async (_data, el) => {
      el.appendChild(document.createElement("canvas"));
      return 1;
    });
    const bytes = "%PDF-1.4 fake";
    const c = mount(<AttachmentView a={{ title: "Scan", content_type: "application/pdf", data: btoa(bytes), url: "https://x.example/b", size: 13 }} />);
    await flush();
    expect(pdf.renderPdf).toHaveBeenCalledTimes(1);
    const arg = vi.mocked(pdf.renderPdf).mock.calls[0][0];
    expect(new TextDecoder().decode(arg)).toBe(bytes);
    expect(c.querySelector("canvas")).not.toBeNull();
    expect(c.textContent).not.toContain("not downloaded");
  });
});

describe("Summary", () => {
  it("counts a medicine's earlier entries the core left out, and says where they are", () => {
    const meds = adaSummary.medications;
    const long = { ...adaSummary, medications: { ...meds, groups: meds.groups.map((g, i) => (i === 0 ? { ...g, earlier_entries: 1249 } : g)) } };
    const c = mount(<Summary summary={long} now={NOW} onOpenRef={noop} />);
    const more = qa(c, "earlier-entries");
    expect(more.length).toBe(1);
    expect(more[0].textContent).toContain("and 1,249 earlier entries of this medicine (on the timeline)");
    cleanup();
    expect(qa(mount(<Summary summary={adaSummary} now={NOW} onOpenRef={noop} />), "earlier-entries").length).toBe(0);
  });

  it("renders flags (warning vs caution, with text badges) and the groups", () => {
    const c = mount(<Summary summary={adaSummary} now={NOW} onOpenRef={noop} />);
    const flags = qa(c, "summary-flag");
    expect(flags.map((f) => [f.dataset.kind, f.dataset.severity])).toEqual([
      ["allergy-to-ingredient", "warning"],
      ["stopped-elsewhere", "caution"],
    ]);
    expect(flags[0].querySelector(".tag")!.textContent).toBe("WARNING");
    expect(flags[1].querySelector(".tag")!.textContent).toBe("CAUTION");
    expect(flags[0].textContent).toContain("it is one of the penicillins");

    const allergy = qa(c, "allergy-group");
    expect(allergy.length).toBe(1);
    expect(allergy[0].querySelector(".group__title")!.textContent).toBe("Penicillin");
    expect(allergy[0].textContent).toContain("HIGH CRITICALITY");
    expect(allergy[0].textContent).toContain("ReactionAnaphylaxis".replace("Reaction", "Reaction "));
    expect(allergy[0].textContent).toContain("CONFIRMED");
    expect(allergy[0].textContent).toContain("ALLERGY");
    // Its source entry, with status, date, and the stale source's "as of".
    const entry = allergy[0].querySelector('[data-testid="summary-entry"]') as HTMLElement;
    expect(entry.textContent).toContain("Meadow Lane Surgery");
    expect(entry.textContent).toContain("active, confirmed");
    expect(entry.textContent).toContain("2012");
    expect(entry.dataset.stale).toBe("true");
    expect(entry.querySelector('[data-testid="stale-mark"]')!.textContent).toContain("as of 09:14");

    const meds = qa(c, "medicine-group");
    expect(meds.map((g) => g.querySelector(".group__title")!.textContent)).toEqual(["Amlodipine 5mg tablets", "Co-amoxiclav 500mg/125mg tablets"]);
    expect(meds[0].textContent).toContain("DoseOne tablet once a day".replace("Dose", "Dose "));
    expect(meds[0].textContent).toContain("STOPPED ELSEWHERE");
    const amlo = Array.from(meds[0].querySelectorAll<HTMLElement>('[data-testid="summary-entry"]'));
    expect(amlo.map((e) => e.dataset.resourceId)).toEqual(["ms-1", "mr-3"]);
    expect(amlo[1].textContent).toContain("STOPPED");
    expect(amlo[1].textContent).toContain("Reason Low blood pressure on admission");
    expect(q(c, "recently-stopped").textContent).toContain("Recently stopped or changed (last 90 days)");
    expect(q(c, "do-not-give").textContent).toContain("None recorded.");
    // What cannot be known is said where the data is used.
    expect(q(c, "allergy-gaps").textContent).toBe("NOT KNOWN Not known from Meadow Lane Surgery: its last sync failed (EndpointUnreachable)");
    expect(q(c, "medicine-gaps").textContent).toContain("Not known from Meadow Lane Surgery");
  });

  it("a flag opens (and highlights) the entries it names", () => {
    const onOpenRef = vi.fn();
    const c = mount(<Summary summary={adaSummary} now={NOW} onOpenRef={onOpenRef} />);
    const flag = qa(c, "summary-flag")[0];
    const toggle = flag.querySelector('[data-testid="flag-show-entries"]') as HTMLElement;
    expect(toggle.textContent).toBe("Show the 2 entries it names");
    expect(flag.querySelector('[data-testid="flag-refs"]')!.hasAttribute("hidden")).toBe(true);
    expect(qa(c, "summary-entry").filter((e) => e.dataset.highlighted === "true")).toEqual([]);
    click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const refs = flag.querySelector('[data-testid="flag-refs"]')!;
    expect(refs.hasAttribute("hidden")).toBe(false);
    expect(Array.from(refs.querySelectorAll('[data-testid="flag-ref"]')).map((r) => r.textContent)).toEqual([
      expect.stringContaining("Penicillin — Meadow Lane Surgery, 2012, active"),
      expect.stringContaining("Co-amoxiclav 500mg/125mg tablets — Riverside NHS Trust, 18-Nov-2026 12:00, active"),
    ]);
    const hl = qa(c, "summary-entry").filter((e) => e.dataset.highlighted === "true");
    expect(hl.map((e) => e.dataset.resourceId)).toEqual(["al-1", "mr-5"]);
    expect(hl.every((e) => e.textContent!.includes("FLAGGED"))).toBe(true);
    // Each entry opens in the timeline.
    click(refs.querySelectorAll<HTMLElement>('[data-testid="flag-ref-open"]')[1]);
    expect(onOpenRef).toHaveBeenCalledWith(adaSummary.flags[0].refs[1]);
    // The other flag moves the highlight.
    click(qa(c, "summary-flag")[1].querySelector('[data-testid="flag-show-entries"]') as HTMLElement);
    expect(qa(c, "summary-entry").filter((e) => e.dataset.highlighted === "true").map((e) => e.dataset.resourceId)).toEqual(["ms-1", "mr-3"]);
  });

  it("allergy state incomplete shows the gaps and never 'No known allergies'", () => {
    const summary = {
      ...adaSummary,
      allergies: {
        ...adaSummary.allergies,
        groups: [
          {
            ...adaSummary.allergies.groups[0],
            title: "No known allergy",
            negation: "all" as const,
            high_criticality: false,
            flags: [],
            entries: adaSummary.allergies.groups[0].entries.map((e) => ({ ...e, title: "No known allergy", negation: "all" as const, marks: [] })),
          },
        ],
        negations: [{ text: "No known allergy", scope: "all" as const, source: MEADOW.source, date_display: "2012" }],
      },
    };
    const c = mount(<Summary summary={summary} now={NOW} onOpenRef={noop} />);
    const a = q(c, "summary-allergies");
    expect(a.dataset.state).toBe("incomplete");
    expect(a.textContent).toContain("INCOMPLETE");
    expect(q(c, "allergy-gaps").textContent).toContain("Not known from Meadow Lane Surgery: its last sync failed (EndpointUnreachable)");
    expect(a.textContent).toContain("No known allergy");
    expect(a.textContent).not.toContain("No known allergies");
    expect(c.textContent).not.toContain("No known allergies");
  });

  it("while loading: says so, and from which sources", () => {
    const c = mount(<Summary summary={emptyView.summary} loadingFrom={["Riverside NHS Trust"]} now={NOW} onOpenRef={noop} />);
    expect(q(c, "summary-loading").textContent).toBe("Still loading from Riverside NHS Trust: what is shown is not complete yet.");
    expect(q(c, "summary").textContent).not.toMatch(/Allergies not recorded|No known allergies/);
  });

  it("lists do-not-give orders and recently stopped medicines", () => {
    const dng = { ...adaSummary.medications.groups[1], standing: "do-not-give" as const, title: "Ibuprofen 400mg tablets", flags: [] };
    const stopped = { ...adaSummary.medications.groups[0], standing: "recently-stopped" as const, title: "Ramipril 5mg capsules", flags: [] };
    const c = mount(
      <Summary
        summary={{ ...adaSummary, medications: { ...adaSummary.medications, do_not_give: [dng], recently_stopped: [stopped], recent_days: 30 } }}
        onOpenRef={noop}
      />,
    );
    expect(q(c, "do-not-give").textContent).toContain("Ibuprofen 400mg tablets");
    expect(q(c, "do-not-give").textContent).toContain("DO NOT GIVE");
    expect(q(c, "recently-stopped").textContent).toContain("(last 30 days)");
    expect(q(c, "recently-stopped").textContent).toContain("Ramipril 5mg capsules");
  });
});

describe("List notes", () => {
  const RIVERSIDE_GP = { source: "Riverside Surgery", source_id: "riverside-gp" };
  const allergyNote = { ...RIVERSIDE_GP, reason: "Allergies and adverse reactions: the list is empty: No Content Recorded (Information not available)" };
  const medNote = { ...RIVERSIDE_GP, reason: "Medications and medical devices: the list is empty: No Content Recorded (Information not available)" };

  it("shows what the sources' lists say under the allergy statement and the medicines, as neutral notes", () => {
    const summary = {
      ...adaSummary,
      allergies: { ...adaSummary.allergies, list_notes: [allergyNote] },
      medications: { ...adaSummary.medications, list_notes: [medNote] },
    };
    const c = mount(<Summary summary={summary} now={NOW} onOpenRef={noop} />);
    const an = q(c, "allergy-list-notes");
    expect(an.closest('[data-testid="summary-allergies"]')).not.toBeNull();
    expect(an.textContent).toBe(`Riverside Surgery: ${allergyNote.reason}`);
    expect(an.querySelector(".tag")).toBeNull();
    expect(an.closest('[data-testid="allergy-gaps"]')).toBeNull();
    const mn = q(c, "medicine-list-notes");
    expect(mn.closest('[data-testid="current-medicines"]')).not.toBeNull();
    expect(mn.textContent).toBe(`Riverside Surgery: ${medNote.reason}`);
    // None: nothing shown.
    const plain = mount(<Summary summary={adaSummary} now={NOW} onOpenRef={noop} />);
    expect(plain.querySelector('[data-testid="allergy-list-notes"]')).toBeNull();
    expect(plain.querySelector('[data-testid="medicine-list-notes"]')).toBeNull();
  });

  it("shows the allergy list notes compactly in the banner, after the allergy line", () => {
    const c = mount(
      <Banner
        banner={{ ...adaBanner, allergies: { state: "not-recorded", statement: "", items: [], gaps: [], negations: [], list_notes: [allergyNote] } }}
      />,
    );
    const line = q(c, "banner-allergies");
    expect(line.textContent).toContain("Allergies not recorded");
    const notes = q(c, "banner-list-notes");
    expect(line.contains(notes)).toBe(true);
    expect(notes.textContent).toBe(` · Riverside Surgery: ${allergyNote.reason}`);
    expect(line.textContent).not.toContain("No known allergies");
    const none = mount(<Banner banner={adaBanner} />);
    expect(none.querySelector('[data-testid="banner-list-notes"]')).toBeNull();
  });

  it("lists a source's incomplete lists as warnings in the sources panel", () => {
    const withNotes = [
      {
        ...sources[0],
        list_notes: [
          { list: "Active Allergies", types: ["AllergyIntolerance"], kind: "incomplete" as const, code: "confidential-items", text: "Some items are confidential and not included" },
          { list: "Medications", types: ["MedicationStatement"], kind: "empty" as const, code: "no-content-recorded", text: "No Content Recorded" },
        ],
      },
    ];
    const c = mount(<SourcesPanel sources={withNotes} now={NOW} />);
    const w = q(c, "source-list-incomplete");
    expect(w.textContent).toBe("Warning: Active Allergies is incomplete: Some items are confidential and not included");
  });
});

describe("Endpoints", () => {
  it("lists, tests, adds (with the core's defaults) and saves endpoints; shows save errors inline", async () => {
    const c = mount(<Endpoints />);
    await flush();
    expect(qa(c, "endpoint-row").length).toBe(2);
    const testBtn = Array.from(qa(c, "endpoint-row")[0].querySelectorAll("button")).find((b) => b.textContent?.startsWith("Test connection"))!;
    click(testBtn);
    await flush();
    expect(c.textContent).toContain("HAPI FHIR Server 7.2.0");
    expect(c.textContent).toContain("Composition: not supported");
    expect(q(c, "connection-note").textContent).toContain("ran without a token");

    click(byText(c, "button", "Add endpoint"));
    expect(c.textContent).toContain("the token itself is never stored");
    expect((c.querySelector("#ep-timeout") as HTMLInputElement).value).toBe("20");
    expect((c.querySelector("#ep-page") as HTMLInputElement).value).toBe("200");
    click(byText(c, "button", "Add"));
    expect(c.textContent).toContain("Enter a name");
    type(c.querySelector("#ep-name") as HTMLInputElement, "Hilltop Hospice");
    type(c.querySelector("#ep-url") as HTMLInputElement, "https://fhir.hilltop.example.org");
    click(byText(c, "button", "Add"));
    expect(qa(c, "endpoint-row").length).toBe(3);

    m.saveEndpoints.mockRejectedValueOnce({ code: "ConfigInvalid", message: "base_url must use https" });
    click(byText(c, "button", "Save endpoints"));
    await flush();
    expect(m.saveEndpoints).toHaveBeenCalledWith([
      ...endpoints,
      expect.objectContaining({ id: null, name: "Hilltop Hospice", timeout_s: 20, page_size: 200, fhir_version: "auto" }),
    ]);
    expect(c.textContent).toContain("base_url must use https");
    expect(c.textContent).toContain(ERROR_PLAIN_ENGLISH.ConfigInvalid);
    expect(q(c, "error").dataset.code).toBe("ConfigInvalid");
  });

  it("refuses plain http to another machine unless the file allows it, and shows that as a danger", async () => {
    const base = { ...endpointDefaults, name: "A" };
    expect(validateEndpoint({ ...base, base_url: "http://gp.example.nhs.uk/fhir" }, [])).toEqual([
      "Plain http:// is accepted only for this computer (127.0.0.1, ::1, localhost): use https://",
    ]);
    expect(validateEndpoint({ ...base, base_url: "http://127.0.0.1:8201/" }, [])).toEqual([]);
    expect(validateEndpoint({ ...base, base_url: "http://[::1]:8201/" }, [])).toEqual([]);
    expect(validateEndpoint({ ...base, base_url: "http://gp.example.nhs.uk/fhir", allow_insecure_http: true }, [])).toEqual([]);
    m.listEndpoints.mockResolvedValueOnce([{ ...endpoints[1], base_url: "http://gp.meadowlane.example.nhs.uk/fhir", allow_insecure_http: true }]);
    const c = mount(<Endpoints />);
    await flush();
    expect(q(c, "insecure-http").textContent).toBe("INSECURE: PLAIN HTTP ALLOWED");
  });

  it("shows the test result: overall line, the checks in order with status words, what will and will not show", async () => {
    const c = mount(<Endpoints />);
    await flush();
    const testBtn = Array.from(qa(c, "endpoint-row")[0].querySelectorAll("button")).find((b) => b.textContent?.startsWith("Test connection"))!;
    click(testBtn);
    await flush();
    const overall = q(c, "connection-overall");
    expect(overall.textContent).toContain("✓ Connected");
    expect(overall.textContent).toContain("Riverside NHS Trust is healthy");
    expect(overall.textContent).toContain("FHIR R4 · HAPI FHIR Server 7.2.0");
    const checks = qa(c, "connection-check");
    expect(checks.map((li) => [li.dataset.step, li.dataset.status])).toEqual([
      ["address", "pass"],
      ["tls", "pass"],
      ["auth", "skip"],
      ["metadata", "pass"],
      ["interaction", "warn"],
    ]);
    expect(checks.map((li) => li.querySelector(".check__status")!.textContent)).toEqual(["✓ OK", "✓ OK", "– Not tried", "✓ OK", "! Warning"]);
    expect(checks[0].closest("ol")).not.toBeNull();
    expect(checks[2].textContent).toContain("Sign-in: No token: CROSSVIEW_TOKEN_RIVERSIDE is not set");
    expect(q(c, "will-show").textContent).toBe("Will show:EncountersAllergies");
    expect(q(c, "will-not-show").textContent).toContain("Discharge summaries: the server does not offer Composition");
    expect(q(c, "connection-note").textContent).toContain("ran without a token");
  });

  it("a failed test: not healthy, the failed check, the error in plain English; server text is never HTML", async () => {
    m.testEndpoint.mockResolvedValueOnce({
      ...connectionOk,
      ok: false,
      error: { code: "TlsFailed", message: "certificate has expired" },
      fhir_version: null,
      software: null,
      supports: [],
      checks: [
        { step: "address", name: "Address", status: "pass", detail: "answers" },
        { step: "tls", name: "Secure connection", status: "fail", detail: "<b>certificate</b> has expired" },
        { step: "auth", name: "Sign-in", status: "skip", detail: "not tried after a failure" },
      ],
      will_show: [],
      will_not_show: ["Anything: the connection failed"],
      note: null,
    });
    const c = mount(<Endpoints />);
    await flush();
    const testBtn = Array.from(qa(c, "endpoint-row")[1].querySelectorAll("button")).find((b) => b.textContent?.startsWith("Test connection"))!;
    click(testBtn);
    await flush();
    expect(q(c, "connection-overall").textContent).toContain("✗ Connection failed");
    expect(q(c, "connection-overall").textContent).toContain("Meadow Lane Surgery is not healthy");
    expect(c.textContent).toContain(ERROR_PLAIN_ENGLISH.TlsFailed);
    expect(c.textContent).toContain("certificate has expired");
    const checks = qa(c, "connection-check");
    expect(checks.map((li) => li.dataset.status)).toEqual(["pass", "fail", "skip"]);
    expect(checks[1].querySelector(".check__status")!.textContent).toBe("✗ Failed");
    expect(checks[1].textContent).toContain("<b>certificate</b> has expired");
    expect(checks[1].querySelector("b")).toBeNull();
    expect(c.querySelector('[data-testid="will-show"]')).toBeNull();
    expect(q(c, "will-not-show").textContent).toContain("Anything: the connection failed");
  });

  it("shows the read-only connection (row and form) and saves it untouched; nothing for a new endpoint", async () => {
    const c = mount(<Endpoints />);
    await flush();
    const rows = qa(c, "endpoint-row");
    expect(rows[1].querySelector('[data-testid="endpoint-connection"]')!.textContent).toBe(endpoints[1].connection);
    click(Array.from(rows[1].querySelectorAll("button")).find((b) => b.textContent?.startsWith("Edit"))!);
    const ro = q(c, "endpoint-connection-form");
    expect(ro.textContent).toBe(endpoints[1].connection);
    expect(ro.tagName).not.toBe("INPUT");
    expect(c.textContent).toContain("Interface, auth and TLS are set in the configuration file");
    type(c.querySelector("#ep-timeout") as HTMLInputElement, "25");
    click(byText(c, "button", "Apply changes"));
    click(byText(c, "button", "Add endpoint"));
    expect(c.querySelector('[data-testid="endpoint-connection-form"]')).toBeNull();
    expect(c.textContent).not.toContain("Interface, auth and TLS are set in the configuration file");
    type(c.querySelector("#ep-name") as HTMLInputElement, "Hilltop Hospice");
    type(c.querySelector("#ep-url") as HTMLInputElement, "https://fhir.hilltop.example.org");
    click(byText(c, "button", "Add"));
    expect(qa(c, "endpoint-row")[2].querySelector('[data-testid="endpoint-connection"]')).toBeNull();
    click(byText(c, "button", "Save endpoints"));
    await flush();
    expect(m.saveEndpoints).toHaveBeenCalledWith([
      endpoints[0],
      { ...endpoints[1], timeout_s: 25 },
      expect.objectContaining({ id: null, name: "Hilltop Hospice", connection: "" }),
    ]);
  });

  it("shows the demo's endpoints read-only with a note", async () => {
    const c = mount(<Endpoints demo />);
    await flush();
    expect(q(c, "endpoints-demo-note").textContent).toContain("cannot be changed here".replace("cannot be changed here", "can be tested but not changed here"));
    expect(qa(c, "endpoint-row").length).toBe(2);
    const labels = Array.from(c.querySelectorAll("button")).map((b) => b.textContent);
    expect(labels.some((l) => l?.startsWith("Edit") || l?.startsWith("Remove") || l === "Add endpoint" || l === "Save endpoints")).toBe(false);
    expect(labels.some((l) => l?.startsWith("Test connection"))).toBe(true);
  });
});

describe("App", () => {
  it("starts the sync only once the cached record has been painted", async () => {
    const frames: FrameRequestCallback[] = [];
    const raf = vi.spyOn(window, "requestAnimationFrame").mockImplementation((cb) => {
      frames.push(cb);
      return frames.length;
    });
    try {
      const c = await openAda();
      expect(m.openPatient).toHaveBeenCalledTimes(1);
      expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
      expect(m.syncPatient).not.toHaveBeenCalled();
      // Two frames later the record is on screen: now the sync may take the CPU.
      for (let i = 0; i < 2; i++) {
        frames.splice(0).forEach((cb) => cb(0));
        await flush();
      }
      expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function), false);
    } finally {
      raf.mockRestore();
    }
  });

  it("opens the cache first, shows the summary first, syncs with progress (refreshing as sources finish)", async () => {
    let emit: ((p: Progress) => void) | null = null;
    let finish: () => void = () => {};
    m.syncPatient.mockImplementation((_nhs, onProgress) => {
      emit = onProgress;
      return new Promise((res) => {
        finish = () => res({ nhs_number: ADA_NHS, endpoints: [] });
      });
    });
    m.refreshPatient.mockResolvedValueOnce(adaView).mockResolvedValue(offlineView);
    const c = await openAda();
    // One audited open; every later read is a refresh.
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(m.refreshPatient).not.toHaveBeenCalled();
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
    // Summary first, the timeline one click away.
    expect(q(c, "tab-summary").getAttribute("aria-selected")).toBe("true");
    expect(q(c, "summary").closest("[hidden]")).toBeNull();
    expect(q(c, "timeline").closest("[hidden]")).not.toBeNull();
    expect(qa(c, "summary-flag").length).toBe(2);
    expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function), false);
    expect((q(c, "sync-button") as HTMLButtonElement).disabled).toBe(true);
    // The lookup is folded into the header.
    expect(q(c, "nhs-input").closest("header")).not.toBeNull();
    expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");

    act(() => emit!({ event: "started", source: "Riverside NHS Trust", source_id: "riverside" }));
    expect(q(c, "sync-progress").textContent).toContain("Connecting");
    act(() => emit!({ event: "page", source: "Riverside NHS Trust", source_id: "riverside", resource_type: "Encounter", received: 40 }));
    expect(q(c, "sync-progress").textContent).toContain("Receiving… 40 resources");
    act(() =>
      emit!({
        event: "finished",
        outcome: {
          source: "Riverside NHS Trust", source_id: "riverside", source_kind: "hospital", base_url: "https://x", outcome: "failed",
          error: { code: "EndpointTimeout", message: "timed out" }, started_at: "", finished_at: "", fhir_version: null,
          patients_found: 0, counts: {}, rejected: 0, warnings: [], bytes: 0, fetch: "full", fetch_note: "",
        },
      }),
    );
    expect(q(c, "sync-progress").textContent).toContain("Failed Riverside NHS Trust did not answer in time.");
    await flush();
    // A source finished: the record is read again at once.
    expect(m.refreshPatient).toHaveBeenCalledTimes(1);

    finish();
    await flush();
    expect(m.refreshPatient).toHaveBeenCalledTimes(2);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(q(c, "offline-banner").textContent).toContain("Offline");
    expect(q(c, "sync-progress").textContent).toContain("Sync finished: 0 sources OK, 1 failed.");
    expect((q(c, "sync-button") as HTMLButtonElement).disabled).toBe(false);

    // Timeline tab → row → detail → discharge reader.
    click(q(c, "tab-timeline"));
    expect(q(c, "timeline").closest("[hidden]")).toBeNull();
    click(qa(c, "timeline-row")[0]);
    expect(q(c, "detail-panel").textContent).toContain("Discharge summary: community-acquired pneumonia");
    click(q(c, "open-discharge"));
    await flush();
    expect(qa(c, "discharge-section").length).toBe(4);

    // "/" focuses search.
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "/", bubbles: true }));
    expect(document.activeElement).toBe(q(c, "search-input"));

    // Nav to endpoints and back.
    click(q(c, "nav-endpoints"));
    await flush();
    expect(qa(c, "endpoint-row").length).toBe(2);
    click(q(c, "nav-timeline"));
    expect(q(c, "banner")).toBeTruthy();
  });

  it("'/' from the summary switches to the timeline and focuses its search; Ctrl+K focuses the patient lookup", async () => {
    const c = await openAda();
    act(() => {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "/", bubbles: true, cancelable: true }));
    });
    await flush();
    expect(q(c, "tab-timeline").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(q(c, "search-input"));
    act(() => {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true, cancelable: true }));
    });
    expect(document.activeElement).toBe(q(c, "nhs-input"));
  });

  it("Esc closes the reader and focus returns to the row that opened it", async () => {
    const c = await openAda();
    click(q(c, "tab-timeline"));
    const row = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "dis-1")!;
    click(row);
    click(q(c, "open-discharge"));
    await flush();
    expect(q(c, "discharge-reader")).toBeTruthy();
    act(() => {
      document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    });
    await flush();
    expect(c.querySelector('[data-testid="discharge-reader"]')).toBeNull();
    const list = q(c, "timeline");
    expect(document.activeElement).toBe(list);
    const active = list.getAttribute("aria-activedescendant")!;
    expect(c.querySelector(`#${active}`)!.getAttribute("data-resource-id")).toBe("dis-1");
    expect(q(c, "detail-panel").textContent).toContain("Discharge summary: community-acquired pneumonia");
    // Esc again closes the details, focus still on the row.
    act(() => {
      list.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    });
    expect(q(c, "detail-panel").textContent).toContain("Select an event");
    expect(document.activeElement).toBe(list);
  });

  it("an entry opened from the summary opens in the timeline's detail panel", async () => {
    const c = await openAda();
    click(qa(c, "summary-flag")[0].querySelector('[data-testid="flag-show-entries"]') as HTMLElement);
    click(qa(c, "summary-flag")[0].querySelectorAll<HTMLElement>('[data-testid="flag-ref-open"]')[1]);
    await flush();
    expect(q(c, "tab-timeline").getAttribute("aria-selected")).toBe("true");
    expect(q(c, "detail-panel").textContent).toContain("Co-amoxiclav 500mg/125mg tablets");
    expect(qa(c, "timeline-row").find((r) => r.dataset.resourceId === "mr-5")!.classList.contains("row--open")).toBe(true);
    // Read by its key (the summary's entries are not timeline entries).
    expect(m.timelineEntries).toHaveBeenCalledWith(ADA_NHS, [{ source_id: "riverside", resource_type: "MedicationRequest", resource_id: "mr-5" }]);
  });

  it("an entry from the summary that is not in the saved record says so, and stays on the summary", async () => {
    const c = await openAda();
    record = adaEvents.filter((e) => e.resource_id !== "mr-5");
    click(qa(c, "summary-flag")[0].querySelector('[data-testid="flag-show-entries"]') as HTMLElement);
    click(qa(c, "summary-flag")[0].querySelectorAll<HTMLElement>('[data-testid="flag-ref-open"]')[1]);
    await flush();
    expect(q(c, "tab-summary").getAttribute("aria-selected")).toBe("true");
    const err = q(c, "open-ref-error");
    expect(q(err, "error").dataset.code).toBe("NotInCache");
    expect(err.textContent).toContain("Could not open the entry. That entry is not in the saved record on this computer.");
    // A failed look-up is said the same way.
    m.timelineEntries.mockRejectedValueOnce({ code: "CacheError", message: "disk" });
    click(qa(c, "summary-flag")[0].querySelectorAll<HTMLElement>('[data-testid="flag-ref-open"]')[0]);
    await flush();
    expect(q(q(c, "open-ref-error"), "error").dataset.code).toBe("CacheError");
  });

  it("counts the whole timeline on its tab from the first page's total, not the rows received", async () => {
    const first = firstPage(manyEvents(300));
    m.openPatient.mockResolvedValue({ ...adaView, timeline: { ...first, total: 100_000 } });
    m.refreshPatient.mockResolvedValue({ ...adaView, timeline: { ...first, total: 100_000 } });
    const c = await openAda();
    expect(first.events.length).toBe(200);
    expect(q(c, "tab-timeline").textContent).toBe("Timeline 100,000");
    click(q(c, "tab-timeline"));
    expect(q(c, "timeline").querySelector<HTMLElement>(".timeline__inner")!.style.height).toBe(`${100_000 * 40}px`);
  });

  it("after the record is read again, the open entry is read again: changed, or gone", async () => {
    let finish: () => void = () => {};
    m.syncPatient.mockImplementation(() => new Promise((res) => (finish = () => res({ nhs_number: ADA_NHS, endpoints: [] }))));
    const c = await openAda();
    click(q(c, "tab-timeline"));
    click(qa(c, "timeline-row").find((r) => r.dataset.resourceId === "enc-7")!);
    expect(q(c, "detail-panel").textContent).toContain("Inpatient stay, Respiratory Medicine");
    record = adaEvents.map((e) => (e.resource_id === "enc-7" ? { ...e, title: "Inpatient stay, Respiratory Medicine (amended)" } : e));
    m.refreshPatient.mockResolvedValue({ ...adaView, timeline: firstPage(record) });
    finish();
    await flush();
    expect(m.timelineEntries).toHaveBeenLastCalledWith(ADA_NHS, [{ source_id: "riverside", resource_type: "Encounter", resource_id: "enc-7" }]);
    expect(q(c, "detail-panel").textContent).toContain("(amended)");
    // Gone from the record: no longer shown as if it were there.
    record = adaEvents.filter((e) => e.resource_id !== "enc-7");
    m.refreshPatient.mockResolvedValue({ ...adaView, timeline: firstPage(record) });
    m.syncPatient.mockResolvedValue({ nhs_number: ADA_NHS, endpoints: [] });
    click(q(c, "sync-button"));
    await flush();
    expect(q(c, "detail-panel").textContent).toContain("Select an event");
  });

  it("the first sync with nothing cached: loading from which sources, never 'Name not known' or 'No events in this record'", async () => {
    let finish: () => void = () => {};
    m.syncPatient.mockImplementation(() => new Promise((res) => (finish = () => res({ nhs_number: ADA_NHS, endpoints: [] }))));
    m.openPatient.mockResolvedValueOnce(emptyView).mockResolvedValue(adaView);
    const c = await openAda();
    const b = q(c, "banner");
    expect(b.dataset.loading).toBe("true");
    expect(b.textContent).toContain("Loading record…");
    expect(b.textContent).toContain("LOADING from Riverside NHS Trust, Meadow Lane Surgery, Northshire Adult Social Care");
    expect(b.textContent).not.toMatch(/Name not known|Allergies not recorded|No known allergies/);
    expect(q(c, "summary-loading").textContent).toContain("Still loading from");
    expect(q(c, "timeline-empty").textContent).toBe(
      "Loading the record from Riverside NHS Trust, Meadow Lane Surgery, Northshire Adult Social Care…",
    );
    expect(c.querySelector('[data-testid="offline-banner"]')).toBeNull();
    finish();
    await flush();
    expect(q(c, "banner").dataset.loading).toBe("false");
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
  });

  it("accepting a suspect source's data calls the core with the source id, then reads the record again", async () => {
    const suspect = { ...adaView, sources: [{ ...sources[0], state: "suspect" as const, stale: true }, ...sources.slice(1)] };
    m.openPatient.mockResolvedValue(suspect);
    m.refreshPatient.mockResolvedValue(suspect);
    const c = await openAda();
    const calls = m.refreshPatient.mock.calls.length;
    click(q(c, "accept-suspect"));
    click(q(c, "accept-suspect-confirm"));
    await flush();
    expect(m.acceptSuspect).toHaveBeenCalledWith(ADA_NHS, "riverside");
    expect(m.refreshPatient.mock.calls.length).toBe(calls + 1);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
  });

  it("opens the patient named in the launch URL, cache first then sync", async () => {
    history.replaceState(null, "", "#nhs=9990000018");
    try {
      const c = mount(<App />);
      await flush();
      expect(m.openPatient).toHaveBeenCalledWith(ADA_NHS);
      expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function), false);
      expect(m.openPatient.mock.invocationCallOrder[0]).toBeLessThan(m.syncPatient.mock.invocationCallOrder[0]);
      expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");
      click(q(c, "tab-timeline"));
      expect(qa(c, "timeline-row").length).toBe(adaEvents.length);
    } finally {
      history.replaceState(null, "", "#");
    }
  });

  it("ignores an invalid NHS number in the launch URL", async () => {
    history.replaceState(null, "", "#nhs=9990000017");
    try {
      mount(<App />);
      await flush();
      expect(m.openPatient).not.toHaveBeenCalled();
    } finally {
      history.replaceState(null, "", "#");
    }
  });

  it("a narrative link '#nhs=…' changes neither the patient nor location.hash; the fragment is read once", async () => {
    history.replaceState(null, "", "#nhs=9990000018");
    try {
      const c = mount(<App />);
      await flush();
      click(q(c, "tab-timeline"));
      click(qa(c, "timeline-row")[0]);
      click(q(c, "open-discharge"));
      await flush();
      const link = byText(q(c, "discharge-narrative"), "a", "Other record");
      expect(link.getAttribute("href")).toBe("#nhs=9990000026");
      const ev = new MouseEvent("click", { bubbles: true, cancelable: true });
      act(() => {
        link.dispatchEvent(ev);
      });
      await flush();
      expect(ev.defaultPrevented).toBe(true);
      expect(location.hash).toBe("#nhs=9990000018");
      // Even if something did change the fragment, the app does not follow it.
      history.replaceState(null, "", "#nhs=9990000026");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
      await flush();
      expect(m.openPatient.mock.calls.every(([n]) => n === ADA_NHS)).toBe(true);
      expect(m.syncPatient.mock.calls.every(([n]) => n === ADA_NHS)).toBe(true);
      expect(q(c, "banner").textContent).toContain("999 000 0018");
    } finally {
      history.replaceState(null, "", "#");
    }
  });

  it("has no serious or critical axe violations on the summary, the timeline and the reader", async () => {
    const c = await openAda();
    const check = async (what: string) => {
      const results = await axe.run(c, { resultTypes: ["violations"] });
      expect(results.passes.length).toBeGreaterThan(10);
      if (process.env.AXE_DEBUG) console.log(what, results.violations.map((v) => `${v.impact} ${v.id} ${v.nodes.length}`));
      const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${what} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    };
    click(qa(c, "summary-flag")[0].querySelector('[data-testid="flag-show-entries"]') as HTMLElement);
    await check("summary");
    click(q(c, "tab-timeline"));
    click(qa(c, "timeline-row")[0]);
    await flush();
    await check("timeline");
    click(q(c, "open-discharge"));
    await flush();
    await check("reader");
  }, 30_000);
});
