import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Progress } from "../src/bindings";

vi.mock("../src/api", () => ({
  appInfo: vi.fn(),
  openPatient: vi.fn(),
  syncPatient: vi.fn(),
  findPatients: vi.fn(),
  resourceJson: vi.fn(),
  discharge: vi.fn(),
  listEndpoints: vi.fn(),
  saveEndpoints: vi.fn(),
  testEndpoint: vi.fn(),
  demoSetOnline: vi.fn(),
}));

vi.mock("../src/lib/pdf", () => ({ renderPdf: vi.fn() }));

import * as api from "../src/api";
import * as pdf from "../src/lib/pdf";
import { App } from "../src/App";
import { Banner } from "../src/components/Banner";
import { DetailPanel } from "../src/components/DetailPanel";
import { AttachmentView, DischargeReader, medicationDose } from "../src/components/DischargeReader";
import { Endpoints } from "../src/components/Endpoints";
import { Lookup } from "../src/components/Lookup";
import { OfflineBanner, SourcesPanel } from "../src/components/Sync";
import { Timeline } from "../src/components/Timeline";
import {
  ADA_NHS, adaBanner, adaEvents, adaView, connectionOk, dischargeView, endpoints, manyEvents, offlineView, rawComposition, sources,
} from "./fixtures/patient";
import { act } from "preact/test-utils";
import { cleanup, click, flush, key, mount, q, qa, type } from "./helpers";

const m = vi.mocked(api);
const NOW = new Date("2026-11-25T12:20:00Z");

beforeEach(() => {
  vi.clearAllMocks();
  m.appInfo.mockResolvedValue({ demo: true });
  m.openPatient.mockResolvedValue(adaView);
  m.syncPatient.mockResolvedValue({ nhs_number: ADA_NHS, endpoints: [] });
  m.resourceJson.mockResolvedValue(rawComposition);
  m.discharge.mockResolvedValue(dischargeView);
  m.listEndpoints.mockResolvedValue(endpoints);
  m.saveEndpoints.mockResolvedValue(null);
  m.testEndpoint.mockResolvedValue(connectionOk);
  delete (window as unknown as { __pwned?: unknown }).__pwned;
});
afterEach(cleanup);

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
});

describe("Banner", () => {
  it("renders the CUI format with labels and warnings", () => {
    const c = mount(<Banner banner={adaBanner} now={NOW} />);
    const b = q(c, "banner");
    expect(b.textContent).toContain("ASHWORTH, Ada");
    expect(b.textContent).toContain("Born02-Mar-1948 (78y)");
    expect(b.textContent).toContain("GenderFemale");
    expect(b.textContent).toContain("NHS No.999 000 0018");
    expect(b.textContent).not.toContain(":  ");
    expect(Array.from(b.querySelectorAll("dt")).map((d) => d.textContent)).toEqual(["Born", "Gender", "NHS No."]);
    expect(q(c, "banner-allergies").textContent).toContain("Penicillin (Meadow Lane Surgery)");
    expect(b.textContent).toContain(adaBanner.allergy_conflict!);
    expect(b.textContent).toContain(adaBanner.discrepancies[0]);
  });

  it("shows the three allergy states and Not known values", () => {
    const nka = mount(<Banner banner={{ ...adaBanner, allergies: { state: "no_known_allergies", sources: ["Meadow Lane Surgery"] } }} />);
    expect(q(nka, "banner-allergies").textContent).toContain("No known allergies");
    const nr = mount(
      <Banner banner={{ ...adaBanner, allergies: { state: "not_recorded" }, birth_date: null, gender: null, allergy_conflict: null, discrepancies: [] }} />,
    );
    expect(q(nr, "banner-allergies").textContent).toContain("Allergies not recorded");
    expect(q(nr, "banner").textContent).toContain("BornNot known");
    expect(q(nr, "banner").textContent).toContain("GenderNot known");
    expect(nr.querySelector(".warning-callout")).toBeNull();
  });
});

