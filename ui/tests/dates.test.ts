import { describe, expect, it } from "vitest";
import { dateSpan, formatAge, formatDataAge, formatDate, formatDateTime, formatTime, formatWhen } from "../src/lib/dates";

describe("dates", () => {
  it("formats instants in Europe/London (GMT in winter)", () => {
    expect(formatDateTime("2026-11-25T09:14:00Z")).toBe("25-Nov-2026 09:14");
    expect(formatTime("2026-11-25T14:02:00Z")).toBe("14:02");
  });

  it("applies British Summer Time", () => {
    expect(formatDateTime("2025-07-14T08:30:00Z")).toBe("14-Jul-2025 09:30");
    expect(formatDateTime("2025-07-14T23:30:00Z")).toBe("15-Jul-2025 00:30");
    expect(formatDateTime("2025-09-03T12:00:00+00:00")).toBe("03-Sep-2025 13:00");
  });

  it("uses a 24-hour clock and handles missing/invalid values", () => {
    expect(formatDateTime("2026-01-05T23:59:00Z")).toBe("05-Jan-2026 23:59");
    expect(formatDateTime("2026-01-05T00:00:00Z")).toBe("05-Jan-2026 00:00");
    expect(formatDateTime(null)).toBe("Not known");
    expect(formatDateTime("rubbish")).toBe("Not known");
  });

  it("shows time only for today", () => {
    const now = new Date("2026-11-25T16:00:00Z");
    expect(formatWhen("2026-11-25T14:02:00Z", now)).toBe("14:02");
    expect(formatWhen("2026-11-24T14:02:00Z", now)).toBe("24-Nov-2026 14:02");
  });

  it("formats calendar dates at their precision", () => {
    expect(formatDate("1948-03-02")).toBe("02-Mar-1948");
    expect(formatDate("1948-03")).toBe("Mar-1948");
    expect(formatDate("1948")).toBe("1948");
    expect(formatDate(null)).toBe("Not known");
  });

  it("computes age", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    expect(formatAge("1948-03-02", now)).toBe("78y");
    expect(formatAge("1948-11-26", now)).toBe("77y");
    expect(formatAge("1948-11-25", now)).toBe("78y");
    expect(formatAge("2025-06-01", now)).toBe("17m");
    expect(formatAge("2026-11-20", now)).toBe("5d");
    expect(formatAge(null, now)).toBeNull();
  });

  it("describes data age", () => {
    const now = new Date("2026-11-25T12:20:00Z");
    expect(formatDataAge("2026-11-25T09:14:00Z", now)).toBe("3 h old");
    expect(formatDataAge("2026-11-25T12:00:00Z", now)).toBe("20 min old");
    expect(formatDataAge("2026-11-20T12:00:00Z", now)).toBe("5 d old");
  });

  it("gives date spans for partial dates", () => {
    expect(dateSpan("2012")).toEqual(["2012-01-01", "2012-12-31"]);
    expect(dateSpan("2024-02")).toEqual(["2024-02-01", "2024-02-31"]);
    expect(dateSpan("2026-11-18T16:20:00Z")).toEqual(["2026-11-18", "2026-11-18"]);
    expect(dateSpan(null)).toBeNull();
  });
});
