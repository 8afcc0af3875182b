import { describe, expect, it } from "vitest";
import { formatNhs, formatNhsAsTyped, MSG_CHECK, MSG_LENGTH, nhsCheckDigit, validateNhs } from "../src/lib/nhs";

describe("formatNhsAsTyped", () => {
  it.each([
    ["", ""],
    ["9", "9"],
    ["999", "999"],
    ["9990", "999 0"],
    ["999000", "999 000"],
    ["9990000", "999 000 0"],
    ["9990000018", "999 000 0018"],
    ["99900000189999", "999 000 0018"],
    ["999-000-0018", "999 000 0018"],
    [" 999 000 0018 ", "999 000 0018"],
    ["99a9", "999"],
  ])("%j → %j", (input, out) => {
    expect(formatNhsAsTyped(input)).toBe(out);
  });

  it("is idempotent", () => {
    for (const s of ["1", "1234", "1234567", "1234567890"]) {
      expect(formatNhsAsTyped(formatNhsAsTyped(s))).toBe(formatNhsAsTyped(s));
    }
  });

  it("formats a complete number for display", () => {
    expect(formatNhs("9990000018")).toBe("999 000 0018");
  });
});

describe("validateNhs", () => {
  it.each(["9990000018", "999 000 0018", "9990000026", "9990000034", "943 476 5919"])("accepts %s", (n) => {
    expect(validateNhs(n)).toEqual({ ok: true, digits: n.replace(/\D/g, "") });
  });

  it.each(["", "999", "999 000 001", "99900000181", "999 000 001X"])("rejects length %j", (n) => {
    expect(validateNhs(n)).toEqual({ ok: false, message: MSG_LENGTH });
  });

  it.each(["9990000017", "9990000019", "9434765918"])("rejects bad check digit %s", (n) => {
    expect(validateNhs(n)).toEqual({ ok: false, message: MSG_CHECK });
  });

  it("rejects numbers whose check digit would be 10", () => {
    // 000000001 → sum 2 → 11 - 2 = 9; search for a prefix that yields 10.
    let prefix = "";
    for (let i = 0; i < 1000; i++) {
      const p = String(999000000 + i);
      if (nhsCheckDigit(p) === null) {
        prefix = p;
        break;
      }
    }
    expect(prefix).not.toBe("");
    for (let d = 0; d <= 9; d++) expect(validateNhs(prefix + d)).toEqual({ ok: false, message: MSG_CHECK });
  });

  it("property: exactly one check digit (or none) makes each prefix valid, and it matches modulus 11", () => {
    // Deterministic pseudo-random generator (no flakiness).
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let tens = 0;
    for (let n = 0; n < 5000; n++) {
      const nine = Array.from({ length: 9 }, () => Math.floor(rnd() * 10)).join("");
      let sum = 0;
      for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
      const r = 11 - (sum % 11);
      const expected = r === 11 ? 0 : r === 10 ? null : r;
      expect(nhsCheckDigit(nine)).toBe(expected);
      const valid = [];
      for (let d = 0; d <= 9; d++) if (validateNhs(nine + d).ok) valid.push(d);
      if (expected === null) {
        tens++;
        expect(valid).toEqual([]);
      } else {
        expect(valid).toEqual([expected]);
        // Formatting as typed never changes validity.
        expect(validateNhs(formatNhsAsTyped(nine + expected)).ok).toBe(true);
      }
    }
    expect(tens).toBeGreaterThan(0);
  });
});
