import { describe, expect, it } from "vitest";
import { parseDateInput } from "../src/lib/dates";
import { nhsFromHash } from "../src/lib/nhs";

const ok = (iso: string) => ({ ok: true, iso });

describe("parseDateInput", () => {
  it("quotes the caller's example in its messages", () => {
    expect(parseDateInput("31/02/1948", "e.g. 14-Jul-1945")).toEqual({ ok: false, message: "Enter a real date, e.g. 14-Jul-1945" });
    expect(parseDateInput("31/02/1948")).toEqual({ ok: false, message: "Enter a real date, e.g. 01-Jan-2024" });
  });

  it("accepts the NHS display form dd-Mmm-yyyy in any case", () => {
    expect(parseDateInput("01-Jan-2024")).toEqual(ok("2024-01-01"));
    expect(parseDateInput("1-jan-2024")).toEqual(ok("2024-01-01"));
    expect(parseDateInput(" 29-FEB-2024 ")).toEqual(ok("2024-02-29"));
    expect(parseDateInput("5 September 2023")).toEqual(ok("2023-09-05"));
    expect(parseDateInput("5-Sept-2023")).toEqual(ok("2023-09-05"));
    expect(parseDateInput("31/Dec/1999")).toEqual(ok("1999-12-31"));
  });

  it("accepts UK day-first dd/mm/yyyy", () => {
    expect(parseDateInput("11/02/2026")).toEqual(ok("2026-02-11"));
    expect(parseDateInput("1/2/2026")).toEqual(ok("2026-02-01"));
    expect(parseDateInput("26.11.2026")).toEqual(ok("2026-11-26"));
    expect(parseDateInput("26-11-2026")).toEqual(ok("2026-11-26"));
  });

  it("accepts ISO yyyy-mm-dd", () => {
    expect(parseDateInput("2024-01-05")).toEqual(ok("2024-01-05"));
    expect(parseDateInput("2024-1-5")).toEqual(ok("2024-01-05"));
  });

  it("refuses dates that do not exist", () => {
    for (const s of ["30-Feb-2024", "29-Feb-2023", "31/04/2024", "2024-13-01", "00-Jan-2024", "32-Jan-2024", "2024-02-30"]) {
      const r = parseDateInput(s);
      expect(r.ok, s).toBe(false);
      if (!r.ok) expect(r.message).toBe("Enter a real date, e.g. 01-Jan-2024");
    }
  });

  it("refuses US month-first dates that cannot be day-first", () => {
    expect(parseDateInput("11/26/2026").ok).toBe(false);
  });

  it("refuses two-digit years, unknown months and rubbish with a clear message", () => {
    expect(parseDateInput("01-Jan-24")).toEqual({ ok: false, message: "Enter the year with 4 digits, e.g. 01-Jan-2024" });
    expect(parseDateInput("01/01/24")).toEqual({ ok: false, message: "Enter the year with 4 digits, e.g. 01-Jan-2024" });
    expect(parseDateInput("01-Jnu-2024")).toEqual({ ok: false, message: "Enter a real date, e.g. 01-Jan-2024" });
    expect(parseDateInput("yesterday").ok).toBe(false);
    expect(parseDateInput("2024").ok).toBe(false);
    expect(parseDateInput("")).toEqual({ ok: false, message: "Enter a date" });
  });
});

describe("nhsFromHash", () => {
  it("reads a valid NHS number from the launch fragment", () => {
    expect(nhsFromHash("#nhs=9990000018")).toBe("9990000018");
    expect(nhsFromHash("nhs=999%20000%200018")).toBe("9990000018");
    expect(nhsFromHash("#view=timeline&nhs=9990000026")).toBe("9990000026");
  });

  it("ignores missing or invalid numbers", () => {
    expect(nhsFromHash("")).toBeNull();
    expect(nhsFromHash("#")).toBeNull();
    expect(nhsFromHash("#nhs=9990000017")).toBeNull();
    expect(nhsFromHash("#nhs=abc")).toBeNull();
    expect(nhsFromHash("#nhs=%E0%A4%A")).toBeNull();
    expect(nhsFromHash("#xnhs=9990000018")).toBeNull();
  });
});
