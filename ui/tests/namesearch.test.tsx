import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSearch } from "../src/bindings";

// Every command, automocked (vi.fn() per export).
vi.mock("../src/api");

import * as api from "../src/api";
import { App } from "../src/App";
import { Lookup } from "../src/components/Lookup";
import { ADA_NHS, adaEvents, adaView } from "./fixtures/patient";
import { cleanup, click, flush, mount, q, qa, type } from "./helpers";

const m = vi.mocked(api);

const twoMatches: PatientSearch = {
  matches: [
    { nhs_number: ADA_NHS, family: "Ashworth", given: "Ada", birth_date: "1948-03-02", gender: "female", sources: ["Meadow Lane Surgery", "Riverside NHS Trust"] },
    { nhs_number: "9990000026", family: "Ashworth", given: null, birth_date: "1948-03-02", gender: null, sources: ["Riverside NHS Trust"] },
  ],
  failures: [],
};

beforeEach(() => {
  vi.clearAllMocks();
  m.appInfo.mockResolvedValue({ demo: false });
  m.openPatient.mockResolvedValue(adaView);
  m.refreshPatient.mockResolvedValue(adaView);
  // A basis is already stated for the patient (the prompt has its own tests).
  m.basisFor.mockResolvedValue({ basis: "direct-care", reason: null });
  m.declareBasis.mockResolvedValue(null);
  m.declareSearchBasis.mockResolvedValue(null);
  m.forgetPatient.mockResolvedValue(1);
  m.auditLog.mockResolvedValue([]);
  m.syncPatient.mockResolvedValue({ nhs_number: ADA_NHS, endpoints: [] });
  m.findPatients.mockResolvedValue(twoMatches);
});
afterEach(cleanup);

function search(c: HTMLElement, family: string, dob: string) {
  type(q(c, "family-input") as HTMLInputElement, family);
  type(q(c, "dob-input") as HTMLInputElement, dob);
  click(q(c, "name-search-submit"));
}