describe("Timeline", () => {
  it("virtualises 10,000 events: only a bounded number of rows are in the DOM", () => {
    const events = manyEvents(10000);
    const searchRef = { current: null as HTMLInputElement | null };
    const onOpen = vi.fn();
    const c = mount(<Timeline events={events} sources={sources} openKey={null} onOpen={onOpen} searchRef={searchRef} />);
    const rows = qa(c, "timeline-row");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0].dataset.kind).toBe(events[0].kind);
    expect(rows[0].dataset.source).toBe(events[0].source);
    expect(rows[0].dataset.resourceType).toBe(events[0].resource_type);
    expect(rows[0].dataset.resourceId).toBe("gen-0");
    expect(rows[0].textContent).toContain("ENTERED IN ERROR");
    expect(c.textContent).toContain("10,000 events");

    // Filtering by kind.
    click(q(c, "filter-kind-allergy"));
    expect(q(c, "filter-kind-allergy").getAttribute("aria-pressed")).toBe("true");
    expect(qa(c, "timeline-row").every((r) => r.dataset.kind === "allergy")).toBe(true);
    expect(c.textContent).toContain("Showing 1,667 of 10,000 events");

    // Search.
    type(q(c, "search-input") as HTMLInputElement, "gen-does-not-exist");
    expect(qa(c, "timeline-row").length).toBe(0);
  });

  it("supports keyboard selection and Enter to open", () => {
    const searchRef = { current: null as HTMLInputElement | null };
    const onOpen = vi.fn();
    const c = mount(<Timeline events={adaEvents} sources={sources} openKey={null} onOpen={onOpen} searchRef={searchRef} />);
    const list = q(c, "timeline");
    expect(list.getAttribute("role")).toBe("listbox");
    key(list, "ArrowDown");
    key(list, "ArrowDown");
    key(list, "ArrowUp");
    key(list, "ArrowDown");
    const active = list.getAttribute("aria-activedescendant");
    expect(active).toBeTruthy();
    expect(c.querySelector(`#${active}`)?.getAttribute("data-resource-id")).toBe("enc-7");
    key(list, "Enter");
    expect(onOpen).toHaveBeenCalledWith(adaEvents[1]);
    const eie = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "ms-2")!;
    expect(eie.textContent).toContain("ENTERED IN ERROR");
    expect(eie.textContent).toContain("GP");
  });
});

describe("Timeline date filters", () => {
  it("accepts NHS-style dates, filters on them and explains invalid input", () => {
    const searchRef = { current: null as HTMLInputElement | null };
    const c = mount(<Timeline events={adaEvents} sources={sources} openKey={null} onOpen={() => {}} searchRef={searchRef} />);
    const from = q(c, "date-from") as HTMLInputElement;
    const to = q(c, "date-to") as HTMLInputElement;
    expect(from.type).toBe("text");
    expect(c.textContent).toContain("e.g. 01-Jan-2024");
    expect(from.getAttribute("aria-describedby")).toContain("date-hint");

    type(from, "01-Oct-2026");
    expect(qa(c, "timeline-row").map((r) => r.dataset.resourceId)).toEqual(["dis-1", "enc-7", "ms-1"]);
    type(to, "2026-11-12");
    expect(qa(c, "timeline-row").map((r) => r.dataset.resourceId)).toEqual(["enc-7", "ms-1"]);
    type(to, "31/12/2025");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    expect(q(c, "date-error").textContent).toContain("The From date must be the same as or before the To date");

    // Invalid text: inline message on leaving the field, and the bound is not applied.
    type(to, "31-Feb-2026");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    expect(q(c, "date-error").textContent).toContain("To date: Enter a real date, e.g. 01-Jan-2024");
    expect(to.getAttribute("aria-invalid")).toBe("true");
    expect(to.getAttribute("aria-describedby")).toContain("to-error");
    expect(qa(c, "timeline-row").map((r) => r.dataset.resourceId)).toEqual(["dis-1", "enc-7", "ms-1"]);

    // A valid value clears the error and is echoed back in dd-Mmm-yyyy.
    type(to, "2026-11-12");
    act(() => {
      to.dispatchEvent(new Event("change", { bubbles: true }));
    });
    expect(c.querySelector('[data-testid="date-error"]')).toBeNull();
    expect(to.value).toBe("12-Nov-2026");

    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Clear filters")!);
    expect(from.value).toBe("");
    expect(qa(c, "timeline-row").length).toBe(adaEvents.length);
  });

  it("lays out each row with the title in its own flexible column", () => {
    const searchRef = { current: null as HTMLInputElement | null };
    const c = mount(<Timeline events={adaEvents} sources={sources} openKey={null} onOpen={() => {}} searchRef={searchRef} />);
    const row = qa(c, "timeline-row")[0];
    expect(row.querySelector(".row__title-text")?.textContent).toBe(adaEvents[0].title);
    expect(row.querySelector(".row__meta .badge--source")?.textContent).toContain("Riverside NHS Trust");
    expect(row.style.height).toBe("44px");
  });
});

