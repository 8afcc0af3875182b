import { describe, expect, it } from "vitest";
import { boundedScale, MAX_CANVAS_PIXELS } from "../src/lib/canvas";

describe("boundedScale", () => {
  it("keeps the asked scale for an ordinary A4 page", () => {
    expect(boundedScale(595, 842, 1.25, 1)).toBe(1.25);
    expect(boundedScale(595, 842, 1.25, 2)).toBe(1.25);
  });

  it("shrinks a hostile 14,400 pt square page to the pixel limit, never above it", () => {
    for (const ratio of [1, 1.5, 2, 3]) {
      const s = boundedScale(14_400, 14_400, 1.25, ratio);
      const px = Math.floor(14_400 * s * ratio) ** 2;
      expect(px).toBeLessThanOrEqual(MAX_CANVAS_PIXELS);
      expect(px).toBeGreaterThan(MAX_CANVAS_PIXELS * 0.99);
    }
  });

  it("bounds a long thin page too", () => {
    const s = boundedScale(100, 1_000_000, 1.25, 2);
    expect(100 * s * 2 * (1_000_000 * s * 2)).toBeLessThanOrEqual(MAX_CANVAS_PIXELS * 1.0000001);
  });
});