describe("Search by name and date of birth", () => {
  it("is a collapsed disclosure that expands on request", () => {
    const c = mount(<Lookup demo={false} busy={false} onOpen={vi.fn()} />);
    const toggle = q(c, "name-search-toggle");
    expect(toggle.textContent).toBe("Search by name and date of birth");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(q(c, "family-input").closest("[hidden]")).not.toBeNull();
    click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(q(c, "family-input").closest("[hidden]")).toBeNull();
    expect(c.querySelector('label[for="dob-input"]')!.textContent).toBe("Date of birth");
    expect(c.querySelector('label[for="family-input"]')!.textContent).toBe("Family name");
    expect(c.textContent).toContain("e.g. 14-Jul-1945");
  });

  it("shows validation messages for a bad date or missing family name and does not search", () => {
    const c = mount(<Lookup demo={false} busy={false} onOpen={vi.fn()} />);
    click(q(c, "name-search-toggle"));
    search(c, "Ashworth", "31/02/1948");
    expect(q(c, "dob-error").textContent).toContain("Enter a real date, e.g. 14-Jul-1945");
    expect(q(c, "dob-input").getAttribute("aria-invalid")).toBe("true");
    expect(q(c, "dob-input").getAttribute("aria-describedby")).toBe("dob-hint dob-error");
    search(c, "Ashworth", "02-Mar-48");
    expect(q(c, "dob-error").textContent).toContain("Enter the year with 4 digits");
    search(c, "  ", "02-Mar-1948");
    expect(q(c, "family-error").textContent).toContain("Enter a family name");
    expect(c.querySelector('[data-testid="dob-error"]')).toBeNull();
    expect(m.findPatients).not.toHaveBeenCalled();
  });

  it("accepts each date form and sends the ISO date", async () => {
    const c = mount(<Lookup demo={false} busy={false} onOpen={vi.fn()} />);
    click(q(c, "name-search-toggle"));
    for (const dob of ["02-Mar-1948", "2/3/1948", "1948-03-02"]) {
      search(c, " Ashworth ", dob);
      await flush();
    }
    expect(m.findPatients.mock.calls).toEqual([
      ["Ashworth", "1948-03-02"],
      ["Ashworth", "1948-03-02"],
      ["Ashworth", "1948-03-02"],
    ]);
  });

  it("lists matches in CUI format; choosing one opens the patient cache first, then sync", async () => {
    // No basis stated for the patient yet: the search's is used, without asking again.
    m.basisFor.mockResolvedValue(null);
    const c = mount(<App />);
    await flush();
    click(q(c, "name-search-toggle"));
    search(c, "ashworth", "02-Mar-1948");
    await flush();
    // The first search in the session asks why, worded for searching (no NHS number).
    const dialog = q(document.body, "basis-dialog");
    expect(dialog.querySelector("h2")!.textContent).toBe("Why are you searching for a patient?");
    expect(dialog.querySelector('[data-testid="basis-patient"]')).toBeNull();
    expect(m.findPatients).not.toHaveBeenCalled();
    click(q(dialog, "basis-permission"));
    type(q(dialog, "basis-reason") as HTMLInputElement, "  Asked by the patient at reception ");
    click(q(dialog, "basis-continue"));
    await flush();
    expect(m.declareSearchBasis).toHaveBeenCalledWith("permission", "Asked by the patient at reception");
    expect(document.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(m.findPatients).toHaveBeenCalledTimes(1);
    // Not asked again for the next search.
    search(c, "ashworth", "02-Mar-1948");
    await flush();
    expect(document.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(m.findPatients).toHaveBeenCalledTimes(2);
    expect(m.declareSearchBasis).toHaveBeenCalledTimes(1);
    const rows = qa(c, "name-search-result");
    expect(rows.length).toBe(2);
    expect(rows.every((r) => r.tagName === "BUTTON")).toBe(true);
    expect(rows[0].textContent).toBe(
      "ASHWORTH, Ada Born 02-Mar-1948 Gender Female NHS No. 999 000 0018 (sources: Meadow Lane Surgery, Riverside NHS Trust)",
    );
    expect(rows[1].textContent).toBe("ASHWORTH Born 02-Mar-1948 Gender Not known NHS No. 999 000 0026 (sources: Riverside NHS Trust)");
    expect(c.querySelector('[role="status"].name-search__status')!.textContent).toBe("2 patients found");
    expect(c.querySelector('[data-testid="name-search-empty"]')).toBeNull();
    expect(qa(c, "name-search-failure").length).toBe(0);

    const results = await axe.run(c, { resultTypes: ["violations"] });
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => v.id)).toEqual([]);

    click(rows[0]);
    await flush();
    expect(document.querySelector('[data-testid="basis-dialog"]')).toBeNull();
    expect(m.basisFor).toHaveBeenCalledWith(ADA_NHS);
    expect(m.declareBasis).toHaveBeenCalledWith(ADA_NHS, "permission", "Asked by the patient at reception");
    expect(m.declareBasis.mock.invocationCallOrder[0]).toBeLessThan(m.openPatient.mock.invocationCallOrder[0]);
    expect(m.openPatient).toHaveBeenCalledTimes(1);
    expect(m.openPatient).toHaveBeenCalledWith(ADA_NHS);
    expect(m.syncPatient).toHaveBeenCalledWith(ADA_NHS, expect.any(Function), false);
    expect(m.openPatient.mock.invocationCallOrder[0]).toBeLessThan(m.syncPatient.mock.invocationCallOrder[0]);
    expect((q(c, "nhs-input") as HTMLInputElement).value).toBe("999 000 0018");
    expect(q(c, "name-search-toggle").getAttribute("aria-expanded")).toBe("false");
    expect(q(c, "banner").textContent).toContain("ASHWORTH, Ada");
    click(q(c, "tab-timeline"));
    expect(qa(c, "timeline-row").length).toBe(adaEvents.length);
  });

  it("lists each failing source as a warning and still shows the other sources' matches", async () => {
    m.findPatients.mockResolvedValue({
      matches: [twoMatches.matches[0]],
      failures: [
        ["Northgate Mental Health Trust", { code: "EndpointTimeout", message: "The server did not answer in time" }],
        ["Meadow Lane Surgery", { code: "AuthFailed", message: "The server refused the credentials" }],
      ],
    });
    const c = mount(<Lookup demo={false} busy={false} onOpen={vi.fn()} />);
    click(q(c, "name-search-toggle"));
    search(c, "Ashworth", "1948-03-02");
    await flush();
    expect(qa(c, "name-search-result").length).toBe(1);
    expect(c.querySelector('[role="status"].name-search__status')!.textContent).toBe("1 patient found");
    const failures = qa(c, "name-search-failure").map((f) => f.textContent);
    // Plain English naming the source; the code and message behind "Technical detail".
    expect(failures).toEqual([
      "Warning: Northgate Mental Health Trust did not answer in time.Technical detailEndpointTimeout: The server did not answer in time",
      "Warning: Meadow Lane Surgery refused Crossview's credentials.Technical detailAuthFailed: The server refused the credentials",
    ]);
    expect(qa(c, "name-search-failure").map((f) => f.querySelector("details")!.open)).toEqual([false, false]);
  });

  it("shows 'No patients found' when nothing matches, and a rejected search with its code", async () => {
    m.findPatients.mockResolvedValueOnce({ matches: [], failures: [] });
    const c = mount(<Lookup demo={false} busy={false} onOpen={vi.fn()} />);
    click(q(c, "name-search-toggle"));
    search(c, "Nobody", "01-Jan-1900");
    await flush();
    expect(q(c, "name-search-empty").textContent).toBe("No patients found");
    expect(q(c, "name-search-empty").closest('[aria-live="polite"]')).not.toBeNull();
    expect(qa(c, "name-search-result").length).toBe(0);

    m.findPatients.mockRejectedValueOnce({ code: "ConfigInvalid", message: "Family name must not be empty" });
    search(c, "Nobody", "01-Jan-1900");
    await flush();
    expect(c.textContent).toContain("The search failed. The connection settings contain a mistake. Ask your IT team to check them.");
    expect(c.querySelector('[data-code="ConfigInvalid"] details')!.textContent).toBe("Technical detailConfigInvalid: Family name must not be empty");
    expect(c.querySelector('[data-testid="name-search-empty"]')).toBeNull();
  });
});