describe("Sources and offline", () => {
  it("shows the offline banner with the data age", () => {
    const c = mount(<OfflineBanner oldest="2026-11-25T09:14:00Z" now={NOW} />);
    const b = q(c, "offline-banner");
    expect(b.textContent).toContain("Offline: no source could be reached.");
    expect(b.textContent).toContain("Showing cached data from 25-Nov-2026 09:14 (3 h old)");
  });

  it("lists sources with freshness and stale warnings", () => {
    const c = mount(<SourcesPanel sources={sources} now={new Date("2026-11-25T16:00:00Z")} />);
    const items = qa(c, "source-status");
    expect(items.map((i) => [i.dataset.source, i.dataset.stale])).toEqual([
      ["Riverside NHS Trust", "false"],
      ["Meadow Lane Surgery", "true"],
      ["Northshire Adult Social Care", "false"],
    ]);
    expect(items[0].textContent).toContain("Updated 25-Nov-2026 14:02");
    expect(items[0].textContent).toContain("OK");
    expect(items[0].textContent).toContain("15 resources");
    expect(items[1].textContent).toContain("Failed (EndpointUnreachable)");
    expect(items[1].textContent).toContain("Showing data as of 25-Nov-2026 09:14 (6 h old)");
    expect(items[1].querySelector(".source__error")?.textContent).toBe("Could not connect to gp.meadowlane.example.nhs.uk");
    expect(items[1].textContent).toContain("9 resources");
    expect(items[2].textContent).toContain("Social care");
    expect(items[2].textContent).toContain("1 resource");
    // Per-type counts (and zero counts) are not listed.
    expect(c.textContent).not.toContain("MedicationStatement:");
    const zero = mount(<SourcesPanel sources={[{ ...sources[0], counts: { Encounter: 0, Patient: 0 } }]} now={NOW} />);
    expect(q(zero, "source-status").textContent).not.toMatch(/\b0\b|resource/);
  });
});

describe("Detail panel", () => {
  it("loads the raw JSON lazily and shows it as text", async () => {
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents[0]} onReadDischarge={() => {}} />);
    const panel = q(c, "detail-panel");
    expect(panel.textContent).toContain("DISCHARGE");
    expect(panel.textContent).toContain("373942005");
    expect(panel.textContent).toContain("http://snomed.info/sct");
    expect(panel.textContent).toContain("Composition/dis-1");
    expect(panel.textContent).toContain("25-Nov-2026 14:02");
    expect(m.resourceJson).not.toHaveBeenCalled();
    const details = panel.querySelector("details")!;
    details.open = true;
    details.dispatchEvent(new Event("toggle"));
    await flush();
    expect(m.resourceJson).toHaveBeenCalledWith({ nhs: ADA_NHS, source: "Riverside NHS Trust", resourceType: "Composition", id: "dis-1" });
    const pre = q(c, "raw-json");
    expect(pre.tagName).toBe("PRE");
    expect(pre.textContent).toBe(rawComposition);
    expect(pre.querySelector("b")).toBeNull();
    expect(pre.querySelector("script")).toBeNull();
    expect(q(c, "open-discharge").textContent).toBe("Read discharge summary");
  });

  it("marks entered-in-error and hides discharge action for other kinds", () => {
    const c = mount(<DetailPanel nhs={ADA_NHS} event={adaEvents[3]} onReadDischarge={() => {}} />);
    expect(q(c, "detail-panel").textContent).toContain("entered in error");
    expect(c.querySelector('[data-testid="open-discharge"]')).toBeNull();
  });
});

