// Information governance in the UI: the access basis prompt, restricted entries,
// consent notes, removing a record from this computer, the access log.
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuditEntry, PatientView, SourceStatus, TimelineEvent } from "../src/bindings";

// Every command, automocked (vi.fn() per export).
vi.mock("../src/api");

import { act } from "preact/test-utils";
import * as api from "../src/api";
import { App } from "../src/App";
import { BasisDialog } from "../src/components/BasisDialog";
import { withheldWords } from "../src/components/Consent";
import { DetailPanel } from "../src/components/DetailPanel";
import { ForgetDialog } from "../src/components/ForgetDialog";
import { Summary } from "../src/components/Summary";
import { SourcesPanel } from "../src/components/Sync";
import { Timeline } from "../src/components/Timeline";
import { ADA_NHS, adaEvents, adaSummary, adaView, coreOver, firstPage, MEADOW, RIVERSIDE, sources } from "./fixtures/patient";
import { cleanup, click, flush, key, mount, q, qa, type } from "./helpers";

const m = vi.mocked(api);
const noop = () => {};
const searchRef = () => ({ current: null as HTMLInputElement | null });

/** A restricted encounter at Riverside, as the core sends it masked and once revealed. */
const HANDLE = "r-7f3a9c";
const masked: TimelineEvent = {
  ...adaEvents[3],
  resource_id: HANDLE,
  title: "Restricted entry from Riverside NHS Trust",
  status: null,
  detail: null,
  codes: [],
  version_id: null,
  last_updated: null,
  date: "2026-10-02T10:00:00Z",
  date_display: "02-Oct-2026 10:00",
  restricted: { masked: true, labels: [], handle: HANDLE },
};
const revealed: TimelineEvent = {
  ...masked,
  resource_id: "enc-r1",
  title: "Sexual health clinic attendance",
  status: "finished",
  detail: "Genitourinary medicine clinic",
  restricted: { masked: false, labels: ["Very restricted"], handle: HANDLE },
};
const maskedEvents = [...adaEvents.slice(0, 3), masked, ...adaEvents.slice(3)];
const revealedEvents = [...adaEvents.slice(0, 3), revealed, ...adaEvents.slice(3)];
const maskedView: PatientView = {
  ...adaView,
  timeline: firstPage(maskedEvents),
  summary: { ...adaSummary, restricted: [masked] },
};
const revealedView: PatientView = {
  ...adaView,
  timeline: firstPage(revealedEvents),
  summary: { ...adaSummary, restricted: [] },
};
/** The timeline as the (mock) core has it now. */
let record: readonly TimelineEvent[] = adaEvents;

const consentSources: SourceStatus[] = [
  {
    ...sources[0],
    consent: [
      { consent: "Consent/c-1", applied: true, text: "No sharing of mental health encounters", withheld: { Encounter: 1, DocumentReference: 1 } },
    ],
  },
  { ...sources[1], consent: [{ consent: "Consent/c-9", applied: false, text: "Deny all except to Dr Smith", withheld: {} }] },
  sources[2],
];

beforeEach(() => {
  vi.clearAllMocks();
  record = adaEvents;
  const core = coreOver(() => record);
  m.timelinePage.mockImplementation(core.timelinePage);
  m.timelineEntries.mockImplementation(core.timelineEntries);
  m.appInfo.mockResolvedValue({ demo: false });
  m.openPatient.mockResolvedValue(adaView);
  m.refreshPatient.mockResolvedValue(adaView);
  m.basisFor.mockResolvedValue(null);
  m.declareBasis.mockResolvedValue(null);
  m.declareSearchBasis.mockResolvedValue(null);
  m.syncPatient.mockResolvedValue({ nhs_number: ADA_NHS, endpoints: [] });
  m.forgetPatient.mockResolvedValue(2);
  m.auditLog.mockResolvedValue([]);
});
afterEach(cleanup);

const esc = (el: Element) =>
  act(() => {
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
  });

/** Mount the app and submit Ada's NHS number (the prompt, if any, is left open). */
async function submitAda() {
  const c = mount(<App />);
  await flush();
  type(q(c, "nhs-input") as HTMLInputElement, "9990000018");
  click(q(c, "nhs-submit"));
  await flush();
  return c;
}