describe("Discharge reader", () => {
  it("renders sections in order and never inserts or runs scripts", async () => {
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={() => {}} />);
    await flush();
    const r = q(c, "discharge-reader");
    const secs = qa(c, "discharge-section");
    expect(secs.map((s) => s.querySelector("h3,h4,h5")!.textContent)).toEqual(["Diagnoses", "Clinical narrative", "Follow-up"]);
    expect(secs[0].querySelector("b")?.textContent).toBe("right lower lobe");
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
  });

  it("lists each medication once, as name, dose and status", async () => {
    const med = {
      reference: "MedicationRequest/mr-2",
      title: "Amlodipine 5mg tablets",
      detail: "One tablet once a day · Intent order · Category Discharge",
      status: "active",
    };
    m.discharge.mockResolvedValueOnce({
      ...dischargeView,
      sections: [
        { title: "Medications", html: "<ul><li>Amlodipine 5mg tablets: one a day</li></ul>", entries: [med], sections: [] },
        { title: "Medicines (coded)", html: null, entries: [med], sections: [] },
      ],
      medications: [med],
    });
    const c = mount(<DischargeReader nhs={ADA_NHS} event={adaEvents[0]} onClose={() => {}} />);
    await flush();
    const items = qa(c, "discharge-medication");
    expect(items.length).toBe(1);
    expect(items[0].querySelector("strong")?.textContent).toBe("Amlodipine 5mg tablets");
    expect(items[0].textContent).toContain("One tablet once a day");
    expect(items[0].textContent).toContain("Status: active");
    expect(q(c, "discharge-reader").textContent).not.toContain("Intent order");
    expect(q(c, "discharge-reader").textContent).not.toContain("Category Discharge");
    // The section's own entry list does not repeat it.
    expect(qa(c, "discharge-section")[0].querySelectorAll(".entries li").length).toBe(0);
    expect(qa(c, "discharge-section")[1].textContent).toContain("See Medications on discharge below.");
  });

  it("extracts the dose text from a medication detail", () => {
    expect(medicationDose("One tablet once a day · Intent order · Category Discharge")).toBe("One tablet once a day");
    expect(medicationDose("Intent order")).toBeNull();
    expect(medicationDose(null)).toBeNull();
    expect(medicationDose("Two puffs; when required")).toBe("Two puffs; when required");
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

describe("Endpoints", () => {
  it("lists, tests, edits and saves endpoints; shows save errors inline", async () => {
    const c = mount(<Endpoints />);
    await flush();
    expect(qa(c, "endpoint-row").length).toBe(2);
    const testBtn = Array.from(qa(c, "endpoint-row")[0].querySelectorAll("button")).find((b) => b.textContent?.startsWith("Test connection"))!;
    click(testBtn);
    await flush();
    expect(c.textContent).toContain("HAPI FHIR Server 7.2.0");
    expect(c.textContent).toContain("Composition: not supported");

    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Add endpoint")!);
    expect(c.textContent).toContain("the token itself is never stored");
    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Add")!);
    expect(c.textContent).toContain("Enter a name");
    type(c.querySelector("#ep-name") as HTMLInputElement, "Hilltop Hospice");
    type(c.querySelector("#ep-url") as HTMLInputElement, "https://fhir.hilltop.example.org");
    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Add")!);
    expect(qa(c, "endpoint-row").length).toBe(3);

    m.saveEndpoints.mockRejectedValueOnce({ code: "ConfigInvalid", message: "base_url must use https" });
    click(Array.from(c.querySelectorAll("button")).find((b) => b.textContent === "Save endpoints")!);
    await flush();
    expect(m.saveEndpoints).toHaveBeenCalledWith([...endpoints, expect.objectContaining({ name: "Hilltop Hospice" })]);
    expect(c.textContent).toContain("base_url must use https");
    expect(c.textContent).toContain("(ConfigInvalid)");
  });
});

describe("App", () => {
  it("opens the cache first, syncs with progress, then refreshes", async () => {
    let emit: ((p: Progress) => void) | null = null;
    let finish: () => void = () => {};
    m.syncPatient.mockImplementation((_nhs, onProgress) => {
      emit = onProgress;
      return new Promise((res) => {
        finish = () => res({ nhs_number: ADA_NHS, endpoints: [] });
      });
    });
    m.openPatient.mockResolvedValueOnce(adaView).mockResolvedValueOnce(offlineView);
    const c = mount(<App />);
    await flush();
    type(q(c, "nhs-input") as HTMLInputElement, "9990000018");
    click(q(c, "nhs-submit"));
    await flush();
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
    expect(qa(c, "timeline-row").length).toBe(adaEvents.length);
    expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function));
    expect((q(c, "sync-button") as HTMLButtonElement).disabled).toBe(true);

    const { act } = await import("preact/test-utils");
    act(() => emit!({ event: "started", source: "Riverside NHS Trust" }));
    expect(q(c, "sync-progress").textContent).toContain("Connecting");
    act(() => emit!({ event: "page", source: "Riverside NHS Trust", resource_type: "Encounter", received: 40 }));
    expect(q(c, "sync-progress").textContent).toContain("Receiving… 40 resources");
    act(() =>
      emit!({
        event: "finished",
        outcome: {
          source: "Riverside NHS Trust", source_kind: "hospital", base_url: "https://x", outcome: "failed",
          error: { code: "EndpointTimeout", message: "timed out" }, started_at: "", finished_at: "", fhir_version: null,
          patients_found: 0, counts: {}, rejected: 0, warnings: [], bytes: 0,
        },
      }),
    );
    expect(q(c, "sync-progress").textContent).toContain("Failed (EndpointTimeout)");

    finish();
    await flush();
    expect(m.openPatient).toHaveBeenCalledTimes(2);
    expect(q(c, "offline-banner").textContent).toContain("Offline");
    expect(q(c, "sync-progress").textContent).toContain("Sync finished: 0 sources OK, 1 failed.");
    expect((q(c, "sync-button") as HTMLButtonElement).disabled).toBe(false);

    // Open a row → detail → discharge reader.
    click(qa(c, "timeline-row")[0]);
    expect(q(c, "detail-panel").textContent).toContain("Discharge summary: community-acquired pneumonia");
    click(q(c, "open-discharge"));
    await flush();
    expect(qa(c, "discharge-section").length).toBe(3);

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

  it("opens the patient named in the launch URL, cache first then sync", async () => {
    history.replaceState(null, "", "#nhs=9990000018");
    try {
      const c = mount(<App />);
      await flush();
      expect(m.openPatient).toHaveBeenCalledWith(ADA_NHS);
      expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function));
      expect(m.openPatient.mock.invocationCallOrder[0]).toBeLessThan(m.syncPatient.mock.invocationCallOrder[0]);
      expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");
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

  it("has no serious or critical axe violations on the main screen", async () => {
    const c = mount(<App />);
    await flush();
    type(q(c, "nhs-input") as HTMLInputElement, "9990000018");
    click(q(c, "nhs-submit"));
    await flush();
    click(qa(c, "timeline-row")[0]);
    await flush();
    const results = await axe.run(c, { resultTypes: ["violations"] });
    expect(results.passes.length).toBeGreaterThan(10);
    if (process.env.AXE_DEBUG) console.log(results.violations.map((v) => `${v.impact} ${v.id} ${v.nodes.length}`));
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  });
});