/** Answer the prompt on screen. */
async function answer(basis: "direct-care" | "permission" | "emergency", reason = "") {
  const d = q(document.body, "basis-dialog");
  click(q(d, `basis-${basis}`));
  if (reason) type(q(d, "basis-reason") as HTMLInputElement, reason);
  click(q(d, "basis-continue"));
  await flush();
}

describe("Access basis prompt", () => {
  it("is a labelled modal dialog naming the patient, with the three bases in order and focus inside", async () => {
    const c = mount(<BasisDialog request={{ kind: "patient", nhs: ADA_NHS, name: "ASHWORTH, Ada" }} onDeclared={noop} onCancel={noop} />);
    await flush();
    const d = q(c, "basis-dialog");
    expect(d.getAttribute("role")).toBe("dialog");
    expect(d.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(d.getAttribute("aria-labelledby")!)!.textContent).toBe("Why are you opening this record?");
    expect(q(d, "basis-patient").textContent).toBe("ASHWORTH, Ada, NHS No. 999 000 0018");
    const radios = Array.from(d.querySelectorAll<HTMLInputElement>('input[type="radio"]'));
    expect(radios.map((r) => [r.id, r.dataset.testid, d.querySelector(`label[for="${r.id}"]`)!.textContent])).toEqual([
      ["basis-direct-care", "basis-direct-care", "Direct care"],
      ["basis-permission", "basis-permission", "Patient's permission"],
      ["basis-emergency", "basis-emergency", "Emergency access"],
    ]);
    // Nothing is chosen for the person.
    expect(radios.some((r) => r.checked)).toBe(false);
    expect(d.textContent).toContain("Your reason is recorded in the access log");
    expect(document.activeElement).toBe(q(d, "basis-direct-care"));
    const results = await axe.run(c, { resultTypes: ["violations"] });
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  });

  it("emergency access requires a reason; nothing is declared until one is given", async () => {
    const onDeclared = vi.fn();
    const c = mount(<BasisDialog request={{ kind: "patient", nhs: ADA_NHS }} onDeclared={onDeclared} onCancel={noop} />);
    await flush();
    // No choice made: said, and nothing sent.
    click(q(c, "basis-continue"));
    expect(c.textContent).toContain("Choose why you are opening this record");
    expect(m.declareBasis).not.toHaveBeenCalled();
    click(q(c, "basis-emergency"));
    type(q(c, "basis-reason") as HTMLInputElement, "   ");
    click(q(c, "basis-continue"));
    await flush();
    const reason = q(c, "basis-reason");
    expect(c.textContent).toContain("Enter a reason for emergency access");
    expect(reason.getAttribute("aria-invalid")).toBe("true");
    expect(reason.getAttribute("aria-required")).toBe("true");
    expect(reason.getAttribute("aria-describedby")).toContain("basis-reason-error");
    expect(document.activeElement).toBe(reason);
    expect(m.declareBasis).not.toHaveBeenCalled();
    type(reason as HTMLInputElement, " Collapsed in the waiting room ");
    click(q(c, "basis-continue"));
    await flush();
    expect(m.declareBasis).toHaveBeenCalledWith(ADA_NHS, "emergency", "Collapsed in the waiting room");
    expect(onDeclared).toHaveBeenCalledWith({ basis: "emergency", reason: "Collapsed in the waiting room" });
  });

  it("Continue declares the chosen basis (a blank reason is none); an error from the core stays in the dialog", async () => {
    const onDeclared = vi.fn();
    m.declareBasis.mockRejectedValueOnce({ code: "AuditUnavailable", message: "audit log: disk full" });
    const c = mount(<BasisDialog request={{ kind: "patient", nhs: ADA_NHS }} onDeclared={onDeclared} onCancel={noop} />);
    await flush();
    click(q(c, "basis-direct-care"));
    type(q(c, "basis-reason") as HTMLInputElement, "  ");
    click(q(c, "basis-continue"));
    await flush();
    expect(m.declareBasis).toHaveBeenCalledWith(ADA_NHS, "direct-care", null);
    expect(onDeclared).not.toHaveBeenCalled();
    expect(q(c, "error").dataset.code).toBe("AuditUnavailable");
    expect(q(c, "basis-dialog")).toBeTruthy();
    click(q(c, "basis-continue"));
    await flush();
    expect(onDeclared).toHaveBeenCalledWith({ basis: "direct-care", reason: null });
  });

  it("for a search: worded for searching, no NHS number, declares the search basis", async () => {
    const onDeclared = vi.fn();
    const c = mount(<BasisDialog request={{ kind: "search" }} onDeclared={onDeclared} onCancel={noop} />);
    await flush();
    expect(q(c, "basis-dialog").querySelector("h2")!.textContent).toBe("Why are you searching for a patient?");
    expect(c.textContent).not.toContain("NHS No.");
    click(q(c, "basis-direct-care"));
    click(q(c, "basis-continue"));
    await flush();
    expect(m.declareSearchBasis).toHaveBeenCalledWith("direct-care", null);
    expect(m.declareBasis).not.toHaveBeenCalled();
  });

  it("Esc and Cancel cancel without declaring; Tab stays inside the dialog", async () => {
    const onCancel = vi.fn();
    const c = mount(<BasisDialog request={{ kind: "patient", nhs: ADA_NHS }} onDeclared={noop} onCancel={onCancel} />);
    await flush();
    const d = q(c, "basis-dialog");
    // Tab from the last control goes back to the first, and Shift+Tab the other way.
    q(d, "basis-cancel").focus();
    key(q(d, "basis-cancel"), "Tab");
    expect(document.activeElement).toBe(q(d, "basis-direct-care"));
    act(() => {
      q(d, "basis-direct-care").dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", shiftKey: true, bubbles: true, cancelable: true }));
    });
    expect(document.activeElement).toBe(q(d, "basis-cancel"));
    esc(q(d, "basis-reason"));
    expect(onCancel).toHaveBeenCalledTimes(1);
    click(q(d, "basis-cancel"));
    expect(onCancel).toHaveBeenCalledTimes(2);
    expect(m.declareBasis).not.toHaveBeenCalled();
  });
});

describe("Opening a patient", () => {
  it("asks for the basis, declares it, opens once, then every later read is a refresh", async () => {
    let emit: ((p: Parameters<Parameters<typeof api.syncPatient>[1]>[0]) => void) | null = null;
    let finish: () => void = () => {};
    m.syncPatient.mockImplementation((_nhs, onProgress) => {
      emit = onProgress;
      return new Promise((res) => (finish = () => res({ nhs_number: ADA_NHS, endpoints: [] })));
    });
    const c = await submitAda();
    expect(m.basisFor).toHaveBeenCalledWith(ADA_NHS);
    const d = q(c, "basis-dialog");
    expect(q(d, "basis-patient").textContent).toBe("NHS No. 999 000 0018");
    // The page behind the dialog cannot be reached.
    expect(c.querySelector("header")!.hasAttribute("inert")).toBe(true);
    expect(c.querySelector("main")!.hasAttribute("inert")).toBe(true);
    expect(m.openPatient).not.toHaveBeenCalled();
    expect(m.syncPatient).not.toHaveBeenCalled();

    await answer("direct-care", "Ward round");
    expect(m.declareBasis).toHaveBeenCalledWith(ADA_NHS, "direct-care", "Ward round");
    expect(c.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(c.querySelector("main")!.hasAttribute("inert")).toBe(false);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(m.declareBasis.mock.invocationCallOrder[0]).toBeLessThan(m.openPatient.mock.invocationCallOrder[0]);
    expect(m.openPatient.mock.invocationCallOrder[0]).toBeLessThan(m.syncPatient.mock.invocationCallOrder[0]);
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");

    // A source finishes: a refresh, not another open.
    act(() =>
      emit!({
        event: "finished",
        outcome: {
          source: RIVERSIDE.source, source_id: "riverside", source_kind: "hospital", base_url: "https://x", outcome: "ok", error: null,
          started_at: "", finished_at: "", fhir_version: "R4", patients_found: 1, counts: {}, rejected: 0, warnings: [], bytes: 0, fetch: "full", fetch_note: "",
        },
      }),
    );
    await flush();
    finish();
    await flush();
    expect(m.refreshPatient).toHaveBeenCalledTimes(2);
    // Sync now: refreshes again; still one open.
    click(q(c, "sync-button"));
    finish();
    await flush();
    expect(m.refreshPatient).toHaveBeenCalledTimes(3);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(m.declareBasis).toHaveBeenCalledTimes(1);
  });

  it("does not ask again when a basis is already stated for the patient (e.g. at launch)", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    const c = await submitAda();
    expect(c.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(m.declareBasis).not.toHaveBeenCalled();
    expect(m.openPatient).toHaveBeenCalledTimes(1);
  });

  it("Esc on the prompt opens nothing and returns to the lookup", async () => {
    const c = await submitAda();
    esc(q(c, "basis-reason"));
    await flush();
    expect(c.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(m.declareBasis).not.toHaveBeenCalled();
    expect(m.openPatient).not.toHaveBeenCalled();
    expect(m.syncPatient).not.toHaveBeenCalled();
    expect(c.querySelector('[data-testid="banner"]')).toBeNull();
    expect(q(c, "nhs-input").closest("header")).toBeNull();
    expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");
    expect(document.activeElement).toBe(q(c, "nhs-input"));
  });

  it("Cancel keeps the patient already open", async () => {
    m.basisFor.mockResolvedValueOnce({ basis: "direct-care", reason: null });
    const c = await submitAda();
    type(q(c, "nhs-input") as HTMLInputElement, "9990000026");
    click(q(c, "nhs-submit"));
    await flush();
    click(q(c, "basis-cancel"));
    await flush();
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
  });

  it("asks again and retries when a call is refused with AccessBasisRequired", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.openPatient.mockRejectedValueOnce({ code: "AccessBasisRequired", message: "state the basis" }).mockResolvedValue(adaView);
    const c = await submitAda();
    expect(q(c, "basis-dialog")).toBeTruthy();
    await answer("permission");
    expect(m.declareBasis).toHaveBeenCalledWith(ADA_NHS, "permission", null);
    expect(m.openPatient).toHaveBeenCalledTimes(2);
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
    expect(c.querySelector('[data-testid="error"]')).toBeNull();
  });

  it("opens the launch patient only after the prompt", async () => {
    history.replaceState(null, "", "#nhs=9990000018");
    try {
      const c = mount(<App />);
      await flush();
      expect(q(c, "basis-dialog")).toBeTruthy();
      expect(m.openPatient).not.toHaveBeenCalled();
      await answer("direct-care");
      expect(m.openPatient).toHaveBeenCalledTimes(1);
      expect(m.syncPatient).toHaveBeenCalledTimes(1);
    } finally {
      history.replaceState(null, "", "#");
    }
  });
});

describe("Restricted entries", () => {
  it("a masked row shows only kind, date, source, its title and a Restricted badge", () => {
    const c = mount(<Timeline nhs={ADA_NHS} first={firstPage([masked, revealed, adaEvents[0]])} sources={sources} openKey={null} onOpen={noop} searchRef={searchRef()} />);
    const rows = qa(c, "timeline-row");
    expect(rows.map((r) => r.dataset.restricted)).toEqual(["masked", "revealed", undefined]);
    const row = rows[0];
    expect(row.dataset.resourceId).toBe(HANDLE);
    expect(row.querySelector(".row__title-text")!.textContent).toBe("Restricted entry from Riverside NHS Trust");
    expect(row.querySelector('[data-testid="restricted-badge"]')!.textContent).toBe("Restricted");
    expect(row.textContent).toContain("02-Oct-2026 10:00");
    expect(row.textContent).toContain("ENCOUNTER");
    expect(row.textContent).toContain("Riverside NHS Trust");
    expect(rows[1].querySelector('[data-testid="restricted-badge"]')!.textContent).toBe("Restricted: Very restricted");
    expect(rows[2].querySelector('[data-testid="restricted-badge"]')).toBeNull();
  });

  it("the detail panel of a masked entry offers only the reveal form: no original resource, no document", async () => {
    const onReveal = vi.fn().mockResolvedValue(undefined);
    const doc: TimelineEvent = { ...masked, kind: "discharge", resource_type: "Composition" };
    const c = mount(<DetailPanel nhs={ADA_NHS} event={doc} onReadDischarge={noop} onReveal={onReveal} />);
    const panel = q(c, "detail-panel");
    expect(panel.dataset.restricted).toBe("masked");
    expect(panel.textContent).toContain(
      "This entry is restricted by Riverside NHS Trust. To see it, give a reason; the reason is recorded in the access log.",
    );
    expect(panel.querySelector("details.raw")).toBeNull();
    expect(c.querySelector('[data-testid="open-discharge"]')).toBeNull();
    const button = q(c, "reveal-confirm") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    type(q(c, "reveal-reason") as HTMLInputElement, "   ");
    expect(button.disabled).toBe(true);
    type(q(c, "reveal-reason") as HTMLInputElement, " Needed for the referral ");
    expect(button.disabled).toBe(false);
    click(button);
    await flush();
    expect(onReveal).toHaveBeenCalledWith(doc, "Needed for the referral");
    expect(m.resourceJson).not.toHaveBeenCalled();
  });

  it("reveals with a reason, then refreshes, keeping the same entry open with its content", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.openPatient.mockResolvedValue(maskedView);
    m.refreshPatient.mockResolvedValue(maskedView);
    record = maskedEvents;
    m.reveal.mockResolvedValue(revealed);
    const c = await submitAda();
    click(q(c, "tab-timeline"));
    click(qa(c, "timeline-row").find((r) => r.dataset.restricted === "masked")!);
    expect(q(c, "detail-panel").dataset.restricted).toBe("masked");
    m.refreshPatient.mockResolvedValue(revealedView);
    record = revealedEvents;
    const refreshesBefore = m.refreshPatient.mock.calls.length;
    type(q(c, "reveal-reason") as HTMLInputElement, "Needed for the referral");
    click(q(c, "reveal-confirm"));
    await flush();
    expect(m.reveal).toHaveBeenCalledWith({ nhs: ADA_NHS, source: "riverside", resourceType: "Encounter", entry: HANDLE, reason: "Needed for the referral" });
    expect(m.refreshPatient.mock.calls.length).toBe(refreshesBefore + 1);
    expect(m.reveal.mock.invocationCallOrder[0]).toBeLessThan(m.refreshPatient.mock.invocationCallOrder[refreshesBefore]);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    const panel = q(c, "detail-panel");
    expect(panel.dataset.restricted).toBeUndefined();
    expect(panel.dataset.key).toBe("riverside|Encounter/enc-r1");
    expect(panel.querySelector("h2")!.textContent).toBe("Sexual health clinic attendance");
    expect(panel.textContent).toContain("Genitourinary medicine clinic");
    expect(q(c, "detail-revealed").textContent).toContain("Very restricted");
    expect(document.activeElement).toBe(panel.querySelector("#detail-h"));
    const row = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "enc-r1")!;
    expect(row.dataset.restricted).toBe("revealed");
    expect(row.classList.contains("row--open")).toBe(true);
  });

  it("a revealed entry shows on its row at once, before the record is read again", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.openPatient.mockResolvedValue(maskedView);
    m.refreshPatient.mockResolvedValue(maskedView);
    record = maskedEvents;
    m.reveal.mockResolvedValue(revealed);
    const c = await submitAda();
    click(q(c, "tab-timeline"));
    click(qa(c, "timeline-row").find((r) => r.dataset.restricted === "masked")!);
    // The read after the reveal has not answered yet.
    m.refreshPatient.mockReturnValue(new Promise(() => {}));
    type(q(c, "reveal-reason") as HTMLInputElement, "Needed for the referral");
    click(q(c, "reveal-confirm"));
    await flush();
    const row = qa(c, "timeline-row").find((r) => r.dataset.resourceId === "enc-r1")!;
    expect(row.dataset.restricted).toBe("revealed");
    expect(row.textContent).toContain("Sexual health clinic attendance");
    expect(row.classList.contains("row--open")).toBe(true);
    expect(qa(c, "timeline-row").some((r) => r.dataset.restricted === "masked")).toBe(false);
  });

  it("a search never finds a masked entry (the core does not search what it says)", async () => {
    const c = mount(<Timeline nhs={ADA_NHS} first={firstPage(maskedEvents)} sources={sources} openKey={null} onOpen={noop} searchRef={searchRef()} />);
    record = maskedEvents;
    type(q(c, "search-input") as HTMLInputElement, "restricted");
    await act(() => new Promise((r) => setTimeout(r, 200)));
    await flush();
    expect(m.timelinePage).toHaveBeenLastCalledWith(ADA_NHS, { kinds: [], sources: [], text: "restricted", from: null, to: null }, 0, 200);
    expect(qa(c, "timeline-row")).toEqual([]);
    expect(q(c, "timeline-empty").textContent).toBe("No events match the filters.");
  });

  it("a refused reveal is said in the panel, and the entry stays masked", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.openPatient.mockResolvedValue(maskedView);
    m.refreshPatient.mockResolvedValue(maskedView);
    record = maskedEvents;
    m.reveal.mockRejectedValue({ code: "AuditUnavailable", message: "disk full" });
    const c = await submitAda();
    click(q(c, "tab-timeline"));
    click(qa(c, "timeline-row").find((r) => r.dataset.restricted === "masked")!);
    type(q(c, "reveal-reason") as HTMLInputElement, "Needed");
    click(q(c, "reveal-confirm"));
    await flush();
    expect(q(c, "detail-panel").dataset.restricted).toBe("masked");
    expect(q(q(c, "detail-panel"), "error").dataset.code).toBe("AuditUnavailable");
  });

  it("the summary lists the entries left out, each one click from its reveal form", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.openPatient.mockResolvedValue(maskedView);
    m.refreshPatient.mockResolvedValue(maskedView);
    record = maskedEvents;
    const c = await submitAda();
    const block = q(c, "summary-restricted");
    expect(block.querySelector("h2")!.textContent).toBe("Restricted entries not included (1)");
    const entry = q(block, "summary-restricted-entry");
    expect(entry.textContent).toContain("ENCOUNTER");
    expect(entry.textContent).toContain("02-Oct-2026 10:00");
    expect(entry.textContent).toContain("Riverside NHS Trust");
    expect(entry.textContent).toContain("Restricted");
    click(q(entry, "summary-restricted-open"));
    await flush();
    expect(q(c, "tab-timeline").getAttribute("aria-selected")).toBe("true");
    expect(q(c, "detail-panel").dataset.restricted).toBe("masked");
    expect(q(c, "reveal-confirm")).toBeTruthy();
    // Taken from the summary, masked: a masked entry is never looked up by its handle.
    expect(m.timelineEntries).not.toHaveBeenCalled();
    // Nothing restricted: no section.
    const plain = mount(<Summary summary={adaSummary} onOpenRef={noop} />);
    expect(plain.querySelector('[data-testid="summary-restricted"]')).toBeNull();
  });
});

describe("Consent notes", () => {
  it("are shown at the top of the summary: applied with what was withheld, or a warning when not applied", () => {
    const c = mount(<Summary summary={{ ...adaSummary, sources: consentSources }} onOpenRef={noop} />);
    const notes = qa(c, "consent-note");
    expect(notes.map((n) => [n.dataset.applied, n.textContent])).toEqual([
      ["true", "Consent restriction at Riverside NHS Trust: No sharing of mental health encounters (withheld, not kept: 1 Encounter, 1 DocumentReference)"],
      ["false", "Warning: Consent at Meadow Lane Surgery could not be applied: Deny all except to Dr Smith"],
    ]);
    // Before the warnings across sources.
    const flags = c.querySelector("#flags-h")!;
    expect(notes[0].compareDocumentPosition(flags) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(withheldWords({ Encounter: 0, Condition: 3 })).toBe("3 Condition");
  });

  it("are shown with their source in the sources panel", () => {
    const c = mount(<SourcesPanel sources={consentSources} />);
    const items = qa(c, "source-status");
    expect(items[0].querySelector('[data-testid="consent-note"]')!.textContent).toContain("Consent restriction at Riverside NHS Trust");
    expect(items[1].querySelector('[data-testid="consent-note"]')!.textContent).toContain(
      `Consent at ${MEADOW.source} could not be applied: Deny all except to Dr Smith`,
    );
    expect(items[2].querySelector('[data-testid="consent-note"]')).toBeNull();
  });
});

describe("Remove from this computer", () => {
  it("the dialog explains what is removed and what is kept; Cancel and Esc remove nothing", async () => {
    const onConfirm = vi.fn().mockResolvedValue(undefined);
    const onCancel = vi.fn();
    const c = mount(<ForgetDialog nhs={ADA_NHS} name="ASHWORTH, Ada" onConfirm={onConfirm} onCancel={onCancel} />);
    await flush();
    const d = q(c, "forget-dialog");
    expect(d.getAttribute("role")).toBe("dialog");
    expect(d.getAttribute("aria-modal")).toBe("true");
    expect(d.textContent).toContain("removes everything saved on this computer for NHS No. 999 000 0018 (ASHWORTH, Ada)");
    expect(d.textContent).toContain("The access log keeps a record that it was removed.");
    expect(d.textContent).toContain("can be fetched again");
    // The safe choice has the focus.
    expect(document.activeElement).toBe(q(d, "forget-cancel"));
    esc(d);
    click(q(d, "forget-cancel"));
    expect(onCancel).toHaveBeenCalledTimes(2);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("removes the record, returns to the lookup with a status message, and asks again on the next open", async () => {
    m.basisFor.mockResolvedValueOnce({ basis: "direct-care", reason: null });
    const c = await submitAda();
    const button = q(c, "forget-patient");
    expect(button.textContent).toBe("Remove from this computer");
    click(button);
    await flush();
    expect(q(c, "forget-dialog")).toBeTruthy();
    click(q(c, "forget-cancel"));
    await flush();
    expect(c.querySelector('[data-testid="forget-dialog"]')).toBeNull();
    expect(document.activeElement).toBe(q(c, "forget-patient"));
    click(q(c, "forget-patient"));
    await flush();
    click(q(c, "forget-confirm"));
    await flush();
    expect(m.forgetPatient).toHaveBeenCalledWith(ADA_NHS);
    expect(c.querySelector('[data-testid="forget-dialog"]')).toBeNull();
    expect(c.querySelector('[data-testid="banner"]')).toBeNull();
    const input = q(c, "nhs-input") as HTMLInputElement;
    expect(input.closest("header")).toBeNull();
    expect(input.value).toBe("");
    expect(document.activeElement).toBe(input);
    const status = q(c, "record-notice");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toBe("Removed NHS No. 999 000 0018 from this computer.");
    // The core forgot the basis too: opening again asks again.
    type(input, "9990000018");
    click(q(c, "nhs-submit"));
    await flush();
    expect(q(c, "basis-dialog")).toBeTruthy();
    expect(q(c, "record-notice").textContent).toBe("");
  });

  it("a failure is shown in the dialog and the record stays open", async () => {
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    m.forgetPatient.mockRejectedValueOnce({ code: "CacheLocked", message: "locked" });
    const c = await submitAda();
    click(q(c, "forget-patient"));
    await flush();
    click(q(c, "forget-confirm"));
    await flush();
    expect(q(q(c, "forget-dialog"), "error").dataset.code).toBe("CacheLocked");
    expect(q(c, "banner")).toBeTruthy();
  });
});

describe("Access log", () => {
  it("lists this patient's entries in a table; Esc closes it and focus returns", async () => {
    const entry = (p: Partial<AuditEntry>): AuditEntry => ({
      seq: 1, at: "2026-11-25T09:14:00Z", os_user: "jsmith", uid: 1000, clinician_id: null, action: "open", nhs_number: ADA_NHS, query: null,
      sources: [], basis: "direct-care", reason: null, outcome: "ok", detail: null, prev_hash: "", hash: "", ...p,
    });
    m.auditLog.mockResolvedValue([
      entry({}),
      entry({ seq: 2, at: "2026-11-25T10:02:00Z", action: "reveal", basis: "emergency", reason: "Collapsed", clinician_id: "C1234567", detail: "revealed Encounter/enc-r1; reason: referral" }),
    ]);
    m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
    const c = await submitAda();
    click(q(c, "access-log-button"));
    await flush();
    expect(m.auditLog).toHaveBeenCalledWith(ADA_NHS);
    const log = q(c, "access-log");
    expect(log.getAttribute("role")).toBe("dialog");
    expect(Array.from(log.querySelectorAll("th")).map((t) => t.textContent)).toEqual(["Time", "Action", "User", "Basis", "Outcome", "Reason", "Detail"]);
    const rows = qa(log, "access-log-entry").map((r) => Array.from(r.querySelectorAll("td")).map((td) => td.textContent));
    expect(rows).toEqual([
      ["25-Nov-2026 09:14", "Opened the record", "jsmith", "Direct care", "OK", "", ""],
      ["25-Nov-2026 10:02", "Revealed a restricted entry", "jsmith (C1234567)", "Emergency access", "OK", "Collapsed", "revealed Encounter/enc-r1; reason: referral"],
    ]);
    esc(log);
    await flush();
    expect(c.querySelector('[data-testid="access-log"]')).toBeNull();
    expect(document.activeElement).toBe(q(c, "access-log-button"));
  });
});
